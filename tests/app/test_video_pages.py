"""Videos in the app: the series page (metadata and a frame strip) and triage of a clip.

The seeded graph of tests/app/seed.py gets one real clip (a pan across a drawn room,
made here and loaded through the media loader) in series S-DE-1. Triage uploads a
re-encoded copy of the clip, a still taken from it, and an unrelated clip.
"""

from __future__ import annotations

import io

import pytest

from graph import db, links
from tests.app.test_pages import button, run, texts

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def frames():
    from tests.loaders.test_video import pan

    return pan(5, 60)  # 6 s at 10 fps


@pytest.fixture
def clip(seeded, frames, tmp_path):
    """The clip on disk, loaded into S-DE-1 (case C-DE-1); returns its sha256."""
    from loaders.media import MediaLoadOptions, load_media
    from media import video as lv

    folder = tmp_path / "clips"
    folder.mkdir()
    lv.write_clip(frames, folder / "pan.mp4", fps=10)
    rep = load_media(seeded, folder, MediaLoadOptions(case_id="C-DE-1", series_id="S-DE-1"))
    assert not rep.errors, rep.errors
    links.after_load(seeded, rep)
    rows = db.records(
        seeded, "MATCH (m:Media {kind: 'video'}) RETURN m.sha256 AS sha", name="test.clip"
    )
    return rows[0]["sha"]


def _bytes_of_clip(frames, tmp_path, name: str, **kw) -> bytes:
    from media import video as lv

    return lv.write_clip(frames, tmp_path / name, fps=10, **kw).read_bytes()


def _png(img) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="PNG")
    return buf.getvalue()


def _triage(*uploads: tuple[str, bytes, str]):
    at = run("views/triage.py")
    at.file_uploader[0].set_value(list(uploads))
    button(at, "Triage").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _rows(at) -> list[dict]:
    for df in at.dataframe:
        if "method" in df.value.columns and "at_input" in df.value.columns:
            return df.value.to_dict("records")
    return []


def _graph_size(driver) -> tuple[int, int]:
    r = db.records(
        driver,
        "MATCH (n) WHERE NOT n:AuditEvent WITH count(n) AS n "
        "OPTIONAL MATCH ()-[r]->() RETURN n, count(r) AS r",
        name="test.size",
    )[0]
    return r["n"], r["r"]


# ------------------------------------------------------------------ series page


def test_series_page_lists_the_clip_with_duration_codec_and_frames(clip):
    at = run("views/series.py", query={"series": "S-DE-1"})
    df = next(d.value for d in at.dataframe if "frames sampled" in d.value.columns or
              "frameCount" in d.value.columns)  # fmt: skip
    row = df.to_dict("records")[0]
    assert (row["duration"], row["videoCodec"], row["frameCount"]) == ("6 s", "h264", 6)


def test_series_page_shows_a_frame_strip_blurred_until_revealed(clip):
    at = run("views/series.py", query={"series": "S-DE-1"})
    assert [b.label for b in at.button if b.key == f"reveal-{clip}-strip"] == ["Reveal frames"]


def test_series_page_frame_strip_gives_the_moments(clip):
    at = run("views/series.py", query={"series": "S-DE-1"})
    captions = {c for img in at.image for c in img.captions}
    assert {"0 s", "5 s"} <= captions


def test_revealing_a_frame_strip_is_recorded_in_the_audit(clip, seeded):
    at = run("views/series.py", query={"series": "S-DE-1"})
    next(b for b in at.button if b.key == f"reveal-{clip}-strip").click().run()
    events = db.records(
        seeded,
        "MATCH (e:AuditEvent {action: 'thumbnail.reveal'}) RETURN e.parameters AS p",
        name="test.audit",
    )
    assert any(clip in str(e["p"]) for e in events)


# ------------------------------------------------------------------ triage


def test_triage_of_a_reencoded_clip_finds_the_clip_with_the_moments(clip, frames, tmp_path):
    data = _bytes_of_clip(frames[20:60], tmp_path, "copy.webm", codec="libvpx", size=(160, 120))
    at = _triage(("copy.webm", data, "video/webm"))
    hit = next(r for r in _rows(at) if r["sha256"] == clip)
    # the copy starts 2 s into the clip: its best moment sits 2 s later in the clip
    assert (hit["method"], hit["at_match"] - hit["at_input"]) == ("vpdq", 2.0)


def test_triage_shows_the_uploaded_clips_frames_blurred(clip, frames, tmp_path):
    data = _bytes_of_clip(frames[20:60], tmp_path, "copy.webm", codec="libvpx", size=(160, 120))
    at = _triage(("copy.webm", data, "video/webm"))
    assert [b.label for b in at.button if str(b.key).endswith("-upload")] == ["Reveal frames"]


def test_triage_shows_matching_moments_side_by_side(clip, frames, tmp_path):
    data = _bytes_of_clip(frames[20:60], tmp_path, "copy.webm", codec="libvpx", size=(160, 120))
    at = _triage(("copy.webm", data, "video/webm"))
    keys = [str(b.key) for b in at.button if str(b.key).endswith("-m0")]
    assert "Side by side" in texts(at) and f"reveal-{clip}-m0" in keys


def test_triage_of_a_still_from_the_clip_says_when_in_the_clip(clip, frames):
    at = _triage(("still.png", _png(frames[30]), "image/png"))
    hit = next(r for r in _rows(at) if r["sha256"] == clip)
    assert (hit["method"], hit["at_match"]) == ("video frame", 3.0)  # shown as words


def test_triage_of_an_unrelated_clip_finds_nothing(clip, tmp_path):
    from tests.loaders.test_video import pan

    data = _bytes_of_clip(pan(8, 40), tmp_path, "other.mp4")
    at = _triage(("other.mp4", data, "video/mp4"))
    assert "No match" in texts(at)


def test_triage_of_a_clip_stores_nothing(clip, frames, tmp_path, seeded):
    before = _graph_size(seeded)
    data = _bytes_of_clip(frames[20:60], tmp_path, "copy.mp4")
    _triage(("copy.mp4", data, "video/mp4"))
    assert _graph_size(seeded) == before
