"""``load vics``: the bulk path (``--bulk``, Neo4j's offline importer) against the Bolt path.

    python bench/bench_vics.py [--items 1000000] [--baseline-items 100000] [--no-baseline]
                               [--bolt-too] [--no-save]

Each run on a FRESH store of the benchmark's own local Neo4j (``CLUEGRAPH_HOME``, default
``.cluegraph/bench-vics``, Bolt port ``CLUEGRAPH_BOLT_PORT``, default 7793; heap and page
cache ``CLUEGRAPH_HEAP`` / ``CLUEGRAPH_PAGECACHE``, default 2g each as ``make bench``), in
its own Python process (so that its peak RSS is its own), in the same run:

- **bolt**: ``cluegraph load vics`` as before (``loaders.vics.load_vics``: validated in a
  streamed pass, written in a second one through ``vics_write`` in batches of 2,000), at
  ``--baseline-items`` (default 100k: at 1M it takes the machine for a long time);
  ``--bolt-too`` also runs it at ``--items``;
- **bulk**: ``cluegraph load vics --bulk`` (``loaders.vics_bulk.load_vics_bulk``: one
  streamed pass writing the importer's files, the server stopped,
  ``neo4j-admin database import full``, restarted with the schema), at every size.

The export is synthetic: a VICS 2.0 document of random MD5 and SHA-1 pairs (``os.urandom``,
not digests of any file) with a category, generated once under ``CLUEGRAPH_HOME/vics``.
Reported: items/s, wall seconds and their parts, CPU seconds of Python and of Neo4j (the
importer and the restarted server for the bulk path), peak RSS of the loading process,
the load average before and after. Prints a Markdown table and saves
``bench/results/vics.json`` / ``vics.md``. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("CLUEGRAPH_HOME", str(ROOT / ".cluegraph" / "bench-vics"))
os.environ.setdefault("CLUEGRAPH_BOLT_PORT", "7793")
os.environ.setdefault("CLUEGRAPH_HEAP", "2g")
os.environ.setdefault("CLUEGRAPH_PAGECACHE", "2g")
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402

CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"


def synthetic_export(n: int, folder: Path) -> Path:
    """A VICS 2.0 hash set of ``n`` random MD5/SHA-1 pairs (written once, streamed)."""
    path = folder / f"vics-{n}.json"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write('{"@odata.context": ' + json.dumps(CONTEXT) + ',\n "value": [\n')
        for i in range(n):
            b = os.urandom(36).hex().upper()
            fh.write(
                ("" if i == 0 else ",\n") + f'  {{"MediaID": {i + 1}, "Category": {1 + i % 5}, '
                f'"MD5": "{b[:32]}", "SHA1": "{b[32:72]}"}}'
            )
        fh.write("\n ]\n}\n")
    tmp.replace(path)
    return path


def cpu_s(pid: int | None) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def one(kind: str, path: Path) -> dict[str, Any]:
    """One load on a fresh store, in this process (``--one``)."""
    import resource

    from bench.bench_scale import fresh_server
    from graph import db
    from graph.config import get_settings
    from graph.server import LocalServer
    from loaders.vics import load_vics
    from loaders.vics_bulk import VicsBulkTimes, load_vics_bulk

    srv = LocalServer(get_settings())
    fresh_server(srv, say=lambda _m: None)
    drv = db.get_driver()
    db.apply_schema(drv)

    def children() -> float:
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return ru.ru_utime + ru.ru_stime

    load0 = os.getloadavg()[0]
    py0, ch0, neo0 = cpu_s(os.getpid()), children(), cpu_s(srv.pid())
    t0 = time.perf_counter()
    out: dict[str, Any] = {"path": kind}
    if kind == "bolt":
        rep = load_vics(drv, path, "Bench Set")
        neo = cpu_s(srv.pid()) - neo0
    else:
        times = VicsBulkTimes()
        rep = load_vics_bulk(path, "Bench Set", times=times)
        imp = times.importer
        assert imp is not None, rep.refusal
        # The importer (a waited-for child) and the restarted server (start, schema, the
        # Load node's finish); the old server's share (a few lookups) is not counted.
        neo = (children() - ch0) + cpu_s(srv.pid())
        out |= {
            "read_and_files_s": round(times.read_and_files_s, 1),
            "import_s": round(imp.import_s, 1),
            "stop_start_s": round(imp.stop_s + imp.start_s, 1),
            "schema_s": round(imp.schema_s, 1),
            "shared_items": times.shared,
        }
    total = time.perf_counter() - t0
    assert not rep.refused and rep.written == rep.read, (rep.refusal, rep.error_lines(3))
    nodes, rels = db.counts(db.get_driver())
    db.close_drivers()
    srv.stop(echo=lambda _m: None)
    py = cpu_s(os.getpid()) - py0
    return out | {
        "items": rep.read,
        "written": rep.written,
        "total_s": round(total, 1),
        "items_per_s": round(rep.written / total) if total else None,
        "cpu_python_s": round(py, 1),
        "cpu_neo4j_s": round(neo, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "nodes": nodes,
        "relationships": rels,
        "load_avg_before": round(load0, 2),
        "load_avg_after": round(os.getloadavg()[0], 2),
    }


def run(kind: str, path: Path) -> dict[str, Any]:
    """:func:`one` in a child process (its own peak RSS)."""
    proc = subprocess.run(
        [sys.executable, __file__, "--one", kind, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--baseline-items", type=int, default=100_000)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--bolt-too", action="store_true", help="the Bolt path at --items too")
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--one", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one[0], Path(a.one[1]))), flush=True)
        return
    folder = Path(os.environ["CLUEGRAPH_HOME"]) / "vics"
    m = common.machine()
    cv = common.code_version()
    cmd = "python bench/bench_vics.py " + " ".join(sys.argv[1:])
    plan: list[tuple[str, int]] = []
    if not a.no_baseline:
        plan += [("bolt", a.baseline_items), ("bulk", a.baseline_items)]
    for n in a.items:
        if a.bolt_too:
            plan.append(("bolt", n))
        plan.append(("bulk", n))
    rows: list[dict[str, Any]] = []
    for kind, n in plan:
        t0 = time.perf_counter()
        path = synthetic_export(n, folder)
        print(f"== {n:,} items: {kind} (export ready in {time.perf_counter() - t0:.0f} s)")
        r = run(kind, path) | {"size": n, "file_mb": round(path.stat().st_size / 1e6)}
        print(f"   {r}", flush=True)
        rows.append(r)
    head = (
        "| items | path | total s | items/s | CPU s Python + Neo4j | peak RSS MB "
        "| nodes | rels | load avg before/after |"
    )
    lines = [
        f"VICS load (`{cmd}`)",
        "",
        f"Machine: {common.describe(m)}; a fresh store per run, each run in its own process.",
        "",
        f"Code: {common.describe_code(cv)}",
        "",
        head,
        "|---" * (head.count("|") - 1) + "|",
    ]
    for r in rows:
        lines.append(
            f"| {r['items']:,} | {r['path']} | {r['total_s']} | {r['items_per_s']:,} "
            f"| {r['cpu_python_s']} + {r['cpu_neo4j_s']} | {r['peak_rss_mb']} "
            f"| {r['nodes']:,} | {r['relationships']:,} "
            f"| {r['load_avg_before']} / {r['load_avg_after']} |"
        )
    lines.append("")
    for r in rows:
        if r["path"] == "bulk":
            lines.append(
                f"bulk at {r['items']:,} ({r['file_mb']} MB): streamed pass (parse, validate, "
                f"importer files) {r['read_and_files_s']} s, importer {r['import_s']} s, "
                f"server stop + start {r['stop_start_s']} s, schema {r['schema_s']} s; "
                f"items sharing a hash (written over Bolt after): {r['shared_items']}.\n"
            )
    lines.append(
        "bolt: `load vics` without --bulk (validation pass, then the write pass through "
        "vics_write, 2,000 items a transaction). bulk: `load vics --bulk`. CPU s: user+system "
        "of the loading process and of Neo4j (for bulk: the importer and the restarted "
        "server). The export: random MD5/SHA-1 pairs with a category."
    )
    md = "\n".join(lines) + "\n"
    print(md)
    if not a.no_save:
        key = "+".join(f"{n:,}" for n in a.items)
        key += "" if a.no_baseline else f" (bolt baseline {a.baseline_items:,})"
        common.save_run("vics", key, {"machine": m, "code": cv, "command": cmd, "rows": rows}, md)


if __name__ == "__main__":
    main()
