"""Replication runner: one run, many independent replications (in-process, local processes or a Dask cluster),
summaries with t-based confidence intervals, and an automatic number of replications for a target precision.

Reproducibility. :func:`model.simulation.simulate` derives every random stream from
``SeedSequence(seed, spawn_key=(replication, ...))``, so replication ``r`` depends only on (scenario, seed, r) and
never on which process or machine runs it, nor on how replications are grouped. This module only decides WHERE
replications run; every result is put back in replication order before anything is concatenated, so the tables are
bit-identical for 1 worker, N workers and Dask. Two scenarios run with the same seed share their random numbers
replication by replication (common random numbers), which sharpens comparisons between design options.

Warm-up. The scenario's ``simulation.warm_up_months`` is applied by the simulator and the KPI calculation (statistics
are taken after the warm-up); :func:`warm_up_diagnostic` applies the MSER-5 heuristic to the backlog to check that the
warm-up is long enough for a steady-state scenario.

Backends: ``workers=1`` runs in this process; ``workers>1`` uses a ``ProcessPoolExecutor`` (the scenario is sent once
per worker by the initializer, replications go in chunks); a Dask scheduler address (argument or
``DASK_SCHEDULER_ADDRESS``) sends chunks to a ``distributed`` cluster, whose workers must have this package
installed at the same version.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from model.scenario.errors import UserError
from model.scenario.schema import Scenario
from model.simulation.engine import simulate
from model.simulation.kpis import KPI_COLUMNS, replication_kpis
from model.simulation.processes import exit_with_parent, terminate_pool
from model.simulation.statistics import (
    ConfidenceInterval,
    mser_truncation,
    replications_needed,
    summarise,
    t_confidence_interval,
)

DASK_ENV = "DASK_SCHEDULER_ADDRESS"
KPI_DIMENSIONS = [column for column in KPI_COLUMNS if column not in ("replication", "value")]
DASK_CONNECT_TIMEOUT_S = 10.0
CHUNKS_PER_WORKER = 4  # several chunks per worker balance the load and keep the progress bar moving


# --- results ------------------------------------------------------------------------------------------------------


@dataclass
class ReplicationResult:
    """One replication: its KPI rows (``KPI_COLUMNS``) and the simulator's tables.

    ``cases`` is None when the caller did not keep case records (they are the bulk of the data). Times are in working
    days.
    """

    replication: int
    kpis: pd.DataFrame
    cases: pd.DataFrame | None
    staff: pd.DataFrame
    backlog: pd.DataFrame
    horizon_days: float
    warm_up_days: float


@dataclass
class ExperimentResult:
    """All replications of one scenario, as tidy tables sorted by replication.

    ``kpis`` has ``KPI_COLUMNS`` (one row per replication x metric x service x member x role x period); ``backlog``
    and ``staff`` (and ``cases`` when kept) are the simulator's tables with a leading ``replication`` column.
    ``backend`` says where the replications ran; it and ``elapsed_seconds`` are the only fields that depend on it.
    """

    scenario_name: str
    seed: int
    replications: int
    kpis: pd.DataFrame
    backlog: pd.DataFrame
    staff: pd.DataFrame
    cases: pd.DataFrame | None
    horizon_days: float
    warm_up_days: float
    backend: str = "in-process"
    elapsed_seconds: float = 0.0

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Per metric x service x member x role x period: n, mean, sd, ci_low, ci_high, half_width and
        relative_half_width over replications (t distribution, ``confidence`` two-sided). Rows keep the KPI table's
        order."""
        return summarise(self.kpis, KPI_DIMENSIONS, confidence=confidence)

    def values(
        self, metric: str, service: str = "all", member: str = "all", role: str = "all", period: str = "all"
    ) -> pd.Series:
        """One KPI's value per replication (indexed by replication). UserError when the KPI does not exist."""
        return select_kpi(self.kpis, metric, service=service, member=member, role=role, period=period)

    def interval(
        self,
        metric: str,
        service: str = "all",
        member: str = "all",
        role: str = "all",
        period: str = "all",
        confidence: float = 0.95,
    ) -> ConfidenceInterval:
        """The t confidence interval of one KPI's mean over replications."""
        return t_confidence_interval(self.values(metric, service, member, role, period), confidence)


