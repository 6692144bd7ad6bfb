"""``cluegraph analyse visual``: scene features and text of loaded pictures (loaders/visual.py)."""

from __future__ import annotations

import getpass

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.common import console, err_console

app = typer.Typer(no_args_is_help=True)

MAX_NOTES_SHOWN = 30


def run_visual(
    *,
    case: str | None = None,
    series: str | None = None,
    workers: int | None = None,
    user: str | None = None,
) -> None:
    """Run the visual pass with a progress bar and print its report (also for ``load media``)."""
    from loaders.visual import run_pass
    from service import connect

    drv = connect.driver()
    with Progress(
        TextColumn("[bold]visual"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as prog:
        task = prog.add_task("analyse", total=None)
        rep = run_pass(
            drv,
            case_id=case,
            series_id=series,
            workers=workers,
            user=user or getpass.getuser(),
            progress=lambda done, total: prog.update(task, completed=done, total=total),
        )
    s = rep.summary()
    t = Table(title="visual pass")
    for col in (
        "files",
        "already done",
        "analysed",
        "resumed",
        "same scene",
        "shared object",
        "suggestions",
        "notes",
        "seconds",
    ):
        t.add_column(col, justify="right")
    t.add_row(
        *(
            f"{s[k]:,}" if isinstance(s[k], int) else str(s[k])
            for k in (
                "files",
                "already_done",
                "analysed",
                "resumed",
                "same_scene_pairs",
                "shared_object_pairs",
                "suggestions",
                "notes",
                "seconds",
            )
        )
    )
    console.print(t)
    for n in rep.notes[:MAX_NOTES_SHOWN]:
        where = n.file_name or n.sha256[:12]
        frame = f" at {int(n.key.split('@')[1]) / 1000:.1f} s" if "@" in n.key else ""
        err_console.print(
            f"[yellow]note:[/] {escape(where)}{frame}: {escape(n.note)}",
            soft_wrap=True,
            highlight=False,
        )
    if len(rep.notes) > MAX_NOTES_SHOWN:
        err_console.print(f"... and {len(rep.notes) - MAX_NOTES_SHOWN} more notes")


@app.command("visual")
def visual(
    case: str = typer.Option(None, "--case", help="Only files held by this case."),
    series: str = typer.Option(None, "--series", help="Only files of this series."),
    workers: int = typer.Option(None, "--workers", help="Analysis processes (default: CPUs)."),
) -> None:
    """Scene features and text of every loaded picture (resumable; a second run does nothing)."""
    if workers is not None and workers < 1:
        raise typer.BadParameter("--workers must be at least 1")
    run_visual(case=case, series=series, workers=workers)
