"""Output analysis for independent replications: t-based confidence intervals, the number of replications needed for
a relative precision, and the MSER-5 warm-up (truncation) heuristic.

Each replication of a terminating or warmed-up simulation gives one independent, identically distributed observation
of every KPI, so the classic independent-replications method applies (Law & Kelton, *Simulation Modeling and Analysis*,
ch. 9): the 100(1 - alpha)% confidence interval for the mean is ``mean +/- t(1 - alpha/2, n - 1) * sd / sqrt(n)``
with the sample standard deviation ``sd`` (ddof = 1). The t distribution is exact for normal observations and a good
approximation for means of many cases; it needs ``n >= 2`` (with one replication the half-width is undefined: NaN).

The functions here are pure and unit-free: the KPI's own unit (fraction, days, pounds per year) carries through.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SUMMARY_COLUMNS = ["n", "mean", "sd", "ci_low", "ci_high", "half_width", "relative_half_width"]


@dataclass(frozen=True)
class ConfidenceInterval:
    """A t-based confidence interval for a mean. ``half_width`` and the bounds are NaN when ``n < 2``."""

    n: int
    mean: float
    sd: float
    half_width: float
    confidence: float

    @property
    def low(self) -> float:
        """Lower bound: mean - half_width."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """Upper bound: mean + half_width."""
        return self.mean + self.half_width

    @property
    def relative_half_width(self) -> float:
        """half_width / |mean|: the relative precision reached (0 when every value is equal, inf when the mean is 0
        but the values vary, NaN when n < 2)."""
        return relative_precision(self.half_width, self.mean)


def _t_ppf(probability: float, df: Any) -> Any:
    """Student t quantile; scipy.stats is imported on first use (it adds about a second to every CLI start)."""
    from scipy import stats

    return stats.t.ppf(probability, df)


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")


def t_quantile(n: int, confidence: float = 0.95) -> float:
    """The two-sided Student t critical value t(1 - alpha/2, n - 1) for ``n`` observations (NaN when n < 2)."""
    _check_confidence(confidence)
    if n < 2:
        return math.nan
    return float(_t_ppf(0.5 + confidence / 2.0, n - 1))


def relative_precision(half_width: float, mean: float) -> float:
    """half_width / |mean|, with the edge cases made explicit: 0 if half_width is 0 (also for mean 0), inf if the
    mean is 0 and the half-width is not, NaN if the half-width is NaN."""
    if math.isnan(half_width):
        return math.nan
    if half_width == 0.0:
        return 0.0
    if mean == 0.0:
        return math.inf
    return half_width / abs(mean)


def t_confidence_interval(
    values: Sequence[float] | np.ndarray | pd.Series, confidence: float = 0.95
) -> ConfidenceInterval:
    """The t-based confidence interval for the mean of independent observations (one per replication).

    NaN values are dropped first (a KPI undefined in a replication, e.g. a mean wait with no cases, is not an
    observation). With fewer than two observations the half-width is NaN.
    """
    _check_confidence(confidence)
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    n = int(data.size)
    if n == 0:
        return ConfidenceInterval(0, math.nan, math.nan, math.nan, confidence)
    mean = float(data.mean())
    if n == 1:
        return ConfidenceInterval(1, mean, math.nan, math.nan, confidence)
    sd = float(data.std(ddof=1))
    half_width = t_quantile(n, confidence) * sd / math.sqrt(n)
    return ConfidenceInterval(n, mean, sd, half_width, confidence)


def summarise(
    frame: pd.DataFrame,
    by: Sequence[str],
    value: str = "value",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per group of ``by``: n, mean, sd, ci_low, ci_high, half_width and relative_half_width of ``value``.

    Groups keep their first-appearance order (``sort=False``), so a table whose rows come in a fixed order gives a
    summary in the same fixed order. Vectorised: one groupby, then the t quantile per distinct n.
    """
    _check_confidence(confidence)
    keys = list(by)
    if frame.empty:
        return pd.DataFrame(columns=[*keys, *SUMMARY_COLUMNS])
    grouped = frame.groupby(keys, sort=False, dropna=False)[value]
    table = grouped.agg(n="count", mean="mean", sd="std").reset_index()
    n = table["n"].to_numpy(dtype=float)
    quantiles = np.full(n.shape, np.nan)
    enough = n >= 2
    quantiles[enough] = _t_ppf(0.5 + confidence / 2.0, n[enough] - 1.0)
    sd = table["sd"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = quantiles * sd / np.sqrt(n)
    half[~enough] = np.nan
    table.loc[~enough, "sd"] = np.nan
    table["ci_low"] = table["mean"] - half
    table["ci_high"] = table["mean"] + half
    table["half_width"] = half
    table["relative_half_width"] = [
        relative_precision(float(h), float(m)) for h, m in zip(half, table["mean"], strict=True)
    ]
    table["n"] = table["n"].astype(int)
    return table[[*keys, *SUMMARY_COLUMNS]]


def replications_needed(
    values: Sequence[float] | np.ndarray | pd.Series,
    relative_precision_target: float,
    confidence: float = 0.95,
    max_replications: int = 100_000,
) -> int:
    """Smallest n with t(1 - alpha/2, n - 1) * s / sqrt(n) <= target * |mean|, using the mean and sd of ``values``
    as if they would not change (the "approximate number of replications" of Law & Kelton, section 9.4.1).

    Returns at least ``len(values)``; ``max_replications`` when the mean is 0 with varying values (relative precision
    then cannot be reached). Used to jump ahead in :func:`model.simulation.replications.auto_replications`.
    """
    if relative_precision_target <= 0:
        raise ValueError("relative precision must be positive")
    interval = t_confidence_interval(values, confidence)
    n0 = max(interval.n, 2)
    if interval.n < 2 or interval.sd == 0.0:
        return n0
    target = relative_precision_target * abs(interval.mean)
    if target == 0.0:
        return max_replications
    # Start from the normal-quantile estimate, then walk up with the exact t quantile.
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    n = max(n0, math.ceil((z * interval.sd / target) ** 2))
    while n < max_replications and t_quantile(n, confidence) * interval.sd / math.sqrt(n) > target:
        n += 1
    return min(n, max_replications)


def mser_truncation(series: Sequence[float] | np.ndarray, batch_size: int = 5) -> int:
    """MSER-5 warm-up heuristic (White 1997; Hoad, Robinson & Davies 2008): the number of leading observations to
    delete from an output series (e.g. the backlog averaged over replications, one value per period).

    The series is averaged in batches of ``batch_size``; the truncation point ``d`` (in batches) minimises
    ``sum_{i>d} (Y_i - mean_{>d})^2 / (k - d)^2`` over ``d <= k/2``. Returns the truncation in ORIGINAL observations
    (d x batch_size). A minimum in the second half of the series means the run is too short to judge: then the
    function returns ``len(series)`` so callers can say so.
    """
    data = np.asarray(series, dtype=float)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    k = data.size // batch_size
    if k < 4:
        raise ValueError(f"MSER needs at least {4 * batch_size} observations, got {data.size}")
    batches = data[: k * batch_size].reshape(k, batch_size).mean(axis=1)
    # Suffix sums give every tail mean and tail sum of squares in O(k).
    tail_sum = np.cumsum(batches[::-1])[::-1]
    tail_sq = np.cumsum((batches**2)[::-1])[::-1]
    remaining = np.arange(k, 0, -1, dtype=float)
    tail_mean = tail_sum / remaining
    sse = tail_sq - remaining * tail_mean**2
    mser = np.maximum(sse, 0.0) / remaining**2
    best = int(np.argmin(mser[: k - 1]))
    if best > k // 2:
        return int(data.size)
    return best * batch_size


def wilson_interval(successes: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (better than the normal interval near 0 and 1); (nan, nan)
    for no trials."""
    from scipy import stats

    _check_confidence(confidence)
    if n <= 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
