"""8-bit RGB from every Pillow mode a file can hold (media/pixels.py)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from media.pixels import to_grey8, to_rgb8

GREY = np.tile(np.linspace(0, 255, 64).astype(np.uint8), (48, 1))


def _wide(mode: str) -> Image.Image:
    if mode == "F":
        return Image.fromarray(GREY.astype(np.float32) / 255.0, "F")
    return Image.fromarray(GREY.astype(np.uint16) * 257).convert(mode)


@pytest.mark.parametrize("mode", ["I;16", "I", "F"])
def test_wide_greys_are_scaled_to_8_bits_not_clipped(mode):
    img = _wide(mode)
    assert img.mode == mode
    assert np.array_equal(np.asarray(to_grey8(img)), GREY)
    rgb = to_rgb8(img)
    assert rgb.mode == "RGB" and np.array_equal(np.asarray(rgb)[:, :, 1], GREY)
    # what Pillow alone gives: a frame clipped to white (integers) or to 0/1 (floats)
    assert np.isin(np.asarray(img.convert("RGB")), (0, 1, 255)).mean() > 0.9


def test_8_bit_integer_values_stay_as_they_are():
    img = Image.fromarray(GREY.astype(np.int32), "I")
    assert np.array_equal(np.asarray(to_grey8(img)), GREY)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "L", "CMYK", "1"])
def test_other_modes_convert_as_pillow_does(mode):
    rgb = Image.fromarray(np.stack([GREY, GREY[::-1], GREY], axis=2))
    img = rgb.convert(mode)
    assert np.array_equal(np.asarray(to_rgb8(img)), np.asarray(img.convert("RGB")))


def test_an_rgb_picture_is_returned_as_it_is():
    img = Image.new("RGB", (4, 4), (1, 2, 3))
    assert to_rgb8(img) is img


def test_the_app_preview_of_a_16_bit_scan_is_not_a_white_frame(tmp_path):
    from app import components as C

    p = tmp_path / "scan.png"
    _wide("I;16").save(p)
    for revealed in (True, False):
        png = C._thumb(str(p), p.stat().st_mtime, revealed, 64)
        assert png is not None
        shown = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
        assert abs(shown.mean() - GREY.mean()) < 30, revealed  # a white frame: ~250
