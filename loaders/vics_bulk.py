"""``cluegraph load vics FILE.json --hashset NAME --bulk``: a first load of a large hash
set into a store without media through Neo4j's offline importer (``graph/bulkimport.py``).

One streamed pass over the JSON document (:func:`loaders.vics.iter_items`, one item in
memory at a time) validates every item with the normal path's validator
(:func:`loaders.vics.validate_item`: the same errors naming file, item and field, the same
``--strict``, ``--dry-run``, the same ``Load`` node and load id) and writes each valid item
as one line of a ``Media`` node file and one line of a ``LISTS`` relationship file of the
importer, the nodes and relationships the normal path's ``vics_write`` creates for a hash
it does not know: a ``Media`` with the item's hashes, size, PhotoDNA, ``nonPertinent``
(when its category or the set says so) and provenance, and ``(:HashSet)-[:LISTS]->`` it
with the item's category, series, flags and tags. An absent value is an empty cell,
which the importer leaves absent, as the normal path's ``SET x = null`` does.

Items that share a hash with another item (the same MD5, SHA-1 or SHA-256 twice) are the
only ones whose result depends on the order of the writes: their lines are taken out of
the files and, after the import, they are written in file order by the normal path's
batches over Bolt (:func:`loaders.vics.write_rows`, a second streamed read of the file
that keeps only them), so that they find one another as on the normal path. Memory: 24
bytes per item (the first 64 bits of its three hashes, to find the shared ones) besides
one item; no list of the rows is kept. When to use which path: docs/scaling.md.
"""

from __future__ import annotations

import resource
import shutil
import tempfile
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from graph import db, hashsets, queries
from graph.bulkimport import (
    ARRAY_DELIMITER,
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
    FileRefused,
    InvalidRecord,
    LoadReport,
    begin_load,
    finish_load,
    now_iso,
)
from loaders.vics import (
    DEFAULT_BATCH,
    FORMAT_2,
    MAX_ERRORS,
    iter_items,
    prepare_load,
    validate_item,
    write_rows,
)

#: The columns of the importer's files (header names with their types).
MEDIA_HEADER = (
    ":ID",
    "sha256:string",
    "md5:string",
    "sha1:string",
    "bytes:long",
    "photoDna:string",
    "nonPertinent:boolean",
    "source:string",
    "loadId:string",
    "loadedAt:string",
)
LISTS_HEADER = (
    ":START_ID",
    ":END_ID",
    "category:long",
    "series:string",
    "nonPertinent:boolean",
    "victimIdentified:boolean",
    "offenderIdentified:boolean",
    "isDistributed:boolean",
    "tags:string[]",
    "source:string",
    "loadId:string",
    "loadedAt:string",
)
#: Salts of the three hash kinds in the 64-bit keys (an MD5 and a SHA-1 sharing their
#: first 16 digits are not the same hash; a collision only sends items to the Bolt path).
_SALT = {"md5": 0x5A5A5A5A5A5A5A5A, "sha1": 0x3C3C3C3C3C3C3C3C, "sha256": 0x0F0F0F0F0F0F0F0F}


def _s(v: str | None) -> str:
    """A string cell: quoted (so that the importer never reads it as absent)."""
    if v is None:
        return ""
    return '"' + v.replace('"', '""') + '"'


def _b(v: bool | None) -> str:
    return "" if v is None else ("true" if v else "false")


def _i(v: int | None) -> str:
    return "" if v is None else str(v)


def _key(h: str | None, kind: str) -> int:
    return 0 if not h else (int(h[:16], 16) ^ _SALT[kind]) or 1


def _exact(row: dict[str, Any]) -> bool:
    """Whether the importer's files can hold the row exactly: a tag holding the list
    delimiter cannot (such a row goes the Bolt way)."""
    return not any(ARRAY_DELIMITER in t for t in row["tags"])


@dataclass
class VicsBulkTimes:
    """Where a bulk VICS load spent its time (seconds)."""

    read_and_files_s: float = 0.0  # the streamed pass: parse, validate, write the files
    shared: int = 0  # items sharing a hash with another: written over Bolt after the import
    shared_s: float = 0.0
    carry_s: float = 0.0
    importer: ImportResult | None = None
    total_s: float = 0.0
    peak_rss_mb: float = 0.0


