"""Near-duplicate matching: the decision rule, flood control, the index cache, updates."""

from __future__ import annotations

import io
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from graph import db, links, neardup
from graph.config import reset_settings
from graph.neardup import TAG_CROP, TAG_PDQ, TAG_TRIMMED, MediaCodes, compare_codes
from tests.graph.test_links import World, flip, rand_hex, sha, stored_neardups

RNG = random.Random(11)
P = [rand_hex(RNG) for _ in range(8)]


def codes(name, pdq, *, variants=(), trimmed=None, crops=(), phash=None) -> MediaCodes:
    stored, tags = [pdq], [TAG_PDQ]
    if trimmed:
        stored.append(trimmed)
        tags.append(TAG_TRIMMED)
    stored += list(crops)
    tags += [TAG_CROP] * len(crops)
    return MediaCodes(name, pdq, stored, tags, list(variants), phash)


# ----------------------------------------------------------------------------- the rule


def test_close_pdq_matches_by_pdq():
    m = compare_codes(codes("a", P[0]), codes("b", flip(P[0], 20, RNG)))
    assert (m.method, m.pdq_distance) == ("pdq", 20)


def test_pdq_beyond_the_radius_does_not_match():
    assert compare_codes(codes("a", P[0]), codes("b", flip(P[0], 40, RNG))) is None


def test_radius_is_inclusive():
    assert compare_codes(codes("a", P[0]), codes("b", flip(P[0], 31, RNG))).pdq_distance == 31


def test_trimmed_hash_matches_a_screenshot():
    shot = codes("b", P[1], trimmed=flip(P[0], 6, RNG))
    assert compare_codes(codes("a", P[0]), shot).method == "trimmed"


def test_dihedral_variant_matches_a_rotated_copy():
    rotated = codes("b", P[1], variants=[flip(P[0], 4, RNG)])
    assert compare_codes(codes("a", P[0]), rotated).method == "dihedral"


def test_variant_against_a_crop_is_not_a_comparison():
    a = codes("a", P[0], crops=[P[2]])
    b = codes("b", P[1], variants=[flip(P[2], 2, RNG)])
    assert compare_codes(a, b) is None


def test_crop_hash_matches_a_cropped_copy():
    cropped = codes("b", flip(P[0], 90, RNG), crops=[flip(P[0], 10, RNG)])
    assert compare_codes(codes("a", P[0]), cropped).method == "crop"


def test_crop_against_crop_counts():
    a = codes("a", P[0], crops=[P[3]])
    b = codes("b", P[1], crops=[flip(P[3], 5, RNG)])
    assert compare_codes(a, b).method == "crop"


def test_phash_alone_is_only_a_candidate():
    a = codes("a", P[0], phash="00ff00ff00ff00ff")
    b = codes("b", P[1], phash="00ff00ff00ff00fe")
    assert compare_codes(a, b) is None


def test_phash_candidate_confirmed_by_a_looser_pdq_distance():
    a = codes("a", P[0], phash="00ff00ff00ff00ff")
    b = codes("b", flip(P[0], 45, RNG), phash="00ff00ff00ff00fe")
    m = compare_codes(a, b)
    assert (m.method, m.pdq_distance, m.phash_distance) == ("phash", 45, 1)


def test_phash_candidate_beyond_the_confirmation_bound_does_not_match():
    a = codes("a", P[0], phash="00ff00ff00ff00ff")
    b = codes("b", flip(P[0], 60, RNG), phash="00ff00ff00ff00ff")
    assert compare_codes(a, b) is None


def test_the_rule_is_symmetric():
    a = codes("a", P[0], variants=[P[4]], crops=[P[5]], phash="0123456789abcdef")
    b = codes("b", flip(P[5], 7, RNG), variants=[flip(P[0], 3, RNG)], phash="0123456789abcdee")
    assert compare_codes(a, b) == compare_codes(b, a)


