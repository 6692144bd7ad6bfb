"""Link graph: series linked across countries, coloured by country; click a series to open it."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app import components as C
from app import guard
from app import state as S
from graph import shapes
from graph.schema import LINK_KINDS
from service import access
from service import links as links_service
from service import overview as overview_service

ANY = "(any)"


def filters(codes: list[str]) -> links_service.LinkFilter:
    with st.sidebar.form("link-filters"):
        st.markdown("**Filters**")
        kinds = st.multiselect(
            "Link kinds",
            LINK_KINDS,
            format_func=lambda k: C.KIND_LABELS.get(k, k),
            key="lg_kinds",
            placeholder="every kind",
        )
        min_score = st.number_input(
            "Minimum score",
            min_value=0.0,
            value=access.default_min_score(),
            step=0.1,
            key="lg_min_score",
            help="Weak links (a common clue, a distant place) score low; the leads' default "
            "is CLUEGRAPH_LINK_MIN_SCORE.",
        )
        country = st.selectbox("Country", [ANY, *codes], key="lg_country")
        cross_only = st.checkbox("Cross-country links only", value=True, key="lg_cross")
        rejected = st.checkbox("Show rejected links", value=False, key="lg_rejected")
        use_dates = st.checkbox("Only series with a case opened between", key="lg_use_dates")
        today = dt.date.today()
        dates = st.date_input(
            "Case opened between",
            value=(today - dt.timedelta(days=365), today),
            key="lg_dates",
            label_visibility="collapsed",
        )
        limit = st.slider(
            "Links at most", 10, links_service.GRAPH_LINKS_MAX, 300, 10, key="lg_limit"
        )
        st.text_input(
            "Centre on a series",
            key="lg_centre",
            placeholder="a series id",
            help="Only that series and the series within the given number of links of it.",
        )
        st.slider("Hops from it", 1, 5, 2, key="lg_hops")
        st.form_submit_button("Apply", type="primary")
    start = end = None
    if use_dates and isinstance(dates, tuple | list) and dates:
        start = dates[0]
        end = dates[1] if len(dates) > 1 else None
    return links_service.LinkFilter(
        kinds=list(kinds),
        min_score=float(min_score),
        country=None if country == ANY else country,
        cross_only=cross_only,
        include_rejected=rejected,
        opened_from=start,
        opened_to=end,
        limit=int(limit),
    )


def edge_colour(e: dict) -> str:
    """A judged link in its judgement's colour; else blue for a verified same scene, faint
    for a shared object alone, grey otherwise.

    >>> edge_colour({"judgement": None, "kinds": ["same_camera", "same_scene"]})
    '#1565C0'
    >>> edge_colour({"judgement": "confirmed", "kinds": ["same_scene"]})
    '#2E7D32'
    """
    if e.get("judgement"):
        return C.JUDGEMENT_COLOURS.get(e["judgement"], "#8D8D8D")
    kinds = set(e.get("kinds") or [])
    if "same_scene" in kinds:
        return C.VISUAL_KIND_COLOURS["same_scene"]
    if kinds == {"shared_object"}:
        return C.VISUAL_KIND_COLOURS["shared_object"]
    return "#8D8D8D"


def render() -> None:
    guard.page("Link graph")
    countries = S.load(overview_service.countries)
    if countries is None:
        return
    flt = filters([c["code"] for c in countries.rows])
    res = S.load(links_service.graph, flt)
    if res is None:
        return
    if not res.rows:
        counts = S.load(overview_service.counts) or {}
        if not any(counts.get(k) for k in ("series", "media")):
            C.empty_graph_hint()
        else:
            st.info(
                "No link matches these filters. Links appear after the link engine has run "
                "(`cluegraph links rebuild`); try lowering the minimum score or showing "
                "same-country links.",
                icon=":material/info:",
            )
        return
    rows = res.rows
    centre = str(st.session_state.get("lg_centre") or "").strip()
    if centre:
        hops = int(st.session_state.get("lg_hops") or 2)
        rows = around(rows, centre, hops)
        if not rows:
            st.info(
                f"No link of series {C.md(centre)} matches these filters.", icon=":material/info:"
            )
            return
        st.caption(f"Centred on **{C.md(centre)}**: the series within {hops} link(s) of it.")
    nodes, edges = shapes.graph_elements(rows)
    colours = C.country_colours(c for n in nodes for c in (n["countries"] or ["--"]))
    st.caption(
        f"{len(nodes)} series and {len(edges)} link(s)"
        + (" (strongest first, cut at the limit)" if res.truncated else "")
        + ". Click a series to open it; drag to rearrange, scroll to zoom."
    )
    C.legend(colours)
    clicked = C.network(
        [
            {
                "id": n["id"],
                "label": f"{n['id']}\n{'/'.join(n['countries']) or '--'}",
                "colour": colours.get((n["countries"] or ["--"])[0]),
                "size": 10 + 2 * min(n["degree"], 8),
            }
            for n in nodes
        ],
        [
            {
                "source": e["source"],
                "target": e["target"],
                "label": f"{e['score']:.1f}" if isinstance(e["score"], int | float) else "",
                "title": ", ".join(C.KIND_LABELS.get(k, k) for k in e["kinds"]),
                "colour": edge_colour(e),
                "width": 1 + min(float(e["score"] or 0), 6.0),
                "dashes": not e["crossCountry"]
                or e["judgement"] == "rejected"
                or set(e["kinds"] or []) == {"shared_object"},
            }
            for e in edges
        ],
        height=620,
    )
    if clicked is None:
        st.session_state[S.GRAPH_CLICK] = None
    elif clicked != st.session_state.get(S.GRAPH_CLICK):
        st.session_state[S.GRAPH_CLICK] = clicked
        S.open_series(str(clicked))
    st.caption(
        "Edge colour: green confirmed, amber unsure, red rejected; not judged: blue when the "
        "same room is seen in both (same scene), else grey. Dashed: same country, rejected, "
        "or only a shared object (one product, not the room). Edge label: score."
    )
    with st.expander("Links as a table", icon=":material/table:"):
        C.table(
            C.labelled_kinds(rows),
            ["a", "aCountries", "b", "bCountries", "score", "kinds", "crossCountry", "judgement"],
            key="links-table",
        )
        ids = sorted({n["id"] for n in nodes})
        c1, c2 = st.columns([3, 1])
        pick = c1.selectbox("Open a series", ids, key="lg_open_pick")
        if c2.button("Open", key="lg_open_btn") and pick:
            S.open_series(pick)


def around(rows: list[dict], centre: str, hops: int) -> list[dict]:
    """The links among the series within ``hops`` links of ``centre`` (rows ``a``, ``b``).

    >>> rows = [{"a": "A", "b": "B"}, {"a": "B", "b": "C"}, {"a": "C", "b": "D"}]
    >>> [r["b"] for r in around(rows, "A", 2)]
    ['B', 'C']
    """
    near = {centre}
    frontier = {centre}
    for _ in range(hops):
        nxt = set()
        for r in rows:
            if r["a"] in frontier and r["b"] not in near:
                nxt.add(r["b"])
            if r["b"] in frontier and r["a"] not in near:
                nxt.add(r["a"])
        near |= nxt
        frontier = nxt
    return [r for r in rows if r["a"] in near and r["b"] in near and len(near) > 1]


if __name__ == "__main__":
    render()
