"""Near-duplicate images across the graph: an exact radius index, kept as a cache.

Which media take part
    ``Media`` with a PDQ hash of quality >= ``pdq_min_quality`` (50) that no hash set
    marks non-pertinent (``m.nonPertinent``). A flat picture (a wall close-up, a black
    frame) has a low-quality PDQ that matches everything: it never links.

Which hashes are compared (the rule of ``media.pdq.pdq_match_distance``)
    - every *stored* hash of one image with every stored hash of the other, where the
      stored hashes are the PDQ, the border-trimmed PDQ (when its quality is sufficient)
      and the PDQ of each standard crop (the crop offsets form a difference basis, so
      crop against crop finds crops of up to 10 %; crops of different families matter
      too: restricting them to their own family missed most 5 % corner crops);
    - each dihedral variant (rotations, mirrors) of one image with the other's PDQ.

When a pair counts
    ``pdq``, ``trimmed``, ``dihedral``, ``crop``: the smallest distance of that family is
    <= ``pdq_radius`` (31); the first family that matches names the method.
    ``phash``: the pHashes are within ``phash_radius`` (8) *and* the smallest PDQ distance
    over every comparison above is <= ``phash_confirm_pdq`` (56). A 64-bit pHash at <= 8
    matches unrelated pictures of similar layout; such pairs sit at PDQ 80-96 (measured,
    see docs/links.md), whereas crops that PDQ misses by a few bits sit at 32-56.

The index
    Three :class:`graph.ndindex.HashIndex` (exact multi-index hashing): the stored hashes,
    the dihedral variants and the pHashes, keyed by sha256. Candidates come from the
    self-join of the stored hashes, from each PDQ searched among the variants and from
    the pHash self-join; each candidate is then decided by :func:`compare` on the full set
    of hashes. The index is saved under ``<home>/index/`` with the digests of its files and the
    epoch and version of the graph it reflects (:mod:`graph.indexversion`: a search
    compares one number, it never scans the media); it is rebuilt from the graph when
    missing or stale and updated in place after a load.

``NEAR_DUPLICATE {pdqDistance, phashDistance, method}`` is written once per unordered
pair, from the smaller sha256 to the larger.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j
import numpy as np

from graph import db, indexversion, queries
from graph.config import Settings, get_settings
from graph.errors import GraphError, InvalidInput
from graph.hashcodes import parse_hashes
from graph.ndindex import HashIndex, StaleIndex

log = logging.getLogger("cluegraph.neardup")

#: Methods, simplest explanation first.
METHODS = ("pdq", "trimmed", "dihedral", "crop", "phash")
#: Methods of the pairs that involve a video, written by graph/videomatch.py, not here.
VIDEO_METHODS = ("vpdq", "video_frame")
#: Tags of the stored hashes.
TAG_PDQ, TAG_TRIMMED, TAG_CROP = 0, 1, 2

_STATE_FORMAT = "cluegraph-neardup/6"  # 6: tails (codes added since the whole save)
#: Indexes saved by formats 5 (files tied by their digests, no tails) and 4 (tied by their
#: fingerprints) are still read as they are.
_STATE_FORMATS = {
    _STATE_FORMAT: "digests",
    "cluegraph-neardup/5": "digests",
    "cluegraph-neardup/4": "fingerprints",
}
#: A save writes only the codes added since the last whole save (a tail per part) while
#: the tails are fewer than this and hold fewer codes than a twentieth of the whole (at
#: least TAIL_MIN_CODES); then the index is written whole again.
TAIL_MAX_FILES = 32
TAIL_MIN_CODES = 4096
_PAGE = 5000
_WRITE_BATCH = 5000


# ----------------------------------------------------------------------------- codes


@dataclass
class MediaCodes:
    """The hashes of one image that near-duplicate matching uses (hex strings).

    ``stored`` is ``[pdq, trimmed?, *crops]``, ``tags`` says which is which, ``variants``
    are the dihedral variants other than the PDQ itself.
    """

    sha256: str
    pdq: str
    stored: list[str]
    tags: list[int]
    variants: list[str] = field(default_factory=list)
    phash: str | None = None
    #: The strictest radii of the hash sets listing the image (None: the defaults).
    pdq_radius: int | None = None
    phash_radius: int | None = None

    def whole(self) -> list[str]:
        """Hashes of the whole picture: the PDQ and, if any, the trimmed PDQ."""
        return [h for h, g in zip(self.stored, self.tags, strict=True) if g < TAG_CROP]

    @classmethod
    def from_row(cls, row: dict[str, Any], min_quality: int) -> MediaCodes | None:
        """From a row of ``neardup_media_codes``; None when the image cannot match."""
        pdq = _hex(row.get("pdq"), 64)
        quality = row.get("pdqQuality")
        if pdq is None or quality is None or quality < min_quality:
            return None
        stored, tags = [pdq], [TAG_PDQ]
        trimmed = _hex(row.get("pdqTrimmed"), 64)
        tq = row.get("pdqTrimmedQuality")
        if trimmed is not None and tq is not None and tq >= min_quality and trimmed != pdq:
            stored.append(trimmed)
            tags.append(TAG_TRIMMED)
        for c in row.get("pdqCrops") or []:
            h = _hex(c, 64)
            if h is not None:
                stored.append(h)
                tags.append(TAG_CROP)
        variants = [h for v in (row.get("pdqVariants") or [])[1:] if (h := _hex(v, 64))]
        return cls(
            sha256=row["sha256"],
            pdq=pdq,
            stored=stored,
            tags=tags,
            variants=variants,
            phash=_hex(row.get("phash"), 16),
            pdq_radius=row.get("pdqRadius"),
            phash_radius=row.get("phashRadius"),
        )

    @classmethod
    def of_query(
        cls,
        key: str,
        *,
        pdq: str | None = None,
        variants: Sequence[str] = (),
        trimmed: str | None = None,
        crops: Sequence[str] = (),
        phash: str | None = None,
    ) -> MediaCodes:
        """Codes of a triage query (a file hashed in memory, or a bare hash)."""
        stored, tags = ([pdq], [TAG_PDQ]) if pdq else ([], [])
        if trimmed and pdq and trimmed != pdq:
            stored.append(trimmed)
            tags.append(TAG_TRIMMED)
        if pdq:
            stored += list(crops)
            tags += [TAG_CROP] * len(crops)
        return cls(
            sha256=key,
            pdq=pdq or "",
            stored=stored,
            tags=tags,
            variants=[v for v in list(variants)[1:] if v] if pdq else [],
            phash=phash,
        )


def _hex(value: Any, length: int) -> str | None:
    if not isinstance(value, str) or len(value) != length:
        return None
    v = value.lower()
    try:
        int(v, 16)
    except ValueError:
        return None
    return v


@dataclass
class _Packed:
    """One image's hashes as uint64 words, for fast popcounts."""

    stored: np.ndarray  # (k, words)
    tags: np.ndarray  # (k,)
    variants: np.ndarray  # (v, words)
    phash: int | None
    pdq_radius: int | None = None
    phash_radius: int | None = None

    @classmethod
    def of(cls, codes: MediaCodes) -> _Packed:
        stored = (
            parse_hashes(codes.stored, 256).view(np.uint64)
            if codes.stored
            else np.empty((0, 4), np.uint64)
        )
        variants = (
            parse_hashes(codes.variants, 256).view(np.uint64)
            if codes.variants
            else np.empty((0, 4), np.uint64)
        )
        return cls(
            stored=stored,
            tags=np.asarray(codes.tags, dtype=np.int8),
            variants=variants,
            phash=int(codes.phash, 16) if codes.phash else None,
            pdq_radius=codes.pdq_radius,
            phash_radius=codes.phash_radius,
        )


