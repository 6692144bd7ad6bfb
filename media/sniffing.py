"""What a file is, from its content (never its name): magic bytes, ISO-BMFF brands, then
Pillow as the last word; and a short description of a file that is no picture or video
(for the load's notes). Reads the first bytes only, except Pillow's header parse."""

from __future__ import annotations

import os
import warnings

import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()

# ----------------------------------------------------------------------------- sniffing

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_AVIF_BRANDS = {b"avif", b"avis"}
_HEIF_BRANDS = {b"mif1", b"msf1", b"mif2"}
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9",
    b"mp41", b"mp42", b"mp71", b"avc1", b"dash", b"MSNV", b"f4v ", b"mmp4", b"NDAS",
    b"XAVC", b"MP4 ",
}  # fmt: skip
_M4V_BRANDS = {b"M4V ", b"M4VH", b"M4VP"}
_3GP_BRANDS = {b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3gs7", b"3ge6", b"3ge7", b"3gg6"}
_3G2_BRANDS = {b"3g2a", b"3g2b", b"3g2c"}
_QT_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_BMP_DIB_SIZES = {12, 40, 52, 56, 64, 108, 124}


def _sniff_bytes(head: bytes) -> tuple[str, str] | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image", "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image", "image/gif"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "image", "image/tiff"
    if head[:2] == b"BM" and len(head) >= 18:
        if int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES:
            return "image", "image/bmp"
    if head[:4] == b"RIFF" and len(head) >= 12:
        form = head[8:12]
        if form == b"WEBP":
            return "image", "image/webp"
        if form in (b"AVI ", b"AVIX"):
            return "video", "video/x-msvideo"
        return None
    if head[:4] == b"\x1a\x45\xdf\xa3":
        if b"webm" in head[:64]:
            return "video", "video/webm"
        return "video", "video/x-matroska"
    if head[4:8] == b"ftyp" and len(head) >= 12:
        return _sniff_ftyp(head)
    if head[4:8] in _QT_ATOMS:
        return "video", "video/quicktime"
    if head[:16] == bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c"):
        return "video", "video/x-ms-asf"
    if head[:4] == b"FLV\x01":
        return "video", "video/x-flv"
    if head[:4] == b"\x00\x00\x01\xba":
        return "video", "video/mpeg"
    if len(head) >= 377 and head[0] == head[188] == head[376] == 0x47:
        return "video", "video/mp2t"
    return None


def _sniff_ftyp(head: bytes) -> tuple[str, str] | None:
    box_size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    end = min(len(head), box_size) if box_size >= 16 else min(len(head), 64)
    compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
    brands = {major} | compatible
    if major in _HEIC_BRANDS:
        return "image", "image/heic"
    if major in _AVIF_BRANDS:
        return "image", "image/avif"
    if major in _HEIF_BRANDS:
        if brands & _HEIC_BRANDS:
            return "image", "image/heic"
        if brands & _AVIF_BRANDS:
            return "image", "image/avif"
        return "image", "image/heif"
    if major == b"qt  ":
        return "video", "video/quicktime"
    if major in _M4V_BRANDS:
        return "video", "video/x-m4v"
    if major in _3GP_BRANDS:
        return "video", "video/3gpp"
    if major in _3G2_BRANDS:
        return "video", "video/3gpp2"
    if major in _MP4_BRANDS:
        return "video", "video/mp4"
    if major in (b"M4A ", b"M4B ", b"M4P ", b"crx "):
        return None  # audio, or a camera raw Pillow cannot decode
    if compatible & (_MP4_BRANDS | _M4V_BRANDS):
        return "video", "video/mp4"
    return None


#: Still-picture formats Pillow decodes beyond the common ones, identified by content
#: (magic bytes below, else Pillow's own header check). Left out: EPS (needs Ghostscript),
#: WMF/EMF, BUFR, GRIB, HDF5 (Pillow only recognises them, it cannot decode them), MPEG.
EXTRA_FORMATS = (
    "BLP", "CUR", "DCX", "DDS", "FITS", "FLI", "FTEX", "GBR", "ICNS", "ICO", "IM",
    "JPEG2000", "MCIDAS", "MSP", "PCD", "PCX", "PIXAR", "PPM", "PSD", "QOI", "SGI",
    "SPIDER", "SUN", "TGA", "XBM", "XPM", "XVTHUMB",
)  # fmt: skip


def extra_mime(fmt: str) -> str:
    """The MIME type we record for a Pillow format of :data:`EXTRA_FORMATS`."""
    return Image.MIME.get(fmt) or f"image/x-{fmt.lower()}"


def _sniff_extra_bytes(head: bytes) -> str | None:
    """Pillow format name of an extra still-picture format, from its magic bytes."""
    if head[:4] == b"\x00\x00\x01\x00" and len(head) >= 6 and head[4:6] != b"\x00\x00":
        return "ICO"
    if head[:4] == b"\x00\x00\x02\x00" and len(head) >= 6 and head[4:6] != b"\x00\x00":
        return "CUR"
    if (
        len(head) >= 3
        and head[0:1] == b"P"
        and head[1:2] in b"1234567f"
        and head[2:3] in b" \t\r\n"
    ):
        return "PPM"
    if head[:2] == b"\x01\xda" and len(head) >= 3 and head[2] in (0, 1):
        return "SGI"
    if head[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n" or head[:4] == b"\xff\x4f\xff\x51":
        return "JPEG2000"
    if head[:4] == b"icns":
        return "ICNS"
    if len(head) >= 6 and head[4:6] in (b"\x11\xaf", b"\x12\xaf"):
        return "FLI"
    if head[:4] == b"DDS ":
        return "DDS"
    if head[:4] == b"qoif":
        return "QOI"
    if head[:4] == b"8BPS":
        return "PSD"
    if head[:4] == b"\x59\xa6\x6a\x95":
        return "SUN"
    if head[:4] in (b"BLP1", b"BLP2"):
        return "BLP"
    if head[:4] == b"\xb1\x68\xde\x3a":
        return "DCX"
    if head[:9] == b"/* XPM */":
        return "XPM"
    if head[:4] == b"FTEX":
        return "FTEX"
    if head[:30].startswith(b"SIMPLE  ="):
        return "FITS"
    if len(head) >= 4 and head[0] == 0x0A and head[1] in (0, 2, 3, 4, 5) and head[2] == 1:
        return "PCX"
    return None


def _sniff_pillow(path: str | os.PathLike[str]) -> str | None:
    """Pillow's own header check, restricted to :data:`EXTRA_FORMATS` (TGA, GBR, XBM ...
    have no fixed magic). Reads the header only; never decodes pixels."""
    Image.init()
    formats = [f for f in EXTRA_FORMATS if f in Image.OPEN]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path, formats=formats) as img:
                return img.format
    except Exception:  # not one of them (or a hostile header): not a picture we know
        return None


def sniff(path: str | os.PathLike[str]) -> tuple[str, str] | None:
    """``(kind, mime)`` from the file's content, or None for anything else.

    The extension is ignored. Images: JPEG, PNG, GIF, BMP, TIFF, WebP, HEIC/HEIF, AVIF,
    and every still format of :data:`EXTRA_FORMATS` (ICO, PPM/PGM/PBM, TGA, SGI,
    JPEG 2000, ICNS, FLI, PCX, DDS, QOI, PSD ...).
    Videos: MP4, MOV, M4V, 3GP/3G2, AVI, MKV, WebM, and also ASF/WMV, FLV, MPEG-PS, MPEG-TS.
    """
    with open(path, "rb") as f:
        head = f.read(512)
    found = _sniff_bytes(head)
    if found is not None or not head:
        return found
    fmt = _sniff_extra_bytes(head)
    if fmt is None:
        fmt = _sniff_pillow(path)
    return ("image", extra_mime(fmt)) if fmt is not None else None


_DESCRIPTIONS: tuple[tuple[bytes, int, str], ...] = (
    (b"PK\x03\x04", 0, "ZIP archive (or Office/OpenDocument file)"),
    (b"PK\x05\x06", 0, "ZIP archive (empty)"),
    (b"%PDF", 0, "PDF document"),
    (b"%!PS", 0, "PostScript/EPS document"),
    (b"\xc5\xd0\xd3\xc6", 0, "EPS document (binary header)"),
    (b"\x1f\x8b", 0, "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7-Zip archive"),
    (b"Rar!", 0, "RAR archive"),
    (b"BZh", 0, "bzip2 archive"),
    (b"\xfd7zXZ\x00", 0, "xz archive"),
    (b"ustar", 257, "tar archive"),
    (b"SQLite format 3\x00", 0, "SQLite database"),
    (b"\x7fELF", 0, "ELF executable"),
    (b"MZ", 0, "Windows executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "OLE2 document (old Office, Thumbs.db)"),
    (b"ID3", 0, "MP3 audio"),
    (b"fLaC", 0, "FLAC audio"),
    (b"OggS", 0, "Ogg media"),
    (b"ftypM4A", 4, "M4A audio"),
    (b"ftypcrx", 4, "Canon CR3 raw"),
    (b"WAVE", 8, "WAV audio"),
    (b"FUJIFILMCCD-RAW", 0, "Fujifilm RAF raw"),
    (b"IIRO", 0, "Olympus ORF raw"),
    (b"IIU\x00", 0, "Panasonic RW2 raw"),
)


def describe(path: str | os.PathLike[str]) -> str:
    """A short human name for the type of a file that is no picture or video (for the
    load's list of files left out): from magic bytes, else text or binary data."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return "unreadable"
    if not head:
        return "empty file"
    for magic, at, name in _DESCRIPTIONS:
        if head[at : at + len(magic)] == magic:
            return name
    Image.init()
    try:  # a picture format Pillow knows but cannot decode here (EPS, WMF, GRIB ...)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as img:
                return f"{img.format} (picture format not decoded)"
    except Exception:  # noqa: BLE001 - not a picture at all
        pass
    text: str | None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        text = head[: e.start].decode("utf-8") if e.start > len(head) - 4 else None
    if text is not None and not any(c in text for c in "\x00\x01\x02\x03\x04\x05\x06\x07"):
        stripped = text.lstrip()
        if stripped[:1] in "{[":
            return "text (JSON?)"
        if stripped[:1] == "<":
            return "text (HTML/XML)"
        return "text"
    return "binary data"
