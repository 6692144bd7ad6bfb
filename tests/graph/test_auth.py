"""Users, roles, logins, lockout, proxy users, sessions; Neo4j credentials never leak."""

from __future__ import annotations

import json
import logging
import os
import secrets
import stat
import subprocess
import sys
import tomllib
import traceback
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph import audit, auth, db
from graph.auth import Action, Lockout, Session, User
from graph.config import Settings
from graph.errors import Forbidden, GraphError, InvalidInput

PW = "correct horse battery staple"


@pytest.fixture
def users_file(tmp_path, monkeypatch):
    p = tmp_path / "users.toml"
    monkeypatch.setattr(auth, "users_path", lambda settings=None: p)
    monkeypatch.setattr(audit, "audit_path", lambda settings=None: tmp_path / "audit.jsonl")
    monkeypatch.setattr(auth, "_lockout", Lockout())
    return p


# ------------------------------------------------------------------ permission model
@pytest.mark.parametrize("action", ["read", "triage", "add_clue", "judge_link", "console"])
def test_analyst_may_investigate(action):
    assert auth.allowed(User("ana", "analyst"), action)


@pytest.mark.parametrize(
    "action", ["export", "view_audit", "load", "manage_users", "demo_reset", "demo_load"]
)
def test_analyst_may_not_export_audit_load_or_administer(action):
    assert not auth.allowed(User("ana", "analyst"), action)


def test_coordinator_is_analyst_plus_audit_and_exports():
    extra = auth.PERMISSIONS["coordinator"] - auth.PERMISSIONS["analyst"]
    assert extra == {"export", "view_audit"}


def test_admin_may_do_everything():
    assert auth.PERMISSIONS["admin"] == set(Action)


def test_trainer_reads_in_the_demo_world():
    assert auth.allowed(User("tom", "trainer"), "read", demo=True)


def test_trainer_may_reset_the_demo_world():
    assert auth.allowed(User("tom", "trainer"), "demo_reset", demo=True)


def test_trainer_may_not_read_outside_the_demo_world():
    with pytest.raises(Forbidden, match="demo world only"):
        auth.require(User("tom", "trainer"), "read", demo=False)


def test_trainer_rights_are_off_by_default():
    assert not auth.allowed(User("tom", "trainer"), "read")


@pytest.mark.parametrize("action", ["export", "load", "view_audit", "add_clue", "manage_users"])
def test_trainer_may_not_export_load_or_write_even_in_demo(action):
    assert not auth.allowed(User("tom", "trainer"), action, demo=True)


def test_require_without_user_asks_for_login():
    with pytest.raises(Forbidden, match="log in first"):
        auth.require(None, "read")


def test_unknown_role_has_no_rights():
    assert not auth.allowed(User("x", "superuser"), "read")


def test_require_refuses_unknown_actions():
    with pytest.raises(ValueError):
        auth.require(User("a", "admin"), "launch_missiles")


def test_forbidden_is_a_graph_error_with_a_plain_message():
    with pytest.raises(GraphError, match=r"^ana \(analyst\) may not export$"):
        auth.require(User("ana", "analyst"), "export")


def test_requires_decorator_passes_the_user_through():
    @auth.requires("export")
    def export_leads(*, user):
        return user.name

    assert export_leads(user=User("co", "coordinator")) == "co"


def test_requires_decorator_refuses():
    @auth.requires("export")
    def export_leads(*, user):
        return "rows"

    with pytest.raises(Forbidden):
        export_leads(user=User("ana", "analyst"))


def test_requires_decorator_refuses_a_missing_user():
    @auth.requires("read")
    def overview(driver=None):
        return "rows"

    with pytest.raises(Forbidden):
        overview()


def test_requires_decorator_drops_user_for_functions_without_it():
    @auth.requires("read")
    def overview(x):
        return x

    assert overview(2, user=User("ana", "analyst")) == 2


@pytest.mark.neo4j
def test_refusals_are_audited(driver, users_file, tmp_path):
    @auth.requires("export")
    def export_leads(driver, *, user):
        return "rows"

    with pytest.raises(Forbidden):
        export_leads(driver, user=User("ana", "analyst"))
    rows = db.records(driver, "MATCH (e:AuditEvent) RETURN e.outcome AS o, e.user AS u", name="t")
    assert rows == [{"o": "refused", "u": "ana"}]


