"""Board pack page: ``sharedhr brief`` for the current scenario: the board briefing rendered in the page, with the
HTML and the finance workbook (tariffs.xlsx) to download."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from model.app import actions, state, text

state.ensure()
st.title("Board pack")
scenario = state.scenario_or_stop()

start = actions.start_options()
cols = st.columns(3)
with cols[0]:
    replications = state.sticky(
        st.number_input,
        "Replications",
        "brief.n",
        start["replications"] or scenario.simulation.replications,
        min_value=2,
        max_value=1000,
    )
with cols[1]:
    seed = state.sticky(
        st.number_input,
        "Seed",
        "brief.seed",
        start["seed"] if start["seed"] is not None else scenario.simulation.seed,
        min_value=0,
        step=1,
    )
folder = state.results_dir()
argv = actions.brief_argv(actions.save_input(scenario, folder), folder, int(replications), int(seed))
outcome = state.run_on_click(
    argv, "Render the board briefing", "run_brief", "Executing the briefing notebook (simulation, catalogue, tariffs)"
)

folder = outcome.run_path
st.caption(f"Run folder: {text.plain(folder)}")
html = (folder / outcome.files["html"]).read_bytes()
workbook = (folder / outcome.files["excel"]).read_bytes()
cols = st.columns(2)
cols[0].download_button("Download briefing.html", data=html, file_name="briefing.html", mime="text/html")
cols[1].download_button(
    "Download tariffs.xlsx",
    data=workbook,
    file_name="tariffs.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="download_brief_xlsx",
)
for line in outcome.status.get("missing", []):
    st.warning(text.plain(line))
# The briefing HTML is the one `sharedhr brief` writes (input text escaped there, tests/test_briefing_xss.py); it is
# shown in an iframe, not inserted into this page, without the CDN scripts nbconvert links (actions.offline_html).
components.html(actions.offline_html(html.decode("utf-8")), height=900, scrolling=True)
