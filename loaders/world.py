"""Load a whole world folder (the demo world, or a unit's export in the same layout)
through the real loaders, in dependency order, then rebuild the links once.

Layout (what ``cluegraph demo generate`` writes): ``cases.csv``, ``series.csv``,
``media/<case_id>/`` folders (each may hold a ``media.csv``), ``media_records.csv``
(metadata-only worlds), ``victims.csv``, ``accounts.csv``, ``clues.csv``,
``hashsets/*.json`` (VICS). Missing files are skipped. Each step is an ordinary load:
idempotent, recorded as a ``(:Load)``, its errors in its report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j

from graph import db, queries
from loaders import visual as visual_pass
from loaders.accounts import AccountsLoader
from loaders.base import CsvLoader, LoadReport, run_csv
from loaders.cases import CasesLoader
from loaders.clues import CluesLoader
from loaders.records import MediaRecordsLoader
from loaders.series import SeriesLoader
from loaders.victims import VictimsLoader

Say = Callable[[str], None]

#: (file, module, class) of the CSV steps, in dependency order around the media.
BEFORE_MEDIA: tuple[tuple[str, type[CsvLoader]], ...] = (
    ("cases.csv", CasesLoader),
    ("series.csv", SeriesLoader),
)
AFTER_MEDIA: tuple[tuple[str, type[CsvLoader]], ...] = (
    ("media_records.csv", MediaRecordsLoader),
    ("victims.csv", VictimsLoader),
    ("accounts.csv", AccountsLoader),
    ("clues.csv", CluesLoader),
)


@dataclass
class WorldLoad:
    reports: list[LoadReport] = field(default_factory=list)
    links: dict[str, Any] | None = None
    #: What the visual pass found (``PassReport.summary()``), when it ran.
    visual: dict[str, Any] | None = None

    @property
    def errors(self) -> int:
        return sum(len(r.errors) + (1 if r.refused else 0) for r in self.reports)


def _csv_step(driver, world: Path, name: str, loader: CsvLoader, batch: int) -> LoadReport | None:
    path = world / name
    if not path.is_file():
        return None
    return run_csv(driver, loader, path, batch_size=batch)


def load_world(
    driver: neo4j.Driver,
    world: Path,
    *,
    say: Say = lambda _m: None,
    batch: int = 2000,
    workers: int | None = None,
    links: bool = True,
    visual: bool = True,
) -> WorldLoad:
    """Load every input of ``world``, run the visual pass over its pictures (same scene,
    shared objects, text; ``visual=False`` skips it) and rebuild the links; never raises
    for bad input."""
    from loaders.manifest import load_folders
    from loaders.media import MediaLoadOptions
    from loaders.vics import load_vics

    world = Path(world)
    if not (world / "cases.csv").is_file():
        raise FileNotFoundError(f"{world}: no cases.csv, not a world folder")
    db.apply_schema(driver)
    out = WorldLoad()
    for name, cls in BEFORE_MEDIA:
        if (world / name).is_file():
            say(f"loading {name}")
        rep = _csv_step(driver, world, name, cls(), batch)
        if rep:
            out.reports.append(rep)
    media_root = world / "media"
    cases = sorted(p for p in media_root.iterdir() if p.is_dir()) if media_root.is_dir() else []
    if cases:
        # One pool of workers for every case folder (loaders.manifest.load_folders, also
        # behind `load media --manifest`).
        jobs = [(d, MediaLoadOptions(case_id=d.name, workers=workers)) for d in cases]
        out.reports += load_folders(driver, jobs, workers=workers, say=say)
    for name, cls in AFTER_MEDIA:
        if (world / name).is_file():  # a summary names only the files it has a row for
            say(f"loading {name}")
        rep = _csv_step(driver, world, name, cls(), batch)
        if rep:
            out.reports.append(rep)
    hs = world / "hashsets"
    if hs.is_dir():
        for f in sorted(hs.glob("*.json")):
            say(f"loading hash set {f.name}")
            out.reports.append(load_vics(driver, f, f.stem))
    if visual and cases:
        say("visual pass: scenes, objects and text of the pictures")
        out.visual = visual_pass.run_pass(driver, workers=workers).summary()
    if links:
        from graph import links as link_engine

        say("rebuilding links between series")
        done = link_engine.after_write(driver, everything=True, progress=say)
        assert done is not None  # with no report and no series it is a full rebuild
        out.links = done.summary()
    return out


# ------------------------------------------------------------------ the demo world
DEMO_MARK = queries.world_mark_demo()


def demo_dir(home: Path, size: str = "small", seed: int = 7) -> Path:
    return Path(home) / "demo-world" / f"{size}-seed{seed}"


def demo_loaded(driver: neo4j.Driver, size: str = "small", seed: int = 7) -> bool:
    rows = db.records(
        driver,
        queries.world_load_status(),
        id=f"world-{size}-{seed}",
        name="demo.loaded",
    )
    return bool(rows) and rows[0]["status"] == "done"


def ensure_demo(
    driver: neo4j.Driver,
    home: Path,
    *,
    size: str = "small",
    seed: int = 7,
    force: bool = False,
    say: Say = lambda _m: None,
) -> tuple[Path, WorldLoad | None]:
    """Generate the demo world once (kept under ``home``) and load it once.

    Returns the world folder and the load (None when it was already loaded).
    """
    from loaders.demo import generate_world

    world = demo_dir(home, size, seed)
    if not (world / "truth.json").is_file():
        say(f"generating the {size} demo world (seed {seed}) in {world}")
        world.parent.mkdir(parents=True, exist_ok=True)
        generate_world(world, seed=seed, size=size)
    if not force and demo_loaded(driver, size, seed):
        say("the demo world is already loaded")
        return world, None
    result = load_world(driver, world, say=say)
    db.write(
        driver,
        DEMO_MARK,
        {
            "id": f"world-{size}-{seed}",
            "source": world.name,
            "status": "done",
            "at": _now(),
            "errors": result.errors,
            "links": json.dumps(result.links or {}),
        },
        name="demo.mark",
    )
    if result.links is not None:
        # The mark is a load the near-duplicate indexes must know of, or the first triage
        # would take the saved indexes for stale and rebuild them.
        from graph import links as link_engine

        link_engine.update_for_load(driver, f"world-{size}-{seed}")
    return world, result


def _now() -> str:
    from loaders.base import now_iso

    return now_iso()
