"""The simulator against Erlang C: M/M/c at utilisation 0.7 for c = 3 and c = 1 (M/M/1).

Scenario (``model.toy_scenarios.mmc_scenario``): one member, one service with one exponential work step, one role
with c full-time people, no absence of any kind. Service rate 10 cases per working day per person, arrival rate
0.7 c x 10 per day. Each replication simulates about 10,000 customers after a warm-up of about 1,000 (3-5 months;
the M/M/1 relaxation time 1 / (mu (1 - sqrt(rho))^2) is about 4 working days, so the warm-up is ample).

Statistics: one value per replication (independent replications, seed fixed), 40 replications, with two control
variates of known mean (Lavenberg & Welch): each replication's relative error of the mean service time and of the
arrival rate. Regressing the replication values on them removes the part of the noise explained by how busy a
replication happened to be, and leaves the intercept as the estimate, with its standard error (37 degrees of
freedom). The theory value must lie inside the 95% interval (false-alarm rate 5% per measure over seeds; the seed is
fixed, so the outcome is reproducible). Power: a relative bias b is caught with probability >= 0.9 when b >= (t_0.975
+ t_0.9) SE = 3.33 SE, so the test ASSERTS SE <= 5% / 3.33 = 1.5% of the theory value for each measure: a 5% bias in
the mean wait, P(wait > 0) or P(wait > 2 Wq) fails it with probability >= 0.9 (checked by planting 5% longer
recorded waits, and a 5% lower probability of waiting: both fail). Measured when written: SE 1.3% (c = 3) and 1.0%
(c = 1) of the mean wait, 0.24% and 0.12% of P(wait > 0), 1.2% and 1.2% of P(wait > 2 Wq). The control variates
assume the sampled service times and arrivals are unbiased (tested directly in tests/test_demand_arrivals.py): a
bias there would be absorbed by them, not caught here.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from model.optimisation import mmc_mean_wait, mmc_prob_wait, mmc_wait_tail
from model.scenario import mmc_scenario
from model.simulation import simulate

SERVICE_RATE = 10.0
PRODUCTIVE_HOURS = 5.5  # mmc_scenario default: a work step of 5.5 / rate hours is 1 / rate days
REPLICATIONS = 40


def controlled_estimate(values: list[float], controls: np.ndarray) -> tuple[float, float]:
    """(estimate, standard error) of the mean of ``values`` by least squares on ``controls`` (one row per
    replication, each column a control of known mean 0): the intercept and its standard error."""
    y = np.asarray(values)
    design = np.column_stack([np.ones(len(y)), controls])
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    residuals = y - design @ coefficients
    variance = residuals @ residuals / (len(y) - design.shape[1])
    covariance = variance * np.linalg.inv(design.T @ design)
    return float(coefficients[0]), float(np.sqrt(covariance[0, 0]))


@pytest.mark.slow
@pytest.mark.parametrize("servers", [3, 1])
def test_mean_wait_and_probability_of_waiting_match_erlang_c(servers):
    arrival_rate = 0.7 * servers * SERVICE_RATE
    scenario = mmc_scenario(servers, arrival_rate, SERVICE_RATE, customers=10_000, warm_up_customers=1_000, seed=2026)
    theory_wait = mmc_mean_wait(servers, arrival_rate, SERVICE_RATE)
    theory_prob = mmc_prob_wait(servers, arrival_rate, SERVICE_RATE)
    threshold = 2.0 * theory_wait
    theory_tail = mmc_wait_tail(servers, arrival_rate, SERVICE_RATE, threshold)
    waits, probs, tails, controls = [], [], [], []
    for replication in range(REPLICATIONS):
        cases = simulate(scenario, replication).cases
        after = cases[~cases["warm_up"]]
        counted = after[after["completed"]]
        wait = counted["queue_wait_days"].to_numpy()
        assert len(wait) > 9_000
        waits.append(wait.mean())
        probs.append((wait > 0).mean())
        tails.append((wait > threshold).mean())
        service = (after["work_hours"] / PRODUCTIVE_HOURS).mean() * SERVICE_RATE - 1.0
        span = after["arrival_day"].max() - after["arrival_day"].min()
        controls.append((service, len(after) / span / arrival_rate - 1.0))
    df = REPLICATIONS - 3
    detectable = stats.t.ppf(0.975, df) + stats.t.ppf(0.9, df)
    for name, values, theory, smallest_bias in (
        ("mean wait", waits, theory_wait, 0.05),
        ("P(wait > 0)", probs, theory_prob, 0.05),
        ("P(wait > 2 Wq)", tails, theory_tail, 0.05),
    ):
        estimate, standard_error = controlled_estimate(values, np.array(controls))
        assert standard_error <= smallest_bias * theory / detectable, f"{name}: too noisy ({standard_error:.4g})"
        half_width = stats.t.ppf(0.975, df) * standard_error
        assert abs(estimate - theory) <= half_width, f"{name}: {estimate:.5g} +/- {half_width:.3g}, theory {theory:.5g}"
