"""Neo4j stopped in the middle of a load: a clear error, then a re-run ends in the graph of
an uninterrupted load.

The test runs a Neo4j server of its own (home ``.cluegraph/faults-<test port>``, a free
Bolt port), started and stopped with :class:`graph.server.LocalServer`, so that stopping
it does not disturb the server the rest of the suite uses. For a CSV load and a media
load run as ``cluegraph load ...`` subprocesses, it stops the server once the first
batches are in, and checks that the command fails with one clear line naming the cause
(no traceback, no password). Then it starts the server again, re-runs the load, and
compares the graph (counts and a content checksum) with an uninterrupted load of the same
input into an empty database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph import db
from graph.config import Settings, get_settings
from graph.server import LocalServer
from tests.loaders.test_crash_safety_csv import (
    KILL_AFTER,
    ROWS,
    case_count,
    snapshot,
    write_big_csv,
)
from tests.loaders.test_crash_safety_csv import load_cmd as csv_load_cmd
from tests.loaders.test_media_loader import graph_checksum, interrupt_folder, world

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
MEDIA_FILES = 160
MEDIA_STOP_AFTER = 20  # media in the graph when the server is stopped


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FaultServer:
    """A Neo4j of the test's own, and the environment a ``cluegraph`` subprocess needs."""

    def __init__(self) -> None:
        base = get_settings()
        tag = os.environ.get("CLUEGRAPH_TEST_BOLT_PORT", "7697")
        self.settings = Settings(
            home=ROOT / ".cluegraph" / f"faults-{tag}",
            bolt_port=_free_port(),
            heap=os.environ.get("CLUEGRAPH_HEAP", "512m"),
            pagecache="256m",
            cache_dir=base.cache_dir,
            neo4j_version=base.neo4j_version,
        )
        self.server = LocalServer(self.settings)
        self.env = {
            **os.environ,
            "CLUEGRAPH_HOME": str(self.settings.home),
            "CLUEGRAPH_BOLT_PORT": str(self.settings.bolt_port),
        }

    def start(self) -> None:
        self.server.start(echo=lambda *a: None)

    def stop(self) -> None:
        self.server.stop(echo=lambda *a: None)

    def driver(self):
        return db.get_driver(self.settings)

    def password(self) -> str:
        return self.server.password() or ""

    def empty(self):
        drv = self.driver()
        db.reset(drv, keep_audit=False)
        db.apply_schema(drv)
        return drv


@pytest.fixture(scope="module")
def fault_server(neo4j_server):
    if get_settings().remote:
        pytest.skip("NEO4J_URI is set: this test stops and starts a local server of its own")
    srv = FaultServer()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def _stop_midway(srv: FaultServer, proc: subprocess.Popen, count, at_least: int) -> int:
    """Stop the server once ``count()`` reaches ``at_least``; return what was seen."""
    deadline = time.monotonic() + 300
    seen = 0
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            seen = count()
            if seen >= at_least:
                srv.stop()
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None and seen < at_least:
            proc.kill()
    return seen


