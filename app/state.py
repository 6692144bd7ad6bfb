"""Shared page state: session keys, the driver, cached reads, errors as plain sentences.

Views call :func:`load` (a cached read: ``S.load(series.search, text)`` calls
``service.series.search(driver, text, user=<current user>)``) or :func:`call` (an uncached
call, for actions and writes). Both turn ClueGraph's expected errors into a
sentence on the page; when Neo4j is down the page says so and stops, and the next
rerun tries again (a failure is never cached).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from app import who
from graph import auth
from graph.config import get_settings
from graph.errors import (
    AuthFailed,
    Forbidden,
    GraphError,
    InvalidInput,
    NotFound,
    NotReadOnly,
    QueryTimeout,
    ServiceUnavailable,
)
from service import connect

# ------------------------------------------------------------------ session-state keys
#: The series open in the explorer; also the URL query parameter ``?series=ID``.
SERIES = "series"
#: Query parameter that pre-fills the clue form's target (``?target=HASH``).
CLUE_TARGET = "target"
#: sha256 of the thumbnails the analyst chose to reveal (a set, per session).
REVEALED = "revealed_thumbnails"
#: Offset of the media table in the explorer, and the series it belongs to.
MEDIA_SKIP = "series_media_skip"
#: Offset of the series search results.
SEARCH_SKIP = "series_search_skip"
#: The last node clicked in the link graph that was acted on.
GRAPH_CLICK = "link_graph_last_click"
#: Offset of the clue list and of the audit list.
CLUES_SKIP = "clue_list_skip"
AUDIT_SKIP = "audit_skip"
#: The last lead result and triage result (kept for the download buttons).
LEAD_RESULT = "lead_result"
TRIAGE_RESULT = "triage_result"
#: The last console result.
CONSOLE_RESULT = "console_result"
#: The demo world folder the trainer works with.
DEMO_FOLDER = "demo_folder"

NEO4J_DOWN = "Neo4j is not reachable — start it with `cluegraph db start`"
#: Seconds a cached read stays fresh. Short: analysts load and judge while others look.
SHORT_TTL = 30

# The driver logs every notification (e.g. "property does not exist yet" on an empty graph)
# as a warning; the pages report what matters themselves.
logging.getLogger("neo4j").setLevel(logging.ERROR)

T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _driver() -> Any:
    """One driver per server process (an exception is not cached: the next run retries)."""
    return connect.driver()


def driver() -> Any:
    """The driver, after a quick check that Neo4j answers; else a message and stop."""
    try:
        drv = _driver()
        connect.check(drv)
    except GraphError as e:
        show_error(e)
        st.stop()
    return drv


def show_error(e: GraphError) -> None:
    """An expected failure as a sentence on the page, never a traceback."""
    if isinstance(e, ServiceUnavailable):
        st.error(NEO4J_DOWN, icon=":material/cloud_off:")
        st.caption(f"Details: {e}")
    elif isinstance(e, AuthFailed):
        st.error(
            "Neo4j refused ClueGraph's credentials. Check NEO4J_USER/NEO4J_PASSWORD, or the "
            "local password file.",
            icon=":material/lock:",
        )
    elif isinstance(e, QueryTimeout):
        st.warning(
            f"The query ran past its time limit ({get_settings().query_timeout:g} s) and was "
            "cancelled. Narrow the filters and try again.",
            icon=":material/timer_off:",
        )
    elif isinstance(e, Forbidden):
        st.error(f"Not allowed: {e}", icon=":material/lock:")
    elif isinstance(e, NotReadOnly):
        st.error(str(e), icon=":material/block:")
    elif isinstance(e, InvalidInput | NotFound):
        st.warning(str(e))
    else:
        st.error(str(e))


def call(fn: Callable[..., T], *args: Any, **kw: Any) -> T | None:
    """Run ``fn`` and show any ClueGraph error; None when it failed (stops if Neo4j is down)."""
    try:
        return fn(*args, **kw)
    except ServiceUnavailable as e:
        show_error(e)
        st.stop()
    except GraphError as e:
        show_error(e)
    return None


@st.cache_data(ttl=SHORT_TTL, show_spinner=False, max_entries=500)
def _cached(
    key: str,
    _fn: Callable[..., Any],
    scope: tuple[str, str] | None,
    args: tuple,
    kwargs: tuple,
) -> Any:
    # ``key`` names the function (``_fn`` itself is not hashed: the leading underscore);
    # ``scope`` (the user's name and role) is part of the cache key: a cached result is
    # reused only by the user it was read for, with the role they had then. The service
    # layer checks the user's right on every miss.
    user = auth.User(*scope) if scope else None
    return _fn(_driver(), *args, user=user, **dict(kwargs))


def load(fn: Callable[..., T], *args: Any, **kw: Any) -> T | None:
    """``fn(driver, *args, user=<current user>, **kw)`` (a read of :mod:`service`), cached
    for :data:`SHORT_TTL` seconds per user.

    Returns None after showing the error when it failed (and stops when Neo4j is down).
    """
    driver()  # a clear message, not a stale cached page, when Neo4j went away
    u = who.current_user()
    scope = (u.name, u.role) if u else None
    key = f"{fn.__module__}.{fn.__qualname__}"
    return call(_cached, key, fn, scope, args, tuple(sorted(kw.items())))


def clear_caches() -> None:
    """After a write: every cached read may be stale."""
    _cached.clear()


def query_param(name: str) -> str | None:
    v = st.query_params.get(name)
    return v or None


def open_series(series_id: str) -> None:
    """Go to the series explorer with ``series_id`` open (from any page)."""
    st.session_state[MEDIA_SKIP] = 0
    st.switch_page("views/series.py", query_params={SERIES: series_id})
