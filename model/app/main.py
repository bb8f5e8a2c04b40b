"""Entry script of the workbench (``sharedhr app`` runs ``streamlit run`` on this file): page set-up, navigation and
the sidebar. Each page is a script in ``pages/``; they share this session's state (``model.app.state``)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from model.app import state, text

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="Shared HR service: what-if workbench", layout="wide")
state.ensure()

pages = [
    st.Page(str(HERE / "pages" / "scenario.py"), title="Scenario", url_path="scenario", default=True),
    st.Page(str(HERE / "pages" / "whatif.py"), title="What-if", url_path="whatif"),
    st.Page(str(HERE / "pages" / "staffing.py"), title="Staffing", url_path="staffing"),
    st.Page(str(HERE / "pages" / "tariffs.py"), title="Tariffs", url_path="tariffs"),
    st.Page(str(HERE / "pages" / "board_pack.py"), title="Board pack", url_path="board-pack"),
]
page = st.navigation(pages)

with st.sidebar:
    scenario, problems = state.checked()
    if scenario is not None:
        st.success(f"Scenario: {text.plain(scenario.name)}")
    else:
        st.warning(f"The draft has {len(problems)} problem(s); other pages use it once it is valid.")
    st.caption("Money in pounds per year; time in working days and months from the simulation start.")

page.run()
