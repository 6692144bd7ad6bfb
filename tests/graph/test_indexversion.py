"""The media indexes' version: every write path moves it, a search compares one number."""

from __future__ import annotations

import json
import random

import pytest

from graph import bundle, db, indexversion, neardup, queries
from tests.graph.test_links import World, flip, rand_hex, sha, stored_neardups

RNG = random.Random(5)
P = [rand_hex(RNG) for _ in range(4)]


def saved_state() -> dict:
    return json.loads((neardup.index_dir() / "state.json").read_text(encoding="utf-8"))


@pytest.mark.neo4j
def test_a_load_bumps_the_version_when_it_begins_and_when_it_finishes(driver):
    from loaders.base import LoadReport, begin_load, finish_load, now_iso

    epoch, v0 = indexversion.current(driver)
    assert epoch is not None and v0 == 0  # created by apply_schema
    rep = LoadReport(kind="test", source="t", load_id="L-t", started_at=now_iso())
    begin_load(driver, rep, {})
    assert indexversion.current(driver) == (epoch, 1)
    assert indexversion.of_load(driver, "L-t") == {1}  # still running
    rep.finished_at = now_iso()
    finish_load(driver, rep)
    assert indexversion.current(driver) == (epoch, 2)
    assert indexversion.of_load(driver, "L-t") == {1, 2}


@pytest.mark.neo4j
def test_a_reset_starts_a_new_epoch(driver):
    indexversion.bump(driver)
    e1, _ = indexversion.current(driver)
    db.reset(driver, keep_audit=False)
    assert indexversion.current(driver) == (None, 0)
    indexversion.bump(driver)
    e2, v2 = indexversion.current(driver)
    assert (e2 != e1, v2) == (True, 1)


@pytest.mark.neo4j
def test_hash_set_edits_bump_the_version_in_their_own_statements(driver):
    db.write(driver, "CREATE (:HashSet {id: 'H', name: 'H'})", name="t")
    _, v0 = indexversion.current(driver)
    db.write(
        driver,
        queries.hashsets_set(),
        {
            "id": "H",
            "pdqRadius": 10,
            "phashRadius": None,
            "nonPertinent": True,
            "at": "2026-01-01T00:00:00Z",
            "by": "t",
        },  # fmt: skip
        name="t.set",
    )
    db.write(driver, queries.hashsets_flag_media(), {"id": "H"}, name="t.flag")
    assert indexversion.current(driver)[1] == v0 + 2


@pytest.mark.neo4j
def test_a_bundle_import_bumps_the_version_and_is_not_exported(driver, tmp_path):
    w = World(driver)
    w.series("S-FR", "FR")
    w.media("a", "S-FR", pdq=P[0])
    m = bundle.export_bundle(driver, tmp_path / "b")
    assert m["skipped"] == {}  # the version node is bookkeeping, not an unknown label
    text = (tmp_path / "b" / bundle.NODES).read_text(encoding="utf-8")
    assert indexversion.LABEL not in text
    _, v0 = indexversion.current(driver)
    bundle.import_bundle(driver, tmp_path / "b")
    assert indexversion.current(driver)[1] == v0 + 2


@pytest.mark.neo4j
def test_the_saved_index_records_the_version_and_a_write_makes_it_stale(driver):
    w = World(driver)
    w.series("S-FR", "FR")
    w.series("S-DE", "DE")
    w.media("a", "S-FR", pdq=P[0])
    neardup.rebuild(driver)
    epoch, version = indexversion.current(driver)
    assert (saved_state()["epoch"], saved_state()["version"]) == (epoch, version)
    w.media("b", "S-DE", pdq=flip(P[0], 3, RNG))  # bumps
    neardup._MEMO.clear()
    assert sorted(neardup.ensure_index(driver).ids) == sorted([sha("a"), sha("b")])
    assert saved_state()["version"] == version + 1


