"""Synthetic rooms seen from several viewpoints, for scene/object matching tests and benches.

A room is a 3D box (walls, floor) holding textured planes: furniture faces, a window, a
shelf of books, a poster, a bed cover, a plant. A view is a pinhole camera somewhere in the
room (position, yaw up to +-30 degrees, pitch, zoom); every plane is drawn through its own
homography (``cv2.warpPerspective``) in painter's order, then the light and white balance
change, plain grey silhouettes and blobs cover 15-40 % of the frame, and the picture goes
through JPEG at quality 30-95. Everything is deterministic from the seeds.

Products (``poster``, ``cover``, ``wallpaper``) are drawn from a product id alone, so two
different rooms given the same product id hold the very same poster, bed cover or
wallpaper roll: the hard case for "same scene". ``hard=True`` rooms have plain or striped
walls and plain furniture. No people are drawn, only grey occluder shapes.

>>> room = make_room(3, hard=False)
>>> img, truth = view(room, 0)
>>> truth["room"], img.size
(3, (1280, 960))
"""

from __future__ import annotations

import io
import itertools
import math
import random
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

PX_PER_M = 260  # texture resolution
WALLPAPER_PERIOD = int(0.53 * PX_PER_M)  # a wallpaper roll repeats its motif every 53 cm
_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
_WORDS = ("NORD", "VELA", "KASA", "LUMO", "ORBIT", "PIXEL", "SOLA", "TERRA", "MIRA", "ZEN")


@dataclass
class Plane:
    name: str
    corners: np.ndarray  # (4, 3) top-left, top-right, bottom-right, bottom-left, metres
    tex: np.ndarray  # texture RGB uint8
    product: str | None = None  # e.g. "poster:17"


@dataclass
class Room:
    id: int
    hard: bool
    size: tuple[float, float, float]  # width (x), depth (z), height (y) in metres
    planes: list[Plane] = field(default_factory=list)
    products: dict[str, int] = field(default_factory=dict)
    focus: tuple[float, float, float] = (0.0, 0.0, 0.0)  # where photographers aim (the bed)


# ----------------------------------------------------------------------------- textures


def _rgb(rng: random.Random, lo: int = 40, hi: int = 230) -> tuple[int, int, int]:
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(_FONT, size)
    except OSError:
        return ImageFont.load_default(size=size)


def _noise(a: np.ndarray, rng: random.Random, amp: float) -> np.ndarray:
    g = np.random.default_rng(rng.randint(0, 2**31))
    n = g.normal(0, amp, a.shape[:2])[..., None]
    return np.clip(a.astype(np.float32) + n, 0, 255).astype(np.uint8)


def tex_plain(w: int, h: int, rng: random.Random, colour=None) -> np.ndarray:
    c = np.array(colour or _rgb(rng, 120, 235), np.float32)
    grad = np.linspace(1.04, 0.94, h, dtype=np.float32)[:, None, None]
    return _noise(np.broadcast_to(c * grad, (h, w, 3)), rng, 1.5)


