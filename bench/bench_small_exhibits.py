"""Many small exhibits: seconds per one-picture folder, one command per folder or one call.

    python bench/bench_small_exhibits.py [--folders 6] [--reset-db] [--visual]
        [--visual-index N] [--records N]

Units receive exhibits one at a time: a case folder holding one picture. The figure is the
wall time of a whole ``cluegraph load media DIR --case ID --no-visual`` run in a fresh
interpreter (imports, walk, analysis, writes, the link update), on a warm server, one
folder after the other; then the same folders again (new pictures) through one
``--manifest`` call. It also times ``python -c "import cli.load"`` alone (the fixed cost
of the interpreter and the imports) and, with ``--visual``, three folders with the visual
pass (the default of ``load media``), one command each. With ``--visual-index N`` the
visual index already holds N pictures before those (``bench/visual_fill.py``: the
features of generated rooms under synthetic keys), as a unit's does after months of loads;
with ``--base`` the older code's folders run first, on an index that code wrote. With
``--records N`` the store holds N media (metadata records, untimed) before the folders, as
a unit's does; without it the folders go into an empty store, whose statistics move with
every load (Neo4j plans the load's queries again when they do).

Prints a Markdown table and writes ``bench/results/small_exhibits.json`` and ``.md``.
The pictures are synthetic (gradients and shapes drawn with numpy/Pillow).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.bench_ingest import make_image, seed_world, wipe  # noqa: E402


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds of the command and the children it waited for (its
    analysis workers; not the Neo4j server): CPU is the figure a shared machine spares.
    A command run by the warm helper spends its CPU there: its CPU here is the caller's."""
    c, t = cpu(), time.perf_counter()
    p = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    s = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-2000:]}")
    return s, cpu() - c


VISUAL_FOLDERS = 3
PACKAGES = ("app", "cli", "graph", "loaders", "media", "service")


def fill_visual_index(n: int, tree: Path = ROOT) -> None:
    """Replace the visual index under ``CLUEGRAPH_HOME`` with one of ``n`` pictures,
    written by the code of ``tree`` (``bench/visual_fill.py`` run with that tree first on
    its path: an older tree writes the index in its own format)."""
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "visual_fill.py"), str(n)],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        check=True,
    )


def folders(base: Path, n: int, seed0: int) -> list[Path]:
    out = []
    for i in range(n):
        d = base / f"exhibit_{seed0 + i:03d}"
        d.mkdir(parents=True)
        make_image((d / "IMG_0001.jpg", seed0 + i))
        out.append(d)
    return out


def write_records(path: Path, n: int, n_cases: int) -> None:
    """``n`` media records (random hashes, a PDQ and a pHash each) spread over the bench's
    cases and series, for ``load media-records``."""
    rng = random.Random(13)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sha256", "pdq", "pdq_quality", "phash", "case_id", "series_id"])
        for i in range(n):
            w.writerow(
                [
                    f"{rng.getrandbits(256):064x}",
                    f"{rng.getrandbits(256):064x}",
                    90,
                    f"{rng.getrandbits(64):016x}",
                    f"BENCH-C{i % n_cases}",
                    f"BENCH-S{i % 200}",
                ]
            )


WARM_VARIANTS = (
    ("no-visual, without the helper", False, ["--no-visual"]),
    ("no-visual, with the helper", True, ["--no-visual"]),
    ("with the visual pass, without the helper", False, []),
    ("with the visual pass, with the helper", True, []),
)


def time_warm(base: Path, n: int, n_cases: int) -> dict[str, list[tuple[float, float]]]:
    """``n`` one-picture folders per variant of :data:`WARM_VARIANTS`, interleaved, with the
    warm helper of the configured home started first (and stopped after)."""
    from cli import warm
    from graph.config import get_settings

    home = get_settings().home
    if not warm.start(home):
        sys.exit(f"the warm helper did not start (see {warm.run_dir(home)}/cli.log)")
    out: dict[str, list[tuple[float, float]]] = {name: [] for name, _w, _a in WARM_VARIANTS}
    try:
        ds = folders(base / "warm", n * len(WARM_VARIANTS), 400)
        for i in range(n):
            for j, (name, on, extra) in enumerate(WARM_VARIANTS):
                k = i * len(WARM_VARIANTS) + j
                case = f"BENCH-C{k % n_cases}"
                cmd = [sys.executable, "-m", "cli", "load", "media", str(ds[k]), "--case", case]
                out[name].append(run([*cmd, *extra], env={"CLUEGRAPH_WARM": "1" if on else "0"}))
    finally:
        warm.stop(home)
    return out


