"""Speed of the simulator-calibrated capacity table and of the verified optimiser (``model.optimisation.calibration``,
``model.optimisation.verification``).

Measures, in one run, each against a reference measured in the same run:

1. the default scenario's calibrated capacity table from cold (a fresh cache folder, 2 processes; target < 60 s),
   as a multiple of one replication of the default scenario's 60-month simulation (the reference);
2. the same table from the cache (target < 1 s);
3. the verified ``optimise`` of the default scenario from cold: calibration, MILP, verification rounds, the paired
   saving and the "why" re-solves (target < 90 s);
4. all 4,095 coalitions of the 12-member synthetic partnership on the calibrated table against the same on Erlang C's
   capacity (``benchmarks/catalogue_speed.py``'s figure; target: no slower, the ratio at most about 1).

Run: ``.venv/bin/python benchmarks/calibration_speed.py [--workers 2] [--skip-coalitions]``. Prints the figures with
PASS/FAIL against the targets; exit code 0 either way (1 only if a result is inconsistent).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalogue_speed import load_note  # noqa: E402  (this folder is on the path when a benchmark runs)

from model.optimisation import (  # noqa: E402
    CatalogueOptions,  # noqa: E402
    clear_cache,
    coalition_costs,
    synthetic_partnership,
    verified_optimise,  # noqa: E402
)
from model.optimisation.calibration import calibrate  # noqa: E402
from model.scenario import load_scenario  # noqa: E402
from model.simulation import simulate  # noqa: E402


def verdict(seconds: float, target: float) -> str:
    return f"{'PASS' if seconds < target else 'FAIL'} (target < {target:g} s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-coalitions", action="store_true", help="leave out the 4,095-coalition comparison")
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {load_note()} at start")
    scenario = load_scenario()

    simulate(scenario, 0)  # warm the imports and caches
    start = time.perf_counter()
    for replication in range(5):
        simulate(scenario, replication)
    reference = (time.perf_counter() - start) / 5
    print(f"\n[reference] one replication of the default scenario (60 months, ~9,300 cases): {reference:.3f} s")

    with tempfile.TemporaryDirectory(prefix="sharedhr-bench-") as folder:
        os.environ["SHAREDHR_CACHE_DIR"] = folder
        start = time.perf_counter()
        table = calibrate(scenario, workers=args.workers)
        cold = time.perf_counter() - start
        frame = table.frame()
        print(
            f"\n[calibrated capacity, default scenario, cold, {args.workers} processes] {len(frame)} pools, "
            f"{int(frame['replications'].sum()):,} pool replications in {cold:.1f} s = {cold / reference:.0f} "
            f"replications of the default scenario -> {verdict(cold, 60)}; {load_note()}"
        )
        start = time.perf_counter()
        again = calibrate(scenario, workers=args.workers)
        warm = time.perf_counter() - start
        same = again.frame()["capacity_cases_per_year"].tolist() == frame["capacity_cases_per_year"].tolist()
        print(f"[calibrated capacity, from the cache] {warm:.2f} s -> {verdict(warm, 1)}; identical table: {same}")

    with tempfile.TemporaryDirectory(prefix="sharedhr-bench-") as folder:
        os.environ["SHAREDHR_CACHE_DIR"] = folder
        start = time.perf_counter()
        verified = verified_optimise(scenario, workers=args.workers, explain=True)
        total = time.perf_counter() - start
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in verified.seconds.items())
        head = verified.headline()
        print(
            f"\n[verified optimise, default scenario, cold] {total:.1f} s ({parts}; the rest is the 'why' "
            f"re-solves) in {verified.rounds} round(s), verified: {verified.verified} -> {verdict(total, 90)}"
        )
        print(
            f"  recommended GBP {head['recommended_cost_gbp_per_year']['mean']:,.0f}/yr, saving against today "
            f"GBP {head['saving_gbp_per_year']['mean']:,.0f}/yr (95% CI {head['saving_gbp_per_year']['ci_low']:,.0f} "
            f"to {head['saving_gbp_per_year']['ci_high']:,.0f})"
        )

        consistent = same and verified.verified
        if not args.skip_coalitions:
            synthetic = synthetic_partnership(12)
            clear_cache()
            start = time.perf_counter()
            analytic = coalition_costs(synthetic, workers=args.workers)
            t_analytic = time.perf_counter() - start
            start = time.perf_counter()
            table = calibrate(synthetic, workers=args.workers)
            t_table = time.perf_counter() - start
            clear_cache()
            start = time.perf_counter()
            calibrated = coalition_costs(synthetic, workers=args.workers, options=CatalogueOptions(capacity=table))
            t_calibrated = time.perf_counter() - start
            ratio = t_calibrated / t_analytic
            print(
                f"\n[12-member synthetic partnership, 4,095 coalitions, {args.workers} processes] Erlang C capacity "
                f"{t_analytic:.1f} s; calibrated capacity {t_calibrated:.1f} s (+ {t_table:.1f} s to calibrate the "
                f"table once): ratio {ratio:.2f} -> {'PASS' if ratio <= 1.1 else 'FAIL'} (no slower, 10% noise)"
            )
            dearer = sum(1 for s in analytic if calibrated[s] >= analytic[s] - 1e-6)
            print(f"  c(S) on calibrated capacity >= c(S) on Erlang C for {dearer:,} of {len(analytic):,} coalitions")
            consistent = consistent and len(calibrated) == len(analytic)
    print(f"\n{load_note()} at end")
    return 0 if consistent else 1


if __name__ == "__main__":
    raise SystemExit(main())
