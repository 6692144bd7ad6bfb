"""``cluegraph db start|stop|status|init|reset``."""

from __future__ import annotations

import typer

from cli.common import console, fail
from graph import db
from graph.config import get_settings
from graph.server import LocalServer

app = typer.Typer(no_args_is_help=True)


def _human(n: int | None) -> str:
    if n is None:
        return "-"
    f = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if f < 1024:
            return f"{f:.1f} {unit}" if unit != "B" else f"{n} B"
        f /= 1024
    return f"{f:.1f} PiB"


@app.command()
def start() -> None:
    """Start the local Neo4j server (fetched from Maven Central on first use)."""
    st = LocalServer().start(echo=console.print)
    db.apply_schema(db.get_driver())
    console.print(
        f"[green]ready[/] Neo4j {st.version} {st.edition or ''} at [bold]{st.uri}[/] "
        f"(user neo4j, password in {get_settings().home / 'neo4j-password'})"
    )


@app.command()
def stop() -> None:
    """Stop the local Neo4j server."""
    if get_settings().remote:
        fail("NEO4J_URI is set: ClueGraph does not manage that server")
    db.close_drivers()
    LocalServer().stop(echo=console.print)


@app.command()
def status() -> None:
    """Server version, store size and node/relationship counts."""
    s = get_settings()
    if s.remote:
        info = db.server_info(db.get_driver())
        console.print(f"server   {s.neo4j_uri} (remote, database {db.database()})")
        console.print(f"version  Neo4j {info['version']} {info['edition']}")
        console.print(f"nodes    {info['nodes']:,}")
        console.print(f"rels     {info['relationships']:,}")
        headline(db.get_driver())
        return
    st = LocalServer().status()
    if not st.running:
        console.print(f"server   not running ({st.uri}); store {_human(st.store_bytes)}")
        fail("Neo4j is not running (hint: `cluegraph db start`)")
    console.print(f"server   {st.uri} (local, pid {st.pid})")
    console.print(f"version  Neo4j {st.version} {st.edition}")
    console.print(f"store    {_human(st.store_bytes)} in {s.home / 'neo4j' / 'data'}")
    console.print(f"nodes    {st.nodes:,}")
    console.print(f"rels     {st.relationships:,}")
    headline(db.get_driver())


def headline(driver) -> None:
    """The headline figures, as the app's Overview shows them, each with what it counts."""
    from graph import counts

    figures = counts.headline(driver)
    for label, value, words in counts.lines(figures):
        console.print(f"{label.lower():<20} {value:>9}  [dim]{words}[/]", highlight=False)


@app.command()
def init() -> None:
    """Create the constraints and indexes (idempotent)."""
    n = db.apply_schema(db.get_driver())
    console.print(f"schema applied: {n} constraints and indexes (IF NOT EXISTS)")


@app.command()
def reset(
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    hard: bool = typer.Option(
        False, "--hard", help="Local server only: delete the store and password, then restart."
    ),
) -> None:
    """Empty the database in batches (after a confirmation)."""
    target = get_settings().neo4j_uri or "the local database"
    if not yes and not typer.confirm(f"Delete EVERYTHING in {target}?", default=False):
        fail("nothing deleted")
    if hard:
        if get_settings().remote:
            fail("--hard only applies to the local server")
        srv = LocalServer()
        db.close_drivers()
        srv.stop(echo=console.print)
        srv.wipe_store()
        srv.start(echo=console.print)
        db.apply_schema(db.get_driver())
        _remove_visual_index()
        console.print("[green]local store recreated[/]")
        return
    drv = db.get_driver()
    with console.status("deleting ...") as status:
        n = db.reset(drv, progress=lambda t: status.update(f"deleted {t:,} nodes ..."))
    db.apply_schema(drv)
    _remove_visual_index()
    console.print(f"deleted {n:,} nodes; schema kept")


def _remove_visual_index() -> None:
    """The visual index is derived from the pictures of the graph just emptied: it goes too."""
    from loaders.visual import remove_index, visual_dir

    if remove_index():
        console.print(f"visual index removed ({visual_dir()})")
