"""``media_records.csv``: media known by their metadata only (the large demo world).

``cluegraph load media-records FILE.csv``. Columns: ``sha256, md5, sha1, pdq,
pdq_quality, phash, width, height, bytes, mime, file_name, case_id, series_id,
captured_at, make, model, serial, lat, lon`` (``sha256`` and ``case_id`` required). The
cases and series must already be in the graph; they are looked up in batches before
validation. Each record is written exactly as the media-folder loader writes a file
(:func:`loaders.media.write_media`): the same ``Media`` properties, ``HOLDS``,
``CONTAINS``, ``TAKEN_WITH`` a ``Camera`` when there is a serial, ``GEOTAGGED_AT`` a
gazetteer ``Location`` when there is GPS. Built for 100k-1M rows: validation is plain
Python (no model per row) and places are cached per point.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import neo4j

from graph.schema import Label
from loaders import fields, refs
from loaders.base import CsvLoader, InvalidRecord, shown
from loaders.media import WRITE_MEDIA, media_row, temporal, write_media

_HEX = re.compile(r"^[0-9a-f]+$")
_MIME = re.compile(r"^(image|video)/[a-z0-9.+-]{1,60}$")


def _hex(v: str, n: int, what: str) -> str:
    h = v.strip().lower()
    if len(h) != n or not _HEX.match(h):
        raise ValueError(f"not a {what} ({n} hex digits)")
    return h


def _int(v: str, lo: int = 0, hi: int = 2**62) -> int:
    try:
        i = int(v)
    except ValueError:
        raise ValueError("not an integer") from None
    if not lo <= i <= hi:
        raise ValueError(f"must be between {lo} and {hi}")
    return i


def _float(v: str) -> float:
    try:
        f = float(v)
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(f):
        raise ValueError("not a finite number")
    return f


class MediaRecordsLoader(CsvLoader):
    kind: ClassVar[str] = "media-records"
    required = ("sha256", "case_id")
    optional = (
        "md5",
        "sha1",
        "pdq",
        "pdq_quality",
        "phash",
        "width",
        "height",
        "bytes",
        "mime",
        "file_name",
        "series_id",
        "captured_at",
        "make",
        "model",
        "serial",
        "lat",
        "lon",
    )
    write_query = WRITE_MEDIA  # the first of the statements; see write()

    def write(
        self, driver: neo4j.Driver, rows: list[dict[str, Any]], params: Mapping[str, Any]
    ) -> dict[str, int]:
        return write_media(driver, rows, dict(params))

    def __init__(self) -> None:
        self.known: dict[Label, set[str]] | None = None

    def prepare(self, driver: neo4j.Driver | None, path: Path, lenient: bool) -> None:
        """Look up, once and in batches, which cases and series of the file exist."""
        self.known = None
        if driver is not None:
            ids = refs.column_values(
                path, {"case_id": fields.identifier, "series_id": fields.identifier}
            )
            self.known = {
                Label.CASE: refs.existing_keys(driver, Label.CASE, ids["case_id"]),
                Label.SERIES: refs.existing_keys(driver, Label.SERIES, ids["series_id"]),
            }

    def _exists(self, lbl: Label, key: str) -> bool:
        return self.known is None or key in self.known[lbl]

    # ------------------------------------------------------------ one row
    def validate(self, raw: dict[str, str], file: str, line: int) -> dict[str, Any]:
        col = ""
        get = _getter(raw)  # values arrive stripped (CsvLoader.rows)
        try:
            col = "sha256"
            sha256 = _hex(get("sha256"), 64, "SHA-256")
            props: dict[str, Any] = {}
            col = "md5"
            if get("md5"):
                props["md5"] = _hex(get("md5"), 32, "MD5")
            col = "sha1"
            if get("sha1"):
                props["sha1"] = _hex(get("sha1"), 40, "SHA-1")
            col = "pdq"
            if get("pdq"):
                props["pdq"] = _hex(get("pdq"), 64, "PDQ hash")
            col = "pdq_quality"
            if get("pdq_quality"):
                props["pdqQuality"] = _int(get("pdq_quality"), 0, 100)
            col = "phash"
            if get("phash"):
                props["phash"] = _hex(get("phash"), 16, "pHash")
            for c, key in (("width", "width"), ("height", "height"), ("bytes", "bytes")):
                col = c
                if get(c):
                    props[key] = _int(get(c), 0)
            col = "mime"
            mime = get("mime").lower()
            if mime:
                if not _MIME.match(mime):
                    raise ValueError("not an image/... or video/... MIME type")
                props["mime"] = mime
                props["kind"] = mime.split("/", 1)[0]
            col = "captured_at"
            if get("captured_at"):
                props["capturedAt"] = temporal(fields.iso_datetime(get("captured_at")))
            for c in ("make", "model", "serial"):
                col = c
                if get(c):
                    props[c] = _text128(get(c))
            col = "lat"
            lat = _float(get("lat")) if get("lat") else None
            col = "lon"
            lon = _float(get("lon")) if get("lon") else None
            if (lat is None) != (lon is None):
                col = "lat" if lat is None else "lon"
                raise ValueError("lat and lon go together: give both or neither")
            if lat is not None and lon is not None:
                col = "lat"
                if not -90 <= lat <= 90:
                    raise ValueError("latitude outside -90..90")
                col = "lon"
                if not -180 <= lon <= 180:
                    raise ValueError("longitude outside -180..180")
                props["lat"], props["lon"] = lat, lon
            col = "file_name"
            file_name = fields.text(get("file_name"), 500) or None
            col = "case_id"
            case_id = _identifier(get("case_id"))
            if not self._exists(Label.CASE, case_id):
                raise ValueError(f"unknown case {shown(case_id)}; load cases first")
            col = "series_id"
            series_id = _identifier(get("series_id")) if get("series_id") else None
            if series_id and not self._exists(Label.SERIES, series_id):
                raise ValueError(f"unknown series {shown(series_id)}; load series first")
        except ValueError as e:
            value = raw.get(col, "")
            msg = str(e)
            raise InvalidRecord(
                f"{msg} (got {shown(value)})" if value and not msg.startswith("unknown") else msg,
                file=file,
                line=line,
                field=col,
            ) from None
        row = media_row(sha256, props, case_id=case_id, series_id=series_id, file_name=file_name)
        if lat is not None and lon is not None:
            row["place"] = place_for(lat, lon)
        return row


def _getter(raw: dict[str, str]) -> Callable[[str], str]:
    def get(name: str) -> str:
        return raw.get(name) or ""

    return get


@lru_cache(maxsize=100_000)
def _identifier(v: str) -> str:
    return fields.identifier(v)


@lru_cache(maxsize=100_000)
def _text128(v: str) -> str:
    return fields.text(v, 128)


@lru_cache(maxsize=200_000)
def _cached_place(lat: float, lon: float) -> tuple | None:
    from loaders import geo

    try:
        p = geo.resolve_point(lat, lon)
    except ValueError:
        return None
    if not p.country_code:
        return None
    return tuple(sorted(geo.place_params(p).items()))


def place_for(lat: float, lon: float) -> dict[str, Any] | None:
    """The gazetteer place map of a point (cached per point rounded to about a metre)."""
    t = _cached_place(round(lat, 5), round(lon, 5))
    return dict(t) if t is not None else None
