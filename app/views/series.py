"""Series explorer: find a series, open it, and see everything linked to it.

The open series is in the URL (``?series=ID``), so a link from any page, a bookmark or a
colleague's message opens it. Linked series open in place; links are judged here.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import components as C
from app import guard, visual_panels
from app import state as S
from graph import display, shapes
from graph.errors import GraphError
from graph.schema import JUDGEMENTS, SERIES_STATUSES
from service import access
from service import links as links_service
from service import overview as overview_service
from service import series as series_service

ANY = "(any)"
_HANDLED = "series_results_handled"
_AUDITED = "series_view_audited"


def render() -> None:
    guard.page("Series explorer")
    sid = S.query_param(S.SERIES)
    with st.expander("Find a series", expanded=sid is None, icon=":material/search:"):
        search()
    if sid:
        show(sid)
    else:
        st.caption("Search above and select a row to open a series.")


def open_here(series_id: str) -> None:
    st.query_params[S.SERIES] = series_id
    st.rerun()


# ------------------------------------------------------------------ search
def search() -> None:
    countries = S.load(overview_service.countries)
    codes = [c["code"] for c in countries.rows] if countries else []
    with st.form("series-search", border=False):
        c1, c2, c3 = st.columns([3, 1, 1])
        text = c1.text_input("Id or name contains", key="ss_text")
        country = c2.selectbox("Country", [ANY, *codes], key="ss_country")
        status = c3.selectbox("Status", [ANY, *SERIES_STATUSES], key="ss_status")
        if st.form_submit_button("Search", type="primary"):
            st.session_state[S.SEARCH_SKIP] = 0
    skip = int(st.session_state.get(S.SEARCH_SKIP, 0))
    res = S.load(
        series_service.search,
        text,
        None if country == ANY else country,
        None if status == ANY else status,
        skip,
        access.PAGE_SIZE,
    )
    if res is None:
        return
    if not res.rows:
        st.caption("No series match." if (text or country != ANY or status != ANY) else "")
        if not text and country == ANY and status == ANY:
            C.empty_graph_hint()
        return
    key = f"series-results-{C.stable_key(text, country, status, skip)}"
    event = C.table(
        res.rows,
        [
            "id",
            "name",
            "status",
            "countries",
            "agencies",
            "cases",
            "media",
            "links",
            "crossCountryLinks",
        ],
        key=key,
        on_select="rerun",
        column_config={"crossCountryLinks": "cross-country links"},
    )
    C.pager(S.SEARCH_SKIP, access.PAGE_SIZE, res.truncated, len(res.rows))
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if rows:
        picked = res.rows[rows[0]]["id"]
        # A selection stays selected across reruns: act on each new one only once.
        if st.session_state.get(_HANDLED) != (key, picked):
            st.session_state[_HANDLED] = (key, picked)
            open_here(picked)


# ------------------------------------------------------------------ one series
def show(sid: str) -> None:
    d = S.load(series_service.detail, sid)
    if d is None:
        return
    if st.session_state.get(_AUDITED) != sid:
        st.session_state[_AUDITED] = sid
        S.call(series_service.record_view, S.driver(), sid, user=guard.current_user())
    st.subheader(f"{C.md(d['id'])} · {C.md(d.get('name') or '')}")
    agencies = sorted(
        {
            shapes.agency_label(c["agencyId"], c.get("agencyName"), c.get("country"))
            for c in d["cases"]
            if c.get("agencyId")
        }
    )
    st.markdown(
        f":gray-badge[{C.md(d.get('status') or 'status unknown')}] "
        f"countries **{C.md(', '.join(d['countries']) or 'none')}** · "
        f"agencies **{C.md(', '.join(agencies) or 'none')}**"
    )
    m = st.columns(5)
    m[0].metric("Cases", len(d["cases"]))
    m[1].metric("Media", f"{d['media']:,}")
    m[2].metric("Victims", d["victims"], help=f"{d['identifiedVictims']} identified")
    m[3].metric("Linked series", d["links"])
    m[4].metric("Cross-country links", d["crossCountryLinks"])
    if len(d["agencies"]) > 1:
        st.warning(
            f"{len(d['agencies'])} agencies work on this series "
            f"({C.md('; '.join(agencies))}): coordinate before acting.",
            icon=":material/group:",
        )
    t_links, t_media, t_cases, t_victims, t_clues = st.tabs(
        ["Linked series", "Media", "Cases and agencies", "Victims", "Clues"],
        key="series-tabs",  # the open tab survives reruns (reveal, judge, next page)
        on_change="rerun",
    )
    with t_links:
        links(sid)
    with t_media:
        media(sid, d["media"])
    with t_cases:
        C.table(
            d["cases"],
            ["caseId", "title", "status", "opened", "agencyId", "agencyName", "country"],
            key="series-cases",
        )
    with t_victims:
        res = S.load(series_service.victims, sid)
        if res is not None:
            if res.rows:
                C.table(res, key="series-victims")
            else:
                st.caption("No victim recorded for this series.")
    with t_clues:
        clues(sid)
    visual_panels.series_section(sid)


def links(sid: str) -> None:
    res = S.load(series_service.links, sid)
    if res is None:
        return
    if not res.rows:
        st.caption("No linked series. Links appear after the link engine has run.")
        return
    can_judge = True
    floor = access.default_min_score()
    strong = [r for r in res.rows if (r.get("score") or 0) >= floor or r.get("judgement")]
    weak = [r for r in res.rows if r not in strong]
    for row in strong:
        link_card(sid, row, can_judge)
    if weak:
        with st.expander(f"{len(weak)} weak link(s), scoring below {floor:g}"):
            for row in weak:
                link_card(sid, row, can_judge)


def link_card(sid: str, row: dict, can_judge: bool) -> None:
    other = row["otherId"]
    with st.container(border=True):
        head, btn = st.columns([5, 1])
        judgement = row.get("judgement")
        badge = ""
        if judgement:
            colour = {"confirmed": "green", "rejected": "red"}.get(judgement, "orange")
            when = C.when(row.get("judgedAt"))
            badge = (
                f" :{colour}-badge[{C.md(judgement)} by {C.md(row.get('judgedBy') or '?')}"
                + (f" on {C.md(when)}" if when else "")
                + "]"
            )
        cc = " :violet-badge[cross-country]" if row.get("crossCountry") else ""
        score = row.get("score")
        score_txt = f" — score **{score:.2f}**" if isinstance(score, int | float) else ""
        head.markdown(
            f"**{C.md(other)}** · {C.md(row.get('otherName') or '')} · "
            f"{C.md(', '.join(row.get('otherCountries') or []) or 'no country')}{score_txt}"
        )
        head.markdown(f"{C.kinds_text(row.get('kinds'))}{cc}{badge}")
        if judgement and row.get("judgementNote"):
            head.markdown(f":material/sticky_note_2: Note: *{C.md(row['judgementNote'])}*")
        if btn.button(
            "Open", key=f"open-{C.stable_key(sid, other)}", icon=":material/open_in_new:"
        ):
            open_here(other)
        C.evidence(row.get("evidence") or [])
        if can_judge:
            judge_form(sid, other, judgement)


def judge_form(sid: str, other: str, current: str | None) -> None:
    with st.form(f"judge-{C.stable_key(sid, other)}", border=False):
        c1, c2, c3 = st.columns([2, 3, 1])
        choice = c1.radio(
            "Judgement",
            JUDGEMENTS,
            index=JUDGEMENTS.index(current) if current in JUDGEMENTS else None,
            horizontal=True,
            key=f"j-{C.stable_key(sid, other)}",
        )
        note = c2.text_input("Note (optional)", key=f"n-{C.stable_key(sid, other)}")
        submitted = c3.form_submit_button("Save")
    if submitted:
        who = guard.user_name()
        if choice is None:
            st.warning("Pick confirmed, rejected or unsure.")
            return
        try:
            links_service.judge(S.driver(), sid, other, choice, note, user=guard.current_user())
        except GraphError as e:
            S.show_error(e)
            return
        S.clear_caches()
        st.toast(f"Link {sid} – {other} marked {choice} by {who}.")
        st.rerun()


def media(sid: str, total: int) -> None:
    key = f"{S.MEDIA_SKIP}:{sid}"
    skip = int(st.session_state.get(key, 0))
    res = S.load(series_service.media, sid, skip, access.PAGE_SIZE)
    if res is None:
        return
    if not res.rows:
        st.caption("No media in this series.")
        return
    shown = [
        {
            **r,
            "camera": display.camera(r.get("make"), r.get("model")),
            "place": ", ".join(x for x in (r.get("place"), r.get("placeCountry")) if x),
        }
        for r in res.rows
    ]
    C.table(
        shown,
        [
            "fileName",
            "kind",
            "capturedAt",
            "camera",
            "serial",
            "place",
            "otherSeries",
            "nearDuplicates",
            "width",
            "height",
            "sha256",
            "md5",
            "sha1",
            "pdq",
            "lat",
            "lon",
        ],
        key=f"media-{C.stable_key(sid, skip)}",
    )
    C.pager(key, access.PAGE_SIZE, res.truncated, len(res.rows))
    on_disk = [r for r in res.rows if r.get("path") and Path(r["path"]).is_file()]
    if len(on_disk) < len(res.rows):
        st.caption(
            f"{len(res.rows) - len(on_disk)} of these {len(res.rows)} files are not reachable "
            "from this machine: no thumbnail for them."
        )
    pictures = [r for r in on_disk if r.get("kind") != "video"]  # clips: videos() below
    if pictures and st.toggle(
        "Show thumbnails (blurred and grey until you reveal one)",
        value=True,
        key=f"thumbs-{sid}",
    ):
        cols = st.columns(6)
        for i, r in enumerate(pictures):
            with cols[i % 6]:
                st.caption(C.md(r.get("fileName") or C.short_hash(r["sha256"])))
                C.thumbnail(r.get("path"), r["sha256"])
    videos(sid)


#: Clips whose frame strips a series page decodes at most.
STRIPS_MAX = 6


def videos(sid: str) -> None:
    """The series' clips: duration, codec, frame rate, size, sampled frames, and a strip
    of frames for those whose file is reachable (blurred and grey until revealed)."""
    res = S.load(series_service.videos, sid)
    if res is None or not res.rows:
        return
    st.markdown(f"**Videos** ({len(res.rows)}{'+' if res.truncated else ''})")
    rows = [
        {
            **r,
            "duration": C.seconds(r["durationSeconds"])
            if r.get("durationSeconds") is not None
            else None,
            "size": f"{r['width']}×{r['height']}" if r.get("width") and r.get("height") else None,
            "fps": round(r["frameRate"], 2) if r.get("frameRate") else None,
        }
        for r in res.rows
    ]
    C.table(
        rows,
        [
            "fileName",
            "duration",
            "videoCodec",
            "fps",
            "size",
            "frameCount",
            "nearDuplicates",
            "sha256",
        ],  # fmt: skip
        key=f"videos-{C.stable_key(sid)}",
        column_config={
            "videoCodec": "codec",
            "frameCount": "frames sampled",
            "nearDuplicates": "near-duplicates",
        },
    )
    reachable = [r for r in res.rows if r.get("path") and Path(r["path"]).is_file()]
    if not reachable:
        st.caption("None of these clips is reachable from this machine: no frames to show.")
        return
    if st.toggle(
        "Show frame strips (blurred and grey until you reveal one)",
        value=True,
        key=f"strips-{sid}",
    ):
        for r in reachable[:STRIPS_MAX]:
            st.caption(
                f"{C.md(r.get('fileName') or C.short_hash(r['sha256']))} · "
                f"{C.md(C.seconds(r.get('durationSeconds')))}"
            )
            C.video_strip(r["path"], r["sha256"], r.get("frameTimes"), r.get("durationSeconds"))
        if len(reachable) > STRIPS_MAX:
            st.caption(f"Frames of the first {STRIPS_MAX} reachable clips only.")


def clues(sid: str) -> None:
    res = S.load(series_service.clues, sid)
    if res is None:
        return
    if res.rows:
        C.table(
            res,
            [
                "type",
                "label",
                "shownOn",
                "media",
                "seriesShowing",
                "pointsTo",
                "analysts",
                "confidence",
            ],
            key="series-clues",
            column_config={"seriesShowing": "series showing it", "shownOn": "on"},
        )
    else:
        st.caption("No clue recorded for this series or its media.")
    st.page_link(
        "views/clues.py",
        label="Add a clue to this series",
        icon=":material/add:",
        query_params={S.CLUE_TARGET: sid, "kind": "series"},
    )


if __name__ == "__main__":
    render()