@dataclass(frozen=True)
class Match:
    """A near-duplicate pair ``a < b`` with its distances and how it matched."""

    a: str
    b: str
    pdq_distance: int
    phash_distance: int | None
    method: str

    def as_row(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "pdqDistance": self.pdq_distance,
            "phashDistance": self.phash_distance,
            "method": self.method,
        }


@dataclass(frozen=True)
class Thresholds:
    pdq_radius: int = 31
    phash_radius: int = 8
    phash_confirm_pdq: int = 56
    min_quality: int = 50

    @classmethod
    def of(cls, s: Settings | None = None) -> Thresholds:
        s = s or get_settings()
        return cls(s.pdq_radius, s.phash_radius, s.phash_confirm_pdq, s.pdq_min_quality)

    def for_pair(self, a: _Packed, b: _Packed) -> Thresholds:
        """The thresholds of one pair: the strictest of these and of the hash sets that
        list either image (:mod:`graph.hashsets`). The pHash confirmation keeps its margin
        above the PDQ radius: a set that lowers the PDQ radius by k bits lowers it by k.

        >>> z = np.empty((0, 4), np.uint64)
        >>> Thresholds().for_pair(_Packed(z, z, z, None, 10), _Packed(z, z, z, None, None, 4))
        Thresholds(pdq_radius=10, phash_radius=4, phash_confirm_pdq=35, min_quality=50)
        """
        pdq = min(r for r in (self.pdq_radius, a.pdq_radius, b.pdq_radius) if r is not None)
        ph = min(r for r in (self.phash_radius, a.phash_radius, b.phash_radius) if r is not None)
        if pdq == self.pdq_radius and ph == self.phash_radius:
            return self
        confirm = min(self.phash_confirm_pdq, self.phash_confirm_pdq - (self.pdq_radius - pdq))
        return Thresholds(pdq, ph, confirm, self.min_quality)


def _popcount(x: np.ndarray) -> np.ndarray:
    return np.bitwise_count(x).sum(axis=-1, dtype=np.int32)


def _distances(a: _Packed, b: _Packed) -> tuple[int, int, int, int]:
    """Smallest distance per kind of comparison: (pdq, trimmed, dihedral, any stored pair)."""
    big = np.iinfo(np.int32).max
    d = _popcount(a.stored[:, None, :] ^ b.stored[None, :, :])  # (ka, kb)
    ta, tb = a.tags[:, None], b.tags[None, :]
    d_pdq = int(d[0, 0]) if a.tags[0] == TAG_PDQ and b.tags[0] == TAG_PDQ else big
    whole_a, whole_b = ta < TAG_CROP, tb < TAG_CROP
    no_crop = whole_a & whole_b
    d_trim = int(d[no_crop].min()) if no_crop.any() else big
    d_crop = int(d.min())
    d_dih = big
    if a.tags[0] == TAG_PDQ and b.variants.shape[0]:
        d_dih = min(d_dih, int(_popcount(b.variants ^ a.stored[0]).min()))
    if b.tags[0] == TAG_PDQ and a.variants.shape[0]:
        d_dih = min(d_dih, int(_popcount(a.variants ^ b.stored[0]).min()))
    return d_pdq, d_trim, d_dih, d_crop


def best_distance(a: MediaCodes, b: MediaCodes) -> int | None:
    """Smallest PDQ distance between two images over every allowed comparison: the value
    of ``media.pdq.pdq_match_distance``. None when either has no PDQ."""
    pa, pb = _Packed.of(a), _Packed.of(b)
    if pa.stored.shape[0] == 0 or pb.stored.shape[0] == 0:
        return None
    d = _distances(pa, pb)
    return min(d[2], d[3])


