"""Named, parameterised leads: the questions analysts ask of the links.

``LEADS`` maps each lead's name to a :class:`Lead`: a one-line explanation, typed
parameters (:class:`Param`) and ``run(driver, **params) -> graph.db.Result``. The CLI
(``cluegraph leads NAME --format table|csv|json``) and the app both use exactly this;
result rows hold plain JSON values (str, int, float, bool, None, lists, dicts) under
snake_case keys.

Leads read the graph only, except ``triage`` with ``add_to_case``, which loads the given
files into that case through the media loader (and updates the links).

>>> sorted(LEADS)[:3]
['bridging-clues', 'camera-trail', 'clue-to-location']
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import neo4j

from graph import analysis, db, indexversion, names, neardup, queries, videomatch
from graph import clusters as stored_clusters
from graph.config import get_settings
from graph.errors import InvalidInput, NotFound
from graph.schema import LINK_KINDS

ParamType = Literal["str", "int", "float", "bool", "list[str]"]
PARAM_TYPES = ("str", "int", "float", "bool", "list[str]")

#: ``LIMIT`` used when a lead returns every row.
_NO_LIMIT = 1 << 62


def _shown(value: Any) -> str:
    """A value for an error message: quoted, cut short (a form field may hold 10k chars)."""
    s = repr(value if isinstance(value, str) else str(value))
    return s if len(s) <= 60 else s[:56] + "...'"


@dataclass(frozen=True)
class Param:
    """One parameter of a lead. ``default`` None with ``required`` False means optional."""

    name: str
    type: ParamType
    default: Any = None
    help: str = ""
    required: bool = False
    choices: tuple[str, ...] | None = None
    #: Bounds of an ``int`` or ``float`` (inclusive; None: none beyond 64-bit, finite).
    low: float | None = None
    high: float | None = None

    def coerce(self, value: Any) -> Any:
        """``value`` as this parameter's type (strings from forms and CLIs accepted).

        >>> Param("n", "int").coerce("3"), Param("x", "list[str]").coerce("a, b")
        (3, ['a', 'b'])
        """
        if value is None or (isinstance(value, str) and not value.strip() and self.type != "str"):
            return None
        v: Any
        try:
            if self.type == "str":
                v = str(value).strip()
                v = v or None
            elif self.type == "int":
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                v = int(value)
            elif self.type == "float":
                if isinstance(value, bool):
                    raise ValueError
                v = float(value)
            elif self.type == "bool":
                if isinstance(value, str):
                    low = value.strip().lower()
                    if low not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError
                    v = low in ("true", "1", "yes")
                else:
                    v = bool(value)
            else:
                if isinstance(value, str):
                    parts = value.replace("\n", ",").split(",")
                else:
                    parts = [str(x) for x in value]
                v = [p.strip() for p in parts if p and p.strip()]
        except (TypeError, ValueError, OverflowError):
            raise InvalidInput(f"{self.name}: {_shown(value)} is not a valid {self.type}") from None
        if self.type in ("int", "float") and v is not None:
            self._check_range(v)
        if self.choices and v is not None:
            bad = [x for x in (v if isinstance(v, list) else [v]) if x not in self.choices]
            if bad:
                raise InvalidInput(
                    f"{self.name}: {bad[0]!r} is not one of {', '.join(self.choices)}"
                )
        return v

    def _check_range(self, v: float) -> None:
        """Numbers must be finite, fit Neo4j's 64-bit integers, and lie within the bounds
        (a NaN resolution would never let Louvain finish; a negative sample would crash).

        >>> Param("seed", "int", low=0).coerce("-1")
        Traceback (most recent call last):
        graph.errors.InvalidInput: seed: -1 is below 0
        """
        if not db.INT_MIN <= v <= db.INT_MAX or not math.isfinite(v):
            raise InvalidInput(f"{self.name}: {_shown(v)} is out of range")
        if self.low is not None and v < self.low:
            raise InvalidInput(f"{self.name}: {v:g} is below {self.low:g}")
        if self.high is not None and v > self.high:
            raise InvalidInput(f"{self.name}: {v:g} is above {self.high:g}")


@dataclass(frozen=True)
class Lead:
    """A named lead: ``run(driver, **params)`` checks the parameters and runs it."""

    name: str
    explanation: str
    params: list[Param]
    func: Callable[..., db.Result] = field(repr=False)

    def bind(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Parameters coerced to their types, defaults filled in.

        Raises InvalidInput for an unknown or missing parameter or a bad value.
        """
        known = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise InvalidInput(
                f"lead {self.name} has no parameter {unknown[0]!r} "
                f"(it takes {', '.join(known) or 'none'})"
            )
        out = {}
        for p in self.params:
            v = p.coerce(params.get(p.name)) if p.name in params else None
            if v is None:
                if p.required:
                    raise InvalidInput(f"lead {self.name} needs {p.name}")
                v = list(p.default) if isinstance(p.default, list) else p.default
            out[p.name] = v
        return out

    def run(
        self, driver: neo4j.Driver, *, inject: Mapping[str, Any] | None = None, **params: Any
    ) -> db.Result:
        """Run with ``params`` checked by :meth:`bind`; ``inject`` hands collaborators from
        the layers above to the function as keywords (triage's ``files_with``): they are
        no parameters of the lead and never come from a form."""
        return self.func(driver, **self.bind(params), **(inject or {}))


