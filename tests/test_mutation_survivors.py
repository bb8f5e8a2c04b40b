"""Hand-derived tests written for the mutants that survived the existing suite in ``make mutation``
(tools/mutation.py; scores and the remaining survivors in docs/testing.md).

Each mutant was a plausible slip the suite let through: a residual moved onto the wrong share, a boundary ``<``
written ``<=``, a default of 1 instead of 0, ``*`` for ``/`` where every test used a rate of 1. Each test checks the
behaviour the mutant broke against a value derived by hand in its docstring (or an independent computation), so it
guards the behaviour, not the mutant."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from test_money_terms import WINDOW_DAYS, money_output, money_scenario

from model.fairness import cost_lines, tariffs
from model.fairness import solutions as games
from model.optimisation import queueing
from model.optimisation.calibration import search_capacity
from model.optimisation.pooling import pool_capacity
from model.scenario import Absence, scenario_from_dict, toy_scenario_dict
from model.simulation import expected_annual_demand, member_active_months
from model.simulation.absence import merge, sickness_episode_rates, subtract
from model.simulation.demand import active_in_month, arrival_rate_per_day, expected_monthly_arrivals
from model.simulation.engine import STAFF_COLUMNS
from model.simulation.kpis import replication_kpis

# --------------------------------------------------------------------------------------------------------------------
# games._balance_exactly: the residual it moves must be tiny, and go where the docstring says


def test_balance_moves_only_a_rounding_residual_onto_the_largest_share() -> None:
    """Shares 1800.0000000002 and 200.0000000001 (target 2000.0000000003): snapped to 13 significant digits of the
    largest (9 decimals) they are 1800 and 200; the residual 3e-10 goes back onto the largest share only."""
    x = games._balance_exactly(np.array([200.0000000001, 1800.0000000002]), 2000.0000000003)
    assert x[0] == 200.0  # the small share is snapped and untouched by the residual
    assert x[1] == pytest.approx(1800.0000000003, abs=1e-12)
    assert math.fsum(x) == 2000.0000000003


def test_balance_snaps_small_values_and_uses_the_larger_of_shares_and_target() -> None:
    """0.1 + 0.2 (= 0.30000000000000004) and 0.7 to a target of 1: snapped to 13 significant digits of 0.7 they are
    0.3 and 0.7 exactly. Shares +-1800 against a target of 3e-10: the snap uses the shares' magnitude (9 decimals),
    not the target's, so they become exactly +-1800."""
    assert list(games._balance_exactly(np.array([0.1 + 0.2, 0.7]), 1.0)) == [0.3, 0.7]
    x = games._balance_exactly(np.array([1800.0000000002, -1799.9999999999]), 3e-10)
    # 3e-10 is not a sum of floats spaced 2.3e-13 apart near 1800 that any nudge reaches: the snapped shares stay
    assert x.tolist() == [1800.0, -1800.0]


def test_balance_of_zeros_and_of_already_exact_shares_changes_nothing() -> None:
    assert list(games._balance_exactly(np.zeros(3), 0.0)) == [0.0, 0.0, 0.0]
    assert list(games._balance_exactly(np.array([7.0, 17.0]), 24.0)) == [7.0, 17.0]


def test_balance_reaches_an_exact_sum_with_a_tiny_relative_change() -> None:
    """Random shares summing to their target only to float precision: the balanced shares sum EXACTLY to the target,
    and no share moves by more than n x 1e-12 of the largest: each snap to 13 significant digits moves a share by at
    most half a unit in the 13th digit and the residual collects at most n of those (a larger move would hide a wrong
    allocation behind an exact sum)."""
    rng = np.random.default_rng(12)
    for _ in range(200):
        values = rng.normal(0.0, 1.0, size=int(rng.integers(2, 9))) * 10.0 ** rng.integers(-3, 7)
        target = float(np.sum(values))
        x = games._balance_exactly(values, target)
        assert math.fsum(x) == target
        assert np.max(np.abs(x - values)) <= len(values) * 1e-12 * np.max(np.abs(values))


def test_shapley_before_balancing_already_sums_to_the_grand_cost() -> None:
    """The Shapley formula itself is budget-balanced: the residual left for ``_balance_exactly`` is float noise
    (c(A) = 10, c(B) = 20, c(AB) = 24: shares 7 and 17 by hand)."""
    costs = np.array([0.0, 10.0, 20.0, 24.0])
    phi = games._shapley_exact(costs, 2)
    assert phi == pytest.approx([7.0, 17.0], abs=1e-12)


