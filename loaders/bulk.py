"""``cluegraph load media-records FILE --bulk``: a first load into a store without media
through Neo4j's offline importer (``graph/bulkimport.py``).

The file is validated by the very loader of the normal path
(:class:`loaders.records.MediaRecordsLoader`, through :func:`loaders.base.run_csv`: the
same header checks, the same per-record errors naming file, line and field, the same
``--strict`` / ``--lenient`` / ``--dry-run``, the same ``Load`` node and load id). Only
pass 2 differs: instead of write transactions, each valid row becomes rows of the
importer's CSV files, exactly the nodes and relationships the normal path would create
(``media_create_new`` and the MERGEs before it): the ``Media`` with its properties and
provenance, ``HOLDS`` from its case, ``CONTAINS`` from its series, ``TAKEN_WITH`` a
``Camera`` (created once, unless the store has it), ``GEOTAGGED_AT`` a gazetteer
``Location`` (created once with its ``IN_COUNTRY`` and, if new, its ``Country``). Then
the store's present contents are carried into the same files, the importer replaces the
database, the server restarts with the schema, and the caller runs the link update a
normal load ends with.

A SHA-256 on several rows becomes one ``Media`` as on the normal path: its properties
merged in file order (a later row's value wins), one relationship per distinct case,
series and camera, and the place of its first row with GPS (the normal path keeps the
first per batch of 10,000 rows; a repeated file with differing GPS points is the only case
where the two can differ). Memory: the rows go to the files as they come; 8 bytes per
distinct SHA-256 (its first 64 bits) find the repeated ones, which alone are held.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j

from graph import db, queries
from graph.bulkimport import (
    BulkRefused,
    ImportFiles,
    ImportResult,
    carry_graph,
    check_target,
    import_full,
    node_id,
)
from graph.config import get_settings
from graph.errors import GraphError
from graph.schema import Label, Rel
from loaders.base import LoadReport, finish_load, now_iso, run_csv
from loaders.records import MediaRecordsLoader

_PLACE_KEYS = ("name", "admin1", "countryCode", "lat", "lon", "kind")


def _key(sha256: str) -> int:
    return int(sha256[:16], 16)


class BulkMediaRecordsLoader(MediaRecordsLoader):
    """:class:`MediaRecordsLoader` whose pass 2 writes the importer's files."""

    def __init__(self, files: ImportFiles) -> None:
        super().__init__()
        self.files = files
        self._seen: set[int] = set()
        self._repeated: set[int] = set()
        #: Locations the store holds that this load SETs (the normal path's MERGE ... SET).
        self.location_updates: dict[str, dict[str, Any]] = {}
        self.write_s = 0.0

    def validate(self, raw: dict[str, str], file: str, line: int) -> dict[str, Any]:
        row = super().validate(raw, file, line)
        k = _key(row["sha256"])
        if k in self._seen:
            self._repeated.add(k)
        else:
            self._seen.add(k)
        return row

    def write_batches(
        self,
        driver: neo4j.Driver,
        batches: Iterator[list[dict[str, Any]]],
        params: Mapping[str, Any],
        done: Callable[[int, Mapping[str, int]], None],
    ) -> None:
        t0 = time.perf_counter()
        w = _Writer(self.files, driver, params)
        held: dict[str, dict[str, Any]] = {}
        for batch in batches:
            for r in batch:
                if _key(r["sha256"]) in self._repeated:
                    _hold(held, r)
                else:
                    w.media(_state(r))
            done(len(batch), w.take_counters())
        for st in held.values():
            w.media(st)
        done(0, w.take_counters())
        self.location_updates = w.location_updates
        self.write_s = time.perf_counter() - t0

    def patch(self, nid: str, labels: tuple[str, ...], props: dict[str, Any]) -> dict[str, Any]:
        """The carried node's properties with this load's SETs on existing locations."""
        if Label.LOCATION.value not in labels:
            return props
        place = self.location_updates.get(nid)
        if place is None:
            return props
        out = dict(props)
        for k in _PLACE_KEYS:
            if place.get(k) is None:
                out.pop(k, None)
            else:
                out[k] = place[k]
        return out


