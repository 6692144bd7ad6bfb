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


def view_geometry(room_id: int, views: int) -> list[tuple]:
    """Per view of a room, the generator's camera (rotation matrix, horizontal field of view
    in degrees), recomputed from the view's seed as ``scene3d.view_jpeg`` draws it."""
    import math
    import random

    hard, prods = room_spec(room_id)
    room = scene3d.make_room(room_id, hard, prods)
    out = []
    for v in range(views):
        K, R, _ = scene3d._camera(room, random.Random(f"view:{room.id}:{v}"), (1280, 960))
        out.append((R, math.degrees(2 * math.atan(640 / K[0, 0]))))
    return out


def pair_geometry(ga: tuple, gb: tuple) -> tuple[float, float]:
    """Rotation angle between two views (degrees) and their zoom ratio (wider FOV tangent
    over narrower, >= 1)."""
    import math

    import numpy as np

    (ra, fa), (rb, fb) = ga, gb
    c = float(np.clip((np.trace(ra.T @ rb) - 1) / 2, -1, 1))
    ta, tb = math.tan(math.radians(fa) / 2), math.tan(math.radians(fb) / 2)
    return math.degrees(math.acos(c)), max(ta, tb) / min(ta, tb)


def shared_views(room_id: int, views: int) -> dict[tuple[int, int], float]:
    """Per pair of views of a room, the share of the frame (the smaller of the two) that
    shows the same surfaces of the room, unhidden in both, shared products left out
    (``scene3d.shared_view``): how much of the room a pair has in common to be matched on."""
    hard, prods = room_spec(room_id)
    return scene3d.shared_view(scene3d.make_room(room_id, hard, prods), list(range(views)))
