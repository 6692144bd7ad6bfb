"""``cluegraph audit show|export``: read the audit trail (checked and recorded by
:mod:`service.admin`, as the app's Audit page: ``view_audit``, ``audit.view``)."""

from __future__ import annotations

import sys

import typer

from cli.common import Format, print_rows
from service import admin, connect
from service.caller import cli_user

app = typer.Typer(no_args_is_help=True)

BY_HELP = "Act as this ClueGraph user, with their role (default: the OS account)."


@app.command()
def show(
    user: str = typer.Option(None, "--user", help="Only this user's events."),
    action: str = typer.Option(None, "--action", help="Only this action (e.g. lead.run)."),
    limit: int = typer.Option(50, "--limit", help="Events at most, newest first."),
    fmt: Format = typer.Option(Format.table, "--format", "-f"),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """The latest audit events, newest first."""
    res = admin.audit_events(connect.driver(), user, action, 0, limit, user=cli_user(by))
    print_rows(res.columns, res.rows, fmt, title="audit trail", truncated=res.truncated)


@app.command()
def export(
    fmt: str = typer.Option("csv", "--format", "-f", help="csv or jsonl."),
    user: str = typer.Option(None, "--user", help="Only this user's events."),
    action: str = typer.Option(None, "--action", help="Only this action."),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """The audit trail (filtered) as CSV or JSONL on standard output."""
    sys.stdout.write(admin.audit_export(connect.driver(), fmt, user, action, user=cli_user(by)))
