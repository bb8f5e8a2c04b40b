"""The coalition cost function c(S) for the cooperative-game tariffs (``model.fairness.games``).

c(S) is the optimal annual cost (pounds per year) of the service catalogue for the members in S only, the others
absent, from the same MILP as ``model.optimisation.catalogue.optimise``:

* a coalition's members keep their demand, headcount and choices; absent members have no demand;
* a coalition of two or more may run a shared service hosted by one of its members, with the scenario's host
  overheads (the cost does not depend on which member hosts);
* a member alone cannot share: a service "shared" with nobody is in-house, so c({m}) is m's stand-alone cost (each
  service in-house or external, whichever is cheaper), the natural outside option in the tariff game.

All 2^n - 1 coalitions are split across worker processes (``workers``). Each worker first tries the certified
pool-by-pool relaxation (``model.optimisation.coalition_table``: an exact lower bound whose minimiser, costed in the
full model, proves the optimum; 4,058 of the 12-member partnership's 4,095 coalitions) and solves the others with ONE
persistent MILP: membership is a mutable parameter (right-hand sides and bounds), a persistent HiGHS solver re-solves
after each change. The MILP runs on the menus without dominated options (``model.optimisation.fast_coalitions``). Results are cached in memory by the scenario's content hash and options, and optionally on
disk (``cache_dir``, a JSON file named after the hash).

With these rules c is subadditive (c(S) + c(T) >= c(S u T) for disjoint S, T) whenever the capacity L(n) is
superadditive on the staffing grid: the union can run both staffings in one pool, pay fixed costs and the host
overhead once instead of twice, and buy at a tier at least as good. ``subadditivity_violations`` checks it.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from model.optimisation.catalogue_instance import (
    CatalogueInstance,
    CatalogueOptions,
    build_instance,
    profitable_bundles_only,
)
from model.optimisation.catalogue_milp import CatalogueModel, require_solver
from model.optimisation.coalition_table import CoalitionBound
from model.optimisation.fast_coalitions import prune_dominated_options
from model.scenario.errors import InfeasibleError, UserError
from model.scenario.files import write_text_atomically
from model.scenario.schema import Member, Scenario
from model.simulation.processes import exit_with_parent, terminate_pool

_MEMORY_CACHE: dict[tuple[str, str], dict[frozenset[str], float]] = {}
_WORKER: dict[str, Any] = {}


def _options_key(options: CatalogueOptions) -> str:
    settings = {f.name: getattr(options, f.name) for f in fields(options) if f.name != "capacity"}
    settings["capacity"] = None if options.capacity is None else options.capacity.key()
    return json.dumps(settings, sort_keys=True)


def _solve_one(model: CatalogueModel, members: Iterable[str]) -> float:
    model.set_coalition(members)
    outcome = model.solve()
    if outcome.status == "infeasible":
        raise InfeasibleError(f"coalition {{{', '.join(sorted(model.members))}}}: no feasible service catalogue")
    return outcome.cost_gbp


def coalition_cost(scenario: Scenario, members: Iterable[str], options: CatalogueOptions | None = None) -> float:
    """c(S): the optimal annual cost (pounds) of serving only ``members`` (see the module docstring).

    Uses the cached table from ``coalition_costs`` when there is one; otherwise builds the model and solves once.
    The empty coalition costs 0.
    """
    options = options or CatalogueOptions()
    coalition = frozenset(members)
    unknown = coalition - set(scenario.member_names)
    if unknown:
        raise UserError(f"unknown member(s): {', '.join(sorted(unknown))}")
    if not coalition:
        return 0.0
    cached = _MEMORY_CACHE.get((scenario.content_hash(), _options_key(options)))
    if cached is not None:
        return cached[coalition]
    require_solver()
    model = CatalogueModel(profitable_bundles_only(build_instance(scenario, options)))
    return _solve_one(model, coalition)


def _init_worker(instance: CatalogueInstance, threads: int | None = 1, bounds: bool = True) -> None:
    """Build the model once in each worker process (HiGHS on one thread there: the processes are the parallelism;
    ``threads=None`` in the calling process, whose HiGHS thread count is process-global and must not change), and
    with ``bounds`` the relaxation that certifies most coalitions without a MILP
    (``model.optimisation.coalition_table``)."""
    model = CatalogueModel(instance, threads=threads)
    model.use_direct_updates()
    _WORKER["model"] = model
    _WORKER["bound"] = CoalitionBound(instance) if bounds else None


def _init_pool_worker(parent_pid: int, instance: CatalogueInstance, bounds: bool = True) -> None:
    """Process-pool initializer: exit when the calling process has gone, then build the model."""
    exit_with_parent(parent_pid)
    _init_worker(instance, bounds=bounds)


def _solve_masks(masks: list[int]) -> list[tuple[int, float, bool]]:
    """(mask, c(S), whether a MILP was solved) for each mask: the certified relaxation first, else the MILP."""
    model: CatalogueModel = _WORKER["model"]
    bound: CoalitionBound | None = _WORKER.get("bound")
    members = model.instance.members
    out = []
    for mask in masks:
        cost = bound.solve(mask) if bound is not None else None
        if cost is None:
            out.append((mask, _solve_one(model, [m for b, m in enumerate(members) if mask >> b & 1]), True))
        else:
            out.append((mask, cost, False))
    return out


def all_masks(n_members: int) -> list[int]:
    """Every non-empty coalition of ``n_members`` as a bit mask (bit b = member b in file order)."""
    return list(range(1, 1 << n_members))


def solve_masks(
    instance: CatalogueInstance,
    masks: list[int],
    workers: int = 2,
    bounds: bool = True,
    stats: dict[str, int] | None = None,
) -> dict[int, float]:
    """c for each coalition bit mask: one persistent model per worker process, masks dealt out in chunks.

    ``bounds``: try the exact relaxation of ``model.optimisation.coalition_table`` before each MILP (False: a MILP for
    every coalition, the reference path). ``stats``, when given, receives the counts ``"milp"`` (coalitions solved by
    the MILP) and ``"certified"`` (coalitions whose optimum the relaxation proved, no MILP).
    """
    counts = {"milp": 0, "certified": 0}

    def collect(part: list[tuple[int, float, bool]]) -> dict[int, float]:
        for _, _, solved in part:
            counts["milp" if solved else "certified"] += 1
        return {mask: cost for mask, cost, _ in part}

    if workers <= 1 or len(masks) < 64:
        _init_worker(instance, threads=None, bounds=bounds)
        try:
            results = collect(_solve_masks(masks))
        finally:
            _WORKER.clear()
        if stats is not None:
            stats.update(counts)
        return results
    # Interleave masks so every chunk has small and large coalitions (similar solve times); about 64 coalitions
    # (a few seconds) a chunk so that no worker waits long for the other at the end.
    n_chunks = max(workers * 4, len(masks) // 64)
    chunks = [masks[i::n_chunks] for i in range(n_chunks)]
    context = multiprocessing.get_context("spawn")  # no fork of a process that may already run HiGHS threads
    results: dict[int, float] = {}
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_pool_worker,
        initargs=(os.getpid(), instance, bounds),
    ) as pool:
        try:
            for part in pool.map(_solve_masks, [c for c in chunks if c]):
                results.update(collect(part))
        except BaseException:  # an error, Ctrl-C or SIGTERM: stop the workers instead of waiting for their chunks
            terminate_pool(pool)
            raise
    if stats is not None:
        stats.update(counts)
    return results


def coalition_costs(
    scenario: Scenario,
    workers: int = 2,
    options: CatalogueOptions | None = None,
    cache_dir: str | Path | None = None,
) -> dict[frozenset[str], float]:
    """c(S) for every non-empty coalition S of the scenario's members (pounds per year), keyed by frozenset of
    member names: the characteristic function for ``model.fairness.games``.

    2^n - 1 coalitions (n members) over ``workers`` processes: each certified by the relaxation of
    ``model.optimisation.coalition_table`` when it can be (no MILP), else a parameter change and re-solve of one
    persistent MILP per process. Cached in memory (scenario content hash + options) and, with ``cache_dir``, in
    ``cache_dir/coalition_costs-<hash>.json``.
    """
    options = options or CatalogueOptions()
    key = (scenario.content_hash(), _options_key(options))
    if key in _MEMORY_CACHE:
        return dict(_MEMORY_CACHE[key])
    names = scenario.member_names
    file: Path | None = None
    if cache_dir is not None:
        file = Path(cache_dir) / f"coalition_costs-{key[0][:16]}.json"
        if file.exists():
            data = json.loads(file.read_text(encoding="utf-8"))
            if data.get("scenario_sha256") == key[0] and data.get("options") == json.loads(key[1]):
                table = {frozenset(row["members"]): float(row["cost_gbp_per_year"]) for row in data["coalitions"]}
                _MEMORY_CACHE[key] = table
                return dict(table)
    if len(names) > 20:
        raise UserError(f"{len(names)} members means {2 ** len(names) - 1:,} coalitions: too many (at most 20)")
    require_solver()
    instance = prune_dominated_options(profitable_bundles_only(build_instance(scenario, options)))
    by_mask = solve_masks(instance, all_masks(len(names)), workers=max(1, min(workers, os.cpu_count() or 1)))
    table = {frozenset(n for b, n in enumerate(names) if mask >> b & 1): cost for mask, cost in by_mask.items()}
    _MEMORY_CACHE[key] = table
    if file is not None:
        payload = {
            "scenario": scenario.name,
            "scenario_sha256": key[0],
            "options": json.loads(key[1]),
            "unit": "GBP per year",
            "coalitions": [
                {"members": sorted(members), "cost_gbp_per_year": cost}
                for members, cost in sorted(table.items(), key=lambda kv: (len(kv[0]), sorted(kv[0])))
            ],
        }
        write_text_atomically(file, json.dumps(payload, indent=1) + "\n")
    return dict(table)


def clear_cache() -> None:
    """Forget the in-memory coalition tables."""
    _MEMORY_CACHE.clear()


def subadditivity_violations(
    costs: dict[frozenset[str], float], tolerance_gbp: float = 1.0
) -> list[tuple[frozenset[str], frozenset[str], float]]:
    """Every pair of disjoint non-empty coalitions S, T with c(S) + c(T) < c(S u T) - tolerance, with the excess
    c(S u T) - c(S) - c(T) (pounds per year). Empty when c is subadditive."""
    names = sorted(set().union(*costs)) if costs else []
    index = {name: b for b, name in enumerate(names)}
    n = len(names)
    value = np.full(1 << n, math.nan)
    value[0] = 0.0
    for members, cost in costs.items():
        value[sum(1 << index[m] for m in members)] = cost
    violations = []
    for union in range(1, 1 << n):
        # every split of `union` into S and T = union - S, each unordered pair once (S holds the lowest bit)
        low = union & -union
        sub = (union - 1) & union
        while sub:
            if sub & low and sub != union:
                other = union ^ sub
                excess = value[union] - value[sub] - value[other]
                if excess > tolerance_gbp:
                    violations.append(
                        (
                            frozenset(names[b] for b in range(n) if sub >> b & 1),
                            frozenset(names[b] for b in range(n) if other >> b & 1),
                            float(excess),
                        )
                    )
            sub = (sub - 1) & union
    return violations


def synthetic_partnership(n_members: int = 12, seed: int = 2014, base: Scenario | None = None) -> Scenario:
    """A partnership of ``n_members`` synthetic members (for benchmarks and tests): the default scenario's
    services, roles, absence and host overheads; members with headcounts drawn log-normally around 180 staff
    (clipped to 50-600), all full members from month 0. The first member hosts."""
    from model.scenario.schema import load_scenario

    base = base or load_scenario()
    rng = np.random.default_rng(seed)
    heads = np.clip(np.round(rng.lognormal(math.log(180.0), 0.6, size=n_members)), 50, 600).astype(int)
    members = [
        Member(name=f"Member {i + 1:02d}", headcount=int(h), fte=round(0.9 * int(h), 1), source="synthetic")
        for i, h in enumerate(heads)
    ]
    data = base.model_dump(mode="json")
    data["name"] = f"Synthetic {n_members}-member partnership"
    data["members"] = [m.model_dump(mode="json") for m in members]
    data["host"]["member"] = members[0].name
    data["simulation"]["initial_backlog"] = {}
    return Scenario.model_validate(data)
