"""The briefing's what-if sections: what changed between two scenarios and the simulated KPI and cost differences
(``model.risk.whatif``), for the what-if notebook.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from model.reporting.briefing.context import (
    SECTION_TITLES,
    Briefing,
    Section,
    _format_by_label,
    _money,
    _percent,
    contribution_rate,
    failure_reason,
    find_module,
    not_yet,
    pretty,
)
from model.scenario.schema import Scenario, apply_overrides
from model.simulation import summary


def what_if_table(base: Scenario, changed: Scenario) -> pd.DataFrame:
    """Headline expected figures of ``base`` and ``changed`` side by side, with the difference (``model.simulation.summary``)."""
    left, right = summary.cost_summary(base), summary.cost_summary(changed)
    rate_left, rate_right = contribution_rate(base), contribution_rate(changed)
    measures = [
        ("Staff covered (headcount)", "member_headcount"),
        ("Host HR team (FTE)", "host_fte"),
        ("Annual cost (GBP per year)", "total_cost_gbp_per_year"),
        ("Cost per member employee (GBP per head per year)", "cost_per_head_gbp_per_year"),
        ("Expected use of host case-work time (%)", "expected_utilisation"),
    ]
    rows = [(label, left[key], right[key]) for label, key in measures]
    rows.append(("Contribution rate (GBP per head per year)", rate_left, rate_right))
    surplus_left = rate_left * left["member_headcount"] - left["total_cost_gbp_per_year"]
    surplus_right = rate_right * right["member_headcount"] - right["total_cost_gbp_per_year"]
    rows.append(("Surplus (+) or deficit (-) (GBP per year)", surplus_left, surplus_right))
    table = pd.DataFrame(rows, columns=["Measure", "Base", "What if"])
    table["Change"] = table["What if"] - table["Base"]
    return table


def what_if_section(briefing: Briefing, overrides: Sequence[str]) -> Section:
    """Compare the scenario with a copy changed by ``PATH=VALUE`` overrides (``--set`` syntax)."""
    changed = apply_overrides(briefing.scenario, list(overrides)) if overrides else briefing.scenario
    table = what_if_table(briefing.scenario, changed)
    display = pd.DataFrame({"Measure": table["Measure"]})
    for column in ("Base", "What if", "Change"):
        display[column] = [
            _format_by_label(label, value) for label, value in zip(table["Measure"], table[column], strict=True)
        ]
    changes = "; ".join(f"`{item}`" for item in overrides) or "no changes"
    return Section(
        key="what_if",
        title=SECTION_TITLES["what_if"],
        text=f"Changes tested: {changes}. Expected values at full membership (no simulation).",
        tables={"what_if": display},
        data={"values": table, "changed": changed},
    )


MEASURE_LABELS = {
    "total_cost_gbp_per_year": "Total cost (GBP per year)",
    "host_unplanned_cost_gbp_per_year": "Host unplanned cost (GBP per year)",
    "agency_cost_gbp_per_year": "Agency backfill (GBP per year)",
    "sla_attainment": "Cases within KPI (%)",
    "kpi_met": "Chance the KPI is met (%)",
    "invoice_gbp_per_year": "Member invoice (GBP per year)",
}


def what_if_kpi_section(briefing: Briefing, overrides: Sequence[str]) -> Section:
    """Simulated comparison of the scenario with its changed copy on the same random numbers (``model.risk.whatif``):
    cost, KPI attainment, the chance each KPI is met and member invoices, with 95% intervals of the difference."""
    section = Section(key="what_if_simulated", title=SECTION_TITLES["what_if_simulated"])
    module, reason = find_module("model.risk.whatif", ["compare"])
    if module is None:
        section.missing.append(not_yet("the simulated what-if comparison", reason))
        return section
    changed = apply_overrides(briefing.scenario, list(overrides)) if overrides else briefing.scenario
    try:
        comparison = briefing.model_result(
            "what_if:" + "|".join(overrides),
            lambda: module.compare(
                briefing.scenario,
                changed,
                briefing.n_replications,
                seed=briefing.run_seed,
                workers=briefing.workers,
            ),
        )
    except Exception as error:
        if briefing.strict:
            raise
        section.missing.append(not_yet("the simulated what-if comparison", failure_reason(error)))
        return section
    headline = comparison.headline()
    rows = []
    for row in headline.itertuples(index=False):
        label = MEASURE_LABELS.get(row.measure, pretty(row.measure))
        show = _money if "(GBP" in label else _percent
        interval = "–" if pd.isna(row.ci_low) else f"{show(row.ci_low)} to {show(row.ci_high)}"
        rows.append(
            {
                "Measure": label,
                "Service": "all" if row.service == "all" else pretty(row.service),
                "Member": row.member,
                "Base": show(row.base_mean),
                "What if": show(row.whatif_mean),
                "Change": show(row.difference),
                "95% interval of the change": interval,
                "Clear difference": "yes" if bool(row.significant) else "no",
            }
        )
    section.tables = {"what_if_simulated": pd.DataFrame(rows)}
    section.text = (
        f"{comparison.replications} simulated runs of each version on the same random numbers (seed "
        f"{comparison.seed}), so the change is measured run by run. 'Clear difference' means the 95% interval of "
        "the change excludes zero."
    )
    section.notes.extend(comparison.notes)
    section.data = {"comparison": comparison}
    return section


def as_overrides(changes: dict[str, Any] | Sequence[str]) -> list[str]:
    """``{"absence.sickness_rate": 0.06}`` -> ``["absence.sickness_rate=0.06"]`` (``--set`` syntax); strings pass
    through. Text values are quoted so that they stay text."""
    if isinstance(changes, dict):
        return [
            f"{path}={json.dumps(value) if isinstance(value, str) else _toml_value(value)}"
            for path, value in changes.items()
        ]
    return [str(item) for item in changes]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)
