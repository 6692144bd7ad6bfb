"""Visual clues in the app: the series page's same-scene section and suggestions panel, the
clue board's suggestions, the object search page.

Pictures are generated here (loaders/demo/scene3d.py draws rooms; no people): room A
photographed in S-FR-1, the same room re-framed, darker and partly hidden in S-DE-1
(another country), and another room with a mass-market poster in S-FR-2. They are loaded
through the media loader into the seeded graph and analysed by the real visual pass into
a visual index of the test's own (``loaders.visual.visual_dir`` points at a temporary
folder: the index is a folder on disk, nothing of Neo4j is replaced).
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance

from graph import db, links
from loaders import visual as visual_pass
from loaders.demo import scene3d
from tests.app.test_pages import button, run, texts

pytestmark = pytest.mark.neo4j

POSTER = 77


def _jpeg(img: Image.Image, quality: int = 88) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


@pytest.fixture(scope="module")
def pictures() -> dict[str, bytes]:
    return make_pictures()


def make_pictures() -> dict[str, bytes]:
    """Room A, the same room re-framed (zoom, crop, darker, a grey blob in front, other
    JPEG quality), and another room with the poster."""
    room = scene3d.make_room(9101, False, {"poster": POSTER})
    a, _ = scene3d.view_jpeg(room, 1, occlusion=(0.0, 0.0))
    img = Image.open(io.BytesIO(a)).convert("RGB")
    w, h = img.size
    b = img.crop((int(w * 0.12), int(h * 0.08), int(w * 0.95), int(h * 0.92))).resize((1100, 825))
    b = ImageEnhance.Brightness(b).enhance(0.8)
    ImageDraw.Draw(b).ellipse((60, 420, 330, 825), fill=(128, 128, 128))
    other = scene3d.make_room(9202, False, {"poster": POSTER})
    c, truth = scene3d.view_jpeg(other, 2, occlusion=(0.0, 0.0))
    assert truth["boxes"].get(f"poster:{POSTER}"), "the poster must be in view"
    return {"a": a, "b": _jpeg(b, 70), "c": c}


@pytest.fixture(scope="module")
def visual_home(tmp_path_factory):
    """One visual index for the module: each test's graph is new, but the pass finds the
    pictures' features and text in the index's state and does not compute them again."""
    d = tmp_path_factory.mktemp("visual") / "visual"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(visual_pass, "visual_dir", lambda: d)
        yield d


@pytest.fixture
def rooms(seeded, pictures, visual_home, tmp_path) -> dict[str, str]:
    """The three pictures loaded and analysed; returns name -> sha256."""
    from loaders.media import MediaLoadOptions, load_media

    where = {"a": ("C-FR-1", "S-FR-1"), "b": ("C-DE-1", "S-DE-1"), "c": ("C-FR-2", "S-FR-2")}
    for name, (case, series) in where.items():
        folder = tmp_path / f"load-{name}"
        folder.mkdir()
        (folder / f"room_{name}.jpg").write_bytes(pictures[name])
        rep = load_media(seeded, folder, MediaLoadOptions(case_id=case, series_id=series))
        assert not rep.errors, rep.errors
        links.after_load(seeded, rep)
    rep = visual_pass.run_pass(seeded, workers=1)
    assert rep.scene_pairs >= 1, rep.summary()
    rows = db.records(
        seeded,
        "MATCH (m:Media) WHERE m.fileName STARTS WITH 'room_' RETURN m.fileName AS f, "
        "m.sha256 AS sha",
        name="test.rooms",
    )
    return {r["f"][5:6]: r["sha"] for r in rows}


def test_the_outlines_are_the_stored_pairs_regions_from_either_side(rooms, seeded):
    """The regions drawn on both pictures are as many as the stored explanation counts,
    whichever series' page shows the pair (a match measured from the other picture's side
    can count other regions)."""
    from app import visual_panels
    from service import series as series_service
    from tests.app.conftest import user

    stamp = visual_panels._index_stamp()
    seen = 0
    for sid in ("S-FR-1", "S-DE-1"):
        for row in series_service.scenes(seeded, sid, user=user("dana")).rows:
            if row["kind"] != "same_scene":
                continue
            reg = visual_panels.pair_regions(row, row["sha256"], row["otherSha256"], stamp)
            assert reg is not None
            n = int(re.search(r"in (\d+) separate regions", row["explanation"]).group(1))
            assert (len(reg["a"]), len(reg["b"]), reg["inliers"]) == (n, n, row["inliers"])
            seen += 1
    assert seen == 2  # the pair, once from each side


def test_series_page_shows_the_same_scene_pair_blurred_and_audits_a_reveal(rooms, seeded):
    at = run("views/series.py", query={"series": "S-FR-1"}, name="dana")
    body = texts(at)
    assert "Same scene" in body
    assert "S\\-DE\\-1 (DE)" in body  # the other side's series and country
    assert "verified points" in body and "separate regions" in body
    # the header's figures and the explanation under it are the same pair's, same numbers
    head = next(
        m.value for m in at.markdown if "verified points" in m.value and "other side" in m.value
    )
    caption = next(c.value for c in at.caption if "separate regions" in c.value)
    points = re.search(r"\*\*(\d+)\*\* verified points", head).group(1)
    assert f"{points} verified points" in caption, (head, caption)
    share = re.search(r"(\d+) % of the frame", head).group(1)
    assert caption.startswith(f"{share} % of the frame"), (head, caption)
    # Both pictures of the pair are drawn, blurred until revealed: one Reveal each.
    reveals = [b for b in at.button if b.label == "Reveal" and "-ss0-" in (b.key or "")]
    assert len(reveals) == 2
    next(b for b in reveals if "-ss0-a" in (b.key or "")).click().run()
    assert not at.exception
    ev = db.records(
        seeded,
        "MATCH (e:AuditEvent {action: 'thumbnail.reveal', user: 'dana'}) RETURN e.parameters AS p",
        name="test.reveal",
    )
    assert any(rooms["a"] in str(e["p"]) for e in ev)
    assert [b for b in at.button if b.label == "Blur again" and "-ss0-a" in (b.key or "")]
    # The room with the same poster is not the same scene.
    scene = db.records(
        seeded,
        "MATCH (:Media {sha256: $c})-[:SAME_SCENE]-(b:Media) RETURN count(b) AS n",
        c=rooms["c"],
        name="test.c",
    )
    assert scene[0]["n"] == 0
    at = run("views/series.py", query={"series": "S-FR-2"})
    assert not [b for b in at.button if "-ss0-" in (b.key or "")]


def test_same_scene_pictures_are_blurred_grey_with_the_regions_in_colour():
    from app import visual_panels as V

    room = Image.open(io.BytesIO(scene3d.view_jpeg(scene3d.make_room(9101), 0)[0]))
    veiled = np.asarray(Image.open(io.BytesIO(V.outlined(room, [(10, 10, 50, 50)], False, 300))))
    clear = np.asarray(Image.open(io.BytesIO(V.outlined(room, [], True, 300))))
    inside = veiled[40:50, 40:50].astype(int)  # away from the outline
    assert np.abs(inside[..., 0] - inside[..., 1]).max() == 0  # grey
    assert (
        np.abs(np.diff(veiled[100:200, 100:200, 0].astype(int), axis=1)).mean()
        < np.abs(np.diff(clear[100:200, 100:200, 0].astype(int), axis=1)).mean()
    )  # blurred: less detail than the revealed picture
    # The outline is drawn in colour on the grey picture, and nothing else is in colour.
    coloured = np.abs(veiled[..., 0].astype(int) - veiled[..., 1].astype(int)) > 30
    assert coloured.any()
    ys, xs = np.nonzero(coloured)
    f = veiled.shape[1] / room.width
    assert xs.max() <= round(60 * f) + 3 and ys.max() <= round(60 * f) + 3


def _plant_suggestion(driver, sha: str) -> None:
    db.write(
        driver,
        "MATCH (m:Media {sha256: $sha}) "
        "MERGE (c:Clue {id: 'language:pl'}) SET c.type = 'language', c.value = 'pl', "
        "c.label = 'Polish' "
        "MERGE (co:Country {code: 'PL'}) MERGE (c)-[p:POINTS_TO]->(co) SET p.confidence = 0.97 "
        "MERGE (m)-[s:SUGGESTS]->(c) SET s.source = 'language', s.confidence = 0.91",
        {"sha": sha},
        name="test.suggest",
    )


def test_accept_and_reject_suggestions_change_the_graph_and_are_audited(rooms, seeded):
    _plant_suggestion(seeded, rooms["a"])
    at = run("views/series.py", query={"series": "S-FR-1"}, name="dana")
    body = texts(at)
    assert "Suggested clues" in body and "Polish" in body and "PL \\(97 %\\)" in body
    button(at, "Accept").click().run()
    assert not at.exception
    shows = db.records(
        seeded,
        "MATCH (m:Media {sha256: $sha})-[r:SHOWS]->(:Clue {id: 'language:pl'}) "
        "RETURN r.analyst AS who",
        sha=rooms["a"],
        name="test.shows",
    )
    assert [r["who"] for r in shows] == ["dana"]
    # Rejected on the clue board: removed, remembered, never a clue.
    _plant_suggestion(seeded, rooms["b"])
    at = run("views/clues.py", name="bob")
    assert "Polish" in texts(at)
    button(at, "Reject").click().run()
    assert not at.exception
    rows = db.records(
        seeded,
        "MATCH (m:Media {sha256: $sha}) RETURN COUNT { (m)-[:SUGGESTS]->() } AS open, "
        "COUNT { (m)-[:REJECTED_SUGGESTION]->(:Clue {id: 'language:pl'}) } AS rejected, "
        "COUNT { (m)-[:SHOWS]->(:Clue {id: 'language:pl'}) } AS shown",
        sha=rooms["b"],
        name="test.rejected",
    )
    assert rows[0] == {"open": 0, "rejected": 1, "shown": 0}
    ev = db.records(
        seeded,
        "MATCH (e:AuditEvent) WHERE e.action IN ['suggestions.accept', 'suggestions.reject'] "
        "RETURN e.user AS user, e.action AS action ORDER BY action",
        name="test.audit",
    )
    assert [(e["user"], e["action"]) for e in ev] == [
        ("dana", "suggestions.accept"),
        ("bob", "suggestions.reject"),
    ]


def test_object_search_finds_the_planted_poster_and_saves_a_standing_search(rooms, seeded):
    poster = Image.fromarray(scene3d.product_texture("poster", POSTER))
    at = run("views/objects.py", name="dana")
    at.file_uploader[0].set_value([("poster.png", _png(poster), "image/png")])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    button(at, "Search everywhere").click().run()
    assert not at.exception, [e.value for e in at.exception]
    df = next(d.value for d in at.dataframe if "inliers" in d.value.columns)
    assert df.iloc[0]["sha256"] == rooms["c"][:12]
    assert "S-FR-2" in str(df.iloc[0]["series"]) and "FR" in str(df.iloc[0]["countries"])
    # Each found picture is drawn blurred, with its own Reveal.
    assert [b for b in at.button if b.label == "Reveal" and "-obj0" in (b.key or "")]
    ev = db.records(
        seeded,
        "MATCH (e:AuditEvent {action: 'search.object', user: 'dana'}) RETURN e.resultCount AS n",
        name="test.audit",
    )
    assert ev and ev[0]["n"] >= 1
    at.text_input(key="obj_save_series").set_value("S-FR-2")
    at.text_input(key="obj_save_label").set_value("blue poster 77")
    button(at, "Save as object clue").click().run()
    assert not at.exception, [e.value for e in at.exception]
    rows = db.records(
        seeded,
        "MATCH (:Series {id: 'S-FR-2'})-[:SHOWS]->(c:Clue {type: 'object'}) RETURN c.id AS id",
        name="test.object_clue",
    )
    assert rows
    sugg = db.records(
        seeded,
        "MATCH (m:Media {sha256: $sha})-[s:SUGGESTS {source: 'object'}]->(:Clue) "
        "RETURN count(s) AS n",
        sha=rooms["c"],
        name="test.object_sugg",
    )
    assert sugg[0]["n"] == 1


def test_a_box_on_a_loaded_picture_searches_only_that_box(rooms, seeded):
    at = run("views/objects.py", name="dana")
    at.radio(key="obj_source").set_value("a box on a loaded picture").run()
    at.text_input(key="obj_series").set_value("S-FR-2").run()
    at.checkbox(key="obj_use_box").check().run()
    box = scene3d.view_jpeg(
        scene3d.make_room(9202, False, {"poster": POSTER}), 2, occlusion=(0.0, 0.0)
    )[1]["boxes"][f"poster:{POSTER}"]
    for key, v in zip(("obj_x", "obj_y", "obj_w", "obj_h"), box, strict=True):
        at.number_input(key=key).set_value(int(v))
    at.run()
    assert f"box {box[0]},{box[1]},{box[2]},{box[3]}" in texts(at)
    button(at, "Search everywhere").click().run()
    assert not at.exception, [e.value for e in at.exception]
    df = next(d.value for d in at.dataframe if "inliers" in d.value.columns)
    assert rooms["c"][:12] in list(df["sha256"])


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="PNG")
    return buf.getvalue()


def test_triage_of_a_new_photo_shows_the_same_room(rooms, pictures):
    img = Image.open(io.BytesIO(pictures["a"])).convert("RGB")
    w, h = img.size
    new = img.crop((int(w * 0.05), int(h * 0.1), w, h)).resize((1000, 720))
    at = run("views/triage.py", name="dana")
    at.file_uploader[0].set_value([("new.jpg", _jpeg(new, 80), "image/jpeg")])
    button(at, "Triage").click().run()
    assert not at.exception, [e.value for e in at.exception]
    body = texts(at)
    assert "Same scene" in body and "S\\-FR\\-1" in body and "verified points" in body
