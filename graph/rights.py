"""Who may do what: roles, actions, the permission table and the refusal message.

The permission model is shared by :mod:`graph.auth` (users, logins, sessions, the audited
check) and :mod:`graph.audit` (which checks the right to read the trail). It sits below
both, so neither has to import the other to ask "may this person do that?".

>>> allowed(User("ana", "analyst"), Action.EXPORT)
False
>>> refusal(User("ana", "analyst"), Action.EXPORT)
'ana (analyst) may not export'
>>> refusal(User("carl", "coordinator"), Action.EXPORT) is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from graph.config import Settings, get_settings


class Role(StrEnum):
    ANALYST = "analyst"
    COORDINATOR = "coordinator"
    TRAINER = "trainer"
    ADMIN = "admin"


class Action(StrEnum):
    READ = "read"  # overview, series view, leads, map, clue board
    TRIAGE = "triage"  # files or hashes in -> matches
    CONSOLE = "console"  # read-only Cypher console
    REVEAL = "reveal"  # reveal a blurred thumbnail
    ADD_CLUE = "add_clue"
    JUDGE_LINK = "judge_link"
    EXPORT = "export"  # leads/CSV/VICS/bundle exports
    VIEW_AUDIT = "view_audit"  # audit page and audit export
    LOAD = "load"  # loaders, link rebuilds, bundle import
    MANAGE_USERS = "manage_users"
    DEMO_LOAD = "demo_load"
    DEMO_RESET = "demo_reset"
    DB_ADMIN = "db_admin"  # empty the database, apply the schema


_ANALYST = frozenset(
    {
        Action.READ,
        Action.TRIAGE,
        Action.CONSOLE,
        Action.REVEAL,
        Action.ADD_CLUE,
        Action.JUDGE_LINK,
    }
)

#: What each role may do. Trainers' rights hold in the demo world only (see :func:`require`).
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ANALYST: _ANALYST,
    Role.COORDINATOR: _ANALYST | {Action.EXPORT, Action.VIEW_AUDIT},
    Role.TRAINER: frozenset(
        {
            Action.READ,
            Action.TRIAGE,
            Action.CONSOLE,
            Action.REVEAL,
            Action.DEMO_LOAD,
            Action.DEMO_RESET,
        }
    ),
    Role.ADMIN: frozenset(Action),
}

#: Roles whose rights hold only in a demo deployment.
DEMO_ONLY_ROLES = frozenset({Role.TRAINER})


@dataclass(frozen=True)
class User:
    """A person using ClueGraph. ``role`` decides what they may do."""

    name: str
    role: str

    @property
    def permissions(self) -> frozenset[str]:
        return PERMISSIONS.get(self.role, frozenset())

    def __str__(self) -> str:
        return self.name


def demo_mode(settings: Settings | None = None) -> bool:
    """Whether this deployment serves the synthetic demo world (trainer rights apply)."""
    s = settings or get_settings()
    return bool(getattr(s, "demo", False))


def allowed(user: User | None, action: str, *, demo: bool | None = None) -> bool:
    """Whether ``user`` may do ``action``. Trainers only in the demo world: ``demo`` says
    whether the graph at hand is the demo world (default: :func:`demo_mode`)."""
    if user is None or action not in PERMISSIONS.get(user.role, frozenset()):
        return False
    if user.role in DEMO_ONLY_ROLES:
        return demo_mode() if demo is None else bool(demo)
    return True


def refusal(user: User | None, action: str, *, demo: bool | None = None) -> str | None:
    """Why ``user`` may not do ``action`` (a sentence for them), or None when they may.

    Raises ``ValueError`` for an action that does not exist.
    """
    if action not in Action._value2member_map_:
        raise ValueError(f"unknown action: {action!r}")
    if allowed(user, action, demo=demo):
        return None
    if user is None:
        return "log in first"
    if user.role in DEMO_ONLY_ROLES and action in user.permissions:
        return f"{user.name} ({user.role}) may {action} in the demo world only"
    return f"{user.name} ({user.role}) may not {action.replace('_', ' ')}"
