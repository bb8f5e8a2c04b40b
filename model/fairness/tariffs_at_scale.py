"""Game-theoretic tariffs for partnerships too big for the coalition table (a regional shared service of 40 members).

``model.fairness.tariffs.tariff_table`` computes every coalition's cost c(S) when there are at most ``EXACT_MAX_MEMBERS``
members (4,095 coalitions for 12). Beyond that it calls ``game_columns`` here, which never lists coalitions:

* Shapley: sampled (``model.fairness.shapley_sampling``) with c(S) from the catalogue optimiser solved on demand
  (``model.optimisation.coalition_oracle``: cache, process pool or Dask), with 95% intervals;
* core verdicts: exact, by the separation MILP (``model.optimisation.separation``) that finds the coalition gaining most by
  leaving, for every tariff column;
* least core, closest core to per-capita and nucleolus: row generation over the separation MILP
  (``model.fairness.row_generation``); the nucleolus is exact in its first level (the least core) only, and says so.

Every column says which method produced it (``methods``), and the limits met (block or round budgets) become notes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from model.scenario.schema import Scenario

EXACT_MAX_MEMBERS = 12
"""Largest partnership whose coalition table is enumerated (2^12 - 1 = 4,095 MILPs); above it: sampling and row
generation."""


@dataclass
class ScaleBudget:
    """Limits of the at-scale methods (deterministic: counts, not seconds, so results do not depend on speed).

    ``shapley_max_coalitions``: stop sampling once this many distinct coalitions are solved (checked after each
    block); ``rotations``: orders per circle in a Shapley block (n: fully stratified; fewer for big n);
    ``max_rounds``: separation rounds per row-generation method.
    """

    relative_half_width: float = 0.01
    shapley_max_coalitions: int | None = None
    shapley_max_blocks: int = 200
    rotations: int | None = None
    max_rounds: int | None = None

    def sized_for(self, n: int) -> ScaleBudget:
        """Defaults by size: up to 16 members full blocks (2n orders, n(n - 1) coalitions), 4,000 coalitions and 40
        rounds; above, one circle per block (2 orders, about 2n coalitions), 240 coalitions and 8 rounds, so that a
        40-member region, whose coalition MILPs take seconds each, finishes in minutes (not converged: said so)."""
        small = n <= 16
        return ScaleBudget(
            relative_half_width=self.relative_half_width,
            shapley_max_coalitions=self.shapley_max_coalitions or (4000 if small else 240),
            shapley_max_blocks=self.shapley_max_blocks,
            rotations=self.rotations or (n if small else 1),
            max_rounds=self.max_rounds or (40 if small else 8),
        )


@dataclass
class GameColumns:
    """The at-scale game columns and checks, pounds per year."""

    allocations: dict[str, dict[str, float]]
    verdicts: dict[str, Any]
    epsilon: float
    epsilon_exact: bool
    stand_alone: dict[str, float]
    grand: float
    shapley_half_width: dict[str, float]
    methods: dict[str, str]
    notes: list[str] = field(default_factory=list)
    coalitions: dict[frozenset[str], float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    checker: Any = None
    """The ``RowGenerationGame`` (exact core verdicts of further tariffs)."""


def game_columns(
    scenario: Scenario,
    players: Sequence[str],
    per_capita: Mapping[str, float],
    activity_based: Mapping[str, float],
    *,
    catalogue_options: Any = None,
    workers: int = 2,
    client: Any = None,
    seed: int | None = None,
    budget: ScaleBudget | None = None,
) -> GameColumns:
    """Shapley (sampled), nucleolus and closest core (row generation) and exact core verdicts for ``players``."""
    from model.fairness.row_generation import RowGenerationGame
    from model.fairness.shapley_sampling import sampled_shapley
    from model.optimisation.catalogue_instance import CatalogueOptions, build_instance, profitable_bundles_only
    from model.optimisation.coalition_oracle import CoalitionOracle
    from model.optimisation.fast_coalitions import prune_dominated_options
    from model.optimisation.separation import SeparationModel

    budget = (budget or ScaleBudget()).sized_for(len(players))
    options = catalogue_options or CatalogueOptions()
    seed = int(scenario.simulation.seed if seed is None else seed)
    instance = prune_dominated_options(profitable_bundles_only(build_instance(scenario, options)))
    names = tuple(players)
    bit = {m: b for b, m in enumerate(instance.members)}  # members with no demand have no decisions: never in S
    seconds: dict[str, float] = {}
    notes: list[str] = []
    with CoalitionOracle(instance, workers=workers, client=client) as oracle:
        start = time.perf_counter()

        def cost(coalition: frozenset[str]) -> float:
            return oracle.cost(coalition)

        n = len(names)
        rotations = budget.rotations
        cap = budget.shapley_max_coalitions

        def costs_of(masks: list[int]) -> Mapping[int, float]:
            to_instance = {mask: sum(1 << bit[names[i]] for i in range(n) if mask >> i & 1) for mask in masks}
            solved = oracle.costs(list(to_instance.values()))
            return {mask: solved[to_instance[mask]] for mask in masks}

        shapley = sampled_shapley(
            names,
            costs_of,
            seed=seed,
            relative_half_width=budget.relative_half_width,
            min_blocks=min(5, budget.shapley_max_blocks),
            max_blocks=budget.shapley_max_blocks,
            rotations=rotations,
            max_coalitions=cap,
        )
        seconds["shapley"] = time.perf_counter() - start
        if not shapley.converged:
            notes.append(
                f"Shapley is sampled and did NOT reach the 1% target within the budget of {cap:,} coalitions: its "
                f"95% intervals (shapley_half_width) are up to {shapley.worst_relative_half_width:.1%} of a share."
            )
        start = time.perf_counter()
        separation = SeparationModel(instance, threads=None)

        def separate(x: Mapping[str, float]) -> tuple[frozenset[str], float]:
            found = separation.solve({m: float(x.get(m, 0.0)) for m in instance.members})
            if found.status != "optimal":
                notes.append(f"A separation MILP stopped at its time limit: {found.status}.")
            return frozenset(found.coalition) & frozenset(names), found.excess_gbp

        game = RowGenerationGame(tuple(names), cost, separate)
        grand = game.grand
        stand_alone = {p: game.rows[frozenset([p])] for p in names}
        allocations: dict[str, dict[str, float]] = {
            "per_capita": dict(per_capita),
            "activity_based": dict(activity_based),
            "shapley": dict(shapley.shares),
        }
        epsilon_exact = True
        try:
            epsilon, _, rounds = game.least_core(max_rounds=budget.max_rounds)
        except RuntimeError:
            epsilon_exact = False
            epsilon = math.nan
            notes.append(f"The least core did not converge in {budget.max_rounds} separation rounds.")
        seconds["least_core"] = time.perf_counter() - start
        start = time.perf_counter()
        try:
            if not epsilon_exact:
                raise RuntimeError("least core not converged")
            closest, _ = game.closest_core(allocations["per_capita"], max_rounds=budget.max_rounds)
        except RuntimeError:
            closest = dict(per_capita)
            notes.append("The closest core did not converge: the column repeats per-capita.")
        allocations["closest_core"] = closest
        seconds["closest_core"] = time.perf_counter() - start
        start = time.perf_counter()
        try:
            if not epsilon_exact:
                raise RuntimeError("least core not converged")
            nucleolus, levels, exact = game.nucleolus(max_rounds=budget.max_rounds)
            notes.append(
                f"Nucleolus by constraint generation over {len(game.rows):,} generated coalitions: its first level "
                "(the least core, the largest excess) is exact; deeper levels are those of the game restricted to the "
                "generated coalitions, so the column can differ from the exact nucleolus."
            )
        except RuntimeError:
            nucleolus = closest
            notes.append("The nucleolus did not converge: the column repeats the closest core.")
        allocations["nucleolus"] = nucleolus
        seconds["nucleolus"] = time.perf_counter() - start
        start = time.perf_counter()
        verdicts = {method: game.core_verdict(allocations[method]) for method in allocations}
        seconds["core_checks"] = time.perf_counter() - start
        coalitions = dict(game.rows)
        coalitions[frozenset(names)] = grand
        for mask, value in oracle.cache.items():
            if mask:
                coalitions[frozenset(m for m in instance.members if mask >> bit[m] & 1)] = value
        notes.append(
            f"{n} members: coalition costs solved on demand ({oracle.solves:,} catalogue MILPs), not tabulated "
            f"(2^{n} - 1 coalitions); {game.separations} separation MILPs."
        )
    methods = {
        "per_capita": "cost lines by headcount",
        "activity_based": "cost lines by activity",
        "shapley": f"sampled ({shapley.describe()})",
        "nucleolus": "constraint generation (first level exact)",
        "closest_core": "row generation (exact)",
        "core": "separation MILP (exact)",
    }
    return GameColumns(
        allocations=allocations,
        verdicts=verdicts,
        epsilon=float(epsilon),
        epsilon_exact=epsilon_exact,
        stand_alone=stand_alone,
        grand=grand,
        shapley_half_width=dict(shapley.half_width),
        methods=methods,
        notes=notes,
        coalitions=coalitions,
        seconds=seconds,
        checker=game,
    )


def result_at_scale(
    scenario: Scenario,
    players: Sequence[str],
    usage: Any,
    lines: Any,
    per_service: dict[str, Any],
    allocations: dict[str, dict[str, float]],
    premium: float,
    notes: list[str],
    source: str,
    grand: float,
    *,
    workers: int = 2,
    catalogue_options: Any = None,
    scale_options: Mapping[str, Any] | None = None,
) -> Any:
    """``model.fairness.tariffs.tariff_table`` beyond ``EXACT_MAX_MEMBERS``: the game columns of ``game_columns`` and exact
    core verdicts, assembled into the same ``TariffResult`` (``core["methods_used"]`` says which method made each
    column; ``core["shapley_half_width_gbp_per_year"]`` has the 95% intervals)."""

    from model.fairness import solutions, tariffs

    options = dict(scale_options or {})
    client = options.pop("client", None)
    seed = options.pop("seed", None)
    budget = ScaleBudget(**options)
    columns = game_columns(
        scenario,
        players,
        allocations["per_capita"],
        allocations["activity_based"],
        catalogue_options=catalogue_options,
        workers=workers,
        client=client,
        seed=seed,
        budget=budget,
    )
    if abs(columns.grand - grand) > 1e-6 * max(1.0, abs(grand)):
        notes.append(
            f"c(N) from the coalition model (GBP {tariffs.format_gbp(columns.grand)}) differs from the optimal "
            f"catalogue's cost lines (GBP {tariffs.format_gbp(grand)})."
        )
    allocations.update({k: v for k, v in columns.allocations.items() if k not in allocations})
    notes.append(
        f"Methods for {len(players)} members (above {EXACT_MAX_MEMBERS}, coalitions are not tabulated): Shapley "
        f"{columns.methods['shapley']}; core verdicts by the separation MILP (exact); closest core by row generation "
        "(exact); nucleolus by constraint generation (first level exact)."
    )
    notes.extend(columns.notes)
    tolerance = columns.verdicts["per_capita"].tolerance_gbp

    def as_check(verdict: Any) -> solutions.CoreCheck:
        return solutions.CoreCheck(
            in_core=verdict.in_core,
            max_excess=verdict.excess_gbp,
            worst_coalition=verdict.worst_coalition,
            n_blocking=0 if verdict.excess_gbp <= verdict.tolerance_gbp else 1,
            budget_gap=verdict.budget_gap_gbp,
            tolerance=verdict.tolerance_gbp,
        )

    core: dict[str, Any] = {
        "players": list(players),
        "unit": "GBP per year",
        "grand_coalition_cost_gbp_per_year": grand,
        "core_nonempty": bool(columns.epsilon <= tolerance) if columns.epsilon_exact else None,
        "least_core_epsilon_gbp_per_year": float(columns.epsilon),
        "excess_meaning": "x(S) - c(S): how much more group S pays than its own stand-alone cost; > 0: it would leave",
        "methods_used": columns.methods,
        "shapley_half_width_gbp_per_year": columns.shapley_half_width,
        "seconds": columns.seconds,
        "methods": {},
    }
    for method in tariffs.METHODS:
        check_json = tariffs._check_json(as_check(columns.verdicts[method]), players)
        if check_json["coalitions_that_would_leave"]:
            check_json["coalitions_that_would_leave"] = None  # at least one; not counted (no enumeration)
        core["methods"][method] = check_json
    stand_alone = {p: columns.stand_alone[p] for p in players}
    checker = columns.checker

    coalition_costs = tariffs.coalition_cost_table(columns.coalitions.items(), players, stand_alone)
    result = tariffs._finish(
        scenario,
        players,
        usage,
        lines,
        per_service,
        allocations,
        premium,
        notes,
        source,
        grand,
        core,
        stand_alone,
        lambda x: as_check(checker.core_verdict(x)),
        coalition_costs,
        None,
    )
    result.by_member["shapley_half_width"] = [columns.shapley_half_width[p] for p in result.by_member["member"]]
    return result
