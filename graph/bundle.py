"""Bundles: the whole graph (or one case) as JSON Lines, for backups and for moving a
case to another unit.

A bundle is a folder with three files:

``nodes.jsonl``
    one node per line: ``{"label", "labels", "key", "props"}``; ``label`` is the node's
    primary label (the first of :data:`graph.schema.KEYS` it has), ``key`` its natural
    key property (null for a node that lacks it), ``props`` every property, provenance
    included.
``relationships.jsonl``
    one relationship per line: ``{"type", "start", "end", "props"}``; ``start`` and
    ``end`` name the nodes by label and natural key (``{"label", "key", "value"}``), or
    by all their properties when they lack a key (``{"label", "key": null, "props"}``).
    Element ids never appear.
``manifest.json``
    format and schema version, creation time, scope, counts, and the SHA-256 and line
    count of both files. It is written last: a bundle without it is incomplete.

Values JSON cannot hold carry a type tag: ``{"$date": "2024-01-31"}``, ``{"$datetime":
"...+01:00", "zone": "Europe/Paris"}``, ``{"$localdatetime"}``, ``{"$time"}``,
``{"$localtime"}``, ``{"$duration": {...}}``, ``{"$point": {"srid", "coords"}}``,
``{"$float": "nan"}``, ``{"$bytes": base64}``. Lines are canonical (sorted keys, fixed
order), so exporting the same graph twice gives the same bytes.

:func:`import_bundle` checks the manifest and hashes and validates every line before
writing anything, then ``MERGE``\\ s nodes on their natural key and relationships on
(start, type, end) in batches: re-running it changes nothing, and an interrupted import
can simply be run again. Labels and relationship types come from the allow-lists of
:mod:`graph.schema`; a bundle naming anything else is refused. Existing audit events
are never modified.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j
import neo4j.time as nt
import pytz  # type: ignore[import-untyped]  # neo4j's own dependency; keeps DST folds
from neo4j.spatial import CartesianPoint, Point, WGS84Point

from graph import db, indexversion, queries
from graph.errors import GraphError, InvalidInput, NotFound
from graph.schema import BOOKKEEPING_LABELS, KEYS, Label, Rel

FORMAT = "cluegraph-bundle"
FORMAT_VERSION = 1
NODES = "nodes.jsonl"
RELS = "relationships.jsonl"
MANIFEST = "manifest.json"
#: Labels in the order that decides a node's primary label.
ORDER = [lbl.value for lbl in KEYS]
KEY_OF = {lbl.value: k for lbl, k in KEYS.items()}
REL_TYPES = [r.value for r in Rel]
#: Labels whose existing nodes an import never changes.
IMMUTABLE = {Label.AUDIT_EVENT.value}
_PROP = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,199}$")

ProgressFn = Callable[[str, int], None]


def schema_version() -> int:
    from graph import schema

    return int(getattr(schema, "SCHEMA_VERSION", 1))


# ------------------------------------------------------------------ values
def _zone(tz: Any) -> str | None:
    if tz is None:
        return None
    name = getattr(tz, "zone", None) or getattr(tz, "key", None)
    return name if isinstance(name, str) else None


def encode(v: Any) -> Any:
    """A Neo4j property value as JSON (with type tags where JSON falls short).

    >>> encode(nt.Date(2024, 1, 31)), encode(float("inf")), encode([1, "a"])
    ({'$date': '2024-01-31'}, {'$float': 'inf'}, [1, 'a'])
    """
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return {"$float": "nan"}
        if math.isinf(v):
            return {"$float": "inf" if v > 0 else "-inf"}
        return v
    if isinstance(v, Point):  # before tuple: a Point is a tuple
        return {"$point": {"srid": v.srid, "coords": [encode(float(c)) for c in v]}}
    if type(v) in (list, tuple):  # exactly: Duration and Point are tuples too
        return [encode(x) for x in v]
    if isinstance(v, nt.DateTime):
        if v.tzinfo is None:
            return {"$localdatetime": v.iso_format()}
        out = {"$datetime": v.iso_format()}
        zone = _zone(v.tzinfo)
        if zone:
            out["zone"] = zone
        return out
    if isinstance(v, nt.Date):
        return {"$date": v.iso_format()}
    if isinstance(v, nt.Time):
        return {"$time" if v.tzinfo is not None else "$localtime": v.iso_format()}
    if isinstance(v, nt.Duration):
        return {
            "$duration": {
                "months": v.months,
                "days": v.days,
                "seconds": v.seconds,
                "nanoseconds": v.nanoseconds,
            }
        }
    if isinstance(v, bytes | bytearray):
        return {"$bytes": base64.b64encode(bytes(v)).decode("ascii")}
    # Python temporals (as the driver may hand back for parameters written natively)
    if isinstance(v, dt.datetime):
        return encode(nt.DateTime.from_native(v))
    if isinstance(v, dt.date):
        return encode(nt.Date.from_native(v))
    if isinstance(v, dt.time):
        return encode(nt.Time.from_native(v))
    raise InvalidInput(f"cannot put a {type(v).__name__} into a bundle")


_POINTS = {7203: CartesianPoint, 9157: CartesianPoint, 4326: WGS84Point, 4979: WGS84Point}


def decode(v: Any) -> Any:
    """The inverse of :func:`encode`; raises ValueError on anything that is not a
    property value."""
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return v
    if isinstance(v, list):
        out = [decode(x) for x in v]
        if any(isinstance(x, list) for x in out):
            raise ValueError("nested lists are not property values")
        return out
    if isinstance(v, dict):
        tags = [k for k in v if k.startswith("$")]
        if len(tags) != 1:
            raise ValueError("a map is not a property value")
        tag = tags[0]
        x = v[tag]
        extra = set(v) - {tag, "zone"}
        if extra or ("zone" in v and tag != "$datetime"):
            raise ValueError(f"unexpected keys in a {tag} value")
        if tag == "$float":
            return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[x]
        if tag == "$date":
            return nt.Date.from_iso_format(_s(x))
        if tag == "$localdatetime":
            return nt.DateTime.from_iso_format(_s(x))
        if tag == "$datetime":
            d = nt.DateTime.from_iso_format(_s(x))
            if d.tzinfo is None:
                raise ValueError("a $datetime needs an offset")
            zone = v.get("zone")
            return d.astimezone(pytz.timezone(_s(zone))) if zone else d
        if tag in ("$time", "$localtime"):
            t = nt.Time.from_iso_format(_s(x))
            if (t.tzinfo is None) != (tag == "$localtime"):
                raise ValueError(f"{tag} with the wrong offset form")
            return t
        if tag == "$duration":
            if not isinstance(x, dict) or set(x) != {"months", "days", "seconds", "nanoseconds"}:
                raise ValueError("a $duration needs months, days, seconds, nanoseconds")
            return nt.Duration(**{k: int(x[k]) for k in x})
        if tag == "$point":
            cls = _POINTS.get(int(x["srid"]))
            coords = [float(decode(c)) for c in x["coords"]]
            if cls is None or len(coords) != (3 if int(x["srid"]) in (9157, 4979) else 2):
                raise ValueError("unknown point")
            return cls(coords)
        if tag == "$bytes":
            return base64.b64decode(_s(x), validate=True)
        raise ValueError(f"unknown type tag {tag}")
    raise ValueError(f"{type(v).__name__} is not a property value")


def _s(x: Any) -> str:
    if not isinstance(x, str):
        raise ValueError("expected a string")
    return x


def line(obj: Any) -> str:
    """One canonical JSON line."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _props(p: Mapping[str, Any]) -> dict[str, Any]:
    return {k: encode(p[k]) for k in sorted(p)}


