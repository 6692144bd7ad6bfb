"""The links update asks its evidence queries for a few series (those a load touched): each
must find them by key, not read every Series of the store. The queries also answer for
every series (``$seriesIds`` null, the full rebuild): that form must not cost the scoped
one a scan."""

from __future__ import annotations

import pytest

from graph import db, queries
from tests.graph.profiling import profiled

#: the evidence queries that take ``$seriesIds`` (a list, or null for every series)
SCOPED = [
    "links_same_media",
    "links_same_media_alias",
    "links_near_duplicate",
    "links_near_duplicate_video",
    "links_same_camera",
    "links_same_account",
    "links_same_victim",
    "links_shared_clue",
    "links_same_place",
    "links_same_scene",
    "links_shared_object",
]
SERIES = 1500


@pytest.fixture(scope="module")
def store(neo4j_server):
    """SERIES series of one file each; every file has a camera, an account, a clue, a
    victim on its series, a place, and near-duplicate, same-scene and shared-object pairs
    with the next series' file, so that every query has something to read everywhere.
    Written once for the module: its tests only read."""
    driver = db.get_driver()
    db.reset(driver, keep_audit=False)
    db.apply_schema(driver)
    db.write(
        driver,
        "UNWIND range(1, $n) AS i "
        "CREATE (s:Series {id: 'S-' + i})-[:CONTAINS]->"
        "(m:Media {sha256: 'm' + i, md5: 'd' + (i % 700)}), "
        "(m)-[:TAKEN_WITH]->(:Camera {id: 'cam' + i}), "
        "(m)-[:SHARED_BY]->(:Account {id: 'acc' + i}), "
        "(m)-[:SHOWS]->(c:Clue {id: 'c' + i}), "
        "(c)-[:POINTS_TO]->(:Location {id: 'geonames:' + i}), "
        "(s)-[:FEATURES]->(:Victim {id: 'v' + i})",
        name="test.scoped",
        n=SERIES,
    )
    db.write(
        driver,
        "UNWIND range(1, $n - 1) AS i "
        "MATCH (a:Media {sha256: 'm' + i}), (b:Media {sha256: 'm' + (i + 1)}) "
        "CREATE (a)-[:NEAR_DUPLICATE {method: 'vpdq', pdqDistance: 4}]->(b), "
        "(a)-[:SAME_SCENE {inliers: 40}]->(b), (a)-[:SHARES_OBJECT {inliers: 12}]->(b)",
        name="test.scoped",
        n=SERIES,
    )
    return driver


@pytest.mark.parametrize("query", SCOPED)
def test_evidence_of_a_few_series_finds_them_by_key(store, query):
    rows, hits = profiled(
        store,
        getattr(queries, query)(),
        SERIES,
        seriesIds=["S-10", "S-11"],
        methods=["vpdq"],
    )
    # a scan of every Series costs at least one hit per series; two series by key and
    # what hangs off them, a few hundred
    assert hits < SERIES, hits
    # and the scoped form still answers: the pairs and groups of series 10 and 11
    if query in (
        "links_near_duplicate",
        "links_near_duplicate_video",
        "links_same_scene",
        "links_shared_object",
        "links_same_media_alias",
    ):
        assert rows, query
