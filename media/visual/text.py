"""Read the text in a picture: find text lines first, then read only those with Tesseract.

Finding (classical, ~10-30 ms on a 1-3 MP picture): the picture is reduced to at most
``DETECT_SIDE`` pixels, its morphological gradient is thresholded, and the connected
components that look like characters (size, fill) are chained into lines (neighbours of
similar height on one row). A line must hold several characters of varying shape: rows
of identical motifs (wallpaper, tiles, fabric) are periodic and are dropped here.
A picture without text lines costs only this step.

Reading: each line is cut from the *original* picture, straightened, scaled to a height
Tesseract reads well and read once per script model (Debian ``tesseract-ocr-script-latn``,
``-cyrl``, ``-grek``, ``-arab``, ``-hebr``: one model reads every language of its script,
diacritics included). The script whose reading is the most confident wins. Words below
``MIN_WORD_CONF`` or made of characters that are not letters of that script are dropped,
and a line without one plausible word of at least three letters is dropped: this is what
keeps striped walls and patterned floors from "reading" as ``lll1111`` or ``ooo``.

Everything is a pure function of the pixels; Tesseract runs in-process through
``tesserocr`` (one engine per script and thread, loaded once).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

# Script -> the Tesseract model that reads it (Debian package tesseract-ocr-script-<x>).
SCRIPT_MODELS: dict[str, str] = {
    "Latin": "Latin",
    "Cyrillic": "Cyrillic",
    "Greek": "Greek",
    "Arabic": "Arabic",
    "Hebrew": "Hebrew",
}
DEBIAN_PACKAGES = tuple(f"tesseract-ocr-script-{s[:4].lower()}" for s in SCRIPT_MODELS)

DETECT_SIDE = 1024  # text is found on the picture reduced to this longest side
MIN_CHAR_PX = 7  # characters smaller than this at DETECT_SIDE are not looked for
READ_HEIGHT = 40  # a line is scaled so that its characters are about this high for reading
MIN_WORD_CONF = 60.0  # Tesseract word confidence (0-100) below which a word is dropped
MIN_LINE_CONF = 70.0  # mean confidence of the kept words of a line
MAX_LINES = 24  # at most this many candidate lines are read per picture (largest first)


@dataclass
class TextRead:
    """One line of text read in a picture."""

    text: str  # as read, whitespace-normalised
    box: tuple[int, int, int, int]  # x, y, w, h in ORIGINAL picture pixels
    confidence: float  # 0..1
    script: str  # "Latin", "Cyrillic", "Greek", "Arabic", "Hebrew"


class TesseractMissing(RuntimeError):
    """Tesseract or one of the script models is not installed."""


# ----------------------------------------------------------------------------- engine


def tessdata_dir() -> str:
    """Debian's tessdata folder (where the script models are), found once."""
    env = os.environ.get("TESSDATA_PREFIX")
    candidates = [env] if env else []
    candidates += ["/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata"]
    exe = shutil.which("tesseract")
    if exe:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
        m = re.search(r'"([^"]+)"', out.stdout + out.stderr)
        if m:
            candidates.insert(0, m.group(1))
    for c in candidates:
        if c and all((Path(c) / f"{m}.traineddata").is_file() for m in SCRIPT_MODELS.values()):
            return str(Path(c))
    raise TesseractMissing(
        "Tesseract script models not found (looked in "
        + ", ".join(c for c in candidates if c)
        + "). Install the Debian packages tesseract-ocr "
        + " ".join(DEBIAN_PACKAGES)
        + " (make install / .ci/run do it)."
    )


_local = threading.local()


def _api(model: str) -> Any:
    """One loaded Tesseract engine per script model and thread."""
    import tesserocr

    apis = getattr(_local, "apis", None)
    if apis is None:
        apis = _local.apis = {}
    api = apis.get(model)
    if api is None:
        api = tesserocr.PyTessBaseAPI(
            path=tessdata_dir(),
            lang=model,
            psm=tesserocr.PSM.SINGLE_LINE,
            oem=tesserocr.OEM.LSTM_ONLY,
        )
        apis[model] = api
    return api


# ----------------------------------------------------------------------------- finding


def _as_rgb(image: Image.Image | np.ndarray) -> np.ndarray:
    """The picture as an HxWx3 uint8 array; a clear error for anything unreadable."""
    if isinstance(image, Image.Image):
        try:
            image.load()
            arr = np.asarray(image.convert("RGB"))
        except (OSError, SyntaxError, ValueError) as e:
            raise ValueError(f"picture could not be decoded for reading text: {e}") from e
    elif isinstance(image, np.ndarray):
        arr = image
        if arr.ndim == 2:
            arr = np.stack([arr] * 3, axis=-1)
        if arr.ndim != 3 or arr.shape[2] not in (3, 4):
            raise ValueError(f"picture must be HxW or HxWx3 RGB, got shape {arr.shape}")
        arr = arr[..., :3]
        if arr.dtype != np.uint8:
            raise ValueError(f"picture must be uint8, got {arr.dtype}")
    else:
        raise TypeError(f"read_text takes a PIL image or a numpy array, not {type(image).__name__}")
    if arr.shape[0] < 8 or arr.shape[1] < 8:
        raise ValueError(f"picture too small to hold text: {arr.shape[1]}x{arr.shape[0]}")
    return arr


