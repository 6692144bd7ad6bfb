"""Hostile strings through every parameter of the app: nothing runs, everything is data.

Quotes, backticks, Cypher fragments, ``$param``, ``{{}}``, NUL, right-to-left overrides,
zero-width joiners, homoglyphs, Markdown and HTML, 10 000-character strings and numbers
out of range go

* straight through every function of :mod:`service` (the query layer, where the
  rules are enforced) and every parameter of every lead, and
* through every text, number, select and date widget and every URL parameter of every
  page, driven with ``AppTest`` (one value per field per run, rotated so that each field
  sees each value).

Each time: no exception other than ClueGraph's own errors (which the pages show as a
sentence), and the graph is unchanged (node and relationship counts, labels and types,
and a content checksum, the audit trail aside). Legitimate writes (a clue with a hostile
label, a link judgement with a hostile note) store the string verbatim, as data.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app import guard
from graph import auth, bundle, db
from graph.errors import GraphError, InvalidInput
from graph.schema import SERIES_DERIVED
from service import admin
from service import clues as clues_service
from service import console as console_service
from service import leads as leads_service
from service import links as links_service
from service import overview as overview_service
from service import series as series_service
from service import triage as triage_service
from service.links import LinkFilter
from tests.app.conftest import user
from tests.app.seed import SHA
from tests.loaders.test_hostile_csv import HOSTILE as LOADER_HOSTILE


def form_lead(driver, name, params, *, user):
    """A lead run with a page's form values (the Leads page's call)."""
    return leads_service.run(driver, name, params, user=user, form=True)


pytestmark = pytest.mark.neo4j

MAIN = Path(__file__).resolve().parents[2] / "app" / "main.py"

#: What goes through the app's widgets (one AppTest run per value and form).
UI = [
    "' OR 1=1 //",
    '"}) DETACH DELETE n //',
    "`) DETACH DELETE n //",
    "x'}) WITH 1 AS x MATCH (n) DETACH DELETE n //",
    "$param",
    "{{}}",
    "\x00",
    "a\x00b",
    "\u202eexe.gpj",
    "zero\u200bwidth\u200djoin",
    "раураl",
    "x" * 10_000,
    "<script>alert(1)</script>",
    "[click](javascript:alert(1)) **bold** :red[x]",
    "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l",
    "CALL dbms.shutdown()",
    "'; DROP CONSTRAINT Case_id; //",
    "../../../../etc/passwd",
]
#: What goes straight through the query layer: the loaders' corpus, the UI's, a lone
#: surrogate (JSON can carry one: ``"\\ud800"``), and numbers out of range as text.
CORPUS = list(
    dict.fromkeys(
        [
            *LOADER_HOSTILE,
            *UI,
            "\ud800",
            "nan",
            "inf",
            "-1",
            "1e400",
            "99999999999999999999",
            "",
        ]
    )
)
NUMBERS = [math.nan, math.inf, -math.inf, -1, 0, 1e308, 10**30, -(10**30), "x", None]


def state(driver) -> dict:
    """Everything but the audit trail: counts, labels and types in use, content digest."""
    row = db.records(
        driver,
        "CALL () { MATCH (n) WHERE NOT n:AuditEvent RETURN count(n) AS nodes, "
        "  collect(DISTINCT labels(n)) AS labels } "
        "CALL () { MATCH (a)-[r]->(b) WHERE NOT a:AuditEvent AND NOT b:AuditEvent "
        "  RETURN count(r) AS rels, collect(DISTINCT type(r)) AS types } "
        "RETURN nodes, rels, labels, types",
        name="t.state",
    )[0]
    return {
        "nodes": row["nodes"],
        "rels": row["rels"],
        "labels": sorted(map(sorted, row["labels"])),
        "types": sorted(row["types"]),
        "digest": bundle.digest(driver, exclude_labels=["AuditEvent"]),
    }


def attempt(fn, *args, **kw) -> str | None:
    """Call ``fn``; None when it answered or refused with a ClueGraph error, else what
    went wrong (an unexpected exception is a traceback in front of an analyst)."""
    try:
        fn(*args, **kw)
    except GraphError:
        return None
    except Exception as e:  # the point of the test: report, do not stop at the first
        return f"{type(e).__name__}: {str(e)[:120]}"
    return None


def short(v) -> str:
    return repr(v)[:40]


# ================================================================== the query layer
ADMIN = user("admin1")

#: (name, call) for every read of service/ that takes text from a person.
READS = [
    ("search_series.text", lambda d, v: series_service.search(d, v, user=ADMIN)),
    ("search_series.country", lambda d, v: series_service.search(d, "", v, user=ADMIN)),
    ("search_series.status", lambda d, v: series_service.search(d, "", None, v, user=ADMIN)),
    ("search_series.skip", lambda d, v: series_service.search(d, "", skip=v, user=ADMIN)),
    ("series_detail", lambda d, v: series_service.detail(d, v, user=ADMIN)),
    ("series_media", lambda d, v: series_service.media(d, v, user=ADMIN)),
    ("series_media.skip", lambda d, v: series_service.media(d, "S-FR-1", v, user=ADMIN)),
    ("series_victims", lambda d, v: series_service.victims(d, v, user=ADMIN)),
    ("series_clues", lambda d, v: series_service.clues(d, v, user=ADMIN)),
    ("series_links", lambda d, v: series_service.links(d, v, user=ADMIN)),
    ("places.country", lambda d, v: overview_service.places(d, v, user=ADMIN)),
    ("clues.type", lambda d, v: clues_service.board(d, v, user=ADMIN)),
    ("clues.text", lambda d, v: clues_service.board(d, None, v, user=ADMIN)),
    ("clues.skip", lambda d, v: clues_service.board(d, None, "", v, user=ADMIN)),
    ("audit_events.user", lambda d, v: admin.audit_events(d, v, user=ADMIN)),
    ("audit_events.action", lambda d, v: admin.audit_events(d, None, v, user=ADMIN)),
    ("audit_events.skip", lambda d, v: admin.audit_events(d, None, None, v, user=ADMIN)),
    ("audit_export.user", lambda d, v: admin.audit_export(d, "csv", v, user=ADMIN)),
    ("audit_export.format", lambda d, v: admin.audit_export(d, v, user=ADMIN)),
    (
        "link_graph.country",
        lambda d, v: links_service.graph(d, LinkFilter(country=v), user=ADMIN),
    ),
    (
        "link_graph.kinds",
        lambda d, v: links_service.graph(d, LinkFilter(kinds=[v]), user=ADMIN),
    ),
    (
        "link_graph.min_score",
        lambda d, v: links_service.graph(d, LinkFilter(min_score=v), user=ADMIN),
    ),
    (
        "link_graph.limit",
        lambda d, v: links_service.graph(d, LinkFilter(limit=v), user=ADMIN),
    ),
    ("triage.hashes", lambda d, v: triage_service.match(d, [v], user=ADMIN)),
    ("judge_link.a", lambda d, v: links_service.judge(d, v, "S-FR-1", "confirmed", user=ADMIN)),
    ("judge_link.b", lambda d, v: links_service.judge(d, "S-DE-1", v, "confirmed", user=ADMIN)),
    (
        "judge_link.judgement",
        lambda d, v: links_service.judge(d, "S-DE-1", "S-FR-1", v, user=ADMIN),
    ),
    ("reveal_thumbnail", lambda d, v: series_service.reveal_thumbnail(d, v, user=ADMIN)),
    ("export_table.format", lambda d, v: admin.export_table(d, ["a"], [{"a": 1}], v, user=ADMIN)),
    ("export_table.cell", lambda d, v: admin.export_table(d, ["a"], [{"a": v}], "csv", user=ADMIN)),
    (
        "console_query.param",
        lambda d, v: console_service.query(d, "RETURN $p AS p", {"p": v}, user=ADMIN),
    ),
    (
        "console_query.param_name",
        lambda d, v: console_service.query(d, "RETURN 1 AS one", {v: 1}, user=ADMIN),
    ),
    ("console_query.limit", lambda d, v: console_service.query(d, "RETURN 1", limit=v, user=ADMIN)),
    (
        "console_query.timeout",
        lambda d, v: console_service.query(d, "RETURN 1", timeout=v, user=ADMIN),
    ),
    (
        "add_clue.target",
        lambda d, v: clues_service.add(
            d, user=ADMIN, target=v, target_kind="media", clue_type="text", label="lamp"
        ),
    ),
    (
        "add_clue.series_target",
        lambda d, v: clues_service.add(
            d, user=ADMIN, target=v, target_kind="series", clue_type="text", label="lamp"
        ),
    ),
    (
        "add_clue.target_kind",
        lambda d, v: clues_service.add(
            d, user=ADMIN, target="S-FR-1", target_kind=v, clue_type="text", label="lamp"
        ),
    ),
    (
        "add_clue.clue_type",
        lambda d, v: clues_service.add(
            d, user=ADMIN, target="S-FR-1", target_kind="series", clue_type=v, label="lamp"
        ),
    ),
    (
        "add_clue.confidence",
        lambda d, v: clues_service.add(
            d,
            user=ADMIN,
            target="S-FR-1",
            target_kind="series",
            clue_type="text",
            label="lamp",
            confidence=v,
        ),
    ),
]


#: Parameters that take a number (a widget could hand over any float or int).
NUMERIC = (".skip", ".limit", ".min_score", ".confidence", ".timeout")


def _valid_confidence(v) -> bool:
    if v is None:  # no confidence given
        return True
    try:
        return 0 <= float(v) <= 1
    except (TypeError, ValueError, OverflowError):
        return False


def values_for(name: str) -> list:
    vals = [*CORPUS, *NUMBERS] if name.endswith(NUMERIC) else CORPUS
    if name == "add_clue.confidence":  # a valid one is a legitimate write
        vals = [v for v in vals if not _valid_confidence(v)]
    return vals


@pytest.mark.parametrize(("name", "call"), READS, ids=[n for n, _ in READS])
def test_hostile_values_through_the_query_layer_run_nothing(seeded, name, call):
    before = state(seeded)
    problems = [
        f"{name}={short(v)}: {p}" for v in values_for(name) if (p := attempt(call, seeded, v))
    ]
    assert (problems, state(seeded)) == ([], before)


def _lead_cases() -> list[tuple[str, str]]:
    catalog = leads_service.catalog() or {}
    return [(lead, p.name) for lead in sorted(catalog) for p in catalog[lead].params]


#: What a lead needs besides the parameter under test.
LEAD_BASE = {"path": {"series_a": "S-FR-1", "series_b": "S-DE-1"}, "camera-trail": {"serial": "x"}}


@pytest.mark.parametrize(
    ("lead", "param"), _lead_cases(), ids=[f"{a}.{b}" for a, b in _lead_cases()]
)
def test_hostile_values_through_every_lead_parameter_run_nothing(seeded, lead, param):
    ptype = next(p.type for p in (leads_service.catalog() or {})[lead].params if p.name == param)
    before = state(seeded)
    problems = []
    for v in [*CORPUS, *NUMBERS] if ptype in ("int", "float", "bool") else CORPUS:
        args = {**LEAD_BASE.get(lead, {}), param: v}
        p = attempt(form_lead, seeded, lead, args, user=ADMIN)
        if p:
            problems.append(f"{lead}.{param}={short(v)}: {p}")
    assert (problems, state(seeded)) == ([], before)


@pytest.mark.parametrize("param", ["min_score", "resolution"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400"])
def test_a_number_that_is_not_finite_is_refused(seeded, param, value):
    with pytest.raises(InvalidInput, match="out of range"):
        form_lead(seeded, "clusters", {param: value}, user=ADMIN)


@pytest.mark.parametrize(("param", "value"), [("seed", "-1"), ("seed", "4294967296")])
def test_a_seed_out_of_the_generators_range_is_refused(seeded, param, value):
    with pytest.raises(InvalidInput, match=param):
        form_lead(seeded, "clusters", {param: value}, user=ADMIN)


def test_a_negative_sample_is_refused(seeded):
    with pytest.raises(InvalidInput, match="sample"):
        form_lead(seeded, "bridging-clues", {"sample": "-1"}, user=ADMIN)


@pytest.mark.parametrize(
    "params",
    [
        {"files": "{folder}"},
        {"files": "{folder}/secret.txt"},
        {"hashes": SHA[1], "add_to_case": "C-FR-1", "files": "{folder}"},
        {"hashes": SHA[1], "series": "S-FR-1"},
    ],
    ids=["folder", "file", "add_to_case", "series"],
)
def test_the_leads_page_cannot_read_server_files_or_load_them(seeded, tmp_path, params):
    # The triage lead's files are paths on the server: from a form, a folder would be
    # listed (its file names returned as rows) and add_to_case would load without the
    # load right.
    (tmp_path / "secret.txt").write_text("server file", encoding="utf-8")
    args = {k: v.replace("{folder}", str(tmp_path)) for k, v in params.items()}
    before = state(seeded)
    with pytest.raises(InvalidInput, match="Triage page"):
        form_lead(seeded, "triage", args, user=user("dana"))
    assert state(seeded) == before


def test_the_leads_page_still_triages_hashes(seeded):
    res = form_lead(seeded, "triage", {"hashes": SHA[3]}, user=user("dana"))
    assert {r["match"] for r in res.rows} == {"exact"}


# ------------------------------------------------------------------ legitimate writes
def _storable(v: str) -> bool:
    """A clue label the form accepts: 1 to 500 characters after trimming, with a letter
    or digit, and valid Unicode."""
    try:
        v.encode("utf-8")
    except UnicodeError:
        return False
    from graph.clues import normalise

    return 0 < len(v.strip()) <= 500 and bool(normalise(v))


def test_a_clue_with_a_hostile_label_is_stored_verbatim(seeded):
    problems = []
    for v in CORPUS:
        try:
            added = clues_service.add(
                seeded, user=ADMIN, target=SHA[7], target_kind="media", clue_type="text", label=v
            )
        except InvalidInput:
            if _storable(v):
                problems.append(f"{short(v)}: refused")
            continue
        except GraphError as e:
            problems.append(f"{short(v)}: {e}")
            continue
        rows = db.records(
            seeded,
            "MATCH (:Media {sha256: $s})-[:SHOWS]->(c:Clue {id: $id}) RETURN c.label AS label",
            s=SHA[7],
            id=added.clue_id,
            name="t",
        )
        if not _storable(v):
            problems.append(f"{short(v)}: stored, but should have been refused")
        elif [r["label"] for r in rows] != [v.strip()]:
            problems.append(f"{short(v)}: stored as {[short(r['label']) for r in rows]}")
    assert problems == []


def test_hostile_clues_change_nothing_else(seeded):
    def others() -> list:
        return db.records(
            seeded,
            "MATCH (n) WHERE n:Series OR n:Case OR n:Media OR n:Agency OR n:Victim "
            "OR n:Camera OR n:Load OR n.code IN ['FR', 'DE', 'GB', 'NL'] "
            "RETURN labels(n) AS l, properties(n) AS p "
            "ORDER BY l, coalesce(n.id, n.sha256, n.code)",
            name="t",
        )

    def stable(rows: list) -> list:
        # the link update after a clue recomputes the stored clusters (schema.SERIES_DERIVED)
        return [
            {**r, "p": {k: v for k, v in r["p"].items() if k not in SERIES_DERIVED}} for r in rows
        ]

    before = stable(others())
    for v in CORPUS:
        attempt(
            clues_service.add,
            seeded,
            user=ADMIN,
            target="S-NL-1",
            target_kind="series",
            clue_type="object",
            label=v,
            location_hint=v,
        )
    assert stable(others()) == before


def test_a_hostile_place_hint_is_kept_as_text_or_resolved(seeded):
    problems = []
    for i, v in enumerate(UI):
        label = f"hint test {i}"
        added = clues_service.add(
            seeded,
            user=ADMIN,
            target="S-FR-2",
            target_kind="series",
            clue_type="other",
            label=label,
            location_hint=v,
        )
        rows = db.records(
            seeded,
            "MATCH (:Series {id: 'S-FR-2'})-[r:SHOWS]->(:Clue {id: $id}) "
            "RETURN r.locationHint AS hint",
            id=added.clue_id,
            name="t",
        )
        if [r["hint"] for r in rows] != [v.strip() or None]:
            problems.append(f"{short(v)}: kept as {[short(r['hint']) for r in rows]}")
    assert problems == []


def test_a_judgement_with_a_hostile_note_is_stored_verbatim(seeded):
    problems = []
    for v in UI:
        links_service.judge(seeded, "S-DE-1", "S-FR-1", "unsure", v, user=user("dana"))
        rows = db.records(
            seeded,
            "MATCH (:Series {id: 'S-DE-1'})-[l:LINKED]-(:Series {id: 'S-FR-1'}) "
            "RETURN l.judgementNote AS note",
            name="t",
        )
        if [r["note"] for r in rows] != [v.strip()]:
            problems.append(f"{short(v)}: kept as {[short(r['note']) for r in rows]}")
    assert problems == []


# ================================================================== the pages
def app(page: str | None = None, *, name: str | None = "admin1", query: dict | None = None):
    at = AppTest.from_file(str(MAIN), default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if name:
        at.session_state[guard.SESSION] = auth.Session(user(name))
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    return at


def messages(at: AppTest) -> list[str]:
    return [str(e.value) for kind in ("warning", "error", "info") for e in getattr(at, kind)]


def rotated(fields: list[str], run: int) -> dict[str, str]:
    """Field -> hostile value for run ``run``: over len(UI) runs every field sees every
    value, each in a different combination with the others."""
    return {f: UI[(run + i) % len(UI)] for i, f in enumerate(fields)}


def check_runs(driver, at: AppTest, fields: list[str], submit: str, widget="text_input"):
    """Fill ``fields`` with rotated hostile values and press ``submit``, len(UI) times.
    Returns the problems: exceptions on the page."""
    problems = []
    for run in range(len(UI)):
        values = rotated(fields, run)
        for key, v in values.items():
            getattr(at, widget)(key=key).input(v)
        click(at, submit)
        if at.exception:
            problems.append(f"run {run} {values}: {[e.value for e in at.exception][:1]}")
    return problems


def test_hostile_log_in_names_and_passwords_are_refused_plainly(seeded):
    before = state(seeded)
    at = app(name=None)
    problems = []
    for run in range(len(UI)):
        values = rotated(["login_user", "login_password"], run)
        for key, v in values.items():
            at.text_input(key=key).input(v)
        click(at, "Log in")
        shown = [e.value for e in at.error]
        if at.exception or shown not in ([auth.LOGIN_FAILED], [auth.LOCKED_OUT]):
            problems.append(f"run {run}: {shown} {[e.value for e in at.exception][:1]}")
        if guard.SESSION in at.session_state:
            problems.append(f"run {run}: logged in")
    assert (problems, state(seeded)) == ([], before)


def test_series_search_takes_hostile_text_as_data(seeded):
    before = state(seeded)
    at = app("views/series.py")
    problems = check_runs(seeded, at, ["ss_text"], "Search")
    assert (problems, state(seeded)) == ([], before)


@pytest.mark.parametrize("value", UI, ids=range(len(UI)))
def test_a_hostile_series_in_the_url_is_a_plain_warning(seeded, value):
    before = state(seeded)
    at = app("views/series.py", query={"series": value})
    assert (any("no series" in m for m in messages(at)), state(seeded)) == (True, before)


def test_link_graph_filters_refuse_reversed_dates_with_a_message(seeded):
    import datetime as dt

    at = app("views/link_graph.py")
    at.sidebar.checkbox(key="lg_use_dates").check()
    at.sidebar.date_input(key="lg_dates").set_value((dt.date(2024, 6, 1), dt.date(2020, 1, 1)))
    click(at, "Apply")
    assert "the start date is after the end date" in messages(at)


@pytest.mark.parametrize("value", [0.0, 1e15, 123456789.5])
def test_link_graph_takes_any_minimum_score(seeded, value):
    before = state(seeded)
    at = app("views/link_graph.py")
    at.sidebar.number_input(key="lg_min_score").set_value(value)
    click(at, "Apply")
    assert (not at.exception, state(seeded)) == (True, before)


def _lead_widgets(at: AppTest, lead: str) -> tuple[list[str], list[str], list[str]]:
    """Keys of the text inputs, text areas and number inputs of ``lead``'s form."""
    prefix = f"lead-{lead}-"
    return (
        [w.key for w in at.text_input if str(w.key).startswith(prefix)],
        [w.key for w in at.text_area if str(w.key).startswith(prefix)],
        [w.key for w in at.number_input if str(w.key).startswith(prefix)],
    )