def select_kpi(
    kpis: pd.DataFrame, metric: str, service: str = "all", member: str = "all", role: str = "all", period: str = "all"
) -> pd.Series:
    """The values of one KPI (one row per replication) as a Series indexed by replication.

    Raises UserError naming the known metrics (or the known values of the dimension that did not match) when the
    selection is empty, and when it is ambiguous (more than one row per replication)."""
    if metric not in set(kpis["metric"]):
        known = ", ".join(sorted(set(kpis["metric"])))
        raise UserError(f"unknown KPI metric '{metric}'; known: {known}")
    rows = kpis[kpis["metric"] == metric]
    for column, wanted in (("service", service), ("member", member), ("role", role), ("period", period)):
        matched = rows[rows[column] == wanted]
        if matched.empty:
            known = ", ".join(sorted(str(value) for value in set(rows[column])))
            raise UserError(f"KPI '{metric}' has no {column} '{wanted}'; its {column} values: {known}")
        rows = matched
    if rows["replication"].duplicated().any():
        raise UserError(f"KPI '{metric}' selection is ambiguous: more than one row per replication")
    return pd.Series(rows["value"].to_numpy(), index=rows["replication"].to_numpy(), name=metric)


# --- one replication ----------------------------------------------------------------------------------------------


def _with_replication(frame: pd.DataFrame, replication: int) -> pd.DataFrame:
    """``frame`` with a leading ``replication`` column (added if the simulator did not include one)."""
    if "replication" in frame.columns:
        return frame
    out = frame.copy()
    out.insert(0, "replication", np.int64(replication))
    return out


def _run_one(scenario: Scenario, seed: int, replication: int, keep_cases: bool) -> ReplicationResult:
    """Simulate replication ``replication`` and compute its KPIs (the unit of work every backend runs)."""
    output = simulate(scenario, replication, seed=seed)
    kpis = replication_kpis(scenario, output)
    return ReplicationResult(
        replication=replication,
        kpis=kpis,
        cases=_with_replication(output.cases, replication) if keep_cases else None,
        staff=_with_replication(output.staff, replication),
        backlog=_with_replication(output.backlog, replication),
        horizon_days=float(output.horizon_days),
        warm_up_days=float(output.warm_up_days),
    )


def _resolve_seed(scenario: Scenario, seed: int | None) -> int:
    chosen = scenario.simulation.seed if seed is None else int(seed)
    if chosen < 0:
        raise UserError(f"seed must be a non-negative integer, got {chosen}")
    return chosen


def single_run(scenario: Scenario, replication: int = 0, seed: int | None = None) -> ReplicationResult:
    """Run one replication in this process (case records kept). ``seed`` defaults to ``scenario.simulation.seed``.

    Identical to replication ``replication`` of :func:`multiple_replications` with the same seed."""
    if replication < 0:
        raise UserError(f"replication must be a non-negative integer, got {replication}")
    return _run_one(scenario, _resolve_seed(scenario, seed), int(replication), keep_cases=True)


# --- workers ------------------------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(scenario: Scenario, seed: int, parent_pid: int | None = None) -> None:
    """Process-pool initializer: keep the scenario and seed for every chunk this worker runs; exit when the process
    that started the pool has gone (``model.simulation.processes.exit_with_parent``)."""
    if parent_pid is not None:
        exit_with_parent(parent_pid)
    _WORKER["scenario"] = scenario
    _WORKER["seed"] = seed


def _run_chunk_in_worker(replications: Sequence[int], keep_cases: bool) -> list[ReplicationResult]:
    """Run a chunk of replications with the worker's scenario (process pool)."""
    return [_run_one(_WORKER["scenario"], _WORKER["seed"], r, keep_cases) for r in replications]


def _run_chunk(scenario: Scenario, seed: int, replications: Sequence[int], keep_cases: bool) -> list[ReplicationResult]:
    """Run a chunk of replications (Dask task; the scenario arrives once per worker as a scattered object)."""
    return [_run_one(scenario, seed, r, keep_cases) for r in replications]