# ----------------------------------------------------------------------------- helpers


def plain(v: Any) -> Any:
    """A Neo4j value as plain JSON (temporal values as ISO strings).

    >>> plain({"a": [1, dt.date(2024, 1, 2)]})
    {'a': [1, '2024-01-02']}
    """
    if v is None or isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, Mapping):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple | set):
        return [plain(x) for x in v]
    if hasattr(v, "iso_format"):
        return v.iso_format()
    if isinstance(v, dt.date | dt.datetime | dt.time):
        return v.isoformat()
    return str(v)


def _result(columns: list[str], rows: list[dict[str, Any]], **summary: Any) -> db.Result:
    clean = [{c: plain(r.get(c)) for c in columns} for r in rows]
    return db.Result(columns, clean, False, summary)


def _short_evidence(ev: Any) -> list[dict[str, Any]]:
    items = json.loads(ev) if isinstance(ev, str) else (ev or [])
    return [{"kind": e.get("kind"), "detail": e.get("detail")} for e in items]


def _limit(n: int | None) -> int:
    return _NO_LIMIT if n is None or n <= 0 else int(n)


def _series_exist(driver: neo4j.Driver, *ids: str) -> None:
    rows = db.records(driver, queries.lead_series_exist(), name="leads.series", ids=list(ids))
    missing = sorted(set(ids) - {r["id"] for r in rows})
    if missing:
        raise NotFound(f"no series {', '.join(map(repr, missing))}")


def _min_score(v: float | None) -> float:
    return get_settings().link_min_score if v is None else float(v)


# ----------------------------------------------------------------------------- leads

CROSS_COUNTRY_COLUMNS = [
    "series_a",
    "series_b",
    "countries_a",
    "countries_b",
    "score",
    "judgement",
    "kinds",
    "evidence",
]


def cross_country(
    driver: neo4j.Driver,
    min_score: float | None = None,
    limit: int | None = None,
    country: str | None = None,
    kind: str | None = None,
) -> db.Result:
    rows = db.records(
        driver,
        queries.lead_cross_country(),
        name="leads.cross_country",
        minScore=_min_score(min_score),
        country=country.upper() if country else None,
        kind=kind,
        limit=_limit(limit),
    )
    for r in rows:
        r["countries_a"] = sorted(r["countries_a"])
        r["countries_b"] = sorted(r["countries_b"])
        r["evidence"] = _short_evidence(r["evidence"])
    ms = _min_score(min_score)
    return _result(
        CROSS_COUNTRY_COLUMNS,
        rows,
        counted=f"{len(rows)} cross-country links scoring at least {ms:g} or confirmed, "
        "never rejected (the Overview's figure at the same score and without filters)",
    )


