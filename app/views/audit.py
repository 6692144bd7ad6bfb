"""Audit: who did what, when. Reads the (:AuditEvent) nodes, newest first."""

from __future__ import annotations

import streamlit as st

from app import components as C
from app import guard
from app import state as S
from graph.auth import Action
from service import access, admin


def render() -> None:
    user = guard.page("Audit", Action.VIEW_AUDIT)
    st.caption(
        "Every lead run, triage, console query, series view, thumbnail reveal, export and "
        "write is recorded with the user, the time, the parameters and the result count. "
        "Nothing in ClueGraph edits or deletes an event."
    )
    with st.form("audit-filter", border=False):
        c1, c2, c3 = st.columns([2, 2, 1])
        who = c1.text_input("User", key="au_user")
        action = c2.text_input("Action", key="au_action", placeholder="e.g. lead.run")
        if c3.form_submit_button("Filter"):
            st.session_state[S.AUDIT_SKIP] = 0
    skip = int(st.session_state.get(S.AUDIT_SKIP, 0))
    # Not cached: every view of the trail is itself recorded (audit.view) by the query layer.
    res = S.call(
        admin.audit_events, S.driver(), who or None, action or None, skip, access.PAGE_SIZE,
        user=user,
    )  # fmt: skip
    if res is None:
        return
    if not res.rows:
        st.info("No audit event recorded yet.", icon=":material/info:")
        return
    C.table(
        res.rows,
        ["at", "user", "action", "parameters", "resultCount", "outcome"],
        key=f"audit-{C.stable_key(who, action, skip)}",
    )
    C.pager(S.AUDIT_SKIP, access.PAGE_SIZE, res.truncated, len(res.rows))
    export(who, action)


def export(who: str, action: str) -> None:
    """CSV and JSONL downloads of the filtered trail (the export is itself recorded)."""
    with st.expander("Export the audit trail", icon=":material/download:"):
        st.caption("The events matching the filters above, up to 100 000, newest first.")
        fmt = st.radio("Format", ["csv", "jsonl"], horizontal=True, key="au_fmt")
        if st.button("Prepare the export", key="au_prepare"):
            text = S.call(
                admin.audit_export, S.driver(), fmt, who or None, action or None,
                user=guard.current_user(),
            )  # fmt: skip
            if text is not None:
                st.session_state["audit_export"] = (fmt, text)
        kept = st.session_state.get("audit_export")
        if kept:
            st.download_button(
                f"Download audit.{kept[0]}",
                kept[1],
                file_name=f"cluegraph-audit.{kept[0]}",
                mime="text/csv" if kept[0] == "csv" else "application/x-ndjson",
                key="au_download",
            )


if __name__ == "__main__":
    render()
