"""Per-session state of the workbench (Streamlit ``session_state``): the draft scenario being edited, the last
valid scenario, the what-if changes and the results of this session's runs. Every browser session has its own
``session_state``, so two sessions never see or overwrite each other's drafts or results; each run writes its own
new run folder (``model.reporting.results.RunFolder``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from model.app import actions
from model.reporting import results_root
from model.scenario import Scenario, UserError

DRAFT = "draft"
SOURCE = "source"
VERSION = "editor_version"
RESULTS = "results"
LAST_VALID = "last_valid"


def ensure() -> None:
    """Initialise this session on its first run: the initial scenario as the draft, an empty result cache."""
    state = st.session_state
    if DRAFT not in state:
        path = actions.initial_scenario_path()
        state[DRAFT] = actions.initial_draft()
        state[SOURCE] = path.name
        state[VERSION] = 0
        state[RESULTS] = {}
        state["session_id"] = uuid.uuid4().hex[:12]
        state["changes"] = []


def replace_draft(draft: dict[str, Any], source: str) -> None:
    """Start editing another scenario (a default one or an upload); widgets of the old draft are reset."""
    st.session_state[DRAFT] = draft
    st.session_state[SOURCE] = source
    st.session_state[VERSION] += 1
    st.session_state["changes"] = []


def key(name: str) -> str:
    """A widget key tied to the current draft (a new draft gets fresh widgets)."""
    return f"v{st.session_state[VERSION]}:{name}"


def draft() -> dict[str, Any]:
    """The draft being edited (kept as typed, valid or not)."""
    return st.session_state[DRAFT]


def checked() -> tuple[Scenario | None, list[str]]:
    """The validated draft, or None and its field-path problems; remembers the last valid scenario."""
    scenario, problems = actions.validate(draft())
    if scenario is not None:
        st.session_state[LAST_VALID] = scenario
    return scenario, problems


def scenario_or_stop() -> Scenario:
    """The current valid scenario; otherwise tells the user to fix the Scenario page and stops this page."""
    scenario, problems = checked()
    if scenario is None:
        st.error("The scenario on the Scenario page is not valid; fix it there first:")
        for line in problems:
            st.error(line)
        st.stop()
    assert scenario is not None
    return scenario


def results_dir() -> Path:
    """Where run folders go: ``$SHAREDHR_RESULTS_DIR`` or ./results, as for the CLI."""
    return results_root()


def run_cached(argv: list[str], progress: Callable[..., object] | None = None) -> Any:
    """Run a command line once per session: the outcome is kept under the command line without its results folder
    (scenario hash in the file name, seed and settings in the arguments), so revisiting is instant."""
    cache: dict[tuple[str, ...], Any] = st.session_state[RESULTS]
    key_ = actions.cache_key(argv)
    if key_ not in cache:
        cache[key_] = actions.run_command(argv, progress=progress)
    return cache[key_]


def run_on_click(argv: list[str], button: str, key: str, working: str) -> Any:
    """Show the equivalent command line and a button that runs it (``working`` shown meanwhile); return this
    session's outcome of ``argv``, or stop the page while there is none (errors shown one per line)."""
    st.caption("The same run from the command line:")
    st.code(actions.command_line(argv), language="bash")
    if st.button(button, type="primary", key=key):
        with st.spinner(working):
            try:
                run_cached(argv)
            except UserError as error:
                show_user_error(error)
    outcome = cached(argv)
    if outcome is None:
        st.stop()
    return outcome


def cached(argv: list[str]) -> Any | None:
    """This session's outcome of ``argv`` if it has been run, else None."""
    return st.session_state[RESULTS].get(actions.cache_key(argv))


def show_user_error(error: UserError) -> None:
    """One error box per problem line (Streamlit escapes the text)."""
    for line in error.problems:
        st.error(line)


def sticky(widget: Callable[..., Any], label: str, name: str, default: Any, **kwargs: Any) -> Any:
    """A number input or checkbox whose value survives a visit to another page (Streamlit forgets the state of
    widgets that are not on the page): the last value is kept under ``keep:<name>`` in this session."""
    kept = f"keep:{name}"
    value = widget(label, value=st.session_state.get(kept, default), key=f"w:{name}", **kwargs)
    st.session_state[kept] = value
    return value
