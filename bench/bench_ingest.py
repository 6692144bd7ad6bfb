"""Ingestion benchmark: media analysis against its decode-only ceiling, and graph writes.

    python bench/bench_ingest.py [--files 300] [--records 100000] [--workers N] [--reset-db]

1. Makes ``--files`` synthetic JPEGs (1-3 MP: gradients, shapes and noise drawn with
   numpy/Pillow) in a temporary folder.
2. Two decode-only passes over them, on every core: Pillow ``open`` + ``load`` (a full
   decode, what the default analysis does) and ``open`` + ``draft`` + ``load`` (the
   reduced-scale JPEG decode of ``reduced_decode``). The two ceilings, each measured
   before and after the analyses and averaged (the machine may be shared).
3. The media loader's analysis over the same files (:class:`loaders.media_pool.AnalysisPool`,
   one worker per core: digests, PDQ with its variants/trimmed/crops, pHash, EXIF), once
   by default (full decode, reference-exact PDQ) and once with ``reduced_decode``.
   Each is reported against its own ceiling, with and without the workers' start-up;
   that ratio is the figure of merit (the issue asks for >= 70 %).
4. ``--world DIR`` (optional): the media folders of a world (``cluegraph demo generate``),
   analysed without writing (``dry_run``), once with a new worker pool per case folder
   (what ``load_world`` did) and once with one pool for all (what it does now).
5. ``--records`` metadata-only rows through the ``media-records`` loader into Neo4j
   (validation pass + batched ``UNWIND`` writes): rows/s and nodes+relationships/s.
   This needs an empty database: it refuses otherwise, unless ``--reset-db`` (which
   deletes everything in the configured database).

Prints a Markdown table and writes ``bench/results/ingest.json`` and ``ingest.md`` with
the machine (CPU count and model, RAM), the versions and the settings.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402


# ----------------------------------------------------------------------------- machine
def machine() -> dict:
    try:
        import neo4j

        driver_version = neo4j.__version__
    except Exception:  # noqa: BLE001
        driver_version = None
    try:
        import importlib.metadata as md

        rust_ext = md.version("neo4j-rust-ext")
    except Exception:  # noqa: BLE001
        rust_ext = None
    return {
        **common.machine(),
        "neo4j_driver": driver_version,
        "neo4j_rust_ext": rust_ext,
    }


# ----------------------------------------------------------------------------- synthetic files
def make_image(args: tuple[Path, int]) -> int:
    """One synthetic 1-3 MP JPEG with EXIF (some with a serial and GPS)."""
    import numpy as np
    import piexif
    from PIL import Image, ImageDraw

    path, seed = args
    rng = np.random.default_rng(seed)
    mp = rng.uniform(1.0, 3.0)
    w = int((mp * 1e6 * 4 / 3) ** 0.5)
    h = int(w * 3 / 4)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack(
        [
            127 + 90 * np.sin(xx / rng.uniform(40, 200) + rng.uniform(0, 6)),
            127 + 90 * np.cos(yy / rng.uniform(40, 200) + rng.uniform(0, 6)),
            127 + 60 * np.sin((xx + yy) / rng.uniform(60, 300)),
        ],
        axis=-1,
    )
    base += rng.normal(0, 8, base.shape)
    img = Image.fromarray(np.clip(base, 0, 255).astype("uint8"))
    d = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, w - 50)), int(rng.integers(0, h - 50))
        x1, y1 = x0 + int(rng.integers(20, w // 3)), y0 + int(rng.integers(20, h // 3))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        (d.rectangle if rng.random() < 0.5 else d.ellipse)((x0, y0, x1, y1), fill=colour)
    zeroth = {piexif.ImageIFD.Make: b"BenchCam", piexif.ImageIFD.Model: b"B-1"}
    exif: dict = {piexif.ExifIFD.DateTimeOriginal: b"2023:01:02 03:04:05"}
    gps: dict = {}
    if seed % 3 == 0:
        exif[piexif.ExifIFD.BodySerialNumber] = f"BENCH{seed % 5}".encode()
    if seed % 2 == 0:
        gps = {
            piexif.GPSIFD.GPSLatitudeRef: b"N",
            piexif.GPSIFD.GPSLatitude: ((45, 1), (int(seed % 60), 1), (0, 1)),
            piexif.GPSIFD.GPSLongitudeRef: b"E",
            piexif.GPSIFD.GPSLongitude: ((4, 1), (50, 1), (0, 1)),
        }
    img.save(path, "JPEG", quality=88, exif=piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps}))
    return path.stat().st_size


def decode_only(path: str) -> int:
    """What the default analysis cannot avoid: open, full decode."""
    from PIL import Image

    with Image.open(path) as img:
        img.load()
        return img.size[0]


def decode_only_draft(path: str) -> int:
    """What the ``reduced_decode`` analysis cannot avoid: open, reduced-size draft, load."""
    from PIL import Image

    with Image.open(path) as img:
        if img.format == "JPEG":
            img.draft(img.mode, (512, 512))
        img.load()
        return img.size[0]


# ----------------------------------------------------------------------------- records
def make_records(path: Path, n: int, cases: list[str], series: list[str], seed: int = 7) -> None:
    rng = random.Random(seed)
    cols = [
        "sha256", "md5", "sha1", "pdq", "pdq_quality", "phash", "width", "height", "bytes",
        "mime", "file_name", "case_id", "series_id", "captured_at", "make", "model", "serial",
        "lat", "lon",
    ]  # fmt: skip
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for i in range(n):
            data = f"bench-record-{i}".encode()
            has_gps = rng.random() < 0.3
            has_serial = rng.random() < 0.2
            w.writerow(
                [
                    hashlib.sha256(data).hexdigest(),
                    hashlib.md5(data).hexdigest(),
                    hashlib.sha1(data).hexdigest(),
                    hashlib.sha256(data + b"p").hexdigest(),
                    rng.randint(50, 100),
                    hashlib.md5(data + b"h").hexdigest()[:16],
                    1024,
                    768,
                    rng.randint(50_000, 3_000_000),
                    "image/jpeg",
                    f"IMG_{i:07d}.jpg",
                    rng.choice(cases),
                    rng.choice(series),
                    "2023-01-02T03:04:05",
                    "BenchCam" if has_serial else "",
                    "B-1" if has_serial else "",
                    f"SN{rng.randint(0, 500)}" if has_serial else "",
                    f"{rng.uniform(-40, 60):.5f}" if has_gps else "",
                    f"{rng.uniform(-120, 140):.5f}" if has_gps else "",
                ]
            )


# ----------------------------------------------------------------------------- runs
def bench_media(folder: Path, files: list[Path], workers: int) -> dict:
    from loaders.media_pool import AnalysisPool
    from loaders.media_walk import FileEntry

    paths = [str(p) for p in files]

    # Decode-only ceilings, on every core (pool warmed first, so start-up is not counted).
    def decode_pass(fn) -> float:
        with ProcessPoolExecutor(workers) as ex:
            list(ex.map(fn, paths[: workers * 2]))
            t = time.perf_counter()
            list(ex.map(fn, paths, chunksize=4))
            return time.perf_counter() - t

    def analysis(reduced: bool) -> dict:
        tasks = [FileEntry(p.name, str(p), 0, 0, None) for p in files]
        pool = AnalysisPool(workers, reduced_decode=reduced)
        t0 = time.perf_counter()
        first = None
        ok = 0
        for _task, status, _payload in pool.run(iter(tasks)):
            if first is None:
                first = time.perf_counter()
            ok += status == "ok"
        end = time.perf_counter()
        total_s = end - t0
        # Start-up: the time to the first result minus one file's share of the steady rate.
        steady_s = end - first if first else total_s
        return {
            "ok": ok,
            "files_per_s_total": n / total_s,
            "files_per_s_steady": (n - 1) / steady_s if n > 1 else None,
            "startup_s": total_s - steady_s,
        }

    n = len(files)
    full_before, draft_before = decode_pass(decode_only), decode_pass(decode_only_draft)
    default = analysis(False)
    reduced = analysis(True)
    full_after, draft_after = decode_pass(decode_only), decode_pass(decode_only_draft)
    full_s, draft_s = (full_before + full_after) / 2, (draft_before + draft_after) / 2
    return {
        "files": n,
        "workers": workers,
        "decode_full_files_per_s": n / full_s,
        "decode_draft_files_per_s": n / draft_s,
        "decode_spread": {
            "full_before_after_files_per_s": [n / full_before, n / full_after],
            "draft_before_after_files_per_s": [n / draft_before, n / draft_after],
        },
        "analysis_default": default,
        "analysis_reduced": reduced,
        "default_vs_full_ceiling": default["files_per_s_steady"] * full_s / n,
        "reduced_vs_draft_ceiling": reduced["files_per_s_steady"] * draft_s / n,
        "load_average": os.getloadavg(),
    }


def bench_exiftool(files: list[Path], workers: int, rounds: int = 2) -> dict:
    """The cost of the ExifTool step on the same files, modes interleaved: ExifTool off
    (as before it was used), as shipped (``auto``: asked only when Python's readers got
    no serial and the file has a maker note, XMP serial ...), and asked about every file
    (``always``: the step's full cost, as on camera photos whose serial sits in a maker
    note). Wall time is at the mercy of a shared machine; the figure is the CPU time of
    the workers and their exiftool processes (``RUSAGE_CHILDREN``: reaped descendants),
    less that of starting and warming up the workers (a pool run on no file)."""
    import resource

    from loaders.media_pool import AnalysisPool
    from loaders.media_walk import FileEntry

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    def run(mode: str, subset: list[Path]) -> dict:
        os.environ["CLUEGRAPH_EXIFTOOL"] = mode  # the workers inherit it
        tasks = [FileEntry(p.name, str(p), 0, 0, None) for p in subset]
        c0, t0 = cpu(), time.perf_counter()
        with AnalysisPool(workers) as pool:
            serials = sum(
                bool(payload and (payload.get("exif") or {}).get("serial"))
                for _t, status, payload in pool.run(iter(tasks))
                if status == "ok"
            )
        return {"mode": mode, "cpu_s": cpu() - c0, "wall_s": time.perf_counter() - t0,
                "serials": serials}  # fmt: skip

    before = os.getloadavg()
    startup = [run("off", [])["cpu_s"] for _ in range(2)]
    base = sum(startup) / len(startup)
    runs = [run(mode, files) for _ in range(rounds) for mode in ("off", "auto", "always")]
    os.environ.pop("CLUEGRAPH_EXIFTOOL", None)
    per_file = {
        mode: sum(r["cpu_s"] - base for r in runs if r["mode"] == mode) / rounds / len(files)
        for mode in ("off", "auto", "always")
    }
    return {
        "files": len(files),
        "workers": workers,
        "rounds": rounds,
        "startup_cpu_s": startup,
        "runs": runs,
        "cpu_ms_per_file": {k: v * 1000 for k, v in per_file.items()},
        "auto_cost": per_file["auto"] / per_file["off"] - 1,
        "always_cost": per_file["always"] / per_file["off"] - 1,
        "load_average": [before, os.getloadavg()],
    }


def exiftool_markdown(x: dict) -> list[str]:
    ms = x["cpu_ms_per_file"]
    return [
        f"| analysis CPU per file ({x['files']} files, {x['workers']} workers, "
        f"{x['rounds']} interleaved rounds): ExifTool off / auto / always | "
        f"{ms['off']:.1f} / {ms['auto']:.1f} / {ms['always']:.1f} ms |",
        f"| ExifTool cost as shipped (`auto`) / asked for every file (`always`) | "
        f"{x['auto_cost']:+.1%} / {x['always_cost']:+.1%} |",
        f"| load average before / after the ExifTool runs | "
        f"{', '.join(f'{v:.1f}' for v in x['load_average'][0])} / "
        f"{', '.join(f'{v:.1f}' for v in x['load_average'][1])} |",
    ]


def bench_world_pools(world: Path, workers: int) -> dict:
    """Analysis of every case folder of ``world`` (dry run: nothing written), with a pool
    per folder and with one shared pool, back to back."""
    from loaders.media import MediaLoadOptions, load_media
    from loaders.media_pool import AnalysisPool

    cases = sorted(p for p in (world / "media").iterdir() if p.is_dir())

    def run(shared: bool) -> tuple[float, int]:
        t = time.perf_counter()
        read = 0
        pool = AnalysisPool(workers).start() if shared else None
        try:
            for case_dir in cases:
                opts = MediaLoadOptions(case_id=case_dir.name, dry_run=True, workers=workers)
                read += load_media(None, case_dir, opts, pool=pool).read
        finally:
            if pool is not None:
                pool.close()
        return time.perf_counter() - t, read

    per_folder_s, read = run(False)
    shared_s, read_shared = run(True)
    return {
        "world": world.name,
        "case_folders": len(cases),
        "files": read,
        "files_shared_run": read_shared,
        "pool_per_folder_s": per_folder_s,
        "one_pool_s": shared_s,
        "load_average": os.getloadavg(),
    }


def analysis_alone(files: list[Path], workers: int) -> dict:
    """The analysis by itself over ``files`` (a pool started for the run, as a load does)."""
    from loaders.media_pool import AnalysisPool
    from loaders.media_walk import FileEntry

    tasks = [FileEntry(p.name, str(p), 0, 0, None) for p in files]
    t0 = time.perf_counter()
    first = None
    ok = 0
    for _task, status, _payload in AnalysisPool(workers).run(iter(tasks)):
        if first is None:
            first = time.perf_counter()
        ok += status == "ok"
    end = time.perf_counter()
    n = len(files)
    return {
        "ok": ok,
        "files_per_s_total": n / (end - t0),
        "files_per_s_steady": (n - 1) / (end - first) if first and n > 1 else None,
        "seconds": end - t0,
    }


def bench_load_media(folder: Path, workers: int, case: str = "BENCH-C0") -> dict:
    """``load_media`` end to end (walk, analysis, gazetteer, Neo4j writes, no link update,
    no visual pass) into an empty store for these files (the load's own ``Load`` node)."""
    from graph import db
    from loaders.media import MediaLoadOptions, load_media

    drv = db.get_driver()
    t = time.perf_counter()
    report = load_media(drv, folder, MediaLoadOptions(case_id=case, workers=workers))
    s = time.perf_counter() - t
    c = report.counters
    return {
        "end_to_end_files_per_s": report.written / s,
        "end_to_end_s": s,
        "written": report.written,
        "skipped": report.skipped,
        "nodes_created": c.get("nodes_created", 0),
        "relationships_created": c.get("relationships_created", 0),
    }


def bench_load_vs_analysis(files: list[Path], folder: Path, workers: int, rounds: int) -> dict:
    """``load media`` end to end against the analysis alone, interleaved in the same run
    (analysis, wipe + load, analysis, ...), so that a shared machine's load hits both."""
    runs = []
    for _ in range(rounds):
        a = analysis_alone(files, workers)
        wipe()
        seed_world()
        la = os.getloadavg()
        e = bench_load_media(folder, workers)
        runs.append({"analysis": a, "load": e, "load_average": la})
    best_a = max(r["analysis"]["files_per_s_total"] for r in runs)
    best_a_steady = max(r["analysis"]["files_per_s_steady"] or 0 for r in runs)
    best_e = max(r["load"]["end_to_end_files_per_s"] for r in runs)
    return {
        "files": len(files),
        "workers": workers,
        "rounds": runs,
        "analysis_files_per_s": best_a,
        "analysis_steady_files_per_s": best_a_steady,
        "load_files_per_s": best_e,
        "load_vs_analysis": best_e / best_a,
        "load_vs_analysis_steady": best_e / best_a_steady,
        "load_average": os.getloadavg(),
    }


def cli_load_media(folder: Path, case: str, *, visual: bool) -> dict:
    """``python -m cli load media DIR --case C [--no-visual]`` in a fresh interpreter: the
    whole command as a user runs it (imports, pool start, load, link update, visual pass)."""
    import subprocess

    cmd = [sys.executable, "-m", "cli", "load", "media", str(folder), "--case", case]
    if not visual:
        cmd.append("--no-visual")
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    s = time.perf_counter() - t
    if p.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-2000:]}")
    return {"visual": visual, "seconds": s, "load_average": os.getloadavg()}


