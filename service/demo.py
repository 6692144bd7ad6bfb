"""The demo world for trainers: where it lives, its truth file, loading and resetting it.

Loading needs ``demo_load`` (on an empty graph, or in a demo deployment), resetting needs
``demo_reset`` (a demo deployment only: it empties the database); both are checked here
(:func:`service.access.allow`) and recorded (``demo.load``, ``demo.reset``), as
``cluegraph demo up|reset`` and the Trainer page use them. The
generated world is written by the real loaders (:func:`loaders.world.ensure_demo`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import neo4j

from graph import audit, db
from graph.config import get_settings
from graph.rights import Action, User
from loaders import world
from service.access import allow


def folder(size: str = "small", seed: int = 7) -> Path:
    """Where ``cluegraph demo up`` keeps the demo world (under the ClueGraph home)."""
    return Path(world.demo_dir(get_settings().home, size, seed))


def read_truth(path: Path) -> dict[str, Any] | None:
    """``truth.json`` of a demo world folder (None when absent or unreadable)."""
    p = Path(path) / "truth.json"
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def up(
    driver: neo4j.Driver,
    *,
    size: str = "small",
    seed: int = 7,
    force: bool = False,
    say: Callable[[str], Any] | None = None,
    user: User | None = None,
) -> Path:
    """Generate the demo world (once) and load it (once), as ``cluegraph demo up``;
    needs ``demo_load``."""
    path, _result = load(driver, size=size, seed=seed, force=force, say=say, user=user)
    return path


def load(
    driver: neo4j.Driver,
    *,
    size: str = "small",
    seed: int = 7,
    force: bool = False,
    say: Callable[[str], Any] | None = None,
    user: User | None = None,
) -> tuple[Path, world.WorldLoad | None]:
    """:func:`up`, also returning what was loaded (``loaders.world.WorldResult``, None when
    the world was already there); recorded as ``demo.load``."""
    params = {"size": size, "seed": seed, "force": force}
    allow(driver, user, Action.DEMO_LOAD, params)
    with audit.track(driver, user, "demo.load", params) as t:
        path, result = world.ensure_demo(
            driver,
            get_settings().home,
            size=size,
            seed=seed,
            force=force,
            say=say or (lambda m: None),
        )
        t.params["folder"] = str(path)
        t.count = 0 if result is None else len(result.reports)
    return Path(path), result


def reset(
    driver: neo4j.Driver,
    *,
    size: str = "small",
    seed: int = 7,
    say: Callable[[str], Any] | None = None,
    user: User | None = None,
) -> Path:
    """Empty the database and load the demo world again (``cluegraph demo reset``); needs
    ``demo_reset``."""
    params = {"size": size, "seed": seed}
    allow(driver, user, Action.DEMO_RESET, params)
    with audit.track(driver, user, "demo.reset", params) as t:
        db.reset(driver)
        db.apply_schema(driver)
        path, _result = world.ensure_demo(
            driver,
            get_settings().home,
            size=size,
            seed=seed,
            force=True,
            say=say or (lambda m: None),
        )
        t.params["folder"] = str(path)
        t.count = 1
    return Path(path)
