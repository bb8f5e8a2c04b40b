"""Discrete-event simulation of the shared HR service (SimPy). Time unit: WORKING DAYS (261 a year, 21.75 a month).

API (the contract used by ``model.simulation.replications`` and ``model.simulation.kpis``)::

    simulate(scenario, replication=0, *, seed=None) -> SimulationOutput

``seed`` defaults to ``scenario.simulation.seed``; replication r draws only from the named streams
``SeedSequence(seed, spawn_key=(r, key(name)))`` of ``model.simulation.random_streams``, so it is reproducible on any backend and
shares its random numbers with other scenarios run with the same seed (common random numbers).

What is simulated
-----------------
* Cases arrive per member x service (``model.simulation.demand.case_batches``: thinned non-homogeneous Poisson arrivals while
  the member takes the service, plus the initial backlog at day 0) with pre-drawn step durations.
* Each case follows its service's steps in order. A ``work`` step needs a person; a ``wait`` step takes its drawn
  number of working days and no staff. By the member's provision (``scenario.provision_of``):
  ``shared`` -> work done by the host pool; ``in_house`` -> by the member's own pool (``member.in_house_fte``);
  ``external`` -> no HR staff: the case takes the provider's lead time plus the service's wait steps (one delay);
  ``shared`` with ``delivery.shared.buys_externally`` -> the host does the work steps, then the case waits the
  provider's lead time (the provider delivers after the host's referral).
* Staff: in every pool, a role with FTE F gives floor(F) full-time people and one part-time person for the rest. A
  work step of h hours takes h / (productive_hours_per_day x productivity x fraction) working days for that
  person, productivity 1 on the role's own skills or the role's ``cross_skills`` factor when
  ``simulation.allow_cross_skilling``.
* Dispatch: a work step that becomes ready goes to an idle person with the skill (the one idle longest), else to an
  idle cross-skilled person, else it waits in its pool's queue for its skill. A person who becomes free takes the most
  urgent waiting step among their own skills (lowest ``service.priority``, then first-come first-served by the time
  the step became ready), and only if there is none, among their cross skills.
* Absence (``model.simulation.absence``): planned leave, short and long sickness, vacancies after resignations and agency
  backfill, drawn per post up front from the streams ``leave|sickness|turnover|<team>|<role>|<index>``. Sickness
  draws are coupled across sickness rates (``model.simulation.absence``: with the same seed a higher rate never gives a post
  fewer sick days before any day t). ``scenario.forced_absences`` take one HOST post (role, person index: the
  floor(fte) full-timers first, then the part-timer) out over a window of months, as long-term sickness (paid) or a
  vacancy (unpaid), laid over its drawn timeline and backfilled like any other long absence.
  DECISION: when a person goes absent in the middle of a work step, the step is HANDED BACK: the effort not yet done
  (pro rata to elapsed time) returns to the front of the queue (it keeps its original place, its priority and the
  time it first became ready) and the next free person able to do it finishes it at their own speed. Work is
  conserved, no case waits behind a long absence, and the case's ``handoffs`` counts these hand-overs. The time the
  step then waits again counts as queue wait.
* Warm-up: cases arriving before ``warm_up_months`` are simulated but flagged ``warm_up`` (KPIs exclude them); staff
  figures in ``staff`` cover the KPI window [warm-up, horizon) only.

Tables
------
``cases`` (one row per case that arrived, finished or not, in arrival order), columns ``CASE_COLUMNS``:
    case_id (int, arrival order), member, service, mode (shared/in_house/external), origin ("arrival" or "backlog":
    the initial backlog, arriving at day 0), arrival_day (working days), arrival_month (simulation month, 0-based),
    warm_up (arrived before the end of the warm-up), work_hours (pre-drawn effort of all work steps, hours),
    wait_days (pre-drawn wait steps, working days), external_days (pre-drawn external lead time, working days, used
    only for external or bought-in cases), first_start_day (start of the first work step; NaN if none started or the
    case has no staff work), end_day (completion; NaN if still open at the horizon), completed (bool),
    queue_wait_days (time work steps waited for staff, summed over steps; for open cases up to the horizon),
    completion_days (end_day - arrival_day; NaN if open), target_days (the service KPI target), met_target (1.0 met,
    0.0 missed, NaN unknown: open and still within target at the horizon), handoffs (interrupted work steps).
``staff`` (one row per host or in-house post), columns ``STAFF_COLUMNS``, all over the KPI window:
    team ("host" or the member name for its in-house team), role, person (index within team x role), fte (the
    person's fraction), window_days (length of the KPI window), available_days (days someone worked the post: the
    person present or an agency worker), busy_days (days spent on work steps), annual_leave (all planned leave),
    sickness_short, sickness_long, vacancy (days lost by cause), backfill_days (agency days), backfill_cost_gbp
    (backfill_days x agency_day_rate_gbp x fte, pounds), pay_gbp (salary + on-costs for the days the post was filled,
    fte x loaded cost x filled days / 261, pounds).
``backlog``, columns ``BACKLOG_COLUMNS``: open cases (arrived at or before ``day``, not completed by then, warm-up
    cases included) at day 0, every ``kpi_review_months`` and at the horizon, per service and mode (zeros kept).
"""