# --------------------------------------------------------------------------------------------------------------------
# tariffs: the weights a cost line is split by, and the spread of a member's total over its services


def _line(driver: str = "work_hours", service: str = "svc", members: tuple[str, ...] = ("A", "B")) -> SimpleNamespace:
    return SimpleNamespace(members=members, driver=driver, service=service)


def test_weights_fall_back_to_headcount_then_to_equal_shares() -> None:
    """No activity for the line: by headcount (100 : 300); no headcount either: equal. Activity below 1 in total
    (0.25 : 0.5 work hours) is still activity and is used as it is."""
    heads = {"A": 100.0, "B": 300.0}
    no_activity = {("A", "svc", "work_hours"): 0.0, ("B", "svc", "work_hours"): 0.0}
    assert cost_lines._weights(_line(), "activity_based", heads, no_activity, {}) == {"A": 100.0, "B": 300.0}
    assert cost_lines._weights(_line(), "activity_based", {"A": 0.0, "B": 0.0}, no_activity, {}) == {"A": 1.0, "B": 1.0}
    small = {("A", "svc", "work_hours"): 0.25, ("B", "svc", "work_hours"): 0.5}
    assert cost_lines._weights(_line(), "activity_based", heads, small, {}) == {"A": 0.25, "B": 0.5}


def test_weights_give_nothing_to_a_member_without_recorded_usage() -> None:
    """A member missing from the usage table weighs 0 under every rule (it must not be charged a default share)."""
    heads = {"A": 100.0}
    quantity = {("A", "svc", "work_hours"): 4.0}
    assert cost_lines._weights(_line(), "per_capita", heads, quantity, {}) == {"A": 100.0, "B": 0.0}
    assert cost_lines._weights(_line(), "activity_based", heads, quantity, {}) == {"A": 4.0, "B": 0.0}
    overhead = _line(service=cost_lines.HOST_OVERHEAD)
    shared = {"A": {"svc", "other"}, "B": {"svc"}}
    assert cost_lines._weights(overhead, "activity_based", heads, quantity, shared) == {"A": 4.0, "B": 0.0}
    assert cost_lines._weights(_line(), "activity_based", heads, {}, {}) == {"A": 100.0, "B": 0.0}


def test_spread_over_services_without_weight_is_equal() -> None:
    """A member's GBP 90 over two services with zero activity each: GBP 45 each; over 1 : 2 activity: 30 and 60,
    whatever the scale of the activity (0.25 : 0.5 too)."""
    weights = pd.DataFrame(
        [["A", "x", 0.0], ["A", "y", 0.0], ["B", "x", 1.0], ["B", "y", 2.0], ["C", "x", 0.25], ["C", "y", 0.5]],
        columns=["member", "service", "gbp_per_year"],
    )
    spread = cost_lines._spread({"A": 90.0, "B": 90.0, "C": 90.0}, weights, "shapley").set_index(["member", "service"])
    assert spread.loc[("A", "x"), "gbp_per_year"] == pytest.approx(45.0, abs=1e-12)
    assert spread.loc[("A", "y"), "gbp_per_year"] == pytest.approx(45.0, abs=1e-12)
    assert spread.loc[("B", "y"), "gbp_per_year"] == pytest.approx(60.0, abs=1e-12)
    assert spread.loc[("C", "y"), "gbp_per_year"] == pytest.approx(60.0, abs=1e-12)


# --------------------------------------------------------------------------------------------------------------------
# queueing: the boundaries and a service rate other than 1 (where * and / differ)


def test_no_load_blocks_and_waits_never() -> None:
    """Erlang B and C of an idle system are 0 (a load of 0 is allowed, not an error)."""
    assert queueing.erlang_b(2, 0.0) == 0.0
    assert queueing.erlang_c(2, 0.0) == 0.0


def test_pooled_capacity_scales_with_the_service_rate() -> None:
    """Measuring time in units of 1/mu: staff twice as fast take twice the arrivals at half the target, for the
    wait and the sojourn alike, and need the same number of servers for twice the arrivals at half the target."""
    for n in (1, 2, 5):
        for measure in ("wait", "sojourn"):
            slow = queueing.max_arrival_rate(n, 1.0, 2.0, 0.9, measure=measure)
            fast = queueing.max_arrival_rate(n, 2.0, 1.0, 0.9, measure=measure)
            assert fast == pytest.approx(2 * slow, rel=1e-8)
    assert queueing.min_servers_for_wait(18.0, 2.0, 0.1, 0.9) == queueing.min_servers_for_wait(9.0, 1.0, 0.2, 0.9)


