"""c(S) on demand for games too big to tabulate: a cache of solved coalitions and batch evaluation on a process pool or
a Dask cluster.

``model.optimisation.coalitions`` solves all 2^n - 1 coalitions (n <= 20). A 40-member region has 10^12: sampled Shapley and row
generation ask for a few thousand chosen coalitions instead. ``CoalitionOracle.costs(coalitions)`` answers from the
cache what it has and solves the rest with one persistent catalogue model per worker (the same model, data and rules
as ``model.optimisation.coalitions``, so c(S) is the same number).

Identical results whatever the workers: each c(S) is the optimum of the same MILP, which does not depend on which
worker solved it or what it solved before, up to the solver's last bits; costs are rounded to the penny
(``PENNY``) so that sums of marginal costs are bit-for-bit the same on 1 or 2 processes or a Dask cluster.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from model.optimisation.catalogue_instance import CatalogueInstance
from model.optimisation.catalogue_milp import CatalogueModel
from model.scenario.errors import InfeasibleError, UserError
from model.simulation.processes import exit_with_parent, terminate_pool

PENNY = 2
"""Coalition costs are rounded to this many decimals of a pound (see the module docstring)."""

ORACLE_TIME_LIMIT_SECONDS = math.inf
"""HiGHS wall-clock limit of an oracle solve: none. c(S) must be the optimum, whatever the machine's load: a
wall-clock limit made the answer depend on it (on a 2-core machine at load average 8 the 38-member coalitions of the
regional scenario hit the catalogue's 120 s limit and the whole ``tariffs`` run stopped). Budgets of the at-scale
methods are counts of coalitions and rounds (``model.fairness.tariffs_at_scale.ScaleBudget``), never seconds."""

_WORKER: dict[str, Any] = {}


def _model(instance: CatalogueInstance, threads: int | None = 1) -> CatalogueModel:
    """The worker's persistent model for this instance (built once per process and instance)."""
    model = _WORKER.get("model")
    if model is None or _WORKER.get("instance") is not instance:
        model = CatalogueModel(instance, threads=threads)
        model.solver.config.time_limit = ORACLE_TIME_LIMIT_SECONDS
        model.use_direct_updates()  # sends the options, the time limit included, to the HiGHS model
        _WORKER["model"] = model
        _WORKER["instance"] = instance  # kept alive: identity is the key
    return model


def _init_pool_worker(parent_pid: int, instance: CatalogueInstance) -> None:
    exit_with_parent(parent_pid)
    _model(instance)


def _solve_with(model: CatalogueModel, masks: Sequence[int]) -> list[tuple[int, float]]:
    members = model.instance.members
    out = []
    for mask in masks:
        names = [m for b, m in enumerate(members) if mask >> b & 1]
        model.set_coalition(names)
        outcome = model.solve()
        if outcome.status == "infeasible":
            raise InfeasibleError(f"coalition {{{', '.join(names)}}}: no feasible service catalogue")
        if outcome.status != "optimal":
            raise UserError(f"coalition {{{', '.join(names)}}}: {outcome.message}")
        out.append((mask, round(outcome.cost_gbp, PENNY)))
    return out


def _solve_in_pool(masks: Sequence[int]) -> list[tuple[int, float]]:
    return _solve_with(_WORKER["model"], masks)


def _solve_in_dask(instance: CatalogueInstance, masks: Sequence[int]) -> list[tuple[int, float]]:
    return _solve_with(_model(instance), masks)


class CoalitionOracle:
    """c(S) in pounds per year for coalitions given as bit masks over ``instance.members`` (bit b = member b), with a
    cache. ``workers``: processes (1 = in this process); ``client``: a ``dask.distributed.Client`` to use instead.
    Use as a context manager (or call ``close``) so that the process pool is shut down."""

    def __init__(self, instance: CatalogueInstance, workers: int = 1, client: Any = None) -> None:
        self.instance = instance
        self.members = instance.members
        self.workers = max(1, int(workers))
        self.client = client
        self.cache: dict[int, float] = {0: 0.0}
        self.solves = 0
        self._pool: ProcessPoolExecutor | None = None
        self._remote: Any = None

    def __enter__(self) -> CoalitionOracle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Shut the process pool down and release the data sent to Dask (the client belongs to the caller)."""
        if self._remote is not None:
            self._remote.release()
            self._remote = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def mask(self, coalition: Iterable[str]) -> int:
        index = {m: b for b, m in enumerate(self.members)}
        return sum(1 << index[m] for m in coalition)

    def cost(self, coalition: Iterable[str]) -> float:
        """c(S) of one coalition (pounds per year)."""
        mask = self.mask(coalition)
        return self.costs([mask])[mask]

    def costs(self, masks: Iterable[int]) -> dict[int, float]:
        """c for each mask (pounds per year), solving only those not cached yet."""
        wanted = list(dict.fromkeys(int(m) for m in masks))
        todo = [m for m in wanted if m not in self.cache]
        if todo:
            self.cache.update(self._solve(todo))
            self.solves += len(todo)
        return {m: self.cache[m] for m in wanted}

    def _chunks(self, masks: list[int], parallel: int) -> list[list[int]]:
        """Masks in chunks for ``parallel`` workers: largest coalitions first (they take longest: a worker that
        draws one late would leave the others idle), in chunks small enough that about 8 reach each worker, at most
        32 solves (few round trips when solves take milliseconds)."""
        ordered = sorted(masks, key=lambda m: (-m.bit_count(), m))
        size = max(1, min(32, len(ordered) // (8 * parallel)))
        return [ordered[i : i + size] for i in range(0, len(ordered), size)]

    def _solve(self, masks: list[int]) -> dict[int, float]:
        if self.client is not None:
            if self._remote is None:  # shipped once; the future is kept so Dask keeps the data
                self._remote = self.client.scatter(self.instance, broadcast=True, hash=False)
            parallel = max(1, len(self.client.scheduler_info().get("workers", {})))
            futures = [
                self.client.submit(_solve_in_dask, self._remote, chunk, pure=False)
                for chunk in self._chunks(masks, parallel)
            ]
            results: dict[int, float] = {}
            for part in self.client.gather(futures):
                results.update(part)
            return results
        if self.workers <= 1 or len(masks) < 16:
            return dict(_solve_with(_model(self.instance, threads=None), masks))
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_init_pool_worker,
                initargs=(os.getpid(), self.instance),
            )
        results = {}
        try:
            for part in self._pool.map(_solve_in_pool, self._chunks(masks, self.workers)):
                results.update(part)
        except BaseException:
            terminate_pool(self._pool)
            self._pool = None
            raise
        return results
