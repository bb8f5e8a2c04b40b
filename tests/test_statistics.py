"""Output-analysis helpers against hand-derived values and scipy: t intervals, summaries, replications needed, MSER-5."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from model.simulation import summarise, t_confidence_interval
from model.simulation.statistics import (
    SUMMARY_COLUMNS,
    mser_truncation,
    relative_precision,
    replications_needed,
    t_quantile,
)


def test_t_interval_of_one_to_five_by_hand() -> None:
    # mean 3, sd sqrt(2.5), t(0.975, 4) = 2.776445105, half-width = t * sd / sqrt(5) = 1.963243161
    ci = t_confidence_interval([1, 2, 3, 4, 5])
    assert ci.n == 5
    assert ci.mean == 3.0
    assert ci.sd == pytest.approx(math.sqrt(2.5), rel=1e-15)
    assert ci.half_width == pytest.approx(1.963243161, rel=1e-9)
    assert (ci.low, ci.high) == pytest.approx((3 - 1.963243161, 3 + 1.963243161), rel=1e-9)
    assert ci.relative_half_width == pytest.approx(1.963243161 / 3, rel=1e-9)


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_t_interval_matches_scipy(confidence: float) -> None:
    sample = np.random.default_rng(7).gamma(2.0, 3.0, size=23)
    ci = t_confidence_interval(sample, confidence)
    low, high = stats.t.interval(confidence, len(sample) - 1, loc=sample.mean(), scale=stats.sem(sample))
    assert ci.low == pytest.approx(low, rel=1e-12)
    assert ci.high == pytest.approx(high, rel=1e-12)
    assert t_quantile(23, confidence) == pytest.approx(stats.t.ppf((1 + confidence) / 2, 22), rel=1e-14)


def test_t_interval_edge_cases() -> None:
    assert math.isnan(t_confidence_interval([4.0]).half_width)
    assert t_confidence_interval([4.0]).mean == 4.0
    assert t_confidence_interval([]).n == 0
    same = t_confidence_interval([2.5, 2.5, 2.5])
    assert same.half_width == 0.0 and same.relative_half_width == 0.0
    with_nan = t_confidence_interval([1.0, np.nan, 2.0, 3.0])
    assert with_nan.n == 3 and with_nan.mean == 2.0
    with pytest.raises(ValueError):
        t_confidence_interval([1.0, 2.0], confidence=1.0)


def test_relative_precision_edge_cases() -> None:
    assert relative_precision(0.5, -2.0) == 0.25
    assert relative_precision(0.0, 0.0) == 0.0
    assert relative_precision(0.1, 0.0) == math.inf
    assert math.isnan(relative_precision(math.nan, 1.0))


def test_summarise_matches_per_group_interval_and_keeps_order() -> None:
    rng = np.random.default_rng(11)
    rows = []
    for replication in range(8):
        for metric in ("wait", "cost"):  # 'wait' first: the summary must keep first-appearance order
            for service in ("b", "a"):
                rows.append((replication, metric, service, rng.normal(10 if metric == "wait" else 100, 3)))
    rows.append((0, "single", "a", 1.0))
    frame = pd.DataFrame(rows, columns=["replication", "metric", "service", "value"])
    table = summarise(frame, ["metric", "service"], confidence=0.9)
    assert list(table.columns) == ["metric", "service", *SUMMARY_COLUMNS]
    assert list(zip(table["metric"], table["service"], strict=True)) == [
        ("wait", "b"),
        ("wait", "a"),
        ("cost", "b"),
        ("cost", "a"),
        ("single", "a"),
    ]
    for row in table.itertuples():
        values = frame[(frame["metric"] == row.metric) & (frame["service"] == row.service)]["value"]
        ci = t_confidence_interval(values, 0.9)
        assert row.n == ci.n
        assert row.mean == pytest.approx(ci.mean, rel=1e-14)
        if ci.n >= 2:
            assert row.half_width == pytest.approx(ci.half_width, rel=1e-12)
            assert row.ci_low == pytest.approx(ci.low, rel=1e-12)
            assert row.relative_half_width == pytest.approx(ci.relative_half_width, rel=1e-12)
        else:
            assert math.isnan(row.half_width) and math.isnan(row.sd)


def test_replications_needed_is_the_smallest_n_meeting_the_precision() -> None:
    sample = np.random.default_rng(3).normal(50.0, 10.0, size=10)
    mean, sd = sample.mean(), sample.std(ddof=1)
    n = replications_needed(sample, 0.02)
    assert stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) <= 0.02 * abs(mean)
    assert stats.t.ppf(0.975, n - 2) * sd / math.sqrt(n - 1) > 0.02 * abs(mean)
    # Already precise enough: no more than we have.
    assert replications_needed(sample, 0.9) == 10
    # A zero mean with spread can never reach a relative precision.
    assert replications_needed([-1.0, 1.0, -1.0, 1.0], 0.05, max_replications=77) == 77


def test_mser_finds_the_end_of_an_initial_transient() -> None:
    rng = np.random.default_rng(5)
    series = np.concatenate([np.linspace(30.0, 0.0, 60), rng.normal(0.0, 1.0, 540)])
    cut = mser_truncation(series)
    assert cut % 5 == 0
    assert 40 <= cut <= 70


def test_mser_keeps_a_stationary_series_and_flags_a_trend() -> None:
    rng = np.random.default_rng(6)
    assert mser_truncation(rng.normal(5.0, 1.0, 500)) <= 50
    trend = np.arange(200, dtype=float)
    assert mser_truncation(trend) == 200  # minimum in the second half: run too short to judge
    with pytest.raises(ValueError):
        mser_truncation(np.ones(10))
