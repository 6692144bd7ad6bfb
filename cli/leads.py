"""``cluegraph leads``: ``list``, and one command per lead of :data:`graph.leads.LEADS`.

``cluegraph leads NAME [--param value ...] --format table|csv|json``; each lead's
parameters become options (``min_score`` -> ``--min-score``; a list is repeated:
``--files a.jpg --files b.jpg``; a flag is ``--near/--no-near``). ``--by NAME`` runs it as
that ClueGraph user (default: the OS account); every run is checked and audited by
:mod:`service.leads`, as on the app's Leads page.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import typer

from cli.common import Format, console, err_console, print_rows
from graph.leads import Lead
from service import connect
from service import leads as leads_service
from service.caller import cli_user

app = typer.Typer(no_args_is_help=True)

_PY = {"str": str, "int": int, "float": float, "bool": bool, "list[str]": list[str]}


@app.callback()
def _leads() -> None:
    """Named lead queries; `cluegraph leads list` explains each."""


@app.command("list")
def list_leads(fmt: Format = typer.Option(Format.table, "--format", "-f")) -> None:
    """Every lead with its explanation and parameters."""
    rows = [
        {
            "lead": lead.name,
            "explanation": lead.explanation,
            "parameters": ", ".join(
                f"{p.name}{'*' if p.required else ''}: {p.type}" for p in lead.params
            ),
        }
        for lead in leads_service.catalog().values()
    ]
    print_rows(["lead", "explanation", "parameters"], rows, fmt, title="leads (* required)")


def _command(lead: Lead):
    def command(**kw: Any) -> None:
        fmt = kw.pop("fmt")
        user = cli_user(kw.pop("by"))
        given = {k: v for k, v in kw.items() if v is not None and v != []}
        res = leads_service.run(connect.driver(), lead.name, given, user=user)
        print_rows(res.columns, res.rows, fmt, title=lead.name, truncated=res.truncated)
        if fmt == Format.table and res.summary:
            for k, v in res.summary.items():
                if v in (None, [], {}):
                    continue
                shown = ", ".join(map(str, v)) if isinstance(v, list | tuple) else str(v)
                console.print(f"{k.replace('_', ' ')}: {shown}", style="dim", highlight=False)
        elif res.summary.get("loaded"):
            err_console.print(f"loaded: {json.dumps(res.summary['loaded'])}")

    params = []
    for p in lead.params:
        opt = "--" + p.name.replace("_", "-")
        help_ = p.help + (f" [{' | '.join(p.choices)}]" if p.choices else "")
        if p.type == "bool":
            decl = [f"{opt}/--no-{p.name.replace('_', '-')}"]
            default = typer.Option(bool(p.default), *decl, help=help_)
            ann: Any = bool
        elif p.type == "list[str]":
            names = [opt] + ([opt[:-1]] if opt.endswith("s") else [])
            default = typer.Option(None, *names, help=help_ + " (repeat the option)")
            ann = list[str] | None
        else:
            shown = None if p.default is None else p.default
            default = typer.Option(
                ... if p.required else shown, opt, help=help_, show_default=shown is not None
            )
            ann = _PY[p.type] if p.required else _PY[p.type] | None
        params.append(
            inspect.Parameter(
                p.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann
            )
        )
    params.append(
        inspect.Parameter(
            "fmt",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(Format.table, "--format", "-f"),
            annotation=Format,
        )
    )
    params.append(
        inspect.Parameter(
            "by",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                None, "--by", help="Run as this ClueGraph user (default: the OS account)."
            ),
            annotation=str | None,
        )
    )
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__doc__ = lead.explanation
    command.__name__ = lead.name.replace("-", "_")
    return command


for _lead in leads_service.catalog().values():
    app.command(_lead.name, help=_lead.explanation)(_command(_lead))
