"""Risk of hosting: stress tests run as paired scenarios with common random numbers, the cost they put on the host,
and the host risk premium that makes hosting cost-neutral in expectation.

The case study's open risk: "HVCCG takes the risk of unplanned staff leave when delivering the service agreed within
the service level agreement". This module prices it.

Stress tests
------------
A stress test is a named, parameterised, pure transformation ``Scenario -> Scenario`` (:class:`StressTest`, built by
:func:`sickness`, :func:`lose_specialist`, :func:`vacancy_freeze`, :func:`er_surge`, :func:`member_leaves`,
:func:`member_joins`). The base and the stressed scenario are simulated on the same replications with the same seed
(common random numbers, see ``model.risk.whatif``) and compared replication by replication.

Cost to the host (pounds per year over the KPI window), per replication:

    host cost = agency backfill - pay saved on vacant posts + breach_cost_gbp_per_case x late cases   (simulated)
              + stranded cost                                                                        (deterministic)

* the first line is ``host_unplanned_cost_gbp_per_year`` of ``model.risk.whatif``: what unplanned leave costs the host
  beyond its planned budget (the planned budget is the full team on full pay, which the contributions fund);
* the stranded cost is the drop in the host's margin (contributions received minus the member-driven non-pay such as
  per-head licences and joint purchases) when a member leaves early: the team and its pay stay, the leaver's
  contribution stops (the Cheshire case: when the PCTs were abolished the service would "revert simply to an in-house
  HR team for the acute trust"). A member joining has a negative stranded cost (extra income) but loads the team.
  ``notice_months`` of :func:`member_leaves` is a contractual notice period during which the leaver still pays.

Premium
-------
:func:`host_risk_premium` is the expected host cost of unplanned leave relative to a world without it (the same
scenario with sickness and turnover set to zero, run on the same random numbers): charging it to the members each
year makes the host's expected extra cost zero. It is the figure the tariff table takes as
``host_risk_premium_gbp_per_year``. Each stress test also gets a conditional premium (its expected extra host cost
relative to the base, "if this happens"); given an annual probability for a stress, ``probability x conditional
premium`` can be added as a loading (``stress_probabilities``). The premium is split as the tariff table splits it
(``model.fairness.tariffs.risk_premium_shares``: the non-host members by headcount; the host pays none of it).
``vacancy_offset=False`` prices the agency bill without crediting the pay saved on vacant posts (when underspends
are refunded to the members through the surplus rule rather than offsetting the host's overspend).

The specialist
--------------
:func:`lose_specialist` adds a ``forced_absences`` entry to the scenario (``model.scenario.ForcedAbsence``): person 0
of the role is away for exactly the window of months, as long-term sickness (paid) or a vacancy (unpaid). The
simulator lays the window over that post's drawn absences, which are otherwise unchanged, and backfills it like any
other long absence (an agency worker from ``after_days + lead_time_days`` into it, if the policy covers that kind).
Service effects (queue build-up and recovery included) and costs (agency days at the role's day rate, pay saved on
a vacancy) are simulated, paired with the base on the same random numbers, like every other stress: no scaling.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from model.fairness import cost_lines, tariffs
from model.risk.choices import COVID_SICKNESS_RATE
from model.risk.whatif import (
    ALL,
    MEASURE_COLUMNS,
    kpi_measures,
    member_contributions,
    paired_differences,
    paired_table,
    run_measures,
    window_months,
)
from model.scenario.errors import ScenarioError, UserError
from model.scenario.schema import Member, Scenario, apply_overrides, scenario_from_dict
from model.scenario.units import WORKING_DAYS_PER_MONTH
from model.simulation.statistics import t_confidence_interval, wilson_interval

HOST_COST = "host_cost_gbp_per_year"


STRANDED = "stranded_cost_gbp_per_year"


@dataclass(frozen=True)
class StressTest:
    """A named stress: ``transform`` maps the base scenario to the stressed one (a pure function), simulated
    paired with the base. ``margin_credit`` (optional) maps the base scenario to contributions still received after a
    leave (notice period), pounds per year. ``notes`` are copied into the result's notes.
    """

    name: str
    description: str
    transform: Callable[[Scenario], Scenario]
    notes: tuple[str, ...] = ()
    margin_credit: Callable[[Scenario], float] | None = None
    kind: str = ""

    def __call__(self, scenario: Scenario) -> Scenario:
        return self.transform(scenario)


def sickness(rate: float = COVID_SICKNESS_RATE) -> StressTest:
    """Host (and in-house) staff sickness absence raised to ``rate`` (fraction of scheduled days lost) for the
    whole horizon. Default 6.5%: the Covid-era NHS peaks of 6.2-6.7% (domain figures s.2, FOUND)."""
    if not 0 <= rate < 0.5:
        raise UserError(f"sickness rate must be in [0, 0.5), got {rate}")
    return StressTest(
        name=f"sickness_{rate:.3g}",
        kind="sickness",
        description=f"sickness absence {rate:.1%} of scheduled days (Covid-era NHS peak 6.2-6.7%)",
        transform=lambda s: apply_overrides(s, [f"absence.sickness_rate={rate}"]),
    )


def no_unplanned_leave() -> StressTest:
    """The reference world of the premium: no sickness and no resignations (planned leave unchanged)."""
    return StressTest(
        name="no_unplanned_leave",
        kind="reference",
        description="no sickness absence and no staff turnover (reference for the premium)",
        transform=lambda s: apply_overrides(s, ["absence.sickness_rate=0", "absence.turnover_rate_per_year=0"]),
    )


def specialist_shares(scenario: Scenario) -> pd.DataFrame:
    """For every one-person host role (0 < fte <= 1) and each of its own skills with shared demand: the role's share
    of the host's case-work capacity for that skill (hours a day, cross-skills weighted by their productivity).
    The role with the largest share is the team's most exposed 'sole specialist'."""
    allow = scenario.simulation.allow_cross_skilling
    skills_with_demand = {s.skill for s in scenario.services if s.delivery.shared is not None}
    rows = []
    for role in scenario.roles:
        if not 0 < role.fte <= 1.0 + 1e-9:
            continue
        for skill in role.skills:
            if skill not in skills_with_demand:
                continue
            total = sum(r.fte * r.productive_hours_per_day * r.productivity_for(skill, allow) for r in scenario.roles)
            own = role.fte * role.productive_hours_per_day
            rows.append({"role": role.name, "skill": skill, "share_of_capacity": own / total if total else 1.0})
    table = pd.DataFrame(rows, columns=["role", "skill", "share_of_capacity"])
    return table.sort_values("share_of_capacity", ascending=False, kind="stable").reset_index(drop=True)


