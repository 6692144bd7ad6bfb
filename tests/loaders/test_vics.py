"""VICS hash sets: 1.x and 2.0 shapes, wrong types, non-pertinent media, export round trip.

Hashes here are digests of made-up byte strings, never of real files.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from graph import db
from graph.errors import NotFound
from loaders.vics import (
    FORMAT_1,
    FORMAT_2,
    export_vics,
    iter_items,
    load_vics,
    parse_categories,
    slug,
)
from tests.loaders.test_media_loader import count, jpeg, load, world

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parents[2]
CTX_1 = "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases"
CTX_2 = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"


def h(kind: str, n: int) -> str:
    data = f"synthetic-{n}".encode()
    return hashlib.new(kind, data).hexdigest()


def item(n: int, **kw) -> dict:
    base = {
        "MediaID": n,
        "Category": 1,
        "MD5": h("md5", n).upper(),
        "SHA1": h("sha1", n).upper(),
        "MediaSize": 1000 + n,
        "Series": f"Series {n % 2}",
        "VictimIdentified": n % 3 == 0,
        "OffenderIdentified": False,
        "IsDistributed": True,
        "Tags": ["demo"],
    }
    base.update(kw)
    return base


def vics1(path: Path, media: list[dict]) -> Path:
    path.write_text(
        json.dumps(
            {
                "odata.metadata": CTX_1,
                "value": [{"CaseID": "c-1", "CaseNumber": "demo", "Media": media}],
            }
        ),
        encoding="utf-8",
    )
    return path


def vics2(path: Path, media: list[dict]) -> Path:
    path.write_text(json.dumps({"@odata.context": CTX_2, "value": media}), encoding="utf-8")
    return path


def lists(driver) -> list[dict]:
    return db.records(
        driver,
        "MATCH (hs:HashSet)-[l:LISTS]->(m:Media) RETURN hs.id AS set, m.md5 AS md5, "
        "m.sha1 AS sha1, l.category AS cat, l.series AS series, l.victimIdentified AS vi, "
        "l.tags AS tags, m.nonPertinent AS np, m.photoDna AS pdna ORDER BY md5",
        name="t",
    )


# ----------------------------------------------------------------------------- shapes
def test_vics_1x_odata_cases_shape_loads_every_media(driver, tmp_path):
    report = load_vics(driver, vics1(tmp_path / "a.json", [item(i) for i in range(5)]), "Set A")
    assert (report.read, report.written, report.skipped, len(lists(driver))) == (5, 5, 0, 5)


def test_vics_20_flat_media_shape_loads_every_media(driver, tmp_path):
    report = load_vics(driver, vics2(tmp_path / "b.json", [item(i) for i in range(4)]), "Set B")
    assert (report.read, report.written, len(lists(driver))) == (4, 4, 4)


def test_vics_20_cases_shape_loads_too(driver, tmp_path):
    p = tmp_path / "c.json"
    p.write_text(
        json.dumps(
            {
                "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/"
                "2.0.xml/US/$metadata#Cases",
                "value": [
                    {"CaseID": "g", "Media": [item(1), item(2)], "SourceApplicationName": "x"}
                ],
            }
        )
    )
    report = load_vics(driver, p, "Set C")
    fmt = db.records(driver, "MATCH (hs:HashSet) RETURN hs.format AS f", name="t")
    assert (report.written, fmt) == (2, [{"f": FORMAT_2}])


def test_hash_set_node_records_name_format_and_source(driver, tmp_path):
    load_vics(driver, vics1(tmp_path / "known.json", [item(1)]), "Known Benign / Stock")
    row = db.records(
        driver,
        "MATCH (hs:HashSet) RETURN hs.id AS id, hs.name AS name, hs.format AS f, "
        "hs.source AS s, hs.loadId IS NOT NULL AS prov",
        name="t",
    )
    assert row == [
        {
            "id": "known-benign-stock",
            "name": "Known Benign / Stock",
            "f": FORMAT_1,
            "s": "known.json",
            "prov": True,
        }
    ]


def test_item_fields_go_on_the_lists_relationship(driver, tmp_path):
    load_vics(driver, vics2(tmp_path / "b.json", [item(3, Tags=["a", "b"])]), "S")
    assert lists(driver) == [
        {
            "set": "s",
            "md5": h("md5", 3),
            "sha1": h("sha1", 3),
            "cat": 1,
            "series": "Series 1",
            "vi": True,
            "tags": ["a", "b"],
            "np": None,
            "pdna": None,
        }
    ]


def test_media_known_only_by_hash_have_no_sha256(driver, tmp_path):
    load_vics(driver, vics2(tmp_path / "b.json", [item(1), item(2, MD5="")]), "S")
    rows = db.records(
        driver,
        "MATCH (m:Media) RETURN m.sha256 AS s, m.md5 IS NULL AS noMd5 ORDER BY noMd5",
        name="t",
    )
    assert rows == [{"s": None, "noMd5": False}, {"s": None, "noMd5": True}]


def test_photodna_is_kept_as_an_opaque_string(driver, tmp_path):
    blob = "QUJD" * 48  # 192 characters, like a base64 PhotoDNA; not a real one
    load_vics(driver, vics2(tmp_path / "b.json", [item(1, PhotoDNA=blob)]), "S")
    assert lists(driver)[0]["pdna"] == blob


def test_nested_photodna_hash_object_is_read(driver, tmp_path):
    it = item(1)
    it["AlternativeHashes"] = [{"HashName": "PhotoDNA", "HashValue": "opaque-value"}]
    load_vics(driver, vics2(tmp_path / "b.json", [it]), "S")
    assert lists(driver)[0]["pdna"] == "opaque-value"


# ----------------------------------------------------------------------------- categories
def test_category_5_marks_media_non_pertinent_by_default(driver, tmp_path):
    load_vics(driver, vics1(tmp_path / "a.json", [item(1, Category=5), item(2, Category=1)]), "S")
    flags = {r["md5"]: r["np"] for r in lists(driver)}
    assert flags == {h("md5", 1): True, h("md5", 2): None}


def test_non_pertinent_categories_are_configurable(driver, tmp_path):
    p = vics1(tmp_path / "a.json", [item(1, Category=0), item(2, Category=5)])
    load_vics(driver, p, "US scheme", non_pertinent=parse_categories(["0"]))
    flags = {r["md5"]: r["np"] for r in lists(driver)}
    assert flags == {h("md5", 1): True, h("md5", 2): None}


# ----------------------------------------------------------------------------- set options
def hash_set(driver) -> dict:
    return db.records(
        driver,
        "MATCH (hs:HashSet) RETURN hs.pdqRadius AS pdq, hs.phashRadius AS phash, "
        "hs.nonPertinent AS np",
        name="t",
    )[0]


def test_load_records_the_sets_own_radii(driver, tmp_path):
    load_vics(driver, vics2(tmp_path / "b.json", [item(1)]), "S", pdq_radius=12, phash_radius=4)
    assert hash_set(driver) == {"pdq": 12, "phash": 4, "np": None}


def test_reload_without_radii_keeps_the_sets_radii(driver, tmp_path):
    load_vics(driver, vics2(tmp_path / "b.json", [item(1)]), "S", pdq_radius=12)
    load_vics(driver, vics2(tmp_path / "c.json", [item(2)]), "S")
    assert hash_set(driver)["pdq"] == 12


def test_a_radius_above_the_default_refuses_the_load(driver, tmp_path):
    report = load_vics(driver, vics2(tmp_path / "b.json", [item(1)]), "S", pdq_radius=40)
    n = count(driver, "MATCH (hs:HashSet) RETURN count(hs) AS c")
    assert (report.refused, "--pdq-radius" in report.refusal, n) == (
        True,
        True,
        0,
    )


def test_a_negative_phash_radius_refuses_the_load(driver, tmp_path):
    report = load_vics(driver, vics2(tmp_path / "b.json", [item(1)]), "S", phash_radius=-1)
    assert "--phash-radius" in report.refusal


def test_a_non_pertinent_set_marks_every_item_whatever_its_category(driver, tmp_path):
    p = vics2(tmp_path / "b.json", [item(1, Category=1), item(2, Category=5)])
    load_vics(driver, p, "Known benign", set_non_pertinent=True)
    assert {r["np"] for r in lists(driver)} == {True}


def test_a_non_pertinent_set_marks_media_listed_by_its_earlier_loads(driver, tmp_path):
    load_vics(driver, vics2(tmp_path / "b.json", [item(1)]), "Known benign")
    load_vics(driver, vics2(tmp_path / "c.json", [item(2)]), "Known benign", set_non_pertinent=True)
    assert {r["md5"]: r["np"] for r in lists(driver)} == {h("md5", 1): True, h("md5", 2): True}


def test_the_listing_records_whether_its_category_is_non_pertinent(driver, tmp_path):
    load_vics(driver, vics2(tmp_path / "b.json", [item(1, Category=5), item(2)]), "S")
    rows = db.records(
        driver,
        "MATCH (:HashSet)-[l:LISTS]->(m) RETURN m.md5 AS md5, l.nonPertinent AS np",
        name="t",
    )
    assert {r["md5"]: r["np"] for r in rows} == {h("md5", 1): True, h("md5", 2): False}


def test_set_options_change_the_load_id(driver, tmp_path):
    p = vics2(tmp_path / "b.json", [item(1)])
    assert (
        load_vics(None, p, "S", dry_run=True).load_id
        != load_vics(None, p, "S", dry_run=True, pdq_radius=10).load_id
    )


def test_cli_load_vics_takes_the_set_options(driver, tmp_path):
    from typer.testing import CliRunner

    from cli import app

    p = vics2(tmp_path / "b.json", [item(1)])
    args = ["load", "vics", str(p), "--hashset", "S", "--pdq-radius", "9", "--non-pertinent"]
    res = CliRunner().invoke(app, args)
    assert (res.exit_code, hash_set(driver)) == (0, {"pdq": 9, "phash": None, "np": True})


def test_parse_categories_accepts_repeats_and_commas():
    assert parse_categories(["0,5", "3"]) == frozenset({0, 3, 5})


# ----------------------------------------------------------------------------- bad input
def test_wrong_types_give_one_error_per_item_naming_index_and_field(driver, tmp_path):
    media = [
        item(1),
        item(2, Category="abc"),
        item(3, MD5="not-hex"),
        item(4, MD5=None, SHA1=None),
        item(5, VictimIdentified="maybe"),
        item(6, Tags=[1, 2]),
        item(7, MediaSize=-3),
        item(8),
    ]
    report = load_vics(driver, vics1(tmp_path / "bad.json", media), "S")
    assert [str(e) for e in report.errors] == [
        "bad.json, field value[0].Media[1].Category: item 2: Category must be a whole number "
        "(got 'abc')",
        "bad.json, field value[0].Media[2].MD5: item 3: MD5 not a MD5 (32 hex digits) "
        "(got 'not-hex')",
        "bad.json, field value[0].Media[3].MD5: item 4: no MD5 or SHA1: an item needs at "
        "least one hash",
        "bad.json, field value[0].Media[4].VictimIdentified: item 5: VictimIdentified must "
        "be true or false (got 'maybe')",
        "bad.json, field value[0].Media[5].Tags: item 6: Tags must be a list of strings "
        "(got '[1, 2]')",
        "bad.json, field value[0].Media[6].MediaSize: item 7: MediaSize must be a number of "
        "bytes (got '-3')",
    ]


def test_bad_items_are_skipped_and_the_rest_loads(driver, tmp_path):
    media = [item(1), item(2, Category="abc"), item(3, MD5="zz"), item(4)]
    report = load_vics(driver, vics2(tmp_path / "bad.json", media), "S")
    assert (report.written, report.skipped, [r["md5"] for r in lists(driver)]) == (
        2,
        2,
        sorted([h("md5", 1), h("md5", 4)]),
    )


def test_strict_refuses_a_file_with_a_bad_item(driver, tmp_path):
    p = vics2(tmp_path / "bad.json", [item(1), item(2, Category="abc")])
    report = load_vics(driver, p, "S", strict=True)
    nodes = count(driver, "MATCH (n) WHERE NOT n:IndexVersion RETURN count(n) AS c")
    assert (report.refused, nodes) == (True, 0)  # the index version is bookkeeping


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "bad.json: empty file: a VICS JSON document is needed"),
        ("[1, 2]", "bad.json: not a VICS document: the JSON root is not an object"),
        ('{"value": []}', "bad.json: not a VICS document: no 'odata.metadata' (1.x) or "
         "'@odata.context' (2.0) key"),
        ('{"@odata.context": "x", "value": {}}', "bad.json: not a VICS document: 'value' "
         "is not a list"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_vics_is_refused(driver, tmp_path, content, message):
    p = tmp_path / "bad.json"
    p.write_text(content)
    report = load_vics(driver, p, "S")
    assert (report.refused, report.refusal) == (True, message)


def test_truncated_json_is_refused_and_nothing_is_written(driver, tmp_path):
    p = vics2(tmp_path / "cut.json", [item(i) for i in range(50)])
    data = p.read_bytes()
    p.write_bytes(data[: len(data) * 2 // 3])
    report = load_vics(driver, p, "S")
    assert (
        report.refused,
        report.refusal.startswith("cut.json: not valid JSON after item"),
        count(driver, "MATCH (n) WHERE NOT n:IndexVersion RETURN count(n) AS c"),
    ) == (True, True, 0)


# ----------------------------------------------------------------------------- idempotence, merging
def test_reloading_a_hash_set_changes_nothing(driver, tmp_path):
    p = vics1(tmp_path / "a.json", [item(i) for i in range(10)])
    load_vics(driver, p, "S")
    before = db.counts(driver)
    second = load_vics(driver, p, "S")
    assert (db.counts(driver), second.counters.get("nodes_created")) == (before, 0)


def test_two_hash_sets_listing_one_media_share_it(driver, tmp_path):
    load_vics(driver, vics1(tmp_path / "a.json", [item(1)]), "A")
    load_vics(driver, vics2(tmp_path / "b.json", [item(1, MD5="")]), "B")  # SHA-1 only
    assert (
        count(driver, "MATCH (m:Media) RETURN count(m) AS c"),
        count(driver, "MATCH ()-[l:LISTS]->() RETURN count(l) AS c"),
    ) == (1, 2)


def test_same_media_twice_in_one_file_is_one_media(driver, tmp_path):
    load_vics(driver, vics2(tmp_path / "b.json", [item(1), item(1, Category=2)]), "S")
    assert count(driver, "MATCH (m:Media) RETURN count(m) AS c") == 1


def test_hash_set_listing_a_loaded_file_links_to_that_media(driver, tmp_path):
    world(driver)
    f = jpeg(tmp_path / "case" / "x.jpg", 5)
    load(driver, tmp_path / "case", series="S1")
    md5 = hashlib.md5(f.read_bytes()).hexdigest()
    load_vics(driver, vics2(tmp_path / "b.json", [item(1, MD5=md5, SHA1="", Category=5)]), "S")
    row = db.records(
        driver,
        "MATCH (m:Media) RETURN count(m) AS n, collect(m.nonPertinent) AS np, "
        "collect(m.sha256 IS NOT NULL) AS full",
        name="t",
    )[0]
    assert row == {"n": 1, "np": [True], "full": [True]}


# ----------------------------------------------------------------------------- streaming
def test_reading_is_streamed_not_whole(tmp_path):
    p = vics2(tmp_path / "big.json", [item(i) for i in range(60_000)])
    small = vics2(tmp_path / "small.json", [item(1)])
    list(iter_items(open(small, "rb"), {}))  # noqa: SIM115 - first use imports and compiles
    meta: dict = {}
    tracemalloc.start()
    n = sum(1 for _ in iter_items(open(p, "rb"), meta))  # noqa: SIM115
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Reading the file whole would hold at least its 15 MB (and its parsed objects, several
    # times that); the bound leaves room for what other threads of the test process
    # allocate while tracing is on (it was flaky at 3 MB on a busy machine).
    assert (n, meta["format"], p.stat().st_size > 15_000_000, peak < 8_000_000) == (
        60_000,
        FORMAT_2,
        True,
        True,
    )


# ----------------------------------------------------------------------------- export
def _value(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["value"]


def test_export_writes_vics_20(driver, tmp_path):
    load_vics(driver, vics1(tmp_path / "a.json", [item(1), item(2)]), "S")
    out = tmp_path / "out.json"
    n = export_vics(driver, out, hashset="S")
    doc = json.loads(out.read_text())
    assert (n, doc["@odata.context"].split("/DataModels/")[1].split("/")[0], len(doc["value"])) == (
        2,
        "2.0.xml",
        2,
    )


def test_hash_set_export_load_export_gives_the_same_content(driver, tmp_path):
    media = [item(i) for i in range(12)] + [item(99, Category=5, PhotoDNA="opaque", MD5="")]
    load_vics(driver, vics1(tmp_path / "a.json", media), "Round Trip")
    first = tmp_path / "first.json"
    export_vics(driver, first, hashset="Round Trip")
    db.reset(driver)
    db.apply_schema(driver)
    load_vics(driver, first, "Round Trip")
    second = tmp_path / "second.json"
    export_vics(driver, second, hashset="Round Trip")
    assert (_value(first), len(_value(first))) == (_value(second), 13)


def test_case_export_load_export_gives_the_same_content(driver, tmp_path):
    world(driver)
    for i in range(4):
        jpeg(tmp_path / "case" / f"f{i}.jpg", 70 + i)
    load(driver, tmp_path / "case", series="S1")
    db.write(driver, "MATCH (s:Series {id: 'S1'}) SET s.status = 'victim_identified'", name="t")
    first = tmp_path / "first.json"
    n = export_vics(driver, first, case="C1")
    db.reset(driver)
    db.apply_schema(driver)
    load_vics(driver, first, "from case")
    second = tmp_path / "second.json"
    export_vics(driver, second, hashset="from case")
    v = _value(first)
    assert (
        n,
        v == _value(second),
        {x["Series"] for x in v},
        {x["VictimIdentified"] for x in v},
    ) == (
        4,
        True,
        {"series S1"},
        {True},
    )


def test_series_export_lists_its_media(driver, tmp_path):
    world(driver)
    jpeg(tmp_path / "case" / "a.jpg", 80)
    jpeg(tmp_path / "case" / "b.jpg", 81)
    (tmp_path / "case" / "media.csv").write_text("file,series_id\nb.jpg,S2\n")
    load(driver, tmp_path / "case", series="S1")
    out = tmp_path / "s.json"
    assert export_vics(driver, out, series="S2") == 1


def test_export_of_an_unknown_hash_set_is_not_found(driver, tmp_path):
    with pytest.raises(NotFound):
        export_vics(driver, tmp_path / "x.json", hashset="nope")


def test_slug_folds_names():
    assert slug("Liste  Française #2") == "liste-francaise-2"


# ----------------------------------------------------------------------------- the commands
def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_cli_load_and_export_vics(driver, cli_env, tmp_path):
    p = vics1(tmp_path / "a.json", [item(1), item(2, Category="abc"), item(3)])
    r1 = _cli(cli_env, "load", "vics", str(p), "--hashset", "CLI set")
    out = tmp_path / "out.json"
    r2 = _cli(cli_env, "export", "vics", "--hashset", "CLI set", "--out", str(out))
    assert (r1.returncode, "Category" in r1.stderr, r2.returncode, len(_value(out))) == (
        1,
        True,
        0,
        2,
    )
