"""The driver, and the read/write helpers every other module goes through.

Reads run in read transactions with a timeout, a row cap and metadata (query name,
user) so that they show in ``SHOW TRANSACTIONS`` and the query log. Writes run in
managed transactions, so the driver retries transient errors. Driver exceptions are
re-raised as :mod:`graph.errors` with a hint, and never carry credentials.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import neo4j
from neo4j import GraphDatabase, Query, RoutingControl
from neo4j import exceptions as nx

from graph import queries
from graph.config import Settings, get_settings
from graph.errors import (
    AuthFailed,
    GraphError,
    InvalidInput,
    NotReadOnly,
    QueryTimeout,
    ServiceUnavailable,
)
from graph.schema import Label, schema_statements

_lock = threading.Lock()
_drivers: dict[tuple, neo4j.Driver] = {}

START_HINT = "start the local server with `cluegraph db start`, or check NEO4J_URI"


@dataclass
class Result:
    """Rows of a read, as dicts keyed by column, and whether the row cap cut them."""

    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = False
    summary: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)


def connection(settings: Settings | None = None) -> tuple[str, tuple[str, str], str]:
    """URI, auth and database to use: ``NEO4J_URI`` if set, else the local server."""
    s = settings or get_settings()
    if s.neo4j_uri:
        missing = [
            n
            for n, v in (("NEO4J_USER", s.neo4j_user), ("NEO4J_PASSWORD", s.neo4j_password))
            if not v
        ]
        if missing:
            raise InvalidInput(
                f"NEO4J_URI is set but {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not",
                hint="set them, or unset NEO4J_URI to use the local server",
            )
        assert s.neo4j_user and s.neo4j_password
        return s.neo4j_uri, (s.neo4j_user, s.neo4j_password.get_secret_value()), s.neo4j_database
    pw_file = s.home / "neo4j-password"
    if not pw_file.exists():
        raise ServiceUnavailable(
            f"no local Neo4j has been set up in {s.home}", hint="`cluegraph db start`"
        )
    return s.local_uri, ("neo4j", pw_file.read_text(encoding="utf-8").strip()), "neo4j"


def get_driver(settings: Settings | None = None) -> neo4j.Driver:
    """The process's driver for the configured server (created once)."""
    s = settings or get_settings()
    uri, auth, _db = connection(s)
    key = (uri, auth[0], hash(auth[1]))
    with _lock:
        drv = _drivers.get(key)
        if drv is None:
            drv = GraphDatabase.driver(
                uri,
                auth=auth,
                max_connection_pool_size=50,
                connection_acquisition_timeout=30,
                max_transaction_retry_time=15,
                user_agent="cluegraph",
                connection_timeout=10,
                # Schema hints ("property key does not exist" on an empty graph) are
                # noise for users; real errors still raise.
                notifications_min_severity="OFF",
            )
            try:
                # Fail fast (and clearly) when the server is down or refuses us,
                # instead of retrying for seconds on the first query.
                drv.verify_connectivity()
            except Exception as e:
                drv.close()
                raise translate(e) from e
            _drivers[key] = drv
        return drv


def close_drivers() -> None:
    with _lock:
        for d in _drivers.values():
            d.close()
        _drivers.clear()


def database(settings: Settings | None = None) -> str:
    s = settings or get_settings()
    return s.neo4j_database if s.neo4j_uri else "neo4j"