class _Files:
    """The two importer files of the items, one line per valid item each."""

    def __init__(self, folder: Path, hs_nid: str, prov: tuple[str, str, str]):
        folder.mkdir(parents=True, exist_ok=True)
        self.media_path, self.lists_path = folder / "vics_media.csv", folder / "vics_lists.csv"
        self.media: IO[str] = open(self.media_path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self.lists: IO[str] = open(self.lists_path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self.media.write(",".join(MEDIA_HEADER) + "\n")
        self.lists.write(",".join(LISTS_HEADER) + "\n")
        self.hs = _s(hs_nid)
        self.prov = ",".join(_s(p) for p in prov)
        self.multiline = False
        self.count = 0

    def write(self, ordinal: int, row: dict[str, Any], set_np: bool) -> None:
        nid = f'"vics|{ordinal}"'
        np_media = True if (row["nonPertinent"] or set_np) else None
        photo = _s(row["photoDna"])
        m = (
            f"{nid},{_s(row['sha256'])},{_s(row['md5'])},{_s(row['sha1'])},"
            f"{_i(row['bytes'])},{photo},{_b(np_media)},{self.prov}\n"
        )
        series = _s(row["series"])
        tags = _s(ARRAY_DELIMITER.join(row["tags"])) if row["tags"] else ""  # absent
        r = (
            f"{self.hs},{nid},{_i(row['category'])},{series},{_b(row['nonPertinent'])},"
            f"{_b(row['victimIdentified'])},{_b(row['offenderIdentified'])},"
            f"{_b(row['isDistributed'])},{tags},{self.prov}\n"
        )
        if not self.multiline and ("\n" in m[:-1] or "\r" in m or "\n" in r[:-1] or "\r" in r):
            self.multiline = True
        self.media.write(m)
        self.lists.write(r)
        self.count += 1

    def close(self) -> None:
        self.media.close()
        self.lists.close()

    def drop(self, ordinals: np.ndarray) -> int:
        """Take the lines of the items ``ordinals`` (sorted, 1-based over the files'
        lines) out of both files (their items are written over Bolt instead)."""
        self.close()
        gone = 0
        for path in (self.media_path, self.lists_path):
            tmp = path.with_suffix(".tmp")
            with (
                open(path, encoding="utf-8", newline="") as src,
                open(tmp, "w", encoding="utf-8", newline="") as dst,
            ):
                dst.write(src.readline())
                k, n = 0, len(ordinals)
                nxt = int(ordinals[0]) if n else -1
                for i, line in enumerate(_records(src), start=1):
                    if i == nxt:
                        k += 1
                        nxt = int(ordinals[k]) if k < n else -1
                        continue
                    dst.write(line)
            tmp.replace(path)
            gone = len(ordinals)
        self.count -= gone
        return gone

    def part(self) -> tuple[list[str], list[str], int, int]:
        self.close()
        multi = [str(self.media_path), str(self.lists_path)] if self.multiline else []
        args = [
            f"--nodes={Label.MEDIA.value}={self.media_path}",
            f"--relationships={Rel.LISTS.value}={self.lists_path}",
        ]
        return args, multi, self.count, self.count


def _records(fh: IO[str]) -> Iterator[str]:
    """The CSV records of ``fh`` as text (a quoted field may hold line ends)."""
    pending = ""
    for line in fh:
        pending += line
        if pending.count('"') % 2 == 0:
            yield pending
            pending = ""
    if pending:
        yield pending


def stream_items(
    path: Path,
    npc: frozenset[int],
    files: _Files,
    report: LoadReport,
    meta: dict[str, str],
    set_np: bool,
    dry_run: bool,
    max_errors: int | None,
    on_bytes: Callable[[int], None] | None = None,
) -> tuple[array, list[int]]:
    """The streamed pass: read every item (one in memory), validate it, write the valid
    ones into ``files`` (not in a dry run); errors and the read count go to ``report``,
    a file that cannot be read or has too many bad items sets ``report.refused``.
    Returns the three 64-bit hash keys of each written item (MD5, SHA-1, SHA-256; 0 when
    absent) and the ordinals of the items the files cannot hold exactly."""
    keys = array("Q")
    inexact: list[int] = []
    try:
        with open(path, "rb") as fh:
            for item in iter_items(fh, meta, on_bytes):
                report.read += 1
                try:
                    row = validate_item(item, path.name, npc)
                except InvalidRecord as e:
                    report.errors.append(e)
                    if max_errors is not None and len(report.errors) > max_errors:
                        raise FileRefused(
                            f"{path.name}: more than {max_errors} bad items; nothing loaded"
                        ) from None
                    continue
                if dry_run:
                    continue
                keys.extend(
                    (
                        _key(row["md5"], "md5"),
                        _key(row["sha1"], "sha1"),
                        _key(row["sha256"], "sha256"),
                    )
                )
                files.write(files.count + 1, row, set_np)
                if not _exact(row):
                    inexact.append(files.count)
    except FileRefused as e:
        msg = str(e)
        report.refused = True
        report.refusal = msg if msg.startswith(path.name) else f"{path.name}: {msg}"
    return keys, inexact


def load_vics_bulk(
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
    progress: Callable[[int, int], None] | None = None,
    echo: Callable[[str], None] = lambda _m: None,
    times: VicsBulkTimes | None = None,
) -> LoadReport:
    """Load a VICS hash set into a store without media through the importer. Never raises
    for bad input or a store it cannot take: the report says (``refused``).
    ``batch_size``: the Bolt batches of the items that share a hash."""
    path = Path(path)
    settings = get_settings()
    times = times if times is not None else VicsBulkTimes()
    t0 = time.perf_counter()
    pre = prepare_load(
        path, hashset, non_pertinent, pdq_radius, phash_radius, set_non_pertinent, dry_run
    )
    if isinstance(pre, LoadReport):
        return pre
    report, options, hs_id, npc = pre.report, pre.options, pre.hashset_id, pre.non_pertinent
    if dry_run:  # validation only: the store is not asked
        driver, loaded_at, set_np = None, report.started_at, set_non_pertinent
    else:
        try:
            driver = None if settings.remote else db.get_driver()
            check_target(driver, settings)
            assert driver is not None
            db.apply_schema(driver)
        except (BulkRefused, GraphError) as e:
            report.refused, report.refusal = True, str(e)
            report.finished_at = now_iso()
            return report
        first = db.records(
            driver, queries.load_first_started(), id=report.load_id, name="load.lookup"
        )
        loaded_at = first[0]["t"] if first and first[0]["t"] else report.started_at
        current = db.records(
            driver, queries.hashsets_get(), {"id": hs_id, "name": ""}, name="hashsets.get"
        )
        set_np = set_non_pertinent or bool(
            current and current[0]["id"] == hs_id and current[0]["nonPertinent"]
        )
    params = {
        "loadId": report.load_id,
        "source": report.source,
        "loadedAt": loaded_at,
        "hashSetId": hs_id,
        "hashSetName": pre.hashset_name,
        "format": FORMAT_2,
        "pdqRadius": pre.pdq_radius,
        "phashRadius": pre.phash_radius,
        "setNonPertinent": bool(set_non_pertinent),
    }
    work = Path(tempfile.mkdtemp(prefix="bulk-vics-", dir=settings.home))
    try:
        hs_nid = node_id(Label.HASHSET.value, hs_id)
        files = _Files(work / "items", hs_nid, (report.source, report.load_id, loaded_at))
        meta: dict[str, str] = {}
        total = pre.total

        def on_bytes(pos: int) -> None:
            if progress:
                progress(pos, total)

        keys, inexact = stream_items(
            path, npc, files, report, meta, set_np, dry_run, max_errors, on_bytes
        )
        if not report.refused and strict and report.errors:
            report.refused = True
            report.refusal = (
                f"{path.name}: {len(report.errors)} bad item(s) and --strict; nothing loaded"
            )
        report.skipped = len(report.errors)
        files.close()
        if report.refused or dry_run:
            if report.refused and not dry_run:
                report.skipped = report.read
            report.finished_at = now_iso()
            return report

        # The items sharing a hash with another one (and the inexact) go the Bolt way.
        k = np.frombuffer(keys, dtype=np.uint64).reshape(-1, 3)
        present = k[k != 0]
        u, c = np.unique(present, return_counts=True)
        shared = u[c > 1]
        del present, u, c
        mask = np.zeros(len(k), dtype=bool)
        if len(shared):
            mask |= np.isin(k, shared).any(axis=1)
        if inexact:
            mask[np.asarray(inexact, dtype=np.int64) - 1] = True
        held = np.flatnonzero(mask) + 1  # 1-based ordinals among the valid items
        del k, mask, keys
        if len(held):
            files.drop(held)
        times.shared = len(held)
        times.read_and_files_s = time.perf_counter() - t0

        assert driver is not None
        params["format"] = meta.get("format", FORMAT_2)
        begin_load(driver, report, options)
        db.write(driver, queries.vics_begin_hashset(), params, name="load.vics.hashset")
        imported = files.count
        report.written = imported
        report.add_counters({"nodes_created": imported, "relationships_created": imported})
        try:
            ifiles = ImportFiles(work / "csv")
            t1 = time.perf_counter()
            carry_graph(driver, ifiles)
            times.carry_s = time.perf_counter() - t1
            ifiles.adopt(files.part())
            echo(f"{imported:,} media and their LISTS in the importer's files; importing")
            times.importer = import_full(ifiles, settings, echo=echo)
        except GraphError as e:
            report.refused = True
            report.refusal = f"the bulk import failed, nothing loaded: {e}"
            report.skipped, report.written, report.counters = report.read, 0, {}
            report.finished_at = now_iso()
            finish_load(db.get_driver(settings), report)
            return report
        driver = db.get_driver(settings)
        if len(held):
            t2 = time.perf_counter()
            want = set(held.tolist()) if len(held) < 1_000_000 else None
            write_rows(driver, _held_rows(path, npc, held, want), params, report, batch_size)
            times.shared_s = time.perf_counter() - t2
        if set_non_pertinent:
            hashsets.flag_media(driver, hs_id)
        report.finished_at = now_iso()
        finish_load(driver, report)
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)
        times.total_s = time.perf_counter() - t0
        times.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _held_rows(
    path: Path, npc: frozenset[int], held: np.ndarray, want: set[int] | None
) -> Iterator[dict[str, Any]]:
    """The validated rows of the valid items ``held`` (sorted 1-based ordinals), in file
    order, read again from the file (streamed)."""
    n = 0
    with open(path, "rb") as fh:
        for item in iter_items(fh, {}):
            try:
                row = validate_item(item, path.name, npc)
            except InvalidRecord:
                continue
            n += 1
            if (n in want) if want is not None else _contains(held, n):
                yield row


def _contains(sorted_values: np.ndarray, v: int) -> bool:
    i = int(np.searchsorted(sorted_values, v))
    return i < len(sorted_values) and int(sorted_values[i]) == v
