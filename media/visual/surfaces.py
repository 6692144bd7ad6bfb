"""Large surfaces of a picture (walls, floor, bed, furniture fronts) and their agreement.

A second evidence channel for "same scene", next to the keypoints of
:mod:`media.visual.features`: grey corners miss plain or striped walls and textureless
furniture that a person recognises at once by their colours, patterns and arrangement.
Pure (numpy/OpenCV, no Neo4j). Everything here is derived from pixels: protect like them.

Describing one picture (:func:`describe`):

1. the picture is reduced to ``SIDE`` pixels; each pixel gets a white-balance-invariant
   colour: its log-chroma (log R/G, log B/G) minus the median chroma of the picture
   (exactly neutral pixels, typically people-shaped occluders, are left out of the median),
   and a lightness relative to the picture's median;
2. the frame is cut into ``GRID`` cells; each cell gets the colour histogram
   (``BINS`` x ``BINS`` log-chroma bins) of its 3x3 neighbourhood of cells, so a
   patterned surface (wallpaper, bed cover) has its whole palette in every cell, and a
   texture energy (mean gradient over lightness);
3. the cells are clustered (k-means, ``K`` clusters) into surfaces of one appearance;
   clusters under ``MIN_AREA`` of the frame are dropped;
4. per surface: its palette (the chroma histogram of its own pixels), lightness, texture
   energy, area, centroid and extent, and a **distinctiveness** weight: a plain surface in
   a common colour (white, beige, the picture's own dominant tint) carries little, a
   pattern of several colours or a strongly coloured surface much (see :func:`_weight`).

Comparing two pictures (:func:`compare`): surfaces are paired one-to-one by palette
similarity (Bhattacharyya coefficient of the histograms, blurred by one bin against
white-balance residue) within lightness and texture tolerances, the best of a few global
chroma shifts of one picture against the other being kept (a white-balance residue);
paired surfaces whose appearance is the same in one picture (wallpaper on two walls) count
once; the pairs' arrangement (which is above / left of which) is checked. The result says
how many distinct surfaces agree, their weight, how much of each frame they cover, and
whether the arrangement holds; :mod:`media.visual.match` decides with it.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

import cv2
import numpy as np

SIDE = 256  # longest side the surfaces are found on
GRID = (32, 24)  # cells (columns, rows)
BINS = 12  # log-chroma histogram bins per axis
CHROMA_RANGE = 0.72  # histogram spans [-range, range] of log-chroma after white balance
K = 10  # appearance clusters per picture
MIN_AREA = 0.015  # a surface covers at least this fraction of the frame
NEUTRAL = 0.015  # |log-chroma| below this on both axes: a neutral pixel (occluder, grey)
VERSION = 1
_MAGIC = b"CGSU"

# pairing (tuned on rooms 500+ of bench/scene_data.py, see docs/visual.md)
SIM_MIN = 0.80  # Bhattacharyya coefficient of blurred palettes for two surfaces to agree
LIGHT_TOL = 0.55  # |log lightness ratio| allowed (light, gain and gamma change)
TEXTURE_TOL = 1.2  # |log texture-energy ratio| allowed (zoom changes texture energy)
SAME_LOOK = 0.85  # two surfaces of one picture this similar are one appearance
LAYOUT_DY = 0.12  # vertical offsets (fraction of frame) that must keep their order
LAYOUT_DX = 0.25  # horizontal offsets that must keep their order
SHIFTS = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))  # global chroma shifts tried (bins)


@dataclass
class Surface:
    area: float  # fraction of the frame
    cx: float  # centroid, fraction of width / height
    cy: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 (10th-90th percentile), fractions
    hist: np.ndarray  # (BINS, BINS) float32, sums to 1: palette in log-chroma
    light: float  # log lightness relative to the picture's median
    texture: float  # log of mean gradient over lightness
    weight: float  # distinctiveness 0..1


@dataclass
class SurfaceSet:
    """The large surfaces of one picture. Derived from pixels: protect like pixels."""

    surfaces: list[Surface] = field(default_factory=list)
    labels: np.ndarray = field(
        default_factory=lambda: np.full((GRID[1], GRID[0]), 255, np.uint8)
    )  # cell -> surface index (255: none)
    #: :meth:`looks` by colour shift, computed once per picture (a pass compares each
    #: picture with several others; the blurs were 13 % of a pair's verification)
    _looks: dict[tuple[int, int], np.ndarray] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __len__(self) -> int:
        return len(self.surfaces)

    def looks(self, d: tuple[int, int] = (0, 0)) -> np.ndarray:
        """Each surface's colour histogram shifted by ``d`` bins, blurred, square-rooted
        (Hellinger), one row per surface."""
        got = self._looks.get(d)
        if got is None:
            got = np.stack([np.sqrt(_blur(_shift(s.hist, d))).ravel() for s in self.surfaces])
            self._looks[d] = got
        return got

    def to_bytes(self) -> bytes:
        out = [struct.pack("<4sHB", _MAGIC, VERSION, len(self.surfaces))]
        for s in self.surfaces:
            h = np.round(s.hist * 255 / max(float(s.hist.max()), 1e-9)).astype(np.uint8)
            out.append(
                struct.pack(
                    "<7e2eB",
                    s.area,
                    s.cx,
                    s.cy,
                    *s.box,
                    s.light,
                    s.texture,
                    int(round(s.weight * 255)),
                )
            )
            out.append(h.tobytes())
        out.append(self.labels.astype(np.uint8).tobytes())
        return zlib.compress(b"".join(out), 6)

    @classmethod
    def from_bytes(cls, b: bytes) -> SurfaceSet:
        raw = zlib.decompress(b)
        magic, ver, n = struct.unpack_from("<4sHB", raw, 0)
        if magic != _MAGIC or ver != VERSION:
            raise ValueError(f"not a surface set of version {VERSION}")
        o = struct.calcsize("<4sHB")
        rec = struct.calcsize("<7e2eB")
        out = []
        for _ in range(n):
            area, cx, cy, x0, y0, x1, y1, light, tex, w = struct.unpack_from("<7e2eB", raw, o)
            o += rec
            h = np.frombuffer(raw, np.uint8, BINS * BINS, o).reshape(BINS, BINS)
            o += BINS * BINS
            hf = h.astype(np.float32)
            hf /= max(float(hf.sum()), 1e-9)
            out.append(
                Surface(
                    float(area),
                    float(cx),
                    float(cy),
                    (float(x0), float(y0), float(x1), float(y1)),
                    hf,
                    float(light),
                    float(tex),
                    w / 255.0,
                )
            )
        labels = np.frombuffer(raw, np.uint8, GRID[0] * GRID[1], o).reshape(GRID[1], GRID[0])
        return cls(out, labels.copy())


# ----------------------------------------------------------------------------- describing


def _chroma_bins(ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
    step = 2 * CHROMA_RANGE / BINS
    ia = np.clip(((ca + CHROMA_RANGE) / step).astype(np.int32), 0, BINS - 1)
    ib = np.clip(((cb + CHROMA_RANGE) / step).astype(np.int32), 0, BINS - 1)
    return ia * BINS + ib


def describe(rgb: np.ndarray) -> SurfaceSet:
    """The large surfaces of an RGB uint8 picture (any size)."""
    h0, w0 = rgb.shape[:2]
    f = SIDE / max(h0, w0)
    w, h = max(GRID[0], round(w0 * f)), max(GRID[1], round(h0 * f))
    # make the size a multiple of the grid so every cell has the same pixels
    cw, ch = max(1, w // GRID[0]), max(1, h // GRID[1])
    w, h = cw * GRID[0], ch * GRID[1]
    img = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) + 2.0
    ca = np.log(img[..., 0] / img[..., 1])
    cb = np.log(img[..., 2] / img[..., 1])
    lum = np.log(img.mean(axis=2))
    neutral = (np.abs(ca) < NEUTRAL) & (np.abs(cb) < NEUTRAL)
    use = ~neutral if (~neutral).mean() > 0.1 else np.ones_like(neutral)
    ca = ca - float(np.median(ca[use]))
    cb = cb - float(np.median(cb[use]))
    lum = lum - float(np.median(lum))
    gx = cv2.Sobel(lum, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lum, cv2.CV_32F, 0, 1, ksize=3)
    grad = np.sqrt(gx * gx + gy * gy)
    nb = BINS * BINS
    bins = _chroma_bins(ca, cb)
    # cell of every pixel
    cell = (np.arange(h)[:, None] // ch) * GRID[0] + (np.arange(w)[None, :] // cw)
    n_cells = GRID[0] * GRID[1]
    raw = np.bincount((cell * nb + bins).ravel(), minlength=n_cells * nb)
    counts = raw.reshape(GRID[1], GRID[0], nb).astype(np.float32)
    pad = np.pad(counts, ((1, 1), (1, 1), (0, 0)), mode="edge")
    smooth = np.zeros_like(counts)
    for dy in range(3):
        for dx in range(3):
            smooth += pad[dy : dy + GRID[1], dx : dx + GRID[0]]
    smooth /= np.maximum(smooth.sum(axis=2, keepdims=True), 1e-9)
    cell_grad = cv2.resize(grad, GRID, interpolation=cv2.INTER_AREA)
    cell_grad = cv2.boxFilter(cell_grad, -1, (3, 3))
    cell_tex = np.log(cell_grad + 0.01)
    cell_lum = cv2.resize(lum, GRID, interpolation=cv2.INTER_AREA)
    cell_neutral = cv2.resize(neutral.astype(np.float32), GRID, interpolation=cv2.INTER_AREA)
    feats = np.concatenate(
        [
            np.sqrt(smooth).reshape(n_cells, nb),
            0.15 * cell_tex.reshape(n_cells, 1),
            0.3 * cell_lum.reshape(n_cells, 1),
        ],
        axis=1,
    ).astype(np.float32)
    crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1e-3)
    cv2.setRNGSeed(7)
    _, lab, _ = cv2.kmeans(feats, K, None, crit, 2, cv2.KMEANS_PP_CENTERS)
    lab = lab.ravel()
    labels = np.full(n_cells, 255, np.uint8)
    surfaces: list[Surface] = []
    pix_counts = counts.reshape(n_cells, nb)
    gy_, gx_ = np.divmod(np.arange(n_cells), GRID[0])
    neutral_cells = cell_neutral.ravel() > 0.6
    for k in range(K):
        m = (lab == k) & ~neutral_cells
        area = float(m.mean())
        if area < MIN_AREA:
            continue
        hist = pix_counts[m].sum(axis=0).reshape(BINS, BINS)
        hist /= max(float(hist.sum()), 1e-9)
        xs = (gx_[m] + 0.5) / GRID[0]
        ys = (gy_[m] + 0.5) / GRID[1]
        s = Surface(
            area=area,
            cx=float(xs.mean()),
            cy=float(ys.mean()),
            box=(
                float(np.percentile(xs, 10)),
                float(np.percentile(ys, 10)),
                float(np.percentile(xs, 90)),
                float(np.percentile(ys, 90)),
            ),
            hist=hist.astype(np.float32),
            light=float(np.median(cell_lum.ravel()[m])),
            texture=float(np.median(cell_tex.ravel()[m])),
            weight=0.0,
        )
        s.weight = _weight(s)
        labels[m] = len(surfaces)
        surfaces.append(s)
    return SurfaceSet(surfaces, labels.reshape(GRID[1], GRID[0]))


def _centres() -> np.ndarray:
    step = 2 * CHROMA_RANGE / BINS
    c = -CHROMA_RANGE + step * (np.arange(BINS) + 0.5)
    return np.stack(np.meshgrid(c, c, indexing="ij"), axis=-1)  # (BINS, BINS, 2)


_CENTRES = _centres()


def _weight(s: Surface) -> float:
    """Distinctiveness: how unlikely another room shows a surface of this look.

    Two things make a surface rare: a palette of several colours (a pattern: wallpaper,
    bed cover, books) and a strong colour (far from the picture's neutral point, which
    white balance puts at the median of the picture). A plain white, beige or grey
    surface, or one in the room's dominant tint, has neither and weighs little.
    """
    p = s.hist.ravel()
    # colours: bins holding a real share of the palette, neighbours merged by a blur
    blurred = cv2.GaussianBlur(s.hist, (3, 3), 0.8).ravel()
    modes = 0
    q = blurred.copy()
    while modes < 4:
        i = int(np.argmax(q))
        if q[i] < 0.08:
            break
        modes += 1
        a, b = divmod(i, BINS)
        q.reshape(BINS, BINS)[max(0, a - 1) : a + 2, max(0, b - 1) : b + 2] = 0
    mean = (_CENTRES.reshape(-1, 2) * p[:, None]).sum(axis=0)
    sat = float(np.linalg.norm(mean))
    pattern = min(1.0, max(0.0, (modes - 1) / 2.0))
    colour = min(1.0, max(0.0, (sat - 0.08) / 0.3))
    return float(round(min(1.0, 0.1 + 0.6 * pattern + 0.4 * colour), 3))


# ----------------------------------------------------------------------------- comparing


@dataclass
class Agreement:
    """What two pictures' surfaces say about one place."""

    pairs: list[tuple[int, int, float]]  # (surface of a, surface of b, similarity)
    distinct: int  # distinct appearances among the pairs
    weight: float  # sum of the distinct appearances' weights
    strong: int  # distinct appearances with weight >= 0.5
    cover_a: float  # fraction of a's surfaces' area that agrees
    cover_b: float
    layout: float  # fraction of checked relative positions that hold (1.0 if none)
    layout_checked: int
    shift: tuple[int, int]
    #: appearance of each pair (pairs that look alike in either picture share one)
    groups: list[int] = field(default_factory=list)


