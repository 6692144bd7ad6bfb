"""App pages: first-render time of each Streamlit page on a large world.

    python bench/bench_app.py [--media 100000] [--quick] [--seed 7] [--reset-db]

Generates the ``large`` synthetic world with ``--media`` media records (metadata only,
kept under ``CLUEGRAPH_HOME/demo-world/large-<N>``), loads it into an EMPTY database
through the real loaders, rebuilds the links and marks the world loaded; a database
already marked as holding that world (by ``bench_scale.py``, ``bench_load.py`` or an
earlier run) is reused; any other non-empty database is refused unless ``--reset-db``,
which deletes everything, audit trail included. Then, for each page of
``app/main.py``, with a logged-in admin session in ``streamlit.testing.v1.AppTest``:
the first render (Streamlit's data caches cleared just before), a second, warm render
(same script run again, caches kept), and the ``graph.pages`` calls the page makes, timed
alone. ``--quick`` is 20 000 media. Prints a Markdown table and saves
``bench/results/app.json`` and ``app.md``. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.common import machine  # noqa: E402
from graph import db  # noqa: E402
from graph.config import get_settings, reset_settings  # noqa: E402

MAIN = ROOT / "app" / "main.py"
QUICK_MEDIA = 20_000


def world_dir(home: Path, media: int) -> Path:
    return Path(home) / "demo-world" / f"large-{media}"


def ensure_world(media: int, seed: int = 7, say: Callable[[str], None] = print) -> Path:
    """The large world with ``media`` records, generated once (``truth.json`` marks it done)."""
    from loaders.demo import generate_world

    world = world_dir(get_settings().home, media)
    if not (world / "truth.json").is_file():
        world.parent.mkdir(parents=True, exist_ok=True)
        say(f"- generating the large world ({media} media) into {world}")
        t0 = time.perf_counter()
        generate_world(world, seed=seed, size="large", media=media)
        say(f"- generated in {time.perf_counter() - t0:.1f} s")
    return world


def world_key(target: str | int) -> str:
    """The name a loaded world is marked with: ``medium`` or ``large-N``."""
    return target if isinstance(target, str) else f"large-{target}"


def mark_world(drv, target: str | int, seed: int, res, links_summary: dict | None) -> None:
    """Record that the world ``target`` is loaded and linked (the demo's ``Load`` mark),
    so that the next benchmark can reuse it instead of loading it again."""
    import json

    from loaders.base import now_iso
    from loaders.world import DEMO_MARK

    db.write(
        drv,
        DEMO_MARK,
        {
            "id": f"world-{world_key(target)}-{seed}",
            "source": world_key(target),
            "status": "done",
            "at": now_iso(),
            "errors": res.errors,
            "links": json.dumps(links_summary or {}),
        },
        name="bench.mark_world",
    )


#: From this many media on, a large world's records go in through the offline importer
#: (``load media-records --bulk``) when the store is empty: 1M records in ~8 min instead
#: of ~25 min through Bolt (docs/scaling.md). The graph is the same (tested in
#: tests/loaders/test_records_bulk.py).
BULK_FROM = 500_000


def load_large_bulk(drv, world: Path, say: Callable[[str], None]):
    """A large world into an empty local store: cases and series through Bolt, the media
    records through ``load media-records --bulk`` (stops and restarts the server), then
    victims, accounts, clues and hash sets through Bolt. Links are not rebuilt here.
    Returns a :class:`loaders.world.WorldLoad` (the driver is a new one afterwards:
    ``db.get_driver()``)."""
    from loaders.base import run_csv
    from loaders.bulk import load_media_records_bulk
    from loaders.world import BEFORE_MEDIA, WorldLoad

    db.apply_schema(drv)
    out = WorldLoad()
    for name, cls in BEFORE_MEDIA:
        say(f"loading {name}")
        out.reports.append(run_csv(drv, cls(), world / name))
    say("loading media_records.csv with the offline importer (--bulk)")
    t0 = time.perf_counter()
    rep = load_media_records_bulk(world / "media_records.csv", echo=say)
    say(f"bulk import: {time.perf_counter() - t0:.0f} s, {rep.written} records")
    out.reports.append(rep)
    # the importer restarted the server and closed the old driver
    load_after_records(db.get_driver(), world, out, say)
    return out


def load_after_records(drv, world: Path, out, say: Callable[[str], None]) -> None:
    """What a large world holds beside its cases, series and media records: victims,
    accounts, clues and hash sets, through Bolt (reports appended to ``out.reports``)."""
    from loaders.base import run_csv
    from loaders.vics import load_vics
    from loaders.world import AFTER_MEDIA

    for name, cls in AFTER_MEDIA:
        if name != "media_records.csv" and (world / name).is_file():
            say(f"loading {name}")
            out.reports.append(run_csv(drv, cls(), world / name))
    hs = world / "hashsets"
    for f in sorted(hs.glob("*.json")) if hs.is_dir() else []:
        say(f"loading hash set {f.name}")
        out.reports.append(load_vics(drv, f, f.stem))


def load_if_empty(drv, target: str | int, seed: int = 7, *, reset: bool = False) -> dict:
    """Make the database hold the world ``target`` (``"medium"`` or a large world's
    number of media), loaded through the real loaders with its links rebuilt.

    A database already marked as holding it is used as it is. Otherwise it must be empty,
    or ``reset`` deletes everything first; anything else is refused
    (``{"refused": ...}``): a benchmark never measures some other graph by mistake.
    A large world of :data:`BULK_FROM` media or more goes in through the offline importer
    (``--bulk``), which restarts the server: callers take ``db.get_driver()`` again after.
    """
    from loaders.world import demo_dir, demo_loaded, load_world

    key = world_key(target)
    nodes, _ = db.counts(drv)
    info: dict = {"target": key, "nodes_before": nodes, "loaded": False}
    if nodes and demo_loaded(drv, key, seed):
        return info
    if nodes and not reset:
        info["refused"] = (
            f"the database holds something other than the {key} world (seed {seed}): "
            "use --reset-db (deletes everything)"
        )
        return info
    if nodes:
        db.reset(drv, keep_audit=False)
    if isinstance(target, str):
        from loaders.demo import generate_world

        world = demo_dir(get_settings().home, target, seed)
        if not (world / "truth.json").is_file():
            world.parent.mkdir(parents=True, exist_ok=True)
            print(f"- generating the {target} world into {world}", flush=True)
            generate_world(world, seed=seed, size=target)
    else:
        world = ensure_world(target, seed)
    from graph import links

    say = lambda m: print(f"- {m}", flush=True)  # noqa: E731
    t0 = time.perf_counter()
    if isinstance(target, int) and target >= BULK_FROM:
        res = load_large_bulk(drv, world, say)
        drv = db.get_driver()
    else:
        res = load_world(drv, world, say=say, links=False)
    # Marked before the rebuild: a Load written after it would make the saved
    # near-duplicate index stale (it records the loads it reflects).
    mark_world(drv, target, seed, res, None)
    res.links = links.rebuild(drv, progress=say).summary()
    info.update(
        loaded=True,
        world=str(world),
        load_and_link_s=round(time.perf_counter() - t0, 1),
        bulk=isinstance(target, int) and target >= BULK_FROM,
        load_errors=res.errors,
    )
    return info


def graph_size(drv) -> dict:
    rows = db.records(
        drv,
        "CALL () { MATCH (m:Media) RETURN count(m) AS media } "
        "CALL () { MATCH (s:Series) RETURN count(s) AS series } "
        "CALL () { MATCH (c:Case) RETURN count(c) AS cases } "
        "CALL () { MATCH ()-[l:LINKED]->() RETURN count(l) AS links } "
        "RETURN media, series, cases, links",
        name="bench.size",
    )
    nodes, rels = db.counts(drv)
    return {**rows[0], "nodes": nodes, "relationships": rels}


def busiest_series(drv) -> str | None:
    """The series holding the most media (the heaviest series page)."""
    rows = db.records(
        drv,
        "MATCH (s:Series)-[:CONTAINS]->(m:Media) WITH s, count(m) AS n "
        "RETURN s.id AS id ORDER BY n DESC, id LIMIT 1",
        name="bench.busiest_series",
    )
    return rows[0]["id"] if rows else None


def page_calls(sid: str | None) -> dict[str, list[tuple[str, Callable]]]:
    """Per page: the ``graph.pages`` calls its first render makes (``(drv, user)`` -> ...)."""
    from graph import pages

    def one(name: str, *a, **kw) -> tuple[str, Callable]:
        return name, lambda d, u: getattr(pages, name)(d, *a, user=u, **kw)

    series_one = (
        [
            one("series_detail", sid),
            one("series_media", sid),
            one("series_victims", sid),
            one("series_clues", sid),
            one("series_links", sid),
        ]
        if sid
        else []
    )
    return {
        "overview": [
            one("overview_counts"),
            one("countries"),
            one("series_per_country_status"),
            one("latest_loads"),
            one("places"),
        ],
        "series (search)": [one("countries"), one("search_series")],
        "series (busiest one)": [one("countries"), *series_one],
        "link_graph": [one("overview_counts"), one("countries"), one("link_graph")],
        "leads": [],
        "triage": [],
        "clues": [one("clue_types"), one("clues")],
        "map": [one("countries"), one("places")],
        "console": [],
        "trainer": [one("overview_counts")],
        "audit": [one("audit_events")],
    }


PAGE_FILES = {
    "overview": "views/overview.py",
    "series (search)": "views/series.py",
    "series (busiest one)": "views/series.py",
    "link_graph": "views/link_graph.py",
    "leads": "views/leads.py",
    "triage": "views/triage.py",
    "clues": "views/clues.py",
    "map": "views/map.py",
    "console": "views/console.py",
    "trainer": "views/trainer.py",
    "audit": "views/audit.py",
}


def render(at) -> tuple[float, list[str], int]:
    """Seconds for one script run, its exceptions and st.error messages, and how many
    elements it drew (a warm render must draw the same page)."""
    t0 = time.perf_counter()
    at.run()
    dt = time.perf_counter() - t0
    errs = [str(e.value)[:300] for e in at.exception]
    errs += [f"st.error: {str(e.value)[:300]}" for e in at.error]
    return dt, errs, len(list(at.main))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--media", type=int, default=100_000)
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_MEDIA} media")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--reset-db", action="store_true", help="empty the database first")
    ap.add_argument("--timeout", type=float, default=600, help="AppTest timeout per run (s)")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    media = QUICK_MEDIA if args.quick else args.media
    at_start = machine()
    code = common.code_version()

    # A users file with one admin, in a temporary folder (the session is made directly,
    # as after the login form; the password is random and never used).
    tmp = Path(tempfile.mkdtemp(prefix="cluegraph-bench-app-"))
    os.environ["CLUEGRAPH_USERS_FILE"] = str(tmp / "users.toml")
    os.environ.pop("CLUEGRAPH_AUTH_HEADER", None)
    reset_settings()

    import logging

    import streamlit as st

    for name in ("streamlit", "streamlit.runtime"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from streamlit.testing.v1 import AppTest

    from app import guard
    from graph import auth

    admin = auth.add_user("benchadmin", "admin", os.urandom(18).hex() + "Aa1!")

    drv = db.get_driver()
    info = load_if_empty(drv, media, args.seed, reset=args.reset_db)
    drv = db.get_driver()  # a new one when the load restarted the server (--bulk)
    if "refused" in info:
        print(info["refused"], file=sys.stderr)
        return 2
    size = graph_size(drv)
    sid = busiest_series(drv)
    calls = page_calls(sid)

    def app_for(page: str) -> AppTest:
        at = AppTest.from_file(str(MAIN), default_timeout=args.timeout)
        at.session_state[guard.SESSION] = auth.Session(admin)
        if page == "series (busiest one)" and sid:
            at.query_params["series"] = sid
        at.switch_page(PAGE_FILES[page])
        return at

    # One discarded render of every page first: module imports (charts, maps) and the
    # driver resource are a server's start-up cost, not a page's.
    for page in PAGE_FILES:
        st.cache_data.clear()
        app_for(page).run()

    rows = []
    for page in PAGE_FILES:
        st.cache_data.clear()
        at = app_for(page)
        first, errs, n_first = render(at)
        warm, errs2, n_warm = render(at)
        if n_warm != n_first:
            errs2.append(f"the warm render drew {n_warm} elements, the first {n_first}")
        parts = {}
        t0 = time.perf_counter()
        call_errs = []
        for name, fn in calls[page]:
            t1 = time.perf_counter()
            try:
                fn(drv, admin)
            except Exception as e:  # noqa: BLE001 - reported, not hidden
                call_errs.append(f"{name}: {type(e).__name__}: {e}"[:300])
            parts[name] = round(time.perf_counter() - t1, 3)
        total = time.perf_counter() - t0 if calls[page] else None
        rows.append(
            {
                "page": page,
                "file": PAGE_FILES[page],
                "first_render_s": round(first, 3),
                "warm_render_s": round(warm, 3),
                "pages_calls_s": round(total, 3) if total is not None else None,
                "pages_calls": parts,
                "elements": n_first,
                "errors": errs + [f"warm: {e}" for e in errs2] + call_errs,
            }
        )
        print(f"- {page}: first {first:.2f} s, warm {warm:.2f} s", flush=True)

    cmd = "python bench/bench_app.py" + (" --quick" if args.quick else f" --media {media}")
    out = {
        "machine": at_start,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "command": cmd,
        "code": code,
        "media_requested": media,
        "seed": args.seed,
        "graph": size,
        "setup": info,
        "series_page_id": sid,
        "pages": rows,
    }
    lines = [
        f"App pages, first render with AppTest, large world with {media} media (`{cmd}`)",
        "",
        f"Machine: {common.describe(out['machine'])}, at the end {out['load_average_at_end']}",
        "",
        f"Measured: {common.describe_code(code)}.",
        "",
        f"Graph: {size['media']} media, {size['series']} series, {size['cases']} cases, "
        f"{size['links']} links ({size['nodes']} nodes, {size['relationships']} relationships)"
        + (
            f"; loaded and linked in {info['load_and_link_s']} s, {info['load_errors']} load errors"
            if info.get("loaded")
            else "; already loaded"
        ),
        "",
        "| page | first render | warm render | graph.pages calls alone | errors |",
        "|---|---|---|---|---|",
        *[
            f"| {r['page']} | {r['first_render_s']:.2f} s | {r['warm_render_s']:.2f} s | "
            + (
                f"{r['pages_calls_s']:.2f} s ({', '.join(r['pages_calls'])})"
                if r["pages_calls_s"] is not None
                else "none on first render"
            )
            + f" | {len(r['errors'])} |"
            for r in rows
        ],
        "",
        "First render: Streamlit's cached reads cleared just before, admin session, the "
        "whole script (login check, menu, page), after one discarded render of every page "
        "(imports and the driver are start-up costs). Warm: the same AppTest run again "
        "(must draw as many elements). The "
        "graph.pages calls are timed after the renders (Neo4j's page cache warm). "
        f"The series page is opened on its busiest series ({sid}).",
    ]
    errs = [f"{r['page']}: {e}" for r in rows for e in r["errors"]]
    if errs:
        lines += ["", "Errors: " + "; ".join(errs[:20])]
    md = "\n".join(lines)
    print(md)
    if not args.no_save:
        common.save_run("app", f"{media} media", out, md)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
