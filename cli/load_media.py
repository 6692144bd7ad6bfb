"""``cluegraph load media DIR --case ID [--series ID]``: a folder of images and videos;
``cluegraph load media --manifest FILE.csv``: several folders (``folder,case_id[,series_id]``)
with one worker pool and one link update at the end (loaders/manifest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from loaders.base import LoadReport
    from loaders.media_pool import AnalysisPool, InlineAnalysis


class FilesPerSecond(ProgressColumn):
    def render(self, task) -> Text:  # type: ignore[no-untyped-def]
        speed = task.finished_speed or task.speed
        return Text("-- files/s" if speed is None else f"{speed:,.1f} files/s", style="cyan")


def register(app: typer.Typer) -> None:
    @app.command("media")
    def media(
        folder: Path = typer.Argument(
            None, exists=True, file_okay=False, dir_okay=True, readable=True, metavar="DIR"
        ),
        case: str = typer.Option(None, "--case", help="Case that holds these files."),
        series: str = typer.Option(
            None, "--series", help="Default series (a media.csv beside the files overrides it)."
        ),
        strict: bool = typer.Option(False, "--strict", help="Load nothing if any file fails."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Analyse and report only."),
        workers: int = typer.Option(
            None,
            "--workers",
            help="Analysis processes (default: CPUs; a folder of at most 4 files is "
            "analysed in the command's own process unless this is given).",
        ),
        batch: int = typer.Option(None, "--batch", help="Files per write transaction."),
        timeout: float = typer.Option(300.0, "--timeout", help="Seconds allowed per file."),
        manifest: Path = typer.Option(
            None,
            "--manifest",
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV folder,case_id[,series_id]: load every folder it lists, one link update.",
        ),
        no_visual: bool = typer.Option(
            False, "--no-visual", help="Skip the visual pass (run `analyse visual` later)."
        ),
    ) -> None:
        """Load every image and video below DIR (hashes and metadata, never pixels)."""
        if manifest is not None:
            if folder is not None or case or series:
                raise typer.BadParameter("--manifest names the folders, cases and series")
            _load_manifest(manifest, strict, dry_run, workers, batch, timeout, no_visual)
            return
        if folder is None or not case:
            raise typer.BadParameter("give DIR and --case, or --manifest FILE.csv")
        # A folder of a few files is analysed in this process; otherwise the analysis
        # workers start first (their module needs the standard library alone), so that
        # their imports overlap the driver's and the loader's below.
        from loaders.media_pool import INLINE_MAX_FILES, InlineAnalysis, analysis_for

        pool = analysis_for([folder], workers, timeout=timeout)
        prefetch = None
        if isinstance(pool, InlineAnalysis) and not (no_visual or dry_run):
            # a few files: their visual analysis runs on the other core during the load
            from loaders.visual import Prefetch

            prefetch = Prefetch.of_folder(folder, INLINE_MAX_FILES)
        try:
            report = _load_folder(pool, folder, case, series, strict, dry_run, batch)
        finally:
            pool.close()
        from cli.load_report import after_load, exit_for

        after_load(report)
        if not (no_visual or dry_run or report.refused):
            from cli.analyse import run_visual

            run_visual(case=case, workers=workers, prefetch=prefetch)
        exit_for(report)


def _load_folder(
    pool: AnalysisPool | InlineAnalysis,
    folder: Path,
    case: str,
    series: str | None,
    strict: bool,
    dry_run: bool,
    batch: int | None,
) -> LoadReport:
    """One folder with the CLI's progress bar; prints the report (the pool's workers)."""
    from cli.load_report import print_report
    from loaders.media import DEFAULT_BATCH, MediaLoadOptions, load_media
    from service import connect

    drv = None
    if not dry_run:
        drv = connect.ready()
    opts = MediaLoadOptions(
        case_id=case,
        series_id=series,
        strict=strict,
        dry_run=dry_run,
        batch_size=batch or DEFAULT_BATCH,
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

        report = load_media(drv, folder, opts, progress=progress, pool=pool)
    print_report(report)
    ignored = report.counters.get("ignored_files", 0)
    if ignored:
        err_console.print(f"{ignored} file(s) left out: not images or videos", style="dim")
        for line in report.ignored:
            err_console.print(f"  {line}", style="dim", markup=False, highlight=False)
        if ignored > len(report.ignored):
            err_console.print(f"  ... and {ignored - len(report.ignored)} more", style="dim")
    return report


def _load_manifest(
    manifest: Path,
    strict: bool,
    dry_run: bool,
    workers: int | None,
    batch: int | None,
    timeout: float,
    no_visual: bool = False,
) -> None:
    from cli.load_report import print_report
    from graph import links as link_engine
    from loaders.base import FileRefused
    from loaders.manifest import load_manifest
    from service import connect

    drv = None
    if not dry_run:
        drv = connect.ready()
    with Progress(
        TextColumn("[bold]media"),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        FilesPerSecond(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as prog:
        task = prog.add_task("", total=None)

        def progress(done: int, total: int) -> None:
            prog.update(task, completed=done, total=total)

        try:
            reports = load_manifest(
                drv,
                manifest,
                strict=strict,
                dry_run=dry_run,
                workers=workers,
                batch_size=batch,
                timeout=timeout,
                say=lambda m: prog.update(task, description=m),
                progress=progress,
            )
        except FileRefused as e:
            err_console.print(f"[red]refused:[/] {e}")
            raise typer.Exit(2) from None
    for r in reports:
        print_report(r)
    done = [r for r in reports if not (r.dry_run or r.refused) and r.written]
    if drv is not None and done:
        with err_console.status(f"updating links after {len(done)} load(s)"):
            link_engine.after_write(drv, reports=done)
    if drv is not None and done and not no_visual:
        from cli.analyse import run_visual

        # One pass over every picture not yet analysed (the pass skips what it has seen).
        run_visual(workers=workers)
    if any(r.refused for r in reports):
        raise typer.Exit(2)
    if any(r.errors or r.skipped for r in reports):
        raise typer.Exit(1)
