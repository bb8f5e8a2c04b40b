"""Tests added when ``make mutation`` was widened from the listed money functions to whole modules (issue 12, second
pass): each asserts values derived by hand for the paths the first pass did not mutate (today's cost lines of the
tariff game, bank holidays of the absence timeline, ...). Every number is derived in the docstring."""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from test_money_terms import money_scenario
from test_tariffs_hand import COSTS, LINES
from test_tariffs_hand import toy_scenario as hand_toy_scenario

from model.fairness import cost_lines, games, solutions, tariffs
from model.optimisation import CatalogueOptions
from model.scenario import Absence, Distribution, UserError, scenario_from_dict, toy_scenario_dict
from model.simulation import expected_annual_demand
from model.simulation.absence import bank_holiday_days, leave_blocks, post_timeline, tenure_sickness, vacancies
from model.simulation.demand import (
    arrival_rate_per_day,
    backlog_allocation,
    base_rate_per_day,
    calendar_month_index,
    draw_attributes,
    expected_monthly_arrivals,
    quantile,
    steady_state_month,
    thinned_arrivals,
    window_days,
)
from model.simulation.engine import BACKLOG_COLUMNS, CASE_COLUMNS, STAFF_COLUMNS, SimulationOutput
from model.simulation.kpis import _backlog_metrics, _Rows, _wait_stats, month_label, replication_kpis


def _two_service_money_scenario():
    """The money scenario (A hosts and shares; B in house; C external) with 12 cases per 1000 heads of "svc" and a
    second service "svc2" (same steps and prices) at 6 per 1000; B keeps both in house with one worker FTE of its
    own, C buys both externally."""
    data = money_scenario().model_dump(mode="json")
    data["services"][0]["demand_per_1000_headcount_per_year"] = 12.0
    second = copy.deepcopy(data["services"][0])
    second.update({"name": "svc2", "demand_per_1000_headcount_per_year": 6.0})
    data["services"].append(second)
    data["members"][1]["provision"] = {"svc": "in_house", "svc2": "in_house"}
    data["members"][2]["provision"] = {"svc": "external", "svc2": "external"}
    data["members"][0]["provision"] = {"svc": "shared", "svc2": "shared"}
    return scenario_from_dict(data)


def test_today_cost_lines_of_every_mode_by_hand() -> None:
    """Every line of today's provision (pounds a year; 16.5 hours of work a case):

    * cases: A 12 (svc) and 6 (svc2); B 6 and 3; C 2.4 and 1.2. Shared work hours: A 198 and 99 (297 in all).
    * host pay, one worker at 30,000 x 1.27 = 38,100, split by shared hours: svc 38,100 x 198 / 297 = 25,400,
      svc2 12,700; shared fixed 1,200 and licences 2 x 1000 = 2,000 per service; joint purchase at the pooled tier
      (1000 heads: 2.5 a head, 80 a case): 2,500 a head-line per service, 80 x 12 = 960 and 80 x 6 = 480 per case.
    * C external at the base tier (200 heads): 3 x 200 + 100 x 2.4 = 840 and 600 + 100 x 1.2 = 720.
    * B in house: systems 600 + 1 x 500 = 1,100 per service; its own worker (38,100) spread by its hours 99 : 49.5:
      25,400 and 12,700.
    * host overhead 2,000 + 1,000 = 3,000 over the members that share (A).
    """
    lines = cost_lines.today_cost_lines(_two_service_money_scenario())
    got = {(r.service, r.item, r.mode, r.members, r.driver): r.gbp_per_year for r in lines.itertuples()}
    a, b, c = ("A",), ("B",), ("C",)
    expected = {
        ("svc", "host staff", "shared", a, "work_hours"): 25400.0,
        ("svc2", "host staff", "shared", a, "work_hours"): 12700.0,
        ("svc", "shared systems (fixed)", "shared", a, "work_hours"): 1200.0,
        ("svc2", "shared systems (fixed)", "shared", a, "work_hours"): 1200.0,
        ("svc", "shared licences (per head)", "shared", a, "headcount"): 2000.0,
        ("svc2", "shared licences (per head)", "shared", a, "headcount"): 2000.0,
        ("svc", "joint purchase (per head)", "shared", a, "headcount"): 2500.0,
        ("svc2", "joint purchase (per head)", "shared", a, "headcount"): 2500.0,
        ("svc", "joint purchase (per case)", "shared", a, "cases"): 960.0,
        ("svc2", "joint purchase (per case)", "shared", a, "cases"): 480.0,
        ("svc", "external purchase", "external", c, "cases"): 840.0,
        ("svc2", "external purchase", "external", c, "cases"): 720.0,
        ("svc", "in-house systems and licences", "in_house", b, "headcount"): 1100.0,
        ("svc2", "in-house systems and licences", "in_house", b, "headcount"): 1100.0,
        ("svc", "in-house staff", "in_house", b, "work_hours"): 25400.0,
        ("svc2", "in-house staff", "in_house", b, "work_hours"): 12700.0,
        (cost_lines.HOST_OVERHEAD, "host overhead", "host", a, "work_hours"): 3000.0,
    }
    assert got == pytest.approx(expected, rel=1e-12)
    assert len(lines) == len(expected)


def test_today_cost_lines_without_joint_purchasing_or_sharers() -> None:
    """No joint purchase when the host does not buy for the pool (only fixed 1,200 and licences 2,000 per shared
    service); when nobody shares, no shared line, no host pay line and no overhead line: A buys both services at the
    1000 tier (2.5 x 1000 + 80 x 12 = 3,460 and 2,500 + 80 x 6 = 2,980)."""
    data = _two_service_money_scenario().model_dump(mode="json")
    for service in data["services"]:
        service["delivery"]["shared"]["buys_externally"] = False
    lines = cost_lines.today_cost_lines(scenario_from_dict(data))
    shared = lines[lines["mode"] == "shared"].groupby("item")["gbp_per_year"].sum()
    assert shared.to_dict() == pytest.approx(
        {"host staff": 38100.0, "shared systems (fixed)": 2400.0, "shared licences (per head)": 4000.0}, rel=1e-12
    )
    data["members"][0]["provision"] = {"svc": "external", "svc2": "external"}
    lines = cost_lines.today_cost_lines(scenario_from_dict(data))
    assert set(lines["mode"]) == {"external", "in_house"}
    external = lines[lines["members"] == ("A",)].set_index("service")["gbp_per_year"]
    assert external.to_dict() == pytest.approx({"svc": 3460.0, "svc2": 2980.0}, rel=1e-12)


