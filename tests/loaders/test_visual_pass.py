"""The visual pass on generated pictures, through the real loaders and a real Neo4j.

One world, analysed once for the module: two views of one room in a French and a Polish
case, two other rooms with the same poster, a Polish sign, and three bad files (a tiny
picture, a picture truncated after the load, a picture deleted after the load).
"""

from __future__ import annotations

import json
import stat

import pytest

from graph import bundle, db, leads, links
from graph.config import get_settings
from loaders import visual
from loaders.media import MediaLoadOptions, load_media
from loaders.visual import VERSION, open_index, remove_index, run_pass
from tests.loaders import visual_world as vw

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


@pytest.fixture(scope="module")
def analysed(neo4j_server, tmp_path_factory):
    drv = db.get_driver()
    vw.fresh_world(drv)
    root = tmp_path_factory.mktemp("visual")
    a, b = vw.SAME_ROOM
    files = {
        "room_fr": vw.write(root / "fr", "IMG_0012.jpg", vw.room_view(1, a)),
        "poster_fr": vw.write(root / "fr", "poster_a.jpg", vw.poster_room(2)),
        "sign": vw.write(root / "fr", "sign.jpg", vw.sign(3, "pl")),
        "tiny": vw.write(root / "fr", "tiny.png", vw.tiny_png()),
        "cut": vw.write(root / "fr", "cut.jpg", vw.room_view(4, 0)),
        "gone": vw.write(root / "fr", "gone.jpg", vw.room_view(5, 0)),
        "room_pl": vw.write(root / "pl", "DSC_88.jpg", vw.room_view(1, b)),
        "poster_pl": vw.write(root / "pl", "poster_b.jpg", vw.poster_room(3)),
    }
    shas = {k: vw.sha(p.read_bytes()) for k, p in files.items()}
    vw.load(drv, root / "fr", "C-FR", "S-FR")
    vw.load(drv, root / "pl", "C-PL", "S-PL")
    data = files["cut"].read_bytes()
    files["cut"].write_bytes(data[: len(data) // 3])  # truncated since the load
    files["gone"].unlink()  # gone since the load
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(visual, "POOL_MIN_KEYS", 1)  # the pool path, although the world is small
        rep = run_pass(drv, workers=2, chunk=4)  # chunks: the next one's analysis overlaps
    return drv, rep, shas


def test_two_views_of_one_room_are_the_same_scene(analysed):
    drv, _, shas = analysed
    x, y = sorted((shas["room_fr"], shas["room_pl"]))
    assert vw.pairs(drv, "SAME_SCENE") == {(x, y)}


def test_same_scene_is_a_cross_country_lead_at_the_default_min_score(analysed):
    drv, _, _ = analysed
    rows = leads.cross_country(drv).rows
    kinds = {
        k for r in rows if {r["series_a"], r["series_b"]} == {"S-FR", "S-PL"} for k in r["kinds"]
    }
    assert "same_scene" in kinds


def test_same_scene_evidence_names_both_files_and_the_agreement(analysed):
    drv, _, _ = analysed
    ev = db.records(
        drv,
        "MATCH (:Series {id: 'S-FR'})-[l:LINKED]-(:Series {id: 'S-PL'}) RETURN l.evidence AS e",
        name="test.evidence",
    )[0]["e"]
    detail = next(e["detail"] for e in json.loads(ev) if e["kind"] == "same_scene")
    assert "IMG_0012.jpg" in detail and "DSC_88.jpg" in detail and "verified points" in detail


def test_rooms_sharing_a_poster_are_a_shared_object_not_the_same_scene(analysed):
    drv, _, shas = analysed
    x, y = sorted((shas["poster_fr"], shas["poster_pl"]))
    assert (x, y) in vw.pairs(drv, "SHARES_OBJECT")
    assert (x, y) not in vw.pairs(drv, "SAME_SCENE")


def test_relationships_carry_numbers_not_descriptors(analysed):
    drv, _, _ = analysed
    rows = db.records(
        drv,
        "MATCH ()-[r:SAME_SCENE|SHARES_OBJECT]->() RETURN DISTINCT keys(r) AS k",
        name="test.keys",
    )
    allowed = {
        "inliers", "coverage", "score", "regions", "method", "explanation", "frameMsA",
        "frameMsB", "version", "source", "loadId", "loadedAt",
    }  # fmt: skip
    assert all(set(r["k"]) <= allowed for r in rows)


def test_sign_is_proposed_as_text_and_polish_pointing_to_poland(analysed):
    drv, _, shas = analysed
    rows = db.records(
        drv,
        """
        MATCH (m:Media {sha256: $sha})-[s:SUGGESTS]->(c:Clue)
        OPTIONAL MATCH (c)-[:POINTS_TO]->(co:Country)
        RETURN s.source AS source, c.id AS id, collect(co.code) AS countries
        """,
        sha=shas["sign"],
        name="test.sugg",
    )
    by_source = {r["source"]: r for r in rows}
    assert by_source["language"]["id"] == "language:pl"
    assert "PL" in by_source["language"]["countries"]
    assert by_source["ocr"]["id"].startswith("text:")


def test_bad_files_get_a_note_each_and_the_pass_goes_on(analysed):
    _, rep, shas = analysed
    notes = {n.sha256: n.note for n in rep.notes}
    assert notes[shas["tiny"]].startswith("too small")
    assert notes[shas["cut"]].startswith(("truncated", "unreadable"))
    assert notes[shas["gone"]].startswith("gone")
    assert rep.analysed == 5


def test_a_gone_file_stays_to_do_and_the_others_are_marked_done(analysed):
    drv, _, shas = analysed
    rows = db.records(
        drv, "MATCH (m:Media) RETURN m.sha256 AS sha, m.visualVersion AS v", name="test.done"
    )
    versions = {r["sha"]: r["v"] for r in rows}
    assert versions.pop(shas["gone"]) is None
    assert set(versions.values()) == {VERSION}


def test_second_run_analyses_nothing(analysed):
    drv, _, _ = analysed
    rep = run_pass(drv, workers=1)
    assert (rep.analysed, rep.already_done) == (0, 7)


def test_index_dir_is_private_and_its_files_owner_only(analysed):
    d = visual.visual_dir()
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in d.iterdir() if p.is_file()}
    assert modes and set(modes.values()) == {0o600}


def test_bundle_holds_no_visual_features(analysed, tmp_path):
    drv, _, _ = analysed
    bundle.export_bundle(drv, tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "b").iterdir())
    text = "".join((tmp_path / "b" / n).read_text() for n in names)
    assert names == ["manifest.json", "nodes.jsonl", "relationships.jsonl"]
    assert "$bytes" not in text and "_features" not in text


