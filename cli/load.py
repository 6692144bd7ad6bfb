"""``cluegraph load …``: one command per input format, one summary table each."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli import load_media, load_records, load_vics
from cli.common import err_console
from cli.load_report import after_load, exit_for, print_report
from graph import db
from graph.config import get_settings
from graph.errors import GraphError
from loaders.accounts import AccountsLoader
from loaders.base import CsvLoader, LoadReport, csv_row_count, run_csv
from loaders.cases import CasesLoader
from loaders.clues import CluesLoader
from loaders.records import MediaRecordsLoader
from loaders.series import SeriesLoader
from loaders.victims import VictimsLoader

app = typer.Typer(no_args_is_help=True)

#: CSV loaders: command name -> loader class.
CSV_LOADERS: dict[str, type[CsvLoader]] = {
    "cases": CasesLoader,
    "series": SeriesLoader,
    "clues": CluesLoader,
    "victims": VictimsLoader,
    "accounts": AccountsLoader,
    "media-records": MediaRecordsLoader,
}


def progress_bar(total: int | None, label: str) -> Progress:
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=total is not None and total < 5000,
    )


def run_csv_command(
    loader: CsvLoader, file: Path, *, strict: bool, lenient: bool, dry_run: bool, batch: int | None
) -> LoadReport:
    drv = None
    if not dry_run:
        drv = db.get_driver()
        db.apply_schema(drv)
    else:
        # A dry run only reads, to check references (unknown cases, series, media);
        # without a reachable server it still validates the file itself.
        try:
            drv = db.get_driver()
        except GraphError:
            err_console.print("[yellow]no graph reachable: references not checked[/]")
    total = csv_row_count(file) if file.is_file() else 0
    with progress_bar(total, f"{loader.kind}") as prog:
        task = prog.add_task("write", total=total)
        report = run_csv(
            drv,
            loader,
            file,
            strict=strict,
            lenient=lenient,
            dry_run=dry_run,
            batch_size=batch or get_settings().batch_size,
            progress=lambda n: prog.update(task, completed=n),
        )
    return report


def _csv_command(name: str, loader_cls: type[CsvLoader]):

    def command(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
        strict: bool = typer.Option(False, "--strict", help="Refuse the whole file on any error."),
        lenient: bool = typer.Option(False, "--lenient", help="Ignore unknown columns."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report only."),
        batch: int = typer.Option(None, "--batch", help="Rows per write transaction."),
    ) -> None:
        report = run_csv_command(
            loader_cls(), file, strict=strict, lenient=lenient, dry_run=dry_run, batch=batch
        )
        print_report(report)
        after_load(report)
        exit_for(report)

    command.__doc__ = f"Load a {name} CSV file (columns as in the spec)."
    return command


for _name, _loader in CSV_LOADERS.items():
    if _name != "media-records":  # its own command, with --bulk (cli/load_records.py)
        app.command(_name)(_csv_command(_name, _loader))

load_media.register(app)
load_records.register(app, run_csv_command, progress_bar)
load_vics.register(app)
