"""Adding one clue from the app's clue form, with the clues loader's writer.

``Clue.id`` is ``type:normalised value`` (NFKC, case folded, diacritics removed,
whitespace collapsed); the label is kept as the analyst wrote it. The clue is
``MERGE``d, so the same clue noted twice is one node, and ``(:Media|Series)-[:SHOWS
{analyst, confidence, notedAt, locationHint}]->(:Clue)`` records who noted it. The write
is ``clue_write.cypher``, the statement of the clues loader (``loaders/clues.py``): one
writer, one set of rules. A place hint the gazetteer cannot resolve is kept as text on
``SHOWS`` (the loader refuses it as a record error instead). Afterwards the links of the
series concerned are updated (:func:`graph.links.after_write`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import neo4j

from graph import db, gazetteer, links, names, queries
from graph.errors import InvalidInput, NotFound
from graph.schema import CLUE_TYPES

#: Provenance of what the app writes (rule 3 of the spec).
SOURCE = "app:clue-form"
LOAD_ID = "app-clue-form"


@dataclass
class ClueAdded:
    clue_id: str
    target_kind: str
    series: list[str]
    location_id: str | None = None
    links_updated: bool = False
    notes: list[str] = field(default_factory=list)
    #: Where the clue points, as a person reads it ("Nantes, FR"), and that place's country.
    place: str | None = None
    place_country: str | None = None
    #: series id -> the countries investigating it (for the "another country" warning).
    series_countries: dict[str, list[str]] = field(default_factory=dict)

    def elsewhere(self) -> dict[str, list[str]]:
        """The series investigated only in countries other than the clue's place's."""
        if not self.place_country:
            return {}
        return {
            s: cs for s, cs in self.series_countries.items() if cs and self.place_country not in cs
        }


def normalise(text: str) -> str:
    """The clue's normalised value.

    >>> normalise("  Café   DU  Monde ")
    'cafe du monde'
    """
    return names.fold(text)


def clue_id(clue_type: str, label: str) -> str:
    """``type:normalised value``.

    >>> clue_id("logo", "Kalimba  Coffee")
    'logo:kalimba coffee'
    """
    return f"{clue_type}:{normalise(label)}"


def _target_key(target_kind: str, target: str) -> tuple[str, str]:
    target = (target or "").strip()
    if not target:
        raise InvalidInput("the clue needs a target: a media hash or a series id")
    if target_kind == "series":
        return "series", target
    if target_kind != "media":
        raise InvalidInput("target_kind must be media or series")
    h = target.lower()
    kinds = {64: "sha256", 40: "sha1", 32: "md5"}
    if len(h) not in kinds or any(ch not in "0123456789abcdef" for ch in h):
        raise InvalidInput("a media target is its SHA-256, SHA-1 or MD5 in hex")
    return kinds[len(h)], h


def _place(hint: str) -> tuple[dict[str, Any] | None, tuple[float, float] | None]:
    """The gazetteer's place for ``hint`` (None when it resolves to nothing) and the exact
    point of a ``lat,lon`` hint."""
    try:
        point = gazetteer.parse_coordinates(hint)
    except ValueError:
        return None, None
    place = gazetteer.resolve_hint(hint)
    return (None if place is None else gazetteer.place_params(place)), point


def add_clue(
    driver: neo4j.Driver,
    *,
    target: str,
    target_kind: str,
    clue_type: str,
    label: str,
    analyst: str,
    confidence: float | None = None,
    location_hint: str = "",
    noted_at: str | None = None,
) -> ClueAdded:
    """Add a clue to a media (by SHA-256, SHA-1 or MD5) or a series, with the analyst.

    Raises InvalidInput for a bad type, label, analyst or confidence, NotFound when the
    target is not in the graph. Then asks the link engine to update the series concerned.
    """
    if clue_type not in CLUE_TYPES:
        raise InvalidInput(f"clue type must be one of {', '.join(CLUE_TYPES)}")
    label = (label or "").strip()
    if not label or len(label) > 500:
        raise InvalidInput("the clue needs a label of 1 to 500 characters")
    value = normalise(label)
    if not value:
        raise InvalidInput("the clue's label has no letters or digits")
    analyst = (analyst or "").strip()
    if not analyst:
        raise InvalidInput("the analyst's name is required")
    if confidence is not None:
        try:
            confidence = float(confidence)
        except (TypeError, ValueError, OverflowError):
            raise InvalidInput("confidence is a number between 0 and 1") from None
        if not 0.0 <= confidence <= 1.0:  # NaN fails too
            raise InvalidInput("confidence is between 0 and 1")
    key, tgt = _target_key(target_kind, target)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    hint = (location_hint or "").strip() or None
    place, point = _place(hint) if hint else (None, None)
    row: dict[str, Any] = {
        "sha256": tgt if key == "sha256" else None,
        "sha1": tgt if key == "sha1" else None,
        "md5": tgt if key == "md5" else None,
        "series_id": tgt if key == "series" else None,
        "clue_id": f"{clue_type}:{value}",
        "type": clue_type,
        "value": value,
        "label": label,
        "analyst": analyst,
        "confidence": confidence,
        "noted_at": noted_at or now,
        "location_hint": hint,
        "place": place,
        "hintLat": point[0] if point else None,
        "hintLon": point[1] if point else None,
    }
    params = {"rows": [row], "source": SOURCE, "loadId": LOAD_ID, "loadedAt": now}
    rows = db.write_records(driver, queries.clue_write(), params, name="app.clue.add", user=analyst)
    if not rows:
        what = "series" if key == "series" else f"media with {key}"
        raise NotFound(f"there is no {what} {tgt!r}")
    series = sorted({s for r in rows for s in (r["series"] or [])})
    out = ClueAdded(clue_id=row["clue_id"], target_kind=target_kind, series=series)

    if hint:
        if place is None:
            out.notes.append("the place hint could not be resolved; it was kept as text")
        else:
            out.location_id = place["countryCode"] if place["kind"] == "country" else place["id"]
            ctx = db.records(
                driver,
                queries.clue_place_context(),
                name="app.clue.place_context",
                placeId=out.location_id,
                series=series,
            )
            if ctx:
                out.place = ctx[0]["place"]
                out.place_country = ctx[0]["placeCountry"]
                out.series_countries = {
                    x["series"]: sorted(x["countries"]) for x in ctx[0]["seriesCountries"]
                }
    out.links_updated, note = update_links(driver, series)
    if note:
        out.notes.append(note)
    return out


def update_links(driver: neo4j.Driver, series: list[str]) -> tuple[bool, str | None]:
    """Ask the link engine to recompute the links of ``series``; (done, note)."""
    if not series:
        return False, None
    links.after_write(driver, series=series)
    return True, None
