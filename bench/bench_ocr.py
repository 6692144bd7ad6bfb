"""Text and language in pictures: word recall, language right, false text, time per picture.

Generated signs (loaders/demo/signs.py: 18 languages, 5 scripts, at an angle, other light,
JPEG) and text-free pictures (patterned wallpaper, stripes, tiles, fabric, a plain room).
Measured against a baseline in the same run: Tesseract with every installed language pack
at once on the whole picture (what one would do without finding text first).

    .venv/bin/python -m bench.bench_ocr   # 54 signs, 20 negatives; baseline on 18 + 4
    .venv/bin/python -m bench.bench_ocr --signs 18 --negatives 5 --baseline 6   # quick

Saves bench/results/ocr.json and ocr.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import unicodedata
from pathlib import Path

import numpy as np

from bench.common import code_version, describe, describe_code, machine
from loaders.demo.signs import PHRASES, SignTruth, bench_set, paragraph_picture
from media.visual.language import detect_language
from media.visual.text import read_text, tessdata_dir, text_line_count

RESULTS = Path(__file__).parent / "results"
BASELINE_LANGS = "eng+fra+deu+spa+ita+por+pol+nld+ces+swe+ron+hun+tur+rus+ukr+ell+ara+heb"


def norm_word(w: str) -> str:
    w = unicodedata.normalize("NFC", w).casefold()
    return "".join(c for c in w if c.isalnum())


def words_of(texts: list[str]) -> set[str]:
    return {norm_word(w) for t in texts for w in t.split() if norm_word(w)}


def score(truth: SignTruth, texts: list[str]) -> tuple[int, int, str | None]:
    want = [norm_word(w) for w in truth.words if norm_word(w)]
    got = words_of(texts)
    g = detect_language(texts) if texts else None
    return sum(w in got for w in want), len(want), g.code if g else None


def baseline_reader():  # type: ignore[no-untyped-def]
    import tesserocr
    from PIL import Image

    api = tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang=BASELINE_LANGS)

    def read(img: Image.Image) -> list[str]:
        api.SetImage(img)
        text = api.GetUTF8Text()
        # the baseline keeps Tesseract's words of confidence >= 60, as the engine does
        words = text.split()
        confs = api.AllWordConfidences()
        if len(words) == len(confs):
            words = [w for w, c in zip(words, confs, strict=True) if c >= 60]
        return [" ".join(words)] if words else []

    return read


def run(n_signs: int, n_neg: int, n_base: int, seed: int) -> dict:
    m = machine()
    print(f"load average at start: {m['load_average_at_start']}")
    t0 = time.perf_counter()
    pictures = bench_set(n_signs, n_neg, seed)
    print(f"{len(pictures)} pictures generated in {time.perf_counter() - t0:.1f} s")
    # warm-up: load every script model and the language detector once (reported apart)
    t0 = time.perf_counter()
    read_text(pictures[0][0])
    warm_read = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    detect_language("Zakaz palenia, piekarnia")
    warm_lang = time.perf_counter() - t0
    warm_lang_cpu = time.process_time() - c0

    per: list[dict] = []
    for img, truth in pictures:
        t0, c0 = time.perf_counter(), time.process_time()
        n_lines = text_line_count(img)  # the finding step alone
        dt_find, cpu_find = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        reads = read_text(img)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        texts = [r.text for r in reads]
        t1 = time.perf_counter()
        found, total, lang = score(truth, texts) if truth.kind == "sign" else (0, 0, None)
        if truth.kind != "sign" and texts:
            g = detect_language(texts)
            lang = g.code if g else None
        dl = time.perf_counter() - t1
        per.append(
            {
                "kind": truth.kind,
                "lang": truth.lang,
                "size": f"{img.width}x{img.height}",
                "found": found,
                "words": total,
                "detected": lang,
                "lines": len(reads),
                "texts": texts,
                "read_s": round(dt, 4),
                "read_cpu_s": round(cpu, 4),
                "find_s": round(dt_find, 4),
                "find_cpu_s": round(cpu_find, 4),
                "candidate_lines": n_lines,
                "lang_s": round(dl, 4),
            }
        )
    signs = [p for p in per if p["kind"] == "sign"]
    negs = [p for p in per if p["kind"] != "sign"]

    # baseline on the first n_base signs of each pass (languages in turn) and some negatives
    langs = sorted(PHRASES)
    base_idx = list(range(min(n_base, n_signs)))
    base_idx += list(range(n_signs, n_signs + min(max(1, n_base // 4), n_neg)))
    read_b = baseline_reader()
    base: list[dict] = []
    for i in base_idx:
        img, truth = pictures[i]
        t0 = time.perf_counter()
        texts = read_b(img)
        dt = time.perf_counter() - t0
        if truth.kind == "sign":
            found, total, lang = score(truth, texts)
        else:
            found, total, lang = 0, 0, None
        base.append(
            {"kind": truth.kind, "lang": truth.lang, "found": found, "words": total,
             "detected": lang, "texts": texts, "read_s": round(dt, 3)}
        )  # fmt: skip

    def summary(rows: list[dict]) -> dict:
        s = [r for r in rows if r["kind"] == "sign"]
        n = [r for r in rows if r["kind"] != "sign"]
        by_lang: dict[str, list[float]] = {}
        for r in s:
            by_lang.setdefault(r["lang"], []).append(r["found"] / max(r["words"], 1))
        return {
            "signs": len(s),
            "negatives": len(n),
            "word_recall": round(
                sum(r["found"] for r in s) / max(sum(r["words"] for r in s), 1), 4
            ),
            "language_right": round(sum(r["detected"] == r["lang"] for r in s) / max(len(s), 1), 4),
            "negatives_with_text": sum(1 for r in n if r["texts"]),
            "s_per_sign_mean": round(statistics.mean(r["read_s"] for r in s), 4) if s else None,
            "s_per_negative_mean": round(statistics.mean(r["read_s"] for r in n), 4) if n else None,
            "s_per_negative_p90": round(float(np.percentile([r["read_s"] for r in n], 90)), 4)
            if n
            else None,
            "recall_by_language": {
                k: round(statistics.mean(v), 3) for k, v in sorted(by_lang.items())
            },
        }

    ours = summary(per)
    ours["s_lang_detect_mean"] = (
        round(statistics.mean(r["lang_s"] for r in signs), 4) if signs else None
    )
    ours["s_per_negative_by_kind"] = {
        k: round(statistics.mean(r["read_s"] for r in negs if r["kind"] == k), 4)
        for k in sorted({r["kind"] for r in negs})
    }
    ours["s_find_only_mean"] = round(statistics.mean(r["find_s"] for r in per), 4)
    ours["s_find_only_p90"] = round(float(np.percentile([r["find_s"] for r in per], 90)), 4)
    ours["cpu_s_per_sign_mean"] = (
        round(statistics.mean(r["read_cpu_s"] for r in signs), 4) if signs else None
    )
    ours["cpu_s_per_negative_mean"] = (
        round(statistics.mean(r["read_cpu_s"] for r in negs), 4) if negs else None
    )
    ours["cpu_s_find_only_mean"] = round(statistics.mean(r["find_cpu_s"] for r in per), 4)
    ours["negatives_without_candidate_lines"] = sum(1 for r in negs if r["candidate_lines"] == 0)
    ours_same = summary([per[i] for i in base_idx])
    paragraphs = paragraph_sweep(read_b)
    out = {
        "machine": m,
        "code": code_version(),
        "seed": seed,
        "languages": langs,
        "warm_up_s": {
            "script_models": round(warm_read, 2),
            "language_detector": round(warm_lang, 2),
            "language_detector_cpu": round(warm_lang_cpu, 2),
        },
        "ours": ours,
        "ours_on_baseline_subset": ours_same,
        "baseline": summary(base),
        "baseline_method": f"Tesseract {BASELINE_LANGS}, whole picture, automatic layout",
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "misses": [
            {k: r[k] for k in ("lang", "found", "words", "detected", "texts")}
            for r in signs
            if r["found"] < r["words"] or r["detected"] != r["lang"]
        ],
        "false_text": [{k: r[k] for k in ("kind", "texts")} for r in negs if r["texts"]],
        "paragraphs": paragraphs,
    }
    return out


#: dense paragraphs: (font px, row spacing px) x blank paper below (px) x angles (degrees)
PARAGRAPH_FONTS = ((20, 26), (20, 34), (16, 20), (14, 18), (24, 30))
PARAGRAPH_MARGINS = (0, 80)
PARAGRAPH_ANGLES = (0, 5, 9, 12, 15, 18, -9, -15)


def paragraph_sweep(read_b) -> dict:  # type: ignore[no-untyped-def]
    """Word recall on a printed page turned 0-18 degrees (loaders/demo/signs.py
    ``paragraph_picture``), by angle; the baseline on the 20/26 px pages."""
    ours: dict[int, list[float]] = {}
    base: dict[int, list[float]] = {}
    cpu: list[float] = []
    for size, spacing in PARAGRAPH_FONTS:
        for margin in PARAGRAPH_MARGINS:
            for angle in PARAGRAPH_ANGLES:
                img, truth = paragraph_picture(angle, size, spacing, margin)
                want = [norm_word(w) for w in truth.words if norm_word(w)]
                c0 = time.process_time()
                got = words_of([r.text for r in read_text(img)])
                cpu.append(time.process_time() - c0)
                ours.setdefault(abs(angle), []).append(sum(w in got for w in want) / len(want))
                if (size, spacing) == PARAGRAPH_FONTS[0]:
                    got_b = words_of(read_b(img))
                    base.setdefault(abs(angle), []).append(
                        sum(w in got_b for w in want) / len(want)
                    )
    mean = lambda v: round(float(np.mean(v)), 3)  # noqa: E731
    return {
        "pages": sum(len(v) for v in ours.values()),
        "by_angle": {a: mean(v) for a, v in sorted(ours.items())},
        "all": mean([x for v in ours.values() for x in v]),
        "baseline_by_angle": {a: mean(v) for a, v in sorted(base.items())},
        "baseline_all": mean([x for v in base.values() for x in v]),
        "cpu_s_per_page": mean(cpu),
    }


def markdown(r: dict) -> str:
    o, b, s = r["ours"], r["baseline"], r["ours_on_baseline_subset"]
    lines = [
        "# OCR and language on generated signs",
        "",
        f"Machine: {describe(r['machine'])}; load at end {r['load_average_at_end']}.",
        f"{describe_code(r['code'])}.",
        "",
        "Command: `.venv/bin/python -m bench.bench_ocr` "
        f"(seed {r['seed']}; {o['signs']} signs in {len(r['languages'])} languages, "
        f"{o['negatives']} text-free pictures).",
        "",
        "| | word recall | language right | negatives with text | s / sign "
        "| s / negative (mean, p90) |",
        "|---|---|---|---|---|---|",
        f"| find lines, read per script (all) | {o['word_recall']} | {o['language_right']} | "
        f"{o['negatives_with_text']}/{o['negatives']} | {o['s_per_sign_mean']} | "
        f"{o['s_per_negative_mean']}, {o['s_per_negative_p90']} |",
        f"| same, baseline subset | {s['word_recall']} | {s['language_right']} | "
        f"{s['negatives_with_text']}/{s['negatives']} | {s['s_per_sign_mean']} | "
        f"{s['s_per_negative_mean']}, {s['s_per_negative_p90']} |",
        f"| baseline: {r['baseline_method']} | {b['word_recall']} | {b['language_right']} | "
        f"{b['negatives_with_text']}/{b['negatives']} | {b['s_per_sign_mean']} | "
        f"{b['s_per_negative_mean']}, {b['s_per_negative_p90']} |",
        "",
        "Warm-up once per process (not in the times): script models "
        f"{r['warm_up_s']['script_models']} s, "
        f"language detector {r['warm_up_s']['language_detector']} s "
        f"({r['warm_up_s'].get('language_detector_cpu')} s of CPU; its shortlist's models for "
        "one Polish text). Language detection per sign (later languages load on first use): "
        f"{o['s_lang_detect_mean']} s.",
        "",
        f"CPU time of finding and reading (one process): {o.get('cpu_s_per_sign_mean')} s per "
        f"sign, {o.get('cpu_s_per_negative_mean')} s per text-free picture.",
        "",
        f"Finding step alone (reduce, gradient, shapes, lines; no reading), every picture: "
        f"mean {o['s_find_only_mean']} s, p90 {o['s_find_only_p90']} s wall clock, "
        f"{o['cpu_s_find_only_mean']} s of CPU (the machine is shared: see the load); "
        f"{o['negatives_without_candidate_lines']}/{o['negatives']} text-free pictures had no "
        "candidate line at all (the rest were read and rejected).",
        "",
        "Time per text-free picture by kind (s): "
        + ", ".join(f"{k} {v}" for k, v in o["s_per_negative_by_kind"].items()),
        "",
        "Word recall by language: "
        + ", ".join(f"{k} {v}" for k, v in o["recall_by_language"].items()),
        "",
    ]
    pg = r["paragraphs"]
    lines += [
        f"## A printed page turned (dense paragraphs, {pg['pages']} pages)",
        "",
        "loaders/demo/signs.py `paragraph_picture`: eight English lines, fonts "
        + ", ".join(f"{f}/{sp}" for f, sp in PARAGRAPH_FONTS)
        + " px (size/row spacing), with and without blank paper below, turned by each angle "
        f"(both ways for 9 and 15). CPU per page {pg['cpu_s_per_page']} s. Baseline on the "
        "20/26 px pages.",
        "",
        "| angle (degrees) | " + " | ".join(str(a) for a in pg["by_angle"]) + " | all |",
        "|---|" + "---|" * (len(pg["by_angle"]) + 1),
        "| word recall | "
        + " | ".join(str(v) for v in pg["by_angle"].values())
        + f" | {pg['all']} |",
        "| baseline | "
        + " | ".join(str(pg["baseline_by_angle"].get(a, "")) for a in pg["by_angle"])
        + f" | {pg['baseline_all']} |",
        "",
    ]
    if r["false_text"]:
        lines += ["False text on negatives:", ""]
        lines += [f"- {f['kind']}: {f['texts']}" for f in r["false_text"]]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--signs", type=int, default=54)
    ap.add_argument("--negatives", type=int, default=20)
    ap.add_argument("--baseline", type=int, default=18, help="signs read by the baseline too")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-save", action="store_true")
    a = ap.parse_args()
    r = run(a.signs, a.negatives, a.baseline, a.seed)
    md = markdown(r)
    print(md)
    if not a.no_save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "ocr.json").write_text(json.dumps(r, indent=1, ensure_ascii=False))
        (RESULTS / "ocr.md").write_text(md)


if __name__ == "__main__":
    main()