from __future__ import annotations

import gc
import math
from dataclasses import dataclass
from heapq import heappop, heappush

import numpy as np
import pandas as pd
import simpy

from model.scenario.schema import Mode, Role, Scenario
from model.scenario.units import WORKING_DAYS_PER_MONTH, WORKING_DAYS_PER_YEAR, months_to_days
from model.simulation.absence import CAUSES, Forced, PostTimeline, overlap, post_timeline
from model.simulation.demand import CaseBatch, case_batches
from model.simulation.random_streams import generator, seed_sequence, stream_name

CASE_COLUMNS = [
    "case_id",
    "member",
    "service",
    "mode",
    "origin",
    "arrival_day",
    "arrival_month",
    "warm_up",
    "work_hours",
    "wait_days",
    "external_days",
    "first_start_day",
    "end_day",
    "completed",
    "queue_wait_days",
    "completion_days",
    "target_days",
    "met_target",
    "handoffs",
]
STAFF_COLUMNS = [
    "team",
    "role",
    "person",
    "fte",
    "window_days",
    "available_days",
    "busy_days",
    *CAUSES,
    "backfill_days",
    "backfill_cost_gbp",
    "pay_gbp",
]
BACKLOG_COLUMNS = ["day", "month", "service", "mode", "open_cases"]
HOST_TEAM = "host"


@dataclass
class SimulationOutput:
    """Tables of one replication (columns documented in the module docstring); times in working days."""

    replication: int
    cases: pd.DataFrame
    staff: pd.DataFrame
    backlog: pd.DataFrame
    horizon_days: float
    warm_up_days: float


# --- staff -----------------------------------------------------------------------------------------------------------


def post_fractions(fte: float) -> list[float]:
    """Fractions of the people a role with ``fte`` FTE becomes: floor(fte) ones and the remainder (if any)."""
    whole = math.floor(fte + 1e-9)
    rest = round(fte - whole, 9)
    return [1.0] * whole + ([rest] if rest > 0 else [])


class _Person:
    """One post in a pool. ``speed[skill]``: hours of effort done per working day on that skill."""

    __slots__ = (
        "team",
        "role",
        "index",
        "fraction",
        "speed",
        "own_queues",
        "cross_queues",
        "idle_sets",
        "present",
        "case",
        "event",
        "started",
        "busy",
        "timeline",
    )

    def __init__(self, team: str, role: Role, index: int, fraction: float, timeline: PostTimeline) -> None:
        self.team = team
        self.role = role
        self.index = index
        self.fraction = fraction
        self.speed: dict[str, float] = {}
        self.own_queues: list[list] = []
        self.cross_queues: list[list] = []
        self.idle_sets: list[dict] = []
        self.present = True
        self.case: _Case | None = None
        self.event: simpy.Event | None = None
        self.started = 0.0
        self.busy = 0.0
        self.timeline = timeline


