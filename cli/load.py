"""``cluegraph load …``: one command per input format, one summary table each."""

from __future__ import annotations

import importlib
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.common import console, err_console
from graph import db
from graph.config import get_settings
from graph.errors import GraphError
from loaders.base import CsvLoader, LoadReport, csv_row_count, run_csv

app = typer.Typer(no_args_is_help=True)

#: CSV loaders: command name -> "module:Class". A module not written yet is skipped.
CSV_LOADERS = {
    "cases": "loaders.cases:CasesLoader",
    "series": "loaders.series:SeriesLoader",
    "clues": "loaders.clues:CluesLoader",
    "victims": "loaders.victims:VictimsLoader",
    "accounts": "loaders.accounts:AccountsLoader",
    "media-records": "loaders.records:MediaRecordsLoader",
}

#: Other load commands, each a module exposing ``register(app)``.
EXTRA_COMMANDS = ("cli.load_media", "cli.load_vics")


def print_report(report: LoadReport, *, max_errors_shown: int = 20) -> None:
    t = Table(title=f"load {report.kind}: {report.source}", show_header=True)
    t.add_column("read", justify="right")
    t.add_column("written", justify="right")
    t.add_column("skipped", justify="right")
    t.add_column("nodes created", justify="right")
    t.add_column("rels created", justify="right")
    t.add_column("status")
    status = (
        "[red]refused[/]"
        if report.refused
        else "[yellow]dry run[/]"
        if report.dry_run
        else "[red]failed[/]"
        if report.status == "failed"
        else "[yellow]partial[/]"
        if report.status == "partial"
        else "[green]ok[/]"
    )
    t.add_row(
        f"{report.read:,}",
        f"{report.written:,}",
        f"{report.skipped:,}",
        f"{report.counters.get('nodes_created', 0):,}",
        f"{report.counters.get('relationships_created', 0):,}",
        status,
    )
    console.print(t)
    if report.load_id and not report.dry_run and not report.refused:
        console.print(f"load id {report.load_id}", style="dim")
    if report.refusal:
        err_console.print(f"[red]refused:[/] {escape(report.refusal)}", soft_wrap=True)
    for line in report.error_lines(max_errors_shown):
        err_console.print(f"[red]error:[/] {escape(line)}", soft_wrap=True, highlight=False)
    if len(report.errors) > max_errors_shown:
        err_console.print(f"... and {len(report.errors) - max_errors_shown} more errors")
    for line in report.warning_lines(max_errors_shown):
        err_console.print(f"[yellow]warning:[/] {escape(line)}", soft_wrap=True, highlight=False)
    if len(report.warnings) > max_errors_shown:
        err_console.print(f"... and {len(report.warnings) - max_errors_shown} more warnings")


def exit_for(report: LoadReport) -> None:
    if report.refused or report.errors or report.skipped:
        raise typer.Exit(2 if report.refused else 1)


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


def _csv_command(name: str, target: str):
    mod_name, cls_name = target.split(":")

    def command(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
        strict: bool = typer.Option(False, "--strict", help="Refuse the whole file on any error."),
        lenient: bool = typer.Option(False, "--lenient", help="Ignore unknown columns."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report only."),
        batch: int = typer.Option(None, "--batch", help="Rows per write transaction."),
    ) -> None:
        loader_cls = getattr(importlib.import_module(mod_name), cls_name)
        report = run_csv_command(
            loader_cls(), file, strict=strict, lenient=lenient, dry_run=dry_run, batch=batch
        )
        print_report(report)
        after_load(report)
        exit_for(report)

    command.__doc__ = f"Load a {name} CSV file (columns as in the spec)."
    return command


def after_load(report: LoadReport) -> None:
    """Keep derived links current after a load (when the link engine exists)."""
    if report.dry_run or report.refused or not report.written:
        return
    try:
        links = importlib.import_module("graph.links")
    except ModuleNotFoundError:
        return
    hook = getattr(links, "after_load", None)
    if hook:
        hook(db.get_driver(), report)


for _name, _target in CSV_LOADERS.items():
    _mod = _target.split(":")[0]
    try:
        importlib.import_module(_mod)
    except ModuleNotFoundError as e:
        if e.name != _mod:
            raise
        continue
    app.command(_name)(_csv_command(_name, _target))

for _mod in EXTRA_COMMANDS:
    try:
        m = importlib.import_module(_mod)
    except ModuleNotFoundError as e:
        if e.name != _mod:
            raise
        continue
    m.register(app)
