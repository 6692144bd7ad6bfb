"""Many small exhibits in one call: a manifest CSV of media folders.

Units receive exhibits one at a time, often a handful of pictures per case. Loading each
folder with its own ``cluegraph load media`` pays a fixed cost every time (interpreter and
worker-pool start, a link update). ``cluegraph load media --manifest FILE.csv`` loads
every folder the manifest lists with **one** pool of analysis workers (the path the world
loader takes for its case folders, :func:`load_folders`) and the CLI runs **one** link
update for all of them at the end (``graph.links.update_for_loads``).

Manifest columns: ``folder,case_id[,series_id]``; a relative folder is taken from the
manifest's own folder. Each folder is an ordinary media load (its own ``Load`` node and
report, idempotent). A bad manifest is refused as a whole, naming the file, line and
field, before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import neo4j

from loaders.base import FileRefused, LoadReport, open_csv, shown

COLUMNS = ("folder", "case_id", "series_id")
REQUIRED = ("folder", "case_id")

Say = Callable[[str], None]


@dataclass(frozen=True)
class Exhibit:
    folder: Path
    case_id: str
    series_id: str | None = None


def read_manifest(path: Path) -> list[Exhibit]:
    """The folders a manifest lists; raises :class:`FileRefused` naming the line and field."""
    path = Path(path)
    out: list[Exhibit] = []
    base = path.resolve().parent
    for line, row in open_csv(path):
        if "__header__" in row:
            cols = set(row["__header__"])
            missing = [c for c in REQUIRED if c not in cols]
            unknown = sorted(c for c in cols if c not in COLUMNS)
            if missing:
                raise FileRefused(f"{path.name}: missing column(s) {', '.join(missing)}")
            if unknown:
                raise FileRefused(f"{path.name}: unknown column(s) {', '.join(unknown)}")
            continue
        if "__bad__" in row:
            raise FileRefused(f"{path.name}: line {line}: {row['__bad__']}")
        folder = (row.get("folder") or "").strip()
        case = (row.get("case_id") or "").strip()
        series = (row.get("series_id") or "").strip() or None
        for name, value in (("folder", folder), ("case_id", case)):
            if not value:
                raise FileRefused(f"{path.name}: line {line}: field {name} is empty")
        p = Path(folder).expanduser()
        p = p if p.is_absolute() else base / p
        if not p.is_dir():
            raise FileRefused(
                f"{path.name}: line {line}: field folder: {shown(folder)} is not a folder"
            )
        out.append(Exhibit(p, case, series))
    if not out:
        raise FileRefused(f"{path.name}: no folder listed")
    return out


def load_folders(
    driver: neo4j.Driver | None,
    jobs: Sequence[tuple[Path, object]],
    *,
    workers: int | None = None,
    say: Say = lambda _m: None,
    progress: Callable[[int, int], None] | None = None,
) -> list[LoadReport]:
    """Load each ``(folder, MediaLoadOptions)`` with one pool of analysis workers: each
    started worker costs its imports and a warm-up analysis, paid once here instead of
    once per folder; when the folders hold at most
    :data:`~loaders.media_pool.INLINE_MAX_FILES` files together, none is started (they
    are analysed in this process). No link update (the caller runs one for all)."""
    from loaders.media import load_media
    from loaders.media_pool import DEFAULT_TIMEOUT, analysis_for

    reports: list[LoadReport] = []
    timeout = getattr(jobs[0][1], "timeout", DEFAULT_TIMEOUT) if jobs else DEFAULT_TIMEOUT
    # In this process when all the folders hold a few files together, else one pool sized
    # to them (never more workers than files).
    with analysis_for([f for f, _o in jobs], workers, timeout=timeout).start() as pool:
        for i, (folder, opts) in enumerate(jobs, 1):
            say(f"hashing media of {folder.name} ({i}/{len(jobs)})")
            reports.append(load_media(driver, folder, opts, pool=pool, progress=progress))  # type: ignore[arg-type]
    return reports


def load_manifest(
    driver: neo4j.Driver | None,
    manifest: Path,
    *,
    strict: bool = False,
    dry_run: bool = False,
    workers: int | None = None,
    batch_size: int | None = None,
    timeout: float | None = None,
    say: Say = lambda _m: None,
    progress: Callable[[int, int], None] | None = None,
) -> list[LoadReport]:
    """Load every folder of ``manifest`` (see the module's text); one report per folder."""
    from loaders.media import DEFAULT_BATCH, MediaLoadOptions
    from loaders.media_pool import DEFAULT_TIMEOUT

    exhibits = read_manifest(manifest)
    jobs = [
        (
            e.folder,
            MediaLoadOptions(
                case_id=e.case_id,
                series_id=e.series_id,
                strict=strict,
                dry_run=dry_run,
                workers=workers,
                batch_size=batch_size or DEFAULT_BATCH,
                timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
            ),
        )
        for e in exhibits
    ]
    return load_folders(driver, jobs, workers=workers, say=say, progress=progress)
