"""``load media-records --bulk``: the offline importer gives the graph the normal path gives.

Both paths load the same generated CSV (a small large-world, plus bad rows and a repeated
record) on a fresh store of the test server, each followed by the link update a load ends
with; the whole graphs are compared (every node and relationship with its properties, as
``graph_checksum``), and so are the reports and two leads. The bulk path stops, imports
into and restarts the test server itself.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from graph import db, leads, links
from graph.config import reset_settings
from graph.schema import BOOKKEEPING_LABELS
from loaders.base import run_csv
from loaders.bulk import BulkTimes, load_media_records_bulk
from loaders.cases import CasesLoader
from loaders.demo import generate_world
from loaders.records import MediaRecordsLoader
from loaders.series import SeriesLoader
from tests.loaders.test_media_loader import graph_checksum

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> Path:
    """A small large-world with three bad records and one record given twice."""
    out = tmp_path_factory.mktemp("bulkworld")
    generate_world(out, seed=11, size="large", media=1500)
    path = out / "media_records.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cols = list(rows[0].keys())
    gps = next(r for r in rows if r["lat"])
    bad = [
        {**rows[3], "sha256": "not-a-hash"},
        {**rows[4], "sha256": "ab" * 32, "case_id": "C-NOWHERE"},
        {**rows[5], "sha256": "cd" * 32, "lat": "12.5", "lon": "", "width": "-4"},
    ]
    with open(path, "a", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writerows(bad)
        w.writerow(gps)  # the same record again: one Media, as the normal path
    return out


def fresh(driver, world: Path) -> None:
    db.reset(driver, keep_audit=False)
    db.apply_schema(driver)
    for loader, name in ((CasesLoader(), "cases.csv"), (SeriesLoader(), "series.csv")):
        assert run_csv(driver, loader, world / name).ok


def answers(driver) -> dict:
    trail = db.records(
        driver,
        "MATCH (c:Camera) WITH c ORDER BY c.id LIMIT 3 RETURN c.serial AS s, c.make AS mk",
        name="test.cameras",
    )
    return {
        "cross_country": [
            (r["series_a"], r["series_b"], r["score"])
            for r in leads.cross_country(driver, limit=500).rows
        ],
        "camera_trail": [
            sorted(map(str, leads.camera_trail(driver, t["s"], make=t["mk"]).rows)) for t in trail
        ],
        "labels": db.records(
            driver,
            "MATCH (n) UNWIND labels(n) AS l WITH l WHERE NOT l IN $skip "
            "RETURN l, count(*) AS c ORDER BY l",
            name="test.labels",
            skip=list(BOOKKEEPING_LABELS),
        ),
        "types": db.records(
            driver,
            "MATCH (a)-[r]->() WHERE NONE(l IN labels(a) WHERE l IN $skip) "
            "RETURN type(r) AS t, count(*) AS c ORDER BY t",
            name="test.types",
            skip=list(BOOKKEEPING_LABELS),
        ),
    }


def test_bulk_gives_the_graph_of_the_normal_path(neo4j_server, records):
    drv = db.get_driver()
    path = records / "media_records.csv"
    fresh(drv, records)
    normal = run_csv(drv, MediaRecordsLoader(), path)
    links.after_write(drv, report=normal)
    want_sum, want = graph_checksum(drv), answers(drv)

    fresh(drv, records)
    # Small parts, so that the file is split over both workers, the repeated record's two
    # rows fall in different parts and the bad rows' line numbers cross part boundaries.
    times = BulkTimes()
    bulk = load_media_records_bulk(path, workers=2, min_part_bytes=1 << 14, times=times)
    assert times.parts == 8 and times.workers == 2
    assert not bulk.refused, bulk.refusal
    drv = db.get_driver()  # the server was restarted
    links.after_write(drv, report=bulk)

    assert (bulk.read, bulk.written, bulk.skipped) == (normal.read, normal.written, normal.skipped)
    assert bulk.error_lines() == normal.error_lines()
    assert len(normal.errors) == 4  # the bad hash, the unknown case, lat without lon, width
    assert any("C-NOWHERE" in ln and "case_id" in ln for ln in bulk.error_lines())
    for k in ("nodes_created", "relationships_created"):
        assert bulk.counters[k] == normal.counters[k], k
    assert bulk.load_id == normal.load_id
    got = answers(drv)
    for key in ("labels", "types", "camera_trail", "cross_country"):
        assert got[key] == want[key], key
    assert want["cross_country"], "the world should have cross-country links"
    assert {r["l"] for r in got["labels"]} >= {"Media", "Camera", "Location", "Country"}
    assert graph_checksum(drv) == want_sum
    # The constraints are back (the importer writes none): a second Media with a known
    # SHA-256 is refused by the store.
    names = {c["name"] for c in db.constraints(drv)}
    assert {"media_sha256", "case_id", "camera_id"} <= names


def test_bulk_refuses_a_store_with_media_and_strict_loses_nothing(neo4j_server, records):
    drv = db.get_driver()
    path = records / "media_records.csv"
    fresh(drv, records)
    strict = load_media_records_bulk(path, strict=True)
    assert strict.refused and "--strict" in strict.refusal
    assert db.records(drv, "MATCH (m:Media) RETURN count(m) AS c", name="t")[0]["c"] == 0

    run_csv(drv, MediaRecordsLoader(), path)
    again = load_media_records_bulk(path)
    assert again.refused
    assert re.search(r"holds 1,[0-9]{3} media", again.refusal), again.refusal
    assert "without --bulk" in again.refusal


def test_bulk_refuses_a_server_it_does_not_run(neo4j_server, records, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "neo4j://graph.example.org:7687")
    monkeypatch.setenv("NEO4J_USER", "neo4j")
    monkeypatch.setenv("NEO4J_PASSWORD", "unused")
    reset_settings()
    try:
        rep = load_media_records_bulk(records / "media_records.csv")
    finally:
        monkeypatch.undo()
        reset_settings()
    assert rep.refused and "NEO4J_URI" in rep.refusal and rep.written == 0


def test_cli_bulk_refusal_exit_status(cli_env, records):
    """The command line: a refused bulk load says why and exits 2, nothing written."""
    drv = db.get_driver()
    fresh(drv, records)
    run_csv(drv, MediaRecordsLoader(), records / "media_records.csv")
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "load", "media-records", "--bulk",
         str(records / "media_records.csv")],
        cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "without --bulk" in proc.stderr
