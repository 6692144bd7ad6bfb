"""Administration: the app's users, reading the audit trail, exports, the database.

- Users (``cluegraph users …``): need ``manage_users``; recorded as ``users.add``,
  ``users.passwd``, ``users.role``, ``users.remove`` (listing as ``users.list``). The
  users file is written even when Neo4j is down; the event then goes to the JSONL file
  only (``driver=None``).
- The audit trail (the Audit page, ``cluegraph audit …``): needs ``view_audit``; a view
  is recorded as ``audit.view``, an export as ``audit.export`` (:mod:`graph.audit`).
- A result table as CSV or JSON text (download buttons): needs ``export``.
- The database (``cluegraph db status|init|reset``): the status needs ``read``;
  applying the schema and emptying the database need ``db_admin`` and are recorded
  (``db.init``, ``db.reset``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

import neo4j

from graph import audit, auth, counts, db
from graph.db import Result
from graph.errors import InvalidInput
from graph.rights import Action, User
from graph.shapes import table_text
from service.access import PAGE_SIZE, allow, blank, whole


# ------------------------------------------------------------------ users
def _users_action(
    driver: neo4j.Driver | None, user: User | None, action: str, params: dict[str, Any]
) -> AbstractContextManager[audit.Tracker]:
    allow(driver, user, Action.MANAGE_USERS, {"users": action, **params})
    return audit.track(driver, user, f"users.{action}", params)


def add_user(
    driver: neo4j.Driver | None, name: str, role: str, password: str | None, *, user: User | None
) -> User:
    """Add ``name`` with ``role`` (``password`` None: a trusted-proxy user)."""
    n = auth.normalise_name(name)
    with _users_action(driver, user, "add", {"name": n, "role": role}) as t:
        if n in auth.load_users():
            raise InvalidInput(f"user {n} already exists (use `cluegraph users passwd` or `role`)")
        added = auth.add_user(n, role, password)
        t.count = 1
    return added


def set_password(
    driver: neo4j.Driver | None, name: str, password: str, *, user: User | None
) -> None:
    """Set the password of user ``name``."""
    n = auth.normalise_name(name)
    with _users_action(driver, user, "passwd", {"name": n}) as t:
        if n not in auth.load_users():
            raise InvalidInput(f"no user {n}")
        auth.set_password(n, password)
        t.count = 1


def set_role(driver: neo4j.Driver | None, name: str, role: str, *, user: User | None) -> User:
    """Give user ``name`` another role."""
    with _users_action(driver, user, "role", {"name": name, "role": role}) as t:
        changed = auth.set_role(name, role)
        t.count = 1
    return changed


def remove_user(driver: neo4j.Driver | None, name: str, *, user: User | None) -> None:
    """Remove user ``name`` (their open app sessions end at their next page)."""
    n = auth.normalise_name(name)
    with _users_action(driver, user, "remove", {"name": n}) as t:
        if n not in auth.load_users():
            raise InvalidInput(f"no user {n}")
        auth.remove_user(n)
        t.count = 1


def list_users(driver: neo4j.Driver | None, *, user: User | None) -> list[dict[str, str]]:
    """Every user with role and how they log in (never hashes)."""
    with _users_action(driver, user, "list", {}) as t:
        users = auth.load_users()
        rows = [
            {"user": n, "role": e.role, "login": "password" if e.hash else "proxy header only"}
            for n, e in sorted(users.items())
        ]
        t.count = len(rows)
    return rows


# ------------------------------------------------------------------ audit trail
def audit_events(
    driver: neo4j.Driver,
    user_filter: str | None = None,
    action: str | None = None,
    skip: int = 0,
    limit: int = PAGE_SIZE,
    *,
    user: User | None,
) -> Result:
    """One page of ``(:AuditEvent)`` nodes, newest first; ``truncated`` = more.

    Needs ``view_audit``; the view is itself recorded (``audit.view``), so never cache it."""
    skip = whole(skip, "skip", 0, 100_000)
    limit = whole(limit, "limit", 1, 10_000)
    res = audit.events(
        driver, user=blank(user_filter), action=blank(action), limit=skip + limit, viewer=user
    )
    return Result(res.columns, res.rows[skip:], truncated=res.truncated)


def audit_export(
    driver: neo4j.Driver,
    fmt: str = "csv",
    user_filter: str | None = None,
    action: str | None = None,
    *,
    user: User | None,
) -> str:
    """The audit trail (filtered) as CSV or JSONL text; needs ``view_audit``; recorded."""
    if fmt not in ("csv", "jsonl"):
        raise InvalidInput("the audit export format is csv or jsonl")
    return audit.export_events(
        driver, fmt, viewer=user, user=blank(user_filter), action=blank(action)
    )


# ------------------------------------------------------------------ exports
def export_table(
    driver: neo4j.Driver | None,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    fmt: str,
    *,
    user: User | None,
) -> str:
    """A result table as CSV or JSON text for a download; needs the ``export`` right (the
    download itself is recorded by the page when the person clicks it)."""
    allow(driver, user, Action.EXPORT, {"format": fmt, "rows": len(rows)})
    if fmt not in ("csv", "json"):
        raise InvalidInput("the export format is csv or json")
    return table_text(columns, rows, fmt)


# ------------------------------------------------------------------ the database
def status(driver: neo4j.Driver, *, user: User | None) -> dict[str, Any]:
    """The server's version and counts and the headline figures (as the Overview shows
    them); needs ``read``."""
    allow(driver, user, Action.READ, {"db": "status"})
    return {"server": db.server_info(driver), "headline": counts.headline(driver)}


def headline_lines(driver: neo4j.Driver, *, user: User | None) -> list[tuple[str, str, str]]:
    """The headline figures as ``(label, value, what it counts)``; needs ``read``."""
    allow(driver, user, Action.READ, {"db": "headline"})
    return counts.lines(counts.headline(driver))


def allow_db_admin(
    driver: neo4j.Driver | None, user: User | None, params: Mapping[str, Any]
) -> None:
    """Check ``db_admin`` before work outside the graph (``cluegraph db reset --hard``
    deletes the local store: the event of the wipe is ``db.init`` after the restart)."""
    allow(driver, user, Action.DB_ADMIN, params)


def init_schema(driver: neo4j.Driver, *, user: User | None) -> int:
    """Create the constraints and indexes (idempotent); needs ``db_admin``; recorded as
    ``db.init``. Returns how many statements ran."""
    allow(driver, user, Action.DB_ADMIN, {"db": "init"})
    with audit.track(driver, user, "db.init", {}) as t:
        t.count = db.apply_schema(driver)
    return t.count


def reset(
    driver: neo4j.Driver,
    *,
    user: User | None,
    progress: Callable[[int], Any] | None = None,
) -> int:
    """Empty the database in batches and apply the schema again; needs ``db_admin``;
    recorded as ``db.reset`` with the number of nodes deleted. (The visual index, derived
    from the pictures just deleted, is removed by the caller.)"""
    allow(driver, user, Action.DB_ADMIN, {"db": "reset"})
    with audit.track(driver, user, "db.reset", {}) as t:
        n = db.reset(driver, progress=progress)
        db.apply_schema(driver)
        t.count = n
    return n