@dataclass
class _Line:
    box: tuple[int, int, int, int]  # x, y, w, h at detection scale
    char_h: float  # median character height at detection scale
    angle: float  # degrees, the slope of the row of characters
    n: int


def find_lines(gray_small: np.ndarray) -> list[_Line]:
    """Candidate text lines in a reduced grayscale picture (coordinates of that picture)."""
    H, W = gray_small.shape
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    grad = cv2.morphologyEx(gray_small, cv2.MORPH_GRADIENT, k)
    t, _ = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    _, bw = cv2.threshold(grad, max(float(t), 28.0), 255, cv2.THRESH_BINARY)
    n, cc, stats, cents = cv2.connectedComponentsWithStats(bw, connectivity=8)
    if n <= 1:
        return []
    x, y, w, h, area = (stats[1:, i].astype(np.float32) for i in range(5))
    fill = area / np.maximum(w * h, 1)
    keep = (
        (h >= MIN_CHAR_PX)
        & (h <= H * 0.25)
        & (w >= 2)
        & (w <= h * 8)
        & (fill > 0.12)
        & (fill < 0.92)
    )
    idx = np.nonzero(keep)[0]
    if len(idx) < 2:
        return []
    # chain characters: each one's box, widened by ~0.7 of its height, narrowed vertically
    mask = np.zeros((H, W), np.uint8)
    for i in idx:
        ex = int(h[i] * 0.7)
        ey = int(h[i] * 0.2)
        cv2.rectangle(
            mask,
            (int(x[i]) - ex, int(y[i]) + ey),
            (int(x[i] + w[i]) + ex, int(y[i] + h[i]) - ey),
            255,
            -1,
        )
    m, lab = cv2.connectedComponents(mask, connectivity=8)
    cx, cy = cents[1:, 0], cents[1:, 1]
    owner = lab[np.clip(cy[idx].astype(int), 0, H - 1), np.clip(cx[idx].astype(int), 0, W - 1)]
    lines: list[_Line] = []
    for lab_id in range(1, m):
        mem = idx[owner == lab_id]
        if len(mem) < 3:
            continue
        hh = h[mem]
        med_h = float(np.median(hh))
        x0, y0 = float(x[mem].min()), float(y[mem].min())
        x1, y1 = float((x[mem] + w[mem]).max()), float((y[mem] + h[mem]).max())
        if (x1 - x0) < 2.0 * med_h:
            continue
        # a slope from the characters' centres; a line must be a row, not a 2-D lattice
        if len(mem) >= 3 and np.ptp(cx[mem]) > 0:
            slope = float(np.polyfit(cx[mem], cy[mem], 1)[0])
        else:
            slope = 0.0
        resid = cy[mem] - (cy[mem].mean() + slope * (cx[mem] - cx[mem].mean()))
        if np.abs(resid).max() > 1.2 * med_h or abs(slope) > 0.35:
            continue
        # periodic motifs: a row of near-identical shapes is wallpaper, tiles or fabric
        if _repetitive(cc, stats, mem):
            continue
        lines.append(
            _Line(
                box=(int(x0), int(y0), int(x1 - x0), int(y1 - y0)),
                char_h=med_h,
                angle=float(np.degrees(np.arctan(slope))),
                n=len(mem),
            )
        )
    lines.sort(key=lambda ln: -ln.box[2] * ln.box[3])
    return lines[:MAX_LINES]


def _repetitive(cc: np.ndarray, stats: np.ndarray, mem: np.ndarray) -> bool:
    """True when most shapes of a row look alike: a pattern repeats, characters differ."""
    patches = []
    for i in mem[:40]:
        x, y, w, h = (int(v) for v in stats[i + 1, :4])
        p = (cc[y : y + h, x : x + w] == i + 1).astype(np.float32)
        patches.append(cv2.resize(p, (12, 12), interpolation=cv2.INTER_AREA).ravel())
    P = np.stack(patches)
    med = np.median(P, axis=0)
    d = np.abs(P - med).mean(axis=1)
    aspect = stats[mem + 1, 2] / np.maximum(stats[mem + 1, 3], 1)
    cv_aspect = float(np.std(aspect) / max(float(np.mean(aspect)), 1e-6))
    # measured on generated pictures: motif rows have a median distance of 0.01 (tiles) to
    # 0.12 (small wallpaper motifs after JPEG); lines of letters 0.2-0.35
    md = float(np.median(d))
    return md < 0.06 or (md < 0.16 and cv_aspect < 0.2)


# ----------------------------------------------------------------------------- reading

_SCRIPT_PREFIX = {s: s.upper() for s in SCRIPT_MODELS}


