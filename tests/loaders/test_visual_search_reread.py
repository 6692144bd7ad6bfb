"""Object search re-reads a shortlisted picture from its file only while the file still
holds the loaded bytes (real Neo4j, real generated files)."""

from __future__ import annotations

import pytest

from loaders.visual_search import file_reader
from media.visual import objects
from tests.loaders import visual_world as vw

pytestmark = [pytest.mark.neo4j]


def test_file_reader_reads_the_loaded_file_and_nothing_else(driver, tmp_path):
    vw.world(driver)
    data = vw.poster_room(2)
    p = vw.write(tmp_path / "fr", "poster_a.jpg", data)
    vw.load(driver, tmp_path / "fr", "C-FR", "S-FR")
    sha = vw.sha(data)
    read = file_reader(driver)
    view = read(sha)
    assert isinstance(view, objects.DenseView)
    assert (view.width, view.height) == (1280, 960) and len(view) > 1024
    assert read(f"{sha}@1500") is None  # a video frame: its stored features count
    assert read("clue:object:star poster") is None
    assert read("0" * 64) is None  # not loaded
    p.write_bytes(vw.poster_room(3))  # another picture now at that path
    assert read(sha) is None
    p.unlink()  # gone since the load
    assert read(sha) is None
