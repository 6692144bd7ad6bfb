"""How names are compared: text folding and country names.

The loaders (CSV fields, the gazetteer) and the graph (the app's clue form) fold text and
read country names the same way, so a clue noted in the app and one loaded from a CSV are
one node. Imports nothing of the project.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pycountry

_SPACE = re.compile(r"\s+")


@cache
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            v = getattr(c, attr, None)
            if v:
                names[fold(v)] = c.alpha_2
        names[fold(c.alpha_3)] = c.alpha_2
    # Usual short names that pycountry spells otherwise.
    extra = {
        "uk": "GB",
        "great britain": "GB",
        "england": "GB",
        "usa": "US",
        "united states": "US",
        "russia": "RU",
        "south korea": "KR",
        "north korea": "KP",
        "iran": "IR",
        "syria": "SY",
        "vietnam": "VN",
        "laos": "LA",
        "bolivia": "BO",
        "venezuela": "VE",
        "tanzania": "TZ",
        "czech republic": "CZ",
        "moldova": "MD",
        "the netherlands": "NL",
        "holland": "NL",
    }
    names.update(extra)
    return names


def country_code(value: str) -> str:
    """ISO 3166-1 alpha-2 code for a code or a country name (``'France'`` -> ``'FR'``).

    >>> country_code("fr"), country_code("Germany"), country_code("Côte d'Ivoire")
    ('FR', 'DE', 'CI')
    """
    v = (value or "").strip()
    if not v:
        raise ValueError("a country is required")
    if len(v) == 2 and v.isascii() and v.isalpha():
        if pycountry.countries.get(alpha_2=v.upper()):
            return v.upper()
        raise ValueError("unknown ISO 3166-1 alpha-2 country code")
    code = _country_names().get(fold(v))
    if code:
        return code
    try:
        return pycountry.countries.lookup(v).alpha_2
    except LookupError:
        raise ValueError("unknown country (use an ISO 3166-1 alpha-2 code)") from None


def country_name(code: str) -> str:
    c = pycountry.countries.get(alpha_2=code)
    return getattr(c, "common_name", None) or (c.name if c else code)


def fold(text: str) -> str:
    """Unicode NFKC, case folded, diacritics removed, whitespace collapsed, invisible
    format characters (zero-width spaces and joiners, bidi marks, soft hyphens) removed.

    >>> fold("  Café   DU  Monde "), fold("Ca\u200bfé\u202e")
    ('cafe du monde', 'cafe')
    """
    t = unicodedata.normalize("NFKC", text)
    t = "".join(ch for ch in t if unicodedata.category(ch) != "Cf")
    t = unicodedata.normalize("NFKD", t)
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    t = unicodedata.normalize("NFKC", t).casefold()
    return _SPACE.sub(" ", t).strip()
