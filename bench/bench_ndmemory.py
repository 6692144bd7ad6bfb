"""Memory of the near-duplicate index at 1M synthetic codes, extrapolated to 10M items.

    python bench/bench_ndmemory.py [--codes 1000000] [--radius 31]

No Neo4j: random 256-bit codes (PDQ-like) go into a ``graph.ndindex.HashIndex``, its
multi-index tables for ``--radius`` are built, and the bytes it holds are read with
``HashIndex.memory_bytes`` (codes and owners, MIH tables, faiss copy) next to the growth
of the process's resident set. Also times 200 radius searches. The extrapolation to 10M
items assumes what the graph stores per image: 2 codes for a metadata-only record (PDQ and
pHash), about 43 for a drawn or photographed image (PDQ, trimmed PDQ, 34 crop hashes, 7
dihedral variants; ``bench/results/links.md``). Saves ``bench/results/ndmemory.{json,md}``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.common import machine  # noqa: E402
from graph.ndindex import HashIndex  # noqa: E402

#: Codes per item the graph indexes (see the module's text).
CODES_PER_ITEM = {"metadata record (PDQ + pHash)": 2, "image with crops and variants": 43}


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codes", type=int, default=1_000_000)
    ap.add_argument("--radius", type=int, default=31)
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    at_start = machine()
    rng = np.random.default_rng(1)
    n = args.codes
    base = rss_mb()
    codes = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    ids = [f"{i:064x}" for i in range(n)]
    t0 = time.perf_counter()
    idx = HashIndex(256)
    idx.add(ids, codes)
    del codes
    plan = idx.build(args.radius, method="mih")
    build_s = time.perf_counter() - t0
    mem = idx.memory_bytes()
    held = mem["codes"] + mem["mih_tables"] + mem["faiss"]
    ids_bytes = sum(sys.getsizeof(i) for i in ids[:1000]) / 1000 * n + sys.getsizeof(ids)
    after = rss_mb()
    q = np.random.default_rng(2).integers(0, 256, size=(200, 32), dtype=np.uint8)
    t1 = time.perf_counter()
    idx.search(q, args.radius)
    search_ms = (time.perf_counter() - t1) * 1000 / len(q)
    per_code = (held + ids_bytes) / n
    rows = []
    for what, k in CODES_PER_ITEM.items():
        # ids are per item, not per code: count them once per item
        per_item = held / n * k + ids_bytes / n
        rows.append(
            {
                "item": what,
                "codes_per_item": k,
                "bytes_per_item": round(per_item),
                "gib_per_10M_items": round(per_item * 10_000_000 / 2**30, 2),
            }
        )
    data = {
        "command": f"python bench/bench_ndmemory.py --codes {n} --radius {args.radius}",
        "machine": at_start,
        "load_end": [round(x, 2) for x in os.getloadavg()],
        "code": common.code_version(),
        "codes": n,
        "mih_m": plan.m,
        "bytes": {**mem, "ids_estimate": round(ids_bytes)},
        "bytes_per_code": round(per_code, 1),
        "rss_growth_mb": round(after - base, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "build_s": round(build_s, 2),
        "search_ms_per_query": round(search_ms, 3),
        "extrapolation": rows,
    }
    md = [
        "# Near-duplicate index memory",
        "",
        f"`{data['command']}`",
        "",
        f"Machine: {common.describe(at_start)}; load at the end {data['load_end']}.",
        "",
        f"{n:,} random 256-bit codes, MIH tables for radius {args.radius} (m = {plan.m}): "
        f"codes+owners {mem['codes'] / 2**20:,.1f} MiB, tables {mem['mih_tables'] / 2**20:,.1f} "
        f"MiB, ids ~{ids_bytes / 2**20:,.1f} MiB; {per_code:,.0f} bytes per code; resident set "
        f"grew {data['rss_growth_mb']:,} MiB (peak {data['peak_rss_mb']:,} MiB). Built in "
        f"{build_s:.1f} s; {search_ms:.2f} ms per radius-{args.radius} query.",
        "",
        "| item | codes per item | bytes per item | GiB per 10M items |",
        "|---|---|---|---|",
    ]
    for r in rows:
        md.append(
            f"| {r['item']} | {r['codes_per_item']} | {r['bytes_per_item']:,} | "
            f"{r['gib_per_10M_items']} |"
        )
    text = "\n".join(md) + "\n"
    print(text)
    if not args.no_save:
        common.save("ndmemory", data, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