# ------------------------------------------------------------------ users file
def test_users_file_is_private(users_file):
    auth.add_user("ana", "analyst", PW)
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600


def test_users_file_holds_an_argon2id_hash_not_the_password(users_file):
    auth.add_user("ana", "analyst", PW)
    text = users_file.read_text()
    entry = tomllib.loads(text)["users"]["ana"]
    assert (entry["hash"].startswith("$argon2id$"), PW in text) == (True, False)


def test_json_users_file_works_too(tmp_path):
    p = tmp_path / "users.json"
    auth.add_user("ana", "analyst", PW, path=p)
    assert json.loads(p.read_text())["users"]["ana"]["role"] == "analyst"


def test_json_users_file_authenticates(tmp_path):
    p = tmp_path / "users.json"
    auth.add_user("ana", "analyst", PW, path=p)
    assert auth.authenticate("ana", PW, path=p, lockout=Lockout()) == User("ana", "analyst")


def test_duplicate_user_is_refused(users_file):
    auth.add_user("ana", "analyst", PW)
    with pytest.raises(InvalidInput, match="already exists"):
        auth.add_user("ANA", "admin", PW)


@pytest.mark.parametrize("pw", ["short", "", "x" * 2000, "ana"])
def test_weak_or_absurd_passwords_are_refused(users_file, pw):
    with pytest.raises(InvalidInput):
        auth.add_user("ana", "analyst", pw)


@pytest.mark.parametrize("name", ["", "a b", "ä", "x" * 65, "a\x00b", "-x", "аna"])
def test_odd_user_names_are_refused(users_file, name):
    with pytest.raises(InvalidInput):
        auth.add_user(name, "analyst", PW)


def test_unknown_role_is_refused(users_file):
    with pytest.raises(InvalidInput, match="unknown role"):
        auth.add_user("ana", "root", PW)


def test_a_users_file_others_can_read_is_refused(users_file):
    auth.add_user("ana", "analyst", PW)
    os.chmod(users_file, 0o644)
    with pytest.raises(InvalidInput, match="chmod 600"):
        auth.load_users()


def test_no_login_with_a_users_file_others_can_read(users_file):
    auth.add_user("ana", "analyst", PW)
    os.chmod(users_file, 0o644)
    assert auth.authenticate("ana", PW) is None


def test_role_change_shows_at_once(users_file):
    auth.add_user("ana", "analyst", PW)
    auth.set_role("ana", "coordinator")
    assert auth.get_user("ana") == User("ana", "coordinator")


def test_list_users_names_roles(users_file):
    auth.add_user("bo", "admin", PW)
    auth.add_user("ana", "analyst", PW)
    assert auth.list_users() == [User("ana", "analyst"), User("bo", "admin")]


# ------------------------------------------------------------------ logins
def test_right_password_logs_in(users_file):
    auth.add_user("ana", "analyst", PW)
    assert auth.authenticate("Ana ", PW) == User("ana", "analyst")


def test_wrong_password_does_not_log_in(users_file):
    auth.add_user("ana", "analyst", PW)
    assert auth.authenticate("ana", PW + "!") is None


def test_unknown_user_does_not_log_in(users_file):
    assert auth.authenticate("nobody", PW) is None


def test_proxy_only_user_cannot_log_in_with_a_password(users_file):
    auth.add_user("pat", "analyst", None)
    assert auth.authenticate("pat", "") is None


def test_unknown_user_costs_a_hash_verification_like_a_known_one(users_file, monkeypatch):
    auth.add_user("ana", "analyst", PW)
    calls = []
    real = auth._hasher

    class Counting:
        def verify(self, h, p):
            calls.append(1)
            return real.verify(h, p)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(auth, "_hasher", Counting())
    auth.authenticate("nobody", PW)
    auth.authenticate("ana", "wrong password here")
    assert calls == [1, 1]


def test_lockout_after_repeated_failures_refuses_even_the_right_password(users_file):
    auth.add_user("ana", "analyst", PW)
    lo = Lockout(max_failures=3, minutes=15, clock=lambda: 100.0)
    for _ in range(3):
        auth.authenticate("ana", "wrong wrong wrong", lockout=lo)
    assert auth.authenticate("ana", PW, lockout=lo) is None


