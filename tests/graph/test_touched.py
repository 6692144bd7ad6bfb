"""What a load changed, found through loadId indexes (the links update after each load).

Each relationship type a loader can write with its ``loadId`` is written here alone and
must be found: ``neardup_touched_media``, ``links_affected_series`` and
``links_affected_groups`` name every type (a relationship property index needs the
type), so a type added to the model and missing from them fails here. Also checked: the
queries seek those indexes instead of scanning every relationship of the store.
"""

from __future__ import annotations

import pytest

from graph import db, links, neardup, queries
from graph.schema import Rel
from tests.graph.profiling import profiled

#: Relationship types that never end on a Media (or carry no loadId: derived by the
#: engine, or an analyst's rejection). Every other type of the model must be found.
NOT_ON_MEDIA = {
    Rel.IN_COUNTRY,
    Rel.OWNED_BY,
    Rel.INVESTIGATES,
    Rel.POINTS_TO,
    Rel.FEATURES,
    Rel.NEAR_DUPLICATE,
    Rel.LINKED,
    Rel.REJECTED_SUGGESTION,
}
ON_MEDIA = sorted(set(Rel) - NOT_ON_MEDIA)
#: Relationship types that can end on a Series, with the label of their other end.
ON_SERIES = {
    Rel.CONTAINS: "Media",
    Rel.INVESTIGATES: "Case",
    Rel.FEATURES: "Victim",
    Rel.SHOWS: "Clue",
}


def _write(driver, cypher: str, **params) -> None:
    db.write(driver, cypher, name="test.touched", **params)


@pytest.mark.parametrize("rel", ON_MEDIA)
def test_a_relationship_the_load_wrote_on_a_media_is_found(driver, rel):
    # the nodes come from an earlier load; only the relationship is this load's
    _write(
        driver,
        "CREATE (:Series {id: 'S-1', loadId: 'L1'})-[:CONTAINS {loadId: 'L1'}]->"
        "(m:Media {sha256: 'aa', loadId: 'L1'}), (:Clue {id: 'c', loadId: 'L1'}), "
        "(:Media {sha256: 'bb', loadId: 'L1'})",
    )
    other = (
        "(o:Media {sha256: 'bb'})"
        if rel in (Rel.SAME_SCENE, Rel.SHARES_OBJECT)
        else ("(o:Clue {id: 'c'})")
    )
    _write(
        driver,
        f"MATCH (m:Media {{sha256: 'aa'}}), {other} CREATE (m)-[:{rel} {{loadId: 'L2'}}]->(o)",
    )
    touched = set(neardup.touched_media(driver, "L2"))
    assert "aa" in touched
    assert "S-1" in links.affected_series(driver, "L2")
    assert neardup.touched_media(driver, "L1") and not neardup.touched_media(driver, "L3")


@pytest.mark.parametrize("rel", sorted(ON_SERIES))
def test_a_relationship_the_load_wrote_on_a_series_changes_that_series(driver, rel):
    label = ON_SERIES[rel]
    key = "sha256" if label == "Media" else "id"
    _write(
        driver,
        f"CREATE (:Series {{id: 'S-1', loadId: 'L1'}}), (:{label} {{{key}: 'x', loadId: 'L1'}})",
    )
    a, b = ("o", "s") if rel == Rel.INVESTIGATES else ("s", "o")
    _write(
        driver,
        f"MATCH (s:Series {{id: 'S-1'}}), (o:{label} {{{key}: 'x'}}) "
        f"CREATE ({a})-[:{rel} {{loadId: 'L2'}}]->({b})",
    )
    assert links.affected_series(driver, "L2") == {"S-1"}


def test_a_clue_and_a_place_the_load_touched_are_groups_to_weigh_again(driver):
    _write(
        driver,
        "CREATE (s:Series {id: 'S-1'})-[:CONTAINS]->(:Media {sha256: 'aa'}), "
        "(s)-[:CONTAINS]->(:Media {sha256: 'bb'}), "
        "(c:Clue {id: 'c'})-[:POINTS_TO]->(l:Location {id: 'geonames:1'}), "
        "(g:Location {id: 'geonames:2'})",
    )
    _write(
        driver,
        "MATCH (a:Media {sha256: 'aa'}), (b:Media {sha256: 'bb'}), (c:Clue {id: 'c'}), "
        "(g:Location {id: 'geonames:2'}) "
        "CREATE (a)-[:SHOWS {loadId: 'L2'}]->(c), (b)-[:GEOTAGGED_AT {loadId: 'L3'}]->(g)",
    )
    assert {(g["kind"], g["id"]) for g in _groups(driver, "L2")} == {
        ("clue", "c"),
        ("place", "geonames:1"),
    }
    assert [(g["kind"], g["id"], g["series"]) for g in _groups(driver, "L3")] == [
        ("place", "geonames:2", ["S-1"])
    ]


