"""``make bench``: run every benchmark on its own Neo4j and collect the figures.

    python -m bench.run_all [--quick] [--only NAME ...] [--port 7710] [--home DIR]

Each benchmark is a script in ``bench/`` that prints a Markdown table and saves
``bench/results/NAME.json`` and ``.md``. This runner starts a dedicated Neo4j
(``--home``, default ``.cluegraph/bench`` or ``CLUEGRAPH_BENCH_HOME``; Bolt ``--port``,
default 7710 or ``CLUEGRAPH_BENCH_PORT``: two people benchmarking on one machine each
take their own) for the ones that need a graph, runs them one after the other, stops the
server, and writes ``bench/results/summary.md``: the machine, each command as run, its
exit status and time, and its table. Nothing here asserts a timing. ``scale`` wipes the
server's store for each size; ``app`` and ``load`` reuse the world it leaves loaded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import RESULTS, describe

ROOT = Path(__file__).resolve().parent.parent
BENCH_HOME = Path(os.environ.get("CLUEGRAPH_BENCH_HOME", ROOT / ".cluegraph" / "bench"))
BENCH_PORT = int(os.environ.get("CLUEGRAPH_BENCH_PORT", "7710"))

#: name -> (script, full args, quick args, needs Neo4j)
BENCHES: dict[str, tuple[str, list[str], list[str], bool]] = {
    "ndindex": ("bench_ndindex.py", [], ["--n", "200000", "--pairs-n", "20000"], False),
    "video": (
        "bench_video.py",
        [],
        ["--seconds", "8", "--clips", "1", "--repeat", "2"],
        False,
    ),
    "videomatch": ("bench_videomatch.py", [], ["--clips", "200", "--queries", "20"], False),
    "ingest": (
        "bench_ingest.py",
        ["--reset-db"],
        ["--files", "60", "--records", "10000", "--reset-db"],
        True,
    ),
    "links": ("bench_links.py", [], ["--sizes", "10000", "--scan-queries", "3"], True),
    "quality": ("bench_quality.py", ["--reset-db"], ["--size", "small", "--reset-db"], True),
    # The 1M size is explicit (`python bench/bench_scale.py --sizes 1000000`): it takes long.
    "scale": ("bench_scale.py", ["--sizes", "10000", "100000"], ["--sizes", "10000"], True),
    "app": ("bench_app.py", ["--reset-db"], ["--quick", "--reset-db"], True),
    "load": ("bench_load.py", ["--reset-db"], ["--quick", "--reset-db"], True),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a first look")
    ap.add_argument("--only", nargs="*", choices=sorted(BENCHES), help="run only these")
    ap.add_argument("--port", type=int, default=BENCH_PORT, help="Bolt port of the server")
    ap.add_argument("--home", type=Path, default=BENCH_HOME, help="its home (store, worlds)")
    args = ap.parse_args(argv)
    env = dict(os.environ)
    env.update(CLUEGRAPH_HOME=str(args.home.resolve()), CLUEGRAPH_BOLT_PORT=str(args.port))
    env.setdefault("CLUEGRAPH_HEAP", "2g")
    env.setdefault("CLUEGRAPH_PAGECACHE", "2g")
    for k in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD"):
        env.pop(k, None)
    names = args.only or list(BENCHES)
    need_db = any(BENCHES[n][3] for n in names)
    cg = [sys.executable, "-m", "cli"]
    if need_db:
        subprocess.run([*cg, "db", "start"], env=env, cwd=ROOT, check=True)
    out = [
        "# ClueGraph benchmarks",
        "",
        f"Run {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} on {describe()}.",
        "Figures are those printed by each command below, measured in this run.",
        "",
    ]
    status = 0
    try:
        for name in names:
            script, full, quick, _db = BENCHES[name]
            path = ROOT / "bench" / script
            if not path.exists():
                out += [f"## {name}", "", f"`bench/{script}` is not written yet.", ""]
                continue
            cmd = [sys.executable, str(path), *(quick if args.quick else full)]
            shown = " ".join(["python", f"bench/{script}", *(quick if args.quick else full)])
            print(f"\n=== {name}: {shown}", flush=True)
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, env=env, cwd=ROOT)
            secs = time.perf_counter() - t0
            status = status or proc.returncode
            out += [f"## {name}", "", f"`{shown}`: exit {proc.returncode}, {secs:.0f} s", ""]
            md = RESULTS / f"{name}.md"
            if md.exists():
                out += [md.read_text(encoding="utf-8").strip(), ""]
    finally:
        if need_db:
            subprocess.run([*cg, "db", "stop"], env=env, cwd=ROOT)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "summary.md").write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"\nsummary: {RESULTS / 'summary.md'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
