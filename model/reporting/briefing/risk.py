"""The briefing's risk-stage sections: host risk and the premium that covers it, the host team size the KPIs need, and
the inputs that move the result most (``model.risk``). Money in pounds per year.
"""

from __future__ import annotations

import math

import pandas as pd

from model.reporting import risk_plots
from model.reporting.briefing.context import (
    SECTION_TITLES,
    Briefing,
    Section,
    _money,
    _signed_money,
    find_module,
    not_yet,
    pretty,
)
from model.reporting.briefing.results import risk_result, sensitivity_result, staffing_result


def risk_section(briefing: Briefing) -> Section:
    """The host's financial risk from unplanned staff leave (agency cover less pay saved on vacancies), a bad year,
    the premium that makes hosting cost-neutral, and the stress tests (``model.risk``)."""
    section = Section(key="risk", title=SECTION_TITLES["risk"])
    module, reason = find_module("model.risk.stress", ["run_stress_tests"])
    if module is None:
        section.missing.append(not_yet("host risk and the risk premium", reason))
        return section
    scenario = briefing.scenario
    result = risk_result(briefing)
    premium = result.premium
    summary_table = result.summary
    stresses = pd.DataFrame(
        {
            "Stress test": [pretty(s) for s in summary_table["stress"]],
            "What happens": summary_table["description"],
            "Cases within KPI (%)": summary_table["attainment_mean"],
            "Chance some KPI is missed (%)": summary_table["p_any_kpi_breach"],
            "Host cost, average year (GBP per year)": summary_table["host_cost_mean_gbp_per_year"],
            "Host cost, bad year (1 in 20) (GBP per year)": summary_table["host_cost_p95_gbp_per_year"],
            "Extra host cost against normal (GBP per year)": summary_table["extra_vs_base_gbp_per_year"],
        }
    )
    charged = premium.tariff_premium_gbp_per_year
    scale = charged / premium.premium_gbp_per_year if premium.premium_gbp_per_year > 0 else 0.0
    rows = [
        ("Host risk premium (GBP per year)", _money(charged)),
        (
            "Expected extra host cost of unplanned leave, 95% interval (GBP per year)",
            f"{_money(premium.premium_gbp_per_year)} ({_money(premium.ci_low)} to {_money(premium.ci_high)})",
        ),
        ("Host cost in a bad year, 1 in 20 (GBP per year)", _money(premium.p95_gbp_per_year)),
        (
            "Premium per head of the other members (GBP per head per year)",
            _money(premium.per_head_gbp_per_year * scale),
        ),
    ]
    rows += [
        (f"Premium paid by {name} (GBP per year)", _money(value * scale)) for name, value in premium.per_member.items()
    ]
    premium_table = pd.DataFrame(rows, columns=["Measure", "Value"])
    host = scenario.host.member
    section.text = (
        f"{host} hosts the team and carries the cost of unplanned staff leave: agency cover for long sickness and "
        f"vacancies, less the pay it saves while posts are empty. Over {premium.replications} simulated runs the "
        f"net effect on the host averages {_signed_money(premium.premium_gbp_per_year)} a year against a year "
        f"without unplanned leave; its net cost in a bad year (1 in 20) is "
        f"{_signed_money(premium.p95_gbp_per_year)}. "
        + (
            f"A premium of **{_money(charged)} a year**, paid by the other members in proportion to headcount "
            f"({_money(premium.per_head_gbp_per_year * scale)} per head), makes hosting cost-neutral on average; the "
            "tariff table includes it. "
            if charged > 0
            else "On average the pay saved on empty posts covers the agency cost, so **no premium is needed**. "
        )
        + "The stress tests show what each shock would do to the service and to the host."
    )
    section.tables = {"premium": premium_table, "stress_tests": stresses}
    section.figures = {"stress_tests": risk_plots.risk_figure(result)}
    section.notes.extend(result.notes)
    section.data = {"result": result}
    return section


