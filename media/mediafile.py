"""Analysis of one media file: digests, type from content, perceptual hashes, EXIF.

Pure functions, no database. Pixels are decoded only to compute hashes and are never
returned or kept: what leaves this module is hashes, sizes and metadata.

PDQ
    ``pdq_reference`` reproduces Meta's reference C++ ``pdq-photo-hasher`` bit for bit:
    an image with a side over 512 px is first shrunk to exactly 512x512 with CImg's
    nearest-neighbour rule (source index ``floor(i * size / 512)``), then hashed by the
    ``pdqhash`` binding, which wraps the reference C++ code. ``analyse`` decodes every
    pixel by default, so the hash equals the reference's bit for bit. With
    ``reduced_decode=True`` libjpeg decodes large JPEGs at 1/2, 1/4 or 1/8 scale
    (``Image.draft``, never below 512 px a side): 5x cheaper at 12 MP but the hash moves
    a little (measured on synthetic 12 MP photos: 2 to 14 bits, median 6; none at 1 MP,
    where there is no reduction).

    Pixels are hashed as stored: EXIF Orientation is *not* applied, as the reference
    hashers do not apply it either. The eight dihedral variants (rotations and mirrors)
    cover a rotated or mirrored copy. HEIC is the exception: libheif applies the
    container's rotation and mirror boxes while decoding.

EXIF
    Pillow parses the EXIF block (its reader stops at the end of the data whatever the
    entry counts claim); exifread decodes maker notes for a serial number, and only gets
    a block whose IFDs all fit inside it (on random garbage exifread otherwise spends up
    to a second per IFD walking 65535 phantom entries).

Crops and borders
    PDQ tolerates about 1 % of cropping per side (measured: 2 % off one side already
    costs ~30 bits). ``pdq_trimmed`` is the reference PDQ of the picture with near-uniform
    borders removed (screenshots, letterboxing). ``pdq_crops`` are PDQ hashes of the
    regions in ``CROP_BOXES``, computed from the already low-pass-filtered 512x512 luma of
    the whole picture (all 34 in about 1.3 ms, one batched numpy pass; they sit a median
    of 6 bits from the reference hash of the same crop saved as a file). The crop offsets
    form a difference basis per crop family, so that comparing *every* stored hash of one
    image with *every* stored hash of the other (``pdq_match_distance``) finds centred
    crops, crops off one side (or off two opposite sides) of up to 10 %, and crops of
    5-10 % off two adjacent sides (a corner), equal or not. Crops off all four sides by
    unrelated amounts are not covered by PDQ.

Speed
    The default decodes every pixel (the reference PDQ needs them); the rest is kept
    small beside that decode: one 512x512 shrink feeds the PDQ, its dihedral variants, the
    border search, the crop hashes and the pHash (bench/bench_ingest_decode.py times each
    stage; bench/bench_ingest.py compares the whole analysis with a decode-only pass).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import struct
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import exifread
import pillow_heif
from PIL import Image, UnidentifiedImageError

from media import exiftool_serials
from media.facts import DEFAULT_MAX_PIXELS, ExifInfo, MediaError
from media.facts import text_value as _text
from media.pdq import PDQ_DOWNSAMPLE, ImageHashes, image_hashes

pillow_heif.register_heif_opener()

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "ExifInfo",
    "MediaError",
    "MediaInfo",
    "analyse",
    "file_digests",
    "hamming_hex",
    "iter_hashes",
    "read_exif",
    "read_exif_checked",
    "sniff",
]

_CHUNK = 1 << 20


# ----------------------------------------------------------------------------- types


@dataclass
class MediaInfo:
    path: str
    file_name: str
    bytes: int
    md5: str
    sha1: str
    sha256: str
    kind: str
    mime: str
    width: int | None
    height: int | None
    hashes: ImageHashes | None
    exif: ExifInfo = field(default_factory=ExifInfo)
    #: Problems that did not stop the analysis (e.g. "EXIF unreadable: ..."): no file
    #: contents, only our own words.
    warnings: list[str] = field(default_factory=list)
    #: Videos only: a :class:`media.video.VideoInfo` (metadata and sampled frame hashes).
    video: Any = None


# ----------------------------------------------------------------------------- digests


def file_digests(path: str | os.PathLike[str]) -> tuple[str, str, str, int]:
    """MD5, SHA-1 and SHA-256 (hex) and the size in bytes, in one streamed pass."""
    md5, sha1, sha256 = hashlib.md5(), hashlib.sha1(), hashlib.sha256()
    size = 0
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            chunk = view[:n]
            md5.update(chunk)
            sha1.update(chunk)
            sha256.update(chunk)
            size += n
    return md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest(), size


def hamming_hex(a: str, b: str) -> int:
    """Number of differing bits between two hex strings of equal length.

    >>> hamming_hex("ff00", "0f01")
    5
    """
    if len(a) != len(b):
        raise ValueError(f"hashes differ in length: {len(a)} and {len(b)} hex digits")
    return (int(a, 16) ^ int(b, 16)).bit_count()


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


# ----------------------------------------------------------------------------- EXIF

_EXIF_DATE = re.compile(r"^\s*(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"^\s*([+-])(\d{2}):(\d{2})\s*$")


def _tag_values(tags: dict[str, Any], *names: str) -> Any:
    for name in names:
        tag = tags.get(name)
        if tag is not None:
            return getattr(tag, "values", None)
    return None


def _rational(value: Any) -> float | None:
    """A rational as float; None for a zero denominator, NaN, infinity or garbage."""
    try:
        if isinstance(value, tuple) and len(value) == 2:
            num, den = value
        elif hasattr(value, "denominator") and hasattr(value, "numerator"):
            num, den = value.numerator, value.denominator
        elif isinstance(value, int | float) and not isinstance(value, bool):
            num, den = value, 1
        else:
            return None
        if not den:
            return None
        result = float(num) / float(den)
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None
    return result if math.isfinite(result) else None


def _gps_coordinate(
    values: Any, ref: Any, positive: str, negative: str, limit: float
) -> float | None:
    """Signed decimal degrees from (deg, min, sec) rationals and an N/S or E/W ref."""
    ref_text = _text(ref)
    if ref_text is None or ref_text[:1].upper() not in (positive, negative):
        return None
    if not isinstance(values, list | tuple) or not 1 <= len(values) <= 3:
        return None
    parts = [_rational(v) for v in values]
    numbers = [p for p in parts if p is not None and p >= 0]
    if len(numbers) != len(parts):
        return None
    deg, minutes, seconds = (numbers + [0.0, 0.0])[:3]
    if minutes >= 60 or seconds >= 60:
        return None
    value = deg + minutes / 60 + seconds / 3600
    if value > limit:
        return None
    value = round(value, 7)
    return -value if ref_text[:1].upper() == negative else value


def _captured_at(date_value: Any, offset_value: Any) -> str | None:
    text = _text(date_value)
    match = _EXIF_DATE.match(text or "")
    if not match:
        return None
    y, mo, d, h, mi, s = (int(g) for g in match.groups())
    try:
        stamp = datetime(y, mo, d, h, mi, s).isoformat()
    except ValueError:
        return None
    offset = _EXIF_OFFSET.match(_text(offset_value) or "")
    if offset and int(offset.group(2)) <= 14 and int(offset.group(3)) < 60:
        stamp += f"{offset.group(1)}{offset.group(2)}:{offset.group(3)}"
    return stamp


def _exif_from_tags(tags: dict[str, Any]) -> ExifInfo:
    tags = {k.strip(): v for k, v in tags.items()}
    orientation = _tag_values(tags, "Image Orientation")
    if isinstance(orientation, list) and orientation:
        orientation = orientation[0]
    lat = _gps_coordinate(
        _tag_values(tags, "GPS GPSLatitude"), _tag_values(tags, "GPS GPSLatitudeRef"),
        "N", "S", 90.0,
    )  # fmt: skip
    lon = _gps_coordinate(
        _tag_values(tags, "GPS GPSLongitude"), _tag_values(tags, "GPS GPSLongitudeRef"),
        "E", "W", 180.0,
    )  # fmt: skip
    if lat is None or lon is None:
        lat = lon = None
    serial = None
    for name in (
        "EXIF BodySerialNumber",
        "EXIF SerialNumber",
        "Image SerialNumber",
        "Image BodySerialNumber",
        "Image CameraSerialNumber",
        "MakerNote SerialNumber",
        "MakerNote InternalSerialNumber",
    ):
        serial = _text(_tag_values(tags, name), allow_number=True)
        if serial is not None:
            break
    return ExifInfo(
        make=_text(_tag_values(tags, "Image Make")),
        model=_text(_tag_values(tags, "Image Model")),
        serial=serial,
        software=_text(_tag_values(tags, "Image Software")),
        orientation=orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else None,
        captured_at=_captured_at(
            _tag_values(tags, "EXIF DateTimeOriginal"),
            _tag_values(tags, "EXIF OffsetTimeOriginal"),
        ),
        lat=lat,
        lon=lon,
        lens_serial=_text(
            _tag_values(tags, "EXIF LensSerialNumber", "Image LensSerialNumber"), allow_number=True
        ),
        owner_name=_text(_tag_values(tags, "EXIF CameraOwnerName")),
    )


class _Tag:
    """The shape of an exifread tag (``.values``), for tags read by Pillow."""

    __slots__ = ("values",)

    def __init__(self, values: Any):
        self.values = values


def _tag(value: Any) -> _Tag:
    if isinstance(value, str | bytes | list):
        return _Tag(value)
    if isinstance(value, tuple):
        return _Tag(list(value))
    return _Tag([value])


# Tags read with Pillow, named as exifread names them: (IFD pointer or None, tag, name).
_PILLOW_TAGS = [
    (None, 0x010F, "Image Make"),
    (None, 0x0110, "Image Model"),
    (None, 0x0131, "Image Software"),
    (None, 0x0112, "Image Orientation"),
    (None, 0xFDE9, "Image SerialNumber"),
    (None, 0xC62F, "Image CameraSerialNumber"),
    (None, 0xA431, "Image BodySerialNumber"),  # an editor may move EXIF tags to IFD0
    (None, 0xA435, "Image LensSerialNumber"),
    (0x8769, 0xA431, "EXIF BodySerialNumber"),
    (0x8769, 0xA435, "EXIF LensSerialNumber"),
    (0x8769, 0xA430, "EXIF CameraOwnerName"),
    (0x8769, 0xFDE9, "EXIF SerialNumber"),
    (0x8769, 0x9003, "EXIF DateTimeOriginal"),
    (0x8769, 0x9011, "EXIF OffsetTimeOriginal"),
    (0x8825, 0x0001, "GPS GPSLatitudeRef"),
    (0x8825, 0x0002, "GPS GPSLatitude"),
    (0x8825, 0x0003, "GPS GPSLongitudeRef"),
    (0x8825, 0x0004, "GPS GPSLongitude"),
]


def _pillow_tags(exif: Image.Exif) -> dict[str, _Tag]:
    tags: dict[str, _Tag] = {}
    ifds: dict[int | None, Any] = {None: exif}
    for pointer in (0x8769, 0x8825):
        try:
            ifds[pointer] = exif.get_ifd(pointer)
        except Exception:  # a broken sub-IFD loses its own tags only
            ifds[pointer] = {}
    for where, tag, name in _PILLOW_TAGS:
        try:
            value = ifds[where].get(tag)
        except Exception:  # Pillow decodes some values lazily
            value = None
        if value is not None:
            tags[name] = _tag(value)
    return tags


def _ifds_plausible(tiff: bytes, max_entries: int = 1024) -> bool:
    """Whether every standard IFD in a TIFF/EXIF block fits inside the block.

    exifread walks each IFD's declared entry count (up to 65535) even past the end of
    the data, which costs about a second per broken IFD; garbage is refused here instead.
    """
    if len(tiff) < 8 or tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        return False
    order = "<" if tiff[:2] == b"II" else ">"

    def u16(at: int) -> int:
        return struct.unpack_from(order + "H", tiff, at)[0]

    def u32(at: int) -> int:
        return struct.unpack_from(order + "I", tiff, at)[0]

    todo: list[tuple[int, bool]] = [(u32(4), True)]  # (offset, in the IFD0 chain)
    seen: set[int] = set()
    while todo:
        at, chained = todo.pop()
        if at in seen:
            continue
        if len(seen) > 16 or at < 8 or at + 2 > len(tiff):
            return False
        seen.add(at)
        count = u16(at)
        end = at + 2 + 12 * count
        if count > max_entries or end > len(tiff):
            return False
        for i in range(count):
            entry = at + 2 + 12 * i
            if u16(entry) in (0x8769, 0x8825, 0xA005):
                todo.append((u32(entry + 8), False))
        # exifread follows "next IFD" links of the main chain only
        if chained and end + 4 <= len(tiff) and (following := u32(end)):
            todo.append((following, True))
    return True


def _maker_note_serial(raw: bytes) -> str | None:
    """A serial number from the maker note, as exifread decodes it (Canon, Nikon,
    Olympus, Fujifilm ...), when the block's structure is sound."""
    block = raw[6:] if raw.startswith(b"Exif\x00\x00") else raw
    if not _ifds_plausible(block):
        return None
    tags = exifread.process_file(io.BytesIO(block), details=True, extract_thumbnail=False)
    tags = {k.strip(): v for k, v in tags.items()}
    for name in ("MakerNote SerialNumber", "MakerNote InternalSerialNumber"):
        serial = _text(_tag_values(tags, name), allow_number=True)
        if serial is not None:
            return serial
    return None


