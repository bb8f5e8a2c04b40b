"""Pooled capacity calibrated by the simulator: for every pool the catalogue optimiser can form, the largest demand
(cases per working day, the annual mean) at which the pool meets its service's KPI with the required reliability.

A pool is ``fte`` FTE of one role working on one service (the host's shared team, or one member's in-house team: both
have the same staff, absence and backfill rules in the simulator, so one table serves both). Its capacity is measured
by running the real simulator (``model.simulation``) on a one-pool scenario:

* one member whose demand for the service is ``rate`` cases a working day, with the service's seasonality, steps,
  KPI and (for jointly bought services) the provider's lead time; no initial backlog;
* one role with ``fte`` FTE (floor(fte) full-time people and one part-timer, as everywhere in the simulator), its
  speed on the service (own skill, or the cross-skill factor) and the scenario's whole absence process: planned
  leave, short and long sickness, resignations and vacancies with refill time, agency backfill, and any forced
  absence of that role's posts that falls in the settled window (shifted as in ``model.simulation.steady_state``);
* ``settings.warm_up_months`` of warm-up then ``settings.months`` months scored by ``model.simulation.reliability`` (review
  periods, rolling windows for low volumes), calendar aligned with the scenario's settled months.

Search (per service x role, fte = step, 2 step, ... until the pool covers the whole partnership's demand): Erlang C
(``model.optimisation.pooling``, absence averaged) gives the first probe; the probe moves up or down by 25% (a step that grows
while the verdict holds) until the verdict changes, then bisects (geometric) until the bracket is within
``settings.precision``. Each probe runs batches of
``settings.batch`` replications with COMMON RANDOM NUMBERS (the same replications for every probe and every pool)
and stops as soon as the Wilson interval of the reliability (scored periods pooled over replications) is clearly
above or below the target, else decides on the point estimate after ``settings.max_replications``. Capacity never
falls as FTE rises (the previous FTE's capacity is the lower end of the next search). Replications are numbered from
``CALIBRATION_REPLICATIONS`` so that no run, verification or test with the scenario's seed shares them.

The table is cached on disk, one JSON file per pool, named by a SHA-256 of the pool scenario's content (service,
role, absence, review rules, calendar, seed) with the FTE, the reliability target and the settings: a second run, or
a what-if that leaves the pool alone, costs nothing. ``SHAREDHR_CACHE_DIR`` moves the cache (default
``~/.cache/sharedhr``); files are written atomically.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from model.optimisation.pooling import FTE_STEP, MAX_POOL_FTE, pool_capacity, queueing_budget_days, service_rate_per_fte
from model.scenario.files import write_text_atomically
from model.scenario.schema import Scenario, scenario_from_dict
from model.scenario.units import WORKING_DAYS_PER_YEAR
from model.simulation.demand import expected_annual_demand
from model.simulation.engine import simulate
from model.simulation.kpis import counted_cases
from model.simulation.reliability import ReliabilityRules, decided_days
from model.simulation.statistics import wilson_interval
from model.simulation.steady_state import settled_calendar, shifted_forced_absences

CALIBRATION_VERSION = 4
CALIBRATION_REPLICATIONS = 1_000_000
"""First replication number used by calibration (runs and verification use other numbers: common random numbers
across pools and probes, never shared with the runs that check the result)."""

POOL_MEMBER = "pool member"
POOL_HEADCOUNT = 100_000
"""Staff of the one-pool scenario's member: large enough that even a 400-FTE pool's demand stays a sensible rate
per 1,000 staff (``model.scenario.MAX_CASES_PER_1000``); only the rate matters."""


@dataclass(frozen=True)
class CalibrationSettings:
    """How hard the simulator looks at each pool (times in calendar months, precision relative)."""

    warm_up_months: int = 3
    months: int = 24
    batch: int = 4
    max_replications: int = 16
    confidence: float = 0.95
    precision: float = 0.03


@dataclass(frozen=True)
class PoolCapacity:
    """One calibrated pool: the largest mean demand that met the KPI reliability (``capacity_cases_per_day``), the
    smallest probe that failed (``failed_cases_per_day``, inf if none), Erlang C's figure for comparison, and the
    search effort (probes, simulated replications, seconds)."""

    service: str
    role: str
    fte: float
    capacity_cases_per_day: float
    failed_cases_per_day: float
    analytic_cases_per_day: float
    probes: int
    replications: int
    seconds: float
    cached: bool = False


class CapacityTable:
    """Calibrated L(fte) for every (service, role, fte) the optimiser may use, plus verification cuts.

    ``capacity(service, role, fte)`` returns the calibrated capacity in cases per working day, lowered to any cut the
    verification loop added (``cut``: "this pool failed at that load"), or None when the pool was not calibrated."""

    def __init__(self, entries: Iterable[PoolCapacity], cuts: dict[tuple[str, str, float], float] | None = None):
        self.entries: dict[tuple[str, str, float], PoolCapacity] = {(e.service, e.role, e.fte): e for e in entries}
        self.cuts: dict[tuple[str, str, float], float] = dict(cuts or {})

    def capacity(self, service: str, role: str, fte: float) -> float | None:
        """Calibrated capacity of the pool, cases per working day (None if not calibrated)."""
        key = (service, role, round(fte, 6))
        entry = self.entries.get(key)
        if entry is None:
            return None
        return min(entry.capacity_cases_per_day, self.cuts.get(key, math.inf))

    def with_cut(self, service: str, role: str, fte: float, below_cases_per_day: float) -> CapacityTable:
        """A copy in which the pool's capacity is below ``below_cases_per_day`` (the load at which the simulator
        found it failing); the cut only ever lowers a capacity."""
        key = (service, role, round(fte, 6))
        cuts = dict(self.cuts)
        cuts[key] = min(cuts.get(key, math.inf), below_cases_per_day * (1.0 - 1e-6))
        return CapacityTable(self.entries.values(), cuts)

    def key(self) -> str:
        """A stable digest of the table and its cuts (for caches of results that depend on it)."""
        payload = sorted((k, e.capacity_cases_per_day) for k, e in self.entries.items())
        cuts = sorted(self.cuts.items())
        return hashlib.sha256(json.dumps([payload, cuts]).encode()).hexdigest()

    def frame(self) -> pd.DataFrame:
        """The table: one row per pool with capacities in cases per working day and per year, Erlang C's capacity,
        the ratio, any cut and the search effort."""
        rows = []
        for (service, role, fte), entry in sorted(self.entries.items()):
            cut = self.cuts.get((service, role, fte), math.nan)
            capacity = self.capacity(service, role, fte) or 0.0
            rows.append(
                {
                    "service": service,
                    "role": role,
                    "fte": fte,
                    "capacity_cases_per_year": capacity * WORKING_DAYS_PER_YEAR,
                    "analytic_cases_per_year": entry.analytic_cases_per_day * WORKING_DAYS_PER_YEAR,
                    "calibrated_over_analytic": (
                        capacity / entry.analytic_cases_per_day if entry.analytic_cases_per_day > 0 else math.nan
                    ),
                    "failed_at_cases_per_year": entry.failed_cases_per_day * WORKING_DAYS_PER_YEAR,
                    "cut_below_cases_per_year": cut * WORKING_DAYS_PER_YEAR,
                    "probes": entry.probes,
                    "replications": entry.replications,
                    "seconds": entry.seconds,
                    "cached": entry.cached,
                }
            )
        return pd.DataFrame(rows)


# --- the one-pool scenario --------------------------------------------------------------------------------------------


def pool_scenario_data(
    scenario: Scenario, service_name: str, role_name: str, fte: float, settings: CalibrationSettings
) -> dict[str, Any]:
    """The one-pool scenario of the module docstring as plain data, demand not yet set (see ``with_rate``)."""
    service = scenario.service(service_name)
    role = scenario.role(role_name)
    productivity = role.productivity_for(service.skill, scenario.simulation.allow_cross_skilling)
    source = service.model_dump(mode="json")
    delivery: dict[str, Any] = {"shared": {}}
    shared = service.delivery.shared
    if shared is not None and shared.buys_externally and service.delivery.external is not None:
        delivery = {
            "shared": {"buys_externally": True},
            "external": service.delivery.external.model_dump(mode="json"),
        }
    pool_service = {
        "name": source["name"],
        "skill": source["skill"],
        "demand_per_1000_headcount_per_year": 0.0,
        "seasonality": source["seasonality"],
        "steps": source["steps"],
        "priority": source["priority"],
        "kpi": source["kpi"],
        "delivery": delivery,
    }
    pool_role = {
        "name": role.name,
        "band": role.band,
        "salary_gbp_per_year": role.salary_gbp_per_year,
        "on_cost_rate": role.on_cost_rate,
        "fte": fte,
        "skills": [service.skill],
        "productive_hours_per_day": role.productive_hours_per_day * productivity,
        "agency_day_rate_gbp": role.agency_day_rate_gbp,
    }
    people = math.ceil(fte - 1e-9)
    start, warm_up = settled_calendar(scenario, settings.warm_up_months)
    forced = [
        f
        for f in shifted_forced_absences(scenario, settings.warm_up_months, settings.warm_up_months + settings.months)
        if f["role"] == role.name and f["person"] < people
    ]
    sim = scenario.simulation
    return {
        "name": "calibration pool",
        "members": [{"name": POOL_MEMBER, "headcount": POOL_HEADCOUNT, "fte": float(POOL_HEADCOUNT)}],
        "host": {"member": POOL_MEMBER},
        "services": [pool_service],
        "roles": [pool_role],
        "absence": scenario.absence.model_dump(mode="json"),
        "forced_absences": forced,
        "simulation": {
            "start": start,
            "horizon_months": warm_up + settings.months,
            "warm_up_months": warm_up,
            "replications": 1,
            "seed": sim.seed,
            "kpi_review_months": sim.kpi_review_months,
            "kpi_min_cases": sim.kpi_min_cases,
            "kpi_max_window_months": sim.kpi_max_window_months,
            "allow_cross_skilling": False,
        },
    }


def with_rate(data: dict[str, Any], rate_cases_per_day: float) -> Scenario:
    """The pool scenario with a mean demand of ``rate_cases_per_day`` (from ``POOL_HEADCOUNT`` staff)."""
    service = dict(data["services"][0])
    per_1000 = rate_cases_per_day * WORKING_DAYS_PER_YEAR * 1000.0 / POOL_HEADCOUNT
    service["demand_per_1000_headcount_per_year"] = per_1000
    return scenario_from_dict({**data, "services": [service]}, origin="calibration pool")


def pool_key(data: dict[str, Any], settings: CalibrationSettings) -> str:
    """Cache key of a pool: its scenario content (FTE and reliability included) and the calibration settings."""
    payload = json.dumps(
        {"version": CALIBRATION_VERSION, "pool": data, "settings": asdict(settings)}, sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# --- probes and search ------------------------------------------------------------------------------------------------


def probe(data: dict[str, Any], rate: float, settings: CalibrationSettings) -> tuple[bool, int]:
    """Does the pool meet its KPI reliability at ``rate`` cases a working day? (verdict, replications run).

    Sequential: batches of replications until the Wilson interval of the pooled reliability is clearly on one side
    of the target, else the point estimate after ``settings.max_replications``. No scored period (a demand so low
    that no window holds a case) counts as met: nothing was late."""
    scenario = with_rate(data, rate)
    kpi = scenario.services[0].kpi
    rules = ReliabilityRules.of(scenario, start_month=scenario.simulation.warm_up_months)
    met = scored = 0
    done = 0
    while True:
        for replication in range(done, done + settings.batch):
            output = simulate(scenario, CALIBRATION_REPLICATIONS + replication)
            decided, hits = decided_days(counted_cases(output))
            period_scored, period_met = rules.verdicts(decided, hits, kpi.target_fraction)
            scored += int(period_scored.sum())
            met += int(period_met.sum())
        done += settings.batch
        if scored == 0:
            if done >= settings.max_replications:
                return True, done
            continue
        low, high = wilson_interval(met, scored, settings.confidence)
        if low >= kpi.reliability:
            return True, done
        if high < kpi.reliability:
            return False, done
        if done >= settings.max_replications:
            return met / scored >= kpi.reliability, done


def search_capacity(
    passes: Callable[[float], bool], guess: float, floor: float, ceiling: float, precision: float
) -> tuple[float, float, int]:
    """(largest passing rate, smallest failing rate, probes) for a verdict ``passes`` that holds below some threshold.

    ``floor`` is known to pass (0: nothing known), ``ceiling`` is a rate that cannot pass (staff busy all the time).
    From ``guess``, steps of 25% (growing while the verdict holds) in the direction of the verdict until it
    changes, then geometric bisection until the bracket is within ``precision``. With nothing known to pass, the
    search gives up and returns 0 once the next downward probe would fall below a ten-thousandth of the ceiling
    (such a pool can take no demand worth staffing)."""
    low, high = floor, ceiling
    rate = min(max(guess, low * 1.05, ceiling * 1e-4), ceiling * 0.95)
    probes = 1
    step = 1.25  # grows (1.25, 1.9, 2.8, 4.2, ...) while the verdict does not change, so a far guess costs little
    if passes(rate):
        low = rate
        while low * step < high:
            probes += 1
            if not passes(low * step):
                high = low * step
                break
            low *= step
            step *= 1.5
    else:
        high = rate
        while high / step > low:
            if low == 0.0 and high / step < ceiling * 1e-4:
                return 0.0, high, probes
            probes += 1
            if passes(high / step):
                low = high / step
                break
            high /= step
            step *= 1.5
    while low > 0 and high / low - 1.0 > precision:
        middle = math.sqrt(low * high)
        probes += 1
        if passes(middle):
            low = middle
        else:
            high = middle
    return low, high, probes


def calibrate_pool(
    data: dict[str, Any], rate_per_fte: float, analytic: float, floor: float, settings: CalibrationSettings
) -> tuple[float, float, int, int]:
    """(capacity, failed rate, probes, replications) of one pool (see ``search_capacity``)."""
    fte = float(data["roles"][0]["fte"])
    replications = 0

    def passes(rate: float) -> bool:
        nonlocal replications
        verdict, runs = probe(data, rate, settings)
        replications += runs
        return verdict

    ceiling = fte * rate_per_fte
    guess = analytic if analytic > 0 else ceiling * 0.5
    capacity, failed, probes = search_capacity(passes, guess, floor, ceiling, settings.precision)
    return capacity, failed, probes, replications


# --- the table ------------------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where calibrated pools are cached: ``SHAREDHR_CACHE_DIR`` or ``~/.cache/sharedhr``, sub-folder capacity."""
    root = os.environ.get("SHAREDHR_CACHE_DIR") or str(Path.home() / ".cache" / "sharedhr")
    return Path(root) / "capacity"


