"""Exact Hamming radius search over binary image hashes (PDQ 256-bit, pHash 64-bit).

Its parts: :mod:`graph.hashcodes` (hex codes checked and packed), :mod:`graph.mih` (the
multi-index tables, probe plans and cost model), :mod:`graph.hash_join` (the compiled
self-join behind ``pairs``); here, the index that holds the codes, picks a path, searches,
and saves and loads itself.

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

``'auto'`` (the default) picks ``m`` and MIH or flat with a cost model (``COSTS``,
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

import hashlib
import itertools
import json
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from graph.errors import GraphError
from graph.hashcodes import InvalidHash, check_ids, parse_hashes
from graph.mih import (
    BATCH_CANDIDATES,
    BLOCK_CANDIDATES,
    COSTS,
    FAISS_PARALLEL_MIN_QUERIES,
    MAX_WIDTH,
    SMALL_SCAN_BYTES,
    Plan,
    Tables,
    build_tables,
    expand_blocks,
    make_plan,
    probe_masks,
    probe_plan,
    substring_keys,
    verify_distances,
)

if TYPE_CHECKING:
    import faiss

    from graph.hash_join import JoinPlan

# faiss and graph.hash_join (numba, which compiles its kernels at import) are imported
# where they are used: a one-picture load's link update searches a few codes with the
# MIH tables and never needs either (about 0.8 s of CPU at import; issue 13).

__all__ = ["HashIndex", "Method", "StaleIndex"]

Method = Literal["auto", "mih", "flat"]
_METHODS = ("auto", "mih", "flat")
_FORMAT = "cluegraph-ndindex/1"


class StaleIndex(GraphError):
    """A saved index does not match the fingerprint or version the caller expected."""


def _digest(codes: np.ndarray, owner: np.ndarray, id_bytes: np.ndarray, offsets: np.ndarray) -> str:
    """SHA-256 of a saved index's arrays in their stored order (a check that the file
    reads back as written; unlike the fingerprint it needs no sort)."""
    h = hashlib.sha256(_FORMAT.encode() + b"\0")
    for a in (codes, owner.astype("<i8", copy=False), id_bytes, offsets.astype("<i8", copy=False)):
        h.update(str(a.shape).encode() + b"\0")
        # the array's own buffer, not a copy (0.3 s at 1M); a view of nothing: no bytes
        flat = np.ascontiguousarray(a).reshape(-1)
        h.update(flat.data.cast("B") if flat.size else b"")
    return h.hexdigest()


def _write_npz(
    target: Path,
    meta: dict,
    codes: np.ndarray,
    owner: np.ndarray,
    id_bytes: np.ndarray,
    id_offsets: np.ndarray,
) -> None:
    """Write an index file (or a tail) atomically: a temporary file, then a rename."""
    fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=target.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f,
                meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                codes=codes,
                owner=owner,
                id_bytes=id_bytes,
                id_offsets=id_offsets,
            )
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- the index


class _Ids:
    """The ids of a :class:`HashIndex` by position.

    Those read from a saved file stay the bytes read (64 MB for 1M SHA-256 keys) and are
    decoded one by one when a search returns them; ids added since are kept as strings.
    The id -> position dictionary is built only for many lookups at once: a few are
    found in the bytes themselves. Decoding 1M ids and building their dictionary took
    1.6 s of a one-picture load into a 1M-media store, which looks up one or two ids
    and returns a few hits (issue 13); saving writes the bytes read back unchanged."""

    #: Lookups answered by searching the bytes (about 15 ms each at 1M ids); more build
    #: the dictionary (about 1 s at 1M).
    FEW = 8

    def __init__(self, raw: bytes = b"", offsets: np.ndarray | None = None) -> None:
        self._raw = raw
        self._off = offsets if offsets is not None else np.zeros(1, dtype=np.int64)
        self._n_raw = int(self._off.shape[0]) - 1
        self._new: list[str] = []
        self._list: list[str] | None = None if self._n_raw else self._new
        self._pos: dict[str, int] | None = None if self._n_raw else {}

    def __len__(self) -> int:
        return len(self._list) if self._list is not None else self._n_raw + len(self._new)

    def __getitem__(self, k: int) -> str:
        if self._list is not None:
            return self._list[k]
        if k < self._n_raw:
            return self._raw[self._off[k] : self._off[k + 1]].decode("utf-8")
        return self._new[k - self._n_raw]

    def as_list(self) -> list[str]:
        """Every id, in order (decoded once and kept)."""
        if self._list is None:
            raw, off = self._raw, self._off.tolist()
            self._list = [raw[a:b].decode("utf-8") for a, b in zip(off[:-1], off[1:], strict=True)]
            self._list += self._new
            self._new = self._list
            self._raw, self._off, self._n_raw = b"", np.zeros(1, dtype=np.int64), 0
        return self._list

    def _positions(self) -> dict[str, int]:
        if self._pos is None:
            self._pos = {i: k for k, i in enumerate(self.as_list())}
        return self._pos

    def _find_raw(self, id_: str) -> int | None:
        """The position of ``id_`` among the ids read, found in their bytes (``-1``: too
        many matches inside other ids, e.g. short ids: ask the dictionary)."""
        needle = id_.encode("utf-8")
        start, tries = self._raw.find(needle), 0
        while start >= 0:
            k = int(np.searchsorted(self._off, start))
            if (
                k < self._n_raw
                and self._off[k] == start
                and self._off[k + 1] == start + len(needle)
            ):
                return k
            tries += 1
            if tries > 64:
                return -1
            start = self._raw.find(needle, start + 1)
        return None

    def lookup(self, ids: Sequence[str]) -> list[int | None]:
        """The position of each id (None when absent)."""
        if self._pos is None and len(set(ids)) > self.FEW:
            self._positions()
        if self._pos is not None:
            return [self._pos.get(i) for i in ids]
        found: dict[str, int | None] = {}
        for i in ids:
            if i not in found:
                k = self._find_raw(i)
                if k == -1:
                    return [self._positions().get(i) for i in ids]
                if k is None and i in self._new:
                    k = self._n_raw + self._new.index(i)
                found[i] = k
        return [found[i] for i in ids]

    def append(self, id_: str) -> int:
        """Add a new id (not already present); returns its position."""
        k = len(self)
        if self._list is not None:
            self._list.append(id_)
        else:
            self._new.append(id_)
        if self._pos is not None:
            self._pos[id_] = k
        return k

    def tail(self, k: int) -> list[str]:
        """The ids from position ``k`` on (decoded)."""
        return [self[i] for i in range(k, len(self))]

    def keep(self, mask: np.ndarray) -> None:
        """Keep the ids where ``mask`` is true (in order)."""
        kept = [i for i, k in zip(self.as_list(), mask.tolist(), strict=True) if k]
        self._list = self._new = kept
        self._pos = None

    def encoded(self) -> tuple[np.ndarray, np.ndarray]:
        """The ids as saved: their UTF-8 bytes end to end and the offsets of each."""
        tail = [i.encode("utf-8") for i in (self._new if self._list is None else self._list)]
        head = self._raw if self._list is None else b""
        base = self._off if self._list is None else np.zeros(1, dtype=np.int64)
        offsets = np.empty(base.shape[0] + len(tail), dtype=np.int64)
        offsets[: base.shape[0]] = base
        if tail:
            np.cumsum([len(e) for e in tail], out=offsets[base.shape[0] :])
            offsets[base.shape[0] :] += base[-1]
        return np.frombuffer(head + b"".join(tail), dtype=np.uint8), offsets


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
        self._ids = _Ids()
        self._codes = np.empty((0, self.nbytes), dtype=np.uint8)
        self._owner = np.empty(0, dtype=np.int64)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        # rows and ids as last read or written whole (or as a tail): what save_tail leaves
        # out; None once a removal made the index more than those plus appended rows
        self._base: tuple[int, int] | None = (0, 0)
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
        return list(self._ids.as_list())

    def add(self, ids: Sequence[str], hexes: Sequence[str] | np.ndarray) -> None:
        """Add codes; ``ids[i]`` owns ``hexes[i]``. Repeat an id to give it several codes.

        Raises InvalidHash naming the first bad position, or on a length mismatch.
        Adding invalidates built tables; add in batches rather than one code at a time.
        """
        id_list = check_ids(ids)
        codes = parse_hashes(hexes, self.bits)
        if len(id_list) != codes.shape[0]:
            raise InvalidHash(
                f"ids and hexes differ in length ({len(id_list)} ids, {codes.shape[0]} codes)"
            )
        if not id_list:
            return
        owner = np.empty(len(id_list), dtype=np.int64)
        known = self._ids.lookup(id_list)
        added: dict[str, int] = {}
        for i, (id_, k) in enumerate(zip(id_list, known, strict=True)):
            if k is None:
                k = added.get(id_)
                if k is None:
                    k = added[id_] = self._ids.append(id_)
            owner[i] = k
        self._pending.append((codes, owner))
        self._reset_caches()

    def remove(self, ids: Sequence[str]) -> int:
        """Remove ids with all their codes; unknown ids are ignored. Returns codes removed."""
        gone = {k for k in self._ids.lookup(check_ids(ids)) if k is not None}
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
        self._ids.keep(keep_id)
        self._reset_caches()
        self._base = None
        return removed

    def _reset_caches(self) -> None:
        self._tables: dict[int, Tables] = {}
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
        lo = max(1, math.ceil(self.bits / MAX_WIDTH))
        if m is not None and not lo <= m <= self.bits:
            raise InvalidHash(f"m: {m} is outside {lo}..{self.bits}")
        return make_plan(self.bits, max(self.n_codes, 1), radius, m, batch)

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

    def _get_tables(self, m: int) -> Tables:
        tables = self._tables.get(m)
        if tables is None:
            tables = self._tables[m] = build_tables(self._codes, m)
        return tables

    def _get_faiss(self) -> faiss.IndexBinaryFlat:
        import faiss

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
        if use_mih and method == "auto" and plan.m not in self._tables:
            # Tables not built yet (a one-shot command's few queries: a load's update):
            # scanning every code for them costs less than building the tables first
            # (1.7 s at 1M 256-bit codes against 0.05 s for 40 queries); same answers
            nq = queries.shape[0]
            flat_ns = COSTS["flat_per_code"] * n * nq + COSTS["flat_per_call"] * (1 + nq // 1024)
            if self._faiss is None:
                flat_ns += COSTS["faiss_add_per_code"] * n
            use_mih = flat_ns >= COSTS["table_per_code"] * plan.m * n
        per_query = max(plan.est_candidates_per_query, 1.0)
        batch = int(min(4096, max(1, BATCH_CANDIDATES // per_query)))
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
                    flat_ns = COSTS["flat_per_code"] * n * len(q) + COSTS["flat_per_call"]
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
        self, tables: Tables, plan: Plan, q: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Bucket ranges (starts into ``tables.perm``, counts, query rows) for a query batch."""
        used = tuple(tables.bounds[: len(plan.thresholds)])
        probe_table, probe_mask = probe_plan(used, plan.thresholds)
        keys = substring_keys(q, used)
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
        tables: Tables,
        q: np.ndarray,
        ranges: tuple[np.ndarray, np.ndarray, np.ndarray],
        radius: int,
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        words = self._words
        qwords = q.view(np.uint64) if self.nbytes % 8 == 0 else q
        for pos, qi in expand_blocks(*ranges, cap=BLOCK_CANDIDATES):
            ci = tables.perm[pos]
            d = verify_distances(words, ci, qwords, qi)
            keep = d <= radius
            if keep.any():
                yield qi[keep], ci[keep].astype(np.int64), d[keep]

    def _flat_matches(
        self, q: np.ndarray, radius: int, base: int | None
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """faiss range search; with ``base`` (a self-join), query row ``i`` is code row
        ``base + i`` and only code rows above it are reported. A small scan
        (``SMALL_SCAN_BYTES``) is made with numpy: same rows and distances."""
        n = self._codes.shape[0]
        if (
            self._faiss is None
            and hasattr(np, "bitwise_count")
            and q.shape[0] * n * self.nbytes <= SMALL_SCAN_BYTES
        ):
            x = np.bitwise_count(np.bitwise_xor(q[:, None, :], self._codes[None, :, :]))
            dist = x.sum(axis=2, dtype=np.int32)
            qs, cs = np.nonzero(dist <= radius)
            qi, idx, d = qs.astype(np.int32), cs.astype(np.int64), dist[qs, cs]
            if base is not None:
                keep = idx > qi + base
                qi, idx, d = qi[keep], idx[keep], d[keep]
            if qi.size:
                yield qi, idx, d
            return
        import faiss

        index = self._get_faiss()
        # faiss keeps distances strictly below its radius: pass radius + 1 for "<= radius".
        threads = faiss.omp_get_max_threads()
        if q.shape[0] < FAISS_PARALLEL_MIN_QUERIES and threads > 1:
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
        from graph.hash_join import JOIN_MAX_WIDTH, make_join_plan

        radius = self._check_radius(radius)
        lo = max(1, math.ceil(self.bits / JOIN_MAX_WIDTH))
        if m is not None and not lo <= m <= self.bits:
            raise InvalidHash(f"m: {m} is outside {lo}..{self.bits} for a self-join")
        return make_join_plan(self.bits, max(self.n_codes, 1), radius, m)

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
        from graph.hash_join import min_per_key

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
        key, dist = min_per_key(np.concatenate(keys), np.concatenate(dists))
        ids = self._ids.as_list()
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
        from graph.hash_join import (
            JOIN_BLOCK,
            counting_order,
            join_block,
            join_threads,
            min_per_key,
        )

        plan = self.join_plan(radius, m=m)
        n = self._codes.shape[0]
        n_words = -(-self.nbytes // 8)
        padded = np.zeros((n, n_words * 8), dtype=np.uint8)
        padded[:, : self.nbytes] = self._codes
        words = padded.view(np.uint64)
        del padded
        owner = self._owner
        n_ids = len(self._ids)
        workers = max(1, threads or join_threads())
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for (s, e), t in zip(plan.bounds, plan.thresholds, strict=True):
                width = e - s
                keys = substring_keys(self._codes, [(s, e)])[:, 0]
                offsets = np.zeros((1 << width) + 1, dtype=np.int64)
                np.cumsum(np.bincount(keys, minlength=1 << width), out=offsets[1:])
                order = counting_order(keys, offsets)
                args = (keys[order], words[order], owner[order], offsets, probe_masks(width, t))
                del keys, order
                # Tasks of about JOIN_BLOCK rows, cut on bucket boundaries.
                cuts = np.unique(np.r_[offsets[args[0][::JOIN_BLOCK]], n]).tolist()
                tasks = [
                    pool.submit(join_block, *args, lo, hi, radius)
                    for lo, hi in itertools.pairwise(cuts)
                ]
                found = [f.result() for f in tasks]
                del args
                if found:
                    a = np.concatenate([x[0] for x in found])
                    b = np.concatenate([x[1] for x in found])
                    key, d = min_per_key(
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
        ids = self._ids.as_list()
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

    def save(
        self,
        path: str | os.PathLike[str],
        *,
        version: str | None = None,
        fingerprint: bool = True,
    ) -> str:
        """Write the index (codes, ids, fingerprint, optional caller version) atomically.

        With ``fingerprint=False`` the fingerprint is not computed (a sort of every code:
        1.9 s of a one-picture load into a 1M-media store) and the digest of the arrays as
        written is returned instead: a caller that only ties its own state to this file
        (and reads it back with ``expected_digest``) needs nothing more.

        The MIH tables are not stored: they rebuild in about a second per million codes.
        Besides the fingerprint (of the content, independent of order: what callers compare),
        the metadata holds a digest of the arrays as written, which :meth:`load` checks
        instead of computing the fingerprint again (a sort of every code: ~25 s of CPU for
        3.9M codes on a busy machine against well under a second for the digest).
        Returns the fingerprint (the digest with ``fingerprint=False``).
        """
        self._consolidate()
        fp = self.fingerprint if fingerprint else None
        id_bytes, id_offsets = self._ids.encoded()
        digest = _digest(self._codes, self._owner, id_bytes, id_offsets)
        meta = {
            "format": _FORMAT,
            "bits": self.bits,
            "method": self.method,
            "fingerprint": fp,
            "digest": digest,
            "version": version,
            "n_ids": len(self._ids),
            "n_codes": int(self._codes.shape[0]),
        }
        _write_npz(Path(path), meta, self._codes, self._owner, id_bytes, id_offsets)
        self._base = (int(self._codes.shape[0]), len(self._ids))
        return fp if fp is not None else digest

    @property
    def appended(self) -> tuple[int, int] | None:
        """Codes and ids added since the index was last read or written (whole or as a
        tail), or None when a removal since makes a tail impossible."""
        if self._base is None:
            return None
        return self.n_codes - self._base[0], len(self._ids) - self._base[1]

    def save_tail(self, path: str | os.PathLike[str]) -> str:
        """Write only the codes and ids added since the index was last read or written
        (:attr:`appended`), atomically; returns the digest that :meth:`append_tail` checks.
        A one-picture load into a 1M-media store writes 40 codes, not the 200 MB index.

        Raises InvalidHash when a removal since makes a tail impossible."""
        if self._base is None:
            raise InvalidHash("a removal since the last save: save the whole index")
        self._consolidate()
        rows, n_ids = self._base
        codes = np.ascontiguousarray(self._codes[rows:])
        owner = np.ascontiguousarray(self._owner[rows:])
        encoded = [i.encode("utf-8") for i in self._ids.tail(n_ids)]
        id_bytes = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        id_offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=id_offsets[1:])
        digest = _digest(codes, owner, id_bytes, id_offsets)
        meta = {
            "format": _FORMAT,
            "tail": True,
            "bits": self.bits,
            "digest": digest,
            "base_codes": rows,
            "base_ids": n_ids,
            "n_codes": int(codes.shape[0]),
            "n_ids": len(encoded),
        }
        _write_npz(Path(path), meta, codes, owner, id_bytes, id_offsets)
        self._base = (int(self._codes.shape[0]), len(self._ids))
        return digest

    def append_tail(self, path: str | os.PathLike[str], *, expected_digest: str) -> None:
        """Add what :meth:`save_tail` wrote, to the index it was written from (the same
        codes and ids before it: checked).

        Raises InvalidHash when the file is damaged or follows another index."""
        name = os.fspath(path)
        meta = self.read_meta(path)
        if not meta.get("tail") or meta.get("digest") != expected_digest:
            raise InvalidHash(f"{name}: not the tail saved for this index")
        self._consolidate()
        if (meta.get("bits"), meta.get("base_codes"), meta.get("base_ids")) != (
            self.bits,
            int(self._codes.shape[0]),
            len(self._ids),
        ):
            raise InvalidHash(f"{name}: a tail of another index")
        with np.load(path, allow_pickle=False) as data:
            codes, owner = data["codes"], data["owner"]
            raw_ids, id_offsets = data["id_bytes"], data["id_offsets"]
        if _digest(codes, owner, raw_ids, id_offsets) != expected_digest:
            raise InvalidHash(f"{name}: content does not match its digest (damaged)")
        n_ids = len(self._ids) + int(meta["n_ids"])
        if codes.shape != (meta["n_codes"], self.nbytes) or owner.shape != (meta["n_codes"],):
            raise InvalidHash(f"{name}: arrays do not match the saved counts")
        if owner.size and (owner.min() < 0 or owner.max() >= n_ids):
            raise InvalidHash(f"{name}: code owners point outside the id list")
        raw, offsets = raw_ids.tobytes(), id_offsets.tolist()
        if len(offsets) != meta["n_ids"] + 1 or offsets[-1] != len(raw):
            raise InvalidHash(f"{name}: id offsets do not fit the id bytes")
        for a, b in zip(offsets[:-1], offsets[1:], strict=True):
            self._ids.append(raw[a:b].decode("utf-8"))
        self._codes = np.ascontiguousarray(np.concatenate([self._codes, codes]), dtype=np.uint8)
        self._owner = np.concatenate([self._owner, owner.astype(np.int64)])
        self._reset_caches()
        self._base = (int(self._codes.shape[0]), len(self._ids))

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
        expected_digest: str | None = None,
    ) -> HashIndex:
        """Read an index written by ``save``.

        Raises
        ------
        StaleIndex when ``expected_fingerprint`` or ``expected_version`` is given and
        differs from the saved one (the caller should rebuild); InvalidHash when the file
        is not a saved index or is damaged.
        """
        meta = cls.read_meta(path)
        if meta.get("tail"):
            raise InvalidHash(f"{os.fspath(path)}: a tail, not a whole index (append_tail)")
        for key, expected in (
            ("fingerprint", expected_fingerprint),
            ("version", expected_version),
            ("digest", expected_digest),
        ):
            if expected is not None and meta.get(key) != expected:
                raise StaleIndex(
                    f"{os.fspath(path)}: saved {key} {meta.get(key)!r} is not {expected!r}",
                    hint="rebuild the index from the graph and save it again",
                )
        with np.load(path, allow_pickle=False) as data:
            codes, owner = data["codes"], data["owner"]
            raw_ids, id_offsets = data["id_bytes"], data["id_offsets"]
        digest = meta.get("digest")
        if digest is not None and _digest(codes, owner, raw_ids, id_offsets) != digest:
            raise InvalidHash(f"{os.fspath(path)}: content does not match its digest (damaged)")
        id_bytes = raw_ids.tobytes()
        id_offsets = np.asarray(id_offsets, dtype=np.int64)
        if (
            id_offsets.ndim != 1
            or id_offsets.size < 1
            or id_offsets[0] != 0
            or id_offsets[-1] != len(id_bytes)
            or (id_offsets.size > 1 and bool((np.diff(id_offsets) < 0).any()))
        ):
            raise InvalidHash(f"{os.fspath(path)}: id offsets do not fit the id bytes")
        # kept as the bytes read: decoded when a search returns them (_Ids)
        ids = _Ids(id_bytes, id_offsets)
        index = cls(int(meta["bits"]), method=meta.get("method", "auto"))
        if codes.shape != (meta["n_codes"], index.nbytes) or owner.shape != (meta["n_codes"],):
            raise InvalidHash(f"{os.fspath(path)}: arrays do not match the saved counts")
        if len(ids) != meta.get("n_ids", len(ids)):
            raise InvalidHash(f"{os.fspath(path)}: ids do not match the saved counts")
        if owner.size and (owner.min() < 0 or owner.max() >= len(ids)):
            raise InvalidHash(f"{os.fspath(path)}: code owners point outside the id list")
        index._ids = ids
        index._base = (int(codes.shape[0]), len(ids))
        index._codes = np.ascontiguousarray(codes, dtype=np.uint8)
        index._owner = owner.astype(np.int64)
        if digest is not None:
            # The arrays are the ones saved (digest checked): their fingerprint is the saved
            # one (None when saved without one: computed when asked)
            index._fingerprint = meta["fingerprint"]
        elif index.fingerprint != meta["fingerprint"]:  # a file saved before the digest
            raise InvalidHash(f"{os.fspath(path)}: content does not match its fingerprint")
        return index
