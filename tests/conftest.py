"""Test fixtures: a real Neo4j for the whole session, a clean database for each test.

Without ``NEO4J_URI`` the tests run their own local server (home ``.cluegraph/test``,
Bolt port ``CLUEGRAPH_TEST_BOLT_PORT``, default 7697), separate from the demo's
server, and stop it at the end if they started it. With ``NEO4J_URI`` set, they use
that server and **wipe its database**: point it only at a disposable one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

if not os.environ.get("NEO4J_URI"):
    _port = os.environ.get("CLUEGRAPH_TEST_BOLT_PORT", "7697")
    # One home per port, so that several test runs (one per developer) never share a store.
    os.environ["CLUEGRAPH_HOME"] = str(
        ROOT / ".cluegraph" / ("test" if _port == "7697" else f"test-{_port}")
    )
    os.environ["CLUEGRAPH_BOLT_PORT"] = _port
    os.environ.setdefault("CLUEGRAPH_HEAP", "768m")
    os.environ.setdefault("CLUEGRAPH_PAGECACHE", "512m")

from graph import db  # noqa: E402  (after the environment is set)
from graph.config import get_settings, reset_settings  # noqa: E402
from graph.server import LocalServer  # noqa: E402

reset_settings()

_state: dict = {"started": False, "info": None, "error": None}


def ensure_server() -> dict:
    """Start (once) the server the tests use; return its version info."""
    if _state["info"] or _state["error"]:
        if _state["error"]:
            pytest.exit(f"Neo4j for tests could not start: {_state['error']}", returncode=3)
        return _state["info"]
    try:
        if not get_settings().remote:
            srv = LocalServer()
            if not srv.pid():
                srv.start(echo=lambda *a: None)
                _state["started"] = True
        drv = db.get_driver()
        db.apply_schema(drv)
        _state["info"] = db.server_info(drv)
    except Exception as e:  # reported once, then the session stops
        _state["error"] = str(e)
        pytest.exit(f"Neo4j for tests could not start: {e}", returncode=3)
    return _state["info"]


def pytest_report_header(config):
    markexpr = config.getoption("markexpr") or ""
    if "not neo4j" in markexpr:
        return "neo4j: not used (-m 'not neo4j')"
    info = ensure_server()
    where = get_settings().neo4j_uri or get_settings().local_uri
    return f"neo4j: {info['version']} {info['edition']} at {where}"


def pytest_sessionfinish(session, exitstatus):
    db.close_drivers()
    if _state["started"] and not os.environ.get("CLUEGRAPH_TEST_KEEP_SERVER"):
        LocalServer().stop(echo=lambda *a: None)


@pytest.fixture(scope="session")
def neo4j_server() -> dict:
    return ensure_server()


@pytest.fixture
def driver(neo4j_server):
    """The driver, on an empty database with the schema applied."""
    drv = db.get_driver()
    db.reset(drv, keep_audit=False)
    db.apply_schema(drv)
    return drv


@pytest.fixture
def cli_env(neo4j_server) -> dict[str, str]:
    """Environment for running ``cluegraph`` in a subprocess against the test server."""
    env = dict(os.environ)
    return env
