"""Benchmark the link engine: full rebuild at 10k and 100k media, update after a load,
and near-duplicate search by the index against the obvious Cypher scan.

    .venv/bin/python bench/bench_links.py                       # 10k and 100k media
    .venv/bin/python bench/bench_links.py --sizes 10000 --scan-queries 5
    .venv/bin/python bench/bench_links.py --phash-study 150     # + the pHash study (~5 min)

Runs its own Neo4j (``CLUEGRAPH_HOME=.cluegraph/bench``, Bolt port 7710 unless set), wiped
for each size and left running (``cluegraph db stop`` with the same variables stops it).

The synthetic world (metadata only, written with ``UNWIND``): 10 files per series, 12
countries, 2 agencies each; every image carries what the media loader writes: PDQ and
quality (10 % flat, quality < 50), 8 dihedral variants, one hash per standard crop (34,
``media.pdq.CROP_BOXES``), pHash. Planted:
3 % near-duplicate pairs across series (PDQ and crops 4-24 bits away), 2 % shared files,
3 % shared cameras, 2 % shared victims, rare clues shared by two series, a white-wall clue
on 10 % of series, national socket clues, clues pointing to places, GPS clusters, and
accounts sharing files of one to three series.

The Cypher scan is the obvious way to find near-duplicates without an index: for a query
PDQ, read every ``Media.pdq`` and count differing bits with a nibble lookup table. It is
compared with :class:`graph.ndindex.HashIndex` over the same PDQ hashes (the index also
answers every stored hash: crops, trimmed, variants; that figure is reported beside it).

Output: a Markdown table on stdout, ``bench/results/links.md`` and ``links.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault(
    "CLUEGRAPH_HOME", str(Path(__file__).resolve().parents[1] / ".cluegraph/bench")
)
os.environ.setdefault("CLUEGRAPH_BOLT_PORT", "7710")
os.environ.setdefault("CLUEGRAPH_HEAP", "2g")
os.environ.setdefault("CLUEGRAPH_PAGECACHE", "2g")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench import common  # noqa: E402
from graph import db, links, neardup  # noqa: E402  (after the environment is set)
from graph.config import get_settings  # noqa: E402
from graph.ndindex import HashIndex  # noqa: E402
from graph.server import LocalServer  # noqa: E402
from media.pdq import CROP_BOXES  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
COUNTRIES = ["FR", "DE", "NL", "BE", "GB", "US", "CA", "AU", "BR", "IT", "ES", "SE"]
SOCKET = {c: "socket type " + "EFGIALNEFGIL"[i] for i, c in enumerate(COUNTRIES)}
PER_SERIES = 10
N_CROPS = len(CROP_BOXES)  # what the media loader stores per image


# ------------------------------------------------------------------------ world


def _hexes(a: np.ndarray) -> list[str]:
    """Rows of a uint8 array as hex strings."""
    return [bytes(r).hex() for r in a]


def _flip(rng: np.random.Generator, codes: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Each row with a random number in [lo, hi] of its bits flipped."""
    out = codes.copy()
    bits = codes.shape[-1] * 8
    flat = out.reshape(-1, codes.shape[-1])
    for row in flat:
        k = int(rng.integers(lo, hi + 1))
        for b in rng.choice(bits, size=k, replace=False):
            row[b // 8] ^= np.uint8(1 << (7 - b % 8))
    return out


def make_world(n_media: int, seed: int = 1) -> dict:
    """Every row the writer needs, and what was planted."""
    rng = np.random.default_rng(seed)
    n_series = n_media // PER_SERIES
    series = []
    for i in range(n_series):
        cc = COUNTRIES[i % len(COUNTRIES)]
        series.append(
            {"id": f"S{i:06d}", "country": cc, "agency": f"AG-{cc}-{i % 2}", "case": f"C{i:06d}"}
        )
    extra_cases = []
    for i in rng.choice(n_series, size=n_series * 3 // 100, replace=False):
        cc = COUNTRIES[(int(i) + 5) % len(COUNTRIES)]
        extra_cases.append(
            {"series": series[i]["id"], "agency": f"AG-{cc}-0", "country": cc, "case": f"CX{i:06d}"}
        )

    pdq = rng.integers(0, 256, size=(n_media, 32), dtype=np.uint8)
    variants = rng.integers(0, 256, size=(n_media, 7, 32), dtype=np.uint8)
    crops = rng.integers(0, 256, size=(n_media, N_CROPS, 32), dtype=np.uint8)
    phash = rng.integers(0, 256, size=(n_media, 8), dtype=np.uint8)
    quality = np.where(rng.random(n_media) < 0.1, rng.integers(5, 45, n_media), 90)
    # Near-duplicate pairs across series: the copy's hashes are the original's, moved.
    n_nd = n_media * 3 // 100
    orig = rng.choice(n_media, size=n_nd, replace=False)
    copy = (orig + PER_SERIES * rng.integers(1, max(2, n_series - 1), size=n_nd)) % n_media
    keep = (copy // PER_SERIES != orig // PER_SERIES) & ~np.isin(copy, orig)
    orig, copy = orig[keep], copy[keep]
    _, first = np.unique(copy, return_index=True)
    orig, copy = orig[first], copy[first]
    quality[orig] = 90
    quality[copy] = 90
    pdq[copy] = _flip(rng, pdq[orig], 4, 24)
    crops[copy] = _flip(rng, crops[orig], 4, 24)
    variants[copy] = _flip(rng, variants[orig], 4, 24)
    phash[copy] = _flip(rng, phash[orig], 0, 4)

    shas = [bytes(r).hex() for r in rng.integers(0, 256, size=(n_media, 32), dtype=np.uint8)]
    lat0 = rng.uniform(-40, 60, n_series)
    lon0 = rng.uniform(-120, 150, n_series)
    gps_series = set(rng.choice(n_series, size=n_series // 5, replace=False).tolist())
    close = rng.choice(sorted(gps_series), size=(len(gps_series) // 50, 2), replace=False)
    for a, b in close:  # planted: two series photographed within a few hundred metres
        lat0[b], lon0[b] = lat0[a] + 0.002, lon0[a] + 0.002
    media = []
    for i in range(n_media):
        s = i // PER_SERIES
        geo = s in gps_series
        media.append(
            {
                "sha256": shas[i],
                "fileName": f"IMG_{i:07d}.jpg",
                "series": series[s]["id"],
                "case": series[s]["case"],
                "pdq": bytes(pdq[i]).hex(),
                "pdqQuality": int(quality[i]),
                "pdqVariants": [bytes(pdq[i]).hex()] + _hexes(variants[i]),
                "pdqCrops": _hexes(crops[i]) if quality[i] >= 50 else [],
                "phash": bytes(phash[i]).hex(),
                "lat": float(lat0[s] + rng.normal(0, 2e-4)) if geo else None,
                "lon": float(lon0[s] + rng.normal(0, 2e-4)) if geo else None,
                "capturedAt": f"20{15 + s % 9:02d}-0{1 + i % 9}-1{i % 10}T10:00:00",
            }
        )
    shared_media = []  # planted: a file also held by a series of another country
    for s in rng.choice(n_series, size=n_series * 2 // 100, replace=False):
        other = (int(s) + 1 + int(rng.integers(0, n_series - 1))) % n_series
        shared_media.append({"sha256": shas[int(s) * PER_SERIES], "series": series[other]["id"]})
    cameras = []
    cam_of = {}
    for s in range(n_series):
        if rng.random() < 0.7:
            cam_of[s] = f"canon|eos {s % 50}d|{s:08d}"
    for s in rng.choice(sorted(cam_of), size=len(cam_of) * 3 // 100, replace=False):
        t = int(rng.integers(0, n_series))
        cam_of[t] = cam_of[int(s)]
    for s, cam in cam_of.items():
        for k in range(PER_SERIES):
            cameras.append({"sha256": shas[s * PER_SERIES + k], "camera": cam})
    victims = [{"series": series[s]["id"], "victim": f"V{s:06d}"} for s in range(n_series)]
    for s in rng.choice(n_series, size=n_series * 2 // 100, replace=False):
        t = int(rng.integers(0, n_series))
        victims.append({"series": series[t]["id"], "victim": f"V{int(s):06d}"})
    clues = []
    for s in range(n_series):
        sid = series[s]["id"]
        clues.append({"series": sid, "type": "fixture", "label": SOCKET[series[s]["country"]]})
        if rng.random() < 0.1:
            clues.append({"series": sid, "type": "fixture", "label": "white wall"})
        for _ in range(2):  # medium-frequency clues (Zipf over 2000 labels)
            k = min(int(rng.zipf(1.6)), 2000)
            clues.append({"series": sid, "type": "product", "label": f"product {k}"})
    places = [{"id": f"gn-{k}", "name": f"Town {k}", "cc": COUNTRIES[k % 12]} for k in range(300)]
    rare = []
    for s in rng.choice(n_series, size=n_series * 5 // 100, replace=False):
        t = int(rng.integers(0, n_series))
        label = f"rare logo {int(s)}"
        place = f"gn-{int(rng.integers(0, 300))}" if rng.random() < 0.5 else None
        for x in (int(s), t):
            rare.append({"series": series[x]["id"], "label": label, "place": place})
    accounts = []
    handles = max(10, n_series // 5)
    for i in rng.choice(n_media, size=n_media // 10, replace=False):
        s = int(i) // PER_SERIES
        h = (s * 7 + int(rng.integers(0, 3))) % handles
        accounts.append({"sha256": shas[int(i)], "account": f"chatapp:user{h}"})
    return {
        "series": series,
        "extra_cases": extra_cases,
        "media": media,
        "shared_media": shared_media,
        "cameras": cameras,
        "victims": victims,
        "clues": clues,
        "places": places,
        "rare": rare,
        "accounts": accounts,
        "planted_near_duplicates": int(len(orig)),
    }


W_SERIES = """
UNWIND $rows AS r
MERGE (co:Country {code: r.country})
MERGE (a:Agency {id: r.agency}) MERGE (a)-[:IN_COUNTRY]->(co)
MERGE (c:Case {id: r.case}) SET c.status = 'open', c.loadId = $loadId
MERGE (c)-[:OWNED_BY]->(a)
MERGE (s:Series {id: coalesce(r.series, r.id)})
ON CREATE SET s.status = 'unidentified', s.loadId = $loadId
MERGE (c)-[i:INVESTIGATES]->(s) SET i.loadId = $loadId
"""
W_MEDIA = """
UNWIND $rows AS r
CREATE (m:Media {sha256: r.sha256})
SET m.kind = 'image', m.fileName = r.fileName, m.pdq = r.pdq, m.pdqQuality = r.pdqQuality,
    m.pdqVariants = r.pdqVariants, m.pdqCrops = r.pdqCrops, m.phash = r.phash,
    m.lat = r.lat, m.lon = r.lon, m.capturedAt = r.capturedAt, m.loadId = $loadId
WITH m, r
MATCH (s:Series {id: r.series}) CREATE (s)-[:CONTAINS {loadId: $loadId}]->(m)
WITH m, r
MATCH (c:Case {id: r.case}) CREATE (c)-[:HOLDS {loadId: $loadId}]->(m)
"""
W_SHARED = """
UNWIND $rows AS r
MATCH (m:Media {sha256: r.sha256}) MATCH (s:Series {id: r.series})
MERGE (s)-[c:CONTAINS]->(m) SET c.loadId = $loadId
"""
W_CAMERA = """
UNWIND $rows AS r
MERGE (c:Camera {id: r.camera})
ON CREATE SET c.make = 'Canon', c.model = split(r.camera, '|')[1],
              c.serial = split(r.camera, '|')[2]
WITH c, r MATCH (m:Media {sha256: r.sha256})
MERGE (m)-[t:TAKEN_WITH]->(c) SET t.loadId = $loadId
"""
W_VICTIM = """
UNWIND $rows AS r
MERGE (v:Victim {id: r.victim}) ON CREATE SET v.identified = false
WITH v, r MATCH (s:Series {id: r.series})
MERGE (s)-[f:FEATURES]->(v) SET f.loadId = $loadId
"""
W_CLUE = """
UNWIND $rows AS r
MERGE (c:Clue {id: r.type + ':' + toLower(r.label)})
ON CREATE SET c.type = r.type, c.label = r.label, c.value = toLower(r.label)
WITH c, r MATCH (s:Series {id: r.series})
MERGE (s)-[x:SHOWS]->(c) SET x.loadId = $loadId
"""
W_PLACE = """
UNWIND $rows AS r
MERGE (co:Country {code: r.cc})
MERGE (l:Location {id: r.id}) SET l.name = r.name, l.countryCode = r.cc, l.kind = 'place'
MERGE (l)-[:IN_COUNTRY]->(co)
"""
W_RARE = """
UNWIND $rows AS r
MERGE (c:Clue {id: 'logo:' + r.label}) ON CREATE SET c.type = 'logo', c.label = r.label
WITH c, r MATCH (s:Series {id: r.series})
MERGE (s)-[x:SHOWS]->(c) SET x.loadId = $loadId
WITH c, r WHERE r.place IS NOT NULL
MATCH (l:Location {id: r.place}) MERGE (c)-[p:POINTS_TO]->(l) SET p.loadId = $loadId
"""
W_ACCOUNT = """
UNWIND $rows AS r
MERGE (a:Account {id: r.account})
ON CREATE SET a.platform = 'chatapp', a.handle = split(r.account, ':')[1]
WITH a, r MATCH (m:Media {sha256: r.sha256})
MERGE (m)-[x:SHARED_BY]->(a) SET x.loadId = $loadId
"""


def write_world(driver, w: dict, load_id: str = "bench-1") -> float:
    t0 = time.perf_counter()
    p = {"loadId": load_id}

    def put(q: str, rows: list[dict], batch: int = 5000) -> None:
        for i in range(0, len(rows), batch):
            db.write(driver, q, {**p, "rows": rows[i : i + batch]}, name="bench.write")

    put(W_SERIES, w["series"])
    put(W_SERIES, w["extra_cases"])
    put(W_MEDIA, w["media"], 1000)
    put(W_SHARED, w["shared_media"])
    put(W_CAMERA, w["cameras"])
    put(W_VICTIM, w["victims"])
    put(W_CLUE, w["clues"])
    put(W_PLACE, w["places"])
    put(W_RARE, w["rare"])
    put(W_ACCOUNT, w["accounts"])
    db.write(
        driver,
        "MERGE (l:Load {id: $loadId}) SET l.kind = 'bench', l.finishedAt = $at",
        loadId=load_id,
        at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        name="bench.load",
    )
    return time.perf_counter() - t0


# ------------------------------------------------------------------------ Cypher scan

CYPHER_SCAN = """
MATCH (m:Media) WHERE m.pdq IS NOT NULL
WITH m, reduce(d = 0, i IN range(0, 63) |
       d + $pop[$nib[substring(m.pdq, i, 1)] * 16 + $q[i]]) AS dist
WHERE dist <= $radius
RETURN m.sha256 AS sha256, dist
"""
NIB = {c: i for i, c in enumerate("0123456789abcdef")}
POP = [bin(x ^ y).count("1") for x in range(16) for y in range(16)]


def cypher_scan(driver, q: str, radius: int) -> dict[str, int]:
    rows = db.records(
        driver,
        CYPHER_SCAN,
        name="bench.cypher_scan",
        pop=POP,
        nib=NIB,
        q=[NIB[c] for c in q],
        radius=radius,
    )
    return {r["sha256"]: r["dist"] for r in rows}


def scan_comparison(driver, w: dict, n_queries: int, seed: int = 5) -> dict:
    """Median per-query time: Cypher scan vs the index over the same PDQ hashes."""
    rng = np.random.default_rng(seed)
    radius = get_settings().pdq_radius
    media = w["media"]
    picks = rng.choice(len(media), size=n_queries, replace=False)
    queries = []
    for i in picks:  # queries near a stored hash, so that there are answers to check
        code = np.frombuffer(bytes.fromhex(media[int(i)]["pdq"]), dtype=np.uint8)
        queries.append(bytes(_flip(rng, code[None, :], 5, 20)[0]).hex())
    pdq_index = HashIndex(256)
    pdq_index.add([m["sha256"] for m in media], [m["pdq"] for m in media])
    t0 = time.perf_counter()
    pdq_index.build(radius)
    build = time.perf_counter() - t0
    full = neardup.ensure_index(driver)
    t_cypher, t_index, t_full, agree = [], [], [], True
    for q in queries:
        t = time.perf_counter()
        truth = cypher_scan(driver, q, radius)
        t_cypher.append(time.perf_counter() - t)
        t = time.perf_counter()
        (hits,) = pdq_index.search([q], radius)
        t_index.append(time.perf_counter() - t)
        t = time.perf_counter()
        full.search([neardup.MediaCodes.of_query("q", pdq=q)], neardup.Thresholds.of())
        t_full.append(time.perf_counter() - t)
        agree &= dict(hits) == truth
    return {
        "media": len(media),
        "queries": n_queries,
        "radius": radius,
        "cypher_scan_median_ms": round(statistics.median(t_cypher) * 1000, 2),
        "index_pdq_median_ms": round(statistics.median(t_index) * 1000, 3),
        "index_pdq_build_s": round(build, 3),
        "index_all_codes_median_ms": round(statistics.median(t_full) * 1000, 3),
        "index_all_codes": full.n_codes,
        "speedup": round(statistics.median(t_cypher) / statistics.median(t_index), 1),
        "same_answers": bool(agree),
    }


# ------------------------------------------------------------------------ update


def update_after_load(driver, w: dict, n_new: int = 100, seed: int = 9) -> dict:
    """A new load of ``n_new`` files in new series, some linked to existing ones."""
    rng = np.random.default_rng(seed)
    n_series = n_new // PER_SERIES
    new_series = [
        {"id": f"N{i:04d}", "country": COUNTRIES[i % 12], "agency": "AG-NEW", "case": f"NC{i}"}
        for i in range(n_series)
    ]
    media = []
    for i in range(n_new):
        src = w["media"][int(rng.integers(0, len(w["media"])))]
        near = i % 5 == 0 and src["pdqQuality"] >= 50
        code = bytes.fromhex(src["pdq"]) if near else rng.integers(0, 256, 32, np.uint8).tobytes()
        if near:
            code = bytes(_flip(rng, np.frombuffer(code, np.uint8)[None, :], 3, 12)[0])
        media.append(
            {
                **{k: None for k in ("lat", "lon")},
                "sha256": rng.integers(0, 256, 32, np.uint8).tobytes().hex(),
                "fileName": f"NEW_{i}.jpg",
                "series": new_series[i // PER_SERIES]["id"],
                "case": new_series[i // PER_SERIES]["case"],
                "pdq": code.hex(),
                "pdqQuality": 90,
                "pdqVariants": [code.hex()] + _hexes(rng.integers(0, 256, (7, 32), np.uint8)),
                "pdqCrops": _hexes(rng.integers(0, 256, (N_CROPS, 32), np.uint8)),
                "phash": rng.integers(0, 256, 8, np.uint8).tobytes().hex(),
                "capturedAt": "2024-01-01T10:00:00",
            }
        )
    part: dict[str, Any] = {k: [] for k in w if isinstance(w[k], list)}
    part.update(series=new_series, media=media)
    part["clues"] = [
        {"series": s["id"], "type": "fixture", "label": SOCKET[s["country"]]} for s in new_series
    ]
    write_world(driver, part, load_id="bench-2")
    t0 = time.perf_counter()
    rep = links.update_for_load(driver, "bench-2")
    return {
        "new_media": n_new,
        "seconds": round(time.perf_counter() - t0, 2),
        "full": rep.full,
        "series_in_scope": rep.series,
        "links_written": rep.written,
        "phases": {k: round(v, 2) for k, v in rep.seconds.items()},
    }


# ------------------------------------------------------------------------ pHash study


def phash_study(n_rooms: int, views: int = 3) -> dict:
    """pHash-only candidates on drawn synthetic rooms: unrelated pairs vs real copies.

    Distances follow the graph's rule (:func:`graph.neardup.best_distance`).
    Unrelated: views of different rooms (their best PDQ distance when pHash <= 12).
    Copies: each view re-shared with the demo's transforms, with corner crops (two
    adjacent sides) of 3-10 % and of unequal amounts (5/10, 10/5, 6/8 %), and with uneven
    crops (four sides, each a random 0-x %); for each transform, how many PDQ (<= radius)
    finds, how many a pHash candidate confirmed by a PDQ distance <= 50/56/63/70 adds,
    the recall of the graph's decision (:func:`graph.neardup.compare_codes`, default
    thresholds) and its false matches: pairs of the copy with a view of another room
    that the graph would link.
    """
    import io
    import itertools
    import random

    from PIL import Image

    from loaders.demo import rooms, vocab
    from media import digests
    from media import pdq as pq

    def jpeg(img, q=88):
        b = io.BytesIO()
        img.save(b, "JPEG", quality=q)
        return b.getvalue()

    def crop(data, frac, seed, corner, frac_y=None):
        img = Image.open(io.BytesIO(data)).convert("RGB")
        w, h = img.size
        r = random.Random(seed)
        if corner:
            cx, cy = int(w * frac), int(h * (frac if frac_y is None else frac_y))
            x, y = r.choice([(0, 0), (1, 0), (0, 1), (1, 1)])
            box = (cx * x, cy * y, w - cx * (1 - x), h - cy * (1 - y))
        else:
            lft, top, rgt, bot = (int(r.uniform(0, frac) * s) for s in (w, h, w, h))
            box = (lft, top, w - rgt, h - bot)
        return jpeg(img.crop(box), 80)

    def codes(name, h):
        return neardup.MediaCodes.from_row(
            {
                "sha256": name,
                "pdq": h.pdq,
                "pdqQuality": h.pdq_quality,
                "pdqVariants": h.pdq_variants,
                "pdqTrimmed": h.pdq_trimmed,
                "pdqTrimmedQuality": h.pdq_trimmed_quality,
                "pdqCrops": h.pdq_crops,
                "phash": h.phash,
            },
            0,
        )

    def best(ha, hb):  # the graph's rule (neardup.compare), not only the loader's
        return neardup.best_distance(codes("a", ha), codes("b", hb))

    shots = []
    for r in range(n_rooms):
        spec = rooms.RoomSpec.build(1000 + r, vocab.COUNTRIES[r % len(vocab.COUNTRIES)],
                                    white_wall=r % 5 == 0)  # fmt: skip
        base = rooms.draw_room(spec)
        for v in range(views):
            data = jpeg(rooms.render_view(base, r * 100 + v, (1024, 768)))
            shots.append((r, pq.image_hashes(Image.open(io.BytesIO(data))), data))
    unrelated = []
    n_pairs = 0
    for (ra, ha, _), (rb, hb, _) in itertools.combinations(shots, 2):
        if ra == rb:
            continue
        n_pairs += 1
        d = digests.hamming_hex(ha.phash, hb.phash)
        if d <= 12 and ha.pdq_quality >= 50 and hb.pdq_quality >= 50:
            unrelated.append((d, best(ha, hb)))
    transforms = {
        k: (lambda d, s, k=k: rooms.near_duplicate(d, k, s, "shared")[0])
        for k in rooms.NEAR_DUP_TRANSFORMS
    }
    for f in (0.03, 0.05, 0.075, 0.08, 0.10):
        pct = f"{f * 100:g}".replace(".", "_")
        transforms[f"corner_crop_{pct}"] = lambda d, s, f=f: crop(d, f, s, True)
        if f != 0.075:
            transforms[f"uneven_crop_{pct}"] = lambda d, s, f=f: crop(d, f, s, False)
    for fx, fy in ((0.05, 0.10), (0.10, 0.05), (0.06, 0.08)):
        name = f"corner_crop_{fx * 100:g}x{fy * 100:g}"
        transforms[name] = lambda d, s, fx=fx, fy=fy: crop(d, fx, s, True, fy)
    radius, bounds = get_settings().pdq_radius, (50, 56, 63, 70)
    thresholds = neardup.Thresholds.of()
    everyone = [(room, codes(f"v{k}", h)) for k, (room, h, _) in enumerate(shots)]
    copies = {}
    for name, fn in transforms.items():
        found = {"n": 0, "pdq": 0, **{f"phash_confirmed_{b}": 0 for b in bounds}}
        found.update({"graph_recall": 0.0, "false_matches": 0, "false_pairs_checked": 0})
        linked = 0
        for i, (room, h, data) in enumerate(shots[::2]):
            if h.pdq_quality < 50:
                continue
            hb = pq.image_hashes(Image.open(io.BytesIO(fn(data, i))))
            dist = best(h, hb) if hb.pdq_quality >= 50 else None
            ph = digests.hamming_hex(h.phash, hb.phash)
            found["n"] += 1
            found["pdq"] += dist is not None and dist <= radius
            for b in bounds:
                found[f"phash_confirmed_{b}"] += dist is not None and (
                    dist <= radius or (ph <= 8 and dist <= b)
                )
            copy = codes("copy", hb)
            linked += neardup.compare_codes(codes("orig", h), copy, thresholds) is not None
            for other_room, other in everyone:
                if other_room == room:
                    continue
                found["false_pairs_checked"] += 1
                found["false_matches"] += neardup.compare_codes(other, copy, thresholds) is not None
        found["graph_recall"] = round(linked / found["n"], 3) if found["n"] else None
        copies[name] = found
    return {
        "rooms": n_rooms,
        "views": len(shots),
        "unrelated_pairs": n_pairs,
        "unrelated_phash_le_8": sum(1 for d, _ in unrelated if d <= 8),
        "unrelated_phash_le_12_pdq": sorted(p for _, p in unrelated if p is not None),
        "copies": copies,
    }


# ------------------------------------------------------------------------ run


def machine() -> dict:
    return {
        **common.machine(),
        "neo4j_heap": os.environ.get("CLUEGRAPH_HEAP"),
        "neo4j_pagecache": os.environ.get("CLUEGRAPH_PAGECACHE"),
    }


def ensure_server():
    srv = LocalServer()
    if not srv.pid():
        srv.start(echo=lambda *a: None)
    drv = db.get_driver()
    db.apply_schema(drv)
    return drv


def unchanged_rebuild(driver, n: int) -> dict:
    """A rebuild with nothing changed since the last one, phase by phase: the
    near-duplicates from the saved index (media read from Neo4j: only those touched since,
    none here), the video pairs, then evidence, link writes and stored clusters."""
    c0, t0 = time.process_time(), time.perf_counter()
    rep = links.rebuild(driver)
    total = time.perf_counter() - t0
    nd = rep.neardup
    assert nd is not None
    sec = rep.seconds
    return {
        "media": n,
        "rebuild_s": round(total, 1),
        "cpu_s": round(time.process_time() - c0, 1),
        "near_dup_s": round(nd.seconds.get("total", 0.0), 1),
        "nd_read_s": round(nd.seconds.get("read", 0.0), 1),
        "nd_write_s": round(nd.seconds.get("write", 0.0), 1),
        "media_read_from_neo4j": nd.media_read,
        "video_s": round(sec.get("near_duplicates", 0.0) - nd.seconds.get("total", 0.0), 1),
        "evidence_s": round(sec.get("evidence", 0.0), 1),
        "write_links_s": round(sec.get("write_links", 0.0), 1),
        "clusters_s": round(sec.get("clusters", 0.0), 1),
        "links_written": rep.written,
        "near_dup_written": nd.written,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def run_size(driver, n: int, scan_queries: int) -> dict:
    print(f"== {n:,} media", file=sys.stderr)
    db.reset(driver)
    db.apply_schema(driver)
    w = make_world(n)
    write_s = write_world(driver, w)
    print(f"   written in {write_s:.1f} s", file=sys.stderr)
    t0 = time.perf_counter()
    rep = links.rebuild(driver, progress=lambda m: print(f"   {m}", file=sys.stderr))
    total = time.perf_counter() - t0
    nd = rep.neardup
    assert nd is not None
    out = {
        "media": n,
        "series": len(w["series"]),
        "write_s": round(write_s, 1),
        "rebuild_s": round(total, 1),
        "near_dup_s": round(rep.seconds.get("near_duplicates", 0.0), 1),
        "nd_read_s": round(nd.seconds.get("read", 0.0), 1),
        "nd_search_s": round(nd.seconds.get("search", 0.0), 1),
        "nd_search_cpu_s": round(nd.seconds.get("search_cpu", 0.0), 1),
        "nd_decide_s": round(nd.seconds.get("decide", 0.0), 1),
        "nd_write_s": round(nd.seconds.get("write", 0.0), 1),
        "evidence_s": round(rep.seconds.get("evidence", 0.0), 1),
        "write_links_s": round(rep.seconds.get("write_links", 0.0), 1),
        "indexed_media": nd.media_indexed,
        "indexed_codes": None,
        "near_dup_pairs": nd.matches,
        "planted_near_dups": w["planted_near_duplicates"],
        "links": rep.links,
        "cross_country": rep.cross_country,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    idx = neardup.ensure_index(driver)
    out["indexed_codes"] = idx.n_codes
    out["unchanged"] = unchanged_rebuild(driver, n)
    out["rebuild_unchanged_s"] = out["unchanged"]["rebuild_s"]
    out["rebuild_unchanged_written"] = out["unchanged"]["links_written"]
    if scan_queries:
        out["scan"] = scan_comparison(driver, w, scan_queries)
    out["update"] = update_after_load(driver, w)
    print(f"   {json.dumps(out)}", file=sys.stderr)
    return out


def fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.3f}".rstrip("0").rstrip(".") if v < 10 else f"{v:,.1f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def table(rows: list[dict], cols: list[str]) -> str:
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(fmt(r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(out)


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        "# Link engine benchmark",
        "",
        f"`{report['command']}`",
        "",
        f"Machine: {m['cpu_model']}, {m['cpus']} CPUs; Python {m['python']}; Neo4j heap "
        f"{m['neo4j_heap']}, page cache {m['neo4j_pagecache']}; load average at start "
        f"{m['load_average_at_start']}.",
        "",
        "Full rebuild (`links.rebuild`: near-duplicate index from the graph, pairs, then every "
        "link) on synthetic worlds, 10 files per series; seconds:",
        "",
        table(
            report["sizes"],
            [
                "media",
                "series",
                "rebuild_s",
                "near_dup_s",
                "nd_read_s",
                "nd_search_s",
                "nd_search_cpu_s",
                "nd_decide_s",
                "nd_write_s",
                "evidence_s",
                "write_links_s",
                "indexed_codes",
                "near_dup_pairs",
                "planted_near_dups",
                "links",
                "cross_country",
                "rebuild_unchanged_s",
                "peak_rss_mb",
            ],
        ),
        "",
        "`nd_search_cpu_s`: CPU seconds of the search (every thread), less sensitive than "
        "wall time to other work on the machine. "
        "`rebuild_unchanged_s`: a second rebuild with nothing changed (writes nothing). "
        "Update after a load of 100 new files in 10 new series (`links.update_for_load`):",
        "",
        table(
            [{"media": r["media"], **r["update"]} for r in report["sizes"]],
            ["media", "new_media", "seconds", "full", "series_in_scope", "links_written"],
        ),
    ]
    unchanged = [r["unchanged"] for r in report["sizes"] if r.get("unchanged")]
    if report.get("unchanged"):
        unchanged = [report["unchanged"]]
    if unchanged:
        lines += [
            "",
            "Rebuild with nothing changed since the last one (`links.rebuild`, phase by phase; "
            "`media_read_from_neo4j`: media whose hashes were read back from Neo4j instead of "
            "the saved index):"
            + (f" {report['unchanged_note']}" if report.get("unchanged_note") else ""),
            "",
            table(
                unchanged,
                [
                    "media",
                    "rebuild_s",
                    "cpu_s",
                    "near_dup_s",
                    "nd_read_s",
                    "nd_write_s",
                    "media_read_from_neo4j",
                    "video_s",
                    "evidence_s",
                    "write_links_s",
                    "clusters_s",
                    "links_written",
                    "load_average",
                ],
            ),
        ]
    if not report["sizes"] and not unchanged:
        lines = lines[:6]
    scans = [r["scan"] for r in report["sizes"] if r.get("scan")]
    if scans:
        lines += [
            "",
            "Near-duplicate search, one query PDQ (radius "
            f"{scans[0]['radius']}), median per query: the obvious Cypher scan (nibble "
            "popcount over every `Media.pdq`) against `HashIndex` over the same PDQ hashes, "
            "and the full near-duplicate index (every stored, variant and pHash code):",
            "",
            table(
                scans,
                [
                    "media",
                    "queries",
                    "cypher_scan_median_ms",
                    "index_pdq_median_ms",
                    "speedup",
                    "same_answers",
                    "index_all_codes",
                    "index_all_codes_median_ms",
                ],
            ),
        ]
    st = report.get("phash_study")
    if st:
        rows = [{"transform": k, **v} for k, v in st["copies"].items()]
        lines += [
            "",
            f"pHash study (`{st.get('command', '')}`): {st['views']} views of {st['rooms']} "
            "drawn rooms, distances by the graph's rule; "
            f"{st['unrelated_pairs']:,} unrelated pairs, {st['unrelated_phash_le_8']} with "
            f"pHash <= 8; the unrelated pairs at pHash <= 12 have PDQ distances "
            f"{st['unrelated_phash_le_12_pdq']}. Copies found (of n); `graph_recall` is the "
            "share the graph links (`neardup.compare_codes`, default thresholds), "
            "`false_matches` the copy's links to views of other rooms (of "
            "`false_pairs_checked`):",
            "",
            table(
                rows,
                [
                    "transform",
                    "n",
                    "pdq",
                    *[c for c in rows[0] if c.startswith("phash")],
                    "graph_recall",
                    "false_matches",
                    "false_pairs_checked",
                ],
            ),
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--sizes", type=int, nargs="*", default=[10_000, 100_000], help="none: keep saved"
    )
    ap.add_argument("--scan-queries", type=int, default=10, help="0 skips the Cypher scan")
    ap.add_argument("--scan-max-media", type=int, default=100_000)
    ap.add_argument("--phash-study", type=int, default=0, metavar="ROOMS")
    ap.add_argument(
        "--existing",
        action="store_true",
        help="only the rebuild with nothing changed, on the world the store holds (kept)",
    )
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    cmd = "python bench/bench_links.py " + " ".join(argv or sys.argv[1:])
    report: dict[str, Any] = {"command": cmd, "machine": machine(), "sizes": []}
    if args.existing:
        driver = ensure_server()
        n = db.records(driver, "MATCH (m:Media) RETURN count(m) AS n", name="bench.n")[0]["n"]
        if not n:
            print("--existing: the store holds no media", file=sys.stderr)
            return 2
        links.rebuild(driver)  # brings the saved index and pairs up to the store's state
        report["unchanged"] = {**unchanged_rebuild(driver, n), "command": cmd}
        report["unchanged_note"] = (
            f"`{cmd}`: on the store of the last full run, a first rebuild to bring the "
            f"saved index up to date, then this one; load average at start "
            f"{report['machine']['load_average_at_start']}."
        )
        if (RESULTS / "links.json").exists():  # keep the saved sizes and study
            saved = json.loads((RESULTS / "links.json").read_text())
            report.update(
                sizes=saved["sizes"],
                command=saved["command"],
                machine=saved["machine"],
                phash_study=saved.get("phash_study"),
            )
        args.sizes = []
        args.phash_study = 0
    elif args.sizes:
        driver = ensure_server()
        for n in args.sizes:
            q = args.scan_queries if n <= args.scan_max_media else 0
            report["sizes"].append(run_size(driver, n, q))
    elif not args.existing and (RESULTS / "links.json").exists():  # only the pHash study
        saved = json.loads((RESULTS / "links.json").read_text())
        report.update(sizes=saved["sizes"], command=saved["command"], machine=saved["machine"])
    if not args.existing and not args.phash_study and (RESULTS / "links.json").exists():
        saved = json.loads((RESULTS / "links.json").read_text())
        if saved.get("phash_study"):
            report["phash_study"] = saved["phash_study"]
    if args.phash_study:
        print("== pHash study", file=sys.stderr)
        report["phash_study"] = phash_study(args.phash_study)
        report["phash_study"]["command"] = "python bench/bench_links.py " + " ".join(
            argv if argv is not None else sys.argv[1:]
        )
    md = markdown(report)
    print(md)
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "links.json").write_text(json.dumps(report, indent=2) + "\n")
        (RESULTS / "links.md").write_text(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
