"""The one "after a write, update the links" (graph.links.after_write), one test a path:
the links appear after each kind of write without anything else being run."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from graph import clues, links
from loaders.base import LoadReport
from tests.graph.test_links import World, link

pytestmark = pytest.mark.neo4j


@pytest.fixture
def world(driver) -> World:
    return World(driver)


def test_a_clue_added_in_the_app_links_the_series_it_concerns(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.finish_load()
    for sid in ("S-FR", "S-DE"):
        added = clues.add_clue(
            driver,
            target=sid,
            target_kind="series",
            clue_type="logo",
            label="Koala Corner bag",
            analyst="ana",
        )
        assert added.links_updated
    assert link(driver, "S-DE", "S-FR")["kinds"] == ["shared_clue"]


def test_loads_of_a_manifest_update_the_links_once_for_all(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.media("holiday", ("S-FR", "S-DE"))
    world.finish_load()
    assert link(driver, "S-DE", "S-FR") is None
    done = LoadReport(kind="media", source="test", load_id=world.load, written=1)
    skipped = LoadReport(kind="media", source="test", load_id="L-dry", written=1, dry_run=True)
    assert links.after_write(driver, reports=[done, skipped]) is not None
    assert link(driver, "S-DE", "S-FR")["kinds"] == ["same_media"]


def test_links_rebuild_on_the_command_line_goes_through_after_write(world, driver):
    from cli import app

    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.media("holiday", ("S-FR", "S-DE"))
    world.finish_load()
    res = CliRunner().invoke(app, ["links", "rebuild", "--json"])
    assert res.exit_code == 0, res.output
    assert link(driver, "S-DE", "S-FR")["kinds"] == ["same_media"]


@pytest.mark.parametrize(
    "kw", [{}, {"series": ["S-1"], "everything": True}, {"series": ["S-1"], "media": ["a"]}]
)
def test_after_write_must_be_told_exactly_what_was_written(driver, kw):
    with pytest.raises(ValueError, match="say what was written"):
        links.after_write(driver, **kw)
