"""Closed-form queueing results for the M/M/c (Erlang C) queue, used to validate the simulator and to size pools.

Notation: arrival rate ``arrival_rate`` (cases per working day), service rate per server ``service_rate`` (cases per
working day one member of staff completes), ``servers`` = c, offered load a = arrival_rate / service_rate (Erlangs),
utilisation rho = a / c. All times are in working days. Formulas are the textbook ones (e.g. Kleinrock, *Queueing
Systems* vol. 1, 1975, section 3.5; Gross & Harris, *Fundamentals of Queueing Theory*): stated here so a reader can
check them, and tested against independent computations in ``tests/test_queueing.py``.
"""

from __future__ import annotations

import math


def _check(servers: int, arrival_rate: float, service_rate: float) -> None:
    if servers < 1 or int(servers) != servers:
        raise ValueError(f"servers must be a positive whole number, got {servers}")
    if arrival_rate < 0:
        raise ValueError(f"arrival_rate must be >= 0, got {arrival_rate}")
    if service_rate <= 0:
        raise ValueError(f"service_rate must be > 0, got {service_rate}")


def erlang_b(servers: int, offered_load: float) -> float:
    """Erlang B blocking probability for ``servers`` servers and ``offered_load`` Erlangs.

    Uses the stable recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)).
    """
    if offered_load < 0:
        raise ValueError(f"offered_load must be >= 0, got {offered_load}")
    blocking = 1.0
    for k in range(1, int(servers) + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    return blocking


def erlang_c(servers: int, offered_load: float) -> float:
    """Erlang C: probability that an arriving case waits (all ``servers`` busy) in M/M/c with load a < c.

    C = c B / (c - a (1 - B)) with B the Erlang B value; equals 1 when the queue is unstable (a >= c).
    """
    if offered_load >= servers:
        return 1.0
    blocking = erlang_b(servers, offered_load)
    return servers * blocking / (servers - offered_load * (1.0 - blocking))


def utilisation(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Server utilisation rho = lambda / (c mu)."""
    _check(servers, arrival_rate, service_rate)
    return arrival_rate / (servers * service_rate)


def mmc_prob_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """P(an arriving case has to wait) in M/M/c."""
    _check(servers, arrival_rate, service_rate)
    return erlang_c(servers, arrival_rate / service_rate)


def mmc_mean_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean time in queue Wq = C / (c mu - lambda), working days; infinite if unstable."""
    _check(servers, arrival_rate, service_rate)
    spare = servers * service_rate - arrival_rate
    if spare <= 0:
        return math.inf
    return erlang_c(servers, arrival_rate / service_rate) / spare


def mmc_mean_sojourn(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean time in system W = Wq + 1/mu, working days."""
    return mmc_mean_wait(servers, arrival_rate, service_rate) + 1.0 / service_rate


def mmc_mean_queue_length(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean number waiting Lq = lambda Wq (Little's law)."""
    return arrival_rate * mmc_mean_wait(servers, arrival_rate, service_rate)


def mmc_wait_tail(servers: int, arrival_rate: float, service_rate: float, t: float) -> float:
    """P(time in queue > t) = C exp(-(c mu - lambda) t) for t >= 0."""
    _check(servers, arrival_rate, service_rate)
    spare = servers * service_rate - arrival_rate
    if spare <= 0:
        return 1.0
    return erlang_c(servers, arrival_rate / service_rate) * math.exp(-spare * max(t, 0.0))


def mmc_sojourn_tail(servers: int, arrival_rate: float, service_rate: float, t: float) -> float:
    """P(time in system > t) for M/M/c (FCFS), t >= 0.

    The sojourn is Wq + S with S ~ Exp(mu) independent of Wq, and Wq = 0 with probability 1 - C, else
    Exp(theta) with theta = c mu - lambda. Hence P(W > t) = (1 - C) e^{-mu t} + C P(Exp(theta) + Exp(mu) > t),
    where the hypo-exponential tail is (theta e^{-mu t} - mu e^{-theta t}) / (theta - mu), or (1 + mu t) e^{-mu t}
    when theta = mu.
    """
    _check(servers, arrival_rate, service_rate)
    theta = servers * service_rate - arrival_rate
    if theta <= 0:
        return 1.0
    t = max(t, 0.0)
    wait_probability = erlang_c(servers, arrival_rate / service_rate)
    mu = service_rate
    if math.isclose(theta, mu, rel_tol=1e-9):
        both = (1.0 + mu * t) * math.exp(-mu * t)
    else:
        both = (theta * math.exp(-mu * t) - mu * math.exp(-theta * t)) / (theta - mu)
    return (1.0 - wait_probability) * math.exp(-mu * t) + wait_probability * both


def mm1_mean_wait(arrival_rate: float, service_rate: float) -> float:
    """M/M/1 mean time in queue rho / (mu - lambda), working days."""
    return mmc_mean_wait(1, arrival_rate, service_rate)


def square_root_staffing(offered_load: float, quality: float = 1.0) -> int:
    """Square-root staffing rule c = ceil(a + beta sqrt(a)) (Halfin-Whitt), at least 1 server.

    ``quality`` (beta) trades cost for service: about 0.5 cheap, 1 balanced, 2 high service.
    """
    if offered_load < 0:
        raise ValueError(f"offered_load must be >= 0, got {offered_load}")
    return max(1, math.ceil(offered_load + quality * math.sqrt(offered_load)))


def min_servers_for_wait(
    arrival_rate: float,
    service_rate: float,
    target_days: float,
    target_fraction: float,
    max_servers: int = 10_000,
) -> int:
    """Smallest c with P(time in queue <= target_days) >= target_fraction in M/M/c."""
    if not 0 <= target_fraction < 1:
        raise ValueError(f"target_fraction must be in [0, 1), got {target_fraction}")
    if arrival_rate == 0:
        return 1
    servers = max(1, math.floor(arrival_rate / service_rate) + 1)
    while servers <= max_servers:
        if 1.0 - mmc_wait_tail(servers, arrival_rate, service_rate, target_days) >= target_fraction:
            return servers
        servers += 1
    raise ValueError(f"no staffing up to {max_servers} servers meets the wait target")


def max_arrival_rate(
    servers: int,
    service_rate: float,
    target_days: float,
    target_fraction: float,
    measure: str = "wait",
    tolerance: float = 1e-10,
) -> float:
    """Largest arrival rate (cases per working day) that ``servers`` staff can take while still meeting
    P(time <= target_days) >= target_fraction, with time = time in queue (``measure="wait"``) or in system
    (``measure="sojourn"``). This is the pooled capacity L(n) used by the catalogue optimiser: it grows faster than
    linearly in n (the pooling effect). Returns 0 if even an empty system misses the target (sojourn only).
    """
    if measure not in ("wait", "sojourn"):
        raise ValueError("measure must be 'wait' or 'sojourn'")
    tail = mmc_wait_tail if measure == "wait" else mmc_sojourn_tail

    def meets(rate: float) -> bool:
        return 1.0 - tail(servers, rate, service_rate, target_days) >= target_fraction

    low, high = 0.0, servers * service_rate
    if not meets(1e-12 * service_rate):
        return 0.0
    while high - low > tolerance * max(1.0, high):
        middle = 0.5 * (low + high)
        if meets(middle):
            low = middle
        else:
            high = middle
    return low