def _state(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "sha256": r["sha256"],
        "props": r["props"],
        "path": r.get("path"),
        "fileName": r.get("fileName"),
        "cases": [r["caseId"]] if r.get("caseId") else [],
        "series": [r["seriesId"]] if r.get("seriesId") else [],
        "cameras": [r["camera"]] if r.get("camera") else [],
        "place": r.get("place"),
        "lat": r.get("lat"),
        "lon": r.get("lon"),
    }


def _hold(held: dict[str, dict[str, Any]], r: dict[str, Any]) -> None:
    """Merge a row of a repeated SHA-256 into its held state, as the MERGE path would."""
    cur = held.get(r["sha256"])
    if cur is None:
        held[r["sha256"]] = _state(r)
        return
    cur["props"] = {**cur["props"], **r["props"]}
    if r.get("path") is not None and (cur["path"] is None or r["path"] < cur["path"]):
        cur["path"], cur["fileName"] = r["path"], r.get("fileName")
    for key, value in (("cases", r.get("caseId")), ("series", r.get("seriesId"))):
        if value and value not in cur[key]:
            cur[key].append(value)
    cam = r.get("camera")
    if cam and all(c["id"] != cam["id"] for c in cur["cameras"]):
        cur["cameras"].append(cam)
    if r.get("place") and cur["place"] is None:
        cur["place"], cur["lat"], cur["lon"] = r["place"], r["lat"], r["lon"]


class _Writer:
    """The nodes and relationships the normal path creates for one media state."""

    def __init__(self, files: ImportFiles, driver: neo4j.Driver, params: Mapping[str, Any]):
        self.f = files
        self.prov = {
            "source": params["source"],
            "loadId": params["loadId"],
            "loadedAt": params["loadedAt"],
        }
        ex = db.records(driver, queries.bulk_existing_places(), name="bulk.existing")[0]
        self.cameras: set[str] = set(ex["cameras"])
        self.countries: set[str] = set(ex["countries"])
        self.stored_locations = {loc["id"]: set(loc["countries"]) for loc in ex["locations"]}
        self.new_locations: set[str] = set()
        self.location_updates: dict[str, dict[str, Any]] = {}
        self.nodes = self.rels = self.props = 0

    def take_counters(self) -> dict[str, int]:
        c = {
            "nodes_created": self.nodes,
            "relationships_created": self.rels,
            "properties_set": self.props,
        }
        self.nodes = self.rels = self.props = 0
        return c

    def _node(self, nid: str, label: Label, props: dict[str, Any]) -> None:
        props = {k: v for k, v in props.items() if v is not None}
        self.f.node(nid, (label.value,), props)
        self.nodes += 1
        self.props += len(props)

    def _rel(self, a: str, b: str, rel: Rel, props: dict[str, Any]) -> None:
        self.f.rel(a, b, rel.value, props)
        self.rels += 1
        self.props += len(props)

    def media(self, st: dict[str, Any]) -> None:
        prov = self.prov
        props = {**st["props"], "sha256": st["sha256"], **prov}
        if st["path"] is not None:
            props["path"], props["fileName"] = st["path"], st["fileName"]
        mid = node_id(Label.MEDIA.value, st["sha256"])
        self._node(mid, Label.MEDIA, props)
        for cid in st["cases"]:
            self._rel(node_id(Label.CASE.value, cid), mid, Rel.HOLDS, prov)
        for sid in st["series"]:
            self._rel(node_id(Label.SERIES.value, sid), mid, Rel.CONTAINS, prov)
        for cam in st["cameras"]:
            cam_id = node_id(Label.CAMERA.value, cam["id"])
            if cam["id"] not in self.cameras:
                self.cameras.add(cam["id"])
                self._node(
                    cam_id,
                    Label.CAMERA,
                    {
                        "id": cam["id"],
                        "make": cam.get("make"),
                        "model": cam.get("model"),
                        "serial": cam.get("serial"),
                        **prov,
                    },
                )
            self._rel(mid, cam_id, Rel.TAKEN_WITH, prov)
        place = st["place"]
        if place:
            loc_id = node_id(Label.LOCATION.value, place["id"])
            self._place(loc_id, place)
            self._rel(mid, loc_id, Rel.GEOTAGGED_AT, {"lat": st["lat"], "lon": st["lon"], **prov})

    def _place(self, loc_id: str, place: dict[str, Any]) -> None:
        """The place MERGE of the media writes (graph/queries/media_place.cypher) for one place."""
        pid, cc = place["id"], place["countryCode"]
        if pid in self.new_locations:
            return
        stored = self.stored_locations.get(pid)
        if stored is None:
            self.new_locations.add(pid)
            self._node(
                loc_id,
                Label.LOCATION,
                {"id": pid, **{k: place.get(k) for k in _PLACE_KEYS}, **self.prov},
            )
        else:
            self.location_updates[loc_id] = place
            if cc in stored:
                return
            stored.add(cc)
        if cc not in self.countries:
            self.countries.add(cc)
            self._node(
                node_id(Label.COUNTRY.value, cc),
                Label.COUNTRY,
                {"code": cc, "name": place.get("countryName"), **self.prov},
            )
        self._rel(loc_id, node_id(Label.COUNTRY.value, cc), Rel.IN_COUNTRY, self.prov)


