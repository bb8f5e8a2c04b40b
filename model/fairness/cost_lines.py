"""The lines of the cost to share: who takes what at the steady-state month, the annual cost lines of today's provision
and of the optimal catalogue, and their split among members by headcount or activity driver (``allocate_lines``),
plus the cooperative game built from a coalition cost function (``build_game``).

Used by ``model.fairness.tariffs`` (definitions in its docstring). Units: pounds per year.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from model.fairness import games
from model.scenario.errors import UserError
from model.scenario.schema import Mode, Scenario
from model.simulation import summary
from model.simulation.demand import expected_annual_demand

METHODS: tuple[str, ...] = ("per_capita", "activity_based", "shapley", "nucleolus", "closest_core")


METHOD_LABELS: dict[str, str] = {
    "per_capita": "Per-capita",
    "activity_based": "Activity-based",
    "shapley": "Shapley",
    "nucleolus": "Nucleolus",
    "closest_core": "Closest core",
}


TODAY = "today"


HOST_OVERHEAD = "host_overhead"


HOST_RISK_PREMIUM = "host_risk_premium"


DRIVERS: dict[str, str] = {
    "work_hours": "work_hours_per_year",
    "headcount": "headcount",
    "cases": "cases_per_year",
}


LINE_COLUMNS = ["service", "item", "mode", "members", "driver", "gbp_per_year"]
"""Cost lines: one annual cost (``gbp_per_year``) of ``service`` (or ``HOST_OVERHEAD``), shared by ``members`` (a tuple
of member names; one name for a member's own cost), split under the activity rule by ``driver`` (a key of
``DRIVERS``). ``mode`` is shared, in_house, external or host."""


CostFunction = Callable[[frozenset[str]], float] | Mapping[Any, float]


def member_usage(scenario: Scenario, month: int | None = None) -> pd.DataFrame:
    """Expected annual demand per member and service at ``month`` (default: the steady-state month).

    Columns: member, service, mode (today's provision), headcount, cases_per_year, work_hours_per_year.
    """
    demand = expected_annual_demand(scenario, month)
    return demand[["member", "service", "mode", "headcount", "cases_per_year", "work_hours_per_year"]].reset_index(
        drop=True
    )


def active_members(scenario: Scenario, usage: pd.DataFrame | None = None) -> list[str]:
    """Members (scenario order) with some demand at the steady-state month: the players of the tariff game."""
    usage = member_usage(scenario) if usage is None else usage
    present = set(usage["member"])
    return [name for name in scenario.member_names if name in present]


def _lines_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=LINE_COLUMNS)
    frame["gbp_per_year"] = frame["gbp_per_year"].astype(float)
    return frame[frame["gbp_per_year"] != 0.0].reset_index(drop=True)


def _line(service: str, item: str, mode: str, members: Sequence[str], driver: str, amount: float) -> dict[str, Any]:
    return {
        "service": service,
        "item": item,
        "mode": mode,
        "members": tuple(members),
        "driver": driver,
        "gbp_per_year": float(amount),
    }


def today_cost_lines(scenario: Scenario) -> pd.DataFrame:
    """Cost lines of today's provision at the steady-state month (pounds per year; columns ``LINE_COLUMNS``).

    Host pay (the scenario's roles as staffed, ``summary.host_staff_cost``) is split over the shared services in
    proportion to their work hours; each shared service's fixed cost, per-head licences and joint purchases (at the
    pooled tier) are its own lines; external purchases of a member are that member's own lines; in-house teams
    (``in_house_fte``) are the member's own cost, spread over its in-house services by work hours; the host overhead
    is one line over every member that takes a shared service. Apart from in-house staff (which
    ``summary.cost_summary`` does not count) the lines sum to ``cost_summary``'s total cost.
    """
    usage = member_usage(scenario)
    rows: list[dict[str, Any]] = []
    shared = usage[usage["mode"] == Mode.SHARED.value]
    pay = float(summary.host_staff_cost(scenario)["cost_gbp_per_year"].sum())
    shared_hours = float(shared["work_hours_per_year"].sum())
    for service_name, group in shared.groupby("service", sort=False):
        service = scenario.service(str(service_name))
        users = list(group["member"])
        hours = float(group["work_hours_per_year"].sum())
        if shared_hours > 0:
            rows.append(
                _line(str(service_name), "host staff", "shared", users, "work_hours", pay * hours / shared_hours)
            )
        option = service.delivery.shared
        if option is None:
            continue
        heads = float(group["headcount"].sum())
        rows.append(
            _line(
                str(service_name),
                "shared systems (fixed)",
                "shared",
                users,
                "work_hours",
                option.fixed_cost_gbp_per_year,
            )
        )
        rows.append(
            _line(
                str(service_name),
                "shared licences (per head)",
                "shared",
                users,
                "headcount",
                option.per_head_cost_gbp_per_year * heads,
            )
        )
        if option.buys_externally and service.delivery.external is not None:
            tier = service.delivery.external.tier_for(heads)
            rows.append(
                _line(
                    str(service_name),
                    "joint purchase (per head)",
                    "shared",
                    users,
                    "headcount",
                    tier.price_gbp_per_head_per_year * heads,
                )
            )
            rows.append(
                _line(
                    str(service_name),
                    "joint purchase (per case)",
                    "shared",
                    users,
                    "cases",
                    tier.price_gbp_per_case * float(group["cases_per_year"].sum()),
                )
            )
    for row in usage.itertuples(index=False):
        service = scenario.service(str(row.service))
        if row.mode == Mode.EXTERNAL.value and service.delivery.external is not None:
            tier = service.delivery.external.tier_for(row.headcount)
            cost = tier.price_gbp_per_head_per_year * row.headcount + tier.price_gbp_per_case * row.cases_per_year
            rows.append(_line(str(row.service), "external purchase", "external", [str(row.member)], "cases", cost))
        elif row.mode == Mode.IN_HOUSE.value and service.delivery.in_house is not None:
            option = service.delivery.in_house
            cost = option.fixed_cost_gbp_per_year + option.per_head_cost_gbp_per_year * row.headcount
            rows.append(
                _line(
                    str(row.service), "in-house systems and licences", "in_house", [str(row.member)], "headcount", cost
                )
            )
    for member in scenario.members:
        team = sum(fte * scenario.role(role).loaded_cost_gbp_per_year for role, fte in member.in_house_fte.items())
        own = usage[(usage["member"] == member.name) & (usage["mode"] == Mode.IN_HOUSE.value)]
        hours = float(own["work_hours_per_year"].sum())
        if team <= 0 or own.empty:
            continue
        for row in own.itertuples(index=False):
            share = row.work_hours_per_year / hours if hours > 0 else 1.0 / len(own)
            rows.append(
                _line(str(row.service), "in-house staff", "in_house", [member.name], "work_hours", team * share)
            )
    if len(shared):
        hosted = [m for m in scenario.member_names if m in set(shared["member"])]
        rows.append(
            _line(HOST_OVERHEAD, "host overhead", "host", hosted, "work_hours", scenario.host.overhead_gbp_per_year)
        )
    return _lines_frame(rows)


def catalogue_cost_lines(scenario: Scenario, options: Any = None) -> pd.DataFrame:
    """Cost lines of the optimal service catalogue for all members (``model.optimisation.catalogue.optimise``), pounds per year.

    Host-team staff of a service, its fixed system cost and the host overhead are shared by the members that take it
    from the host; per-head licences and joint purchases (at the pooled tier) are split into their per-head and
    per-case parts; in-house staff, in-house systems and external purchases are the member's own lines. The lines sum
    to the optimum's total cost, which is ``c(N)``.
    """
    from model.optimisation import catalogue, catalogue_instance

    options = options or catalogue_instance.CatalogueOptions()
    result = catalogue.optimise(scenario, options=options, explain=False)
    instance = catalogue_instance.build_instance(scenario, options)
    mode_of = {(str(r.service), str(r.member)): str(r.mode) for r in result.decisions.itertuples(index=False)}
    sharers: dict[str, list[str]] = {}
    for (service, member), mode in mode_of.items():
        if mode == catalogue_instance.SHARED:
            sharers.setdefault(service, []).append(member)
    order = {name: i for i, name in enumerate(scenario.member_names)}
    for users in sharers.values():
        users.sort(key=order.__getitem__)
    rows: list[dict[str, Any]] = []
    for row in result.staffing.itertuples(index=False):
        what = f"{row.role} {row.fte:g} FTE"
        if row.team == catalogue_instance.HOST_TEAM:
            users = sharers.get(str(row.service), [])
            rows.append(
                _line(str(row.service), f"host staff ({what})", "shared", users, "work_hours", row.cost_gbp_per_year)
            )
        else:
            rows.append(
                _line(
                    str(row.service),
                    f"in-house staff ({what})",
                    "in_house",
                    [str(row.team)],
                    "work_hours",
                    row.cost_gbp_per_year,
                )
            )
    for pair in instance.pairs:
        mode = mode_of.get((pair.service, pair.member))
        if mode == catalogue_instance.EXTERNAL:
            rows.append(
                _line(pair.service, "external purchase", "external", [pair.member], "cases", pair.external_cost_gbp)
            )
        elif mode == catalogue_instance.IN_HOUSE:
            rows.append(
                _line(
                    pair.service,
                    "in-house systems and licences",
                    "in_house",
                    [pair.member],
                    "headcount",
                    pair.in_house_cost_gbp,
                )
            )
    for service, users in sharers.items():
        pool = instance.shared[service]
        per_head = sum(p.shared_per_head_cost_gbp for p in instance.pairs if p.service == service and p.member in users)
        rows.append(_line(service, "shared systems (fixed)", "shared", users, "work_hours", pool.fixed_cost_gbp))
        rows.append(_line(service, "shared licences (per head)", "shared", users, "headcount", per_head))
        if pool.tiers:
            pooled = [p for p in instance.pairs if p.service == service and p.member in users]
            heads = sum(p.headcount for p in pooled)
            tier = max((t for t in pool.tiers if heads >= t[0]), key=lambda t: t[0])
            rows.append(_line(service, "joint purchase (per head)", "shared", users, "headcount", tier[1] * heads))
            rows.append(
                _line(
                    service,
                    "joint purchase (per case)",
                    "shared",
                    users,
                    "cases",
                    tier[2] * sum(p.cases_per_year for p in pooled),
                )
            )
    if sharers:
        hosted = sorted({m for users in sharers.values() for m in users}, key=order.__getitem__)
        rows.append(_line(HOST_OVERHEAD, "host overhead", "host", hosted, "work_hours", instance.overhead_gbp))
    lines = _lines_frame(rows)
    total = float(lines["gbp_per_year"].sum())
    if not math.isclose(total, result.total_cost_gbp_per_year, rel_tol=1e-6, abs_tol=1e-2):
        raise RuntimeError(
            f"internal check failed: catalogue cost lines sum to {total:,.2f}, the optimum is "
            f"{result.total_cost_gbp_per_year:,.2f}"
        )
    return lines


def _weights(
    line: Any,
    rule: str,
    heads: Mapping[str, float],
    quantity: Mapping[tuple[str, str, str], float],
    shared_services: Mapping[str, set[str]],
) -> dict[str, float]:
    """Weight of each member of a cost line under ``rule`` (per_capita: headcount; activity_based: the driver)."""
    members = list(line.members)
    if rule == "per_capita" or line.driver == "headcount":
        weights = {m: heads.get(m, 0.0) for m in members}
    elif line.service == HOST_OVERHEAD:
        weights = {
            m: math.fsum(quantity.get((m, s, line.driver), 0.0) for s in shared_services.get(m, set())) for m in members
        }
    else:
        weights = {m: quantity.get((m, line.service, line.driver), 0.0) for m in members}
    if math.fsum(weights.values()) <= 0:
        weights = {m: heads.get(m, 0.0) for m in members}
    if math.fsum(weights.values()) <= 0:
        weights = dict.fromkeys(members, 1.0)
    return weights


def allocate_lines(lines: pd.DataFrame, usage: pd.DataFrame, rule: str) -> pd.DataFrame:
    """Split every cost line among its members: ``rule`` is ``per_capita`` (by headcount) or ``activity_based`` (by
    the line's driver: work hours, headcount or cases; the host overhead by work hours on shared services).

    A member only ever pays for lines it is a member of, so a member that does not take a service pays nothing for
    it. Returns member, service, gbp_per_year (one row per member and service, summed over lines); the amounts sum
    to the lines' total.
    """
    if rule not in ("per_capita", "activity_based"):
        raise ValueError(f"rule must be per_capita or activity_based, got {rule!r}")
    heads: dict[str, float] = {}
    quantity: dict[tuple[str, str, str], float] = {}
    for row in usage.itertuples(index=False):
        heads[str(row.member)] = float(row.headcount)
        for driver, column in DRIVERS.items():
            quantity[(str(row.member), str(row.service), driver)] = float(getattr(row, column))
    shared_services: dict[str, set[str]] = {}
    for line in lines.itertuples(index=False):
        if line.mode == "shared":
            for m in line.members:
                shared_services.setdefault(m, set()).add(str(line.service))
    amounts: dict[tuple[str, str], list[float]] = {}
    for line in lines.itertuples(index=False):
        weights = _weights(line, rule, heads, quantity, shared_services)
        total = math.fsum(weights.values())
        for member, weight in weights.items():
            amounts.setdefault((member, str(line.service)), []).append(line.gbp_per_year * weight / total)
    rows = [
        {"member": member, "service": service, "gbp_per_year": math.fsum(parts)}
        for (member, service), parts in amounts.items()
    ]
    return pd.DataFrame(rows, columns=["member", "service", "gbp_per_year"])


def _member_totals(per_service: pd.DataFrame, players: Sequence[str]) -> dict[str, float]:
    sums = per_service.groupby("member")["gbp_per_year"].apply(lambda s: math.fsum(s))
    return {p: float(sums.get(p, 0.0)) for p in players}


def _spread(total: Mapping[str, float], weights: pd.DataFrame, method: str) -> pd.DataFrame:
    """Spread each member's total over its services in proportion to ``weights`` (member, service, gbp_per_year)."""
    parts: dict[str, list[tuple[str, float]]] = {}
    for row in weights.itertuples(index=False):
        parts.setdefault(str(row.member), []).append((str(row.service), float(row.gbp_per_year)))
    rows = []
    for member, amount in total.items():
        mine = parts.get(member, [])
        if not mine:
            rows.append({"member": member, "service": "(all)", "method": method, "gbp_per_year": amount})
            continue
        base = math.fsum(value for _, value in mine)
        for service, value in mine:
            share = value / base if base > 0 else 1.0 / len(mine)
            rows.append({"member": member, "service": service, "method": method, "gbp_per_year": amount * share})
    return pd.DataFrame(rows, columns=["member", "service", "method", "gbp_per_year"])


def build_game(players: Sequence[str], cost_function: CostFunction) -> games.CostGame:
    """The cost game on ``players`` from a callable ``c(frozenset) -> pounds per year`` or a ``{coalition: cost}``
    mapping (keys: frozensets / iterables of names, or ``"A+B"`` strings). Coalitions in the mapping that name
    non-players (members with no demand at the steady-state month) are ignored. Raises ``UserError`` for a missing
    coalition or a bad value."""
    try:
        if callable(cost_function):
            table: dict[frozenset[str], float] = {}
            for size in range(1, len(players) + 1):
                for combo in itertools.combinations(players, size):
                    coalition = frozenset(combo)
                    table[coalition] = cost_function(coalition)
            return games.CostGame.from_table(table, players)
        known = set(players)
        parsed: dict[frozenset[str], float] = {}
        for key, value in cost_function.items():
            names = [p.strip() for p in key.split("+")] if isinstance(key, str) else list(key)
            if not set(names) <= known:
                continue
            parsed[frozenset(names)] = value
        return games.CostGame.from_table(parsed, players)
    except games.GameError as error:
        raise UserError(f"coalition costs: {error}") from None


def _names(coalition: frozenset[str], players: Sequence[str]) -> str:
    ordered = [p for p in players if p in coalition]
    if len(ordered) == 1:
        return f"{ordered[0]} alone"
    return " + ".join(ordered)
