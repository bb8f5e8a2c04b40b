"""Cost-game input handling: table parsing, completion by cheapest partition, limits and clear errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.fairness import (
    CostGame,
    EmptyImputationSetError,
    GameError,
    InvalidValueError,
    MissingCoalitionError,
    TooManyPlayersError,
    UnknownPlayerError,
    airport_game,
    coalition_key,
    equal_split,
    nucleolus,
    parse_coalition,
    parse_weights,
    prenucleolus,
    proportional,
    random_subadditive_game,
    scrb,
    shapley,
    shapley_sampled,
)
from model.fairness.games import MAX_LP_PLAYERS, MAX_TABLE_PLAYERS
from model.fairness.solutions import core_check


def test_keys_in_any_order_and_frozensets_give_the_same_game():
    a = CostGame.from_table({"A": 1, "B": 2, "C": 3, "B+A": 2.5, "C + A": 3.5, "C+B": 4, "C+A+B": 5})
    b = CostGame.from_table(
        {
            frozenset(k.split("+")): v
            for k, v in {"A": 1, "B": 2, "C": 3, "A+B": 2.5, "A+C": 3.5, "B+C": 4, "A+B+C": 5}.items()
        },
        players=["A", "B", "C"],
    )
    assert a.players == ("A", "B", "C")
    assert np.array_equal(a.table, b.table)
    assert a.value("A+C") == 3.5 == a.value({"C", "A"})
    assert a.mask("C+A") == 0b101
    assert a.coalition(0b110) == frozenset({"B", "C"})
    assert coalition_key({"C", "A"}, a.players) == "A+C"
    assert parse_coalition("", a.players) == frozenset()


def test_empty_coalition_may_be_given_as_zero_only():
    assert CostGame.from_table({"": 0, "A": 1, "B": 1, "A+B": 1.5}).grand_value == 1.5
    with pytest.raises(InvalidValueError, match="empty coalition"):
        CostGame.from_table({"": 1, "A": 1, "B": 1, "A+B": 1.5})


@pytest.mark.parametrize(
    ("table", "error", "text"),
    [
        ({"A": 1, "B": 1, "A+C": 2, "A+B": 2}, UnknownPlayerError, "unknown player 'C'"),
        ({"A": 1, "B": "ten", "A+B": 2}, InvalidValueError, "must be a number"),
        ({"A": 1, "B": True, "A+B": 2}, InvalidValueError, "must be a number"),
        ({"A": 1, "B": math.nan, "A+B": 2}, InvalidValueError, "finite"),
        ({"A": 1, "B": math.inf, "A+B": 2}, InvalidValueError, "finite"),
        ({"A": 1, "B": 2}, MissingCoalitionError, "grand coalition 'A\\+B' is missing"),
        ({"A": 1, "B": 1, "A+A": 2, "A+B": 2}, GameError, "names a player twice"),
        ({"A": 1, "B": 1, "A+B": 2, "B+A": 2}, GameError, "given twice"),
    ],
)
def test_bad_tables_raise_clear_errors(table, error, text):
    with pytest.raises(error, match=text):
        CostGame.from_table(table, players=["A", "B"])


def test_missing_coalition_is_named():
    with pytest.raises(MissingCoalitionError, match="coalition 'A\\+B' is missing \\(2 missing in all\\)"):
        CostGame.from_table({"A": 1, "B": 2, "C": 3, "A+C": 3, "A+B+C": 5})
    assert issubclass(MissingCoalitionError, ValueError)


def test_bad_players():
    with pytest.raises(GameError, match="contains '\\+'"):
        CostGame(["A+B", "C"], [0, 1, 1, 2])
    with pytest.raises(GameError, match="listed twice"):
        CostGame(["A", "A"], [0, 1, 1, 2])
    with pytest.raises(GameError, match="2\\*\\*n = 4"):
        CostGame(["A", "B"], [0, 1, 1])
    with pytest.raises(GameError, match="kind"):
        CostGame(["A"], [0, 1], kind="benefit")


def test_completion_by_cheapest_partition():
    # singles 5 each, A+B = 6, C+D = 7, grand 20 (kept as given although 6 + 7 = 13 is cheaper).
    # A+B+C: {A,B}+{C} = 11; A+C+D: {A}+{C,D} = 12; B+C: 10; A+B+C+D stays 20.
    table = {"A": 5, "B": 5, "C": 5, "D": 5, "A+B": 6, "C+D": 7, "A+B+C+D": 20}
    with pytest.raises(MissingCoalitionError):
        CostGame.from_table(table)
    game = CostGame.from_table(table, complete="subadditive")
    assert game.value("A+B+C") == 11
    assert game.value("A+C+D") == 12
    assert game.value("B+C") == 10
    assert game.value("A+B+C+D") == 20
    # a profit game completes with the largest total gain of a partition
    gains = CostGame.from_table({"A": 1, "B": 2, "C": 0, "A+B": 4, "A+B+C": 4}, kind="profit", complete="subadditive")
    assert gains.value("A+C") == 1 and gains.value("B+C") == 2
    with pytest.raises(MissingCoalitionError, match="no partition"):
        CostGame.from_table({"A": 1, "A+B": 2, "A+B+C": 3}, complete="subadditive")


def test_json_format():
    data = {"players": ["A", "B"], "costs": {"A": 3, "B": 4, "A+B": 6}, "type": "profit"}
    game = CostGame.from_json(data)
    assert game.kind == "profit" and game.grand_value == 6
    with pytest.raises(GameError, match="'players'"):
        CostGame.from_json({"costs": {}})
    with pytest.raises(GameError, match="'costs'"):
        CostGame.from_json({"players": ["A"], "costs": [1]})
    with pytest.raises(GameError, match="'type'"):
        CostGame.from_json({"players": ["A"], "costs": {"A": 1}, "type": "gain"})


def test_weights_validation():
    players = ["A", "B"]
    assert parse_weights({"A": 1, "B": 3}, players) == {"A": 1.0, "B": 3.0}
    with pytest.raises(UnknownPlayerError):
        parse_weights({"A": 1, "B": 1, "C": 1}, players)
    with pytest.raises(GameError, match="missing for player 'B'"):
        parse_weights({"A": 1}, players)
    with pytest.raises(InvalidValueError, match="negative"):
        parse_weights({"A": 1, "B": -1}, players)
    with pytest.raises(InvalidValueError, match="sum to zero"):
        parse_weights({"A": 0, "B": 0}, players)


def test_allocation_inputs_are_checked():
    game = CostGame.from_table({"A": 3, "B": 4, "A+B": 6})
    with pytest.raises(UnknownPlayerError):
        core_check(game, {"A": 3, "B": 3, "Z": 0})
    with pytest.raises(GameError, match="no value for player 'B'"):
        core_check(game, {"A": 6})
    with pytest.raises(GameError, match="n_permutations"):
        shapley_sampled(game, 1)


def test_nucleolus_needs_a_non_empty_imputation_set():
    # c(N) = 10 > c(A) + c(B) = 6: nobody can be charged at most its stand-alone cost
    game = CostGame.from_table({"A": 3, "B": 3, "A+B": 10})
    with pytest.raises(EmptyImputationSetError, match="prenucleolus"):
        nucleolus(game)
    assert prenucleolus(game).as_array() == pytest.approx([5.0, 5.0], abs=1e-12)


def test_size_limits_name_the_alternative():
    big = airport_game({f"p{i}": float(i + 1) for i in range(MAX_TABLE_PLAYERS + 1)})
    with pytest.raises(TooManyPlayersError, match="use shapley_sampled"):
        shapley(big)
    with pytest.raises(TooManyPlayersError, match="shapley or scrb"):
        nucleolus(big)
    with pytest.raises(TooManyPlayersError):
        core_check(big, equal_split(big))
    with pytest.raises(TooManyPlayersError):
        CostGame.from_table({"+".join(f"q{i}" for i in range(MAX_TABLE_PLAYERS + 1)): 1.0})
    mid = airport_game({f"p{i}": float(i + 1) for i in range(MAX_LP_PLAYERS + 1)})
    with pytest.raises(TooManyPlayersError, match="nucleolus needs at most"):
        nucleolus(mid)
    # methods needing only a few coalitions work at any size
    assert math.fsum(scrb(big).values()) == big.grand_value
    assert math.fsum(proportional(big, {p: 1.0 for p in big.players}).values()) == big.grand_value


def test_function_games_tabulate_consistently():
    r = {"a": 3.0, "b": 1.0, "c": 7.0, "d": 2.0}
    vectorised = airport_game(r)
    scalar = CostGame.from_function(list(r), lambda s: max((r[p] for p in s), default=0.0))
    assert not scalar.has_table
    assert scalar.value({"a", "d"}) == 3.0
    assert np.array_equal(vectorised.table, scalar.table)
    assert scalar.has_table
    assert shapley(vectorised).to_dict() == shapley(scalar).to_dict()
    with pytest.raises(InvalidValueError, match="empty coalition"):
        _ = CostGame.from_function(["a"], lambda s: 1.0).table


def test_random_subadditive_game_is_subadditive():
    for seed in range(3):
        assert random_subadditive_game(6, seed).is_subadditive()
    assert not CostGame.from_table({"A": 3, "B": 3, "A+B": 10}).is_subadditive()


def test_one_player_game():
    game = CostGame(["solo"], [0.0, 42.0])
    for method in (shapley, nucleolus, prenucleolus, scrb, equal_split):
        assert method(game).to_dict() == {"solo": 42.0}
    assert core_check(game, {"solo": 42.0}).in_core


def test_games_beyond_bitmask_range_work_through_membership_rows():
    # 100 players: more than 62, so no int64 bitmask can name a coalition
    need = {f"m{i}": float(1 + (i * 37) % 100) for i in range(100)}
    game = airport_game(need)
    assert game.grand_value == 100.0
    assert game.value({"m0", "m1"}) == max(need["m0"], need["m1"])
    assert math.fsum(scrb(game).values()) == 100.0
    scalar = CostGame.from_function(list(need), lambda s: max((need[p] for p in s), default=0.0))
    estimate = shapley_sampled(scalar, 20, seed=0)
    assert math.fsum(estimate.values()) == 100.0
    assert estimate.to_dict() == pytest.approx(shapley_sampled(game, 20, seed=0).to_dict(), abs=1e-9)
