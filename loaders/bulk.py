"""``cluegraph load media-records FILE --bulk``: a first load into a store without media
through Neo4j's offline importer (``graph/bulkimport.py``).

The file is validated by the very loader of the normal path
(:class:`loaders.records.MediaRecordsLoader`, through :func:`loaders.base.run_csv`: the
same header checks, the same per-record errors naming file, line and field, the same
``--strict`` / ``--lenient`` / ``--dry-run``, the same ``Load`` node and load id). Only
pass 2 differs: instead of write transactions, each valid row becomes rows of the
importer's CSV files, exactly the nodes and relationships the normal path would create
(``media_create_new`` and the MERGEs before it): the ``Media`` with its properties and
provenance, ``HOLDS`` from its case, ``CONTAINS`` from its series, ``TAKEN_WITH`` a
``Camera`` (created once, unless the store has it), ``GEOTAGGED_AT`` a gazetteer
``Location`` (created once with its ``IN_COUNTRY`` and, if new, its ``Country``). Then
the store's present contents are carried into the same files, the importer replaces the
database, the server restarts with the schema, and the caller runs the link update a
normal load ends with.

A SHA-256 on several rows becomes one ``Media`` as on the normal path: its properties
merged in file order (a later row's value wins), one relationship per distinct case,
series and camera, and the place of its first row with GPS (the normal path keeps the
first per batch of 10,000 rows; a repeated file with differing GPS points is the only case
where the two can differ). Memory: the rows go to the files as they come; 8 bytes per
distinct SHA-256 (its first 64 bits) find the repeated ones, which alone are held.
"""

from __future__ import annotations

import csv
import io
import mmap
import multiprocessing as mp
import os
import resource
import shutil
import tempfile
import time
from array import array
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from graph import db, queries
from graph.bulkimport import (
    BulkRefused,
    ImportFiles,
    ImportResult,
    carry_graph,
    check_target,
    import_full,
    node_id,
)
from graph.config import get_settings
from graph.errors import GraphError
from graph.schema import Label, Rel
from loaders.base import (
    MAX_FIELD,
    FileRefused,
    InvalidRecord,
    LoadReport,
    begin_load,
    error_parts,
    file_sha256,
    finish_load,
    make_load_id,
    now_iso,
    open_csv,
)
from loaders.records import _HEX64, MediaRecordsLoader, place_for

#: More bad records than this refuse the file (as :func:`loaders.base.run_csv`).
MAX_ERRORS = 1000

_PLACE_KEYS = ("name", "admin1", "countryCode", "lat", "lon", "kind")


def _key(sha256: str) -> int:
    return int(sha256[:16], 16)


def _state(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "sha256": r["sha256"],
        "props": r["props"],
        "path": r.get("path"),
        "fileName": r.get("fileName"),
        "cases": [r["caseId"]] if r.get("caseId") else [],
        "series": [r["seriesId"]] if r.get("seriesId") else [],
        "cameras": [r["camera"]] if r.get("camera") else [],
        "place": r.get("place"),
        "lat": r.get("lat"),
        "lon": r.get("lon"),
    }


def _hold(held: dict[str, dict[str, Any]], r: dict[str, Any]) -> None:
    """Merge a row of a repeated SHA-256 into its held state, as the MERGE path would."""
    cur = held.get(r["sha256"])
    if cur is None:
        held[r["sha256"]] = _state(r)
        return
    cur["props"] = {**cur["props"], **r["props"]}
    if r.get("path") is not None and (cur["path"] is None or r["path"] < cur["path"]):
        cur["path"], cur["fileName"] = r["path"], r.get("fileName")
    for key, value in (("cases", r.get("caseId")), ("series", r.get("seriesId"))):
        if value and value not in cur[key]:
            cur[key].append(value)
    cam = r.get("camera")
    if cam and all(c["id"] != cam["id"] for c in cur["cameras"]):
        cur["cameras"].append(cam)
    if r.get("place") and cur["place"] is None:
        cur["place"], cur["lat"], cur["lon"] = r["place"], r["lat"], r["lon"]


