"""Solution concepts of a cooperative cost game (``model.fairness.games.CostGame``): who pays what, and is it in the
core?

Every function takes a game and returns an :class:`Allocation` (shares summing exactly to the grand coalition's
value) or a verdict; methods, references and conventions are in ``model.fairness.games``. ``METHODS`` maps the CLI's
method names to the functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from model.fairness.games import (
    DUAL_TOL,
    MAX_LP_PLAYERS,
    MAX_TABLE_PLAYERS,
    REL_TOL,
    CostGame,
    EmptyImputationSetError,
    GameError,
    UnknownPlayerError,
    _check_number,
    _membership,
    _popcount,
    _require_players,
    _subset_sums,
    coalition_key,
    parse_weights,
)
from model.fairness.nucleolus_generation import GenerationFailedError, generated_nucleolus


@dataclass(frozen=True, eq=False)
class Allocation(Mapping[str, float]):
    """Shares of the grand coalition's value, one per player (a read-only mapping ``player -> share``).

    ``shares`` are in the game's unit (pounds per year of cost, or of gain for a profit game) and sum exactly
    (``math.fsum``) to ``game.grand_value``. ``stderr`` holds standard errors for sampled methods. ``info`` holds
    method-specific figures (e.g. ``"epsilon"`` for the least core, ``"max_deviation"`` for the closest core
    allocation); ``notes`` holds sentences worth showing a reader (e.g. that the core is empty).
    """

    method: str
    shares: Mapping[str, float]
    stderr: Mapping[str, float] | None = None
    info: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __getitem__(self, player: str) -> float:
        return self.shares[player]

    def __iter__(self) -> Iterator[str]:
        return iter(self.shares)

    def __len__(self) -> int:
        return len(self.shares)

    def as_array(self) -> np.ndarray:
        """Shares as a float array in player order."""
        return np.array(list(self.shares.values()), dtype=np.float64)

    def to_dict(self) -> dict[str, float]:
        """Plain ``{player: share}`` dict (JSON friendly)."""
        return {p: float(v) for p, v in self.shares.items()}


def _balance_exactly(values: np.ndarray, target: float) -> np.ndarray:
    """Make ``math.fsum(shares) == target`` exactly.

    Shares are first rounded to 13 significant digits of the largest value (far below the ~1e-9 relative accuracy
    of the algorithms, so nothing of substance changes, but results that are round numbers print as such). The
    remaining residual ``target - fsum`` (~1e-13 relative) is then added to the share with the largest magnitude
    whose value it changes, so the relative change of any share is minimal.
    """
    x = np.array(values, dtype=np.float64)
    peak = max(float(np.max(np.abs(x))), abs(target))
    if peak > 0:  # snap to 13 significant digits of the largest value: 1799.9999999999998 prints as 1800.0
        x = np.round(x, 12 - math.floor(math.log10(peak)))
    if math.fsum(x) == target:
        return x
    # Put the residual on one share, largest magnitude first (smallest relative change). Adding a residual rounds
    # to that share's precision, so also try the few neighbouring floats: one of them makes the sum exact.
    for k in np.argsort(-np.abs(x), kind="stable"):
        candidate = x[k] + (target - math.fsum(x))
        for _ in range(8):
            trial = x.copy()
            trial[k] = candidate
            error = target - math.fsum(trial)
            if error == 0.0:
                return trial
            candidate = np.nextafter(candidate, np.inf if error > 0 else -np.inf)
    return x


def _allocation(
    game: CostGame,
    cost_shares: np.ndarray,
    method: str,
    *,
    stderr: np.ndarray | None = None,
    info: Mapping[str, Any] | None = None,
    notes: Sequence[str] = (),
) -> Allocation:
    """Wrap internal cost-unit shares as an exactly balanced :class:`Allocation` in the game's own unit."""
    native = _balance_exactly(game.sign * np.asarray(cost_shares, dtype=np.float64), game.grand_value)
    shares = {p: float(v) for p, v in zip(game.players, native, strict=True)}
    errors = None if stderr is None else {p: float(e) for p, e in zip(game.players, stderr, strict=True)}
    return Allocation(method, shares, errors, dict(info or {}), tuple(notes))


def _vector(game: CostGame, allocation: Mapping[str, float], what: str) -> np.ndarray:
    """An allocation/reference mapping in the game's unit -> internal cost-unit array in player order."""
    for name in allocation:
        if name not in game._index:
            raise UnknownPlayerError(f"unknown player {name!r} in {what}; players are {', '.join(game.players)}")
    missing = [p for p in game.players if p not in allocation]
    if missing:
        raise GameError(f"{what} has no value for player {missing[0]!r}")
    values = [_check_number(allocation[p], f"{what} value of {p!r}") for p in game.players]
    return game.sign * np.array(values, dtype=np.float64)


