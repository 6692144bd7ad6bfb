"""``accounts.csv``: target, platform, handle, seen_at.

Writes ``(:Media)-[:SHARED_BY {seenAt}]->(:Account)``. ``target`` is a media hash
(SHA-256, SHA-1 or MD5, matched against all three); the media must already be in the
graph (load the media first). ``Account.id`` is ``platform:handle`` normalised: the
platform folded (NFKC, case, diacritics), the handle without its leading ``@``, NFKC,
case-folded and without invisible format characters (zero-width spaces, bidi marks),
so ``@Bob`` and ``bob`` are one account. ``Account.handle`` keeps the handle as first
written (without the ``@``). ``seenAt`` is the earliest sighting given for that media
and account: a date stays a date, a date-time without offset is taken as UTC.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, ClassVar

import neo4j
from pydantic import BaseModel, field_validator

from graph import names, queries
from loaders import fields, refs
from loaders.base import CsvLoader, InvalidRecord, shown

_PLATFORM = re.compile(r"^[\w.+\- ]{1,64}$", re.UNICODE)


def platform(v: str) -> str:
    """A platform name, folded: ``Telegram`` -> ``telegram``."""
    p = names.fold(v or "")
    if not p:
        raise ValueError("a platform is required")
    if not _PLATFORM.match(p):
        raise ValueError("a platform name holds letters, digits, spaces and ._+- only")
    return p


def handle(v: str) -> str:
    """The handle as written: NFKC, without the leading ``@``; one line, no controls."""
    h = unicodedata.normalize("NFKC", (v or "").strip()).lstrip("@").strip()
    if not h:
        raise ValueError("a handle is required")
    if len(h) > 200:
        raise ValueError("a handle is at most 200 characters")
    if any(unicodedata.category(c) == "Cc" for c in h):
        raise ValueError("a handle holds no control characters or line breaks")
    if not handle_key(h):
        raise ValueError("a handle needs a visible character")
    return h


def handle_key(h: str) -> str:
    """The handle as matched: case-folded, format characters removed, spaces collapsed.

    >>> handle_key("Bo\\u200bB  Smith")
    'bob smith'
    """
    h = "".join(c for c in unicodedata.normalize("NFKC", h) if unicodedata.category(c) != "Cf")
    return " ".join(h.casefold().split())


def account_id(platform_name: str, handle_written: str) -> str:
    return f"{platform(platform_name)}:{handle_key(handle(handle_written))}"


class AccountRecord(BaseModel):
    target: str
    platform: str
    handle: str
    seen_at: str | None = None

    _target = field_validator("target")(lambda v: fields.hex_hash(v))
    _platform = field_validator("platform")(lambda v: platform(v))
    _handle = field_validator("handle")(lambda v: handle(v))
    _seen = field_validator("seen_at")(lambda v: fields.iso_datetime(v) if v else None)


class AccountsLoader(CsvLoader):
    kind: ClassVar[str] = "accounts"
    required = ("target", "platform", "handle")
    optional = ("seen_at",)
    model = AccountRecord
    write_query = queries.accounts_write()

    def __init__(self) -> None:
        self.known_media: set[str] | None = None

    def prepare(self, driver: neo4j.Driver | None, path: Path, lenient: bool) -> None:
        self.known_media = None
        if driver is not None:
            hashes = refs.column_values(path, {"target": fields.hex_hash})["target"]
            self.known_media = refs.existing_media(driver, hashes)

    def to_row(self, rec: BaseModel) -> dict[str, Any]:
        row = rec.model_dump()
        row["account_id"] = f"{row['platform']}:{handle_key(row['handle'])}"
        row.update(refs.media_hash_params(row["target"]))
        return row

    def validate(self, raw: dict[str, str], file: str, line: int) -> dict[str, Any]:
        row = super().validate(raw, file, line)
        if self.known_media is not None and row["target"] not in self.known_media:
            raise InvalidRecord(
                f"no media with hash {shown(row['target'])}; load the media first",
                file=file,
                line=line,
                field="target",
            )
        return row
