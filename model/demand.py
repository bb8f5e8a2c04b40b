"""HR demand: how many cases each member generates for each service, and when.

The expected demand of member m for service s is ``demand_per_1000_headcount_per_year x headcount / 1000`` cases a
year while m takes s (between its join/service-start month and its leave month), shaped over the calendar year by
the service's seasonality profile. Work content is the mean effort of the service's ``work`` steps (hours).
"""

from __future__ import annotations

import pandas as pd

from model.scenario import Scenario

DEMAND_COLUMNS = [
    "member",
    "service",
    "mode",
    "headcount",
    "cases_per_year",
    "work_hours_per_case",
    "work_hours_per_year",
]


def active_in_month(scenario: Scenario, member_name: str, service: str, month: int) -> bool:
    """Whether ``member_name`` generates ``service`` demand during simulation month ``month`` (0-based)."""
    window = scenario.service_window_months(scenario.member(member_name), service)
    if window is None:
        return False
    start, end = window
    return start <= month and (end is None or month < end)


def steady_state_month(scenario: Scenario) -> int:
    """The month whose membership the steady-state analyses (optimiser, tariffs) use: the last simulated month."""
    return scenario.simulation.horizon_months - 1


def expected_annual_demand(scenario: Scenario, month: int | None = None) -> pd.DataFrame:
    """Expected cases and work hours per year for every member x service active in ``month``.

    ``month`` defaults to the steady-state month (the last simulated month, when every member has joined). Returns
    one row per active (member, service) with columns ``DEMAND_COLUMNS``; ``mode`` is today's provision.
    """
    month = steady_state_month(scenario) if month is None else month
    rows = []
    for member in scenario.members:
        for service_name in scenario.subscribed(member):
            if not active_in_month(scenario, member.name, service_name, month):
                continue
            service = scenario.service(service_name)
            cases = service.demand_per_1000_headcount_per_year * member.headcount / 1000.0
            rows.append(
                {
                    "member": member.name,
                    "service": service_name,
                    "mode": scenario.provision_of(member, service_name).value,
                    "headcount": member.headcount,
                    "cases_per_year": cases,
                    "work_hours_per_case": service.work_hours_mean,
                    "work_hours_per_year": cases * service.work_hours_mean,
                }
            )
    return pd.DataFrame(rows, columns=DEMAND_COLUMNS)
