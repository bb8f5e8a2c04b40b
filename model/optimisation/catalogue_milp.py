"""Service-catalogue optimisation: for every service and member choose shared (host team), in-house (the member's own
staff) or external (commissioned), and the staff of every team, at least annual cost within every service's KPI.

Formulation (a mixed-integer linear programme solved by HiGHS through Pyomo; money in thousands of pounds inside the
solver, pounds per year outside):

* Demand: ``model.simulation.demand.expected_annual_demand`` at the steady-state month (the last simulated month, when every
  member has joined), in cases per working day (261 a year): lambda[s, m]. A member that does not take a service
  then (not subscribed, or ``service_start_month`` after the horizon) has no decision for it: that is how a member
  refuses a service. ``CatalogueOptions.seasonal_peak`` sizes teams for the busiest month instead of the mean.
* Modes: x[s, m, o] in {0, 1} over the modes the service offers, sum_o x[s, m, o] = 1. A staffed mode (shared or
  in-house) is removed when no staffing can meet the KPI (``pooling.unreachable_reason``); the external mode is
  removed when its contracted ``kpi_attainment_fraction`` is below the KPI's target fraction. If nothing is left for
  a member that needs the service, ``InfeasibleError`` names the requirement before any solve.
* Pooled capacity L(n): a team of n FTE of one role can take L(n) cases a day within the KPI (Erlang C,
  ``model.optimisation.pooling``); L grows faster than n, which is the economy of pooling. Staffing moves in steps of 0.5 FTE.
* Shared mode (host team, one pool per service): binaries y[s, k] pick one option k = (role, fte) of the pool's menu
  when the service is used (sum_k y[s, k] = u[s]), with sum_m lambda[s, m] x[s, m, shared] <= sum_k L_k y[s, k]: the
  linearisation of the non-linear L(n) by binaries over n. u[s] >= x[s, m, shared] pays the service's fixed cost
  (TRAC, intranet) once; per-head licences per member covered; at least ``min_shared_staff_per_service`` people in a
  used pool; the host overhead once if any shared service exists (h >= u[s]). Whole people per role in the host
  team: sum over pools of fte y <= people[role], people integer, so two half-time pools of one role share a person
  (a recruitment officer on recruitment and payroll admin). ``buys_externally`` services buy from the external price
  list at the tier of the pooled headcount: binaries t[s, j], w[m, j] = "m buys through the pool at tier j"
  (sum_j w = x[shared], w <= t), sum_m headcount w[m, j] >= minimum of tier j.
* In-house mode (each member's own team): a member's in-house team serves a fixed load, so its cheapest staffing for
  any set B of in-house services can be computed exactly beforehand (per service the smallest FTE of each able role
  meeting the KPI; cost = loaded cost x whole people per role, minimised over role choices). The model picks
  "bundles" z[m, B] with x[s, m, in_house] = sum of z over the bundles holding s. Only irreducible bundles are kept
  (those cheaper together than split in two: people shared across services); every set of in-house services is a
  union of them at its exact cost, so this is the same optimum with a much tighter, smaller model.
* External mode: the tier price at the member's own headcount (each member buys alone), per case and per head.
* Objective: host staff + shared fixed, per-head and joint-purchase costs + host overhead + in-house bundles +
  external purchases.

Membership, sharing and per-coalition menu caps are mutable Pyomo parameters, so one persistent model answers every
coalition (``model.optimisation.coalitions``) and every "what if this decision were forced" question (the ``why`` table).


This module builds and solves the Pyomo model (``build_model``, ``CatalogueModel``); the options and instance data
are in ``model.optimisation.catalogue_instance``, the entry point ``optimise`` and the solution tables in
``model.optimisation.catalogue``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from model.optimisation.catalogue_instance import (
    EXTERNAL,
    HIGHS_OPTIONS,
    IN_HOUSE,
    INSTALL_HINT,
    KGBP,
    SHARED,
    CatalogueInstance,
    _prices_fall,
)
from model.scenario.errors import SolverUnavailableError, UserError


def solver_available() -> bool:
    """Whether HiGHS (highspy) and Pyomo's HiGHS interface can be loaded."""
    try:
        import highspy  # noqa: F401
        from pyomo.contrib.solver.solvers.highs import Highs
    except ImportError:
        return False
    return bool(Highs().available())