def test_killed_pass_resumes_where_it_stopped(driver, tmp_path):
    remove_index()
    vw.world(driver)
    for i in range(4):
        vw.write(tmp_path / "fr", f"v{i}.jpg", vw.room_view(6 + i, 0))
    vw.load(driver, tmp_path / "fr", "C-FR", "S-FR")

    def stop_after_first_chunk(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_pass(driver, workers=1, chunk=2, progress=stop_after_first_chunk)
    rep = run_pass(driver, workers=1, chunk=2)
    assert (rep.already_done, rep.analysed) == (2, 2)


def test_features_saved_before_the_graph_writes_are_not_extracted_again(driver, tmp_path):
    remove_index()
    vw.world(driver)
    for i in range(2):
        vw.write(tmp_path / "fr", f"v{i}.jpg", vw.room_view(6 + i, 0))
    vw.load(driver, tmp_path / "fr", "C-FR", "S-FR")
    run_pass(driver, workers=1)
    # As if killed after the index and state were saved, before the graph was written.
    db.write(driver, "MATCH (m:Media) REMOVE m.visualVersion", name="test.unmark")
    rep = run_pass(driver, workers=1)
    assert (rep.analysed, rep.resumed) == (0, 2)
    assert len(open_index()) == 2


def test_frame_times_spread_over_the_clip():
    assert visual.frame_times(8.0, 4) == [1000, 3000, 5000, 7000]


def test_remove_index_deletes_the_folder(tmp_path, monkeypatch):
    from graph.config import reset_settings

    with monkeypatch.context() as m:
        m.setenv("CLUEGRAPH_HOME", str(tmp_path))
        reset_settings()
        with visual.index_lock():
            pass
        existed = visual.visual_dir().exists()
        removed = remove_index()
        gone = not visual.visual_dir().exists()
    reset_settings()
    assert (existed, removed, gone) == (True, True, True)


def test_a_clip_of_the_room_is_the_same_scene_as_a_photo_of_it(driver, tmp_path):
    import io

    from PIL import Image

    from media.video import write_clip

    remove_index()
    vw.world(driver)
    a, b = vw.SAME_ROOM
    frame = Image.open(io.BytesIO(vw.room_view(1, a))).convert("RGB")
    (tmp_path / "fr").mkdir()
    write_clip([frame] * 20, tmp_path / "fr" / "clip.mp4", fps=5, size=(1280, 960))
    photo = vw.write(tmp_path / "pl", "DSC_88.jpg", vw.room_view(1, b))
    vw.load(driver, tmp_path / "fr", "C-FR", "S-FR")
    vw.load(driver, tmp_path / "pl", "C-PL", "S-PL")
    rep = run_pass(driver, workers=1)
    rows = db.records(
        driver,
        "MATCH (v:Media {kind: 'video'})-[r:SAME_SCENE]-(p:Media {sha256: $sha}) "
        "RETURN coalesce(r.frameMsA, r.frameMsB) AS ms",
        sha=vw.sha(photo.read_bytes()),
        name="test.clip",
    )
    assert rep.analysed == 1 + get_settings().visual_video_frames
    assert len(rows) == 1 and rows[0]["ms"] is not None


def test_a_sign_in_a_clip_is_read_and_its_language_proposed(driver, tmp_path):
    """Text is read on the sampled frames of a video too (issue 12: "every loaded picture
    and sampled video frame"); the clip is made by the ffmpeg command line from a picture
    of a Polish sign, as a camera's file would be."""
    import subprocess

    remove_index()
    vw.world(driver)
    still = vw.write(tmp_path / "src", "sign.jpg", vw.sign(3, "pl"))
    clip = tmp_path / "fr" / "sign.mp4"
    clip.parent.mkdir()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-loop", "1", "-i", str(still), "-t", "2", "-r", "10",
         "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-pix_fmt", "yuv420p", "-c:v",
         "libx264", str(clip)],
        check=True,
        timeout=120,
    )  # fmt: skip
    vw.load(driver, tmp_path / "fr", "C-FR", "S-FR")
    rep = run_pass(driver, workers=1)
    rows = db.records(
        driver,
        """
        MATCH (m:Media {kind: 'video'})-[s:SUGGESTS]->(c:Clue)
        OPTIONAL MATCH (c)-[:POINTS_TO]->(co:Country)
        RETURN s.source AS source, c.id AS id, c.label AS label, collect(co.code) AS countries
        """,
        name="test.clip_text",
    )
    assert rep.analysed == get_settings().visual_video_frames
    by_source = {r["source"]: r for r in rows if r["source"] == "language"}
    assert by_source["language"]["id"] == "language:pl"
    assert "PL" in by_source["language"]["countries"]
    texts = [r["label"] for r in rows if r["source"] == "ocr"]
    words = {w.casefold() for t in texts for w in t.split()}
    from loaders.demo.signs import sign_picture

    truth = {w.casefold() for line in sign_picture(3, "pl")[1].lines for w in line.split()}
    assert len(words & truth) >= len(truth) // 2, (texts, truth)


