"""The service-catalogue MILP's settings and instance data: options, the shared pools' staffing menus and the members'
in-house bundles, computed from the scenario before any solve (formulation: ``model.optimisation.catalogue_milp``).

Money in pounds per year (``KGBP`` converts to the solver's thousands of pounds); demand in cases per working day.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from model.optimisation.pooling import (
    FTE_STEP,
    MAX_POOL_FTE,
    MEASURES,
    CapacityLookup,
    StaffingOption,
    staffing_options,
    unreachable_reason,
)
from model.scenario.errors import InfeasibleError, UserError
from model.scenario.schema import Mode, Role, Scenario
from model.scenario.units import WORKING_DAYS_PER_YEAR
from model.simulation.demand import expected_annual_demand

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


@dataclass(frozen=True)
class CatalogueOptions:
    """Modelling and solver settings.

    ``fte_step``: staffing step (0.5 = half-time pools; 1 = whole people per service). ``measure``: KPI on queue +
    work time ("sojourn") or queue time only ("wait"). ``seasonal_peak``: size teams for the busiest month's demand
    instead of the annual mean. ``month``: the membership month (default: steady state, the last month).
    ``mip_rel_gap``: HiGHS relative optimality gap (tiny: answers are compared with brute force). ``capacity``:
    the simulator-calibrated capacity table (``model.optimisation.calibration``) instead of Erlang C's L(n).
    """

    fte_step: float = FTE_STEP
    measure: str = "sojourn"
    seasonal_peak: bool = False
    month: int | None = None
    mip_rel_gap: float = 1e-9
    time_limit_seconds: float = 120.0
    capacity: CapacityLookup | None = None
    """Pool capacities calibrated by the simulator (``model.optimisation.calibration.CapacityTable``); None: Erlang C."""
    excluded_modes: tuple[tuple[str, str, str], ...] = ()
    """(service, mode, reason) modes ruled out for every member, e.g. an external provider whose simulated cases
    miss the KPI reliability (``model.optimisation.verification``)."""

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
