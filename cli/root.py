"""The ``cluegraph`` command line (typer): the root group, its lazily built sub-commands,
and the quick exit. ``cli.main`` runs it here, in the process that was started, unless a
warm helper (:mod:`cli.warm`) runs the command."""

from __future__ import annotations

import atexit
import importlib
import multiprocessing
import os
import sys
import threading
from typing import NoReturn

import typer
from typer import _click as click
from typer.core import TyperGroup

from cli.common import console, fail
from graph import driver_lib
from graph.errors import GraphError

#: Command groups: name -> (module, help). Each module is imported only when its group
#: runs (or when ``--help`` lists them): ``cluegraph load media`` does not pay for the
#: leads, the app or the bundle code. Every module is a plain import of the project; a
#: missing one fails the first time its command runs, and tests/test_cli.py runs them all.
GROUPS: dict[str, tuple[str, str]] = {
    "db": ("cli.db", "Run and manage the local Neo4j server."),
    "load": ("cli.load", "Load cases, series, media, clues, victims, accounts, VICS."),
    "links": ("cli.links", "Build and judge links between series."),
    "leads": ("cli.leads", "Run named lead queries."),
    "demo": ("cli.demo", "Generate and load the synthetic demo world."),
    "export": ("cli.export", "Export hash sets and bundles."),
    "import": ("cli.importer", "Import bundles."),
    "users": ("cli.users", "Manage app users and roles."),
    "audit": ("cli.audit", "Read and export the audit trail."),
    "hashsets": ("cli.hashsets", "Hash sets' own near-duplicate thresholds."),
    "analyse": ("cli.analyse", "Analyse loaded pictures (scenes, objects, text)."),
    "clues": ("cli.clues", "Proposed clues (accept, reject) and standing object searches."),
    "search": ("cli.search", "Search loaded pictures for an object."),
}
#: Single commands: name -> (module, function).
COMMANDS: dict[str, tuple[str, str]] = {
    "query": ("cli.query", "query"),
    "serve": ("cli.serve", "serve"),
}


class LazyGroup(TyperGroup):
    """The root group: its sub-commands are built from their module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *GROUPS, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            built = _build(cmd_name)
            if built is None:
                return None
            self.commands[cmd_name] = built
        return self.commands[cmd_name]


def _build(name: str) -> click.Command | None:
    # Before a command's module imports the driver: without pandas/pyarrow, which no
    # command passes to it (graph/driver_lib.py; a third of a short command's CPU).
    driver_lib.import_lean()
    if name in GROUPS:
        module, helptext = GROUPS[name]
        sub = importlib.import_module(module).app
        sub.info.name, sub.info.help = name, helptext
        return typer.main.get_group(sub)
    if name in COMMANDS:
        module, attr = COMMANDS[name]
        fn = getattr(importlib.import_module(module), attr)
        one = typer.Typer()
        one.command(name, help=fn.__doc__)(fn)
        return typer.main.get_command(one)
    return None


app = typer.Typer(
    name="cluegraph",
    help="ClueGraph: an investigative knowledge graph that links series across countries.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
)


@app.callback()
def _root(
    wide: bool = typer.Option(
        False, "--wide", help="Tables show every column, however wide the terminal."
    ),
) -> None:
    from cli import common

    common.WIDE = wide


def main(prog_name: str | None = None) -> None:
    """Run the command of ``sys.argv``; ``prog_name``: the name its usage lines show (the
    caller's, when a warm helper runs it; by default Click's, from ``sys.argv[0]``)."""
    import logging

    # The driver logs each retry with the server's address; the CLI reports errors itself.
    logging.getLogger("neo4j").setLevel(logging.CRITICAL)
    try:
        try:
            app(prog_name=prog_name)
        except GraphError as e:
            fail(str(e))
        except KeyboardInterrupt:
            console.print("[yellow]interrupted[/]")
            sys.exit(130)
    except SystemExit as e:
        leave(e.code)
    leave(0)


def leave(code: object) -> NoReturn:
    """End the process with ``code`` (a ``SystemExit`` code) without the interpreter's
    teardown when nothing is left running.

    A command has written its files, closed its pools and printed its report by the time
    it returns. What Python does after that (free every object, then unload numpy, OpenCV,
    faiss and the driver one module at a time) took 0.15-0.3 s of a 1 s one-picture
    ``load media`` (issue 13). The exit handlers (``atexit``: logging's flush, temporary
    directories' clean-up, multiprocessing's finalizers) still run, and the streams are
    flushed; then ``os._exit``. A thread that is not a daemon, or a child process still
    alive, gets the ordinary exit, which waits for it."""
    status = 0 if code is None else code if isinstance(code, int) else 1
    if not isinstance(code, int | None):
        print(code, file=sys.stderr)  # what SystemExit("message") prints
    busy = any(
        t.is_alive() and not t.daemon
        for t in threading.enumerate()
        if t is not threading.main_thread()
    )
    if busy or multiprocessing.active_children():
        sys.exit(status)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head): nothing left to say
            pass
    os._exit(status & 0xFF if status >= 0 else 1)
