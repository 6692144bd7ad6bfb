"""Write a planned world to disk: images, the SPEC input files, truth.json and README.md."""

# ruff: noqa: E501  (scenario, README and truth texts are prose: long strings read better whole)

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from multiprocessing import get_context
from pathlib import Path

from PIL import Image

from . import rooms, scene3d, signs, vocab
from .truth import COMMON_CLUES, MediaRec, compute_pairs, cross_country
from .vocab import COUNTRY_BY_CODE
from .world import World, plan_world

GENERATOR = "cluegraph-demo/1"

CASES_COLUMNS = ["case_id", "title", "agency_id", "agency_name", "country", "status", "opened"]
SERIES_COLUMNS = ["series_id", "name", "case_id", "status"]
VICTIMS_COLUMNS = [
    "victim_id",
    "series_id",
    "identified",
    "identified_by",
    "identified_at",
    "age_band",
    "sex",
]
CLUES_COLUMNS = [
    "target",
    "target_kind",
    "type",
    "label",
    "location_hint",
    "confidence",
    "analyst",
    "noted_at",
]
ACCOUNTS_COLUMNS = ["target", "platform", "handle", "seen_at"]
MEDIA_CSV_COLUMNS = ["file", "series_id"]

Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class WorldSummary:
    """What :func:`generate_world` wrote."""

    out: Path
    seed: int
    size: str
    countries: int
    agencies: int
    cases: int
    series: int
    media_files: int
    media_records: int
    victims: int
    clues: int
    accounts: int
    pairs: int
    pairs_by_kind: dict[str, int] = field(default_factory=dict)
    decoys: int = 0

    def as_dict(self) -> dict:
        d = asdict(self)
        d["out"] = str(self.out)
        return d


# ---------------------------------------------------------------- rendering (worker side)


def _hashes(data: bytes) -> tuple[str, str, str]:
    return (
        hashlib.sha256(data).hexdigest(),
        hashlib.md5(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
    )


def _render_series(task: dict) -> list[dict]:
    """Draw one room and write every photo of it. Runs in a worker process."""
    out = Path(task["out"])
    country = COUNTRY_BY_CODE[task["room_country"]]
    spec = rooms.RoomSpec.build(
        task["room_seed"],
        country,
        white_wall=task["white_wall"],
        logos=tuple(task["logos"]),
        shop=task["shop"],
        year=task["year"],
    )
    base = rooms.draw_room(spec)
    results = []
    for v in task["views"]:
        size = tuple(v["size"])
        if v["kind"] == "flat":
            img = rooms.flat_image(v["seed"], size, rooms._shade(spec.wall, 0.95))  # noqa: SLF001
        else:
            img = rooms.render_view(base, v["seed"], size)  # type: ignore[arg-type]
        ex = v["exif"]
        exif = None
        if ex:
            taken = datetime.fromisoformat(ex["taken"])
            gps = (ex["lat"], ex["lon"]) if ex.get("lat") is not None else None
            exif = rooms.exif_bytes(ex["make"], ex["model"], ex["serial"], taken, gps, size)  # type: ignore[arg-type]
        data = rooms.encode_jpeg(img, task["quality"], exif)
        path = out / v["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        sha256, md5, sha1 = _hashes(data)
        results.append(
            {
                "path": v["path"],
                "sha256": sha256,
                "md5": md5,
                "sha1": sha1,
                "bytes": len(data),
                "width": size[0],
                "height": size[1],
            }
        )
    return results


def _render_visual(task: dict) -> list[dict]:
    """Draw the photos of one visual room (scene3d) or one sign picture (signs). Runs in
    a worker process; returns one record per file written."""
    out = Path(task["out"])
    files: list[tuple[str, bytes, dict]] = []
    if task["kind"] == "sign":
        img, st = signs.sign_picture(task["seed"], task["lang"])
        data = rooms.encode_jpeg(img, 90, None)
        files.append((task["paths"][0], data, {"lang": st.lang, "lines": st.lines, "box": st.box}))
    else:
        room = scene3d.make_room(task["room"], task["hard"], task["products"])
        for path, view in zip(task["paths"], task["views"], strict=True):
            data, truth = scene3d.view_jpeg(room, view)
            files.append((path, data, {"view": view, "boxes": truth["boxes"]}))
    results = []
    for path, data, extra in files:
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data)
        sha256, md5, sha1 = _hashes(data)
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
        results.append(
            {
                "path": path,
                "sha256": sha256,
                "md5": md5,
                "sha1": sha1,
                "bytes": len(data),
                "width": w,
                "height": h,
                **extra,
            }
        )
    return results


def _visual_tasks(world: World, out: Path) -> list[dict]:
    """One task per visual room and per sign picture, with the files' paths."""
    by_id = world.series_by_id()
    tasks = []
    n = 0
    for r in world.visual.get("rooms", []):
        paths = []
        for sid, _view in r["views"]:
            n += 1
            paths.append(f"media/{by_id[sid].primary_case.id}/{sid}/room_{n:03d}.jpg")
        tasks.append(
            {
                "out": str(out),
                "kind": "room",
                "room": r["room"],
                "hard": r["hard"],
                "products": r["products"],
                "views": [v for _, v in r["views"]],
                "series": [sid for sid, _ in r["views"]],
                "paths": paths,
                "plan": r,
            }
        )
    for k, sg in enumerate(world.visual.get("signs", []), start=1):
        sid = sg["series_id"]
        tasks.append(
            {
                "out": str(out),
                "kind": "sign",
                "seed": sg["seed"],
                "lang": sg["lang"],
                "series": [sid],
                "paths": [f"media/{by_id[sid].primary_case.id}/{sid}/sign_{k:03d}.jpg"],
                "plan": sg,
            }
        )
    return tasks


def _run_visual(tasks: list[dict], workers: int) -> list[list[dict]]:
    if workers <= 1 or len(tasks) <= 1:
        return [_render_visual(t) for t in tasks]
    with ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context()) as pool:
        return list(pool.map(_render_visual, tasks))


