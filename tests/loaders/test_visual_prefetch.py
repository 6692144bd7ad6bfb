"""The visual analysis of a few files during their load (loaders.visual.Prefetch): the pass
takes what the thread analysed, exactly what it would have read itself, and analyses a
file again when it changed since."""

from __future__ import annotations

import os

import pytest

from graph.config import reset_settings
from loaders import visual
from loaders.visual import Prefetch, analyse_picture, open_index, run_pass
from tests.loaders import visual_world as vw


def test_the_prefetched_records_are_those_the_pass_would_read(tmp_path):
    data = vw.sign(3, "pl")
    path = vw.write(tmp_path, "sign.jpg", data)
    pre = Prefetch([str(path)])
    got = pre.take(vw.sha(data), str(path))
    assert got == analyse_picture(vw.sha(data), str(path))
    assert got[0]["status"] == "ok" and got[0]["_features"] and got[0]["reads"]
    assert pre.take(vw.sha(data), str(path)) is None  # taken once


def test_a_file_changed_since_is_left_to_the_pass(tmp_path):
    path = vw.write(tmp_path, "room.jpg", vw.room_view(1, 0))
    pre = Prefetch([str(path)])
    pre.wait()
    st = path.stat()
    path.write_bytes(vw.room_view(2, 0))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert pre.take(vw.sha(path.read_bytes()), str(path)) is None


def test_a_folder_of_more_files_than_the_limit_or_huge_files_get_none(tmp_path, monkeypatch):
    for i in range(3):
        vw.write(tmp_path / "a", f"{i}.jpg", vw.room_view(i, 0))
    assert Prefetch.of_folder(tmp_path / "a", 2) is None
    assert Prefetch.of_folder(tmp_path / "a", 3) is not None
    monkeypatch.setenv("CLUEGRAPH_VISUAL_MAX_BYTES", "1000")  # every picture is "huge"
    reset_settings()
    try:
        assert Prefetch.of_folder(tmp_path / "a", 3) is None
    finally:
        monkeypatch.undo()
        reset_settings()


def test_the_pass_takes_the_prefetched_picture_and_reads_nothing_itself(
    driver, tmp_path, monkeypatch
):
    vw.fresh_world(driver)
    data = vw.poster_room(2)
    folder = tmp_path / "fr"
    vw.write(folder, "room.jpg", data)
    pre = Prefetch.of_folder(folder, 4)
    assert pre is not None
    vw.load(driver, folder, "C-FR", "S-FR")
    pre.wait()

    def no_reading(sha: str, path: str) -> list:
        raise AssertionError("the pass read a prefetched picture again")

    monkeypatch.setattr(visual, "analyse_picture", no_reading)
    rep = run_pass(driver, case_id="C-FR", workers=1, prefetch=pre)
    assert rep.analysed == 1 and not rep.notes
    assert vw.sha(data) in open_index()


@pytest.mark.parametrize("prefetched", [True, False])
def test_the_index_holds_the_same_features_with_and_without_the_prefetch(
    driver, tmp_path, prefetched
):
    vw.fresh_world(driver)
    data = vw.room_view(3, 1)
    folder = tmp_path / "fr"
    vw.write(folder, "room.jpg", data)
    pre = Prefetch.of_folder(folder, 4) if prefetched else None
    vw.load(driver, folder, "C-FR", "S-FR")
    run_pass(driver, case_id="C-FR", workers=1, prefetch=pre)
    feats = open_index().get(vw.sha(data))
    direct = analyse_picture(vw.sha(data), str(folder / "room.jpg"))[0]["_features"]
    assert feats.to_bytes() == direct
