"""``victims.csv``: victim_id, series_id, identified, identified_by, identified_at,
age_band, sex.

Writes ``(:Series)-[:FEATURES {ageBand}]->(:Victim)``; the victim id is pseudonymous and
the same id in two series is the ``same_victim`` link. The series must already be in the
graph (load series first). The estimated age band belongs to the appearance, on
``FEATURES``: a child abused over years is seen at several ages, so one victim may have a
different band in each series (two bands for the same victim *and* series contradict).
Identification and sex belong to the victim: a victim named on several rows keeps one
set of them, and rows that contradict an earlier row of the file are record errors
naming both lines. A blank value leaves the value already known.
``identified`` is a boolean (blank: not given; true when only
``identified_by`` or ``identified_at`` is given); an explicit ``false`` clears who and
when. ``sex`` is ``F``, ``M`` or ``U``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import neo4j
from pydantic import BaseModel, field_validator

from graph import names, queries
from graph.schema import Label
from loaders import fields, refs
from loaders.base import CsvLoader, InvalidRecord, shown

_SEX = {
    "f": "F",
    "female": "F",
    "girl": "F",
    "m": "M",
    "male": "M",
    "boy": "M",
    "u": "U",
    "unknown": "U",
    "x": "U",
}
_DASHES = re.compile(r"\s*[-‐‑‒–—―−]\s*")


def age_band(v: str) -> str | None:
    """An age band as written (``6-9``, ``14-17``, ``adult``), dashes and spaces tidied."""
    v = fields.text(v, 40)
    if not v:
        return None
    if any(c in v for c in "\n\t"):
        raise ValueError("an age band is one short line")
    return _DASHES.sub("-", v)


def sex(v: str) -> str | None:
    k = names.fold(v or "")
    if not k:
        return None
    if k not in _SEX:
        raise ValueError("sex must be F, M or U")
    return _SEX[k]


def optional_bool(v: str) -> bool | None:
    return None if not (v or "").strip() else fields.boolean(v)


class VictimRecord(BaseModel):
    victim_id: str
    series_id: str
    identified: bool | None = None
    identified_by: str | None = None
    identified_at: str | None = None
    age_band: str | None = None
    sex: str | None = None

    _ids = field_validator("victim_id", "series_id")(lambda v: fields.identifier(v))
    _identified = field_validator("identified", mode="before")(lambda v: optional_bool(v))
    _by = field_validator("identified_by")(lambda v: fields.text(v or "", 200) or None)
    _at = field_validator("identified_at")(lambda v: fields.iso_date(v) if v else None)
    _age = field_validator("age_band")(lambda v: age_band(v or ""))
    _sex = field_validator("sex")(lambda v: sex(v or ""))


class VictimsLoader(CsvLoader):
    kind: ClassVar[str] = "victims"
    required = ("victim_id", "series_id")
    optional = ("identified", "identified_by", "identified_at", "age_band", "sex")
    model = VictimRecord
    write_query = queries.victims_write()

    def __init__(self) -> None:
        self.known_series: set[str] | None = None
        self._seen: dict[str, dict[str, tuple[Any, int]]] = {}
        self._seen_in_series: dict[str, dict[str, tuple[Any, int]]] = {}

    def prepare(self, driver: neo4j.Driver | None, path: Path, lenient: bool) -> None:
        self._seen = {}
        self._seen_in_series = {}
        self.known_series = None
        if driver is not None:
            ids = refs.column_values(path, {"series_id": fields.identifier})["series_id"]
            self.known_series = refs.existing_keys(driver, Label.SERIES, ids)

    def validate(self, raw: dict[str, str], file: str, line: int) -> dict[str, Any]:
        row = super().validate(raw, file, line)
        if self.known_series is not None and row["series_id"] not in self.known_series:
            raise InvalidRecord(
                f"unknown series {shown(row['series_id'])}; load series first",
                file=file,
                line=line,
                field="series_id",
            )
        if row["identified"] is False:
            for col in ("identified_by", "identified_at"):
                if row[col]:
                    raise InvalidRecord(
                        "identified is false but this is given", file=file, line=line, field=col
                    )
        elif row["identified"] is None and (row["identified_by"] or row["identified_at"]):
            row["identified"] = True
        refs.check_consistent(
            self._seen,
            row["victim_id"],
            row,
            ("identified", "identified_by", "identified_at", "sex"),
            file,
            line,
        )
        refs.check_consistent(  # one age band per appearance (victim in one series)
            self._seen_in_series,
            f"{row['victim_id']} in series {row['series_id']}",
            row,
            ("age_band",),
            file,
            line,
        )
        return row
