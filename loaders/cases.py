"""``cases.csv``: case_id, title, agency_id, agency_name, country, status, opened."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, field_validator

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
        return fields.country_code(v)

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
    write_query = """
UNWIND $rows AS row
MERGE (co:Country {code: row.country})
  ON CREATE SET co.name = row.countryName, co.source = $source, co.loadId = $loadId,
                co.loadedAt = $loadedAt
MERGE (a:Agency {id: row.agency_id})
SET a.name = coalesce(nullif(row.agency_name, ''), a.name, row.agency_id),
    a.source = $source, a.loadId = $loadId, a.loadedAt = $loadedAt
MERGE (a)-[ia:IN_COUNTRY]->(co)
SET ia.source = $source, ia.loadId = $loadId, ia.loadedAt = $loadedAt
MERGE (c:Case {id: row.case_id})
SET c.title = row.title, c.status = row.status, c.opened = CASE WHEN row.opened IS NULL
      THEN NULL ELSE date(row.opened) END,
    c.source = $source, c.loadId = $loadId, c.loadedAt = $loadedAt
WITH c, a, row
OPTIONAL MATCH (c)-[old:OWNED_BY]->(other:Agency) WHERE other.id <> row.agency_id
DELETE old
MERGE (c)-[ob:OWNED_BY]->(a)
SET ob.source = $source, ob.loadId = $loadId, ob.loadedAt = $loadedAt
"""

    def to_row(self, rec: BaseModel) -> dict[str, Any]:
        row = rec.model_dump()
        row["countryName"] = fields.country_name(row["country"])
        return row
