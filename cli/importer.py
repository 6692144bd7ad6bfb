"""``cluegraph import bundle DIR``: restore a backup, or take in a case from another unit."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import console, err_console, fail
from cli.users import cli_user
from graph import bundle
from graph.errors import GraphError
from service import connect

app = typer.Typer(no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Import bundles."""


@app.command("bundle")
def import_bundle(
    dir: Path = typer.Argument(..., exists=True, file_okay=False, help="A bundle folder."),
    batch: int = typer.Option(1000, "--batch", min=1, help="Rows per write transaction."),
    check: bool = typer.Option(
        False, "--check", help="Only verify the manifest, hashes and every line."
    ),
) -> None:
    """Verify a bundle (manifest, SHA-256, every line), then MERGE it into the graph.

    Idempotent: importing twice, or again after an interruption, ends in the same graph.
    """
    try:
        manifest = bundle.verify_bundle(dir)
        if check:
            bundle.validate_bundle(dir)
            console.print(f"[green]bundle ok[/]: {_summary(manifest)}")
            return
        with err_console.status("importing ...") as status:
            rep = bundle.import_bundle(
                connect.driver(),
                dir,
                batch=batch,
                user=cli_user(),
                progress=lambda what, n: status.update(f"{what}: {n:,} ..."),
            )
    except GraphError as e:
        fail(str(e))
    console.print(
        f"[green]imported[/] {rep.nodes:,} nodes and {rep.relationships:,} relationships "
        f"({rep.counters.get('nodes_created', 0):,} nodes new) from {dir}; {_summary(manifest)}"
    )


def _summary(m: dict) -> str:
    scope = m.get("scope", {})
    what = f"case {scope['case']}" if scope.get("case") else "whole graph"
    return f"{what}, exported {m.get('createdAt')}"