def _lead_names() -> list[str]:
    return sorted(leads_service.catalog() or {})


@pytest.mark.parametrize("lead", _lead_names())
def test_every_lead_form_takes_hostile_values_as_data(seeded, lead):
    before = state(seeded)
    at = app("views/leads.py")
    at.selectbox(key="lead_name").select(lead).run()
    texts, areas, numbers = _lead_widgets(at, lead)
    problems = []
    runs = len(UI) if texts or areas else 3
    for run in range(runs):
        values = rotated(texts + areas, run)
        for key in texts:
            at.text_input(key=key).input(values[key])
        for key in areas:
            at.text_area(key=key).input(values[key])
        for i, key in enumerate(numbers):
            at.number_input(key=key).set_value([-1e15, 1e15, 0][(run + i) % 3])
        click(at, "Run")
        if at.exception:
            problems.append(f"run {run}: {[e.value for e in at.exception][:1]}")
    assert (problems, state(seeded)) == ([], before)


def test_triage_refuses_pasted_hostile_text_with_a_message(seeded):
    before = state(seeded)
    at = app("views/triage.py")
    problems = []
    for v in UI:
        at.text_area(key="triage_hashes").input(f"{SHA[3]}\n{v}")
        click(at, "Triage")
        if at.exception or not any("hash" in m for m in messages(at)) or at.dataframe:
            problems.append(f"{short(v)}: {messages(at)[:1]} {[e.value for e in at.exception]}")
    assert (problems, state(seeded)) == ([], before)