def _shift(h: np.ndarray, d: tuple[int, int]) -> np.ndarray:
    out = np.zeros_like(h)
    da, db = d
    src = h[max(0, -da) : BINS - max(0, da), max(0, -db) : BINS - max(0, db)]
    out[max(0, da) : BINS - max(0, -da), max(0, db) : BINS - max(0, -db)] = src
    return out


def _blur(h: np.ndarray) -> np.ndarray:
    b = cv2.GaussianBlur(h, (5, 5), 1.0)
    return b / max(float(b.sum()), 1e-9)


def _comparable(a: SurfaceSet, b: SurfaceSet) -> np.ndarray:
    """Which surfaces of ``a`` and ``b`` are close enough in light and texture to compare."""
    la = np.array([s.light for s in a.surfaces])
    lb = np.array([s.light for s in b.surfaces])
    ta = np.array([s.texture for s in a.surfaces])
    tb = np.array([s.texture for s in b.surfaces])
    return (np.abs(la[:, None] - lb[None, :]) <= LIGHT_TOL) & (
        np.abs(ta[:, None] - tb[None, :]) <= TEXTURE_TOL
    )


def _similarity(a: SurfaceSet, hb: np.ndarray, ok: np.ndarray, d: tuple[int, int]) -> np.ndarray:
    """Appearance similarity of ``a``'s surfaces, colours shifted by ``d``, to ``b``'s
    (``hb`` = ``b.looks()``, ``ok`` = :func:`_comparable`)."""
    return np.where(ok, a.looks(d) @ hb.T, 0.0)


