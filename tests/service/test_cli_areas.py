"""Every area of the service layer from the command line (issue 14): a command is checked
with the right of the user it acts for (``--by NAME``, else the OS account) and leaves an
AuditEvent, ``ok`` when it ran and ``refused`` when the right was missing, as in the app."""

from __future__ import annotations

import json

import pytest

from graph import audit, auth, db
from service.caller import operator
from tests.test_cli import run

pytestmark = pytest.mark.neo4j


@pytest.fixture
def env(cli_env, tmp_path):
    """The CLI's environment with a users file holding an analyst and a coordinator."""
    users = tmp_path / "users.toml"
    auth.add_user("ana", "analyst", None, path=users)
    auth.add_user("cora", "coordinator", None, path=users)
    return {**cli_env, "CLUEGRAPH_USERS_FILE": str(users)}


@pytest.fixture
def two_series(driver):
    db.write(
        driver,
        "UNWIND $ids AS id CREATE (:Series {id: id, name: id})",
        {"ids": ["S-1", "S-2"]},
        name="test.two_series",
    )
    return driver


def trail(driver):
    """(user, action, outcome) of every event, oldest first."""
    rows = audit.events(driver, limit=1000).rows
    return [(e["user"], e["action"], e["outcome"]) for e in reversed(rows)]


def test_judging_a_link_is_checked_and_audited(two_series, env):
    out = run(["links", "judge", "S-1", "S-2", "--as", "confirmed", "--by", "ana"], env)
    assert (out.returncode, trail(two_series)) == (0, [("ana", "link.judge", "ok")]), out.stderr


def test_a_link_judged_from_the_cli_carries_the_users_name(two_series, env):
    out = run(["links", "judge", "S-1", "S-2", "--as", "rejected", "--by", "ana"], env)
    assert "by ana" in out.stdout, out.stderr


def test_rebuilding_the_links_needs_the_load_right(driver, env):
    out = run(["links", "rebuild", "--by", "ana"], env)
    assert (out.returncode, trail(driver)) == (1, [("ana", "load", "refused")])


def test_showing_links_is_a_read_for_an_analyst(two_series, env):
    out = run(["links", "show", "S-1", "-f", "json", "--by", "ana"], env)
    assert (out.returncode, json.loads(out.stdout)) == (0, []), out.stderr


def test_accepting_a_suggestion_needs_the_add_clue_right(driver, env, tmp_path):
    users = tmp_path / "users.toml"
    auth.add_user("tess", "trainer", None, path=users)
    out = run(["clues", "accept", "0" * 64, "text:x", "--by", "tess"], env)
    assert (out.returncode, trail(driver)) == (1, [("tess", "add_clue", "refused")])


def test_listing_suggestions_is_audited_for_the_user(driver, env):
    out = run(["clues", "suggestions", "--format", "json", "--by", "ana"], env)
    assert (out.returncode, trail(driver)) == (0, [("ana", "suggestions.list", "ok")]), out.stderr


def test_listing_users_needs_manage_users(driver, env):
    out = run(["users", "list", "--by", "ana"], env)
    assert (out.returncode, trail(driver)) == (1, [("ana", "manage_users", "refused")])


def test_the_os_account_lists_users_and_it_is_audited(driver, env):
    out = run(["users", "list"], env)
    assert (out.returncode, trail(driver)) == (0, [(operator().name, "users.list", "ok")])


def test_reading_the_audit_trail_needs_view_audit(driver, env):
    out = run(["audit", "show", "--by", "ana"], env)
    assert (out.returncode, trail(driver)) == (1, [("ana", "view_audit", "refused")])


def test_a_coordinator_reads_the_audit_trail_and_the_view_is_recorded(driver, env):
    out = run(["audit", "show", "-f", "json", "--by", "cora"], env)
    assert (out.returncode, trail(driver)) == (0, [("cora", "audit.view", "ok")]), out.stderr


def test_emptying_the_database_needs_db_admin(two_series, env):
    out = run(["db", "reset", "--yes", "--by", "cora"], env)
    assert (out.returncode, trail(two_series)) == (1, [("cora", "db_admin", "refused")])


def test_loading_the_demo_world_needs_demo_load(driver, env):
    out = run(["demo", "up", "--by", "ana"], env)
    assert (out.returncode, trail(driver)) == (1, [("ana", "demo_load", "refused")])
