"""Scenario page: pick a scenario or upload a TOML file, edit members, absence, demand, KPI targets and external
prices, see each problem (with its field path) next to the input, and download the scenario as TOML."""

from __future__ import annotations

import streamlit as st

from model.app import actions, state, text
from model.reporting import slug
from model.scenario import UserError
from model.scenario.schema import SCENARIO_DIR

state.ensure()
st.title("Scenario")
st.caption(f"Editing: {text.plain(st.session_state[state.SOURCE])}. Every change is checked with the scenario schema.")

# --- where the scenario comes from --------------------------------------------------------------------------------
source_cols = st.columns([2, 1, 3])
files = {path.name: path for path in sorted(SCENARIO_DIR.glob("*.toml"))}
initial = actions.initial_scenario_path()
files.setdefault(initial.name, initial)
chosen = source_cols[0].selectbox("Default scenario", list(files), index=list(files).index(initial.name))
if source_cols[1].button("Load this scenario", key="load_default"):
    state.replace_draft(actions.load_draft(files[chosen]), chosen)
    st.rerun()
upload = source_cols[2].file_uploader("Or upload a scenario (.toml)", type=["toml"], key="upload")
if upload is not None:
    token = f"{upload.file_id}:{upload.name}"
    if st.session_state.get("upload_done") != token:
        try:
            draft = actions.draft_from_upload(upload.name, upload.getvalue())
        except UserError as error:
            st.session_state["upload_error"] = (token, error.problems)
        else:
            st.session_state["upload_error"] = None
            st.session_state["upload_done"] = token
            state.replace_draft(draft, upload.name)
            st.rerun()
    failed = st.session_state.get("upload_error")
    if failed and failed[0] == token:
        st.error("The uploaded file was not loaded; the scenario being edited is unchanged.")
        for line in failed[1]:
            st.error(text.plain(line))

draft = state.draft()
slots: list[tuple[object, tuple[str, ...]]] = []  # where each section's problems go, filled once all inputs are read


def show_problems(*prefixes: str) -> None:
    """Reserve the place right under these inputs for the problems whose field path starts with ``prefixes``."""
    slots.append((st.container(), prefixes))


service_names = [service["name"] for service in draft["services"]]

# --- members ------------------------------------------------------------------------------------------------------
st.header("Members")
MEMBER_COLUMNS = [2, 1, 1, 1, 1, 3]
for col, heading in zip(
    st.columns(MEMBER_COLUMNS),
    ["Member", "Headcount (people)", "Staff FTE", "Joins in month", "Leaves in month (0 = stays)", "Services taken"],
    strict=True,
):
    col.markdown(f"**{heading}**")
HIDDEN = "collapsed"  # the column heading shows the label; the full label (member, unit) stays for screen readers
for i, member in enumerate(draft["members"]):
    name = member["name"]
    cols = st.columns(MEMBER_COLUMNS)
    cols[0].markdown(text.plain(name))
    member["headcount"] = cols[1].number_input(
        f"{name}: headcount (people)",
        value=int(member["headcount"]),
        step=1,
        key=state.key(f"m{i}.headcount"),
        label_visibility=HIDDEN,
    )
    member["fte"] = cols[2].number_input(
        f"{name}: staff FTE (whole-time equivalents)",
        value=float(member["fte"]),
        step=1.0,
        key=state.key(f"m{i}.fte"),
        label_visibility=HIDDEN,
    )
    member["join_month"] = cols[3].number_input(
        f"{name}: joins in month (from start)",
        value=int(member["join_month"]),
        step=1,
        key=state.key(f"m{i}.join"),
        label_visibility=HIDDEN,
    )
    leave = cols[4].number_input(
        f"{name}: leaves in month (0 = stays)",
        value=int(member["leave_month"] or 0),
        step=1,
        key=state.key(f"m{i}.leave"),
        label_visibility=HIDDEN,
    )
    member["leave_month"] = int(leave) if leave else None
    taken = member["services"] if member["services"] is not None else service_names
    selected = cols[5].multiselect(
        f"{name}: services taken",
        service_names,
        default=[s for s in taken if s in service_names],
        key=state.key(f"m{i}.services"),
        label_visibility=HIDDEN,
    )
    member["services"] = None if member["services"] is None and selected == service_names else selected
    show_problems(f"members[{i}]")

with st.expander("Add a member"), st.form("add_member", clear_on_submit=True):
    cols = st.columns([2, 1, 1, 1, 1])
    new_name = cols[0].text_input("New member's name")
    new_headcount = cols[1].number_input("Headcount (people)", value=100, step=1)
    new_fte = cols[2].number_input("Staff FTE", value=90.0, step=1.0)
    new_join = cols[3].number_input("Joins in month (from start)", value=0, step=1)
    new_leave = cols[4].number_input("Leaves in month (0 = stays)", value=0, step=1)
    if st.form_submit_button("Add member"):
        draft["members"].append(actions.new_member(new_name, new_headcount, new_fte, new_join, new_leave))
        st.rerun()

