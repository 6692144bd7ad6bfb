"""What the visual pass writes into the graph, one chunk of files at a time.

Only numbers and words go into Neo4j, never descriptors:

- ``(:Media)-[:SAME_SCENE {inliers, coverage, score, regions, method, explanation}]->
  (:Media)`` and ``(:Media)-[:SHARES_OBJECT {inliers, coverage, score, explanation}]->
  (:Media)``, one relationship per unordered pair of files, from the smaller sha256 to
  the larger (a clip's best frame counts; ``frameMsA``/``frameMsB`` say which); a pair
  that is the same scene is never also a shared object;
- ``(:Media)-[:SUGGESTS {source: 'ocr', confidence, box}]->(:Clue {type: 'text'})``
  for each line read (at most :data:`MAX_TEXT` per picture, at least
  :data:`MIN_TEXT_CHARS` letters or digits);
- ``(:Media)-[:SUGGESTS {source: 'language', confidence}]->(:Clue {type: 'language',
  value: <ISO 639-1>, label: <name>})-[:POINTS_TO {confidence: share}]->(:Country)``
  for the countries where CLDR gives the language a population share of at least
  ``visual_language_share`` (at most ``visual_language_countries``, most speakers first);
- ``(:Media)-[:SUGGESTS {source: 'object', confidence, box}]->(:Clue {type: 'object'})``
  when a saved object clue (a standing search) is seen in a new picture.

A suggestion an analyst rejected (``REJECTED_SUGGESTION``) or accepted (``SHOWS``) for
that file is never written again (checked in the query itself).
"""

from __future__ import annotations

from typing import Any

import neo4j

from graph import db, queries
from graph.clues import clue_id, normalise
from graph.config import Settings
from graph.names import country_name
from loaders.base import now_iso
from loaders.visual_state import (
    CLUE_PREFIX,
    VERSION,
    Note,
    PassReport,
    PassState,
    _Todo,
    language_of,
    media_key,
)
from media.visual.index import VisualIndex
from media.visual.match import MIN_OBJECT, SceneMatch, locate

MAX_TEXT = 10  # text suggestions per picture (the longest lines first)
MIN_TEXT_CHARS = 3  # a line with fewer letters or digits is not proposed
MAX_LABEL = 200


def object_score(n: int, query_points: int) -> float:
    """Confidence of a saved object seen with ``n`` verified points (as ``search_object``).

    >>> object_score(40, 200)
    0.667
    """
    return round(min(1.0, n / (n + 20) * min(1.0, n / max(8, query_points * 0.1))), 3)


def write_count(driver: neo4j.Driver, query: str, params: dict[str, Any], name: str) -> int:
    """One managed write transaction whose query returns one count; that count."""

    @neo4j.unit_of_work(metadata={"app": "cluegraph", "query": name})
    def work(tx: neo4j.ManagedTransaction) -> int:
        rec = tx.run(query, params).single()
        return int(rec[0] or 0) if rec else 0

    try:
        with driver.session(database=db.database()) as ses:
            return ses.execute_write(work)
    except Exception as e:
        raise db.translate(e, params) from e


PairRows = dict[tuple[str, str], dict[str, Any]]


def pair_rows(
    matches: list[SceneMatch], into: tuple[PairRows, PairRows] | None = None
) -> tuple[PairRows, PairRows]:
    """Verified matches as relationship rows by pair of files, same scenes and shared
    objects (``into``: rows to add to). A row goes from the smaller sha256 to the larger;
    the best match of two files (a clip's best frame) wins; a pair that is the same scene
    is not also a shared object."""
    scenes, objects = into if into is not None else ({}, {})
    for m in matches:
        sa, ma = media_key(m.key_a)
        sb, mb = media_key(m.key_b)
        if sa == sb:
            continue  # two frames of one clip
        if sb < sa:
            sa, sb, ma, mb = sb, sa, mb, ma
        row = {
            "a": sa,
            "b": sb,
            "inliers": int(m.inliers),
            "coverage": round(float(m.coverage), 4),
            "score": round(float(m.score), 4),
            "regions": len(m.regions_a),
            "method": m.method,
            "explanation": m.explanation,
            "frameMsA": ma,
            "frameMsB": mb,
        }
        target = scenes if m.kind == "same_scene" else objects
        cur = target.get((sa, sb))
        if cur is None or row["score"] > cur["score"]:
            target[(sa, sb)] = row
    for p in scenes:
        objects.pop(p, None)
    return scenes, objects


