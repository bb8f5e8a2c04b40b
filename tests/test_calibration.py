"""Pool capacity calibrated by the simulator (``model.calibration``) and the verification loop
(``model.verification``): the search against a known threshold, agreement with Erlang C when absence is switched off,
a one-person team that the averaged-absence formula accepts and the simulator rejects, the on-disk cache, and the
MILP against brute force on the calibrated table."""

from __future__ import annotations

import math
import time

import pytest
from test_catalogue_bruteforce import brute_force, small_scenario

from model.optimisation import CatalogueOptions, optimise, verified_optimise
from model.optimisation.calibration import (
    CalibrationSettings,
    CapacityTable,
    PoolCapacity,
    calibrate,
    calibrate_pool,
    pool_scenario_data,
    search_capacity,
)
from model.optimisation.catalogue_instance import HOST_TEAM
from model.optimisation.pooling import pool_capacity, queueing_budget_days, service_rate_per_fte
from model.scenario import Scenario, scenario_from_dict, toy_scenario_dict

FAST = CalibrationSettings(months=12, max_replications=8, precision=0.05)


@pytest.mark.parametrize(
    ("threshold", "guess", "floor"), [(3.7, 1.0, 0.0), (3.7, 9.0, 0.0), (0.02, 5.0, 0.0), (6, 5, 4)]
)
def test_search_brackets_a_known_threshold(threshold, guess, floor) -> None:
    """A verdict that holds exactly up to ``threshold``: the search returns a passing rate and a failing one no
    more than 3% apart around it, from a guess below or above."""
    calls = []

    def passes(rate: float) -> bool:
        calls.append(rate)
        return rate <= threshold

    low, high, probes = search_capacity(passes, guess, floor, ceiling=10.0, precision=0.03)
    assert low <= threshold < high
    assert high / low - 1 <= 0.03
    assert probes == len(calls) and probes <= 14  # a guess 250 times too high costs 14, a good one about 5


def test_search_gives_zero_when_nothing_passes() -> None:
    low, high, _ = search_capacity(lambda rate: False, 1.0, 0.0, ceiling=10.0, precision=0.03)
    assert low == 0.0 and high < 0.05  # nothing passes down to half a percent of the ceiling


def _queue_scenario(servers: float) -> Scenario:
    """One pool with exponential work (mean half a working day per case: 2 cases a day per person), no wait steps,
    no seasonality and no absence of any kind: an M/M/c queue. KPI 70% within 0.8 working days, reliability 0.5:
    a period meets the KPI when its attainment is at least the long-run target."""
    data = toy_scenario_dict(
        steps=[{"name": "work", "kind": "work", "duration": {"distribution": "exponential", "mean": 2.75}}],
        demand_per_1000=1000.0,
        fte=servers,
    )
    data["services"][0]["kpi"] = {
        "description": "70% within 0.8 days",
        "target_days": 0.8,
        "target_fraction": 0.7,
        "reliability": 0.5,
    }
    data["simulation"]["seed"] = 5
    return scenario_from_dict(data)


def test_calibrated_capacity_agrees_with_erlang_c_without_absence() -> None:
    """20 servers, about 1,600 cases a review period. Erlang C's largest arrival rate meeting P(sojourn <= 0.8) >=
    0.7 lies inside the calibration's bracket [passed, failed], widened by 3%: the spread of the calibrated capacity
    over five seeds (1.006 to 1.025 x Erlang C, measured when this test was written; a period's median attainment
    sits a little above its mean at 90% utilisation, so the simulator accepts slightly more).

    Power (issue 12; ESTIMATED from those five seeds, not re-measured): the test fails when the calibrated ratio
    r = capacity / Erlang C exceeds 1.03, or when failed / Erlang C < 1 / 1.03 (r below about 0.96-0.97, the
    bracket being at most 1% wide). Five seeds: mean 1.016, sd about 0.008 (range / 2.33; itself uncertain by about
    a third). False alarms: P(r > 1.03) = P(z > 1.8), about 4% of seeds (this seed passes, so every run does; the
    lower side is negligible). Smallest bias caught with probability 0.9: a capacity error of +2.5% ((1.03 - 1.016)
    + 1.282 x 0.008) or of about -6% (1.016 - 0.965 + 1.282 x 0.008); so a 5% error in the simulated service speed
    or arrival rate is caught if it makes the simulator too generous, and only from about 6% if too strict."""
    scenario = _queue_scenario(20.0)
    service, role = scenario.services[0], scenario.roles[0]
    rate = service_rate_per_fte(scenario, service, role)
    assert rate == pytest.approx(2.0)
    erlang = pool_capacity(20.0, rate, queueing_budget_days(service), 0.7, "sojourn")
    settings = CalibrationSettings(months=24, max_replications=16, precision=0.01)
    data = pool_scenario_data(scenario, "svc", "worker", 20.0, settings)
    capacity, failed, probes, _ = calibrate_pool(data, rate, erlang, 0.0, settings)
    assert failed / capacity - 1 <= 0.01 + 1e-9
    assert capacity / 1.03 <= erlang <= failed * 1.03
    assert probes >= 2


