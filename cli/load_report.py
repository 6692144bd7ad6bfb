"""What every ``cluegraph load`` command prints and does after it: the summary table, the
exit code, and the link update after a write. Below ``cli/load.py`` and the media and VICS
commands, which all use it."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from cli.common import console, err_console
from loaders.base import LoadReport


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


def after_load(report: LoadReport) -> None:
    """After a load that wrote something, keep near-duplicates and links current."""
    if report.dry_run or report.refused or not report.written:
        return
    from graph import links  # the link engine's imports only when there is work
    from service import connect

    links.after_write(connect.driver(), report=report)
