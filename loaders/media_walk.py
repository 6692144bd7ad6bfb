"""The walk of a media folder: every regular file below it, with its series.

``os.scandir`` recursively, never following a symbolic link: a link whose target is inside
the folder is skipped (the target is reached directly), a link that leaves it, is broken,
or points back at a folder enclosing it is a per-file error. Folders are tracked by
(device, inode), so bind mounts cannot loop either. A ``media.csv`` (``file,series_id``)
maps files below its folder (paths relative to it) to series; the load's ``--series`` is
the default. ``media.csv`` itself is not media.

:func:`folder_digest` digests the set of (relative path, size, mtime) of every file: the
load id's content part. It is order-free (a sum of per-file digests), so the walk never
has to hold or sort the whole listing.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from loaders import fields
from loaders.base import FileRefused, InvalidRecord

MEDIA_CSV = "media.csv"


@dataclass
class FileEntry:
    rel: str
    path: str
    size: int
    mtime_ns: int
    series: str | None
    series_line: str = ""  # where the series came from, for error messages


@dataclass
class WalkError:
    rel: str
    message: str


@dataclass
class CsvEntry:
    """A ``media.csv`` met on the walk (part of the folder digest, never analysed)."""

    rel: str
    size: int
    mtime_ns: int
    series: set[str]


@dataclass
class _Frame:
    rel: str  # folder relative to the root ('' for the root)
    mapping: dict[str, tuple[str | None, int]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)


def _rel_join(base: str, name: str) -> str:
    return f"{base}/{name}" if base else name


def read_media_csv(path: Path, rel: str) -> tuple[dict[str, tuple[str | None, int]], list]:
    """``file -> (series_id or None if the line is invalid, line)`` and the line errors.

    Raises FileRefused for a file that cannot be read as a whole (encoding, header).
    """
    errors: list[InvalidRecord] = []
    mapping: dict[str, tuple[str | None, int]] = {}
    try:
        fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as e:
        raise FileRefused(f"{rel}: cannot open ({e.strerror})") from e
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
            if header is None:
                raise FileRefused(f"{rel}: empty file, a header row file,series_id is needed")
            names = [h.strip() for h in header]
            if "file" not in names or "series_id" not in names:
                raise FileRefused(f"{rel}: the header must have the columns file,series_id")
            unknown = [n for n in names if n not in ("file", "series_id")]
            if unknown:
                raise FileRefused(f"{rel}: unknown column(s) {', '.join(unknown)}")
            fi, si = names.index("file"), names.index("series_id")
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != len(names):
                    errors.append(
                        InvalidRecord(
                            f"has {len(row)} fields, the header has {len(names)}",
                            file=rel,
                            line=line,
                        )
                    )
                    continue
                raw_file = row[fi].strip().replace("\\", "/")
                norm = os.path.normpath(raw_file).replace(os.sep, "/") if raw_file else ""
                if not norm or norm.startswith("../") or norm == ".." or raw_file.startswith("/"):
                    errors.append(
                        InvalidRecord(
                            "a path relative to this folder is needed",
                            file=rel,
                            line=line,
                            field="file",
                        )
                    )
                    continue
                if norm in mapping:
                    errors.append(
                        InvalidRecord(
                            f"file listed twice (first on line {mapping[norm][1]})",
                            file=rel,
                            line=line,
                            field="file",
                        )
                    )
                    continue
                sid_raw = row[si].strip()
                if not sid_raw:
                    mapping[norm] = ("", line)  # explicit "no series": the default applies
                    continue
                try:
                    mapping[norm] = (fields.identifier(sid_raw), line)
                except ValueError as e:
                    errors.append(InvalidRecord(str(e), file=rel, line=line, field="series_id"))
                    mapping[norm] = (None, line)
        except UnicodeDecodeError as e:
            raise FileRefused(f"{rel}: not UTF-8; save it as UTF-8 and load again") from e
        except csv.Error as e:
            raise FileRefused(f"{rel} line {reader.line_num}: unreadable CSV ({e})") from e
    return mapping, errors


def walk(
    root: Path, default_series: str | None = None
) -> Iterator[FileEntry | WalkError | CsvEntry]:
    """Every regular file below ``root`` (streamed, never following links), with its series.

    Yields :class:`WalkError` for links that leave ``root``, are broken or loop, for
    unreadable folders, for bad ``media.csv`` lines and for ``media.csv`` entries that
    match no file. Raises :class:`FileRefused` for a ``media.csv`` that cannot be read.
    """
    root_real = os.path.realpath(root)
    visited: set[tuple[int, int]] = set()
    frames: list[_Frame] = []
    # Stack of ('enter', abs, rel) / ('leave', rel).
    stack: list[tuple[str, str, str]] = [("enter", root_real, "")]
    while stack:
        op, apath, rel = stack.pop()
        if op == "leave":
            frame = frames.pop() if frames and frames[-1].rel == rel else None
            if frame is not None:
                for name, (_sid, line) in sorted(frame.mapping.items(), key=lambda kv: kv[1][1]):
                    if name not in frame.used:
                        yield WalkError(
                            _rel_join(rel, MEDIA_CSV),
                            f"line {line}: {name!r} matches no file below this folder",
                        )
            continue
        try:
            st = os.stat(apath, follow_symlinks=False)
        except OSError as e:
            yield WalkError(rel or ".", f"folder cannot be read ({e.strerror})")
            continue
        key = (st.st_dev, st.st_ino)
        if key in visited:
            yield WalkError(rel or ".", "folder reached twice (bind mount loop); skipped")
            continue
        visited.add(key)
        stack.append(("leave", apath, rel))
        csv_path = os.path.join(apath, MEDIA_CSV)
        if os.path.isfile(csv_path) and not os.path.islink(csv_path):
            csv_rel = _rel_join(rel, MEDIA_CSV)
            mapping, errs = read_media_csv(Path(csv_path), csv_rel)
            for err in errs:
                where = f"line {err.line}" + (f", field {err.field}" if err.field else "")
                yield WalkError(csv_rel, f"{where}: {err.message}")
            frames.append(_Frame(rel, mapping))
            cst = os.stat(csv_path)
            yield CsvEntry(
                csv_rel, cst.st_size, cst.st_mtime_ns, {s for s, _ in mapping.values() if s}
            )
        subdirs: list[str] = []
        try:
            it = os.scandir(apath)
        except OSError as e:
            yield WalkError(rel or ".", f"folder cannot be listed ({e.strerror})")
            continue
        with it:
            for entry in it:
                name = entry.name
                erel = _rel_join(rel, name)
                try:
                    if entry.is_symlink():
                        err = _check_link(entry.path, root_real, apath)
                        if err:
                            yield WalkError(erel, err)
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        subdirs.append(name)
                        continue
                    if not entry.is_file(follow_symlinks=False):
                        continue  # sockets, fifos, devices: not files
                    if name == MEDIA_CSV:
                        continue
                    est = entry.stat(follow_symlinks=False)
                except OSError as e:
                    yield WalkError(erel, f"cannot be read ({e.strerror})")
                    continue
                series, where = _series_for(frames, erel, default_series)
                yield FileEntry(erel, entry.path, est.st_size, est.st_mtime_ns, series, where)
        for name in sorted(subdirs, reverse=True):
            stack.append(("enter", os.path.join(apath, name), _rel_join(rel, name)))


def _series_for(frames: list[_Frame], rel: str, default: str | None) -> tuple[str | None, str]:
    """Series of the file at ``rel``: the nearest media.csv that lists it, else the default.

    Returns ``(series, where)``; series is ``None`` with ``where`` set when the listing
    line is invalid (the file must then be skipped).
    """
    for fr in reversed(frames):
        sub = rel[len(fr.rel) + 1 :] if fr.rel else rel
        hit = fr.mapping.get(sub)
        if hit is not None:
            fr.used.add(sub)
            sid, line = hit
            where = f"{_rel_join(fr.rel, MEDIA_CSV)} line {line}"
            if sid is None:
                return None, where
            return (sid or default), where
    return default, ""


def _check_link(path: str, root_real: str, parent: str) -> str | None:
    """None for a link to be skipped quietly (its target inside the root is walked
    anyway); an error message for a link that leaves the root, is broken or loops."""
    try:
        target = os.path.realpath(path, strict=True)
    except OSError as e:
        if getattr(e, "errno", None) == 40 or "loop" in str(e).lower():
            return "symbolic link loop; not followed"
        return "broken symbolic link; not followed"
    try:
        inside = os.path.commonpath([root_real, target]) == root_real
    except ValueError:
        inside = False
    if not inside:
        return "symbolic link points outside the loaded folder; not followed"
    if os.path.isdir(target):
        parent_real = os.path.realpath(parent)
        if os.path.commonpath([target, parent_real]) == target:
            return "symbolic link loop (points to a folder that contains it); not followed"
    return None


def folder_digest(root: Path) -> tuple[str, int, set[str]]:
    """Order-free digest of (relative path, size, mtime) of every file the walk meets
    (media.csv included), the number of files to analyse, and the series ids named in
    media.csv files. Raises FileRefused for an unreadable media.csv."""
    acc = 0
    count = 0
    series: set[str] = set()
    for item in walk(root):
        if isinstance(item, WalkError):
            continue
        d = hashlib.sha256(f"{item.rel}\0{item.size}\0{item.mtime_ns}".encode()).digest()
        acc = (acc + int.from_bytes(d, "big")) % (1 << 256)
        if isinstance(item, CsvEntry):
            series |= item.series
        else:
            count += 1
    digest = hashlib.sha256(f"{count}\0{acc:064x}".encode()).hexdigest()
    return digest, count, series
