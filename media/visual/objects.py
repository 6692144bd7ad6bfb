"""Object search (Trace-an-Object style): where else does this poster, bed cover or toy appear?

Steps (the reasons and measurements are in docs/visual.md, "Object search"):

1. **The query is extracted densely and with simulated viewpoints** (:func:`query_from_image`).
   It is one picture, extracted once per search, so it can afford what the indexed
   pictures cannot: no keypoint cap, a lower SIFT contrast threshold and affine simulation
   (``cv2.AffineFeature``, ASIFT): the analyst's frontal crop of a bed cover must match
   the same cover seen flat on a bed, foreshortened 2-4x. Tilts up to ``2 ** (MAX_TILT / 2)``.
2. **Retrieval by the query's words** (:func:`shortlist`): every distinct visual word of
   the query counts once with its idf, scored against the whole-picture tf-idf of the
   inverted file; the best ``SHORTLIST`` pictures go on. (Object votes,
   :meth:`VisualIndex.votes`, were measured against it and lost: see docs/visual.md.)
3. **Verification** (:func:`locate`) on the stored features of each: for each query
   keypoint its two nearest keypoints in the picture, Lowe's ratio on the picture's side
   (``RATIO``), then one query keypoint per picture keypoint (the simulated views hold near
   copies of each query point, which a ratio test among query points would reject); a
   homography with MAGSAC (an object is flat, unlike a room) whose projected outline must
   be a convex quadrilateral.
4. **Re-read** (optional ``reread`` of :func:`search`): the ``REREAD`` most promising
   pictures (stored verified points, then putative matches, then votes) are verified again
   on every keypoint of their file (:func:`dense_view`), when the caller can still read it:
   the stored features keep <= 1024 keypoints of an 800 px copy, a small object a handful.
   The files are read and described ``REREAD_THREADS`` at a time (decoding, hashing and
   SIFT release the GIL), so the analyst waits for about half of it on two cores.
5. **Ranking** by verified points; a ranked hit needs ``MIN_INLIERS`` (8) and is confident
   (score 0.5 or more) from ``CONFIDENT`` (19) points. Below that the list still shows the
   best weak hits, ranked, with their low score: on small, foreshortened objects the true
   pictures are often there (see docs/visual.md for the figures).

Pure: no Neo4j, nothing from ``graph/``, ``loaders/``, ``app/``, ``cli/``. Query features
are derived from pixels like every feature here: they live in memory for the search only.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import faiss
import numpy as np
from PIL import Image

from . import geometry
from .features import MIN_KEYPOINTS, SceneFeatures, VisualError, open_image, prepare
from .index import VisualIndex

QUERY_SIDE = 512  # longest side of the query as the detector sees it
QUERY_CONTRAST = 0.02  # SIFT contrast threshold on the query (as the indexed pictures)
MAX_TILT = 2  # ASIFT tilt index: tilts 1, sqrt 2, 2 (see docs for 3)
RATIO = 0.85  # Lowe's ratio between the two nearest keypoints of the indexed picture
H_THRESH = 0.006  # homography inlier distance, fraction of the picture's longest side
MIN_PUTATIVE = 8
MIN_INLIERS = 8  # verified points for a ranked hit (weak below CONFIDENT: see its score)
#: more points than any wrong picture reached on rooms 500-515 (18 once re-read files are
#: verified, 12 on stored features only); score 0.5
CONFIDENT = 19
SHORTLIST = 100  # pictures verified after retrieval
#: pictures of the shortlist re-read from their file (when reachable) and verified on dense
#: keypoints: the most promising ones by stored verification, then by votes
REREAD = 6
REREAD_SIDE = 1600  # longest side a re-read picture is analysed at (JPEG draft decode)
REREAD_THREADS = max(1, min(REREAD, os.cpu_count() or 1))  # re-reads made at once


@dataclass
class ObjectHit:
    key: str
    score: float
    inliers: int
    box: tuple[int, int, int, int]


@dataclass
class ObjectQuery:
    """Keypoints of the object to search for, in the query picture's pixel coordinates."""

    width: int
    height: int
    xy: np.ndarray  # (N, 2) float32
    desc: np.ndarray  # (N, 128) float32 RootSIFT, unit L2 norm

    def __len__(self) -> int:
        return int(self.xy.shape[0])


