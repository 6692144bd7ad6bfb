"""``cluegraph analyse visual --rebuild``: decide every same-scene and shared-object pair
again from the stored features, no picture read again.

The visual pass decides a picture's pairs once, when it is analysed, against the pictures
indexed before it. When the decision rules change (a new threshold, a better check of the
planes: docs/visual.md), the pairs in the graph still say what the older rules decided.
Removing the visual index and running the pass again would extract every picture's
features again (the costly part: 0.2-0.25 s of CPU a picture); this reads them back from
the index instead and runs only retrieval and verification:

1. every picture (and clip frame) of the index queries the whole index for its candidates
   (each pair is verified once, from whichever side retrieves it first: a pair the pass
   missed because the earlier picture's side would have retrieved it is found here), and
   every pair the graph holds between two indexed files is verified again too (retrieval
   keeps a picture's best ``visual_scene_candidates``; a product seen in more pictures
   than that would otherwise lose pairs that still hold);
2. the pairs are verified in the process pool (both cores), a chunk of keys at a time;
3. the pairs are written under the rebuild's own ``Load`` (``loadId``): same scenes first,
   then every pair between two indexed files that the rebuild did not decide again is
   removed, then the shared objects (so that a pair that was the same scene and is now a
   shared object is written as one);
4. the links of the series whose pairs changed are updated.

Pairs of a file the index does not hold (a bundle from another unit, whose pixels never
came here) are kept: there is nothing to decide them with. Text and language
suggestions and saved object clues are not touched. A killed rebuild leaves the pairs it
had written and the older ones; running it again starts over (it is idempotent).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import neo4j

from graph import audit, db, links, queries
from graph.config import get_settings
from loaders import visual_write
from loaders.base import LoadReport, begin_load, finish_load, make_load_id, now_iso
from loaders.visual import _VerifyTask, index_lock, open_index, verify_all, worker_pool
from loaders.visual_state import CLUE_PREFIX, media_key
from media import blas
from media.visual.index import VisualIndex

log = logging.getLogger("cluegraph.visual")

#: Keys whose candidates are retrieved and verified before the next progress step.
CHUNK = 64
#: Pairs deleted per transaction.
DELETE_BATCH = 1000


@dataclass
class RebuildReport:
    load_id: str = ""
    keys: int = 0  # pictures and clip frames in the index
    verified: int = 0  # pairs verified
    scene_pairs: int = 0
    object_pairs: int = 0
    removed: int = 0  # pairs of indexed files not decided again
    kept_outside: int = 0  # pairs with a file the index does not hold: kept
    links: dict[str, Any] | None = None
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "keys": self.keys,
            "pairs_verified": self.verified,
            "same_scene_pairs": self.scene_pairs,
            "shared_object_pairs": self.object_pairs,
            "pairs_removed": self.removed,
            "pairs_kept_outside_the_index": self.kept_outside,
            "seconds": round(self.seconds, 2),
        }


def _tasks(
    idx: VisualIndex,
    keys: list[str],
    pos: dict[str, int],
    seen: set[int],
    k: int,
    stored: dict[str, set[str]],
) -> Iterator[_VerifyTask]:
    """Per key, its candidates not verified yet (each unordered pair once over the whole
    rebuild), never itself, a frame of the same clip or a saved object clue: those
    retrieval gives, and the keys of every file the graph already pairs it with
    (``stored``), so that each stored pair is decided again rather than dropped for not
    being retrieved (a product seen in more pictures than the ``k`` candidates)."""
    n = len(pos)
    for key in keys:
        feats = idx.get(key)
        mine = pos[key]
        sha = media_key(key)[0]
        others = []
        found = [other for other, _ in idx.scene_candidates(feats, k=k + 1)]
        for other in [*found, *sorted(stored.get(sha, ()))]:
            j = pos.get(other)
            if j is None or j == mine or media_key(other)[0] == sha:
                continue
            code = min(mine, j) * n + max(mine, j)
            if code in seen:
                continue
            seen.add(code)
            others.append((other, idx.get(other)))
        if others:
            yield key, feats, others


def rebuild_pairs(
    driver: neo4j.Driver,
    *,
    workers: int | None = None,
    user: str = "cli",
    progress: Callable[[int, int], None] | None = None,
    chunk: int = CHUNK,
) -> RebuildReport:
    """Decide every pair of the visual index again and make the graph's pairs say so."""
    t0 = time.perf_counter()
    rep = RebuildReport()
    s = get_settings()
    with (
        audit.track(driver, user, "analyse.visual.rebuild", {}) as tr,
        index_lock(),
        blas.one_thread(),
    ):
        idx = open_index()
        keys = [x for x in idx.keys() if not x.startswith(CLUE_PREFIX)]
        rep.keys = len(keys)
        if progress:
            progress(0, len(keys))
        lr = LoadReport(kind="visual", source="visual pair rebuild", started_at=now_iso())
        lr.load_id = make_load_id("visual", "", started=lr.started_at, rebuild=True)
        rep.load_id = lr.load_id
        begin_load(driver, lr, {"rebuild": True})
        writer = visual_write.Writer(driver, idx, lr.load_id, s)
        pos = {x: i for i, x in enumerate(keys)}
        # the pairs the graph holds now, by file: each is verified again (kept or removed
        # on the rules' word, never for not being retrieved)
        of_sha: dict[str, list[str]] = {}
        for x in keys:
            of_sha.setdefault(media_key(x)[0], []).append(x)
        stored: dict[str, set[str]] = {}
        for r in db.records(
            driver, queries.visual_stale_pairs(), name="visual.stored", loadId=lr.load_id
        ):
            if r["a"] in of_sha and r["b"] in of_sha:
                stored.setdefault(r["a"], set()).update(of_sha[r["b"]])
                stored.setdefault(r["b"], set()).update(of_sha[r["a"]])
        seen: set[int] = set()
        rows: tuple[visual_write.PairRows, visual_write.PairRows] = ({}, {})
        n = max(1, workers or os.cpu_count() or 1)
        pool = worker_pool(n, len(keys))
        try:
            for i in range(0, len(keys), chunk):
                part = keys[i : i + chunk]
                before = len(seen)
                tasks = _tasks(idx, part, pos, seen, s.visual_scene_candidates, stored)
                matches, _ = verify_all(tasks, pool, n)
                rep.verified += len(seen) - before
                visual_write.pair_rows(matches, into=rows)
                if progress:
                    progress(min(i + chunk, len(keys)), len(keys))
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        at = now_iso()
        scenes, objects = rows
        rep.scene_pairs = writer.write_scenes(list(scenes.values()), at)
        touched = _remove_stale(driver, lr.load_id, set(of_sha), set(objects), rep)
        rep.object_pairs = writer.write_objects(list(objects.values()), at)
        for a, b in list(scenes) + list(objects):
            touched |= {a, b}
        lr.read = len(keys)
        lr.written = rep.scene_pairs + rep.object_pairs
        lr.finished_at = now_iso()
        finish_load(driver, lr)
        if touched:
            updated = links.after_write(driver, series=links.series_of_media(driver, touched))
            rep.links = updated.summary() if updated is not None else None
        tr.count = rep.scene_pairs + rep.object_pairs
        tr.params.update(rep.summary())
    rep.seconds = time.perf_counter() - t0
    log.info("visual pairs rebuilt: %s", rep.summary())
    return rep


def _remove_stale(
    driver: neo4j.Driver,
    load_id: str,
    indexed: set[str],
    objects: set[tuple[str, str]],
    rep: RebuildReport,
) -> set[str]:
    """Delete the pairs between two indexed files that ``load_id`` did not write, except
    the shared objects about to be written again (``objects``); the files they joined.
    Pairs with a file outside the index are kept (counted)."""
    rows = db.records(driver, queries.visual_stale_pairs(), name="visual.stale", loadId=load_id)
    inside = [r for r in rows if r["a"] in indexed and r["b"] in indexed]
    rep.kept_outside = len(rows) - len(inside)
    stale = [
        {"a": r["a"], "b": r["b"], "type": r["type"]}
        for r in inside
        if not (r["type"] == "SHARES_OBJECT" and (r["a"], r["b"]) in objects)
    ]
    for i in range(0, len(stale), DELETE_BATCH):
        rep.removed += visual_write.write_count(
            driver,
            queries.visual_delete_pairs(),
            {"rows": stale[i : i + DELETE_BATCH], "loadId": load_id},
            "visual.delete_pairs",
        )
    return {x for r in stale for x in (r["a"], r["b"])}