def _pair(sim: np.ndarray) -> list[tuple[int, int, float]]:
    out = []
    s = sim.copy()
    while True:
        i, j = np.unravel_index(int(np.argmax(s)), s.shape)
        if s[i, j] < SIM_MIN:
            break
        out.append((int(i), int(j), float(s[i, j])))
        s[i, :] = 0
        s[:, j] = 0
    return out


def _layout(a: SurfaceSet, b: SurfaceSet, pairs: list[tuple[int, int, float]]) -> tuple[float, int]:
    good = checked = 0
    for p, q in ((p, q) for k, p in enumerate(pairs) for q in pairs[k + 1 :]):
        sa, sb = a.surfaces[p[0]], a.surfaces[q[0]]
        ta, tb = b.surfaces[p[1]], b.surfaces[q[1]]
        for da, db, lim in ((sa.cy - sb.cy, ta.cy - tb.cy, LAYOUT_DY),):
            if abs(da) >= lim or abs(db) >= lim:
                checked += 1
                good += int(da * db > 0)
        da, db = sa.cx - sb.cx, ta.cx - tb.cx
        if abs(da) >= LAYOUT_DX and abs(db) >= LAYOUT_DX:
            checked += 1
            good += int(da * db > 0)
    return (good / checked if checked else 1.0), checked


