"""``cluegraph clues suggestions|accept|reject|add-object``: proposed clues, standing searches."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import typer

from cli.common import Format, console, print_rows

app = typer.Typer(no_args_is_help=True)


def _user() -> str:
    return getpass.getuser()


@app.command("suggestions")
def suggestions(
    series: str = typer.Option(None, "--series", help="Only files of this series."),
    case: str = typer.Option(None, "--case", help="Only files held by this case."),
    limit: int = typer.Option(500, "--limit", help="Rows at most."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
) -> None:
    """Clues the visual pass proposes (text read, language, saved objects seen)."""
    from graph import db
    from graph.suggestions import COLUMNS, list_suggestions

    rows = list_suggestions(
        db.get_driver(), series_id=series, case_id=case, limit=limit, user=_user()
    )
    print_rows(COLUMNS, rows, fmt, title="suggestions", truncated=len(rows) >= limit)


def _answer(action: str, media: str, clue: str, by: str | None) -> None:
    from graph import db
    from graph import suggestions as sg

    fn = sg.accept if action == "accept" else sg.reject
    out = fn(db.get_driver(), media, clue, by=by or _user())
    done = (
        "accepted: the file now shows"
        if action == "accept"
        else "rejected: never proposed again for"
    )
    console.print(f"{done} clue {out['clue_id']} ({out['sha256'][:12]}…) by {out['by']}")
    if out.get("note"):
        console.print(out["note"], style="yellow")


@app.command("accept")
def accept(
    media: str = typer.Argument(..., metavar="MEDIA_SHA256"),
    clue: str = typer.Argument(..., metavar="CLUE_ID"),
    by: str = typer.Option(None, "--by", help="Analyst's name (default: the OS user)."),
) -> None:
    """Accept a suggestion: it becomes a clue the file SHOWS, with your name (audited)."""
    _answer("accept", media, clue, by)


@app.command("reject")
def reject(
    media: str = typer.Argument(..., metavar="MEDIA_SHA256"),
    clue: str = typer.Argument(..., metavar="CLUE_ID"),
    by: str = typer.Option(None, "--by", help="Analyst's name (default: the OS user)."),
) -> None:
    """Reject a suggestion: removed and remembered, never proposed again (audited)."""
    _answer("reject", media, clue, by)


@app.command("add-object")
def add_object(
    image: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    series: str = typer.Option(..., "--series", help="Series that shows the object."),
    label: str = typer.Option(..., "--label", help="What it is, e.g. 'red star poster'."),
    box: str = typer.Option(None, "--box", help="Region x,y,w,h on IMAGE (pixels)."),
    by: str = typer.Option(None, "--by", help="Analyst's name (default: the OS user)."),
) -> None:
    """Save an object clue and keep searching for it in every later load (standing search)."""
    from graph import db
    from loaders.visual_search import add_object_clue, parse_box

    out = add_object_clue(
        db.get_driver(), image, series_id=series, label=label, by=by or _user(), box=parse_box(box)
    )
    console.print(json.dumps(out, ensure_ascii=False))
