"""Video analysis (media/video.py) and video loading, with real clips made here.

Every clip is encoded in the test from synthetic stills: views of a room drawn by the demo
world's room drawer (loaders/demo/rooms.py), panned frame by frame. ffprobe and ExifTool
(system programs) write tags and cross-check what we read; the loader itself uses only
Python packages. Clips are tiny (160x120 to 320x240, a few seconds).
"""

from __future__ import annotations

import functools
import json
import shutil
import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from graph import db
from graph.config import reset_settings
from loaders.demo import rooms, vocab
from loaders.media import MediaLoadOptions, load_media
from media import mediafile
from media import video as lv
from media.digests import hamming_hex
from media.facts import MediaError
from media.mediafile import analyse
from media.pdq import pdq_reference
from tests.loaders.test_media_loader import graph_checksum


@pytest.fixture(autouse=True, scope="module")
def reference_tools() -> None:
    """The reference tools these tests check against (.ci/run and `make install` install
    them): a missing one fails loudly instead of skipping the tests."""
    for tool in ("ffmpeg", "ffprobe", "exiftool"):
        assert shutil.which(tool), f"{tool} is not installed (Debian: ffmpeg, exiftool)"


# ----------------------------------------------------------------------------- clips


@functools.lru_cache(maxsize=4)
def _room(seed: int) -> Image.Image:
    return rooms.draw_room(rooms.RoomSpec.build(seed, vocab.COUNTRIES[seed % 5]))


def pan(seed: int, n: int, size: tuple[int, int] = (320, 240)) -> list[Image.Image]:
    """``n`` frames of a slow pan across a drawn room, with sensor noise."""
    base = _room(seed)
    out = []
    for i in range(n):
        x, y = 40 + i * 8, 40 + i * 3
        view = base.crop((x, y, x + 1200, y + 900)).resize(size, Image.Resampling.BILINEAR)
        out.append(rooms.add_noise(view, seed * 1000 + i))
    return out


def clip(path: Path, seed: int = 5, seconds: float = 5, fps: int = 10, **kw) -> Path:
    size = kw.pop("size", (320, 240))
    return lv.write_clip(pan(seed, int(seconds * fps), size), path, fps=fps, **kw)


#: name -> (file name, codec, container format or None, expected mime, ffprobe codec)
CLIPS = {
    "mp4_h264": ("a.mp4", "libx264", None, "video/mp4", "h264"),
    "mov_h264": ("b.mov", "libx264", None, "video/quicktime", "h264"),
    "mov_hevc": ("h.mov", "libx265", None, "video/quicktime", "hevc"),  # iPhones' default
    "webm_vp8": ("c.webm", "libvpx", None, "video/webm", "vp8"),
    "webm_vp9": ("d.webm", "libvpx-vp9", None, "video/webm", "vp9"),
    "mkv_h264": ("e.mkv", "libx264", None, "video/x-matroska", "h264"),
    "avi_mjpeg": ("f.avi", "mjpeg", None, "video/x-msvideo", "mjpeg"),
    "3gp_h263": ("g.3gp", "h263", "3gp", "video/3gpp", "h263"),
}


def _encoder(codec: str) -> None:
    """PyAV's wheels carry every encoder of CLIPS; a build without one fails loudly."""
    try:
        av.codec.Codec(codec, "w")
    except Exception as e:  # noqa: BLE001 - name the missing encoder
        raise AssertionError(f"this PyAV build has no {codec} encoder: {e}") from e


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    out = {}
    for key, (name, codec, fmt, _mime, _c) in CLIPS.items():
        _encoder(codec)
        size = (176, 144) if codec == "h263" else (320, 240)  # H.263 has fixed sizes
        out[key] = clip(d / name, codec=codec, container_format=fmt, size=size)
    return out


def ffprobe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        text=True,
    )
    return json.loads(out.stdout)


def exiftool(path: Path) -> dict:
    out = subprocess.run(
        ["exiftool", "-j", "-n", str(path)], capture_output=True, check=True, text=True
    )
    return json.loads(out.stdout)[0]


