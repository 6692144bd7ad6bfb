"""Who is using this browser session: the key the login keeps its session under, and the
logged-in user. Below both :mod:`app.guard` (which logs people in and out) and
:mod:`app.state` (whose cached reads are kept per user), so neither needs the other."""

from __future__ import annotations

import streamlit as st

from graph.auth import Session, User

#: Session-state key of the :class:`graph.auth.Session` of the logged-in user.
SESSION = "auth_session"


def current_user() -> User | None:
    """The logged-in user of this session (None before login)."""
    s = st.session_state.get(SESSION)
    return s.user if isinstance(s, Session) else None


def user_name() -> str | None:
    """The logged-in user's name (None before login)."""
    u = current_user()
    return u.name if u else None
