"""A same-scene query against 10k-100k indexed pictures, end to end, and the index's bytes.

    python bench/bench_retrieval.py [--rooms 32] [--first 500] [--sizes 10000,100000]
        [--queries 10]

The index holds the real pictures of ``bench/scene_data.py`` (rooms first..first+rooms-1,
4 views; 32 rooms = 128 pictures, a vocabulary of ~3000 words, near the 4096 a big index
has, and the vocabulary file shared by enough pictures to amortise) plus entries
synthesised as word lists only, as in ``bench_scene.py --scale``: each copies the length
of a real picture's word list and draws its words from the real pictures' word
frequencies, so posting lists have realistic lengths for this vocabulary.

A query is what the pass and ``find_scenes`` do for one picture: retrieval (quantising its
keypoints, scoring the inverted file, the best 50) and then the scene verification
(``compare``) of the candidates whose score passes ``index.MIN_VERIFY_TFIDF``, each
read from disk. A synthesised entry has no features: its verification is timed on a real
picture of another room (same cost; ``compare`` reads every keypoint either way).

Baselines, measured in the same run on the same matrix: the former scoring (slicing the
query's rows of the word-major matrix, then a product) and the former query (verification
of all 50 candidates, no score floor). Index bytes per picture: on disk with the
vocabulary, and the shards alone.
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
from media import blas  # noqa: E402
from media.visual import index as index_mod  # noqa: E402
from media.visual.features import extract, open_image  # noqa: E402
from media.visual.index import VisualIndex  # noqa: E402
from media.visual.match import compare  # noqa: E402


def _former_scores(idx: VisualIndex, feats) -> list[tuple[str, float]]:
    """The former scoring: the query's rows of the word-major matrix sliced (copied),
    then multiplied by the query's weights; top 50."""
    keys, inv, idf = idx._matrix  # type: ignore[misc]
    w = idx.quantize_descriptors(feats.descriptors())
    q = np.sqrt(np.bincount(w, minlength=len(idf)).astype(np.float32)) * idf
    q /= max(float(np.linalg.norm(q)), 1e-6)
    nz = np.flatnonzero(q)
    scores = np.asarray(inv[nz].T @ q[nz]).ravel()
    return idx._top(keys, scores, 50)