def translate(e: Exception, params: Mapping[str, Any] | None = None) -> GraphError:
    """Turn a driver exception into one of ours, with a hint and no credentials.

    With ``params``, a value the driver could not send (text that is not valid Unicode,
    an integer beyond 64 bits) becomes :class:`InvalidInput` naming the parameter:
    nothing reached the server.
    """
    if isinstance(e, GraphError):
        return e
    if params is not None and isinstance(e, UnicodeError | OverflowError | TypeError):
        bad = unsendable(params)
        if bad:
            return InvalidInput(bad)
        if isinstance(e, UnicodeError):
            return InvalidInput("the query text is not valid Unicode (a lone surrogate)")
    if isinstance(e, nx.AuthError):
        return AuthFailed(
            "Neo4j refused the credentials",
            hint="check NEO4J_USER/NEO4J_PASSWORD, or the local password file",
        )
    if isinstance(e, nx.ServiceUnavailable | nx.SessionExpired | ConnectionError | OSError):
        return ServiceUnavailable("Neo4j is not reachable", hint=START_HINT)
    if isinstance(e, nx.Neo4jError):
        code = e.code or ""
        if "TransactionTimedOut" in code or "TransactionTimedOutClientConfiguration" in code:
            return QueryTimeout("the query ran past its time limit and was cancelled")
        if code.startswith("Neo.ClientError.Statement") or code.startswith(
            "Neo.ClientError.Procedure"
        ):
            return InvalidInput(f"Neo4j refused the query: {e.message}")
        if code.startswith("Neo.ClientError.Security"):
            return AuthFailed(f"Neo4j refused the operation: {e.message}")
        return GraphError(f"Neo4j error {code}: {e.message}")
    if isinstance(e, nx.DriverError):
        return GraphError(f"Neo4j driver error: {type(e).__name__}")
    raise e


#: Bolt integers are signed 64-bit.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def unsendable(params: Mapping[str, Any]) -> str | None:
    """Why a parameter value cannot be sent to Neo4j (None when every one can).

    >>> unsendable({"a": ["ok", "\\ud800"]})
    'parameter a: the text is not valid Unicode (a lone surrogate)'
    >>> unsendable({"n": 2**64}), unsendable({"x": 1, "y": {"z": [2.5, None]}})
    ('parameter n: the number is out of range (64-bit integers)', None)
    """

    def why(v: Any, depth: int = 0) -> str | None:
        if depth > 50:
            return "nested too deeply"
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeError:
                return "the text is not valid Unicode (a lone surrogate)"
        elif isinstance(v, bool):
            return None
        elif isinstance(v, int):
            if not INT_MIN <= v <= INT_MAX:
                return "the number is out of range (64-bit integers)"
        elif isinstance(v, Mapping):
            for k, x in v.items():
                if not isinstance(k, str):
                    return "map keys must be text"
                r = why(k, depth + 1) or why(x, depth + 1)
                if r:
                    return r
        elif isinstance(v, list | tuple):
            for x in v:
                r = why(x, depth + 1)
                if r:
                    return r
        return None

    for name, value in params.items():
        r = why(name) or why(value)
        if r:
            return f"parameter {str(name).encode('utf-8', 'backslashreplace').decode()}: {r}"
    return None


def _meta(name: str, user: str | None) -> dict[str, str]:
    meta = {"app": "cluegraph", "query": name}
    if user:
        meta["user"] = user
    return meta


def _query(text: str, name: str, user: str | None, timeout: float | None) -> Query:
    return Query(text, metadata=_meta(name, user), timeout=timeout)


def read(
    driver: neo4j.Driver,
    query: str,
    params: Mapping[str, Any] | None = None,
    *,
    name: str,
    limit: int | None = None,
    timeout: float | None = None,
    user: str | None = None,
    **kw: Any,
) -> Result:
    """Run a read query with timeout, row cap and audit metadata.

    Parameters go in ``params`` (needed for one called ``name``) or as keywords.
    """
    params = {**(params or {}), **kw}
    s = get_settings()
    cap = s.row_limit if limit is None else limit
    tmo = s.query_timeout if timeout is None else timeout

    @neo4j.unit_of_work(timeout=tmo or None, metadata=_meta(name, user))
    def work(tx: neo4j.ManagedTransaction) -> Result:
        res = tx.run(query, params)
        cols = list(res.keys())
        rows: list[dict[str, Any]] = []
        truncated = False
        for rec in res:
            if cap and len(rows) >= cap:
                truncated = True
                break
            rows.append(dict(rec.items()))
        res.consume()
        return Result(cols, rows, truncated)

    try:
        with driver.session(database=database(), default_access_mode=neo4j.READ_ACCESS) as ses:
            return ses.execute_read(work)
    except Exception as e:
        raise translate(e, params) from e


