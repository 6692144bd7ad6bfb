"""Field parsers shared by the loaders: dates, booleans, identifiers, text, hashes.

Countries and text folding are :mod:`graph.names` (the app's clue form needs them too).

Each raises ``ValueError`` with a short reason; the loader adds file, line and field.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata


def iso_date(value: str) -> str:
    """An ISO 8601 date, returned as ``YYYY-MM-DD``."""
    v = (value or "").strip()
    try:
        return dt.date.fromisoformat(v[:10] if len(v) > 10 and "T" in v else v).isoformat()
    except ValueError:
        raise ValueError("not an ISO 8601 date (YYYY-MM-DD)") from None


def iso_datetime(value: str) -> str:
    """An ISO 8601 date or date-time, returned in ISO form (a date stays a date)."""
    v = (value or "").strip()
    if len(v) == 10:
        return iso_date(v)
    try:
        return dt.datetime.fromisoformat(v.replace("Z", "+00:00")).isoformat()
    except ValueError:
        raise ValueError("not an ISO 8601 date-time") from None


_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f", ""}


def boolean(value: str) -> bool:
    v = (value or "").strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError("not a boolean (true/false)")


_ID = re.compile(r"^[\w.:\-/#@+ ]{1,200}$", re.UNICODE)


def identifier(value: str) -> str:
    """An identifier: 1-200 characters, letters, digits and ``._:-/#@+`` and spaces."""
    v = unicodedata.normalize("NFKC", (value or "").strip())
    if not v:
        raise ValueError("an identifier is required")
    if not _ID.match(v) or any(unicodedata.category(c).startswith("C") for c in v):
        raise ValueError("identifiers may hold letters, digits, spaces and ._:-/#@+ only")
    return v


def text(value: str, max_len: int = 2000) -> str:
    v = unicodedata.normalize("NFKC", value or "").strip()
    v = "".join(c for c in v if unicodedata.category(c) != "Cc" or c in "\n\t")
    if len(v) > max_len:
        raise ValueError(f"longer than {max_len} characters")
    return v


_HEX = re.compile(r"^[0-9a-f]+$")


def hex_hash(value: str, lengths: tuple[int, ...] = (32, 40, 64)) -> str:
    v = (value or "").strip().lower()
    if len(v) not in lengths or not _HEX.match(v):
        raise ValueError(f"not a hex hash of {'/'.join(map(str, lengths))} characters")
    return v


def hash_kind(h: str) -> str:
    """``md5``, ``sha1`` or ``sha256`` by length of a validated hex hash."""
    return {32: "md5", 40: "sha1", 64: "sha256"}[len(h)]