def _chunks(indices: Sequence[int], slots: int) -> list[list[int]]:
    """Split ``indices`` into contiguous chunks, about CHUNKS_PER_WORKER per execution slot."""
    indices = list(indices)
    if not indices:
        return []
    size = max(1, math.ceil(len(indices) / (max(1, slots) * CHUNKS_PER_WORKER)))
    return [indices[i : i + size] for i in range(0, len(indices), size)]


def _single_threaded() -> bool:
    """True when only this thread runs (tqdm's monitor thread, a sleeping daemon, does not count)."""
    return all(
        thread is threading.current_thread() or type(thread).__name__ == "TMonitor" for thread in threading.enumerate()
    )


def _pool_context() -> multiprocessing.context.BaseContext:
    """Start method for worker processes.

    ``fork`` on Linux when this process runs a single thread: workers start in milliseconds and inherit the imported
    modules (a fresh interpreter needs 2-3 s to import pandas and scipy). Forking a process that has other threads
    (a Dask client, a notebook kernel) can deadlock, so then ``forkserver`` (workers fork from a clean server process
    that has imported this module once), and ``spawn`` where neither exists (Windows). The start method never
    changes results: every replication depends only on (scenario, seed, replication).
    """
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods and _single_threaded():
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["model.simulation.replications"])
        return context
    return multiprocessing.get_context("spawn")


class _Backend:
    """Where replications run. Open once (``with``), call :meth:`run` one or more times (auto replications add
    batches to the same pool or cluster connection)."""

    description = "in-process"

    def __init__(self, scenario: Scenario, seed: int, keep_cases: bool) -> None:
        self.scenario = scenario
        self.seed = seed
        self.keep_cases = keep_cases

    def __enter__(self) -> _Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, indices: Sequence[int], advance: Callable[[int], object]) -> list[ReplicationResult]:
        """Run the replications ``indices``; returns their results in the order of ``indices``."""
        results = []
        for r in indices:
            results.append(_run_one(self.scenario, self.seed, r, self.keep_cases))
            advance(1)
        return results


class _ProcessBackend(_Backend):
    """Local worker processes, scenario sent once per worker by the pool initializer."""

    def __init__(self, scenario: Scenario, seed: int, keep_cases: bool, workers: int) -> None:
        super().__init__(scenario, seed, keep_cases)
        self.workers = workers
        self.description = f"{workers} local processes"
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _ProcessBackend:
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=_pool_context(),
            initializer=_init_worker,
            initargs=(self.scenario, self.seed, os.getpid()),
        )
        # Start the workers now, before a progress bar (which runs a monitor thread) exists.
        self._pool.submit(os.getpid).result()
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        assert self._pool is not None
        # On an error, Ctrl-C or SIGTERM do not wait for queued chunks, nor for the ones running: stop the workers.
        if exc_type is not None:
            terminate_pool(self._pool)
        self._pool.shutdown(wait=exc_type is None, cancel_futures=True)
        self._pool = None

    def run(self, indices: Sequence[int], advance: Callable[[int], object]) -> list[ReplicationResult]:
        assert self._pool is not None
        futures: dict[Future[list[ReplicationResult]], int] = {
            self._pool.submit(_run_chunk_in_worker, chunk, self.keep_cases): len(chunk)
            for chunk in _chunks(indices, self.workers)
        }
        by_index: dict[int, ReplicationResult] = {}
        pending = set(futures)
        while pending:
            # FIRST_COMPLETED: the progress advances chunk by chunk; a worker's exception is re-raised just below.
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                for result in future.result():  # re-raises a worker's exception here
                    by_index[result.replication] = result
                advance(futures[future])
        return [by_index[r] for r in indices]


