"""The generated multi-view room set shared by bench_scene.py and bench_object.py.

Rooms ``2j`` and ``2j+1`` share one mass-market product (poster, bed cover or wallpaper
roll, in turn); every third room is a hard one (plain or striped walls, plain furniture).
JPEG bytes are cached under ``/tmp/cluegraph-scene-bench`` (derived data, regenerated
when missing) so that reruns spend their time on the matching.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loaders.demo import scene3d  # noqa: E402

KINDS = ("poster", "cover", "wallpaper")
CACHE = Path("/tmp/cluegraph-scene-bench")


def room_spec(i: int) -> tuple[bool, dict[str, int]]:
    j = i // 2
    return i % 3 == 2, {KINDS[j % 3]: 1000 + j}


def dataset(rooms: int, views: int, first: int = 0) -> list[tuple[str, bytes, dict]]:
    """[(key, jpeg bytes, truth)] for rooms ``first`` .. ``first + rooms - 1``, each seen
    ``views`` times (the bench uses rooms from 0; thresholds were tuned on rooms from 500)."""
    src = (ROOT / "loaders/demo/scene3d.py").read_bytes()
    tag = hashlib.sha256(src + f"{first}:{rooms}:{views}".encode()).hexdigest()[:12]
    d = CACHE / tag
    out = []
    d.mkdir(parents=True, exist_ok=True)
    for i in range(first, first + rooms):
        hard, prods = room_spec(i)
        room = None
        for v in range(views):
            key = f"r{i:03d}v{v}"
            p, t = d / f"{key}.jpg", d / f"{key}.json"
            if p.exists() and t.exists():
                out.append((key, p.read_bytes(), json.loads(t.read_text())))
                continue
            room = room or scene3d.make_room(i, hard, prods)
            data, truth = scene3d.view_jpeg(room, v)
            p.write_bytes(data)
            t.write_text(json.dumps(truth))
            out.append((key, data, truth))
    return out