@pytest.mark.neo4j
def test_a_search_in_the_middle_of_a_load_is_repaired_by_its_update(driver):
    # An analyst triages while a load runs: the index saved then holds part of the load.
    # The update after the load re-applies every medium the load touched, incrementally.
    w = World(driver)
    w.series("S-FR", "FR")
    w.series("S-DE", "DE")
    w.media("a", "S-FR", pdq=P[0])
    w.finish_load()
    neardup.rebuild(driver)
    w.load = "L2"
    w.media("b", "S-DE", pdq=flip(P[0], 4, RNG))
    neardup._MEMO.clear()
    assert len(neardup.ensure_index(driver)) == 2  # saved in the middle of L2
    w.media("c", "S-DE", pdq=flip(P[0], 6, RNG))
    w.finish_load("2024-01-02T00:00:00Z")
    rep = neardup.update(driver, neardup.touched_media(driver, "L2"), "L2")
    assert rep.full is False
    incremental = stored_neardups(driver)
    assert len(incremental) == 3
    neardup.rebuild(driver)
    assert stored_neardups(driver) == incremental


@pytest.mark.neo4j
def test_an_update_after_a_write_it_did_not_see_rebuilds(driver):
    w = World(driver)
    w.series("S-FR", "FR")
    w.series("S-DE", "DE")
    w.media("a", "S-FR", pdq=P[0])
    w.finish_load()
    neardup.rebuild(driver)
    indexversion.bump(driver)  # some other write, whose update never ran
    w.load = "L2"
    w.media("b", "S-DE", pdq=flip(P[0], 4, RNG))
    w.finish_load("2024-01-02T00:00:00Z")
    rep = neardup.update(driver, neardup.touched_media(driver, "L2"), "L2")
    assert rep.full is True


# ----------------------------------------------------------------------------- rebuild reads


def pair_world(driver) -> World:
    w = World(driver)
    w.series("S-FR", "FR")
    w.series("S-DE", "DE")
    w.series("S-NL", "NL")
    w.media("a", "S-FR", pdq=P[0], crops=[P[1]])
    w.media("b", "S-DE", pdq=flip(P[0], 5, RNG))
    w.media("c", "S-NL", pdq=P[2])
    w.finish_load()
    return w


@pytest.mark.neo4j
def test_a_rebuild_with_nothing_changed_reads_no_codes(driver, monkeypatch):
    pair_world(driver)
    first = neardup.rebuild(driver)
    edges = stored_neardups(driver)
    db.write(driver, "MATCH ()-[r:NEAR_DUPLICATE]->() DELETE r", name="t.drift")
    monkeypatch.setattr(neardup, "build_index", lambda *a, **k: pytest.fail("read every code"))
    again = neardup.rebuild(driver)
    assert (again.matches, again.written) == (first.matches, len(edges))  # drift repaired
    assert stored_neardups(driver) == edges


@pytest.mark.neo4j
def test_a_rebuild_after_loads_starts_from_the_saved_pairs_and_equals_one_from_scratch(
    driver, monkeypatch
):
    w = pair_world(driver)
    neardup.rebuild(driver)
    w.load = "L2"
    w.media("d", "S-NL", pdq=flip(P[1], 3, RNG))  # a's crop
    w.mark_non_pertinent(sha("b"))  # a-b must go
    w.finish_load("2024-01-02T00:00:00Z")
    real = neardup.build_index
    monkeypatch.setattr(neardup, "build_index", lambda *a, **k: pytest.fail("read every code"))
    rep = neardup.rebuild(driver)
    saved_path = stored_neardups(driver)
    monkeypatch.setattr(neardup, "build_index", real)
    scratch = neardup.rebuild(driver, from_scratch=True)
    assert stored_neardups(driver) == saved_path
    assert rep.matches == scratch.matches == 1


@pytest.mark.neo4j
def test_a_rebuild_after_a_write_outside_the_loads_reads_everything(driver, monkeypatch):
    pair_world(driver)
    neardup.rebuild(driver)
    indexversion.bump(driver)  # e.g. a bundle import
    read: list[int] = []
    real = neardup.build_index

    def counting(*a, **kw):
        read.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(neardup, "build_index", counting)
    neardup.rebuild(driver)
    assert read == [1]


@pytest.mark.neo4j
def test_a_snapshot_reads_the_version_once_and_a_later_search_sees_the_change(driver):
    """A triage compares its image and video indexes with one reading (the snapshot); a
    change made meanwhile is seen by the next request, which reads again."""
    v0 = indexversion.current(driver)
    with indexversion.snapshot():
        assert indexversion.current(driver) == v0
        indexversion.bump(driver)
        assert indexversion.current(driver) == v0  # the block's one reading
    assert indexversion.current(driver) == (v0[0], v0[1] + 1)
    with indexversion.snapshot(("e", 7)):  # the caller's own reading: no read at all
        assert indexversion.current(driver) == ("e", 7)
