"""What-if comparison with common random numbers: per-replication measures of a scenario, paired differences
between two scenarios with t confidence intervals, and the field-by-field list of what changed.

Why paired. Arrivals, case attributes and every post's absence timeline come from named random streams keyed by
(seed, replication, name) (``model.simulation.random_streams``), so replication r of a base and of a what-if scenario run with the
SAME seed see the same demand and, post by post, the same leave, sickness and resignations. The difference
``whatif_r - base_r`` therefore removes most of the noise both share, and its t interval over replications
(``model.simulation.statistics``) is far narrower than the difference of two independent means. Both scenarios are always run
with the BASE scenario's seed (a what-if file with another seed is overridden, and the report says so).

Per-replication measures (``MEASURE_COLUMNS``: replication, measure, service, member, value) are read from the
project's KPI table (``model.simulation.kpis.replication_kpis``), so they follow its rules: cases that arrived after the warm-up
(the inherited backlog is simulated but not scored), outcomes known at completion or deadline, money over the KPI
window [warm-up, horizon) in pounds per year:

* ``sla_attainment`` (per service and ``all``): share of cases with a known outcome completed within target.
* ``kpi_met`` (per service): 1 if that replication's attainment >= the service's ``kpi.target_fraction``, else 0
  (``sla_target_met``). Its mean over replications is P(KPI met over the window); 1 - it is P(breach).
* ``review_breach_share`` (per service): share of the bi-monthly (``kpi_review_months``) review periods with a
  known outcome in which attainment fell below the target fraction: how often the board sees a red KPI.
* ``kpi_reliability`` (per service x TEAM, the ``member`` column holding "host", an in-house member or "external"):
  share of the settled review periods whose rolling attainment met the target (``model.simulation.reliability``), the measure
  the catalogue's verification uses; NaN in a replication with no scored period.
* ``late_cases_per_year`` (per service and ``all``): cases that missed their target, per year of the window.
* ``mean_completion_days`` (per service): completed cases, working days from arrival to the end.
* ``host_pay_gbp_per_year``: loaded pay of host posts while filled (vacancies are unpaid).
* ``agency_cost_gbp_per_year``: agency backfill of HOST posts.
* ``vacancy_saving_gbp_per_year``: host pay NOT spent because posts were vacant (vacant FTE-days x loaded cost /
  261), so planned pay = host pay + vacancy saving.
* ``non_pay_gbp_per_year``, ``host_overhead_gbp_per_year``, ``total_cost_gbp_per_year``: as in ``model.simulation.kpis``
  (total = host pay + in-house pay + all backfill + non-pay + overhead).
* ``host_unplanned_cost_gbp_per_year`` = agency - vacancy saving + ``breach_cost_gbp_per_case`` x late cases a
  year: the host's spend beyond its planned budget caused by unplanned leave (sickness and resignations) and, if
  priced, by late cases. This is what the risk premium of ``model.risk`` prices. ``breach_cost_gbp_per_case`` is 0
  by default (the case-study SLA has no service credits); set it to price late cases (e.g. overtime to catch up).
* ``contribution_gbp_per_year`` (per member): contributions received over the window, annualised
  (:func:`member_charges`); ``host_margin_gbp_per_year``: all contributions minus the member-driven host non-pay
  (:func:`host_variable_costs`). Both are deterministic; a member leaving early lowers the margin: that drop is the
  stranded cost ``model.risk`` charges to the host.
* ``invoice_gbp_per_year`` (per member, :func:`compare` with tariffs): the member's charge under the scenario's
  tariff method (``model.fairness.tariffs``) + its share of that replication's host unplanned cost (whose mean is the
  premium), so invoice differences get confidence intervals too.

Sickness rates. Scenarios with DIFFERENT sickness rates are paired too: ``model.simulation.absence`` draws every post's sickness
episodes by thinning candidates read from fixed blocks of its own stream, so only the keep thresholds depend on the
rate, and at the higher rate every post keeps all the episodes of the lower rate and adds some (arrivals, planned
leave and turnover are shared as for any other change). The days lost to sickness and the agency backfill of
long-term sickness are then never lower at the higher rate, post by post (the exact guarantee and its exceptions are
in ``model.simulation.absence``); service KPIs are strongly positively correlated across the two rates but not guaranteed
monotone.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from model.scenario.schema import Mode, Scenario, apply_overrides
from model.scenario.units import MONTHS_PER_YEAR, WORKING_DAYS_PER_YEAR
from model.simulation.engine import HOST_TEAM
from model.simulation.kpis import member_active_months
from model.simulation.replications import multiple_replications
from model.simulation.statistics import summarise
from model.simulation.summary import cost_summary

MEASURE_COLUMNS = ["replication", "measure", "service", "member", "value"]
ALL = "all"
DIFFERENCE_COLUMNS = [
    "measure",
    "service",
    "member",
    "n",
    "base_mean",
    "whatif_mean",
    "difference",
    "sd",
    "ci_low",
    "ci_high",
    "half_width",
    "significant",
]


# --- deterministic money --------------------------------------------------------------------------------------------


def member_contributions(scenario: Scenario) -> dict[str, float]:
    """What each member pays a year (pounds) while it is a member, as ``model.fairness.tariffs.today_contributions`` defines
    today's contributions: ``tariff.per_capita_rate_gbp_per_head`` x headcount when the scenario sets a rate, else
    the break-even rate (the static annual cost of ``model.simulation.summary.cost_summary`` / member headcount at the
    steady-state month) x headcount; with ``tariff.method = "assessed_share"`` that total is split by
    ``tariff.shares``. Every member gets a figure, also one not active at the steady-state month (it pays while it is
    a member)."""
    rate = scenario.tariff.per_capita_rate_gbp_per_head
    if rate is None:
        summary = cost_summary(scenario)
        heads = summary["member_headcount"]
        rate = summary["total_cost_gbp_per_year"] / heads if heads else 0.0
    out = {member.name: rate * member.headcount for member in scenario.members}
    tariff = scenario.tariff
    if tariff.method == "assessed_share" and tariff.shares:
        total = sum(out.values())
        out = {name: total * tariff.shares.get(name, 0.0) for name in out}
    return out


def member_variable_cost(scenario: Scenario, member_name: str) -> float:
    """Non-pay cost a year that goes away when ``member_name`` stops taking its shared services (pounds per year):
    per-head shared licences (e.g. MindTools) and joint external purchases (the EAP) for its headcount and cases.
    Host staff pay does NOT go away: the team stays (that is the stranded part)."""
    member = scenario.member(member_name)
    cost = 0.0
    for service_name in scenario.subscribed(member):
        if scenario.provision_of(member, service_name) is not Mode.SHARED:
            continue
        service = scenario.service(service_name)
        shared = service.delivery.shared
        if shared is None:
            continue
        cost += shared.per_head_cost_gbp_per_year * member.headcount
        if shared.buys_externally and service.delivery.external is not None:
            heads = sum(
                m.headcount
                for m in scenario.members
                if service_name in scenario.subscribed(m) and scenario.provision_of(m, service_name) is Mode.SHARED
            )
            tier = service.delivery.external.tier_for(heads)
            cases = service.demand_per_1000_headcount_per_year * member.headcount / 1000.0
            cost += tier.price_gbp_per_head_per_year * member.headcount + tier.price_gbp_per_case * cases
    return cost


# --- per-replication measures -------------------------------------------------------------------------------------


def window_months(scenario: Scenario) -> range:
    """The simulation months of the KPI window [warm-up, horizon)."""
    sim = scenario.simulation
    return range(sim.warm_up_months, sim.horizon_months)


def member_charges(scenario: Scenario) -> dict[str, float]:
    """Contributions actually received over the KPI window, annualised (pounds per year): each member's annual
    contribution (:func:`member_contributions`) x the share of the window's months in which it is a member."""
    months = window_months(scenario)
    yearly = member_contributions(scenario)
    return {name: yearly[name] * member_active_months(scenario, name, months) / len(months) for name in yearly}