@dataclass
class DenseView:
    """Every SIFT keypoint of an indexed picture re-read from its file, for verifying one
    search (memory only, never stored: derived from pixels like the features)."""

    width: int
    height: int
    xy: np.ndarray  # (N, 2) float32, original pixel coordinates
    desc: np.ndarray  # (N, 128) float32 RootSIFT, unit L2 norm

    def __len__(self) -> int:
        return int(self.xy.shape[0])

    def descriptors(self) -> np.ndarray:
        return self.desc


#: what verification needs of a picture: stored features or a dense re-read
Target = SceneFeatures | DenseView


def _rootsift(d: np.ndarray) -> np.ndarray:
    d = d.astype(np.float32)
    d = np.sqrt(d / np.maximum(d.sum(axis=1, keepdims=True), 1e-6))
    return (d / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-6)).astype(np.float32)


#: one set of detectors per thread (the re-reads run in threads; OpenCV does not promise
#: that one detector object may be used by two threads at once)
_local = threading.local()


def _detector(max_tilt: int, contrast: float) -> cv2.Feature2D:
    made: dict[tuple[int, float], cv2.Feature2D] = _local.__dict__.setdefault("detectors", {})
    d = made.get((max_tilt, contrast))
    if d is None:
        sift = cv2.SIFT_create(contrastThreshold=contrast)  # type: ignore[attr-defined]
        d = cv2.AffineFeature.create(sift, maxTilt=max_tilt, minTilt=0) if max_tilt else sift
        made[(max_tilt, contrast)] = d
    return d


def query_from_image(
    image: Image.Image | np.ndarray,
    *,
    original_size: tuple[int, int] | None = None,
    max_tilt: int = MAX_TILT,
) -> ObjectQuery:
    """Dense, viewpoint-simulated keypoints of an RGB picture of the object.

    ``original_size`` is the size the caller refers to when the picture was reduced
    before; keypoints are reported in those coordinates. Raises :class:`VisualError`
    ("too small", "too flat") when there is nothing to search for.
    """
    _, gray, (W, H) = prepare(image, QUERY_SIDE, original_size)
    hw, ww = gray.shape[:2]
    kps, desc = _detector(max_tilt, QUERY_CONTRAST).detectAndCompute(gray, None)
    if desc is None or len(kps) < MIN_KEYPOINTS:
        n = 0 if desc is None else len(kps)
        raise VisualError(f"too flat: {n} keypoints (minimum {MIN_KEYPOINTS})")
    pts = np.array([k.pt for k in kps], np.float32)
    scale = np.array([W / ww, H / hw], np.float32)
    return ObjectQuery(int(W), int(H), ((pts + 0.5) * scale - 0.5), _rootsift(desc))


def dense_view(src: Path | bytes) -> DenseView:
    """All keypoints of a picture file (or its bytes) at up to ``REREAD_SIDE`` pixels, no
    cap, for verifying a shortlisted picture: the stored features keep <= 1024 keypoints
    of an 800 px copy, which leaves a small object a handful. :class:`VisualError` when
    the file cannot be read (gone, truncated: the caller falls back to stored features).
    """
    im, w, h = open_image(io.BytesIO(src) if isinstance(src, bytes) else Path(src), REREAD_SIDE)
    _, gray, (W, H) = prepare(im, REREAD_SIDE, (w, h))
    hw, ww = gray.shape[:2]
    kps, desc = _detector(0, QUERY_CONTRAST).detectAndCompute(gray, None)
    if desc is None or len(kps) < 2:
        return DenseView(
            int(W), int(H), np.empty((0, 2), np.float32), np.empty((0, 128), np.float32)
        )
    pts = np.array([k.pt for k in kps], np.float32)
    scale = np.array([W / ww, H / hw], np.float32)
    return DenseView(int(W), int(H), (pts + 0.5) * scale - 0.5, _rootsift(desc))


