"""Pooled capacity tables L(n) for the service-catalogue optimiser: how much workload a team of n people can take
while still meeting a service's KPI.

A pool is the staff of one team (the host's shared team, or one member's in-house team) working on one service. For a
pool of ``fte`` whole-time equivalents of one role, the largest arrival rate of cases (cases per working day) that
still meets the KPI is

    L(fte) = queueing.max_arrival_rate(c, mu_eff, budget_days, target_fraction, measure)

where

* ``mu`` (cases per working day per FTE) = role.productive_hours_per_day x availability x productivity /
  work_hours_per_case. ``availability`` = (1 - planned leave / 261) x (1 - sickness rate) is the share of working
  days a person is at work (the mean-field treatment of absence: a person who is away a fifth of the time is modelled
  as a server working at four fifths of the speed). ``productivity`` is 1 for the role's own skills and the
  cross-skill factor otherwise (``simulation.allow_cross_skilling``).
* Staffing comes in steps of ``fte_step`` (0.5 FTE by default): ``fte`` = k x step. A pool of ``fte`` FTE is
  modelled as c = ceil(fte) people each giving ``fte / c`` of their time (so 1.5 FTE = two people at 0.75), i.e.
  an M/M/c queue with service rate ``mu x fte / c`` per server. For whole numbers this is the textbook M/M/n pool.
* ``budget_days`` = KPI target days - the mean elapsed days of the service's ``wait`` steps: the time left for the
  case to queue for and receive staff work. Subtracting the mean wait is an approximation (the wait steps vary, so
  the true quantile needs a little more margin); a budget <= 0 means no staffing level can meet the KPI.
* ``measure="sojourn"`` (default) requires P(queue + work time <= budget) >= target fraction, treating a case's work
  steps as one exponential service (coefficient of variation 1, above the scenario's 0.4-0.6: conservative).
  ``measure="wait"`` counts only the time in queue.

L grows faster than linearly in n (the pooling effect), which is why sharing beats in-house for small members: a
one-person team must run at low utilisation to keep the tail of its completion times inside the target, while a
pooled team of five can run much hotter. Absence is treated in the mean (see above); the simulator is the tool for
the extra risk of a one-person team when that person is on leave.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from model.optimisation import queueing
from model.scenario.schema import Role, Scenario, Service
from model.scenario.units import WORKING_DAYS_PER_YEAR
from model.simulation.summary import available_days_per_fte

FTE_STEP = 0.5
"""Default staffing step in FTE: pools are staffed in half-time steps (a person can split time between two
services of the team that need skills the person's role has)."""

MAX_POOL_FTE = 400
"""Largest pool considered; a pool that would need more is reported as infeasible."""

MEASURES = ("sojourn", "wait")


class CapacityLookup(Protocol):
    """A table of pool capacities measured elsewhere (``model.optimisation.calibration.CapacityTable``): cases per working day
    for ``fte`` FTE of ``role`` on ``service``, None where the pool was not measured."""

    def capacity(self, service: str, role: str, fte: float) -> float | None: ...

    def key(self) -> str:
        """A stable digest of the table (part of the cache key of results computed on it)."""
        ...


@dataclass(frozen=True)
class StaffingOption:
    """One way to staff a pool: ``fte`` FTE of ``role`` (``people`` = ceil(fte) persons), able to take
    ``capacity_cases_per_day`` cases per working day within the KPI, at ``cost_gbp_per_year`` (loaded pay)."""

    role: str
    fte: float
    people: int
    capacity_cases_per_day: float
    cost_gbp_per_year: float
    rate_per_fte: float = 0.0
    """Cases per working day one FTE of the role completes on the service (for utilisation)."""

    @property
    def capacity_cases_per_year(self) -> float:
        """L in cases per year (261 working days)."""
        return self.capacity_cases_per_day * WORKING_DAYS_PER_YEAR


def availability(scenario: Scenario) -> float:
    """Share of working days an FTE is at work: (1 - planned leave / 261) x (1 - sickness rate)."""
    return available_days_per_fte(scenario) / WORKING_DAYS_PER_YEAR


def service_rate_per_fte(scenario: Scenario, service: Service, role: Role) -> float:
    """Cases per working day one FTE of ``role`` completes on ``service`` (0 if the role cannot do it).

    productive hours a day x availability x productivity (1, the cross-skill factor, or 0) / work hours per case.
    """
    productivity = role.productivity_for(service.skill, scenario.simulation.allow_cross_skilling)
    if productivity <= 0:
        return 0.0
    return role.productive_hours_per_day * availability(scenario) * productivity / service.work_hours_mean


def queueing_budget_days(service: Service) -> float:
    """Working days left for queueing and staff work: KPI target days - mean days of the wait steps."""
    return service.kpi.target_days - service.wait_days_mean


@lru_cache(maxsize=200_000)
def pool_capacity(fte: float, rate_per_fte: float, budget_days: float, target_fraction: float, measure: str) -> float:
    """L(fte): the largest arrival rate (cases per working day) a pool of ``fte`` FTE can take within the KPI.

    The pool is ceil(fte) servers, each at ``rate_per_fte x fte / ceil(fte)`` cases per working day. Returns 0 for
    an empty pool, a non-positive budget, or a KPI that even an idle pool misses.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")
    if fte <= 0 or rate_per_fte <= 0 or budget_days <= 0:
        return 0.0
    servers = math.ceil(fte - 1e-9)
    per_server = rate_per_fte * fte / servers
    return queueing.max_arrival_rate(servers, per_server, budget_days, target_fraction, measure=measure)


def unreachable_reason(scenario: Scenario, service: Service, measure: str = "sojourn") -> str | None:
    """Why no staffing level of any able role can meet ``service``'s KPI, or None if some staffing can.

    Two ways to fail: the wait steps alone use the whole target (budget <= 0), or (``measure="sojourn"``) even a
    case that never queues is too often still being worked on at the deadline: one exponential service of the
    fastest able role finishes within the budget with probability 1 - exp(-mu budget) < target fraction.
    """
    kpi = service.kpi
    label = f"KPI '{kpi.description}' ({kpi.target_fraction:.0%} within {kpi.target_days:g} working days)"
    budget = queueing_budget_days(service)
    if budget <= 0:
        return (
            f"{label} cannot be met by any staffing: the wait steps alone take "
            f"{service.wait_days_mean:g} working days on average"
        )
    rates = [service_rate_per_fte(scenario, service, role) for role in scenario.roles]
    best = max(rates, default=0.0)
    if best <= 0:
        return f"no role has skill '{service.skill}'"
    if kpi.target_fraction >= 1:
        return f"{label} cannot be met by any staffing: a fraction of 100% leaves no room for random delays"
    if measure == "sojourn" and 1.0 - math.exp(-best * budget) < kpi.target_fraction:
        return (
            f"{label} cannot be met by any staffing: after {service.wait_days_mean:g} days of wait steps only "
            f"{budget:g} working days remain for {service.work_hours_mean:g} hours of work, and even a case that "
            f"never queues finishes in time with probability {1.0 - math.exp(-best * budget):.0%}"
        )
    return None


def staffing_options(
    scenario: Scenario,
    service: Service,
    max_load_cases_per_day: float,
    min_people: int = 0,
    fte_step: float = FTE_STEP,
    measure: str = "sojourn",
    roles: list[Role] | None = None,
    capacity: CapacityLookup | None = None,
) -> list[StaffingOption]:
    """The staffing menu of one pool: for every role able to do ``service``, fte = step, 2 step, ... up to the
    smallest whole number of FTE (at least ``min_people``) whose capacity covers ``max_load_cases_per_day``.

    Capacities are Erlang C's (``pool_capacity``) unless ``capacity`` gives the simulator-calibrated table
    (``model.optimisation.calibration``), where a pool it did not measure counts as able to take nothing. Roles that can never
    reach the load (or the KPI) within ``MAX_POOL_FTE`` contribute no options. The list is empty if no role can
    serve the load.
    """
    if fte_step <= 0 or abs(round(1.0 / fte_step) * fte_step - 1.0) > 1e-9:
        raise ValueError(f"fte_step must divide 1 (e.g. 1, 0.5, 0.25), got {fte_step}")
    budget = queueing_budget_days(service)
    fraction = service.kpi.target_fraction
    steps_per_fte = round(1.0 / fte_step)
    options: list[StaffingOption] = []
    for role in roles if roles is not None else scenario.roles:
        rate = service_rate_per_fte(scenario, service, role)
        if rate <= 0:
            continue

        def lookup(fte: float, rate: float = rate, role: str = role.name) -> float:
            if capacity is None:
                return pool_capacity(fte, rate, budget, fraction, measure)
            measured = capacity.capacity(service.name, role, fte)
            return 0.0 if measured is None else measured

        top = max(1, min_people)
        while top <= MAX_POOL_FTE and lookup(float(top)) < max_load_cases_per_day:
            top += 1
        if top > MAX_POOL_FTE or lookup(float(top)) <= 0:
            continue
        for k in range(1, top * steps_per_fte + 1):
            fte = k / steps_per_fte
            cases_per_day = lookup(fte)
            if cases_per_day <= 0:
                continue
            options.append(
                StaffingOption(
                    role=role.name,
                    fte=fte,
                    people=math.ceil(fte - 1e-9),
                    capacity_cases_per_day=cases_per_day,
                    cost_gbp_per_year=fte * role.loaded_cost_gbp_per_year,
                    rate_per_fte=rate,
                )
            )
    return options


def capacity_table(
    scenario: Scenario,
    service: Service,
    role: Role,
    max_fte: int,
    fte_step: float = FTE_STEP,
    measure: str = "sojourn",
) -> list[tuple[float, float]]:
    """(fte, L(fte) in cases per working day) for fte = 0, step, ..., ``max_fte``: the table behind the binaries."""
    rate = service_rate_per_fte(scenario, service, role)
    budget = queueing_budget_days(service)
    steps = round(max_fte / fte_step)
    return [
        (k * fte_step, pool_capacity(k * fte_step, rate, budget, service.kpi.target_fraction, measure))
        for k in range(steps + 1)
    ]