def sole_specialist(scenario: Scenario) -> str:
    """The one-person host role whose absence removes the largest share of capacity for one of its skills
    (:func:`specialist_shares`); UserError if the team has no one-person role."""
    table = specialist_shares(scenario)
    if table.empty:
        raise UserError(
            "the host team has no one-person role (0 < fte <= 1) doing shared work: name one with --specialist"
        )
    return str(table["role"].iloc[0])


def specialist_gap(scenario: Scenario, role: str, months: float, kind: str = "sickness") -> dict[str, float]:
    """Working days the post is really unfilled and agency days, for an absence of ``months`` months of one person
    of ``role`` under the scenario's backfill policy (an agency worker arrives ``after_days + lead_time_days`` into
    a covered absence: long-term sickness for ``kind="sickness"``, vacancy for ``kind="vacancy"``)."""
    days = months * WORKING_DAYS_PER_MONTH
    rule = scenario.absence.backfill
    cover = "long_term_sickness" if kind == "sickness" else "vacancy"
    delay = rule.after_days + rule.lead_time_days
    covered = rule.enabled and cover in rule.covers and days > delay
    unfilled = min(days, delay) if covered else days
    return {"absence_days": days, "unfilled_days": unfilled, "agency_days": days - unfilled if covered else 0.0}


