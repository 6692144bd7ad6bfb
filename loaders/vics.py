"""Project VIC VICS JSON hash sets: load (streamed) and export (VICS 2.0).

``cluegraph load vics FILE.json --hashset NAME [--category-non-pertinent 5]
[--pdq-radius N] [--phash-radius N] [--non-pertinent]`` (a set's own thresholds and a
whole non-pertinent set: :mod:`graph.hashsets`)
``cluegraph export vics (--hashset NAME | --case ID | --series ID) --out FILE``

Shapes read (all OData JSON; field names matched case-insensitively)
    * VICS 1.x, ``{"odata.metadata": ".../ProjectVic/DataModels/1.3.xml#Cases",
      "value": [{"CaseID": ..., "Media": [{MD5, SHA1, Category, MediaSize, Series,
      VictimIdentified, OffenderIdentified, IsDistributed, Tags, PhotoDNA?, ...}]}]}``
      and the same with ``...#Media`` and a flat ``value`` list of Media.
    * VICS 2.0, ``{"@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/
      DataModels/2.0.xml/<Default|US|UK|CUSTOM>/$metadata#Media", "value": [{Media},
      ...]}`` (the hash-set form, flat Media), and ``...$metadata#Cases`` with
      ``value[].Media[]`` (the form case exports of forensic tools use).
    Sources: IPED's hash database tool (``sepinf-inc/IPED``,
    ``iped-engine/.../hashdb/HashDBTool.java``: recognises ``odata.metadata`` ``1.3.xml#Media``
    and ``@odata.context`` ``2.0.xml/Default/$metadata#Media``, reads MD5, SHA1, Category,
    PhotoDNA, VictimIdentified, OffenderIdentified, IsDistributed, Series, Tags per item of
    ``value``, and PhotoDNA also from nested ``{"HashName": "PhotoDNA", "HashValue": ...}``
    objects), Griffeye/BFIP tooling writing ``2.0.xml/US|CUSTOM/$metadata#Cases`` documents
    with ``value[0].Media[]``, and a published VICS 2.0 hash set's structure (``MediaID``,
    ``Category``, ``MD5``, ``SHA1``, ``MediaSize``, ``DateUpdated``, ``IsPrecategorized``).
    Hashes may be upper or lower case; empty strings count as absent. ``PhotoDNA`` is kept
    as an opaque string. Other fields are ignored.

Categories
    Two numbering schemes are in use. The DHS scheme (Autopsy's ``DhsImageCategory``):
    0 uncategorised, 1 child abuse material (illegal), 2 child exploitative / age
    difficult, 3 CGI/animation, 4 exemplar/comparison, 5 non-pertinent. The Project VIC
    US scheme (Autopsy's ``ImageGalleryService``, 2019; IPED treats 0 as "known", not
    abuse): 0 non-pertinent, 1 CAM, 2 child exploitive (non-CAM) / age difficult, 3
    CGI/animation, 4 comparison images. The default non-pertinent set is {5} (the DHS
    meaning, and the demo's); for a US-scheme set pass ``--category-non-pertinent 0``.
    Marking too little only costs some noise in links; marking too much would hide links,
    so the default stays narrow. Media whose category is in the set get
    ``nonPertinent = true``, and the link engine never links through them.

Graph
    ``(:HashSet {id: slug(NAME), name, format: 'vics-1.x'|'vics-2.0', source})
    -[:LISTS {category, series, victimIdentified, offenderIdentified, isDistributed,
    tags}]->(:Media)``. An item is matched to an existing ``Media`` by SHA-256 (if given),
    then MD5, then SHA-1 (preferring a Media that has a SHA-256, i.e. a file already
    loaded); otherwise a ``Media`` without SHA-256 is created, keyed by its MD5 (indexed)
    or SHA-1. A file loaded later with the same MD5/SHA-1 takes it over (see
    :mod:`loaders.media`). Provenance: the ``HashSet`` and ``LISTS`` carry this load's;
    a ``Media`` created here too; an existing ``Media`` keeps its own.
"""

