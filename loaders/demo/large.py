"""The large world: metadata only, streamed, in constant memory.

No image is drawn. ``media_records.csv`` holds one row per media (hashes, PDQ and pHash
codes, size, EXIF fields) for ``n_media`` media, with the SPEC CSV files beside it. Every
attribute of series ``i`` and of its ``k``-th media is a pure function of ``(seed, i, k)``,
so rows are written as they are computed; only the planted links (a few hundred series)
are held in memory.

Cross-country links happen only where planted: camera serials, victims and handles are
unique per series, rare logos are planted, geotags stay within their own country (towns
10 km from any other demo country, jitter under 300 m) and the towns of planted places
are kept 5 km from every other town used.
"""

# ruff: noqa: E501  (scenario, README and truth texts are prose: long strings read better whole)

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from . import rooms, vocab
from .places import Town, close_pairs, offset, towns_by_country
from .vocab import COUNTRIES, COUNTRY_BY_CODE
from .writer import (
    ACCOUNTS_COLUMNS,
    CASES_COLUMNS,
    CLUES_COLUMNS,
    GENERATOR,
    SERIES_COLUMNS,
    VICTIMS_COLUMNS,
    Progress,
    WorldSummary,
    _dump_json,
    _prepare_out,
)

MEDIA_RECORD_COLUMNS = [
    "sha256",
    "md5",
    "sha1",
    "pdq",
    "pdq_quality",
    "phash",
    "width",
    "height",
    "bytes",
    "mime",
    "file_name",
    "case_id",
    "series_id",
    "captured_at",
    "make",
    "model",
    "serial",
    "lat",
    "lon",
]

SERIES_PER_CASE = 3
BASE_DAY = datetime(2017, 1, 1, 8, 0, 0)


def _bits(*parts: object) -> int:
    return int.from_bytes(
        hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).digest(), "big"
    )


def _flip(code: int, nbits: int, n: int, salt: int) -> int:
    """Flip ``n`` distinct bits of an ``nbits`` code, chosen from ``salt``."""
    chosen: set[int] = set()
    k = 0
    while len(chosen) < n:
        chosen.add(_bits("flip", salt, k) % nbits)
        k += 1
    for b in chosen:
        code ^= 1 << b
    return code


@dataclass(slots=True)
class SeriesAttrs:
    index: int
    id: str
    case_index: int
    country: str
    views: int
    mode: str  # serial | noserial | none
    make: str
    model: str
    serial: str
    size: tuple[int, int]
    gps: tuple[float, float] | None
    status: str
    start: datetime
    extra_cases: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Plan:
    """Planted links and overrides; everything else follows from the seed."""

    overrides: dict[int, dict] = field(default_factory=dict)
    extra_rows: dict[int, list[tuple]] = field(
        default_factory=dict
    )  # series -> (kind, src series, k, salt)
    extra_victims: dict[int, list[int]] = field(
        default_factory=dict
    )  # series -> victims of other series
    clues: dict[int, list[tuple[str, str, str]]] = field(
        default_factory=dict
    )  # series -> (type, label, hint)
    accounts: dict[int, list[tuple[str, str]]] = field(
        default_factory=dict
    )  # series -> (platform, handle)
    pairs: list[dict] = field(default_factory=list)
    same_country: list[dict] = field(default_factory=list)
    dup_effort: list[dict] = field(default_factory=list)


