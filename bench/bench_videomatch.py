"""Benchmark graph/videomatch.py: clip-to-clip matching against a library of 1,000 clips.

    .venv/bin/python bench/bench_videomatch.py                  # 1,000 clips, 100 queries
    .venv/bin/python bench/bench_videomatch.py --clips 200 --queries 20

The library is synthetic frame hashes (no pixels, no Neo4j): clips of 10 to 300 s
(log-uniform) sampled at one frame per second, each a sequence of shots held for a few
seconds (frames of one shot within a few bits of each other, as a held camera gives) and
about 10 % flat frames (quality < 50). Queries are planted relatives of library clips
(trimmed and re-encoded, a short cut from a long clip, a clip overlapping another by
half, the same clip at another frame offset) and unrelated clips.

Measured in the same run, on the same codes:

- **one query clip against the library**: the frame index of ``graph.videomatch``
  (``FrameIndex.search`` for candidates, then ``match_videos`` on each) against a brute
  force that computes every distance between the query's frames and every library frame
  (numpy popcount in blocks) and reduces them per clip; median and p95 per query, and
  the matches of both must be identical;
- **the library against itself** (what ``links rebuild`` does): ``FrameIndex.pairs``
  (exact multi-index hashing) with ``match_videos`` on each candidate, against the same
  self-join forced onto faiss's flat scan (``HashIndex(method='flat')``).

Results: ``bench/results/videomatch.md`` and ``.json`` (with the machine and load), one
section per library size.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from graph.ndindex import HashIndex  # noqa: E402
from graph.videomatch import FrameIndex, Thresholds, VideoCodes, match_videos  # noqa: E402

FLAT_QUALITY = 20


def _flip(v: int, n: int, rng: random.Random) -> int:
    for b in rng.sample(range(256), n):
        v ^= 1 << b
    return v


def _hex(v: int) -> str:
    return f"{v:064x}"


def make_clip(rng: random.Random, seconds: int) -> list[tuple[float, str, int]]:
    """Shots of 2-12 s; frames within a shot drift by 2-12 bits; 10 % flat frames."""
    out: list[tuple[float, str, int]] = []
    t = 0
    while t < seconds:
        shot = rng.getrandbits(256)
        for _ in range(min(rng.randint(2, 12), seconds - t)):
            q = FLAT_QUALITY if rng.random() < 0.1 else rng.randint(60, 100)
            out.append((float(t), _hex(_flip(shot, rng.randint(2, 12), rng)), q))
            t += 1
    return out


def reencode(frames, rng: random.Random, lo: int = 4, hi: int = 14, t0: float = 0.0):
    return [
        (t0 + k, _hex(_flip(int(h, 16), rng.randint(lo, hi), rng)), q)
        for k, (_, h, q) in enumerate(frames)
    ]


KINDS = ("trim+reencode", "cut-from-long", "half-overlap", "unrelated")


def planted(
    rng: random.Random,
    lib_frames: list[list[tuple[float, str, int]]],
    n: int,
    kinds: tuple[str, ...] = KINDS,
    prefix: str = "Q",
) -> list[tuple[str, VideoCodes]]:
    """(kind, clip): relatives of random library clips, and unrelated clips. A relative's
    key ends with ``@L<source>``, the library clip it was made from."""
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        s_i = rng.randrange(len(lib_frames))
        src = lib_frames[s_i]
        if kind == "trim+reencode":
            a = rng.randrange(0, max(1, len(src) // 4))
            b = len(src) - rng.randrange(0, max(1, len(src) // 4))
            frames = reencode(src[a:b], rng)
        elif kind == "cut-from-long":
            if rng.random() < 0.3:
                s_i = max(range(len(lib_frames)), key=lambda k: len(lib_frames[k]))
            long = lib_frames[s_i]
            a = rng.randrange(0, max(1, len(long) - 8))
            frames = reencode(long[a : a + 8], rng)
        elif kind == "half-overlap":
            half = src[len(src) // 2 :]
            frames = reencode(half, rng) + make_clip(rng, len(half))
        else:
            frames = make_clip(rng, rng.randint(10, 300))
        key = f"{prefix}{i:03d}-{kind}" + ("" if kind == "unrelated" else f"@L{s_i:04d}")
        out.append((kind, VideoCodes.of_frames(key, frames, 50)))
    return out


# ----------------------------------------------------------------------------- reference


class BruteForce:
    """Every query frame against every library frame; per-clip reductions."""

    def __init__(self, lib: list[VideoCodes]):
        self.lib = [v for v in lib if len(v)]
        self.words = np.concatenate([v.words for v in self.lib])
        sizes = np.array([len(v) for v in self.lib])
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])

    def query(self, q: VideoCodes, t: Thresholds) -> dict[str, tuple]:
        if not len(q):
            return {}
        n = self.words.shape[0]
        step = max(1, (1 << 22) // max(len(q), 1))
        col_min = np.empty(n, np.int32)  # per library frame: nearest query frame
        row_min = np.full((len(q), len(self.lib)), 1 << 30, np.int32)  # per query frame, clip
        for lo in range(0, n, step):
            d = np.bitwise_count(q.words[:, None, :] ^ self.words[None, lo : lo + step, :]).sum(
                -1, dtype=np.int32
            )
            col_min[lo : lo + step] = d.min(0)
            # clips that overlap this block: reduce their columns
            first = np.searchsorted(self.starts, lo, side="right") - 1
            last = np.searchsorted(self.starts, min(lo + step, n) - 1, side="right") - 1
            for c in range(first, last + 1):
                a = max(self.starts[c], lo) - lo
                b = min(self.starts[c] + len(self.lib[c]), lo + step) - lo
                np.minimum(row_min[:, c], d[:, a:b].min(1), out=row_min[:, c])
        out = {}
        r = t.frame_radius
        for c, v in enumerate(self.lib):
            na = int((row_min[:, c] <= r).sum())
            if not na:
                continue
            s = self.starts[c]
            nb = int((col_min[s : s + len(v)] <= r).sum())
            qp, tp = round(100 * na / len(q), 1), round(100 * nb / len(v), 1)
            if max(qp, tp) >= t.match_percent or min(na, nb) >= t.match_frames:
                out[v.sha256] = (qp, tp, min(na, nb))
        return out


def _root(key: str) -> str:
    """The original library clip a key stands for (itself, or the source of a relative)."""
    return key.split("@", 1)[1] if "@" in key else key


def indexed_query(
    fidx: FrameIndex, lib: dict[str, VideoCodes], q: VideoCodes, t: Thresholds
) -> dict[str, tuple]:
    out = {}
    for sha in fidx.search(q.hexes, t.frame_radius):
        m = match_videos(q, lib[sha], t)
        if m is not None:
            out[sha] = (m.query_percent, m.target_percent, m.matched_frames)
    return out


def self_join(lib: dict[str, VideoCodes], t: Thresholds, method: str) -> tuple[dict, float, int]:
    t0 = time.perf_counter()
    idx = HashIndex(256, method=method)  # type: ignore[arg-type]
    f = FrameIndex(idx)
    f.add(lib.values())
    cand = f.pairs(t)
    found = {}
    for a, b in sorted(cand):
        m = match_videos(lib[a], lib[b], t)
        if m is not None:
            found[(a, b)] = (m.query_percent, m.target_percent, m.matched_frames)
    return found, time.perf_counter() - t0, len(cand)


# ----------------------------------------------------------------------------- run


def run(args: argparse.Namespace) -> dict:
    info = common.machine()
    rng = random.Random(args.seed)
    t = Thresholds()
    raw = []
    lo, hi = math.log(10), math.log(300)
    n_rel = args.clips // 10  # relatives planted inside the library, for the self-join
    for _ in range(args.clips - n_rel):
        raw.append(make_clip(rng, int(math.exp(rng.uniform(lo, hi)))))
    lib_list = [VideoCodes.of_frames(f"L{i:04d}", f, 50) for i, f in enumerate(raw)]
    lib_list += [v for _, v in planted(rng, raw, n_rel, KINDS[:3], "R")]
    lib = {v.sha256: v for v in lib_list if len(v)}
    frames_total = sum(v.total for v in lib_list)
    frames_indexed = sum(len(v) for v in lib.values())
    queries = planted(rng, raw, args.queries)

    t0 = time.perf_counter()
    fidx = FrameIndex()
    fidx.add(lib.values())
    fidx.search(lib_list[0].hexes[:1], t.frame_radius)  # builds the MIH tables
    build_s = time.perf_counter() - t0
    brute = BruteForce(lib_list)
    flat = FrameIndex(HashIndex(256, method="flat"))
    flat.add(lib.values())

    idx_times: list[float] = []
    bf_times: list[float] = []
    flat_times: list[float] = []
    mismatches = 0
    found_by_kind: dict[str, dict[str, int]] = {}
    false_q = missed_q = 0
    n_brute = len(queries) if args.brute_queries is None else args.brute_queries
    for qi, (kind, q) in enumerate(queries):
        a0 = time.perf_counter()
        got = indexed_query(fidx, lib, q, t)
        idx_times.append(time.perf_counter() - a0)
        if qi < n_brute:  # the numpy brute force is slow: on the first queries only
            b0 = time.perf_counter()
            ref = brute.query(q, t)
            bf_times.append(time.perf_counter() - b0)
            mismatches += got != ref
        c0 = time.perf_counter()
        ref2 = indexed_query(flat, lib, q, t)
        flat_times.append(time.perf_counter() - c0)
        mismatches += got != ref2
        planted_src = q.sha256.split("@", 1)[1] if "@" in q.sha256 else None
        false_q += sum(1 for sha in got if _root(sha) != planted_src)
        missed_q += planted_src is not None and not any(_root(s) == planted_src for s in got)
        k = found_by_kind.setdefault(kind, {"queries": 0, "with_match": 0, "matches": 0})
        k["queries"] += 1
        k["with_match"] += bool(got)
        k["matches"] += len(got)

    def stats(xs: list[float]) -> dict:
        xs = sorted(xs)
        return {
            "median_ms": round(statistics.median(xs) * 1000, 2),
            "p95_ms": round(xs[int(0.95 * (len(xs) - 1))] * 1000, 2),
            "total_s": round(sum(xs), 2),
        }

    report = {
        "machine": info,
        "command": "python bench/bench_videomatch.py " + " ".join(sys.argv[1:]),
        "thresholds": t.__dict__,
        "library": {
            "clips": args.clips,
            "frames": frames_total,
            "frames_indexed": frames_indexed,
            "planted_relatives": n_rel,
            "seconds_min_max": [min(len(f) for f in raw), max(len(f) for f in raw)],
        },
        "index_build_s": round(build_s, 2),
        "query": {
            "queries": len(queries),
            "brute_force_queries": len(bf_times),
            "index": stats(idx_times),
            "brute_force": stats(bf_times),
            "faiss_flat": stats(flat_times),
            "speedup_median": round(statistics.median(bf_times) / statistics.median(idx_times), 1),
            "speedup_vs_flat_median": round(
                statistics.median(flat_times) / statistics.median(idx_times), 1
            ),
            "answers_differ": mismatches,
            "false_matches": false_q,
            "planted_missed": missed_q,
            "by_kind": found_by_kind,
        },
    }
    if not args.no_self_join:
        mih, mih_s, mih_c = self_join(lib, t, "auto")
        by_flat, flat_s, flat_c = self_join(lib, t, "flat")
        report["self_join"] = {
            "index_s": round(mih_s, 2),
            "flat_s": round(flat_s, 2),
            "speedup": round(flat_s / mih_s, 1) if mih_s else None,
            "candidate_pairs": mih_c,
            "matching_pairs": len(mih),
            "planted_pairs": sum(1 for v in lib if "@" in v),
            "false_pairs": sum(1 for a, b in mih if _root(a) != _root(b)),
            "answers_differ": int(mih != by_flat or mih_c != flat_c),
        }
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return report


def markdown(r: dict) -> str:
    q = r["query"]
    lines = [
        "# Video matching: one clip against a library, and the library against itself",
        "",
        f"`{r['command']}`",
        "",
        f"Machine: {common.describe(r['machine'])}; load at end {r['load_average_at_end']}.",
        "",
        f"Library: {r['library']['clips']:,} synthetic clips of "
        f"{r['library']['seconds_min_max'][0]}-{r['library']['seconds_min_max'][1]} s at 1 fps, "
        f"{r['library']['frames']:,} frames ({r['library']['frames_indexed']:,} of quality >= 50 "
        f"indexed), of which {r['library']['planted_relatives']} planted relatives of other "
        f"library clips; index built in {r['index_build_s']} s.",
        "",
        "| one query clip against the library | median | p95 | total |",
        "|---|---|---|---|",
        f"| frame index (`FrameIndex.search` + `match_videos`) | {q['index']['median_ms']} ms | "
        f"{q['index']['p95_ms']} ms | {q['index']['total_s']} s |",
        f"| brute force (every frame pair, numpy popcount; {q['brute_force_queries']} queries) | "
        f"{q['brute_force']['median_ms']} ms | "
        f"{q['brute_force']['p95_ms']} ms | {q['brute_force']['total_s']} s |",
        f"| faiss flat scan of every frame + `match_videos` | {q['faiss_flat']['median_ms']} ms | "
        f"{q['faiss_flat']['p95_ms']} ms | {q['faiss_flat']['total_s']} s |",
        "",
        f"Speed-up of the index (median): {q['speedup_median']}× over the numpy brute force, "
        f"{q['speedup_vs_flat_median']}× over the faiss flat scan; queries whose answers "
        f"differ between the three: {q['answers_differ']} of {q['queries']}. Matches with a "
        f"clip other than the planted source: {q['false_matches']}; planted relatives "
        f"matching no clip of their source: {q['planted_missed']}.",
        "",
        "| planted query | queries | with a match | matches |",
        "|---|---|---|---|",
    ]
    for kind, k in q["by_kind"].items():
        lines.append(f"| {kind} | {k['queries']} | {k['with_match']} | {k['matches']} |")
    if "self_join" in r:
        s = r["self_join"]
        lines += [
            "",
            "| library against itself (links rebuild) | time |",
            "|---|---|",
            f"| frame index (multi-index hashing) + `match_videos` | {s['index_s']} s |",
            f"| faiss flat scan + `match_videos` | {s['flat_s']} s |",
            "",
            f"Speed-up {s['speedup']}×; {s['candidate_pairs']:,} candidate pairs, "
            f"{s['matching_pairs']:,} matching pairs ({s['planted_pairs']} planted relatives; "
            f"pairs of unrelated clips: {s['false_pairs']}); answers differ: "
            f"{s['answers_differ']}.",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=1000)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--no-self-join", action="store_true")
    ap.add_argument(
        "--brute-queries", type=int, default=None, help="numpy brute force on the first N only"
    )
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    report = run(args)
    md = markdown(report)
    print(md)
    if not args.no_save:
        common.save_run("videomatch", f"{args.clips:,} clips", report, md)
    return 0 if report["query"]["answers_differ"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
