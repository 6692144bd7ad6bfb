"""Media folders: walk a folder, analyse every file in a process pool, write ``Media``.

``cluegraph load media DIR --case ID [--series ID]``

The walk
    ``os.scandir`` recursively, never following a symbolic link: a link whose target is
    inside DIR is skipped (the target is reached directly), a link that leaves DIR, is
    broken, or points back at a folder enclosing it is a per-file error. Folders are
    tracked by (device, inode), so bind mounts cannot loop either. The type is detected
    from content (:func:`loaders.mediafile.sniff`); a file that is no image or video is
    ignored, unless its name says it is one (``x.jpg`` holding text), which is an error.
    A ``media.csv`` (``file,series_id``) maps files below its folder (paths relative to
    it) to series; ``--series`` is the default. ``media.csv`` itself is not media.

The analysis
    Runs in worker processes (one per core by default), each with at most a couple of
    files queued, so memory stays bounded whatever the folder size: paths are streamed
    from the walk, results are written in batches and dropped. A file that takes longer
    than ``timeout`` seconds, or kills its worker (a decoder crash), becomes a per-file
    error; the worker is replaced and the load goes on.

The graph
    One ``Media`` per SHA-256 (``MERGE``), with the hashes, size, type, perceptual hashes
    and EXIF of :mod:`loaders.mediafile`, and ``(:Case)-[:HOLDS]->(m)``,
    ``(:Series)-[:CONTAINS]->(m)`` when a series is known, ``(m)-[:TAKEN_WITH]->(:Camera)``
    when EXIF has a serial, ``(m)-[:GEOTAGGED_AT {lat, lon}]->(:Location)-[:IN_COUNTRY]->
    (:Country)`` when it has GPS. A ``Media`` known only by MD5/SHA-1 (from a hash set)
    takes the SHA-256 of the file with the same MD5 (or SHA-1): no duplicate. When the same
    content sits at several paths, ``path``/``fileName`` keep the smallest path, so the
    result does not depend on the order in which files were analysed.

Load id
    ``make_load_id('media', D, case=..., series=...)`` where D digests the set of
    (relative path, size, mtime) of every file below DIR. D is order-free (a sum of
    per-file digests), so the walk never has to hold or sort the whole listing; it is
    the same value for the same folder content. Re-running an interrupted load gives the
    same load id, and the ``MERGE``\\ s make it end in the graph of an uninterrupted load.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

MEDIA_CSV = "media.csv"

#: Extensions that claim to be an image or a video: such a file whose content is not
#: media is an error (``photo.jpg`` holding text); any other non-media file is ignored.
MEDIA_EXTENSIONS = frozenset(
    ".jpg .jpeg .jpe .jfif .png .gif .bmp .dib .tif .tiff .webp .heic .heif .avif "
    ".ico .cur .ppm .pgm .pbm .pnm .pam .tga .sgi .rgb .bw .jp2 .j2k .jpf .jpx .icns "
    ".fli .flc .pcx .dcx .dds .qoi .psd .xbm .xpm .ras .blp .ftex .fits .im .msp .pcd "
    ".mp4 .m4v .mov .qt .avi .mkv .webm .3gp .3g2 .wmv .asf .flv .mpg .mpeg .ts".split()
)
#: Files left out (neither picture nor video) named in the report and on the Load node.
MAX_LISTED_IGNORED = 200

DEFAULT_BATCH = 500
DEFAULT_TIMEOUT = 300.0
#: Address-space limit of a worker (MiB): a hostile file meets MemoryError, not the OOM killer.
DEFAULT_WORKER_MEMORY_MB = 4096
#: Files queued per worker: enough to hide the round trip, small enough to bound memory.
PREFETCH = 2
#: Seconds a new worker may take to import its libraries.
STARTUP_TIMEOUT = 120.0
#: Errors kept in the report (all are counted).
MAX_KEPT_ERRORS = 10_000


# ============================================================================ workers
def _worker_init(memory_mb: int | None) -> None:
    try:
        import cv2

        cv2.setNumThreads(1)
    except Exception:  # noqa: BLE001 - optional tuning only
        pass
    if memory_mb:
        try:
            import resource

            lim = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
        except (ImportError, ValueError, OSError):
            pass


def _warm_up() -> None:
    """Analyse a tiny picture once, so that the libraries' lazy imports and first-call
    set-up happen at start-up, not on the first real file (and its time limit)."""
    try:
        import numpy as np
        from PIL import Image

        from media import mediafile

        fd, tmp = tempfile.mkstemp(suffix=".png", prefix="cluegraph-warm-")
        os.close(fd)
        try:
            ramp = np.add.outer(np.arange(64), np.arange(64)).astype("uint8")
            Image.fromarray(np.dstack([ramp, ramp.T, 255 - ramp])).save(tmp, "PNG")
            mediafile.analyse(tmp)
        finally:
            os.unlink(tmp)
        import av  # noqa: F401 - PyAV's import is the first video's largest fixed cost
    except Exception:  # noqa: BLE001 - only an optimisation
        pass


def analyse_file(
    path: str, rel: str, max_pixels: int, reduced_decode: bool = False
) -> tuple[str, Any]:
    """Analyse one file in a worker: ``('ok', info dict)``, ``('ignored', type)`` for a
    non-media file (``type`` names what it is: "PDF document", "text" ...), or
    ``('error', (reason, message))``. ``reduced_decode``: see
    :func:`media.mediafile.analyse`."""
    from media import mediafile, sniffing

    name = os.path.basename(path)
    claims_media = os.path.splitext(name)[1].lower() in MEDIA_EXTENSIONS
    try:
        try:
            size = os.stat(path).st_size
            kind = sniffing.sniff(path) if size else None
        except OSError as e:
            return "error", ("unreadable", f"cannot be read ({e.strerror})")
        if kind is None and not claims_media:
            return "ignored", sniffing.describe(path) if size else "empty file"
        info = mediafile.analyse(path, max_pixels=max_pixels, reduced_decode=reduced_decode)
    except mediafile.MediaError as e:
        msg = str(e)
        if msg.startswith(name + ": "):
            msg = msg[len(name) + 2 :]
        return "error", (e.reason, msg)
    except MemoryError:
        return "error", ("too_large", "not enough memory to analyse it")
    except Exception as e:  # noqa: BLE001 - a file must never stop the load
        return "error", ("internal", f"analysis failed ({type(e).__name__})")
    d = asdict(info)
    d.pop("path", None)
    return "ok", d


def _worker_main(
    rfd: int, wfd: int, max_pixels: int, memory_mb: int | None, reduced_decode: bool = False
) -> None:
    """The worker loop: ``(idx, path, rel)`` in, ``(idx, status, payload)`` out; None ends."""
    try:  # die with the loader, even in the middle of a long decode (Linux)
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort; EOF on the pipe ends us otherwise
        pass
    _worker_init(memory_mb)
    rconn, wconn = Connection(rfd, writable=False), Connection(wfd, readable=False)
    _warm_up()
    wconn.send(("ready", os.getpid()))
    while True:
        try:
            msg = rconn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if msg is None:
            return
        idx, path, rel = msg
        try:
            status, payload = analyse_file(path, rel, max_pixels, reduced_decode)
        except BaseException as e:  # noqa: BLE001
            status, payload = "error", ("internal", f"analysis failed ({type(e).__name__})")
        try:
            wconn.send((idx, status, payload))
        except (BrokenPipeError, OSError):
            return


# Worker processes run this module and stop here, before the imports below (the driver,
# the loader contract): a worker needs only loaders.mediafile, and starts faster without.
if __name__ == "__main__" and len(sys.argv) == 7 and sys.argv[1] == "--worker":
    _worker_main(
        int(sys.argv[2]),
        int(sys.argv[3]),
        int(sys.argv[4]),
        int(sys.argv[5]) or None,
        sys.argv[6] == "1",
    )

    raise SystemExit(0)


import neo4j  # noqa: E402 - after the worker entry point

from graph import db, gazetteer, names, queries  # noqa: E402 - after the worker entry point  # noqa: E402 - after the worker entry point
from graph.schema import Rel  # noqa: E402 - after the worker entry point
from loaders import fields  # noqa: E402 - after the worker entry point
from loaders.base import (  # noqa: E402 - after the worker entry point
    FileRefused,
    InvalidRecord,
    LoadReport,
    begin_load,
    finish_load,
    make_load_id,
    now_iso,
)
from loaders.geo import MERGE_LOCATION  # noqa: E402 - after the worker entry point
from media import exiftool_serials  # noqa: E402 - after the worker entry point

log = logging.getLogger("cluegraph.loaders.media")


# ============================================================================ Cypher
def _repoint(rel: Rel, incoming: bool) -> str:
    """Move one relationship type from the duplicate ``d`` to ``m`` (type from the schema)."""
    t = f"`{Rel(rel).value}`"
    if incoming:
        return (
            f"  CALL (m, d) {{ MATCH (x)-[r:{t}]->(d) MERGE (x)-[r2:{t}]->(m) "
            "SET r2 += properties(r) DELETE r }\n"
        )
    return (
        f"  CALL (m, d) {{ MATCH (d)-[r:{t}]->(x) MERGE (m)-[r2:{t}]->(x) "
        "SET r2 += properties(r) DELETE r }\n"
    )


_MERGE_DUPLICATES = (
    "WITH m\n"
    "CALL (m) {\n"
    "  MATCH (d:Media {md5: m.md5}) WHERE d.sha256 IS NULL AND d <> m RETURN collect(d) AS d1\n"
    "}\n"
    "CALL (m) {\n"
    "  MATCH (d:Media {sha1: m.sha1}) WHERE d.sha256 IS NULL AND d <> m RETURN collect(d) AS d2\n"
    "}\n"
    "WITH m, d1 + [x IN d2 WHERE NOT x IN d1] AS dups\n"
    "CALL (m, dups) {\n"
    "  UNWIND dups AS d\n"
    "  SET m.nonPertinent = coalesce(m.nonPertinent, d.nonPertinent),\n"
    "      m.photoDna = coalesce(m.photoDna, d.photoDna),\n"
    "      m.md5 = coalesce(m.md5, d.md5), m.sha1 = coalesce(m.sha1, d.sha1)\n"
    "  WITH m, d\n"
    + "".join(_repoint(r, True) for r in (Rel.LISTS, Rel.HOLDS, Rel.CONTAINS))
    + "".join(
        _repoint(r, False)
        for r in (Rel.SHOWS, Rel.DEPICTS, Rel.SHARED_BY, Rel.TAKEN_WITH, Rel.GEOTAGGED_AT)
    )
    + "  CALL (d) { MATCH (d)-[r:NEAR_DUPLICATE]-() DELETE r }\n"
    "  WITH d WHERE NOT EXISTS { (d)--() }\n"
    "  DELETE d\n"
    "}\n"
)

# The write of a batch of media rows is five statements run in one managed transaction
# (see :func:`write_media`), each a plain ``UNWIND`` over the rows it concerns: simpler
# plans than one statement with a subquery per relationship (about twice as fast).

#: One row per SHA-256: ``sha256``, ``props`` (Media properties, no nulls), ``path`` and
#: ``fileName`` (the smallest path among the batch's copies, or null).
WRITE_MEDIA = (
    """
