"""Procedural drawing of benign synthetic rooms, and the transforms that make near-duplicates.

A room is drawn once on a 1600x1200 canvas: walls, floor, window, door, furniture, posters
with text and logos, a wall socket and a switch of the national type, shop products. Each
photo of a series is a view of that canvas: a crop from a slightly different position,
a small tilt, a change of exposure and sensor noise. No people are ever drawn.

Every function is deterministic for a given ``random.Random`` / seed, so the same world
seed gives byte-identical files (fixed JPEG settings, no wall clock).
"""

from __future__ import annotations

import hashlib
import io
import math
import random
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import numpy as np
import piexif
from PIL import Image, ImageDraw, ImageFont, ImageOps

from .vocab import CountryInfo

W, H = 1600, 1200
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)

RGB = tuple[int, int, int]


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (covers the accents of every demo language), else Pillow's own font."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for d in _FONT_DIRS:
        p = d / name
        if p.exists():
            return ImageFont.truetype(str(p), size)
    return ImageFont.load_default(size=size)


def _shade(c: RGB, f: float) -> RGB:
    return tuple(max(0, min(255, int(round(v * f)))) for v in c)  # type: ignore[return-value]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _hsv(
    rng: random.Random, h: tuple[float, float], s: tuple[float, float], v: tuple[float, float]
) -> RGB:
    import colorsys

    r, g, b = colorsys.hsv_to_rgb(rng.uniform(*h) % 1.0, rng.uniform(*s), rng.uniform(*v))
    return (int(r * 255), int(g * 255), int(b * 255))


def _text_w(
    draw: ImageDraw.ImageDraw, text: str, f: ImageFont.ImageFont | ImageFont.FreeTypeFont
) -> int:
    x0, _, x1, _ = draw.textbbox((0, 0), text, font=f)
    return int(x1 - x0)


def _fit_font(draw: ImageDraw.ImageDraw, text: str, max_w: int, size: int, bold: bool = True):
    while size > 10:
        f = font(size, bold)
        if _text_w(draw, text, f) <= max_w:
            return f
        size -= 2
    return font(10, bold)


def logo_design(name: str) -> tuple[str, RGB, RGB]:
    """A fixed (shape, colour, background) per logo name: the same logo looks the same anywhere."""
    h = hashlib.sha256(name.encode()).digest()
    shapes = ("circle", "triangle", "star", "wave", "bars", "diamond", "ring", "sun")
    fg = (60 + h[1] % 180, 40 + h[2] % 200, 40 + h[3] % 200)
    bg = (230 - h[4] % 60, 225 - h[5] % 50, 210 - h[6] % 60)
    return shapes[h[0] % len(shapes)], fg, bg


def draw_logo(
    draw: ImageDraw.ImageDraw, shape: str, box: tuple[int, int, int, int], fg: RGB, bg: RGB
) -> None:
    x0, y0, x1, y1 = box
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, min(x1 - x0, y1 - y0) / 2
    if shape == "circle":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fg)
        draw.ellipse((cx - r * 0.45, cy - r * 0.45, cx + r * 0.45, cy + r * 0.45), fill=bg)
    elif shape == "triangle":
        draw.polygon([(cx, cy - r), (cx + r, cy + r * 0.8), (cx - r, cy + r * 0.8)], fill=fg)
    elif shape == "star":
        pts = []
        for i in range(10):
            rr = r if i % 2 == 0 else r * 0.42
            a = -math.pi / 2 + i * math.pi / 5
            pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
        draw.polygon(pts, fill=fg)
    elif shape == "wave":
        for k in range(3):
            yy = cy - r * 0.5 + k * r * 0.5
            pts = [
                (cx - r + t * 2 * r / 20, yy + math.sin(t / 20 * 2 * math.pi) * r * 0.2)
                for t in range(21)
            ]
            draw.line(pts, fill=fg, width=max(3, int(r * 0.18)))
    elif shape == "bars":
        bw = 2 * r / 7
        for k in range(4):
            hh = r * (0.6 + 0.35 * k)
            xx = cx - r + k * 2 * bw
            draw.rectangle((xx, cy + r - hh * 1.3, xx + bw, cy + r), fill=fg)
    elif shape == "diamond":
        draw.polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], fill=fg)
        draw.polygon(
            [(cx, cy - r * 0.4), (cx + r * 0.4, cy), (cx, cy + r * 0.4), (cx - r * 0.4, cy)],
            fill=bg,
        )
    elif shape == "ring":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=fg, width=max(4, int(r * 0.22)))
        draw.line((cx - r, cy + r, cx + r, cy - r), fill=fg, width=max(3, int(r * 0.12)))
    else:  # sun
        for k in range(12):
            a = k * math.pi / 6
            draw.line(
                (cx, cy, cx + r * math.cos(a), cy + r * math.sin(a)),
                fill=fg,
                width=max(3, int(r * 0.1)),
            )
        draw.ellipse((cx - r * 0.55, cy - r * 0.55, cx + r * 0.55, cy + r * 0.55), fill=fg)


@dataclass(slots=True)
class Poster:
    x: int
    y: int
    w: int
    h: int
    title: str
    sub: str
    shape: str
    fg: RGB
    bg: RGB
    rare: bool = False


