"""The settled service: the membership of the last simulated month, run for long enough to judge it.

The catalogue optimiser, the tariffs and the capacity calibration all size the service for the membership of the last
simulated month (every member that has joined by then, none that has left). ``steady_state_scenario`` turns a
scenario into that service run on its own: the settled members present from month 0 with the services they take at
the end, no inherited backlog, ``warm_up_months`` of warm-up and ``months`` scored, the calendar aligned so that the
first scored month is the scenario's settled month (same seasonality), and forced absences shifted with it. The
verification of the recommended catalogue and its paired saving against today are simulated on it, so they judge
the service the optimiser designed with many review periods instead of the last few of a historical timeline.
"""

from __future__ import annotations

from typing import Any

from model.scenario.schema import Scenario, scenario_from_dict
from model.scenario.units import MONTHS_PER_YEAR
from model.simulation.demand import active_in_month


def settled_month(scenario: Scenario) -> int:
    """The first month from which every member's use of every service stays as it is in the last simulated month
    (the membership the catalogue optimiser sizes for); 0 if membership never changes."""
    horizon = scenario.simulation.horizon_months
    pairs = [(m.name, s) for m in scenario.members for s in scenario.service_names]

    def active(month: int) -> tuple[bool, ...]:
        return tuple(active_in_month(scenario, member, service, month) for member, service in pairs)

    final = active(horizon - 1)
    month = horizon - 1
    while month > 0 and active(month - 1) == final:
        month -= 1
    return month


def settled_calendar(scenario: Scenario, warm_up_months: int) -> tuple[str, int]:
    """(``simulation.start`` label, warm-up months) for a run whose month ``warm_up_months`` falls in the same calendar
    month as the scenario's settled month."""
    sim = scenario.simulation
    index = sim.start_year * MONTHS_PER_YEAR + sim.start_calendar_month - 1 + settled_month(scenario) - warm_up_months
    return f"{index // MONTHS_PER_YEAR:04d}-{index % MONTHS_PER_YEAR + 1:02d}", warm_up_months


def shifted_forced_absences(scenario: Scenario, warm_up_months: int, horizon_months: int) -> list[dict[str, Any]]:
    """The scenario's forced absences moved so that its settled month becomes month ``warm_up_months``, cut to the
    new run [0, ``horizon_months``); those wholly outside are dropped."""
    shift = warm_up_months - settled_month(scenario)
    moved = []
    for forced in scenario.forced_absences:
        start = forced.start_month + shift
        end = start + forced.months
        if end <= 0 or start >= horizon_months:
            continue
        first = max(0, start)
        moved.append({**forced.model_dump(mode="json"), "start_month": first, "months": end - first})
    return moved


def steady_state_scenario(scenario: Scenario, months: int = 36, warm_up_months: int = 3) -> Scenario:
    """The settled service run on its own (module docstring): ``warm_up_months`` + ``months`` months."""
    data = scenario.model_dump(mode="json")
    last = scenario.simulation.horizon_months - 1
    members = []
    for member, source in zip(scenario.members, data["members"], strict=True):
        taken = [s for s in scenario.service_names if active_in_month(scenario, member.name, s, last)]
        if not taken and member.name != scenario.host.member:
            continue
        members.append(
            {
                **source,
                "join_month": 0,
                "leave_month": None,
                "services": taken,
                "service_start_month": {},
                "provision": {s: m for s, m in source["provision"].items() if s in taken},
            }
        )
    start, warm_up = settled_calendar(scenario, warm_up_months)
    horizon = warm_up + months
    data["members"] = members
    data["forced_absences"] = shifted_forced_absences(scenario, warm_up, horizon)
    data["simulation"] = {
        **data["simulation"],
        "start": start,
        "horizon_months": horizon,
        "warm_up_months": warm_up,
        "initial_backlog": {},
    }
    return scenario_from_dict(data, origin=f"{scenario.name} (settled service)")
