"""The scenario model of the synthetic world: who investigates what, and the planted links.

:func:`plan_world` decides everything (countries, agencies, cases, series, cameras,
victims, accounts, clues, the planted cross-country links, the decoys and the trainer
scenario) from one seed, without drawing a pixel. The writer then draws and writes it.
"""

# ruff: noqa: E501  (scenario, README and truth texts are prose: long strings read better whole)

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from . import vocab
from .places import Town, offset, towns_by_country
from .rooms import NEAR_DUP_TRANSFORMS
from .vocab import COUNTRIES, COUNTRY_BY_CODE, CountryInfo

#: The fixed "today" of the world: no date comes from the wall clock.
WORLD_TODAY = date(2024, 6, 30)

SCENARIO_LOGO = "Kestrel Kites"


@dataclass(frozen=True, slots=True)
class SizeConfig:
    name: str
    series_per_country: tuple[int, int]
    views: tuple[int, int]
    same_media: int
    near_duplicate: int
    same_camera: int
    same_victim: int
    logo_trios: int
    same_location_gps: int
    same_location_hint: int
    same_account: int
    dup_effort_cross: int
    dup_effort_same: int
    same_country_decoys: int


SIZES: dict[str, SizeConfig] = {
    # "tiny" is for the unit tests: every kind of link and decoy, as few images as possible.
    "tiny": SizeConfig("tiny", (1, 2), (2, 3), 1, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1),
    "small": SizeConfig("small", (3, 5), (4, 5), 2, 9, 2, 2, 1, 1, 1, 2, 2, 1, 2),
    "medium": SizeConfig("medium", (26, 34), (6, 8), 12, 45, 12, 12, 5, 6, 6, 12, 10, 6, 8),
}


@dataclass(slots=True)
class Agency:
    id: str
    name: str
    country: str
    analyst: str


@dataclass(slots=True)
class Case:
    id: str
    title: str
    agency: Agency
    status: str
    opened: date

    @property
    def country(self) -> str:
        return self.agency.country


@dataclass(slots=True)
class Camera:
    make: str
    model: str
    serial: str
    size: tuple[int, int]
    quality: int


@dataclass(slots=True)
class Victim:
    id: str
    identified: bool
    identified_by: str
    identified_at: str
    age_band: str
    sex: str


@dataclass(slots=True)
class ClueRow:
    series_id: str
    target_view: int | None  # None: the clue is on the series; else on that view's file
    type: str
    label: str
    location_hint: str
    confidence: float
    analyst: str
    noted_at: str


@dataclass(slots=True)
class AccountRow:
    series_id: str
    view: int
    platform: str
    handle: str
    seen_at: str


@dataclass(slots=True)
class Series:
    index: int
    id: str = ""
    name: str = ""
    cases: list[Case] = field(default_factory=list)
    status: str = "unidentified"
    room_country: str = ""
    room_seed: int = 0
    exif_mode: str = "serial"  # serial | noserial | none
    camera: Camera | None = None
    gps_anchor: tuple[float, float] | None = None
    gps_town: Town | None = None
    n_views: int = 4
    start: datetime = datetime(2020, 1, 1)
    victims: list[Victim] = field(default_factory=list)
    white_wall: bool = False
    logos: list[str] = field(default_factory=list)
    shop: str = ""
    flat_decoy: bool = False
    stock: list[str] = field(default_factory=list)
    uses: int = 0  # how many plants involve it (to spread plants)

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(sorted({c.country for c in self.cases}))

    @property
    def primary_case(self) -> Case:
        return self.cases[0]


@dataclass(slots=True)
class Plant:
    kind: str
    series: tuple[str, ...]
    note: str
    detail: dict = field(default_factory=dict)


@dataclass(slots=True)
class World:
    seed: int
    size: SizeConfig
    agencies: list[Agency]
    cases: list[Case]
    series: list[Series]
    clues: list[ClueRow]
    accounts: list[AccountRow]
    plants: list[Plant]
    copies: list[tuple[str, int, str, str]]  # (src series, view, dst series, dst case)
    near_dups: list[
        tuple[str, int, str, str, str]
    ]  # (src series, view, dst series, transform, note)
    stock_names: list[str]
    scenario: dict
    same_country_plants: list[Plant]
    #: Rooms photographed from several angles in several series (scene3d), the rooms that
    #: share a mass-market product, and the sign pictures: see :func:`_plan_visual`.
    visual: dict = field(default_factory=dict)

    def series_by_id(self) -> dict[str, Series]:
        return {s.id: s for s in self.series}


