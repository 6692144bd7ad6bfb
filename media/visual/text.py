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

from media.pixels import to_rgb8

# Script -> the Tesseract model that reads it (Debian package tesseract-ocr-script-<x>).
SCRIPT_MODELS: dict[str, str] = {
    "Latin": "Latin",
    "Cyrillic": "Cyrillic",
    "Greek": "Greek",
    "Arabic": "ara",  # measured: the Arabic *language* model reads better (0.75 vs 0.58)
    "Hebrew": "Hebrew",
}
DEBIAN_PACKAGES = (
    "tesseract-ocr-script-latn",
    "tesseract-ocr-script-cyrl",
    "tesseract-ocr-script-grek",
    "tesseract-ocr-ara",
    "tesseract-ocr-script-hebr",
)

DETECT_SIDE = 1024  # text is found on the picture reduced to this longest side
MIN_CHAR_PX = 7  # characters smaller than this at DETECT_SIDE are not looked for
READ_HEIGHT = 40  # a line is scaled so that its characters are about this high for reading
MIN_WORD_CONF = 40.0  # Tesseract word confidence (0-100) below which a word is dropped
MIN_LINE_CONF = 55.0  # a line's score: confidence over all its letters, implausible words 0
STRONG_WORD_CONF = 65.0  # a kept line holds a word of >= 3 letters read at least this well
EARLY_STOP_CONF = 85.0  # a reading this good is not compared with the scripts after it
MAX_LINES = 16  # at most this many candidate lines are read per picture (largest first)
#: shapes in rows at this angle (degrees) or more, or a line read at it: the picture is also
#: searched turned by it (see _rows_angle, _turned_lines)
DESKEW_MIN = 5.0
SKEW_MAX = 20  # degrees: rows searched for at angles up to this (see _rows_angle)
SKEW_MIN_SHAPES = 40  # fewer character-like shapes: no rows to measure an angle on
SKEW_GAIN = 1.7  # the tilted profile must be this much peakier than the upright one
MAX_FAILED = 6  # after this many candidate lines in a row read as nothing, stop reading
MIN_EDGE = 45.0  # median mean-gradient of a line's shapes (0-255); measured: sign lines
# 55-110, fabric weave 34-53, tile joints 32 (so a few weave rows still reach the reader)


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
_EDGE_JUNK = "-_|~=+*^`'\u2014\u2013"  # sign frames and edges read as marks at word ends
_BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


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
            psm=tesserocr.PSM.RAW_LINE,
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
            arr = np.asarray(to_rgb8(image))
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
    centre: tuple[float, float]  # the row's centre
    length: float  # along the row
    half: float  # half its thickness across the row


@dataclass
class _Shapes:
    """Character-like shapes of a reduced grey picture (``idx``: their component ids - 1)."""

    idx: np.ndarray
    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    h: np.ndarray
    area: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    cc: np.ndarray  # component labels
    stats: np.ndarray
    gmean: np.ndarray  # mean gradient per component


def find_lines(gray_small: np.ndarray) -> list[_Line]:
    """Candidate text lines in a reduced grayscale picture (coordinates of that picture)."""
    sh = _shapes(gray_small)
    return [] if sh is None else _chain(gray_small.shape, sh)


def _shapes(gray_small: np.ndarray) -> _Shapes | None:
    """The shapes that may be characters: size, fill and not a frame around others."""
    H, W = gray_small.shape
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    grad = cv2.morphologyEx(gray_small, cv2.MORPH_GRADIENT, k)
    t, _ = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    _, bw = cv2.threshold(grad, max(float(t), 28.0), 255, cv2.THRESH_BINARY)
    n, cc, stats, cents = cv2.connectedComponentsWithStats(bw, connectivity=8)
    if n <= 1:
        return None
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
    if len(idx) < 3:
        return None
    # each shape's mean gradient: printed strokes have sharp, strong edges, weave noise not
    gmean = np.bincount(cc.ravel(), weights=grad.ravel(), minlength=n) / np.maximum(stats[:, 4], 1)
    cx, cy = cents[1:, 0], cents[1:, 1]
    # a frame around a sign (or a tile outline) holds the centres of other shapes: drop it
    counts = np.zeros((H, W), np.float32)
    np.add.at(
        counts, (np.clip(cy[idx].astype(int), 0, H - 1), np.clip(cx[idx].astype(int), 0, W - 1)), 1
    )
    integ = cv2.integral(counts, sdepth=cv2.CV_64F)  # (H+1, W+1), 10x faster than cumsum
    xi0, yi0 = x[idx].astype(int), y[idx].astype(int)
    xi1, yi1 = xi0 + w[idx].astype(int), yi0 + h[idx].astype(int)
    inside = integ[yi1, xi1] - integ[yi0, xi1] - integ[yi1, xi0] + integ[yi0, xi0]
    idx = idx[inside <= 3]
    if len(idx) < 3:
        return None
    return _Shapes(idx, x, y, w, h, area, cx, cy, cc, stats, gmean)