def _verify_ms(idx: VisualIndex, key: str, cands: list[tuple[str, float]], stand_in) -> float:
    """Wall ms to verify ``key`` against ``cands`` (features read from disk)."""
    t = time.perf_counter()
    with blas.one_thread():  # as the pass and find_scenes verify
        fa = idx.get(key)
        for other, _ in cands:
            if other == key:
                continue
            fb = idx.get(other) if not other.startswith("synthetic-") else idx.get(stand_in(key))
            compare(fa, fb, key, other)
    return (time.perf_counter() - t) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rooms", type=int, default=32)
    ap.add_argument("--first", type=int, default=500)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=10)
    args = ap.parse_args()
    import cv2

    cv2.setNumThreads(1)
    mach = common.machine()
    print("load average at start:", mach["load_average_at_start"], flush=True)
    data = dataset(args.rooms, 4, args.first)
    room = {k: t["room"] for k, _, t in data}
    feats = {}
    for k, b, _ in data:
        im, w, h = open_image(io.BytesIO(b))
        feats[k] = extract(im, original_size=(w, h))
    print(f"{len(feats)} pictures analysed", flush=True)
    rows = []
    floor = index_mod.MIN_VERIFY_TFIDF
    with tempfile.TemporaryDirectory() as tmp:
        idx = VisualIndex.open(Path(tmp) / "vis")
        for k in sorted(feats):
            idx.add(k, feats[k])
        t = time.perf_counter()
        idx.save()  # trains the vocabulary on the real pictures
        train_s = time.perf_counter() - t
        vis = Path(tmp) / "vis"
        disk = {
            "pictures": len(idx),
            "on_disk_bytes_per_picture": int(idx.disk_bytes() / len(idx)),
            "shards_bytes_per_picture": int(
                sum(p.stat().st_size for p in vis.glob("shard-*.bin")) / len(idx)
            ),
            "vocabulary_bytes": sum(p.stat().st_size for p in vis.glob("vocab-*.npy")),
            "vocabulary_train_and_save_s": round(train_s, 1),
        }
        print(disk, flush=True)
        idx = VisualIndex.open(vis)  # features are read from disk, as in a pass
        real = idx.keys()
        qkeys = real[:: max(1, len(real) // args.queries)][: args.queries]
        others = {k: [x for x in real if room[x] != room[k]] for k in qkeys}

        def stand_in(key: str) -> str:
            return others[key][0]

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
            t = time.perf_counter()
            got = [idx.candidates(feats[k], k=50) for k in qkeys]
            now_ms = (time.perf_counter() - t) / len(qkeys) * 1000
            t = time.perf_counter()
            old = [_former_scores(idx, feats[k]) for k in qkeys]
            old_ms = (time.perf_counter() - t) / len(qkeys) * 1000
            same = sum(
                [x for x, _ in g][:10] == [x for x, _ in o][:10]
                for g, o in zip(got, old, strict=True)
            )
            passing = [[c for c in g if c[1] >= floor] for g in got]
            ver = [_verify_ms(idx, k, c, stand_in) for k, c in zip(qkeys, passing, strict=True)]
            ver_all = [_verify_ms(idx, k, g, stand_in) for k, g in zip(qkeys, got, strict=True)]
            n_ver = float(np.mean([len(c) for c in passing]))
            same_room_in = float(
                np.mean(
                    [
                        sum(room.get(c) == room[k] for c, _ in p) / 3  # 3 other views
                        for k, p in zip(qkeys, passing, strict=True)
                    ]
                )
            )
            rows.append(
                {
                    "pictures": n,
                    "vocabulary_words": int(idx.vocab.shape[0]),  # type: ignore[union-attr]
                    "build_s": round(build, 2),
                    "retrieval_ms": round(now_ms, 1),
                    "former_scoring_ms": round(old_ms, 1),
                    "same_top10": f"{same}/{len(qkeys)}",
                    "verified_per_query": round(n_ver, 1),
                    "same_room_views_kept": round(same_room_in, 2),
                    "verification_ms": round(float(np.mean(ver)), 1),
                    "query_ms": round(now_ms + float(np.mean(ver)), 1),
                    "former_query_ms (all 50 verified)": round(old_ms + float(np.mean(ver_all)), 1),
                    "load": [round(x, 2) for x in os.getloadavg()],
                }
            )
            print(rows[-1], flush=True)
    out = {
        "machine": mach,
        "code": common.code_version(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "real_pictures": len(feats),
        "min_verify_score": floor,
        "index_bytes": disk,
        "results": rows,
    }
    md = [
        "# Same-scene query time at scale, and index bytes per picture",
        "",
        common.describe(mach) + f"; load at end {out['load_average_at_end']}",
        common.describe_code(out["code"]),
        "",
        f"`python bench/bench_retrieval.py --rooms {args.rooms} --first {args.first} "
        f"--sizes {args.sizes} "
        f"--queries {args.queries}`: {len(feats)} real pictures plus synthesised word lists; "
        "a query = retrieval of the best 50 (quantisation included) + verification "
        f"(`compare`, features read from disk) of those scoring >= {floor}. One process, "
        "OpenCV single-threaded.",
        "",
        f"Index of the {disk['pictures']} real pictures: "
        f"**{disk['on_disk_bytes_per_picture']} bytes per picture on disk** (vocabulary of "
        f"{disk['vocabulary_bytes']} bytes included), shards alone "
        f"{disk['shards_bytes_per_picture']} bytes per picture.",
        "",
        "| pictures | words | inverted file build s | retrieval ms | former scoring ms "
        "| same top 10 | verified / query | same-room views kept | verification ms "
        "| **query ms** | former query ms (50 verified) | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        md.append(
            f"| {r['pictures']} | {r['vocabulary_words']} | {r['build_s']} | "
            f"{r['retrieval_ms']} | {r['former_scoring_ms']} | {r['same_top10']} | "
            f"{r['verified_per_query']} | {r['same_room_views_kept']} | "
            f"{r['verification_ms']} | **{r['query_ms']}** | "
            f"{r['former_query_ms (all 50 verified)']} | {r['load']} |"
        )
    text = "\n".join(md)
    print(text)
    common.save("retrieval", out, text)


if __name__ == "__main__":
    main()
