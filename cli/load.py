"""``cluegraph load …``: one command per input format, one summary table each."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli import load_media, load_records, load_vics
from cli.common import err_console

if TYPE_CHECKING:
    from loaders.base import CsvLoader, LoadReport

app = typer.Typer(no_args_is_help=True)

#: CSV loaders: command name -> (module, loader class). The module is imported when its
#: command runs: ``load media`` does not pay for the gazetteer or the records loader.
CSV_LOADERS: dict[str, tuple[str, str]] = {
    "cases": ("loaders.cases", "CasesLoader"),
    "series": ("loaders.series", "SeriesLoader"),
    "clues": ("loaders.clues", "CluesLoader"),
    "victims": ("loaders.victims", "VictimsLoader"),
    "accounts": ("loaders.accounts", "AccountsLoader"),
    "media-records": ("loaders.records", "MediaRecordsLoader"),
}


def loader_class(name: str) -> type[CsvLoader]:
    module, cls = CSV_LOADERS[name]
    return getattr(importlib.import_module(module), cls)


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
    from graph.config import get_settings
    from loaders.base import csv_row_count, run_csv
    from service import connect

    if not dry_run:
        drv = connect.ready()
    else:
        # A dry run only reads, to check references (unknown cases, series, media);
        # without a reachable server it still validates the file itself.
        drv = connect.driver_or_none()
        if drv is None:
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


def _csv_command(name: str):

    def command(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
        strict: bool = typer.Option(False, "--strict", help="Refuse the whole file on any error."),
        lenient: bool = typer.Option(False, "--lenient", help="Ignore unknown columns."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report only."),
        batch: int = typer.Option(None, "--batch", help="Rows per write transaction."),
    ) -> None:
        from cli.load_report import after_load, exit_for, print_report

        report = run_csv_command(
            loader_class(name)(), file, strict=strict, lenient=lenient, dry_run=dry_run, batch=batch
        )
        print_report(report)
        after_load(report)
        exit_for(report)

    command.__doc__ = f"Load a {name} CSV file (columns as in the spec)."
    return command


for _name in CSV_LOADERS:
    if _name != "media-records":  # its own command, with --bulk (cli/load_records.py)
        app.command(_name)(_csv_command(_name))

load_media.register(app)
load_records.register(app, run_csv_command, progress_bar)
load_vics.register(app)
