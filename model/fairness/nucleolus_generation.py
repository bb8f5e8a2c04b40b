"""Nucleolus of a table game by constraint generation: the sequential LPs of ``model.fairness.solutions`` over a
small active set of coalitions, with separation by a vectorised scan of the whole table.

Why: the enumerating solver puts all ``2**n - 2`` proper coalitions into every LP (262,142 rows at 18 players), while
at an optimum only a few dozen rows are tight. Here each stage's LP ``min t`` holds only the active coalitions; after
each solve the excess of *every* coalition at the LP's point ``x`` is computed at once (``x(S)`` for all bitmasks by
subset sums, ``O(2**n)`` numpy work), the most violated coalitions (``x(S) - c(S) > w_S t``) are added as rows and the
LP is re-solved from its previous basis (dual simplex). When no coalition is violated the restricted LP's optimum is
optimal for the full stage LP, and its duals (zero on the rows left out) are optimal duals of the full LP.

The lexicographic definition is the enumerating solver's, unchanged (``model.fairness.solutions.nucleolus``): the
same scaled unit, the same imputation bounds ``x_i <= c({i})`` as column bounds, the same fixing rule (only rows with
a dual above ``DUAL_TOL``: tight in every optimum by complementary slackness), the same removal of coalitions whose
indicator lies in the span of the fixed ones, and the same recovery of ``x`` from the fixed rows. Coalitions in that
span are found lazily: only violated candidates are tested, by projecting their indicator vectors on the orthogonal
complement of the fixed rows. The nucleolus is unique, so any valid choice of fixed rows gives the same point; the
number of stages may differ from the enumerating solver's in degenerate games (ties).

The first active set: the singletons, the coalitions ``N - i`` and the coalitions with the largest (per-capita)
excess at the split proportional to stand-alone costs. HiGHS ``threads`` is never set here (it is process-global;
the caller sets it once per process).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from model.fairness.games import DUAL_TOL, _popcount, _subset_sums

#: A coalition is violated when ``x(S) - c(S) - w_S t`` exceeds this (scaled unit: ``max |c(S)| = 1``); it is the
#: HiGHS feasibility tolerance the enumerating solver uses, so both accept the same points.
SEPARATION_TOL = 1e-10

#: A coalition's indicator is in the span of the fixed rows when its projection on their complement is below this.
SPAN_TOL = 1e-9


class GenerationFailedError(RuntimeError):
    """A stage did not converge within the round limit (the caller falls back to the enumerating solver)."""


@dataclass(frozen=True)
class GeneratedNucleolus:
    """Result in the scaled unit: ``x`` (one share per player), ``levels`` (``t`` of each stage), ``rows`` (coalition
    rows ever generated), ``rounds`` (LP solves in all)."""

    x: np.ndarray
    levels: list[float]
    rows: int
    rounds: int


def _new_highs() -> highspy.Highs:
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("primal_feasibility_tolerance", 1e-10)
    solver.setOptionValue("dual_feasibility_tolerance", 1e-10)
    solver.setOptionValue("presolve", "off")  # small dense LPs re-solved from a basis: presolve only costs
    return solver


def _row_space(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(orthonormal basis of the span of ``rows``, orthonormal basis of its complement), both as rows."""
    # full_matrices only when there are fewer rows than players (otherwise vt is already n x n, and U would be m x m)
    _, singular, vt = np.linalg.svd(rows, full_matrices=rows.shape[0] < rows.shape[1])
    rank = int(np.sum(singular > 1e-9 * max(1.0, singular[0])))
    return vt[:rank], vt[rank:]


