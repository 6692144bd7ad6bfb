"""Values and column names as a person reads them, for the app's tables and the CLI's.

No camelCase headers, no enum values, no ``None``, no JSON in a cell, scores rounded,
dates to the minute. Exports (CSV, JSON) keep the full values; only what is shown changes.

>>> label("crossCountryLinks"), label("series_a"), label("pdq_distance")
('Cross-country links', 'Series A', 'PDQ distance')
>>> text(None), text(1.0775), text("victim_identified", "status")
('', '1.08', 'victim identified')
>>> text("2024-06-02T09:00:31.123456Z"), text({"series": "S-1", "n": 2})
('2024-06-02 09:00', 'series: S-1, n: 2')
>>> text(["same_camera", "shared_clue"], "kinds"), camera("Canon", "Canon PowerShot G7")
('same camera, shared clue', 'Canon PowerShot G7')
>>> text({"same_media": 1, "shared_clue": 2}, "kinds")
'same file: 1, shared clue: 2'
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Header labels that the automatic rule would get wrong.
LABELS = {
    "crossCountryLinks": "Cross-country links",
    "cross_country": "Cross-country",
    "crossCountry": "Cross-country",
    "countries_a": "Countries A",
    "countries_b": "Countries B",
    "pdq_distance": "PDQ distance",
    "phash_distance": "pHash distance",
    "sha256": "SHA-256",
    "sha1": "SHA-1",
    "md5": "MD5",
    "pdq": "PDQ",
    "phash": "pHash",
    "pointsTo": "Points to",
    "otherSeries": "In other series",
    "nearDuplicates": "Near-duplicates",
    "errorCount": "Errors",
    "startedAt": "Started",
    "finishedAt": "Finished",
    "capturedAt": "Captured",
    "judgedAt": "Judged",
    "judgedBy": "Judged by",
    "judgementNote": "Note",
    "fileName": "File",
    "file_name": "File",
    "countryCode": "Country",
    "placeCountry": "Place country",
    "admin1": "Region",
    "at": "When",
    "resultCount": "Results",
    "id": "Id",
    "input_percent": "Input %",
    "match_percent": "Match %",
    "at_input": "At (input)",
    "at_match": "At (match)",
    "identifiedVictims": "Identified victims",
    "seriesShowing": "Series showing it",
    "_labels": "Labels",
}

#: Columns whose values are enum values (``victim_identified``), shown as words.
ENUM_COLUMNS = {
    "status",
    "series_status",
    "neighbour_status",
    "otherStatus",
    "kind",
    "kinds",
    "match",
    "method",
    "judgement",
    "outcome",
    "level",
    "type",
    "shownOn",
}

#: Link kinds (``graph.links``) as words: the same in the app, the CLI and the evidence.
KIND_LABELS = {
    "same_media": "same file",
    "near_duplicate": "near-duplicate",
    "same_camera": "same camera",
    "same_victim": "same victim",
    "shared_clue": "shared clue",
    "same_location": "same place",
    "same_account": "same account",
    "same_scene": "same scene",
    "shared_object": "shared object",
}

HASH_COLUMNS = {"sha256", "sha1", "md5", "pdq", "phash", "pdq_hash", "hash"}

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def label(column: str) -> str:
    """A column name as a header: ``crossCountryLinks`` -> "Cross-country links"."""
    if column in LABELS:
        return LABELS[column]
    words = _CAMEL.sub(" ", column).replace("_", " ").split()
    if not words:
        return column
    out = " ".join(w if w.isupper() else w.lower() for w in words)
    out = re.sub(r"\b([ab])$", lambda m: m.group(1).upper(), out)
    return out[0].upper() + out[1:]


def when(value: Any) -> str:
    """An ISO date-time to the minute ("2024-06-02 09:00"); a date stays a date."""
    s = str(value)
    if _ISO.match(s):
        return s.replace("T", " ")[:16]
    return s


def text(value: Any, column: str = "") -> str:
    """One cell as text: lists joined, maps as ``key: value``, floats to 2 decimals."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value == value else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple | set):
        items = [text(x, column) for x in value if x is not None]
        sep = "; " if any(isinstance(x, dict) for x in value) else ", "
        return sep.join(i for i in items if i)
    if isinstance(value, dict) and column in ("kind", "kinds"):  # counts per link kind
        return ", ".join(f"{KIND_LABELS.get(str(k), str(k))}: {text(v)}" for k, v in value.items())
    if isinstance(value, dict):
        return _mapping(value)
    s = str(value)
    if column in ("kind", "kinds") and s in KIND_LABELS:
        return KIND_LABELS[s]
    if column in ENUM_COLUMNS and re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", s):
        return s.replace("_", " ")
    if s[:1] in "{[" and column in {"parameters", "params", "evidence", "properties"}:
        try:
            return text(json.loads(s), column)
        except ValueError:
            return s
    return when(s)


def _mapping(d: dict) -> str:
    """Evidence as "kind: detail", a node as ":Label key: value, ...", others key: value."""
    if "kind" in d and "detail" in d:
        kind = str(d["kind"])
        label = KIND_LABELS.get(kind, kind.replace("_", " "))
        return f"{label}: {evidence_text(label, d['detail'])}"
    head = ""
    labels = d.get("_labels") or ([d["_type"]] if d.get("_type") else [])
    if labels:
        head = ":" + ":".join(map(str, labels)) + " "
    parts = [f"{k}: {text(v)}" for k, v in d.items() if k not in ("_labels", "_type")]
    return head + ", ".join(p for p in parts if not p.endswith(": "))


def evidence_text(label: str, detail: Any) -> str:
    """An evidence detail after its kind's label: without the label's words again, the
    two sides as "this ↔ that", and no "the series | the series" when both are whole series.

    >>> evidence_text("same victim", "same victim V-2: the series | the series")
    'V-2'
    >>> evidence_text("same file", "same file a.jpg (0303…) in both series")
    'a.jpg (0303…) in both series'
    >>> evidence_text("shared clue", "same logo clue 'K': de.jpg (04…) | fr.jpg (01…)")
    "same logo clue 'K': de.jpg (04…) ↔ fr.jpg (01…)"
    """
    out = str(detail or "").strip()
    if label and out.lower().startswith(label.lower() + " "):
        out = out[len(label) + 1 :]
    out = out.replace(": the series | the series", "")
    return out.replace(" | ", " ↔ ")


def camera(make: str | None, model: str | None) -> str:
    """ "Canon PowerShot G7", not "Canon Canon PowerShot G7"."""
    make, model = (make or "").strip(), (model or "").strip()
    if make and model.lower().startswith(make.lower()):
        return model
    return " ".join(x for x in (make, model) if x)
