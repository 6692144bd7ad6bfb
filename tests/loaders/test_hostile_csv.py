"""Hostile strings through every loader field, and property-based tests of the CSV path.

Hostile strings (quotes, backticks, Cypher fragments, Unicode tricks, NUL) go through
every field of every CSV loader: each is either stored as data (exactly, or in the
loader's documented normal form) or refused with an error naming the line and field,
and nothing is executed: no node disappears, no label or relationship type appears,
the canary is untouched.

Property-based tests (hypothesis) feed thousands of malformed files through
``loaders.base.run_csv`` with the cases loader: no unhandled exception, and a refused
file writes nothing. The VICS and EXIF parsers get the same treatment at the end.
"""

from __future__ import annotations

import csv
import importlib
import io
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import db, names
from graph.schema import BOOKKEEPING_LABELS, KEYS, Label, Rel
from loaders import fields
from loaders.base import InvalidRecord, LoadReport, run_csv
from loaders.cases import CasesLoader
from loaders.vics import load_vics
from media.exif import read_exif
from media.facts import MediaError

HOSTILE = [
    "'",
    '"',
    "`",
    "\\",
    "'}) DETACH DELETE n //",
    '"}) DETACH DELETE n //',
    "`) DETACH DELETE n //",
    "x'}) WITH 1 AS x MATCH (n) DETACH DELETE n //",
    "$param",
    "$rows",
    "{{}}",
    "{id: 'x'}",
    "MATCH (n) DETACH DELETE n",
    "'; DROP CONSTRAINT Case_id; //",
    "CALL dbms.shutdown()",
    "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l",
    "\u202eexe.gpj",  # right-to-left override
    "zero\u200bwidth\u200djoin",
    "раураl",  # Cyrillic homoglyphs of 'paypal'
    "ＦＲ",  # fullwidth
    "a\x00b",
    '=HYPERLINK("http://x")',
    "<script>alert(1)</script>",
    "two\nlines",
    "comma, inside",
    "x" * 5000,
]

SHA = "ab" * 32
SEED = """
MERGE (co:Country {code: 'FR'}) SET co.name = 'France'
MERGE (a:Agency {id: 'AG1'}) SET a.name = 'Unit'
MERGE (a)-[:IN_COUNTRY]->(co)
MERGE (c:Case {id: 'C1'}) SET c.status = 'open'
MERGE (c)-[:OWNED_BY]->(a)
MERGE (s:Series {id: 'S1'}) SET s.name = 'Blue', s.status = 'unidentified'
MERGE (c)-[:INVESTIGATES]->(s)
MERGE (m:Media {sha256: $sha}) SET m.kind = 'image', m.md5 = $md5, m.sha1 = $sha1
MERGE (s)-[:CONTAINS]->(m)
MERGE (k:HashSet {id: 'CANARY'}) SET k.name = 'canary', k.note = 'must stay as it is'
"""

#: loader -> (module:Class, base row with {i} to make ids unique)
LOADERS = {
    "cases": (
        "loaders.cases:CasesLoader",
        {
            "case_id": "HC{i}",
            "title": "t",
            "agency_id": "AG1",
            "agency_name": "Unit",
            "country": "FR",
            "status": "open",
            "opened": "2020-01-01",
        },
    ),
    "series": (
        "loaders.series:SeriesLoader",
        {"series_id": "HS{i}", "name": "n", "case_id": "C1", "status": "unidentified"},
    ),
    "clues": (
        "loaders.clues:CluesLoader",
        {
            "target": "S1",
            "target_kind": "series",
            "type": "object",
            "label": "lamp {i}",
            "location_hint": "",
            "confidence": "0.5",
            "analyst": "ana",
            "noted_at": "2024-01-01",
        },
    ),
    "victims": (
        "loaders.victims:VictimsLoader",
        {
            "victim_id": "HV{i}",
            "series_id": "S1",
            "identified": "false",
            "identified_by": "",
            "identified_at": "",
            "age_band": "6-9",
            "sex": "F",
        },
    ),
    "accounts": (
        "loaders.accounts:AccountsLoader",
        {"target": SHA, "platform": "forum", "handle": "user{i}", "seen_at": "2024-01-01"},
    ),
}
CASES = [(name, col) for name, (_, base) in LOADERS.items() for col in base]


