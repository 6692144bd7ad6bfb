"""Accepting and rejecting the clues the visual pass proposes (real pass, real Neo4j)."""

from __future__ import annotations

import pytest

from graph import db, suggestions
from graph.errors import InvalidInput, NotFound
from loaders.visual import remove_index, run_pass
from tests.loaders import visual_world as vw

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


@pytest.fixture
def proposed(driver, tmp_path):
    """A Polish sign in the Polish series, analysed: its text and language proposed."""
    remove_index()
    vw.world(driver)
    p = vw.write(tmp_path / "pl", "sign.jpg", vw.sign(3, "pl"))
    vw.load(driver, tmp_path / "pl", "C-PL", "S-PL")
    run_pass(driver, workers=1)
    return driver, vw.sha(p.read_bytes())


def clue_of(rows, source):
    return next(r["clue_id"] for r in rows if r["source"] == source)


def test_suggestions_of_a_series_list_language_with_its_countries(proposed):
    drv, sha = proposed
    rows = suggestions.list_suggestions(drv, series_id="S-PL")
    lang = next(r for r in rows if r["source"] == "language")
    assert (lang["sha256"], lang["value"]) == (sha, "pl")
    assert "PL" in [c["code"] for c in lang["countries"]]


def test_suggestions_of_another_series_are_not_listed(proposed):
    drv, _ = proposed
    assert suggestions.list_suggestions(drv, series_id="S-FR") == []


def test_accept_turns_the_suggestion_into_shows_with_the_analyst(proposed):
    drv, sha = proposed
    cid = clue_of(suggestions.list_suggestions(drv), "language")
    suggestions.accept(drv, sha, cid, by="ana")
    rows = db.records(
        drv,
        "MATCH (m:Media {sha256: $sha})-[r:SHOWS]->(:Clue {id: $cid}) "
        "RETURN r.analyst AS analyst, r.source AS source, "
        "EXISTS { (m)-[:SUGGESTS]->(:Clue {id: $cid}) } AS still",
        sha=sha,
        cid=cid,
        name="test.shows",
    )
    assert [(r["analyst"], r["source"], r["still"]) for r in rows] == [("ana", "language", False)]


def test_accept_is_audited_with_the_analyst(proposed):
    drv, sha = proposed
    cid = clue_of(suggestions.list_suggestions(drv), "language")
    suggestions.accept(drv, sha, cid, by="ana")
    rows = db.records(
        drv,
        "MATCH (e:AuditEvent {action: 'suggestions.accept'}) RETURN e.user AS u, e.outcome AS o",
        name="test.audit",
    )
    assert [(r["u"], r["o"]) for r in rows] == [("ana", "ok")]


def test_rejected_suggestion_is_never_proposed_again_after_a_new_pass(proposed):
    drv, sha = proposed
    cid = clue_of(suggestions.list_suggestions(drv), "ocr")
    suggestions.reject(drv, sha, cid, by="ben")
    # An older version's results: the pass analyses the file again and rewrites them.
    db.write(drv, "MATCH (m:Media) SET m.visualVersion = 0", name="test.older")
    rep = run_pass(drv, workers=1)
    again = [r["clue_id"] for r in suggestions.list_suggestions(drv)]
    assert rep.files == 1 and rep.already_done == 0
    assert cid not in again


def test_accepted_suggestion_is_not_proposed_again_after_a_new_pass(proposed):
    drv, sha = proposed
    cid = clue_of(suggestions.list_suggestions(drv), "language")
    suggestions.accept(drv, sha, cid, by="ana")
    db.write(drv, "MATCH (m:Media) SET m.visualVersion = 0", name="test.older")
    run_pass(drv, workers=1)
    assert cid not in [r["clue_id"] for r in suggestions.list_suggestions(drv)]


def test_reject_remembers_who_and_is_audited(proposed):
    drv, sha = proposed
    cid = clue_of(suggestions.list_suggestions(drv), "ocr")
    suggestions.reject(drv, sha, cid, by="ben")
    rows = db.records(
        drv,
        "MATCH (:Media {sha256: $sha})-[r:REJECTED_SUGGESTION]->(:Clue {id: $cid}) "
        "RETURN r.by AS by, "
        "COUNT { (e:AuditEvent {action: 'suggestions.reject', user: 'ben'}) } AS audited",
        sha=sha,
        cid=cid,
        name="test.rejected",
    )
    assert [(r["by"], r["audited"]) for r in rows] == [("ben", 1)]


def test_answering_twice_is_not_found(proposed):
    drv, sha = proposed
    cid = clue_of(suggestions.list_suggestions(drv), "language")
    suggestions.reject(drv, sha, cid, by="ben")
    with pytest.raises(NotFound):
        suggestions.accept(drv, sha, cid, by="ana")


def test_an_answer_needs_a_name(proposed):
    drv, sha = proposed
    with pytest.raises(InvalidInput):
        suggestions.accept(drv, sha, "language:pl", by="  ")


def test_saved_object_is_proposed_on_a_picture_loaded_later(driver, tmp_path):
    from loaders.visual_search import add_object_clue

    remove_index()
    vw.world(driver)
    out = add_object_clue(driver, vw.poster_crop(), series_id="S-FR", label="Star poster", by="ana")
    p = vw.write(tmp_path / "pl", "poster_b.jpg", vw.poster_room(3))
    vw.load(driver, tmp_path / "pl", "C-PL", "S-PL")
    run_pass(driver, workers=1)
    rows = suggestions.list_suggestions(driver, series_id="S-PL")
    hits = [(r["sha256"], r["source"]) for r in rows if r["clue_id"] == out["clue_id"]]
    assert out["suggestions"] == 0
    assert hits == [(vw.sha(p.read_bytes()), "object")]
