"""Does the retrieval score floor change the visual pass's same-scene results?

    python bench/check_verify_floor.py [--rooms 16] [--first 0] [--chunk 16]

The pass's candidate selection (``VisualIndex.candidates``, the best 50, and the floor of
``VisualIndex.scene_candidates``) on bench_scene rooms, added in chunks as the pass adds
them (the vocabulary is trained once the index holds ``VOCAB_MIN`` pictures); every pair
any selection proposes is verified with ``compare``. Prints the pairs verified with and
without the floor and the same-scene links / shared objects each keeps (none may be lost).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scene_data import dataset  # noqa: E402
from media.visual import index as index_mod  # noqa: E402
from media.visual.features import extract, open_image  # noqa: E402
from media.visual.index import VisualIndex  # noqa: E402
from media.visual.match import compare  # noqa: E402


def main() -> None:
    import cv2

    ap = argparse.ArgumentParser()
    ap.add_argument("--rooms", type=int, default=16)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--chunk", type=int, default=16)
    a = ap.parse_args()
    cv2.setNumThreads(1)
    feats = {}
    for k, b, _ in dataset(a.rooms, 4, a.first):
        im, w, h = open_image(io.BytesIO(b))
        feats[k] = extract(im, original_size=(w, h))
    keys = sorted(feats)
    idx = VisualIndex.open(Path(tempfile.mkdtemp(prefix="cluegraph-floor-")))
    with_floor: set[tuple[str, str]] = set()
    without: set[tuple[str, str]] = set()
    for i in range(0, len(keys), a.chunk):
        for k in keys[i : i + a.chunk]:
            idx.add(k, feats[k])
        idx.save()
        floor = index_mod.MIN_VERIFY_TFIDF if idx.vocab is not None else index_mod.MIN_VERIFY_BRUTE
        for k in keys[i : i + a.chunk]:
            for o, s in idx.candidates(feats[k], k=51):
                if o == k:
                    continue
                p = (min(k, o), max(k, o))
                without.add(p)
                if s >= floor:
                    with_floor.add(p)
    print("pairs verified: without floor", len(without), "with floor", len(with_floor))
    res = {}
    for p in sorted(without):
        m = compare(feats[p[0]], feats[p[1]], p[0], p[1])
        res[p] = m.kind if m else None
    links = {p for p, k in res.items() if k == "same_scene"}
    objs = {p for p, k in res.items() if k == "shared_object"}
    print(
        "same_scene links: without floor",
        len(links),
        "with floor",
        len(links & with_floor),
        "lost",
        sorted(links - with_floor),
    )
    print("shared_object: without floor", len(objs), "with floor", len(objs & with_floor))


if __name__ == "__main__":
    main()
