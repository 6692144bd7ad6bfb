"""Every page of the app, driven with Streamlit's AppTest against the real Neo4j.

The graph is seeded with :mod:`tests.app.seed` (the SPEC model, invented data); each test
checks that the elements an analyst needs are there and show the right numbers.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import streamlit as st
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from app import guard
from graph import auth, db
from graph.config import reset_settings
from service import leads as leads_service
from tests.app.conftest import user
from tests.app.seed import EXPECTED, SHA, seed

pytestmark = pytest.mark.neo4j

MAIN = Path(__file__).resolve().parents[2] / "app" / "main.py"
PAGES = [
    "views/overview.py",
    "views/series.py",
    "views/link_graph.py",
    "views/leads.py",
    "views/triage.py",
    "views/objects.py",
    "views/clues.py",
    "views/map.py",
    "views/console.py",
    "views/trainer.py",
    "views/audit.py",
]


@pytest.fixture
def image(tmp_path) -> Path:
    """A benign synthetic picture (a gradient and a square) for the thumbnail."""
    im = Image.new("RGB", (320, 240))
    d = ImageDraw.Draw(im)
    for x in range(320):
        d.line([(x, 0), (x, 239)], fill=(x * 255 // 320, 120, 200))
    d.rectangle([100, 60, 220, 180], fill=(250, 220, 40))
    p = tmp_path / "fr_001.png"
    im.save(p)
    return p


@pytest.fixture
def seeded(driver, image):
    seed(driver, image)
    return driver


def run(page: str | None = None, *, query: dict | None = None, name: str = "admin1") -> AppTest:
    """The app on ``page``, logged in as ``name`` (a live session, as after the login form;
    tests/app/test_access.py fills the real form)."""
    at = AppTest.from_file(str(MAIN), default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if name:
        at.session_state[guard.SESSION] = auth.Session(user(name))
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Every piece of text on the page, for 'is it shown' checks."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [str(e.label) for e in at.expander]
    parts += [str(e.label) for e in at.tabs]
    return "\n".join(parts)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def frame(at: AppTest, *columns: str):
    """The first dataframe on the page that has all ``columns``."""
    for df in at.dataframe:
        if all(c in df.value.columns for c in columns):
            return df.value
    raise AssertionError(f"no table with columns {columns}")


def open_series(at: AppTest) -> str | None:
    """The series the URL opens (``?series=``)."""
    v = at.query_params.get("series")
    return v[0] if isinstance(v, list) else v


def button(at: AppTest, label: str, n: int = 0):
    return [b for b in at.button if b.label == label][n]


# ------------------------------------------------------------------ every page
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_an_empty_graph(driver, page):
    at = run(page)
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_seeded_graph(seeded, page):
    at = run(page)
    assert not at.error, [e.value for e in at.error]


def test_empty_graph_overview_says_how_to_load_data(driver):
    at = run()
    assert "graph is empty" in texts(at)


# ------------------------------------------------------------------ overview
@pytest.mark.parametrize(
    "label,key",
    [
        ("Cases", "cases"),
        ("Series", "series"),
        ("Media", "media"),
        ("Identified victims", "identifiedVictims"),
        ("Countries", "countries"),
        ("Cross-country links", "crossCountryLinks"),
    ],
)
def test_overview_shows_headline_counts(seeded, label, key):
    assert metric(run(), label) == str(EXPECTED[key])


def test_overview_lists_latest_loads_newest_first(seeded):
    df = frame(run(), "kind", "source", "errorCount")
    assert list(df["source"]) == ["clues.csv", "cases.csv"]


def test_overview_shows_load_errors(seeded):
    at = run()
    exp = next(e for e in at.expander if "error(s) in clues load" in e.label)
    assert "unknown clue type" in exp.code[0].value


def test_overview_draws_a_map(seeded):
    assert run().get("deck_gl_json_chart")


# ------------------------------------------------------------------ series explorer
def test_series_search_lists_every_series_with_cross_country_links(seeded):
    df = frame(run("views/series.py"), "id", "crossCountryLinks")
    assert dict(zip(df["id"], df["crossCountryLinks"], strict=True))["S-FR-1"] == 2


def test_series_search_filters_by_country(seeded):
    at = run("views/series.py")
    at.selectbox(key="ss_country").select("GB")
    button(at, "Search").click().run()
    assert list(frame(at, "id", "countries")["id"]) == ["S-GB-1"]


def test_series_opens_from_the_url_with_its_counts(seeded):
    at = run("views/series.py", query={"series": "S-FR-1"})
    assert (metric(at, "Media"), metric(at, "Cross-country links")) == ("3", "2")


def test_series_page_shows_cases_and_agencies(seeded):
    at = run("views/series.py", query={"series": "S-FR-1"})
    df = frame(at, "caseId", "agencyId", "country")
    assert df.iloc[0][["caseId", "agencyId", "country"]].tolist() == ["C-FR-1", "FR-OCRVP", "FR"]


def test_series_page_shows_media_hashes_and_camera(seeded):
    at = run("views/series.py", query={"series": "S-FR-1"})
    df = frame(at, "sha256", "serial")
    assert df.set_index("sha256").loc[SHA[1], "serial"] == "SN-12345"


def test_series_page_shows_victims_and_clues(seeded):
    at = run("views/series.py", query={"series": "S-FR-1"})
    assert set(frame(at, "label", "seriesShowing")["label"]) == {
        "Kalimba Coffee",
        "Socket type G",
        "Red armchair",
    }


def test_series_page_shows_linked_series_with_evidence(seeded):
    body = texts(run("views/series.py", query={"series": "S-FR-1"}))
    assert "S\\-DE\\-1" in body and "camera canon\\|eos 5d\\|SN\\-12345" in body


def test_series_page_shows_existing_judgement(seeded):
    body = texts(run("views/series.py", query={"series": "S-FR-1"}))
    assert "confirmed by alice" in body


def test_linked_series_opens_in_place(seeded):
    at = run("views/series.py", query={"series": "S-GB-1"})
    button(at, "Open").click().run()
    assert open_series(at) == "S-FR-1"


def test_unknown_series_is_a_warning_not_a_traceback(seeded):
    at = run("views/series.py", query={"series": "NOPE"})
    assert "no series 'NOPE'" in texts(at)


def test_thumbnail_is_blurred_until_revealed(seeded):
    at = run("views/series.py", query={"series": "S-FR-1"})
    assert [b.label for b in at.button if b.key == f"reveal-{SHA[1]}"] == ["Reveal"]


def test_revealing_a_thumbnail_is_per_image(seeded):
    at = run("views/series.py", query={"series": "S-FR-1"})
    next(b for b in at.button if b.key == f"reveal-{SHA[1]}").click().run()
    assert at.session_state["revealed_thumbnails"] == {SHA[1]}


def test_judging_a_link_records_the_analyst(seeded):
    at = run("views/series.py", query={"series": "S-DE-1"}, name="dana")
    radios = [r for r in at.radio if r.label == "Judgement"]
    radios[0].set_value("rejected")
    button(at, "Save").click().run()
    rows = db.records(
        seeded,
        "MATCH (:Series {id: 'S-DE-1'})-[l:LINKED]-(:Series {id: 'S-FR-1'}) "
        "RETURN l.judgement AS j, l.judgedBy AS by",
        name="test",
    )
    assert (rows[0]["j"], rows[0]["by"]) == ("rejected", "dana")


# ------------------------------------------------------------------ link graph
def test_link_graph_shows_cross_country_links_by_default(seeded):
    df = frame(run("views/link_graph.py"), "a", "b", "crossCountry")
    assert sorted(zip(df["a"], df["b"], strict=True)) == [
        ("S-DE-1", "S-FR-1"),
        ("S-FR-1", "S-GB-1"),
    ]


def test_link_graph_can_show_same_country_and_rejected_links(seeded):
    at = run("views/link_graph.py")
    at.sidebar.checkbox(key="lg_cross").uncheck()
    at.sidebar.checkbox(key="lg_rejected").check()
    button(at, "Apply").click().run()
    assert len(frame(at, "a", "b", "crossCountry")) == EXPECTED["links"]


def test_link_graph_filters_by_kind(seeded):
    at = run("views/link_graph.py")
    at.sidebar.multiselect(key="lg_kinds").select("same_camera")
    button(at, "Apply").click().run()
    assert list(frame(at, "a", "b")["b"]) == ["S-GB-1"]


def test_link_graph_filters_by_minimum_score(seeded):
    at = run("views/link_graph.py")
    at.sidebar.number_input(key="lg_min_score").set_value(3.0)
    button(at, "Apply").click().run()
    assert list(frame(at, "a", "b")["a"]) == ["S-DE-1"]


def test_link_graph_draws_the_network(seeded):
    at = run("views/link_graph.py")
    assert "3 series and 2 link(s)" in texts(at)


def test_link_graph_opens_a_series(seeded):
    at = run("views/link_graph.py")
    at.selectbox(key="lg_open_pick").select("S-GB-1")
    button(at, "Open").click().run()
    assert open_series(at) == "S-GB-1"


# ------------------------------------------------------------------ leads
def test_leads_page_runs_a_lead(seeded):
    at = run("views/leads.py")
    at.selectbox(key="lead_name").select("cross-country")
    at.run()
    button(at, "Run").click().run()
    assert not at.exception and not at.error


def test_leads_offer_csv_and_json_downloads(seeded):
    at = run("views/leads.py")
    button(at, "Run").click().run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download JSON"]


def test_the_triage_lead_form_takes_hashes_only(seeded):
    # Its files are server paths and add_to_case loads: the form must not offer them.
    at = run("views/leads.py")
    at.selectbox(key="lead_name").select("triage")
    at.run()
    keys = {w.key for w in at.text_input} | {w.key for w in at.text_area}
    assert "lead-triage-hashes" in keys
    assert not keys & {f"lead-triage-{k}" for k in leads_service.SERVER_SIDE_TRIAGE}
    assert "Triage page" in texts(at)


# ------------------------------------------------------------------ triage
def test_triage_finds_a_pasted_hash(seeded):
    at = run("views/triage.py")
    at.text_area(key="triage_hashes").input(SHA[3])
    button(at, "Triage").click().run()
    assert not at.exception and "S-FR-1" in "\n".join(df.value.to_csv() for df in at.dataframe)


def test_an_analyst_is_told_why_triage_cannot_add_to_a_case(seeded):
    at = run("views/triage.py", name="dana")
    at.text_area(key="triage_hashes").input(SHA[3])
    button(at, "Triage").click().run()
    assert "needs the admin role" in texts(at)


# ------------------------------------------------------------------ clue board
def test_clue_board_counts_series_and_countries_per_type(seeded):
    df = frame(run("views/clues.py"), "type", "clues", "series", "countries").set_index("type")
    assert (df.loc["logo", "series"], df.loc["logo", "countries"]) == (2, 2)


def test_clue_board_lists_clues_seen_in_most_countries_first(seeded):
    df = frame(run("views/clues.py"), "label", "pointsTo")
    assert df.iloc[0]["label"] == "Kalimba Coffee"


def _add_clue(at: AppTest, target: str, label: str, hint: str = "") -> AppTest:
    at.text_input(key="ac_target").input(target)
    at.selectbox(key="ac_type").select("text")
    at.text_input(key="ac_label").input(label)
    at.text_input(key="ac_hint").input(hint)
    return button(at, "Add clue").click().run()


def test_adding_a_clue_records_the_analyst(seeded):
    at = _add_clue(run("views/clues.py", name="dana"), SHA[7], "Het Kanaal")
    assert not at.exception
    rows = db.records(
        seeded,
        "MATCH (:Media {sha256: $s})-[r:SHOWS]->(c:Clue) RETURN c.id AS id, r.analyst AS a",
        s=SHA[7],
        name="test",
    )
    assert rows == [{"id": "text:het kanaal", "a": "dana"}]


def test_adding_a_clue_records_the_logged_in_user_not_a_typed_name(seeded):
    at = _add_clue(run("views/clues.py", name="admin1"), SHA[7], "Het Kanaal")
    assert "Recorded as noted by **admin1**." in texts(at)


def test_adding_a_clue_to_an_unknown_media_says_so(seeded):
    at = _add_clue(run("views/clues.py", name="dana"), "ab" * 32, "Het Kanaal")
    assert "there is no media" in texts(at)


def test_added_clue_appears_on_the_board(seeded):
    at = _add_clue(run("views/clues.py", name="dana"), SHA[7], "Het Kanaal")
    at.run()
    assert "Het Kanaal" in set(frame(at, "label", "pointsTo")["label"])


def test_added_clue_merges_with_the_same_clue_written_differently(seeded):
    at = run("views/clues.py", name="dana")
    at.text_input(key="ac_target").input(SHA[7])
    at.selectbox(key="ac_type").select("logo")
    at.text_input(key="ac_label").input("  KALIMBA   coffee ")
    button(at, "Add clue").click().run()
    rows = db.records(
        seeded,
        "MATCH (c:Clue {type: 'logo'}) RETURN c.id AS id, COUNT { (c)<-[:SHOWS]-() } AS n",
        name="test",
    )
    assert rows == [{"id": "logo:kalimba coffee", "n": 4}]


def test_added_clue_reaches_the_links_after_the_update(seeded):
    at = run("views/clues.py", name="dana")
    at.text_input(key="ac_target").input(SHA[7])
    at.selectbox(key="ac_type").select("logo")
    at.text_input(key="ac_label").input("Kalimba Coffee")
    button(at, "Add clue").click().run()
    rows = db.records(
        seeded,
        "MATCH (:Series {id: 'S-NL-1'})-[l:LINKED]-(o:Series) WHERE 'shared_clue' IN l.kinds "
        "RETURN o.id AS other ORDER BY other",
        name="test",
    )
    assert [r["other"] for r in rows] == ["S-DE-1", "S-FR-1"]


# ------------------------------------------------------------------ map
def test_map_lists_places_with_series_counts(seeded):
    df = frame(run("views/map.py"), "name", "series", "media").set_index("name")
    assert (df.loc["Bristol", "series"], df.loc["Bristol", "media"]) == (1, 2)


def test_map_filters_by_country(seeded):
    at = run("views/map.py")
    at.selectbox(key="map_country").select("FR").run()
    assert list(frame(at, "name", "series")["name"]) == ["Lyon"]


def test_map_fetches_no_tiles_by_default(seeded):
    spec = json.loads(run("views/map.py").get("deck_gl_json_chart")[0].proto.json)
    assert not any("Bitmap" in str(layer.get("@@type")) for layer in spec["layers"])


# ------------------------------------------------------------------ console
def _console(query: str) -> AppTest:
    at = run("views/console.py")
    at.text_area(key="console_text").input(query)
    return button(at, "Run").click().run()


def test_console_runs_a_read_query(seeded):
    at = _console("MATCH (s:Series) RETURN s.id AS id ORDER BY id")
    assert list(frame(at, "id")["id"]) == ["S-DE-1", "S-FR-1", "S-FR-2", "S-GB-1", "S-NL-1"]


def test_console_draws_returned_nodes_and_relationships(seeded):
    at = _console("MATCH (s:Series)-[l:LINKED]->(o:Series) RETURN s, l, o")
    assert "Graph (5 nodes, 4 relationships)" in at.radio(key="console_view").options


def test_console_refuses_a_write(seeded):
    at = _console("CREATE (n:Series {id: 'EVIL'}) RETURN n")
    assert at.error and "read-only" in at.error[0].value


def test_console_refusal_leaves_the_graph_unchanged(seeded):
    _console("MATCH (s:Series) DETACH DELETE s")
    assert db.records(seeded, "MATCH (s:Series) RETURN count(s) AS n", name="t")[0]["n"] == 5


# ------------------------------------------------------------------ trainer and audit
def test_trainer_without_a_world_says_how_to_make_one(seeded, tmp_path):
    at = run("views/trainer.py")
    at.text_input(key="demo_folder_input").input(str(tmp_path / "none")).run()
    assert "No truth.json" in texts(at)


def test_trainer_shows_the_scenario_and_checks_answers(seeded, tmp_path):
    truth = {
        "counts": {"pairs": 2},
        "scenario": {
            "title": "Find where it was taken",
            "brief": "A series shot somewhere else.",
            "steps": [
                {"n": 1, "page": "triage", "task": "Triage it.", "hint": "H1", "answer": "S-FR-1"},
                {"n": 4, "page": "leads: camera-trail", "task": "Camera?", "hint": "H4",
                 "answer": "serial SN-12345"},
            ],
            "answers": {"series": "S-FR-1", "camera": {"serial": "SN-12345"}},
        },
    }  # fmt: skip
    (tmp_path / "truth.json").write_text(json.dumps(truth))
    at = run("views/trainer.py")
    at.text_input(key="demo_folder_input").input(str(tmp_path)).run()
    at.text_input(key="scenario-answer-1").input("it is s-fr-1").run()
    assert "Right." in [s.value for s in at.success]


def test_audit_lists_events_newest_first(seeded):
    df = frame(run("views/audit.py"), "at", "action")
    assert list(df["action"]) == ["console_query", "lead_run", "series_view"]


def test_audit_view_is_itself_audited(seeded):
    run("views/audit.py", name="carla")
    rows = db.records(
        seeded, "MATCH (e:AuditEvent {action: 'audit.view'}) RETURN e.user AS u", name="t"
    )
    assert [r["u"] for r in rows] == ["carla"]


def test_audit_filters_by_user(seeded):
    at = run("views/audit.py")
    at.text_input(key="au_user").input("bob")
    button(at, "Filter").click().run()
    assert list(frame(at, "user", "action")["user"]) == ["bob"]


# ------------------------------------------------------------------ Neo4j down
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_neo4j_down_is_a_clear_message_and_the_app_recovers(seeded):
    port = _free_port()
    st.cache_resource.clear()
    # Its own MonkeyPatch: undoing it must not undo the users file of tests/app/conftest.py.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLUEGRAPH_BOLT_PORT", str(port))
        reset_settings()
        try:
            at = run()
            down = [e.value for e in at.error]
        finally:
            mp.undo()
            reset_settings()
            st.cache_resource.clear()
    assert down and down[0].startswith("Neo4j is not reachable")
    assert metric(run(), "Series") == "5"
