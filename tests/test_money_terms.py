"""Every money term of the simulated total cost and the catalogue's seasonal sizing, against hand derivations.

The hand-built output below has every cost term non-zero and different from every other, so a term dropped, counted
twice or subtracted instead of added (the survivors of the mutation probe in issue 12) changes the total by a known,
non-zero amount. Each expected number is derived in the comments from the scenario's inputs, not from the code.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from model.optimisation import CatalogueOptions
from model.optimisation.catalogue_instance import build_instance
from model.scenario import Scenario, scenario_from_dict, toy_scenario_dict
from model.simulation import SimulationOutput, summary
from model.simulation.engine import BACKLOG_COLUMNS, CASE_COLUMNS, STAFF_COLUMNS
from model.simulation.kpis import non_pay_by_service, replication_kpis

DAYS_PER_MONTH = 21.75  # 261 working days / 12, written out so the test does not lean on model.units
WINDOW_DAYS = 3 * DAYS_PER_MONTH  # horizon 4 months, warm-up 1 month
PER_YEAR = 261 / WINDOW_DAYS  # = 4 exactly: a window of one third of a year


def money_scenario() -> Scenario:
    """Three members, one service in all three modes, host overheads, a member joining late.

    A (host, 1000 heads) shares; B (500 heads) keeps the service in house from month 2 (active in 2 of the 3 KPI
    months); C (200 heads) buys it externally. The shared mode buys externally at the pooled tier.
    """
    data = toy_scenario_dict(horizon_months=4)
    data["simulation"].update({"warm_up_months": 1, "kpi_review_months": 2, "start": "2018-04"})
    data["host"]["overheads_gbp_per_year"] = {"management": 2000.0, "accommodation": 1000.0}
    data["members"] += [
        {
            "name": "B",
            "headcount": 500,
            "fte": 450.0,
            "join_month": 2,
            "provision": {"svc": "in_house"},
            "in_house_fte": {"worker": 1.0},
        },
        {"name": "C", "headcount": 200, "fte": 180.0, "provision": {"svc": "external"}},
    ]
    data["services"][0]["delivery"] = {
        "shared": {"fixed_cost_gbp_per_year": 1200.0, "per_head_cost_gbp_per_year": 2.0, "buys_externally": True},
        "in_house": {"fixed_cost_gbp_per_year": 600.0, "per_head_cost_gbp_per_year": 1.0},
        "external": {
            "tiers": [
                {"min_headcount": 0, "price_gbp_per_case": 100.0, "price_gbp_per_head_per_year": 3.0},
                {"min_headcount": 1000, "price_gbp_per_case": 80.0, "price_gbp_per_head_per_year": 2.5},
            ],
            "lead_time_days": {"distribution": "fixed", "mean": 4.0},
        },
    }
    return scenario_from_dict(data)


def _case(member: str, mode: str, arrival: float) -> dict[str, Any]:
    """A case completed in one day (met its 10-day target); only member, mode and arrival month matter for money."""
    return {
        "case_id": 0,
        "member": member,
        "service": "svc",
        "mode": mode,
        "origin": "arrival",
        "arrival_day": arrival,
        "arrival_month": int(arrival // DAYS_PER_MONTH),
        "warm_up": arrival < DAYS_PER_MONTH,
        "work_hours": 1.0,
        "wait_days": 0.0,
        "external_days": 0.0,
        "first_start_day": arrival,
        "end_day": arrival + 1.0,
        "completed": True,
        "queue_wait_days": 0.0,
        "completion_days": 1.0,
        "target_days": 10.0,
        "met_target": 1.0,
        "handoffs": 0,
    }


def _staff(team: str, pay: float, backfill_cost: float) -> list[Any]:
    return [team, "worker", 0, 1.0, WINDOW_DAYS, 60.0, 30.0, 0.0, 0.0, 0.0, 0.0, 0.0, backfill_cost, pay]


def money_output() -> SimulationOutput:
    cases = pd.DataFrame(
        [
            _case("A", "shared", 10.0),  # month 0, the warm-up: outside the window, no per-case price
            _case("A", "shared", 30.0),  # month 1
            _case("A", "shared", 50.0),  # month 2
            _case("C", "external", 70.0),  # month 3
        ],
        columns=CASE_COLUMNS,
    )
    staff = pd.DataFrame(
        [_staff("host", pay=1000.0, backfill_cost=100.0), _staff("host", 500.0, 0.0), _staff("B", 300.0, 20.0)],
        columns=STAFF_COLUMNS,
    )
    backlog = pd.DataFrame([[0.0, 0, "svc", "shared", 0]], columns=BACKLOG_COLUMNS)
    return SimulationOutput(0, cases, staff, backlog, horizon_days=4 * DAYS_PER_MONTH, warm_up_days=DAYS_PER_MONTH)


# Hand derivation, pounds per year (the window is a third of a year, so window totals x 4):
HOST_PAY = (1000.0 + 500.0) * 4  # 6,000
IN_HOUSE_PAY = 300.0 * 4 * (2 / 3)  # 800: B belongs to the group in 2 of the 3 KPI months
BACKFILL = (100.0 + 20.0) * 4  # 480
NON_PAY_SHARED = 1200.0 + 2.0 * 1000 + 2.5 * 1000 + 80.0 * 2 * 4  # 6,340: fixed, licences, pooled tier, 2 cases
NON_PAY_IN_HOUSE = (600.0 + 1.0 * 500) * (2 / 3)  # 733.33: B's own licence for its 2 months
NON_PAY_EXTERNAL = 3.0 * 200 + 100.0 * 1 * 4  # 1,000: C's base tier, 1 case
NON_PAY = NON_PAY_SHARED + NON_PAY_IN_HOUSE + NON_PAY_EXTERNAL  # 8,073.33
OVERHEAD = 2000.0 + 1000.0
TOTAL = HOST_PAY + IN_HOUSE_PAY + BACKFILL + NON_PAY + OVERHEAD  # 18,353.33


@pytest.fixture(scope="module")
def money_kpis() -> pd.Series:
    kpis = replication_kpis(money_scenario(), money_output())
    return kpis.set_index(["metric", "service", "member", "role", "period"])["value"]


def test_every_cost_term_matches_its_hand_derivation(money_kpis: pd.Series) -> None:
    """Each term separately: host pay, in-house pay pro rata to membership, backfill, non-pay, overhead."""
    k = money_kpis
    assert k[("host_pay_gbp_per_year", "all", "all", "all", "all")] == pytest.approx(HOST_PAY, rel=1e-12)
    assert k[("in_house_pay_gbp_per_year", "all", "all", "all", "all")] == pytest.approx(IN_HOUSE_PAY, rel=1e-12)
    assert k[("backfill_cost_gbp_per_year", "all", "all", "all", "all")] == pytest.approx(BACKFILL, rel=1e-12)
    assert k[("backfill_cost_gbp_per_year", "all", "B", "all", "all")] == pytest.approx(80.0, rel=1e-12)
    assert k[("non_pay_gbp_per_year", "svc", "all", "all", "all")] == pytest.approx(NON_PAY, rel=1e-12)
    assert k[("non_pay_gbp_per_year", "all", "all", "all", "all")] == pytest.approx(NON_PAY, rel=1e-12)
    assert k[("host_overhead_gbp_per_year", "all", "all", "all", "all")] == pytest.approx(OVERHEAD, rel=1e-12)


def test_total_cost_adds_every_term(money_kpis: pd.Series) -> None:
    """The total is the sum of the five terms; a term subtracted instead of added moves it by twice that term
    (overhead: GBP 6,000; in-house pay: GBP 1,600), far outside the 1e-9 relative tolerance."""
    assert money_kpis[("total_cost_gbp_per_year", "all", "all", "all", "all")] == pytest.approx(TOTAL, rel=1e-9)


def test_non_pay_without_cases_is_the_yearly_part_alone() -> None:
    """With no cases only the yearly parts remain: shared fixed + licences + pooled tier per head (5,700), B's
    in-house licence for 2 of 3 months (733.33), C's base tier per head (600). Together with the test above this
    pins the per-case prices (80 at the pooled tier, 100 at C's) separately from the yearly prices."""
    output = money_output()
    output.cases = output.cases.iloc[0:0]
    expected = (1200.0 + 2.0 * 1000 + 2.5 * 1000) + (600.0 + 1.0 * 500) * 2 / 3 + 3.0 * 200
    assert non_pay_by_service(money_scenario(), output)["svc"] == pytest.approx(expected, rel=1e-12)


def test_seasonal_peak_sizes_every_pair_for_its_busiest_month(default_scenario: Scenario) -> None:
    """With ``seasonal_peak`` each pair's load is its mean load x the service's busiest month relative to the mean
    (from the raw ``seasonality`` list, e.g. recruitment 1.25 / mean 1.0417 = 1.2); without it, the mean."""
    mean = build_instance(default_scenario)
    peak = build_instance(default_scenario, CatalogueOptions(seasonal_peak=True))
    ratios_above_one = 0
    for flat, busy in zip(mean.pairs, peak.pairs, strict=True):
        raw = default_scenario.service(flat.service).seasonality
        factor = max(raw) / (sum(raw) / 12) if raw is not None else 1.0
        ratios_above_one += factor > 1.01
        assert busy.load_cases_per_day == pytest.approx(flat.load_cases_per_day * factor, rel=1e-12)
        assert flat.load_cases_per_day == pytest.approx(flat.cases_per_year / 261, rel=1e-12)
    assert ratios_above_one > 0  # the default scenario has seasonal services, so the check has teeth
    assert not math.isclose(max(default_scenario.service("recruitment").seasonality or [1.0]), 1.0)


def test_static_cost_summary_of_every_term() -> None:
    """The finance lead's static summary (``model.summary``) of the money scenario with 12 cases per 1000 heads,
    27 + 8 days of planned leave, 4% sickness and a per-capita rate of GBP 10, every figure by hand:

    * one worker FTE: 30,000 x 1.27 = 38,100; at work (261 - 35) x 0.96 = 216.96 days, 5.5 h a day = 1,193.28 h;
    * non-pay: the shared pool (A, 1000 heads, 12 cases) 1,200 + 2 x 1000 + 2.5 x 1000 + 80 x 12 = 6,660; C's
      external purchase 3 x 200 + 100 x 2.4 = 840 (B's in-house licence is B's own cost, not the service's);
    * overhead 3,000; total 48,600 for 1,700 heads; contributions 17,000; surplus -31,600;
    * shared work: A's 12 cases x 16.5 h = 198 h, against 1,193.28 h of capacity.
    """
    data = money_scenario().model_dump(mode="json")
    data["services"][0]["demand_per_1000_headcount_per_year"] = 12.0
    data["absence"].update({"annual_leave_days": 27.0, "bank_holidays_days": 8.0, "sickness_rate": 0.04})
    data["tariff"] = {"per_capita_rate_gbp_per_head": 10.0}
    scenario = scenario_from_dict(data)
    assert summary.available_days_per_fte(scenario) == pytest.approx(216.96, rel=1e-12)
    staff = summary.host_staff_cost(scenario).iloc[0]
    assert staff["cost_gbp_per_year"] == pytest.approx(38100.0, rel=1e-12)
    assert staff["casework_hours_per_year"] == pytest.approx(1193.28, rel=1e-12)
    lines = summary.non_pay_cost(scenario).set_index("mode")["cost_gbp_per_year"]
    assert lines.to_dict() == pytest.approx({"shared": 6660.0, "external (C)": 840.0}, rel=1e-12)
    expected = {
        "member_headcount": 1700.0,
        "host_fte": 1.0,
        "host_fte_per_100_staff": 100 / 1700,
        "host_pay_gbp_per_year": 38100.0,
        "non_pay_gbp_per_year": 7500.0,
        "host_overhead_gbp_per_year": 3000.0,
        "total_cost_gbp_per_year": 48600.0,
        "cost_per_head_gbp_per_year": 48600 / 1700,
        "contributions_gbp_per_year": 17000.0,
        "surplus_gbp_per_year": -31600.0,
        "shared_work_hours_per_year": 198.0,
        "host_casework_hours_per_year": 1193.28,
        "expected_utilisation": 198 / 1193.28,
    }
    assert summary.cost_summary(scenario) == pytest.approx(expected, rel=1e-12)
    data["roles"][0]["fte"] = 2.5
    assert summary.cost_summary(scenario_from_dict(data))["host_fte_per_100_staff"] == pytest.approx(250 / 1700)


def test_non_pay_stops_when_a_member_leaves_and_nobody_pays_for_an_unused_pool() -> None:
    """C leaving at month 3 (active in months 1 and 2 of the window, gone when its month-3 case arrives) pays its
    base tier for 2 of 3 months: 600 x 2/3 = 400 a year and no case price. With A buying externally too, nobody
    shares: no shared fixed cost or licences are due, only A's external purchase, 2.5 x 1000 + 80 x 2 x 4 = 3,140
    (A's 1000 heads reach the 1000 tier on their own)."""
    data = money_scenario().model_dump(mode="json")
    data["members"][2]["leave_month"] = 3
    leaving = scenario_from_dict(data)
    expected = NON_PAY_SHARED + NON_PAY_IN_HOUSE + 3.0 * 200 * 2 / 3
    assert non_pay_by_service(leaving, money_output())["svc"] == pytest.approx(expected, rel=1e-12)
    data["members"][0]["provision"] = {"svc": "external"}
    nobody_shares = scenario_from_dict(data)
    expected = (2.5 * 1000 + 80.0 * 2 * 4) + NON_PAY_IN_HOUSE + 3.0 * 200 * 2 / 3
    assert non_pay_by_service(nobody_shares, money_output())["svc"] == pytest.approx(expected, rel=1e-12)


def test_static_non_pay_without_joint_purchasing_and_without_sharers() -> None:
    """The static non-pay when the host does not buy for the pool: A's shared pool is 1,200 + 2 x 1000 = 3,200 (no
    tier price although an external option exists). When nobody shares, no shared line at all (no fixed cost for an
    unused pool): A buys at the 1000 tier, 2.5 x 1000 + 80 x 12 = 3,460, C as before 840."""
    data = money_scenario().model_dump(mode="json")
    data["services"][0]["demand_per_1000_headcount_per_year"] = 12.0
    data["services"][0]["delivery"]["shared"]["buys_externally"] = False
    lines = summary.non_pay_cost(scenario_from_dict(data)).set_index("mode")["cost_gbp_per_year"]
    assert lines.to_dict() == pytest.approx({"shared": 3200.0, "external (C)": 840.0}, rel=1e-12)
    data["members"][0]["provision"] = {"svc": "external"}
    lines = summary.non_pay_cost(scenario_from_dict(data)).set_index("mode")["cost_gbp_per_year"]
    assert lines.to_dict() == pytest.approx({"external (A)": 3460.0, "external (C)": 840.0}, rel=1e-12)
