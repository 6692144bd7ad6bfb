"""The generated rooms' truth about how much of a room two photos have in common
(``scene3d.shared_view``), which the same-scene bench reports recall against."""

from __future__ import annotations

import pytest

from loaders.demo import scene3d


@pytest.fixture(scope="module")
def room() -> scene3d.Room:
    return scene3d.make_room(4242, products={"poster": 7})


def test_a_photo_shares_with_itself_every_surface_but_the_product(room: scene3d.Room) -> None:
    clear = (0.0, 0.0)
    share = scene3d.shared_view(room, [1, 1], occlusion=clear)[(1, 1)]
    _, truth = scene3d.view_jpeg(room, 1, occlusion=clear)
    poster = truth["visible"].get("poster:7", 0.0)
    # every pixel shows some surface of the room; the poster is left out
    assert share == pytest.approx(1.0 - poster, abs=0.02)


def test_people_in_front_take_their_share(room: scene3d.Room) -> None:
    share = scene3d.shared_view(room, [2, 2])[(2, 2)]
    _, truth = scene3d.view_jpeg(room, 2)
    poster = truth["visible"].get("poster:7", 0.0)
    assert truth["occluded"] > 0.1
    assert share < 1.0 - truth["occluded"] + 0.02
    assert share > 1.0 - truth["occluded"] - poster - 0.05


def test_two_photos_share_less_than_each_has_and_more_than_nothing(room: scene3d.Room) -> None:
    views = [0, 1, 2, 3]
    pairs = scene3d.shared_view(room, views)
    own = {v: scene3d.shared_view(room, [v, v])[(v, v)] for v in views}
    assert set(pairs) == {(a, b) for a in views for b in views if a < b}
    for (a, b), share in pairs.items():
        assert 0.02 < share <= min(own[a], own[b]) + 0.01, (a, b, share)
    # the cameras differ, so the pairs do not all see the same amount of the room
    assert max(pairs.values()) - min(pairs.values()) > 0.02
