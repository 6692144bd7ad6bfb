"""``cluegraph export vics``: hash sets, cases and series as VICS 2.0 JSON."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import console, fail

app = typer.Typer(no_args_is_help=True)


@app.callback()
def _export() -> None:
    """Export from the graph to exchange formats."""


@app.command("vics")
def vics(
    out: Path = typer.Option(..., "--out", dir_okay=False, help="File to write."),
    hashset: str = typer.Option(None, "--hashset", help="A hash set, by name."),
    case: str = typer.Option(None, "--case", help="The media a case holds."),
    series: str = typer.Option(None, "--series", help="The media a series contains."),
) -> None:
    """Write a hash set, a case's media or a series' media as Project VIC VICS 2.0 JSON."""
    from loaders.vics import export_vics
    from service import connect

    if sum(1 for x in (hashset, case, series) if x) != 1:
        fail("give exactly one of --hashset, --case, --series")
    if out.parent and not out.parent.exists():
        fail(f"{out.parent}: no such folder")
    n = export_vics(connect.driver(), out, hashset=hashset, case=case, series=series)
    console.print(f"wrote {n:,} media to {out}", highlight=False)


def _mount_bundle() -> None:
    from cli.bundle_export import export_bundle

    app.command("bundle")(export_bundle)


_mount_bundle()
