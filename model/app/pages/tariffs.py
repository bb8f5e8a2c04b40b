"""Tariffs page: ``sharedhr tariffs`` for the current scenario: every allocation method side by side per member and
per service, the core check, the per-capita rate, and the finance workbook (tariffs.xlsx) to download."""

from __future__ import annotations

import streamlit as st

from model.app import actions, state, text
from model.fairness.tariffs import core_sentence

state.ensure()
st.title("Tariffs")
scenario = state.scenario_or_stop()

calibrated = state.sticky(
    st.checkbox,
    "Simulator-calibrated coalition costs (slower)",
    "tariffs.calibrated",
    False,
    help="As `sharedhr tariffs` does by default; off: Erlang-C capacity (`--capacity analytic --no-verify`).",
)
folder = state.results_dir()
argv = actions.tariffs_argv(actions.save_input(scenario, folder), folder, calibrated=calibrated)
outcome = state.run_on_click(argv, "Compute the tariffs", "run_tariffs", "Pricing every coalition of members")

result = outcome.result
totals = result.totals
st.caption(f"Run folder: {text.plain(outcome.run_path)}")
cols = st.columns(4)
cols[0].metric("Cost to share c(N) (GBP per year)", text.pounds(totals["grand_coalition_cost_gbp_per_year"]))
cols[1].metric("Every member alone (GBP per year)", text.pounds(totals["stand_alone_total_gbp_per_year"]))
cols[2].metric("Sharing saves (GBP per year)", text.pounds(totals["sharing_saving_gbp_per_year"]))
rates = actions.per_capita_rates(scenario, result)
cols[3].metric(
    "Per-capita rate (GBP per head per year)",
    f"{rates['efficient']:,.2f}",
    help=f"c(N) / headcount of the members; today's rate: {rates['today']:,.2f}",
)

st.subheader("Annual charge per member, every method (GBP per year)")
members = result.member_table()
shown = members.rename(columns={m: actions.method_label(m) for m in members.columns})
for column in shown.columns:
    if column not in ("member", "headcount"):
        shown[column] = [text.pounds(v) for v in shown[column]]
text.show_table(shown)

st.subheader("Per service")
methods = [m for m in dict.fromkeys(result.by_member_service["method"])]
method = st.selectbox(
    "Method", methods, format_func=actions.method_label, index=methods.index("per_capita"), key="tariffs_method"
)
matrix = result.service_matrix(method)
text.show_table(matrix.map(text.pounds).reset_index())

st.subheader("Would any group of members do better alone? (core check)")
core = result.core
st.write(core_sentence(core))
for name, check in core["methods"].items():
    (st.success if check["in_core"] else st.warning)(text.plain(f"{actions.method_label(name)}: {check['verdict']}"))
if "today" in core:
    st.info(text.plain(f"Today: {core['today']['verdict']}"))

data = actions.tariffs_workbook(scenario, result)
st.session_state["download_tariffs_xlsx"] = data
st.download_button(
    "Download tariffs.xlsx",
    data=data,
    file_name="tariffs.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="download_tariffs",
)
for note in result.notes:
    st.caption(text.plain(note))