# ---------------------------------------------------------------- planning the files


def _file_stem(make: str, n: int, taken: datetime) -> str:
    m = make.lower()
    if m.startswith("canon"):
        return f"IMG_{n:04d}.JPG"
    if m.startswith("nikon"):
        return f"DSC_{n:04d}.JPG"
    if m in ("sony", "fujifilm"):
        return f"DSC{n:05d}.JPG"
    if m.startswith("olympus"):
        return f"P{taken:%m%d}{n:03d}.JPG"
    if m == "panasonic":
        return f"P10{n:05d}.JPG"
    return f"IMG_{taken:%Y%m%d_%H%M%S}.jpg"


def _tasks(world: World, out: Path) -> tuple[list[dict], dict[str, list[dict]]]:
    """Per-series render tasks, and per-series metadata of every view (EXIF, role)."""
    tasks = []
    meta: dict[str, list[dict]] = {}
    for s in world.series:
        assert s.camera is not None
        cam = s.camera
        case = s.primary_case
        rng_counter = 100 + (s.room_seed % 8000)
        views = []
        taken = s.start
        for k in range(s.n_views + (1 if s.flat_decoy else 0)):
            kind = "flat" if k == s.n_views else "view"
            taken = taken + timedelta(
                minutes=1 + (s.room_seed >> (k % 40)) % 7, seconds=(s.room_seed >> (k % 30)) % 50
            )
            ex: dict | None = None
            if s.exif_mode != "none":
                ex = {
                    "make": cam.make,
                    "model": cam.model,
                    "serial": cam.serial,
                    "taken": taken.isoformat(),
                }
                if s.gps_anchor is not None:
                    lat, lon = s.gps_anchor
                    j = (s.room_seed >> (k * 3 % 40)) % 9 - 4
                    ex["lat"], ex["lon"] = round(lat + j * 0.00012, 6), round(lon - j * 0.0001, 6)
            name = _file_stem(cam.make, rng_counter + k, taken)
            views.append(
                {
                    "kind": kind,
                    "seed": (s.room_seed * 131 + k * 7919) % (2**48),
                    "size": list(cam.size),
                    "exif": ex,
                    "path": f"media/{case.id}/{s.id}/{name}",
                }
            )
        tasks.append(
            {
                "out": str(out),
                "series_id": s.id,
                "room_country": s.room_country,
                "room_seed": s.room_seed,
                "white_wall": s.white_wall,
                "logos": list(s.logos),
                "shop": s.shop,
                "year": s.start.year,
                "quality": cam.quality,
                "views": views,
            }
        )
        meta[s.id] = views
    return tasks, meta


def _mp_context():
    """Fork where there is one: no re-import of ``__main__`` (scripts without a main guard work)."""
    import multiprocessing

    return get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")


def _run_tasks(tasks: list[dict], workers: int, progress: Progress | None) -> dict[str, list[dict]]:
    results: dict[str, list[dict]] = {}
    total = sum(len(t["views"]) for t in tasks)
    done = 0
    if workers <= 1:
        for t in tasks:
            results[t["series_id"]] = _render_series(t)
            done += len(t["views"])
            if progress:
                progress("drawing rooms", done, total)
        return results
    with ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context()) as pool:
        for t, res in zip(tasks, pool.map(_render_series, tasks, chunksize=2), strict=True):
            results[t["series_id"]] = res
            done += len(t["views"])
            if progress:
                progress("drawing rooms", done, total)
    return results


# ---------------------------------------------------------------- writing


def _write_csv(path: Path, columns: list[str], rows: Iterable[dict]) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(r)
            n += 1
    return n


