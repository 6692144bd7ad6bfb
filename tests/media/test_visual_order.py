"""A pair's answer does not depend on which picture is given first: ``compare`` asks from
the smaller key's side and orients the answer as asked. Tuning rooms of
``bench/scene_data.py`` drawn in the test."""

from __future__ import annotations

from functools import cache

import pytest

from media.visual import match
from media.visual.features import SceneFeatures, extract_bytes
from tests.media.drawing import tuning_room_view


@cache
def _view(room: int, view: int) -> SceneFeatures:
    return extract_bytes(tuning_room_view(room, view))


def test_the_smaller_key_is_asked_first_whatever_the_order(monkeypatch) -> None:
    a, b = _view(502, 2), _view(502, 3)
    first: list[int] = []
    real = match.evidence

    def spied(x, y, params=match.DEFAULT):
        first.append(id(x))
        return real(x, y, params)

    monkeypatch.setattr(match, "evidence", spied)
    one = match.compare(a, b, "k1", "k2")
    asked_one = first[0]
    first.clear()
    other = match.compare(b, a, "k2", "k1")
    assert first[0] == asked_one == id(a)  # k1's picture both times
    assert one is not None and other is not None and one.kind == "same_scene"
    # the same answer, oriented as asked: key_a is the first picture given
    assert (other.key_a, other.key_b) == ("k2", "k1")
    assert (other.regions_a, other.regions_b) == (one.regions_b, one.regions_a)
    assert (other.kind, other.inliers, other.score) == (one.kind, one.inliers, one.score)


@pytest.mark.parametrize("rooms", [((500, 1), (504, 2)), ((501, 0), (501, 2))])
def test_both_orders_give_the_same_kind_and_points(rooms) -> None:
    (ra, va), (rb, vb) = rooms
    a, b = _view(ra, va), _view(rb, vb)
    x = match.compare(a, b, "ka", "kb")
    y = match.compare(b, a, "kb", "ka")
    assert (x is None) == (y is None)
    if x is not None and y is not None:
        assert (x.kind, x.inliers, x.key_a, y.key_a) == (y.kind, y.inliers, "ka", "kb")
