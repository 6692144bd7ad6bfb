"""Camera serials read with ExifTool, every still-picture format Pillow decodes, and the
files a folder load leaves out, named.

Every picture is drawn here; ExifTool itself writes the serial tags into them (maker
notes only take values in entries that exist, so the Nikon note is made with an empty
serial entry first, which ExifTool then fills).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import piexif
import pytest
from PIL import Image

from graph import db
from media import exiftool_serials, mediafile, sniffing
from tests.loaders.test_media_loader import load, world

EXIFTOOL = shutil.which("exiftool")


def picture(path: Path, seed: int = 1, exif: dict | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 255, (96, 128, 3)).astype("uint8")
    kw = {"exif": piexif.dump(exif)} if exif else {}
    Image.fromarray(pixels).save(path, "JPEG", **kw)
    return path


def exiftool_write(path: Path, *assignments: str) -> None:
    assert EXIFTOOL, "exiftool (Debian libimage-exiftool-perl) is needed by these tests"
    out = subprocess.run(
        [EXIFTOOL, "-q", "-overwrite_original", *assignments, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stderr == "", out.stderr


def nikon_maker_note() -> bytes:
    """A Nikon type-3 maker note (own TIFF header) with a version and an empty serial."""
    blank = b"\x00" * 10
    data_at = 8 + 2 + 12 * 2 + 4
    ifd = struct.pack("<H", 2)
    ifd += struct.pack("<HHI4s", 0x0001, 7, 4, b"0210")
    ifd += struct.pack("<HHII", 0x001D, 2, len(blank), data_at)
    ifd += struct.pack("<I", 0)
    return b"Nikon\x00\x02\x10\x00\x00" + b"II*\x00" + struct.pack("<I", 8) + ifd + blank


def nikon_jpeg(path: Path, serial: str) -> Path:
    picture(
        path,
        exif={
            "0th": {piexif.ImageIFD.Make: b"NIKON CORPORATION", piexif.ImageIFD.Model: b"D90"},
            "Exif": {piexif.ExifIFD.MakerNote: nikon_maker_note()},
        },
    )
    exiftool_write(path, f"-Nikon:SerialNumber={serial}")
    return path


# ----------------------------------------------------------------------------- serials
def test_maker_note_serial_written_by_exiftool_is_read(tmp_path, monkeypatch):
    p = nikon_jpeg(tmp_path / "nikon.jpg", "NK0012345")
    info = mediafile.analyse(p)
    assert (info.exif.make, info.exif.model, info.exif.serial) == (
        "NIKON CORPORATION",
        "D90",
        "NK0012345",
    )
    # exifread alone (ExifTool switched off) misses it: the gap ExifTool closes.
    monkeypatch.setenv("CLUEGRAPH_EXIFTOOL", "off")
    assert mediafile.analyse(p).exif.serial is None


def test_exiftool_gone_from_path_after_a_read_is_no_longer_asked(tmp_path, monkeypatch):
    # Small loads analyse in this process, so an ExifTool process started by an earlier
    # load is still running: it must not be used once ExifTool is gone or switched off.
    p = nikon_jpeg(tmp_path / "nikon.jpg", "NK7")
    assert mediafile.analyse(p).exif.serial == "NK7"
    bare = tmp_path / "bin"
    bare.mkdir()
    monkeypatch.setenv("PATH", str(bare))
    assert exiftool_serials.read(p) is None
    assert mediafile.analyse(p).exif.serial is None
    monkeypatch.undo()
    assert mediafile.analyse(p).exif.serial == "NK7"


def test_xmp_serial_lens_serial_and_owner_come_from_exiftool(tmp_path):
    p = picture(
        tmp_path / "xmp.jpg",
        exif={"0th": {piexif.ImageIFD.Make: b"Reconyx", piexif.ImageIFD.Model: b"HC600"}},
    )
    exiftool_write(
        p,
        "-XMP-aux:SerialNumber=RCX-0042",
        "-XMP-aux:LensSerialNumber=L-77",
        "-XMP-aux:OwnerName=Park Ranger Unit",
    )
    ex = mediafile.analyse(p).exif
    assert (ex.serial, ex.lens_serial, ex.owner_name) == ("RCX-0042", "L-77", "Park Ranger Unit")


def test_standard_exif_serial_lens_and_owner_are_read_by_python_alone(tmp_path, monkeypatch):
    p = picture(tmp_path / "std.jpg", exif={"0th": {piexif.ImageIFD.Make: b"Sigma"}})
    exiftool_write(
        p,
        "-ExifIFD:SerialNumber=SG90600117",
        "-ExifIFD:LensSerialNumber=LS123",
        "-ExifIFD:OwnerName=Studio",
    )
    monkeypatch.setenv("CLUEGRAPH_EXIFTOOL", "off")  # the common case never asks ExifTool
    ex = mediafile.analyse(p).exif
    assert (ex.serial, ex.lens_serial, ex.owner_name) == ("SG90600117", "LS123", "Studio")


def test_dng_camera_serial_in_ifd0_is_read(tmp_path, monkeypatch):
    p = picture(tmp_path / "flir.jpg", exif={"0th": {piexif.ImageIFD.Make: b"FLIR"}})
    exiftool_write(p, "-IFD0:CameraSerialNumber=278290")
    assert mediafile.analyse(p).exif.serial == "278290"


def test_damaged_exif_header_python_cannot_read_still_gives_the_serial(tmp_path, monkeypatch):
    p = picture(
        tmp_path / "damaged.jpg",
        exif={"0th": {piexif.ImageIFD.Make: b"OLYMPUS", piexif.ImageIFD.Model: b"E-1"}},
    )
    exiftool_write(p, "-ExifIFD:SerialNumber=OLY0042")
    data = bytearray(p.read_bytes())
    at = data.index(b"Exif\x00\x00")
    data[at + 5] = 0xFF  # "Exif\0\xff", as some writers do: Pillow no longer sees EXIF
    p.write_bytes(bytes(data))
    info = mediafile.analyse(p)
    assert (info.exif.make, info.exif.model, info.exif.serial) == ("OLYMPUS", "E-1", "OLY0042")
    assert info.warnings == ["EXIF unreadable: EXIF segment header is malformed"]
    monkeypatch.setenv("CLUEGRAPH_EXIFTOOL", "off")
    assert mediafile.analyse(p).exif.serial is None


def test_garbled_python_serial_defers_to_exiftool(tmp_path):
    p = picture(tmp_path / "casio.jpg", exif={"0th": {piexif.ImageIFD.Make: b"CASIO"}})
    exiftool_write(p, "-ExifIFD:SerialNumber=AB\x95CD")
    ref = exiftool_serials.read(p)
    assert ref is not None
    assert mediafile.analyse(p).exif.serial == ref.serial


def test_a_file_name_with_a_line_break_cannot_inject_exiftool_arguments(tmp_path):
    p = nikon_jpeg(tmp_path / "n.jpg", "NK777")
    odd = tmp_path / "a\n-o\nx.jpg"
    os.rename(p, odd)
    assert mediafile.analyse(odd).exif.serial == "NK777"
    assert sorted(os.listdir(tmp_path)) == ["a\n-o\nx.jpg"]
    links = exiftool_serials._tmpdir
    assert links is not None and os.path.isdir(links)
    exiftool_serials.close()  # as at exit: the folder of links goes with the process
    assert not os.path.exists(links)


def test_pick_prefers_the_body_serial_then_maker_note_then_internal():
    pick = exiftool_serials.pick
    assert pick({"Olympus:InternalSerialNumber": "4124", "Olympus:SerialNumber": "B9V"}).serial == (
        "B9V"
    )
    assert pick({"Canon:SerialNumber": 1, "ExifIFD:SerialNumber": "022070029137"}).serial == (
        "022070029137"
    )
    assert pick({"XMP-aux:SerialNumber": "x", "FLIR:CameraSerialNumber": 278290}).serial == (
        "278290"
    )
    assert pick({"Panasonic:InternalSerialNumber": "(F99) no. 0060"}).serial == "(F99) no. 0060"
    assert pick({"ExifIFD:OwnerName": "   ", "Canon:OwnerName": "Ann"}).owner_name == "Ann"
    assert pick({}).serial is None


# ----------------------------------------------------------------------------- loads
@pytest.mark.neo4j
def test_loaded_media_keep_serial_lens_serial_owner_and_camera(driver, tmp_path):
    world(driver)
    d = tmp_path / "seizure"
    nikon_jpeg(d / "nikon.jpg", "NK0012345")
    p = picture(d / "std.jpg", 2, exif={"0th": {piexif.ImageIFD.Make: b"Sigma"}})
    exiftool_write(p, "-ExifIFD:SerialNumber=SG1", "-ExifIFD:LensSerialNumber=LS9")
    exiftool_write(p, "-ExifIFD:OwnerName=Studio")
    report = load(driver, d)
    assert (report.ok, report.written, report.warnings) == (True, 2, [])
    rows = db.records(
        driver,
        "MATCH (m:Media)-[:TAKEN_WITH]->(c:Camera) RETURN c.id AS id, m.lensSerial AS lens, "
        "m.ownerName AS owner ORDER BY id",
        name="t",
    )
    assert rows == [
        {"id": "nikon corporation|d90|nk0012345", "lens": None, "owner": None},
        {"id": "sigma||sg1", "lens": "LS9", "owner": "Studio"},
    ]


@pytest.mark.neo4j
def test_without_exiftool_loads_work_and_say_so_once(driver, tmp_path, monkeypatch):
    world(driver)
    d = tmp_path / "seizure"
    nikon_jpeg(d / "a.jpg", "NK1")
    b = picture(d / "b.jpg", 3, exif={"0th": {piexif.ImageIFD.Make: b"Canon"}})
    exiftool_write(b, "-ExifIFD:SerialNumber=C-1")
    bare = tmp_path / "bin"
    bare.mkdir()
    monkeypatch.setenv("PATH", str(bare))  # the workers inherit it: no exiftool anywhere
    report = load(driver, d)
    assert (report.written, report.skipped) == (2, 0)
    assert [w.message for w in report.warnings] == [
        "ExifTool (exiftool) is not installed or is switched off: camera serials kept in "
        "maker notes may be missed (install libimage-exiftool-perl)"
    ]
    serials = db.records(driver, "MATCH (m:Media) RETURN m.serial AS s ORDER BY s", name="t")
    assert [r["s"] for r in serials] == ["C-1", None]


# ----------------------------------------------------------------------------- formats
def _gradient() -> Image.Image:
    ramp = np.add.outer(np.arange(96), np.arange(128)) % 256
    noise = np.random.default_rng(5).integers(0, 40, (96, 128))
    return Image.fromarray(np.dstack([ramp, ramp[::-1], noise]).astype("uint8"))


#: (Pillow format, save mode, file name without a telling extension, mime we record)
EXTRA = [
    ("ICO", "RGBA", "icon.bin", "image/x-icon"),
    ("PPM", "RGB", "pixmap.bin", "image/x-portable-anymap"),
    ("PPM", "L", "graymap.bin", "image/x-portable-anymap"),
    ("PPM", "1", "bitmap.bin", "image/x-portable-anymap"),
    ("TGA", "RGB", "targa.bin", "image/x-tga"),
    ("SGI", "RGB", "sgi.bin", "image/sgi"),
    ("JPEG2000", "RGB", "jp2.bin", "image/jp2"),
    ("ICNS", "RGBA", "icns.bin", "image/icns"),
    ("PCX", "RGB", "pcx.bin", "image/x-pcx"),
    ("DDS", "RGBA", "dds.bin", "image/x-dds"),
    ("QOI", "RGB", "qoi.bin", "image/x-qoi"),
    ("IM", "RGB", "im.bin", "image/x-im"),
    ("MSP", "1", "msp.bin", "image/x-msp"),
    ("XBM", "1", "xbm.bin", "image/xbm"),
    ("SPIDER", "F", "spider.bin", "image/x-spider"),
    ("BLP", "P", "blp.bin", "image/x-blp"),
]


def _save(fmt: str, mode: str, path: Path) -> Path:
    img = _gradient()
    if fmt in ("ICNS", "ICO"):
        img = img.resize((128, 128))
    img.convert(mode).save(path, fmt)
    return path


@pytest.mark.parametrize("fmt,mode,name,mime", EXTRA, ids=[f"{e[0]}-{e[1]}" for e in EXTRA])
def test_every_extra_still_format_is_recognised_by_content_and_hashed(
    tmp_path, fmt, mode, name, mime
):
    p = _save(fmt, mode, tmp_path / name)
    assert sniffing.sniff(p) == ("image", mime)
    info = mediafile.analyse(p)
    with Image.open(p) as img:
        width = img.size[0]  # ICNS and ICO open at their largest size
    assert (info.kind, info.mime, info.width, len(info.hashes.pdq)) == ("image", mime, width, 64)


def test_extra_format_keeps_the_pixel_limit(tmp_path):
    p = _save("QOI", "RGB", tmp_path / "q.bin")
    with pytest.raises(mediafile.MediaError) as e:
        mediafile.analyse(p, max_pixels=1000)
    assert e.value.reason == "decompression_bomb"


def test_truncated_extra_format_is_a_clear_error(tmp_path):
    p = _save("SGI", "RGB", tmp_path / "s.sgi")
    p.write_bytes(p.read_bytes()[:600])
    with pytest.raises(mediafile.MediaError) as e:
        mediafile.analyse(p)
    assert e.value.reason in ("truncated", "corrupt")
    assert str(e.value).startswith("s.sgi: ")


@pytest.mark.neo4j
def test_files_that_are_no_pictures_are_named_with_their_type(driver, tmp_path):
    world(driver)
    d = tmp_path / "seizure"
    picture(d / "photo.jpg")
    (d / "old").mkdir(parents=True)
    _save("TGA", "RGB", d / "old" / "scan.tga")
    (d / "notes.txt").write_text("shopping list\n", encoding="utf-8")
    with zipfile.ZipFile(d / "old" / "archive.zip", "w") as z:
        z.writestr("a.txt", "x")
    report = load(driver, d)
    assert (report.written, report.counters.get("ignored_files")) == (2, 2)
    assert sorted(report.ignored) == [
        "notes.txt (text)",
        "old/archive.zip (ZIP archive (or Office/OpenDocument file))",
    ]
    row = db.records(
        driver,
        "MATCH (l:Load {id: $id}) RETURN l.ignored AS names, l.ignoredCount AS n",
        id=report.load_id,
        name="t",
    )[0]
    assert (sorted(row["names"]), row["n"]) == (sorted(report.ignored), 2)