def require_solver() -> None:
    """Raise ``SolverUnavailableError`` with the install command if HiGHS cannot be used."""
    if not solver_available():
        raise SolverUnavailableError(INSTALL_HINT)


def build_model(instance: CatalogueInstance) -> Any:
    """The MILP as a Pyomo ``ConcreteModel`` (money in thousands of pounds).

    Three mutable parameters, changed between solves by ``CatalogueModel``: ``present[member]`` (1 = in the
    coalition; it fixes the member variable ``p[member]`` that each of its decisions sums to), ``share_open[service]``
    (the bound of ``u``: 0 = no shared team) and ``top[service, role]`` (the largest FTE of the role the shared pool
    may use). Few parameters keep persistent re-solves cheap. Mode restrictions are upper bounds of ``x``.
    """
    import pyomo.environ as pyo

    inst = instance
    model = pyo.ConcreteModel(name=f"catalogue {inst.scenario_name}")
    x_keys = [(i, mode) for i, pair in enumerate(inst.pairs) for mode in pair.modes]
    model.present = pyo.Param(list(inst.members), mutable=True, initialize=1, within=pyo.Binary)
    model.p = pyo.Var(list(inst.members), bounds=lambda m, name: (m.present[name], m.present[name]))
    model.x = pyo.Var(x_keys, domain=pyo.Binary)
    model.z = pyo.Var(range(len(inst.bundles)), domain=pyo.Binary)

    shared_services = list(inst.shared)
    y_keys = [(s, k) for s in shared_services for k in range(len(inst.shared[s].options))]
    model.y = pyo.Var(y_keys, domain=pyo.Binary)
    model.share_open = pyo.Param(shared_services, mutable=True, initialize=1, within=pyo.Binary)
    model.u = pyo.Var(shared_services, domain=pyo.Binary, bounds=lambda m, s: (0, m.share_open[s]))
    model.h = pyo.Var(domain=pyo.Binary)
    top_keys = sorted({(s, opt.role) for s in shared_services for opt in inst.shared[s].options})
    model.top = pyo.Param(
        top_keys,
        mutable=True,
        initialize=lambda m, s, r: max(o.fte for o in inst.shared[s].options if o.role == r),
    )
    host_roles = sorted({opt.role for s in shared_services for opt in inst.shared[s].options})
    model.people = pyo.Var(host_roles, domain=pyo.NonNegativeIntegers)

    tier_keys = [(s, j) for s in shared_services for j in range(len(inst.shared[s].tiers))]
    model.t = pyo.Var(tier_keys, domain=pyo.Binary)
    w_keys = [
        (i, j)
        for i, pair in enumerate(inst.pairs)
        if SHARED in pair.modes
        for j in range(len(inst.shared[pair.service].tiers))
    ]
    model.w = pyo.Var(w_keys, bounds=(0, 1))

    cons = pyo.ConstraintList()
    model.cons = cons
    sharers: dict[str, list[int]] = {s: [] for s in shared_services}
    bundles_of: dict[int, list[int]] = {}
    for b, bundle in enumerate(inst.bundles):
        for i in bundle.pairs:
            bundles_of.setdefault(i, []).append(b)
    for i, pair in enumerate(inst.pairs):
        cons.add(sum(model.x[i, o] for o in pair.modes) == model.p[pair.member])
        if SHARED in pair.modes:
            sharers[pair.service].append(i)
            cons.add(model.x[i, SHARED] <= model.u[pair.service])
        if IN_HOUSE in pair.modes:
            cons.add(model.x[i, IN_HOUSE] == sum(model.z[b] for b in bundles_of.get(i, [])))

    top_cons: dict[tuple[str, str], Any] = {}
    for s in shared_services:
        pool = inst.shared[s]
        menu = pool.options
        cons.add(sum(model.y[s, k] for k in range(len(menu))) == model.u[s])
        cons.add(model.u[s] <= model.h)
        # A pool exists only if some member shares the service (else a spare part of a person already paid for
        # could staff an empty pool at no cost, and the cost tables would hold a pool that serves nobody).
        cons.add(model.u[s] <= sum(model.x[i, SHARED] for i in sharers[s]))
        cons.add(
            sum(inst.pairs[i].load_cases_per_day * model.x[i, SHARED] for i in sharers[s])
            <= sum(opt.capacity_cases_per_day * model.y[s, k] for k, opt in enumerate(menu))
        )
        for service, role in top_keys:
            if service == s:
                # Per-coalition cap on the menu (presolve turns it into bounds on the options above the cap).
                top_cons[(s, role)] = cons.add(
                    sum(opt.fte * model.y[s, k] for k, opt in enumerate(menu) if opt.role == role) <= model.top[s, role]
                )
        if inst.min_shared_people > 0:
            cons.add(
                sum(opt.people * model.y[s, k] for k, opt in enumerate(menu)) >= inst.min_shared_people * model.u[s]
            )
        if pool.tiers:
            # Joint purchase at the tier of the pooled headcount, in the disaggregated form (a big-M form lets the
            # LP relaxation buy almost for free and makes the solves slow).
            tiers = pool.tiers
            cons.add(sum(model.t[s, j] for j in range(len(tiers))) == model.u[s])
            for i in sharers[s]:
                cons.add(sum(model.w[i, j] for j in range(len(tiers))) == model.x[i, SHARED])
                for j in range(len(tiers)):
                    cons.add(model.w[i, j] <= model.t[s, j])
            for j, (minimum, _, _) in enumerate(tiers):
                if minimum > 0:
                    cons.add(
                        sum(inst.pairs[i].headcount * model.w[i, j] for i in sharers[s]) >= minimum * model.t[s, j]
                    )
            if not _prices_fall(tiers):
                # Prices rising with volume: the highest eligible tier applies (as ExternalOption.tier_for).
                heads = sum(inst.pairs[i].headcount * model.x[i, SHARED] for i in sharers[s])
                big_heads = sum(inst.pairs[i].headcount for i in sharers[s])
                for j in range(len(tiers) - 1):
                    upper = tiers[j + 1][0] - 1
                    if big_heads > upper:
                        cons.add(heads <= upper + (big_heads - upper) * (1 - model.t[s, j]))

    steps = round(1.0 / inst.options.fte_step)
    for role in host_roles:
        keys = [(s, k) for s in shared_services for k, opt in enumerate(inst.shared[s].options) if opt.role == role]
        # Whole people per role in the host team (spare time of a part-used person is idle). (Extra valid cuts, a
        # member's own load needing a big-enough option and ceil(fte) people per pool, made HiGHS slower: left out.)
        cons.add(
            sum(round(inst.shared[s].options[k].fte * steps) * model.y[s, k] for s, k in keys)
            <= steps * model.people[role]
        )

    cost = 0
    for i, pair in enumerate(inst.pairs):
        if EXTERNAL in pair.modes:
            cost += pair.external_cost_gbp / KGBP * model.x[i, EXTERNAL]
        if SHARED in pair.modes:
            cost += pair.shared_per_head_cost_gbp / KGBP * model.x[i, SHARED]
    for b, bundle in enumerate(inst.bundles):
        cost += bundle.cost_gbp / KGBP * model.z[b]
    for role in host_roles:
        cost += inst.role_costs[role] / KGBP * model.people[role]
    for s, pool in inst.shared.items():
        cost += pool.fixed_cost_gbp / KGBP * model.u[s]
        for i in sharers[s]:
            pair = inst.pairs[i]
            for j, (_, per_head, per_case) in enumerate(pool.tiers):
                cost += (per_head * pair.headcount + per_case * pair.cases_per_year) / KGBP * model.w[i, j]
    cost += inst.overhead_gbp / KGBP * model.h
    model.cost = pyo.Objective(expr=cost, sense=pyo.minimize)
    model.x_keys = x_keys
    model.top_cons = top_cons
    return model


