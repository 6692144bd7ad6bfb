"""Search for an object everywhere (Trace-an-Object style) and save it as a standing search.

:func:`search_object_everywhere` takes an analyst's picture (a file or its bytes) and an
optional box on it, extracts the features of that region, asks the visual index for the
pictures that show it (:func:`media.visual.objects.search`: a dense, viewpoint-simulated
query, retrieval, then a homography verified with MAGSAC), and adds, with one graph query,
the series and countries of each hit. :func:`add_object_clue` saves the object as an ``object`` clue
shown by a series; its features go into the visual index under ``clue:<clue id>``
(never into Neo4j), every later visual pass looks for it in the new pictures and
proposes it (``SUGGESTS {source: 'object'}``) where it appears: a standing search.
Both are audited. The app's object search page and the CLI call these two functions.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import neo4j

from graph import audit, db, queries
from graph.clues import clue_id, normalise
from graph.errors import InvalidInput, NotFound
from loaders.base import now_iso
from loaders.visual import CLUE_PREFIX, index_lock, media_key, open_index
from loaders.visual_write import Writer, object_score, write_count
from media.visual import features as vf
from media.visual import objects
from media.visual.objects import ObjectQuery

#: Columns of ``cluegraph search object`` (JSON keys).
COLUMNS = ["sha256", "score", "inliers", "box", "series", "countries"]


def parse_box(text: str | None) -> tuple[int, int, int, int] | None:
    """``"x,y,w,h"`` -> a box of non-negative integers (w, h > 0); None for empty.

    >>> parse_box("10, 20,30,40")
    (10, 20, 30, 40)
    """
    if not text:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        x, y, w, h = (int(p) for p in parts)
    except ValueError:
        raise InvalidInput(f"--box {text!r}: expected four integers x,y,w,h") from None
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        raise InvalidInput(f"--box {text!r}: x and y must be >= 0, w and h > 0")
    return x, y, w, h


def query_features(
    image: Path | bytes, box: tuple[int, int, int, int] | None = None
) -> tuple[ObjectQuery, vf.SceneFeatures]:
    """The object in the analyst's picture, cut to ``box`` (original pixel coordinates).

    Returns the dense, viewpoint-simulated query for the search and the plain features
    kept for a standing search (stored in the index like a picture's). Raises
    InvalidInput when the picture cannot be read, the box lies outside it, or the region
    holds too little to search for.
    """
    name = "the picture" if isinstance(image, bytes | bytearray) else str(image)
    try:
        im, w, h = objects.open_region(image, box)
    except vf.VisualError as e:
        raise InvalidInput(f"{name}: {e}") from e
    try:
        return (
            objects.query_from_image(im, original_size=(w, h)),
            vf.extract(im, original_size=(w, h)),
        )
    except vf.VisualError as e:
        raise InvalidInput(f"{name}: the region cannot be searched for ({e})") from e


def file_reader(driver: neo4j.Driver) -> Callable[[str], objects.DenseView | None]:
    """For object search: index key -> the dense keypoints of that picture's file, or None.

    The stored features of a picture keep at most 1024 keypoints of an 800 px copy, which
    leaves a small object a handful; the search re-reads its most promising pictures
    (:data:`media.visual.objects.REREAD`) from the path they were loaded from when the file
    is still there *and* still holds the same bytes (its sha256 is checked). Video frames
    and files that are gone, changed or unreadable give None: their stored features count.
    """

    def read(key: str) -> objects.DenseView | None:
        sha, frame = media_key(key)
        if frame is not None or key.startswith(CLUE_PREFIX):
            return None
        rows = db.records(
            driver,
            queries.visual_media_todo(),
            sha256s=[sha],
            name="visual.reread_path",
        )
        path = rows[0]["path"] if rows and rows[0]["kind"] == "image" else None
        if not path or not os.path.isfile(path):
            return None
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != sha:
            return None
        try:
            return objects.dense_view(data)
        except vf.VisualError:
            return None

    return read


def search_object_everywhere(
    driver: neo4j.Driver,
    image: Path | bytes,
    box: tuple[int, int, int, int] | None = None,
    limit: int = 10,
    user: Any = None,
) -> list[dict[str, Any]]:
    """Loaded pictures (and video frames) showing the object, best first.

    Returns up to ``limit`` rows ``{"sha256", "score", "inliers", "box", "series",
    "countries"}`` (``box`` where the object is in that picture, x, y, w, h), one per
    file. Audited as ``search.object``.
    """
    if limit < 1:
        raise InvalidInput("--limit must be at least 1")
    params = {
        "box": list(box) if box else None,
        "limit": limit,
        "image": image.name if isinstance(image, Path) else f"<{len(image)} bytes>",
    }
    with audit.track(driver, user or "cli", "search.object", params) as t:
        q, _ = query_features(image, box)
        hits = objects.search(open_index(), q, limit=limit * 3 + 5, reread=file_reader(driver))
        best: dict[str, Any] = {}
        for h in hits:
            if h.key.startswith(CLUE_PREFIX):
                continue
            sha, _ = media_key(h.key)
            if sha not in best or h.inliers > best[sha].inliers:
                best[sha] = h
        ranked = sorted(best.items(), key=lambda kv: (-kv[1].inliers, kv[0]))[:limit]
        ctx = {}
        if ranked:
            rows = db.records(
                driver,
                queries.visual_media_context(),
                sha256s=[s for s, _ in ranked],
                name="visual.search_context",
            )
            ctx = {r["sha256"]: r for r in rows}
        out = []
        for sha, h in ranked:
            if sha not in ctx:
                continue  # in the index, no longer in the graph
            out.append(
                {
                    "sha256": sha,
                    "score": h.score,
                    "inliers": h.inliers,
                    "box": list(h.box),
                    "series": sorted(ctx[sha]["series"]),
                    "countries": sorted(ctx[sha]["countries"]),
                }
            )
        t.count = len(out)
    return out


def add_object_clue(
    driver: neo4j.Driver,
    image: Path | bytes,
    *,
    series_id: str,
    label: str,
    by: str,
    box: tuple[int, int, int, int] | None = None,
) -> dict[str, Any]:
    """Save an object as an ``object`` clue of a series and a standing search.

    Proposes it at once on the pictures already indexed that show it, and every later
    visual pass on new ones. Returns ``{clue_id, series_id, suggestions}``. Raises
    InvalidInput for an empty label or name, an unreadable picture or box; NotFound for
    an unknown series. Audited as ``clues.add_object``.
    """
    label = (label or "").strip()
    if not label or len(label) > 500 or not normalise(label):
        raise InvalidInput("the object clue needs a label of 1 to 500 characters")
    who = (by or "").strip()
    if not who:
        raise InvalidInput("the analyst's name is required (--by)")
    cid = clue_id("object", label)
    params = {"seriesId": series_id, "clueId": cid, "box": list(box) if box else None}
    with audit.track(driver, who, "clues.add_object", params) as t:
        dense, q = query_features(image, box)
        at = now_iso()
        rows = db.records(
            driver,
            queries.series_exists(),
            id=series_id,
            name="visual.series_check",
        )
        if not rows:
            raise NotFound(f"there is no series {series_id!r}")
        with index_lock():
            idx = open_index()
            idx.add(CLUE_PREFIX + cid, q)
            idx.save()
        db.write(
            driver,
            queries.visual_add_object_clue(),
            {
                "seriesId": series_id,
                "clueId": cid,
                "value": normalise(label),
                "label": label,
                "analyst": who,
                "at": at,
                "box": list(box) if box else None,
            },
            name="visual.add_object_clue",
            user=who,
        )
        sugg: dict[tuple[str, str], dict[str, Any]] = {}
        for h in objects.search(
            idx, dense, limit=1000, candidates=1000, reread=file_reader(driver)
        ):
            if h.key.startswith(CLUE_PREFIX):
                continue
            sha, _ = media_key(h.key)
            Writer._suggest(
                sugg,
                sha,
                cid,
                "object",
                None,
                None,
                "object",
                object_score(h.inliers, len(q)),
                list(h.box),
            )
        n = 0
        if sugg:
            n = write_count(
                driver,
                queries.visual_write_suggestions(),
                {"rows": list(sugg.values()), "loadId": "object-search", "at": at},
                "visual.object_suggestions",
            )
        t.count = n
    return {"clue_id": cid, "series_id": series_id, "suggestions": n}
