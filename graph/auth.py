"""Users, roles and permissions; logins, lockout, trusted-proxy users and idle sessions.

Users live in a file (``settings.users_file``, default ``<home>/users.toml``; a ``.json``
name selects JSON), mode 0600, with argon2id password hashes::

    [users."alice"]
    role = "analyst"
    hash = "$argon2id$v=19$m=65536,t=3,p=4$..."

Permissions are enforced **in the query layer**: every function that reads or writes on
behalf of a person takes ``user`` and calls :func:`require` (or is decorated with
:func:`requires`) before it touches the graph. Hiding a button is not a permission.

>>> require(User("ana", "analyst"), Action.TRIAGE)
>>> allowed(User("ana", "analyst"), Action.EXPORT)
False
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import inspect
import json
import os
import re
import stat
import threading
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2 import exceptions as argon2_exc

from graph import audit
from graph.config import Settings, get_settings
from graph.errors import Forbidden, InvalidInput

# The permission model lives in graph.rights, below auth and audit; ``auth.Action`` and
# the rest stay importable from here (``X as X`` marks the re-export).
from graph.rights import DEMO_ONLY_ROLES as DEMO_ONLY_ROLES
from graph.rights import PERMISSIONS as PERMISSIONS
from graph.rights import Action as Action
from graph.rights import Role as Role
from graph.rights import User as User
from graph.rights import allowed as allowed
from graph.rights import demo_mode as demo_mode
from graph.rights import refusal as refusal

#: Failed logins (per user name, known or not) before the name is locked ...
MAX_FAILURES = 5
#: ... for this many minutes.
LOCKOUT_MINUTES = 15
MIN_PASSWORD = 12
MAX_PASSWORD = 1024

#: The one message a login form shows for every failure (no user enumeration).
LOGIN_FAILED = "Unknown user name or wrong password."
LOCKED_OUT = f"Too many failed attempts for this user name; try again in {LOCKOUT_MINUTES} minutes."

_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
_hasher = PasswordHasher()  # argon2id, the library's current recommended parameters


# ------------------------------------------------------------------ users
@dataclass(frozen=True)
class _Entry:
    role: str
    hash: str | None = None  # None: proxy-only user, cannot log in with a password


def normalise_name(name: str) -> str:
    """A user name as stored: lower case ASCII ``a-z0-9._@-``, 1-64 characters.

    >>> normalise_name("  Alice.B ")
    'alice.b'
    """
    n = (name or "").strip().lower()
    if not _NAME.match(n):
        raise InvalidInput(
            "a user name is 1-64 characters: ASCII letters, digits and ._@- "
            "(starting with a letter or digit)"
        )
    return n


def _check_role(role: str) -> str:
    r = (role or "").strip().lower()
    if r not in PERMISSIONS:
        raise InvalidInput(f"unknown role {role!r}; roles are {', '.join(PERMISSIONS)}")
    return r


def check_password(password: str, name: str = "") -> None:
    """Refuse weak or absurd passwords (raises InvalidInput)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"the password must have at most {MAX_PASSWORD} characters")
    if name and password.strip().lower() == name.lower():
        raise InvalidInput("the password must not be the user name")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# ------------------------------------------------------------------ the users file
def users_path(settings: Settings | None = None) -> Path:
    s = settings or get_settings()
    return s.users_file or (s.home / "users.toml")


_cache: dict[Path, tuple[tuple[int, int], dict[str, _Entry]]] = {}
_cache_lock = threading.Lock()


def _check_mode(path: Path, st: os.stat_result) -> None:
    if os.name == "posix" and st.st_mode & 0o077:
        raise InvalidInput(
            f"{path} can be read or written by other system users "
            f"(mode {stat.filemode(st.st_mode)}); run `chmod 600 {path}`"
        )


def _parse(path: Path, text: str) -> dict[str, _Entry]:
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as e:
        raise InvalidInput(f"{path}: unreadable users file ({e})") from None
    users = data.get("users", {})
    if not isinstance(users, dict):
        raise InvalidInput(f"{path}: 'users' must be a table of users")
    out: dict[str, _Entry] = {}
    for raw_name, entry in users.items():
        if not isinstance(entry, dict):
            raise InvalidInput(f"{path}: user {raw_name!r} must be a table")
        name = normalise_name(str(raw_name))
        role = _check_role(str(entry.get("role", "")))
        h = entry.get("hash")
        if h is not None and (not isinstance(h, str) or not h.startswith("$argon2")):
            raise InvalidInput(f"{path}: user {name}: 'hash' must be an argon2 hash")
        out[name] = _Entry(role, h)
    return out


def load_users(path: Path | None = None) -> dict[str, _Entry]:
    """The users file as ``{name: entry}`` (cached until the file changes). A missing
    file means no users. A file others may read or write is refused."""
    p = path or users_path()
    try:
        st = p.stat()
    except FileNotFoundError:
        return {}
    _check_mode(p, st)
    sig = (st.st_mtime_ns, st.st_size)
    with _cache_lock:
        hit = _cache.get(p)
        if hit and hit[0] == sig:
            return hit[1]
    users = _parse(p, p.read_text(encoding="utf-8"))
    with _cache_lock:
        _cache[p] = (sig, users)
    return users