class _DaskBackend(_Backend):
    """A Dask ``distributed`` cluster reached at ``address``; chunks are tasks, the scenario is scattered once."""

    def __init__(self, scenario: Scenario, seed: int, keep_cases: bool, address: str, timeout: float) -> None:
        super().__init__(scenario, seed, keep_cases)
        self.address = address
        self.timeout = timeout
        self.description = f"Dask cluster at {address}"
        self._client: Any = None
        self._scenario_future: Any = None
        self._token = uuid.uuid4().hex[:8]

    def __enter__(self) -> _DaskBackend:
        self._client = connect_dask(self.address, self.timeout)
        self._scenario_future = self._client.scatter(self.scenario, broadcast=True, hash=False)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def run(self, indices: Sequence[int], advance: Callable[[int], object]) -> list[ReplicationResult]:
        from distributed import as_completed

        client = self._client
        slots = sum(worker.get("nthreads", 1) for worker in client.scheduler_info()["workers"].values())
        chunks = _chunks(indices, slots)
        futures = [
            client.submit(
                _run_chunk,
                self._scenario_future,
                self.seed,
                chunk,
                self.keep_cases,
                key=f"sharedhr-replications-{self._token}-{chunk[0]}-{chunk[-1]}",
                pure=False,
            )
            for chunk in chunks
        ]
        by_index: dict[int, ReplicationResult] = {}
        try:
            for future in as_completed(futures, loop=client.loop):
                chunk_results = future.result()  # re-raises a task's exception here
                for result in chunk_results:
                    by_index[result.replication] = result
                advance(len(chunk_results))
        except BaseException:
            client.cancel(futures)
            raise
        return [by_index[r] for r in indices]


