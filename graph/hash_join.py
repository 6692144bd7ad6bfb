"""The self-join of a hash index (every unordered pair of codes within a radius), in compiled
code on a thread pool: :meth:`graph.ndindex.HashIndex.pairs` runs it."""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass

import numba
import numpy as np

from graph.hashcodes import InvalidHash
from graph.mih import COSTS, MAX_PROBES_PER_QUERY, substring_bounds, substring_thresholds

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

JOIN_MAX_WIDTH = 24  # substrings up to 2**24 values: direct offset tables of <= 64 MiB
JOIN_BLOCK = 1 << 15  # rows per task: their codes stay in cache across the probe masks
# Cost model of the join (nanoseconds of CPU), fitted to CPU times of the synthetic
# world's 209k stored hashes for m = 13, 14 and 16 on the 2-core AMD EPYC while other work
# kept its load average near 18: absolute values are inflated by cache contention; their
# ratios pick ``m`` (``bench/bench_ndindex.py`` times the choice against other ``m``).
JOIN_COSTS = {
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
def counting_order(keys: np.ndarray, offsets: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Row order sorted by key (stable), given the bucket offsets of ``keys``."""
    pos = offsets[:-1].copy()
    order = np.empty(keys.size, dtype=np.int64)
    for i in range(keys.size):
        k = keys[i]
        order[pos[k]] = i
        pos[k] += 1
    return order


@numba.njit(cache=True, nogil=True)
def join_block(
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
def make_join_plan(bits: int, n: int, radius: int, m: int | None) -> JoinPlan:
    """Pick the number of substrings for a self-join of ``n`` codes (or cost the one given)."""
    c = JOIN_COSTS
    flat_s = (COSTS["flat_per_code"] * n * n / 2 + COSTS["flat_per_call"] * n / 1024) * 1e-9
    lo = max(1, math.ceil(bits / JOIN_MAX_WIDTH))
    best: JoinPlan | None = None
    for mm in [m] if m is not None else range(lo, bits + 1):
        bounds = substring_bounds(bits, mm)
        widths = [e - s for s, e in bounds]
        if max(widths) > JOIN_MAX_WIDTH:
            raise InvalidHash(f"m: {mm} substrings of {bits} bits exceed {JOIN_MAX_WIDTH} bits")
        t = substring_thresholds(widths, radius)
        if t is None:  # more substrings than radius + 1: the first radius + 1 exactly
            bounds, widths, t = bounds[: radius + 1], widths[: radius + 1], [0] * (radius + 1)
        probes = [
            sum(math.comb(w, k) for k in range(tj + 1)) for w, tj in zip(widths, t, strict=True)
        ]
        if sum(probes) > MAX_PROBES_PER_QUERY and m is None:
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


def join_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def min_per_key(key: np.ndarray, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row per key, with its smallest distance, sorted by key."""
    order = np.lexsort((dist, key))
    key, dist = key[order], dist[order]
    first = np.ones(key.size, dtype=bool)
    first[1:] = key[1:] != key[:-1]
    return key[first], dist[first]