def write(
    driver: neo4j.Driver,
    query: str,
    params: Mapping[str, Any] | None = None,
    *,
    name: str,
    user: str | None = None,
    timeout: float | None = None,
    **kw: Any,
) -> dict[str, int]:
    """Run one write statement in a managed transaction; return its counters."""
    params = {**(params or {}), **kw}

    @neo4j.unit_of_work(timeout=timeout, metadata=_meta(name, user))
    def work(tx: neo4j.ManagedTransaction) -> dict[str, int]:
        summary = tx.run(query, params).consume()
        c = summary.counters
        return {
            "nodes_created": c.nodes_created,
            "nodes_deleted": c.nodes_deleted,
            "relationships_created": c.relationships_created,
            "relationships_deleted": c.relationships_deleted,
            "properties_set": c.properties_set,
        }

    try:
        with driver.session(database=database()) as ses:
            return ses.execute_write(work)
    except Exception as e:
        raise translate(e, params) from e


def write_records(
    driver: neo4j.Driver,
    query: str,
    params: Mapping[str, Any] | None = None,
    *,
    name: str,
    user: str | None = None,
    **kw: Any,
) -> list[dict]:
    """Run one write statement in a managed transaction; return the rows it returns."""
    params = {**(params or {}), **kw}

    @neo4j.unit_of_work(metadata=_meta(name, user))
    def work(tx: neo4j.ManagedTransaction) -> list[dict]:
        return [dict(r.items()) for r in tx.run(query, params)]

    try:
        with driver.session(database=database()) as ses:
            return ses.execute_write(work)
    except Exception as e:
        raise translate(e, params) from e


def records(
    driver: neo4j.Driver,
    query: str,
    params: Mapping[str, Any] | None = None,
    *,
    name: str,
    **kw: Any,
) -> list[dict]:
    """Uncapped read (for internal computations that must see everything)."""
    params = {**(params or {}), **kw}
    try:
        recs, _, _ = driver.execute_query(
            _query(query, name, None, None),
            params,
            database_=database(),
            routing_=RoutingControl.READ,
        )
    except Exception as e:
        raise translate(e, params) from e
    return [dict(r.items()) for r in recs]


# ------------------------------------------------------------------ read-only check
#: Plan operators that write or reach outside the graph. Matched case-insensitively
#: as prefixes of the operator type (Neo4j appends ``@neo4j``).
WRITE_OPERATORS = (
    "create",
    "merge",
    "delete",
    "detachdelete",
    "setproperty",
    "setproperties",
    "setlabels",
    "removelabels",
    "setnodeproperty",
    "setrelationshipproperty",
    "setnodepropertiesfrommap",
    "setrelationshippropertiesfrommap",
    "setpropertiesfrommap",
    "emptyresult",
    "loadcsv",
    "foreach",
    "transactionforeach",
    "transactionapply",
    "lockingmerge",
    "show",  # SHOW TRANSACTIONS/SETTINGS/...: administrative, may expose others' queries
    "terminate",
)

#: Procedures the console may call: read-only introspection only.
ALLOWED_PROCEDURES = frozenset(
    {
        "db.labels",
        "db.relationshiptypes",
        "db.propertykeys",
        "db.schema.visualization",
        "db.schema.nodetypeproperties",
        "db.schema.reltypeproperties",
    }
)


def _walk(plan: Any) -> Iterable[Any]:
    if plan is None:
        return
    yield plan
    children = getattr(plan, "children", None)
    if children is None and isinstance(plan, dict):
        children = plan.get("children", [])
    for c in children or []:
        yield from _walk(c)


def _op_type(op: Any) -> str:
    t = getattr(op, "operator_type", None)
    if t is None and isinstance(op, dict):
        t = op.get("operatorType", "")
    return str(t or "")


def _op_args(op: Any) -> dict:
    a = getattr(op, "arguments", None)
    if a is None and isinstance(op, dict):
        a = op.get("args", {})
    return dict(a or {})