# --------------------------------------------------------------------------------------------------------------------
# kpis: staff metrics with every cause of lost time, backfill days and a nearly vacant post


def test_staff_metrics_of_every_cause_by_hand() -> None:
    """Window 65.25 days (x 4 a year). Host: a full-time post (60 days available, 30 busy, 5.25 leave, 2 short and
    3 long sickness, 5 agency days) and a half-time post (40, 20, 5.25, 0, 10, vacant 10, 10 agency days); team C:
    one post vacant for all but half a day (0.5 available, 0.25 busy, 0.25 sick). FTE-weighted by hand:

    * host utilisation 40 / 80 = 0.5; long sickness (3 + 5) x 4 = 32; vacancy 5 x 4 = 20; agency days 10 x 4 = 40;
    * host scheduled days 1.5 x 65.25 - 7.875 leave - 5 vacant = 85, sickness 2 + 8 = 10: rate 10/85;
    * C: utilisation 0.25 / 0.5 and sickness rate 0.25 / 0.5 (a post at work under a day still has a rate).
    """
    output = money_output()
    output.staff = pd.DataFrame(
        [
            ["host", "worker", 0, 1.0, WINDOW_DAYS, 60.0, 30.0, 5.25, 2.0, 3.0, 0.0, 5.0, 1000.0, 1000.0],
            ["host", "worker", 1, 0.5, WINDOW_DAYS, 40.0, 20.0, 5.25, 0.0, 10.0, 10.0, 10.0, 1000.0, 500.0],
            ["C", "worker", 0, 1.0, WINDOW_DAYS, 0.5, 0.25, 0.0, 0.25, 0.0, 64.75, 0.0, 0.0, 0.0],
        ],
        columns=STAFF_COLUMNS,
    )
    k = replication_kpis(money_scenario(), output).set_index(["metric", "service", "member", "role", "period"])
    k = k["value"]
    assert k[("utilisation", "all", "host", "all", "all")] == pytest.approx(0.5, rel=1e-12)
    assert k[("days_lost_sickness_long", "all", "host", "worker", "all")] == pytest.approx(32.0, rel=1e-12)
    assert k[("days_lost_vacancy", "all", "host", "all", "all")] == pytest.approx(20.0, rel=1e-12)
    assert k[("backfill_days", "all", "host", "all", "all")] == pytest.approx(40.0, rel=1e-12)
    assert k[("backfill_cost_gbp_per_year", "all", "host", "all", "all")] == pytest.approx(8000.0, rel=1e-12)
    assert k[("sickness_absence_rate", "all", "host", "all", "all")] == pytest.approx(10 / 85, rel=1e-12)
    assert k[("utilisation", "all", "C", "worker", "all")] == pytest.approx(0.5, rel=1e-12)
    assert k[("sickness_absence_rate", "all", "C", "all", "all")] == pytest.approx(0.5, rel=1e-12)


def test_a_member_is_active_up_to_but_not_in_its_leaving_month() -> None:
    data = money_scenario().model_dump(mode="json")
    data["members"][2]["leave_month"] = 3
    leaving = scenario_from_dict(data)
    assert member_active_months(leaving, "C", range(1, 4)) == 2  # months 1 and 2
    assert member_active_months(leaving, "B", range(1, 4)) == 2  # joins at month 2: months 2 and 3


# --------------------------------------------------------------------------------------------------------------------
# demand: membership windows month by month, work hours of the expected demand


def test_demand_is_active_from_the_service_start_up_to_the_leaving_month() -> None:
    """Joins at 5, takes the service from 8, leaves at 20: active in months 8..19 only; expected demand at 12 cases
    per 1000 heads x 1000 heads = 12 cases a year of 11 + 5.5 = 16.5 work hours each, 198 hours."""
    data = toy_scenario_dict(demand_per_1000=12.0, horizon_months=36)
    data["members"][0].update({"join_month": 5, "leave_month": 20, "service_start_month": {"svc": 8}})
    scenario = scenario_from_dict(data)
    assert [m for m in range(36) if active_in_month(scenario, "A", "svc", m)] == list(range(8, 20))
    # the rate switches on at the first day of month 8 and off at the first day of month 20 (21.75 days a month)
    rates = arrival_rate_per_day(
        scenario, "A", "svc", np.array([8 * 21.75 - 1e-9, 8 * 21.75, 20 * 21.75 - 1e-9, 20 * 21.75])
    )
    assert rates.tolist() == [0.0, 12.0 / 261, 12.0 / 261, 0.0]
    row = expected_annual_demand(scenario, month=10).iloc[0]
    assert row["cases_per_year"] == pytest.approx(12.0, rel=1e-12)
    assert row["work_hours_per_year"] == pytest.approx(198.0, rel=1e-12)
    assert expected_annual_demand(scenario, month=20).empty
    data["members"].append({"name": "B", "headcount": 500, "fte": 450.0, "services": []})
    never = scenario_from_dict(data)
    assert arrival_rate_per_day(never, "B", "svc", np.array([1.0, 200.0])).tolist() == [0.0, 0.0]
    assert expected_monthly_arrivals(never, "B", "svc").tolist() == [0.0] * 36


