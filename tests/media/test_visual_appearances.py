"""A shared object needs distinct appearances: the same window frame or door seen in two
different rooms verifies as one plane, but it repeats one corner; a shared product shows
many motifs (media.visual.match.appearances, docs/visual.md "Shared objects: distinct
appearances"). Generated tuning rooms (500+), no Neo4j."""

from __future__ import annotations

import numpy as np
import pytest

from media.visual import match
from media.visual.features import extract_bytes
from tests.media.drawing import tuning_room_view


def _view(room: int, view: int):
    return extract_bytes(tuning_room_view(room, view))


def test_appearances_counts_groups_of_alike_descriptors() -> None:
    rng = np.random.default_rng(3)
    one = rng.integers(0, 4, 128, dtype=np.uint8)
    near = one.copy()
    near[:4] = (near[:4] + 1) % 4  # a few bins one level apart: the same appearance
    assert match.appearances(np.stack([one, one, near, one])) == 1
    many = rng.integers(0, 4, (12, 128), dtype=np.uint8)
    assert match.appearances(many) == 12
    assert match.appearances(np.vstack([many, many[:5]])) == 12
    assert match.appearances(many[:1]) == 1


def test_places_counts_points_apart() -> None:
    # one corner at three scales, a word's letters, and two points far from them
    xy = np.array(
        [[100, 100], [103, 101], [100, 104], [400, 300], [408, 300], [900, 50], [50, 700]]
    )
    assert match.places(xy.astype(np.float32), 1000.0) == 4
    assert match.places(xy[:1].astype(np.float32), 1000.0) == 1


def test_an_object_in_few_places_is_dropped() -> None:
    m = match.SceneMatch("a", "b", "shared_object", 18, 0.001, 0.3, "m", appearances=15, places=2)
    assert match.distinct_object(m) is None
    kept = match.SceneMatch("a", "b", "shared_object", 18, 0.01, 0.3, "m", appearances=9, places=6)
    assert match.distinct_object(kept) is kept
    room = match.SceneMatch("a", "b", "same_scene", 40, 0.2, 0.8, "m")
    assert match.distinct_object(room) is room and match.distinct_object(None) is None


@pytest.mark.parametrize(("a", "b"), [((540, 0), (545, 0)), ((545, 0), (547, 3))])
def test_a_window_of_the_same_design_in_two_rooms_is_not_a_shared_object(
    a: tuple[int, int], b: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    fa, fb = _view(*a), _view(*b)
    # the rooms share no product; their windows (one frame design) verify as one plane
    assert match.compare(fa, fb) is None
    monkeypatch.setattr(match, "MIN_OBJECT_APPEARANCES", 0)
    monkeypatch.setattr(match, "MIN_OBJECT_PLACES", 0)
    by_points = match.compare(fa, fb)
    assert by_points is not None and by_points.kind == "shared_object"
    assert by_points.inliers >= 12 and by_points.appearances <= 4


@pytest.mark.parametrize(("a", "b"), [((522, 2), (523, 3)), ((504, 1), (505, 0))])
def test_a_shared_product_stays_a_shared_object(a: tuple[int, int], b: tuple[int, int]) -> None:
    m = match.compare(_view(*a), _view(*b))
    assert m is not None and m.kind == "shared_object", m
    assert m.appearances >= match.MIN_OBJECT_APPEARANCES
    assert m.places >= match.MIN_OBJECT_PLACES
    assert f"{m.appearances} distinct motifs in {m.places} places" in m.explanation