def test_lockout_ends_after_its_minutes(users_file):
    auth.add_user("ana", "analyst", PW)
    t = [100.0]
    lo = Lockout(max_failures=3, minutes=15, clock=lambda: t[0])
    for _ in range(3):
        auth.authenticate("ana", "wrong wrong wrong", lockout=lo)
    t[0] += 15 * 60 + 1
    assert auth.authenticate("ana", PW, lockout=lo) == User("ana", "analyst")


def test_unknown_names_lock_the_same_way(users_file):
    lo = Lockout(max_failures=3, minutes=15, clock=lambda: 100.0)
    for _ in range(3):
        auth.authenticate("nobody", "wrong wrong wrong", lockout=lo)
    assert auth.is_locked("nobody", lockout=lo)


def test_success_clears_the_failure_count(users_file):
    auth.add_user("ana", "analyst", PW)
    lo = Lockout(max_failures=3, minutes=15, clock=lambda: 100.0)
    for _ in range(2):
        auth.authenticate("ana", "wrong wrong wrong", lockout=lo)
    auth.authenticate("ana", PW, lockout=lo)
    auth.authenticate("ana", "wrong wrong wrong", lockout=lo)
    assert not auth.is_locked("ana", lockout=lo)


def test_removed_user_cannot_log_in(users_file):
    auth.add_user("ana", "analyst", PW)
    auth.remove_user("ana")
    assert auth.authenticate("ana", PW) is None


def test_new_password_replaces_the_old(users_file):
    auth.add_user("ana", "analyst", PW)
    auth.set_password("ana", "another long passphrase")
    assert auth.authenticate("ana", PW) is None


# ------------------------------------------------------------------ proxy header
def _settings(tmp_path, header):
    return Settings(home=tmp_path, auth_header=header, users_file=tmp_path / "users.toml")


def test_proxy_header_names_the_user_and_the_file_gives_the_role(tmp_path):
    auth.add_user("pat", "coordinator", None, path=tmp_path / "users.toml")
    s = _settings(tmp_path, "X-Remote-User")
    assert auth.user_from_headers({"x-remote-user": "Pat"}, settings=s) == User(
        "pat", "coordinator"
    )


def test_proxy_header_for_a_user_not_in_the_file_gives_nobody(tmp_path):
    auth.add_user("pat", "coordinator", None, path=tmp_path / "users.toml")
    s = _settings(tmp_path, "X-Remote-User")
    assert auth.user_from_headers({"X-Remote-User": "mallory"}, settings=s) is None


def test_proxy_header_is_ignored_when_the_mode_is_off(tmp_path):
    auth.add_user("pat", "admin", None, path=tmp_path / "users.toml")
    s = _settings(tmp_path, None)
    assert auth.user_from_headers({"X-Remote-User": "pat"}, settings=s) is None


# ------------------------------------------------------------------ sessions
def test_session_expires_after_idle_minutes():
    t = [0.0]
    s = Session(User("ana", "analyst"), minutes=30, clock=lambda: t[0])
    t[0] = 30 * 60 + 1
    assert s.expired()


def test_session_activity_keeps_it_alive():
    t = [0.0]
    s = Session(User("ana", "analyst"), minutes=30, clock=lambda: t[0])
    for _ in range(5):
        t[0] += 20 * 60
        s.touch()
    assert not s.expired()


def test_expired_session_refuses_further_use():
    t = [0.0]
    s = Session(User("ana", "analyst"), minutes=30, clock=lambda: t[0])
    t[0] = 31 * 60
    with pytest.raises(Forbidden, match="expired"):
        s.touch()


def test_session_default_length_comes_from_settings():
    assert Session(User("ana", "analyst")).minutes == auth.get_settings().session_minutes


def test_session_ends_when_the_user_is_removed(users_file):
    auth.add_user("ana", "analyst", PW)
    s = Session(auth.authenticate("ana", PW))
    auth.remove_user("ana")
    with pytest.raises(Forbidden, match="no longer exists"):
        s.current_user()


def test_session_picks_up_a_role_change(users_file):
    auth.add_user("ana", "analyst", PW)
    s = Session(auth.authenticate("ana", PW))
    auth.set_role("ana", "trainer")
    assert s.current_user().role == "trainer"


# ------------------------------------------------------------------ CLI
@pytest.fixture
def runner_app():
    from cli import users

    return CliRunner(), users.app


