"""``media-records``: metadata-only media, written exactly as the folder loader writes files."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from graph import db
from loaders.base import open_csv, run_csv
from loaders.media_rows import camera_id
from loaders.media_write import write_media
from loaders.records import MediaRecordsLoader
from tests.loaders.test_media_loader import count, graph_checksum, jpeg, load, world

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = [
    "sha256", "md5", "sha1", "pdq", "pdq_quality", "phash", "width", "height", "bytes",
    "mime", "file_name", "case_id", "series_id", "captured_at", "make", "model", "serial",
    "lat", "lon",
]  # fmt: skip


def rec(n: int, **kw) -> dict:
    data = f"record-{n}".encode()
    r = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "md5": hashlib.md5(data).hexdigest(),
        "sha1": hashlib.sha1(data).hexdigest(),
        "pdq": hashlib.sha256(data + b"pdq").hexdigest(),
        "pdq_quality": "90",
        "phash": hashlib.md5(data).hexdigest()[:16],
        "width": "1024",
        "height": "768",
        "bytes": str(100_000 + n),
        "mime": "image/jpeg",
        "file_name": f"IMG_{n:04d}.jpg",
        "case_id": "C1",
        "series_id": "S1",
        "captured_at": "2022-03-04T05:06:07",
        "make": "Canon",
        "model": "EOS",
        "serial": f"SN{n % 2}",
        "lat": "45.764",
        "lon": "4.8357",
    }
    r.update(kw)
    return r


def write_csv(path: Path, rows: list[dict], columns: list[str] = COLUMNS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    return path


def run(driver, path: Path, **kw):
    return run_csv(driver, MediaRecordsLoader(), path, **kw)


def test_records_become_media_with_case_series_camera_and_place(driver, tmp_path):
    world(driver)
    report = run(driver, write_csv(tmp_path / "r.csv", [rec(i) for i in range(6)]))
    row = db.records(
        driver,
        "MATCH (m:Media) RETURN count(m) AS media, "
        "COUNT { (:Case {id: 'C1'})-[:HOLDS]->(:Media) } AS holds, "
        "COUNT { (:Series {id: 'S1'})-[:CONTAINS]->(:Media) } AS contains, "
        "COUNT { (:Camera) } AS cameras, "
        "COUNT { (:Media)-[:GEOTAGGED_AT]->(:Location)-[:IN_COUNTRY]->(:Country {code: 'FR'}) }"
        " AS geo",
        name="t",
    )[0]
    assert (report.written, row) == (
        6,
        {"media": 6, "holds": 6, "contains": 6, "cameras": 2, "geo": 6},
    )


def test_record_properties_use_the_media_names(driver, tmp_path):
    world(driver)
    r = rec(1)
    run(driver, write_csv(tmp_path / "r.csv", [r]))
    m = db.records(
        driver,
        "MATCH (m:Media)-[:TAKEN_WITH]->(c:Camera) RETURN m.pdqQuality AS q, m.kind AS k, "
        "m.fileName AS f, toString(m.capturedAt) AS t, m.bytes AS b, c.id AS cam",
        name="t",
    )[0]
    assert m == {
        "q": 90,
        "k": "image",
        "f": "IMG_0001.jpg",
        "t": "2022-03-04T05:06:07",
        "b": 100_001,
        "cam": camera_id("Canon", "EOS", "SN1"),
    }


def test_a_record_and_a_file_with_the_same_sha256_are_one_media(driver, tmp_path):
    world(driver)
    f = jpeg(tmp_path / "case" / "x.jpg", 9)
    data = f.read_bytes()
    load(driver, tmp_path / "case", case="C1", series="S1")
    r = rec(
        1,
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data).hexdigest(),
        sha1=hashlib.sha1(data).hexdigest(),
        case_id="C2",
        series_id="S2",
        lat="",
        lon="",
        serial="",
    )
    run(driver, write_csv(tmp_path / "r.csv", [r]))
    row = db.records(
        driver,
        "MATCH (m:Media) RETURN count(m) AS n, COUNT { ()-[:HOLDS]->() } AS holds, "
        "collect(m.pdqVariants IS NOT NULL) AS keptVariants",
        name="t",
    )[0]
    assert row == {"n": 1, "holds": 2, "keptVariants": [True]}


def test_unknown_case_or_series_is_an_error_naming_line_and_field(driver, tmp_path):
    world(driver)
    rows = [rec(1), rec(2, case_id="NOPE"), rec(3, series_id="NOPE"), rec(4)]
    report = run(driver, write_csv(tmp_path / "r.csv", rows))
    assert ([str(e) for e in report.errors], report.written) == (
        [
            "r.csv line 3, field case_id: unknown case 'NOPE'; load cases first",
            "r.csv line 4, field series_id: unknown series 'NOPE'; load series first",
        ],
        2,
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sha256", "abc", "not a SHA-256 (64 hex digits) (got 'abc')"),
        ("md5", "x" * 32, f"not a MD5 (32 hex digits) (got {'x' * 32!r})"),
        ("pdq_quality", "101", "must be between 0 and 100 (got '101')"),
        ("width", "wide", "not an integer (got 'wide')"),
        ("mime", "text/plain", "not an image/... or video/... MIME type (got 'text/plain')"),
        ("lat", "91", "latitude outside -90..90 (got '91')"),
        ("captured_at", "yesterday", "not an ISO 8601 date-time (got 'yesterday')"),
    ],
)
def test_bad_values_are_reported_with_their_field(driver, tmp_path, field, value, message):
    world(driver)
    report = run(driver, write_csv(tmp_path / "r.csv", [rec(1, **{field: value})]))
    assert [str(e) for e in report.errors] == [f"r.csv line 2, field {field}: {message}"]


def test_lat_without_lon_is_an_error(driver, tmp_path):
    world(driver)
    report = run(driver, write_csv(tmp_path / "r.csv", [rec(1, lon="")]))
    assert [e.field for e in report.errors] == ["lon"]


def test_only_sha256_and_case_are_required(driver, tmp_path):
    world(driver)
    p = write_csv(
        tmp_path / "r.csv", [{"sha256": rec(1)["sha256"], "case_id": "C1"}], ["sha256", "case_id"]
    )
    report = run(driver, p)
    assert (report.written, count(driver, "MATCH (m:Media) RETURN count(m) AS c")) == (1, 1)


def test_reloading_records_changes_nothing(driver, tmp_path):
    world(driver)
    p = write_csv(tmp_path / "r.csv", [rec(i) for i in range(20)])
    run(driver, p)
    before = graph_checksum(driver)
    second = run(driver, p)
    assert (graph_checksum(driver), second.counters.get("nodes_created")) == (before, 0)


def test_duplicate_records_in_one_batch_are_one_media(driver, tmp_path):
    world(driver)
    run(driver, write_csv(tmp_path / "r.csv", [rec(1), rec(1, case_id="C2")]))
    assert (
        count(driver, "MATCH (m:Media) RETURN count(m) AS c"),
        count(driver, "MATCH ()-[h:HOLDS]->() RETURN count(h) AS c"),
    ) == (1, 2)


def test_cli_media_records(driver, cli_env, tmp_path):
    world(driver)
    p = write_csv(tmp_path / "media_records.csv", [rec(i) for i in range(3)])
    r = subprocess.run(
        [sys.executable, "-m", "cli", "load", "media-records", str(p)],
        cwd=ROOT,
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert (r.returncode, count(driver, "MATCH (m:Media) RETURN count(m) AS c")) == (0, 3)


def test_every_bad_field_of_a_record_is_reported(driver, tmp_path):
    world(driver)
    bad = rec(1, md5="x" * 32, width="wide", case_id="NOPE")
    report = run(driver, write_csv(tmp_path / "r.csv", [bad, rec(2)]))
    assert ([(e.line, e.field) for e in report.errors], report.written) == (
        [(2, "md5"), (2, "width"), (2, "case_id")],
        1,
    )


# ------------------------------------------------------------ the bulk path (issue 13)
def varied() -> list[dict]:
    """Records exercising every shape the writers distinguish: with and without series,
    camera, GPS, MD5/SHA-1; a date-only and an offset date-time; a non-ASCII file name; a
    content held by two cases; a point with no gazetteer place (open sea)."""
    return [
        rec(0),
        rec(1, series_id="", serial="", lat="", lon=""),
        rec(2, captured_at="2021-12-31", md5="", sha1=""),
        rec(3, captured_at="2021-12-31T23:59:59+02:00", file_name="Été – photo n°3.JPG"),
        rec(4, case_id="C2", series_id="S2", lat="-22.9", lon="-43.2"),
        rec(4, case_id="C1", series_id="S1"),
        rec(5, lat="0.0", lon="-140.0", make="", model=""),
        rec(6, mime="video/mp4", width="", height="", pdq="", pdq_quality="", phash=""),
    ]


def test_fast_validation_gives_what_the_checking_validation_gives(driver, tmp_path):
    world(driver)
    p = write_csv(tmp_path / "r.csv", varied())
    loader = MediaRecordsLoader()
    loader.prepare(driver, p, False)
    raws = [r for _line, r in open_csv(p)][1:]
    fast = [loader._fast({k: v.strip() for k, v in r.items()}) for r in raws]
    checked = [loader._checked({k: v.strip() for k, v in r.items()}, "r.csv", 2) for r in raws]
    assert fast == checked and None not in fast
    # What the fast path does not accept goes to the checking path (and its messages).
    assert loader._fast({**raws[0], "lat": "91"}) is None
    assert loader._fast({**raws[0], "case_id": "NOPE"}) is None


def test_bulk_and_merge_paths_write_the_same_graph(driver, tmp_path):
    """The CREATE path (new media, several transactions in flight, batches of 3) and the
    MERGE path of the folder loader give one graph for the same records."""
    world(driver)
    p = write_csv(tmp_path / "media_records.csv", varied() + [rec(i) for i in range(7, 20)])
    bulk = run_csv(driver, MediaRecordsLoader(writers=2, min_batch=3), p, batch_size=2)
    bulk_sum = graph_checksum(driver)

    class MergeOnly(MediaRecordsLoader):
        def write(self, driver, rows, params):
            return write_media(driver, rows, dict(params))

    db.reset(driver, keep_audit=False)
    db.apply_schema(driver)
    world(driver)
    merged = run_csv(driver, MergeOnly(writers=1), p, batch_size=2)
    made = ("nodes_created", "relationships_created", "nodes_deleted", "relationships_deleted")
    assert (bulk.ok, bulk.written, [bulk.counters[k] for k in made]) == (
        merged.ok,
        merged.written,
        [merged.counters[k] for k in made],
    )  # properties_set differs: the bulk path sets each place once a batch
    assert graph_checksum(driver) == bulk_sum


def test_a_hash_set_entry_known_by_md5_takes_the_records_sha256(driver, tmp_path):
    """A Media known only by MD5 (a hash set's) is not new: the bulk check sends it to the
    MERGE path, which gives it the SHA-256 (one Media, the hash set's LISTS kept)."""
    world(driver)
    r = rec(1)
    db.write(
        driver,
        "CREATE (:HashSet {id: 'hs'})-[:LISTS]->(:Media {md5: $md5, nonPertinent: false})",
        {"md5": r["md5"]},
        name="t",
    )
    report = run(driver, write_csv(tmp_path / "r.csv", [r, rec(2)]))
    row = db.records(
        driver,
        "MATCH (m:Media) RETURN count(m) AS n, "
        "COUNT { (:HashSet)-[:LISTS]->(:Media {sha256: $sha}) } AS listed",
        sha=r["sha256"],
        name="t",
    )[0]
    assert (report.ok, row) == (True, {"n": 2, "listed": 1})


def test_a_refused_records_file_keeps_nothing_between_passes(driver, tmp_path):
    """--strict with one bad record: nothing written although the good rows were kept."""
    world(driver)
    report = run(driver, write_csv(tmp_path / "r.csv", [rec(1), rec(2, width="x")]), strict=True)
    assert (report.refused, count(driver, "MATCH (m:Media) RETURN count(m) AS c")) == (True, 0)
