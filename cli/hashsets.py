"""``cluegraph hashsets list|set``: hash sets' own near-duplicate thresholds and
non-pertinence (see docs/links.md, "Hash sets")."""

from __future__ import annotations

from typing import Any

import typer

from cli.common import Format, console, fail, print_rows
from service import connect

app = typer.Typer(no_args_is_help=True)

COLUMNS = [
    "id",
    "name",
    "format",
    "media",
    "nonPertinentMedia",
    "pdqRadius",
    "phashRadius",
    "nonPertinent",
    "changedAt",
    "changedBy",
]


@app.callback()
def _hashsets() -> None:
    """Hash sets: their own near-duplicate thresholds and non-pertinence."""


def _radius(option: str, value: str | None) -> Any:
    """``None`` (option not given): keep; ``'default'``: clear; a whole number: set."""
    from graph.hashsets import KEEP

    if value is None:
        return KEEP
    if value.strip().lower() == "default":
        return None
    try:
        return int(value)
    except ValueError:
        fail(f"{option}: {value!r} is neither a whole number nor 'default'")


@app.command("list")
def list_(fmt: Format = typer.Option(Format.table, "--format", "-f")) -> None:
    """Every hash set with its media, its own radii (empty: the defaults) and flag."""
    from graph import hashsets

    rows = hashsets.list_hashsets(connect.driver())
    print_rows(COLUMNS, rows, fmt, title="hash sets")


@app.command("set")
def set_(
    name: str = typer.Argument(..., metavar="NAME", help="The hash set's name or id."),
    pdq_radius: str = typer.Option(
        None, "--pdq-radius", help="Its own PDQ radius (0..default), or 'default'."
    ),
    phash_radius: str = typer.Option(
        None, "--phash-radius", help="Its own pHash radius (0..default), or 'default'."
    ),
    non_pertinent: bool = typer.Option(
        None,
        "--non-pertinent/--pertinent",
        help="Mark the whole set non-pertinent (its media never link), or undo that.",
    ),
    by: str = typer.Option(..., "--by", help="Who makes the change (audit trail)."),
) -> None:
    """Change a set's thresholds or non-pertinence; near-duplicates and links follow."""
    from graph import hashsets
    from loaders.vics import slug

    pdq = _radius("--pdq-radius", pdq_radius)
    ph = _radius("--phash-radius", phash_radius)
    try:
        key = slug(name)
    except ValueError:
        key = name
    change = hashsets.configure(
        connect.driver(),
        name,
        key=key,
        by=by,
        pdq_radius=pdq,
        phash_radius=ph,
        non_pertinent=non_pertinent,
    )
    if not change.changed:
        console.print(f"{change.id}: nothing to change", highlight=False)
        return
    shown = ", ".join(
        f"{k} {change.before[k]} -> {change.after[k]}"
        for k in change.after
        if change.before[k] != change.after[k]
    )
    console.print(f"{change.id}: {shown} (by {by})", highlight=False)
    rep = change.links
    if rep is None:
        return
    nd = rep.neardup
    scope = "every series" if rep.full else f"{rep.series or 0:,} series"
    console.print(
        f"{change.media:,} media listed, {change.flag_changed:,} changed their flag; "
        f"near-duplicate pairs written {nd.written if nd else 0:,}, deleted "
        f"{nd.deleted if nd else 0:,}; links of {scope}: {rep.written:,} written, "
        f"{rep.deleted:,} deleted",
        highlight=False,
    )
