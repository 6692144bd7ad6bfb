"""The synthetic demo world: SPEC formats, planted truths, decoys, reproducibility.

A ``tiny`` world (every link kind and decoy, about 80 images) is generated once per module;
a second one checks that the same seed gives the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import imagehash
import numpy as np
import pdqhash
import piexif
import pytest
from PIL import Image
from typer.testing import CliRunner

from graph import db
from loaders.demo import generate_world
from loaders.demo.large import MEDIA_RECORD_COLUMNS

SPEC_COLUMNS = {
    "cases.csv": ["case_id", "title", "agency_id", "agency_name", "country", "status", "opened"],
    "series.csv": ["series_id", "name", "case_id", "status"],
    "victims.csv": [
        "victim_id",
        "series_id",
        "identified",
        "identified_by",
        "identified_at",
        "age_band",
        "sex",
    ],
    "clues.csv": [
        "target",
        "target_kind",
        "type",
        "label",
        "location_hint",
        "confidence",
        "analyst",
        "noted_at",
    ],
    "accounts.csv": ["target", "platform", "handle", "seen_at"],
}
LINK_KINDS = {
    "same_media",
    "near_duplicate",
    "same_camera",
    "same_victim",
    "shared_clue",
    "same_location",
    "same_account",
    "same_scene",
}
DECOY_KINDS = {
    "common_clue",
    "flat_image",
    "camera_model_without_serial",
    "non_pertinent_media",
    "same_country",
    "shared_product",
}


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


def _tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _gps(exif: dict) -> tuple[float, float] | None:
    g = exif.get("GPS") or {}
    if piexif.GPSIFD.GPSLatitude not in g:
        return None

    def deg(v: tuple, ref: bytes, neg: bytes) -> float:
        d = sum(n / q / 60**i for i, (n, q) in enumerate(v))
        return -d if ref == neg else d

    return (
        deg(g[piexif.GPSIFD.GPSLatitude], g[piexif.GPSIFD.GPSLatitudeRef], b"S"),
        deg(g[piexif.GPSIFD.GPSLongitude], g[piexif.GPSIFD.GPSLongitudeRef], b"W"),
    )


class World:
    """The files of a generated world, indexed for the assertions."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
        self.cases = {r["case_id"]: r for r in _rows(root / "cases.csv")}
        self.series_rows = _rows(root / "series.csv")
        self.countries: dict[str, set[str]] = defaultdict(set)
        for r in self.series_rows:
            self.countries[r["series_id"]].add(self.cases[r["case_id"]]["country"])
        self.media: list[dict] = []  # file path, series, sha256
        for mc in sorted((root / "media").glob("*/media.csv")):
            for r in _rows(mc):
                p = mc.parent / r["file"]
                self.media.append(
                    {"path": p, "series_id": r["series_id"], "case_id": mc.parent.name}
                )
        for m in self.media:
            m["sha256"] = (
                hashlib.sha256(m["path"].read_bytes()).hexdigest() if m["path"].exists() else ""
            )
        self.by_series: dict[str, list[dict]] = defaultdict(list)
        for m in self.media:
            self.by_series[m["series_id"]].append(m)

    def exif(self, m: dict) -> dict:
        return piexif.load(str(m["path"])) if m["path"].suffix.lower() in (".jpg", ".jpeg") else {}


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "world"
    generate_world(out, seed=7, size="tiny")
    return out


@pytest.fixture(scope="module")
def world(world_dir: Path) -> World:
    return World(world_dir)


@pytest.mark.parametrize("name", sorted(SPEC_COLUMNS))
def test_csv_headers_are_exactly_the_spec_columns(world: World, name: str) -> None:
    assert _header(world.root / name) == SPEC_COLUMNS[name]


def test_media_csv_has_file_and_series_columns(world: World) -> None:
    headers = {tuple(_header(p)) for p in (world.root / "media").glob("*/media.csv")}
    assert headers == {("file", "series_id")}


def test_every_file_listed_in_media_csv_exists(world: World) -> None:
    assert all(m["path"].is_file() for m in world.media)


def test_every_image_file_is_listed_in_its_media_csv(world: World) -> None:
    listed = {m["path"] for m in world.media}
    on_disk = {
        p for p in (world.root / "media").rglob("*") if p.is_file() and p.name != "media.csv"
    }
    assert on_disk == listed