def _prepare_out(out: Path) -> None:
    """Create OUT, or clear a previous world in it; refuse to touch anything else."""
    if out.exists() and any(out.iterdir()):
        marker = out / "truth.json"
        ok = False
        if marker.exists():
            try:
                ok = json.loads(marker.read_text(encoding="utf-8")).get("generator") == GENERATOR
            except (OSError, ValueError):
                ok = False
        if not ok:
            raise FileExistsError(
                f"{out} is not empty and holds no demo world; choose an empty folder"
            )
        for name in ("media", "hashsets", "scenario"):
            shutil.rmtree(out / name, ignore_errors=True)
        for name in (
            "cases.csv",
            "series.csv",
            "victims.csv",
            "clues.csv",
            "accounts.csv",
            "media_records.csv",
            "truth.json",
            "README.md",
        ):
            (out / name).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def _vics(records: list[MediaRec], name: str) -> dict:
    """Project VIC VICS JSON, OData 1.x shape: ``value`` is a list of cases with ``Media``."""
    media = []
    for i, m in enumerate(records, start=1):
        media.append(
            {
                "MediaID": i,
                "Category": 5,
                "MD5": m.md5.upper(),
                "SHA1": m.sha1.upper(),
                "MediaSize": m.bytes,
                "Series": "",
                "VictimIdentified": False,
                "OffenderIdentified": False,
                "IsDistributed": True,
                "Tags": ["non-pertinent", "stock", "demo"],
                "Comments": name,
            }
        )
    return {
        "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml/$metadata#Cases",
        "value": [{"CaseID": "DEMO-KNOWN-BENIGN", "CaseNumber": "demo", "Media": media}],
    }


def _vics2(records: list[MediaRec]) -> dict:
    """The same hash set in the VICS 2.0 shape: ``@odata.context`` and a flat ``value`` of media."""
    return {
        "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media",
        "value": [
            {
                "MediaID": i,
                "Category": 5,
                "MD5": m.md5.upper(),
                "SHA1": m.sha1.upper(),
                "MediaSize": m.bytes,
                "Series": "",
                "VictimIdentified": False,
                "OffenderIdentified": False,
                "Tags": ["non-pertinent", "stock", "demo"],
            }
            for i, m in enumerate(records, start=1)
        ],
    }


def _hash_distances(a: bytes, b: bytes) -> dict[str, int]:
    """PDQ (best of the 8 dihedral variants) and pHash distances."""
    import io

    import imagehash
    import numpy as np
    import pdqhash
    from PIL import Image, ImageChops

    ia = Image.open(io.BytesIO(a)).convert("RGB")
    ib = Image.open(io.BytesIO(b)).convert("RGB")
    ha, qa = pdqhash.compute(np.asarray(ia))

    def best(img: Image.Image) -> tuple[int, int]:
        variants, q = pdqhash.compute_dihedral(np.asarray(img))
        return min(int(np.count_nonzero(ha != v)) for v in variants), int(q)

    pdq, qb = best(ib)
    out = {"pdq_distance": pdq, "pdq_quality": int(min(qa, qb))}
    # Uniform borders (screenshots) trimmed away, as the link engine does.
    bg = Image.new("RGB", ib.size, ib.getpixel((0, 0)))  # type: ignore[arg-type]
    diff = ImageChops.difference(ib, bg).convert("L").point(lambda v: 255 if v > 12 else 0)
    box = diff.getbbox()
    pa = imagehash.phash(ia)
    out["phash_distance"] = int(pa - imagehash.phash(ib))
    if box and (box[2] - box[0] < 0.96 * ib.width or box[3] - box[1] < 0.96 * ib.height):
        trimmed = ib.crop(box)
        out["pdq_distance_trimmed"] = best(trimmed)[0]
        out["phash_distance"] = min(out["phash_distance"], int(pa - imagehash.phash(trimmed)))
    return out


