"""Camera serials, lens serials and owner names as ExifTool reads them.

ExifTool (Debian's ``libimage-exiftool-perl``) is the reference reader of camera
metadata: it decodes the maker notes of every camera maker (Nikon, Olympus, Sigma, Canon,
FLIR, Reconyx, Panasonic, Fujifilm, Nintendo ...), DNG's own tags and XMP, and copes with
damaged EXIF blocks that Python's readers give up on. It runs as one long-lived
``exiftool -stay_open True -@ -`` process per analysis worker (through ``pyexiftool``),
started on the first file that needs it and closed when the worker exits, and it is asked
only about files whose serial Python's readers did not get (see
:func:`media.mediafile.read_exif_checked`): a picture without EXIF, or with a serial in
its standard EXIF tags, never reaches it.

Without ``exiftool`` on ``PATH`` :func:`read` returns None and the loader falls back on
exifread's maker-note decoding (fewer makers); the load report says so once.

Set ``CLUEGRAPH_EXIFTOOL=off`` to never ask ExifTool (as if it were missing), ``always``
to ask it about every picture (the benchmark's way of measuring its cost).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from typing import Any

import exiftool  # type: ignore[import-untyped]

__all__ = ["ReferenceTags", "available", "close", "mode", "pick", "read"]

#: Tags asked for. ExifTool names EXIF's BodySerialNumber (0xA431) ``SerialNumber`` and
#: CameraOwnerName (0xA430) ``OwnerName``; maker notes use the same names.
TAGS = (
    "SerialNumber",
    "CameraSerialNumber",
    "InternalSerialNumber",
    "LensSerialNumber",
    "OwnerName",
    "Make",
    "Model",
)
#: ``-fast``: stop reading a JPEG at its first scan (metadata sits before the pixels).
ARGS = ["-j", "-a", "-G1", "-fast", "-charset", "filename=utf8"]
#: Groups of the standard EXIF/TIFF directories (a serial there is the body's own).
_EXIF_GROUPS = {"ExifIFD", "IFD0", "IFD1", "SubIFD", "GPS"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

_process: exiftool.ExifTool | None = None
_broken = False
_tmpdir: str | None = None


@dataclass
class ReferenceTags:
    serial: str | None = None
    lens_serial: str | None = None
    owner_name: str | None = None
    make: str | None = None
    model: str | None = None


def mode() -> str:
    """``auto`` (default), ``always`` or ``off`` (``CLUEGRAPH_EXIFTOOL``)."""
    value = os.environ.get("CLUEGRAPH_EXIFTOOL", "auto").strip().lower()
    return value if value in ("auto", "always", "off") else "auto"


def available() -> bool:
    """Whether ExifTool can be asked (on ``PATH`` and not switched off)."""
    return mode() != "off" and shutil.which("exiftool") is not None


def clean(value: Any, max_len: int = 128) -> str | None:
    """ExifTool's printed value as one clean line (numbers as text), or None if blank."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = _CONTROL.sub("", value.strip("\x00 \t\r\n").split("\x00", 1)[0]).strip()
    if not value or "\ufffd" in value:
        return None
    return value[:max_len]


def pick(tags: dict[str, Any]) -> ReferenceTags:
    """The camera serial, lens serial and owner name from ``exiftool -j -a -G1`` output.

    Serial, first found: ``SerialNumber`` in the EXIF/TIFF directories (the body serial),
    ``SerialNumber`` of a maker note, ``CameraSerialNumber`` (DNG, FLIR), ``SerialNumber``
    in XMP, then ``InternalSerialNumber`` (Olympus, Panasonic, Fujifilm, Nintendo ...).
    """
    found: dict[str, list[tuple[str, str]]] = {}
    for key, value in tags.items():
        group, _, name = key.rpartition(":")
        text = clean(value)
        if text is not None:
            found.setdefault(name, []).append((group, text))

    def first(name: str, want=lambda g: True) -> str | None:
        return next((v for g, v in found.get(name, ()) if want(g)), None)

    def exif(g: str) -> bool:
        return g in _EXIF_GROUPS

    def maker(g: str) -> bool:
        return g not in _EXIF_GROUPS and not g.startswith("XMP")

    serial = (
        first("SerialNumber", exif)
        or first("SerialNumber", maker)
        or first("CameraSerialNumber")
        or first("SerialNumber")
        or first("InternalSerialNumber")
    )
    return ReferenceTags(
        serial=serial,
        lens_serial=first("LensSerialNumber", exif) or first("LensSerialNumber"),
        owner_name=first("OwnerName", exif) or first("OwnerName"),
        make=first("Make", exif),
        model=first("Model", exif),
    )


def _start() -> exiftool.ExifTool | None:
    global _process, _broken
    if not available():
        # Switched off or gone from PATH since the last file: a process started before
        # (analysis now runs in this process for small loads) must not be used.
        close()
        return None
    if _process is not None and _process.running:
        return _process
    if _broken:
        return None
    try:
        et = exiftool.ExifTool(common_args=ARGS)
        et.run()
    except Exception:  # noqa: BLE001 - a missing or broken exiftool: fall back
        _broken = True
        return None
    _process = et
    return et


def _safe_argument(path: str) -> str:
    """ExifTool reads its arguments one per line: a file name with a line break (a seized
    folder may hold anything) is passed as a link with a plain name instead."""
    global _tmpdir
    if not any(c in path for c in "\r\n"):
        return os.path.abspath(path)
    if _tmpdir is None:
        _tmpdir = tempfile.mkdtemp(prefix="cluegraph-exiftool-")
    link = os.path.join(_tmpdir, "file")
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(os.path.abspath(path), link)
    return link


def read(path: str | os.PathLike[str]) -> ReferenceTags | None:
    """What ExifTool reads from one file, or None when it cannot be asked (missing,
    switched off, or it failed on this file: the caller falls back on Python's readers)."""
    et = _start()
    if et is None:
        return None
    try:
        arg = _safe_argument(os.fspath(path))
        out = et.execute_json(*(f"-{t}" for t in TAGS), arg)
    except Exception:  # noqa: BLE001 - a hostile file, or exiftool died: fall back
        close()
        return None
    if not out or not isinstance(out[0], dict):
        return None
    return pick(out[0])


def close() -> None:
    """Stop the ExifTool process (the next :func:`read` starts a new one) and remove the
    folder of links made for awkward file names."""
    global _process, _tmpdir
    et, _process = _process, None
    if et is not None:
        try:
            et.terminate(timeout=5)
        except Exception:  # noqa: BLE001 - it is going away anyway
            pass
    if _tmpdir is not None:
        shutil.rmtree(_tmpdir, ignore_errors=True)
        _tmpdir = None


atexit.register(close)
