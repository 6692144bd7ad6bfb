"""The audit trail: what is recorded, where, and that nothing edits or deletes it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import stat
import uuid
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from graph import audit, auth, db
from graph.auth import User
from graph.errors import Forbidden, NotReadOnly

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def log(tmp_path, monkeypatch):
    p = tmp_path / "audit.jsonl"
    monkeypatch.setattr(audit, "audit_path", lambda settings=None: p)
    return p


def events_in_graph(driver) -> list[dict]:
    return db.records(
        driver,
        "MATCH (e:AuditEvent) RETURN properties(e) AS e ORDER BY e.at",
        name="t.audit",
    )


def lines(p: Path) -> list[dict]:
    return [json.loads(x) for x in p.read_text().splitlines()]


# ------------------------------------------------------------------ recording
@pytest.mark.neo4j
def test_record_creates_an_audit_event_node(driver, log):
    audit.record(driver, User("ana", "analyst"), "lead.run", {"name": "triage"}, 7)
    e = events_in_graph(driver)[0]["e"]
    assert {k: e[k] for k in ("user", "action", "parameters", "resultCount", "outcome")} == {
        "user": "ana",
        "action": "lead.run",
        "parameters": '{"name": "triage"}',
        "resultCount": 7,
        "outcome": "ok",
    }


@pytest.mark.neo4j
def test_event_id_is_a_uuid4_and_time_a_datetime(driver, log):
    audit.record(driver, "ana", "series.view", {"id": "S1"}, 1)
    e = events_in_graph(driver)[0]["e"]
    assert (uuid.UUID(e["id"]).version, type(e["at"].to_native())) == (4, dt.datetime)


@pytest.mark.neo4j
def test_jsonl_line_matches_the_node(driver, log):
    ev = audit.record(driver, "ana", "console", {"query": "MATCH (n) RETURN n"}, 3)
    node = events_in_graph(driver)[0]["e"]
    line = lines(log)[0]
    assert line == {**node, "at": audit.iso(node["at"].to_native())} == json.loads(ev.json_line())


def test_jsonl_file_is_private(log):
    audit.record(None, "ana", "console", {}, 0)
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_jsonl_is_appended_never_rewritten(log):
    audit.record(None, "ana", "a1", {}, 0)
    first = log.read_bytes()
    audit.record(None, "ana", "a2", {}, 0)
    assert log.read_bytes().startswith(first)


@pytest.mark.parametrize("key", ["password", "Password", "neo4j_password", "token", "api_key"])
def test_secret_parameters_are_redacted(log, key):
    ev = audit.record(None, "ana", "x", {key: "hunter2-hunter2"}, None)
    assert "hunter2" not in ev.parameters and "hunter2" not in log.read_text()


def test_long_values_are_cut(log):
    ev = audit.record(None, "ana", "triage", {"hashes": ["a" * 64] * 500, "q": "x" * 10_000})
    assert len(ev.parameters) < audit.MAX_JSON


def test_nested_and_odd_values_are_recorded_as_text(log):
    ev = audit.record(None, "ana", "x", {"p": Path("/a/b"), "b": b"\x00\x01", "d": {"e": [1]}})
    assert json.loads(ev.parameters) == {"p": "/a/b", "b": "<2 bytes>", "d": {"e": [1]}}


def test_unknown_outcome_is_refused(log):
    with pytest.raises(ValueError):
        audit.record(None, "ana", "x", {}, None, outcome="fine")


def test_neo4j_down_still_writes_the_jsonl_line_and_says_so(log):
    dead = GraphDatabase.driver("bolt://127.0.0.1:1", auth=("neo4j", "not-used-here"))
    try:
        ev = audit.record(dead, "ana", "lead.run", {"name": "x"}, 1)
    finally:
        dead.close()
    assert (ev.in_file, ev.in_graph, "not reachable" in (ev.error or "")) == (True, False, True)


def test_neo4j_down_event_is_in_the_file(log):
    dead = GraphDatabase.driver("bolt://127.0.0.1:1", auth=("neo4j", "not-used-here"))
    try:
        ev = audit.record(dead, "ana", "lead.run", {"name": "x"}, 1)
    finally:
        dead.close()
    assert lines(log)[0]["id"] == ev.id


def test_nothing_written_anywhere_raises(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(audit.AuditFailed):
        audit.record(None, "ana", "x", {}, None, path=blocker / "audit.jsonl")


@pytest.mark.neo4j
def test_resync_adds_events_missing_from_the_graph(driver, log):
    audit.record(None, "ana", "offline", {}, None)
    audit.record(driver, "ana", "online", {}, None)
    added = audit.resync(driver)
    assert (added, len(events_in_graph(driver))) == (1, 2)


@pytest.mark.neo4j
def test_resync_twice_adds_nothing_and_changes_nothing(driver, log):
    audit.record(None, "ana", "offline", {}, None)
    audit.resync(driver)
    before = events_in_graph(driver)
    assert (audit.resync(driver), events_in_graph(driver)) == (0, before)


# ------------------------------------------------------------------ track
@pytest.mark.neo4j
def test_track_records_ok_with_the_count(driver, log):
    with audit.track(driver, "ana", "lead.run", {"name": "x"}) as t:
        t.count = 12
    assert [(x["outcome"], x["resultCount"]) for x in lines(log)] == [("ok", 12)]


@pytest.mark.neo4j
def test_track_records_refusals(driver, log):
    with pytest.raises(Forbidden), audit.track(driver, User("ana", "analyst"), "export"):
        auth.require(User("ana", "analyst"), "export")
    assert lines(log)[0]["outcome"] == "refused"


@pytest.mark.neo4j
def test_track_records_errors_and_lets_them_through(driver, log):
    with pytest.raises(ZeroDivisionError), audit.track(driver, "ana", "lead.run"):
        1 / 0  # noqa: B018
    assert (lines(log)[0]["outcome"], json.loads(lines(log)[0]["parameters"])) == (
        "error",
        {"error": "ZeroDivisionError"},
    )


# ------------------------------------------------------------------ reading and export
@pytest.fixture
def history(driver, log):
    for i in range(6):
        audit.record(driver, "ana" if i % 2 else "bo", "lead.run" if i < 4 else "export", {}, i)
    return driver


@pytest.mark.neo4j
def test_events_are_newest_first(history):
    counts = [r["resultCount"] for r in audit.events(history).rows]
    assert counts == [5, 4, 3, 2, 1, 0]


@pytest.mark.neo4j
def test_events_filter_by_user_and_action(history):
    rows = audit.events(history, user="ana", action="lead.run").rows
    assert [r["resultCount"] for r in rows] == [3, 1]


@pytest.mark.neo4j
def test_events_filter_by_time(history):
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    assert audit.events(history, since=later).rows == []


@pytest.mark.neo4j
def test_events_say_when_they_are_cut(history):
    res = audit.events(history, limit=4)
    assert (len(res.rows), res.truncated) == (4, True)


@pytest.mark.neo4j
def test_analyst_may_not_view_the_audit_trail(history):
    with pytest.raises(Forbidden):
        audit.events(history, viewer=User("ana", "analyst"))


@pytest.mark.neo4j
def test_refused_audit_view_is_itself_recorded(history, log):
    with pytest.raises(Forbidden):
        audit.events(history, viewer=User("ana", "analyst"))
    assert (lines(log)[-1]["action"], lines(log)[-1]["outcome"]) == ("view_audit", "refused")


@pytest.mark.neo4j
def test_coordinator_views_and_the_view_is_recorded(history, log):
    res = audit.events(history, viewer=User("co", "coordinator"))
    assert (len(res.rows), lines(log)[-1]["action"]) == (6, "audit.view")


@pytest.mark.neo4j
def test_export_csv_has_every_event(history):
    text = audit.export_events(history, "csv", viewer=User("ad", "admin"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert (len(rows), list(rows[0])) == (6, audit.COLUMNS)


@pytest.mark.neo4j
def test_export_jsonl_has_every_event(history):
    text = audit.export_events(history, "jsonl", viewer=User("ad", "admin"))
    assert len([json.loads(x) for x in text.splitlines()]) == 6


def test_csv_export_defuses_spreadsheet_formulas():
    buf = io.StringIO()
    audit.write_events([{"user": '=HYPERLINK("http://x")', "action": "+1", "outcome": "ok"}], buf)
    row = list(csv.DictReader(io.StringIO(buf.getvalue())))[0]
    assert (row["user"][0], row["action"][0]) == ("'", "'")


# ------------------------------------------------------------------ append-only
ATTACKS = [
    "MATCH (e:AuditEvent) DETACH DELETE e",
    "MATCH (e:AuditEvent) DELETE e",
    "MATCH (e:AuditEvent) SET e.outcome = 'ok'",
    "MATCH (e:AuditEvent) SET e = {}",
    "MATCH (e:AuditEvent) REMOVE e:AuditEvent",
    "MATCH (e:AuditEvent) REMOVE e.user",
    "MATCH (e:AuditEvent) CALL (e) { DETACH DELETE e } IN TRANSACTIONS",
    "MATCH (e:AuditEvent) FOREACH (x IN [e] | SET x.user = 'nobody')",
    "CREATE (:AuditEvent {id: 'forged', user: 'someone-else', outcome: 'ok'})",
    "MERGE (e:AuditEvent {id: 'forged'}) SET e.user = 'x'",
    "DROP CONSTRAINT AuditEvent_id IF EXISTS",
]


@pytest.mark.neo4j
@pytest.mark.parametrize("query", ATTACKS)
def test_console_cannot_touch_audit_events(history, query):
    before = events_in_graph(history)
    with pytest.raises(NotReadOnly):
        db.run_read_only(history, query)
    assert events_in_graph(history) == before


def test_audit_module_offers_no_way_to_change_or_delete_events():
    verbs = re.compile(r"delete|remove|update|edit|purge|clear|drop|truncate|set_", re.I)
    assert [n for n in dir(audit) if verbs.search(n) and not n.startswith("__")] == []


def _cypher_strings(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".cypher":
        return [text]
    found = re.findall(r'"""(.*?)"""|"((?:[^"\\\n]|\\.)*)"', text, re.S)
    return [a or b for a, b in found]


def test_the_scan_below_finds_an_offending_query(tmp_path):
    p = tmp_path / "bad.py"
    p.write_text('Q = """\nMATCH (e:AuditEvent) DETACH DELETE e\n"""\n')
    assert any("DELETE" in q for q in _cypher_strings(p))


def test_no_query_in_the_code_deletes_or_edits_audit_events():
    offenders = []
    for base in ("graph", "app", "cli", "loaders"):
        for p in (ROOT / base).rglob("*"):
            if p.suffix not in (".py", ".cypher") or p.name == "bundle.py":
                continue
            for q in _cypher_strings(p):
                if "AuditEvent" not in q and "AUDIT_EVENT" not in q:
                    continue
                writes = re.sub(r"ON\s+CREATE\s+SET", "", q, flags=re.I)
                if re.search(r"\b(DELETE|REMOVE|SET|DROP)\b", writes, re.I):
                    offenders.append(f"{p.relative_to(ROOT)}: {q.strip()[:80]}")
    assert offenders == []


def test_bundle_import_never_updates_audit_events():
    from graph import bundle

    q = bundle._node_query("AuditEvent", True, ())
    assert "ON MATCH" not in q and "AuditEvent" in bundle.IMMUTABLE


@pytest.mark.neo4j
def test_database_reset_keeps_the_audit_trail(history):
    db.reset(history)
    assert len(events_in_graph(history)) == 6
