"""The loader contract: parse, validate, write in batches, report.

Every loader turns one input file into typed records and writes them with ``UNWIND
$rows AS row`` in managed write transactions, ``MERGE`` on the natural keys. A load is
recorded as a ``(:Load)`` node. Bad records raise :class:`InvalidRecord` with the file,
line and field; they are reported and skipped, or the whole file is refused with
``strict``. CSV loads validate the whole file first (a cheap pass), so a refused file
writes nothing.

Provenance. The load id is derived from the loader kind, the file's SHA-256 and the
options that change what is written, so re-running the same input writes the same
``loadId``, ``source`` and ``loadedAt`` (the time that input was first loaded) and
leaves the graph unchanged. Logs carry identifiers and counts, never record contents.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
import pickle
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import neo4j
from pydantic import BaseModel, ValidationError

from graph import db, queries

log = logging.getLogger("cluegraph.loaders")

#: Largest CSV field accepted (bytes); larger fields are an error, not a memory blow-up.
MAX_FIELD = 1_000_000
#: Shown value lengths in error messages are cut to this.
MAX_SHOWN = 60


class InvalidRecord(Exception):
    """A record that fails validation: names the file, the line/record and the field."""

    def __init__(self, message: str, *, file: str = "", line: int | None = None, field: str = ""):
        super().__init__(message)
        self.file, self.line, self.field, self.message = file, line, field, message

    def __str__(self) -> str:
        where = self.file or "input"
        if self.line is not None:
            where += f" line {self.line}"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class InvalidFields(InvalidRecord):
    """Several fields of one record are bad: one :class:`InvalidRecord` per field in
    ``parts`` (reported one by one), so a row is fixed in one go, not one field a run."""

    def __init__(self, parts: list[InvalidRecord]):
        first = parts[0]
        super().__init__(first.message, file=first.file, line=first.line, field=first.field)
        self.parts = parts

    def __str__(self) -> str:
        return "; ".join(str(p) for p in self.parts)


def error_parts(err: InvalidRecord) -> list[InvalidRecord]:
    """The single errors of ``err`` (the fields of an :class:`InvalidFields`)."""
    return list(err.parts) if isinstance(err, InvalidFields) else [err]


class FileRefused(Exception):
    """The whole input was refused (encoding, header, --strict, too many errors)."""


def shown(value: Any) -> str:
    """A value for an error message: quoted, cut short, control characters escaped."""
    s = repr(str(value))
    return s if len(s) <= MAX_SHOWN else s[: MAX_SHOWN - 4] + "...'"


@dataclass
class LoadReport:
    kind: str
    source: str
    sha256: str = ""
    load_id: str = ""
    started_at: str = ""
    finished_at: str = ""
    read: int = 0
    written: int = 0
    skipped: int = 0
    refused: bool = False
    dry_run: bool = False
    errors: list[InvalidRecord] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    refusal: str = ""
    #: Problems that lost nothing the loader could read (e.g. a file loaded without its
    #: unreadable EXIF): reported and stored on the Load, but a load with warnings only
    #: is ``done`` and ``ok`` (exit status 0), as nothing was skipped.
    warnings: list[InvalidRecord] = field(default_factory=list)
    #: Files of a folder that are neither pictures nor videos, by name with their type
    #: ("notes.txt (text)"), capped (the count is ``counters['ignored_files']``): nothing
    #: from a seizure is left out silently.
    ignored: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``refused``, ``failed`` (bad records and nothing written), ``partial`` (some
        written, some skipped) or ``done`` (warnings alone leave a load ``done``)."""
        if self.refused:
            return "refused"
        if self.errors or self.skipped:
            return "failed" if self.written == 0 else "partial"
        return "done"

    @property
    def ok(self) -> bool:
        return not self.refused and self.skipped == 0 and not self.errors

    def add_counters(self, c: Mapping[str, int]) -> None:
        for k, v in c.items():
            self.counters[k] = self.counters.get(k, 0) + int(v)

    def error_lines(self, limit: int | None = None) -> list[str]:
        errs = self.errors if limit is None else self.errors[:limit]
        return [str(e) for e in errs]

    def warning_lines(self, limit: int | None = None) -> list[str]:
        found = self.warnings if limit is None else self.warnings[:limit]
        return [str(w) for w in found]


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def make_load_id(kind: str, sha256: str, **options: Any) -> str:
    """Deterministic id of loading this input with these options."""
    opts = json.dumps(options, sort_keys=True, default=str)
    digest = hashlib.sha256(f"{kind}\0{sha256}\0{opts}".encode()).hexdigest()[:20]
    return f"{kind}-{digest}"


