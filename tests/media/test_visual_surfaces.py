"""The surface channel (media.visual.surfaces) on pictures generated in the test."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from loaders.demo import scene3d
from media.visual import match, surfaces
from media.visual.features import SceneFeatures, extract


def _view(room: scene3d.Room, i: int) -> np.ndarray:
    """A view without occluders: this tests what the surfaces say, not the occlusion."""
    img, _ = scene3d.view(room, i, occlusion=(0.0, 0.0), quality=(90, 90))
    return np.asarray(img)


def _strong(g: surfaces.Agreement) -> bool:
    return (
        g.distinct >= match.SURF_MIN_DISTINCT
        and g.weight >= match.SURF_MIN_WEIGHT
        and min(g.cover_a, g.cover_b) >= match.SURF_MIN_COVER
        and g.layout >= match.SURF_MIN_LAYOUT
    )


def test_the_same_room_from_two_angles_agrees_on_several_surfaces() -> None:
    room = scene3d.make_room(13, hard=False)
    a, b = surfaces.describe(_view(room, 0)), surfaces.describe(_view(room, 1))
    g = surfaces.compare(a, b)
    assert g.distinct >= 3, g
    assert _strong(g), g


def test_two_rooms_sharing_one_wallpaper_agree_on_it_only() -> None:
    r1 = scene3d.make_room(20, hard=False, products={"wallpaper": 7})
    r2 = scene3d.make_room(21, hard=False, products={"wallpaper": 7})
    a, b = surfaces.describe(_view(r1, 0)), surfaces.describe(_view(r2, 0))
    g = surfaces.compare(a, b)
    # the wallpaper (on two walls, one appearance) agrees; floor, bed and furniture do not
    assert g.distinct >= 1
    assert not _strong(g), g
    same = surfaces.compare(a, surfaces.describe(_view(r1, 1)))
    assert same.distinct > g.distinct


def _plain_room(seed: int) -> np.ndarray:
    """A white-walled room with a beige floor and plain furniture placed at random."""
    rng = np.random.default_rng(seed)
    h, w = 900, 1200
    img = np.zeros((h, w, 3), np.uint8)
    floor = int(rng.integers(560, 680))
    img[:floor] = (236, 234, 228)  # white wall
    img[floor:] = (196, 178, 150)  # beige floor
    cv2.line(img, (0, floor), (w, floor), (150, 140, 120), 3)
    for _ in range(3):  # plain pale furniture
        x, fw, fh = (
            int(rng.integers(0, w - 300)),
            int(rng.integers(150, 300)),
            int(rng.integers(150, 400)),
        )
        c = tuple(int(v) for v in rng.integers(200, 240, 3))
        cv2.rectangle(img, (x, floor - fh), (x + fw, floor + 30), c, -1)
        cv2.rectangle(img, (x, floor - fh), (x + fw, floor + 30), (120, 120, 120), 2)
    noise = rng.normal(0, 2, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def test_plain_white_and_beige_rooms_do_not_link_on_surfaces() -> None:
    a, b = surfaces.describe(_plain_room(1)), surfaces.describe(_plain_room(2))
    g = surfaces.compare(a, b)
    # the colours agree (that is the point) but carry no weight
    assert g.distinct >= 1
    assert g.weight < match.SURF_MIN_WEIGHT, g
    assert not _strong(g)


def _none() -> tuple[np.ndarray, np.ndarray]:
    z = np.zeros((0, 2), np.float32)
    return z, z


def test_surfaces_never_link_without_geometric_support() -> None:
    room = scene3d.make_room(15, hard=False)
    fa, fb = extract(_view(room, 0)), extract(_view(room, 1))
    pa, pb = match.f_inliers(fa, fb)
    assert len(pa) >= match.SURF_MIN_POINTS  # the keypoints of these views fit one geometry
    assert match.f_support(fa, fb) == len(pa)
    assert match.surface_agreement(fa, fb, _none) is None
    few = match.SURF_MIN_POINTS - 1
    assert match.surface_agreement(fa, fb, lambda: (pa[:few], pb[:few])) is None
    assert match.surface_agreement(fa, fb, lambda: (pa, pb)) is not None
    # where the keypoints alone verified nothing, the channel (on by default) decides
    m = match.decide(None, fa, fb)
    assert m is not None and m.kind == "same_scene" and "surfaces" in m.method
    assert "distinct surfaces" in m.explanation and m.regions_a and m.regions_b
    assert match.decide(None, fa, fb, params=match.Params(surfaces=False)) is None


def _room_pair() -> tuple[SceneFeatures, SceneFeatures, np.ndarray, np.ndarray]:
    room = scene3d.make_room(15, hard=False)
    fa, fb = extract(_view(room, 0)), extract(_view(room, 1))
    pa, pb = match.f_inliers(fa, fb)
    assert match.surface_agreement(fa, fb, lambda: (pa, pb)) is not None
    return fa, fb, pa, pb


def test_verified_points_on_one_appearance_do_not_make_a_room() -> None:
    """The verified points must land on agreeing surfaces of two appearances: the same
    points kept on one appearance only (a shared poster, bed cover or wallpaper roll
    verifies there and nowhere else) do not link, however well the colours agree."""
    fa, fb, pa, pb = _room_pair()
    assert fa.surfaces is not None and fb.surfaces is not None
    ag = surfaces.compare(fa.surfaces, fb.surfaces)
    size_a = np.array([fa.width, fa.height], np.float32)
    by = surfaces.placed(fa.surfaces, fb.surfaces, ag, pa / size_a, pb / size_b(fb))
    assert len(by) >= 2
    main = max(by, key=lambda g: len(by[g]))
    keep = np.array([bool((np.abs(by[main] - p).max(axis=1) < 1e-6).any()) for p in pa / size_a])
    assert keep.sum() >= match.SURF_PLACED_POINTS
    one_a = np.repeat(pa[keep], match.SURF_MIN_POINTS, axis=0)  # plenty of points, one place
    one_b = np.repeat(pb[keep], match.SURF_MIN_POINTS, axis=0)
    assert match.placed_support(fa, fb, ag, one_a, one_b)[0] == 1
    assert match.surface_agreement(fa, fb, lambda: (one_a, one_b)) is None


def test_points_of_the_main_plane_do_not_count_for_the_surfaces() -> None:
    """The largest plane among the verified points is where one shared product would be:
    its points alone never confirm the surfaces, whatever surfaces they land on."""
    fa, fb, pa, pb = _room_pair()
    on = match._on_main_plane(fa, fb, pa, pb)
    assert 0 < on.sum() < len(pa)
    assert match.surface_agreement(fa, fb, lambda: (pa[on], pb[on])) is None


def size_b(f: SceneFeatures) -> np.ndarray:
    return np.array([f.width, f.height], np.float32)


def test_two_rooms_sharing_a_product_are_not_linked_by_surfaces() -> None:
    """Two different rooms with the same poster (and two with the same bed cover): the
    channel is on by default and links neither, from either side."""
    for kind, seeds in (("poster", (40, 41)), ("cover", (42, 43))):
        r1 = scene3d.make_room(seeds[0], hard=False, products={kind: 77})
        r2 = scene3d.make_room(seeds[1], hard=False, products={kind: 77})
        for i, j in ((0, 0), (1, 2)):
            fa, fb = extract(_view(r1, i)), extract(_view(r2, j))
            for x, y in ((fa, fb), (fb, fa)):
                m = match.compare(x, y)
                assert m is None or m.kind != "same_scene", (kind, i, j, m)


def test_surface_set_round_trip_and_size() -> None:
    room = scene3d.make_room(3, hard=True)
    f = extract(_view(room, 0))
    assert f.surfaces is not None and len(f.surfaces) >= 3
    raw = f.surfaces.to_bytes()
    assert len(raw) < 2048
    back = SceneFeatures.from_bytes(f.to_bytes()).surfaces
    assert back is not None and len(back) == len(f.surfaces)
    for s, t in zip(f.surfaces.surfaces, back.surfaces, strict=True):
        assert t.area == pytest.approx(s.area, abs=1e-3)
        assert t.weight == pytest.approx(s.weight, abs=0.01)
        assert np.abs(t.hist - s.hist).max() < 0.02
    assert (back.labels == f.surfaces.labels).all()
    g = surfaces.compare(f.surfaces, back)
    assert len(g.pairs) == len(back)  # a picture agrees with itself on every surface