class _Writer:
    """The nodes and relationships the normal path creates for one media state."""

    def __init__(
        self, files: ImportFiles, params: Mapping[str, Any], existing: Mapping[str, Any] | None
    ):
        """``existing``: the store's cameras, countries and locations
        (``bulk_existing_places``); None in a worker process, which writes the media and
        their relationships only and keeps the cameras and places they name (first seen)
        for the main process, which makes each of them once."""
        self.f = files
        self.prov = {
            "source": params["source"],
            "loadId": params["loadId"],
            "loadedAt": params["loadedAt"],
        }
        self.shared = existing is not None
        ex = existing or {"cameras": [], "countries": [], "locations": []}
        self.cameras: set[str] = set(ex["cameras"])
        self.countries: set[str] = set(ex["countries"])
        self.stored_locations = {loc["id"]: set(loc["countries"]) for loc in ex["locations"]}
        self.new_locations: set[str] = set()
        self.location_updates: dict[str, dict[str, Any]] = {}
        #: In a worker: the cameras and places its media name, in file order.
        self.named_cameras: dict[str, dict[str, Any]] = {}
        self.named_places: dict[str, dict[str, Any]] = {}
        self.nodes = self.rels = self.props = 0
        self._prov_rels: dict[Rel, Callable[[str, str], None]] = {}

    def take_counters(self) -> dict[str, int]:
        c = {
            "nodes_created": self.nodes,
            "relationships_created": self.rels,
            "properties_set": self.props,
        }
        self.nodes = self.rels = self.props = 0
        return c

    def _node(self, nid: str, label: Label, props: dict[str, Any]) -> None:
        props = {k: v for k, v in props.items() if v is not None}
        self.f.node(nid, (label.value,), props)
        self.nodes += 1
        self.props += len(props)

    def _rel(self, a: str, b: str, rel: Rel, props: dict[str, Any]) -> None:
        self.f.rel(a, b, rel.value, props)
        self.rels += 1
        self.props += len(props)

    def _prov_rel(self, a: str, b: str, rel: Rel) -> None:
        """A relationship carrying only the load's provenance."""
        w = self._prov_rels.get(rel)
        if w is None:
            w = self._prov_rels[rel] = self.f.rel_writer(rel.value, self.prov)
        w(a, b)
        self.rels += 1
        self.props += len(self.prov)

    def media(self, st: dict[str, Any]) -> None:
        prov = self.prov
        props = {**st["props"], "sha256": st["sha256"], **prov}
        if st["path"] is not None:
            props["path"], props["fileName"] = st["path"], st["fileName"]
        mid = node_id(Label.MEDIA.value, st["sha256"])
        self._node(mid, Label.MEDIA, props)
        for cid in st["cases"]:
            self._prov_rel(node_id(Label.CASE.value, cid), mid, Rel.HOLDS)
        for sid in st["series"]:
            self._prov_rel(node_id(Label.SERIES.value, sid), mid, Rel.CONTAINS)
        for cam in st["cameras"]:
            cam_id = node_id(Label.CAMERA.value, cam["id"])
            if self.shared:
                self.camera(cam)
            else:
                self.named_cameras.setdefault(cam["id"], cam)
            self._prov_rel(mid, cam_id, Rel.TAKEN_WITH)
        place = st["place"]
        if place:
            loc_id = node_id(Label.LOCATION.value, place["id"])
            if self.shared:
                self.place(loc_id, place)
            else:
                self.named_places.setdefault(loc_id, place)
            self._rel(mid, loc_id, Rel.GEOTAGGED_AT, {"lat": st["lat"], "lon": st["lon"], **prov})

    def camera(self, cam: dict[str, Any]) -> None:
        """The camera MERGE of the media writes: its node once, unless the store has it."""
        if cam["id"] in self.cameras:
            return
        self.cameras.add(cam["id"])
        self._node(
            node_id(Label.CAMERA.value, cam["id"]),
            Label.CAMERA,
            {
                "id": cam["id"],
                "make": cam.get("make"),
                "model": cam.get("model"),
                "serial": cam.get("serial"),
                **self.prov,
            },
        )

    def place(self, loc_id: str, place: dict[str, Any]) -> None:
        """The place MERGE of the media writes (graph/queries/media_place.cypher) for one place."""
        pid, cc = place["id"], place["countryCode"]
        if pid in self.new_locations:
            return
        stored = self.stored_locations.get(pid)
        if stored is None:
            self.new_locations.add(pid)
            self._node(
                loc_id,
                Label.LOCATION,
                {"id": pid, **{k: place.get(k) for k in _PLACE_KEYS}, **self.prov},
            )
        else:
            self.location_updates[loc_id] = place
            if cc in stored:
                return
            stored.add(cc)
        if cc not in self.countries:
            self.countries.add(cc)
            self._node(
                node_id(Label.COUNTRY.value, cc),
                Label.COUNTRY,
                {"code": cc, "name": place.get("countryName"), **self.prov},
            )
        self._rel(loc_id, node_id(Label.COUNTRY.value, cc), Rel.IN_COUNTRY, self.prov)