def test_clue_board_filter_and_bad_targets_change_nothing(seeded):
    before = state(seeded)
    at = app("views/clues.py")
    problems = check_runs(seeded, at, ["cl_text"], "Filter")
    for run in range(len(UI)):
        values = rotated(["ac_target", "ac_label", "ac_hint"], run)
        for key, v in values.items():
            at.text_input(key=key).input(v)
        click(at, "Add clue")
        if at.exception or not messages(at):
            problems.append(f"run {run}: {messages(at)} {[e.value for e in at.exception][:1]}")
    assert (problems, state(seeded)) == ([], before)


def test_clue_form_stores_a_hostile_label_verbatim(seeded):
    at = app("views/clues.py", name="dana")
    problems = []
    for v in UI:
        at.text_input(key="ac_target").input(SHA[9])
        at.selectbox(key="ac_type").select("text")
        at.text_input(key="ac_label").input(v)
        at.text_input(key="ac_hint").input("")
        click(at, "Add clue")
        stored = db.records(
            seeded,
            "MATCH (:Media {sha256: $s})-[r:SHOWS]->(c:Clue) WHERE c.label = $l "
            "RETURN r.analyst AS analyst",
            s=SHA[9],
            l=v.strip(),
            name="t",
        )
        ok = [r["analyst"] for r in stored] == ["dana"]
        if at.exception or ok != _storable(v) or (not ok and not at.warning):
            problems.append(f"{short(v)}: stored={ok} {messages(at)[:1]}")
    assert problems == []