def bench_records(n: int, workdir: Path) -> dict:
    from graph import db
    from loaders.base import run_csv
    from loaders.records import MediaRecordsLoader

    drv = db.get_driver()
    cases = [f"BENCH-C{i}" for i in range(50)]
    series = [f"BENCH-S{i}" for i in range(200)]
    path = workdir / "media_records.csv"
    make_records(path, n, cases, series)
    from graph import gazetteer

    gazetteer.resolve_point(0.0, 0.0)  # build the gazetteer outside the timing
    t = time.perf_counter()
    report = run_csv(drv, MediaRecordsLoader(), path, batch_size=2000)
    s = time.perf_counter() - t
    c = report.counters
    created = c.get("nodes_created", 0) + c.get("relationships_created", 0)
    return {
        "records": n,
        "written": report.written,
        "skipped": report.skipped,
        "seconds": s,
        "records_per_s": report.written / s,
        "nodes_created": c.get("nodes_created", 0),
        "relationships_created": c.get("relationships_created", 0),
        "nodes_rels_per_s": created / s,
        "properties_set": c.get("properties_set", 0),
    }


def wipe(batch: int = 5000) -> None:
    """Delete everything in batches, relationships first: a ``DETACH DELETE`` of
    high-degree nodes (a case holding thousands of media) can exceed a small server's
    transaction memory."""
    from graph import db

    drv = db.get_driver()
    while db.write(drv, "MATCH ()-[r]->() WITH r LIMIT $b DELETE r", b=batch, name="bench.wipe")[
        "relationships_deleted"
    ]:
        pass
    while db.write(drv, "MATCH (n) WITH n LIMIT $b DELETE n", b=batch, name="bench.wipe")[
        "nodes_deleted"
    ]:
        pass