class LargeWorld:
    def __init__(self, seed: int, n_media: int) -> None:
        self.seed = seed
        self.n_media = n_media
        self.est_series = max(60, n_media // 8)
        towns = towns_by_country()
        self.random_towns: dict[str, list[Town]] = {}
        self.plant_towns: dict[str, list[Town]] = {}
        everything = [t for code in sorted(towns) for t in towns[code]]
        crowded = close_pairs([(t.lat, t.lon) for t in everything], 5.0)
        k = 0
        for code in sorted(towns):
            ts = towns[code]
            # A town is fit for a planted place when no other town is within 5 km.
            lonely = [i for i in range(len(ts)) if k + i not in crowded]
            k += len(ts)
            reserved = set(lonely[: max(4, len(lonely) // 2)])
            self.plant_towns[code] = [ts[i] for i in sorted(reserved)]
            self.random_towns[code] = [t for i, t in enumerate(ts) if i not in reserved]
        self.plan = Plan()
        self._stock = rooms.encode_jpeg(rooms.stock_image("Have a nice day!"), 88, None)

    # ------------------------------------------------------------ pure attributes
    def case_country(self, case_index: int) -> str:
        return COUNTRIES[_bits(self.seed, "case", case_index) % len(COUNTRIES)].code

    def case_id(self, case_index: int) -> str:
        return f"C-{self.case_country(case_index)}-{case_index + 1:06d}"

    def agency_id(self, case_index: int) -> str:
        return (
            f"AG-{self.case_country(case_index)}-{1 + _bits(self.seed, 'agency', case_index) % 2}"
        )

    def series(self, i: int) -> SeriesAttrs:
        b = _bits(self.seed, "series", i)
        case_index = i // SERIES_PER_CASE
        country = self.case_country(case_index)
        r = b % 100
        mode = "serial" if r < 55 else ("noserial" if r < 83 else "none")
        b //= 100
        if mode == "serial":
            make, model = vocab.CAMERA_MODELS[b % len(vocab.CAMERA_MODELS)]
            serial = str(1_000_000_000 + (i * 7_919_993 + self.seed * 31) % 8_999_999_999)
        else:
            make, model = (
                (vocab.CAMERA_MODELS + vocab.PHONE_MODELS)[b % 12]
                if mode == "none"
                else vocab.PHONE_MODELS[b % 4]
            )
            serial = ""
        b //= 16
        size = vocab.RESOLUTIONS[b % len(vocab.RESOLUTIONS)]
        b //= 8
        gps = None
        if mode != "none" and b % 4 == 0:
            pool = self.random_towns[country]
            t = pool[(b // 4) % len(pool)]
            gps = offset(t.lat, t.lon, (b >> 20) % 500 - 250, (b >> 30) % 500 - 250)
        b //= 1 << 40
        status = (
            ("unidentified", "unidentified", "victim_identified", "closed")[b % 4]
            if b % 3
            else "unidentified"
        )
        b //= 12
        start = BASE_DAY + timedelta(days=b % 2200, minutes=(b >> 12) % 600)
        views = 6 + (b >> 24) % 5
        attrs = SeriesAttrs(
            i,
            f"S-{i + 1:07d}",
            case_index,
            country,
            views,
            mode,
            make,
            model,
            serial,
            size,
            gps,
            status,
            start,
        )
        ov = self.plan.overrides.get(i)
        if ov:
            for k, v in ov.items():
                setattr(attrs, k, v)
            if attrs.mode == "none":
                attrs.gps = None
        return attrs

    def media_row(self, s: SeriesAttrs, k: int) -> dict:
        key = f"demo-large:{self.seed}:{s.index}:{k}"
        b = _bits(self.seed, "media", s.index, k)
        flat = k == s.views - 1 and s.index % 37 == 5
        if flat:  # near-uniform frame: look-alike hashes, low quality
            pdq = _flip(_bits("flat-pdq", 0) | (_bits("flat-pdq", 1) << 128), 256, b % 12, b)
            phash = _flip(_bits("flat-phash", 0) >> 64, 64, b % 5, b)
            quality = b % 30
        else:
            pdq = int(hashlib.sha256(("pdq:" + key).encode()).hexdigest(), 16)
            phash = _bits("phash", key) >> 64
            quality = 60 + b % 41
        w, h = s.size
        taken = s.start + timedelta(minutes=k * 2 + b % 2, seconds=(b >> 8) % 60)
        lat = lon = ""
        if s.gps is not None:
            la, lo = offset(s.gps[0], s.gps[1], (b >> 16) % 80 - 40, (b >> 24) % 80 - 40)
            lat, lon = f"{la:.6f}", f"{lo:.6f}"
        has_exif = s.mode != "none"
        return {
            "sha256": hashlib.sha256(key.encode()).hexdigest(),
            "md5": hashlib.md5(key.encode()).hexdigest(),
            "sha1": hashlib.sha1(key.encode()).hexdigest(),
            "pdq": f"{pdq:064x}",
            "pdq_quality": quality,
            "phash": f"{phash:016x}",
            "width": w,
            "height": h,
            "bytes": int(w * h * (0.18 + (b >> 32) % 100 / 400)),
            "mime": "image/jpeg",
            "file_name": f"IMG_{taken:%Y%m%d_%H%M%S}.jpg"
            if s.make in ("Apple", "samsung", "Xiaomi", "Google")
            else f"DSC_{(s.index * 13 + k) % 10000:04d}.JPG",
            "case_id": self.case_id(s.case_index),
            "series_id": s.id,
            "captured_at": taken.isoformat() if has_exif else "",
            "make": s.make if has_exif else "",
            "model": s.model if has_exif else "",
            "serial": s.serial if has_exif else "",
            "lat": lat,
            "lon": lon,
        }

    def stock_row(self, s: SeriesAttrs) -> dict:
        data = self._stock
        return {
            "sha256": hashlib.sha256(data).hexdigest(),
            "md5": hashlib.md5(data).hexdigest(),
            "sha1": hashlib.sha1(data).hexdigest(),
            "pdq": f"{_bits('stock-pdq', 0) | (_bits('stock-pdq', 1) << 128):064x}",
            "pdq_quality": 100,
            "phash": f"{_bits('stock-phash') >> 64:016x}",
            "width": 1024,
            "height": 768,
            "bytes": len(data),
            "mime": "image/jpeg",
            "file_name": "have_a_nice_day.jpg",
            "case_id": self.case_id(s.case_index),
            "series_id": s.id,
            "captured_at": "",
            "make": "",
            "model": "",
            "serial": "",
            "lat": "",
            "lon": "",
        }

    def near_dup_row(self, src: dict, s: SeriesAttrs, salt: int) -> dict:
        key = f"demo-large-nd:{self.seed}:{salt}"
        pdq = _flip(int(src["pdq"], 16), 256, 6 + salt % 18, salt)
        phash = _flip(int(src["phash"], 16), 64, salt % 6, salt)
        f = (50 + salt % 26) / 100
        return {
            **src,
            "sha256": hashlib.sha256(key.encode()).hexdigest(),
            "md5": hashlib.md5(key.encode()).hexdigest(),
            "sha1": hashlib.sha1(key.encode()).hexdigest(),
            "pdq": f"{pdq:064x}",
            "pdq_quality": 80 + salt % 21,
            "phash": f"{phash:016x}",
            "width": int(src["width"] * f),
            "height": int(src["height"] * f),
            "bytes": int(src["bytes"] * f * f * 0.7),
            "file_name": f"reshared_{salt % 100000:05d}.jpg",
            "case_id": self.case_id(s.case_index),
            "series_id": s.id,
            "captured_at": "",
            "make": "",
            "model": "",
            "serial": "",
            "lat": "",
            "lon": "",
        }

    # ------------------------------------------------------------ plants
    def plant(self) -> None:
        import random

        rng = random.Random(self.seed)
        per_kind = max(3, min(100, self.n_media // 10_000))
        limit = int(self.est_series * 0.8)
        used: set[int] = set()
        P = self.plan

        def pick(n: int) -> list[int]:
            chosen: list[int] = []
            tries = 0
            while len(chosen) < n:
                tries += 1
                if tries > 100_000:
                    raise RuntimeError("too few series for the planted links: use more media")
                i = rng.randrange(limit)
                if i in used or i % 37 == 5 or i % 50 == 7:
                    continue
                c = self.case_country(i // SERIES_PER_CASE)
                if any(self.case_country(j // SERIES_PER_CASE) == c for j in chosen):
                    continue
                chosen.append(i)
            used.update(chosen)
            return sorted(chosen)

        def sid(i: int) -> str:
            return f"S-{i + 1:07d}"

        def pair(ids: list[int], kind: str, note: str) -> None:
            for x in range(len(ids)):
                for y in range(x + 1, len(ids)):
                    a, b = ids[x], ids[y]
                    P.pairs.append(
                        {
                            "series_a": sid(a),
                            "series_b": sid(b),
                            "countries_a": [self.case_country(a // SERIES_PER_CASE)],
                            "countries_b": [self.case_country(b // SERIES_PER_CASE)],
                            "kinds": [kind],
                            "note": note,
                        }
                    )

        # Duplicate effort (kept away from the plants).
        for k in range(max(2, per_kind // 2)):
            i = pick(1)[0]
            c0 = i // SERIES_PER_CASE
            same = k % 2 == 1
            j = c0 + 1
            while (self.case_country(j) == self.case_country(c0)) != same:
                j += 1
            P.overrides.setdefault(i, {})["extra_cases"] = [j]
            P.dup_effort.append(
                {
                    "series_id": sid(i),
                    "case_ids": [self.case_id(c0), self.case_id(j)],
                    "countries": sorted({self.case_country(c0), self.case_country(j)}),
                    "same_country": same,
                }
            )
        for k in range(per_kind):
            a, b = pick(2)
            sa = self.series(a)
            serial = str(9_000_000_000 + k)
            P.overrides[a] = {
                "mode": "serial",
                "serial": serial,
                "make": "Canon",
                "model": "Canon EOS 2000D",
            }
            P.overrides[b] = {
                "mode": "serial",
                "serial": serial,
                "make": "Canon",
                "model": "Canon EOS 2000D",
                "size": sa.size,
            }
            pair([a, b], "same_camera", "the same camera body (serial) used in two countries")
        for _ in range(per_kind):
            a, b = pick(2)
            P.overrides[a] = {"status": "unidentified"}
            P.overrides[b] = {"status": "unidentified"}
            P.extra_victims.setdefault(b, []).append(a)
            pair([a, b], "same_victim", "the same child recorded by two countries")
        logos = list(vocab.RARE_LOGOS)
        for k in range(per_kind):
            trio = pick(3)
            label = (
                f"{logos[k % len(logos)]}{'' if k < len(logos) else f' {k // len(logos) + 1}'} logo"
            )
            for i in trio:
                P.clues.setdefault(i, []).append(("logo", label, ""))
            pair(trio, "shared_clue", f"rare poster logo '{label}' in three countries")

        def take_town() -> tuple[int, int, Town]:
            """Two series of different countries, and an unused lonely town of the first's."""
            while True:
                a, b = pick(2)
                for x, y in ((a, b), (b, a)):
                    pool = self.plant_towns[self.case_country(x // SERIES_PER_CASE)]
                    if pool:
                        return x, y, pool.pop()

        for _ in range(per_kind):
            a, b, t = take_town()
            pa = offset(t.lat, t.lon, rng.uniform(-150, 150), rng.uniform(-150, 150))
            pb = offset(pa[0], pa[1], rng.uniform(-300, 300), rng.uniform(-300, 300))
            for i, pt in ((a, pa), (b, pb)):
                ov = P.overrides.setdefault(i, {})
                ov["gps"] = pt
                if self.series(i).mode == "none":
                    ov.update(mode="noserial", make="Apple", model="iPhone 12", serial="")
            pair(sorted([a, b]), "same_location", f"geotags within 1 km near {t.hint}")
        for k in range(per_kind):
            a, b, t = take_town()
            P.clues.setdefault(a, []).append(
                ("text", f"receipt from a shop in {t.name} #{k}", t.hint)
            )
            P.clues.setdefault(b, []).append(
                ("object", f"tourist leaflet of {t.name} #{k}", t.hint)
            )
            pair(sorted([a, b]), "same_location", f"clues from both series point to {t.hint}")
        for k in range(per_kind):
            a, b = pick(2)
            handle = f"planted_{vocab.HANDLE_WORDS_A[k % 12]}_{k:04d}"
            plat = vocab.PLATFORMS[k % len(vocab.PLATFORMS)]
            for i in (a, b):
                P.accounts.setdefault(i, []).append((plat, handle))
            pair([a, b], "same_account", f"both shared by {plat}:{handle}")
        for k in range(per_kind):
            a, b = pick(2)
            P.overrides[a] = {"mode": "none"}
            P.extra_rows.setdefault(b, []).append(("copy", a, 0, k))
            pair([a, b], "same_media", "an identical file found in both countries")
        for k in range(per_kind * 3):
            a, b = pick(2)
            P.extra_rows.setdefault(b, []).append(("near_dup", a, 1, 10_000 + k))
            pair([a, b], "near_duplicate", "a re-shared copy (PDQ within 31 bits)")
        for k in range(max(2, per_kind // 2)):
            # Same-country decoy: two series of one country share a camera serial.
            i = pick(1)[0]
            c = self.case_country(i // SERIES_PER_CASE)
            j = i + 1 if (i + 1) // SERIES_PER_CASE == i // SERIES_PER_CASE else i - 1
            if j in used:
                continue
            used.add(j)
            serial = str(9_500_000_000 + k)
            for x in (i, j):
                P.overrides[x] = {
                    "mode": "serial",
                    "serial": serial,
                    "make": "SONY",
                    "model": "ILCE-6000",
                }
            a, b = sorted((i, j))
            P.same_country.append(
                {
                    "kind": "same_country",
                    "series_a": sid(a),
                    "series_b": sid(b),
                    "countries_a": [c],
                    "countries_b": [c],
                    "kinds": ["same_camera"],
                    "note": "linked, but one country holds both series: not cross-country",
                }
            )


def generate_large(
    out: Path, seed: int, n_media: int, *, progress: Progress | None = None
) -> WorldSummary:
    """Write the metadata-only world with exactly ``n_media`` rows in ``media_records.csv``."""
    if n_media < 1000:
        raise ValueError("a large world needs at least 1000 media records")
    _prepare_out(out)
    world = LargeWorld(seed, n_media)
    world.plant()
    P = world.plan
    files = {
        name: (out / f"{name}.csv").open("w", encoding="utf-8", newline="")
        for name in ("media_records", "cases", "series", "victims", "clues", "accounts")
    }
    cols = {
        "media_records": MEDIA_RECORD_COLUMNS,
        "cases": CASES_COLUMNS,
        "series": SERIES_COLUMNS,
        "victims": VICTIMS_COLUMNS,
        "clues": CLUES_COLUMNS,
        "accounts": ACCOUNTS_COLUMNS,
    }
    writers = {
        n: csv.DictWriter(f, fieldnames=cols[n], lineterminator="\n") for n, f in files.items()
    }
    for w in writers.values():
        w.writeheader()
    counts: Counter[str] = Counter()
    common: Counter[str] = Counter()
    models_without_serial: Counter[str] = Counter()
    flats: list[str] = []
    stock_series = 0
    stock_hashes: dict | None = None
    written_early: set[int] = set()
    n_rows = 0
    i = 0
    try:
        while n_rows < n_media:
            s = world.series(i)
            info = COUNTRY_BY_CODE[s.country]
            all_cases = [s.case_index] + list(s.extra_cases)
            for ci in all_cases:
                first = ci == s.case_index and i % SERIES_PER_CASE == 0
                early = ci != s.case_index and ci > s.case_index
                if (first and ci not in written_early) or (early and ci not in written_early):
                    if early:
                        written_early.add(ci)  # only the few cases of duplicate effort
                    c = world.case_country(ci)
                    opened = (
                        BASE_DAY + timedelta(days=400 + _bits(seed, "opened", ci) % 2400)
                    ).date()
                    writers["cases"].writerow(
                        {
                            "case_id": world.case_id(ci),
                            "title": f"Case {ci + 1} ({c})",
                            "agency_id": world.agency_id(ci),
                            "agency_name": f"Demo unit {world.agency_id(ci)}",
                            "country": c,
                            "status": "open" if _bits(seed, "st", ci) % 4 else "closed",
                            "opened": opened.isoformat(),
                        }
                    )
                    counts["cases"] += 1
            for ci in all_cases:
                writers["series"].writerow(
                    {
                        "series_id": s.id,
                        "name": f"Series {i + 1}",
                        "case_id": world.case_id(ci),
                        "status": s.status,
                    }
                )
            counts["series"] += 1
            rows = []
            for k in range(s.views):
                rows.append(world.media_row(s, k))
            for kind, src_i, k, salt in P.extra_rows.get(i, []):
                src = world.media_row(world.series(src_i), k)
                if kind == "copy":
                    rows.append({**src, "case_id": world.case_id(s.case_index), "series_id": s.id})
                else:
                    rows.append(world.near_dup_row(src, s, salt))
            if i % 50 == 7:
                rows.append(world.stock_row(s))
                stock_series += 1
            for ci in s.extra_cases:  # the other agency holds the first two files too
                rows.extend({**r, "case_id": world.case_id(ci)} for r in rows[:2])
            rows = rows[: n_media - n_rows]
            for r in rows:
                writers["media_records"].writerow(r)
                if r["pdq_quality"] < 50:
                    if len(flats) < 50:
                        flats.append(r["sha256"])
                    counts["flat"] += 1
                if r["file_name"] == "have_a_nice_day.jpg" and stock_hashes is None:
                    stock_hashes = {
                        "MD5": r["md5"],
                        "SHA1": r["sha1"],
                        "sha256": r["sha256"],
                        "bytes": r["bytes"],
                    }
            n_rows += len(rows)
            if s.mode == "noserial":
                models_without_serial[f"{s.make}|{s.model}"] += 1
            # victims
            vid_rows = [(i, s)] + [(a, world.series(a)) for a in P.extra_victims.get(i, [])]
            for vi, vs in vid_rows:
                ident = vs.status != "unidentified"
                writers["victims"].writerow(
                    {
                        "victim_id": f"V-{vi + 1:07d}",
                        "series_id": s.id,
                        "identified": "true" if ident else "false",
                        "identified_by": world.agency_id(vs.case_index) if ident else "",
                        "identified_at": (vs.start + timedelta(days=300)).date().isoformat()
                        if ident
                        else "",
                        "age_band": vocab.AGE_BANDS[vi % 4],
                        "sex": vocab.SEXES[vi % 3],
                    }
                )
                counts["victims"] += 1
            # clues
            analyst = f"analyst.{s.country.lower()}{world.agency_id(s.case_index)[-1]}"
            noted = (s.start + timedelta(days=200)).isoformat() + "Z"
            crow = [("fixture", vocab.SOCKET_LABELS[info.socket], "")]
            b = _bits(seed, "clues", i)
            if b % 10 < 3:
                crow.append(("fixture", vocab.WHITE_WALL, ""))
            if (b >> 4) % 10 < 3:
                crow.append(
                    ("product", f"{info.shops[(b >> 8) % len(info.shops)]} shopping bag", "")
                )
            if (b >> 12) % 10 == 0:
                pool = world.random_towns[s.country]
                t = pool[(b >> 16) % len(pool)]
                crow.append(("text", f"receipt from a shop in {t.hint}", t.hint))
            crow.extend(P.clues.get(i, []))
            for typ, label, hint in crow:
                if (typ, label) in (
                    ("fixture", vocab.WHITE_WALL),
                    ("fixture", vocab.SOCKET_LABELS[info.socket]),
                ):
                    common[f"{typ}:{label}"] += 1
                writers["clues"].writerow(
                    {
                        "target": s.id,
                        "target_kind": "series",
                        "type": typ,
                        "label": label,
                        "location_hint": hint,
                        "confidence": "0.80",
                        "analyst": analyst,
                        "noted_at": noted,
                    }
                )
                counts["clues"] += 1
            accs = list(P.accounts.get(i, []))
            if (b >> 40) % 5 == 0:
                accs.append(
                    (
                        vocab.PLATFORMS[(b >> 44) % 5],
                        f"{vocab.HANDLE_WORDS_A[(b >> 48) % 12]}_"
                        f"{vocab.HANDLE_WORDS_B[(b >> 52) % 12]}_{i:x}",
                    )
                )
            for n, (plat, handle) in enumerate(accs):
                # Planted handles are on the first file; everyday ones on the second, never
                # on a file that another series copies (so no link leaks through it).
                k = 0 if n < len(P.accounts.get(i, [])) else 1
                if k < len(rows):
                    writers["accounts"].writerow(
                        {
                            "target": rows[k]["sha256"],
                            "platform": plat,
                            "handle": handle,
                            "seen_at": noted,
                        }
                    )
                    counts["accounts"] += 1
            i += 1
            if progress and (i % 500 == 0 or n_rows >= n_media):
                progress("writing media records", n_rows, n_media)
    finally:
        for f in files.values():
            f.close()
    n_series = i
    pairs = [
        p for p in P.pairs if _index(p["series_a"]) < n_series and _index(p["series_b"]) < n_series
    ]
    (out / "hashsets").mkdir(exist_ok=True)
    if stock_hashes:
        vics_media = [
            {
                "MediaID": 1,
                "Category": 5,
                "MD5": stock_hashes["MD5"].upper(),
                "SHA1": stock_hashes["SHA1"].upper(),
                "MediaSize": stock_hashes["bytes"],
                "Series": "",
                "VictimIdentified": False,
                "OffenderIdentified": False,
                "IsDistributed": True,
                "Tags": ["non-pertinent", "stock", "demo"],
            }
        ]
    else:
        vics_media = []
    _dump_json(
        out / "hashsets" / "vics_known_benign.json",
        {
            "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml/$metadata#Cases",
            "value": [{"CaseID": "DEMO-KNOWN-BENIGN", "CaseNumber": "demo", "Media": vics_media}],
        },
    )
    decoys: list[dict] = [
        {
            "kind": "common_clue",
            "type": k.split(":", 1)[0],
            "label": k.split(":", 1)[1],
            "series_count": v,
            "note": "seen in many series",
        }
        for k, v in sorted(common.items())
    ]
    decoys.append(
        {
            "kind": "flat_image",
            "count": counts["flat"],
            "media_examples": flats,
            "note": "pdq_quality below 50, look-alike pHash",
        }
    )
    decoys.extend(
        {
            "kind": "camera_model_without_serial",
            "camera": k,
            "series_count": v,
            "note": "same make and model, no serial",
        }
        for k, v in sorted(models_without_serial.items())
    )
    if stock_hashes:
        decoys.append(
            {
                "kind": "non_pertinent_media",
                "sha256": stock_hashes["sha256"],
                "series_count": stock_series,
                "note": "category 5 in hashsets/: never a link",
            }
        )
    decoys.extend(d for d in P.same_country if _index(d["series_b"]) < n_series)
    truth = {
        "generator": GENERATOR,
        "seed": seed,
        "size": "large",
        "media": n_media,
        "pairs": pairs,
        "duplicate_effort": [d for d in P.dup_effort if _index(d["series_id"]) < n_series],
        "scenario": {
            "id": "scale",
            "title": "Metadata-only world for scale benchmarks",
            "note": "no image files; load media_records.csv; planted pairs as in the small world",
        },
        "decoys": decoys,
        "counts": {
            "series": n_series,
            "cases": counts["cases"],
            "media_records": n_rows,
            "pairs": len(pairs),
        },
        "notes": [
            "same-country coincidences (same town, same shop) are not enumerated in the large world",
            "random 64-bit pHashes match by chance at distance <= 8 about once per 3e9 pairs: expected look-alikes",
        ],
    }
    _dump_json(out / "truth.json", truth)
    kinds = Counter(k for p in pairs for k in p["kinds"])
    (out / "README.md").write_text(
        "\n".join(
            [
                f"# ClueGraph demo world (seed {seed}, size large, {n_media} media records)",
                "",
                "Metadata only: `media_records.csv` has one row per media (no image files), with",
                "`cases.csv`, `series.csv`, `victims.csv`, `clues.csv`, `accounts.csv`, `hashsets/` and `truth.json`.",
                f"Generated by `cluegraph demo generate --seed {seed} --size large --media {n_media} OUT`.",
                "",
                f"- series: {n_series}; cases: {counts['cases']}; planted cross-country pairs: {len(pairs)}",
                "- pairs by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())),
                "",
            ]
        ),
        encoding="utf-8",
    )
    return WorldSummary(
        out=out,
        seed=seed,
        size="large",
        countries=len(COUNTRIES),
        agencies=len({f"AG-{c.code}-{k}" for c in COUNTRIES for k in (1, 2)}),
        cases=counts["cases"],
        series=n_series,
        media_files=0,
        media_records=n_rows,
        victims=counts["victims"],
        clues=counts["clues"],
        accounts=counts["accounts"],
        pairs=len(pairs),
        pairs_by_kind=dict(sorted(kinds.items())),
        decoys=len(decoys),
    )


def _index(series_id: str) -> int:
    return int(series_id.split("-")[1]) - 1


__all__ = ["MEDIA_RECORD_COLUMNS", "generate_large", "json"]
