"""Briefing sections available from the scenario alone: the headline, demand against capacity, and every assumption
with its source (``model.simulation.summary``). Money in pounds per year.
"""

from __future__ import annotations

import pandas as pd

from model.reporting import plots
from model.reporting.briefing.catalogue import verified_headline
from model.reporting.briefing.context import (
    SECTION_TITLES,
    Briefing,
    Section,
    _lower,
    _money,
    _percent,
    contribution_rate,
    pretty,
)
from model.scenario.schema import Mode, Scenario
from model.simulation import summary
from model.simulation.demand import expected_annual_demand


def headline_section(briefing: Briefing) -> Section:
    """At a glance: who is in, the host team, what the service costs a year and what members pay (full membership,
    expected values from ``model.simulation.summary``; no simulation)."""
    scenario = briefing.scenario
    costs = summary.cost_summary(scenario)
    rate = contribution_rate(scenario)
    contributions = rate * costs["member_headcount"]
    surplus = contributions - costs["total_cost_gbp_per_year"]
    headline = pd.DataFrame(
        [
            ("Members", f"{len(scenario.members)} (host: {scenario.host.member})"),
            ("Staff covered (headcount)", f"{costs['member_headcount']:,.0f}"),
            ("Host HR team (FTE)", f"{costs['host_fte']:.1f} ({costs['host_fte_per_100_staff']:.2f} per 100 staff)"),
            (
                "Cost today, expected from the inputs (GBP per year; see the note on figures)",
                _money(costs["total_cost_gbp_per_year"]),
            ),
            ("Cost per member employee (GBP per head per year)", _money(costs["cost_per_head_gbp_per_year"])),
            ("Per-capita contribution rate (GBP per head per year)", _money(rate)),
            ("Contributions from members (GBP per year)", _money(contributions)),
            ("Surplus (+) or deficit (-) (GBP per year)", _money(surplus)),
            ("Expected use of host case-work time (%)", _percent(costs["expected_utilisation"])),
        ],
        columns=["Measure", "Value"],
    )
    members = pd.DataFrame(
        [
            {
                "Member": member.name,
                "Headcount": member.headcount,
                "Joins (month from start)": member.join_month,
                "Contribution (GBP per year)": rate * member.headcount,
            }
            for member in scenario.members
        ]
    )
    breakdown = pd.Series(
        {
            "Host staff pay and on-costs": costs["host_pay_gbp_per_year"],
            "Systems, licences and purchases": costs["non_pay_gbp_per_year"],
            "Host overheads": costs["host_overhead_gbp_per_year"],
        }
    )
    surplus_words = "a surplus" if surplus >= 0 else "a deficit"
    text = (
        f"**{scenario.name}**: {len(scenario.members)} organisations with {costs['member_headcount']:,.0f} staff share "
        f"one HR service hosted by {scenario.host.member}. At full membership it costs about "
        f"**{_money(costs['total_cost_gbp_per_year'])} a year** ({_money(costs['cost_per_head_gbp_per_year'])} per "
        f"member employee). Members pay {_money(rate)} per head, {_money(contributions)} in all: "
        f"{surplus_words} of {_money(abs(surplus))} a year. These are expected values from the scenario's inputs; "
        "the sections below add the simulated variability."
    )
    tables = {"headline": headline, "members": members}
    notes = []
    verified = verified_headline(briefing)
    if verified is not None:
        text = f"{verified[0]}\n\n{text}"
        tables = {"recommendation": verified[1], **tables}
        notes.append(
            "Figures: the recommended catalogue's cost and saving are simulated for the membership as it settles "
            "(vacancies, agency backfill and per-case charges as they happen). Today's expected cost above is the "
            "same service priced from its inputs without simulation; the catalogue section's planning figure is "
            "the optimiser's (whole posts at full pay); the tariffs split that planning figure, c(N), computed on "
            "the same simulator-verified team sizes."
        )
    return Section(
        key="headline",
        title=SECTION_TITLES["headline"],
        text=text,
        notes=notes,
        tables=tables,
        figures={"cost_breakdown": plots.cost_breakdown(breakdown)},
        data={"costs": costs, "rate": rate},
    )


def workload_by_skill(scenario: Scenario) -> pd.DataFrame:
    """Expected shared work hours a year against host case-work hours a year, per skill (own skills only: a role
    with several skills counts its hours under each, so capacity here is an upper bound per skill)."""
    demand = expected_annual_demand(scenario)
    shared = demand[demand["mode"] == Mode.SHARED.value]
    days = summary.available_days_per_fte(scenario)
    rows = []
    skills = list(dict.fromkeys(scenario.service(s).skill for s in scenario.service_names))
    for skill in skills:
        services = [s.name for s in scenario.services if s.skill == skill]
        hours = float(shared.loc[shared["service"].isin(services), "work_hours_per_year"].sum())
        capacity = sum(r.fte * r.productive_hours_per_day * days for r in scenario.roles if skill in r.skills)
        rows.append({"skill": skill, "demand_hours_per_year": hours, "capacity_hours_per_year": capacity})
    return pd.DataFrame(rows)