def _letter_script(ch: str) -> str | None:
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    for s, p in _SCRIPT_PREFIX.items():
        if name.startswith(p):
            return s
    return None


def _plausible(word: str, script: str) -> bool:
    """A word is made of letters of the script (a little punctuation or digits allowed)."""
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return False
    own = sum(1 for c in letters if _letter_script(c) == script)
    if own / len(letters) < 0.9:
        return False
    if len(letters) / len(word) < 0.6:
        return False
    # a run of one repeated letter ("lllll", "ooo") is a texture, not a word
    return not (len(letters) >= 3 and len(set(c.lower() for c in letters)) == 1)


def _cut_line(
    rgb: np.ndarray, ln: _Line, scale: float
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The line from the original picture: padded, straightened, scaled for reading, grey."""
    H, W = rgb.shape[:2]
    bx, by, bw, bh = (v * scale for v in ln.box)
    pad_x, pad_y = ln.char_h * scale * 0.6, ln.char_h * scale * 0.45
    x0, y0 = max(0, int(bx - pad_x)), max(0, int(by - pad_y))
    x1, y1 = min(W, int(bx + bw + pad_x)), min(H, int(by + bh + pad_y))
    crop = cv2.cvtColor(rgb[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY)
    f = READ_HEIGHT / max(ln.char_h * scale, 1.0)
    f = float(np.clip(f, 0.25, 4.0))
    if abs(f - 1) > 0.05:
        crop = cv2.resize(
            crop, None, fx=f, fy=f, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
        )
    if abs(ln.angle) > 0.7:
        ch, cw = crop.shape
        M = cv2.getRotationMatrix2D((cw / 2, ch / 2), ln.angle, 1.0)
        crop = cv2.warpAffine(
            crop, M, (cw, ch), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
    # dark text on light ground reads best: invert when the line's ground is dark
    if float(np.median(crop)) < 110:
        crop = 255 - crop
    return crop, (x0, y0, x1 - x0, y1 - y0)


def _read_with(model: str, crop: np.ndarray, script: str) -> tuple[list[tuple[str, float]], float]:
    """Words (text, confidence) of one line read with one script model, and their mean conf."""
    import tesserocr

    api = _api(model)
    api.SetImage(Image.fromarray(crop))
    api.Recognize()
    words: list[tuple[str, float]] = []
    # the line's text keeps right-to-left words in logical order (the word iterator
    # reverses their letters); its words pair with the engine's word confidences
    line = api.GetUTF8Text().split()
    confs = api.AllWordConfidences()
    if len(line) == len(confs):
        words = [(w, float(c)) for w, c in zip(line, confs, strict=True)]
    else:
        it = api.GetIterator()
        level = tesserocr.RIL.WORD
        if it is not None:
            for r in tesserocr.iterate_level(it, level):
                try:
                    t = r.GetUTF8Text(level)
                except RuntimeError:  # an empty word box
                    continue
                if t and t.strip():
                    t = t.strip()
                    if script in ("Arabic", "Hebrew"):
                        t = t[::-1]
                    words.append((t, float(r.Confidence(level))))
    mean = float(np.mean([c for _, c in words])) if words else 0.0
    return words, mean


def read_line(crop: np.ndarray) -> tuple[str, float, str] | None:
    """Read a grey line crop with every script model; the most confident plausible reading."""
    best: tuple[float, str, str] | None = None
    for script, model in SCRIPT_MODELS.items():
        words, mean = _read_with(model, crop, script)
        kept = [(w, c) for w, c in words if c >= MIN_WORD_CONF and _plausible(w, script)]
        if not kept or not any(sum(ch.isalpha() for ch in w) >= 3 for w, _ in kept):
            continue
        conf = float(np.mean([c for _, c in kept]))
        # a reading that had to drop many of its words is weaker
        score = conf * len(kept) / max(len(words), 1)
        if conf < MIN_LINE_CONF:
            continue
        if best is None or score > best[0]:
            best = (score, " ".join(w for w, _ in kept), script)
    if best is None:
        return None
    return best[1], best[0] / 100.0, best[2]


def read_text(image: Image.Image | np.ndarray) -> list[TextRead]:
    """Every line of text read in an RGB picture; [] (fast) when it holds none."""
    rgb = _as_rgb(image)
    H, W = rgb.shape[:2]
    scale = max(H, W) / DETECT_SIDE if max(H, W) > DETECT_SIDE else 1.0
    small = (
        rgb
        if scale == 1.0
        else cv2.resize(rgb, (round(W / scale), round(H / scale)), interpolation=cv2.INTER_AREA)
    )
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    out: list[TextRead] = []
    for ln in find_lines(gray):
        crop, box = _cut_line(rgb, ln, scale)
        if crop.size == 0:
            continue
        got = read_line(crop)
        if got is None:
            continue
        text, conf, script = got
        out.append(TextRead(text=" ".join(text.split()), box=box, confidence=conf, script=script))
    out.sort(key=lambda r: (r.box[1], r.box[0]))
    return out
