"""Regional scale (issue 15): coalition costs, sampled Shapley, row generation, each against its reference in the same run.

1. All 4,095 coalitions of the 12-member synthetic partnership: ``coalition_costs`` (the exact table: certified
   relaxation, then the MILP; ``benchmarks/coalition_table_speed.py`` compares it with a MILP for every coalition)
   against the coalition oracle's MILP on the pruned menus (``model.fast_coalitions``); c(S) must be identical.
2. Sampled Shapley on that table (no solves: the exact table is the oracle): coverage of the 95% intervals over
   seeds, and the half-width per coalition solved for cyclic (stratified + antithetic) blocks against plain
   independent orders: the measurement behind the design choice.
3. Row generation (separation MILP) against the enumerated LPs: least-core epsilon, closest core to per-capita,
   core verdicts; rows generated and seconds.
4. With ``--region`` (or only it, ``--region-only``): ``tariff_table`` on scenarios/region.toml (40 members, Erlang C
   capacity, the default budget and seed) on each setting of ``--region-runs`` (default: 2 processes, the reference;
   1 process; a local Dask cluster of 2 workers), wall-clock seconds of each as a ratio to the reference, and whether
   every tariff column, interval and core verdict is bit-identical to the reference's.

Run: ``.venv/bin/python benchmarks/regional_speed.py [--members 12] [--workers 2] [--seeds 10] [--region]
[--region-only] [--region-runs 2,1,dask]``. Exit code 1 only if answers disagree.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model.fairness import games  # noqa: E402
from model.fairness import solutions as games_solutions  # noqa: E402
from model.fairness.row_generation import RowGenerationGame  # noqa: E402
from model.fairness.shapley_sampling import sampled_shapley  # noqa: E402
from model.optimisation.catalogue_instance import build_instance, profitable_bundles_only  # noqa: E402
from model.optimisation.coalition_oracle import CoalitionOracle  # noqa: E402
from model.optimisation.coalitions import clear_cache, coalition_costs, synthetic_partnership  # noqa: E402
from model.optimisation.fast_coalitions import prune_dominated_options  # noqa: E402
from model.optimisation.separation import SeparationModel  # noqa: E402


def load_note() -> str:
    try:
        one, _, _ = os.getloadavg()
    except OSError:
        return "load average unavailable"
    return f"load average {one:.2f} on {os.cpu_count()} cores"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--region", action="store_true", help="also time tariff_table on scenarios/region.toml")
    parser.add_argument("--region-only", action="store_true", help="only the regional runs (part 4)")
    parser.add_argument(
        "--region-runs",
        default="2,1,dask",
        help="comma-separated settings of the regional runs: a number of worker processes or 'dask' (a local "
        "cluster of 2 single-threaded workers); the first is the reference the others must equal (default 2,1,dask)",
    )
    args = parser.parse_args()
    ok = True
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {load_note()} at start")
    if args.region_only:
        ok = region_runs(args.region_runs)
        print(f"\n{load_note()} at end")
        return 0 if ok else 1

    # 1. the exact table (coalition_costs) against the oracle's MILP on pruned menus
    scenario = synthetic_partnership(args.members)
    names = tuple(scenario.member_names)
    clear_cache()
    start = time.perf_counter()
    table = coalition_costs(scenario, workers=args.workers)
    t_reference = time.perf_counter() - start
    instance = profitable_bundles_only(build_instance(scenario))
    pruned = prune_dominated_options(instance)
    options = (
        sum(len(p.options) for p in instance.shared.values()),
        sum(len(p.options) for p in pruned.shared.values()),
    )
    start = time.perf_counter()
    with CoalitionOracle(pruned, workers=args.workers) as oracle:
        fast = oracle.costs(range(1, 1 << len(names)))
    t_fast = time.perf_counter() - start
    worst = max(abs(fast[m] - table[frozenset(n for b, n in enumerate(names) if m >> b & 1)]) for m in fast)
    ok &= worst <= 0.01
    print(
        f"\n[1. all {len(fast):,} coalitions, {args.workers} processes] coalition_costs {t_reference:.1f} s; "
        f"oracle MILP on pruned menus ({options[0]} -> {options[1]} pool options) {t_fast:.1f} s "
        f"({t_fast / t_reference:.2f}x the table's time); largest difference GBP {worst:.4f}; "
        f"target < 20 s for coalition_costs: {'PASS' if t_reference < 20 else 'FAIL'}; {load_note()}"
    )

    # 2. sampled Shapley on the table: coverage and efficiency of the designs
    game = games.CostGame.from_table(table, names)
    exact = games_solutions.shapley(game).as_array()
    values = game.table

    def costs_of(masks):
        return {m: float(values[m]) for m in masks}

    for design in ("cyclic", "independent"):
        covered = total = 0
        widths = []
        coalitions = []
        for seed in range(args.seeds):
            est = sampled_shapley(names, costs_of, seed=seed, design=design, min_blocks=5, max_blocks=5)
            shares = np.array([est.shares[n] for n in names])
            half = np.array([est.half_width[n] for n in names])
            covered += int(np.sum(np.abs(shares - exact) <= half))
            total += len(names)
            widths.append(float(np.mean(half / np.abs(exact))))
            coalitions.append(est.coalitions)
        # a half-width scales as 1/sqrt(solves): width x sqrt(solves) compares designs at equal cost
        efficiency = float(np.mean(widths)) * np.sqrt(np.mean(coalitions))
        print(
            f"[2. sampled Shapley, {design} blocks, 5 blocks x {args.seeds} seeds] coverage of the exact value "
            f"{covered}/{total} = {covered / total:.1%}; mean half-width {np.mean(widths):.2%} of a share with "
            f"{np.mean(coalitions):,.0f} coalitions; half-width x sqrt(coalitions) {efficiency:.3f} (lower is better)"
        )

    # 3. row generation against the enumerated LPs
    heads = {m.name: m.headcount for m in scenario.members}
    per_capita = {n: game.grand_value * heads[n] / sum(heads.values()) for n in names}
    start = time.perf_counter()
    eps_exact = games_solutions.least_core_epsilon(game)
    closest_exact = games_solutions.closest_core_allocation(game, per_capita).to_dict()
    check_exact = games_solutions.core_check(game, per_capita)
    t_enumerated = time.perf_counter() - start
    start = time.perf_counter()
    separation = SeparationModel(pruned)

    def separate(x):
        found = separation.solve(x)
        return found.coalition, found.excess_gbp

    rowgen = RowGenerationGame(names, lambda s: table[frozenset(s)], separate)
    eps = rowgen.least_core().epsilon
    closest, _ = rowgen.closest_core(per_capita)
    verdict = rowgen.core_verdict(per_capita)
    t_rowgen = time.perf_counter() - start
    gap = max(abs(closest[n] - closest_exact[n]) for n in names)
    agree = abs(eps - eps_exact) <= 1.0 and gap <= 1.0 and verdict.in_core == check_exact.in_core
    ok &= agree
    print(
        f"\n[3. row generation, {len(names)} members] least-core epsilon GBP {eps:,.2f} (enumerated {eps_exact:,.2f}); "
        f"closest core largest difference GBP {gap:.4f}; per-capita in core {verdict.in_core} (enumerated "
        f"{check_exact.in_core}, worst excess GBP {verdict.excess_gbp:,.2f} vs {check_exact.max_excess:,.2f}); "
        f"{len(rowgen.rows)} rows of {2 ** len(names) - 2:,}, {rowgen.separations} separation MILPs, {t_rowgen:.1f} s "
        f"(enumerated LPs on the ready table {t_enumerated:.2f} s); agree: {agree}"
    )

    if args.region or args.region_only:
        ok = region_runs(args.region_runs) and ok
    print(f"\n{load_note()} at end")
    return 0 if ok else 1


def region_runs(settings: str) -> bool:
    """Part 4: the regional ``tariff_table`` on each setting; True when every run equals the first bit for bit."""
    from model.fairness.tariffs import tariff_table
    from model.scenario import load_scenario

    region = load_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "region.toml")
    reference: tuple[str, float, dict] | None = None
    ok = True
    for setting in [part.strip() for part in settings.split(",") if part.strip()]:
        print(f"\n[4. region, {len(region.members)} members] tariff_table on {setting} ({load_note()} at start)")
        start = time.perf_counter()
        if setting == "dask":
            import distributed

            with (
                distributed.LocalCluster(
                    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
                ) as cluster,
                distributed.Client(cluster) as client,
            ):
                result = tariff_table(region, workers=2, scale_options={"client": client})
        else:
            result = tariff_table(region, workers=int(setting))
        elapsed = time.perf_counter() - start
        answer = region_answer(result)
        line = f"  {elapsed:.0f} s wall (target < 600 s: {'PASS' if elapsed < 600 else 'FAIL'})"
        if reference is None:
            reference = (setting, elapsed, answer)
            for method, how in result.core["methods_used"].items():
                print(f"  {method}: {how}")
            for method, check in result.core["methods"].items():
                print(f"  core verdict, {method}: {check['verdict']}")
            if "today" in result.core:
                print(f"  core verdict, today: {result.core['today']['verdict']}")
            print(f"  least-core bounds: {result.core['least_core_epsilon_bounds_gbp_per_year']}")
            print(f"  seconds by phase: {result.core.get('seconds')}")
        else:
            same = answer == reference[2]
            ok = ok and same
            line += f", {elapsed / reference[1]:.2f}x the {reference[0]}-process reference; identical: {same}"
        print(line + f"; {load_note()} at end")
    return ok


def region_answer(result) -> dict:
    """What must not depend on the workers: every tariff column and interval of every member, and every core
    verdict with its excess and the coalition it names."""
    table = result.by_member
    columns = [c for c in table.columns if c != "member"]
    return {
        "by_member": {c: [float(v) if isinstance(v, (int, float)) else v for v in table[c]] for c in columns},
        "verdicts": {
            m: (c["verdict"], c["excess_gbp_per_year"], c["worst_coalition"]) for m, c in result.core["methods"].items()
        },
        "today": result.core.get("today", {}).get("verdict"),
        "bounds": result.core.get("least_core_epsilon_bounds_gbp_per_year"),
    }


if __name__ == "__main__":
    raise SystemExit(main())
