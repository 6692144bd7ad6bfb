"""Shared CLI helpers: the console, errors as one line, output formats."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, NoReturn

from rich.console import Console
from rich.table import Table

from graph import display

console = Console()
err_console = Console(stderr=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    sys.exit(code)


def jsonable(v: Any) -> Any:
    """Neo4j values (temporal types, nodes, paths) as plain JSON values."""
    if v is None or isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple | set):
        return [jsonable(x) for x in v]
    if hasattr(v, "iso_format"):
        return v.iso_format()
    if isinstance(v, dt.date | dt.datetime | dt.time):
        return v.isoformat()
    if hasattr(v, "element_id") and hasattr(v, "items"):
        out = dict(v.items())
        labels = getattr(v, "labels", None)
        if labels is not None:
            out["_labels"] = sorted(labels)
        rtype = getattr(v, "type", None)
        if isinstance(rtype, str):
            out["_type"] = rtype
        return jsonable(out)
    if hasattr(v, "nodes") and hasattr(v, "relationships"):
        return {"nodes": jsonable(list(v.nodes)), "relationships": jsonable(list(v.relationships))}
    return str(v)


#: ``cluegraph --wide``: tables show every column, however wide the terminal.
WIDE = False


def cell(v: Any, column: str = "") -> str:
    """A value as a person reads it (graph/display.py): never JSON in a cell."""
    return display.text(jsonable(v), column)


def fit_columns(columns: Sequence[str], rows: Sequence[dict[str, Any]], width: int) -> list[str]:
    """The leading columns that fit ``width`` characters (each at least its header or
    12 characters wide, up to 40; rich wraps the text inside), at least two.

    >>> fit_columns(["a", "b", "c"], [{"a": "x" * 30, "b": "y" * 30, "c": "z"}], 32)
    ['a', 'b']
    """
    kept: list[str] = []
    used = 1
    for c in columns:
        longest = max([len(cell(r.get(c), c)) for r in rows] + [len(display.label(c))])
        need = min(40, max(len(display.label(c)), min(longest, 12))) + 3
        if kept and len(kept) >= 2 and used + need > width:
            break
        kept.append(c)
        used += need
    return kept


def print_rows(
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    fmt: Format,
    *,
    title: str | None = None,
    truncated: bool = False,
) -> None:
    if fmt == Format.json:
        sys.stdout.write(
            json.dumps(
                [{c: jsonable(r.get(c)) for c in columns} for r in rows],
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    elif fmt == Format.csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([_csv(r.get(c)) for c in columns])
    else:
        shown = list(columns) if WIDE else fit_columns(columns, rows, console.width)
        t = Table(title=title, show_lines=False)
        for c in shown:
            t.add_column(display.label(c), overflow="fold")
        for r in rows:
            t.add_row(*[cell(r.get(c), c) for c in shown])
        console.print(t)
        console.print(
            f"{len(rows)} row(s)" + (" (truncated at the row limit)" if truncated else "")
        )
        hidden = [c for c in columns if c not in shown]
        if hidden:
            console.print(
                f"{len(hidden)} more column(s) do not fit {console.width} characters: "
                f"{', '.join(hidden)} (cluegraph --wide ... shows them, --format csv|json "
                "gives everything)",
                style="dim",
                highlight=False,
            )
    if truncated and fmt != Format.table:
        err_console.print(f"note: truncated at {len(rows)} rows (raise --limit)")


def _csv(v: Any) -> str:
    """A CSV cell: a list of plain values as ``a;b``, anything else as the app exports it."""
    v = jsonable(v)
    if isinstance(v, list) and all(not isinstance(x, list | dict) for x in v):
        return ";".join("" if x is None else str(x) for x in v)
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return "" if v is None else str(v)


def parse_params(items: list[str] | None) -> dict[str, Any]:
    """``name=value`` pairs; values are JSON when they parse as JSON, else strings."""
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            fail(f"--param {item!r}: expected name=value")
        k, v = item.split("=", 1)
        k = k.strip()
        if not k.isidentifier():
            fail(f"--param {item!r}: {k!r} is not a valid parameter name")
        try:
            out[k] = json.loads(v)
        except json.JSONDecodeError:
            out[k] = v
    return out
