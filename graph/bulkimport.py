"""A first bulk load into the local store with Neo4j's offline importer.

``neo4j-admin database import full`` writes the store files directly from CSV files (no
transactions, indexes built once afterwards): far faster than any load over Bolt, but it
only creates a database, it cannot add to one. This module knows the importer's side:

- :class:`ImportFiles` writes nodes and relationships into the importer's CSV format,
  one file per shape (labels or type, and the property names with their types), so that
  every property keeps its exact Cypher type and an absent property stays absent;
- :func:`check_target` refuses what the importer cannot do safely here: a server the
  project does not run (``NEO4J_URI``: remote, Aura, a cluster) or a store that already
  holds media;
- :func:`carry_graph` copies what the store holds already (cases, series, users' audit
  trail, the ``Load`` of this load ...: small before a first media load) into the files,
  so that the import, which replaces the database, loses nothing;
- :func:`import_full` stops the local server, keeps a copy of the old store, runs the
  importer, restores the copy if it fails, restarts the server and applies the schema.

What to write (which nodes a load creates) is the loaders' business
(``loaders/bulk.py``). When to use which path: docs/scaling.md, "Bulk loads".
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import neo4j
import neo4j.time

from graph import db, queries
from graph.config import Settings, get_settings
from graph.errors import GraphError, ServerError
from graph.schema import KEYS
from graph.server import ADMIN_TOOL, LocalServer

log = logging.getLogger("cluegraph.graph.bulkimport")

#: Between the elements of a list property in the CSV files (the importer's
#: ``--array-delimiter``): the ASCII unit separator, which no validated text holds.
ARRAY_DELIMITER = "\x1f"
#: Memory the importer may take besides its heap (it defaults to 90 % of the machine).
IMPORT_OFF_HEAP = "2G"
IMPORT_HEAP = "1g"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class BulkRefused(GraphError):
    """The bulk path cannot be used for this store: the normal load is the tool."""


def node_id(label: str, key: Any) -> str:
    """The import id of the node with natural key ``key`` of ``label`` (one id space)."""
    return f"{label}|{key}"


def _scalar_type(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "long"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "string"
    if isinstance(v, neo4j.time.DateTime):
        return "datetime" if v.tzinfo is not None else "localdatetime"
    if isinstance(v, dt.datetime):
        return "datetime" if v.tzinfo is not None else "localdatetime"
    if isinstance(v, neo4j.time.Date | dt.date):
        return "date"
    raise GraphError(f"a property of type {type(v).__name__} cannot go through the importer")


def value_type(v: Any) -> str:
    """The importer's type name of a property value (``long``, ``string[]`` ...)."""
    if isinstance(v, list):
        if not v:
            return "string[]"
        kinds = {_scalar_type(x) for x in v}
        if len(kinds) != 1:
            raise GraphError("a list property mixes types: it cannot go through the importer")
        return kinds.pop() + "[]"
    return _scalar_type(v)


_FAST_TYPES: dict[type, str] = {str: "string", int: "long", float: "double", bool: "boolean"}


