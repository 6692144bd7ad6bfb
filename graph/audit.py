"""The audit trail: who did what, when, with which parameters, and what came back.

Each event is written twice: a line appended to ``<home>/audit.jsonl`` (fsynced, mode
0600, for shipping to a log collector) and an ``(:AuditEvent)`` node created with
``CREATE``. Nothing in ClueGraph updates or deletes an event: this module has no such
function, and the console is read-only. When Neo4j is down the JSONL line is still
written and the returned event says the graph copy is missing (:func:`resync` adds it
later); when neither copy can be written, :class:`AuditFailed` is raised and the
action must not go ahead.

Parameters are stored as a JSON string with long values cut, and passwords, secrets and
the Neo4j credentials replaced by ``***``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import io
import json
import logging
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import neo4j

from graph import db, queries
from graph.config import Settings, get_settings
from graph.errors import Forbidden, GraphError, InvalidInput
from graph.rights import Action, refusal

log = logging.getLogger("cluegraph.audit")

OUTCOMES = ("ok", "refused", "error")
#: Longest kept string value, list length, map size and nesting depth in parameters.
MAX_VALUE = 300
MAX_ITEMS = 20
MAX_DEPTH = 3
MAX_JSON = 8000
REDACTED = "***"
_SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|pwd|secret|token|credential|api_?key|auth|cookie|session_?id|"
    r"private_?key",
    re.IGNORECASE,
)
#: Columns of the audit page and the audit export, in order.
COLUMNS = ["id", "at", "user", "action", "parameters", "resultCount", "outcome"]


class AuditFailed(GraphError):
    """The event could be written neither to the JSONL file nor to the graph."""


@dataclass
class AuditEvent:
    id: str
    at: dt.datetime
    user: str
    action: str
    parameters: str
    resultCount: int | None  # noqa: N815  (graph property name)
    outcome: str
    #: Where it was written; the graph error (one line, no credentials) if it was not.
    in_graph: bool = field(default=False, compare=False)
    in_file: bool = field(default=False, compare=False)
    error: str | None = field(default=None, compare=False)

    def as_record(self) -> dict[str, Any]:
        """The event as stored (graph properties; JSONL with ``at`` in ISO 8601)."""
        d = asdict(self)
        for k in ("in_graph", "in_file", "error"):
            d.pop(k)
        return d

    def json_line(self) -> str:
        d = self.as_record()
        d["at"] = iso(self.at)
        return json.dumps(d, ensure_ascii=False, sort_keys=True)


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def audit_path(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).home / "audit.jsonl"


# ------------------------------------------------------------------ parameters
def _known_secrets() -> set[str]:
    """The Neo4j password(s) in use, so that they never reach the trail by accident."""
    out: set[str] = set()
    with contextlib.suppress(Exception):
        s = get_settings()
        if s.neo4j_password:
            out.add(s.neo4j_password.get_secret_value())
        pw = s.home / "neo4j-password"
        if pw.exists():
            out.add(pw.read_text(encoding="utf-8").strip())
    return {x for x in out if len(x) >= 6}


def _clean(v: Any, depth: int, secrets: set[str]) -> Any:
    if v is None or isinstance(v, bool | int | float):
        return v
    if isinstance(v, str):
        # Text that is not valid Unicode (a lone surrogate from a URL or a form) is kept
        # with "?" in its place: the JSONL line and the node must still be written.
        v = v.encode("utf-8", "replace").decode("utf-8")
        for sec in secrets:
            if sec in v:
                v = v.replace(sec, REDACTED)
        return v if len(v) <= MAX_VALUE else v[:MAX_VALUE] + f"…[+{len(v) - MAX_VALUE}]"
    if isinstance(v, bytes | bytearray | memoryview):
        return f"<{len(bytes(v))} bytes>"
    if isinstance(v, Mapping):
        if depth >= MAX_DEPTH:
            return f"<map of {len(v)}>"
        out: dict[str, Any] = {}
        for i, (k, x) in enumerate(v.items()):
            if i >= MAX_ITEMS:
                out["…"] = f"+{len(v) - MAX_ITEMS} more"
                break
            key = str(k)[:100].encode("utf-8", "replace").decode("utf-8")
            out[key] = REDACTED if _SECRET_KEY.search(key) else _clean(x, depth + 1, secrets)
        return out
    if isinstance(v, list | tuple | set | frozenset):
        items = list(v)
        if depth >= MAX_DEPTH:
            return f"<list of {len(items)}>"
        kept = [_clean(x, depth + 1, secrets) for x in items[:MAX_ITEMS]]
        if len(items) > MAX_ITEMS:
            kept.append(f"…+{len(items) - MAX_ITEMS} more")
        return kept
    if isinstance(v, os.PathLike):
        return _clean(os.fspath(v), depth, secrets)
    if hasattr(v, "iso_format"):
        return v.iso_format()
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    name = getattr(v, "name", None)  # e.g. a User
    if isinstance(name, str):
        return _clean(name, depth, secrets)
    return _clean(str(v), depth, secrets)


def sanitise(params: Mapping[str, Any] | None) -> str:
    """Parameters as a short JSON string: secrets redacted, long values cut.

    >>> sanitise({"q": "x" * 400, "password": "hunter2hunter2"})[:30]
    '{"password": "***", "q": "xxxx'
    """
    cleaned = _clean(dict(params or {}), 0, _known_secrets())
    text = json.dumps(cleaned, ensure_ascii=False, sort_keys=True, default=str)
    if len(text) > MAX_JSON:
        text = json.dumps(
            {"…": f"parameters cut at {MAX_JSON} characters", "keys": sorted(cleaned)[:50]},
            ensure_ascii=False,
        )
    return text


def _user_name(user: Any) -> str:
    if user is None:
        return "anonymous"
    name = getattr(user, "name", user)
    return str(name)[:200]


# ------------------------------------------------------------------ writing
def _append(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        data = (line + "\n").encode("utf-8")
        while data:
            n = os.write(fd, data)
            data = data[n:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _create(driver: neo4j.Driver, ev: AuditEvent) -> None:
    """One auto-commit CREATE: not retried (a retry could duplicate the event, and a
    person should not wait for retries against a server that is down)."""
    q = neo4j.Query(
        queries.audit_create(), timeout=10, metadata={"app": "cluegraph", "query": "audit.record"}
    )
    try:
        with driver.session(database=db.database()) as ses:
            ses.run(q, ev.as_record()).consume()
    except Exception as e:
        raise db.translate(e) from e


def record(
    driver: neo4j.Driver | None,
    user: Any,
    action: str,
    params: Mapping[str, Any] | None = None,
    result_count: int | None = None,
    outcome: str = "ok",
    *,
    path: Path | None = None,
) -> AuditEvent:
    """Record one event: JSONL line first (fsynced), then the ``:AuditEvent`` node.

    Returns the event; ``event.in_graph`` is False (and ``event.error`` says why) when
    Neo4j could not take it (``driver=None`` writes the file only). Raises
    :class:`AuditFailed` when neither copy was written.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}")
    if not action or not isinstance(action, str):
        raise ValueError("an audit event needs an action")
    ev = AuditEvent(
        id=str(uuid.uuid4()),
        at=dt.datetime.now(dt.UTC),
        user=_user_name(user),
        action=action[:100],
        parameters=sanitise(params),
        resultCount=None if result_count is None else int(result_count),
        outcome=outcome,
    )
    file_error = None
    try:
        _append(path or audit_path(), ev.json_line())
        ev.in_file = True
    except OSError as e:
        file_error = f"audit file not written ({e.strerror or type(e).__name__})"
        log.error("audit event %s: %s", ev.id, file_error)
    if driver is not None:
        try:
            _create(driver, ev)
            ev.in_graph = True
        except Exception as e:  # any failure: the file copy stands, the caller is told
            why = str(e) if isinstance(e, GraphError) else type(e).__name__
            ev.error = f"audit event kept in the JSONL file only: {why}"
            log.warning("audit event %s kept in the JSONL file only: %s", ev.id, type(e).__name__)
    else:
        ev.error = "no graph connection: audit event kept in the JSONL file only"
    if not ev.in_file and not ev.in_graph:
        raise AuditFailed(f"the audit trail could not be written: {file_error}; {ev.error}")
    if file_error:
        ev.error = file_error
    return ev


