"""Read-only Cypher typed by a person (the app's console, ``cluegraph query``), audited.

The query needs the ``console`` right and runs only when ``EXPLAIN`` shows a read
(:func:`graph.pages.console_query`). It is recorded as ``console`` with its text and
parameters and the number of rows (outcome ``ok``); a statement that is not read-only as
``refused``, any other failure as ``error`` (with the error's type); a missing right as
``refused`` by the check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import neo4j

from graph import audit, pages, queries
from graph.db import Result
from graph.errors import Forbidden, GraphError, NotReadOnly
from graph.rights import Action, User

#: The console's example query, shown in its text box (``console_example.cypher``).
EXAMPLE = queries.console_example()

#: The audit trail's name for a console query (the app's and the CLI's alike).
AUDIT_ACTION = "console"


def query(
    driver: neo4j.Driver,
    text: str,
    params: Mapping[str, Any] | None = None,
    *,
    user: User | None,
    limit: int | None = None,
    timeout: float | None = None,
    name: str = "app.console",
) -> Result:
    """Run one read-only statement for ``user`` (``name`` tags it in the query log) and
    record it. Raises :class:`graph.errors.Forbidden` without the right,
    :class:`graph.db.NotReadOnly` for anything but a read."""
    pages.allow(driver, user, Action.CONSOLE, {"query": text})
    try:
        res = pages.console_query(
            driver, text, params, limit=limit, timeout=timeout, user=user, name=name
        )
    except Forbidden:
        raise
    except GraphError as e:
        outcome = "refused" if isinstance(e, NotReadOnly) else "error"
        audit.record(
            driver, user, AUDIT_ACTION, {"query": text, "refused": type(e).__name__}, None, outcome
        )
        raise
    audit.record(
        driver, user, AUDIT_ACTION, {"query": text, "params": dict(params or {})}, len(res.rows)
    )
    return res
