"""Tests added when the rest of the demand and KPI functions were measured by ``make mutation`` (issue 12, fourth
pass; scores in docs/testing.md). Each asserts values derived in its docstring, never by the code under test."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.scenario import scenario_from_dict, toy_scenario_dict
from model.simulation.demand import case_batches


def test_case_batches_default_to_replication_0_the_scenario_seed_and_horizon() -> None:
    """The toy scenario at 2,610 cases a year per 1,000 heads (10 a working day), 12 months, seed 5: called with no
    replication, seed or horizon, ``case_batches`` draws replication 0 with the scenario's seed over 12 x 21.75 =
    261 working days, so it returns exactly what the explicit call returns (about 2,610 arrivals, all before day
    261), and not replication 1's draws nor seed 6's. Rates of a case a day or less make batches too, and a
    stream that draws no arrival makes none."""
    scenario = scenario_from_dict(toy_scenario_dict(demand_per_1000=2610.0))
    (default,) = case_batches(scenario)
    (explicit,) = case_batches(scenario, 0, seed=5, horizon_days=261.0)
    np.testing.assert_array_equal(default.arrival_day, explicit.arrival_day)
    assert 2400 < len(default) < 2800 and default.arrival_day.max() < 261.0
    for other in (case_batches(scenario, 1), case_batches(scenario, 0, seed=6)):
        assert len(other[0]) != len(default) or not np.array_equal(other[0].arrival_day, default.arrival_day)
    (shorter,) = case_batches(scenario, 0, seed=5, horizon_days=100.0)
    np.testing.assert_array_equal(shorter.arrival_day, default.arrival_day[default.arrival_day < 100.0])
    # half a case a working day (130.5 a year): a batch of about 130 (seed 5: 122); one case a year: seed 0 draws
    # one arrival (a batch of one), seed 3 none (no batch, not an empty one)
    half = scenario_from_dict(toy_scenario_dict(demand_per_1000=130.5))
    assert [len(batch) for batch in case_batches(half)] == [122]
    for seed, sizes in ((0, [1]), (3, [])):
        data = toy_scenario_dict(demand_per_1000=1.0)
        data["simulation"]["seed"] = seed
        assert [len(batch) for batch in case_batches(scenario_from_dict(data))] == sizes


def test_reliability_counts_by_service_and_team_and_over_staffed_teams(monkeypatch) -> None:
    """Per-period verdicts (as ``team_verdicts`` gives them; stubbed here to test the counting alone):
    svc / host: period 1 scored and met, 2 scored and missed, 3 not scored; svc / external: 1 scored and met, 2 and
    3 not scored; svc2 / host: all three scored and met. By service x team: scored 2, met 1, reliability 1/2; 1, 1,
    1; 3, 3, 1. Over the staffed teams (host and in-house, not external): periods 1 and 2 have every staffed team
    scored (period 3 does not: svc / host), and only period 1 has every one met: 2 scored, 1 met. Only external
    verdicts: no all-KPI rows; no verdicts at all: no rows."""
    from model.simulation import kpis

    def verdicts(rows: list[tuple[str, str, int, bool, bool]]) -> pd.DataFrame:
        return pd.DataFrame(
            [(s, t, p, p * 2, scored, met) for s, t, p, scored, met in rows],
            columns=["service", "team", "period", "month", "scored", "met"],
        )

    table = verdicts(
        [
            ("svc", "host", 1, True, True),
            ("svc", "host", 2, True, False),
            ("svc", "host", 3, False, False),
            ("svc", "external", 1, True, True),
            ("svc", "external", 2, False, False),
            ("svc", "external", 3, False, False),
            ("svc2", "host", 1, True, True),
            ("svc2", "host", 2, True, True),
            ("svc2", "host", 3, True, True),
        ]
    )

    def counted(table: pd.DataFrame) -> dict[tuple[str, str, str], float]:
        monkeypatch.setattr(kpis, "team_verdicts", lambda scenario, cases: table)
        rows = kpis._Rows(0)
        kpis._reliability_metrics(None, None, rows)
        return {(metric, service, team): value for _, metric, service, team, _, _, value in rows.rows}

    assert counted(table) == {
        ("kpi_periods_scored", "svc", "host"): 2,
        ("kpi_periods_met", "svc", "host"): 1,
        ("kpi_reliability", "svc", "host"): 0.5,
        ("kpi_periods_scored", "svc", "external"): 1,
        ("kpi_periods_met", "svc", "external"): 1,
        ("kpi_reliability", "svc", "external"): 1.0,
        ("kpi_periods_scored", "svc2", "host"): 3,
        ("kpi_periods_met", "svc2", "host"): 3,
        ("kpi_reliability", "svc2", "host"): 1.0,
        ("all_kpis_periods_scored", "all", "all"): 2,
        ("all_kpis_periods_met", "all", "all"): 1,
    }
    external = counted(table[table["team"] == "external"])
    assert not any(key[0].startswith("all_kpis") for key in external)
    assert external[("kpi_periods_scored", "svc", "external")] == 1
    assert counted(table.iloc[0:0]) == {}
