"""The simulator against Erlang C: M/M/c at utilisation 0.7 for c = 3 and c = 1 (M/M/1).

Scenario (``model.toy_scenarios.mmc_scenario``): one member, one service with one exponential work step, one role
with c full-time people, no absence of any kind. Service rate 10 cases per working day per person, arrival rate
0.7 c x 10 per day. Each replication simulates about 10,000 customers after a warm-up of about 1,000 (3-5 months;
the M/M/1 relaxation time 1 / (mu (1 - sqrt(rho))^2) is about 4 working days, so the warm-up is ample).

Statistics: one mean per replication (independent replications, seed fixed), t-based 95% confidence interval over
10 replications. The theory value must lie inside the interval, and the interval must be narrow (half-width under
10% of the value) so that the test has power to fail. Measured when written: half-widths 5% (c = 3) and 4.6%
(c = 1) of the mean wait, 2% and 1% of P(wait > 0).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from model.queueing import mmc_mean_wait, mmc_prob_wait, mmc_wait_tail
from model.simulation import simulate
from model.toy_scenarios import mmc_scenario

SERVICE_RATE = 10.0
REPLICATIONS = 10


def t_interval(values: list[float]) -> tuple[float, float]:
    """(mean, 95% half-width) of independent replication values."""
    x = np.asarray(values)
    return float(x.mean()), float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))


@pytest.mark.slow
@pytest.mark.parametrize("servers", [3, 1])
def test_mean_wait_and_probability_of_waiting_match_erlang_c(servers):
    arrival_rate = 0.7 * servers * SERVICE_RATE
    scenario = mmc_scenario(servers, arrival_rate, SERVICE_RATE, customers=10_000, warm_up_customers=1_000, seed=2026)
    theory_wait = mmc_mean_wait(servers, arrival_rate, SERVICE_RATE)
    theory_prob = mmc_prob_wait(servers, arrival_rate, SERVICE_RATE)
    threshold = 2.0 * theory_wait
    theory_tail = mmc_wait_tail(servers, arrival_rate, SERVICE_RATE, threshold)
    waits, probs, tails = [], [], []
    for replication in range(REPLICATIONS):
        cases = simulate(scenario, replication).cases
        counted = cases[~cases["warm_up"] & cases["completed"]]
        wait = counted["queue_wait_days"].to_numpy()
        assert len(wait) > 9_000
        waits.append(wait.mean())
        probs.append((wait > 0).mean())
        tails.append((wait > threshold).mean())
    for name, values, theory in (
        ("mean wait", waits, theory_wait),
        ("P(wait > 0)", probs, theory_prob),
        ("P(wait > 2 Wq)", tails, theory_tail),
    ):
        mean, half_width = t_interval(values)
        assert half_width < 0.1 * theory, f"{name}: interval too wide to test ({half_width:.4g})"
        assert abs(mean - theory) <= half_width, f"{name}: {mean:.5g} +/- {half_width:.3g}, theory {theory:.5g}"