def _shape_of(props: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The property names with their importer types, in name order (None left out)."""
    fast = _FAST_TYPES
    return tuple(
        (k, fast.get(type(v)) or value_type(v)) for k, v in sorted(props.items()) if v is not None
    )


def _cell(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float | str):
        return v
    if isinstance(v, list):
        return ARRAY_DELIMITER.join(str(_cell(x)) for x in v)
    if isinstance(v, neo4j.time.DateTime | neo4j.time.Date):
        return v.iso_format()
    if isinstance(v, dt.date):
        return v.isoformat()
    raise GraphError(f"a property of type {type(v).__name__} cannot go through the importer")


@dataclass
class _Table:
    path: Path
    fh: IO[str]
    writer: Any
    keys: tuple[str, ...]
    rows: int = 0
    multiline: bool = False


@dataclass
class ImportFiles:
    """Node and relationship CSV files for ``neo4j-admin database import full`` in
    ``folder``: one file per shape, strings quoted (so that ``""`` is an empty string and
    an unquoted empty cell, never written, would be null)."""

    folder: Path
    nodes: int = 0
    relationships: int = 0
    _tables: dict[tuple, _Table] = field(default_factory=dict)
    _args: list[str] = field(default_factory=list)
    _parts: list[str] = field(default_factory=list)
    _parts_multiline: list[str] = field(default_factory=list)

    def node(self, nid: str, labels: Iterable[str], props: Mapping[str, Any]) -> None:
        shape = ("n", tuple(labels), _shape_of(props))
        t = self._tables.get(shape) or self._open(shape, ":ID")
        self._write(t, [nid], props)
        self.nodes += 1

    def rel(self, start: str, end: str, rtype: str, props: Mapping[str, Any]) -> None:
        shape = ("r", rtype, _shape_of(props))
        t = self._tables.get(shape) or self._open(shape, ":START_ID", ":END_ID")
        self._write(t, [start, end], props)
        self.relationships += 1

    def rel_writer(self, rtype: str, props: Mapping[str, Any]) -> Callable[[str, str], None]:
        """A writer of ``rtype`` relationships that all carry ``props`` (e.g. a load's
        provenance): their cells are made once, not per relationship."""
        shape = ("r", rtype, _shape_of(props))
        t = self._tables.get(shape) or self._open(shape, ":START_ID", ":END_ID")
        tail = [_cell(props[k]) for k in t.keys]
        if any(isinstance(c, str) and ("\n" in c or "\r" in c) for c in tail):
            t.multiline = True
        writerow = t.writer.writerow

        def write(start: str, end: str) -> None:
            writerow([start, end, *tail])
            t.rows += 1
            self.relationships += 1

        return write

    def _write(self, t: _Table, cells: list[Any], props: Mapping[str, Any]) -> None:
        for k in t.keys:
            v = props[k]
            tv = type(v)
            if tv is int or tv is float:
                cells.append(v)
                continue
            c = v if tv is str else _cell(v)
            cells.append(c)
            if not t.multiline and isinstance(c, str) and ("\n" in c or "\r" in c):
                t.multiline = True
        if not t.multiline:
            t.multiline = any(isinstance(c, str) and ("\n" in c or "\r" in c) for c in cells[:2])
        t.writer.writerow(cells)
        t.rows += 1

    def _open(self, shape: tuple, *id_cols: str) -> _Table:
        kind, name, props = shape
        names = name if kind == "n" else (name,)
        for n in (*names, *(k for k, _ in props)):
            if not _NAME.fullmatch(n):
                raise GraphError(f"the name {n!r} cannot go through the importer")
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{kind}{len(self._tables):04d}.csv"
        fh = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by close()
        w = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        w.writerow([*id_cols, *(f"{k}:{t}" for k, t in props)])
        t = _Table(path, fh, w, tuple(k for k, _ in props))
        self._tables[shape] = t
        if kind == "n":
            self._args.append(f"--nodes={':'.join(name)}={path}" if name else f"--nodes={path}")
        else:
            self._args.append(f"--relationships={name}={path}")
        return t

    def close(self) -> None:
        for t in self._tables.values():
            if not t.fh.closed:
                t.fh.close()

    def part(self) -> tuple[list[str], list[str], int, int]:
        """What :meth:`adopt` of another ``ImportFiles`` needs of these files (written by a
        worker process): the ``--nodes`` / ``--relationships`` arguments, the multi-line
        files, and the node and relationship counts. Closes the files."""
        self.close()
        multi = [str(t.path) for t in self._tables.values() if t.multiline]
        return list(self._args), multi, self.nodes, self.relationships

    def adopt(self, part: tuple[list[str], list[str], int, int]) -> None:
        """Import the files of :meth:`part` of another ``ImportFiles`` with these (each
        file keeps its own header: the importer takes any number of files per label)."""
        args, multi, nodes, rels = part
        self._parts.extend(args)
        self._parts_multiline.extend(multi)
        self.nodes += nodes
        self.relationships += rels

    def arguments(self) -> list[str]:
        """The importer's ``--nodes`` / ``--relationships`` / multi-line arguments."""
        self.close()
        multi = [str(t.path) for t in self._tables.values() if t.multiline]
        multi += self._parts_multiline
        extra = (
            ["--multiline-fields-format=v2", f"--multiline-fields={','.join(multi)}"]
            if multi
            else []
        )
        return [*self._args, *self._parts, *extra]


# ------------------------------------------------------------------ the target store
def check_target(driver: neo4j.Driver | None, settings: Settings | None = None) -> None:
    """Raise :class:`BulkRefused` unless the store is the project's own local server and
    holds no media (the importer replaces the whole database)."""
    s = settings or get_settings()
    if s.remote:
        raise BulkRefused(
            "--bulk imports offline into the local server ClueGraph runs; NEO4J_URI points "
            "at another server (remote, Aura or a cluster)",
            hint="load without --bulk: the normal path writes over Bolt to any server",
        )
    if driver is None:
        raise BulkRefused("--bulk needs the local server running", hint="`cluegraph db start`")
    rows = db.records(driver, queries.bulk_media_count(), name="bulk.media_count")
    media = int(rows[0]["media"]) if rows else 0
    if media:
        raise BulkRefused(
            f"--bulk is for a first load into a store without media; this one holds "
            f"{media:,} media",
            hint="load without --bulk: the normal path adds to a graph that has data",
        )


def carry_graph(
    driver: neo4j.Driver,
    files: ImportFiles,
    patch: Callable[[str, tuple[str, ...], dict[str, Any]], dict[str, Any]] | None = None,
) -> tuple[int, int]:
    """Write every node and relationship the store holds now into ``files`` (the
    importer replaces the database: nothing may be left behind). A node with a natural
    key (``graph.schema.KEYS``) gets :func:`node_id` of it, so that new relationships can
    name it; ``patch(id, labels, props)`` may change a node's properties on the way (a
    load that SETs properties of existing nodes). Returns (nodes, relationships)."""
    ids: dict[str, str] = {}
    n = r = 0
    with driver.session(database=db.database()) as ses:
        for rec in ses.run(queries.bulk_all_nodes()):
            labels = tuple(sorted(rec["labels"]))
            props = dict(rec["props"])
            nid = "~" + rec["eid"]
            for lbl, key in KEYS.items():
                if lbl.value in labels and props.get(key) is not None:
                    nid = node_id(lbl.value, props[key])
                    break
            if patch is not None:
                props = patch(nid, labels, props)
            ids[rec["eid"]] = nid
            files.node(nid, labels, props)
            n += 1
        for rec in ses.run(queries.bulk_all_relationships()):
            files.rel(ids[rec["start"]], ids[rec["end"]], rec["type"], dict(rec["props"]))
            r += 1
    return n, r


# ------------------------------------------------------------------ the import
@dataclass
class ImportResult:
    seconds: float = 0.0
    stop_s: float = 0.0
    import_s: float = 0.0
    start_s: float = 0.0
    schema_s: float = 0.0


def import_full(
    files: ImportFiles,
    settings: Settings | None = None,
    echo: Callable[[str], None] = lambda _m: None,
) -> ImportResult:
    """Replace the local database with the contents of ``files``: stop the server, copy
    the store aside, run ``neo4j-admin database import full``, restore the copy if the
    importer fails, start the server, apply the schema (constraints and indexes, built
    once over the imported data). Raises :class:`ServerError` when the import failed
    (the old store is back and running then)."""
    s = settings or get_settings()
    if s.remote:
        raise BulkRefused("NEO4J_URI is set: the importer only writes the local store")
    srv = LocalServer(s)
    res = ImportResult()
    t0 = time.perf_counter()
    args = files.arguments()
    dbname = db.database(s)
    db.close_drivers()
    srv.stop(echo=echo)
    res.stop_s = time.perf_counter() - t0
    stores = [srv.paths.data / "databases" / dbname, srv.paths.data / "transactions" / dbname]
    keep = files.folder / "previous-store"
    for d in stores:
        if d.exists():
            shutil.copytree(d, keep / d.parent.name / d.name)
    t1 = time.perf_counter()
    report = files.folder / "import.report"
    cmd = [
        str(srv.java()),
        f"-Xmx{IMPORT_HEAP}",
        "-cp",
        f"{srv.ensure_jars()}/*",
        ADMIN_TOOL,
        "database",
        "import",
        "full",
        dbname,  # before the --nodes lists, which take every following word as a file
        "--overwrite-destination=true",
        f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}",
        f"--max-off-heap-memory={IMPORT_OFF_HEAP}",
        f"--report-file={report}",
        *args,
    ]
    echo("Importing with neo4j-admin database import full ...")
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=srv._server_env(), cwd=files.folder
    )
    res.import_s = time.perf_counter() - t1
    failed = proc.returncode != 0
    if failed:
        # The importer's own words, not the data: its output names files and counts.
        said = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
        tail = [ln for ln in said if not ln.startswith(("\tat ", "\t... "))][-6:]
        log.error("neo4j-admin import failed (exit %s)", proc.returncode)
        for d in stores:
            shutil.rmtree(d, ignore_errors=True)
            src = keep / d.parent.name / d.name
            if src.exists():
                shutil.copytree(src, d)
    t2 = time.perf_counter()
    srv.start(echo=echo)
    res.start_s = time.perf_counter() - t2
    if failed:
        raise ServerError(
            f"neo4j-admin database import failed (exit {proc.returncode}): " + " | ".join(tail),
            hint="the store is as it was before; load without --bulk",
        )
    t3 = time.perf_counter()
    db.apply_schema(db.get_driver(s))
    res.schema_s = time.perf_counter() - t3
    res.seconds = time.perf_counter() - t0
    return res
