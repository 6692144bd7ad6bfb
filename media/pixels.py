"""8-bit RGB from any Pillow picture mode: the one conversion every reader of pixels uses.

Pillow's own ``convert("RGB")`` clips 16- and 32-bit integer greys at 255 and reads float
greys (0..1) as 0 or 1: a 16-bit scan or PNG becomes a white frame, a float TIFF a black
one, and both would hash, match and display as flat. Here they are scaled to 8 bits first
(16-bit values by 257, floats of at most 1.0 by 255); every other mode (palette, CMYK,
alpha, 1-bit) goes through Pillow's conversion (alpha dropped).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

_WIDE_GREY = ("I;16", "I;16L", "I;16B", "I;16N", "I")


def to_rgb8(img: Image.Image) -> Image.Image:
    """``img`` as an 8-bit RGB picture (the same object when it already is one)."""
    if img.mode == "RGB":
        return img
    return to_grey8(img).convert("RGB") if img.mode in (*_WIDE_GREY, "F") else img.convert("RGB")


def to_grey8(img: Image.Image) -> Image.Image:
    """``img`` as an 8-bit grey picture, wide greys scaled (see the module text)."""
    if img.mode in _WIDE_GREY:
        arr = np.asarray(img).astype(np.int64)
        arr = np.clip(arr, 0, 65535) // 257 if arr.max(initial=0) > 255 else np.clip(arr, 0, 255)
        return Image.fromarray(arr.astype(np.uint8), "L")
    if img.mode == "F":
        values = np.nan_to_num(np.asarray(img, dtype=np.float64))
        if values.max(initial=0.0) <= 1.0:
            values = values * 255.0
        return Image.fromarray(np.clip(values, 0, 255).astype(np.uint8), "L")
    return img.convert("L")