def _shapley_weights(n: int) -> np.ndarray:
    """``w[s] = s! (n-1-s)! / n!`` for coalition sizes ``s = 0..n-1`` (= 1 / (n * C(n-1, s)))."""
    return np.array([1.0 / (n * math.comb(n - 1, s)) for s in range(n)], dtype=np.float64)


def _shapley_exact(costs: np.ndarray, n: int) -> np.ndarray:
    """Exact Shapley values of a cost table (length ``2**n``), vectorised per player.

    For player ``i`` the table is viewed as ``(2**(n-1-i), 2, 2**i)``; index 1 on the middle axis adds ``i``, so
    ``view[:, 1, :] - view[:, 0, :]`` are all ``2**(n-1)`` marginal contributions of ``i`` at once, and the sizes of
    the coalitions without ``i`` select the Shapley weights. Cost: ``n * 2**(n-1)`` multiply-adds, no Python loop
    over coalitions or orders.
    """
    weight_of_size = np.append(_shapley_weights(n), 0.0)  # size n (the grand coalition) is never joined
    weights = weight_of_size[_popcount(n)]
    phi = np.empty(n)
    for i in range(n):
        view = costs.reshape(1 << (n - 1 - i), 2, 1 << i)
        marginal = view[:, 1, :] - view[:, 0, :]
        phi[i] = float(np.sum(marginal * weights.reshape(1 << (n - 1 - i), 2, 1 << i)[:, 0, :]))
    return phi


def shapley(game: CostGame) -> Allocation:
    """Exact Shapley value: each player's marginal cost averaged over all orders of joining.

    Needs every coalition (``n <= MAX_TABLE_PLAYERS``); about 0.3 s for 20 players. For larger games use
    :func:`shapley_sampled`.
    """
    _require_players(game.n, MAX_TABLE_PLAYERS, "exact shapley", "shapley_sampled")
    return _allocation(game, _shapley_exact(game._costs(), game.n), "shapley")