def _loader(target: str):
    mod, cls = target.split(":")
    return getattr(importlib.import_module(mod), cls)()


def _write_csv(path: Path, row: dict[str, str]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(list(row))
    w.writerow(list(row.values()))
    path.write_bytes(buf.getvalue().encode("utf-8"))


def _forms(v: str) -> set[str]:
    """The value as a loader may keep it: as is, or in a documented normal form."""
    nfkc = unicodedata.normalize("NFKC", v).strip()
    out = {v, v.strip(), nfkc, fields.text(v, 10**6), names.fold(v), nfkc.lstrip("@").strip()}
    out |= {x.casefold() for x in set(out)}
    return {x for x in out if x}


def _stored(driver, load_id: str, value: str) -> bool:
    rows = db.records(
        driver,
        "CALL () { MATCH (n) WHERE n.loadId = $id RETURN properties(n) AS p "
        "UNION ALL MATCH ()-[r]->() WHERE r.loadId = $id RETURN properties(r) AS p } "
        "RETURN collect(p) AS ps",
        id=load_id,
        name="t.stored",
    )
    texts: list[str] = []
    for p in rows[0]["ps"]:
        for x in p.values():
            texts.extend(str(y) for y in (x if isinstance(x, list) else [x]))
    return any(f in t for f in _forms(value) for t in texts)


def _resolved(driver, load_id: str) -> bool:
    rows = db.records(
        driver,
        "MATCH (:Clue)-[p:POINTS_TO]->() WHERE p.loadId = $id RETURN count(p) AS n",
        id=load_id,
        name="t.resolved",
    )
    return rows[0]["n"] > 0


def _shape(driver) -> dict:
    r = db.records(
        driver,
        "CALL () { MATCH (n) UNWIND labels(n) AS l RETURN collect(DISTINCT l) AS labels } "
        "CALL () { MATCH ()-[r]->() RETURN collect(DISTINCT type(r)) AS types } "
        "CALL () { MATCH (k:HashSet {id: 'CANARY'}) RETURN properties(k) AS canary } "
        "CALL () { MATCH (n) RETURN count(n) AS nodes } "
        "CALL () { MATCH (:Case {id: 'C1'})-[:INVESTIGATES]->(s:Series {id: 'S1'})"
        "-[:CONTAINS]->(:Media) RETURN count(s) AS chain } "
        "RETURN labels, types, canary, nodes, chain",
        name="t.shape",
    )[0]
    return r


def _check_error(e: InvalidRecord, col: str, value: str) -> str | None:
    # A quoted value with line breaks ends on a later line; either line names the record.
    if e.line not in (2, 2 + value.count("\n")) or not e.file.endswith(".csv"):
        return f"error does not name the file and line: {e}"
    if e.field not in (col, "", *LOADERS_FIELDS) or not str(e):
        return f"error does not name a field: {e}"
    return None


LOADERS_FIELDS = {c for _, base in LOADERS.values() for c in base}


@pytest.mark.neo4j
@pytest.mark.parametrize(("loader_name", "column"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_hostile_strings_are_stored_as_data_or_refused(driver, tmp_path, loader_name, column):
    target, base = LOADERS[loader_name]
    _loader(target)  # skip when the loader is not written yet
    db.write(driver, SEED, sha=SHA, md5="cd" * 16, sha1="ef" * 20, name="t.seed")
    known_labels = {lbl.value for lbl in Label} | set(BOOKKEEPING_LABELS)
    known_types = {r.value for r in Rel}
    start = _shape(driver)
    problems: list[str] = []
    for i, value in enumerate(HOSTILE):
        row = {k: v.format(i=i) for k, v in base.items()}
        row[column] = value
        p = tmp_path / f"{loader_name}-{column}-{i}.csv"
        _write_csv(p, row)
        before = _shape(driver)
        rep: LoadReport = run_csv(driver, _loader(target), p)
        after = _shape(driver)
        tag = f"{column}={value[:30]!r}"
        if rep.refused:
            problems.append(f"{tag}: whole file refused ({rep.refusal})")
        elif rep.errors:
            msg = _check_error(rep.errors[0], column, value)
            if msg:
                problems.append(f"{tag}: {msg}")
        elif column == "location_hint" and _resolved(driver, rep.load_id):
            pass  # a hint is not kept as text: it is resolved to a place (POINTS_TO)
        elif not _stored(driver, rep.load_id, value):
            problems.append(f"{tag}: loaded, but the value is nowhere in the graph")
        if not set(after["labels"]) <= known_labels or not set(after["types"]) <= known_types:
            problems.append(f"{tag}: new label or type {after['labels']} {after['types']}")
        if after["canary"] != start["canary"] or after["chain"] != 1:
            problems.append(f"{tag}: existing data changed")
        if not 0 <= after["nodes"] - before["nodes"] <= 4:
            problems.append(f"{tag}: node count went from {before['nodes']} to {after['nodes']}")
    assert problems == []


@pytest.mark.neo4j
def test_hostile_values_come_back_exactly(driver, tmp_path):
    """Free text is stored byte for byte (after the documented NFKC and control-character
    clean-up): what went in as a title comes back as that title."""
    rows = [
        {
            "case_id": f"HX{i}",
            "title": v,
            "agency_id": "AG1",
            "country": "FR",
        }
        for i, v in enumerate(HOSTILE)
        if len(v) <= 500
    ]
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(rows[0]), quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    p = tmp_path / "cases.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    rep = run_csv(driver, CasesLoader(), p)
    got = {
        r["id"]: r["title"]
        for r in db.records(driver, "MATCH (c:Case) RETURN c.id AS id, c.title AS title", name="t")
    }
    want = {r["case_id"]: fields.text(r["title"], 500) for r in rows}
    assert (rep.ok, got) == (True, want)


# ------------------------------------------------------------------ hypothesis: CSV path
HEADER = "case_id,title,agency_id,agency_name,country,status,opened"
COLS = HEADER.split(",")
GOOD = {
    "case_id": "C1",
    "title": "t",
    "agency_id": "A1",
    "agency_name": "n",
    "country": "FR",
    "status": "open",
    "opened": "2020-01-01",
}

cell = st.one_of(
    st.sampled_from(["", "FR", "fr", "France", "XX", "open", "closed", "2020-02-30", "C1", "A1"]),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.sampled_from(HOSTILE),
    st.just("\x00"),
)
row = st.lists(cell, min_size=0, max_size=9)
header = st.one_of(
    st.just(COLS),
    st.permutations(COLS),
    st.lists(st.sampled_from([*COLS, "extra", "", " case_id", "CASE_ID"]), max_size=9),
)
encoding = st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252", "utf-32"])


@st.composite
def csv_files(draw) -> bytes:
    head = draw(header)
    rows = draw(st.lists(row, max_size=12))
    huge = draw(st.sampled_from([0, 0, 0, 0, 5000, 999_000, 1_000_001, 1_500_000]))
    if huge and rows and rows[0]:
        rows[draw(st.integers(0, len(rows) - 1))][0:1] = ["y" * huge]
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE]))
    buf = io.StringIO()
    try:
        w = csv.writer(buf, quoting=quoting, lineterminator=newline, escapechar="\\")
        w.writerow(head)
        w.writerows(rows)
        text = buf.getvalue()
    except csv.Error:
        text = ",".join(head) + newline + newline.join(",".join(r) for r in rows)
    enc = draw(encoding)
    data = text.encode(enc, errors="replace")
    cut = draw(st.one_of(st.none(), st.integers(0, max(len(data), 1))))
    return data if cut is None else data[:cut]


