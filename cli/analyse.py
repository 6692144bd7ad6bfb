"""``cluegraph analyse visual``: scene features and text of loaded pictures (loaders/visual.py)."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.common import console, err_console

if TYPE_CHECKING:
    from loaders.visual import Prefetch

app = typer.Typer(no_args_is_help=True)

MAX_NOTES_SHOWN = 30


@contextmanager
def _bar(label: str, unit: str) -> Iterator[Callable[[int, int], None]]:
    """A transient progress bar on stderr; yields the ``progress(done, total)`` callback
    the visual pass and the rebuild take."""
    with Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as prog:
        task = prog.add_task(label, total=None)
        yield lambda done, total: prog.update(task, completed=done, total=total)


def run_visual(
    *,
    case: str | None = None,
    series: str | None = None,
    workers: int | None = None,
    user: str | None = None,
    prefetch: Prefetch | None = None,
) -> None:
    """Run the visual pass with a progress bar and print its report (also for ``load media``,
    which hands it the pictures it analysed during the load: ``prefetch``)."""
    from loaders.visual import run_pass
    from service import connect

    drv = connect.driver()
    with _bar("visual", "files") as progress:
        rep = run_pass(
            drv,
            case_id=case,
            series_id=series,
            workers=workers,
            user=user or getpass.getuser(),
            progress=progress,
            prefetch=prefetch,
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


def run_rebuild(*, workers: int | None = None, user: str | None = None) -> None:
    """Decide every scene and object pair again from the stored features, with a progress
    bar, and print what changed (``analyse visual --rebuild``)."""
    from loaders.visual_rebuild import rebuild_pairs
    from service import connect

    drv = connect.driver()
    with _bar("pairs", "pictures and frames") as progress:
        rep = rebuild_pairs(drv, workers=workers, user=user or getpass.getuser(), progress=progress)
    s = rep.summary()
    t = Table(title="visual pairs rebuilt")
    cols = {
        "keys": "pictures and frames",
        "pairs_verified": "pairs verified",
        "same_scene_pairs": "same scene",
        "shared_object_pairs": "shared object",
        "pairs_removed": "removed",
        "pairs_kept_outside_the_index": "kept (file not indexed)",
        "seconds": "seconds",
    }
    for label in cols.values():
        t.add_column(label, justify="right")
    t.add_row(*(f"{s[k]:,}" if isinstance(s[k], int) else str(s[k]) for k in cols))
    console.print(t)


@app.command("visual")
def visual(
    case: str = typer.Option(None, "--case", help="Only files held by this case."),
    series: str = typer.Option(None, "--series", help="Only files of this series."),
    workers: int = typer.Option(None, "--workers", help="Analysis processes (default: CPUs)."),
    rebuild: bool = typer.Option(
        False,
        "--rebuild",
        help="Decide every same-scene and shared-object pair again from the stored "
        "features (after the rules changed); no picture is read again.",
    ),
) -> None:
    """Scene features and text of every loaded picture (resumable; a second run does nothing)."""
    if workers is not None and workers < 1:
        raise typer.BadParameter("--workers must be at least 1")
    if rebuild:
        if case or series:
            raise typer.BadParameter("--rebuild decides every pair: not with --case or --series")
        run_rebuild(workers=workers)
        return
    run_visual(case=case, series=series, workers=workers)
