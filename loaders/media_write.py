"""Graph writes of the media load: batches of rows, and the writer thread of the pipeline.

A batch is written in one managed transaction (retried as a whole by the driver). The
media of a batch known to be new (one bulk check, ``media_not_new``, in the same
transaction) are created (``CREATE``) with their relationships (``media_create_new``); the others
take the ``MERGE`` path (``media_write`` and the four statements after it): hash-set
entries known only by MD5/SHA-1 take the file's SHA-256, copies keep the smallest path.

:class:`MediaWriter` is the consumer of the load's producer/consumer pipeline: the
analysis hands it one row at a time through a bounded queue (memory stays bounded), and
it writes whatever has gathered while its previous write ran, up to ``batch_size`` rows,
after waiting up to :data:`LINGER_S` from a batch's first row for more: writes overlap
the analysis and their batches grow with the backlog. Places are resolved there too (the
gazetteer is built on the first row with GPS).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

import neo4j

from graph import db, queries
from loaders.base import LoadReport
from loaders.media_rows import PlaceResolver

log = logging.getLogger("cluegraph.loaders.media")

#: The statements of the MERGE path, in order, by the part of :func:`split_rows` they take.
MERGE_STATEMENTS = {
    "media": queries.media_write,
    "holds": queries.media_write_holds,
    "contains": queries.media_write_contains,
    "camera": queries.media_write_camera,
    "place": queries.media_write_place,
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
#: Media nodes created and deleted (hash-only records merged into a file), counted from
#: the statements that write Media nodes alone (``media_write``, ``media_create_new``):
#: the near-duplicate update checks the store's media count against them
#: (:func:`graph.neardup.update`, ``media_delta``).
MEDIA_COUNTERS = ("media_created", "media_deleted")
_MEDIA_STATEMENTS = ("media", "create_new")


def _add(total: dict[str, int], c: Any, statement: str) -> None:
    for k in _COUNTERS:
        total[k] += getattr(c, k)
    if statement in _MEDIA_STATEMENTS:
        total["media_created"] += c.nodes_created
        total["media_deleted"] += c.nodes_deleted


def write_media(
    driver: neo4j.Driver, rows: list[dict[str, Any]], params: dict[str, Any]
) -> dict[str, int]:
    """Write a batch of media rows in one managed transaction (retried as a whole by the
    driver); return the summed counters. ``params``: ``loadId``, ``source``, ``loadedAt``."""
    parts = split_rows(rows)

    @neo4j.unit_of_work(metadata={"app": "cluegraph", "query": "load.media"})
    def work(tx: neo4j.ManagedTransaction) -> dict[str, int]:
        total = dict.fromkeys((*_COUNTERS, *MEDIA_COUNTERS), 0)
        for key, query in MERGE_STATEMENTS.items():
            if not parts[key]:
                continue
            _add(total, tx.run(query(), {**params, "rows": parts[key]}).consume().counters, key)
        return total

    try:
        with driver.session(database=db.database()) as ses:
            return ses.execute_write(work)
    except Exception as e:
        raise db.translate(e) from e


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
        total = dict.fromkeys((*_COUNTERS, *MEDIA_COUNTERS), 0)

        def run(query: str, statement: str = "", **kw: Any) -> None:
            _add(total, tx.run(query, {**params, **kw}).consume().counters, statement)

        res = tx.run(queries.media_not_new(), rows=list(keys.values()))
        known = {rec["sha256"] for rec in res}
        old = [r for r in rows if r["sha256"] in known]
        new = [r for r in rows if r["sha256"] not in known]
        if old:
            parts = split_rows(old)
            for key, query in MERGE_STATEMENTS.items():
                if parts[key]:
                    run(query(), key, rows=parts[key])
        if new:
            cameras = {r["camera"]["id"]: r["camera"] for r in new if r.get("camera")}
            places = {r["place"]["id"]: r["place"] for r in new if r.get("place")}
            if cameras:
                run(queries.media_merge_cameras(), cameras=list(cameras.values()))
            if places:
                run(queries.media_merge_places(), places=list(places.values()))
            run(queries.media_create_new(), "create_new", rows=list(_new_rows(new).values()))
        return total

    try:
        with driver.session(database=db.database()) as ses:
            return ses.execute_write(work)
    except neo4j.exceptions.ConstraintError:
        log.info("a concurrent load created some of these media: batch written by MERGE")
        return write_media(driver, rows, params)
    except Exception as e:
        raise db.translate(e) from e


_END = object()

#: How long the writer waits, from a batch's first row, for more rows before it writes.
#: Without it the writer kept up with a fast analysis one or two rows at a time (about 250
#: transactions for 300 pictures), and their Neo4j work took the cores from the analysis
#: workers (docs/ingestion.md, "Session 17"). The end-of-load marker ends the wait at once.
LINGER_S = 0.5


class MediaWriter(threading.Thread):
    """The consumer of the media load: rows in through a bounded queue, batched writes.

    :meth:`put` hands over one row (it blocks while ``max_queued`` rows wait: memory stays
    bounded and the analysis slows to the speed of the writes); the thread takes every
    row waiting or arriving within ``linger`` seconds of the batch's first, up to
    ``batch_size``, resolves their places and writes them with
    :func:`write_media_bulk`. An error stops the writes and is raised again in the caller
    by the next :meth:`put` or by :meth:`finish`.
    """

    def __init__(
        self,
        driver: neo4j.Driver,
        params: dict[str, Any],
        report: LoadReport,
        *,
        batch_size: int,
        max_queued: int | None = None,
        linger: float = LINGER_S,
    ) -> None:
        super().__init__(name="cluegraph-media-writer", daemon=True)
        self.driver, self.params, self.report = driver, params, report
        self.batch_size = max(1, batch_size)
        self.linger = max(0.0, linger)
        self.q: queue.Queue = queue.Queue(maxsize=max_queued or 4 * self.batch_size)
        self.error: BaseException | None = None
        self.places = PlaceResolver()
        self.batches = 0

    def run(self) -> None:
        while True:
            row = self.q.get()
            if row is _END:
                return
            rows, end = [row], False
            deadline = time.monotonic() + self.linger
            while len(rows) < self.batch_size:
                wait = deadline - time.monotonic()
                try:
                    row = self.q.get(timeout=wait) if wait > 0 else self.q.get_nowait()
                except queue.Empty:
                    break
                if row is _END:
                    end = True
                    break
                rows.append(row)
            if self.error is None:
                try:
                    self.places.fill(rows)
                    self.report.add_counters(write_media_bulk(self.driver, rows, self.params))
                    self.report.written += len(rows)
                    self.batches += 1
                except BaseException as e:  # noqa: BLE001 - re-raised in the caller
                    self.error = e
            if end:
                return

    def put(self, row: dict[str, Any]) -> None:
        if self.error is not None:
            raise self.error
        self.q.put(row)

    def finish(self) -> None:
        """Write what is queued, wait for the thread, raise its error if it had one."""
        self.q.put(_END)
        self.join()
        if self.error is not None:
            raise self.error

    def abandon(self) -> None:
        """Stop without waiting (the caller is failing): a daemon thread ends with us."""
        try:
            self.q.put_nowait(_END)
        except queue.Full:
            pass