def lose_specialist(
    role: str | None = None, months: float = 3.0, start_month: int | None = None, kind: str = "sickness"
) -> StressTest:
    """One person of ``role`` (default: :func:`sole_specialist`) is away for ``months`` months from the start of
    ``start_month`` (default: the middle of the KPI window; it has to lie inside the window).

    Exact: the stressed scenario gets a ``forced_absences`` entry for person 0 of the role (the first full-timer, or
    the part-timer of a role under 1 FTE) over ``months x 21.75`` working days, simulated like any absence
    (``model.simulation.absence``, forced absences). ``kind="sickness"`` (default): long-term sickness, salary still paid,
    agency cover per the backfill policy. ``kind="vacancy"``: the post is vacant (salary saved), agency cover only if
    the policy covers vacancies. A sole holder of a skill can be taken out too: that work waits for the agency
    worker or the person's return.
    """
    if months <= 0:
        raise UserError(f"months must be positive, got {months}")
    if kind not in ("sickness", "vacancy"):
        raise UserError(f"kind must be 'sickness' or 'vacancy', got {kind!r}")

    def chosen(s: Scenario) -> str:
        name = role if role is not None else sole_specialist(s)
        try:
            s.role(name)
        except KeyError:
            raise UserError(f"unknown role '{name}'; roles: {', '.join(r.name for r in s.roles)}") from None
        return name

    def transform(s: Scenario) -> Scenario:
        name = chosen(s)
        months_in_window = len(window_months(s))
        first = start_month if start_month is not None else s.simulation.warm_up_months + months_in_window // 2
        if not s.simulation.warm_up_months <= first < s.simulation.horizon_months:
            raise UserError(f"start month {first} is outside the KPI window of the scenario")
        data = s.model_dump(mode="json")
        forced = {"role": name, "person": 0, "start_month": first, "months": months, "kind": kind}
        data["forced_absences"] = [*data.get("forced_absences", []), forced]
        try:
            return scenario_from_dict(data, origin="lose_specialist")
        except ScenarioError as error:
            raise UserError(f"cannot take one person of '{name}' out: {error.problems[-1]}") from None

    label = role or "the sole specialist"
    return StressTest(
        name=f"lose_{role or 'specialist'}_{months:g}m",
        kind="specialist",
        description=f"one person of {label} away for {months:g} months ({kind})",
        transform=transform,
    )


def vacancy_freeze(agency_cover: bool = False) -> StressTest:
    """No recruitment: a post left by a resignation stays vacant to the end of the horizon. By default the freeze
    also stops agency cover of vacancies (``agency_cover=False``: a freeze is a spending control); pay is saved."""

    def transform(s: Scenario) -> Scenario:
        never = (s.simulation.horizon_months + 1) * WORKING_DAYS_PER_MONTH
        sets = [f"absence.vacancy_refill_days={never:.9g}"]
        if not agency_cover:
            covers = [c for c in s.absence.backfill.covers if c != "vacancy"]
            sets.append("absence.backfill.covers=[" + ", ".join(f'"{c}"' for c in covers) + "]")
        return apply_overrides(s, sets)

    return StressTest(
        name="vacancy_freeze",
        kind="freeze",
        description="vacancy freeze: leavers not replaced" + ("" if agency_cover else ", no agency cover of vacancies"),
        transform=transform,
    )


def er_surge(factor: float = 1.5, service: str | None = None) -> StressTest:
    """Demand for employee-relations work multiplied by ``factor`` for the whole horizon (e.g. a restructure or a
    wave of disciplinary cases). ``service`` defaults to every service needing the ``employee_relations`` skill."""
    if factor <= 0:
        raise UserError(f"surge factor must be positive, got {factor}")

    def transform(s: Scenario) -> Scenario:
        names = [service] if service else [x.name for x in s.services if x.skill == "employee_relations"]
        if not names:
            raise UserError("no employee-relations service in this scenario: name one with --surge-service")
        sets = []
        for name in names:
            try:
                current = s.service(name).demand_per_1000_headcount_per_year
            except KeyError:
                raise UserError(f"unknown service '{name}'; services: {', '.join(s.service_names)}") from None
            sets.append(f"services.{name}.demand_per_1000_headcount_per_year={current * factor:.9g}")
        return apply_overrides(s, sets)

    return StressTest(
        name=f"er_surge_{factor:g}x",
        kind="surge",
        description=f"employee-relations demand x{factor:g}",
        transform=transform,
    )


def member_leaves(member: str, month: int, notice_months: int = 0) -> StressTest:
    """``member`` leaves at simulation month ``month`` (the Cheshire case: PCTs abolished). Its demand and its
    contribution stop; the host team stays. ``notice_months``: months of contribution the leaver still pays under
    the SLA's notice clause (0 = none, the host's worst case)."""

    def transform(s: Scenario) -> Scenario:
        try:
            current = s.member(member)
        except KeyError:
            raise UserError(f"unknown member '{member}'; members: {', '.join(s.member_names)}") from None
        if member == s.host.member:
            raise UserError("the host cannot leave its own shared service")
        if current.leave_month is not None and current.leave_month <= month:
            raise UserError(f"{member} already leaves at month {current.leave_month}")
        return apply_overrides(s, [f"members.{member}.leave_month={month}"])

    def credit(s: Scenario) -> float:
        base = s.member(member)
        end = base.leave_month if base.leave_month is not None else s.simulation.horizon_months
        months = window_months(s)
        lost = [m for m in months if month <= m < end]
        paid = len(lost[:notice_months])
        return member_contributions(s)[member] * paid / len(months)

    return StressTest(
        name=f"{_slug(member)}_leaves_m{month}",
        kind="leave",
        description=f"{member} leaves at month {month}"
        + (f" ({notice_months} months' notice paid)" if notice_months else ""),
        transform=transform,
        margin_credit=credit,
    )


