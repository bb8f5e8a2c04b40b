"""KPI reliability in the SLA's terms (``model.reliability``, ``model.steady_state``): the rolling-window rule against
hand-worked periods, the settled month of both default scenarios, and per-team verdicts that never mix teams."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.scenario import DEFAULT_SCENARIO, load_scenario, scenario_from_dict, toy_scenario_dict
from model.simulation import ReliabilityRules, simulate, steady_state_scenario
from model.simulation.kpis import replication_kpis
from model.simulation.reliability import period_counts, rolling_verdicts, scoring_start_month, team_of
from model.simulation.steady_state import settled_month

CHESHIRE = DEFAULT_SCENARIO.parent / "cheshire.toml"


def test_rolling_window_rule_by_hand() -> None:
    """Target 0.8, at least 5 cases, at most 3 periods a window. Hand-worked:
    p0: 2 cases (window of 1 period, short of 5, not the full 3 periods) -> not scored;
    p1: 2 + 2 = 4 < 5, 2 periods -> not scored;
    p2: 6 cases alone >= 5 -> scored on p2 only: 5/6 = 0.83 -> met;
    p3: 1 case, + p2 = 7 >= 5 -> (0 + 5)/7 = 0.71 -> missed;
    p4: 0 cases, + p3 + p2 = 7 -> 5/7 -> missed;
    p5: 1, + p4 + p3 = 2 cases but the full 3-period window -> scored on what it holds: 1/2 -> missed;
    p6: 0 cases in p6, p5 (1 hit), p4 (0) -> full window, 1 case, 1 hit -> met."""
    counts = np.array([2, 2, 6, 1, 0, 1, 0], dtype=float)
    hits = np.array([2, 1, 5, 0, 0, 1, 0], dtype=float)
    scored, met = rolling_verdicts(counts, hits, target=0.8, min_cases=5, max_periods=3)
    assert scored.tolist() == [False, False, True, True, True, True, True]
    assert met.tolist() == [False, False, True, False, False, False, True]


def test_rolling_window_empty_full_window_is_not_scored() -> None:
    scored, met = rolling_verdicts(np.zeros(4), np.zeros(4), target=0.9, min_cases=1, max_periods=2)
    assert not scored.any() and not met.any()


def test_high_volume_periods_are_scored_alone() -> None:
    """With at least ``min_cases`` in every period each period is judged on its own cases (no smoothing)."""
    counts = np.array([30, 30, 30], dtype=float)
    hits = np.array([30, 20, 29], dtype=float)
    scored, met = rolling_verdicts(counts, hits, target=0.9, min_cases=20, max_periods=6)
    assert scored.all()
    assert met.tolist() == [True, False, True]


def test_period_counts_use_the_decided_day() -> None:
    """Periods of 43.5 working days (two months); cases outside the scored periods are ignored."""
    decided = np.array([10.0, 50.0, 60.0, 100.0, 130.6, 200.0])
    hits = np.array([1, 0, 1, 1, 1, 1], dtype=float)
    counts, sums = period_counts(decided, hits, review_days=43.5, first_period=1, n_periods=2)
    # period 1 = [43.5, 87): 50, 60 -> 2 cases, 1 hit; period 2 = [87, 130.5): 100 -> 1 case; 130.6 is period 3.
    assert counts.tolist() == [2.0, 1.0]
    assert sums.tolist() == [1.0, 1.0]


@pytest.mark.parametrize(("path", "month"), [(DEFAULT_SCENARIO, 48), (CHESHIRE, 24)])
def test_settled_month_of_the_default_scenarios(path, month) -> None:
    """Herts: West Essex joins and East and North Herts takes OD in April 2018 (month 48); Cheshire: the PCTs are
    abolished and the CCGs join in April 2013 (month 24)."""
    scenario = load_scenario(path)
    assert settled_month(scenario) == month
    assert scoring_start_month(scenario) == month
    rules = ReliabilityRules.of(scenario)
    assert rules.n_periods == (scenario.simulation.horizon_months - month) // 2
    assert rules.max_periods == 6 and rules.min_cases == 20


def test_steady_state_scenario_keeps_the_settled_membership_and_calendar() -> None:
    cheshire = load_scenario(CHESHIRE)
    settled = steady_state_scenario(cheshire, months=24, warm_up_months=3)
    assert settled.member_names == ["East Cheshire NHS Trust", "Eastern Cheshire CCG", "South Cheshire CCG"]
    assert all(m.join_month == 0 and m.leave_month is None for m in settled.members)
    sim = settled.simulation
    assert (sim.horizon_months, sim.warm_up_months, sim.initial_backlog) == (27, 3, {})
    # Month 3 of the settled run is the scenario's month 24 (April 2013): the run starts in January 2013.
    assert sim.start == "2013-01"
    herts = steady_state_scenario(load_scenario(DEFAULT_SCENARIO))
    enh = herts.member("East and North Hertfordshire CCG")
    assert "od_learning" in herts.subscribed(enh) and enh.service_start_month == {}
    assert settled_month(herts) == 0


def _mixed_mode_scenario() -> dict:
    """Two members of one service: A shared (a host team of 3 FTE, ample) and B in house with a tiny team that
    cannot keep up, so a verdict that mixed the teams would hide B's failure."""
    data = toy_scenario_dict(demand_per_1000=150.0, fte=3.0, horizon_months=24)
    data["members"].append(
        {
            "name": "B",
            "headcount": 1000,
            "fte": 900.0,
            "provision": {"svc": "in_house"},
            "in_house_fte": {"worker": 0.5},
        }
    )
    return data


