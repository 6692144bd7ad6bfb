"""PDQ of one picture and its variants, and pHash: the hashes near-duplicate matching uses.

The reference PDQ (``pdqhash``, Facebook's algorithm) of the whole picture; its dihedral
variants (rotations and mirrors); a trimmed variant (a uniform border cut off); crops
(:data:`CROP_BOXES`) computed from one shared luma with the Jarosz filter; and the
64-bit pHash (:func:`phash`, ``imagehash``'s algorithm). :func:`pdq_match_distance` is
the rule the graph applies (``graph/neardup.py``). Pure analysis: a picture in, hex
strings out; nothing here knows about files, loaders or the graph (``media/video.py``
hashes its frames with :func:`pdq_reference`, ``media/mediafile.py`` its pictures with
:func:`image_hashes`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import pdqhash
from PIL import Image

from media.pixels import to_rgb8

#: The reference hasher shrinks anything larger than this to exactly this square.
PDQ_DOWNSAMPLE = 512

#: A PDQ quality below this means a flat picture whose hash matches everything.
PDQ_MIN_QUALITY = 50


def _centre(x: float) -> tuple[float, float, float, float]:
    return (x, x, x, x)


def _sides(x: float) -> list[tuple[float, float, float, float]]:
    return [(x, 0.0, 0.0, 0.0), (0.0, x, 0.0, 0.0), (0.0, 0.0, x, 0.0), (0.0, 0.0, 0.0, x)]


def _corners(x: float) -> list[tuple[float, float, float, float]]:
    """x off two adjacent sides: top-left, top-right, bottom-right, bottom-left."""
    return [(x, x, 0.0, 0.0), (0.0, x, x, 0.0), (0.0, 0.0, x, x), (x, 0.0, 0.0, x)]


#: Crop regions as fractions cut off (left, top, right, bottom). Per family the offsets
#: form a difference basis: with 0 (the whole image) on both sides, the differences of
#: {1.6, 3.2, 8, 9.6} % cover 0-10 % in steps of 1.6 % (centred crops shift all four edges,
#: so they need the finer step), those of {2.5, 5, 10} % cover 0-10 % in steps of 2.5 %.
#: Corners {5, 7.5, 10} % (appended last, so older stored lists keep their order): a
#: corner box against the other picture's whole covers equal cuts, and against its
#: one-side boxes {2.5, 5, 10} % unequal ones, so cuts of 5-10 % off two adjacent sides
#: are matched on a 2.5 % grid (measured on drawn rooms: recall 1.0 for 5/5, 7.5/7.5,
#: 10/10, 5/10, 6/8 % corner cuts, max distance 26; bench/bench_links.py --phash-study).
CROP_BOXES: tuple[tuple[float, float, float, float], ...] = (
    _centre(0.016),
    _centre(0.032),
    _centre(0.08),
    _centre(0.096),
    *_sides(0.025),
    *_sides(0.05),
    *_sides(0.10),
    (0.025, 0.0, 0.025, 0.0),
    (0.05, 0.0, 0.05, 0.0),
    (0.10, 0.0, 0.10, 0.0),
    (0.0, 0.025, 0.0, 0.025),
    (0.0, 0.05, 0.0, 0.05),
    (0.0, 0.10, 0.0, 0.10),
    *_corners(0.05),
    *_corners(0.075),
    *_corners(0.10),
)


@dataclass
class ImageHashes:
    pdq: str
    pdq_quality: int
    pdq_variants: list[str]
    pdq_trimmed: str | None
    pdq_trimmed_quality: int | None
    pdq_crops: list[str]
    phash: str
    width: int
    height: int


def _bits_to_hex(bits: np.ndarray) -> str:
    # pdqhash returns bit 255 first, which is the reference's hex order (word 15 first).
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def _cimg_nearest(
    img: Image.Image,
    size: int = PDQ_DOWNSAMPLE,
    box: tuple[int, int, int, int] | None = None,
) -> Image.Image:
    """CImg's nearest-neighbour resize to size x size: source index floor(i * n / size).

    An affine transform with Pillow's nearest filter samples floor(a * (i + 0.5) + c);
    a = n / size and c = -a / 2 give exactly floor(i * n / size) (n / size is a dyadic
    fraction, so the arithmetic is exact; checked exhaustively for n up to 9000).
    ``box`` (left, top, right, bottom): resize that region, as ``img.crop(box)`` would be,
    without copying it first (an integer offset keeps the arithmetic exact).
    """
    x0, y0, x1, y1 = box or (0, 0, *img.size)
    sx, sy = (x1 - x0) / size, (y1 - y0) / size
    return img.transform(
        (size, size), Image.Transform.AFFINE, (sx, 0, x0 - 0.5 * sx, 0, sy, y0 - 0.5 * sy),
        Image.Resampling.NEAREST,
    )  # fmt: skip


def _pdq_base(rgb: Image.Image, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """The RGB array the reference hasher hashes: the image (or the region ``box`` of
    it), or its 512x512 shrink."""
    x0, y0, x1, y1 = box or (0, 0, *rgb.size)
    if x1 - x0 > PDQ_DOWNSAMPLE or y1 - y0 > PDQ_DOWNSAMPLE:
        return np.asarray(_cimg_nearest(rgb, box=box))
    return np.asarray(rgb if box is None else rgb.crop(box))


def pdq_reference(img: Image.Image) -> tuple[str, int]:
    """PDQ hash (64 hex) and quality (0-100), as Meta's reference C++ hasher computes them.

    Pixels are hashed as given: EXIF Orientation is not applied (nor by the reference).
    """
    bits, quality = pdqhash.compute(_pdq_base(to_rgb8(img)))
    return _bits_to_hex(bits), int(quality)


# The reference's 16x64 DCT matrix (rows 1..16 of the DCT-II basis, no DC row).
_DCT16 = (
    math.sqrt(2.0 / 64)
    * np.cos((math.pi / 2 / 64) * np.arange(1, 17)[:, None] * (2 * np.arange(64)[None, :] + 1))
).astype(np.float32)


def _box_counts(n: int, full: int) -> np.ndarray:
    """Samples inside the image of the reference's box window at each of ``n`` positions
    (a window of ``full`` samples; the edges are averaged over the part inside)."""
    half = (full + 2) // 2
    i = np.arange(n)
    return (np.minimum(n, i + half) - np.maximum(0, i - (full - half))).astype(np.float32)


_LUMA = np.array([[0.299, 0.587, 0.114]], dtype=np.float32)


def _jarosz_luma(base: np.ndarray) -> np.ndarray:
    """Luma of ``base`` after the reference's two-pass Jarosz (box) filter.

    Each pass is the reference's box1DFloat along the rows then along the columns: one
    separable window sum (zero outside the image), divided by the product of the two
    per-axis counts (a row-pass count depends on the column only, so it factors out of
    the column sum). Within 1e-4 of the two-step float sums; ~0.8 ms at 512x512.
    """
    rows, cols = base.shape[:2]
    luma = cv2.transform(base.astype(np.float32), _LUMA).reshape(rows, cols)
    along_rows, along_cols = (cols + 127) // 128, (rows + 127) // 128
    kernel_r = np.ones(along_rows, np.float32)
    kernel_c = np.ones(along_cols, np.float32)
    anchor = (along_rows - (along_rows + 2) // 2, along_cols - (along_cols + 2) // 2)
    norm = np.outer(_box_counts(rows, along_cols), _box_counts(cols, along_rows))
    for _ in range(2):
        luma = cv2.sepFilter2D(
            luma, -1, kernel_r, kernel_c, anchor=anchor, borderType=cv2.BORDER_CONSTANT
        )
        luma /= norm
    return luma


def _region_hashes(filtered: np.ndarray, regions: np.ndarray) -> list[str]:
    """PDQ of regions ``(top, bottom, left, right)`` of the filtered luma, all at once:
    decimate each to 64x64, DCT to 16x16, threshold at its median."""
    k = (np.arange(64) + 0.5) / 64
    top, bottom, left, right = (regions[:, i : i + 1] for i in range(4))
    rows = top + (k * (bottom - top)).astype(np.intp)
    cols = left + (k * (right - left)).astype(np.intp)
    dct = _DCT16 @ filtered[rows[:, :, None], cols[:, None, :]] @ _DCT16.T
    flat = dct.reshape(len(regions), 256)
    bits = flat > np.median(flat, axis=1, keepdims=True)  # bit i*16+j, as the reference
    return [row.tobytes().hex() for row in np.packbits(bits[:, ::-1], axis=1)]


def _pdq_of_region(filtered: np.ndarray, top: int, bottom: int, left: int, right: int) -> str:
    """PDQ of one region of the filtered luma (see :func:`_region_hashes`)."""
    return _region_hashes(filtered, np.array([[top, bottom, left, right]], dtype=np.intp))[0]


def _crop_hashes(base: np.ndarray, boxes: Sequence[tuple[float, float, float, float]]) -> list[str]:
    filtered = _jarosz_luma(base)
    rows, cols = filtered.shape
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)  # left, top, right, bottom
    regions = np.stack(
        [
            np.round(rows * b[:, 1]),
            rows - np.round(rows * b[:, 3]),
            np.round(cols * b[:, 0]),
            cols - np.round(cols * b[:, 2]),
        ],
        axis=1,
    ).astype(np.intp)
    return _region_hashes(filtered, regions)


def _uniform_border(
    base: np.ndarray, tolerance: int = 16, share: float = 0.98, min_lines: int = 2
) -> tuple[int, int, int, int] | None:
    """Lines of near-uniform border on each side of ``base`` (top, bottom, left, right).

    A line belongs to the border when at least ``share`` of its pixels are within
    ``tolerance`` (per channel) of the outermost line's median colour; JPEG noise and
    ringing stay inside that. Returns None when nothing is trimmed or when the border
    would leave less than a tenth of the picture (a flat picture is no border).
    """
    rows, cols = base.shape[:2]

    def walk(lines: np.ndarray) -> int:
        colour = np.median(lines[0], axis=0)
        lower = np.clip(colour - tolerance, 0, 255).tolist()
        upper = np.clip(colour + tolerance, 0, 255).tolist()
        step = 32  # most pictures stop in the first block: look no further than needed
        for start in range(0, len(lines), step):
            block = np.ascontiguousarray(lines[start : start + step])
            inside = cv2.inRange(block, np.array(lower), np.array(upper))
            close = np.count_nonzero(inside, axis=1) / inside.shape[1]
            far = np.flatnonzero(close < share)
            if far.size:
                depth = start + int(far[0])
                return depth if depth >= min_lines else 0
        return len(lines)

    top = walk(base)
    bottom = walk(base[::-1])
    left = walk(base.transpose(1, 0, 2))
    right = walk(base.transpose(1, 0, 2)[::-1])
    if not (top or bottom or left or right):
        return None
    if rows - top - bottom < rows / 10 or cols - left - right < cols / 10:
        return None
    return top, bottom, left, right


#: The first 8 rows of the unnormalised DCT-II basis over 32 samples (scipy's ``dct`` type 2):
#: pHash keeps only the 8x8 lowest frequencies, so two small products give them.
_PHASH_SIDE = 32
_PHASH_DCT = 2 * np.cos(
    np.pi * np.outer(np.arange(8), 2 * np.arange(_PHASH_SIDE) + 1) / (2 * _PHASH_SIDE)
)


def phash(img: Image.Image) -> str:
    """The 64-bit pHash as 16 hex digits: ``str(imagehash.phash(img))``, computed without
    importing ``scipy.fft`` (a quarter of a second of a one-picture load's CPU).

    Greyscale, Lanczos to 32x32, the 8x8 lowest DCT coefficients, each above their median
    or not. The coefficients are rounded to 1e-6 first, so that the exact zeros of flat or
    symmetric pictures (where imagehash's bits follow floating-point noise) give 0 bits;
    otherwise the hashes are imagehash's, bit for bit (tests/media/test_mediafile.py).
    """
    grey = img.convert("L").resize((_PHASH_SIDE, _PHASH_SIDE), Image.Resampling.LANCZOS)
    coeffs = np.round(_PHASH_DCT @ np.asarray(grey, dtype=np.float64) @ _PHASH_DCT.T, 6)
    return np.packbits(coeffs > np.median(coeffs)).tobytes().hex()


def image_hashes(
    img: Image.Image,
    crops: Sequence[tuple[float, float, float, float]] = CROP_BOXES,
) -> ImageHashes:
    """All perceptual hashes of one decoded image, from a single shared 512x512 shrink.

    ``pdq``, ``pdq_variants`` (original, rotate 90, 180, 270, flip X, flip Y, flip +1,
    flip -1: the reference's order) and ``pdq_trimmed`` equal the reference hasher's
    output for the image given; ``pdq_crops`` follow ``crops`` (empty when the picture's
    quality is below 50, since such hashes match anything). ``width``/``height`` are the
    size of ``img``. Orientation is not applied: pixels are hashed as stored.
    """
    rgb = to_rgb8(img)
    base = _pdq_base(rgb)
    variants, quality = pdqhash.compute_dihedral(base)
    hex_variants = [_bits_to_hex(v) for v in variants]

    trimmed, trimmed_quality = None, None
    border = _uniform_border(base)
    if border is not None:
        top, bottom, left, right = border
        rows, cols = base.shape[:2]
        # Map base lines back to source pixels (base line i shows source floor(i*n/rows)).
        y0 = (top * rgb.height + rows - 1) // rows
        y1 = ((rows - bottom - 1) * rgb.height) // rows + 1
        x0 = (left * rgb.width + cols - 1) // cols
        x1 = ((cols - right - 1) * rgb.width) // cols + 1
        # The reference PDQ of rgb.crop(...), sampled from rgb without copying the crop.
        bits, trimmed_quality = pdqhash.compute(_pdq_base(rgb, (x0, y0, x1, y1)))
        trimmed, trimmed_quality = _bits_to_hex(bits), int(trimmed_quality)

    crop_hashes = _crop_hashes(base, crops) if quality >= PDQ_MIN_QUALITY and crops else []
    return ImageHashes(
        pdq=hex_variants[0],
        pdq_quality=int(quality),
        pdq_variants=hex_variants,
        pdq_trimmed=trimmed,
        pdq_trimmed_quality=trimmed_quality,
        pdq_crops=crop_hashes,
        # From the 512x512 shrink, not the full picture (imagehash shrinks to 32x32 with
        # Lanczos anyway): 5x cheaper at 2 MP; 0 bits off the full-picture pHash for 3 in
        # 4 pictures, 2 (rarely 4) for the rest (bench/bench_ingest_decode.py).
        phash=phash(Image.fromarray(base)),
        width=img.width,
        height=img.height,
    )


def pdq_match_distance(
    a: ImageHashes, b: ImageHashes, min_quality: int = PDQ_MIN_QUALITY
) -> int | None:
    """Smallest PDQ distance between two images over all their stored hashes.

    Compares {pdq, pdq_trimmed, pdq_crops} of ``a`` with the same set of ``b``, and the
    dihedral variants of each with the other's ``pdq``. None when either picture is too
    flat to compare (quality below ``min_quality``).
    """
    if a.pdq_quality < min_quality or b.pdq_quality < min_quality:
        return None

    def stored(h: ImageHashes) -> list[int]:
        out = [int(h.pdq, 16)] + [int(c, 16) for c in h.pdq_crops]
        if h.pdq_trimmed is not None and (h.pdq_trimmed_quality or 0) >= min_quality:
            out.append(int(h.pdq_trimmed, 16))
        return out

    sa, sb = stored(a), stored(b)
    best = min((x ^ y).bit_count() for x in sa for y in sb)
    pa, pb = sa[0], sb[0]
    for v in a.pdq_variants[1:]:
        best = min(best, (int(v, 16) ^ pb).bit_count())
    for v in b.pdq_variants[1:]:
        best = min(best, (int(v, 16) ^ pa).bit_count())
    return best
