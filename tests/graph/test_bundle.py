"""Bundles: export -> wipe -> import -> export gives the same files; refusals write nothing."""

from __future__ import annotations

import json
import math
import stat
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from graph import audit, bundle, db
from graph.errors import InvalidInput, NotFound
from loaders.base import run_csv
from loaders.cases import CasesLoader

pytestmark = pytest.mark.neo4j

CASES = """case_id,title,agency_id,agency_name,country,status,opened
C1,Harbour,AG-FR,Brigade des mineurs,FR,open,2021-03-04
C2,Forest,AG-DE,LKA Kinderschutz,DE,closed,2019-11-30
C3,Lakes ,AG-FR,Brigade des mineurs,FR,open,
"""

SEED = """
MATCH (c1:Case {id: 'C1'}), (c2:Case {id: 'C2'}), (c3:Case {id: 'C3'})
CREATE (s1:Series {id: 'S1', name: 'Blue room', status: 'unidentified', source: 'series.csv',
                   loadId: 'series-1', loadedAt: '2024-01-01T00:00:00Z'}),
       (s2:Series {id: 'S2', name: 'Garden "quoted" \\\\ back', status: 'closed'}),
       (s3:Series {id: 'S3', name: 'Other case', status: 'unidentified'})
CREATE (c1)-[:INVESTIGATES {source: 'series.csv'}]->(s1), (c2)-[:INVESTIGATES]->(s2),
       (c3)-[:INVESTIGATES]->(s3)
CREATE (m1:Media {sha256: $sha_a,
                  kind: 'image', width: 640, height: 480, pdqQuality: 90,
                  capturedAt: datetime('2020-05-06T07:08:09.123456789[Europe/Paris]'),
                  seenOn: date('2021-02-03'), localSeen: localdatetime('2021-02-03T04:05:06.7'),
                  clock: time('10:11:12.000000013+02:00'), wall: localtime('08:09'),
                  age: duration('P1Y2M3DT4H5M6.000000007S'),
                  where: point({latitude: 46.2, longitude: 6.1}),
                  where3: point({x: 1.5, y: -2.0, z: 3.25}),
                  pdqCrops: ['ab', 'cd'], frameTimes: [0.0, 1.5, 2.25], nothing: [],
                  ratio: 0.1 + 0.2, big: 9007199254740993, weird: 0.0 / 0.0, inf: 1.0 / 0.0,
                  fileName: 'ünïcødé ‮txt.exe', flag: true}),
       (m2:Media {sha256: $sha_b,
                  kind: 'video', frames: ['00', '11']}),
       (m3:Media {kind: 'image', note: 'no hash yet'})
CREATE (s1)-[:CONTAINS]->(m1), (s2)-[:CONTAINS]->(m2), (c1)-[:HOLDS]->(m1), (s1)-[:CONTAINS]->(m3)
CREATE (cam:Camera {id: 'canon|eos|123', make: 'Canon', model: 'EOS', serial: '123'})
CREATE (m1)-[:TAKEN_WITH]->(cam), (m2)-[:TAKEN_WITH]->(cam)
CREATE (loc:Location {id: 'gps:46.2,6.1', kind: 'gps', lat: 46.2, lon: 6.1, countryCode: 'CH'})
CREATE (ch:Country {code: 'CH', name: 'Switzerland'})
CREATE (m1)-[:GEOTAGGED_AT {lat: 46.2, lon: 6.1}]->(loc), (loc)-[:IN_COUNTRY]->(ch)
CREATE (cl:Clue {id: 'logo:acme', type: 'logo', value: 'acme', label: 'ACME'})
CREATE (m1)-[:SHOWS {analyst: 'ana', confidence: 0.8,
                     notedAt: datetime('2024-02-02T10:00:00Z')}]->(cl),
       (s2)-[:SHOWS {analyst: 'bo'}]->(cl), (cl)-[:POINTS_TO {confidence: 0.5}]->(loc)
CREATE (v:Victim {id: 'V1', identified: false})
CREATE (s1)-[:FEATURES {ageBand: '6-9'}]->(v), (m1)-[:DEPICTS]->(v)
CREATE (acc:Account {id: 'forum:x', platform: 'forum', handle: 'x'})
CREATE (m2)-[:SHARED_BY {seenAt: date('2022-01-01')}]->(acc)
CREATE (hs:HashSet {id: 'HS1', name: 'stock', format: 'vics'})
CREATE (hs)-[:LISTS {category: 'non-pertinent'}]->(m2)
CREATE (s1)-[:LINKED {score: 0.9, kinds: ['same_camera'], evidence: '[]', crossCountry: true}]->(s2)
CREATE (m1)-[:NEAR_DUPLICATE {pdqDistance: 4, method: 'pdq'}]->(m2)
CREATE (:Location:Clue {id: 'both-1', name: 'two labels'})
"""