def _dump(path: Path, users: Mapping[str, _Entry]) -> str:
    if path.suffix == ".json":
        body = {
            "users": {
                n: ({"role": e.role, "hash": e.hash} if e.hash else {"role": e.role})
                for n, e in sorted(users.items())
            }
        }
        return json.dumps(body, indent=2, sort_keys=True) + "\n"
    # json.dumps of an ASCII-escaped string is a valid TOML basic string.
    lines = [
        "# ClueGraph users and roles. Managed with `cluegraph users`; keep it mode 0600.",
        f"# Roles: {', '.join(PERMISSIONS)}. Hashes are argon2id.",
        "",
    ]
    for n, e in sorted(users.items()):
        lines.append(f"[users.{json.dumps(n)}]")
        lines.append(f"role = {json.dumps(e.role)}")
        if e.hash:
            lines.append(f"hash = {json.dumps(e.hash)}")
        lines.append("")
    return "\n".join(lines)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _save(path: Path, users: Mapping[str, _Entry]) -> None:
    """Write atomically (temporary file, fsync, rename), mode 0600."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, _dump(path, users).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    with contextlib.suppress(OSError):
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    with _cache_lock:
        _cache.pop(path, None)


def _edit(path: Path | None, change: Callable[[dict[str, _Entry]], None]) -> None:
    p = path or users_path()
    with _locked(p):
        users = dict(load_users(p))
        change(users)
        _save(p, users)


def add_user(name: str, role: str, password: str | None, *, path: Path | None = None) -> User:
    """Add a user. ``password=None`` makes a proxy-only user (no password login)."""
    n, r = normalise_name(name), _check_role(role)
    h = None
    if password is not None:
        check_password(password, n)
        h = hash_password(password)

    def change(users: dict[str, _Entry]) -> None:
        if n in users:
            raise InvalidInput(f"user {n} already exists (use `cluegraph users passwd`)")
        users[n] = _Entry(r, h)

    _edit(path, change)
    return User(n, r)


def set_password(name: str, password: str, *, path: Path | None = None) -> None:
    n = normalise_name(name)
    check_password(password, n)
    h = hash_password(password)

    def change(users: dict[str, _Entry]) -> None:
        if n not in users:
            raise InvalidInput(f"no user {n}")
        users[n] = _Entry(users[n].role, h)

    _edit(path, change)
    _lockout.clear(n)


def set_role(name: str, role: str, *, path: Path | None = None) -> User:
    n, r = normalise_name(name), _check_role(role)

    def change(users: dict[str, _Entry]) -> None:
        if n not in users:
            raise InvalidInput(f"no user {n}")
        users[n] = _Entry(r, users[n].hash)

    _edit(path, change)
    return User(n, r)


def remove_user(name: str, *, path: Path | None = None) -> None:
    n = normalise_name(name)

    def change(users: dict[str, _Entry]) -> None:
        if n not in users:
            raise InvalidInput(f"no user {n}")
        del users[n]

    _edit(path, change)


def list_users(path: Path | None = None) -> list[User]:
    return [User(n, e.role) for n, e in sorted(load_users(path).items())]


def get_user(name: str, *, path: Path | None = None) -> User | None:
    """The user as the users file has them now (role changes and removals show at once)."""
    try:
        n = normalise_name(name)
    except InvalidInput:
        return None
    e = load_users(path).get(n)
    return User(n, e.role) if e else None


# ------------------------------------------------------------------ logins
class Lockout:
    """Failed logins per user name (known or unknown alike, so it reveals nothing).

    In memory, per process: the app is one process; a restart clears it.
    """

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        minutes: float = LOCKOUT_MINUTES,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_failures, self.window, self.clock = max_failures, minutes * 60.0, clock
        self._fails: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        fails = [t for t in self._fails.get(key, []) if now - t < self.window]
        if fails:
            self._fails[key] = fails
        else:
            self._fails.pop(key, None)
        return fails

    def locked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, self.clock())) >= self.max_failures

    def fail(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            self._recent(key, now)
            self._fails.setdefault(key, []).append(now)

    def clear(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)


_lockout = Lockout()
_dummy_hash: str | None = None


def _dummy_verify(password: str) -> None:
    """Spend the time of a real verification, so unknown names answer as slowly."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("cluegraph-no-such-user-" + os.urandom(8).hex())
    with contextlib.suppress(argon2_exc.Argon2Error):
        _hasher.verify(_dummy_hash, password)


def _lock_key(username: str) -> str:
    return (username or "").strip().lower()[:128]


def is_locked(username: str, *, lockout: Lockout | None = None) -> bool:
    """Whether logins for this name are paused (true for unknown names too)."""
    return (lockout or _lockout).locked(_lock_key(username))


