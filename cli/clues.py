"""``cluegraph clues suggestions|accept|reject|add-object``: proposed clues, standing searches.

Checked and audited by :mod:`service.clues`, as on the app's pages; ``--by NAME`` runs a
command as that ClueGraph user (default: the OS account, ``cli:<login>``).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cli.common import Format, console, print_rows
from service import clues as clues_service
from service import connect
from service.caller import cli_user

app = typer.Typer(no_args_is_help=True)

BY_HELP = "Act as this ClueGraph user, with their role (default: the OS account)."


@app.command("suggestions")
def suggestions(
    series: str = typer.Option(None, "--series", help="Only files of this series."),
    case: str = typer.Option(None, "--case", help="Only files held by this case."),
    limit: int = typer.Option(500, "--limit", help="Rows at most."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Clues the visual pass proposes (text read, language, saved objects seen)."""
    rows = clues_service.suggestions(
        connect.driver(), series, limit, case_id=case, user=cli_user(by)
    )
    print_rows(
        clues_service.SUGGESTION_COLUMNS,
        rows,
        fmt,
        title="suggestions",
        truncated=len(rows) >= limit,
    )


def _answer(action: str, media: str, clue: str, by: str | None) -> None:
    out = clues_service.answer(connect.driver(), media, clue, action == "accept", user=cli_user(by))
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
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Accept a suggestion: it becomes a clue the file SHOWS, with your name (audited)."""
    _answer("accept", media, clue, by)


@app.command("reject")
def reject(
    media: str = typer.Argument(..., metavar="MEDIA_SHA256"),
    clue: str = typer.Argument(..., metavar="CLUE_ID"),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Reject a suggestion: removed and remembered, never proposed again (audited)."""
    _answer("reject", media, clue, by)


@app.command("add-object")
def add_object(
    image: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    series: str = typer.Option(..., "--series", help="Series that shows the object."),
    label: str = typer.Option(..., "--label", help="What it is, e.g. 'red star poster'."),
    box: str = typer.Option(None, "--box", help="Region x,y,w,h on IMAGE (pixels)."),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Save an object clue and keep searching for it in every later load (standing search)."""
    out = clues_service.add_object(
        connect.driver(), image, series_id=series, label=label, box=box, user=cli_user(by)
    )
    console.print(json.dumps(out, ensure_ascii=False))
