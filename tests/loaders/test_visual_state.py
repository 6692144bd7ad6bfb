"""The visual pass's state file read for a few keys gives what reading it whole gives."""

from __future__ import annotations

import json
from pathlib import Path

from loaders.visual_state import FEW_KEYS, STATE_FILE, VERSION, PassState


def _write(d: Path, recs: list[dict], tail: bytes = b"") -> None:
    PassState(d).append(recs)
    if tail:
        with open(d / STATE_FILE, "ab") as fh:
            fh.write(tail)


def test_a_few_keys_are_found_as_reading_everything_finds_them(tmp_path: Path) -> None:
    odd = 'clue:"quoted" \\ key é'
    recs = [
        {"key": f"k{i}", "v": VERSION, "status": "ok", "note": None, "reads": []} for i in range(50)
    ]
    recs += [
        {"key": "k7", "v": VERSION, "status": "note", "note": "gone: moved", "reads": []},  # later
        {"key": odd, "v": VERSION, "status": "ok", "note": None, "reads": []},
        # another picture whose text read looks like a record of k9: not a record of k9
        {
            "key": "k20",
            "v": VERSION,
            "status": "ok",
            "note": None,
            "reads": [{"text": '{"key": "k9", "v": 1}'}],
        },  # fmt: skip
    ]
    _write(tmp_path, recs)
    _write(tmp_path, [{"key": "k3", "v": VERSION, "status": "note", "note": "x", "reads": []}])
    # a line cut by a kill, for k4: the line before it stands
    _write(tmp_path, [], b'{"key": "k4", "v": 1, "status": "ok", "no')
    whole = PassState(tmp_path)
    wanted = ["k3", "k4", "k7", "k9", "k20", odd, "absent"]
    few = PassState(tmp_path, keys=wanted)
    for k in wanted:
        assert few.records.get(k) == whole.records.get(k), k
    assert few.records["k7"]["note"] == "gone: moved" and "absent" not in few.records
    assert few.done("k9") and not few.done("k7") and not few.done("absent")
    # more keys than FEW_KEYS: the file is read whole, as before
    many = PassState(tmp_path, keys=[f"k{i}" for i in range(FEW_KEYS + 1)])
    assert many.records == whole.records
    assert json.loads((tmp_path / STATE_FILE).read_text().splitlines()[0])["key"] == "k0"
