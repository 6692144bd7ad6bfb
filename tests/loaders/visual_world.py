"""Generated pictures and a two-country world for the visual pass's tests.

Rooms come from ``loaders/demo/scene3d.py`` (SCENE), signs from ``loaders/demo/signs.py``
(TEXT); everything is drawn in the test, nothing is fetched.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from graph import db, links
from loaders.demo import scene3d, signs
from loaders.media import MediaLoadOptions, load_media
from loaders.visual import remove_index

#: Two views of room 1 that show the same room from other places (no occluders, so that
#: the test depends on the room, not on the luck of where the grey blobs fall).
SAME_ROOM = (0, 3)
POSTER = 5


@cache
def room_view(room: int, view: int) -> bytes:
    r = scene3d.make_room(room)
    data, _ = scene3d.view_jpeg(r, view, occlusion=(0.0, 0.0), quality=(90, 95))
    return data


@cache
def poster_room(room: int) -> bytes:
    """A view of another room with the same mass-market poster hung large on its wall."""
    img = np.asarray(Image.open(_bio(room_view(room, 0))).convert("RGB")).copy()
    tex = scene3d.product_texture("poster", POSTER)
    h, w = img.shape[:2]
    th, tw = tex.shape[:2]
    scale = 0.45 * h / th
    dst_w, dst_h = tw * scale, th * scale
    x0 = 0.15 * w if room % 2 else 0.5 * w
    y0 = 0.2 * h
    skew = 0.06 * dst_h if room % 2 else -0.06 * dst_h
    src = np.float32([[0, 0], [tw, 0], [tw, th], [0, th]])
    dst = np.float32(
        [[x0, y0], [x0 + dst_w, y0 + skew], [x0 + dst_w, y0 + dst_h - skew], [x0, y0 + dst_h]]
    )
    H = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(tex, H, (w, h))
    mask = cv2.warpPerspective(np.ones((th, tw), np.uint8), H, (w, h)).astype(bool)
    img[mask] = warped[mask]
    return _jpeg(img)


def poster_crop() -> bytes:
    """The analyst's own picture of the poster (for object search)."""
    tex = scene3d.product_texture("poster", POSTER)
    return _jpeg(tex)


@cache
def sign(seed: int, lang: str) -> bytes:
    img, _ = signs.sign_picture(seed, lang)
    return _jpeg(np.asarray(img.convert("RGB")))


def tiny_png() -> bytes:
    """A 40x30 picture: too small to match anything."""
    import io

    ramp = np.add.outer(np.arange(30), np.arange(40)).astype(np.uint8) * 3
    buf = io.BytesIO()
    Image.fromarray(np.dstack([ramp, ramp[::-1], 255 - ramp])).save(buf, "PNG")
    return buf.getvalue()


def _bio(data: bytes):
    import io

    return io.BytesIO(data)


def _jpeg(arr: np.ndarray, quality: int = 92) -> bytes:
    import io

    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(data)
    return p


def fresh_world(driver) -> None:
    """An empty store with the schema, no visual index, and the two-country :func:`world`."""
    db.reset(driver, keep_audit=False)
    db.apply_schema(driver)
    remove_index()
    world(driver)


def world(driver) -> None:
    """Case C-FR (agency in France) investigates S-FR, case C-PL (Poland) S-PL."""
    db.write(
        driver,
        """
        UNWIND [['FR', 'France', 'C-FR', 'S-FR'], ['PL', 'Poland', 'C-PL', 'S-PL']] AS r
        MERGE (co:Country {code: r[0]}) SET co.name = r[1]
        MERGE (a:Agency {id: 'A-' + r[0]}) SET a.name = 'Agency ' + r[0]
        MERGE (a)-[:IN_COUNTRY]->(co)
        MERGE (c:Case {id: r[2]}) SET c.status = 'open', c.title = r[2]
        MERGE (c)-[:OWNED_BY]->(a)
        MERGE (s:Series {id: r[3]}) SET s.name = r[3], s.status = 'unidentified'
        MERGE (c)-[:INVESTIGATES]->(s)
        """,
        name="test.visual_world",
    )


def load(driver, folder: Path, case: str, series: str):
    rep = load_media(driver, folder, MediaLoadOptions(case_id=case, series_id=series, workers=1))
    assert not rep.errors, rep.error_lines()
    links.after_load(driver, rep)
    return rep


def pairs(driver, rel: str) -> set[tuple[str, str]]:
    """(sha256, sha256) of the media pairs joined by ``rel`` (SAME_SCENE or SHARES_OBJECT)."""
    q = {
        "SAME_SCENE": "MATCH (a:Media)-[:SAME_SCENE]->(b:Media) ",
        "SHARES_OBJECT": "MATCH (a:Media)-[:SHARES_OBJECT]->(b:Media) ",
    }[rel] + "RETURN a.sha256 AS a, b.sha256 AS b"
    return {(r["a"], r["b"]) for r in db.records(driver, q, name="test.pairs")}


def count(driver, query: str, **params) -> int:
    return db.records(driver, query, name="test.count", **params)[0]["c"]