def test_media_csv_series_exist_in_series_csv(world: World) -> None:
    assert {m["series_id"] for m in world.media} <= set(world.countries)


def test_media_files_sit_in_a_case_that_investigates_their_series(world: World) -> None:
    pairs = {(r["series_id"], r["case_id"]) for r in world.series_rows}
    shared = {(m["series_id"], m["case_id"]) for m in world.media}
    assert shared <= pairs


def test_images_open_as_real_pictures(world: World) -> None:
    for m in world.media:
        with Image.open(m["path"]) as im:
            im.verify()


def test_image_sizes_stay_between_640x480_and_1600x1200_for_camera_files(world: World) -> None:
    sizes = set()
    for m in world.media:
        if m["path"].name.startswith(("IMG_", "DSC", "P")):
            with Image.open(m["path"]) as im:
                sizes.add(im.size)
    assert all(640 <= w <= 1600 and 480 <= h <= 1200 for w, h in sizes)


def test_most_camera_files_carry_make_model_and_serial(world: World) -> None:
    originals = [m for m in world.media if m["path"].name.startswith(("IMG_", "DSC", "P"))]
    with_serial = [
        m for m in originals if piexif.ExifIFD.BodySerialNumber in (world.exif(m).get("Exif") or {})
    ]
    assert len(with_serial) >= len(originals) // 3


def test_some_files_carry_gps_and_some_no_exif_at_all(world: World) -> None:
    exifs = [world.exif(m) for m in world.media if m["path"].suffix.lower() == ".jpg"]
    assert any(_gps(e) for e in exifs) and any(not (e.get("0th") or e.get("Exif")) for e in exifs)


def test_camera_files_have_date_time_original(world: World) -> None:
    e = [world.exif(m) for m in world.media if m["path"].name.startswith(("IMG_", "DSC", "P"))]
    dated = [x for x in e if piexif.ExifIFD.DateTimeOriginal in (x.get("Exif") or {})]
    assert dated and all(len(x["Exif"][piexif.ExifIFD.DateTimeOriginal]) == 19 for x in dated)


def test_at_least_eight_countries_with_one_to_three_agencies(world: World) -> None:
    agencies: dict[str, set[str]] = defaultdict(set)
    for c in world.cases.values():
        agencies[c["country"]].add(c["agency_id"])
    assert len(agencies) >= 8 and all(1 <= len(a) <= 3 for a in agencies.values())


def test_truth_has_a_pair_of_every_link_kind(world: World) -> None:
    kinds = {k for p in world.truth["pairs"] for k in p["kinds"]}
    assert kinds == LINK_KINDS


def test_truth_pairs_reference_existing_series_of_different_countries(world: World) -> None:
    for p in world.truth["pairs"]:
        a, b = p["series_a"], p["series_b"]
        assert a < b and a in world.countries and b in world.countries
        assert not (world.countries[a] & world.countries[b]), p


def test_same_media_pairs_share_an_identical_file(world: World) -> None:
    for p in (p for p in world.truth["pairs"] if "same_media" in p["kinds"]):
        a = {m["sha256"] for m in world.by_series[p["series_a"]]}
        b = {m["sha256"] for m in world.by_series[p["series_b"]]}
        assert a & b, p


def test_same_camera_pairs_share_a_serial_in_exif(world: World) -> None:
    def serials(sid: str) -> set[bytes]:
        out = set()
        for m in world.by_series[sid]:
            ex = world.exif(m).get("Exif") or {}
            if piexif.ExifIFD.BodySerialNumber in ex:
                out.add(ex[piexif.ExifIFD.BodySerialNumber])
        return out

    for p in (p for p in world.truth["pairs"] if "same_camera" in p["kinds"]):
        assert serials(p["series_a"]) & serials(p["series_b"]), p


def test_same_victim_pairs_share_a_victim_id(world: World) -> None:
    victims: dict[str, set[str]] = defaultdict(set)
    for r in _rows(world.root / "victims.csv"):
        victims[r["series_id"]].add(r["victim_id"])
    for p in (p for p in world.truth["pairs"] if "same_victim" in p["kinds"]):
        assert victims[p["series_a"]] & victims[p["series_b"]], p