@dataclass(slots=True)
class RoomSpec:
    """Everything needed to redraw one room; built from a seeded ``random.Random``."""

    seed: int
    country: CountryInfo
    wall: RGB
    pattern: str
    pattern_colour: RGB
    ceiling_y: int
    floor_y: int
    side: str  # "left" | "right" | "none"
    corner_x: int
    floor_kind: str
    floor_colour: RGB
    window: tuple[int, int, int, int] | None
    sky: RGB
    curtain: RGB
    door: tuple[int, int, int, int] | None
    door_colour: RGB
    posters: list[Poster] = field(default_factory=list)
    furniture: list[tuple[str, int, int, RGB]] = field(
        default_factory=list
    )  # kind, x, width, colour
    socket_xy: tuple[int, int] = (800, 900)
    switch_xy: tuple[int, int] = (900, 500)
    shop: str = ""
    product: str = ""
    bag_colour: RGB = (200, 180, 150)
    year: int = 2021

    @classmethod
    def build(
        cls,
        seed: int,
        country: CountryInfo,
        *,
        white_wall: bool = False,
        logos: tuple[str, ...] = (),
        shop: str | None = None,
        year: int = 2021,
    ) -> RoomSpec:
        rng = random.Random(seed)
        if white_wall:
            wall = _hsv(rng, (0.05, 0.15), (0.0, 0.04), (0.90, 0.97))
        else:
            wall = _hsv(rng, (0.0, 1.0), (0.12, 0.55), (0.45, 0.92))
        pattern = (
            "plain"
            if white_wall
            else rng.choice(("plain", "plain", "stripes", "dots", "diamonds", "panels"))
        )
        floor_y = rng.randint(690, 880)
        side = rng.choice(("left", "right", "none"))
        corner_x = (
            rng.randint(120, 330)
            if side == "left"
            else (W - rng.randint(120, 330) if side == "right" else 0)
        )
        floor_kind = rng.choice(("planks", "tiles", "carpet", "planks"))
        if floor_kind == "planks":
            floor_colour = _hsv(rng, (0.05, 0.1), (0.35, 0.7), (0.35, 0.75))
        elif floor_kind == "tiles":
            floor_colour = _hsv(rng, (0.0, 1.0), (0.0, 0.25), (0.55, 0.9))
        else:
            floor_colour = _hsv(rng, (0.0, 1.0), (0.2, 0.6), (0.25, 0.7))
        lo = corner_x + 40 if side == "left" else 40
        hi = corner_x - 40 if side == "right" else W - 40
        spec = cls(
            seed=seed,
            country=country,
            wall=wall,
            pattern=pattern,
            pattern_colour=_shade(wall, rng.choice((0.85, 0.9, 1.1))),
            ceiling_y=rng.randint(30, 120),
            floor_y=floor_y,
            side=side,
            corner_x=corner_x,
            floor_kind=floor_kind,
            floor_colour=floor_colour,
            window=None,
            sky=rng.choice(((135, 185, 235), (170, 190, 205), (40, 50, 85), (200, 215, 230))),
            curtain=_hsv(rng, (0.0, 1.0), (0.3, 0.8), (0.3, 0.85)),
            door=None,
            door_colour=_hsv(rng, (0.05, 0.12), (0.1, 0.6), (0.4, 0.95)),
            shop=shop or rng.choice(country.shops),
            product=rng.choice(country.products),
            bag_colour=_hsv(rng, (0.0, 1.0), (0.2, 0.7), (0.5, 0.95)),
            year=year,
        )
        # Back-wall items packed left to right: window, door, posters (rare logos first).
        items: list[tuple[str, int]] = []
        if rng.random() < 0.8:
            items.append(("window", rng.randint(260, 420)))
        if rng.random() < 0.35:
            items.append(("door", rng.randint(200, 250)))
        for logo in logos:
            items.append(("rare:" + logo, rng.randint(200, 250)))
        for _ in range(rng.randint(1, 3)):
            items.append(("poster", rng.randint(130, 240)))
        rng.shuffle(items)
        x = lo + rng.randint(10, 120)
        for kind, w in items:
            if x + w > hi:
                if kind.startswith("rare:"):  # a rare logo must be visible: squeeze it in
                    x = max(lo, hi - w)
                else:
                    continue
            if kind == "window":
                top = rng.randint(spec.ceiling_y + 60, spec.ceiling_y + 200)
                spec.window = (x, top, x + w, min(floor_y - 160, top + rng.randint(260, 420)))
            elif kind == "door":
                spec.door = (x, floor_y - rng.randint(520, 600), x + w, floor_y)
            else:
                ph = int(w * rng.uniform(1.2, 1.45))
                py = rng.randint(spec.ceiling_y + 60, max(spec.ceiling_y + 61, floor_y - ph - 260))
                if kind.startswith("rare:"):
                    name = kind[5:]
                    shape, fg, bg = logo_design(name)
                    spec.posters.append(Poster(x, py, w, ph, name, "", shape, fg, bg, rare=True))
                else:
                    shape = rng.choice(
                        ("circle", "triangle", "star", "wave", "bars", "diamond", "ring", "sun")
                    )
                    fg = _hsv(rng, (0.0, 1.0), (0.5, 1.0), (0.3, 0.9))
                    bg = _hsv(rng, (0.0, 1.0), (0.05, 0.5), (0.6, 1.0))
                    title = rng.choice(country.headlines)
                    sub = f"{rng.randint(1, 28)} {rng.choice(country.months)} {year}"
                    spec.posters.append(Poster(x, py, w, ph, title, sub, shape, fg, bg))
            x += w + rng.randint(40, 160)
        # Furniture in front of the wall.
        kinds = ["bed", "wardrobe", "table", "shelf", "sofa", "desk", "chest", "plant", "lamp"]
        rng.shuffle(kinds)
        fx = lo + rng.randint(0, 80)
        for kind in kinds[: rng.randint(2, 4)]:
            fw = {
                "bed": 520,
                "wardrobe": 300,
                "table": 300,
                "shelf": 260,
                "sofa": 480,
                "desk": 360,
            }.get(kind, 200 if kind == "chest" else 110)
            fw = int(fw * rng.uniform(0.85, 1.15))
            if fx + fw > hi:
                break
            spec.furniture.append((kind, fx, fw, _hsv(rng, (0.0, 1.0), (0.15, 0.7), (0.25, 0.85))))
            fx += fw + rng.randint(30, 160)
        spec.socket_xy = (
            rng.randint(int(lo + 0.3 * (hi - lo)), int(lo + 0.7 * (hi - lo))),
            floor_y - rng.randint(60, 110),
        )
        spec.switch_xy = (rng.randint(lo + 60, hi - 60), floor_y - rng.randint(360, 420))
        return spec


