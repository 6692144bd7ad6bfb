"""Network analysis on hand-built networkx graphs (no database needed)."""

from __future__ import annotations

import doctest

import networkx as nx

from graph import analysis


def links_of(*edges: tuple[str, str, float]) -> list[dict]:
    return [
        {"a": a, "b": b, "score": s, "kinds": ["same_media"], "evidence": "[]"} for a, b, s in edges
    ]


COUNTRIES = {"A": ["FR"], "B": ["DE"], "C": ["NL"], "D": ["AU"], "E": ["BR"], "F": ["US"]}


def test_docstring_examples_hold():
    assert doctest.testmod(analysis).failed == 0


def test_series_graph_carries_countries_and_scores():
    g = analysis.series_graph(links_of(("A", "B", 0.7)), COUNTRIES)
    assert (g.nodes["A"]["countries"], g.edges["A", "B"]["score"]) == (["FR"], 0.7)


def test_two_cliques_joined_by_a_weak_link_are_two_communities():
    edges = [(a, b, 1.0) for a, b in (("A", "B"), ("B", "C"), ("A", "C"))]
    edges += [(a, b, 1.0) for a, b in (("D", "E"), ("E", "F"), ("D", "F"))]
    g = analysis.series_graph(links_of(*edges, ("C", "D", 0.1)), COUNTRIES)
    assert analysis.communities(g, seed=1) == [["A", "B", "C"], ["D", "E", "F"]]


def test_communities_are_reproducible_with_a_seed():
    g = nx.connected_watts_strogatz_graph(60, 4, 0.2, seed=3)
    nx.set_edge_attributes(g, 1.0, "score")
    assert analysis.communities(g, seed=7) == analysis.communities(g, seed=7)


def test_clusters_of_one_country_are_left_out():
    g = analysis.series_graph(links_of(("A", "B", 1.0)), {"A": ["FR"], "B": ["FR"]})
    assert analysis.clusters(g) == []


def test_clusters_count_links_and_kinds():
    g = analysis.series_graph(links_of(("A", "B", 1.0), ("B", "C", 0.5)), COUNTRIES)
    (row,) = analysis.clusters(g, level="components")
    assert (row["links"], row["kinds"], row["total_score"]) == (2, {"same_media": 2}, 1.5)


def test_unknown_cluster_level_is_refused():
    import pytest

    with pytest.raises(ValueError):
        analysis.clusters(nx.Graph(), level="galaxies")


def evidence_rows(items: dict[tuple[str, str], list[str]]) -> list[dict]:
    return [
        {"series": s, "kind": k, "item": i, "label": i}
        for (k, i), series in items.items()
        for s in series
    ]


def test_cut_item_between_two_clusters_disconnects():
    b = analysis.evidence_graph(
        evidence_rows(
            {
                ("clue", "logo"): ["A", "B"],
                ("camera", "cam"): ["C", "D"],
                ("clue", "poster"): ["B", "C"],
            }
        ),
        COUNTRIES,
    )
    rows = {r["item"]: r for r in analysis.bridging_items(b)}
    assert (rows["poster"]["splits"], rows["poster"]["disconnects"]) == (2, True)


def test_redundant_item_does_not_disconnect():
    b = analysis.evidence_graph(
        evidence_rows({("clue", "x"): ["A", "B"], ("account", "y"): ["A", "B"]}), COUNTRIES
    )
    assert {r["item"]: r["disconnects"] for r in analysis.bridging_items(b)} == {
        "x": False,
        "y": False,
    }


def test_common_clue_is_left_out_of_the_evidence_graph():
    many = [chr(ord("A") + i) for i in range(6)]
    b = analysis.evidence_graph(
        evidence_rows({("clue", "white wall"): many}), {s: ["FR"] for s in many}, ubiquity=5
    )
    assert b.number_of_nodes() == 0


def test_items_of_one_series_are_left_out():
    b = analysis.evidence_graph(evidence_rows({("clue", "x"): ["A"]}), COUNTRIES)
    assert b.number_of_nodes() == 0


def test_sampled_betweenness_is_reproducible():
    rows = evidence_rows({("clue", f"c{i}"): [f"S{i}", f"S{i + 1}"] for i in range(40)})
    b = analysis.evidence_graph(rows, {f"S{i}": [f"C{i % 3}"] for i in range(41)})
    first = analysis.bridging_items(b, seed=3, sample=10)
    assert first == analysis.bridging_items(b, seed=3, sample=10)


def test_path_prefers_fewest_hops_then_strongest():
    g = analysis.series_graph(
        links_of(
            ("A", "B", 0.2), ("B", "D", 0.2), ("A", "C", 1.0), ("C", "D", 1.0), ("A", "E", 1.0)
        ),
        COUNTRIES,
    )
    hops = analysis.evidence_path(g, "A", "D")
    assert [h["to_series"] for h in hops] == ["C", "D"]


def test_no_path_is_an_empty_list():
    g = analysis.series_graph(links_of(("A", "B", 1.0), ("C", "D", 1.0)), COUNTRIES)
    assert analysis.evidence_path(g, "A", "D") == []


def test_path_rows_keep_kind_and_detail_only():
    g = analysis.series_graph(
        [
            {
                "a": "A",
                "b": "B",
                "score": 1.0,
                "kinds": ["same_camera"],
                "evidence": '[{"kind": "same_camera", "detail": "camera X", "serial": "1"}]',
            }
        ],
        COUNTRIES,
    )
    assert analysis.evidence_path(g, "A", "B")[0]["evidence"] == [
        {"kind": "same_camera", "detail": "camera X"}
    ]