def host_variable_costs(scenario: Scenario) -> float:
    """Member-driven host non-pay over the KPI window, annualised (pounds per year): :func:`member_variable_cost`
    x each member's share of the window's months as a member."""
    months = window_months(scenario)
    return sum(
        member_variable_cost(scenario, m.name) * member_active_months(scenario, m.name, months) / len(months)
        for m in scenario.members
    )


def _pick(
    kpis: pd.DataFrame, metric: str, member: str = ALL, role: str = ALL, period: str | None = ALL
) -> pd.DataFrame:
    rows = kpis[(kpis["metric"] == metric) & (kpis["member"] == member) & (kpis["role"] == role)]
    if period is not None:
        rows = rows[rows["period"] == period]
    return rows


def kpi_measures(scenario: Scenario, kpis: pd.DataFrame, breach_cost_gbp_per_case: float = 0.0) -> pd.DataFrame:
    """Per-replication measures (``MEASURE_COLUMNS``, see the module docstring) from the project's KPI table
    (``model.simulation.kpis.replication_kpis`` rows of any number of replications)."""
    years = len(window_months(scenario)) / MONTHS_PER_YEAR
    targets = {s.name: s.kpi.target_fraction for s in scenario.services}
    loaded = {role.name: role.loaded_cost_gbp_per_year for role in scenario.roles}
    frames: list[pd.DataFrame] = []

    def add(frame: pd.DataFrame, measure: str, value: pd.Series | np.ndarray, member: Any = ALL) -> None:
        frames.append(
            pd.DataFrame(
                {
                    "replication": frame["replication"].to_numpy(),
                    "measure": measure,
                    "service": frame["service"].to_numpy() if "service" in frame else ALL,
                    "member": member,
                    "value": np.asarray(value, dtype=float),
                }
            )
        )

    attainment = _pick(kpis, "sla_attainment")
    add(attainment, "sla_attainment", attainment["value"])
    met = _pick(kpis, "sla_target_met")
    add(met, "kpi_met", met["value"])
    cases = _pick(kpis, "sla_cases").set_index(["replication", "service"])["value"]
    hit = attainment.set_index(["replication", "service"])["value"]
    late = (cases * (1.0 - hit)).fillna(0.0) / years
    late_frame = late.reset_index()
    add(late_frame, "late_cases_per_year", late_frame["value"])
    completion = _pick(kpis, "completion_mean_days")
    completion = completion[completion["service"] != ALL]
    add(completion, "mean_completion_days", completion["value"])

    periods = kpis[(kpis["metric"] == "sla_attainment") & (kpis["period"] != ALL) & (kpis["service"] != ALL)]
    periods = periods[periods["value"].notna()]
    below = periods["value"].to_numpy() < periods["service"].map(targets).to_numpy() - 1e-12
    share = periods.assign(below=below).groupby(["replication", "service"], sort=False)["below"].mean().reset_index()
    add(share, "review_breach_share", share["below"])
    reliability = kpis[kpis["metric"] == "kpi_reliability"]
    add(reliability, "kpi_reliability", reliability["value"], member=reliability["member"].to_numpy())

    per_rep = pd.DataFrame(index=pd.Index(sorted(kpis["replication"].unique()), name="replication"))

    def series(metric: str, **where: str) -> pd.Series:
        rows = _pick(kpis, metric, **where)
        rows = rows[rows["service"] == ALL]
        return pd.Series(rows["value"].to_numpy(dtype=float), index=rows["replication"].to_numpy())

    per_rep["host_pay_gbp_per_year"] = series("host_pay_gbp_per_year")
    per_rep["agency_cost_gbp_per_year"] = series("backfill_cost_gbp_per_year", member=HOST_TEAM)
    vacancy = kpis[(kpis["metric"] == "days_lost_vacancy") & (kpis["member"] == HOST_TEAM) & (kpis["role"] != ALL)]
    saving = (
        (vacancy["value"] * vacancy["role"].map(loaded) / WORKING_DAYS_PER_YEAR).groupby(vacancy["replication"]).sum()
    )
    per_rep["vacancy_saving_gbp_per_year"] = saving
    per_rep["vacancy_saving_gbp_per_year"] = per_rep["vacancy_saving_gbp_per_year"].fillna(0.0)
    per_rep["non_pay_gbp_per_year"] = series("non_pay_gbp_per_year")
    per_rep["host_overhead_gbp_per_year"] = series("host_overhead_gbp_per_year")
    per_rep["total_cost_gbp_per_year"] = series("total_cost_gbp_per_year")
    late_all = late_frame[late_frame["service"] == ALL].set_index("replication")["value"]
    per_rep["host_unplanned_cost_gbp_per_year"] = (
        per_rep["agency_cost_gbp_per_year"]
        - per_rep["vacancy_saving_gbp_per_year"]
        + breach_cost_gbp_per_case * late_all.reindex(per_rep.index).fillna(0.0)
    )
    charges = member_charges(scenario)
    per_rep["host_margin_gbp_per_year"] = sum(charges.values()) - host_variable_costs(scenario)
    for measure in per_rep.columns:
        frame = per_rep[[measure]].reset_index()
        add(frame, measure, frame[measure])
    for member, value in charges.items():
        frame = per_rep.reset_index()[["replication"]]
        add(frame, "contribution_gbp_per_year", np.full(len(frame), value), member=member)
    return pd.concat(frames, ignore_index=True)[MEASURE_COLUMNS]