def member_joins(
    name: str = "New member",
    headcount: int = 150,
    month: int = 0,
    fte: float | None = None,
    services: Sequence[str] | None = None,
) -> StressTest:
    """A new member of ``headcount`` staff joins at month ``month`` taking ``services`` (all when None), paying
    the same per-capita rate; the host team is not resized."""

    def transform(s: Scenario) -> Scenario:
        if name in s.member_names:
            raise UserError(f"'{name}' is already a member")
        data = s.model_dump(mode="json")
        joiner = Member(
            name=name,
            headcount=headcount,
            fte=fte if fte is not None else round(0.9 * headcount, 1),
            join_month=month,
            services=list(services) if services is not None else None,
            source="stress test: member joins",
        )
        data["members"].append(joiner.model_dump(mode="json"))
        return scenario_from_dict(data, origin="member_joins")

    return StressTest(
        name=f"{_slug(name)}_joins_m{month}",
        kind="join",
        description=f"{name} ({headcount} staff) joins at month {month}",
        transform=transform,
    )


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text.lower()).strip("_")


def mid_window_month(scenario: Scenario) -> int:
    """The middle month of the KPI window: where default leave/join/absence stresses start."""
    months = window_months(scenario)
    return months.start + len(months) // 2


def default_stress_tests(
    scenario: Scenario,
    sickness_rate: float = COVID_SICKNESS_RATE,
    specialist: str | None = None,
    specialist_months: float = 3.0,
    surge_factor: float = 1.5,
    leaver: str | None = None,
    leave_month: int | None = None,
) -> list[StressTest]:
    """The issue's stress set for ``scenario``: Covid-era sickness, loss of the sole specialist for three months, a
    vacancy freeze, a 50% surge in ER cases, the largest non-host member leaving mid-window, and a new member (the
    median member's size) joining mid-window. Stresses that do not apply (no ER service, no one-person role, no
    other member) are left out."""
    month = mid_window_month(scenario)
    tests = [sickness(sickness_rate)]
    try:
        role = specialist or sole_specialist(scenario)
        tests.append(lose_specialist(role, specialist_months, start_month=month))
    except UserError:
        pass
    tests.append(vacancy_freeze())
    if any(s.skill == "employee_relations" for s in scenario.services):
        tests.append(er_surge(surge_factor))
    when = leave_month if leave_month is not None else month
    if leaver is None:
        candidates = [
            m
            for m in scenario.members
            if m.name != scenario.host.member
            and m.join_month <= when
            and (m.leave_month is None or m.leave_month > when)
        ]
        leaver = max(candidates, key=lambda m: m.headcount).name if candidates else None
    if leaver is not None:
        tests.append(member_leaves(leaver, when))
    heads = int(np.median([m.headcount for m in scenario.members]))
    tests.append(member_joins("New member", heads, month))
    return tests


def adjust_measures(
    test: StressTest,
    base_scenario: Scenario,
    base: pd.DataFrame,
    stressed: pd.DataFrame,
    vacancy_offset: bool = True,
) -> pd.DataFrame:
    """The stressed measures (simulated, used as they are) plus ``stranded_cost_gbp_per_year`` (base margin -
    stressed margin - the test's ``margin_credit``) and ``host_cost_gbp_per_year`` (:func:`host_cost_series`: host
    unplanned cost + stranded cost), per replication, pounds per year."""
    margin_base = _per_rep(base, "host_margin_gbp_per_year")
    margin = _per_rep(stressed, "host_margin_gbp_per_year")
    credit = test.margin_credit(base_scenario) if test.margin_credit is not None else 0.0
    stranded = (margin_base - margin - credit).reindex(margin.index).fillna(0.0)
    out = pd.concat([stressed, _as_rows(stranded, STRANDED)], ignore_index=True)
    return pd.concat([out, _as_rows(host_cost_series(out, vacancy_offset), HOST_COST)], ignore_index=True)


