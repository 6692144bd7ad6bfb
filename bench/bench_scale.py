"""Scale: load and link-rebuild cost of the large world at 10k, 100k and 1M media records.

    python bench/bench_scale.py [--sizes 10000 100000 1000000] [--seed 7] [--no-save]

For each size, on a FRESH store of the benchmark's own local Neo4j (stopped, its store
wiped, started again: ``CLUEGRAPH_HOME``, default ``.cluegraph/bench``, Bolt port
``CLUEGRAPH_BOLT_PORT``, default 7710; the project's default home is refused): the large
world (metadata only, ``cluegraph demo generate --size large --media N``, generated once
under ``CLUEGRAPH_HOME/demo-world/large-N``) is loaded through the real loaders
(:func:`loaders.world.load_world`, links off), then ``links.rebuild`` runs as
``cluegraph links rebuild`` does. Reported per size: load and rebuild seconds (and the
rebuild's phases), nodes, relationships, links, near-duplicate pairs, the peak RSS of
this process during each phase, the Neo4j server's peak RSS, and the store size after a
clean stop (which checkpoints). The last size stays loaded (the server is started again)
and marked: ``bench_app.py`` and ``bench_load.py`` reuse it. Neo4j's heap and page cache
are ``CLUEGRAPH_HEAP`` and ``CLUEGRAPH_PAGECACHE`` (default 2g each, as ``make bench``).
Prints a Markdown table and saves ``bench/results/scale.json`` and ``scale.md``. Nothing
here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("CLUEGRAPH_HOME", str(ROOT / ".cluegraph" / "bench"))
os.environ.setdefault("CLUEGRAPH_BOLT_PORT", "7710")
os.environ.setdefault("CLUEGRAPH_HEAP", "2g")
os.environ.setdefault("CLUEGRAPH_PAGECACHE", "2g")
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.bench_app import ensure_world, graph_size, mark_world  # noqa: E402
from graph import db  # noqa: E402
from graph.config import get_settings  # noqa: E402
from graph.server import LocalServer, _dir_size  # noqa: E402

DEFAULT_SIZES = [10_000, 100_000]


def _kib(field: str, pid: int | str = "self") -> int | None:
    """A ``/proc/PID/status`` memory field (VmRSS, VmHWM) in KiB."""
    try:
        m = re.search(rf"^{field}:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M)
    except OSError:
        return None
    return int(m.group(1)) if m else None


def reset_peak_rss() -> None:
    """Start a new peak-RSS window for this process (Linux: clear_refs 5 resets VmHWM)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_rss_mb(pid: int | str = "self") -> float | None:
    k = _kib("VmHWM", pid)
    return round(k / 1024, 1) if k is not None else None


def fresh_server(srv: LocalServer, say=print) -> None:
    """Stop the benchmark server, wipe its store, start it again (a new password)."""
    srv.stop(echo=say)
    srv.wipe_store()
    db.close_drivers()
    srv.start(echo=say)


