"""``analyse visual --rebuild``: every pair decided again from the stored features, on
generated rooms (tests/loaders/visual_world.py), against a real Neo4j."""

from __future__ import annotations

import pytest

from graph import db, indexversion
from loaders import visual, visual_rebuild
from loaders.visual import run_pass
from loaders.visual_rebuild import rebuild_pairs
from tests.loaders import visual_world as vw

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


@pytest.fixture(scope="module")
def passed(neo4j_server, tmp_path_factory):
    """Two views of one room (France, Poland), two rooms sharing a poster, one more room;
    loaded and through the visual pass."""
    drv = db.get_driver()
    vw.fresh_world(drv)
    root = tmp_path_factory.mktemp("rebuild")
    a, b = vw.SAME_ROOM
    files = {
        "room_fr": vw.write(root / "fr", "IMG_0012.jpg", vw.room_view(1, a)),
        "poster_fr": vw.write(root / "fr", "poster_a.jpg", vw.poster_room(2)),
        "other_fr": vw.write(root / "fr", "other.jpg", vw.room_view(9, 0)),
        "room_pl": vw.write(root / "pl", "DSC_88.jpg", vw.room_view(1, b)),
        "poster_pl": vw.write(root / "pl", "poster_b.jpg", vw.poster_room(3)),
    }
    shas = {k: vw.sha(p.read_bytes()) for k, p in files.items()}
    vw.load(drv, root / "fr", "C-FR", "S-FR")
    vw.load(drv, root / "pl", "C-PL", "S-PL")
    run_pass(drv, workers=1)
    truth = (vw.pairs(drv, "SAME_SCENE"), vw.pairs(drv, "SHARES_OBJECT"))
    return drv, shas, truth


def pair(shas: dict[str, str], x: str, y: str) -> tuple[str, str]:
    a, b = sorted((shas[x], shas[y]))
    return a, b


def test_the_pass_found_what_the_rebuild_is_checked_against(passed):
    _, shas, (scenes, objects) = passed
    assert scenes == {pair(shas, "room_fr", "room_pl")}
    assert pair(shas, "poster_fr", "poster_pl") in objects


def test_a_rebuild_of_unchanged_rules_keeps_every_pair_and_moves_no_version(passed):
    drv, _, truth = passed
    before = indexversion.current(drv)
    rep = rebuild_pairs(drv, workers=1)
    assert (vw.pairs(drv, "SAME_SCENE"), vw.pairs(drv, "SHARES_OBJECT")) == truth
    assert rep.keys == 5 and rep.verified >= 2 and rep.removed == 0
    assert (rep.scene_pairs, rep.object_pairs) == (len(truth[0]), len(truth[1]))
    assert indexversion.current(drv) == before  # a visual Load: the media indexes are fresh
    assert vw.count(drv, "MATCH (l:Load {id: $id}) RETURN count(l) AS c", id=rep.load_id) == 1


def test_a_rebuild_replaces_what_older_rules_decided(passed, monkeypatch):
    """Pairs as an older rule might have left them: a false same scene, the shared poster
    taken for the same room, the true pair missing; and a pair with a file whose features
    this unit never had (a bundle's): the first three are decided again, the last kept."""
    drv, shas, truth = passed
    fr, pl = pair(shas, "room_fr", "room_pl")
    false_a, false_b = pair(shas, "room_fr", "other_fr")
    pa, pb = pair(shas, "poster_fr", "poster_pl")
    db.write(
        drv,
        """
        MATCH (a:Media {sha256: $fr})-[r:SAME_SCENE]->(b:Media {sha256: $pl}) DELETE r
        WITH count(*) AS _
        MATCH (a:Media {sha256: $pa})-[r:SHARES_OBJECT]->(b:Media {sha256: $pb}) DELETE r
        WITH count(*) AS _
        MATCH (a:Media {sha256: $pa}), (b:Media {sha256: $pb})
        CREATE (a)-[:SAME_SCENE {score: 0.9, source: 'visual-pass', loadId: 'visual-old'}]->(b)
        WITH count(*) AS _
        MATCH (a:Media {sha256: $fa}), (b:Media {sha256: $fb})
        CREATE (a)-[:SAME_SCENE {score: 0.8, source: 'visual-pass', loadId: 'visual-old'}]->(b)
        WITH count(*) AS _
        MATCH (a:Media {sha256: $fr})
        CREATE (x:Media {sha256: 'ffff' + substring($fr, 4)})
        CREATE (a)-[:SAME_SCENE {score: 0.7, source: 'visual-pass', loadId: 'elsewhere'}]->(x)
        """,
        {"fr": fr, "pl": pl, "pa": pa, "pb": pb, "fa": false_a, "fb": false_b},
        name="test.older_rules",
    )
    outside = (fr, "ffff" + fr[4:])
    monkeypatch.setattr(visual_rebuild, "DELETE_BATCH", 1)  # the batches, too
    rep = rebuild_pairs(drv, workers=1)
    assert vw.pairs(drv, "SAME_SCENE") == truth[0] | {outside}
    assert vw.pairs(drv, "SHARES_OBJECT") == truth[1]
    assert (rep.removed, rep.kept_outside) == (2, 1)
    # the links follow: the two series are joined by the same scene again
    kinds = db.records(
        drv,
        "MATCH (:Series {id: 'S-FR'})-[l:LINKED]-(:Series {id: 'S-PL'}) RETURN l.kinds AS k",
        name="test.kinds",
    )
    assert kinds and "same_scene" in kinds[0]["k"]
    db.write(drv, "MATCH (x:Media) WHERE x.sha256 = $s DETACH DELETE x", s=outside[1], name="t")


def test_the_rebuild_verifies_in_the_pool_like_in_one_process(passed, monkeypatch):
    drv, _, truth = passed
    monkeypatch.setattr(visual, "POOL_MIN_KEYS", 1)
    rep = rebuild_pairs(drv, workers=2, chunk=2)
    assert (vw.pairs(drv, "SAME_SCENE"), vw.pairs(drv, "SHARES_OBJECT")) == truth
    assert rep.removed == 0


def test_a_stored_pair_retrieval_does_not_bring_back_is_decided_again_not_dropped(
    passed, monkeypatch
):
    """A product seen in more pictures than a picture's candidates: its pairs may fall out
    of every retrieval. Retrieval finding nothing at all, the stored pairs are still
    verified, and kept because they hold."""
    from media.visual.index import VisualIndex

    drv, _, truth = passed
    monkeypatch.setattr(VisualIndex, "scene_candidates", lambda self, feats, k=50: [])
    rep = rebuild_pairs(drv, workers=1)
    assert (vw.pairs(drv, "SAME_SCENE"), vw.pairs(drv, "SHARES_OBJECT")) == truth
    assert rep.removed == 0 and rep.verified == len(truth[0]) + len(truth[1])