def refuse(
    driver: neo4j.Driver | None,
    user: Any,
    action: str,
    params: Mapping[str, Any] | None,
    reason: str,
) -> None:
    """Record that ``user`` was refused ``action`` (outcome ``refused``), as best it can.

    The caller raises :class:`graph.errors.Forbidden` with ``reason`` next; a trail that
    cannot be written must not turn the refusal into another error, so failures are
    logged and dropped here.
    """
    try:
        record(driver, user, action, dict(params or {}), None, outcome="refused")
    except Exception as e:  # the refusal stands whatever happened to its trace
        log.warning("refusal of %s not recorded: %s (%s)", action, type(e).__name__, reason)


class Tracker:
    """What :func:`track` hands the caller: set ``count`` (and extra ``params``)."""

    def __init__(self, params: dict[str, Any]):
        self.params = params
        self.count: int | None = None
        self.event: AuditEvent | None = None


@contextlib.contextmanager
def track(
    driver: neo4j.Driver | None,
    user: Any,
    action: str,
    params: Mapping[str, Any] | None = None,
    *,
    path: Path | None = None,
) -> Iterator[Tracker]:
    """Audit a block: ``ok`` with ``t.count``, ``refused`` on Forbidden, ``error`` on any
    other exception (which propagates).

    >>> import tempfile
    >>> trail = Path(tempfile.mkdtemp()) / "audit.jsonl"
    >>> rows = ["S-1", "S-2"]
    >>> with track(None, "ana", "lead.run", {"name": "cross-country"}, path=trail) as t:
    ...     t.count = len(rows)
    >>> t.event.outcome, t.event.resultCount, t.event.in_file
    ('ok', 2, True)
    """
    t = Tracker(dict(params or {}))
    try:
        yield t
    except Forbidden:
        t.event = record(driver, user, action, t.params, None, "refused", path=path)
        raise
    except BaseException as e:
        t.params.setdefault("error", type(e).__name__)
        with contextlib.suppress(AuditFailed):
            t.event = record(driver, user, action, t.params, t.count, "error", path=path)
        raise
    t.event = record(driver, user, action, t.params, t.count, "ok", path=path)


