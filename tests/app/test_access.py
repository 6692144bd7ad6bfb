"""Logins, sessions, roles enforced in the query layer, and the audit trail of the app.

Accounts come from the users file of ``tests/app/conftest.py`` (synthetic passwords).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app import guard
from graph import audit, auth, db
from graph.config import get_settings, reset_settings
from graph.errors import Forbidden
from service import admin
from service import demo as demo_service
from service import leads as leads_service
from service import links as links_service
from service import overview as overview_service
from service import series as series_service
from tests.app.conftest import PASSWORD, user


def form_lead(driver, name, params, *, user):
    """A lead run with a page's form values (the Leads page's call)."""
    return leads_service.run(driver, name, params, user=user, form=True)


pytestmark = pytest.mark.neo4j

MAIN = Path(__file__).resolve().parents[2] / "app" / "main.py"


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(MAIN), default_timeout=60)
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def log_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="login_user").input(name)
    at.text_input(key="login_password").input(password)
    next(b for b in at.button if b.label == "Log in").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def logged_in(page: str | None, name: str) -> AppTest:
    at = AppTest.from_file(str(MAIN), default_timeout=60)
    at.session_state[guard.SESSION] = auth.Session(user(name))
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def events(driver, action: str) -> list[dict]:
    return db.records(
        driver,
        "MATCH (e:AuditEvent {action: $a}) RETURN e.user AS user, e.outcome AS outcome, "
        "e.parameters AS parameters, e.resultCount AS count ORDER BY e.at",
        {"a": action},
        name="test",
    )


def has_login_form(at: AppTest) -> bool:
    return any(t.key == "login_user" for t in at.text_input)


# ------------------------------------------------------------------ login
@pytest.mark.parametrize("page", [None, "views/series.py", "views/audit.py", "views/console.py"])
def test_no_page_content_without_a_login(seeded, page):
    at = app(page)
    assert (has_login_form(at), len(at.metric), len(at.dataframe)) == (True, 0, 0)


def test_the_login_form_opens_the_app(seeded):
    at = log_in(app(), "dana", PASSWORD)
    assert next(m.value for m in at.metric if m.label == "Series") == "5"


def test_a_login_is_audited(seeded):
    log_in(app(), "dana", PASSWORD)
    assert [(e["user"], e["outcome"]) for e in events(seeded, "login")] == [("dana", "ok")]


def test_a_wrong_password_shows_only_the_generic_message(seeded):
    at = log_in(app(), "bob", "not-the-password-at-all")
    assert [e.value for e in at.error] == [auth.LOGIN_FAILED]


def test_an_unknown_user_gets_the_same_message(seeded):
    at = log_in(app(), "nobody", "not-the-password-at-all")
    assert [e.value for e in at.error] == [auth.LOGIN_FAILED]


def test_a_wrong_password_is_audited_as_refused_without_the_password(seeded):
    log_in(app(), "carla", "wrong-password-xyz")
    ev = events(seeded, "login")
    assert [(e["user"], e["outcome"]) for e in ev] == [("carla", "refused")]
    jsonl = (get_settings().home / "audit.jsonl").read_text(encoding="utf-8")
    assert "wrong-password-xyz" not in ev[0]["parameters"] + jsonl


def test_a_locked_name_says_so(seeded):
    at = app()
    for _ in range(auth.MAX_FAILURES):
        log_in(at, "lock-me", "wrong-password-xyz")
    assert [e.value for e in at.error] == [auth.LOCKED_OUT]


def test_a_fresh_install_says_how_to_create_the_first_admin(driver, tmp_path, monkeypatch):
    monkeypatch.setenv("CLUEGRAPH_USERS_FILE", str(tmp_path / "none.toml"))
    reset_settings()
    at = app()
    assert not has_login_form(at) and "cluegraph users add NAME --role admin" in at.warning[0].value


def test_an_idle_session_ends_and_returns_to_the_login_form(seeded):
    at = logged_in(None, "dana")
    at.session_state[guard.SESSION].last_seen -= get_settings().session_minutes * 60 + 1
    at.run()
    assert has_login_form(at) and "without activity" in at.info[0].value


def test_an_expired_session_is_audited_as_a_logout(seeded):
    at = logged_in(None, "dana")
    at.session_state[guard.SESSION].last_seen -= get_settings().session_minutes * 60 + 1
    at.run()
    assert [json.loads(e["parameters"]) for e in events(seeded, "logout")] == [
        {"reason": "expired"}
    ]


def test_log_out_returns_to_the_login_form(seeded):
    at = logged_in(None, "dana")
    next(b for b in at.sidebar.button if b.label == "Log out").click().run()
    assert has_login_form(at) and [e["user"] for e in events(seeded, "logout")] == ["dana"]


def test_a_removed_user_loses_the_session(seeded, tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    auth.add_user("gone", "analyst", PASSWORD, path=path)
    monkeypatch.setenv("CLUEGRAPH_USERS_FILE", str(path))
    reset_settings()
    at = AppTest.from_file(str(MAIN), default_timeout=60)
    at.session_state[guard.SESSION] = auth.Session(auth.User("gone", "analyst"))
    at.run()
    auth.add_user("other", "admin", PASSWORD, path=path)
    auth.remove_user("gone", path=path)
    at.run()
    assert has_login_form(at)


def test_proxy_mode_without_the_header_gives_no_access(seeded, monkeypatch):
    monkeypatch.setenv("CLUEGRAPH_AUTH_HEADER", "X-Remote-User")
    reset_settings()
    at = app()
    assert not has_login_form(at) and "No access" in at.error[0].value


# ------------------------------------------------------------------ roles in the query layer
def test_reads_without_a_user_are_refused(seeded):
    with pytest.raises(Forbidden):
        series_service.detail(seeded, "S-FR-1")


def test_an_analyst_cannot_read_the_audit_trail(seeded):
    with pytest.raises(Forbidden):
        admin.audit_events(seeded, user=user("dana"))


def test_an_analyst_cannot_export_the_audit_trail(seeded):
    with pytest.raises(Forbidden):
        admin.audit_export(seeded, "csv", user=user("dana"))


def test_an_analyst_cannot_export_a_result(seeded):
    with pytest.raises(Forbidden):
        admin.export_table(seeded, ["a"], [{"a": 1}], "csv", user=user("dana"))


def test_an_analyst_cannot_load_the_demo_world(seeded):
    with pytest.raises(Forbidden):
        demo_service.reset(seeded, user=user("dana"))


def test_a_refusal_in_the_query_layer_is_audited(seeded):
    with pytest.raises(Forbidden):
        admin.audit_events(seeded, user=user("dana"))
    assert [(e["user"], e["outcome"]) for e in events(seeded, "view_audit")] == [
        ("dana", "refused")
    ]


def test_the_audit_page_refuses_an_analyst(seeded):
    at = logged_in("views/audit.py", "dana")
    assert (len(at.dataframe), "may not view audit" in at.error[0].value) == (0, True)


def test_a_coordinator_sees_and_exports_the_audit_trail(seeded):
    text = admin.audit_export(seeded, "jsonl", user=user("carla"))
    assert {json.loads(line)["action"] for line in text.splitlines()} >= {"lead_run"}


def test_the_audit_export_is_audited(seeded):
    admin.audit_export(seeded, "csv", user=user("carla"))
    assert [e["user"] for e in events(seeded, "audit.export")] == ["carla"]


def test_an_analyst_may_judge_but_a_trainer_may_not(seeded):
    with pytest.raises(Forbidden):
        links_service.judge(seeded, "S-DE-1", "S-FR-1", "rejected", user=user("tina"))


def test_a_trainer_reads_nothing_outside_the_demo_world(seeded):
    with pytest.raises(Forbidden, match="demo world only"):
        overview_service.counts(seeded, user=user("tina"))


def test_a_trainer_reads_in_a_training_deployment(seeded, monkeypatch):
    monkeypatch.setenv("CLUEGRAPH_DEMO", "1")
    reset_settings()
    assert overview_service.counts(seeded, user=user("tina"))["series"] == 5


def test_a_trainer_reads_a_graph_holding_the_demo_world(seeded):
    db.write(
        seeded,
        "CREATE (:Load {id: 'world-small-7', kind: 'world', status: 'done'})",
        name="test",
    )
    assert overview_service.counts(seeded, user=user("tina"))["series"] == 5


def test_an_analyst_gets_no_download_buttons(seeded):
    at = logged_in("views/leads.py", "dana")
    next(b for b in at.button if b.label == "Run").click().run()
    assert not at.get("download_button")


# ------------------------------------------------------------------ audit of actions
def test_a_lead_run_is_audited_with_user_parameters_and_count(seeded):
    at = logged_in("views/leads.py", "dana")
    next(b for b in at.button if b.label == "Run").click().run()
    ev = events(seeded, "lead.run")
    rows = form_lead(seeded, "cross-country", {}, user=user("dana")).rows
    assert [(e["user"], e["outcome"], e["count"]) for e in ev] == [("dana", "ok", len(rows))]


def test_a_lead_run_records_the_lead_name(seeded):
    at = logged_in("views/leads.py", "dana")
    next(b for b in at.button if b.label == "Run").click().run()
    assert json.loads(events(seeded, "lead.run")[0]["parameters"])["lead"] == "cross-country"


def test_a_series_view_is_audited(seeded):
    at = AppTest.from_file(str(MAIN), default_timeout=60)
    at.session_state[guard.SESSION] = auth.Session(user("dana"))
    at.query_params["series"] = "S-FR-1"
    at.switch_page("views/series.py")
    at.run()
    assert [(e["user"], json.loads(e["parameters"])) for e in events(seeded, "series.view")] == [
        ("dana", {"series": "S-FR-1"})
    ]


def test_a_refused_console_query_is_audited_as_refused(seeded):
    at = logged_in("views/console.py", "dana")
    at.text_area(key="console_text").input("CREATE (n:Series {id: 'EVIL'}) RETURN n")
    next(b for b in at.button if b.label == "Run").click().run()
    assert [(e["user"], e["outcome"]) for e in events(seeded, "console")] == [("dana", "refused")]


def test_events_go_to_the_jsonl_file_too(seeded):
    before = audit.audit_path().read_text(encoding="utf-8") if audit.audit_path().exists() else ""
    log_in(app(), "dana", PASSWORD)
    after = audit.audit_path().read_text(encoding="utf-8")[len(before) :]
    assert [json.loads(line)["action"] for line in after.splitlines()] == ["login"]