@dataclass
class BulkTimes:
    """Where a bulk load spent its time (seconds)."""

    validate_and_files_s: float = 0.0
    files_s: float = 0.0
    carry_s: float = 0.0
    carried_nodes: int = 0
    carried_relationships: int = 0
    importer: ImportResult | None = None
    total_s: float = 0.0


def load_media_records_bulk(
    path: Path,
    *,
    strict: bool = False,
    lenient: bool = False,
    dry_run: bool = False,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    echo: Callable[[str], None] = lambda _m: None,
    times: BulkTimes | None = None,
) -> LoadReport:
    """Load a media-records CSV into a store without media through the importer. Never
    raises for bad input or a store it cannot take: the report says (``refused``)."""
    path = Path(path)
    settings = get_settings()
    times = times if times is not None else BulkTimes()
    t0 = time.perf_counter()

    def refused(msg: str) -> LoadReport:
        rep = LoadReport(kind=MediaRecordsLoader.kind, source=path.name, dry_run=dry_run)
        rep.refused, rep.refusal = True, msg
        rep.started_at = rep.finished_at = now_iso()
        return rep

    try:
        driver = None if settings.remote else db.get_driver()
        check_target(driver, settings)
        assert driver is not None
        db.apply_schema(driver)
    except (BulkRefused, GraphError) as e:
        return refused(str(e))
    work = Path(tempfile.mkdtemp(prefix="bulk-", dir=settings.home))
    try:
        files = ImportFiles(work / "csv")
        loader = BulkMediaRecordsLoader(files)
        report = run_csv(
            driver,
            loader,
            path,
            strict=strict,
            lenient=lenient,
            dry_run=dry_run,
            batch_size=batch_size or settings.batch_size,
            progress=progress,
        )
        times.validate_and_files_s = time.perf_counter() - t0
        times.files_s = loader.write_s
        if report.refused or dry_run or not report.written:
            files.close()
            return report
        try:
            t1 = time.perf_counter()
            times.carried_nodes, times.carried_relationships = carry_graph(
                driver, files, patch=loader.patch
            )
            times.carry_s = time.perf_counter() - t1
            echo(
                f"{files.nodes:,} nodes and {files.relationships:,} relationships in "
                f"{len(files.arguments())} files; importing"
            )
            times.importer = import_full(files, settings, echo=echo)
        except GraphError as e:
            report.refused = True
            report.refusal = f"the bulk import failed, nothing loaded: {e}"
            report.skipped, report.written, report.counters = report.read, 0, {}
            report.finished_at = now_iso()
            finish_load(db.get_driver(settings), report)
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)
        times.total_s = time.perf_counter() - t0
