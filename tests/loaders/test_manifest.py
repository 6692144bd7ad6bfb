"""``load media --manifest``: several one-picture exhibits, one worker pool, one link update."""

from __future__ import annotations

import pytest

from graph import db, links
from loaders.base import FileRefused
from loaders.manifest import load_manifest, read_manifest
from tests.loaders.test_media_loader import jpeg, world

pytestmark = pytest.mark.neo4j


def exhibits(tmp_path, n: int = 3) -> list[str]:
    """``n`` folders of one synthetic picture each; the first two hold the same picture
    (so their series link), and a manifest listing them."""
    rows = ["folder,case_id,series_id"]
    for i in range(n):
        d = tmp_path / f"ex{i}"
        d.mkdir()
        jpeg(d / f"p{i}.jpg", seed=1 if i < 2 else 10 + i)
        rows.append(f"ex{i},C{1 + i % 2},S{1 + i % 2}")
    (tmp_path / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return rows


def graph_links(driver) -> set[tuple[str, str]]:
    rows = db.records(
        driver, "MATCH (a:Series)-[:LINKED]->(b:Series) RETURN a.id AS a, b.id AS b", name="t"
    )
    return {(r["a"], r["b"]) for r in rows}


def test_a_manifest_loads_every_folder_then_one_update_equals_a_rebuild(driver, tmp_path):
    world(driver)
    links.rebuild(driver)  # the saved index the update starts from
    exhibits(tmp_path)
    reports = load_manifest(driver, tmp_path / "manifest.csv", workers=1)
    assert [(r.read, r.written, r.skipped) for r in reports] == [(1, 1, 0)] * 3
    assert len({r.load_id for r in reports}) == 3
    rep = links.update_for_loads(driver, [r.load_id for r in reports])
    after_update = graph_links(driver)
    assert after_update == {("S1", "S2")}  # the same picture in two exhibits
    assert rep.full is False
    links.rebuild(driver)
    assert graph_links(driver) == after_update
    n = db.records(driver, "MATCH (m:Media) RETURN count(m) AS n", name="t")[0]["n"]
    assert n == 2  # the shared picture is one medium


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("folder\nex0\n", "missing column(s) case_id"),
        ("folder,case_id,colour\nex0,C1,red\n", "unknown column(s) colour"),
        ("folder,case_id\nex0,\n", "line 2: field case_id is empty"),
        ("folder,case_id\nnowhere,C1\n", "line 2: field folder: 'nowhere' is not a folder"),
        ("folder,case_id\n", "no folder listed"),
    ],
)
def test_a_bad_manifest_is_refused_naming_the_line_and_field(tmp_path, text, message):
    (tmp_path / "ex0").mkdir()
    (tmp_path / "m.csv").write_text(text, encoding="utf-8")
    with pytest.raises(FileRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_manifest(tmp_path / "m.csv")
