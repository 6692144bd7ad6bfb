"""How much a query reads: database hits of its profiled plan, planned for the store as it
is (shared by the tests that check a query seeks instead of scanning)."""

from __future__ import annotations

import time
from typing import Any

from graph import db


def db_hits(plan: dict) -> int:
    return int(plan.get("dbHits", 0)) + sum(db_hits(c) for c in plan.get("children", []))


def profiled(driver, cypher: str, below: int, **params: Any) -> tuple[list, int]:
    """(rows, database hits) of ``cypher`` planned afresh for this store.

    A plan cached by an earlier test on a few nodes, or made before the indexes were
    sampled again (in the background), scans where a seek would do: the indexes are
    resampled and the query replanned until its hits fall ``below`` or 30 s pass; the
    last run's figures are returned for the caller to assert on."""
    deadline = time.monotonic() + 30
    while True:
        with driver.session(database=db.database()) as ses:
            ses.run("CALL db.resampleOutdatedIndexes()").consume()
            res = ses.run("CYPHER replan=force PROFILE " + cypher, **params)
            rows = list(res)
            hits = db_hits(res.consume().profile)
        if hits < below or time.monotonic() > deadline:
            return rows, hits
        time.sleep(0.5)
