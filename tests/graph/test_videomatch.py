"""Video matching on hand-built graphs: clip against image, clip against clip (vPDQ).

Video ``Media`` are written as the media loader writes them (``kind 'video'``,
``frames``, ``frameQualities``, ``frameTimes``, ``pdq`` = the best frame), with the
``World`` helper of test_links.py, so that incremental updates compare with rebuilds.
"""

from __future__ import annotations

import random

import pytest

from graph import links, neardup, videomatch
from tests.graph.test_links import World, flip, rand_hex, sha, stored_links, stored_neardups

pytestmark = pytest.mark.neo4j


def add_video(
    world: World,
    name: str,
    series: str | tuple[str, ...],
    frames: list[str],
    *,
    qualities: list[int] | None = None,
    times: list[float] | None = None,
    non_pertinent: bool = False,
) -> str:
    series = (series,) if isinstance(series, str) else series
    qualities = qualities or [90] * len(frames)
    times = times if times is not None else [float(i) for i in range(len(frames))]
    best = max(range(len(frames)), key=lambda i: qualities[i])
    h = sha(name)
    world.run(
        """
        MERGE (m:Media {sha256: $sha})
        SET m.kind = 'video', m.fileName = $name, m.frames = $frames,
            m.frameQualities = $qualities, m.frameTimes = $times, m.pdq = $pdq,
            m.pdqQuality = $quality, m.durationSeconds = $duration, m.loadId = $loadId,
            m.nonPertinent = CASE WHEN $np THEN true ELSE NULL END
        WITH m
        UNWIND $series AS sid
        MATCH (s:Series {id: sid})
        MERGE (s)-[r:CONTAINS]->(m) ON CREATE SET r.loadId = $loadId
        WITH DISTINCT m
        MATCH (s:Series)-[:CONTAINS]->(m)
        MATCH (c:Case)-[:INVESTIGATES]->(s)
        MERGE (c)-[h:HOLDS]->(m) ON CREATE SET h.loadId = $loadId
        """,
        sha=h,
        name=f"{name}.mp4",
        frames=frames,
        qualities=qualities,
        times=times,
        pdq=frames[best],
        quality=qualities[best],
        duration=float(len(frames)),
        np=non_pertinent,
        series=list(series),
    )
    return h


def clip(rng: random.Random, n: int) -> list[str]:
    """``n`` unrelated frames (a clip whose every second shows something new)."""
    return [rand_hex(rng) for _ in range(n)]


def reencode(frames: list[str], rng: random.Random, bits: int = 10) -> list[str]:
    """The same frames after a re-encode or resize: a few bits flipped in each."""
    return [flip(f, bits, rng) for f in frames]


def edge(driver, a: str, b: str) -> dict | None:
    return stored_neardups(driver).get((a, b) if a < b else (b, a))


def two_countries(world: World) -> None:
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")


@pytest.fixture
def world(driver) -> World:
    w = World(driver)
    two_countries(w)
    return w


RNG = random.Random(11)
LONG = clip(RNG, 30)


# ----------------------------------------------------------------------------- clip vs image


def test_still_taken_from_a_clip_matches_it(world, driver):
    v = add_video(world, "clip", "S-FR", LONG)
    i = world.media("still", "S-DE", pdq=flip(LONG[12], 8, random.Random(1)))
    links.rebuild(driver)
    assert edge(driver, v, i)["method"] == "video_frame"


def test_clip_image_match_says_when_in_the_clip(world, driver):
    v = add_video(world, "clip", "S-FR", LONG)
    i = world.media("still", "S-DE", pdq=flip(LONG[12], 8, random.Random(1)))
    links.rebuild(driver)
    e = edge(driver, v, i)
    assert (e["at"], e["matchedFrames"], e["pdqDistance"]) == ([12.0], 1, 8)


def test_clip_image_match_links_their_series_with_the_moment_in_the_evidence(world, driver):
    add_video(world, "clip", "S-FR", LONG)
    world.media("still", "S-DE", pdq=flip(LONG[12], 8, random.Random(1)))
    links.rebuild(driver)
    ev = stored_links(driver)[("S-DE", "S-FR")]["evidence"]
    assert "frame at 12 s of clip clip.mp4" in ev[0]["detail"]


