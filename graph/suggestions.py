"""Clues the machine proposes, and the analyst's answer: list, accept, reject.

The visual pass (``loaders/visual.py``) writes ``(:Media)-[:SUGGESTS {source, confidence,
box}]->(:Clue)``: text read in a picture (``source: 'ocr'``), its language (``'language'``)
and a saved object seen again (``'object'``). A suggestion is never a fact:

- :func:`accept` turns it into ``(:Media)-[:SHOWS {analyst, confidence, notedAt,
  source}]->(:Clue)``, so it counts for the links like any clue an analyst noted;
- :func:`reject` removes it and remembers ``(:Media)-[:REJECTED_SUGGESTION {by, at,
  source}]->(:Clue)``; the pass never proposes that clue for that file again.

Both write an audit event (:mod:`graph.audit`) and update the links of the series holding
the file. The app's suggestions panel and ``cluegraph clues suggestions|accept|reject``
call these three functions.

For example (needs a graph, so not a doctest)::

    rows = list_suggestions(driver, series_id="S1")
    accept(driver, rows[0]["sha256"], rows[0]["clue_id"], by="ana")["clue_id"]
    'language:pl'
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import neo4j

from graph import audit, db, queries
from graph.clues import update_links
from graph.errors import InvalidInput, NotFound

#: Columns of ``cluegraph clues suggestions`` (snake_case, as JSON output keeps).
COLUMNS = [
    "sha256",
    "file_name",
    "series",
    "clue_id",
    "type",
    "value",
    "label",
    "source",
    "confidence",
    "box",
    "countries",
]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def list_suggestions(
    driver: neo4j.Driver,
    *,
    series_id: str | None = None,
    case_id: str | None = None,
    limit: int = 500,
    user: Any = None,
) -> list[dict[str, Any]]:
    """Open suggestions, strongest first, of one series, one case, or everywhere.

    Returns rows with the keys of :data:`COLUMNS`; ``countries`` lists ``{code, share}``
    the clue points to (a language's countries from CLDR). Audited as
    ``suggestions.list``.
    """
    if limit < 1:
        raise InvalidInput("--limit must be at least 1")
    params = {"seriesId": series_id or None, "caseId": case_id or None, "limit": int(limit)}
    with audit.track(driver, user, "suggestions.list", params) as t:
        rows = db.records(driver, queries.suggestions_list(), params, name="suggestions.list")
        out = [
            {
                "sha256": r["sha256"],
                "file_name": r["fileName"],
                "series": sorted(r["series"]),
                "clue_id": r["clueId"],
                "type": r["type"],
                "value": r["value"],
                "label": r["label"],
                "source": r["source"],
                "confidence": r["confidence"],
                "box": r["box"],
                "countries": r["countries"],
            }
            for r in rows
        ]
        t.count = len(out)
    return out


def _check(sha256: str, clue_id: str, by: str) -> tuple[str, str, str]:
    sha = (sha256 or "").strip().lower()
    if len(sha) != 64 or any(ch not in "0123456789abcdef" for ch in sha):
        raise InvalidInput("the file is named by its SHA-256 (64 hex digits)")
    cid = (clue_id or "").strip()
    if not cid:
        raise InvalidInput("the clue id is required (as `clues suggestions` lists it)")
    who = (by or "").strip()
    if not who:
        raise InvalidInput("the analyst's name is required (--by)")
    return sha, cid, who


def _answer(driver: neo4j.Driver, action: str, sha256: str, clue_id: str, by: str) -> dict:
    sha, cid, who = _check(sha256, clue_id, by)
    query = queries.suggestions_accept() if action == "accept" else queries.suggestions_reject()
    at = _now()
    params = {"sha256": sha, "clueId": cid, "analyst": who, "at": at}
    with audit.track(driver, who, f"suggestions.{action}", {"sha256": sha, "clueId": cid}) as t:
        rows = _write(driver, query, params, who, action)
        if not rows:
            raise NotFound(f"no suggestion of clue {cid!r} for file {sha[:12]}…")
        t.count = 1
    r = rows[0]
    series = sorted(r["series"])
    updated, note = update_links(driver, series)
    return {
        "sha256": sha,
        "clue_id": r["clueId"],
        "source": r["source"],
        "by": who,
        "at": at,
        "series": series,
        "links_updated": updated,
        "note": note,
    }


def _write(
    driver: neo4j.Driver, query: str, params: dict[str, Any], who: str, action: str
) -> list[dict]:
    @neo4j.unit_of_work(metadata={"app": "cluegraph", "query": f"suggestions.{action}"})
    def work(tx: neo4j.ManagedTransaction) -> list[dict]:
        return [dict(r.items()) for r in tx.run(query, params)]

    try:
        with driver.session(database=db.database()) as ses:
            return ses.execute_write(work)
    except Exception as e:
        raise db.translate(e, params) from e


def accept(driver: neo4j.Driver, sha256: str, clue_id: str, *, by: str) -> dict[str, Any]:
    """Accept a suggestion: it becomes ``SHOWS {analyst: by, confidence, notedAt, source}``.

    Returns ``{sha256, clue_id, source, by, at, series, links_updated, note}``. Raises
    InvalidInput for a bad hash, clue id or empty name, NotFound when there is no such
    suggestion (already answered, or never made).
    """
    return _answer(driver, "accept", sha256, clue_id, by)


def reject(driver: neo4j.Driver, sha256: str, clue_id: str, *, by: str) -> dict[str, Any]:
    """Reject a suggestion: removed, and remembered so that it is never proposed again.

    Returns and raises as :func:`accept`.
    """
    return _answer(driver, "reject", sha256, clue_id, by)
