"""Synthetic multi-country demo world for trainers, tests and benchmarks.

``generate_world(out, seed, size)`` writes a world in exactly the input formats of the
SPEC (CSV files, media folders with ``media.csv``, a VICS hash set) plus ``truth.json``
(the planted cross-country links, decoys and trainer scenario) and ``README.md``.
All imagery is drawn procedurally: rooms, furniture, posters, sockets, products; no people.
"""

from __future__ import annotations

from pathlib import Path

from .writer import Progress, WorldSummary

SIZE_NAMES = ("small", "medium", "large")

__all__ = ["SIZE_NAMES", "WorldSummary", "generate_world"]


def generate_world(
    out: Path,
    seed: int = 7,
    size: str = "small",
    *,
    media: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> WorldSummary:
    """Write a reproducible synthetic world into ``out`` and return what it holds.

    Parameters
    ----------
    out: folder to write; created, or a previous demo world in it is replaced.
    seed: the same seed gives byte-identical files.
    size: ``small`` (a few hundred images), ``medium`` (a few thousand images), ``large``
        (metadata only: ``media_records.csv`` with ``media`` rows, default 100 000), or
        ``tiny`` (for unit tests).
    media: number of media records of a ``large`` world.
    workers: processes that draw images (default: the number of CPUs, at most 8).
    progress: optional callback ``(stage, done, total)``.

    Raises
    ------
    ValueError: unknown size, or ``media`` given for a size other than large.
    FileExistsError: ``out`` is not empty and holds no demo world.
    """
    out = Path(out)
    if size == "large":
        from .large import generate_large

        return generate_large(out, seed, media if media is not None else 100_000, progress=progress)
    if media is not None:
        raise ValueError("--media applies to the large world only")
    from .writer import generate_small_or_medium

    return generate_small_or_medium(out, seed, size, workers=workers, progress=progress)