def compare(a: SurfaceSet, b: SurfaceSet) -> Agreement:
    """How the surfaces of two pictures agree (see the module text)."""
    empty = Agreement([], 0, 0.0, 0, 0.0, 0.0, 1.0, 0, (0, 0), [])
    if not a.surfaces or not b.surfaces:
        return empty
    best: tuple[float, list[tuple[int, int, float]], tuple[int, int]] | None = None
    hb, ok = b.looks(), _comparable(a, b)
    for d in SHIFTS:
        pairs = _pair(_similarity(a, hb, ok, d))
        score = sum(min(a.surfaces[i].weight, b.surfaces[j].weight) for i, j, _ in pairs)
        if best is None or score > best[0] + 1e-9:
            best = (score, pairs, d)
    assert best is not None
    _, pairs, d = best
    if not pairs:
        return replace_shift(empty, d)
    # distinct appearances: pairs whose surfaces look alike in either picture are one
    ha = a.looks()
    same_a, same_b = ha @ ha.T, hb @ hb.T
    group = list(range(len(pairs)))
    for x in range(len(pairs)):
        for y in range(x):
            if (
                same_a[pairs[x][0], pairs[y][0]] >= SAME_LOOK
                or same_b[pairs[x][1], pairs[y][1]] >= SAME_LOOK
            ):
                gx, gy = group[x], group[y]
                group = [gy if g == gx else g for g in group]
    weights: dict[int, float] = {}
    for g, (i, j, _) in zip(group, pairs, strict=True):
        w = min(a.surfaces[i].weight, b.surfaces[j].weight)
        weights[g] = max(weights.get(g, 0.0), w)
    tot_a = sum(s.area for s in a.surfaces)
    tot_b = sum(s.area for s in b.surfaces)
    lay, n_lay = _layout(a, b, pairs)
    return Agreement(
        pairs=pairs,
        distinct=len(weights),
        weight=float(sum(weights.values())),
        strong=sum(w >= 0.5 for w in weights.values()),
        cover_a=sum(a.surfaces[i].area for i, _, _ in pairs) / max(tot_a, 1e-9),
        cover_b=sum(b.surfaces[j].area for _, j, _ in pairs) / max(tot_b, 1e-9),
        layout=lay,
        layout_checked=n_lay,
        shift=d,
        groups=group,
    )