def seed_world(n_cases: int = 50, n_series: int = 200) -> None:
    from graph import db

    drv = db.get_driver()
    db.write(
        drv,
        """
        MERGE (co:Country {code: 'FR'}) SET co.name = 'France'
        MERGE (a:Agency {id: 'BENCH-A'})-[:IN_COUNTRY]->(co)
        WITH a
        UNWIND range(0, $nc - 1) AS i
        MERGE (c:Case {id: 'BENCH-C' + i}) SET c.status = 'open'
        MERGE (c)-[:OWNED_BY]->(a)
        WITH count(*) AS _
        UNWIND range(0, $ns - 1) AS j
        MERGE (s:Series {id: 'BENCH-S' + j}) SET s.status = 'unidentified'
        WITH s, j
        MATCH (c:Case {id: 'BENCH-C' + (j % $nc)})
        MERGE (c)-[:INVESTIGATES]->(s)
        """,
        nc=n_cases,
        ns=n_series,
        name="bench.world",
    )


# ----------------------------------------------------------------------------- report
def markdown(res: dict) -> str:
    m, a, r, e = res["machine"], res["media"], res.get("records"), res.get("load_media")
    d, rd = a["analysis_default"], a["analysis_reduced"]
    w = a["workers"]
    lines = [
        f"# Ingestion benchmark ({res['date']})",
        "",
        f"Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM, "
        f"Python {m['python']}, neo4j driver {m['neo4j_driver']}, "
        f"neo4j-rust-ext {m['neo4j_rust_ext'] or 'not installed'}.",
        f"Command: `{res['command']}`. Load average at the start "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_at_start'])}, after the media "
        f"passes {', '.join(f'{x:.1f}' for x in a['load_average'])} "
        "(the machine is shared: the ratios, measured in the same run, are the figures).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| synthetic JPEGs (1-3 MP), mean size | {a['files']} files, "
        f"{res['mean_file_kib']:.0f} KiB |",
        f"| decode-only ceiling, full decode ({w} processes: open + load) | "
        f"{a['decode_full_files_per_s']:.1f} files/s |",
        f"| decode-only ceiling, draft decode ({w} processes: open + draft + load) | "
        f"{a['decode_draft_files_per_s']:.1f} files/s |",
        f"| media analysis, default (full decode, reference PDQ), steady ({w} workers) | "
        f"{d['files_per_s_steady']:.1f} files/s |",
        f"| default analysis / full-decode ceiling | {a['default_vs_full_ceiling']:.0%} |",
        f"| media analysis, `reduced_decode`, steady | {rd['files_per_s_steady']:.1f} files/s |",
        f"| `reduced_decode` analysis / draft-decode ceiling | "
        f"{a['reduced_vs_draft_ceiling']:.0%} |",
        f"| default analysis incl. worker start-up ({d['startup_s']:.1f} s) | "
        f"{d['files_per_s_total']:.1f} files/s |",
    ]
    if res.get("exiftool"):
        lines += exiftool_markdown(res["exiftool"])
    wp = res.get("world_pools")
    if wp:
        lines.append(
            f"| analysis of the {wp['world']} world's {wp['case_folders']} case folders "
            f"({wp['files']} files, dry run): a pool per folder / one pool | "
            f"{wp['pool_per_folder_s']:.0f} s / {wp['one_pool_s']:.0f} s |"
        )
    if e:
        lines.append(
            f"| `load media` end to end (walk, analysis, gazetteer, Neo4j writes) | "
            f"{e['end_to_end_files_per_s']:.1f} files/s |"
        )
    lines += load_markdown(res)
    if r:
        lines += [
            f"| media-records into Neo4j ({r['records']:,} rows, validation + writes) | "
            f"{r['records_per_s']:,.0f} records/s ({r['seconds']:.1f} s) |",
            f"| graph writes | {r['nodes_rels_per_s']:,.0f} nodes+rels/s "
            f"({r['nodes_created']:,} nodes, {r['relationships_created']:,} rels) |",
        ]
    return "\n".join(lines) + "\n"


