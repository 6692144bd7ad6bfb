"""The ``cluegraph`` command: thin, it parses, calls ``graph``/``loaders`` and prints."""

from __future__ import annotations

import sys

import typer

from cli.common import console, fail
from graph.errors import GraphError

app = typer.Typer(
    name="cluegraph",
    help="ClueGraph: an investigative knowledge graph that links series across countries.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    wide: bool = typer.Option(
        False, "--wide", help="Tables show every column, however wide the terminal."
    ),
) -> None:
    from cli import common

    common.WIDE = wide


def _mount() -> None:
    from cli import (
        analyse,
        audit,
        clues,
        demo,
        export,
        hashsets,
        importer,
        leads,
        links,
        load,
        search,
        serve,
        users,
    )
    from cli import db as db_cli
    from cli import query as query_cli

    app.add_typer(db_cli.app, name="db", help="Run and manage the local Neo4j server.")
    app.command("query", help=query_cli.query.__doc__)(query_cli.query)
    for m, name, helptext in (
        (load, "load", "Load cases, series, media, clues, victims, accounts, VICS."),
        (links, "links", "Build and judge links between series."),
        (leads, "leads", "Run named lead queries."),
        (demo, "demo", "Generate and load the synthetic demo world."),
        (export, "export", "Export hash sets and bundles."),
        (importer, "import", "Import bundles."),
        (users, "users", "Manage app users and roles."),
        (audit, "audit", "Read and export the audit trail."),
        (hashsets, "hashsets", "Hash sets' own near-duplicate thresholds."),
        (analyse, "analyse", "Analyse loaded pictures (scenes, objects, text)."),
        (clues, "clues", "Proposed clues (accept, reject) and standing object searches."),
        (search, "search", "Search loaded pictures for an object."),
    ):
        app.add_typer(m.app, name=name, help=helptext)
    app.command("serve", help=serve.serve.__doc__)(serve.serve)


_mount()


def main() -> None:
    import logging

    # The driver logs each retry with the server's address; the CLI reports errors itself.
    logging.getLogger("neo4j").setLevel(logging.CRITICAL)
    try:
        app()
    except GraphError as e:
        fail(str(e))
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]")
        sys.exit(130)