def warm_lines(runs: dict[str, list[tuple[float, float]]]) -> list[str]:
    lines = []
    for name, rs in runs.items():
        wall = [w for w, _c in rs]
        lines.append(
            f"| one-picture `load media DIR --case C`, {name} ({len(rs)} folders, interleaved): "
            f"median wall (min-max) | {statistics.median(wall):.2f} s "
            f"({min(wall):.2f}-{max(wall):.2f}) |"
        )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folders", type=int, default=6)
    ap.add_argument("--reset-db", action="store_true", help="Wipe the configured database first.")
    ap.add_argument(
        "--visual", action="store_true", help="Also three folders with the visual pass."
    )
    ap.add_argument(
        "--visual-index",
        type=int,
        default=0,
        help="Pictures in the visual index before the visual folders (synthetic keys "
        "carrying the features of generated rooms; untimed). Implies --visual.",
    )
    ap.add_argument(
        "--series",
        action="store_true",
        help="Each folder goes into a series of its case (`--series`): its links and the "
        "stored clusters are then brought up to date too.",
    )
    ap.add_argument(
        "--records",
        type=int,
        default=0,
        help="Media already in the store before the timed folders (metadata records loaded "
        "with `load media-records`, untimed): a unit's store rather than an empty one.",
    )
    ap.add_argument(
        "--warm",
        type=int,
        default=0,
        metavar="N",
        help="N folders each way with the warm helper and without it (interleaved), with "
        "and without the visual pass.",
    )
    ap.add_argument(
        "--base",
        type=Path,
        help="A clean export of an older commit (git archive): its one-folder commands run "
        "interleaved with this tree's, same server, same run.",
    )
    args = ap.parse_args()
    origin = None
    if args.base:  # checked now, not after the runs
        if not (args.base / "cli").is_dir():
            sys.exit(f"--base {args.base}: not an export of the tree (no cli/)")
        stamp = args.base / "EXPORTED_FROM"
        origin = stamp.read_text().strip() if stamp.exists() else "commit not recorded"
    py = sys.executable
    os.environ["CLUEGRAPH_WARM"] = "0"  # the figures without the helper (--warm: with it)
    # both trees compiled as `make install` leaves them (what an environment setting
    # PYTHONDONTWRITEBYTECODE would otherwise compile again in every command)
    for tree in [ROOT, *([args.base] if args.base else [])]:
        subprocess.run(
            [py, "-m", "compileall", "-q", *(str(tree / p) for p in PACKAGES)],
            check=True,
            capture_output=True,
        )
    res: dict = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "python bench/bench_small_exhibits.py " + " ".join(sys.argv[1:]),
        "machine": common.machine(),
        "code": common.code_version(),
    }
    from graph import db

    drv = db.get_driver()
    if args.reset_db:
        wipe()
    elif db.counts(drv)[0]:
        sys.exit("the database is not empty: pass --reset-db to wipe it")
    db.apply_schema(drv)
    n_cases = max(50, 2 * args.folders + 2)
    seed_world(n_cases=n_cases)
    n = args.folders
    with tempfile.TemporaryDirectory(prefix="cluegraph-bench-small-") as tmp:
        base = Path(tmp)
        if args.records:
            records = base / "records.csv"
            write_records(records, args.records, n_cases)
            t = time.perf_counter()
            run([py, "-m", "cli", "load", "media-records", str(records)])
            res["records_load_s"] = time.perf_counter() - t
        imports = [run([py, "-c", "import cli.load"])[0] for _ in range(3)]
        one_by_one: list[tuple[float, float]] = []
        base_runs: list[tuple[float, float]] = []
        for i, d in enumerate(folders(base / "single", n, 0)):
            into = ["--series", f"BENCH-S{i}"] if args.series else []
            cmd = [py, "-m", "cli", "load", "media", str(d), "--case", f"BENCH-C{i}",
                   "--no-visual", *into]  # fmt: skip
            if args.base:  # the same folder again under the older code: a second load of it
                (d2,) = folders(base / "base", 1, 300 + i)
                base_runs.append(run([*cmd[:5], str(d2), *cmd[6:]], cwd=args.base))
            one_by_one.append(run(cmd))
        la_single = os.getloadavg()
        man = base / "manifest.csv"
        lines = ["folder,case_id,series_id"] + [
            f"{d},BENCH-C{n + i}," + (f"BENCH-S{n + i}" if args.series else "")
            for i, d in enumerate(folders(base / "many", n, 100))
        ]
        man.write_text("\n".join(lines) + "\n")
        manifest_s, manifest_cpu = run(
            [py, "-m", "cli", "load", "media", "--manifest", str(man), "--no-visual"]
        )
        visual_runs: list[tuple[float, float]] = []
        base_visual_runs: list[tuple[float, float]] = []
        if args.visual or args.visual_index:

            def visual_cmd(i: int, d: Path) -> list[str]:
                into = ["--series", f"BENCH-S{i}"] if args.series else []
                return [py, "-m", "cli", "load", "media", str(d), "--case", f"BENCH-C{i}", *into]

            if args.base:  # the older code first, on an index it wrote itself
                if args.visual_index:
                    fill_visual_index(args.visual_index, args.base)
                for i, d in enumerate(folders(base / "visual-base", VISUAL_FOLDERS, 250)):
                    base_visual_runs.append(run(visual_cmd(i, d), cwd=args.base))
            if args.visual_index:
                t = time.perf_counter()
                fill_visual_index(args.visual_index)
                res["visual_index_fill_s"] = time.perf_counter() - t
            for i, d in enumerate(folders(base / "visual", VISUAL_FOLDERS, 200)):
                visual_runs.append(run(visual_cmd(i, d)))
        warm_runs = time_warm(base, args.warm, n_cases) if args.warm else {}
    wipe()
    if args.visual_index:  # gigabytes of synthetic features: not left behind
        from loaders import visual

        visual.remove_index()
    res.update(
        {
            "folders": n,
            "records": args.records,
            "series": args.series,
            "import_cli_load_s": imports,
            "one_command_per_folder_wall_cpu_s": one_by_one,
            "base": str(args.base) if args.base else None,
            "base_one_command_per_folder_wall_cpu_s": base_runs,
            "manifest_cpu_s": manifest_cpu,
            "load_average_after_singles": la_single,
            "manifest_s": manifest_s,
            "manifest_s_per_folder": manifest_s / n,
            "visual_index": args.visual_index,
            "with_visual_wall_cpu_s": visual_runs,
            "base_with_visual_wall_cpu_s": base_visual_runs,
            "warm_wall_cpu_s": warm_runs,
            "load_average": os.getloadavg(),
        }
    )
    wall = [w for w, _c in one_by_one]
    med, cmed = statistics.median(wall), statistics.median(c for _w, c in one_by_one)
    base_line = []
    if base_runs:
        bw = statistics.median(w for w, _c in base_runs)
        bc = statistics.median(c for _w, c in base_runs)
        base_line = [
            f"| same, older code ({args.base.name}: "
            f"{origin}), interleaved: median wall / "
            f"CPU | {bw:.2f} s / {bc:.2f} s |"
        ]
    md = "\n".join(
        [
            f"# Many small exhibits ({res['date']})",
            "",
            f"Machine: {common.describe(res['machine'])}; {common.describe_code(res['code'])}. "
            f"Command: `{res['command']}`. Warm server; one synthetic 1-3 MP JPEG a folder"
            + (", into a series of its case; " if args.series else "; ")
            + (
                f"{args.records:,} media in the store before the folders (records, loaded in "
                f"{res['records_load_s']:.1f} s, untimed)."
                if args.records
                else "an empty store (50 cases, 200 series) before the folders."
            ),
            "",
            "| measure | value |",
            "|---|---|",
            f"| `python -c 'import cli.load'` (median of 3) | {statistics.median(imports):.2f} s |",
            f"| `load media DIR --case C --no-visual`, one command per folder ({n} folders): "
            f"median wall (min-max) / median CPU (command + its workers) | {med:.2f} s "
            f"({min(wall):.2f}-{max(wall):.2f}) / {cmed:.2f} s |",
            *base_line,
            f"| `load media --manifest` ({n} folders, one call, one link update): wall / CPU | "
            f"{manifest_s:.2f} s / {manifest_cpu:.2f} s ({manifest_s / n:.2f} / "
            f"{manifest_cpu / n:.2f} s a folder) |",
            *(
                [
                    f"| `load media DIR --case C` (the visual pass, the default), one command "
                    f"per folder ({len(runs)} folders"
                    + (
                        f", {args.visual_index:,} pictures already in the visual index"
                        if args.visual_index
                        else ""
                    )
                    + f"){who}: each wall (median) / median CPU | "
                    + ", ".join(f"{w:.2f}" for w, _c in runs)
                    + f" s ({statistics.median(w for w, _c in runs):.2f} s) / "
                    f"{statistics.median(c for _w, c in runs):.2f} s |"
                    for runs, who in (
                        (base_visual_runs, f", older code ({origin}), run first"),
                        (visual_runs, ""),
                    )
                    if runs
                ]
            ),
            *warm_lines(warm_runs),
            f"| load average after the single runs / at the end | "
            f"{la_single[0]:.1f} / {res['load_average'][0]:.1f} |",
        ]
    )
    print(md)
    common.save("small_exhibits", res, md + "\n")


if __name__ == "__main__":
    main()
