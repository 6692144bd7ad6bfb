"""Clusters of linked series computed when the links change, read by the lead.

The ``clusters`` lead used to fetch the whole series graph and run Louvain for every
request (seconds at 100k media, under load much more). The link engine now computes them
at the end of every rebuild or update (:func:`graph.links._run`) and after a judgement,
with the lead's default parameters (``CLUEGRAPH_LINK_MIN_SCORE``, seed 42, resolution 1),
and stores:

- one ``(:Cluster)`` per group of each level (``communities`` and ``components``) with
  the same fields as the lead's rows, and ``rank`` (0 = largest);
- ``Series.community`` and ``Series.component`` on every linked series;
- ``(:ClusterRun {name: 'clusters'})`` with the parameters used.

The lead reads them with one indexed query (:func:`stored`); with other parameters (a
seed, a resolution or a minimum score of its own) it computes them as before. Louvain
with a fixed seed on the same graph gives the same groups, so the stored answer equals
the computed one (tested).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import neo4j

from graph import db, queries
from graph.config import get_settings

SEED = 42
RESOLUTION = 1.0
LEVELS = ("communities", "components")
#: bump when what is stored per group changes: the stored clusters are then written again
_FORMAT = 1


def digest(g: Any, min_score: float) -> str:
    """A digest of everything the stored clusters are computed from: the series graph
    (its series with their countries, its links with every attribute) and the parameters.
    The same digest means Louvain with the same seed would store the same groups."""
    h = hashlib.sha256()
    h.update(json.dumps([_FORMAT, float(min_score), SEED, RESOLUTION]).encode())
    for n, data in sorted(g.nodes(data=True), key=lambda x: x[0]):
        h.update(json.dumps([n, data], sort_keys=True, default=str).encode())
        h.update(b"\n")
    edges = sorted((min(u, v), max(u, v), d) for u, v, d in g.edges(data=True))
    for u, v, data in edges:
        h.update(json.dumps([u, v, data], sort_keys=True, default=str).encode())
        h.update(b"\n")
    return h.hexdigest()


def compute(g: Any, ms: float) -> dict[str, Any]:
    """The clusters of both levels of the series graph ``g`` (links scoring ``ms`` or more)
    with the default parameters: the parameters of the write."""
    from graph import analysis

    out: list[dict[str, Any]] = []
    members: dict[str, dict[str, str]] = {}
    for level in LEVELS:
        rows = analysis.clusters(g, seed=SEED, resolution=RESOLUTION, min_countries=0, level=level)
        key = "community" if level == "communities" else "component"
        for rank, r in enumerate(rows):
            out.append({**r, "kinds": json.dumps(r["kinds"]), "level": level, "rank": rank})
            for s in r["series"]:
                members.setdefault(s, {"id": s})[key] = r["cluster"]
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return {
        "run": {
            "minScore": ms,
            "seed": SEED,
            "resolution": RESOLUTION,
            "at": at,
            "series": g.number_of_nodes(),
            "links": g.number_of_edges(),
        },
        "clusters": out,
        "members": sorted(members.values(), key=lambda m: m["id"]),
    }


def intact(driver: neo4j.Driver) -> bool:
    """Whether clusters were stored and every group and member written then is still
    there (not whether they match the links now: :func:`store` checks that)."""
    rows = db.records(driver, queries.clusters_current(), name="clusters.current")
    cur = rows[0] if rows else None
    return (
        cur is not None
        and cur["digest"] is not None
        and cur["groups"] == cur["groupsNow"]
        and cur["members"] == cur["membersNow"]
    )


def store(driver: neo4j.Driver) -> int:
    """Recompute and store the clusters (one transaction); return how many groups.

    When the series graph and the parameters have the digest of the stored run and the
    stored groups and members are all still there, nothing is computed or written (a
    rebuild that changed no link costs one read of the series graph, not Louvain and a
    rewrite of every group)."""
    from graph import analysis

    ms = get_settings().link_min_score
    g = analysis.fetch_series_graph(driver, ms)
    dg = digest(g, ms)
    rows = db.records(driver, queries.clusters_current(), name="clusters.current")
    cur = rows[0] if rows else None
    unchanged = (
        cur is not None
        and cur["digest"] == dg
        and cur["groups"] == cur["groupsNow"]
        and cur["members"] == cur["membersNow"]
    )
    if cur is not None and unchanged:
        return int(cur["groupsNow"])
    params = compute(g, ms)
    params["run"].update(digest=dg, groups=len(params["clusters"]), members=len(params["members"]))

    def work(tx: neo4j.ManagedTransaction) -> None:
        tx.run(queries.clusters_clear()).consume()
        tx.run(queries.clusters_write(), params).consume()

    try:
        with driver.session(database=db.database()) as ses:
            ses.execute_write(work)
    except Exception as e:
        raise db.translate(e) from e
    return len(params["clusters"])


#: The columns of the ``clusters`` lead, stored or computed.
COLUMNS = [
    "cluster",
    "component",
    "series_count",
    "countries",
    "series",
    "kinds",
    "links",
    "total_score",
    "component_series_count",
]


def stored(
    driver: neo4j.Driver,
    *,
    min_score: float,
    seed: int,
    resolution: float,
    level: str,
    min_countries: int,
    limit: int,
) -> tuple[list[dict[str, Any]], dict[str, int]] | None:
    """The stored rows and ``{series, links}`` when they were computed with these
    parameters; None otherwise (the caller computes them)."""
    rows = db.records(
        driver,
        queries.clusters_stored(),
        name="clusters.stored",
        level=level,
        minCountries=int(min_countries),
        limit=int(limit),
    )
    if not rows:
        return None
    r = rows[0]
    same = (r["minScore"], r["seed"], r["resolution"]) == (
        float(min_score),
        int(seed),
        float(resolution),
    )
    if not same:
        return None
    out = []
    for c in r["clusters"]:
        row = {k: c.get(k) for k in COLUMNS}
        row["kinds"] = json.loads(row["kinds"]) if row["kinds"] else {}
        out.append(row)
    return out, {"series": int(r["series"]), "links": int(r["links"])}
