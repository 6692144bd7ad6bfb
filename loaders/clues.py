"""``clues.csv``: target, target_kind, type, label, location_hint, confidence, analyst,
noted_at.

Writes ``(:Media|Series)-[:SHOWS {analyst, confidence, notedAt, locationHint}]->(:Clue)``
and, when a ``location_hint`` is given, ``(:Clue)-[:POINTS_TO {confidence}]->(:Location|
Country)``, with ``graph/queries/clue_write.cypher``: the app's clue form
(:func:`graph.clues.add_clue`) writes with the same statement, so both follow one set of
rules.

- ``target_kind`` is ``media`` (``target`` a SHA-256, SHA-1 or MD5, matched against all
  three) or ``series`` (``target`` a series id). The target must already be in the graph.
- ``Clue.id`` is ``type:value``, ``value`` the label folded (NFKC, case, diacritics,
  whitespace, invisible format characters removed), so ``Café du Monde`` and
  ``CAFE  DU MONDE`` are one clue; ``label`` keeps the first spelling loaded.
- ``confidence`` is a number from 0 to 1, a percentage (``80%``) or ``low``/``medium``/
  ``high`` (0.3/0.6/0.9); it goes on ``SHOWS`` and ``POINTS_TO``.
- ``location_hint`` is resolved offline by :mod:`graph.gazetteer` (``City, CC``,
  ``City, Country``, ``City``, a country, ``lat,lon``); a hint that resolves to nothing
  is a record error. For ``lat,lon`` the exact point also goes on ``POINTS_TO``
  (``lat``, ``lon``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

import neo4j
from pydantic import BaseModel, ValidationInfo, field_validator

from graph import gazetteer, names, queries
from graph.schema import CLUE_TYPES, Label
from loaders import fields, refs
from loaders.base import CsvLoader, InvalidRecord, shown

TARGET_KINDS = ("media", "series")
CONFIDENCE_WORDS = {"low": 0.3, "medium": 0.6, "med": 0.6, "high": 0.9}


def clue_value(label: str) -> str:
    """The normalised value of a clue label (:func:`graph.names.fold`, as the clue form
    of the app uses it).

    >>> clue_value("  Café\u200b  DU Monde ")
    'cafe du monde'
    """
    return names.fold(label)


def clue_type(v: str) -> str:
    t = names.fold(v or "")
    if t not in CLUE_TYPES:
        raise ValueError(f"type must be one of {', '.join(CLUE_TYPES)}")
    return t


def confidence(v: str) -> float | None:
    """0..1 from ``0.8``, ``80%``, or ``low``/``medium``/``high``; None when blank."""
    s = names.fold(v or "")
    if not s:
        return None
    if s in CONFIDENCE_WORDS:
        return CONFIDENCE_WORDS[s]
    pct = s.endswith("%")
    try:
        x = float(s.removesuffix("%").strip())
    except ValueError:
        raise ValueError(
            "confidence must be a number from 0 to 1, a percentage, or low/medium/high"
        ) from None
    if pct:
        x /= 100
    if not math.isfinite(x) or not 0.0 <= x <= 1.0:
        raise ValueError("confidence must be between 0 and 1 (or 0% and 100%)")
    return round(x, 6)


class ClueRecord(BaseModel):
    # target_kind comes first: the target's validator reads it.
    target_kind: str
    target: str
    type: str
    label: str
    location_hint: str = ""
    confidence: float | None = None
    analyst: str | None = None
    noted_at: str | None = None

    @field_validator("target_kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        k = names.fold(v or "")
        if k not in TARGET_KINDS:
            raise ValueError("target_kind must be media or series")
        return k

    @field_validator("target")
    @classmethod
    def _target(cls, v: str, info: ValidationInfo) -> str:
        kind = info.data.get("target_kind")
        if kind == "media":
            return fields.hex_hash(v)
        return fields.identifier(v)

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        return clue_type(v)

    @field_validator("label")
    @classmethod
    def _label(cls, v: str) -> str:
        label = fields.text(v, 500)
        if not clue_value(label):
            raise ValueError("a label is required")
        return label

    _hint = field_validator("location_hint")(lambda v: fields.text(v, 300))
    _conf = field_validator("confidence", mode="before")(lambda v: confidence(v))
    _analyst = field_validator("analyst")(lambda v: fields.text(v or "", 200) or None)
    _noted = field_validator("noted_at")(lambda v: fields.iso_datetime(v) if v else None)


class CluesLoader(CsvLoader):
    kind: ClassVar[str] = "clues"
    required = ("target", "target_kind", "type", "label")
    optional = ("location_hint", "confidence", "analyst", "noted_at")
    model = ClueRecord
    #: The one clue writer, shared with the app's clue form (:mod:`graph.clues`).
    write_query = queries.clue_write()

    def __init__(self) -> None:
        self.known_media: set[str] | None = None
        self.known_series: set[str] | None = None

    def prepare(self, driver: neo4j.Driver | None, path: Path, lenient: bool) -> None:
        self.known_media = self.known_series = None
        if driver is None:
            return

        def kind_is(k: str):
            return lambda raw: names.fold(raw.get("target_kind") or "") == k

        media = refs.column_values(path, {"target": fields.hex_hash}, where=kind_is("media"))
        series = refs.column_values(path, {"target": fields.identifier}, where=kind_is("series"))
        self.known_media = refs.existing_media(driver, media["target"])
        self.known_series = refs.existing_keys(driver, Label.SERIES, series["target"])

    def validate(self, raw: dict[str, str], file: str, line: int) -> dict[str, Any]:
        row = super().validate(raw, file, line)

        def bad(msg: str, col: str) -> InvalidRecord:
            return InvalidRecord(msg, file=file, line=line, field=col)

        target = row["target"]
        if row["target_kind"] == "media":
            if self.known_media is not None and target not in self.known_media:
                raise bad(f"no media with hash {shown(target)}; load the media first", "target")
            row.update(refs.media_hash_params(target), series_id=None)
        else:
            if self.known_series is not None and target not in self.known_series:
                raise bad(f"unknown series {shown(target)}; load series first", "target")
            row.update(sha256=None, sha1=None, md5=None, series_id=target)

        row["value"] = clue_value(row["label"])
        row["clue_id"] = f"{row['type']}:{row['value']}"
        row["place"], row["hintLat"], row["hintLon"] = None, None, None
        hint = row["location_hint"] = row["location_hint"] or None
        if hint:
            try:
                point = gazetteer.parse_coordinates(hint)
            except ValueError as e:
                raise bad(f"{e} (got {shown(hint)})", "location_hint") from None
            place = gazetteer.resolve_hint(hint)
            if place is None:
                raise bad(
                    f"no place found for {shown(hint)}; write 'City, CC', 'City, Country', "
                    "a country, or 'lat,lon'",
                    "location_hint",
                )
            row["place"] = gazetteer.place_params(place)
            if point is not None:
                row["hintLat"], row["hintLon"] = point
        return row
