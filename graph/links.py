"""The link engine: explained links between series, kept current after every load.

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

import datetime as dt
import json
import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import neo4j

from graph import clusters, db, indexversion, neardup, queries, videomatch
from graph.config import Settings, get_settings
from graph.errors import InvalidInput, NotFound
from graph.evidence import NEAR_DUP_STRENGTH, Item, _file
from graph.schema import JUDGEMENTS, LINK_KINDS

log = logging.getLogger("cluegraph.links")

Pair = tuple[str, str]

_WRITE_BATCH = 2000
_EARTH_KM = 6371.0088

#: Strength of a place reached through clues or geotags, before rarity (GPS within the
#: radius counts 1).
PLACE_STRENGTH = 0.5


# ----------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Weights:
    """Per-kind score weights and the other knobs of the scoring (from settings)."""

    same_media: float = 1.0
    near_duplicate: float = 0.9
    same_camera: float = 0.8
    same_victim: float = 1.0
    shared_clue: float = 0.5
    same_location: float = 0.6
    same_account: float = 0.5
    same_scene: float = 0.9
    shared_object: float = 0.2
    ubiquity: int = 20
    location_km: float = 1.0
    keep_score: float = 0.1
    per_kind: int = 10

    @classmethod
    def of(cls, s: Settings | None = None) -> Weights:
        s = s or get_settings()
        return cls(
            same_media=s.link_weight_same_media,
            near_duplicate=s.link_weight_near_duplicate,
            same_camera=s.link_weight_same_camera,
            same_victim=s.link_weight_same_victim,
            shared_clue=s.link_weight_shared_clue,
            same_location=s.link_weight_same_location,
            same_account=s.link_weight_same_account,
            same_scene=s.link_weight_same_scene,
            shared_object=s.link_weight_shared_object,
            ubiquity=s.link_clue_ubiquity,
            location_km=s.link_location_km,
            keep_score=s.link_keep_score,
            per_kind=s.link_evidence_per_kind,
        )

    def weight(self, kind: str) -> float:
        return float(getattr(self, kind))


def rarity(series_count: int, ubiquity: int = 20) -> float:
    """Weight of an item shared by ``series_count`` series: 1 for two, 0 from ``ubiquity``.

    ``ln(ubiquity / n) / ln(ubiquity / 2)``, clipped to [0, 1]: an inverse document
    frequency normalised so that a clue on exactly two series weighs 1. It depends on the
    item's own count only, so scores do not drift when unrelated series are loaded.

    >>> rarity(2), rarity(20), round(rarity(5), 3)
    (1.0, 0.0, 0.602)
    """
    if series_count <= 2:
        return 1.0
    if series_count >= ubiquity:
        return 0.0
    return math.log(ubiquity / series_count) / math.log(ubiquity / 2)


@dataclass
class Link:
    """A scored, explained link between series ``a < b``."""

    a: str
    b: str
    score: float
    kinds: list[str]
    evidence: list[dict[str, Any]]
    cross_country: bool

    def props(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "kinds": self.kinds,
            "evidence": json.dumps(self.evidence, ensure_ascii=False, sort_keys=True),
            "crossCountry": self.cross_country,
        }


def pair(a: str, b: str) -> Pair:
    """The pair in storage order (smaller id first)."""
    return (a, b) if a < b else (b, a)


def judgement_id(a: str, b: str) -> str:
    """Key of the judgement of a pair: the JSON list of the two ids, sorted.

    >>> judgement_id("S2", "S1")
    '["S1", "S2"]'
    """
    return json.dumps(list(pair(a, b)), ensure_ascii=False)


def cross_country(ca: Iterable[str], cb: Iterable[str]) -> bool:
    """True when both sides have a country and none is shared.

    >>> cross_country(["FR"], ["DE"]), cross_country(["FR", "DE"], ["DE"])
    (True, False)
    >>> cross_country([], ["DE"])
    False
    """
    sa, sb = set(ca), set(cb)
    return bool(sa) and bool(sb) and not (sa & sb)


def score_items(items: Sequence[Item], w: Weights) -> tuple[float, list[str]]:
    """The weighted sum over kinds of the capped item strengths, and the kinds present.

    >>> w = Weights()
    >>> score_items([Item("shared_clue", "x", 1.0), Item("same_camera", "y", 1.0)], w)
    (1.3, ['same_camera', 'shared_clue'])
    """
    per_kind: dict[str, float] = defaultdict(float)
    for it in items:
        per_kind[it.kind] += it.strength
    total = sum(w.weight(k) * min(1.0, s) for k, s in per_kind.items())
    kinds = [k for k in LINK_KINDS if per_kind.get(k, 0.0) > 0.0]
    return round(total, 4), kinds


# ----------------------------------------------------------------------------- evidence


class _Collector:
    """Evidence items per pair, restricted to pairs that touch ``scope`` (None = all)."""

    def __init__(self, scope: set[str] | None):
        self.scope = scope
        self.items: dict[Pair, list[Item]] = defaultdict(list)

    def wants(self, a: str, b: str) -> bool:
        return a != b and (self.scope is None or a in self.scope or b in self.scope)

    def add(self, a: str, b: str, item: Item) -> None:
        if self.wants(a, b):
            self.items[pair(a, b)].append(item)


def _by_series(members: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in members:
        if m.get("series") is not None:
            out[m["series"]].append(m)
    for v in out.values():
        v.sort(key=lambda m: (m.get("sha256") or "", m.get("fileName") or "", m.get("what") or ""))
    return dict(sorted(out.items()))


def _pairs_of(series: Sequence[str], col: _Collector) -> Iterable[Pair]:
    ss = sorted(set(series))
    if col.scope is None:
        for i, a in enumerate(ss):
            for b in ss[i + 1 :]:
                yield a, b
    else:
        inside = [s for s in ss if s in col.scope]
        seen = set()
        for a in inside:
            for b in ss:
                if a != b:
                    p = pair(a, b)
                    if p not in seen:
                        seen.add(p)
                        yield p


def _files_of(members: list[dict[str, Any]], limit: int = 3) -> list[dict[str, Any]]:
    return [
        {"sha256": m.get("sha256"), "fileName": m.get("fileName")}
        for m in members[:limit]
        if m.get("sha256")
    ]


def _ev_same_media(driver, scope: list[str] | None, col: _Collector, w: Weights) -> None:
    rows = db.records(driver, queries.links_same_media(), name="links.same_media", seriesIds=scope)
    for r in rows:
        for a, b in _pairs_of(r["series"], col):
            col.add(
                a,
                b,
                Item(
                    "same_media",
                    f"same file {_file(r['fileName'], r['sha256'])} in both series",
                    1.0,
                    {"sha256": r["sha256"], "fileName": r["fileName"]},
                    (r["sha256"] or "",),
                ),
            )
    rows = db.records(
        driver, queries.links_same_media_alias(), name="links.same_media_alias", seriesIds=scope
    )
    seen: set[tuple[str, str]] = set()
    for r in rows:
        key = tuple(sorted((r["sha256A"], r["sha256B"])))
        if key in seen:
            continue
        seen.add(key)  # type: ignore[arg-type]
        for x in sorted(set(r["seriesA"])):
            for y in sorted(set(r["seriesB"])):
                if not col.wants(x, y):
                    continue
                sa, sb = ("A", "B") if x < y else ("B", "A")
                col.add(
                    x,
                    y,
                    Item(
                        "same_media",
                        f"same file by {r['matchedOn'].upper()}: "
                        f"{_file(r['fileName' + sa], r['sha256' + sa])} and "
                        f"{_file(r['fileName' + sb], r['sha256' + sb])}",
                        1.0,
                        {
                            "sha256A": r["sha256" + sa],
                            "fileNameA": r["fileName" + sa],
                            "sha256B": r["sha256" + sb],
                            "fileNameB": r["fileName" + sb],
                            "matchedOn": r["matchedOn"],
                        },
                        (r["sha256" + sa] or "", r["sha256" + sb] or ""),
                    ),
                )


def _ev_near_duplicate(driver, scope: list[str] | None, col: _Collector, w: Weights) -> None:
    rows = db.records(
        driver, queries.links_near_duplicate(), name="links.near_duplicate", seriesIds=scope
    )
    for r in rows:
        method = r["method"] or "pdq"
        if method in neardup.VIDEO_METHODS:
            continue  # pairs with a video: videomatch.evidence, in _EVIDENCE
        ph = r["phashDistance"]
        how = f"PDQ distance {r['pdqDistance']}" + (
            f", pHash distance {ph}" if ph is not None else ""
        )
        for x in sorted(set(r["seriesA"])):
            for y in sorted(set(r["seriesB"])):
                if not col.wants(x, y):
                    continue
                sa, sb = ("A", "B") if x < y else ("B", "A")
                col.add(
                    x,
                    y,
                    Item(
                        "near_duplicate",
                        f"near-duplicate images {_file(r['fileName' + sa], r['sha256' + sa])} "
                        f"and {_file(r['fileName' + sb], r['sha256' + sb])}: {how} ({method})",
                        NEAR_DUP_STRENGTH.get(method, 1.0),
                        {
                            "sha256A": r["sha256" + sa],
                            "fileNameA": r["fileName" + sa],
                            "sha256B": r["sha256" + sb],
                            "fileNameB": r["fileName" + sb],
                            "pdqDistance": r["pdqDistance"],
                            "phashDistance": ph,
                            "method": method,
                        },
                        (r["pdqDistance"], r["sha256" + sa], r["sha256" + sb]),
                    ),
                )


def _ev_grouped(
    driver,
    scope: list[str] | None,
    col: _Collector,
    w: Weights,
    *,
    kind: str,
    query: str,
    describe: Callable[[dict[str, Any], int], tuple[str, dict[str, Any]]],
    strength: Callable[[dict[str, Any], int], float],
) -> None:
    """Evidence from items shared by series (camera, victim, clue, place, account)."""
    rows = db.records(driver, getattr(queries, query)(), name=f"links.{kind}", seriesIds=scope)
    for r in rows:
        members = _by_series(r["members"])
        n = len(members)
        if n < 2:
            continue
        s = strength(r, n)
        if s <= 0.0:
            continue
        head, data = describe(r, n)
        for a, b in _pairs_of(list(members), col):
            fa, fb = members[a], members[b]
            files = {"filesA": _files_of(fa), "filesB": _files_of(fb)}
            detail = head + _where(fa, fb)
            col.add(a, b, Item(kind, detail, s, {**data, **files}, (-s, detail)))


def _where(fa: list[dict[str, Any]], fb: list[dict[str, Any]]) -> str:
    def side(ms: list[dict[str, Any]]) -> str:
        if ms and "via" in ms[0]:
            kinds = sorted({m["via"] for m in ms})
            whats = sorted({m["what"] for m in ms if m.get("what")})
            more = f" +{len(whats) - 2}" if len(whats) > 2 else ""
            return f"{'/'.join(kinds)} {', '.join(whats[:2])}{more}".strip()
        files = [m for m in ms if m.get("sha256")]
        if not files:
            return "the series"
        first = _file(files[0].get("fileName"), files[0].get("sha256"))
        return first + (f" +{len(files) - 1} file(s)" if len(files) > 1 else "")

    return f": {side(fa)} | {side(fb)}"


def _ev_camera(driver, scope, col, w) -> None:
    def describe(r, n):
        label = " ".join(x for x in (r["make"], r["model"]) if x) or "camera"
        return f"same camera {label} serial {r['serial']}", {
            "cameraId": r["cameraId"],
            "serial": r["serial"],
            "seriesCount": n,
        }

    _ev_grouped(
        driver,
        scope,
        col,
        w,
        kind="same_camera",
        query="links_same_camera",
        describe=describe,
        strength=lambda r, n: 1.0,
    )


def _ev_victim(driver, scope, col, w) -> None:
    def describe(r, n):
        state = " (identified)" if r["identified"] else ""
        return f"same victim {r['victimId']}{state}", {
            "victimId": r["victimId"],
            "identified": bool(r["identified"]),
        }

    _ev_grouped(
        driver,
        scope,
        col,
        w,
        kind="same_victim",
        query="links_same_victim",
        describe=describe,
        strength=lambda r, n: 1.0,
    )


def _ev_clue(driver, scope, col, w) -> None:
    def describe(r, n):
        rr = rarity(n, w.ubiquity)
        return (
            f"same {r['type'] or 'clue'} clue '{r['label']}' (on {n} series, rarity {rr:.2f})",
            {"clueId": r["clueId"], "label": r["label"], "seriesCount": n, "rarity": round(rr, 4)},
        )

    _ev_grouped(
        driver,
        scope,
        col,
        w,
        kind="shared_clue",
        query="links_shared_clue",
        describe=describe,
        strength=lambda r, n: rarity(n, w.ubiquity),
    )


def _ev_place(driver, scope, col, w) -> None:
    def describe(r, n):
        rr = rarity(n, w.ubiquity)
        where = ", ".join(x for x in (r["name"], r["countryCode"]) if x) or r["locationId"]
        return (
            f"both point to {where} (place of {n} series, rarity {rr:.2f})",
            {"locationId": r["locationId"], "place": where, "seriesCount": n},
        )

    _ev_grouped(
        driver,
        scope,
        col,
        w,
        kind="same_location",
        query="links_same_place",
        describe=describe,
        strength=lambda r, n: PLACE_STRENGTH * rarity(n, w.ubiquity),
    )


def _ev_account(driver, scope, col, w) -> None:
    def describe(r, n):
        return f"shared by the same account {r['accountId']}", {
            "accountId": r["accountId"],
            "seriesCount": n,
        }

    _ev_grouped(
        driver,
        scope,
        col,
        w,
        kind="same_account",
        query="links_same_account",
        describe=describe,
        strength=lambda r, n: 1.0,
    )


def _unit(lat: float, lon: float) -> tuple[float, float, float]:
    la, lo = math.radians(lat), math.radians(lon)
    return (math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km.

    >>> round(haversine_km(45.0, 5.0, 45.0, 5.01), 3)
    0.786
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def close_points(
    points: Sequence[tuple[str, float, float]], km: float, scope: set[str] | None = None
) -> dict[tuple[int, int], float]:
    """Index pairs ``(i, j)`` (``i < j``) of points of different owners within ``km``.

    Points are ``(owner, lat, lon)``. A grid over unit vectors of cell size equal to the
    chord of ``km`` makes it linear in the number of points; distances are exact
    (haversine). With ``scope``, only pairs with an owner in it.

    >>> close_points([("A", 45.0, 5.0), ("B", 45.0, 5.01), ("C", 46.0, 5.0)], 1.0)
    {(0, 1): 0.786}
    """
    chord = 2 * math.sin(km / (2 * _EARTH_KM))
    if chord <= 0:
        return {}
    grid: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    units = []
    for i, (_, lat, lon) in enumerate(points):
        u = _unit(lat, lon)
        units.append(u)
        grid[(math.floor(u[0] / chord), math.floor(u[1] / chord), math.floor(u[2] / chord))].append(
            i
        )
    out: dict[tuple[int, int], float] = {}
    for (cx, cy, cz), members in grid.items():
        neigh: list[int] = []
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for dz in (-1, 0, 1):
                    neigh.extend(grid.get((cx + dx, cy + dy, cz + dz), ()))
        for i in members:
            oi = points[i][0]
            for j in neigh:
                if j <= i:
                    continue
                oj = points[j][0]
                if oi == oj:
                    continue
                if scope is not None and oi not in scope and oj not in scope:
                    continue
                d = haversine_km(points[i][1], points[i][2], points[j][1], points[j][2])
                if d <= km:
                    out[(i, j)] = round(d, 3)
    return dict(sorted(out.items()))


def _ev_gps(driver, scope: list[str] | None, col: _Collector, w: Weights) -> None:
    rows = db.records(driver, queries.links_geotags(), name="links.geotags")
    # One point per series and rounded position (about 10 m): a room photographed 200
    # times is one place, not 200.
    seen: dict[tuple[str, float, float], dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: (r["series"], r["sha256"])):
        spot = (r["series"], round(r["lat"], 4), round(r["lon"], 4))
        if spot not in seen:
            seen[spot] = r
    pts = list(seen.values())
    best: dict[Pair, tuple[float, dict, dict, int]] = {}
    close = close_points(
        [(p["series"], p["lat"], p["lon"]) for p in pts],
        w.location_km,
        None if col.scope is None else col.scope,
    )
    for (i, j), d in close.items():
        pi, pj = pts[i], pts[j]
        if pi["series"] > pj["series"]:
            pi, pj = pj, pi
        key = (pi["series"], pj["series"])
        cur = best.get(key)
        n = (cur[3] if cur else 0) + 1
        if cur is None or (d, pi["sha256"], pj["sha256"]) < (
            cur[0],
            cur[1]["sha256"],
            cur[2]["sha256"],
        ):
            best[key] = (d, pi, pj, n)
        else:
            best[key] = (cur[0], cur[1], cur[2], n)
    for (a, b), (d, pa, pb, n) in sorted(best.items()):
        more = f" ({n} close pairs of geotags)" if n > 1 else ""
        col.add(
            a,
            b,
            Item(
                "same_location",
                f"geotags {d * 1000:.0f} m apart: {_file(pa['fileName'], pa['sha256'])} and "
                f"{_file(pb['fileName'], pb['sha256'])}{more}",
                1.0,
                {
                    "distanceM": round(d * 1000),
                    "sha256A": pa["sha256"],
                    "fileNameA": pa["fileName"],
                    "sha256B": pb["sha256"],
                    "fileNameB": pb["fileName"],
                    "lat": round(pa["lat"], 5),
                    "lon": round(pa["lon"], 5),
                },
                (-1.0, d),
            ),
        )


def _frame(ms: Any) -> str:
    return "" if ms is None else f" at {int(ms) / 1000:.1f} s"


def _ev_visual(driver, scope: list[str] | None, col: _Collector, *, kind: str, query: str) -> None:
    """Evidence from the visual pass's ``SAME_SCENE`` / ``SHARES_OBJECT`` pairs of pictures.

    The detail repeats the pass's explanation (how much of the frame agrees, in how many
    separate regions, how many verified points) and names both files.
    """
    rows = db.records(driver, getattr(queries, query)(), name=f"links.{kind}", seriesIds=scope)
    for r in rows:
        for x in sorted(set(r["seriesA"])):
            for y in sorted(set(r["seriesB"])):
                if not col.wants(x, y):
                    continue
                sa, sb = ("A", "B") if x < y else ("B", "A")
                names = (
                    f"{_file(r['fileName' + sa], r['sha256' + sa])}{_frame(r['frameMs' + sa])}"
                    f" ~ {_file(r['fileName' + sb], r['sha256' + sb])}{_frame(r['frameMs' + sb])}"
                )
                what = r["explanation"] or f"{r['inliers']} verified points"
                detail = (
                    f"same room seen in both: {what} ({names})"
                    if kind == "same_scene"
                    else f"shared object, not the room: {what} ({names})"
                )
                data = {
                    "sha256A": r["sha256" + sa],
                    "fileNameA": r["fileName" + sa],
                    "sha256B": r["sha256" + sb],
                    "fileNameB": r["fileName" + sb],
                    "inliers": r["inliers"],
                    "coverage": r["coverage"],
                    "score": r["score"],
                }
                if kind == "same_scene":
                    data["regions"] = r["regions"]
                    data["method"] = r["method"]
                col.add(
                    x,
                    y,
                    Item(
                        kind,
                        detail,
                        1.0,
                        data,
                        (-(r["score"] or 0.0), r["sha256" + sa], r["sha256" + sb]),
                    ),
                )


def _ev_same_scene(driver, scope: list[str] | None, col: _Collector, w: Weights) -> None:
    _ev_visual(driver, scope, col, kind="same_scene", query="links_same_scene")


def _ev_shared_object(driver, scope: list[str] | None, col: _Collector, w: Weights) -> None:
    _ev_visual(driver, scope, col, kind="shared_object", query="links_shared_object")


_EVIDENCE = (
    _ev_same_media,
    _ev_near_duplicate,
    videomatch.evidence,  # near_duplicate items of pairs with a video (where in the clip)
    _ev_camera,
    _ev_victim,
    _ev_clue,
    _ev_place,
    _ev_gps,
    _ev_account,
    _ev_same_scene,
    _ev_shared_object,
)


def _countries(driver) -> dict[str, list[str]]:
    rows = db.records(driver, queries.links_series_countries(), name="links.countries")
    return {r["seriesId"]: sorted(r["countries"]) for r in rows}


def _judgements(driver) -> dict[Pair, dict[str, Any]]:
    rows = db.records(driver, queries.links_judgements(), name="links.judgements")
    return {
        pair(r["a"], r["b"]): {
            "judgement": r["judgement"],
            "judgedBy": r["judgedBy"],
            "judgedAt": r["judgedAt"],
            "judgementNote": r["judgementNote"],
        }
        for r in rows
    }


def build_link(a: str, b: str, items: list[Item], cross: bool, w: Weights) -> Link:
    """Score a pair and keep its strongest ``per_kind`` items per kind as evidence."""
    score, kinds = score_items(items, w)
    evidence: list[dict[str, Any]] = []
    for kind in kinds:
        ks = sorted(
            (it for it in items if it.kind == kind),
            key=lambda it: (-it.strength, it.sort, it.detail),
        )
        evidence += [it.as_dict() for it in ks[: w.per_kind]]
        if len(ks) > w.per_kind:
            rest = len(ks) - w.per_kind
            evidence.append({"kind": kind, "detail": f"and {rest} more", "more": rest})
    return Link(a, b, score, kinds, evidence, cross)


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
    col = _Collector(None if scope is None else set(scope))
    if scope is not None and not scope:
        return {}
    for ev in _EVIDENCE:
        ev(driver, scope, col, w)
    countries = _countries(driver)
    keep = set(judged)
    out: dict[Pair, Link] = {}
    for (a, b), items in sorted(col.items.items()):
        link = build_link(a, b, items, cross_country(countries.get(a, []), countries.get(b, [])), w)
        if link.score > 0 and (link.score >= w.keep_score or (a, b) in keep):
            out[(a, b)] = link
    return out


# ----------------------------------------------------------------------------- writing


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


_COMPARED = (
    "score",
    "kinds",
    "evidence",
    "crossCountry",
    "judgement",
    "judgedBy",
    "judgedAt",
    "judgementNote",
)


def _write_links(
    driver: neo4j.Driver,
    new: dict[Pair, Link],
    scope: list[str] | None,
    judgements: dict[Pair, dict[str, Any]],
) -> tuple[int, int]:
    """Make the stored links of ``scope`` equal ``new``; return (written, deleted)."""
    old_rows = db.records(driver, queries.links_existing(), name="links.existing", seriesIds=scope)
    old = {(r["a"], r["b"]): r for r in old_rows}
    rows = []
    for key, link in new.items():
        j = judgements.get(key, {})
        row = {
            "a": link.a,
            "b": link.b,
            **link.props(),
            "judgement": j.get("judgement"),
            "judgedBy": j.get("judgedBy"),
            "judgedAt": j.get("judgedAt"),
            "judgementNote": j.get("judgementNote"),
        }
        prev = old.get(key)
        if prev is None or any(prev.get(k) != row[k] for k in _COMPARED):
            rows.append(row)
    gone = [{"a": a, "b": b} for (a, b) in old if (a, b) not in new]
    for i in range(0, len(gone), _WRITE_BATCH):
        db.write(
            driver, queries.links_delete(), rows=gone[i : i + _WRITE_BATCH], name="links.delete"
        )
    now = _now()
    for i in range(0, len(rows), _WRITE_BATCH):
        db.write(
            driver,
            queries.links_write(),
            rows=rows[i : i + _WRITE_BATCH],
            computedAt=now,
            name="links.merge",
        )
    return len(rows), len(gone)


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
    driver: neo4j.Driver, scope: list[str] | None, rep: LinkReport, w: Weights | None = None
) -> LinkReport:
    t0 = time.perf_counter()
    judgements = _judgements(driver)
    new = compute_links(driver, scope, weights=w, judged=judgements)
    rep.seconds["evidence"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    rep.written, rep.deleted = _write_links(driver, new, scope, judgements)
    rep.seconds["write_links"] = time.perf_counter() - t1
    rep.links = len(new)
    rep.cross_country = sum(1 for link in new.values() if link.cross_country)
    # The clusters lead reads what is stored here instead of computing per request.
    t2 = time.perf_counter()
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


def affected_series(driver: neo4j.Driver, load_id: str, w: Weights | None = None) -> set[str]:
    """Series whose links a load may have changed.

    The series it changed directly (``links_affected_series``), and every series showing
    a clue or reaching a place whose set of series it may have changed
    (``links_affected_groups``), since a clue's weight depends on how many series show
    it. Such a group is skipped when it weighs nothing before and after the load: only
    directly changed series can have joined or left it, so with ``n`` series now, of
    which ``k`` changed directly, it had at least ``n - k``; when ``n - k`` reaches
    ``link_clue_ubiquity`` its rarity was and is 0 (a white wall gaining a series).
    """
    w = w or Weights.of()
    rows = db.records(
        driver, queries.links_affected_series(), name="links.affected", loadId=load_id
    )
    direct = {r["seriesId"] for r in rows}
    out = set(direct)
    groups = db.records(
        driver, queries.links_affected_groups(), name="links.affected_groups", loadId=load_id
    )
    for g in groups:
        members = set(g["series"])
        if len(members) - len(members & direct) < w.ubiquity:
            out |= members
    return out


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


def update_for_load(driver: neo4j.Driver, load_id: str) -> LinkReport:
    """Near-duplicates of the media the load touched, then the links of affected series.

    When the near-duplicate index does not reflect the graph as it stood before this load,
    everything is rebuilt (a load happened that the engine never saw).
    """
    t0 = time.perf_counter()
    touched = neardup.touched_media(driver, load_id)
    nd = neardup.update(driver, touched, load_id) if touched else neardup.note_load(driver, load_id)
    vm = videomatch.update(driver, touched, load_id, full=bool(nd is not None and nd.full))
    if nd is not None and nd.full:
        rep = LinkReport(full=True, neardup=nd, videos=vm)
        rep.seconds["near_duplicates"] = time.perf_counter() - t0
        _run(driver, None, rep)
        rep.seconds["total"] = time.perf_counter() - t0
        return rep
    scope = affected_series(driver, load_id)
    if nd is not None and nd.changed_media:
        scope |= series_of_media(driver, nd.changed_media)
    if vm.changed_media:
        scope |= series_of_media(driver, vm.changed_media)
    rep = LinkReport(full=False, series=len(scope), neardup=nd, videos=vm)
    rep.seconds["near_duplicates"] = time.perf_counter() - t0
    if scope:
        _run(driver, sorted(scope), rep)
    rep.seconds["total"] = time.perf_counter() - t0
    log.info("links updated after load %s: %s", load_id, rep.summary())
    return rep


def update_for_loads(driver: neo4j.Driver, load_ids: Sequence[str]) -> LinkReport:
    """One update after several loads (``load media --manifest``): the near-duplicates of
    every medium they touched, then the links of every series they may have changed.
    Equals :func:`update_for_load` after each (tested), at the cost of one."""
    ids = list(dict.fromkeys(i for i in load_ids if i))
    if len(ids) == 1:
        return update_for_load(driver, ids[0])
    t0 = time.perf_counter()
    touched = sorted({m for i in ids for m in neardup.touched_media(driver, i)})
    own: set[int] = set()
    for i in ids:
        own |= indexversion.of_load(driver, i)
    nd = neardup.update(driver, touched, None, own=own)
    vm = videomatch.update(driver, touched, None, full=nd.full, own=own)
    if nd.full:
        rep = LinkReport(full=True, neardup=nd, videos=vm)
        rep.seconds["near_duplicates"] = time.perf_counter() - t0
        _run(driver, None, rep)
        rep.seconds["total"] = time.perf_counter() - t0
        return rep
    scope: set[str] = set()
    for i in ids:
        scope |= affected_series(driver, i)
    if nd.changed_media:
        scope |= series_of_media(driver, nd.changed_media)
    if vm.changed_media:
        scope |= series_of_media(driver, vm.changed_media)
    rep = LinkReport(full=False, series=len(scope), neardup=nd, videos=vm)
    rep.seconds["near_duplicates"] = time.perf_counter() - t0
    if scope:
        _run(driver, sorted(scope), rep)
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
    return update_for_load(driver, load_id)


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
            r.load_id
            for r in reports
            if not (getattr(r, "dry_run", False) or getattr(r, "refused", False)) and r.written
        ]
        return update_for_loads(driver, done) if done else None
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
    at = _now()
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