def _exif_problem(exc: BaseException | None, caught: list[warnings.WarningMessage]) -> str | None:
    """Why an EXIF block could not be read (whole or in part), in words of our own: the
    parser's messages may quote bytes of the file."""
    if exc is not None:
        if isinstance(exc, SyntaxError) and "tiff" in str(exc).lower():
            return "not a TIFF structure"
        return f"parse error ({type(exc).__name__})"
    for w in caught:
        if "corrupt exif" in str(w.message).lower():
            return "directory entries run past the end of the block"
    return None


def _garbled(text: str) -> bool:
    """Text holding C1 control characters (bytes 0x80-0x9F read as Latin-1): no serial."""
    return any(0x7F <= ord(c) <= 0x9F for c in text)


def _exif_segment_unread(img: Image.Image) -> bool:
    """A JPEG APP1 segment that says EXIF but that Pillow did not take as EXIF."""
    return any(
        marker == "APP1" and data[:4] == b"Exif" and data[:6] != b"Exif\x00\x00"
        for marker, data in getattr(img, "applist", ()) or ()
    )


def _has_maker_note(exif: Image.Exif | None) -> bool:
    if exif is None:
        return False
    try:
        return bool(exif.get_ifd(0x8769).get(0x927C))
    except Exception:  # a broken sub-IFD: ExifTool may still read it
        return True


