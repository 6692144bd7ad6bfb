"""Sign-in tokens that let an app session survive a page reload.

A reload opens a new Streamlit session (empty ``st.session_state``), so the login alone
would not survive it. After a password (or proxy) login the app issues an **opaque random
token** (:func:`secrets.token_urlsafe`, 256 bits), keeps it in the browser as a cookie
(``cluegraph_session``, ``SameSite=Strict``, path ``/``, no expiry date: it ends with the
browser session) and keeps here, in the app process, only its SHA-256 digest mapped to
the :class:`graph.auth.Session` of the user. On a new page load the token of the cookie
is looked up:

- a known token whose session is alive gives the user back (the same session object: the
  idle clock of ``CLUEGRAPH_SESSION_MINUTES`` keeps running, role changes and removals in
  the users file apply);
- a token whose session went idle too long is dropped ("expired");
- any other token (never issued, revoked by "Log out", issued before a restart, forged)
  is refused ("unknown").

The token is never the password, never derived from it, carries nothing itself (it is a
key into this table) and is never logged or audited. Tokens live in memory: a restart of
the app signs everyone out.

>>> from graph.auth import Session, User
>>> t = [0.0]
>>> store = TokenStore()
>>> s = Session(User("ana", "analyst"), minutes=30, clock=lambda: t[0])
>>> tok = store.issue(s)
>>> store.resume(tok) is s
True
>>> store.revoke(tok); store.resume(tok)
Traceback (most recent call last):
...
graph.errors.Forbidden: unknown session token
"""

from __future__ import annotations

import hashlib
import secrets
import threading

from graph.auth import Session
from graph.errors import Forbidden

#: The cookie that carries the token in the browser.
COOKIE = "cluegraph_session"
#: Why a token was refused (``Forbidden`` messages; also the audited reason).
UNKNOWN = "unknown session token"
EXPIRED = "the session has expired; log in again"
#: At most this many live tokens are kept (the oldest idle ones go first).
MAX_TOKENS = 10_000


def digest(token: str) -> str:
    """What the table keeps of a token (SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class TokenStore:
    """Token digest -> :class:`graph.auth.Session`, in this process."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def _purge(self) -> None:
        for d in [d for d, s in self._sessions.items() if s.expired()]:
            del self._sessions[d]
        while len(self._sessions) >= MAX_TOKENS:
            oldest = min(self._sessions, key=lambda d: self._sessions[d].last_seen)
            del self._sessions[oldest]

    def issue(self, session: Session) -> str:
        """A new token for ``session`` (only its digest is kept)."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._purge()
            self._sessions[digest(token)] = session
        return token

    def resume(self, token: str | None) -> Session:
        """The live session of ``token``, touched; ``Forbidden`` (:data:`UNKNOWN` or
        :data:`EXPIRED`) otherwise. An expired token is dropped."""
        if not token or len(token) > 200:
            raise Forbidden(UNKNOWN)
        d = digest(token)
        with self._lock:
            s = self._sessions.get(d)
            if s is None:
                raise Forbidden(UNKNOWN)
            if s.expired():
                del self._sessions[d]
                raise Forbidden(EXPIRED)
            s.touch()
            return s

    def peek(self, token: str | None) -> Session | None:
        """The session of ``token`` (alive or not) without touching it."""
        if not token:
            return None
        with self._lock:
            return self._sessions.get(digest(token))

    def revoke(self, token: str | None) -> None:
        """Forget ``token``: it no longer signs anyone in."""
        if token:
            with self._lock:
                self._sessions.pop(digest(token), None)

    def revoke_session(self, session: Session) -> None:
        """Forget every token of ``session``."""
        with self._lock:
            for d in [d for d, s in self._sessions.items() if s is session]:
                del self._sessions[d]


#: The app's table (one per app process).
STORE = TokenStore()