from __future__ import annotations

import codecs
import json
import logging
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson  # type: ignore[import-untyped]
import neo4j

from graph import db, hashsets, names, queries
from graph.errors import InvalidInput, NotFound
from loaders import fields
from loaders.base import (
    FileRefused,
    InvalidRecord,
    LoadReport,
    begin_load,
    file_sha256,
    finish_load,
    make_load_id,
    now_iso,
    shown,
)

log = logging.getLogger("cluegraph.loaders.vics")

FORMAT_1 = "vics-1.x"
FORMAT_2 = "vics-2.0"
DEFAULT_NON_PERTINENT = frozenset({5})
DEFAULT_BATCH = 2000
MAX_ERRORS = 1000

#: The ``@odata.context`` of exported files: VICS 2.0, flat ``Media`` list, with the
#: ``Default`` data model that strict readers (IPED's) compare against verbatim.
EXPORT_CONTEXT = (
    "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"
)

_HEX = re.compile(r"^[0-9a-f]+$")
_VERSION = re.compile(r"DataModels/(\d+)(?:\.\d+)*\.xml", re.IGNORECASE)


def slug(name: str) -> str:
    """The id of a hash set named ``name``.

    >>> slug("  Known Benign / Stock  v2 "), slug("Liste française")
    ('known-benign-stock-v2', 'liste-francaise')
    """
    s = re.sub(r"[^a-z0-9]+", "-", names.fold(name or "")).strip("-")
    if not s:
        raise ValueError("a hash set name needs at least one letter or digit")
    return s[:120]


def parse_categories(values: Iterable[str | int] | None) -> frozenset[int]:
    """``['5']``, ``['0,5']`` or ``[0, 5]`` -> ``{0, 5}``; None -> the default."""
    if values is None:
        return DEFAULT_NON_PERTINENT
    out: set[int] = set()
    for v in values:
        for part in str(v).replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise ValueError(f"category {part!r} is not a whole number")
            out.add(int(part))
    return frozenset(out)


# ============================================================================ reading
@dataclass
class VicsItem:
    index: int  # 1-based, over all Media items of the file
    where: str  # JSON location, e.g. value[0].Media[3]
    raw: dict[str, Any]


