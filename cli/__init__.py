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
    import importlib

    from cli import db as db_cli
    from cli import query as query_cli

    app.add_typer(db_cli.app, name="db", help="Run and manage the local Neo4j server.")
    app.command("query", help=query_cli.query.__doc__)(query_cli.query)
    # Sub-commands of other areas mount themselves when their module exists.
    for mod, name, helptext in (
        ("cli.load", "load", "Load cases, series, media, clues, victims, accounts, VICS."),
        ("cli.links", "links", "Build and judge links between series."),
        ("cli.leads", "leads", "Run named lead queries."),
        ("cli.demo", "demo", "Generate and load the synthetic demo world."),
        ("cli.export", "export", "Export hash sets and bundles."),
        ("cli.importer", "import", "Import bundles."),
        ("cli.users", "users", "Manage app users and roles."),
        ("cli.hashsets", "hashsets", "Hash sets' own near-duplicate thresholds."),
        ("cli.analyse", "analyse", "Analyse loaded pictures (scenes, objects, text)."),
        ("cli.clues", "clues", "Proposed clues (accept, reject) and standing object searches."),
        ("cli.search", "search", "Search loaded pictures for an object."),
    ):
        try:
            m = importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise
            continue
        app.add_typer(m.app, name=name, help=helptext)
    try:
        from cli.serve import serve
    except ModuleNotFoundError:
        pass
    else:
        app.command("serve", help=serve.__doc__)(serve)


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