def identified_neighbour(
    driver: neo4j.Driver,
    min_score: float | None = None,
    cross_country_only: bool = False,
    limit: int | None = 200,
) -> db.Result:
    rows = db.records(
        driver,
        queries.lead_identified_neighbour(),
        name="leads.identified_neighbour",
        minScore=_min_score(min_score),
        crossCountryOnly=bool(cross_country_only),
        limit=_limit(limit),
    )
    cols = [
        "series",
        "series_countries",
        "neighbour",
        "neighbour_status",
        "neighbour_countries",
        "identified_victims",
        "score",
        "kinds",
        "cross_country",
        "judgement",
        "evidence",
    ]
    for r in rows:
        r["evidence"] = _short_evidence(r["evidence"])
        for k in ("series_countries", "neighbour_countries", "identified_victims"):
            r[k] = sorted(r[k])
    return _result(cols, rows)


def camera_trail(
    driver: neo4j.Driver, serial: str, make: str | None = None, model: str | None = None
) -> db.Result:
    def trail(suffix: str) -> list[dict[str, Any]]:
        return db.records(
            driver,
            queries.lead_camera_trail(),
            name="leads.camera_trail",
            serial=serial,
            make=make,
            model=model,
            idSuffix=suffix,
        )

    # Cameras whose id ends with the folded serial, through the text index; only when none
    # matches are all cameras read (an unknown serial, or one whose folding differs from
    # Cypher's lower case: the serial itself is still compared as before either way).
    rows = trail("|" + names.fold(serial)) or trail("")
    cols = [
        "camera",
        "make",
        "model",
        "serial",
        "series",
        "series_status",
        "countries",
        "agencies",
        "cases",
        "files",
        "first_captured",
        "last_captured",
    ]
    for r in rows:
        for k in ("countries", "agencies", "cases"):
            r[k] = sorted(r[k])
    countries = sorted({c for r in rows for c in r["countries"]})
    return _result(cols, rows, countries=countries, series=len({r["series"] for r in rows}))


def clue_to_location(
    driver: neo4j.Driver,
    country: str | None = None,
    clue_type: str | None = None,
    other_countries_only: bool = True,
    limit: int | None = 500,
) -> db.Result:
    rows = db.records(
        driver,
        queries.lead_clue_to_location(),
        name="leads.clue_to_location",
        country=country.upper() if country else None,
        clueType=clue_type,
        otherCountriesOnly=bool(other_countries_only),
        limit=_limit(limit),
    )
    cols = [
        "clue",
        "type",
        "label",
        "points_to",
        "place_country",
        "confidence",
        "series",
        "series_status",
        "series_countries",
    ]
    for r in rows:
        r["series_countries"] = sorted(r["series_countries"])
    return _result(cols, rows)


def bridging_clues(
    driver: neo4j.Driver,
    min_countries: int = 2,
    include_common: bool = False,
    kinds: list[str] | None = None,
    seed: int = 42,
    sample: int | None = None,
    limit: int | None = 25,
) -> db.Result:
    b = analysis.fetch_evidence_graph(
        driver, include_common=include_common, kinds=tuple(kinds or analysis.ITEM_KINDS)
    )
    rows = analysis.bridging_items(b, seed=seed, sample=sample, min_countries=min_countries)
    cols = [
        "item",
        "kind",
        "label",
        "series_count",
        "countries",
        "betweenness",
        "splits",
        "disconnects",
        "series",
    ]
    n = _limit(limit)
    return _result(cols, rows[:n], items=len(rows), truncated_at=n if len(rows) > n else None)


def clusters(
    driver: neo4j.Driver,
    min_score: float | None = None,
    min_countries: int = 2,
    level: str = "communities",
    seed: int = 42,
    resolution: float = 1.0,
    limit: int | None = 100,
) -> db.Result:
    ms = _min_score(min_score)
    cols = list(stored_clusters.COLUMNS)
    if level not in ("communities", "components"):
        raise InvalidInput(f"level must be 'communities' or 'components', not {level!r}")
    # Stored at every link rebuild or update for the default parameters (graph/clusters.py).
    found = stored_clusters.stored(
        driver,
        min_score=ms,
        seed=seed,
        resolution=resolution,
        level=level,
        min_countries=min_countries,
        limit=_limit(limit),
    )
    if found is not None:
        rows, size = found
        return _result(cols, rows, **size)
    g = analysis.fetch_series_graph(driver, ms)
    rows = analysis.clusters(
        g, seed=seed, resolution=resolution, min_countries=min_countries, level=level
    )
    return _result(
        cols, rows[: _limit(limit)], series=g.number_of_nodes(), links=g.number_of_edges()
    )