def _date_iso(d: date | datetime) -> str:
    return d.isoformat()


class _Planner:
    def __init__(self, seed: int, size: SizeConfig) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.size = size
        towns = towns_by_country()
        self.gps_pool: dict[str, list[Town]] = {}
        self.hint_pool: dict[str, list[Town]] = {}
        for code, ts in towns.items():
            lst = list(ts)
            self.rng.shuffle(lst)
            half = len(lst) // 2
            self.gps_pool[code] = lst[:half]
            self.hint_pool[code] = lst[half:]
        self.used_gps: list[Town] = []
        self.serials: set[str] = set()
        self.handles: set[str] = set()

    # ---- small helpers
    def town_for_gps(self, code: str) -> Town:
        from .places import haversine_km

        pool = self.gps_pool[code]
        while pool:
            t = pool.pop()
            if all(
                haversine_km(t.lat, t.lon, u.lat, u.lon) > 3.0
                for u in self.used_gps
                if u.country == code
            ):
                self.used_gps.append(t)
                return t
        raise RuntimeError(f"out of towns for GPS in {code}")

    def town_for_hint(self, code: str) -> Town:
        return self.hint_pool[code].pop()

    def serial(self) -> str:
        while True:
            s = "".join(self.rng.choice("0123456789") for _ in range(self.rng.choice((8, 10, 12))))
            if s not in self.serials and s[0] != "0":
                self.serials.add(s)
                return s

    def handle(self) -> str:
        while True:
            first = self.rng.choice(vocab.HANDLE_WORDS_A)
            second = self.rng.choice(vocab.HANDLE_WORDS_B)
            h = f"{first}_{second}{self.rng.randint(10, 9999)}"
            if h not in self.handles:
                self.handles.add(h)
                return h

    def camera(self, mode: str) -> Camera | None:
        if mode == "none":
            make, model = self.rng.choice(vocab.CAMERA_MODELS + vocab.PHONE_MODELS)
            serial = ""
        elif mode == "noserial":
            make, model = self.rng.choice(vocab.PHONE_MODELS)
            serial = ""
        else:
            make, model = self.rng.choice(vocab.CAMERA_MODELS)
            serial = self.serial()
        return Camera(
            make, model, serial, self.rng.choice(vocab.RESOLUTIONS), self.rng.randint(78, 95)
        )


