"""Service-catalogue optimisation: for every service and member choose shared (host team), in-house (the member's own
staff) or external (commissioned), and the staff of every team, at least annual cost within every service's KPI.

Formulation (a mixed-integer linear programme solved by HiGHS through Pyomo; money in thousands of pounds inside the
solver, pounds per year outside):

* Demand: ``model.demand.expected_annual_demand`` at the steady-state month (the last simulated month, when every
  member has joined), in cases per working day (261 a year): lambda[s, m]. A member that does not take a service
  then (not subscribed, or ``service_start_month`` after the horizon) has no decision for it: that is how a member
  refuses a service. ``CatalogueOptions.seasonal_peak`` sizes teams for the busiest month instead of the mean.
* Modes: x[s, m, o] in {0, 1} over the modes the service offers, sum_o x[s, m, o] = 1. A staffed mode (shared or
  in-house) is removed when no staffing can meet the KPI (``pooling.unreachable_reason``); the external mode is
  removed when its contracted ``kpi_attainment_fraction`` is below the KPI's target fraction. If nothing is left for
  a member that needs the service, ``InfeasibleError`` names the requirement before any solve.
* Pooled capacity L(n): a team of n FTE of one role can take L(n) cases a day within the KPI (Erlang C,
  ``model.pooling``); L grows faster than n, which is the economy of pooling. Staffing moves in steps of 0.5 FTE.
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
coalition (``model.coalitions``) and every "what if this decision were forced" question (the ``why`` table).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from model.demand import expected_annual_demand
from model.errors import InfeasibleError, SolverUnavailableError, UserError
from model.pooling import (
    FTE_STEP,
    MAX_POOL_FTE,
    MEASURES,
    CapacityLookup,
    StaffingOption,
    staffing_options,
    unreachable_reason,
)
from model.scenario import Mode, Role, Scenario
from model.units import WORKING_DAYS_PER_YEAR

SHARED, IN_HOUSE, EXTERNAL = Mode.SHARED.value, Mode.IN_HOUSE.value, Mode.EXTERNAL.value
MODES: tuple[str, ...] = (SHARED, IN_HOUSE, EXTERNAL)
KGBP = 1000.0  # pounds per solver money unit
INSTALL_HINT = "HiGHS solver not available: pip install highspy==1.15.1"
HOST_TEAM = "shared (host team)"
MAX_IN_HOUSE_SERVICES = 12  # bundles enumerate the subsets of a member's in-house services

# HiGHS options for these small MILPs, which HiGHS solves at the root node: its primal heuristics cost more than they
# save. Measured on 200 coalitions of the benchmark's 12-member partnership, same process, interleaved: the
# feasibility-jump heuristic off 40 -> 32 ms a solve; the sub-MIP heuristics (RINS, RENS, root reduced cost) off no
# slower, and 60 -> 42 ms before the model was tightened.
HIGHS_OPTIONS: dict[str, Any] = {
    "output_flag": False,
    "log_to_console": False,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
}


# --- options and instance data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueOptions:
    """Modelling and solver settings.

    ``fte_step``: staffing step (0.5 = half-time pools; 1 = whole people per service). ``measure``: KPI on queue +
    work time ("sojourn") or queue time only ("wait"). ``seasonal_peak``: size teams for the busiest month's demand
    instead of the annual mean. ``month``: the membership month (default: steady state, the last month).
    ``mip_rel_gap``: HiGHS relative optimality gap (tiny: answers are compared with brute force). ``capacity``:
    the simulator-calibrated capacity table (``model.calibration``) instead of Erlang C's L(n).
    """

    fte_step: float = FTE_STEP
    measure: str = "sojourn"
    seasonal_peak: bool = False
    month: int | None = None
    mip_rel_gap: float = 1e-9
    time_limit_seconds: float = 120.0
    capacity: CapacityLookup | None = None
    """Pool capacities calibrated by the simulator (``model.calibration.CapacityTable``); None: Erlang C."""
    excluded_modes: tuple[tuple[str, str, str], ...] = ()
    """(service, mode, reason) modes ruled out for every member, e.g. an external provider whose simulated cases
    miss the KPI reliability (``model.verification``)."""

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise UserError(f"measure must be one of {', '.join(MEASURES)}, got '{self.measure}'")
        parts = 1.0 / self.fte_step if self.fte_step > 0 else 0.0
        if not (1 <= round(parts) <= 20 and abs(parts - round(parts)) < 1e-9):
            raise UserError(f"fte_step must be 1/k for a whole k from 1 to 20 (1, 0.5, 0.25, ...), got {self.fte_step}")


@dataclass(frozen=True)
class Pair:
    """One (service, member) with demand at the steady-state month, its open modes and their direct costs (pounds
    per year). ``in_house_options``: per able role, the smallest staffing of an in-house pool meeting the KPI."""

    service: str
    member: str
    headcount: int
    cases_per_year: float
    load_cases_per_day: float
    modes: tuple[str, ...]
    external_cost_gbp: float
    in_house_cost_gbp: float
    shared_per_head_cost_gbp: float
    in_house_options: tuple[StaffingOption, ...] = ()
    excluded: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SharedPool:
    """The host team's pool for one service: its staffing menu, fixed cost and joint-purchase price tiers as
    (min_headcount, pounds per head per year, pounds per case)."""

    service: str
    fixed_cost_gbp: float
    options: tuple[StaffingOption, ...]
    tiers: tuple[tuple[int, float, float], ...] = ()


@dataclass(frozen=True)
class InHouseBundle:
    """A set of services one member keeps in house, with the cheapest staffing of its team for exactly that set.

    ``staffing`` has one option per pair (same order as ``pairs``); ``people`` is whole people per role;
    ``cost_gbp`` = staff (loaded cost x people) + the services' in-house systems and per-head costs, pounds a year.
    """

    member: str
    pairs: tuple[int, ...]
    services: tuple[str, ...]
    staffing: tuple[StaffingOption, ...]
    people: tuple[tuple[str, int], ...]
    staff_cost_gbp: float
    cost_gbp: float


@dataclass(frozen=True)
class CatalogueInstance:
    """Everything the MILP needs, as plain picklable data (built once, shipped to worker processes)."""

    scenario_name: str
    scenario_hash: str
    members: tuple[str, ...]
    headcounts: dict[str, int]
    services: tuple[str, ...]
    pairs: tuple[Pair, ...]
    shared: dict[str, SharedPool]
    bundles: tuple[InHouseBundle, ...]
    overhead_gbp: float
    min_shared_people: int
    options: CatalogueOptions
    role_costs: dict[str, float]
    fixed: dict[tuple[str, str], str] = field(default_factory=dict)


def undominated_roles(scenario: Scenario) -> list[Role]:
    """Roles not dominated by another: role B is dropped if some role A costs no more per FTE and is at least as
    fast (productive hours x productivity) on every skill B can do, A listed first on a full tie. Replacing each
    person of B by one of A keeps every pool's capacity and whole people per role at no extra cost, so the optimum
    is unchanged and the model smaller (in the default scenario the head of HR, 3.5 productive hours, is dominated
    by the HR business partner)."""
    cross = scenario.simulation.allow_cross_skilling
    skills = {skill for role in scenario.roles for skill in (*role.skills, *role.cross_skills)}

    def speed(role: Role, skill: str) -> float:
        return role.productive_hours_per_day * role.productivity_for(skill, cross)

    kept: list[Role] = []
    for index, b in enumerate(scenario.roles):
        dominated = False
        for other, a in enumerate(scenario.roles):
            if a is b:
                continue
            cheaper = a.loaded_cost_gbp_per_year <= b.loaded_cost_gbp_per_year
            faster = all(speed(a, skill) >= speed(b, skill) for skill in skills if speed(b, skill) > 0)
            strictly = a.loaded_cost_gbp_per_year < b.loaded_cost_gbp_per_year or any(
                speed(a, skill) > speed(b, skill) for skill in skills
            )
            if cheaper and faster and (strictly or other < index):
                dominated = True
                break
        if not dominated:
            kept.append(b)
    return kept


def _prices_fall(tiers: tuple[tuple[int, float, float], ...]) -> bool:
    """Whether per-head and per-case prices never rise from one tier to the next."""
    return all(b[1] <= a[1] and b[2] <= a[2] for a, b in zip(tiers, tiers[1:], strict=False))


def _tier_cost(tier: Any, headcount: float, cases: float) -> float:
    return tier.price_gbp_per_head_per_year * headcount + tier.price_gbp_per_case * cases


def team_cost(options: Iterable[StaffingOption], role_costs: Mapping[str, float]) -> tuple[dict[str, int], float]:
    """Whole people per role for a team running these pools (ceil of the FTE per role) and their loaded cost."""
    fte: dict[str, float] = {}
    for option in options:
        fte[option.role] = fte.get(option.role, 0.0) + option.fte
    people = {role: math.ceil(total - 1e-9) for role, total in fte.items()}
    return people, float(sum(role_costs[role] * n for role, n in people.items()))


def in_house_bundles(
    member: str,
    pair_indices: list[int],
    pairs: tuple[Pair, ...],
    role_costs: Mapping[str, float],
    fte_step: float = FTE_STEP,
) -> list[InHouseBundle]:
    """The irreducible in-house bundles of one member (see the module docstring).

    For every non-empty subset B of the member's in-house-able pairs: the cheapest team (each service staffed by
    the smallest FTE of one able role; whole people per role), by dynamic programming over the subsets. B is kept
    if no split B = B1 + B2 costs as little (sharing people across B's services saves money), so every subset's
    exact cost is the cheapest sum over a partition into kept bundles.
    """
    k = len(pair_indices)
    if k > MAX_IN_HOUSE_SERVICES:
        raise UserError(
            f"{member}: {k} services can be in-house; the optimiser enumerates their subsets and allows at most "
            f"{MAX_IN_HOUSE_SERVICES}"
        )
    roles = sorted({o.role for i in pair_indices for o in pairs[i].in_house_options})
    role_index = {r: j for j, r in enumerate(roles)}
    steps = round(1.0 / fte_step)  # FTE counted in whole staffing steps

    def units(option: StaffingOption) -> int:
        return round(option.fte * steps)

    # states[mask]: {per-role FTE units: one assignment (options in pair order) reaching it}
    states: dict[int, dict[tuple[int, ...], tuple[StaffingOption, ...]]] = {0: {(0,) * len(roles): ()}}
    best: dict[int, tuple[float, tuple[StaffingOption, ...]]] = {}
    for mask in range(1, 1 << k):
        top = mask.bit_length() - 1
        previous = states[mask ^ (1 << top)]
        current: dict[tuple[int, ...], tuple[StaffingOption, ...]] = {}
        for vector, chosen in previous.items():
            for option in pairs[pair_indices[top]].in_house_options:
                new = list(vector)
                new[role_index[option.role]] += units(option)
                current.setdefault(tuple(new), (*chosen, option))
        states[mask] = current
        cost, chosen = min(
            (
                (sum(role_costs[roles[j]] * math.ceil(u / steps - 1e-9) for j, u in enumerate(vector)), chosen)
                for vector, chosen in current.items()
            ),
            key=lambda item: item[0],
        )
        fixed = sum(pairs[pair_indices[j]].in_house_cost_gbp for j in range(k) if mask >> j & 1)
        best[mask] = (cost + fixed, chosen)

    bundles = []
    for mask, (total, chosen) in best.items():
        sub = (mask - 1) & mask
        reducible = False
        while sub:
            if best[sub][0] + best[mask ^ sub][0] <= total + 1e-6:
                reducible = True
                break
            sub = (sub - 1) & mask
        if reducible:
            continue
        members_pairs = tuple(pair_indices[j] for j in range(k) if mask >> j & 1)
        people, staff = team_cost(chosen, role_costs)
        bundles.append(
            InHouseBundle(
                member=member,
                pairs=members_pairs,
                services=tuple(pairs[i].service for i in members_pairs),
                staffing=tuple(chosen),
                people=tuple(sorted(people.items())),
                staff_cost_gbp=staff,
                cost_gbp=total,
            )
        )
    return bundles


def build_instance(
    scenario: Scenario,
    options: CatalogueOptions | None = None,
    fixed: Mapping[tuple[str, str], str | Mode] | None = None,
) -> CatalogueInstance:
    """Turn a scenario into MILP data: demand per (service, member), open modes, staffing menus, in-house bundles
    and prices.

    ``fixed`` forces modes: ``{(service, member): "in_house", ...}``. Raises ``InfeasibleError`` naming the first
    (service, member) for which no mode can meet the service's requirement, ``UserError`` for a bad ``fixed``.
    """
    options = options or CatalogueOptions()
    try:
        fixed_modes = {key: Mode(value).value for key, value in (fixed or {}).items()}
    except ValueError as error:
        raise UserError(f"forced choice: {error}") from None
    demand = expected_annual_demand(scenario, options.month)
    staffed_problem = {s.name: unreachable_reason(scenario, s, options.measure) for s in scenario.services}
    service_index = {name: i for i, name in enumerate(scenario.service_names)}
    roles = undominated_roles(scenario)

    rows: list[dict[str, Any]] = []
    for row in demand.itertuples(index=False):
        service = scenario.service(str(row.service))
        member = str(row.member)
        headcount = int(row.headcount)
        cases = float(row.cases_per_year)
        peak = max(service.monthly_profile) if options.seasonal_peak else 1.0
        load = cases * peak / WORKING_DAYS_PER_YEAR
        label = f"services[{service_index[service.name]}] {service.name}"
        modes: list[str] = []
        excluded: list[tuple[str, str]] = []
        for mode in MODES:
            external = service.delivery.external
            if getattr(service.delivery, mode) is None:
                excluded.append((mode, "not offered for this service"))
            elif mode in (SHARED, IN_HOUSE) and staffed_problem[service.name]:
                excluded.append((mode, str(staffed_problem[service.name])))
            elif any(service.name == s and mode == m for s, m, _ in options.excluded_modes):
                excluded.append((mode, next(r for s, m, r in options.excluded_modes if (s, m) == (service.name, mode))))
            elif (
                mode == EXTERNAL
                and external is not None
                and external.kpi_attainment_fraction < (service.kpi.target_fraction)
            ):
                excluded.append(
                    (
                        mode,
                        f"the provider's contracted attainment {external.kpi_attainment_fraction:.0%} is below "
                        f"the KPI's {service.kpi.target_fraction:.0%}",
                    )
                )
            else:
                modes.append(mode)
        in_house_menu: tuple[StaffingOption, ...] = ()
        if IN_HOUSE in modes:
            # The in-house pool serves exactly this pair's load: per role only the smallest FTE that covers it is
            # worth having (a bigger pool only adds to the role's head count).
            smallest: dict[str, StaffingOption] = {}
            for option in staffing_options(
                scenario,
                service,
                load,
                fte_step=options.fte_step,
                measure=options.measure,
                roles=roles,
                capacity=options.capacity,
            ):
                if option.capacity_cases_per_day >= load and option.role not in smallest:
                    smallest[option.role] = option
            in_house_menu = tuple(smallest.values())
            if not in_house_menu:
                modes.remove(IN_HOUSE)
                excluded.append((IN_HOUSE, f"no in-house team of up to {MAX_POOL_FTE} FTE can serve the demand"))
        if (service.name, member) in fixed_modes:
            wanted = fixed_modes[(service.name, member)]
            if wanted not in modes:
                why = dict(excluded).get(wanted, "not available")
                raise InfeasibleError(f"{label}: {member} is forced to '{wanted}', which is not possible: {why}")
            excluded.extend((mode, "excluded by a forced choice") for mode in modes if mode != wanted)
            modes = [wanted]
        if not modes:
            reasons = "; ".join(f"{mode}: {why}" for mode, why in excluded)
            raise InfeasibleError(f"{label}: no delivery mode can serve {member}: {reasons}")
        external = service.delivery.external
        in_house = service.delivery.in_house
        shared = service.delivery.shared
        rows.append(
            {
                "service": service.name,
                "member": member,
                "headcount": headcount,
                "cases_per_year": cases,
                "load_cases_per_day": load,
                "modes": tuple(modes),
                "external_cost_gbp": _tier_cost(external.tier_for(headcount), headcount, cases) if external else 0.0,
                "in_house_cost_gbp": (
                    in_house.fixed_cost_gbp_per_year + in_house.per_head_cost_gbp_per_year * headcount
                    if in_house
                    else 0.0
                ),
                "shared_per_head_cost_gbp": shared.per_head_cost_gbp_per_year * headcount if shared else 0.0,
                "in_house_options": in_house_menu if IN_HOUSE in modes else (),
                "excluded": tuple(excluded),
            }
        )
    for key in fixed_modes:
        if not any((r["service"], r["member"]) == key for r in rows):
            raise UserError(f"forced choice {key[0]} for {key[1]}: that member has no demand for that service")
    pairs = tuple(Pair(**r) for r in rows)

    shared_pools: dict[str, SharedPool] = {}
    for service in scenario.services:
        sharers = [p for p in pairs if p.service == service.name and SHARED in p.modes]
        if not sharers:
            continue
        menu = staffing_options(
            scenario,
            service,
            sum(p.load_cases_per_day for p in sharers),
            min_people=scenario.min_shared_staff_per_service,
            fte_step=options.fte_step,
            measure=options.measure,
            roles=roles,
            capacity=options.capacity,
        )
        if not menu:
            raise InfeasibleError(
                f"services[{service_index[service.name]}] {service.name}: no shared team of up to {MAX_POOL_FTE} "
                f"FTE can serve the members' demand"
            )
        menu = useful_options(menu, min(p.load_cases_per_day for p in sharers), scenario.min_shared_staff_per_service)
        option = service.delivery.shared
        assert option is not None
        tiers: tuple[tuple[int, float, float], ...] = ()
        if option.buys_externally and service.delivery.external is not None:
            tiers = tuple(
                (t.min_headcount, t.price_gbp_per_head_per_year, t.price_gbp_per_case)
                for t in service.delivery.external.tiers
            )
        shared_pools[service.name] = SharedPool(service.name, option.fixed_cost_gbp_per_year, tuple(menu), tiers)

    role_costs = {role.name: role.loaded_cost_gbp_per_year for role in scenario.roles}
    bundles: list[InHouseBundle] = []
    for member in scenario.member_names:
        indices = [i for i, p in enumerate(pairs) if p.member == member and IN_HOUSE in p.modes]
        if indices:
            bundles.extend(in_house_bundles(member, indices, pairs, role_costs, options.fte_step))

    return CatalogueInstance(
        scenario_name=scenario.name,
        scenario_hash=scenario.content_hash(),
        members=tuple(scenario.member_names),
        headcounts={m.name: m.headcount for m in scenario.members},
        services=tuple(scenario.service_names),
        pairs=pairs,
        shared=shared_pools,
        bundles=tuple(bundles),
        overhead_gbp=scenario.host.overhead_gbp_per_year,
        min_shared_people=scenario.min_shared_staff_per_service,
        options=options,
        role_costs=role_costs,
        fixed=fixed_modes,
    )


def useful_options(menu: Iterable[StaffingOption], smallest_load: float, min_people: int = 0) -> list[StaffingOption]:
    """The options of a shared pool's menu that some coalition could choose: at least ``min_people`` people, a
    capacity of at least ``smallest_load`` (a shared pool serves at least one member's whole demand), and more
    capacity than every smaller option of the same role (more FTE for no more capacity is never cheaper). The
    optimum of every coalition is unchanged; the MILP has fewer binaries (calibrated tables, whose small pools carry
    little, have many such options)."""
    kept: list[StaffingOption] = []
    best: dict[str, float] = {}
    for option in menu:  # each role's options in rising FTE (``staffing_options``' order)
        if option.people < min_people or option.capacity_cases_per_day < smallest_load:
            continue
        if option.capacity_cases_per_day <= best.get(option.role, -math.inf):
            continue
        best[option.role] = option.capacity_cases_per_day
        kept.append(option)
    return kept


def profitable_bundles_only(instance: CatalogueInstance) -> CatalogueInstance:
    """The same instance without in-house bundles that cost at least as much as buying their services externally.

    Exact for optimisation without forced choices (swap such a bundle for external purchases: no dearer), so the
    coalition enumeration uses it; not for the ``why`` re-solves, which may force an unprofitable in-house choice.
    """
    kept = tuple(
        b
        for b in instance.bundles
        if any(EXTERNAL not in instance.pairs[i].modes for i in b.pairs)
        or b.cost_gbp < sum(instance.pairs[i].external_cost_gbp for i in b.pairs) - 1e-6
    )
    return replace(instance, bundles=kept)


# --- solver availability ------------------------------------------------------------------------------------------


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


# --- the Pyomo model ------------------------------------------------------------------------------------------------


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


# --- results ----------------------------------------------------------------------------------------------------------


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
