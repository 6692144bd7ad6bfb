"""Read-only Cypher typed by a person (the app's console, ``cluegraph query``), audited.

The query needs the ``console`` right and runs only when ``EXPLAIN`` shows a read
(:func:`_read_only`). It is recorded as ``console`` with its text and
parameters and the number of rows (outcome ``ok``); a statement that is not read-only as
``refused``, any other failure as ``error`` (with the error's type); a missing right as
``refused`` by the check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import neo4j

from graph import audit, db, queries
from graph.db import Result
from graph.errors import Forbidden, GraphError, InvalidInput, NotReadOnly
from graph.rights import Action, User
from service.access import allow, number, whole

#: The console's example query, shown in its text box (``console_example.cypher``).
EXAMPLE = queries.console_example()

#: The audit trail's name for a console query (the app's and the CLI's alike).
AUDIT_ACTION = "console"

#: The longest a console query may be allowed to run, in seconds.
CONSOLE_TIMEOUT_MAX = 3600


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
    allow(driver, user, Action.CONSOLE, {"query": text})
    try:
        res = _read_only(driver, text, params, limit=limit, timeout=timeout, user=user, name=name)
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


def _read_only(
    driver: neo4j.Driver,
    text: str,
    params: Mapping[str, Any] | None = None,
    *,
    limit: int | None = None,
    timeout: float | None = None,
    user: User | None = None,
    name: str = "app.console",
) -> Result:
    """Run one read-only statement from the console (refused unless EXPLAIN shows a read);
    ``name`` tags it in the query log."""
    if limit is not None:
        limit = whole(limit, "the row limit", 1, db.INT_MAX)
    if timeout is not None:
        timeout = number(timeout, "the timeout")
        if not 0 < timeout <= CONSOLE_TIMEOUT_MAX:
            raise InvalidInput(
                f"the timeout is more than 0 and at most {CONSOLE_TIMEOUT_MAX} seconds"
            )
    if not isinstance(params or {}, Mapping):
        raise InvalidInput("the parameters must be a JSON object")
    return db.run_read_only(
        driver,
        text,
        params or {},
        name=name,
        limit=limit,
        timeout=timeout,
        user=user.name if user else None,
    )