def connect_dask(address: str, timeout: float = 30.0) -> Any:
    """A ``distributed.Client`` connected to the scheduler at ``address`` with at least one worker (the caller
    closes it). Every way this can fail (no ``distributed``, a malformed address, no scheduler, no workers within
    ``timeout`` seconds) is a ``UserError`` saying what to do."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is a pinned dependency
        raise UserError("Dask runs need the 'distributed' package: pip install distributed") from None
    how = (
        f"start a scheduler with `dask scheduler` and workers with `dask worker {address}`, "
        f"or run locally without --dask (and unset {DASK_ENV})"
    )
    try:
        from distributed.comm import parse_address
        from distributed.comm.addressing import parse_host_port

        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls", "ws", "wss"):
            parse_host_port(location)
    except ValueError as error:
        raise UserError(
            f"'{address}' is not a Dask scheduler address ({error}); expected e.g. tcp://10.0.0.5:8786"
        ) from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise UserError(f"cannot reach the Dask scheduler at {address} ({error}); {how}") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as error:
        client.close()
        raise UserError(
            f"the Dask scheduler at {address} has no workers ({error}); start some with `dask worker {address}`"
        ) from None
    return client


def dask_address_from(address: str | None) -> str | None:
    """The Dask scheduler to use: ``address`` if given, else ``$DASK_SCHEDULER_ADDRESS``; None (run locally) when
    neither is set or the value is empty."""
    chosen = address if address is not None else os.environ.get(DASK_ENV)
    return chosen.strip() or None if chosen else None


@contextmanager
def _backend(
    scenario: Scenario,
    seed: int,
    workers: int,
    dask_address: str | None,
    keep_cases: bool,
    dask_timeout: float,
) -> Iterator[_Backend]:
    address = dask_address_from(dask_address)
    if address is not None:
        backend: _Backend = _DaskBackend(scenario, seed, keep_cases, address, dask_timeout)
    elif workers > 1:
        backend = _ProcessBackend(scenario, seed, keep_cases, workers)
    else:
        backend = _Backend(scenario, seed, keep_cases)
    with backend:
        yield backend


class _ProgressBar(tqdm):
    """tqdm without its monitor thread (a thread would stop worker processes from being forked safely)."""

    monitor_interval = 0


def _progress_bar(total: int, enabled: bool) -> tqdm:
    return _ProgressBar(total=total, desc="replications", unit="rep", file=sys.stderr, disable=not enabled)


def _check_workers(workers: int) -> int:
    if not isinstance(workers, int | np.integer) or workers < 1:
        raise UserError(f"workers must be a positive integer, got {workers}")
    return int(workers)


# --- assembling ---------------------------------------------------------------------------------------------------


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [frame for frame in frames if frame is not None]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def _assemble(
    scenario: Scenario,
    seed: int,
    results: list[ReplicationResult],
    keep_cases: bool,
    backend: str,
    elapsed: float,
) -> ExperimentResult:
    """Concatenate per-replication results (already in replication order) into one ExperimentResult."""
    results = sorted(results, key=lambda result: result.replication)
    kpis = _concat([result.kpis for result in results])
    if kpis.empty:
        kpis = pd.DataFrame(columns=KPI_COLUMNS)
    first = results[0] if results else None
    return ExperimentResult(
        scenario_name=scenario.name,
        seed=seed,
        replications=len(results),
        kpis=kpis,
        backlog=_concat([result.backlog for result in results]),
        staff=_concat([result.staff for result in results]),
        cases=_concat([result.cases for result in results if result.cases is not None]) if keep_cases else None,
        horizon_days=first.horizon_days if first else math.nan,
        warm_up_days=first.warm_up_days if first else math.nan,
        backend=backend,
        elapsed_seconds=elapsed,
    )


# --- many replications --------------------------------------------------------------------------------------------


def multiple_replications(
    scenario: Scenario,
    n: int | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    progress: bool | Callable[[int], object] = False,
    keep_cases: bool = False,
    seed: int | None = None,
    *,
    first: int = 0,
    dask_timeout: float = DASK_CONNECT_TIMEOUT_S,
) -> ExperimentResult:
    """Run replications ``first .. first + n - 1`` of ``scenario`` and return them as tidy tables.

    ``n`` defaults to ``scenario.simulation.replications`` and ``seed`` to ``scenario.simulation.seed``.
    ``workers=1`` runs in this process; ``workers>1`` uses that many local processes; a Dask scheduler address
    (``dask_address`` or ``$DASK_SCHEDULER_ADDRESS``) sends the work to that cluster instead (``workers`` is then
    ignored). The result is identical, bit for bit, whichever way the replications ran. ``progress=True`` shows a
    tqdm bar on stderr; a callable is called with the number of replications just finished (a web page's bar). ``keep_cases`` also returns every case record (large: one row per case per replication).
    """
    count = scenario.simulation.replications if n is None else n
    if not isinstance(count, int | np.integer) or count < 1:
        raise UserError(f"number of replications must be a positive integer, got {count}")
    if first < 0:
        raise UserError(f"first replication must be non-negative, got {first}")
    workers = _check_workers(workers)
    chosen_seed = _resolve_seed(scenario, seed)
    indices = list(range(first, first + int(count)))
    started = time.perf_counter()
    with (
        _backend(scenario, chosen_seed, min(workers, len(indices)), dask_address, keep_cases, dask_timeout) as backend,
        _progress_bar(len(indices), progress is True) as bar,
    ):
        results = backend.run(indices, progress if callable(progress) else bar.update)
    return _assemble(scenario, chosen_seed, results, keep_cases, backend.description, time.perf_counter() - started)


@dataclass
class AutoReplicationResult:
    """Outcome of :func:`auto_replications`.

    ``reached`` says whether the CI half-width on the chosen KPI came within ``relative_precision`` of its mean;
    ``history`` has one row per check (replications, mean, half_width, relative_half_width); ``message`` is a
    one-line account for people.
    """

    experiment: ExperimentResult
    replications: int
    reached: bool
    relative_precision: float
    achieved_precision: float
    interval: ConfidenceInterval
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    message: str = ""


def auto_replications(
    scenario: Scenario,
    metric: str,
    service: str = "all",
    member: str = "all",
    role: str = "all",
    period: str = "all",
    relative_precision: float = 0.05,
    initial: int = 10,
    batch: int = 5,
    max_replications: int = 500,
    workers: int = 1,
    dask_address: str | None = None,
    progress: bool = False,
    keep_cases: bool = False,
    seed: int | None = None,
    confidence: float = 0.95,
    *,
    dask_timeout: float = DASK_CONNECT_TIMEOUT_S,
) -> AutoReplicationResult:
    """Add replications until the confidence interval of one KPI's mean is precise enough.

    Sequential procedure (Law & Kelton, section 9.4.1; Hoad, Robinson & Davies 2010): run ``initial`` replications;
    after each round compute the t interval of the chosen KPI (``metric`` at ``service``/``member``/``role``/
    ``period``); stop when half_width / |mean| <= ``relative_precision``. Otherwise add at least ``batch`` more, or
    as many as the current mean and sd say are needed (``replications_needed``) but at most doubling the count, never
    beyond ``max_replications``. If the limit is hit first, the result says so (``reached=False``) and the message
    gives the precision achieved. Replication r is the same whatever the rounds, so the final tables equal
    ``multiple_replications(scenario, n=replications)``.
    """
    if not 0 < relative_precision < 1:
        raise UserError(f"relative precision must be between 0 and 1 (e.g. 0.05 for 5%), got {relative_precision}")
    if initial < 2:
        raise UserError(f"initial replications must be at least 2 to estimate a variance, got {initial}")
    if batch < 1:
        raise UserError(f"batch must be at least 1, got {batch}")
    if max_replications < initial:
        raise UserError(f"max replications ({max_replications}) must be at least the initial number ({initial})")
    workers = _check_workers(workers)
    chosen_seed = _resolve_seed(scenario, seed)
    results: list[ReplicationResult] = []
    history: list[dict[str, float]] = []
    started = time.perf_counter()
    target = initial
    with (
        _backend(scenario, chosen_seed, workers, dask_address, keep_cases, dask_timeout) as backend,
        _progress_bar(initial, progress) as bar,
    ):
        while True:
            indices = list(range(len(results), target))
            results.extend(backend.run(indices, bar.update))
            kpis = _concat([result.kpis for result in results])
            values = select_kpi(kpis, metric, service=service, member=member, role=role, period=period)
            interval = t_confidence_interval(values, confidence)
            achieved = interval.relative_half_width
            history.append(
                {
                    "replications": len(results),
                    "mean": interval.mean,
                    "half_width": interval.half_width,
                    "relative_half_width": achieved,
                }
            )
            reached = achieved <= relative_precision  # False for NaN
            if reached or len(results) >= max_replications:
                break
            needed = replications_needed(values, relative_precision, confidence, max_replications)
            step = max(batch, min(needed - len(results), len(results)))
            target = min(max_replications, len(results) + step)
            bar.total = target
            bar.refresh()
    experiment = _assemble(
        scenario, chosen_seed, results, keep_cases, backend.description, time.perf_counter() - started
    )
    label = _kpi_label(metric, service, member, role, period)
    if reached:
        message = (
            f"{label}: {len(results)} replications give a {confidence:.0%} CI half-width of "
            f"{achieved:.2%} of the mean (target {relative_precision:.2%})"
        )
    else:
        message = (
            f"{label}: stopped at the maximum of {max_replications} replications WITHOUT reaching the target "
            f"precision: half-width is {achieved:.2%} of the mean (target {relative_precision:.2%})"
        )
    return AutoReplicationResult(
        experiment=experiment,
        replications=len(results),
        reached=bool(reached),
        relative_precision=relative_precision,
        achieved_precision=achieved,
        interval=interval,
        history=pd.DataFrame(history),
        message=message,
    )


def _kpi_label(metric: str, service: str, member: str, role: str, period: str) -> str:
    dims = [
        f"{name}={value}"
        for name, value in (("service", service), ("member", member), ("role", role), ("period", period))
        if value != "all"
    ]
    return f"{metric} ({', '.join(dims)})" if dims else metric


# --- warm-up ------------------------------------------------------------------------------------------------------


def warm_up_diagnostic(backlog: pd.DataFrame, time_column: str, value_column: str, batch_size: int = 5) -> float:
    """MSER-5 truncation point, in the units of ``time_column``, for the backlog averaged over replications.

    ``backlog`` is the experiment's backlog table (one row per replication x time point, summed over any other
    columns such as service). Returns the time at which the suggested truncation ends (the first time kept), or inf
    when the minimum falls in the second half of the run (run too short to judge). Compare it with the scenario's
    warm-up: a steady-state study needs ``warm_up_days`` at least this long; a terminating study (the default
    scenario starts from a real backlog) does not use a warm-up.
    """
    totals = backlog.groupby(["replication", time_column], sort=True)[value_column].sum()
    mean_path = totals.groupby(level=time_column, sort=True).mean()
    cut = mser_truncation(mean_path.to_numpy(), batch_size=batch_size)
    if cut >= len(mean_path):
        return math.inf
    return float(mean_path.index[cut])
