"""Links between series: the link graph, one series' links, judging a link, a rebuild.

Reading needs ``read``; judging needs ``judge_link`` and is recorded (``link.judge``);
a rebuild of every link needs ``load`` and is recorded (``links.rebuild``). The same calls
serve the app's Link graph and Series pages and ``cluegraph links …``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import neo4j

from graph import audit
from graph import links as engine
from graph.db import Result
from graph.errors import InvalidInput
from graph.rights import Action, User
from graph.schema import JUDGEMENTS, LINK_KINDS
from service.access import allow, ask, blank, number, whole

#: Links drawn at most in the link graph (the browser lays out every node it gets).
GRAPH_LINKS_MAX = 2000


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
            "minScore": number(self.min_score, "the minimum score"),
            "country": blank(self.country),
            "crossOnly": bool(self.cross_only),
            "includeRejected": bool(self.include_rejected),
            "openedFrom": self.opened_from.isoformat() if self.opened_from else None,
            "openedTo": self.opened_to.isoformat() if self.opened_to else None,
            "limit": whole(self.limit, "the number of links", 1, GRAPH_LINKS_MAX),
        }


def graph(
    driver: neo4j.Driver, flt: LinkFilter | None = None, *, user: User | None = None
) -> Result:
    """Links between series for the network view, strongest first."""
    p = (flt or LinkFilter()).params()
    return ask(driver, "page_link_graph", p, cap=p["limit"], user=user)


def of_series(driver: neo4j.Driver, series_id: str, *, user: User | None) -> Result:
    """Every link of one series with its score, kinds, judgement and evidence
    (``cluegraph links show``); needs ``read``."""
    allow(driver, user, Action.READ, {"series": series_id})
    return engine.links_of(driver, series_id)


def judge(
    driver: neo4j.Driver,
    a: str,
    b: str,
    judgement: str,
    note: str | None = None,
    *,
    user: User | None,
) -> Any:
    """Record ``user``'s judgement of the link between series ``a`` and ``b``.

    Needs the ``judge_link`` right; recorded as ``link.judge``. Goes through the link
    engine (``graph.links.judge``), which keeps judgements across rebuilds. Raises
    InvalidInput for an unknown judgement."""
    params = {"a": a, "b": b, "judgement": judgement}
    allow(driver, user, Action.JUDGE_LINK, params)
    if user is None:  # allow() refuses anonymous users; this keeps the type checker sure
        raise InvalidInput("a user is needed to judge a link")
    if judgement not in JUDGEMENTS:
        raise InvalidInput(f"judgement must be one of {', '.join(JUDGEMENTS)}")
    with audit.track(driver, user, "link.judge", params) as t:
        res = engine.judge(driver, a, b, judgement, user.name, note=blank(note))
        t.count = 1
    return res


def rebuild(
    driver: neo4j.Driver,
    *,
    neardups: bool = True,
    progress: Callable[[str], Any] | None = None,
    user: User | None,
) -> Any:
    """Recompute every near-duplicate and every link (judgements are kept); needs
    ``load``; recorded as ``links.rebuild`` with the number of links."""
    allow(driver, user, Action.LOAD, {"links": "rebuild", "neardups": neardups})
    with audit.track(driver, user, "links.rebuild", {"neardups": neardups}) as t:
        rep = engine.after_write(driver, everything=True, neardups=neardups, progress=progress)
        assert rep is not None  # "everything" always reports
        t.count = rep.summary().get("links")
    return rep
