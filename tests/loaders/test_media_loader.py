"""The media-folder loader against the real Neo4j, with real (synthetic) files.

Every picture here is noise or a gradient drawn with numpy/Pillow; EXIF is written with
piexif. The hostile files are made byte by byte.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import piexif
import pytest
from PIL import Image

from graph import db
from loaders.media import MediaLoadOptions, load_media
from loaders.media_pool import AnalysisPool
from loaders.media_rows import camera_id
from loaders.media_walk import FileEntry, folder_digest

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- helpers
def world(driver, cases=("C1", "C2"), series=("S1", "S2")) -> None:
    """Two agencies in two countries, their cases and series (nothing else)."""
    db.write(
        driver,
        """
        MERGE (fr:Country {code: 'FR'}) SET fr.name = 'France'
        MERGE (br:Country {code: 'BR'}) SET br.name = 'Brazil'
        MERGE (a:Agency {id: 'A-FR'})-[:IN_COUNTRY]->(fr)
        MERGE (b:Agency {id: 'A-BR'})-[:IN_COUNTRY]->(br)
        WITH a, b
        UNWIND range(0, size($cases) - 1) AS i
        MERGE (c:Case {id: $cases[i]}) SET c.status = 'open'
        WITH c, i, a, b
        CALL (c, i, a, b) {
          WITH c, i, a, b WHERE i % 2 = 0 MERGE (c)-[:OWNED_BY]->(a)
        }
        CALL (c, i, a, b) {
          WITH c, i, a, b WHERE i % 2 = 1 MERGE (c)-[:OWNED_BY]->(b)
        }
        WITH collect(c) AS cs
        UNWIND $series AS sid
        MERGE (s:Series {id: sid}) SET s.name = 'series ' + sid, s.status = 'unidentified'
        WITH s, cs
        MATCH (c:Case {id: $cases[0]})
        MERGE (c)-[:INVESTIGATES]->(s)
        """,
        cases=list(cases),
        series=list(series),
        name="test.world",
    )


def noise(seed: int, w: int = 320, h: int = 240) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.random((h // 8, w // 8, 3)) * 255
    img = Image.fromarray(base.astype("uint8")).resize((w, h), Image.Resampling.BICUBIC)
    return np.asarray(img)


def rational(x: float) -> tuple[int, int]:
    return (round(x * 10000), 10000)


def gps(lat: float, lon: float) -> dict:
    def dms(v: float) -> tuple:
        v = abs(v)
        d = int(v)
        m = int((v - d) * 60)
        s = (v - d - m / 60) * 3600
        return ((d, 1), (m, 1), rational(s))

    return {
        piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
        piexif.GPSIFD.GPSLatitude: dms(lat),
        piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
        piexif.GPSIFD.GPSLongitude: dms(lon),
    }


def jpeg(
    path: Path,
    seed: int,
    *,
    make: str | None = None,
    model: str | None = None,
    serial: str | None = None,
    when: str | None = None,
    gps_ifd: dict | None = None,
    size: tuple[int, int] = (320, 240),
) -> Path:
    zeroth, exif = {}, {}
    if make:
        zeroth[piexif.ImageIFD.Make] = make.encode()
    if model:
        zeroth[piexif.ImageIFD.Model] = model.encode()
    if serial:
        exif[piexif.ExifIFD.BodySerialNumber] = serial.encode()
    if when:
        exif[piexif.ExifIFD.DateTimeOriginal] = when.encode()
    blob = piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps_ifd or {}})
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(noise(seed, *size)).save(path, "JPEG", quality=90, exif=blob)
    return path


def png(path: Path, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(noise(seed)).save(path, "PNG")
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(path: Path) -> Path:
    """A valid PNG header declaring 30000x30000 RGB (900 MP), with almost no data."""
    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + _chunk(b"IEND", b"")
    )
    return path


def broken_exif_jpeg(path: Path, seed: int) -> Path:
    buf = io.BytesIO()
    Image.fromarray(noise(seed)).save(buf, "JPEG")
    j = buf.getvalue()
    app1 = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08" + b"\xff" * 40
    path.write_bytes(j[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + j[2:])
    return path


def sha256_of(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def graph_checksum(driver) -> str:
    """Content of the graph without Load nodes and timestamps (load and link-computation
    times): nodes by their properties, relationships by their end nodes, type and
    properties."""

    def clean(props: dict) -> str:
        out = {
            k: str(v)
            for k, v in props.items()
            if k not in ("loadedAt", "computedAt", "visualAt")  # times of the run, not content
        }
        return json.dumps(out, sort_keys=True)

    nodes = db.records(
        driver,
        "MATCH (n) WHERE NOT n:Load AND NOT n:IndexVersion AND NOT n:Cluster AND NOT n:ClusterRun "
        "RETURN elementId(n) AS id, labels(n) AS l, properties(n) AS p",
        name="test.nodes",
    )
    canon = {r["id"]: json.dumps([sorted(r["l"]), clean(r["p"])]) for r in nodes}
    rels = db.records(
        driver,
        "MATCH (a)-[r]->(b) WHERE NOT a:Load AND NOT b:Load "
        "AND NOT a:Cluster AND NOT b:Cluster AND NOT a:ClusterRun AND NOT b:ClusterRun "
        "RETURN elementId(a) AS a, type(r) AS t, elementId(b) AS b, properties(r) AS p",
        name="test.rels",
    )
    items = sorted(canon.values()) + sorted(
        json.dumps([canon[r["a"]], r["t"], canon[r["b"]], clean(r["p"])]) for r in rels
    )
    return hashlib.sha256("\n".join(items).encode()).hexdigest()


def count(driver, query: str, **params) -> int:
    return db.records(driver, query, name="test.count", **params)[0]["c"]


def load(driver, folder: Path, case: str = "C1", series: str | None = None, **kw):
    return load_media(driver, folder, MediaLoadOptions(case_id=case, series_id=series, **kw))


# ----------------------------------------------------------------------------- a normal folder
@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "seizure"
    jpeg(
        d / "lyon.jpg",
        1,
        make="Canon",
        model="Canon EOS 5D",
        serial="0123AB",
        when="2021:05:01 10:20:30",
        gps_ifd=gps(45.7640, 4.8357),
    )
    jpeg(d / "sub" / "recife.jpg", 2, make="NIKON", model="D750", gps_ifd=gps(-8.0476, -34.877))
    # Odd rationals: a zero denominator in the latitude -> no GPS, the rest still reads.
    odd = {
        piexif.GPSIFD.GPSLatitudeRef: b"N",
        piexif.GPSIFD.GPSLatitude: ((45, 0), (1, 1), (0, 1)),
        piexif.GPSIFD.GPSLongitudeRef: b"E",
        piexif.GPSIFD.GPSLongitude: ((4, 1), (50, 1), (0, 1)),
    }
    jpeg(d / "sub" / "odd.jpg", 3, make="Canon", model="Canon EOS 5D", gps_ifd=odd)
    jpeg(d / "bare.jpg", 4)  # no EXIF tags at all
    png(d / "deep" / "er" / "shot.png", 5)
    (d / "notes.txt").write_text("not media, ignored\n")
    return d


def test_folder_loads_each_file_as_one_media_with_its_hashes(driver, folder):
    world(driver)
    report = load(driver, folder, series="S1")
    assert (report.read, report.written, report.skipped) == (5, 5, 0)
    rows = db.records(
        driver, "MATCH (m:Media) RETURN m.sha256 AS s, m.md5 AS md5, m.path AS p", name="t"
    )
    on_disk = {sha256_of(p) for p in folder.rglob("*") if p.suffix in (".jpg", ".png")}
    assert {r["s"] for r in rows} == on_disk


def test_md5_and_sha1_match_the_file_bytes(driver, folder):
    world(driver)
    load(driver, folder)
    p = folder / "bare.jpg"
    row = db.records(
        driver,
        "MATCH (m:Media {sha256: $s}) RETURN m.md5 AS md5, m.sha1 AS sha1, m.bytes AS b",
        s=sha256_of(p),
        name="t",
    )[0]
    data = p.read_bytes()
    assert (row["md5"], row["sha1"], row["b"]) == (
        hashlib.md5(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
        len(data),
    )


def test_perceptual_hashes_and_variants_are_stored(driver, folder):
    world(driver)
    load(driver, folder)
    row = db.records(
        driver,
        "MATCH (m:Media {sha256: $s}) RETURN m.pdq AS pdq, m.pdqQuality AS q, "
        "m.phash AS ph, m.pdqVariants AS v, m.pdqCrops AS c, m.width AS w, m.height AS h",
        s=sha256_of(folder / "lyon.jpg"),
        name="t",
    )[0]
    assert (len(row["pdq"]), len(row["ph"]), len(row["v"]), row["v"][0], row["w"], row["h"]) == (
        64,
        16,
        8,
        row["pdq"],
        320,
        240,
    )


def test_path_is_absolute_and_file_name_kept(driver, folder):
    world(driver)
    load(driver, folder)
    row = db.records(
        driver,
        "MATCH (m:Media {sha256: $s}) RETURN m.path AS p, m.fileName AS f",
        s=sha256_of(folder / "sub" / "recife.jpg"),
        name="t",
    )[0]
    assert (row["p"], row["f"]) == (str((folder / "sub" / "recife.jpg").resolve()), "recife.jpg")


def test_exif_camera_with_serial_becomes_a_camera_node(driver, folder):
    world(driver)
    load(driver, folder)
    cams = db.records(
        driver,
        "MATCH (m:Media)-[:TAKEN_WITH]->(c:Camera) RETURN c.id AS id, c.serial AS s, count(m) AS n",
        name="t",
    )
    assert cams == [{"id": camera_id("Canon", "Canon EOS 5D", "0123AB"), "s": "0123AB", "n": 1}]


def test_camera_without_serial_stays_on_the_media(driver, folder):
    world(driver)
    load(driver, folder)
    row = db.records(
        driver,
        "MATCH (m:Media {sha256: $s}) RETURN m.make AS make, m.model AS model, "
        "EXISTS { (m)-[:TAKEN_WITH]->() } AS cam",
        s=sha256_of(folder / "sub" / "recife.jpg"),
        name="t",
    )[0]
    assert row == {"make": "NIKON", "model": "D750", "cam": False}


def test_capture_time_is_a_local_datetime(driver, folder):
    world(driver)
    load(driver, folder)
    row = db.records(
        driver,
        "MATCH (m:Media {sha256: $s}) RETURN toString(m.capturedAt) AS t",
        s=sha256_of(folder / "lyon.jpg"),
        name="t",
    )[0]
    assert row["t"] == "2021-05-01T10:20:30"


def test_gps_resolves_to_a_gazetteer_place_in_its_country(driver, folder):
    world(driver)
    load(driver, folder)
    rows = db.records(
        driver,
        "MATCH (m:Media)-[g:GEOTAGGED_AT]->(l:Location)-[:IN_COUNTRY]->(c:Country) "
        "RETURN m.fileName AS f, l.name AS place, c.code AS cc, g.lat AS lat, g.lon AS lon "
        "ORDER BY f",
        name="t",
    )
    assert [
        (r["f"], r["place"][:5], r["cc"], round(r["lat"], 3), round(r["lon"], 3)) for r in rows
    ] == [
        ("lyon.jpg", "Lyon", "FR", 45.764, 4.836),
        ("recife.jpg", "Recif", "BR", -8.048, -34.877),
    ]


def test_zero_denominator_gps_gives_no_geotag_but_the_file_loads(driver, folder):
    world(driver)
    load(driver, folder)
    row = db.records(
        driver,
        "MATCH (m:Media {sha256: $s}) RETURN m.lat AS lat, m.make AS make, "
        "EXISTS { (m)-[:GEOTAGGED_AT]->() } AS geo",
        s=sha256_of(folder / "sub" / "odd.jpg"),
        name="t",
    )[0]
    assert row == {"lat": None, "make": "Canon", "geo": False}


def test_case_holds_and_default_series_contains_every_file(driver, folder):
    world(driver)
    load(driver, folder, series="S1")
    assert (
        count(driver, "MATCH (:Case {id: 'C1'})-[:HOLDS]->(m:Media) RETURN count(m) AS c"),
        count(driver, "MATCH (:Series {id: 'S1'})-[:CONTAINS]->(m:Media) RETURN count(m) AS c"),
    ) == (5, 5)


def test_provenance_is_on_every_node_and_relationship_written(driver, folder):
    world(driver)
    report = load(driver, folder, series="S1")
    missing = count(
        driver,
        "MATCH (a)-[r]->(b) WHERE (a:Media OR b:Media OR b:Location) AND "
        "(r.loadId IS NULL OR r.source IS NULL OR r.loadedAt IS NULL) RETURN count(r) AS c",
    ) + count(
        driver,
        "MATCH (n) WHERE (n:Media OR n:Camera OR n:Location) AND "
        "(n.loadId IS NULL OR n.source IS NULL OR n.loadedAt IS NULL) RETURN count(n) AS c",
    )
    ids = db.records(
        driver, "MATCH (m:Media) RETURN DISTINCT m.loadId AS id, m.source AS s", name="t"
    )
    assert (missing, ids) == (0, [{"id": report.load_id, "s": "seizure"}])


def test_non_media_files_are_ignored_not_errors(driver, folder):
    world(driver)
    report = load(driver, folder)
    assert (report.counters.get("ignored_files"), report.errors) == (1, [])


def test_reloading_the_same_folder_changes_nothing(driver, folder):
    world(driver)
    first = load(driver, folder, series="S1")
    before = graph_checksum(driver)
    second = load(driver, folder, series="S1")
    assert (
        graph_checksum(driver),
        second.load_id,
        second.counters.get("nodes_created"),
        second.counters.get("relationships_created"),
    ) == (before, first.load_id, 0, 0)


def test_same_file_in_two_cases_is_one_media_with_two_holds(driver, tmp_path):
    world(driver)
    a = jpeg(tmp_path / "fr" / "x.jpg", 7)
    (tmp_path / "br").mkdir()
    (tmp_path / "br" / "copy_of_x.jpg").write_bytes(a.read_bytes())
    load(driver, tmp_path / "fr", case="C1", series="S1")
    load(driver, tmp_path / "br", case="C2", series="S2")
    row = db.records(
        driver,
        "MATCH (m:Media) RETURN count(m) AS media, "
        "COUNT { (:Case)-[:HOLDS]->(:Media) } AS holds, "
        "COUNT { (:Series)-[:CONTAINS]->(:Media) } AS contains",
        name="t",
    )[0]
    assert row == {"media": 1, "holds": 2, "contains": 2}


def test_copies_at_two_paths_keep_the_smallest_path(driver, tmp_path):
    world(driver)
    a = jpeg(tmp_path / "d" / "b_second.jpg", 8)
    (tmp_path / "d" / "a_first.jpg").write_bytes(a.read_bytes())
    load(driver, tmp_path / "d")
    row = db.records(driver, "MATCH (m:Media) RETURN m.fileName AS f, count(*) AS n", name="t")
    assert row == [{"f": "a_first.jpg", "n": 1}]


# ----------------------------------------------------------------------------- media.csv
def test_media_csv_maps_files_to_series_over_the_default(driver, tmp_path):
    world(driver)
    d = tmp_path / "case"
    jpeg(d / "one.jpg", 11)
    jpeg(d / "sub" / "two.jpg", 12)
    jpeg(d / "three.jpg", 13)
    (d / "media.csv").write_text("file,series_id\none.jpg,S2\nsub/two.jpg,S2\n", encoding="utf-8")
    report = load(driver, d, series="S1")
    rows = db.records(
        driver,
        "MATCH (s:Series)-[:CONTAINS]->(m:Media) RETURN m.fileName AS f, s.id AS s ORDER BY f",
        name="t",
    )
    assert (report.errors, [(r["f"], r["s"]) for r in rows]) == (
        [],
        [("one.jpg", "S2"), ("three.jpg", "S1"), ("two.jpg", "S2")],
    )


def test_media_csv_with_unknown_series_skips_that_file_with_an_error(driver, tmp_path):
    world(driver)
    d = tmp_path / "case"
    jpeg(d / "one.jpg", 21)
    jpeg(d / "two.jpg", 22)
    (d / "media.csv").write_text("file,series_id\none.jpg,NOPE\n", encoding="utf-8")
    report = load(driver, d)
    assert (
        [str(e) for e in report.errors],
        count(driver, "MATCH (m:Media) RETURN count(m) AS c"),
    ) == (["one.jpg: series 'NOPE' (media.csv line 2) is not in the graph; file skipped"], 1)


def test_media_csv_entry_without_a_file_is_reported(driver, tmp_path):
    world(driver)
    d = tmp_path / "case"
    jpeg(d / "one.jpg", 23)
    (d / "media.csv").write_text("file,series_id\none.jpg,S1\ngone.jpg,S1\n", encoding="utf-8")
    report = load(driver, d)
    assert [str(e) for e in report.errors] == [
        "media.csv: line 3: 'gone.jpg' matches no file below this folder"
    ]


def test_media_csv_with_a_wrong_header_refuses_the_load(driver, tmp_path):
    world(driver)
    d = tmp_path / "case"
    jpeg(d / "one.jpg", 24)
    (d / "media.csv").write_text("name,series\none.jpg,S1\n", encoding="utf-8")
    report = load(driver, d)
    assert (
        report.refused,
        report.refusal,
        count(driver, "MATCH (m:Media) RETURN count(m) AS c"),
    ) == (
        True,
        "media.csv: the header must have the columns file,series_id",
        0,
    )


def test_unknown_case_is_refused_with_a_clear_message(driver, folder):
    world(driver)
    report = load(driver, folder, case="NO-SUCH-CASE")
    assert (report.refused, report.refusal) == (
        True,
        "case 'NO-SUCH-CASE' is not in the graph; load it first (cluegraph load cases)",
    )


def test_unknown_default_series_is_refused(driver, folder):
    world(driver)
    report = load(driver, folder, series="NOPE")
    assert report.refusal.startswith("series 'NOPE' is not in the graph")


# ----------------------------------------------------------------------------- hostile files
@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    d = tmp_path / "hostile"
    jpeg(d / "good1.jpg", 31)
    png(d / "good2.png", 32)
    good = jpeg(tmp_path / "src.jpg", 33)
    data = good.read_bytes()
    (d / "truncated.jpg").write_bytes(data[: len(data) // 2])
    (d / "zero.jpg").write_bytes(b"")
    bomb_png(d / "bomb.png")
    (d / "text.jpg").write_text("this is not a picture\n")
    broken_exif_jpeg(d / "broken_exif.jpg", 34)
    os.symlink(str(tmp_path / "src.jpg"), d / "outside.jpg")
    (d / "loopdir").mkdir()
    os.symlink("..", d / "loopdir" / "back")
    os.symlink("self", d / "self")
    return d


HOSTILE_ERRORS = {
    "truncated.jpg": "image data is truncated (reason: truncated)",
    "zero.jpg": "file is empty (0 bytes) (reason: zero_bytes)",
    "bomb.png": "refused, too many pixels (reason: decompression_bomb)",
    "text.jpg": "content is not a supported image or video (reason: unsupported_type)",
    "outside.jpg": "symbolic link points outside the loaded folder; not followed",
    "loopdir/back": "symbolic link loop (points to a folder that contains it); not followed",
    "self": "symbolic link loop; not followed",
}


def test_each_hostile_file_gives_one_clear_error(driver, hostile):
    world(driver)
    report = load(driver, hostile)
    assert {e.file: e.message for e in report.errors} == HOSTILE_ERRORS


def test_hostile_files_do_not_stop_the_good_ones(driver, hostile):
    world(driver)
    report = load(driver, hostile)
    names = db.records(driver, "MATCH (m:Media) RETURN m.fileName AS f ORDER BY f", name="t")
    assert ([r["f"] for r in names], report.written, report.skipped) == (
        ["broken_exif.jpg", "good1.jpg", "good2.png"],
        3,
        len(HOSTILE_ERRORS),
    )


def test_broken_exif_loads_the_file_without_exif(driver, hostile):
    world(driver)
    load(driver, hostile)
    row = db.records(
        driver,
        "MATCH (m:Media {fileName: 'broken_exif.jpg'}) "
        "RETURN m.make AS make, m.pdq IS NOT NULL AS p",
        name="t",
    )
    assert row == [{"make": None, "p": True}]


def test_broken_exif_is_a_warning_naming_the_file_and_the_reason(driver, hostile):
    world(driver)
    report = load(driver, hostile)
    assert [(w.file, w.message) for w in report.warnings] == [
        ("broken_exif.jpg", "EXIF unreadable: directory entries run past the end of the block")
    ]


def test_a_warning_alone_leaves_the_load_done_and_ok(driver, tmp_path):
    world(driver)
    d = tmp_path / "warned"
    jpeg(d / "good.jpg", 35)
    broken_exif_jpeg(d / "broken_exif.jpg", 36)
    report = load(driver, d)
    row = db.records(
        driver,
        "MATCH (l:Load {id: $id}) RETURN l.status AS s, l.errorCount AS e, "
        "l.warningCount AS w, l.warnings AS lines",
        id=report.load_id,
        name="t",
    )[0]
    assert (report.ok, report.written, report.skipped, row) == (
        True,
        2,
        0,
        {
            "s": "done",
            "e": 0,
            "w": 1,
            "lines": [
                "broken_exif.jpg: EXIF unreadable: directory entries run past the end of the block"
            ],
        },
    )


def test_strict_loads_a_folder_whose_only_problem_is_a_warning(driver, tmp_path):
    world(driver)
    d = tmp_path / "warned"
    jpeg(d / "good.jpg", 37)
    broken_exif_jpeg(d / "broken_exif.jpg", 38)
    report = load(driver, d, strict=True)
    assert (report.refused, report.written, len(report.warnings)) == (False, 2, 1)


def test_load_with_errors_is_recorded_as_partial(driver, hostile):
    world(driver)
    report = load(driver, hostile)
    row = db.records(
        driver,
        "MATCH (l:Load {id: $id}) RETURN l.status AS s, l.errorCount AS n, l.skipped AS k",
        id=report.load_id,
        name="t",
    )[0]
    assert row == {"s": "partial", "n": len(HOSTILE_ERRORS), "k": len(HOSTILE_ERRORS)}


def test_strict_refuses_the_folder_and_writes_nothing(driver, hostile):
    world(driver)
    report = load(driver, hostile, strict=True)
    assert (
        report.refused,
        count(driver, "MATCH (n) WHERE n:Media OR n:Load RETURN count(n) AS c"),
    ) == (
        True,
        0,
    )


def test_strict_loads_a_clean_folder(driver, folder):
    world(driver)
    report = load(driver, folder, strict=True, series="S1")
    assert (
        report.refused,
        report.written,
        count(driver, "MATCH (m:Media) RETURN count(m) AS c"),
    ) == (
        False,
        5,
        5,
    )


def test_dry_run_analyses_and_writes_nothing(driver, hostile):
    world(driver)
    report = load(driver, hostile, dry_run=True)
    assert (report.read, report.skipped, count(driver, "MATCH (m:Media) RETURN count(m) AS c")) == (
        7,
        len(HOSTILE_ERRORS),
        0,
    )


def test_a_file_over_the_time_limit_is_an_error_and_the_pool_goes_on(tmp_path):
    slow = tmp_path / "slow.png"
    Image.new("RGB", (9000, 9000), (120, 130, 140)).save(slow)  # 81 MP: about 2 s of work
    small = jpeg(tmp_path / "small.jpg", 42)
    tasks = [
        FileEntry("slow.png", str(slow), 0, 0, None),
        FileEntry("small.jpg", str(small), 0, 0, None),
    ]
    pool = AnalysisPool(1, timeout=0.5, prefetch=2)
    results = {
        t.rel: (status, payload[0] if status == "error" else None)
        for t, status, payload in pool.run(iter(tasks))
    }
    assert results == {"slow.png": ("error", "timeout"), "small.jpg": ("ok", None)}


def test_a_started_pool_serves_several_loads_with_the_same_workers(driver, tmp_path):
    world(driver)
    for case, seed in (("C1", 71), ("C2", 72)):
        jpeg(tmp_path / case / "a.jpg", seed)
        jpeg(tmp_path / case / "b.jpg", seed + 10)
    with AnalysisPool(2) as pool:
        pids = sorted(w.proc.pid for w in pool.workers)
        reports = [
            load_media(driver, tmp_path / case, MediaLoadOptions(case_id=case), pool=pool)
            for case in ("C1", "C2")
        ]
        still = sorted(w.proc.pid for w in pool.workers if w.proc.poll() is None)
    holds = count(driver, "MATCH (:Case)-[h:HOLDS]->(:Media) RETURN count(h) AS c")
    assert ([r.written for r in reports], still, holds, pool.workers) == ([2, 2], pids, 4, [])


def test_a_pool_left_in_the_middle_of_a_run_answers_the_next_run_correctly(tmp_path):
    files = [jpeg(tmp_path / f"f{i}.jpg", 80 + i) for i in range(6)]
    tasks = [FileEntry(f.name, str(f), 0, 0, None) for f in files]
    with AnalysisPool(1, prefetch=3) as pool:
        first = pool.run(iter(tasks))
        next(first)
        first.close()  # two answers still in flight
        got = {t.rel: payload["file_name"] for t, _s, payload in pool.run(iter(tasks[3:]))}
    assert got == {f.name: f.name for f in files[3:]}


def test_a_pool_not_started_by_the_caller_stops_after_its_run(tmp_path):
    f = jpeg(tmp_path / "a.jpg", 90)
    pool = AnalysisPool(1)
    list(pool.run(iter([FileEntry("a.jpg", str(f), 0, 0, None)])))
    assert pool.workers == []


def test_folder_digest_is_order_free_and_sees_changes(tmp_path):
    d = tmp_path / "d"
    jpeg(d / "a.jpg", 51)
    jpeg(d / "b" / "c.jpg", 52)
    first = folder_digest(d)[0]
    os.utime(d / "a.jpg", ns=(1, 1))
    assert first != folder_digest(d)[0]


# ----------------------------------------------------------------------------- hash-only media
def test_file_takes_over_media_known_only_by_hash(driver, tmp_path):
    from loaders.vics import load_vics

    world(driver)
    f = jpeg(tmp_path / "case" / "known.jpg", 61)
    data = f.read_bytes()
    vics = tmp_path / "set.json"
    vics.write_text(
        json.dumps(
            {
                "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases",
                "value": [
                    {
                        "CaseID": "x",
                        "Media": [{"MD5": hashlib.md5(data).hexdigest().upper(), "Category": 1}],
                    }
                ],
            }
        )
    )
    vics2 = tmp_path / "set2.json"
    vics2.write_text(
        json.dumps(
            {
                "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/"
                "2.0.xml/Default/$metadata#Media",
                "value": [{"SHA1": hashlib.sha1(data).hexdigest(), "Category": 2}],
            }
        )
    )
    load_vics(driver, vics, "set one")
    load_vics(driver, vics2, "set two")
    load(driver, tmp_path / "case", series="S1")
    row = db.records(
        driver,
        "MATCH (m:Media) RETURN count(m) AS n, collect(m.sha256) AS s, "
        "COUNT { (:HashSet)-[:LISTS]->(:Media) } AS lists",
        name="t",
    )[0]
    assert row == {"n": 1, "s": [hashlib.sha256(data).hexdigest()], "lists": 2}


# ----------------------------------------------------------------------------- the command
def _cli(env: dict, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        **kw,
    )


def test_cli_prints_a_summary_and_exits_non_zero_when_files_were_skipped(driver, cli_env, hostile):
    world(driver)
    r = _cli(cli_env, "load", "media", str(hostile), "--case", "C1")
    assert (r.returncode, "load media: hostile" in r.stdout, "truncated.jpg" in r.stderr) == (
        1,
        True,
        True,
    )


def test_cli_prints_the_exif_warning_and_exits_zero(driver, cli_env, tmp_path):
    world(driver)
    d = tmp_path / "warned"
    jpeg(d / "good.jpg", 39)
    broken_exif_jpeg(d / "broken_exif.jpg", 40)
    r = _cli(cli_env, "load", "media", str(d), "--case", "C1")
    assert (r.returncode, "warning: broken_exif.jpg: EXIF unreadable" in r.stderr) == (0, True)


def test_cli_exits_zero_on_a_clean_folder(driver, cli_env, folder):
    world(driver)
    r = _cli(cli_env, "load", "media", str(folder), "--case", "C1", "--series", "S1")
    assert (r.returncode, count(driver, "MATCH (m:Media) RETURN count(m) AS c")) == (0, 5)


@pytest.mark.slow
def interrupt_folder(d: Path, n: int) -> Path:
    """``n`` JPEGs with cameras and GPS in seven sub-folders, a copy at a second path (so
    that order could matter) and a media.csv: a load long enough to stop midway."""
    for i in range(n):
        jpeg(
            d / f"g{i % 7}" / f"f{i:03d}.jpg",
            1000 + i,
            size=(800, 600),
            make="Canon",
            model="EOS",
            serial=f"S{i % 3}",
            gps_ifd=gps(45.76 + i % 4, 4.83) if i % 2 else None,
        )
    (d / "g0" / "copy.jpg").write_bytes((d / "g3" / "f003.jpg").read_bytes())
    (d / "media.csv").write_text(
        "file,series_id\n" + "".join(f"g1/f{i:03d}.jpg,S2\n" for i in range(1, n, 7)),
        encoding="utf-8",
    )
    return d


def test_interrupted_load_rerun_ends_in_the_graph_of_an_uninterrupted_one(
    driver, cli_env, tmp_path
):
    n = 160
    d = interrupt_folder(tmp_path / "big", n)
    world(driver)
    args = [sys.executable, "-m", "cli", "load", "media", str(d), "--case", "C1"]
    # the media load's own crash safety (the visual pass resumes on its own: test_visual_pass)
    args += ["--no-visual"]
    args += ["--series", "S1", "--batch", "5"]
    proc = subprocess.Popen(args, cwd=ROOT, env=cli_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 300
    seen = 0
    while time.monotonic() < deadline and proc.poll() is None:
        seen = count(driver, "MATCH (m:Media) RETURN count(m) AS c")
        if seen >= 20:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < seen < n, "the load was not caught midway"
    partial = count(driver, "MATCH (m:Media) RETURN count(m) AS c")
    r = subprocess.run(args, cwd=ROOT, env=cli_env, capture_output=True, timeout=600)
    rerun = graph_checksum(driver)
    db.reset(driver)
    db.apply_schema(driver)
    world(driver)
    r2 = subprocess.run(args, cwd=ROOT, env=cli_env, capture_output=True, timeout=600)
    clean = graph_checksum(driver)
    assert (partial < n, r.returncode, r2.returncode, rerun) == (True, 0, 0, clean)


def test_media_csv_bad_line_names_its_line_and_skips_the_file(driver, tmp_path):
    world(driver)
    d = tmp_path / "case"
    jpeg(d / "one.jpg", 25)
    jpeg(d / "two.jpg", 26)
    (d / "media.csv").write_text("file,series_id\none.jpg,bad id!\n", encoding="utf-8")
    report = load(driver, d)
    assert sorted(str(e) for e in report.errors) == [
        "media.csv: line 2, field series_id: identifiers may hold letters, digits, spaces "
        "and ._:-/#@+ only",
        "one.jpg: invalid series in media.csv line 2; skipped",
    ]
