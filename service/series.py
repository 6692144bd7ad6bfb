"""The series explorer: search, one series with its media, victims, clues, links,
videos and visual matches, where a file sits, and revealing a blurred thumbnail.

Reads need the ``read`` right; opening a series is recorded (``series.view``), and so is
revealing a thumbnail (``thumbnail.reveal``, the ``reveal`` right).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import neo4j

from graph import audit
from graph.db import Result
from graph.errors import InvalidInput, NotFound
from graph.rights import Action, User
from graph.schema import SERIES_STATUSES
from graph.shapes import parse_evidence
from service.access import PAGE_SIZE, allow, ask, blank, default_min_score, whole


def search(
    driver: neo4j.Driver,
    text: str = "",
    country: str | None = None,
    status: str | None = None,
    skip: int = 0,
    limit: int = PAGE_SIZE,
    *,
    user: User | None = None,
) -> Result:
    """Series whose id or name contains ``text``; one page of ``limit`` rows from ``skip``.

    ``truncated`` is set when there is a next page."""
    if status is not None and status not in SERIES_STATUSES:
        raise InvalidInput(f"unknown series status {status!r}")
    n = whole(limit, "limit", 1, 10_000)
    params = {
        "text": (text or "").strip(),
        "country": blank(country),
        "status": status,
        "skip": whole(skip, "skip"),
        "limit": n + 1,
        "minScore": default_min_score(),
    }
    return ask(driver, "page_series_search", params, cap=n, user=user)


def detail(driver: neo4j.Driver, series_id: str, *, user: User | None = None) -> dict:
    """The series with its cases (agency, country) and counts; NotFound if there is none."""
    params = {"seriesId": series_id, "minScore": default_min_score()}
    res = ask(driver, "page_series_detail", params, cap=1, user=user)
    if not res.rows:
        raise NotFound(f"there is no series {series_id!r}")
    row = dict(res.rows[0])
    row["countries"] = sorted({c["country"] for c in row["cases"] if c.get("country")})
    row["agencies"] = sorted({c["agencyId"] for c in row["cases"] if c.get("agencyId")})
    return row


def record_view(driver: neo4j.Driver | None, series_id: str, *, user: User | None) -> None:
    """Record that ``user`` opened series ``series_id`` (``series.view``; the page reads
    the series through a cache, so the view is recorded here, on every open)."""
    allow(driver, user, Action.READ, {"series": series_id})
    audit.record(driver, user, "series.view", {"series": series_id}, 1)


def media(
    driver: neo4j.Driver,
    series_id: str,
    skip: int = 0,
    limit: int = PAGE_SIZE,
    *,
    user: User | None = None,
) -> Result:
    """One page of the series' media (hashes, EXIF, camera, place); ``truncated`` = more."""
    limit = whole(limit, "limit", 1, 10_000)
    params = {"seriesId": series_id, "skip": whole(skip, "skip"), "limit": limit + 1}
    return ask(driver, "page_series_media", params, cap=limit, user=user)


def victims(driver: neo4j.Driver, series_id: str, *, user: User | None = None) -> Result:
    """The victims seen in the series."""
    return ask(driver, "page_series_victims", {"seriesId": series_id}, cap=500, user=user)


def clues(driver: neo4j.Driver, series_id: str, *, user: User | None = None) -> Result:
    """The clues the series' media show."""
    return ask(driver, "page_series_clues", {"seriesId": series_id}, cap=500, user=user)


def links(
    driver: neo4j.Driver, series_id: str, limit: int = 200, *, user: User | None = None
) -> Result:
    """Linked series with their evidence parsed into ``[{kind, detail, ...}]``."""
    params = {"seriesId": series_id, "limit": limit}
    res = ask(driver, "page_series_links", params, cap=limit, user=user)
    for row in res.rows:
        row["evidence"] = parse_evidence(row.get("evidence"))
    return res


def videos(
    driver: neo4j.Driver, series_id: str, limit: int = PAGE_SIZE, *, user: User | None = None
) -> Result:
    """The videos of a series: duration, codec, frame rate, size, sampled frames."""
    params = {"seriesId": series_id, "limit": limit + 1}
    return ask(driver, "page_series_videos", params, cap=limit, user=user)


def scenes(
    driver: neo4j.Driver, series_id: str, limit: int = 60, *, user: User | None = None
) -> Result:
    """The series' pictures matched by the visual pass (``SAME_SCENE``, ``SHARES_OBJECT``)
    with the other file, its series and countries; other series first, strongest first.
    Only numbers come from the graph: the agreeing regions are computed again from the
    visual index when shown."""
    n = whole(limit, "limit", 1, 500)
    params = {"seriesId": series_id, "limit": n + 1}
    return ask(driver, "page_series_scenes", params, cap=n, user=user)


def media_files(
    driver: neo4j.Driver, sha256s: Sequence[str], *, user: User | None = None
) -> dict[str, dict[str, Any]]:
    """``sha256 -> {path, fileName, kind}`` of the given media (to show a matched frame)."""
    shas = sorted({s for s in sha256s if s})[:500]
    res = ask(driver, "page_media_files", {"sha256s": shas}, cap=500, user=user)
    return {r["sha256"]: r for r in res.rows}


def media_context(
    driver: neo4j.Driver, sha256s: Sequence[str], *, user: User | None = None
) -> dict[str, dict[str, Any]]:
    """``sha256 -> {fileName, series, countries}`` of the given media (where a picture
    found by the visual search sits)."""
    shas = sorted({s for s in sha256s if s})[:500]
    res = ask(driver, "visual_media_context", {"sha256s": shas}, cap=500, user=user)
    return {r["sha256"]: r for r in res.rows}


def reveal_thumbnail(driver: neo4j.Driver | None, sha256: str, *, user: User | None) -> None:
    """Let ``user`` un-blur the thumbnail of media ``sha256`` (the ``reveal`` right), and
    record it (``thumbnail.reveal``)."""
    allow(driver, user, Action.REVEAL, {"sha256": sha256})
    audit.record(driver, user, "thumbnail.reveal", {"sha256": sha256}, 1)