def _chain(shape: tuple[int, int], sh: _Shapes) -> list[_Line]:
    """Rows of shapes chained into candidate lines (largest first)."""
    H, W = shape
    idx, x, y, w, h, area, cx, cy = sh.idx, sh.x, sh.y, sh.w, sh.h, sh.area, sh.cx, sh.cy
    cc, stats, gmean = sh.cc, sh.stats, sh.gmean
    # chain characters: a bar through each one's centre, widened by ~0.7 of its height and
    # half its height thick, so that letters of one row touch and rows do not (even tilted)
    mask = np.zeros((H, W), np.uint8)
    for i in idx:
        ex, ey = h[i] * 0.7, h[i] * 0.25
        cv2.rectangle(
            mask,
            (int(x[i] - ex), int(cy[i] - ey)),
            (int(x[i] + w[i] + ex), int(cy[i] + ey)),
            255,
            -1,
        )
    m, lab = cv2.connectedComponents(mask, connectivity=8)
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
        # (weighted by area: the dots and marks of Arabic or Hebrew barely pull the slope)
        wt = np.sqrt(area[mem])
        slope = float(np.polyfit(cx[mem], cy[mem], 1, w=wt)[0]) if np.ptp(cx[mem]) > 0 else 0.0
        mx, my = float(np.average(cx[mem], weights=wt)), float(np.average(cy[mem], weights=wt))
        resid = cy[mem] - (my + slope * (cx[mem] - mx))
        if np.abs(resid).max() > 1.2 * med_h or abs(slope) > 0.35:
            continue
        # weak edges: weave and sensor noise just above the threshold, not printed strokes
        if float(np.median(gmean[mem + 1])) < MIN_EDGE:
            continue
        # periodic motifs: a row of near-identical shapes is wallpaper, tiles or fabric
        if _repetitive(cc, stats, mem):
            continue
        c = np.cos(np.arctan(slope))
        lines.append(
            _Line(
                box=(int(x0), int(y0), int(x1 - x0), int(y1 - y0)),
                char_h=med_h,
                angle=float(np.degrees(np.arctan(slope))),
                n=len(mem),
                centre=((x0 + x1) / 2, my + slope * ((x0 + x1) / 2 - mx)),
                length=float((x1 - x0) / c),
                half=float(np.max(np.abs(resid) * c + hh / 2)),
            )
        )
    lines.sort(key=lambda ln: -ln.length * ln.char_h)
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
    # 0.12 (small wallpaper motifs after JPEG), 69-86 % of their shapes within 0.16 of the
    # median shape; lines of letters a median of 0.15-0.35, at most 53 % within 0.16
    md = float(np.median(d))
    return md < 0.06 or (md < 0.16 and cv_aspect < 0.2) or float(np.mean(d < 0.16)) >= 0.65


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


# The letters a word of each script may hold, lower case. Latin: any Latin letter (every
# European diacritic). Cyrillic: Russian, Ukrainian, Belarusian and Bulgarian; Greek: modern
# Greek. A model that "reads" another script's text answers with rare letters (Macedonian
# ѓ ќ ѕ, polytonic Greek), which this catches.
_ALPHABETS: dict[str, str] = {
    "Cyrillic": "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
    "Greek": "αβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώϊϋΐΰ",
}


def word_script(word: str) -> str | None:
    """The script of a plausible word (its letters of one script), else None."""
    letters = [c for c in word if c.isalpha()]
    if not letters or len(letters) / len(word) < 0.6:
        return None
    scripts = [_letter_script(c) for c in letters]
    script = max(set(scripts), key=scripts.count)
    if script is None or scripts.count(script) / len(scripts) < 0.9:
        return None
    alphabet = _ALPHABETS.get(script)
    if alphabet and any(c.lower() not in alphabet for c in letters):
        return None
    # a run of one repeated letter ("lllll", "ooo") is a texture, not a word
    if len(letters) >= 3 and len(set(c.lower() for c in letters)) == 1:
        return None
    return script