def _run(path: Path, data: bytes, **kw) -> LoadReport:
    path.write_bytes(data)
    return run_csv(None if kw.pop("offline", True) else kw.pop("driver"), CasesLoader(), path, **kw)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hyp") / "input.csv"


def _report_is_sane(rep: LoadReport, *, lines: bool = True) -> bool:
    """A report, not a crash: refused with a reason, or errors that say where."""
    return (
        rep.read >= 0
        and (rep.refused == bool(rep.refusal))
        and all(
            isinstance(e, InvalidRecord) and str(e) and (e.line is not None or not lines)
            for e in rep.errors
        )
        and rep.written == 0
    )


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.binary(max_size=4096))
def test_random_bytes_never_crash_the_csv_path(scratch, data):
    assert _report_is_sane(_run(scratch, data, dry_run=True))


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=csv_files(), strict=st.booleans(), lenient=st.booleans())
def test_malformed_csv_never_crashes_the_csv_path(scratch, data, strict, lenient):
    assert _report_is_sane(_run(scratch, data, dry_run=True, strict=strict, lenient=lenient))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    good=st.integers(1, 30),
    bad=st.sampled_from(
        [
            b"\xff\xfe not utf-8 \x80\n",
            b'"unterminated, quote\n',
            b"C9,t,A1,n,FR,open\n",  # ragged
            b"C9,t,A1,n,FR,open,2020-01-01,extra\n",
            b"C9,t,A1,n,Atlantis,open,2020-01-01\n",
            b"C9,t,A1,n,FR,open,2020-13-45\n",
            b'C9,"' + b"z" * 1_100_000 + b'",A1,n,FR,open,2020-01-01\n',
            b"C\x009,t,A1,n,FR,open,2020-01-01\n",
        ]
    ),
    where=st.integers(0, 30),
)
def test_files_with_a_fatal_or_bad_record_follow_the_rules(scratch, good, bad, where):
    lines = [f"C{i},t,A1,n,FR,open,2020-01-01\n".encode() for i in range(good)]
    lines.insert(min(where, good), bad)
    rep = _run(scratch, (HEADER + "\n").encode() + b"".join(lines), dry_run=True, strict=True)
    # With --strict, one bad record or an unreadable file refuses the whole file.
    assert rep.refused and rep.refusal


