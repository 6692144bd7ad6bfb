"""``series.csv``: series_id, name, case_id, status (one row per case investigating it).

Writes ``(:Case)-[:INVESTIGATES]->(:Series)``. The case must already be in the graph
(load cases first): a row naming an unknown case is a record error. A series named on
several rows keeps one name and status; rows that contradict an earlier row of the file
are record errors, and a blank name or status leaves the value already known.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import neo4j
from pydantic import BaseModel, field_validator

from graph import names, queries
from graph.schema import SERIES_STATUSES, Label
from loaders import fields, refs
from loaders.base import CsvLoader, InvalidRecord, shown


def series_status(v: str | None) -> str | None:
    """``unidentified``/``victim_identified``/``closed`` (spaces and dashes accepted)."""
    v = names.fold(v or "").replace("-", "_").replace(" ", "_")
    if not v:
        return None
    if v not in SERIES_STATUSES:
        raise ValueError(f"status must be one of {', '.join(SERIES_STATUSES)}")
    return v


class SeriesRecord(BaseModel):
    series_id: str
    name: str = ""
    case_id: str
    status: str | None = None

    _ids = field_validator("series_id", "case_id")(lambda v: fields.identifier(v))
    _name = field_validator("name")(lambda v: fields.text(v, 500))
    _status = field_validator("status")(lambda v: series_status(v))


class SeriesLoader(CsvLoader):
    kind: ClassVar[str] = "series"
    required = ("series_id", "case_id")
    optional = ("name", "status")
    model = SeriesRecord
    write_query = queries.series_write()

    def __init__(self) -> None:
        self.known_cases: set[str] | None = None
        self._seen: dict[str, dict[str, tuple[str, int]]] = {}

    def prepare(self, driver: neo4j.Driver | None, path: Path, lenient: bool) -> None:
        self._seen = {}
        self.known_cases = None
        if driver is not None:
            ids = refs.column_values(path, {"case_id": fields.identifier})["case_id"]
            self.known_cases = refs.existing_keys(driver, Label.CASE, ids)

    def validate(self, raw: dict[str, str], file: str, line: int) -> dict[str, Any]:
        row = super().validate(raw, file, line)
        if self.known_cases is not None and row["case_id"] not in self.known_cases:
            raise InvalidRecord(
                f"unknown case {shown(row['case_id'])}; load cases first",
                file=file,
                line=line,
                field="case_id",
            )
        refs.check_consistent(self._seen, row["series_id"], row, ("name", "status"), file, line)
        return row
