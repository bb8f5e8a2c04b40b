"""Tests added when the rest of the demand and KPI functions were measured by ``make mutation`` (issue 12, fourth
pass; scores in docs/testing.md). Each asserts values derived in its docstring, never by the code under test."""

from __future__ import annotations

import numpy as np

from model.scenario import scenario_from_dict, toy_scenario_dict
from model.simulation.demand import case_batches


def test_case_batches_default_to_replication_0_the_scenario_seed_and_horizon() -> None:
    """The toy scenario at 2,610 cases a year per 1,000 heads (10 a working day), 12 months, seed 5: called with no
    replication, seed or horizon, ``case_batches`` draws replication 0 with the scenario's seed over 12 x 21.75 =
    261 working days, so it returns exactly what the explicit call returns (about 2,610 arrivals, all before day
    261), and not replication 1's draws nor seed 6's."""
    scenario = scenario_from_dict(toy_scenario_dict(demand_per_1000=2610.0))
    (default,) = case_batches(scenario)
    (explicit,) = case_batches(scenario, 0, seed=5, horizon_days=261.0)
    np.testing.assert_array_equal(default.arrival_day, explicit.arrival_day)
    assert 2400 < len(default) < 2800 and default.arrival_day.max() < 261.0
    for other in (case_batches(scenario, 1), case_batches(scenario, 0, seed=6)):
        assert len(other[0]) != len(default) or not np.array_equal(other[0].arrival_day, default.arrival_day)
    (shorter,) = case_batches(scenario, 0, seed=5, horizon_days=100.0)
    np.testing.assert_array_equal(shorter.arrival_day, default.arrival_day[default.arrival_day < 100.0])
