"""Benchmark graph/ndindex.py: exact radius search over 1M random PDQ codes.

    .venv/bin/python bench/bench_ndindex.py                 # n=1,000,000, 200 queries
    .venv/bin/python bench/bench_ndindex.py --n 100000 --pairs-n 0

For each method (faiss flat scan, multi-index hashing, auto) it reports build time, median
and p95 single-query latency, batch throughput, recall against an independent numpy brute
force (must be 1.0), results beyond the radius (must be 0) and memory. It also sweeps the
MIH substring count around the cost model's choice, times ``pairs()`` on a subset, and
times save/load. Output: a Markdown table on stdout, ``bench/results/ndindex.md`` and
``bench/results/ndindex.json`` with the machine description.

All codes are random and synthetic; planted neighbours sit at distances 0, 1, 15,
radius and radius + 1 of every query.

A comparison with a Cypher scan in Neo4j plugs in at ``reference_timings`` below: return
extra rows of the same shape and they appear in the table and the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from graph.ndindex import HashIndex, Method  # noqa: E402  (needs the path set just above)

RESULTS = Path(__file__).resolve().parent / "results"


# ------------------------------------------------------------------------ machine


def machine() -> dict:
    return {
        **common.machine(),
        "numpy": np.__version__,
        "faiss": faiss.__version__,
        "faiss_omp_threads": faiss.omp_get_max_threads(),
    }


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ------------------------------------------------------------------------ data


def flip_bits(rng: np.random.Generator, code: np.ndarray, d: int) -> np.ndarray:
    bits = np.unpackbits(code)
    bits[rng.choice(bits.size, size=d, replace=False)] ^= 1
    return np.packbits(bits)


def make_data(n: int, n_queries: int, bits: int, radius: int, seed: int):
    """Random codes with planted neighbours of every query at 0, 1, 15, r and r + 1."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 256, size=(n, bits // 8), dtype=np.uint8)
    queries = rng.integers(0, 256, size=(n_queries, bits // 8), dtype=np.uint8)
    distances = sorted({0, 1, min(15, radius), radius, radius + 1})
    slots = rng.choice(n, size=n_queries * len(distances), replace=False)
    planted = {}
    k = 0
    for qi in range(n_queries):
        for d in distances:
            codes[slots[k]] = flip_bits(rng, queries[qi], d)
            planted[(qi, int(slots[k]))] = d
            k += 1
    return codes, queries, planted


def brute_force(codes: np.ndarray, queries: np.ndarray, radius: int) -> list[dict[int, int]]:
    """Independent reference: numpy popcount over every code, one query at a time."""
    words = codes.view(np.uint64) if codes.shape[1] % 8 == 0 else codes
    qwords = queries.view(np.uint64) if codes.shape[1] % 8 == 0 else queries
    out = []
    for q in qwords:
        d = np.bitwise_count(words ^ q).sum(axis=1)
        hit = np.flatnonzero(d <= radius)
        out.append(dict(zip(hit.tolist(), d[hit].tolist(), strict=True)))
    return out


# ------------------------------------------------------------------------ reference hook


def reference_timings(
    ids: list[str], hexes: list[str], query_hexes: list[str], radius: int
) -> list[dict]:
    """Extra reference rows (e.g. a Cypher scan over ``Media.pdq`` in Neo4j).

    Return dicts with at least ``method``, ``median_ms``, ``p95_ms`` and ``recall``;
    they are added to the table and JSON. Empty until the Neo4j comparison is written.
    """
    return []


# ------------------------------------------------------------------------ timing


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(np.array(values), p))


def time_queries(index: HashIndex, qhex: list[str], radius: int, method: Method, **kw):
    singles = []
    results = []
    for h in qhex:
        t0 = time.perf_counter()
        results.append(index.search([h], radius, method=method, **kw)[0])
        singles.append((time.perf_counter() - t0) * 1e3)
    t0 = time.perf_counter()
    batch = index.search(qhex, radius, method=method, **kw)
    batch_s = time.perf_counter() - t0
    return singles, batch_s, results, batch


def score(results, truth, id_pos, radius, planted):
    found = total = beyond = 0
    exact = True
    planted_missing = 0
    for qi, hits in enumerate(results):
        got = {id_pos[i]: d for i, d in hits}
        beyond += sum(1 for d in got.values() if d > radius)
        total += len(truth[qi])
        found += sum(1 for k, d in truth[qi].items() if got.get(k) == d)
        exact &= got == truth[qi]
    for (qi, row), d in planted.items():
        present = row in {id_pos[i] for i, _ in results[qi]}
        if (d <= radius) != present:
            planted_missing += 1
    return {
        "recall": found / total if total else 1.0,
        "truth_pairs": total,
        "beyond_radius": beyond,
        "exact_match": exact,
        "planted_wrong": planted_missing,
    }


def run(args: argparse.Namespace) -> dict:
    t_start = time.perf_counter()
    info = machine()
    bits, radius = args.bits, args.radius
    print(f"# ndindex benchmark: n={args.n:,} queries={args.queries} bits={bits} r={radius}")
    t0 = time.perf_counter()
    codes, queries, planted = make_data(args.n, args.queries, bits, radius, args.seed)
    ids = [f"img{i}" for i in range(args.n)]
    hexes = [row.hex() for row in map(bytes, codes)]
    qhex = [row.hex() for row in map(bytes, queries)]
    print(f"data generated in {time.perf_counter() - t0:.1f}s")

    rss0 = rss_mb()
    index = HashIndex(bits)
    t0 = time.perf_counter()
    index.add(ids, hexes)
    load_s = time.perf_counter() - t0
    rss_codes = rss_mb()
    id_pos = {id_: k for k, id_ in enumerate(ids)}

    t0 = time.perf_counter()
    truth = brute_force(codes, queries, radius)
    brute_ms = (time.perf_counter() - t0) * 1e3 / len(queries)

    plan = index.plan(radius)
    rows = []
    # flat
    t0 = time.perf_counter()
    index.build(radius, method="flat")
    flat_build = time.perf_counter() - t0
    rss_flat = rss_mb()
    # mih
    t0 = time.perf_counter()
    index.build(radius, method="mih")
    mih_build = time.perf_counter() - t0
    rss_mih = rss_mb()
    mem = index.memory_bytes()
    builds = {
        "flat": (flat_build, mem["codes"] + mem["faiss"], rss_flat - rss_codes),
        "mih": (mih_build, mem["codes"] + mem["mih_tables"], rss_mih - rss_flat),
        "auto": (flat_build + mih_build, sum(mem.values()), rss_mih - rss_codes),
    }
    methods: tuple[Method, ...] = ("flat", "mih", "auto")
    for method in methods:
        singles, batch_s, results, batch = time_queries(index, qhex, radius, method)
        s = score(results, truth, id_pos, radius, planted)
        s_batch = score(batch, truth, id_pos, radius, planted)
        build_s, struct_bytes, rss_delta = builds[method]
        rows.append(
            {
                "method": method if method != "mih" else f"mih (m={plan.m})",
                "build_s": build_s,
                "median_ms": statistics.median(singles),
                "p95_ms": percentile(singles, 95),
                "batch_us_per_query": batch_s * 1e6 / len(qhex),
                "recall": min(s["recall"], s_batch["recall"]),
                "beyond_radius": s["beyond_radius"] + s_batch["beyond_radius"],
                "exact_match": s["exact_match"] and s_batch["exact_match"],
                "planted_wrong": s["planted_wrong"] + s_batch["planted_wrong"],
                "index_mb": struct_bytes / 2**20,
                "rss_delta_mb": rss_delta,
            }
        )
        print(f"{method}: done")
    rows.extend(reference_timings(ids, hexes, qhex, radius))

    # Sweep the MIH substring count around the model's choice (validates the cost model).
    sweep = []
    if args.sweep:
        lo = -(-bits // 32)  # substrings are at most 32 bits wide
        for m in sorted({plan.m - 3, plan.m - 1, plan.m, plan.m + 1, plan.m + 3}):
            if not lo <= m <= radius + 1:
                continue
            t0 = time.perf_counter()
            p = index.build(radius, m=m, method="mih")
            b = time.perf_counter() - t0
            t0 = time.perf_counter()
            res = index.search(qhex, radius, method="mih", m=m)
            q_s = time.perf_counter() - t0
            sweep.append(
                {
                    "m": m,
                    "widths": f"{min(p.widths)}-{max(p.widths)}",
                    "thresholds": f"{min(p.thresholds)}-{max(p.thresholds)}",
                    "probes": p.probes_per_query,
                    "est_candidates": round(p.est_candidates_per_query),
                    "model_us": p.est_mih_ns_per_query / 1e3,
                    "measured_batch_us": q_s * 1e6 / len(qhex),
                    "build_s": b,
                    "exact": score(res, truth, id_pos, radius, planted)["exact_match"],
                }
            )
        print("sweep: done")

    # pairs() on a subset (a flat self-join of 1M codes would take minutes).
    pairs = []
    if args.pairs_n:
        sub = HashIndex(bits)
        k = min(args.pairs_n, args.n)
        sub.add(ids[:k], codes[:k])
        sub_plan = sub.join_plan(radius)  # pairs() runs the table join
        outputs = {}
        pair_methods: tuple[Method, ...] = ("flat", "mih", "auto")
        for method in pair_methods:
            fresh = HashIndex(bits)
            fresh.add(ids[:k], codes[:k])
            t0 = time.perf_counter()
            out = sorted(fresh.pairs(radius, method=method))
            outputs[method] = out
            pairs.append(
                {
                    "method": method,
                    "n": k,
                    "seconds_incl_build": time.perf_counter() - t0,
                    "pairs": len(out),
                }
            )
        same = outputs["flat"] == outputs["mih"] == outputs["auto"]
        for row in pairs:
            row["same_as_flat"] = same
            row["mih_m"] = sub_plan.m
        print("pairs: done")

    # save / load with fingerprint check
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pdq.ndindex"
        t0 = time.perf_counter()
        fingerprint = index.save(path, version="bench")
        save_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 2**20
        t0 = time.perf_counter()
        HashIndex.load(path, expected_fingerprint=fingerprint)
        load_file_s = time.perf_counter() - t0
    info["load_average_at_end"] = list(os.getloadavg())
    report = {
        "args": dict(vars(args)),
        "machine": info,
        "hex_parse_and_add_s": load_s,
        "codes_rss_mb": rss_codes - rss0,
        "numpy_bruteforce_ms_per_query": brute_ms,
        "plan": {
            "m": plan.m,
            "widths": list(plan.widths),
            "thresholds": list(plan.thresholds),
            "probes_per_query": plan.probes_per_query,
            "est_candidates_per_query": plan.est_candidates_per_query,
            "est_mih_us_per_query": plan.est_mih_ns_per_query / 1e3,
            "est_flat_us_per_query": plan.est_flat_ns_per_query / 1e3,
        },
        "methods": rows,
        "mih_sweep": sweep,
        "pairs": pairs,
        "save_load": {
            "save_s": save_s,
            "load_with_fingerprint_check_s": load_file_s,
            "file_mb": size_mb,
            "fingerprint": fingerprint,
        },
        "total_s": time.perf_counter() - t_start,
    }
    return report


def fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 100 else f"{v:,.0f}"
    return str(v)


def table(rows: list[dict], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        lines.append("| " + " | ".join(fmt(r.get(c, "")) for c in columns) + " |")
    return "\n".join(lines)


def markdown(report: dict) -> str:
    m = report["machine"]
    a = report["args"]
    out = [
        "# ndindex benchmark",
        "",
        f"`{' '.join(report['command'])}`",
        "",
        f"Machine: {m['cpu_model']}, {m['cpus']} CPUs, {m['ram_gib']} GiB RAM; "
        f"Python {m['python']}, numpy {m['numpy']}, faiss {m['faiss']} "
        f"({m['faiss_omp_threads']} OpenMP threads); load average "
        f"{m['load_average_at_start'][0]:.2f} at start, {m['load_average_at_end'][0]:.2f} at end.",
        "",
        f"{a['n']:,} random {a['bits']}-bit codes, {a['queries']} queries, radius <= "
        f"{a['radius']}, seed {a['seed']}; planted neighbours at 0, 1, 15, r, r+1. "
        f"Hex parsing + add: {report['hex_parse_and_add_s']:.2f} s; numpy brute force: "
        f"{report['numpy_bruteforce_ms_per_query']:.1f} ms/query.",
        "",
        "Latency is one query per call; batch is all queries in one call. Recall is against "
        "the numpy brute force; `beyond` counts results farther than the radius.",
        "",
        table(
            report["methods"],
            [
                "method",
                "build_s",
                "median_ms",
                "p95_ms",
                "batch_us_per_query",
                "recall",
                "beyond_radius",
                "exact_match",
                "planted_wrong",
                "index_mb",
                "rss_delta_mb",
            ],
        ),
    ]
    if report["mih_sweep"]:
        out += [
            "",
            f"MIH substring count (model's choice m={report['plan']['m']}); batch time per query:",
            "",
            table(
                report["mih_sweep"],
                [
                    "m",
                    "widths",
                    "thresholds",
                    "probes",
                    "est_candidates",
                    "model_us",
                    "measured_batch_us",
                    "build_s",
                    "exact",
                ],
            ),
        ]
    if report["pairs"]:
        out += [
            "",
            "`pairs(radius)` self-join (includes building the index):",
            "",
            table(
                report["pairs"],
                ["method", "n", "mih_m", "seconds_incl_build", "pairs", "same_as_flat"],
            ),
        ]
    sl = report["save_load"]
    out += [
        "",
        f"save: {sl['save_s']:.2f} s, load with fingerprint check: "
        f"{sl['load_with_fingerprint_check_s']:.2f} s, file {sl['file_mb']:.0f} MB. "
        f"Total run {report['total_s']:.0f} s.",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="codes in the index")
    parser.add_argument("--queries", type=int, default=200, help="queries to time")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bits", type=int, default=256, choices=[64, 256])
    parser.add_argument("--radius", type=int, default=None, help="default: 31 (PDQ), 8 (pHash)")
    parser.add_argument("--pairs-n", type=int, default=100_000, help="codes for pairs(); 0 skips")
    parser.add_argument("--no-sweep", dest="sweep", action="store_false")
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory for the results")
    args = parser.parse_args(argv)
    if args.radius is None:
        args.radius = 31 if args.bits == 256 else 8
    report = run(args)
    report["command"] = ["python", "bench/bench_ndindex.py", *(argv or sys.argv[1:])]
    report["args"]["out"] = str(report["args"]["out"])
    md = markdown(report)
    print(md)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ndindex.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (args.out / "ndindex.md").write_text(md)
    failed = [
        r["method"]
        for r in report["methods"]
        if r.get("recall") != 1.0 or r.get("beyond_radius") or r.get("planted_wrong")
    ]
    if failed:
        print(f"NOT EXACT: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
