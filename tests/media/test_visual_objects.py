"""Object search (media/visual/objects.py) on generated pictures (no Neo4j)."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from media.visual import objects
from media.visual.features import VisualError, extract
from media.visual.index import VisualIndex


def _room(seed: int, w: int = 1200, h: int = 900) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.full((h, w, 3), 190, np.uint8)
    for i in range(220):
        c = tuple(int(x) for x in rng.integers(0, 255, 3))
        p0 = tuple(int(x) for x in rng.integers(0, w, 2))
        p1 = tuple(int(x) for x in rng.integers(0, w, 2))
        cv2.rectangle(img, p0, p1, c, -1 if i % 2 else 3)
    return img


def _poster(seed: int = 77, w: int = 400, h: int = 300) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.full((h, w, 3), 235, np.uint8)
    for _ in range(60):
        c = tuple(int(x) for x in rng.integers(0, 255, 3))
        ctr = tuple(int(x) for x in rng.integers(0, [w, h]))
        ax = tuple(int(x) for x in rng.integers(5, 40, 2))
        cv2.ellipse(img, ctr, ax, int(rng.integers(0, 180)), 0, 360, c, -1)
    for _ in range(12):
        c = tuple(int(x) for x in rng.integers(0, 255, 3))
        p = (int(rng.integers(0, w - 60)), int(rng.integers(20, h)))
        cv2.putText(img, "TERRA", p, cv2.FONT_HERSHEY_SIMPLEX, 0.8, c, 2)
    return img


def _lay_flat(room: np.ndarray, obj: np.ndarray, quad: list[tuple[int, int]]) -> np.ndarray:
    """``obj`` warped onto ``quad`` of ``room`` (a bed cover seen at a grazing angle)."""
    h, w = obj.shape[:2]
    H = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), np.float32(quad))
    warped = cv2.warpPerspective(obj, H, (room.shape[1], room.shape[0]))
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), H, (room.shape[1], room.shape[0]))
    out = room.copy()
    out[mask > 0] = warped[mask > 0]
    return out


# a cover seen from the front and above: 460 px wide, foreshortened to ~110 px deep
FLAT = [(420, 560), (860, 560), (900, 670), (380, 670)]


def _index(tmp: Path, with_object: dict[int, np.ndarray]) -> VisualIndex:
    idx = VisualIndex.open(tmp / "vis")
    for i in range(6):
        idx.add(f"pic{i}", extract(with_object.get(i, _room(40 + i))))
    return idx


def test_frontal_crop_finds_the_object_lying_foreshortened_in_a_room(tmp_path: Path) -> None:
    obj = _poster()
    idx = _index(tmp_path, {4: _lay_flat(_room(44), obj, FLAT)})
    q = objects.query_from_image(cv2.resize(obj, (280, 210)))
    hits = objects.search(idx, q, limit=3)
    assert hits and hits[0].key == "pic4"
    x, y, w, h = hits[0].box
    assert 360 <= x <= 520 and 540 <= y <= 620 and w > 200 and y + h <= 690
    # what the simulated viewpoints add: the frontal query alone verifies fewer points
    plain = objects.query_from_image(cv2.resize(obj, (280, 210)), max_tilt=0)
    n_plain, _ = objects.locate(plain, idx.get("pic4"))
    assert hits[0].inliers > n_plain


def test_box_on_a_picture_finds_the_other_picture_and_not_the_rest(tmp_path: Path) -> None:
    obj = _poster(5)
    a = _room(50)
    a[100:400, 150:550] = obj
    b = _room(51)
    small = cv2.resize(obj, (300, 225))
    M = cv2.getRotationMatrix2D((150, 112), 10, 1.0)
    b[500:725, 700:1000] = cv2.warpAffine(small, M, (300, 225), borderMode=cv2.BORDER_REPLICATE)
    idx = _index(tmp_path, {1: a, 3: b})
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="JPEG", quality=85)
    im, w, h = objects.open_region(buf.getvalue(), (150, 100, 400, 300))
    assert (w, h) == (400, 300)
    hits = objects.search(idx, objects.query_from_image(im, original_size=(w, h)), limit=5)
    assert [x.key for x in hits][:2] == ["pic1", "pic3"] or [x.key for x in hits][:2] == [
        "pic3",
        "pic1",
    ]
    assert all(x.key in ("pic1", "pic3") for x in hits)
    hit3 = next(x for x in hits if x.key == "pic3")
    x, y, bw, bh = hit3.box
    assert 680 <= x <= 760 and 480 <= y <= 560
    assert 0.4 < hit3.score < 1


def test_box_outside_the_picture_and_flat_regions_are_refused() -> None:
    buf = io.BytesIO()
    Image.fromarray(_room(3, 640, 480)).save(buf, format="PNG")
    with pytest.raises(VisualError, match="outside"):
        objects.open_region(buf.getvalue(), (600, 400, 100, 100))
    with pytest.raises(VisualError, match="too flat"):
        objects.query_from_image(np.full((300, 300, 3), 90, np.uint8))
    with pytest.raises(VisualError, match="too small"):
        objects.query_from_image(_room(4, 40, 30))


def test_homography_that_folds_the_object_is_not_a_hit() -> None:
    obj = _poster(9)
    q = objects.query_from_image(obj, max_tilt=0)
    # the object cut in two halves swapped: matches exist, but no single plane explains them
    swapped = np.concatenate([obj[:, 200:], obj[:, :200]], axis=1)
    room = _room(60)
    room[300:600, 300:700] = swapped
    n, _ = objects.locate(q, extract(room))
    whole = _room(60)
    whole[300:600, 300:700] = obj
    n_whole, _ = objects.locate(q, extract(whole))
    assert n_whole >= objects.MIN_INLIERS and n < n_whole


@pytest.mark.slow
def test_trained_index_shortlists_the_picture_by_the_query_words(tmp_path: Path) -> None:
    from media.visual import index as index_mod

    idx = VisualIndex.open(tmp_path / "vis")
    obj = _poster(11)
    for i in range(index_mod.VOCAB_MIN):
        img = _room(100 + i, 640, 480)
        if i == 17:
            img[120:345, 200:500] = cv2.resize(obj, (300, 225))
        idx.add(f"p{i:02d}", extract(img))
    idx.save()  # trains the vocabulary
    again = VisualIndex.open(tmp_path / "vis")
    assert again.vocab is not None
    q = objects.query_from_image(obj)
    assert "p17" in objects.shortlist(again, q, 5)
    hits = objects.search(again, q, limit=3, candidates=5)
    assert hits and hits[0].key == "p17"
    # the inverted file gives the dense tf-idf dot product of every picture
    feats = again.get("p03")
    keys, scores = again._scores(_tfidf_query(again, feats))
    dense = np.stack([_tfidf_picture(again, k) for k in keys]) @ _tfidf_query(again, feats)
    assert np.allclose(scores, dense, atol=1e-4)
    assert again.candidates(feats, k=1)[0][0] == "p03"


def _tfidf_query(idx: VisualIndex, feats) -> np.ndarray:
    idf = idx.idf()
    q = (
        np.sqrt(
            np.bincount(idx.quantize_descriptors(feats.descriptors()), minlength=len(idf))
        ).astype(np.float32)
        * idf
    )
    return q / np.linalg.norm(q)


def _tfidf_picture(idx: VisualIndex, key: str) -> np.ndarray:
    idf = idx.idf()
    v = np.sqrt(np.bincount(idx._words[key], minlength=len(idf))).astype(np.float32) * idf
    return v / max(float(np.linalg.norm(v)), 1e-6)


def test_votes_sum_the_weights_of_the_distinct_words_a_picture_holds(tmp_path: Path) -> None:
    from media.visual import index as index_mod

    idx = VisualIndex.open(tmp_path / "vis")
    for i in range(index_mod.VOCAB_MIN):
        idx.add(f"p{i:02d}", extract(_room(300 + i, 480, 360)))
    idx.train()
    rng = np.random.default_rng(3)
    weights = np.zeros(idx.vocab.shape[0], np.float32)
    chosen = rng.choice(len(weights), 40, replace=False)
    weights[chosen] = rng.uniform(0.5, 2.0, 40).astype(np.float32)
    got = dict(idx.votes(weights, len(idx)))
    for key in idx.keys():
        held = np.unique(idx._words[key])  # a word repeated in a picture counts once
        want = float(weights[held].sum())
        assert abs(got.get(key, 0.0) - want) < 1e-4, key
    ranked = [k for k, _ in idx.votes(weights, 5)]
    assert ranked == sorted(got, key=lambda k: (-got[k], k))[: len(ranked)] or len(
        {round(got[k], 4) for k in ranked}
    ) < len(ranked)


def _small_object_scene(seed: int, obj: np.ndarray | None) -> np.ndarray:
    """A big picture (2400x1800) full of texture, with ``obj`` small on it (~3 % of it)."""
    img = cv2.resize(_room(seed, 1200, 900), (2400, 1800), interpolation=cv2.INTER_NEAREST)
    rng = np.random.default_rng(seed)
    for _ in range(3000):  # fine texture everywhere: the stored 1024 keypoints spread over it
        c = tuple(int(x) for x in rng.integers(0, 255, 3))
        p = tuple(int(x) for x in rng.integers(0, [2400, 1800]))
        cv2.circle(img, p, int(rng.integers(2, 6)), c, -1)
    if obj is not None:
        img[900:1140, 1500:1820] = cv2.resize(obj, (320, 240), interpolation=cv2.INTER_AREA)
    return img


def _small_object_index(
    tmp: Path, obj: np.ndarray, first_seed: int, pictures: int, holder: int
) -> tuple[VisualIndex, dict[str, bytes]]:
    """An index of ``pictures`` JPEGs ``pic0``, ``pic1``, ... of :func:`_small_object_scene`
    (seeds from ``first_seed``), ``obj`` small in ``pic{holder}`` only; and their bytes."""
    files = {}
    idx = VisualIndex.open(tmp / "vis")
    for i in range(pictures):
        img = _small_object_scene(first_seed + i, obj if i == holder else None)
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="JPEG", quality=90)
        files[f"pic{i}"] = buf.getvalue()
        im, w, h = objects.open_region(files[f"pic{i}"])
        idx.add(f"pic{i}", extract(im, original_size=(w, h)))
    return idx, files


def test_rereading_the_file_finds_a_small_object_the_stored_features_miss(
    tmp_path: Path,
) -> None:
    obj = _poster(21)
    idx, files = _small_object_index(tmp_path, obj, first_seed=500, pictures=4, holder=2)
    q = objects.query_from_image(obj)
    stored, _ = objects.locate(q, idx.get("pic2"))
    reads: list[str] = []

    def reread(key: str) -> objects.DenseView | None:
        reads.append(key)
        return objects.dense_view(files[key])

    hits = objects.search(idx, q, limit=3, reread=reread, reread_top=2)
    assert len(reads) == 2  # only the most promising pictures are re-read
    assert hits and hits[0].key == "pic2" and hits[0].inliers > max(stored, 0)
    assert hits[0].inliers >= objects.CONFIDENT
    x, y, w, h = hits[0].box
    assert 1450 <= x <= 1560 and 860 <= y <= 960 and 1760 <= x + w <= 1840
    assert all(h.key == "pic2" for h in hits)
    # a file that is gone (reread gives None): the stored features still count
    gone = objects.search(idx, q, limit=3, reread=lambda key: None)
    plain = objects.search(idx, q, limit=3)
    assert [(h.key, h.inliers) for h in gone] == [(h.key, h.inliers) for h in plain]


def test_the_most_promising_files_are_reread_at_the_same_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two re-reads must be under way together: each waits for the other at a barrier,
    which breaks (and fails the search) when they are made one after the other."""
    import threading

    monkeypatch.setattr(objects, "REREAD_THREADS", 2)
    obj = _poster(21)
    idx, files = _small_object_index(tmp_path, obj, first_seed=600, pictures=3, holder=1)
    both = threading.Barrier(2, timeout=20)
    threads: set[str] = set()

    def reread(key: str) -> objects.DenseView | None:
        threads.add(threading.current_thread().name)
        both.wait()
        return objects.dense_view(files[key])

    hits = objects.search(idx, objects.query_from_image(obj), limit=3, reread=reread, reread_top=2)
    assert len(threads) == 2
    assert hits and hits[0].key == "pic1" and hits[0].inliers >= objects.CONFIDENT
