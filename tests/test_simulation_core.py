"""Simulator mechanics: exact hand-derived timings, dispatch rules, provision modes, reproducibility and CRN.

Times are in working days. The toy scenario (``model.toy_scenarios.toy_scenario_dict``) has fixed step durations so
every expected value below is derived by hand in the comments.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import pandas as pd
import pytest

from model.scenario import (
    apply_overrides,
    load_scenario,
    mmc_scenario,
    months_to_days,
    scenario_from_dict,
    toy_scenario_dict,
)
from model.simulation import cost_summary, post_fractions, review_points, simulate
from model.simulation.engine import CASE_COLUMNS, STAFF_COLUMNS
from model.simulation.kpis import replication_kpis

ATTRIBUTES = ["member", "service", "origin", "arrival_day", "work_hours", "wait_days", "external_days"]


def one_case(**changes) -> pd.DataFrame:
    data = toy_scenario_dict(backlog=1)
    for key, value in changes.items():
        data[key] = value
    return simulate(scenario_from_dict(data)).cases


def test_single_case_completion_is_the_sum_of_its_steps():
    data = toy_scenario_dict(backlog=1)
    out = simulate(scenario_from_dict(data))
    case = out.cases.iloc[0]
    assert list(out.cases.columns) == CASE_COLUMNS
    assert list(out.staff.columns) == STAFF_COLUMNS
    # 11 h at 5.5 h/day = 2 days, wait 3 days, 5.5 h = 1 day
    assert case["completion_days"] == 6.0
    assert case["end_day"] == 6.0
    assert case["queue_wait_days"] == 0.0
    assert case["first_start_day"] == 0.0
    assert case["work_hours"] == 16.5 and case["wait_days"] == 3.0
    assert case["origin"] == "backlog" and bool(case["completed"]) and case["met_target"] == 1.0
    assert out.staff["busy_days"].tolist() == [3.0]
    assert out.staff["available_days"].tolist() == [months_to_days(12)]


def test_part_time_person_works_at_their_fraction():
    assert post_fractions(1.6) == [1.0, pytest.approx(0.6)]
    assert post_fractions(2.0) == [1.0, 1.0]
    assert post_fractions(0.5) == [0.5]
    data = toy_scenario_dict(backlog=1, fte=0.5)
    case = simulate(scenario_from_dict(data)).cases.iloc[0]
    # 11 h at 2.75 h/day = 4 days, wait 3, 5.5 h = 2 days
    assert case["completion_days"] == 9.0


def test_fixed_cases_queue_fcfs_and_priority_goes_first():
    data = toy_scenario_dict(steps=[{"name": "w", "kind": "work", "duration": {"distribution": "fixed", "mean": 5.5}}])
    routine = data["services"][0]
    routine["priority"] = 9
    urgent = {**routine, "name": "urgent", "priority": 0}
    data["services"] = [routine, urgent]
    data["simulation"]["initial_backlog"] = {"svc": 3, "urgent": 1}
    cases = simulate(scenario_from_dict(data)).cases
    # all arrive at day 0; the worker takes the first routine case at once (nothing else waiting), then the urgent
    # one at day 1 even though two routine cases arrived before it
    ends = cases.groupby("service")["end_day"].apply(sorted).to_dict()
    assert ends["svc"] == [1.0, 3.0, 4.0]
    assert ends["urgent"] == [2.0]
    assert sorted(cases["queue_wait_days"]) == [0.0, 1.0, 2.0, 3.0]


def test_cross_skilled_person_is_slower_and_prefers_own_work():
    data = toy_scenario_dict(steps=[{"name": "w", "kind": "work", "duration": {"distribution": "fixed", "mean": 5.5}}])
    own = data["services"][0]
    other = {**own, "name": "other", "skill": "other_skill", "priority": 0}
    data["services"] = [own, other]
    data["roles"][0]["cross_skills"] = {"other_skill": 0.5}
    data["simulation"]["initial_backlog"] = {"svc": 2, "other": 1}
    cases = simulate(scenario_from_dict(data)).cases
    ends = cases.groupby("service")["end_day"].apply(sorted).to_dict()
    # own work first (days 0-1, 1-2) although the cross-skill case is more urgent; then 5.5 h at half speed = 2 days
    assert ends["svc"] == [1.0, 2.0]
    assert ends["other"] == [4.0]


def test_absence_hands_the_remaining_work_back():
    data = toy_scenario_dict(
        steps=[{"name": "long", "kind": "work", "duration": {"distribution": "fixed", "mean": 110.0}}], backlog=1
    )
    data["absence"]["bank_holidays_days"] = 8.0
    data["simulation"]["start"] = "2014-12"
    out = simulate(scenario_from_dict(data))
    case = out.cases.iloc[0]
    # 20 days of work from day 0; Christmas and Boxing Day are days 17-18 (December = month 0), New Year's Day is
    # day 21 (January starts at day 21.75 floored): work 0-17, 19-21, 22-23
    assert case["end_day"] == 23.0
    assert case["handoffs"] == 2
    assert case["queue_wait_days"] == 3.0  # waited 17-19 and 21-22 for the (only) person to return
    staff = out.staff.iloc[0]
    assert staff["busy_days"] == 20.0
    assert staff["annual_leave"] == 8.0  # 8 bank holidays in the 12 months


@pytest.mark.parametrize(
    ("provision", "expected_end", "host_busy"),
    [
        ("external", 7.0, 0.0),  # lead time 4 + wait step 3, no staff
        ("in_house", 6.0, 0.0),  # the member's own worker does the 3 days of work
    ],
)
def test_external_and_in_house_cases(provision, expected_end, host_busy):
    data = toy_scenario_dict(backlog=1)
    data["members"][0]["provision"] = {"svc": provision}
    data["members"][0]["in_house_fte"] = {"worker": 1.0}
    out = simulate(scenario_from_dict(data))
    assert out.cases["end_day"].tolist() == [expected_end]
    assert out.cases["mode"].tolist() == [provision]
    staff = out.staff.set_index("team")
    assert staff.loc["host", "busy_days"] == host_busy
    if provision == "in_house":
        assert staff.loc["A", "busy_days"] == 3.0


def test_shared_service_buying_externally_adds_the_lead_time():
    data = toy_scenario_dict(backlog=1)
    data["services"][0]["delivery"]["shared"] = {"buys_externally": True}
    cases = simulate(scenario_from_dict(data)).cases
    assert cases["end_day"].tolist() == [10.0]  # 3 days of work, 3-day wait, then the provider's 4 days


@pytest.mark.parametrize("servers", [1, 3])
def test_waits_equal_the_fcfs_recursion_exactly(servers):
    # With identical servers and one FCFS class, the wait of customer i is max(0, earliest server free - arrival):
    # an exact oracle for the dispatch logic given the simulated arrival times and drawn service times.
    scenario = mmc_scenario(servers, arrival_rate=0.8 * servers * 10.0, service_rate=10.0, customers=3000)
    cases = simulate(scenario, 2).cases
    arrival = cases["arrival_day"].to_numpy()
    service = cases["work_hours"].to_numpy() / 5.5
    free = [0.0] * servers
    expected = np.empty(len(cases))
    for i, t in enumerate(arrival):
        start = max(heapq.heappop(free), t)
        expected[i] = start - t
        heapq.heappush(free, start + service[i])
    done = cases["completed"].to_numpy()
    assert len(cases) > 2500 and done.mean() > 0.99
    np.testing.assert_allclose(cases["queue_wait_days"].to_numpy()[done], expected[done], rtol=0, atol=1e-9)
    assert (cases["queue_wait_days"] > 0).mean() > 0.3  # a real queue, not a trivial check


@pytest.fixture(scope="module")
def default_run():
    scenario = load_scenario()
    return scenario, simulate(scenario, 0)


def test_default_scenario_gives_sensible_numbers(default_run):
    scenario, out = default_run
    kpis = replication_kpis(scenario, out)
    assert out.horizon_days == months_to_days(60)
    overall = kpis.set_index(["metric", "service", "member", "role", "period"])["value"]
    utilisation = overall[("utilisation", "all", "all", "all", "all")]
    assert 0.3 < utilisation < 0.95
    attainment = kpis[kpis["metric"] == "sla_attainment"]["value"].dropna()
    assert len(attainment) > 50 and attainment.between(0.0, 1.0).all()
    assert overall[("cases_arrived", "all", "all", "all", "all")] > 5000
    assert 0 < overall[("backfill_cost_gbp_per_year", "all", "all", "all", "all")] < 100_000
    # The total from its parts, each derived from the staff table's days and the scenario's prices rather than from
    # the simulator's pay and backfill columns: pay = FTE x loaded cost x the share of the window the post was
    # filled; backfill = agency days x day rate x FTE; overhead 9,500 + 18,000 + 4,000; non-pay at most the static
    # full-membership figure (members join during the window). A term dropped or subtracted moves it by >= GBP 13k.
    staff = out.staff[out.staff["team"] == "host"]
    roles = {role.name: role for role in scenario.roles}
    loaded = np.array([roles[r].salary_gbp_per_year * (1 + roles[r].on_cost_rate) for r in staff["role"]])
    day_rate = np.array([roles[r].agency_day_rate_gbp for r in staff["role"]])
    fte = staff["fte"].to_numpy()
    pay = float(np.sum(fte * loaded * (1 - staff["vacancy"].to_numpy() / staff["window_days"].to_numpy())))
    backfill = float(np.sum(staff["backfill_days"].to_numpy() * day_rate * fte)) * 261 / staff["window_days"].iloc[0]
    assert overall[("host_pay_gbp_per_year", "all", "all", "all", "all")] == pytest.approx(pay, rel=1e-9)
    assert overall[("backfill_cost_gbp_per_year", "all", "all", "all", "all")] == pytest.approx(backfill, rel=1e-9)
    non_pay = overall[("non_pay_gbp_per_year", "all", "all", "all", "all")]
    assert (
        0.5 * cost_summary(scenario)["non_pay_gbp_per_year"] < non_pay <= cost_summary(scenario)["non_pay_gbp_per_year"]
    )
    total = overall[("total_cost_gbp_per_year", "all", "all", "all", "all")]
    assert total == pytest.approx(pay + backfill + non_pay + 31_500.0, rel=1e-9)  # no in-house teams today
    # backlog at day 0 is the initial backlog
    start = out.backlog[out.backlog["day"] == 0.0].set_index("service")["open_cases"]
    for service, count in scenario.simulation.initial_backlog.items():
        assert start[service] == count
    assert sorted(set(out.backlog["month"])) == [m for _, m in review_points(scenario)]


def test_members_generate_cases_only_inside_their_windows(default_run):
    _, out = default_run
    cases = out.cases
    first = cases.groupby("member")["arrival_day"].min()
    assert first["East and North Hertfordshire CCG"] >= months_to_days(24)
    assert first["East and North Hertfordshire CCG"] < months_to_days(25)
    assert first["West Essex CCG"] >= months_to_days(48)
    od = cases[(cases["member"] == "East and North Hertfordshire CCG") & (cases["service"] == "od_learning")]
    assert len(od) > 0 and od["arrival_day"].min() >= months_to_days(48)


def test_same_seed_gives_identical_tables_and_replications_differ():
    scenario = apply_overrides(load_scenario(), ["simulation.horizon_months=12"])
    a, b = simulate(scenario, 3), simulate(scenario, 3)
    pd.testing.assert_frame_equal(a.cases, b.cases)
    pd.testing.assert_frame_equal(a.staff, b.staff)
    pd.testing.assert_frame_equal(a.backlog, b.backlog)
    c = simulate(scenario, 4)
    assert len(c.cases) != len(a.cases) or not np.array_equal(c.cases["arrival_day"], a.cases["arrival_day"])
    d = simulate(scenario, 3, seed=99)
    assert not a.cases["arrival_day"].equals(d.cases["arrival_day"])


def test_crn_changing_a_roles_fte_keeps_arrivals_and_attributes():
    base = apply_overrides(load_scenario(), ["simulation.horizon_months=24"])
    changed = apply_overrides(base, ["roles.hr_advisor.fte=0.8", "roles.hr_administrator.fte=1.5"])
    a, b = simulate(base, 1), simulate(changed, 1)
    pd.testing.assert_frame_equal(a.cases[ATTRIBUTES], b.cases[ATTRIBUTES])
    assert not np.allclose(a.cases["queue_wait_days"], b.cases["queue_wait_days"])  # the change did matter
    # other posts' absence is untouched (streams keyed by team, role and person index)
    causes = ["annual_leave", "sickness_short", "sickness_long", "vacancy"]
    others_a = a.staff[~a.staff["role"].isin(["hr_advisor", "hr_administrator"])][causes].reset_index(drop=True)
    others_b = b.staff[~b.staff["role"].isin(["hr_advisor", "hr_administrator"])][causes].reset_index(drop=True)
    pd.testing.assert_frame_equal(others_a, others_b)
    first_admin = (a.staff["role"] == "hr_administrator") & (a.staff["person"] == 0)
    pd.testing.assert_frame_equal(
        a.staff[first_admin][causes].reset_index(drop=True),
        b.staff[(b.staff["role"] == "hr_administrator") & (b.staff["person"] == 0)][causes].reset_index(drop=True),
    )


def test_crn_adding_a_member_keeps_the_other_members_arrivals():
    base = load_scenario()
    data = base.model_dump(mode="json")
    data["simulation"]["horizon_months"] = 24
    data["members"].insert(1, {"name": "Milton Keynes CCG", "headcount": 200, "fte": 180.0, "join_month": 6})
    bigger = scenario_from_dict(data)
    smaller = apply_overrides(base, ["simulation.horizon_months=24"])
    a, b = simulate(smaller, 2), simulate(bigger, 2)
    mk = b.cases["member"] == "Milton Keynes CCG"
    assert mk.sum() > 100 and b.cases.loc[mk, "arrival_day"].min() >= months_to_days(6)
    left = a.cases[ATTRIBUTES].reset_index(drop=True)
    right = b.cases.loc[~mk, ATTRIBUTES].reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)


def test_huge_staff_means_no_queue_at_all():
    data = load_scenario().model_dump(mode="json")
    data["simulation"]["horizon_months"] = 12
    data["absence"] = toy_scenario_dict()["absence"]
    for role in data["roles"]:
        role["fte"] = 25.0
    out = simulate(scenario_from_dict(data))
    cases = out.cases
    assert len(cases) > 1000  # three founding members, 505 staff, about 2.8 cases per head a year
    assert (cases["queue_wait_days"] == 0.0).all()
    assert cases["completed"].mean() > 0.98


def test_zero_demand_gives_no_cases():
    data = load_scenario().model_dump(mode="json")
    data["simulation"]["horizon_months"] = 12
    data["simulation"]["initial_backlog"] = {}
    for service in data["services"]:
        service["demand_per_1000_headcount_per_year"] = 0.0
    scenario = scenario_from_dict(data)
    out = simulate(scenario)
    assert out.cases.empty and list(out.cases.columns) == CASE_COLUMNS
    assert (out.backlog["open_cases"] == 0).all()
    assert (out.staff["busy_days"] == 0.0).all()
    kpis = replication_kpis(scenario, out)
    arrived = kpis[(kpis["metric"] == "cases_arrived") & (kpis["service"] == "all") & (kpis["member"] == "all")]
    assert arrived["value"].tolist() == [0.0]
    assert math.isnan(kpis[(kpis["metric"] == "sla_attainment")]["value"].iloc[0])
