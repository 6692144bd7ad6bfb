"""``cluegraph query``: read-only Cypher, like cypher-shell for reads (checked and audited
by :mod:`service.console`, as the app's console)."""

from __future__ import annotations

import typer

from cli.common import Format, parse_params, print_rows
from service import connect
from service import console as console_service
from service.caller import cli_user


def query(
    cypher: str = typer.Argument(..., help="One Cypher statement; it must be read-only."),
    param: list[str] = typer.Option(
        None, "--param", "-p", help="name=value (JSON values allowed); repeatable."
    ),
    fmt: Format = typer.Option(Format.table, "--format", "-f"),
    limit: int = typer.Option(1000, "--limit", help="Row cap (0 = none)."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds before the query is cancelled."),
    by: str = typer.Option(
        None, "--by", help="Run as this ClueGraph user, with their role (default: the OS account)."
    ),
) -> None:
    """Run one read-only Cypher query (checked with EXPLAIN) and print the rows (audited)."""
    res = console_service.query(
        connect.driver(),
        cypher,
        parse_params(param),
        user=cli_user(by),
        name="cli.query",
        limit=limit or connect.NO_LIMIT,  # 0 = no cap
        timeout=timeout,
    )
    print_rows(res.columns, res.rows, fmt, truncated=res.truncated)