def resync(driver: neo4j.Driver, *, path: Path | None = None, batch: int = 1000) -> int:
    """Add to the graph the events of the JSONL file that it lacks (after an outage).

    Existing events are never changed (``MERGE`` on the id, properties set on create
    only). Returns the number of events added.
    """
    p = path or audit_path()
    if not p.exists():
        return 0
    added = 0
    rows: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal added, rows
        if rows:
            added += db.write(driver, queries.audit_resync(), {"rows": rows}, name="audit.resync")[
                "nodes_created"
            ]
            rows = []

    with open(p, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                d["at"] = dt.datetime.fromisoformat(d["at"].replace("Z", "+00:00"))
                row = {k: d.get(k) for k in COLUMNS}
                if not row["id"] or row["outcome"] not in OUTCOMES:
                    raise ValueError("missing id or bad outcome")
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                raise InvalidInput(f"{p.name} line {n}: not an audit event ({e})") from None
            rows.append(row)
            if len(rows) >= batch:
                flush()
    flush()
    return added


# ------------------------------------------------------------------ reading
def _when(v: Any) -> dt.datetime | None:
    if v is None or v == "":
        return None
    if isinstance(v, str):
        try:
            v = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"not an ISO 8601 date or time: {v[:40]!r}") from None
    if isinstance(v, dt.datetime):
        return v if v.tzinfo else v.replace(tzinfo=dt.UTC)
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day, tzinfo=dt.UTC)
    raise InvalidInput("since/until must be a date, a datetime or an ISO 8601 string")


def events(
    driver: neo4j.Driver,
    user: str | None = None,
    action: str | None = None,
    since: Any = None,
    limit: int = 500,
    *,
    until: Any = None,
    outcome: str | None = None,
    viewer: Any = None,
) -> db.Result:
    """Audit events, newest first, filtered by user, action, outcome and time.

    With ``viewer`` (the app always passes it), the viewer needs ``view_audit`` and the
    view is itself recorded. ``Result.truncated`` says when more than ``limit`` matched.
    """
    if viewer is not None:
        msg = refusal(viewer, Action.VIEW_AUDIT)
        if msg is not None:
            refuse(driver, viewer, Action.VIEW_AUDIT, {"view": "audit"}, msg)
            raise Forbidden(msg)
    limit = max(1, min(int(limit), 100_000))
    params = {
        "user": user or None,
        "action": action or None,
        "outcome": outcome or None,
        "since": _when(since),
        "until": _when(until),
        "cap": limit + 1,
    }
    res = db.read(
        driver,
        queries.audit_events(),
        params,
        name="audit.events",
        limit=limit,
        user=_user_name(viewer),
    )
    for r in res.rows:
        if hasattr(r.get("at"), "to_native"):
            r["at"] = r["at"].to_native()
    if viewer is not None:
        shown = {k: v for k, v in params.items() if k != "cap" and v is not None}
        record(driver, viewer, "audit.view", shown, len(res.rows))
    return res


# ------------------------------------------------------------------ export
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return iso(v)
    s = str(v)
    # A spreadsheet must not run a formula hidden in a parameter value.
    return "'" + s if s.startswith(_FORMULA) else s


def write_events(
    rows: Iterable[Mapping[str, Any]] | db.Result, out: TextIO, fmt: str = "csv"
) -> int:
    """Write events (rows of :func:`events`) as CSV or JSONL to ``out``; return the count."""
    if isinstance(rows, db.Result):
        rows = rows.rows
    n = 0
    if fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([_csv_cell(r.get(c)) for c in COLUMNS])
            n += 1
    elif fmt == "jsonl":
        for r in rows:
            d = {c: r.get(c) for c in COLUMNS}
            if isinstance(d["at"], dt.datetime):
                d["at"] = iso(d["at"])
            out.write(json.dumps(d, ensure_ascii=False, sort_keys=True, default=str) + "\n")
            n += 1
    else:
        raise InvalidInput("the audit export format is csv or jsonl")
    return n


def export_events(
    driver: neo4j.Driver,
    fmt: str = "csv",
    *,
    viewer: Any = None,
    limit: int = 100_000,
    **filters: Any,
) -> str:
    """The filtered events as CSV or JSONL text (for a download button); audited."""
    res = events(driver, limit=limit, viewer=viewer, **filters)
    buf = io.StringIO()
    n = write_events(res, buf, fmt)
    if viewer is not None:
        record(driver, viewer, "audit.export", {"format": fmt, **filters}, n)
    return buf.getvalue()
