"""``cases.csv``: case_id, title, agency_id, agency_name, country, status, opened."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, field_validator

from graph import names, queries
from loaders import fields
from loaders.base import CsvLoader


class CaseRecord(BaseModel):
    case_id: str
    title: str = ""
    agency_id: str
    agency_name: str = ""
    country: str
    status: str = "open"
    opened: str | None = None

    _ids = field_validator("case_id", "agency_id")(lambda v: fields.identifier(v))
    _texts = field_validator("title", "agency_name")(lambda v: fields.text(v, 500))

    @field_validator("country")
    @classmethod
    def _country(cls, v: str) -> str:
        return names.country_code(v)

    @field_validator("status")
    @classmethod
    def _status(cls, v: str) -> str:
        v = (v or "open").strip().lower()
        if v not in ("open", "closed"):
            raise ValueError("status must be open or closed")
        return v

    @field_validator("opened")
    @classmethod
    def _opened(cls, v: str | None) -> str | None:
        return fields.iso_date(v) if v else None


class CasesLoader(CsvLoader):
    kind: ClassVar[str] = "cases"
    required = ("case_id", "agency_id", "country")
    optional = ("title", "agency_name", "status", "opened")
    model = CaseRecord
    write_query = queries.cases_write()

    def to_row(self, rec: BaseModel) -> dict[str, Any]:
        row = rec.model_dump()
        row["countryName"] = names.country_name(row["country"])
        return row
