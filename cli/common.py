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


def cell(v: Any) -> str:
    v = jsonable(v)
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return "" if v is None else str(v)


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
            w.writerow([cell(r.get(c)) for c in columns])
    else:
        t = Table(title=title, show_lines=False)
        for c in columns:
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(*[cell(r.get(c)) for c in columns])
        console.print(t)
        console.print(
            f"{len(rows)} row(s)" + (" (truncated at the row limit)" if truncated else "")
        )
    if truncated and fmt != Format.table:
        err_console.print(f"note: truncated at {len(rows)} rows (raise --limit)")


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
