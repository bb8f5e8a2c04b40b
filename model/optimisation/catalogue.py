"""Service-catalogue optimisation: ``optimise`` chooses, for every service and member, shared (host team), in-house or
external delivery and the staff of every team, at least annual cost within every service's KPI, and returns the
solution as tables (``CatalogueResult``).

The MILP itself is ``model.optimisation.catalogue_milp`` (formulation in its docstring); options and instance data
are ``model.optimisation.catalogue_instance``. Money in pounds per year, time in working days.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from model.optimisation.catalogue_instance import (
    EXTERNAL,
    HOST_TEAM,
    IN_HOUSE,
    SHARED,
    CatalogueOptions,
    build_instance,
)
from model.optimisation.catalogue_milp import CatalogueModel, require_solver
from model.optimisation.pooling import StaffingOption
from model.scenario.errors import InfeasibleError
from model.scenario.schema import Mode, Scenario
from model.scenario.units import WORKING_DAYS_PER_YEAR


@dataclass
class CatalogueResult:
    """The optimiser's answer (pounds per year throughout).

    * ``decisions``: one row per (service, member) with demand: the chosen ``mode``, the modes open to it, and the
      next-best mode with its extra cost (``why`` has every alternative).
    * ``staffing``: one row per pool (the host team's pool of a service, or a member's in-house pool): role, FTE,
      people, load and capacity L (cases per year), utilisation and the FTE's pay cost.
    * ``teams``: whole people per team and role and their loaded cost (what the staff lines of ``costs`` add up).
    * ``costs``: per payer (a member, or the shared host team) and component.
    * ``why``: for each decision and each other open mode, the optimal total with that mode forced and the
      difference (the cost of choosing it instead).
    * ``standalone_gbp_per_year``: each member's optimum alone (in-house or external, no sharing).
    * ``unavailable``: modes removed before solving and why (e.g. a KPI no staffing can meet).
    """

    scenario_name: str
    total_cost_gbp_per_year: float
    decisions: pd.DataFrame
    staffing: pd.DataFrame
    teams: pd.DataFrame
    costs: pd.DataFrame
    why: pd.DataFrame
    standalone_gbp_per_year: dict[str, float]
    unavailable: pd.DataFrame
    status: str = "optimal"
    solve_seconds: float = 0.0
    why_seconds: float = 0.0
    message: str = ""

    @property
    def standalone_total_gbp_per_year(self) -> float:
        """Cost if every member served itself (in-house or external, no sharing)."""
        return float(sum(self.standalone_gbp_per_year.values()))

    @property
    def saving_gbp_per_year(self) -> float:
        """Saving of the optimum against every member going alone."""
        return self.standalone_total_gbp_per_year - self.total_cost_gbp_per_year

    def decision_table(self) -> pd.DataFrame:
        """Service x member table of modes ('' where the member has no demand for the service)."""
        services = list(dict.fromkeys(self.decisions["service"]))
        members = list(dict.fromkeys(self.decisions["member"]))
        if not len(self.decisions):
            return pd.DataFrame(index=pd.Index([], name="service"))
        table = self.decisions.pivot(index="service", columns="member", values="mode")
        return table.reindex(index=services, columns=members).fillna("")

    def cost_table(self) -> pd.DataFrame:
        """Component x payer table of costs (pounds per year) with totals."""
        payers = list(dict.fromkeys(self.costs["payer"]))
        if not len(self.costs):
            return pd.DataFrame({"total": [0.0]}, index=pd.Index(["total"], name="component"))
        table = self.costs.pivot_table(
            index="component", columns="payer", values="gbp_per_year", aggfunc="sum", fill_value=0.0, sort=False
        ).reindex(columns=payers)
        table["total"] = table.sum(axis=1)
        table.loc["total"] = table.sum(axis=0)
        return table


STAFFING_COLUMNS = [
    "team",
    "service",
    "role",
    "fte",
    "people",
    "load_cases_per_year",
    "capacity_cases_per_year",
    "utilisation",
    "fte_cost_gbp_per_year",
    "cost_gbp_per_year",
]


def _pool_row(
    team: str, service: str, option: StaffingOption, load_per_day: float, share_of_role_cost: float
) -> dict[str, Any]:
    return {
        "team": team,
        "service": service,
        "role": option.role,
        "fte": option.fte,
        "people": option.people,
        "load_cases_per_year": load_per_day * WORKING_DAYS_PER_YEAR,
        "capacity_cases_per_year": option.capacity_cases_per_year,
        "utilisation": load_per_day / (option.fte * option.rate_per_fte) if option.rate_per_fte else math.nan,
        "fte_cost_gbp_per_year": option.cost_gbp_per_year,
        "cost_gbp_per_year": share_of_role_cost,
    }


def solution_tables(model: CatalogueModel) -> dict[str, Any]:
    """Read the loaded solution: mode per pair, and staffing, team and cost tables recomputed from the data (the
    caller checks their total against the solver's objective)."""
    inst = model.instance
    m = model.model
    mode_of = {i: o for (i, o) in m.x_keys if round(m.x[i, o].value or 0) == 1}
    staffing_rows: list[dict[str, Any]] = []
    team_rows: list[dict[str, Any]] = []
    cost_rows: list[dict[str, Any]] = []

    def add_cost(payer: str, component: str, amount: float) -> None:
        if abs(amount) > 1e-9:
            cost_rows.append({"payer": payer, "component": component, "gbp_per_year": float(amount)})

    def add_team(team: str, pools: list[tuple[str, StaffingOption, float]], people: dict[str, int]) -> None:
        """Pool rows (each pool's cost = its FTE's share of the role's whole people, so an idle part of a person is
        spread over the role's pools and the column adds up to the team's staff cost) and team rows."""
        fte = {role: sum(o.fte for _, o, _ in pools if o.role == role) for role in people}
        for service, option, load in pools:
            role_cost = people[option.role] * inst.role_costs[option.role]
            staffing_rows.append(_pool_row(team, service, option, load, role_cost * option.fte / fte[option.role]))
        for role, count in people.items():
            team_rows.append(
                {
                    "team": team,
                    "role": role,
                    "people": count,
                    "fte_in_pools": fte[role],
                    "cost_gbp_per_year": count * inst.role_costs[role],
                }
            )
            add_cost(team, "host staff" if team == HOST_TEAM else "in-house staff", count * inst.role_costs[role])

    # Host team: the chosen option of each used pool; whole people per role from the solution.
    host_pools = []
    for s, pool in inst.shared.items():
        for k, option in enumerate(pool.options):
            if round(m.y[s, k].value or 0) == 1:
                load = sum(
                    p.load_cases_per_day
                    for i, p in enumerate(inst.pairs)
                    if p.service == s and mode_of.get(i) == SHARED
                )
                host_pools.append((s, option, load))
    host_people = {role: round(m.people[role].value or 0) for role in sorted({o.role for _, o, _ in host_pools})}
    add_team(HOST_TEAM, host_pools, host_people)

    # In-house teams: the chosen bundles (each staffed as computed beforehand).
    for b, bundle in enumerate(inst.bundles):
        if round(m.z[b].value or 0) == 1:
            pools = [
                (inst.pairs[i].service, option, inst.pairs[i].load_cases_per_day)
                for i, option in zip(bundle.pairs, bundle.staffing, strict=True)
            ]
            add_team(bundle.member, pools, dict(bundle.people))

    for i, pair in enumerate(inst.pairs):
        mode = mode_of.get(i)
        if mode == EXTERNAL:
            add_cost(pair.member, "external purchase", pair.external_cost_gbp)
        elif mode == IN_HOUSE:
            add_cost(pair.member, "in-house systems and licences", pair.in_house_cost_gbp)
        elif mode == SHARED:
            add_cost(pair.member, "shared licences (per head)", pair.shared_per_head_cost_gbp)
    for s, pool in inst.shared.items():
        users = [i for i, p in enumerate(inst.pairs) if p.service == s and mode_of.get(i) == SHARED]
        if not users:
            continue
        add_cost(HOST_TEAM, "shared systems (fixed)", pool.fixed_cost_gbp)
        if pool.tiers:
            heads = sum(inst.pairs[i].headcount for i in users)
            tier = max((t for t in pool.tiers if heads >= t[0]), key=lambda t: t[0])
            for i in users:
                pair = inst.pairs[i]
                add_cost(
                    pair.member,
                    "joint purchase (pooled tier)",
                    tier[1] * pair.headcount + tier[2] * pair.cases_per_year,
                )
    if round(m.h.value or 0) == 1:
        add_cost(HOST_TEAM, "host overhead", inst.overhead_gbp)

    order = {name: i for i, name in enumerate((HOST_TEAM, *inst.members))}
    service_order = {name: i for i, name in enumerate(inst.services)}
    staffing = pd.DataFrame(staffing_rows, columns=STAFFING_COLUMNS)
    if len(staffing):
        staffing = staffing.sort_values(
            ["team", "service"], key=lambda col: col.map(order if col.name == "team" else service_order)
        ).reset_index(drop=True)
    teams = pd.DataFrame(team_rows, columns=["team", "role", "people", "fte_in_pools", "cost_gbp_per_year"])
    teams = teams.groupby(["team", "role"], sort=False, as_index=False).sum()  # a member's bundles add up
    costs = pd.DataFrame(cost_rows, columns=["payer", "component", "gbp_per_year"])
    return {
        "modes": mode_of,
        "staffing": staffing,
        "teams": teams,
        "costs": costs,
        "total": float(costs["gbp_per_year"].sum()) if len(costs) else 0.0,
    }


def optimise(
    scenario: Scenario,
    options: CatalogueOptions | None = None,
    fixed: Mapping[tuple[str, str], str | Mode] | None = None,
    explain: bool = True,
) -> CatalogueResult:
    """Optimal service catalogue for the whole partnership at the steady-state month.

    ``fixed`` forces decisions ``{(service, member): mode}``. With ``explain`` every decision is re-solved with each
    other open mode forced on the same persistent model (the ``why`` table; a few dozen re-solves). Raises
    ``InfeasibleError`` naming the requirement if no catalogue meets every KPI, ``SolverUnavailableError`` if HiGHS
    is missing.
    """
    require_solver()
    options = options or CatalogueOptions()
    inst = build_instance(scenario, options, fixed)
    model = CatalogueModel(inst)
    outcome = model.solve()
    if outcome.status == "infeasible":
        forced = ", ".join(f"{s} for {m} = {o}" for (s, m), o in inst.fixed.items())
        detail = f" with the forced choices {forced}" if forced else ""
        raise InfeasibleError(
            f"no service catalogue meets every requirement{detail} (every member served, every KPI, at least "
            f"{inst.min_shared_people} people per shared service); {outcome.message}"
        )
    model.load()
    tables = solution_tables(model)
    if not math.isclose(tables["total"], outcome.cost_gbp, rel_tol=1e-6, abs_tol=1e-2):
        raise RuntimeError(
            f"internal check failed: solver cost {outcome.cost_gbp:.2f} != recomputed {tables['total']:.2f}"
        )
    mode_of: dict[int, str] = tables["modes"]

    why_rows = []
    why_start = time.perf_counter()
    if explain:
        for i, pair in enumerate(inst.pairs):
            for alternative in pair.modes:
                if alternative == mode_of[i]:
                    continue
                model.restrict(i, [alternative])
                alt = model.solve()
                model.restrict(i, None)
                why_rows.append(
                    {
                        "service": pair.service,
                        "member": pair.member,
                        "chosen": mode_of[i],
                        "alternative": alternative,
                        "total_if_forced_gbp_per_year": alt.cost_gbp,
                        "extra_cost_gbp_per_year": alt.cost_gbp - outcome.cost_gbp,
                        "note": "" if alt.status == "optimal" else alt.status,
                    }
                )
    why_seconds = time.perf_counter() - why_start
    why = pd.DataFrame(
        why_rows,
        columns=[
            "service",
            "member",
            "chosen",
            "alternative",
            "total_if_forced_gbp_per_year",
            "extra_cost_gbp_per_year",
            "note",
        ],
    )

    standalone: dict[str, float] = {}
    for member in inst.members:
        model.set_coalition([member])
        standalone[member] = model.solve().cost_gbp
    model.set_coalition(inst.members)

    decision_rows = []
    for i, pair in enumerate(inst.pairs):
        alternatives = why[(why["service"] == pair.service) & (why["member"] == pair.member)]
        best = alternatives.sort_values("extra_cost_gbp_per_year").head(1)
        decision_rows.append(
            {
                "service": pair.service,
                "member": pair.member,
                "mode": mode_of[i],
                "headcount": pair.headcount,
                "cases_per_year": pair.cases_per_year,
                "open_modes": " ".join(pair.modes),
                "next_best_mode": str(best["alternative"].iloc[0]) if len(best) else "",
                "next_best_extra_gbp_per_year": float(best["extra_cost_gbp_per_year"].iloc[0])
                if len(best)
                else math.nan,
            }
        )
    unavailable = pd.DataFrame(
        [
            {"service": p.service, "member": p.member, "mode": mode, "reason": reason}
            for p in inst.pairs
            for mode, reason in p.excluded
            if reason != "not offered for this service"
        ],
        columns=["service", "member", "mode", "reason"],
    )
    return CatalogueResult(
        scenario_name=inst.scenario_name,
        total_cost_gbp_per_year=outcome.cost_gbp,
        decisions=pd.DataFrame(
            decision_rows,
            columns=[
                "service",
                "member",
                "mode",
                "headcount",
                "cases_per_year",
                "open_modes",
                "next_best_mode",
                "next_best_extra_gbp_per_year",
            ],
        ),
        staffing=tables["staffing"],
        teams=tables["teams"],
        costs=tables["costs"],
        why=why,
        standalone_gbp_per_year=standalone,
        unavailable=unavailable,
        status=outcome.status,
        solve_seconds=outcome.seconds,
        why_seconds=why_seconds,
        message=outcome.message,
    )