def _interrupted(srv: FaultServer, args: list[str], count, at_least: int) -> dict:
    """Run ``args``, stop the server midway, wait for the command to give up."""
    proc = subprocess.Popen(
        args, env=srv.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    seen = _stop_midway(srv, proc, count, at_least)
    t0 = time.monotonic()
    try:
        out, err = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err += "\n(still running 240 s after the server stopped: killed)"  # fails the tests
    return {
        "seen": seen,
        "rc": proc.returncode,
        "stdout": out,
        "stderr": err,
        "gave_up_after": time.monotonic() - t0,
    }


def _error_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


# ------------------------------------------------------------------ the CSV load
@pytest.fixture(scope="module")
def csv_scenario(fault_server, tmp_path_factory):
    srv = fault_server
    big = tmp_path_factory.mktemp("faults-csv") / "BIG.csv"
    write_big_csv(big)
    args = csv_load_cmd(big)
    out: dict = {}

    drv = srv.empty()
    out["stopped"] = _interrupted(srv, args, lambda: case_count(drv), KILL_AFTER)
    srv.start()
    drv = srv.driver()
    out["after_restart"] = case_count(drv)
    rerun = subprocess.run(args, env=srv.env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    out["rerun"] = (rerun.returncode, rerun.stderr[-2000:])
    out["interrupted"] = snapshot(drv)
    out["loads"] = db.records(drv, "MATCH (l:Load) RETURN l.status AS s", name="t.loads")

    drv = srv.empty()
    clean = subprocess.run(args, env=srv.env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    out["clean"] = (clean.returncode, clean.stderr[-2000:])
    out["uninterrupted"] = snapshot(drv)
    return out


def test_csv_load_was_stopped_midway(csv_scenario):
    s = csv_scenario["stopped"]
    assert KILL_AFTER <= s["seen"] < ROWS and s["rc"] not in (0, None), s


def test_csv_load_fails_with_one_line_naming_the_cause(csv_scenario):
    lines = _error_lines(csv_scenario["stopped"]["stderr"])
    assert len(lines) == 1 and "Neo4j is not reachable" in lines[0], lines


def test_csv_load_error_has_no_traceback_and_no_password(csv_scenario, fault_server):
    err = csv_scenario["stopped"]["stderr"] + csv_scenario["stopped"]["stdout"]
    assert ("Traceback" in err, fault_server.password() in err) == (False, False)


def test_csv_load_after_restart_completes(csv_scenario):
    assert csv_scenario["rerun"][0] == 0, csv_scenario["rerun"][1]


def test_csv_load_after_restart_has_every_case(csv_scenario):
    assert csv_scenario["interrupted"]["nodes"]["Case"] == ROWS


def test_csv_load_after_restart_gives_the_counts_of_an_uninterrupted_load(csv_scenario):
    got, want = csv_scenario["interrupted"], csv_scenario["uninterrupted"]
    assert (got["nodes"], got["rels"]) == (want["nodes"], want["rels"])


def test_csv_load_after_restart_gives_the_content_of_an_uninterrupted_load(csv_scenario):
    assert csv_scenario["interrupted"]["digest"] == csv_scenario["uninterrupted"]["digest"]


def test_csv_load_node_ends_done(csv_scenario):
    assert csv_scenario["loads"] == [{"s": "done"}]


# ------------------------------------------------------------------ the media load
def _media_count(drv) -> int:
    return db.records(drv, "MATCH (m:Media) RETURN count(m) AS c", name="t.media")[0]["c"]


@pytest.fixture(scope="module")
def media_scenario(fault_server, tmp_path_factory):
    srv = fault_server
    folder = interrupt_folder(tmp_path_factory.mktemp("faults-media") / "seizure", MEDIA_FILES)
    args = [sys.executable, "-m", "cli", "load", "media", str(folder), "--case", "C1"]
    # the media load's own crash safety (the visual pass resumes on its own: test_visual_pass)
    args += ["--no-visual"]
    args += ["--series", "S1", "--batch", "5"]
    out: dict = {}

    drv = srv.empty()
    world(drv)
    out["stopped"] = _interrupted(srv, args, lambda: _media_count(drv), MEDIA_STOP_AFTER)
    srv.start()
    drv = srv.driver()
    out["after_restart"] = _media_count(drv)
    rerun = subprocess.run(args, env=srv.env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    out["rerun"] = (rerun.returncode, rerun.stderr[-2000:])
    out["interrupted"] = graph_checksum(drv)
    out["interrupted_media"] = _media_count(drv)

    drv = srv.empty()
    world(drv)
    clean = subprocess.run(args, env=srv.env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    out["clean"] = (clean.returncode, clean.stderr[-2000:])
    out["uninterrupted"] = graph_checksum(drv)
    out["uninterrupted_media"] = _media_count(drv)
    return out


def test_media_load_was_stopped_midway(media_scenario):
    s = media_scenario["stopped"]
    assert MEDIA_STOP_AFTER <= s["seen"] < MEDIA_FILES and s["rc"] not in (0, None), s


def test_media_load_fails_with_one_line_naming_the_cause(media_scenario):
    lines = _error_lines(media_scenario["stopped"]["stderr"])
    assert len(lines) == 1 and "Neo4j is not reachable" in lines[0], lines


def test_media_load_error_has_no_traceback_and_no_password(media_scenario, fault_server):
    err = media_scenario["stopped"]["stderr"] + media_scenario["stopped"]["stdout"]
    assert ("Traceback" in err, fault_server.password() in err) == (False, False)


def test_media_load_after_restart_completes(media_scenario):
    assert media_scenario["rerun"][0] == 0, media_scenario["rerun"][1]


def test_media_load_after_restart_gives_the_graph_of_an_uninterrupted_load(media_scenario):
    got = (media_scenario["interrupted_media"], media_scenario["interrupted"])
    assert got == (media_scenario["uninterrupted_media"], media_scenario["uninterrupted"])
