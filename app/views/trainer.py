"""Trainer mode: load or reset the synthetic demo world, and walk a class through its scenario."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import answers as A
from app import components as C
from app import guard
from app import state as S
from graph.auth import Action
from graph.errors import GraphError
from service import demo as demo_service
from service import overview as overview_service

_FLASH = "trainer_flash"

#: Where each scenario step's page lives in the menu.
STEP_PAGES = {
    "triage": ("views/triage.py", "Triage"),
    "clue board": ("views/clues.py", "Clue board"),
    "link graph": ("views/link_graph.py", "Link graph"),
    "map": ("views/map.py", "Map"),
    "series": ("views/series.py", "Series explorer"),
    "overview": ("views/overview.py", "Overview"),
    "object search": ("views/objects.py", "Object search"),
}


def render() -> None:
    guard.page("Trainer mode")
    if not guard.may(Action.DEMO_LOAD):
        st.error(
            "Trainer mode is for trainers and admins: ask an admin for the trainer role.",
            icon=":material/lock:",
        )
        return
    st.caption(
        "A synthetic, benign multi-country world: drawn rooms, invented agencies, planted "
        "links and decoys. Load it, then follow the scenario with the class."
    )
    with st.expander("Demo world folder", icon=":material/folder:"):
        folder = Path(
            st.text_input(
                "Folder",
                value=st.session_state.get(S.DEMO_FOLDER) or str(demo_service.folder()),
                key="demo_folder_input",
                help="Where the world's files and truth.json are (`cluegraph demo up` keeps "
                "it under the ClueGraph home).",
            )
        ).expanduser()
    st.session_state[S.DEMO_FOLDER] = str(folder)
    truth = demo_service.read_truth(folder)
    world(truth)
    st.divider()
    if truth and truth.get("scenario"):
        scenario(truth["scenario"], folder)
        for ex in truth.get("exercises") or []:  # the visual clues' exercises
            st.divider()
            scenario(ex, folder, prefix=f"{ex.get('id', 'exercise')}-")
    else:
        st.info(
            f"No truth.json in {C.md(folder)} yet: load the demo world above (or run "
            "`cluegraph demo up`) to see the scenario.",
            icon=":material/info:",
        )


def world(truth: dict | None) -> None:
    if st.session_state.get(_FLASH):
        st.success(st.session_state.pop(_FLASH))
    counts = S.load(overview_service.counts) or {}
    c = st.columns(4)
    c[0].metric("Series in the graph", counts.get("series", 0))
    c[1].metric("Media in the graph", counts.get("media", 0))
    c[2].metric("Cross-country links", counts.get("crossCountryLinks", 0))
    if truth:
        c[3].metric("Planted cross-country pairs", (truth.get("counts") or {}).get("pairs", 0))
    b1, b2 = st.columns(2)
    with b1:
        if st.button(
            "Load the demo world",
            key="demo_load",
            type="primary",
            icon=":material/download:",
            help="Generates it the first time (about half a minute), loads it through the "
            "real loaders and builds the links. Does nothing if it is already loaded.",
        ):
            _act(
                lambda: demo_service.up(S.driver(), user=guard.current_user()),
                "Demo world loaded.",
            )
    with b2:
        confirm = st.checkbox(
            "Empty the whole database first (everything in it is deleted)", key="demo_reset_ok"
        )
        if st.button(
            "Reset for the next class",
            disabled=not confirm,
            key="demo_reset",
            icon=":material/restart_alt:",
        ):
            _act(
                lambda: demo_service.reset(S.driver(), user=guard.current_user()),
                "Demo world reloaded.",
            )


def _act(fn, done: str) -> None:
    try:
        with st.spinner("Working… (loading through the real loaders and building links)"):
            folder = fn()
    except GraphError as e:  # recorded by service.demo (refused, or error)
        S.show_error(e)
        return
    st.session_state[S.DEMO_FOLDER] = str(folder)
    S.clear_caches()
    st.session_state[_FLASH] = done
    st.rerun()


def scenario(sc: dict, folder: Path, prefix: str = "") -> None:
    st.subheader(C.md(sc.get("title") or "Scenario"))
    if sc.get("brief"):
        st.markdown(C.md(sc["brief"]))
    start = sc.get("start_file")
    start_path = (folder / start).resolve() if start else None
    if start_path and start_path.is_relative_to(folder.resolve()) and start_path.is_file():
        st.download_button(
            f"Download the start file ({start_path.name}) to triage it",
            start_path.read_bytes(),
            file_name=start_path.name,
            icon=":material/download:",
            key="scenario-start-file",
        )
    answers = sc.get("answers") or {}
    for step in sc.get("steps") or []:
        n = step.get("n")
        with st.container(border=True):
            st.markdown(f"**Step {n}** — {C.md(step.get('task', ''))}")
            page_name = str(step.get("page") or "").split(":")[0].strip().lower()
            target = STEP_PAGES.get(page_name)
            if page_name == "leads":
                target = ("views/leads.py", "Leads")
            if target:
                st.page_link(target[0], label=f"Open {target[1]}", icon=":material/arrow_forward:")
            with st.expander("Hint"):
                st.markdown(C.md(step.get("hint", "")))
            guess = st.text_input("Your answer", key=f"{prefix}scenario-answer-{n}")
            if guess:
                ok = check(n, guess, answers, step.get("expect"))
                if ok is True:
                    st.success("Right.")
                elif ok is False:
                    st.warning(
                        "Not quite: " + C.md(expected_text(n, guess, answers, step.get("expect"))),
                        icon=":material/help:",
                    )
            with st.expander("Answer"):
                st.markdown(C.md(step.get("answer", "")))


def check(n: int | None, guess: str, answers: dict, expect: list[str] | None = None) -> bool | None:
    """Whether ``guess`` holds the key fact of step ``n`` (None: no automatic check); a step
    that lists what it ``expect``s (the visual exercises) is checked against that.

    Case and accents never matter; a country may be named by code, name in several
    languages or synonym (app/answers.py).

    >>> check(1, "S-0003 and S-0025", {}, ["S-0003", "S-0025"])
    True
    """
    expected = list(expect) if expect else _expected(n, answers)
    if not expected:
        return None
    if n == 2:
        want = A.country_code(expected[0])
        return want is not None and want in A.countries_in(guess)
    return all(A.mentions(guess, str(e)) for e in expected)


def _expected(n: int | None, answers: dict) -> list[str]:
    if n == 1 and answers.get("series"):
        return [answers["series"]]
    if n == 3:
        return list(answers.get("linked_series") or [])
    if n == 4 and (answers.get("camera") or {}).get("serial"):
        return [answers["camera"]["serial"]]
    if n == 5 and (answers.get("place") or {}).get("name"):
        return [answers["place"]["name"]]
    if n == 2 and answers.get("country"):
        return [answers["country"]]
    return []


def expected_text(n: int | None, guess: str, answers: dict, expect: list[str] | None = None) -> str:
    """What was expected, and what the guess named, for the message after a wrong try."""
    expected = list(expect) if expect else _expected(n, answers)
    if n == 2 and expected and not expect:
        code = A.country_code(expected[0])
        want = A.country_label(code) if code else expected[0]
        named = [A.country_label(c) for c in A.countries_in(guess)]
        you = f"your answer names {', '.join(named)}" if named else "your answer names no country"
        return f"the country expected is {want}; {you}."
    return f"the answer must mention {', '.join(map(str, expected))} (case and accents ignored)."


if __name__ == "__main__":
    render()
