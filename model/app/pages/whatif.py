"""What-if page: build a variant of the scenario from plain choices and run ``sharedhr compare`` on it (paired
replications with common random numbers); show cost and KPI differences with confidence intervals, each member's
tariff before and after, who gains and who loses, and the core check of the new tariffs."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from model.app import actions, state, text
from model.scenario import UserError, apply_overrides

state.ensure()
st.title("What-if")
scenario = state.scenario_or_stop()
changes: list[actions.Change] = st.session_state["changes"]
horizon = scenario.simulation.horizon_months
members = scenario.member_names
services = scenario.service_names

# --- building the variant -----------------------------------------------------------------------------------------
st.header("Changes")
labels = list(actions.CHANGE_KINDS.values())
kinds = list(actions.CHANGE_KINDS)
label = st.selectbox("Change to add", labels, key="change_kind")
kind = kinds[labels.index(label)]
cols = st.columns(4)
change: actions.Change | None = None
if kind in ("leave", "join"):
    who = cols[0].selectbox("Member", members, index=len(members) - 1, key="change_member")
    month = cols[1].number_input(
        "Month (months from the simulation start)", value=horizon // 2, step=1, key="change_month"
    )
    change = actions.Change(kind, member=who, month=int(month))
elif kind == "headcount":
    who = cols[0].selectbox("Member", members, key="change_member")
    heads = cols[1].number_input(
        "New headcount (people)", value=scenario.member(who).headcount, step=10, key="change_headcount"
    )
    change = actions.Change(kind, member=who, value=int(heads))
elif kind == "sickness":
    rate = cols[0].number_input(
        "Sickness rate (fraction of working days lost)",
        value=round(scenario.absence.sickness_rate * 1.5, 4),
        step=0.005,
        format="%.3f",
        key="change_rate",
    )
    change = actions.Change(kind, value=float(rate))
elif kind == "vacancy_freeze":
    months = cols[0].number_input("Freeze length (months)", value=3.0, step=1.0, key="change_months")
    change = actions.Change(kind, months=float(months))
elif kind == "demand_surge":
    service = cols[0].selectbox("Service", services, key="change_service")
    percent = cols[1].number_input("Demand change (%)", value=20.0, step=5.0, key="change_percent")
    change = actions.Change(kind, service=service, value=float(percent))
elif kind == "provision":
    service = cols[0].selectbox("Service", services, key="change_service")
    modes = [mode.value for mode in scenario.service(service).delivery.available()]
    mode = cols[1].selectbox("Delivered", modes, key="change_mode")
    every = "every member taking it"
    who = cols[2].selectbox("For", [every, *members], key="change_for")
    change = actions.Change(kind, service=service, value=mode, member="" if who == every else who)
elif kind == "lose_specialist":
    roles = [role.name for role in scenario.roles if role.fte > 0]
    role = cols[0].selectbox("Role (its first post)", roles, key="change_role")
    month = cols[1].number_input("From month", value=horizon // 2, step=1, key="change_month")
    months = cols[2].number_input("For (months)", value=3.0, step=1.0, key="change_months")
    how = cols[3].selectbox("As", ["sickness", "vacancy"], key="change_how")
    change = actions.Change(kind, role=role, month=int(month), months=float(months), value=how)

if st.button("Add this change", key="add_change") and change is not None:
    try:
        apply_overrides(scenario, actions.whatif_overrides(scenario, [*changes, change]))
    except UserError as error:
        st.error("This change does not give a valid scenario:")
        for line in error.problems:
            st.error(text.plain(line))
    else:
        changes.append(change)

if changes:
    for index, item in enumerate(changes):
        row = st.columns([6, 1])
        row[0].markdown(f"{index + 1}. {text.plain(actions.describe(item))}")
        if row[1].button("Remove", key=f"remove_{index}"):
            changes.pop(index)
            st.rerun()
else:
    st.info("No change yet: add one or more changes above.")

# --- settings and run ---------------------------------------------------------------------------------------------
st.header("Run")
start = actions.start_options()
cols = st.columns(4)
with cols[0]:
    replications = state.sticky(
        st.number_input, "Paired replications", "whatif.n", start["replications"] or 20, min_value=2, max_value=1000
    )
with cols[1]:
    seed = state.sticky(
        st.number_input,
        "Seed",
        "whatif.seed",
        start["seed"] if start["seed"] is not None else scenario.simulation.seed,
        min_value=0,
        step=1,
    )
with cols[2]:
    workers = state.sticky(
        st.number_input, "Worker processes", "whatif.workers", start["workers"] or 2, min_value=1, max_value=64
    )
with cols[3]:
    calibrated = state.sticky(
        st.checkbox,
        "Simulator-calibrated coalition costs (slower)",
        "whatif.calibrated",
        False,
        help="Tariffs from calibrated, verified capacity, as `sharedhr compare` does by default; off: Erlang C.",
    )

argv: list[str] | None = None
if changes:
    overrides = actions.whatif_overrides(scenario, changes)
    folder = state.results_dir()
    scenario_file = actions.save_input(scenario, folder)
    argv = actions.compare_argv(scenario_file, overrides, replications, seed, workers, folder, calibrated)
    st.caption("The same run from the command line:")
    st.code(actions.command_line(argv), language="bash")

if st.button("Run the paired comparison", type="primary", disabled=argv is None, key="run_whatif"):
    assert argv is not None
    total = 2 * int(replications)
    bar = st.progress(0.0, text=f"Simulating 0 of {total} replications (base, then what-if)")
    done = [0]

    def advance(count: int) -> None:
        done[0] += count
        bar.progress(min(done[0] / total, 1.0), text=f"Simulating {done[0]} of {total} replications")
        if done[0] >= total:
            bar.progress(1.0, text="Pricing every coalition for the tariffs")

    try:
        state.run_cached(argv, progress=advance)
    except UserError as error:
        state.show_user_error(error)
    bar.empty()

# --- results ------------------------------------------------------------------------------------------------------
shown_argv = argv if argv is not None and state.cached(argv) is not None else None
outcome = state.cached(shown_argv) if shown_argv else None
if outcome is None:
    st.stop()

comparison = outcome.comparison
st.header("Results")
st.caption(
    f"{comparison.replications} paired replications, seed {comparison.seed}, common random numbers; "
    f"{comparison.confidence:.0%} paired t intervals. Run folder: {text.plain(outcome.run_path)}"
)
diffs = comparison.differences


def row(measure: str, service: str = "all", member: str = "all") -> pd.Series | None:
    picked = diffs[(diffs["measure"] == measure) & (diffs["service"] == service) & (diffs["member"] == member)]
    return picked.iloc[0] if len(picked) else None


cols = st.columns(3)
for col, (measure, label_, is_money) in zip(
    cols,
    [
        ("total_cost_gbp_per_year", "Total cost (GBP per year)", True),
        ("host_unplanned_cost_gbp_per_year", "Host unplanned cost (GBP per year)", True),
        ("sla_attainment", "Cases within target (all services)", False),
    ],
    strict=True,
):
    found = row(measure)
    if found is None:
        continue
    shown_value = text.pounds(found["whatif_mean"]) if is_money else text.percent(found["whatif_mean"])
    delta = text.money(found["difference"]) if is_money else text.percent(found["difference"], signed=True)
    interval = (
        f"{text.money(found['ci_low'])} to {text.money(found['ci_high'])}"
        if is_money
        else f"{text.percent(found['ci_low'], True)} to {text.percent(found['ci_high'], True)}"
    )
    col.metric(label_, shown_value, delta, delta_color="inverse" if is_money else "normal", help=interval)

st.subheader("Differences, what-if minus base")
FRACTIONS = {"sla_attainment", "kpi_met", "review_breach_share", "kpi_reliability"}


def shown(measure: str, column: str, value: float) -> str:
    """Fractions as percentages, money as whole pounds; differences and interval ends signed."""
    signed = column not in ("base_mean", "whatif_mean")
    if measure in FRACTIONS:
        return text.percent(value, signed)
    return text.money(value) if signed else text.pounds(value)


headline = comparison.headline()
columns = ("base_mean", "whatif_mean", "difference", "ci_low", "ci_high")
table = headline[["measure", "service", "member"]].copy()
for column in columns:
    table[column] = [shown(m, column, v) for m, v in zip(headline["measure"], headline[column], strict=True)]
table["interval excludes 0"] = ["yes" if s else "" for s in headline["significant"]]
text.show_table(table)

st.subheader("Each member's invoice, what-if minus base (GBP per year)")
invoices = diffs[diffs["measure"] == "invoice_gbp_per_year"].copy()
if len(invoices):
    chart = (
        alt.Chart(invoices)
        .mark_bar()
        .encode(
            x=alt.X("difference:Q", title="Invoice change (GBP per year)"),
            y=alt.Y("member:N", title=None, sort=None),
            color=alt.condition("datum.difference > 0", alt.value("#d5281b"), alt.value("#007f3b")),
            tooltip=[
                alt.Tooltip("member:N", title="Member"),
                alt.Tooltip("difference:Q", title="Change (GBP/yr)", format=",.0f"),
                alt.Tooltip("ci_low:Q", title="95% CI low", format=",.0f"),
                alt.Tooltip("ci_high:Q", title="95% CI high", format=",.0f"),
            ],
        )
    )
    rule = alt.Chart(invoices).mark_rule().encode(x="ci_low:Q", x2="ci_high:Q", y=alt.Y("member:N", sort=None))
    st.altair_chart(chart + rule, width="stretch")

attainment = diffs[(diffs["measure"] == "sla_attainment") & (diffs["service"] != "all")]
if len(attainment):
    st.subheader("Cases within target per service, what-if minus base")
    chart = (
        alt.Chart(attainment)
        .mark_bar()
        .encode(
            x=alt.X("difference:Q", title="Change in share within target", axis=alt.Axis(format="+%")),
            y=alt.Y("service:N", title=None, sort=None),
            tooltip=[
                alt.Tooltip("service:N", title="Service"),
                alt.Tooltip("base_mean:Q", title="Base", format=".1%"),
                alt.Tooltip("whatif_mean:Q", title="What-if", format=".1%"),
                alt.Tooltip("difference:Q", title="Change", format="+.2%"),
                alt.Tooltip("ci_low:Q", title="95% CI low", format="+.2%"),
                alt.Tooltip("ci_high:Q", title="95% CI high", format="+.2%"),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")

tariffs = comparison.tariffs
if len(tariffs):
    st.subheader("Tariff per member, before and after (GBP per year, no risk premium)")
    adopted = tariffs[tariffs["method"] == actions.adopted_tariff_column(scenario)].copy()
    adopted["who"] = [actions.gain_or_loss(b, w) for b, w in zip(adopted["base"], adopted["whatif"], strict=True)]
    text.show_table(
        pd.DataFrame(
            {
                "member": adopted["member"],
                "before": [text.pounds(v) for v in adopted["base"]],
                "after": [text.pounds(v) for v in adopted["whatif"]],
                "change": [text.money(v) for v in adopted["difference"]],
                "gains or loses": adopted["who"],
            }
        )
    )
    st.caption(f"Method: the scenario's tariff method ({text.plain(scenario.tariff.method)}). Every method:")
    every = tariffs.pivot_table(index="member", columns="method", values="difference", sort=False).reset_index()
    text.show_table(every.assign(**{c: [text.money(v) for v in every[c]] for c in every.columns if c != "member"}))

core = comparison.core.get("whatif") if comparison.core else None
if core:
    st.subheader("Are the new tariffs still in the core? (would a group walk away?)")
    for method, check in core["methods"].items():
        line = f"{actions.method_label(method)}: {check['verdict']}"
        (st.success if check["in_core"] else st.warning)(text.plain(line))
for note in comparison.notes:
    st.caption(text.plain(note))