def _per_rep(table: pd.DataFrame, measure: str) -> pd.Series:
    rows = table[(table["measure"] == measure) & (table["service"] == ALL) & (table["member"] == ALL)]
    return pd.Series(rows["value"].to_numpy(dtype=float), index=rows["replication"].to_numpy()).sort_index()


def _as_rows(series: pd.Series, measure: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"replication": series.index, "measure": measure, "service": ALL, "member": ALL, "value": series.to_numpy()}
    )[MEASURE_COLUMNS]


def base_host_cost(base: pd.DataFrame, vacancy_offset: bool = True) -> pd.DataFrame:
    """``base`` measures with ``stranded_cost_gbp_per_year`` = 0 and ``host_cost_gbp_per_year``
    (:func:`host_cost_series`)."""
    unplanned = _per_rep(base, "host_unplanned_cost_gbp_per_year")
    out = pd.concat([base, _as_rows(unplanned * 0.0, STRANDED)], ignore_index=True)
    return pd.concat([out, _as_rows(host_cost_series(out, vacancy_offset), HOST_COST)], ignore_index=True)


@dataclass
class RiskResult:
    """Outcome of :func:`run_stress_tests` (pounds per year; fractions 0-1).

    ``measures``: every replication's measures, with a leading ``stress`` column ("base" for the base scenario).
    ``summary``: one row per stress (the headline table). ``kpi``: stress x service: attainment distribution,
    P(breach) with a Wilson interval and the share of red bi-monthly reviews. ``differences``: paired differences
    against the base for every measure, with t intervals (``model.risk.whatif.paired_differences`` + ``stress``). ``premium``: the base premium (:class:`RiskPremium`).
    """

    scenario_name: str
    replications: int
    seed: int
    tests: list[StressTest]
    measures: pd.DataFrame
    summary: pd.DataFrame
    kpi: pd.DataFrame
    differences: pd.DataFrame
    premium: RiskPremium
    notes: list[str] = field(default_factory=list)


@dataclass
class RiskPremium:
    """The premium that makes hosting cost-neutral in expectation (pounds per year).

    ``premium_gbp_per_year`` = mean over replications of (host cost with unplanned leave - host cost without it,
    same random numbers) + the stress loadings (probability x conditional premium). ``ci_low``/``ci_high``: t
    interval of the base part. ``p95_gbp_per_year``: 95th percentile over replications of the base host cost (a bad run).
    ``per_member``: the premium split as the tariff table splits it (``model.fairness.tariffs.risk_premium_shares``: the
    non-host members by headcount, the host pays none); ``per_head_gbp_per_year`` the rate on their staff.
    """

    premium_gbp_per_year: float
    base_part_gbp_per_year: float
    ci_low: float
    ci_high: float
    p95_gbp_per_year: float
    replications: int
    per_head_gbp_per_year: float
    per_member: dict[str, float]
    components: dict[str, float]
    loadings: dict[str, float] = field(default_factory=dict)
    vacancy_offset: bool = True

    @property
    def tariff_premium_gbp_per_year(self) -> float:
        """What to pass to ``model.fairness.tariffs.tariff_table(host_risk_premium_gbp_per_year=...)``: the premium floored
        at 0 (a negative expected extra cost means unplanned leave saves the host money on average: no premium)."""
        return max(0.0, self.premium_gbp_per_year)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "host_risk_premium_gbp_per_year": self.tariff_premium_gbp_per_year,
            "expected_extra_host_cost_gbp_per_year": self.premium_gbp_per_year,
            "base_part_gbp_per_year": self.base_part_gbp_per_year,
            "base_part_ci95": [self.ci_low, self.ci_high],
            "host_cost_p95_gbp_per_year": self.p95_gbp_per_year,
            "replications": self.replications,
            "per_head_gbp_per_year": self.per_head_gbp_per_year,
            "per_member_gbp_per_year": self.per_member,
            "components_mean_gbp_per_year": self.components,
            "stress_loadings_gbp_per_year": self.loadings,
            "vacancy_offset": self.vacancy_offset,
        }


