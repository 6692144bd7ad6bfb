"""`cluegraph demo`: the synthetic training world.

``up`` and ``reset`` go through :mod:`service.demo` (the ``demo_load`` / ``demo_reset``
rights, recorded as ``demo.load`` / ``demo.reset``), as the app's Trainer page does;
``--by NAME`` acts as that ClueGraph user (default: the OS account)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from loaders.demo import SIZE_NAMES, generate_world

app = typer.Typer(help="Generate the synthetic multi-country demo world.", no_args_is_help=True)
console = Console(stderr=True)

BY_HELP = "Act as this ClueGraph user, with their role (default: the OS account)."


@app.callback()
def _demo() -> None:
    """Synthetic, benign training world: drawn rooms, invented agencies, planted links."""


@app.command()
def generate(
    out: Path = typer.Argument(
        ..., help="Folder to write (created; a previous demo world in it is replaced)."
    ),
    seed: int = typer.Option(7, "--seed", help="Same seed, same bytes."),
    size: str = typer.Option("small", "--size", help="small | medium | large (metadata only)."),
    media: int | None = typer.Option(
        None, "--media", help="Media records of a large world [default: 100000]."
    ),
    workers: int | None = typer.Option(
        None, "--workers", help="Processes drawing images [default: CPUs]."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Write a reproducible synthetic world in the SPEC input formats, with truth.json."""
    if size not in SIZE_NAMES and size != "tiny":
        raise typer.BadParameter(f"choose one of {', '.join(SIZE_NAMES)}", param_hint="--size")
    if media is not None and size != "large":
        raise typer.BadParameter("applies to --size large only", param_hint="--media")
    started = time.perf_counter()
    show = size in ("medium", "large") and console.is_terminal
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not show,
        transient=True,
    ) as bar:
        task = bar.add_task("planning", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        try:
            summary = generate_world(
                out, seed=seed, size=size, media=media, workers=workers, progress=progress
            )
        except (FileExistsError, ValueError) as e:
            console.print(f"[red]error:[/red] {e}")
            raise typer.Exit(2) from e
    seconds = time.perf_counter() - started
    if as_json:
        typer.echo(json.dumps({**summary.as_dict(), "seconds": round(seconds, 2)}, indent=1))
        return
    kinds = ", ".join(f"{k} {v}" for k, v in summary.pairs_by_kind.items())
    typer.echo(
        f"wrote {summary.size} world (seed {summary.seed}) to {summary.out} in {seconds:.1f} s: "
        f"{summary.countries} countries, {summary.agencies} agencies, {summary.cases} cases, "
        f"{summary.series} series, {summary.media_files or summary.media_records} "
        f"{'files' if summary.media_files else 'media records'}, {summary.victims} victims, "
        f"{summary.clues} clues, {summary.accounts} accounts; "
        f"{summary.pairs} cross-country pairs ({kinds}); {summary.decoys} decoys"
    )


if __name__ == "__main__":
    app()


@app.command()
def up(
    size: str = typer.Option("small", "--size", help="small | medium"),
    seed: int = typer.Option(7, "--seed"),
    force: bool = typer.Option(False, "--force", help="Load again even if already loaded."),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Generate (once) and load (once) the demo world, then rebuild the links."""
    from rich.table import Table

    from service import connect
    from service import demo as demo_service
    from service.caller import cli_user

    out = Console()
    user = cli_user(by)
    drv = connect.ready()
    world, result = demo_service.load(
        drv, size=size, seed=seed, force=force, say=lambda m: out.print(f"- {m}"), user=user
    )
    if result is not None:
        t = Table(title=f"demo world {world.name}")
        for col in ("load", "source", "read", "written", "skipped", "status"):
            t.add_column(col)
        for r in result.reports:
            status = _status(r)
            t.add_row(r.kind, r.source, str(r.read), str(r.written), str(r.skipped), status)
        out.print(t)
        out.print(
            "read: rows (or files) in the input; written: stored (a row repeating an id "
            "updates the same node, so the graph may hold fewer); skipped: refused rows, "
            "each with its error; partial: some rows refused.",
            style="dim",
        )
        if result.visual:
            v = result.visual
            out.print(
                f"visual pass: {v.get('analysed')} picture(s) analysed, "
                f"{v.get('same_scene_pairs')} same-scene pair(s), "
                f"{v.get('shared_object_pairs')} shared-object pair(s), "
                f"{v.get('suggestions')} suggestion(s)"
            )
        if result.links:
            out.print(
                f"links rebuilt: {result.links.get('links')} between series, "
                f"{result.links.get('cross_country')} across countries at any score"
            )
    from cli.db import headline

    out.print("[bold]the graph now holds[/] (as the app's Overview counts):")
    headline(drv, user)
    truth = demo_service.read_truth(world) or {}
    scen = truth.get("scenario") or {}
    if scen:
        out.print(f"[bold]trainer scenario:[/] {scen.get('title', '')}")
    out.print(f"world files: {world}")
    _demo_account(out, drv)


def _status(r) -> str:
    """refused (the file was refused), failed (rows refused, none written), partial (some
    rows refused), ok."""
    if r.refused:
        return "refused"
    if r.errors and not r.written:
        return "failed"
    return "partial" if r.errors else "ok"


#: The account `cluegraph demo up` creates on a machine that has no users file yet.
DEMO_ACCOUNT = "demo-admin"


def _demo_account(out: Console, drv) -> None:
    """On a fresh machine (no users file), create `demo-admin` with a random password and
    print it once, so that a newcomer can log in to the app. Never touches an existing file."""
    import secrets

    from graph import auth
    from service import admin
    from service.caller import operator

    if auth.users_path().exists():
        return
    password = secrets.token_urlsafe(15)
    admin.add_user(drv, DEMO_ACCOUNT, auth.Role.ADMIN, password, user=operator())
    out.print(
        f"[bold]app login:[/] user [bold]{DEMO_ACCOUNT}[/], password [bold]{password}[/] "
        "(admin; shown only this once: note it, or set another with "
        f"`cluegraph users passwd {DEMO_ACCOUNT}`)"
    )


@app.command()
def reset(
    size: str = typer.Option("small", "--size"),
    seed: int = typer.Option(7, "--seed"),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Empty the database and load the demo world again (for the next class)."""
    from service import connect
    from service import demo as demo_service
    from service.caller import cli_user

    user = cli_user(by)
    if not yes and not typer.confirm("Delete everything in the database and reload the demo?"):
        raise typer.Exit(1)
    world = demo_service.reset(connect.driver(), size=size, seed=seed, say=print, user=user)
    print(f"demo world reloaded: {world}")
