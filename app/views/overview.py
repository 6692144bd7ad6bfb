"""Overview: headline counts, series per country and status, the latest loads, a map."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import components as C
from app import guard
from app import state as S
from graph import counts as counts_
from graph import display
from graph.config import get_settings
from service import access
from service import overview as overview_service


def render() -> None:
    guard.page("Overview")
    counts = S.load(overview_service.counts)
    if counts is None:
        return
    words = counts_.explain(counts, access.default_min_score())
    cols = st.columns(len(counts_.LABELS))
    for col, (key, label) in zip(cols, counts_.LABELS.items(), strict=True):
        col.metric(label, f"{counts.get(key, 0):,}", help=words[key].capitalize() + ".")
    st.caption(
        f"Media: {C.md(words['media'])}. Cross-country links: score at least "
        f"{access.default_min_score():g} or confirmed, never rejected — the rows of the "
        "cross-country lead and of `cluegraph leads cross-country`."
    )
    if not any(counts.get(k) for k in ("cases", "series", "media")):
        C.empty_graph_hint()

    left, right = st.columns([3, 2])
    countries = S.load(overview_service.countries)
    with left:
        st.subheader("Series per country and status")
        res = S.load(overview_service.series_per_country_status)
        if res is not None and res.rows:
            df = pd.DataFrame(res.rows, columns=res.columns)
            df["status"] = [display.text(v, "status") or "no status" for v in df["status"]]
            wide = df.pivot_table(
                index="country", columns="status", values="series", aggfunc="sum", fill_value=0
            )
            st.bar_chart(
                wide,
                color=[STATUS_COLOURS.get(s, "#56B4E9") for s in wide.columns],
                x_label="Country",
                y_label="Series",
                height=300,
            )
        elif res is not None:
            st.caption("No series yet.")
    with right:
        st.subheader("Countries")
        if countries is not None and countries.rows:
            C.table(
                countries.rows,
                ["code", "name", "agencies", "cases", "series", "places"],
                key="overview-countries",
                height=300 if len(countries.rows) > 8 else "auto",
            )
        elif countries is not None:
            st.caption("No country yet.")

    st.subheader("Places")
    places = S.load(overview_service.places, None, 2000)
    if places is not None and countries is not None:
        if places.rows or countries.rows:
            # Full width: a deck.gl map inside a narrow column is drawn off-centre.
            C.place_map(places.rows, countries.rows, height=380, tile_url=get_settings().tile_url)
            st.caption(
                f"{len(places.rows)} place(s) with coordinates (red), sized by their series; "
                "countries at their capital. The Map page filters by country."
            )
        else:
            st.caption("No places yet.")

    st.subheader("Latest loads")
    loads = S.load(overview_service.latest_loads, 10, 20)
    if loads is None:
        return
    if not loads.rows:
        st.caption("Nothing has been loaded yet.")
        return
    rows = [{**r, "status": load_status(r)} for r in loads.rows]
    C.table(
        rows,
        [
            "startedAt",
            "kind",
            "source",
            "status",
            "read",
            "written",
            "skipped",
            "errorCount",
        ],
        key="loads-table",
    )
    for row in loads.rows:
        if row.get("errorCount"):
            with st.expander(
                f"{row['errorCount']} error(s) in {row.get('kind')} load of {row.get('source')}"
            ):
                st.code("\n".join(by_record(row.get("errors") or [])), language=None)
                if row["errorCount"] > len(row.get("errors") or []):
                    st.caption(f"First {len(row['errors'])} of {row['errorCount']} shown.")


#: Series status colours (Okabe-Ito, colour-blind safe): an identified victim is good news,
#: never red; unidentified is what needs work.
STATUS_COLOURS = {
    "unidentified": "#E69F00",
    "victim identified": "#009E73",
    "closed": "#999999",
}


def load_status(row: dict) -> str:
    """ "failed" rather than "partial" when nothing was written."""
    status = str(row.get("status") or "")
    if status == "partial" and not row.get("written"):
        return "failed (0 rows written)"
    return status


def by_record(errors: list) -> list[str]:
    """Errors grouped by the record they concern ("clues.csv line 4"), every field error of
    a row under it, so that a row with three bad fields reads as one row, three errors."""
    import re

    groups: dict[str, list[str]] = {}
    for e in errors:
        text = str(e)
        m = re.match(r"^(.*?\bline \d+)[,:]\s*(.*)$", text)
        key, rest = (m.group(1), m.group(2)) if m else (text, "")
        groups.setdefault(key, [])
        if rest:
            groups[key].append(rest)
    out = []
    for key, fields in groups.items():
        if len(fields) > 1:
            out.append(f"{key}: {len(fields)} errors")
            out += [f"    {f}" for f in fields]
        else:
            out.append(f"{key}, {fields[0]}" if fields else key)
    return out


if __name__ == "__main__":
    render()