def test_a_crop_of_a_frame_matches_through_the_images_crop_hashes(world, driver):
    v = add_video(world, "clip", "S-FR", LONG)
    rng = random.Random(2)
    i = world.media("crop", "S-DE", pdq=rand_hex(rng), crops=[rand_hex(rng), flip(LONG[3], 6, rng)])
    links.rebuild(driver)
    assert edge(driver, v, i)["at"] == [3.0]


def test_a_rotated_frame_matches_through_the_images_dihedral_variants(world, driver):
    v = add_video(world, "clip", "S-FR", LONG)
    rng = random.Random(3)
    pdq = rand_hex(rng)
    variants = [pdq, rand_hex(rng), flip(LONG[20], 5, rng)] + [rand_hex(rng) for _ in range(5)]
    i = world.media("rotated", "S-DE", pdq=pdq, variants=variants)
    links.rebuild(driver)
    assert edge(driver, v, i)["method"] == "video_frame"


def test_an_unrelated_image_does_not_match_a_clip(world, driver):
    add_video(world, "clip", "S-FR", LONG)
    world.media("other", "S-DE", pdq=rand_hex(random.Random(4)))
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def test_only_frames_count_not_the_videos_own_pdq(world, driver):
    """The image index leaves videos out: a clip's ``pdq`` alone never matches."""
    rng = random.Random(5)
    v = add_video(world, "clip", "S-FR", clip(rng, 5))
    driver_pdq = rand_hex(rng)
    world.run("MATCH (m:Media {sha256: $sha}) SET m.pdq = $pdq", sha=v, pdq=driver_pdq)
    world.media("still", "S-DE", pdq=driver_pdq)
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def test_a_flat_frame_never_matches_an_image(world, driver):
    frames = clip(random.Random(6), 5)
    add_video(world, "clip", "S-FR", frames, qualities=[90, 90, 20, 90, 90])
    world.media("flat", "S-DE", pdq=frames[2], quality=90)
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def test_non_pertinent_clip_matches_no_image(world, driver):
    add_video(world, "clip", "S-FR", LONG, non_pertinent=True)
    world.media("still", "S-DE", pdq=LONG[12])
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def test_non_pertinent_image_matches_no_clip(world, driver):
    add_video(world, "clip", "S-FR", LONG)
    world.media("still", "S-DE", pdq=LONG[12], non_pertinent=True)
    links.rebuild(driver)
    assert stored_links(driver) == {}


# ----------------------------------------------------------------------------- clip vs clip


def test_trimmed_reencoded_clip_matches_the_original(world, driver):
    rng = random.Random(7)
    a = add_video(world, "orig", "S-FR", LONG)
    b = add_video(world, "trim", "S-DE", reencode(LONG[5:20], rng))
    links.rebuild(driver)
    assert edge(driver, a, b)["method"] == "vpdq"


def test_clip_match_gives_both_shares_from_the_start_node(world, driver):
    rng = random.Random(7)
    a = add_video(world, "orig", "S-FR", LONG)
    b = add_video(world, "trim", "S-DE", reencode(LONG[5:20], rng))
    links.rebuild(driver)
    e = edge(driver, a, b)
    shares = {a: 50.0, b: 100.0}  # 15 of 30 frames; all 15 of the trimmed clip
    first, second = sorted((a, b))
    assert (e["queryPercent"], e["targetPercent"]) == (shares[first], shares[second])


def test_clip_match_says_where_in_each_clip(world, driver):
    rng = random.Random(7)
    a = add_video(world, "orig", "S-FR", LONG)
    b = add_video(world, "trim", "S-DE", reencode(LONG[5:20], rng, bits=0))
    links.rebuild(driver)
    e = edge(driver, a, b)
    times = {a: 5.0, b: 0.0}  # the first best pair: second 5 of the original, 0 of the trim
    first, second = sorted((a, b))
    assert (e["at"], e["matchedFrames"]) == ([times[first], times[second]], 15)


def test_short_clip_cut_from_a_long_one_links_their_series(world, driver):
    rng = random.Random(8)
    long = clip(rng, 300)
    add_video(world, "long", "S-FR", long)
    add_video(world, "cut", "S-DE", reencode(long[200:206], rng))
    links.rebuild(driver)
    link = stored_links(driver)[("S-DE", "S-FR")]
    assert "near_duplicate" in link["kinds"]


