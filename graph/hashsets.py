"""Hash sets' own near-duplicate thresholds and non-pertinence (``cluegraph hashsets``).

A ``HashSet`` (a VICS set, a known-benign set) may carry:

``pdqRadius``, ``phashRadius``
    Its own near-duplicate radii, at most the defaults (``CLUEGRAPH_PDQ_RADIUS``,
    ``CLUEGRAPH_PHASH_RADIUS``): a set can only make matching *stricter* for the media it
    lists. For a pair of images, the strictest radius of the defaults and of every set
    listing either image applies (:meth:`graph.neardup.Thresholds.for_pair`); the pHash
    second check moves with the PDQ radius (docs/links.md).
``nonPertinent``
    The whole set is non-pertinent (a known-benign set): every medium it lists gets
    ``nonPertinent = true`` and never links, whatever its category.

Both are set at load (``cluegraph load vics … --pdq-radius N --phash-radius N
--non-pertinent``) and changed later with :func:`configure` (``cluegraph hashsets set``),
which records the change in the audit trail and brings near-duplicates and links up to
date for the media of the set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import neo4j

from graph import audit, db, indexversion, links, queries
from graph.config import Settings, get_settings
from graph.errors import InvalidInput, NotFound

#: ``configure(..., pdq_radius=KEEP)``: leave the current value.
KEEP: Any = object()


def check_radius(what: str, value: int | None, settings: Settings | None = None) -> int | None:
    """A set's radius: None (the default) or 0 ..  the default, which it may only tighten.

    ``what`` is ``'pdq'`` or ``'phash'``. Raises InvalidInput naming the option.

    >>> check_radius("pdq", 16), check_radius("phash", None)
    (16, None)
    """
    s = settings or get_settings()
    limit, option, setting = {
        "pdq": (s.pdq_radius, "--pdq-radius", "CLUEGRAPH_PDQ_RADIUS"),
        "phash": (s.phash_radius, "--phash-radius", "CLUEGRAPH_PHASH_RADIUS"),
    }[what]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{option}: {value!r} is not a whole number")
    if not 0 <= value <= limit:
        raise InvalidInput(
            f"{option}: {value} is outside 0..{limit}; a hash set can only make matching "
            f"stricter than the default ({setting}={limit})"
        )
    return value


def list_hashsets(driver: neo4j.Driver) -> list[dict[str, Any]]:
    """Every hash set with its thresholds, flag and number of media (``hashsets_list``)."""
    return db.records(driver, queries.hashsets_list(), name="hashsets.list")


@dataclass
class HashSetChange:
    """What :func:`configure` did."""

    id: str
    before: dict[str, Any]
    after: dict[str, Any]
    media: int = 0  # media the set lists
    flag_changed: int = 0  # media whose nonPertinent flag changed
    links: Any = None  # graph.links.LinkReport of the refresh (None: nothing changed)

    @property
    def changed(self) -> bool:
        return self.before != self.after


def configure(
    driver: neo4j.Driver,
    hashset: str,
    *,
    by: str,
    pdq_radius: int | None = KEEP,
    phash_radius: int | None = KEEP,
    non_pertinent: bool | None = None,
    key: str | None = None,
) -> HashSetChange:
    """Change a hash set's thresholds or non-pertinence; record it; refresh its links.

    Parameters
    ----------
    hashset: the set's name or id (``key``, when given, is tried as the id first: the
        CLI passes the slug of the name).
    by: who changes it (audit trail and ``h.thresholdsChangedBy``).
    pdq_radius, phash_radius: the set's own radius, None for the default, or KEEP.
    non_pertinent: True/False to mark the whole set, None to keep.

    Returns
    -------
    A :class:`HashSetChange`; near-duplicates of the set's media and the links of the
    series concerned are recomputed when anything changed (the result equals a rebuild).

    Raises
    ------
    InvalidInput for a radius outside 0..default or an empty name; NotFound for an
    unknown set; AuditFailed when the audit trail could be written nowhere.
    """
    by = (by or "").strip()
    if not by:
        raise InvalidInput("a change to a hash set needs the analyst's name (--by)")
    cur = _get(driver, key or hashset, hashset)
    if cur is None:
        raise NotFound(f"no hash set {hashset!r} (see `cluegraph hashsets list`)")
    before = {k: cur[k] for k in ("pdqRadius", "phashRadius", "nonPertinent")}
    after = dict(before)
    if pdq_radius is not KEEP:
        after["pdqRadius"] = check_radius("pdq", pdq_radius)
    if phash_radius is not KEEP:
        after["phashRadius"] = check_radius("phash", phash_radius)
    if non_pertinent is not None:
        after["nonPertinent"] = bool(non_pertinent)
    change = HashSetChange(cur["id"], before, after)
    media = [
        r["sha256"]
        for r in db.records(driver, queries.hashsets_media(), name="hashsets.media", id=change.id)
    ]
    change.media = len(media)
    if not change.changed:
        return change
    params = {"hashset": change.id, "before": before, "after": after, "media": len(media)}
    _epoch, v0 = indexversion.current(driver)
    with audit.track(driver, by, "hashsets.set", params) as tracked:
        at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        db.write(
            driver,
            queries.hashsets_set(),
            {
                "id": change.id,
                "pdqRadius": after["pdqRadius"],
                "phashRadius": after["phashRadius"],
                "nonPertinent": after["nonPertinent"],
                "at": at,
                "by": by,
            },
            name="hashsets.set",
            user=by,
        )
        if before["nonPertinent"] != after["nonPertinent"]:
            flag_media(driver, change.id)
        # One direction only (a set marked or unmarked), so the count difference is exact.
        now = _get(driver, change.id, change.id) or cur
        change.flag_changed = abs(now["nonPertinentMedia"] - cur["nonPertinentMedia"])
        tracked.count = len(media)
        tracked.params["flagChanged"] = change.flag_changed
    # The versions this edit's statements produced (graph/indexversion.py).
    own = indexversion.between(v0, indexversion.current(driver)[1])
    change.links = links.after_write(
        driver, media=media, full_links=before["nonPertinent"] != after["nonPertinent"], own=own
    )
    return change


def flag_media(driver: neo4j.Driver, hashset_id: str) -> None:
    """Recompute ``nonPertinent`` of the media a set lists (``hashsets_flag_media``)."""
    db.write(driver, queries.hashsets_flag_media(), {"id": hashset_id}, name="hashsets.flag")


def _get(driver: neo4j.Driver, id_: str, name: str) -> dict[str, Any] | None:
    rows = db.records(
        driver, queries.hashsets_get(), {"id": id_, "name": name}, name="hashsets.get"
    )
    return rows[0] if rows else None
