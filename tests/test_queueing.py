"""Erlang C / M/M/c formulas checked against independent computations: the explicit finite-sum formula in exact
rational arithmetic, hand-derived small cases, numerical integration, and Little's law."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from scipy import integrate

from model.optimisation import queueing as q


def erlang_c_by_sum(servers: int, load: Fraction) -> Fraction:
    """The textbook explicit form: C = (a^c/c!)(c/(c-a)) / (sum_{k<c} a^k/k! + (a^c/c!)(c/(c-a)))."""
    top = load**servers / math.factorial(servers) * Fraction(servers) / (servers - load)
    bottom = sum(load**k / math.factorial(k) for k in range(servers)) + top
    return top / bottom


def test_hand_derived_mm2() -> None:
    # M/M/2 with a = 1: P0 = 1/3 and C = 1/3 (derived by hand from the balance equations).
    assert q.erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=1e-12)
    # M/M/1: C = rho; Wq = rho / (mu - lambda).
    assert q.erlang_c(1, 0.7) == pytest.approx(0.7, rel=1e-12)
    assert q.mm1_mean_wait(0.7, 1.0) == pytest.approx(0.7 / 0.3, rel=1e-12)


@pytest.mark.parametrize(
    ("servers", "load"), [(3, Fraction(21, 10)), (10, Fraction(8)), (25, Fraction(45, 2)), (50, Fraction(48))]
)
def test_erlang_c_matches_exact_sum(servers: int, load: Fraction) -> None:
    assert q.erlang_c(servers, float(load)) == pytest.approx(float(erlang_c_by_sum(servers, load)), rel=1e-10)


def test_erlang_b_known_value() -> None:
    # Erlang B with 1 server: a / (1 + a).
    assert q.erlang_b(1, 2.0) == pytest.approx(2 / 3)
    assert q.erlang_b(0, 5.0) == 1.0


def test_unstable_queue() -> None:
    assert q.erlang_c(3, 3.0) == 1.0
    assert q.mmc_mean_wait(3, 3.0, 1.0) == math.inf
    assert q.mmc_wait_tail(2, 5.0, 1.0, 10.0) == 1.0


def test_littles_law_and_utilisation() -> None:
    """M/M/2 with lambda = 3, mu = 2 (a = 1.5, rho = 0.75; mu != 1 so a swapped * and / shows), from the state
    probabilities rather than the code's formulas: p0 = 1 / (1 + 1.5 + 1.5^2 / 2 / (1 - 0.75)) = 1/7, p2 = p0 x
    1.5^2 / 2 = 9/56, P(wait) = p2 / (1 - rho) = 9/14, Lq = p2 rho / (1 - rho)^2 = 27/14; Little's law then gives
    Wq = Lq / lambda = 9/14 and W = Wq + 1/mu = 8/7, and P(Wq > t) = P(wait) e^{-(c mu - lambda) t}."""
    lam, mu, c = 3.0, 2.0, 2
    assert q.utilisation(c, lam, mu) == pytest.approx(0.75, rel=1e-12)
    assert q.mmc_prob_wait(c, lam, mu) == pytest.approx(9 / 14, rel=1e-12)
    assert q.mmc_mean_queue_length(c, lam, mu) == pytest.approx(27 / 14, rel=1e-12)
    assert q.mmc_mean_wait(c, lam, mu) == pytest.approx(9 / 14, rel=1e-12)
    assert q.mmc_mean_sojourn(c, lam, mu) == pytest.approx(8 / 7, rel=1e-12)
    assert q.mmc_wait_tail(c, lam, mu, 0.5) == pytest.approx(9 / 14 * math.exp(-0.5), rel=1e-12)
    assert q.mmc_wait_tail(c, lam, mu, -1.0) == pytest.approx(9 / 14, rel=1e-12)  # a negative time is time 0
    assert q.mm1_mean_wait(1.0, 4.0) == pytest.approx(0.25 / 3.0, rel=1e-12)  # rho / (mu - lambda)


def test_wait_tail_integrates_to_mean_wait() -> None:
    lam, mu, c = 2.1, 1.0, 3
    area, _ = integrate.quad(lambda t: q.mmc_wait_tail(c, lam, mu, t), 0, math.inf)
    assert area == pytest.approx(q.mmc_mean_wait(c, lam, mu), rel=1e-8)


@pytest.mark.parametrize(
    ("servers", "lam", "mu"), [(3, 2.1, 1.0), (1, 0.5, 1.0), (4, 1.0, 1.0), (2, 1.0, 1.0), (2, 3.0, 2.0), (3, 1.2, 0.5)]
)
def test_sojourn_tail_by_convolution(servers: int, lam: float, mu: float) -> None:
    """P(Wq + S > t) by numerical convolution of the waiting-time law with the Exp(mu) service time."""
    wait_prob = q.mmc_prob_wait(servers, lam, mu)
    theta = servers * mu - lam
    for t in (0.0, 0.5, 2.0, 5.0):
        waited, _ = integrate.quad(
            lambda x, t=t: theta * math.exp(-theta * x) * math.exp(-mu * max(t - x, 0.0)), 0, 60, points=[t]
        )
        expected = (1 - wait_prob) * math.exp(-mu * t) + wait_prob * waited
        assert q.mmc_sojourn_tail(servers, lam, mu, t) == pytest.approx(expected, rel=1e-7, abs=1e-12)
    area, _ = integrate.quad(lambda t: q.mmc_sojourn_tail(servers, lam, mu, t), 0, math.inf)
    assert area == pytest.approx(q.mmc_mean_sojourn(servers, lam, mu), rel=1e-7)


def test_square_root_staffing() -> None:
    assert q.square_root_staffing(100.0, 1.0) == 110
    assert q.square_root_staffing(0.0) == 1
    with pytest.raises(ValueError):
        q.square_root_staffing(-1.0)


def test_min_servers_is_minimal() -> None:
    lam, mu = 9.0, 1.0
    servers = q.min_servers_for_wait(lam, mu, target_days=0.2, target_fraction=0.9)
    assert 1 - q.mmc_wait_tail(servers, lam, mu, 0.2) >= 0.9
    assert 1 - q.mmc_wait_tail(servers - 1, lam, mu, 0.2) < 0.9


def test_max_arrival_rate_is_the_boundary_and_shows_pooling() -> None:
    mu, target, fraction = 1.0, 0.5, 0.9
    rates = [q.max_arrival_rate(n, mu, target, fraction) for n in range(1, 9)]
    for n, rate in enumerate(rates, start=1):
        assert 1 - q.mmc_wait_tail(n, rate, mu, target) == pytest.approx(fraction, abs=1e-6)
        assert 1 - q.mmc_wait_tail(n, rate * 1.001, mu, target) < fraction
    per_server = [rate / n for n, rate in enumerate(rates, start=1)]
    assert all(b > a for a, b in zip(per_server, per_server[1:], strict=False))  # pooling: capacity per head rises
    # a sojourn target shorter than most service times cannot be met at any load
    assert q.max_arrival_rate(1, 1.0, 0.01, 0.9, measure="sojourn") == 0.0
