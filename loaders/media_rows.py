"""Analysed files as rows for the graph: Media properties, camera ids, places.

:func:`media_props` turns one analysis (:class:`media.mediafile.MediaInfo` as a dict) into
``Media`` properties; :func:`media_row` makes the row the writers take (cases, series,
camera); :class:`PlaceResolver` fills the rows' gazetteer places in bulk, where the writer
runs (the gazetteer is built on first use, only when a row has GPS).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from graph import gazetteer, names


@lru_cache(maxsize=65_536)
def camera_id(make: str | None, model: str | None, serial: str) -> str:
    """Normalised ``make|model|serial``: each part folded (NFKC, case, diacritics, spaces).

    >>> camera_id("Canon ", "Canon EOS  5D", "0123AB")
    'canon|canon eos 5d|0123ab'
    """
    return "|".join(names.fold(p or "") for p in (make, model, serial))


def temporal(value: str | None) -> datetime | None:
    """An ISO date-time as a Python datetime (naive -> LocalDateTime, offset -> DateTime)."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def media_props(info: dict[str, Any]) -> dict[str, Any]:
    """Media properties (camelCase, nulls dropped) of one :class:`MediaInfo` as a dict."""
    h = info.get("hashes") or {}
    ex = info.get("exif") or {}
    vid = info.get("video") or {}
    vf = vid.get("frames") or []
    props: dict[str, Any] = {
        "md5": info.get("md5"),
        "sha1": info.get("sha1"),
        "kind": info.get("kind"),
        "mime": info.get("mime"),
        "bytes": info.get("bytes"),
        "width": info.get("width"),
        "height": info.get("height"),
        "pdq": h.get("pdq"),
        "pdqQuality": h.get("pdq_quality"),
        "pdqVariants": h.get("pdq_variants"),
        "pdqTrimmed": h.get("pdq_trimmed"),
        "pdqTrimmedQuality": h.get("pdq_trimmed_quality"),
        "pdqCrops": h.get("pdq_crops"),
        "phash": h.get("phash"),
        "capturedAt": temporal(ex.get("captured_at")),
        "make": ex.get("make"),
        "model": ex.get("model"),
        "software": ex.get("software"),
        "orientation": ex.get("orientation"),
        "lat": ex.get("lat"),
        "lon": ex.get("lon"),
        "serial": ex.get("serial"),
        "lensSerial": ex.get("lens_serial"),
        "ownerName": ex.get("owner_name"),
        # Videos (loaders/video.py): sampled frames as parallel lists, the best frame's
        # PDQ as the video's own, container metadata.
        "frames": [f[1] for f in vf] or None,
        "frameQualities": [f[2] for f in vf] or None,
        "frameTimes": [f[0] for f in vf] or None,
        "durationSeconds": vid.get("duration_seconds"),
        "videoCodec": vid.get("codec"),
        "frameRate": vid.get("frame_rate"),
        "rotation": vid.get("rotation"),
    }
    if vid.get("pdq"):
        props["pdq"], props["pdqQuality"] = vid["pdq"], vid.get("pdq_quality")
    return {k: v for k, v in props.items() if v is not None and v != []}


def media_row(
    sha256: str,
    props: dict[str, Any],
    *,
    case_id: str,
    series_id: str | None,
    path: str | None = None,
    file_name: str | None = None,
) -> dict[str, Any]:
    """One row for :func:`write_media` (the place is resolved later, in bulk)."""
    serial = props.get("serial")
    camera = None
    if serial:
        camera = {
            "id": camera_id(props.get("make"), props.get("model"), serial),
            "make": props.get("make"),
            "model": props.get("model"),
            "serial": serial,
        }
    if path is None and file_name:
        props = {**props, "fileName": file_name}
    return {
        "sha256": sha256,
        "props": props,
        "path": path,
        "fileName": file_name,
        "caseId": case_id,
        "seriesId": series_id,
        "camera": camera,
        "place": None,
        "lat": props.get("lat"),
        "lon": props.get("lon"),
    }


class PlaceResolver:
    """GPS point -> gazetteer place map (:func:`graph.gazetteer.place_params`), cached per
    point rounded to about a metre."""

    def __init__(self) -> None:
        self._cache: dict[tuple[float, float], dict[str, Any] | None] = {}

    def __call__(self, lat: float, lon: float) -> dict[str, Any] | None:
        key = (round(lat, 5), round(lon, 5))
        if key in self._cache:
            return self._cache[key]
        try:
            p = gazetteer.resolve_point(lat, lon)
        except ValueError:
            p = None
        place = gazetteer.place_params(p) if p is not None and p.country_code else None
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[key] = place
        return place

    def fill(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            if r.get("lat") is not None and r.get("lon") is not None and r.get("place") is None:
                r["place"] = self(r["lat"], r["lon"])
