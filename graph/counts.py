"""The headline figures, counted once and explained once.

The Overview, ``cluegraph db status``, ``cluegraph demo up`` and the cross-country lead
all answer "how many cross-country links, media, series?" through
:func:`headline` (the query ``page_overview_counts``) and say what each figure counts
with :func:`explain`, so the same question gives the same number everywhere:

- **cross-country links**: links between series of different countries scoring at least
  the leads' minimum score (``CLUEGRAPH_LINK_MIN_SCORE``) or confirmed by an analyst,
  never rejected ones: exactly the rows of ``cluegraph leads cross-country``;
- **media**: distinct files, one per SHA-256 (a file copied into several cases or loaded
  twice is one media); the media loads' "written" figures count every file they wrote;
- **series**: one per series id (a ``series.csv`` row repeating an id updates the same one).

>>> explain({"media": 3, "mediaLoaded": 5, "crossCountryLinksAll": 4}, 0.3)["media"][-42:]
'2 copies of files already held were merged'
"""

from __future__ import annotations

from typing import Any

import neo4j

from graph import db, queries
from graph.config import get_settings

#: key -> label, in the order the figures are shown.
LABELS = {
    "cases": "Cases",
    "series": "Series",
    "media": "Media",
    "identifiedVictims": "Identified victims",
    "countries": "Countries",
    "crossCountryLinks": "Cross-country links",
}


def min_score() -> float:
    """The leads' default minimum link score (``CLUEGRAPH_LINK_MIN_SCORE``)."""
    return float(get_settings().link_min_score or 0.0)


def headline(driver: neo4j.Driver, score: float | None = None) -> dict[str, int]:
    """The headline counts (keys of :data:`LABELS` plus ``mediaLoaded`` and
    ``crossCountryLinksAll``) at ``score`` (default: the leads' minimum)."""
    ms = min_score() if score is None else float(score)
    rows = db.records(driver, queries.page_overview_counts(), name="counts.headline", minScore=ms)
    return {k: int(v or 0) for k, v in rows[0].items()} if rows else {}


def explain(counts: dict[str, Any], score: float | None = None) -> dict[str, str]:
    """What each figure counts, in words (for help texts and CLI captions)."""
    ms = min_score() if score is None else float(score)
    media = int(counts.get("media") or 0)
    loaded = int(counts.get("mediaLoaded") or 0)
    merged = loaded - media
    media_text = "distinct files (one per SHA-256)"
    if loaded:
        media_text += f"; the media loads wrote {loaded:,} files"
        if merged > 0:
            media_text += f": {merged:,} copies of files already held were merged"
    return {
        "cases": "cases loaded",
        "series": "series, one per id (a row repeating an id updates the same series)",
        "media": media_text,
        "identifiedVictims": "victims marked identified",
        "countries": "countries with at least one agency",
        "crossCountryLinks": (
            f"links between series of different countries scoring at least {ms:g} "
            f"(CLUEGRAPH_LINK_MIN_SCORE) or confirmed, never rejected: the rows of the "
            f"cross-country lead; {int(counts.get('crossCountryLinksAll') or 0):,} in all, "
            "weak and rejected ones included"
        ),
    }


def lines(counts: dict[str, Any], score: float | None = None) -> list[tuple[str, str, str]]:
    """``(label, value, what it counts)`` for each headline figure."""
    words = explain(counts, score)
    return [(label, f"{int(counts.get(k) or 0):,}", words[k]) for k, label in LABELS.items()]
