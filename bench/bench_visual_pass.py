"""Throughput of the visual pass's analysis on both cores, against the decode-only ceiling.

    python bench/bench_visual_pass.py [--pictures 32] [--workers 2]

Pictures: generated rooms (1280x960, 1.2 MP; from bench/scene_data.py) and signs (1.2-3 MP;
loaders/demo/signs.py), written as JPEG files. Measured in the same run, same pool:

- **decode only**: a full-size decode of each file (``media.visual.features.open_image``,
  what the pass's worker does first: OCR needs the original pixels);
- **analysis**: the pass's worker (``loaders.visual._work``): decode, features, text
  found and read; no Neo4j and no language guess (both in the main process: the language
  detector's models load once per pass, ~40 s on a loaded machine, not counted here).

Results in ``bench/results/visual_pass.md`` and ``.json``, with the load average (the
machine is shared: figures vary with what else runs).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.scene_data import dataset  # noqa: E402
from loaders import visual  # noqa: E402
from loaders.demo import signs  # noqa: E402
from media.visual import features as vf  # noqa: E402


def _decode(path: str) -> int:
    im, w, h = vf.open_image(Path(path), work_side=1 << 30)
    return im.width * im.height


def _timed(fn, tasks, workers: int, warm: list) -> float:
    t0 = time.perf_counter()
    with ProcessPoolExecutor(
        workers, mp_context=get_context("forkserver"), initializer=visual._worker_init
    ) as pool:
        list(pool.map(fn, warm))  # warm the workers (imports, Tesseract models)
        t0 = time.perf_counter()
        list(pool.map(fn, tasks))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pictures", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    m = common.machine()
    n_rooms = a.pictures * 3 // 4
    tmp = Path(tempfile.mkdtemp(prefix="cluegraph-visual-pass-"))
    paths = []
    for k, (_key, data, _) in enumerate(dataset(max(1, n_rooms // 4), 4)[:n_rooms]):
        p = tmp / f"room{k:03d}.jpg"
        p.write_bytes(data)
        paths.append(p)
    for k in range(a.pictures - len(paths)):
        img, _ = signs.sign_picture(1000 + k)
        p = tmp / f"sign{k:03d}.jpg"
        img.convert("RGB").save(p, "JPEG", quality=90)
        paths.append(p)
    mp = sum(_decode(str(p)) for p in paths) / len(paths) / 1e6
    dec = [str(p) for p in paths]
    t_dec = _timed(_decode, dec, a.workers, dec[-a.workers :])
    tasks = [(f"{k:064x}", str(p), "image", []) for k, p in enumerate(paths)]
    t_all = _timed(visual._work, tasks, a.workers, tasks[-a.workers :])  # signs: OCR warm
    res = {
        "machine": m,
        "code": common.code_version(),
        "pictures": len(paths),
        "mean_megapixels": round(mp, 2),
        "workers": a.workers,
        "decode_only_per_s": round(len(paths) / t_dec, 2),
        "analysis_per_s": round(len(paths) / t_all, 2),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "visual_pass.json").write_text(json.dumps(res, indent=2))
    (out / "visual_pass.md").write_text(
        "# Visual pass analysis throughput\n\n"
        f"`python bench/bench_visual_pass.py --pictures {a.pictures} --workers {a.workers}`\n\n"
        f"{common.describe(m)}; {common.describe_code(res['code'])}\n\n"
        "| pictures | mean MP | workers | decode only (pictures/s) | analysis (pictures/s) |"
        " load at end |\n|---|---|---|---|---|---|\n"
        f"| {len(paths)} | {res['mean_megapixels']} | {a.workers} | "
        f"{res['decode_only_per_s']} | {res['analysis_per_s']} | "
        f"{res['load_average_at_end']} |\n"
    )
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