def test_best_distance_agrees_with_the_media_loader_on_real_images():
    """On drawn synthetic rooms, the graph's rule gives pdq.pdq_match_distance."""
    from PIL import Image

    from loaders.demo import rooms, vocab
    from media import pdq

    base = rooms.draw_room(rooms.RoomSpec.build(5, vocab.COUNTRIES[0]))
    view = rooms.render_view(base, 1, (800, 600))
    buf = io.BytesIO()
    view.save(buf, "JPEG", quality=90)
    copies = [
        rooms.near_duplicate(buf.getvalue(), kind, 3, "shared")[0]
        for kind in ("crop", "rotate90", "screenshot_border")
    ]
    ha = pdq.image_hashes(view)

    def mc(name, h):
        return MediaCodes.from_row(
            {
                "sha256": name,
                "pdq": h.pdq,
                "pdqQuality": h.pdq_quality,
                "pdqVariants": h.pdq_variants,
                "pdqTrimmed": h.pdq_trimmed,
                "pdqTrimmedQuality": h.pdq_trimmed_quality,
                "pdqCrops": h.pdq_crops,
                "phash": h.phash,
            },
            50,
        )

    ours, theirs = [], []
    for i, data in enumerate(copies):
        hb = pdq.image_hashes(Image.open(io.BytesIO(data)))
        ours.append(neardup.best_distance(mc("a", ha), mc(f"b{i}", hb)))
        theirs.append(pdq.pdq_match_distance(ha, hb))
    assert ours == theirs


# ----------------------------------------------------------------------------- in the graph


@pytest.fixture
def world(driver) -> World:
    return World(driver)


def two_series(world: World) -> None:
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")


@pytest.mark.neo4j
def test_pair_is_written_once_from_smaller_to_larger_sha256(world, driver):
    two_series(world)
    ha = world.media("a", "S-FR", pdq=P[0])
    hb = world.media("b", "S-DE", pdq=flip(P[0], 5, RNG))
    neardup.rebuild(driver)
    assert list(stored_neardups(driver)) == [tuple(sorted((ha, hb)))]


@pytest.mark.neo4j
def test_edge_carries_distances_and_method(world, driver):
    two_series(world)
    world.media("a", "S-FR", pdq=P[0], phash="1111111111111111")
    world.media("b", "S-DE", pdq=flip(P[0], 5, RNG), phash="1111111111111113")
    neardup.rebuild(driver)
    (props,) = stored_neardups(driver).values()
    assert props == {"pdqDistance": 5, "phashDistance": 1, "method": "pdq"}


@pytest.mark.neo4j
def test_low_quality_images_never_match(world, driver):
    two_series(world)
    world.media("a", "S-FR", pdq=P[0], quality=30)
    world.media("b", "S-DE", pdq=P[0], quality=30)
    neardup.rebuild(driver)
    assert stored_neardups(driver) == {}


@pytest.mark.neo4j
def test_non_pertinent_images_never_match(world, driver):
    two_series(world)
    world.media("a", "S-FR", pdq=P[0], non_pertinent=True)
    world.media("b", "S-DE", pdq=P[0])
    neardup.rebuild(driver)
    assert stored_neardups(driver) == {}


@pytest.mark.neo4j
def test_flat_images_with_one_phash_do_not_flood(world, driver):
    """Fifty flat frames (quality < 50) share a pHash and nearly a PDQ: no pair at all."""
    rng = random.Random(3)
    for i in range(10):
        world.series(f"S-{i}", ("FR", "DE", "NL", "BR", "AU")[i % 5])
    for i in range(50):
        world.media(
            f"flat{i}",
            f"S-{i % 10}",
            pdq=flip(P[6], rng.randint(0, 6), rng),
            quality=rng.randint(0, 40),
            phash="8000000000000000",
        )
    links.rebuild(driver)
    assert (stored_neardups(driver), links_count(driver)) == ({}, 0)


