"""Property tests (hypothesis) of the cost-game allocations on random subadditive games with 2..6 players.

Games are drawn as arbitrary positive costs and closed under cheapest partition (c(S) = min over partitions of S of
the summed costs), which makes them subadditive; the draws mix empty and non-empty cores.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from model.fairness import (
    CostGame,
    closest_core_allocation,
    equal_split,
    excesses,
    least_core,
    least_core_epsilon,
    nucleolus,
    per_capita_nucleolus,
    prenucleolus,
    proportional,
    scrb,
    shapley,
    shapley_sampled,
)
from model.fairness.solutions import core_check

TOL = 1e-7  # absolute, on games whose costs are at most a few hundred
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def partition_closure(costs: list[float], n: int) -> list[float]:
    """Cheapest-partition closure by plain submask enumeration (independent of the library's completion code)."""
    best = list(costs)
    for s in range(1, 1 << n):
        sub = (s - 1) & s
        while sub:
            best[s] = min(best[s], best[sub] + best[s ^ sub])
            sub = (sub - 1) & s
    return best


@st.composite
def subadditive_games(draw, min_n: int = 2, max_n: int = 6) -> CostGame:
    n = draw(st.integers(min_n, max_n))
    raw = draw(st.lists(st.integers(1, 40), min_size=(1 << n) - 1, max_size=(1 << n) - 1))
    costs = [0.0] + [float(v) * (1 + bin(s).count("1")) / 2 for s, v in enumerate(raw, start=1)]
    return CostGame([f"p{i}" for i in range(n)], partition_closure(costs, n))


def all_methods(game: CostGame):
    weights = {p: float(i + 1) for i, p in enumerate(game.players)}
    return {
        "shapley": shapley(game),
        "nucleolus": nucleolus(game),
        "prenucleolus": prenucleolus(game),
        "per_capita_nucleolus": per_capita_nucleolus(game),
        "least_core": least_core(game),
        "scrb": scrb(game),
        "equal_split": equal_split(game),
        "proportional": proportional(game, weights),
        "closest_core": closest_core_allocation(game, equal_split(game)),
    }


def sorted_excesses(game: CostGame, allocation) -> np.ndarray:
    values = excesses(game, allocation)[1:-1]
    return np.sort(values)[::-1]


def lex_leq(a: np.ndarray, b: np.ndarray, tol: float = TOL) -> bool:
    """a <= b lexicographically, treating differences below tol as ties."""
    for x, y in zip(a, b, strict=True):
        if x < y - tol:
            return True
        if x > y + tol:
            return False
    return True


@SETTINGS
@given(subadditive_games())
def test_budget_balance_is_exact_and_core_methods_land_in_a_nonempty_core(game):
    assert game.is_subadditive()
    allocations = all_methods(game)
    for allocation in allocations.values():
        assert math.fsum(allocation.values()) == game.grand_value, allocation.method
    epsilon = least_core_epsilon(game)
    if epsilon <= 1e-9:
        for name in ("nucleolus", "prenucleolus", "per_capita_nucleolus", "least_core", "closest_core"):
            assert core_check(game, allocations[name], tol=1e-9).in_core, name
        assert allocations["nucleolus"].as_array() == pytest.approx(allocations["prenucleolus"].as_array(), abs=TOL)
    else:
        assert allocations["closest_core"].info["core_empty"]
        assert core_check(game, allocations["closest_core"]).max_excess == pytest.approx(epsilon, abs=TOL)
    # the prenucleolus and the least-core point reach the least-core value
    for name in ("prenucleolus", "least_core"):
        assert core_check(game, allocations[name]).max_excess == pytest.approx(epsilon, abs=TOL)
    # imputation bounds x_i <= c({i}) for the nucleolus
    singles = np.array([game.value([p]) for p in game.players])
    assert np.all(allocations["nucleolus"].as_array() <= singles + TOL)


@SETTINGS
@given(subadditive_games(), st.data())
def test_nucleolus_is_lexicographically_minimal_among_candidate_imputations(game, data):
    nuc = nucleolus(game)
    ours = sorted_excesses(game, nuc)
    singles = np.array([game.value([p]) for p in game.players])
    candidates = [shapley(game), scrb(game), closest_core_allocation(game, equal_split(game)), prenucleolus(game)]
    # random imputations: x = singles - savings shares, savings split by random weights
    saving = singles.sum() - game.grand_value
    for _ in range(5):
        w = np.array(data.draw(st.lists(st.floats(0.01, 1.0), min_size=game.n, max_size=game.n)))
        candidates.append(dict(zip(game.players, singles - saving * w / w.sum(), strict=True)))
    for candidate in candidates:
        x = np.array([candidate[p] for p in game.players])
        if np.all(x <= singles + 1e-12):
            assert lex_leq(ours, sorted_excesses(game, candidate))
    pre = sorted_excesses(game, prenucleolus(game))
    for candidate in candidates:
        assert lex_leq(pre, sorted_excesses(game, candidate))


def swap_players(mask: int, i: int, j: int) -> int:
    bi, bj = (mask >> i) & 1, (mask >> j) & 1
    if bi != bj:
        mask ^= (1 << i) | (1 << j)
    return mask


@SETTINGS
@given(subadditive_games())
def test_symmetric_players_get_equal_shares(game):
    # average the game with its image under swapping players 0 and 1: still subadditive, and 0, 1 symmetric
    table = game.table
    swapped = np.array([table[swap_players(m, 0, 1)] for m in range(1 << game.n)])
    sym = CostGame(game.players, (table + swapped) / 2)
    for name, allocation in all_methods(sym).items():
        if name == "proportional":
            continue  # weights differ on purpose
        assert allocation["p0"] == pytest.approx(allocation["p1"], abs=TOL), name


@SETTINGS
@given(subadditive_games(max_n=5), st.integers(1, 30))
def test_dummy_player_gets_its_stand_alone_cost(game, dummy_cost):
    table = np.concatenate([game.table, game.table + dummy_cost])
    extended = CostGame([*game.players, "dummy"], table)
    for method in (shapley, nucleolus, prenucleolus, scrb):
        allocation = method(extended)
        assert allocation["dummy"] == pytest.approx(dummy_cost, abs=TOL), allocation.method
        base = method(game)
        for p in game.players:
            assert allocation[p] == pytest.approx(base[p], abs=TOL), allocation.method


@SETTINGS
@given(subadditive_games(), st.integers(0, 2**32 - 1))
def test_shapley_is_additive_and_matches_enumeration_of_orders(game, seed):
    other = CostGame(
        game.players, np.random.default_rng(seed).uniform(0, 10, 1 << game.n) * (np.arange(1 << game.n) > 0)
    )
    total = shapley(game + other).as_array()
    assert total == pytest.approx(shapley(game).as_array() + shapley(other).as_array(), abs=TOL)
    if game.n <= 5:  # brute force over all n! orders of arrival
        phi = np.zeros(game.n)
        orders = list(itertools.permutations(range(game.n)))
        for order in orders:
            mask = 0
            for i in order:
                phi[i] += game.table[mask | (1 << i)] - game.table[mask]
                mask |= 1 << i
        assert shapley(game).as_array() == pytest.approx(phi / len(orders), abs=TOL)


@SETTINGS
@given(subadditive_games())
def test_profit_game_is_the_negated_cost_game(game):
    profit = CostGame(game.players, -game.table, kind="profit")
    costs = all_methods(game)
    gains = all_methods(profit)
    for name in costs:
        assert gains[name].as_array() == pytest.approx(-costs[name].as_array(), abs=TOL), name
        assert math.fsum(gains[name].values()) == profit.grand_value
        check_cost, check_profit = core_check(game, costs[name]), core_check(profit, gains[name])
        assert check_profit.max_excess == pytest.approx(check_cost.max_excess, abs=TOL)
        assert check_profit.in_core == check_cost.in_core
    assert least_core_epsilon(profit) == pytest.approx(least_core_epsilon(game), abs=TOL)


def closest_max_deviation_lp(game: CostGame, reference: np.ndarray, epsilon: float) -> float:
    """Independent single LP (scipy): min d s.t. |x_i - r_i| <= d, x(S) - c(S) <= epsilon, sum x = c(N)."""
    n = game.n
    rows, rhs = [], []
    for mask in range(1, (1 << n) - 1):
        rows.append([(mask >> i) & 1 for i in range(n)] + [0])
        rhs.append(game.table[mask] + epsilon)
    for i in range(n):
        up = [0] * (n + 1)
        up[i], up[n] = 1, -1
        down = [0] * (n + 1)
        down[i], down[n] = -1, -1
        rows += [up, down]
        rhs += [reference[i], -reference[i]]
    result = linprog(
        c=[0] * n + [1],
        A_ub=rows,
        b_ub=rhs,
        A_eq=[[1] * n + [0]],
        b_eq=[game.grand_value],
        bounds=[(None, None)] * (n + 1),
        method="highs",
    )
    assert result.status == 0
    return float(result.fun)


@SETTINGS
@given(subadditive_games(), st.data())
def test_closest_core_allocation_minimises_the_largest_deviation(game, data):
    reference = np.array(data.draw(st.lists(st.floats(0, 60), min_size=game.n, max_size=game.n)))
    closest = closest_core_allocation(game, dict(zip(game.players, reference, strict=True)))
    epsilon = max(least_core_epsilon(game), 0.0)
    expected = closest_max_deviation_lp(game, reference, epsilon + 1e-9)
    assert closest.info["max_deviation"] == pytest.approx(expected, abs=1e-6)
    assert core_check(game, closest).max_excess <= epsilon + 1e-7


def reference_nucleolus(game: CostGame) -> np.ndarray:
    """Slow, dual-free sequential LP nucleolus with scipy: a coalition is fixed at stage level t when minimising
    its own excess over the optimal face still gives t (one extra LP per coalition). Imputation bounds on."""
    n = game.n
    c = game.table
    proper = list(range(1, (1 << n) - 1))
    row = {m: [float((m >> i) & 1) for i in range(n)] for m in proper}
    fixed: dict[int, float] = {}
    bounds = [(None, c[1 << i]) for i in range(n)]
    x = None
    while len(fixed) < len(proper):
        free = [m for m in proper if m not in fixed]
        a_ub = [[*row[m], -1.0] for m in free]
        b_ub = [c[m] for m in free]
        a_eq = [[1.0] * n + [0.0]] + [[*row[m], 0.0] for m in fixed]
        b_eq = [c[-1]] + [c[m] + t for m, t in fixed.items()]
        stage = linprog([0.0] * n + [1.0], a_ub, b_ub, a_eq, b_eq, [*bounds, (None, None)], method="highs")
        assert stage.status == 0
        level = stage.fun
        x = stage.x[:n]
        newly = []
        for m in free:
            face_ub = [r[:n] for r in a_ub]
            face_b = [b + level + 1e-10 for b in b_ub]
            res = linprog(row[m], face_ub, face_b, [r[:n] for r in a_eq], b_eq, bounds, method="highs")
            if res.fun - c[m] >= level - 1e-8:
                newly.append(m)
        assert newly
        for m in newly:
            fixed[m] = level
    return np.asarray(x)


@settings(max_examples=15, deadline=None)
@given(subadditive_games(max_n=4))
def test_nucleolus_matches_a_slow_independent_implementation(game):
    assert nucleolus(game).as_array() == pytest.approx(reference_nucleolus(game), abs=1e-6)


@settings(max_examples=15, deadline=None)
@given(subadditive_games(), st.integers(0, 1000))
def test_sampled_shapley_is_balanced_and_close(game, seed):
    """Sampled Shapley (400 orders) of random subadditive games is budget balanced exactly and within 6 of its own
    estimated SEs of the exact value.

    Power (issue 12): a property check across many games, not a sharp test. False alarms: 2 (1 - Phi(6)) = 2e-9
    per player and example for a normal mean (an SE estimated from 400 marginals is itself off by about 3.5%, which
    moves this to at most 1e-8); 15 examples of up to 6 players: at most about 1e-6 per run. Smallest bias caught with
    probability 0.9: (6 + 1.282) SE = 7.3 SE of each game's own estimate (games and seeds are drawn by Hypothesis,
    so the SE varies; a bias is caught in every example where it exceeds 7.3 SE)."""
    estimate = shapley_sampled(game, 400, seed=seed)
    assert math.fsum(estimate.values()) == game.grand_value
    exact = shapley(game).as_array()
    stderr = np.array(list(estimate.stderr.values()))
    assert np.all(np.abs(estimate.as_array() - exact) <= 6 * stderr + 1e-9)