def run_measures(
    scenario: Scenario,
    n: int | None = None,
    *,
    first: int = 0,
    seed: int | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    breach_cost_gbp_per_case: float = 0.0,
    progress: bool = False,
) -> pd.DataFrame:
    """Simulate replications ``first .. first + n - 1`` (``n`` defaults to ``simulation.replications``) with the
    project's runner (``model.simulation.replications.multiple_replications``: in-process, local processes or Dask, identical
    results) and return their measures. ``seed`` defaults to the scenario's seed: pass the same seed and ``first``
    for two scenarios to pair them with common random numbers."""
    experiment = multiple_replications(
        scenario, n=n, workers=workers, dask_address=dask_address, progress=progress, seed=seed, first=first
    )
    return kpi_measures(scenario, experiment.kpis, breach_cost_gbp_per_case)


def measure_values(table: pd.DataFrame, measure: str, service: str = ALL, member: str = ALL) -> pd.Series:
    """One measure's value per replication (Series indexed by replication, sorted)."""
    rows = table[(table["measure"] == measure) & (table["service"] == service) & (table["member"] == member)]
    return pd.Series(rows["value"].to_numpy(dtype=float), index=rows["replication"].to_numpy()).sort_index()


# --- paired differences -------------------------------------------------------------------------------------------


