"""The media load as a pipeline: pool sized to the folder, the writer thread's batches,
the CLI's lazy command groups."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph import db
from loaders.base import LoadReport
from loaders.media import MediaLoadOptions, load_media
from loaders.media_pool import (
    INLINE_MAX_FILES,
    AnalysisPool,
    InlineAnalysis,
    analysis_for,
    count_files,
    workers_for,
)
from loaders.media_rows import media_row
from loaders.media_write import MediaWriter
from tests.loaders.test_media_loader import (
    HOSTILE_ERRORS,
    folder,  # noqa: F401 - fixture
    gps,
    graph_checksum,
    hostile,  # noqa: F401 - fixture
    jpeg,
    world,
)

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
@pytest.mark.timeout(120)  # a wait the end marker did not end would last an hour
def test_the_writer_gathers_rows_that_trickle_in_into_one_transaction(driver):
    # The analysis hands rows over one at a time, a few milliseconds apart: without the
    # wait the writer made a transaction of each (240 for 300 pictures), and their Neo4j
    # work took the cores from the analysis. The end of the load ends the wait at once.
    db.write(driver, "MERGE (:Case {id: 'C2'})", name="test.case")
    report = LoadReport(kind="media", source="t")
    params = {"loadId": "media-test-2", "source": "t", "loadedAt": "2026-01-01T00:00:00Z"}
    w = MediaWriter(driver, params, report, batch_size=100, linger=3600.0)
    w.start()
    for i in range(5):
        time.sleep(0.02)
        sha, md5 = f"{i + 100:064x}", f"{i + 100:032x}"
        w.put(media_row(sha, {"md5": md5}, case_id="C2", series_id=None))
    w.finish()
    assert (report.written, w.batches) == (5, 1)
    n = db.records(
        driver, "MATCH (:Case {id: 'C2'})-[:HOLDS]->(m:Media) RETURN count(m) AS n", name="t"
    )[0]["n"]
    assert n == 5


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


def test_a_few_files_are_analysed_in_process_more_or_asked_workers_get_a_pool(tmp_path):
    for i in range(INLINE_MAX_FILES):
        (tmp_path / f"a{i}.jpg").write_bytes(b"x")
    assert isinstance(analysis_for([tmp_path], None), InlineAnalysis)
    asked = analysis_for([tmp_path], 1)  # --workers given: a pool, whatever the size
    try:
        assert isinstance(asked, AnalysisPool) and asked.n == 1
    finally:
        asked.close()
    (tmp_path / "one-more.jpg").write_bytes(b"x")
    more = analysis_for([tmp_path], None)
    try:
        assert isinstance(more, AnalysisPool)
    finally:
        more.close()
    # a manifest's folders count together
    other = tmp_path.parent / "other"
    other.mkdir()
    (other / "b.jpg").write_bytes(b"x")
    assert isinstance(analysis_for([other], None), InlineAnalysis)
    both = analysis_for([tmp_path, other], None)
    try:
        assert isinstance(both, AnalysisPool)
    finally:
        both.close()


def _load_with(driver, d: Path, analysis) -> tuple[str, object]:
    db.reset(driver, keep_audit=False)
    db.apply_schema(driver)
    world(driver)
    with analysis as a:
        report = load_media(driver, d, MediaLoadOptions(case_id="C1", series_id="S1"), pool=a)
    return graph_checksum(driver), report


@pytest.mark.neo4j
def test_a_one_picture_folder_without_a_pool_gives_the_graph_of_a_pool(driver, tmp_path):
    d = tmp_path / "exhibit"
    jpeg(d / "IMG_0001.jpg", 7, make="Canon", model="EOS", serial="99X", gps_ifd=gps(45.76, 4.84))
    assert isinstance(analysis_for([d], None), InlineAnalysis)  # what the CLI takes
    inline, r1 = _load_with(driver, d, InlineAnalysis())
    pooled, r2 = _load_with(driver, d, AnalysisPool(1))
    assert (r1.written, r1.skipped) == (r2.written, r2.skipped) == (1, 0)  # type: ignore[attr-defined]
    assert inline == pooled
    # and the library's own choice (no pool given) is the in-process one, same graph
    db.reset(driver, keep_audit=False)
    db.apply_schema(driver)
    world(driver)
    load_media(driver, d, MediaLoadOptions(case_id="C1", series_id="S1"))
    assert graph_checksum(driver) == pooled


@pytest.mark.neo4j
def test_in_process_analysis_gives_the_same_graph_and_errors_as_the_pool(
    driver,
    folder,  # noqa: F811
    hostile,  # noqa: F811
):
    for d in (folder, hostile):
        inline, r1 = _load_with(driver, d, InlineAnalysis())
        pooled, r2 = _load_with(driver, d, AnalysisPool(2))
        assert inline == pooled, d.name
        assert {e.file: e.message for e in r1.errors} == {  # type: ignore[attr-defined]
            e.file: e.message
            for e in r2.errors  # type: ignore[attr-defined]
        }
    assert {e.file: e.message for e in r1.errors} == HOSTILE_ERRORS  # type: ignore[attr-defined]


def test_the_cli_imports_the_driver_without_pandas_and_the_link_engine_without_numba():
    """A short command's fixed cost (issue 13): the driver's optional pandas/pyarrow, the
    numba kernels, faiss and networkx are not imported by ``load media`` up to the link
    update of a one-picture folder (they are when a rebuild or clusters need them)."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cli import app\n"
        "r = CliRunner().invoke(app, ['load', 'media', '--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "import neo4j, graph.links, graph.neardup, loaders.media\n"
        "heavy = [m for m in ('pandas', 'pyarrow', 'numba', 'faiss', 'networkx', "
        "'graph.hash_join', 'graph.analysis') if m in sys.modules]\n"
        "print(heavy)\n"
        "import pandas\n"  # still importable afterwards
        "print(pandas.DataFrame({'a': [1]}).shape)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "(1,", "1)"]
