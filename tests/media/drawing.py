"""Generated test pictures shared by the visual tests: random rectangles, filled and
outlined in turn, on a plain background (texture that local features find), and views of
the demo generator's rooms as the benches' tuning set draws them."""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np

from loaders.demo import scene3d
from media.visual.features import SceneFeatures, extract_bytes


def rectangles(
    seed: int,
    w: int,
    h: int,
    count: int,
    base: tuple[int, int, int] = (200, 200, 200),
    reach: int | None = None,
) -> np.ndarray:
    """An ``h`` x ``w`` RGB picture of ``count`` rectangles of random colours whose corners
    are drawn in ``[0, reach)`` (``w`` by default), the same picture for the same arguments."""
    rng = np.random.default_rng(seed)
    img = np.empty((h, w, 3), np.uint8)
    img[:] = base
    top = w if reach is None else reach
    for i in range(count):
        c = tuple(int(x) for x in rng.integers(0, 255, 3))
        p0 = tuple(int(x) for x in rng.integers(0, top, 2))
        p1 = tuple(int(x) for x in rng.integers(0, top, 2))
        cv2.rectangle(img, p0, p1, c, -1 if i % 2 else 3)
    return img


def tuning_room_view(room: int, view: int) -> bytes:
    """A JPEG of ``view`` of ``room`` drawn as ``bench/scene_data.py`` draws it: rooms 2j and
    2j+1 share one product (poster, bed cover, wallpaper roll in turn), every third room is
    plain. Tests use the tuning rooms (500+), never the bench's own rooms."""
    kinds = ("poster", "cover", "wallpaper")
    j = room // 2
    made = scene3d.make_room(room, room % 3 == 2, {kinds[j % 3]: 1000 + j})
    data, _ = scene3d.view_jpeg(made, view)
    return data


@cache
def tuning_room_features(room: int, view: int) -> SceneFeatures:
    """The scene features of :func:`tuning_room_view` (extracted once per test run)."""
    return extract_bytes(tuning_room_view(room, view))