class _CountingReader:
    """A binary file wrapper that hands ijson UTF-8 and counts the bytes read (progress).

    Windows tools write JSON with a byte-order mark: a UTF-8 BOM is skipped, and UTF-16
    (LE or BE, with its BOM) is transcoded to UTF-8 chunk by chunk with an incremental
    decoder, so memory stays bounded by one chunk whatever the file's size. CRLF line
    ends are JSON whitespace already."""

    def __init__(self, fh: IO[bytes]):
        self.fh, self.pos = fh, 0
        head = fh.read(4)
        self.pos += len(head)
        self.encoding = "utf-8"
        self._decoder: codecs.IncrementalDecoder | None = None
        if head[:3] == b"\xef\xbb\xbf":
            self._pending = head[3:]
        elif head[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
            raise FileRefused("UTF-32 is not supported: save the file as UTF-8 (or UTF-16)")
        elif head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            self.encoding = "utf-16-le" if head[:2] == b"\xff\xfe" else "utf-16-be"
            self._decoder = codecs.getincrementaldecoder(self.encoding)(errors="strict")
            self._pending = self._transcode(head[2:], final=False)
        else:
            self._pending = head

    def _transcode(self, raw: bytes, final: bool) -> bytes:
        assert self._decoder is not None
        try:
            return self._decoder.decode(raw, final).encode("utf-8")
        except UnicodeError:
            raise FileRefused(
                f"not valid {self.encoding.upper()} near byte {self.pos}: "
                "save the file as UTF-8 and load it again"
            ) from None

    def read(self, n: int = -1) -> bytes:
        if n == 0:
            return b""  # ijson probes the file's type with read(0)
        size = 1 << 16 if n is None or n < 0 else max(n, 4)
        out = self._pending
        self._pending = b""
        while not out:
            raw = self.fh.read(size)
            self.pos += len(raw)
            if self._decoder is None:
                return raw
            out = self._transcode(raw, final=not raw)
            if not raw:
                return out
        return out


def format_of(key: str, url: str) -> str:
    m = _VERSION.search(url or "")
    if m:
        return FORMAT_2 if int(m.group(1)) >= 2 else FORMAT_1
    return FORMAT_2 if key == "@odata.context" else FORMAT_1


def iter_items(
    fh: IO[bytes], meta: dict[str, str], on_bytes: Callable[[int], None] | None = None
) -> Iterator[VicsItem]:
    """Stream the Media items of a VICS document (either shape), never holding more than
    one item (and one case's own fields) in memory. Fills ``meta`` with ``format`` and
    ``context`` as soon as the metadata key is read. Raises FileRefused for a document
    that is not JSON or not VICS."""
    reader = _CountingReader(fh)
    events = ijson.parse(reader, use_float=True)
    builder: ijson.ObjectBuilder | None = None  # current Media item
    case_builder: ijson.ObjectBuilder | None = None  # current value[] entry (minus Media)
    case_has_media = False
    vi = -1  # index in value[]
    mi = -1  # index in value[vi].Media[]
    n = 0
    root_seen = False
    value_kind = None
    last_report = 0
    try:
        for prefix, event, val in events:
            if on_bytes and reader.pos - last_report > (1 << 20):
                last_report = reader.pos
                on_bytes(reader.pos)
            if not root_seen:
                if event != "start_map":
                    raise FileRefused("not a VICS document: the JSON root is not an object")
                root_seen = True
                continue
            if prefix == "" and event == "map_key":
                continue
            if prefix in ("odata.metadata", "@odata.context") and event == "string":
                meta["format"] = format_of(prefix, val)
                meta["context"] = val
                continue
            if prefix == "value":
                if event == "start_array":
                    value_kind = "array"
                elif event in ("start_map", "string", "number", "boolean", "null"):
                    raise FileRefused("not a VICS document: 'value' is not a list")
                continue
            if not prefix.startswith("value.item"):
                continue  # other top-level fields
            # ---- Media inside a case: value.item.Media.item...
            if prefix == "value.item.Media" or prefix.startswith("value.item.Media."):
                rest = prefix[len("value.item.Media") :]
                if rest == "":
                    if event == "start_array":
                        mi = -1
                    elif event not in ("end_array",):
                        raise FileRefused(f"value[{vi}].Media is not a list")
                    continue
                if rest == ".item" and event == "start_map" and builder is None:
                    mi += 1
                    builder = ijson.ObjectBuilder()
                if builder is not None:
                    builder.event(event, val)
                    if rest == ".item" and event == "end_map":
                        n += 1
                        yield VicsItem(n, f"value[{vi}].Media[{mi}]", builder.value)
                        builder = None
                elif rest == ".item":
                    n += 1
                    mi += 1
                    yield VicsItem(n, f"value[{vi}].Media[{mi}]", {"__not_object__": val})
                continue
            # ---- an entry of value[]: a case (with Media) or a Media itself
            if prefix == "value.item":
                if event == "start_map" and case_builder is None:
                    vi += 1
                    case_builder = ijson.ObjectBuilder()
                    case_has_media = False
                    case_builder.event(event, val)
                    continue
                if event == "map_key" and val == "Media":
                    case_has_media = True
                    continue
                if case_builder is None:
                    vi += 1
                    n += 1
                    yield VicsItem(n, f"value[{vi}]", {"__not_object__": val})
                    continue
                case_builder.event(event, val)
                if event == "end_map":
                    obj = case_builder.value
                    case_builder = None
                    if not case_has_media:
                        n += 1
                        yield VicsItem(n, f"value[{vi}]", obj)
                continue
            if case_builder is not None:
                case_builder.event(event, val)
    except (ijson.JSONError, UnicodeError, ValueError, OverflowError) as e:
        if isinstance(e, FileRefused):
            raise
        if not root_seen and reader.pos == 0:
            raise FileRefused("empty file: a VICS JSON document is needed") from None
        where = f" after item {n}" if n else ""
        reason = " ".join(str(e).split("\n")[0].split())[:100]
        raise FileRefused(f"not valid JSON{where} ({reason})") from None
    if not root_seen:
        raise FileRefused("empty file: a VICS JSON document is needed")
    if "format" not in meta:
        raise FileRefused(
            "not a VICS document: no 'odata.metadata' (1.x) or '@odata.context' (2.0) key"
        )
    if value_kind is None:
        raise FileRefused("not a VICS document: no 'value' list")
    if on_bytes:
        on_bytes(reader.pos)


# ============================================================================ validation
def _lower_keys(d: dict[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in d.items()}


def _hash(v: Any, n: int, what: str) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise ValueError(f"{what} must be a string of {n} hex digits")
    h = v.strip().lower()
    if not h:
        return None
    if len(h) != n or not _HEX.match(h):
        raise ValueError(f"not a {what} ({n} hex digits)")
    return h


def _category(v: Any) -> int | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        raise ValueError("must be a whole number, not true/false")
    if isinstance(v, float):
        if not math.isfinite(v) or v != int(v):
            raise ValueError("must be a whole number")
        v = int(v)
    if isinstance(v, str):
        s = v.strip()
        if not s.isdigit():
            raise ValueError("must be a whole number")
        v = int(s)
    if not isinstance(v, int) or not 0 <= v <= 1000:
        raise ValueError("must be a whole number from 0 to 1000")
    return v


def _flag(v: Any) -> bool | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float) and v in (0, 1):
        return bool(v)
    if isinstance(v, str) and v.strip().lower() in ("true", "false"):
        return v.strip().lower() == "true"
    raise ValueError("must be true or false")


def _size(v: Any) -> int | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        raise ValueError("must be a number of bytes")
    if isinstance(v, float) and math.isfinite(v) and v == int(v):
        v = int(v)
    if isinstance(v, str) and v.strip().isdigit():
        v = int(v.strip())
    if not isinstance(v, int) or v < 0:
        raise ValueError("must be a number of bytes")
    return v


def _series(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, str | int):
        raise ValueError("must be a series name")
    s = fields.text(str(v), 500)
    return s or None


def _tags(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [t for t in (p.strip() for p in v.split(",")) if t]
    if isinstance(v, list):
        out = []
        for t in v:
            if not isinstance(t, str):
                raise ValueError("must be a list of strings")
            t = fields.text(t, 200)
            if t:
                out.append(t)
        return out
    raise ValueError("must be a list of strings")


def _photo_dna(d: dict[str, Any]) -> str | None:
    v = d.get("photodna")
    if v is not None and not isinstance(v, str):
        raise ValueError("PhotoDNA must be a string")
    if isinstance(v, str) and v.strip():
        return v.strip()[:4000]
    for sub in d.values():  # nested {"HashName": "PhotoDNA", "HashValue": "..."} objects
        if isinstance(sub, list):
            for o in sub:
                if isinstance(o, dict):
                    lo = _lower_keys(o)
                    if str(lo.get("hashname", "")).strip().lower() == "photodna":
                        hv = lo.get("hashvalue")
                        if isinstance(hv, str) and hv.strip():
                            return hv.strip()[:4000]
    return None


_CHECKS: tuple[tuple[str, str, Callable[[Any], Any]], ...] = (
    ("md5", "MD5", lambda v: _hash(v, 32, "MD5")),
    ("sha1", "SHA1", lambda v: _hash(v, 40, "SHA-1")),
    ("sha256", "SHA256", lambda v: _hash(v, 64, "SHA-256")),
    ("category", "Category", _category),
    ("mediasize", "MediaSize", _size),
    ("series", "Series", _series),
    ("victimidentified", "VictimIdentified", _flag),
    ("offenderidentified", "OffenderIdentified", _flag),
    ("isdistributed", "IsDistributed", _flag),
    ("tags", "Tags", _tags),
)


def validate_item(item: VicsItem, file: str, non_pertinent: frozenset[int]) -> dict[str, Any]:
    """One VICS Media item -> a row of ``vics_write.cypher``, or InvalidRecord naming the
    item (its index and JSON location) and the field."""

    def bad(field: str, msg: str) -> InvalidRecord:
        return InvalidRecord(f"item {item.index}: {msg}", file=file, field=f"{item.where}.{field}")

    if "__not_object__" in item.raw or not isinstance(item.raw, dict):
        raise bad("", "a Media item must be a JSON object")
    d = _lower_keys(item.raw)
    out: dict[str, Any] = {}
    for key, name, fn in _CHECKS:
        try:
            out[key] = fn(d.get(key))
        except ValueError as e:
            v = d.get(key)
            raise bad(name, f"{name} {e} (got {shown(v)})") from None
    try:
        photo = _photo_dna(d)
    except ValueError as e:
        raise bad("PhotoDNA", str(e)) from None
    if not (out["md5"] or out["sha1"] or out["sha256"]):
        raise bad("MD5", "no MD5 or SHA1: an item needs at least one hash")
    return {
        "md5": out["md5"],
        "sha1": out["sha1"],
        "sha256": out["sha256"],
        "bytes": out["mediasize"],
        "photoDna": photo,
        "category": out["category"],
        "series": out["series"],
        "victimIdentified": out["victimidentified"],
        "offenderIdentified": out["offenderidentified"],
        "isDistributed": out["isdistributed"],
        "tags": out["tags"],
        "nonPertinent": out["category"] is not None and out["category"] in non_pertinent,
    }


# ============================================================================ writing


def _keys(row: dict[str, Any]) -> list[str]:
    return [f"{k}:{row[k]}" for k in ("md5", "sha1", "sha256") if row.get(k)]


def write_rows(
    driver: neo4j.Driver,
    rows: Iterable[dict[str, Any]],
    params: Mapping[str, Any],
    report: LoadReport,
    batch_size: int = DEFAULT_BATCH,
) -> None:
    """Write validated rows in batches of ``vics_write`` (in order; a batch is cut short
    where a row shares a hash with one already in it, which would be created twice)."""
    batch: list[dict[str, Any]] = []
    keys: set[str] = set()

    def flush() -> None:
        nonlocal batch
        if batch:
            c = db.write(driver, queries.vics_write(), {**params, "rows": batch}, name="load.vics")
            report.add_counters(c)
            report.written += len(batch)
            batch = []
            keys.clear()

    for row in rows:
        k = _keys(row)
        if keys.intersection(k):
            flush()
        batch.append(row)
        keys.update(k)
        if len(batch) >= batch_size:
            flush()
    flush()


ProgressFn = Callable[[int, int], None]


@dataclass
class Prepared:
    """What a VICS load knows before it reads the file (:func:`prepare_load`)."""

    report: LoadReport
    options: dict[str, Any]
    hashset_id: str
    hashset_name: str
    non_pertinent: frozenset[int]
    pdq_radius: int | None
    phash_radius: int | None
    total: int


def prepare_load(
    path: Path,
    hashset: str,
    non_pertinent: Iterable[int] | None,
    pdq_radius: int | None,
    phash_radius: int | None,
    set_non_pertinent: bool,
    dry_run: bool,
) -> Prepared | LoadReport:
    """The report, options and load id of loading ``path`` into ``hashset``, or a refused
    report (a bad set name or radius, an unreadable file). Shared by the normal load and
    ``--bulk`` (``loaders/vics_bulk.py``), so that both give the same load id."""
    path = Path(path)
    report = LoadReport(kind="vics", source=path.name, dry_run=dry_run)
    report.started_at = now_iso()
    npc = frozenset(non_pertinent) if non_pertinent is not None else DEFAULT_NON_PERTINENT
    try:
        hs_id = slug(hashset)
        hs_name = fields.text(hashset, 200)  # checked before anything is written
    except ValueError as e:
        report.refused, report.refusal = True, f"--hashset: {e}"
        return report
    try:
        pdq_radius = hashsets.check_radius("pdq", pdq_radius)
        phash_radius = hashsets.check_radius("phash", phash_radius)
    except InvalidInput as e:
        report.refused, report.refusal = True, str(e)
        return report
    try:
        report.sha256 = file_sha256(path)
        total = path.stat().st_size
    except OSError as e:
        report.refused, report.refusal = True, f"{path.name}: cannot read ({e.strerror})"
        return report
    options: dict[str, Any] = {"hashset": hs_id, "nonPertinent": sorted(npc)}
    # Only options given enter the load id, so that earlier loads keep theirs.
    for key, value in (
        ("pdqRadius", pdq_radius),
        ("phashRadius", phash_radius),
        ("setNonPertinent", set_non_pertinent or None),
    ):
        if value is not None:
            options[key] = value
    report.load_id = make_load_id("vics", report.sha256, **options)
    return Prepared(report, options, hs_id, hs_name, npc, pdq_radius, phash_radius, total)


def load_vics(
    driver: neo4j.Driver | None,
    path: Path,
    hashset: str,
    *,
    non_pertinent: Iterable[int] | None = None,
    pdq_radius: int | None = None,
    phash_radius: int | None = None,
    set_non_pertinent: bool = False,
    strict: bool = False,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH,
    max_errors: int | None = MAX_ERRORS,
    progress: ProgressFn | None = None,
) -> LoadReport:
    """Validate the whole file (streamed), then write it (streamed again) in batches.
    Never raises for bad input: the report says what was refused or skipped.

    ``pdq_radius``, ``phash_radius``: the set's own near-duplicate radii (at most the
    defaults; None keeps the set's current ones), ``set_non_pertinent``: the whole set is
    non-pertinent (a known-benign set). See :mod:`graph.hashsets`."""
    path = Path(path)
    pre = prepare_load(
        path, hashset, non_pertinent, pdq_radius, phash_radius, set_non_pertinent, dry_run
    )
    if isinstance(pre, LoadReport):
        return pre
    report, options = pre.report, pre.options
    hs_id, hs_name, npc, total = pre.hashset_id, pre.hashset_name, pre.non_pertinent, pre.total
    pdq_radius, phash_radius = pre.pdq_radius, pre.phash_radius
    meta: dict[str, str] = {}

    def on_bytes(pos: int) -> None:
        if progress:
            progress(pos // 2 if not dry_run else pos, total)

    # Pass 1: validate everything; nothing is written if the file is refused.
    try:
        with open(path, "rb") as fh:
            for item in iter_items(fh, meta, on_bytes):
                report.read += 1
                try:
                    validate_item(item, path.name, npc)
                except InvalidRecord as e:
                    report.errors.append(e)
                    if max_errors is not None and len(report.errors) > max_errors:
                        raise FileRefused(
                            f"{path.name}: more than {max_errors} bad items; nothing loaded"
                        ) from None
    except FileRefused as e:
        msg = str(e)
        report.refused = True
        report.refusal = msg if msg.startswith(path.name) else f"{path.name}: {msg}"
    if not report.refused and strict and report.errors:
        report.refused = True
        report.refusal = (
            f"{path.name}: {len(report.errors)} bad item(s) and --strict; nothing loaded"
        )
    report.skipped = len(report.errors)
    if report.refused or dry_run or driver is None:
        if report.refused and not dry_run:
            report.skipped = report.read
        report.finished_at = now_iso()
        return report

    # Pass 2: write.
    loaded_at = begin_load(driver, report, options)
    params = {
        "loadId": report.load_id,
        "source": report.source,
        "loadedAt": loaded_at,
        "hashSetId": hs_id,
        "hashSetName": hs_name,
        "format": meta.get("format", FORMAT_2),
        "pdqRadius": pdq_radius,
        "phashRadius": phash_radius,
        "setNonPertinent": bool(set_non_pertinent),
    }
    db.write(driver, queries.vics_begin_hashset(), params, name="load.vics.hashset")

    def on_bytes2(pos: int) -> None:
        if progress:
            progress(total // 2 + pos // 2, total)

    def valid_rows() -> Iterator[dict[str, Any]]:
        with open(path, "rb") as fh:
            for item in iter_items(fh, {}, on_bytes2):
                try:
                    yield validate_item(item, path.name, npc)
                except InvalidRecord:
                    continue

    write_rows(driver, valid_rows(), params, report, batch_size)
    if set_non_pertinent:  # media listed by earlier loads of the set too
        hashsets.flag_media(driver, hs_id)
    report.finished_at = now_iso()
    finish_load(driver, report)
    log.info(
        "load vics %s: read=%d written=%d skipped=%d",
        report.load_id,
        report.read,
        report.written,
        report.skipped,
    )
    return report


# ============================================================================ export
def vics_media(rec: dict[str, Any], media_id: int) -> dict[str, Any]:
    """One exported VICS 2.0 Media object."""
    item: dict[str, Any] = {
        "MediaID": media_id,
        "Category": rec.get("category"),
        "MD5": (rec.get("md5") or "").upper(),
        "SHA1": (rec.get("sha1") or "").upper(),
    }
    if rec.get("bytes") is not None:
        item["MediaSize"] = rec["bytes"]
    item["Series"] = rec.get("series") or ""
    item["VictimIdentified"] = bool(rec.get("victimIdentified"))
    item["OffenderIdentified"] = bool(rec.get("offenderIdentified"))
    if rec.get("isDistributed") is not None:
        item["IsDistributed"] = bool(rec["isDistributed"])
    item["Tags"] = sorted(set(rec.get("tags") or []))
    if rec.get("photoDna"):
        item["PhotoDNA"] = rec["photoDna"]
    return item


def export_vics(
    driver: neo4j.Driver,
    out: Path,
    *,
    hashset: str | None = None,
    case: str | None = None,
    series: str | None = None,
) -> int:
    """Write a VICS 2.0 document of a hash set, a case's media or a series' media to
    ``out`` (streamed from the database; written to a temporary file, then renamed).
    Returns the number of Media written. Raises NotFound / InvalidInput."""
    chosen = [x for x in (hashset, case, series) if x]
    if len(chosen) != 1:
        raise InvalidInput("give exactly one of --hashset, --case, --series")
    if hashset:
        query, key, what = queries.vics_export_hashset(), slug(hashset), "hash set"
        exists = queries.hashset_exists()
    elif case:
        query, key, what = queries.vics_export_case(), case, "case"
        exists = queries.case_exists()
    else:
        query, key, what = queries.vics_export_series(), series or "", "series"
        exists = queries.series_exists()
    if not db.records(driver, exists, id=key, name=f"export.vics.exists.{what.replace(' ', '')}"):
        raise NotFound(f"no {what} {key!r} in the graph")
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    n = 0
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write('{\n  "@odata.context": ' + json.dumps(EXPORT_CONTEXT) + ',\n  "value": [')
            try:
                with driver.session(
                    database=db.database(), default_access_mode=neo4j.READ_ACCESS
                ) as ses:
                    res = ses.run(neo4j.Query(query, metadata={"query": "export.vics"}), id=key)
                    for rec in res:
                        n += 1
                        item = vics_media(dict(rec.items()), n)
                        fh.write(("\n    " if n == 1 else ",\n    ") + json.dumps(item))
            except Exception as e:
                raise db.translate(e) from e
            fh.write("\n  ]\n}\n" if n else "]\n}\n")
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return n