def reference_samples(path: Path, fps: float = 1.0) -> list[tuple[float, str, int]]:
    """Decode every frame and hash the first one at or after each k/fps: what the
    sampler must give however many frames it skips."""
    out = []
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        start = s.start_time or 0
        k = 0
        for frame in c.decode(s):
            t = float((frame.pts - start) * s.time_base)
            if t >= k / fps - 1e-6:
                out.append((round(t, 6), *pdq_reference(frame.to_image())))
                while k / fps <= t + 1e-6:
                    k += 1
    return out


# ----------------------------------------------------------------------------- detection


@pytest.mark.parametrize("key", list(CLIPS))
def test_each_container_is_detected_from_content_not_extension(clips, key, tmp_path):
    renamed = tmp_path / "holiday.jpg"
    shutil.copy(clips[key], renamed)
    info = analyse(renamed)
    assert (info.kind, info.mime) == ("video", CLIPS[key][3])


@pytest.mark.parametrize("key", list(CLIPS))
def test_each_container_gives_sampled_frame_hashes(clips, key):
    info = analyse(clips[key])
    assert [t for t, _, _ in info.video.frames] == [0.0, 1.0, 2.0, 3.0, 4.0]


# ----------------------------------------------------------------------------- metadata


@pytest.mark.parametrize("key", list(CLIPS))
def test_stream_metadata_agrees_with_ffprobe(clips, key):
    probe = ffprobe(clips[key])
    vs = next(s for s in probe["streams"] if s["codec_type"] == "video")
    rate = vs["avg_frame_rate"] if vs["avg_frame_rate"] != "0/0" else vs["r_frame_rate"]
    info = lv.video_info(clips[key])
    assert (
        info.codec,
        info.width,
        info.height,
        round(info.duration_seconds, 3),
        info.frame_rate,
    ) == (
        vs["codec_name"],
        vs["width"],
        vs["height"],
        round(float(probe["format"]["duration"]), 3),
        round(float(Fraction(rate)), 3),
    )


@pytest.fixture(scope="module")
def tagged(tmp_path_factory, clips) -> dict[str, Path]:
    """Phone-like tags written by ffmpeg: QuickTime keys (iPhone) and ©xyz (Android)."""
    assert shutil.which("ffmpeg"), "ffmpeg is not installed (Debian: apt-get install ffmpeg)"
    d = tmp_path_factory.mktemp("tagged")
    src = clips["mp4_h264"]

    def ffmpeg(out: Path, *args: str) -> Path:
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-i", str(src), "-c", "copy", *args, str(out)],
            check=True,
        )
        return out

    sound = d / "sound.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(src), "-f", "lavfi", "-i", "sine=duration=5"]
        + ["-map", "0:v", "-map", "1:a", "-c:v", "copy", str(sound)],
        check=True,
    )
    return {
        "sound": sound,
        "iphone": ffmpeg(
            d / "iphone.mov",
            "-movflags",
            "use_metadata_tags",
            "-metadata",
            "com.apple.quicktime.location.ISO6709=-33.8688+151.2093+010.000/",
            "-metadata",
            "com.apple.quicktime.make=Apple",
            "-metadata",
            "com.apple.quicktime.model=iPhone 13",
            "-metadata",
            "com.apple.quicktime.creationdate=2022-01-02T03:04:05+0100",
        ),
        "android": ffmpeg(
            d / "android.mp4",
            "-metadata",
            "location=+45.7640+004.8357/",
            "-metadata",
            "creation_time=2021-05-06T07:08:09Z",
        ),
        "rotated": ffmpeg(d / "portrait.mp4", "-metadata:s:v:0", "rotate=90"),
    }


def test_quicktime_location_agrees_with_exiftool(tagged):
    ex = exiftool(tagged["iphone"])
    info = lv.video_info(tagged["iphone"])
    assert (info.lat, info.lon) == pytest.approx((ex["GPSLatitude"], ex["GPSLongitude"]))


def test_quicktime_make_and_model_agree_with_exiftool(tagged):
    ex = exiftool(tagged["iphone"])
    info = lv.video_info(tagged["iphone"])
    assert (info.make, info.model) == (ex["Make"], ex["Model"])


