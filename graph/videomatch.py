"""Near-duplicate videos: clip against clip (vPDQ-style) and clip against image.

A video ``Media`` (``kind = 'video'``) carries the PDQ of frames sampled at a fixed rate
(``frames``, ``frameQualities``, ``frameTimes``; the media loader writes them, see
docs/model.md). Matching works on those frames only; the video's own ``pdq`` (its best
frame) plays no part, and :mod:`graph.neardup` leaves videos out of the image index.

Which frames take part
    Frames of PDQ quality >= ``pdq_min_quality`` (50) of videos that no hash set marks
    non-pertinent. A flat frame (black, a wall close-up) matches every other flat frame:
    it never counts, and a clip made only of flat frames never links.

Clip against image (method ``video_frame``)
    A sampled frame within ``pdq_radius`` (31) of the image under the image rule of
    :mod:`graph.neardup` with the frame as the other picture's PDQ: the frame against
    every stored hash of the image (PDQ, trimmed PDQ, crops) and against its dihedral
    variants. One frame suffices: the still was taken from the clip, or filmed in the
    same scene.

Clip against clip (method ``vpdq``)
    Meta's vPDQ compares two clips by two shares: the share of the frames of one that
    have a frame within ``video_frame_radius`` (31) in the other, and the reverse. The
    pair matches when either share reaches ``video_match_percent`` (50 %), so a trimmed
    or re-encoded clip, a short clip cut from a longer one and two clips overlapping by
    half link; or when ``video_match_frames`` (10) frames of each clip have a match,
    so that a minute shared by two hour-long recordings links too. docs/links.md gives
    the reasons for these defaults.

What is stored
    ``(:Media)-[:NEAR_DUPLICATE {method, pdqDistance, matchedFrames, queryPercent,
    targetPercent, at}]->(:Media)``, once per unordered pair, from the smaller sha256 to
    the larger, as for images. ``queryPercent`` is the share (0-100) of the start node's
    sampled frames that match the end node, ``targetPercent`` the reverse (100 for an
    image). ``at`` lists the matching moment in seconds on each video side, start node
    first: ``[tA, tB]`` for two clips (the best-matching pair of frames), ``[t]`` for a
    clip and an image. ``matchedFrames``: for a clip and an image, the clip's frames that
    match; for two clips, the smaller of the two sides' matched-frame counts (about the
    seconds of shared footage at one frame per second).

The index
    One :class:`graph.ndindex.HashIndex` over every eligible frame, keyed by the video's
    sha256, saved under ``<home>/index/video/`` with the loads it reflects and a digest of
    the eligible videos (rebuilt from the graph when stale, updated in place after a
    load). Clip pairs come from its self-join, clip-image pairs from every frame searched
    in the image index of :mod:`graph.neardup` (stored hashes and dihedral variants), and,
    after a load, from every new image's hashes searched among the frames. Each candidate
    is then decided exactly on the two frame lists.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j
import numpy as np

from graph import db, indexversion, neardup, queries
from graph.config import Settings, get_settings
from graph.errors import GraphError
from graph.evidence import NEAR_DUP_STRENGTH, Item, _file
from graph.hashcodes import parse_hashes
from graph.ndindex import HashIndex, StaleIndex

log = logging.getLogger("cluegraph.videomatch")

#: Methods of a ``NEAR_DUPLICATE`` that involves a video.
METHODS = neardup.VIDEO_METHODS
VIDEO = "video"

_STATE_FORMAT = "cluegraph-videomatch/2"
_PAGE = 500
_WRITE_BATCH = 2000
_BLOCK = 1 << 20  # frame pairs per distance block (bounded memory for long clips)


# ----------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Thresholds:
    """The video settings (docs/links.md) and the image ones they reuse."""

    frame_radius: int = 31
    match_percent: float = 50.0
    match_frames: int = 10
    image_radius: int = 31
    min_quality: int = 50

    @classmethod
    def of(cls, s: Settings | None = None) -> Thresholds:
        s = s or get_settings()
        return cls(
            frame_radius=s.video_frame_radius,
            match_percent=s.video_match_percent,
            match_frames=s.video_match_frames,
            image_radius=s.pdq_radius,
            min_quality=s.pdq_min_quality,
        )


@dataclass
class VideoCodes:
    """The eligible frames of one video: PDQ hex, uint64 words and times (seconds)."""

    sha256: str
    hexes: list[str]
    times: list[float]
    total: int = 0  # frames sampled, eligible or not
    #: The strictest PDQ radius of the hash sets listing the video (None: the default).
    pdq_radius: int | None = None
    words: np.ndarray = field(default_factory=lambda: np.empty((0, 4), np.uint64))

    def __post_init__(self) -> None:
        if self.hexes and self.words.shape[0] != len(self.hexes):
            self.words = parse_hashes(self.hexes, 256).view(np.uint64)

    def __len__(self) -> int:
        return len(self.hexes)

    @classmethod
    def of_frames(
        cls, key: str, frames: Iterable[tuple[float, str, int | None]], min_quality: int
    ) -> VideoCodes:
        """From ``(t, pdq_hex, quality)`` triples (the loader's ``video_info`` frames).

        >>> v = VideoCodes.of_frames("k", [(0.0, "0" * 64, 10), (1.0, "f" * 64, 90)], 50)
        >>> v.times, len(v), v.total
        ([1.0], 1, 2)
        """
        hexes: list[str] = []
        times: list[float] = []
        total = 0
        for t, h, q in frames:
            total += 1
            hx = neardup._hex(h, 64)
            if hx is None or q is None or q < min_quality:
                continue
            hexes.append(hx)
            times.append(float(t) if t is not None else float(total - 1))
        return cls(key, hexes, times, total)

    @classmethod
    def from_row(cls, row: dict[str, Any], min_quality: int) -> VideoCodes | None:
        """From a row of ``videomatch_codes``; None when no frame can match."""
        frames = row.get("frames") or []
        quals = row.get("frameQualities")
        if quals is None or len(quals) != len(frames):
            quals = [row.get("pdqQuality")] * len(frames)
        times = row.get("frameTimes")
        if times is None or len(times) != len(frames):
            times = [float(i) for i in range(len(frames))]
        v = cls.of_frames(row["sha256"], zip(times, frames, quals, strict=True), min_quality)
        v.pdq_radius = row.get("pdqRadius")
        return v if len(v) else None


@dataclass(frozen=True)
class Match:
    """A near-duplicate pair that involves a video, oriented ``a`` -> ``b``.

    ``at_a``/``at_b`` are the matching moments (seconds) on each side, None for an image.
    """

    a: str
    b: str
    pdq_distance: int
    method: str
    matched_frames: int
    query_percent: float
    target_percent: float
    at_a: float | None
    at_b: float | None

    @property
    def at(self) -> list[float]:
        return [t for t in (self.at_a, self.at_b) if t is not None]

    def flipped(self) -> Match:
        return Match(
            self.b,
            self.a,
            self.pdq_distance,
            self.method,
            self.matched_frames,
            self.target_percent,
            self.query_percent,
            self.at_b,
            self.at_a,
        )

    def ordered(self) -> Match:
        """The same match from the smaller sha256 to the larger (storage order)."""
        return self if self.a < self.b else self.flipped()

    def as_row(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "pdqDistance": self.pdq_distance,
            "method": self.method,
            "matchedFrames": self.matched_frames,
            "queryPercent": self.query_percent,
            "targetPercent": self.target_percent,
            "at": self.at,
        }

    def key(self) -> tuple:
        r = self.as_row()
        return (r["pdqDistance"], r["method"], r["matchedFrames"], r["queryPercent"],
                r["targetPercent"], tuple(r["at"]))  # fmt: skip


def _radius(default: int, *listed: int | None) -> int:
    """The strictest of the default radius and those of the hash sets listing either side
    (as for images: graph/neardup.py ``Thresholds.for_pair``)."""
    return min([default, *(r for r in listed if r is not None)])


def _pct(n: int, total: int) -> float:
    return round(100.0 * n / total, 1) if total else 0.0


def _min_dist(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For frames ``a`` (n, 4) and ``b`` (m, 4): each row's smallest distance to ``b``, its
    argmin, and each column's smallest distance to ``a``; in blocks of bounded memory."""
    n, m = a.shape[0], b.shape[0]
    row_min = np.empty(n, np.int32)
    row_arg = np.empty(n, np.int64)
    col_min = np.full(m, np.iinfo(np.int32).max, np.int32)
    step = max(1, _BLOCK // max(m, 1))
    for lo in range(0, n, step):
        d = np.bitwise_count(a[lo : lo + step, None, :] ^ b[None, :, :]).sum(-1, dtype=np.int32)
        row_arg[lo : lo + step] = d.argmin(1)
        row_min[lo : lo + step] = d[np.arange(d.shape[0]), row_arg[lo : lo + step]]
        np.minimum(col_min, d.min(0), out=col_min)
    return row_min, row_arg, col_min


def match_videos(a: VideoCodes, b: VideoCodes, t: Thresholds) -> Match | None:
    """vPDQ's two shares between two clips; a :class:`Match` ``a -> b`` when they link.

    >>> import hashlib
    >>> f = [hashlib.sha256(bytes([i])).hexdigest() for i in range(5)]  # unrelated frames
    >>> long = VideoCodes("L", f, [0.0, 1.0, 2.0, 3.0, 4.0])
    >>> cut = VideoCodes("C", f[2:4], [0.0, 1.0])
    >>> m = match_videos(cut, long, Thresholds())
    >>> m.query_percent, m.target_percent, m.at
    (100.0, 40.0, [0.0, 2.0])
    """
    if not len(a) or not len(b):
        return None
    row_min, row_arg, col_min = _min_dist(a.words, b.words)
    r = _radius(t.frame_radius, a.pdq_radius, b.pdq_radius)
    na = int((row_min <= r).sum())
    nb = int((col_min <= r).sum())
    if not na:
        return None
    qp, tp = _pct(na, len(a)), _pct(nb, len(b))
    shared = min(na, nb)
    if max(qp, tp) < t.match_percent and shared < t.match_frames:
        return None
    i = int(row_min.argmin())  # first frame of ``a`` at the smallest distance
    j = int(row_arg[i])
    return Match(a.sha256, b.sha256, int(row_min[i]), "vpdq", shared, qp, tp,
                 a.times[i], b.times[j])  # fmt: skip


def _image_words(img: neardup.MediaCodes) -> np.ndarray:
    hexes = list(img.stored) + list(img.variants)
    return parse_hashes(hexes, 256).view(np.uint64) if hexes else np.empty((0, 4), np.uint64)


def match_video_image(
    v: VideoCodes, img: neardup.MediaCodes, t: Thresholds, *, words: np.ndarray | None = None
) -> Match | None:
    """A frame of ``v`` within ``image_radius`` of the image (its stored hashes or its
    dihedral variants); the :class:`Match` goes ``video -> image``."""
    w = _image_words(img) if words is None else words
    if not len(v) or not w.shape[0]:
        return None
    row_min, _, _ = _min_dist(v.words, w)
    hit = row_min <= _radius(t.image_radius, v.pdq_radius, getattr(img, "pdq_radius", None))
    n = int(hit.sum())
    if not n:
        return None
    i = int(row_min.argmin())
    return Match(v.sha256, img.sha256, int(row_min[i]), "video_frame", n, _pct(n, len(v)),
                 100.0, v.times[i], None)  # fmt: skip


# ----------------------------------------------------------------------------- index


class FrameIndex:
    """Every eligible frame of every video, keyed by the video's sha256."""

    def __init__(self, index: HashIndex | None = None) -> None:
        self.index = index or HashIndex(256)

    def __len__(self) -> int:
        return len(self.index)

    @property
    def ids(self) -> list[str]:
        return self.index.ids

    def add(self, videos: Iterable[VideoCodes]) -> None:
        ids: list[str] = []
        hexes: list[str] = []
        for v in videos:
            ids += [v.sha256] * len(v)
            hexes += v.hexes
        if ids:
            self.index.add(ids, hexes)

    def remove(self, sha256s: Sequence[str]) -> None:
        if sha256s and len(self.index):
            self.index.remove(list(sha256s))

    def pairs(self, t: Thresholds) -> set[tuple[str, str]]:
        """Every pair of videos with at least one pair of frames within the radius."""
        if not self.index.n_codes:
            return set()
        return {(a, b) if a < b else (b, a) for a, b, _ in self.index.pairs(t.frame_radius)}

    def search(self, hexes: Sequence[str], radius: int) -> set[str]:
        """Videos holding a frame within ``radius`` of any of ``hexes``."""
        if not hexes or not self.index.n_codes:
            return set()
        return {h for hits in self.index.search(list(hexes), radius) for h, _ in hits}

    def save(self, directory: Path, state: dict[str, Any]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        fp = self.index.save(directory / "frames.npz")
        state = {**state, "format": _STATE_FORMAT, "fingerprint": fp, "media": len(self)}
        tmp = directory / "state.json.tmp"
        tmp.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
        tmp.replace(directory / "state.json")

    @classmethod
    def load(cls, directory: Path) -> tuple[FrameIndex, dict[str, Any]] | None:
        try:
            state = json.loads((directory / "state.json").read_text(encoding="utf-8"))
            if state.get("format") != _STATE_FORMAT:
                return None
            fp = state["fingerprint"]
            idx = HashIndex.load(directory / "frames.npz", expected_fingerprint=fp)
        except (OSError, ValueError, KeyError, StaleIndex, GraphError) as e:
            log.info("video frame index not usable (%s): rebuilding", type(e).__name__)
            return None
        return cls(idx), state


def frames_vs_images(
    image_index: neardup.NearDupIndex, videos: Iterable[VideoCodes], t: Thresholds
) -> set[tuple[str, str]]:
    """(video, image) candidates: every frame searched among the images' stored hashes
    and dihedral variants (a superset of the matches)."""
    owners: list[str] = []
    hexes: list[str] = []
    for v in videos:
        owners += [v.sha256] * len(v)
        hexes += v.hexes
    out: set[tuple[str, str]] = set()
    if not hexes:
        return out
    for part in (image_index.stored, image_index.variants):
        if not part.n_codes:
            continue
        for owner, hits in zip(owners, part.search(hexes, t.image_radius), strict=True):
            out.update((owner, h) for h, _ in hits)
    return out


def images_vs_frames(
    frames: FrameIndex, images: Iterable[neardup.MediaCodes], t: Thresholds
) -> set[tuple[str, str]]:
    """(video, image) candidates: every stored hash and variant of each image searched
    among the frames."""
    out: set[tuple[str, str]] = set()
    if not frames.index.n_codes:
        return out
    owners: list[str] = []
    hexes: list[str] = []
    for c in images:
        hx = list(c.stored) + list(c.variants)
        owners += [c.sha256] * len(hx)
        hexes += hx
    if not hexes:
        return out
    for owner, hits in zip(owners, frames.index.search(hexes, t.image_radius), strict=True):
        out.update((h, owner) for h, _ in hits)
    return out


# ----------------------------------------------------------------------------- graph I/O


def index_dir(settings: Settings | None = None) -> Path:
    return neardup.index_dir(settings) / "video"


def iter_codes(driver: neo4j.Driver, t: Thresholds) -> Iterator[list[VideoCodes]]:
    """Every eligible video's frames, a page at a time (keyset pagination on sha256)."""
    yield from neardup.read_pages(
        driver,
        queries.videomatch_codes(),
        "videomatch.codes",
        VideoCodes.from_row,
        t.min_quality,
        page=_PAGE,
    )


def codes_of(driver: neo4j.Driver, sha256s: Iterable[str], t: Thresholds) -> dict[str, VideoCodes]:
    """Frames of the given media that are eligible videos (others are left out)."""
    return neardup.read_by_sha(
        driver,
        queries.videomatch_codes_by_sha(),
        "videomatch.codes_by_sha",
        VideoCodes.from_row,
        sha256s,
        t.min_quality,
        page=_PAGE,
    )


def _graph_state(driver: neo4j.Driver, t: Thresholds) -> dict[str, Any]:
    return neardup.graph_state(driver, "videomatch", t.min_quality)


def _save(idx: FrameIndex, state: dict[str, Any]) -> None:
    idx.save(index_dir(), {k: v for k, v in state.items() if not k.startswith("_")})


def build_index(driver: neo4j.Driver, t: Thresholds) -> tuple[FrameIndex, dict[str, VideoCodes]]:
    idx = FrameIndex()
    codes: dict[str, VideoCodes] = {}
    for page in iter_codes(driver, t):
        idx.add(page)
        codes.update((v.sha256, v) for v in page)
    return idx, codes


_MEMO: dict[str, Any] = {}


def ensure_index(driver: neo4j.Driver, t: Thresholds | None = None) -> FrameIndex:
    """The saved frame index when it reflects the graph, else one rebuilt from it."""
    t = t or Thresholds.of()
    state = _graph_state(driver, t)
    return neardup.ensure_saved(
        state,
        index_dir(),
        _MEMO,
        FrameIndex.load,
        lambda: build_index(driver, t)[0],
        lambda idx: _save(idx, state),
    )


def decide(
    pairs: Iterable[tuple[str, str]],
    videos: dict[str, VideoCodes],
    images: dict[str, neardup.MediaCodes],
    t: Thresholds,
) -> dict[tuple[str, str], Match]:
    """Decide candidates (two videos, or a video and an image); keyed in storage order."""
    out: dict[tuple[str, str], Match] = {}
    img_words: dict[str, np.ndarray] = {}
    for x, y in pairs:
        m: Match | None = None
        if x in videos and y in videos:
            m = match_videos(videos[x], videos[y], t)
        else:
            v, i = (x, y) if x in videos else (y, x)
            if v not in videos or i not in images:
                continue
            w = img_words.get(i)
            if w is None:
                w = img_words[i] = _image_words(images[i])
            m = match_video_image(videos[v], images[i], t, words=w)
        if m is not None:
            m = m.ordered()
            out[(m.a, m.b)] = m
    return out


def _existing(driver: neo4j.Driver, sha256s: Sequence[str] | None) -> dict[tuple[str, str], tuple]:
    if sha256s is None:
        rows = db.records(
            driver, queries.videomatch_edges(), name="videomatch.edges", methods=list(METHODS)
        )
    else:
        rows = []
        shas = sorted(set(sha256s))
        for i in range(0, len(shas), 5000):
            rows += db.records(
                driver,
                queries.videomatch_edges_of(),
                name="videomatch.edges_of",
                sha256s=shas[i : i + 5000],
                methods=list(METHODS),
            )
    return {
        (r["a"], r["b"]): (
            r["pdqDistance"],
            r["method"],
            r["matchedFrames"],
            r["queryPercent"],
            r["targetPercent"],
            tuple(r["at"] or ()),
        )  # fmt: skip
        for r in rows
    }


def _write_diff(
    driver: neo4j.Driver, new: dict[tuple[str, str], Match], old: dict[tuple[str, str], tuple]
) -> tuple[int, int, set[str]]:
    gone = [k for k in old if k not in new]
    put = [m for k, m in new.items() if old.get(k) != m.key()]
    for i in range(0, len(gone), _WRITE_BATCH):
        rows = [{"a": a, "b": b} for a, b in gone[i : i + _WRITE_BATCH]]
        db.write(driver, queries.near_duplicate_delete(), rows=rows, name="videomatch.delete")
    for i in range(0, len(put), _WRITE_BATCH):
        rows = [m.as_row() for m in put[i : i + _WRITE_BATCH]]
        db.write(driver, queries.videomatch_write_edges(), rows=rows, name="videomatch.merge")
    changed = {x for k in gone for x in k} | {x for m in put for x in (m.a, m.b)}
    return len(put), len(gone), changed


@dataclass
class VideoReport:
    full: bool
    videos_indexed: int = 0
    frames_indexed: int = 0
    candidates: int = 0
    matches: int = 0
    written: int = 0
    deleted: int = 0
    changed_media: set[str] = field(default_factory=set)
    by_method: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _finish(rep: VideoReport, new: dict[tuple[str, str], Match], t0: float) -> VideoReport:
    rep.matches = len(new)
    for m in new.values():
        rep.by_method[m.method] = rep.by_method.get(m.method, 0) + 1
    rep.seconds["total"] = time.perf_counter() - t0
    return rep


def rebuild(driver: neo4j.Driver, t: Thresholds | None = None) -> VideoReport:
    """Recompute every near-duplicate pair that involves a video; write what changed.

    Runs after :func:`graph.neardup.rebuild` (it reads the image index that one saved).
    """
    t = t or Thresholds.of()
    t0 = time.perf_counter()
    rep = VideoReport(full=True)
    state = _graph_state(driver, t)
    fidx, videos = build_index(driver, t)
    rep.videos_indexed, rep.frames_indexed = len(fidx), fidx.index.n_codes
    cand = fidx.pairs(t)
    nt = neardup.Thresholds.of()
    images: dict[str, neardup.MediaCodes] = {}
    if videos:
        img_idx = neardup.ensure_index(driver, nt)
        vi = frames_vs_images(img_idx, videos.values(), t)
        cand |= vi
        images = neardup.codes_of(driver, {i for _, i in vi}, nt)
    rep.candidates = len(cand)
    rep.seconds["search"] = time.perf_counter() - t0
    new = decide(cand, videos, images, t)
    rep.written, rep.deleted, rep.changed_media = _write_diff(driver, new, _existing(driver, None))
    _save(fidx, state)
    _MEMO.clear()
    return _finish(rep, new, t0)


def update(
    driver: neo4j.Driver,
    sha256s: Iterable[str],
    load_id: str | None,
    *,
    full: bool = False,
    own: Iterable[int] = (),
) -> VideoReport:
    """Bring the frame index and the video ``NEAR_DUPLICATE`` up to date after a load.

    ``sha256s``: the media the load touched (videos and images alike); ``load_id`` None
    for an edit outside a load (a hash set's radius changed: ``links.refresh_media``).
    Rebuilds when ``full`` (the image side was rebuilt) or when the saved index does not
    reflect the graph as it stood before (for an edit outside a load: the same eligible
    videos). With nothing touched, only records the load.
    """
    t = Thresholds.of()
    if full:
        return rebuild(driver, t)
    t0 = time.perf_counter()
    state = _graph_state(driver, t)
    touched = sorted(set(sha256s))
    mine = set(own) | indexversion.of_load(driver, load_id)
    if not touched and _note_load(state, mine):
        return _finish(VideoReport(full=False), {}, t0)
    loaded = FrameIndex.load(index_dir())
    if loaded is None or not neardup.same_state(loaded[1], state, mine):
        return rebuild(driver, t)
    fidx, _saved = loaded
    rep = VideoReport(full=False)
    videos = codes_of(driver, touched, t)
    fidx.remove(touched)
    fidx.add(videos.values())
    if len(set(fidx.ids)) != eligible_count(driver, t):
        log.info("video frame index differs from the graph after load %s: rebuilding", load_id)
        return rebuild(driver, t)
    rep.videos_indexed, rep.frames_indexed = len(videos), sum(len(v) for v in videos.values())
    cand: set[tuple[str, str]] = set()
    nt = neardup.Thresholds.of()
    new_images = neardup.codes_of(driver, touched, nt) if touched else {}
    for v in videos.values():
        cand |= {(v.sha256, o) for o in fidx.search(v.hexes, t.frame_radius) if o != v.sha256}
    if videos:  # the image index only for the frames of new videos (4 s to read at 1M)
        cand |= frames_vs_images(neardup.ensure_index(driver, nt), videos.values(), t)
    if new_images:
        cand |= images_vs_frames(fidx, new_images.values(), t)
    rep.candidates = len(cand)
    ids = {x for p in cand for x in p}
    all_videos = {**videos, **codes_of(driver, ids - set(videos), t)}
    images = {**new_images, **neardup.codes_of(driver, ids - set(all_videos) - set(new_images), nt)}
    new = decide(cand, all_videos, images, t)
    old = _existing(driver, touched) if touched else {}
    rep.written, rep.deleted, rep.changed_media = _write_diff(driver, new, old)
    _save(fidx, state)
    _MEMO.clear()
    return _finish(rep, new, t0)


def _note_load(state: dict[str, Any], own: Iterable[int]) -> bool:
    """Record a load that touched no media in the saved state, without reading or writing
    the frames (a CSV load of clues or cases). False when the saved state is not the
    graph's as it was before this load (the caller then goes the long way)."""
    path = index_dir() / "state.json"
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if saved.get("format") != _STATE_FORMAT or not neardup.same_state(saved, state, own):
        return False
    new = {**saved, **{k: v for k, v in state.items() if not k.startswith("_")}}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(new, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
    return True


def eligible_count(driver: neo4j.Driver, t: Thresholds) -> int:
    """How many videos the frame index must hold (a check after an incremental update)."""
    rows = db.records(
        driver,
        queries.videomatch_eligible_count(),
        name="videomatch.count",
        minQuality=t.min_quality,
    )
    return int(rows[0]["n"]) if rows else 0


# ----------------------------------------------------------------------------- triage


def search(
    driver: neo4j.Driver,
    images: Sequence[neardup.MediaCodes] = (),
    videos: Sequence[VideoCodes] = (),
) -> tuple[list[list[Match]], list[list[Match]]]:
    """Near matches involving videos for triage queries; reads only.

    ``images``: query images (their codes), matched against the graph's clips;
    ``videos``: query clips, matched against the graph's images and clips. Each match is
    oriented query -> graph media (``a`` = the query's key), best first.
    """
    t = Thresholds.of()
    nt = neardup.Thresholds.of()
    out_i: list[list[Match]] = [[] for _ in images]
    out_v: list[list[Match]] = [[] for _ in videos]
    if not images and not videos:
        return out_i, out_v
    fidx = ensure_index(driver, t)
    cand_i = [images_vs_frames(fidx, [c], t) for c in images]
    cand_v: list[set[str]] = []
    img_idx = neardup.ensure_index(driver, nt) if videos else None
    for v in videos:
        hits = fidx.search(v.hexes, t.frame_radius)
        if img_idx is not None:
            hits |= {i for _, i in frames_vs_images(img_idx, [v], t)}
        cand_v.append(hits)
    graph_videos = codes_of(
        driver, {s for ci in cand_i for s, _ in ci} | {x for cv in cand_v for x in cv}, t
    )
    graph_images = neardup.codes_of(
        driver, {x for cv in cand_v for x in cv} - set(graph_videos), nt
    )
    for k, (qi, ci) in enumerate(zip(images, cand_i, strict=True)):
        for sha, _ in sorted(ci):
            if sha in graph_videos and (mi := match_video_image(graph_videos[sha], qi, t)):
                out_i[k].append(mi.flipped())
    for k, (qv, cv) in enumerate(zip(videos, cand_v, strict=True)):
        for x in sorted(cv):
            mv: Match | None = None
            if x in graph_videos:
                mv = match_videos(qv, graph_videos[x], t)
            elif x in graph_images:
                mv = match_video_image(qv, graph_images[x], t)
            if mv is not None:
                out_v[k].append(mv)
    for res in out_i + out_v:
        res.sort(key=lambda m: (m.pdq_distance, -max(m.query_percent, m.target_percent), m.b))
    return out_i, out_v


def frames_of(video: Any) -> list[tuple[float, str, int]]:
    """``(t, pdq, quality)`` of the sampled frames of a ``media.video.VideoInfo``."""
    return [(float(t), str(pdq), int(q)) for t, pdq, q in video.frames]


# ----------------------------------------------------------------------------- evidence


def _secs(t: float | None) -> str:
    if t is None:
        return "?"
    t = float(t)
    if t >= 60:
        return f"{int(t // 60)}:{t % 60:04.1f}"
    return f"{t:.1f} s" if t != int(t) else f"{int(t)} s"


def side_times(r: dict[str, Any]) -> tuple[float | None, float | None]:
    """The matching moment on each side (start node, end node) of a stored edge; None on
    an image's side. ``r`` has ``at``, ``method`` and ``kindA``."""
    at = list(r.get("at") or [])
    if r.get("method") == "vpdq":
        return (at + [None, None])[0], (at + [None, None])[1]
    t = at[0] if at else None
    return (t, None) if r.get("kindA") == VIDEO else (None, t)


def describe(r: dict[str, Any], sa: str, sb: str) -> str:
    """The evidence sentence of a video near-duplicate, side ``sa`` first.

    ``r`` is a row of ``links_near_duplicate_video``; ``sa``/``sb`` are "A"/"B".
    """

    fa = _file(r["fileName" + sa], r["sha256" + sa])
    fb = _file(r["fileName" + sb], r["sha256" + sb])
    ta, tb = side_times(r)
    pa, pb = r["queryPercent"], r["targetPercent"]
    if sa == "B":
        pa, pb, ta, tb = pb, pa, tb, ta
    d = r["pdqDistance"]
    if r["method"] == "vpdq":
        return (
            f"near-duplicate clips {fa} and {fb}: {pa:g} % of the first's sampled frames and "
            f"{pb:g} % of the second's match ({r['matchedFrames']} frames); best at "
            f"{_secs(ta)} and {_secs(tb)}, PDQ distance {d} (vpdq)"
        )
    clip, still, t = (fa, fb, ta) if ta is not None else (fb, fa, tb)
    return (
        f"frame at {_secs(t)} of clip {clip} matches image {still}: PDQ distance {d}, "
        f"{r['matchedFrames']} sampled frame(s) match (video_frame)"
    )


def evidence(driver, scope: list[str] | None, col: Any, w: Any) -> None:
    """Evidence items of the ``near_duplicate`` kind for pairs that involve a video
    (a step of :data:`graph.link_evidence.EVIDENCE`)."""

    rows = db.records(
        driver,
        queries.links_near_duplicate_video(),
        name="links.near_duplicate_video",
        seriesIds=scope,
        methods=list(METHODS),
    )
    for r in rows:
        for x in sorted(set(r["seriesA"])):
            for y in sorted(set(r["seriesB"])):
                if not col.wants(x, y):
                    continue
                sa, sb = ("A", "B") if x < y else ("B", "A")
                times = dict(zip("AB", side_times(r), strict=True))
                col.add(
                    x,
                    y,
                    Item(
                        "near_duplicate",
                        describe(r, sa, sb),
                        NEAR_DUP_STRENGTH.get(r["method"], 1.0),
                        {
                            "sha256A": r["sha256" + sa],
                            "fileNameA": r["fileName" + sa],
                            "sha256B": r["sha256" + sb],
                            "fileNameB": r["fileName" + sb],
                            "pdqDistance": r["pdqDistance"],
                            "method": r["method"],
                            "matchedFrames": r["matchedFrames"],
                            "percentA": r["queryPercent" if sa == "A" else "targetPercent"],
                            "percentB": r["targetPercent" if sa == "A" else "queryPercent"],
                            "atA": times[sa],
                            "atB": times[sb],
                        },
                        (r["pdqDistance"], r["sha256" + sa], r["sha256" + sb]),
                    ),
                )