def load_markdown(res: dict) -> list[str]:
    lv = res.get("load_vs_analysis")
    if not lv:
        return []
    out = [
        f"| analysis alone, {lv['files']} files, {lv['workers']} workers, incl. pool start "
        f"(best of {len(lv['rounds'])}) | {lv['analysis_files_per_s']:.1f} files/s "
        f"(steady {lv['analysis_steady_files_per_s']:.1f}) |",
        f"| `load_media` end to end, same files, same run (best of {len(lv['rounds'])}) | "
        f"{lv['load_files_per_s']:.1f} files/s |",
        f"| **load / analysis** (incl. start / steady) | **{lv['load_vs_analysis']:.0%}** / "
        f"{lv['load_vs_analysis_steady']:.0%} |",
        "| load average during the rounds | "
        + "; ".join(f"{r['load_average'][0]:.1f}" for r in lv["rounds"])
        + " |",
    ]
    for c in res.get("cli_load_media") or ():
        out.append(
            f"| `cluegraph load media` CLI, whole command "
            f"({'with the visual pass' if c['visual'] else '--no-visual'}; load avg "
            f"{c['load_average'][0]:.1f}) | {c['seconds']:.1f} s "
            f"({lv['files'] / c['seconds']:.1f} files/s) |"
        )
    return out