def _read_cached(folder: Path | None, key: str) -> PoolCapacity | None:
    if folder is None:
        return None
    path = folder / f"{key}.json"
    try:
        data = json.loads(path.read_text())
        return PoolCapacity(**{**data, "cached": True})
    except (OSError, ValueError, TypeError):
        return None


def _write_cached(folder: Path | None, key: str, entry: PoolCapacity) -> None:
    if folder is None:
        return
    try:
        payload = {k: v for k, v in asdict(entry).items() if k != "cached"}
        write_text_atomically(folder / f"{key}.json", json.dumps(payload))
    except OSError:
        pass  # a cache that cannot be written only costs time


@dataclass(frozen=True)
class _Chain:
    """One (service, role) column of the table: calibrate fte = step, 2 step, ... until capacity >= ``need``."""

    service: str
    role: str
    rate_per_fte: float
    budget_days: float
    target_fraction: float
    need_cases_per_day: float
    min_fte: float
    fte_step: float
    measure: str


def _measure(
    scenario: Scenario,
    chain: _Chain,
    fte: float,
    floor: float,
    settings: CalibrationSettings | None,
    folder: Path | None,
) -> PoolCapacity:
    """One pool of the chain: Erlang C's capacity when ``settings`` is None, else calibrated (or read from cache)."""
    analytic = pool_capacity(fte, chain.rate_per_fte, chain.budget_days, chain.target_fraction, chain.measure)
    if settings is None:
        return PoolCapacity(chain.service, chain.role, fte, analytic, math.inf, analytic, 0, 0, 0.0)
    data = pool_scenario_data(scenario, chain.service, chain.role, fte, settings)
    key = pool_key(data, settings)
    entry = _read_cached(folder, key)
    if entry is None:
        started = time.perf_counter()
        capacity, failed, probes, replications = calibrate_pool(data, chain.rate_per_fte, analytic, floor, settings)
        seconds = time.perf_counter() - started
        entry = PoolCapacity(chain.service, chain.role, fte, capacity, failed, analytic, probes, replications, seconds)
        _write_cached(folder, key, entry)
    return entry