# Real writes: a refused file writes nothing; an accepted one writes exactly its valid rows.
@pytest.mark.neo4j
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=csv_files(), strict=st.booleans())
def test_real_load_writes_nothing_when_refused_and_only_valid_rows_otherwise(
    neo4j_server, scratch, data, strict
):
    drv = db.get_driver()
    db.reset(drv, keep_audit=False)
    dry = _run(scratch, data, dry_run=True, strict=strict, lenient=True)
    rep = _run(scratch, data, offline=False, driver=drv, strict=strict, lenient=True)
    cases = db.records(drv, "MATCH (c:Case) RETURN count(c) AS n", name="t")[0]["n"]
    nodes = db.counts(drv)[0]
    if rep.refused:
        assert (dry.refused, nodes) == (True, 0)
    else:
        valid_ids = _valid_case_ids(scratch, lenient=True)
        assert (rep.written, cases) == (dry.read - dry.skipped, len(valid_ids))


def _valid_case_ids(path: Path, lenient: bool) -> set[str]:
    ids = set()
    for _line, r, err in CasesLoader().rows(path, lenient):
        if err is None and r is not None:
            ids.add(r["case_id"])
    return ids


def test_the_keys_the_checks_rely_on_exist():
    assert KEYS[Label.CASE] == "id"