def _groups(driver, load_id: str) -> list[dict]:
    """The clues and places a load's changes weigh again, as the links update asks."""
    return links.affected_groups(driver, load_id, neardup.touched_media(driver, load_id))


@pytest.mark.parametrize(
    "query",
    [
        "neardup_touched_media",
        "neardup_touched_media_of_folder",
        "links_affected_series",
        "links_affected_groups",
    ],
)
def test_a_load_that_wrote_nothing_costs_next_to_nothing_to_look_up(driver, query):
    # 1,200 relationships of one earlier load: the untyped (m:Media)-[r]-() read them all,
    # and a label in a typed pattern made the planner scan the label (believing that a
    # seek of the store's only loadId value returns everything) instead of seeking
    _write(
        driver,
        "UNWIND range(1, 400) AS i "
        "CREATE (s:Series {id: 'S-' + i, loadId: 'L1'})-[:CONTAINS {loadId: 'L1'}]->"
        "(m:Media {sha256: 'm' + i, loadId: 'L1'})-[:SHOWS {loadId: 'L1'}]->"
        "(:Clue {id: 'c' + i, loadId: 'L1'}), (m)-[:GEOTAGGED_AT {loadId: 'L1'}]->"
        "(:Location {id: 'geonames:' + i, loadId: 'L1'})",
    )
    # Planned for this store once its index statistics describe it: a plan cached by an
    # earlier test on a few nodes, or made before the loadId indexes were sampled again
    # (in the background), scans an index where a seek finds nothing.
    rows, hits = profiled(driver, getattr(queries, query)(), 200, loadId="L2", sha256s=[])
    assert rows == []
    assert hits < 200, hits


def test_a_folder_load_is_found_from_its_media_as_the_general_queries_find_it(driver, tmp_path):
    """``load media`` writes nothing but its media and relationships from them, so the
    lookups from its media alone (planned in milliseconds) must find what the general
    lookups (a branch per relationship type) find: the media, the series, the clues and
    places to weigh again, here with a camera, a geotag, a series, and a hash-only record
    (a clue shown, pointing to a place) merged into the loaded file."""
    import hashlib

    from loaders.media import MediaLoadOptions, load_media
    from tests.loaders.test_media_loader import gps, jpeg, world

    world(driver, cases=("C1", "C2"), series=("S1", "S2", "S3"))
    merged = jpeg(tmp_path / "f" / "a.jpg", 1, make="Canon", model="EOS 5D", serial="123",
                  gps_ifd=gps(48.8566, 2.3522))  # fmt: skip
    jpeg(tmp_path / "f" / "b.jpg", 2, make="Canon", model="EOS 5D", serial="123")
    md5 = hashlib.md5(merged.read_bytes()).hexdigest()
    _write(
        driver,
        "CREATE (:Media {md5: $md5, loadId: 'L0'})-[:SHOWS {loadId: 'L0'}]->"
        "(c:Clue {id: 'c-bag', loadId: 'L0'})-[:POINTS_TO]->(:Location {id: 'geonames:9'}), "
        "(s2:Series {id: 'S9'})-[:SHOWS]->(c), (s2)-[:CONTAINS]->(:Media {sha256: 'zz'})",
        md5=md5,
    )
    report = load_media(driver, tmp_path / "f", MediaLoadOptions(case_id="C1", series_id="S1"))
    assert report.ok and report.written == 2 and report.kind in links.MEDIA_ONLY_KINDS
    lid = report.load_id

    lean = neardup.touched_media(driver, lid, media_only=True)
    general = neardup.touched_media(driver, lid)
    assert sorted(lean) == sorted(general) and len(lean) == 2
    groups = {
        flag: sorted((g["kind"], g["id"], sorted(g["series"]))
                     for g in links.affected_groups(driver, lid, lean, media_only=flag))
        for flag in (True, False)
    }  # fmt: skip
    assert groups[True] == groups[False]
    assert {(k, i) for k, i, _ in groups[True]} >= {("clue", "c-bag"), ("place", "geonames:9")}
    assert any(k == "place" and i != "geonames:9" for k, i, _ in groups[True])  # the geotag
    series = {
        flag: links.affected_series(driver, lid, media=lean, media_only=flag)
        for flag in (True, False)
    }
    assert series[True] == series[False] == {"S1", "S9"}


