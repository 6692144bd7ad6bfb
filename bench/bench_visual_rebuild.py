"""The same-scene rebuild (``cluegraph analyse visual --rebuild``) against the way to
re-decide every pair before it: the visual pass from nothing (index removed), measured in
the same run on the same pictures and the same Neo4j.

    python bench/bench_visual_rebuild.py [--rooms 16] [--views 4] [--first 0] [--workers 2]
        [--reset-db]

Pictures: the scene bench's generated rooms (bench/scene_data.py; rooms ``first`` ..,
``views`` views each, 1280x960 JPEG), view ``v`` of every room in series ``BENCH-S<v>`` of
one case, loaded with ``load_media`` (untimed). Then, timed (wall, and the machine's busy
CPU seconds):

1. **pass from nothing**: :func:`loaders.visual.run_pass` on a removed index: features
   extracted again, every new picture verified against the pictures indexed before it;
2. **rebuild**: :func:`loaders.visual_rebuild.rebuild_pairs` on the index the pass left:
   features read back, every picture's candidates retrieved from the whole index, each
   pair verified once.

Both are scored against the rooms' truth (two views of one room are the same scene) and
against each other. Results in ``bench/results/visual_rebuild.md`` and ``.json``. Needs
an empty database (or ``--reset-db``: wiped before and after).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.bench_ingest import seed_world, wipe  # noqa: E402
from bench.scene_data import dataset  # noqa: E402


def cpu() -> float:
    """Busy CPU seconds of the whole machine (/proc/stat: every core, every process, the
    Neo4j server's and the pool's workers' included; the pool's workers are children of
    the forkserver, not of this process, so ``getrusage`` would miss them). On a quiet
    machine that is what the command costs; the load average says how quiet it was."""
    with open("/proc/stat") as fh:
        f = [int(x) for x in fh.readline().split()[1:]]
    idle = f[3] + (f[4] if len(f) > 4 else 0)
    return (sum(f[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def pairs(driver, rel: str) -> set[tuple[str, str]]:
    from graph import db

    rows = db.records(driver, f"MATCH (a:Media)-[:{rel}]->(b:Media) RETURN a.sha256 AS a, "
                      "b.sha256 AS b", name="bench.pairs")  # fmt: skip
    return {(r["a"], r["b"]) for r in rows}


def score(found: set[tuple[str, str]], room: dict[str, int]) -> dict[str, int]:
    true = sum(1 for a, b in found if room.get(a) == room.get(b))
    return {"pairs": len(found), "same_room": true, "different_rooms": len(found) - true}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rooms", type=int, default=16)
    ap.add_argument("--views", type=int, default=4)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reset-db", action="store_true", help="Wipe the configured database first.")
    a = ap.parse_args()

    from graph import db, links
    from loaders import visual
    from loaders.media import MediaLoadOptions, load_media
    from loaders.visual_rebuild import rebuild_pairs

    drv = db.get_driver()
    if a.reset_db:
        wipe()
    elif db.counts(drv)[0]:
        sys.exit("the database is not empty: pass --reset-db to wipe it")
    db.apply_schema(drv)
    visual.remove_index()
    seed_world(n_cases=1, n_series=a.views)
    room: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="cluegraph-bench-rebuild-") as tmp:
        for key, data, _truth in dataset(a.rooms, a.views, a.first):
            i, v = int(key[1:4]), int(key.split("v")[1])
            d = Path(tmp) / f"v{v}"
            d.mkdir(exist_ok=True)
            (d / f"{key}.jpg").write_bytes(data)
            room[hashlib.sha256(data).hexdigest()] = i
        for v in range(a.views):
            rep = load_media(
                drv,
                Path(tmp) / f"v{v}",
                MediaLoadOptions(case_id="BENCH-C0", series_id=f"BENCH-S{v}", workers=a.workers),
            )
            links.after_load(drv, rep)
        res: dict = {
            "command": "python bench/bench_visual_rebuild.py " + " ".join(sys.argv[1:]),
            "machine": common.machine(),
            "code": common.code_version(),
            "pictures": len(room),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        }
        c0, t0 = cpu(), time.perf_counter()
        passed = visual.run_pass(drv, workers=a.workers)
        res["pass"] = {"wall_s": time.perf_counter() - t0, "cpu_s": cpu() - c0}
        by_pass = {r: pairs(drv, r) for r in ("SAME_SCENE", "SHARES_OBJECT")}
        res["pass"].update({"analysed": passed.analysed, **score(by_pass["SAME_SCENE"], room)})
        c0, t0 = cpu(), time.perf_counter()
        rebuilt = rebuild_pairs(drv, workers=a.workers)
        res["rebuild"] = {"wall_s": time.perf_counter() - t0, "cpu_s": cpu() - c0}
        by_rebuild = {r: pairs(drv, r) for r in ("SAME_SCENE", "SHARES_OBJECT")}
        res["rebuild"].update(
            {
                "verified_pairs": rebuilt.verified,
                "removed": rebuilt.removed,
                **score(by_rebuild["SAME_SCENE"], room),
            }
        )
        res["same_scene_only_pass"] = len(by_pass["SAME_SCENE"] - by_rebuild["SAME_SCENE"])
        res["same_scene_only_rebuild"] = len(by_rebuild["SAME_SCENE"] - by_pass["SAME_SCENE"])
        res["shared_object"] = {
            "pass": len(by_pass["SHARES_OBJECT"]),
            "rebuild": len(by_rebuild["SHARES_OBJECT"]),
        }
        res["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    wipe()
    visual.remove_index()
    n = res["pictures"]
    p, r = res["pass"], res["rebuild"]
    md = "\n".join(
        [
            "# Same-scene rebuild against the pass from nothing",
            "",
            f"`{res['command']}`",
            "",
            f"{common.describe(res['machine'])}; {common.describe_code(res['code'])}; load "
            f"{res['load_average_at_start']} at the start, {res['load_average_at_end']} at the "
            f"end. {n} pictures ({a.rooms} rooms x {a.views} views), {a.workers} workers.",
            "",
            "| way | wall s | machine CPU s | CPU s a picture | same-scene pairs | same room "
            "| different rooms | shared objects |",
            "|---|---|---|---|---|---|---|---|",
            f"| pass from nothing (index removed) | {p['wall_s']:.1f} | {p['cpu_s']:.1f} | "
            f"{p['cpu_s'] / n:.3f} | {p['pairs']} | {p['same_room']} | {p['different_rooms']} | "
            f"{res['shared_object']['pass']} |",
            f"| **rebuild** (`analyse visual --rebuild`) | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | "
            f"{r['cpu_s'] / n:.3f} | {r['pairs']} | {r['same_room']} | {r['different_rooms']} | "
            f"{res['shared_object']['rebuild']} |",
            "",
            f"The rebuild verified {r['verified_pairs']} pairs ({r['verified_pairs'] / n:.1f} a "
            f"picture) and removed {r['removed']}; same-scene pairs only the pass found: "
            f"{res['same_scene_only_pass']}, only the rebuild: {res['same_scene_only_rebuild']}.",
        ]
    )
    common.save("visual_rebuild", res, md)
    print(md)


if __name__ == "__main__":
    main()
