"""Before any fundamental-matrix fit, a pair's putative matches must hold
``match.F_QUICK_MIN`` keypoint pairs turned by about the same angle
(``match.turned_alike``): unrelated pictures stop there without a fit, views of one place
pass whatever the camera's roll, and what passes is decided exactly as without the gate.
Tuning rooms of ``bench/scene_data.py`` drawn in the test (never the bench's own rooms)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from media.visual import match
from media.visual.features import extract
from tests.media.drawing import tuning_room_features, tuning_room_view


def test_unrelated_rooms_stop_before_any_fit(fits, monkeypatch) -> None:
    # rooms 500 and 504 share nothing, yet hold enough putative matches for a fit
    a, b = tuning_room_features(500, 1), tuning_room_features(504, 2)
    pairs = match.putative(a, b)
    assert len(pairs) >= match.MIN_PUTATIVE
    assert match.turned_alike(a, b, pairs) < match.F_QUICK_MIN
    assert match.compare(a, b) is None
    assert fits == []
    # without the gate the quick fit is made, and decides the same
    monkeypatch.setattr(match, "ORIENT_TOL", 180.0)
    assert match.compare(a, b) is None
    assert fits


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_turned_camera_passes_the_gate_and_is_decided_as_without_it(
    turn: int, monkeypatch
) -> None:
    a = tuning_room_features(502, 2)
    photo = Image.open(io.BytesIO(tuning_room_view(502, 3))).convert("RGB")
    b = extract(photo.rotate(turn, expand=True))
    pairs = match.putative(a, b)
    # the most common turn is the camera's, not zero: most matches are counted
    alike = match.turned_alike(a, b, pairs)
    assert alike >= match.F_QUICK_MIN and alike >= 0.5 * len(pairs), (alike, len(pairs))
    # Pillow turns counter-clockwise; OpenCV's keypoint angles grow the other way
    turns = (b.angle[pairs[:, 1]] - a.angle[pairs[:, 0]]) % 360
    assert np.median(np.abs((turns + turn + 180) % 360 - 180)) < 15
    gated = match.compare(a, b)
    monkeypatch.setattr(match, "ORIENT_TOL", 180.0)
    assert match.compare(a, b) == gated


def test_the_turn_is_counted_around_its_most_common_value() -> None:
    a, b = tuning_room_features(502, 2), tuning_room_features(502, 3)
    pairs = np.stack([np.arange(40), np.arange(40)], axis=1)
    a = a.subset(np.arange(len(a)) < 40)
    b = b.subset(np.arange(len(b)) < 40)
    a.angle[:] = 0.0
    # 25 turned by 350-359 degrees (about -5), across the 0/360 seam; 15 turned any way
    b.angle[:25] = np.linspace(350, 359, 25)
    b.angle[25:] = np.linspace(60, 300, 15)
    assert match.turned_alike(a, b, pairs) == 25 + int(
        (np.abs((np.linspace(60, 300, 15) - 355 + 180) % 360 - 180) <= match.ORIENT_TOL).sum()
    )
    assert match.turned_alike(a, b, pairs[:0]) == 0
