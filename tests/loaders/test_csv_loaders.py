"""The series, victims, accounts and clues CSV loaders against the real Neo4j, with real
files written in each test. All identifiers, hashes and handles here are synthetic."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from graph import db
from loaders.accounts import AccountsLoader
from loaders.base import CsvLoader, LoadReport, run_csv
from loaders.cases import CasesLoader
from loaders.clues import CluesLoader
from loaders.series import SeriesLoader
from loaders.victims import VictimsLoader

pytestmark = pytest.mark.neo4j
ROOT = Path(__file__).resolve().parents[2]

SERIES_COLS = ["series_id", "name", "case_id", "status"]
VICTIM_COLS = [
    "victim_id",
    "series_id",
    "identified",
    "identified_by",
    "identified_at",
    "age_band",
    "sex",
]
ACCOUNT_COLS = ["target", "platform", "handle", "seen_at"]
CLUE_COLS = [
    "target",
    "target_kind",
    "type",
    "label",
    "location_hint",
    "confidence",
    "analyst",
    "noted_at",
]

HOSTILE = [
    "'}) DETACH DELETE n //",
    'Robert"); MATCH (n) DETACH DELETE n; //',
    "`Series`} RETURN 1 UNION MATCH (n) DETACH DELETE n //",
    "CALL dbms.killQueries([]) $rows {id: 1}",
    "\u202eevil\u200b label\u200d \u05e9\u05dc\u05d5\u05dd",
]


def _h(seed: str) -> dict[str, str]:
    b = f"synthetic-media-{seed}".encode()
    return {
        "sha256": hashlib.sha256(b).hexdigest(),
        "sha1": hashlib.sha1(b).hexdigest(),
        "md5": hashlib.md5(b).hexdigest(),
    }


M1, M2, M3 = _h("1"), _h("2"), _h("3")


# ------------------------------------------------------------------ helpers
def write_csv(
    path: Path, header: list[str], rows: list[list[str]], *, encoding="utf-8", bom=False
) -> Path:
    with open(path, "w", encoding="utf-8-sig" if bom else encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def load(driver, loader: CsvLoader, path: Path, **kw) -> LoadReport:
    return run_csv(driver, loader, path, **kw)


def count(driver, pattern: str) -> int:
    return db.records(driver, f"MATCH {pattern} RETURN count(*) AS c", name="t")[0]["c"]


def one(driver, query: str, **params):
    rows = db.records(driver, query, name="t", **params)
    assert len(rows) == 1, rows
    return rows[0]


def checksum(driver) -> str:
    """Content of every node and relationship except Load nodes, order-free."""
    nodes = db.records(
        driver,
        "MATCH (n) WHERE NOT n:Load AND NOT n:IndexVersion AND NOT n:Cluster AND NOT n:ClusterRun "
        "RETURN labels(n) AS l, properties(n) AS p",
        name="t",
    )
    rels = db.records(
        driver,
        "MATCH (a)-[r]->(b) WHERE NOT a:Load AND NOT b:Load "
        "AND NOT a:Cluster AND NOT b:Cluster AND NOT a:ClusterRun AND NOT b:ClusterRun "
        "RETURN type(r) AS t, properties(a) AS a, properties(b) AS b, properties(r) AS p",
        name="t",
    )
    items = sorted(json.dumps(x, sort_keys=True, default=str) for x in nodes + rels)
    return hashlib.sha256("\n".join(items).encode()).hexdigest()


@pytest.fixture
def cases(driver, tmp_path):
    """Cases C1 (an agency in France) and C2 (Brazil), through the real cases loader."""
    p = write_csv(
        tmp_path / "cases.csv",
        ["case_id", "title", "agency_id", "agency_name", "country", "status", "opened"],
        [
            ["C1", "Case one", "A-FR", "Agency FR", "FR", "open", "2024-01-10"],
            ["C2", "Case two", "A-BR", "Agency BR", "Brazil", "open", "2024-02-01"],
        ],
    )
    assert load(driver, CasesLoader(), p).ok
    return driver


@pytest.fixture
def series(cases, tmp_path):
    """Series S1 (C1 and C2) and S2 (C2)."""
    p = write_csv(
        tmp_path / "series-seed.csv",
        SERIES_COLS,
        [["S1", "Series one", "C1", "unidentified"], ["S1", "", "C2", ""], ["S2", "Two", "C2", ""]],
    )
    assert load(cases, SeriesLoader(), p).ok
    return cases


@pytest.fixture
def media(series):
    """Media M1 and M2 (in S1), M3 (in S2): made directly, the media loader is not tested here."""
    db.write(
        series,
        "UNWIND $rows AS r MATCH (s:Series {id: r.series}) "
        "CREATE (s)-[:CONTAINS]->(m:Media {sha256: r.sha256, sha1: r.sha1, md5: r.md5})",
        rows=[{**M1, "series": "S1"}, {**M2, "series": "S1"}, {**M3, "series": "S2"}],
        name="t",
    )
    return series


# ------------------------------------------------------------------ series
def test_series_rows_link_every_investigating_case_to_one_series(series):
    assert (count(series, "(:Series)"), count(series, "(:Case)-[:INVESTIGATES]->(:Series)")) == (
        2,
        3,
    )


def test_series_keeps_name_and_status_from_the_row_that_gives_them(series):
    s = one(series, "MATCH (s:Series {id: 'S1'}) RETURN s.name AS name, s.status AS status")
    assert s == {"name": "Series one", "status": "unidentified"}


def test_series_status_defaults_to_unidentified(series):
    assert one(series, "MATCH (s:Series {id: 'S2'}) RETURN s.status AS st")["st"] == "unidentified"


def test_series_nodes_and_relationships_carry_provenance(cases, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S9", "n", "C1", "closed"]])
    rep = load(cases, SeriesLoader(), p)
    got = one(
        cases,
        "MATCH (c:Case)-[i:INVESTIGATES]->(s:Series {id: 'S9'}) RETURN "
        "[s.source, s.loadId, s.loadedAt IS NOT NULL] AS node, "
        "[i.source, i.loadId, i.loadedAt IS NOT NULL] AS rel",
    )
    assert got == {"node": ["s.csv", rep.load_id, True], "rel": ["s.csv", rep.load_id, True]}


def test_series_load_is_recorded_as_a_load_node(cases, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S9", "n", "C1", "closed"]])
    rep = load(cases, SeriesLoader(), p)
    got = one(cases, "MATCH (l:Load {id: $id}) RETURN l.kind AS k, l.written AS w", id=rep.load_id)
    assert got == {"k": "series", "w": 1}


def test_series_status_accepts_spaces_and_case(cases, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S9", "n", "C1", "Victim Identified"]])
    load(cases, SeriesLoader(), p)
    got = one(cases, "MATCH (s:Series {id: 'S9'}) RETURN s.status AS st")
    assert got["st"] == "victim_identified"


def test_series_unknown_case_is_skipped_with_file_line_and_field(cases, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S1", "a", "C1", ""], ["S2", "b", "C404", ""]])
    rep = load(cases, SeriesLoader(), p)
    assert [str(e) for e in rep.errors] == [
        "s.csv line 3, field case_id: unknown case 'C404'; load cases first"
    ]


def test_series_unknown_case_leaves_the_other_rows_loaded(cases, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S1", "a", "C1", ""], ["S2", "b", "C404", ""]])
    rep = load(cases, SeriesLoader(), p)
    assert (rep.written, rep.skipped, count(cases, "(:Series)")) == (1, 1, 1)


def test_series_bad_status_names_the_status_field(cases, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S1", "a", "C1", "solved"]])
    rep = load(cases, SeriesLoader(), p)
    assert (rep.errors[0].line, rep.errors[0].field) == (2, "status")


def test_series_rows_that_contradict_each_other_are_an_error(cases, tmp_path):
    p = write_csv(
        tmp_path / "s.csv",
        SERIES_COLS,
        [["S1", "a", "C1", "closed"], ["S1", "a", "C2", "unidentified"]],
    )
    rep = load(cases, SeriesLoader(), p)
    assert [(e.line, e.field) for e in rep.errors] == [(3, "status")]


def test_series_strict_refuses_the_whole_file_for_one_bad_row(cases, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S1", "a", "C1", ""], ["S2", "b", "C404", ""]])
    rep = load(cases, SeriesLoader(), p, strict=True)
    assert (rep.refused, count(cases, "(:Series)"), count(cases, "(:Load {kind: 'series'})")) == (
        True,
        0,
        0,
    )


def test_series_dry_run_reports_but_writes_nothing(cases, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S1", "a", "C1", ""], ["S2", "b", "C404", ""]])
    before = checksum(cases)
    rep = load(cases, SeriesLoader(), p, dry_run=True)
    assert (rep.skipped, rep.errors[0].field, checksum(cases)) == (1, "case_id", before)


def test_series_dry_run_without_a_graph_validates_the_file_alone(tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S1", "a", "C404", "bogus"]])
    rep = run_csv(None, SeriesLoader(), p, dry_run=True)
    assert [e.field for e in rep.errors] == ["status"]


def test_series_load_twice_changes_nothing(cases, tmp_path):
    p = write_csv(
        tmp_path / "s.csv", SERIES_COLS, [["S1", "a", "C1", "closed"], ["S1", "", "C2", ""]]
    )
    load(cases, SeriesLoader(), p)
    first = (checksum(cases), db.counts(cases))
    load(cases, SeriesLoader(), p)
    assert (checksum(cases), db.counts(cases)) == first


def test_series_bom_is_accepted(cases, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S1", "Café", "C1", ""]], bom=True)
    rep = load(cases, SeriesLoader(), p)
    assert (rep.ok, one(cases, "MATCH (s:Series) RETURN s.name AS n")["n"]) == (True, "Café")


def test_series_latin1_file_is_refused_with_a_clear_message(cases, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S1", "Café", "C1", ""]], encoding="latin-1")
    rep = load(cases, SeriesLoader(), p)
    assert (rep.refused, "not UTF-8" in rep.refusal, count(cases, "(:Series)")) == (True, True, 0)


def test_series_unknown_column_is_refused(cases, tmp_path):
    p = write_csv(tmp_path / "s.csv", [*SERIES_COLS, "notes"], [["S1", "a", "C1", "", "x"]])
    rep = load(cases, SeriesLoader(), p)
    assert (rep.refused, "notes" in rep.refusal, count(cases, "(:Series)")) == (True, True, 0)


def test_series_unknown_column_is_ignored_with_lenient(cases, tmp_path):
    p = write_csv(tmp_path / "s.csv", [*SERIES_COLS, "notes"], [["S1", "a", "C1", "", "x"]])
    rep = load(cases, SeriesLoader(), p, lenient=True)
    assert (rep.ok, count(cases, "(:Series {id: 'S1'})")) == (True, 1)


def test_series_missing_column_is_refused(cases, tmp_path):
    p = write_csv(tmp_path / "s.csv", ["series_id", "name"], [["S1", "a"]])
    rep = load(cases, SeriesLoader(), p)
    assert (rep.refused, "case_id" in rep.refusal) == (True, True)


def test_series_hostile_names_are_stored_as_data(cases, tmp_path):
    rows = [[f"S{i}", s, "C1", ""] for i, s in enumerate(HOSTILE)]
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, rows)
    assert load(cases, SeriesLoader(), p).ok
    got = db.records(cases, "MATCH (s:Series) RETURN s.name AS n ORDER BY s.id", name="t")
    assert [r["n"] for r in got] == HOSTILE


def test_series_hostile_names_damage_nothing(cases, tmp_path):
    rows = [[f"S{i}", s, "C1", ""] for i, s in enumerate(HOSTILE)]
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, rows)
    load(cases, SeriesLoader(), p)
    assert (count(cases, "(:Case)"), count(cases, "(:Agency)")) == (2, 2)


def test_series_hostile_id_is_a_record_error(cases, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [[HOSTILE[0], "a", "C1", ""]])
    rep = load(cases, SeriesLoader(), p)
    assert [e.field for e in rep.errors] == ["series_id"]


# ------------------------------------------------------------------ victims
def test_victims_write_attributes_and_features(series, tmp_path):
    p = write_csv(
        tmp_path / "v.csv",
        VICTIM_COLS,
        [["V1", "S1", "yes", "Agency FR", "2024-05-02", "6 – 9", "f"]],
    )
    assert load(series, VictimsLoader(), p).ok
    got = one(
        series,
        "MATCH (:Series {id: 'S1'})-[f:FEATURES]->(v:Victim {id: 'V1'}) RETURN v.identified AS i, "
        "v.identifiedBy AS b, toString(v.identifiedAt) AS at, f.ageBand AS age, v.sex AS sex, "
        "v.ageBand AS victimAge",
    )
    assert got == {
        "i": True,
        "b": "Agency FR",
        "at": "2024-05-02",
        "age": "6-9",
        "sex": "F",
        "victimAge": None,
    }


def test_victim_seen_at_two_ages_in_two_series_loads(series, tmp_path):
    p = write_csv(
        tmp_path / "v.csv",
        VICTIM_COLS,
        [["V1", "S1", "", "", "", "6-9", "F"], ["V1", "S2", "", "", "", "10-13", "F"]],
    )
    rep = load(series, VictimsLoader(), p)
    assert (rep.ok, rep.errors) == (True, [])
    got = db.records(
        series,
        "MATCH (s:Series)-[f:FEATURES]->(:Victim {id: 'V1'}) RETURN s.id AS s, f.ageBand AS a "
        "ORDER BY s",
        name="t",
    )
    assert got == [{"s": "S1", "a": "6-9"}, {"s": "S2", "a": "10-13"}]


def test_victim_two_age_bands_in_one_series_is_an_error_naming_both_lines(series, tmp_path):
    p = write_csv(
        tmp_path / "v.csv",
        VICTIM_COLS,
        [["V1", "S1", "", "", "", "6-9", ""], ["V1", "S1", "", "", "", "10-13", ""]],
    )
    rep = load(series, VictimsLoader(), p)
    assert [str(e) for e in rep.errors] == [
        "v.csv line 3, field age_band: '10-13' contradicts '6-9' given for "
        "'V1 in series S1' on line 2"
    ]


def test_victim_sex_contradiction_is_still_an_error_naming_both_lines(series, tmp_path):
    p = write_csv(
        tmp_path / "v.csv",
        VICTIM_COLS,
        [["V1", "S1", "", "", "", "6-9", "F"], ["V1", "S2", "", "", "", "10-13", "M"]],
    )
    rep = load(series, VictimsLoader(), p)
    assert [str(e) for e in rep.errors] == [
        "v.csv line 3, field sex: 'M' contradicts 'F' given for 'V1' on line 2"
    ]


def test_every_bad_field_of_a_row_is_reported(series, tmp_path):
    p = write_csv(
        tmp_path / "v.csv",
        VICTIM_COLS,
        [
            ["V1", "S1", "perhaps", "", "02/05/2024", "", "girlish"],
            ["V2", "S1", "", "", "", "", ""],
        ],
    )
    rep = load(series, VictimsLoader(), p)
    assert [(e.line, e.field) for e in rep.errors] == [
        (2, "identified"),
        (2, "identified_at"),
        (2, "sex"),
    ]
    assert (rep.read, rep.skipped, rep.written, rep.status) == (2, 1, 1, "partial")


def test_a_load_that_wrote_nothing_is_failed_not_partial(series, tmp_path):
    p = write_csv(tmp_path / "v.csv", VICTIM_COLS, [["V1", "S404", "", "", "", "", ""]])
    rep = load(series, VictimsLoader(), p)
    assert (rep.written, rep.status) == (0, "failed")
    got = one(series, "MATCH (l:Load {id: $id}) RETURN l.status AS s", id=rep.load_id)
    assert got == {"s": "failed"}


def test_db_init_moves_a_victims_age_band_onto_its_features(series):
    db.write(
        series,
        "MATCH (s1:Series {id: 'S1'}), (s2:Series {id: 'S2'}) "
        "CREATE (v:Victim {id: 'VOLD', ageBand: '6-9'}), (s1)-[:FEATURES]->(v), "
        "(s2)-[:FEATURES {ageBand: '10-13'}]->(v)",
        name="t",
    )
    db.apply_schema(series)  # what `cluegraph db init` runs
    db.apply_schema(series)  # idempotent
    got = db.records(
        series,
        "MATCH (s:Series)-[f:FEATURES]->(v:Victim {id: 'VOLD'}) "
        "RETURN s.id AS s, f.ageBand AS a, v.ageBand AS va ORDER BY s",
        name="t",
    )
    assert got == [{"s": "S1", "a": "6-9", "va": None}, {"s": "S2", "a": "10-13", "va": None}]


def test_victim_in_two_series_is_one_node_featured_twice(series, tmp_path):
    p = write_csv(
        tmp_path / "v.csv",
        VICTIM_COLS,
        [["V1", "S1", "", "", "", "10-13", "M"], ["V1", "S2", "", "", "", "", ""]],
    )
    load(series, VictimsLoader(), p)
    assert (count(series, "(:Victim)"), count(series, "(:Series)-[:FEATURES]->(:Victim)")) == (
        1,
        2,
    )


def test_victim_identified_defaults_to_false(series, tmp_path):
    p = write_csv(tmp_path / "v.csv", VICTIM_COLS, [["V1", "S1", "", "", "", "", ""]])
    load(series, VictimsLoader(), p)
    assert one(series, "MATCH (v:Victim) RETURN v.identified AS i")["i"] is False


def test_victim_provenance(series, tmp_path):
    p = write_csv(tmp_path / "v.csv", VICTIM_COLS, [["V1", "S1", "", "", "", "", ""]])
    rep = load(series, VictimsLoader(), p)
    got = one(
        series,
        "MATCH ()-[f:FEATURES]->(v:Victim) RETURN [v.source, v.loadId] AS n, "
        "[f.source, f.loadId, f.loadedAt = v.loadedAt] AS r",
    )
    assert got == {"n": ["v.csv", rep.load_id], "r": ["v.csv", rep.load_id, True]}


def test_victim_unknown_series_is_a_record_error(series, tmp_path):
    p = write_csv(tmp_path / "v.csv", VICTIM_COLS, [["V1", "S404", "", "", "", "", ""]])
    rep = load(series, VictimsLoader(), p)
    assert [str(e) for e in rep.errors] == [
        "v.csv line 2, field series_id: unknown series 'S404'; load series first"
    ]


def test_victim_identified_false_with_a_date_is_an_error(series, tmp_path):
    p = write_csv(tmp_path / "v.csv", VICTIM_COLS, [["V1", "S1", "no", "", "2024-01-01", "", ""]])
    rep = load(series, VictimsLoader(), p)
    assert [e.field for e in rep.errors] == ["identified_at"]


def test_victim_bad_boolean_date_and_sex_name_their_fields(series, tmp_path):
    p = write_csv(
        tmp_path / "v.csv",
        VICTIM_COLS,
        [
            ["V1", "S1", "perhaps", "", "", "", ""],
            ["V2", "S1", "", "", "02/05/2024", "", ""],
            ["V3", "S1", "", "", "", "", "girlish"],
        ],
    )
    rep = load(series, VictimsLoader(), p)
    assert [(e.line, e.field) for e in rep.errors] == [
        (2, "identified"),
        (3, "identified_at"),
        (4, "sex"),
    ]


def test_victims_load_twice_changes_nothing(series, tmp_path):
    p = write_csv(
        tmp_path / "v.csv",
        VICTIM_COLS,
        [["V1", "S1", "true", "A", "2024-05-02", "6-9", "F"], ["V1", "S2", "", "", "", "", ""]],
    )
    load(series, VictimsLoader(), p)
    first = (checksum(series), db.counts(series))
    load(series, VictimsLoader(), p)
    assert (checksum(series), db.counts(series)) == first


# ------------------------------------------------------------------ accounts
def test_account_target_matches_sha256_sha1_or_md5(media, tmp_path):
    p = write_csv(
        tmp_path / "a.csv",
        ACCOUNT_COLS,
        [
            [M1["sha256"], "picboard", "quiet_otter", ""],
            [M2["sha1"].upper(), "picboard", "quiet_otter", ""],
            [M3["md5"], "picboard", "quiet_otter", ""],
        ],
    )
    assert load(media, AccountsLoader(), p).ok
    got = db.records(
        media,
        "MATCH (m:Media)-[:SHARED_BY]->(a:Account {id: 'picboard:quiet_otter'}) "
        "RETURN m.sha256 AS h ORDER BY h",
        name="t",
    )
    assert [r["h"] for r in got] == sorted([M1["sha256"], M2["sha256"], M3["sha256"]])


def test_account_id_is_normalised_and_handle_kept_as_first_written(media, tmp_path):
    p = write_csv(
        tmp_path / "a.csv",
        ACCOUNT_COLS,
        [
            [M1["sha256"], "PicBoard", "@Quiet_Otter", ""],
            [M2["sha256"], "picboard", "quiet_otter", ""],
        ],
    )
    load(media, AccountsLoader(), p)
    got = one(media, "MATCH (a:Account) RETURN a.id AS id, a.platform AS p, a.handle AS h")
    assert got == {"id": "picboard:quiet_otter", "p": "picboard", "h": "Quiet_Otter"}


def test_account_zero_width_characters_do_not_split_an_account(media, tmp_path):
    p = write_csv(
        tmp_path / "a.csv",
        ACCOUNT_COLS,
        [
            [M1["sha256"], "chatnest", "amber\u200bfalcon", ""],
            [M2["sha256"], "chatnest", "amberfalcon", ""],
        ],
    )
    load(media, AccountsLoader(), p)
    assert count(media, "(:Account)") == 1


def test_account_seen_at_keeps_the_earliest_sighting(media, tmp_path):
    p = write_csv(
        tmp_path / "a.csv",
        ACCOUNT_COLS,
        [
            [M1["sha256"], "vidloop", "x1", "2024-03-05T10:00:00Z"],
            [M1["md5"], "vidloop", "x1", "2024-03-01T08:30:00+01:00"],
            [M1["sha1"], "vidloop", "x1", ""],
        ],
    )
    load(media, AccountsLoader(), p)
    got = one(media, "MATCH ()-[s:SHARED_BY]->() RETURN toString(s.seenAt) AS t")
    assert got["t"] == "2024-03-01T08:30:00+01:00"


def test_account_provenance(media, tmp_path):
    p = write_csv(tmp_path / "a.csv", ACCOUNT_COLS, [[M1["sha256"], "vidloop", "x1", "2024-03-05"]])
    rep = load(media, AccountsLoader(), p)
    got = one(
        media,
        "MATCH ()-[s:SHARED_BY]->(a:Account) RETURN [a.source, a.loadId] AS n, "
        "[s.source, s.loadId, s.loadedAt IS NOT NULL] AS r",
    )
    assert got == {"n": ["a.csv", rep.load_id], "r": ["a.csv", rep.load_id, True]}


def test_account_unknown_hash_is_a_record_error(media, tmp_path):
    unknown = hashlib.sha256(b"not loaded").hexdigest()
    p = write_csv(tmp_path / "a.csv", ACCOUNT_COLS, [[unknown, "vidloop", "x1", ""]])
    rep = load(media, AccountsLoader(), p)
    assert (rep.errors[0].field, "load the media first" in rep.errors[0].message) == (
        "target",
        True,
    )


def test_account_target_that_is_not_a_hash_is_a_record_error(media, tmp_path):
    p = write_csv(tmp_path / "a.csv", ACCOUNT_COLS, [["S1", "vidloop", "x1", ""]])
    rep = load(media, AccountsLoader(), p)
    assert [(e.line, e.field) for e in rep.errors] == [(2, "target")]


def test_account_hostile_handles_are_stored_as_data(media, tmp_path):
    rows = [[M1["sha256"], "forumhub", h, ""] for h in HOSTILE]
    p = write_csv(tmp_path / "a.csv", ACCOUNT_COLS, rows)
    assert load(media, AccountsLoader(), p).ok
    got = db.records(media, "MATCH (a:Account) RETURN a.handle AS h", name="t")
    assert sorted(r["h"] for r in got) == sorted(HOSTILE)


def test_accounts_load_twice_changes_nothing(media, tmp_path):
    p = write_csv(
        tmp_path / "a.csv",
        ACCOUNT_COLS,
        [[M1["sha256"], "vidloop", "@X1", "2024-03-05"], [M2["md5"], "vidloop", "x1", ""]],
    )
    load(media, AccountsLoader(), p)
    first = (checksum(media), db.counts(media))
    load(media, AccountsLoader(), p)
    assert (checksum(media), db.counts(media)) == first


# ------------------------------------------------------------------ clues
def clue_row(target, kind="media", type_="logo", label="Café du Monde", hint="", conf="", **kw):
    return [
        target,
        kind,
        type_,
        label,
        hint,
        conf,
        kw.get("analyst", "analyst1"),
        kw.get("noted_at", "2024-06-01"),
    ]


def test_clue_on_media_writes_shows_with_its_properties(media, tmp_path):
    p = write_csv(
        tmp_path / "c.csv",
        CLUE_COLS,
        [clue_row(M1["md5"], conf="0.75", noted_at="2024-06-01T09:00:00Z")],
    )
    assert load(media, CluesLoader(), p).ok
    got = one(
        media,
        "MATCH (m:Media)-[s:SHOWS]->(c:Clue) RETURN m.sha256 AS m, s.analyst AS a, "
        "s.confidence AS conf, toString(s.notedAt) AS t",
    )
    assert got == {"m": M1["sha256"], "a": "analyst1", "conf": 0.75, "t": "2024-06-01T09:00:00Z"}


def test_clue_id_is_type_and_folded_label_and_keeps_the_label(media, tmp_path):
    p = write_csv(tmp_path / "c.csv", CLUE_COLS, [clue_row(M1["sha256"], label="  Café  DU Monde")])
    load(media, CluesLoader(), p)
    got = one(media, "MATCH (c:Clue) RETURN c.id AS id, c.value AS v, c.label AS l, c.type AS t")
    assert got == {
        "id": "logo:cafe du monde",
        "v": "cafe du monde",
        "l": "Café  DU Monde",
        "t": "logo",
    }


def test_clue_spellings_of_one_label_meet_on_one_clue(media, tmp_path):
    p = write_csv(
        tmp_path / "c.csv",
        CLUE_COLS,
        [
            clue_row(M1["sha256"], label="Café du Monde"),
            clue_row("S2", kind="series", label="CAFE\u200b DU  MONDE"),
            clue_row(M2["sha1"], label="ｃａｆｅ du monde"),
        ],
    )
    load(media, CluesLoader(), p)
    assert (count(media, "(:Clue)"), count(media, "()-[:SHOWS]->(:Clue)")) == (1, 3)


def test_clue_on_series_target(media, tmp_path):
    p = write_csv(tmp_path / "c.csv", CLUE_COLS, [clue_row("S2", kind="series", type_="fixture")])
    load(media, CluesLoader(), p)
    assert count(media, "(:Series {id: 'S2'})-[:SHOWS]->(:Clue {type: 'fixture'})") == 1


def test_clue_city_hint_points_to_a_location_in_its_country(media, tmp_path):
    p = write_csv(
        tmp_path / "c.csv", CLUE_COLS, [clue_row(M1["sha256"], hint="Lyon, FR", conf="high")]
    )
    load(media, CluesLoader(), p)
    got = one(
        media,
        "MATCH (:Clue)-[p:POINTS_TO]->(l:Location)-[:IN_COUNTRY]->(co:Country) "
        "RETURN l.name AS n, l.kind AS k, co.code AS cc, p.confidence AS conf",
    )
    assert got == {"n": "Lyon", "k": "place", "cc": "FR", "conf": 0.9}


def test_clue_location_and_country_carry_provenance(media, tmp_path):
    p = write_csv(tmp_path / "c.csv", CLUE_COLS, [clue_row(M1["sha256"], hint="Recife, Brazil")])
    rep = load(media, CluesLoader(), p)
    got = one(
        media,
        "MATCH (c:Clue)-[p:POINTS_TO]->(l:Location)-[i:IN_COUNTRY]->(:Country {code: 'BR'}) "
        "RETURN [c.loadId, p.loadId, l.loadId, i.loadId] AS ids, "
        "[c.source, p.source, l.source, i.source] AS src",
    )
    assert got == {"ids": [rep.load_id] * 4, "src": ["c.csv"] * 4}


def test_clue_country_hint_points_to_the_country(media, tmp_path):
    p = write_csv(tmp_path / "c.csv", CLUE_COLS, [clue_row(M1["sha256"], hint="Portugal")])
    load(media, CluesLoader(), p)
    assert (
        count(media, "(:Clue)-[:POINTS_TO]->(:Country {code: 'PT'})"),
        count(media, "(:Location)"),
    ) == (1, 0)


def test_clue_coordinate_hint_resolves_to_the_nearest_place_and_keeps_the_point(media, tmp_path):
    p = write_csv(tmp_path / "c.csv", CLUE_COLS, [clue_row(M1["sha256"], hint="46.2; 6.1")])
    load(media, CluesLoader(), p)
    got = one(
        media,
        "MATCH (:Clue)-[p:POINTS_TO]->(l:Location) "
        "RETURN l.countryCode AS cc, p.lat AS lat, p.lon AS lon",
    )
    assert got == {"cc": "CH", "lat": 46.2, "lon": 6.1}


def test_clue_unresolvable_hint_is_an_error_naming_location_hint(media, tmp_path):
    p = write_csv(
        tmp_path / "c.csv", CLUE_COLS, [clue_row(M1["sha256"], hint="Qwxz Plorb, Narnia")]
    )
    rep = load(media, CluesLoader(), p)
    assert [(e.line, e.field) for e in rep.errors] == [(2, "location_hint")]


def test_clue_coordinates_out_of_range_are_an_error(media, tmp_path):
    p = write_csv(tmp_path / "c.csv", CLUE_COLS, [clue_row(M1["sha256"], hint="95.0, 6.1")])
    rep = load(media, CluesLoader(), p)
    assert ("latitude" in rep.errors[0].message, rep.errors[0].field) == (True, "location_hint")


@pytest.mark.parametrize(
    ("written", "stored"), [("0.4", 0.4), ("80%", 0.8), ("Medium", 0.6), ("low", 0.3), ("", None)]
)
def test_clue_confidence_forms(media, tmp_path, written, stored):
    p = write_csv(tmp_path / "c.csv", CLUE_COLS, [clue_row(M1["sha256"], conf=written)])
    load(media, CluesLoader(), p)
    assert one(media, "MATCH ()-[s:SHOWS]->() RETURN s.confidence AS c")["c"] == stored


def test_clue_bad_values_name_their_fields(media, tmp_path):
    p = write_csv(
        tmp_path / "c.csv",
        CLUE_COLS,
        [
            clue_row(M1["sha256"], conf="1.5"),
            clue_row(M1["sha256"], type_="smell"),
            clue_row(M1["sha256"], kind="camera"),
            clue_row("not-a-hash", kind="media"),
            clue_row(M1["sha256"], label="\u200b  "),
            clue_row(M1["sha256"], noted_at="yesterday"),
            clue_row("S404", kind="series"),
        ],
    )
    rep = load(media, CluesLoader(), p)
    assert [(e.line, e.field) for e in rep.errors] == [
        (2, "confidence"),
        (3, "type"),
        (4, "target_kind"),
        (5, "target"),
        (6, "label"),
        (7, "noted_at"),
        (8, "target"),
    ]


def test_clue_unknown_media_is_an_error_naming_target(media, tmp_path):
    unknown = hashlib.md5(b"not loaded").hexdigest()
    p = write_csv(tmp_path / "c.csv", CLUE_COLS, [clue_row(unknown)])
    rep = load(media, CluesLoader(), p)
    assert [str(e) for e in rep.errors] == [
        f"c.csv line 2, field target: no media with hash '{unknown}'; load the media first"
    ]


def test_clue_hostile_labels_are_stored_as_data(media, tmp_path):
    rows = [clue_row(M1["sha256"], type_="text", label=s) for s in HOSTILE]
    p = write_csv(tmp_path / "c.csv", CLUE_COLS, rows)
    assert load(media, CluesLoader(), p).ok
    got = db.records(media, "MATCH (c:Clue) RETURN c.label AS l", name="t")
    assert sorted(r["l"] for r in got) == sorted(HOSTILE)


def test_clue_hostile_labels_damage_nothing(media, tmp_path):
    rows = [clue_row(M1["sha256"], type_="text", label=s) for s in HOSTILE]
    p = write_csv(tmp_path / "c.csv", CLUE_COLS, rows)
    load(media, CluesLoader(), p)
    assert (count(media, "(:Media)"), count(media, "(:Series)"), count(media, "(:Case)")) == (
        3,
        2,
        2,
    )


def test_clues_load_twice_changes_nothing(media, tmp_path):
    p = write_csv(
        tmp_path / "c.csv",
        CLUE_COLS,
        [
            clue_row(M1["sha256"], hint="Lyon, FR", conf="0.7"),
            clue_row("S1", kind="series", type_="language", label="Portuguese", hint="Brazil"),
            clue_row(M2["md5"], type_="fixture", label="Type J socket", hint="46.2,6.1"),
        ],
    )
    load(media, CluesLoader(), p)
    first = (checksum(media), db.counts(media))
    load(media, CluesLoader(), p)
    assert (checksum(media), db.counts(media)) == first


def test_clues_strict_refuses_the_file_and_writes_nothing(media, tmp_path):
    p = write_csv(
        tmp_path / "c.csv",
        CLUE_COLS,
        [clue_row(M1["sha256"]), clue_row(M1["sha256"], hint="Nowhere At All, Narnia")],
    )
    before = checksum(media)
    rep = load(media, CluesLoader(), p, strict=True)
    assert (rep.refused, checksum(media)) == (True, before)


# ------------------------------------------------------------------ CLI
def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", "load", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=240,
    )


def test_cli_load_series_exits_0_when_everything_loads(cases, cli_env, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S1", "a", "C1", ""]])
    out = cli(["series", str(p)], cli_env)
    assert (out.returncode, count(cases, "(:Series)")) == (0, 1), out.stderr


def test_cli_load_series_exits_1_and_names_the_bad_record(cases, cli_env, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S1", "a", "C1", ""], ["S2", "b", "C404", ""]])
    out = cli(["series", str(p)], cli_env)
    assert (out.returncode, "s.csv line 3, field case_id" in out.stderr) == (1, True), out.stderr


def test_cli_load_series_exits_2_for_a_non_utf8_file(cases, cli_env, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S1", "Café", "C1", ""]], encoding="latin-1")
    out = cli(["series", str(p)], cli_env)
    assert (out.returncode, "not UTF-8" in out.stderr, count(cases, "(:Series)")) == (2, True, 0)


def test_cli_load_series_strict_exits_2_and_writes_nothing(cases, cli_env, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S1", "a", "C1", ""], ["S2", "b", "C404", ""]])
    out = cli(["series", str(p), "--strict"], cli_env)
    assert (out.returncode, count(cases, "(:Series)")) == (2, 0)


def test_cli_dry_run_checks_references_and_writes_nothing(cases, cli_env, tmp_path):
    p = write_csv(tmp_path / "s.csv", SERIES_COLS, [["S1", "a", "C404", ""]])
    out = cli(["series", str(p), "--dry-run"], cli_env)
    assert (out.returncode, "unknown case" in out.stderr, count(cases, "(:Series)")) == (1, True, 0)


def test_cli_load_clues_exits_0(media, cli_env, tmp_path):
    p = write_csv(tmp_path / "c.csv", CLUE_COLS, [clue_row(M1["sha256"], hint="Lyon, FR")])
    out = cli(["clues", str(p)], cli_env)
    assert (out.returncode, count(media, "(:Clue)-[:POINTS_TO]->(:Location)")) == (0, 1), out.stderr
