"""``cluegraph db start|stop|status|init|reset``.

Starting and stopping the local server are the OS account's; the status, the schema and
emptying the database are user actions, checked and audited by :mod:`service.admin`
(``--by NAME`` acts as that ClueGraph user)."""

from __future__ import annotations

import typer

from cli.common import console, fail
from graph.config import get_settings
from graph.server import LocalServer
from service import admin, connect
from service.caller import cli_user

app = typer.Typer(no_args_is_help=True)

BY_HELP = "Act as this ClueGraph user, with their role (default: the OS account)."


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
    connect.ready()
    console.print(
        f"[green]ready[/] Neo4j {st.version} {st.edition or ''} at [bold]{st.uri}[/] "
        f"(user neo4j, password in {get_settings().home / 'neo4j-password'})"
    )
    _start_helper()


def _start_helper() -> None:
    from cli import warm

    if not warm.enabled():
        return
    if warm.start(get_settings().home):
        console.print(
            "[green]ready[/] warm helper: short commands start in a fraction of a second "
            "(CLUEGRAPH_WARM=0 runs them without it)"
        )
    else:
        console.print(
            f"[yellow]the warm helper did not start[/] (see {warm.run_dir(get_settings().home)}"
            "/cli.log); commands run without it"
        )


@app.command()
def stop() -> None:
    """Stop the local Neo4j server."""
    if get_settings().remote:
        fail("NEO4J_URI is set: ClueGraph does not manage that server")
    connect.close()
    _stop_helper()
    LocalServer().stop(echo=console.print)


def _stop_helper() -> None:
    from cli import warm

    if warm.stop(get_settings().home):
        console.print("warm helper stopped")


@app.command()
def warm(
    stop_it: bool = typer.Option(False, "--stop", help="Stop the helper instead."),
) -> None:
    """Start the warm helper for short commands (``db start`` starts it with the local
    server; this starts it for a remote one). ``--stop`` stops it."""
    if stop_it:
        _stop_helper()
        return
    from cli import warm as helper

    if not helper.enabled():
        fail("CLUEGRAPH_WARM turns the helper off")
    _start_helper()


@app.command()
def status(by: str = typer.Option(None, "--by", help=BY_HELP)) -> None:
    """Server version, store size and node/relationship counts."""
    s = get_settings()
    user = cli_user(by)
    if s.remote:
        info = admin.status(connect.driver(), user=user)["server"]
        console.print(f"server   {s.neo4j_uri} (remote, database {s.neo4j_database})")
        console.print(f"version  Neo4j {info['version']} {info['edition']}")
        console.print(f"nodes    {info['nodes']:,}")
        console.print(f"rels     {info['relationships']:,}")
        headline(connect.driver(), user)
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
    headline(connect.driver(), user)


def headline(driver, user) -> None:
    """The headline figures, as the app's Overview shows them, each with what it counts."""
    for label, value, words in admin.headline_lines(driver, user=user):
        console.print(f"{label.lower():<20} {value:>9}  [dim]{words}[/]", highlight=False)


@app.command()
def init(by: str = typer.Option(None, "--by", help=BY_HELP)) -> None:
    """Create the constraints and indexes (idempotent)."""
    n = admin.init_schema(connect.driver(), user=cli_user(by))
    console.print(f"schema applied: {n} constraints and indexes (IF NOT EXISTS)")


@app.command()
def reset(
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    hard: bool = typer.Option(
        False, "--hard", help="Local server only: delete the store and password, then restart."
    ),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Empty the database in batches (after a confirmation)."""
    user = cli_user(by)
    target = get_settings().neo4j_uri or "the local database"
    if not yes and not typer.confirm(f"Delete EVERYTHING in {target}?", default=False):
        fail("nothing deleted")
    if hard:
        if get_settings().remote:
            fail("--hard only applies to the local server")
        admin.allow_db_admin(connect.driver_or_none(), user, {"db": "reset", "hard": True})
        srv = LocalServer()
        connect.close()
        srv.stop(echo=console.print)
        srv.wipe_store()
        srv.start(echo=console.print)
        admin.init_schema(connect.driver(), user=user)
        _remove_visual_index()
        console.print("[green]local store recreated[/]")
        return
    drv = connect.driver()
    with console.status("deleting ...") as status:
        n = admin.reset(
            drv, user=user, progress=lambda t: status.update(f"deleted {t:,} nodes ...")
        )
    _remove_visual_index()
    console.print(f"deleted {n:,} nodes; schema kept")


def _remove_visual_index() -> None:
    """The visual index is derived from the pictures of the graph just emptied: it goes too."""
    from loaders.visual import remove_index, visual_dir

    if remove_index():
        console.print(f"visual index removed ({visual_dir()})")
