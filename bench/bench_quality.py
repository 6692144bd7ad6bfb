"""Lead quality: recall and precision of ``cross-country`` against a world's truth.json.

    python bench/bench_quality.py [--size small|medium] [--seed 7] [--min-score S]

Generates the synthetic world (once, kept under ``CLUEGRAPH_HOME/demo-world``), loads it
into an EMPTY database through the real loaders (refuses a non-empty one unless
``--reset-db``), rebuilds the links, runs the ``cross-country`` lead at the default
minimum score, and compares its pairs with the planted cross-country pairs of
``truth.json``: overall and per link kind (a planted pair counts as found for a kind
when the lead returns the pair; the kinds the engine gives it are listed too).
Prints a Markdown table and saves ``bench/results/quality.json`` and ``quality.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from graph import db  # noqa: E402
from graph.config import get_settings  # noqa: E402


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def evaluate(found: list[dict], truth: dict) -> dict:
    planted = {pair(p["series_a"], p["series_b"]): p["kinds"] for p in truth["pairs"]}
    got = {pair(r["series_a"], r["series_b"]): r for r in found}
    tp = set(planted) & set(got)
    per_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"planted": 0, "found": 0})
    for k, kinds in planted.items():
        for kind in kinds:
            per_kind[kind]["planted"] += 1
            per_kind[kind]["found"] += k in got
    return {
        "planted": len(planted),
        "returned": len(got),
        "true_positives": len(tp),
        "recall": round(len(tp) / len(planted), 3) if planted else None,
        "precision": round(len(tp) / len(got), 3) if got else None,
        "per_kind": {
            k: {**v, "recall": round(v["found"] / v["planted"], 3)}
            for k, v in sorted(per_kind.items())
        },
        "missed": sorted(f"{a}-{b} {planted[(a, b)]}" for a, b in set(planted) - set(got)),
        "unexpected": sorted(
            f"{a}-{b} {got[(a, b)]['kinds']} {got[(a, b)]['score']}" for a, b in set(got) - tp
        ),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="medium", choices=["small", "medium"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--min-score", type=float, default=None, help="default: LINK_MIN_SCORE")
    ap.add_argument("--reset-db", action="store_true", help="empty the database first")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)

    from graph.leads import LEADS
    from loaders.demo import generate_world
    from loaders.world import demo_dir, load_world

    s = get_settings()
    drv = db.get_driver()
    nodes, _ = db.counts(drv)
    if nodes and not args.reset_db:
        print("the database is not empty: use --reset-db (deletes everything)", file=sys.stderr)
        return 2
    if nodes:
        db.reset(drv, keep_audit=False)
    world = demo_dir(s.home, args.size, args.seed)
    t0 = time.perf_counter()
    if not (world / "truth.json").is_file():
        world.parent.mkdir(parents=True, exist_ok=True)
        generate_world(world, seed=args.seed, size=args.size)
    t_gen = time.perf_counter() - t0
    t1 = time.perf_counter()
    loaded = load_world(drv, world, say=lambda m: print(f"- {m}", flush=True))
    t_load = time.perf_counter() - t1
    min_score = s.link_min_score if args.min_score is None else args.min_score
    res = LEADS["cross-country"].run(drv, min_score=min_score)
    truth = json.loads((world / "truth.json").read_text(encoding="utf-8"))
    ev = evaluate(res.rows, truth)
    out = {
        "world": {"size": args.size, "seed": args.seed, "files": truth.get("counts", {})},
        "min_score": min_score,
        "seconds": {"generate": round(t_gen, 1), "load_and_link": round(t_load, 1)},
        "load_errors": loaded.errors,
        **ev,
    }
    lines = [
        f"Lead quality, `cross-country` at min score {min_score}, {args.size} world seed "
        f"{args.seed} (`python bench/bench_quality.py --size {args.size}`)",
        "",
        "| measure | value |",
        "|---|---|",
        f"| planted cross-country pairs | {ev['planted']} |",
        f"| returned by the lead | {ev['returned']} |",
        f"| recall | {ev['recall']} |",
        f"| precision | {ev['precision']} |",
        f"| load + link rebuild | {t_load:.0f} s |",
        "",
        "| link kind | planted | found | recall |",
        "|---|---|---|---|",
        *[
            f"| {k} | {v['planted']} | {v['found']} | {v['recall']} |"
            for k, v in ev["per_kind"].items()
        ],
    ]
    if ev["missed"]:
        lines += ["", "Missed: " + "; ".join(ev["missed"])]
    if ev["unexpected"]:
        lines += ["", "Unexpected: " + "; ".join(ev["unexpected"][:20])]
    md = "\n".join(lines)
    print(md)
    if not args.no_save:
        common.save("quality", out, md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
