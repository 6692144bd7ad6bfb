"""Network analysis of linked series with networkx: clusters, bridging evidence, paths.

Each question fetches one subgraph with a named query, converts it once into a networkx
graph, and analyses it with pure functions that return plain rows (lists of dicts with
snake_case keys) the CLI and the app print as tables. Randomised algorithms take a
``seed``, so a class sees the same answer every time.

Two graphs:

- the *series graph*: one node per series (attribute ``countries``), one edge per stored
  ``LINKED`` (attributes ``score``, ``kinds``, ``evidence``, ``cross_country``,
  ``judgement``); rejected links are left out;
- the *evidence graph*: bipartite, series on one side and the evidence items they hold on
  the other (clues, cameras, places, accounts), each series linked to its items.

These fit in memory up to a few million edges. Beyond that, Neo4j Graph Data Science runs
the same algorithms inside the database (``gds.wcc``, ``gds.louvain``,
``gds.betweenness`` with sampling, ``gds.shortestPath.dijkstra``); see docs/links.md.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import community as community_louvain
import neo4j
import networkx as nx

from graph import db, queries
from graph.config import get_settings

#: Evidence item kinds of the evidence graph.
ITEM_KINDS = ("clue", "camera", "place", "account")

#: Above this many nodes, betweenness is estimated from a seeded sample of sources.
EXACT_BETWEENNESS_NODES = 3000
BETWEENNESS_SAMPLE = 500


# ----------------------------------------------------------------------------- building


def series_graph(
    links: Iterable[Mapping[str, Any]], countries: Mapping[str, Sequence[str]]
) -> nx.Graph:
    """The series graph from rows ``{a, b, score, kinds, evidence, crossCountry, judgement}``.

    Parameters
    ----------
    links: link rows (``evidence`` a JSON string or a list).
    countries: countries of each series (series without links are not added).

    Returns
    -------
    An undirected ``nx.Graph``; nodes carry ``countries``, edges the link's attributes.

    >>> g = series_graph([{"a": "S1", "b": "S2", "score": 1.0, "kinds": ["same_media"]}],
    ...                  {"S1": ["FR"], "S2": ["DE"]})
    >>> g.nodes["S2"]["countries"], g.edges["S1", "S2"]["score"]
    (['DE'], 1.0)
    """
    g = nx.Graph()
    for r in sorted(links, key=lambda r: (r["a"], r["b"])):
        for s in (r["a"], r["b"]):
            if s not in g:
                g.add_node(s, countries=sorted(countries.get(s, [])))
        ev = r.get("evidence") or []
        if isinstance(ev, str):
            ev = json.loads(ev)
        g.add_edge(
            r["a"],
            r["b"],
            score=float(r.get("score") or 0.0),
            kinds=list(r.get("kinds") or []),
            evidence=ev,
            cross_country=bool(r.get("crossCountry")),
            judgement=r.get("judgement"),
        )
    return g


def evidence_graph(
    rows: Iterable[Mapping[str, Any]],
    countries: Mapping[str, Sequence[str]],
    *,
    ubiquity: int | None = None,
    include_common: bool = False,
    kinds: Sequence[str] = ITEM_KINDS,
) -> nx.Graph:
    """The bipartite series-evidence graph from rows ``{series, kind, item, label}``.

    Series nodes are ``("series", id)``; item nodes ``(kind, item)``. Items held by a
    single series are left out (they connect nothing), and so are clues and places on
    ``ubiquity`` series or more (a white wall connects everything and explains nothing)
    unless ``include_common``.

    >>> rows = [{"series": s, "kind": "clue", "item": "logo:x", "label": "X"} for s in "AB"]
    >>> g = evidence_graph(rows, {"A": ["FR"], "B": ["DE"]})
    >>> sorted(g.nodes)
    [('clue', 'logo:x'), ('series', 'A'), ('series', 'B')]
    """
    ubiquity = ubiquity or get_settings().link_clue_ubiquity
    holders: dict[tuple[str, str], set[str]] = {}
    labels: dict[tuple[str, str], str] = {}
    for r in rows:
        if r["kind"] not in kinds:
            continue
        key = (r["kind"], r["item"])
        holders.setdefault(key, set()).add(r["series"])
        labels[key] = r.get("label") or r["item"]
    g = nx.Graph()
    for key in sorted(holders):
        series = holders[key]
        if len(series) < 2:
            continue
        if not include_common and key[0] in ("clue", "place") and len(series) >= ubiquity:
            continue
        g.add_node(key, bipartite=1, kind=key[0], label=labels[key])
        for s in sorted(series):
            node = ("series", s)
            if node not in g:
                g.add_node(node, bipartite=0, countries=sorted(countries.get(s, [])))
            g.add_edge(node, key)
    return g


def fetch_series_graph(driver: neo4j.Driver, min_score: float = 0.0) -> nx.Graph:
    """The series graph of the stored links scoring ``min_score`` or more (confirmed
    links whatever their score; rejected ones never)."""
    rows = db.records(
        driver, queries.analysis_linked_series(), name="analysis.links", minScore=min_score
    )
    return series_graph(rows, _countries(driver))


def fetch_evidence_graph(driver: neo4j.Driver, **kw: Any) -> nx.Graph:
    """The series-evidence graph of the whole database (see :func:`evidence_graph`)."""
    rows = db.records(driver, queries.analysis_evidence_items(), name="analysis.items")
    return evidence_graph(rows, _countries(driver), **kw)


def _countries(driver: neo4j.Driver) -> dict[str, list[str]]:
    rows = db.records(driver, queries.links_series_countries(), name="analysis.countries")
    return {r["seriesId"]: sorted(r["countries"]) for r in rows}


# ----------------------------------------------------------------------------- clusters


def _countries_of(g: nx.Graph, nodes: Iterable[str]) -> list[str]:
    out: set[str] = set()
    for n in nodes:
        out.update(g.nodes[n].get("countries", []))
    return sorted(out)


def communities(g: nx.Graph, *, seed: int = 42, resolution: float = 1.0) -> list[list[str]]:
    """Louvain communities (python-louvain) weighted by score, largest first.

    Parameters
    ----------
    g: a series graph.
    seed: random state of Louvain (same seed, same communities).
    resolution: above 1 gives smaller communities, below 1 larger ones.

    Returns
    -------
    Lists of series ids, each sorted; ordered by size (descending) then first id.

    >>> g = nx.Graph([("A", "B", {"score": 1.0}), ("C", "D", {"score": 1.0})])
    >>> communities(g)
    [['A', 'B'], ['C', 'D']]
    """
    if g.number_of_nodes() == 0:
        return []
    part = community_louvain.best_partition(
        g, weight="score", resolution=resolution, random_state=seed
    )
    groups: dict[int, list[str]] = {}
    for node, c in part.items():
        groups.setdefault(c, []).append(node)
    return sorted((sorted(v) for v in groups.values()), key=lambda v: (-len(v), v[0]))


def components(g: nx.Graph) -> list[list[str]]:
    """Connected components as sorted id lists, largest first.

    >>> components(nx.Graph([("A", "B"), ("C", "D"), ("D", "E")]))
    [['C', 'D', 'E'], ['A', 'B']]
    """
    return sorted((sorted(c) for c in nx.connected_components(g)), key=lambda v: (-len(v), v[0]))


def clusters(
    g: nx.Graph,
    *,
    seed: int = 42,
    resolution: float = 1.0,
    min_countries: int = 2,
    level: str = "communities",
) -> list[dict[str, Any]]:
    """Groups of linked series that span ``min_countries`` countries or more.

    Parameters
    ----------
    g: a series graph.
    seed, resolution: Louvain's (``level='communities'``).
    min_countries: keep groups whose series are investigated in at least this many
        countries.
    level: ``'communities'`` (Louvain communities inside components) or ``'components'``.

    Returns
    -------
    Rows ``{cluster, component, series_count, countries, series, kinds, links,
    total_score, component_series_count}``, largest first. ``kinds`` counts the link
    kinds inside the group.

    Raises
    ------
    ValueError for an unknown ``level``.

    >>> g = series_graph([{"a": "A", "b": "B", "score": 1.0, "kinds": ["same_camera"]}],
    ...                  {"A": ["FR"], "B": ["DE"]})
    >>> [(r["cluster"], r["countries"]) for r in clusters(g)]
    [('K1', ['DE', 'FR'])]
    """
    if level not in ("communities", "components"):
        raise ValueError(f"level must be 'communities' or 'components', not {level!r}")
    comps = components(g)
    comp_of = {n: i for i, c in enumerate(comps) for n in c}
    groups = comps if level == "components" else communities(g, seed=seed, resolution=resolution)
    prefix = "C" if level == "components" else "K"
    rows = []
    for i, members in enumerate(groups, start=1):
        sub = g.subgraph(members)
        kinds: Counter[str] = Counter()
        for _, _, d in sub.edges(data=True):
            kinds.update(d.get("kinds", []))
        countries = _countries_of(g, members)
        comp = comp_of[members[0]]
        rows.append(
            {
                "cluster": f"{prefix}{i}",
                "component": f"C{comp + 1}",
                "series_count": len(members),
                "countries": countries,
                "series": members,
                "kinds": dict(sorted(kinds.items())),
                "links": sub.number_of_edges(),
                "total_score": round(sum(d.get("score", 0.0) for *_, d in sub.edges(data=True)), 4),
                "component_series_count": len(comps[comp]),
            }
        )
    return [r for r in rows if len(r["countries"]) >= min_countries]


# ----------------------------------------------------------------------------- bridges


def bridging_items(
    b: nx.Graph,
    *,
    seed: int = 42,
    sample: int | None = None,
    min_countries: int = 2,
) -> list[dict[str, Any]]:
    """Evidence items ranked by betweenness in the series-evidence graph.

    An item with high betweenness lies on many shortest paths between series; one whose
    removal splits its component (a cut vertex) is the only thing holding two clusters
    of series together: confirming or rejecting it changes the picture.

    Parameters
    ----------
    b: a graph from :func:`evidence_graph`.
    seed: random state of the sampled betweenness.
    sample: number of source nodes for approximate betweenness; None for exact up to
        ``EXACT_BETWEENNESS_NODES`` nodes and ``BETWEENNESS_SAMPLE`` beyond.
    min_countries: keep items whose series span at least this many countries.

    Returns
    -------
    Rows ``{item, kind, label, series_count, countries, betweenness, splits,
    disconnects, series}``; ``splits`` is how many pieces removing the item leaves of its
    component (1: nothing disconnects). Highest betweenness first.

    >>> rows = [{"series": s, "kind": k, "item": i, "label": i}
    ...         for s, k, i in [("A", "clue", "x"), ("B", "clue", "x"),
    ...                         ("B", "camera", "c"), ("C", "camera", "c")]]
    >>> g = evidence_graph(rows, {"A": ["FR"], "B": ["DE"], "C": ["NL"]})
    >>> [(r["item"], r["splits"]) for r in bridging_items(g)]
    [('c', 2), ('x', 2)]
    """
    if b.number_of_nodes() == 0:
        return []
    n = b.number_of_nodes()
    k = sample if sample else (None if n <= EXACT_BETWEENNESS_NODES else BETWEENNESS_SAMPLE)
    bc = nx.betweenness_centrality(b, k=min(k, n) if k else None, seed=seed, normalized=True)
    splits: Counter[Any] = Counter()
    for comp in nx.biconnected_components(b):
        for node in comp:
            splits[node] += 1
    rows = []
    for node, data in b.nodes(data=True):
        if data.get("bipartite") != 1:
            continue
        series = sorted(s for _, s in b.neighbors(node))
        countries = sorted({c for s in b.neighbors(node) for c in b.nodes[s].get("countries", [])})
        if len(countries) < min_countries:
            continue
        pieces = max(1, splits[node])
        rows.append(
            {
                "item": node[1],
                "kind": node[0],
                "label": data.get("label"),
                "series_count": len(series),
                "countries": countries,
                "betweenness": round(bc.get(node, 0.0), 6),
                "splits": pieces,
                "disconnects": pieces > 1,
                "series": series,
            }
        )
    rows.sort(key=lambda r: (-r["betweenness"], -r["splits"], r["kind"], r["item"]))
    return rows


# ----------------------------------------------------------------------------- paths


def evidence_path(g: nx.Graph, a: str, b: str, *, max_paths: int = 1000) -> list[dict[str, Any]]:
    """The shortest chain of links from series ``a`` to ``b``, explained hop by hop.

    Fewest hops first; among paths of that length, the one with the highest total score
    (then the first in id order), so the explanation is the strongest available.

    Parameters
    ----------
    g: a series graph.
    a, b: series ids.
    max_paths: shortest paths compared at most.

    Returns
    -------
    One row per hop ``{hop, from_series, to_series, from_countries, to_countries, score,
    kinds, cross_country, judgement, evidence}`` (evidence as ``[{kind, detail}]``);
    empty when no path exists or a series has no link.

    >>> g = series_graph([{"a": "A", "b": "B", "score": 1.0, "kinds": ["same_victim"]},
    ...                   {"a": "B", "b": "C", "score": 0.5, "kinds": ["shared_clue"]}],
    ...                  {"A": ["FR"], "B": ["DE"], "C": ["NL"]})
    >>> [(r["from_series"], r["to_series"]) for r in evidence_path(g, "A", "C")]
    [('A', 'B'), ('B', 'C')]
    """
    if a not in g or b not in g or a == b:
        return []
    try:
        paths = nx.all_shortest_paths(g, a, b)
        best: tuple[float, list[str]] | None = None
        for i, p in enumerate(paths):
            if i >= max_paths:
                break
            total = sum(g.edges[u, v]["score"] for u, v in zip(p, p[1:], strict=False))
            if best is None or total > best[0] or (total == best[0] and p < best[1]):
                best = (total, p)
    except nx.NetworkXNoPath:
        return []
    if best is None:
        return []
    rows = []
    path = best[1]
    for hop, (u, v) in enumerate(zip(path, path[1:], strict=False), start=1):
        d = g.edges[u, v]
        rows.append(
            {
                "hop": hop,
                "from_series": u,
                "to_series": v,
                "from_countries": g.nodes[u].get("countries", []),
                "to_countries": g.nodes[v].get("countries", []),
                "score": d["score"],
                "kinds": d["kinds"],
                "cross_country": d["cross_country"],
                "judgement": d.get("judgement"),
                "evidence": [
                    {"kind": e.get("kind"), "detail": e.get("detail")} for e in d["evidence"]
                ],
            }
        )
    return rows