def _reference_wanted(
    img: Image.Image, exif: Image.Exif | None, info: ExifInfo, problem: str | None
) -> bool:
    """Whether ExifTool should be asked about this picture: only when Python's readers did
    not get a serial from the standard EXIF tags and the file has somewhere else a serial
    can sit (a maker note, XMP naming a serial, a FLIR segment, DNG private data), or
    when its EXIF could not be read whole."""
    wanted = exiftool_serials.mode()
    if wanted == "always":
        return True
    if wanted == "off":
        return False
    if problem is not None:
        return True
    if info.serial is not None:
        return False
    if _has_maker_note(exif):
        return True
    xmp = img.info.get("xmp")
    if isinstance(xmp, bytes | str) and "SerialNumber" in (
        xmp.decode("latin-1") if isinstance(xmp, bytes) else xmp
    ):
        return True
    for marker, data in getattr(img, "applist", ()) or ():
        if marker == "APP1" and data[:4] == b"FLIR":
            return True
    if exif is not None and img.format == "TIFF":
        try:
            return 0xC634 in exif  # DNGPrivateData: the raw's maker note
        except Exception:  # noqa: BLE001
            return True
    return False


def _exif_of_image(img: Image.Image, path: str | None = None) -> tuple[ExifInfo, str | None]:
    raw = img.info.get("exif")
    exif: Image.Exif | None = None
    parsed = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # Pillow warns on corrupt EXIF: a reason to report
        try:
            if isinstance(raw, bytes):
                exif = Image.Exif()
                exif.load(raw)
            elif img.format == "TIFF":
                exif, raw = img.getexif(), None  # a TIFF's own IFDs, read without decoding
            # else: no EXIF block (e.g. a PNG whose eXIf chunk follows the pixels)
            info = _exif_from_tags(_pillow_tags(exif)) if exif is not None else ExifInfo()
            problem = _exif_problem(None, caught)
            parsed = True
            if info.serial is not None and _garbled(info.serial):
                info.serial = None  # bytes that are no text: ExifTool's reading decides
                problem = problem or "camera serial is not text"
        except Exception as e:  # a hostile block must not stop a load
            info, problem = ExifInfo(), _exif_problem(e, [])
    if raw is None and exif is None and _exif_segment_unread(img):
        problem = "EXIF segment header is malformed"  # e.g. "Exif\0\xff": Pillow skips it
    if path is not None and _reference_wanted(img, exif, info, problem):
        ref = exiftool_serials.read(path)
        if ref is not None:
            info.serial = info.serial or ref.serial
            info.lens_serial = info.lens_serial or ref.lens_serial
            info.owner_name = info.owner_name or ref.owner_name
            if info.make is None and info.model is None:  # EXIF Python could not read
                info.make, info.model = ref.make, ref.model
            return info, problem
    if parsed and info.serial is None and raw:
        try:  # without ExifTool: exifread's maker-note decoding (fewer makers)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                info.serial = _maker_note_serial(raw)
        except Exception:  # maker notes are vendor formats: best effort
            info.serial = None
    return info, problem