def test_quicktime_creation_date_keeps_its_offset_as_exiftool_shows_it(tagged):
    ex = exiftool(tagged["iphone"])  # "2022:01:02 03:04:05+01:00"
    info = lv.video_info(tagged["iphone"])
    assert info.captured_at == ex["CreationDate"].replace(":", "-", 2).replace(" ", "T")


def test_android_location_atom_agrees_with_exiftool(tagged):
    # FFmpeg's MP4 muxer stores the point in a 3GPP 'loci' box, 16.16 fixed point:
    # ExifTool shows 5 decimals of that, FFmpeg 4; they agree to 1/65536 degree.
    ex = exiftool(tagged["android"])
    info = lv.video_info(tagged["android"])
    assert (info.lat, info.lon) == pytest.approx((ex["GPSLatitude"], ex["GPSLongitude"]), abs=2e-5)


def test_container_creation_time_is_utc_as_exiftool_create_date(tagged):
    ex = exiftool(tagged["android"])  # QuickTime CreateDate is UTC: "2021:05:06 07:08:09"
    info = lv.video_info(tagged["android"])
    assert info.captured_at == ex["CreateDate"].replace(":", "-", 2).replace(" ", "T") + "+00:00"


def test_rotation_is_the_display_matrix_as_ffprobe_reports_it(tagged):
    vs = ffprobe(tagged["rotated"])["streams"][0]
    rotation = next(d["rotation"] for d in vs["side_data_list"] if "rotation" in d)
    assert lv.video_info(tagged["rotated"]).rotation == rotation % 360


def test_rotation_is_360_minus_exiftool_clockwise_rotation(tagged):
    ex = exiftool(tagged["rotated"])
    assert lv.video_info(tagged["rotated"]).rotation == (360 - ex["Rotation"]) % 360


def test_a_clip_with_a_sound_track_is_sampled_like_one_without(clips, tagged):
    assert lv.video_info(tagged["sound"]).frames == lv.video_info(clips["mp4_h264"]).frames


def test_a_larger_cover_picture_stream_is_not_taken_for_the_video(clips, tmp_path):
    cover = tmp_path / "cover.mkv"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(clips["mp4_h264"]), "-f", "lavfi", "-i"]
        + ["color=c=red:s=1280x720:d=0.1", "-map", "0:v", "-map", "1:v", "-frames:v:1", "1"]
        + ["-c:v:0", "copy", "-c:v:1", "png", str(cover)],
        check=True,
    )
    info = lv.video_info(cover)
    assert (info.codec, info.width, len(info.frames)) == ("h264", 320, 5)


def test_untagged_clip_has_no_camera_time_or_place(clips):
    info = lv.video_info(clips["mkv_h264"])
    assert (info.make, info.model, info.captured_at, info.lat, info.lon) == (None,) * 5


def test_analyse_puts_video_camera_time_and_place_where_image_exif_goes(tagged):
    info = analyse(tagged["iphone"])
    assert (info.exif.make, info.exif.model, info.exif.lat, info.width) == (
        "Apple",
        "iPhone 13",
        -33.8688,
        320,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+48.8577+002.2950/", (48.8577, 2.295)),
        ("-33.8688+151.2093+010.000/", (-33.8688, 151.2093)),
        ("+48.8577-002.2950CRSWGS_84/", (48.8577, -2.295)),
        ("+4851.462+00217.700/", (48.8577, 2.295)),
        ("+485127.72+0021742.00/", (48.857700, 2.295)),
        ("+5+3/", (5.0, 3.0)),
    ],
)
def test_iso6709_points_parse_to_signed_decimal_degrees(text, expected):
    assert lv.parse_iso6709(text) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    "text",
    ["", "north", "+91.0000+002.0000/", "+48.0+181.0/", "+4861.0+00217.0/", "+123+002/", None],
)
def test_iso6709_garbage_and_out_of_range_give_no_point(text):
    assert lv.parse_iso6709(text) is None


# ----------------------------------------------------------------------------- frames


def test_one_frame_per_second_by_default_with_its_timestamp(clips):
    info = lv.video_info(clips["mp4_h264"])
    assert [t for t, _, _ in info.frames] == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_sampling_rate_is_a_parameter(clips):
    info = lv.video_info(clips["mp4_h264"], fps=2)
    assert [t for t, _, _ in info.frames] == [k / 2 for k in range(10)]


