"""Core, least core, closest core and nucleolus without enumerating coalitions: row generation over the separation MILP.

The LPs of cooperative cost games (``model.fairness.solutions``) have one row per coalition, 2^n - 2 of them. Only a few matter
at the optimum, so they are generated: solve the LP over a working set W of coalitions (the singletons to start
with), ask the separation oracle which coalition has the largest excess ``x(S) - c(S)`` at the LP's answer
(``model.optimisation.separation``: one MILP over every coalition and its catalogue), add it to W if it breaks the LP's bound,
and repeat. When the oracle finds nothing above the bound, the answer over W is the answer over every coalition:
exact.

* ``core_verdict``: is a tariff in the core, and which coalition would walk away (one MILP plus the singletons);
* ``least_core``: the least-core value epsilon* = min_x max_S (x(S) - c(S)) (exact when it converges; otherwise
  proven bounds, which often settle whether the core is empty all the same: ``LeastCore``);
* ``closest_core``: the core (least core when the core is empty) allocation lexicographically closest to a
  reference, the per-capita tariff (exact, the same definition as ``games.closest_core_allocation``);
* ``nucleolus``: the nucleolus over the generated coalitions W, with its first level (the least core) exact. Deeper
  levels are the nucleolus of the game restricted to W, which can differ from the true nucleolus: the result says so
  (``exact_levels``).

Every row found is kept (``rows``) and shared by the methods; rows already known (coalitions solved for sampled Shapley)
can be added up front with ``add_rows``, which costs nothing and often saves separation rounds. The worst coalition
found at an allocation is remembered, so the core verdict of an allocation a method has just checked (the last
closest-core or nucleolus round) needs no new MILP.

The excess of a coalition the oracle names is re-priced by the ordinary coalition MILP, so numbers agree with the
enumerated table (``tests/test_row_generation.py`` compares with it on the 12-member partnership).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

SeparationFn = Callable[..., tuple]
"""tariffs -> (coalition of 2 to n - 1 members with the largest x(S) - c(S), that excess[, proven]). With
``RowGenerationGame.first_violation`` it is also given ``at_least`` (pounds per year) and may stop at the first
coalition whose excess reaches it; with ``cheap_rows`` it is given ``exact=False`` in LP rounds and may then report
the excess of the catalogue it found (a lower bound). The optional third element says whether the excess is proven
the largest (a complete search); without it, an answer below ``at_least`` counts as proven."""

DUAL_TOL = 1e-9


@dataclass(frozen=True)
class CoreVerdict:
    """Result of an exact core check by separation: ``in_core``; ``worst_coalition`` with the largest excess
    ``excess_gbp`` (> tolerance: it would walk away and save that much a year); ``tolerance_gbp``."""

    in_core: bool
    worst_coalition: frozenset[str]
    excess_gbp: float
    budget_gap_gbp: float
    tolerance_gbp: float
    method: str = "separation MILP (exact)"


@dataclass(frozen=True)
class LeastCore:
    """The least core by row generation, pounds per year.

    ``epsilon``: the largest excess over every proper coalition at ``allocation`` (exact, by separation), so an
    upper bound of epsilon*; ``lower_bound``: the least-core LP's value over the generated rows (a relaxation, so a
    lower bound of epsilon*). Converged (within ``tolerance``): both are epsilon*. ``core_nonempty`` is True when
    the upper bound is <= tolerance (``allocation`` is then in the core), False when the lower bound is above it,
    and None when the bounds straddle it (not settled within the rounds)."""

    epsilon: float
    lower_bound: float
    allocation: dict[str, float]
    rounds: int
    converged: bool
    tolerance: float

    @property
    def core_nonempty(self) -> bool | None:
        if self.epsilon <= self.tolerance:
            return True
        if self.lower_bound > self.tolerance:
            return False
        return None


@dataclass
class RowGenerationGame:
    """A cost game known through ``cost`` (c of a frozenset, pounds per year) and ``separate`` (module docstring).

    ``rows``: the working set W of coalitions generated so far with their costs (shared by every method, so each
    answer starts from what the previous ones found).
    """

    players: tuple[str, ...]
    cost: Callable[[frozenset[str]], float]
    separate: SeparationFn
    rows: dict[frozenset[str], float] = field(default_factory=dict)
    separations: int = 0
    rel_tol: float = 1e-9
    reprice: bool = True
    """Re-price the coalition the oracle names with ``cost`` (True), or take c(S) = x(S) - the excess it reports
    (False: an oracle that solves the coalition's catalogue exactly, as the separation MILP does to within its
    5-pence gap, and one that never calls ``cost`` from another thread)."""
    first_violation: bool = False
    """Let the oracle stop at the first coalition whose excess is above the bound that matters (the tolerance for
    a core verdict, the LP's level for the least core, closest core and nucleolus) instead of proving it the
    largest: row generation needs only a violated row, a verdict only a coalition that would leave. Rounds and
    verdicts that find nothing are still proven (the search then covers every coalition). A verdict then names a
    coalition that would leave, not necessarily the one that saves most."""
    cheap_rows: bool = False
    """Let the LP rounds (least core, closest core, nucleolus) keep, for a coalition the oracle found by stopping at
    the round's target, the cost of the catalogue it found: an UPPER bound of c(S) (a "loose" row, in ``loose``),
    instead of re-pricing the coalition by its own MILP. Such a row is weaker than the exact one, so the LPs stay
    relaxations and their values stay lower bounds; the found excess, a lower bound of the true one, still breaks
    the round's bound, so the row is still a violated one. A round that finds nothing is a complete search, as
    before, so converged answers stay exact. The oracle is then called with ``exact=False`` in those rounds. Loose
    rows are tightened when the oracle later meets the coalition again, never answer a core verdict and are left
    out of ``exact_rows``."""
    loose: set[frozenset[str]] = field(default_factory=set)
    row_changes: int = 0
    """Rows added or tightened so far (a round that changes none has found nothing new)."""
    _worst: dict[tuple[float, ...], tuple[frozenset[str], float, bool]] = field(default_factory=dict, repr=False)
    _least: LeastCore | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.grand = self.cost(frozenset(self.players))
        self.scale = max(abs(self.grand), 1.0)
        for p in self.players:
            self.rows[frozenset([p])] = self.cost(frozenset([p]))

    def add_rows(self, costs: Mapping[frozenset[str], float]) -> int:
        """Add already-known coalition costs (pounds per year) as rows; the grand coalition and empty set are
        skipped. Returns how many were new."""
        everyone = frozenset(self.players)
        before = len(self.rows)
        for coalition, value in costs.items():
            coalition = frozenset(coalition)
            if coalition and coalition != everyone and coalition <= everyone and math.isfinite(value):
                self._set_row(coalition, float(value), loose=False)
        return len(self.rows) - before

    def _set_row(self, coalition: frozenset[str], cost: float, loose: bool) -> None:
        """Record c(S) (``loose``: an upper bound of it). An exact row is never replaced; a loose one is replaced by
        the exact cost or by a lower upper bound."""
        known = self.rows.get(coalition)
        if known is not None and (coalition not in self.loose or (loose and cost >= known)):
            return
        self.rows[coalition] = cost
        if loose:
            self.loose.add(coalition)
        else:
            self.loose.discard(coalition)
        self.row_changes += 1

    def exact_rows(self) -> dict[frozenset[str], float]:
        """The rows whose cost is c(S) itself (every row but the loose ones), pounds per year."""
        return {s: cost for s, cost in self.rows.items() if s not in self.loose}

    def merge(self, other: RowGenerationGame) -> None:
        """Take the rows, remembered verdicts and separation count of ``other`` (a ``fork`` run alongside)."""
        for coalition, cost in other.rows.items():
            self._set_row(coalition, cost, loose=coalition in other.loose)
        for key, found in other._worst.items():
            known = self._worst.get(key)
            if known is None or (found[2] and not known[2]):
                self._worst[key] = found
        self.separations += other.separations

    def fork(self, separate: SeparationFn | None = None) -> RowGenerationGame:
        """A copy with the rows, remembered verdicts and least core found so far, and optionally its own oracle: two
        copies can then run methods side by side (in threads), each deterministic given what it started from."""
        twin = copy.copy(self)
        twin.rows = dict(self.rows)
        twin.loose = set(self.loose)
        twin._worst = dict(self._worst)
        twin.separations = 0
        if separate is not None:
            twin.separate = separate
        return twin

    @property
    def tolerance(self) -> float:
        """Excesses within this many pounds of a bound count as on it: 1e-7 x c(N), 100 times the enumerated checks'
        ``REL_TOL`` (the separation MILP is exact to its gap and feasibility tolerances, not to the last penny)."""
        return self.rel_tol * self.scale * 100

    # -- oracle ------------------------------------------------------------------------------------------------------
    def worst(
        self, x: Mapping[str, float], at_least: float | None = None, exact: bool = True
    ) -> tuple[frozenset[str], float]:
        """The coalition with the largest excess over EVERY proper coalition at ``x``, and that excess (re-priced).
        With ``first_violation`` and ``at_least``: a coalition whose excess is at least ``at_least`` if there is one
        (not necessarily the largest), else the largest; a known exact row that reaches ``at_least`` answers with no
        MILP. ``exact=False`` (LP rounds of a ``cheap_rows`` game): a coalition found by an early stop may come with a
        loose row, its excess a lower bound. Remembered per allocation, so asking again costs no MILP."""
        key = tuple(float(x[p]) for p in self.players)
        known = self._worst.get(key)
        if known is None or not (known[2] or (at_least is not None and known[1] >= at_least)):
            target = at_least if self.first_violation else None
            known = self._known_violation(x, target) if target is not None else None
            if known is None:
                known = self._separate_worst(x, target, exact or not self.cheap_rows)
            if known[0] not in self.loose:
                self._worst[key] = known
        return known[0], known[1]

    def _known_violation(self, x: Mapping[str, float], at_least: float) -> tuple[frozenset[str], float, bool] | None:
        """The known exact row with the largest excess at ``x`` if that excess reaches ``at_least`` (ties: fewer
        members, then names), else None; not proven the largest over every coalition."""
        best: tuple[float, int, tuple[str, ...]] | None = None
        found: frozenset[str] | None = None
        for coalition, cost in self.rows.items():
            if coalition in self.loose:
                continue
            excess = math.fsum(x[p] for p in coalition) - cost
            rank = (excess, -len(coalition), tuple(sorted(coalition)))
            if excess >= at_least and (best is None or rank > best):
                best, found = rank, coalition
        if found is None or best is None:
            return None
        return found, best[0], False

    def proven_worst(self, x: Mapping[str, float]) -> bool:
        """Whether the excess ``worst`` gave at ``x`` is proven the largest (no early stop)."""
        known = self._worst.get(tuple(float(x[p]) for p in self.players))
        return bool(known and known[2])

    def _separate_worst(
        self, x: Mapping[str, float], at_least: float | None, exact: bool = True
    ) -> tuple[frozenset[str], float, bool]:
        best = max((frozenset([p]) for p in self.players), key=lambda s: x[next(iter(s))] - self.rows[s])
        best_excess = x[next(iter(best))] - self.rows[best]
        proven = True
        if len(self.players) >= 3:
            self.separations += 1
            options: dict[str, object] = {}
            if at_least is not None:
                options["at_least"] = at_least
            if not exact:
                options["exact"] = False
            answer = self.separate(x, **options)
            coalition, found = answer[0], answer[1]
            if len(answer) > 2:  # the oracle says whether its search was complete
                proven = bool(answer[2])
            elif at_least is not None:
                proven = found < at_least  # the search stops early only on reaching at_least
            loose = not exact and not proven
            if loose or not self.reprice:
                self._set_row(coalition, math.fsum(x[p] for p in coalition) - found, loose=loose)
            elif coalition not in self.rows or coalition in self.loose:
                self._set_row(coalition, self.cost(coalition), loose=False)
            cost = self.rows[coalition]
            excess = math.fsum(x[p] for p in coalition) - cost
            if excess > best_excess + self.tolerance or (
                excess > best_excess - self.tolerance and len(coalition) < len(best)
            ):
                best, best_excess = coalition, excess
        elif len(self.players) == 2:
            pass  # the only proper coalitions are the singletons
        return best, best_excess, proven

    def core_verdict(self, x: Mapping[str, float]) -> CoreVerdict:
        coalition, excess = self.worst(x, at_least=self.tolerance)
        gap = math.fsum(x[p] for p in self.players) - self.grand
        tol = self.tolerance
        return CoreVerdict(excess <= tol and abs(gap) <= tol, coalition, float(excess), float(gap), tol)

    # -- LP helpers --------------------------------------------------------------------------------------------------
    def _matrix(self, coalitions: Sequence[frozenset[str]]) -> np.ndarray:
        index = {p: i for i, p in enumerate(self.players)}
        a = np.zeros((len(coalitions), len(self.players)))
        for r, s in enumerate(coalitions):
            for p in s:
                a[r, index[p]] = 1.0
        return a

    def _as_dict(self, x: np.ndarray) -> dict[str, float]:
        return {p: float(x[i]) * self.scale for i, p in enumerate(self.players)}

    # -- least core --------------------------------------------------------------------------------------------------
    def least_core(self, max_rounds: int = 500) -> LeastCore:
        """The least core: min eps s.t. x(S) - c(S) <= eps for every proper S (``LeastCore``: exact when
        converged, proven bounds otherwise). A converged answer is kept and returned by later calls."""
        if self._least is not None and self._least.converged:
            return self._least
        n = len(self.players)
        upper, best_x = self._proven_upper_bound()
        lower = -math.inf
        done = 0
        if self._least is not None:  # an earlier call that did not converge: go on from its bounds
            lower, done = self._least.lower_bound, self._least.rounds
            if self._least.epsilon < upper:
                upper, best_x = self._least.epsilon, self._least.allocation
        rounds = done
        for rounds in range(done + 1, done + max_rounds + 1):
            coalitions = list(self.rows)
            a = self._matrix(coalitions)
            b = np.array([self.rows[s] for s in coalitions]) / self.scale
            a_ub = np.hstack([a, -np.ones((len(coalitions), 1))])
            c = np.zeros(n + 1)
            c[n] = 1.0
            res = linprog(
                c,
                A_ub=a_ub,
                b_ub=b,
                A_eq=np.hstack([np.ones((1, n)), np.zeros((1, 1))]),
                b_eq=[self.grand / self.scale],
                bounds=[(None, None)] * (n + 1),
                method="highs",
            )
            if res.status != 0:
                raise RuntimeError(f"least-core LP failed: {res.message}")
            x = self._as_dict(res.x[:n])
            eps = float(res.x[n]) * self.scale
            lower = max(lower, eps)
            before = self.row_changes
            _, excess = self.worst(x, at_least=eps + self.tolerance, exact=False)
            if self.proven_worst(x) and excess < upper:
                upper, best_x = excess, x
            if excess <= eps + self.tolerance or self.row_changes == before:
                result = LeastCore(max(eps, excess), max(eps, excess), x, rounds, True, self.tolerance)
                self._least = result
                return result
        result = LeastCore(upper, lower, best_x or {}, rounds, False, self.tolerance)
        self._least = result
        return result

    def _proven_upper_bound(self) -> tuple[float, dict[str, float] | None]:
        """The smallest proven largest excess among the budget-balanced allocations already checked (a tariff's core
        verdict found by a complete search): an upper bound of epsilon*, with its allocation (inf, None if none)."""
        upper, best_x = math.inf, None
        for key, (_coalition, excess, proven) in self._worst.items():
            if proven and abs(math.fsum(key) - self.grand) <= self.tolerance and excess < upper:
                upper, best_x = excess, dict(zip(self.players, key, strict=True))
        return upper, best_x

    def _converged_least_core(self) -> LeastCore:
        least = self.least_core()
        if not least.converged:
            raise RuntimeError(f"least core: no convergence in {least.rounds} rounds")
        return least

    # -- closest core ------------------------------------------------------------------------------------------------
    def _lexicographic(self, reference: np.ndarray, bound: float) -> np.ndarray:
        """Over W: lexicographically smallest deviations from ``reference`` (scaled units) with every row's excess at
        most ``bound`` (scaled): the algorithm of ``games._lexicographic_closest``."""
        n = len(self.players)
        coalitions = [s for s in self.rows if len(s) < n]
        a = self._matrix(coalitions)
        b = np.array([self.rows[s] for s in coalitions]) / self.scale + bound
        fixed = np.full(n, np.nan)
        for _ in range(n + 1):
            free = np.flatnonzero(np.isnan(fixed))
            if len(free) <= 1:
                break
            # variables x (n) and d; rows: coalitions, then x_i - d <= r_i and -x_i - d <= -r_i for free i
            rows = [np.hstack([a, np.zeros((len(coalitions), 1))])]
            rhs = [b]
            for i in free:
                up = np.zeros(n + 1)
                up[i], up[n] = 1.0, -1.0
                down = np.zeros(n + 1)
                down[i], down[n] = -1.0, -1.0
                rows.append(np.vstack([up, down]))
                rhs.append(np.array([reference[i], -reference[i]]))
            bounds = [(fixed[i], fixed[i]) if not np.isnan(fixed[i]) else (None, None) for i in range(n)]
            bounds.append((0, None))
            c = np.zeros(n + 1)
            c[n] = 1.0
            res = linprog(
                c,
                A_ub=np.vstack(rows),
                b_ub=np.concatenate(rhs),
                A_eq=np.hstack([np.ones((1, n)), np.zeros((1, 1))]),
                b_eq=[self.grand / self.scale],
                bounds=bounds,
                method="highs",
            )
            if res.status != 0:
                raise RuntimeError(f"closest-core LP failed: {res.message}")
            level = max(float(res.x[n]), 0.0)
            if level <= 1e-12:
                fixed[free] = reference[free]
                break
            duals = np.abs(res.ineqlin.marginals[len(coalitions) :]).reshape(-1, 2)
            chosen = [k for k in range(len(free)) if duals[k].max() > DUAL_TOL]
            if not chosen:
                chosen = [int(np.argmax(duals.max(axis=1)))]
            for k in chosen:
                i = free[k]
                fixed[i] = reference[i] + level if duals[k, 0] >= duals[k, 1] else reference[i] - level
        free = np.flatnonzero(np.isnan(fixed))
        if len(free) == 1:
            fixed[free[0]] = self.grand / self.scale - math.fsum(fixed[~np.isnan(fixed)])
        return fixed

    def closest_core(self, reference: Mapping[str, float], max_rounds: int = 500) -> tuple[dict[str, float], float]:
        """(allocation, bound): the allocation lexicographically closest to ``reference`` among those with every
        excess at most ``bound`` = max(epsilon*, 0) (the core, or the least core when the core is empty)."""
        bound = max(self._converged_least_core().epsilon, 0.0)
        ref = np.array([float(reference[p]) for p in self.players]) / self.scale
        for _ in range(max_rounds):
            x = self._as_dict(self._lexicographic(ref, bound / self.scale))
            before = self.row_changes
            _, excess = self.worst(x, at_least=bound + self.tolerance, exact=False)
            if excess <= bound + self.tolerance or self.row_changes == before:
                return x, bound
        raise RuntimeError(f"closest core: no convergence in {max_rounds} rounds")

    # -- nucleolus ---------------------------------------------------------------------------------------------------
    def _restricted_nucleolus(self) -> tuple[np.ndarray, list[float]]:
        """Nucleolus of the game restricted to the exact rows of W (sequential LPs; coalitions with a positive dual
        fixed at each stage; individually rational: x_i <= c({i})). Loose rows are left out: their costs are not
        c(S), and the nucleolus's own rounds add exact rows."""
        n = len(self.players)
        coalitions = [s for s in self.rows if len(s) < n and s not in self.loose]
        a = self._matrix(coalitions)
        costs = np.array([self.rows[s] for s in coalitions]) / self.scale
        fixed_level = np.full(len(coalitions), np.nan)
        levels: list[float] = []
        span = np.ones((1, n))
        x = np.zeros(n)
        for _ in range(len(coalitions) + 1):
            free = np.flatnonzero(np.isnan(fixed_level))
            if np.linalg.matrix_rank(span) >= n or not len(free):
                break
            c = np.zeros(n + 1)
            c[n] = 1.0
            a_ub = np.hstack([a[free], -np.ones((len(free), 1))])
            fixed = np.flatnonzero(~np.isnan(fixed_level))
            a_eq = [np.hstack([np.ones(n), [0.0]])]
            b_eq = [self.grand / self.scale]
            for r in fixed:
                a_eq.append(np.hstack([a[r], [0.0]]))
                b_eq.append(costs[r] + fixed_level[r])
            res = linprog(
                c,
                A_ub=a_ub,
                b_ub=costs[free],
                A_eq=np.vstack(a_eq),
                b_eq=b_eq,
                bounds=[(None, None)] * (n + 1),
                method="highs",
            )
            if res.status != 0:
                raise RuntimeError(f"nucleolus LP failed: {res.message}")
            level = float(res.x[n])
            x = res.x[:n]
            levels.append(level * self.scale)
            duals = np.abs(res.ineqlin.marginals)
            tight = [free[k] for k in range(len(free)) if duals[k] > DUAL_TOL]
            if not tight:
                tight = [free[int(np.argmax(duals))]]
            for r in tight:
                fixed_level[r] = level
            span = np.vstack([span, a[tight]])
            # rows now in the span of the fixed ones are fixed too (their excess is determined)
            rank = np.linalg.matrix_rank(span)
            for r in np.flatnonzero(np.isnan(fixed_level)):
                if np.linalg.matrix_rank(np.vstack([span, a[r]])) == rank:
                    fixed_level[r] = float(a[r] @ x - costs[r])
        return x, levels

    def nucleolus(self, max_rounds: int = 200) -> tuple[dict[str, float], list[float], int]:
        """(allocation, levels in pounds, exact_levels): the nucleolus over W, generating rows until no coalition
        exceeds the first level (the least core), so level 1 is exact; deeper levels are over W only."""
        self._converged_least_core()
        for _ in range(max_rounds):
            x_scaled, levels = self._restricted_nucleolus()
            x = self._as_dict(x_scaled)
            before = self.row_changes
            _, excess = self.worst(x, at_least=levels[0] + self.tolerance)
            if excess <= levels[0] + self.tolerance or self.row_changes == before:
                exact = len(levels) if len(self.players) <= 2 else 1
                return x, levels, exact
        raise RuntimeError(f"nucleolus: no convergence in {max_rounds} rounds")
