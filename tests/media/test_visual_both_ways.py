"""A pair is decided from both sides (``match.compare`` / ``match.both_ways``): a room seen
from one side and confirmed by verified geometry from the other is one place, whatever
order the two pictures arrived in; a room seen from one side with nothing verified from
the other is no match. Rooms drawn by the demo generator in the test (tuning rooms 500+
of ``bench/scene_data.py``, never the bench's rooms)."""

from __future__ import annotations

from functools import cache

import pytest

from media.visual import match
from media.visual.features import SceneFeatures, extract_bytes
from media.visual.match import SceneMatch
from tests.media.drawing import tuning_room_view


@cache
def _view(room: int, view: int) -> SceneFeatures:
    return extract_bytes(tuning_room_view(room, view))


def _one_side(a: SceneFeatures, b: SceneFeatures) -> str | None:
    m = match.decide(match.evidence(a, b), a, b)
    return m.kind if m else None


@pytest.mark.parametrize(("room", "va", "vb"), [(501, 0, 1), (503, 2, 3)])
def test_a_room_from_one_side_and_an_object_from_the_other_is_the_same_scene(
    room: int, va: int, vb: int
) -> None:
    a, b = _view(room, va), _view(room, vb)
    sides = {_one_side(a, b), _one_side(b, a)}
    # the case under test: each side alone disagrees (the rule before 2026-12-07 kept
    # the weaker answer, a shared object, and missed the room)
    assert sides == {"same_scene", "shared_object"}, sides
    ab, ba = match.compare(a, b, "a", "b"), match.compare(b, a, "b", "a")
    assert ab is not None and ab.kind == "same_scene"
    assert ba is not None and ba.kind == "same_scene"
    assert (ab.key_a, ab.key_b) == ("a", "b") and (ba.key_a, ba.key_b) == ("b", "a")


def test_a_room_from_one_side_with_nothing_verified_from_the_other_is_no_match() -> None:
    # two different rooms sharing one poster: one side sees a room, the other verifies
    # nothing (the only false link "either side" would have made on rooms 500-579)
    a, b = _view(544, 0), _view(545, 2)
    assert {_one_side(a, b), _one_side(b, a)} == {"same_scene", None}
    assert match.compare(a, b) is None and match.compare(b, a) is None


def _m(kind: str | None, a: str = "a", b: str = "b") -> SceneMatch | None:
    """A made-up answer: None, "shared_object", "same_scene" (a room that does not stand
    alone) or "same_scene_alone" (one that does)."""
    if kind is None:
        return None
    alone = kind == "same_scene_alone"
    return SceneMatch(
        a,
        b,
        "same_scene" if alone else kind,
        20,
        0.1,
        0.5,
        "test",
        [(1, 2, 3, 4)],
        [(5, 6, 7, 8)],
        stands_alone=alone,
    )


def _expected(first: str | None, back: str | None) -> str | None:
    if first is None:
        return None
    if back is None:
        return "shared_object" if first == "shared_object" else None
    if first.startswith("same_scene"):
        room = back.startswith("same_scene") or first == "same_scene_alone"
        return "same_scene" if room else "shared_object"
    return "same_scene" if back == "same_scene_alone" else "shared_object"


ANSWERS = [None, "shared_object", "same_scene", "same_scene_alone"]


@pytest.mark.parametrize("back", ANSWERS)
@pytest.mark.parametrize("first", ANSWERS)
def test_the_rule_on_every_pair_of_answers(first: str | None, back: str | None) -> None:
    asked: list[bool] = []

    def ask() -> SceneMatch | None:
        asked.append(True)
        return _m(back, "b", "a")

    got = match.both_ways(_m(first), ask)
    kind = got.kind if got else None
    assert kind == _expected(first, back)
    assert asked == ([] if first is None else [True])  # b's side measured only when needed
    if got is not None:
        # always told from a's side, whichever side's answer it is
        assert (got.key_a, got.key_b) == ("a", "b")
        from_a = first is not None and first.startswith(kind)
        assert got.regions_a == ([(1, 2, 3, 4)] if from_a else [(5, 6, 7, 8)])
    # a same scene does not depend on which picture came first
    swapped = match.both_ways(_m(back, "b", "a"), lambda: _m(first))
    if "same_scene" in (kind, swapped.kind if swapped else None):
        assert swapped is not None and kind == swapped.kind == "same_scene"