def _cut_line(
    rgb: np.ndarray, ln: _Line, scale: float
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The line cut from the original picture along its slope, scaled for reading, grey."""
    H, W = rgb.shape[:2]
    f = float(np.clip(READ_HEIGHT / max(ln.char_h * scale, 1.0), 0.2, 4.0))
    pad_u, pad_v = ln.char_h * 0.7, ln.char_h * 0.35  # detection pixels
    U = int(round((ln.length + 2 * pad_u) * scale * f))
    V = int(round((2 * ln.half + 2 * pad_v) * scale * f))
    th = np.radians(ln.angle)
    c, s = np.cos(th), np.sin(th)
    cx, cy = ln.centre[0] * scale, ln.centre[1] * scale
    # output (u, v) -> input (x, y): rotate by the slope about the row's centre, scale 1/f
    M = np.array(
        [
            [c / f, -s / f, cx - (c * U / 2 - s * V / 2) / f],
            [s / f, c / f, cy - (s * U / 2 + c * V / 2) / f],
        ],
        np.float64,
    )
    src = rgb
    if f < 0.6:  # reduce first so that the sampling does not alias
        k = int(1 / f) | 1
        src = cv2.GaussianBlur(rgb, (k, k), 0)
    crop = cv2.warpAffine(
        src,
        M,
        (max(U, 1), max(V, 1)),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    crop = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    corners = np.array([[0, 0, 1], [U, 0, 1], [U, V, 1], [0, V, 1]], np.float64) @ M.T
    x0, y0 = np.clip(corners.min(axis=0), 0, [W, H]).astype(int)
    x1, y1 = np.clip(corners.max(axis=0), 0, [W, H]).astype(int)
    # dark text on light ground reads best: invert when the line's ground is dark
    if float(np.median(crop)) < 110:
        crop = 255 - crop
    return crop, (int(x0), int(y0), int(x1 - x0), int(y1 - y0))


def _read_with(model: str, crop: np.ndarray, script: str) -> tuple[list[tuple[str, float]], float]:
    """Words (text, confidence) of one line read with one script model, and their mean conf."""
    import tesserocr

    api = _api(model)
    api.SetImage(Image.fromarray(crop))
    api.Recognize()
    words: list[tuple[str, float]] = []
    it = api.GetIterator()
    level = tesserocr.RIL.WORD
    if it is None:
        return words, 0.0
    for r in tesserocr.iterate_level(it, level):
        try:
            t = r.GetUTF8Text(level)
        except RuntimeError:  # an empty word box
            continue
        t = _BIDI_MARKS.sub("", t).strip().strip(_EDGE_JUNK)
        if not t:
            continue
        # the iterator gives words in reading order but the letters of a right-to-left
        # word in visual order: put them back in logical order
        if r.WordDirection() in (tesserocr.DIR.RIGHT_TO_LEFT, tesserocr.DIR.MIX):
            t = t[::-1]
        words.append((t, float(r.Confidence(level))))
    mean = float(np.mean([c for _, c in words])) if words else 0.0
    return words, mean


def _judge(words: list[tuple[str, float]]) -> tuple[float, list[tuple[str, float, str]]]:
    """A reading's score (0-100: confidence over all its letters, implausible words count 0)
    and its plausible words with their script."""
    total = sum(sum(c.isalpha() for c in w) or 1 for w, _ in words)
    good = []
    for w, c in words:
        sc = word_script(w)
        if sc is not None:
            good.append((w, c, sc))
    score = sum(c * sum(ch.isalpha() for ch in w) for w, c, _ in good) / max(total, 1)
    return score, good


def read_line(crop: np.ndarray) -> tuple[str, float, str] | None:
    """Read a grey line crop: the script models in turn, the best plausible reading.

    The models go in the order of ``SCRIPT_MODELS`` (Latin first: most signs); a reading
    scoring ``EARLY_STOP_CONF`` ends the search.
    A line is kept when its reading scores at least ``MIN_LINE_CONF`` and holds a word of
    three letters or more read with confidence ``STRONG_WORD_CONF``; its words of confidence
    ``MIN_WORD_CONF`` or more are kept.
    """
    best: tuple[float, list[tuple[str, float, str]]] | None = None
    for script, model in SCRIPT_MODELS.items():
        words, _ = _read_with(model, crop, script)
        score, good = _judge(words)
        if best is None or score > best[0]:
            best = (score, good)
        if score >= EARLY_STOP_CONF:  # a confident plausible reading: the others cost time
            break
    if best is None:
        return None
    score, good = best
    if score < MIN_LINE_CONF:
        return None
    if not any(c >= STRONG_WORD_CONF and sum(ch.isalpha() for ch in w) >= 3 for w, c, _ in good):
        return None
    kept = [(w, c, sc) for w, c, sc in good if c >= MIN_WORD_CONF]
    # one token over and over ("CI CI CI") is a motif read as letters
    tokens = [w.casefold() for w, _, _ in kept]
    if len(tokens) >= 3 and max(tokens.count(t) for t in tokens) / len(tokens) >= 0.5:
        return None
    letters: dict[str, int] = {}
    for w, _, sc in kept:
        letters[sc] = letters.get(sc, 0) + sum(ch.isalpha() for ch in w)
    script = max(letters, key=lambda k: letters[k])
    return " ".join(w for w, _, _ in kept), score / 100.0, script


def _find(rgb: np.ndarray) -> tuple[list[_Line], float, bool]:
    """Candidate lines (largest first), the detection scale, and whether the picture was
    also searched turned (its shapes lie in rows at an angle: :func:`_rows_angle`)."""
    H, W = rgb.shape[:2]
    scale = max(H, W) / DETECT_SIDE if max(H, W) > DETECT_SIDE else 1.0
    small = _small_grey(rgb, scale)
    sh = _shapes(small)
    if sh is None:
        return [], scale, False
    lines = _chain(small.shape, sh)
    angle = _rows_angle(sh)
    if angle is None:
        return lines, scale, False
    turned = _turned_lines(small, angle)
    # the rows found turned first: upright, the paragraph's rows chain into blocks that
    # read as nothing and would use up MAX_FAILED before them
    held = [ln for ln in lines if not any(_covers(t, ln.centre) for t in turned)]
    return (turned + held)[:MAX_LINES], scale, True


def _rows_angle(sh: _Shapes) -> float | None:
    """The angle (degrees, as :attr:`_Line.angle`) of the rows the shapes lie in, when they
    clearly lie in tilted rows: None for upright text or no rows.

    A projection profile: the shapes' centres projected across each angle from -20 to 20
    degrees into bins of half a character's height; rows of text make the profile peaky at
    their angle (the sum of squared bin counts is 2.5-3.3 times that of the upright
    profile for a paragraph turned 5-15 degrees; 2.35 for OpenCV's imageTextR.png), while
    scattered shapes give a flat gain (1.3-1.6 on the chessboards and other sample
    photographs with 40 shapes or more).
    """
    i = sh.idx
    if len(i) < SKEW_MIN_SHAPES:
        return None
    cx, cy = sh.cx[i], sh.cy[i]
    step = max(float(np.median(sh.h[i])) / 2, 1.0)
    angles = np.arange(-SKEW_MAX, SKEW_MAX + 0.5, 1.0)
    th = np.radians(angles)[:, None]
    across = np.floor((cy[None] * np.cos(th) - cx[None] * np.sin(th)) / step).astype(np.int64)
    across -= across.min(axis=1, keepdims=True)
    peak = np.array([float((np.bincount(row).astype(np.float64) ** 2).sum()) for row in across])
    best = int(np.argmax(peak))
    upright = peak[len(angles) // 2]
    if abs(angles[best]) < DESKEW_MIN or peak[best] < SKEW_GAIN * upright:
        return None
    # across = y cos - x sin is constant along a row of slope tan(angle): the row's angle
    return float(angles[best])


def _small_grey(rgb: np.ndarray, scale: float) -> np.ndarray:
    """The picture in grey, reduced by ``scale`` (grey first: a third of the resizing)."""
    H, W = rgb.shape[:2]
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if scale == 1.0:
        return gray
    return cv2.resize(gray, (round(W / scale), round(H / scale)), interpolation=cv2.INTER_AREA)


def _turned_lines(small: np.ndarray, angle: float) -> list[_Line]:
    """Lines found with the picture turned by ``angle`` degrees, in the coordinates of the
    picture before turning.

    Rows of a dense paragraph tilted by more than ~6 degrees touch each other in the
    row-chaining of :func:`find_lines` and are lost; its isolated lines (a heading, the
    last line) are still found, at their angle. Turning the picture by that angle and
    looking again finds the paragraph (OpenCV's ``imageTextR.png``, a page turned 9
    degrees: 1 line read upright, 12 once turned).
    """
    H, W = small.shape
    M = cv2.getRotationMatrix2D((W / 2, H / 2), angle, 1.0)
    c, s = abs(M[0, 0]), abs(M[0, 1])
    nw, nh = int(H * s + W * c) + 1, int(H * c + W * s) + 1
    M[0, 2] += nw / 2 - W / 2
    M[1, 2] += nh / 2 - H / 2
    turned = cv2.warpAffine(small, M, (nw, nh), borderMode=cv2.BORDER_REPLICATE)
    back = cv2.invertAffineTransform(M)
    return [_turned_back(ln, back, angle, W, H) for ln in find_lines(turned)]


def _turned_back(ln: _Line, back: np.ndarray, angle: float, W: int, H: int) -> _Line:
    """A line found in the turned picture, in the coordinates of the picture before."""
    cx, cy = back @ np.array([ln.centre[0], ln.centre[1], 1.0])
    th = np.radians(ln.angle + angle)
    u = np.array([np.cos(th), np.sin(th)]) * ln.length / 2
    v = np.array([-np.sin(th), np.cos(th)]) * ln.half
    corners = np.array([[cx, cy]]) + np.array([u + v, u - v, -u + v, -u - v])
    x0, y0 = np.clip(corners.min(axis=0), 0, [W, H])
    x1, y1 = np.clip(corners.max(axis=0), 0, [W, H])
    return _Line(
        box=(int(x0), int(y0), int(x1 - x0), int(y1 - y0)),
        char_h=ln.char_h,
        angle=ln.angle + angle,
        n=ln.n,
        centre=(float(cx), float(cy)),
        length=ln.length,
        half=ln.half,
    )


def _covers(ln: _Line, pt: tuple[float, float]) -> bool:
    """Does the row of ``ln`` hold the point (within its length and thickness)?"""
    th = np.radians(ln.angle)
    dx, dy = pt[0] - ln.centre[0], pt[1] - ln.centre[1]
    along = dx * np.cos(th) + dy * np.sin(th)
    across = -dx * np.sin(th) + dy * np.cos(th)
    return bool(abs(along) <= ln.length / 2 and abs(across) <= ln.half + ln.char_h / 2)


def text_line_count(image: Image.Image | np.ndarray) -> int:
    """How many candidate text lines the finding step sees (no reading): 0 = no text."""
    return len(_find(_as_rgb(image))[0])


def read_text(image: Image.Image | np.ndarray) -> list[TextRead]:
    """Every line of text read in an RGB picture; [] (fast) when it holds none."""
    rgb = _as_rgb(image)
    lines, scale, turned = _find(rgb)
    out, tilted = _read_lines(rgb, lines, scale)
    if tilted and not turned:
        # a line was read at an angle: its paragraph may be there too, lost upright
        found = _turned_lines(_small_grey(rgb, scale), float(np.median(tilted)))
        new = [t for t in found if not any(_covers(t, ln.centre) for ln in lines)]
        out += _read_lines(rgb, new, scale)[0]
    out.sort(key=lambda r: (r.box[1], r.box[0]))
    return out


def _read_lines(
    rgb: np.ndarray, lines: list[_Line], scale: float
) -> tuple[list[TextRead], list[float]]:
    """The lines read (largest first; stop after ``MAX_FAILED`` unread in a row) and the
    angles of those read at ``DESKEW_MIN`` degrees or more."""
    out: list[TextRead] = []
    tilted: list[float] = []
    failed = 0
    for ln in lines[:MAX_LINES]:
        if failed >= MAX_FAILED:
            break
        crop, box = _cut_line(rgb, ln, scale)
        got = read_line(crop) if crop.size else None
        if got is None:
            failed += 1
            continue
        failed = 0
        text, conf, script = got
        out.append(TextRead(text=" ".join(text.split()), box=box, confidence=conf, script=script))
        if abs(ln.angle) >= DESKEW_MIN:
            tilted.append(ln.angle)
    return out, tilted