def duplicate_effort(
    driver: neo4j.Driver,
    min_agencies: int = 2,
    min_overlap: float = 0.5,
    limit: int | None = 500,
) -> db.Result:
    n = _limit(limit)
    shared = db.records(
        driver,
        queries.lead_duplicate_effort_shared(),
        name="leads.duplicate_effort.shared",
        minAgencies=max(2, int(min_agencies)),
        limit=n,
    )
    near = db.records(
        driver,
        queries.lead_duplicate_effort_overlap(),
        name="leads.duplicate_effort.overlap",
        minOverlap=float(min_overlap),
        limit=n,
    )
    cols = ["kind", "series", "other_series", "agencies", "countries", "cases", "overlap", "detail"]
    rows = shared + near
    for r in rows:
        for k in ("agencies", "countries", "cases"):
            r[k] = sorted(r[k])
    return _result(cols, rows[:n])


#: At most this many hops in a path (the bound of ``lead_path.cypher``'s pattern).
MAX_PATH_HOPS = 10
#: Seconds a path search may take before it is stopped with an error.
PATH_TIMEOUT = 20.0


def path(
    driver: neo4j.Driver,
    series_a: str,
    series_b: str,
    min_score: float | None = None,
    max_hops: int = MAX_PATH_HOPS,
) -> db.Result:
    """Cypher's shortest path over the stored links (no graph loaded per request)."""
    if series_a == series_b:
        raise InvalidInput("series_a and series_b are the same series")
    if not 1 <= int(max_hops) <= MAX_PATH_HOPS:
        raise InvalidInput(f"max_hops must be between 1 and {MAX_PATH_HOPS}, not {max_hops}")
    _series_exist(driver, series_a, series_b)
    ms = _min_score(min_score)
    res = db.read(
        driver,
        queries.lead_path(),
        name="leads.path",
        limit=0,
        timeout=PATH_TIMEOUT,
        a=series_a,
        b=series_b,
        minScore=ms,
        maxHops=int(max_hops),
    )
    rows = []
    for r in res.rows:
        ev = json.loads(r["evidence"]) if isinstance(r["evidence"], str) else r["evidence"]
        rows.append(
            {
                **r,
                "from_countries": sorted(r["from_countries"]),
                "to_countries": sorted(r["to_countries"]),
                "score": float(r["score"]),
                "kinds": list(r["kinds"]),
                "evidence": [{"kind": e.get("kind"), "detail": e.get("detail")} for e in ev or []],
            }
        )
    cols = [
        "hop",
        "from_series",
        "to_series",
        "from_countries",
        "to_countries",
        "score",
        "kinds",
        "cross_country",
        "judgement",
        "evidence",
    ]
    return _result(
        cols,
        rows,
        found=bool(rows),
        hops=len(rows),
        min_score=f"links scoring at least {ms:g} (the leads' default, "
        "CLUEGRAPH_LINK_MIN_SCORE; lower it with min_score to go through weaker links)",
    )


# ----------------------------------------------------------------------------- triage

TRIAGE_COLUMNS = [
    "input",
    "match",
    "method",
    "pdq_distance",
    "phash_distance",
    "sha256",
    "file_name",
    "series",
    "cases",
    "agencies",
    "countries",
    "hash_sets",
    "non_pertinent",
    "note",
    # video matches (graph/videomatch.py): the moment in the input and in the match (s),
    # the share of each one's sampled frames that match, and how many frames match
    "at_input",
    "at_match",
    "input_percent",
    "match_percent",
    "matched_frames",
]

_HASH_KINDS = {32: "md5", 40: "sha1", 64: "sha256", 16: "phash"}
_PREFIXES = ("md5", "sha1", "sha256", "pdq", "phash")