# ---------------------------------------------------------------- drawing a room


def _draw_wall(d: ImageDraw.ImageDraw, s: RoomSpec) -> None:
    d.rectangle((0, 0, W, s.floor_y), fill=s.wall)
    if s.pattern == "stripes":
        for x in range(0, W, 60):
            d.rectangle((x, s.ceiling_y, x + 24, s.floor_y), fill=s.pattern_colour)
    elif s.pattern == "dots":
        for y in range(s.ceiling_y + 30, s.floor_y, 70):
            for x in range(20 + (y // 70 % 2) * 35, W, 70):
                d.ellipse((x - 7, y - 7, x + 7, y + 7), fill=s.pattern_colour)
    elif s.pattern == "diamonds":
        for y in range(s.ceiling_y, s.floor_y, 90):
            for x in range(0, W, 90):
                d.polygon(
                    [(x + 45, y), (x + 90, y + 45), (x + 45, y + 90), (x, y + 45)],
                    outline=s.pattern_colour,
                    width=3,
                )
    elif s.pattern == "panels":
        py = s.floor_y - 330
        d.rectangle((0, py, W, py + 14), fill=_shade(s.wall, 0.8))
        for x in range(30, W, 220):
            d.rectangle((x, py + 40, x + 170, s.floor_y - 40), outline=s.pattern_colour, width=4)
    d.rectangle((0, 0, W, s.ceiling_y), fill=_shade(s.wall, 1.12))
    d.line((0, s.ceiling_y, W, s.ceiling_y), fill=_shade(s.wall, 0.8), width=4)


def _draw_floor(d: ImageDraw.ImageDraw, s: RoomSpec) -> None:
    fy = s.floor_y
    d.rectangle((0, fy, W, H), fill=s.floor_colour)
    vx = W / 2
    if s.floor_kind == "planks":
        for k in range(-14, 15):
            d.line((vx + k * 60, fy, vx + k * 190, H), fill=_shade(s.floor_colour, 0.78), width=3)
        for y in (fy + 70, fy + 170, fy + 300):
            if y < H:
                d.line((0, y, W, y), fill=_shade(s.floor_colour, 0.85), width=2)
    elif s.floor_kind == "tiles":
        for k in range(-12, 13):
            d.line((vx + k * 80, fy, vx + k * 260, H), fill=_shade(s.floor_colour, 0.7), width=3)
        y, step = fy, 40
        while y < H:
            d.line((0, y, W, y), fill=_shade(s.floor_colour, 0.7), width=3)
            step = int(step * 1.35)
            y += step
    d.rectangle((0, fy - 26, W, fy), fill=_shade(s.wall, 0.7))  # skirting board


def _draw_side_wall(d: ImageDraw.ImageDraw, s: RoomSpec) -> None:
    if s.side == "none":
        return
    cx, cy, fy = s.corner_x, s.ceiling_y, s.floor_y
    edge = 0 if s.side == "left" else W
    shade = _shade(s.wall, 0.78)
    d.polygon([(cx, cy), (edge, cy - 160), (edge, fy + 260), (cx, fy)], fill=shade)
    d.polygon([(cx, cy), (edge, cy - 160), (edge, 0), (cx, 0)], fill=_shade(s.wall, 0.95))
    d.line((cx, cy, cx, fy), fill=_shade(s.wall, 0.6), width=3)
    d.polygon([(cx, fy), (edge, fy + 260), (edge, H), (cx, H)], fill=_shade(s.floor_colour, 0.9))


def _draw_window(d: ImageDraw.ImageDraw, s: RoomSpec) -> None:
    if not s.window:
        return
    x0, y0, x1, y1 = s.window
    for i in range(y0, y1, 6):  # sky gradient
        d.rectangle(
            (x0, i, x1, min(y1, i + 6)),
            fill=_mix(s.sky, (255, 255, 255), (i - y0) / max(1, y1 - y0) * 0.35),
        )
    hz = y0 + int((y1 - y0) * 0.72)
    d.polygon(
        [
            (x0, hz),
            (x0 + (x1 - x0) * 0.3, hz - 40),
            (x0 + (x1 - x0) * 0.6, hz - 10),
            (x1, hz - 50),
            (x1, y1),
            (x0, y1),
        ],
        fill=_mix(s.sky, (40, 70, 40), 0.7),
    )
    frame = (245, 245, 240)
    d.rectangle((x0, y0, x1, y1), outline=frame, width=12)
    d.line(((x0 + x1) / 2, y0, (x0 + x1) / 2, y1), fill=frame, width=10)
    d.line((x0, (y0 + y1) / 2, x1, (y0 + y1) / 2), fill=frame, width=8)
    d.rectangle((x0 - 20, y1, x1 + 20, y1 + 18), fill=_shade(frame, 0.9))
    cw = int((x1 - x0) * 0.22)
    for cx0 in (x0 - cw // 2, x1 - cw // 2):
        d.rectangle((cx0, y0 - 30, cx0 + cw, y1 + 60), fill=s.curtain)
        for k in range(1, 4):
            xx = cx0 + k * cw // 4
            d.line((xx, y0 - 30, xx, y1 + 60), fill=_shade(s.curtain, 0.8), width=3)
    d.rectangle((x0 - cw, y0 - 40, x1 + cw, y0 - 30), fill=(90, 90, 90))


def _draw_door(d: ImageDraw.ImageDraw, s: RoomSpec) -> None:
    if not s.door:
        return
    x0, y0, x1, y1 = s.door
    d.rectangle((x0 - 12, y0 - 12, x1 + 12, y1), fill=_shade(s.door_colour, 1.1))
    d.rectangle((x0, y0, x1, y1), fill=s.door_colour)
    for py0, py1 in ((y0 + 30, y0 + (y1 - y0) // 2 - 20), (y0 + (y1 - y0) // 2 + 20, y1 - 30)):
        d.rectangle((x0 + 25, py0, x1 - 25, py1), outline=_shade(s.door_colour, 0.8), width=4)
    d.ellipse((x1 - 45, (y0 + y1) // 2 - 10, x1 - 25, (y0 + y1) // 2 + 10), fill=(200, 180, 90))


def _draw_poster(d: ImageDraw.ImageDraw, p: Poster) -> None:
    d.rectangle(
        (p.x - 6, p.y - 6, p.x + p.w + 6, p.y + p.h + 6),
        fill=(40, 40, 40) if p.rare else (250, 250, 250),
    )
    d.rectangle((p.x, p.y, p.x + p.w, p.y + p.h), fill=p.bg)
    lw = int(p.w * 0.62)
    lx, ly = p.x + (p.w - lw) // 2, p.y + int(p.h * 0.1)
    draw_logo(d, p.shape, (lx, ly, lx + lw, ly + lw), p.fg, p.bg)
    lines = p.title.split() if p.rare else [p.title]
    y = ly + lw + 10
    for line in lines:
        f = _fit_font(d, line.upper() if p.rare else line, p.w - 16, 30 if p.rare else 26)
        t = line.upper() if p.rare else line
        d.text(
            (p.x + (p.w - _text_w(d, t, f)) // 2, y),
            t,
            font=f,
            fill=p.fg if p.rare else (30, 30, 30),
        )
        y += int(f.size * 1.15) if hasattr(f, "size") else 20
    if p.sub:
        f = _fit_font(d, p.sub, p.w - 16, 18, bold=False)
        d.text(
            (p.x + (p.w - _text_w(d, p.sub, f)) // 2, min(p.y + p.h - 26, y + 4)),
            p.sub,
            font=f,
            fill=(60, 60, 60),
        )


def _draw_furniture(
    d: ImageDraw.ImageDraw, s: RoomSpec, rng: random.Random
) -> tuple[int, int] | None:
    """Draw the furniture; return a table-top point where products can stand, if any."""
    fy = s.floor_y
    top_spot = None
    for kind, x, w, c in s.furniture:
        dark = _shade(c, 0.7)
        if kind == "bed":
            d.rectangle((x, fy - 330, x + 30, fy + 120), fill=dark)
            d.rectangle((x, fy - 170, x + w, fy + 80), fill=(235, 235, 230))
            d.rectangle((x + w * 0.35, fy - 160, x + w, fy + 90), fill=c)
            d.rounded_rectangle(
                (x + 45, fy - 210, x + 170, fy - 140), radius=20, fill=(245, 245, 245)
            )
            d.rectangle((x + w - 12, fy - 120, x + w, fy + 130), fill=dark)
        elif kind == "wardrobe":
            d.rectangle((x, fy - 560, x + w, fy + 30), fill=c)
            d.line((x + w / 2, fy - 550, x + w / 2, fy + 20), fill=dark, width=4)
            for hx in (x + w / 2 - 25, x + w / 2 + 15):
                d.rectangle((hx, fy - 300, hx + 10, fy - 240), fill=(190, 190, 190))
        elif kind in ("table", "desk"):
            th = 260 if kind == "table" else 300
            d.rectangle((x, fy - th, x + w, fy - th + 26), fill=c)
            for lx in (x + 12, x + w - 32):
                d.rectangle((lx, fy - th + 26, lx + 20, fy + 40), fill=dark)
            if kind == "desk":
                d.rectangle((x + w - 120, fy - th + 26, x + w - 30, fy - 60), fill=dark)
                d.rectangle((x + 60, fy - th - 170, x + 260, fy - th - 40), fill=(30, 30, 35))
                d.rectangle((x + 150, fy - th - 40, x + 170, fy - th), fill=(50, 50, 50))
            top_spot = (x + w // 2, fy - th)
        elif kind == "shelf":
            d.rectangle((x, fy - 520, x + w, fy + 20), fill=dark)
            for k in range(4):
                sy = fy - 500 + k * 130
                d.rectangle((x + 10, sy, x + w - 10, sy + 110), fill=_shade(c, 0.45))
                bx = x + 14
                while bx < x + w - 30:
                    bw = rng.randint(12, 30)
                    bh = rng.randint(70, 105)
                    d.rectangle(
                        (bx, sy + 110 - bh, bx + bw, sy + 110),
                        fill=_hsv(rng, (0, 1), (0.3, 0.9), (0.3, 0.9)),
                    )
                    bx += bw + rng.randint(1, 4)
        elif kind == "sofa":
            d.rounded_rectangle((x, fy - 260, x + w, fy - 90), radius=30, fill=c)
            d.rectangle((x, fy - 120, x + w, fy + 40), fill=dark)
            d.rounded_rectangle((x - 20, fy - 170, x + 50, fy + 40), radius=20, fill=c)
            d.rounded_rectangle((x + w - 50, fy - 170, x + w + 20, fy + 40), radius=20, fill=c)
            d.rounded_rectangle(
                (x + 70, fy - 210, x + 190, fy - 110), radius=16, fill=_shade(c, 1.25)
            )
        elif kind == "chest":
            d.rectangle((x, fy - 300, x + w, fy + 20), fill=c)
            for k in range(3):
                dy = fy - 280 + k * 100
                d.rectangle((x + 12, dy, x + w - 12, dy + 85), outline=dark, width=3)
                d.ellipse((x + w / 2 - 8, dy + 35, x + w / 2 + 8, dy + 51), fill=(200, 200, 200))
            top_spot = (x + w // 2, fy - 300)
        elif kind == "plant":
            d.polygon(
                [(x + 20, fy - 120), (x + 90, fy - 120), (x + 80, fy + 20), (x + 30, fy + 20)],
                fill=(170, 90, 60),
            )
            for _ in range(7):
                cx = x + 55 + rng.randint(-60, 60)
                cy = fy - 170 - rng.randint(0, 160)
                r = rng.randint(25, 45)
                d.ellipse(
                    (cx - r, cy - r, cx + r, cy + r),
                    fill=_hsv(rng, (0.25, 0.38), (0.5, 0.8), (0.3, 0.6)),
                )
        elif kind == "lamp":
            d.rectangle((x + 50, fy - 420, x + 60, fy + 20), fill=(60, 60, 60))
            d.polygon(
                [(x + 10, fy - 420), (x + 100, fy - 420), (x + 80, fy - 500), (x + 30, fy - 500)],
                fill=_shade(c, 1.3),
            )
            d.ellipse((x + 25, fy + 5, x + 85, fy + 30), fill=(60, 60, 60))
    return top_spot


def _draw_socket(d: ImageDraw.ImageDraw, kind: str, cx: int, cy: int) -> None:
    """Wall socket of a national type, drawn about 70-110 px wide on the 1600 px canvas."""
    white, hole, metal = (246, 246, 240), (35, 35, 35), (170, 170, 175)
    if kind == "AB":  # US/CA/PH duplex outlet: two faces, flat slots, round ground hole
        d.rounded_rectangle(
            (cx - 38, cy - 62, cx + 38, cy + 62),
            radius=6,
            fill=(238, 232, 214),
            outline=(150, 150, 140),
            width=2,
        )
        for fy in (cy - 30, cy + 30):
            d.rounded_rectangle(
                (cx - 24, fy - 24, cx + 24, fy + 24),
                radius=10,
                fill=(232, 226, 206),
                outline=(160, 160, 150),
            )
            d.rectangle((cx - 13, fy - 14, cx - 9, fy + 2), fill=hole)
            d.rectangle((cx + 9, fy - 14, cx + 13, fy + 2), fill=hole)
            d.chord((cx - 5, fy + 5, cx + 5, fy + 17), 180, 360, fill=hole)
            d.rectangle((cx - 5, fy + 11, cx + 5, fy + 17), fill=hole)
        d.ellipse((cx - 3, cy - 3, cx + 3, cy + 3), fill=metal)
    elif kind == "G":  # GB: square plate, three rectangular slots, rocker switch
        d.rectangle(
            (cx - 50, cy - 50, cx + 50, cy + 50), fill=white, outline=(170, 170, 165), width=2
        )
        d.rectangle((cx - 20, cy - 32, cx - 12, cy - 10), fill=hole)
        d.rectangle((cx - 38, cy + 14, cx - 18, cy + 21), fill=hole)
        d.rectangle((cx - 2, cy + 14, cx + 18, cy + 21), fill=hole)
        d.rectangle(
            (cx + 24, cy - 30, cx + 40, cy + 0), fill=(230, 230, 225), outline=(140, 140, 140)
        )
        d.rectangle((cx + 26, cy - 28, cx + 38, cy - 16), fill=(200, 40, 40))
    elif kind == "I":  # AU/NZ: angled slots, vertical earth slot, switch
        d.rounded_rectangle(
            (cx - 48, cy - 58, cx + 48, cy + 58),
            radius=8,
            fill=white,
            outline=(170, 170, 165),
            width=2,
        )
        d.line((cx - 26, cy - 22, cx - 14, cy - 6), fill=hole, width=6)
        d.line((cx + 26, cy - 22, cx + 14, cy - 6), fill=hole, width=6)
        d.rectangle((cx - 3, cy + 6, cx + 3, cy + 24), fill=hole)
        d.rectangle(
            (cx - 12, cy + 34, cx + 12, cy + 50), fill=(225, 225, 220), outline=(140, 140, 140)
        )
    elif kind == "N":  # BR: rounded hexagonal recess, three round holes
        d.rounded_rectangle(
            (cx - 40, cy - 55, cx + 40, cy + 55),
            radius=8,
            fill=white,
            outline=(170, 170, 165),
            width=2,
        )
        pts = [
            (cx + 30 * math.cos(a), cy + 30 * math.sin(a))
            for a in [i * math.pi / 3 + math.pi / 6 for i in range(6)]
        ]
        d.polygon(pts, fill=(225, 225, 222), outline=(150, 150, 150))
        for hx, hy in ((cx - 12, cy + 6), (cx + 12, cy + 6), (cx, cy - 10)):
            d.ellipse((hx - 5, hy - 5, hx + 5, hy + 5), fill=hole)
    elif kind == "L":  # IT: three holes in a line
        d.rounded_rectangle(
            (cx - 30, cy - 50, cx + 30, cy + 50),
            radius=6,
            fill=white,
            outline=(170, 170, 165),
            width=2,
        )
        d.ellipse(
            (cx - 20, cy - 34, cx + 20, cy + 34), fill=(230, 230, 228), outline=(160, 160, 160)
        )
        for hy in (cy - 18, cy, cy + 18):
            d.ellipse((cx - 4, hy - 4, cx + 4, hy + 4), fill=hole)
    else:  # E (FR/PL) and F (Schuko): round recess with two pins holes
        d.rounded_rectangle(
            (cx - 50, cy - 50, cx + 50, cy + 50),
            radius=12,
            fill=white,
            outline=(170, 170, 165),
            width=2,
        )
        d.ellipse(
            (cx - 36, cy - 36, cx + 36, cy + 36),
            fill=(222, 222, 218),
            outline=(150, 150, 150),
            width=2,
        )
        d.ellipse((cx - 22, cy - 5, cx - 12, cy + 5), fill=hole)
        d.ellipse((cx + 12, cy - 5, cx + 22, cy + 5), fill=hole)
        if kind == "E":
            d.ellipse((cx - 5, cy - 22, cx + 5, cy - 12), fill=metal, outline=(90, 90, 90))
        else:
            d.rectangle((cx - 8, cy - 36, cx + 8, cy - 28), fill=metal)
            d.rectangle((cx - 8, cy + 28, cx + 8, cy + 36), fill=metal)


def _draw_switch(d: ImageDraw.ImageDraw, kind: str, cx: int, cy: int) -> None:
    if kind == "AB":
        d.rectangle(
            (cx - 22, cy - 40, cx + 22, cy + 40), fill=(238, 232, 214), outline=(150, 150, 140)
        )
        d.rectangle(
            (cx - 5, cy - 12, cx + 5, cy + 6), fill=(225, 220, 200), outline=(120, 120, 110)
        )
    elif kind in ("G", "I"):
        d.rectangle(
            (cx - 40, cy - 40, cx + 40, cy + 40), fill=(246, 246, 240), outline=(160, 160, 160)
        )
        d.rectangle(
            (cx - 10, cy - 18, cx + 10, cy + 18), fill=(230, 230, 225), outline=(120, 120, 120)
        )
    else:
        d.rounded_rectangle(
            (cx - 42, cy - 42, cx + 42, cy + 42),
            radius=8,
            fill=(246, 246, 240),
            outline=(160, 160, 160),
        )
        d.rounded_rectangle(
            (cx - 30, cy - 30, cx + 30, cy + 30),
            radius=4,
            fill=(238, 238, 234),
            outline=(140, 140, 140),
        )


def _draw_products(
    d: ImageDraw.ImageDraw, s: RoomSpec, top: tuple[int, int] | None, rng: random.Random
) -> None:
    # A paper shop bag on the floor, with the shop's name.
    bx = rng.randint(int(W * 0.15), int(W * 0.75))
    by = s.floor_y + rng.randint(60, 180)
    d.polygon(
        [(bx, by - 200), (bx + 190, by - 200), (bx + 205, by), (bx - 15, by)], fill=s.bag_colour
    )
    d.arc(
        (bx + 45, by - 260, bx + 145, by - 150), 180, 360, fill=_shade(s.bag_colour, 0.6), width=6
    )
    f = _fit_font(d, s.shop, 180, 26)
    d.text(
        (bx + 95 - _text_w(d, s.shop, f) // 2, by - 120),
        s.shop,
        font=f,
        fill=_shade(s.bag_colour, 0.35),
    )
    if top is None:
        top = (rng.randint(int(W * 0.2), int(W * 0.8)), s.floor_y + 40)
    tx, ty = top
    # A cereal box and a bottle with labels in the country's language.
    d.rectangle((tx - 100, ty - 150, tx - 10, ty), fill=_hsv(rng, (0, 1), (0.5, 0.9), (0.6, 0.95)))
    f = _fit_font(d, s.product, 84, 18)
    d.text((tx - 96, ty - 110), s.product, font=f, fill=(255, 255, 255))
    d.rectangle((tx + 20, ty - 110, tx + 60, ty), fill=_hsv(rng, (0, 1), (0.3, 0.7), (0.3, 0.8)))
    d.rectangle((tx + 30, ty - 140, tx + 50, ty - 110), fill=(220, 220, 220))
    d.rectangle((tx + 20, ty - 70, tx + 60, ty - 35), fill=(250, 250, 245))


def draw_room(spec: RoomSpec) -> Image.Image:
    """The full 1600x1200 room canvas."""
    rng = random.Random(spec.seed ^ 0x5EED)
    img = Image.new("RGB", (W, H), spec.wall)
    d = ImageDraw.Draw(img)
    _draw_wall(d, spec)
    _draw_floor(d, spec)
    _draw_side_wall(d, spec)
    _draw_window(d, spec)
    _draw_door(d, spec)
    for p in spec.posters:
        _draw_poster(d, p)
    _draw_switch(d, spec.country.socket, *spec.switch_xy)
    top = _draw_furniture(d, spec, rng)
    _draw_socket(d, spec.country.socket, *spec.socket_xy)
    _draw_products(d, spec, top, rng)
    return img


# ---------------------------------------------------------------- photos of a room


def render_view(base: Image.Image, seed: int, size: tuple[int, int]) -> Image.Image:
    """One photo of the room: crop 74-92 %, maybe a tilt, exposure, noise, at the camera's size."""
    rng = random.Random(seed)
    angle = math.radians(rng.uniform(-2.5, 2.5))
    scale = rng.uniform(0.74, 0.92)
    cw, ch = int((W - 160) * scale), int((H - 120) * scale)
    x0 = 80 + rng.randint(0, W - 160 - cw)
    y0 = 60 + rng.randint(0, H - 120 - ch)
    tw, th = size
    tilted = rng.random() < 0.35
    if not tilted:  # crop and resize: Pillow's fast separable path
        img = base.crop((x0, y0, x0 + cw, y0 + ch)).resize(
            size, Image.Resampling.BILINEAR, reducing_gap=2.0
        )
    else:  # crop, scale and tilt as one affine resampling, at the output size
        k = cw / tw  # input pixels per output pixel
        src, r = base, 1
        if k >= 2.0:  # pre-shrink with a box filter so that the affine step does not alias
            r = int(k)
            src = base.reduce(r)
        kk = k / r
        cx, cy = (x0 + cw / 2) / r, (y0 + ch / 2) / r
        a, b = kk * math.cos(angle), -kk * math.sin(angle)
        d, e = kk * math.sin(angle), kk * math.cos(angle)
        c = cx - a * tw / 2 - b * th / 2
        f = cy - d * tw / 2 - e * th / 2
        img = src.transform(
            size, Image.Transform.AFFINE, (a, b, c, d, e, f), resample=Image.Resampling.BILINEAR
        )
    exposure = rng.uniform(0.9, 1.08)
    gains = (
        rng.uniform(0.9, 1.1) * exposure,
        rng.uniform(0.92, 1.08) * exposure,
        rng.uniform(0.9, 1.1) * exposure,
    )
    lut = [min(255, int(i * g)) for g in gains for i in range(256)]
    img = img.point(lut)
    return add_noise(img, seed)


def add_noise(img: Image.Image, seed: int, sigma: float = 2.2) -> Image.Image:
    """Sensor-like grain from a seeded noise tile (fast, deterministic)."""
    w, h = img.size
    gen = np.random.default_rng(seed)
    tile = np.round(gen.standard_normal((256, 256), dtype=np.float32) * sigma).astype(np.int16)
    reps = (h // 256 + 2, w // 256 + 2)
    oy, ox = int(gen.integers(0, 256)), int(gen.integers(0, 256))
    noise = np.tile(tile, reps)[oy : oy + h, ox : ox + w, None]
    arr = np.asarray(img, dtype=np.int16) + noise
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def _flat_set() -> tuple[tuple[int, int], ...]:
    cand = [(u, v) for u in range(8) for v in range(8) if 0 < u + v <= 7]
    random.Random(1234).shuffle(cand)
    return tuple(sorted(cand[:31]))


#: Low-frequency DCT terms shared by every flat decoy: their 64-bit pHashes come out
#: (nearly) the same, while the gradients stay far too weak for a PDQ quality of 50.
FLAT_TERMS = _flat_set()


def flat_image(seed: int, size: tuple[int, int], colour: RGB) -> Image.Image:
    """A near-uniform frame (a wall close-up, a covered lens): low PDQ quality, pHash look-alike."""
    rng = random.Random(seed)
    w, h = size
    terms = list(FLAT_TERMS)
    for _ in range(rng.randint(0, 2)):  # a few terms differ per image: pHash distance 0-6
        terms.pop(rng.randrange(len(terms)))
    amp = np.zeros((8, 8), dtype=np.float32)
    for u, v in terms:
        amp[v, u] = 1.5 * rng.uniform(0.85, 1.15)
    cy = np.cos(np.pi * np.outer(np.arange(8), (np.arange(h) + 0.5) / h)).astype(np.float32)
    cx = np.cos(np.pi * np.outer(np.arange(8), (np.arange(w) + 0.5) / w)).astype(np.float32)
    pattern = cy.T @ amp @ cx
    arr = np.empty((h, w, 3), dtype=np.float32)
    for k in range(3):
        arr[..., k] = colour[k] + pattern
    arr += np.random.default_rng(seed).normal(0.0, 0.6, size=(h, w, 1)).astype(np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def stock_image(name: str) -> Image.Image:
    """A benign 'non-pertinent' picture that circulates everywhere (wallpaper, product shot)."""
    rng = random.Random(name)
    img = Image.new("RGB", (1024, 768), (0, 0, 0))
    d = ImageDraw.Draw(img)
    top, bottom = (
        _hsv(rng, (0.5, 0.7), (0.4, 0.8), (0.7, 1.0)),
        _hsv(rng, (0.0, 0.12), (0.3, 0.7), (0.8, 1.0)),
    )
    for y in range(0, 768, 4):
        d.rectangle((0, y, 1024, y + 4), fill=_mix(top, bottom, y / 768))
    for k in range(3):
        base_y = 420 + k * 90
        pts = (
            [(0, 768)]
            + [(x, base_y - rng.randint(0, 160)) for x in range(0, 1025, 128)]
            + [(1024, 768)]
        )
        d.polygon(pts, fill=_shade((60 + 30 * k, 90 + 20 * k, 110), 1.0 - 0.15 * k))
    d.ellipse((760, 90, 880, 210), fill=(255, 240, 200))
    f = font(48, True)
    d.text((60, 60), name, font=f, fill=(255, 255, 255))
    return img


# ---------------------------------------------------------------- near-duplicate transforms

NEAR_DUP_TRANSFORMS: tuple[str, ...] = (
    "recompress",
    "resize",
    "crop",
    "watermark",
    "colour_shift",
    "screenshot_border",
    "rotate90",
    "mirror",
    "resize_recompress_watermark",
)


def near_duplicate(src: bytes, kind: str, seed: int, text: str) -> tuple[bytes, str, str]:
    """Return (bytes, extension, description) of a re-shared copy of ``src``; EXIF is dropped."""
    rng = random.Random(seed)
    img = Image.open(io.BytesIO(src)).convert("RGB")
    w, h = img.size
    quality = 85
    ext = "jpg"
    desc: list[str] = []
    if kind == "recompress":
        quality = rng.randint(40, 60)
        desc.append(f"re-compressed q={quality}")
    if kind in ("resize", "resize_recompress_watermark"):
        factor = rng.uniform(0.5, 0.75)
        img = img.resize(
            (max(64, int(w * factor)), max(48, int(h * factor))),
            Image.Resampling.BILINEAR,
            reducing_gap=2.0,
        )
        desc.append(f"resized {factor:.0%}")
    if kind == "crop":
        c = rng.uniform(0.03, 0.10)
        left, top = int(w * c * rng.uniform(0.3, 0.7)), int(h * c * rng.uniform(0.3, 0.7))
        img = img.crop((left, top, w - (int(w * c) - left), h - (int(h * c) - top)))
        desc.append(f"cropped {c:.0%}")
    if kind in ("watermark", "resize_recompress_watermark"):
        d = ImageDraw.Draw(img)
        iw, ih = img.size
        f = font(max(12, ih // 22), True)
        tw = _text_w(d, text, f)
        d.rectangle((iw - tw - 24, ih - ih // 14 - 14, iw - 6, ih - 6), fill=(20, 20, 20))
        d.text((iw - tw - 15, ih - ih // 14 - 10), text, font=f, fill=(255, 255, 255))
        desc.append(f"watermark '{text}'")
    if kind == "resize_recompress_watermark":
        quality = rng.randint(40, 60)
        desc.append(f"re-compressed q={quality}")
    if kind == "colour_shift":
        arr = np.asarray(img, dtype=np.float32)
        gain = np.array(
            [rng.uniform(1.05, 1.15), rng.uniform(0.95, 1.02), rng.uniform(0.82, 0.92)],
            dtype=np.float32,
        )
        img = Image.fromarray(
            np.clip(arr * gain + rng.uniform(-8, 8), 0, 255).astype(np.uint8), "RGB"
        )
        desc.append("warm colour shift")
    if kind == "screenshot_border":
        bw, bh = w + 2 * rng.randint(0, 40), int(h * rng.uniform(1.25, 1.45))
        colour = rng.choice(((0, 0, 0), (255, 255, 255), (24, 24, 28)))
        canvas = Image.new("RGB", (bw, bh), colour)
        canvas.paste(img, ((bw - w) // 2, (bh - h) // 2))
        img, ext = canvas, "png"
        desc.append("screenshot with uniform borders (PNG)")
    if kind == "rotate90":
        img = img.transpose(Image.Transpose.ROTATE_90)
        desc.append("rotated 90 degrees")
    if kind == "mirror":
        img = ImageOps.mirror(img)
        desc.append("mirrored")
    buf = io.BytesIO()
    if ext == "png":
        img.save(buf, "PNG", optimize=False, compress_level=6)
    else:
        img.save(
            buf, "JPEG", quality=quality, subsampling="4:2:0", optimize=False, progressive=False
        )
    return buf.getvalue(), ext, ", ".join(desc)


# ---------------------------------------------------------------- EXIF and encoding


def _rational(x: float, den: int) -> tuple[int, int]:
    fr = Fraction(x).limit_denominator(den)
    return (fr.numerator, fr.denominator)


def _dms(v: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    v = abs(v)
    d = int(v)
    m = int((v - d) * 60)
    s = round(((v - d) * 60 - m) * 60 * 1000)
    return ((d, 1), (m, 1), (s, 1000))


def exif_bytes(
    make: str,
    model: str,
    serial: str,
    taken: datetime | None,
    gps: tuple[float, float] | None,
    size: tuple[int, int],
) -> bytes:
    """EXIF with piexif: Make, Model, BodySerialNumber (if any), DateTimeOriginal, GPS (if any)."""
    zeroth: dict[int, object] = {piexif.ImageIFD.Orientation: 1}
    exif: dict[int, object] = {
        piexif.ExifIFD.PixelXDimension: size[0],
        piexif.ExifIFD.PixelYDimension: size[1],
    }
    if make:
        zeroth[piexif.ImageIFD.Make] = make.encode()
        zeroth[piexif.ImageIFD.Model] = model.encode()
    if serial:
        exif[piexif.ExifIFD.BodySerialNumber] = serial.encode()
    if taken is not None:
        stamp = taken.strftime("%Y:%m:%d %H:%M:%S").encode()
        zeroth[piexif.ImageIFD.DateTime] = stamp
        exif[piexif.ExifIFD.DateTimeOriginal] = stamp
        exif[piexif.ExifIFD.DateTimeDigitized] = stamp
    gps_ifd: dict[int, object] = {}
    if gps is not None:
        lat, lon = gps
        gps_ifd = {
            piexif.GPSIFD.GPSVersionID: (2, 3, 0, 0),
            piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
            piexif.GPSIFD.GPSLatitude: _dms(lat),
            piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
            piexif.GPSIFD.GPSLongitude: _dms(lon),
        }
    return piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps_ifd, "1st": {}, "thumbnail": None})


def encode_jpeg(img: Image.Image, quality: int, exif: bytes | None) -> bytes:
    buf = io.BytesIO()
    kwargs: dict[str, object] = {
        "quality": quality,
        "subsampling": "4:2:0",
        "optimize": False,
        "progressive": False,
    }
    if exif:
        kwargs["exif"] = exif
    img.save(buf, "JPEG", **kwargs)
    return buf.getvalue()