def premium_from_measures(
    scenario: Scenario,
    base: pd.DataFrame,
    reference: pd.DataFrame,
    confidence: float = 0.95,
    loadings: Mapping[str, float] | None = None,
    vacancy_offset: bool = True,
) -> RiskPremium:
    """The premium from already simulated measures of the base and of the no-unplanned-leave reference (same
    replications and seed): see :class:`RiskPremium`. ``vacancy_offset=False`` prices agency cover without crediting
    the pay saved on vacant posts (when underspends go back to the members through the surplus rule)."""
    a = host_cost_series(base, vacancy_offset)
    b = host_cost_series(reference, vacancy_offset).reindex(a.index)
    extra = a - b
    interval = t_confidence_interval(extra.to_numpy(), confidence)
    loads = dict(loadings or {})
    premium = interval.mean + sum(loads.values())
    players = cost_lines.active_members(scenario)
    shares = tariffs.risk_premium_shares(scenario, players, 1.0) if len(players) > 1 else dict.fromkeys(players, 0.0)
    payers = [m.headcount for m in scenario.members if shares.get(m.name, 0.0) > 0]
    components = {
        measure: float(_per_rep(base, measure).mean())
        for measure in ("agency_cost_gbp_per_year", "vacancy_saving_gbp_per_year", "host_unplanned_cost_gbp_per_year")
    }
    return RiskPremium(
        premium_gbp_per_year=float(premium),
        base_part_gbp_per_year=float(interval.mean),
        ci_low=float(interval.low),
        ci_high=float(interval.high),
        p95_gbp_per_year=float(np.percentile(a.to_numpy(), 95)) if len(a) else math.nan,
        replications=int(interval.n),
        per_head_gbp_per_year=float(premium / sum(payers)) if payers else math.nan,
        per_member={name: float(premium * share) for name, share in shares.items()},
        components=components,
        loadings=loads,
        vacancy_offset=vacancy_offset,
    )


def host_cost_series(measures: pd.DataFrame, vacancy_offset: bool = True) -> pd.Series:
    """Per replication: the host's unplanned cost (agency - vacancy saving + priced breaches), or without the
    vacancy credit when ``vacancy_offset`` is False, plus any stranded cost present in ``measures``."""
    cost = _per_rep(measures, "host_unplanned_cost_gbp_per_year")
    if not vacancy_offset:
        cost = cost + _per_rep(measures, "vacancy_saving_gbp_per_year").reindex(cost.index)
    stranded = _per_rep(measures, STRANDED)
    if len(stranded):
        cost = cost + stranded.reindex(cost.index).fillna(0.0)
    return cost


def host_risk_premium(
    scenario: Scenario,
    n: int | None = None,
    *,
    seed: int | None = None,
    first: int = 0,
    workers: int = 1,
    dask_address: str | None = None,
    breach_cost_gbp_per_case: float = 0.0,
    confidence: float = 0.95,
    stress_loadings: Mapping[str, float] | None = None,
    vacancy_offset: bool = True,
) -> RiskPremium:
    """Host risk premium (pounds per year) that makes hosting cost-neutral in expectation.

    Runs ``scenario`` and :func:`no_unplanned_leave` of it on replications ``first .. first + n - 1`` with the same
    seed and returns the mean paired extra host cost (agency - vacancy saving + priced breaches) with its t
    interval, plus any ``stress_loadings`` (name -> pounds per year, e.g. from :meth:`RiskResult` conditional
    premiums x annual probabilities). Pass ``premium.premium_gbp_per_year`` to the tariff table as
    ``host_risk_premium_gbp_per_year``.
    """
    common: dict[str, Any] = dict(
        first=first,
        seed=scenario.simulation.seed if seed is None else seed,
        workers=workers,
        dask_address=dask_address,
        breach_cost_gbp_per_case=breach_cost_gbp_per_case,
    )
    count = scenario.simulation.replications if n is None else n
    base = run_measures(scenario, count, **common)
    reference = run_measures(no_unplanned_leave()(scenario), count, **common)
    return premium_from_measures(scenario, base, reference, confidence, stress_loadings, vacancy_offset)


