"""Local features of one picture for scene and object matching (pure, no Neo4j).

``extract`` works on a reduced copy of the picture (longest side ``WORK_SIDE``; JPEGs are
decoded at reduced size with Pillow's draft mode, so a 2 MP picture costs a fraction of a
full decode). It keeps up to ``MAX_KEYPOINTS`` RootSIFT keypoints chosen spread over the
frame (a grid quota, not just the strongest ones, so that agreement can be measured over
the whole frame) and, per keypoint, its colour after a grey-world white balance.

Everything in :class:`SceneFeatures` is derived from pixels and must be protected like
the pixels: the index stores it with mode 0600 and it never goes into Neo4j, bundles or
exports.

Sizes: a descriptor is stored with 2 bits per dimension (32 bytes, four levels fitted to the
distribution of RootSIFT components), a keypoint with its position (16 bits per axis,
relative to the frame), scale, angle and colour takes 40 bytes before zlib, so up to
MAX_KEYPOINTS keypoints, the 32x24 colour context and the surface descriptor
(:mod:`media.visual.surfaces`, under 1 KB) fit in the 32 KB budget.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from media.pixels import to_rgb8

from .surfaces import SurfaceSet, describe

WORK_SIDE = 800  # longest side the detector sees
MAX_KEYPOINTS = 1024  # kept per picture (index budget 32 KB per picture, zlib-packed)
#: stored bytes per picture: the features plus the index's 2-byte visual word per keypoint
#: stay under this (index budget 32 KB per picture on disk, vocabulary share included)
MAX_BYTES = 31_000
MIN_SIDE = 48  # pixels, original picture
MIN_KEYPOINTS = 12  # fewer than this: "too flat to match"
MAX_PIXELS = 120_000_000  # larger pictures are refused (decompression bomb guard)
CONTRAST_THRESHOLD = 0.02  # SIFT default 0.04; lower keeps the weak corners of plain rooms
GRID = (8, 8)  # spread quota grid (columns, rows)
#: 2-bit quantisation of RootSIFT components: bin edges and the value each code decodes to
#: (about the quartiles of the components' distribution; a third of them are 0)
Q_EDGES = np.array([0.03, 0.09, 0.17], np.float32)
Q_LEVELS = np.array([0.0, 0.058, 0.125, 0.23], np.float32)


def decode(codes: np.ndarray) -> np.ndarray:
    """Quantised RootSIFT codes (``SceneFeatures.desc`` rows) as float32 descriptors of unit
    L2 norm."""
    d = Q_LEVELS[codes]
    return d / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-6)


#: 2: 512 keypoints at 4 bits; 3 (reverted): 800 at 2 bits; 4: MAX_KEYPOINTS at 2 bits, or
#: 512 at 4 bits with the surface descriptor (two branches of one day); 5: both
FORMAT_VERSION = 5
CONTEXT = (32, 24)  # colour context grid (columns, rows), white-balanced
_MAGIC = b"CGSF"


class VisualError(Exception):
    """A picture that cannot be analysed; the message says why (for the pass's report)."""


@dataclass
class SceneFeatures:
    """Keypoints of one picture. Derived from pixels: protect like pixels, never into Neo4j.

    ``xy`` are in the coordinates of the original picture (after EXIF orientation),
    ``desc`` holds 2-bit quantised RootSIFT codes (0..3) as uint8, ``colour`` the
    log-chroma (log R/G, log B/G, x32) of each keypoint's neighbourhood after a grey-world
    white balance, ``layout`` the mean white-balanced colour of a 32x24 grid of the frame
    (the context that tells one product on two different walls from one wall).
    """

    width: int
    height: int
    xy: np.ndarray  # (N, 2) float32, original pixel coordinates
    size: np.ndarray  # (N,) float32, keypoint diameter in original pixels
    angle: np.ndarray  # (N,) float32, degrees
    desc: np.ndarray  # (N, 128) uint8 in 0..3
    colour: np.ndarray  # (N, 2) int8
    layout: np.ndarray  # (24, 32, 3) uint8, white-balanced mean colour per grid cell
    #: the picture's large surfaces (media.visual.surfaces), a separate evidence channel
    surfaces: SurfaceSet | None = None
    #: :meth:`descriptors`, decoded once: a new picture is verified against each of its
    #: candidates in turn (0.4-0.5 ms a decode)
    _decoded: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return int(self.xy.shape[0])

    def descriptors(self) -> np.ndarray:
        """Decoded RootSIFT descriptors, float32, unit L2 norm (decoded once; read-only)."""
        if self._decoded is None or len(self._decoded) != len(self.desc):
            d = decode(self.desc)
            d.flags.writeable = False
            self._decoded = d
        return self._decoded

    def subset(self, mask: np.ndarray) -> SceneFeatures:
        """The keypoints selected by a boolean mask (same picture size)."""
        return SceneFeatures(
            self.width,
            self.height,
            self.xy[mask],
            self.size[mask],
            self.angle[mask],
            self.desc[mask],
            self.colour[mask],
            self.layout,
            self.surfaces,
        )

    def in_box(self, box: tuple[int, int, int, int]) -> SceneFeatures:
        """The keypoints inside an x, y, w, h box (original pixel coordinates)."""
        x, y, w, h = box
        m = (
            (self.xy[:, 0] >= x)
            & (self.xy[:, 0] < x + w)
            & (self.xy[:, 1] >= y)
            & (self.xy[:, 1] < y + h)
        )
        return self.subset(m)

    def to_bytes(self) -> bytes:
        n = len(self)
        head = struct.pack("<4sHIII", _MAGIC, FORMAT_VERSION, self.width, self.height, n)
        rel = self.xy / np.array([max(self.width, 1), max(self.height, 1)], np.float32)
        xy = np.clip(np.round(rel * 65535), 0, 65535).astype("<u2")
        size = np.clip(np.round(np.log2(np.maximum(self.size, 1e-3)) * 16 + 64), 0, 255)
        ang = np.round(self.angle / 360.0 * 256) % 256
        d = self.desc.astype(np.uint8)
        packed = (d[:, 0::4] << 6) | (d[:, 1::4] << 4) | (d[:, 2::4] << 2) | d[:, 3::4]
        return head + zlib.compress(
            b"".join(
                [
                    xy.tobytes(),
                    size.astype(np.uint8).tobytes(),
                    ang.astype(np.uint8).tobytes(),
                    packed.astype(np.uint8).tobytes(),
                    self.colour.astype(np.int8).tobytes(),
                    self.layout.astype(np.uint8).tobytes(),
                    self._surface_bytes(),
                ]
            ),
            6,
        )

    def _surface_bytes(self) -> bytes:
        sb = b"" if self.surfaces is None else self.surfaces.to_bytes()
        return struct.pack("<I", len(sb)) + sb

    @classmethod
    def from_bytes(cls, b: bytes) -> SceneFeatures:
        try:
            magic, ver, w, h, n = struct.unpack_from("<4sHIII", b, 0)
            if magic != _MAGIC or ver != FORMAT_VERSION:
                raise ValueError(f"not scene features of version {FORMAT_VERSION}")
            b = zlib.decompress(b[struct.calcsize("<4sHIII") :])
            o = 0

            def take(count: int, dtype: str) -> np.ndarray:
                nonlocal o
                a = np.frombuffer(b, dtype=dtype, count=count, offset=o)
                o += a.nbytes
                return a

            xy = take(2 * n, "<u2").reshape(n, 2).astype(np.float32) / 65535
            xy *= np.array([max(w, 1), max(h, 1)], np.float32)
            size = np.exp2((take(n, "u1").astype(np.float32) - 64) / 16)
            ang = take(n, "u1").astype(np.float32) * (360.0 / 256)
            packed = take(32 * n, "u1").reshape(n, 32)
            desc = np.empty((n, 128), np.uint8)
            for j in range(4):
                desc[:, j::4] = (packed >> (6 - 2 * j)) & 3
            colour = take(2 * n, "i1").reshape(n, 2).copy()
            layout = take(CONTEXT[0] * CONTEXT[1] * 3, "u1").reshape(CONTEXT[1], CONTEXT[0], 3)
            layout = layout.copy()
            (n_surf,) = struct.unpack_from("<I", b, o)
            surfaces = SurfaceSet.from_bytes(b[o + 4 : o + 4 + n_surf]) if n_surf else None
        except (struct.error, ValueError, zlib.error) as e:
            raise VisualError(f"stored scene features are damaged: {e}") from e
        return cls(int(w), int(h), xy, size, ang, desc, colour, layout, surfaces)


# ----------------------------------------------------------------------------- decoding


def open_image(path: Path | io.BytesIO, work_side: int = WORK_SIDE) -> tuple[Image.Image, int, int]:
    """Open a picture guarded against bombs and truncation.

    Returns the RGB picture reduced so that its longest side is about ``work_side``
    (JPEG draft decode where possible) and the original width and height (after EXIF
    orientation). Raises :class:`VisualError` with the reason.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise VisualError(
                    f"too large: {w}x{h} pixels is over the {MAX_PIXELS // 1_000_000} MP "
                    "limit (decompression bomb guard)"
                )
            orient = im.getexif().get(0x0112, 1)
            if im.format == "JPEG":
                scale = max(w, h) / work_side
                if scale >= 2:
                    im.draft("RGB", (int(w / scale) + 1, int(h / scale) + 1))
            im.load()
    except VisualError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise VisualError(f"too large: {e}") from e
    except FileNotFoundError as e:
        raise VisualError("unreadable: file not found") from e
    except OSError as e:
        msg = str(e)
        if "truncated" in msg or "broken data stream" in msg or "premature end" in msg.lower():
            raise VisualError(f"truncated: {msg}") from e
        raise VisualError(f"unreadable: {msg}") from e
    except (ValueError, SyntaxError, struct.error) as e:
        raise VisualError(f"unreadable: {e}") from e
    if orient in (5, 6, 7, 8):
        w, h = h, w
    out: Image.Image = ImageOps.exif_transpose(im) if orient != 1 else im
    return to_rgb8(out), int(w), int(h)


def extract_file(path: Path, box: tuple[int, int, int, int] | None = None) -> SceneFeatures:
    """Features of one picture file; :class:`VisualError` says why when it cannot.

    With ``box`` (x, y, w, h in the picture's pixels) only that part is analysed, decoded at
    the resolution that gives the crop about ``WORK_SIDE`` pixels (an analyst's box on a
    loaded picture for object search); coordinates are then relative to the box.
    """
    return _extract_opened(Path(path), box)


def extract_bytes(data: bytes, box: tuple[int, int, int, int] | None = None) -> SceneFeatures:
    """Features of an encoded picture held in memory (e.g. an analyst's crop)."""
    return _extract_opened(io.BytesIO(data), box)


def _extract_opened(src: Path | io.BytesIO, box: tuple[int, int, int, int] | None) -> SceneFeatures:
    if box is None:
        im, w, h = open_image(src)
        return extract(im, original_size=(w, h))
    x, y, bw, bh = box
    if bw < MIN_SIDE or bh < MIN_SIDE:
        raise VisualError(f"too small: box {bw}x{bh} pixels (minimum side {MIN_SIDE})")
    with Image.open(src) as probe:
        W0, H0 = probe.size
    side = int(min(max(W0, H0), WORK_SIDE * max(W0, H0) / max(bw, bh)))
    if isinstance(src, io.BytesIO):
        src.seek(0)
    im, w, h = open_image(src, work_side=side)
    fx, fy = im.width / w, im.height / h
    crop = im.crop((int(x * fx), int(y * fy), int((x + bw) * fx), int((y + bh) * fy)))
    return extract(crop, original_size=(min(bw, w - x), min(bh, h - y)))


# ----------------------------------------------------------------------------- extraction

_sift_cache: dict[float, cv2.SIFT] = {}


def _sift(contrast: float) -> cv2.SIFT:
    s = _sift_cache.get(contrast)
    if s is None:
        s = cv2.SIFT_create(nfeatures=0, contrastThreshold=contrast)  # type: ignore[attr-defined]
        _sift_cache[contrast] = s
    return s


def _spread(xy: np.ndarray, response: np.ndarray, w: int, h: int, keep: int) -> np.ndarray:
    """Indices of up to ``keep`` keypoints, strongest first within each grid cell."""
    if len(xy) <= keep:
        return np.argsort(-response)
    cx = np.minimum((xy[:, 0] * GRID[0] / w).astype(int), GRID[0] - 1)
    cy = np.minimum((xy[:, 1] * GRID[1] / h).astype(int), GRID[1] - 1)
    cell = cy * GRID[0] + cx
    order = np.lexsort((-response, cell))  # by cell, strongest first
    rank = np.empty(len(xy), np.int64)
    sorted_cells = cell[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_cells)) + 1]
    run = np.repeat(starts, np.diff(np.r_[starts, len(xy)]))
    rank[order] = np.arange(len(xy)) - run
    pick = np.lexsort((-response, rank))[:keep]
    return pick


def prepare(
    image: Image.Image | np.ndarray, side: int, original_size: tuple[int, int] | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """An RGB picture as a uint8 array reduced to at most ``side`` pixels, its grey copy,
    and the size keypoints are reported in (``original_size`` or the picture's own).
    Raises :class:`VisualError` for what cannot be matched (not RGB, too small, too flat).
    """
    if isinstance(image, Image.Image):
        arr = np.asarray(to_rgb8(image))
    else:
        arr = np.asarray(image)
        if arr.ndim == 2:
            arr = np.repeat(arr[:, :, None], 3, axis=2)
        if arr.ndim != 3 or arr.shape[2] < 3:
            raise VisualError(f"unreadable: array of shape {arr.shape} is not an RGB picture")
        arr = arr[:, :, :3]
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    h0, w0 = arr.shape[:2]
    W, H = original_size or (w0, h0)
    if min(W, H) < MIN_SIDE or min(w0, h0) < 16:
        raise VisualError(f"too small: {W}x{H} pixels (minimum side {MIN_SIDE})")
    f = side / max(w0, h0)
    if f < 1:
        arr = cv2.resize(arr, (round(w0 * f), round(h0 * f)), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)
    if float(gray.std()) < 3.0:
        raise VisualError("too flat: the picture is nearly uniform")
    return arr, gray, (int(W), int(H))


def extract(
    image: Image.Image | np.ndarray,
    *,
    original_size: tuple[int, int] | None = None,
    max_keypoints: int = MAX_KEYPOINTS,
    contrast: float = CONTRAST_THRESHOLD,
) -> SceneFeatures:
    """Features of an RGB picture (PIL image or HxWx3 uint8 array).

    ``original_size`` is the size of the picture the caller will refer to when it was
    reduced before (``extract_file`` passes it); keypoints are reported in those
    coordinates.
    """
    arr, gray, (W, H) = prepare(image, WORK_SIDE, original_size)
    hw, ww = gray.shape[:2]
    kps, desc = _sift(contrast).detectAndCompute(gray, None)
    if desc is None or len(kps) < MIN_KEYPOINTS:
        raise VisualError(
            f"too flat: {0 if desc is None else len(kps)} keypoints (minimum {MIN_KEYPOINTS})"
        )
    pts = np.array([k.pt for k in kps], np.float32)
    resp = np.array([k.response for k in kps], np.float32)
    keep = _spread(pts, resp, ww, hw, max_keypoints)
    pts, desc = pts[keep], desc[keep]
    size = np.array([kps[i].size for i in keep], np.float32)
    ang = np.array([kps[i].angle for i in keep], np.float32)
    # RootSIFT: L1 normalise, square root; then 2-bit quantisation.
    d = desc / np.maximum(desc.sum(axis=1, keepdims=True), 1e-6)
    d = np.sqrt(d)
    q = np.searchsorted(Q_EDGES, d).astype(np.uint8)
    # Colour after grey-world white balance, smoothed, as log-chroma.
    small = cv2.resize(arr, (max(8, ww // 4), max(8, hw // 4)), interpolation=cv2.INTER_AREA)
    fl = small.astype(np.float32) + 1.0
    fl = (fl / fl.reshape(-1, 3).mean(axis=0)).astype(np.float32)
    fl = cv2.GaussianBlur(fl, (0, 0), 2.0)
    sx = np.clip((pts[:, 0] / 4).astype(int), 0, fl.shape[1] - 1)
    sy = np.clip((pts[:, 1] / 4).astype(int), 0, fl.shape[0] - 1)
    c = fl[sy, sx]
    colour = np.stack([np.log(c[:, 0] / c[:, 1]) * 32, np.log(c[:, 2] / c[:, 1]) * 32], axis=1)
    colour = np.clip(np.round(colour), -127, 127).astype(np.int8)
    lay = cv2.resize(fl, CONTEXT, interpolation=cv2.INTER_AREA)
    layout = np.clip(lay / lay.reshape(-1, 3).max() * 255, 0, 255).astype(np.uint8)
    scale = np.array([W / ww, H / hw], np.float32)
    feats = SceneFeatures(
        width=int(W),
        height=int(H),
        xy=((pts + 0.5) * scale - 0.5).astype(np.float32),
        size=(size * float(scale.mean())).astype(np.float32),
        angle=ang,
        desc=q,
        colour=colour,
        layout=layout,
        surfaces=describe(arr),
    )
    return _fit(feats)


def _fit(feats: SceneFeatures) -> SceneFeatures:
    """The features cut to the index budget (``MAX_BYTES`` with the index's word per
    keypoint): keypoints are kept in the priority order of the spread selection, so the cut
    drops the last-chosen ones."""
    n = len(feats)
    size = len(feats.to_bytes()) + 2 * n
    while size > MAX_BYTES and n > MIN_KEYPOINTS:
        n = max(MIN_KEYPOINTS, int(n * MAX_BYTES / size * 0.98))
        feats = feats.subset(np.arange(len(feats)) < n)
        size = len(feats.to_bytes()) + 2 * n
    return feats
