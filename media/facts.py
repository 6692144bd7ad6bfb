"""What every analysis of one file shares: its error, its EXIF facts, the decode limit and
the cleaning of a text value read from a file. Below ``media/mediafile.py`` (pictures) and
``media/video.py`` (videos), which both use them.

>>> text_value("  Canon EOS 5D ")
'Canon EOS 5D'
>>> text_value(12) is None
True
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

#: Images with more pixels than this are refused before decoding. Pillow's own guard
#: (``Image.MAX_IMAGE_PIXELS``, 89.5 MP by default) stays on and its warning counts as an
#: error, so the effective limit is the lower of the two.
DEFAULT_MAX_PIXELS = 100_000_000

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class MediaError(Exception):
    """A file that cannot be analysed. ``reason`` is a short machine code.

    Codes: ``not_found``, ``unreadable``, ``zero_bytes``, ``unsupported_type``,
    ``too_large``, ``decompression_bomb``, ``truncated``, ``corrupt``, ``timeout`` (a video
    over its time limit). The message names the file and the problem, never anything read
    from the file.
    """

    def __init__(self, reason: str, message: str, path: str | os.PathLike[str] | None = None):
        super().__init__(message)
        self.reason = reason
        self.path = None if path is None else str(path)


@dataclass
class ExifInfo:
    make: str | None = None
    model: str | None = None
    serial: str | None = None
    software: str | None = None
    orientation: int | None = None
    captured_at: str | None = None
    lat: float | None = None
    lon: float | None = None
    lens_serial: str | None = None
    owner_name: str | None = None


def text_value(value: Any, allow_number: bool = False, max_len: int = 128) -> str | None:
    """A clean one-line string, or None for empty or non-text values."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    elif allow_number and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    elif isinstance(value, list) and allow_number and len(value) == 1:
        return text_value(value[0], allow_number, max_len)
    if not isinstance(value, str):
        return None
    value = _CONTROL.sub("", value.strip("\x00 \t\r\n").split("\x00", 1)[0]).strip()
    if not value or "\ufffd" in value:
        return None
    return value[:max_len]
