"""What analysts see of the visual clues: same-scene pairs side by side, and suggestions.

- :func:`same_scene_section`: for each ``SAME_SCENE`` (and ``SHARES_OBJECT``) pair of a
  series' pictures, both pictures side by side with the agreeing regions outlined. The
  regions are computed again at display time by :func:`media.visual.match.compare` on the
  two pictures' features from the visual index (``CLUEGRAPH_HOME/visual``): the graph
  holds only numbers. Pictures are greyscale and blurred until the analyst reveals each
  one (the same checked and audited "Reveal" as every thumbnail); the outlines stay
  visible on the blurred picture, so the analyst sees *where* the rooms agree first.
- :func:`suggestions_panel`: the text, language and object clues the visual pass
  proposes, with their source, confidence and the countries a language points to;
  Accept / Reject (``graph.suggestions``, audited there, with the logged-in user).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import streamlit as st
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from app import components as C
from app import guard
from app import state as S
from graph.auth import Action
from graph.errors import GraphError
from loaders import visual as visual_pass
from media.pixels import to_grey8, to_rgb8
from media.visual import features as vf
from media.visual import match as vmatch
from service import clues as clues_service
from service import series as series_service

#: Pairs drawn at most on a page (each costs a feature comparison, ~50 ms).
PAIRS_SHOWN = 8
#: Outline colours of the agreeing regions: region k has colour k in both pictures.
REGION_COLOURS = ("#FF1744", "#00E5FF", "#FFEA00", "#76FF03", "#D500F9", "#FF9100")
KIND_TEXT = {"same_scene": "Same scene", "shared_object": "Shared object only"}
SOURCE_TEXT = {"ocr": "text read", "language": "language", "object": "saved object seen"}


# ------------------------------------------------------------------ pictures
def _index_key(sha256: str, frame_ms: int | None) -> str:
    return sha256 if frame_ms is None else f"{sha256}@{int(frame_ms)}"


def _index_stamp() -> tuple[str, float]:
    """The visual index's folder and save time (cache key of the recomputed regions)."""
    d = visual_pass.visual_dir()
    man = d / "manifest.json"
    return str(d), (man.stat().st_mtime if man.exists() else 0.0)


@st.cache_resource(show_spinner=False, max_entries=2)
def _index(stamp: tuple[str, float]):
    return visual_pass.open_index()


@st.cache_data(ttl=300, max_entries=200, show_spinner=False)
def regions(key_a: str, key_b: str, stamp: tuple[str, float]) -> dict[str, Any] | None:
    """The agreeing regions of two indexed pictures, computed now from their features:
    ``{kind, inliers, coverage, score, explanation, a: [(x, y, w, h)], b: [...]}`` or None
    (a picture no longer in the index, or no agreement any more)."""
    idx = _index(stamp)
    if key_a not in idx or key_b not in idx:
        return None
    try:
        m = vmatch.compare(idx.get(key_a), idx.get(key_b), key_a, key_b)
    except vf.VisualError:
        return None
    if m is None:
        return None
    return {
        "kind": m.kind,
        "inliers": m.inliers,
        "coverage": m.coverage,
        "score": m.score,
        "explanation": m.explanation,
        "a": [tuple(int(v) for v in b) for b in m.regions_a],
        "b": [tuple(int(v) for v in b) for b in m.regions_b],
        "size_a": (idx.get(key_a).width, idx.get(key_a).height),
        "size_b": (idx.get(key_b).width, idx.get(key_b).height),
    }


def pair_regions(
    row: dict, key_a: str, key_b: str, stamp: tuple[str, float]
) -> dict[str, Any] | None:
    """The regions to outline for a stored pair, as :func:`regions` from ``key_a``'s side.

    A match is measured from one picture's side and the pass stored whichever side held
    (:func:`media.visual.match.compare`): when this series' side counts other points than
    the stored pair, the other side is computed and turned, so that the outlines are the
    stored pair's regions, the ones its explanation counts."""
    reg = regions(key_a, key_b, stamp)
    want = row.get("inliers")
    if reg is None or want is None or reg["inliers"] == want:
        return reg
    back = regions(key_b, key_a, stamp)
    if back is None or back["inliers"] != want:
        return reg
    return {
        **back,
        "a": back["b"],
        "b": back["a"],
        "size_a": back["size_b"],
        "size_b": back["size_a"],
    }