def premium_from_experiment(
    scenario: Scenario,
    experiment: Any,
    *,
    workers: int = 1,
    dask_address: str | None = None,
    breach_cost_gbp_per_case: float = 0.0,
    confidence: float = 0.95,
    vacancy_offset: bool = True,
) -> RiskPremium:
    """:func:`host_risk_premium` reusing replications already simulated: ``experiment`` is the base scenario's
    ``model.simulation.replications.ExperimentResult`` (replications 0..n-1 with its seed); only the no-unplanned-leave
    reference is simulated, on the same replications and seed. For ``sharedhr run``, which has the base already."""
    base = kpi_measures(scenario, experiment.kpis, breach_cost_gbp_per_case)
    replications = sorted(int(r) for r in experiment.kpis["replication"].unique())
    first = replications[0] if replications else 0
    reference = run_measures(
        no_unplanned_leave()(scenario),
        len(replications),
        first=first,
        seed=experiment.seed,
        workers=workers,
        dask_address=dask_address,
        breach_cost_gbp_per_case=breach_cost_gbp_per_case,
    )
    return premium_from_measures(scenario, base, reference, confidence, None, vacancy_offset)


def _quantiles(values: pd.Series) -> dict[str, float]:
    data = values.dropna().to_numpy(dtype=float)
    if not len(data):
        return {"mean": math.nan, "p05": math.nan, "p50": math.nan, "p95": math.nan}
    p05, p50, p95 = np.percentile(data, [5, 50, 95])
    return {"mean": float(data.mean()), "p05": float(p05), "p50": float(p50), "p95": float(p95)}


