"""Staffing page: ``sharedhr staffing`` for the current scenario: the host team per role that meets the KPI targets,
against what each member would need alone (Erlang C at once; confirmed by simulation on request)."""

from __future__ import annotations

import streamlit as st

from model.app import actions, state, text
from model.scenario import UserError

state.ensure()
st.title("Staffing")
scenario = state.scenario_or_stop()

cols = st.columns(3)
with cols[0]:
    probability = state.sticky(
        st.number_input,
        "Required P(KPI met over the year) per KPI (0-1)",
        "staffing.probability",
        0.9,
        min_value=0.5,
        max_value=0.99,
        step=0.05,
    )
with cols[1]:
    simulate = state.sticky(st.checkbox, "Confirm by simulation (slower)", "staffing.simulate", False)
folder = state.results_dir()
argv = actions.staffing_argv(actions.save_input(scenario, folder), folder, float(probability), simulate)
st.caption("The same run from the command line:")
st.code(actions.command_line(argv), language="bash")
if st.button("Size the team", type="primary", key="run_staffing"):
    status = st.status("Sizing the host team", expanded=False)
    try:
        state.run_cached(argv, progress=lambda line: status.write(text.plain(line)))
    except UserError as error:
        state.show_user_error(error)
    status.update(state="complete")
outcome = state.cached(argv)
if outcome is None:
    st.stop()

st.caption(f"Run folder: {text.plain(outcome.run_path)}")
if outcome.result is not None:
    st.subheader(f"Host team meeting every KPI with probability {outcome.result.probability:.0%} (simulated)")
    roles = outcome.result.roles[["role", "today_fte", "erlang_fte", "simulated_fte", "people", "cost_gbp_per_year"]]
    text.show_table(roles.assign(cost_gbp_per_year=[text.pounds(v) for v in roles["cost_gbp_per_year"]]))
    for note in outcome.result.notes:
        st.caption(text.plain(note))
else:
    st.subheader("Host team per role pool (Erlang C, demand at the steady-state month)")
    pools = outcome.pools[["role", "services", "cases_per_year", "offered_load_fte", "erlang_fte"]]
    text.show_table(pools.assign(cases_per_year=[f"{v:,.0f}" for v in pools["cases_per_year"]]))

st.subheader("Economies of scale: each member alone against the pooled team")
standalone = outcome.standalone[["team", "fte", "people", "people_generalists", "cost_gbp_per_year"]]
text.show_table(
    standalone.assign(
        fte=[f"{v:.1f}" for v in standalone["fte"]],
        cost_gbp_per_year=[text.pounds(v) for v in standalone["cost_gbp_per_year"]],
    )
)
st.bar_chart(outcome.standalone.set_index("team")["fte"], horizontal=True, x_label="FTE", y_label="")
