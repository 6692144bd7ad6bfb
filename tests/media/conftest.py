"""Fixtures shared by the visual tests."""

from __future__ import annotations

import pytest

from media.visual import geometry


@pytest.fixture
def fits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The iterations of every fundamental-matrix fit made while the test runs."""
    made: list[int] = []
    real = geometry.fundamental

    def counted(*args, iters: int, **kwargs):
        made.append(iters)
        return real(*args, iters=iters, **kwargs)

    monkeypatch.setattr(geometry, "fundamental", counted)
    return made