def test_clips_overlapping_by_half_link(world, driver):
    rng = random.Random(9)
    a_frames = clip(rng, 20)
    a = add_video(world, "first", "S-FR", a_frames)
    b = add_video(world, "second", "S-DE", reencode(a_frames[10:], rng) + clip(rng, 10))
    links.rebuild(driver)
    assert edge(driver, a, b) is not None


def test_long_clips_sharing_a_long_stretch_link(world, driver):
    rng = random.Random(10)
    shared = clip(rng, 12)
    a = add_video(world, "a", "S-FR", clip(rng, 50) + shared + clip(rng, 50))
    b = add_video(world, "b", "S-DE", clip(rng, 80) + reencode(shared, rng) + clip(rng, 30))
    links.rebuild(driver)
    assert edge(driver, a, b)["matchedFrames"] == 12


def test_clips_sharing_a_few_frames_of_long_footage_do_not_link(world, driver):
    rng = random.Random(12)
    shared = clip(rng, 3)
    add_video(world, "a", "S-FR", clip(rng, 40) + shared)
    add_video(world, "b", "S-DE", shared + clip(rng, 40))
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def test_unrelated_clips_do_not_match(world, driver):
    rng = random.Random(13)
    for k in range(6):
        add_video(world, f"clip{k}", ("S-FR", "S-DE")[k % 2], clip(rng, 40))
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def test_flat_frames_never_match_between_clips(world, driver):
    frames = clip(random.Random(14), 6)
    add_video(world, "a", "S-FR", frames, qualities=[20] * 6)
    add_video(world, "b", "S-DE", frames, qualities=[20] * 6)
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def test_non_pertinent_clip_matches_no_clip(world, driver):
    add_video(world, "a", "S-FR", LONG, non_pertinent=True)
    add_video(world, "b", "S-DE", LONG[:10])
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def test_match_thresholds_are_settings(world, driver, monkeypatch):
    rng = random.Random(9)
    a_frames = clip(rng, 20)
    add_video(world, "first", "S-FR", a_frames)
    add_video(world, "second", "S-DE", reencode(a_frames[10:], rng) + clip(rng, 10))
    monkeypatch.setenv("CLUEGRAPH_VIDEO_MATCH_PERCENT", "80")  # vPDQ's own query threshold
    monkeypatch.setenv("CLUEGRAPH_VIDEO_MATCH_FRAMES", "11")  # 10 frames shared here
    from graph.config import reset_settings

    reset_settings()
    try:
        links.rebuild(driver)
    finally:
        monkeypatch.delenv("CLUEGRAPH_VIDEO_MATCH_PERCENT")
        monkeypatch.delenv("CLUEGRAPH_VIDEO_MATCH_FRAMES")
        reset_settings()
    assert stored_neardups(driver) == {}


# ----------------------------------------------------------------------------- rebuild vs update


def _first_load(world: World) -> dict[str, str]:
    rng = random.Random(21)
    world.load = "L1"
    world.series("S-NL", "NL")
    h = {
        "long": add_video(world, "long", "S-FR", LONG),
        "img": world.media("img", "S-NL", pdq=rand_hex(rng)),
        "np": add_video(world, "np-later", "S-NL", reencode(LONG[:8], rng)),
    }
    world.finish_load("2024-01-01T00:00:01Z")
    return h


def _second_load(world: World, h: dict[str, str]) -> None:
    rng = random.Random(22)
    world.load = "L2"
    world.series("S-US", "US")
    add_video(world, "cut", "S-US", reencode(LONG[10:16], rng))  # clip vs existing clip
    img_pdq = db_pdq(world, h["img"])
    add_video(world, "with-img", "S-US", clip(rng, 5) + [flip(img_pdq, 4, rng)])  # vs old image
    world.media("still-new", "S-DE", pdq=flip(LONG[25], 6, rng))  # new image vs old clip
    world.mark_non_pertinent(h["np"])
    world.finish_load("2024-01-02T00:00:01Z")


def db_pdq(world: World, sha256: str) -> str:
    from graph import db

    rows = db.records(
        world.driver, "MATCH (m:Media {sha256: $s}) RETURN m.pdq AS p", name="t", s=sha256
    )
    return rows[0]["p"]