# ------------------------------------------------------------------ hypothesis: VICS, EXIF
vics_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True),
        st.text(max_size=40),
        st.sampled_from(["", "0" * 32, "F" * 40, "a" * 64, "1", "5", "true", "PhotoDNA"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "MD5",
                    "md5",
                    "SHA1",
                    "SHA256",
                    "Category",
                    "Series",
                    "VictimIdentified",
                    "OffenderIdentified",
                    "IsDistributed",
                    "MediaSize",
                    "MediaID",
                    "Tags",
                    "PhotoDNA",
                    "Hashes",
                    "HashName",
                    "HashValue",
                    "Media",
                    "CaseID",
                    "value",
                ]
            ),
            inner,
            max_size=7,
        ),
    ),
    max_leaves=30,
)
CONTEXTS = [
    ("odata.metadata", "http://x/ProjectVic/DataModels/1.3.xml#Cases"),
    ("odata.metadata", "http://x/ProjectVic/DataModels/1.3.xml#Media"),
    (
        "@odata.context",
        "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media",
    ),
    ("@odata.context", "nonsense"),
]


@st.composite
def vics_files(draw) -> bytes:
    import json

    kind = draw(st.sampled_from(["vics", "vics", "json", "bytes", "truncated"]))
    if kind == "bytes":
        return draw(st.binary(max_size=2048))
    if kind == "json":
        doc = draw(vics_value)
    else:
        key, url = draw(st.sampled_from(CONTEXTS))
        doc = {key: url, "value": draw(st.one_of(st.lists(vics_value, max_size=6), vics_value))}
    data = json.dumps(doc, allow_nan=True).encode()
    return data[: draw(st.integers(0, len(data)))] if kind == "truncated" else data


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=vics_files(), strict=st.booleans())
def test_vics_parser_never_crashes_on_malformed_json(tmp_path_factory, data, strict):
    p = tmp_path_factory.getbasetemp() / "vics.json"
    p.write_bytes(data)
    rep = load_vics(None, p, "fuzz", dry_run=True, strict=strict)
    # VICS errors name the item and its JSON location instead of a line.
    assert _report_is_sane(rep, lines=False)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=st.one_of(
        st.binary(max_size=4096),
        st.builds(
            lambda head, body: head + body,
            st.sampled_from(
                [
                    b"\xff\xd8\xff\xe1",  # JPEG + APP1 (EXIF)
                    b"\xff\xd8\xff\xe1\xff\xff Exif\x00\x00MM\x00*",
                    b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00II*\x00",
                    b"II*\x00",  # TIFF
                    b"MM\x00*",
                    b"\x89PNG\r\n\x1a\n",
                    b"RIFF\x00\x00\x00\x00WEBPVP8X",
                ]
            ),
            st.binary(max_size=2048),
        ),
    )
)
def test_exif_reader_survives_malformed_files(tmp_path_factory, data):
    p = tmp_path_factory.getbasetemp() / "exif.jpg"
    p.write_bytes(data)
    try:
        read_exif(p)
    except MediaError:
        pass


# ------------------------------------------------------------------ hostile VICS and media fields
def _seeded(driver) -> dict:
    db.write(driver, SEED, sha=SHA, md5="cd" * 16, sha1="ef" * 20, name="t.seed")
    return _shape(driver)


def _unchanged(start: dict, after: dict, *, grown_by: int, chain: int | None = 1) -> list[str]:
    """Nothing executed: known labels and types only, the canary and the seeded chain
    intact (``chain=None``: media may join it), and no more nodes than the input could
    add."""
    problems = []
    if not set(after["labels"]) <= {lbl.value for lbl in Label} | set(BOOKKEEPING_LABELS):
        problems.append(f"new label: {after['labels']}")
    if not set(after["types"]) <= {r.value for r in Rel}:
        problems.append(f"new relationship type: {after['types']}")
    if after["canary"] != start["canary"] or not after["chain"] >= 1:
        problems.append("existing data changed")
    if chain is not None and after["chain"] != chain:
        problems.append(f"the seeded series holds {after['chain']} media")
    if not 0 <= after["nodes"] - start["nodes"] <= grown_by:
        problems.append(f"node count went from {start['nodes']} to {after['nodes']}")
    return problems


