"""Leads that do not load the graph per request: stored clusters, Cypher's shortest path.

Each answer is compared with what the networkx code (graph/analysis.py) computes on the
same graph, which is what these leads returned before.
"""

from __future__ import annotations

import itertools
import json
import random

import pytest

from graph import analysis, db, links
from graph.config import get_settings
from graph.leads import LEADS
from tests.graph.test_links import World

pytestmark = pytest.mark.neo4j

COUNTRIES = ("FR", "DE", "NL", "GB", "BR")


@pytest.fixture
def world(driver) -> World:
    return World(driver)


def random_world(world: World, seed: int = 3, n: int = 14) -> list[str]:
    """Series in five countries joined by shared files and clues of varied rarity, so
    that links have different scores and several shortest paths compete."""
    rng = random.Random(seed)
    ids = [f"S{i:02d}" for i in range(n)]
    for i, sid in enumerate(ids):
        world.series(sid, COUNTRIES[i % len(COUNTRIES)])
    for k in range(n + 4):
        a, b = rng.sample(ids, 2)
        world.media(f"m{k}", (a, b))
    for k in range(6):
        world.clue(f"clue {k}", type="logo", series=tuple(rng.sample(ids, rng.choice((2, 3)))))
    world.finish_load()
    return ids


def run(driver, name, **params):
    res = LEADS[name].run(driver, **params)
    json.dumps(res.rows)
    return res


def test_stored_clusters_equal_the_computed_ones(world, driver):
    random_world(world)
    links.rebuild(driver)
    g = analysis.fetch_series_graph(driver, get_settings().link_min_score)
    for level in ("communities", "components"):
        for min_countries in (1, 2, 3):
            want = analysis.clusters(g, min_countries=min_countries, level=level)
            got = run(driver, "clusters", level=level, min_countries=min_countries, limit=0)
            assert got.rows == json.loads(json.dumps(want)), (level, min_countries)
            assert (got.summary["series"], got.summary["links"]) == (
                g.number_of_nodes(),
                g.number_of_edges(),
            )
    stored = db.records(
        driver,
        "MATCH (s:Series) WHERE s.community IS NOT NULL "
        "RETURN s.id AS id, s.community AS k, s.component AS c",
        name="t",
    )
    assert len(stored) == g.number_of_nodes() > 0


def test_the_lead_reads_the_stored_clusters(world, driver):
    random_world(world)
    links.rebuild(driver)
    # A stored answer is what the lead returns: change it in place and see it come back.
    db.write(driver, "MATCH (c:Cluster {level: 'components', rank: 0}) SET c.links = -1", name="t")
    rows = run(driver, "clusters", level="components", min_countries=1).rows
    assert rows[0]["links"] == -1


def test_other_parameters_are_computed(world, driver):
    random_world(world)
    links.rebuild(driver)
    g = analysis.fetch_series_graph(driver, 0.0)
    want = analysis.clusters(g, seed=5, resolution=0.5, min_countries=2)
    got = run(driver, "clusters", seed=5, resolution=0.5, min_score=0.0, limit=0).rows
    assert got == json.loads(json.dumps(want))


def test_a_judgement_and_a_load_move_the_stored_clusters(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.series("S-NL", "NL")
    world.media("x", ("S-FR", "S-DE"))
    world.finish_load()
    links.rebuild(driver)
    assert [r["series"] for r in run(driver, "clusters", level="components").rows] == [
        ["S-DE", "S-FR"]
    ]
    world.load = "L2"
    world.media("y", ("S-DE", "S-NL"))
    world.finish_load("2024-01-02T00:00:00Z")
    links.update_for_load(driver, "L2")
    assert [r["series"] for r in run(driver, "clusters", level="components").rows] == [
        ["S-DE", "S-FR", "S-NL"]
    ]
    links.judge(driver, "S-FR", "S-DE", "rejected", "analyst1")
    assert [r["series"] for r in run(driver, "clusters", level="components").rows] == [
        ["S-DE", "S-NL"]
    ]


def _stored_state(driver) -> tuple:
    rows = db.records(
        driver,
        "MATCH (r:ClusterRun {name: 'clusters'}) "
        "RETURN r.digest AS d, r.at AS at, COUNT { MATCH (c:Cluster) } AS n, "
        "COLLECT { MATCH (c:Cluster) RETURN elementId(c) } AS ids",
        name="t",
    )
    r = rows[0]
    return r["d"], r["at"], r["n"], sorted(r["ids"])


def test_a_rebuild_that_changes_no_link_leaves_the_stored_clusters_alone(world, driver):
    random_world(world)
    links.rebuild(driver)
    first = _stored_state(driver)
    assert first[0] and first[2] > 0
    links.rebuild(driver)  # nothing changed: the same groups, not computed or written again
    assert _stored_state(driver) == first
    # a series that lost its stored group (deleted and loaded again) is written again
    db.write(driver, "MATCH (s:Series {id: 'S00'}) REMOVE s.community, s.component", name="t")
    links.rebuild(driver)
    again = _stored_state(driver)
    assert again[0] == first[0] and again[3] != first[3]
    assert (
        db.records(driver, "MATCH (s:Series {id: 'S00'}) RETURN s.community AS k", name="t")[0]["k"]
        is not None
    )
    # a judgement changes the series graph: new digest, new groups
    a, b = db.records(
        driver,
        "MATCH (a:Series)-[l:LINKED]->(b:Series) RETURN a.id AS a, b.id AS b "
        "ORDER BY l.score DESC LIMIT 1",
        name="t",
    )[0].values()
    links.judge(driver, a, b, "rejected", "analyst1")
    assert _stored_state(driver)[0] != first[0]


@pytest.mark.parametrize("min_score", [0.0, None])
def test_cypher_path_equals_the_networkx_path(world, driver, min_score):
    ids = random_world(world)
    links.rebuild(driver)
    ms = get_settings().link_min_score if min_score is None else min_score
    g = analysis.fetch_series_graph(driver, ms)
    found = 0
    for a, b in itertools.permutations(ids, 2):
        want = analysis.evidence_path(g, a, b)
        got = run(driver, "path", series_a=a, series_b=b, min_score=min_score).rows
        assert got == json.loads(json.dumps(want)), (a, b)
        found += bool(got)
    assert found > 20  # the world is connected enough to compare many paths


def test_path_hops_are_bounded(world, driver):
    for i, sid in enumerate(("S-A", "S-B", "S-C", "S-D")):
        world.series(sid, COUNTRIES[i])
    world.media("ab", ("S-A", "S-B"))
    world.media("bc", ("S-B", "S-C"))
    world.media("cd", ("S-C", "S-D"))
    links.rebuild(driver)
    assert len(run(driver, "path", series_a="S-A", series_b="S-D").rows) == 3
    assert run(driver, "path", series_a="S-A", series_b="S-D", max_hops=2).rows == []