@pytest.fixture
def seeded(driver, tmp_path):
    p = tmp_path / "cases.csv"
    p.write_text(CASES, encoding="utf-8")
    rep = run_csv(driver, CasesLoader(), p)
    assert rep.ok, rep.error_lines()
    db.write(driver, SEED, sha_a="a" + "0" * 63, sha_b="b" + "0" * 63, name="test.seed")
    audit.record(driver, "ana", "lead.run", {"name": "cross-country"}, 3, path=tmp_path / "a.jsonl")
    return driver


def files(d: Path) -> dict[str, bytes]:
    return {n: (d / n).read_bytes() for n in (bundle.NODES, bundle.RELS)}


def manifest_without_time(d: Path) -> dict:
    m = json.loads((d / bundle.MANIFEST).read_text())
    m.pop("createdAt")
    return m


def test_round_trip_gives_identical_files(seeded, tmp_path):
    bundle.export_bundle(seeded, tmp_path / "one")
    db.reset(seeded, keep_audit=False)
    bundle.import_bundle(seeded, tmp_path / "one")
    bundle.export_bundle(seeded, tmp_path / "two")
    assert files(tmp_path / "one") == files(tmp_path / "two")


def test_round_trip_gives_identical_manifest_except_creation_time(seeded, tmp_path):
    bundle.export_bundle(seeded, tmp_path / "one")
    db.reset(seeded, keep_audit=False)
    bundle.import_bundle(seeded, tmp_path / "one")
    bundle.export_bundle(seeded, tmp_path / "two")
    assert manifest_without_time(tmp_path / "one") == manifest_without_time(tmp_path / "two")


def test_round_trip_gives_identical_graph(seeded, tmp_path):
    before = (db.counts(seeded), bundle.digest(seeded))
    bundle.export_bundle(seeded, tmp_path / "one")
    db.reset(seeded, keep_audit=False)
    bundle.import_bundle(seeded, tmp_path / "one")
    assert (db.counts(seeded), bundle.digest(seeded)) == before


def test_round_trip_keeps_temporal_spatial_and_special_values(seeded, tmp_path):
    bundle.export_bundle(seeded, tmp_path / "one")
    db.reset(seeded, keep_audit=False)
    bundle.import_bundle(seeded, tmp_path / "one")
    row = db.records(
        seeded,
        "MATCH (m:Media {kind: 'image'}) WHERE m.sha256 STARTS WITH 'a' "
        "RETURN m.capturedAt.timezone AS tz, m.capturedAt.nanosecond AS ns, "
        "m.where.srid AS srid, m.where3.z AS z, m.big AS big, m.weird AS weird, "
        "m.age.nanosecondsOfSecond AS dns, m.fileName AS fn, m.nothing AS nothing",
        name="t",
    )[0]
    assert (row["tz"], row["ns"], row["srid"], row["z"], row["big"], row["dns"], row["fn"]) == (
        "Europe/Paris",
        123456789,
        4326,
        3.25,
        9007199254740993,
        7,
        "ünïcødé \u202etxt.exe",
    )
    assert math.isnan(row["weird"]) and row["nothing"] == []


