"""Concurrent analysts: latency and throughput of the query layer under load.

    python bench/bench_load.py [--users 20] [--seconds 60] [--quick]
                               [--world large --media 100000 | --world medium] [--reset-db]

``--users`` threads, each an analyst running a weighted mix of what the app does, through
the same functions the pages call: the series view (``service.series`` detail, media, links),
the ``cross-country``, ``camera-trail``, ``clusters`` and ``path`` leads and ``triage``
by hash (``graph.leads``), for ``--seconds`` (``--quick``: 20 s). The target is
``--world``: the large world with ``--media`` media records (``--quick``: 20 000; the same
world as ``bench_app.py``) or the medium demo world (drawn images, loaded through the media
loader). A database marked as holding the target is used as it is; an empty one gets it
loaded (and its links rebuilt); anything else is refused unless ``--reset-db`` (see
``bench_app.load_if_empty``). Only a loopback Neo4j is accepted. Every request is counted: its
latency, and every exception as an error of its operation. Prints a Markdown table and
saves ``bench/results/load.json`` and ``load.md``. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.bench_app import QUICK_MEDIA, graph_size, load_if_empty  # noqa: E402
from bench.common import machine  # noqa: E402
from graph import db  # noqa: E402
from graph.config import get_settings  # noqa: E402
from service import series as series_service  # noqa: E402

LOOPBACK = {"127.0.0.1", "localhost", "::1"}

#: operation -> weight in the mix
MIX = {
    "series_view": 35,
    "triage_hash": 25,
    "camera_trail": 15,
    "cross_country": 10,
    "path": 10,
    "clusters": 5,
}


def pct(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def samples(drv, n: int = 2000) -> dict:
    """Ids to ask about, drawn from the graph (series, linked pairs, camera serials, hashes)."""

    def col(q: str) -> list:
        return [r["v"] for r in db.records(drv, q, name="bench.samples", n=n)]

    s = {
        "series": col("MATCH (s:Series) RETURN s.id AS v LIMIT $n"),
        "pairs": [
            (r["a"], r["b"])
            for r in db.records(
                drv,
                "MATCH (a:Series)-[:LINKED]->(b:Series) RETURN a.id AS a, b.id AS b LIMIT $n",
                name="bench.samples",
                n=n,
            )
        ],
        "serials": col("MATCH (c:Camera) WHERE c.serial IS NOT NULL RETURN c.serial AS v LIMIT $n"),
        "sha256": col("MATCH (m:Media) RETURN m.sha256 AS v LIMIT $n"),
        "md5": col("MATCH (m:Media) WHERE m.md5 IS NOT NULL RETURN m.md5 AS v LIMIT $n"),
    }
    return s


def operations(drv, smp: dict) -> dict[str, Callable[[random.Random], object]]:
    from graph import auth
    from graph.leads import LEADS

    analyst = auth.User("bench-analyst", auth.Role.ANALYST)

    def series_view(rng: random.Random):
        sid = rng.choice(smp["series"])
        series_service.detail(drv, sid, user=analyst)
        series_service.media(drv, sid, user=analyst)
        series_service.links(drv, sid, user=analyst)

    def triage_hash(rng: random.Random):
        hashes = [rng.choice(smp["sha256"]), f"{rng.getrandbits(256):064x}"]
        if smp["md5"]:
            hashes.append(rng.choice(smp["md5"]))
        LEADS["triage"].run(drv, hashes=hashes)

    def camera_trail(rng: random.Random):
        LEADS["camera-trail"].run(drv, serial=rng.choice(smp["serials"]))

    def cross_country(rng: random.Random):
        LEADS["cross-country"].run(drv)

    def path(rng: random.Random):
        if smp["pairs"] and rng.random() < 0.5:
            a, b = rng.choice(smp["pairs"])
        else:
            a, b = rng.sample(smp["series"], 2)
        LEADS["path"].run(drv, series_a=a, series_b=b)

    def clusters(rng: random.Random):
        LEADS["clusters"].run(drv)

    ops = {
        "series_view": series_view,
        "triage_hash": triage_hash,
        "camera_trail": camera_trail,
        "cross_country": cross_country,
        "path": path,
        "clusters": clusters,
    }
    if not smp["serials"]:
        ops.pop("camera_trail")
    if len(smp["series"]) < 2:
        ops.pop("path")
    return ops


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--quick", action="store_true", help="20 s (and the 20 000-media world)")
    ap.add_argument("--world", choices=["large", "medium"], default="large")
    ap.add_argument("--media", type=int, default=100_000, help="media of the large world")
    ap.add_argument("--reset-db", action="store_true", help="empty the database first")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--max-requests", type=int, default=100_000, help="per analyst (a bound on each loop)"
    )
    ap.add_argument(
        "--only",
        action="append",
        choices=sorted(MIX),
        help="run only these operations (repeatable; default: the whole mix)",
    )
    ap.add_argument(
        "--store-as-is",
        action="store_true",
        help="measure whatever the store holds (no world loaded or checked; the table says so)",
    )
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    seconds = 20.0 if args.quick else args.seconds
    at_start = machine()
    code = common.code_version()
    media = QUICK_MEDIA if args.quick else args.media

    uri, _auth, _name = db.connection(get_settings())
    host = urlparse(uri).hostname
    if host not in LOOPBACK:
        print(f"refusing a non-loopback Neo4j ({uri})", file=sys.stderr)
        return 2
    drv = db.get_driver()
    target: str | int = "medium" if args.world == "medium" else media
    if args.store_as_is:
        info = {"target": f"store-as-is-{media}", "loaded": False, "as_is": True}
    else:
        info = load_if_empty(drv, target, args.seed, reset=args.reset_db)
    drv = db.get_driver()  # a new one when the load restarted the server (--bulk)
    if "refused" in info:
        print(info["refused"], file=sys.stderr)
        return 2
    size = graph_size(drv)
    smp = samples(drv)
    if not smp["series"] or not smp["sha256"]:
        print("the graph holds no series or media", file=sys.stderr)
        return 2
    ops = operations(drv, smp)
    if args.only:
        ops = {k: v for k, v in ops.items() if k in args.only}
    # The first triage loads the near-duplicate index from disk, or builds it from the
    # graph when the saved one is stale: a one-off cost, timed here before the clock.
    from graph.leads import LEADS

    t0 = time.perf_counter()
    LEADS["triage"].run(drv, hashes=[smp["sha256"][0]])
    first_triage = time.perf_counter() - t0
    names = list(ops)
    weights = [MIX[n] for n in names]

    lock = threading.Lock()
    lat: dict[str, list[float]] = {n: [] for n in names}
    err_lat: dict[str, list[float]] = {n: [] for n in names}
    errors: dict[str, Counter] = {n: Counter() for n in names}
    first_msgs: dict[str, list[str]] = {n: [] for n in names}
    start = threading.Barrier(args.users + 1)
    deadline = [0.0]

    def analyst(i: int) -> None:
        rng = random.Random(args.seed * 1000 + i)
        mine: dict[str, list[tuple[float, BaseException | None]]] = {n: [] for n in names}
        try:
            start.wait()
            for _ in range(args.max_requests):
                if time.perf_counter() >= deadline[0]:
                    break
                op = rng.choices(names, weights)[0]
                t0 = time.perf_counter()
                exc: BaseException | None = None
                try:
                    ops[op](rng)
                except Exception as e:  # noqa: BLE001 - every failure is counted
                    exc = e
                mine[op].append((time.perf_counter() - t0, exc))
        finally:
            with lock:
                for op, items in mine.items():
                    for dt, exc in items:
                        if exc is None:
                            lat[op].append(dt)
                        else:
                            err_lat[op].append(dt)
                            errors[op][type(exc).__name__] += 1
                            if len(first_msgs[op]) < 3:
                                first_msgs[op].append(f"{type(exc).__name__}: {exc}"[:300])

    crashed: list[str] = []

    def guarded(i: int) -> None:
        try:
            analyst(i)
        except BaseException as e:  # noqa: BLE001 - a dead analyst thread is an error too
            with lock:
                crashed.append(f"analyst {i}: {type(e).__name__}: {e}"[:300])

    threads = [threading.Thread(target=guarded, args=(i,), daemon=True) for i in range(args.users)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    t_start = time.perf_counter()
    start.wait()
    for t in threads:
        t.join(timeout=seconds + 900)
    wall = time.perf_counter() - t_start
    load_end = [round(x, 2) for x in os.getloadavg()]
    stuck = sum(t.is_alive() for t in threads)

    per_op = []
    for op in names:
        ok = lat[op]
        n_err = sum(errors[op].values())
        alls = ok + err_lat[op]
        per_op.append(
            {
                "operation": op,
                "weight": MIX[op],
                "count": len(alls),
                "ok": len(ok),
                "errors": n_err,
                "error_types": dict(errors[op]),
                "error_examples": first_msgs[op],
                "p50_ms": round(pct(ok, 0.50) * 1000, 1) if ok else None,
                "p95_ms": round(pct(ok, 0.95) * 1000, 1) if ok else None,
                "max_ms": round(max(alls) * 1000, 1) if alls else None,
            }
        )
    total = sum(r["count"] for r in per_op)
    total_err = sum(r["errors"] for r in per_op) + len(crashed) + stuck
    cmd = "python bench/bench_load.py" + (
        " --quick" if args.quick else f" --users {args.users} --seconds {seconds:g}"
    )
    cmd += " --world medium" if args.world == "medium" else f" --media {media}"
    cmd += "".join(f" --only {o}" for o in args.only or []) + (
        " --store-as-is" if args.store_as_is else ""
    )
    out = {
        "machine": at_start,
        "load_average_at_end": load_end,
        "command": cmd,
        "code": code,
        "users": args.users,
        "seconds": seconds,
        "wall_s": round(wall, 1),
        "graph": size,
        "setup": info,
        "first_triage_s": round(first_triage, 2),
        "requests": total,
        "errors": total_err,
        "throughput_rps": round(total / wall, 1) if wall else None,
        "crashed_threads": crashed,
        "stuck_threads": stuck,
        "operations": per_op,
    }
    fmt = lambda v: "-" if v is None else f"{v:g}"  # noqa: E731
    lines = [
        f"Load: {args.users} concurrent analysts for {seconds:g} s through graph.pages / "
        f"graph.leads (`{cmd}`)",
        "",
        f"Machine: {common.describe(at_start)}, at the end {load_end}",
        "",
        f"Measured: {common.describe_code(code)}.",
        "",
        (
            f"Graph: the store as it is (not checked to be a world), {size['media']} media, "
            f"{size['series']} series, {size['cases']} cases, {size['links']} links"
            if info.get("as_is")
            else f"Graph: the {info['target']} world, {size['media']} media, "
            f"{size['series']} series, {size['cases']} cases, {size['links']} links"
            + ("; loaded for this run" if info.get("loaded") else "; already loaded")
        ),
        "",
        "| operation | share | requests | errors | p50 | p95 | max |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {r['operation']} | {r['weight']}% | {r['count']} | {r['errors']} | "
            f"{fmt(r['p50_ms'])} ms | {fmt(r['p95_ms'])} ms | {fmt(r['max_ms'])} ms |"
            for r in per_op
        ],
        "",
        f"Overall: {total} requests in {wall:.1f} s = {out['throughput_rps']} requests/s, "
        f"{total_err} errors (latencies of successful requests; max includes failed ones). "
        "series_view = detail + media page + links of a random series; triage_hash = one "
        "known SHA-256, one unknown, one known MD5. Before the clock: one triage alone "
        f"({first_triage:.1f} s), which loads the near-duplicate index (or builds it from "
        "the graph when the saved one is stale).",
    ]
    if crashed or stuck:
        lines += ["", f"Crashed threads: {crashed}; still running at the end: {stuck}"]
    ex = [f"{r['operation']}: {m}" for r in per_op for m in r["error_examples"]]
    if ex:
        lines += ["", "Error examples: " + "; ".join(ex[:10])]
    md = "\n".join(lines)
    print(md)
    if not args.no_save:
        common.save_run("load", info["target"], out, md)
    return 1 if total_err else 0


if __name__ == "__main__":
    sys.exit(main())
