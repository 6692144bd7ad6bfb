"""The media load as a pipeline: pool sized to the folder, the writer thread's batches,
the CLI's lazy command groups."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph import db
from loaders.base import LoadReport
from loaders.media_pool import count_files, workers_for
from loaders.media_rows import media_row
from loaders.media_write import MediaWriter

ROOT = Path(__file__).resolve().parents[2]


def test_count_files_stops_at_the_limit_and_skips_links_and_media_csv(tmp_path):
    (tmp_path / "sub").mkdir()
    for i in range(5):
        (tmp_path / "sub" / f"f{i}.jpg").write_bytes(b"x")
    (tmp_path / "media.csv").write_text("file,series_id\n")
    os.symlink(tmp_path / "sub" / "f0.jpg", tmp_path / "link.jpg")
    assert count_files(tmp_path, 100) == 5
    assert count_files(tmp_path, 3) == 3


def test_a_one_picture_folder_starts_one_worker(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"x")
    assert workers_for(tmp_path, 8) == 1
    for i in range(5):
        (tmp_path / f"b{i}.jpg").write_bytes(b"x")
    assert workers_for(tmp_path, 2) == 2
    assert workers_for(tmp_path / "empty-or-missing", 4) == 1


@pytest.mark.neo4j
def test_the_writer_writes_rows_handed_one_by_one_in_batches(driver):
    db.write(driver, "MERGE (:Case {id: 'C1'})", name="test.case")
    report = LoadReport(kind="media", source="t")
    params = {"loadId": "media-test", "source": "t", "loadedAt": "2026-01-01T00:00:00Z"}
    w = MediaWriter(driver, params, report, batch_size=2, max_queued=3)
    w.start()
    for i in range(7):
        sha = f"{i:064x}"
        w.put(media_row(sha, {"md5": f"{i:032x}"}, case_id="C1", series_id=None))
    w.finish()
    assert report.written == 7
    assert 4 <= w.batches <= 7  # never more than 2 rows a transaction
    n = db.records(
        driver, "MATCH (:Case {id: 'C1'})-[:HOLDS]->(m:Media) RETURN count(m) AS n", name="t"
    )[0]["n"]
    assert n == 7


@pytest.mark.neo4j
def test_a_write_error_reaches_the_caller(driver):
    report = LoadReport(kind="media", source="t")
    w = MediaWriter(driver, {}, report, batch_size=2)  # no provenance parameters: fails
    w.start()
    w.put(media_row("f" * 64, {}, case_id="C1", series_id=None))
    with pytest.raises(Exception):  # noqa: B017 - the driver's own error, translated
        w.finish()
    assert report.written == 0


def test_the_cli_lists_every_group_and_loads_only_the_one_it_runs():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cli import app\n"
        "r = CliRunner().invoke(app, ['load', '--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('cli.leads', 'graph.leads', 'graph.links', 'graph.gazetteer',"
        " 'loaders.records', 'numba', 'faiss') if m in sys.modules]\n"
        "print(heavy)\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "assert r.exit_code == 0 and 'leads' in r.output and 'serve' in r.output, r.output\n"
        "r = CliRunner().invoke(app, ['nope'])\n"
        "assert r.exit_code == 2\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
