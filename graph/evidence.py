"""One piece of link evidence, and what the link engine and video matching share.

:class:`Item` is one reason two series are linked (kind, a sentence, a strength); the
near-duplicate strengths and the way a file is named in a sentence are used by the link
engine (``graph/links.py``) and by video matching (``graph/videomatch.py``), so they sit
below both, and neither has to import the other to describe a match.

>>> _file("room.jpg", "ab" * 32)
'room.jpg (abababababab…)'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Strength of a near-duplicate item per method.
NEAR_DUP_STRENGTH = {"pdq": 1.0, "trimmed": 1.0, "dihedral": 1.0, "crop": 1.0, "phash": 0.8}


@dataclass
class Item:
    """One piece of evidence for one pair: what it is, and how much it counts."""

    kind: str
    detail: str
    strength: float
    data: dict[str, Any] = field(default_factory=dict)
    sort: tuple = ()

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "detail": self.detail, "strength": round(self.strength, 4)} | {
            k: v for k, v in self.data.items() if v is not None
        }


def _short(sha: str | None) -> str:
    return f"{sha[:12]}…" if sha else "?"


def _file(name: str | None, sha: str | None) -> str:
    return f"{name} ({_short(sha)})" if name else _short(sha)