def read_exif_checked(
    path: str | os.PathLike[str], img: Image.Image | None = None
) -> tuple[ExifInfo, str | None]:
    """:func:`read_exif` and why the EXIF block was unreadable, whole or in part (None when
    it was read, or when there is none). The reason is in our words, never the file's."""
    try:
        if img is not None:
            return _exif_of_image(img, os.fspath(path))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # recorded again while the block is parsed
            opened = Image.open(path, formats=list(_EXIF_FORMATS))
        with opened:
            return _exif_of_image(opened, os.fspath(path))
    except Exception as e:  # EXIF is best effort; hostile files must not stop a load
        return ExifInfo(), f"parse error ({type(e).__name__})"


def read_exif(path: str | os.PathLike[str], img: Image.Image | None = None) -> ExifInfo:
    """Camera, time and place from a file's EXIF. Never raises: unreadable parts are None.

    ``serial`` is BodySerialNumber, else SerialNumber, else a maker-note serial.
    ``captured_at`` is DateTimeOriginal in ISO 8601, with OffsetTimeOriginal when present.
    ``lat``/``lon`` are signed decimal degrees, both None unless both are valid (a
    zero denominator, a missing N/S/E/W ref or a value out of range gives None).

    Pillow parses the EXIF block (bounded by the data, whatever the counts say);
    exifread decodes maker notes, only for a block whose IFDs are sound. Pass ``img``
    (the same file, already open) to save opening it again.
    :func:`read_exif_checked` also says why a block could not be read.
    """
    return read_exif_checked(path, img)[0]