def compare(a: _Packed, b: _Packed, t: Thresholds) -> tuple[int, int | None, str] | None:
    """``(pdqDistance, phashDistance, method)`` when two images are near-duplicates.

    ``t`` are the default thresholds; a hash set listing either image may make them
    stricter for this pair (:meth:`Thresholds.for_pair`). Symmetric:
    ``compare(a, b) == compare(b, a)``.
    """
    t = t.for_pair(a, b)
    phd = (a.phash ^ b.phash).bit_count() if a.phash is not None and b.phash is not None else None
    if a.stored.shape[0] == 0 or b.stored.shape[0] == 0:
        return None
    d_pdq, d_trim, d_dih, d_crop = _distances(a, b)
    r = t.pdq_radius
    for dist, method in ((d_pdq, "pdq"), (d_trim, "trimmed"), (d_dih, "dihedral")):
        if dist <= r:
            return dist, phd, method
    if d_crop <= r:
        return d_crop, phd, "crop"
    best = min(d_crop, d_dih)
    if phd is not None and phd <= t.phash_radius and best <= t.phash_confirm_pdq:
        return best, phd, "phash"
    return None


def compare_codes(a: MediaCodes, b: MediaCodes, t: Thresholds | None = None) -> Match | None:
    """:func:`compare` on two :class:`MediaCodes`; the match is ordered by sha256.

    >>> z = "0" * 64
    >>> a = MediaCodes("a", z, [z], [TAG_PDQ])
    >>> b = MediaCodes("b", "f" + "0" * 63, ["f" + "0" * 63], [TAG_PDQ])
    >>> compare_codes(a, b)
    Match(a='a', b='b', pdq_distance=4, phash_distance=None, method='pdq')
    """
    res = compare(_Packed.of(a), _Packed.of(b), t or Thresholds.of())
    if res is None:
        return None
    x, y = sorted((a.sha256, b.sha256))
    return Match(x, y, res[0], res[1], res[2])


# ----------------------------------------------------------------------------- index


@dataclass
class Probes:
    """Every indexed image's PDQ (uint8 rows and owners), searched among the variants."""

    pdq_ids: list[str] = field(default_factory=list)
    pdq: np.ndarray = field(default_factory=lambda: np.empty((0, 32), np.uint8))

    def add(self, page: Sequence[MediaCodes]) -> None:
        if page:
            self.pdq_ids += [c.sha256 for c in page]
            self.pdq = np.concatenate([self.pdq, parse_hashes([c.pdq for c in page], 256)])


