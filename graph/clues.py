"""Adding one clue from the app's clue form, the way the clues loader writes it.

``Clue.id`` is ``type:normalised value`` (NFKC, case folded, diacritics removed,
whitespace collapsed); the label is kept as the analyst wrote it. The clue is
``MERGE``d, so the same clue noted twice is one node, and ``(:Media|Series)-[:SHOWS
{analyst, confidence, notedAt}]->(:Clue)`` records who noted it. Afterwards the link
engine updates the links of the series concerned, when it is installed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import neo4j

from graph import db, links, queries
from graph.errors import InvalidInput, NotFound
from graph.schema import CLUE_TYPES

#: Provenance of what the app writes (rule 3 of the spec).
SOURCE = "app:clue-form"
LOAD_ID = "app-clue-form"

_MERGE_CLUE = """
MERGE (c:Clue {id: $clueId})
  ON CREATE SET c.type = $type, c.value = $value, c.label = $label,
                c.source = $source, c.loadId = $loadId, c.loadedAt = $loadedAt
WITH c, t
MERGE (t)-[r:SHOWS]->(c)
SET r.analyst = $analyst, r.confidence = $confidence, r.notedAt = $notedAt,
    r.locationHint = $locationHint,
    r.source = $source, r.loadId = $loadId, r.loadedAt = $loadedAt
RETURN c.id AS clueId, labels(t)[0] AS targetLabel,
       CASE WHEN t:Series THEN [t.id] ELSE [(t)<-[:CONTAINS]-(s:Series) | s.id] END AS series
"""

#: One statement per way of naming the target; the property is picked here, never from input.
_TARGETS = {
    "series": "MATCH (t:Series {id: $target})",
    "sha256": "MATCH (t:Media {sha256: $target})",
    "sha1": "MATCH (t:Media {sha1: $target})",
    "md5": "MATCH (t:Media {md5: $target})",
}

#: ``POINTS_TO`` a gazetteer place: the Location is MERGEd the way the loaders write it.
_POINTS_TO_PLACE = """
MATCH (c:Clue {id: $clueId})
WITH c, $place AS place
{merge_location}
MERGE (c)-[r:POINTS_TO]->(loc)
SET r.confidence = $confidence, r.source = $source, r.loadId = $loadId, r.loadedAt = $loadedAt
RETURN loc.id AS id
"""

_POINTS_TO_COUNTRY = """
MATCH (c:Clue {id: $clueId})
MERGE (co:Country {code: $code})
  ON CREATE SET co.name = $countryName, co.source = $source, co.loadId = $loadId,
                co.loadedAt = $loadedAt
MERGE (c)-[r:POINTS_TO]->(co)
SET r.confidence = $confidence, r.source = $source, r.loadId = $loadId, r.loadedAt = $loadedAt
RETURN co.code AS id
"""


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
    from loaders.fields import fold

    return fold(text)


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


def _point_to(driver: neo4j.Driver, params: dict[str, Any], hint: str, user: str) -> str | None:
    """Resolve ``hint`` offline (``loaders.geo``) and write ``POINTS_TO``; the target id."""
    from loaders import geo

    place = geo.resolve_hint(hint)
    if place is None:
        return None
    if place.kind == "country":
        db.write(
            driver,
            _POINTS_TO_COUNTRY,
            {
                **params,
                "code": place.country_code,
                "countryName": geo.place_params(place)["countryName"],
            },
            name="app.clue.points_to",
            user=user,
        )
        return place.country_code
    q = _POINTS_TO_PLACE.replace("{merge_location}", geo.MERGE_LOCATION)
    db.write(
        driver,
        q,
        {**params, "place": geo.place_params(place)},
        name="app.clue.points_to",
        user=user,
    )
    return place.id


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
    params: dict[str, Any] = {
        "target": tgt,
        "clueId": f"{clue_type}:{value}",
        "type": clue_type,
        "value": value,
        "label": label,
        "analyst": analyst,
        "confidence": None if confidence is None else float(confidence),
        "notedAt": noted_at or now,
        "locationHint": (location_hint or "").strip() or None,
        "source": SOURCE,
        "loadId": LOAD_ID,
        "loadedAt": now,
    }
    q = _TARGETS[key] + "\n" + _MERGE_CLUE

    def work(tx: neo4j.ManagedTransaction) -> list[dict]:
        return [dict(r.items()) for r in tx.run(q, params)]

    try:
        with driver.session(database=db.database()) as ses:
            rows = ses.execute_write(work)
    except Exception as e:
        raise db.translate(e, params) from e
    if not rows:
        what = "series" if key == "series" else f"media with {key}"
        raise NotFound(f"there is no {what} {tgt!r}")
    series = sorted({s for r in rows for s in (r["series"] or [])})
    out = ClueAdded(clue_id=params["clueId"], target_kind=target_kind, series=series)

    if params["locationHint"]:
        out.location_id = _point_to(driver, params, params["locationHint"], analyst)
        if out.location_id is None:
            out.notes.append("the place hint could not be resolved; it was kept as text")
        else:
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
