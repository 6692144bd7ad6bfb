"""How a link is scored: the weights, a clue's rarity, one link built from its evidence items.

``score = sum over kinds k of weight_k * min(1, sum of the strengths of k's items)``; an
item's strength is 1 except a shared clue (its :func:`rarity`), a place reached through
clues or geotags (half its rarity: :data:`PLACE_STRENGTH`) and a near-duplicate confirmed
only through pHash (0.8). ``docs/links.md`` explains the choices; the weights are settings.
Pure: no Neo4j here.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from graph.config import Settings, get_settings
from graph.evidence import Item
from graph.schema import LINK_KINDS

Pair = tuple[str, str]

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