# ----------------------------------------------------------------------------- analyse

_PIL_FORMATS = {
    "image/jpeg": ["JPEG", "MPO"],
    "image/png": ["PNG"],
    "image/gif": ["GIF"],
    "image/bmp": ["BMP"],
    "image/tiff": ["TIFF"],
    "image/webp": ["WEBP"],
    "image/heic": ["HEIF"],
    "image/heif": ["HEIF"],
    "image/avif": ["AVIF", "HEIF"],
}
_EXIF_FORMATS = ("JPEG", "MPO", "TIFF", "PNG", "WEBP", "HEIF")
_EXIF_MIMES = {"image/jpeg", "image/tiff", "image/png", "image/webp", "image/heic", "image/heif"}


def _decode_failure(path: Path, exc: BaseException) -> MediaError:
    """Classify a decoder exception without quoting it (messages may carry file bytes)."""
    text = str(exc).lower()
    name = path.name
    if isinstance(exc, Image.DecompressionBombError | Image.DecompressionBombWarning):
        return MediaError("decompression_bomb", f"{name}: refused, too many pixels", path)
    if "decompressed data too large" in text:
        return MediaError("decompression_bomb", f"{name}: refused, metadata too large", path)
    if "truncated" in text or "end of file" in text or isinstance(exc, EOFError):
        return MediaError("truncated", f"{name}: image data is truncated", path)
    if isinstance(exc, MemoryError):
        return MediaError("too_large", f"{name}: not enough memory to decode", path)
    kind = type(exc).__name__
    return MediaError("corrupt", f"{name}: image cannot be decoded ({kind})", path)


def _riff_truncated(path: Path, size: int) -> bool:
    with open(path, "rb") as f:
        head = f.read(12)
    return len(head) >= 8 and int.from_bytes(head[4:8], "little") + 8 > size


def _pil_formats(mime: str) -> list[str] | None:
    Image.init()
    wanted = _PIL_FORMATS.get(mime) or [f for f in EXTRA_FORMATS if extra_mime(f) == mime]
    names = [f for f in wanted if f in Image.OPEN]
    return names or None