@dataclass
class NearDupIndex:
    """The three hash indexes, keyed by sha256."""

    stored: HashIndex = field(default_factory=lambda: HashIndex(256))
    variants: HashIndex = field(default_factory=lambda: HashIndex(256))
    phash: HashIndex = field(default_factory=lambda: HashIndex(64))
    #: Where and as what this index was last read or saved (its parts' digests, tails and
    #: whole sizes): a save then writes tails only (:meth:`save`).
    _origin: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.stored)

    @property
    def n_codes(self) -> int:
        return self.stored.n_codes + self.variants.n_codes + self.phash.n_codes

    @property
    def ids(self) -> list[str]:
        return self.stored.ids

    def add(self, codes: Iterable[MediaCodes]) -> None:
        ids_s: list[str] = []
        hex_s: list[str] = []
        ids_v: list[str] = []
        hex_v: list[str] = []
        ids_p: list[str] = []
        hex_p: list[str] = []
        for c in codes:
            ids_s += [c.sha256] * len(c.stored)
            hex_s += c.stored
            ids_v += [c.sha256] * len(c.variants)
            hex_v += c.variants
            if c.phash:
                ids_p.append(c.sha256)
                hex_p.append(c.phash)
        self.stored.add(ids_s, hex_s)
        self.variants.add(ids_v, hex_v)
        self.phash.add(ids_p, hex_p)

    def prepare(self, t: Thresholds) -> NearDupIndex:
        """Build the search tables now (a :class:`HashIndex` builds them lazily, which
        concurrent searches of the app's sessions would race to do); returns self."""
        for idx, radius in (
            (self.stored, t.pdq_radius),
            (self.variants, t.pdq_radius),
            (self.phash, t.phash_radius),
        ):
            if idx.n_codes:
                # the plan depends on the queries per call: one hash, or a file's ~40
                for m in {idx.plan(radius, batch=b).m for b in (1, 64)}:
                    idx.build(radius, m=m, method="mih")
        return self

    def remove(self, sha256s: Sequence[str]) -> None:
        shas = list(sha256s)
        if shas:
            for idx in (self.stored, self.variants, self.phash):
                idx.remove(shas)

    def candidates(self, t: Thresholds, probes: Probes) -> set[tuple[str, str]]:
        """Every pair that may match (a superset of the matches), each ordered.

        ``probes``: every indexed image's PDQ, as collected by :func:`build_index`.
        """
        out: set[tuple[str, str]] = set()
        if self.stored.n_codes:
            for a, b, _ in self.stored.pairs(t.pdq_radius):
                out.add((a, b) if a < b else (b, a))
        if self.variants.n_codes and probes.pdq_ids:
            hits = self.variants.search(probes.pdq, t.pdq_radius)
            for a, found in zip(probes.pdq_ids, hits, strict=True):
                for b, _ in found:
                    if a != b:
                        out.add((a, b) if a < b else (b, a))
        if self.phash.n_codes:
            for a, b, _ in self.phash.pairs(t.phash_radius):
                out.add((a, b) if a < b else (b, a))
        return out

    def search(self, codes: Sequence[MediaCodes], t: Thresholds) -> list[set[str]]:
        """Candidate sha256s for each query (a superset of the matches)."""
        out: list[set[str]] = [set() for _ in codes]

        def run(index: HashIndex, items: list[tuple[int, str]], radius: int) -> None:
            if not items or not index.n_codes:
                return
            for (qi, _), hits in zip(
                items, index.search([h for _, h in items], radius), strict=True
            ):
                out[qi].update(h for h, _ in hits)

        r = t.pdq_radius
        run(self.stored, [(i, h) for i, c in enumerate(codes) for h in c.stored], r)
        # variants x PDQ: the stored index holds every PDQ (and more, decided later)
        run(self.stored, [(i, h) for i, c in enumerate(codes) for h in c.variants], r)
        run(self.variants, [(i, c.pdq) for i, c in enumerate(codes) if c.pdq], r)
        run(self.phash, [(i, c.phash) for i, c in enumerate(codes) if c.phash], t.phash_radius)
        for i, c in enumerate(codes):
            out[i].discard(c.sha256)
        return out

    # -------------------------------------------------------------- persistence

    def _parts(self) -> dict[str, HashIndex]:
        return {"stored": self.stored, "variants": self.variants, "phash": self.phash}

    def save(self, directory: Path, state: dict[str, Any]) -> None:
        """Save with ``state``: only what was added since this index was read from
        ``directory`` (a tail per part: 40 codes for a one-picture load, where the whole
        index is 200 MB at 1M media) when nothing was removed, the saved state is still
        the one read, and the tails stay small; else the whole index."""
        directory.mkdir(parents=True, exist_ok=True)
        if not self._save_tails(directory, state):
            self._save_whole(directory, state)

    def _save_whole(self, directory: Path, state: dict[str, Any]) -> None:
        # each file is tied to the state by the digest of its arrays (its fingerprint, a
        # sort of every code, is not needed for that)
        digests = {
            name: idx.save(directory / f"{name}.npz", fingerprint=False)
            for name, idx in self._parts().items()
        }
        self._write_state(directory, state, digests, {})
        for old in directory.glob("*.npz"):
            if old.stem not in digests:  # tails and parts of older formats
                old.unlink(missing_ok=True)

    def _save_tails(self, directory: Path, state: dict[str, Any]) -> bool:
        origin = self._origin
        if origin is None or origin.get("directory") != str(directory):
            return False
        try:
            on_disk = json.loads((directory / "state.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if (on_disk.get("digests"), on_disk.get("tails", {})) != (
            origin["digests"],
            origin["tails"],
        ):
            return False  # saved again by another process since this one read it
        parts = self._parts()
        added: dict[str, tuple[int, int]] = {}
        for name, idx in parts.items():
            a = idx.appended
            if a is None:
                return False  # a removal: the whole index
            added[name] = a
        tails = {k: [list(t) for t in v] for k, v in origin["tails"].items()}
        for name in parts:
            old = tails.get(name, [])
            codes = sum(int(t[2]) for t in old) + added[name][0]
            limit = max(TAIL_MIN_CODES, int(origin["whole"].get(name, 0)) // 20)
            if len(old) >= TAIL_MAX_FILES or codes > limit:
                return False
        token = secrets.token_hex(6)
        for name, idx in parts.items():
            n_codes, n_ids = added[name]
            if n_codes or n_ids:
                file = f"{name}.t{token}.npz"
                digest = idx.save_tail(directory / file)
                tails.setdefault(name, []).append([file, digest, n_codes])
        self._write_state(directory, state, origin["digests"], tails, whole=origin["whole"])
        return True

    def _write_state(
        self,
        directory: Path,
        state: dict[str, Any],
        digests: dict[str, str],
        tails: dict[str, list[list[Any]]],
        whole: dict[str, int] | None = None,
    ) -> None:
        whole = whole or {name: idx.n_codes for name, idx in self._parts().items()}
        state = {
            **state,
            "format": _STATE_FORMAT,
            "digests": digests,
            "tails": tails,
            "whole": whole,
            "media": len(self),
        }
        tmp = directory / "state.json.tmp"
        tmp.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
        tmp.replace(directory / "state.json")
        self._origin = {
            "directory": str(directory),
            "digests": digests,
            "tails": tails,
            "whole": whole,
        }

    @classmethod
    def load(cls, directory: Path) -> tuple[NearDupIndex, dict[str, Any]] | None:
        """The saved index and its state, or None when missing or damaged."""
        try:
            state = json.loads((directory / "state.json").read_text(encoding="utf-8"))
            ties = _STATE_FORMATS.get(state.get("format"))
            if ties is None:
                return None
            expect = "expected_digest" if ties == "digests" else "expected_fingerprint"
            parts = {
                name: HashIndex.load(directory / f"{name}.npz", **{expect: tie})
                for name, tie in state[ties].items()
            }
            tails = state.get("tails") or {}
            for name, files in tails.items():
                for file, digest, _codes in files:
                    parts[name].append_tail(directory / file, expected_digest=digest)
            idx = cls(stored=parts["stored"], variants=parts["variants"], phash=parts["phash"])
            if ties == "digests" and isinstance(state.get("whole"), dict):
                idx._origin = {
                    "directory": str(directory),
                    "digests": state[ties],
                    "tails": tails,
                    "whole": state["whole"],
                }
        except (OSError, ValueError, KeyError, StaleIndex, GraphError) as e:
            log.info("near-duplicate index not usable (%s): rebuilding", type(e).__name__)
            return None
        return idx, state


# ----------------------------------------------------------------------------- graph I/O


def index_dir(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).home / "index"


def read_pages(
    driver: neo4j.Driver,
    query: str,
    name: str,
    parse: Callable[..., Any],
    min_quality: int,
    *,
    page: int = _PAGE,
) -> Iterator[list[Any]]:
    """``parse(row, min_quality)`` of every row of ``query`` (keyset pagination on
    sha256, ``$after`` and ``$batch``), a page at a time; rows it returns None for are
    left out. Shared by the image and the video indexes."""
    after = ""
    while True:
        rows = db.records(driver, query, name=name, minQuality=min_quality, after=after, batch=page)
        if not rows:
            return
        yield [c for r in rows if (c := parse(r, min_quality)) is not None]
        after = rows[-1]["sha256"]
        if len(rows) < page:
            return


def read_by_sha(
    driver: neo4j.Driver,
    query: str,
    name: str,
    parse: Callable[..., Any],
    sha256s: Iterable[str],
    min_quality: int,
    *,
    page: int = _PAGE,
) -> dict[str, Any]:
    """``parse(row, min_quality)`` of the given media by sha256 (``$sha256s``), a page
    of them per query; media it returns None for are left out."""
    shas = sorted(set(sha256s))
    out: dict[str, Any] = {}
    for i in range(0, len(shas), page):
        rows = db.records(
            driver, query, name=name, sha256s=shas[i : i + page], minQuality=min_quality
        )
        for r in rows:
            c = parse(r, min_quality)
            if c is not None:
                out[c.sha256] = c
    return out


def iter_codes(driver: neo4j.Driver, t: Thresholds) -> Iterator[list[MediaCodes]]:
    """Every eligible image's codes, a page at a time (keyset pagination on sha256)."""
    yield from read_pages(
        driver, queries.neardup_media_codes(), "neardup.codes", MediaCodes.from_row, t.min_quality
    )


def codes_of(driver: neo4j.Driver, sha256s: Iterable[str], t: Thresholds) -> dict[str, MediaCodes]:
    """Codes of the given media that are eligible (others are left out)."""
    return read_by_sha(
        driver,
        queries.neardup_media_codes_by_sha(),
        "neardup.codes_by_sha",
        MediaCodes.from_row,
        sha256s,
        t.min_quality,
    )


def graph_state(driver: neo4j.Driver, name: str, min_quality: int) -> dict:
    """What a saved index must match: server, quality floor and the media indexes'
    version (:mod:`graph.indexversion`: one indexed read, no scan of the media). Shared
    by the image and video indexes; keys starting with ``_`` are not saved."""
    s = get_settings()
    epoch, version = indexversion.current(driver)
    return {
        "server": s.neo4j_uri or s.local_uri,
        "database": db.database(s),
        "minQuality": min_quality,
        "epoch": epoch,
        "version": version,
    }


def _graph_state(driver: neo4j.Driver, t: Thresholds) -> dict[str, Any]:
    return graph_state(driver, "neardup", t.min_quality)


def same_state(saved: dict[str, Any], current: dict[str, Any], own: Iterable[int] = ()) -> bool:
    """Same server, quality floor and epoch, and every version after the saved one is
    one of ``own`` (a load's or an edit's, whose media the caller re-applies); with no
    ``own``, the same version."""
    keys = ("server", "database", "minQuality", "epoch")
    if any(saved.get(k) != current.get(k) for k in keys):
        return False
    sv, cv = saved.get("version"), current.get("version")
    if not isinstance(sv, int) or not isinstance(cv, int):
        return False
    return indexversion.accounted(sv, cv, own)


def memo_key(directory: Path, state: dict[str, Any]) -> str:
    """The in-process memo key of an index saved in ``directory`` for ``state``."""
    return json.dumps(
        [str(directory), {k: v for k, v in state.items() if not k.startswith("_")}],
        sort_keys=True,
    )


_MATCHES = "pairs.json"


def _save(
    idx: NearDupIndex,
    state: dict[str, Any],
    pairs: dict[tuple[str, str], Match] | None = None,
    t: Thresholds | None = None,
) -> None:
    """Save the index with ``state``; with ``pairs``, also every pair it yields (what
    :func:`rebuild` starts from). Pairs saved for another state are never used: they
    carry the epoch and version they reflect, checked by :func:`_load_matches`."""
    d = index_dir()
    if pairs is not None and t is not None:
        d.mkdir(parents=True, exist_ok=True)
        body = {
            "epoch": state.get("epoch"),
            "version": state.get("version"),
            "thresholds": list(dataclasses.astuple(t)),
            "pairs": [
                [m.a, m.b, m.pdq_distance, m.phash_distance, m.method] for m in pairs.values()
            ],
        }
        tmp = d / f"{_MATCHES}.tmp"
        tmp.write_text(json.dumps(body), encoding="utf-8")
        tmp.replace(d / _MATCHES)
    idx.save(d, {k: v for k, v in state.items() if not k.startswith("_")})


def _load_matches(saved: dict[str, Any], t: Thresholds) -> dict[tuple[str, str], Match] | None:
    """The pairs saved with the index whose state is ``saved``, or None."""
    try:
        body = json.loads((index_dir() / _MATCHES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = (body.get("epoch"), body.get("version")) == (saved.get("epoch"), saved.get("version"))
    if not same or body.get("thresholds") != list(dataclasses.astuple(t)):
        return None
    return {(a, b): Match(a, b, d, p, m) for a, b, d, p, m in body.get("pairs", [])}


def build_index(driver: neo4j.Driver, t: Thresholds | None = None) -> tuple[NearDupIndex, Probes]:
    """A fresh index from the graph, with the hashes to probe it with."""
    t = t or Thresholds.of()
    idx = NearDupIndex()
    probes = Probes()
    for page in iter_codes(driver, t):
        idx.add(page)
        probes.add(page)
    return idx, probes


#: The last index :func:`ensure_index` returned, with the state it matched (a process
#: that triages many files, such as the app, does not reload it from disk each time).
_MEMO: dict[str, Any] = {}


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def index_lock(directory: Path) -> Iterator[None]:
    """One builder at a time for the index saved in ``directory``: a lock for the
    threads of this process (the app's sessions) and a file lock for other processes, so
    that concurrent first triages wait for one rebuild instead of each doing it."""
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(str(directory), threading.Lock())
    directory.parent.mkdir(parents=True, exist_ok=True)
    with lock, open(directory.parent / f"{directory.name}.lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_saved(
    state: dict[str, Any],
    directory: Path,
    memo: dict[str, Any],
    load: Callable[[Path], tuple[Any, dict[str, Any]] | None],
    build: Callable[[], Any],
    save: Callable[[Any], None],
) -> Any:
    """The index in ``memo`` or saved in ``directory`` when it matches ``state``, else
    ``build()`` (then ``save``d); one builder at a time (:func:`index_lock`). Shared by
    the image and the video indexes."""
    key = memo_key(directory, state)
    if memo.get("key") == key:
        return memo["index"]
    with index_lock(directory):
        if memo.get("key") == key:  # another session built it while this one waited
            return memo["index"]
        loaded = load(directory)
        if loaded is not None and same_state(loaded[1], state):
            idx = loaded[0]
        else:
            idx = build()
            save(idx)
        memo.update(key=key, index=idx)
    return idx


def ensure_index(driver: neo4j.Driver, t: Thresholds | None = None) -> NearDupIndex:
    """The saved index when it reflects the graph, else one rebuilt (and saved) from it."""
    t = t or Thresholds.of()
    state = _graph_state(driver, t)

    def load(directory: Path) -> tuple[NearDupIndex, dict[str, Any]] | None:
        loaded = NearDupIndex.load(directory)
        return (loaded[0].prepare(t), loaded[1]) if loaded else None

    return ensure_saved(
        state,
        index_dir(),
        _MEMO,
        load,
        lambda: build_index(driver, t)[0].prepare(t),
        lambda idx: _save(idx, state),
    )


# ----------------------------------------------------------------------------- matching


def decide(
    pairs: Iterable[tuple[str, str]], codes: dict[str, MediaCodes], t: Thresholds
) -> dict[tuple[str, str], Match]:
    """Decide candidate pairs with :func:`compare`; pairs with unknown codes are dropped."""
    packed: dict[str, _Packed] = {}

    def pk(sha: str) -> _Packed:
        p = packed.get(sha)
        if p is None:
            p = packed[sha] = _Packed.of(codes[sha])
        return p

    out: dict[tuple[str, str], Match] = {}
    for a, b in pairs:
        if a not in codes or b not in codes:
            continue
        res = compare(pk(a), pk(b), t)
        if res is not None:
            out[(a, b)] = Match(a, b, *res)
    return out


def _existing_edges(
    driver: neo4j.Driver, sha256s: Sequence[str] | None
) -> dict[tuple[str, str], tuple]:
    if sha256s is None:
        rows = db.records(driver, queries.neardup_edges(), name="neardup.edges")
    else:
        rows = []
        shas = sorted(set(sha256s))
        for i in range(0, len(shas), _PAGE):
            rows += db.records(
                driver,
                queries.neardup_edges_of(),
                name="neardup.edges_of",
                sha256s=shas[i : i + _PAGE],
            )
    return {
        (r["a"], r["b"]): (r["pdqDistance"], r["phashDistance"], r["method"])
        for r in rows
        if r["method"] not in VIDEO_METHODS  # pairs with a video: graph/videomatch.py
    }


def _write_diff(
    driver: neo4j.Driver,
    new: dict[tuple[str, str], Match],
    old: dict[tuple[str, str], tuple],
) -> tuple[int, int, set[str]]:
    """Write what changed; return (written, deleted, media whose edges changed)."""
    changed: set[str] = set()
    gone = [k for k in old if k not in new]
    put = [m for k, m in new.items() if old.get(k) != (m.pdq_distance, m.phash_distance, m.method)]
    for i in range(0, len(gone), _WRITE_BATCH):
        rows = [{"a": a, "b": b} for a, b in gone[i : i + _WRITE_BATCH]]
        db.write(driver, queries.near_duplicate_delete(), rows=rows, name="neardup.delete")
    for i in range(0, len(put), _WRITE_BATCH):
        rows = [m.as_row() for m in put[i : i + _WRITE_BATCH]]
        db.write(driver, queries.neardup_write_edges(), rows=rows, name="neardup.merge")
    for a, b in gone:
        changed |= {a, b}
    for m in put:
        changed |= {m.a, m.b}
    return len(put), len(gone), changed


@dataclass
class NearDupReport:
    full: bool
    media_indexed: int = 0
    #: media whose codes were read from Neo4j (all of them when the index was read from
    #: the graph; from the saved index, only those touched since and their candidates)
    media_read: int = 0
    candidates: int = 0
    matches: int = 0
    written: int = 0
    deleted: int = 0
    changed_media: set[str] = field(default_factory=set)
    seconds: dict[str, float] = field(default_factory=dict)
    by_method: dict[str, int] = field(default_factory=dict)


def rebuild(
    driver: neo4j.Driver,
    t: Thresholds | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    from_scratch: bool = False,
) -> NearDupReport:
    """Recompute every pair and write what changed.

    When the saved index and its pairs reflect the graph at a version from which only
    loads led to the current one, the index is brought forward with the media those
    loads touched (read from Neo4j) and only their pairs are searched again; the other
    pairs come from the saved ones. Otherwise (or ``from_scratch``) the index is read
    from the graph and every pair searched. Either way every ``NEAR_DUPLICATE`` edge is
    compared with the result, so edges that drifted are repaired.
    """
    t = t or Thresholds.of()
    rep = NearDupReport(full=True)
    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    state = _graph_state(driver, t)
    # the media count the index reflects, for the next update's check (update)
    state["mediaTotal"] = media_total(driver)
    saved = None if from_scratch else _rebuild_from_saved(driver, t, state, rep, say)
    idx: NearDupIndex | None = None
    new: dict[tuple[str, str], Match]
    unchanged = False
    if saved is None:
        say("reading hashes")
        idx, probes = build_index(driver, t)
        rep.media_indexed = rep.media_read = len(idx)
        rep.seconds["read"] = time.perf_counter() - t0
        t1, c1 = time.perf_counter(), time.process_time()
        say(f"searching {idx.n_codes:,} hashes of {len(idx):,} images")
        cand = idx.candidates(t, probes)
        del probes
        rep.candidates = len(cand)
        rep.seconds["search"] = time.perf_counter() - t1
        # CPU seconds of every thread of this process: comparable on a busy shared machine.
        rep.seconds["search_cpu"] = time.process_time() - c1
        t2 = time.perf_counter()
        codes = codes_of(driver, {x for pair in cand for x in pair}, t)
        new = decide(cand, codes, t)
        rep.seconds["decide"] = time.perf_counter() - t2
    else:
        new, idx, unchanged = saved
    rep.matches = len(new)
    t3 = time.perf_counter()
    say(f"writing {len(new):,} near-duplicate pairs")
    old = _existing_edges(driver, None)
    rep.written, rep.deleted, rep.changed_media = _write_diff(driver, new, old)
    rep.seconds["write"] = time.perf_counter() - t3
    # Unchanged: the saved index and pairs are already those of this state (saved again
    # only to add the digests of an index written before them, graph/ndindex.py).
    if (
        not unchanged
        or not _digests_saved(index_dir())
        or _saved_media_total(index_dir()) != state["mediaTotal"]
    ):
        _save(idx, state, new, t)
    rep.seconds["total"] = time.perf_counter() - t0
    for m in new.values():
        rep.by_method[m.method] = rep.by_method.get(m.method, 0) + 1
    return rep


def _candidate_pairs(
    idx: NearDupIndex, items: list[MediaCodes], t: Thresholds
) -> set[tuple[str, str]]:
    """Every pair (ordered) of a searched media and a media the index finds for it."""
    found = idx.search(items, t) if items and len(idx) else [set() for _ in items]
    return {
        (a, b) if a < b else (b, a)
        for q, hits in zip(items, found, strict=True)
        for a, b in ((q.sha256, h) for h in hits)
    }


def _digests_saved(directory: Path) -> bool:
    """Whether every part of the saved index carries the digest its load checks."""
    try:
        return all("digest" in HashIndex.read_meta(f) for f in directory.glob("*.npz"))
    except (OSError, ValueError, GraphError):
        return False


def _rebuild_from_saved(
    driver: neo4j.Driver,
    t: Thresholds,
    state: dict[str, Any],
    rep: NearDupReport,
    say: Callable[[str], None],
) -> tuple[dict[tuple[str, str], Match], NearDupIndex, bool] | None:
    """The pairs from the saved index and pairs, brought forward over the loads since
    (``None`` when they cannot be: no saved pairs, other thresholds, another write), and
    whether they are the saved ones unchanged (no load since, the same version)."""
    t0 = time.perf_counter()
    loaded = NearDupIndex.load(index_dir())
    if loaded is None:
        return None
    idx, saved = loaded
    pairs = _load_matches(saved, t)
    if pairs is None or not isinstance(saved.get("version"), int):
        return None
    rows = db.records(
        driver, queries.neardup_loads_since(), name="neardup.since", version=saved["version"]
    )
    own: set[int] = set()
    for r in rows:
        own |= set(range(int(r["begin"]), int(r["finish"] or r["begin"]) + 1))
    if not same_state(saved, state, own):
        return None
    touched = sorted({m for r in rows for m in touched_media(driver, r["id"])})
    say(f"saved index: {len(idx):,} images, {len(touched):,} touched since by {len(rows)} load(s)")
    codes = codes_of(driver, touched, t)
    idx.remove(touched)
    idx.add(codes.values())
    if len(idx) != eligible_count(driver, t):
        log.info("saved near-duplicate index differs from the graph: reading it again")
        return None
    rep.media_indexed = len(idx)
    rep.seconds["read"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    cand = _candidate_pairs(idx, list(codes.values()), t)
    rep.candidates = len(cand)
    rep.seconds["search"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    others = {x for pair in cand for x in pair} - set(codes)
    new = decide(cand, {**codes, **codes_of(driver, others, t)}, t)
    rep.media_read = len(touched) + len(others)
    gone = set(touched)
    for k, m in pairs.items():
        if k[0] not in gone and k[1] not in gone:
            new[k] = m
    rep.seconds["decide"] = time.perf_counter() - t2
    unchanged = not touched and saved.get("version") == state.get("version")
    return new, idx, unchanged


def update(
    driver: neo4j.Driver,
    sha256s: Iterable[str],
    load_id: str | None,
    *,
    own: Iterable[int] = (),
    media_delta: int | None = None,
) -> NearDupReport:
    """Bring the index and ``NEAR_DUPLICATE`` up to date for media a load touched, or
    (``load_id`` None) media an edit changed (a hash set's thresholds or non-pertinence;
    ``own``: the index versions the edit produced).

    Falls back to :func:`rebuild` when the saved index does not reflect the graph as it
    was before this load or edit: another database or quality floor, or a version
    produced by some other write since it was saved (:mod:`graph.indexversion`), or when
    the index does not hold as many media as the graph after the update.

    That last check counts the eligible media in Neo4j (every media read: 2.5 s at 1M).
    ``media_delta``: the Media nodes the load(s) created less those they deleted (a
    ``load media``'s writer counts them, ``loaders.media_write.MEDIA_COUNTERS``). When the
    store's media count (Neo4j's count store, no media read) is the one the saved index
    recorded plus that delta, nothing else added or removed media since, and the count is
    not made; otherwise it is.
    """
    t = Thresholds.of()
    t0 = time.perf_counter()
    state = _graph_state(driver, t)
    mine = set(own) | indexversion.of_load(driver, load_id)
    state["mediaTotal"] = media_total(driver)
    recorded = _saved_media_total(index_dir())
    accounted = (
        media_delta is not None
        and recorded is not None
        and state["mediaTotal"] == recorded + media_delta
    )
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cluegraph-count") as pool:
        # The check's count reads every media in Neo4j (2-3 s at 1M): it runs while this
        # process reads the saved index, searches it and writes the new pairs, and is
        # awaited only before the index is saved. A count that disagrees means the index
        # missed a write: the rebuild then rewrites every pair, these included.
        eligible = None if accounted else pool.submit(eligible_count, driver, t)
        loaded = NearDupIndex.load(index_dir())
        if loaded is None or not same_state(loaded[1], state, mine):
            if eligible is not None:
                eligible.cancel()
            return rebuild(driver, t)
        idx, _saved = loaded
        if eligible is None and _saved.get("mediaTotal") != recorded:
            # the saved index changed between the two reads (another process saved it)
            eligible = pool.submit(eligible_count, driver, t)
        touched = sorted(set(sha256s))
        rep = NearDupReport(full=False)
        codes = codes_of(driver, touched, t)
        idx.remove(touched)
        idx.add(codes.values())
        rep.media_indexed = len(codes)
        cand = _candidate_pairs(idx, list(codes.values()), t)
        rep.candidates = len(cand)
        others = {x for pair in cand for x in pair} - set(codes)
        all_codes = {**codes, **codes_of(driver, others, t)}
        new = decide(cand, all_codes, t)
        rep.matches = len(new)
        old = _existing_edges(driver, touched)
        rep.written, rep.deleted, rep.changed_media = _write_diff(driver, new, old)
        if eligible is not None and len(idx) != eligible.result():
            log.info("near-duplicate index differs from the graph after %s: rebuilding", load_id)
            return rebuild(driver, t)
    # The saved pairs follow: those of untouched media stay, the touched media's are new.
    pairs = _load_matches(_saved, t)
    if pairs is not None:
        gone = set(touched)
        pairs = {k: m for k, m in pairs.items() if k[0] not in gone and k[1] not in gone}
        pairs.update(new)
    _save(idx, state, pairs, t)
    rep.seconds["total"] = time.perf_counter() - t0
    return rep


def media_total(driver: neo4j.Driver) -> int:
    """Every Media node of the store, from Neo4j's count store (no media read)."""
    rows = db.records(driver, queries.neardup_media_total(), name="neardup.total")
    return int(rows[0]["n"]) if rows else 0


def _saved_media_total(directory: Path) -> int | None:
    """The media count the saved index's state recorded (None: none, or unreadable)."""
    try:
        value = json.loads((directory / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    total = value.get("mediaTotal") if isinstance(value, dict) else None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def eligible_count(driver: neo4j.Driver, t: Thresholds) -> int:
    """How many media the index must hold (a check after an incremental update)."""
    rows = db.records(
        driver, queries.neardup_eligible_count(), name="neardup.count", minQuality=t.min_quality
    )
    return int(rows[0]["n"]) if rows else 0


def note_load(driver: neo4j.Driver, load_id: str) -> NearDupReport | None:
    """Record in the saved state a load that touched no media (clues, victims, cases).

    Nothing to search; only the state learns the versions the load produced, so that the
    next search does not take the index for stale. Rebuilds when the saved index is stale
    for another reason. Returns None when nothing had to be rebuilt.
    """
    t = Thresholds.of()
    state = _graph_state(driver, t)
    path = index_dir() / "state.json"
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return rebuild(driver, t)
    mine = indexversion.of_load(driver, load_id)
    if saved.get("format") not in _STATE_FORMATS or not same_state(saved, state, mine):
        return rebuild(driver, t)
    new = {**saved, **{k: v for k, v in state.items() if not k.startswith("_")}}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(new, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
    return None


def touched_media(driver: neo4j.Driver, load_id: str, *, media_only: bool = False) -> list[str]:
    """Media a load wrote, or whose relationships it wrote (series, hash sets, ...).

    ``media_only``: the load wrote nothing but its media and relationships from them (a
    :data:`graph.links.MEDIA_ONLY_KINDS` load): its media are found by their ``loadId``
    alone, a query that plans in milliseconds where the general one takes 0.1-0.3 s each
    time a small store's statistics move."""
    query = queries.neardup_touched_media_of_folder if media_only else queries.neardup_touched_media
    rows = db.records(driver, query(), name="neardup.touched", loadId=load_id)
    return [r["sha256"] for r in rows if r["sha256"]]


def search(driver: neo4j.Driver, items: Sequence[MediaCodes]) -> list[list[Match]]:
    """Near matches of query codes among the graph's media (triage); reads only.

    Each match is oriented with ``a`` = the query's key and ``b`` = the graph's sha256.
    """
    t = Thresholds.of()
    if not items:
        return []
    idx = ensure_index(driver, t)
    if not len(idx):
        return [[] for _ in items]
    found = idx.search(list(items), t)
    graph_codes = codes_of(driver, {h for hits in found for h in hits}, t)
    out: list[list[Match]] = []
    for q, hits in zip(items, found, strict=True):
        pq = _Packed.of(q)
        res: list[Match] = []
        for h in sorted(hits):
            if h not in graph_codes:
                continue
            r = compare(pq, _Packed.of(graph_codes[h]), t)
            if r is not None:
                res.append(Match(q.sha256, h, *r))
        res.sort(key=lambda m: (METHODS.index(m.method), m.pdq_distance, m.b))
        out.append(res)
    return out


def phash_candidates(driver: neo4j.Driver, phashes: Sequence[str]) -> list[list[tuple[str, int]]]:
    """Media whose pHash is within ``phash_radius`` of each query (unconfirmed)."""
    t = Thresholds.of()
    idx = ensure_index(driver, t)
    if not idx.phash.n_codes:
        return [[] for _ in phashes]
    bad = [p for p in phashes if _hex(p, 16) is None]
    if bad:
        raise InvalidInput(f"not a 16-digit hex pHash: {bad[0]!r}")
    return idx.phash.search([p.lower() for p in phashes], t.phash_radius)
