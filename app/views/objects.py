"""Object search (Trace-an-Object style): a crop, or a box on a loaded picture, in; every
loaded picture that shows the object out; save the object as a standing ``object`` clue.

The search and the save are :func:`service.clues.search_object` and
:func:`service.clues.add_object` (checked there, audited by
:mod:`loaders.visual_search`). The analyst's picture stays in memory for this session
only; pictures are blurred and grey until revealed.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import streamlit as st
from PIL import Image, ImageOps
from streamlit_image_coordinates import streamlit_image_coordinates  # type: ignore[import-untyped]

from app import components as C
from app import guard
from app import state as S
from app import visual_panels as V
from graph.auth import Action
from graph.errors import GraphError
from service import access
from service import clues as clues_service
from service import series as series_service

#: The last search: ``{"query": {...}, "rows": [...]}`` (this session only).
RESULT = "object_search_result"
#: Width at which the picture is shown for drawing a box.
DRAW_WIDTH = 640
#: The picture to search in: ``{"name", "sha256", "data" (bytes), "size": (w, h)}``.
QUERY = "object_search_query"
BOX_KEYS = ("obj_x", "obj_y", "obj_w", "obj_h")
_DRAG = "obj_drag"
_DRAG_SEEN = "obj_drag_seen"


def render() -> None:
    guard.page("Object search", Action.TRIAGE)
    st.caption(
        "Search every loaded picture for one object (a poster, a bed cover, a toy, a logo): "
        "upload a crop, or pick a loaded picture and draw a box around the object. Found "
        "pictures are ranked by verified points; save the object as a clue of a series and "
        "every later load is searched for it too."
    )
    source = st.radio(
        "Search for",
        ["an uploaded picture or crop", "a box on a loaded picture"],
        horizontal=True,
        key="obj_source",
    )
    query = uploaded() if source.startswith("an uploaded") else loaded_picture()
    if query is None:
        return
    box = box_tool(query)
    c1, c2 = st.columns([1, 4])
    limit = c1.number_input("Results at most", 1, 200, 20, key="obj_limit")
    if c2.button("Search everywhere", type="primary", icon=":material/image_search:"):
        search(query, box, int(limit))
    results()
    save_form()


# ------------------------------------------------------------------ the query picture
def _query_of(name: str, data: bytes) -> dict[str, Any] | None:
    try:
        with Image.open(io.BytesIO(data)) as im:
            size = ImageOps.exif_transpose(im).size
    except Exception:  # not a picture: say so, keep the page
        st.warning(f"{C.md(name)} is not a picture that can be read.")
        return None
    return {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "data": data, "size": size}


def uploaded() -> dict[str, Any] | None:
    f = st.file_uploader(
        "Picture or crop of the object", type=["jpg", "jpeg", "png", "webp"], key="obj_upload"
    )
    if f is None:
        st.caption("Upload a picture; then optionally draw a box around the object on it.")
        return None
    q = _query_of(f.name, f.getvalue())
    if q is not None:
        st.session_state[QUERY] = {k: v for k, v in q.items() if k != "data"}
    return q


def loaded_picture() -> dict[str, Any] | None:
    c1, c2 = st.columns([1, 3])
    sid = c1.text_input("Series", value=S.query_param(S.SERIES) or "", key="obj_series")
    if not sid.strip():
        c2.caption("Give the id of a series, then pick one of its pictures.")
        return None
    res = S.load(series_service.media, sid.strip(), 0, access.PAGE_SIZE)
    if res is None:
        return None
    pics = [
        r
        for r in res.rows
        if r.get("kind") != "video" and r.get("path") and Path(r["path"]).is_file()
    ]
    if not pics:
        c2.caption("No picture of this series is reachable from this machine.")
        return None
    labels = {r["sha256"]: r.get("fileName") or C.short_hash(r["sha256"]) for r in pics}
    sha = c2.selectbox("Picture", list(labels), format_func=lambda s: labels[s], key="obj_pick")
    row = next(r for r in pics if r["sha256"] == sha)
    data = Path(row["path"]).read_bytes()
    q = _query_of(labels[sha], data)
    if q is not None:
        q["path"] = row["path"]
        q["sha256"] = sha
    return q


# ------------------------------------------------------------------ the box
def _apply_drag(size: tuple[int, int]) -> None:
    """A new click-and-drag on the picture sets the box (in original pixels)."""
    ev = st.session_state.get(_DRAG)
    if not isinstance(ev, dict) or "x1" not in ev:
        return
    if st.session_state.get(_DRAG_SEEN) == ev.get("unix_time"):
        return
    st.session_state[_DRAG_SEEN] = ev.get("unix_time")
    f = size[0] / max(1, ev.get("width") or DRAW_WIDTH)
    xs = sorted((ev["x1"], ev["x2"]))
    ys = sorted((ev["y1"], ev["y2"]))
    x0 = max(0, min(size[0] - 1, round(xs[0] * f)))
    y0 = max(0, min(size[1] - 1, round(ys[0] * f)))
    x1 = max(x0 + 1, min(size[0], round(xs[1] * f)))
    y1 = max(y0 + 1, min(size[1], round(ys[1] * f)))
    if x1 - x0 < 8 or y1 - y0 < 8:  # a click, not a drag
        return
    st.session_state["obj_use_box"] = True
    for k, v in zip(BOX_KEYS, (x0, y0, x1 - x0, y1 - y0), strict=True):
        st.session_state[k] = int(v)


def box_tool(q: dict[str, Any]) -> tuple[int, int, int, int] | None:
    """The picture (blurred until revealed) with the box drawn; drag on it, or type the
    box. Returns the box in original pixels, or None for the whole picture."""
    w, h = q["size"]
    _apply_drag((w, h))
    for k, default in zip(BOX_KEYS, (0, 0, w, h), strict=True):
        v = st.session_state.get(k)
        if not isinstance(v, int) or v < 0:
            st.session_state[k] = default
    use = st.checkbox("Search only a box on the picture", key="obj_use_box")
    box = None
    if use:
        c = st.columns(4)
        x = c[0].number_input("x", 0, max(0, w - 1), key="obj_x")
        y = c[1].number_input("y", 0, max(0, h - 1), key="obj_y")
        bw = c[2].number_input("width", 1, w, key="obj_w")
        bh = c[3].number_input("height", 1, h, key="obj_h")
        box = (int(x), int(y), int(min(bw, w - x)), int(min(bh, h - y)))
    revealed = q["sha256"] in st.session_state.setdefault(S.REVEALED, set())
    with Image.open(io.BytesIO(q["data"])) as im:
        img = ImageOps.exif_transpose(im).convert("RGB")
    png = V.outlined(img, [box] if box else [], revealed, DRAW_WIDTH)
    st.caption(
        f"{C.md(q['name'])} · {w}×{h} pixels"
        + (f" · box {box[0]},{box[1]},{box[2]},{box[3]}" if box else " · the whole picture")
        + ". Drag on the picture to draw a box around the object."
    )
    streamlit_image_coordinates(
        Image.open(io.BytesIO(png)), key=_DRAG, click_and_drag=True, cursor="crosshair"
    )
    C._reveal_button(q["sha256"], where="-objq")
    return box


# ------------------------------------------------------------------ search and results
def search(q: dict[str, Any], box: tuple[int, int, int, int] | None, limit: int) -> None:
    try:
        image: Path | bytes = Path(q["path"]) if q.get("path") else q["data"]
        with st.spinner("Searching every indexed picture…"):
            rows = clues_service.search_object(
                S.driver(), image, box, limit, user=guard.current_user()
            )
    except GraphError as e:
        S.show_error(e)
        return
    st.session_state[RESULT] = {
        "query": {"name": q["name"], "sha256": q["sha256"], "box": box, "path": q.get("path")},
        "data": q["data"],
        "rows": rows,
    }


def results() -> None:
    res = st.session_state.get(RESULT)
    if not res:
        return
    rows = res["rows"]
    qn = res["query"]
    st.subheader("Pictures that show it")
    if not rows:
        st.info(
            "No indexed picture shows this object. Only pictures the visual pass has "
            "analysed are searched (`cluegraph analyse visual`).",
            icon=":material/search_off:",
        )
        return
    table = [
        {
            "series": r["series"],
            "countries": r["countries"],
            "score": r["score"],
            "inliers": r["inliers"],
            "sha256": C.short_hash(r["sha256"]),
        }
        for r in rows
    ]
    st.caption(
        f"{len(rows)} picture(s) for {C.md(qn['name'])}"
        + (" (box {},{},{},{})".format(*qn["box"]) if qn.get("box") else "")
        + ", most verified points first."
    )
    C.table(table, ["series", "countries", "score", "inliers", "sha256"], key="obj-results")
    files = S.load(series_service.media_files, [r["sha256"] for r in rows]) or {}
    cols = st.columns(4)
    for i, r in enumerate(rows):
        f = files.get(r["sha256"]) or {}
        with cols[i % 4]:
            V.picture_with_boxes(
                f.get("path"),
                r["sha256"],
                [tuple(r["box"])] if r.get("box") else [],
                kind=f.get("kind"),
                size=240,
                where=f"-obj{i}",
                caption=f"{', '.join(r['series'])} · {', '.join(r['countries'])} · "
                f"{r['inliers']} points",
            )


def save_form() -> None:
    res = st.session_state.get(RESULT)
    if not res:
        return
    if not guard.may(Action.ADD_CLUE):
        st.caption("Saving an object clue needs the add-clue right (analysts).")
        return
    st.subheader("Save as an object clue")
    st.caption(
        "The object becomes an `object` clue of the series you name, and a standing "
        "search: every later visual pass proposes it where it appears."
    )
    first = (res["rows"][0]["series"] or [""])[0] if res["rows"] else ""
    with st.form("obj-save"):
        c1, c2 = st.columns([1, 3])
        sid = c1.text_input("Series", value=S.query_param(S.SERIES) or first, key="obj_save_series")
        label = c2.text_input(
            "Label", placeholder="e.g. blue 'VELA' poster, star bed cover", key="obj_save_label"
        )
        go = st.form_submit_button("Save as object clue", icon=":material/bookmark_add:")
    if not go:
        return
    q = res["query"]
    image: Path | bytes = Path(q["path"]) if q.get("path") else res["data"]
    user = guard.current_user()
    try:
        out = clues_service.add_object(
            S.driver(),
            image,
            series_id=sid.strip(),
            label=label,
            box=tuple(q["box"]) if q.get("box") else None,
            user=user,
        )
    except GraphError as e:
        S.show_error(e)
        return
    S.clear_caches()
    st.success(
        f"Object clue **{C.md(out['clue_id'])}** saved on series {C.md(out['series_id'])}; "
        f"proposed on {out['suggestions']} picture(s) already loaded."
    )


if __name__ == "__main__":
    render()
