"""Same-scene matching on generated multi-view rooms, against a baseline measured in the same run.

    python bench/bench_scene.py [--rooms 24] [--views 4] [--first 0] [--scale 10000,100000]

Pictures: ``loaders/demo/scene3d.py`` rooms (see ``bench/scene_data.py``): every room seen
from ``views`` viewpoints (yaw differences of 20-40 degrees, zoom 55-80 degrees field of
view, 15-40 % hidden by grey occluders, JPEG 30-95); rooms 2j and 2j+1 share one product
(poster, bed cover or wallpaper roll); every third room is plain/striped ("hard").
Thresholds were tuned on rooms 500+, the bench uses rooms 0+ (not seen while tuning).

Rows "+ surfaces" use the surface channel (``media/visual/surfaces.py``,
``Params(surfaces=True)``, the default): what the colour, pattern and arrangement of
large surfaces add; the other rows are without it. Those rows decide each pair from one
side (the first key's); the rows "both ways" decide it as ``match.compare`` does, from
both sides (``match.both_ways``), next to the rule it replaced.

Figures: same-room recall (pairs linked ``same_scene``), false links between different
rooms split into generic pairs and pairs sharing a product, ``shared_object`` suggestions
on pairs sharing a product and on generic pairs (where they are false: the rooms share
nothing), for the engine, its ablations and the baseline (plain SIFT +
ratio test 0.75 + RANSAC homography with a fixed inlier threshold); extraction time per
picture on one core next to the decode-only ceiling; index bytes per picture; query time
against indexes of 10k-100k pictures (entries synthesised: see ``_scale``).
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import shlex
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.scene_data import dataset, pair_geometry, shared_views, view_geometry  # noqa: E402
from media.visual import match  # noqa: E402
from media.visual.features import extract, open_image  # noqa: E402
from media.visual.index import VisualIndex  # noqa: E402

BASELINE_THRESHOLDS = (15, 30, 60)


def _label(ta: dict, tb: dict) -> str:
    if ta["room"] == tb["room"]:
        return "same"
    return "shared" if set(ta["products"]) & set(tb["products"]) else "generic"


def _grey(data: bytes) -> bytes:
    """The picture turned grey (JPEG 90), as a night camera or a grey video gives it."""
    from PIL import Image

    buf = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("L").save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def _baseline_features(data: bytes):
    im, w, h = open_image(io.BytesIO(data))
    g = cv2.cvtColor(np.asarray(im), cv2.COLOR_RGB2GRAY)
    kp, d = cv2.SIFT_create().detectAndCompute(g, None)
    s = w / g.shape[1]
    return np.float32([k.pt for k in kp]) * s, d, max(w, h)


def _baseline_inliers(fa, fb) -> int:
    (pa, da, side), (pb, db, _) = fa, fb
    if da is None or db is None or len(da) < 2 or len(db) < 2:
        return 0
    ms = cv2.BFMatcher().knnMatch(da, db, k=2)
    good = [m for m, n in (x for x in ms if len(x) == 2) if m.distance < 0.75 * n.distance]
    if len(good) < 4:
        return 0
    A = pa[[m.queryIdx for m in good]]
    B = pb[[m.trainIdx for m in good]]
    H, mask = cv2.findHomography(A, B, cv2.RANSAC, 0.004 * side)
    return 0 if mask is None else int(mask.sum())


def _summary(labels: list[str], kinds: list[str | None]) -> dict:
    same = [k for lab, k in zip(labels, kinds, strict=True) if lab == "same"]
    out = {
        "same_room_pairs": len(same),
        "recall": round(sum(k == "same_scene" for k in same) / max(1, len(same)), 3),
    }
    for grp in ("generic", "shared"):
        ks = [k for lab, k in zip(labels, kinds, strict=True) if lab == grp]
        out[f"{grp}_pairs"] = len(ks)
        out[f"false_links_{grp}"] = sum(k == "same_scene" for k in ks)
    sh = [k for lab, k in zip(labels, kinds, strict=True) if lab == "shared"]
    out["shared_object_on_shared_pairs"] = sum(k == "shared_object" for k in sh)
    gen = [k for lab, k in zip(labels, kinds, strict=True) if lab == "generic"]
    out["shared_object_on_generic_pairs"] = sum(k == "shared_object" for k in gen)
    return out


ANGLE_BINS = (0, 10, 20, 30, 180)  # degrees of rotation between two views


def _by_angle(pairs, labels, truth, kinds_by, views) -> list[dict]:
    """Same-room recall per bin of the rotation angle between the two views (from the
    generator's cameras), per decision variant; also the pairs whose zoom differs 1.5x+."""
    geo = {r: view_geometry(r, views) for r in sorted({t["room"] for t in truth.values()})}
    rows: list[dict] = []
    bins = list(zip(ANGLE_BINS[:-1], ANGLE_BINS[1:], strict=True))
    for name, kinds in kinds_by.items():
        got: dict[str, list[bool]] = {}
        for (a, b), lab, k in zip(pairs, labels, kinds, strict=True):
            if lab != "same":
                continue
            ta, tb = truth[a], truth[b]
            g = geo[ta["room"]]
            ang, zoom = pair_geometry(g[ta["view"]], g[tb["view"]])
            lo, hi = next(x for x in bins if x[0] <= ang < x[1])
            got.setdefault(f"{lo}-{hi} deg", []).append(k == "same_scene")
            if zoom >= 1.5:
                got.setdefault("zoom 1.5x+", []).append(k == "same_scene")
        rows.append(
            {"method": name} | {b: f"{np.mean(v):.2f} ({len(v)})" for b, v in sorted(got.items())}
        )
    return rows


SHARED_BINS = (0, 10, 20, 30, 101)  # percent of the frame both views show of the room


def _by_shared(pairs, labels, truth, kinds_by, views) -> tuple[list[dict], list[float]]:
    """Same-room recall per bin of how much of the room the two views have in common (the
    generator's truth, ``scene3d.shared_view``: share of the smaller frame showing the same
    unhidden surfaces, shared products left out), per decision variant; and the shares of
    all same-room pairs (for their distribution)."""
    shares = {r: shared_views(r, views) for r in sorted({t["room"] for t in truth.values()})}
    bins = list(zip(SHARED_BINS[:-1], SHARED_BINS[1:], strict=True))
    rows: list[dict] = []
    every: list[float] = []
    for n, (name, kinds) in enumerate(kinds_by.items()):
        got: dict[str, list[bool]] = {}
        for (a, b), lab, k in zip(pairs, labels, kinds, strict=True):
            if lab != "same":
                continue
            ta, tb = truth[a], truth[b]
            va, vb = sorted((ta["view"], tb["view"]))
            s = shares[ta["room"]][(va, vb)] * 100
            if n == 0:
                every.append(s)
            lo, hi = next(x for x in bins if x[0] <= s < x[1])
            col = f"{lo}-{hi} %" if hi <= 100 else f"{lo} %+"
            got.setdefault(col, []).append(k == "same_scene")
        rows.append(
            {"method": name} | {b: f"{np.mean(v):.2f} ({len(v)})" for b, v in sorted(got.items())}
        )
    return rows, every


def _scale(idx: VisualIndex, feats: dict, sizes: list[int], k: int) -> list[dict]:
    """Query time against bigger indexes, cheaply.

    Entries are synthesised as word lists only: each copies the length of a real picture's
    word list and draws its words from the real pictures' word frequencies (so posting
    lists have realistic lengths); no feature blob is written for them. A query is the
    retrieval over the whole index plus verification of the top ``k`` candidates, the
    latter measured on real pictures read from disk (its cost does not depend on N).
    """
    rng = np.random.default_rng(5)
    real = list(idx.keys())
    all_words = np.concatenate([idx._words[x] for x in real])
    lens = [len(idx._words[x]) for x in real]
    out = []
    q_keys = real[:: max(1, len(real) // 10)][:10]
    t = time.perf_counter()
    for key in q_keys:
        match.find_scenes(idx, key, k=k)
    verify = (time.perf_counter() - t) / len(q_keys)
    have = len(idx)
    for n in sizes:
        while have < n:
            m = min(n - have, 5000)
            words = rng.choice(all_words, size=int(np.mean(lens)) * m)
            per = int(np.mean(lens))
            for i in range(m):
                key = f"synthetic-{have + i:07d}"
                idx._where[key] = None
                idx._words[key] = words[i * per : (i + 1) * per].astype(np.int32)
            have += m
        idx._matrix = None
        t = time.perf_counter()
        idx.candidates(feats[q_keys[0]], k=k)
        build = time.perf_counter() - t
        t = time.perf_counter()
        for key in q_keys:
            idx.candidates(feats[key], k=k)
        retr = (time.perf_counter() - t) / len(q_keys)
        out.append(
            {
                "pictures": n,
                "inverted_file_build_s": round(build, 2),
                "retrieval_ms": round(retr * 1000, 1),
                "verify_top_k_ms": round(verify * 1000, 1),
                "query_ms": round((retr + verify) * 1000, 1),
            }
        )
        print(f"  index of {n}: query {out[-1]['query_ms']} ms", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rooms", type=int, default=24)
    ap.add_argument("--views", type=int, default=4)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--scale", default="10000,100000")
    ap.add_argument("--k", type=int, default=50)
    ap.add_argument(
        "--quick",
        action="store_true",
        help="only the default decision's rows (no guided evidence): a third of the time",
    )
    ap.add_argument(
        "--grey",
        action="store_true",
        help="every picture turned grey first (a night camera, a grey video); results in "
        "scene_grey.md",
    )
    args = ap.parse_args()
    cv2.setNumThreads(1)
    mach = common.machine()
    print("load average at start:", mach["load_average_at_start"], flush=True)
    data = dataset(args.rooms, args.views, args.first)
    truth = {k: t for k, _, t in data}
    raw = {k: _grey(b) if args.grey else b for k, b, _ in data}
    keys = sorted(truth)
    print(f"{len(keys)} pictures of {args.rooms} rooms", flush=True)

    # speed: decode ceilings and extraction, one core
    t = time.perf_counter()
    for k in keys:
        from PIL import Image

        Image.open(io.BytesIO(raw[k])).convert("RGB")
    full_decode = (time.perf_counter() - t) / len(keys)
    t = time.perf_counter()
    for k in keys:
        open_image(io.BytesIO(raw[k]))
    draft_decode = (time.perf_counter() - t) / len(keys)
    feats, t, c = {}, time.perf_counter(), time.process_time()
    for k in keys:
        im, w, h = open_image(io.BytesIO(raw[k]))
        feats[k] = extract(im, original_size=(w, h))
    extract_s = (time.perf_counter() - t) / len(keys)
    extract_cpu_s = (time.process_time() - c) / len(keys)
    t = time.perf_counter()
    base = {k: _baseline_features(raw[k]) for k in keys}
    base_extract_s = (time.perf_counter() - t) / len(keys)
    sizes = [len(f.to_bytes()) for f in feats.values()]
    print(f"extract {extract_s * 1000:.0f} ms/picture (draft decode {draft_decode * 1000:.0f} ms)")

    pairs = list(itertools.combinations(keys, 2))
    labels = [_label(truth[a], truth[b]) for a, b in pairs]
    G = match.Params(guided=True, min_regions=match.GUIDED_MIN_REGIONS, surfaces=False)
    variants = {
        "guided planes + colour gate + coverage or two planes (Params(guided=True))": G,
        "guided, without colour gate": replace(G, colour=False),
        "guided, without the two-plane rule": replace(G, planes=False),
        "guided, without the context veto": replace(G, context=False),
        "guided, two separate regions required": replace(G, min_regions=2),
        "guided + surfaces": replace(G, surfaces=True),
        "default engine + surfaces (Params(), the default)": match.Params(),
        "default engine (F first, ratio test, context rule), without surfaces": match.Params(
            surfaces=False
        ),
        "default + surfaces, context beyond chance (context_chance=True, not the default)": (
            replace(match.Params(), context_chance=True)
        ),
    }
    if args.grey:
        variants["default without the brightness rule for grey pictures (Params(grey=False))"] = (
            match.Params(grey=False)
        )
    if args.quick:
        variants = {n: p for n, p in variants.items() if not p.guided}
    results: dict = {}
    kinds_by: dict[str, list[str | None]] = {}
    # evidence is measured once per pair (with and without the colour gate); the variants
    # differ only in the decision, so they are applied to the same evidence
    t = time.perf_counter()
    ev_noguide = [match.evidence(feats[a], feats[b], match.Params()) for a, b in pairs]
    compare_s = (time.perf_counter() - t) / len(pairs)
    print(f"evidence {compare_s * 1000:.1f} ms/pair", flush=True)
    ev_col = ev_noguide if args.quick else [match.evidence(feats[a], feats[b], G) for a, b in pairs]
    ev_nocol = (
        ev_noguide
        if args.quick
        else [match.evidence(feats[a], feats[b], replace(G, colour=False)) for a, b in pairs]
    )
    for name, p in variants.items():
        evs = ev_nocol if not p.colour else ev_noguide if not p.guided else ev_col
        kinds = []
        for (a, b), ev in zip(pairs, evs, strict=True):
            m = match.decide(ev, feats[a], feats[b], a, b, p)
            kinds.append(m.kind if m else None)
        results[name] = _summary(labels, kinds)
        kinds_by[name] = kinds
        print(name, results[name], flush=True)
    # What the product decides: compare() asks both ways (match.both_ways), against the
    # rule before 2026-12-07 (a same scene from both sides, else the weaker answer), on the
    # same evidence; b's side is measured only for pairs a's side found something in.
    weaker, either, distinct = [], [], []
    for (a, b), ev in zip(pairs, ev_noguide, strict=True):
        m = match.decide(ev, feats[a], feats[b], a, b)
        back = None
        if m is not None:
            back = match.decide(match.evidence(feats[b], feats[a]), feats[b], feats[a], b, a)
        if m is None or m.kind != "same_scene":
            weaker.append(m.kind if m else None)
        else:
            weaker.append(None if back is None else back.kind)
        got = match.both_ways(m, lambda back=back: back)
        either.append(got.kind if got else None)
        got = match.distinct_object(got)
        distinct.append(got.kind if got else None)
    for name, kinds in (
        ("default, both ways: the weaker answer (compare() before 2026-12-07)", weaker),
        (
            "default, both ways: a room from one side that stands alone, confirmed; "
            "objects by points alone (compare() before session 15)",
            either,
        ),
        (
            "default, both ways, objects with 7+ distinct motifs in 5+ places (compare())",
            distinct,
        ),
    ):
        results[name] = _summary(labels, kinds)
        kinds_by[name] = kinds
        print(name, results[name], flush=True)
    by_angle = _by_angle(pairs, labels, truth, kinds_by, args.views)
    for row in by_angle:
        print("by angle:", row, flush=True)
    by_shared, shares = _by_shared(pairs, labels, truth, kinds_by, args.views)
    for row in by_shared:
        print("by shared view:", row, flush=True)
    t = time.perf_counter()
    b_inl = [_baseline_inliers(base[a], base[b]) for a, b in pairs]
    base_compare_s = (time.perf_counter() - t) / len(pairs)
    for thr in BASELINE_THRESHOLDS:
        kinds = ["same_scene" if n >= thr else None for n in b_inl]
        name = f"baseline SIFT+ratio+RANSAC H, >= {thr} inliers"
        results[name] = _summary(labels, kinds)
        print(name, results[name], flush=True)
    # hard rooms alone
    hard_kinds = []
    hard_params = match.Params() if args.quick else G
    for (a, b), lab, ev in zip(pairs, labels, ev_col, strict=True):
        if lab == "same" and truth[a]["hard"]:
            m = match.decide(ev, feats[a], feats[b], params=hard_params)
            hard_kinds.append(m.kind if m else None)
    hard_recall = round(sum(k == "same_scene" for k in hard_kinds) / max(1, len(hard_kinds)), 3)

    # index: bytes per picture, retrieval recall, query time vs size
    with tempfile.TemporaryDirectory() as tmp:
        idx = VisualIndex.open(Path(tmp) / "vis")
        for k in keys:
            idx.add(k, feats[k])
        idx.save()
        per_pic = idx.disk_bytes() / len(idx)
        shards = sum(f.stat().st_size for f in (Path(tmp) / "vis").glob("shard-*.bin"))
        per_pic_shards = shards / len(idx)
        idx = VisualIndex.open(Path(tmp) / "vis")
        cand_hits = []
        for (a, b), lab in zip(pairs, labels, strict=True):
            if lab == "same":
                cands = {c for c, _ in idx.candidates(feats[a], k=10)}
                cand_hits.append(b in cands)
        retrieval_recall_at_10 = round(float(np.mean(cand_hits)), 3)
        sizes_n = [int(x) for x in args.scale.split(",") if x]
        if sizes_n and idx.vocab is None:
            print("no vocabulary (fewer pictures than index.VOCAB_MIN): --scale skipped")
            sizes_n = []
        scale = _scale(idx, feats, sizes_n, args.k) if sizes_n else []

    data_out = {
        "machine": mach,
        "code": common.code_version(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "pictures": len(keys),
        "rooms": args.rooms,
        "first_room": args.first,
        "views_per_room": args.views,
        "quick": args.quick,
        "results": results,
        "hard_rooms_recall": hard_recall,
        "recall_by_angle": by_angle,
        "recall_by_shared_view": by_shared,
        "shared_view_of_same_room_pairs_percent": {
            "median": round(float(np.median(shares)), 1) if shares else None,
            "min": round(min(shares), 1) if shares else None,
            "max": round(max(shares), 1) if shares else None,
        },
        "speed": {
            "full_decode_ms": round(full_decode * 1000, 1),
            "draft_decode_ms (ceiling)": round(draft_decode * 1000, 1),
            "extract_ms (decode included)": round(extract_s * 1000, 1),
            "extract_cpu_ms (decode included, CPU time of this process)": round(
                extract_cpu_s * 1000, 1
            ),
            "baseline_extract_ms": round(base_extract_s * 1000, 1),
            "compare_ms_per_pair": round(compare_s * 1000, 2),
            "baseline_compare_ms_per_pair": round(base_compare_s * 1000, 2),
        },
        "features_bytes_per_picture": {"mean": int(np.mean(sizes)), "max": int(max(sizes))},
        "index_bytes_per_picture_on_disk": int(per_pic),
        "index_bytes_per_picture_without_vocabulary": int(per_pic_shards),
        "retrieval_recall_at_10_same_room": retrieval_recall_at_10,
        "query_time_vs_index_size": scale,
    }
    md = [
        "# Same-scene matching on generated multi-view rooms",
        "",
        common.describe(mach) + f"; load at end {data_out['load_average_at_end']}",
        common.describe_code(data_out["code"]),
        "",
        "Command: `python bench/bench_scene.py " + shlex.join(sys.argv[1:]) + "`.",
        "",
        f"{len(keys)} pictures{' turned grey' if args.grey else ''}, {args.rooms} rooms "
        f"(first {args.first}) x {args.views} views; "
        f"{results[next(iter(results))]['same_room_pairs']} same-room pairs.",
        "",
        "| method | same-room recall | false links generic | false links shared product "
        "| shared_object on shared-product pairs | shared_object on generic pairs (false) |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        md.append(
            f"| {name} | {r['recall']} | {r['false_links_generic']} / {r['generic_pairs']} | "
            f"{r['false_links_shared']} / {r['shared_pairs']} | "
            f"{r['shared_object_on_shared_pairs']} | {r['shared_object_on_generic_pairs']} |"
        )
    cols = sorted({c for r in by_angle for c in r if c != "method"})
    md += [
        "",
        "Same-room recall by rotation between the two views (generator's cameras; pairs in "
        "brackets) and for pairs whose zoom differs 1.5x or more:",
        "",
        "| method | " + " | ".join(cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for r in by_angle:
        md.append(f"| {r['method']} | " + " | ".join(r.get(c, "-") for c in cols) + " |")
    cols = sorted(
        {c for r in by_shared for c in r if c != "method"},
        key=lambda c: int(c.split()[0].split("-")[0]),
    )
    sv = data_out["shared_view_of_same_room_pairs_percent"]
    md += [
        "",
        "Same-room recall by how much of the room the two views have in common: the share of "
        "the frame (the smaller of the two) showing the same surfaces, unhidden in both, "
        "shared products left out (generator's truth, `scene3d.shared_view`; pairs in "
        f"brackets; median over the same-room pairs {sv['median']} %, "
        f"{sv['min']}-{sv['max']} %):",
        "",
        "| method | " + " | ".join(cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for r in by_shared:
        md.append(f"| {r['method']} | " + " | ".join(r.get(c, "-") for c in cols) + " |")
    sp = data_out["speed"]
    md += [
        "",
        f"Hard (plain/striped) rooms alone, {'default' if args.quick else 'guided'}: "
        f"recall {hard_recall}.",
        "",
        f"Speed (one core): full decode {sp['full_decode_ms']} ms, draft decode (ceiling) "
        f"{sp['draft_decode_ms (ceiling)']} ms, extract incl. decode "
        f"{sp['extract_ms (decode included)']} ms (CPU time "
        f"{sp['extract_cpu_ms (decode included, CPU time of this process)']} ms), baseline extract "
        f"{sp['baseline_extract_ms']} ms; compare {sp['compare_ms_per_pair']}"
        f" ms/pair (baseline {sp['baseline_compare_ms_per_pair']}).",
        "",
        f"Features {data_out['features_bytes_per_picture']} bytes; index on disk "
        f"{data_out['index_bytes_per_picture_on_disk']} bytes per picture (vocabulary shared by "
        f"{len(keys)} pictures included; shards alone {int(per_pic_shards)}). "
        "Retrieval recall@10 of "
        f"same-room pictures: {retrieval_recall_at_10}.",
        "",
        "| index size | inverted-file build s | retrieval ms | verify top-k ms | query ms |",
        "|---|---|---|---|---|",
    ]
    for s in scale:
        md.append(
            f"| {s['pictures']} | {s['inverted_file_build_s']} | {s['retrieval_ms']} | "
            f"{s['verify_top_k_ms']} | {s['query_ms']} |"
        )
    md.append("")
    md.append(
        "Index entries beyond the real pictures are synthesised word lists (lengths and word "
        "frequencies of the real ones); verification is measured on real pictures."
    )
    text = "\n".join(md)
    print(text)
    common.save("scene_grey" if args.grey else "scene", data_out, text)


if __name__ == "__main__":
    main()
