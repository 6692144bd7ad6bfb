"""Checking a trainee's free-text answer against the scenario's ground truth.

Countries are recognised by their ISO codes (``GB``, ``GBR``, written in capitals or as the
whole answer), their ISO names (``pycountry``), their names in several languages (the
CLDR territory names shipped in ``babel``: "Royaume-Uni", "Vereinigtes Königreich",
"Reino Unido") and a few everyday synonyms ("UK", "England", "Holland"). Text is compared
without case or accents ("NIMES" is "Nîmes").

>>> countries_in("socket type G, so UK or Ireland")
['GB', 'IE']
>>> normalise("Nîmes, FRANCE")
'nimes france'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pycountry
from babel import Locale

#: Locales whose CLDR territory names are accepted.
LOCALES = (
    "en", "fr", "de", "es", "it", "nl", "pt", "pl", "sv", "da", "nb", "fi", "cs", "sk",
    "ro", "hu", "el", "ru", "uk", "tr", "bg", "hr", "sl", "lt", "lv", "et", "ga", "ca",
)  # fmt: skip

#: Everyday names that neither ISO nor CLDR spell this way.
SYNONYMS = {
    "GB": ("uk", "u k", "britain", "great britain", "england", "scotland", "wales",
           "northern ireland", "grande bretagne", "angleterre", "grossbritannien",
           "england uk", "gran bretana", "inghilterra", "engeland"),
    "US": ("usa", "u s", "u s a", "america", "united states of america", "the states"),
    "NL": ("holland", "the netherlands", "pays bas"),
    "RU": ("russia",),
    "KR": ("south korea",),
    "KP": ("north korea",),
    "CZ": ("czech republic", "czechia"),
    "IR": ("iran",),
    "SY": ("syria",),
    "VN": ("vietnam",),
    "LA": ("laos",),
    "TZ": ("tanzania",),
    "BO": ("bolivia",),
    "VE": ("venezuela",),
    "MD": ("moldova",),
    "TW": ("taiwan",),
    "AE": ("uae", "emirates"),
}  # fmt: skip

_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case, accents dropped, punctuation as single spaces."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("ß", "ss").casefold()
    return " ".join(_WORD.sub(" ", plain).replace("_", " ").split())


@lru_cache(maxsize=1)
def _names() -> tuple[dict[str, str], int]:
    """normalised name -> alpha-2 code, and the longest name in words."""
    names: dict[str, str] = {}

    def put(name: str | None, code: str) -> None:
        n = normalise(name or "")
        if n and len(n) > 3:  # short words are codes, checked apart
            names.setdefault(n, code)

    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            put(getattr(c, attr, None), c.alpha_2)
    for loc in LOCALES:
        for code, name in Locale.parse(loc).territories.items():
            if len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code):
                put(name, code)
    for code, syns in SYNONYMS.items():
        for s in syns:
            names[normalise(s)] = code
    return names, max(len(n.split()) for n in names)


def _code(token: str) -> str | None:
    """The alpha-2 code of an ISO alpha-2 or alpha-3 code, else None."""
    if len(token) == 2:
        c = pycountry.countries.get(alpha_2=token.upper())
    elif len(token) == 3:
        c = pycountry.countries.get(alpha_3=token.upper())
    else:
        return None
    return c.alpha_2 if c else None


def countries_in(text: str) -> list[str]:
    """The countries ``text`` names, as alpha-2 codes in the order they appear.

    A two- or three-letter word counts as a code only in capitals ("GB", "UK") or when it
    is the whole answer ("gb"), so "it is in" names no country.
    """
    names, longest = _names()
    raw = _WORD.sub(" ", unicodedata.normalize("NFKC", str(text))).replace("_", " ").split()
    words = [normalise(w) for w in raw]
    found: list[str] = []
    i = 0
    while i < len(words):
        hit = None
        for n in range(min(longest, len(words) - i), 0, -1):
            code = names.get(" ".join(words[i : i + n]))
            if code:
                hit = (code, n)
                break
        if hit is None:
            w = raw[i]
            if (w.isupper() or len(raw) == 1) and w.isalpha():
                code = "GB" if w.upper() == "UK" else _code(w)
                if code:
                    hit = (code, 1)
        if hit:
            if hit[0] not in found:
                found.append(hit[0])
            i += hit[1]
        else:
            i += 1
    return found


def country_code(value: str) -> str | None:
    """The alpha-2 code of a code or a country name in any accepted form."""
    v = str(value).strip()
    return _code(v) or next(iter(countries_in(v)), None)


def country_label(code: str) -> str:
    """ "United Kingdom (GB)" for ``GB``."""
    c = pycountry.countries.get(alpha_2=code)
    name = getattr(c, "common_name", None) or getattr(c, "name", None) if c else None
    return f"{name} ({code})" if name else code


def mentions(guess: str, expected: str) -> bool:
    """Whether ``guess`` holds ``expected`` (case and accents ignored, whole words)."""
    g, e = normalise(guess), normalise(expected)
    return bool(e) and f" {e} " in f" {g} "
