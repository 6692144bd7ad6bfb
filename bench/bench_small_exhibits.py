"""Many small exhibits: seconds per one-picture folder, one command per folder or one call.

    python bench/bench_small_exhibits.py [--folders 6] [--reset-db] [--visual]

Units receive exhibits one at a time: a case folder holding one picture. The figure is the
wall time of a whole ``cluegraph load media DIR --case ID --no-visual`` run in a fresh
interpreter (imports, walk, analysis, writes, the link update), on a warm server, one
folder after the other; then the same folders again (new pictures) through one
``--manifest`` call. It also times ``python -c "import cli.load"`` alone (the fixed cost
of the interpreter and the imports) and, with ``--visual``, one folder with the visual
pass (the default of ``load media``).

Prints a Markdown table and writes ``bench/results/small_exhibits.json`` and ``.md``.
The pictures are synthetic (gradients and shapes drawn with numpy/Pillow).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
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


def run(cmd: list[str]) -> float:
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    s = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-2000:]}")
    return s


def folders(base: Path, n: int, seed0: int) -> list[Path]:
    out = []
    for i in range(n):
        d = base / f"exhibit_{seed0 + i:03d}"
        d.mkdir(parents=True)
        make_image((d / "IMG_0001.jpg", seed0 + i))
        out.append(d)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folders", type=int, default=6)
    ap.add_argument("--reset-db", action="store_true", help="Wipe the configured database first.")
    ap.add_argument("--visual", action="store_true", help="Also one folder with the visual pass.")
    args = ap.parse_args()
    py = sys.executable
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
    seed_world(n_cases=max(50, 2 * args.folders + 2))
    n = args.folders
    with tempfile.TemporaryDirectory(prefix="cluegraph-bench-small-") as tmp:
        base = Path(tmp)
        imports = [run([py, "-c", "import cli.load"]) for _ in range(3)]
        one_by_one = []
        for i, d in enumerate(folders(base / "single", n, 0)):
            one_by_one.append(
                run([py, "-m", "cli", "load", "media", str(d), "--case", f"BENCH-C{i}",
                     "--no-visual"])  # fmt: skip
            )
        la_single = os.getloadavg()
        man = base / "manifest.csv"
        lines = ["folder,case_id"] + [
            f"{d},BENCH-C{n + i}" for i, d in enumerate(folders(base / "many", n, 100))
        ]
        man.write_text("\n".join(lines) + "\n")
        manifest_s = run([py, "-m", "cli", "load", "media", "--manifest", str(man), "--no-visual"])
        visual_s = None
        if args.visual:
            (d,) = folders(base / "visual", 1, 200)
            visual_s = run([py, "-m", "cli", "load", "media", str(d), "--case", "BENCH-C0"])
    wipe()
    res.update(
        {
            "folders": n,
            "import_cli_load_s": imports,
            "one_command_per_folder_s": one_by_one,
            "load_average_after_singles": la_single,
            "manifest_s": manifest_s,
            "manifest_s_per_folder": manifest_s / n,
            "with_visual_s": visual_s,
            "load_average": os.getloadavg(),
        }
    )
    med = statistics.median(one_by_one)
    md = "\n".join(
        [
            f"# Many small exhibits ({res['date']})",
            "",
            f"Machine: {common.describe(res['machine'])}; {common.describe_code(res['code'])}. "
            f"Command: `{res['command']}`. Warm server; one synthetic 1-3 MP JPEG a folder.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| `python -c 'import cli.load'` (median of 3) | "
            f"{statistics.median(imports):.2f} s |",
            f"| `load media DIR --case C --no-visual`, one command per folder ({n} folders): "
            f"median / min / max | {med:.2f} / {min(one_by_one):.2f} / "
            f"{max(one_by_one):.2f} s |",
            f"| `load media --manifest` ({n} folders, one call, one link update) | "
            f"{manifest_s:.2f} s ({manifest_s / n:.2f} s a folder) |",
            *(
                [f"| one folder with the visual pass (the default) | {visual_s:.2f} s |"]
                if visual_s is not None
                else []
            ),
            f"| load average after the single runs / at the end | "
            f"{la_single[0]:.1f} / {res['load_average'][0]:.1f} |",
        ]
    )
    print(md)
    common.save("small_exhibits", res, md + "\n")


if __name__ == "__main__":
    main()
