"""``cluegraph users add|passwd|role|remove|list``: the app's users and roles.

The users file is ``CLUEGRAPH_USERS_FILE`` (default ``<home>/users.toml``), mode 0600,
with argon2id hashes. Passwords are asked twice without echo, or read from standard
input with ``--password-stdin`` (one line), never taken as an argument.
"""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from cli.common import console, fail
from graph import auth
from graph.errors import GraphError
from service import admin, connect
from service.caller import cli_user as acting_user
from service.caller import operator

app = typer.Typer(no_args_is_help=True)

ROLE_HELP = f"One of: {', '.join(auth.PERMISSIONS)}."


def cli_user() -> str:
    """Who ran the command, for the audit trail (the OS account: ``cli:<login>``)."""
    return operator().name


BY_HELP = "Act as this ClueGraph user, with their role (default: the OS account)."


def _drv():
    """The driver, or None when Neo4j is down (the audit event then goes to the JSONL
    file only)."""
    drv = connect.driver_or_none()
    if drv is None:
        console.print("[dim]audit event written to audit.jsonl only (Neo4j not reachable)[/]")
    return drv


def _password(stdin: bool, name: str) -> str:
    if stdin:
        line = sys.stdin.readline()
        pw = line[:-1] if line.endswith("\n") else line
        pw = pw[:-1] if pw.endswith("\r") else pw
    else:
        pw = typer.prompt(
            f"Password for {name}", hide_input=True, confirmation_prompt=True, err=True
        )
    try:
        auth.check_password(pw, name)
    except GraphError as e:
        fail(str(e))
    return pw


@app.command()
def add(
    name: str = typer.Argument(..., help="User name (letters, digits, ._@-)."),
    role: str = typer.Option(..., "--role", "-r", help=ROLE_HELP),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (one line)."
    ),
    no_password: bool = typer.Option(
        False, "--no-password", help="Trusted-proxy user: logs in through the proxy header only."
    ),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Add a user with a role (asks for the password twice)."""
    try:
        me = acting_user(by)
        n = auth.normalise_name(name)
        auth._check_role(role)
        if n in auth.load_users():
            fail(f"user {n} already exists (use `cluegraph users passwd` or `role`)")
        pw = None if no_password else _password(password_stdin, n)
        user = admin.add_user(_drv(), n, role, pw, user=me)
    except GraphError as e:
        fail(str(e))
    console.print(f"added {user.name} ({user.role}) to {auth.users_path()}")


@app.command()
def passwd(
    name: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin"),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Set a user's password (asks twice)."""
    try:
        me = acting_user(by)
        n = auth.normalise_name(name)
        if n not in auth.load_users():
            fail(f"no user {n}")
        admin.set_password(_drv(), n, _password(password_stdin, n), user=me)
    except GraphError as e:
        fail(str(e))
    console.print(f"password of {n} changed")


@app.command()
def role(
    name: str = typer.Argument(...),
    new_role: str = typer.Argument(..., metavar="ROLE", help=ROLE_HELP),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Change a user's role."""
    try:
        user = admin.set_role(_drv(), name, new_role, user=acting_user(by))
    except GraphError as e:
        fail(str(e))
    console.print(f"{user.name} is now {user.role}")


@app.command()
def remove(
    name: str = typer.Argument(...),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Remove a user (their open app sessions end at the next page)."""
    try:
        me = acting_user(by)
        n = auth.normalise_name(name)
        if n not in auth.load_users():
            fail(f"no user {n}")
        if not yes and not typer.confirm(f"Remove user {n}?", default=False):
            fail("nothing removed")
        admin.remove_user(_drv(), n, user=me)
    except GraphError as e:
        fail(str(e))
    console.print(f"removed {n}")


@app.command("list")
def list_(by: str = typer.Option(None, "--by", help=BY_HELP)) -> None:
    """List users and roles (never hashes)."""
    try:
        rows = admin.list_users(_drv(), user=acting_user(by))
    except GraphError as e:
        fail(str(e))
    t = Table(title=str(auth.users_path()))
    t.add_column("user")
    t.add_column("role")
    t.add_column("login")
    for r in rows:
        t.add_row(r["user"], r["role"], r["login"])
    console.print(t)
    console.print(f"{len(rows)} user(s)")
