"""``load vics --bulk``: the offline importer gives the graph the normal path gives.

Both paths load the same generated VICS export (hashes of made-up byte strings, never of
real files) on a fresh store of the test server: items with every field, absent fields,
tags with commas and quotes, a series over two lines, non-pertinent categories, items
that share a hash with another (which the bulk path writes over Bolt after the import),
and bad items. The whole graphs are compared (every node and relationship with its
properties, ``graph_checksum``), and so are the reports. The bulk path stops, imports into
and restarts the test server itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from graph import db
from graph.schema import BOOKKEEPING_LABELS
from loaders.base import LoadReport
from loaders.vics import DEFAULT_NON_PERTINENT, iter_items, load_vics, validate_item
from loaders.vics_bulk import VicsBulkTimes, _Files, load_vics_bulk, stream_items
from tests.loaders.test_media_loader import graph_checksum
from tests.loaders.test_vics import h, item, vics1, vics2

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parents[2]


def export(path: Path) -> Path:
    media = []
    for i in range(400):
        kw: dict = {"Category": i % 6}
        if i % 7 == 0:
            kw["SHA1"] = None  # MD5 only
        if i % 11 == 0 and i % 7:
            kw["MD5"] = ""  # SHA-1 only
        if i % 13 == 0:
            kw["SHA256"] = h("sha256", i)
        if i % 5 == 0:
            kw["Tags"] = []
        if i % 17 == 0:
            kw["Tags"] = ['with "quotes"', "a, comma"]
        if i % 19 == 0:
            kw["Series"] = 'two\nlines, "quoted"'
        if i % 23 == 0:
            kw["PhotoDNA"] = "AB,CD" * 10
        if i % 9 == 0:
            for k in ("MediaSize", "Series", "IsDistributed", "Tags", "Category"):
                kw[k] = None
        media.append(item(i, **kw))
    media += [
        item(3, Category=5, Tags=["again"]),  # the same item again, later: its values win
        item(900, MD5=h("md5", 4).upper()),  # shares item 4's MD5: lists item 4's media
        item(901, MD5=None, SHA1=h("sha1", 6)),  # shares item 6's SHA-1 only
        item(902, Category="abc"),  # bad
        item(903, MD5="zz"),  # bad
        item(904, MD5=None, SHA1=None),  # bad: no hash
    ]
    return vics2(path, media)


def graph_items(driver) -> set[str]:
    """The graph's nodes and relationships as text without the load's times (what
    ``graph_checksum`` hashes), so that a difference shows what differs."""
    nodes = db.records(
        driver,
        "MATCH (n) WHERE NOT n:Load AND NONE(l IN labels(n) WHERE l IN $skip) "
        "RETURN elementId(n) AS id, labels(n) AS l, properties(n) AS p",
        name="test.nodes",
        skip=list(BOOKKEEPING_LABELS),
    )

    def clean(p: dict) -> str:
        return json.dumps({k: str(v) for k, v in p.items() if k != "loadedAt"}, sort_keys=True)

    canon = {r["id"]: f"{sorted(r['l'])} {clean(r['p'])}" for r in nodes}
    rels = db.records(
        driver,
        "MATCH (a)-[r]->(b) RETURN elementId(a) AS a, type(r) AS t, elementId(b) AS b, "
        "properties(r) AS p",
        name="test.rels",
    )
    return set(canon.values()) | {
        f"{canon[r['a']]} -{r['t']} {clean(r['p'])}-> {canon[r['b']]}"
        for r in rels
        if r["a"] in canon and r["b"] in canon
    }


def fresh(driver) -> None:
    db.reset(driver, keep_audit=False)
    db.apply_schema(driver)


def test_bulk_gives_the_graph_of_the_normal_path(neo4j_server, tmp_path):
    path = export(tmp_path / "big-set.json")
    drv = db.get_driver()
    fresh(drv)
    normal = load_vics(drv, path, "Big Set", batch_size=50)
    assert normal.ok or normal.status == "partial", normal.refusal
    want, want_items = graph_checksum(drv), graph_items(drv)
    lists = db.records(drv, "MATCH ()-[l:LISTS]->() RETURN count(l) AS c", name="t")[0]["c"]

    fresh(drv)
    times = VicsBulkTimes()
    bulk = load_vics_bulk(path, "Big Set", batch_size=50, times=times)
    assert not bulk.refused, bulk.refusal
    drv = db.get_driver()  # the server was restarted
    assert times.importer is not None and times.shared == 6  # items 3, 4, 6 and their repeats
    assert (bulk.read, bulk.written, bulk.skipped) == (normal.read, normal.written, normal.skipped)
    assert [str(e) for e in bulk.errors] == [str(e) for e in normal.errors]
    assert len(bulk.errors) == 3
    assert "value[403].Category" in str(bulk.errors[0]) and "big-set.json" in str(bulk.errors[0])
    for k in ("nodes_created", "relationships_created"):
        assert bulk.counters[k] == normal.counters[k], k
    assert bulk.load_id == normal.load_id
    got_lists = db.records(drv, "MATCH ()-[l:LISTS]->() RETURN count(l) AS c", name="t")[0]["c"]
    assert got_lists == lists == 400  # the repeats list the media of their first items
    got_items = graph_items(drv)
    assert sorted(got_items - want_items)[:5] == sorted(want_items - got_items)[:5] == []
    assert graph_checksum(drv) == want
    names = {c["name"] for c in db.constraints(drv)}
    assert "media_sha256" in names  # the schema is back after the import


def test_bulk_refusals_lose_nothing(neo4j_server, tmp_path):
    drv = db.get_driver()
    fresh(drv)
    bad = vics2(tmp_path / "bad.json", [item(1), item(2, Category="abc")])
    strict = load_vics_bulk(bad, "S", strict=True)
    assert strict.refused and "--strict" in strict.refusal
    assert "bad.json" in str(strict.errors[0]) and "Category" in str(strict.errors[0])
    assert db.records(drv, "MATCH (m:Media) RETURN count(m) AS c", name="t")[0]["c"] == 0
    assert not db.records(drv, "MATCH (h:HashSet) RETURN h", name="t")

    assert load_vics(drv, vics1(tmp_path / "one.json", [item(1)]), "S").ok
    again = load_vics_bulk(vics2(tmp_path / "two.json", [item(2)]), "T")
    assert again.refused and "holds 1 media" in again.refusal, again.refusal
    assert "without --bulk" in again.refusal


def test_bulk_pass_is_streamed(tmp_path):
    """The bulk load's pass keeps no list of the items: its peak Python memory over a
    30,000-item export (the files written, the hash keys kept) is a fraction of what the
    validated rows alone take when held."""
    path = vics2(tmp_path / "mem.json", [item(i) for i in range(30_000)])
    with open(path, "rb") as fh:
        tracemalloc.start()
        rows = [validate_item(it, "x", DEFAULT_NON_PERTINENT) for it in iter_items(fh, {})]
        held, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    del rows
    files = _Files(tmp_path / "files", "HashSet|mem", ("mem.json", "vics-x", "2026-01-01"))
    report = LoadReport(kind="vics", source="mem.json")
    tracemalloc.start()
    keys, inexact = stream_items(path, DEFAULT_NON_PERTINENT, files, report, {}, False, False, 1000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    files.close()
    assert (report.read, files.count, len(keys), inexact) == (30_000, 30_000, 90_000, [])
    lines = (tmp_path / "files" / "vics_media.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 30_001 and lines[0].startswith(":ID,sha256:string")
    assert held > 20_000_000
    assert peak < held / 4, (peak, held)


def test_cli_bulk(cli_env, tmp_path):
    """The command line: a store with media refuses --bulk (exit 2); a dry run validates."""
    drv = db.get_driver()
    fresh(drv)
    assert load_vics(drv, vics1(tmp_path / "one.json", [item(1)]), "S").ok
    path = vics2(tmp_path / "two.json", [item(2), item(3, MD5="zz")])
    run = [sys.executable, "-m", "cli", "load", "vics", str(path), "--hashset", "T", "--bulk"]
    proc = subprocess.run(run, cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "without --bulk" in proc.stderr
    dry = subprocess.run(
        [*run, "--dry-run"], cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=300
    )
    assert "two.json" in dry.stdout + dry.stderr and "MD5" in dry.stdout + dry.stderr
