"""``cluegraph search object IMAGE``: where else an object appears (loaders/visual_search.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import Format, print_rows

app = typer.Typer(no_args_is_help=True)


@app.command("object")
def search_object(
    image: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    box: str = typer.Option(None, "--box", help="Region x,y,w,h on IMAGE (pixels)."),
    limit: int = typer.Option(10, "--limit", help="Files at most."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
    by: str = typer.Option(
        None, "--by", help="Act as this ClueGraph user, with their role (default: the OS account)."
    ),
) -> None:
    """Loaded pictures that show the object in IMAGE (or in --box on it), ranked (checked
    and audited by :mod:`service.clues`)."""
    from service import clues as clues_service
    from service import connect
    from service.caller import cli_user

    rows = clues_service.search_object(connect.driver(), image, box, limit, user=cli_user(by))
    print_rows(clues_service.SEARCH_COLUMNS, rows, fmt, title="object search")
