"""Row generation, the separation MILP, pruned pool menus and sampled Shapley against the enumerated coalition table of
a synthetic 7-member partnership (127 coalitions, the oracle): core verdicts, least core, closest core, the
nucleolus' first level, coverage of the sampled intervals, and identical results on 1 or 2 processes and Dask."""

from __future__ import annotations

import random

import numpy as np
import pytest

from model.fairness import games
from model.fairness import solutions as games_solutions
from model.fairness.row_generation import RowGenerationGame
from model.fairness.shapley_sampling import cyclic_block, sampled_shapley
from model.optimisation.catalogue_instance import build_instance, profitable_bundles_only
from model.optimisation.coalition_oracle import CoalitionOracle
from model.optimisation.coalitions import clear_cache, coalition_costs, synthetic_partnership
from model.optimisation.fast_coalitions import prune_dominated_options
from model.optimisation.separation import SeparationModel

N_MEMBERS = 7


@pytest.fixture(scope="module")
def partnership():
    scenario = synthetic_partnership(N_MEMBERS, seed=5)
    clear_cache()
    table = coalition_costs(scenario, workers=1)
    names = tuple(scenario.member_names)
    game = games.CostGame.from_table(table, names)
    instance = prune_dominated_options(profitable_bundles_only(build_instance(scenario)))
    return scenario, names, table, game, instance


@pytest.fixture(scope="module")
def rowgen(partnership):
    _, names, table, _, instance = partnership
    separation = SeparationModel(instance)

    def separate(x):
        found = separation.solve(x)
        return found.coalition, found.excess_gbp

    return RowGenerationGame(names, lambda s: table[frozenset(s)], separate)


def per_capita(scenario, grand):
    heads = {m.name: m.headcount for m in scenario.members}
    total = sum(heads.values())
    return {m: grand * h / total for m, h in heads.items()}


def test_pruned_menus_keep_every_coalition_cost(partnership) -> None:
    _, names, table, _, instance = partnership
    assert sum(len(p.options) for p in instance.shared.values()) < sum(
        len(p.options) for p in profitable_bundles_only(build_instance(partnership[0])).shared.values()
    )
    rng = random.Random(7)
    masks = rng.sample(range(1, 1 << N_MEMBERS), 60)
    with CoalitionOracle(instance, workers=1) as oracle:
        got = oracle.costs(masks)
    for mask in masks:
        members = frozenset(n for b, n in enumerate(names) if mask >> b & 1)
        assert got[mask] == pytest.approx(table[members], abs=0.01)


def tariffs_to_check(scenario, names, game):
    grand = game.grand_value
    pc = per_capita(scenario, grand)
    rng = np.random.default_rng(3)
    out = {
        "per capita": pc,
        "shapley": games_solutions.shapley(game).to_dict(),
        "equal": {n: grand / len(names) for n in names},
    }
    for k in range(4):  # per capita with money moved between two members: some of these leave the core
        moved = dict(pc)
        i, j = rng.choice(len(names), size=2, replace=False)
        amount = 0.1 * (k + 1) * pc[names[i]]
        moved[names[i]] -= amount
        moved[names[j]] += amount
        out[f"moved {k}"] = moved
    return out


def test_core_verdicts_equal_the_enumerated_ones(partnership, rowgen) -> None:
    scenario, names, _, game, _ = partnership
    verdicts = []
    for label, tariff in tariffs_to_check(scenario, names, game).items():
        exact = games_solutions.core_check(game, tariff)
        found = rowgen.core_verdict(tariff)
        assert found.in_core == exact.in_core, label
        assert found.excess_gbp == pytest.approx(exact.max_excess, abs=1.0), label
        verdicts.append(found.in_core)
    assert True in verdicts and False in verdicts  # both answers occur, so the comparison means something


