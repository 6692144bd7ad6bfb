"""``cluegraph links``: rebuild the links between series, judge them, show them.

Each command is checked and audited by :mod:`service.links` (``--by NAME`` runs it as that
ClueGraph user; default: the OS account), as the app's Link graph and Series pages."""

from __future__ import annotations

import json

import typer

from cli.common import Format, console, err_console, print_rows
from graph.schema import JUDGEMENTS
from service import connect
from service import links as links_service
from service.caller import cli_user

app = typer.Typer(no_args_is_help=True)

BY_HELP = "Act as this ClueGraph user, with their role (default: the OS account)."


@app.callback()
def _links() -> None:
    """Near-duplicates and explained links between series (see docs/links.md)."""


@app.command()
def rebuild(
    neardups: bool = typer.Option(
        True, "--neardups/--no-neardups", help="Also rebuild the near-duplicate index and pairs."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Recompute every near-duplicate and every link from the graph (judgements are kept)."""
    user = cli_user(by)
    drv = connect.ready()
    with err_console.status("rebuilding links") as status:
        rep = links_service.rebuild(
            drv, neardups=neardups, progress=lambda m: status.update(m), user=user
        )
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
    by: str = typer.Option(None, "--by", help=BY_HELP),
    note: str = typer.Option(None, "--note", help="Why (kept with the judgement)."),
) -> None:
    """Confirm, reject or mark unsure the link between series A and B (kept across rebuilds)."""
    res = links_service.judge(
        connect.driver(), series_a, series_b, judgement, note, user=cli_user(by)
    )
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
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Every link of SERIES with its score, kinds, judgement and evidence."""
    res = links_service.of_series(connect.driver(), series, user=cli_user(by))
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
