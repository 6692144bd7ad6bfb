"""Cypher console: read-only queries with a row limit and a timeout; a table and a graph."""

from __future__ import annotations

import json

import streamlit as st

from app import components as C
from app import guard
from app import state as S
from graph import shapes
from graph.config import get_settings
from graph.errors import GraphError
from service import console as console_service

EXAMPLE = console_service.EXAMPLE


def render() -> None:
    guard.page("Cypher console")
    settings = get_settings()
    st.caption(
        "Read-only: each query is checked with EXPLAIN and refused unless it only reads "
        "(no writes, no LOAD CSV, no administration), then runs in a read transaction with "
        "a row limit and a timeout."
    )
    with st.form("console"):
        text = st.text_area("Cypher", value=EXAMPLE, height=160, key="console_text")
        c1, c2, c3 = st.columns([3, 1, 1])
        params_text = c1.text_input(
            "Parameters (JSON object)", value="{}", key="console_params", help='e.g. {"id": "S-1"}'
        )
        limit = c2.number_input(
            "Row limit", 1, max(settings.row_limit, 5000), settings.row_limit, key="console_limit"
        )
        timeout = c3.number_input(
            "Timeout (s)",
            1.0,
            max(settings.query_timeout, 1.0),
            min(settings.query_timeout, 30.0),
            key="console_timeout",
        )
        run = st.form_submit_button("Run", type="primary", icon=":material/play_arrow:")
    if run:
        try:
            params = json.loads(params_text or "{}")
            if not isinstance(params, dict):
                raise ValueError
        except ValueError:
            st.warning('Parameters must be a JSON object, e.g. {"id": "S-1"}.')
            return
        st.session_state.pop(S.CONSOLE_RESULT, None)
        try:
            res = console_service.query(
                S.driver(),
                text,
                params,
                limit=int(limit),
                timeout=float(timeout),
                user=guard.current_user(),
            )
        except GraphError as e:  # checked and recorded by service.console
            S.show_error(e)
            return
        nodes, rels = shapes.result_graph(res.rows)
        st.session_state[S.CONSOLE_RESULT] = (
            shapes.plain_rows(res),
            res.columns,
            res.truncated,
            nodes,
            rels,
        )
    kept = st.session_state.get(S.CONSOLE_RESULT)
    if not kept:
        return
    rows, columns, truncated, nodes, rels = kept
    st.caption(f"{len(rows)} row(s)" + (" — cut at the row limit" if truncated else ""))
    # A choice, not tabs: a graph drawn inside a hidden tab is fitted to a frame of no
    # width and opens zoomed on two or three nodes.
    views = {"table": "Table", "graph": f"Graph ({len(nodes)} nodes, {len(rels)} relationships)"}
    view = st.radio(
        "Show",
        list(views),
        format_func=views.__getitem__,
        horizontal=True,
        key="console_view",
        label_visibility="collapsed",
    )
    if view == "table":
        if rows:
            C.table(rows, columns, truncated=truncated, key="console-table")
            C.downloads(columns, rows, "console")
        else:
            st.caption("No rows.")
    else:
        if not nodes:
            st.caption("The result holds no nodes or relationships to draw.")
        else:
            labels = {n["labels"][0] if n["labels"] else "node" for n in nodes}
            colours = C.country_colours(labels)
            C.legend(colours)
            shown = nodes[:500]
            ids = {n["id"] for n in shown}
            C.network(
                [
                    {
                        "id": n["id"],
                        "label": n["caption"],
                        "colour": colours[n["labels"][0] if n["labels"] else "node"],
                        "size": 14,
                    }
                    for n in shown
                ],
                [
                    {"source": r["source"], "target": r["target"], "label": r["type"]}
                    for r in rels
                    if r["source"] in ids and r["target"] in ids
                ][:2000],
                height=520,
                directed=True,
                laid_out=True,
            )
            if len(nodes) > 500:
                st.caption("Drawing the first 500 nodes.")


if __name__ == "__main__":
    render()
