"""Clue board: clues by type with the series and countries that show them; add a clue."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import components as C
from app import guard, visual_panels
from app import state as S
from graph.errors import GraphError
from graph.schema import CLUE_TYPES
from service import access
from service import clues as clues_service

ANY = "(any)"


def render() -> None:
    guard.page("Clue board")
    st.caption(
        "Most useful first: clues shown in several series, ranked by the countries they "
        "span per series (a rare clue across borders is a lead; a white wall in 21 series "
        "is not), then the rarest. Rare clues also weigh more in the links."
    )
    types = S.load(clues_service.types)
    if types is None:
        return
    board, add, suggested = st.tabs(["Clues", "Add a clue", "Suggested clues"])
    with board:
        if not types.rows:
            st.info("No clue recorded yet. Add one in the next tab, or load a clues file.")
        else:
            by_type(types.rows)
            clue_list()
    with add:
        add_form()
    with suggested:
        visual_panels.suggestions_panel()


def by_type(rows: list[dict]) -> None:
    st.subheader("By type")
    left, right = st.columns([3, 2])
    with left:
        df = pd.DataFrame(rows)
        st.bar_chart(df, x="type", y=["series", "countries"], stack=False, height=260)
    with right:
        C.table(rows, ["type", "clues", "media", "series", "countries"], key="clue-types")


def clue_list() -> None:
    st.subheader("Clues")
    with st.form("clue-filter", border=False):
        c1, c2, c3 = st.columns([1, 3, 1])
        ctype = c1.selectbox("Type", [ANY, *CLUE_TYPES], key="cl_type")
        text = c2.text_input("Label contains", key="cl_text")
        if c3.form_submit_button("Filter"):
            st.session_state[S.CLUES_SKIP] = 0
    skip = int(st.session_state.get(S.CLUES_SKIP, 0))
    res = S.load(clues_service.board, None if ctype == ANY else ctype, text, skip, access.PAGE_SIZE)
    if res is None:
        return
    if not res.rows:
        st.caption("No clue matches.")
        return
    C.table(
        res.rows,
        ["type", "label", "series", "countries", "media", "pointsTo", "analysts", "id"],
        key=f"clue-list-{C.stable_key(ctype, text, skip)}",
        column_config={"pointsTo": "points to"},
    )
    C.pager(S.CLUES_SKIP, access.PAGE_SIZE, res.truncated, len(res.rows))


def add_form() -> None:
    target_q = S.query_param(S.CLUE_TARGET) or ""
    kind_q = S.query_param("kind") or ("series" if target_q and len(target_q) < 32 else "media")
    with st.form("add-clue", clear_on_submit=False):
        c1, c2 = st.columns([1, 3])
        kind = c1.radio(
            "On",
            ["media", "series"],
            index=1 if kind_q == "series" else 0,
            horizontal=True,
            key="ac_kind",
        )
        target = c2.text_input(
            "Media hash (SHA-256, SHA-1 or MD5) or series id", value=target_q, key="ac_target"
        )
        c3, c4 = st.columns([1, 3])
        ctype = c3.selectbox("Type", CLUE_TYPES, key="ac_type")
        label = c4.text_input(
            "Clue, as you would describe it",
            placeholder="e.g. Kalimba Coffee poster, socket type G",
            key="ac_label",
        )
        c5, c6 = st.columns([3, 1])
        hint = c5.text_input(
            "Where it points (optional)",
            placeholder="a town and country (Lyon, FR), a country, or lat,lon",
            key="ac_hint",
        )
        confidence = c6.slider("Confidence", 0.0, 1.0, 0.8, 0.05, key="ac_conf")
        who = guard.user_name()
        st.caption(f"Recorded as noted by **{C.md(who)}**." if who else "")
        ok = st.form_submit_button("Add clue", type="primary", icon=":material/add:")
    if not ok:
        return
    try:
        added = clues_service.add(
            S.driver(),
            user=guard.current_user(),
            target=target,
            target_kind=kind,
            clue_type=ctype,
            label=label,
            confidence=confidence,
            location_hint=hint,
        )
    except GraphError as e:
        S.show_error(e)
        return
    S.clear_caches()
    msg = f"Clue **{C.md(added.clue_id)}** added to {kind} {C.md(target)}"
    if added.location_id:
        msg += f", pointing to {C.md(added.place or added.location_id)}"
    st.success(msg + ".")
    for sid, countries in added.elsewhere().items():
        st.warning(
            f"This clue points to **{C.md(added.place or '')}** ({C.md(added.place_country)}), "
            f"but series **{C.md(sid)}** is investigated in **{C.md(', '.join(countries))}**: "
            "it may be the lead, or a mistake — check the clue before acting on it.",
            icon=":material/travel_explore:",
        )
    for note in added.notes:
        st.caption(note)
    if added.links_updated:
        st.caption(f"Links updated for {', '.join(added.series)}.")


if __name__ == "__main__":
    render()
