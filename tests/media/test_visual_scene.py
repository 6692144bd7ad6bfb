"""Scene and object matching on generated pictures (no Neo4j)."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from media.visual.features import SceneFeatures, VisualError, extract, extract_file
from media.visual.index import VisualIndex
from media.visual.match import compare, find_scenes, search_object
from tests.media.drawing import rectangles


def _texture(seed: int, w: int = 1200, h: int = 900) -> np.ndarray:
    return rectangles(seed, w, h, 300)


def _save(tmp: Path, name: str, img: np.ndarray, quality: int = 85) -> Path:
    p = tmp / name
    Image.fromarray(img).save(p, quality=quality)
    return p


# ----------------------------------------------------------------------------- bad input


def test_flat_picture_is_refused(tmp_path: Path) -> None:
    p = _save(tmp_path, "flat.jpg", np.full((600, 800, 3), 128, np.uint8))
    with pytest.raises(VisualError, match="too flat"):
        extract_file(p)


def test_small_picture_is_refused(tmp_path: Path) -> None:
    p = _save(tmp_path, "small.jpg", _texture(1, 40, 30))
    with pytest.raises(VisualError, match="too small"):
        extract_file(p)


@pytest.mark.parametrize("mode", ["I;16", "I", "F"])
def test_a_wide_grey_picture_is_matched_like_its_8_bit_copy(tmp_path: Path, mode: str) -> None:
    # 16-bit scans and PNGs, float TIFFs: Pillow's RGB conversion clips them to a white
    # (or black) frame, which was refused as "too flat" and never matched
    grey = np.asarray(Image.fromarray(_texture(5)).convert("L"))
    if mode == "F":
        wide = Image.fromarray(grey.astype(np.float32) / 255.0, "F")
    else:
        wide = Image.fromarray(grey.astype(np.uint16) * 257).convert(mode)
    p = tmp_path / "wide.tif"
    wide.save(p)
    assert Image.open(p).mode == mode
    got = extract_file(p)
    ref = extract_file(_save(tmp_path, "grey.png", np.repeat(grey[:, :, None], 3, axis=2)))
    assert len(got) == len(ref) and np.array_equal(got.xy, ref.xy)


def test_truncated_picture_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.fromarray(_texture(2)).save(buf, format="JPEG", quality=90)
    p = tmp_path / "cut.jpg"
    p.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(VisualError, match="truncated"):
        extract_file(p)


def test_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    p = tmp_path / "bomb.png"
    Image.new("L", (12_000, 12_000)).save(p, optimize=False)  # 144 MP, compresses to little
    with pytest.raises(VisualError, match="too large"):
        extract_file(p)


def test_missing_and_garbage_files(tmp_path: Path) -> None:
    with pytest.raises(VisualError, match="unreadable"):
        extract_file(tmp_path / "gone.jpg")
    g = tmp_path / "garbage.jpg"
    g.write_bytes(b"not a picture at all" * 10)
    with pytest.raises(VisualError, match="unreadable"):
        extract_file(g)


# ----------------------------------------------------------------------------- features


def test_features_round_trip_and_budget() -> None:
    f = extract(_texture(3))
    b = f.to_bytes()
    assert len(b) <= 32 * 1024
    g = SceneFeatures.from_bytes(b)
    assert (g.width, g.height) == (1200, 900)
    assert np.array_equal(g.desc, f.desc)
    assert np.abs(g.xy - f.xy).max() <= 0.25
    with pytest.raises(VisualError):
        SceneFeatures.from_bytes(b[:100])


def test_one_product_on_two_different_walls_is_an_object_not_a_scene() -> None:
    poster = _texture(4, 360, 480)
    a, b = _plain_wall((200, 170, 150)), _plain_wall((120, 160, 210))
    a[200:680, 300:660] = poster
    H = np.array([[0.8, 0.08, 0], [-0.04, 0.85, 0], [0.0002, 0, 1]], np.float32)
    warped = cv2.warpPerspective(poster, H, (360, 480))
    inside = cv2.warpPerspective(np.ones((480, 360), np.uint8), H, (360, 480)).astype(bool)
    b[150:630, 650:1010][inside] = warped[inside]
    m = compare(extract(a), extract(b))
    assert m is not None and m.kind == "shared_object", m
    assert m.inliers >= 20
    assert "shared product" in m.explanation
    x, y, w, h = m.regions_a[0]
    assert 280 <= x and x + w <= 680 and 180 <= y and y + h <= 700


def _plain_wall(colour: tuple[int, int, int]) -> np.ndarray:
    img = np.empty((900, 1200, 3), np.uint8)
    img[:] = colour
    img[800:] = (90, 70, 50)  # floor
    return img


def test_unrelated_pictures_do_not_match() -> None:
    assert compare(extract(_texture(5)), extract(_texture(6))) is None


# ----------------------------------------------------------------------------- index


def test_index_round_trip_modes_and_removal(tmp_path: Path) -> None:
    d = tmp_path / "vis"
    idx = VisualIndex.open(d)
    feats = {f"k{i}": extract(_texture(10 + i, 640, 480)) for i in range(4)}
    for k, f in feats.items():
        idx.add(k, f)
    idx.save()
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    files = [p for p in d.iterdir()]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    again = VisualIndex.open(d)
    assert len(again) == 4 and "k2" in again and again.keys() == sorted(feats)
    assert np.array_equal(again.get("k1").desc, feats["k1"].desc)
    again.remove(["k1"])
    again.save()
    third = VisualIndex.open(d)
    assert "k1" not in third and len(third) == 3
    assert np.array_equal(third.get("k3").desc, feats["k3"].desc)
    assert third.disk_bytes() > 0


def test_an_index_of_an_older_features_format_is_cleared_not_misread(tmp_path: Path) -> None:
    """An index written by an older ClueGraph (another features format) would fail on
    every verification ("stored scene features are damaged"): opening it clears it, so
    the visual pass (whose state follows the same format) analyses the pictures again."""
    import json

    d = tmp_path / "vis"
    idx = VisualIndex.open(d)
    for i in range(3):
        idx.add(f"k{i}", extract(_texture(30 + i, 640, 480)))
    idx.save()
    man = json.loads((d / "manifest.json").read_text())
    (d / "manifest.json").write_text(json.dumps({**man, "features": man["features"] - 1}))
    old = VisualIndex.open(d)
    assert len(old) == 0 and not list(d.glob("shard-*.bin"))
    old.add("k9", extract(_texture(40, 640, 480)))
    old.save()
    assert VisualIndex.open(d).keys() == ["k9"]


def test_save_is_atomic_when_killed_mid_write(tmp_path: Path, monkeypatch) -> None:
    d = tmp_path / "vis"
    idx = VisualIndex.open(d)
    idx.add("a", extract(_texture(20, 640, 480)))
    idx.save()
    idx.add("b", extract(_texture(21, 640, 480)))
    real_replace = os.replace

    def dying_replace(src, dst):  # the process "dies" before the first rename
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        idx.save()
    monkeypatch.setattr(os, "replace", real_replace)
    assert list(d.glob("*.tmp"))  # the half-written file of the dead save
    back = VisualIndex.open(d)
    assert back.keys() == ["a"]
    assert not list(d.glob("*.tmp"))
    assert len(back.get("a")) > 0


def test_object_search_finds_the_picture_holding_it(tmp_path: Path) -> None:
    idx = VisualIndex.open(tmp_path / "vis")
    obj = _texture(30, 300, 300)
    for i in range(6):
        room = _texture(40 + i)
        if i == 3:
            room[400:700, 500:800] = obj
        idx.add(f"pic{i}", extract(room))
    hits = search_object(idx, extract(cv2.resize(obj, (420, 420))), limit=3)
    assert hits and hits[0].key == "pic3"
    x, y, w, h = hits[0].box
    assert 450 <= x <= 560 and 350 <= y <= 460 and w > 150 and h > 150
    assert find_scenes(idx, "pic3") == [] or all(
        m.kind != "same_scene" for m in find_scenes(idx, "pic3")
    )


@pytest.mark.slow
def test_vocabulary_retrieval_after_training(tmp_path: Path) -> None:
    from media.visual import index as index_mod

    d = tmp_path / "vis"
    idx = VisualIndex.open(d)
    n = index_mod.VOCAB_MIN
    for i in range(n):
        idx.add(f"p{i:02d}", extract(_texture(100 + i, 480, 360)))
    idx.save()  # trains the vocabulary
    again = VisualIndex.open(d)
    assert again.vocab is not None and list(d.glob("vocab-*.npy"))
    img = _texture(100 + 7, 480, 360)
    H = np.array([[0.92, 0.05, 12], [-0.03, 0.95, 8], [0.0001, 0, 1]])
    q = extract(cv2.warpPerspective(img, H, (480, 360)))
    assert again.candidates(q, k=5)[0][0] == "p07"
    # the pass verifies only candidates scoring MIN_VERIFY_TFIDF or more (the right one
    # passes, and those below the floor are dropped)
    worth = again.scene_candidates(q, k=len(again))
    assert worth[0][0] == "p07"
    allc = again.candidates(q, k=len(again))
    assert worth == [c for c in allc if c[1] >= index_mod.MIN_VERIFY_TFIDF]
    hits = search_object(again, q, limit=3)
    assert hits and hits[0].key == "p07"
    # a picture added after the inverted file was built goes into an added block (no
    # rebuild of the whole file) and is found at once; a full rebuild ranks alike
    built = again._matrix
    again.add("q07", q)
    inc = again.candidates(q, k=5)
    assert again._matrix is built and again._delta_keys == ["q07"] and len(again._blocks) == 1
    assert inc[0][0] == "q07" and {k for k, _ in inc[:3]} >= {"q07", "p07"}
    again._invalidate()
    full = again.candidates(q, k=5)
    assert [k for k, _ in full[:2]] == [k for k, _ in inc[:2]]
    assert again._matrix is not built and not again._blocks


# ----------------------------------------------------------------------------- generated rooms


def _room_view(room_id: int, view: int):
    from bench.scene_data import room_spec
    from loaders.demo import scene3d

    hard, products = room_spec(room_id)
    img, truth = scene3d.view(scene3d.make_room(room_id, hard, products), view)
    return extract(img), truth


def test_generated_room_from_two_angles_is_the_same_scene() -> None:
    (a, ta), (b, tb) = _room_view(2, 1), _room_view(2, 3)
    assert ta["room"] == tb["room"] == 2 and ta["view"] != tb["view"]
    m = compare(a, b, "v1", "v3")
    assert m is not None and m.kind == "same_scene", m
    assert m.inliers >= 20 and len(m.regions_a) >= 2 and 0 < m.coverage <= 1
    assert "verified points" in m.explanation


def test_two_rooms_sharing_a_poster_give_a_shared_object_not_a_scene() -> None:
    (a, ta), (b, tb) = _room_view(0, 2), _room_view(1, 3)
    assert ta["room"] != tb["room"] and ta["products"] == tb["products"] == ["poster:1000"]
    m = compare(a, b)
    assert m is not None and m.kind == "shared_object", m
    # the agreeing region is the poster where the truth puts it
    x, y, w, h = m.regions_a[0]
    px, py, pw, ph = ta["boxes"]["poster:1000"]
    assert px - 20 <= x and x + w <= px + pw + 20 and py - 20 <= y and y + h <= py + ph + 20


def test_generator_is_deterministic() -> None:
    from loaders.demo import scene3d

    room = scene3d.make_room(9, hard=True, products={"cover": 3})
    a, ta = scene3d.view_jpeg(room, 1)
    b, tb = scene3d.view_jpeg(scene3d.make_room(9, hard=True, products={"cover": 3}), 1)
    assert a == b and ta == tb
    assert 0.15 <= ta["occluded"] <= 0.45 and 30 <= ta["quality"] <= 95


def test_box_on_a_picture_is_extracted_at_the_crop_resolution(tmp_path: Path) -> None:
    img = cv2.resize(np.tile(_texture(60, 600, 450), (2, 2, 1)), (2400, 1800))
    p = _save(tmp_path, "big.jpg", img, 92)
    f = extract_file(p, box=(600, 400, 600, 480))
    assert (f.width, f.height) == (600, 480)
    assert len(f) >= 12 and f.xy[:, 0].max() < 600 and f.xy[:, 1].max() < 480
    with pytest.raises(VisualError, match="too small"):
        extract_file(p, box=(0, 0, 20, 20))
