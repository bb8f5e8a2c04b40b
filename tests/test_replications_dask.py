"""Dask backend: the same replications on a LocalCluster (two worker processes on loopback) are bit-identical to the
in-process run, and automatic replications work through the cluster too."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from model.scenario import Scenario, apply_overrides
from model.simulation import auto_replications, multiple_replications

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.xdist_group("dask_local_cluster")  # one cluster: keep these tests on one xdist worker

SEED = 99


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    local = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    )
    try:
        yield local
    finally:
        local.close()


@pytest.fixture(scope="module")
def short(default_scenario: Scenario) -> Scenario:
    return apply_overrides(default_scenario, ["simulation.horizon_months=6"])


@pytest.fixture(scope="module")
def in_process(short: Scenario):
    """Reference run in this process (tests/test_replications.py shows 2 local processes give the same tables)."""
    return multiple_replications(short, n=8, workers=1, keep_cases=True, seed=SEED, dask_address="")


@pytest.mark.slow
def test_dask_equals_in_process(short: Scenario, cluster: distributed.LocalCluster, in_process) -> None:
    on_dask = multiple_replications(short, n=8, dask_address=cluster.scheduler_address, keep_cases=True, seed=SEED)
    assert on_dask.backend == f"Dask cluster at {cluster.scheduler_address}"
    for name in ("kpis", "backlog", "staff", "cases"):
        pd.testing.assert_frame_equal(getattr(in_process, name), getattr(on_dask, name), check_exact=True)


@pytest.mark.slow
def test_auto_replications_on_dask_via_environment(
    short: Scenario, cluster: distributed.LocalCluster, in_process, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
    auto = auto_replications(
        short, "utilisation", member="host", relative_precision=0.08, initial=4, batch=2, seed=SEED
    )
    assert auto.experiment.backend.startswith("Dask cluster")
    assert auto.reached
    assert len(auto.history) >= 2  # at least two rounds through the same cluster connection
    assert auto.history["relative_half_width"].iloc[-1] <= 0.08 < auto.history["relative_half_width"].iloc[0]
    k = min(auto.replications, in_process.replications)
    pd.testing.assert_frame_equal(
        auto.experiment.kpis[auto.experiment.kpis["replication"] < k],
        in_process.kpis[in_process.kpis["replication"] < k],
        check_exact=True,
    )
