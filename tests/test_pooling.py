"""Pooled capacity tables L(n): hand-derived values, the pooling effect, part-time pools and unreachable KPIs."""

from __future__ import annotations

import math

import pytest

from model.optimisation import queueing
from model.optimisation.pooling import (
    availability,
    capacity_table,
    pool_capacity,
    queueing_budget_days,
    service_rate_per_fte,
    staffing_options,
    unreachable_reason,
)
from model.scenario import Scenario, apply_overrides


def test_service_rate_by_hand(default_scenario: Scenario) -> None:
    # Available share of days: (261 - 29 - 8 - 3) / 261 x (1 - 0.03).
    expected_availability = (261 - 40) / 261 * 0.97
    assert availability(default_scenario) == pytest.approx(expected_availability)
    recruitment = default_scenario.service("recruitment")
    officer = default_scenario.role("recruitment_officer")
    administrator = default_scenario.role("hr_administrator")
    # 5.5 productive hours a day at work, 8 work hours a case; the administrator is cross-skilled at 0.8.
    assert service_rate_per_fte(default_scenario, recruitment, officer) == pytest.approx(
        5.5 * expected_availability / 8.0
    )
    assert service_rate_per_fte(default_scenario, recruitment, administrator) == pytest.approx(
        5.5 * expected_availability * 0.8 / 8.0
    )
    assert service_rate_per_fte(default_scenario, recruitment, default_scenario.role("head_of_hr")) == 0.0
    assert queueing_budget_days(recruitment) == pytest.approx(50.0 - 28.0)


def test_one_server_capacity_is_the_mm1_sojourn_formula() -> None:
    # M/M/1 sojourn ~ Exp(mu - lambda): P(W <= B) >= f  <=>  lambda <= mu + ln(1 - f) / B.
    mu, budget, fraction = 0.6, 20.0, 0.9
    assert pool_capacity(1.0, mu, budget, fraction, "sojourn") == pytest.approx(
        mu + math.log(1 - fraction) / budget, rel=1e-8
    )
    # Queue time only: P(Wq > B) = rho exp(-(mu - lambda) B) <= 1 - f, solved independently by bisection.
    low, high = 0.0, mu
    for _ in range(200):
        middle = (low + high) / 2
        if (middle / mu) * math.exp(-(mu - middle) * budget) <= 1 - fraction:
            low = middle
        else:
            high = middle
    assert pool_capacity(1.0, mu, budget, fraction, "wait") == pytest.approx(low, rel=1e-7)


def test_part_time_pool_is_fewer_slower_servers() -> None:
    # 1.5 FTE = two people at 0.75 of their time; 0.5 FTE = one person at half speed.
    mu = 0.8
    assert pool_capacity(1.5, mu, 10.0, 0.8, "sojourn") == pytest.approx(
        queueing.max_arrival_rate(2, 0.75 * mu, 10.0, 0.8, measure="sojourn")
    )
    assert pool_capacity(0.5, mu, 10.0, 0.8, "sojourn") == pytest.approx(
        queueing.max_arrival_rate(1, 0.5 * mu, 10.0, 0.8, measure="sojourn")
    )
    assert pool_capacity(0.0, mu, 10.0, 0.8, "sojourn") == 0.0
    assert pool_capacity(2.0, mu, -1.0, 0.8, "sojourn") == 0.0


def test_pooling_grows_faster_than_linearly(default_scenario: Scenario) -> None:
    service = default_scenario.service("employee_relations")
    role = default_scenario.role("senior_hr_advisor")
    table = capacity_table(default_scenario, service, role, max_fte=6, fte_step=1.0)
    assert table[0] == (0.0, 0.0)
    per_person = [capacity / fte for fte, capacity in table[1:]]
    assert all(b > a for a, b in zip(per_person, per_person[1:], strict=False))
    # Superadditive: one pool of n + m serves more than two pools of n and m.
    capacity = dict(table)
    for n in range(1, 4):
        for m in range(1, 4):
            if n + m <= 6:
                assert capacity[float(n + m)] > capacity[float(n)] + capacity[float(m)]
    # The stable limit: capacity stays below n x mu.
    rate = service_rate_per_fte(default_scenario, service, role)
    assert all(c < fte * rate for fte, c in table[1:])


def test_staffing_menu_covers_the_load(default_scenario: Scenario) -> None:
    service = default_scenario.service("payroll_operational")
    load = 6.0  # cases per working day
    menu = staffing_options(default_scenario, service, load, min_people=2)
    roles = {option.role for option in menu}
    assert roles == {"recruitment_officer", "hr_administrator"}
    for role in roles:
        ftes = [o.fte for o in menu if o.role == role]
        assert ftes == [0.5 * k for k in range(1, len(ftes) + 1)]
        top = [o for o in menu if o.role == role][-1]
        assert top.capacity_cases_per_day >= load and top.fte >= 2 and top.fte == int(top.fte)
        smaller = [o for o in menu if o.role == role and o.fte == top.fte - 1]
        assert not smaller or smaller[0].capacity_cases_per_day < load or top.fte == 2
        assert top.cost_gbp_per_year == pytest.approx(top.fte * default_scenario.role(role).loaded_cost_gbp_per_year)


def test_unreachable_kpis_are_explained(default_scenario: Scenario) -> None:
    assert all(unreachable_reason(default_scenario, s) is None for s in default_scenario.services)
    late = apply_overrides(default_scenario, ["services.employee_relations.kpi.target_days=30"])
    reason = unreachable_reason(late, late.service("employee_relations"))
    assert reason is not None
    assert "cannot be met by any staffing: the wait steps alone take 35 working days on average" in reason
    tight = apply_overrides(default_scenario, ["services.strategic_hr.kpi.target_days=10"])
    reason = unreachable_reason(tight, tight.service("strategic_hr"))
    assert reason is not None and "even a case that never queues finishes in time" in reason
    assert unreachable_reason(tight, tight.service("strategic_hr"), measure="wait") is None