def replace_shift(x: Agreement, d: tuple[int, int]) -> Agreement:
    x.shift = d
    return x


def boxes(
    a: SurfaceSet, b: SurfaceSet, g: Agreement, wa: int, ha: int, wb: int, hb: int
) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int, int]]]:
    """x, y, w, h boxes (pixels) of the agreeing surfaces in each picture, for outlining."""

    def box(s: Surface, w: int, h: int) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = s.box
        return (
            int(x0 * w),
            int(y0 * h),
            max(1, int((x1 - x0) * w)),
            max(1, int((y1 - y0) * h)),
        )

    return (
        [box(a.surfaces[i], wa, ha) for i, _, _ in g.pairs],
        [box(b.surfaces[j], wb, hb) for _, j, _ in g.pairs],
    )


def placed(
    a: SurfaceSet,
    b: SurfaceSet,
    g: Agreement,
    pa: np.ndarray,
    pb: np.ndarray,
    reach: int = 0,
) -> dict[int, np.ndarray]:
    """Geometrically verified points that land on agreeing surfaces, by appearance.

    ``pa`` / ``pb`` are matched points (fractions of each frame's width and height) that one
    geometry verified. A point counts for an appearance when it lies on surface ``i`` of
    ``a`` and its match on the surface of ``b`` paired with ``i``: the geometry and the
    surfaces then say the same thing there. Corners sit on the edges between surfaces, so
    a point is looked up in the cells within ``reach`` of its own on both sides (a point on
    the edge of two agreeing surfaces counts for both). Returns {appearance: (n, 2) points
    in ``a``}.
    """
    if not g.pairs or len(pa) == 0:
        return {}
    pair_grp = {(i, j): grp for (i, j, _), grp in zip(g.pairs, g.groups, strict=True)}

    def near(s: SurfaceSet, p: np.ndarray) -> list[set[int]]:
        c = np.clip((p[:, 0] * GRID[0]).astype(int), 0, GRID[0] - 1)
        r = np.clip((p[:, 1] * GRID[1]).astype(int), 0, GRID[1] - 1)
        lab = np.pad(s.labels, reach, mode="constant", constant_values=255)
        w = 2 * reach + 1
        win = np.stack(
            [lab[r + dy, c + dx] for dy in range(w) for dx in range(w)], axis=1
        )  # (n, w*w) labels around each point
        return [set(row.tolist()) - {255} for row in win]

    out: dict[int, list[np.ndarray]] = {}
    for k, (la, lb) in enumerate(zip(near(a, pa), near(b, pb), strict=True)):
        hit = {pair_grp[(i, j)] for i in la for j in lb if (i, j) in pair_grp}
        for grp in hit:
            out.setdefault(grp, []).append(pa[k])
    return {grp: np.array(v, np.float32) for grp, v in out.items()}