def test_same_account_pairs_share_a_platform_handle(world: World) -> None:
    sha_series = defaultdict(set)
    for m in world.media:
        sha_series[m["sha256"]].add(m["series_id"])
    acc: dict[str, set[str]] = defaultdict(set)
    for r in _rows(world.root / "accounts.csv"):
        for s in sha_series[r["target"]]:
            acc[s].add(f"{r['platform']}:{r['handle']}")
    for p in (p for p in world.truth["pairs"] if "same_account" in p["kinds"]):
        assert acc[p["series_a"]] & acc[p["series_b"]], p


def test_rare_logo_is_recorded_in_series_of_three_countries(world: World) -> None:
    sha_series = defaultdict(set)
    for m in world.media:
        sha_series[m["sha256"]].add(m["series_id"])
    logos: dict[str, set[str]] = defaultdict(set)
    for r in _rows(world.root / "clues.csv"):
        if r["type"] == "logo":
            targets = {r["target"]} if r["target_kind"] == "series" else sha_series[r["target"]]
            logos[r["label"]] |= targets
    trios = [s for s in logos.values() if len({c for x in s for c in world.countries[x]}) == 3]
    assert trios and all(len(s) == 3 for s in trios)


def test_same_location_pairs_are_within_1_km_or_share_a_place_hint(world: World) -> None:
    hints: dict[str, set[str]] = defaultdict(set)
    for r in _rows(world.root / "clues.csv"):
        if r["location_hint"] and r["target_kind"] == "series":
            hints[r["target"]].add(r["location_hint"])

    def points(sid: str) -> list[tuple[float, float]]:
        return [g for m in world.by_series[sid] if (g := _gps(world.exif(m)))]

    for p in (p for p in world.truth["pairs"] if "same_location" in p["kinds"]):
        a, b = p["series_a"], p["series_b"]
        near = any(_km(x, y) <= 1.0 for x in points(a) for y in points(b))
        assert near or hints[a] & hints[b], p


def test_near_duplicates_are_within_pdq_31_unless_cropped(world: World) -> None:
    nd = world.truth["near_duplicates"]
    assert nd
    for d in nd:
        if d["transform"] != "crop":
            assert min(d["pdq_distance"], d.get("pdq_distance_trimmed", 256)) <= 31, d


def test_near_duplicate_files_are_in_the_second_series(world: World) -> None:
    sha_series = {m["sha256"]: m["series_id"] for m in world.media}
    for d in world.truth["near_duplicates"]:
        assert (sha_series[d["source"]], sha_series[d["copy"]]) == (d["series_a"], d["series_b"])


def test_decoys_of_every_kind_are_listed(world: World) -> None:
    assert {d["kind"] for d in world.truth["decoys"]} == DECOY_KINDS


def test_white_wall_is_a_common_clue_across_countries(world: World) -> None:
    ww = [
        d
        for d in world.truth["decoys"]
        if d["kind"] == "common_clue" and d["label"] == "white wall"
    ]
    assert ww and len(ww[0]["countries"]) >= 2


def test_flat_decoys_have_low_pdq_quality_and_look_alike_phashes(world: World) -> None:
    flat = next(d for d in world.truth["decoys"] if d["kind"] == "flat_image")
    paths = [m["path"] for m in world.media if m["sha256"] in set(flat["media"])]
    assert len(paths) >= 2 and len(flat["countries"]) >= 2
    hashes = []
    for p in paths:
        im = Image.open(p).convert("RGB")
        _, quality = pdqhash.compute(np.asarray(im))
        assert quality < 50
        hashes.append(imagehash.phash(im))
    assert max(a - b for a, b in combinations(hashes, 2)) <= 8


def test_camera_model_decoys_have_no_serial(world: World) -> None:
    for d in (d for d in world.truth["decoys"] if d["kind"] == "camera_model_without_serial"):
        assert len(d["countries"]) >= 2
        for sid in d["series"]:
            for m in world.by_series[sid]:
                assert piexif.ExifIFD.BodySerialNumber not in (world.exif(m).get("Exif") or {})


def test_same_country_decoys_are_not_cross_country(world: World) -> None:
    for d in (d for d in world.truth["decoys"] if d["kind"] == "same_country"):
        assert world.countries[d["series_a"]] & world.countries[d["series_b"]]