def staffing_section(briefing: Briefing) -> Section:
    """The host team size needed to meet every KPI in 90% of simulated years, against today's team and against
    every member staffing its own HR team (``model.risk.staffing``)."""
    section = Section(key="staffing", title=SECTION_TITLES["staffing"])
    module, reason = find_module("model.risk.staffing", ["size_staffing"])
    if module is None:
        section.missing.append(not_yet("the host team size needed to meet the KPIs", reason))
        return section
    result = staffing_result(briefing)
    roles = result.roles
    team = pd.DataFrame(
        {
            "Role": [pretty(r) for r in roles["role"]],
            "Services": [str(s).replace("_", " ") for s in roles["services"]],
            "Today (FTE)": roles["today_fte"],
            "Queueing estimate (FTE)": roles["erlang_fte"],
            "Needed by simulation (FTE)": roles["simulated_fte"],
            "People": roles["people"],
            "Cost (GBP per year)": roles["cost_gbp_per_year"],
        }
    )
    services = result.services
    verdicts = pd.DataFrame(
        {
            "Service": [pretty(s) for s in services["service"]],
            "Runs": services["replications"],
            "Chance the KPI is met (%)": services["p_met"],
            "95% interval": [
                f"{low:.0%} to {high:.0%}" for low, high in zip(services["p_low"], services["p_high"], strict=True)
            ],
            "Verdict": services["verdict"],
        }
    )
    alone = result.standalone
    standalone = pd.DataFrame(
        {
            "Team": alone["team"],
            "FTE": alone["fte"],
            "People": alone["people"],
            "Cost (GBP per year)": alone["cost_gbp_per_year"],
        }
    )
    today = float(roles["today_fte"].sum())
    needed = float(roles["simulated_fte"].sum())
    section.text = (
        f"The smallest host team that meets every KPI in at least {result.probability:.0%} of simulated years has "
        f"{needed:.1f} FTE, against {today:.1f} FTE today. The last table compares it with the staff each member "
        "would need to do the same work on its own."
    )
    section.tables = {"team": team, "kpis": verdicts, "standalone": standalone}
    section.notes.extend(result.notes)
    section.data = {"result": result}
    return section


def sensitivity_section(briefing: Briefing) -> Section:
    """Tornado charts: how much the annual cost and the share of cases within KPI move when each main input is 20%
    lower or higher (``model.risk.sensitivity``)."""
    section = Section(key="sensitivity", title=SECTION_TITLES["sensitivity"])
    module, reason = find_module("model.risk.sensitivity", ["tornado"])
    if module is None:
        section.missing.append(not_yet("the sensitivity tornado", reason))
        return section
    result = sensitivity_result(briefing)
    table = result.table
    cost = table[table["output"] == "total_cost_gbp_per_year"]
    attainment = table[table["output"] == "sla_attainment"]
    rows = []
    for row in cost.itertuples(index=False):
        match = attainment[attainment["parameter"] == row.parameter]
        rows.append(
            {
                "Input": str(row.label)[:1].upper() + str(row.label)[1:],
                f"Cost, input x{result.low:g} (GBP per year)": row.low,
                f"Cost, input x{result.high:g} (GBP per year)": row.high,
                "Cost swing (GBP per year)": row.swing,
                f"Cases within KPI, input x{result.low:g} (%)": float(match["low"].iloc[0]) if len(match) else math.nan,
                f"Cases within KPI, input x{result.high:g} (%)": float(match["high"].iloc[0])
                if len(match)
                else math.nan,
            }
        )
    top = cost.iloc[0] if len(cost) else None
    section.text = (
        f"Each main input was set {1 - result.low:.0%} lower and {result.high - 1:.0%} higher in turn, the others "
        f"unchanged, on the same {result.replications} simulated runs, with today's host team. "
        + (
            f"The annual cost (base {_money(result.base['total_cost_gbp_per_year'])}) is most sensitive to "
            f"{top['label']}: {_money(top['low'])} to {_money(top['high'])}. "
            if top is not None
            else ""
        )
        + "Inputs at the top of the charts are the estimates most worth firming up."
    )
    section.tables = {"tornado": pd.DataFrame(rows)}
    section.figures = dict(risk_plots.tornado_figures(result))
    section.data = {"result": result}
    return section