def _run_chain(
    scenario: Scenario,
    chain: _Chain,
    settings: CalibrationSettings | None,
    folder: Path | None,
    known: CapacityTable | None = None,
) -> list[PoolCapacity]:
    """fte = step, 2 step, ... until a whole FTE (at least ``chain.min_fte``) covers the chain's demand; pools in
    ``known`` are reused and its cuts respected (a cut pool's capacity is what it could be shown to carry)."""
    entries: list[PoolCapacity] = []
    floor = 0.0  # the raw calibrated capacity so far: every pool is measured the same way, whatever the cuts
    covered = 0.0  # the capacity so far after cuts: the chain goes on until it covers the demand
    k = 1
    while True:
        fte = round(k * chain.fte_step, 6)
        if fte > MAX_POOL_FTE:
            break
        entry = known.entries.get((chain.service, chain.role, fte)) if known is not None else None
        if entry is None:
            entry = _measure(scenario, chain, fte, floor, settings, folder)
        entries.append(entry)
        floor = max(floor, entry.capacity_cases_per_day)
        effective = known.capacity(chain.service, chain.role, fte) if known is not None else None
        covered = max(covered, entry.capacity_cases_per_day if effective is None else effective)
        whole = abs(fte - round(fte)) < 1e-9
        if whole and fte >= chain.min_fte and covered >= chain.need_cases_per_day:
            break
        k += 1
    return entries


