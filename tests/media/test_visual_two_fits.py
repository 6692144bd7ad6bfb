"""The fundamental matrix of a pair's putative matches is fitted quickly first
(``match.F_QUICK_ITERS``) and in full (``match.F_ITERS``) only when the quick fit keeps
``match.F_QUICK_MIN`` points: unrelated pictures stop at the quick fit, related ones are
decided by the full fit exactly as without the quick one. Tuning rooms of
``bench/scene_data.py`` drawn in the test (never the bench's own rooms)."""

from __future__ import annotations

import pytest

from media.visual import match
from tests.media.drawing import tuning_room_features


@pytest.fixture(autouse=True)
def gate_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """The orientation gate before the fits open, so that the fits themselves are what is
    tested (``test_visual_orientation_gate.py`` tests the gate)."""
    monkeypatch.setattr(match, "ORIENT_TOL", 180.0)


def test_unrelated_rooms_stop_at_the_quick_fit(fits, monkeypatch) -> None:
    # rooms 500 and 504 share nothing; their putative matches reach the fundamental matrix,
    # and a full fit would keep 12 or more of them by chance
    a, b = tuning_room_features(500, 1), tuning_room_features(504, 2)
    assert match.compare(a, b) is None
    assert fits and set(fits) == {match.F_QUICK_ITERS}
    # without the quick fit's floor the full fit is made, and decides the same
    fits.clear()
    monkeypatch.setattr(match, "F_QUICK_MIN", 0)
    assert match.compare(a, b) is None
    assert match.F_ITERS in fits


def test_views_of_one_room_are_decided_by_the_full_fit(fits, monkeypatch) -> None:
    a, b = tuning_room_features(502, 2), tuning_room_features(502, 3)
    m = match.compare(a, b)
    assert m is not None and m.kind == "same_scene", m
    assert match.F_ITERS in fits and match.F_QUICK_ITERS in fits
    monkeypatch.setattr(match, "F_QUICK_MIN", 0)
    again = match.compare(a, b)
    assert again == m