def open_region(
    src: Path | bytes, box: tuple[int, int, int, int] | None = None
) -> tuple[Image.Image, int, int]:
    """The picture (guarded open, as for indexing), cut to ``box`` (x, y, w, h in its
    pixels), decoded at the resolution that gives the region about ``QUERY_SIDE`` pixels;
    with the region's size in original pixels. :class:`VisualError` says what is wrong.
    """

    def opener() -> Path | io.BytesIO:
        return io.BytesIO(src) if isinstance(src, bytes | bytearray) else Path(src)

    if box is None:
        return open_image(opener(), work_side=max(QUERY_SIDE, 800))
    x, y, bw, bh = box
    im, w, h = open_image(opener(), work_side=800)
    if x + bw > w or y + bh > h:
        raise VisualError(f"the box {x},{y},{bw},{bh} lies outside the {w}x{h} picture")
    side = int(min(4 * max(w, h), QUERY_SIDE * max(w, h) / max(bw, bh)))
    if side > max(im.size):
        im, w, h = open_image(opener(), work_side=side)
    fx, fy = im.width / w, im.height / h
    crop = im.crop((int(x * fx), int(y * fy), round((x + bw) * fx), round((y + bh) * fy)))
    return crop, bw, bh


def query_from_features(
    feats: SceneFeatures, box: tuple[int, int, int, int] | None = None
) -> ObjectQuery:
    """The stored keypoints of a picture (or of a box on it) as a query: the fallback when
    the pixels are not at hand (fewer, capped keypoints: weaker than :func:`query_from_image`).
    """
    f = feats.in_box(box) if box is not None else feats
    return ObjectQuery(f.width, f.height, f.xy.astype(np.float32), f.descriptors())


# ----------------------------------------------------------------------------- matching


def _putative(q: ObjectQuery, t: Target) -> tuple[np.ndarray, np.ndarray]:
    """Indices (query, picture) of ratio-tested, one-to-one matches."""
    td = t.descriptors()
    if len(q) < 2 or len(td) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # the two nearest picture keypoints of each query keypoint (blocked: a dense re-read
    # holds ~10k keypoints, a full similarity matrix would take hundreds of MB)
    fi = faiss.IndexFlatIP(td.shape[1])
    fi.add(np.ascontiguousarray(td, np.float32))
    sims, nn = fi.search(np.ascontiguousarray(q.desc, np.float32), 2)
    iq = np.arange(len(q))
    best = nn[:, 0].astype(np.int64)
    d0 = np.sqrt(np.maximum(2 - 2 * sims[:, 0], 0))
    d1 = np.sqrt(np.maximum(2 - 2 * sims[:, 1], 0))
    ok = d0 < RATIO * d1
    qi, ti, dd = iq[ok], best[ok], d0[ok]
    order = np.lexsort((dd, ti))  # per picture keypoint, the closest query keypoint first
    qi, ti = qi[order], ti[order]
    first = np.r_[True, ti[1:] != ti[:-1]] if len(ti) else np.empty(0, bool)
    return qi[first], ti[first]


def locate(query: ObjectQuery, target: Target) -> tuple[int, tuple[int, int, int, int]]:
    """Verified points of the planar object of ``query`` in ``target``, and its box there.

    ``(0, (0, 0, 0, 0))`` when no homography explains enough matches, or when the
    homography folds or collapses the object (its projected outline is not convex).
    """
    n, box, _ = _verify(query, target)
    return n, box