def test_bank_holidays_by_hand() -> None:
    """Month m of the run starts on working day floor(21.75 m); the holidays are (calendar month, offset) pairs.
    From April over a year (261 days): Good Friday and Easter Monday 2, 3; May (m = 1, day 21) 21 and 41; August
    (m = 4, day 87) 107; December (m = 8, day 174) 191 and 192; January (m = 9, day 195) 195. Only days before the
    horizon count (a horizon of exactly 192 drops Boxing Day). From December over 30 days: 17, 18 and New Year's Day
    on day 21 (the run's second month). Leftover days beyond the eight listed join the leave pool: 8.5 -> 0.5,
    10 -> 2, and 3 days use only the three most important (Christmas, Boxing Day, New Year)."""
    year = bank_holiday_days(Absence(bank_holidays_days=8.0), 261.0, 4)
    assert year == ([2.0, 3.0, 21.0, 41.0, 107.0, 191.0, 192.0, 195.0], 0.0)
    assert bank_holiday_days(Absence(bank_holidays_days=8.0), 192.0, 4)[0] == [2.0, 3.0, 21.0, 41.0, 107.0, 191.0]
    assert bank_holiday_days(Absence(bank_holidays_days=8.5), 30.0, 12) == ([17.0, 18.0, 21.0], 0.5)
    assert bank_holiday_days(Absence(bank_holidays_days=10.0), 30.0, 12) == ([17.0, 18.0, 21.0], 2.0)
    assert bank_holiday_days(Absence(bank_holidays_days=3.0), 261.0, 4) == ([191.0, 192.0, 195.0], 0.0)


def test_active_members_are_those_with_demand_in_scenario_order() -> None:
    """All three members of the money scenario have demand at the steady-state month; given a usage table with only
    C and A, the players are C and A in the scenario's order (A first), not recomputed from the scenario."""
    scenario = _two_service_money_scenario()
    assert cost_lines.active_members(scenario) == ["A", "B", "C"]
    usage = cost_lines.member_usage(scenario)
    assert cost_lines.active_members(scenario, usage[usage["member"].isin(["C", "A"])]) == ["A", "C"]


def test_catalogue_cost_lines_follow_the_options_they_are_given(default_scenario) -> None:
    """The catalogue's lines sum to the optimum of the options passed: GBP 419,685 with the seasonal peak (pinned in
    test_catalogue::test_seasonal_peak_never_costs_less), 399,852 without."""
    peak = cost_lines.catalogue_cost_lines(default_scenario, CatalogueOptions(seasonal_peak=True))
    assert peak["gbp_per_year"].sum() == pytest.approx(419685.0, rel=1e-6)
    assert cost_lines.catalogue_cost_lines(default_scenario)["gbp_per_year"].sum() == pytest.approx(399852.0, rel=1e-6)


def test_leave_blocks_of_a_small_and_a_split_pool() -> None:
    """12 days a year come as blocks of 5, 5 and 2 at whole-day starts inside each 261-day leave year (24 days over
    two years, none across a year boundary); half a day a year is half a day, not nothing; a pool of 0 is none."""
    rng = np.random.default_rng(1)
    blocks = leave_blocks(12.0, [], 2 * 261.0, rng)
    assert sum(b - a for a, b in blocks) == pytest.approx(24.0, abs=1e-12)
    assert all(a == int(a) and (a < 261.0) == (b <= 261.0) for a, b in blocks)
    small = leave_blocks(0.5, [], 261.0, rng)
    assert len(small) == 1 and small[0][1] - small[0][0] == pytest.approx(0.5, abs=1e-12)
    assert leave_blocks(0.0, [], 261.0, rng) == []


def test_today_cost_lines_split_pay_by_hours_even_under_an_hour_of_work() -> None:
    """At 0.02 and 0.01 cases per 1000 heads, A's shared work is 0.33 and 0.165 hours (under an hour in all), B's
    in-house work 0.165 and 0.0825 hours: still all of host pay (38,100) and all of B's own worker (38,100) are
    charged, each split 2 : 1 by hours, 25,400 and 12,700."""
    data = _two_service_money_scenario().model_dump(mode="json")
    data["services"][0]["demand_per_1000_headcount_per_year"] = 0.02
    data["services"][1]["demand_per_1000_headcount_per_year"] = 0.01
    lines = cost_lines.today_cost_lines(scenario_from_dict(data))
    for item in ("host staff", "in-house staff"):
        pay = lines[lines["item"] == item].set_index("service")["gbp_per_year"]
        assert pay.to_dict() == pytest.approx({"svc": 25400.0, "svc2": 12700.0}, rel=1e-12), item


def test_core_check_of_a_one_player_game() -> None:
    """One player paying its own cost is in the core; nothing can block it (no proper coalition)."""
    game = games.CostGame.from_table({frozenset(["A"]): 10.0}, ["A"])
    check = tariffs.core_check(game, {"A": 10.0})
    assert check.in_core and check.worst_coalition == frozenset() and check.n_blocking == 0
    assert check.max_excess == -math.inf and solutions.core_check(game, {"A": 10.5}).budget_gap == pytest.approx(0.5)


def test_today_cost_lines_without_demand() -> None:
    """No demand at all: B's own worker (38,100) is spread equally over its two in-house services (19,050 each, no
    hours to weight by); C pays the base tier's per-head price only, 3 x 200 = 600 a service; B's systems
    600 + 500 = 1,100 a service."""
    data = _two_service_money_scenario().model_dump(mode="json")
    for service in data["services"]:
        service["demand_per_1000_headcount_per_year"] = 0.0
    lines = cost_lines.today_cost_lines(scenario_from_dict(data))
    own = lines[lines["mode"].isin(["in_house", "external"])].groupby(["item", "service"])["gbp_per_year"].sum()
    assert own.to_dict() == pytest.approx(
        {
            ("in-house staff", "svc"): 19050.0,
            ("in-house staff", "svc2"): 19050.0,
            ("external purchase", "svc"): 600.0,
            ("external purchase", "svc2"): 600.0,
            ("in-house systems and licences", "svc"): 1100.0,
            ("in-house systems and licences", "svc2"): 1100.0,
        },
        rel=1e-12,
    )


