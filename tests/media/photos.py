"""Real photographs for the visual tests: OpenCV's sample pictures, from Debian's
``opencv-doc`` package (installed by ``make test`` and ``.ci/run``; public benign
photography: a box on a table, a street in Leuven in two lights, a stereo pair of an aloe
plant, a graffiti wall from two angles, fruit, a building, a painting ...).

Drawn rooms test what the engine was tuned on; these test it on what a camera makes
(lens distortion, sensor noise, real light, real JPEG). A missing package is a failure
that says how to install it, never a skip.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES = Path("/usr/share/doc/opencv-doc/examples/data")


def photo(name: str) -> Path:
    """The path of one of OpenCV's sample pictures (fails the test when not installed)."""
    p = SAMPLES / name
    if not p.is_file():
        pytest.fail(
            f"{p} is missing: the real-photograph tests need Debian's opencv-doc package "
            "(make test installs it; or: sudo apt-get install --no-install-recommends opencv-doc)"
        )
    return p
