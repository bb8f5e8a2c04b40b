"""The catalogue MILP against brute force: a 3 services x 3 members partnership, every one of the 3^9 = 19,683 mode
assignments costed independently (staffing by enumerating every role and FTE level of every pool, with whole people
per role), the minimum compared with the MILP optimum, and the cost of every forced alternative with the ``why``
table. Only the L(n) capacity function is shared with the code under test."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from model.optimisation import optimise
from model.optimisation.catalogue_instance import HOST_TEAM
from model.optimisation.pooling import pool_capacity, queueing_budget_days, service_rate_per_fte
from model.scenario import WORKING_DAYS_PER_YEAR, Scenario

MODES = ("shared", "in_house", "external")


def small_scenario(min_shared_staff: int = 0, overhead: float = 15000.0) -> Scenario:
    """Three services (an admin service bought per head, casework with waits, a specialist service whose shared
    mode buys jointly at volume tiers), three members of 90, 220 and 520 staff, three roles with cross-skilling."""

    def step(name: str, kind: str, mean: float) -> dict[str, Any]:
        return {"name": name, "kind": kind, "duration": {"distribution": "lognormal", "mean": mean, "cv": 0.5}}

    lead = {"distribution": "lognormal", "mean": 3.0, "cv": 0.5}
    data = {
        "name": "Brute force three by three",
        "min_shared_staff_per_service": min_shared_staff,
        "members": [
            {"name": "Small", "headcount": 90, "fte": 80.0},
            {"name": "Medium", "headcount": 220, "fte": 200.0},
            {"name": "Large", "headcount": 520, "fte": 470.0},
        ],
        "host": {"member": "Medium", "overheads_gbp_per_year": {"management": overhead}},
        "roles": [
            {
                "name": "admin",
                "band": "4",
                "salary_gbp_per_year": 24000.0,
                "fte": 1.0,
                "skills": ["records"],
                "cross_skills": {"casework": 0.6},
                "agency_day_rate_gbp": 200.0,
            },
            {
                "name": "advisor",
                "band": "6",
                "salary_gbp_per_year": 34000.0,
                "fte": 1.0,
                "skills": ["casework", "records"],
                "agency_day_rate_gbp": 300.0,
            },
            {
                "name": "lead",
                "band": "8a",
                "salary_gbp_per_year": 48000.0,
                "fte": 1.0,
                "skills": ["specialist", "casework"],
                "productive_hours_per_day": 4.5,
                "agency_day_rate_gbp": 550.0,
            },
        ],
        "services": [
            {
                "name": "records",
                "skill": "records",
                "demand_per_1000_headcount_per_year": 600.0,
                "steps": [step("update", "work", 1.2)],
                "kpi": {"description": "95% in 5 days", "target_days": 5.0, "target_fraction": 0.95},
                "delivery": {
                    "shared": {"fixed_cost_gbp_per_year": 4000.0},
                    "in_house": {"fixed_cost_gbp_per_year": 1500.0},
                    "external": {
                        "lead_time_days": lead,
                        "tiers": [
                            {"min_headcount": 0, "price_gbp_per_head_per_year": 60.0},
                            {"min_headcount": 500, "price_gbp_per_head_per_year": 50.0},
                        ],
                    },
                },
            },
            {
                "name": "casework",
                "skill": "casework",
                "demand_per_1000_headcount_per_year": 40.0,
                "steps": [step("open", "work", 6.0), step("wait", "wait", 10.0), step("close", "work", 6.0)],
                "kpi": {"description": "80% in 40 days", "target_days": 40.0, "target_fraction": 0.80},
                "delivery": {
                    "shared": {"per_head_cost_gbp_per_year": 2.0},
                    "in_house": {"per_head_cost_gbp_per_year": 3.0},
                    "external": {
                        "lead_time_days": lead,
                        "kpi_attainment_fraction": 0.8,
                        "tiers": [{"min_headcount": 0, "price_gbp_per_case": 1500.0}],
                    },
                },
            },
            {
                "name": "specialist",
                "skill": "specialist",
                "demand_per_1000_headcount_per_year": 15.0,
                "steps": [step("deliver", "work", 12.0)],
                "kpi": {"description": "80% in 30 days", "target_days": 30.0, "target_fraction": 0.80},
                "delivery": {
                    "shared": {"buys_externally": True, "fixed_cost_gbp_per_year": 1000.0},
                    "in_house": {"fixed_cost_gbp_per_year": 2500.0},
                    "external": {
                        "lead_time_days": lead,
                        "kpi_attainment_fraction": 0.85,
                        "tiers": [
                            {"min_headcount": 0, "price_gbp_per_head_per_year": 40.0, "price_gbp_per_case": 400.0},
                            {"min_headcount": 400, "price_gbp_per_head_per_year": 25.0, "price_gbp_per_case": 330.0},
                        ],
                    },
                },
            },
        ],
        "simulation": {"horizon_months": 12},
    }
    return Scenario.model_validate(data)


Capacity = Callable[[str, str, float], float]


def _menu(
    scenario: Scenario, service: Any, load: float, min_people: int, capacity: Capacity | None = None
) -> list[tuple[str, float, float]]:
    """Every (role, fte, capacity) for fte = 0.5, 1, ... up to the smallest whole FTE (>= min_people) covering
    ``load``, over ALL roles able to do the service (the MILP drops dominated roles: this checks that too).
    ``capacity(service, role, fte)`` replaces Erlang C (a calibrated table); a role it never lets cover the load
    within 400 FTE has no options."""
    budget = queueing_budget_days(service)
    options = []
    for role in scenario.roles:
        rate = service_rate_per_fte(scenario, service, role)
        if rate <= 0:
            continue

        def cap(fte: float, rate: float = rate, role: str = role.name) -> float:
            if capacity is not None:
                return capacity(service.name, role, fte)
            return pool_capacity(fte, rate, budget, service.kpi.target_fraction, "sojourn")

        top = max(1, min_people)
        while top <= 400 and cap(float(top)) < load:
            top += 1
        if top > 400:
            continue
        for k in range(1, 2 * top + 1):
            fte = k / 2
            if cap(fte) > 0:
                options.append((role.name, fte, cap(fte)))
    return options


def brute_force(
    scenario: Scenario, capacity: Capacity | None = None
) -> tuple[float, dict[tuple[str, str, str], float]]:
    """Minimum cost over all mode assignments, and the minimum with each (service, member) forced to each mode
    (``capacity``: see ``_menu``)."""
    members = scenario.members
    services = scenario.services
    loaded = {r.name: r.loaded_cost_gbp_per_year for r in scenario.roles}
    min_people = scenario.min_shared_staff_per_service
    pairs = [(s, m) for s in services for m in members]
    cases = {(s.name, m.name): s.demand_per_1000_headcount_per_year * m.headcount / 1000 for s, m in pairs}
    load = {key: value / WORKING_DAYS_PER_YEAR for key, value in cases.items()}

    def team_cost(chosen: list[tuple[str, float]]) -> float:
        fte: dict[str, float] = {}
        for role, f in chosen:
            fte[role] = fte.get(role, 0.0) + f
        return sum(loaded[r] * math.ceil(f - 1e-9) for r, f in fte.items())

    # In-house: per member and set of in-house services, the cheapest whole-people team (every option combination).
    in_house: dict[tuple[str, tuple[str, ...]], float] = {}
    for m in members:
        for k in range(len(services) + 1):
            for subset in itertools.combinations(services, k):
                menus = [
                    [
                        o
                        for o in _menu(scenario, s, load[(s.name, m.name)], 0, capacity)
                        if o[2] >= load[(s.name, m.name)]
                    ]
                    for s in subset
                ]
                staff = min(
                    (team_cost([(o[0], o[1]) for o in combo]) for combo in itertools.product(*menus)), default=0.0
                )
                fixed = sum(
                    s.delivery.in_house.fixed_cost_gbp_per_year
                    + s.delivery.in_house.per_head_cost_gbp_per_year * m.headcount
                    for s in subset
                )
                in_house[(m.name, tuple(s.name for s in subset))] = staff + fixed

    # Shared: every combination of one option (or none) per service pool, vectorised over combinations.
    menus = [_menu(scenario, s, sum(load[(s.name, m.name)] for m in members), min_people, capacity) for s in services]
    roles = sorted(loaded)
    combos = list(itertools.product(*[[None, *menu] for menu in menus]))
    capacity = np.array([[o[2] if o else 0.0 for o in combo] for combo in combos])
    used = np.array([[o is not None for o in combo] for combo in combos])
    people_ok = np.array([all(o is None or math.ceil(o[1] - 1e-9) >= min_people for o in combo) for combo in combos])
    fte = np.array([[sum(o[1] for o in combo if o and o[0] == r) for r in roles] for combo in combos])
    staff_cost = np.ceil(fte - 1e-9) @ np.array([loaded[r] for r in roles])
    shared_cache: dict[tuple[float, ...], float] = {}

    def shared_staff(loads: tuple[float, ...]) -> float:
        if loads not in shared_cache:
            needed = np.array(loads)
            ok = people_ok & np.all(capacity >= needed - 1e-12, axis=1) & np.all(used == (needed > 0), axis=1)
            shared_cache[loads] = float(staff_cost[ok].min()) if ok.any() else math.inf
        return shared_cache[loads]

    best = math.inf
    forced: dict[tuple[str, str, str], float] = {}
    for assignment in itertools.product(MODES, repeat=len(pairs)):
        mode = {(s.name, m.name): a for (s, m), a in zip(pairs, assignment, strict=True)}
        total = 0.0
        for s, m in pairs:
            if mode[(s.name, m.name)] == "external":
                tier = s.delivery.external.tier_for(m.headcount)
                total += (
                    tier.price_gbp_per_head_per_year * m.headcount + tier.price_gbp_per_case * cases[(s.name, m.name)]
                )
        for m in members:
            kept = tuple(s.name for s in services if mode[(s.name, m.name)] == "in_house")
            total += in_house[(m.name, kept)]
        loads = []
        for s in services:
            sharers = [m for m in members if mode[(s.name, m.name)] == "shared"]
            loads.append(sum(load[(s.name, m.name)] for m in sharers))
            if not sharers:
                continue
            option = s.delivery.shared
            heads = sum(m.headcount for m in sharers)
            total += option.fixed_cost_gbp_per_year + option.per_head_cost_gbp_per_year * heads
            if option.buys_externally:
                tier = s.delivery.external.tier_for(heads)
                total += tier.price_gbp_per_head_per_year * heads
                total += tier.price_gbp_per_case * sum(cases[(s.name, m.name)] for m in sharers)
        if any(value > 0 for value in loads):
            total += shared_staff(tuple(loads)) + scenario.host.overhead_gbp_per_year
        best = min(best, total)
        for key, value in mode.items():
            forced[(*key, value)] = min(forced.get((*key, value), math.inf), total)
    return best, forced


@pytest.mark.parametrize("min_shared_staff", [0, 2])
def test_milp_optimum_equals_brute_force(min_shared_staff: int) -> None:
    scenario = small_scenario(min_shared_staff)
    result = optimise(scenario)
    best, forced = brute_force(scenario)
    assert result.total_cost_gbp_per_year == pytest.approx(best, rel=1e-6)
    # The optimum uses more than one mode, so the test is not trivially "share everything".
    assert result.decisions["mode"].nunique() >= 2
    # Every "why" re-solve equals the brute-force minimum with that decision forced.
    for row in result.why.itertuples(index=False):
        assert row.total_if_forced_gbp_per_year == pytest.approx(
            forced[(row.service, row.member, row.alternative)], rel=1e-6
        )
    for row in result.decisions.itertuples(index=False):
        assert forced[(row.service, row.member, row.mode)] == pytest.approx(best, rel=1e-6)
    # The cost tables add up to the optimum, and the host team's staff lines to its whole people.
    assert result.costs["gbp_per_year"].sum() == pytest.approx(best, rel=1e-9)
    host = result.staffing[result.staffing["team"] == HOST_TEAM]
    host_teams = result.teams[result.teams["team"] == HOST_TEAM]
    assert host["cost_gbp_per_year"].sum() == pytest.approx(host_teams["cost_gbp_per_year"].sum(), rel=1e-9)
    if min_shared_staff:
        assert (host["people"] >= min_shared_staff).all()