@dataclass
class SolveOutcome:
    """Result of one solve: ``status`` is "optimal", "feasible" (time limit with an incumbent) or "infeasible";
    ``cost_gbp`` in pounds per year (NaN when infeasible)."""

    status: str
    cost_gbp: float
    seconds: float
    message: str = ""


class CatalogueModel:
    """One model of an instance with a persistent HiGHS solver: coalition membership, sharing, menu caps and mode
    restrictions are parameter or bound changes, and each ``solve()`` sends only those to the same HiGHS model.

    ``threads``: HiGHS threads (process-global in HiGHS: set once per process, 1 inside parallel workers).
    """

    def __init__(self, instance: CatalogueInstance, threads: int | None = None) -> None:
        require_solver()
        from pyomo.contrib.solver.solvers.highs import Highs

        self.instance = instance
        self.model = build_model(instance)
        solver = Highs()
        config = solver.config
        config.load_solutions = False
        config.raise_exception_on_nonoptimal_result = False
        config.rel_gap = instance.options.mip_rel_gap
        config.abs_gap = 1e-7
        config.time_limit = instance.options.time_limit_seconds
        if threads is not None:
            config.threads = threads
        config.solver_options = dict(HIGHS_OPTIONS)
        updates = config.auto_updates  # only parameter values change between solves; say so (fast re-solves)
        updates.check_for_new_or_removed_constraints = False
        updates.check_for_new_or_removed_vars = False
        updates.check_for_new_or_removed_params = False
        updates.check_for_new_objective = False
        updates.update_constraints = False
        updates.update_vars = False
        updates.update_named_expressions = False
        updates.update_objective = False
        updates.update_parameters = True
        self.solver = solver
        self._sharers = {
            s: [i for i, p in enumerate(instance.pairs) if p.service == s and SHARED in p.modes]
            for s in instance.shared
        }
        self._last: Any = None
        self._direct: dict[str, Any] | None = None
        self.members: frozenset[str] = frozenset(instance.members)
        self.sharing = True
        self.solver.set_instance(self.model)

    # -- parameter changes -------------------------------------------------------------------------------------------
    def set_coalition(self, members: Iterable[str], sharing: bool | None = None) -> None:
        """Serve only ``members`` (the others absent: no demand, no decisions).

        ``sharing`` defaults to "at least two members": a member alone cannot share (a service shared with nobody
        is in-house), so c({m}) is its stand-alone cost. Exception: a service it can only get shared (no in-house or
        external option) it then runs as a one-member host team.
        """
        members = frozenset(members)
        unknown = members - set(self.instance.members)
        if unknown:
            raise UserError(f"unknown member(s): {', '.join(sorted(unknown))}")
        for name in self.instance.members:
            self.model.present[name].set_value(1 if name in members else 0)
        self.members = members
        self.sharing = len(members) >= 2 if sharing is None else sharing
        inst = self.instance
        for s in inst.shared:
            needed = any(inst.pairs[i].modes == (SHARED,) and inst.pairs[i].member in members for i in self._sharers[s])
            self.model.share_open[s].set_value(1 if self.sharing or needed else 0)
        self._cap_shared_menus()

    def _cap_shared_menus(self) -> None:
        """Cap each shared pool, per role, at the smallest whole FTE (at least the minimum shared staff) covering all
        the coalition's demand: the menu ``build_instance`` gives a scenario of these members alone, so c(S) does
        not depend on who else is in the scenario (and smaller menus solve faster)."""
        inst = self.instance
        for s, pool in inst.shared.items():
            load = sum(
                inst.pairs[i].load_cases_per_day for i in self._sharers[s] if inst.pairs[i].member in self.members
            )
            top: dict[str, float] = {}
            for option in pool.options:
                whole = abs(option.fte - round(option.fte)) < 1e-9 and option.fte >= max(1, inst.min_shared_people)
                if whole and option.capacity_cases_per_day >= load and option.fte < top.get(option.role, math.inf):
                    top[option.role] = option.fte
            for option in pool.options:
                top.setdefault(option.role, max(o.fte for o in pool.options if o.role == option.role))
            for role, fte in top.items():
                self.model.top[s, role].set_value(fte if load > 0 else 0.0)

    def restrict(self, pair_index: int, modes: Iterable[str] | None) -> None:
        """Allow only ``modes`` for one pair (None: every mode it offers), as upper bounds of its x variables."""
        pair = self.instance.pairs[pair_index]
        keep = set(pair.modes if modes is None else modes)
        changed = []
        for o in pair.modes:
            var = self.model.x[pair_index, o]
            upper = 1 if o in keep else 0
            if var.ub != upper:
                var.setub(upper)
                changed.append(var)
        if changed:
            self.solver.update_variables(changed)

    # -- solving -----------------------------------------------------------------------------------------------------
    def use_direct_updates(self) -> bool:
        """Re-solve by pushing the changed bounds straight into the persistent HiGHS model that Pyomo built, and
        running it, instead of Pyomo's generic update (which re-evaluates every parameter expression and captures
        the solver's output on every call: 6-10 ms a solve, a quarter of a coalition). Used by the coalition workers.

        Relies on the column and row maps of Pyomo's HiGHS interface (Pyomo 6.10); returns False, leaving the
        ordinary path in place, if they are not there.
        """
        solver = self.solver
        highs = getattr(solver, "_solver_model", None)
        columns = getattr(solver, "_pyomo_var_to_solver_var_map", None)
        rows = getattr(solver, "_pyomo_con_to_solver_con_map", None)
        if highs is None or columns is None or rows is None:
            return False
        m = self.model
        # (a variable or row that appears nowhere, e.g. a member with no demand, is not in the HiGHS model)
        self._direct = {
            "highs": highs,
            "p": {name: columns[id(m.p[name])] for name in self.instance.members if id(m.p[name]) in columns},
            "u": {s: columns[id(m.u[s])] for s in self.instance.shared if id(m.u[s]) in columns},
            "top": {key: rows[con] for key, con in m.top_cons.items() if con in rows},
        }
        config = solver.config
        options = {
            **config.solver_options,
            "mip_rel_gap": config.rel_gap,
            "mip_abs_gap": config.abs_gap,
            "time_limit": config.time_limit,
        }
        if config.threads is not None:
            options["threads"] = config.threads
        for key, value in options.items():
            highs.setOptionValue(key, value)
        return True

    def _push_direct(self) -> None:
        """Send present[m], share_open[s] and top[s, r] to the HiGHS model as column and row bounds."""
        direct = self._direct
        highs = direct["highs"]
        m = self.model
        for name, col in direct["p"].items():
            value = float(m.present[name].value)
            highs.changeColBounds(col, value, value)
        for s, col in direct["u"].items():
            highs.changeColBounds(col, 0.0, float(m.share_open[s].value))
        for key, row in direct["top"].items():
            highs.changeRowBounds(row, -highs.inf, float(m.top[key].value))

    def _solve_direct(self) -> SolveOutcome:
        import highspy

        self._push_direct()
        highs = self._direct["highs"]
        start = time.perf_counter()
        highs.run()
        seconds = time.perf_counter() - start
        self._last = None
        status = highs.getModelStatus()
        info = highs.getInfo()
        if status == highspy.HighsModelStatus.kOptimal:
            return SolveOutcome("optimal", float(info.objective_function_value) * KGBP, seconds)
        if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return SolveOutcome("infeasible", math.nan, seconds, "HiGHS: the model is infeasible")
        if info.primal_solution_status == 2:
            return SolveOutcome(
                "feasible",
                float(info.objective_function_value) * KGBP,
                seconds,
                f"HiGHS stopped ({highs.modelStatusToString(status)}) before proving optimality",
            )
        raise UserError(f"HiGHS stopped without a solution ({highs.modelStatusToString(status)})")

    def solve(self) -> SolveOutcome:
        """Solve with explicit status handling (infeasible is a status, not an exception)."""
        if self._direct is not None:
            return self._solve_direct()
        from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

        start = time.perf_counter()
        results = self.solver.solve(self.model)
        seconds = time.perf_counter() - start
        self._last = results
        condition = results.termination_condition
        if condition == TerminationCondition.convergenceCriteriaSatisfied:
            return SolveOutcome("optimal", float(results.incumbent_objective) * KGBP, seconds)
        if condition in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
            return SolveOutcome("infeasible", math.nan, seconds, "HiGHS: the model is infeasible")
        if results.solution_status in (SolutionStatus.feasible, SolutionStatus.optimal):
            bound = results.objective_bound if results.objective_bound is not None else math.nan
            return SolveOutcome(
                "feasible",
                float(results.incumbent_objective) * KGBP,
                seconds,
                f"HiGHS stopped ({condition.name}) before proving optimality; lower bound {bound * KGBP:,.0f} GBP",
            )
        raise UserError(f"HiGHS stopped without a solution ({condition.name}); try a longer time limit")

    def load(self) -> None:
        """Load the last solution into the Pyomo variables (only after a solve with a solution)."""
        if self._last is None:
            raise RuntimeError("no solve yet")
        self._last.solution_loader.load_vars()


def rebuild_solve(instance: CatalogueInstance, members: Iterable[str], threads: int | None = None) -> SolveOutcome:
    """Build a fresh model and solver for one coalition and solve it (the slow reference for the benchmark)."""
    model = CatalogueModel(instance, threads=threads)
    model.set_coalition(members)
    return model.solve()
