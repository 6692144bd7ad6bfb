"""Who is using the app, what they may do, and the audit trail: the one place security plugs in.

- :func:`login` runs first on every script run (``app/main.py``): it returns the user of a
  live session, or shows the login form (or, in trusted-proxy mode, takes the user from
  ``settings.auth_header``) and returns None. Sessions end after
  ``settings.session_minutes`` without activity. A session survives a page reload through
  an opaque random token in a cookie, mapped to the session in the app process
  (:mod:`app.sessions`); "Log out" revokes it.
- :func:`page` starts every view: it checks the page's right in the query layer
  (:func:`service.access.allow`) and stops the page with an error when it is missing.
- :func:`audit` records an action in the audit trail (:func:`graph.audit.record`).

Enforcement happens in :mod:`service` (every call takes ``user`` and checks it);
what is here only decides what to show.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from app import sessions
from app.who import SESSION as SESSION
from app.who import current_user as current_user
from app.who import user_name as user_name
from graph import audit as graph_audit
from graph import auth
from graph.auth import Action, User
from graph.errors import Forbidden, GraphError, InvalidInput
from service import access

log = logging.getLogger("cluegraph.audit")

#: A message for the login form (why the last session ended).
_FLASH = "auth_flash"
#: Session-state keys: this browser session's sign-in token (for the cookie), and the
#: digest of the cookie token already handled here (resumed, refused or logged out).
_TOKEN = "auth_token"
_COOKIE_SEEN = "auth_cookie_seen"

FIRST_RUN = (
    "No one can log in yet: there is no users file ({path}). Create the first admin in a "
    "terminal, on this machine:\n\n`cluegraph users add NAME --role admin`\n\n"
    "then reload this page. (`make demo` creates a `demo-admin` account and prints its "
    "password once.)"
)
EXPIRED = "Your session ended after {minutes} minutes without activity. Log in again."


def _driver() -> Any:
    """The app's driver without the reachability check (None when it cannot be made)."""
    from service import connect

    try:
        return connect.driver()
    except Exception:  # the audit still goes to the JSONL file
        return None


def audit(
    action: str,
    params: dict[str, Any] | None = None,
    result_count: int | None = None,
    outcome: str = "ok",
    *,
    user: User | str | None = None,
) -> None:
    """Record that the current user (or ``user``) did ``action``: a JSONL line and an
    ``(:AuditEvent)`` node. Raises :class:`graph.audit.AuditFailed` when neither could be
    written."""
    who = user if user is not None else current_user()
    ev = graph_audit.record(_driver(), who, action, params or {}, result_count, outcome)
    if ev.error:
        log.warning("audit %s: %s", action, ev.error)


def page(title: str, action: str = Action.READ) -> User | None:
    """Start a page: check the page's right in the query layer, set the title, return the
    user. Without the right, the page says so and stops."""
    from app import state as S

    st.title(title)
    user = current_user()
    try:
        access.allow(S.driver(), user, action, {"page": title})
    except Forbidden as e:
        S.show_error(e)
        st.stop()
    return user


def may(action: str) -> bool:
    """Whether the current user has ``action`` (to decide what to offer; the query layer
    checks again)."""
    u = current_user()
    return u is not None and action in u.permissions


# ------------------------------------------------------------------ login
def _attempt(name: str, password: str) -> None:
    name = (name or "").strip()
    if auth.is_locked(name):
        st.error(auth.LOCKED_OUT, icon=":material/lock_clock:")
        audit("login", {"name": name[:64], "locked": True}, None, "refused", user=name[:64])
        return
    user = auth.authenticate(name, password or "")
    if user is None:
        msg = auth.LOCKED_OUT if auth.is_locked(name) else auth.LOGIN_FAILED
        st.error(msg, icon=":material/lock:")
        audit("login", {"name": name[:64]}, None, "refused", user=name[:64])
        return
    _start(user)
    audit("login", {"via": "password"}, None, user=user)
    st.rerun()


def _start(user: User) -> None:
    """A new session for ``user``, and its token for the cookie."""
    s = auth.Session(user)
    st.session_state[SESSION] = s
    st.session_state[_TOKEN] = sessions.STORE.issue(s)


def _cookie_token() -> str | None:
    """The sign-in token the browser sent with this page load (its cookie), if any."""
    try:
        v = st.context.cookies.get(sessions.COOKIE)
    except Exception:  # no browser (a bare script run)
        return None
    return v if isinstance(v, str) and v else None


