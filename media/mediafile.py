"""Analysis of one media file: open it under guard, and gather its digests, type, perceptual
hashes and EXIF into a :class:`MediaInfo` (:func:`analyse`).

The parts, one idea each: :mod:`media.digests` (SHA-256, SHA-1, MD5), :mod:`media.sniffing`
(the type from content), :mod:`media.pdq` (PDQ, its variants and crops, pHash),
:mod:`media.exif` (capture time, camera, GPS), :mod:`media.video` (sampled frames).
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

import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pillow_heif
from PIL import Image, UnidentifiedImageError

from media.digests import file_digests
from media.exif import EXIF_MIMES, read_exif_checked
from media.facts import DEFAULT_MAX_PIXELS, ExifInfo, MediaError
from media.pdq import PDQ_DOWNSAMPLE, ImageHashes, image_hashes
from media.sniffing import EXTRA_FORMATS, extra_mime, sniff

pillow_heif.register_heif_opener()

__all__ = ["MediaInfo", "analyse", "iter_hashes"]

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


# ----------------------------------------------------------------------------- analyse

_PIL_FORMATS = {
    "image/jpeg": ["JPEG"],  # JPEG's opener gives an MPO file its own class
    "image/png": ["PNG"],
    "image/gif": ["GIF"],
    "image/bmp": ["BMP"],
    "image/tiff": ["TIFF"],
    "image/webp": ["WEBP"],
    "image/heic": ["HEIF"],
    "image/heif": ["HEIF"],
    "image/avif": ["AVIF", "HEIF"],
}


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
    wanted = _PIL_FORMATS.get(mime) or [f for f in EXTRA_FORMATS if extra_mime(f) == mime]
    # JPEG, PNG, GIF and BMP are registered without importing Pillow's forty other
    # plugins (30 ms of a one-picture load); those are imported when a format needs them.
    Image.preinit()
    if not wanted or any(f not in Image.OPEN for f in wanted):
        Image.init()
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
        if mime in EXIF_MIMES:
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
