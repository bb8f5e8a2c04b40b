"""Row generation when it stops early, rows known in advance, remembered verdicts, and the at-scale tariff path against
the exact one.

The oracle for the fast tests is a tabulated random subadditive game (``games.random_subadditive_game``) with a
brute-force separation (a scan of every proper coalition of at least two players) and the enumerated LPs of
``model.fairness.solutions``; no MILP is involved. The last test runs the whole at-scale path of ``tariff_table``
(sampled Shapley, separation MILPs, row generation) on a 6-member partnership and compares it with the enumerated
game of the same partnership."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.fairness import games, tariffs
from model.fairness import solutions as games_solutions
from model.fairness.row_generation import LeastCore, RowGenerationGame


def table_game(n: int, seed: int) -> tuple[games.CostGame, dict[frozenset[str], float]]:
    game = games.random_subadditive_game(n, seed=seed)
    names = list(game.players)
    table = {
        frozenset(names[b] for b in range(n) if mask >> b & 1): float(game.table[mask]) for mask in range(1, 1 << n)
    }
    return game, table


def brute_force_rowgen(game: games.CostGame, table: dict[frozenset[str], float]) -> RowGenerationGame:
    names = tuple(game.players)
    n = len(names)

    def separate(x):
        best, best_excess = None, -math.inf
        for coalition, cost in table.items():
            if 2 <= len(coalition) <= n - 1:
                excess = math.fsum(x[p] for p in coalition) - cost
                if excess > best_excess:
                    best, best_excess = coalition, excess
        return best, best_excess

    return RowGenerationGame(names, lambda s: table[frozenset(s)], separate)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_bounds_of_a_least_core_stopped_early_bracket_the_enumerated_epsilon(seed: int) -> None:
    game, table = table_game(9, seed)
    exact = games_solutions.least_core_epsilon(game)
    stopped = brute_force_rowgen(game, table).least_core(max_rounds=1)
    assert not stopped.converged  # one round is not enough on these games: the bounds are what is tested
    assert stopped.lower_bound <= exact + 1e-7
    assert stopped.epsilon >= exact - 1e-7
    assert stopped.lower_bound < stopped.epsilon
    # the upper bound is the largest excess at the allocation it reports (checked by the enumerated core check)
    assert games_solutions.core_check(game, stopped.allocation).max_excess == pytest.approx(stopped.epsilon, abs=1e-7)
    full = brute_force_rowgen(game, table).least_core(max_rounds=200)
    assert full.converged
    assert full.epsilon == pytest.approx(exact, abs=1e-6)
    assert full.lower_bound == pytest.approx(exact, abs=1e-6)
    assert full.core_nonempty == (exact <= full.tolerance)


def test_core_emptiness_is_settled_by_the_bounds_alone() -> None:
    assert LeastCore(-3.0, -10.0, {}, 2, False, 1e-3).core_nonempty is True  # an allocation in the core was found
    assert LeastCore(5.0, 2.0, {}, 2, False, 1e-3).core_nonempty is False  # even the relaxation needs epsilon > 0
    assert LeastCore(5.0, -2.0, {}, 2, False, 1e-3).core_nonempty is None  # straddles 0: not settled
    assert LeastCore(5e-4, 5e-4, {}, 2, True, 1e-3).core_nonempty is True  # on the boundary within tolerance


def test_known_rows_save_separation_rounds() -> None:
    game, table = table_game(8, 4)
    cold = brute_force_rowgen(game, table)
    cold_result = cold.least_core()
    warm = brute_force_rowgen(game, table)
    added = warm.add_rows(table)
    assert added == 2**8 - 2 - 8  # every proper coalition except the singletons already there
    warm_result = warm.least_core()
    assert warm_result.epsilon == pytest.approx(cold_result.epsilon, abs=1e-9)
    assert warm.separations == 1  # one separation proves the LP over every row optimal
    assert cold.separations > 1


def test_a_verdict_already_computed_costs_no_new_separation() -> None:
    game, table = table_game(7, 5)
    rowgen = brute_force_rowgen(game, table)
    equal = {p: game.grand_value / 7 for p in game.players}
    first = rowgen.core_verdict(equal)
    assert rowgen.separations == 1
    again = rowgen.core_verdict(dict(equal))
    assert rowgen.separations == 1
    assert again == first
    exact = games_solutions.core_check(game, equal)
    assert first.in_core == exact.in_core
    assert first.excess_gbp == pytest.approx(exact.max_excess, abs=1e-9)


def test_the_core_sentence_says_what_is_known() -> None:
    exact = {"least_core_epsilon_gbp_per_year": -1234.4, "core_nonempty": True}
    assert tariffs.core_sentence(exact) == "The core is not empty (least-core epsilon GBP -1,234)."
    empty = {"least_core_epsilon_gbp_per_year": 10.0, "core_nonempty": False}
    assert tariffs.core_sentence(empty).startswith("The core is EMPTY")
    bounded = {
        "least_core_epsilon_gbp_per_year": None,
        "least_core_epsilon_bounds_gbp_per_year": [-5000.0, -20.0],
        "core_nonempty": True,
    }
    assert tariffs.core_sentence(bounded) == (
        "The core is not empty: the least-core epsilon lies between GBP -5,000 and GBP -20 (row generation stopped "
        "at its round budget), so a tariff in the core exists."
    )
    open_question = dict(bounded, least_core_epsilon_bounds_gbp_per_year=[-5000.0, 700.0], core_nonempty=None)
    assert tariffs.core_sentence(open_question).startswith("Whether the core is empty is not settled")
    legacy_nan = {"least_core_epsilon_gbp_per_year": math.nan, "core_nonempty": None}
    assert "not computed" in tariffs.core_sentence(legacy_nan)


def test_the_at_scale_path_agrees_with_the_enumerated_game(monkeypatch: pytest.MonkeyPatch) -> None:
    """``tariff_table`` on a 6-member partnership, once exact (63 coalitions enumerated) and once with the at-scale
    path forced (sampled Shapley, separation MILPs, row generation): same c(N) split per capita and by activity, same
    least core, closest core and core verdicts, and the exact Shapley value inside the sampled intervals."""
    from model.fairness import tariffs_at_scale
    from model.optimisation.coalitions import clear_cache, coalition_costs, synthetic_partnership

    scenario = synthetic_partnership(6, seed=11)
    clear_cache()
    exact = tariffs.tariff_table(scenario, workers=1)
    monkeypatch.setattr(tariffs_at_scale, "EXACT_MAX_MEMBERS", 4)
    scaled = tariffs.tariff_table(scenario, workers=1, scale_options={"seed": 3})
    assert "sampled" in scaled.core["methods_used"]["shapley"]
    assert exact.core.get("methods_used") is None
    a = exact.by_member.set_index("member")
    b = scaled.by_member.set_index("member")
    for column in ("per_capita", "activity_based", "stand_alone"):
        np.testing.assert_allclose(b[column], a[column], atol=0.01)
    np.testing.assert_allclose(b["closest_core"], a["closest_core"], atol=1.0)
    assert scaled.core["least_core_epsilon_gbp_per_year"] == pytest.approx(
        exact.core["least_core_epsilon_gbp_per_year"], abs=1.0
    )
    assert scaled.core["core_nonempty"] == exact.core["core_nonempty"]
    table = coalition_costs(scenario, workers=1)
    for method in ("per_capita", "activity_based", "closest_core", "nucleolus", "shapley"):
        found, enumerated = scaled.core["methods"][method], exact.core["methods"][method]
        if method != "shapley":  # sampled Shapley is not the exact one: its verdict is checked below
            assert found["in_core"] == enumerated["in_core"], method
        tariff = b[method]
        excess = sum(tariff[m] for m in found["worst_coalition"]) - table[frozenset(found["worst_coalition"])]
        assert found["excess_gbp_per_year"] == pytest.approx(excess, abs=0.01), method  # the named coalition's own
        worst = max(sum(tariff[m] for m in s) - cost for s, cost in table.items() if len(s) < 6)
        if found["in_core"]:  # proven: the largest excess over every coalition
            assert found["excess_gbp_per_year"] == pytest.approx(worst, abs=1.0), method
        else:  # a coalition that would leave (saving more than the tolerance), not necessarily the one saving most
            assert 0 < found["excess_gbp_per_year"] <= worst + 1.0, method
    half = b["shapley_half_width"]
    assert (half > 0).all()
    assert ((b["shapley"] - a["shapley"]).abs() <= half).all()


def test_at_scale_verdicts_of_tariffs_outside_the_core_name_a_coalition_that_would_leave() -> None:
    """The at-scale columns for tariffs moved out of the core (per capita with money moved between members): each
    verdict agrees with the enumerated check, names a coalition whose own excess (from the enumerated table) is the
    one reported and above the tolerance, and ``also_check`` tariffs are answered by the checker without another
    separation."""
    from model.fairness import tariffs_at_scale
    from model.optimisation.coalitions import clear_cache, coalition_costs, synthetic_partnership

    scenario = synthetic_partnership(6, seed=11)
    clear_cache()
    table = coalition_costs(scenario, workers=1)
    names = tuple(scenario.member_names)
    grand = table[frozenset(names)]
    heads = {m.name: m.headcount for m in scenario.members}
    per_head = {m: grand * heads[m] / sum(heads.values()) for m in names}

    def moved(share: float, giver: int, taker: int) -> dict[str, float]:
        x = dict(per_head)
        x[names[giver]] -= share * x[names[giver]]
        x[names[taker]] += share * per_head[names[giver]]
        return x

    outside = {"a": moved(0.4, 0, 1), "b": moved(0.3, 2, 4), "c": moved(0.05, 3, 5)}
    columns = tariffs_at_scale.game_columns(
        scenario, names, outside["a"], outside["b"], workers=1, seed=3, also_check={"c": outside["c"]}
    )
    separations = columns.checker.separations
    checked = {"a": columns.verdicts["per_capita"], "b": columns.verdicts["activity_based"]}
    checked["c"] = columns.checker.core_verdict(outside["c"])
    assert columns.checker.separations == separations  # remembered, not solved again
    leaving = 0
    for label, verdict in checked.items():
        x = outside[label]
        excesses = {s: sum(x[m] for m in s) - cost for s, cost in table.items() if len(s) < len(names)}
        worst = max(excesses.values())
        assert verdict.in_core == (worst <= verdict.tolerance_gbp), label
        assert verdict.excess_gbp == pytest.approx(excesses[verdict.worst_coalition], abs=0.01), label
        if verdict.in_core:
            assert verdict.excess_gbp == pytest.approx(worst, abs=1.0), label
        else:
            leaving += 1
            assert verdict.tolerance_gbp < verdict.excess_gbp <= worst + 1e-6, label
    assert leaving >= 2  # the out-of-core branch is what this test is for