def _members(masks: np.ndarray, n: int) -> np.ndarray:
    return ((masks[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(bool)


class _StageLp:
    """The stage LP in HiGHS: columns ``x_0..x_{n-1}, t``; row 0 is ``sum x = c(N)``, then one row per coalition."""

    def __init__(self, c: np.ndarray, n: int, weight: np.ndarray | None, col_upper: np.ndarray) -> None:
        self.c, self.n, self.weight = c, n, weight
        self.solver = _new_highs()
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = n + 1
        lp.num_row_ = 1
        cost = np.zeros(n + 1)
        cost[n] = 1.0
        lp.col_cost_ = cost
        lp.col_lower_ = np.full(n + 1, -inf)
        lp.col_upper_ = np.append(col_upper, inf).astype(np.float64)
        lp.row_lower_ = np.array([c[-1]])
        lp.row_upper_ = np.array([c[-1]])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_ = n + 1
        lp.a_matrix_.num_row_ = 1
        lp.a_matrix_.start_ = np.append(np.arange(n + 1), n).astype(np.int32)
        lp.a_matrix_.index_ = np.zeros(n, dtype=np.int32)
        lp.a_matrix_.value_ = np.ones(n)
        self.solver.passModel(lp)
        self.row_masks: list[int] = [-1]  # row -> coalition bitmask (-1: the efficiency row)

    def add(self, masks: np.ndarray) -> None:
        """Add ``x(S) - w_S t <= c(S)`` for each bitmask in ``masks``."""
        n = self.n
        pattern = np.concatenate([_members(masks, n), np.ones((len(masks), 1), dtype=bool)], axis=1)
        rows, cols = np.nonzero(pattern)
        w = np.ones(len(masks)) if self.weight is None else self.weight[masks]
        values = np.where(cols == n, -w[rows], 1.0)
        starts = np.concatenate([[0], np.cumsum(pattern.sum(axis=1))[:-1]]).astype(np.int32)
        self.solver.addRows(
            len(masks),
            np.full(len(masks), -highspy.kHighsInf),
            self.c[masks].astype(np.float64),
            len(values),
            starts,
            cols.astype(np.int32),
            values.astype(np.float64),
        )
        self.row_masks.extend(int(m) for m in masks)

    def solve(self, infeasible: Callable[[], Exception]) -> tuple[np.ndarray, np.ndarray]:
        """Run HiGHS from the current basis; (column values, row duals) or raise ``infeasible()``/RuntimeError."""
        self.solver.run()
        status = self.solver.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            raise infeasible()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS did not solve the nucleolus LP: {self.solver.modelStatusToString(status)}")
        solution = self.solver.getSolution()
        return np.array(solution.col_value), np.array(solution.row_dual)


# coalition states in the scan: free (may be violated), in the LP as an inequality, fixed, or out of play
_FREE, _ACTIVE, _FIXED, _OUT = 0, 1, 2, 3


def generated_nucleolus(
    c: np.ndarray,
    n: int,
    *,
    per_capita: bool,
    imputation: bool,
    infeasible: Callable[[], Exception],
    batch: int | None = None,
    first: int | None = None,
    max_rounds: int = 400,
) -> GeneratedNucleolus:
    """Nucleolus (``imputation``), prenucleolus or per-capita nucleolus (``per_capita``) of the scaled cost table
    ``c`` (length ``2**n``, ``c[0] = 0``, ``max |c| = 1``) by constraint generation; shares in the same unit.

    ``batch``: coalitions added per separation round (default ``2n``); ``first``: coalitions of largest excess at the
    starting split put in the first LP (default ``4n``); ``max_rounds``: LP solves per stage before giving up with
    :class:`GenerationFailedError`. ``infeasible`` builds the error raised when the LP is infeasible (imputation
    bounds with ``c(N) > sum c({i})``).
    """
    full = (1 << n) - 1
    batch = batch or 2 * n
    first = first or 4 * n
    size = _popcount(n).astype(np.float64)
    weight = size if per_capita else None
    singles = c[1 << np.arange(n)]
    col_upper = singles if imputation else np.full(n, highspy.kHighsInf)
    state = np.zeros(1 << n, dtype=np.uint8)
    state[0] = state[full] = _OUT

    lp = _StageLp(c, n, weight, col_upper)
    start_masks = np.concatenate([1 << np.arange(n), full ^ (1 << np.arange(n))]).astype(np.int64)
    start_masks = np.unique(start_masks[(start_masks != 0) & (start_masks != full)])
    # the split proportional to stand-alone costs (equal split if they sum to zero): within the imputation bounds
    total = float(np.sum(singles))
    start = singles * (c[full] / total) if abs(total) > 1e-12 else np.full(n, c[full] / n)
    excess = _subset_sums(start) - c
    if per_capita:
        excess[1:] /= size[1:]
    excess[start_masks] = -np.inf
    excess[0] = excess[full] = -np.inf
    k = min(first, full - 1 - len(start_masks))
    top = np.argpartition(-excess, k)[:k] if k > 0 else np.array([], dtype=np.int64)
    initial = np.concatenate([start_masks, top.astype(np.int64)])
    lp.add(initial)
    state[initial] = _ACTIVE

    fixed_rows = [np.ones(n)]
    fixed_rhs = [float(c[full])]
    complement = _row_space(np.array(fixed_rows))[1]
    levels: list[float] = []
    rounds = 0
    while len(complement) > 0:
        for _ in range(max_rounds):
            col_value, row_dual = lp.solve(infeasible)
            rounds += 1
            x, t = col_value[:n], float(col_value[n])
            violation = _subset_sums(x)
            violation -= c
            if per_capita:
                violation -= t * size
                candidates = np.flatnonzero(violation > SEPARATION_TOL)
            else:
                candidates = np.flatnonzero(violation > t + SEPARATION_TOL)
                violation -= t
            candidates = candidates[state[candidates] == _FREE]
            if len(candidates) and len(complement) < n - 1:  # beyond stage 1 some coalitions may be determined
                determined = np.max(np.abs(_members(candidates, n) @ complement.T), axis=1) < SPAN_TOL
                state[candidates[determined]] = _OUT
                candidates = candidates[~determined]
            if len(candidates) == 0:
                break
            if len(candidates) > batch:
                score = violation[candidates] / size[candidates] if per_capita else violation[candidates]
                candidates = candidates[np.argpartition(-score, batch)[:batch]]
            lp.add(candidates)
            state[candidates] = _ACTIVE
        else:
            raise GenerationFailedError(f"stage {len(levels) + 1}: still violated coalitions after {max_rounds} LPs")
        levels.append(t)
        row_state = state[np.array(lp.row_masks[1:], dtype=np.int64)]
        duals = np.abs(row_dual[1:]) * (row_state == _ACTIVE)
        chosen = np.flatnonzero(duals > DUAL_TOL)
        if len(chosen) == 0:  # cannot happen in exact arithmetic: the weighted duals sum to 1
            chosen = np.array([int(np.argmax(duals))])
        chosen_masks = np.array([lp.row_masks[r + 1] for r in chosen], dtype=np.int64)
        w = size[chosen_masks] if per_capita else np.ones(len(chosen))
        rhs = c[chosen_masks] + w * t
        for r, value in zip(chosen, rhs, strict=True):
            lp.solver.changeCoeff(int(r + 1), n, 0.0)
            lp.solver.changeRowBounds(int(r + 1), float(value), float(value))
        state[chosen_masks] = _FIXED
        fixed_rows.extend(_members(chosen_masks, n).astype(np.float64))
        fixed_rhs.extend(rhs.tolist())
        complement = _row_space(np.array(fixed_rows))[1]
        if len(complement) == 0:
            break
        # active rows whose excess is now determined no longer constrain t: drop them from the LP
        active = np.flatnonzero(row_state == _ACTIVE)
        active = active[state[np.array(lp.row_masks, dtype=np.int64)[active + 1]] == _ACTIVE]
        if len(active):
            masks = np.array(lp.row_masks, dtype=np.int64)[active + 1]
            determined = np.max(np.abs(_members(masks, n) @ complement.T), axis=1) < SPAN_TOL
            if np.any(determined):
                rows = (active[determined] + 1).astype(np.int32)
                inf = highspy.kHighsInf
                lp.solver.changeRowsBounds(len(rows), rows, np.full(len(rows), -inf), np.full(len(rows), inf))
                state[masks[determined]] = _OUT
    x, *_ = np.linalg.lstsq(np.array(fixed_rows), np.array(fixed_rhs), rcond=None)
    return GeneratedNucleolus(x, levels, len(lp.row_masks) - 1, rounds)