def test_per_team_verdicts_do_not_mix_teams() -> None:
    scenario = scenario_from_dict(_mixed_mode_scenario())
    output = simulate(scenario, 0)
    teams = team_of(output.cases)
    assert set(teams) == {"host", "B"}
    assert (teams[output.cases["member"].to_numpy() == "A"] == "host").all()
    kpis = replication_kpis(scenario, output)
    reliability = kpis[kpis["metric"] == "kpi_reliability"].set_index("member")["value"]
    assert reliability["host"] == pytest.approx(1.0)
    assert reliability["B"] == pytest.approx(0.0)
    scored = kpis[kpis["metric"] == "kpi_periods_scored"].set_index("member")["value"]
    assert scored["host"] == 12 and scored["B"] == 12  # 24 months, bi-monthly, every period has cases
    both = kpis[kpis["metric"].str.startswith("all_kpis")].set_index("metric")["value"]
    assert both["all_kpis_periods_scored"] == 12 and both["all_kpis_periods_met"] == 0


def test_reliability_counts_add_up_over_replications(default_scenario) -> None:
    """Pooled reliability = sum met / sum scored; met never exceeds scored, and the periods scored per team never
    exceed the review periods of the settled window (6 for Herts: April 2018 to March 2019)."""
    frames = [replication_kpis(default_scenario, simulate(default_scenario, r)) for r in range(2)]
    kpis = pd.concat(frames)
    scored = kpis[kpis["metric"] == "kpi_periods_scored"]["value"].to_numpy()
    met = kpis[kpis["metric"] == "kpi_periods_met"]["value"].to_numpy()
    assert (met <= scored).all() and (scored <= 6).all()
    rows = kpis[kpis["metric"] == "kpi_periods_scored"]
    busy = rows[rows["service"].isin(["recruitment", "payroll_operational", "policy_guidance", "training"])]
    assert (busy["value"] == 6).all()  # hundreds of cases a year: every period is scored on its own cases
    assert len(busy) == 8


def test_compare_measures_carry_reliability_by_team() -> None:
    """``sharedhr compare`` pairs the same per-team reliability the verification uses."""
    from model.risk import kpi_measures

    scenario = scenario_from_dict(_mixed_mode_scenario())
    measures = kpi_measures(scenario, replication_kpis(scenario, simulate(scenario, 0)))
    reliability = measures[measures["measure"] == "kpi_reliability"].set_index("member")["value"]
    assert reliability["host"] == pytest.approx(1.0)
    assert reliability["B"] == pytest.approx(0.0)


def test_service_verdict_is_met_only_if_every_team_meets_it() -> None:
    """B's in-house team fails with its own cases, so the service's verdict is "not met" whatever the host team
    does; without B the host team alone meets it."""
    scenario = scenario_from_dict(_mixed_mode_scenario())
    kpis = replication_kpis(scenario, simulate(scenario, 0))
    row = kpis[(kpis["metric"] == "sla_target_met") & (kpis["service"] == "svc") & (kpis["member"] == "all")]
    assert row["value"].tolist() == [0.0]
    # Host-only: the same scenario without member B meets the KPI.
    data = _mixed_mode_scenario()
    data["members"] = data["members"][:1]
    alone = scenario_from_dict(data)
    kpis = replication_kpis(alone, simulate(alone, 0))
    row = kpis[(kpis["metric"] == "sla_target_met") & (kpis["service"] == "svc") & (kpis["member"] == "all")]
    assert row["value"].tolist() == [1.0]