UNWIND $rows AS row
// A Media known only by MD5/SHA-1 (from a hash set) takes this file's SHA-256.
CALL (row) {
  OPTIONAL MATCH (k:Media {sha256: row.sha256})
  WITH row, k WHERE k IS NULL
  OPTIONAL MATCH (a:Media {md5: row.props.md5}) WHERE a.sha256 IS NULL
  WITH row, head(collect(a)) AS a
  OPTIONAL MATCH (b:Media {sha1: row.props.sha1}) WHERE b.sha256 IS NULL
  WITH row, a, head(collect(b)) AS b
  WITH row, coalesce(a, b) AS h
  WITH row, h WHERE h IS NOT NULL
  SET h.sha256 = row.sha256
}
MERGE (m:Media {sha256: row.sha256})
SET m += row.props, m.source = $source, m.loadId = $loadId, m.loadedAt = $loadedAt
WITH m, row
FOREACH (_ IN CASE WHEN row.path IS NOT NULL AND (m.path IS NULL OR row.path < m.path)
                   THEN [1] ELSE [] END |
  SET m.path = row.path, m.fileName = row.fileName)
"""
    + _MERGE_DUPLICATES
)

#: ``{sha256, caseId}``, distinct.
WRITE_HOLDS = """
UNWIND $rows AS r
MATCH (m:Media {sha256: r.sha256})
MATCH (c:Case {id: r.caseId})
MERGE (c)-[h:HOLDS]->(m)
SET h.source = $source, h.loadId = $loadId, h.loadedAt = $loadedAt
"""

#: ``{sha256, seriesId}``, distinct.
WRITE_CONTAINS = """
UNWIND $rows AS r
MATCH (m:Media {sha256: r.sha256})
MATCH (s:Series {id: r.seriesId})
MERGE (s)-[ct:CONTAINS]->(m)
SET ct.source = $source, ct.loadId = $loadId, ct.loadedAt = $loadedAt
"""

#: ``{sha256, camera: {id, make, model, serial}}``, distinct.
WRITE_CAMERA = """
UNWIND $rows AS r
MATCH (m:Media {sha256: r.sha256})
MERGE (cam:Camera {id: r.camera.id})
ON CREATE SET cam.make = r.camera.make, cam.model = r.camera.model,
              cam.serial = r.camera.serial,
              cam.source = $source, cam.loadId = $loadId, cam.loadedAt = $loadedAt