def write_world(
    world: World, out: Path, *, workers: int = 1, progress: Progress | None = None
) -> WorldSummary:
    _prepare_out(out)
    by_id = world.series_by_id()
    tasks, meta = _tasks(world, out)
    rendered = _run_tasks(tasks, workers, progress)

    records: list[MediaRec] = []
    by_view: dict[tuple[str, int], MediaRec] = {}
    for s in world.series:
        for k, (view, res) in enumerate(zip(meta[s.id], rendered[s.id], strict=True)):
            ex = view["exif"] or {}
            rec = MediaRec(
                path=res["path"],
                case_id=s.primary_case.id,
                series_id=s.id,
                sha256=res["sha256"],
                md5=res["md5"],
                sha1=res["sha1"],
                bytes=res["bytes"],
                width=res["width"],
                height=res["height"],
                mime="image/jpeg",
                role=view["kind"],
                make=ex.get("make", ""),
                model=ex.get("model", ""),
                serial=ex.get("serial", ""),
                lat=ex.get("lat"),
                lon=ex.get("lon"),
                taken=ex.get("taken", ""),
            )
            records.append(rec)
            by_view[(s.id, k)] = rec

    def copy_rec(src: MediaRec, series_id: str, case_id: str, rel: str, role: str) -> MediaRec:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / src.path, out / rel)
        d = asdict(src)
        d.update(path=rel, series_id=series_id, case_id=case_id, role=role)
        return MediaRec(**d)

    # Duplicate effort: the second agency holds some of the same files.
    for s in world.series:
        for c2 in s.cases[1:]:
            for k in range(min(2, s.n_views)):
                src = by_view[(s.id, k)]
                records.append(
                    copy_rec(
                        src,
                        s.id,
                        c2.id,
                        f"media/{c2.id}/{s.id}/{Path(src.path).name}",
                        "dup_effort",
                    )
                )
    # Same media: an identical file found in another country's case.
    for n, (a, v, b, case_b) in enumerate(world.copies, start=1):
        src = by_view[(a, v)]
        records.append(
            copy_rec(
                src,
                b,
                case_b,
                f"media/{case_b}/{b}/received_{n:03d}{Path(src.path).suffix.lower()}",
                "copy",
            )
        )
    # Near duplicates: re-shared copies with realistic transforms, EXIF gone.
    near_edges: list[tuple[str, str, str]] = []
    near_details: list[dict] = []
    for n, (a, v, b, tr, _) in enumerate(world.near_dups, start=1):
        src = by_view[(a, v)]
        data, ext, desc = rooms.near_duplicate(
            (out / src.path).read_bytes(), tr, world.seed * 1000 + n, f"@{vocab.PLATFORMS[n % 5]}"
        )
        sb = by_id[b]
        rel = f"media/{sb.primary_case.id}/{b}/reshared_{n:03d}.{ext}"
        (out / rel).write_bytes(data)
        sha256, md5, sha1 = _hashes(data)
        from PIL import Image

        with Image.open(out / rel) as im:
            w, h = im.size
        records.append(
            MediaRec(
                rel,
                sb.primary_case.id,
                b,
                sha256,
                md5,
                sha1,
                len(data),
                w,
                h,
                f"image/{'png' if ext == 'png' else 'jpeg'}",
                "near_dup",
            )
        )
        dist = _hash_distances((out / src.path).read_bytes(), data)
        detail = f"{src.sha256[:12]}… → {sha256[:12]}…: {desc}"
        if dist:
            pdq = min(dist["pdq_distance"], dist.get("pdq_distance_trimmed", 256))
            detail += f" (PDQ distance {pdq}, pHash distance {dist['phash_distance']})"
        near_edges.append((src.sha256, sha256, detail))
        near_details.append(
            {
                "series_a": a,
                "series_b": b,
                "source": src.sha256,
                "copy": sha256,
                "transform": tr,
                "description": desc,
                **dist,
            }
        )
    # Visual rooms seen in several series (other angles), shared products, signs.
    vtasks = _visual_tasks(world, out)
    scene_rooms: dict[str, str] = {}  # sha256 -> room key, for the truth
    visual_files: list[dict] = []
    for vtask, vres in zip(vtasks, _run_visual(vtasks, workers), strict=True):
        for sid, r in zip(vtask["series"], vres, strict=True):
            sv = by_id[sid]
            role = "sign" if vtask["kind"] == "sign" else "scene"
            records.append(
                MediaRec(
                    r["path"],
                    sv.primary_case.id,
                    sid,
                    r["sha256"],
                    r["md5"],
                    r["sha1"],
                    r["bytes"],
                    r["width"],
                    r["height"],
                    "image/jpeg",
                    role,
                )
            )
            if role == "scene" and vtask["plan"]["kind"] != "shared_product":
                scene_rooms[r["sha256"]] = f"room {vtask['room']}"
            visual_files.append({"task": vtask, "series_id": sid, **r})
    if progress and vtasks:
        progress("drawing visual rooms and signs", len(visual_files), len(visual_files))
    # Non-pertinent stock pictures.
    stock_recs: dict[str, MediaRec] = {}
    stock_bytes: dict[str, bytes] = {}
    for name in world.stock_names:
        img = rooms.stock_image(name)
        stock_bytes[name] = rooms.encode_jpeg(img, 88, None)
    for s in world.series:
        for j, name in enumerate(s.stock):
            data = stock_bytes[name]
            rel = f"media/{s.primary_case.id}/{s.id}/download_{j + 1}.jpg"
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_bytes(data)
            sha256, md5, sha1 = _hashes(data)
            rec = MediaRec(
                rel,
                s.primary_case.id,
                s.id,
                sha256,
                md5,
                sha1,
                len(data),
                1024,
                768,
                "image/jpeg",
                "stock",
            )
            records.append(rec)
            stock_recs.setdefault(name, rec)
    non_pertinent = {r.sha256 for r in stock_recs.values()}

    # The scenario's start file: a screenshot of a watermarked copy; not part of any case.
    sx = world.scenario["target_series"]
    src = by_view[(sx, min(1, by_id[sx].n_views - 1))]
    wm, _, _ = rooms.near_duplicate(
        (out / src.path).read_bytes(), "watermark", world.seed + 17, "@picboard"
    )
    shot, _, _ = rooms.near_duplicate(wm, "screenshot_border", world.seed + 18, "")
    (out / "scenario").mkdir(exist_ok=True)
    (out / "scenario" / "triage_me.png").write_bytes(shot)
    scen_dist = _hash_distances((out / src.path).read_bytes(), shot)

    # ---- CSV files
    _write_csv(
        out / "cases.csv",
        CASES_COLUMNS,
        (
            {
                "case_id": c.id,
                "title": c.title,
                "agency_id": c.agency.id,
                "agency_name": c.agency.name,
                "country": c.country,
                "status": c.status,
                "opened": c.opened.isoformat(),
            }
            for c in sorted(world.cases, key=lambda c: c.id)
        ),
    )
    series_rows = sorted(
        (
            {"series_id": s.id, "name": s.name, "case_id": c.id, "status": s.status}
            for s in world.series
            for c in s.cases
        ),
        key=lambda r: (r["series_id"], r["case_id"]),
    )
    _write_csv(out / "series.csv", SERIES_COLUMNS, series_rows)
    victim_rows = sorted(
        (
            {
                "victim_id": v.id,
                "series_id": s.id,
                "identified": "true" if v.identified else "false",
                "identified_by": v.identified_by,
                "identified_at": v.identified_at,
                "age_band": v.age_band,
                "sex": v.sex,
            }
            for s in world.series
            for v in s.victims
        ),
        key=lambda r: (r["victim_id"], r["series_id"]),
    )
    _write_csv(out / "victims.csv", VICTIMS_COLUMNS, victim_rows)
    clue_rows = []
    for c in world.clues:
        if c.target_view is None:
            target, kind = c.series_id, "series"
        else:
            target, kind = by_view[(c.series_id, c.target_view)].sha256, "media"
        clue_rows.append(
            {
                "target": target,
                "target_kind": kind,
                "type": c.type,
                "label": c.label,
                "location_hint": c.location_hint,
                "confidence": f"{c.confidence:.2f}",
                "analyst": c.analyst,
                "noted_at": c.noted_at,
            }
        )
    clue_rows.sort(key=lambda r: (r["target_kind"], r["target"], r["type"], r["label"]))
    _write_csv(out / "clues.csv", CLUES_COLUMNS, clue_rows)
    account_rows = sorted(
        (
            {
                "target": by_view[(a.series_id, a.view)].sha256,
                "platform": a.platform,
                "handle": a.handle,
                "seen_at": a.seen_at,
            }
            for a in world.accounts
        ),
        key=lambda r: (r["platform"], r["handle"], r["target"]),
    )
    _write_csv(out / "accounts.csv", ACCOUNTS_COLUMNS, account_rows)

    per_case: dict[str, list[MediaRec]] = defaultdict(list)
    for rec in records:
        per_case[rec.case_id].append(rec)
    for case_id, recs in sorted(per_case.items()):
        base = f"media/{case_id}/"
        _write_csv(
            out / "media" / case_id / "media.csv",
            MEDIA_CSV_COLUMNS,
            (
                {"file": r.path[len(base) :], "series_id": r.series_id}
                for r in sorted(recs, key=lambda r: r.path)
            ),
        )

    (out / "hashsets").mkdir(exist_ok=True)
    stock_list = [stock_recs[n] for n in world.stock_names if n in stock_recs]
    _dump_json(
        out / "hashsets" / "vics_known_benign.json", _vics(stock_list, "demo stock pictures")
    )
    _dump_json(out / "hashsets" / "vics2_known_benign.json", _vics2(stock_list))

    # ---- truth
    countries = {s.id: s.countries for s in world.series}
    ev = compute_pairs(
        records,
        countries,
        [(r["victim_id"], r["series_id"]) for r in victim_rows],
        clue_rows,
        account_rows,
        near_edges,
        non_pertinent,
        scene_rooms,
    )
    truth = _truth(
        world, records, ev, countries, near_details, non_pertinent, clue_rows, stock_recs
    )
    truth["scenario"]["start_file_hashes"] = scen_dist
    truth["visual"] = _visual_truth(world, visual_files, countries)
    truth["exercises"] = _exercises(truth["visual"], by_id)
    truth["decoys"].extend(truth["visual"]["decoys"])
    _dump_json(out / "truth.json", truth)
    (out / "README.md").write_text(_readme(world, truth), encoding="utf-8")

    kinds = Counter(k for p in truth["pairs"] for k in p["kinds"])
    return WorldSummary(
        out=out,
        seed=world.seed,
        size=world.size.name,
        countries=len({c.country for c in world.cases}),
        agencies=len(world.agencies),
        cases=len(world.cases),
        series=len(world.series),
        media_files=len(records),
        media_records=len(records),
        victims=len({r["victim_id"] for r in victim_rows}),
        clues=len(clue_rows),
        accounts=len(account_rows),
        pairs=len(truth["pairs"]),
        pairs_by_kind=dict(sorted(kinds.items())),
        decoys=len(truth["decoys"]),
    )


