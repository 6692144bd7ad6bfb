"""Who is asking, from the command line.

The app knows its user from the login. A command is run by an OS account on the machine
that holds ClueGraph's home (the Neo4j password file, the users file): that account is the
operator and holds every right; it is recorded as ``cli:<login>``. ``--by NAME`` runs the
command as the ClueGraph user ``NAME`` of the users file, with that user's role and rights,
and records ``NAME`` (an operator acting for an analyst). A name that is not in the users
file is refused with a sentence that says so.

>>> operator().role
'admin'
>>> operator().name.startswith("cli:")
True
"""

from __future__ import annotations

import getpass

from graph import auth
from graph.errors import Forbidden
from graph.rights import Role, User


def os_login() -> str:
    """The OS account's login name (``unknown`` in containers without one)."""
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers): still someone to record
        return "unknown"


def operator() -> User:
    """The OS account running the command: ``cli:<login>``, every right."""
    return User(f"cli:{os_login()}", Role.ADMIN.value)


def cli_user(by: str | None = None) -> User:
    """The user a command acts for: ``by`` from the users file, else the OS account.

    Raises :class:`graph.errors.Forbidden` when ``by`` is not a ClueGraph user.
    """
    if by is None or not by.strip():
        return operator()
    user = auth.get_user(by)
    if user is None:
        raise Forbidden(
            f"--by {by.strip()[:64]}: there is no such ClueGraph user "
            "(`cluegraph users list` shows them)"
        )
    return user