def _chain_worker(args: tuple) -> list[PoolCapacity]:
    return _run_chain(*args)


def pool_chains(
    scenario: Scenario, fte_step: float = FTE_STEP, measure: str = "sojourn", seasonal_peak: bool = False
) -> list[_Chain]:
    """The (service, role) columns the catalogue optimiser can use: every service that some member takes at the
    settled month, every undominated role able to do it, up to the whole partnership's demand."""
    from model.optimisation.catalogue_instance import undominated_roles
    from model.optimisation.pooling import unreachable_reason

    demand = expected_annual_demand(scenario)
    chains = []
    for service in scenario.services:
        rows = demand[demand["service"] == service.name]
        if rows.empty or unreachable_reason(scenario, service, measure):
            continue
        peak = max(service.monthly_profile) if seasonal_peak else 1.0
        need = float(rows["cases_per_year"].sum()) * peak / WORKING_DAYS_PER_YEAR
        for role in undominated_roles(scenario):
            rate = service_rate_per_fte(scenario, service, role)
            if rate <= 0:
                continue
            chains.append(
                _Chain(
                    service=service.name,
                    role=role.name,
                    rate_per_fte=rate,
                    budget_days=queueing_budget_days(service),
                    target_fraction=service.kpi.target_fraction,
                    need_cases_per_day=need,
                    min_fte=float(max(1, scenario.min_shared_staff_per_service)),
                    fte_step=fte_step,
                    measure=measure,
                )
            )
    return chains