def run_size(srv: LocalServer, n: int, seed: int) -> dict[str, Any]:
    from graph import links
    from loaders.world import load_world

    def say(m: str) -> None:
        print(f"  - {m}", flush=True)

    print(f"== {n:,} media records", flush=True)
    t0 = time.perf_counter()
    world = ensure_world(n, seed, say=say)
    gen_s = time.perf_counter() - t0
    fresh_server(srv, say=say)
    drv = db.get_driver()

    reset_peak_rss()
    t0 = time.perf_counter()
    res = load_world(drv, world, say=say, links=False)
    load_s = time.perf_counter() - t0
    rss_load = peak_rss_mb()
    # Marked before the rebuild: a Load written after it would make the saved
    # near-duplicate index stale (it records the loads it reflects).
    mark_world(drv, n, seed, res, None)

    reset_peak_rss()
    t0 = time.perf_counter()
    rep = links.rebuild(drv, progress=say)
    rebuild_s = time.perf_counter() - t0
    rss_rebuild = peak_rss_mb()

    size = graph_size(drv)
    pid = srv.pid()
    neo4j_rss = peak_rss_mb(pid) if pid else None
    # A clean stop checkpoints the store (Community has no db.checkpoint()): its files
    # then hold everything. The caller starts the server again when it keeps the world.
    db.close_drivers()
    srv.stop(echo=say)
    data = srv.paths.data
    store = _dir_size(data / "databases" / db.database())
    txlogs = _dir_size(data / "transactions" / db.database())
    nd = rep.neardup
    row = {
        "media_records": n,
        "world": str(world),
        "generate_s": round(gen_s, 1),
        "load_s": round(load_s, 1),
        "rebuild_s": round(rebuild_s, 1),
        "rebuild_phases_s": {k: round(v, 1) for k, v in rep.seconds.items()},
        "near_dup_phases_s": {k: round(v, 1) for k, v in (nd.seconds if nd else {}).items()},
        "records_per_s": round(n / load_s) if load_s else None,
        "load_errors": res.errors,
        **size,
        "cross_country": rep.cross_country,
        "near_duplicate_pairs": nd.matches if nd else None,
        "near_dup_candidates": nd.candidates if nd else None,
        "peak_rss_load_mb": rss_load,
        "peak_rss_rebuild_mb": rss_rebuild,
        "neo4j_peak_rss_mb": neo4j_rss,
        "store_mb": round(store / 2**20, 1),
        "neo4j_heap": srv.settings.heap,
        "neo4j_pagecache": srv.settings.pagecache,
        "tx_logs_mb": round(txlogs / 2**20, 1),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(
        f"  = load {load_s:.1f} s, rebuild {rebuild_s:.1f} s, {size['nodes']:,} nodes, "
        f"{size['relationships']:,} rels, {size['links']:,} links, "
        f"load avg now {row['load_average_after']}",
        flush=True,
    )
    return row


def markdown(out: dict[str, Any]) -> str:
    s = out["settings"]
    cols = [
        ("media records", "media_records"),
        ("load s", "load_s"),
        ("records/s", "records_per_s"),
        ("rebuild s", "rebuild_s"),
        ("near-dup s", None),
        ("nodes", "nodes"),
        ("rels", "relationships"),
        ("links", "links"),
        ("cross-country", "cross_country"),
        ("near-dup pairs", "near_duplicate_pairs"),
        ("peak RSS load MB", "peak_rss_load_mb"),
        ("peak RSS rebuild MB", "peak_rss_rebuild_mb"),
        ("Neo4j peak RSS MB", "neo4j_peak_rss_mb"),
        ("store MB", "store_mb"),
        ("load avg after", None),
    ]

    def cell(r: dict, key: str | None, head: str) -> str:
        if head == "near-dup s":
            return f"{r['rebuild_phases_s'].get('near_duplicates', '-')}"
        if head == "load avg after":
            return str(r["load_average_after"][0])
        v = r.get(key or "")
        return f"{v:,}" if isinstance(v, int) else str(v)

    lines = [
        f"Scale: large world, load through the real loaders + `links rebuild` (`{out['command']}`)",
        "",
        f"Machine: {common.describe(out['machine'])}",
        "",
        f"Neo4j {s['neo4j_version']}, heap {s['heap']}, page cache {s['pagecache']}, a fresh "
        "store per size, each size in its own Python process.",
        "",
        "| " + " | ".join(h for h, _ in cols) + " |",
        "|" + "---|" * len(cols),
        *["| " + " | ".join(cell(r, k, h) for h, k in cols) + " |" for r in out["sizes"]],
        "",
        "Load: cases, series, media_records.csv, victims, accounts, clues and the VICS hash "
        "set through `loaders.world.load_world` (validation, batched MERGE, Load nodes). "
        "Rebuild: `links.rebuild` (near-duplicate index and pairs, then the evidence of "
        "every link kind and the LINKED writes). Each size runs in its own Python process; "
        "its load and rebuild peak RSS are per phase (VmHWM reset before each); Neo4j's "
        "since its start. Store: the database folder after a "
        "clean stop, which checkpoints (transaction logs apart). Load average: the "
        "1-minute figure when each size finished (2 cores shared with other work).",
    ]
    phases = [
        f"{r['media_records']:,}: "
        + ", ".join(f"{k} {v}" for k, v in r["rebuild_phases_s"].items())
        + "; near-duplicates "
        + ", ".join(f"{k} {v}" for k, v in r["near_dup_phases_s"].items())
        for r in out["sizes"]
    ]
    if phases:
        lines += ["", "Rebuild phases (s): " + "; ".join(phases) + "."]
    runs = []
    for r in out["sizes"]:
        runs.append(
            f"- {r['media_records']:,}: `{r['command']}` at {r['measured_at']}, load average "
            f"{r['load_average_before']} before, {r['load_average_after']} after; "
            + common.describe_code(r["code"])
        )
    lines += ["", "Each row's run:", "", *runs]
    again = [(r["media_records"], r["rebuild_again"]) for r in out["sizes"] if "rebuild_again" in r]
    if again:
        lines += [
            "",
            "The links rebuilt once more on the same store by newer code (`--rebuild-again`; "
            "the pairs and links were already there, so little is written):",
            "",
        ]
        for n, a in again:
            lines.append(
                f"- {n:,}: {a['rebuild_s']} s (phases "
                + ", ".join(f"{k} {v}" for k, v in a["rebuild_phases_s"].items())
                + "; near-duplicates "
                + ", ".join(f"{k} {v}" for k, v in a["near_dup_phases_s"].items())
                + f"), {a['links']:,} links, {a['near_duplicate_pairs']} near-duplicate pairs, "
                f"peak RSS {a['peak_rss_rebuild_mb']} MB; `{a['command']}` at "
                f"{a['measured_at']}, load average {a['load_average_before']} before, "
                f"{a['load_average_after']} after; " + common.describe_code(a["code"])
            )
    errs = [f"{r['media_records']}: {r['load_errors']}" for r in out["sizes"] if r["load_errors"]]
    if errs:
        lines += ["", "Load errors: " + ", ".join(errs)]
    return "\n".join(lines)


def child(n: int, seed: int, row_out: Path) -> int:
    """One size, in its own process: its peak RSS is its own."""
    import json

    srv = LocalServer(get_settings())
    row = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "code": common.code_version(),
        **run_size(srv, n, seed),
    }
    row_out.write_text(json.dumps(row))
    return 0


