"""Static summary of a scenario before any simulation: demand, workload against host capacity, and host cost.

This is the deterministic "back of the envelope" view a finance lead checks first: expected cases and hours per
service at full membership, the host's case-work capacity per skill, and what the service costs a year against the
per-capita contributions.
"""

from __future__ import annotations

import pandas as pd

from model.scenario.schema import Mode, Scenario
from model.scenario.units import WORKING_DAYS_PER_YEAR
from model.simulation.demand import expected_annual_demand


def available_days_per_fte(scenario: Scenario) -> float:
    """Working days a year one FTE is at work: 261 less planned leave and sickness."""
    absence = scenario.absence
    planned = absence.planned_leave_days
    return (WORKING_DAYS_PER_YEAR - planned) * (1.0 - absence.sickness_rate)


def host_staff_cost(scenario: Scenario) -> pd.DataFrame:
    """Per role: FTE, loaded cost per FTE and total, and case-work hours available a year (pounds, hours)."""
    days = available_days_per_fte(scenario)
    rows = [
        {
            "role": role.name,
            "band": role.band,
            "fte": role.fte,
            "loaded_cost_per_fte_gbp_per_year": role.loaded_cost_gbp_per_year,
            "cost_gbp_per_year": role.fte * role.loaded_cost_gbp_per_year,
            "casework_hours_per_year": role.fte * role.productive_hours_per_day * days,
        }
        for role in scenario.roles
    ]
    return pd.DataFrame(rows)


def demand_summary(scenario: Scenario) -> pd.DataFrame:
    """Per service at full membership: cases a year, work hours a year and the KPI."""
    demand = expected_annual_demand(scenario)
    table = demand.groupby("service", sort=False)[["cases_per_year", "work_hours_per_year"]].sum().reset_index()
    table["kpi"] = [scenario.service(name).kpi.description for name in table["service"]]
    return table


def non_pay_cost(scenario: Scenario) -> pd.DataFrame:
    """Non-pay costs of today's provision at full membership: systems, licences, external purchases (pounds/year)."""
    demand = expected_annual_demand(scenario)
    rows = []
    for service_name, group in demand.groupby("service", sort=False):
        service = scenario.service(str(service_name))
        shared = group[group["mode"] == Mode.SHARED.value]
        if len(shared) and service.delivery.shared is not None:
            option = service.delivery.shared
            heads = float(shared["headcount"].sum())
            cost = option.fixed_cost_gbp_per_year + option.per_head_cost_gbp_per_year * heads
            if option.buys_externally and service.delivery.external is not None:
                tier = service.delivery.external.tier_for(heads)
                cost += tier.price_gbp_per_head_per_year * heads
                cost += tier.price_gbp_per_case * float(shared["cases_per_year"].sum())
            rows.append({"service": service_name, "mode": "shared", "cost_gbp_per_year": cost})
        for _, row in group[group["mode"] == Mode.EXTERNAL.value].iterrows():
            assert service.delivery.external is not None
            tier = service.delivery.external.tier_for(row["headcount"])
            cost = tier.price_gbp_per_head_per_year * row["headcount"] + tier.price_gbp_per_case * row["cases_per_year"]
            rows.append(
                {
                    "service": service_name,
                    "mode": f"external ({row['member']})",
                    "cost_gbp_per_year": cost,
                }
            )
    return pd.DataFrame(rows, columns=["service", "mode", "cost_gbp_per_year"])


def cost_summary(scenario: Scenario) -> dict[str, float]:
    """Headline annual figures at full membership (pounds per year unless named otherwise)."""
    staff = host_staff_cost(scenario)
    demand = expected_annual_demand(scenario)
    heads = float(demand.drop_duplicates("member")["headcount"].sum())
    pay = float(staff["cost_gbp_per_year"].sum())
    non_pay = float(non_pay_cost(scenario)["cost_gbp_per_year"].sum())
    overhead = scenario.host.overhead_gbp_per_year
    total = pay + non_pay + overhead
    rate = scenario.tariff.per_capita_rate_gbp_per_head
    contributions = rate * heads if rate is not None else total
    shared_hours = float(demand.loc[demand["mode"] == Mode.SHARED.value, "work_hours_per_year"].sum())
    return {
        "member_headcount": heads,
        "host_fte": float(staff["fte"].sum()),
        "host_fte_per_100_staff": 100.0 * float(staff["fte"].sum()) / heads if heads else float("nan"),
        "host_pay_gbp_per_year": pay,
        "non_pay_gbp_per_year": non_pay,
        "host_overhead_gbp_per_year": overhead,
        "total_cost_gbp_per_year": total,
        "cost_per_head_gbp_per_year": total / heads if heads else float("nan"),
        "contributions_gbp_per_year": contributions,
        "surplus_gbp_per_year": contributions - total,
        "shared_work_hours_per_year": shared_hours,
        "host_casework_hours_per_year": float(staff["casework_hours_per_year"].sum()),
        "expected_utilisation": shared_hours / float(staff["casework_hours_per_year"].sum()),
    }