def test_console_parameters_are_data(seeded):
    before = state(seeded)
    at = app("views/console.py")
    at.text_area(key="console_text").input("RETURN $p AS p")
    problems = []
    for v in UI:
        at.text_input(key="console_params").input(json.dumps({"p": v}))
        click(at, "Run")
        got = [r["p"] for df in at.dataframe for r in df.value.to_dict("records") if "p" in r]
        if at.exception or got != [v]:
            problems.append(f"{short(v)}: {[short(g) for g in got]}")
    assert (problems, state(seeded)) == ([], before)


@pytest.mark.parametrize(
    "params",
    ['{"p": "\\ud800"}', '{"\\ud800": 1}', "[1, 2]", "not json", '{"p": 99999999999999999999}'],
)
def test_console_parameters_that_cannot_be_sent_are_a_warning(seeded, params):
    at = app("views/console.py")
    at.text_area(key="console_text").input("RETURN $p AS p")
    at.text_input(key="console_params").input(params)
    click(at, "Run")
    assert (not at.exception, bool(at.warning or at.error), len(at.dataframe)) == (True, True, 0)


def test_console_hostile_statements_are_refused_and_change_nothing(seeded):
    before = state(seeded)
    at = app("views/console.py")
    problems = []
    for v in UI:
        at.text_area(key="console_text").input(v)
        click(at, "Run")
        if at.exception:
            problems.append(f"{short(v)}: {[e.value for e in at.exception][:1]}")
    assert (problems, state(seeded)) == ([], before)