# ------------------------------------------------------------------ Load node
MAX_STORED_ERRORS = 1000

#: Load kinds that cannot change what the media indexes hold (the near-duplicate and
#: video frame indexes, graph/indexversion.py): their ``Load`` nodes do not bump the
#: version. The visual pass writes scene and object pairs and proposed clues, never a
#: Media's hashes; were it to bump, the next load or triage after it would take the
#: saved near-duplicate index for stale and rebuild it (issue 13: a one-picture load
#: rebuilt every near-duplicate pair, links and clusters after each visual pass).
UNVERSIONED_KINDS = frozenset({"visual"})


def begin_load(driver: neo4j.Driver, report: LoadReport, options: Mapping[str, Any]) -> str:
    """Record the start of a load; return its ``loadedAt`` (first time this input loaded)."""
    rows = db.records(
        driver,
        queries.load_first_started(),
        id=report.load_id,
        name="load.lookup",
    )
    db.write(
        driver,
        queries.load_begin(),
        {
            "id": report.load_id,
            "kind": report.kind,
            "source": report.source,
            "sha256": report.sha256,
            "startedAt": report.started_at,
            "options": json.dumps(dict(options), sort_keys=True, default=str),
            "bump": report.kind not in UNVERSIONED_KINDS,
        },
        name="load.begin",
    )
    return rows[0]["t"] if rows and rows[0]["t"] else report.started_at


def finish_load(driver: neo4j.Driver, report: LoadReport) -> None:
    status = report.status
    db.write(
        driver,
        queries.load_finish(),
        {
            "id": report.load_id,
            "finishedAt": report.finished_at,
            "status": status,
            "read": report.read,
            "written": report.written,
            "skipped": report.skipped,
            "errors": report.error_lines(MAX_STORED_ERRORS),
            "errorCount": len(report.errors),
            "warnings": report.warning_lines(MAX_STORED_ERRORS),
            "warningCount": len(report.warnings),
            "ignored": report.ignored,
            "ignoredCount": report.counters.get("ignored_files", 0),
            "bump": report.kind not in UNVERSIONED_KINDS,
        },
        name="load.finish",
    )