def parse_hash(text: str) -> tuple[str, str]:
    """``(kind, hex)`` of a hash typed by an analyst: by prefix (``pdq:...``) or length.

    A bare 64-digit value is a SHA-256 and also searched as a PDQ hash; 16 digits is a
    pHash. Raises InvalidInput for anything else.

    >>> parse_hash("PDQ:" + "A" * 64)[0], parse_hash("d41d8cd98f00b204e9800998ecf8427e")[0]
    ('pdq', 'md5')
    """
    t = text.strip().lower()
    kind = None
    if ":" in t:
        kind, t = (x.strip() for x in t.split(":", 1))
        if kind not in _PREFIXES:
            raise InvalidInput(f"hash {text!r}: unknown prefix {kind!r} ({', '.join(_PREFIXES)})")
    try:
        int(t, 16)
    except ValueError:
        raise InvalidInput(f"hash {text!r} is not hexadecimal") from None
    expected = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64, "phash": 16}
    if kind is None:
        kind = _HASH_KINDS.get(len(t))
        if kind is None:
            raise InvalidInput(
                f"hash {text!r}: {len(t)} hex digits is no MD5 (32), SHA-1 (40), "
                "SHA-256/PDQ (64) or pHash (16)"
            )
    elif len(t) != expected[kind]:
        raise InvalidInput(f"hash {text!r}: a {kind} has {expected[kind]} hex digits")
    return kind, t


@dataclass
class _Query:
    label: str
    exact: list[str] = field(default_factory=list)
    codes: neardup.MediaCodes | None = None
    phash_only: str | None = None
    note: str | None = None
    info: Any = None  # MediaInfo of a file, for add_to_case
    video: videomatch.VideoCodes | None = None  # sampled frames of a video file


def _expand_files(files: list[str]) -> list[Path]:
    out: list[Path] = []
    for f in files:
        p = Path(f).expanduser()
        if p.is_dir():
            for root, dirs, names in os.walk(p, followlinks=False):
                dirs.sort()
                for n in sorted(names):
                    q = Path(root) / n
                    if not q.is_symlink():
                        out.append(q)
        else:
            out.append(p)
    return out


@dataclass(frozen=True)
class FileTriage:
    """What triage needs from the layers above ``graph/`` (which never imports ``media/``
    or ``loaders/``): reading a dropped file, and loading files into a case. The caller
    hands it in: :data:`loaders.triage_files.FILE_TRIAGE`.

    ``read(path)`` gives ``(info, None)`` (a :class:`media.mediafile.MediaInfo`) or
    ``(None, note)`` for a file that is no image or video or cannot be read;
    ``add_to_case(driver, infos, case_id, series_id)`` loads the files with the media
    loader's writer and updates the links, and returns what it loaded.
    """

    read: Callable[[Path], tuple[Any, str | None]]
    add_to_case: Callable[[neo4j.Driver, list[Any], str, str | None], dict[str, Any]]


def _file_query(path: Path, min_quality: int, files_with: FileTriage) -> _Query:
    info, note = files_with.read(path)
    if info is None:
        return _Query(str(path), note=note)
    q = _Query(str(path), exact=[info.sha256, info.sha1, info.md5], info=info)
    h = info.hashes
    if h is None and info.video is not None:  # frames: graph/videomatch.py
        frames = videomatch.frames_of(info.video)
        q.video = videomatch.VideoCodes.of_frames(str(path), frames, min_quality)
        if not len(q.video):
            q.note = f"video: no sampled frame of PDQ quality >= {min_quality} for near matches"
    elif h is None:
        q.note = "video: exact hashes only"
    elif h.pdq_quality < min_quality:
        q.note = f"PDQ quality {h.pdq_quality} < {min_quality}: too flat for near matches"
    else:
        tq = h.pdq_trimmed_quality or 0
        q.codes = neardup.MediaCodes.of_query(
            str(path),
            pdq=h.pdq,
            variants=h.pdq_variants,
            trimmed=h.pdq_trimmed if tq >= min_quality else None,
            crops=h.pdq_crops,
            phash=h.phash,
        )
    return q


def _hash_query(text: str) -> _Query:
    kind, hx = parse_hash(text)
    q = _Query(text.strip())
    if kind in ("md5", "sha1", "sha256"):
        q.exact = [hx]
    if kind in ("sha256", "pdq"):
        q.codes = neardup.MediaCodes.of_query(text.strip(), pdq=hx)
    if kind == "phash":
        q.phash_only = hx
    return q


