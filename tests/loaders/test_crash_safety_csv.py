"""Crash safety of a CSV load: SIGKILL midway, re-run, and the graph is the same as after
an uninterrupted load (counts and a content checksum, Load nodes and load times aside)."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph import bundle, db

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ROWS = 50_000
BATCH = 250
KILL_AFTER = 5_000  # cases in the graph when the load is killed
COUNTRIES = ["FR", "DE", "NL", "BE", "ES", "IT", "PL", "SE", "GB", "US", "BR", "PH", "TH"]


def write_big_csv(path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case_id", "title", "agency_id", "agency_name", "country", "status", "opened"])
        for i in range(ROWS):
            a = i % 400
            w.writerow(
                [
                    f"K{i:06d}",
                    f"Synthetic case {i} «{i % 7}»",
                    f"AG-{a:03d}",
                    f"Agency {a}",
                    COUNTRIES[a % len(COUNTRIES)],
                    "closed" if i % 5 == 0 else "open",
                    f"20{10 + i % 14}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                ]
            )


def load_cmd(path: Path) -> list[str]:
    return [sys.executable, "-m", "cli", "load", "cases", str(path), "--batch", str(BATCH)]


def case_count(drv) -> int:
    return db.records(drv, "MATCH (c:Case) RETURN count(c) AS n", name="t.count")[0]["n"]


def snapshot(drv) -> dict:
    nodes = db.records(
        drv,
        "MATCH (n) WHERE NOT n:Load AND NOT n:IndexVersion AND NOT n:Cluster AND NOT n:ClusterRun "
        "UNWIND labels(n) AS l RETURN l, count(*) AS n ORDER BY l",
        name="t.labels",
    )
    rels = db.records(
        drv, "MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS n ORDER BY t", name="t.rels"
    )
    return {
        "nodes": {r["l"]: r["n"] for r in nodes},
        "rels": {r["t"]: r["n"] for r in rels},
        "digest": bundle.digest(drv, exclude_labels=["Load"], exclude_props=["loadedAt"]),
    }


@pytest.fixture(scope="module")
def scenario(neo4j_server, tmp_path_factory):
    env = dict(os.environ)
    big = tmp_path_factory.mktemp("crash") / "BIG.csv"
    write_big_csv(big)
    drv = db.get_driver()
    out: dict = {}

    # 1. Interrupted load: SIGKILL once the first batches are in, then run it again.
    db.reset(drv, keep_audit=False)
    db.apply_schema(drv)
    proc = subprocess.Popen(
        load_cmd(big), env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 300
    seen = 0
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            seen = case_count(drv)
            if seen >= KILL_AFTER:
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None and seen < KILL_AFTER:
            proc.kill()
        proc.wait(timeout=60)
    out["killed"] = proc.returncode == -signal.SIGKILL
    out["after_kill"] = case_count(drv)
    rerun = subprocess.run(load_cmd(big), env=env, cwd=ROOT, capture_output=True, timeout=900)
    out["rerun_rc"] = rerun.returncode
    out["rerun_err"] = rerun.stderr.decode(errors="replace")[-2000:]
    out["interrupted"] = snapshot(drv)
    out["load_nodes_interrupted"] = db.records(
        drv, "MATCH (l:Load) RETURN l.status AS s, l.runs AS runs", name="t.loads"
    )

    # 2. Uninterrupted load of the same file into a clean database.
    db.reset(drv, keep_audit=False)
    db.apply_schema(drv)
    clean = subprocess.run(load_cmd(big), env=env, cwd=ROOT, capture_output=True, timeout=900)
    out["clean_rc"] = clean.returncode
    out["clean"] = snapshot(drv)
    db.reset(drv, keep_audit=False)
    return out


def test_the_load_was_killed_midway(scenario):
    assert scenario["killed"] and KILL_AFTER <= scenario["after_kill"] < ROWS


def test_the_rerun_succeeds(scenario):
    assert scenario["rerun_rc"] == 0, scenario["rerun_err"]


def test_interrupted_and_rerun_load_has_every_case(scenario):
    assert scenario["interrupted"]["nodes"]["Case"] == ROWS


def test_interrupted_load_gives_the_same_counts_as_an_uninterrupted_one(scenario):
    got, want = scenario["interrupted"], scenario["clean"]
    assert (got["nodes"], got["rels"]) == (want["nodes"], want["rels"])


def test_interrupted_load_gives_the_same_content_as_an_uninterrupted_one(scenario):
    assert scenario["interrupted"]["digest"] == scenario["clean"]["digest"]


def test_the_load_node_records_both_runs_and_ends_done(scenario):
    assert scenario["load_nodes_interrupted"] == [{"s": "done", "runs": 2}]