def _verify(query: ObjectQuery, target: Target) -> tuple[int, tuple[int, int, int, int], int]:
    """:func:`locate` and the number of putative (ratio-tested) matches it started from."""
    qi, ti = _putative(query, target)
    m = len(qi)
    none = (0, (0, 0, 0, 0), m)
    if m < MIN_PUTATIVE:
        return none
    pa, pb = query.xy[qi], target.xy[ti].astype(np.float32)
    side = float(max(target.width, target.height))
    H, inl = geometry.homography(pa, pb, H_THRESH * side, iters=3000)
    if H is None:
        return none
    n = int(inl.sum())
    if n < MIN_PUTATIVE:
        return none
    x0, y0 = pa[inl].min(axis=0)
    x1, y1 = pa[inl].max(axis=0)
    quad = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32).reshape(-1, 1, 2)
    proj = cv2.perspectiveTransform(quad, H).reshape(-1, 2)
    if not np.isfinite(proj).all() or not cv2.isContourConvex(proj):
        return none
    bx0, by0 = np.floor(pb[inl].min(axis=0))
    bx1, by1 = np.ceil(pb[inl].max(axis=0))
    bx0, by0 = max(0, int(bx0)), max(0, int(by0))
    bx1, by1 = min(target.width, int(bx1)), min(target.height, int(by1))
    return n, (bx0, by0, max(1, bx1 - bx0), max(1, by1 - by0)), m


def score(inliers: int) -> float:
    """0..1 confidence of a hit from its verified points: 0.5 at ``CONFIDENT`` (19), below
    it a hit is weak (8 -> 0.3), above it stronger (40 -> 0.68, 100 -> 0.84)."""
    return round(inliers / (inliers + CONFIDENT), 3)


# ----------------------------------------------------------------------------- search


def shortlist(index: VisualIndex, query: ObjectQuery, k: int = SHORTLIST) -> list[str]:
    """The ``k`` indexed pictures whose tf-idf best matches the query's distinct visual
    words (idf), best first; every picture, in key order, before the index has a vocabulary.

    Object votes (:meth:`VisualIndex.votes`: the idf of the query words a picture holds,
    unnormalised) put fewer relevant pictures in the first 20 on the tuning rooms (0.45
    against 0.63, bench/results/object_tuning.md): a picture full of generic words
    collects them, and the whole-picture normalisation is what discounts it.
    """
    if len(index) == 0 or len(query) == 0:
        return []
    idf = index.idf()
    if idf is None:
        return index.keys()
    words = np.unique(index.quantize_descriptors(query.desc))
    q = np.zeros(len(idf), np.float32)
    q[words] = idf[words]
    ranked = [key for key, _ in index.top(q, k)]
    if len(ranked) < min(k, len(index)):  # pictures sharing no word at all, last
        seen = set(ranked)
        ranked += [x for x in index.keys() if x not in seen][: k - len(ranked)]
    return ranked


def search(
    index: VisualIndex,
    query: ObjectQuery,
    limit: int = 10,
    candidates: int = SHORTLIST,
    min_inliers: int = MIN_INLIERS,
    reread: Callable[[str], DenseView | None] | None = None,
    reread_top: int = REREAD,
) -> list[ObjectHit]:
    """Pictures of the index that show the object of ``query``, most verified points first.

    Every shortlisted picture is verified on its stored features; with ``reread`` (a
    key -> :class:`DenseView` of its file, or None when the file is not reachable) the
    ``reread_top`` most promising ones are verified again on all their keypoints, and the
    better of the two counts. Promise: stored verified points, then putative matches (a
    small object keeps too few stored points for a homography but still draws ratio-tested
    matches), then retrieval rank.
    """
    if len(query) < MIN_PUTATIVE:
        return []
    short = shortlist(index, query, max(candidates, limit))
    checked = {key: _verify(query, index.get(key)) for key in short}
    found = {key: (n, bx) for key, (n, bx, _) in checked.items()}
    if reread is not None and reread_top > 0:
        rank = {key: i for i, key in enumerate(short)}
        promise = sorted(short, key=lambda x: (-checked[x][0], -checked[x][2], rank[x]))
        todo = promise[:reread_top]
        with ThreadPoolExecutor(max(1, min(REREAD_THREADS, len(todo)))) as pool:
            views = list(pool.map(reread, todo))
        for key, view in zip(todo, views, strict=True):
            if view is None:
                continue
            n, bx = locate(query, view)
            if n > found[key][0]:
                found[key] = (n, bx)
    hits = [ObjectHit(k, score(n), n, bx) for k, (n, bx) in found.items() if n >= min_inliers]
    hits.sort(key=lambda h: (-h.inliers, h.key))
    return hits[:limit]
