"""The briefing's KPI section: attainment by member per bi-monthly review, with 95% bands, from the replications
(``model.simulation``).
"""

from __future__ import annotations

import importlib
from typing import Any

import pandas as pd

from model.reporting import plots
from model.reporting.briefing.context import (
    SECTION_TITLES,
    Briefing,
    Section,
    _interval_text,
    _join,
    _last_month_label,
    _lower,
    find_module,
    not_yet,
    pretty,
)
from model.reporting.briefing.results import experiment


def _period_start(label: str) -> pd.Timestamp:
    return pd.Timestamp(f"{label}-01")


def member_period_attainment(briefing: Briefing) -> pd.DataFrame:
    """SLA attainment (fraction of cases within the KPI target) per member x service x bi-monthly review period, one
    row per replication (``KPI_COLUMNS``: replication, metric, service, member, role, period, value).

    Taken from the KPI table when ``model.simulation.kpis`` reports member x period rows; otherwise ``model.simulation.kpis`` is applied
    to each member's cases alone, so the definition (review period in which the outcome became known, open cases
    older than the target count as misses) is exactly the KPI module's.
    """
    result = experiment(briefing)
    table = result.kpis
    rows = table[(table["metric"] == "sla_attainment") & (table["period"] != "all") & (table["member"] != "all")]
    if len(rows):
        return rows.reset_index(drop=True)
    kpis = importlib.import_module("model.simulation.kpis")
    simulation = importlib.import_module("model.simulation")
    frames = []
    cases, staff, backlog = result.cases, result.staff, result.backlog
    for replication in sorted(set(cases["replication"])):
        own = cases[cases["replication"] == replication].drop(columns="replication")
        own_staff = staff[staff["replication"] == replication].drop(columns="replication")
        own_backlog = backlog[backlog["replication"] == replication].drop(columns="replication")
        for member in briefing.scenario.member_names:
            output = simulation.SimulationOutput(
                int(replication),
                own[own["member"] == member],
                own_staff,
                own_backlog,
                result.horizon_days,
                result.warm_up_days,
            )
            part = kpis.replication_kpis(briefing.scenario, output)
            part = part[(part["metric"] == "sla_attainment") & (part["period"] != "all") & (part["member"] == "all")]
            frames.append(part.assign(member=member))
    return pd.concat(frames, ignore_index=True)


def kpi_section(briefing: Briefing) -> Section:
    """KPI attainment by member per bi-monthly review (mean over replications with 95% confidence bands) and over
    the whole horizon, from the simulation (``model.simulation.replications`` and ``model.simulation.kpis``)."""
    section = Section(key="kpis", title=SECTION_TITLES["kpis"])
    module, reason = find_module("model.simulation.replications", ["multiple_replications"])
    if module is None:
        section.missing.append(not_yet("simulated KPI attainment by member and review period", reason))
        return section
    statistics = importlib.import_module("model.simulation.statistics")
    scenario = briefing.scenario
    result = experiment(briefing)
    targets = {service.name: service.kpi.target_fraction for service in scenario.services}

    periods = member_period_attainment(briefing)
    summary_rows = statistics.summarise(periods, ["service", "member", "period"])
    summary_rows = summary_rows[summary_rows["n"] > 0].copy()
    summary_rows["period"] = [_period_start(label) for label in summary_rows["period"]]
    figure_rows = summary_rows[summary_rows["service"] != "all"]

    kpis = result.kpis
    overall = kpis[(kpis["metric"] == "sla_attainment") & (kpis["period"] == "all") & (kpis["member"] != "all")]
    overall = statistics.summarise(overall[overall["service"] != "all"], ["service", "member"])
    table_rows = []
    for service in scenario.services:
        part = overall[overall["service"] == service.name]
        if part.empty:
            continue
        row: dict[str, Any] = {"Service": pretty(service.name), "Target (%)": service.kpi.target_fraction}
        for member in scenario.member_names:
            cell = part[part["member"] == member]
            row[member] = _interval_text(cell) if len(cell) else "–"
        table_rows.append(row)
    attainment = pd.DataFrame(table_rows)

    met = kpis[(kpis["metric"] == "sla_target_met") & (kpis["member"] == "all") & (kpis["period"] == "all")]
    met_share = met.groupby("service", sort=False)["value"].mean()
    below = [_lower(pretty(s)) for s, share in met_share.items() if share < 0.5]
    n = briefing.n_replications
    first, last = scenario.simulation.start, _last_month_label(scenario)
    section.text = (
        f"Share of cases completed within each service's target time, from {n} simulated runs of {first} to {last} "
        "(each a different but equally likely sequence of cases, leave and sickness). The table gives each member's "
        "attainment over the whole period with its 95% confidence interval; the chart shows it per bi-monthly KPI "
        "review, with shaded 95% bands and the target as a dashed line. "
        + (
            f"Services below target in most runs: {_join(below)}."
            if below
            else "Every service meets its target in most runs."
        )
    )
    section.tables = {"attainment": attainment}
    if n < 2:
        section.notes.append("With one replication there are no confidence intervals; run at least 2.")
    section.figures = {
        "kpi_attainment": plots.kpi_attainment(
            figure_rows.rename(columns={})[["service", "member", "period", "mean", "ci_low", "ci_high"]].assign(
                service=lambda f: [pretty(s) for s in f["service"]]
            ),
            targets={pretty(name): value for name, value in targets.items()},
            period_label="Bi-monthly review period (start month)",
        )
    }
    section.data = {"periods": summary_rows, "overall": overall}
    return section
