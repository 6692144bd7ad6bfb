"""Triage: files or hashes in; exact and near matches out, with who already holds them.

Uploaded files are written to a private temporary folder only for as long as hashing takes
and deleted straight after; nothing reaches the graph unless the analyst adds the files to
a case.
"""

from __future__ import annotations

import hashlib
import io
import re
import tempfile
from collections import Counter
from pathlib import Path

import streamlit as st

from app import components as C
from app import guard, visual_panels
from app import state as S
from graph import shapes
from graph.auth import Action
from graph.config import get_settings
from graph.errors import GraphError
from service import overview as overview_service
from service import series as series_service
from service import triage as triage_service

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: Pictures of the uploads kept in memory for this session only (never on disk or in the
#: graph): ``name -> {kind, sha256, strip, moments, thumb}``.
UPLOAD_PICTURES = "triage_upload_pictures"
#: Methods of matches that involve a video (graph/videomatch.py).
VIDEO_METHODS = ("vpdq", "video_frame")


def _save(files, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    paths = []
    for i, f in enumerate(files or []):
        name = _SAFE.sub("_", Path(f.name).name)[:120] or f"upload-{i}"
        p = folder / f"{i:03d}-{name}"
        p.write_bytes(f.getbuffer())
        p.chmod(0o600)
        paths.append(p)
    return paths


def _run(files, hashes: list[str], extra: dict | None = None, keep_in: Path | None = None):
    """Triage; uploads live in a private temporary folder deleted straight after, unless
    ``keep_in`` (adding to a case keeps the files, so the case can show them later)."""
    if keep_in is not None:
        paths = _save(files, keep_in)
        return triage_service.match(
            S.driver(), hashes=hashes, files=paths, user=guard.current_user(), extra=extra
        )
    with tempfile.TemporaryDirectory(prefix="cluegraph-triage-") as tmp:
        paths = _save(files, Path(tmp))
        res = triage_service.match(
            S.driver(), hashes=hashes, files=paths, user=guard.current_user(), extra=extra
        )
        _keep_pictures(files, paths, res.rows)
        return res


def _keep_pictures(files, paths: list[Path], rows: list[dict]) -> None:
    """While the uploads still exist: a strip of each clip's frames, the frames at the
    moments that matched, and a small copy of each image, all in memory for this
    session (shown blurred and grey until revealed)."""
    from media import sniffing

    kept: dict[str, dict] = {}
    for f, p in zip(files or [], paths, strict=False):
        try:
            kind = (sniffing.sniff(p) or ("", ""))[0]
        except OSError:
            continue
        sha = hashlib.sha256(f.getbuffer()).hexdigest()  # already in memory
        pic: dict = {"kind": kind, "sha256": sha}
        if kind == "video":
            moments = sorted(
                {float(r["at_input"]) for r in rows
                 if r.get("input") == str(p) and r.get("at_input") is not None}
            )  # fmt: skip
            pic["strip"] = C.strip_of_file(str(p))
            pic["moments"] = dict(C.grab_frames(str(p), moments[:12]))
        elif kind == "image":
            try:
                from PIL import Image

                with Image.open(p) as img:
                    img.draft("RGB", (640, 640))
                    small = img.convert("RGB")
                    small.thumbnail((320, 320))
                    buf = io.BytesIO()
                    small.save(buf, format="PNG")
                    pic["thumb"] = buf.getvalue()
            except Exception:  # not readable by Pillow: no picture, the rows still show
                pass
        kept[f.name] = pic
    st.session_state[UPLOAD_PICTURES] = kept


def _uploaded_names(rows: list[dict], files) -> None:
    """Show each upload's own name instead of the temporary path it was hashed under."""
    by_tmp = {f"{i:03d}-": f.name for i, f in enumerate(files or [])}
    for r in rows:
        v = r.get("input")
        if isinstance(v, str) and "cluegraph-triage-" in v:
            stem = Path(v).name
            r["input"] = by_tmp.get(stem[:4], stem[4:])


def render() -> None:
    guard.page("Triage")
    st.caption(
        "Compare new files or hashes with everything known: exact and near matches, the series "
        "they belong to, and the countries and agencies that already hold them. Files are "
        "hashed on this server and deleted straight away; nothing is stored unless you add "
        "them to a case."
    )
    with st.form("triage-form"):
        files = st.file_uploader("Files (images or videos)", accept_multiple_files=True)
        text = st.text_area(
            "Or paste hashes: SHA-256, SHA-1, MD5 or PDQ, one per line",
            height=110,
            key="triage_hashes",
        )
        go = st.form_submit_button("Triage", type="primary", icon=":material/fact_check:")
    hashes = [h.strip() for h in re.split(r"[\s,;]+", text or "") if h.strip()]
    if go:
        if not files and not hashes:
            st.warning("Give at least one file or hash.")
            return
        try:
            with st.spinner("Hashing and searching…"):
                res = _run(files, hashes)
        except GraphError as e:
            S.show_error(e)
            return
        _uploaded_names(res.rows, files)
        st.session_state[S.TRIAGE_RESULT] = (shapes.plain_rows(res), res.columns, res.truncated)
        visual_panels.scene_triage(files)
    kept = st.session_state.get(S.TRIAGE_RESULT)
    if not kept:
        return
    rows, columns, truncated = kept
    if not any(r.get("match") not in (None, "none") for r in rows):
        st.success("No match: nothing known looks like these files or hashes.")
        if rows:
            C.table(rows, columns, truncated=truncated, key="triage-table")
    else:
        summary(rows)
        columns = ordered(list(columns))
        names = S.load(overview_service.agency_names) or {}
        shown = [
            {**r, "agencies": [names.get(a, a) for a in r.get("agencies") or []]}
            if isinstance(r.get("agencies"), list)
            else r
            for r in rows
        ]
        C.table(shown, columns, truncated=truncated, key="triage-table")
        C.downloads(columns, rows, "triage")
        moments(rows)
    clips()
    visual_panels.triage_scenes()
    add_to_case(files, hashes)


def clips() -> None:
    """A strip of sampled frames of each uploaded clip."""
    pics = st.session_state.get(UPLOAD_PICTURES) or {}
    videos = {n: p for n, p in pics.items() if p.get("kind") == "video"}
    if not videos:
        return
    st.markdown("**Uploaded clips**")
    for name, p in videos.items():
        st.caption(C.md(name))
        C.frame_strip(p.get("strip") or [], p["sha256"], size=110, where="-upload")


def moments(rows: list[dict]) -> None:
    """Each match side by side: the uploaded file (an image, or a clip at its moment) and
    the matched file (an image, or a clip at its own moment) when it is reachable from
    this machine, both blurred until revealed, with the distance and the method."""
    pics = st.session_state.get(UPLOAD_PICTURES) or {}
    hits = [
        r
        for r in rows
        if r.get("sha256")
        and r.get("match") not in (None, "none")
        and (r.get("method") in VIDEO_METHODS or str(r.get("input") or "") in pics)
    ]
    if not hits:
        return
    files = S.load(series_service.media_files, tuple(sorted({r["sha256"] for r in hits}))) or {}
    st.markdown("**Side by side** — your file (left) and the match (right)")
    for k, r in enumerate(hits[:10]):
        name = str(r.get("input") or "")
        pic = pics.get(name) or {}
        other = files.get(r["sha256"]) or {}
        with st.container(border=True):
            share = ""
            if r.get("input_percent") is not None:
                share = (
                    f"; {r['input_percent']:g} % of the upload's sampled frames and "
                    f"{r.get('match_percent') or 0:g} % of the match's match"
                )
            st.markdown(
                f"{C.md(name)} {_when(r.get('at_input'))} ↔ "
                f"{C.md(other.get('fileName') or C.short_hash(r['sha256']))} "
                f"{_when(r.get('at_match'))} — {C.md(distance(r))}{C.md(share)}"
            )
            left, right = st.columns(2)
            with left:
                if pic.get("kind") == "video":
                    t = r.get("at_input")
                    at = float(t) if t is not None else 0.0
                    png = (pic.get("moments") or {}).get(at) if t is not None else None
                    C.frame_strip([(at, png)] if png else [], pic["sha256"], size=200,
                                  where=f"-m{k}")  # fmt: skip
                elif pic.get("thumb"):
                    C.frame_strip(
                        [(0.0, pic["thumb"])], pic["sha256"], size=200, where=f"-m{k}", still=True
                    )
                else:
                    st.caption("no picture of this input")
            with right:
                C.picture(other.get("path"), r["sha256"], other.get("kind"), r.get("at_match"),
                          size=200, where=f"-m{k}")  # fmt: skip


def distance(r: dict) -> str:
    """ "identical file (sha256)", "PDQ distance 12 of 256 (pdq)"."""
    method = r.get("method") or r.get("match") or "?"
    if r.get("pdq_distance") is not None:
        return f"PDQ distance {r['pdq_distance']} of 256 ({method})"
    if r.get("phash_distance") is not None:
        return f"pHash distance {r['phash_distance']} of 64 ({method})"
    return f"identical file ({method})" if r.get("match") == "exact" else str(method)


#: Triage columns in the order an analyst reads them: who holds it before the hash.
FIRST = ("input", "match", "method", "series", "countries", "agencies", "cases", "file_name")


def ordered(columns: list[str]) -> list[str]:
    """``columns`` with series, countries and agencies before the hashes."""
    head = [c for c in FIRST if c in columns]
    return head + [c for c in columns if c not in head]


def _when(t) -> str:
    """Where in a clip ("at **0:12**"); nothing for a still image."""
    return "" if t is None else f"at **{C.seconds(t)}**"


def match_words(kind: str, n: int) -> str:
    """ "2 near-duplicates", "1 identical file"."""
    one, many = MATCH_WORDS.get(kind, (kind or "match", (kind or "match") + "es"))
    return f"{n} {one if n == 1 else many}"


#: How many matches of each kind, in words.
MATCH_WORDS = {
    "exact": ("identical file", "identical files"),
    "near": ("near-duplicate", "near-duplicates"),
    "candidate": ("candidate to check", "candidates to check"),
}


def summary(rows: list[dict]) -> None:
    def values(r: dict, *keys: str) -> list[str]:
        out: list[str] = []
        for k in keys:
            v = r.get(k)
            if isinstance(v, list):
                out += [str(x) for x in v if x]
            elif v:
                out.append(str(v))
        return out

    rows = [r for r in rows if r.get("match") not in (None, "none")]
    countries = Counter(c for r in rows for c in set(values(r, "countries", "country")))
    agencies = Counter(a for r in rows for a in set(values(r, "agencies", "agency")))
    series = Counter(s for r in rows for s in set(values(r, "series", "series_id", "seriesId")))
    kinds = Counter(str(r.get("match") or r.get("kind") or "") for r in rows)
    c = st.columns(4)
    c[0].metric("Matches", len(rows))
    c[1].metric("Series", len(series))
    c[2].metric("Countries", len(countries))
    c[3].metric("Agencies", len(agencies))
    if kinds and set(kinds) != {""}:
        st.caption(" · ".join(match_words(k, n) for k, n in kinds.most_common()))
    if agencies:
        names = S.load(overview_service.agency_names) or {}
        held = [
            f"**{C.md(names.get(a, a))}** ({n} match{'es' if n > 1 else ''})"
            for a, n in agencies.most_common()
        ]
        st.info(
            "Already held by: " + "; ".join(held),
            icon=":material/group:",
        )
    if series:
        c1, c2 = st.columns([3, 1])
        pick = c1.selectbox("Open a matching series", sorted(series), key="triage_open_pick")
        if c2.button("Open", key="triage_open_btn"):
            S.open_series(pick)


def add_to_case(files, hashes: list[str]) -> None:
    if not guard.may(Action.LOAD):  # a load: the query layer checks the ``load`` right again
        st.caption(
            "Nothing above was stored. Adding these files to a case is a load, which needs "
            "the admin role: ask an admin, or have them run "
            "`cluegraph load media DIR --case CASE_ID`."
        )
        return
    key = "add_to_case"  # the triage lead's parameter (service.triage.params())
    with st.expander("Add these files to a case", icon=":material/add_box:"):
        st.caption(
            "The files are kept under the ClueGraph home folder (readable by its user only) "
            "so that the case can show them; their hashes and metadata go into the graph."
        )
        with st.form("triage-add"):
            c1, c2 = st.columns(2)
            case_id = c1.text_input("Case id", key="triage_case")
            series_id = c2.text_input("Series id (optional)", key="triage_series")
            ok = st.form_submit_button("Add to case")
        if ok:
            if not case_id.strip() or not files:
                st.warning("Give a case id, and keep the files in the form above.")
                return
            extra: dict[str, str] = {key: case_id.strip()}
            if series_id.strip():
                extra["series"] = series_id.strip()
            folder = get_settings().home / "uploads" / _SAFE.sub("_", case_id.strip())[:80]
            try:
                res = _run(files, [], extra=extra, keep_in=folder)
            except GraphError as e:
                S.show_error(e)
                return
            loaded = (res.summary or {}).get("loaded") or {}
            S.clear_caches()
            st.success(
                f"Added {loaded.get('files', len(files))} file(s) to case {C.md(case_id)}"
                + (f", series {C.md(series_id)}" if series_id.strip() else "")
                + "."
            )


if __name__ == "__main__":
    render()
