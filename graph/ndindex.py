"""Exact Hamming radius search over binary image hashes (PDQ 256-bit, pHash 64-bit).

``HashIndex`` answers two questions the link engine asks about a collection:

- ``search(queries, radius)``: which ids hold a code within ``radius`` bits of each query;
- ``pairs(radius)``: every unordered pair of ids whose codes lie within ``radius`` bits.

Both are exact: every code within the radius is returned, nothing beyond it. Two paths
give the same answers:

``'flat'``
    faiss ``IndexBinaryFlat``: a brute-force scan with hardware popcount, the reference.
    Its ``range_search`` keeps distances strictly below its radius, so it is given
    ``radius + 1``.
``'mih'``
    Multi-index hashing (Norouzi, Punjani & Fleet, 2012). The code is cut into ``m``
    substrings with thresholds ``t_j`` such that ``sum(t_j + 1) > radius``; by the
    pigeonhole principle a code within ``radius`` differs by at most ``t_j`` bits from the
    query on at least one substring ``j``. Each substring has a table (codes sorted by
    substring value, with bucket offsets); a query probes every bucket within ``t_j`` bits
    of its own substring, and each candidate is verified with a full popcount. Candidates
    that are probed but too far are dropped, so no approximation enters.

``'auto'`` (the default) picks ``m`` and MIH or flat with a cost model (``_COSTS``,
fitted to measurements on a 2-core AMD EPYC; ``bench/bench_ndindex.py`` prints the model
next to measured times for several ``m``). Then, for every batch of queries, it compares
the exact number of MIH candidates (known once the buckets are looked up, before any is
verified) with the cost of a flat scan and takes the cheaper, so crowded buckets (many
near-identical images) fall back to the scan instead of blowing up.

A ``HashIndex`` is not safe for concurrent use: searches build tables lazily. Call
``build(radius)`` for the radius you use, then share it read-only, or give each thread
its own.

An id may carry several codes (dihedral variants, trimmed and cropped hashes of one
image); results give the minimum distance per (query, id) and per pair of ids.

>>> index = HashIndex(64)
>>> index.add(["a", "b"], ["0000000000000000", "0000000000000003"])
>>> index.search(["0000000000000001"], radius=1)
[[('a', 1), ('b', 1)]]
>>> list(index.pairs(radius=2))
[('a', 'b', 2)]
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import faiss
import numba
import numpy as np

from graph.errors import GraphError, InvalidInput

__all__ = [
    "HashIndex",
    "InvalidHash",
    "StaleIndex",
    "parse_hashes",
    "PDQ_BITS",
    "PHASH_BITS",
    "PDQ_RADIUS",
    "PHASH_RADIUS",
]

PDQ_BITS = 256
PHASH_BITS = 64
PDQ_RADIUS = 31  # SPEC "Links between series": near_duplicate when PDQ distance <= 31
PHASH_RADIUS = 8  # ... and a pHash distance <= 8 is a candidate

Method = Literal["auto", "mih", "flat"]
_METHODS = ("auto", "mih", "flat")
_FORMAT = "cluegraph-ndindex/1"

# Cost model (nanoseconds per query), fitted to measurements on the 2-core AMD EPYC
# development machine (bench/bench_ndindex.py and its sweep of `m` reproduce them). Random
# reads dominate MIH, so its costs grow with the bytes they hit: `_miss(bytes)` goes from 0
# (fits in cache) towards 1 (every read misses).
_COSTS = {
    "flat_per_code": 0.6,  # faiss IndexBinaryFlat scan, per stored code
    "flat_per_call": 15_000.0,  # faiss call, per batch
    "probe": 15.0,  # one bucket lookup in a direct offset table, cached ...
    "probe_miss": 80.0,  # ... plus this times _miss(offset tables)
    "probe_sorted": 500.0,  # one bucket lookup by binary search over sorted keys
    "cand": 10.0,  # verify one candidate (gather, xor, popcount), cached ...
    "cand_miss": 35.0,  # ... plus this times _miss(codes)
    "mih_per_call": 60_000.0,  # numpy calls, per batch
}
_CACHE_BYTES = 4 << 20


def _miss(nbytes: float) -> float:
    return nbytes / (nbytes + _CACHE_BYTES)


_FAISS_PARALLEL_MIN_QUERIES = 64  # smaller batches run faiss on one thread
_DIRECT_MAX_WIDTH = 20  # substrings up to 2**20 values get a direct offset table
_MAX_WIDTH = 32  # substring keys are uint32
_MAX_PROBES_PER_QUERY = 200_000
_BATCH_CANDIDATES = 1 << 20  # queries per batch: about this many expected candidates
_BLOCK_CANDIDATES = 1 << 16  # candidates verified per numpy block (temporaries stay in cache)


class InvalidHash(InvalidInput, ValueError):
    """A code, id list, radius or method was refused; the message names which and where."""


class StaleIndex(GraphError):
    """A saved index does not match the fingerprint or version the caller expected."""


# --------------------------------------------------------------------------- parsing

_HEX_LUT = np.full(129, 255, dtype=np.uint8)
for _i, _c in enumerate("0123456789abcdef"):
    _HEX_LUT[ord(_c)] = _i
    _HEX_LUT[ord(_c.upper())] = _i


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def parse_hashes(
    codes: Sequence[str] | np.ndarray, bits: int, *, what: str = "hexes"
) -> np.ndarray:
    """Turn hex strings (or an ``(n, bits // 8)`` uint8 array) into a uint8 array.

    Parameters
    ----------
    codes: hex strings of ``bits // 4`` characters (either case), or a uint8 array.
    bits: code length in bits, a multiple of 8.
    what: the argument name used in error messages.

    Returns
    -------
    A C-contiguous ``(n, bits // 8)`` uint8 array, a copy of the input.

    Raises
    ------
    InvalidHash (a ValueError) naming the first bad position, e.g. ``hexes[3]``.

    >>> parse_hashes(["00ff", "A0B1"], 16).tolist()
    [[0, 255], [160, 177]]
    """
    nbytes = bits // 8
    if isinstance(codes, np.ndarray):
        if codes.dtype != np.uint8 or codes.ndim != 2 or codes.shape[1] != nbytes:
            raise InvalidHash(
                f"{what}: expected a uint8 array of shape (n, {nbytes}), "
                f"got {codes.dtype} {codes.shape}"
            )
        return np.ascontiguousarray(codes).copy()
    if isinstance(codes, str | bytes):
        raise InvalidHash(f"{what}: expected a list of hex strings, got a single string")
    n_chars = 2 * nbytes
    items = list(codes)
    if not items:
        return np.empty((0, nbytes), dtype=np.uint8)
    lengths = np.fromiter(
        (len(h) if isinstance(h, str) else -1 for h in items), dtype=np.int64, count=len(items)
    )
    bad = np.flatnonzero(lengths != n_chars)
    if bad.size:
        i = int(bad[0])
        raise InvalidHash(
            f"{what}[{i}]: {_short(items[i])} is not a {n_chars}-character hex string "
            f"({bits}-bit code)"
        )
    chars = np.array(items, dtype=f"<U{n_chars}").view(np.uint32).reshape(len(items), n_chars)
    nibbles = _HEX_LUT[np.minimum(chars, 128)]
    bad = np.flatnonzero((nibbles == 255).any(axis=1))
    if bad.size:
        i = int(bad[0])
        raise InvalidHash(
            f"{what}[{i}]: {_short(items[i])} contains a character that is not hexadecimal"
        )
    return np.ascontiguousarray((nibbles[:, 0::2] << 4) | nibbles[:, 1::2])


def _check_ids(ids: Sequence[str], what: str = "ids") -> list[str]:
    if isinstance(ids, str | bytes):
        raise InvalidHash(f"{what}: expected a list of id strings, got a single string")
    out = list(ids)
    for i, value in enumerate(out):
        if not isinstance(value, str) or not value:
            raise InvalidHash(f"{what}[{i}]: {_short(value)} is not a non-empty string")
    return out


# --------------------------------------------------------------------- MIH structures


def _substring_keys(codes: np.ndarray, bounds: Sequence[tuple[int, int]]) -> np.ndarray:
    """Substrings ``[start, end)`` of every code as uint32 keys, shape ``(n, len(bounds))``.

    Bit 0 is the most significant bit of byte 0 (the first hex digit). Each key is read
    from the five bytes starting at its first byte (zero padding past the end).
    """
    n, nbytes = codes.shape
    first = np.array([s // 8 for s, _ in bounds], dtype=np.int64)
    shift = np.array([40 - (e - 8 * (s // 8)) for s, e in bounds], dtype=np.uint64)
    mask = np.array([(1 << (e - s)) - 1 for s, e in bounds], dtype=np.uint64)
    padded = np.zeros((n, nbytes + 4), dtype=np.uint8)
    padded[:, :nbytes] = codes
    out = np.empty((n, len(bounds)), dtype=np.uint32)
    for lo in range(0, n, 1 << 16):  # bounded temporaries when building tables
        block = padded[lo : lo + (1 << 16)]
        value = np.zeros((block.shape[0], len(bounds)), dtype=np.uint64)
        for k in range(5):
            value <<= np.uint64(8)
            value |= block[:, first + k]
        out[lo : lo + (1 << 16)] = (value >> shift) & mask
    return out


@functools.lru_cache(maxsize=256)
def _probe_masks(width: int, threshold: int) -> np.ndarray:
    """All ``width``-bit masks with at most ``threshold`` bits set."""
    masks = [0]
    for k in range(1, threshold + 1):
        masks.extend(sum(1 << i for i in c) for c in itertools.combinations(range(width), k))
    return np.array(masks, dtype=np.uint32)


def _bounds(bits: int, m: int) -> list[tuple[int, int]]:
    """Cut ``bits`` into ``m`` contiguous substrings; the first ``bits % m`` are one bit wider."""
    q, rem = divmod(bits, m)
    out, start = [], 0
    for j in range(m):
        width = q + (1 if j < rem else 0)
        out.append((start, start + width))
        start += width
    return out


def _thresholds(widths: list[int], radius: int) -> list[int] | None:
    """Per-substring thresholds with ``sum(t + 1) == radius + 1``; wider substrings get more.

    Returns None when ``m > radius + 1`` (then fewer, wider substrings are always better).
    """
    m = len(widths)
    extra = radius + 1 - m
    if extra < 0:
        return None
    base, rem = divmod(extra, m)
    order = sorted(range(m), key=lambda j: -widths[j])
    t = [base] * m
    for j in order[:rem]:
        t[j] += 1
    return t


@dataclass(frozen=True)
class Plan:
    """How a radius search will run; ``HashIndex.plan()`` returns one."""

    method: str  # 'mih' or 'flat' (what the cost model prefers for a batch of queries)
    m: int  # MIH substrings
    widths: tuple[int, ...]
    thresholds: tuple[int, ...]
    probes_per_query: int
    est_candidates_per_query: float
    est_mih_ns_per_query: float
    est_flat_ns_per_query: float
    cand_ns: float  # modelled cost of verifying one candidate


@functools.lru_cache(maxsize=256)
def _plan(bits: int, n: int, radius: int, m: int | None, batch: int) -> Plan:
    """Pick the number of substrings ``m`` (or cost the one given) for ``n`` codes."""
    flat_ns = _COSTS["flat_per_code"] * n + _COSTS["flat_per_call"] / batch
    cand_ns = _COSTS["cand"] + _COSTS["cand_miss"] * _miss(n * bits / 8 + 4 * n)
    lo = max(1, math.ceil(bits / _MAX_WIDTH))
    best: Plan | None = None
    for mm in [m] if m is not None else range(lo, max(lo, min(radius + 1, bits)) + 1):
        widths = [e - s for s, e in _bounds(bits, mm)]
        t = _thresholds(widths, radius)
        if t is None:  # more substrings than radius + 1: use the first radius + 1 only
            widths, t = widths[: radius + 1], [0] * (radius + 1)
        probes = [
            sum(math.comb(w, k) for k in range(tj + 1)) for w, tj in zip(widths, t, strict=True)
        ]
        if sum(probes) > _MAX_PROBES_PER_QUERY and m is None:
            continue
        cand = sum(p * n / 2.0**w for p, w in zip(probes, widths, strict=True))
        if max(widths) <= _DIRECT_MAX_WIDTH:
            table_bytes = sum(4 << w for w in widths)
            probe_ns = _COSTS["probe"] + _COSTS["probe_miss"] * _miss(table_bytes)
        else:
            probe_ns = _COSTS["probe_sorted"]
        mih_ns = sum(probes) * probe_ns + cand * cand_ns + _COSTS["mih_per_call"] / batch
        plan = Plan(
            method="mih" if mih_ns < flat_ns else "flat",
            m=mm,
            widths=tuple(widths),
            thresholds=tuple(t),
            probes_per_query=sum(probes),
            est_candidates_per_query=cand,
            est_mih_ns_per_query=mih_ns,
            est_flat_ns_per_query=flat_ns,
            cand_ns=cand_ns,
        )
        if best is None or plan.est_mih_ns_per_query < best.est_mih_ns_per_query:
            best = plan
    if best is None:
        raise InvalidHash(f"radius: no multi-index plan for radius {radius} of {bits} bits")
    return best


@dataclass
class _Tables:
    """One hash table per substring, all in flat arrays so a query batch probes them at once.

    ``perm[j * n + k]`` is the k-th code of table ``j`` in substring order. Narrow substrings
    (every width <= ``_DIRECT_MAX_WIDTH``) get direct offset tables: bucket ``key`` of table
    ``j`` is ``perm[offsets[base[j] + key] : offsets[base[j] + key + 1]]``. Wider ones keep
    the sorted keys, tagged ``j << 32 | key`` so one binary search covers every table.
    """

    bounds: list[tuple[int, int]]
    perm: np.ndarray
    direct: bool
    offsets: np.ndarray  # direct only
    base: np.ndarray  # direct only: where each table's offsets start
    sorted_keys: np.ndarray  # sorted only: uint64 tagged keys, aligned with perm

    @property
    def nbytes(self) -> int:
        return int(self.perm.nbytes + self.offsets.nbytes + self.sorted_keys.nbytes)


def _build_tables(codes: np.ndarray, m: int) -> _Tables:
    n = codes.shape[0]
    bounds = _bounds(codes.shape[1] * 8, m)
    widths = [e - s for s, e in bounds]
    direct = max(widths) <= _DIRECT_MAX_WIDTH
    keys = _substring_keys(codes, bounds)
    perm = np.empty(m * n, dtype=np.int32)
    sizes = [(1 << w) + 1 for w in widths]
    base = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    offsets = np.empty(sum(sizes) if direct else 0, dtype=np.int32 if m * n < 2**31 else np.int64)
    sorted_keys = np.empty(0 if direct else m * n, dtype=np.uint64)
    for j, width in enumerate(widths):
        column = keys[:, j]
        order = np.argsort(column, kind="stable")
        perm[j * n : (j + 1) * n] = order
        if direct:
            counts = np.bincount(column, minlength=1 << width)
            offsets[base[j]] = j * n
            np.cumsum(counts, out=offsets[base[j] + 1 : base[j] + sizes[j]])
            np.add(
                offsets[base[j] + 1 : base[j] + sizes[j]],
                j * n,
                out=offsets[base[j] + 1 : base[j] + sizes[j]],
            )
        else:
            sorted_keys[j * n : (j + 1) * n] = column[order]
            sorted_keys[j * n : (j + 1) * n] |= np.uint64(j) << np.uint64(32)
    return _Tables(bounds, perm, direct, offsets, base, sorted_keys)


@functools.lru_cache(maxsize=64)
def _probe_plan(
    bounds: tuple[tuple[int, int], ...], thresholds: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """(table, mask) of every bucket probe: each table's masks within its threshold."""
    tables, masks = [], []
    for j, t in enumerate(thresholds):
        s, e = bounds[j]
        mk = _probe_masks(e - s, t)
        tables.append(np.full(mk.size, j, dtype=np.int64))
        masks.append(mk)
    return np.concatenate(tables), np.concatenate(masks)


def _expand_blocks(
    starts: np.ndarray, counts: np.ndarray, owners: np.ndarray, cap: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Expand ranges ``[start, start + count)`` tagged with ``owners`` into blocks of <= ~cap."""
    if counts.size == 0:
        return
    big = counts > cap
    if big.any():  # split oversized buckets (e.g. many flat images sharing a substring)
        pieces = np.where(big, -(-counts // cap), 1)
        rep = np.repeat(np.arange(counts.size), pieces)
        first = np.r_[0, np.cumsum(pieces)[:-1]]
        k = np.arange(rep.size) - np.repeat(first, pieces)
        starts = starts[rep] + k * cap
        counts = np.minimum(counts[rep] - k * cap, cap)
        owners = owners[rep]
    ends = np.cumsum(counts)
    total = int(ends[-1])
    cuts = np.searchsorted(ends, np.arange(cap, total, cap), side="left") + 1
    lo = 0
    for hi in [*cuts.tolist(), counts.size]:
        if hi <= lo:
            continue
        c = counts[lo:hi]
        size = int(c.sum())
        first = np.cumsum(c) - c
        pos = np.arange(size, dtype=np.int64) + np.repeat(starts[lo:hi].astype(np.int64) - first, c)
        yield pos, np.repeat(owners[lo:hi], c)
        lo = hi


def _distances(
    words: np.ndarray, rows: np.ndarray, qwords: np.ndarray, qrows: np.ndarray
) -> np.ndarray:
    """Hamming distances between ``words[rows]`` and ``qwords[qrows]`` (uint64 or uint8 words).

    ``np.take`` gathers rows several times faster than fancy indexing, and summing the
    popcount columns one by one beats ``sum(axis=1)``.
    """
    x = np.take(words, rows, axis=0)
    x ^= np.take(qwords, qrows, axis=0)
    counts = np.bitwise_count(x)
    d = counts[:, 0].astype(np.int32)
    for k in range(1, counts.shape[1]):
        d += counts[:, k]
    return d


# --------------------------------------------------------------------- self-join kernel
#
# ``pairs()`` is a self-join: every unordered pair of codes within the radius. Probing the
# MIH tables once per code finds each candidate pair twice (once from each side) and pays
# numpy's per-candidate temporaries. The join below walks one substring table at a time
# over codes *sorted by that substring*: for every probe mask, code ``i`` (key ``k``) meets
# the bucket ``k ^ mask`` only when ``k ^ mask > k`` (the same bucket: only the codes after
# it), so each candidate pair is produced once per table, and both sides are read almost
# sequentially (``k ^ mask`` rises with ``k``). Candidates are verified with a popcount in
# compiled code (numba) and only matches leave it. Blocks of rows run on a thread pool (the
# kernel releases the GIL), so a self-join uses every core with memory bounded by one
# table (codes, owners and keys permuted, about 1.4 times the codes).

_JOIN_MAX_WIDTH = 24  # substrings up to 2**24 values: direct offset tables of <= 64 MiB
_JOIN_BLOCK = 1 << 15  # rows per task: their codes stay in cache across the probe masks
# Cost model of the join (nanoseconds of CPU), fitted to CPU times of the synthetic
# world's 209k stored hashes for m = 13, 14 and 16 on the 2-core AMD EPYC while other work
# kept its load average near 18: absolute values are inflated by cache contention; their
# ratios pick ``m`` (``bench/bench_ndindex.py`` times the choice against other ``m``).
_JOIN_COSTS = {
    "probe": 20.0,  # one bucket lookup (two offsets), per non-empty bucket and mask
    "cand": 15.0,  # one candidate pair: gather, xor, popcount (owner read on a match only)
    "row": 60.0,  # per row and table: key, counting sort, permuted copy
    "bucket": 1.0,  # per bucket and table: the offset table
}


@numba.njit(cache=True, nogil=True, inline="always")
def _popcount64(x: np.uint64) -> np.int64:  # pragma: no cover - compiled
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@numba.njit(cache=True, nogil=True)
def _counting_order(keys: np.ndarray, offsets: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Row order sorted by key (stable), given the bucket offsets of ``keys``."""
    pos = offsets[:-1].copy()
    order = np.empty(keys.size, dtype=np.int64)
    for i in range(keys.size):
        k = keys[i]
        order[pos[k]] = i
        pos[k] += 1
    return order


@numba.njit(cache=True, nogil=True)
def _join_block(
    keys: np.ndarray,
    words: np.ndarray,
    owner: np.ndarray,
    offsets: np.ndarray,
    masks: np.ndarray,
    lo: int,
    hi: int,
    radius: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Matches ``(owner a, owner b, distance)`` of the buckets in rows ``lo:hi`` of a table.

    ``keys`` are the rows' substring keys in ascending order, ``words`` and ``owner`` the
    rows' codes (uint64 words) and owners in the same order, ``offsets[k]`` the first row
    of bucket ``k``; ``lo`` and ``hi`` fall on bucket boundaries. For each mask, bucket
    ``k`` meets bucket ``k ^ mask`` when that is above it, and itself for mask 0, so a
    pair of rows is seen once per table. Pairs of one owner are skipped.
    """
    cap = 1024
    out_a = np.empty(cap, dtype=np.int64)
    out_b = np.empty(cap, dtype=np.int64)
    out_d = np.empty(cap, dtype=np.int32)
    n_out = 0
    n_words = words.shape[1]
    for mi in range(masks.size):
        mask = masks[mi]
        i = lo
        while i < hi:
            k = keys[i]
            a_end = offsets[k + 1]
            k2 = k ^ mask
            if mask != 0 and k2 < k:
                i = a_end
                continue
            b_end = a_end if mask == 0 else offsets[k2 + 1]
            for x in range(i, a_end):
                b_start = x + 1 if mask == 0 else offsets[k2]
                ox = owner[x]
                for y in range(b_start, b_end):
                    # No early exit: a data-dependent branch per word costs more than it saves.
                    d = np.int64(0)
                    for w in range(n_words):
                        d += _popcount64(words[x, w] ^ words[y, w])
                    if d <= radius and owner[y] != ox:
                        if n_out == cap:
                            cap *= 2
                            out_a = np.concatenate((out_a, np.empty(cap - n_out, np.int64)))
                            out_b = np.concatenate((out_b, np.empty(cap - n_out, np.int64)))
                            out_d = np.concatenate((out_d, np.empty(cap - n_out, np.int32)))
                        out_a[n_out] = ox
                        out_b[n_out] = owner[y]
                        out_d[n_out] = d
                        n_out += 1
            i = a_end
    return out_a[:n_out], out_b[:n_out], out_d[:n_out]


@dataclass(frozen=True)
class JoinPlan:
    """How ``pairs()`` will join: substrings, thresholds and the modelled cost."""

    m: int
    bounds: tuple[tuple[int, int], ...]  # the substrings probed (all of them, or the first r+1)
    thresholds: tuple[int, ...]
    probes: int  # masks over all tables
    est_candidates: float  # candidate pairs of rows (each once per table)
    est_join_s: float
    est_flat_s: float

    @property
    def method(self) -> str:
        return "mih" if self.est_join_s < self.est_flat_s else "flat"


@functools.lru_cache(maxsize=256)
def _join_plan(bits: int, n: int, radius: int, m: int | None) -> JoinPlan:
    """Pick the number of substrings for a self-join of ``n`` codes (or cost the one given)."""
    c = _JOIN_COSTS
    flat_s = (_COSTS["flat_per_code"] * n * n / 2 + _COSTS["flat_per_call"] * n / 1024) * 1e-9
    lo = max(1, math.ceil(bits / _JOIN_MAX_WIDTH))
    best: JoinPlan | None = None
    for mm in [m] if m is not None else range(lo, bits + 1):
        bounds = _bounds(bits, mm)
        widths = [e - s for s, e in bounds]
        if max(widths) > _JOIN_MAX_WIDTH:
            raise InvalidHash(f"m: {mm} substrings of {bits} bits exceed {_JOIN_MAX_WIDTH} bits")
        t = _thresholds(widths, radius)
        if t is None:  # more substrings than radius + 1: the first radius + 1 exactly
            bounds, widths, t = bounds[: radius + 1], widths[: radius + 1], [0] * (radius + 1)
        probes = [
            sum(math.comb(w, k) for k in range(tj + 1)) for w, tj in zip(widths, t, strict=True)
        ]
        if sum(probes) > _MAX_PROBES_PER_QUERY and m is None:
            continue
        cand = sum(p * n * n / 2.0 ** (w + 1) for p, w in zip(probes, widths, strict=True))
        # A probe visits each non-empty bucket once per mask (about min(n, 2**w) of them).
        ns = sum(
            p * (1 << w) * -math.expm1(-n / (1 << w)) * c["probe"]
            + n * c["row"]
            + (1 << w) * c["bucket"]
            for p, w in zip(probes, widths, strict=True)
        )
        plan = JoinPlan(
            m=mm,
            bounds=tuple(bounds),
            thresholds=tuple(t),
            probes=sum(probes),
            est_candidates=cand,
            est_join_s=(ns + cand * c["cand"]) * 1e-9,
            est_flat_s=flat_s,
        )
        if best is None or plan.est_join_s < best.est_join_s:
            best = plan
    if best is None:
        raise InvalidHash(f"radius: no multi-index plan for radius {radius} of {bits} bits")
    return best


def _join_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _min_per_key(key: np.ndarray, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row per key, with its smallest distance, sorted by key."""
    order = np.lexsort((dist, key))
    key, dist = key[order], dist[order]
    first = np.ones(key.size, dtype=bool)
    first[1:] = key[1:] != key[:-1]
    return key[first], dist[first]


# --------------------------------------------------------------------------- the index


class HashIndex:
    """Exact Hamming radius search over fixed-length binary codes, several codes per id.

    Parameters
    ----------
    bits: code length, a multiple of 8 (256 for PDQ, 64 for pHash).
    method: default search path, ``'auto'``, ``'mih'`` or ``'flat'``.

    Raises
    ------
    InvalidHash for a bad ``bits`` or ``method``.
    """

    def __init__(self, bits: int, *, method: Method = "auto") -> None:
        if not isinstance(bits, int) or bits <= 0 or bits % 8 or bits > 4096:
            raise InvalidHash(f"bits: {bits!r} is not a positive multiple of 8 (at most 4096)")
        self.bits = bits
        self.nbytes = bits // 8
        self.method = self._check_method(method)
        self._ids: list[str] = []
        self._id_pos: dict[str, int] = {}
        self._codes = np.empty((0, self.nbytes), dtype=np.uint8)
        self._owner = np.empty(0, dtype=np.int64)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._reset_caches()

    # ------------------------------------------------------------------ content

    def __len__(self) -> int:
        """Number of ids."""
        return len(self._ids)

    @property
    def n_codes(self) -> int:
        return int(self._codes.shape[0]) + sum(len(o) for _, o in self._pending)

    @property
    def ids(self) -> list[str]:
        """Ids in insertion order (a copy)."""
        return list(self._ids)

    def add(self, ids: Sequence[str], hexes: Sequence[str] | np.ndarray) -> None:
        """Add codes; ``ids[i]`` owns ``hexes[i]``. Repeat an id to give it several codes.

        Raises InvalidHash naming the first bad position, or on a length mismatch.
        Adding invalidates built tables; add in batches rather than one code at a time.
        """
        id_list = _check_ids(ids)
        codes = parse_hashes(hexes, self.bits)
        if len(id_list) != codes.shape[0]:
            raise InvalidHash(
                f"ids and hexes differ in length ({len(id_list)} ids, {codes.shape[0]} codes)"
            )
        if not id_list:
            return
        owner = np.empty(len(id_list), dtype=np.int64)
        pos = self._id_pos
        for i, id_ in enumerate(id_list):
            k = pos.get(id_)
            if k is None:
                k = pos[id_] = len(self._ids)
                self._ids.append(id_)
            owner[i] = k
        self._pending.append((codes, owner))
        self._reset_caches()

    def remove(self, ids: Sequence[str]) -> int:
        """Remove ids with all their codes; unknown ids are ignored. Returns codes removed."""
        gone = {self._id_pos[i] for i in _check_ids(ids) if i in self._id_pos}
        if not gone:
            return 0
        self._consolidate()
        keep_id = np.ones(len(self._ids), dtype=bool)
        keep_id[list(gone)] = False
        new_pos = np.cumsum(keep_id) - 1
        keep = keep_id[self._owner]
        removed = int((~keep).sum())
        self._codes = np.ascontiguousarray(self._codes[keep])
        self._owner = new_pos[self._owner[keep]]
        self._ids = [i for i, k in zip(self._ids, keep_id, strict=True) if k]
        self._id_pos = {i: k for k, i in enumerate(self._ids)}
        self._reset_caches()
        return removed

    def _reset_caches(self) -> None:
        self._tables: dict[int, _Tables] = {}
        self._faiss: faiss.IndexBinaryFlat | None = None
        self._fingerprint: str | None = None

    def _consolidate(self) -> None:
        if self._pending:
            self._codes = np.ascontiguousarray(
                np.concatenate([self._codes, *(c for c, _ in self._pending)])
            )
            self._owner = np.concatenate([self._owner, *(o for _, o in self._pending)])
            self._pending = []
            if self._codes.shape[0] >= 2**31:
                raise InvalidHash("HashIndex holds at most 2**31 - 1 codes")

    @property
    def _words(self) -> np.ndarray:
        """The codes viewed as uint64 words (or bytes) for popcount."""
        if self.nbytes % 8 == 0:
            return self._codes.view(np.uint64)
        return self._codes

    def memory_bytes(self) -> dict[str, int]:
        """Bytes held by the codes, owners, built MIH tables and the faiss index."""
        self._consolidate()
        return {
            "codes": int(self._codes.nbytes + self._owner.nbytes),
            "mih_tables": sum(t.nbytes for t in self._tables.values()),
            "faiss": int(self._codes.nbytes) if self._faiss is not None else 0,
        }

    # ------------------------------------------------------------------ planning

    @staticmethod
    def _check_method(method: str) -> Method:
        if method not in _METHODS:
            raise InvalidHash(f"method: {method!r} is not one of {', '.join(_METHODS)}")
        return method  # type: ignore[return-value]

    def _check_radius(self, radius: int) -> int:
        if isinstance(radius, bool) or not isinstance(radius, int | np.integer):
            raise InvalidHash(f"radius: {radius!r} is not an integer")
        if not 0 <= radius <= self.bits:
            raise InvalidHash(f"radius: {radius} is outside 0..{self.bits}")
        return int(radius)

    def _require_codes(self) -> None:
        self._consolidate()
        if self._codes.shape[0] == 0:
            raise InvalidHash("the index is empty: add codes before searching")

    def plan(self, radius: int, *, m: int | None = None, batch: int = 256) -> Plan:
        """The cost model's choice for ``radius`` at the current size (queries in batches).

        Raises InvalidHash for a bad radius or ``m``.
        """
        radius = self._check_radius(radius)
        lo = max(1, math.ceil(self.bits / _MAX_WIDTH))
        if m is not None and not lo <= m <= self.bits:
            raise InvalidHash(f"m: {m} is outside {lo}..{self.bits}")
        return _plan(self.bits, max(self.n_codes, 1), radius, m, batch)

    def build(self, radius: int, *, m: int | None = None, method: Method | None = None) -> Plan:
        """Build ahead of the first search what ``radius`` needs; returns the MIH plan.

        ``method`` 'mih' builds the MIH tables, 'flat' the faiss index, 'auto' both.
        Searches build lazily anyway; this moves the cost to a time of the caller's choice.
        """
        how = self._check_method(method or self.method)
        self._require_codes()
        plan = self.plan(radius, m=m)
        if how in ("mih", "auto"):
            self._get_tables(plan.m)
        if how in ("flat", "auto"):
            self._get_faiss()
        return plan

    def _get_tables(self, m: int) -> _Tables:
        tables = self._tables.get(m)
        if tables is None:
            tables = self._tables[m] = _build_tables(self._codes, m)
        return tables

    def _get_faiss(self) -> faiss.IndexBinaryFlat:
        if self._faiss is None:
            index = faiss.IndexBinaryFlat(self.bits)
            index.add(self._codes)
            self._faiss = index
        return self._faiss

    # ------------------------------------------------------------------ core search

    def _matches(
        self, queries: np.ndarray, radius: int, method: Method, m: int | None
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Yield (query row, code row, distance) for all code rows within ``radius``."""
        n = self._codes.shape[0]
        plan = self.plan(radius, m=m, batch=max(1, min(queries.shape[0], 256)))
        use_mih = method == "mih" or (method == "auto" and plan.method == "mih")
        per_query = max(plan.est_candidates_per_query, 1.0)
        batch = int(min(4096, max(1, _BATCH_CANDIDATES // per_query)))
        batch = int(max(1, min(batch, (1 << 21) // max(plan.probes_per_query, 1))))
        if not use_mih:
            batch = 1024
        tables = self._get_tables(plan.m) if use_mih else None
        for lo in range(0, queries.shape[0], batch):
            q = queries[lo : lo + batch]
            if tables is not None:
                ranges = self._mih_ranges(tables, plan, q)
                n_cand = int(ranges[1].sum())
                if method == "auto":
                    flat_ns = _COSTS["flat_per_code"] * n * len(q) + _COSTS["flat_per_call"]
                    if n_cand * plan.cand_ns > flat_ns:
                        for qi, ci, d in self._flat_matches(q, radius, None):
                            yield qi + lo, ci, d
                        continue
                for qi, ci, d in self._mih_verify(tables, q, ranges, radius):
                    yield qi + lo, ci, d
            else:
                for qi, ci, d in self._flat_matches(q, radius, None):
                    yield qi + lo, ci, d

    def _mih_ranges(
        self, tables: _Tables, plan: Plan, q: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Bucket ranges (starts into ``tables.perm``, counts, query rows) for a query batch."""
        used = tuple(tables.bounds[: len(plan.thresholds)])
        probe_table, probe_mask = _probe_plan(used, plan.thresholds)
        keys = _substring_keys(q, used)
        probes = keys[:, probe_table] ^ probe_mask  # (batch, probes) uint32
        if tables.direct:
            at = probes + tables.base[probe_table]
            lo = tables.offsets[at]
            cnt = tables.offsets[at + 1] - lo
        else:
            tagged = probes.astype(np.uint64) | (probe_table.astype(np.uint64) << np.uint64(32))
            lo = np.searchsorted(tables.sorted_keys, tagged, side="left")
            cnt = np.searchsorted(tables.sorted_keys, tagged, side="right") - lo
        hit = np.nonzero(cnt)
        return (
            lo[hit].astype(np.int64),
            cnt[hit].astype(np.int64),
            hit[0].astype(np.int32),
        )

    def _mih_verify(
        self,
        tables: _Tables,
        q: np.ndarray,
        ranges: tuple[np.ndarray, np.ndarray, np.ndarray],
        radius: int,
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        words = self._words
        qwords = q.view(np.uint64) if self.nbytes % 8 == 0 else q
        for pos, qi in _expand_blocks(*ranges, cap=_BLOCK_CANDIDATES):
            ci = tables.perm[pos]
            d = _distances(words, ci, qwords, qi)
            keep = d <= radius
            if keep.any():
                yield qi[keep], ci[keep].astype(np.int64), d[keep]

    def _flat_matches(
        self, q: np.ndarray, radius: int, base: int | None
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """faiss range search; with ``base`` (a self-join), query row ``i`` is code row
        ``base + i`` and only code rows above it are reported."""
        index = self._get_faiss()
        # faiss keeps distances strictly below its radius: pass radius + 1 for "<= radius".
        threads = faiss.omp_get_max_threads()
        if q.shape[0] < _FAISS_PARALLEL_MIN_QUERIES and threads > 1:
            # OpenMP across cores for one query costs more than it saves, and on a busy
            # machine a descheduled thread stalls it for milliseconds (measured: 1M codes,
            # median 1.3 ms on one thread, 9-35 ms on two). The setting is per calling thread.
            faiss.omp_set_num_threads(1)
            try:
                lims, dist, idx = index.range_search(np.ascontiguousarray(q), radius + 1)
            finally:
                faiss.omp_set_num_threads(threads)
        else:
            lims, dist, idx = index.range_search(np.ascontiguousarray(q), radius + 1)
        qi = np.repeat(np.arange(q.shape[0], dtype=np.int32), np.diff(lims).astype(np.int64))
        idx = idx.astype(np.int64)
        if base is not None:
            keep = idx > qi + base
            qi, idx, dist = qi[keep], idx[keep], dist[keep]
        if qi.size:
            yield qi, idx, dist.astype(np.int32)

    # ------------------------------------------------------------------ public search

    def search(
        self,
        query_hexes: Sequence[str] | np.ndarray,
        radius: int,
        *,
        method: Method | None = None,
        m: int | None = None,
    ) -> list[list[tuple[str, int]]]:
        """Ids within ``radius`` bits (inclusive) of each query, with the minimum distance.

        Parameters
        ----------
        query_hexes: hex strings (or a uint8 array) of this index's length.
        radius: maximum Hamming distance, inclusive (PDQ: 31, pHash: 8).
        method: 'auto' (default of the index), 'mih' or 'flat'; answers are identical.
        m: force the number of MIH substrings (for benchmarks).

        Returns
        -------
        One list per query of ``(id, distance)``, sorted by distance then id. An id with
        several codes appears once, with its smallest distance.

        Raises
        ------
        InvalidHash (a ValueError) for a bad query (naming ``query_hexes[i]``), a bad
        radius or method, or an empty index.
        """
        how = self._check_method(method or self.method)
        radius = self._check_radius(radius)
        q = parse_hashes(query_hexes, self.bits, what="query_hexes")
        self._require_codes()
        qs, os_, ds = [], [], []
        for qi, ci, d in self._matches(q, radius, how, m):
            qs.append(qi)
            os_.append(self._owner[ci])
            ds.append(d)
        results: list[list[tuple[str, int]]] = [[] for _ in range(q.shape[0])]
        if not qs:
            return results
        qa, oa, da = np.concatenate(qs), np.concatenate(os_), np.concatenate(ds)
        order = np.lexsort((da, oa, qa))
        qa, oa, da = qa[order], oa[order], da[order]
        first = np.ones(qa.size, dtype=bool)
        first[1:] = (qa[1:] != qa[:-1]) | (oa[1:] != oa[:-1])
        qa, oa, da = qa[first], oa[first], da[first]
        bounds = np.searchsorted(qa, np.arange(q.shape[0] + 1))
        ids = self._ids
        for i in range(q.shape[0]):
            a, b = bounds[i], bounds[i + 1]
            if a < b:
                hits = [
                    (ids[o], int(d))
                    for o, d in zip(oa[a:b].tolist(), da[a:b].tolist(), strict=True)
                ]
                hits.sort(key=lambda h: (h[1], h[0]))
                results[i] = hits
        return results

    def join_plan(self, radius: int, *, m: int | None = None) -> JoinPlan:
        """The cost model's plan for ``pairs(radius)`` at the current size.

        Raises InvalidHash for a bad radius or ``m``.
        """
        radius = self._check_radius(radius)
        lo = max(1, math.ceil(self.bits / _JOIN_MAX_WIDTH))
        if m is not None and not lo <= m <= self.bits:
            raise InvalidHash(f"m: {m} is outside {lo}..{self.bits} for a self-join")
        return _join_plan(self.bits, max(self.n_codes, 1), radius, m)

    def pairs(
        self,
        radius: int,
        *,
        method: Method | None = None,
        m: int | None = None,
        threads: int | None = None,
    ) -> Iterator[tuple[str, str, int]]:
        """Every unordered pair of distinct ids with codes within ``radius`` bits, once.

        Yields ``(id_a, id_b, distance)`` with ``id_a`` added before ``id_b`` and the
        minimum distance over their codes, ordered by ``id_a`` then ``id_b`` insertion.
        Codes of the same id are never paired with each other. 'mih' runs the compiled
        table join (each candidate pair once per substring table, on ``threads`` threads,
        default every core this process may use); 'flat' a faiss scan of the codes stored
        after each code; 'auto' the cheaper by the cost model (``join_plan``). Results are
        collected before the first is yielded.

        Raises InvalidHash for a bad radius, method or ``m``, or an empty index.
        """
        how = self._check_method(method or self.method)
        radius = self._check_radius(radius)
        self._require_codes()
        if how == "auto" and m is None and self.join_plan(radius).method == "flat":
            how = "flat"
        chunks = self._flat_pairs(radius) if how == "flat" else self._join(radius, m, threads)
        n_ids = len(self._ids)
        keys, dists = [], []
        for a, b, d in chunks:
            keys.append(np.minimum(a, b) * n_ids + np.maximum(a, b))
            dists.append(d)
        if not keys:
            return
        key, dist = _min_per_key(np.concatenate(keys), np.concatenate(dists))
        ids = self._ids
        for k, d in zip(key.tolist(), dist.tolist(), strict=True):
            yield ids[k // n_ids], ids[k % n_ids], d

    def _flat_pairs(self, radius: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(owner, owner, distance) of code pairs within ``radius``, by faiss scans."""
        codes = self._codes
        for lo in range(0, codes.shape[0], 1024):
            for qi, ci, d in self._flat_matches(codes[lo : lo + 1024], radius, lo):
                a, b = self._owner[qi + lo], self._owner[ci]
                keep = a != b
                yield a[keep], b[keep], d[keep]

    def _join(
        self, radius: int, m: int | None, threads: int | None
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(owner, owner, distance) of code pairs within ``radius``, by the table join.

        Each table's matches are reduced to one row per pair of owners before the next
        table is built, so memory stays at one table plus the distinct matches.
        """
        plan = self.join_plan(radius, m=m)
        n = self._codes.shape[0]
        n_words = -(-self.nbytes // 8)
        padded = np.zeros((n, n_words * 8), dtype=np.uint8)
        padded[:, : self.nbytes] = self._codes
        words = padded.view(np.uint64)
        del padded
        owner = self._owner
        n_ids = len(self._ids)
        workers = max(1, threads or _join_threads())
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for (s, e), t in zip(plan.bounds, plan.thresholds, strict=True):
                width = e - s
                keys = _substring_keys(self._codes, [(s, e)])[:, 0]
                offsets = np.zeros((1 << width) + 1, dtype=np.int64)
                np.cumsum(np.bincount(keys, minlength=1 << width), out=offsets[1:])
                order = _counting_order(keys, offsets)
                args = (keys[order], words[order], owner[order], offsets, _probe_masks(width, t))
                del keys, order
                # Tasks of about _JOIN_BLOCK rows, cut on bucket boundaries.
                cuts = np.unique(np.r_[offsets[args[0][::_JOIN_BLOCK]], n]).tolist()
                tasks = [
                    pool.submit(_join_block, *args, lo, hi, radius)
                    for lo, hi in itertools.pairwise(cuts)
                ]
                found = [f.result() for f in tasks]
                del args
                if found:
                    a = np.concatenate([x[0] for x in found])
                    b = np.concatenate([x[1] for x in found])
                    key, d = _min_per_key(
                        np.minimum(a, b) * n_ids + np.maximum(a, b),
                        np.concatenate([x[2] for x in found]),
                    )
                    yield key // n_ids, key % n_ids, d

    # ------------------------------------------------------------------ persistence

    @property
    def fingerprint(self) -> str:
        """``'<bits>:<ids>:<codes>:<sha256 prefix>'`` of the (id, code) multiset.

        Independent of insertion order, so a caller can compute it from its source rows
        with ``HashIndex.compute_fingerprint`` and compare with a saved index.
        """
        if self._fingerprint is None:
            self._consolidate()
            self._fingerprint = self._compute_fingerprint()
        return self._fingerprint

    def _compute_fingerprint(self) -> str:
        ids = self._ids
        sorted_ids = sorted(range(len(ids)), key=ids.__getitem__)
        rank = np.empty(len(ids), dtype=np.int64)
        rank[sorted_ids] = np.arange(len(ids))
        r = rank[self._owner]
        cols = self._words
        order = np.lexsort((*(cols[:, k] for k in range(cols.shape[1] - 1, -1, -1)), r))
        h = hashlib.sha256()
        h.update(f"{_FORMAT}\0{self.bits}\0".encode())
        for i in sorted_ids:
            h.update(ids[i].encode("utf-8") + b"\0")
        h.update(np.ascontiguousarray(r[order]).astype("<i8").tobytes())
        h.update(np.ascontiguousarray(self._codes[order]).tobytes())
        return f"{self.bits}:{len(ids)}:{self._codes.shape[0]}:{h.hexdigest()[:32]}"

    @staticmethod
    def compute_fingerprint(
        bits: int, ids: Sequence[str], hexes: Sequence[str] | np.ndarray
    ) -> str:
        """The fingerprint an index holding exactly these (id, code) rows would have."""
        index = HashIndex(bits)
        index.add(ids, hexes)
        return index.fingerprint

    def save(self, path: str | os.PathLike[str], *, version: str | None = None) -> str:
        """Write the index (codes, ids, fingerprint, optional caller version) atomically.

        The MIH tables are not stored: they rebuild in about a second per million codes.
        Returns the fingerprint.
        """
        self._consolidate()
        fingerprint = self.fingerprint
        encoded = [i.encode("utf-8") for i in self._ids]
        id_bytes = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        id_offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=id_offsets[1:])
        meta = {
            "format": _FORMAT,
            "bits": self.bits,
            "method": self.method,
            "fingerprint": fingerprint,
            "version": version,
            "n_ids": len(self._ids),
            "n_codes": int(self._codes.shape[0]),
        }
        target = Path(path)
        fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=target.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(
                    f,
                    meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                    codes=self._codes,
                    owner=self._owner,
                    id_bytes=id_bytes,
                    id_offsets=id_offsets,
                )
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return fingerprint

    @staticmethod
    def read_meta(path: str | os.PathLike[str]) -> dict:
        """The saved metadata (fingerprint, version, counts) without loading the codes."""
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode())
        if meta.get("format") != _FORMAT:
            raise InvalidHash(f"{os.fspath(path)}: not a {_FORMAT} file")
        return meta

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        expected_fingerprint: str | None = None,
        expected_version: str | None = None,
    ) -> HashIndex:
        """Read an index written by ``save``.

        Raises
        ------
        StaleIndex when ``expected_fingerprint`` or ``expected_version`` is given and
        differs from the saved one (the caller should rebuild); InvalidHash when the file
        is not a saved index or is damaged.
        """
        meta = cls.read_meta(path)
        for key, expected in (("fingerprint", expected_fingerprint), ("version", expected_version)):
            if expected is not None and meta.get(key) != expected:
                raise StaleIndex(
                    f"{os.fspath(path)}: saved {key} {meta.get(key)!r} is not {expected!r}",
                    hint="rebuild the index from the graph and save it again",
                )
        with np.load(path, allow_pickle=False) as data:
            codes, owner = data["codes"], data["owner"]
            id_bytes, id_offsets = data["id_bytes"].tobytes(), data["id_offsets"]
        ids = [
            id_bytes[a:b].decode("utf-8")
            for a, b in zip(id_offsets[:-1].tolist(), id_offsets[1:].tolist(), strict=True)
        ]
        index = cls(int(meta["bits"]), method=meta.get("method", "auto"))
        if codes.shape != (meta["n_codes"], index.nbytes) or owner.shape != (meta["n_codes"],):
            raise InvalidHash(f"{os.fspath(path)}: arrays do not match the saved counts")
        if owner.size and (owner.min() < 0 or owner.max() >= len(ids)):
            raise InvalidHash(f"{os.fspath(path)}: code owners point outside the id list")
        index._ids = ids
        index._id_pos = {i: k for k, i in enumerate(ids)}
        index._codes = np.ascontiguousarray(codes, dtype=np.uint8)
        index._owner = owner.astype(np.int64)
        if index.fingerprint != meta["fingerprint"]:
            raise InvalidHash(f"{os.fspath(path)}: content does not match its fingerprint")
        return index
