"""Throughput of the visual pass on both cores, against the decode-only ceiling, and where
the time goes per picture.

    python bench/bench_visual_pass.py [--pictures 32] [--workers 2]

Pictures: generated rooms (1280x960, 1.2 MP; from bench/scene_data.py) and signs (1.2-3 MP;
loaders/demo/signs.py), written as JPEG files. Measured in the same run:

1. **Profile** (one process, CPU time per picture, ``time.process_time``): decode, scene
   features, text line finding, Tesseract reading, language (first call apart: it loads
   the detector's models), index add + save, scene verification of each new picture
   against its candidates (what the pass does), so the figures add up to the pass's cost
   without Neo4j. "Ideal pictures/s on N free cores" is N / the CPU seconds per picture.
2. **Throughput** with a pool of ``--workers`` (both cores), each started once and warmed:
   - **decode only**: a full-size decode of each file (the ceiling);
   - **analysis**: the pass's worker (``loaders.visual._work``): decode, features, text;
   - **analysis + verification**: the pass's own steps (``_submit_analysis``,
     ``_collect_analysis``, ``_verify_chunk``: chunks, index saved, pairs verified in the
     workers) on a fresh index in a temporary folder: everything the pass does but the
     graph writes and the language guess.

Results in ``bench/results/visual_pass.md`` and ``.json``, with the load average (the
machine is shared: wall-clock figures vary with what else runs; the CPU profile less).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
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
from loaders.visual_state import PassReport, PassState, _Todo  # noqa: E402
from media import blas  # noqa: E402
from media.visual import features as vf  # noqa: E402
from media.visual import text as vt  # noqa: E402
from media.visual.index import VisualIndex  # noqa: E402
from media.visual.language import detect_language  # noqa: E402


def _decode(path: str) -> int:
    im, w, h = vf.open_image(Path(path), work_side=1 << 30)
    return im.width * im.height


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        workers, mp_context=get_context("forkserver"), initializer=visual._worker_init
    )


def _timed(fn, tasks, workers: int, warm: list) -> float:
    with _pool(workers) as pool:
        list(pool.map(fn, warm))  # warm the workers (imports, Tesseract models)
        t0 = time.perf_counter()
        list(pool.map(fn, tasks))
        return time.perf_counter() - t0


def profile(paths: list[Path], chunk: int) -> dict:
    """CPU seconds per picture of each step, in this process (see the module doc)."""
    import cv2

    cv2.setNumThreads(1)
    cpu = time.process_time
    vt.read_text(vf.open_image(paths[-1], work_side=1 << 30)[0])  # Tesseract models loaded
    steps: dict[str, list[float]] = {
        k: [] for k in ("decode", "features", "find_lines", "tesseract", "language")
    }
    reads_all: list[list[str]] = []
    feats = []
    for p in paths:
        c = cpu()
        im, w, h = vf.open_image(p, work_side=1 << 30)
        steps["decode"].append(cpu() - c)
        c = cpu()
        feats.append(vf.extract(im, original_size=(w, h)))
        steps["features"].append(cpu() - c)
        c = cpu()
        rgb = vt._as_rgb(im)
        vt._find(rgb)  # lines, scale, searched turned
        steps["find_lines"].append(cpu() - c)
        c = cpu()
        reads = vt.read_text(rgb)  # finds again: subtract the finding step
        steps["tesseract"].append(max(0.0, cpu() - c - steps["find_lines"][-1]))
        reads_all.append([r.text for r in reads])
    c = cpu()
    first = next((r for r in reads_all if r), None)
    if first:
        detect_language(first)
    language_first = cpu() - c
    for r in reads_all:
        c = cpu()
        if r:
            detect_language(r)
        steps["language"].append(cpu() - c)
    # the same texts again, every model loaded: what a language costs once its models are
    # (a long pass loads each language's models once; this bench's 8 signs load them all)
    warm = []
    for r in reads_all:
        c = cpu()
        if r:
            detect_language(r)
        warm.append(cpu() - c)
    with tempfile.TemporaryDirectory(prefix="cluegraph-vp-index-") as d:
        idx = VisualIndex.open(Path(d))
        c = cpu()
        for i, f in enumerate(feats):
            idx.add(f"{i:064x}", f)
            if (i + 1) % chunk == 0:
                idx.save()
        idx.save()
        index_s = (cpu() - c) / len(feats)
        state = PassState(Path(d))
        state.records = {
            f"{i:064x}": {"key": f"{i:064x}", "v": visual.VERSION, "status": "ok"}
            for i in range(len(feats))
        }
        part = [
            _Todo(f"{i:064x}", "image", "", None, [f"{i:064x}"], [], False)
            for i in range(len(feats))
        ]
        # same run baseline: the pairs verified without the score floor (every candidate
        # of the best 50), counted on the final index (vocabulary state of the end)
        former = 0
        for i in range(0, len(part), chunk):
            seen: set[tuple[str, str]] = set()
            for t in part[i : i + chunk]:
                for o, _ in idx.candidates(idx.get(t.sha256), k=51):
                    p = (min(o, t.sha256), max(o, t.sha256))
                    if o != t.sha256 and p not in seen and int(o, 16) < i + chunk:
                        seen.add(p)
            former += len(seen)
        idx2 = VisualIndex.open(Path(d) / "fresh")
        c = cpu()
        pairs = 0
        verified = 0
        for i in range(0, len(part), chunk):
            for j in range(i, min(i + chunk, len(part))):
                idx2.add(f"{j:064x}", feats[j])
            idx2.save()
            tasks = list(visual._verify_tasks(part[i : i + chunk], idx2, state, 50))
            verified += sum(len(t[2]) for t in tasks)
            for t in tasks:
                pairs += len(visual._verify(t))
        verify_s = (cpu() - c) / len(feats)
    out = {k: round(statistics.mean(v), 4) for k, v in steps.items()}
    out["language_first_call"] = round(language_first, 3)
    out["language_warm"] = round(statistics.mean(warm), 4)
    out["index_add_save"] = round(index_s, 4)
    out["scene_verification"] = round(verify_s, 4)
    out["verified_pairs_per_picture"] = round(verified / len(feats), 1)
    out["verified_pairs_per_picture_without_floor"] = round(former / len(feats), 1)
    out["matches_found"] = pairs
    out["pictures_with_text"] = sum(1 for r in reads_all if r)
    out["total"] = round(
        sum(out[k] for k in ("decode", "features", "find_lines", "tesseract", "language"))
        + index_s
        + verify_s,
        4,
    )
    out["analysis_only"] = round(
        sum(out[k] for k in ("decode", "features", "find_lines", "tesseract")), 4
    )
    return out


def pass_throughput(paths: list[Path], workers: int, chunk: int) -> float:
    """Pictures/s of the pass's own steps (analysis, index, verification), no graph."""
    todo = [
        _Todo(f"{k:064x}", "image", str(p), p.name, [f"{k:064x}"], [], False)
        for k, p in enumerate(paths)
    ]
    with tempfile.TemporaryDirectory(prefix="cluegraph-vp-pass-") as d, _pool(workers) as pool:
        list(pool.map(visual._work, [(f"{0:064x}", str(paths[-1]), "image", [])] * workers))
        idx, state, rep = VisualIndex.open(Path(d)), PassState(Path(d)), PassReport()
        chunks = [todo[i : i + chunk] for i in range(0, len(todo), chunk)]
        t0 = time.perf_counter()
        pending = visual._submit_analysis(chunks[0], idx, state, pool, rep)
        for ci, part in enumerate(chunks):
            visual._collect_analysis(pending, idx, state, rep)
            nxt = chunks[ci + 1] if ci + 1 < len(chunks) else None

            def submit_next(nxt=nxt):
                return visual._submit_analysis(nxt, idx, state, pool, rep) if nxt else None

            _, pending = visual._verify_chunk(part, idx, state, pool, workers, submit_next)
        return len(paths) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pictures", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=16)
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
    with blas.one_thread():  # as the pass runs (loaders/visual.run_pass)
        prof = profile(paths, a.chunk)
    print(json.dumps(prof, indent=1))
    dec = [str(p) for p in paths]
    t_dec = _timed(_decode, dec, a.workers, dec[-a.workers :])
    tasks = [(f"{k:064x}", str(p), "image", []) for k, p in enumerate(paths)]
    t_all = _timed(visual._work, tasks, a.workers, tasks[-a.workers :])  # signs: OCR warm
    pass_ps = pass_throughput(paths, a.workers, a.chunk)
    res = {
        "machine": m,
        "code": common.code_version(),
        "pictures": len(paths),
        "mean_megapixels": round(mp, 2),
        "workers": a.workers,
        "chunk": a.chunk,
        "decode_only_per_s": round(len(paths) / t_dec, 2),
        "analysis_per_s": round(len(paths) / t_all, 2),
        "analysis_and_verification_per_s": round(pass_ps, 2),
        "profile_cpu_s_per_picture": prof,
        "ideal_per_s_on_free_cores": {
            "analysis": round(a.workers / prof["analysis_only"], 2),
            "pass_without_graph": round(a.workers / prof["total"], 2),
        },
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "visual_pass.json").write_text(json.dumps(res, indent=2))
    rows = "".join(
        f"| {k.replace('_', ' ')} | {v} |\n"
        for k, v in prof.items()
        if k
        not in (
            "matches_found",
            "pictures_with_text",
            "verified_pairs_per_picture",
            "verified_pairs_per_picture_without_floor",
        )
    )
    (out / "visual_pass.md").write_text(
        "# Visual pass throughput and profile\n\n"
        f"`python bench/bench_visual_pass.py --pictures {a.pictures} --workers {a.workers} "
        f"--chunk {a.chunk}`\n\n"
        f"{common.describe(m)}; {common.describe_code(res['code'])}\n\n"
        "## Throughput (wall clock, pool started once and warmed)\n\n"
        "| pictures | mean MP | workers | decode only (ceiling) | analysis | analysis + index"
        " + verification | load at end |\n|---|---|---|---|---|---|---|\n"
        f"| {len(paths)} | {res['mean_megapixels']} | {a.workers} | "
        f"{res['decode_only_per_s']} | {res['analysis_per_s']} | {round(pass_ps, 2)} | "
        f"{res['load_average_at_end']} |\n\n"
        "## CPU seconds per picture, one process\n\n"
        f"{prof['pictures_with_text']} of {len(paths)} pictures had text; "
        f"{prof['verified_pairs_per_picture']} candidate pairs verified per picture "
        f"(each pair once; {prof['matches_found']} matches); without the retrieval score "
        f"floor (same run, counted): {prof['verified_pairs_per_picture_without_floor']}. "
        "Language: the mean over the pass includes loading each language's models on its "
        "first text (this bench's signs are in many languages); 'language warm' is the same "
        "texts again, models loaded.\n\n"
        "| step | CPU s / picture |\n|---|---|\n" + rows + "\n"
        f"Ideal on {a.workers} free cores: analysis "
        f"{res['ideal_per_s_on_free_cores']['analysis']} pictures/s, pass without the graph "
        f"writes {res['ideal_per_s_on_free_cores']['pass_without_graph']} pictures/s.\n"
    )
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