def test_vics_hash_set_lists_the_shared_stock_files_as_category_5(world: World) -> None:
    vics = json.loads(
        (world.root / "hashsets" / "vics_known_benign.json").read_text(encoding="utf-8")
    )
    media = [m for case in vics["value"] for m in case["Media"]]
    assert "odata.metadata" in vics and media and {m["Category"] for m in media} == {5}
    sha1_on_disk = {hashlib.sha1(m["path"].read_bytes()).hexdigest().upper() for m in world.media}
    assert {m["SHA1"] for m in media} <= sha1_on_disk
    assert all(
        {"MD5", "SHA1", "MediaSize", "Series", "VictimIdentified", "OffenderIdentified", "Tags"}
        <= set(m)
        for m in media
    )


def test_vics2_file_has_the_flat_2_0_shape(world: World) -> None:
    vics = json.loads(
        (world.root / "hashsets" / "vics2_known_benign.json").read_text(encoding="utf-8")
    )
    assert "@odata.context" in vics and all("MD5" in m for m in vics["value"])


def test_non_pertinent_stock_file_is_shared_across_countries(world: World) -> None:
    np_ = [d for d in world.truth["decoys"] if d["kind"] == "non_pertinent_media"]
    assert max(len(d["countries"]) for d in np_) >= 3


def test_duplicate_effort_both_across_and_within_a_country(world: World) -> None:
    dup = world.truth["duplicate_effort"]
    assert {d["same_country"] for d in dup} == {True, False}
    for d in dup:
        cases = {r["case_id"] for r in world.series_rows if r["series_id"] == d["series_id"]}
        assert cases == set(d["case_ids"])


def test_scenario_start_file_exists_and_target_is_unidentified(world: World) -> None:
    sc = world.truth["scenario"]
    assert (world.root / sc["start_file"]).is_file()
    status = {r["status"] for r in world.series_rows if r["series_id"] == sc["target_series"]}
    assert status == {"unidentified"}


def test_scenario_answers_are_linked_to_the_target(world: World) -> None:
    sc = world.truth["scenario"]
    linked = {
        p["series_b"] if p["series_a"] == sc["target_series"] else p["series_a"]
        for p in world.truth["pairs"]
        if sc["target_series"] in (p["series_a"], p["series_b"])
    }
    assert set(sc["answers"]["linked_series"]) <= linked


def test_scenario_answer_place_is_near_the_geotags_of_the_linked_series(world: World) -> None:
    ans = world.truth["scenario"]["answers"]
    place = (ans["place"]["lat"], ans["place"]["lon"])
    pts = [
        g
        for sid in ans["linked_series"]
        for m in world.by_series[sid]
        if (g := _gps(world.exif(m)))
    ]
    assert pts and min(_km(place, p) for p in pts) <= 1.0


def test_readme_gives_the_scenario_answer(world: World) -> None:
    text = (world.root / "README.md").read_text(encoding="utf-8")
    assert world.truth["scenario"]["answers"]["place"]["name"] in text