@pytest.mark.neo4j
def test_hostile_vics_fields_are_stored_as_data_or_refused(driver, tmp_path):
    """Series, Tags and PhotoDNA of every item, one hostile value each: stored (in the
    loader's normal form) on the LISTS relationship and the Media, or the item refused
    naming its index and field."""
    import json

    from loaders.vics import load_vics

    start = _seeded(driver)
    items = [
        {"MD5": f"{i + 1:032x}", "Category": 1, "Series": v, "Tags": [v], "PhotoDNA": v}
        for i, v in enumerate(HOSTILE)
    ]
    p = tmp_path / "hostile.json"
    doc = {"@odata.context": "http://x/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"}
    p.write_text(json.dumps({**doc, "value": items}), encoding="utf-8")
    rep = load_vics(driver, p, "hostile")
    import re

    refused = {int(re.search(r"\[(\d+)\]", e.field).group(1)): e for e in rep.errors}
    rows = {
        r["md5"]: r
        for r in db.records(
            driver,
            "MATCH (:HashSet {id: 'hostile'})-[l:LISTS]->(m:Media) "
            "RETURN m.md5 AS md5, l.series AS series, l.tags AS tags, m.photoDna AS dna",
            name="t",
        )
    }
    problems = _unchanged(start, _shape(driver), grown_by=len(HOSTILE) + 1)
    for i, v in enumerate(HOSTILE):
        tag = f"item {i} {v[:30]!r}"
        if i in refused:
            if refused[i].field.split(".")[-1] not in ("Series", "Tags", "PhotoDNA"):
                problems.append(f"{tag}: refused without naming the field ({refused[i]})")
            continue
        r = rows.get(f"{i + 1:032x}")
        if r is None:
            problems.append(f"{tag}: neither loaded nor refused")
            continue
        want_text = fields.text(v, 10**6)
        if r["series"] != (want_text or None):
            problems.append(f"{tag}: series stored as {str(r['series'])[:30]!r}")
        if (r["tags"] or []) != ([want_text] if want_text else []):
            problems.append(f"{tag}: tags stored as {str(r['tags'])[:30]!r}")
        if r["dna"] != (v.strip()[:4000] or None):
            problems.append(f"{tag}: PhotoDNA stored as {str(r['dna'])[:30]!r}")
    assert (rep.refused, problems) == (False, [])


@pytest.mark.neo4j
def test_hostile_hash_set_names_are_stored_as_data_or_refused(driver, tmp_path):
    import json

    from loaders.vics import load_vics, slug

    start = _seeded(driver)
    p = tmp_path / "one.json"
    doc = {"@odata.context": "http://x/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"}
    p.write_text(json.dumps({**doc, "value": [{"MD5": "12" * 16}]}), encoding="utf-8")
    problems = []
    for v in HOSTILE:
        tag = repr(v[:30])
        try:
            rep = load_vics(driver, p, v)
        except Exception as e:  # the point: report every value, do not stop at one
            problems.append(f"{tag}: {type(e).__name__}: {str(e)[:80]}")
            continue
        if rep.refused:
            if not rep.refusal.startswith("--hashset"):
                problems.append(f"{tag}: refused without naming --hashset ({rep.refusal})")
            continue
        got = db.records(
            driver, "MATCH (h:HashSet {id: $id}) RETURN h.name AS n", id=slug(v), name="t"
        )
        if [r["n"] for r in got] != [fields.text(v, 10**6)]:
            problems.append(f"{tag}: stored as {[str(r['n'])[:30] for r in got]}")
    problems += _unchanged(start, _shape(driver), grown_by=2 * len(HOSTILE) + 1)
    assert problems == []