def _near(
    driver: neo4j.Driver, qs: list[_Query], near: bool
) -> tuple[
    dict[int, list[neardup.Match]],
    dict[int, list[videomatch.Match]],
    dict[int, list[tuple[str, int]]],
]:
    """Near matches of the queries through the in-memory indexes (image, video, pHash)."""
    near_hits: dict[int, list[neardup.Match]] = {}
    video_hits: dict[int, list[videomatch.Match]] = {}
    ph_hits: dict[int, list[tuple[str, int]]] = {}
    if near:
        with_codes = [(i, q.codes) for i, q in enumerate(qs) if q.codes is not None]
        if with_codes:
            found = neardup.search(driver, [c for _, c in with_codes])
            near_hits = {i: m for (i, _), m in zip(with_codes, found, strict=True)}
        vq = [(i, q.codes) for i, q in enumerate(qs) if q.codes is not None and q.codes.pdq]
        vv = [(i, q.video) for i, q in enumerate(qs) if q.video is not None and len(q.video)]
        if vq or vv:  # matches that involve a video (graph/videomatch.py)
            by_img, by_vid = videomatch.search(driver, [c for _, c in vq], [v for _, v in vv])
            for (i, _), ms in zip(vq + vv, by_img + by_vid, strict=True):
                video_hits.setdefault(i, []).extend(ms)
        only = [(i, q.phash_only) for i, q in enumerate(qs) if q.phash_only]
        if only:
            found2 = neardup.phash_candidates(driver, [p for _, p in only])
            ph_hits = {i: m for (i, _), m in zip(only, found2, strict=True)}
    return near_hits, video_hits, ph_hits


def triage(
    driver: neo4j.Driver,
    hashes: list[str] | None = None,
    files: list[str] | None = None,
    near: bool = True,
    add_to_case: str | None = None,
    series: str | None = None,
    *,
    files_with: FileTriage | None = None,
) -> db.Result:
    """Exact and near matches of ``hashes`` and ``files``; ``files`` need ``files_with``
    (how to read a file and load it into a case: the layers above hand it in)."""
    if not hashes and not files:
        raise InvalidInput("triage needs files or hashes")
    if add_to_case is None and series:
        raise InvalidInput("series is only used with add_to_case")
    if add_to_case and not files:
        raise InvalidInput("add_to_case loads files: give files, not only hashes")
    if files and files_with is None:
        raise InvalidInput(
            "triage of files needs the file reader (loaders.triage_files.FILE_TRIAGE): "
            "run it through the service layer or hand it in as files_with"
        )
    t = neardup.Thresholds.of()
    qs: list[_Query] = []
    if files and files_with is not None:
        qs = [_file_query(p, t.min_quality, files_with) for p in _expand_files(files)]
    qs += [_hash_query(h) for h in hashes or []]

    # Exact matches on any of SHA-256, SHA-1, MD5, with where they sit, and the media
    # indexes' version, in one round trip; the near searches below compare their indexes
    # with that version (indexversion.snapshot), not with one read each.
    wanted = sorted({h for q in qs for h in q.exact})
    exact: dict[str, list[tuple[str, str]]] = {}
    ctx: dict[str, dict[str, Any]] = {}
    known = db.records(driver, queries.lead_triage_known(), name="leads.triage", hashes=wanted)[0]
    for r in known["matches"]:
        exact.setdefault(r["hash"], []).append((r["sha256"], r["matchedOn"]))
        if r["sha256"]:
            ctx[r["sha256"]] = r
    with indexversion.snapshot((known["epoch"], known["version"])):
        near_hits, video_hits, ph_hits = _near(driver, qs, near)

    out: list[dict[str, Any]] = []
    for i, q in enumerate(qs):
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        for h in q.exact:
            for sha, on in exact.get(h, []):
                if sha in seen:
                    continue
                seen.add(sha)
                rows.append({"input": q.label, "match": "exact", "method": on, "sha256": sha})
        for m in near_hits.get(i, []):
            if m.b in seen:
                continue
            seen.add(m.b)
            rows.append(
                {
                    "input": q.label,
                    "match": "near",
                    "method": m.method,
                    "pdq_distance": m.pdq_distance,
                    "phash_distance": m.phash_distance,
                    "sha256": m.b,
                }
            )
        for vm in video_hits.get(i, []):
            if vm.b in seen:
                continue
            seen.add(vm.b)
            rows.append(
                {
                    "input": q.label,
                    "match": "near",
                    "method": vm.method,
                    "pdq_distance": vm.pdq_distance,
                    "sha256": vm.b,
                    "at_input": vm.at_a,
                    "at_match": vm.at_b,
                    "input_percent": vm.query_percent,
                    "match_percent": vm.target_percent,
                    "matched_frames": vm.matched_frames,
                }
            )
        for sha, d in ph_hits.get(i, []):
            rows.append(
                {
                    "input": q.label,
                    "match": "candidate",
                    "method": "phash",
                    "phash_distance": d,
                    "sha256": sha,
                    "note": "pHash only: unconfirmed until a PDQ check (give the file)",
                }
            )
        if not rows:
            rows.append({"input": q.label, "match": "none"})
        if q.note:
            for r in rows:
                r["note"] = r.get("note") or q.note
        out += rows

    shas = sorted({r["sha256"] for r in out if r.get("sha256")} - set(ctx))
    for k in range(0, len(shas), 5000):
        for r in db.records(
            driver,
            queries.lead_triage_context(),
            name="leads.triage.context",
            sha256s=shas[k : k + 5000],
        ):
            ctx[r["sha256"]] = r
    for r in out:
        c = ctx.get(r.get("sha256") or "")
        if c:
            r.update(
                file_name=c["fileName"],
                series=sorted(c["series"]),
                cases=sorted(c["cases"]),
                agencies=sorted(c["agencies"]),
                countries=sorted(c["countries"]),
                hash_sets=sorted(c["hashSets"]),
                non_pertinent=c["nonPertinent"],
            )
    summary: dict[str, Any] = {
        "inputs": len(qs),
        "exact": sum(1 for r in out if r["match"] == "exact"),
        "near": sum(1 for r in out if r["match"] == "near"),
        "countries": sorted({c for r in out for c in r.get("countries") or []}),
    }
    if add_to_case:
        assert files_with is not None  # add_to_case needs files, and files need it
        summary["loaded"] = _add_to_case(driver, qs, add_to_case, series, files_with)
    return _result(TRIAGE_COLUMNS, out, **summary)


