"""The nucleolus by constraint generation (``model.fairness.nucleolus_generation``, the default) against the
enumerating solver (every coalition in every LP, ``algorithm="enumeration"``), published worked examples and, when
installed, coopgame-py 0.3 (an independent Rust implementation; a benchmark reference only, never a dependency).

Agreement is asserted to ``1e-10 * max |c(S)|`` (relative to the game's scale, since shares are in pounds).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.fairness import CostGame, airport_game, random_subadditive_game
from model.fairness import nucleolus_generation as generation
from model.fairness.games import EmptyImputationSetError, GameError
from model.fairness.solutions import nucleolus, per_capita_nucleolus, prenucleolus

SOLVERS = (nucleolus, prenucleolus, per_capita_nucleolus)


def assert_same(game: CostGame, solver) -> None:
    generated = solver(game)
    enumerated = solver(game, algorithm="enumeration")
    assert generated.info["algorithm"] == "generation"
    assert enumerated.info["algorithm"] == "enumeration"
    difference = np.max(np.abs(generated.as_array() - enumerated.as_array()))
    assert difference <= 1e-10 * game._scale(), (solver.__name__, difference)
    assert math.fsum(generated.values()) == game.grand_value


def cheapest_partition_closure(costs: list[float], n: int) -> list[float]:
    best = list(costs)
    for s in range(1, 1 << n):
        sub = (s - 1) & s
        while sub:
            best[s] = min(best[s], best[sub] + best[s ^ sub])
            sub = (sub - 1) & s
    return best


@pytest.mark.parametrize("n", [5, 7, 9, 12])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equal_to_the_enumerating_solver_on_random_subadditive_games(n, seed):
    game = random_subadditive_game(n, seed=seed)
    for solver in SOLVERS:
        assert_same(game, solver)


def test_uses_far_fewer_rows_than_coalitions():
    game = random_subadditive_game(12, seed=3)
    result = nucleolus(game)
    assert (
        result.info["coalition_rows"]
        < 400
        < (1 << 12) - 2
        == nucleolus(game, algorithm="enumeration").info["coalition_rows"]
    )


@pytest.mark.parametrize("n", [6, 9, 11])
def test_degenerate_games_with_ties(n):
    players = [f"P{i}" for i in range(n)]
    # car sharing (4 a car) plus a set-up cost: empty core, whole families of coalitions tied at every level
    cars = CostGame(
        players, [10 * math.ceil(bin(m).count("1") / 4) + 0.5 * bin(m & 0b111).count("1") for m in range(1 << n)]
    )
    symmetric = CostGame(players, [math.sqrt(bin(m).count("1")) for m in range(1 << n)])  # every player alike
    rng = np.random.default_rng(n)
    requirements = rng.integers(1, 4, n).astype(float)  # airport game with repeated requirements
    airport = airport_game({p: requirements[i] for i, p in enumerate(players)})
    for game in (cars, symmetric, airport):
        for solver in SOLVERS:
            assert_same(game, solver)
    assert nucleolus(symmetric).as_array() == pytest.approx(np.full(n, math.sqrt(n) / n), rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_small_integer_games_closed_under_cheapest_partition(seed):
    rng = np.random.default_rng(seed)
    n = 6
    raw = rng.integers(1, 6, 1 << n).astype(float)  # few distinct values: many ties
    costs = [0.0] + [raw[s] * (1 + bin(s).count("1")) / 2 for s in range(1, 1 << n)]
    game = CostGame([f"p{i}" for i in range(n)], cheapest_partition_closure(costs, n))
    for solver in SOLVERS:
        assert_same(game, solver)


def test_published_worked_examples():
    # three-player cost game worked by hand in tests/test_games_hand.py: nucleolus (8.5, 17.25, 25.25) with excess
    # levels -1.5 then -2.25; per-capita nucleolus (9, 17, 25)
    game = CostGame.from_table({"1": 10, "2": 20, "3": 30, "1+2": 28, "1+3": 36, "2+3": 44, "1+2+3": 51})
    result = nucleolus(game)
    assert result.as_array() == pytest.approx([8.5, 17.25, 25.25], abs=1e-12)
    assert result.info["excess_levels"] == pytest.approx([-1.5, -2.25], abs=1e-12)
    assert per_capita_nucleolus(game).as_array() == pytest.approx([9, 17, 25], abs=1e-12)
    # airport game r = (2, 9, 29) (Littlechild & Owen 1973): nucleolus (1, 4, 24)
    airport = airport_game({"s": 2, "m": 9, "l": 29})
    assert nucleolus(airport).as_array() == pytest.approx([1, 4, 24], abs=1e-12)


def test_empty_imputation_set_and_unknown_algorithm_are_clear_errors():
    game = CostGame.from_table({"a": 4, "b": 4, "a+b": 10})
    with pytest.raises(EmptyImputationSetError, match="prenucleolus"):
        nucleolus(game)
    assert prenucleolus(game).as_array() == pytest.approx([5.0, 5.0], abs=1e-12)
    with pytest.raises(GameError, match="unknown nucleolus algorithm"):
        nucleolus(game, algorithm="simplex")


def test_falls_back_to_enumeration_with_a_note_when_generation_does_not_converge(monkeypatch):
    game = random_subadditive_game(8, seed=5)
    real = generation.generated_nucleolus

    def one_round(*args, **kwargs):
        return real(*args, **{**kwargs, "max_rounds": 1, "first": 1, "batch": 1})

    monkeypatch.setattr("model.fairness.solutions.generated_nucleolus", one_round)
    result = nucleolus(game)
    assert result.info["algorithm"] == "enumeration"
    assert "did not converge" in result.notes[0]
    assert result.as_array() == pytest.approx(nucleolus(game, algorithm="enumeration").as_array(), abs=1e-12)


@pytest.mark.parametrize("n", [8, 13])
def test_agrees_with_coopgame_py_when_installed(n):
    coopgame = pytest.importorskip("coopgame")
    game = random_subadditive_game(n, seed=7)
    reference = np.array(coopgame.cost_nucleolus(coopgame.Game(list(game.table[1:]))), dtype=np.float64)
    assert np.max(np.abs(nucleolus(game).as_array() - reference)) <= 1e-10 * game._scale()
