"""Sampled Shapley value for games too big to tabulate, with 95% intervals and a stopping rule.

The Shapley value is each member's marginal cost ``c(P + i) - c(P)`` averaged over every order of joining. Here the
orders are sampled in BLOCKS that are stratified by position and antithetic at once:

* draw one random circular order pi of the n members;
* the block's 2n orders are the n rotations of pi read forwards and the n read backwards.

In a block every member joins at every position exactly twice (once forwards, once backwards): position, the main
source of variance of a marginal cost (first to join pays the fixed costs; last pays little), is perfectly
stratified; the backward order is the antithetic twin of the forward one (early becomes late). And it costs half as
many coalition solves per order as independent orders: every prefix of every order in the block is an ARC of the
circle (contiguous members), and the circle has only n(n - 1) proper arcs, so 2n orders need n(n - 1) + 1 coalitions
(2n(n - 1) + 1 for 2n independent orders). Each block's estimate is unbiased; blocks are independent, so the 95%
interval is the block mean +/- t(0.975, B - 1) x its standard error. Chosen by measurement over plain independent
orders (``benchmarks/regional_speed.py``, docs/regional_scale.md).

Stopping: after at least ``min_blocks`` blocks, at the first block count where every member's half-width is at most
``relative_half_width`` (default 1%) of its share; at most ``max_blocks`` (the result then says it did not converge).

Reproducible whatever the workers: block b draws its circle from ``SeedSequence(seed, spawn_key=(b,))`` (the b-th
child of ``SeedSequence(seed).spawn``, independent of how many blocks are run), coalition costs are rounded to the
penny (``model.optimisation.coalition_oracle``), and the stopping rule looks at blocks in index order, so 1 or 2 processes or a
Dask cluster give identical shares. Blocks are computed in waves of ``wave_blocks`` (a fixed number, not the worker
count); blocks computed past the stopping point are discarded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

CostOfMasks = Callable[[list[int]], Mapping[int, float]]


@dataclass(frozen=True)
class SampledShapley:
    """Estimated Shapley shares (pounds per year), their 95% interval half-widths, and how they were obtained."""

    players: tuple[str, ...]
    shares: dict[str, float]
    half_width: dict[str, float]
    blocks: int
    orders: int
    coalitions: int
    seconds: float
    converged: bool
    seed: int
    relative_half_width: float
    design: str = "cyclic"
    per_block: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)

    @property
    def worst_relative_half_width(self) -> float:
        return max(self.half_width[p] / abs(self.shares[p]) if self.shares[p] else math.inf for p in self.players)

    def describe(self) -> str:
        state = "converged" if self.converged else "NOT converged (block limit reached)"
        return (
            f"sampled Shapley: {self.orders:,} orders in {self.blocks} blocks (seed {self.seed}), {self.coalitions:,} "
            f"coalitions solved; largest 95% half-width {self.worst_relative_half_width:.2%} of a share "
            f"(target {self.relative_half_width:.0%}): {state}"
        )


def block_rng(seed: int, block: int) -> np.random.Generator:
    """The generator of block ``block``: the block-th child of ``SeedSequence(seed)``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))


