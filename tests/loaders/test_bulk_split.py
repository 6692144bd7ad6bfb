"""The parts of a CSV file that ``load media-records --bulk`` validates in parallel
(:func:`loaders.bulk.split_records`) hold exactly the file's records, each once, with
the line numbers the whole-file reader gives, even where a quoted field holds line ends."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from loaders.base import open_csv
from loaders.bulk import _part_rows, split_records


def _write(path: Path, rows: int, seed: int) -> None:
    rnd = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["a", "b", "c"])
        for i in range(rows):
            kind = rnd.random()
            if kind < 0.1:
                b = f'two\nlines "quoted" {i}\n'  # line ends and quotes inside a field
            elif kind < 0.15:
                b = ""
            else:
                b = f"v{i}"
            w.writerow([str(i), b, "x" * rnd.randint(0, 40)])
            if kind > 0.97:
                fh.write("\n")  # a blank line, skipped by both readers
            if kind > 0.99:
                fh.write("1,2\n")  # a row of the wrong width


def test_parts_read_as_the_whole_file(tmp_path):
    path = tmp_path / "f.csv"
    _write(path, 3000, seed=3)
    whole = list(open_csv(path))
    names = whole[0][1]["__header__"]
    want = [(line, raw) for line, raw in whole[1:]]
    for n_parts, least in ((1, 1 << 20), (7, 1), (64, 512)):
        parts = split_records(path, n_parts, least)
        assert len(parts) == n_parts if least < 1000 else len(parts) == 1
        assert parts[0].start > 0 and parts[-1].end == path.stat().st_size
        assert all(a.end == b.start for a, b in zip(parts, parts[1:], strict=False))
        got = []
        for p in parts:
            for line, raw, bad in _part_rows(path, p, names):
                got.append((line, raw if raw is not None else {"__bad__": bad}))
        assert got == want


def test_header_only_and_empty(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("a,b\n", encoding="utf-8")
    assert split_records(path, 4, 1) == []
    empty = tmp_path / "e.csv"
    empty.write_text("", encoding="utf-8")
    assert split_records(empty, 4, 1) == []