def _folder(tmp_path, name: str, seeds: list[int]):
    from tests.loaders.test_media_loader import jpeg

    for s in seeds:
        jpeg(tmp_path / name / f"{s}.jpg", s)
    return tmp_path / name


def test_a_folder_load_that_accounts_for_the_media_count_skips_the_eligible_count(
    driver, tmp_path, monkeypatch
):
    """The near-duplicate update's guard (the eligible media counted in Neo4j, 2.5 s at 1M)
    is not needed when the store's media count (count store) is the one the saved index
    recorded plus what the load's writer created: a second folder load makes no count;
    a media written in between without a load (the guard's reason) brings it back, and
    the rebuild it finds necessary."""
    from loaders.media import MediaLoadOptions, load_media
    from tests.loaders.test_media_loader import world

    world(driver, cases=("C1",), series=("S1",))
    counted: list[int] = []
    real = neardup.eligible_count

    def counting(*a, **k):
        counted.append(1)
        return real(*a, **k)

    monkeypatch.setattr(neardup, "eligible_count", counting)

    def load(name: str, seeds: list[int]):
        rep = load_media(driver, _folder(tmp_path, name, seeds), MediaLoadOptions(case_id="C1"))
        assert rep.ok and links.media_delta(rep) == len(seeds)
        return links.after_write(driver, report=rep)

    load("a", [1, 2])  # the first: no saved index yet (a rebuild, which records the count)
    counted.clear()
    second = load("b", [3])
    assert not second.neardup.full and counted == []
    assert len(neardup.ensure_index(driver)) == 3

    db.write(  # a media written outside any load, its version not moved
        driver,
        "CREATE (:Media {sha256: 'ff' + $n, kind: 'image', pdq: $pdq, pdqQuality: 90})",
        n="0" * 62,
        pdq="ab" * 32,
        name="test.unversioned",
    )
    third = load("c", [4])
    assert counted and third.neardup.full
    assert len(neardup.ensure_index(driver)) == 5


def test_clusters_are_computed_again_only_when_a_folder_load_changed_a_link(
    driver, tmp_path, monkeypatch
):
    """A folder load cannot change a series' countries: when it changes no link either,
    the stored clusters stand as they are (not recomputed); when it links two series,
    they are recomputed and hold the new link."""
    from graph import clusters
    from loaders.media import MediaLoadOptions, load_media
    from tests.loaders.test_media_loader import jpeg, world

    world(driver, cases=("C1", "C2"), series=("S1", "S2"))
    _write(
        driver,
        "MATCH (c2:Case {id: 'C2'}), (s2:Series {id: 'S2'}) MERGE (c2)-[:INVESTIGATES]->(s2)",
    )
    stored: list[int] = []
    real = clusters.store
    monkeypatch.setattr(clusters, "store", lambda d: stored.append(1) or real(d))

    def load(name: str, seed: int, case: str, series: str, **exif):
        jpeg(tmp_path / name / "a.jpg", seed, **exif)
        opts = MediaLoadOptions(case_id=case, series_id=series)
        rep = load_media(driver, tmp_path / name, opts)
        assert rep.ok
        return links.after_write(driver, report=rep)

    cam = {"make": "Canon", "model": "EOS 5D", "serial": "4242"}
    load("a", 1, "C1", "S1", **cam)
    stored.clear()
    linked = load("b", 2, "C2", "S2", **cam)  # the same camera in another series
    assert linked.written >= 1 and stored == [1]
    rows = db.records(
        driver, "MATCH (s:Series) WHERE s.id IN ['S1', 'S2'] RETURN s.community AS c", name="t"
    )
    assert len({r["c"] for r in rows}) == 1 and rows[0]["c"] is not None
    stored.clear()
    quiet = load("c", 3, "C1", "S1")  # no camera: no link changes
    assert (quiet.written, quiet.deleted, stored) == (0, 0, [])
    assert clusters.intact(driver)
