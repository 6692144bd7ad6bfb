"""``cluegraph load media-records FILE [--bulk]``: media known by their metadata.

Without ``--bulk`` the normal load (``loaders/records.py``) over Bolt, like every CSV
command. With ``--bulk``, a first load into the local store without media through Neo4j's
offline importer (``loaders/bulk.py``; docs/scaling.md says when to use which)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cli.common import err_console

if TYPE_CHECKING:
    from loaders.base import LoadReport

BULK_HELP = (
    "First load into a store without media: validate as usual, then build the store with "
    "Neo4j's offline importer (stops and restarts the local server). Refused for a store "
    "that holds media or a server set by NEO4J_URI."
)


def register(
    app: typer.Typer, run_csv_command: Callable[..., LoadReport], progress_bar: Callable[..., Any]
) -> None:
    """Add the command to ``app``; the normal path and the progress bar are cli/load.py's
    (passed in, so that the two modules do not import each other)."""

    @app.command("media-records")
    def media_records(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
        strict: bool = typer.Option(False, "--strict", help="Refuse the whole file on any error."),
        lenient: bool = typer.Option(False, "--lenient", help="Ignore unknown columns."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report only."),
        batch: int = typer.Option(None, "--batch", help="Rows per write transaction."),
        bulk: bool = typer.Option(False, "--bulk", help=BULK_HELP),
    ) -> None:
        """Load a media-records CSV file (columns as in the spec)."""
        from cli.load_report import after_load, exit_for, print_report
        from graph.config import get_settings
        from loaders.base import csv_row_count
        from loaders.records import MediaRecordsLoader

        if not bulk:
            report = run_csv_command(
                MediaRecordsLoader(),
                file,
                strict=strict,
                lenient=lenient,
                dry_run=dry_run,
                batch=batch,
            )
        else:
            from loaders.bulk import load_media_records_bulk

            total = csv_row_count(file)
            with progress_bar(total, "media-records --bulk") as prog:
                task = prog.add_task("validate", total=total)
                report = load_media_records_bulk(
                    file,
                    strict=strict,
                    lenient=lenient,
                    dry_run=dry_run,
                    batch_size=batch or get_settings().batch_size,
                    progress=lambda n: prog.update(task, completed=n),
                    echo=lambda m: err_console.print(m, style="dim"),
                )
        print_report(report)
        after_load(report)
        exit_for(report)
