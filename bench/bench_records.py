"""Graph writes of ``load media-records``: the bulk path against the path it replaced.

    python bench/bench_records.py [--media 100000 1000000] [--no-baseline] [--writers 2]
                                  [--batch 10000] [--no-save]

For each size, on a FRESH store of the benchmark's own local Neo4j (``CLUEGRAPH_HOME``,
default ``.cluegraph/bench-records``, Bolt port ``CLUEGRAPH_BOLT_PORT``, default 7794;
heap and page cache ``CLUEGRAPH_HEAP`` / ``CLUEGRAPH_PAGECACHE``, default 2g each as
``make bench``): the large world's ``cases.csv`` and ``series.csv`` are loaded, then its
``media_records.csv`` (``cluegraph demo generate --size large --media N``, generated once
under ``CLUEGRAPH_HOME/demo-world/large-N``) is loaded through ``loaders.base.run_csv``:

- **baseline**: the path before issue 13 (every field through the checking validator,
  the file read and validated twice, ``MERGE`` of every media and relationship in batches
  of 2,000, one transaction at a time): :class:`Baseline`;
- **bulk**: :class:`loaders.records.MediaRecordsLoader` as the CLI runs it (validated once,
  rows kept between the passes, new media and their relationships ``CREATE``\\ d after one
  bulk check, ``--writers`` transactions of ``--batch`` rows in flight);
- **reload**: the same file again on the bulk store (everything exists: the MERGE path);
- **import** (``--import``): ``load media-records --bulk`` (:mod:`loaders.bulk`): the same
  validation, then the files of Neo4j's offline importer, the server stopped,
  ``neo4j-admin database import full``, restarted with the schema (CPU of the importer
  counted as this process's children). ``--no-normal`` leaves out the Bolt path (e.g. at
  1M, where it takes over 20 minutes on this machine).

With ``--links``, the link update a load ends with (``links.after_write``) is timed after
each load on a fresh store (the same work for both paths).

Each on its own fresh store, in the same run. Reported: total seconds, the write pass alone
(pass 2), records/s, nodes+relationships created per second (of the whole load and of the
write pass), the graph's node and relationship counts (equal for both paths), the 1-minute
load average before and after. Prints a Markdown table and saves
``bench/results/records.json`` / ``records.md``. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("CLUEGRAPH_HOME", str(ROOT / ".cluegraph" / "bench-records"))
os.environ.setdefault("CLUEGRAPH_BOLT_PORT", "7794")
os.environ.setdefault("CLUEGRAPH_HEAP", "2g")
os.environ.setdefault("CLUEGRAPH_PAGECACHE", "2g")
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.bench_app import ensure_world  # noqa: E402
from bench.bench_scale import fresh_server  # noqa: E402
from graph import db  # noqa: E402
from graph.config import get_settings  # noqa: E402
from graph.server import LocalServer  # noqa: E402
from loaders import media_write  # noqa: E402
from loaders.base import CsvLoader, run_csv  # noqa: E402
from loaders.bulk import BulkTimes, load_media_records_bulk  # noqa: E402
from loaders.cases import CasesLoader  # noqa: E402
from loaders.records import MediaRecordsLoader  # noqa: E402
from loaders.series import SeriesLoader  # noqa: E402

BASELINE_BATCH = 2000


class Baseline(MediaRecordsLoader):
    """The media-records load as it was before issue 13."""

    spill = False

    def validate(self, raw: dict[str, str], file: str, line: int) -> dict[str, Any]:
        return self._checked(raw, file, line)

    def write(self, driver, rows, params):  # type: ignore[no-untyped-def]
        return media_write.write_media(driver, rows, dict(params))

    write_batches = CsvLoader.write_batches  # one batch after the other


def _timed_writes(loader: MediaRecordsLoader, box: dict[str, float]) -> None:
    """Measure pass 2 (from its first batch to its last) into ``box['write_s']``."""
    inner = loader.write_batches

    def wrapped(driver, batches, params, done):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        inner(driver, batches, params, done)
        box["write_s"] = time.perf_counter() - t0

    loader.write_batches = wrapped  # type: ignore[method-assign]


def cpu_s(pid: int | None) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def load1(path: Path, loader: MediaRecordsLoader, batch: int, srv: LocalServer) -> dict[str, Any]:
    drv = db.get_driver()
    pid = srv.pid()
    cpu0 = (cpu_s(os.getpid()), cpu_s(pid))
    box: dict[str, float] = {}
    _timed_writes(loader, box)
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    rep = run_csv(drv, loader, path, batch_size=batch)
    total = time.perf_counter() - t0
    cpu_py, cpu_neo = cpu_s(os.getpid()) - cpu0[0], cpu_s(pid) - cpu0[1]
    c = rep.counters
    made = c.get("nodes_created", 0) + c.get("relationships_created", 0)
    nodes, rels = db.counts(drv)
    write_s = box.get("write_s", 0.0)
    return {
        "status": rep.status,
        "written": rep.written,
        "errors": len(rep.errors),
        "total_s": round(total, 1),
        "write_s": round(write_s, 1),
        "records_per_s": round(rep.written / total) if total else None,
        "created": made,
        "created_per_s": round(made / total) if total else None,
        "write_created_per_s": round(made / write_s) if write_s else None,
        "nodes": nodes,
        "relationships": rels,
        "cpu_python_s": round(cpu_py, 1),
        "cpu_neo4j_s": round(cpu_neo, 1),
        "created_per_cpu_s": round(made / (cpu_py + cpu_neo)) if cpu_py + cpu_neo else None,
        "load_avg_before": round(load0, 2),
        "load_avg_after": round(os.getloadavg()[0], 2),
    }


def children_cpu_s() -> float:
    """User + system CPU seconds of this process's waited-for children (the importer)."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def load_import(path: Path, srv: LocalServer, workers: int | None = None) -> dict[str, Any]:
    """``load media-records --bulk`` on the prepared store, measured like :func:`load1`."""
    import resource

    cpu0 = (cpu_s(os.getpid()), 0.0, children_cpu_s())
    load0 = os.getloadavg()[0]
    times = BulkTimes()
    t0 = time.perf_counter()
    rep = load_media_records_bulk(path, times=times, workers=workers)
    total = time.perf_counter() - t0
    assert not rep.refused, rep.refusal
    imp = times.importer
    assert imp is not None
    # Python: this process and its worker processes (waited-for children, measured by
    # the loader around its pool).
    cpu_py = cpu_s(os.getpid()) - cpu0[0] + times.workers_cpu_s
    # The importer (a waited-for child) and the restarted server (its start and the schema
    # build); the old server's share (the lookups during validation, the copy of the
    # store's contents) is not counted: it has ended, and it was not waited for.
    cpu_neo = (children_cpu_s() - cpu0[2] - times.workers_cpu_s) + cpu_s(srv.pid())
    c = rep.counters
    made = c.get("nodes_created", 0) + c.get("relationships_created", 0)
    drv = db.get_driver()
    nodes, rels = db.counts(drv)
    return {
        "status": rep.status,
        "written": rep.written,
        "errors": len(rep.errors),
        "total_s": round(total, 1),
        # the "write pass" of the import path: files written, then stop, import, start, schema
        "write_s": round(times.files_s + times.carry_s + imp.seconds, 1),
        "validate_and_files_s": round(times.validate_and_files_s, 1),
        "files_s": round(times.files_s, 1),
        "keys_s": round(times.keys_s, 1),
        "workers": times.workers,
        "parts": times.parts,
        "cpu_workers_s": round(times.workers_cpu_s, 1),
        "import_s": round(imp.import_s, 1),
        "stop_start_s": round(imp.stop_s + imp.start_s, 1),
        "schema_s": round(imp.schema_s, 1),
        "records_per_s": round(rep.written / total) if total else None,
        "created": made,
        "created_per_s": round(made / total) if total else None,
        "write_created_per_s": round(made / imp.import_s) if imp.import_s else None,
        "nodes": nodes,
        "relationships": rels,
        "cpu_python_s": round(cpu_py, 1),
        "cpu_neo4j_s": round(cpu_neo, 1),
        "created_per_cpu_s": round(made / (cpu_py + cpu_neo)) if cpu_py + cpu_neo else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_avg_before": round(load0, 2),
        "load_avg_after": round(os.getloadavg()[0], 2),
    }


