"""Multi-index hashing (Norouzi, Punjani & Fleet, 2012) for exact Hamming radius search:
the code cut into ``m`` substrings with thresholds whose pigeonhole bound covers the
radius, one table per substring, the probe plan, and the candidates verified with a full
popcount. The cost model that picks ``m`` (and MIH or a flat scan) lives here too;
:class:`graph.ndindex.HashIndex` uses both."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from graph.hashcodes import InvalidHash

# Cost model (nanoseconds per query), fitted to measurements on the 2-core AMD EPYC
# development machine (bench/bench_ndindex.py and its sweep of `m` reproduce them). Random
# reads dominate MIH, so its costs grow with the bytes they hit: `_miss(bytes)` goes from 0
# (fits in cache) towards 1 (every read misses).
COSTS = {
    "flat_per_code": 0.6,  # faiss IndexBinaryFlat scan, per stored code
    "flat_per_call": 15_000.0,  # faiss call, per batch
    "probe": 15.0,  # one bucket lookup in a direct offset table, cached ...
    "probe_miss": 80.0,  # ... plus this times _miss(offset tables)
    "probe_sorted": 500.0,  # one bucket lookup by binary search over sorted keys
    "cand": 10.0,  # verify one candidate (gather, xor, popcount), cached ...
    "cand_miss": 35.0,  # ... plus this times _miss(codes)
    "mih_per_call": 60_000.0,  # numpy calls, per batch
    # building the tables, per stored code and substring (1M 256-bit codes, m=14: 1.74 s;
    # 1M 64-bit, m=4: 0.42 s; 2026-12-06), and the faiss index, per stored code
    "table_per_code": 120.0,
    "faiss_add_per_code": 50.0,
}
_CACHE_BYTES = 4 << 20


def _miss(nbytes: float) -> float:
    return nbytes / (nbytes + _CACHE_BYTES)


FAISS_PARALLEL_MIN_QUERIES = 64  # smaller batches run faiss on one thread
#: A flat scan whose XOR table (queries x codes x bytes) is at most this is made with numpy
#: alone: a one-picture load into a small store (40 codes against a few thousand) does not
#: import faiss (35 ms) for it.
SMALL_SCAN_BYTES = 1 << 22
DIRECT_MAX_WIDTH = 20  # substrings up to 2**20 values get a direct offset table
MAX_WIDTH = 32  # substring keys are uint32
MAX_PROBES_PER_QUERY = 200_000
BATCH_CANDIDATES = 1 << 20  # queries per batch: about this many expected candidates
BLOCK_CANDIDATES = 1 << 16  # candidates verified per numpy block (temporaries stay in cache)


# --------------------------------------------------------------------- MIH structures


def substring_keys(codes: np.ndarray, bounds: Sequence[tuple[int, int]]) -> np.ndarray:
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
def probe_masks(width: int, threshold: int) -> np.ndarray:
    """All ``width``-bit masks with at most ``threshold`` bits set."""
    masks = [0]
    for k in range(1, threshold + 1):
        masks.extend(sum(1 << i for i in c) for c in itertools.combinations(range(width), k))
    return np.array(masks, dtype=np.uint32)


def substring_bounds(bits: int, m: int) -> list[tuple[int, int]]:
    """Cut ``bits`` into ``m`` contiguous substrings; the first ``bits % m`` are one bit wider."""
    q, rem = divmod(bits, m)
    out, start = [], 0
    for j in range(m):
        width = q + (1 if j < rem else 0)
        out.append((start, start + width))
        start += width
    return out


def substring_thresholds(widths: list[int], radius: int) -> list[int] | None:
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
def make_plan(bits: int, n: int, radius: int, m: int | None, batch: int) -> Plan:
    """Pick the number of substrings ``m`` (or cost the one given) for ``n`` codes."""
    flat_ns = COSTS["flat_per_code"] * n + COSTS["flat_per_call"] / batch
    cand_ns = COSTS["cand"] + COSTS["cand_miss"] * _miss(n * bits / 8 + 4 * n)
    lo = max(1, math.ceil(bits / MAX_WIDTH))
    best: Plan | None = None
    for mm in [m] if m is not None else range(lo, max(lo, min(radius + 1, bits)) + 1):
        widths = [e - s for s, e in substring_bounds(bits, mm)]
        t = substring_thresholds(widths, radius)
        if t is None:  # more substrings than radius + 1: use the first radius + 1 only
            widths, t = widths[: radius + 1], [0] * (radius + 1)
        probes = [
            sum(math.comb(w, k) for k in range(tj + 1)) for w, tj in zip(widths, t, strict=True)
        ]
        if sum(probes) > MAX_PROBES_PER_QUERY and m is None:
            continue
        cand = sum(p * n / 2.0**w for p, w in zip(probes, widths, strict=True))
        if max(widths) <= DIRECT_MAX_WIDTH:
            table_bytes = sum(4 << w for w in widths)
            probe_ns = COSTS["probe"] + COSTS["probe_miss"] * _miss(table_bytes)
        else:
            probe_ns = COSTS["probe_sorted"]
        mih_ns = sum(probes) * probe_ns + cand * cand_ns + COSTS["mih_per_call"] / batch
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
class Tables:
    """One hash table per substring, all in flat arrays so a query batch probes them at once.

    ``perm[j * n + k]`` is the k-th code of table ``j`` in substring order. Narrow substrings
    (every width <= ``DIRECT_MAX_WIDTH``) get direct offset tables: bucket ``key`` of table
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


def build_tables(codes: np.ndarray, m: int) -> Tables:
    n = codes.shape[0]
    bounds = substring_bounds(codes.shape[1] * 8, m)
    widths = [e - s for s, e in bounds]
    direct = max(widths) <= DIRECT_MAX_WIDTH
    keys = substring_keys(codes, bounds)
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
    return Tables(bounds, perm, direct, offsets, base, sorted_keys)


@functools.lru_cache(maxsize=64)
def probe_plan(
    bounds: tuple[tuple[int, int], ...], thresholds: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """(table, mask) of every bucket probe: each table's masks within its threshold."""
    tables, masks = [], []
    for j, t in enumerate(thresholds):
        s, e = bounds[j]
        mk = probe_masks(e - s, t)
        tables.append(np.full(mk.size, j, dtype=np.int64))
        masks.append(mk)
    return np.concatenate(tables), np.concatenate(masks)


def expand_blocks(
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


def verify_distances(
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
