"""Media folders: walk a folder, analyse every file in a process pool, write ``Media``.

``cluegraph load media DIR --case ID [--series ID]``. The load is a pipeline of three
stages that overlap: the walk feeds the worker pool (:mod:`loaders.media_pool`), the
analyses become rows (:mod:`loaders.media_rows`) handed one by one through a bounded queue
to the writer thread (:mod:`loaders.media_write`), which resolves places and writes what
has gathered in one transaction (``UNWIND``, ``CREATE`` for media known new). Memory stays
bounded: a couple of files per worker, ``4 x batch`` rows queued, one batch written.

The walk (:mod:`loaders.media_walk`)
    ``os.scandir`` recursively, never following a symbolic link (see there). The type
    is detected from content (:func:`media.mediafile.sniff`); a file that is no image or video is
    ignored, unless its name says it is one (``x.jpg`` holding text), which is an error.
    A ``media.csv`` (``file,series_id``) maps files below its folder (paths relative to
    it) to series; ``--series`` is the default. ``media.csv`` itself is not media.

The analysis (:mod:`loaders.media_pool`)
    A folder of at most four files is analysed in the loader's own process (a worker's
    start costs more than those analyses). Otherwise it runs in worker processes (one
    per core by default, never more than files to analyse), each with at most a couple
    of files queued. A file that takes longer than
    ``timeout`` seconds, or kills its worker (a decoder crash), becomes a per-file error;
    the worker is replaced and the load goes on.

The graph
    One ``Media`` per SHA-256 (``MERGE``), with the hashes, size, type, perceptual hashes
    and EXIF of :mod:`media.mediafile`, and ``(:Case)-[:HOLDS]->(m)``,
    ``(:Series)-[:CONTAINS]->(m)`` when a series is known, ``(m)-[:TAKEN_WITH]->(:Camera)``
    when EXIF has a serial, ``(m)-[:GEOTAGGED_AT {lat, lon}]->(:Location)-[:IN_COUNTRY]->
    (:Country)`` when it has GPS. A ``Media`` known only by MD5/SHA-1 (from a hash set)
    takes the SHA-256 of the file with the same MD5 (or SHA-1): no duplicate. When the same
    content sits at several paths, ``path``/``fileName`` keep the smallest path, so the
    result does not depend on the order in which files were analysed.

Load id
    ``make_load_id('media', D, case=..., series=...)`` where D digests the set of
    (relative path, size, mtime) of every file below DIR. D is order-free (a sum of
    per-file digests), so the walk never has to hold or sort the whole listing; it is
    the same value for the same folder content. Re-running an interrupted load gives the
    same load id, and the ``MERGE``\\ s make it end in the graph of an uninterrupted load.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import neo4j

from graph import db, queries
from loaders import fields
from loaders.base import (
    FileRefused,
    InvalidRecord,
    LoadReport,
    begin_load,
    finish_load,
    make_load_id,
    now_iso,
)
from loaders.media_pool import (
    DEFAULT_TIMEOUT,
    DEFAULT_WORKER_MEMORY_MB,
    AnalysisPool,
    InlineAnalysis,
    analysis_for,
)
from loaders.media_rows import PlaceResolver, media_props, media_row
from loaders.media_walk import (
    CsvEntry,
    FileEntry,
    WalkError,
    folder_digest,
    walk,
)
from loaders.media_write import MediaWriter, write_media_bulk
from media import exiftool_serials

log = logging.getLogger("cluegraph.loaders.media")

#: The first statement of the MERGE path (loaders/records.py names it as its write query).
WRITE_MEDIA = queries.media_write()

#: Files left out (neither picture nor video) named in the report and on the Load node.
MAX_LISTED_IGNORED = 200
DEFAULT_BATCH = 500
#: Errors kept in the report (all are counted).
MAX_KEPT_ERRORS = 10_000


# ============================================================================ the load
ProgressFn = Callable[[int, int], None]


@dataclass
class MediaLoadOptions:
    case_id: str
    series_id: str | None = None
    strict: bool = False
    dry_run: bool = False
    workers: int | None = None
    batch_size: int = DEFAULT_BATCH
    timeout: float = DEFAULT_TIMEOUT
    max_pixels: int | None = None
    memory_mb: int | None = DEFAULT_WORKER_MEMORY_MB
    #: Reduced-scale JPEG decode (see :func:`loaders.mediafile.analyse`): faster on large
    #: photos, but the PDQ is no longer the reference's bit for bit. Off by default.
    reduced_decode: bool = False


def _existing(driver: neo4j.Driver, query: Callable[[], str], ids: list[str]) -> set[str]:
    """Which of ``ids`` the catalog query (``media_cases_exist``/``_series_exist``) finds."""
    rows = db.records(driver, query(), ids=ids, name=f"load.{query.__name__}")
    return {r["id"] for r in rows}


def _add_error(report: LoadReport, rel: str, message: str) -> None:
    report.skipped += 1
    if len(report.errors) < MAX_KEPT_ERRORS:
        report.errors.append(InvalidRecord(message, file=rel))


def _add_warning(report: LoadReport, rel: str, message: str) -> None:
    """A file loaded with something missing (e.g. its EXIF): not skipped, not an error."""
    report.counters["files_with_warnings"] = report.counters.get("files_with_warnings", 0) + 1
    if len(report.warnings) < MAX_KEPT_ERRORS:
        report.warnings.append(InvalidRecord(message, file=rel))


def _check_graph(
    driver: neo4j.Driver | None,
    opts: MediaLoadOptions,
    case_id: str,
    default_series: str | None,
    csv_series: set[str],
) -> tuple[str | None, set[str]]:
    """``(refusal or None, series named by media.csv that are not in the graph)``."""
    if driver is None or opts.dry_run:
        return None, set()
    if not _existing(driver, queries.media_cases_exist, [case_id]):
        return f"case {case_id!r} is not in the graph; load it first (cluegraph load cases)", set()
    wanted = sorted(csv_series | ({default_series} if default_series else set()))
    missing_series = set(wanted) - _existing(driver, queries.media_series_exist, wanted)
    if default_series in missing_series:
        return (
            f"series {default_series!r} is not in the graph; load it first (cluegraph load series)"
        ), missing_series
    return None, missing_series


def load_media(
    driver: neo4j.Driver | None,
    root: Path,
    opts: MediaLoadOptions,
    *,
    progress: ProgressFn | None = None,
    pool: AnalysisPool | InlineAnalysis | None = None,
) -> LoadReport:
    """Load every media file below ``root`` into case ``opts.case_id``. Never raises for
    bad input: the report says what was refused or skipped, and which files loaded with
    a warning (EXIF unreadable).

    ``pool``: an :class:`AnalysisPool` to use (and leave running), so that a load of many
    folders starts its workers once; its own settings (workers, timeout, pixel limit,
    memory, reduced decode) then apply instead of those of ``opts``. Without one, a
    folder of at most :data:`~loaders.media_pool.INLINE_MAX_FILES` files (and no
    ``opts.workers``) is analysed in this process; a larger one starts a pool of no more
    workers than files, before it checks the graph, so the workers' start-up overlaps
    those round trips (:func:`loaders.media_pool.analysis_for`)."""
    root = Path(root)
    name = root.resolve().name or str(root.resolve())
    report = LoadReport(kind="media", source=name, dry_run=opts.dry_run)
    report.started_at = now_iso()
    own_pool = pool is None

    def refuse(msg: str) -> LoadReport:
        if own_pool and pool is not None:
            pool.close()
        report.refused, report.refusal = True, msg
        report.finished_at = now_iso()
        return report

    if not root.is_dir():
        return refuse(f"{root}: not a folder")
    try:
        case_id = fields.identifier(opts.case_id)
        default_series = fields.identifier(opts.series_id) if opts.series_id else None
    except ValueError as e:
        return refuse(f"--case/--series: {e}")
    try:
        digest, total, csv_series = folder_digest(root)
    except FileRefused as e:
        return refuse(str(e))
    report.sha256 = digest
    report.load_id = make_load_id("media", digest, case=case_id, series=default_series)
    if pool is None:
        pool = analysis_for(
            [root],
            opts.workers,
            timeout=opts.timeout,
            max_pixels=opts.max_pixels,
            memory_mb=opts.memory_mb,
            reduced_decode=opts.reduced_decode,
        )

    if not exiftool_serials.available():
        report.warnings.append(
            InvalidRecord(
                "ExifTool (exiftool) is not installed or is switched off: camera serials "
                "kept in maker notes may be missed (install libimage-exiftool-perl)",
                file=name,
            )
        )

    try:  # the graph's checks while the workers start; a failure stops them
        refusal, missing_series = _check_graph(driver, opts, case_id, default_series, csv_series)
    except BaseException:
        if own_pool:
            pool.close()
        raise
    if refusal:
        return refuse(refusal)
    writing = driver is not None and not opts.dry_run
    options = {"case": case_id, "series": default_series, "folder": str(root.resolve())}
    spool = None
    writer: MediaWriter | None = None
    params: dict[str, Any] = {}
    if writing and not opts.strict:
        try:
            loaded_at = begin_load(driver, report, options)  # type: ignore[arg-type]
        except BaseException:
            if own_pool:
                pool.close()
            raise
        params = {"loadId": report.load_id, "source": report.source, "loadedAt": loaded_at}
        writer = MediaWriter(driver, params, report, batch_size=opts.batch_size)  # type: ignore[arg-type]
        writer.start()
    elif writing and opts.strict:
        spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8", prefix="cluegraph-media-")

    done = 0

    def emit(row: dict[str, Any]) -> None:
        if spool is not None:
            spool.write(json.dumps(row, default=_json_default) + "\n")
        elif writer is not None:
            writer.put(row)

    def tasks() -> Iterator[FileEntry]:
        nonlocal done
        for item in walk(root, default_series):
            if isinstance(item, CsvEntry):
                continue
            if isinstance(item, WalkError):
                _add_error(report, item.rel, item.message)
                continue
            if item.series is None and item.series_line:
                report.read += 1
                done += 1
                _add_error(report, item.rel, f"invalid series in {item.series_line}; skipped")
                continue
            if item.series is not None and item.series in missing_series:
                report.read += 1
                done += 1
                where = f" ({item.series_line})" if item.series_line else ""
                _add_error(
                    report,
                    item.rel,
                    f"series {item.series!r}{where} is not in the graph; file skipped",
                )
                continue
            yield item

    try:
        for task, status, payload in pool.run(tasks()):
            done += 1
            if status == "ignored":
                report.counters["ignored_files"] = report.counters.get("ignored_files", 0) + 1
                if len(report.ignored) < MAX_LISTED_IGNORED:
                    report.ignored.append(f"{task.rel} ({payload or 'unknown type'})")
            elif status == "error":
                report.read += 1
                reason, message = payload
                _add_error(report, task.rel, f"{message} (reason: {reason})")
            else:
                report.read += 1
                for warning in payload.get("warnings") or ():
                    _add_warning(report, task.rel, warning)
                props = media_props(payload)
                emit(
                    media_row(
                        payload["sha256"],
                        props,
                        case_id=case_id,
                        series_id=task.series,
                        path=os.path.abspath(task.path),
                        file_name=os.path.basename(task.path),
                    )
                )
            if progress:
                progress(done, total)
        if writer is not None:
            writer.finish()
    except BaseException:
        if writer is not None and writer.is_alive():
            writer.abandon()
        raise
    finally:
        if own_pool:
            pool.close()

    if spool is not None:
        with spool:
            if report.errors or report.skipped:
                report.refused = True
                report.refusal = (
                    f"{report.source}: {report.skipped} file(s) with errors and --strict; "
                    "nothing loaded"
                )
                report.finished_at = now_iso()
                return report
            loaded_at = begin_load(driver, report, options)  # type: ignore[arg-type]
            params = {"loadId": report.load_id, "source": report.source, "loadedAt": loaded_at}
            spool.seek(0)
            places = PlaceResolver()
            rows: list[dict[str, Any]] = []
            for line in spool:
                rows.append(_from_json(json.loads(line)))
                if len(rows) >= opts.batch_size:
                    places.fill(rows)
                    report.add_counters(write_media_bulk(driver, rows, params))  # type: ignore[arg-type]
                    report.written += len(rows)
                    rows = []
            if rows:
                places.fill(rows)
                report.add_counters(write_media_bulk(driver, rows, params))  # type: ignore[arg-type]
                report.written += len(rows)

    report.finished_at = now_iso()
    if writing:
        finish_load(driver, report)  # type: ignore[arg-type]
    log.info(
        "load media %s: read=%d written=%d skipped=%d",
        report.load_id,
        report.read,
        report.written,
        report.skipped,
    )
    return report


def _json_default(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"__dt__": v.isoformat()}
    raise TypeError(type(v).__name__)


def _from_json(row: dict[str, Any]) -> dict[str, Any]:
    props = row.get("props") or {}
    for k, v in list(props.items()):
        if isinstance(v, dict) and "__dt__" in v:
            props[k] = datetime.fromisoformat(v["__dt__"])
    return row