class Writer:
    """Writes the results of a chunk; holds the saved object clues for the whole pass."""

    def __init__(self, driver: neo4j.Driver, idx: VisualIndex, load_id: str, s: Settings):
        self.driver, self.idx, self.load_id, self.s = driver, idx, load_id, s
        rows = db.records(driver, queries.visual_object_clues(), name="visual.object_clues")
        self.standing = [
            (r["clueId"], idx.get(CLUE_PREFIX + r["clueId"]))
            for r in rows
            if CLUE_PREFIX + r["clueId"] in idx
        ]

    def _w(self, query: str, rows: list[dict[str, Any]], name: str, **params: Any) -> int:
        """Run an ``UNWIND $rows`` write in batches; the sum of its one returned count."""
        total = 0
        for i in range(0, len(rows), 1000):
            total += write_count(self.driver, query, {**params, "rows": rows[i : i + 1000]}, name)
        return total

    def write_chunk(
        self, part: list[_Todo], state: PassState, rep: PassReport, matches: list[SceneMatch]
    ) -> set[str]:
        """Write the chunk's pairs (``matches``: its verified scene matches, each pair once)
        and suggestions, mark its files done; the touched files."""
        at = now_iso()
        common = {"loadId": self.load_id, "at": at}
        again = [t.sha256 for t in part if t.again]
        touched: set[str] = set(again)
        if again:
            db.write(self.driver, queries.visual_clear_media(), sha256s=again, name="visual.clear")
        sugg: dict[tuple[str, str], dict[str, Any]] = {}
        langs: list[dict[str, Any]] = []
        done: list[dict[str, Any]] = []
        for t in part:
            notes: list[str] = []
            ok = 0
            for key in t.keys:
                rec = state.records.get(key)
                if rec is None or rec.get("v") != VERSION:
                    continue
                if rec["status"] == "note":
                    notes.append(rec["note"])
                    rep.notes.append(Note(t.sha256, t.file_name, key, rec["note"]))
                    continue
                ok += 1
                if self.standing:
                    self._objects(t.sha256, self.idx.get(key), sugg)
                self._text(t.sha256, rec, sugg, langs)
            if ok or not all(n.startswith("gone") for n in notes):
                done.append({"sha256": t.sha256, "note": "; ".join(sorted(set(notes))) or None})
        scenes, objects = pair_rows(matches)
        rep.scene_pairs += self.write_scenes(list(scenes.values()), at)
        rep.object_pairs += self.write_objects(list(objects.values()), at)
        rep.suggestions += self._w(
            queries.visual_write_suggestions(), list(sugg.values()), "visual.suggestions", **common
        )
        self._w(queries.visual_language_countries(), langs, "visual.language", **common)
        self._w(queries.visual_mark_done(), done, "visual.done", version=VERSION, at=at)
        for a, b in list(scenes) + list(objects):
            touched |= {a, b}
        return touched

    def write_scenes(self, rows: list[dict[str, Any]], at: str) -> int:
        """Same-scene pairs (:func:`pair_rows`); a shared object of the same files goes."""
        return self._w(
            queries.visual_write_scenes(),
            rows,
            "visual.scenes",
            version=VERSION,
            loadId=self.load_id,
            at=at,
        )

    def write_objects(self, rows: list[dict[str, Any]], at: str) -> int:
        """Shared-object pairs (:func:`pair_rows`), unless the files are the same scene."""
        return self._w(
            queries.visual_write_objects(),
            rows,
            "visual.objects",
            version=VERSION,
            loadId=self.load_id,
            at=at,
        )

    # ------------------------------------------------------------------ pieces

    def _objects(self, sha: str, feats: Any, sugg: dict) -> None:
        for cid, q in self.standing:
            n, box = locate(q, feats)
            if n >= MIN_OBJECT:
                self._suggest(
                    sugg,
                    sha,
                    cid,
                    "object",
                    None,
                    None,
                    "object",
                    object_score(n, len(q)),
                    list(box),
                )

    def _text(self, sha: str, rec: dict, sugg: dict, langs: list) -> None:
        reads = sorted(rec.get("reads") or [], key=lambda r: -len(r["text"]))
        kept = 0
        for r in reads:
            value = normalise(r["text"])
            if sum(ch.isalnum() for ch in value) < MIN_TEXT_CHARS:
                continue
            label = r["text"][:MAX_LABEL]
            self._suggest(
                sugg,
                sha,
                clue_id("text", label),
                "text",
                label,
                label,
                "ocr",
                r["confidence"],
                r["box"],
            )
            kept += 1
            if kept >= MAX_TEXT:
                break
        g = language_of(rec.get("reads") or [])
        if not g or g["confidence"] < self.s.visual_min_language_confidence:
            return
        cid = f"language:{g['code']}"
        self._suggest(
            sugg, sha, cid, "language", g["code"], g["name"], "language", g["confidence"], None
        )
        # In the detector's order (most speakers first), those where it is widely spoken.
        kept_c = [(cc, sh) for cc, sh in g["countries"] if sh >= self.s.visual_language_share]
        for cc, sh in kept_c[: self.s.visual_language_countries]:
            langs.append({"clueId": cid, "code": cc, "name": country_name(cc), "share": sh})

    @staticmethod
    def _suggest(
        sugg: dict,
        sha: str,
        cid: str,
        ctype: str,
        value: str | None,
        label: str | None,
        source: str,
        confidence: float,
        box: list[int] | None,
    ) -> None:
        row = {
            "sha256": sha,
            "clueId": cid,
            "type": ctype,
            "value": value,
            "label": label,
            "source": source,
            "confidence": round(float(confidence), 3),
            "box": box,
        }
        cur = sugg.get((sha, cid))
        if cur is None or row["confidence"] > cur["confidence"]:
            sugg[(sha, cid)] = row