def tex_stripes(w: int, h: int, rng: random.Random) -> np.ndarray:
    a, b = _rgb(rng, 120, 235), _rgb(rng, 90, 220)
    period = rng.randint(24, 70)
    img = Image.new("RGB", (w, h), a)
    d = ImageDraw.Draw(img)
    for x in range(0, w, period):
        d.rectangle([x, 0, x + period // 2, h], fill=b)
    return _noise(np.asarray(img), rng, 2)


def tex_pattern(w: int, h: int, rng: random.Random, period: int = 0) -> np.ndarray:
    """Bed cover, rug print: motifs with variety. ``period`` > 0: a wallpaper roll that
    repeats every ``period`` pixels, as real wallpaper does."""
    if period:
        tile = tex_pattern(period, period, rng)
        reps = (h // period + 1, w // period + 1, 1)
        return np.tile(tile, reps)[:h, :w].copy()
    bg = _rgb(rng, 90, 240)
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    cell = rng.randint(40, 90)
    cols = [_rgb(rng) for _ in range(4)]
    for y in range(0, h + cell, cell):
        for x in range(0, w + cell, cell):
            c = cols[(x // cell + 2 * (y // cell)) % 4]
            k = rng.randint(0, 3)
            r = rng.randint(cell // 5, cell // 2)
            if k == 0:
                d.ellipse([x - r, y - r, x + r, y + r], fill=c)
            elif k == 1:
                d.rectangle([x - r, y - r // 2, x + r, y + r // 2], fill=c)
            elif k == 2:
                d.polygon([(x, y - r), (x + r, y + r), (x - r, y + r)], fill=c)
            else:
                d.line([x - r, y - r, x + r, y + r], fill=c, width=max(2, r // 4))
    return _noise(np.asarray(img), rng, 3)


def tex_poster(w: int, h: int, rng: random.Random) -> np.ndarray:
    img = Image.new("RGB", (w, h), _rgb(rng, 150, 250))
    d = ImageDraw.Draw(img)
    for _ in range(rng.randint(8, 16)):
        x, y = rng.randint(0, w), rng.randint(0, h)
        r = rng.randint(w // 14, w // 4)
        shape = rng.randint(0, 2)
        box = [x - r, y - r, x + r, y + r]
        if shape == 0:
            d.ellipse(box, fill=_rgb(rng, 10, 250))
        elif shape == 1:
            d.rectangle(box, fill=_rgb(rng, 10, 250))
        else:
            d.polygon([(x, y - r), (x + r, y + r), (x - r, y + r)], fill=_rgb(rng, 10, 250))
    f = _font(max(12, w // 7))
    d.text((w // 12, h - h // 5), rng.choice(_WORDS), fill=_rgb(rng, 0, 80), font=f)
    d.rectangle([0, 0, w - 1, h - 1], outline=(20, 20, 20), width=max(2, w // 60))
    return np.asarray(img)


def tex_wood(w: int, h: int, rng: random.Random, plain: bool) -> np.ndarray:
    base = np.array(_rgb(rng, 60, 200), np.float32)
    img = np.broadcast_to(base, (h, w, 3)).copy()
    if not plain:
        g = np.random.default_rng(rng.randint(0, 2**31))
        rows = np.cumsum(g.normal(0, 1, h))[:, None]
        grain = np.sin(np.arange(w)[None, :] / rng.uniform(6, 14) + rows / 5) * 14
        img += grain[..., None]
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(pil)
    d.rectangle([0, 0, w - 1, h - 1], outline=tuple(int(v * 0.55) for v in base), width=4)
    n_doors = rng.randint(1, 3)
    for i in range(n_doors):  # drawer / door lines and handles
        x0 = i * w // n_doors
        d.line([x0, 0, x0, h], fill=tuple(int(v * 0.6) for v in base), width=3)
        hx, hy = x0 + w // n_doors - 18, h // 2
        d.rectangle([hx - 4, hy - 14, hx + 4, hy + 14], fill=(70, 70, 70))
    return _noise(np.asarray(pil), rng, 1.5)


def tex_books(w: int, h: int, rng: random.Random) -> np.ndarray:
    img = Image.new("RGB", (w, h), (110, 80, 50))
    d = ImageDraw.Draw(img)
    shelves = 4
    for s in range(shelves):
        y0, y1 = s * h // shelves + 6, (s + 1) * h // shelves - 4
        x = 4
        while x < w - 10:
            bw = rng.randint(8, 26)
            top = y0 + rng.randint(0, (y1 - y0) // 3)
            d.rectangle([x, top, x + bw, y1], fill=_rgb(rng, 20, 240))
            x += bw + rng.randint(0, 3)
        d.rectangle([0, y1, w, y1 + 6], fill=(80, 55, 30))
    return _noise(np.asarray(img), rng, 2)


def tex_window(w: int, h: int, rng: random.Random) -> np.ndarray:
    sky = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    top, bot = np.array([120, 170, 235.0]), np.array([210, 225, 245.0])
    img = Image.fromarray((top * (1 - sky) + bot * sky).repeat(w, axis=1).astype(np.uint8))
    d = ImageDraw.Draw(img)
    for _ in range(rng.randint(3, 8)):  # trees and roofs outside
        x, r = rng.randint(0, w), rng.randint(w // 12, w // 5)
        d.ellipse([x - r, h - 2 * r, x + r, h + r], fill=(40, rng.randint(90, 150), 50))
    frame = _rgb(rng, 200, 250)
    d.rectangle([0, 0, w - 1, h - 1], outline=frame, width=14)
    d.line([w // 2, 0, w // 2, h], fill=frame, width=10)
    d.line([0, h // 2, w, h // 2], fill=frame, width=8)
    return np.asarray(img)


def tex_plant(w: int, h: int, rng: random.Random) -> np.ndarray:
    img = Image.new("RGB", (w, h), (0, 0, 0))  # black = transparent
    d = ImageDraw.Draw(img)
    d.rectangle([w // 3, h * 3 // 4, w * 2 // 3, h - 1], fill=_rgb(rng, 120, 200))
    for _ in range(30):
        x, y = rng.randint(w // 6, w * 5 // 6), rng.randint(0, h * 3 // 4)
        r = rng.randint(w // 14, w // 7)
        d.ellipse([x - r, y - r // 2, x + r, y + r // 2], fill=(30, rng.randint(100, 180), 40))
    return np.asarray(img)


def tex_lamp(w: int, h: int, rng: random.Random) -> np.ndarray:
    img = Image.new("RGB", (w, h), (0, 0, 0))  # black = transparent
    d = ImageDraw.Draw(img)
    shade = _rgb(rng, 150, 250)
    d.polygon([(w * 0.2, 0), (w * 0.8, 0), (w - 1, h * 0.55), (0, h * 0.55)], fill=shade)
    d.rectangle([w * 0.45, h * 0.55, w * 0.55, h * 0.9], fill=(60, 60, 60))
    d.ellipse([w * 0.25, h * 0.85, w * 0.75, h - 1], fill=(50, 50, 50))
    return np.asarray(img)


def product_texture(kind: str, pid: int) -> np.ndarray:
    """The texture of a mass-market product: depends only on its kind and id."""
    rng = random.Random(f"{kind}:{pid}")
    if kind == "poster":
        return tex_poster(int(0.6 * PX_PER_M), int(0.85 * PX_PER_M), rng)
    if kind == "cover":
        return tex_pattern(int(1.4 * PX_PER_M), int(1.9 * PX_PER_M), rng)
    if kind == "wallpaper":
        return tex_pattern(int(5.5 * PX_PER_M), int(2.8 * PX_PER_M), rng, period=WALLPAPER_PERIOD)
    raise ValueError(f"unknown product kind {kind!r}")


# ----------------------------------------------------------------------------- rooms


def _rect(x0, y0, z0, x1, y1, z1) -> np.ndarray:
    """Vertical or horizontal rectangle: top-left, top-right, bottom-right, bottom-left."""
    if y0 == y1:  # horizontal (floor, bed top): "top" edge is the far one
        return np.array([[x0, y0, z1], [x1, y0, z1], [x1, y0, z0], [x0, y0, z0]], float)
    return np.array([[x0, y1, z0], [x1, y1, z1], [x1, y0, z1], [x0, y0, z0]], float)


def _box(room: Room, name: str, x0, z0, x1, z1, y0, y1, front, top, side) -> None:
    """A box standing in the room: front (towards the camera), top and both sides."""
    room.planes += [
        Plane(f"{name}_front", _rect(x0, y0, z0, x1, y1, z0), front),
        Plane(f"{name}_top", _rect(x0, y1, z0, x1, y1, z1), top),
        Plane(
            f"{name}_left", np.array([[x0, y1, z1], [x0, y1, z0], [x0, y0, z0], [x0, y0, z1]]), side
        ),
        Plane(
            f"{name}_right",
            np.array([[x1, y1, z0], [x1, y1, z1], [x1, y0, z1], [x1, y0, z0]]),
            side,
        ),
    ]


def make_room(room_id: int, hard: bool = False, products: dict[str, int] | None = None) -> Room:
    """A furnished bedroom. ``products`` maps kind -> product id of shared mass-market items
    (``poster``, ``cover``, ``wallpaper``); everything else is drawn from the room's seed."""
    rng = random.Random(f"room:{room_id}")
    products = dict(products or {})
    W, D, H = rng.uniform(3.4, 4.6), rng.uniform(3.8, 5.0), rng.uniform(2.4, 2.7)
    room = Room(room_id, hard, (W, D, H), products=products)

    def tex(wm: float, hm: float, fn) -> np.ndarray:
        return fn(max(16, int(wm * PX_PER_M)), max(16, int(hm * PX_PER_M)), rng)

    def plain(wm: float, hm: float) -> np.ndarray:
        return tex(wm, hm, tex_plain)

    def wood(wm: float, hm: float, flat: bool = hard) -> np.ndarray:
        return tex(wm, hm, lambda w, h, r: tex_wood(w, h, r, plain=flat))

    def fabric(wm: float, hm: float) -> np.ndarray:
        return plain(wm, hm) if hard else tex(wm, hm, tex_pattern)

    def wall_tex(wm: float) -> np.ndarray:
        if "wallpaper" in products:
            t = product_texture("wallpaper", products["wallpaper"])
            return t[:, : max(16, int(wm * PX_PER_M))].copy()
        if hard:
            return tex(wm, H, tex_stripes if rng.random() < 0.5 else tex_plain)
        if rng.random() < 0.5:
            return tex(wm, H, lambda w, h, r: tex_pattern(w, h, r, period=WALLPAPER_PERIOD))
        return tex(wm, H, tex_stripes if rng.random() < 0.5 else tex_plain)

    side_wall = plain if hard or rng.random() < 0.5 else (lambda a, b: tex(a, b, tex_stripes))
    room.planes += [
        Plane(
            "ceiling",
            np.array([[0, H, 0], [W, H, 0], [W, H, D], [0, H, D]], float),
            tex(W, D, lambda w, h, r: tex_plain(w, h, r, (235, 235, 228))),
        ),
        Plane("back", _rect(0, 0, D, W, H, D), wall_tex(W), _prod(products, "wallpaper")),
        Plane(
            "left",
            np.array([[0, H, 0], [0, H, D], [0, 0, D], [0, 0, 0]], float),
            wall_tex(D) if "wallpaper" in products else side_wall(D, H),
        ),
        Plane(
            "right", np.array([[W, H, D], [W, H, 0], [W, 0, 0], [W, 0, D]], float), side_wall(D, H)
        ),
        Plane("floor", _rect(0, 0, 0, W, 0, D), wood(W, D, flat=hard and rng.random() < 0.5)),
    ]
    # rug in the middle of the floor
    rx, rz = rng.uniform(0.6, W - 2.4), rng.uniform(0.8, D - 3.2)
    room.planes.append(
        Plane("rug", _rect(rx, 0.005, rz, rx + 1.8, 0.005, rz + 1.3), fabric(1.8, 1.3))
    )
    # bed against the back wall: headboard, cover on top, pillows, front
    bx = rng.uniform(0.3, W - 1.8)
    bz0, bz1 = D - 2.0, D - 0.02
    room.focus = (bx + 0.7, 0.8, D - 0.6)
    cover = product_texture("cover", products["cover"]) if "cover" in products else fabric(1.4, 1.9)
    room.planes.append(
        Plane("headboard", _rect(bx - 0.05, 0, D - 0.01, bx + 1.45, 1.1, D - 0.01), wood(1.5, 1.1))
    )
    room.planes.append(
        Plane("cover", _rect(bx, 0.5, bz0, bx + 1.4, 0.5, bz1), cover, _prod(products, "cover"))
    )
    room.planes.append(Plane("bed_front", _rect(bx, 0, bz0, bx + 1.4, 0.5, bz0), wood(1.4, 0.5)))
    for k in range(2):
        room.planes.append(
            Plane(
                f"pillow{k}",
                _rect(bx + 0.1 + 0.65 * k, 0.62, D - 0.5, bx + 0.6 + 0.65 * k, 0.62, D - 0.1),
                fabric(0.5, 0.4),
            )
        )
    # nightstand with a lamp beside the bed
    nx = bx + 1.55 if bx + 2.1 < W else bx - 0.6
    _box(
        room,
        "nightstand",
        nx,
        D - 0.5,
        nx + 0.45,
        D - 0.05,
        0,
        0.55,
        wood(0.45, 0.55),
        wood(0.45, 0.45),
        wood(0.45, 0.55),
    )
    room.planes.append(
        Plane(
            "lamp",
            _rect(nx + 0.05, 0.56, D - 0.3, nx + 0.4, 1.0, D - 0.3),
            tex(0.35, 0.44, tex_lamp),
        )
    )
    # window with curtains on the back wall, poster beside it
    wx = rng.uniform(0.3, W - 1.4)
    room.planes.append(
        Plane(
            "window", _rect(wx, 1.0, D - 0.01, wx + 1.0, 2.1, D - 0.01), tex(1.0, 1.1, tex_window)
        )
    )
    for k, cx in enumerate((wx - 0.35, wx + 1.0)):
        room.planes.append(
            Plane(
                f"curtain{k}", _rect(cx, 0.7, D - 0.04, cx + 0.35, 2.3, D - 0.04), fabric(0.35, 1.6)
            )
        )
    px = wx + 1.5 if wx + 2.2 < W else max(0.1, wx - 1.1)
    poster = (
        product_texture("poster", products["poster"])
        if "poster" in products
        else tex(0.6, 0.85, tex_poster)
    )
    room.planes.append(
        Plane(
            "poster",
            _rect(px, 1.25, D - 0.03, px + 0.6, 2.1, D - 0.03),
            poster,
            _prod(products, "poster"),
        )
    )
    # shelf and a framed picture on the left wall, chest of drawers and a door on the right
    sz = rng.uniform(1.0, D - 1.6)
    room.planes.append(
        Plane(
            "shelf",
            np.array([[0.3, 1.8, sz], [0.3, 1.8, sz + 1.1], [0.3, 0.1, sz + 1.1], [0.3, 0.1, sz]]),
            wood(1.1, 1.7) if hard else tex(1.1, 1.7, tex_books),
        )
    )
    fz = sz - 0.9 if sz > 1.5 else sz + 1.4
    room.planes.append(
        Plane(
            "frame",
            np.array(
                [[0.02, 1.9, fz], [0.02, 1.9, fz + 0.5], [0.02, 1.3, fz + 0.5], [0.02, 1.3, fz]]
            ),
            plain(0.5, 0.6) if hard else tex(0.5, 0.6, tex_poster),
        )
    )
    cz = rng.uniform(1.2, D - 1.3)
    room.planes.append(
        Plane(
            "chest_front",
            np.array(
                [
                    [W - 0.5, 0.9, cz + 1.0],
                    [W - 0.5, 0.9, cz],
                    [W - 0.5, 0, cz],
                    [W - 0.5, 0, cz + 1.0],
                ]
            ),
            wood(1.0, 0.9),
        )
    )
    room.planes.append(
        Plane(
            "chest_top",
            np.array(
                [[W, 0.9, cz + 1.0], [W, 0.9, cz], [W - 0.5, 0.9, cz], [W - 0.5, 0.9, cz + 1.0]]
            ),
            wood(1.0, 0.5),
        )
    )
    room.planes.append(
        Plane(
            "door",
            np.array(
                [[W - 0.01, 2.0, 0.9], [W - 0.01, 2.0, 0.1], [W - 0.01, 0, 0.1], [W - 0.01, 0, 0.9]]
            ),
            wood(0.8, 2.0, flat=True),
        )
    )
    room.planes.append(
        Plane("plant", _rect(0.3, 0, D - 0.6, 0.9, 1.0, D - 0.6), tex(0.6, 1.0, tex_plant))
    )
    return room


def _prod(products: dict[str, int], kind: str) -> str | None:
    return f"{kind}:{products[kind]}" if kind in products else None


# ----------------------------------------------------------------------------- views


def _camera(room: Room, rng: random.Random, size: tuple[int, int]):
    W, D, H = room.size
    pos = np.array([rng.uniform(0.5, W - 0.5), rng.uniform(1.1, 1.7), rng.uniform(0.15, 0.3 * D)])
    # aim at a point of the far half of the room, so that views of one room overlap
    aim = np.array(room.focus) + np.array([rng.uniform(-0.5, 0.5), rng.uniform(-0.2, 0.4), 0])
    dx, dy, dz = aim - pos
    yaw = math.atan2(dx, dz) + math.radians(rng.uniform(-6, 6))
    pitch = math.atan2(dy, math.hypot(dx, dz)) + math.radians(rng.uniform(-5, 5))
    fov = math.radians(rng.uniform(55, 80))
    f = size[0] / (2 * math.tan(fov / 2))
    K = np.array([[f, 0, size[0] / 2], [0, f, size[1] / 2], [0, 0, 1]])
    cy, sy, cp, sp = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch)
    Ry = np.array([[cy, 0, -sy], [0, 1, 0], [sy, 0, cy]])
    Rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    flip = np.diag([1.0, -1.0, 1.0])  # world y up -> image y down
    R = flip @ Rx @ Ry
    return K, R, pos


def _clip_near(cam: np.ndarray, near: float = 0.15) -> np.ndarray:
    out = []
    n = len(cam)
    for i in range(n):
        p, q = cam[i], cam[(i + 1) % n]
        if p[2] >= near:
            out.append(p)
        if (p[2] >= near) != (q[2] >= near):
            t = (near - p[2]) / (q[2] - p[2])
            out.append(p + t * (q - p))
    return np.array(out)


def _render(room: Room, K, R, pos, size) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    w, h = size
    canvas = np.zeros((h, w, 3), np.uint8)
    owner = np.full((h, w), -1, np.int16)
    order = sorted(
        range(len(room.planes)),
        key=lambda i: -np.linalg.norm(room.planes[i].corners.mean(axis=0) - pos),
    )
    for i in order:
        pl = room.planes[i]
        cam = (R @ (pl.corners - pos).T).T
        poly = _clip_near(cam)
        if len(poly) < 3:
            continue
        img_pts = (K @ poly.T).T
        img_pts = img_pts[:, :2] / img_pts[:, 2:3]
        img_pts = np.clip(img_pts, -20 * max(w, h), 20 * max(w, h))
        tex = pl.tex
        th, tw = tex.shape[:2]
        # mip-map: shrink the texture to about its size on screen (a camera integrates
        # light over each pixel; point sampling would alias fine patterns into moire)
        vis = img_pts
        area = abs(cv2.contourArea(vis.astype(np.float32)))
        if area > 0:
            f = math.sqrt(area / (tw * th)) * 1.5
            if f < 0.9:
                tex = cv2.resize(
                    tex, (max(2, int(tw * f)), max(2, int(th * f))), interpolation=cv2.INTER_AREA
                )
        M = _plane_homography(pl.corners, R, pos, K, tw, th)
        M = M @ np.diag([tw / tex.shape[1], th / tex.shape[0], 1.0])
        warped = cv2.warpPerspective(tex, M, (w, h), flags=cv2.INTER_LINEAR)
        mask = np.zeros((h, w), np.uint8)
        cv2.fillPoly(mask, [np.round(img_pts).astype(np.int32)], 1)
        m = mask.astype(bool)
        if pl.name in ("plant", "lamp"):
            m &= warped.sum(axis=2) > 0
        canvas[m] = warped[m]
        owner[m] = i
    return canvas, {room.planes[i].name: owner == i for i in range(len(room.planes))}


def _plane_homography(corners, R, pos, K, tw, th) -> np.ndarray:
    o, ex, ey = corners[0], corners[1] - corners[0], corners[3] - corners[0]
    A = np.column_stack([ex / tw, ey / th, o - pos])  # plane coords (u, v, 1) -> world - pos
    return K @ R @ A


def _occlude(img: np.ndarray, rng: random.Random, target: float) -> np.ndarray:
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    out = img.copy()
    tries = 0
    while mask.mean() < target and tries < 40:
        tries += 1
        g = rng.randint(60, 170)
        layer = np.zeros((h, w), np.uint8)
        if rng.random() < 0.6:  # plain grey silhouette: head and rounded body
            cx, s = rng.randint(0, w), rng.uniform(0.25, 0.6) * h
            top = rng.randint(int(h * 0.1), int(h * 0.6))
            r = int(s * 0.13)
            cv2.circle(layer, (cx, top + r), r, 1, -1)
            cv2.ellipse(
                layer,
                (cx, int(top + 2 * r + s * 0.5)),
                (int(s * 0.28), int(s * 0.55)),
                0,
                0,
                360,
                1,
                -1,
            )
        else:
            cv2.ellipse(
                layer,
                (rng.randint(0, w), rng.randint(0, h)),
                (rng.randint(w // 12, w // 4), rng.randint(h // 12, h // 4)),
                rng.uniform(0, 180),
                0,
                360,
                1,
                -1,
            )
        out[layer.astype(bool)] = g
        mask |= layer
    return out


def view(
    room: Room,
    i: int,
    size: tuple[int, int] = (1280, 960),
    occlusion: tuple[float, float] = (0.15, 0.40),
    quality: tuple[int, int] = (30, 95),
) -> tuple[Image.Image, dict]:
    """The i-th photo of a room (a decoded JPEG) and its truth.

    Truth: ``room``, ``view``, ``products`` (ids of the room's shared products),
    ``visible`` (product -> fraction of the frame it shows, after occluders),
    ``boxes`` (product -> x, y, w, h), ``occluded``, ``quality``.
    """
    data, truth = view_jpeg(room, i, size, occlusion, quality)
    return Image.open(io.BytesIO(data)).convert("RGB"), truth


def view_jpeg(
    room: Room,
    i: int,
    size: tuple[int, int] = (1280, 960),
    occlusion: tuple[float, float] = (0.15, 0.40),
    quality: tuple[int, int] = (30, 95),
) -> tuple[bytes, dict]:
    shot = _shoot(room, i, size, occlusion, quality)
    buf = io.BytesIO()
    Image.fromarray(shot.image).save(buf, format="JPEG", quality=shot.quality)
    visible, boxes = {}, {}
    for pl in room.planes:
        if pl.product:
            m = shot.owners[pl.name] & ~shot.hidden
            visible[pl.product] = round(float(m.mean()), 4)
            if m.any():
                ys, xs = np.nonzero(m)
                boxes[pl.product] = (
                    int(xs.min()),
                    int(ys.min()),
                    int(xs.max() - xs.min() + 1),
                    int(ys.max() - ys.min() + 1),
                )
    truth = {
        "room": room.id,
        "view": i,
        "hard": room.hard,
        "products": sorted(f"{k}:{v}" for k, v in room.products.items()),
        "visible": visible,
        "boxes": boxes,
        "occluded": round(float(shot.hidden.mean()), 3),
        "quality": shot.quality,
    }
    return buf.getvalue(), truth


@dataclass
class _Shot:
    image: np.ndarray  # the photo before JPEG (light, white balance, occluders applied)
    owners: dict[str, np.ndarray]  # plane name -> pixels it covers (before occluders)
    hidden: np.ndarray  # pixels hidden by people in front
    quality: int  # JPEG quality drawn for it
    K: np.ndarray
    R: np.ndarray
    pos: np.ndarray


def _shoot(
    room: Room,
    i: int,
    size: tuple[int, int],
    occlusion: tuple[float, float],
    quality: tuple[int, int],
) -> _Shot:
    """The i-th photo of a room before JPEG, with what the renderer knows about it (the
    random draws, in order, make the photo: camera, light, occluders, JPEG quality)."""
    rng = random.Random(f"view:{room.id}:{i}")
    K, R, pos = _camera(room, rng, size)
    img, owners = _render(room, K, R, pos, size)
    # light and white balance
    gain = rng.uniform(0.65, 1.3)
    wb = np.array([rng.uniform(0.85, 1.15), 1.0, rng.uniform(0.85, 1.15)], np.float32)
    gamma = rng.uniform(0.85, 1.15)
    f = (img.astype(np.float32) / 255) ** gamma * gain * wb
    img = np.clip(f * 255, 0, 255).astype(np.uint8)
    occ_target = rng.uniform(*occlusion) if occlusion[1] > 0 else 0.0
    before = img.copy()
    img = _occlude(img, rng, occ_target) if occ_target > 0 else img
    hidden = (img != before).any(axis=2)
    q = rng.randint(*quality)
    return _Shot(img, owners, hidden, q, K, R, pos)


def shared_view(
    room: Room,
    views: list[int],
    size: tuple[int, int] = (1280, 960),
    occlusion: tuple[float, float] = (0.15, 0.40),
    step: int = 8,
) -> dict[tuple[int, int], float]:
    """How much of the room two photos of it both show, per pair of the given views: of
    the smaller of the two, the share of the pixels (sampled every ``step``) that show a
    surface of the room, not hidden by a person in front, whose point is also seen, not
    hidden, in the other photo. Shared products (poster, bed cover, wallpaper roll) are
    left out: two photos that share only the product cannot tell the room from another
    room with the same product, whatever the matcher. The generator's truth, for the bench
    (recall by how much of the room a pair has in common)."""
    shots = {v: _shoot(room, v, size, occlusion, (30, 95)) for v in views}
    w, h = size
    ys, xs = np.mgrid[step // 2 : h : step, step // 2 : w : step]
    grid = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)]).astype(np.float64)
    gx, gy = xs.ravel(), ys.ravel()
    out: dict[tuple[int, int], float] = {}
    for a, b in itertools.combinations(views, 2):
        shares = []
        for s, t in ((shots[a], shots[b]), (shots[b], shots[a])):
            seen = ~s.hidden[gy, gx]
            both = np.zeros(gx.size, bool)
            for pl in room.planes:
                if pl.product:
                    continue
                on = s.owners[pl.name][gy, gx] & seen
                if not on.any():
                    continue
                th, tw = pl.tex.shape[:2]
                Ms = _plane_homography(pl.corners, s.R, s.pos, s.K, tw, th)
                Mt = _plane_homography(pl.corners, t.R, t.pos, t.K, tw, th)
                q = Mt @ np.linalg.solve(Ms, grid[:, on])
                ok = q[2] > 1e-9
                u = np.where(ok, q[0] / np.where(ok, q[2], 1), -1)
                v = np.where(ok, q[1] / np.where(ok, q[2], 1), -1)
                ok &= (u >= 0) & (u < w) & (v >= 0) & (v < h)
                ui, vi = u[ok].astype(int), v[ok].astype(int)
                hit = np.zeros(ok.size, bool)
                hit[ok] = t.owners[pl.name][vi, ui] & ~t.hidden[vi, ui]
                idx = np.flatnonzero(on)
                both[idx[hit]] = True
            shares.append(float(both.sum()) / gx.size)
        out[(a, b)] = round(min(shares), 4)
    return out
