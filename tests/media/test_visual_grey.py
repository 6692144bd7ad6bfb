"""Two grey pictures (a night camera, a grey video) have no colour around the agreeing
points to confirm a room with: their brightness is compared instead
(``match.grey_context_test``), beyond chance. Rooms drawn by the demo generator in the
test, turned grey (tuning rooms 500+ of ``bench/scene_data.py``, never the bench's rooms).
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image

from media.visual import match
from media.visual.features import SceneFeatures, extract_bytes
from tests.media.drawing import tuning_room_view


@cache
def _grey(room: int, view: int) -> SceneFeatures:
    buf = io.BytesIO()
    Image.open(io.BytesIO(tuning_room_view(room, view))).convert("L").save(
        buf, format="JPEG", quality=90
    )
    return extract_bytes(buf.getvalue())


@cache
def _colour(room: int, view: int) -> SceneFeatures:
    return extract_bytes(tuning_room_view(room, view))


def test_two_grey_views_of_one_room_are_the_same_scene():
    a, b = _grey(540, 1), _grey(540, 3)
    assert match.is_grey(a) and match.is_grey(b)
    for x, y in ((a, b), (b, a)):
        m = match.compare(x, y)
        assert m is not None and m.kind == "same_scene", m
        assert "agree in brightness" in m.explanation


def test_two_grey_rooms_sharing_a_product_are_not_the_same_scene():
    # the different-room pair whose surroundings agreed most in brightness on the tuning
    # rooms (z 7.3 at the first tolerance tried, below GREY_Z = 8)
    a, b = _grey(556, 2), _grey(557, 1)
    for x, y in ((a, b), (b, a)):
        m = match.compare(x, y)
        assert m is None or m.kind == "shared_object", m
        if m is not None:
            assert "not confirmed" in m.explanation


def test_colour_pictures_are_not_decided_by_brightness():
    a, b = _colour(540, 1), _colour(540, 3)
    assert not match.is_grey(a) and not match.is_grey(b)
    ev = match.evidence(a, b)
    assert ev is not None and ev["grey"] is False


def test_without_the_grey_rule_grey_views_of_one_room_stay_an_object():
    # what the rule adds (Params(grey=False) is the decision before 2026-12-07)
    a, b = _grey(540, 1), _grey(540, 3)
    m = match.compare(a, b, params=match.Params(grey=False))
    assert m is None or m.kind != "same_scene"