@pytest.mark.neo4j
def test_same_layout_images_sharing_a_phash_do_not_flood(world, driver):
    """Forty sharp images with one pHash but unrelated PDQ hashes: pHash alone links none."""
    rng = random.Random(4)
    for i in range(8):
        world.series(f"S-{i}", ("FR", "DE", "NL", "BR")[i % 4])
    for i in range(40):
        world.media(f"room{i}", f"S-{i % 8}", pdq=rand_hex(rng), phash="f0f0f0f00f0f0f0f")
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def links_count(driver) -> int:
    from graph import db

    return db.records(driver, "MATCH ()-[l:LINKED]->() RETURN count(l) AS n", name="t")[0]["n"]


@pytest.mark.neo4j
def test_thresholds_are_configurable(world, driver, monkeypatch):
    two_series(world)
    world.media("a", "S-FR", pdq=P[0])
    world.media("b", "S-DE", pdq=flip(P[0], 20, RNG))
    monkeypatch.setenv("CLUEGRAPH_PDQ_RADIUS", "10")
    reset_settings()
    try:
        neardup.rebuild(driver)
        assert stored_neardups(driver) == {}
    finally:
        monkeypatch.delenv("CLUEGRAPH_PDQ_RADIUS")
        reset_settings()


@pytest.mark.neo4j
def test_rebuild_saves_the_index_and_ensure_index_reuses_it(world, driver):
    two_series(world)
    world.media("a", "S-FR", pdq=P[0])
    neardup.rebuild(driver)
    before = (neardup.index_dir() / "state.json").stat().st_mtime_ns
    neardup.ensure_index(driver)
    assert (neardup.index_dir() / "state.json").stat().st_mtime_ns == before


@pytest.mark.neo4j
def test_ensure_index_rebuilds_a_stale_index(world, driver):
    two_series(world)
    world.media("a", "S-FR", pdq=P[0])
    neardup.rebuild(driver)
    world.media("b", "S-DE", pdq=flip(P[0], 3, RNG))
    idx = neardup.ensure_index(driver)
    assert sorted(idx.ids) == sorted([sha("a"), sha("b")])


@pytest.mark.neo4j
def test_concurrent_first_searches_build_the_index_once(world, driver, monkeypatch):
    # The app's sessions triage at once on a fresh index: one builds, the others wait.
    two_series(world)
    world.media("a", "S-FR", pdq=P[0])
    neardup.rebuild(driver)
    world.media("b", "S-DE", pdq=flip(P[0], 3, RNG))  # the saved index is now stale
    neardup._MEMO.clear()
    built: list[int] = []
    real = neardup.build_index

    def counting(*a, **kw):
        built.append(1)
        time.sleep(0.3)  # long enough for the other threads to arrive while it builds
        return real(*a, **kw)

    monkeypatch.setattr(neardup, "build_index", counting)
    with ThreadPoolExecutor(4) as pool:
        sizes = list(pool.map(lambda _: len(neardup.ensure_index(driver)), range(4)))
    assert (len(built), sizes) == (1, [2, 2, 2, 2])


@pytest.mark.neo4j
def test_a_load_that_touched_no_media_does_not_make_the_index_stale(world, driver, monkeypatch):
    # `demo up` marks the world with a Load after the rebuild (loaders.world.ensure_demo):
    # once the link engine has seen it, the first triage must not rebuild the index.
    from graph import db
    from loaders.world import DEMO_MARK

    two_series(world)
    world.media("a", "S-FR", pdq=P[0])
    neardup.rebuild(driver)
    mark = {"id": "world-t", "source": "t", "status": "done", "at": "2026-01-01T00:00:00Z",
            "errors": 0, "links": "{}"}  # fmt: skip
    db.write(driver, DEMO_MARK, mark, name="t.mark")
    links.update_for_load(driver, "world-t")
    neardup._MEMO.clear()
    monkeypatch.setattr(neardup, "build_index", lambda *a, **k: pytest.fail("rebuilt"))
    assert len(neardup.ensure_index(driver)) == 1