# ------------------------------------------------------------------ reading the graph
def _stream(driver: neo4j.Driver, query: str, params: Mapping[str, Any]) -> Iterator[Any]:
    try:
        with driver.session(database=db.database(), default_access_mode=neo4j.READ_ACCESS) as s:
            meta = {"app": "cluegraph", "query": "bundle"}
            yield from s.run(neo4j.Query(query, metadata=meta), dict(params))
    except GraphError:
        raise
    except Exception as e:
        raise db.translate(e) from e


def _scope_filter(var: str, scope: list[str] | None) -> str:
    return f" AND elementId({var}) IN $scope" if scope is not None else ""


def iter_nodes(driver: neo4j.Driver, scope: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every node with a known label as a bundle record, in canonical order."""
    for i, lbl in enumerate(ORDER):
        key = KEY_OF[lbl]
        q = (
            f"MATCH (n:`{lbl}`) WHERE NOT any(l IN labels(n) WHERE l IN $earlier)"
            + _scope_filter("n", scope)
            + f" RETURN labels(n) AS labels, properties(n) AS props, n.`{key}` AS k ORDER BY k"
        )
        keyless: list[dict[str, Any]] = []
        for r in _stream(driver, q, {"earlier": ORDER[:i], "scope": scope}):
            rec = {
                "label": lbl,
                "labels": sorted(r["labels"]),
                "key": key if r["k"] is not None else None,
                "props": _props(r["props"]),
            }
            if r["k"] is None:
                keyless.append(rec)
            else:
                yield rec
        yield from sorted(keyless, key=line)


_REL_Q = """
MATCH (a)-[r:`{t}`]->(b)
WHERE true {scope}
WITH a, r, b, [l IN labels(a) WHERE l IN $order][0] AS la,
     [l IN labels(b) WHERE l IN $order][0] AS lb
WITH a, r, b, la, lb,
     CASE WHEN la IS NULL THEN null ELSE a[$keys[la]] END AS ka,
     CASE WHEN lb IS NULL THEN null ELSE b[$keys[lb]] END AS kb
RETURN la, ka, lb, kb, properties(r) AS props,
       CASE WHEN ka IS NULL THEN properties(a) END AS pa,
       CASE WHEN kb IS NULL THEN properties(b) END AS pb
ORDER BY la, ka, lb, kb
"""


def _ref(label: str, key: Any, props: Mapping[str, Any] | None) -> dict[str, Any]:
    if key is not None:
        return {"label": label, "key": KEY_OF[label], "value": encode(key)}
    return {"label": label, "key": None, "props": _props(props or {})}


def iter_relationships(
    driver: neo4j.Driver, scope: list[str] | None = None, skipped: dict[str, int] | None = None
) -> Iterator[dict[str, Any]]:
    """Every relationship of a known type between known nodes, in canonical order."""
    for t in REL_TYPES:
        scope_q = _scope_filter("a", scope) + _scope_filter("b", scope)
        q = _REL_Q.format(t=t, scope=scope_q)
        group: list[dict[str, Any]] = []
        gkey: tuple | None = None
        for r in _stream(driver, q, {"order": ORDER, "keys": KEY_OF, "scope": scope}):
            if r["la"] is None or r["lb"] is None:
                if skipped is not None:
                    skipped["relationshipsToUnknownNodes"] = (
                        skipped.get("relationshipsToUnknownNodes", 0) + 1
                    )
                continue
            rec = {
                "type": t,
                "start": _ref(r["la"], r["ka"], r["pa"]),
                "end": _ref(r["lb"], r["kb"], r["pb"]),
                "props": _props(r["props"]),
            }
            k = (r["la"], line(encode(r["ka"])), r["lb"], line(encode(r["kb"])))
            if k != gkey:
                yield from sorted(group, key=line)
                group, gkey = [], k
            group.append(rec)
        yield from sorted(group, key=line)


def _unknown_counts(driver: neo4j.Driver) -> dict[str, int]:
    rows = db.records(
        driver,
        queries.bundle_unknown_counts(),
        order=[*ORDER, *BOOKKEEPING_LABELS],  # bookkeeping, not exported
        types=REL_TYPES,
        name="bundle.unknown",
    )
    return {"nodesWithUnknownLabels": rows[0]["n"], "relationshipsOfUnknownTypes": rows[0]["r"]}


def case_scope(driver: neo4j.Driver, case_id: str) -> list[str]:
    """Element ids (internal, never exported) of what a case bundle holds: the case, its
    agency and country, its series and their media, and what those show, depict, were
    taken with, geotagged at or shared by, with the places and countries clues point to.
    Hash sets, loads, audit events and other cases' nodes stay out."""
    rows = db.records(driver, queries.bundle_case_scope(), case=case_id, name="bundle.case_scope")
    if not rows or not rows[0]["ids"]:
        raise NotFound(f"no case {case_id!r}")
    return rows[0]["ids"]


# ------------------------------------------------------------------ export
class _Writer:
    def __init__(self, path: Path):
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(self.fd, 0o600)
        self.sha = hashlib.sha256()
        self.lines = 0
        self.bytes = 0
        self._buf: list[bytes] = []
        self._size = 0

    def write(self, text: str) -> None:
        b = (text + "\n").encode("utf-8")
        self.sha.update(b)
        self.lines += 1
        self.bytes += len(b)
        self._buf.append(b)
        self._size += len(b)
        if self._size > 1 << 20:
            self._flush()

    def _flush(self) -> None:
        data = b"".join(self._buf)
        while data:
            n = os.write(self.fd, data)
            data = data[n:]
        self._buf, self._size = [], 0

    def close(self) -> dict[str, Any]:
        self._flush()
        os.fsync(self.fd)
        os.close(self.fd)
        return {"sha256": self.sha.hexdigest(), "lines": self.lines, "bytes": self.bytes}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def export_bundle(
    driver: neo4j.Driver,
    dir: Path,
    *,
    case: str | None = None,
    overwrite: bool = False,
    user: Any = None,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Write the graph (or the case ``case``) to ``dir`` as a bundle; return the manifest.

    ``user``: an app :class:`graph.auth.User` needs the ``export`` right; any user
    (or a CLI name) is recorded in the audit trail. Files are mode 0600, the folder 0700:
    a bundle holds everything the graph holds.
    """
    from graph import audit, auth

    if isinstance(user, auth.User):
        auth.require(user, auth.Action.EXPORT, driver=driver, params={"bundle": case or "all"})
    d = Path(dir)
    if (d / MANIFEST).exists() and not overwrite:
        raise InvalidInput(f"{d} already holds a bundle; choose an empty folder or overwrite it")
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(d, 0o700)
    (d / MANIFEST).unlink(missing_ok=True)  # written last: its absence marks a partial bundle
    scope = case_scope(driver, case) if case else None
    skipped: dict[str, int] = {} if case else _unknown_counts(driver)
    node_counts: dict[str, int] = {}
    rel_counts: dict[str, int] = {}

    w = _Writer(d / NODES)
    try:
        for rec in iter_nodes(driver, scope):
            w.write(line(rec))
            node_counts[rec["label"]] = node_counts.get(rec["label"], 0) + 1
            if progress and w.lines % 10_000 == 0:
                progress("nodes", w.lines)
    finally:
        nodes_info = w.close()
    w = _Writer(d / RELS)
    try:
        for rec in iter_relationships(driver, scope, skipped):
            w.write(line(rec))
            rel_counts[rec["type"]] = rel_counts.get(rec["type"], 0) + 1
            if progress and w.lines % 10_000 == 0:
                progress("relationships", w.lines)
    finally:
        rels_info = w.close()
    manifest = {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "schemaVersion": schema_version(),
        "keys": KEY_OF,
        "createdAt": _now(),
        "scope": {"case": case} if case else {"all": True},
        "files": {NODES: nodes_info, RELS: rels_info},
        "counts": {
            "nodes": dict(sorted(node_counts.items())),
            "relationships": dict(sorted(rel_counts.items())),
        },
        "skipped": {k: v for k, v in sorted(skipped.items()) if v},
    }
    tmp = d / (MANIFEST + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, d / MANIFEST)
    if user is not None:
        audit.record(
            driver,
            user,
            "bundle.export",
            {"dir": str(d), "case": case},
            nodes_info["lines"] + rels_info["lines"],
        )
    return manifest


# ------------------------------------------------------------------ verify and import
def _sha256(path: Path) -> tuple[str, int, int]:
    h = hashlib.sha256()
    lines = size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            lines += chunk.count(b"\n")
            size += len(chunk)
    return h.hexdigest(), lines, size


def verify_bundle(dir: Path) -> dict[str, Any]:
    """Check the manifest, the files' SHA-256 and line counts; return the manifest."""
    d = Path(dir)
    mp = d / MANIFEST
    if not mp.is_file():
        raise InvalidInput(f"{d}: no {MANIFEST} (not a bundle, or an interrupted export)")
    try:
        m = json.loads(mp.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidInput(f"{mp}: unreadable manifest ({e})") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise InvalidInput(f"{mp}: not a ClueGraph bundle manifest")
    if m.get("formatVersion") != FORMAT_VERSION:
        raise InvalidInput(f"{mp}: bundle format {m.get('formatVersion')!r} is not supported")
    from graph import schema

    version = m.get("schemaVersion")
    if not (isinstance(version, int) and schema.MIN_SCHEMA_VERSION <= version <= schema_version()):
        raise InvalidInput(
            f"{mp}: schema version {m.get('schemaVersion')!r}, this ClueGraph has "
            f"{schema_version()}"
        )
    keys = m.get("keys") or {}
    wrong = {k: v for k, v in keys.items() if KEY_OF.get(k) != v} if isinstance(keys, dict) else 1
    if wrong:
        raise InvalidInput(f"{mp}: natural keys differ from this ClueGraph's ({wrong})")
    files = m.get("files")
    if not isinstance(files, dict):
        raise InvalidInput(f"{mp}: no file list")
    for name in (NODES, RELS):
        info = files.get(name)
        p = d / name
        if not isinstance(info, dict) or not p.is_file():
            raise InvalidInput(f"{d}: {name} is missing")
        sha, lines, size = _sha256(p)
        if sha != info.get("sha256") or lines != info.get("lines") or size != info.get("bytes"):
            raise InvalidInput(
                f"{p}: does not match the manifest (SHA-256, lines or size differ); "
                "the bundle was changed or damaged"
            )
    return m


def validate_bundle(dir: Path) -> dict[str, Any]:
    """:func:`verify_bundle`, then parse and check every line (labels and types on the
    allow-lists, keys, property names and values). Returns the manifest."""
    d = Path(dir)
    manifest = verify_bundle(d)
    for _ in _node_rows(d / NODES):
        pass
    for _ in _rel_rows(d / RELS):
        pass
    return manifest


@dataclass
class ImportReport:
    dir: str
    nodes: int = 0
    relationships: int = 0
    counters: dict[str, int] = field(default_factory=dict)

    def add(self, c: Mapping[str, int]) -> None:
        for k, v in c.items():
            self.counters[k] = self.counters.get(k, 0) + int(v)


def _bad(file: str, n: int, what: str) -> InvalidInput:
    return InvalidInput(f"{file} line {n}: {what}")


def _check_props(props: Any, file: str, n: int) -> dict[str, Any]:
    if not isinstance(props, dict):
        raise _bad(file, n, "props must be an object")
    out: dict[str, Any] = {}
    for k, v in props.items():
        if not isinstance(k, str) or not _PROP.match(k):
            raise _bad(file, n, f"property name {str(k)[:40]!r} is not allowed")
        try:
            out[k] = decode(v)
        except (ValueError, KeyError, TypeError, OverflowError, pytz.UnknownTimeZoneError) as e:
            raise _bad(file, n, f"property {k}: {e}") from None
    return out


def _check_ref(ref: Any, file: str, n: int, end: str) -> tuple[str, str | None, Any]:
    if not isinstance(ref, dict) or ref.get("label") not in KEY_OF:
        raise _bad(file, n, f"{end}: unknown or missing label")
    lbl, key = ref["label"], ref.get("key")
    if key is None:
        return lbl, None, _check_props(ref.get("props"), file, n)
    if key != KEY_OF[lbl]:
        raise _bad(file, n, f"{end}: {lbl} is keyed on {KEY_OF[lbl]}, not {str(key)[:40]!r}")
    try:
        return lbl, key, decode(ref.get("value"))
    except ValueError as e:
        raise _bad(file, n, f"{end}: {e}") from None


def _read(path: Path) -> Iterator[tuple[int, Any]]:
    with open(path, encoding="utf-8") as fh:
        for n, text in enumerate(fh, 1):
            try:
                yield n, json.loads(text)
            except ValueError as e:
                raise _bad(path.name, n, f"not JSON ({e})") from None


def _node_rows(path: Path) -> Iterator[tuple[tuple, dict[str, Any]]]:
    for n, rec in _read(path):
        if not isinstance(rec, dict) or rec.get("label") not in KEY_OF:
            raise _bad(path.name, n, "unknown or missing label")
        lbl = rec["label"]
        labels = rec.get("labels")
        if not isinstance(labels, list) or lbl not in labels:
            raise _bad(path.name, n, "labels must list the label")
        extra = sorted(x for x in labels if x != lbl)
        if any(x not in KEY_OF for x in extra):
            raise _bad(path.name, n, "unknown label")
        props = _check_props(rec.get("props"), path.name, n)
        key = rec.get("key")
        if key is not None:
            if key != KEY_OF[lbl]:
                raise _bad(path.name, n, f"{lbl} is keyed on {KEY_OF[lbl]}")
            if props.get(key) is None:
                raise _bad(path.name, n, f"the key property {key} is missing")
            row = {"key": props[key], "props": props}
        else:
            if props.get(KEY_OF[lbl]) is not None:
                raise _bad(path.name, n, f"key is null but {KEY_OF[lbl]} is set")
            row = {"props": props}
        yield (lbl, key is not None, tuple(extra)), row


def _rel_rows(path: Path) -> Iterator[tuple[tuple, dict[str, Any]]]:
    for n, rec in _read(path):
        if not isinstance(rec, dict) or rec.get("type") not in REL_TYPES:
            raise _bad(path.name, n, "unknown or missing relationship type")
        la, ka, va = _check_ref(rec.get("start"), path.name, n, "start")
        lb, kb, vb = _check_ref(rec.get("end"), path.name, n, "end")
        props = _check_props(rec.get("props"), path.name, n)
        yield (
            (rec["type"], la, ka is not None, lb, kb is not None),
            {
                "start": va,
                "end": vb,
                "props": props,
            },
        )


def _node_query(lbl: str, keyed: bool, extra: tuple[str, ...]) -> str:
    add = "".join(f"SET n:`{x}`\n" for x in extra)
    if keyed:
        on_match = "" if lbl in IMMUTABLE else "ON MATCH SET n += row.props\n"
        return (
            f"UNWIND $rows AS row\nMERGE (n:`{lbl}` {{`{KEY_OF[lbl]}`: row.key}})\n"
            f"ON CREATE SET n = row.props\n{on_match}{add}"
        )
    return (
        f"UNWIND $rows AS row\nOPTIONAL MATCH (m:`{lbl}`) WHERE properties(m) = row.props\n"
        f"WITH row, count(m) AS c WHERE c = 0\nCREATE (n:`{lbl}`) SET n = row.props\n{add}"
    )


def _match(var: str, lbl: str, keyed: bool, param: str) -> str:
    if keyed:
        return f"MATCH ({var}:`{lbl}` {{`{KEY_OF[lbl]}`: row.{param}}})\n"
    return f"MATCH ({var}:`{lbl}`) WHERE properties({var}) = row.{param}\n"


def _rel_query(t: str, la: str, ka: bool, lb: str, kb: bool) -> str:
    return (
        "UNWIND $rows AS row\n"
        + _match("a", la, ka, "start")
        + _match("b", lb, kb, "end")
        + f"MERGE (a)-[r:`{t}`]->(b)\n"
        "ON CREATE SET r = row.props\nON MATCH SET r += row.props\n"
        "RETURN count(*) AS n"
    )


def _batched(
    rows: Iterable[tuple[tuple, dict[str, Any]]], size: int
) -> Iterator[tuple[tuple, list[dict[str, Any]]]]:
    pending: dict[tuple, list[dict[str, Any]]] = {}
    for g, row in rows:
        b = pending.setdefault(g, [])
        b.append(row)
        if len(b) >= size:
            yield g, pending.pop(g)
    for g, b in pending.items():
        yield g, b


def import_bundle(
    driver: neo4j.Driver,
    dir: Path,
    *,
    batch: int = 1000,
    user: Any = None,
    progress: ProgressFn | None = None,
) -> ImportReport:
    """Verify ``dir``, validate every line, then MERGE its nodes and relationships.

    Nothing is written when the manifest, a hash or a line is wrong. Idempotent: a second
    run (or a run after an interruption) ends in the same graph. ``user``: an app user
    needs the ``load`` right; any user is recorded in the audit trail.
    """
    from graph import audit, auth

    if isinstance(user, auth.User):
        auth.require(user, auth.Action.LOAD, driver=driver, params={"bundle": str(dir)})
    d = Path(dir)
    manifest = validate_bundle(d)  # a refused bundle writes nothing
    db.apply_schema(driver)
    rep = ImportReport(str(d))
    # Media may change: the media indexes' version moves before and after the writes
    # (graph/indexversion.py), so no saved index is taken for fresh during or after.
    indexversion.bump(driver)
    for (lbl, keyed, extra), rows in _batched(_node_rows(d / NODES), batch):
        rep.add(
            db.write(driver, _node_query(lbl, keyed, extra), {"rows": rows}, name="bundle.nodes")
        )
        rep.nodes += len(rows)
        if progress:
            progress("nodes", rep.nodes)
    for g, rows in _batched(_rel_rows(d / RELS), batch):
        found = _write_counted(driver, _rel_query(*g), rows)
        if found != len(rows):
            raise GraphError(
                f"{RELS}: {len(rows) - found} {g[0]} relationship(s) name nodes that are "
                "not in the graph; the bundle is inconsistent"
            )
        rep.relationships += len(rows)
        if progress:
            progress("relationships", rep.relationships)
    if manifest.get("schemaVersion") != schema_version():
        db.migrate(driver)  # a bundle of an older schema: its data moves to this one
    indexversion.bump(driver)
    if user is not None:
        audit.record(
            driver,
            user,
            "bundle.import",
            {"dir": str(d), "scope": manifest.get("scope")},
            rep.nodes + rep.relationships,
        )
    return rep


def _write_counted(driver: neo4j.Driver, query: str, rows: list[dict[str, Any]]) -> int:
    """Run a relationship batch in a managed write transaction; return rows matched."""

    def work(tx: neo4j.ManagedTransaction) -> int:
        rec = tx.run(query, {"rows": rows}).single()
        return int(rec["n"]) if rec else 0

    try:
        with driver.session(database=db.database()) as ses:
            return ses.execute_write(work)
    except Exception as e:
        raise db.translate(e) from e


# ------------------------------------------------------------------ digest
def digest(
    driver: neo4j.Driver,
    *,
    exclude_labels: Iterable[str] = (),
    exclude_props: Iterable[str] = (),
) -> str:
    """SHA-256 of the graph's content in canonical form (no element ids): equal graphs
    give equal digests. Nodes with an excluded label, and relationships touching them,
    are left out; so are the excluded property names, everywhere."""
    skip_l, skip_p = set(exclude_labels), set(exclude_props)
    h = hashlib.sha256()

    def strip(p: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in p.items() if k not in skip_p}

    def ref(r: dict[str, Any]) -> dict[str, Any]:
        return {**r, "props": strip(r["props"])} if "props" in r else r

    for rec in iter_nodes(driver):
        if skip_l & set(rec["labels"]):
            continue
        h.update(line({**rec, "props": strip(rec["props"])}).encode() + b"\n")
    h.update(b"--\n")
    for rec in iter_relationships(driver):
        if rec["start"]["label"] in skip_l or rec["end"]["label"] in skip_l:
            continue
        out = {**rec, "start": ref(rec["start"]), "end": ref(rec["end"])}
        h.update(line({**out, "props": strip(rec["props"])}).encode() + b"\n")
    return h.hexdigest()
