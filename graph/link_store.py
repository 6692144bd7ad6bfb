"""Where links are kept: writing ``LINKED`` relationships (only what changed), and reading
the analysts' judgements that every write copies onto them.

Judgements live in ``(:Judgement)`` nodes keyed by the pair (:func:`graph.links.judge`
records one), so they survive every rebuild, even one in which the link disappears for a
while.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import neo4j

from graph import db, queries
from graph.link_scoring import Link, Pair, pair

_WRITE_BATCH = 2000


# ----------------------------------------------------------------------------- writing


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


_COMPARED = (
    "score",
    "kinds",
    "evidence",
    "crossCountry",
    "judgement",
    "judgedBy",
    "judgedAt",
    "judgementNote",
)


def write_links(
    driver: neo4j.Driver,
    new: dict[Pair, Link],
    scope: list[str] | None,
    judgements: dict[Pair, dict[str, Any]],
) -> tuple[int, int]:
    """Make the stored links of ``scope`` equal ``new``; return (written, deleted)."""
    if scope is None:
        query, name = queries.links_existing(), "links.existing"
    else:  # a few series by their keys, not a read of every link
        query, name = queries.links_existing_of(), "links.existing_of"
    old_rows = db.records(driver, query, name=name, seriesIds=scope)
    old = {(r["a"], r["b"]): r for r in old_rows}
    rows = []
    for key, link in new.items():
        j = judgements.get(key, {})
        row = {
            "a": link.a,
            "b": link.b,
            **link.props(),
            "judgement": j.get("judgement"),
            "judgedBy": j.get("judgedBy"),
            "judgedAt": j.get("judgedAt"),
            "judgementNote": j.get("judgementNote"),
        }
        prev = old.get(key)
        if prev is None or any(prev.get(k) != row[k] for k in _COMPARED):
            rows.append(row)
    gone = [{"a": a, "b": b} for (a, b) in old if (a, b) not in new]
    for i in range(0, len(gone), _WRITE_BATCH):
        db.write(
            driver, queries.links_delete(), rows=gone[i : i + _WRITE_BATCH], name="links.delete"
        )
    now = now_iso()
    for i in range(0, len(rows), _WRITE_BATCH):
        db.write(
            driver,
            queries.links_write(),
            rows=rows[i : i + _WRITE_BATCH],
            computedAt=now,
            name="links.merge",
        )
    return len(rows), len(gone)


def stored_judgements(driver) -> dict[Pair, dict[str, Any]]:
    rows = db.records(driver, queries.links_judgements(), name="links.judgements")
    return {
        pair(r["a"], r["b"]): {
            "judgement": r["judgement"],
            "judgedBy": r["judgedBy"],
            "judgedAt": r["judgedAt"],
            "judgementNote": r["judgementNote"],
        }
        for r in rows
    }
