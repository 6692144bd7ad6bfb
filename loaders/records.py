"""``media_records.csv``: media known by their metadata only (the large demo world).

``cluegraph load media-records FILE.csv``. Columns: ``sha256, md5, sha1, pdq,
pdq_quality, phash, width, height, bytes, mime, file_name, case_id, series_id,
captured_at, make, model, serial, lat, lon`` (``sha256`` and ``case_id`` required). The
cases and series must already be in the graph; they are looked up in batches before
validation. Each record is written exactly as the media-folder loader writes a file
(:func:`loaders.media_write.write_media`): the same ``Media`` properties, ``HOLDS``,
``CONTAINS``, ``TAKEN_WITH`` a ``Camera`` when there is a serial, ``GEOTAGGED_AT`` a
gazetteer ``Location`` when there is GPS. Built for 100k-1M rows: validation is plain
Python (no model per row) and places are cached per point.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, ClassVar

import neo4j

from graph.schema import Label
from loaders import fields, refs
from loaders.base import CsvLoader, InvalidFields, InvalidRecord, shown
from loaders.media import WRITE_MEDIA
from loaders.media_rows import media_row, temporal
from loaders.media_write import write_media_bulk

#: Write transactions in flight at once, and the fewest rows in one (see docs/scaling.md
#: "Bulk loads": measured at 100k and 1M records by bench/bench_records.py). Two also on
#: two cores: on a freshly started server one was faster, on a warm one (the usual case)
#: two were (measured 2026-12-07, quiet machine, docs/scaling.md).
WRITERS = 2
MIN_BATCH = 10_000

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
    spill = True  # validated once; pass 2 writes the kept rows (loaders.base._Spill)

    def write(
        self, driver: neo4j.Driver, rows: list[dict[str, Any]], params: Mapping[str, Any]
    ) -> dict[str, int]:
        return write_media_bulk(driver, rows, dict(params))

    def write_batches(
        self,
        driver: neo4j.Driver,
        batches: Iterator[list[dict[str, Any]]],
        params: Mapping[str, Any],
        done: Callable[[int, Mapping[str, int]], None],
    ) -> None:
        """``writers`` transactions in flight at once (threads: the driver waits on the
        server without the GIL), batches of at least ``min_batch`` rows; ``done`` is
        called in input order. A failed batch stops the load with its error once the
        batches in flight have ended (each batch is one transaction: nothing half-written)."""
        with ThreadPoolExecutor(max_workers=self.writers, thread_name_prefix="records") as pool:
            flight: deque[tuple[int, Future[dict[str, int]]]] = deque()
            for batch in _regroup(batches, self.min_batch):
                flight.append((len(batch), pool.submit(self.write, driver, batch, params)))
                while len(flight) > self.writers:
                    n, fut = flight.popleft()
                    done(n, fut.result())
            while flight:
                n, fut = flight.popleft()
                done(n, fut.result())

    def __init__(self, writers: int = WRITERS, min_batch: int = MIN_BATCH) -> None:
        self.known: dict[Label, set[str]] | None = None
        self.writers = max(1, writers)
        self.min_batch = max(1, min_batch)

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
        """The row of a valid record: :meth:`_fast` (no closures, a few cached lookups)
        gives it for the common well-formed record; anything it does not accept goes
        through :meth:`_checked`, which reports every bad field with its message."""
        try:
            row = self._fast(raw)
        except (ValueError, KeyError, TypeError):
            row = None
        return row if row is not None else self._checked(raw, file, line)

    def _fast(self, raw: dict[str, str]) -> dict[str, Any] | None:
        """The row of ``raw`` when every field is plainly valid, else None (or an
        exception): then :meth:`_checked` decides and words the errors. Gives exactly
        what :meth:`_checked` gives for the records it accepts
        (tests/loaders/test_records.py compares them)."""
        g = raw.get
        sha256 = (g("sha256") or "").lower()
        if not _HEX64(sha256):
            return None
        props: dict[str, Any] = {}
        for col, key, n in _HEX_COLS:
            v = g(col)
            if v:
                v = v.lower()
                if len(v) != n or not _HEXRUN(v):
                    return None
                props[key] = v
        for col, key, hi in _INT_COLS:
            v = g(col)
            if v:
                i = int(v)
                if not 0 <= i <= hi:
                    return None
                props[key] = i
        v = g("captured_at")
        if v:
            props["capturedAt"] = _when(v)
        for col in ("make", "model", "serial"):
            v = g(col)
            if v:
                props[col] = _text128(v)
        mime = (g("mime") or "").lower()
        if mime:
            if not _MIME.match(mime):
                return None
            props["mime"] = mime
            props["kind"] = mime.split("/", 1)[0]
        lat_s, lon_s = g("lat"), g("lon")
        lat = lon = None
        if lat_s or lon_s:
            if not (lat_s and lon_s):
                return None
            lat, lon = float(lat_s), float(lon_s)
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also refuses NaN
                return None
            props["lat"], props["lon"] = lat, lon
        v = g("file_name")
        file_name = (v if v.isascii() and v.isprintable() else fields.text(v, 500)) if v else ""
        if len(file_name) > 500:
            return None
        case_id = _identifier(g("case_id") or "")
        if not self._exists(Label.CASE, case_id):
            return None
        series_id = None
        v = g("series_id")
        if v:
            series_id = _identifier(v)
            if not self._exists(Label.SERIES, series_id):
                return None
        row = media_row(
            sha256, props, case_id=case_id, series_id=series_id, file_name=file_name or None
        )
        if lat is not None and lon is not None:
            row["place"] = place_for(lat, lon)
        return row

    def _checked(self, raw: dict[str, str], file: str, line: int) -> dict[str, Any]:
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


_HEX64 = re.compile(r"[0-9a-f]{64}").fullmatch
_HEXRUN = re.compile(r"[0-9a-f]+").fullmatch
#: (column, property, hex digits) and (column, property, largest value) for :meth:`_fast`.
_HEX_COLS = (("md5", "md5", 32), ("sha1", "sha1", 40), ("pdq", "pdq", 64), ("phash", "phash", 16))
_INT_COLS = (
    ("pdq_quality", "pdqQuality", 100),
    ("width", "width", 2**62),
    ("height", "height", 2**62),
    ("bytes", "bytes", 2**62),
)


def _when(v: str) -> datetime:
    """``temporal(fields.iso_datetime(v))`` in one parse (a date is its midnight)."""
    if len(v) == 10:
        d = date.fromisoformat(v)
        return datetime(d.year, d.month, d.day)
    return datetime.fromisoformat(v.replace("Z", "+00:00"))


def _regroup(batches: Iterator[list[dict[str, Any]]], least: int) -> Iterator[list[dict[str, Any]]]:
    """The rows of ``batches`` in batches of at least ``least`` rows (the last may be less)."""
    acc: list[dict[str, Any]] = []
    for b in batches:
        acc.extend(b)
        if len(acc) >= least:
            yield acc
            acc = []
    if acc:
        yield acc


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
    from graph import gazetteer

    try:
        p = gazetteer.resolve_point(lat, lon)
    except ValueError:
        return None
    if not p.country_code:
        return None
    return tuple(sorted(gazetteer.place_params(p).items()))


def place_for(lat: float, lon: float) -> dict[str, Any] | None:
    """The gazetteer place map of a point (cached per point rounded to about a metre)."""
    t = _cached_place(round(lat, 5), round(lon, 5))
    return dict(t) if t is not None else None
