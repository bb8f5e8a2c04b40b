"""Fair tariffs: what each member pays for the shared HR service under per-capita, activity-based and cooperative-game
allocations, and whether any group of members would do better on its own.

Members ask "is my per-capita contribution fair, and would any group of us do better alone?". This module answers
with one table per member (pounds per year) and a core check of every column.

The cost to share
-----------------
Every method splits the same total: ``c(N)``, the efficient annual cost of serving every member at the steady-state
month (``model.simulation.demand.steady_state_month``: the last simulated month, full membership), from the coalition cost
function ``c(S)`` (pounds per year for every non-empty group ``S`` of members). By default ``c`` is the service
catalogue optimiser's (``model.optimisation.coalitions.coalition_costs``: the optimal catalogue for ``S`` alone, including the host
overhead once whenever ``S`` runs a shared service; ``c({i})`` is member ``i``'s stand-alone cost with every service
in house or external). Any other cost function can be passed in (a callable of a ``frozenset`` of member names, or a
precomputed ``{coalition: cost}`` mapping). ``c(N)`` includes the host overhead, so nothing is added to it.

What each member's figure covers: the whole annual cost of its HR catalogue -- its charge for what it takes from the
host team plus, where the optimal catalogue has it buy a service externally or keep it in house, that cost too
(``own_delivery`` column). That is what makes the columns comparable with the stand-alone cost ``c({i})``.

The methods (columns of ``TariffResult.by_member``)
----------------------------------------------------
* ``per_capita`` -- today's practice applied to the efficient cost: the cost of each shared service is split among
  the members that take it from the host, in proportion to headcount (a member that does not take a service pays
  nothing for it; that is partial membership); the host overhead among all members that take anything from the host,
  by headcount; a member's own external or in-house costs are its own.
* ``activity_based`` -- each cost by the driver it arises from: host staff and fixed system costs of a service by the
  work hours each member generates (``expected_annual_demand.work_hours_per_year``), per-head licences and joint
  purchases by headcount (the per-head part) and by cases (the per-case part), the host overhead by each member's
  work hours on shared services.
* ``shapley`` -- each member pays its average extra cost of joining the others, over every order of joining.
* ``nucleolus`` -- the split that makes the unhappiest group as happy as possible (then the next one, ...); in the
  core whenever the core is not empty.
* ``closest_core`` -- the core allocation nearest to the per-capita column (the smallest change to today's rule that
  no group could walk away from; the per-capita column itself when it is already in the core).

Per service (``by_member_service``, for the finance schedule): per-capita and activity-based come out per service by
construction; a game column's member total is spread over the member's services in proportion to its activity-based
charges (the game fixes the total, not the service split).

Decisions
---------
* Host risk premium (``host_risk_premium_gbp_per_year``, from the risk model): what hosting costs the host in expected
  unplanned-leave backfill and KPI breaches. It is charged to the NON-host members in proportion to headcount so the
  host is cost-neutral, and shown as its own column, the same for every method: a member's invoice under method M is
  ``M + risk_premium``, so every method collects the same ``c(N) + premium``. The core check is done on the cost
  shares without the premium: any group that left would have to host itself and carry the same kind of risk, which
  ``c(S)`` does not price.
* Today's contributions: ``tariff.per_capita_rate_gbp_per_head x headcount`` (break-even rate when unset; with
  ``tariff.method = "assessed_share"`` the shares of that total). Surplus = contributions - today's actual cost
  (``model.simulation.summary.cost_summary``: host team as staffed, non-pay, overhead). ``refund_pro_rata``: the surplus goes back
  in proportion to contributions (``surplus_refund``, ``net_today``); ``invest``: it is kept as an investment line
  (the case study's 2015 surplus of GBP 50,000 paid back and/or invested in ESR self-service and a website). A deficit
  (negative surplus) is recovered from members in proportion to contributions under either rule.
* "Would any group of us do better alone?": for every column the coalition with the largest excess
  ``x(S) - c(S)`` (what the group pays beyond its own stand-alone cost); positive means it would walk away. Today's
  net payments get the same test (they do not sum to ``c(N)``, so it is a walk-away test, not a core test).
* Members with no demand at the steady-state month (they have left, or not yet joined) are not players.
* When the cost function has no cost breakdown (a user-supplied ``c``), the per-service lines are today's provision
  costs (host pay by work hours, non-pay, overhead; ``today_cost_lines``) scaled to ``c(N)``, and a note says so.

Units: pounds per year throughout.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from model.fairness import games, solutions
from model.fairness.cost_lines import (
    DRIVERS,
    HOST_OVERHEAD,
    HOST_RISK_PREMIUM,
    LINE_COLUMNS,
    METHOD_LABELS,
    METHODS,
    TODAY,
    CostFunction,
    _member_totals,
    _names,
    _spread,
    active_members,
    allocate_lines,
    build_game,
    catalogue_cost_lines,
    member_usage,
    today_cost_lines,
)
from model.scenario.errors import UserError
from model.scenario.schema import Scenario
from model.simulation import summary
from model.simulation.demand import steady_state_month


def verdict(check: solutions.CoreCheck, players: Sequence[str]) -> str:
    """One sentence a board reads: would any group of members be better off on its own under this allocation?"""
    if not check.worst_coalition:
        return "one member: nothing to compare"
    names = _names(check.worst_coalition, players)
    if check.max_excess > check.tolerance:
        others = check.n_blocking - 1
        tail = f"; {others} other group(s) would also save by leaving" if others > 0 else ""
        return f"Not in the core: {names} would save GBP {format_gbp(check.max_excess)} a year by going it alone{tail}."
    return (
        "In the core: no group of members would save by leaving "
        f"(closest to leaving: {names}, GBP {format_gbp(-check.max_excess)} a year to spare)."
    )


def today_verdict(check: solutions.CoreCheck, players: Sequence[str], paid_today: float, grand: float) -> str:
    """The walk-away sentence for today's net payments (which fund today's cost, not the efficient ``c(N)``)."""
    gap = paid_today - grand
    efficient = (
        f" Serving every member with the efficient catalogue would cost GBP {format_gbp(grand)}, GBP {format_gbp(gap)} a year less "
        "than today's net payments."
        if gap > check.tolerance
        else ""
    )
    if not check.worst_coalition:
        return "one member: nothing to compare"
    names = _names(check.worst_coalition, players)
    if check.max_excess > check.tolerance:
        others = check.n_blocking - 1
        tail = f" ({others} other group(s) would also pay less)" if others > 0 else ""
        return (
            f"At today's net payments {names} would pay GBP {format_gbp(check.max_excess)} a year less by going it alone "
            f"with an efficient catalogue{tail}.{efficient}"
        )
    return (
        f"At today's net payments no group would pay less by going it alone (closest: {names}, GBP "
        f"{format_gbp(-check.max_excess)} a year to spare).{efficient}"
    )


@dataclass
class TariffResult:
    """Tariffs per member under every method, in pounds per year (see the module docstring for the definitions).

    * ``by_member``: one row per member: member, host, headcount, services_from_host, own_services, stand_alone
      (``c({i})``), one column per method (``METHODS``: cost shares summing to ``c(N)``), own_delivery (the member's
      own external/in-house costs, included in per_capita and activity_based), host_overhead (its share of the host
      overhead inside the per_capita column: by headcount among the members that take anything from the host; the
      other methods' shares are in ``by_member_service``), risk_premium, today_contribution,
      surplus_refund, net_today, and ``saving_<method>`` = stand_alone - method.
    * ``by_member_service``: member, service, method, gbp_per_year (long form; ``HOST_OVERHEAD`` and, when there is
      a premium, ``HOST_RISK_PREMIUM`` appear as services; method ``today`` spreads today's contribution). Each
      method's rows sum to ``c(N) + premium``; ``today``'s to the contributions.
    * ``core``: JSON-ready: core non-empty?, least-core epsilon, and per method (and today's net payments) whether it
      is in the core, the coalition with the largest excess and that excess (pounds per year), and a sentence.
    * ``coalition_costs``: every coalition's ``c(S)``, the sum of its members' stand-alone costs and the saving.
    * ``cost_lines``: the lines of ``c(N)`` that per-capita and activity-based split (``LINE_COLUMNS``).
    * ``totals``: headline figures; ``notes``: sentences worth showing a reader.
    """

    scenario_name: str
    players: tuple[str, ...]
    host: str
    adopted_method: str
    surplus_rule: str
    cost_source: str
    by_member: pd.DataFrame
    by_member_service: pd.DataFrame
    core: dict[str, Any]
    coalition_costs: pd.DataFrame
    cost_lines: pd.DataFrame
    totals: dict[str, float]
    notes: list[str] = field(default_factory=list)

    def member_table(self) -> pd.DataFrame:
        """The board's table: member, headcount, stand-alone, today's net payment, each method, the risk premium."""
        columns = ["member", "headcount", "stand_alone", "net_today", *METHODS, "risk_premium"]
        return self.by_member[columns].copy()

    def service_matrix(self, method: str) -> pd.DataFrame:
        """Member x service table (pounds per year) of ``method`` with a Total column, members in scenario order."""
        rows = self.by_member_service[self.by_member_service["method"] == method]
        matrix = rows.pivot_table(
            index="member", columns="service", values="gbp_per_year", aggfunc="sum", fill_value=0.0, sort=False
        )
        matrix = matrix.reindex(index=[p for p in self.players if p in matrix.index])
        matrix["Total"] = matrix.sum(axis=1)
        matrix.columns.name = None
        return matrix

    def to_markdown(self) -> str:
        """A readable report: the member table, savings against going alone, the core verdicts, surplus, notes."""
        t = self.totals
        out = [f"# Tariffs: {self.scenario_name}", ""]
        out.append(
            f"All figures in pounds per year. Cost to share c(N) = GBP {format_gbp(t['grand_coalition_cost_gbp_per_year'])} "
            f"(cost source: {self.cost_source}); every member alone would cost GBP "
            f"{format_gbp(t['stand_alone_total_gbp_per_year'])} in all, so sharing saves GBP "
            f"{format_gbp(t['sharing_saving_gbp_per_year'])}. Host: {self.host}. Today's method: {self.adopted_method}."
        )
        out.append("")
        table = self.member_table()
        table.columns = [
            "Member",
            "Headcount",
            "Stand-alone",
            "Today (net)",
            *[METHOD_LABELS[m] for m in METHODS],
            "Risk premium",
        ]
        out.append(markdown_table(table, total=True))
        out.append("")
        if t["host_risk_premium_gbp_per_year"]:
            out.append(
                f"Host risk premium GBP {format_gbp(t['host_risk_premium_gbp_per_year'])}: paid by the non-host members by "
                "headcount, on top of any column (invoice = column + risk premium)."
            )
            out.append("")
        out.append("## Saving against going alone (stand-alone cost - charge)")
        out.append("")
        saving = self.by_member[["member", *[f"saving_{m}" for m in METHODS]]].copy()
        saving.columns = ["Member", *[METHOD_LABELS[m] for m in METHODS]]
        out.append(markdown_table(saving, total=True))
        out.append("")
        out.append("## Would any group of us do better alone? (core check)")
        out.append("")
        core = self.core
        out.append(core_sentence(core))
        out.append("")
        for method in METHODS:
            out.append(f"* **{METHOD_LABELS[method]}**: {core['methods'][method]['verdict']}")
        today = core.get("today")
        if today:
            out.append(f"* **Today (net payments)**: {today['verdict']}")
        out.append("")
        out.append("## Surplus")
        out.append("")
        out.append(
            f"Today's contributions GBP {format_gbp(t['today_contributions_gbp_per_year'])} against today's cost GBP "
            f"{format_gbp(t['today_cost_gbp_per_year'])}: surplus GBP {format_gbp(t['surplus_gbp_per_year'])}; rule "
            f"'{self.surplus_rule}': refunded GBP {format_gbp(t['surplus_refunded_gbp_per_year'])}, invested GBP "
            f"{format_gbp(t['surplus_invested_gbp_per_year'])}."
        )
        if self.notes:
            out.extend(["", "## Notes", ""])
            out.extend(f"* {note}" for note in self.notes)
        return "\n".join(out) + "\n"

    def write(self, run: Any) -> None:
        """Write tariffs.csv, tariffs_by_service.csv, coalition_costs.csv, cost_lines.csv, core_check.json and
        tariffs.md into ``run`` (a ``model.reporting.results.RunFolder`` inside its ``with`` block)."""
        run.write_csv("tariffs.csv", self.by_member)
        run.write_csv("tariffs_by_service.csv", self.by_member_service)
        run.write_csv("coalition_costs.csv", self.coalition_costs)
        lines = self.cost_lines.copy()
        lines["members"] = [" + ".join(m) for m in lines["members"]]
        run.write_csv("cost_lines.csv", lines)
        run.write_json("core_check.json", {**self.core, "totals": self.totals, "notes": self.notes})
        run.write_text("tariffs.md", self.to_markdown())


def format_gbp(value: float) -> str:
    """Whole pounds with thousands separators, never ``-0``."""
    return f"{int(round(value)):,}"


def core_sentence(core: Mapping[str, Any]) -> str:
    """Whether the core is empty, in one sentence, from a ``TariffResult.core``: exact (the enumerated game, or row
    generation that converged), settled by proven bounds on the least-core epsilon, or not settled."""
    epsilon = core.get("least_core_epsilon_gbp_per_year")
    nonempty = core.get("core_nonempty")
    if epsilon is not None and not (isinstance(epsilon, float) and math.isnan(epsilon)):
        state = "not empty" if nonempty else "EMPTY: some group always saves by leaving"
        return f"The core is {state} (least-core epsilon GBP {format_gbp(epsilon)})."
    low, high = (
        math.nan if value is None else float(value)
        for value in core.get("least_core_epsilon_bounds_gbp_per_year") or (None, None)
    )
    if math.isfinite(low) and math.isfinite(high):
        bounds = f"the least-core epsilon lies between GBP {format_gbp(low)} and GBP {format_gbp(high)}"
    elif math.isfinite(low):
        bounds = f"the least-core epsilon is at least GBP {format_gbp(low)}"
    elif math.isfinite(high):
        bounds = f"the least-core epsilon is at most GBP {format_gbp(high)}"
    else:
        bounds = "the least core was not computed"
    if math.isfinite(low) or math.isfinite(high):
        bounds += " (row generation stopped at its round budget)"
    if nonempty is True:
        return f"The core is not empty: {bounds}, so a tariff in the core exists."
    if nonempty is False:
        return f"The core is EMPTY: some group always saves by leaving; {bounds}."
    return f"Whether the core is empty is not settled: {bounds}."


def markdown_table(frame: pd.DataFrame, total: bool = False) -> str:
    """A GitHub-markdown table; floats as whole pounds with thousands separators; optional Total row. Text cells are
    neutralised (``model.scenario.escaping.neutralise_cell``: no formula when pasted into a spreadsheet) and ``|`` escaped."""
    from model.scenario.escaping import neutralise_cell

    shown = frame.copy()
    if total:
        sums: dict[str, Any] = {}
        for i, column in enumerate(shown.columns):
            if i == 0:
                sums[column] = "Total"
            elif pd.api.types.is_numeric_dtype(shown[column]) and not pd.api.types.is_bool_dtype(shown[column]):
                sums[column] = shown[column].sum()
            else:
                sums[column] = ""
        shown = pd.concat([shown, pd.DataFrame([sums])], ignore_index=True)

    def cell(value: Any) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return f"{format_gbp(float(value))}"
        return str(neutralise_cell(str(value))).replace("|", "\\|")

    header = "| " + " | ".join(cell(str(c)) for c in shown.columns) + " |"
    align = "|" + "|".join(" --- " if i == 0 else " ---: " for i in range(len(shown.columns))) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in shown.itertuples(index=False)]
    return "\n".join([header, align, *body])


def _default_costs(
    scenario: Scenario, workers: int, catalogue_options: Any, cache_dir: Any
) -> tuple[Mapping[frozenset[str], float], pd.DataFrame, str]:
    from model.optimisation import coalitions

    costs = coalitions.coalition_costs(scenario, workers=workers, options=catalogue_options, cache_dir=cache_dir)
    lines = catalogue_cost_lines(scenario, catalogue_options)
    return costs, lines, "service catalogue optimiser (model.optimisation.coalitions.coalition_costs)"


def tariff_table(
    scenario: Scenario,
    cost_function: CostFunction | None = None,
    host_risk_premium_gbp_per_year: float = 0.0,
    *,
    cost_lines: pd.DataFrame | None = None,
    workers: int = 2,
    catalogue_options: Any = None,
    cache_dir: Any = None,
    scale_options: Mapping[str, Any] | None = None,
) -> TariffResult:
    """Tariffs per member under per-capita, activity-based, Shapley, nucleolus and closest-core allocations of the
    efficient cost ``c(N)``, with stand-alone costs, today's contributions, the surplus rule, the host risk premium
    and a core check of every column (pounds per year; see the module docstring).

    ``cost_function``: ``c(S)`` as a callable of a frozenset of member names or a ``{coalition: cost}`` mapping;
    default: the catalogue optimiser's (``workers`` processes, ``catalogue_options``, optional disk ``cache_dir``).
    ``cost_lines``: the breakdown of ``c(N)`` (``LINE_COLUMNS``) that per-capita and activity-based split; default:
    the optimal catalogue's lines with the default cost function, else today's provision lines scaled to ``c(N)``.
    ``host_risk_premium_gbp_per_year`` (>= 0): charged to the non-host members by headcount.
    """
    premium = float(host_risk_premium_gbp_per_year)
    if not math.isfinite(premium) or premium < 0:
        raise UserError(
            f"host risk premium must be a number >= 0 (pounds per year), got {host_risk_premium_gbp_per_year}"
        )
    usage = member_usage(scenario)
    players = active_members(scenario, usage)
    if not players:
        raise UserError(f"no member has any demand in month {steady_state_month(scenario)} (the steady-state month)")
    # Beyond EXACT_MAX_MEMBERS the catalogue optimiser's game is sampled and row-generated (model.fairness.tariffs_at_scale)
    from model.fairness.tariffs_at_scale import EXACT_MAX_MEMBERS

    at_scale = cost_function is None and len(players) > EXACT_MAX_MEMBERS
    if cost_function is not None and len(players) > games.MAX_LP_PLAYERS:
        raise UserError(
            f"{len(players)} members: with a supplied cost function the nucleolus and core checks handle at most "
            f"{games.MAX_LP_PLAYERS} (the catalogue optimiser's own cost function has no limit)"
        )
    notes: list[str] = []
    inactive = [m for m in scenario.member_names if m not in players]
    if inactive:
        notes.append(
            f"Not in the tariff (no demand in month {steady_state_month(scenario)}, the steady-state month): "
            + ", ".join(inactive)
            + "."
        )

    game: Any = None
    if at_scale:
        source = "service catalogue optimiser, coalitions solved on demand (model.fairness.tariffs_at_scale)"
        if cost_lines is None:
            cost_lines = catalogue_cost_lines(scenario, catalogue_options)
        grand = math.fsum(cost_lines["gbp_per_year"])
    else:
        if cost_function is None:
            cost_function, default_lines, source = _default_costs(scenario, workers, catalogue_options, cache_dir)
            if cost_lines is None:
                cost_lines = default_lines
        else:
            source = "supplied cost function"
        game = build_game(players, cost_function)
        grand = game.grand_value
    from_today = cost_lines is None
    if from_today:
        cost_lines = today_cost_lines(scenario)
        notes.append(
            "The cost function gives no breakdown: per-capita and activity-based split today's provision costs "
            "(host pay by work hours, non-pay, overhead) scaled to c(N)."
        )
    lines = _check_lines(cost_lines, players, usage)
    lines_total = math.fsum(lines["gbp_per_year"])
    if lines_total <= 0:
        raise UserError("cost lines sum to zero: nothing to split")
    if not math.isclose(lines_total, grand, rel_tol=1e-9, abs_tol=1e-6):
        if not from_today:
            notes.append(
                f"The cost lines (GBP {format_gbp(lines_total)}) were scaled to c(N) = GBP {format_gbp(grand)}."
            )
        lines = lines.assign(gbp_per_year=lines["gbp_per_year"] * grand / lines_total)

    # --- allocations ----------------------------------------------------------------------------------------------
    per_service = {rule: allocate_lines(lines, usage, rule) for rule in ("per_capita", "activity_based")}
    allocations: dict[str, dict[str, float]] = {
        rule: _member_totals(per_service[rule], players) for rule in per_service
    }
    if at_scale:
        from model.fairness.tariffs_at_scale import result_at_scale

        return result_at_scale(
            scenario,
            players,
            usage,
            lines,
            per_service,
            allocations,
            premium,
            notes,
            source,
            grand,
            workers=workers,
            catalogue_options=catalogue_options,
            scale_options=scale_options,
        )
    allocations["shapley"] = solutions.shapley(game).to_dict()
    if cost_function is not None and source != "supplied cost function":
        notes.append(
            f"Methods: exact, every one of the {2 ** len(players) - 1:,} coalitions costed by the catalogue optimiser."
        )
    try:
        nucleolus = solutions.nucleolus(game)
    except games.EmptyImputationSetError:
        nucleolus = solutions.prenucleolus(game)
        notes.append(
            "c(N) exceeds the sum of stand-alone costs (no allocation gives everyone at most its stand-alone cost): "
            "the nucleolus column is the prenucleolus."
        )
    allocations["nucleolus"] = nucleolus.to_dict()
    notes.extend(nucleolus.notes)  # e.g. constraint generation fell back to enumerating every coalition
    closest = solutions.closest_core_allocation(game, allocations["per_capita"])
    allocations["closest_core"] = closest.to_dict()
    notes.extend(closest.notes)

    # --- core checks ----------------------------------------------------------------------------------------------
    epsilon = solutions.least_core_epsilon(game)
    tolerance = games.REL_TOL * max(abs(float(v)) for v in game.table)
    core: dict[str, Any] = {
        "players": list(players),
        "unit": "GBP per year",
        "grand_coalition_cost_gbp_per_year": grand,
        "core_nonempty": bool(epsilon <= tolerance),
        "least_core_epsilon_gbp_per_year": float(epsilon),
        "excess_meaning": "x(S) - c(S): how much more group S pays than its own stand-alone cost; > 0: it would leave",
        "methods": {},
    }
    for method in METHODS:
        check = core_check(game, allocations[method])
        core["methods"][method] = _check_json(check, players)

    stand_alone = {p: game.value(frozenset([p])) for p in players}
    coalition_costs = coalition_cost_table(
        ((game.coalition(mask), float(game.table[mask])) for mask in range(1, 1 << len(players))), players, stand_alone
    )
    return _finish(
        scenario,
        players,
        usage,
        lines,
        per_service,
        allocations,
        premium,
        notes,
        source,
        grand,
        core,
        stand_alone,
        lambda x: core_check(game, x),
        coalition_costs,
        game.is_subadditive(),
    )


def coalition_cost_table(
    coalitions: Iterable[tuple[Iterable[str], float]], players: Sequence[str], stand_alone: Mapping[str, float]
) -> pd.DataFrame:
    """``coalition_costs.csv``: one row per costed coalition (its key, size, cost c(S), the sum of its members'
    stand-alone costs and the saving, all GBP per year), by size then key; shared by the exact and at-scale paths."""
    rows = []
    for coalition, cost in coalitions:
        members = list(coalition)
        alone = math.fsum(stand_alone[m] for m in members)
        rows.append(
            {
                "coalition": games.coalition_key(members, players),
                "size": len(members),
                "cost_gbp_per_year": cost,
                "stand_alone_sum_gbp_per_year": alone,
                "saving_gbp_per_year": alone - cost,
            }
        )
    return pd.DataFrame(rows).sort_values(["size", "coalition"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class TodayPayments:
    """Today's money, pounds per year: the provision's ``cost`` (``summary.cost_summary``), each member's
    ``contributions`` under the SLA, the ``surplus`` (contributions - cost), what the surplus rule refunds
    (``refund_total``, per member ``refund``) and each member's ``net`` payment."""

    cost: float
    contributions: dict[str, float]
    surplus: float
    refund_total: float
    refund: dict[str, float]
    net: dict[str, float]


def today_payments(scenario: Scenario, players: Sequence[str]) -> TodayPayments:
    """Today's contributions, surplus refund and net payment per member (``TodayPayments``): refunds pro rata to
    contributions under "refund_pro_rata", and always when there is a deficit (a negative refund is a top-up)."""
    today_cost = summary.cost_summary(scenario)["total_cost_gbp_per_year"]
    today = today_contributions(scenario, players, today_cost)
    contributions = math.fsum(today.values())
    surplus = contributions - today_cost
    rule = scenario.tariff.surplus_rule
    refund_total = surplus if (rule == "refund_pro_rata" or surplus < 0) else 0.0
    refund = {p: refund_total * today[p] / contributions if contributions > 0 else 0.0 for p in players}
    net = {p: today[p] - refund[p] for p in players}
    return TodayPayments(today_cost, today, surplus, refund_total, refund, net)


def _finish(
    scenario: Scenario,
    players: Sequence[str],
    usage: pd.DataFrame,
    lines: pd.DataFrame,
    per_service: dict[str, pd.DataFrame],
    allocations: dict[str, dict[str, float]],
    premium: float,
    notes: list[str],
    source: str,
    grand: float,
    core: dict[str, Any],
    stand_alone: dict[str, float],
    walk_away: Callable[[dict[str, float]], solutions.CoreCheck],
    coalition_costs: pd.DataFrame,
    subadditive: bool | None,
) -> TariffResult:
    """Stand-alone costs, today's contributions and surplus, the premium and the result's tables (both paths)."""
    heads = {m.name: float(m.headcount) for m in scenario.members if m.name in players}
    paid = today_payments(scenario, players)
    today, refund, net_today = paid.contributions, paid.refund, paid.net
    today_cost, surplus, refund_total = paid.cost, paid.surplus, paid.refund_total
    contributions = math.fsum(today.values())
    rule = scenario.tariff.surplus_rule
    if len(players) > 1:
        walk = walk_away({p: net_today[p] for p in players})
        today_json = _check_json(walk, players)
        today_json["verdict"] = today_verdict(walk, players, math.fsum(net_today.values()), grand)
        today_json["budget_gap_gbp_per_year"] = float(math.fsum(net_today.values()) - grand)
        today_json["note"] = "today's net payments fund today's cost, not c(N): a walk-away test, not a core test"
        core["today"] = today_json
    risk = risk_premium_shares(scenario, players, premium)

    # --- tables ---------------------------------------------------------------------------------------------------
    own = {p: 0.0 for p in players}
    for line in lines.itertuples(index=False):
        if len(line.members) == 1 and line.mode in ("in_house", "external"):
            own[line.members[0]] += line.gbp_per_year
    from_host: dict[str, list[str]] = {p: [] for p in players}
    own_services: dict[str, list[str]] = {p: [] for p in players}
    for line in lines.itertuples(index=False):
        if line.service == HOST_OVERHEAD:
            continue
        target = from_host if line.mode == "shared" else own_services
        for m in line.members:
            if m in target and line.service not in target[m]:
                target[m].append(line.service)
    service_order = {s: i for i, s in enumerate(scenario.service_names)}
    pc = per_service["per_capita"]
    overhead_share = dict(
        zip(
            pc.loc[pc["service"] == HOST_OVERHEAD, "member"],
            pc.loc[pc["service"] == HOST_OVERHEAD, "gbp_per_year"],
            strict=True,
        )
    )
    rows = []
    for p in players:
        row: dict[str, Any] = {
            "member": p,
            "host": p == scenario.host.member,
            "headcount": int(heads[p]),
            "services_from_host": ", ".join(sorted(from_host[p], key=lambda s: service_order.get(s, 99))),
            "own_services": ", ".join(sorted(own_services[p], key=lambda s: service_order.get(s, 99))),
            "stand_alone": stand_alone[p],
        }
        for method in METHODS:
            row[method] = allocations[method][p]
        row.update(
            {
                "own_delivery": own[p],
                "host_overhead": overhead_share.get(p, 0.0),
                "risk_premium": risk[p],
                "today_contribution": today[p],
                "surplus_refund": refund[p],
                "net_today": net_today[p],
            }
        )
        for method in METHODS:
            row[f"saving_{method}"] = stand_alone[p] - allocations[method][p]
        rows.append(row)
    by_member = pd.DataFrame(rows)

    frames = []
    for rule_name, frame in per_service.items():
        frames.append(frame.assign(method=rule_name)[["member", "service", "method", "gbp_per_year"]])
    for method in ("shapley", "nucleolus", "closest_core"):
        frames.append(_spread(allocations[method], per_service["activity_based"], method))
    if premium > 0:
        for method in METHODS:
            frames.append(
                pd.DataFrame(
                    [
                        {"member": p, "service": HOST_RISK_PREMIUM, "method": method, "gbp_per_year": risk[p]}
                        for p in players
                        if risk[p] > 0
                    ]
                )
            )
    today_lines = today_cost_lines(scenario)
    today_weights = (
        allocate_lines(today_lines, usage, "activity_based") if len(today_lines) else per_service["activity_based"]
    )
    frames.append(_spread(today, today_weights, TODAY))
    by_member_service = pd.concat(frames, ignore_index=True)

    if subadditive is False:
        notes.append("c(S) is not subadditive: some group costs more together than split into smaller groups.")

    invested = surplus if (rule == "invest" and surplus > 0) else 0.0
    totals = {
        "grand_coalition_cost_gbp_per_year": grand,
        "stand_alone_total_gbp_per_year": math.fsum(stand_alone.values()),
        "sharing_saving_gbp_per_year": math.fsum(stand_alone.values()) - grand,
        "host_risk_premium_gbp_per_year": premium,
        "charged_total_gbp_per_year": grand + premium,
        "today_contributions_gbp_per_year": contributions,
        "today_cost_gbp_per_year": today_cost,
        "surplus_gbp_per_year": surplus,
        "surplus_refunded_gbp_per_year": refund_total,
        "surplus_invested_gbp_per_year": invested,
        "member_headcount": math.fsum(heads.values()),
        "host_overhead_gbp_per_year": math.fsum(lines.loc[lines["service"] == HOST_OVERHEAD, "gbp_per_year"]),
    }
    return TariffResult(
        scenario_name=scenario.name,
        players=tuple(players),
        host=scenario.host.member,
        adopted_method=scenario.tariff.method,
        surplus_rule=rule,
        cost_source=source,
        by_member=by_member,
        by_member_service=by_member_service,
        core=core,
        coalition_costs=coalition_costs,
        cost_lines=lines,
        totals=totals,
        notes=notes,
    )


def _check_lines(lines: pd.DataFrame, players: Sequence[str], usage: pd.DataFrame) -> pd.DataFrame:
    """Validate cost lines: the columns, known drivers, members that are players, finite amounts."""
    missing = [c for c in LINE_COLUMNS if c not in lines.columns]
    if missing:
        raise UserError(f"cost lines need columns {', '.join(LINE_COLUMNS)}; missing {', '.join(missing)}")
    known = set(players)
    out = lines[LINE_COLUMNS].copy()
    out["members"] = [
        tuple(m) if not isinstance(m, str) else tuple(x.strip() for x in m.split("+")) for m in out["members"]
    ]
    for line in out.itertuples(index=False):
        if line.driver not in DRIVERS:
            raise UserError(
                f"cost line {line.service}/{line.item}: unknown driver '{line.driver}'; use {', '.join(DRIVERS)}"
            )
        if not line.members or not set(line.members) <= known:
            raise UserError(
                f"cost line {line.service}/{line.item}: members {', '.join(line.members) or '(none)'} must be "
                f"players ({', '.join(players)})"
            )
        if not math.isfinite(float(line.gbp_per_year)):
            raise UserError(f"cost line {line.service}/{line.item}: amount is not a finite number")
    return out.reset_index(drop=True)


def core_check(game: games.CostGame, allocation: Mapping[str, float]) -> solutions.CoreCheck:
    """``solutions.core_check``, with ties for the largest excess (within the core tolerance) broken towards the
    smallest group, then the first in member order, so the group named to a board does not depend on rounding."""
    check = solutions.core_check(game, allocation)
    if game.n == 1:
        return check
    values = solutions.excesses(game, allocation)
    full = (1 << game.n) - 1
    tied = [mask for mask in range(1, full) if values[mask] >= check.max_excess - check.tolerance]
    order = {p: i for i, p in enumerate(game.players)}

    def key(mask: int) -> tuple[int, list[int]]:
        members = game.coalition(mask)
        return len(members), sorted(order[p] for p in members)

    best = min(tied, key=key)
    return dataclasses.replace(check, worst_coalition=game.coalition(best))


def _check_json(check: solutions.CoreCheck, players: Sequence[str]) -> dict[str, Any]:
    return {
        "in_core": bool(check.in_core),
        "worst_coalition": [p for p in players if p in check.worst_coalition],
        "excess_gbp_per_year": float(check.max_excess) if math.isfinite(check.max_excess) else None,
        "coalitions_that_would_leave": int(check.n_blocking),
        "verdict": verdict(check, players),
    }


def today_contributions(scenario: Scenario, players: Sequence[str], today_cost: float) -> dict[str, float]:
    """Today's contribution per member, pounds per year: ``per_capita_rate_gbp_per_head x headcount`` (break-even
    rate, today's cost / headcount, when unset); with ``tariff.method = "assessed_share"`` that total is split by
    ``tariff.shares`` (renormalised over the players)."""
    heads = {m.name: float(m.headcount) for m in scenario.members if m.name in players}
    total_heads = math.fsum(heads.values())
    rate = scenario.tariff.per_capita_rate_gbp_per_head
    if rate is None:
        rate = today_cost / total_heads
    contributions = {p: rate * heads[p] for p in players}
    tariff = scenario.tariff
    if tariff.method == "assessed_share" and tariff.shares:
        shares = {p: tariff.shares.get(p, 0.0) for p in players}
        weight = math.fsum(shares.values())
        total = math.fsum(contributions.values())
        if weight > 0:
            contributions = {p: total * shares[p] / weight for p in players}
    return contributions


def risk_premium_shares(scenario: Scenario, players: Sequence[str], premium: float) -> dict[str, float]:
    """The host risk premium split among the NON-host players by headcount (the host pays none), pounds per year.

    Raises ``UserError`` if there is a premium but no non-host member to pay it.
    """
    shares = dict.fromkeys(players, 0.0)
    if premium == 0:
        return shares
    payers = [m for m in scenario.members if m.name in players and m.name != scenario.host.member]
    if not payers:
        raise UserError("a host risk premium needs at least one non-host member to pay it")
    heads = math.fsum(m.headcount for m in payers)
    for m in payers:
        shares[m.name] = premium * m.headcount / heads
    return shares
