"""One number that says whether a saved media index is fresh: no scan of the media.

The near-duplicate index (:mod:`graph.neardup`) and the video frame index
(:mod:`graph.videomatch`) are caches of what ``Media`` nodes hold. A singleton
``(:IndexVersion {name: 'media'})`` carries a random ``epoch`` (new whenever the node is
created, so after ``db reset`` a version number never means the same graph twice) and a
``version`` that every write which may change what those indexes hold increments *in its
own transaction*:

- every load, in its ``Load`` node's begin and finish statements (``loaders/base.py``),
  which also record the versions they produced (``indexVersionBegin``/``Finish``), except
  the visual pass's (``UNVERSIONED_KINDS``: it never changes a Media's hashes);
- a hash set's thresholds or non-pertinence (``hashsets_set``, ``hashsets_flag_media``);
- a bundle import, before and after its writes (:func:`bump`);
- ``db reset`` deletes the node: the next bump creates it with a new epoch.

A saved index records the epoch and version it was built at. A search compares them with
the graph's (:func:`current`, one indexed read). An incremental update after a load or an
edit accepts the saved index when every version between the saved one and the current
one was produced while that load ran (or by that edit): it then re-applies the media
the load touched, which also repairs an index saved by a search in the middle of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import neo4j

from graph import db, queries

#: The node's label (bookkeeping: not part of the model, not exported in bundles).
LABEL = "IndexVersion"


#: Inside :func:`snapshot`: the version read once for the block (empty until read).
_SNAPSHOT: ContextVar[dict[str, tuple[str | None, int]] | None] = ContextVar(
    "index_version_snapshot", default=None
)


@contextmanager
def snapshot(known: tuple[str | None, int] | None = None) -> Iterator[None]:
    """Within the block (one request, e.g. a triage), :func:`current` reads the graph at
    most once and answers that value again: the near-duplicate and video indexes of one
    search compare with the same version, one round trip instead of one each. ``known``:
    the version the caller already read in a query of its own (no read at all then). An
    index built or refreshed inside the block records that version, never a later one, so
    a change made meanwhile is seen by the next search (never missed)."""
    token = _SNAPSHOT.set({} if known is None else {"v": (known[0], int(known[1]))})
    try:
        yield
    finally:
        _SNAPSHOT.reset(token)


def current(driver: neo4j.Driver) -> tuple[str | None, int]:
    """``(epoch, version)`` of the graph now; ``(None, 0)`` when never bumped. Inside
    :func:`snapshot`, the block's one reading."""
    snap = _SNAPSHOT.get()
    if snap is not None and "v" in snap:
        return snap["v"]
    rows = db.records(driver, queries.index_version(), name="index.version")
    value = (None, 0) if not rows else (rows[0]["epoch"], int(rows[0]["version"]))
    if snap is not None:
        snap["v"] = value
    return value


def bump(driver: neo4j.Driver) -> int:
    """Increment the version in a transaction of its own; return the new version."""

    def work(tx: neo4j.ManagedTransaction) -> int:
        rec = tx.run(queries.index_version_bump()).single()
        return int(rec["version"]) if rec else 0

    try:
        with driver.session(database=db.database()) as ses:
            return ses.execute_write(work)
    except Exception as e:
        raise db.translate(e) from e


def of_load(driver: neo4j.Driver, load_id: str | None) -> frozenset[int]:
    """The versions produced while a load ran: from its begin to its finish (or only its
    begin while it runs); none for a load that did not bump (the demo world's mark, a
    visual pass).

    A writer running at the same time has its versions counted here too: its own update
    re-applies what it wrote (a load's, a hash set edit's). A bundle import at the same
    time as a load is the exception (see docs/links.md, "Index freshness").
    """
    if load_id is None:
        return frozenset()
    rows = db.records(driver, queries.index_version_of_load(), name="index.of_load", id=load_id)
    if not rows or rows[0]["begin"] is None:
        return frozenset()
    begin = int(rows[0]["begin"])
    finish = int(rows[0]["finish"]) if rows[0]["finish"] is not None else begin
    return frozenset(range(begin, finish + 1))


def between(before: int, after: int) -> frozenset[int]:
    """The versions produced after ``before`` up to ``after`` (an edit's own)."""
    return frozenset(range(before + 1, after + 1))


def accounted(saved: int, now: int, own: Iterable[int]) -> bool:
    """True when every version after ``saved`` up to ``now`` is one of ``own``.

    >>> accounted(4, 6, {5, 6}), accounted(4, 4, ()), accounted(3, 6, {5, 6})
    (True, True, False)
    >>> accounted(7, 6, {5, 6})
    False
    """
    if saved > now:
        return False
    mine = set(own)
    return all(v in mine for v in range(saved + 1, now + 1))