def _dump_json(path: Path, obj: object) -> None:
    path.write_text(
        json.dumps(obj, indent=1, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8"
    )


def _truth(
    world, records, ev, countries, near_details, non_pertinent, clue_rows, stock_recs
) -> dict:
    planted: dict[tuple[str, str], list] = defaultdict(list)
    for p in world.plants:
        for a, b in _combos(p.series):
            planted[(a, b)].append(p)
    pairs = []
    same_country = []
    for (a, b), e in sorted(ev.items()):
        if cross_country(a, b, countries):
            notes = [p.note for p in planted.get((a, b), [])]
            extra = e.kinds - {p.kind for p in planted.get((a, b), [])}
            if extra:
                if not (extra <= {"same_media", "near_duplicate"} and _transitive(a, b, world)):
                    raise RuntimeError(
                        f"unplanned cross-country link {a}-{b}: {sorted(extra)} {e.details}"
                    )
                notes.append("files also reached the other series through a third one")
            pairs.append(
                {
                    "series_a": a,
                    "series_b": b,
                    "countries_a": list(countries[a]),
                    "countries_b": list(countries[b]),
                    "kinds": sorted(e.kinds),
                    "note": "; ".join(notes),
                    "evidence": sorted(e.details, key=lambda d: (d["kind"], d["detail"])),
                }
            )
        else:
            same_country.append(
                {
                    "kind": "same_country",
                    "series_a": a,
                    "series_b": b,
                    "countries_a": list(countries[a]),
                    "countries_b": list(countries[b]),
                    "kinds": sorted(e.kinds),
                    "note": "linked, but one country holds a case on both series: not cross-country",
                }
            )
    for (a, b), ps in planted.items():
        if (a, b) not in ev:
            raise RuntimeError(f"planted link {a}-{b} left no evidence: {[p.kind for p in ps]}")
        missing = {p.kind for p in ps} - ev[(a, b)].kinds
        if missing:
            raise RuntimeError(f"planted link {a}-{b} lacks {missing}")

    decoys: list[dict] = []
    # Common clues: in many series, across countries.
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    members: dict[str, set[str]] = defaultdict(set)
    for r in records:
        members[r.sha256].add(r.series_id)
    for row in clue_rows:
        key = (row["type"], row["label"].strip().lower())
        if key in COMMON_CLUES:
            targets = (
                {row["target"]}
                if row["target_kind"] == "series"
                else members.get(row["target"], set())
            )
            groups[key].update(targets)
    for (typ, label), sids in sorted(groups.items()):
        decoys.append(
            {
                "kind": "common_clue",
                "type": typ,
                "label": label,
                "series": sorted(sids),
                "countries": sorted({c for s in sids for c in countries[s]}),
                "note": "seen in many series: weighted down by rarity, never a link by itself",
            }
        )
    flats = [r for r in records if r.role == "flat"]
    decoys.append(
        {
            "kind": "flat_image",
            "media": [r.sha256 for r in flats],
            "series": sorted({r.series_id for r in flats}),
            "countries": sorted({c for r in flats for c in countries[r.series_id]}),
            "note": "near-uniform frames: pHash look-alikes, PDQ quality below 50: no near-duplicate link",
        }
    )
    models: dict[str, set[str]] = defaultdict(set)
    for r in records:
        if r.make and not r.serial and r.role == "view":
            models[f"{r.make}|{r.model}"].add(r.series_id)
    for mm, sids in sorted(models.items()):
        cs = {c for s in sids for c in countries[s]}
        if len(cs) > 1:
            decoys.append(
                {
                    "kind": "camera_model_without_serial",
                    "camera": mm,
                    "series": sorted(sids),
                    "countries": sorted(cs),
                    "note": "same make and model but no serial: not the same camera",
                }
            )
    for name, rec in stock_recs.items():
        holders = sorted(members[rec.sha256])
        decoys.append(
            {
                "kind": "non_pertinent_media",
                "sha256": rec.sha256,
                "label": name,
                "series": holders,
                "countries": sorted({c for s in holders for c in countries[s]}),
                "note": "identical file in several countries, but listed category 5 (non-pertinent) in hashsets/: never a link",
            }
        )
    decoys.extend(same_country)

    sc = dict(world.scenario)
    dup = sc.pop("duplicate_effort", [])
    return {
        "generator": GENERATOR,
        "seed": world.seed,
        "size": world.size.name,
        "pairs": pairs,
        "near_duplicates": near_details,
        "duplicate_effort": dup,
        "scenario": sc,
        "decoys": decoys,
        "counts": {
            "countries": len({c.country for c in world.cases}),
            "agencies": len(world.agencies),
            "cases": len(world.cases),
            "series": len(world.series),
            "media_files": len(records),
            "pairs": len(pairs),
        },
    }


def _visual_truth(world: World, files: list[dict], countries: dict[str, tuple[str, ...]]) -> dict:
    """What the visual pass must find (and must not): rooms with their series, countries
    and files; the shared product; the signs with their language and its countries."""
    from media.visual.language import countries_for, language_name

    rooms_out, signs_out, decoys = [], [], []
    by_room: dict[int, list[dict]] = defaultdict(list)
    for f in files:
        if f["task"]["kind"] == "room":
            by_room[f["task"]["room"]].append(f)
        else:
            lang = f["lang"]
            signs_out.append(
                {
                    "series_id": f["series_id"],
                    "countries": list(countries[f["series_id"]]),
                    "sha256": f["sha256"],
                    "file": f["path"],
                    "lang": lang,
                    "language": language_name(lang),
                    "text": f["lines"],
                    "box": list(f["box"]) if f["box"] else None,
                    "points_to": [c for c, _ in countries_for(lang)],
                }
            )
    for r in world.visual.get("rooms", []):
        fs = by_room[r["room"]]
        series = sorted({f["series_id"] for f in fs})
        rooms_out.append(
            {
                "room": r["room"],
                "kind": r["kind"],
                "series": series,
                "countries": sorted({c for s in series for c in countries[s]}),
                "products": [f"{k}:{v}" for k, v in sorted(r["products"].items())],
                "files": [
                    {
                        "series_id": f["series_id"],
                        "sha256": f["sha256"],
                        "file": f["path"],
                        "view": f["view"],
                        "product_boxes": f["boxes"],
                    }
                    for f in fs
                ],
            }
        )
    same_scene = [
        {
            "series_a": a,
            "series_b": b,
            "room": r["room"],
            "cross_country": cross_country(a, b, countries),
        }
        for r in rooms_out
        if r["kind"] != "shared_product"
        for a, b in _combos(tuple(r["series"]))
    ]
    prod = [r for r in rooms_out if r["kind"] == "shared_product"]
    if len(prod) >= 2:
        a, b = sorted((prod[0]["series"][0], prod[1]["series"][0]))
        decoys.append(
            {
                "kind": "shared_product",
                "series_a": a,
                "series_b": b,
                "series": [a, b],
                "countries": sorted(set(countries[a]) | set(countries[b])),
                "product": prod[0]["products"][0],
                "rooms": [prod[0]["room"], prod[1]["room"]],
                "note": "two different rooms with the same mass-market poster: a shared object, never the same scene",
            }
        )
    return {
        "rooms": rooms_out,
        "same_scene_pairs": same_scene,
        "signs": signs_out,
        "decoys": decoys,
    }


def _exercises(visual: dict, by_id: dict) -> list[dict]:
    """Class exercises on the visual clues, with the answers checked in trainer mode."""
    out: list[dict] = []
    three = next((r for r in visual["rooms"] if r["kind"] == "three_country"), None)
    if three:
        start = three["series"][0]
        others = [s for s in three["series"] if s != start]
        out.append(
            {
                "id": "room-in-three-countries",
                "title": "Find this room in three countries",
                "brief": (
                    f"Series {start} ('{by_id[start].name}') shows a bedroom. The same room was "
                    "photographed from other angles, in other light and with people in front, "
                    "in series held by other countries. Find them, and say why a shared poster "
                    "elsewhere is not the same room."
                ),
                "steps": [
                    {
                        "n": 1,
                        "page": "series",
                        "task": f"Open {start} and its Same scene section. Which series show the same room?",
                        "hint": "Look where the outlines agree: several separate regions (window, shelf, bed), not one object.",
                        "answer": f"{', '.join(others)} ({', '.join(three['countries'])})",
                        "expect": others,
                    },
                    {
                        "n": 2,
                        "page": "link graph",
                        "task": "Which countries hold photos of this room?",
                        "hint": "Blue edges are a verified same scene.",
                        "answer": ", ".join(three["countries"]),
                        "expect": three["countries"],
                    },
                ],
            }
        )
    dec = next((d for d in visual["decoys"] if d["kind"] == "shared_product"), None)
    if dec:
        out.append(
            {
                "id": "shared-poster-is-not-the-room",
                "title": "The same poster in two rooms",
                "brief": (
                    f"Series {dec['series_a']} and {dec['series_b']} both show the same "
                    "mass-market poster. Search for the poster everywhere and decide: same room or not?"
                ),
                "steps": [
                    {
                        "n": 1,
                        "page": "object search",
                        "task": f"Draw a box around the poster in a picture of {dec['series_a']} and search everywhere. Which other series shows it?",
                        "hint": "The object search finds one flat object wherever it is.",
                        "answer": dec["series_b"],
                        "expect": [dec["series_b"]],
                    },
                    {
                        "n": 2,
                        "page": "series",
                        "task": "Is it the same room? Answer yes or no.",
                        "hint": "A shared object is one region of the frame; the walls, window and furniture differ.",
                        "answer": "no: a shared object (a product sold everywhere), not the same scene",
                        "expect": ["no"],
                    },
                ],
            }
        )
    if visual["signs"]:
        sg = visual["signs"][0]
        out.append(
            {
                "id": "read-the-sign",
                "title": "A sign in another language",
                "brief": f"Series {sg['series_id']} holds a photo of a sign. What does it suggest?",
                "steps": [
                    {
                        "n": 1,
                        "page": "series",
                        "task": f"Open {sg['series_id']}: which language does the suggested clue name?",
                        "hint": "Suggested clues are proposals: accept them only if you agree.",
                        "answer": f"{sg['language']} ({sg['lang']}), pointing to {', '.join(sg['points_to'][:5])}",
                        "expect": [sg["language"]],
                    }
                ],
            }
        )
    return out


def _combos(ids: tuple[str, ...]) -> list[tuple[str, str]]:
    from itertools import combinations

    return [tuple(sorted(c)) for c in combinations(ids, 2)]  # type: ignore[misc]


def _transitive(a: str, b: str, world: World) -> bool:
    """True when a and b share files only because both took them from a third series."""
    involved = {x for (x, _, y, _) in world.copies for x in (x, y)} | {
        x for (x, _, y, _, _) in world.near_dups for x in (x, y)
    }
    return a in involved and b in involved


def _readme(world: World, truth: dict) -> str:
    sc = truth["scenario"]
    lines = [
        f"# ClueGraph demo world (seed {world.seed}, size {world.size.name})",
        "",
        "A synthetic, benign training world: drawn rooms (walls, furniture, posters, sockets, products),",
        "no people, invented agencies, pseudonymous victims and synthetic handles. Generated by",
        f"`cluegraph demo generate --seed {world.seed} --size {world.size.name} OUT`; the same seed gives the same bytes.",
        "",
        "## Contents",
        "",
        "| file | what |",
        "|---|---|",
        "| `cases.csv`, `series.csv`, `victims.csv`, `clues.csv`, `accounts.csv` | the SPEC input files |",
        "| `media/<case_id>/` | the images of each case, with `media.csv` (`file,series_id`) |",
        "| `hashsets/vics_known_benign.json` | VICS hash set (OData 1.x shape) of non-pertinent stock pictures, category 5 |",
        "| `hashsets/vics2_known_benign.json` | the same set in the VICS 2.0 shape |",
        "| `scenario/triage_me.png` | the trainer scenario's start file (not in any case) |",
        "| `truth.json` | planted cross-country links, decoys, duplicate effort, scenario answers |",
        "",
        "## Counts",
        "",
    ]
    for k, v in truth["counts"].items():
        lines.append(f"- {k.replace('_', ' ')}: {v}")
    kinds = Counter(k for p in truth["pairs"] for k in p["kinds"])
    lines += [
        "",
        "Cross-country pairs by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())),
        "",
    ]
    lines += [
        "Load it with the real loaders, for example:",
        "",
        "```",
        "cluegraph load cases cases.csv && cluegraph load series series.csv",
        'for d in media/*/; do cluegraph load media "$d" --case "$(basename "$d")"; done',
        "cluegraph load victims victims.csv && cluegraph load clues clues.csv && cluegraph load accounts accounts.csv",
        "cluegraph load vics hashsets/vics_known_benign.json --hashset known-benign",
        "```",
        "",
        f"## Trainer scenario: {sc['title']}",
        "",
        sc["brief"],
        "",
    ]
    for st in sc["steps"]:
        lines += [
            f"{st['n']}. **{st['page']}**: {st['task']}",
            f"   - hint: {st['hint']}",
            f"   - answer: {st['answer']}",
        ]
    ans = sc["answers"]
    lines += [
        "",
        f"**Answer:** series {ans['series']} was taken in {ans['place']['name']} ({ans['place']['admin1']}), "
        f"{ans['country']}; linked series {', '.join(ans['linked_series'])}; contact {ans['agency_to_contact']}.",
        "",
        "## Planted cross-country links (answers for exercises)",
        "",
        "| series a | series b | countries | kinds | note |",
        "|---|---|---|---|---|",
    ]
    for p in truth["pairs"]:
        lines.append(
            f"| {p['series_a']} | {p['series_b']} | {'/'.join(p['countries_a'])} – {'/'.join(p['countries_b'])} "
            f"| {', '.join(p['kinds'])} | {p['note']} |"
        )
    vis = truth.get("visual") or {}
    if vis.get("rooms"):
        lines += ["", "## Visual clues (rooms from several angles, a shared product, signs)", ""]
        for r in vis["rooms"]:
            lines.append(
                f"- room {r['room']} ({r['kind'].replace('_', ' ')}): series {', '.join(r['series'])} "
                f"({', '.join(r['countries'])})"
                + (f", product {', '.join(r['products'])}" if r["products"] else "")
            )
        for sg in vis.get("signs", []):
            lines.append(
                f"- sign in {sg['language']} ({sg['lang']}) in series {sg['series_id']}: "
                f"{' / '.join(sg['text'])}; points to {', '.join(sg['points_to'][:5])}"
            )
        for ex in truth.get("exercises", []):
            lines += ["", f"### Exercise: {ex['title']}", "", ex["brief"], ""]
            for st in ex["steps"]:
                lines.append(f"{st['n']}. **{st['page']}**: {st['task']} (answer: {st['answer']})")
    lines += ["", "## Duplicate effort (deconfliction)", ""]
    for d in truth["duplicate_effort"]:
        where = "the same country" if d["same_country"] else "two countries"
        lines.append(
            f"- {d['series_id']}: cases {', '.join(d['case_ids'])} ({where}: {', '.join(d['countries'])})"
        )
    lines += ["", "## Decoys (must not link strongly)", ""]
    dk = Counter(d["kind"] for d in truth["decoys"])
    for k, v in sorted(dk.items()):
        lines.append(f"- {k}: {v}")
    lines.append("")
    return "\n".join(lines)


def generate_small_or_medium(
    out: Path, seed: int, size: str, *, workers: int | None = None, progress: Progress | None = None
) -> WorldSummary:
    world = plan_world(seed, size)
    if workers is None:
        workers = min(8, os.cpu_count() or 1)
    return write_world(world, out, workers=workers, progress=progress)
