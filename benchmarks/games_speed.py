"""Speed and accuracy of the cost-game library (model/fairness/games.py, model/fairness/solutions.py), against references measured in the same run.

Targets (issue 4): nucleolus of a random subadditive 15-player game in under 3 s; exact Shapley for 20 players in
under 10 s; sampled Shapley of a 200-player airport game within 1% of the closed form. "Within 1%" is measured as
the share of the bill that goes to the wrong members, sum_i |estimate_i - exact_i| / c(N) (a per-member 1% for the
smallest members would need millions of orders: their marginal cost is non-zero only in rare orders).

Run: .venv/bin/python benchmarks/games_speed.py
"""

from __future__ import annotations

import itertools
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.fairness import (  # noqa: E402
    CostGame,
    airport_game,
    closest_core_allocation,
    equal_split,
    least_core_epsilon,
    nucleolus,
    random_subadditive_game,
    shapley,
    shapley_sampled,
)
from model.fairness.solutions import core_check

RESULTS: list[tuple[str, bool]] = []


def timed(function: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """Median wall time (s) over ``repeat`` runs and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def naive_shapley(table: np.ndarray, n: int) -> np.ndarray:
    """Reference: average marginal cost over all n! orders, one Python step per (order, player)."""
    phi = np.zeros(n)
    count = 0
    for order in itertools.permutations(range(n)):
        mask = 0
        for i in order:
            phi[i] += table[mask | (1 << i)] - table[mask]
            mask |= 1 << i
        count += 1
    return phi / count


def airport_closed_form(r: np.ndarray) -> np.ndarray:
    """Shapley of the airport game: segment k (r_(k-1) to r_(k)) shared equally by the players needing it."""
    order = np.argsort(r, kind="stable")
    sorted_r = r[order]
    n = len(r)
    segments = np.diff(np.concatenate([[0.0], sorted_r])) / (n - np.arange(n))
    phi = np.empty(n)
    phi[order] = np.cumsum(segments)
    return phi


def check(label: str, passed: bool) -> None:
    RESULTS.append((label, passed))
    print(f"  -> {'PASS' if passed else 'FAIL'}: {label}")


def bench_exact_shapley() -> None:
    print("\n[1] Exact Shapley (vectorised over bitmasks)")
    small = random_subadditive_game(8, seed=1)
    t_naive, phi_naive = timed(lambda: naive_shapley(small.table, 8), repeat=1)
    t_vec8, phi_vec = timed(lambda: shapley(small), repeat=5)
    assert np.allclose(phi_naive, phi_vec.as_array(), atol=1e-9)
    print(
        f"  n=8 : naive loop over 8! orders {t_naive:.3f} s, vectorised {t_vec8 * 1e3:.2f} ms "
        f"-> vectorised is {t_naive / t_vec8:,.0f}x faster (same values to 1e-9)"
    )
    t_build, big = timed(lambda: random_subadditive_game(20, seed=1), repeat=1)
    t_vec20, phi20 = timed(lambda: shapley(big), repeat=3)
    per_order = t_naive / (math.factorial(8) * 8)
    naive20_years = per_order * math.factorial(20) * 20 / (3600 * 24 * 365)
    print(
        f"  n=20: table of 2^20 costs built in {t_build:.2f} s; exact Shapley {t_vec20:.2f} s "
        f"({t_vec20 / t_vec8:,.0f}x the n=8 time for 4096x the coalitions); the naive loop would take "
        f"~{naive20_years:,.0f} years"
    )
    assert math.fsum(phi20.values()) == big.grand_value
    check(f"exact Shapley for 20 players in {t_vec20:.2f} s < 10 s", t_vec20 < 10.0)


def bench_nucleolus() -> None:
    print("\n[2] Nucleolus by sequential LPs (HiGHS, constraint generation), 15 players = 32,766 coalitions")
    game = random_subadditive_game(15, seed=0)
    t_lc, epsilon = timed(lambda: least_core_epsilon(game))
    t_nuc, nuc = timed(lambda: nucleolus(game))
    in_core = core_check(game, nuc).in_core
    print(
        f"  random subadditive game (seed 0): least-core epsilon {epsilon:.3f} (core "
        f"{'non-empty' if epsilon <= 0 else 'empty'}); single least-core LP {t_lc:.2f} s; nucleolus "
        f"{t_nuc:.3f} s in {nuc.info['stages']} stage(s) by {nuc.info['algorithm']} = {t_nuc / t_lc:.2f}x one LP; "
        f"nucleolus in core: {in_core} (benchmarks/nucleolus_speed.py compares with coopgame-py)"
    )
    check(f"nucleolus for a random subadditive 15-player game in {t_nuc:.2f} s < 3 s", t_nuc < 3.0)
    # a harder, degenerate case: symmetric car sharing (4 per car) plus a set-up cost; empty core, many ties
    cars = CostGame(
        [f"P{i + 1}" for i in range(15)],
        [10 * math.ceil(bin(m).count("1") / 4) + 0.5 * bin(m & 0b111).count("1") for m in range(1 << 15)],
    )
    t_lc2, eps2 = timed(lambda: least_core_epsilon(cars), repeat=1)
    t_nuc2, nuc2 = timed(lambda: nucleolus(cars), repeat=1)
    t_cc, _ = timed(lambda: closest_core_allocation(cars, equal_split(cars)), repeat=1)
    print(
        f"  degenerate car-sharing game: epsilon {eps2:.3f} (core empty); least-core LP {t_lc2:.2f} s; nucleolus "
        f"{t_nuc2:.3f} s in {nuc2.info['stages']} stages ({t_nuc2 / t_lc2:.2f}x one LP); closest core "
        f"allocation to the equal split {t_cc:.2f} s ({t_cc / t_lc2:.1f}x one LP)"
    )


def bench_sampled_shapley() -> None:
    print("\n[3] Sampled Shapley (random orders of arrival) on airport games c(S) = max requirement in S")
    rng = np.random.default_rng(2024)
    r16 = rng.uniform(10, 1000, 16)
    game16 = airport_game({f"m{i}": r16[i] for i in range(16)})
    t_table16, _ = timed(lambda: game16.table, repeat=1)  # tabulate the 65,536 coalitions once
    t_exact16, exact16 = timed(lambda: shapley(game16), repeat=3)
    t_samp16, samp16 = timed(lambda: shapley_sampled(game16, 20_000, seed=1), repeat=1)
    err16 = np.abs(samp16.as_array() - airport_closed_form(r16)).sum() / r16.max()
    assert np.allclose(exact16.as_array(), airport_closed_form(r16), atol=1e-9)
    print(
        f"  n=16 (both run): tabulating 65,536 coalitions {t_table16 * 1e3:.0f} ms, then exact "
        f"{t_exact16 * 1e3:.1f} ms; 20,000 sampled orders {t_samp16 * 1e3:.0f} ms "
        f"({t_samp16 / t_exact16:.1f}x exact) and still {100 * err16:.2f}% of the bill misallocated"
    )

    n = 200
    r = rng.uniform(10, 1000, n)
    game = airport_game({f"m{i:03d}": r[i] for i in range(n)})
    exact = airport_closed_form(r)
    plain = CostGame.from_vectorized(  # the same game without the prefix hook: membership matrices
        game.players, lambda members: np.max(np.where(members, r[None, :], 0.0), axis=1, initial=0.0)
    )
    t_members, _ = timed(lambda: shapley_sampled(plain, 2_000, seed=1), repeat=1)
    t_prefix, _ = timed(lambda: shapley_sampled(game, 2_000, seed=1), repeat=1)
    print(
        f"  n=200, 2,000 orders: membership-matrix path {t_members:.2f} s, running-max prefix path "
        f"{t_prefix:.3f} s ({t_members / t_prefix:.0f}x faster)"
    )
    orders = 1_000_000
    t_big, estimate = timed(lambda: shapley_sampled(game, orders, seed=1), repeat=1)
    error = estimate.as_array() - exact
    stderr = np.array(list(estimate.stderr.values()))
    l1 = np.abs(error).sum() / r.max()
    predicted = math.sqrt(2 / math.pi) * stderr.sum() / r.max()
    top = np.argsort(exact)[-20:]
    print(
        f"  n=200, {orders:,} orders in {t_big:.1f} s: misallocated {100 * l1:.2f}% of the bill "
        f"(stderr predicts {100 * predicted:.2f}%); largest error on one share {np.abs(error).max():.3f} "
        f"= {100 * np.abs(error).max() / r.max():.3f}% of c(N); 20 largest shares within "
        f"{100 * np.max(np.abs(error[top]) / exact[top]):.1f}% each; max |z| {np.max(np.abs(error) / stderr):.2f}"
    )
    assert math.fsum(estimate.values()) == game.grand_value
    check(f"sampled Shapley, 200-player airport: {100 * l1:.2f}% of the bill misallocated < 1%", l1 < 0.01)


def main() -> int:
    print(
        f"model.fairness.games benchmark: Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, numpy {np.__version__}"
    )
    bench_exact_shapley()
    bench_nucleolus()
    bench_sampled_shapley()
    failed = [label for label, passed in RESULTS if not passed]
    print(f"\n{len(RESULTS) - len(failed)}/{len(RESULTS)} targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
