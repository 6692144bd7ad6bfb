"""`cluegraph demo`: the synthetic training world."""

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
