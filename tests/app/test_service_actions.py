"""Every action moved from ``graph/pages.py`` to ``service/`` still checks the right and
leaves an AuditEvent (issue 14): a user without the right is refused and the refusal is
recorded with the right's name; a user with it leaves the action's event. Straight
through the service layer, and through the pages (AppTest) for the app's forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app import guard
from graph import audit, auth
from graph.errors import Forbidden, NotFound
from service import admin, demo
from service import clues as clues_service
from service import links as links_service
from service import series as series_service
from service import triage as triage_service
from tests.app.conftest import user
from tests.app.seed import SHA

pytestmark = pytest.mark.neo4j

MAIN = Path(__file__).resolve().parents[2] / "app" / "main.py"


def trail(driver) -> list[tuple[str, str, str]]:
    """(user, action, outcome) of every event, oldest first."""
    rows = audit.events(driver, limit=1000).rows
    return [(e["user"], e["action"], e["outcome"]) for e in reversed(rows)]


#: (what, user without the right, the right, the call)
REFUSED = [
    (
        "judge",
        "tina",
        "judge_link",
        lambda d, u: links_service.judge(d, "S-DE-1", "S-FR-1", "confirmed", user=u),
    ),
    ("rebuild", "dana", "load", lambda d, u: links_service.rebuild(d, user=u)),
    (
        "add clue",
        "tina",
        "add_clue",
        lambda d, u: clues_service.add(
            d, user=u, target="S-FR-1", target_kind="series", clue_type="text", label="x"
        ),
    ),
    (
        "answer",
        "tina",
        "add_clue",
        lambda d, u: clues_service.answer(d, SHA[1], "text:x", True, user=u),
    ),
    ("triage", "tina", "triage", lambda d, u: triage_service.match(d, [SHA[1]], user=u)),
    (
        "add to case",
        "dana",
        "load",
        lambda d, u: triage_service.match(d, [SHA[1]], user=u, extra={"add_to_case": "C-FR-1"}),
    ),
    ("reveal", "tina", "reveal", lambda d, u: series_service.reveal_thumbnail(d, SHA[1], user=u)),
    ("view series", "tina", "read", lambda d, u: series_service.record_view(d, "S-FR-1", user=u)),
    ("audit trail", "dana", "view_audit", lambda d, u: admin.audit_events(d, user=u)),
    (
        "export",
        "dana",
        "export",
        lambda d, u: admin.export_table(d, ["a"], [{"a": 1}], "csv", user=u),
    ),
    ("users", "carla", "manage_users", lambda d, u: admin.list_users(d, user=u)),
    ("db reset", "carla", "db_admin", lambda d, u: admin.reset(d, user=u)),
    ("demo reset", "dana", "demo_reset", lambda d, u: demo.reset(d, user=u)),
]


@pytest.mark.parametrize(
    ("who", "right", "call"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_a_user_without_the_right_is_refused_and_it_is_audited(seeded, who, right, call):
    before = trail(seeded)
    with pytest.raises(Forbidden):
        call(seeded, user(who))
    assert trail(seeded)[len(before) :] == [(who, right, "refused")]


#: (what, user with the right, the audited action, the call)
DONE = [
    (
        "judge",
        "dana",
        "link.judge",
        lambda d, u: links_service.judge(d, "S-DE-1", "S-FR-1", "confirmed", user=u),
    ),
    (
        "add clue",
        "dana",
        "clue.add",
        lambda d, u: clues_service.add(
            d, user=u, target="S-FR-1", target_kind="series", clue_type="text", label="Het Kanaal"
        ),
    ),
    ("triage", "dana", "triage", lambda d, u: triage_service.match(d, [SHA[1]], user=u)),
    (
        "reveal",
        "dana",
        "thumbnail.reveal",
        lambda d, u: series_service.reveal_thumbnail(d, SHA[1], user=u),
    ),
    (
        "view series",
        "dana",
        "series.view",
        lambda d, u: series_service.record_view(d, "S-FR-1", user=u),
    ),
    ("audit trail", "carla", "audit.view", lambda d, u: admin.audit_events(d, user=u)),
    ("suggestions", "dana", "suggestions.list", lambda d, u: clues_service.suggestions(d, user=u)),
]


@pytest.mark.parametrize(("who", "action", "call"), [r[1:] for r in DONE], ids=[r[0] for r in DONE])
def test_an_action_leaves_its_audit_event(seeded, who, action, call):
    before = trail(seeded)
    call(seeded, user(who))
    assert trail(seeded)[len(before) :] == [(who, action, "ok")]


def test_a_failed_action_is_audited_as_an_error(seeded):
    with pytest.raises(NotFound):
        links_service.judge(seeded, "S-DE-1", "S-NOPE", "confirmed", user=user("dana"))
    assert trail(seeded)[-1] == ("dana", "link.judge", "error")


# ------------------------------------------------------------------ through the pages
def page(name: str, view: str) -> AppTest:
    at = AppTest.from_file(str(MAIN), default_timeout=60)
    at.session_state[guard.SESSION] = auth.Session(user(name))
    at.query_params["series"] = "S-FR-1"
    at.switch_page(view)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_judging_on_the_series_page_leaves_one_audit_event(seeded):
    at = page("dana", "views/series.py")
    radio = next(r for r in at.radio if (r.key or "").startswith("j-"))
    radio.set_value("rejected")
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    judged = [e for e in audit.events(seeded, action="link.judge").rows]
    assert [
        (e["user"], e["outcome"], json.loads(e["parameters"])["judgement"]) for e in judged
    ] == [("dana", "ok", "rejected")]


def test_the_clue_form_leaves_one_audit_event(seeded):
    at = page("dana", "views/clues.py")
    at.text_input(key="ac_target").input("S-FR-1")
    at.radio(key="ac_kind").set_value("series")
    at.selectbox(key="ac_type").select("text")
    at.text_input(key="ac_label").input("Het Kanaal")
    next(b for b in at.button if b.label == "Add clue").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [(u, o) for u, a, o in trail(seeded) if a == "clue.add"] == [("dana", "ok")]


def test_opening_a_series_is_audited_once(seeded):
    page("dana", "views/series.py")
    assert [(u, o) for u, a, o in trail(seeded) if a == "series.view"] == [("dana", "ok")]


def test_the_triage_page_refuses_a_trainer_outside_the_demo_world(seeded):
    before = trail(seeded)
    at = page("tina", "views/triage.py")
    assert any("Not allowed" in e.value for e in at.error)
    assert trail(seeded)[len(before) :] == [("tina", "read", "refused")]