def test_cli_add_with_password_stdin(users_file, runner_app):
    r, app = runner_app
    res = r.invoke(app, ["add", "ana", "--role", "analyst", "--password-stdin"], input=PW + "\n")
    assert (res.exit_code, auth.authenticate("ana", PW)) == (0, User("ana", "analyst"))


def test_cli_add_asks_twice(users_file, runner_app):
    r, app = runner_app
    res = r.invoke(app, ["add", "ana", "--role", "coordinator"], input=f"{PW}\n{PW}\n")
    assert (res.exit_code, auth.get_user("ana")) == (0, User("ana", "coordinator"))


def test_cli_add_refuses_a_mismatched_confirmation(users_file, runner_app):
    r, app = runner_app
    r.invoke(app, ["add", "ana", "--role", "analyst"], input=f"{PW}\n{PW}x\n{PW}\n{PW}x\n")
    assert auth.get_user("ana") is None


def test_cli_passwd_and_remove(users_file, runner_app):
    r, app = runner_app
    auth.add_user("ana", "analyst", PW)
    r.invoke(app, ["passwd", "ana", "--password-stdin"], input="a brand new passphrase\n")
    res = r.invoke(app, ["remove", "ana", "--yes"])
    assert (res.exit_code, auth.list_users()) == (0, [])


def test_cli_list_never_shows_hashes(users_file, runner_app):
    r, app = runner_app
    auth.add_user("ana", "analyst", PW)
    res = r.invoke(app, ["list"])
    assert "ana" in res.output and "argon2" not in res.output


def test_cli_user_changes_are_audited(users_file, runner_app, tmp_path):
    r, app = runner_app
    r.invoke(app, ["add", "ana", "--role", "analyst", "--password-stdin"], input=PW + "\n")
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    ev = json.loads(lines[-1])
    assert (ev["action"], PW in lines[-1]) == ("users.add", False)


# ------------------------------------------------------------------ Neo4j credentials
SECRET = "Sup3r-" + secrets.token_hex(8) + "-s3cret"


def _neo4j_settings(port: int) -> Settings:
    return Settings(
        NEO4J_URI=f"bolt://127.0.0.1:{port}", NEO4J_USER="cluegraph_nobody", NEO4J_PASSWORD=SECRET
    )


def _everything_said(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(getattr(exc, "hint", ""))


@pytest.mark.neo4j
@pytest.mark.parametrize("port", ["server", "closed"])
def test_neo4j_password_never_appears_in_errors_or_logs(neo4j_server, caplog, port):
    real = auth.get_settings().bolt_port
    s = _neo4j_settings(real if port == "server" else 1)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(GraphError) as ei:
        db.get_driver(s)
    said = _everything_said(ei.value) + caplog.text + repr(s) + str(s.model_dump())
    assert SECRET not in said


@pytest.mark.neo4j
def test_wrong_neo4j_password_gives_a_clear_error(neo4j_server):
    s = _neo4j_settings(auth.get_settings().bolt_port)
    with pytest.raises(GraphError, match="refused the credentials"):
        db.get_driver(s)


@pytest.mark.neo4j
@pytest.mark.parametrize("port", ["server", "closed"])
def test_neo4j_password_never_appears_in_cli_output(cli_env, port, tmp_path):
    real = auth.get_settings().bolt_port
    env = {
        **cli_env,
        "NEO4J_URI": f"bolt://127.0.0.1:{real if port == 'server' else 1}",
        "NEO4J_USER": "cluegraph_nobody",
        "NEO4J_PASSWORD": SECRET,
        "CLUEGRAPH_HOME": str(tmp_path),
    }
    out = []
    for args in (["query", "RETURN 1"], ["db", "status"], ["load", "cases", "/nonexistent.csv"]):
        p = subprocess.run(
            [sys.executable, "-m", "cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).resolve().parents[2],
        )
        out.append(p.stdout + p.stderr)
    assert SECRET not in "".join(out) and all(o.strip() for o in out)


def test_audit_never_stores_the_neo4j_password(monkeypatch, tmp_path):
    monkeypatch.setattr(audit, "_known_secrets", lambda: {SECRET})
    ev = audit.record(None, "ana", "console", {"q": f"RETURN '{SECRET}'"}, path=tmp_path / "a")
    assert SECRET not in ev.parameters and SECRET not in (tmp_path / "a").read_text()
