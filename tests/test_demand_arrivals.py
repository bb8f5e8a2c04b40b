"""Stochastic demand: duration quantiles, seasonal Poisson arrivals (per-month profile, not only the total),
membership windows, initial backlog and common random numbers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from model.scenario import (
    WORKING_DAYS_PER_MONTH,
    Distribution,
    load_scenario,
    months_to_days,
    scenario_from_dict,
    toy_scenario_dict,
)
from model.simulation import expected_annual_demand
from model.simulation.demand import (
    arrival_rate_per_day,
    backlog_allocation,
    case_batches,
    expected_monthly_arrivals,
    quantile,
)
from model.simulation.random_streams import generator, seed_sequence, stream_key

PROFILE = [1.1, 1.0, 1.25, 1.2, 1.0, 0.9, 0.9, 0.7, 1.1, 1.1, 1.0, 0.75]


@pytest.mark.parametrize(
    ("kind", "cv"), [("exponential", 1.0), ("lognormal", 0.5), ("lognormal", 1.2), ("gamma", 0.4), ("gamma", 2.0)]
)
def test_quantile_has_the_requested_mean_and_cv(kind, cv):
    # midpoint rule over a fine grid of probabilities: a deterministic integral of the inverse CDF
    u = (np.arange(100_000) + 0.5) / 100_000
    x = quantile(Distribution(distribution=kind, mean=3.0, cv=cv), u)
    assert x.mean() == pytest.approx(3.0, rel=2e-3)
    assert x.std() / x.mean() == pytest.approx(cv, rel=2e-2)
    assert np.all(np.diff(x) >= 0)  # monotone: shared quantiles across scenarios (CRN)


def test_fixed_distribution_is_constant():
    assert quantile(Distribution(distribution="fixed", mean=2.5), np.array([0.0, 0.3, 0.99])).tolist() == [2.5] * 3


def seasonal_scenario(profile, months=36, start="2018-04", headcount=1000):
    data = toy_scenario_dict(demand_per_1000=5000.0, horizon_months=months)  # 5,000 cases a year, ~417 a month
    data["services"][0]["seasonality"] = profile
    data["simulation"]["start"] = start
    data["members"][0]["headcount"] = headcount
    data["members"][0]["fte"] = headcount * 0.9
    return scenario_from_dict(data)


def monthly_counts(scenario, replication=0):
    (batch,) = case_batches(scenario, replication)
    months = np.floor(batch.arrival_day / WORKING_DAYS_PER_MONTH).astype(int)
    return np.bincount(months, minlength=scenario.simulation.horizon_months)


def chi_square_p(observed, expected):
    statistic = float(((observed - expected) ** 2 / expected).sum())
    return float(stats.chi2.sf(statistic, df=len(observed)))


def test_monthly_counts_follow_the_seasonality_profile():
    """36 months at 5,000 cases a year. Power and false alarms: the total (15,000 expected, Poisson sd 122, 0.82%)
    must lie within 3.29 sd (false-alarm rate 0.1%), so a 5% bias in the arrival rate (750 cases, 6.1 sd) fails it
    with probability 0.998 (checked by planting a 5% higher base rate); the chi-square shape test (p > 0.001: 0.1%
    false alarms) rejects a flat profile and the profile one month out of step (asserted at p < 1e-6), but not a
    5% bias in a single month (21 cases against a monthly sd of 20)."""
    scenario = seasonal_scenario(PROFILE)
    observed = monthly_counts(scenario)
    expected = expected_monthly_arrivals(scenario, "A", "svc")
    # month 0 is April 2018: profile index 3
    assert expected[0] == pytest.approx(5000 / 12 * PROFILE[3] / np.mean(PROFILE))
    assert chi_square_p(observed, expected) > 0.001
    # the annual total matches the rate (Poisson: sd = sqrt(mean)), two-sided 0.1% level
    total_expected = 3 * 5000.0
    assert abs(observed.sum() - total_expected) / np.sqrt(total_expected) < 3.29
    # a flat profile, or the right profile one month out of step, are rejected
    flat = np.full(len(observed), observed.sum() / len(observed))
    assert chi_square_p(observed, flat) < 1e-6
    assert chi_square_p(observed, np.roll(expected, 1)) < 1e-6


def test_rate_is_evaluated_at_each_candidates_own_time():
    """The rate at the candidate's own time, by hand at four days; then 4 replications x 24 months against the
    profile by chi-square (p > 0.001: 0.1% false alarms), which rejects a one-month lag of the thinning as the test
    above shows for its (smaller) sample."""
    scenario = seasonal_scenario(PROFILE, months=24)
    days = np.array([0.0, 21.7, 21.8, 43.6])  # April, April, May, June
    base = 5000 / 261 / np.mean(PROFILE)
    np.testing.assert_allclose(
        arrival_rate_per_day(scenario, "A", "svc", days),
        base * np.array([PROFILE[3], PROFILE[3], PROFILE[4], PROFILE[5]]),
    )
    # many replications: the share of arrivals per calendar month matches the profile (no lag of the thinning)
    counts = sum(monthly_counts(scenario, r) for r in range(4))
    expected = 4 * expected_monthly_arrivals(scenario, "A", "svc")
    assert chi_square_p(counts, expected) > 0.001


def test_membership_and_service_start_windows():
    """Arrivals only inside the member's service window. The total over the 12 active months (20,000 expected,
    Poisson sd 141, 0.71%) within 3.29 sd: 0.1% false alarms, and a 5% bias in the rate (7.1 sd) or one month too
    many or too few in the window (1,667 cases) fails it with probability > 0.999."""
    data = toy_scenario_dict(demand_per_1000=2000.0, horizon_months=36)  # x 10,000 staff / 1,000 = 20,000 a year
    data["members"][0].update(
        {"headcount": 10_000, "fte": 9_000.0, "join_month": 5, "leave_month": 20, "service_start_month": {"svc": 8}}
    )
    scenario = scenario_from_dict(data)
    (batch,) = case_batches(scenario, 0)
    assert batch.arrival_day.min() >= months_to_days(8)
    assert batch.arrival_day.max() < months_to_days(20)
    assert batch.arrival_day.min() < months_to_days(9)
    expected = expected_monthly_arrivals(scenario, "A", "svc")
    assert (expected[:8] == 0).all() and (expected[20:] == 0).all() and (expected[8:20] > 0).all()
    # 12 months at 20,000 a year: Poisson check of the total
    assert abs(len(batch) - 20000) / np.sqrt(20000) < 3.29


def test_initial_backlog_is_shared_by_headcount_among_members_active_at_month_0():
    scenario = load_scenario()
    allocation = backlog_allocation(scenario)
    # recruitment 8 cases over 250/165/90 staff: quotas 3.96, 2.61, 1.43 -> 3, 2, 1 + the two largest remainders
    assert allocation[("Herts Valleys CCG", "recruitment")] == 4
    assert allocation[("Bedfordshire CCG", "recruitment")] == 3
    assert allocation[("Luton CCG", "recruitment")] == 1
    for service, total in scenario.simulation.initial_backlog.items():
        assert sum(v for (m, s), v in allocation.items() if s == service) == total
    assert not any(m in ("West Essex CCG", "East and North Hertfordshire CCG") for m, _ in allocation)
    batches = [b for b in case_batches(scenario, 0) if b.origin == "backlog"]
    assert sum(len(b) for b in batches) == sum(scenario.simulation.initial_backlog.values())
    assert all((b.arrival_day == 0).all() for b in batches)


def test_named_streams_are_stable_and_independent_of_order():
    assert stream_key("arrivals|A|svc") == int.from_bytes(
        __import__("hashlib").sha256(b"arrivals|A|svc").digest()[:4], "big"
    )
    # the stream of replication r is the child of SeedSequence(seed).spawn(...)[r]
    child = np.random.SeedSequence(11).spawn(3)[2]
    key = stream_key("x")
    assert seed_sequence(11, 2, "x").spawn_key == (*child.spawn_key, key)
    assert generator(11, 2, "x").random() == generator(11, 2, "x").random()
    assert generator(11, 2, "x").random() != generator(11, 1, "x").random()


def test_case_attributes_do_not_depend_on_the_number_of_cases():
    scenario = load_scenario()
    bigger = scenario.model_copy(deep=True)
    bigger.members[0].headcount = 400
    a = {(b.member, b.service, b.origin): b for b in case_batches(scenario, 1)}
    b = {(x.member, x.service, x.origin): x for x in case_batches(bigger, 1)}
    for key, batch in a.items():
        if key[2] == "backlog":
            continue  # the backlog is shared by headcount, so it moves with it
        other = b[key]
        if key[0] == "Herts Valleys CCG" and key[2] == "arrival":
            assert len(other) > len(batch)  # more staff, more cases ...
            k = len(batch)
            np.testing.assert_array_equal(other.step_values[:k], batch.step_values)  # ... same first k attributes
            np.testing.assert_array_equal(other.external_days[:k], batch.external_days)
        else:
            np.testing.assert_array_equal(other.arrival_day, batch.arrival_day)
            np.testing.assert_array_equal(other.step_values, batch.step_values)


def test_expected_annual_demand_is_unchanged():
    table = expected_annual_demand(load_scenario())
    assert len(table) == 5 * 8 and table["cases_per_year"].sum() == pytest.approx(860 * 2.795)