def ensure_read_only(driver: neo4j.Driver, query: str, params: Mapping[str, Any]) -> None:
    """Refuse ``query`` unless ``EXPLAIN`` shows a plain read.

    The query type must be ``r``; the plan may hold no writing operator, no
    ``LOAD CSV`` and no procedure outside :data:`ALLOWED_PROCEDURES`. A read
    transaction alone does not stop every write on a single server, hence the check.
    """
    text = console_text(query)
    if not text:
        raise InvalidInput("the query is empty")
    bare = _strip_literals(text)
    if ";" in bare:
        raise NotReadOnly("only one statement at a time is allowed")
    if _USE.search(bare):
        # USE would send the query to another database (system, or another one on an
        # Enterprise server): the console reads ClueGraph's database only.
        raise NotReadOnly("refused: USE is not allowed; the console reads this database only")
    try:
        with driver.session(database=database(), default_access_mode=neo4j.READ_ACCESS) as ses:
            summary = ses.run(Query("EXPLAIN " + text, timeout=10), dict(params)).consume()
    except nx.Neo4jError as e:
        raise InvalidInput(f"Neo4j refused the query: {e.message}") from e
    except Exception as e:
        raise translate(e, params) from e
    qtype = summary.query_type
    if qtype != "r":
        kind = {
            "w": "writes",
            "rw": "reads and writes",
            "s": "changes the schema or administers the server",
        }.get(qtype or "", f"is of type {qtype!r}")
        raise NotReadOnly(f"refused: the query {kind}; the console is read-only")
    plan = summary.plan
    for op in _walk(plan):
        t = _op_type(op).lower().split("@")[0]
        if any(t.startswith(w) for w in WRITE_OPERATORS if w != "emptyresult"):
            raise NotReadOnly(f"refused: the plan contains {t!r}; the console only reads the graph")
        if "procedure" in t:
            args = _op_args(op)
            sig = str(args.get("Details") or args.get("Signature") or args.get("signature") or "")
            proc = sig.split("(")[0].strip().lower()
            if proc not in ALLOWED_PROCEDURES:
                raise NotReadOnly(
                    f"refused: procedure {proc or '(unknown)'} is not allowed in the console"
                )
    if _LOAD_CSV.search(bare):
        raise NotReadOnly("refused: LOAD CSV is not allowed in the console")


#: ``USE`` as a clause (not a property ``n.use`` or a parameter ``$use``).
_USE = re.compile(r"(?<![.$\w])use(?:\s+(?=\w)|\s*(?=`))", re.IGNORECASE)
_LOAD_CSV = re.compile(r"\bload\s+csv\b", re.IGNORECASE)


def console_text(query: str) -> str:
    """The statement the console checks and runs: trimmed, trailing ``;`` removed."""
    return query.strip().rstrip(";").strip()


def _strip_literals(text: str) -> str:
    """The query with string literals and comments blanked (for token checks).

    Quotes take backslash escapes; backticked names do not (a backtick inside one is
    doubled), as in Cypher.
    """
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if (text[j] == "\\" and c != "`") else 1
            out.append(" ")
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def run_read_only(
    driver: neo4j.Driver,
    query: str,
    params: Mapping[str, Any] | None = None,
    *,
    name: str = "console",
    limit: int | None = None,
    timeout: float | None = None,
    user: str | None = None,
) -> Result:
    """Check that ``query`` is read-only, then run it in a read transaction."""
    params = dict(params or {})
    ensure_read_only(driver, query, params)
    return read(
        driver,
        console_text(query),
        params,
        name=name,
        limit=limit,
        timeout=timeout,
        user=user,
    )