def main_load_only(args: argparse.Namespace, res: dict) -> None:
    """``--load-only``: only the load-vs-analysis figure (and the CLI with/without visual)."""
    with tempfile.TemporaryDirectory(prefix="cluegraph-bench-") as tmp:
        folder = Path(tmp) / "media"
        folder.mkdir()
        files = [folder / f"img_{i:04d}.jpg" for i in range(args.files)]
        with ProcessPoolExecutor(args.workers) as ex:
            sizes = list(ex.map(make_image, [(p, i) for i, p in enumerate(files)], chunksize=4))
        res["mean_file_kib"] = sum(sizes) / len(sizes) / 1024
        from graph import db

        drv = db.get_driver()
        if args.reset_db:
            wipe()
        elif db.counts(drv)[0]:
            sys.exit("the database is not empty: pass --reset-db to wipe it")
        db.apply_schema(drv)
        from graph import gazetteer

        gazetteer.resolve_point(0.0, 0.0)  # the gazetteer's first build, outside every timing
        res["load_vs_analysis"] = bench_load_vs_analysis(files, folder, args.workers, args.rounds)
        print(json.dumps(res["load_vs_analysis"], indent=1), file=sys.stderr)
        if args.cli:
            res["cli_load_media"] = []
            for visual in (False, True):
                wipe()
                seed_world()
                res["cli_load_media"].append(cli_load_media(folder, "BENCH-C0", visual=visual))
                print(json.dumps(res["cli_load_media"][-1]), file=sys.stderr)
        if not args.keep:
            wipe()
    md = "\n".join(
        [
            f"# Ingestion benchmark: `load media` against the analysis alone ({res['date']})",
            "",
            f"Machine: {common.describe(res['machine'])}. Command: `{res['command']}`; "
            f"{res['mean_file_kib']:.0f} KiB synthetic JPEGs (1-3 MP), half with GPS, a third "
            "with a body serial. Rounds interleave analysis and load (the machine is shared).",
            "",
            "| measure | value |",
            "|---|---|",
            *load_markdown(res),
        ]
    )
    print(md)
    common.save("ingest_load", res, md + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-db", action="store_true", help="Skip the Neo4j parts.")
    ap.add_argument(
        "--world", type=Path, help="A world folder: its media with one pool vs one per folder."
    )
    ap.add_argument("--reset-db", action="store_true", help="Wipe the configured database first.")
    ap.add_argument("--keep", action="store_true", help="Keep what was loaded (default: wipe).")
    ap.add_argument(
        "--exiftool-only",
        action="store_true",
        help="Only the ExifTool step's cost (off / auto / always), saved as ingest_exiftool.",
    )
    ap.add_argument(
        "--load-only",
        action="store_true",
        help="Only `load media` against the analysis alone, same run (saved as ingest_load).",
    )
    ap.add_argument("--rounds", type=int, default=2, help="Rounds for --load-only.")
    ap.add_argument("--cli", action="store_true", help="--load-only: also time the CLI command.")
    args = ap.parse_args()

    res: dict = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "python bench/bench_ingest.py " + " ".join(sys.argv[1:]),
        "machine": machine(),
    }
    if args.load_only:
        main_load_only(args, res)
        return
    with tempfile.TemporaryDirectory(prefix="cluegraph-bench-") as tmp:
        tmpd = Path(tmp)
        folder = tmpd / "media"
        folder.mkdir()
        files = [folder / f"img_{i:04d}.jpg" for i in range(args.files)]
        t = time.perf_counter()
        with ProcessPoolExecutor(args.workers) as ex:
            sizes = list(ex.map(make_image, [(p, i) for i, p in enumerate(files)], chunksize=4))
        print(f"made {len(files)} JPEGs in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        res["mean_file_kib"] = sum(sizes) / len(sizes) / 1024
        res["exiftool"] = bench_exiftool(files, args.workers)
        print(json.dumps(res["exiftool"], indent=1), file=sys.stderr)
        if args.exiftool_only:
            md = "\n".join(
                [
                    f"# Ingestion benchmark: the ExifTool step ({res['date']})",
                    "",
                    f"Command: `{res['command']}`; {res['mean_file_kib']:.0f} KiB synthetic "
                    "JPEGs (1-3 MP) with EXIF make/model, a third with a body serial, none "
                    "with a maker note.",
                    "",
                    "| measure | value |",
                    "|---|---|",
                    *exiftool_markdown(res["exiftool"]),
                ]
            )
            print(md)
            common.save("ingest_exiftool", res, md + "\n")
            return
        res["media"] = bench_media(folder, files, args.workers)
        print(json.dumps(res["media"], indent=1), file=sys.stderr)
        if args.world:
            res["world_pools"] = bench_world_pools(args.world, args.workers)
            print(json.dumps(res["world_pools"], indent=1), file=sys.stderr)

        if not args.no_db:
            from graph import db

            drv = db.get_driver()
            if args.reset_db:
                wipe()
            elif db.counts(drv)[0]:
                sys.exit("the database is not empty: pass --reset-db to wipe it, or --no-db")
            db.apply_schema(drv)
            seed_world()
            res["load_media"] = bench_load_media(folder, args.workers)
            print(json.dumps(res["load_media"], indent=1), file=sys.stderr)
            if args.records:
                res["records"] = bench_records(args.records, tmpd)
                print(json.dumps(res["records"], indent=1), file=sys.stderr)
            res["neo4j"] = db.server_info(drv)
            if not args.keep:
                wipe()

    md = markdown(res)
    print(md)
    common.save("ingest", res, md)


if __name__ == "__main__":
    main()
