"""EXIF of a picture: capture time, camera make, model and serial, GPS point.

Pillow parses the EXIF block (its reader stops at the end of the data whatever the entry
counts claim); exifread decodes maker notes for a serial number, and only gets a block
whose IFDs all fit inside it (on random garbage exifread otherwise spends up to a second
per IFD walking 65535 phantom entries); ``exiftool`` serials are
:mod:`media.exiftool_serials`. What cannot be read is a note, never a crash."""

from __future__ import annotations

import io
import math
import os
import re
import struct
import warnings
from datetime import datetime
from typing import Any

import exifread
import pillow_heif
from PIL import Image

from media import exiftool_serials
from media.facts import ExifInfo
from media.facts import text_value as _text

pillow_heif.register_heif_opener()

#: Formats whose EXIF is read, as Pillow names them and as MIME types.
EXIF_FORMATS = ("JPEG", "MPO", "TIFF", "PNG", "WEBP", "HEIF")
EXIF_MIMES = {"image/jpeg", "image/tiff", "image/png", "image/webp", "image/heic", "image/heif"}

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
            opened = Image.open(path, formats=list(EXIF_FORMATS))
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