def authenticate(
    username: str,
    password: str,
    *,
    path: Path | None = None,
    lockout: Lockout | None = None,
) -> User | None:
    """The user when the name and password match, else None.

    Every failure looks the same and takes about as long (unknown name, wrong password,
    proxy-only user, locked name). After :data:`MAX_FAILURES` failures a name is locked
    for :data:`LOCKOUT_MINUTES`, even for the right password. Show :data:`LOGIN_FAILED`
    (or :data:`LOCKED_OUT` when :func:`is_locked`) and nothing else.
    """
    lo = lockout or _lockout
    key = _lock_key(username)
    password = password if isinstance(password, str) else ""
    if len(password) > MAX_PASSWORD:
        password = password[:MAX_PASSWORD]
    if lo.locked(key):
        _dummy_verify(password)
        return None
    try:
        name = normalise_name(username)
        entry = load_users(path).get(name)
    except InvalidInput:
        # A bad name, or a users file that is unreadable or has the wrong mode: no login.
        # (The CLI and the app's startup check report a bad file to the operator.)
        entry, name = None, ""
    if entry is None or not entry.hash:
        _dummy_verify(password)
        lo.fail(key)
        return None
    try:
        _hasher.verify(entry.hash, password)
    except (argon2_exc.VerificationError, argon2_exc.InvalidHashError):
        lo.fail(key)
        return None
    lo.clear(key)
    if _hasher.check_needs_rehash(entry.hash):
        with contextlib.suppress(Exception):
            set_password(name, password, path=path)
    return User(name, entry.role)


def user_from_headers(
    headers: Mapping[str, str] | None,
    *,
    settings: Settings | None = None,
    path: Path | None = None,
) -> User | None:
    """Trusted-proxy mode: the user named by ``settings.auth_header``, with the role the
    users file gives them. None when the mode is off, the header is absent, or the name
    is not in the users file.

    Only safe behind a reverse proxy that authenticates the person, sets this header and
    strips it from every client request; see docs/security.md.
    """
    s = settings or get_settings()
    if not s.auth_header or not headers:
        return None
    want = s.auth_header.strip().lower()
    value = next((v for k, v in headers.items() if str(k).strip().lower() == want), None)
    if not value:
        return None
    return get_user(str(value), path=path or users_path(s))


def require(
    user: User | None,
    action: str,
    *,
    demo: bool | None = None,
    driver: Any = None,
    params: Mapping[str, Any] | None = None,
) -> None:
    """Raise :class:`graph.errors.Forbidden` unless ``user`` may do ``action``.

    Call it first in every query-layer function that acts for a person. With ``driver``,
    a refusal is written to the audit trail (outcome ``refused``).
    """
    msg = refusal(user, action, demo=demo)
    if msg is None:
        return
    if driver is not None:
        audit.refuse(driver, user, action, params, msg)
    raise Forbidden(msg)


F = TypeVar("F", bound=Callable[..., Any])


def requires(action: str, *, demo: bool | None = None) -> Callable[[F], F]:
    """Decorator: the call needs ``user=`` with the right to ``action``.

    The wrapped function receives ``user`` when it has such a parameter. When it has a
    ``driver`` parameter, refusals are audited.

    >>> @requires("export")
    ... def export_leads(driver=None, *, user): return "ok"
    >>> export_leads(user=User("c", "coordinator"))
    'ok'
    """
    if action not in Action._value2member_map_:
        raise ValueError(f"unknown action: {action!r}")

    def deco(fn: F) -> F:
        sig = inspect.signature(fn)
        takes_user = "user" in sig.parameters

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if takes_user:
                bound = sig.bind_partial(*args, **kwargs)
                user = bound.arguments.get("user")
            else:
                user = kwargs.pop("user", None)
                bound = sig.bind_partial(*args, **kwargs)
            drv = bound.arguments.get("driver")
            require(user, action, demo=demo, driver=drv, params={"function": fn.__qualname__})
            return fn(*args, **kwargs)

        wrapper.__requires__ = action  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return deco


# ------------------------------------------------------------------ sessions
@dataclass
class Session:
    """An app login that ends after ``minutes`` without activity.

    >>> t = [0.0]
    >>> s = Session(User("ana", "analyst"), minutes=30, clock=lambda: t[0])
    >>> t[0] = 29 * 60; s.expired()
    False
    >>> s.touch(); t[0] += 31 * 60; s.expired()
    True
    """

    user: User
    minutes: float = field(default_factory=lambda: float(get_settings().session_minutes))
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    started: float = field(init=False)
    last_seen: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.last_seen = self.clock()

    def expired(self) -> bool:
        return self.clock() - self.last_seen > self.minutes * 60.0

    def touch(self) -> None:
        """Record activity (call on every page run while logged in)."""
        if self.expired():
            raise Forbidden("the session has expired; log in again")
        self.last_seen = self.clock()

    def remaining(self) -> float:
        """Seconds before the session ends without activity."""
        return max(0.0, self.minutes * 60.0 - (self.clock() - self.last_seen))

    def current_user(self, *, path: Path | None = None) -> User:
        """The session's user as the users file has them now; ``Forbidden`` when the
        session expired or the user was removed. Call it once per page run."""
        self.touch()
        now = get_user(self.user.name, path=path)
        if now is None:
            raise Forbidden("this user no longer exists; log in again")
        self.user = now
        return now