def paired_table(base: pd.DataFrame, whatif: pd.DataFrame) -> pd.DataFrame:
    """Base and what-if values side by side per (replication, measure, service, member), with ``difference`` =
    what-if - base. Only replications present in both, and pairs where both values are defined, are kept."""
    keys = ["replication", "measure", "service", "member"]
    merged = base.merge(whatif, on=keys, how="inner", suffixes=("_base", "_whatif"))
    merged = merged.rename(columns={"value_base": "base", "value_whatif": "whatif"})
    merged = merged[merged["base"].notna() & merged["whatif"].notna()].copy()
    merged["difference"] = merged["whatif"] - merged["base"]
    return merged.reset_index(drop=True)


def paired_differences(base: pd.DataFrame, whatif: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per measure x service x member: number of pairs, the two means, the mean paired difference (what-if - base)
    with its t confidence interval (``confidence`` two-sided), and ``significant`` (the interval excludes 0).
    Columns ``DIFFERENCE_COLUMNS``; rows in the measures' order."""
    pairs = paired_table(base, whatif)
    keys = ["measure", "service", "member"]
    if pairs.empty:
        return pd.DataFrame(columns=DIFFERENCE_COLUMNS)
    summary = summarise(pairs, keys, value="difference", confidence=confidence)
    means = pairs.groupby(keys, sort=False)[["base", "whatif"]].mean().reset_index()
    table = summary.merge(means, on=keys, how="left")
    table = table.rename(columns={"mean": "difference", "base": "base_mean", "whatif": "whatif_mean"})
    # A difference that is exactly 0 in every pair is "not significant" (its interval is [0, 0]).
    table["significant"] = (table["ci_low"] > 0) | (table["ci_high"] < 0)
    return table[DIFFERENCE_COLUMNS]


# --- what changed -------------------------------------------------------------------------------------------------


def _flatten(node: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(value, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(node, list) and node and all(isinstance(i, dict) and "name" in i for i in node):
        for item in node:
            _flatten(item, f"{prefix}.{item['name']}", out)
    else:
        out[prefix] = node


def scenario_changes(base: Scenario, whatif: Scenario) -> pd.DataFrame:
    """Every field that differs, as ``path`` (the ``--set`` syntax: list items by name), ``base`` and ``whatif``
    values (None where the field or item does not exist on one side)."""
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    _flatten(base.model_dump(mode="json"), "", a)
    _flatten(whatif.model_dump(mode="json"), "", b)
    rows = [
        {"path": path, "base": a.get(path), "whatif": b.get(path)}
        for path in dict.fromkeys([*a, *b])
        if a.get(path) != b.get(path)
    ]
    return pd.DataFrame(rows, columns=["path", "base", "whatif"])


# --- the comparison -----------------------------------------------------------------------------------------------


@dataclass
class Comparison:
    """Outcome of :func:`compare`.

    ``differences``: paired differences (``DIFFERENCE_COLUMNS``); ``pairs``: the per-replication values
    (``paired_table``); ``static``: the deterministic cost summary of both scenarios (``model.simulation.summary``) and its
    difference; ``changes``: what differs between the scenarios (``scenario_changes``); ``tariffs``: per member and
    tariff method, the deterministic annual charge of both scenarios (``model.fairness.tariffs.tariff_table``, empty when
    skipped); ``notes``: remarks for the reader (e.g. the what-if's own seed was overridden).
    """

    base_name: str
    whatif_name: str
    replications: int
    seed: int
    confidence: float
    differences: pd.DataFrame
    pairs: pd.DataFrame
    static: pd.DataFrame
    changes: pd.DataFrame
    tariffs: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def headline(self) -> pd.DataFrame:
        """The rows a reader looks at first: total and unplanned cost, overall and per-service attainment, P(KPI
        met) and KPI reliability per service, and member contributions."""
        d = self.differences
        wanted = d["measure"].isin(
            [
                "total_cost_gbp_per_year",
                "host_unplanned_cost_gbp_per_year",
                "agency_cost_gbp_per_year",
                "sla_attainment",
                "kpi_met",
                "kpi_reliability",
                "invoice_gbp_per_year",
            ]
        )
        return d[wanted].reset_index(drop=True)


def static_comparison(base: Scenario, whatif: Scenario) -> pd.DataFrame:
    """The deterministic cost summaries (``model.simulation.summary.cost_summary``) side by side with their difference."""
    a, b = cost_summary(base), cost_summary(whatif)
    rows = [{"quantity": key, "base": a[key], "whatif": b.get(key, math.nan)} for key in a]
    table = pd.DataFrame(rows)
    table["difference"] = table["whatif"] - table["base"]
    return table


TARIFF_COLUMN = {
    "per_capita": "per_capita",
    "activity": "activity_based",
    "shapley": "shapley",
    "nucleolus": "nucleolus",
    "closest_core": "closest_core",
    "assessed_share": "today_contribution",
}
"""``tariff.method`` of a scenario -> the column of ``model.fairness.tariffs.TariffResult.by_member`` that is its charge."""


def tariff_comparison(
    base: Scenario,
    whatif: Scenario,
    workers: int = 1,
    catalogue_options: Callable[[Scenario], Any] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per member and tariff method: the annual charge (``model.fairness.tariffs.tariff_table``, no premium) in both
    scenarios and the difference, long form (member, method, base, whatif, difference). Also returns, per
    scenario, what :func:`invoice_measures` needs: the adopted method's charge per member and each member's share
    of a host risk premium (``model.fairness.tariffs.risk_premium_shares``: non-host members by headcount).
    ``catalogue_options(scenario)`` gives the catalogue options behind each scenario's coalition costs (e.g. the
    verified, simulator-calibrated capacity of ``model.optimisation.verification``); default: Erlang C."""
    from model.fairness import cost_lines, tariffs

    parts: dict[str, Any] = {}
    tables = []
    for label, scenario in (("base", base), ("whatif", whatif)):
        options = catalogue_options(scenario) if catalogue_options is not None else None
        result = tariffs.tariff_table(scenario, workers=workers, catalogue_options=options)
        column = TARIFF_COLUMN[scenario.tariff.method]
        players = list(result.players)
        parts[label] = {
            "charge": dict(zip(result.by_member["member"], result.by_member[column], strict=True)),
            "premium_share": tariffs.risk_premium_shares(scenario, players, 1.0),
            "method": column,
        }
        long = result.by_member.melt(
            id_vars="member",
            value_vars=[*cost_lines.METHODS, "today_contribution"],
            var_name="method",
            value_name=label,
        )
        tables.append(long)
    table = tables[0].merge(tables[1], on=["member", "method"], how="outer", sort=False)
    table["difference"] = table["whatif"] - table["base"]
    return table, parts


def invoice_measures(measures: pd.DataFrame, part: dict[str, Any], premium: pd.Series | None = None) -> pd.DataFrame:
    """Per replication and member: ``invoice_gbp_per_year`` = the adopted tariff method's charge + the member's
    share of that replication's host risk cost (``premium``, pounds per year per replication; default: the host
    unplanned cost, whose mean is the premium when late cases are not priced)."""
    cost = premium if premium is not None else measure_values(measures, "host_unplanned_cost_gbp_per_year")
    rows = []
    for member, charge in part["charge"].items():
        share = part["premium_share"].get(member, 0.0)
        for replication, value in cost.items():
            rows.append(
                {
                    "replication": replication,
                    "measure": "invoice_gbp_per_year",
                    "service": ALL,
                    "member": member,
                    "value": float(charge + share * value),
                }
            )
    return pd.DataFrame(rows, columns=MEASURE_COLUMNS)


def compare(
    base: Scenario,
    whatif: Scenario,
    n: int | None = None,
    *,
    seed: int | None = None,
    first: int = 0,
    workers: int = 1,
    dask_address: str | None = None,
    confidence: float = 0.95,
    breach_cost_gbp_per_case: float = 0.0,
    tariffs: bool = True,
    progress: bool = False,
    catalogue_options: Callable[[Scenario], Any] | None = None,
) -> Comparison:
    """Run ``base`` and ``whatif`` on the same replications with the same seed (common random numbers) and return
    paired differences with t confidence intervals for cost, attainment, P(KPI met), contributions and, with
    ``tariffs``, each member's invoice (adopted tariff method + its share of the host's unplanned cost).

    ``n`` defaults to the base scenario's ``simulation.replications``; ``seed`` to the base scenario's seed (used
    for BOTH scenarios). ``tariffs=False`` skips ``model.fairness.tariffs`` (it solves every coalition's catalogue: seconds
    for five members, minutes for twelve); ``catalogue_options`` as in :func:`tariff_comparison`.
    """
    chosen_seed = base.simulation.seed if seed is None else seed
    count = base.simulation.replications if n is None else n
    notes: list[str] = []
    if whatif.simulation.seed != chosen_seed:
        notes.append(
            f"the what-if scenario's seed {whatif.simulation.seed} was replaced by {chosen_seed} so both scenarios "
            "share their random numbers (common random numbers)"
        )
    common: dict[str, Any] = dict(
        first=first,
        seed=chosen_seed,
        workers=workers,
        dask_address=dask_address,
        breach_cost_gbp_per_case=breach_cost_gbp_per_case,
        progress=progress,
    )
    a = run_measures(base, count, **common)
    b = run_measures(whatif, count, **common)
    tariff_table = pd.DataFrame(columns=["member", "method", "base", "whatif", "difference"])
    if tariffs:
        tariff_table, parts = tariff_comparison(base, whatif, workers=workers, catalogue_options=catalogue_options)
        premiums = []
        for scenario, measures in ((base, a), (whatif, b)):
            cost = measure_values(measures, "host_unplanned_cost_gbp_per_year")
            if breach_cost_gbp_per_case:
                calm = apply_overrides(scenario, ["absence.sickness_rate=0", "absence.turnover_rate_per_year=0"])
                reference = run_measures(calm, count, **common)
                cost = cost - measure_values(reference, "host_unplanned_cost_gbp_per_year").reindex(cost.index)
            premiums.append(cost)
        a = pd.concat([a, invoice_measures(a, parts["base"], premiums[0])], ignore_index=True)
        b = pd.concat([b, invoice_measures(b, parts["whatif"], premiums[1])], ignore_index=True)
        notes.append(
            f"invoices: tariff method '{parts['base']['method']}' (base) / '{parts['whatif']['method']}' (what-if) "
            "from model.fairness.tariffs plus each non-host member's headcount share of the host's unplanned cost in that "
            "replication (its mean is the host risk premium)"
        )
    return Comparison(
        base_name=base.name,
        whatif_name=whatif.name,
        replications=count,
        seed=chosen_seed,
        confidence=confidence,
        differences=paired_differences(a, b, confidence),
        pairs=paired_table(a, b),
        static=static_comparison(base, whatif),
        changes=scenario_changes(base, whatif),
        tariffs=tariff_table,
        notes=notes,
    )