# --------------------------------------------------------------------------------------------------------------------
# absence: interval arithmetic at touching ends, and the episode rates from the occupancy of overlapping episodes


def test_interval_union_and_difference_at_touching_ends() -> None:
    assert merge([(1.0, 2.0), (0.0, 1.0)]) == [(0.0, 2.0)]  # touching: joined
    assert merge([(1.0, 1.0), (0.0, 0.5)]) == [(0.0, 0.5)]  # empty: dropped
    assert merge([(0.0, 3.0), (1.0, 2.0)]) == [(0.0, 3.0)]  # contained
    assert subtract([(0.0, 4.0)], [(0.0, 1.0)]) == [(1.0, 4.0)]  # removed from the start: no empty piece left
    assert subtract([(0.0, 4.0)], [(1.0, 2.0), (3.0, 5.0)]) == [(0.0, 1.0), (2.0, 3.0)]


def test_episode_rates_give_the_sickness_rate_and_long_share_as_occupancies() -> None:
    """Episodes starting as a Poisson process with rate r and mean length m overlap like an M/G/infinity queue: the
    chance of no episode running is exp(-r m). So exp(-r_long m_long) = 1 - q s (not off long-term sick) and
    exp(-(r_long m_long + r_short m_short)) = 1 - s (not off sick at all); s = 0 gives no episodes."""
    absence = Absence(sickness_rate=0.05, long_term_share=0.55)
    short, long = sickness_episode_rates(absence)
    m_short, m_long = absence.short_episode_mean_days, absence.long_episode_mean_days
    assert math.exp(-long * m_long) == pytest.approx(1 - 0.55 * 0.05, rel=1e-12)
    assert math.exp(-(long * m_long + short * m_short)) == pytest.approx(1 - 0.05, rel=1e-12)
    assert sickness_episode_rates(Absence(sickness_rate=0.0)) == (0.0, 0.0)


# --------------------------------------------------------------------------------------------------------------------
# pooling: the pool's capacity by an independent root search on the textbook M/M/c wait tail


def _wait_tail_by_sum(servers: int, arrival: float, rate: float, t: float) -> float:
    """P(Wq > t) = C e^{-(c mu - lambda) t}, C from the explicit sum (not model.queueing)."""
    a = arrival / rate
    top = a**servers / math.factorial(servers) * servers / (servers - a)
    c = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    return c * math.exp(-(servers * rate - arrival) * t)


@pytest.mark.parametrize(
    ("fte", "rate_per_fte", "budget", "fraction"), [(1.0, 0.5, 0.5, 0.9), (1.5, 2.0, 1.0, 0.8), (0.5, 4.0, 0.25, 0.9)]
)
def test_pool_capacity_is_the_largest_rate_meeting_the_wait_target(
    fte: float, rate_per_fte: float, budget: float, fraction: float
) -> None:
    """ceil(fte) servers, each at rate_per_fte x fte / ceil(fte): the capacity solves P(Wq > budget) = 1 - fraction
    (brentq on the explicit Erlang C sum). Empty pools, idle staff and no time budget have no capacity."""
    servers = math.ceil(fte)
    rate = rate_per_fte * fte / servers
    expected = optimize.brentq(
        lambda lam: _wait_tail_by_sum(servers, lam, rate, budget) - (1 - fraction), 1e-9, servers * rate * (1 - 1e-12)
    )
    pool_capacity.cache_clear()
    assert pool_capacity(fte, rate_per_fte, budget, fraction, "wait") == pytest.approx(expected, rel=1e-8)
    assert pool_capacity(0.0, rate_per_fte, budget, fraction, "wait") == 0.0
    assert pool_capacity(fte, 0.0, budget, fraction, "wait") == 0.0
    assert pool_capacity(fte, rate_per_fte, 0.0, fraction, "wait") == 0.0