# ------------------------------------------------------------------ schema and admin
def apply_schema(driver: neo4j.Driver) -> int:
    """Apply ``schema.cypher`` and migrate data of older schema versions (both
    idempotent); return the number of schema statements run."""
    stmts = schema_statements()
    try:
        with driver.session(database=database()) as ses:
            for st in stmts:
                ses.run(st).consume()
            ses.run(queries.await_indexes()).consume()
            # The media indexes' version node (graph/indexversion.py), so that an index
            # saved on a fresh store already names its epoch.
            ses.run(queries.index_version_init()).consume()
    except Exception as e:
        raise translate(e) from e
    migrate(driver)
    write(driver, queries.schema_digest_set(), name="schema.digest_set", digest=schema_digest())
    return len(stmts)


def schema_digest() -> str:
    """What :func:`apply_schema` applies: the schema statements, the schema version and
    the migrations (a change to any gives another digest)."""
    from graph.schema import SCHEMA_VERSION

    parts = [f"schema {SCHEMA_VERSION}", *schema_statements(), queries.migrate_victim_age_band()]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def ensure_schema(driver: neo4j.Driver) -> int:
    """:func:`apply_schema` unless this store already has this schema: one read when it
    has (the digest :func:`apply_schema` leaves on the store's bookkeeping node), instead
    of every statement, the index wait and the migrations at the start of each command.
    A store emptied by ``db reset`` or a wipe loses the digest and gets the schema again;
    ``cluegraph db init`` always applies it. Returns the statements run (0 when none)."""
    rows = records(driver, queries.schema_digest(), name="schema.digest")
    if rows and rows[0]["digest"] == schema_digest():
        return 0
    return apply_schema(driver)


def migrate(driver: neo4j.Driver) -> dict[str, int]:
    """Bring data written under an older schema to the current one (idempotent).

    Schema 2: a Victim's ``ageBand`` moves onto its ``FEATURES`` relationships (the age
    band belongs to the appearance in a series). Returns what each step changed."""
    from graph import queries

    c = write(driver, queries.migrate_victim_age_band(), name="migrate.victim_age_band")
    return {"victimAgeBand": int(c.get("properties_set", 0))}


def constraints(driver: neo4j.Driver) -> list[dict]:
    return records(
        driver,
        queries.show_constraints(),
        name="show_constraints",
    )


def counts(driver: neo4j.Driver) -> tuple[int, int]:
    """Nodes and relationships of the model: bookkeeping nodes (``BOOKKEEPING_LABELS``,
    no relationships) are left out. Every count comes from Neo4j's count store
    (``count_model.cypher`` names each bookkeeping label: a label in a parameter would
    scan every node on Neo4j 5.26)."""
    rows = records(driver, queries.count_model(), name="count_all")
    return rows[0]["nodes"], rows[0]["rels"]


def server_info(driver: neo4j.Driver) -> dict[str, Any]:
    rows = records(
        driver,
        queries.server_components(),
        name="server_info",
    )
    nodes, rels = counts(driver)
    return {**rows[0], "nodes": nodes, "relationships": rels}


def reset(
    driver: neo4j.Driver, batch: int = 5_000, progress=None, *, keep_audit: bool = True
) -> int:
    """Delete every node and relationship in batches (safe on millions); return nodes deleted.

    Relationships go first, in batches, so that no single transaction has to detach a
    node with a huge number of them (that exhausts a small server's transaction memory).
    The audit trail is append-only and survives a reset unless ``keep_audit`` is False
    (the test fixtures start from a truly empty database).
    """
    total = 0
    keep = [Label.AUDIT_EVENT.value] if keep_audit else []
    try:
        with driver.session(database=database()) as ses:
            # Derived bookkeeping (the index version, stored clusters) first, not counted:
            # the count is of the model's nodes. The next version bump starts a new epoch.
            ses.run(queries.reset_bookkeeping()).consume()
            for what, stmt in (
                ("rels", queries.reset_relationships_batch()),
                ("nodes", queries.reset_nodes_batch()),
            ):
                while True:
                    rec = ses.run(stmt, batch=batch, keepLabels=keep).single()
                    c = rec["c"] if rec else 0
                    if what == "nodes":
                        total += c
                        if progress:
                            progress(total)
                    if c < batch:
                        break
    except Exception as e:
        raise translate(e) from e
    return total