@pytest.mark.neo4j
def test_damaged_index_file_is_rebuilt(world, driver):
    two_series(world)
    world.media("a", "S-FR", pdq=P[0])
    neardup.rebuild(driver)
    (neardup.index_dir() / "stored.npz").write_bytes(b"not an index")
    assert len(neardup.ensure_index(driver)) == 1


@pytest.mark.neo4j
def test_update_after_a_load_equals_a_rebuild(world, driver):
    rng = random.Random(9)
    two_series(world)
    world.series("S-NL", "NL")
    world.media("a", "S-FR", pdq=P[0], crops=[P[1]], phash="00000000ffffffff")
    world.media("b", "S-DE", pdq=flip(P[0], 9, rng))
    world.finish_load()
    neardup.rebuild(driver)
    world.load = "L2"
    world.media("c", "S-NL", pdq=flip(P[1], 4, rng))  # matches a's crop
    world.media("d", "S-NL", pdq=P[2], variants=[P[2], flip(P[0], 2, rng)])  # rotated a
    world.media("e", "S-NL", pdq=flip(P[0], 50, rng), phash="00000000fffffff0")  # pHash-confirmed
    world.mark_non_pertinent(sha("b"))  # a-b must go
    world.finish_load("2024-01-02T00:00:00Z")
    rep = neardup.update(driver, neardup.touched_media(driver, "L2"), "L2")
    assert rep.full is False
    incremental = stored_neardups(driver)
    neardup.rebuild(driver)
    assert stored_neardups(driver) == incremental


@pytest.mark.neo4j
def test_update_rebuilds_when_the_index_does_not_hold_as_many_media_as_the_graph(world, driver):
    # A write that changed what the index must hold without bumping its version (a bug
    # the count check exists for): the update notices the count and rebuilds.
    rng = random.Random(5)
    two_series(world)
    world.media("a", "S-FR", pdq=P[0])
    world.finish_load()
    neardup.rebuild(driver)
    db.write(  # written without moving the media indexes' version
        driver,
        "CREATE (:Media {sha256: $sha, kind: 'image', pdq: $pdq, pdqQuality: 90})",
        {"sha": sha("x"), "pdq": flip(P[0], 3, rng)},
        name="test.unversioned",
    )
    world.load = "L2"
    world.media("c", "S-DE", pdq=P[2])
    world.finish_load("2024-01-02T00:00:00Z")
    rep = neardup.update(driver, neardup.touched_media(driver, "L2"), "L2")
    assert rep.full is True
    assert len(neardup.ensure_index(driver)) == 3
    assert [tuple(sorted(k)) for k in stored_neardups(driver)] == [
        tuple(sorted((sha("a"), sha("x"))))
    ]


@pytest.mark.neo4j
def test_update_finds_every_method(world, driver):
    rng = random.Random(9)
    two_series(world)
    world.series("S-NL", "NL")
    world.media("a", "S-FR", pdq=P[0], crops=[P[1]], phash="00000000ffffffff")
    world.finish_load()
    neardup.rebuild(driver)
    world.load = "L2"
    world.media("c", "S-NL", pdq=flip(P[1], 4, rng))
    world.media("d", "S-NL", pdq=P[2], variants=[P[2], flip(P[0], 2, rng)])
    world.media("e", "S-DE", pdq=flip(P[0], 50, rng), phash="00000000fffffff0")
    world.finish_load("2024-01-02T00:00:00Z")
    neardup.update(driver, neardup.touched_media(driver, "L2"), "L2")
    methods = sorted(p["method"] for p in stored_neardups(driver).values())
    assert methods == ["crop", "dihedral", "phash"]


@pytest.mark.neo4j
def test_search_finds_near_matches_of_query_codes(world, driver):
    two_series(world)
    world.media("a", "S-FR", pdq=P[0])
    neardup.rebuild(driver)
    q = MediaCodes.of_query("query", pdq=flip(P[0], 7, RNG))
    (matches,) = neardup.search(driver, [q])
    assert [(m.b, m.pdq_distance) for m in matches] == [(sha("a"), 7)]