class _Pool:
    """A team of people with one waiting queue (a heap) per skill and idle sets per skill (own and cross)."""

    __slots__ = ("queues", "idle_own", "idle_cross", "people")

    def __init__(self, skills: list[str]) -> None:
        self.queues: dict[str, list] = {skill: [] for skill in skills}
        self.idle_own: dict[str, dict] = {skill: {} for skill in skills}
        self.idle_cross: dict[str, dict] = {skill: {} for skill in skills}
        self.people: list[_Person] = []


class _Case:
    __slots__ = (
        "index",
        "route",
        "values",
        "pos",
        "pool",
        "skill",
        "priority",
        "remaining",
        "ready",
        "key",
        "qwait",
        "first_start",
        "end",
        "handoffs",
    )

    def __init__(self, index: int, route: tuple, values: list, pool: _Pool | None, skill: str, priority: int) -> None:
        self.index = index
        self.route = route
        self.values = values
        self.pos = 0
        self.pool = pool
        self.skill = skill
        self.priority = priority
        self.remaining = 0.0
        self.ready = 0.0
        self.key = 0.0
        self.qwait = 0.0
        self.first_start = math.nan
        self.end = math.nan
        self.handoffs = 0


# --- the simulator ---------------------------------------------------------------------------------------------------


class _Simulator:
    """Event logic with plain callbacks on SimPy timeouts (no process per case: fewer events, no generator resumes).

    Events: one timeout per arrival, per work step (start to completion) and per wait step, and one per absence
    start or end. A completion whose person was interrupted is recognised as stale and ignored.
    """

    def __init__(self, env: simpy.Environment, warm_up: float) -> None:
        self.env = env
        self.warm_up = warm_up
        self.seq = 0
        self.cases: list[_Case] = []
        self.arrival_days: list[float] = []
        self.next_arrival = 0
        # pre-bound callbacks
        self.on_arrival = self._on_arrival
        self.on_wait_done = self._on_wait_done
        self.on_work_done = self._on_work_done
        self.on_absence = self._on_absence

    # arrivals
    def start_arrivals(self) -> None:
        if self.arrival_days:
            self.env.timeout(self.arrival_days[0]).callbacks.append(self.on_arrival)

    def _on_arrival(self, event: simpy.Event) -> None:
        env = self.env
        i = self.next_arrival
        days = self.arrival_days
        n = len(days)
        now = env._now
        # all cases arriving at this same instant (e.g. the initial backlog)
        while True:
            self._advance(self.cases[i])
            i += 1
            if i >= n or days[i] > now:
                break
        self.next_arrival = i
        if i < n:
            env.timeout(days[i] - now).callbacks.append(self.on_arrival)

    # steps
    def _advance(self, case: _Case) -> None:
        """Start step ``case.pos`` (or complete the case)."""
        pos = case.pos
        if pos == len(case.route):
            case.end = self.env._now
            return
        if case.route[pos]:
            now = self.env._now
            case.remaining = case.values[pos]
            case.ready = now
            case.key = now
            self._dispatch(case)
        else:
            self.env.timeout(case.values[pos], case).callbacks.append(self.on_wait_done)

    def _on_wait_done(self, event: simpy.Event) -> None:
        case = event._value
        case.pos += 1
        self._advance(case)

    def _dispatch(self, case: _Case) -> None:
        pool = case.pool
        idle = pool.idle_own[case.skill]
        if idle:
            self._start(next(iter(idle)), case)
            return
        idle = pool.idle_cross[case.skill]
        if idle:
            self._start(next(iter(idle)), case)
            return
        self.seq += 1
        heappush(pool.queues[case.skill], (case.priority, case.key, self.seq, case))

    def _start(self, person: _Person, case: _Case) -> None:
        """An idle person starts a work step."""
        for idle in person.idle_sets:
            del idle[person]
        self._begin(person, case)

    def _begin(self, person: _Person, case: _Case) -> None:
        """``person`` (present, not idle-listed) starts the work left on ``case``'s current step."""
        now = self.env._now
        case.qwait += now - case.ready
        if case.first_start != case.first_start:  # NaN: the case's first work step
            case.first_start = now
        event = self.env.timeout(case.remaining / person.speed[case.skill], person)
        event.callbacks.append(self.on_work_done)
        person.case = case
        person.event = event
        person.started = now

    def _on_work_done(self, event: simpy.Event) -> None:
        person = event._value
        if person.event is not event:
            return  # the step was handed back when the person went absent
        case = person.case
        now = self.env._now
        started = person.started
        person.busy += now - (started if started > self.warm_up else min(self.warm_up, now))
        person.case = None
        person.event = None
        case.pos += 1
        self._advance(case)
        self._take_next(person)

    def _take_next(self, person: _Person) -> None:
        """A present, free person takes the most urgent step it can do (own skills first), else becomes idle."""
        best = None
        for queue in person.own_queues:
            if queue and (best is None or queue[0] < best[0]):
                best = queue
        if best is None:
            for queue in person.cross_queues:
                if queue and (best is None or queue[0] < best[0]):
                    best = queue
        if best is None:
            for idle in person.idle_sets:
                idle[person] = None
            return
        case = heappop(best)[3]
        self._begin(person, case)

    # absence
    def schedule_absence(self, person: _Person, transitions: list[tuple[float, bool]]) -> None:
        """Schedule the chain of presence changes (time, present) of ``person``; the first applies at its time."""
        if transitions:
            self.env.timeout(transitions[0][0], (person, transitions, 0)).callbacks.append(self.on_absence)

    def _on_absence(self, event: simpy.Event) -> None:
        person, transitions, k = event._value
        present = transitions[k][1]
        if present:
            person.present = True
            self._take_next(person)
        else:
            person.present = False
            case = person.case
            if case is not None:
                now = self.env._now
                started = person.started
                done = (now - started) * person.speed[case.skill]
                person.busy += now - (started if started > self.warm_up else min(self.warm_up, now))
                person.case = None
                person.event = None
                case.remaining = max(case.remaining - done, 0.0)
                case.ready = now
                case.handoffs += 1
                self._dispatch(case)
            else:
                for idle in person.idle_sets:
                    idle.pop(person, None)
        if k + 1 < len(transitions):
            delay = max(0.0, transitions[k + 1][0] - self.env._now)
            self.env.timeout(delay, (person, transitions, k + 1)).callbacks.append(self.on_absence)