def test_same_seed_gives_byte_identical_world(world_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate_world(again, seed=7, size="tiny", workers=1)
    assert _tree_hashes(again) == _tree_hashes(world_dir)


def test_refuses_to_write_into_a_folder_that_holds_something_else(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(FileExistsError):
        generate_world(tmp_path, seed=7, size="tiny")


def test_unknown_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_world(tmp_path / "w", size="huge")


def test_cli_generates_a_world_for_another_seed(tmp_path: Path) -> None:
    from cli.demo import app

    args = [
        "generate",
        "--seed",
        "3",
        "--size",
        "large",
        "--media",
        "2000",
        "--json",
        str(tmp_path / "w"),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["media_records"] == 2000


def test_cli_refuses_media_for_images_world(tmp_path: Path) -> None:
    from cli.demo import app

    args = ["generate", "--size", "small", "--media", "10", str(tmp_path / "w")]
    assert CliRunner().invoke(app, args).exit_code != 0


# ---------------------------------------------------------------- large (metadata only)


@pytest.fixture(scope="module")
def large_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("large") / "world"
    generate_world(out, seed=7, size="large", media=3000)
    return out


def test_large_world_writes_exactly_the_requested_media_records(large_dir: Path) -> None:
    rows = _rows(large_dir / "media_records.csv")
    assert len(rows) == 3000


def test_large_world_media_records_columns(large_dir: Path) -> None:
    assert _header(large_dir / "media_records.csv") == MEDIA_RECORD_COLUMNS


def test_large_world_has_no_image_files(large_dir: Path) -> None:
    assert not (large_dir / "media").exists()


def test_large_world_pairs_reference_series_of_different_countries(large_dir: Path) -> None:
    w = World.__new__(World)
    cases = {r["case_id"]: r["country"] for r in _rows(large_dir / "cases.csv")}
    countries: dict[str, set[str]] = defaultdict(set)
    for r in _rows(large_dir / "series.csv"):
        countries[r["series_id"]].add(cases[r["case_id"]])
    truth = json.loads((large_dir / "truth.json").read_text(encoding="utf-8"))
    # metadata-only records have no pixels, so no visual kind (same_scene, shared_object)
    visual = {"same_scene", "shared_object"}
    assert {k for p in truth["pairs"] for k in p["kinds"]} == set(LINK_KINDS) - visual
    for p in truth["pairs"]:
        assert not (countries[p["series_a"]] & countries[p["series_b"]]), p
    del w


def test_large_world_near_duplicates_are_within_pdq_31(large_dir: Path) -> None:
    truth = json.loads((large_dir / "truth.json").read_text(encoding="utf-8"))
    rows = _rows(large_dir / "media_records.csv")
    by_series: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        if int(r["pdq_quality"]) >= 50:
            by_series[r["series_id"]].append(int(r["pdq"], 16))
    for p in (p for p in truth["pairs"] if p["kinds"] == ["near_duplicate"]):
        best = min(
            bin(x ^ y).count("1")
            for x in by_series[p["series_a"]]
            for y in by_series[p["series_b"]]
        )
        assert best <= 31, p


def test_large_world_is_reproducible(large_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate_world(again, seed=7, size="large", media=3000)
    assert _tree_hashes(again) == _tree_hashes(large_dir)


def test_media_option_is_for_large_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_world(tmp_path / "w", size="small", media=10)


def test_stock_picture_bytes_are_stable() -> None:
    from loaders.demo import rooms

    data = rooms.encode_jpeg(rooms.stock_image("Have a nice day!"), 88, None)
    assert Image.open(io.BytesIO(data)).size == (1024, 768)


# ---------------------------------------------------------------- loading a world


@pytest.mark.neo4j
def test_load_world_starts_one_pool_of_workers_for_all_case_folders(
    world_dir: Path, driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loaders import media_pool
    from loaders.world import load_world

    spawned: list[int] = []
    spawn = media_pool.AnalysisPool._spawn

    def counted(pool: media_pool.AnalysisPool):  # the real spawn, counted
        spawned.append(1)
        return spawn(pool)

    monkeypatch.setattr(media_pool.AnalysisPool, "_spawn", counted)
    out = load_world(driver, world_dir, workers=1, links=False, visual=False)
    folders = [p for p in (world_dir / "media").iterdir() if p.is_dir()]
    files = [f for p in folders for f in p.rglob("*") if f.is_file() and f.name != "media.csv"]
    reports = [r for r in out.reports if r.kind == "media"]
    assert (len(spawned), len(reports), sum(r.read for r in reports)) == (
        1,
        len(folders),
        len(files),
    )


# ---------------------------------------------------------------- visual clues


def test_a_room_is_photographed_in_three_series_of_three_countries(world: World) -> None:
    rooms = {r["kind"]: r for r in world.truth["visual"]["rooms"]}
    three = rooms["three_country"]
    assert len(three["series"]) == 3 and len(three["countries"]) == 3
    for sid in three["series"]:
        assert {f["sha256"] for f in three["files"] if f["series_id"] == sid} <= {
            m["sha256"] for m in world.by_series[sid]
        }
    pairs = {
        (p["series_a"], p["series_b"]) for p in world.truth["pairs"] if "same_scene" in p["kinds"]
    }
    a, b, c = three["series"]
    assert {(a, b), (a, c), (b, c)} <= pairs


def test_the_shared_poster_rooms_are_a_decoy_not_a_same_scene_pair(world: World) -> None:
    dec = [d for d in world.truth["decoys"] if d["kind"] == "shared_product"]
    assert len(dec) == 1 and len(dec[0]["rooms"]) == 2
    a, b = dec[0]["series_a"], dec[0]["series_b"]
    assert not (world.countries[a] & world.countries[b])
    same = [p for p in world.truth["pairs"] if {p["series_a"], p["series_b"]} == {a, b}]
    assert not any("same_scene" in p["kinds"] for p in same)


def test_signs_carry_their_language_and_countries(world: World) -> None:
    signs = world.truth["visual"]["signs"]
    assert {s["lang"] for s in signs} == {"pl", "el", "pt"}
    by_lang = {s["lang"]: s for s in signs}
    assert by_lang["pl"]["points_to"][0] == "PL" and by_lang["el"]["points_to"][0] == "GR"
    assert all(s["sha256"] in {m["sha256"] for m in world.by_series[s["series_id"]]} for s in signs)


def test_visual_exercises_have_checkable_answers(world: World) -> None:
    ex = {e["id"]: e for e in world.truth["exercises"]}
    assert set(ex) == {"room-in-three-countries", "shared-poster-is-not-the-room", "read-the-sign"}
    three = next(r for r in world.truth["visual"]["rooms"] if r["kind"] == "three_country")
    assert set(ex["room-in-three-countries"]["steps"][0]["expect"]) == set(three["series"][1:])


@pytest.mark.neo4j
@pytest.mark.slow
def test_loaded_demo_world_links_the_three_country_room_and_not_the_shared_poster(
    world_dir: Path, world: World, driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real load of the tiny world with the visual pass (a visual index of its own):
    the three-country room comes out as cross-country same_scene links, the two rooms
    that share a poster do not."""
    from loaders import visual as visual_pass
    from loaders.world import load_world

    monkeypatch.setattr(visual_pass, "visual_dir", lambda: tmp_path / "visual")
    out = load_world(driver, world_dir, workers=2)
    assert out.visual and out.visual["same_scene_pairs"] >= 1, out.visual
    rows = db.records(
        driver,
        "MATCH (a:Series)-[l:LINKED]-(b:Series) WHERE a.id < b.id AND 'same_scene' IN l.kinds "
        "RETURN a.id AS a, b.id AS b, l.crossCountry AS cross",
        name="test.same_scene_links",
    )
    linked = {(r["a"], r["b"]) for r in rows}
    three = next(r for r in world.truth["visual"]["rooms"] if r["kind"] == "three_country")
    room_pairs = set(combinations(sorted(three["series"]), 2))
    found = linked & room_pairs
    assert found, (linked, room_pairs)
    assert all(r["cross"] for r in rows if (r["a"], r["b"]) in found)
    dec = next(d for d in world.truth["decoys"] if d["kind"] == "shared_product")
    assert (dec["series_a"], dec["series_b"]) not in linked


@pytest.mark.neo4j
@pytest.mark.slow
def test_loaded_demo_world_links_no_two_different_rooms_by_scene(
    world_dir: Path, world: World, driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loaders import visual as visual_pass
    from loaders.world import load_world

    monkeypatch.setattr(visual_pass, "visual_dir", lambda: tmp_path / "visual")
    load_world(driver, world_dir, workers=2)
    rows = db.records(
        driver,
        "MATCH (a:Series)-[l:LINKED]-(b:Series) WHERE a.id < b.id AND 'same_scene' IN l.kinds "
        "RETURN a.id AS a, b.id AS b",
        name="test.same_scene_links",
    )
    linked = {(r["a"], r["b"]) for r in rows}
    # Nothing links by scene what the truth does not hold (no false room): the rooms'
    # pairs, and the re-shared copies of one photo (a copy shows the same room too).
    truth_pairs = {
        (p["series_a"], p["series_b"]) for p in world.truth["visual"]["same_scene_pairs"]
    } | {
        (p["series_a"], p["series_b"])
        for p in world.truth["pairs"]
        if {"near_duplicate", "same_media"} & set(p["kinds"])
    }
    assert linked <= truth_pairs, linked - truth_pairs
