"""``cluegraph query``: read-only Cypher, like cypher-shell for reads."""

from __future__ import annotations

import typer

from cli.common import Format, parse_params, print_rows
from graph import db


def query(
    cypher: str = typer.Argument(..., help="One Cypher statement; it must be read-only."),
    param: list[str] = typer.Option(
        None, "--param", "-p", help="name=value (JSON values allowed); repeatable."
    ),
    fmt: Format = typer.Option(Format.table, "--format", "-f"),
    limit: int = typer.Option(1000, "--limit", help="Row cap (0 = none)."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds before the query is cancelled."),
) -> None:
    """Run one read-only Cypher query (checked with EXPLAIN) and print the rows."""
    res = db.run_read_only(
        db.get_driver(), cypher, parse_params(param), name="cli.query", limit=limit, timeout=timeout
    )
    print_rows(res.columns, res.rows, fmt, truncated=res.truncated)