# --- building a replication ------------------------------------------------------------------------------------------


def _presence_transitions(away: list[tuple[float, float]], horizon: float) -> tuple[bool, list[tuple[float, bool]]]:
    """(present at time 0, [(time, present)]) from sorted away intervals; slivers and gaps under 1e-9 days (float
    round-off of the interval arithmetic) are dropped or closed."""
    cleaned: list[tuple[float, float]] = []
    for start, end in away:
        if cleaned and start - cleaned[-1][1] < 1e-9:
            cleaned[-1] = (cleaned[-1][0], max(end, cleaned[-1][1]))
        else:
            cleaned.append((start, end))
    initially = True
    changes: list[tuple[float, bool]] = []
    for start, end in cleaned:
        if end - start < 1e-9:
            continue
        if start <= 0.0:
            initially = False
        else:
            changes.append((start, False))
        if end < horizon:
            changes.append((end, True))
    return initially, changes


def forced_windows(scenario: Scenario) -> dict[tuple[str, int], list[Forced]]:
    """Forced absences of host posts by (role, person index): [(start day, end day, kind)], working days."""
    windows: dict[tuple[str, int], list[Forced]] = {}
    for item in scenario.forced_absences:
        start = months_to_days(item.start_month)
        windows.setdefault((item.role, item.person), []).append((start, start + months_to_days(item.months), item.kind))
    return windows