# ------------------------------------------------------------------ CSV reading
def open_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)`` from a UTF-8 CSV (BOM accepted). Refuses other encodings."""
    csv.field_size_limit(MAX_FIELD)
    try:
        fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as e:
        raise FileRefused(f"{path.name}: cannot open ({e.strerror})") from e
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
            if header is None:
                raise FileRefused(f"{path.name}: empty file, a header row is needed")
            names = [h.strip() for h in header]
            yield 1, {"__header__": names}  # type: ignore[dict-item]
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != len(names):
                    yield line, {"__bad__": f"has {len(row)} fields, the header has {len(names)}"}
                    continue
                yield line, dict(zip(names, row, strict=True))
        except UnicodeDecodeError as e:
            raise FileRefused(
                f"{path.name}: not UTF-8 (byte 0x{e.object[e.start]:02X} at offset "
                f"{e.start} of a read block); save it as UTF-8 and load it again"
            ) from e
        except csv.Error as e:
            raise FileRefused(f"{path.name} line {reader.line_num}: unreadable CSV ({e})") from e


class CsvLoader:
    """Base of the CSV loaders. Subclasses set the class attributes and ``validate``."""

    kind: ClassVar[str]
    required: ClassVar[tuple[str, ...]]
    optional: ClassVar[tuple[str, ...]] = ()
    model: ClassVar[type[BaseModel] | None] = None
    #: ``UNWIND $rows AS row ...``; also receives ``$loadId``, ``$source``, ``$loadedAt``.
    write_query: ClassVar[str]
    #: Keep the rows validated in pass 1 (pickled batches in an anonymous temporary file,
    #: gone when the load ends) and write those, instead of reading and validating the
    #: file a second time: for large files whose validation costs as much as the writes.
    spill: ClassVar[bool] = False

    def options(self) -> dict[str, Any]:
        """Options that change what is written (part of the load id)."""
        return {}

    def validate(self, raw: dict[str, str], file: str, line: int) -> dict[str, Any]:
        """Turn one raw CSV row into the parameters of ``write_query`` or raise InvalidRecord.

        The default validates with ``self.model`` (pydantic) and reports every bad field
        of the row (:class:`InvalidFields`), each mapped to the column it concerns.
        """
        assert self.model is not None
        try:
            rec = self.model.model_validate(raw)
        except ValidationError as e:
            parts: list[InvalidRecord] = []
            seen: set[str] = set()
            for err in e.errors():
                col = str(err["loc"][0]) if err.get("loc") else ""
                if col in seen:
                    continue  # one message per column
                seen.add(col)
                msg = err.get("msg", "invalid").removeprefix("Value error, ")
                value = raw.get(col, "")
                parts.append(
                    InvalidRecord(
                        f"{msg} (got {shown(value)})" if value != "" else msg,
                        file=file,
                        line=line,
                        field=col,
                    )
                )
            raise (parts[0] if len(parts) == 1 else InvalidFields(parts)) from None
        return self.to_row(rec)

    def to_row(self, rec: BaseModel) -> dict[str, Any]:
        return rec.model_dump()

    def write(
        self, driver: neo4j.Driver, rows: list[dict[str, Any]], params: Mapping[str, Any]
    ) -> dict[str, int]:
        """Write one batch; the default runs ``write_query`` once in a managed transaction.
        A loader whose batch needs several statements overrides this."""
        return db.write(
            driver, self.write_query, {**params, "rows": rows}, name=f"load.{self.kind}"
        )

    def write_batches(
        self,
        driver: neo4j.Driver,
        batches: Iterator[list[dict[str, Any]]],
        params: Mapping[str, Any],
        done: Callable[[int, Mapping[str, int]], None],
    ) -> None:
        """Write every batch, calling ``done(rows, counters)`` after each, in order. The
        default writes one batch after the other; a loader may overlap them."""
        for batch in batches:
            done(len(batch), self.write(driver, batch, params))

    def prepare(self, driver: neo4j.Driver | None, path: Path, lenient: bool) -> None:
        """Called by :func:`run_csv` once, before validation. Loaders whose records refer
        to nodes already in the graph look them up here, in batches, so that ``validate``
        can reject unknown ones. ``driver`` is None in an offline dry run. Default: nothing.
        """

    # -------------------------------------------------------------- header
    def check_header(self, names: list[str], file: str, lenient: bool) -> None:
        seen: set[str] = set()
        dup = [n for n in names if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
        if dup:
            raise FileRefused(f"{file}: duplicate column(s) {', '.join(map(shown, dup))}")
        missing = [c for c in self.required if c not in names]
        if missing:
            raise FileRefused(
                f"{file}: missing column(s) {', '.join(missing)}; "
                f"expected {', '.join(self.required + self.optional)}"
            )
        unknown = [n for n in names if n not in self.required and n not in self.optional]
        if unknown and not lenient:
            raise FileRefused(
                f"{file}: unknown column(s) {', '.join(map(shown, unknown))} "
                "(use --lenient to ignore them)"
            )

    def rows(
        self, path: Path, lenient: bool
    ) -> Iterator[tuple[int, dict[str, Any] | None, InvalidRecord | None]]:
        """Yield ``(line, row, error)`` for every record; exactly one of row/error is set."""
        file = path.name
        it = open_csv(path)
        _, head = next(it)
        names = head["__header__"]  # type: ignore[index]
        self.check_header(names, file, lenient)
        known = set(self.required + self.optional)
        for line, raw in it:
            if "__bad__" in raw:
                yield line, None, InvalidRecord(raw["__bad__"], file=file, line=line)
                continue
            raw = {k: v.strip() for k, v in raw.items() if k in known}
            try:
                yield line, self.validate(raw, file, line), None
            except InvalidRecord as e:
                yield line, None, e


ProgressFn = Callable[[int], None]


def run_csv(
    driver: neo4j.Driver | None,
    loader: CsvLoader,
    path: Path,
    *,
    strict: bool = False,
    lenient: bool = False,
    dry_run: bool = False,
    batch_size: int = 2000,
    max_errors: int | None = 1000,
    progress: ProgressFn | None = None,
) -> LoadReport:
    """Validate the whole file, then write it in batches. Never raises for bad input:
    the report says what was refused or skipped."""
    path = Path(path)
    report = LoadReport(kind=loader.kind, source=path.name, dry_run=dry_run)
    report.started_at = now_iso()
    try:
        report.sha256 = file_sha256(path)
    except OSError as e:
        report.refused, report.refusal = True, f"{path.name}: cannot read ({e.strerror})"
        return report
    report.load_id = make_load_id(loader.kind, report.sha256, **loader.options())

    # Pass 1: validate everything; nothing is written if the file is refused.
    spill = _Spill(batch_size) if loader.spill and driver is not None and not dry_run else None
    try:
        return _run_csv(
            driver,
            loader,
            path,
            report,
            spill,
            strict,
            lenient,
            dry_run,
            batch_size,
            max_errors,
            progress,
        )
    finally:
        if spill is not None:
            spill.close()


def _run_csv(
    driver: neo4j.Driver | None,
    loader: CsvLoader,
    path: Path,
    report: LoadReport,
    spill: _Spill | None,
    strict: bool,
    lenient: bool,
    dry_run: bool,
    batch_size: int,
    max_errors: int | None,
    progress: ProgressFn | None,
) -> LoadReport:
    try:
        loader.prepare(driver, path, lenient)
        for _line, row, err in loader.rows(path, lenient):
            report.read += 1
            if spill is not None and row is not None:
                spill.add(row)
            if err is not None:
                report.skipped += 1
                report.errors.extend(error_parts(err))
                if max_errors is not None and len(report.errors) > max_errors:
                    raise FileRefused(
                        f"{path.name}: more than {max_errors} bad records; nothing loaded"
                    )
    except FileRefused as e:
        report.refused, report.refusal = True, str(e)
    if not report.refused and strict and report.errors:
        report.refused = True
        report.refusal = f"{path.name}: {report.skipped} bad record(s) and --strict; nothing loaded"
    if report.refused or dry_run or driver is None:
        report.finished_at = now_iso()
        if report.refused and driver is not None and not dry_run:
            report.skipped = report.read
        return report

    # Pass 2: write valid records in batches (kept from pass 1, or read again).
    assert driver is not None
    loaded_at = begin_load(driver, report, loader.options())
    params = {"loadId": report.load_id, "source": report.source, "loadedAt": loaded_at}

    def done(n: int, counters: Mapping[str, int]) -> None:
        report.add_counters(counters)
        report.written += n
        if progress:
            progress(report.written)

    def batches() -> Iterator[list[dict[str, Any]]]:
        if spill is not None:
            yield from spill.batches()
            return
        batch: list[dict[str, Any]] = []
        for _line, row, err in loader.rows(path, lenient):
            if err is None and row is not None:
                batch.append(row)
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
        if batch:
            yield batch

    loader.write_batches(driver, batches(), params, done)
    report.finished_at = now_iso()
    finish_load(driver, report)
    log.info(
        "load %s %s: read=%d written=%d skipped=%d",
        report.kind,
        report.load_id,
        report.read,
        report.written,
        report.skipped,
    )
    return report


class _Spill:
    """Validated rows kept between the passes of :func:`run_csv`: pickled batches in an
    anonymous temporary file (unlinked at once, so nothing is left behind by a crash),
    memory bounded by one batch."""

    def __init__(self, batch_size: int):
        self.size = batch_size
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.pending: list[dict[str, Any]] = []
        self.count = 0

    def add(self, row: dict[str, Any]) -> None:
        self.pending.append(row)
        if len(self.pending) >= self.size:
            self._dump()

    def _dump(self) -> None:
        if self.pending:
            pickle.dump(self.pending, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.count += 1
            self.pending = []

    def batches(self) -> Iterator[list[dict[str, Any]]]:
        self._dump()
        self.file.seek(0)
        for _ in range(self.count):
            yield pickle.load(self.file)  # noqa: S301 (our own file of this load)

    def close(self) -> None:
        self.file.close()


def csv_row_count(path: Path) -> int:
    """Rough number of data rows (line count minus the header), for progress bars."""
    n = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            n += chunk.count(b"\n")
    return max(n - 1, 0)