def test_a_pass_over_a_few_files_starts_no_process_pool(driver, tmp_path, monkeypatch):
    """The one-picture exhibit: no pool (its workers' start-up) for a handful of files."""
    remove_index()
    vw.world(driver)
    vw.write(tmp_path / "fr", "one.jpg", vw.room_view(6, 0))
    vw.load(driver, tmp_path / "fr", "C-FR", "S-FR")
    started = []
    monkeypatch.setattr(visual, "ProcessPoolExecutor", lambda *a, **k: started.append(a))
    rep = run_pass(driver, workers=2)
    assert (rep.analysed, started) == (1, [])


def test_a_visual_pass_leaves_the_near_duplicate_index_fresh(driver, tmp_path, monkeypatch):
    """The pass writes scene pairs and proposed clues, never a Media's hashes: it does not
    move the media indexes' version, so the next load updates the near-duplicates of its
    own media instead of rebuilding every pair (and the links and clusters after them)."""
    from graph import indexversion, neardup

    remove_index()
    vw.world(driver)
    vw.write(tmp_path / "a", "one.jpg", vw.room_view(7, 0))
    vw.load(driver, tmp_path / "a", "C-FR", "S-FR")
    before = indexversion.current(driver)
    rep = run_pass(driver, workers=1)
    assert rep.analysed == 1
    assert indexversion.current(driver) == before
    assert indexversion.of_load(driver, rep.load_id) == frozenset()
    rebuilt: list[int] = []
    real = neardup.rebuild
    monkeypatch.setattr(neardup, "rebuild", lambda *a, **k: rebuilt.append(1) or real(*a, **k))
    vw.write(tmp_path / "b", "two.jpg", vw.room_view(8, 0))
    loaded = load_media(
        driver, tmp_path / "b", MediaLoadOptions(case_id="C-FR", series_id="S-FR", workers=1)
    )
    update = links.after_load(driver, loaded)
    assert update is not None and not update.full
    assert update.neardup is not None and not update.neardup.full
    assert update.neardup.media_indexed == 1
    assert rebuilt == []