def _build_pool(
    scenario: Scenario,
    team: str,
    fte_by_role: dict[str, float],
    skills: list[str],
    horizon: float,
    seed: int,
    replication: int,
) -> _Pool:
    pool = _Pool(skills)
    allow_cross = scenario.simulation.allow_cross_skilling
    absence = scenario.absence
    start_month = scenario.simulation.start_calendar_month
    forced = forced_windows(scenario) if team == HOST_TEAM else {}
    for role in scenario.roles:
        fte = fte_by_role.get(role.name, 0.0)
        for index, fraction in enumerate(post_fractions(fte)):
            timeline = post_timeline(
                absence,
                horizon,
                start_month,
                generator(seed, replication, "leave", team, role.name, index),
                seed_sequence(seed, replication, stream_name("sickness", team, role.name, index)),
                generator(seed, replication, "turnover", team, role.name, index),
                forced.get((role.name, index), ()),
            )
            person = _Person(team, role, index, fraction, timeline)
            for skill in skills:
                productivity = role.productivity_for(skill, allow_cross)
                if productivity <= 0.0:
                    continue
                person.speed[skill] = role.productive_hours_per_day * productivity * fraction
                if skill in role.skills:
                    person.own_queues.append(pool.queues[skill])
                    person.idle_sets.append(pool.idle_own[skill])
                else:
                    person.cross_queues.append(pool.queues[skill])
                    person.idle_sets.append(pool.idle_cross[skill])
            pool.people.append(person)
    return pool


def _route(scenario: Scenario, service_name: str, mode: Mode) -> tuple[tuple[bool, ...], str]:
    """Step kinds of a case (True = work) and how its values are built: 'steps', 'external', 'steps+external'."""
    service = scenario.service(service_name)
    kinds = tuple(step.kind == "work" for step in service.steps)
    if mode is Mode.EXTERNAL:
        return (False,), "external"
    shared = service.delivery.shared
    if mode is Mode.SHARED and shared is not None and shared.buys_externally and service.delivery.external is not None:
        return (*kinds, False), "steps+external"
    return kinds, "steps"


def _case_values(batch: CaseBatch, service_steps: list[bool], how: str) -> list[list[float]]:
    values = batch.step_values
    if how == "external":
        waits = values[:, [not work for work in service_steps]].sum(axis=1)
        return (batch.external_days + waits)[:, None].tolist()
    if how == "steps+external":
        return np.column_stack([values, batch.external_days]).tolist()
    return values.tolist()


