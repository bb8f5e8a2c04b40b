"""Tests added when the games' LP solvers and the absence clock were first measured by ``make mutation`` (issue 12,
third pass, after the tool learnt to survive a mutant that aborts its process). Each asserts values derived by hand
(in its docstring) or by brute force over the coalition table, never by the code under test."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
import scipy.stats

from model.fairness import (
    CostGame,
    closest_core_allocation,
    core_is_nonempty,
    least_core,
    least_core_epsilon,
    nucleolus,
    per_capita_nucleolus,
    prenucleolus,
)
from model.fairness.games import EmptyImputationSetError, random_subadditive_game
from model.fairness.solutions import NUCLEOLUS_ALGORITHMS
from model.optimisation import queueing
from model.optimisation.pooling import (
    MAX_POOL_FTE,
    StaffingOption,
    capacity_table,
    pool_capacity,
    staffing_options,
    unreachable_reason,
)
from model.scenario import Absence, Scenario, apply_overrides
from model.simulation.absence import scheduled_to_real, sickness_episode_rates, sickness_spans


def test_scheduled_clock_maps_to_real_time_around_the_off_intervals() -> None:
    """Off intervals [2, 3) and [5, 7) (real days). The scheduled clock skips them: real [0, 2) is scheduled
    [0, 2); real [3, 5) is scheduled [2, 4) (1 day off before it); real [7, ...) is scheduled [4, ...) (3 days off
    before it). So scheduled 0, 1.5, 3, 10 are real 0, 1.5, 4, 13 on either side. A scheduled time at the start of
    an off interval (2 and 4) is real 3 and 7 with ``side="right"`` (after the interval) and real 2 and 5 with
    ``side="left"`` (before it). No off interval: the times themselves, in a new array."""
    off = [(2.0, 3.0), (5.0, 7.0)]
    scheduled = np.array([0.0, 1.5, 2.0, 3.0, 4.0, 10.0])
    assert scheduled_to_real(off, scheduled, "right").tolist() == [0.0, 1.5, 3.0, 4.0, 7.0, 13.0]
    assert scheduled_to_real(off, scheduled, "left").tolist() == [0.0, 1.5, 2.0, 4.0, 5.0, 13.0]
    same = scheduled_to_real([], scheduled, "right")
    assert same.tolist() == scheduled.tolist() and same is not scheduled


def test_sickness_spans_without_burn_in_and_without_scheduled_days() -> None:
    """The default is no burn-in: the same episodes as ``burn_in_days=0`` on the same seed (a burn-in of 1 day would
    start the candidates at -1 and shift every onset by a day). No scheduled day (a tenure that is all leave): no
    episode, whatever the sickness rate, and the arrays are empty (not an error)."""
    absence = Absence(sickness_rate=0.3, long_term_share=0.5)
    seed = np.random.SeedSequence(8)
    default = sickness_spans(absence, 600.0, seed)
    explicit = sickness_spans(absence, 600.0, seed, 0.0)
    assert len(default[0]) > 10
    for got, expected in zip(default, explicit, strict=True):
        assert got.tolist() == expected.tolist()
    assert min(default[0]) >= 0.0
    starts, ends, is_long = sickness_spans(absence, 0.0, seed)
    assert len(starts) == len(ends) == len(is_long) == 0 and is_long.dtype == bool


BURN_IN_SEED = 18  # the first seed whose burn-in leaves an episode under way at day 0 that ends by day 1


def test_nucleolus_fixes_every_coalition_tight_at_a_level_in_one_stage() -> None:
    """Symmetric three-player game: c({i}) = 10, c({i, j}) = 16, c(N) = 21. Any split x sums to 21, so the three
    pairs' excesses x(S) - c(S) sum to 2 x 21 - 3 x 16 = -6: the largest is at least -2, reached only at
    (7, 7, 7), where every pair's excess is -2 and every single's -3. The stage-1 LP's duals on the pair rows
    are unique: each player's column gives y_ij + y_ik = (efficiency dual), so y = 1/3 on each pair, all
    positive: the three pairs are fixed at once, which with sum x = 21 has rank 3. One stage, one level (-2):
    ``excess_levels`` is strictly decreasing, never a level repeated by fixing one coalition at a time. One player:
    no stage. The same for both algorithms (constraint generation and enumeration of every coalition)."""
    game = CostGame.from_table({"A": 10, "B": 10, "C": 10, "A+B": 16, "A+C": 16, "B+C": 16, "A+B+C": 21})
    for algorithm in NUCLEOLUS_ALGORITHMS:
        for method in (nucleolus, prenucleolus, per_capita_nucleolus):
            allocation = method(game, algorithm=algorithm)
            assert allocation.to_dict() == pytest.approx({"A": 7.0, "B": 7.0, "C": 7.0}, abs=1e-9)
        plain = nucleolus(game, algorithm=algorithm)
        assert plain.info["stages"] == 1
        assert plain.info["excess_levels"] == pytest.approx([-2.0], abs=1e-9)
        # per capita: each pair's excess / 2 = -1 (singles -3), again one stage
        per_capita = per_capita_nucleolus(game, algorithm=algorithm)
        assert per_capita.info["stages"] == 1
        assert per_capita.info["excess_levels"] == pytest.approx([-1.0], abs=1e-9)
    # one player pays its cost, with no LP stage
    solo = nucleolus(CostGame(["solo"], [0.0, 42.0]))
    assert solo.to_dict() == {"solo": 42.0} and solo.info["stages"] == 0


def test_nucleolus_excess_levels_against_the_coalition_table() -> None:
    """On random games of 3 to 6 players (seeds 0-11, cores empty and not), brute force over every proper
    coalition of the returned allocation's excesses x(S) - c(S): the first level is the largest excess; every
    level is the excess of some coalition; the levels strictly decrease (a stage that repeats a level fixed a
    coalition without need, or left a determined one constraining t); at most n - 1 stages. Both algorithms."""
    for seed, algorithm, method in itertools.product(range(12), NUCLEOLUS_ALGORITHMS, (nucleolus, prenucleolus)):
        game = random_subadditive_game(3 + seed % 4, seed)
        try:
            allocation = method(game, algorithm=algorithm)
        except EmptyImputationSetError:
            continue
        x = allocation.as_array()
        n = game.n
        excess = []
        for mask in range(1, (1 << n) - 1):
            members = [i for i in range(n) if mask >> i & 1]
            excess.append(sum(x[i] for i in members) - game.value([game.players[i] for i in members]))
        levels = allocation.info["excess_levels"]
        tol = 1e-7 * max(abs(game.grand_value), 1.0)
        assert 1 <= allocation.info["stages"] == len(levels) <= n - 1
        assert levels[0] == pytest.approx(max(excess), abs=tol)
        for level in levels:
            assert min(abs(e - level) for e in excess) <= tol, (seed, level)
        assert all(later < earlier - tol for earlier, later in itertools.pairwise(levels)), (seed, levels)


def _recipe(absence: Absence, days: float, seed: int, burn_in: float = 0.0) -> list[tuple[float, float, bool]]:
    """The module docstring's coupling recipe, written from the docstring: blocks of 256 rows (U, V, W, X) from
    ``PCG64(SeedSequence(seed))``; candidates from -burn_in at rate R = ln 2 / m_s + ln 2 / m_l,
    onset_j = onset_(j-1) - ln(1 - U_j) / R; long when V_j < R_l / R; kept when W_j < r_type / R_type (r from
    ``sickness_episode_rates``) and onset_j < days; length m_type x G^-1(X_j) / 4 (G the gamma CDF of shape 4,
    scipy.stats.gamma here); an episode is returned when it ends after 0, its end cut at ``days``."""
    m_s, m_l = absence.short_episode_mean_days, absence.long_episode_mean_days
    big_s, big_l = math.log(2) / m_s, math.log(2) / m_l
    rate = big_s + big_l
    r_s, r_l = sickness_episode_rates(absence)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    episodes = []
    onset = -burn_in
    while onset < days:
        for row in rng.random((256, 4)):
            onset -= math.log(1.0 - row[0]) / rate
            long = bool(row[1] < big_l / rate)
            if onset < days and row[2] < (r_l / big_l if long else r_s / big_s):
                end = onset + (m_l if long else m_s) * scipy.stats.gamma.ppf(row[3], 4.0) / 4.0
                if end > 0.0:
                    episodes.append((onset, min(end, days), long, end))
    return episodes


@pytest.mark.parametrize(
    ("share", "days", "seed", "burn_in"),
    [(0.5, 200.0, 13, 0.0), (0.99, 1000.0, 14, 0.0), (0.5, 0.75, BURN_IN_SEED, 300.0)],
)
def test_sickness_episodes_follow_the_documented_recipe(share: float, days: float, seed: int, burn_in: float) -> None:
    """Sickness 30%, the episodes of ``sickness_spans`` are those of the recipe (``_recipe``) on the same seed: the
    spec of the common random numbers, so it pins the realisation, not only the law. Cases: half long-term over
    200 days; 99% long-term (the long rate exceeds the short one: r_l > r_s) over 1,000 days; a burn-in of 300 days
    before a horizon of 0.75 days, on a seed chosen so that an episode is under way at day 0 and ends within
    (0, 1] (kept: it ends after 0; cut at 0.75)."""
    absence = Absence(sickness_rate=0.3, long_term_share=share)
    expected = _recipe(absence, days, seed, burn_in)
    r_s, r_l = sickness_episode_rates(absence)
    if share > 0.9:
        assert r_l > r_s
    if burn_in:
        assert any(start < 0.0 for start, *_ in expected) and any(0.0 < e[3] <= 1.0 for e in expected)
    else:
        assert len(expected) > 3 and any(e[2] for e in expected)
        assert share > 0.9 or not all(e[2] for e in expected)
    starts, ends, is_long = sickness_spans(absence, days, np.random.SeedSequence(seed), burn_in)
    assert starts.tolist() == pytest.approx([e[0] for e in expected], rel=1e-12, abs=1e-9)
    assert ends.tolist() == pytest.approx([e[1] for e in expected], rel=1e-9)
    assert is_long.tolist() == [e[2] for e in expected]


def test_core_solvers_of_a_one_player_game() -> None:
    """One player with cost 42: no coalition but N, so the least-core value is 0 (the docstring's convention), the
    core is {42}, and the least core and the closest core allocation are 42 whatever the reference; from a
    reference of 40 the deviation is 2."""
    game = CostGame(["solo"], [0.0, 42.0])
    assert least_core_epsilon(game) == 0.0
    assert core_is_nonempty(game)
    core = least_core(game)
    assert core.to_dict() == {"solo": 42.0} and core.info["epsilon"] == 0.0
    closest = closest_core_allocation(game, {"solo": 40.0})
    assert closest.to_dict() == {"solo": 42.0}
    assert closest.info == {"core_empty": False, "epsilon": 0.0, "max_deviation": 2.0, "deviations": [2.0]}


def test_core_emptiness_tolerance_is_relative_to_the_largest_cost() -> None:
    """The game of test_games_hand's empty-core case: c(A, B, C) = 4, 5, 6; pairs 6, 7, 8; c(N) = 12. The three
    pairs' excesses sum to 2 x 12 - 21 = 3, so the least-core value is 1 (at (3, 4, 5)). The tolerance is relative
    to the largest cost, 12: with tol 0.1 the core counts as non-empty (1 <= 1.2), with tol 0.05 not (1 > 0.6)."""
    game = CostGame.from_table({"A": 4, "B": 5, "C": 6, "A+B": 6, "A+C": 7, "B+C": 8, "A+B+C": 12})
    assert least_core_epsilon(game) == pytest.approx(1.0, abs=1e-9)
    assert core_is_nonempty(game, tol=0.1)
    assert not core_is_nonempty(game, tol=0.05)


SYMMETRIC_3 = {"A": 10, "B": 10, "C": 10, "A+B": 16, "A+C": 16, "B+C": 16, "A+B+C": 21}


def test_closest_core_stops_when_one_player_is_left() -> None:
    """Core of SYMMETRIC_3: x_i <= 10 and x_i + x_j <= 16, i.e. 5 <= x_i <= 10, with sum 21. Reference (2, 4, 15).
    Stage 1: C must come down to 10, a deviation of 5; A and B can stay within 5 of their references with slack
    (e.g. 5.5 each), so only C's row has a dual: C = 15 - 5 = 10. Stage 2: x_A + x_B = 11 and x_A, x_B <= 16 - 10
    = 6, so x_A >= 5 and A deviates by at least 3: x_A = 5, x_B = 6 (deviation 2, slack): only A is fixed. One
    player (B) is left: it takes 21 - 10 - 5 = 6 without another stage. Deviations [5, 3]."""
    game = CostGame.from_table(SYMMETRIC_3)
    closest = closest_core_allocation(game, {"A": 2.0, "B": 4.0, "C": 15.0})
    assert closest.to_dict() == pytest.approx({"A": 5.0, "B": 6.0, "C": 10.0}, abs=1e-9)
    assert closest.info["deviations"] == pytest.approx([5.0, 3.0], abs=1e-9)
    assert closest.info["max_deviation"] == pytest.approx(5.0, abs=1e-9)
    assert closest.info["core_empty"] is False and closest.info["epsilon"] == 0.0


def test_closest_core_fixes_every_tied_player_in_one_stage() -> None:
    """Four players, c(S) = 10 |S| for |S| <= 3 and c(N) = 24: the core is x_i <= 10 (pairs and triples are
    looser), sum 24. Reference (0, 0, 0, 24). Stage 1: D must come down to 10 (deviation 14); A, B, C share 14
    with slack (14/3 each): only D is fixed. Stage 2: A, B, C share 14 as close to 0 as possible: 14/3 each, the
    three deviation rows tight with equal duals 1/3 (each player's column: dual = the efficiency dual), all fixed
    at once. Deviations [14, 14/3]: fixing one tied player at a time would repeat 14/3."""
    players = ["A", "B", "C", "D"]
    game = CostGame(players, [24.0 if m == 15 else 10.0 * bin(m).count("1") for m in range(16)])
    closest = closest_core_allocation(game, {"A": 0.0, "B": 0.0, "C": 0.0, "D": 24.0})
    third = 14.0 / 3.0
    assert closest.to_dict() == pytest.approx({"A": third, "B": third, "C": third, "D": 10.0}, abs=1e-9)
    assert closest.info["deviations"] == pytest.approx([14.0, third], abs=1e-9)


def test_closest_core_calls_the_core_empty_relative_to_the_largest_cost() -> None:
    """Symmetric three players, c({i}) = 10, pairs p, c(N) = 21: the pairs' excesses sum to 42 - 3p, so the
    least-core value is 14 - p (singles are at -3). The core counts as empty when that exceeds 1e-9 x the largest
    cost (21), 2.1e-8: p = 14 - 1e-8 gives 1e-8 (non-empty, no note), p = 14 - 1e-6 gives 1e-6 (empty, noted)."""
    reference = {"A": 7.0, "B": 7.0, "C": 7.0}
    for gap, empty in ((1e-8, False), (1e-6, True)):
        pair = 14.0 - gap
        game = CostGame.from_table({**SYMMETRIC_3, "A+B": pair, "A+C": pair, "B+C": pair})
        assert least_core_epsilon(game) == pytest.approx(gap, abs=1e-12)
        closest = closest_core_allocation(game, reference)
        assert closest.info["core_empty"] is empty
        assert bool(closest.notes) is empty


def test_queue_inputs_are_checked_at_their_boundaries() -> None:
    """M/M/c inputs: servers a positive whole number (0 and 2.5 rejected, each alone), arrivals >= 0 (0 is an idle
    queue: P(wait) = 0), service rate > 0 (0 rejected). The square-root rule's default quality is 1:
    ceil(100 + 1 x sqrt(100)) = 110 (1.5 would give 115)."""
    for servers in (0, 2.5):
        with pytest.raises(ValueError, match="servers"):
            queueing.mmc_prob_wait(servers, 1.0, 1.0)
    assert queueing.mmc_prob_wait(1, 0.0, 1.0) == 0.0
    with pytest.raises(ValueError, match="service_rate"):
        queueing.mmc_prob_wait(1, 0.5, 0.0)
    assert queueing.square_root_staffing(100.0) == 110


def test_game_lp_of_the_wrong_size_or_rejected_by_highs_is_an_error() -> None:
    """The least-core LP of two players, c({A}) = c({B}) = 1, c(N) = 2: rows x_A - t <= 1, x_B - t <= 1, x_A + x_B
    = 2, minimise t. Adding the two rows: 2 - 2t <= 2, so t >= 0, reached at x = (1, 1): optimum (1, 1, 0).
    A cost vector one entry too long (HiGHS would read its first three entries and solve the same LP, hiding a
    size mistake) or one too short, a bound vector of the wrong length: ValueError. A NaN right-hand side: HiGHS's
    passModel returns kError (it would then still report an optimum): RuntimeError naming passModel."""
    from model.fairness.solutions import _new_highs, _pass_lp, _solve

    members = np.array([[True, False], [False, True]])
    inf = float("inf")
    cost = np.array([0.0, 0.0, 1.0])

    def load(**change: Any) -> Any:
        args: dict[str, Any] = {
            "members": members,
            "extra_col": -np.ones(2),
            "row_upper": np.array([1.0, 1.0]),
            "efficiency": 2.0,
            "col_upper": np.full(2, inf),
            "cost": cost,
        }
        solver = _new_highs()
        _pass_lp(solver, **{**args, **change})
        return solver

    col_value, _ = _solve(load(), lambda: AssertionError("feasible"))
    assert col_value.tolist() == pytest.approx([1.0, 1.0, 0.0], abs=1e-9)
    for change in (
        {"cost": np.append(cost, 0.0)},
        {"cost": cost[:2]},
        {"col_upper": np.full(3, inf)},
        {"row_upper": np.array([1.0, 1.0, 1.0])},
    ):
        with pytest.raises(ValueError, match="needs 3 costs, 2 column bounds and 2 row bounds"):
            load(**change)
    with pytest.raises(RuntimeError, match="passModel returned kError"):
        load(row_upper=np.array([np.nan, 1.0]))


# --------------------------------------------------------------------------------------------------------------------
# pooling: why a KPI is unreachable, the staffing menu and the capacity table (issue 12, fourth pass)

# Share of working days at work in the default scenario: (261 - 40 days of leave and holidays) / 261 x (1 - 3% sick)
# (test_pooling.test_service_rate_by_hand).
AVAILABLE = (261 - 40) / 261 * 0.97
STRATEGIC = "KPI '80% of strategic commissions delivered within 30 working days'"


def test_unreachable_reason_names_each_cause_by_hand(default_scenario: Scenario) -> None:
    """strategic_hr: 25 work hours a case after 8 days of wait steps, 80% target. Able roles: the HR business
    partner (5.5 productive hours: mu = 5.5 A / 25 = 0.1807 a day) and the head of HR (3.5 hours: 0.1150 a day).
    * 8 target days: budget 0 (the wait steps take it all). 8.5 days: budget 0.5, and a case that never queues
      finishes in time with probability 1 - exp(-0.1807 x 0.5) = 8.6%, shown as 9%. 10 days: budget 2,
      1 - exp(-0.3614) = 30% (the slower head of HR would give 1 - exp(-0.2300) = 21%).
    * 18 days: budget 10; the partner finishes in time with probability 1 - exp(-1.807) = 84% >= 80% (reachable,
      although the head of HR alone, 1 - exp(-1.150) = 68%, could not): None, and None for the queue-only measure.
    * A 100% target leaves no room for delays; no role with the skill, or no role at all: no role has the skill."""

    def reason(overrides: list[str], measure: str = "sojourn") -> str | None:
        scenario = apply_overrides(default_scenario, overrides)
        return unreachable_reason(scenario, scenario.service("strategic_hr"), measure)

    partner = 5.5 * AVAILABLE / 25.0
    assert 1 - math.exp(-partner * 0.5) == pytest.approx(0.0863, abs=1e-4)
    assert 1 - math.exp(-partner * 2.0) == pytest.approx(0.3033, abs=1e-4)
    no_room = "cannot be met by any staffing: after 8 days of wait steps only"
    assert reason(["services.strategic_hr.kpi.target_days=8"]) == (
        f"{STRATEGIC} (80% within 8 working days) cannot be met by any staffing: the wait steps alone take 8 "
        "working days on average"
    )
    assert reason(["services.strategic_hr.kpi.target_days=8.5"]) == (
        f"{STRATEGIC} (80% within 8.5 working days) {no_room} 0.5 working days remain for 25 hours of work, and even "
        "a case that never queues finishes in time with probability 9%"
    )
    assert reason(["services.strategic_hr.kpi.target_days=10"]) == (
        f"{STRATEGIC} (80% within 10 working days) {no_room} 2 working days remain for 25 hours of work, and even "
        "a case that never queues finishes in time with probability 30%"
    )
    assert reason(["services.strategic_hr.kpi.target_days=8.5"], measure="wait") is None
    assert reason(["services.strategic_hr.kpi.target_days=18"]) is None
    assert reason(["services.strategic_hr.kpi.target_days=18"], measure="wait") is None
    assert reason(["services.strategic_hr.kpi.target_fraction=1.0"]) == (
        f"{STRATEGIC} (100% within 30 working days) cannot be met by any staffing: a fraction of 100% leaves no "
        "room for random delays"
    )
    service = default_scenario.service("strategic_hr")
    unable = [role for role in default_scenario.roles if "strategic_hr" not in role.skills]
    for roles in (unable, []):
        scenario = default_scenario.model_copy(update={"roles": roles})
        assert unreachable_reason(scenario, service) == "no role has skill 'strategic_hr'"


def _one_server_sojourn_capacity(mu: float, budget: float, fraction: float) -> float:
    """M/M/1: the time in system is exponential with rate mu - lambda, so P(S <= B) >= f iff lambda <= mu + ln(1 - f)
    / B."""
    return mu + math.log(1.0 - fraction) / budget


def _one_server_wait_capacity(mu: float, budget: float, fraction: float) -> float:
    """M/M/1: P(Wq > B) = rho exp(-(mu - lambda) B), increasing in lambda; the largest lambda with it <= 1 - f, by
    bisection."""
    low, high = 0.0, mu
    for _ in range(200):
        middle = (low + high) / 2
        if middle / mu * math.exp(-(mu - middle) * budget) <= 1.0 - fraction:
            low = middle
        else:
            high = middle
    return low


@pytest.mark.parametrize(
    ("measure", "capacity_of"), [("sojourn", _one_server_sojourn_capacity), ("wait", _one_server_wait_capacity)]
)
def test_staffing_menu_of_one_server_pools_by_hand(default_scenario: Scenario, measure: str, capacity_of) -> None:
    """policy_guidance: 1.25 work hours, no wait steps, 95% within 2 days. Able roles, in scenario order: the senior
    HR advisor (GBP 51,689 loaded) and the HR advisor (GBP 42,926), both 5.5 hours: mu = 5.5 A / 1.25 = 3.614 cases
    a day per FTE. 0.5 FTE is one person at half speed (mu / 2) and 1 FTE one at full speed: both one-server
    queues, sojourn capacities 3.614 - 1.498 = 2.116 and 1.807 - 1.498 = 0.309 a day. A load of 2 a day needs 1 FTE
    (the smallest whole number covering it): the menu is 0.5 and 1 FTE of each role, one person each, at fte x the
    loaded cost. ``roles`` limits the menu to the roles given. The capacity table of 0 to 1 FTE in half steps is
    the same capacities with 0 at 0 FTE."""
    service = default_scenario.service("policy_guidance")
    mu = 5.5 * AVAILABLE / 1.25
    capacity = {fte: capacity_of(mu * fte, 2.0, 0.95) for fte in (0.5, 1.0)}
    if measure == "sojourn":
        assert capacity == pytest.approx({0.5: 0.309, 1.0: 2.116}, abs=1e-3)
    assert 0 < capacity[0.5] < 2.0 <= capacity[1.0]
    pool_capacity.cache_clear()
    menu = staffing_options(default_scenario, service, 2.0, measure=measure)
    expected = [
        StaffingOption(role, fte, 1, capacity[fte], fte * loaded, mu)
        for role, loaded in (("senior_hr_advisor", 51_689.0), ("hr_advisor", 42_926.0))
        for fte in (0.5, 1.0)
    ]
    assert len(menu) == len(expected)
    for option, wanted in zip(menu, expected, strict=True):
        assert (option.role, option.fte, option.people) == (wanted.role, wanted.fte, wanted.people)
        assert option.capacity_cases_per_day == pytest.approx(wanted.capacity_cases_per_day, rel=1e-7)
        assert option.cost_gbp_per_year == pytest.approx(wanted.cost_gbp_per_year, rel=1e-12)
        assert option.rate_per_fte == pytest.approx(mu, rel=1e-12)
    only = staffing_options(
        default_scenario, service, 2.0, measure=measure, roles=[default_scenario.role("hr_advisor")]
    )
    assert [(o.role, o.fte) for o in only] == [("hr_advisor", 0.5), ("hr_advisor", 1.0)]
    table = capacity_table(default_scenario, service, default_scenario.role("hr_advisor"), 1, 0.5, measure)
    assert [fte for fte, _ in table] == [0.0, 0.5, 1.0]
    assert [value for _, value in table] == pytest.approx([0.0, capacity[0.5], capacity[1.0]], rel=1e-7)


class _LinearTable:
    """A stand-in for the calibrated table: ``per_fte[role] x fte`` cases a day, None (not measured) below
    ``from_fte[role]``; roles that cannot do the work get a capacity too, so asking for one shows."""

    def __init__(self, per_fte: dict[str, float], from_fte: dict[str, float]) -> None:
        self.per_fte, self.from_fte = per_fte, from_fte

    def capacity(self, service: str, role: str, fte: float) -> float | None:
        if fte < self.from_fte.get(role, 0.0):
            return None
        return self.per_fte.get(role, 10.0) * fte

    def key(self) -> str:
        return "linear"


def test_staffing_menu_from_a_measured_table_by_hand(default_scenario: Scenario) -> None:
    """recruitment (able: the recruitment officer, mu = 5.5 A / 8 = 0.56 a day, and the HR administrator,
    cross-skilled at 0.8: 0.45 a day; both below 1) on a table where the officer takes fte cases a day and the
    administrator 0.5 fte, measured from 1 FTE only. Load 2 a day: the officer needs 2 FTE (exactly 2 a day), the
    administrator 4 FTE; the administrator's 0.5 FTE was not measured and gives no option. The other roles
    (capacity 10 fte in the table) cannot do recruitment and give none."""
    service = default_scenario.service("recruitment")
    table = _LinearTable({"recruitment_officer": 1.0, "hr_administrator": 0.5}, {"hr_administrator": 1.0})
    menu = staffing_options(default_scenario, service, 2.0, capacity=table)
    officer = [
        (o.fte, o.people, o.capacity_cases_per_day, o.cost_gbp_per_year)
        for o in menu
        if o.role == "recruitment_officer"
    ]
    assert officer == [
        (0.5, 1, 0.5, 14_605.0),
        (1.0, 1, 1.0, 29_210.0),
        (1.5, 2, 1.5, 43_815.0),
        (2.0, 2, 2.0, 58_420.0),
    ]
    administrator = [(o.fte, o.capacity_cases_per_day) for o in menu if o.role == "hr_administrator"]
    assert administrator == [(fte / 2, fte / 4) for fte in range(2, 9)]
    assert {o.role for o in menu} == {"recruitment_officer", "hr_administrator"}
    assert [o.rate_per_fte for o in menu[:1]] == pytest.approx([5.5 * AVAILABLE / 8.0], rel=1e-12)
    # a small load (0.3 a day): at least one person (up to 1 FTE, taking 1 a day), or min_people (3 FTE)
    small = staffing_options(
        default_scenario, service, 0.3, capacity=table, roles=[default_scenario.role("recruitment_officer")]
    )
    assert [o.fte for o in small] == [0.5, 1.0]
    three = staffing_options(default_scenario, service, 0.3, min_people=3, capacity=table)
    assert [o.fte for o in three if o.role == "recruitment_officer"] == [0.5 * k for k in range(1, 7)]
    # whole-FTE steps and quarter steps; a step that does not divide 1 is an error
    whole = staffing_options(default_scenario, service, 2.0, fte_step=1.0, capacity=table)
    assert [o.fte for o in whole if o.role == "recruitment_officer"] == [1.0, 2.0]
    quarter = staffing_options(default_scenario, service, 2.0, fte_step=0.25, capacity=table)
    assert [o.fte for o in quarter if o.role == "recruitment_officer"] == [0.25 * k for k in range(1, 9)]
    for step in (0.0, -0.5, 0.3):
        with pytest.raises(ValueError, match="fte_step must divide 1"):
            staffing_options(default_scenario, service, 2.0, fte_step=step, capacity=table)


def test_staffing_menu_stops_at_the_largest_pool(default_scenario: Scenario) -> None:
    """MAX_POOL_FTE = 400: with the officer taking fte cases a day, a load of 399.5 needs 400 FTE (800 half-FTE
    options), a load of 400.5 would need 401 and gives none; the administrator (0.5 fte) never fits."""
    service = default_scenario.service("recruitment")
    table = _LinearTable({"recruitment_officer": 1.0, "hr_administrator": 0.5}, {})
    assert MAX_POOL_FTE == 400
    largest = staffing_options(default_scenario, service, 399.5, capacity=table)
    assert len(largest) == 800 and largest[-1].fte == 400.0 and {o.role for o in largest} == {"recruitment_officer"}
    assert staffing_options(default_scenario, service, 400.5, capacity=table) == []
