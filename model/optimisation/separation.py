"""The separation MILP: given tariffs x (pounds per year per member), which group of members would gain most by leaving?

    max over coalitions S (2 <= |S| <= n - 1) and catalogues for S of   x(S) - cost(catalogue of S)

One MILP chooses the coalition and its catalogue together: it is the catalogue MILP of ``model.optimisation.catalogue_milp`` with the
membership ``p[m]`` turned from a fixed parameter into a binary decision and the objective turned round. Since
``max_S (x(S) - c(S)) = max_S max_catalogue (x(S) - cost)``, its optimum is the largest excess over every coalition
without listing any: 2^40 coalitions of a 40-member region are checked by one solve. Singletons (which cannot share,
``CatalogueModel.set_coalition``) are checked directly with their stand-alone costs, so the MILP needs no "a member
alone cannot share" rule: at least two members are in S.

What it gives:

* an exact core check of any tariff (the coalition that would walk away, and how much it would save);
* the separation oracle for row generation (``model.fairness.row_generation``: least core, closest core, nucleolus).

Exactness: HiGHS proves optimality to an absolute gap of ``ABS_GAP_GBP`` (a few pence); the coalition it names is
re-priced with the ordinary coalition MILP (``c(S)``) so the excess reported is the same number the enumerated table
would give. Same model data as ``model.optimisation.coalitions`` (the profitable-bundle instance; the per-coalition menu caps of
``set_coalition`` do not change any optimum, see ``CatalogueModel._cap_shared_menus``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from model.optimisation.catalogue_instance import KGBP, CatalogueInstance
from model.optimisation.catalogue_milp import require_solver
from model.scenario.errors import UserError

ABS_GAP_GBP = 0.05
"""Absolute optimality gap of the separation MILP, pounds per year (5 pence: far below any tariff's rounding)."""


@dataclass(frozen=True)
class Separation:
    """The answer of one separation solve: the coalition with the largest excess ``x(S) - c(S)`` among coalitions of
    2 to n - 1 members, that excess and ``c(S)`` (pounds per year), the solver's proven upper bound on the excess,
    ``status`` ("optimal"; "target": stopped at a coalition reaching ``at_least``, not proven the largest; or
    "time limit") and the solve time in seconds."""

    coalition: frozenset[str]
    excess_gbp: float
    cost_gbp: float
    bound_gbp: float
    status: str
    seconds: float


class SeparationModel:
    """One persistent separation MILP for an instance; ``solve(tariffs)`` changes only the objective's tariff
    parameters and re-solves (HiGHS keeps the model)."""

    def __init__(self, instance: CatalogueInstance, threads: int | None = None, time_limit_seconds: float = 600.0):
        require_solver()
        import pyomo.environ as pyo
        from pyomo.contrib.solver.solvers.highs import Highs

        from model.optimisation.catalogue_instance import HIGHS_OPTIONS
        from model.optimisation.catalogue_milp import build_model

        if len(instance.members) < 3:
            raise UserError("the separation MILP needs at least 3 members (coalitions of 2 to n - 1 members)")
        self.instance = instance
        model = build_model(instance)
        for name in instance.members:
            var = model.p[name]
            var.domain = pyo.Binary
            var.setlb(0)
            var.setub(1)
        n = len(instance.members)
        model.size_low = pyo.Constraint(expr=sum(model.p[m] for m in instance.members) >= 2)
        model.size_high = pyo.Constraint(expr=sum(model.p[m] for m in instance.members) <= n - 1)
        model.tariff = pyo.Param(list(instance.members), mutable=True, initialize=0.0)
        model.cost.deactivate()
        model.excess = pyo.Objective(
            expr=sum(model.tariff[m] * model.p[m] for m in instance.members) - model.cost.expr, sense=pyo.maximize
        )
        self.model = model
        solver = Highs()
        config = solver.config
        config.load_solutions = False
        config.raise_exception_on_nonoptimal_result = False
        config.rel_gap = 1e-9
        config.abs_gap = ABS_GAP_GBP / KGBP
        config.time_limit = time_limit_seconds
        if threads is not None:
            config.threads = threads
        config.solver_options = {
            key: value for key, value in HIGHS_OPTIONS.items() if not key.startswith("mip_heuristic")
        }
        updates = config.auto_updates
        updates.check_for_new_or_removed_constraints = False
        updates.check_for_new_or_removed_vars = False
        updates.check_for_new_or_removed_params = False
        updates.check_for_new_objective = False
        updates.update_constraints = False
        updates.update_vars = False
        updates.update_named_expressions = False
        updates.update_objective = True
        updates.update_parameters = True
        self.solver = solver
        self.solver.set_instance(model)
        self._coalition_model: Any = None

    def _coalition_cost(self, members: frozenset[str]) -> float:
        """c(S) by the ordinary coalition MILP (built on first use, in this process), pounds per year."""
        if self._coalition_model is None:
            self._coalition_model = _coalition_cost_model(self.instance)
        self._coalition_model.set_coalition(members)
        outcome = self._coalition_model.solve()
        if outcome.status != "optimal":
            raise UserError(f"coalition {{{', '.join(sorted(members))}}}: {outcome.message or outcome.status}")
        return float(outcome.cost_gbp)

    def solve(self, tariffs: Mapping[str, float], at_least: float | None = None, exact: bool = True) -> Separation:
        """The coalition (2 to n - 1 members) with the largest ``x(S) - c(S)`` for ``tariffs`` (pounds per year).

        ``at_least`` (pounds per year): stop at the first coalition whose excess reaches it (HiGHS's objective
        target; status "target"), which can be much faster than proving the largest; when no coalition reaches
        it, the search is complete and the answer is the largest, as without it. A coalition found that way is
        re-priced by the coalition MILP (its catalogue in the search need not be its cheapest) unless ``exact`` is
        False: then ``cost_gbp`` is the cost of the catalogue found, an UPPER bound of c(S), and ``excess_gbp`` a
        lower bound of its excess (status "target, upper cost"), which is all a row-generation round needs."""
        from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

        missing = [m for m in self.instance.members if m not in tariffs]
        if missing:
            raise UserError(f"tariffs missing for {', '.join(missing)}")
        for name in self.instance.members:
            value = float(tariffs[name])
            if not math.isfinite(value):
                raise UserError(f"tariff of {name} is not a finite number")
            self.model.tariff[name].set_value(value / KGBP)
        target = -math.inf if at_least is None else float(at_least) / KGBP
        self.solver.config.solver_options["objective_target"] = target
        start = time.perf_counter()
        results = self.solver.solve(self.model)
        seconds = time.perf_counter() - start
        condition = results.termination_condition
        if results.solution_status not in (SolutionStatus.feasible, SolutionStatus.optimal):
            raise RuntimeError(f"separation MILP: no solution ({condition.name})")
        results.solution_loader.load_vars()
        members = frozenset(m for m in self.instance.members if round(self.model.p[m].value or 0) == 1)
        excess = float(results.incumbent_objective) * KGBP
        bound = results.objective_bound
        bound_gbp = float(bound) * KGBP if bound is not None and math.isfinite(bound) else math.inf
        cost = sum(float(tariffs[m]) for m in members) - excess
        if condition == TerminationCondition.convergenceCriteriaSatisfied:
            status = "optimal"
        elif at_least is not None and excess >= at_least:
            status = "target" if exact else "target, upper cost"
            if exact:  # stopped early, the coalition's catalogue need not be its cheapest: price it on its own
                cost = self._coalition_cost(members)
                excess = sum(float(tariffs[m]) for m in members) - cost
        else:
            status = "time limit"
        return Separation(members, excess, cost, max(bound_gbp, excess), status, seconds)


_WORKER: dict[str, SeparationModel] = {}


def _coalition_cost_model(instance: CatalogueInstance) -> Any:
    from model.optimisation.catalogue_milp import CatalogueModel

    model = CatalogueModel(instance, threads=1)
    model.solver.config.time_limit = math.inf  # c(S) is the optimum whatever the machine's load
    model.use_direct_updates()
    return model


def _init_separation_worker(parent_pid: int, instance: CatalogueInstance, time_limit_seconds: float) -> None:
    from model.simulation.processes import exit_with_parent

    exit_with_parent(parent_pid)
    _WORKER["model"] = SeparationModel(instance, threads=1, time_limit_seconds=time_limit_seconds)


def _separate_in_worker(tariffs: dict[str, float], at_least: float | None, exact: bool) -> Separation:
    return _WORKER["model"].solve(tariffs, at_least, exact)


class SeparationProcess:
    """A ``SeparationModel`` in a process of its own, so that separations run on one core while this process does
    other work (the sampled-Shapley coalitions on the others). ``submit`` returns a future, ``solve`` waits.

    A process, not a thread: HiGHS's thread scheduler is process-global, and two HiGHS models solving at once in
    one process is not safe in every HiGHS version. Use as a context manager (or call ``close``)."""

    def __init__(self, instance: CatalogueInstance, time_limit_seconds: float = 600.0) -> None:
        import multiprocessing
        import os
        from concurrent.futures import ProcessPoolExecutor

        require_solver()
        if len(instance.members) < 3:
            raise UserError("the separation MILP needs at least 3 members (coalitions of 2 to n - 1 members)")
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_separation_worker,
            initargs=(os.getpid(), instance, time_limit_seconds),
        )
        # start the process now, from the creating thread: a process spawned from another thread leaks its
        # semaphores (a resource-tracker warning at exit); the model is built meanwhile
        self._pool.submit(int)

    def __enter__(self) -> SeparationProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def submit(self, tariffs: Mapping[str, float], at_least: float | None = None, exact: bool = True) -> Any:
        """A future of ``SeparationModel.solve(tariffs, at_least, exact)``."""
        if self._pool is None:
            raise RuntimeError("separation process closed")
        return self._pool.submit(_separate_in_worker, {m: float(v) for m, v in tariffs.items()}, at_least, exact)

    def solve(self, tariffs: Mapping[str, float], at_least: float | None = None, exact: bool = True) -> Separation:
        """``SeparationModel.solve`` in the separation process (waits for the answer)."""
        from model.simulation.processes import terminate_pool

        try:
            return self.submit(tariffs, at_least, exact).result()
        except BaseException:
            if self._pool is not None:
                terminate_pool(self._pool)
                self._pool = None
            raise


def separation_model(instance: CatalogueInstance, **kwargs: Any) -> SeparationModel:
    """A ``SeparationModel`` (the profitable-bundle instance of ``model.optimisation.coalitions`` is the one to pass)."""
    return SeparationModel(instance, **kwargs)