def test_update_after_a_load_with_videos_equals_a_full_rebuild(world, driver):
    h = _first_load(world)
    links.rebuild(driver)
    _second_load(world, h)
    rep = links.update_for_load(driver, "L2")
    assert rep.videos is not None and rep.videos.full is False
    incremental = (stored_links(driver), stored_neardups(driver))
    links.rebuild(driver)
    assert (stored_links(driver), stored_neardups(driver)) == incremental


def test_update_after_a_load_finds_every_kind_of_video_match(world, driver):
    h = _first_load(world)
    links.rebuild(driver)
    _second_load(world, h)
    links.update_for_load(driver, "L2")
    methods = sorted(e["method"] for e in stored_neardups(driver).values())
    assert methods == ["video_frame", "video_frame", "vpdq"]


def test_rebuild_twice_writes_no_video_pair(world, driver):
    add_video(world, "orig", "S-FR", LONG)
    add_video(world, "trim", "S-DE", LONG[3:9])
    links.rebuild(driver)
    assert links.rebuild(driver).videos.written == 0


def test_a_load_without_media_is_recorded_and_the_next_update_stays_incremental(world, driver):
    h = _first_load(world)
    links.rebuild(driver)
    world.load = "L2"
    world.clue("tram ticket", series=("S-FR",))
    world.finish_load("2024-01-02T00:00:01Z")
    links.update_for_load(driver, "L2")
    world.load = "L3"
    v = add_video(world, "late", "S-DE", reencode(LONG[:6], random.Random(3)))
    world.finish_load("2024-01-03T00:00:01Z")
    rep = links.update_for_load(driver, "L3")
    assert (rep.videos.full, edge(driver, v, h["long"])["method"]) == (False, "vpdq")


def test_rebuild_summary_counts_video_pairs(world, driver):
    add_video(world, "orig", "S-FR", LONG)
    add_video(world, "trim", "S-DE", LONG[3:9])
    assert links.rebuild(driver).summary()["video_pairs"] == 1


def test_image_rebuild_keeps_video_pairs(world, driver):
    a = add_video(world, "orig", "S-FR", LONG)
    b = add_video(world, "trim", "S-DE", LONG[3:9])
    links.rebuild(driver)
    neardup.rebuild(driver)
    assert edge(driver, a, b) is not None


# ----------------------------------------------------------------------------- triage


def test_triage_of_a_clip_finds_clips_and_images(world, driver):
    rng = random.Random(31)
    v = add_video(world, "orig", "S-FR", LONG)
    i = world.media("still", "S-DE", pdq=flip(LONG[2], 5, rng))
    links.rebuild(driver)
    q = videomatch.VideoCodes.of_frames(
        "upload.mp4", [(float(t), f, 90) for t, f in enumerate(LONG[:4])], 50
    )
    _, found = videomatch.search(driver, videos=[q])
    assert {(m.b, m.method) for m in found[0]} == {(v, "vpdq"), (i, "video_frame")}


def test_triage_of_an_image_finds_the_clip_and_the_moment(world, driver):
    v = add_video(world, "orig", "S-FR", LONG)
    links.rebuild(driver)
    q = neardup.MediaCodes.of_query("upload.jpg", pdq=flip(LONG[17], 3, random.Random(1)))
    found, _ = videomatch.search(driver, images=[q])
    assert [(m.b, m.at_b) for m in found[0]] == [(v, 17.0)]


