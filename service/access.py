"""The right check every service call makes first, the checked read, and form values.

:func:`allow` raises :class:`graph.errors.Forbidden` (and records the refusal in the
audit trail, through :func:`graph.auth.require`) unless the user may do the action here;
a trainer's rights hold in the demo world only (:func:`is_demo`). :func:`ask` runs one
catalog query for a user who may read. :func:`whole`, :func:`number` and :func:`blank`
turn a widget's or a URL's value into a checked one, or a clear error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import neo4j

from graph import auth, db, queries
from graph.config import get_settings
from graph.db import Result
from graph.errors import InvalidInput
from graph.rights import Action, User

#: Rows a page shows at most before it paginates or says "showing the first N".
PAGE_SIZE = 50


def is_demo(driver: neo4j.Driver, action: str = Action.READ) -> bool:
    """Whether a trainer may do ``action`` on this graph (the demo world only).

    ``CLUEGRAPH_DEMO=1`` marks a training deployment: yes for every trainer right. Else a
    graph holding the loaded demo world (its ``(:Load {kind: 'world'})`` marker) counts as
    the demo world for reading, triage, the console and reveals; loading the demo world
    needs an empty graph, and resetting (which empties the database) needs the setting.
    """
    if auth.demo_mode():
        return True
    if action == Action.DEMO_RESET:
        return False
    if action == Action.DEMO_LOAD:
        rows = db.records(driver, queries.any_case(), name="auth.demo_empty")
        return not (rows and rows[0]["any"])
    rows = db.records(driver, queries.demo_world_loaded(), name="auth.demo_world")
    return bool(rows and rows[0]["demo"])


def allow(
    driver: neo4j.Driver | None,
    user: User | None,
    action: str,
    params: Mapping[str, Any] | None = None,
) -> None:
    """Raise :class:`graph.errors.Forbidden` unless ``user`` may do ``action`` here (a
    refusal is recorded in the audit trail). Every service call makes it first."""
    demo = None
    if user is not None and user.role in auth.DEMO_ONLY_ROLES and driver is not None:
        demo = action in user.permissions and is_demo(driver, action)
    auth.require(user, action, demo=demo, driver=driver, params=params)


def ask(
    driver: neo4j.Driver,
    qname: str,
    params: Mapping[str, Any] | None = None,
    *,
    cap: int | None = None,
    user: User | None = None,
) -> Result:
    """Run catalog query ``qname`` for ``user``, who needs the ``read`` right; ``cap`` rows
    at most (``truncated`` says if cut)."""
    allow(driver, user, Action.READ)
    return db.read(
        driver,
        getattr(queries, qname)(),
        dict(params or {}),
        name=f"page.{qname}",
        limit=cap,
        user=user.name if user else None,
    )


def default_min_score() -> float:
    """The leads' default minimum link score (``CLUEGRAPH_LINK_MIN_SCORE``), else 0."""
    return float(getattr(get_settings(), "link_min_score", 0.0) or 0.0)


def blank(v: str | None) -> str | None:
    """A text field's value, None when empty.

    >>> blank("  FR "), blank("   ")
    ('FR', None)
    """
    v = (v or "").strip()
    return v or None


def whole(v: Any, what: str, low: int = 0, high: int = db.INT_MAX) -> int:
    """A row offset or count from a widget or a URL: a whole number in ``[low, high]``
    (clamped), else InvalidInput.

    >>> whole("12", "skip"), whole(-3, "skip"), whole(10**30, "limit", 1, 50)
    (12, 0, 50)
    """
    try:
        n = int(v)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"{what} must be a whole number") from None
    return max(low, min(n, high))


def number(v: Any, what: str) -> float:
    """A finite number from a widget, else InvalidInput."""
    try:
        x = float(v)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"{what} must be a number") from None
    if not math.isfinite(x):
        raise InvalidInput(f"{what} must be a finite number")
    return x