def outlined(
    img: Image.Image,
    boxes: list[tuple[int, int, int, int]],
    revealed: bool,
    size: int,
    colours: tuple[str, ...] = REGION_COLOURS,
) -> bytes:
    """``img`` (original orientation) shrunk to ``size``, greyscale and blurred unless
    ``revealed``, with ``boxes`` (original pixel coordinates) outlined on top, as PNG."""
    w0, h0 = img.size
    small = img.copy()
    small.thumbnail((size, size))
    if revealed:
        small = to_rgb8(small)
    else:
        small = (
            to_grey8(small)
            .filter(ImageFilter.GaussianBlur(radius=max(4, size // 14)))
            .convert("RGB")
        )
    fx, fy = small.width / max(1, w0), small.height / max(1, h0)
    draw = ImageDraw.Draw(small)
    line = max(2, size // 160)
    for k, (x, y, w, h) in enumerate(boxes):
        x0, y0 = round(x * fx), round(y * fy)
        x1, y1 = round((x + w) * fx), round((y + h) * fy)
        draw.rectangle(
            (x0, y0, max(x0 + 1, x1), max(y0 + 1, y1)),
            outline=colours[k % len(colours)],
            width=line,
        )
    buf = io.BytesIO()
    small.save(buf, format="PNG")
    return buf.getvalue()


def _open_picture(path: str, kind: str | None, frame_ms: int | None) -> Image.Image | None:
    """The picture (or the clip's frame) as the visual pass saw it (EXIF orientation)."""
    p = Path(path)
    if not p.is_file():
        return None
    if kind == "video":
        frames = C.grab_frames(str(p), [(frame_ms or 0) / 1000.0], size=1280)
        if not frames:
            return None
        return Image.open(io.BytesIO(frames[0][1])).convert("RGB")
    try:
        with Image.open(p) as src:
            src.draft("RGB", (1600, 1600))
            return to_rgb8(ImageOps.exif_transpose(src))
    except Exception:  # any unreadable file: the pair still shows its numbers
        return None


@st.cache_data(ttl=120, max_entries=200, show_spinner=False)
def _drawn(
    path: str,
    mtime: float,
    kind: str | None,
    frame_ms: int | None,
    boxes: tuple[tuple[int, int, int, int], ...],
    revealed: bool,
    size: int,
    original: tuple[int, int] | None,
) -> bytes | None:
    img = _open_picture(path, kind, frame_ms)
    if img is None:
        return None
    if original and img.size != original:
        # Boxes are in the coordinates of the picture the pass saw: scale them over.
        fx, fy = img.width / original[0], img.height / original[1]
        boxes = tuple(
            (round(x * fx), round(y * fy), round(w * fx), round(h * fy)) for x, y, w, h in boxes
        )
    return outlined(img, list(boxes), revealed, size)


def picture_with_boxes(
    path: str | None,
    sha256: str,
    boxes: list[tuple[int, int, int, int]],
    *,
    kind: str | None = None,
    frame_ms: int | None = None,
    original: tuple[int, int] | None = None,
    size: int = 360,
    where: str = "",
    caption: str | None = None,
) -> None:
    """One picture with outlined boxes: blurred and grey until revealed (audited)."""
    p = Path(path) if path else None
    if p is None or not p.is_file():
        st.caption("file not reachable from this machine")
        return
    revealed = sha256 in st.session_state.setdefault(S.REVEALED, set())
    data = _drawn(str(p), p.stat().st_mtime, kind, frame_ms, tuple(boxes), revealed, size, original)
    if data is None:
        st.caption("no preview (not a picture Pillow can read)")
        return
    st.image(data, caption=caption, width=size)
    C._reveal_button(sha256, where=where)


# ------------------------------------------------------------------ same scene
def same_scene_section(series_id: str, *, limit: int = PAIRS_SHOWN) -> None:
    """The series' same-scene (and shared-object) pairs, side by side, regions outlined."""
    res = S.load(series_service.scenes, series_id)
    if res is None:
        return
    st.markdown("#### Same scene")
    if not res.rows:
        st.caption(
            "No picture of this series was matched by scene with another picture. The visual "
            "pass (`cluegraph analyse visual`, run by `cluegraph load media`) finds them."
        )
        return
    scenes = [r for r in res.rows if r["kind"] == "same_scene"]
    objects = [r for r in res.rows if r["kind"] == "shared_object"]
    st.caption(
        f"{len(scenes)} same-scene pair(s), {len(objects)} shared-object pair(s)"
        + (" (the strongest)" if res.truncated else "")
        + ". Outlines of one colour mark the same region in both pictures; pictures stay "
        "blurred and grey until you reveal each one."
    )
    stamp = _index_stamp()
    for k, row in enumerate(scenes[:limit]):
        pair_card(series_id, row, stamp, f"-ss{k}")
    if len(scenes) > limit:
        st.caption(f"{len(scenes) - limit} more same-scene pair(s) not drawn.")
    if objects:
        with st.expander(
            f"{len(objects)} shared object(s): one product in both, not the same room",
            icon=":material/inventory_2:",
        ):
            for k, row in enumerate(objects[:limit]):
                pair_card(series_id, row, stamp, f"-so{k}")


def _other_series(row: dict) -> str:
    parts = []
    for s in row.get("otherSeries") or []:
        cs = "/".join(s.get("countries") or []) or "no country"
        parts.append(f"{C.md(s['id'])} ({C.md(cs)})")
    return ", ".join(parts) or "no series"


def pair_card(series_id: str, row: dict, stamp: tuple[str, float], where: str) -> None:
    key_a = _index_key(row["sha256"], row.get("frameMs"))
    key_b = _index_key(row["otherSha256"], row.get("otherFrameMs"))
    reg = pair_regions(row, key_a, key_b, stamp)
    with st.container(border=True):
        kind = row["kind"]
        badge = "blue" if kind == "same_scene" else "gray"
        score = row.get("score")
        head = f":{badge}-badge[{KIND_TEXT.get(kind, C.md(kind))}] "
        if isinstance(score, int | float):
            head += f"score **{score:.2f}** · "
        head += f"**{row.get('inliers') or 0}** verified points"
        cov = row.get("coverage")
        if isinstance(cov, int | float):
            head += f" · {cov * 100:.0f} % of the frame"
        head += f" · other side: {_other_series(row)}"
        if row.get("sameSeries"):
            head += " :gray-badge[within this series]"
        st.markdown(head)
        # the stored pair's own words: the header's figures are the stored pair's, and a
        # match computed again from the other picture's side counts slightly differently
        expl = row.get("explanation") or (reg or {}).get("explanation")
        if expl:
            st.caption(C.md(expl))
        if reg is None:
            st.caption(
                "The agreeing regions cannot be drawn: the pictures' features are not in "
                "this machine's visual index (run `cluegraph analyse visual`)."
            )
        left, right = st.columns(2)
        with left:
            picture_with_boxes(
                row.get("path"),
                row["sha256"],
                list((reg or {}).get("a") or []),
                kind=row.get("mediaKind"),
                frame_ms=row.get("frameMs"),
                original=(reg or {}).get("size_a"),
                where=f"{where}-a",
                caption=f"{row.get('fileName') or C.short_hash(row['sha256'])} (this series)",
            )
        with right:
            others = ", ".join(s["id"] for s in row.get("otherSeries") or [])
            picture_with_boxes(
                row.get("otherPath"),
                row["otherSha256"],
                list((reg or {}).get("b") or []),
                kind=row.get("otherMediaKind"),
                frame_ms=row.get("otherFrameMs"),
                original=(reg or {}).get("size_b"),
                where=f"{where}-b",
                caption=f"{row.get('otherFileName') or C.short_hash(row['otherSha256'])} "
                f"({others or '?'})",
            )
            first = next(
                (s["id"] for s in row.get("otherSeries") or [] if s["id"] != series_id), None
            )
            if first:
                if st.button(
                    f"Open {first}",
                    key=f"scene-open-{C.stable_key(series_id, key_a, key_b, where)}",
                    icon=":material/open_in_new:",
                    type="tertiary",
                ):
                    S.open_series(first)


# ------------------------------------------------------------------ suggestions
def _countries_text(countries: list[dict] | None) -> str:
    out = []
    for c in countries or []:
        share = c.get("share")
        out.append(
            f"{c.get('code')} ({share * 100:.0f} %)"
            if isinstance(share, int | float)
            else str(c.get("code"))
        )
    return ", ".join(out)


def suggestions_panel(series_id: str | None = None, *, limit: int = 50) -> None:
    """Proposed text, language and object clues; Accept / Reject each."""
    st.markdown("#### Suggested clues")
    rows = S.load(clues_service.suggestions, series_id, 200)
    if rows is None:
        return
    if not rows:
        st.caption(
            "No open suggestion"
            + (" for this series" if series_id else "")
            + ". The visual pass proposes text it reads, its language and saved objects "
            "it sees again; accepted or rejected ones leave this list."
        )
        return
    st.caption(
        f"{len(rows)} open suggestion(s), strongest first. A suggestion is never a fact: "
        "accept it to make it a clue noted by you (it then counts for the links), or reject "
        "it (it will not be proposed again for that file)."
    )
    can_answer = guard.may(Action.ADD_CLUE)
    if not can_answer:
        st.caption("Answering suggestions needs the add-clue right (analysts).")
    for k, r in enumerate(rows[:limit]):
        suggestion_row(r, k, can_answer)
    if len(rows) > limit:
        st.caption(f"{len(rows) - limit} more not shown.")


def suggestion_row(r: dict, k: int, can_answer: bool) -> None:
    key = C.stable_key(r["sha256"], r["clue_id"], k)
    with st.container(border=True):
        c1, c2, c3 = st.columns([6, 1, 1])
        typ = r.get("type") or "?"
        shown = r.get("label") or r.get("value") or ""
        conf = r.get("confidence")
        conf_txt = f" · confidence **{conf:.2f}**" if isinstance(conf, int | float) else ""
        c1.markdown(
            f":orange-badge[{C.md(typ)}] **{C.md(shown)}** · "
            f"{C.md(SOURCE_TEXT.get(r.get('source') or '', r.get('source') or ''))}{conf_txt}"
        )
        where = f"in {C.md(r.get('file_name') or C.short_hash(r['sha256']))}"
        if r.get("series"):
            where += f" (series {C.md(', '.join(r['series']))})"
        if r.get("countries"):
            where += f" · points to {C.md(_countries_text(r['countries']))}"
        c1.caption(where)
        if can_answer:
            c2.button(
                "Accept",
                key=f"sugg-acc-{key}",
                icon=":material/check:",
                on_click=_answer,
                args=(r["sha256"], r["clue_id"], True),
            )
            c3.button(
                "Reject",
                key=f"sugg-rej-{key}",
                icon=":material/close:",
                on_click=_answer,
                args=(r["sha256"], r["clue_id"], False),
            )


def _answer(sha256: str, clue_id: str, accept: bool) -> None:
    try:
        out = clues_service.answer(S._driver(), sha256, clue_id, accept, user=guard.current_user())
    except GraphError as e:
        st.toast(str(e), icon=":material/error:")
        return
    S.clear_caches()
    verb = "accepted" if accept else "rejected"
    st.toast(f"Suggestion {clue_id} {verb} by {out.get('by')}.", icon=":material/check:")


# ------------------------------------------------------------------ triage
#: Same-scene matches of the uploaded pictures (this session only, never on disk):
#: ``[{name, sha256, data, matches: [{key, sha256, kind, score, inliers, coverage,
#: explanation, a, b}]}]``.
TRIAGE_SCENES = "triage_scene_matches"
#: Uploaded pictures compared by scene at most per triage.
TRIAGE_PICTURES = 6


def scene_triage(files: list[Any] | None) -> None:
    """Compare each uploaded picture with the visual index by scene (features computed in
    memory, never stored); the result is kept in the session for :func:`triage_scenes`."""
    out = []
    stamp = _index_stamp()
    idx = _index(stamp) if stamp[1] else None
    for f in (files or [])[:TRIAGE_PICTURES]:
        data = f.getvalue()
        if not data or (getattr(f, "type", "") or "").startswith("video"):
            continue
        entry: dict[str, Any] = {
            "name": f.name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "data": data,
            "matches": [],
            "note": None,
        }
        try:
            feats = vf.extract_bytes(data)
        except vf.VisualError as e:
            entry["note"] = str(e)
            out.append(entry)
            continue
        entry["size"] = (feats.width, feats.height)
        if idx is not None and len(idx):
            for m in vmatch.find_scenes(idx, "upload", feats, k=50):
                if m.key_b.startswith(visual_pass.CLUE_PREFIX):
                    continue
                sha, ms = visual_pass.media_key(m.key_b)
                entry["matches"].append(
                    {
                        "sha256": sha,
                        "frameMs": ms,
                        "kind": m.kind,
                        "score": m.score,
                        "inliers": m.inliers,
                        "coverage": m.coverage,
                        "explanation": m.explanation,
                        "a": [tuple(int(v) for v in b) for b in m.regions_a],
                        "b": [tuple(int(v) for v in b) for b in m.regions_b],
                        "size_b": (idx.get(m.key_b).width, idx.get(m.key_b).height),
                    }
                )
        out.append(entry)
    st.session_state[TRIAGE_SCENES] = out


def triage_scenes() -> None:
    """The uploaded pictures' same-scene matches, side by side, regions outlined."""
    kept = st.session_state.get(TRIAGE_SCENES)
    if not kept:
        return
    st.markdown("#### Same scene")
    shas = [m["sha256"] for e in kept for m in e["matches"]]
    files = S.load(series_service.media_files, shas) if shas else {}
    ctx = S.load(series_service.media_context, shas) if shas else {}
    any_match = False
    for i, e in enumerate(kept):
        if e.get("note"):
            st.caption(f"{C.md(e['name'])}: not compared by scene ({C.md(e['note'])}).")
            continue
        scenes = [m for m in e["matches"] if m["kind"] == "same_scene"][:PAIRS_SHOWN]
        objects = [m for m in e["matches"] if m["kind"] == "shared_object"][:PAIRS_SHOWN]
        if not scenes and not objects:
            st.caption(f"{C.md(e['name'])}: no loaded picture shows the same room.")
            continue
        any_match = True
        for j, m in enumerate(scenes + objects):
            _triage_pair(
                e,
                m,
                (files or {}).get(m["sha256"]) or {},
                (ctx or {}).get(m["sha256"]) or {},
                f"-tr{i}-{j}",
            )
    if any_match:
        st.caption(
            "Outlines of one colour mark the same region in both pictures; the regions were "
            "computed now from the pictures' features. Nothing of the upload is stored."
        )


def _triage_pair(e: dict, m: dict, f: dict, ctx: dict, where: str) -> None:
    with st.container(border=True):
        badge = "blue" if m["kind"] == "same_scene" else "gray"
        series = ", ".join(ctx.get("series") or []) or "?"
        countries = ", ".join(ctx.get("countries") or []) or "no country"
        st.markdown(
            f":{badge}-badge[{KIND_TEXT.get(m['kind'], m['kind'])}] score **{m['score']:.2f}**"
            f" · **{m['inliers']}** verified points · {m['coverage'] * 100:.0f} % of the frame"
            f" · series {C.md(series)} ({C.md(countries)})"
        )
        st.caption(C.md(m["explanation"]))
        left, right = st.columns(2)
        with left:
            revealed = e["sha256"] in st.session_state.setdefault(S.REVEALED, set())
            with Image.open(io.BytesIO(e["data"])) as im:
                img = to_rgb8(ImageOps.exif_transpose(im))
            boxes = m["a"]
            if e.get("size") and img.size != tuple(e["size"]):
                fx, fy = img.width / e["size"][0], img.height / e["size"][1]
                boxes = [
                    (round(x * fx), round(y * fy), round(w * fx), round(h * fy))
                    for x, y, w, h in boxes
                ]
            st.image(
                outlined(img, boxes, revealed, 360), caption=f"{e['name']} (upload)", width=360
            )
            C._reveal_button(e["sha256"], where=f"{where}-a")
        with right:
            picture_with_boxes(
                f.get("path"),
                m["sha256"],
                m["b"],
                kind=f.get("kind"),
                frame_ms=m.get("frameMs"),
                original=m.get("size_b"),
                where=f"{where}-b",
                caption=f"{f.get('fileName') or C.short_hash(m['sha256'])} ({series})",
            )


# ------------------------------------------------------------------ the series page
def series_section(series_id: str) -> None:
    """The series page's visual clues: same-scene pairs, then the suggestions."""
    st.divider()
    same_scene_section(series_id)
    suggestions_panel(series_id)