def test_cost_lines_naming_a_non_player_or_nobody_are_rejected() -> None:
    """A cost line must name at least one member, and only players: "A+Z" (Z is not a player) and an empty member
    list are both user errors that name the line."""
    usage = cost_lines.member_usage(_two_service_money_scenario())

    def line(members):
        return pd.DataFrame(
            [
                {
                    "service": "svc",
                    "item": "x",
                    "mode": "shared",
                    "members": members,
                    "driver": "cases",
                    "gbp_per_year": 1,
                }
            ]
        )

    assert tariffs._check_lines(line("A+B"), ["A", "B"], usage)["members"].tolist() == [("A", "B")]
    for members in ("A+Z", ()):
        with pytest.raises(UserError, match="cost line svc/x: members .* must be players"):
            tariffs._check_lines(line(members), ["A", "B"], usage)


def test_tariff_table_without_a_premium_has_no_premium_rows() -> None:
    """No premium by default: no HOST_RISK_PREMIUM rows, every member's premium 0, and the hand toy's game (of
    ``test_tariffs_hand``) is subadditive, so no note says otherwise. Cost lines that sum to zero leave nothing to
    split: a user error."""
    result = tariffs.tariff_table(hand_toy_scenario(), COSTS, cost_lines=LINES)
    assert cost_lines.HOST_RISK_PREMIUM not in set(result.by_member_service["service"])
    assert (result.by_member["risk_premium"] == 0.0).all()
    assert (result.by_member["own_delivery"] == 0.0).all()  # the hand toy's lines are all shared or the host's
    assert not any("subadditive" in note for note in result.notes)
    with pytest.raises(UserError, match="cost lines sum to zero"):
        tariffs.tariff_table(hand_toy_scenario(), COSTS, cost_lines=LINES.assign(gbp_per_year=[1.0, -2.0, 1.0]))


def test_a_leave_block_can_start_on_any_whole_day_of_its_year() -> None:
    """One 5-day block a year has 261 - 5 + 1 = 257 possible whole-day starts, 0 to 256. Over 3,000 draws both ends
    are seen (each missed with probability (256/257)^3000 = 1e-5) and nothing outside; a block at day 0 keeps all 5
    days."""
    rng = np.random.default_rng(2)
    starts = [leave_blocks(5.0, [], 261.0, rng)[0] for _ in range(3000)]
    assert min(a for a, _ in starts) == 0.0 and max(a for a, _ in starts) == 256.0
    assert all(b - a == 5.0 for a, b in starts)


# --------------------------------------------------------------------------------------------------------------------
# games: subadditivity, completion by cheapest partition and SCRB against brute force and hand values


def _partitions(items: list[int]):
    """Every partition of ``items`` into non-empty blocks (brute force, independent of the code's DP)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in _partitions(rest):
        yield [[first], *partition]
        for k in range(len(partition)):
            yield [*partition[:k], [first, *partition[k]], *partition[k + 1 :]]


def _random_table(n: int, rng: np.random.Generator) -> dict[frozenset[str], float]:
    names = [f"p{i}" for i in range(n)]
    return {
        frozenset(c): float(rng.integers(1, 30))
        for size in range(1, n + 1)
        for c in itertools.combinations(names, size)
    }


def test_subadditivity_against_every_pair_of_disjoint_coalitions() -> None:
    """c(S | T) <= c(S) + c(T) for all disjoint non-empty S, T, checked by enumerating the pairs, on 40 random
    4-player tables (about half of them subadditive) and two hand games: {A 1, B 1, AB 2} is (equality), with AB 3
    it is not; for a profit game the check is superadditivity: v(AB) = 3 >= 1 + 1 holds, 1.5 does not."""
    rng = np.random.default_rng(12)
    verdicts = []
    for _ in range(40):
        table = _random_table(4, rng)
        expected = all(table[s | t] <= table[s] + table[t] for s in table for t in table if not s & t)
        verdicts.append(expected)
        assert games.CostGame.from_table(table).is_subadditive() == expected
    assert 0 < sum(verdicts) < 40
    assert games.CostGame.from_table({"A": 1.0, "B": 1.0, "A+B": 2.0}).is_subadditive()
    assert not games.CostGame.from_table({"A": 1.0, "B": 1.0, "A+B": 3.0}).is_subadditive()
    assert games.CostGame.from_table({"A": 1.0, "B": 1.0, "A+B": 3.0}, kind="profit").is_subadditive()
    assert not games.CostGame.from_table({"A": 1.0, "B": 1.0, "A+B": 1.5}, kind="profit").is_subadditive()
    # the tolerance is relative to the largest cost: GBP 0.0001 over at a million is subadditive, GBP 0.01 is not
    assert games.CostGame.from_table({"A": 1e6, "B": 1e6, "A+B": 2e6 + 1e-4}).is_subadditive()
    assert not games.CostGame.from_table({"A": 1e6, "B": 1e6, "A+B": 2e6 + 1e-2}).is_subadditive()


def test_completion_by_cheapest_partition_against_brute_force() -> None:
    """Missing coalitions get the least total cost of a partition into GIVEN coalitions: every partition enumerated,
    on 20 random 4-player tables with about half the coalitions of two or three players removed."""
    rng = np.random.default_rng(13)
    names = [f"p{i}" for i in range(4)]
    for _ in range(20):
        full = _random_table(4, rng)
        given = {c: v for c, v in full.items() if len(c) in (1, 4) or rng.random() < 0.5}
        game = games.CostGame.from_table(given, names, complete="subadditive")
        for coalition in full:
            if coalition in given:
                expected = given[coalition]
            else:
                members = sorted(coalition)
                expected = min(
                    sum(given[frozenset(block)] for block in partition)
                    for partition in _partitions(members)
                    if all(frozenset(block) in given for block in partition)
                )
            assert game.value(coalition) == pytest.approx(expected, rel=1e-12), sorted(coalition)


def test_scrb_by_hand() -> None:
    """c: A 6, B 8, C 10, AB 12, AC 14, BC 15, ABC 20. Separable costs m = 20 - c(N - i): A 5, B 6, C 8 (19);
    remaining benefits r = c(i) - m: 1, 2, 2 (5); the non-separable 1 is shared 1 : 2 : 2: A 5.2, B 6.4, C 8.4.
    As a profit game (v = the same numbers) the shares are the same (the formula runs on c = -v, then back). With c(A) 5, B 6, C 8 every r is 0: the
    non-separable 1 is split equally (noted). Scaled by 1e6 with r_A = 1e-4 (relative 1e-11 of the largest
    value: zero within the tolerance) it is still split equally."""
    table = {"A": 6.0, "B": 8.0, "C": 10.0, "A+B": 12.0, "A+C": 14.0, "B+C": 15.0, "A+B+C": 20.0}
    result = solutions.scrb(games.CostGame.from_table(table))
    assert result.to_dict() == pytest.approx({"A": 5.2, "B": 6.4, "C": 8.4}, rel=1e-12)
    assert result.info["separable"] == pytest.approx({"A": 5.0, "B": 6.0, "C": 8.0}, rel=1e-12)
    profit = solutions.scrb(games.CostGame.from_table(table, kind="profit"))
    assert profit.to_dict() == pytest.approx({"A": 5.2, "B": 6.4, "C": 8.4}, rel=1e-12)
    assert profit.info["separable"] == pytest.approx({"A": 5.0, "B": 6.0, "C": 8.0}, rel=1e-12)
    flat = solutions.scrb(games.CostGame.from_table({**table, "A": 5.0, "B": 6.0, "C": 8.0}))
    assert flat.to_dict() == pytest.approx({"A": 5 + 1 / 3, "B": 6 + 1 / 3, "C": 8 + 1 / 3}, rel=1e-12)
    assert any("split equally" in note for note in flat.notes)
    big = {k: v * 1e6 for k, v in {**table, "A": 5.0, "B": 6.0, "C": 8.0}.items()}
    big["A"] += 1e-4
    nearly = solutions.scrb(games.CostGame.from_table(big))
    assert nearly["B"] == pytest.approx(6e6 + 1e6 / 3, rel=1e-9)  # not 6e6: the 1e6 is not all given to A


def test_an_allocation_missing_a_player_names_it() -> None:
    """An allocation without a value for B is an error naming B (the first missing player)."""
    game = games.CostGame.from_table({"A": 1.0, "B": 1.0, "A+B": 2.0})
    with pytest.raises(games.GameError, match="no value for player 'B'"):
        solutions.core_check(game, {"A": 1.0})


def test_vacancies_are_the_renewal_process_of_the_same_draws() -> None:
    """Time in post is exponential with mean 261 / turnover from day 0, then ``vacancy_refill_days`` vacant, again
    and again; the last vacancy is cut at the horizon. Rebuilt here from the same generator's draws."""
    absence = Absence(turnover_rate_per_year=2.0, vacancy_refill_days=50.0)
    got = vacancies(absence, 2000.0, np.random.default_rng(5))
    draws, expected, t = np.random.default_rng(5), [], 0.0
    while True:
        t += draws.exponential(261.0 / 2.0)
        if t >= 2000.0:
            break
        expected.append((t, min(t + 50.0, 2000.0)))
        t += 50.0
    assert len(expected) > 5 and got == pytest.approx(expected, rel=1e-15)
    assert vacancies(Absence(turnover_rate_per_year=0.0), 2000.0, np.random.default_rng(5)) == []