def cyclic_block(n: int, rng: np.random.Generator, rotations: int | None = None) -> tuple[list[np.ndarray], list[int]]:
    """The orders of one block (``rotations`` rotations of a random circle, equally spaced, each read forwards and
    backwards; default n: every rotation) and the masks of the coalitions their prefixes need (arcs of the circle,
    the grand coalition included)."""
    circle = rng.permutation(n)
    k = n if rotations is None else max(1, min(n, int(rotations)))
    orders = []
    for r in sorted({(j * n) // k for j in range(k)}):
        forward = np.roll(circle, -r)
        orders.append(forward)
        orders.append(np.roll(forward[::-1], 1))  # starts at circle[r], then goes backwards round the circle
    return orders, sorted(set(_prefix_masks_of(orders)))


def independent_block(
    n: int, rng: np.random.Generator, rotations: int | None = None
) -> tuple[list[np.ndarray], list[int]]:
    """2 x ``rotations`` (default 2n) independent random orders (the plain design, for comparison) and the masks of
    their prefixes."""
    k = n if rotations is None else max(1, min(n, int(rotations)))
    orders = [rng.permutation(n) for _ in range(2 * k)]
    return orders, sorted(set(_prefix_masks_of(orders)))


def _prefix_masks_of(orders: list[np.ndarray]) -> list[int]:
    masks = []
    for order in orders:
        mask = 0
        for player in order:
            mask |= 1 << int(player)
            masks.append(mask)
    return masks


def block_estimate(n: int, orders: list[np.ndarray], cost: Mapping[int, float]) -> np.ndarray:
    """Each player's mean marginal cost over the block's orders (pounds per year)."""
    total = np.zeros(n)
    for order in orders:
        mask = 0
        previous = 0.0
        for player in order:
            mask |= 1 << int(player)
            value = cost[mask]
            total[int(player)] += value - previous
            previous = value
    return total / len(orders)


def sampled_shapley(
    players: tuple[str, ...],
    costs_of: CostOfMasks,
    *,
    seed: int,
    relative_half_width: float = 0.01,
    min_blocks: int = 5,
    max_blocks: int = 60,
    wave_blocks: int = 2,
    design: str = "cyclic",
    rotations: int | None = None,
    max_coalitions: int | None = None,
) -> SampledShapley:
    """Shapley shares of the cost game ``costs_of`` (a function of a list of coalition bit masks over ``players``
    returning ``{mask: c(S)}``, e.g. ``CoalitionOracle.costs``) by blocks of sampled orders (module docstring).

    ``design``: "cyclic" (stratified and antithetic blocks, the default) or "independent" (2n plain random orders a
    block, for comparison). ``rotations``: orders per direction in a block (default n, full stratification by
    position; fewer when each coalition is expensive). ``max_coalitions``: stop (not converged) once this many
    distinct coalitions have been needed, checked at block boundaries in index order (so deterministic).
    """
    if design not in ("cyclic", "independent"):
        raise ValueError(f"design must be 'cyclic' or 'independent', got {design!r}")
    if min_blocks < 2 or max_blocks < min_blocks or wave_blocks < 1:
        raise ValueError("need 2 <= min_blocks <= max_blocks and wave_blocks >= 1")
    n = len(players)
    make = cyclic_block if design == "cyclic" else independent_block
    start = time.perf_counter()
    estimates: list[np.ndarray] = []
    solved: set[int] = set()
    counted: set[int] = set()  # coalitions of the blocks used, in block order (the budget's count)
    converged = False
    half = np.full(n, math.inf)
    mean = np.zeros(n)
    block = 0
    while block < max_blocks and not converged:
        wave = range(block, min(block + wave_blocks, max_blocks))
        drawn = [make(n, block_rng(seed, b), rotations) for b in wave]
        # the coalition budget, block by block in index order: a block that would exceed it is not run (from the
        # third block on: two blocks are the least that gives an interval)
        seen = set(counted)
        fitting = []
        for index, (orders, masks) in enumerate(drawn):
            seen.update(masks)
            if max_coalitions is not None and block + index >= 2 and len(seen) > max_coalitions:
                break
            fitting.append((orders, masks))
        if not fitting:
            break
        needed = sorted({m for _, masks in fitting for m in masks})
        cost = costs_of(needed)
        solved.update(needed)
        for orders, masks in fitting:
            counted.update(masks)
            estimates.append(block_estimate(n, orders, cost))
            block += 1
            if block >= min_blocks:
                values = np.array(estimates)
                mean = values.mean(axis=0)
                se = values.std(axis=0, ddof=1) / math.sqrt(block)
                half = float(stats.t.ppf(0.975, block - 1)) * se
                if np.all(half <= relative_half_width * np.abs(mean)):
                    converged = True
                    break
        if len(fitting) < len(drawn):
            break
    block = len(estimates)
    values = np.array(estimates)
    if not converged and block >= 2:
        mean = values.mean(axis=0)
        se = values.std(axis=0, ddof=1) / math.sqrt(block)
        half = float(stats.t.ppf(0.975, block - 1)) * se
    return SampledShapley(
        players=tuple(players),
        shares={p: float(mean[i]) for i, p in enumerate(players)},
        half_width={p: float(half[i]) for i, p in enumerate(players)},
        blocks=block,
        orders=sum(1 for _ in range(block)) * (2 * (n if rotations is None else max(1, min(n, int(rotations))))),
        coalitions=len(counted),
        seconds=time.perf_counter() - start,
        converged=converged,
        seed=seed,
        relative_half_width=relative_half_width,
        design=design,
        per_block=values,
    )
