"""Replication throughput: the default scenario, one simulated year x 100 replications, in this process (the
reference), with 2 local worker processes (target: under 30 s) and on a 2-worker Dask LocalCluster on loopback.

Run: ``.venv/bin/python benchmarks/replications_speed.py [--replications N] [--repeat R] [--no-dask]``. Prints
wall-clock seconds (best of R), the speed-up over the in-process reference measured in the same run, the CPU seconds
the replications used (this process plus the worker processes: a load-independent view of the parallel overhead), and
checks that the three KPI tables are bit-identical. Wall-clock figures depend on other load on the machine: the load
average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

import pandas as pd

from model.scenario import apply_overrides, load_scenario
from model.simulation import multiple_replications

TARGET_SECONDS = 30.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1, help="repeat each measurement, report the best")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster measurement")
    args = parser.parse_args()
    scenario = apply_overrides(load_scenario(), ["simulation.horizon_months=12"])
    n = args.replications
    print(
        f"{scenario.name}, 12 months x {n} replications; Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )

    def cpu_seconds() -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    serial, serial_cpu, two, two_cpu = [], [], [], []
    for _ in range(args.repeat):
        cpu, started = cpu_seconds(), time.perf_counter()
        reference = multiple_replications(scenario, n=n, workers=1)
        serial.append(time.perf_counter() - started)
        serial_cpu.append(cpu_seconds() - cpu)
        cpu, started = cpu_seconds(), time.perf_counter()
        local = multiple_replications(scenario, n=n, workers=2)
        two.append(time.perf_counter() - started)
        two_cpu.append(cpu_seconds() - cpu)
        pd.testing.assert_frame_equal(reference.kpis, local.kpis, check_exact=True)
    best, best_two = min(serial), min(two)
    print(
        f"in-process (reference): {best:6.1f} s  ({best / n * 1000:.0f} ms per replication, "
        f"CPU {min(serial_cpu):.1f} s)"
    )
    verdict = "meets" if best_two < TARGET_SECONDS else "MISSES"
    print(
        f"2 local processes:      {best_two:6.1f} s  speed-up x{best / best_two:.2f}  CPU {min(two_cpu):.1f} s  "
        f"({verdict} the {TARGET_SECONDS:.0f} s target)"
    )

    if not args.no_dask:
        from distributed import LocalCluster

        started = time.perf_counter()
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
        ) as cluster:
            start_up = time.perf_counter() - started
            started = time.perf_counter()
            on_dask = multiple_replications(scenario, n=n, dask_address=cluster.scheduler_address)
            dask_time = time.perf_counter() - started
        print(
            f"Dask LocalCluster (2):  {dask_time:6.1f} s  speed-up x{best / dask_time:.2f}  "
            f"(+{start_up:.1f} s to start the cluster)"
        )
        pd.testing.assert_frame_equal(reference.kpis, on_dask.kpis, check_exact=True)
    print("KPI tables bit-identical across backends: yes")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
