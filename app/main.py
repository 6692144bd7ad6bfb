"""ClueGraph's Streamlit app: the login, then the menu. Each page is a module in ``app/views/``."""

from __future__ import annotations

import streamlit as st

from app import guard

st.set_page_config(page_title="ClueGraph", page_icon=":material/hub:", layout="wide")

PAGES = {
    "Investigate": [
        st.Page("views/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("views/series.py", title="Series explorer", icon=":material/photo_library:"),
        st.Page("views/link_graph.py", title="Link graph", icon=":material/hub:"),
        st.Page("views/leads.py", title="Leads", icon=":material/manage_search:"),
        st.Page("views/triage.py", title="Triage", icon=":material/fact_check:"),
        st.Page("views/objects.py", title="Object search", icon=":material/image_search:"),
        st.Page("views/clues.py", title="Clue board", icon=":material/label:"),
        st.Page("views/map.py", title="Map", icon=":material/map:"),
    ],
    "Tools": [
        st.Page("views/console.py", title="Cypher console", icon=":material/terminal:"),
        st.Page("views/trainer.py", title="Trainer mode", icon=":material/school:"),
        st.Page("views/audit.py", title="Audit", icon=":material/policy:"),
    ],
}

# No page before a login: without a live session, only the login form (or a message).
user = guard.login()
page = st.navigation(PAGES, position="sidebar" if user else "hidden")
if user is None:
    st.stop()
guard.sidebar_identity()
page.run()