def demand_section(briefing: Briefing) -> Section:
    """Expected cases and staff hours per service at full membership, and work against host capacity per skill."""
    scenario = briefing.scenario
    demand = summary.demand_summary(scenario)
    table = pd.DataFrame(
        {
            "Service": [pretty(s) for s in demand["service"]],
            "Cases (cases per year)": demand["cases_per_year"],
            "Staff time (hours per year)": demand["work_hours_per_year"],
            "KPI": demand["kpi"],
        }
    )
    workload = workload_by_skill(scenario)
    staff = summary.host_staff_cost(scenario)
    team = pd.DataFrame(
        {
            "Role": [pretty(r) for r in staff["role"]],
            "Band": staff["band"],
            "FTE": staff["fte"],
            "Cost (GBP per year)": staff["cost_gbp_per_year"],
            "Case-work time (hours per year)": staff["casework_hours_per_year"],
        }
    )
    costs = summary.cost_summary(scenario)
    text = (
        f"At full membership the members generate about {demand['cases_per_year'].sum():,.0f} cases a year needing "
        f"{costs['shared_work_hours_per_year']:,.0f} hours of host staff time, against "
        f"{costs['host_casework_hours_per_year']:,.0f} hours of case-work time from {costs['host_fte']:.1f} FTE "
        f"(after leave and sickness): the team is expected to be {costs['expected_utilisation']:.0%} busy on cases."
    )
    return Section(
        key="demand",
        title=SECTION_TITLES["demand"],
        text=text,
        tables={"demand": table, "team": team},
        figures={"workload": plots.workload_vs_capacity(workload.assign(skill=[pretty(k) for k in workload["skill"]]))},
        data={"workload": workload},
    )


def assumptions_table(scenario: Scenario) -> pd.DataFrame:
    """Every input a board may question, with its value and the source recorded in the scenario file.

    Columns: Area, Item, Value, Source ("not stated" where the scenario gives none)."""
    rows: list[tuple[str, str, str, str]] = []

    def add(area: str, item: str, value: str, source: str) -> None:
        rows.append((area, item, value, source or "not stated"))

    for member in scenario.members:
        add(
            "Members",
            member.name,
            f"{member.headcount:,} staff ({member.fte:,.0f} FTE), joins month {member.join_month}"
            + (f", leaves month {member.leave_month}" if member.leave_month is not None else "")
            + "".join(
                f", {pretty(service).lower()} from month {month}"
                for service, month in member.service_start_month.items()
            ),
            member.source,
        )
    host = scenario.host
    overheads = ", ".join(f"{_lower(pretty(k))} {_money(v)}" for k, v in host.overheads_gbp_per_year.items())
    add("Host", f"{host.member} overheads (GBP per year)", overheads or "none", host.source)
    for role in scenario.roles:
        add(
            "Host staff",
            pretty(role.name),
            f"band {role.band}, {role.fte:g} FTE, salary {_money(role.salary_gbp_per_year)} + "
            f"{role.on_cost_rate:.0%} on-costs, agency {_money(role.agency_day_rate_gbp)} per day",
            role.source,
        )
    absence = scenario.absence
    add(
        "Absence",
        "Host staff leave, sickness, turnover",
        f"{absence.planned_leave_days:g} planned leave days a year, sickness {absence.sickness_rate:.1%}, "
        f"turnover {absence.turnover_rate_per_year:.0%} a year, {absence.vacancy_refill_days:g} working days to refill",
        absence.source,
    )
    for service in scenario.services:
        add(
            "Services",
            pretty(service.name),
            f"{service.demand_per_1000_headcount_per_year:g} cases per 1,000 staff a year, "
            f"{service.work_hours_mean:g} hour{'' if service.work_hours_mean == 1 else 's'} of work per case; "
            f"KPI: {service.kpi.description}",
            service.source,
        )
        if service.delivery.external is not None:
            tier = service.delivery.external.tiers[0]
            parts = []
            if tier.price_gbp_per_head_per_year:
                parts.append(f"{_money(tier.price_gbp_per_head_per_year)} per head per year")
            if tier.price_gbp_per_case or not parts:
                parts.append(f"{_money(tier.price_gbp_per_case)} per case")
            cheaper = len(service.delivery.external.tiers) > 1
            price = " + ".join(parts) + (" for the smallest buyers, less at larger volumes" if cheaper else "")
            add("External prices", pretty(service.name), price, service.delivery.external.source)
    tariff = scenario.tariff
    rate = "break-even" if tariff.per_capita_rate_gbp_per_head is None else _money(tariff.per_capita_rate_gbp_per_head)
    add("Tariff", f"method {tariff.method}", f"{rate} per head per year; surplus: {tariff.surplus_rule}", tariff.source)
    sim = scenario.simulation
    add(
        "Simulation",
        "Horizon and KPI reviews",
        f"{sim.horizon_months} months from {sim.start}, KPIs reviewed every {sim.kpi_review_months} months",
        "scenario settings",
    )
    return pd.DataFrame(rows, columns=["Area", "Item", "Value", "Source"])


def assumptions_section(briefing: Briefing) -> Section:
    """The inputs behind every number, with the source the scenario records for each."""
    table = assumptions_table(briefing.scenario)
    stated = int((table["Source"] != "not stated").sum())
    text = (
        f"{stated} of {len(table)} inputs name a source in the scenario file. Figures marked ESTIMATE or 'estimate' "
        "are judgements to be replaced with local data when available; the sensitivity section shows which matter."
    )
    return Section(key="assumptions", title=SECTION_TITLES["assumptions"], text=text, tables={"assumptions": table})