def test_trainer_folder_and_answers_take_hostile_text(seeded, tmp_path):
    truth = {
        "scenario": {
            "title": "t",
            "steps": [{"n": 1, "page": "triage", "task": "T", "hint": "H", "answer": "S-FR-1"}],
            "answers": {"series": "S-FR-1"},
        }
    }
    (tmp_path / "truth.json").write_text(json.dumps(truth), encoding="utf-8")
    before = state(seeded)
    at = app("views/trainer.py")
    problems = []
    for v in UI:
        at.text_input(key="demo_folder_input").input(v).run()
        if at.exception:
            problems.append(f"folder {short(v)}: {[e.value for e in at.exception][:1]}")
    at.text_input(key="demo_folder_input").input(str(tmp_path)).run()
    for v in UI:
        at.text_input(key="scenario-answer-1").input(v).run()
        if at.exception or not at.warning:
            problems.append(f"answer {short(v)}: {[e.value for e in at.exception][:1]}")
    assert (problems, state(seeded)) == ([], before)


def test_audit_filters_take_hostile_text_as_data(seeded):
    before = state(seeded)
    at = app("views/audit.py", name="carla")
    problems = check_runs(seeded, at, ["au_user", "au_action"], "Filter")
    assert (problems, state(seeded)) == ([], before)


def test_the_audit_trail_keeps_hostile_parameters_as_data(seeded):
    at = app("views/audit.py", name="carla")
    for key in ("au_user", "au_action"):
        at.text_input(key=key).input("' OR 1=1 //")
    click(at, "Filter")
    rows = db.records(
        seeded,
        "MATCH (e:AuditEvent {action: 'audit.view', user: 'carla'}) RETURN e.parameters AS p",
        name="t",
    )
    assert any("' OR 1=1 //" in (r["p"] or "") for r in rows)


def test_the_corpus_holds_every_kind_of_trick():
    kinds = {
        "quote": "'",
        "backtick": "`",
        "cypher": "DETACH DELETE",
        "param": "$param",
        "braces": "{{}}",
        "nul": "\x00",
        "rtl": "\u202e",
        "zero-width": "\u200b",
        "homoglyph": "р",
        "html": "<script>",
    }
    missing = [k for k, s in kinds.items() if not any(s in v for v in UI)]
    assert (missing, max(map(len, UI)) >= 10_000) == ([], True)