# --- absence ------------------------------------------------------------------------------------------------------
st.header("Absence of host staff")
absence = draft["absence"]
cols = st.columns(5)
absence["sickness_rate"] = cols[0].number_input(
    "Sickness rate (fraction of working days lost)", value=float(absence["sickness_rate"]), step=0.005,
    format="%.3f", key=state.key("absence.sickness"),
)  # fmt: skip
absence["turnover_rate_per_year"] = cols[1].number_input(
    "Turnover (fraction of staff leaving per year)", value=float(absence["turnover_rate_per_year"]), step=0.01,
    format="%.3f", key=state.key("absence.turnover"),
)  # fmt: skip
absence["vacancy_refill_days"] = cols[2].number_input(
    "Time to refill a vacancy (working days)", value=float(absence["vacancy_refill_days"]), step=5.0,
    key=state.key("absence.refill"),
)  # fmt: skip
absence["long_term_share"] = cols[3].number_input(
    "Share of sickness days in long episodes (0-1)", value=float(absence["long_term_share"]), step=0.05,
    key=state.key("absence.long"),
)  # fmt: skip
absence["annual_leave_days"] = cols[4].number_input(
    "Annual leave (working days per FTE per year)", value=float(absence["annual_leave_days"]), step=1.0,
    key=state.key("absence.leave"),
)  # fmt: skip
show_problems("absence")

# --- demand and KPI targets per service ---------------------------------------------------------------------------
st.header("Demand and KPI targets per service")
SERVICE_COLUMNS = [2, 1, 1, 1, 1]
for col, heading in zip(
    st.columns(SERVICE_COLUMNS),
    [
        "Service",
        "Demand (cases per 1,000 staff per year)",
        "KPI target (working days)",
        "KPI share within target (0-1)",
        "KPI reliability (share of reviews met, 0-1)",
    ],
    strict=True,
):
    col.markdown(f"**{heading}**")
for j, service in enumerate(draft["services"]):
    name = service["name"]
    kpi = service["kpi"]
    cols = st.columns(SERVICE_COLUMNS)
    cols[0].markdown(text.plain(name))
    service["demand_per_1000_headcount_per_year"] = cols[1].number_input(
        f"{name}: demand (cases per 1,000 staff per year)",
        value=float(service["demand_per_1000_headcount_per_year"]),
        step=1.0,
        key=state.key(f"s{j}.demand"),
        label_visibility=HIDDEN,
    )
    kpi["target_days"] = cols[2].number_input(
        f"{name}: KPI target (working days)",
        value=float(kpi["target_days"]),
        step=1.0,
        key=state.key(f"s{j}.days"),
        label_visibility=HIDDEN,
    )
    kpi["target_fraction"] = cols[3].number_input(
        f"{name}: KPI share within target (0-1)",
        value=float(kpi["target_fraction"]),
        step=0.01,
        key=state.key(f"s{j}.fraction"),
        label_visibility=HIDDEN,
    )
    kpi["reliability"] = cols[4].number_input(
        f"{name}: KPI reliability (share of reviews met, 0-1)",
        value=float(kpi["reliability"]),
        step=0.05,
        key=state.key(f"s{j}.reliability"),
        label_visibility=HIDDEN,
    )
    show_problems(f"services[{j}].demand_per_1000_headcount_per_year", f"services[{j}].kpi")

# --- external prices ----------------------------------------------------------------------------------------------
st.header("External prices")
st.caption("Price tiers by the headcount of the purchasing group (one member, or the pool when bought jointly).")
for j, service in enumerate(draft["services"]):
    external = (service.get("delivery") or {}).get("external")
    if not external:
        continue
    for t, tier in enumerate(external["tiers"]):
        cols = st.columns([2, 1, 1])
        cols[0].markdown(f"**{text.plain(service['name'])}**, from {tier['min_headcount']:,} staff")
        tier["price_gbp_per_case"] = cols[1].number_input(
            f"{service['name']} (from {tier['min_headcount']} staff): price (GBP per case)",
            value=float(tier["price_gbp_per_case"]),
            step=10.0,
            key=state.key(f"s{j}.t{t}.case"),
        )
        tier["price_gbp_per_head_per_year"] = cols[2].number_input(
            f"{service['name']} (from {tier['min_headcount']} staff): price (GBP per head per year)",
            value=float(tier["price_gbp_per_head_per_year"]),
            step=1.0,
            key=state.key(f"s{j}.t{t}.head"),
        )
    show_problems(f"services[{j}].delivery.external")

# --- problems next to their inputs, the rest, and the download ---------------------------------------------------
_, problems = actions.validate(draft)
shown: set[str] = set()
for slot, prefixes in slots:
    for line in actions.problems_at(problems, *prefixes):
        shown.add(line)
        slot.error(text.plain(line))
others = [line for line in problems if line not in shown]
if others:
    st.header("Other problems")
    for line in others:
        st.error(text.plain(line))

st.header("Save")
scenario, problems = state.checked()
if scenario is None:
    st.warning(f"{len(problems)} problem(s) above: fix them to download the scenario (nothing you typed is lost).")
    st.session_state.pop("download_toml", None)
else:
    toml = actions.toml_text(scenario)
    st.session_state["download_toml"] = toml  # what the download button serves (the tests validate it)
    st.download_button(
        "Download scenario (.toml)",
        data=toml,
        file_name=f"{slug(scenario.name)}.toml",
        mime="application/toml",
        key="download_scenario",
    )
    st.caption("The file validates with `sharedhr validate FILE`.")