def test_import_twice_changes_nothing(seeded, tmp_path):
    bundle.export_bundle(seeded, tmp_path / "one")
    before = (db.counts(seeded), bundle.digest(seeded))
    rep = bundle.import_bundle(seeded, tmp_path / "one")
    assert (rep.counters.get("nodes_created"), rep.counters.get("relationships_created")) == (0, 0)
    assert (db.counts(seeded), bundle.digest(seeded)) == before


def test_interrupted_import_can_be_run_again(seeded, tmp_path):
    bundle.export_bundle(seeded, tmp_path / "one")
    want = (db.counts(seeded), bundle.digest(seeded))
    db.reset(seeded, keep_audit=False)
    # Only the nodes made it before the "crash".
    lines = (tmp_path / "one" / bundle.NODES).read_text().splitlines()
    part = tmp_path / "part"
    part.mkdir()
    (part / bundle.NODES).write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    (part / bundle.RELS).write_text("")
    m = json.loads((tmp_path / "one" / bundle.MANIFEST).read_text())
    for n in (bundle.NODES, bundle.RELS):
        sha, ln, size = bundle._sha256(part / n)
        m["files"][n] = {"sha256": sha, "lines": ln, "bytes": size}
    (part / bundle.MANIFEST).write_text(json.dumps(m))
    bundle.import_bundle(seeded, part)
    bundle.import_bundle(seeded, tmp_path / "one")
    assert (db.counts(seeded), bundle.digest(seeded)) == want


def test_bundle_files_are_private(seeded, tmp_path):
    bundle.export_bundle(seeded, tmp_path / "one")
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "one").iterdir()}
    modes["."] = stat.S_IMODE((tmp_path / "one").stat().st_mode)
    assert set(modes.values()) <= {0o600, 0o700} and modes["."] == 0o700


def test_bundle_holds_no_element_ids(seeded, tmp_path):
    bundle.export_bundle(seeded, tmp_path / "one")
    ids = [r["i"] for r in db.records(seeded, "MATCH (n) RETURN elementId(n) AS i", name="t")]
    text = b"".join(files(tmp_path / "one").values()).decode()
    assert not [i for i in ids if i in text]


def test_manifest_counts_and_hashes_match_the_files(seeded, tmp_path):
    m = bundle.export_bundle(seeded, tmp_path / "one")
    nodes, rels = db.counts(seeded)
    assert (m["files"][bundle.NODES]["lines"], m["files"][bundle.RELS]["lines"]) == (nodes, rels)
    assert bundle.verify_bundle(tmp_path / "one")["files"] == m["files"]


def test_export_refuses_to_overwrite_a_bundle(seeded, tmp_path):
    bundle.export_bundle(seeded, tmp_path / "one")
    with pytest.raises(InvalidInput, match="already holds a bundle"):
        bundle.export_bundle(seeded, tmp_path / "one")


def test_tampered_bundle_is_refused_and_writes_nothing(seeded, tmp_path):
    bundle.export_bundle(seeded, tmp_path / "one")
    p = tmp_path / "one" / bundle.NODES
    p.write_text(p.read_text().replace("Blue room", "Blue rooM"))
    db.reset(seeded, keep_audit=False)
    with pytest.raises(InvalidInput, match="does not match the manifest"):
        bundle.import_bundle(seeded, tmp_path / "one")
    assert db.counts(seeded) == (0, 0)


def test_bundle_without_manifest_is_refused(seeded, tmp_path):
    bundle.export_bundle(seeded, tmp_path / "one")
    (tmp_path / "one" / bundle.MANIFEST).unlink()
    with pytest.raises(InvalidInput, match="no manifest.json"):
        bundle.import_bundle(seeded, tmp_path / "one")