MERGE (m)-[t:TAKEN_WITH]->(cam)
SET t.source = $source, t.loadId = $loadId, t.loadedAt = $loadedAt
"""

#: ``{sha256, place, lat, lon}``, one per SHA-256.
WRITE_PLACE = (
    """
UNWIND $rows AS r
MATCH (m:Media {sha256: r.sha256})
WITH m, r, r.place AS place
"""
    + MERGE_LOCATION
    + """
MERGE (m)-[g:GEOTAGGED_AT]->(loc)
SET g.lat = r.lat, g.lon = r.lon,
    g.source = $source, g.loadId = $loadId, g.loadedAt = $loadedAt
"""
)

MEDIA_STATEMENTS = {
    "media": WRITE_MEDIA,
    "holds": WRITE_HOLDS,
    "contains": WRITE_CONTAINS,
    "camera": WRITE_CAMERA,
    "place": WRITE_PLACE,
}


def split_rows(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The parameter lists of the five statements for a batch of media rows (each row:
    ``sha256``, ``props``, ``path``, ``fileName``, ``caseId``, ``seriesId``, ``camera``,
    ``place``, ``lat``, ``lon``). Copies of one content at several paths collapse to one
    Media row with the smallest path; relationships are deduplicated."""
    media: dict[str, dict[str, Any]] = {}
    holds: dict[tuple[str, str], dict[str, Any]] = {}
    contains: dict[tuple[str, str], dict[str, Any]] = {}
    cameras: dict[tuple[str, str], dict[str, Any]] = {}
    places: dict[str, dict[str, Any]] = {}
    for r in rows:
        sha = r["sha256"]
        cur = media.get(sha)
        if cur is None:
            media[sha] = {
                "sha256": sha,
                "props": r["props"],
                "path": r.get("path"),
                "fileName": r.get("fileName"),
            }
        elif r.get("path") is not None and (cur["path"] is None or r["path"] < cur["path"]):
            cur["path"], cur["fileName"] = r["path"], r.get("fileName")
        if r.get("caseId"):
            holds[(sha, r["caseId"])] = {"sha256": sha, "caseId": r["caseId"]}
        if r.get("seriesId"):
            contains[(sha, r["seriesId"])] = {"sha256": sha, "seriesId": r["seriesId"]}
        cam = r.get("camera")
        if cam:
            cameras[(sha, cam["id"])] = {"sha256": sha, "camera": cam}
        if r.get("place") and sha not in places:
            places[sha] = {"sha256": sha, "place": r["place"], "lat": r["lat"], "lon": r["lon"]}
    return {
        "media": list(media.values()),
        "holds": list(holds.values()),
        "contains": list(contains.values()),
        "camera": list(cameras.values()),
        "place": list(places.values()),
    }


_COUNTERS = (
    "nodes_created",
    "nodes_deleted",
    "relationships_created",
    "relationships_deleted",
    "properties_set",
)


def write_media(
    driver: neo4j.Driver, rows: list[dict[str, Any]], params: dict[str, Any]
) -> dict[str, int]:
    """Write a batch of media rows in one managed transaction (retried as a whole by the
    driver); return the summed counters. ``params``: ``loadId``, ``source``, ``loadedAt``."""
    parts = split_rows(rows)

    @neo4j.unit_of_work(metadata={"app": "cluegraph", "query": "load.media"})
    def work(tx: neo4j.ManagedTransaction) -> dict[str, int]:
        total = dict.fromkeys(_COUNTERS, 0)
        for key, query in MEDIA_STATEMENTS.items():
            if not parts[key]:
                continue
            c = tx.run(query, {**params, "rows": parts[key]}).consume().counters
            for k in _COUNTERS:
                total[k] += getattr(c, k)
        return total

    try:
        with driver.session(database=db.database()) as ses:
            return ses.execute_write(work)
    except Exception as e:
        raise db.translate(e) from e


#: The distinct places of a batch of new media (bind ``place``), each merged once.
MERGE_PLACES = "UNWIND $places AS place\n" + MERGE_LOCATION