def test_least_core_and_closest_core_equal_the_enumerated_ones(partnership, rowgen) -> None:
    scenario, names, _, game, _ = partnership
    least = rowgen.least_core()
    assert least.converged
    assert least.epsilon == pytest.approx(games_solutions.least_core_epsilon(game), abs=1.0)
    assert len(rowgen.rows) < 2**N_MEMBERS - 2  # rows were generated, not enumerated
    reference = per_capita(scenario, game.grand_value)
    closest, _ = rowgen.closest_core(reference)
    exact = games_solutions.closest_core_allocation(game, reference).to_dict()
    for name in names:
        assert closest[name] == pytest.approx(exact[name], abs=1.0)
    nucleolus, levels, exact_levels = rowgen.nucleolus()
    assert exact_levels >= 1
    assert levels[0] == pytest.approx(games_solutions.least_core_epsilon(game), abs=1.0)
    assert games_solutions.core_check(game, nucleolus).max_excess == pytest.approx(levels[0], abs=1.0)


def test_cyclic_block_stratifies_every_position() -> None:
    n = 7
    orders, masks = cyclic_block(n, np.random.default_rng(1))
    assert len(orders) == 2 * n
    positions = np.zeros((n, n), dtype=int)
    for order in orders:
        for k, player in enumerate(order):
            positions[player, k] += 1
    assert (positions == 2).all()  # each player at each position exactly twice
    assert len(masks) == n * (n - 1) + 1  # arcs of the circle and the grand coalition


def test_sampled_intervals_cover_the_exact_shapley_value(partnership) -> None:
    _, names, _, game, _ = partnership
    exact = games_solutions.shapley(game).to_dict()
    table = game.table

    def costs_of(masks):
        return {m: float(table[m]) for m in masks}

    covered = total = 0
    for seed in range(20):
        estimate = sampled_shapley(names, costs_of, seed=seed, relative_half_width=0.01, min_blocks=5, max_blocks=5)
        assert sum(estimate.shares.values()) == pytest.approx(game.grand_value, rel=1e-12)  # budget balanced
        for name in names:
            total += 1
            covered += abs(estimate.shares[name] - exact[name]) <= estimate.half_width[name]
    assert covered / total >= 0.93, f"coverage {covered}/{total}"


def test_same_seed_same_shares_on_1_and_2_workers_and_dask(partnership) -> None:
    _, names, _, _, instance = partnership

    def run(**kwargs):
        with CoalitionOracle(instance, **kwargs) as oracle:
            return sampled_shapley(
                names, oracle.costs, seed=11, rotations=2, min_blocks=3, max_blocks=3, wave_blocks=2
            ).shares

    one = run(workers=1)
    two = run(workers=2)
    assert one == two
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = run(client=client)
    assert on_dask == one


def test_oracle_solves_to_optimality_whatever_the_catalogue_time_limit(partnership) -> None:
    """c(S) from the oracle is the optimum even when the catalogue options carry a wall-clock limit too short for
    any solve (a limit made regional answers depend on the machine's load and stopped the run)."""
    from dataclasses import replace

    _, names, table, _, instance = partnership
    hurried = replace(instance, options=replace(instance.options, time_limit_seconds=1e-6))
    with CoalitionOracle(hurried, workers=1) as oracle:
        for coalition in (names, names[:3], names[2:]):
            assert oracle.cost(coalition) == pytest.approx(table[frozenset(coalition)], abs=0.01)


def test_oracle_reports_a_solve_stopped_early_as_one_line() -> None:
    """A solve that stops before optimality is a UserError naming the coalition (one line from the CLI), not a
    traceback."""
    from types import SimpleNamespace

    from model.optimisation.catalogue_milp import SolveOutcome
    from model.optimisation.coalition_oracle import _solve_with
    from model.scenario.errors import UserError

    stub = SimpleNamespace(
        instance=SimpleNamespace(members=("A", "B")),
        set_coalition=lambda names: None,
        solve=lambda: SolveOutcome(
            "feasible", 1.0, 0.0, "HiGHS stopped (Time limit reached) before proving optimality"
        ),
    )
    with pytest.raises(UserError, match=r"coalition \{A, B\}: HiGHS stopped"):
        _solve_with(stub, [3])