def _add_to_case(
    driver: neo4j.Driver,
    qs: list[_Query],
    case_id: str,
    series_id: str | None,
    files_with: FileTriage,
) -> dict[str, Any]:
    """Load the analysed files into a case (and series): the checks here, the load by the
    media loader (``files_with.add_to_case``)."""
    infos = [q.info for q in qs if q.info is not None]
    if not infos:
        raise InvalidInput("add_to_case: none of the files could be analysed")
    found = db.records(driver, queries.case_exists(), name="leads.triage.case", id=case_id)
    if not found:
        raise NotFound(f"no case {case_id!r}")
    if series_id:
        _series_exist(driver, series_id)
    return files_with.add_to_case(driver, infos, case_id, series_id)


# ----------------------------------------------------------------------------- registry


def _p(name: str, type_: ParamType, default: Any = None, help: str = "", **kw: Any) -> Param:
    return Param(name, type_, default, help, **kw)


#: Random seeds: numpy's and networkx's generators take 0 to 2**32 - 1.
_SEED = {"low": 0, "high": 2**32 - 1}


def _registry() -> dict[str, Lead]:
    s = get_settings()
    min_score = _p(
        "min_score",
        "float",
        s.link_min_score,
        f"lowest link score (default {s.link_min_score}, CLUEGRAPH_LINK_MIN_SCORE)",
    )
    leads = [
        Lead(
            "cross-country",
            "Series of different countries linked by shared evidence, confirmed links first, "
            "then strongest; rejected links hidden.",
            [
                min_score,
                _p("limit", "int", None, "at most this many links (default: all)"),
                _p("country", "str", None, "only links with this country on either side"),
                _p(
                    "kind", "str", None, "only links with this kind of evidence", choices=LINK_KINDS
                ),
            ],
            cross_country,
        ),
        Lead(
            "triage",
            "Files or hashes in: exact and near matches already in the graph, with their "
            "series, cases, agencies and countries (writes nothing unless add_to_case).",
            [
                _p("hashes", "list[str]", [], "SHA-256, SHA-1, MD5, pdq:HEX or phash:HEX"),
                _p("files", "list[str]", [], "image or video files, or folders"),
                _p("near", "bool", True, "also search near-duplicates (PDQ, pHash)"),
                _p("add_to_case", "str", None, "load the files into this case afterwards"),
                _p("series", "str", None, "with add_to_case: the series the files belong to"),
            ],
            triage,
        ),
        Lead(
            "identified-neighbour",
            "Unidentified series linked to a series whose victim is identified: that "
            "agency may know the child, the place or the offender.",
            [
                min_score,
                _p("cross_country_only", "bool", False, "only cross-country links"),
                _p("limit", "int", 200, "at most this many rows"),
            ],
            identified_neighbour,
        ),
        Lead(
            "camera-trail",
            "Every series, country and agency holding files taken with one camera serial, "
            "with the time span of the captures.",
            [
                _p("serial", "str", None, "camera serial number", required=True),
                _p("make", "str", None, "camera make (optional)"),
                _p("model", "str", None, "camera model (optional)"),
            ],
            camera_trail,
        ),
        Lead(
            "clue-to-location",
            "Clues that point to a place, and the series showing them that are investigated "
            "in other countries than that place's.",
            [
                _p("country", "str", None, "only places in this country"),
                _p("clue_type", "str", None, "only clues of this type"),
                _p("other_countries_only", "bool", True, "hide series of the place's country"),
                _p("limit", "int", 500, "at most this many rows"),
            ],
            clue_to_location,
        ),
        Lead(
            "bridging-clues",
            "Clues, cameras, places and accounts that hold clusters of series together "
            "(betweenness in the series-evidence graph; splits > 1: removing it disconnects).",
            [
                _p("min_countries", "int", 2, "items whose series span this many countries"),
                _p("include_common", "bool", False, "keep clues/places on very many series"),
                _p("kinds", "list[str]", [], "item kinds", choices=analysis.ITEM_KINDS),
                _p("seed", "int", 42, "random seed of the sampled betweenness", **_SEED),
                _p("sample", "int", None, "sources sampled for betweenness (default: auto)", low=1),
                _p("limit", "int", 25, "at most this many items"),
            ],
            bridging_clues,
        ),
        Lead(
            "clusters",
            "Groups of linked series spanning several countries: connected components and "
            "their Louvain communities.",
            [
                min_score,
                _p("min_countries", "int", 2, "groups spanning at least this many countries"),
                _p(
                    "level",
                    "str",
                    "communities",
                    "communities or components",
                    choices=("communities", "components"),
                ),
                _p("seed", "int", 42, "random seed of Louvain", **_SEED),
                _p("resolution", "float", 1.0, "Louvain resolution (> 1: smaller groups)", low=0),
                _p("limit", "int", 100, "at most this many groups"),
            ],
            clusters,
        ),
        Lead(
            "duplicate-effort",
            "Series worked by several agencies, and near-identical series held by agencies "
            "that do not know of each other.",
            [
                _p("min_agencies", "int", 2, "series with cases of at least this many agencies"),
                _p("min_overlap", "float", 0.5, "share of files found in the other series"),
                _p("limit", "int", 500, "at most this many rows of each kind"),
            ],
            duplicate_effort,
        ),
        Lead(
            "path",
            "The shortest chain of links between two series, explained hop by hop "
            "(fewest hops, then strongest).",
            [
                _p("series_a", "str", None, "first series", required=True),
                _p("series_b", "str", None, "second series", required=True),
                min_score,
                _p(
                    "max_hops",
                    "int",
                    MAX_PATH_HOPS,
                    "at most this many links",
                    low=1,
                    high=MAX_PATH_HOPS,
                ),
            ],
            path,
        ),
    ]
    for lead in leads:
        for p in lead.params:
            assert p.type in PARAM_TYPES, (lead.name, p.name)
    return {lead.name: lead for lead in leads}


LEADS: dict[str, Lead] = _registry()


def get(name: str) -> Lead:
    """The lead called ``name``; NotFound names the leads there are."""
    try:
        return LEADS[name]
    except KeyError:
        raise NotFound(f"no lead {name!r}; leads: {', '.join(LEADS)}") from None


def run(driver: neo4j.Driver, name: str, **params: Any) -> db.Result:
    """Run lead ``name`` with ``params`` (coerced to the lead's types)."""
    return get(name).run(driver, **params)
