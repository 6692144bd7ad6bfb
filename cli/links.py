"""``cluegraph links``: rebuild the links between series, judge them, show them."""

from __future__ import annotations

import json

import typer

from cli.common import Format, console, err_console, print_rows
from graph import db
from graph.schema import JUDGEMENTS

app = typer.Typer(no_args_is_help=True)


@app.callback()
def _links() -> None:
    """Near-duplicates and explained links between series (see docs/links.md)."""


@app.command()
def rebuild(
    neardups: bool = typer.Option(
        True, "--neardups/--no-neardups", help="Also rebuild the near-duplicate index and pairs."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Recompute every near-duplicate and every link from the graph (judgements are kept)."""
    from graph import links

    drv = db.get_driver()
    db.apply_schema(drv)
    with err_console.status("rebuilding links") as status:
        rep = links.after_write(
            drv, everything=True, neardups=neardups, progress=lambda m: status.update(m)
        )
    assert rep is not None
    summary = rep.summary()
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    rows = [{"what": k, "value": v} for k, v in summary.items() if k != "seconds"]
    rows += [{"what": f"seconds {k}", "value": v} for k, v in summary["seconds"].items()]
    print_rows(["what", "value"], rows, Format.table, title="links rebuilt")


@app.command()
def judge(
    series_a: str = typer.Argument(..., metavar="A"),
    series_b: str = typer.Argument(..., metavar="B"),
    judgement: str = typer.Option(..., "--as", help=" | ".join(JUDGEMENTS)),
    by: str = typer.Option(..., "--by", help="The analyst's name."),
    note: str = typer.Option(None, "--note", help="Why (kept with the judgement)."),
) -> None:
    """Confirm, reject or mark unsure the link between series A and B (kept across rebuilds)."""
    from graph import links

    res = links.judge(db.get_driver(), series_a, series_b, judgement, by, note=note)
    console.print(
        f"{res['series_a']} – {res['series_b']}: [bold]{res['judgement']}[/] by "
        f"{res['judged_by']} at {res['judged_at']}",
        highlight=False,
    )
    if not res["linked"]:
        err_console.print(
            "note: these series are not linked now; the judgement applies if a link appears"
        )


@app.command()
def show(
    series: str = typer.Argument(..., metavar="SERIES"),
    fmt: Format = typer.Option(Format.table, "--format", "-f"),
    evidence: bool = typer.Option(
        True, "--evidence/--no-evidence", help="List every evidence item (table format)."
    ),
) -> None:
    """Every link of SERIES with its score, kinds, judgement and evidence."""
    from graph import links

    res = links.links_of(db.get_driver(), series)
    cols = [
        "other",
        "otherCountries",
        "score",
        "kinds",
        "crossCountry",
        "judgement",
        "judgedBy",
        "evidence",
    ]
    if fmt != Format.table:
        print_rows(cols, res.rows, fmt)
        return
    rows = [
        {**r, "evidence": len(r["evidence"]), "kinds": ", ".join(r["kinds"] or [])}
        for r in res.rows
    ]
    print_rows(cols, rows, fmt, title=f"links of {series}")
    if evidence:
        for r in res.rows:
            console.print(
                f"\n[bold]{series} – {r['other']}[/] (score {r['score']})", highlight=False
            )
            for e in r["evidence"]:
                console.print(f"  {e['kind']}: {e['detail']}", highlight=False, soft_wrap=True)
