"""The visual commands end to end: load media (which runs the pass), search object,
clues suggestions/accept/add-object, db reset removing the visual index."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graph import auth, db
from loaders.visual import visual_dir
from tests.loaders import visual_world as vw

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def cli(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def loaded(neo4j_server, tmp_path_factory):
    """Two rooms with the same poster and a sign, loaded with `load media` (pass included)."""
    drv = db.get_driver()
    vw.fresh_world(drv)
    root = tmp_path_factory.mktemp("cli")
    vw.write(root / "fr", "poster_a.jpg", vw.poster_room(2))
    vw.write(root / "fr", "sign.jpg", vw.sign(3, "pl"))
    vw.write(root / "pl", "poster_b.jpg", vw.poster_room(3))
    vw.write(root / "query", "poster.jpg", vw.poster_crop())
    import os

    users = root / "users.toml"  # `--by ana` names a ClueGraph user (service.caller)
    auth.add_user("ana", "analyst", None, path=users)
    env = {**os.environ, "CLUEGRAPH_USERS_FILE": str(users)}
    outs = [
        cli(
            env, "load", "media", root / "fr", "--case", "C-FR", "--series", "S-FR", "--workers", 1
        ),
        cli(
            env, "load", "media", root / "pl", "--case", "C-PL", "--series", "S-PL", "--workers", 1
        ),
    ]
    return env, root, outs


def test_load_media_runs_the_visual_pass(loaded):
    _, _, outs = loaded
    assert all(o.returncode == 0 for o in outs), [o.stderr for o in outs]
    assert all("visual pass" in o.stdout for o in outs)


def test_analyse_visual_again_analyses_nothing(loaded):
    env, _, _ = loaded
    out = cli(env, "analyse", "visual", "--workers", 1)
    assert out.returncode == 0, out.stderr
    assert "visual pass" in out.stdout


def test_search_object_json_lists_both_rooms_with_series_and_countries(loaded):
    env, root, _ = loaded
    out = cli(env, "search", "object", root / "query" / "poster.jpg", "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert {tuple(r["countries"]) for r in rows} >= {("FR",), ("PL",)}
    assert set(rows[0]) == {"sha256", "score", "inliers", "box", "series", "countries"}


def test_search_object_box_outside_the_picture_is_a_clear_error(loaded):
    env, root, _ = loaded
    out = cli(env, "search", "object", root / "query" / "poster.jpg", "--box", "0,0,99999,10")
    assert out.returncode != 0 and "outside" in out.stderr


def test_clues_suggestions_json_and_accept(loaded):
    env, _, _ = loaded
    out = cli(env, "clues", "suggestions", "--series", "S-FR", "--format", "json")
    rows = json.loads(out.stdout)
    lang = next(r for r in rows if r["source"] == "language")
    acc = cli(env, "clues", "accept", lang["sha256"], lang["clue_id"], "--by", "ana")
    assert acc.returncode == 0, acc.stderr
    assert "accepted" in acc.stdout


def test_saved_object_clue_is_proposed_on_the_pictures_that_show_it(loaded):
    env, root, _ = loaded
    out = cli(env, "clues", "add-object", root / "query" / "poster.jpg", "--series", "S-FR",
              "--label", "star poster", "--by", "ana")  # fmt: skip
    assert out.returncode == 0, out.stderr
    rows = json.loads(cli(env, "clues", "suggestions", "--format", "json").stdout)
    hits = {r["sha256"] for r in rows if r["clue_id"] == "object:star poster"}
    assert len(hits) == 2


def test_analyse_visual_rebuild_decides_the_pairs_again_and_is_audited(loaded):
    env, _, _ = loaded
    drv = db.get_driver()
    before = vw.pairs(drv, "SHARES_OBJECT"), vw.pairs(drv, "SAME_SCENE")
    assert before[0]  # the two rooms share the poster
    out = cli(env, "analyse", "visual", "--rebuild", "--workers", 1)
    assert out.returncode == 0, out.stderr
    assert "visual pairs rebuilt" in out.stdout and "removed" in out.stdout
    assert (vw.pairs(drv, "SHARES_OBJECT"), vw.pairs(drv, "SAME_SCENE")) == before
    trail = cli(env, "audit", "export", "--format", "jsonl", "--action", "analyse.visual.rebuild")
    assert trail.returncode == 0, trail.stderr
    assert "analyse.visual.rebuild" in trail.stdout
    refused = cli(env, "analyse", "visual", "--rebuild", "--case", "C-FR")
    assert refused.returncode == 2 and "--rebuild" in refused.stderr


def test_db_reset_removes_the_visual_index(loaded):
    env, _, _ = loaded
    assert visual_dir().exists()
    out = cli(env, "db", "reset", "--yes")
    assert out.returncode == 0, out.stderr
    assert not visual_dir().exists()