def shapley_sampled(
    game: CostGame, n_permutations: int = 2000, *, seed: int | None = 0, batch: int | None = None
) -> Allocation:
    """Shapley value estimated from ``n_permutations`` random orders of joining (Castro et al. 2009).

    Each order gives every player's marginal cost ``c(P + i) - c(P)`` (``P`` = players before it); the estimate is
    the mean and ``stderr`` its standard error (sample standard deviation / sqrt(permutations)). Each order's
    marginals telescope to ``c(N)``, so the estimate is budget balanced. Works for any ``n`` with a function game:
    ``n + 1`` evaluations per order, done in batches through the table (``n <= 20``), the ``prefix_cost`` hook of
    :meth:`CostGame.from_vectorized` (O(n) per order), its membership-matrix function (O(n**2) per order), or the
    scalar function (slowest). ``seed`` makes it reproducible (``None``: fresh randomness).

    Accuracy: the error of each share is about ``stderr`` (the estimate is a mean of independent orders). Members
    whose marginal cost is non-zero only in rare orders (small members of an airport game) have large relative
    errors; ``sqrt(2/pi) * sum(stderr) / c(N)`` predicts the share of the bill misallocated.
    """
    if n_permutations < 2 or int(n_permutations) != n_permutations:
        raise GameError(f"n_permutations must be a whole number >= 2, got {n_permutations}")
    n = game.n
    rng = np.random.default_rng(seed)
    if batch is None:
        batch = max(1, min(int(n_permutations), (1 << 22) // ((n + 1) * n)))
        if game._prefix is not None:
            batch = max(1, min(int(n_permutations), (1 << 22) // (n + 1)))
    total = np.zeros(n)
    total_sq = np.zeros(n)
    done = 0
    positions = np.arange(n + 1)
    while done < n_permutations:
        b = min(batch, int(n_permutations) - done)
        orders = rng.permuted(np.tile(np.arange(n), (b, 1)), axis=1)  # b random orders of arrival
        if game._prefix is not None:
            values = game.sign * np.asarray(game._prefix(orders), dtype=np.float64)
        elif game._table is not None and n <= 62:
            bits = np.left_shift(np.int64(1), orders.astype(np.int64))
            prefix = np.concatenate([np.zeros((b, 1), dtype=np.int64), np.cumsum(bits, axis=1)], axis=1)
            values = game.sign * game._evaluate_masks(prefix.ravel()).reshape(b, n + 1)
        else:
            rank = np.empty_like(orders)
            rank[np.arange(b)[:, None], orders] = np.arange(n)[None, :]
            members = rank[:, None, :] < positions[None, :, None]  # (b, n+1, n): prefix k holds ranks < k
            values = game.sign * game._evaluate_members(members.reshape(b * (n + 1), n)).reshape(b, n + 1)
        marginal = np.diff(values, axis=1).ravel()  # marginal[r, k] belongs to player orders[r, k]
        who = orders.ravel()
        total += np.bincount(who, weights=marginal, minlength=n)
        total_sq += np.bincount(who, weights=marginal * marginal, minlength=n)
        done += b
    mean = total / done
    variance = np.maximum(total_sq / done - mean**2, 0.0) * done / (done - 1)
    stderr = np.sqrt(variance / done)
    return _allocation(game, mean, "shapley_sampled", stderr=stderr, info={"permutations": done, "seed": seed})


def _new_highs() -> highspy.Highs:
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("primal_feasibility_tolerance", 1e-10)
    solver.setOptionValue("dual_feasibility_tolerance", 1e-10)
    # presolve only slows these dense LPs with 2**n rows and n + 1 columns (~4x on the least-core LP at n = 15)
    solver.setOptionValue("presolve", "off")
    return solver


def _coalition_rows(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Bitmasks of all proper non-empty coalitions and their membership matrix (rows of the excess LPs)."""
    masks = np.arange(1, (1 << n) - 1, dtype=np.int64)
    return masks, _membership(masks, n)


def _pass_lp(
    solver: highspy.Highs,
    members: np.ndarray,
    extra_col: np.ndarray | None,
    row_upper: np.ndarray,
    efficiency: float,
    col_upper: np.ndarray,
    cost: np.ndarray,
    extra_rows: Sequence[tuple[dict[int, float], float, float]] = (),
) -> None:
    """Load ``min cost.(x, t)`` s.t. ``members @ x + extra_col * t <= row_upper`` (one row per coalition),
    ``sum x = efficiency``, extra rows ``lo <= sum coef * var <= hi``, ``x <= col_upper`` into ``solver``.

    Variables: ``x_0..x_{n-1}`` then (if ``extra_col`` is given or extra rows use it) one scalar ``t``.

    Raises ``ValueError`` if ``cost``, ``col_upper`` or ``row_upper`` does not fit the LP's ``n + 1`` columns and ``m``
    coalition rows, and ``RuntimeError`` if HiGHS rejects the model (``passModel`` not ``kOk``): HiGHS reads only
    the first ``n + 1`` costs and, after rejecting a model, still runs and reports an optimum, so neither would show.
    """
    m, n = members.shape
    num_col = n + 1
    num_row = m + 1 + len(extra_rows)
    if len(cost) != num_col or len(col_upper) != n or len(row_upper) != m:
        raise ValueError(
            f"game LP of {n} players and {m} coalition rows needs {num_col} costs, {n} column bounds and {m} row "
            f"bounds; got {len(cost)}, {len(col_upper)} and {len(row_upper)}"
        )
    starts = [0]
    index: list[np.ndarray] = []
    value: list[np.ndarray] = []
    extra_by_col: list[list[tuple[int, float]]] = [[] for _ in range(num_col)]
    for r, (coefs, _, _) in enumerate(extra_rows):
        for col, coef in coefs.items():
            extra_by_col[col].append((m + 1 + r, coef))
    for j in range(num_col):
        if j < n:
            rows = np.flatnonzero(members[:, j])
            vals = np.ones(len(rows))
            rows = np.append(rows, m)  # efficiency row
            vals = np.append(vals, 1.0)
        else:
            rows = np.arange(m) if extra_col is not None else np.array([], dtype=np.int64)
            vals = extra_col if extra_col is not None else np.array([])
            nz = vals != 0
            rows, vals = rows[nz], vals[nz]
        if extra_by_col[j]:
            rows = np.append(rows, [r for r, _ in extra_by_col[j]])
            vals = np.append(vals, [c for _, c in extra_by_col[j]])
        index.append(rows.astype(np.int32))
        value.append(vals.astype(np.float64))
        starts.append(starts[-1] + len(rows))
    lp = highspy.HighsLp()
    lp.num_col_ = num_col
    lp.num_row_ = num_row
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    inf = highspy.kHighsInf
    lp.col_lower_ = np.full(num_col, -inf)
    lp.col_upper_ = np.append(col_upper, inf).astype(np.float64)
    lower = np.concatenate([np.full(m, -inf), [efficiency], [lo for _, lo, _ in extra_rows]])
    upper = np.concatenate([row_upper, [efficiency], [hi for _, _, hi in extra_rows]])
    lp.row_lower_ = lower.astype(np.float64)
    lp.row_upper_ = upper.astype(np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = num_col
    lp.a_matrix_.num_row_ = num_row
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.concatenate(index).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate(value).astype(np.float64)
    status = solver.passModel(lp)
    if status != highspy.HighsStatus.kOk:
        raise RuntimeError(
            f"HiGHS rejected the game LP ({num_col} columns, {num_row} rows): passModel returned {status.name}"
        )


def _solve(solver: highspy.Highs, infeasible: Callable[[], Exception]) -> tuple[np.ndarray, np.ndarray]:
    """Run HiGHS; return (column values, row duals) or raise ``infeasible()`` / RuntimeError."""
    solver.run()
    status = solver.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        raise infeasible()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS did not solve the game LP: {solver.modelStatusToString(status)}")
    solution = solver.getSolution()
    return np.array(solution.col_value), np.array(solution.row_dual)


def _row_space(rows: np.ndarray) -> np.ndarray:
    """Orthonormal basis (as rows) of the span of ``rows`` (SVD, relative rank tolerance 1e-9)."""
    _, singular, vt = np.linalg.svd(rows, full_matrices=False)
    rank = int(np.sum(singular > 1e-9 * max(1.0, singular[0])))
    return vt[:rank]


def _empty_imputations(game: CostGame) -> EmptyImputationSetError:
    total = math.fsum(game.sign * game.value([p]) for p in game.players)
    return EmptyImputationSetError(
        f"no imputation exists: sharing {game.sign * game.grand_value:g} while the players' stand-alone costs "
        f"sum to {total:g}; use prenucleolus (no individual-rationality bounds) instead"
    )


#: Nucleolus algorithms: ``"generation"`` (default, :mod:`model.fairness.nucleolus_generation`) or ``"enumeration"``
#: (every coalition in every LP: the reference the generated answer is tested against).
NUCLEOLUS_ALGORITHMS = ("generation", "enumeration")


def _sequential_nucleolus(
    game: CostGame, method: str, *, per_capita: bool, imputation: bool, algorithm: str = "generation"
) -> Allocation:
    """Nucleolus family by sequential LPs (see :func:`nucleolus`), by constraint generation or enumeration."""
    n = game.n
    _require_players(n, MAX_LP_PLAYERS, method, "shapley or scrb")
    if algorithm not in NUCLEOLUS_ALGORITHMS:
        raise GameError(f"unknown nucleolus algorithm {algorithm!r}; choose one of {', '.join(NUCLEOLUS_ALGORITHMS)}")
    costs = game._costs()
    if n == 1:
        return _allocation(game, costs[1:2], method, info={"stages": 0, "algorithm": algorithm})
    notes: tuple[str, ...] = ()
    if algorithm == "generation":
        scale = game._scale()
        try:
            result = generated_nucleolus(
                costs / scale,
                n,
                per_capita=per_capita,
                imputation=imputation,
                infeasible=lambda: _empty_imputations(game),
            )
        except GenerationFailedError as error:
            notes = (f"constraint generation did not converge ({error}); solved over every coalition instead",)
        else:
            info = {
                "stages": len(result.levels),
                "excess_levels": [level * scale for level in result.levels],
                "algorithm": "generation",
                "coalition_rows": result.rows,
                "lp_solves": result.rounds,
            }
            return _allocation(game, result.x * scale, method, info=info)
    return _enumerated_nucleolus(game, method, per_capita=per_capita, imputation=imputation, notes=notes)


def _enumerated_nucleolus(
    game: CostGame, method: str, *, per_capita: bool, imputation: bool, notes: Sequence[str] = ()
) -> Allocation:
    """The enumerating solver: every proper coalition is a row of every stage LP (the reference)."""
    n = game.n
    costs = game._costs()
    scale = game._scale()
    c = costs / scale  # scaled unit: max |c(S)| = 1
    masks, members = _coalition_rows(n)
    weight = members.sum(axis=1).astype(np.float64) if per_capita else np.ones(len(masks))
    singles = c[1 << np.arange(n)]
    col_upper = singles if imputation else np.full(n, highspy.kHighsInf)
    cost = np.zeros(n + 1)
    cost[n] = 1.0
    solver = _new_highs()
    _pass_lp(solver, members, -weight, c[masks], c[-1], col_upper, cost)
    free = np.ones(len(masks), dtype=bool)  # rows still carrying "excess <= t"
    fixed_rows = [np.ones(n)]
    fixed_rhs = [c[-1]]
    levels = []
    inf = highspy.kHighsInf
    basis = _row_space(np.array(fixed_rows))
    while len(basis) < n:
        col_value, row_dual = _solve(solver, lambda: _empty_imputations(game))
        level = float(col_value[n])
        levels.append(level * scale)
        duals = np.abs(row_dual[: len(masks)]) * free
        chosen = np.flatnonzero(duals > DUAL_TOL)
        if len(chosen) == 0:  # cannot happen in exact arithmetic: the weighted duals sum to 1
            chosen = np.array([int(np.argmax(duals))])
        rhs = c[masks[chosen]] + weight[chosen] * level
        for row, value in zip(chosen, rhs, strict=True):
            solver.changeCoeff(int(row), n, 0.0)
            solver.changeRowBounds(int(row), float(value), float(value))
        free[chosen] = False
        fixed_rows.extend(members[chosen].astype(np.float64))
        fixed_rhs.extend(rhs)
        basis = _row_space(np.array(fixed_rows))
        if len(basis) >= n:
            break
        # coalitions whose excess is now determined (in the span of the fixed ones) no longer constrain t
        candidates = np.flatnonzero(free)
        sub = members[candidates].astype(np.float64)
        residual = sub - (sub @ basis.T) @ basis
        determined = candidates[np.max(np.abs(residual), axis=1) < 1e-9]
        if len(determined):
            solver.changeRowsBounds(
                len(determined),
                determined.astype(np.int32),
                np.full(len(determined), -inf),
                np.full(len(determined), inf),
            )
            free[determined] = False
    x, *_ = np.linalg.lstsq(np.array(fixed_rows), np.array(fixed_rhs), rcond=None)
    info = {"stages": len(levels), "excess_levels": levels, "algorithm": "enumeration", "coalition_rows": len(masks)}
    return _allocation(game, x * scale, method, info=info, notes=notes)


def nucleolus(game: CostGame, *, imputation: bool = True, algorithm: str = "generation") -> Allocation:
    """The nucleolus: the allocation that makes the largest excess as small as possible, then the next, and so on.

    Algorithm (sequential LPs, Maschler-Peleg-Shapley 1979, done as Guajardo & Jornsten 2015 prescribe):

    1. Stage k solves ``min t`` over ``x`` with ``x(S) - c(S) <= t`` for every proper coalition not yet fixed,
       ``x(S) - c(S) = t_j`` for coalitions fixed at earlier stages ``j``, ``sum x = c(N)`` and, if ``imputation``,
       ``x_i <= c({i})``. Its optimum ``t_k`` is the k-th distinct level of the sorted excess vector.
    2. Fix exactly the coalitions whose constraint has a strictly positive dual (> ``DUAL_TOL``; the duals sum to
       1 so at least one qualifies). By complementary slackness those are tight in *every* optimal solution.
       Fixing all coalitions that merely happen to be tight at the returned vertex is the classic mistake: it can
       fix excesses that a later stage could still lower, and return a wrong point.
    3. Drop from the free set every coalition whose indicator vector lies in the span of the fixed ones (its excess
       is now constant). Stop when the fixed rows (with ``sum x``) have rank ``n``: the allocation is then unique
       and is recovered by solving those equations (least squares on an exactly determined system).

    At most ``n - 1`` stages; each is re-solved from the previous basis. Everything is done in the scaled unit
    ``c / max|c(S)|`` with HiGHS tolerances 1e-10. ``imputation=False`` gives the prenucleolus. Raises
    :class:`EmptyImputationSetError` if ``c(N) > sum_i c({i})``. ``info["excess_levels"]`` lists ``t_1 > t_2 > ...``
    in pounds. When the core is non-empty the nucleolus lies in it.

    ``algorithm="generation"`` (default) solves each stage LP over a small active set of coalitions, adding the most
    violated ones found by a vectorised scan of the table until none is violated (:mod:`model.fairness.nucleolus_generation`;
    same definition and answer, about 10-20x faster at 15-18 players); ``"enumeration"`` puts every coalition in every
    LP (the reference; also the fallback, with a note, if generation does not converge). ``info["algorithm"]`` says
    which ran and ``info["coalition_rows"]`` how many coalition rows the LPs held.
    """
    name = "nucleolus" if imputation else "prenucleolus"
    return _sequential_nucleolus(game, name, per_capita=False, imputation=imputation, algorithm=algorithm)


def prenucleolus(game: CostGame, *, algorithm: str = "generation") -> Allocation:
    """The prenucleolus: the nucleolus without the bounds ``x_i <= c({i})`` (always exists, in the least core)."""
    return _sequential_nucleolus(game, "prenucleolus", per_capita=False, imputation=False, algorithm=algorithm)


def per_capita_nucleolus(game: CostGame, *, imputation: bool = True, algorithm: str = "generation") -> Allocation:
    """The per-capita nucleolus: as :func:`nucleolus` with each excess divided by the coalition size ``|S|``.

    Fairer to large coalitions: a saving of 100 pounds means less to ten members than to two (Grotte 1970).
    """
    return _sequential_nucleolus(
        game, "per_capita_nucleolus", per_capita=True, imputation=imputation, algorithm=algorithm
    )


def least_core_epsilon(game: CostGame) -> float:
    """The least-core value: ``min_x max_S (x(S) - c(S))`` over proper coalitions with ``sum x = c(N)``.

    One LP. ``<= 0`` iff the core is non-empty (negative: every coalition can be given a strict saving). For a
    profit game it is ``min_y max_S (v(S) - y(S))``, the same number. 0 for a one-player game.
    """
    n = game.n
    _require_players(n, MAX_LP_PLAYERS, "least_core", "shapley or scrb")
    if n == 1:
        return 0.0
    scale = game._scale()
    c = game._costs() / scale
    masks, members = _coalition_rows(n)
    cost = np.zeros(n + 1)
    cost[n] = 1.0
    solver = _new_highs()
    _pass_lp(solver, members, -np.ones(len(masks)), c[masks], c[-1], np.full(n, highspy.kHighsInf), cost)
    col_value, _ = _solve(solver, lambda: GameError("least core LP infeasible"))
    return float(col_value[n]) * scale


def core_is_nonempty(game: CostGame, tol: float = REL_TOL) -> bool:
    """True if some allocation gives every coalition at most its stand-alone cost (least-core epsilon <= tol)."""
    return least_core_epsilon(game) <= tol * game._scale()


def _lexicographic_closest(game: CostGame, reference: np.ndarray, epsilon: float) -> tuple[np.ndarray, list[float]]:
    """Point of ``{x : sum x = c(N), x(S) - c(S) <= epsilon}`` (cost units) lexicographically closest to ``reference``.

    Stage k minimises the largest ``|x_i - r_i|`` over players not yet fixed; every player whose deviation row
    has a positive dual is then fixed at ``r_i +/- d_k`` (the side of that row), as in the nucleolus algorithm.
    Each stage fixes at least one player, so at most ``n`` stages; the result is unique.
    """
    n = game.n
    scale = game._scale()
    c = game._costs() / scale
    r = reference / scale
    eps = epsilon / scale
    masks, members = _coalition_rows(n)
    inf = highspy.kHighsInf
    # deviation rows: up_i: x_i - d <= r_i ; down_i: x_i + d >= r_i
    extra = []
    for i in range(n):
        extra.append(({i: 1.0, n: -1.0}, -inf, float(r[i])))
    for i in range(n):
        extra.append(({i: 1.0, n: 1.0}, float(r[i]), inf))
    cost = np.zeros(n + 1)
    cost[n] = 1.0
    solver = _new_highs()
    _pass_lp(solver, members, None, c[masks] + eps, c[-1], np.full(n, inf), cost, extra)
    first_extra = len(masks) + 1
    fixed = np.full(n, np.nan)
    deviations: list[float] = []
    for _ in range(n + 1):
        free = np.flatnonzero(np.isnan(fixed))
        if len(free) <= 1:
            break
        col_value, row_dual = _solve(
            solver, lambda: RuntimeError("closest core LP infeasible although the set is non-empty")
        )
        level = max(float(col_value[n]), 0.0)
        deviations.append(level * scale)
        if level <= 1e-12:  # the reference itself is feasible for the free players: keep it
            fixed[free] = r[free]
            break
        up = np.abs(row_dual[first_extra : first_extra + n])
        down = np.abs(row_dual[first_extra + n : first_extra + 2 * n])
        chosen = [i for i in free if up[i] > DUAL_TOL or down[i] > DUAL_TOL]
        if not chosen:
            chosen = [int(free[np.argmax(np.maximum(up, down)[free])])]
        for i in chosen:
            value = r[i] + level if up[i] >= down[i] else r[i] - level
            fixed[i] = value
            solver.changeColBounds(int(i), float(value), float(value))
            solver.changeRowBounds(first_extra + int(i), -inf, inf)
            solver.changeRowBounds(first_extra + n + int(i), -inf, inf)
    free = np.flatnonzero(np.isnan(fixed))
    if len(free) == 1:
        fixed[free[0]] = c[-1] - math.fsum(fixed[~np.isnan(fixed)])
    return fixed * scale, deviations


def least_core(game: CostGame, reference: Mapping[str, float] | None = None) -> Allocation:
    """A point of the least core (``epsilon = least_core_epsilon``), with ``info["epsilon"]`` in pounds.

    The least core is usually a set; the point returned is the one lexicographically closest to ``reference``
    (default: the equal split), which makes it unique and symmetric players equal.
    """
    _require_players(game.n, MAX_LP_PLAYERS, "least_core", "shapley or scrb")
    epsilon = least_core_epsilon(game)
    ref = _vector(game, reference, "reference") if reference is not None else _equal_costs(game)
    if game.n == 1:
        return _allocation(game, game._costs()[1:2], "least_core", info={"epsilon": epsilon})
    x, _ = _lexicographic_closest(game, ref, epsilon)
    return _allocation(game, x, "least_core", info={"epsilon": epsilon})


def closest_core_allocation(game: CostGame, reference: Mapping[str, float]) -> Allocation:
    """The core allocation nearest to ``reference`` (e.g. today's per-capita split): least change to adopt.

    Minimises the largest absolute deviation ``max_i |x_i - r_i|`` (pounds) over the core (an LP), then the second
    largest among the remaining players, and so on (lexicographic refinement, which makes the answer unique). If
    ``reference`` is already in the core it is returned unchanged. If the core is empty, the least core is used
    instead (every coalition's excess capped at the least-core epsilon) and a note says so.
    ``info``: ``core_empty``, ``epsilon`` (0 when the core is used), ``max_deviation`` (pounds), ``deviations``.
    """
    _require_players(game.n, MAX_LP_PLAYERS, "closest_core_allocation", "shapley or scrb")
    ref = _vector(game, reference, "reference")
    epsilon = least_core_epsilon(game)
    empty = epsilon > REL_TOL * game._scale()
    notes = []
    if empty:
        notes.append(
            f"the core is empty (least-core epsilon {epsilon:.6g}): some coalition would always save by leaving; "
            "used the least core instead"
        )
    bound = max(epsilon, 0.0)  # the core (epsilon 0) if non-empty, else the least core
    if game.n == 1:
        x, deviations = game._costs()[1:2].copy(), [abs(float(game._costs()[1] - ref[0]))]
    else:
        x, deviations = _lexicographic_closest(game, ref, bound)
    dev = float(np.max(np.abs(x - ref)))
    info = {"core_empty": bool(empty), "epsilon": float(bound), "max_deviation": dev, "deviations": deviations}
    return _allocation(game, x, "closest_core", info=info, notes=notes)


def _equal_costs(game: CostGame) -> np.ndarray:
    return np.full(game.n, game.sign * game.grand_value / game.n)


def equal_split(game: CostGame) -> Allocation:
    """Everyone pays (or gets) ``c(N) / n``."""
    return _allocation(game, _equal_costs(game), "equal_split")


def proportional(game: CostGame, weights: Mapping[str, float]) -> Allocation:
    """Shares proportional to ``weights``: ``x_i = c(N) w_i / sum w`` (per-capita when weights are headcounts)."""
    w = np.array(list(parse_weights(weights, game.players).values()))
    total = game.sign * game.grand_value
    return _allocation(game, total * w / math.fsum(w), "proportional")


def scrb(game: CostGame) -> Allocation:
    """Separable costs, remaining benefits.

    Separable cost ``m_i = c(N) - c(N - i)``; remaining benefit ``r_i = c({i}) - m_i`` (what joining saves ``i``
    beyond its separable cost); the non-separable cost ``c(N) - sum m`` is shared in proportion to ``r_i``:
    ``x_i = m_i + r_i / sum_j r_j * (c(N) - sum_j m_j)``. Needs only ``2n + 1`` coalitions, so works for any ``n``
    with a function game. If ``sum r`` is 0 (to 1e-9 relative) the non-separable cost is split equally (noted).
    For a profit game the same formula is applied to ``c = -v`` (equivalently: separable gains).
    """
    n = game.n
    eye = np.eye(n, dtype=bool)
    members = np.concatenate([np.ones((1, n), dtype=bool), ~eye, eye])  # N, N - i, {i}
    values = game.sign * game._evaluate_members(members)
    grand, without, alone = values[0], values[1 : n + 1], values[n + 1 :]
    separable = grand - without
    remaining = alone - separable
    nonseparable = grand - math.fsum(separable)
    notes = []
    total_remaining = math.fsum(remaining)
    if abs(total_remaining) <= REL_TOL * max(1.0, float(np.max(np.abs(values)))):
        share = np.full(n, nonseparable / n)
        notes.append("remaining benefits sum to zero: non-separable cost split equally")
    else:
        share = nonseparable * remaining / total_remaining
    info = {"separable": dict(zip(game.players, (game.sign * separable).tolist(), strict=True))}
    return _allocation(game, separable + share, "scrb", info=info, notes=notes)


def excesses(game: CostGame, allocation: Mapping[str, float]) -> np.ndarray:
    """Excess ``x(S) - c(S)`` (cost) / ``v(S) - x(S)`` (profit) of every coalition, indexed by bitmask (pounds).

    Positive: coalition ``S`` would be better off alone by that much. Entries 0 and ``2**n - 1`` are the empty and
    grand coalitions.
    """
    _require_players(game.n, MAX_TABLE_PLAYERS, "excesses", "scrb or shapley_sampled")
    x = _vector(game, allocation, "allocation")
    return _subset_sums(x) - game._costs()


@dataclass(frozen=True)
class CoreCheck:
    """Result of :func:`core_check` (money in the game's unit, pounds per year).

    ``max_excess``: the largest excess over proper coalitions; ``worst_coalition``: the coalition achieving it (if
    positive it would walk away, saving ``max_excess``); ``n_blocking``: how many coalitions have a positive excess;
    ``budget_gap``: ``sum(allocation) - grand value`` (0 for a budget-balanced allocation).
    """

    in_core: bool
    max_excess: float
    worst_coalition: frozenset[str]
    n_blocking: int
    budget_gap: float
    tolerance: float

    def describe(self, players: Sequence[str] | None = None) -> str:
        """One sentence for a report."""
        names = coalition_key(self.worst_coalition, players or sorted(self.worst_coalition))
        if abs(self.budget_gap) > self.tolerance:
            return f"not budget balanced: shares exceed the total by {self.budget_gap:,.2f}"
        if self.in_core and self.max_excess >= -self.tolerance:
            return f"in the core, on its edge: {names} pays exactly its stand-alone cost"
        if self.in_core:
            return f"in the core: no coalition would gain by leaving (closest: {names}, margin {-self.max_excess:,.2f})"
        return (
            f"not in the core: {names} would be better off alone by {self.max_excess:,.2f} "
            f"({self.n_blocking} coalition(s) would walk away)"
        )


def core_check(game: CostGame, allocation: Mapping[str, float], *, tol: float = REL_TOL) -> CoreCheck:
    """Is ``allocation`` in the core? Also: which coalition has the largest excess, and how large.

    In the core iff budget balanced and no proper coalition has excess above ``tol * max|c(S)|``. The worst
    coalition is the one with the largest excess, i.e. the coalition that would gain most by leaving -- or, if none
    would, the one closest to leaving. Coalitions within the tolerance of the largest excess count as tied; among
    them the one with fewest members wins, then the first in player order (lexicographically smallest list of
    player positions), so the coalition named to a reader does not depend on rounding.
    """
    values = excesses(game, allocation)
    slack = tol * game._scale()
    full = (1 << game.n) - 1
    gap = float(values[full]) * game.sign
    if game.n == 1:
        return CoreCheck(abs(gap) <= slack, -math.inf, frozenset(), 0, gap, slack)
    proper = values[1:full]
    top = float(np.max(proper))
    tied = np.flatnonzero(proper >= top - slack) + 1
    sizes = _popcount(game.n)[tied]
    tied = tied[sizes == sizes.min()]
    # same size: the lexicographically smallest member list has the largest bit-reversed mask
    reversed_mask = np.zeros(len(tied), dtype=np.int64)
    for i in range(game.n):
        reversed_mask |= ((tied >> i) & 1) << (game.n - 1 - i)
    worst = int(tied[np.argmax(reversed_mask)])
    blocking = int(np.sum(proper > slack))
    return CoreCheck(top <= slack and abs(gap) <= slack, top, game.coalition(worst), blocking, gap, slack)


#: Allocation methods by CLI name; each takes the game (``proportional`` also weights, ``closest_core`` a reference).
METHODS: dict[str, Callable[..., Allocation]] = {
    "shapley": shapley,
    "nucleolus": nucleolus,
    "prenucleolus": prenucleolus,
    "least_core": least_core,
    "per_capita_nucleolus": per_capita_nucleolus,
    "scrb": scrb,
    "proportional": proportional,
    "equal_split": equal_split,
    "closest_core": closest_core_allocation,
}
