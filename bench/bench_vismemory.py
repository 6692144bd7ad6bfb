"""Memory of the visual index (scene words) at 1M pictures, extrapolated to 10M, and its
shards by vocabulary word.

    python bench/bench_vismemory.py [--pictures 1000000] [--rooms 16] [--shards 4 16]

No Neo4j. The index (:class:`media.visual.index.VisualIndex`) holds the real pictures of
``bench/scene_data.py`` (rooms 0..rooms-1, 4 views: they train the vocabulary) plus
entries synthesised as word lists only, as in ``bench_retrieval.py``: each copies the mean
length of a real picture's word list and draws its words from the real pictures' word
frequencies, each picture its own array as the index keeps them. Measured: the bytes of
the word lists (``_words``, kept in memory for every picture), of the inverted file built
for retrieval (words x pictures CSR, float32 weights and int32 picture numbers) and of the
keys, next to the growth of the process's resident set and its peak (the build's
temporaries), and the retrieval time of one real picture's 50 best candidates. The scene
features themselves (keypoints and descriptors) stay on disk (``shard-*.bin``) and are read
only to verify candidates: their bytes per picture are given as disk, not memory.

Shards by word: shard ``k`` of ``K`` holds the posting lists of the words ``w mod K == k``;
its share of the inverted file is the sum of those lists' lengths. The largest share says
how balanced a plain modulo is for this vocabulary. Saves
``bench/results/vismemory.{json,md}``.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
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


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pictures", type=int, default=1_000_000)
    ap.add_argument("--rooms", type=int, default=16)
    ap.add_argument("--shards", type=int, nargs="+", default=[4, 16])
    ap.add_argument("--queries", type=int, default=10)
    ap.add_argument(
        "--build-max",
        type=int,
        default=200_000,
        help="above this many pictures the inverted file is counted, not built (its build "
        "needs ~12 bytes of temporaries per word occurrence: ~13 GiB at 1M)",
    )
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    at_start = common.machine()
    print("load average at start:", at_start["load_average_at_start"], flush=True)
    feats = {}
    for k, b, _ in dataset(args.rooms, 4, 0):
        im, w, h = open_image(io.BytesIO(b))
        feats[k] = extract(im, original_size=(w, h))
    with tempfile.TemporaryDirectory() as tmp:
        idx = VisualIndex.open(Path(tmp) / "vis")
        for k in sorted(feats):
            idx.add(k, feats[k])
        idx.save()  # trains the vocabulary on the real pictures
        assert idx.vocab is not None, "too few real pictures to train a vocabulary"
        real = idx.keys()
        disk_per_picture = idx.disk_bytes() / len(real)
        per = int(round(np.mean([len(idx._words[x]) for x in real])))
        all_words = np.concatenate([idx._words[x] for x in real])
        qkeys = real[:: max(1, len(real) // args.queries)][: args.queries]
        rng = np.random.default_rng(5)
        n = args.pictures
        base = rss_mb()
        t0 = time.perf_counter()
        chunk = 20_000
        for lo in range(len(real), n, chunk):
            hi = min(n, lo + chunk)
            words = rng.choice(all_words, size=per * (hi - lo)).astype(np.int32)
            for i in range(hi - lo):
                key = f"{lo + i:064x}"  # a SHA-256-long key, as the graph's
                idx._where[key] = None
                idx._words[key] = words[i * per : (i + 1) * per].copy()
        synth_s = time.perf_counter() - t0
        after_words = rss_mb()
        words_bytes = sum(a.nbytes + 112 for a in idx._words.values())  # array + header
        keys_bytes = sum(sys.getsizeof(k) for k in real[:1000]) / min(1000, len(real)) * n
        vocab = int(idx.vocab.shape[0])
        built = n <= args.build_max
        build_s: float | None = None
        retrieval_ms: float | None = None
        if built:
            idx._matrix = None
            t1 = time.perf_counter()
            idx.candidates(feats[qkeys[0]], k=50)
            build_s = time.perf_counter() - t1
            assert idx._matrix is not None
            keys, inv, idf = idx._matrix
            inv_bytes = inv.data.nbytes + inv.indices.nbytes + inv.indptr.nbytes + idf.nbytes
            nnz = int(inv.nnz)
            after_build = rss_mb()
            t2 = time.perf_counter()
            for k in qkeys:
                idx.candidates(feats[k], k=50)
            retrieval_ms = (time.perf_counter() - t2) / len(qkeys) * 1000
            lens = np.diff(inv.indptr)  # posting list length per word
        else:
            # The CSR the build would make, counted: one float32 weight and one int32
            # picture number per distinct word of a picture, the row pointers, the idf.
            lens = np.zeros(vocab, np.int64)
            for a in idx._words.values():
                lens += np.bincount(np.unique(a), minlength=vocab)
            nnz = int(lens.sum())
            inv_bytes = nnz * 8 + (vocab + 1) * 4 + vocab * 4
            after_build = after_words
        shards = []
        for kk in args.shards:
            share = np.bincount(np.arange(vocab) % kk, weights=lens, minlength=kk)
            biggest = float(share.max() / max(share.sum(), 1))
            shards.append(
                {
                    "shards": kk,
                    "largest_share": round(biggest, 3),
                    "largest_inverted_file_mib": round(inv_bytes * biggest / 2**20, 1),
                    "words_per_query_picture": None,
                }
            )
        # how many shards one query touches: the distinct words of a real picture
        qwords = [np.unique(idx._words[k]) for k in qkeys]
        for s in shards:
            kk = s["shards"]
            s["words_per_query_picture"] = round(float(np.mean([len(w) for w in qwords])), 1)
            s["shards_per_query"] = round(
                float(np.mean([len(np.unique(w % kk)) for w in qwords])), 1
            )
    mem_per_picture = (words_bytes + inv_bytes + keys_bytes) / n
    data = {
        "machine": at_start,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "code": common.code_version(),
        "command": f"python bench/bench_vismemory.py --pictures {n} --rooms {args.rooms} "
        f"--shards {' '.join(map(str, args.shards))}",
        "pictures": n,
        "real_pictures": len(real),
        "vocabulary_words": vocab,
        "words_per_picture": per,
        "distinct_words_per_picture": round(nnz / n, 1),
        "synthesis_s": round(synth_s, 1),
        "inverted_file_built": built,
        "inverted_file_build_s": None if build_s is None else round(build_s, 1),
        "retrieval_ms": None if retrieval_ms is None else round(retrieval_ms, 1),
        "word_lists_mib": round(words_bytes / 2**20, 1),
        "inverted_file_mib": round(inv_bytes / 2**20, 1),
        "keys_mib": round(keys_bytes / 2**20, 1),
        "rss_growth_words_mib": round(after_words - base, 1),
        "rss_growth_total_mib": round(after_build - base, 1),
        "peak_rss_mib": round(peak_mb(), 1),
        "memory_bytes_per_picture": round(mem_per_picture),
        "gib_per_10M_pictures": round(mem_per_picture * 10_000_000 / 2**30, 2),
        "disk_bytes_per_picture": round(disk_per_picture),
        "disk_gib_per_10M_pictures": round(disk_per_picture * 10_000_000 / 2**30, 1),
        "shards": shards,
    }
    md = [
        "# Visual index memory",
        "",
        f"`{data['command']}`",
        "",
        f"Machine: {common.describe(at_start)}; load at the end {data['load_average_at_end']}.",
        f"Measured: {common.describe_code(data['code'])}.",
        "",
        f"{n:,} pictures ({len(real)} real, the rest synthesised word lists of {per} words, "
        f"{data['distinct_words_per_picture']} distinct), vocabulary of {vocab} words. "
        f"Word lists {data['word_lists_mib']:,} MiB, inverted file {data['inverted_file_mib']:,} "
        + (
            f"MiB (built in {data['inverted_file_build_s']} s), keys ~{data['keys_mib']:,} MiB; "
            f"resident set grew {data['rss_growth_total_mib']:,} MiB (word lists alone "
            f"{data['rss_growth_words_mib']:,}), peak {data['peak_rss_mib']:,} MiB (the "
            f"build's temporaries). Retrieval of 50 candidates: {data['retrieval_ms']} ms per "
            "query."
            if built
            else f"MiB (counted from the word lists, not built: above --build-max "
            f"{args.build_max:,}), keys ~{data['keys_mib']:,} MiB; resident set grew "
            f"{data['rss_growth_words_mib']:,} MiB for the word lists, peak "
            f"{data['peak_rss_mib']:,} MiB."
        ),
        "",
        "| per picture | bytes | GiB per 10M pictures |",
        "|---|---|---|",
        f"| in memory (word list, inverted file, key) | {data['memory_bytes_per_picture']:,} | "
        f"{data['gib_per_10M_pictures']} |",
        f"| on disk (scene features, read to verify candidates) | "
        f"{data['disk_bytes_per_picture']:,} | {data['disk_gib_per_10M_pictures']} |",
        "",
        "Shards by word (`w mod K`): the largest shard's share of the inverted file, and how "
        "many shards one query picture's words reach:",
        "",
        "| shards | largest share | largest shard's inverted file MiB | distinct words of a "
        "query picture | shards per query |",
        "|---|---|---|---|---|",
        *[
            f"| {s['shards']} | {s['largest_share']} | {s['largest_inverted_file_mib']} | "
            f"{s['words_per_query_picture']} | {s['shards_per_query']} |"
            for s in shards
        ],
    ]
    text = "\n".join(md)
    print(text)
    if not args.no_save:
        common.save("vismemory", data, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