def _index_files_mtimes() -> dict[str, int]:
    d = neardup.index_dir()
    return {p.name: p.stat().st_mtime_ns for p in [*d.glob("*.npz"), d / "pairs.json"]}


@pytest.mark.neo4j
def test_a_rebuild_with_nothing_changed_reads_no_codes_and_rewrites_nothing(
    world, driver, monkeypatch
):
    rng = random.Random(5)
    two_series(world)
    world.media("a", "S-FR", pdq=P[0], crops=[P[1]])
    world.media("b", "S-DE", pdq=flip(P[0], 9, rng))
    world.finish_load()
    first = neardup.rebuild(driver)
    pairs = stored_neardups(driver)
    assert first.media_read == 2 and pairs
    before = _index_files_mtimes()
    monkeypatch.setattr(neardup, "build_index", lambda *a, **k: pytest.fail("read everything"))
    again = neardup.rebuild(driver)
    assert (again.full, again.media_read, again.written, again.deleted) == (True, 0, 0, 0)
    assert again.matches == first.matches
    assert stored_neardups(driver) == pairs
    assert _index_files_mtimes() == before  # the saved index and pairs were not written again


@pytest.mark.neo4j
def test_a_rebuild_after_a_load_reads_only_what_the_load_touched(world, driver, monkeypatch):
    rng = random.Random(6)
    two_series(world)
    world.series("S-NL", "NL")
    for i in range(6):
        world.media(f"m{i}", "S-FR", pdq=P[i])
    world.finish_load()
    neardup.rebuild(driver)
    world.load = "L2"
    world.media("n", "S-NL", pdq=flip(P[0], 5, rng))  # near m0
    world.finish_load("2024-01-02T00:00:00Z")
    monkeypatch.setattr(neardup, "build_index", lambda *a, **k: pytest.fail("read everything"))
    rep = neardup.rebuild(driver)
    assert rep.media_read == 2  # the new medium and its one candidate, not the 7 media
    after = stored_neardups(driver)
    monkeypatch.undo()
    neardup.rebuild(driver, from_scratch=True)
    assert stored_neardups(driver) == after


