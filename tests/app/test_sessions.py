"""A session that survives a page reload (issue 15, point 10), through the app's real login.

A reload is a new Streamlit session: here a new ``AppTest`` whose browser sends the
sign-in cookie (``guard._cookie_token``, which reads ``st.context.cookies`` in a real
browser; AppTest cannot send cookies). ``tests/app/test_browser.py`` does the same with a
real cookie in Chromium.
"""

from __future__ import annotations

import json
import secrets

import pytest
from streamlit.testing.v1 import AppTest

from app import guard, sessions
from graph.config import get_settings
from tests.app.conftest import PASSWORD
from tests.app.test_access import app, events, has_login_form, log_in

pytestmark = pytest.mark.neo4j


def page_load(monkeypatch, cookie: str | None, page: str | None = None) -> AppTest:
    """A fresh page load (empty session state) whose browser sends ``cookie``."""
    monkeypatch.setattr(guard, "_cookie_token", lambda: cookie)
    return app(page)


def signed_in(monkeypatch, name: str = "dana") -> tuple[AppTest, str]:
    """Log in with the form; return the page and the token its cookie carries."""
    at = log_in(page_load(monkeypatch, None), name, PASSWORD)
    assert not has_login_form(at)
    token = at.session_state[guard._TOKEN]
    return at, token


def cookie_scripts(at: AppTest) -> list[str]:
    return [str(e.proto.body) for e in at.get("html") if sessions.COOKIE in str(e.proto.body)]


def who(at: AppTest) -> str:
    return " ".join(str(c.value) for c in at.sidebar.caption)


def test_a_reload_keeps_the_user_signed_in(seeded, monkeypatch):
    _, token = signed_in(monkeypatch, "dana")
    at = page_load(monkeypatch, token, "views/series.py")
    assert not has_login_form(at)
    assert "Logged in as **dana** (analyst)" in who(at)
    assert at.title[0].value == "Series explorer"
    assert [(e["user"], e["outcome"]) for e in events(seeded, "session.resume")] == [("dana", "ok")]


def test_the_login_puts_the_token_in_a_cookie_and_the_form_clears_it(seeded, monkeypatch):
    at, token = signed_in(monkeypatch)
    (script,) = cookie_scripts(at)
    assert f"{sessions.COOKIE}={token};" in script and "SameSite=Strict" in script
    form = page_load(monkeypatch, None)
    (clear,) = cookie_scripts(form)
    assert f"{sessions.COOKIE}=; Max-Age=0" in clear


def test_the_token_is_random_and_only_its_digest_is_kept(seeded, monkeypatch):
    _, t1 = signed_in(monkeypatch, "dana")
    _, t2 = signed_in(monkeypatch, "dana")
    assert t1 != t2 and len(t1) >= 43 and PASSWORD not in t1
    keys = set(sessions.STORE._sessions)
    assert sessions.digest(t1) in keys and t1 not in keys and t2 not in keys


def test_after_log_out_the_old_cookie_signs_no_one_in(seeded, monkeypatch):
    at, token = signed_in(monkeypatch)
    next(b for b in at.sidebar.button if b.label == "Log out").click().run()
    assert has_login_form(at)
    again = page_load(monkeypatch, token)
    assert has_login_form(again)
    refused = [e for e in events(seeded, "login") if e["outcome"] == "refused"]
    assert [json.loads(e["parameters"])["reason"] for e in refused] == [sessions.UNKNOWN]


def test_after_the_idle_time_a_reload_asks_for_a_login(seeded, monkeypatch):
    _, token = signed_in(monkeypatch)
    sessions.STORE.peek(token).last_seen -= get_settings().session_minutes * 60 + 1
    at = page_load(monkeypatch, token)
    assert has_login_form(at) and "without activity" in at.info[0].value
    refused = [e for e in events(seeded, "login") if e["outcome"] == "refused"]
    assert [(e["user"], json.loads(e["parameters"])["reason"]) for e in refused] == [
        ("dana", sessions.EXPIRED)
    ]
    assert sessions.STORE.peek(token) is None


def test_activity_within_the_idle_time_keeps_the_session(seeded, monkeypatch):
    _, token = signed_in(monkeypatch)
    s = sessions.STORE.peek(token)
    s.last_seen -= get_settings().session_minutes * 60 - 30  # 30 s left
    assert not has_login_form(page_load(monkeypatch, token))
    assert s.remaining() > get_settings().session_minutes * 60 - 10  # the reload counted


def test_a_forged_token_is_refused_and_audited_without_the_token(seeded, monkeypatch):
    forged = secrets.token_urlsafe(32)
    at = page_load(monkeypatch, forged)
    assert has_login_form(at)
    (ev,) = events(seeded, "login")
    assert (ev["user"], ev["outcome"]) == ("anonymous", "refused")
    assert json.loads(ev["parameters"]) == {"via": "session cookie", "reason": sessions.UNKNOWN}
    jsonl = (get_settings().home / "audit.jsonl").read_text(encoding="utf-8")
    assert forged not in jsonl
    at.run()  # the same page load again: refused once, not on every rerun
    assert len(events(seeded, "login")) == 1


def test_a_reload_after_the_user_was_removed_asks_for_a_login(seeded, monkeypatch, tmp_path):
    from graph import auth
    from graph.config import reset_settings

    path = tmp_path / "users.toml"
    auth.add_user("gone", "analyst", PASSWORD, path=path)
    auth.add_user("other", "admin", PASSWORD, path=path)
    monkeypatch.setenv("CLUEGRAPH_USERS_FILE", str(path))
    reset_settings()
    _, token = signed_in(monkeypatch, "gone")
    auth.remove_user("gone", path=path)
    assert has_login_form(page_load(monkeypatch, token))


def test_log_out_in_one_tab_ends_the_other_tab(seeded, monkeypatch):
    first, token = signed_in(monkeypatch)
    second = page_load(monkeypatch, token)  # a second tab: the same cookie
    assert not has_login_form(second)
    next(b for b in first.sidebar.button if b.label == "Log out").click().run()
    second.run()
    assert has_login_form(second)