def test_sampling_rate_default_comes_from_the_setting(clips, monkeypatch):
    monkeypatch.setenv("CLUEGRAPH_VIDEO_FPS", "0.5")
    reset_settings()
    try:
        info = lv.video_info(clips["mp4_h264"])
    finally:
        monkeypatch.delenv("CLUEGRAPH_VIDEO_FPS")
        reset_settings()
    assert [t for t, _, _ in info.frames] == [0.0, 2.0, 4.0]


def test_a_clip_longer_than_the_frame_cap_is_sampled_over_its_whole_length(clips):
    info = lv.video_info(clips["mp4_h264"], max_frames=2)
    assert [t for t, _, _ in info.frames] == [0.0, 2.5]


@pytest.mark.parametrize("gop", [None, 3, 25])
def test_skipping_groups_of_pictures_gives_the_hashes_of_a_full_decode(tmp_path, gop):
    path = clip(tmp_path / "g.mp4", seconds=6, gop=gop)
    assert lv.video_info(path).frames == reference_samples(path)


def test_all_intra_clip_gives_the_hashes_of_a_full_decode(clips):
    path = clips["avi_mjpeg"]
    assert lv.video_info(path).frames == reference_samples(path)


@pytest.mark.parametrize(("key", "gop"), [("avi_mjpeg", None), ("mp4_h264", 10)])
def test_keyframes_on_the_samples_spare_decoding_the_other_frames(clips, tmp_path, key, gop):
    path = clips[key] if gop is None else clip(tmp_path / "k.mp4", gop=gop)
    # 5 s at 10 fps, a keyframe every second: 5 samples, the 50 frames are not all
    # decoded (the decoder's frame threads may hold a few more at the end).
    assert lv.video_info(path).decoded_frames <= 10


def test_sampling_at_a_frame_rate_between_frames_matches_a_full_decode(tmp_path):
    path = clip(tmp_path / "odd.mkv", seconds=4, fps=7, codec="libx264", gop=5)
    assert lv.video_info(path, fps=3).frames == reference_samples(path, 3)


def test_frame_hash_is_the_image_pdq_of_the_decoded_frame(clips):
    with av.open(str(clips["avi_mjpeg"])) as c:
        first = next(c.decode(video=0)).to_image()
    assert lv.video_info(clips["avi_mjpeg"]).frames[0][1:] == pdq_reference(first)


def test_video_pdq_is_its_highest_quality_sample(tmp_path):
    flat = [rooms.flat_image(i, (320, 240), (120, 110, 100)) for i in range(20)]
    path = lv.write_clip(flat + pan(7, 30), tmp_path / "late.mp4", fps=10)
    info = lv.video_info(path)
    best = max(info.frames, key=lambda f: f[2])
    assert (info.pdq, info.pdq_quality, info.frames[0][2] < best[2]) == (best[1], best[2], True)


@pytest.mark.parametrize(
    ("size", "bit_rate", "codec"),
    [
        ((320, 240), 60_000, "libx264"),
        ((160, 120), 200_000, "libx264"),
        ((240, 180), None, "libvpx-vp9"),
    ],
)
def test_reencoded_scene_keeps_frame_hashes_within_pdq_31(clips, tmp_path, size, bit_rate, codec):
    other = clip(tmp_path / "re.mkv", size=size, bit_rate=bit_rate, codec=codec)
    a = lv.video_info(clips["mp4_h264"]).frames
    b = lv.video_info(other).frames
    assert [ta for ta, _, _ in a] == [tb for tb, _, _ in b]
    assert max(hamming_hex(ha, hb) for (_, ha, _), (_, hb, _) in zip(a, b, strict=True)) <= 31


def test_unrelated_scene_is_far_in_pdq(clips, tmp_path):
    other = clip(tmp_path / "other.mp4", seed=11)
    a = lv.video_info(clips["mp4_h264"]).frames
    b = lv.video_info(other).frames
    assert min(hamming_hex(ha, hb) for _, ha, _ in a for _, hb, _ in b) > 31