@pytest.mark.neo4j
def test_a_rebuild_with_nothing_changed_adds_the_digests_to_an_older_saved_index(world, driver):
    import json

    import numpy as np

    from graph.ndindex import HashIndex

    two_series(world)
    world.media("a", "S-FR", pdq=P[0])
    world.finish_load()
    neardup.rebuild(driver)
    state_path = neardup.index_dir() / "state.json"
    state = json.loads(state_path.read_text())
    fingerprints = {}
    for f in neardup.index_dir().glob("*.npz"):  # as saved before the digests existed
        meta = HashIndex.read_meta(f)
        del meta["digest"]
        meta["fingerprint"] = fingerprints[f.stem] = HashIndex.load(f).fingerprint
        with np.load(f, allow_pickle=False) as data:
            body = {k: data[k] for k in data.files}
        body["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        with open(f, "wb") as fh:
            np.savez(fh, **body)
    del state["digests"]  # and its state tied them by their fingerprints (format 4)
    state.update(format="cluegraph-neardup/4", fingerprints=fingerprints)
    state_path.write_text(json.dumps(state))
    rep = neardup.rebuild(driver)
    assert rep.media_read == 0
    metas = [HashIndex.read_meta(f) for f in neardup.index_dir().glob("*.npz")]
    assert metas and all("digest" in m for m in metas)


# ----------------------------------------------------------------------------- tails


def _random_codes(rng: random.Random, n: int, start: int = 0) -> list[MediaCodes]:
    return [
        codes(
            f"m{start + i:05d}",
            rand_hex(rng),
            variants=[rand_hex(rng) for _ in range(3)],
            crops=[rand_hex(rng)],
            phash=f"{rng.getrandbits(64):016x}",
        )
        for i in range(n)
    ]


def _same(a: neardup.NearDupIndex, b: neardup.NearDupIndex, probe: list[MediaCodes]) -> None:
    t = neardup.Thresholds.of()
    assert (len(a), a.n_codes, sorted(a.ids)) == (len(b), b.n_codes, sorted(b.ids))
    assert a.search(probe, t) == b.search(probe, t)
    for name in ("stored", "variants", "phash"):
        assert getattr(a, name).fingerprint == getattr(b, name).fingerprint, name


def test_a_save_after_additions_writes_tails_and_reads_back_the_same_index(tmp_path):
    """What a load adds is saved as a tail per part (the whole files untouched); read
    back, the index equals one built from every code; a removal, too many tails or
    another process's save since the read write the whole index again (tails gone)."""
    rng = random.Random(3)
    d = tmp_path / "index"
    first = _random_codes(rng, 300)
    idx = neardup.NearDupIndex()
    idx.add(first)
    idx.save(d, {"version": 1})
    whole = {p.name: p.stat().st_mtime_ns for p in d.glob("*.npz")}
    built = neardup.NearDupIndex()
    built.add(first)
    everything = list(first)
    for step in range(3):
        loaded, state = neardup.NearDupIndex.load(d)
        more = _random_codes(rng, 2, start=1000 + 10 * step)
        loaded.add(more)
        built.add(more)
        everything += more
        loaded.save(d, {"version": 2 + step})
        now = {p.name: p.stat().st_mtime_ns for p in d.glob("*.npz") if ".t" not in p.name}
        assert now == whole
    saved = json.loads((d / "state.json").read_text())
    assert [len(saved["tails"][k]) for k in ("stored", "variants", "phash")] == [3, 3, 3]
    again, state = neardup.NearDupIndex.load(d)
    assert state["version"] == 4
    _same(again, built, everything[::7] + everything[-6:])

    # a removal: the whole index, the tails deleted
    again.remove([first[0].sha256])
    built.remove([first[0].sha256])
    again.save(d, {"version": 5})
    assert not list(d.glob("*.t*.npz"))
    assert json.loads((d / "state.json").read_text())["tails"] == {}
    _same(neardup.NearDupIndex.load(d)[0], built, everything[::7])

    # another process saved since this one read: the whole index
    a, _ = neardup.NearDupIndex.load(d)
    b, _ = neardup.NearDupIndex.load(d)
    b.add(_random_codes(rng, 1, start=5000))
    b.save(d, {"version": 6})
    a.add(_random_codes(rng, 1, start=6000))
    a.save(d, {"version": 7})
    assert json.loads((d / "state.json").read_text())["tails"] == {}

    # too many tails: the whole index
    for step in range(neardup.TAIL_MAX_FILES + 1):
        x, _ = neardup.NearDupIndex.load(d)
        x.add(_random_codes(rng, 1, start=7000 + step))
        x.save(d, {"version": 8 + step})
    tails = json.loads((d / "state.json").read_text())["tails"]
    assert len(tails.get("stored", [])) < 2 and len(list(d.glob("stored.t*.npz"))) < 2


def test_a_damaged_tail_makes_the_saved_index_unusable(tmp_path):
    rng = random.Random(4)
    d = tmp_path / "index"
    idx = neardup.NearDupIndex()
    idx.add(_random_codes(rng, 20))
    idx.save(d, {"version": 1})
    loaded, _ = neardup.NearDupIndex.load(d)
    loaded.add(_random_codes(rng, 2, start=100))
    loaded.save(d, {"version": 2})
    (tail,) = d.glob("stored.t*.npz")
    with np.load(tail) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["codes"] = arrays["codes"].copy()
    arrays["codes"][0, 0] ^= 1
    np.savez(tail, **arrays)
    assert neardup.NearDupIndex.load(d) is None  # the caller rebuilds
