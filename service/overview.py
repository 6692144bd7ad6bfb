"""The overview and the map: headline counts, countries, places, the latest loads.

Each call needs the ``read`` right (:func:`service.access.read`); reads are not audited
one by one (the page view is, by :func:`app.guard.page`).
"""

from __future__ import annotations

import neo4j

from graph.db import Result
from graph.rights import User
from graph.shapes import agency_label, country_point
from service.access import ask, blank, default_min_score

EMPTY_COUNTS = {
    "cases": 0,
    "series": 0,
    "media": 0,
    "mediaLoaded": 0,
    "identifiedVictims": 0,
    "countries": 0,
    "crossCountryLinks": 0,
    "crossCountryLinksAll": 0,
}


def counts(
    driver: neo4j.Driver, min_score: float | None = None, *, user: User | None = None
) -> dict[str, int]:
    """Headline counts (graph/counts.py says what each one counts): cases, series, media
    (distinct files), mediaLoaded (files written by media loads), identifiedVictims,
    countries, crossCountryLinks (as the cross-country lead counts them: score at least
    ``min_score`` or confirmed, never rejected) and crossCountryLinksAll.

    >>> sorted(EMPTY_COUNTS)[:2]
    ['cases', 'countries']
    """
    ms = default_min_score() if min_score is None else float(min_score)
    res = ask(driver, "page_overview_counts", {"minScore": ms}, cap=1, user=user)
    return {k: int(v or 0) for k, v in res.rows[0].items()} if res.rows else dict(EMPTY_COUNTS)


def series_per_country_status(driver: neo4j.Driver, *, user: User | None = None) -> Result:
    """Rows ``country, countryName, status, series`` for the overview charts."""
    return ask(driver, "page_series_per_country_status", cap=5000, user=user)


def latest_loads(
    driver: neo4j.Driver, limit: int = 10, max_errors: int = 20, *, user: User | None = None
) -> Result:
    """The latest ``(:Load)`` nodes, newest first, with their first ``max_errors`` errors."""
    params = {"limit": limit, "maxErrors": max_errors}
    return ask(driver, "page_latest_loads", params, cap=limit, user=user)


def places(
    driver: neo4j.Driver,
    country: str | None = None,
    limit: int = 5000,
    series: str | None = None,
    case: str | None = None,
    *,
    user: User | None = None,
) -> Result:
    """Places with coordinates and the number of series/media there (geotags and clues),
    optionally only where one series, or the series of one case, are seen."""
    params = {
        "country": blank(country),
        "limit": limit,
        "series": blank(series),
        "case": blank(case),
    }
    return ask(driver, "page_places", params, cap=limit, user=user)


def agency_names(driver: neo4j.Driver, *, user: User | None = None) -> dict[str, str]:
    """Agency id -> "name (country)", as deconfliction needs it ("Politie TBKK (NL)")."""
    res = ask(driver, "page_agency_names", {"limit": 100_000}, cap=100_000, user=user)
    return {r["id"]: agency_label(r["id"], r.get("name"), r.get("country")) for r in res.rows}


def countries(driver: neo4j.Driver, *, user: User | None = None) -> Result:
    """Every country in the graph with its agencies, cases, series and places, plus a point
    to draw it at (``lat``/``lon``: its capital, from the offline GeoNames data)."""
    res = ask(driver, "page_countries", cap=1000, user=user)
    for row in res.rows:
        row["lat"], row["lon"] = country_point(row["code"])
    res.columns = [*res.columns, "lat", "lon"]
    return res
