"""References from a CSV to nodes already in the graph, looked up in batches.

The series, victims, clues and accounts files point at cases, series and media loaded
before them. Their loaders collect the referenced keys of the whole file in
:meth:`CsvLoader.prepare <loaders.base.CsvLoader.prepare>`, ask the graph once per few
thousand keys which exist, and then reject a record that names an unknown one while
validating it, so that ``--strict`` and ``--dry-run`` see the error before anything is
written.

:func:`check_consistent` catches rows of one file that contradict each other about the
same node (two statuses for one series).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import neo4j

from graph import db, queries
from graph.schema import Label
from loaders import fields
from loaders.base import InvalidRecord, open_csv, shown

CHUNK = 5000


def column_values(
    path: Path, columns: dict[str, Callable[[str], str]], *, where: Callable[[dict], bool] = bool
) -> dict[str, set[str]]:
    """The distinct values of some columns, each normalised by its function.

    Values the function rejects (``ValueError``) are left out: validation reports them.
    ``where(row)`` selects the rows to read.
    """
    out: dict[str, set[str]] = {c: set() for c in columns}
    it = open_csv(path)
    next(it)  # header
    for _line, raw in it:
        if "__bad__" in raw or not where(raw):
            continue
        for col, norm in columns.items():
            v = (raw.get(col) or "").strip()
            if not v:
                continue
            try:
                out[col].add(norm(v))
            except ValueError:
                pass
    return out


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    batch: list[str] = []
    for v in sorted(values):
        batch.append(v)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


#: The lookup of each label a loader checks references against (one statement each, so
#: each uses its label's key index; a label in a parameter scans every node on 5.26).
_KNOWN: dict[Label, str] = {
    Label.SERIES: queries.known_series_ids(),
    Label.CASE: queries.known_case_ids(),
}


def existing_keys(driver: neo4j.Driver, lbl: Label, values: Iterable[str]) -> set[str]:
    """Which of ``values`` are the key of a ``lbl`` node (``lbl`` a Series or a Case)."""
    query = _KNOWN[lbl]
    found: set[str] = set()
    for batch in _chunks(values):
        rows = db.records(driver, query, values=batch, name=f"load.lookup.{lbl.value}")
        found.update(r["v"] for r in rows)
    return found


#: One query per hash kind, so each uses its index.
_MEDIA_BY = {
    "sha256": queries.known_media_by_sha256(),
    "sha1": queries.known_media_by_sha1(),
    "md5": queries.known_media_by_md5(),
}


def existing_media(driver: neo4j.Driver, hashes: Iterable[str]) -> set[str]:
    """Which of the (lowercase hex) ``hashes`` are the SHA-256, SHA-1 or MD5 of a Media."""
    by_kind: dict[str, list[str]] = {"sha256": [], "sha1": [], "md5": []}
    for h in hashes:
        by_kind[fields.hash_kind(h)].append(h)
    found: set[str] = set()
    for kind, values in by_kind.items():
        for batch in _chunks(values):
            rows = db.records(driver, _MEDIA_BY[kind], values=batch, name=f"load.lookup.{kind}")
            found.update(r["v"] for r in rows)
    return found


def media_hash_params(h: str) -> dict[str, str | None]:
    """``{'sha256': …, 'sha1': …, 'md5': …}`` with only the kind of ``h`` set; the write
    queries match ``Media`` on each (a null never matches)."""
    kind = fields.hash_kind(h)
    return {k: (h if k == kind else None) for k in ("sha256", "sha1", "md5")}


def check_consistent(
    seen: dict[str, dict[str, tuple[Any, int]]],
    key: str,
    row: dict[str, Any],
    columns: tuple[str, ...],
    file: str,
    line: int,
) -> None:
    """Refuse a row whose non-blank ``columns`` contradict an earlier row of the same key.

    ``seen`` keeps the first line giving each value, so validating the file twice gives
    the same errors.
    """
    first = seen.setdefault(key, {})
    given = {c: row[c] for c in columns if row.get(c) is not None and row.get(c) != ""}
    for col, v in given.items():
        if col in first:
            prev, prev_line = first[col]
            if prev != v and prev_line != line:
                raise InvalidRecord(
                    f"{shown(v)} contradicts {shown(prev)} given for {shown(key)} on line "
                    f"{prev_line}",
                    file=file,
                    line=line,
                    field=col,
                )
    for col, v in given.items():
        first.setdefault(col, (v, line))
