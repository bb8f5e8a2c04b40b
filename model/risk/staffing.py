"""Staffing sizing: the smallest host staff per role that meets every KPI with a given probability, found from an
Erlang-C start and confirmed with the simulator; and the staff each member would need on its own.

Definitions
-----------
* A service's KPI is MET in one replication when its SLA attainment over the KPI window (``model.simulation.kpis``:
  ``sla_target_met``, cases arriving in the window, known outcomes) is at least ``kpi.target_fraction``.
* A staffing MEETS EACH KPI WITH PROBABILITY p when, for every service with cases in the window, the share of
  replications in which the KPI is met is at least p. The share is a binomial proportion; its Wilson interval says
  whether the answer is statistically clear (the interval lies wholly above or below p).
* The KPI window for sizing is the LAST ``kpi_window_months`` (12) of the horizon: the warm-up is raised to the
  horizon minus 12 months, so the team is sized for the membership at the end of the horizon (the steady-state
  month the optimiser and the analytic start use) while the whole horizon, inherited backlog included, is simulated.

Analytic start (per role pool)
------------------------------
Each shared service is given to ONE role: the cheapest role per productive hour that has the service's skill as an
own skill (cross-skilled roles only if no role owns the skill). A role's services form one pool: arrivals
lambda = sum of the services' cases per working day (``model.simulation.demand.expected_annual_demand`` at the steady-state
month, shared provision), mean work per case the lambda-weighted mean, and one FTE completes
mu = productive hours x availability / mean work hours cases a day (``model.optimisation.pooling``: availability = share of
working days at work after planned leave and sickness). The pool's FTE is the smallest multiple of ``fte_step`` whose
M/M/c capacity ``pooling.pool_capacity`` (Erlang C, sojourn measure: queue + work within target days minus the mean
wait steps) covers lambda for EVERY service of the pool; the square-root staffing rule ceil(a + beta sqrt(a)),
a = lambda / mu, is reported beside it. Roles that get no service (e.g. a head of service) are not sized: they keep
their FTE and their case work still counts in the simulation.

Simulator confirmation
----------------------
From the analytic FTEs the search runs the simulator on the SAME replications for every candidate (common random
numbers), each candidate sequentially: ``initial`` replications, then ``batch`` more until every service's Wilson
interval is clear of p, a service clearly fails, or ``max_replications`` is reached (then the point estimate
decides and the result says the answer was not statistically clear). Phase up: while some service misses p, add
``fte_step`` to the role serving it. Phase down: for each sized role, most expensive first, take ``fte_step`` off
while every KPI still meets p. The result lists the verdict and interval for each service at the final staffing.

In-house comparison
-------------------
For each member ON ITS OWN the same analytic sizing on its own demand gives the FTE it would need per role; people =
whole persons per role (ceil). Only analytic (no simulation): the point is the economies of scale in people.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from model.optimisation import pooling, queueing
from model.risk.whatif import run_measures
from model.scenario.errors import UserError
from model.scenario.schema import Mode, Role, Scenario, apply_overrides
from model.scenario.units import WORKING_DAYS_PER_YEAR
from model.simulation.demand import expected_annual_demand
from model.simulation.statistics import wilson_interval

POOL_COLUMNS = [
    "role",
    "services",
    "cases_per_year",
    "work_hours_per_case",
    "cases_per_day_per_fte",
    "offered_load_fte",
    "sqrt_staffing_people",
    "erlang_fte",
    "binding_service",
]


def _cost_per_hour(role: Role) -> float:
    return role.loaded_cost_gbp_per_year / role.productive_hours_per_day


def assign_services(scenario: Scenario, services: Sequence[str] | None = None) -> dict[str, str]:
    """Service -> the role that serves it in the sizing: the cheapest role per productive hour with the skill as an
    own skill, else the cheapest per effective hour among cross-skilled roles. Services nobody can do are left out."""
    allow = scenario.simulation.allow_cross_skilling
    names = list(services) if services is not None else scenario.service_names
    out: dict[str, str] = {}
    for name in names:
        service = scenario.service(name)
        own = [r for r in scenario.roles if service.skill in r.skills]
        if own:
            out[name] = min(own, key=_cost_per_hour).name
            continue
        cross = [r for r in scenario.roles if r.productivity_for(service.skill, allow) > 0]
        if cross:
            out[name] = min(cross, key=lambda r: _cost_per_hour(r) / r.productivity_for(service.skill, allow)).name
    return out


def shared_demand(
    scenario: Scenario, members: Sequence[str] | None = None, all_modes: bool = False
) -> dict[str, float]:
    """Cases per working day per service at the steady-state month from ``members`` (all by default), counting
    shared provision only (``all_modes``: every mode, as if the members' own team did all of it)."""
    demand = expected_annual_demand(scenario)
    if members is not None:
        demand = demand[demand["member"].isin(list(members))]
    if not all_modes:
        demand = demand[demand["mode"] == Mode.SHARED.value]
    per_year = demand.groupby("service", sort=False)["cases_per_year"].sum()
    return {str(s): float(v) / WORKING_DAYS_PER_YEAR for s, v in per_year.items() if v > 0}


def analytic_staffing(
    scenario: Scenario,
    members: Sequence[str] | None = None,
    fte_step: float = pooling.FTE_STEP,
    measure: str = "sojourn",
    quality: float = 1.0,
    all_modes: bool = False,
) -> pd.DataFrame:
    """One row per role pool (``POOL_COLUMNS``): its services, load, the Erlang-C FTE meeting every service's KPI
    in the long run and the square-root staffing estimate (``quality`` = beta). See the module docstring."""
    lam = shared_demand(scenario, members, all_modes)
    owner = assign_services(scenario, list(lam))
    availability = pooling.availability(scenario)
    allow = scenario.simulation.allow_cross_skilling
    rows = []
    for role in scenario.roles:
        services = [s for s in lam if owner.get(s) == role.name]
        if not services:
            continue
        total = sum(lam[s] for s in services)
        hours = {s: scenario.service(s).work_hours_mean for s in services}
        productivity = {s: role.productivity_for(scenario.service(s).skill, allow) for s in services}
        effective_hours = sum(lam[s] * hours[s] / productivity[s] for s in services) / total
        rate = role.productive_hours_per_day * availability / effective_hours
        unreachable = [s for s in services if pooling.unreachable_reason(scenario, scenario.service(s), measure)]
        checked = [s for s in services if s not in unreachable]
        fte, binding = _smallest_fte(scenario, checked, total, rate, fte_step, measure)
        load = total / rate
        rows.append(
            {
                "role": role.name,
                "services": ", ".join(services),
                "cases_per_year": total * WORKING_DAYS_PER_YEAR,
                "work_hours_per_case": sum(lam[s] * hours[s] for s in services) / total,
                "cases_per_day_per_fte": rate,
                "offered_load_fte": load,
                "sqrt_staffing_people": queueing.square_root_staffing(load, quality),
                "erlang_fte": fte,
                "binding_service": binding + (f" (unreachable: {', '.join(unreachable)})" if unreachable else ""),
            }
        )
    return pd.DataFrame(rows, columns=POOL_COLUMNS)


def _smallest_fte(
    scenario: Scenario, services: list[str], arrivals: float, rate: float, step: float, measure: str
) -> tuple[float, str]:
    """Smallest k x step FTE whose M/M/c capacity covers ``arrivals`` for every service's KPI; the service that
    needed the most FTE is returned as the binding one."""
    if not services:
        return max(step, math.ceil(arrivals / rate / step) * step), ""
    best_fte, binding = 0.0, ""
    for name in services:
        service = scenario.service(name)
        budget = pooling.queueing_budget_days(service)
        k = max(1, math.ceil(arrivals / rate / step))
        while k * step <= pooling.MAX_POOL_FTE:
            if pooling.pool_capacity(k * step, rate, budget, service.kpi.target_fraction, measure) >= arrivals:
                break
            k += 1
        if k * step > best_fte:
            best_fte, binding = k * step, name
    return best_fte, binding


def sizing_scenario(scenario: Scenario, kpi_window_months: int | None = 12) -> Scenario:
    """``scenario`` with the KPI window cut to its last ``kpi_window_months`` months (None: unchanged)."""
    if kpi_window_months is None:
        return scenario
    sim = scenario.simulation
    if kpi_window_months <= 0:
        raise UserError(f"KPI window must be at least one month, got {kpi_window_months}")
    warm = max(sim.warm_up_months, sim.horizon_months - kpi_window_months)
    return apply_overrides(scenario, [f"simulation.warm_up_months={warm}"]) if warm != sim.warm_up_months else scenario


def with_staffing(scenario: Scenario, fte: dict[str, float]) -> Scenario:
    """``scenario`` with host role FTEs replaced by ``fte`` (role -> FTE)."""
    return apply_overrides(scenario, [f"roles.{role}.fte={value:.9g}" for role, value in fte.items()])


@dataclass
class Evaluation:
    """One staffing candidate checked by simulation: per service, replications, KPI met count, estimate, Wilson
    interval and verdict ('meets' / 'fails', ``clear`` if the interval excludes the target probability)."""

    fte: dict[str, float]
    replications: int
    services: pd.DataFrame
    meets: bool
    clear: bool


def evaluate_staffing(
    scenario: Scenario,
    fte: dict[str, float],
    probability: float,
    *,
    initial: int = 10,
    batch: int = 10,
    max_replications: int = 60,
    confidence: float = 0.95,
    seed: int | None = None,
    first: int = 0,
    workers: int = 1,
) -> Evaluation:
    """Simulate ``scenario`` with host FTEs ``fte`` on replications ``first, first + 1, ...`` until the answer to
    "does every KPI meet ``probability``?" is statistically clear (Wilson intervals at ``confidence``) or
    ``max_replications`` is reached; see the module docstring."""
    candidate = with_staffing(scenario, fte)
    frames = []
    done = 0
    target = initial
    while True:
        frames.append(run_measures(candidate, target - done, first=first + done, seed=seed, workers=workers))
        done = target
        measures = pd.concat(frames, ignore_index=True)
        table = _service_verdicts(measures, probability, confidence)
        failing = table[(table["verdict"] == "fails") & table["clear"]]
        if table["clear"].all() or len(failing) or done >= max_replications:
            break
        target = min(max_replications, done + batch)
    meets = bool((table["verdict"] == "meets").all())
    # "meets" is clear when every service is clearly above p; "fails" when at least one failing service is clearly below.
    clear = bool(table["clear"].all()) if meets else bool(table.loc[table["verdict"] == "fails", "clear"].any())
    return Evaluation(fte=dict(fte), replications=done, services=table, meets=meets, clear=clear)


def _service_verdicts(measures: pd.DataFrame, probability: float, confidence: float) -> pd.DataFrame:
    met = measures[(measures["measure"] == "kpi_met") & measures["value"].notna()]
    rows = []
    for service, values in met.groupby("service", sort=False)["value"]:
        n = len(values)
        hits = float(values.sum())
        low, high = wilson_interval(hits, n, confidence)
        estimate = hits / n
        verdict = "meets" if estimate >= probability else "fails"
        clear = low >= probability if verdict == "meets" else high < probability
        rows.append(
            {
                "service": service,
                "replications": n,
                "kpi_met": int(hits),
                "p_met": estimate,
                "p_low": low,
                "p_high": high,
                "verdict": verdict,
                "clear": bool(clear),
            }
        )
    return pd.DataFrame(
        rows, columns=["service", "replications", "kpi_met", "p_met", "p_low", "p_high", "verdict", "clear"]
    )


@dataclass
class StaffingResult:
    """Outcome of :func:`size_staffing` (FTE; pounds per year).

    ``roles``: per role: today's FTE, the analytic (Erlang C) FTE, the square-root estimate, the simulated FTE,
    people (whole persons) and loaded cost. ``services``: the final verdict per service. ``history``: every
    candidate tried. ``standalone``: the in-house comparison (:func:`standalone_staffing`). ``notes``: caveats,
    including any answer that was not statistically clear.
    """

    scenario_name: str
    probability: float
    roles: pd.DataFrame
    services: pd.DataFrame
    history: pd.DataFrame
    standalone: pd.DataFrame
    final: Evaluation
    notes: list[str] = field(default_factory=list)

    @property
    def fte(self) -> dict[str, float]:
        """The sized FTE of every host role (unsized roles at today's FTE)."""
        return dict(zip(self.roles["role"], self.roles["simulated_fte"], strict=True))


def size_staffing(
    scenario: Scenario,
    probability: float = 0.9,
    *,
    fte_step: float = pooling.FTE_STEP,
    kpi_window_months: int | None = 12,
    initial: int = 10,
    batch: int = 10,
    max_replications: int = 60,
    max_evaluations: int = 40,
    confidence: float = 0.95,
    seed: int | None = None,
    first: int = 0,
    workers: int = 1,
    progress: Callable[[str], object] | None = None,
) -> StaffingResult:
    """Smallest host FTE per role meeting every KPI with ``probability`` (module docstring): analytic start, then
    simulation up and down in ``fte_step`` steps on common random numbers. ``max_evaluations`` caps the candidates
    simulated (the result says so if it is hit)."""
    if not 0 < probability < 1:
        raise UserError(f"KPI probability must be between 0 and 1 (e.g. 0.9), got {probability}")
    say = progress or (lambda _text: None)
    sized = sizing_scenario(scenario, kpi_window_months)
    pools = analytic_staffing(sized, fte_step=fte_step)
    if pools.empty:
        raise UserError("no shared service with demand at the steady-state month: nothing to size")
    owner = assign_services(sized)
    fte = {row.role: float(row.erlang_fte) for row in pools.itertuples()}
    options = dict(
        initial=initial,
        batch=batch,
        max_replications=max_replications,
        confidence=confidence,
        seed=seed,
        first=first,
        workers=workers,
    )
    history: list[dict[str, Any]] = []
    cache: dict[tuple, Evaluation] = {}
    notes: list[str] = []

    def check(candidate: dict[str, float]) -> Evaluation | None:
        key = tuple(sorted(candidate.items()))
        if key in cache:
            return cache[key]
        if len(cache) >= max_evaluations:
            return None
        result = evaluate_staffing(sized, candidate, probability, **options)
        cache[key] = result
        worst = result.services.sort_values("p_met").head(1)
        history.append(
            {
                **{f"fte_{r}": v for r, v in candidate.items()},
                "replications": result.replications,
                "meets": result.meets,
                "clear": result.clear,
                "worst_service": worst["service"].iloc[0] if len(worst) else "",
                "worst_p_met": float(worst["p_met"].iloc[0]) if len(worst) else math.nan,
            }
        )
        say(
            ", ".join(f"{r} {v:g}" for r, v in candidate.items())
            + f": {'meets' if result.meets else 'fails'} ({result.replications} replications)"
        )
        return result

    current = check(fte)
    assert current is not None
    while current is not None and not current.meets:
        failing = current.services[current.services["verdict"] == "fails"]["service"]
        raise_roles = {owner[s] for s in failing if owner.get(s) in fte}
        if not raise_roles:
            notes.append("some KPIs fail and no sized role serves them: " + ", ".join(failing))
            break
        candidate = {r: v + (fte_step if r in raise_roles else 0.0) for r, v in fte.items()}
        result = check(candidate)
        if result is None:
            break
        fte, current = candidate, result
    if current is None or not current.meets:
        notes.append(f"stopped at the cap of {max_evaluations} candidates before every KPI met {probability:.0%}")
    else:
        costs = {role.name: role.loaded_cost_gbp_per_year for role in sized.roles}
        for role in sorted(fte, key=lambda r: -costs[r]):
            while fte[role] - fte_step >= fte_step - 1e-9:
                candidate = {**fte, role: fte[role] - fte_step}
                result = check(candidate)
                if result is None or not result.meets:
                    break
                fte, current = candidate, result
        if len(cache) >= max_evaluations:
            notes.append(
                f"the downward search hit the cap of {max_evaluations} candidates: the staffing may not be minimal"
            )
    final = cache[tuple(sorted(fte.items()))]
    if not final.clear:
        notes.append(
            f"not statistically clear after {final.replications} replications: a service's interval for P(KPI met) "
            f"still contains {probability:.0%} (raise --max-replications)"
        )
    roles = _role_table(sized, pools, fte)
    return StaffingResult(
        scenario_name=scenario.name,
        probability=probability,
        roles=roles,
        services=final.services,
        history=pd.DataFrame(history),
        standalone=standalone_staffing(sized, fte_step=fte_step, pooled=roles),
        final=final,
        notes=notes,
    )


def _role_table(scenario: Scenario, pools: pd.DataFrame, fte: dict[str, float]) -> pd.DataFrame:
    by_role = pools.set_index("role")
    rows = []
    for role in scenario.roles:
        sized = role.name in fte
        value = fte.get(role.name, role.fte)
        rows.append(
            {
                "role": role.name,
                "services": by_role.loc[role.name, "services"] if sized else "(not sized: keeps today's FTE)",
                "today_fte": role.fte,
                "erlang_fte": float(by_role.loc[role.name, "erlang_fte"]) if sized else role.fte,
                "sqrt_staffing_people": int(by_role.loc[role.name, "sqrt_staffing_people"])
                if sized
                else math.ceil(role.fte),
                "simulated_fte": value,
                "people": math.ceil(value - 1e-9),
                "cost_gbp_per_year": value * role.loaded_cost_gbp_per_year,
            }
        )
    return pd.DataFrame(rows)


def standalone_staffing(
    scenario: Scenario, fte_step: float = pooling.FTE_STEP, pooled: pd.DataFrame | None = None
) -> pd.DataFrame:
    """People each member would need to do on its own what the host does for it today (analytic sizing on the
    member's own shared-provision demand, same roles, leave and KPIs), against the pooled team: one row per member plus
    ``all members alone`` and ``pooled (analytic)`` rows (and ``pooled (simulated)`` when ``pooled`` is the role
    table of :func:`size_staffing`). Columns: fte; people = whole persons per role (specialists: each pool's FTE
    rounded up); people_generalists = the team's total FTE rounded up (if part-time posts in different roles could be
    combined into one generalist); cost (loaded pay, pounds per year); roles. Each pool needs at least one
    ``fte_step`` because a KPI's tail needs a server however small the load."""
    loaded = {role.name: role.loaded_cost_gbp_per_year for role in scenario.roles}
    rows = []
    for member in scenario.members:
        if not shared_demand(scenario, [member.name]):
            continue
        alone = analytic_staffing(scenario, [member.name], fte_step)
        rows.append(_team_row(member.name, alone, loaded))
    table = pd.DataFrame(rows)
    if len(table):
        total = {
            "team": "all members alone",
            "fte": table["fte"].sum(),
            "people": table["people"].sum(),
            "people_generalists": table["people_generalists"].sum(),
            "cost_gbp_per_year": table["cost_gbp_per_year"].sum(),
            "roles": "",
        }
        pooled_analytic = _team_row("pooled (analytic)", analytic_staffing(scenario, fte_step=fte_step), loaded)
        extra = [total, pooled_analytic]
        if pooled is not None:
            sized = pooled[~pooled["services"].str.startswith("(not sized")]
            extra.append(
                {
                    "team": "pooled (simulated)",
                    "fte": float(sized["simulated_fte"].sum()),
                    "people": int(sized["people"].sum()),
                    "people_generalists": int(math.ceil(float(sized["simulated_fte"].sum()) - 1e-9)),
                    "cost_gbp_per_year": float(sized["cost_gbp_per_year"].sum()),
                    "roles": ", ".join(
                        f"{r} {v:g}" for r, v in zip(sized["role"], sized["simulated_fte"], strict=True)
                    ),
                }
            )
        table = pd.concat([table, pd.DataFrame(extra)], ignore_index=True)
    return table


def _team_row(team: str, pools: pd.DataFrame, loaded: dict[str, float]) -> dict[str, Any]:
    fte = pools["erlang_fte"].astype(float)
    return {
        "team": team,
        "fte": float(fte.sum()),
        "people": int(sum(math.ceil(v - 1e-9) for v in fte)),
        "people_generalists": int(math.ceil(float(fte.sum()) - 1e-9)),
        "cost_gbp_per_year": float(sum(v * loaded[r] for r, v in zip(pools["role"], fte, strict=True))),
        "roles": ", ".join(f"{r} {v:g}" for r, v in zip(pools["role"], fte, strict=True)),
    }
