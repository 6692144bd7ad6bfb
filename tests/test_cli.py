"""The ``cluegraph`` command as a user runs it: one-line errors, read-only query, server life."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from graph import db
from graph.server import _alive as server_alive

pytestmark = pytest.mark.neo4j
ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], env: dict[str, str], timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_query_json_is_a_list_of_objects_keyed_by_column(driver, cli_env):
    db.write(
        driver, "CREATE (:Series {id: 'S1', name: 'a'}), (:Series {id: 'S2', name: 'b'})", name="t"
    )
    out = run(
        ["query", "MATCH (s:Series) RETURN s.id AS id, s.name AS name ORDER BY id", "-f", "json"],
        cli_env,
    )
    assert json.loads(out.stdout) == [{"id": "S1", "name": "a"}, {"id": "S2", "name": "b"}]


def test_query_passes_typed_parameters(driver, cli_env):
    out = run(["query", "RETURN $n * 2 AS d", "--param", "n=21", "-f", "csv"], cli_env)
    assert out.stdout.splitlines() == ["d", "42"]


def test_query_refuses_a_write_and_changes_nothing(driver, cli_env):
    """Nothing but the refusal's own AuditEvent (the trail) is written."""
    out = run(["query", "CREATE (:Series {id: 'evil'})"], cli_env)
    nodes, rels = db.counts(driver)
    trail = len(db.records(driver, "MATCH (e:AuditEvent) RETURN e.id AS id", name="t"))
    assert (out.returncode, nodes - trail, rels) == (1, 0, 0)


def test_write_refusal_is_one_clear_line(driver, cli_env):
    out = run(["query", "MATCH (n) DETACH DELETE n"], cli_env)
    assert out.stderr.strip().startswith("error: refused") and "Traceback" not in out.stderr


def test_wrong_password_is_one_line_with_a_hint(neo4j_server, cli_env):
    from graph.config import get_settings

    s = get_settings()
    env = {
        **cli_env,
        "NEO4J_URI": s.neo4j_uri or s.local_uri,
        "NEO4J_USER": "neo4j",
        "NEO4J_PASSWORD": "definitely-wrong",
    }
    out = run(["query", "RETURN 1"], env)
    lines = out.stderr.strip().splitlines()
    assert (out.returncode, len(lines), "hint:" in lines[0], "definitely-wrong" in out.stderr) == (
        1,
        1,
        True,
        False,
    )


def test_server_down_is_one_line_naming_db_start(cli_env):
    env = {
        **cli_env,
        "NEO4J_URI": f"bolt://127.0.0.1:{free_port()}",
        "NEO4J_USER": "neo4j",
        "NEO4J_PASSWORD": "x",
    }
    out = run(["query", "RETURN 1"], env)
    assert (
        out.returncode == 1 and "cluegraph db start" in out.stderr and "Traceback" not in out.stderr
    )


def test_missing_remote_password_names_the_variable(cli_env):
    env = {**cli_env, "NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_USER": "neo4j"}
    env.pop("NEO4J_PASSWORD", None)
    out = run(["query", "RETURN 1"], env)
    assert "NEO4J_PASSWORD" in out.stderr


@pytest.mark.slow
def test_db_start_status_stop_on_a_fresh_home(tmp_path, neo4j_server):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update(CLUEGRAPH_HOME=str(tmp_path / "home"), CLUEGRAPH_BOLT_PORT=str(free_port()))
    env.update(CLUEGRAPH_HEAP="512m", CLUEGRAPH_PAGECACHE="256m")
    started = run(["db", "start"], env)
    assert started.returncode == 0, started.stderr
    status = run(["db", "status"], env)
    pw = tmp_path / "home" / "neo4j-password"
    pid = int((tmp_path / "home" / "neo4j" / "run" / "neo4j.pid").read_text())
    # the warm helper (cli/warm.py) starts with the server and stops with it
    assert "warm helper" in started.stdout
    helper = int((tmp_path / "home" / "run" / "cli.pid").read_text())
    assert server_alive(helper)
    stopped = run(["db", "stop"], env)
    assert "Neo4j 5." in status.stdout and "nodes" in status.stdout
    assert oct(pw.stat().st_mode & 0o777) == "0o600"
    assert stopped.returncode == 0 and not server_alive(pid)
    assert "warm helper stopped" in stopped.stdout and not server_alive(helper)


def test_db_status_when_stopped_says_so(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update(CLUEGRAPH_HOME=str(tmp_path / "h"), CLUEGRAPH_BOLT_PORT=str(free_port()))
    out = run(["db", "status"], env)
    assert out.returncode == 1 and "not running" in out.stderr + out.stdout