def _jpeg(path: Path, *, make: str = "", model: str = "", serial: str = "") -> Path:
    import piexif
    from PIL import Image

    zeroth = {piexif.ImageIFD.Make: make.encode(), piexif.ImageIFD.Model: model.encode()}
    exif = {piexif.ExifIFD.BodySerialNumber: serial.encode()}
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", (64, 48), (len(path.name) * 7 % 255, 90, 160))
    img.save(path, "JPEG", exif=piexif.dump({"0th": zeroth, "Exif": exif}))
    return path


@pytest.mark.neo4j
@pytest.mark.parametrize("tag", ["make", "model", "serial"])
def test_hostile_exif_strings_are_data(driver, tmp_path, tag):
    """Camera make, model and serial from a file's EXIF: kept as text or dropped, never
    run; every file still loads."""
    from loaders.media import MediaLoadOptions, load_media

    start = _seeded(driver)
    folder = tmp_path / "exif"
    vals = [v for v in HOSTILE if "\x00" not in v]  # EXIF ASCII ends at the first NUL
    for i, v in enumerate(vals):
        _jpeg(folder / f"f{i:02d}.jpg", **{"make": "Canon", "model": "EOS", "serial": "1", tag: v})
    rep = load_media(driver, folder, MediaLoadOptions(case_id="C1", series_id="S1"))
    loaded = db.records(
        driver, "MATCH (m:Media) WHERE m.loadId = $id RETURN count(m) AS n", id=rep.load_id,
        name="t",
    )[0]["n"]  # fmt: skip
    problems = _unchanged(start, _shape(driver), grown_by=2 * len(vals) + 2, chain=None)
    assert (rep.refused, [str(e) for e in rep.errors], loaded, problems) == (
        False,
        [],
        len(vals),
        [],
    )


@pytest.mark.neo4j
@pytest.mark.parametrize("column", ["file", "series_id"])
def test_hostile_media_csv_fields_are_refused_by_line_and_field(driver, tmp_path, column):
    from loaders.media import MediaLoadOptions, load_media

    start = _seeded(driver)
    folder = tmp_path / "case"
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(["file", "series_id"])
    for i, v in enumerate(HOSTILE):
        _jpeg(folder / f"f{i:02d}.jpg", make="Canon", model="EOS", serial=str(i))
        w.writerow([v, "S1"] if column == "file" else [f"f{i:02d}.jpg", v])
    (folder / "media.csv").write_text(buf.getvalue(), encoding="utf-8")
    rep = load_media(driver, folder, MediaLoadOptions(case_id="C1", series_id="S1"))
    problems = _unchanged(start, _shape(driver), grown_by=3 * len(HOSTILE), chain=None)
    csv_errors = [str(e) for e in rep.errors if str(e).startswith("media.csv")]
    unnamed = [e for e in csv_errors if "line " not in e]
    assert (rep.refused, len(csv_errors) >= len(HOSTILE) - 2, unnamed, problems) == (
        False,
        True,
        [],
        [],
    )


@pytest.mark.neo4j
@pytest.mark.parametrize("option", ["case_id", "series_id"])
def test_hostile_media_load_options_are_refused(driver, tmp_path, option):
    from loaders.media import MediaLoadOptions, load_media

    start = _seeded(driver)
    folder = tmp_path / "case"
    _jpeg(folder / "one.jpg")
    problems = []
    for v in HOSTILE:
        opts = {"case_id": "C1", "series_id": "S1", option: v}
        try:
            rep = load_media(driver, folder, MediaLoadOptions(**opts))
        except Exception as e:  # the point: report every value, do not stop at one
            problems.append(f"{v[:30]!r}: {type(e).__name__}: {str(e)[:80]}")
            continue
        if not rep.refused or not rep.refusal:
            problems.append(f"{v[:30]!r}: not refused")
    problems += _unchanged(start, _shape(driver), grown_by=0)
    assert problems == []