def _new_rows(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The rows of new media for ``media_create_new``: one per SHA-256 (the smallest path,
    as :func:`split_rows`) with the ids of its cases, series, cameras and its place."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        sha = r["sha256"]
        cur = out.get(sha)
        if cur is None:
            cur = out[sha] = {
                "sha256": sha,
                "props": r["props"],
                "path": r.get("path"),
                "fileName": r.get("fileName"),
                "cases": [],
                "series": [],
                "cameras": [],
                "placeId": None,
                "lat": None,
                "lon": None,
            }
        elif r.get("path") is not None and (cur["path"] is None or r["path"] < cur["path"]):
            cur["path"], cur["fileName"] = r["path"], r.get("fileName")
        for key, value in (
            ("cases", r.get("caseId")),
            ("series", r.get("seriesId")),
            ("cameras", (r.get("camera") or {}).get("id")),
        ):
            if value and value not in cur[key]:
                cur[key].append(value)
        if r.get("place") and cur["placeId"] is None:
            cur["placeId"], cur["lat"], cur["lon"] = r["place"]["id"], r["lat"], r["lon"]
    return out


def write_media_bulk(
    driver: neo4j.Driver, rows: list[dict[str, Any]], params: dict[str, Any]
) -> dict[str, int]:
    """Write a batch of media rows as :func:`write_media` does, in one managed transaction,
    but ``CREATE`` the media known to be new and their relationships: one bulk check
    (``media_not_new``) in the same transaction splits the batch; media that exist (or
    whose MD5/SHA-1 names a hash-set entry) take the MERGE path of :func:`write_media`.
    Two loads creating the same new media at once: the second fails on the SHA-256
    constraint and that batch is written again by :func:`write_media` (MERGE)."""
    keys: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["sha256"] not in keys:
            p = r["props"]
            keys[r["sha256"]] = {"sha256": r["sha256"], "md5": p.get("md5"), "sha1": p.get("sha1")}

    @neo4j.unit_of_work(metadata={"app": "cluegraph", "query": "load.media_bulk"})
    def work(tx: neo4j.ManagedTransaction) -> dict[str, int]:
        total = dict.fromkeys(_COUNTERS, 0)

        def run(query: str, **kw: Any) -> None:
            c = tx.run(query, {**params, **kw}).consume().counters
            for k in _COUNTERS:
                total[k] += getattr(c, k)

        res = tx.run(queries.media_not_new(), rows=list(keys.values()))
        known = {rec["sha256"] for rec in res}
        old = [r for r in rows if r["sha256"] in known]
        new = [r for r in rows if r["sha256"] not in known]
        if old:
            parts = split_rows(old)
            for key, query in MEDIA_STATEMENTS.items():
                if parts[key]:
                    run(query, rows=parts[key])
        if new:
            cameras = {r["camera"]["id"]: r["camera"] for r in new if r.get("camera")}
            places = {r["place"]["id"]: r["place"] for r in new if r.get("place")}
            if cameras:
                run(queries.media_merge_cameras(), cameras=list(cameras.values()))
            if places:
                run(MERGE_PLACES, places=list(places.values()))
            run(queries.media_create_new(), rows=list(_new_rows(new).values()))
        return total

    try:
        with driver.session(database=db.database()) as ses:
            return ses.execute_write(work)
    except neo4j.exceptions.ConstraintError:
        log.info("a concurrent load created some of these media: batch written by MERGE")
        return write_media(driver, rows, params)
    except Exception as e:
        raise db.translate(e) from e


# ============================================================================ rows
@lru_cache(maxsize=65_536)
def camera_id(make: str | None, model: str | None, serial: str) -> str:
    """Normalised ``make|model|serial``: each part folded (NFKC, case, diacritics, spaces).

    >>> camera_id("Canon ", "Canon EOS  5D", "0123AB")
    'canon|canon eos 5d|0123ab'
    """
    return "|".join(names.fold(p or "") for p in (make, model, serial))


def temporal(value: str | None) -> datetime | None:
    """An ISO date-time as a Python datetime (naive -> LocalDateTime, offset -> DateTime)."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def media_props(info: dict[str, Any]) -> dict[str, Any]:
    """Media properties (camelCase, nulls dropped) of one :class:`MediaInfo` as a dict."""
    h = info.get("hashes") or {}
    ex = info.get("exif") or {}
    vid = info.get("video") or {}
    vf = vid.get("frames") or []
    props: dict[str, Any] = {
        "md5": info.get("md5"),
        "sha1": info.get("sha1"),
        "kind": info.get("kind"),
        "mime": info.get("mime"),
        "bytes": info.get("bytes"),
        "width": info.get("width"),
        "height": info.get("height"),
        "pdq": h.get("pdq"),
        "pdqQuality": h.get("pdq_quality"),
        "pdqVariants": h.get("pdq_variants"),
        "pdqTrimmed": h.get("pdq_trimmed"),
        "pdqTrimmedQuality": h.get("pdq_trimmed_quality"),
        "pdqCrops": h.get("pdq_crops"),
        "phash": h.get("phash"),
        "capturedAt": temporal(ex.get("captured_at")),
        "make": ex.get("make"),
        "model": ex.get("model"),
        "software": ex.get("software"),
        "orientation": ex.get("orientation"),
        "lat": ex.get("lat"),
        "lon": ex.get("lon"),
        "serial": ex.get("serial"),
        "lensSerial": ex.get("lens_serial"),
        "ownerName": ex.get("owner_name"),
        # Videos (loaders/video.py): sampled frames as parallel lists, the best frame's
        # PDQ as the video's own, container metadata.
        "frames": [f[1] for f in vf] or None,
        "frameQualities": [f[2] for f in vf] or None,
        "frameTimes": [f[0] for f in vf] or None,
        "durationSeconds": vid.get("duration_seconds"),
        "videoCodec": vid.get("codec"),
        "frameRate": vid.get("frame_rate"),
        "rotation": vid.get("rotation"),
    }
    if vid.get("pdq"):
        props["pdq"], props["pdqQuality"] = vid["pdq"], vid.get("pdq_quality")
    return {k: v for k, v in props.items() if v is not None and v != []}


def media_row(
    sha256: str,
    props: dict[str, Any],
    *,
    case_id: str,
    series_id: str | None,
    path: str | None = None,
    file_name: str | None = None,
) -> dict[str, Any]:
    """One row for :func:`write_media` (the place is resolved later, in bulk)."""
    serial = props.get("serial")
    camera = None
    if serial:
        camera = {
            "id": camera_id(props.get("make"), props.get("model"), serial),
            "make": props.get("make"),
            "model": props.get("model"),
            "serial": serial,
        }
    if path is None and file_name:
        props = {**props, "fileName": file_name}
    return {
        "sha256": sha256,
        "props": props,
        "path": path,
        "fileName": file_name,
        "caseId": case_id,
        "seriesId": series_id,
        "camera": camera,
        "place": None,
        "lat": props.get("lat"),
        "lon": props.get("lon"),
    }


class PlaceResolver:
    """GPS point -> gazetteer place map (:func:`loaders.gazetteer.place_params`), cached per
    point rounded to about a metre."""

    def __init__(self) -> None:
        self._cache: dict[tuple[float, float], dict[str, Any] | None] = {}

    def __call__(self, lat: float, lon: float) -> dict[str, Any] | None:
        key = (round(lat, 5), round(lon, 5))
        if key in self._cache:
            return self._cache[key]
        try:
            p = gazetteer.resolve_point(lat, lon)
        except ValueError:
            p = None
        place = gazetteer.place_params(p) if p is not None and p.country_code else None
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[key] = place
        return place

    def fill(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            if r.get("lat") is not None and r.get("lon") is not None and r.get("place") is None:
                r["place"] = self(r["lat"], r["lon"])


# ============================================================================ walk
@dataclass
class FileEntry:
    rel: str
    path: str
    size: int
    mtime_ns: int
    series: str | None
    series_line: str = ""  # where the series came from, for error messages


@dataclass
class WalkError:
    rel: str
    message: str


@dataclass
class CsvEntry:
    """A ``media.csv`` met on the walk (part of the folder digest, never analysed)."""

    rel: str
    size: int
    mtime_ns: int
    series: set[str]


@dataclass
class _Frame:
    rel: str  # folder relative to the root ('' for the root)
    mapping: dict[str, tuple[str | None, int]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)


def _rel_join(base: str, name: str) -> str:
    return f"{base}/{name}" if base else name


def read_media_csv(path: Path, rel: str) -> tuple[dict[str, tuple[str | None, int]], list]:
    """``file -> (series_id or None if the line is invalid, line)`` and the line errors.

    Raises FileRefused for a file that cannot be read as a whole (encoding, header).
    """
    errors: list[InvalidRecord] = []
    mapping: dict[str, tuple[str | None, int]] = {}
    try:
        fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as e:
        raise FileRefused(f"{rel}: cannot open ({e.strerror})") from e
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
            if header is None:
                raise FileRefused(f"{rel}: empty file, a header row file,series_id is needed")
            names = [h.strip() for h in header]
            if "file" not in names or "series_id" not in names:
                raise FileRefused(f"{rel}: the header must have the columns file,series_id")
            unknown = [n for n in names if n not in ("file", "series_id")]
            if unknown:
                raise FileRefused(f"{rel}: unknown column(s) {', '.join(unknown)}")
            fi, si = names.index("file"), names.index("series_id")
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != len(names):
                    errors.append(
                        InvalidRecord(
                            f"has {len(row)} fields, the header has {len(names)}",
                            file=rel,
                            line=line,
                        )
                    )
                    continue
                raw_file = row[fi].strip().replace("\\", "/")
                norm = os.path.normpath(raw_file).replace(os.sep, "/") if raw_file else ""
                if not norm or norm.startswith("../") or norm == ".." or raw_file.startswith("/"):
                    errors.append(
                        InvalidRecord(
                            "a path relative to this folder is needed",
                            file=rel,
                            line=line,
                            field="file",
                        )
                    )
                    continue
                if norm in mapping:
                    errors.append(
                        InvalidRecord(
                            f"file listed twice (first on line {mapping[norm][1]})",
                            file=rel,
                            line=line,
                            field="file",
                        )
                    )
                    continue
                sid_raw = row[si].strip()
                if not sid_raw:
                    mapping[norm] = ("", line)  # explicit "no series": the default applies
                    continue
                try:
                    mapping[norm] = (fields.identifier(sid_raw), line)
                except ValueError as e:
                    errors.append(InvalidRecord(str(e), file=rel, line=line, field="series_id"))
                    mapping[norm] = (None, line)
        except UnicodeDecodeError as e:
            raise FileRefused(f"{rel}: not UTF-8; save it as UTF-8 and load again") from e
        except csv.Error as e:
            raise FileRefused(f"{rel} line {reader.line_num}: unreadable CSV ({e})") from e
    return mapping, errors


def walk(
    root: Path, default_series: str | None = None
) -> Iterator[FileEntry | WalkError | CsvEntry]:
    """Every regular file below ``root`` (streamed, never following links), with its series.

    Yields :class:`WalkError` for links that leave ``root``, are broken or loop, for
    unreadable folders, for bad ``media.csv`` lines and for ``media.csv`` entries that
    match no file. Raises :class:`FileRefused` for a ``media.csv`` that cannot be read.
    """
    root_real = os.path.realpath(root)
    visited: set[tuple[int, int]] = set()
    frames: list[_Frame] = []
    # Stack of ('enter', abs, rel) / ('leave', rel).
    stack: list[tuple[str, str, str]] = [("enter", root_real, "")]
    while stack:
        op, apath, rel = stack.pop()
        if op == "leave":
            frame = frames.pop() if frames and frames[-1].rel == rel else None
            if frame is not None:
                for name, (_sid, line) in sorted(frame.mapping.items(), key=lambda kv: kv[1][1]):
                    if name not in frame.used:
                        yield WalkError(
                            _rel_join(rel, MEDIA_CSV),
                            f"line {line}: {name!r} matches no file below this folder",
                        )
            continue
        try:
            st = os.stat(apath, follow_symlinks=False)
        except OSError as e:
            yield WalkError(rel or ".", f"folder cannot be read ({e.strerror})")
            continue
        key = (st.st_dev, st.st_ino)
        if key in visited:
            yield WalkError(rel or ".", "folder reached twice (bind mount loop); skipped")
            continue
        visited.add(key)
        stack.append(("leave", apath, rel))
        csv_path = os.path.join(apath, MEDIA_CSV)
        if os.path.isfile(csv_path) and not os.path.islink(csv_path):
            csv_rel = _rel_join(rel, MEDIA_CSV)
            mapping, errs = read_media_csv(Path(csv_path), csv_rel)
            for err in errs:
                where = f"line {err.line}" + (f", field {err.field}" if err.field else "")
                yield WalkError(csv_rel, f"{where}: {err.message}")
            frames.append(_Frame(rel, mapping))
            cst = os.stat(csv_path)
            yield CsvEntry(
                csv_rel, cst.st_size, cst.st_mtime_ns, {s for s, _ in mapping.values() if s}
            )
        subdirs: list[str] = []
        try:
            it = os.scandir(apath)
        except OSError as e:
            yield WalkError(rel or ".", f"folder cannot be listed ({e.strerror})")
            continue
        with it:
            for entry in it:
                name = entry.name
                erel = _rel_join(rel, name)
                try:
                    if entry.is_symlink():
                        err = _check_link(entry.path, root_real, apath)
                        if err:
                            yield WalkError(erel, err)
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        subdirs.append(name)
                        continue
                    if not entry.is_file(follow_symlinks=False):
                        continue  # sockets, fifos, devices: not files
                    if name == MEDIA_CSV:
                        continue
                    est = entry.stat(follow_symlinks=False)
                except OSError as e:
                    yield WalkError(erel, f"cannot be read ({e.strerror})")
                    continue
                series, where = _series_for(frames, erel, default_series)
                yield FileEntry(erel, entry.path, est.st_size, est.st_mtime_ns, series, where)
        for name in sorted(subdirs, reverse=True):
            stack.append(("enter", os.path.join(apath, name), _rel_join(rel, name)))


def _series_for(frames: list[_Frame], rel: str, default: str | None) -> tuple[str | None, str]:
    """Series of the file at ``rel``: the nearest media.csv that lists it, else the default.

    Returns ``(series, where)``; series is ``None`` with ``where`` set when the listing
    line is invalid (the file must then be skipped).
    """
    for fr in reversed(frames):
        sub = rel[len(fr.rel) + 1 :] if fr.rel else rel
        hit = fr.mapping.get(sub)
        if hit is not None:
            fr.used.add(sub)
            sid, line = hit
            where = f"{_rel_join(fr.rel, MEDIA_CSV)} line {line}"
            if sid is None:
                return None, where
            return (sid or default), where
    return default, ""


def _check_link(path: str, root_real: str, parent: str) -> str | None:
    """None for a link to be skipped quietly (its target inside the root is walked
    anyway); an error message for a link that leaves the root, is broken or loops."""
    try:
        target = os.path.realpath(path, strict=True)
    except OSError as e:
        if getattr(e, "errno", None) == 40 or "loop" in str(e).lower():
            return "symbolic link loop; not followed"
        return "broken symbolic link; not followed"
    try:
        inside = os.path.commonpath([root_real, target]) == root_real
    except ValueError:
        inside = False
    if not inside:
        return "symbolic link points outside the loaded folder; not followed"
    if os.path.isdir(target):
        parent_real = os.path.realpath(parent)
        if os.path.commonpath([target, parent_real]) == target:
            return "symbolic link loop (points to a folder that contains it); not followed"
    return None


def folder_digest(root: Path) -> tuple[str, int, set[str]]:
    """Order-free digest of (relative path, size, mtime) of every file the walk meets
    (media.csv included), the number of files to analyse, and the series ids named in
    media.csv files. Raises FileRefused for an unreadable media.csv."""
    acc = 0
    count = 0
    series: set[str] = set()
    for item in walk(root):
        if isinstance(item, WalkError):
            continue
        d = hashlib.sha256(f"{item.rel}\0{item.size}\0{item.mtime_ns}".encode()).digest()
        acc = (acc + int.from_bytes(d, "big")) % (1 << 256)
        if isinstance(item, CsvEntry):
            series |= item.series
        else:
            count += 1
    digest = hashlib.sha256(f"{count}\0{acc:064x}".encode()).hexdigest()
    return digest, count, series


@dataclass
class _Worker:
    proc: subprocess.Popen
    send: Connection
    recv: Connection
    queue: deque = field(default_factory=deque)
    head_started: float = 0.0


class AnalysisPool:
    """Worker processes that analyse files, with a per-file timeout and crash recovery.

    Workers are fresh interpreters (``python -m loaders.media --worker``) talking over
    pipes: nothing is forked from the loader (which runs driver threads) and the caller's
    ``__main__`` is never re-imported. ``run(tasks)`` yields ``(task, status, payload)``
    in completion order; at most ``workers * prefetch`` tasks are in flight.

    Used as a context manager (or after :meth:`start`), the workers start once and serve
    every ``run`` until :meth:`close`: a world of many case folders pays the start-up
    (about 0.5 s a worker: imports and a warm-up analysis) once. Otherwise each ``run``
    starts its own workers and stops them at its end.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_pixels: int | None = None,
        memory_mb: int | None = DEFAULT_WORKER_MEMORY_MB,
        prefetch: int = PREFETCH,
        reduced_decode: bool = False,
    ) -> None:
        self.n = max(1, workers or os.cpu_count() or 1)
        self.timeout = timeout
        self.max_pixels = max_pixels or 100_000_000
        self.memory_mb = memory_mb
        self.prefetch = max(1, prefetch)
        self.reduced_decode = reduced_decode
        self.workers: list[_Worker] = []

    def start(self) -> AnalysisPool:
        """Start the workers (in parallel) unless they are running."""
        if not self.workers:
            spawned = [self._spawn() for _ in range(self.n)]  # they import in parallel
            self.workers = [self._ready(w) for w in spawned]
        return self

    def __enter__(self) -> AnalysisPool:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _start(self) -> _Worker:
        return self._ready(self._spawn())

    def _spawn(self) -> _Worker:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"
        cmd = [
            sys.executable,
            "-m",
            "loaders.media",
            "--worker",
            str(to_child_r),
            str(from_child_w),
            str(self.max_pixels),
            str(self.memory_mb or 0),
            "1" if self.reduced_decode else "0",
        ]
        try:
            proc = subprocess.Popen(
                cmd,
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                close_fds=True,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        return _Worker(
            proc,
            Connection(to_child_w, readable=False),
            Connection(from_child_r, writable=False),
        )

    def _ready(self, w: _Worker) -> _Worker:
        """Wait for a new worker's hello (its libraries are imported)."""
        try:
            ok = w.recv.poll(STARTUP_TIMEOUT) and w.recv.recv()[0] == "ready"
        except (EOFError, OSError):
            ok = False
        if not ok:
            self._stop(w, kill=True)
            raise RuntimeError(
                f"the media analysis worker did not start ({sys.executable} -m loaders.media)"
            )
        return w

    def _stop(self, w: _Worker, kill: bool = False) -> None:
        try:
            if kill:
                w.proc.kill()
            else:
                try:
                    w.send.send(None)
                except OSError:
                    pass
            try:
                w.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                w.proc.kill()
                w.proc.wait(timeout=5)
        finally:
            w.send.close()
            w.recv.close()

    def close(self) -> None:
        for w in self.workers:
            self._stop(w, kill=bool(w.queue))
        self.workers = []

    def run(self, tasks: Iterator[Any]) -> Iterator[tuple[Any, str, Any]]:
        """Tasks are objects with ``path`` and ``rel``. A pool started by the caller stays
        up afterwards; one started here stops at the end."""
        owned = not self.workers
        self.start()
        retry: deque = deque()
        exhausted = False
        idx = 0
        try:
            while True:
                now = time.monotonic()
                for w in self.workers:
                    while len(w.queue) < self.prefetch:
                        if retry:
                            task = retry.popleft()
                        elif not exhausted:
                            task = next(tasks, None)
                            if task is None:
                                exhausted = True
                                break
                        else:
                            break
                        idx += 1
                        try:
                            w.send.send((idx, task.path, task.rel))
                        except OSError:  # the worker died while idle: replace it
                            retry.appendleft(task)
                            retry.extend(w.queue)
                            w.queue.clear()
                            w = self._replace(w, kill=True)
                            continue
                        if not w.queue:
                            w.head_started = now
                        w.queue.append(task)
                busy = [w for w in self.workers if w.queue]
                if not busy:
                    if exhausted and not retry:
                        return
                    continue
                deadline = min(w.head_started for w in busy) + self.timeout
                ready = wait([w.recv for w in busy], timeout=max(0.0, deadline - now))
                now = time.monotonic()
                by_conn = {id(w.recv): w for w in busy}
                for conn in ready:
                    w = by_conn[id(conn)]
                    try:
                        _i, status, payload = w.recv.recv()
                    except (EOFError, OSError):
                        task = w.queue.popleft()
                        code = w.proc.poll()
                        yield (
                            task,
                            "error",
                            ("crashed", f"analysis crashed (worker exit code {code})"),
                        )
                        retry.extend(w.queue)
                        w.queue.clear()
                        self._replace(w, kill=True)
                        continue
                    task = w.queue.popleft()
                    w.head_started = now
                    yield task, status, payload
                for w in self.workers:
                    if w.queue and now - w.head_started > self.timeout:
                        task = w.queue.popleft()
                        yield (
                            task,
                            "error",
                            ("timeout", f"analysis took longer than {self.timeout:g} s"),
                        )
                        retry.extend(w.queue)
                        w.queue.clear()
                        self._replace(w, kill=True)
        finally:
            if owned:
                self.close()
            else:
                # Left early (an error, a closed generator): answers still in flight
                # would reach the next run, so a worker with queued files is replaced.
                for w in list(self.workers):
                    if w.queue:
                        w.queue.clear()
                        self._replace(w, kill=True)

    def _replace(self, w: _Worker, kill: bool) -> _Worker:
        i = self.workers.index(w)
        self._stop(w, kill=kill)
        self.workers[i] = self._start()
        return self.workers[i]


# ============================================================================ writing
def write_batch(
    driver: neo4j.Driver, rows: list[dict[str, Any]], params: dict[str, Any]
) -> dict[str, int]:
    """One batch of analysed files: new media CREATEd after one bulk check, the others
    MERGEd (:func:`write_media_bulk`)."""
    return write_media_bulk(driver, rows, params)


class _Writer(threading.Thread):
    """Writes batches in the background so that the workers never wait for Neo4j."""

    def __init__(self, driver: neo4j.Driver, params: dict[str, Any], report: LoadReport):
        super().__init__(name="cluegraph-media-writer", daemon=True)
        self.driver, self.params, self.report = driver, params, report
        self.q: queue.Queue = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.places = PlaceResolver()

    def run(self) -> None:
        while True:
            rows = self.q.get()
            if rows is None:
                return
            if self.error is not None:
                continue
            try:
                self.places.fill(rows)
                c = write_batch(self.driver, rows, self.params)
                self.report.add_counters(c)
                self.report.written += len(rows)
            except BaseException as e:  # noqa: BLE001 - re-raised in the main thread
                self.error = e

    def put(self, rows: list[dict[str, Any]]) -> None:
        if self.error is not None:
            raise self.error
        self.q.put(rows)

    def finish(self) -> None:
        self.q.put(None)
        self.join()
        if self.error is not None:
            raise self.error


# ============================================================================ the load
ProgressFn = Callable[[int, int], None]


@dataclass
class MediaLoadOptions:
    case_id: str
    series_id: str | None = None
    strict: bool = False
    dry_run: bool = False
    workers: int | None = None
    batch_size: int = DEFAULT_BATCH
    timeout: float = DEFAULT_TIMEOUT
    max_pixels: int | None = None
    memory_mb: int | None = DEFAULT_WORKER_MEMORY_MB
    #: Reduced-scale JPEG decode (see :func:`loaders.mediafile.analyse`): faster on large
    #: photos, but the PDQ is no longer the reference's bit for bit. Off by default.
    reduced_decode: bool = False


def _exists(driver: neo4j.Driver, label: str, ids: list[str]) -> set[str]:
    if label not in ("Case", "Series"):
        raise ValueError(label)
    rows = db.records(
        driver,
        f"UNWIND $ids AS id MATCH (n:`{label}` {{id: id}}) RETURN n.id AS id",
        ids=ids,
        name=f"load.media.exists.{label.lower()}",
    )
    return {r["id"] for r in rows}


def _add_error(report: LoadReport, rel: str, message: str) -> None:
    report.skipped += 1
    if len(report.errors) < MAX_KEPT_ERRORS:
        report.errors.append(InvalidRecord(message, file=rel))


def _add_warning(report: LoadReport, rel: str, message: str) -> None:
    """A file loaded with something missing (e.g. its EXIF): not skipped, not an error."""
    report.counters["files_with_warnings"] = report.counters.get("files_with_warnings", 0) + 1
    if len(report.warnings) < MAX_KEPT_ERRORS:
        report.warnings.append(InvalidRecord(message, file=rel))


def load_media(
    driver: neo4j.Driver | None,
    root: Path,
    opts: MediaLoadOptions,
    *,
    progress: ProgressFn | None = None,
    pool: AnalysisPool | None = None,
) -> LoadReport:
    """Load every media file below ``root`` into case ``opts.case_id``. Never raises for
    bad input: the report says what was refused or skipped, and which files loaded with
    a warning (EXIF unreadable).

    ``pool``: a started :class:`AnalysisPool` to use (and leave running), so that a load
    of many folders starts its workers once; its own settings (workers, timeout, pixel
    limit, memory, reduced decode) then apply instead of those of ``opts``."""
    root = Path(root)
    name = root.resolve().name or str(root.resolve())
    report = LoadReport(kind="media", source=name, dry_run=opts.dry_run)
    report.started_at = now_iso()

    def refuse(msg: str) -> LoadReport:
        report.refused, report.refusal = True, msg
        report.finished_at = now_iso()
        return report

    if not root.is_dir():
        return refuse(f"{root}: not a folder")
    try:
        case_id = fields.identifier(opts.case_id)
        default_series = fields.identifier(opts.series_id) if opts.series_id else None
    except ValueError as e:
        return refuse(f"--case/--series: {e}")
    try:
        digest, total, csv_series = folder_digest(root)
    except FileRefused as e:
        return refuse(str(e))
    report.sha256 = digest
    report.load_id = make_load_id("media", digest, case=case_id, series=default_series)
    if not exiftool_serials.available():
        report.warnings.append(
            InvalidRecord(
                "ExifTool (exiftool) is not installed or is switched off: camera serials "
                "kept in maker notes may be missed (install libimage-exiftool-perl)",
                file=name,
            )
        )

    missing_series: set[str] = set()
    if driver is not None and not opts.dry_run:
        if not _exists(driver, "Case", [case_id]):
            return refuse(
                f"case {case_id!r} is not in the graph; load it first (cluegraph load cases)"
            )
        wanted = sorted(csv_series | ({default_series} if default_series else set()))
        missing_series = set(wanted) - _exists(driver, "Series", wanted)
        if default_series in missing_series:
            return refuse(
                f"series {default_series!r} is not in the graph; load it first "
                "(cluegraph load series)"
            )

    writing = driver is not None and not opts.dry_run
    options = {"case": case_id, "series": default_series, "folder": str(root.resolve())}
    spool = None
    writer: _Writer | None = None
    params: dict[str, Any] = {}
    if writing:
        # Build the gazetteer (a few seconds) while the first files are analysed.
        threading.Thread(target=_warm_gazetteer, daemon=True).start()
    if writing and not opts.strict:
        loaded_at = begin_load(driver, report, options)  # type: ignore[arg-type]
        params = {"loadId": report.load_id, "source": report.source, "loadedAt": loaded_at}
        writer = _Writer(driver, params, report)  # type: ignore[arg-type]
        writer.start()
    elif writing and opts.strict:
        spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8", prefix="cluegraph-media-")

    batch: list[dict[str, Any]] = []
    done = 0

    def emit(row: dict[str, Any]) -> None:
        nonlocal batch
        if spool is not None:
            spool.write(json.dumps(row, default=_json_default) + "\n")
            return
        if writer is None:
            return
        batch.append(row)
        if len(batch) >= opts.batch_size:
            writer.put(batch)
            batch = []

    def tasks() -> Iterator[FileEntry]:
        nonlocal done
        for item in walk(root, default_series):
            if isinstance(item, CsvEntry):
                continue
            if isinstance(item, WalkError):
                _add_error(report, item.rel, item.message)
                continue
            if item.series is None and item.series_line:
                report.read += 1
                done += 1
                _add_error(report, item.rel, f"invalid series in {item.series_line}; skipped")
                continue
            if item.series is not None and item.series in missing_series:
                report.read += 1
                done += 1
                where = f" ({item.series_line})" if item.series_line else ""
                _add_error(
                    report,
                    item.rel,
                    f"series {item.series!r}{where} is not in the graph; file skipped",
                )
                continue
            yield item

    own_pool = pool is None
    if pool is None:
        pool = AnalysisPool(
            opts.workers,
            timeout=opts.timeout,
            max_pixels=opts.max_pixels,
            memory_mb=opts.memory_mb,
            reduced_decode=opts.reduced_decode,
        )
    try:
        for task, status, payload in pool.run(tasks()):
            done += 1
            if status == "ignored":
                report.counters["ignored_files"] = report.counters.get("ignored_files", 0) + 1
                if len(report.ignored) < MAX_LISTED_IGNORED:
                    report.ignored.append(f"{task.rel} ({payload or 'unknown type'})")
            elif status == "error":
                report.read += 1
                reason, message = payload
                _add_error(report, task.rel, f"{message} (reason: {reason})")
            else:
                report.read += 1
                for warning in payload.get("warnings") or ():
                    _add_warning(report, task.rel, warning)
                props = media_props(payload)
                emit(
                    media_row(
                        payload["sha256"],
                        props,
                        case_id=case_id,
                        series_id=task.series,
                        path=os.path.abspath(task.path),
                        file_name=os.path.basename(task.path),
                    )
                )
            if progress:
                progress(done, total)
        if writer is not None:
            if batch:
                writer.put(batch)
                batch = []
            writer.finish()
    except BaseException:
        if writer is not None and writer.is_alive():
            try:
                writer.q.put_nowait(None)
            except queue.Full:
                pass  # a daemon thread: it ends with the process
        raise
    finally:
        if own_pool:
            pool.close()

    if spool is not None:
        with spool:
            if report.errors or report.skipped:
                report.refused = True
                report.refusal = (
                    f"{report.source}: {report.skipped} file(s) with errors and --strict; "
                    "nothing loaded"
                )
                report.finished_at = now_iso()
                return report
            loaded_at = begin_load(driver, report, options)  # type: ignore[arg-type]
            params = {"loadId": report.load_id, "source": report.source, "loadedAt": loaded_at}
            spool.seek(0)
            places = PlaceResolver()
            rows: list[dict[str, Any]] = []
            for line in spool:
                rows.append(_from_json(json.loads(line)))
                if len(rows) >= opts.batch_size:
                    places.fill(rows)
                    report.add_counters(write_batch(driver, rows, params))  # type: ignore[arg-type]
                    report.written += len(rows)
                    rows = []
            if rows:
                places.fill(rows)
                report.add_counters(write_batch(driver, rows, params))  # type: ignore[arg-type]
                report.written += len(rows)

    report.finished_at = now_iso()
    if writing:
        finish_load(driver, report)  # type: ignore[arg-type]
    log.info(
        "load media %s: read=%d written=%d skipped=%d",
        report.load_id,
        report.read,
        report.written,
        report.skipped,
    )
    return report


def _warm_gazetteer() -> None:
    try:
        gazetteer.resolve_point(0.0, 0.0)
    except Exception:  # noqa: BLE001 - the writer reports real failures
        pass


def _json_default(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"__dt__": v.isoformat()}
    raise TypeError(type(v).__name__)


def _from_json(row: dict[str, Any]) -> dict[str, Any]:
    props = row.get("props") or {}
    for k, v in list(props.items()):
        if isinstance(v, dict) and "__dt__" in v:
            props[k] = datetime.fromisoformat(v["__dt__"])
    return row
