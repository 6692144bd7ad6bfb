"""Leads: pick a named lead, fill its parameters, run it, read the explanation and the rows."""

from __future__ import annotations

import streamlit as st

from app import components as C
from app import guard
from app import state as S
from graph import pages
from graph.errors import GraphError
from service import leads as leads_service


def field(p, key: str):
    """One form widget for a lead parameter, by its declared type."""
    label = p.name + (" *" if getattr(p, "required", False) else "")
    help_ = getattr(p, "help", None) or None
    default = getattr(p, "default", None)
    ptype = getattr(p, "type", "str")
    choices = list(getattr(p, "choices", None) or [])
    if choices and ptype == "list[str]":
        return st.multiselect(
            label,
            choices,
            default=list(default or []),
            help=help_,
            key=key,
            format_func=lambda v: C.KIND_LABELS.get(v, v),
        )
    if choices:
        options = ([] if getattr(p, "required", False) else [""]) + choices
        index = options.index(default) if default in options else 0
        return st.selectbox(
            label, options, index=index, help=help_, key=key, format_func=lambda v: v or "(any)"
        )
    if ptype == "bool":
        return st.checkbox(label, value=bool(default), help=help_, key=key)
    if ptype == "int":
        return st.number_input(
            label, value=None if default is None else int(default), step=1, help=help_, key=key
        )
    if ptype == "float":
        return st.number_input(
            label,
            value=None if default is None else float(default),
            step=0.1,
            format="%.2f",
            help=help_,
            key=key,
        )
    if ptype == "list[str]":
        text = "\n".join(default) if isinstance(default, list | tuple) else (default or "")
        return st.text_area(
            label, value=text, help=(help_ or "") + " One per line.", key=key, height=90
        )
    return st.text_input(label, value="" if default is None else str(default), help=help_, key=key)


#: Result columns that hold series ids (one id or a list of ids).
SERIES_COLUMNS = (
    "series",
    "series_a",
    "series_b",
    "seriesId",
    "series_id",
    "from_series",
    "to_series",
    "other_series",
    "neighbour",
)


def result_series(rows: list[dict], columns: list[str]) -> list[str]:
    """Every series id of a lead's result, one per id (a cluster's ``series`` is a list)."""
    out: set[str] = set()
    for r in rows:
        for c in columns:
            if c not in SERIES_COLUMNS:
                continue
            v = r.get(c)
            for x in v if isinstance(v, list | tuple) else [v]:
                if isinstance(x, str) and x:
                    out.add(x)
    return sorted(out)


def render() -> None:
    guard.page("Leads")
    catalog = pages.leads()
    if catalog is None:
        st.info(
            "Leads are not available yet: the lead queries (graph/leads.py) are not installed "
            "in this version.",
            icon=":material/extension_off:",
        )
        return
    if not catalog:
        st.info("No lead is defined.")
        return
    names = sorted(catalog)
    default = names.index("cross-country") if "cross-country" in names else 0
    name = st.selectbox(
        "Lead",
        names,
        index=default,
        key="lead_name",
        format_func=lambda n: f"{n} — {getattr(catalog[n], 'explanation', '')}",
    )
    lead = catalog[name]
    st.markdown(f"**{C.md(name)}** — {C.md(getattr(lead, 'explanation', ''))}")
    params = list(getattr(lead, "params", []) or [])
    if name == "triage":  # server paths and loads stay off this form (pages.run_lead)
        params = [p for p in params if p.name not in pages.SERVER_SIDE_TRIAGE]
        st.caption("Hashes only here: upload files, and add them to a case, on the Triage page.")
    with st.form(f"lead-form-{name}"):
        values = {}
        cols = st.columns(min(3, max(1, len(params))))
        for i, p in enumerate(params):
            with cols[i % len(cols)]:
                values[p.name] = field(p, f"lead-{name}-{p.name}")
        run = st.form_submit_button("Run", type="primary", icon=":material/play_arrow:")
    if run:
        S.driver()
        try:
            with st.spinner(f"Running {name}…"):
                res = leads_service.run(
                    S.driver(), name, values, user=guard.current_user(), form=True
                )
        except GraphError as e:  # checked and recorded by service.leads
            S.show_error(e)
            return
        st.session_state[S.LEAD_RESULT] = (name, pages.plain_rows(res), res.columns, res.truncated)
    kept = st.session_state.get(S.LEAD_RESULT)
    if not kept or kept[0] != name:
        return
    _, rows, columns, truncated = kept
    if not rows:
        st.info("The lead found nothing with these parameters.")
        return
    st.caption(f"{len(rows)} row(s)" + (" — cut at the row limit" if truncated else ""))
    C.table(C.labelled_kinds(rows), columns, truncated=truncated, key=f"lead-table-{name}")
    C.downloads(columns, rows, f"lead-{name}")
    series_ids = result_series(rows, columns)
    if series_ids:
        c1, c2 = st.columns([3, 1])
        pick = c1.selectbox("Open a series from the result", series_ids, key="lead_open_pick")
        if c2.button("Open", key="lead_open_btn"):
            S.open_series(pick)


if __name__ == "__main__":
    render()