# ------------------------------------------------------------------ the parallel pass
#: Worker processes validating and writing parts of the file (the machine's cores).
WORKERS = max(1, os.cpu_count() or 1)
#: The least bytes of the CSV file one part holds (a smaller file is one part).
MIN_PART_BYTES = 8 << 20
#: Parts per worker: more, smaller parts even out workers on a machine shared with others.
PARTS_PER_WORKER = 4


@dataclass(frozen=True)
class _Part:
    """Bytes ``start``..``end`` of the file, whole records, after ``lines`` lines."""

    index: int
    start: int
    end: int
    lines: int


def split_records(path: Path, parts: int, min_bytes: int = MIN_PART_BYTES) -> list[_Part]:
    """Split the data rows of a CSV file (after its header line) into at most ``parts``
    byte ranges of whole records. A range ends at a line end outside quotes (an even count
    of ``"`` since the file's start: a quoted field may hold line ends), so that every
    part is read as the whole file would be, and knows the lines before it (the line
    numbers of its errors)."""
    size = path.stat().st_size
    if not size:
        return []
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        pos = mm.find(b"\n") + 1
        quotes = mm[:pos].count(b'"') if pos else 0
        while quotes % 2 and pos:  # a quoted line end in the header
            nxt = mm.find(b"\n", pos) + 1
            if not nxt:
                return []
            quotes += mm[pos:nxt].count(b'"')
            pos = nxt
        if not pos or pos >= size:
            return []
        lines = mm[:pos].count(b"\n")
        step = max(min_bytes, -(-(size - pos) // max(1, parts)))
        out: list[_Part] = []
        start = pos
        while start < size:
            end = min(size, start + step)
            if end < size:
                nl = mm.find(b"\n", end - 1)
                end = size if nl < 0 else nl + 1
            q = mm[start:end].count(b'"')
            while (quotes + q) % 2 and end < size:
                nl = mm.find(b"\n", end)
                nxt = size if nl < 0 else nl + 1
                q += mm[end:nxt].count(b'"')
                end = nxt
            out.append(_Part(len(out), start, end, lines))
            quotes += q
            lines += mm[start:end].count(b"\n")
            start = end
    return out


def _part_rows(
    path: Path, part: _Part, names: list[str]
) -> Iterator[tuple[int, dict[str, str] | None, str | None]]:
    """``(line, raw, bad)`` of the records of one part, as :func:`loaders.base.open_csv`
    reads them (blank rows skipped, a row of the wrong width is ``bad``)."""
    csv.field_size_limit(MAX_FIELD)
    with open(path, "rb") as fh:
        fh.seek(part.start)
        data = fh.read(part.end - part.start)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FileRefused(
            f"{path.name}: not UTF-8 (byte 0x{e.object[e.start]:02X} at offset "
            f"{part.start + e.start}); save it as UTF-8 and load it again"
        ) from e
    del data
    reader = csv.reader(io.StringIO(text, newline=""))
    width = len(names)
    try:
        for row in reader:
            line = part.lines + reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != width:
                yield line, None, f"has {len(row)} fields, the header has {width}"
                continue
            yield line, dict(zip(names, row, strict=True)), None
    except csv.Error as e:
        raise FileRefused(
            f"{path.name} line {part.lines + reader.line_num}: unreadable CSV ({e})"
        ) from e


def _part_keys(path: Path, part: _Part, names: list[str]) -> np.ndarray:
    """The first 64 bits of every well-formed SHA-256 of one part (repeated ones are
    merged before writing, as the normal path's MERGE does)."""
    keys = array("Q")
    for _line, raw, _bad in _part_rows(path, part, names):
        if raw is not None:
            sha = (raw.get("sha256") or "").strip().lower()
            if _HEX64(sha):
                keys.append(_key(sha))
    return np.frombuffer(keys, dtype=np.uint64) if keys else np.zeros(0, dtype=np.uint64)


@dataclass
class _PartResult:
    index: int
    read: int = 0
    written: int = 0
    errors: list[InvalidRecord] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)
    cameras: dict[str, dict[str, Any]] = field(default_factory=dict)
    places: dict[str, dict[str, Any]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    files: tuple[list[str], list[str], int, int] | None = None
    refusal: str | None = None
    seconds: float = 0.0


def _part_load(
    path: Path,
    part: _Part,
    names: list[str],
    loader: MediaRecordsLoader,
    lenient: bool,
    repeated: frozenset[int],
    folder: Path | None,
    params: Mapping[str, Any],
    max_errors: int | None,
) -> _PartResult:
    """Validate one part with the normal path's validator and write its media into the
    importer's files in ``folder`` (None: validate only). Rows of a repeated SHA-256 are
    handed back (``held``) to be merged in file order by the main process."""
    t0 = time.perf_counter()
    res = _PartResult(part.index)
    files = ImportFiles(folder) if folder is not None else None
    w = _Writer(files, params, None) if files is not None else None
    file = path.name
    known = set(loader.required + loader.optional)
    validate = loader.validate
    try:
        for line, raw, bad in _part_rows(path, part, names):
            res.read += 1
            if raw is None:
                res.errors.append(InvalidRecord(bad or "", file=file, line=line))
                continue
            raw = {k: v.strip() for k, v in raw.items() if k in known}
            try:
                row = validate(raw, file, line)
            except InvalidRecord as e:
                res.errors.extend(error_parts(e))
                if max_errors is not None and len(res.errors) > max_errors:
                    break
                continue
            res.written += 1
            if w is None:
                continue
            if repeated and _key(row["sha256"]) in repeated:
                res.held.append(row)
            else:
                w.media(_state(row))
    except FileRefused as e:
        res.refusal = str(e)
    if w is not None and files is not None:
        res.cameras, res.places = w.named_cameras, w.named_places
        res.counters = w.take_counters()
        res.files = files.part()
    res.seconds = time.perf_counter() - t0
    return res


def _pool(workers: int) -> ProcessPoolExecutor:
    # fork: the workers inherit the loader's lookups and the gazetteer already loaded.
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"))


def _patcher(
    updates: Mapping[str, dict[str, Any]],
) -> Callable[[str, tuple[str, ...], dict[str, Any]], dict[str, Any]]:
    def patch(nid: str, labels: tuple[str, ...], props: dict[str, Any]) -> dict[str, Any]:
        """The carried node's properties with this load's SETs on existing locations."""
        if Label.LOCATION.value not in labels:
            return props
        place = updates.get(nid)
        if place is None:
            return props
        out = dict(props)
        for k in _PLACE_KEYS:
            if place.get(k) is None:
                out.pop(k, None)
            else:
                out[k] = place[k]
        return out

    return patch


@dataclass
class BulkTimes:
    """Where a bulk load spent its time (seconds)."""

    validate_and_files_s: float = 0.0  # wall: the header, the keys pass, the parts pass
    keys_s: float = 0.0  # wall of the pass finding repeated SHA-256s
    files_s: float = 0.0  # wall of the main process's share of the files (merge, places)
    workers: int = 0
    parts: int = 0
    workers_cpu_s: float = 0.0  # user+system CPU of the worker processes
    carry_s: float = 0.0
    carried_nodes: int = 0
    carried_relationships: int = 0
    importer: ImportResult | None = None
    total_s: float = 0.0


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def load_media_records_bulk(
    path: Path,
    *,
    strict: bool = False,
    lenient: bool = False,
    dry_run: bool = False,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    echo: Callable[[str], None] = lambda _m: None,
    times: BulkTimes | None = None,
    workers: int | None = None,
    min_part_bytes: int = MIN_PART_BYTES,
    max_errors: int | None = MAX_ERRORS,
) -> LoadReport:
    """Load a media-records CSV into a store without media through the importer. Never
    raises for bad input or a store it cannot take: the report says (``refused``).

    The file is split into parts of whole records (:func:`split_records`), validated and
    written into the importer's files by ``workers`` processes (default: the cores), each
    part with its own files; the main process makes the cameras and places once and merges
    the media of a repeated SHA-256. ``batch_size`` is accepted for the CLI's ``--batch``
    and has no effect here."""
    del batch_size
    path = Path(path)
    settings = get_settings()
    times = times if times is not None else BulkTimes()
    t0 = time.perf_counter()
    kind = MediaRecordsLoader.kind
    report = LoadReport(kind=kind, source=path.name, dry_run=dry_run)
    report.started_at = now_iso()

    def refuse(msg: str) -> LoadReport:
        report.refused, report.refusal = True, msg
        report.finished_at = now_iso()
        return report

    try:
        driver = None if settings.remote else db.get_driver()
        check_target(driver, settings)
        assert driver is not None
        db.apply_schema(driver)
    except (BulkRefused, GraphError) as e:
        return refuse(str(e))
    loader = MediaRecordsLoader()
    try:
        report.sha256 = file_sha256(path)
    except OSError as e:
        return refuse(f"{path.name}: cannot read ({e.strerror})")
    report.load_id = make_load_id(kind, report.sha256, **loader.options())
    try:
        it = open_csv(path)
        _, head = next(it)
        del it
        names: list[str] = head["__header__"]  # type: ignore[assignment]
        loader.check_header(names, path.name, lenient)
        loader.prepare(driver, path, lenient)
    except FileRefused as e:
        return refuse(str(e))
    first = db.records(driver, queries.load_first_started(), id=report.load_id, name="load.lookup")
    loaded_at = first[0]["t"] if first and first[0]["t"] else report.started_at
    params = {"loadId": report.load_id, "source": report.source, "loadedAt": loaded_at}

    n_workers = max(1, workers or WORKERS)
    parts = split_records(path, n_workers * PARTS_PER_WORKER, min_part_bytes)
    times.workers, times.parts = n_workers, len(parts)
    work = Path(tempfile.mkdtemp(prefix="bulk-", dir=settings.home))
    try:
        place_for(0.0, 0.0)  # the gazetteer loaded once, before the workers fork (shared)
        cpu0 = _children_cpu()
        results: list[_PartResult] = []
        with _pool(n_workers) as pool:
            t1 = time.perf_counter()
            repeated: frozenset[int] = frozenset()
            if not dry_run:
                kfuts = [pool.submit(_part_keys, path, p, names) for p in parts]
                keys = [f.result() for f in kfuts]
                if keys:
                    u, c = np.unique(np.concatenate(keys), return_counts=True)
                    repeated = frozenset(int(k) for k in u[c > 1])
                del keys
            times.keys_s = time.perf_counter() - t1
            futs = [
                pool.submit(
                    _part_load,
                    path,
                    p,
                    names,
                    loader,
                    lenient,
                    repeated,
                    None if dry_run else work / "csv" / f"part{p.index:04d}",
                    params,
                    max_errors,
                )
                for p in parts
            ]
            read = 0
            for fut in as_completed(futs):
                read += fut.result().read
                if progress:
                    progress(read)
            results = [f.result() for f in futs]
        times.workers_cpu_s = _children_cpu() - cpu0
        for r in results:
            report.read += r.read
            report.errors.extend(r.errors)
            report.skipped += r.read - r.written
        refusal = next((r.refusal for r in results if r.refusal), None)
        if refusal:
            report.refused, report.refusal = True, refusal
        elif max_errors is not None and len(report.errors) > max_errors:
            report.refused = True
            report.refusal = f"{path.name}: more than {max_errors} bad records; nothing loaded"
        elif strict and report.errors:
            report.refused = True
            report.refusal = (
                f"{path.name}: {report.skipped} bad record(s) and --strict; nothing loaded"
            )
        if report.refused or dry_run:
            if report.refused and not dry_run:
                report.skipped = report.read
            report.finished_at = now_iso()
            times.validate_and_files_s = time.perf_counter() - t0
            return report

        begin_load(driver, report, loader.options())
        t2 = time.perf_counter()
        files = ImportFiles(work / "csv" / "main")
        existing = db.records(driver, queries.bulk_existing_places(), name="bulk.existing")[0]
        w = _Writer(files, params, existing)
        held: dict[str, dict[str, Any]] = {}
        for r in results:
            for cam in r.cameras.values():
                w.camera(cam)
            for loc_id, place in r.places.items():
                w.place(loc_id, place)
            for row in r.held:
                _hold(held, row)
            assert r.files is not None
            files.adopt(r.files)
            report.add_counters(r.counters)
            report.written += r.written
        for st in held.values():
            w.media(st)
        report.add_counters(w.take_counters())
        times.files_s = time.perf_counter() - t2
        times.validate_and_files_s = time.perf_counter() - t0
        report.finished_at = now_iso()
        finish_load(driver, report)
        if not report.written:
            files.close()
            return report
        try:
            t3 = time.perf_counter()
            times.carried_nodes, times.carried_relationships = carry_graph(
                driver, files, patch=_patcher(w.location_updates)
            )
            times.carry_s = time.perf_counter() - t3
            echo(
                f"{files.nodes:,} nodes and {files.relationships:,} relationships in "
                f"{len(files.arguments())} files; importing"
            )
            times.importer = import_full(files, settings, echo=echo)
        except GraphError as e:
            report.refused = True
            report.refusal = f"the bulk import failed, nothing loaded: {e}"
            report.skipped, report.written, report.counters = report.read, 0, {}
            report.finished_at = now_iso()
            finish_load(db.get_driver(settings), report)
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)
        times.total_s = time.perf_counter() - t0
