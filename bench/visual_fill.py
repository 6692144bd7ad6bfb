"""Fill the visual index under ``CLUEGRAPH_HOME`` with N pictures, for the benches.

    PYTHONPATH=TREE python bench/visual_fill.py N     (run with cwd TREE)

The index is written by the code first on the path (``PYTHONPATH``), so that a bench can
give an older tree an index in its own format. The generated rooms' views
(``bench/scene_data.py``, rooms 500-515, 64 pictures) are analysed and indexed under
their own keys (they train the vocabulary); the rest are synthetic keys, each carrying
the features of one of those views (so that verifying a candidate costs what it would)
and a word list drawn from the real views' word frequencies (as ``bench_retrieval.py``
does), so that posting lists have realistic lengths. The pass's state file gets a line per
picture, as the pass leaves it. None of these keys is a media of the graph. Only names
every version of the index has are used.
"""

from __future__ import annotations

import io
import json
import sys

import numpy as np


def fill(n: int, first_room: int = 500, rooms: int = 16) -> None:
    from bench.scene_data import dataset
    from loaders import visual
    from media.visual import index as index_mod
    from media.visual.features import extract, open_image

    visual.remove_index()
    with visual.index_lock():
        idx = visual.open_index()
        real = []
        for key, data, _truth in dataset(rooms, 4, first_room):
            im, w, h = open_image(io.BytesIO(data))
            idx.add(f"bench-{key}", extract(im, original_size=(w, h)))
            real.append(f"bench-{key}")
        idx.save()  # trains the vocabulary on the real views
        raw = [idx._raw(k) for k in real]
        words = np.concatenate([idx._words[k] for k in real])
        per = int(np.mean([len(idx._words[k]) for k in real]))
        drawn = np.random.default_rng(11).choice(words, size=per * max(0, n - len(real)))
        by_shard = getattr(idx, "_shard_keys", None)  # kept by versions from 2026-12-07
        for i in range(max(0, n - len(real))):
            key = f"synthetic-{i:07d}"
            idx._pending[key] = raw[i % len(raw)]  # shared bytes: memory stays small
            idx._where[key] = None
            idx._words[key] = drawn[i * per : (i + 1) * per].astype(np.int32)
            shard = index_mod._shard_of(key)
            if by_shard is not None:
                by_shard.setdefault(shard, set()).add(key)
            idx._dirty.add(shard)
        idx.save()
        # the pass's state file: a line per analysed picture, as the pass appends them
        # (every fifth with a line of text read)
        from loaders.visual_state import STATE_FILE, VERSION

        read = [{"text": "SALE 50% OFF", "conf": 91.0, "box": [10, 20, 200, 40]}]
        with open(idx.dir / STATE_FILE, "a", encoding="utf-8") as fh:
            for i, key in enumerate(idx.keys()):
                rec = {"key": key, "v": VERSION, "status": "ok", "note": None}
                fh.write(json.dumps({**rec, "reads": read if i % 5 == 0 else []}) + "\n")
        # a query, then a save, as the visual pass ends: the tree that keeps its inverted
        # file saves it now, as it would have after the pass that indexed these pictures
        idx.candidates(idx.get(real[0]), k=50)
        idx.save()
        print(f"visual index: {len(idx):,} pictures", flush=True)


if __name__ == "__main__":
    fill(int(sys.argv[1]))
