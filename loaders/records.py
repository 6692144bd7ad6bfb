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
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, ClassVar

import neo4j

from graph.schema import Label
from loaders import fields, refs
from loaders.base import CsvLoader, InvalidFields, InvalidRecord, shown
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
        get = _getter(raw)  # values arrive stripped (CsvLoader.rows)
        bad: list[InvalidRecord] = []

        def check(col: str, fn: Callable[[], Any]) -> Any:
            """``fn()``, or None with the field's error kept (every bad field is reported)."""
            try:
                return fn()
            except ValueError as e:
                value, msg = raw.get(col, ""), str(e)
                if value and not msg.startswith("unknown"):
                    msg = f"{msg} (got {shown(value)})"
                bad.append(InvalidRecord(msg, file=file, line=line, field=col))
                return None

        def mime_of(v: str) -> str:
            if not _MIME.match(v):
                raise ValueError("not an image/... or video/... MIME type")
            return v

        def in_range(v: float | None, lo: float, hi: float, what: str) -> float | None:
            if v is not None and not lo <= v <= hi:
                raise ValueError(f"{what} outside {lo:g}..{hi:g}")
            return v

        def known(lbl: Label, v: str, what: str, first: str) -> str:
            if not self._exists(lbl, v):
                raise ValueError(f"unknown {what} {shown(v)}; load {first} first")
            return v

        sha256 = check("sha256", lambda: _hex(get("sha256"), 64, "SHA-256"))
        props: dict[str, Any] = {}
        parsers: tuple[tuple[str, str, Callable[[str], Any]], ...] = (
            ("md5", "md5", lambda v: _hex(v, 32, "MD5")),
            ("sha1", "sha1", lambda v: _hex(v, 40, "SHA-1")),
            ("pdq", "pdq", lambda v: _hex(v, 64, "PDQ hash")),
            ("pdq_quality", "pdqQuality", lambda v: _int(v, 0, 100)),
            ("phash", "phash", lambda v: _hex(v, 16, "pHash")),
            ("width", "width", lambda v: _int(v, 0)),
            ("height", "height", lambda v: _int(v, 0)),
            ("bytes", "bytes", lambda v: _int(v, 0)),
            ("captured_at", "capturedAt", lambda v: temporal(fields.iso_datetime(v))),
            ("make", "make", _text128),
            ("model", "model", _text128),
            ("serial", "serial", _text128),
        )
        for col, key, fn in parsers:
            if get(col):
                value = check(col, partial(fn, get(col)))
                if value is not None:
                    props[key] = value
        mime = get("mime").lower()
        if mime and check("mime", lambda: mime_of(mime)) is not None:
            props["mime"] = mime
            props["kind"] = mime.split("/", 1)[0]
        lat = check("lat", lambda: _float(get("lat"))) if get("lat") else None
        lon = check("lon", lambda: _float(get("lon"))) if get("lon") else None
        if bool(get("lat")) != bool(get("lon")):
            col = "lon" if get("lat") else "lat"

            def both() -> None:
                raise ValueError("lat and lon go together: give both or neither")

            check(col, both)
        lat = check("lat", lambda: in_range(lat, -90, 90, "latitude"))
        lon = check("lon", lambda: in_range(lon, -180, 180, "longitude"))
        if lat is not None and lon is not None:
            props["lat"], props["lon"] = lat, lon
        file_name = check("file_name", lambda: fields.text(get("file_name"), 500) or None)
        case_id = check(
            "case_id", lambda: known(Label.CASE, _identifier(get("case_id")), "case", "cases")
        )
        series_id = None
        if get("series_id"):
            series_id = check(
                "series_id",
                lambda: known(Label.SERIES, _identifier(get("series_id")), "series", "series"),
            )
        if bad:
            raise bad[0] if len(bad) == 1 else InvalidFields(bad)
        assert sha256 is not None and case_id is not None  # checked above: else `bad`
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