def link_update() -> dict[str, Any]:
    from graph import links

    drv = db.get_driver()
    t0 = time.perf_counter()
    rep = links.after_write(drv)
    return {
        "links_s": round(time.perf_counter() - t0, 1),
        "links": rep.summary() if rep is not None else None,
    }


def prepare(srv: LocalServer, world: Path) -> None:
    fresh_server(srv, say=lambda m: print(f"    {m}", flush=True))
    drv = db.get_driver()
    db.apply_schema(drv)
    for loader, name in ((CasesLoader(), "cases.csv"), (SeriesLoader(), "series.csv")):
        rep = run_csv(drv, loader, world / name)
        assert rep.ok, rep.error_lines(5)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--media", type=int, nargs="+", default=[100_000])
    ap.add_argument("--no-baseline", action="store_true", help="skip the old path")
    ap.add_argument("--baseline-max", type=int, default=100_000, help="largest baseline size")
    ap.add_argument("--writers", type=int, default=None)
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--no-reload", action="store_true")
    ap.add_argument("--import", dest="imp", action="store_true", help="also --bulk")
    ap.add_argument("--no-normal", action="store_true", help="leave out the Bolt path")
    ap.add_argument(
        "--import-workers",
        type=int,
        nargs="+",
        default=[0],
        help="worker processes of --import runs (0: the loader's default, the cores); "
        "several: one run each (e.g. 1 2: the single-process path as baseline)",
    )
    ap.add_argument("--links", action="store_true", help="time the link update after each")
    ap.add_argument("--no-save", action="store_true")
    a = ap.parse_args()
    m = common.machine()
    cv = common.code_version()
    s = get_settings()
    srv = LocalServer(s)
    rows: list[dict[str, Any]] = []
    cmd = "python bench/bench_records.py " + " ".join(sys.argv[1:])
    for n in a.media:
        world = ensure_world(n)
        path = world / "media_records.csv"
        kw = {}
        if a.writers:
            kw["writers"] = a.writers
        if a.batch:
            kw["min_batch"] = a.batch
        runs: list[tuple[str, MediaRecordsLoader, bool]] = []
        if not a.no_baseline and n <= a.baseline_max:
            runs.append(("baseline", Baseline(), True))
        if not a.no_normal:
            runs.append(("bulk", MediaRecordsLoader(**kw), True))
            if not a.no_reload:
                runs.append(("reload", MediaRecordsLoader(**kw), False))
        if a.imp:
            for iw in a.import_workers:
                runs.append((f"import-w{iw}" if iw else "import", MediaRecordsLoader(), True))
        for name, loader, fresh in runs:
            print(f"== {n:,} media records: {name}", flush=True)
            if fresh:
                prepare(srv, world)
            if name.startswith("import"):
                iw = int(name.removeprefix("import-w")) if name != "import" else None
                r = load_import(path, srv, iw)
            else:
                r = load1(path, loader, BASELINE_BATCH, srv)
            if a.links and fresh:
                r |= link_update()
            r |= {"media_records": n, "path": name}
            if isinstance(loader, MediaRecordsLoader) and not isinstance(loader, Baseline):
                r |= {"writers": loader.writers, "batch": loader.min_batch}
            print(f"   {r}", flush=True)
            rows.append(r)
    db.close_drivers()
    srv.stop(echo=lambda _m: None)
    head = (
        "| media records | path | total s | write pass s | records/s | created nodes+rels "
        "| created/s (total) | created/s (write pass) | CPU s Python + Neo4j "
        "| created per CPU s | nodes | rels | load avg before/after |"
    )
    lines = [
        f"Media-records load (`{cmd}`)",
        "",
        f"Machine: {common.describe(m)}; Neo4j heap {s.heap}, page cache {s.pagecache}, "
        "a fresh store per run.",
        "",
        f"Code: {common.describe_code(cv)}",
        "",
        head,
        "|---" * (head.count("|") - 1) + "|",
    ]
    for r in rows:
        lines.append(
            f"| {r['media_records']:,} | {r['path']} | {r['total_s']} | {r['write_s']} "
            f"| {r['records_per_s']:,} | {r['created']:,} | {r['created_per_s']:,} "
            f"| {r['write_created_per_s'] or 0:,} | {r['cpu_python_s']} + {r['cpu_neo4j_s']} "
            f"| {r['created_per_cpu_s'] or 0:,} | {r['nodes']:,} | {r['relationships']:,} "
            f"| {r['load_avg_before']} / {r['load_avg_after']} |"
        )
    lines += [
        "",
        "baseline: the path before issue 13 (checking validator, file validated twice, MERGE "
        "of everything, batches of 2,000, one transaction at a time). bulk: validated once, "
        "rows kept between the passes, CREATE of new media after one bulk check per batch, "
        "parallel write transactions. reload: the same file again on the bulk store "
        "(idempotent: nothing created). Created/s counts nodes and relationships created "
        "(the counters of the load); the write pass is pass 2 alone (after validation). "
        "CPU s: user+system seconds of this process and of the Neo4j server during the load; "
        "on a shared machine (load average above 2 on 2 cores) wall time stretches, CPU "
        "seconds much less. import: `load media-records --bulk` (validated the same way, "
        "then neo4j-admin database import full into the stopped server, restart, schema); "
        "its write pass is the importer's files, the stop, the import, the start and the "
        "schema; created/s (write pass) there is per second of the importer alone; its CPU "
        "s Neo4j column is the importer's CPU and the restarted server's (start, schema).",
    ]
    for r in rows:
        if r["path"].startswith("import"):
            lines.append(
                f"\n{r['path']} at {r['media_records']:,}: validation + importer files "
                f"{r['validate_and_files_s']} s in {r['workers']} worker processes over "
                f"{r['parts']} parts (of which the repeated-key pass {r['keys_s']} s and the "
                f"main process's merge {r['files_s']} s; workers' CPU {r['cpu_workers_s']} s), "
                f"importer {r['import_s']} s, server stop + start {r['stop_start_s']} s, "
                f"schema (constraints and indexes built) {r['schema_s']} s; peak RSS of the "
                f"loading process {r['peak_rss_mb']} MB."
            )
        if "links_s" in r:
            lines.append(
                f"\nlink update after the {r['path']} load at {r['media_records']:,}: "
                f"{r['links_s']} s ({r['links']})."
            )
    md = "\n".join(lines) + "\n"
    print(md)
    if not a.no_save:
        key = "+".join(f"{n:,}" for n in a.media) + (" (baseline)" if not a.no_baseline else "")
        key += " (import)" if a.imp else ""
        common.save_run(
            "records", key, {"machine": m, "code": cv, "command": cmd, "rows": rows}, md
        )


if __name__ == "__main__":
    main()
