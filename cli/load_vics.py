"""``cluegraph load vics FILE.json --hashset NAME``: a Project VIC VICS hash set (with
``--pdq-radius``, ``--phash-radius``, ``--non-pertinent``: see ``cluegraph hashsets``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from cli.common import err_console, fail

BULK_HELP = (
    "First load into a store without media: validate as usual, then build the store with "
    "Neo4j's offline importer (stops and restarts the local server). Refused for a store "
    "that holds media or a server set by NEO4J_URI (docs/scaling.md)."
)


def register(app: typer.Typer) -> None:
    @app.command("vics")
    def vics(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
        hashset: str = typer.Option(..., "--hashset", help="Name of the hash set."),
        category_non_pertinent: list[str] = typer.Option(
            None,
            "--category-non-pertinent",
            help="VICS categories that mean non-pertinent (repeat or comma-separate; "
            "default 5; the Project VIC US scheme uses 0).",
        ),
        pdq_radius: int = typer.Option(
            None,
            "--pdq-radius",
            help="The set's own PDQ radius for near-duplicates (stricter than the default).",
        ),
        phash_radius: int = typer.Option(
            None,
            "--phash-radius",
            help="The set's own pHash radius (stricter than the default).",
        ),
        non_pertinent: bool = typer.Option(
            False,
            "--non-pertinent",
            help="The whole set is non-pertinent (e.g. known-benign): its media never link.",
        ),
        strict: bool = typer.Option(False, "--strict", help="Refuse the whole file on any error."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report only."),
        batch: int = typer.Option(None, "--batch", help="Items per write transaction."),
        bulk: bool = typer.Option(False, "--bulk", help=BULK_HELP),
    ) -> None:
        """Load a VICS JSON hash set (1.x OData or 2.0), streamed."""
        from cli.load_report import after_load, exit_for, print_report
        from loaders.vics import DEFAULT_BATCH, load_vics, parse_categories
        from service import connect

        try:
            categories = parse_categories(category_non_pertinent or None)
        except ValueError as e:
            fail(f"--category-non-pertinent: {e}")
        drv = None
        if not dry_run and not bulk:
            drv = connect.ready()
        with Progress(
            TextColumn("[bold]vics"),
            BarColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as prog:
            task = prog.add_task("read", total=file.stat().st_size)
            kw: dict[str, Any] = {
                "non_pertinent": categories,
                "pdq_radius": pdq_radius,
                "phash_radius": phash_radius,
                "set_non_pertinent": non_pertinent,
                "strict": strict,
                "dry_run": dry_run,
                "batch_size": batch or DEFAULT_BATCH,
                "progress": lambda done, total: prog.update(task, completed=done, total=total),
            }
            if bulk:
                from loaders.vics_bulk import load_vics_bulk

                report = load_vics_bulk(
                    file, hashset, echo=lambda m: err_console.print(m, style="dim"), **kw
                )
            else:
                report = load_vics(drv, file, hashset, **kw)
        print_report(report)
        after_load(report)
        exit_for(report)
