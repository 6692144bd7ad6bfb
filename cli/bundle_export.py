"""``cluegraph export bundle DIR [--case ID]``: the backup, or one case for another unit.

The lead mounts :func:`export_bundle` as a command of ``cluegraph export``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import console, err_console, fail
from cli.users import cli_user
from graph import bundle
from graph.errors import GraphError
from service import connect


def export_bundle(
    dir: Path = typer.Argument(..., file_okay=False, help="Folder to write (created, 0700)."),
    case: str = typer.Option(None, "--case", help="Only this case and what hangs off it."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a bundle in DIR."),
) -> None:
    """Write every node and relationship (with provenance) as JSON Lines plus a manifest.

    The folder holds everything the graph holds: keep it as you keep the database.
    """
    try:
        with err_console.status("exporting ...") as status:
            m = bundle.export_bundle(
                connect.driver(),
                dir,
                case=case,
                overwrite=overwrite,
                user=cli_user(),
                progress=lambda what, n: status.update(f"{what}: {n:,} ..."),
            )
    except GraphError as e:
        fail(str(e))
    n = m["files"][bundle.NODES]["lines"]
    r = m["files"][bundle.RELS]["lines"]
    console.print(f"[green]exported[/] {n:,} nodes and {r:,} relationships to {dir}")
    for k, v in m.get("skipped", {}).items():
        err_console.print(f"[yellow]not exported:[/] {v:,} {k} (not in the graph model)")
