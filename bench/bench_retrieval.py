"""Retrieval time of the visual index at 10k-100k pictures, against the former layout.

    python bench/bench_retrieval.py [--rooms 16] [--sizes 10000,100000] [--queries 10]

The index holds the real pictures of ``bench/scene_data.py`` (rooms 0..rooms-1, 4 views)
plus entries synthesised as word lists only, as in ``bench_scene.py --scale``: each copies
the length of a real picture's word list and draws its words from the real pictures' word
frequencies, so posting lists have realistic lengths for this vocabulary. A query is the
retrieval of the 50 best candidates for a real picture (quantising its keypoints included).

Baseline, measured in the same run on the same matrix: the former layout, a
pictures x words matrix whose columns (the query's words) were sliced per query.
Verification of the candidates is not retrieval and is not measured here
(``bench_scene.py --scale`` reports it).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.scene_data import dataset  # noqa: E402
from media.visual.features import extract, open_image  # noqa: E402
from media.visual.index import VisualIndex  # noqa: E402


def _former(idx: VisualIndex, m, feats, k: int) -> list[str]:
    """The former retrieval: ``m`` picture-major (pictures x words), columns sliced."""
    keys, _, idf = idx._matrix  # type: ignore[misc]
    w = idx.quantize_descriptors(feats.descriptors())
    q = np.sqrt(np.bincount(w, minlength=m.shape[1]).astype(np.float32)) * idf
    q /= max(float(np.linalg.norm(q)), 1e-6)
    nz = np.flatnonzero(q)
    scores = np.asarray(m[:, nz] @ q[nz]).ravel()
    top = np.argpartition(-scores, k - 1)[:k]
    return [keys[i] for i in top[np.argsort(-scores[top])]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rooms", type=int, default=16)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=10)
    args = ap.parse_args()
    mach = common.machine()
    print("load average at start:", mach["load_average_at_start"], flush=True)
    data = dataset(args.rooms, 4, 0)
    feats = {}
    for k, b, _ in data:
        im, w, h = open_image(io.BytesIO(b))
        feats[k] = extract(im, original_size=(w, h))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        idx = VisualIndex.open(Path(tmp) / "vis")
        for k in sorted(feats):
            idx.add(k, feats[k])
        idx.save()  # trains the vocabulary on the real pictures
        real = idx.keys()
        qkeys = real[:: max(1, len(real) // args.queries)][: args.queries]
        all_words = np.concatenate([idx._words[x] for x in real])
        per = int(np.mean([len(idx._words[x]) for x in real]))
        rng = np.random.default_rng(5)
        have = len(idx)
        for n in [int(x) for x in args.sizes.split(",") if x]:
            words = rng.choice(all_words, size=per * (n - have))
            for i in range(n - have):
                idx._where[f"synthetic-{have + i:07d}"] = None
                idx._words[f"synthetic-{have + i:07d}"] = words[i * per : (i + 1) * per]
            have = n
            idx._matrix = None
            t = time.perf_counter()
            idx.candidates(feats[qkeys[0]], k=50)
            build = time.perf_counter() - t
            former = idx._matrix[1].T.tocsr()  # type: ignore[index]
            t = time.perf_counter()
            got = [idx.candidates(feats[k], k=50) for k in qkeys]
            now_ms = (time.perf_counter() - t) / len(qkeys) * 1000
            t = time.perf_counter()
            old = [_former(idx, former, feats[k], 50) for k in qkeys]
            old_ms = (time.perf_counter() - t) / len(qkeys) * 1000
            same = sum([x for x, _ in g][:10] == o[:10] for g, o in zip(got, old, strict=True))
            rows.append(
                {
                    "pictures": n,
                    "vocabulary_words": int(idx.vocab.shape[0]),  # type: ignore[union-attr]
                    "build_s": round(build, 2),
                    "retrieval_ms": round(now_ms, 1),
                    "former_layout_ms": round(old_ms, 1),
                    "same_top10": f"{same}/{len(qkeys)}",
                    "load": [round(x, 2) for x in os.getloadavg()],
                }
            )
            print(rows[-1], flush=True)
    out = {
        "machine": mach,
        "code": common.code_version(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "real_pictures": len(feats),
        "results": rows,
    }
    md = [
        "# Visual index retrieval time at scale",
        "",
        common.describe(mach) + f"; load at end {out['load_average_at_end']}",
        common.describe_code(out["code"]),
        "",
        f"`python bench/bench_retrieval.py --rooms {args.rooms} --sizes {args.sizes} "
        f"--queries {args.queries}`: {len(feats)} real pictures plus synthesised word lists; "
        "50 candidates per query, quantisation included; verification not included.",
        "",
        "| pictures | words | inverted file build s | retrieval ms | former layout ms "
        "| same top 10 | load |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        md.append(
            f"| {r['pictures']} | {r['vocabulary_words']} | {r['build_s']} | "
            f"{r['retrieval_ms']} | {r['former_layout_ms']} | {r['same_top10']} | {r['load']} |"
        )
    text = "\n".join(md)
    print(text)
    common.save("retrieval", out, text)


if __name__ == "__main__":
    main()
