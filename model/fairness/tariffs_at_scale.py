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
from collections.abc import Callable, Mapping, Sequence
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
    least_core: Any
    """``model.fairness.row_generation.LeastCore``: epsilon* or proven bounds, and whether the core is empty."""
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
    also_check: Mapping[str, Mapping[str, float]] | None = None,
) -> GameColumns:
    """Shapley (sampled), nucleolus and closest core (row generation) and exact core verdicts for ``players``.

    ``also_check``: further tariffs ({name: {member: pounds per year}}, e.g. today's net payments) whose core
    verdicts are computed alongside, so that ``checker.core_verdict`` answers them without another MILP.

    Three lines of work share the cores (every result is the same whatever the timing, each line depending only on
    what it starts from): while the coalition workers solve the sampled-Shapley coalitions, a separation process
    checks the per-capita, activity-based and ``also_check`` tariffs and runs the least core; then, with every
    coalition solved for Shapley added as a row, one separation process checks Shapley and computes the nucleolus
    while a second computes the closest core.
    """
    from concurrent.futures import ThreadPoolExecutor

    from model.fairness.row_generation import RowGenerationGame
    from model.fairness.shapley_sampling import sampled_shapley
    from model.optimisation.catalogue_instance import CatalogueOptions, build_instance, profitable_bundles_only
    from model.optimisation.coalition_oracle import CoalitionOracle
    from model.optimisation.fast_coalitions import prune_dominated_options
    from model.optimisation.separation import SeparationModel, SeparationProcess

    budget = (budget or ScaleBudget()).sized_for(len(players))
    options = catalogue_options or CatalogueOptions()
    seed = int(scenario.simulation.seed if seed is None else seed)
    instance = prune_dominated_options(profitable_bundles_only(build_instance(scenario, options)))
    names = tuple(players)
    n = len(names)
    bit = {m: b for b, m in enumerate(instance.members)}  # members with no demand have no decisions: never in S
    seconds: dict[str, float] = {}
    notes: list[str] = []
    cap = budget.shapley_max_coalitions

    def separator(solve: Callable[..., Any]) -> Callable[..., tuple[frozenset[str], float, bool]]:
        """The ``RowGenerationGame`` oracle over ``solve`` (``SeparationModel.solve`` or a process's): members with
        no decisions get a tariff of 0, a time-limit stop becomes a note, and the answer says whether it is proven."""

        def separate(
            x: Mapping[str, float], at_least: float | None = None, exact: bool = True
        ) -> tuple[frozenset[str], float, bool]:
            found = solve({m: float(x.get(m, 0.0)) for m in instance.members}, at_least, exact)
            if found.status == "time limit":
                notes.append(f"A separation MILP stopped at its time limit: {found.status}.")
            return frozenset(found.coalition) & frozenset(names), found.excess_gbp, found.status == "optimal"

        return separate

    def timed(label: str, work: Callable[[], Any]) -> Any:
        begun = time.perf_counter()
        try:
            return work()
        finally:
            seconds[label] = time.perf_counter() - begun

    allocations: dict[str, dict[str, float]] = {
        "per_capita": dict(per_capita),
        "activity_based": dict(activity_based),
    }
    extra = {name: dict(x) for name, x in (also_check or {}).items()}
    with (
        CoalitionOracle(instance, workers=workers, client=client) as oracle,
        SeparationProcess(instance) as first,
        SeparationProcess(instance) as second,
        ThreadPoolExecutor(max_workers=2) as side,
    ):

        def cost(coalition: frozenset[str]) -> float:
            return oracle.cost(coalition)

        def costs_of(masks: list[int]) -> Mapping[int, float]:
            to_instance = {mask: sum(1 << bit[names[i]] for i in range(n) if mask >> i & 1) for mask in masks}
            solved = oracle.costs(list(to_instance.values()))
            return {mask: solved[to_instance[mask]] for mask in masks}

        # c(N) and the singletons in this process, before any other line of work starts
        game = RowGenerationGame(
            tuple(names), cost, separator(first.solve), reprice=False, first_violation=True, cheap_rows=True
        )
        grand = game.grand
        stand_alone = {p: game.rows[frozenset([p])] for p in names}

        def given_tariffs_and_least_core() -> Any:
            for x in [*allocations.values(), *extra.values()]:
                game.worst(x)
            return game.least_core(max_rounds=budget.max_rounds)

        early = side.submit(timed, "least_core", given_tariffs_and_least_core)
        shapley = timed(
            "shapley",
            lambda: sampled_shapley(
                names,
                costs_of,
                seed=seed,
                relative_half_width=budget.relative_half_width,
                min_blocks=min(5, budget.shapley_max_blocks),
                max_blocks=budget.shapley_max_blocks,
                rotations=budget.rotations,
                max_coalitions=cap,
            ),
        )
        least = early.result()
        allocations["shapley"] = dict(shapley.shares)
        if not shapley.converged:
            notes.append(
                f"Shapley is sampled and did NOT reach the 1% target within the budget of {cap:,} coalitions: its "
                f"95% intervals (shapley_half_width) are up to {shapley.worst_relative_half_width:.1%} of a share."
            )
        # every coalition solved for Shapley is a free row of the LPs (its cost is exact); in mask order, as the
        # cache's order depends on which worker finished first
        game.add_rows(
            {
                frozenset(m for m in names if mask >> bit[m] & 1): oracle.cache[mask]
                for mask in sorted(oracle.cache)
                if mask
            }
        )
        if not least.converged:
            least = timed("least_core_continued", lambda: game.least_core(max_rounds=budget.max_rounds))
        if not least.converged:
            notes.append(least_core_bounds_sentence(least))
        closest_game = game.fork(separator(second.solve))

        def nucleolus_line() -> Any:
            game.core_verdict(allocations["shapley"])  # remembered for the verdicts below; often a known row
            if not least.converged:
                return None
            return game.nucleolus(max_rounds=budget.max_rounds)

        def closest_line() -> Any:
            if not least.converged:
                return None
            return closest_game.closest_core(allocations["per_capita"], max_rounds=budget.max_rounds)

        nucleolus_future = side.submit(timed, "nucleolus", nucleolus_line)
        closest_future = side.submit(timed, "closest_core", closest_line)
        failures = []
        for label, future in (("nucleolus", nucleolus_future), ("closest core", closest_future)):
            try:
                future.result()
            except RuntimeError as error:
                failures.append(label)
                notes.append(f"The {label} did not converge ({error}).")
        found_nucleolus = None if "nucleolus" in failures else nucleolus_future.result()
        found_closest = None if "closest core" in failures else closest_future.result()
        if found_closest is not None:
            allocations["closest_core"] = found_closest[0]
        else:
            allocations["closest_core"] = dict(per_capita)
            notes.append("The closest core was not computed: the column repeats per-capita.")
        if found_nucleolus is not None:
            allocations["nucleolus"] = found_nucleolus[0]
            notes.append(
                f"Nucleolus by constraint generation over {len(game.rows):,} generated coalitions: its first level "
                "(the least core, the largest excess) is exact; deeper levels are those of the game restricted to the "
                "generated coalitions, so the column can differ from the exact nucleolus."
            )
        else:
            allocations["nucleolus"] = allocations["closest_core"]
            notes.append("The nucleolus was not computed: the column repeats the closest core.")
        # one game holding every row and every verdict found, for the verdicts below and later checks
        game.merge(closest_game)
        separations = game.separations
        checker_game = game.fork()

    # After the processes have gone, a verdict not found above is computed in this process.
    in_process: list[SeparationModel] = []

    def solve_here(tariffs: Mapping[str, float], at_least: float | None, exact: bool) -> Any:
        if not in_process:
            in_process.append(SeparationModel(instance))
        return in_process[0].solve(tariffs, at_least, exact)

    checker_game.separate = separator(solve_here)
    verdicts = {method: checker_game.core_verdict(allocations[method]) for method in allocations}
    coalitions = checker_game.exact_rows()
    coalitions[frozenset(names)] = grand
    for mask, value in oracle.cache.items():
        if mask:
            coalitions[frozenset(m for m in instance.members if mask >> bit[m] & 1)] = value
    notes.append(
        f"{n} members: coalition costs solved on demand ({oracle.solves:,} catalogue MILPs), not tabulated "
        f"(2^{n} - 1 coalitions); {separations} separation MILPs."
    )
    methods = {
        "per_capita": "cost lines by headcount",
        "activity_based": "cost lines by activity",
        "shapley": f"sampled ({shapley.describe()})",
        "nucleolus": "constraint generation (first level exact)",
        "closest_core": "row generation (exact)",
        "core": "separation MILP (exact verdicts; a tariff outside the core names a coalition that would leave, not "
        "necessarily the one that would save most)",
    }
    return GameColumns(
        allocations=allocations,
        verdicts=verdicts,
        least_core=least,
        stand_alone=stand_alone,
        grand=grand,
        shapley_half_width=dict(shapley.half_width),
        methods=methods,
        notes=notes,
        coalitions=coalitions,
        seconds=seconds,
        checker=checker_game,
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
        also_check={"today": tariffs.today_payments(scenario, players).net},
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
        "core_nonempty": columns.least_core.core_nonempty,
        "least_core_epsilon_gbp_per_year": float(columns.least_core.epsilon) if columns.least_core.converged else None,
        "least_core_epsilon_bounds_gbp_per_year": [
            finite_or_none(columns.least_core.lower_bound),
            finite_or_none(columns.least_core.epsilon),
        ],
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


def finite_or_none(value: float) -> float | None:
    """``value`` as a float, or None when it is not finite (JSON has no infinity: an unknown bound is null)."""
    value = float(value)
    return value if math.isfinite(value) else None


def least_core_bounds_sentence(least: Any) -> str:
    """The note of a least core that did not converge: its proven bounds (either may be unknown) and what they say
    about the core, with the separation rounds used."""
    low = f"GBP {least.lower_bound:,.0f}" if math.isfinite(least.lower_bound) else "an unknown lower bound"
    high = f"GBP {least.epsilon:,.0f}" if math.isfinite(least.epsilon) else "an unknown upper bound"
    verdict = {
        True: "so the core is not empty",
        False: "so the core is empty",
        None: "so whether the core is empty is not settled",
    }[least.core_nonempty]
    return (
        f"The least core did not converge in {least.rounds} separation rounds: epsilon* lies between {low} and "
        f"{high} a year (proven bounds), {verdict}; the closest core and the nucleolus need it and are not computed."
    )
