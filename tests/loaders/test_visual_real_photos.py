"""The visual pass on real photographs (OpenCV's sample pictures, tests/media/photos.py),
through the real loaders and a real Neo4j: the places photographed twice, in two
countries, are linked as the same scene; the other photographs are not; object search
finds the box."""

from __future__ import annotations

import shutil

import pytest

from graph import db
from loaders.visual import open_index, run_pass
from media.visual import objects
from tests.loaders import visual_world as vw
from tests.media.photos import photo

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

FR = ["leuvenA.jpg", "aloeL.jpg", "ela_original.jpg", "fruits.jpg", "box_in_scene.png"]
PL = ["leuvenB.jpg", "aloeR.jpg", "ela_modified.jpg", "building.jpg", "starry_night.jpg"]
SAME = [
    ("leuvenA.jpg", "leuvenB.jpg"),
    ("aloeL.jpg", "aloeR.jpg"),
    ("ela_original.jpg", "ela_modified.jpg"),
]


@pytest.fixture(scope="module")
def analysed(neo4j_server, tmp_path_factory):
    drv = db.get_driver()
    vw.fresh_world(drv)
    root = tmp_path_factory.mktemp("photos")
    sha = {}
    for folder, names in (("fr", FR), ("pl", PL)):
        (root / folder).mkdir()
        for n in names:
            shutil.copyfile(photo(n), root / folder / n)
            sha[n] = vw.sha(photo(n).read_bytes())
    vw.load(drv, root / "fr", "C-FR", "S-FR")
    vw.load(drv, root / "pl", "C-PL", "S-PL")
    rep = run_pass(drv, workers=1)
    return drv, rep, sha


def test_real_photographs_of_one_place_in_two_countries_are_the_same_scene(analysed):
    drv, rep, sha = analysed
    assert rep.notes == [], rep.notes
    want = {tuple(sorted((sha[x], sha[y]))) for x, y in SAME}
    assert vw.pairs(drv, "SAME_SCENE") == want


def test_the_same_scene_links_the_two_series(analysed):
    drv, _, _ = analysed
    rows = db.records(
        drv,
        "MATCH (:Series {id: 'S-FR'})-[l:LINKED]-(:Series {id: 'S-PL'}) RETURN l.kinds AS k",
        name="test.link",
    )
    assert rows and "same_scene" in rows[0]["k"], rows


def test_object_search_over_the_pass_index_finds_the_box(analysed):
    _, _, sha = analysed
    im, w, h = objects.open_region(photo("box.png").read_bytes())
    q = objects.query_from_image(im, original_size=(w, h))
    hits = objects.search(open_index(), q, limit=3)
    assert hits and hits[0].key == sha["box_in_scene.png"], hits