def kpi_table(scenario: Scenario, measures: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Stress x service: attainment mean / 5th / 50th / 95th percentile over replications, P(breach) = share of
    replications whose window attainment is below the target fraction, with its Wilson interval, and the mean share
    of bi-monthly reviews in breach."""
    rows = []
    for stress, table in measures.groupby("stress", sort=False):
        for service in [ALL, *scenario.service_names]:
            att = table[(table["measure"] == "sla_attainment") & (table["service"] == service)]["value"]
            if att.dropna().empty:
                continue
            row: dict[str, Any] = {"stress": stress, "service": service}
            row.update({f"attainment_{k}": v for k, v in _quantiles(att).items()})
            if service != ALL:
                met = table[(table["measure"] == "kpi_met") & (table["service"] == service)]["value"].dropna()
                n = len(met)
                breaches = float((1.0 - met).sum())
                low, high = wilson_interval(breaches, n, confidence)
                row.update({"p_breach": breaches / n if n else math.nan, "p_breach_low": low, "p_breach_high": high})
                review = table[(table["measure"] == "review_breach_share") & (table["service"] == service)]["value"]
                row["review_breach_share"] = float(review.mean()) if len(review.dropna()) else math.nan
                row["target_fraction"] = scenario.service(service).kpi.target_fraction
            rows.append(row)
    return pd.DataFrame(rows)


def run_stress_tests(
    scenario: Scenario,
    tests: Sequence[StressTest] | None = None,
    n: int | None = None,
    *,
    seed: int | None = None,
    first: int = 0,
    workers: int = 1,
    dask_address: str | None = None,
    breach_cost_gbp_per_case: float = 0.0,
    confidence: float = 0.95,
    stress_probabilities: Mapping[str, float] | None = None,
    vacancy_offset: bool = True,
    progress: Callable[[str], object] | None = None,
) -> RiskResult:
    """Run the base, the no-unplanned-leave reference and every stress test on the same replications (common random
    numbers) and summarise: attainment distribution, P(breach) per KPI, agency cost distribution, host cost (mean,
    95th percentile), extra host cost against the base with its t interval, and the conditional premium of each
    stress. ``tests`` defaults to :func:`default_stress_tests`; ``stress_probabilities`` (stress name -> annual
    probability) turn conditional premiums into loadings of the base premium."""
    tests = list(tests) if tests is not None else default_stress_tests(scenario)
    chosen_seed = scenario.simulation.seed if seed is None else seed
    count = scenario.simulation.replications if n is None else n
    common: dict[str, Any] = dict(
        first=first,
        seed=chosen_seed,
        workers=workers,
        dask_address=dask_address,
        breach_cost_gbp_per_case=breach_cost_gbp_per_case,
    )
    say = progress or (lambda _text: None)
    say("base")
    base = base_host_cost(run_measures(scenario, count, **common), vacancy_offset)
    say("no unplanned leave (premium reference)")
    reference = base_host_cost(run_measures(no_unplanned_leave()(scenario), count, **common), vacancy_offset)
    frames = [base.assign(stress="base"), reference.assign(stress="no_unplanned_leave")]
    notes: list[str] = []
    rows = []
    differences = []
    probabilities = dict(stress_probabilities or {})
    unknown = set(probabilities) - {t.name for t in tests}
    if unknown:
        raise UserError(f"probabilities given for unknown stress tests: {', '.join(sorted(unknown))}")
    loadings: dict[str, float] = {}
    for test in tests:
        say(test.name)
        stressed_scenario = test(scenario)
        raw = run_measures(stressed_scenario, count, **common)
        stressed = adjust_measures(test, scenario, base, raw, vacancy_offset)
        frames.append(stressed.assign(stress=test.name))
        notes.extend(f"{test.name}: {note}" for note in test.notes)
        differences.append(paired_differences(base, stressed, confidence).assign(stress=test.name))
        pairs = paired_table(base, stressed)
        extra = pairs[(pairs["measure"] == HOST_COST) & (pairs["service"] == ALL)]["difference"]
        interval = t_confidence_interval(extra.to_numpy(), confidence)
        if test.name in probabilities:
            loadings[test.name] = probabilities[test.name] * interval.mean
        rows.append(_summary_row(scenario, test.name, test.description, stressed, base, interval))
    rows.insert(0, _summary_row(scenario, "base", "the scenario as given", base, base, None))
    reference_row = _summary_row(
        scenario, "no_unplanned_leave", no_unplanned_leave().description, reference, base, None
    )
    rows.insert(1, reference_row)
    premium = premium_from_measures(scenario, base, reference, confidence, loadings, vacancy_offset)
    measures = pd.concat(frames, ignore_index=True)[["stress", *MEASURE_COLUMNS]]
    diff_table = pd.concat(differences, ignore_index=True) if differences else pd.DataFrame()
    if len(diff_table):
        diff_table = diff_table[["stress", *[c for c in diff_table.columns if c != "stress"]]]
    return RiskResult(
        scenario_name=scenario.name,
        replications=count,
        seed=chosen_seed,
        tests=tests,
        measures=measures,
        summary=pd.DataFrame(rows),
        kpi=kpi_table(scenario, measures, confidence),
        differences=diff_table,
        premium=premium,
        notes=notes,
    )


def _summary_row(
    scenario: Scenario, name: str, description: str, table: pd.DataFrame, base: pd.DataFrame, interval: Any
) -> dict[str, Any]:
    stressed = interval is not None
    attainment = _quantiles(table[(table["measure"] == "sla_attainment") & (table["service"] == ALL)]["value"])
    met = table[(table["measure"] == "kpi_met")].pivot_table(index="replication", columns="service", values="value")
    any_breach = float((met < 1).any(axis=1).mean()) if len(met) else math.nan
    falls = {}
    for service in scenario.service_names:
        a = _per_service(table, service).mean()
        b = _per_service(base, service).mean()
        falls[service] = a - b
    worst = min(falls, key=lambda s: falls[s] if not math.isnan(falls[s]) else math.inf) if falls else ""
    agency = _quantiles(_per_rep(table, "agency_cost_gbp_per_year"))
    host = _quantiles(_per_rep(table, HOST_COST))
    stranded = float(_per_rep(table, STRANDED).mean())
    row: dict[str, Any] = {
        "stress": name,
        "description": description,
        "attainment_mean": attainment["mean"],
        "attainment_p05": attainment["p05"],
        "attainment_p95": attainment["p95"],
        "p_any_kpi_breach": any_breach,
        "worst_service": worst if stressed else "",
        "worst_service_change": falls.get(worst, math.nan) if stressed else math.nan,
        "agency_mean_gbp_per_year": agency["mean"],
        "agency_p95_gbp_per_year": agency["p95"],
        "host_cost_mean_gbp_per_year": host["mean"],
        "host_cost_p95_gbp_per_year": host["p95"],
        "stranded_cost_gbp_per_year": stranded,
        "extra_vs_base_gbp_per_year": interval.mean if interval is not None else math.nan,
        "extra_ci_low": interval.low if interval is not None else math.nan,
        "extra_ci_high": interval.high if interval is not None else math.nan,
    }
    players = cost_lines.active_members(scenario)
    heads = sum(m.headcount for m in scenario.members if m.name in players and m.name != scenario.host.member)
    row["conditional_premium_per_head_gbp"] = row["extra_vs_base_gbp_per_year"] / heads if heads else math.nan
    return row


def _per_service(table: pd.DataFrame, service: str) -> pd.Series:
    rows = table[(table["measure"] == "sla_attainment") & (table["service"] == service)]
    return rows["value"].astype(float)
