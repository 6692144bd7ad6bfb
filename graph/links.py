"""The link engine: explained links between series, kept current after every write.

Its parts: the evidence of each kind (:mod:`graph.link_evidence`), the scoring
(:mod:`graph.link_scoring`), where links and judgements are kept (:mod:`graph.link_store`);
here, the engine that runs them over all series or a scope, the incremental updates and
the one "after a write, update the links" (:func:`after_write`), and judging a link.

For every pair of series that share something, the engine collects *evidence items*
(which files, which camera, which clue, which place, which victim, which account), scores
the pair and stores ``(:Series)-[:LINKED {score, kinds, evidence, crossCountry,
computedAt}]->(:Series)``, one relationship per unordered pair, from the smaller series
id to the larger. ``docs/links.md`` explains the scoring; the weights are settings.

Score
    ``score = sum over kinds k of weight_k * min(1, sum of the strengths of k's items)``.
    An item's strength is 1, except: a shared clue weighs its rarity
    (:func:`rarity`), a place reached through clues or geotags weighs half its rarity, and
    a near-duplicate confirmed only through pHash weighs 0.8. A clue on
    ``link_clue_ubiquity`` series or more (a white wall) weighs nothing and creates no link.
    A verified same scene (``SAME_SCENE``, written by the visual pass) counts 1 with the
    weight of a near-duplicate; one shared object (``SHARES_OBJECT``) counts 1 with a low
    weight, so that alone it stays below the leads' default minimum score.

Cross-country
    A link is cross-country when both series have at least one country (through
    ``Case-OWNED_BY->Agency-IN_COUNTRY->Country``) and no country owns a case on both.

Judgements
    Analysts' judgements live in ``(:Judgement {id, seriesA, seriesB, judgement, judgedBy,
    judgedAt, note})`` nodes keyed by the pair, and are copied onto the ``LINKED``
    relationship every time it is written, so they survive every rebuild, even one in
    which the link disappears for a while.

Incremental updates
    :func:`after_load` recomputes only the pairs that involve a series the load may have
    changed (:func:`affected_series`: written by the load, holding a file or case it
    touched, or sharing a clue or place whose set of series changed, since rarity depends
    on that set), and rewrites only what changed. The result is the same as
    :func:`rebuild` (tested).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import neo4j

from graph import clusters, db, indexversion, neardup, queries, videomatch
from graph.errors import InvalidInput, NotFound
from graph.link_evidence import EVIDENCE, Collector, series_countries
from graph.link_scoring import Link, Pair, Weights, build_link, cross_country, judgement_id, pair
from graph.link_store import now_iso, stored_judgements, write_links
from graph.schema import JUDGEMENTS

log = logging.getLogger("cluegraph.links")


def compute_links(
    driver: neo4j.Driver,
    series_ids: Iterable[str] | None = None,
    *,
    weights: Weights | None = None,
    judged: Iterable[Pair] = (),
) -> dict[Pair, Link]:
    """Every link that involves ``series_ids`` (all links when None), computed afresh.

    Links scoring below ``keep_score`` are left out unless the pair was judged.
    """
    w = weights or Weights.of()
    scope = None if series_ids is None else sorted(set(series_ids))
    col = Collector(None if scope is None else set(scope))
    if scope is not None and not scope:
        return {}
    for ev in EVIDENCE:
        ev(driver, scope, col, w)
    countries = series_countries(
        driver, None if scope is None else {x for pair in col.items for x in pair}
    )
    keep = set(judged)
    out: dict[Pair, Link] = {}
    for (a, b), items in sorted(col.items.items()):
        link = build_link(a, b, items, cross_country(countries.get(a, []), countries.get(b, [])), w)
        if link.score > 0 and (link.score >= w.keep_score or (a, b) in keep):
            out[(a, b)] = link
    return out


@dataclass
class LinkReport:
    """What a rebuild or an update did."""

    full: bool
    series: int | None = None  # series in scope (None = all)
    links: int = 0  # links in scope after the run
    cross_country: int = 0
    written: int = 0
    deleted: int = 0
    neardup: neardup.NearDupReport | None = None
    videos: videomatch.VideoReport | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        nd = self.neardup
        return {
            "mode": "full" if self.full else "incremental",
            "series_in_scope": "all" if self.series is None else self.series,
            "links": self.links,
            "cross_country": self.cross_country,
            "links_written": self.written,
            "links_deleted": self.deleted,
            "near_duplicate_pairs": nd.matches if nd else None,
            "near_duplicate_written": nd.written if nd else None,
            "near_duplicate_deleted": nd.deleted if nd else None,
            "video_pairs": self.videos.matches if self.videos else None,  # graph/videomatch.py
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }


def _run(
    driver: neo4j.Driver,
    scope: list[str] | None,
    rep: LinkReport,
    w: Weights | None = None,
    *,
    countries_kept: bool = False,
) -> LinkReport:
    """Links of ``scope`` (every series when None) computed and written, then the stored
    clusters. ``countries_kept``: the write that led here cannot have changed a series'
    countries (a :data:`MEDIA_ONLY_KINDS` load): when no link changed either, the
    clusters' input is what it was and they are not computed again (networkx's import
    and the whole series graph read: 0.3 s of a one-picture load into a series)."""
    t0 = time.perf_counter()
    judgements = stored_judgements(driver)
    new = compute_links(driver, scope, weights=w, judged=judgements)
    rep.seconds["evidence"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    rep.written, rep.deleted = write_links(driver, new, scope, judgements)
    rep.seconds["write_links"] = time.perf_counter() - t1
    rep.links = len(new)
    rep.cross_country = sum(1 for link in new.values() if link.cross_country)
    # The clusters lead reads what is stored here instead of computing per request.
    t2 = time.perf_counter()
    if not (countries_kept and rep.written == 0 and rep.deleted == 0 and clusters.intact(driver)):
        clusters.store(driver)
    rep.seconds["clusters"] = time.perf_counter() - t2
    return rep


def rebuild(
    driver: neo4j.Driver,
    *,
    neardups: bool = True,
    progress: Callable[[str], None] | None = None,
) -> LinkReport:
    """Recompute everything: the near-duplicate index and pairs, then every link.

    Writes only what changed; judgements are re-applied from their ``Judgement`` nodes.
    """
    t0 = time.perf_counter()
    rep = LinkReport(full=True)
    say = progress or (lambda _m: None)
    if neardups:
        rep.neardup = neardup.rebuild(driver, progress=say)
        say("matching video frames")
        rep.videos = videomatch.rebuild(driver)
        rep.seconds["near_duplicates"] = time.perf_counter() - t0
    say("collecting evidence between series")
    _run(driver, None, rep)
    rep.seconds["total"] = time.perf_counter() - t0
    log.info("links rebuilt: %s", rep.summary())
    return rep


def refresh(driver: neo4j.Driver, series_ids: Iterable[str]) -> LinkReport:
    """Recompute the links that involve ``series_ids`` (after an edit outside a load,
    such as a clue added in the app). Near-duplicates are not touched."""
    scope = sorted(set(series_ids))
    rep = LinkReport(full=False, series=len(scope))
    t0 = time.perf_counter()
    if scope:
        _run(driver, scope, rep)
    rep.seconds["total"] = time.perf_counter() - t0
    return rep


def refresh_media(
    driver: neo4j.Driver,
    sha256s: Iterable[str],
    *,
    full_links: bool = False,
    own: frozenset[int] = frozenset(),
) -> LinkReport:
    """Near-duplicates of ``sha256s`` and the links they change, after an edit outside a
    load (a hash set's thresholds or non-pertinence changed: :mod:`graph.hashsets`).

    The near-duplicates of the given media are recomputed through the saved index
    (:func:`graph.neardup.update` without a load), then the links of the series holding a
    medium whose near-duplicates changed. ``full_links``: recompute every link instead
    (media became pertinent or non-pertinent: every kind of evidence and the rarity of
    clues may change). ``own``: the index versions the edit produced (:mod:`graph.indexversion`).
    The result equals a full rebuild (tested).
    """
    t0 = time.perf_counter()
    shas = sorted(set(sha256s))
    nd = neardup.update(driver, shas, None, own=own) if shas else None
    # pairs with a video (graph/videomatch.py), after the image side
    vm = videomatch.update(driver, shas, None, full=bool(nd and nd.full), own=own) if shas else None
    full = full_links or (nd is not None and nd.full)
    scope: set[str] = set()
    if not full and nd is not None and nd.changed_media:
        scope = series_of_media(driver, nd.changed_media)
    if not full and vm is not None and vm.changed_media:
        scope |= series_of_media(driver, vm.changed_media)
    rep = LinkReport(full=full, series=None if full else len(scope), neardup=nd, videos=vm)
    rep.seconds["near_duplicates"] = time.perf_counter() - t0
    if full or scope:
        _run(driver, None if full else sorted(scope), rep)
    rep.seconds["total"] = time.perf_counter() - t0
    log.info("links refreshed for %d media: %s", len(shas), rep.summary())
    return rep


def affected_series(
    driver: neo4j.Driver,
    load_id: str,
    w: Weights | None = None,
    media: Sequence[str] | None = None,
    *,
    media_only: bool = False,
) -> set[str]:
    """Series whose links a load may have changed.

    The series it changed directly (``links_affected_series``), and every series showing
    a clue or reaching a place whose set of series it may have changed
    (``links_affected_groups``, then ``links_group_series``), since a clue's weight
    depends on how many series show it. Such a group is skipped when it weighs nothing
    before and after the load: only directly changed series can have joined or left it,
    so with ``n`` series now, of which ``k`` changed directly, it had at least ``n - k``;
    when ``n - k`` reaches ``link_clue_ubiquity`` its rarity was and is 0 (a white wall
    gaining a series).

    ``media_only``: the load wrote nothing but its media and relationships from them
    (:data:`MEDIA_ONLY_KINDS`): what it changed is reached from its media alone, by
    queries without the general ones' branch per relationship type (which cost 0.1-0.3 s
    to plan each time a small store's statistics move). Both give the same series for
    such a load (tests/graph/test_touched.py).
    """
    w = w or Weights.of()
    # the media the load touched (``neardup.touched_media``, which the caller usually has)
    shas = (
        list(media)
        if media is not None
        else neardup.touched_media(driver, load_id, media_only=media_only)
    )
    if media_only:
        direct = series_of_media(driver, shas)
    else:
        rows = db.records(
            driver,
            queries.links_affected_series(),
            name="links.affected",
            loadId=load_id,
            sha256s=shas,
        )
        direct = {r["seriesId"] for r in rows}
    out = set(direct)
    for g in affected_groups(driver, load_id, shas, media_only=media_only):
        members = set(g["series"])
        if len(members) - len(members & direct) < w.ubiquity:
            out |= members
    return out


def affected_groups(
    driver: neo4j.Driver, load_id: str, sha256s: Sequence[str], *, media_only: bool = False
) -> list[dict[str, Any]]:
    """The clues and places whose set of series a load may have changed, each with its
    series now: ``{"kind": "clue"|"place", "id", "series"}``. ``sha256s``: the media the
    load touched; ``media_only`` as in :func:`affected_series`."""
    if media_only:
        found = db.records(
            driver,
            queries.links_affected_groups_of_media(),
            name="links.affected_groups",
            sha256s=list(sha256s),
        )
    else:
        found = db.records(
            driver,
            queries.links_affected_groups(),
            name="links.affected_groups",
            loadId=load_id,
            sha256s=list(sha256s),
        )
    if not found:
        return []
    return db.records(
        driver,
        queries.links_group_series(),
        name="links.group_series",
        clueIds=[g["id"] for g in found if g["kind"] == "clue"],
        placeIds=[g["id"] for g in found if g["kind"] == "place"],
    )


def series_of_media(driver: neo4j.Driver, sha256s: Iterable[str]) -> set[str]:
    shas = sorted(set(sha256s))
    out: set[str] = set()
    for i in range(0, len(shas), 5000):
        rows = db.records(
            driver,
            queries.links_series_of_media(),
            name="links.series_of_media",
            sha256s=shas[i : i + 5000],
        )
        out |= {r["seriesId"] for r in rows}
    return out


#: Kinds of load (``LoadReport.kind``) that write nothing but their media, each stamped
#: with the load's id, and relationships from those media (cases, series, cameras,
#: places: loaders/media_write.py): what they changed is found from their media alone.
MEDIA_ONLY_KINDS = frozenset({"media"})


def media_delta(report: Any) -> int | None:
    """The Media nodes a load created less those it deleted, when its writer counted them
    (``loaders.media_write.MEDIA_COUNTERS``); None otherwise."""
    counters = getattr(report, "counters", None) or {}
    if getattr(report, "kind", "") not in MEDIA_ONLY_KINDS or "media_created" not in counters:
        return None
    return int(counters["media_created"]) - int(counters.get("media_deleted", 0))


def update_for_load(
    driver: neo4j.Driver, load_id: str, *, kind: str = "", delta: int | None = None
) -> LinkReport:
    """Near-duplicates of the media the load touched, then the links of affected series.

    When the near-duplicate index does not reflect the graph as it stood before this load,
    everything is rebuilt (a load happened that the engine never saw). ``kind``: the
    load's kind; for a :data:`MEDIA_ONLY_KINDS` load the lookups start from its media.
    ``delta``: :func:`media_delta` of the load (``neardup.update``'s ``media_delta``).
    """
    t0 = time.perf_counter()
    media_only = kind in MEDIA_ONLY_KINDS
    touched = neardup.touched_media(driver, load_id, media_only=media_only)
    nd = (
        neardup.update(driver, touched, load_id, media_delta=delta)
        if touched
        else neardup.note_load(driver, load_id)
    )
    vm = videomatch.update(driver, touched, load_id, full=bool(nd is not None and nd.full))
    if nd is not None and nd.full:
        rep = LinkReport(full=True, neardup=nd, videos=vm)
        rep.seconds["near_duplicates"] = time.perf_counter() - t0
        _run(driver, None, rep)
        rep.seconds["total"] = time.perf_counter() - t0
        return rep
    scope = affected_series(driver, load_id, media=touched, media_only=media_only)
    if nd is not None and nd.changed_media:
        scope |= series_of_media(driver, nd.changed_media)
    if vm.changed_media:
        scope |= series_of_media(driver, vm.changed_media)
    rep = LinkReport(full=False, series=len(scope), neardup=nd, videos=vm)
    rep.seconds["near_duplicates"] = time.perf_counter() - t0
    if scope:
        _run(driver, sorted(scope), rep, countries_kept=media_only)
    rep.seconds["total"] = time.perf_counter() - t0
    log.info("links updated after load %s: %s", load_id, rep.summary())
    return rep


def update_for_loads(
    driver: neo4j.Driver,
    load_ids: Sequence[str],
    *,
    kinds: Mapping[str, str] | None = None,
    deltas: Mapping[str, int | None] | None = None,
) -> LinkReport:
    """One update after several loads (``load media --manifest``): the near-duplicates of
    every medium they touched, then the links of every series they may have changed.
    Equals :func:`update_for_load` after each (tested), at the cost of one. ``kinds``,
    ``deltas``: each load's kind and :func:`media_delta`, by load id (see
    :func:`update_for_load`)."""
    ids = list(dict.fromkeys(i for i in load_ids if i))
    kinds, deltas = kinds or {}, deltas or {}
    if len(ids) == 1:
        return update_for_load(driver, ids[0], kind=kinds.get(ids[0], ""), delta=deltas.get(ids[0]))
    t0 = time.perf_counter()
    only = {i: kinds.get(i, "") in MEDIA_ONLY_KINDS for i in ids}
    by_load = {i: neardup.touched_media(driver, i, media_only=only[i]) for i in ids}
    touched = sorted({m for i in ids for m in by_load[i]})
    own: set[int] = set()
    for i in ids:
        own |= indexversion.of_load(driver, i)
    each = [deltas.get(i) for i in ids]
    total = None if any(d is None for d in each) else sum(d for d in each if d is not None)
    nd = neardup.update(driver, touched, None, own=own, media_delta=total)
    vm = videomatch.update(driver, touched, None, full=nd.full, own=own)
    if nd.full:
        rep = LinkReport(full=True, neardup=nd, videos=vm)
        rep.seconds["near_duplicates"] = time.perf_counter() - t0
        _run(driver, None, rep)
        rep.seconds["total"] = time.perf_counter() - t0
        return rep
    scope: set[str] = set()
    for i in ids:
        scope |= affected_series(driver, i, media=by_load[i], media_only=only[i])
    if nd.changed_media:
        scope |= series_of_media(driver, nd.changed_media)
    if vm.changed_media:
        scope |= series_of_media(driver, vm.changed_media)
    rep = LinkReport(full=False, series=len(scope), neardup=nd, videos=vm)
    rep.seconds["near_duplicates"] = time.perf_counter() - t0
    if scope:
        _run(driver, sorted(scope), rep, countries_kept=all(only.values()))
    rep.seconds["total"] = time.perf_counter() - t0
    log.info("links updated after %d loads: %s", len(ids), rep.summary())
    return rep


def after_load(driver: neo4j.Driver, report: Any) -> LinkReport | None:
    """Hook run by ``cluegraph load``: keep near-duplicates and links current.

    ``report`` is a :class:`loaders.base.LoadReport` (``load_id``, ``dry_run``, ...).
    """
    if getattr(report, "dry_run", False) or getattr(report, "refused", False):
        return None
    load_id = getattr(report, "load_id", "")
    if not load_id:
        return rebuild(driver)
    return update_for_load(
        driver, load_id, kind=getattr(report, "kind", ""), delta=media_delta(report)
    )


def after_write(
    driver: neo4j.Driver,
    *,
    report: Any = None,
    reports: Sequence[Any] | None = None,
    series: Iterable[str] | None = None,
    media: Iterable[str] | None = None,
    full_links: bool = False,
    own: frozenset[int] = frozenset(),
    everything: bool = False,
    neardups: bool = True,
    progress: Callable[[str], None] | None = None,
) -> LinkReport | None:
    """The one "after a write, update the links": every writer calls it, saying what it
    wrote (exactly one of):

    - ``report``: one load (a :class:`loaders.base.LoadReport`): the pairs and links it
      touched (:func:`after_load`; nothing for a dry run or a refused load);
    - ``reports``: several loads at once (``load media --manifest``): one update for all
      (:func:`update_for_loads`);
    - ``series``: an edit of these series (a clue added in the app, the visual pass's new
      evidence): their links (:func:`refresh`);
    - ``media``: an edit of these media outside a load (a hash set's thresholds or
      non-pertinence): their near-duplicates, then the links that changes, or every link
      with ``full_links`` (:func:`refresh_media`; ``own``: the index versions the edit's
      own statements produced);
    - ``everything``: a whole world loaded, ``cluegraph links rebuild``: everything
      (:func:`rebuild`, the near-duplicates too unless ``neardups`` is False).
    """
    given = [
        k
        for k, v in (("report", report), ("reports", reports), ("series", series), ("media", media))
        if v is not None
    ] + (["everything"] if everything else [])
    if len(given) != 1:
        raise ValueError(
            "after_write: say what was written (one of report, reports, series, media, "
            f"everything), got {given or 'none'}"
        )
    if report is not None:
        return after_load(driver, report)
    if reports is not None:
        done = [
            r
            for r in reports
            if not (getattr(r, "dry_run", False) or getattr(r, "refused", False)) and r.written
        ]
        if not done:
            return None
        return update_for_loads(
            driver,
            [r.load_id for r in done],
            kinds={r.load_id: getattr(r, "kind", "") for r in done},
            deltas={r.load_id: media_delta(r) for r in done},
        )
    if series is not None:
        return refresh(driver, series)
    if media is not None:
        return refresh_media(driver, media, full_links=full_links, own=own)
    return rebuild(driver, neardups=neardups, progress=progress)


# ----------------------------------------------------------------------------- judging


def judge(
    driver: neo4j.Driver,
    a: str,
    b: str,
    judgement: str,
    by: str,
    note: str | None = None,
) -> dict[str, Any]:
    """Record an analyst's judgement of the link between series ``a`` and ``b``.

    Returns ``{"series_a", "series_b", "judgement", "judged_by", "judged_at", "linked"}``;
    ``linked`` is False when no link exists now (the judgement applies when one appears).

    Raises InvalidInput for an unknown judgement, an empty name or a == b; NotFound when
    a series does not exist.
    """
    if judgement not in JUDGEMENTS:
        raise InvalidInput(f"judgement must be one of {', '.join(JUDGEMENTS)}, not {judgement!r}")
    by = (by or "").strip()
    if not by:
        raise InvalidInput("a judgement needs the analyst's name (--by)")
    if a == b:
        raise InvalidInput("a series is not linked to itself")
    x, y = pair(a, b)
    found = db.records(
        driver,
        queries.lead_series_exist(),
        name="links.judge.check",
        ids=[x, y],
    )
    missing = sorted({x, y} - {r["id"] for r in found})
    if missing:
        raise NotFound(f"no series {', '.join(map(repr, missing))}")
    at = now_iso()
    db.write(
        driver,
        queries.links_judge(),
        {
            "a": x,
            "b": y,
            "id": judgement_id(x, y),
            "judgement": judgement,
            "by": by,
            "at": at,
            "note": note,
        },
        name="links.judge",
        user=by,
    )
    clusters.store(driver)  # a rejected or confirmed link moves the clusters
    linked = bool(
        db.records(
            driver,
            queries.links_count_between(),
            name="links.judge.linked",
            a=x,
            b=y,
        )[0]["n"]
    )
    return {
        "series_a": x,
        "series_b": y,
        "judgement": judgement,
        "judged_by": by,
        "judged_at": at,
        "linked": linked,
    }


def links_of(driver: neo4j.Driver, series_id: str) -> db.Result:
    """Every link of one series, confirmed first, then strongest (for ``links show``).

    Raises NotFound when the series does not exist.
    """
    found = db.records(
        driver,
        queries.series_exists(),
        name="links.show.check",
        id=series_id,
    )
    if not found:
        raise NotFound(f"no series {series_id!r}")
    res = db.read(driver, queries.links_of_series(), name="links.show", limit=0, seriesId=series_id)
    for r in res.rows:
        r["evidence"] = json.loads(r["evidence"]) if r.get("evidence") else []
    return res
