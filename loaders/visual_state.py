"""What the visual pass keeps between its steps: its version, the state file of analysed
keys, the report and the language guess of a picture's lines (shared by
:mod:`loaders.visual`, which analyses, and :mod:`loaders.visual_write`, which writes)."""

from __future__ import annotations

import json
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from media.visual import features as vf
from media.visual.language import detect_language

#: Version of what the pass derives: features' format x 100 + the pass's own version.
#: Files marked with another version are analysed again (and their old results removed).
PASS_VERSION = 1
VERSION = vf.FORMAT_VERSION * 100 + PASS_VERSION
STATE_FILE = "pass-state.jsonl"
#: Up to this many keys, a pass's state finds their lines instead of parsing every line.
FEW_KEYS = 64
LOCK_FILE = ".lock"
#: Index keys of saved object clues start with this (never a media key).
CLUE_PREFIX = "clue:"


def media_key(key: str) -> tuple[str, int | None]:
    """``(sha256, frame ms or None)`` of an index key.

    >>> media_key("ab@1500"), media_key("ab")
    (('ab', 1500), ('ab', None))
    """
    sha, _, ms = key.partition("@")
    return sha, (int(ms) if ms else None)


def _last_line_of(data: bytes, key: str) -> dict[str, Any] | None:
    """The record of the last whole line of ``data`` written for ``key``, or None."""
    needle = b'{"key": ' + json.dumps(key, ensure_ascii=False).encode() + b","
    at = len(data)
    while (at := data.rfind(needle, 0, at)) >= 0:
        if at > 0 and data[at - 1 : at] != b"\n":
            continue  # inside another line (its text): not a record of this key
        end = data.find(b"\n", at)
        try:
            rec = json.loads(data[at : end if end >= 0 else len(data)])
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue  # a line cut by a kill: the one before it stands
        if isinstance(rec, dict) and rec.get("key") == key:
            return rec
    return None


class PassState:
    """``key -> record`` of what the pass found for each analysed key (JSON lines, 0600).

    A record is ``{"key", "v", "status": "ok"|"note", "note", "reads"}``;
    the last line of a key wins. Lines are appended and fsynced after each chunk.

    ``keys``: the only keys this pass will look at. When they are few (a one-picture load
    into a unit whose state holds 100k pictures), their last lines are found in the file's
    bytes (``{"key": <key as JSON>,`` begins each line this class writes) and only those
    are parsed: parsing every line took 0.7-2 s at 100k for one or two records.
    """

    def __init__(self, directory: Path, keys: Collection[str] | None = None):
        self.path = directory / STATE_FILE
        self.records: dict[str, dict[str, Any]] = {}
        lines = 0
        if keys is not None and len(keys) <= FEW_KEYS and self.path.exists():
            data = self.path.read_bytes()
            for key in keys:
                rec = _last_line_of(data, key)
                if rec is not None:
                    self.records[key] = rec
            return
        if self.path.exists():
            with open(self.path, encoding="utf-8") as fh:
                for line in fh:
                    lines += 1
                    try:
                        rec = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a line cut by a kill: that key is analysed again
                    if isinstance(rec, dict) and isinstance(rec.get("key"), str):
                        self.records[rec["key"]] = rec
        if lines > 2 * len(self.records) + 1000:
            self.compact()

    def done(self, key: str) -> bool:
        """Analysed with this version; a file gone since the load is tried again."""
        r = self.records.get(key)
        if not r or r.get("v") != VERSION:
            return False
        if r.get("status") == "ok":
            return True
        return r.get("status") == "note" and not str(r.get("note", "")).startswith("gone")

    def append(self, recs: list[dict[str, Any]]) -> None:
        if not recs:
            return
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        for r in recs:
            self.records[r["key"]] = r

    def compact(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for r in self.records.values():
                os.write(fd, (json.dumps(r, ensure_ascii=False) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)


def language_of(reads: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The language of the lines read in one picture, with its CLDR countries; or None."""
    if not reads:
        return None
    g = detect_language([r["text"] for r in reads])
    if g is None:
        return None
    return {
        "code": g.code,
        "name": g.name,
        "confidence": round(float(g.confidence), 3),
        "countries": [[cc, round(float(sh), 4)] for cc, sh in g.countries],
    }


@dataclass
class Note:
    sha256: str
    file_name: str | None
    key: str
    note: str


@dataclass
class PassReport:
    load_id: str = ""
    files: int = 0  # files in scope
    already_done: int = 0
    analysed: int = 0  # keys analysed now (features extracted)
    resumed: int = 0  # keys whose features an interrupted pass had already saved
    scene_pairs: int = 0
    object_pairs: int = 0
    suggestions: int = 0
    notes: list[Note] = field(default_factory=list)
    links: dict[str, Any] | None = None
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "already_done": self.already_done,
            "analysed": self.analysed,
            "resumed": self.resumed,
            "same_scene_pairs": self.scene_pairs,
            "shared_object_pairs": self.object_pairs,
            "suggestions": self.suggestions,
            "notes": len(self.notes),
            "seconds": round(self.seconds, 2),
        }


@dataclass
class _Todo:
    sha256: str
    kind: str
    path: str
    file_name: str | None
    keys: list[str]
    times: list[int]
    again: bool  # analysed before with another version: old results go
