"""``cluegraph load media DIR --case ID [--series ID]``: a folder of images and videos."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from cli.common import err_console


class FilesPerSecond(ProgressColumn):
    def render(self, task) -> Text:  # type: ignore[no-untyped-def]
        speed = task.finished_speed or task.speed
        return Text("-- files/s" if speed is None else f"{speed:,.1f} files/s", style="cyan")


def register(app: typer.Typer) -> None:
    @app.command("media")
    def media(
        folder: Path = typer.Argument(
            ..., exists=True, file_okay=False, dir_okay=True, readable=True, metavar="DIR"
        ),
        case: str = typer.Option(..., "--case", help="Case that holds these files."),
        series: str = typer.Option(
            None, "--series", help="Default series (a media.csv beside the files overrides it)."
        ),
        strict: bool = typer.Option(False, "--strict", help="Load nothing if any file fails."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Analyse and report only."),
        workers: int = typer.Option(None, "--workers", help="Analysis processes (default: CPUs)."),
        batch: int = typer.Option(None, "--batch", help="Files per write transaction."),
        timeout: float = typer.Option(300.0, "--timeout", help="Seconds allowed per file."),
        no_visual: bool = typer.Option(
            False, "--no-visual", help="Skip the visual pass (run `analyse visual` later)."
        ),
    ) -> None:
        """Load every image and video below DIR (hashes and metadata, never pixels)."""
        from cli.load import after_load, exit_for, print_report
        from graph import db
        from loaders.media import DEFAULT_BATCH, MediaLoadOptions, load_media

        drv = None
        if not dry_run:
            drv = db.get_driver()
            db.apply_schema(drv)
        opts = MediaLoadOptions(
            case_id=case,
            series_id=series,
            strict=strict,
            dry_run=dry_run,
            workers=workers,
            batch_size=batch or DEFAULT_BATCH,
            timeout=timeout,
        )
        with Progress(
            TextColumn("[bold]media"),
            BarColumn(),
            MofNCompleteColumn(),
            FilesPerSecond(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        ) as prog:
            task = prog.add_task("analyse", total=None)

            def progress(done: int, total: int) -> None:
                prog.update(task, completed=done, total=total)

            report = load_media(drv, folder, opts, progress=progress)
        print_report(report)
        ignored = report.counters.get("ignored_files", 0)
        if ignored:
            err_console.print(f"{ignored} file(s) ignored: not images or videos", style="dim")
        after_load(report)
        if not (no_visual or dry_run or report.refused):
            from cli.analyse import run_visual

            run_visual(case=case, workers=workers)
        exit_for(report)