def _rehash(d: Path) -> None:
    m = json.loads((d / bundle.MANIFEST).read_text())
    for n in (bundle.NODES, bundle.RELS):
        sha, ln, size = bundle._sha256(d / n)
        m["files"][n] = {"sha256": sha, "lines": ln, "bytes": size}
    (d / bundle.MANIFEST).write_text(json.dumps(m))


@pytest.mark.parametrize(
    "old,new",
    [
        ('"label":"Series"', '"label":"Series`) DETACH DELETE n //"'),
        ('"labels":["Series"]', '"labels":["Series","Admin"]'),
        ('"type":"CONTAINS"', '"type":"CONTAINS`]->() DELETE r //"'),
        ('"name":"Blue room"', '"name":{"nested":"map"}'),
        ('"name":"Blue room"', '"bad key`":"x"'),
        ('"status":"unidentified"', '"status":{"$date":"not a date"}'),
        ('"key":"id"', '"key":"name"'),
    ],
)
def test_hostile_bundle_lines_are_refused_and_write_nothing(seeded, tmp_path, old, new):
    bundle.export_bundle(seeded, tmp_path / "one")
    for n in (bundle.NODES, bundle.RELS):
        p = tmp_path / "one" / n
        p.write_text(p.read_text().replace(old, new, 1))
    _rehash(tmp_path / "one")
    db.reset(seeded, keep_audit=False)
    with pytest.raises(InvalidInput, match=r"line \d+"):
        bundle.import_bundle(seeded, tmp_path / "one")
    assert db.counts(seeded) == (0, 0)


def test_import_never_changes_an_existing_audit_event(seeded, tmp_path):
    bundle.export_bundle(seeded, tmp_path / "one")
    db.write(seeded, "MATCH (e:AuditEvent) SET e.outcome = 'refused'", name="t.tamper")
    bundle.import_bundle(seeded, tmp_path / "one")
    rows = db.records(seeded, "MATCH (e:AuditEvent) RETURN e.outcome AS o", name="t")
    assert rows == [{"o": "refused"}]


def test_case_bundle_holds_the_case_and_what_hangs_off_it(seeded, tmp_path):
    m = bundle.export_bundle(seeded, tmp_path / "c1", case="C1")
    assert m["counts"]["nodes"] == {
        "Agency": 1,
        "Camera": 1,
        "Case": 1,
        "Clue": 1,
        "Country": 2,
        "Location": 1,
        "Media": 2,
        "Series": 1,
        "Victim": 1,
    }


def test_case_bundle_leaves_other_cases_out(seeded, tmp_path):
    bundle.export_bundle(seeded, tmp_path / "c1", case="C1")
    text = (tmp_path / "c1" / bundle.NODES).read_text()
    assert not any(x in text for x in ('"C2"', '"C3"', '"S2"', '"S3"', "AuditEvent", "HS1"))


def test_case_bundle_imports_into_another_graph(seeded, tmp_path):
    bundle.export_bundle(seeded, tmp_path / "c1", case="C1")
    db.reset(seeded, keep_audit=False)
    bundle.import_bundle(seeded, tmp_path / "c1")
    rows = db.records(
        seeded,
        "MATCH (:Case {id: 'C1'})-[:INVESTIGATES]->(s)-[:CONTAINS]->(m) "
        "RETURN s.id AS s, count(m) AS m",
        name="t",
    )
    assert rows == [{"s": "S1", "m": 2}]