def _open_image(
    path: Path, mime: str, max_pixels: int, reduced: bool
) -> tuple[Image.Image, int, int]:
    """Open and decode the first frame; the caller closes the image.

    Returns the image and the file's full width and height (a reduced-scale JPEG decode
    is smaller). The size is checked from the header before any pixel is decoded.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        warnings.filterwarnings("ignore", "Corrupt EXIF data", UserWarning)  # read_exif copes
        try:
            img = Image.open(path, formats=_pil_formats(mime))
        except UnidentifiedImageError as e:
            label = mime.split("/")[1].upper()
            raise MediaError("corrupt", f"{path.name}: not a readable {label} image", path) from e
        except Exception as e:  # any decoder failure is a property of the file
            raise _decode_failure(path, e) from e
        try:
            width, height = img.size
            if width <= 0 or height <= 0:
                raise MediaError("corrupt", f"{path.name}: image has no pixels", path)
            if width * height > max_pixels:
                raise MediaError(
                    "decompression_bomb",
                    f"{path.name}: refused, {width}x{height} is over {max_pixels} pixels",
                    path,
                )
            if reduced and img.format in ("JPEG", "MPO"):
                img.draft(img.mode, (PDQ_DOWNSAMPLE, PDQ_DOWNSAMPLE))
            img.load()
        except MediaError:
            img.close()
            raise
        except Exception as e:  # any decoder failure is a property of the file
            img.close()
            raise _decode_failure(path, e) from e
        return img, width, height


def analyse(
    path: str | os.PathLike[str],
    max_pixels: int = DEFAULT_MAX_PIXELS,
    reduced_decode: bool = False,
) -> MediaInfo:
    """Digests, type, size, perceptual hashes and EXIF of one file.

    Raises MediaError for a missing, empty, unsupported, oversized, truncated or corrupt
    file. Videos get width, height, camera, time and GPS in ``exif`` and their sampled
    frame hashes in ``video`` (:func:`media.video.video_info`; ``hashes`` stays None).
    ``reduced_decode`` lets libjpeg decode large JPEGs at a reduced scale: about 5x
    cheaper at 12 MP, but the PDQ then drifts a few bits (median 6 at 12 MP) from the
    reference. The default decodes every pixel, so our PDQ equals the reference hasher's
    bit for bit and hashes exchanged with other units compare exactly.
    """
    p = Path(path)
    try:
        if not p.is_file():
            if p.exists():
                raise MediaError("unsupported_type", f"{p.name}: not a regular file", p)
            raise MediaError("not_found", f"{p.name}: no such file", p)
        size = p.stat().st_size
        if size == 0:
            raise MediaError("zero_bytes", f"{p.name}: file is empty (0 bytes)", p)
        sniffed = sniff(p)
        if sniffed is None:
            raise MediaError(
                "unsupported_type", f"{p.name}: content is not a supported image or video", p
            )
        kind, mime = sniffed
        md5, sha1, sha256, size = file_digests(p)
    except OSError as e:
        raise MediaError("unreadable", f"{p.name}: cannot be read ({type(e).__name__})", p) from e

    info = MediaInfo(
        path=str(p), file_name=p.name, bytes=size, md5=md5, sha1=sha1, sha256=sha256,
        kind=kind, mime=mime, width=None, height=None, hashes=None,
    )  # fmt: skip
    if kind == "video":
        from media import video  # imported on the first video only (PyAV starts slowly)

        vi = video.video_info(p, max_pixels=max_pixels)
        info.width, info.height, info.exif, info.video = vi.width, vi.height, vi.exif(), vi
        return info

    if mime in ("image/webp",) and _riff_truncated(p, size):
        raise MediaError("truncated", f"{p.name}: image data is truncated", p)
    img, info.width, info.height = _open_image(p, mime, max_pixels, reduced_decode)
    with img:
        hashes = image_hashes(img)
        if mime in _EXIF_MIMES:
            info.exif, problem = read_exif_checked(p, img)
            if problem:
                info.warnings.append(f"EXIF unreadable: {problem}")
    # The file's own size, not that of a reduced-scale decode.
    hashes.width, hashes.height = info.width, info.height
    info.hashes = hashes
    return info


def iter_hashes(h: ImageHashes) -> Iterable[str]:
    """Every stored PDQ hash of an image: pdq, trimmed (if any), then the crops."""
    yield h.pdq
    if h.pdq_trimmed is not None:
        yield h.pdq_trimmed
    yield from h.pdq_crops