def test_today_contributions_per_head_break_even_and_assessed_shares() -> None:
    """A 1000, B 500, C 200 heads. A rate of GBP 10: 10,000 / 5,000 / 2,000. No rate: break-even, today's cost
    GBP 3,400 / 1,700 heads = 2 a head. Assessed shares 0.5 / 0.3 / 0.2 of the 17,000: 8,500 / 5,100 / 3,400; over
    the players A and C only, renormalised: 12,000 x 0.5/0.7 and 12,000 x 0.2/0.7. Shares all zero: per head."""
    data = money_scenario().model_dump(mode="json")
    players = ["A", "B", "C"]
    data["tariff"] = {"per_capita_rate_gbp_per_head": 10.0}
    per_head = {"A": 10000.0, "B": 5000.0, "C": 2000.0}
    assert tariffs.today_contributions(scenario_from_dict(data), players, 99.0) == pytest.approx(per_head)
    data["tariff"] = {}
    break_even = {"A": 2000.0, "B": 1000.0, "C": 400.0}
    assert tariffs.today_contributions(scenario_from_dict(data), players, 3400.0) == pytest.approx(break_even)
    data["tariff"] = {"method": "assessed_share", "per_capita_rate_gbp_per_head": 10.0}
    data["tariff"]["shares"] = {"A": 0.5, "B": 0.3, "C": 0.2}
    assessed = scenario_from_dict(data)
    expected = {"A": 8500.0, "B": 5100.0, "C": 3400.0}
    assert tariffs.today_contributions(assessed, players, 0.0) == pytest.approx(expected, rel=1e-12)
    two = tariffs.today_contributions(assessed, ["A", "C"], 0.0)
    assert two == pytest.approx({"A": 12000 * 0.5 / 0.7, "C": 12000 * 0.2 / 0.7}, rel=1e-12)
    assert tariffs.today_contributions(assessed, ["B"], 0.0) == pytest.approx({"B": 5000.0}, rel=1e-12)
    data["tariff"]["shares"] = {"A": 0.5, "B": 0.5}  # C has no assessed share
    unassessed = scenario_from_dict(data)
    assert tariffs.today_contributions(unassessed, ["A", "C"], 0.0) == pytest.approx({"A": 12000.0, "C": 0.0})
    assert tariffs.today_contributions(unassessed, ["C"], 0.0) == pytest.approx({"C": 2000.0})  # no weight: per head
    data["tariff"]["method"] = "per_capita"
    assert tariffs.today_contributions(scenario_from_dict(data), players, 0.0) == pytest.approx(per_head)


def test_risk_premium_shares_by_head_among_non_hosts() -> None:
    """GBP 700 over B (500) and C (200): 500 and 200; the host A pays none; no premium, nobody pays."""
    scenario = money_scenario()
    assert tariffs.risk_premium_shares(scenario, ["A", "B", "C"], 700.0) == {"A": 0.0, "B": 500.0, "C": 200.0}
    assert tariffs.risk_premium_shares(scenario, ["A", "B", "C"], 0.0) == {"A": 0.0, "B": 0.0, "C": 0.0}
    assert tariffs.risk_premium_shares(scenario, ["A", "B"], 1.0) == {"A": 0.0, "B": 1.0}


def test_member_totals_of_a_player_without_rows_are_zero() -> None:
    per_service = pd.DataFrame(
        [["A", "x", 1.5], ["A", "y", 2.5], ["B", "x", 4.0]], columns=["member", "service", "gbp_per_year"]
    )
    assert cost_lines._member_totals(per_service, ["A", "B", "C"]) == {"A": 4.0, "B": 4.0, "C": 0.0}


def test_min_servers_at_the_edges() -> None:
    """No arrivals: one server. 0.5 a day at 1 a day with 2 days' grace for half the cases: one server meets it
    (1 - 0.5 e^{-0.5 x 2} = 0.82). The bound max_servers is inclusive. Fractions outside [0, 1) are refused."""
    assert queueing.min_servers_for_wait(0.0, 1.0, 1.0, 0.9) == 1
    assert queueing.min_servers_for_wait(0.5, 1.0, 2.0, 0.5) == 1
    needed = queueing.min_servers_for_wait(9.0, 1.0, 0.2, 0.9)
    assert queueing.min_servers_for_wait(9.0, 1.0, 0.2, 0.9, max_servers=needed) == needed
    assert queueing.min_servers_for_wait(1.0, 0.1, 0.1, 0.0) == 11  # the smallest stable team
    for bad in (1.0, -0.1):
        with pytest.raises(ValueError):
            queueing.min_servers_for_wait(1.0, 1.0, 1.0, bad)
    assert queueing.mmc_sojourn_tail(2, 5.0, 1.0, 1.0) == 1.0  # unstable: everyone waits beyond any t


