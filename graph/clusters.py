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
import json
from typing import Any

import neo4j

from graph import db, queries
from graph.config import get_settings

SEED = 42
RESOLUTION = 1.0
LEVELS = ("communities", "components")


def compute(driver: neo4j.Driver, min_score: float | None = None) -> dict[str, Any]:
    """The clusters of both levels with the default parameters (parameters of a write)."""
    # networkx and Louvain only when there are clusters to compute (an update that
    # touched no series, such as a picture loaded into a case alone, never gets here).
    from graph import analysis

    ms = get_settings().link_min_score if min_score is None else float(min_score)
    g = analysis.fetch_series_graph(driver, ms)
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


def store(driver: neo4j.Driver) -> int:
    """Recompute and store the clusters (one transaction); return how many groups."""
    params = compute(driver)

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