def test_a_later_tenure_is_the_same_tenure_shifted() -> None:
    """Sickness of a tenure [a, b) with the post's leave is the sickness of [0, b - a) with the leave shifted by -a,
    shifted back by a (same seed): the scheduled clock starts at the tenure's own start. Checked for a = 300.25 on
    3 years at 30% sickness (many episodes, leave inside some)."""
    absence = Absence(sickness_rate=0.3, long_term_share=0.5)
    leave = [(310.0, 315.0), (400.0, 401.0), (700.0, 705.5), (1000.0, 1010.0)]
    a, b = 300.25, 300.25 + 3 * 261.0
    seed = np.random.SeedSequence(21)
    short, long = tenure_sickness(absence, (a, b), leave, seed)
    base_short, base_long = tenure_sickness(absence, (0.0, b - a), [(x - a, y - a) for x, y in leave], seed)
    assert len(short) + len(long) > 20
    assert short == pytest.approx([(x + a, y + a) for x, y in base_short], rel=1e-12)
    assert long == pytest.approx([(x + a, y + a) for x, y in base_long], rel=1e-12)


def test_leftover_bank_holidays_join_the_leave_pool() -> None:
    """8.5 bank holidays: the eight listed days plus half a day added to the pool: 27 + 3 + 8.5 = 38.5 days of
    planned leave in each leave year (no sickness or turnover)."""
    absence = Absence(annual_leave_days=27.0, other_leave_days=3.0, bank_holidays_days=8.5, turnover_rate_per_year=0.0)
    timeline = post_timeline(
        absence, 2 * 261.0, 4, np.random.default_rng(3), np.random.SeedSequence(3), np.random.default_rng(4)
    )
    for year in range(2):
        assert timeline.days("annual_leave", year * 261.0, (year + 1) * 261.0) == pytest.approx(38.5, abs=1e-9)


def test_core_tolerance_is_relative_to_the_largest_cost() -> None:
    """Costs of a million: a coalition gaining GBP 0.000001 by leaving is within the tolerance (1e-9 x 1e6 = 0.001)
    and the allocation is in the core with no blocking coalition; a gain of GBP 0.01 is not."""
    game = games.CostGame.from_table({"A": 1e6, "B": 1e6, "A+B": 1.5e6})
    inside = solutions.core_check(game, {"A": 1e6 + 1e-6, "B": 0.5e6 - 1e-6})
    assert inside.in_core and inside.n_blocking == 0
    outside = solutions.core_check(game, {"A": 1e6 + 0.01, "B": 0.5e6 - 0.01})
    assert not outside.in_core and outside.n_blocking == 1 and outside.worst_coalition == frozenset({"A"})


