"""The exact coalition table (issue 15, section 4): every c(S) of the 12-member synthetic partnership.

New path: ``coalition_costs``' workers try the certified pool-by-pool relaxation (``model.optimisation
.coalition_table``) before each MILP, on the pruned menus (``model.optimisation.fast_coalitions``). Reference, in the
same run: a MILP for every coalition on the unpruned instance (the path before this change). Prints seconds (wall),
CPU per coalition (the workers' CPU time from ``getrusage``), MILPs skipped and the largest difference after
rounding to the penny, which must be 0.00 (exit code 1 otherwise).

Run: ``.venv/bin/python benchmarks/coalition_table_speed.py [--members 12] [--workers 2] [--order new-first]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model.optimisation.catalogue_instance import build_instance, profitable_bundles_only  # noqa: E402
from model.optimisation.coalitions import all_masks, solve_masks, synthetic_partnership  # noqa: E402
from model.optimisation.fast_coalitions import prune_dominated_options  # noqa: E402


def load_note() -> str:
    try:
        one, _, _ = os.getloadavg()
    except OSError:
        return "load average unavailable"
    return f"load average {one:.2f} on {os.cpu_count()} cores"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the worker processes), seconds."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(run):  # noqa: ANN001, ANN202 - a benchmark helper
    start, cpu = time.perf_counter(), cpu_seconds()
    result = run()
    return result, time.perf_counter() - start, cpu_seconds() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--order", choices=("new-first", "reference-first"), default="new-first")
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {load_note()} at start")
    scenario = synthetic_partnership(args.members)
    masks = all_masks(args.members)
    instance = profitable_bundles_only(build_instance(scenario))
    pruned = prune_dominated_options(instance)
    stats: dict[str, int] = {}

    def new():  # noqa: ANN202
        return solve_masks(pruned, masks, workers=args.workers, stats=stats)

    def reference():  # noqa: ANN202
        return solve_masks(instance, masks, workers=args.workers, bounds=False)

    runs = {}
    for name in ("new", "reference") if args.order == "new-first" else ("reference", "new"):
        runs[name] = timed(new if name == "new" else reference)
        print(f"  {name}: {runs[name][1]:.1f} s wall, {runs[name][2]:.1f} CPU-s; {load_note()} after")
    fast, t_new, cpu_new = runs["new"]
    table, t_ref, cpu_ref = runs["reference"]
    worst = max(abs(round(fast[m], 2) - round(table[m], 2)) for m in masks)
    n = len(masks)
    print(
        f"\n[all {n:,} coalitions of {args.members} members, {args.workers} processes] new path {t_new:.1f} s "
        f"({cpu_new / n * 1e3:.1f} CPU-ms a coalition; {stats['certified']:,} certified without a MILP, "
        f"{stats['milp']:,} MILPs) against the reference {t_ref:.1f} s ({cpu_ref / n * 1e3:.1f} CPU-ms a coalition, "
        f"{n:,} MILPs): {t_ref / t_new:.2f}x; largest difference after rounding to the penny GBP {worst:.2f}; "
        f"target < 20 s: {'PASS' if t_new < 20 else 'FAIL'}; {load_note()} at the end"
    )
    return 0 if worst == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
