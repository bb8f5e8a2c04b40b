"""Row generation with cheap rounds (issue 15, the regional run in under 10 minutes): loose rows whose cost is only an
upper bound of c(S), verdicts answered by a row already known, and a least core bounded from above by the tariffs
already checked.

The oracle is a tabulated random subadditive game (``games.random_subadditive_game``) with a brute-force separation
that imitates the separation MILP's early stop: with ``at_least`` it returns the FIRST coalition (in a fixed scan
order) whose excess reaches it, and with ``exact=False`` it reports that coalition's excess at an inflated cost (the
"catalogue found", up to 30% dearer than c(S)), so every answer the game gives from such rounds is checked against the
enumerated LPs of ``model.fairness.solutions``, which nobody here tuned to this code."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_row_generation_bounds import table_game

from model.fairness import solutions as games_solutions
from model.fairness.row_generation import RowGenerationGame
from model.fairness.tariffs import core_sentence
from model.fairness.tariffs_at_scale import finite_or_none, least_core_bounds_sentence


class EarlyStoppingOracle:
    """A separation that stops at the first coalition reaching ``at_least`` (scan order: a seeded shuffle) and, with
    ``exact=False``, prices it at c(S) x (1 + u), u uniform in [0, 0.3): what the MILP's incumbent catalogue costs.
    Counts its calls by kind."""

    def __init__(self, table: dict[frozenset[str], float], n: int, seed: int) -> None:
        proper = [s for s in table if 2 <= len(s) <= n - 1]
        order = np.random.default_rng(seed).permutation(len(proper))
        self.order = [proper[i] for i in order]
        self.table = table
        self.markup = dict(
            zip(self.order, 1.0 + 0.3 * np.random.default_rng(seed + 1).random(len(proper)), strict=True)
        )
        self.calls = {"exact": 0, "loose": 0}

    def __call__(self, x, at_least=None, exact=True):
        self.calls["exact" if exact else "loose"] += 1
        best, best_excess = None, -math.inf
        for coalition in self.order:
            true_excess = math.fsum(x[p] for p in coalition) - self.table[coalition]
            if at_least is not None and true_excess >= at_least:
                cost = self.table[coalition] if exact else self.table[coalition] * self.markup[coalition]
                reported = math.fsum(x[p] for p in coalition) - cost
                if reported >= at_least or exact:
                    return coalition, reported, False  # stopped early: not proven the largest
            if true_excess > best_excess:
                best, best_excess = coalition, true_excess
        return best, best_excess, True  # a complete search: the largest, at its exact cost


def cheap_game(table: dict[frozenset[str], float], players: tuple[str, ...], seed: int) -> RowGenerationGame:
    oracle = EarlyStoppingOracle(table, len(players), seed)
    return RowGenerationGame(
        players,
        lambda s: table[frozenset(s)],
        oracle,
        reprice=False,
        first_violation=True,
        cheap_rows=True,
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 5])
def test_least_and_closest_core_from_loose_rows_equal_the_enumerated_ones(seed: int) -> None:
    """Power: a least-core epsilon or a closest-core share wrong by more than 1e-6 of c(N) fails (pounds of a
    c(N) of about 1e3 here); the loose rows are up to 30% dear, so a loop that trusted them would stop at a wrong LP
    answer, and a loop that never tightened them would not converge."""
    game, table = table_game(9, seed)
    players = tuple(game.players)
    cheap = cheap_game(table, players, seed)
    least = cheap.least_core(max_rounds=400)
    assert least.converged
    exact = games_solutions.least_core_epsilon(game)
    scale = abs(table[frozenset(players)])
    assert least.epsilon == pytest.approx(exact, abs=1e-6 * scale)
    assert cheap.separate.calls["loose"] > 0 and cheap.loose  # loose rows were used on the way
    assert all(table[s] <= cost + 1e-9 for s, cost in cheap.rows.items())  # a row never claims less than c(S)
    assert cheap.exact_rows() == {s: table[s] for s in cheap.rows if s not in cheap.loose}
    reference = {p: scale / len(players) for p in players}
    closest, bound = cheap.closest_core(reference, max_rounds=400)
    enumerated = games_solutions.closest_core_allocation(game, reference).to_dict()
    assert bound == pytest.approx(max(exact, 0.0), abs=1e-6 * scale)
    assert [closest[p] for p in players] == pytest.approx([enumerated[p] for p in players], abs=1e-6 * scale)


def test_a_known_row_that_breaks_a_tariff_answers_its_verdict_without_a_separation() -> None:
    game, table = table_game(8, 3)
    players = tuple(game.players)
    cheap = cheap_game(table, players, 3)
    grand = table[frozenset(players)]
    pair = frozenset(players[:2])
    cheap.add_rows({pair: table[pair]})
    # the pair pays its own cost plus 100 (each share raised by 50; the others pay the rest): it would leave
    x = dict.fromkeys(players, 0.0)
    x[players[0]] = table[pair] / 2 + 50.0
    x[players[1]] = table[pair] / 2 + 50.0
    rest = (grand - x[players[0]] - x[players[1]]) / (len(players) - 2)
    for p in players[2:]:
        x[p] = rest
    before = cheap.separations
    verdict = cheap.core_verdict(x)
    assert cheap.separations == before  # no separation: the known row answered
    assert not verdict.in_core
    known_worst = max(
        (s for s in cheap.rows), key=lambda s: (math.fsum(x[p] for p in s) - cheap.rows[s], -len(s))
    )  # the largest excess among the known rows, which the verdict names
    assert verdict.worst_coalition == known_worst
    assert verdict.excess_gbp == pytest.approx(math.fsum(x[p] for p in known_worst) - table[known_worst])
    assert verdict.excess_gbp >= 100.0 - 1e-9
    # the same verdict from the enumerated check: outside the core, by at least the known excess
    enumerated = games_solutions.core_check(game, x)
    assert not enumerated.in_core and enumerated.max_excess >= verdict.excess_gbp - 1e-9


def test_a_loose_row_never_answers_a_verdict_and_is_tightened_by_an_exact_one() -> None:
    game, table = table_game(6, 0)
    players = tuple(game.players)
    cheap = cheap_game(table, players, 0)
    trio = frozenset(players[:3])
    cheap._set_row(trio, table[trio] + 500.0, loose=True)
    cheap._set_row(trio, table[trio] + 900.0, loose=True)  # a dearer upper bound does not replace a cheaper one
    assert cheap.rows[trio] == table[trio] + 500.0 and trio in cheap.loose
    x = {p: 1e6 if p in trio else 0.0 for p in players}
    assert cheap._known_violation(x, 1.0)[0] != trio  # loose rows are not used
    changes = cheap.row_changes
    cheap.add_rows({trio: table[trio]})
    assert cheap.rows[trio] == table[trio] and trio not in cheap.loose and cheap.row_changes == changes + 1
    cheap._set_row(trio, table[trio] - 1.0, loose=True)  # an exact row is never replaced
    assert cheap.rows[trio] == table[trio] and trio not in cheap.loose


def test_merging_a_fork_keeps_the_tighter_rows_and_proven_verdicts() -> None:
    game, table = table_game(6, 1)
    players = tuple(game.players)
    main = cheap_game(table, players, 1)
    pair, trio = frozenset(players[:2]), frozenset(players[2:5])
    main._set_row(pair, table[pair] + 10.0, loose=True)
    twin = main.fork()
    twin.add_rows({pair: table[pair]})
    twin._set_row(trio, table[trio] + 3.0, loose=True)
    twin.separations = 4
    main.merge(twin)
    assert main.rows[pair] == table[pair] and pair not in main.loose
    assert main.rows[trio] == table[trio] + 3.0 and trio in main.loose
    assert main.separations == 4


def test_a_proven_verdict_of_a_budget_balanced_tariff_bounds_the_least_core_from_above() -> None:
    """The at-scale run checks per-capita, activity-based and today's tariffs before the least core: a complete
    search at a budget-balanced tariff proves its largest excess, an upper bound of epsilon*, kept even when the
    least core stops after one round (it would otherwise report no upper bound)."""
    game, table = table_game(9, 2)
    players = tuple(game.players)
    cheap = cheap_game(table, players, 2)
    grand = table[frozenset(players)]
    equal = {p: grand / len(players) for p in players}
    cheap.first_violation = False  # a complete search: proven
    cheap.worst(equal)
    proven = games_solutions.core_check(game, equal).max_excess
    cheap.first_violation = True
    stopped = cheap.least_core(max_rounds=1)
    exact = games_solutions.least_core_epsilon(game)
    assert not stopped.converged
    assert stopped.epsilon == pytest.approx(proven, abs=1e-7) and stopped.epsilon >= exact - 1e-7
    assert stopped.allocation == pytest.approx(equal)
    more = cheap.least_core(max_rounds=1)  # goes on: rounds count across calls, bounds never loosen
    assert more.rounds == 2 and more.lower_bound >= stopped.lower_bound and more.epsilon <= stopped.epsilon


def test_unknown_bounds_are_said_in_words_and_null_in_json() -> None:
    from model.fairness.row_generation import LeastCore

    unknown_upper = LeastCore(math.inf, -55_282.4, {}, 16, False, 1.0)
    sentence = least_core_bounds_sentence(unknown_upper)
    assert "16 separation rounds" in sentence and "GBP -55,282 and an unknown upper bound" in sentence
    assert "not settled" in sentence and "not computed" in sentence
    assert least_core_bounds_sentence(LeastCore(-3.0, -9.0, {}, 2, False, 1.0)).count("not empty") == 1
    assert finite_or_none(math.inf) is None and finite_or_none(-2.5) == -2.5
    core = {"least_core_epsilon_gbp_per_year": None, "core_nonempty": None}
    assert "at least GBP -55,282" in core_sentence(
        {**core, "least_core_epsilon_bounds_gbp_per_year": [-55_282.4, None]}
    )
    assert "at most GBP 13,906" in core_sentence({**core, "least_core_epsilon_bounds_gbp_per_year": [None, 13_906.0]})
    assert "not computed" in core_sentence({**core, "least_core_epsilon_bounds_gbp_per_year": [None, None]})