def _one_person_scenario() -> dict:
    """One member sending 40 cases a year of one day's work, KPI 90% within 10 working days (reliability 0.8), one
    role, shared mode only. Absence: no planned leave or turnover, 30% sickness all in long episodes of 60 working
    days (about 1.3 a year), no agency cover. Erlang C with absence averaged sees a person available 70% of the
    time, enough for three times the load; the simulator sees review periods in which nobody is there, more than
    one in five, whatever the load."""
    data = toy_scenario_dict(
        steps=[{"name": "work", "kind": "work", "duration": {"distribution": "lognormal", "mean": 5.5, "cv": 0.5}}],
        demand_per_1000=40.0,
        fte=1.0,
        horizon_months=24,
    )
    data["services"][0]["kpi"] = {"description": "90% in 10 days", "target_days": 10.0, "target_fraction": 0.9}
    data["services"][0]["delivery"] = {"shared": {}}
    data["absence"].update(
        {"sickness_rate": 0.3, "long_term_share": 1.0, "long_episode_mean_days": 60.0, "short_episode_mean_days": 2.0}
    )
    return data


def test_one_person_team_with_long_sickness_is_rejected_and_the_loop_adds_staff() -> None:
    scenario = scenario_from_dict(_one_person_scenario())
    analytic = calibrate(scenario, analytic=True)
    calibrated = calibrate(scenario, settings=FAST, workers=1)
    one_fte_analytic = analytic.capacity("svc", "worker", 1.0)
    one_fte_simulated = calibrated.capacity("svc", "worker", 1.0)
    load = 40.0 / 261.0
    assert one_fte_analytic > 2 * load  # Erlang C with absence averaged: one person is plenty
    assert one_fte_simulated < load  # the simulator: not with three months of nobody there

    verified = verified_optimise(scenario, calibrated=False, replications=10, months=24, workers=1, explain=False)
    rounds = verified.iterations
    first = rounds[rounds["iteration"] == 1].iloc[0]
    assert first["verdict"] == "clearly below"
    assert first["action"].startswith("cut:")
    assert verified.verified and verified.rounds >= 2
    host = verified.result.staffing[verified.result.staffing["team"] == HOST_TEAM]
    assert float(host["fte"].sum()) > float(first["fte"])
    # Verified = no team clearly below its target (the upper end of its Wilson interval reaches it).
    assert (verified.verdicts["verdict"] != "clearly below").all()
    assert (verified.verdicts["ci_high"] >= verified.verdicts["target"]).all()


def test_cache_makes_the_second_calibration_free(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SHAREDHR_CACHE_DIR", str(tmp_path))
    scenario = scenario_from_dict(_one_person_scenario())
    cold = calibrate(scenario, settings=FAST, workers=1)
    started = time.perf_counter()
    warm = calibrate(scenario, settings=FAST, workers=1)
    assert time.perf_counter() - started < 1.0
    assert all(entry.cached for entry in warm.entries.values())
    assert not any(entry.cached for entry in cold.entries.values())
    assert warm.frame()["capacity_cases_per_year"].tolist() == cold.frame()["capacity_cases_per_year"].tolist()
    # A different reliability target is a different pool: not served from the cache.
    data = _one_person_scenario()
    data["services"][0]["kpi"]["reliability"] = 0.6
    other = calibrate(scenario_from_dict(data), settings=FAST, workers=1)
    assert not any(entry.cached for entry in other.entries.values())


def test_cuts_only_lower_capacity() -> None:
    table = CapacityTable([PoolCapacity("s", "r", 1.0, 2.0, 2.1, 3.0, 1, 4, 0.1)])
    cut = table.with_cut("s", "r", 1.0, 1.5)
    assert cut.capacity("s", "r", 1.0) < 1.5
    assert cut.with_cut("s", "r", 1.0, 1.8).capacity("s", "r", 1.0) < 1.5
    assert table.capacity("s", "r", 1.0) == 2.0  # the original is unchanged
    assert table.capacity("s", "r", 2.0) is None
    assert table.key() != cut.key()


def test_milp_equals_brute_force_on_the_calibrated_table() -> None:
    """The 3 x 3 brute-force partnership (``test_catalogue_bruteforce``), every mode assignment costed independently
    with capacities from the calibrated table (pools it did not calibrate carry nothing)."""
    scenario = small_scenario()
    table = calibrate(scenario, settings=FAST, workers=2)

    def capacity(service, role, fte):
        value = table.capacity(service, role, fte)
        return 0.0 if value is None else value

    result = optimise(scenario, options=CatalogueOptions(capacity=table))
    best, forced = brute_force(scenario, capacity=capacity)
    assert result.total_cost_gbp_per_year == pytest.approx(best, rel=1e-6)
    checked = 0
    for row in result.why.itertuples(index=False):
        if math.isfinite(row.total_if_forced_gbp_per_year):
            assert row.total_if_forced_gbp_per_year == pytest.approx(
                forced[(row.service, row.member, row.alternative)], rel=1e-6
            )
            checked += 1
    assert checked > 0  # the loop compared something: not every alternative was infeasible
    # The calibrated table changes the answer: Erlang C's optimum is cheaper (it trusts small teams more).
    assert optimise(scenario).total_cost_gbp_per_year < best