def test_write_clip_makes_the_frames_and_rate_asked(tmp_path):
    path = lv.write_clip(pan(3, 12, (160, 120)), tmp_path / "w.mp4", fps=4)
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        assert (sum(1 for _ in c.decode(s)), s.average_rate, s.codec_context.width) == (
            12,
            4,
            160,
        )


# ----------------------------------------------------------------------------- bad input


def _reason(path: Path, **kw) -> tuple[str, str]:
    with pytest.raises(MediaError) as caught:
        lv.video_info(path, **kw)
    return caught.value.reason, str(caught.value)


def test_zero_length_video_is_refused(tmp_path):
    (tmp_path / "z.mp4").write_bytes(b"")
    assert _reason(tmp_path / "z.mp4")[0] == "zero_bytes"


def test_mp4_cut_before_its_index_is_truncated(clips, tmp_path):
    data = clips["mp4_h264"].read_bytes()  # PyAV writes the moov index at the end
    (tmp_path / "t.mp4").write_bytes(data[: len(data) // 2])
    assert _reason(tmp_path / "t.mp4") == ("truncated", "t.mp4: video data is truncated")


def test_faststart_mp4_cut_in_its_data_is_truncated(clips, tmp_path):
    fast = tmp_path / "fast.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(clips["mp4_h264"]), "-c", "copy"]
        + ["-movflags", "faststart", str(fast)],
        check=True,
    )
    data = fast.read_bytes()
    (tmp_path / "t.mp4").write_bytes(data[: len(data) * 2 // 3])
    assert _reason(tmp_path / "t.mp4")[0] == "truncated"


def test_webm_cut_in_half_is_truncated(clips, tmp_path):
    data = clips["webm_vp9"].read_bytes()
    (tmp_path / "t.webm").write_bytes(data[: len(data) // 2])
    reason, message = _reason(tmp_path / "t.webm")
    assert (reason, "of the 5.0 s declared" in message) == ("truncated", True)


def test_avi_cut_in_half_is_truncated(clips, tmp_path):
    data = clips["avi_mjpeg"].read_bytes()
    (tmp_path / "t.avi").write_bytes(data[: len(data) // 2])
    assert _reason(tmp_path / "t.avi")[0] == "truncated"


def test_random_bytes_in_place_of_the_frames_is_corrupt(clips, tmp_path):
    data = bytearray(clips["mkv_h264"].read_bytes())
    rng = np.random.default_rng(1)
    start = len(data) // 10
    data[start:] = rng.integers(0, 256, len(data) - start, dtype=np.uint8).tobytes()
    (tmp_path / "r.mkv").write_bytes(bytes(data))
    assert _reason(tmp_path / "r.mkv")[0] in ("corrupt", "truncated")


def test_garbage_frame_data_in_an_intact_container_is_corrupt(clips, tmp_path):
    data = bytearray(clips["avi_mjpeg"].read_bytes())
    rng = np.random.default_rng(2)
    at, end = 0, data.find(b"idx1")
    while 0 < (at := data.find(b"00dc", at + 4)) < end:  # every MJPEG frame's payload
        size = int.from_bytes(data[at + 4 : at + 8], "little")
        data[at + 8 : at + 8 + size] = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    (tmp_path / "g.avi").write_bytes(bytes(data))
    assert _reason(tmp_path / "g.avi") == ("corrupt", "g.avi: no video frame can be decoded")


def test_audio_only_file_has_no_video_stream(tmp_path):
    path = tmp_path / "voice.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", str(path)], check=True
    )
    assert _reason(path)[0] == "unsupported_type"


def test_unknown_codec_is_unsupported(clips, tmp_path):
    data = clips["mkv_h264"].read_bytes()
    assert b"V_MPEG4/ISO/AVC" in data
    (tmp_path / "u.mkv").write_bytes(data.replace(b"V_MPEG4/ISO/AVC", b"V_QQQQQ/ISO/XYZ"))
    assert _reason(tmp_path / "u.mkv")[0] == "unsupported_type"


def test_frames_over_the_pixel_limit_are_refused(clips):
    reason, message = _reason(clips["mp4_h264"], max_pixels=320 * 239)
    assert (reason, message) == (
        "too_large",
        "a.mp4: refused, 320x240 is over 76480 pixels",
    )


def test_an_absurd_declared_duration_is_refused(clips, tmp_path):
    data = bytearray(clips["mkv_h264"].read_bytes())
    at = data.find(b"\x44\x89\x88")  # Matroska Duration, an 8-byte float (milliseconds)
    data[at + 3 : at + 11] = struct.pack(">d", 1e12)
    (tmp_path / "long.mkv").write_bytes(bytes(data))
    reason, message = _reason(tmp_path / "long.mkv", max_duration=86400)
    assert (reason, "over the 24 h limit" in message) == ("too_large", True)


def test_analysis_over_the_time_limit_stops_with_a_timeout(clips):
    assert _reason(clips["mp4_h264"], time_limit=0.001)[0] == "timeout"


def test_bad_video_error_never_quotes_file_bytes(clips, tmp_path):
    data = clips["mp4_h264"].read_bytes()
    (tmp_path / "t.mp4").write_bytes(b"\x00\x00\x00\x18ftypisomSECRETSTUFF" + data[40:80])
    _reason_code, message = _reason(tmp_path / "t.mp4")
    assert "SECRET" not in message


def test_memory_stays_bounded_by_the_frame_cap(clips):
    assert len(lv.video_info(clips["mp4_h264"], fps=30, max_frames=7).frames) == 7


# ----------------------------------------------------------------------------- loading


def _world(driver) -> None:
    db.write(
        driver,
        """
        MERGE (fr:Country {code: 'FR'}) SET fr.name = 'France'
        MERGE (a:Agency {id: 'A-FR'})-[:IN_COUNTRY]->(fr)
        MERGE (c:Case {id: 'C1'}) SET c.status = 'open'
        MERGE (c)-[:OWNED_BY]->(a)
        MERGE (s:Series {id: 'S1'}) SET s.name = 'series S1', s.status = 'unidentified'
        MERGE (c)-[:INVESTIGATES]->(s)
        """,
        name="test.world",
    )


@pytest.fixture
def mixed(tmp_path, clips, tagged) -> Path:
    """Images and videos together, plus hostile videos."""
    d = tmp_path / "seizure"
    (d / "sub").mkdir(parents=True)
    pan(5, 1)[0].save(d / "still.jpg", quality=90)
    pan(9, 1)[0].save(d / "sub" / "other.png")
    shutil.copy(clips["mp4_h264"], d / "clip.mp4")
    shutil.copy(clips["webm_vp9"], d / "sub" / "clip.webm")
    shutil.copy(tagged["android"], d / "lyon.mp4")
    shutil.copy(tagged["sound"], d / "sub" / "sound.mov")  # with a sound track
    data = clips["mp4_h264"].read_bytes()
    (d / "cut.mp4").write_bytes(data[: len(data) // 2])
    (d / "empty.mov").write_bytes(b"")
    (d / "noise.avi").write_bytes(b"RIFF\x10\x00\x00\x00AVI LIST" + bytes(range(256)) * 4)
    return d


MIXED_ERRORS = {
    "cut.mp4": "video data is truncated (reason: truncated)",
    "empty.mov": "file is empty (0 bytes) (reason: zero_bytes)",
    "noise.avi": "the file has no video stream FFmpeg can decode (reason: unsupported_type)",
}


@pytest.mark.neo4j
def test_load_media_writes_videos_with_their_frames(driver, mixed):
    _world(driver)
    load_media(driver, mixed, MediaLoadOptions(case_id="C1", series_id="S1"))
    rows = db.records(
        driver,
        "MATCH (m:Media {kind: 'video'}) RETURN m.fileName AS f, m.frameTimes AS t, "
        "size(m.frames) AS n, size(m.frameQualities) AS q, m.videoCodec AS codec "
        "ORDER BY f",
        name="t",
    )
    assert [(r["f"], r["t"], r["n"], r["q"], r["codec"]) for r in rows] == [
        ("clip.mp4", [0.0, 1.0, 2.0, 3.0, 4.0], 5, 5, "h264"),
        ("clip.webm", [0.0, 1.0, 2.0, 3.0, 4.0], 5, 5, "vp9"),
        ("lyon.mp4", [0.0, 1.0, 2.0, 3.0, 4.0], 5, 5, "h264"),
        ("sound.mov", [0.0, 1.0, 2.0, 3.0, 4.0], 5, 5, "h264"),
    ]


@pytest.mark.neo4j
def test_loaded_video_properties_are_those_of_the_analysis(driver, mixed):
    _world(driver)
    load_media(driver, mixed, MediaLoadOptions(case_id="C1"))
    info = lv.video_info(mixed / "clip.mp4")
    row = db.records(
        driver,
        "MATCH (m:Media {fileName: 'clip.mp4'}) RETURN m.frames AS frames, "
        "m.frameQualities AS q, m.pdq AS pdq, m.pdqQuality AS pq, m.width AS w, "
        "m.height AS h, m.durationSeconds AS d, m.frameRate AS fr, m.mime AS mime",
        name="t",
    )[0]
    assert dict(row) == {
        "frames": [f[1] for f in info.frames],
        "q": [f[2] for f in info.frames],
        "pdq": info.pdq,
        "pq": info.pdq_quality,
        "w": 320,
        "h": 240,
        "d": 5.0,
        "fr": 10.0,
        "mime": "video/mp4",
    }


@pytest.mark.neo4j
def test_video_gps_resolves_to_a_place_like_an_image(driver, mixed):
    _world(driver)
    load_media(driver, mixed, MediaLoadOptions(case_id="C1"))
    rows = db.records(
        driver,
        "MATCH (m:Media {kind: 'video'})-[g:GEOTAGGED_AT]->(l:Location)-[:IN_COUNTRY]->(c) "
        "RETURN m.fileName AS f, l.name AS place, c.code AS cc, m.capturedAt AS at",
        name="t",
    )
    assert [(r["f"], r["place"][:4], r["cc"], r["at"].to_native().isoformat()) for r in rows] == [
        ("lyon.mp4", "Lyon", "FR", "2021-05-06T07:08:09+00:00")
    ]


@pytest.mark.neo4j
def test_hostile_videos_each_give_one_error_and_the_rest_loads(driver, mixed):
    _world(driver)
    report = load_media(driver, mixed, MediaLoadOptions(case_id="C1"))
    kinds = db.records(
        driver, "MATCH (m:Media) RETURN m.kind AS k, count(*) AS n ORDER BY k", name="t"
    )
    assert (
        {e.file: e.message for e in report.errors},
        [(r["k"], r["n"]) for r in kinds],
    ) == (MIXED_ERRORS, [("image", 2), ("video", 4)])


@pytest.mark.neo4j
def test_video_time_limit_setting_reaches_the_workers(driver, tmp_path, clips, monkeypatch):
    _world(driver)
    d = tmp_path / "slow"
    d.mkdir()
    shutil.copy(clips["mp4_h264"], d / "clip.mp4")
    pan(5, 1)[0].save(d / "still.jpg")
    monkeypatch.setenv("CLUEGRAPH_VIDEO_TIME_LIMIT", "0.001")
    report = load_media(driver, d, MediaLoadOptions(case_id="C1", workers=1))
    assert ([e.file for e in report.errors], report.written) == (["clip.mp4"], 1)


@pytest.mark.neo4j
def test_reloading_a_folder_with_videos_changes_nothing(driver, mixed):
    _world(driver)
    load_media(driver, mixed, MediaLoadOptions(case_id="C1"))
    before = graph_checksum(driver)
    second = load_media(driver, mixed, MediaLoadOptions(case_id="C1"))
    assert (graph_checksum(driver), second.counters.get("nodes_created")) == (before, 0)


def test_media_props_store_frames_as_three_parallel_lists():
    from loaders.media_rows import media_props

    info = {"kind": "video", "video": {"frames": [(0.0, "a" * 64, 90), (1.0, "b" * 64, 40)]}}
    props = media_props(info)
    assert (props["frames"], props["frameQualities"], props["frameTimes"]) == (
        ["a" * 64, "b" * 64],
        [90, 40],
        [0.0, 1.0],
    )


def test_mediafile_keeps_images_free_of_video_fields(tmp_path):
    path = tmp_path / "p.png"
    pan(5, 1)[0].save(path)
    assert mediafile.analyse(path).video is None
