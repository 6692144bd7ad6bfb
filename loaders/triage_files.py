"""What triage needs from below the graph: reading a dropped file, loading files into a case.

``graph/`` never imports ``media/`` or ``loaders/``, so the ``triage`` lead
(:func:`graph.leads.triage`) is handed :data:`FILE_TRIAGE` by its caller (the service
layer, the app's Triage page). Reading a file is :func:`media.mediafile.analyse`;
"add to case" is the media loader's writer (:func:`loaders.media_write.write_media`) inside a
load of its own (``begin_load``/``finish_load``), then :func:`graph.links.after_write`,
the one "after a write, update the links".
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import neo4j

from graph import links
from graph.leads import FileTriage
from loaders import media_rows, media_write
from loaders.base import LoadReport, begin_load, finish_load, make_load_id, now_iso
from loaders.media import DEFAULT_BATCH
from media import mediafile, sniffing


def read(path: Path) -> tuple[mediafile.MediaInfo | None, str | None]:
    """``(info, None)`` for an image or video, ``(None, why)`` for anything else."""
    try:
        if path.is_file() and path.stat().st_size and sniffing.sniff(path) is None:
            return None, "not an image or video; skipped"
        return mediafile.analyse(path), None
    except mediafile.MediaError as e:
        return None, str(e)


def add_to_case(
    driver: neo4j.Driver,
    infos: list[mediafile.MediaInfo],
    case_id: str,
    series_id: str | None,
) -> dict[str, Any]:
    """Load the analysed files into ``case_id`` (and ``series_id``) as one media load."""
    digest = hashlib.sha256("\n".join(sorted(i.sha256 for i in infos)).encode()).hexdigest()
    report = LoadReport(kind="media", source="triage")
    report.started_at = now_iso()
    report.sha256 = digest
    report.load_id = make_load_id("media", digest, case=case_id, series=series_id)
    options = {"case": case_id, "series": series_id, "via": "triage"}
    loaded_at = begin_load(driver, report, options)
    params = {"loadId": report.load_id, "source": report.source, "loadedAt": loaded_at}
    rows = []
    for info in infos:
        d = asdict(info)
        d.pop("path", None)
        rows.append(
            media_rows.media_row(
                info.sha256,
                media_rows.media_props(d),
                case_id=case_id,
                series_id=series_id,
                path=os.path.abspath(info.path),
                file_name=info.file_name,
            )
        )
    media_rows.PlaceResolver().fill(rows)
    for k in range(0, len(rows), DEFAULT_BATCH):
        batch = rows[k : k + DEFAULT_BATCH]
        report.add_counters(media_write.write_media(driver, batch, params))
        report.read += len(batch)
        report.written += len(batch)
    report.finished_at = now_iso()
    finish_load(driver, report)
    links.after_write(driver, report=report)
    return {
        "load_id": report.load_id,
        "files": report.written,
        "case": case_id,
        "series": series_id,
    }


#: Hand this to :func:`graph.leads.triage` (``files_with``) or ``Lead.run(inject=...)``.
FILE_TRIAGE = FileTriage(read=read, add_to_case=add_to_case)