def test_core_check_names_the_worst_group_and_breaks_ties_by_size_then_order() -> None:
    """Additive game (each member 1, any group its size): paying (1, 1, 1) every group gains exactly 0 by leaving,
    all tied, so the group named is the smallest, first in member order: {A}. Paying (0.5, 1.25, 1.25), {B, C}
    gains 0.5 by leaving, more than {B} or {C} (0.25 each): the one named."""
    table = {"A": 1.0, "B": 1.0, "C": 1.0, "A+B": 2.0, "A+C": 2.0, "B+C": 2.0, "A+B+C": 3.0}
    game = games.CostGame.from_table(table)
    assert tariffs.core_check(game, {"A": 1.0, "B": 1.0, "C": 1.0}).worst_coalition == frozenset({"A"})
    check = tariffs.core_check(game, {"A": 0.5, "B": 1.25, "C": 1.25})
    assert check.worst_coalition == frozenset({"B", "C"}) and check.max_excess == pytest.approx(0.5, rel=1e-12)


def test_own_delivery_counts_only_a_members_own_external_and_in_house_lines() -> None:
    """The hand toy's lines with GBP 1,000 of advice moved to C's own external purchase and GBP 500 of training to a
    shared line charged to A alone: own delivery is C 1,000 (a one-member external line), A 0 (its one-member line
    is shared), B 0."""
    lines = pd.DataFrame(
        [
            ("advice", "host staff", "shared", ("A", "B", "C"), "work_hours", 39_000.0),
            ("advice", "external purchase", "external", ("C",), "cases", 1_000.0),
            ("training", "host staff", "shared", ("A", "B"), "work_hours", 9_500.0),
            ("training", "shared licences (per head)", "shared", ("A",), "headcount", 500.0),
            (cost_lines.HOST_OVERHEAD, "host overhead", "host", ("A", "B", "C"), "work_hours", 6_000.0),
        ],
        columns=cost_lines.LINE_COLUMNS,
    )
    result = tariffs.tariff_table(hand_toy_scenario(), COSTS, cost_lines=lines)
    own = dict(zip(result.by_member["member"], result.by_member["own_delivery"], strict=True))
    assert own == pytest.approx({"A": 0.0, "B": 0.0, "C": 1000.0}, abs=1e-9)


def test_the_first_person_in_post_starts_in_the_sickness_steady_state() -> None:
    """At 30% sickness with half of it long-term, a post is long-term sick at a given moment with probability
    1 - exp(-long load) = 0.15 (``sickness_episode_rates``), also at day 0: episodes are drawn from well before the
    run (the burn-in), so the first person may already be off. Of 400 posts, about 0.15 x 400 = 60 are long-term
    sick over [0, 0.5) less those on leave then (a few percent): the test asks for at least 20 (binomial sd about 7;
    false alarm below 1e-6). Without the burn-in, or with the first tenure starting after day 0, there are none."""
    absence = Absence(sickness_rate=0.3, long_term_share=0.5, turnover_rate_per_year=0.0)
    sick = 0
    for index in range(400):
        timeline = post_timeline(
            absence,
            30.0,
            4,
            np.random.default_rng(index),
            np.random.SeedSequence(10_000 + index),
            np.random.default_rng(20_000 + index),
        )
        sick += any(a <= 0.0 and b >= 0.5 for a, b in timeline.lost["sickness_long"])
    assert sick >= 20


def timeline_with_only_forced(forced: list[tuple[float, float, str]]) -> Any:
    """``post_timeline`` over 30 days of a post with no drawn absence at all (no sickness, turnover or leave), with
    ``forced`` windows: whatever it loses comes from them."""
    none = Absence(
        sickness_rate=0.0,
        turnover_rate_per_year=0.0,
        annual_leave_days=0.0,
        bank_holidays_days=0.0,
        other_leave_days=0.0,
    )
    return post_timeline(
        none,
        30.0,
        4,
        np.random.default_rng(1),
        np.random.SeedSequence(1),
        np.random.default_rng(2),
        forced=forced,
    )


def test_a_forced_sickness_from_day_0_is_long_term_sickness_from_day_0() -> None:
    """A forced sickness window [0, 10) on a post with no drawn absence at all is long-term sickness [0, 10)."""
    timeline = timeline_with_only_forced([(0.0, 10.0, "sickness")])
    assert timeline.lost["sickness_long"] == [(0.0, 10.0)]


# --------------------------------------------------------------------------------------------------------------------
# demand: the functions added to ``make mutation`` in the second pass, measured in the fourth


def _demand_scenario(members: list[tuple[str, int, int, int | None]], backlog: int = 0, start: str = "2018-11"):
    """The toy scenario (one service "svc", 2,610 cases a year per 1,000 heads: 10 a working day per 1,000 heads)
    with ``members`` as (name, headcount, join month, leave month), the first one hosting, starting in ``start``,
    a seasonality profile of 0.45 in January and 1.05 otherwise (mean 1), 12 months."""
    data = toy_scenario_dict(demand_per_1000=2610.0, backlog=backlog)
    data["members"] = [
        {"name": name, "headcount": heads, "fte": heads * 0.9, "join_month": join, "leave_month": leave}
        for name, heads, join, leave in members
    ]
    data["host"]["member"] = members[0][0]
    data["services"][0]["seasonality"] = [0.45] + [1.05] * 11
    data["simulation"]["start"] = start
    return scenario_from_dict(data)


def test_backlog_ties_go_to_the_larger_member_then_by_name() -> None:
    """Largest remainders, ties broken by headcount then name. 2 cases over 300 and 100 heads: quotas 1.5 and 0.5,
    floors 1 and 0, one case left; the remainders tie (0.5) and the larger member takes it: 2 and 0 (a member
    given 0 is not listed). 1 case over two members of 100: 0.5 each, the name first in order (A) takes it. 3 cases
    over 100, 100 and 200 heads (C joins in month 1, so only A and B share): 1.5 each, A gets 2. 3 cases over 220
    and 70 heads: quotas 2.276 and 0.724, floors 2 and 0: the larger REMAINDER (0.724, not the larger quota) takes
    the case left: 2 and 1. No backlog: {}."""
    two = _demand_scenario([("A", 300, 0, None), ("B", 100, 0, None)], backlog=2)
    assert backlog_allocation(two) == {("A", "svc"): 2}
    one = _demand_scenario([("B", 100, 0, None), ("A", 100, 0, None)], backlog=1)
    assert backlog_allocation(one) == {("A", "svc"): 1}
    late = _demand_scenario([("A", 100, 0, None), ("B", 100, 0, None), ("C", 200, 1, None)], backlog=3)
    assert backlog_allocation(late) == {("A", "svc"): 2, ("B", "svc"): 1}
    uneven = _demand_scenario([("A", 220, 0, None), ("B", 70, 0, None)], backlog=3)
    assert backlog_allocation(uneven) == {("A", "svc"): 2, ("B", "svc"): 1}
    assert backlog_allocation(_demand_scenario([("A", 100, 0, None)])) == {}