def simulate(scenario: Scenario, replication: int = 0, *, seed: int | None = None) -> SimulationOutput:
    """Simulate one replication of ``scenario`` over ``horizon_months`` (time in working days; see module docstring).

    ``seed`` defaults to ``scenario.simulation.seed``. Deterministic: the same (scenario, replication, seed) gives
    identical tables. Python's cyclic garbage collector is paused during the run (it is restored afterwards): the run
    creates many short-lived objects and the collector's passes over the whole heap cost about a quarter of the time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _simulate(scenario, replication, seed)
    finally:
        if enabled:
            gc.enable()


def _simulate(scenario: Scenario, replication: int, seed: int | None) -> SimulationOutput:
    sim_settings = scenario.simulation
    seed = sim_settings.seed if seed is None else seed
    horizon = months_to_days(sim_settings.horizon_months)
    warm_up = months_to_days(sim_settings.warm_up_months)
    env = simpy.Environment()
    sim = _Simulator(env, warm_up)

    # pools ---------------------------------------------------------------------------------------------------------
    skills = sorted({service.skill for service in scenario.services})
    host_fte = {role.name: role.fte for role in scenario.roles}
    pools: dict[str, _Pool] = {
        HOST_TEAM: _build_pool(scenario, HOST_TEAM, host_fte, skills, horizon, seed, replication)
    }
    for member in scenario.members:
        if any(scenario.provision_of(member, s) is Mode.IN_HOUSE for s in scenario.subscribed(member)):
            pools[member.name] = _build_pool(
                scenario, member.name, dict(member.in_house_fte), skills, horizon, seed, replication
            )

    # cases ---------------------------------------------------------------------------------------------------------
    batches = case_batches(scenario, replication, seed, horizon)
    columns: dict[str, list] = {name: [] for name in ("member", "service", "mode", "origin")}
    arrival_parts, work_parts, wait_parts, external_parts, routes, values = [], [], [], [], [], []
    pool_of, skill_of, priority_of, target_of = [], [], [], []
    for batch in batches:
        member = scenario.member(batch.member)
        service = scenario.service(batch.service)
        mode = scenario.provision_of(member, batch.service)
        service_steps = [step.kind == "work" for step in service.steps]
        route, how = _route(scenario, batch.service, mode)
        n = len(batch)
        pool = None
        if mode is Mode.SHARED:
            pool = pools[HOST_TEAM]
        elif mode is Mode.IN_HOUSE:
            pool = pools[member.name]
        for name, value in (("member", batch.member), ("service", batch.service), ("mode", mode.value)):
            columns[name].extend([value] * n)
        columns["origin"].extend([batch.origin] * n)
        arrival_parts.append(batch.arrival_day)
        work_mask = np.array(service_steps)
        work_parts.append(batch.step_values[:, work_mask].sum(axis=1))
        wait_parts.append(batch.step_values[:, ~work_mask].sum(axis=1))
        external_parts.append(batch.external_days)
        routes.extend([route] * n)
        values.extend(_case_values(batch, service_steps, how))
        pool_of.extend([pool] * n)
        skill_of.extend([service.skill] * n)
        priority_of.extend([service.priority] * n)
        target_of.extend([service.kpi.target_days] * n)

    arrival = np.concatenate(arrival_parts) if arrival_parts else np.empty(0)
    order = np.argsort(arrival, kind="stable")
    order_list = order.tolist()
    sim.arrival_days = arrival[order].tolist()
    sim.cases = [
        _Case(k, routes[i], values[i], pool_of[i], skill_of[i], priority_of[i]) for k, i in enumerate(order_list)
    ]

    # absence events, then arrivals (at equal times absence changes are applied first) -------------------------------
    for pool in pools.values():
        for person in pool.people:
            person.present, changes = _presence_transitions(person.timeline.away, horizon)
            if person.present:
                for idle in person.idle_sets:
                    idle[person] = None
            sim.schedule_absence(person, changes)
    sim.start_arrivals()
    env.run(until=horizon)

    # work in progress and queued at the horizon
    for pool in pools.values():
        for person in pool.people:
            if person.case is not None:
                person.busy += horizon - max(person.started, warm_up)
        for queue in pool.queues.values():
            for item in queue:
                item[3].qwait += horizon - item[3].ready

    cases = _case_table(sim, columns, order, arrival, work_parts, wait_parts, external_parts, target_of, warm_up)
    _set_met_target(cases, horizon)
    staff = _staff_table(scenario, pools, warm_up, horizon)
    backlog = _backlog_table(scenario, cases, horizon)
    return SimulationOutput(
        replication=replication,
        cases=cases,
        staff=staff,
        backlog=backlog,
        horizon_days=horizon,
        warm_up_days=warm_up,
    )


# --- output tables ---------------------------------------------------------------------------------------------------


def _case_table(
    sim: _Simulator,
    columns: dict[str, list],
    order: np.ndarray,
    arrival: np.ndarray,
    work_parts: list[np.ndarray],
    wait_parts: list[np.ndarray],
    external_parts: list[np.ndarray],
    target_of: list[float],
    warm_up: float,
) -> pd.DataFrame:
    def cat(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts)[order] if parts else np.empty(0)

    n = len(order)
    arrival_day = arrival[order]
    end = np.array([case.end for case in sim.cases], dtype=float)
    first_start = np.array([case.first_start for case in sim.cases], dtype=float)
    qwait = np.array([case.qwait for case in sim.cases], dtype=float)
    handoffs = np.array([case.handoffs for case in sim.cases], dtype=np.int64)
    target = np.asarray(target_of, dtype=float)[order] if n else np.empty(0)
    completion = end - arrival_day
    completed = ~np.isnan(end)
    table = pd.DataFrame(
        {
            "case_id": np.arange(n, dtype=np.int64),
            "member": np.asarray(columns["member"], dtype=object)[order] if n else [],
            "service": np.asarray(columns["service"], dtype=object)[order] if n else [],
            "mode": np.asarray(columns["mode"], dtype=object)[order] if n else [],
            "origin": np.asarray(columns["origin"], dtype=object)[order] if n else [],
            "arrival_day": arrival_day,
            "arrival_month": np.floor(arrival_day / WORKING_DAYS_PER_MONTH).astype(np.int64),
            "warm_up": arrival_day < warm_up,
            "work_hours": cat(work_parts),
            "wait_days": cat(wait_parts),
            "external_days": cat(external_parts),
            "first_start_day": first_start,
            "end_day": end,
            "completed": completed,
            "queue_wait_days": qwait,
            "completion_days": completion,
            "target_days": target,
            "met_target": np.nan,
            "handoffs": handoffs,
        },
        columns=CASE_COLUMNS,
    )
    return table


def _set_met_target(cases: pd.DataFrame, horizon: float) -> None:
    """``met_target``: 1 completed within target, 0 completed late or open beyond target at the horizon, NaN else."""
    completion = cases["completion_days"].to_numpy()
    target = cases["target_days"].to_numpy()
    met = np.where(completion <= target, 1.0, 0.0)
    overdue = horizon - cases["arrival_day"].to_numpy() > target
    cases["met_target"] = np.where(cases["completed"].to_numpy(), met, np.where(overdue, 0.0, np.nan))


def _staff_table(scenario: Scenario, pools: dict[str, _Pool], warm_up: float, horizon: float) -> pd.DataFrame:
    rows = []
    window = horizon - warm_up
    for pool in pools.values():
        for person in pool.people:
            timeline = person.timeline
            role = person.role
            lost = {cause: timeline.days(cause, warm_up, horizon) for cause in CAUSES}
            backfill = overlap(timeline.backfill, warm_up, horizon)
            available = window - overlap(timeline.away, warm_up, horizon)
            filled = window - lost["vacancy"]
            rows.append(
                {
                    "team": person.team,
                    "role": role.name,
                    "person": person.index,
                    "fte": person.fraction,
                    "window_days": window,
                    "available_days": available,
                    "busy_days": person.busy,
                    **lost,
                    "backfill_days": backfill,
                    "backfill_cost_gbp": backfill * role.agency_day_rate_gbp * person.fraction,
                    "pay_gbp": person.fraction * role.loaded_cost_gbp_per_year * filled / WORKING_DAYS_PER_YEAR,
                }
            )
    return pd.DataFrame(rows, columns=STAFF_COLUMNS)


def review_points(scenario: Scenario) -> list[tuple[float, int]]:
    """(day, month) of the KPI review points: month 0, every ``kpi_review_months``, and the horizon."""
    sim = scenario.simulation
    months = list(range(0, sim.horizon_months, sim.kpi_review_months)) + [sim.horizon_months]
    return [(months_to_days(m), m) for m in months]


def _backlog_table(scenario: Scenario, cases: pd.DataFrame, horizon: float) -> pd.DataFrame:
    pairs: list[tuple[str, str]] = []
    for service in scenario.service_names:
        for member in scenario.members:
            if service in scenario.subscribed(member):
                pair = (service, scenario.provision_of(member, service).value)
                if pair not in pairs:
                    pairs.append(pair)
    points = review_points(scenario)
    arrival = cases["arrival_day"].to_numpy()
    end = cases["end_day"].to_numpy()
    end = np.where(np.isnan(end), np.inf, end)
    service = cases["service"].to_numpy()
    mode = cases["mode"].to_numpy()
    rows = []
    for name, how in pairs:
        mask = (service == name) & (mode == how)
        a, e = arrival[mask], end[mask]
        for day, month in points:
            open_cases = int(np.count_nonzero((a <= day) & (e > day))) if day < horizon else int(np.isinf(e).sum())
            rows.append({"day": day, "month": month, "service": name, "mode": how, "open_cases": open_cases})
    return pd.DataFrame(rows, columns=BACKLOG_COLUMNS)
