"""Staff absence: planned leave, sickness rate and long-term share, vacancies, agency backfill, the coupling of
sickness draws across sickness rates, and the effect of sickness on the service (paired runs with the same seed).
Times in working days."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from model.scenario import WORKING_DAYS_PER_YEAR, Absence, apply_overrides, load_scenario
from model.simulation import simulate
from model.simulation.absence import (
    CAUSES,
    bank_holiday_days,
    merge,
    overlap,
    post_timeline,
    sickness_episode_rates,
    subtract,
)
from model.simulation.kpis import replication_kpis
from model.simulation.random_streams import generator, seed_sequence, stream_name

YEAR = WORKING_DAYS_PER_YEAR


def streams(index: int, seed: int = 77) -> tuple:
    """(leave generator, sickness SeedSequence, turnover generator) of host post ``index`` of "role"."""
    return (
        generator(seed, 0, "leave", "host", "role", index),
        seed_sequence(seed, 0, stream_name("sickness", "host", "role", index)),
        generator(seed, 0, "turnover", "host", "role", index),
    )


def timelines(absence: Absence, posts: int, years: int):
    horizon = years * YEAR
    for index in range(posts):
        yield post_timeline(absence, horizon, 4, *streams(index))


def t_half_width(x: np.ndarray) -> float:
    return float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))


def test_interval_helpers():
    assert merge([(5, 6), (0, 2), (1, 3), (3, 4)]) == [(0, 4), (5, 6)]
    assert subtract([(0, 10)], [(2, 3), (5, 12)]) == [(0, 2), (3, 5)]
    assert overlap([(0, 2), (3, 5)], 1, 4) == 2


def test_episode_rates_give_the_sickness_rate_and_long_share():
    absence = Absence(sickness_rate=0.03, long_term_share=0.55, short_episode_mean_days=2.5, long_episode_mean_days=40)
    short, long = sickness_episode_rates(absence)
    # r_long = -ln(1 - q s) / m_l, r_short = ln((1 - q s) / (1 - s)) / m_s: 1.44 short and 0.11 long episodes a year
    assert short * YEAR == pytest.approx(np.log((1 - 0.55 * 0.03) / 0.97) / 2.5 * 261)
    assert long * YEAR == pytest.approx(-np.log(1 - 0.55 * 0.03) / 40 * 261)
    assert (round(short * YEAR, 2), round(long * YEAR, 2)) == (1.44, 0.11)
    # Overlapping episodes (M/G/infinity): P(sick) = 1 - exp(-load), P(long-term sick) = 1 - exp(-long load).
    assert 1 - np.exp(-(short * 2.5 + long * 40)) == pytest.approx(0.03)
    assert (1 - np.exp(-long * 40)) / 0.03 == pytest.approx(0.55)
    assert sickness_episode_rates(Absence(sickness_rate=0.0)) == (0.0, 0.0)


def test_planned_leave_is_exact_and_bank_holidays_are_common():
    absence = Absence(sickness_rate=0.05, turnover_rate_per_year=0.0)  # 29 + 8 + 3 = 40 days a year
    years = 3
    holidays, leftover = bank_holiday_days(absence, years * YEAR, 4)
    assert len(holidays) == 8 * years and leftover == 0
    for timeline in timelines(absence, posts=20, years=years):
        for year in range(years):
            assert timeline.days("annual_leave", year * YEAR, (year + 1) * YEAR) == pytest.approx(40.0, abs=1e-9)
        for day in holidays:
            assert overlap(timeline.lost["annual_leave"], day, day + 1) == 1.0
        spans = [i for cause in CAUSES for i in timeline.lost[cause]]
        assert sum(b - a for a, b in spans) == pytest.approx(sum(b - a for a, b in merge(spans)))  # disjoint


def test_sickness_rate_and_long_term_share_are_reproduced():
    """600 posts x 25 years, no turnover: per-post fractions of scheduled days (not on leave) lost to sickness. The
    person in post at day 0 starts in the steady state (episodes from 5 mean long episodes before day 0): no bias.

    Test: |mean - expected| <= 2.576 standard errors (two-sided 99%: false-alarm rate 1% over seeds; the seed is
    fixed, so the outcome is reproducible). Power, guaranteed by the asserted standard errors: a bias b is caught
    with probability >= 0.9 when b >= (2.576 + 1.282) SE, so SE <= 1.3% of the rate catches a 5% bias in the
    sickness rate (measured SE 1.2%; planting a 5% higher episode rate fails it), and SE <= 2.6% of the long-term
    part catches a 10% bias in the long-term share (measured 2.2%: long episodes are few and long, and reaching 5%
    would take about 4x the posts, some 16 s more than this test's 4 s).
    """
    s, q = 0.05, 0.55
    absence = Absence(sickness_rate=s, long_term_share=q, turnover_rate_per_year=0.0)
    horizon = 25 * YEAR
    total, long = [], []
    for timeline in timelines(absence, posts=600, years=25):
        scheduled = horizon - timeline.days("annual_leave", 0, horizon)
        total.append(
            (timeline.days("sickness_short", 0, horizon) + timeline.days("sickness_long", 0, horizon)) / scheduled
        )
        long.append(timeline.days("sickness_long", 0, horizon) / scheduled)
    z_alarm, z_power = stats.norm.ppf(0.995), stats.norm.ppf(0.9)
    for values, expected, smallest_bias in ((np.array(total), s, 0.05), (np.array(long), q * s, 0.10)):
        standard_error = values.std(ddof=1) / np.sqrt(len(values))
        assert standard_error <= smallest_bias * expected / (z_alarm + z_power), "too noisy to catch the bias"
        assert abs(values.mean() - expected) <= z_alarm * standard_error


def test_vacancies_and_backfill_follow_the_rules():
    """The vacancy and backfill rules post by post, then the vacant share against the alternating-renewal value.
    Statistics: 60 posts x 20 years, the mean inside its 95% t interval (false-alarm rate 5% over seeds; the seed is
    fixed). Power: the standard error is 2.9% of the expected share, so a 10% bias is caught with probability 0.9
    (5% only with probability about 0.35: the refill, backfill and leave rules are checked exactly, interval by
    interval; the mean only coarsely)."""
    absence = Absence(
        sickness_rate=0.0,
        turnover_rate_per_year=1.0,
        vacancy_refill_days=50.0,
        backfill={"after_days": 20.0, "lead_time_days": 10.0, "covers": ["vacancy"]},
    )
    horizon = 20 * YEAR
    fractions = []
    for timeline in timelines(absence, posts=60, years=20):
        vacancies = timeline.lost["vacancy"]
        full = [(a, b) for a, b in vacancies if b - a == pytest.approx(50.0)]
        assert len(full) >= len(vacancies) - 1  # only the last can be cut by the horizon
        assert timeline.backfill == [(a + 30.0, b) for a, b in vacancies if b > a + 30.0]
        assert overlap(timeline.away, *timeline.backfill[0]) == 0.0  # agency cover: nobody is away
        assert overlap(timeline.lost["annual_leave"], 0, horizon) < 40 * 20  # no leave while vacant
        fractions.append(timeline.days("vacancy", 0, horizon) / horizon)
    # alternating renewal: mean time in post 261 / T, vacancy R: vacant share R / (261 / T + R)
    expected = 50.0 / (YEAR / 1.0 + 50.0)
    values = np.array(fractions)
    assert abs(values.mean() - expected) <= t_half_width(values)


def test_staff_table_matches_the_timelines_and_costs_backfill():
    scenario = apply_overrides(
        load_scenario(),
        ["simulation.horizon_months=24", "absence.turnover_rate_per_year=0.8", "simulation.warm_up_months=3"],
    )
    out = simulate(scenario, 1)
    staff = out.staff
    assert (staff["window_days"] == 21 * 21.75).all()
    lost = staff[list(CAUSES)].sum(axis=1)
    np.testing.assert_allclose(staff["available_days"], staff["window_days"] - lost + staff["backfill_days"], atol=1e-9)
    rates = staff["role"].map({r.name: r.agency_day_rate_gbp for r in scenario.roles})
    np.testing.assert_allclose(staff["backfill_cost_gbp"], staff["backfill_days"] * rates * staff["fte"])
    assert staff["backfill_days"].sum() > 0
    assert (staff["busy_days"] <= staff["available_days"] + 1e-9).all()


@pytest.mark.slow
def test_more_sickness_never_improves_the_service():
    # paired: same seed and replications, only the sickness rate changes (common random numbers)
    base = apply_overrides(load_scenario(), ["simulation.horizon_months=24"])
    results = {}
    for rate in (0.0, 0.05, 0.15):
        scenario = apply_overrides(base, [f"absence.sickness_rate={rate}"])
        attainment, wait = [], []
        for replication in range(4):
            kpis = replication_kpis(scenario, simulate(scenario, replication))
            overall = kpis[(kpis["service"] == "all") & (kpis["member"] == "all") & (kpis["period"] == "all")]
            values = overall.set_index("metric")["value"]
            attainment.append(values["sla_attainment"])
            wait.append(values["queue_wait_mean_days"])
        results[rate] = (np.mean(attainment), np.mean(wait))
    assert results[0.0][0] >= results[0.05][0] >= results[0.15][0]
    assert results[0.15][0] < results[0.0][0]
    assert results[0.0][1] < results[0.05][1] < results[0.15][1]


def measure(intervals) -> float:
    return sum(b - a for a, b in intervals)


def test_sickness_draws_are_coupled_across_sickness_rates():
    """The coupling guaranteed by ``model.absence`` (thinning): with the same streams, every episode at a lower
    sickness rate is also an episode at a higher one, so post by post the sick days, the long-term sick days and
    the backfill of long absences at the lower rate are SUBSETS of those at the higher rate; leave, vacancies and
    tenures are identical. Checked exactly on 80 posts x 5 years with turnover (new hires draw their own episodes)."""
    horizon = 5 * YEAR
    ladder = (0.0, 0.01, 0.03, 0.06, 0.2, 0.45)
    grew = 0
    for index in range(80):
        lines = [
            post_timeline(
                Absence(sickness_rate=rate, turnover_rate_per_year=0.5, vacancy_refill_days=30.0),
                horizon,
                4,
                *streams(index),
            )
            for rate in ladder
        ]
        for low, high in zip(lines, lines[1:], strict=False):
            assert low.lost["annual_leave"] == high.lost["annual_leave"]
            assert low.lost["vacancy"] == high.lost["vacancy"]
            sick_low = merge(low.lost["sickness_short"] + low.lost["sickness_long"])
            sick_high = merge(high.lost["sickness_short"] + high.lost["sickness_long"])
            assert measure(subtract(sick_low, sick_high)) < 1e-9  # every day sick at the low rate is sick at the high
            assert measure(subtract(low.lost["sickness_long"], high.lost["sickness_long"])) < 1e-9
            assert measure(subtract(low.backfill, high.backfill)) < 1e-9
            grew += measure(sick_high) > measure(sick_low) + 1e-9
    assert grew > 0.9 * 80 * (len(ladder) - 1)  # and the higher rate really adds sickness almost everywhere


def test_staff_days_lost_never_fall_when_sickness_rises():
    """Whole simulations on the same seed: every post's sick days and long-term sick days over the KPI window (after
    a 3-month warm-up) and its agency days are at least as many at 6% sickness as at 3%; leave and vacancy equal."""
    base = apply_overrides(
        load_scenario(),
        ["simulation.horizon_months=24", "simulation.warm_up_months=3", "absence.turnover_rate_per_year=0.3"],
    )
    tables = [simulate(apply_overrides(base, [f"absence.sickness_rate={rate}"]), 2).staff for rate in (0.03, 0.06)]
    low, high = tables
    assert (low[["team", "role", "person"]] == high[["team", "role", "person"]]).all().all()
    np.testing.assert_array_equal(low["annual_leave"], high["annual_leave"])
    np.testing.assert_array_equal(low["vacancy"], high["vacancy"])
    sick_low = low["sickness_short"] + low["sickness_long"]
    sick_high = high["sickness_short"] + high["sickness_long"]
    assert (sick_high >= sick_low - 1e-9).all()
    assert (high["sickness_long"] >= low["sickness_long"] - 1e-9).all()
    assert (high["backfill_days"] >= low["backfill_days"] - 1e-9).all()
    assert sick_high.sum() > 1.5 * sick_low.sum()  # about twice the sickness


@pytest.mark.slow
def test_paired_sickness_comparisons_are_much_less_noisy_than_unpaired():
    """SLA attainment is not monotone replication by replication (queues and dispatch are not), but with the
    coupled draws the paired difference 6% - 3% sickness varies far less than the difference of independent runs:
    var(paired) < 0.25 x (var(low) + var(high)) on 20 replications of the two-service toy scenario (measured ratio
    about 0.1; about 0.25 with the previous, rate-dependent chunked draws)."""
    from test_risk_toy import toy_scenario

    base = toy_scenario(horizon_months=12)
    values = {}
    for rate in (0.03, 0.06):
        scenario = apply_overrides(base, [f"absence.sickness_rate={rate}"])
        attainment = []
        for replication in range(20):
            kpis = replication_kpis(scenario, simulate(scenario, replication))
            overall = kpis[(kpis["metric"] == "sla_attainment") & (kpis["service"] == "all")]
            attainment.append(
                float(overall[(overall["member"] == "all") & (overall["period"] == "all")]["value"].iloc[0])
            )
        values[rate] = np.array(attainment)
    low, high = values[0.03], values[0.06]
    paired = np.var(high - low, ddof=1)
    unpaired = np.var(low, ddof=1) + np.var(high, ddof=1)
    assert paired < 0.25 * unpaired
    assert (high - low).mean() < 0  # and more sickness costs attainment on average
