"""The schema, the read/write helpers and the read-only check, on the real server."""

from __future__ import annotations

import pytest

from graph import db
from graph.errors import InvalidInput, NotReadOnly
from graph.schema import INDEXES, KEYS

pytestmark = pytest.mark.neo4j


def test_every_natural_key_has_a_uniqueness_constraint(driver):
    have = {(c["labelsOrTypes"][0], c["properties"][0]) for c in db.constraints(driver)}
    assert {(lbl.value, key) for lbl, key in KEYS.items()} <= have


def test_lookup_indexes_exist(driver):
    rows = db.records(driver, "SHOW INDEXES YIELD labelsOrTypes, properties", name="t")
    have = {(r["labelsOrTypes"][0], r["properties"][0]) for r in rows if r["labelsOrTypes"]}
    assert {(lbl.value, p) for lbl, p in INDEXES} <= have


def test_init_twice_is_harmless(driver):
    before = db.constraints(driver)
    db.apply_schema(driver)
    assert db.constraints(driver) == before


def test_write_then_read_round_trip(driver):
    db.write(
        driver, "MERGE (s:Series {id: $id}) SET s.name = $name", {"id": "S1", "name": "x"}, name="t"
    )
    res = db.read(driver, "MATCH (s:Series {id: $id}) RETURN s.name AS name", name="t", id="S1")
    assert res.rows == [{"name": "x"}]


def test_constraint_refuses_duplicate_key(driver):
    db.write(driver, "CREATE (:Case {id: 'C1'})", name="t")
    with pytest.raises(Exception, match="already exists"):
        db.write(driver, "CREATE (:Case {id: 'C1'})", name="t")


def test_read_caps_rows_and_says_so(driver):
    res = db.read(driver, "UNWIND range(1, 20) AS i RETURN i", name="t", limit=5)
    assert (len(res.rows), res.truncated) == (5, True)


def test_reset_deletes_everything_in_batches(driver):
    db.write(driver, "UNWIND range(1, 2500) AS i CREATE (:Media {sha256: toString(i)})", name="t")
    assert db.reset(driver, batch=1000) == 2500
    assert db.counts(driver) == (0, 0)


@pytest.mark.parametrize(
    "query",
    [
        "CREATE (n:X) RETURN n",
        "MATCH (n) DETACH DELETE n",
        "MATCH (n) SET n.x = 1 RETURN n",
        "MERGE (n:Case {id: 'x'}) RETURN n",
        "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l",
        "CREATE INDEX x FOR (n:A) ON (n.b)",
        "SHOW TRANSACTIONS",
        "MATCH (n) CALL (n) { SET n.x = 1 } RETURN count(*)",
        "RETURN 1; CREATE (n)",
    ],
)
def test_read_only_check_refuses_writes(driver, query):
    with pytest.raises(NotReadOnly):
        db.run_read_only(driver, query)


def test_read_only_query_runs_with_parameters(driver):
    res = db.run_read_only(driver, "RETURN $x + 1 AS y", {"x": 41})
    assert res.rows == [{"y": 42}]


def test_syntax_error_is_a_clear_invalid_input(driver):
    with pytest.raises(InvalidInput, match="refused the query"):
        db.run_read_only(driver, "MATCH (n RETURN n")


def test_server_info_reports_version_and_counts(driver):
    info = db.server_info(driver)
    assert info["version"].startswith("5.") and info["nodes"] == 0


def test_the_schema_is_applied_once_per_store_and_again_when_it_changes(driver, monkeypatch):
    """``ensure_schema`` (what every loading command runs first) reads one digest when the
    store has the current schema; a store without it, or a changed schema, gets it."""
    assert db.ensure_schema(driver) == 0  # the fixture applied it
    db.write(driver, "DROP CONSTRAINT media_sha256 IF EXISTS", name="test.drop")
    assert db.ensure_schema(driver) == 0  # trusted: db init re-applies it
    assert db.apply_schema(driver) > 0
    names = {r["name"] for r in db.constraints(driver)}
    assert "media_sha256" in names
    monkeypatch.setattr(db, "schema_digest", lambda: "another schema")
    assert db.ensure_schema(driver) > 0
    assert db.ensure_schema(driver) == 0
    db.write(driver, "MATCH (v:IndexVersion) DETACH DELETE v", name="test.wipe")
    assert db.ensure_schema(driver) > 0  # an emptied store gets the schema again
