"""Leads: pick a named lead, fill its parameters, run it, read the explanation and the rows."""

from __future__ import annotations

import re

import streamlit as st

from app import components as C
from app import guard
from app import state as S
from graph import display, shapes
from graph.errors import GraphError
from service import leads as leads_service

#: Form labels of the leads' parameters (``graph.leads.Param.name`` is a code name).
PARAM_LABELS = {
    "min_score": "Minimum link score",
    "max_hops": "At most this many hops",
    "limit": "At most this many rows",
    "country": "Country (code)",
    "kind": "Kind of evidence",
    "kinds": "Kinds of item",
    "hashes": "Hashes",
    "near": "Also near-duplicates",
    "cross_country_only": "Cross-country links only",
    "serial": "Camera serial number",
    "make": "Camera make",
    "model": "Camera model",
    "clue_type": "Clue type",
    "other_countries_only": "Only series of other countries",
    "min_countries": "At least this many countries",
    "include_common": "Keep very common clues and places",
    "seed": "Random seed",
    "sample": "Series sampled",
    "resolution": "Group size (Louvain resolution)",
    "level": "Grouping",
    "min_agencies": "At least this many agencies",
    "min_overlap": "Share of files in common",
    "series_a": "First series",
    "series_b": "Second series",
}

#: What a parameter means, where the lead's own help is too terse for a form.
PARAM_HELP = {
    "min_score": (
        "Links scoring below this are left out. A score adds the weight of each kind of "
        "shared evidence (the same file 1.0, the same camera 0.8, a shared clue at most 0.5, "
        "less the more series show it); below the default, links are mostly chance "
        "resemblances, such as a national socket type."
    ),
    "max_hops": "The path may go through at most this many links.",
    "seed": "Fixes the random choices, so the same parameters give the same answer.",
    "resolution": "Above 1: smaller, tighter groups; below 1: larger groups.",
    "min_overlap": "Share (0 to 1) of one series' files found, identical or near-identical, "
    "in the other.",
}


#: Parameters that narrow a result down when given.
_FILTERS = {"country", "kind", "kinds", "clue_type", "make", "model"}


def param_label(p) -> str:
    """A lead parameter's form label ("Minimum link score *" for ``min_score``, required)."""
    base = PARAM_LABELS.get(p.name) or display.label(p.name)
    return base + (" *" if getattr(p, "required", False) else "")


def _default_text(p) -> str:
    d = getattr(p, "default", None)
    if getattr(p, "required", False):
        return "Required."
    if p.name == "min_score":
        return f"Default: {d:g} (the leads' default, CLUEGRAPH_LINK_MIN_SCORE)."
    if d is None or d == [] or d == ():
        if p.name == "limit":
            return "Default: empty, every row."
        if p.name == "sample":
            return "Default: empty, chosen from the graph's size."
        if p.name in _FILTERS:
            return "Default: empty, no filter."
        return "Default: empty."
    if isinstance(d, bool):
        return f"Default: {'on' if d else 'off'}."
    if isinstance(d, list | tuple):
        return f"Default: {', '.join(map(str, d))}."
    if isinstance(d, float):
        return f"Default: {d:g}."
    return f"Default: {d}."


def param_help(p) -> str:
    """What the parameter means and its default, in sentences."""
    own = re.sub(r"\s*\(default[^)]*\)", "", getattr(p, "help", "") or "").strip()
    what = PARAM_HELP.get(p.name) or (own[:1].upper() + own[1:] + "." if own else "")
    return f"{what} {_default_text(p)}".strip()


def field(p, key: str):
    """One form widget for a lead parameter, by its declared type."""
    label = param_label(p)
    help_ = param_help(p)
    default = p.default
    ptype = p.type
    choices = list(p.choices or [])
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
        return st.text_area(label, value=text, help=help_ + " One per line.", key=key, height=90)
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
    catalog = leads_service.catalog()
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
    if name == "triage":  # server paths and loads stay off this form (leads_service.run_lead)
        params = [p for p in params if p.name not in leads_service.SERVER_SIDE_TRIAGE]
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
        st.session_state[S.LEAD_RESULT] = (name, shapes.plain_rows(res), res.columns, res.truncated)
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
