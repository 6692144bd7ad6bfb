"""The connection the faces use: the one driver, and a check that Neo4j answers.

``app/`` and ``cli/`` never import the driver library or :mod:`graph.db`; they get the
driver here and hand it back to the service calls.
"""

from __future__ import annotations

from typing import Any

from graph import db
from graph.db import Result as Result  # the rows a service call returns (for type hints)
from graph.errors import GraphError

#: A row cap meaning "no cap" (``cluegraph query --limit 0``).
NO_LIMIT = db.INT_MAX


def driver() -> Any:
    """The process's driver for the configured server (made once; raises
    :class:`graph.errors.ServiceUnavailable` when Neo4j does not answer)."""
    return db.get_driver()


def driver_or_none() -> Any:
    """The driver, or None when Neo4j cannot be reached (an audit event then goes to the
    JSONL file only: the users file can be edited with the server down)."""
    try:
        return db.get_driver()
    except GraphError:
        return None


def ready() -> Any:
    """The driver, after making sure the constraints and indexes exist (idempotent), as a
    load needs them: one read when this store already has the current schema
    (:func:`graph.db.ensure_schema`)."""
    drv = db.get_driver()
    db.ensure_schema(drv)
    return drv


def check(drv: Any) -> None:
    """Raise ClueGraph's error (with a hint) when ``drv`` no longer reaches Neo4j."""
    try:
        drv.verify_connectivity()
    except Exception as e:
        raise db.translate(e) from e


def close() -> None:
    """Close every driver of this process (before the local server stops)."""
    db.close_drivers()