def test_bundle_of_schema_1_is_migrated_on_import(seeded, tmp_path):
    # Schema 1 kept the age band on the Victim: such a store exported before the change.
    db.write(
        seeded,
        "MATCH (s1:Series {id: 'S1'}), (s2:Series {id: 'S2'}) "
        "CREATE (v:Victim {id: 'VOLD', ageBand: '10-13'}), (s1)-[:FEATURES]->(v), "
        "(s2)-[:FEATURES]->(v)",
        name="t",
    )
    bundle.export_bundle(seeded, tmp_path / "old")
    m = json.loads((tmp_path / "old" / bundle.MANIFEST).read_text())
    assert m["schemaVersion"] == 2
    m["schemaVersion"] = 1
    (tmp_path / "old" / bundle.MANIFEST).write_text(json.dumps(m))
    db.reset(seeded, keep_audit=False)
    bundle.import_bundle(seeded, tmp_path / "old")
    got = db.records(
        seeded,
        "MATCH (s:Series)-[f:FEATURES]->(v:Victim {id: 'VOLD'}) "
        "RETURN s.id AS s, f.ageBand AS a, v.ageBand AS va ORDER BY s",
        name="t",
    )
    assert got == [{"s": "S1", "a": "10-13", "va": None}, {"s": "S2", "a": "10-13", "va": None}]


def test_bundle_of_a_newer_schema_is_refused(seeded, tmp_path):
    bundle.export_bundle(seeded, tmp_path / "new")
    m = json.loads((tmp_path / "new" / bundle.MANIFEST).read_text())
    m["schemaVersion"] = 3
    (tmp_path / "new" / bundle.MANIFEST).write_text(json.dumps(m))
    with pytest.raises(InvalidInput, match="schema version 3"):
        bundle.import_bundle(seeded, tmp_path / "new")


def test_unknown_case_is_not_found(seeded, tmp_path):
    with pytest.raises(NotFound):
        bundle.export_bundle(seeded, tmp_path / "x", case="NOPE")


def test_nodes_outside_the_model_are_counted_not_exported(seeded, tmp_path):
    db.write(seeded, "CREATE (:Scratch {x: 1})", name="t")
    m = bundle.export_bundle(seeded, tmp_path / "one")
    assert m["skipped"] == {"nodesWithUnknownLabels": 1}


def test_export_and_import_are_audited(seeded, tmp_path, monkeypatch):
    monkeypatch.setattr(audit, "audit_path", lambda settings=None: tmp_path / "audit.jsonl")
    bundle.export_bundle(seeded, tmp_path / "one", user="cli:test")
    bundle.import_bundle(seeded, tmp_path / "one", user="cli:test")
    acts = [json.loads(x)["action"] for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert acts == ["bundle.export", "bundle.import"]


def test_cli_export_then_import_round_trips(seeded, tmp_path, monkeypatch):
    from cli import bundle_export, importer

    monkeypatch.setattr(audit, "audit_path", lambda settings=None: tmp_path / "audit.jsonl")
    app = typer.Typer()
    exp = typer.Typer()
    exp.command("bundle")(bundle_export.export_bundle)

    @exp.callback()
    def _g() -> None:
        """Export."""

    app.add_typer(exp, name="export")
    app.add_typer(importer.app, name="import")
    runner = CliRunner()
    before = bundle.digest(seeded, exclude_labels=["AuditEvent"])
    r1 = runner.invoke(app, ["export", "bundle", str(tmp_path / "b")])
    db.reset(seeded, keep_audit=False)
    r2 = runner.invoke(app, ["import", "bundle", str(tmp_path / "b")])
    after = bundle.digest(seeded, exclude_labels=["AuditEvent"])
    assert (r1.exit_code, r2.exit_code, after) == (0, 0, before), r1.output + r2.output


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -(2**63),
        1.5,
        "",
        "x\x00y",
        ["a", "b"],
        [1.0, 2.0],
        {"$float": "-inf"},
        {"$date": "0001-01-01"},
        {"$localtime": "23:59:59.999999999"},
        {"$datetime": "2024-10-27T02:30:00.000000000+01:00", "zone": "Europe/Paris"},
        {"$point": {"srid": 9157, "coords": [1.0, 2.0, 3.0]}},
        {"$bytes": "AAEC"},
    ],
)
def test_encode_decode_round_trip(value):
    assert bundle.line(bundle.encode(bundle.decode(value))) == bundle.line(value)