def _cookie_script(token: str | None) -> None:
    """Set (or, with None, delete) the browser's sign-in cookie. ``SameSite=Strict``,
    path ``/``, ``Secure`` over HTTPS, no expiry date (it ends with the browser session;
    the server ends it earlier when idle). The token is URL-safe base64: nothing to escape."""
    if token is not None and not token.replace("-", "").replace("_", "").isalnum():
        raise ValueError("not a token")
    value = f"{sessions.COOKIE}={token}" if token else f"{sessions.COOKIE}=; Max-Age=0"
    st.html(
        "<script>document.cookie = "
        f"'{value}; Path=/; SameSite=Strict' + "
        "(location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )


def _from_cookie() -> User | None:
    """The user of the cookie's token when it names a live session (a page reload); a
    forged, revoked, old or expired token is refused and audited, once per page load."""
    token = _cookie_token()
    if not token:
        return None
    seen = sessions.digest(token)
    if st.session_state.get(_COOKIE_SEEN) == seen:
        return None  # handled already on this page load (refused, or logged out since)
    st.session_state[_COOKIE_SEEN] = seen
    known = sessions.STORE.peek(token)
    try:
        s = sessions.STORE.resume(token)
        user = s.current_user()
    except Forbidden as e:
        sessions.STORE.revoke(token)
        who = known.user if known else None
        audit("login", {"via": "session cookie", "reason": str(e)}, None, "refused", user=who)
        if known is not None and known.expired():
            st.session_state[_FLASH] = EXPIRED.format(minutes=f"{known.minutes:g}")
        return None
    st.session_state[SESSION] = s
    st.session_state[_TOKEN] = token
    audit("session.resume", {"via": "session cookie"}, None, user=user)
    return user


def _form() -> None:
    st.title("ClueGraph")
    _cookie_script(None)  # a login form means no session: the browser keeps no token
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.info(flash, icon=":material/timer_off:")
    with st.form("login"):
        name = st.text_input("User name", key="login_user", autocomplete="username")
        password = st.text_input(
            "Password", type="password", key="login_password", autocomplete="current-password"
        )
        go = st.form_submit_button("Log in", type="primary", icon=":material/login:")
    if go:
        _attempt(name, password)


def _users_ready() -> bool:
    """Whether a usable users file exists; else an operator message on the page."""
    path = auth.users_path()
    try:
        users = auth.load_users(path)
    except InvalidInput as e:
        st.error(f"The users file cannot be used: {e}", icon=":material/lock:")
        return False
    if not users:
        st.title("ClueGraph")
        st.warning(FIRST_RUN.format(path=path), icon=":material/person_add:")
        return False
    return True


def _from_proxy() -> User | None:
    """Trusted-proxy mode: the header's user, in a session of their own."""
    try:
        headers = dict(st.context.headers)
    except Exception:
        headers = {}
    user = auth.user_from_headers(headers)
    s = st.session_state.get(SESSION)
    if user is None:
        st.session_state.pop(SESSION, None)
        st.title("ClueGraph")
        st.error(
            "No access: the sign-in proxy did not name a ClueGraph user. Ask an admin to add "
            "you (`cluegraph users add NAME --role ROLE --no-password`).",
            icon=":material/lock:",
        )
        return None
    if isinstance(s, auth.Session) and s.user.name == user.name and not s.expired():
        s.touch()
        s.user = user
        return user
    st.session_state[SESSION] = auth.Session(user)
    audit("login", {"via": "proxy"}, None, user=user)
    return user


def login() -> User | None:
    """The user of this session, or None after showing the login form (or a message)."""
    from graph.config import get_settings

    if not _users_ready():
        return None
    if get_settings().auth_header:
        return _from_proxy()
    s = st.session_state.get(SESSION)
    if isinstance(s, auth.Session):
        token = st.session_state.get(_TOKEN)
        try:
            if token and sessions.STORE.peek(token) is not s:
                raise Forbidden("you logged out in another tab")
            return s.current_user()
        except Forbidden as e:
            st.session_state.pop(SESSION, None)
            st.session_state.pop(_TOKEN, None)
            sessions.STORE.revoke_session(s)
            expired = s.expired()
            audit("logout", {"reason": "expired" if expired else str(e)}, None, user=s.user)
            st.session_state[_FLASH] = (
                EXPIRED.format(minutes=f"{s.minutes:g}") if expired else f"{e}."
            )
    else:
        user = _from_cookie()
        if user is not None:
            return user
    _form()
    return None


def _logout() -> None:
    s = st.session_state.pop(SESSION, None)
    sessions.STORE.revoke(st.session_state.pop(_TOKEN, None))
    if isinstance(s, auth.Session):
        sessions.STORE.revoke_session(s)
        try:
            audit("logout", {"reason": "button"}, None, user=s.user)
        except GraphError:
            log.exception("logout not audited")


def sidebar_identity() -> None:
    """Who is logged in, and the "Log out" button."""
    u = current_user()
    if u is None:
        return
    st.sidebar.caption(f"Logged in as **{u.name}** ({u.role})")
    token = st.session_state.get(_TOKEN)
    if token:
        with st.sidebar:
            _cookie_script(token)  # a reload of the page finds the session again
    from graph.config import get_settings

    if get_settings().auth_header:
        st.sidebar.caption("Signed in through the proxy.")
    else:
        st.sidebar.button("Log out", key="logout", icon=":material/logout:", on_click=_logout)