# --------------------------------------------------------------------------------------------------------------------
# calibration: every probe is a simulation run, so where the search probes is part of its contract


def test_search_probes_the_guess_then_steps_of_25_percent_growing() -> None:
    """Threshold 3.7, guess 1 in (0, 10): probes 1 (passes), 1 x 1.25 = 1.25 (passes), 1.25 x 1.875 = 2.34375
    (passes), 2.34375 x 2.8125 = 6.5918 (fails), then geometric bisection between 2.34375 and 6.5918."""
    calls: list[float] = []

    def passes(rate: float) -> bool:
        calls.append(rate)
        return rate <= 3.7

    search_capacity(passes, 1.0, 0.0, ceiling=10.0, precision=0.03)
    assert calls[:4] == pytest.approx([1.0, 1.25, 2.34375, 2.34375 * 2.8125], rel=1e-12)
    assert calls[4] == pytest.approx(math.sqrt(2.34375 * 2.34375 * 2.8125), rel=1e-12)


def _probes(threshold: float, guess: float, floor: float = 0.0, strict: bool = False) -> tuple[list[float], tuple]:
    calls: list[float] = []

    def passes(rate: float) -> bool:
        calls.append(rate)
        return rate < threshold if strict else rate <= threshold

    return calls, search_capacity(passes, guess, floor, ceiling=10.0, precision=0.03)


def test_search_from_above_steps_down_by_growing_factors() -> None:
    """Threshold 3.7, guess 9: 9 fails, 9 / 1.25 = 7.2 fails, 7.2 / 1.875 = 3.84 fails, 3.84 / 2.8125 = 1.3653
    passes; then bisection."""
    calls, _ = _probes(3.7, 9.0)
    assert calls[:4] == pytest.approx([9.0, 7.2, 3.84, 3.84 / 2.8125], rel=1e-12)


def test_search_first_probe_is_the_guess_kept_inside_the_bracket() -> None:
    """The first probe is the guess, raised to 5% above a floor known to pass (4 -> 4.2) and to a ten-thousandth of
    the ceiling (0.001), lowered to 95% of the ceiling (9.5)."""
    assert _probes(3.7, 1.0, floor=4.0)[0][0] == pytest.approx(4.2, rel=1e-12)
    assert _probes(3.7, 1e-5)[0][0] == pytest.approx(1e-3, rel=1e-12)
    assert _probes(3.7, 20.0)[0][0] == pytest.approx(9.5, rel=1e-12)


def test_search_never_probes_the_ceiling() -> None:
    """Everything below the ceiling passes: the steps up stop before the ceiling (it cannot pass by definition)."""
    calls, (low, high, _) = _probes(10.0, 8.0, strict=True)
    assert max(calls) < 10.0 and high == 10.0 and high / low - 1 <= 0.03


def test_search_gives_up_below_a_ten_thousandth_of_the_ceiling() -> None:
    """Nothing passes, guess 1: probes 1, 1/1.25, then / 1.875, / 2.8125, / 4.21875, / 6.328125 (0.00568, six
    probes); the next step, / 9.4921875, would be below 0.001 = 1e-4 x the ceiling: (0, 0.00568, 6)."""
    calls, result = _probes(-1.0, 1.0)
    last = 1 / (1.25 * 1.875 * 2.8125 * 4.21875 * 6.328125)
    assert result == pytest.approx((0.0, last, 6), rel=1e-12)
    assert len(calls) == 6


def test_search_never_probes_below_a_floor_known_to_pass() -> None:
    """Floor 4 passes, threshold 4.01, guess 9.5: 9.5, 7.6 and 7.6 / 1.875 = 4.0533 fail; the next step down would be
    below the floor, so the search bisects [4, 4.0533] (already within 3%) instead of probing there."""
    calls, (low, high, probes) = _probes(4.01, 9.5, floor=4.0)
    assert calls == pytest.approx([9.5, 7.6, 7.6 / 1.875], rel=1e-12)
    assert (low, high, probes) == pytest.approx((4.0, 7.6 / 1.875, 3), rel=1e-12)