def test_a_hash_set_with_a_stricter_radius_applies_to_clips(world, driver):
    v = add_video(world, "clip", "S-FR", LONG)
    world.media("still", "S-DE", pdq=flip(LONG[12], 8, random.Random(1)))
    world.run(
        """
        MERGE (h:HashSet {id: 'HS-strict'}) SET h.name = 'strict', h.pdqRadius = 5
        WITH h MATCH (m:Media {sha256: $sha}) MERGE (h)-[r:LISTS]->(m) SET r.loadId = $loadId
        """,
        sha=v,
    )
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def test_changing_a_hash_sets_radius_refreshes_clip_pairs_as_a_rebuild_would(world, driver):
    from graph import hashsets

    v = add_video(world, "clip", "S-FR", LONG)
    world.media("still", "S-DE", pdq=flip(LONG[12], 8, random.Random(1)))
    world.run(
        """
        MERGE (h:HashSet {id: 'HS-strict'}) SET h.name = 'HS-strict'
        WITH h MATCH (m:Media {sha256: $sha}) MERGE (h)-[r:LISTS]->(m) SET r.loadId = $loadId
        """,
        sha=v,
    )
    world.finish_load()
    links.rebuild(driver)
    hashsets.configure(driver, "HS-strict", by="tester", pdq_radius=5)
    refreshed = (stored_links(driver), stored_neardups(driver))
    links.rebuild(driver)
    assert refreshed == (stored_links(driver), stored_neardups(driver)) == ({}, {})


# ----------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Clips made here from drawn rooms (a slow pan), loaded through the media loader."""
    from PIL import Image

    from media import video as lv
    from tests.loaders.test_video import pan

    root = tmp_path_factory.mktemp("clips")
    room = pan(5, 120)  # 12 s at 10 fps
    long = pan(6, 300)  # 30 s
    folders = {k: root / k for k in ("S-FR", "S-DE", "S-NL", "S-BR")}
    for f in folders.values():
        f.mkdir()
    lv.write_clip(room, folders["S-FR"] / "room.mp4", fps=10)
    lv.write_clip(long, folders["S-FR"] / "long.mp4", fps=10)
    # re-encoded smaller and at a low bit rate in another container, and trimmed to 3-9 s
    lv.write_clip(room[30:90], folders["S-DE"] / "trim.webm", fps=10, codec="libvpx",
                  size=(160, 120), bit_rate=150_000)  # fmt: skip
    lv.write_clip(long[100:160], folders["S-NL"] / "cut.mkv", fps=10)  # 6 s of the 30
    room[50].convert("RGB").save(folders["S-NL"] / "still.jpg", quality=85)  # at 5 s
    lv.write_clip(pan(8, 80), folders["S-BR"] / "other.mp4", fps=10)  # unrelated rooms
    lv.write_clip(pan(9, 80), folders["S-BR"] / "other2.mp4", fps=10)
    Image.effect_noise((320, 240), 60).convert("RGB").save(folders["S-BR"] / "noise.jpg")
    return folders


def _load_all(driver, folders) -> None:
    from loaders.media import MediaLoadOptions, load_media

    w = World(driver)
    for sid, cc in (("S-FR", "FR"), ("S-DE", "DE"), ("S-NL", "NL"), ("S-BR", "BR")):
        w.series(sid, cc)
    w.finish_load()
    for sid, folder in folders.items():
        rep = load_media(driver, folder, MediaLoadOptions(case_id=f"CASE-{sid}", series_id=sid))
        assert not rep.errors, rep.errors
        links.after_load(driver, rep)


def _named_edges(driver) -> dict[tuple[str, str], dict]:
    from graph import db

    rows = db.records(
        driver,
        "MATCH (a:Media)-[r:NEAR_DUPLICATE]->(b:Media) "
        "RETURN a.fileName AS a, b.fileName AS b, properties(r) AS p",
        name="test.nd.named",
    )
    return {tuple(sorted((r["a"], r["b"]))): dict(r["p"]) for r in rows}


def test_real_clips_link_as_expected_end_to_end(driver, clips):
    _load_all(driver, clips)
    edges = _named_edges(driver)
    assert {k: e["method"] for k, e in edges.items()} == {
        ("room.mp4", "trim.webm"): "vpdq",
        ("cut.mkv", "long.mp4"): "vpdq",
        ("room.mp4", "still.jpg"): "video_frame",
        ("still.jpg", "trim.webm"): "video_frame",
    }


def test_real_clips_give_the_moment_of_the_still(driver, clips):
    _load_all(driver, clips)
    e = _named_edges(driver)[("room.mp4", "still.jpg")]
    assert e["at"] == [5.0]


def test_real_clips_update_after_loads_equals_a_rebuild(driver, clips):
    _load_all(driver, clips)
    incremental = (stored_links(driver), stored_neardups(driver))
    links.rebuild(driver)
    assert (stored_links(driver), stored_neardups(driver)) == incremental