def plan_world(seed: int = 7, size: str = "small") -> World:
    """Decide the whole world (no pixels) from ``seed``: same seed, same world."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)} (large is written by large.py)")
    cfg = SIZES[size]
    p = _Planner(seed, cfg)
    rng = p.rng

    # ---- agencies and series per country
    agencies: list[Agency] = []
    per_country_agencies: dict[str, list[Agency]] = {}
    for c in COUNTRIES:
        n = rng.randint(1, 3)
        if c.code in ("GB", "US", "DE", "BR"):
            n = max(n, 2)  # same-country duplicate effort needs two agencies
        towns = towns_by_country()[c.code]
        lst = []
        for k in range(n):
            city = towns[rng.randrange(len(towns))].name
            unit = c.units[k % len(c.units)]
            ag = Agency(
                f"AG-{c.code}-{k + 1}",
                f"{unit} {city} (demo)",
                c.code,
                f"analyst.{c.code.lower()}{k + 1}",
            )
            lst.append(ag)
            agencies.append(ag)
        per_country_agencies[c.code] = lst

    series: list[Series] = []
    cases: list[Case] = []
    case_no: dict[str, int] = {}
    for c in COUNTRIES:
        n_series = rng.randint(*cfg.series_per_country)
        remaining = n_series
        while remaining > 0:
            agency = rng.choice(per_country_agencies[c.code])
            case_no[c.code] = case_no.get(c.code, 0) + 1
            opened = WORLD_TODAY - timedelta(days=rng.randint(60, 5 * 365))
            origin = rng.choice(
                (
                    "Seizure",
                    "Platform report",
                    "Proactive monitoring",
                    "Referral",
                    "Forensic extraction",
                )
            )
            town = towns_by_country()[c.code][rng.randrange(len(towns_by_country()[c.code]))].name
            case = Case(
                id=f"C-{c.code}-{case_no[c.code]:03d}",
                title=f"{origin} {town} {opened.year}",
                agency=agency,
                status=rng.choice(("open", "open", "open", "closed")),
                opened=opened,
            )
            cases.append(case)
            k = min(remaining, rng.randint(1, 3))
            for _ in range(k):
                s = Series(index=len(series), cases=[case], room_country=c.code)
                series.append(s)
            remaining -= k

    # Shuffle so that ids do not reveal the country, then number.
    rng.shuffle(series)
    victim_no = 0
    names_used: set[str] = set()
    for i, s in enumerate(series):
        s.index = i
        s.id = f"S-{i + 1:04d}"
        nm = f"{rng.choice(vocab.SERIES_ADJ)} {rng.choice(vocab.SERIES_NOUN)}"
        k = 2
        while nm in names_used:
            nm = f"{nm.rsplit(' #', 1)[0]} #{k}"
            k += 1
        names_used.add(nm)
        s.name = nm
        case = s.primary_case
        s.room_seed = rng.getrandbits(48)
        mode_r = rng.random()
        s.exif_mode = "serial" if mode_r < 0.55 else ("noserial" if mode_r < 0.83 else "none")
        s.camera = p.camera(s.exif_mode)
        if s.exif_mode != "none" and rng.random() < 0.3:
            t = p.town_for_gps(s.room_country)
            s.gps_town, s.gps_anchor = (
                t,
                offset(t.lat, t.lon, rng.uniform(-300, 300), rng.uniform(-300, 300)),
            )
        s.n_views = rng.randint(*cfg.views)
        s.start = datetime.combine(
            case.opened - timedelta(days=rng.randint(20, 700)), datetime.min.time()
        ) + timedelta(hours=rng.randint(8, 21), minutes=rng.randint(0, 59))
        r = rng.random()
        s.status = "unidentified" if r < 0.65 else ("victim_identified" if r < 0.9 else "closed")
        for _ in range(1 if rng.random() < 0.7 else 2):
            victim_no += 1
            ident = s.status != "unidentified"
            s.victims.append(
                Victim(
                    id=f"V-{victim_no:04d}",
                    identified=ident,
                    identified_by=case.agency.id if ident else "",
                    identified_at=_date_iso(case.opened + timedelta(days=rng.randint(10, 300)))
                    if ident
                    else "",
                    age_band=rng.choice(vocab.AGE_BANDS),
                    sex=rng.choice(vocab.SEXES),
                )
            )
        s.white_wall = rng.random() < 0.3
        s.shop = rng.choice(COUNTRY_BY_CODE[s.room_country].shops)
        s.flat_decoy = rng.random() < 0.22
    by_id = {s.id: s for s in series}

    plants: list[Plant] = []
    same_country_plants: list[Plant] = []
    copies: list[tuple[str, int, str, str]] = []
    near_dups: list[tuple[str, int, str, str, str]] = []
    clues: list[ClueRow] = []
    accounts: list[AccountRow] = []
    reserved: set[str] = set()  # scenario and duplicate-effort series stay out of other plants

    def pick(n: int, pred=lambda s: True, disjoint: bool = True) -> list[Series]:
        cands = [s for s in series if s.id not in reserved and len(s.cases) == 1 and pred(s)]
        keyed = sorted(cands, key=lambda s: (s.uses, rng.random()))
        chosen: list[Series] = []
        for s in keyed:
            if disjoint and any(set(s.countries) & set(c.countries) for c in chosen):
                continue
            if disjoint and any(s.room_country == c.room_country for c in chosen):
                continue
            chosen.append(s)
            if len(chosen) == n:
                for c in chosen:
                    c.uses += 1
                return chosen
        raise RuntimeError(f"cannot pick {n} series of different countries")

    def clue_time(s: Series, days: int = 0) -> str:
        case = s.cases[-1]
        t = datetime.combine(case.opened, datetime.min.time()) + timedelta(
            days=days + rng.randint(1, 40), hours=rng.randint(8, 18)
        )
        return t.isoformat() + "Z"

    # ---- the trainer scenario: a Dutch series shot in a British room
    nl = [s for s in series if s.countries == ("NL",)]
    gb = [s for s in series if s.countries == ("GB",)]
    au = [s for s in series if s.countries == ("AU",)]
    sx, sy, sz = nl[0], gb[0], au[0]
    reserved.update({sx.id, sy.id, sz.id})
    sx.room_country = "GB"
    sx.status = "unidentified"
    for victim in sx.victims:
        victim.identified, victim.identified_by, victim.identified_at = False, "", ""
    sy.exif_mode = "serial"
    sy.camera = p.camera("serial")
    assert sy.camera is not None
    sx.exif_mode = "serial"
    sx.camera = Camera(
        sy.camera.make, sy.camera.model, sy.camera.serial, sy.camera.size, sy.camera.quality
    )
    sx.gps_anchor, sx.gps_town = None, None
    scen_town = p.town_for_gps("GB")
    sy.gps_town = scen_town
    sy.gps_anchor = offset(
        scen_town.lat, scen_town.lon, rng.uniform(-250, 250), rng.uniform(-250, 250)
    )
    sy.status = "victim_identified"
    for victim in sy.victims:
        victim.identified, victim.identified_by = True, sy.primary_case.agency.id
        victim.identified_at = _date_iso(sy.primary_case.opened + timedelta(days=90))
    sx.shop = "Hartley's Corner Shop"
    sx.flat_decoy = sy.flat_decoy = sz.flat_decoy = False
    for s in (sx, sy, sz):
        s.logos.append(SCENARIO_LOGO)
        clues.append(
            ClueRow(
                s.id,
                0,
                "logo",
                f"{SCENARIO_LOGO} logo",
                "",
                0.8,
                s.primary_case.agency.analyst,
                clue_time(s),
            )
        )
    clues.append(
        ClueRow(
            sy.id,
            None,
            "text",
            f"receipt from {sy.shop}, {scen_town.name}",
            scen_town.hint,
            0.9,
            sy.primary_case.agency.analyst,
            clue_time(sy),
        )
    )
    plants.append(
        Plant(
            "same_camera",
            (sx.id, sy.id),
            "scenario: the Dutch series was shot with the British camera",
            {"serial": sy.camera.serial},
        )
    )
    plants.append(
        Plant(
            "shared_clue",
            (sx.id, sy.id, sz.id),
            f"scenario: '{SCENARIO_LOGO}' poster in three countries",
            {"label": f"{SCENARIO_LOGO} logo"},
        )
    )

    # ---- duplicate effort: one series, two agencies (other country / same country)
    dup_effort: list[dict] = []
    for k in range(cfg.dup_effort_cross + cfg.dup_effort_same):
        same = k >= cfg.dup_effort_cross
        cand = [s for s in series if s.id not in reserved and len(s.cases) == 1]
        if same:
            cand = [s for s in cand if len(per_country_agencies[s.countries[0]]) > 1]
        s = cand[rng.randrange(len(cand))]
        home = s.primary_case
        if same:
            other_cases = [
                c for c in cases if c.country == home.country and c.agency.id != home.agency.id
            ]
        else:
            other_cases = [c for c in cases if c.country != home.country]
        if other_cases:
            c2 = other_cases[rng.randrange(len(other_cases))]
        else:  # the other agency of the country opens a case of its own
            others = [a for a in per_country_agencies[home.country] if a.id != home.agency.id]
            case_no[home.country] += 1
            opened = home.opened + timedelta(days=rng.randint(30, 400))
            c2 = Case(
                id=f"C-{home.country}-{case_no[home.country]:03d}",
                title=f"Referral {opened.year} ({s.name})",
                agency=others[rng.randrange(len(others))],
                status="open",
                opened=min(opened, WORLD_TODAY),
            )
            cases.append(c2)
        s.cases.append(c2)
        reserved.add(s.id)
        dup_effort.append(
            {
                "series_id": s.id,
                "case_ids": [home.id, c2.id],
                "countries": sorted({home.country, c2.country}),
                "same_country": same,
            }
        )

    # ---- same-country decoys: strong evidence, but one country owns both series
    for k in range(cfg.same_country_decoys):
        cand = []
        for step in range(len(COUNTRIES)):
            code = COUNTRIES[(k * 5 + seed + step) % len(COUNTRIES)].code
            cand = [s for s in series if s.countries == (code,) and s.id not in reserved]
            if len(cand) >= 2:
                break
        if len(cand) < 2:
            break
        rng.shuffle(cand)
        a, b = sorted(cand[:2], key=lambda s: s.id)
        reserved.update({a.id, b.id})
        if k % 2 == 0:
            a.exif_mode, b.exif_mode = "serial", "serial"
            a.camera = p.camera("serial")
            assert a.camera is not None
            b.camera = Camera(
                a.camera.make, a.camera.model, a.camera.serial, a.camera.size, a.camera.quality
            )
            same_country_plants.append(
                Plant("same_camera", (a.id, b.id), f"same camera, both series held in {code}")
            )
        else:
            h, plat = p.handle(), rng.choice(vocab.PLATFORMS)
            for s in (a, b):
                accounts.append(
                    AccountRow(s.id, rng.randrange(s.n_views - 1), plat, h, clue_time(s, 30))
                )
            same_country_plants.append(
                Plant("same_account", (a.id, b.id), f"same account, both series held in {code}")
            )

    # ---- planted cross-country links
    logos = [lg for lg in vocab.RARE_LOGOS if lg != SCENARIO_LOGO]
    cam_locked: set[str] = set()
    gps_locked: set[str] = set()
    for _ in range(cfg.same_camera):
        a, b = pick(2, lambda s: s.id not in cam_locked)
        cam_locked.update({a.id, b.id})
        a.exif_mode = "serial"
        a.camera = p.camera("serial")
        assert a.camera is not None
        b.exif_mode = "serial"
        b.camera = Camera(
            a.camera.make,
            a.camera.model,
            a.camera.serial,
            b.camera.size if b.camera else a.camera.size,
            a.camera.quality,
        )
        plants.append(
            Plant(
                "same_camera",
                (a.id, b.id),
                "the same camera body (serial) used in two countries",
                {"serial": a.camera.serial},
            )
        )
    for _ in range(cfg.same_victim):
        a, b = pick(2, lambda s: s.status == "unidentified")
        vic = a.victims[0]
        b.victims.append(
            Victim(
                vic.id, vic.identified, vic.identified_by, vic.identified_at, vic.age_band, vic.sex
            )
        )
        plants.append(
            Plant(
                "same_victim",
                (a.id, b.id),
                "the same child recorded by two countries",
                {"victim_id": vic.id},
            )
        )
    for k in range(cfg.logo_trios):
        trio = pick(3)
        logo = logos[k % len(logos)]
        for s in trio:
            s.logos.append(logo)
            clues.append(
                ClueRow(
                    s.id,
                    0,
                    "logo",
                    f"{logo} logo",
                    "",
                    0.75,
                    s.primary_case.agency.analyst,
                    clue_time(s),
                )
            )
        plants.append(
            Plant(
                "shared_clue",
                tuple(s.id for s in trio),
                f"rare poster logo '{logo}' in three countries",
                {"label": f"{logo} logo"},
            )
        )
    for _ in range(cfg.same_location_gps):
        a, b = pick(2, lambda s: s.id not in gps_locked)
        gps_locked.update({a.id, b.id})
        if a.exif_mode == "none":
            a.exif_mode, a.camera = "noserial", p.camera("noserial")
        if b.exif_mode == "none":
            b.exif_mode, b.camera = "noserial", p.camera("noserial")
        t = p.town_for_gps(a.room_country)
        a.gps_town, a.gps_anchor = (
            t,
            offset(t.lat, t.lon, rng.uniform(-200, 200), rng.uniform(-200, 200)),
        )
        b.gps_town, b.gps_anchor = (
            t,
            offset(
                a.gps_anchor[0], a.gps_anchor[1], rng.uniform(-250, 250), rng.uniform(-250, 250)
            ),
        )
        b.room_country = a.room_country  # the same holiday flat
        plants.append(
            Plant(
                "same_location",
                (a.id, b.id),
                f"geotags within 1 km near {t.hint}",
                {"place": t.hint},
            )
        )
    for _ in range(cfg.same_location_hint):
        a, b = pick(2)
        t = p.town_for_hint(a.room_country)
        clues.append(
            ClueRow(
                a.id,
                None,
                "text",
                f"receipt from {a.shop}, {t.name}",
                t.hint,
                0.85,
                a.primary_case.agency.analyst,
                clue_time(a),
            )
        )
        clues.append(
            ClueRow(
                b.id,
                None,
                "object",
                f"tourist leaflet of {t.name}",
                t.hint,
                0.7,
                b.primary_case.agency.analyst,
                clue_time(b),
            )
        )
        plants.append(
            Plant(
                "same_location",
                (a.id, b.id),
                f"clues from both series point to {t.hint}",
                {"place": t.hint},
            )
        )
    for _ in range(cfg.same_account):
        a, b = pick(2)
        h = p.handle()
        plat = rng.choice(vocab.PLATFORMS)
        for s in (a, b):
            accounts.append(
                AccountRow(s.id, rng.randrange(s.n_views - 1), plat, h, clue_time(s, 30))
            )
        plants.append(
            Plant(
                "same_account",
                (a.id, b.id),
                f"both shared by {plat}:{h}",
                {"account": f"{plat}:{h}"},
            )
        )
    for _ in range(cfg.same_media):
        a, b = pick(
            2, lambda s: s.gps_anchor is None and s.exif_mode != "serial" and s.id not in cam_locked
        )
        v = a.n_views - 1  # the last view carries no clue and no account
        copies.append((a.id, v, b.id, b.primary_case.id))
        plants.append(
            Plant("same_media", (a.id, b.id), "an identical file found in both countries", {})
        )
    for k in range(cfg.near_duplicate):
        a, b = pick(2)
        tr = NEAR_DUP_TRANSFORMS[k % len(NEAR_DUP_TRANSFORMS)]
        v = rng.randrange(a.n_views)
        near_dups.append((a.id, v, b.id, tr, ""))
        plants.append(
            Plant(
                "near_duplicate",
                (a.id, b.id),
                f"a re-shared copy ({tr.replace('_', ' ')})",
                {"transform": tr},
            )
        )

    # ---- every kind of decoy exists, whatever the seed and size
    flat_countries = {s.countries for s in series if s.flat_decoy}
    for s in sorted(series, key=lambda s: s.room_seed):
        if len(flat_countries) >= 4:
            break
        if s.id not in (sx.id, sy.id, sz.id) and s.countries not in flat_countries:
            s.flat_decoy = True
            flat_countries.add(s.countries)
    phones = [s for s in series if s.exif_mode != "serial" and s.id not in reserved]
    phones.sort(key=lambda s: s.room_seed)
    twins = [phones[0]] if phones else []
    for s in phones[1:]:
        if twins and s.countries != twins[0].countries:
            twins.append(s)
            break
    for s in twins if len(twins) == 2 else []:
        old = s.camera
        assert old is not None
        s.exif_mode = "noserial"
        s.camera = Camera("Apple", "iPhone 12", "", old.size, old.quality)

    # ---- everyday clues and accounts
    for s in series:
        analyst = s.primary_case.agency.analyst
        room = COUNTRY_BY_CODE[s.room_country]
        clues.append(
            ClueRow(
                s.id, 0, "fixture", vocab.SOCKET_LABELS[room.socket], "", 0.9, analyst, clue_time(s)
            )
        )
        if s.white_wall:
            clues.append(
                ClueRow(s.id, None, "fixture", vocab.WHITE_WALL, "", 0.5, analyst, clue_time(s))
            )
        if s.room_country in s.countries and rng.random() < 0.4:
            clues.append(
                ClueRow(
                    s.id,
                    0,
                    "product",
                    f"{s.shop} shopping bag",
                    "",
                    0.7,
                    analyst,
                    clue_time(s),
                )
            )
        if s.id not in (sx.id, sy.id) and s.room_country in s.countries and rng.random() < 0.25:
            t = p.town_for_hint(s.room_country)
            clues.append(
                ClueRow(
                    s.id,
                    None,
                    "text",
                    f"receipt from {s.shop}, {t.name}",
                    t.hint,
                    0.8,
                    analyst,
                    clue_time(s),
                )
            )
        if rng.random() < 0.35:
            accounts.append(
                AccountRow(
                    s.id,
                    rng.randrange(s.n_views - 1),
                    rng.choice(vocab.PLATFORMS),
                    p.handle(),
                    clue_time(s, 30),
                )
            )

    # ---- non-pertinent stock pictures (VICS category 5): everywhere, never a link
    stock_names = ["Have a nice day!", "Bonne journée !", "Phone charger 20W"]
    spread = pick(min(6, len(COUNTRIES)), lambda s: s.id not in (sx.id,), disjoint=True)
    for s in spread:
        s.stock.append(stock_names[0])
    for name in stock_names[1:]:
        for s in pick(2, disjoint=True):
            s.stock.append(name)

    scenario = _scenario(sx, sy, sz, scen_town, near_dups)
    world = World(
        seed=seed,
        size=cfg,
        agencies=agencies,
        cases=cases,
        series=sorted(series, key=lambda s: s.id),
        clues=clues,
        accounts=accounts,
        plants=plants,
        copies=copies,
        near_dups=near_dups,
        stock_names=stock_names,
        scenario=scenario,
        same_country_plants=same_country_plants,
    )
    world.scenario["duplicate_effort"] = dup_effort
    world.visual = _plan_visual(seed, world.series, reserved | {sx.id, sy.id, sz.id})
    plants.extend(
        Plant(
            "same_scene",
            tuple(sorted({sid for sid, _ in r["views"]})),
            f"the same room seen from other angles in {len(r['countries'])} countries",
            {"room": r["room"]},
        )
        for r in world.visual["rooms"]
        if r["kind"] != "shared_product"
    )
    _ = by_id
    return world


#: Visual rooms of the demo (loaders/demo/scene3d.py): (kind, how many series of as many
#: countries). Every size gets the same few, so the visual pass stays quick.
VISUAL_ROOMS = (("three_country", 3), ("two_country", 2))
#: Photos of a visual room each of its series holds (other angles, light, occluders).
SCENE_VIEWS_PER_SERIES = 2
#: The mass-market poster two different rooms share (scene3d product id).
SHARED_POSTER = 4242
#: Languages of the sign pictures (loaders/demo/signs.py), one per visual series group.
SIGN_LANGUAGES = ("pl", "el", "pt")


def _plan_visual(seed: int, series: list[Series], reserved: set[str]) -> dict:
    """Which series hold photos of which scene3d room, the product rooms and the signs.

    Uses its own random stream, so that the rest of the world is the same as without it.
    A three-country room and a two-country room are each photographed twice in each of
    their series (different countries, same room: ``same_scene``); two different rooms
    with the same poster are photographed in two series of two countries (a
    ``shared_object``, never a ``same_scene``); three series get a photo of a sign.
    """
    vr = random.Random(f"visual:{seed}")
    cands = sorted(
        (s for s in series if s.id not in reserved and len(s.cases) == 1), key=lambda s: s.id
    )
    vr.shuffle(cands)
    used: set[str] = set()

    def take(n: int) -> list[Series]:
        chosen: list[Series] = []
        for s in cands:
            if s.id in used or any(set(s.countries) & set(c.countries) for c in chosen):
                continue
            chosen.append(s)
            if len(chosen) == n:
                used.update(c.id for c in chosen)
                return chosen
        raise RuntimeError(f"cannot pick {n} series of different countries for the visual rooms")

    base = 7000 + (seed % 1000) * 10  # scene3d room ids of this world
    rooms: list[dict] = []
    for k, (kind, n) in enumerate(VISUAL_ROOMS):
        group = take(n)
        rooms.append(
            {
                "room": base + k,
                "kind": kind,
                "hard": False,
                "products": {},
                "views": [
                    (s.id, i * SCENE_VIEWS_PER_SERIES + v)
                    for i, s in enumerate(group)
                    for v in range(SCENE_VIEWS_PER_SERIES)
                ],
                "countries": sorted({c for s in group for c in s.countries}),
            }
        )
    for k, s in enumerate(take(2)):
        rooms.append(
            {
                "room": base + len(VISUAL_ROOMS) + k,
                "kind": "shared_product",
                "hard": False,
                "products": {"poster": SHARED_POSTER},
                "views": [(s.id, v) for v in range(SCENE_VIEWS_PER_SERIES)],
                "countries": list(s.countries),
            }
        )
    holders = [rooms[0]["views"][0][0], rooms[1]["views"][0][0], rooms[2]["views"][0][0]]
    signs = [
        {"series_id": sid, "lang": lang, "seed": seed * 100 + k}
        for k, (sid, lang) in enumerate(zip(holders, SIGN_LANGUAGES, strict=True))
    ]
    return {"rooms": rooms, "signs": signs}


def _scenario(sx: Series, sy: Series, sz: Series, town: Town, near_dups: list) -> dict:
    cx: CountryInfo = COUNTRY_BY_CODE[sx.countries[0]]
    assert sy.camera is not None
    the = "the " if cx.name.startswith(("United", "Netherlands", "Philippines")) else ""
    return {
        "id": "where-was-it-taken",
        "title": f"A series held in {the}{cx.name} but shot elsewhere: find where it was taken",
        "brief": (
            f"The unit {sx.primary_case.agency.name} ({cx.code}) holds series {sx.id} ('{sx.name}'), "
            "unidentified. A platform reported a new picture (scenario/triage_me.png). "
            "Find which series it belongs to, where that series was taken, and who can help."
        ),
        "start_file": "scenario/triage_me.png",
        "target_series": sx.id,
        "steps": [
            {
                "n": 1,
                "page": "triage",
                "task": "Triage scenario/triage_me.png.",
                "hint": "It is a screenshot: borders and a watermark. Near-duplicate search sees through both.",
                "answer": f"near-duplicate of a picture of series {sx.id}, held by {sx.primary_case.agency.id} ({cx.code})",
            },
            {
                "n": 2,
                "page": "clue board",
                "task": f"Open the clues of {sx.id}. Which clue contradicts the country that holds it?",
                "hint": "Look at the wall socket and at the posters.",
                "answer": f"socket type G (BS 1363): the room is in the UK or Ireland, not in {the}{cx.name}; poster logo '{SCENARIO_LOGO}'",
            },
            {
                "n": 3,
                "page": "link graph",
                "task": f"Which series of other countries are linked to {sx.id}, and by what?",
                "hint": "Follow the cross-country links; a rare logo counts more than a white wall.",
                "answer": f"{sy.id} ({sy.countries[0]}: same camera serial and the logo) and {sz.id} ({sz.countries[0]}: the logo)",
            },
            {
                "n": 4,
                "page": "leads: camera-trail",
                "task": f"Where else was the camera of {sx.id} used?",
                "hint": "Make and model are not enough; the body serial number is.",
                "answer": f"{sy.camera.make} {sy.camera.model} serial {sy.camera.serial}, also in {sy.id}",
            },
            {
                "n": 5,
                "page": "map",
                "task": f"Where do the geotags of {sy.id} point?",
                "hint": "The British series kept its GPS; a receipt in it names the same town.",
                "answer": f"{town.name} ({town.admin1}), {town.country}, about {town.lat:.3f}, {town.lon:.3f}",
            },
        ],
        "answers": {
            "series": sx.id,
            "start_file_matches": sx.id,
            "linked_series": sorted([sy.id, sz.id]),
            "camera": {
                "make": sy.camera.make,
                "model": sy.camera.model,
                "serial": sy.camera.serial,
            },
            "country": town.country,
            "place": {
                "name": town.name,
                "admin1": town.admin1,
                "country": town.country,
                "lat": town.lat,
                "lon": town.lon,
            },
            "agency_to_contact": sy.primary_case.agency.id,
        },
    }