def calibrate(
    scenario: Scenario,
    *,
    fte_step: float = FTE_STEP,
    measure: str = "sojourn",
    seasonal_peak: bool = False,
    settings: CalibrationSettings | None = None,
    workers: int = 2,
    use_cache: bool = True,
    analytic: bool = False,
    known: CapacityTable | None = None,
) -> CapacityTable:
    """The calibrated capacity table of ``scenario`` (module docstring); pools found in the cache are not re-run.

    ``analytic=True`` fills the same table with Erlang C's capacities (no simulation: the starting point when
    calibration is switched off). ``known`` extends an existing table: its pools are kept, its cuts respected, and
    chains whose top pool was cut are calibrated further up until they cover the demand again."""
    settings = None if analytic else (settings or CalibrationSettings())
    folder = cache_dir() if use_cache and not analytic else None
    chains = pool_chains(scenario, fte_step, measure, seasonal_peak)
    # Longest chains first (most demand per FTE of capacity), so that no worker waits long for the other at the end.
    chains.sort(key=lambda c: -c.need_cases_per_day / c.rate_per_fte)
    tasks = [(scenario, chain, settings, folder, known) for chain in chains]
    if workers <= 1 or len(tasks) <= 1 or analytic:
        results = [_chain_worker(task) for task in tasks]
    else:
        from model.simulation.replications import _pool_context

        with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
            results = list(pool.map(_chain_worker, tasks))
    cuts = known.cuts if known is not None else {}
    return CapacityTable((entry for chain_entries in results for entry in chain_entries), cuts)
