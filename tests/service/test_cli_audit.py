"""The CLI goes through the service layer: ``cluegraph leads`` and ``cluegraph query`` are
checked and leave an AuditEvent, like the app's Leads page and console (issue 14)."""

from __future__ import annotations

import json

import pytest

from graph import audit, auth
from service.caller import operator
from tests.test_cli import run

pytestmark = pytest.mark.neo4j


@pytest.fixture
def env(cli_env, tmp_path):
    """The CLI's environment with a users file holding a trainer and an analyst."""
    users = tmp_path / "users.toml"
    auth.add_user("tess", "trainer", None, path=users)
    auth.add_user("ana", "analyst", None, path=users)
    return {**cli_env, "CLUEGRAPH_USERS_FILE": str(users)}


def events(driver, action):
    return audit.events(driver, action=action).rows


def test_a_cli_query_leaves_an_audit_event_for_the_os_account(driver, env):
    run(["query", "RETURN 1 AS one"], env)
    assert [(e["user"], e["outcome"], e["resultCount"]) for e in events(driver, "console")] == [
        (operator().name, "ok", 1)
    ]


def test_a_cli_query_records_its_text(driver, env):
    run(["query", "RETURN 1 AS one"], env)
    assert json.loads(events(driver, "console")[0]["parameters"])["query"] == "RETURN 1 AS one"


def test_a_cli_write_attempt_is_audited_as_refused(driver, env):
    run(["query", "CREATE (:Series {id: 'evil'})"], env)
    assert [e["outcome"] for e in events(driver, "console")] == ["refused"]


def test_a_cli_lead_run_leaves_an_audit_event(driver, env):
    out = run(["leads", "cross-country", "-f", "json", "--by", "ana"], env)
    assert (out.returncode, [(e["user"], e["outcome"]) for e in events(driver, "lead.run")]) == (
        0,
        [("ana", "ok")],
    )


def test_a_cli_lead_run_records_the_lead_name(driver, env):
    run(["leads", "cross-country", "-f", "json"], env)
    assert json.loads(events(driver, "lead.run")[0]["parameters"])["lead"] == "cross-country"


def test_a_refused_right_fails_with_a_clear_message(driver, env):
    out = run(["query", "RETURN 1", "--by", "tess"], env)
    assert (out.returncode, out.stderr.strip()) == (
        1,
        "error: tess (trainer) may console in the demo world only",
    )


def test_a_refused_right_is_audited_and_runs_nothing(driver, env):
    run(["leads", "cross-country", "--by", "tess"], env)
    assert [(e["user"], e["outcome"]) for e in audit.events(driver).rows] == [("tess", "refused")]


def test_triage_without_loading_needs_no_load_right(driver, env):
    out = run(["leads", "triage", "--hashes", "0" * 64, "--by", "ana"], env)
    assert out.returncode == 0, out.stderr


def test_loading_from_triage_needs_the_load_right(driver, env, tmp_path):
    out = run(
        ["leads", "triage", "--files", str(tmp_path), "--add-to-case", "C-1", "--by", "ana"], env
    )
    assert (out.returncode, out.stderr.strip()) == (1, "error: ana (analyst) may not load")


def test_an_unknown_by_name_is_refused_by_name(driver, env):
    out = run(["query", "RETURN 1", "--by", "nobody"], env)
    assert "nobody: there is no such ClueGraph user" in out.stderr
