"""``cluegraph search object IMAGE``: where else an object appears (loaders/visual_search.py)."""

from __future__ import annotations

import getpass
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
) -> None:
    """Loaded pictures that show the object in IMAGE (or in --box on it), ranked."""
    from graph import db
    from loaders.visual_search import COLUMNS, parse_box, search_object_everywhere

    rows = search_object_everywhere(
        db.get_driver(), image, parse_box(box), limit=limit, user=getpass.getuser()
    )
    print_rows(COLUMNS, rows, fmt, title="object search")