def test_arrival_rate_window_and_calendar_by_hand() -> None:
    """Member B (200 heads) from month 2 to month 5, the scenario starting in November: 10 cases a working day per
    1,000 heads is 2 a day for B before seasonality (x 0.45 in January, x 1.05 otherwise). Month 0 is November,
    month 2 January (index 0), month 3 February. The window is [2 x 21.75, 5 x 21.75) = [43.5, 108.75) working
    days: the rate at 43.5 is 2 x 0.45 = 0.9 (January), at 65.25 (February) 2.1, at 108.75 and just before 43.5
    it is 0. Expected arrivals a month (rate at mid-month x 21.75): 0, 0, 19.575, 45.675, 45.675, then 0 to month
    11; A's (1 a day before seasonality) 22.8375 in November and December, 9.7875 in January. The
    steady-state month is the last (11): a member leaving in month 11 is not in the steady-state demand, one
    joining in month 11 is, with 2,610 x heads / 1,000 cases a year."""
    scenario = _demand_scenario([("A", 100, 0, None), ("B", 200, 2, 5), ("C", 400, 11, None), ("D", 50, 0, 11)])
    assert calendar_month_index(scenario, np.array([0.0, 21.75, 43.5, 65.25, 261.0])).tolist() == [10, 11, 0, 1, 10]
    assert window_days(scenario, "B", "svc") == (43.5, 108.75)
    assert window_days(scenario, "A", "svc") == (0.0, math.inf)
    assert base_rate_per_day(scenario, "B", "svc") == pytest.approx(2.0, rel=1e-12)
    days = np.array([np.nextafter(43.5, 0.0), 43.5, 65.25, np.nextafter(108.75, 0.0), 108.75])
    assert arrival_rate_per_day(scenario, "B", "svc", days).tolist() == pytest.approx([0.0, 0.9, 2.1, 2.1, 0.0])
    monthly = expected_monthly_arrivals(scenario, "B", "svc")
    assert monthly.tolist() == pytest.approx([0.0, 0.0, 19.575, 45.675, 45.675] + [0.0] * 7, rel=1e-12)
    assert expected_monthly_arrivals(scenario, "A", "svc")[:3].tolist() == pytest.approx([22.8375, 22.8375, 9.7875])
    assert steady_state_month(scenario) == 11
    table = expected_annual_demand(scenario)
    assert table["member"].tolist() == ["A", "C"]
    assert table["cases_per_year"].tolist() == pytest.approx([261.0, 1044.0], rel=1e-12)


def test_thinned_arrivals_follow_the_documented_recipe() -> None:
    """The docstring's recipe, one (gap, accept) pair of uniforms at a time from the same generator: candidate
    t_j = t_(j-1) - ln(1 - gap_j) / max_rate, kept when accept_j x max_rate < rate(t_j), until t_j >= horizon.
    Rate 0.8 a day before day 10 and 0.2 after (max 0.8, below 1 a day), horizon 60 days. No rate or no horizon:
    no arrivals; a horizon of half a day at 50 a day: about 25 (Poisson; seed 3 gives 27, all candidates kept)."""

    def rate(t: np.ndarray) -> np.ndarray:
        return np.where(t < 10.0, 0.8, 0.2)

    def recipe(max_rate: float, horizon: float, seed: int, rate=rate) -> list[float]:
        rng = np.random.default_rng(seed)
        t, kept = 0.0, []
        while True:
            gap, accept = rng.random(2)
            t -= math.log1p(-gap) / max_rate
            if t >= horizon:
                return kept
            if accept * max_rate < rate(np.array([t]))[0]:
                kept.append(t)

    for seed in (1, 2):
        expected = recipe(0.8, 60.0, seed)
        assert 5 <= len(expected) <= 40
        got = thinned_arrivals(rate, 0.8, 60.0, np.random.default_rng(seed))
        assert got == pytest.approx(expected, rel=1e-12)
    assert len(thinned_arrivals(rate, 0.0, 60.0, np.random.default_rng(1))) == 0
    assert len(thinned_arrivals(rate, 0.8, 0.0, np.random.default_rng(1))) == 0
    flat = lambda t: np.full(np.shape(t), 50.0)  # noqa: E731
    half_day = thinned_arrivals(flat, 50.0, 0.5, np.random.default_rng(3))
    assert half_day == pytest.approx(recipe(50.0, 0.5, 3, flat), rel=1e-12)
    assert len(half_day) == 27