def rebuild_again(n: int, seed: int) -> dict[str, Any]:
    """``links.rebuild`` once more on the world of ``n`` records already in the store (a
    newer link engine measured on the same graph without loading it again)."""
    from graph import links
    from loaders.world import demo_loaded

    srv = LocalServer(get_settings())
    srv.start(echo=lambda m: print(f"  - {m}", flush=True))
    drv = db.get_driver()
    if not demo_loaded(drv, f"large-{n}", seed):
        raise SystemExit(f"the store does not hold the large-{n} world (seed {seed})")
    before = [round(x, 2) for x in os.getloadavg()]
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    reset_peak_rss()
    t0 = time.perf_counter()
    rep = links.rebuild(drv, progress=lambda m: print(f"  - {m}", flush=True))
    secs = time.perf_counter() - t0
    nd = rep.neardup
    return {
        "measured_at": started,
        "code": common.code_version(),
        "load_average_before": before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "rebuild_s": round(secs, 1),
        "rebuild_phases_s": {k: round(v, 1) for k, v in rep.seconds.items()},
        "near_dup_phases_s": {k: round(v, 1) for k, v in (nd.seconds if nd else {}).items()},
        "peak_rss_rebuild_mb": peak_rss_mb(),
        "links": rep.links,
        "links_written": rep.written,
        "near_duplicate_pairs": nd.matches if nd else None,
    }


def main(argv: list[str] | None = None) -> int:
    import json
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument(
        "--rebuild-again",
        action="store_true",
        help="only rebuild the links again on the size already loaded (one of --sizes)",
    )
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child: one size
    ap.add_argument("--row-out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    s = get_settings()
    if s.remote:
        print("NEO4J_URI is set: this benchmark wipes its own local server only", file=sys.stderr)
        return 2
    if s.home == (ROOT / ".cluegraph").resolve():
        print(
            f"refusing to wipe the project's own store ({s.home}): set CLUEGRAPH_HOME "
            "to a benchmark home",
            file=sys.stderr,
        )
        return 2
    if args.one:
        return child(args.one, args.seed, args.row_out)
    cmd = "python bench/bench_scale.py --sizes " + " ".join(map(str, args.sizes))
    if args.seed != 7:
        cmd += f" --seed {args.seed}"
    out: dict[str, Any] = {
        "machine": common.machine(),
        "command": cmd,
        "settings": {
            "home": str(s.home),
            "bolt_port": s.bolt_port,
            "heap": s.heap,
            "pagecache": s.pagecache,
            "neo4j_version": s.neo4j_version,
            "batch_size": s.batch_size,
        },
        "sizes": [],
    }
    # Sizes measured by an earlier run (e.g. 1M on its own) are kept, each row with its
    # own command, time, load and code version; a size measured now replaces its row.
    saved = common.RESULTS / "scale.json"
    rows: dict[int, dict] = {}
    if saved.exists() and not args.no_save:
        try:
            old = json.loads(saved.read_text()).get("sizes", [])
            rows = {r["media_records"]: r for r in old if "command" in r and "code" in r}
        except (ValueError, KeyError):
            rows = {}
    if args.rebuild_again:
        for n in args.sizes:
            if n not in rows:
                print(f"no saved row for {n}: measure it first", file=sys.stderr)
                return 2
            again = rebuild_again(n, args.seed)
            rows[n]["rebuild_again"] = {
                "command": cmd.replace("--sizes", "--rebuild-again --sizes"),
                **again,
            }
        out["sizes"] = [rows[k] for k in sorted(rows)]
        if not args.no_save:
            common.save("scale", out, markdown(out))
        print(markdown(out))
        return 0
    status = 0
    with tempfile.TemporaryDirectory(prefix="cluegraph-bench-scale-") as tmp:
        for n in args.sizes:
            row_out = Path(tmp) / f"{n}.json"
            proc = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--one",
                    str(n),
                    "--seed",
                    str(args.seed),
                    "--row-out",
                    str(row_out),
                ],  # fmt: skip
                cwd=ROOT,
            )
            if proc.returncode or not row_out.exists():
                print(f"size {n}: the run failed (exit {proc.returncode})", file=sys.stderr)
                status = 1
                continue
            row = {"command": cmd, **json.loads(row_out.read_text())}
            status = status or (1 if row["load_errors"] else 0)
            rows[n] = row
            out["sizes"] = [rows[k] for k in sorted(rows)]
            if not args.no_save:  # after every size: a long series keeps what it measured
                common.save("scale", out, markdown(out))
    LocalServer(s).start(echo=print)  # the last world stays loaded for bench_app/bench_load
    print(markdown(out))
    return status


if __name__ == "__main__":
    sys.exit(main())