class _ShortGaps:
    """A stand-in generator for ``thinned_arrivals``: ``random(shape)`` returns the next values of a fixed sequence
    of (gap, accept) pairs, gap uniform 0.01 (gaps of -ln(0.99) / max_rate, 1% of the mean: a hundred times more
    candidates than the first chunk is sized for) and accept cycling 0.1, 0.5, 0.9."""

    def __init__(self) -> None:
        self.drawn = 0

    def random(self, shape: int | tuple[int, ...]) -> np.ndarray:
        count = int(np.prod(shape))
        index = np.arange(self.drawn, self.drawn + count)
        self.drawn += count
        accept = np.array([0.1, 0.5, 0.9])[(index // 2) % 3]
        return np.where(index % 2 == 0, 0.01, accept).reshape(shape)


def test_thinned_arrivals_over_many_chunks_and_a_tiny_expected_count() -> None:
    """Short gaps (``_ShortGaps``) at max rate 0.8 over 40 days: candidates every -ln(0.99) / 0.8 = 0.01256 days,
    3,184 of them, far past the first chunk (32 + 6 sqrt 32 + 16 = 81 candidates) and the later ones (a quarter of
    the previous, at least 16): each chunk must continue from the LAST candidate of the one before. Candidate j
    (from 1) is at j x 0.01256 and is kept when accept x 0.8 < rate: before day 10 (rate 0.8) every candidate,
    after it (rate 0.2) only the 0.1 draws (795 + 796 arrivals). An expected count of 0.5 (rate 0.05 over 10 days) sizes a first chunk
    of 0.5 + 4.2 + 16 = 20 candidates (it must be positive): the arrivals are the candidates before day 10 of the
    recipe (every one kept at a constant rate), from the same generator."""

    def rate(t: np.ndarray) -> np.ndarray:
        return np.where(t < 10.0, 0.8, 0.2)

    gap = -math.log(0.99) / 0.8
    got = thinned_arrivals(rate, 0.8, 40.0, _ShortGaps())
    j = np.arange(1, math.floor(40.0 / gap) + 1)
    accept = np.array([0.1, 0.5, 0.9])[(j - 1) % 3]
    expected = (j * gap)[np.where(j * gap < 10.0, True, accept < 0.25)]
    assert len(got) == len(expected) == 795 + 796
    assert got == pytest.approx(expected, rel=1e-9)
    slow = thinned_arrivals(lambda t: np.full(np.shape(t), 0.05), 0.05, 10.0, np.random.default_rng(4))
    rng, t, candidates = np.random.default_rng(4), 0.0, []
    while (t := t - math.log1p(-rng.random(2)[0]) / 0.05) < 10.0:
        candidates.append(t)
    assert slow == pytest.approx(candidates, rel=1e-12)


def test_quantiles_by_their_closed_forms() -> None:
    """Exponential of mean 3: -3 ln(1 - u): 3 ln 2 at u = 0.5, 3 ln 4 at 0.75. Lognormal of mean 3 and cv 0.5:
    sigma^2 = ln 1.25, median 3 / sqrt(1.25), and at u = Phi(1) the median x exp(sigma). Gamma of mean 3 and cv
    0.5: shape 4, scale 0.75 (scipy.stats.gamma's ppf, an independent implementation). Fixed, or cv 0: the mean."""
    u = np.array([0.5, 0.75, scipy.stats.norm.cdf(1.0)])
    exponential = quantile(Distribution(distribution="exponential", mean=3.0), u[:2])
    assert exponential.tolist() == pytest.approx([3 * math.log(2), 3 * math.log(4)], rel=1e-12)
    lognormal = quantile(Distribution(distribution="lognormal", mean=3.0, cv=0.5), u[[0, 2]])
    median = 3.0 / math.sqrt(1.25)
    assert lognormal.tolist() == pytest.approx([median, median * math.exp(math.sqrt(math.log(1.25)))], rel=1e-9)
    gamma = quantile(Distribution(distribution="gamma", mean=3.0, cv=0.5), u)
    assert gamma.tolist() == pytest.approx(scipy.stats.gamma.ppf(u, 4.0, scale=0.75).tolist(), rel=1e-9)
    assert quantile(Distribution(distribution="lognormal", mean=3.0, cv=0.0), u).tolist() == [3.0] * 3
    assert quantile(Distribution(distribution="gamma", mean=3.0, cv=0.0), u).tolist() == [3.0] * 3
    with pytest.raises(ValueError, match="unknown distribution 'weibull'"):
        quantile(Distribution.model_construct(distribution="weibull", mean=3.0, cv=0.5), u)


def test_case_attributes_follow_the_documented_recipe() -> None:
    """One row of uniforms a case (one per step, then one for the external lead time), in case order, turned into
    values by each step's inverse CDF: the toy's steps are fixed (11 h, 3 days, 5.5 h), so every row is (11, 3,
    5.5); with an exponential lead time of mean 4 days, case k's lead time is -4 ln(1 - U_k3) (the row's LAST
    uniform). Without an external option the lead times are 0."""
    data = toy_scenario_dict()
    data["services"][0]["delivery"]["external"]["lead_time_days"] = {"distribution": "exponential", "mean": 4.0}
    service = scenario_from_dict(data).services[0]
    values, lead = draw_attributes(service, np.random.default_rng(9), 5)
    rows = np.random.default_rng(9).random((5, 4))
    assert values.tolist() == [[11.0, 3.0, 5.5]] * 5
    assert lead.tolist() == pytest.approx((-4.0 * np.log1p(-rows[:, 3])).tolist(), rel=1e-12)
    del data["services"][0]["delivery"]["external"]
    internal = scenario_from_dict(data).services[0]
    values, lead = draw_attributes(internal, np.random.default_rng(9), 3)
    assert values.shape == (3, 3) and lead.tolist() == [0.0, 0.0, 0.0]


# --------------------------------------------------------------------------------------------------------------------
# kpis: the functions added to ``make mutation`` in the second pass, measured in the fourth


def test_wait_statistics_by_hand() -> None:
    """Waits 0, 1, 2, 3, 4 days (in shuffled order) and completions 10, 20, 30, 40, 50: numpy's linear percentiles
    put the p-th at position p/100 x 4 of the sorted values: wait p50 = 2, p90 = 3.6, p95 = 3.8; completion p50 =
    30, p90 = 46; means 2 and 30; 4 of 5 cases waited at all (0.8). No case: every statistic NaN."""
    stats = _wait_stats(np.array([3.0, 0.0, 4.0, 1.0, 2.0]), np.array([40.0, 10.0, 50.0, 20.0, 30.0]))
    assert stats == pytest.approx(
        {
            "queue_wait_mean_days": 2.0,
            "queue_wait_p50_days": 2.0,
            "queue_wait_p90_days": 3.6,
            "queue_wait_p95_days": 3.8,
            "queue_wait_prob_positive": 0.8,
            "completion_mean_days": 30.0,
            "completion_p50_days": 30.0,
            "completion_p90_days": 46.0,
        },
        rel=1e-12,
    )
    empty = _wait_stats(np.array([]), np.array([]))
    assert len(empty) == 8 and all(math.isnan(value) for value in empty.values())


def test_month_labels_cross_the_year_end() -> None:
    """Simulation month m of a run starting in November 2018 is calendar month 11 + m: month 0 is 2018-11, month 1
    2018-12, month 2 2019-01, month 14 2020-01."""
    scenario = _demand_scenario([("A", 100, 0, None)])
    assert [month_label(scenario, m) for m in (0, 1, 2, 14)] == ["2018-11", "2018-12", "2019-01", "2020-01"]


def _kpi_case(member: str, arrival: float, end: float, horizon: float, target: float = 10.0) -> dict:
    """A shared case of "svc" (the SLA rule of the kpis docstring: met when completed within the target; open at
    the horizon and older than the target: a miss; open and younger: unknown)."""
    completed = not math.isnan(end)
    met = float(end - arrival <= target) if completed else (0.0 if horizon - arrival > target else math.nan)
    return {
        "case_id": 0,
        "member": member,
        "service": "svc",
        "mode": "shared",
        "origin": "arrival",
        "arrival_day": arrival,
        "arrival_month": int(arrival // 21.75),
        "warm_up": arrival < 3 * 21.75,
        "work_hours": 1.0,
        "wait_days": 0.0,
        "external_days": 0.0,
        "first_start_day": arrival,
        "end_day": end,
        "completed": completed,
        "queue_wait_days": 0.0,
        "completion_days": end - arrival,
        "target_days": target,
        "met_target": met,
        "handoffs": 0,
    }


def test_sla_by_review_period_after_a_warm_up_longer_than_a_period() -> None:
    """Six months from April 2018, 3 months of warm-up, 2-month review periods: the first period counted starts at
    month (3 // 2) x 2 = 2 (2018-06: days 43.5-87), the second at month 4 (2018-08: days 87-130.5); target 10 days,
    50%. Cases: A 70 -> 75 (met, known day 75: 2018-06); A 80 -> 100 (a miss known at its deadline, day 90:
    2018-08); B 85 -> 86 (met, day 86: 2018-06); A 100, still open at day 130.5 (a miss known at day 110: 2018-08);
    B 126, open and 4.5 days old (unknown: left out); A 30 (warm-up: not counted).
    2018-06: 2 cases, attainment 1 (A 1 of 1, B 1 of 1). 2018-08: 2 cases, 0 (A 0 of 2; B no case: NaN). Over the
    window: 4 cases, 2 met: 0.5, which meets the 50% target exactly (sla_target_met 1); A 1 of 3, B 1 of 1.
    Completed cases: 3 of 5 counted, 2 open at the end."""
    data = toy_scenario_dict(horizon_months=6)
    data["members"].append({"name": "B", "headcount": 500, "fte": 450.0})
    data["services"][0]["kpi"]["target_fraction"] = 0.5
    data["simulation"].update({"warm_up_months": 3, "kpi_review_months": 2, "start": "2018-04"})
    scenario = scenario_from_dict(data)
    horizon = 6 * 21.75
    rows = [("A", 70.0, 75.0), ("A", 80.0, 100.0), ("B", 85.0, 86.0), ("A", 100.0, math.nan)]
    rows += [("B", 126.0, math.nan), ("A", 30.0, 35.0)]
    cases = pd.DataFrame([_kpi_case(m, a, e, horizon) for m, a, e in rows], columns=CASE_COLUMNS)
    output = SimulationOutput(
        0, cases, pd.DataFrame(columns=STAFF_COLUMNS), pd.DataFrame(columns=BACKLOG_COLUMNS), horizon, 3 * 21.75
    )
    k = replication_kpis(scenario, output).set_index(["metric", "service", "member", "period"])["value"]
    periods = sorted({p for p in k.index.get_level_values("period") if p != "all"})
    assert periods == ["2018-06", "2018-08"]
    for service in ("all", "svc"):
        assert k[("sla_cases", service, "all", "2018-06")] == 2
        assert k[("sla_attainment", service, "all", "2018-06")] == 1.0
        assert k[("sla_cases", service, "all", "2018-08")] == 2
        assert k[("sla_attainment", service, "all", "2018-08")] == 0.0
        assert k[("sla_cases", service, "all", "all")] == 4
        assert k[("sla_attainment", service, "all", "all")] == 0.5
        assert k[("cases_arrived", service, "all", "all")] == 5
        assert k[("cases_completed", service, "all", "all")] == 3
        assert k[("cases_open_end", service, "all", "all")] == 2
    for service in ("all", "svc"):
        assert k[("sla_cases", service, "A", "2018-06")] == 1 and k[("sla_attainment", service, "A", "2018-06")] == 1
        assert k[("sla_cases", service, "A", "2018-08")] == 2 and k[("sla_attainment", service, "A", "2018-08")] == 0
        assert k[("sla_cases", service, "B", "2018-06")] == 1 and k[("sla_attainment", service, "B", "2018-06")] == 1
        assert k[("sla_cases", service, "B", "2018-08")] == 0
        assert math.isnan(k[("sla_attainment", service, "B", "2018-08")])
        assert k[("sla_attainment", service, "A", "all")] == pytest.approx(1 / 3, rel=1e-12)
        assert k[("sla_attainment", service, "B", "all")] == 1.0
    assert k[("sla_target_met", "svc", "all", "all")] == 1.0
    assert ("sla_target_met", "all", "all", "all") not in k.index


def test_backlog_counts_by_month_and_service() -> None:
    """Open cases at the start of months 0 and 2 (run from November 2018), for two services: the "all" row of each
    month is the sum over services (1 + 2 = 3, then 4 + 0 = 4), each service's row its own count, labelled by the
    month: 2018-11 and 2019-01. No backlog table: no rows."""
    scenario = _demand_scenario([("A", 100, 0, None)])
    backlog = pd.DataFrame(
        [[0.0, 0, "svc", "shared", 1], [0.0, 0, "other", "shared", 2], [43.5, 2, "svc", "shared", 4]],
        columns=BACKLOG_COLUMNS,
    )
    rows = _Rows(3)
    output = SimulationOutput(3, pd.DataFrame(columns=CASE_COLUMNS), None, backlog, 261.0, 0.0)
    _backlog_metrics(scenario, output, rows)
    assert sorted((r[1], r[2], r[5], r[6]) for r in rows.rows) == sorted(
        [
            ("backlog_open_cases", "all", "2018-11", 3.0),
            ("backlog_open_cases", "all", "2019-01", 4.0),
            ("backlog_open_cases", "svc", "2018-11", 1.0),
            ("backlog_open_cases", "other", "2018-11", 2.0),
            ("backlog_open_cases", "svc", "2019-01", 4.0),
        ]
    )
    assert all(r[0] == 3 for r in rows.rows)
    empty = _Rows(0)
    _backlog_metrics(scenario, SimulationOutput(0, None, None, pd.DataFrame(columns=BACKLOG_COLUMNS), 1.0, 0.0), empty)
    assert empty.rows == []
