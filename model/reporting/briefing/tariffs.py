"""The briefing's tariff sections: per-capita charges against the fair allocations with the core check, and every
group's own cost with the charges by member and service (``model.fairness``). Money in pounds per year.
"""

from __future__ import annotations

import pandas as pd

from model.reporting import plots
from model.reporting.briefing.context import (
    SECTION_TITLES,
    Briefing,
    Section,
    _money,
    contribution_rate,
    find_module,
    money_table,
    not_yet,
    pretty,
)
from model.reporting.briefing.results import host_risk_premium, tariff_result

TARIFF_COLUMNS = {
    "stand_alone": "Cost going alone",
    "net_today": "Today's net payment",
    "per_capita": "Per-capita",
    "activity_based": "Activity-based",
    "shapley": "Shapley value",
    "nucleolus": "Nucleolus",
    "closest_core": "Closest fair to per-capita",
    "risk_premium": "Host risk premium",
}


def tariff_section(briefing: Briefing) -> Section:
    """Per-capita charges against fair allocations, and the core check: would any group of members be better off
    leaving? (``model.fairness.tariffs``, which splits the efficient cost of the recommended catalogue c(N) using the cost of
    every group of members on its own.)"""
    scenario = briefing.scenario
    rate = contribution_rate(scenario)
    section = Section(key="tariffs", title=SECTION_TITLES["tariffs"], data={"rate": rate})
    module, reason = find_module("model.fairness.tariffs", ["tariff_table"])
    if module is None:
        section.text = (
            f"Today every member pays the same {_money(rate)} per member employee a year (per-capita). "
            "A fair tariff charges each member no more than it would pay on its own or in any smaller group."
        )
        section.tables = {
            "tariffs": pd.DataFrame(
                [
                    {"Member": m.name, "Headcount": m.headcount, "Per-capita (GBP per year)": rate * m.headcount}
                    for m in scenario.members
                ]
            )
        }
        section.missing.append(not_yet("fair tariff allocations and the core check", reason))
        return section
    result = tariff_result(briefing)
    members = result.member_table()
    if not (members["risk_premium"] > 0).any():
        members = members.drop(columns=["risk_premium"])
    table = pd.DataFrame({"Member": members["member"], "Headcount": members["headcount"]})
    for column in members.columns[2:]:
        table[f"{TARIFF_COLUMNS.get(column, pretty(column))} (GBP per year)"] = members[column].to_numpy()
    methods = result.core["methods"]
    core = pd.DataFrame(
        [
            {
                "Tariff": TARIFF_COLUMNS.get(method, pretty(method)),
                "Fair (no group would leave)": "yes" if check["in_core"] else "no",
                "Verdict": check["verdict"],
            }
            for method, check in methods.items()
        ]
    )
    if "today" in result.core:
        core.loc[len(core)] = ["Today's net payment", "–", result.core["today"]["verdict"]]
    adopted = "per_capita" if "per_capita" in methods else next(iter(methods))
    check = methods[adopted]
    worst = " + ".join(check["worst_coalition"])
    if check["in_core"]:
        verdict = (
            "**No group of members would be better off leaving** under the per-capita split of the efficient cost: "
            f"the group closest to leaving ({worst}) still saves {_money(-check['excess_gbp_per_year'])} a year by "
            "staying."
        )
    else:
        verdict = (
            f"**The per-capita split is not stable**: {worst} would save {_money(check['excess_gbp_per_year'])} a "
            "year by leaving. The Shapley value, nucleolus and closest fair split below are the alternatives."
        )
    totals = result.totals
    section.text = (
        f"Every column splits the same efficient annual cost, {_money(totals['grand_coalition_cost_gbp_per_year'])} "
        "(the recommended catalogue's planning figure, c(N), on the simulator-verified team sizes), "
        f"against {_money(totals['stand_alone_total_gbp_per_year'])} if every member went alone. Per-capita shares "
        "each service's cost by headcount among the members that use it; activity-based by the work each member "
        "generates; the Shapley value charges each member its average extra cost of joining; the nucleolus keeps the "
        "least contented group as far from leaving as possible. "
        f"{verdict} Today members pay {_money(rate)} per head, {_money(totals['today_contributions_gbp_per_year'])} "
        f"in all, for today's host team, which costs {_money(totals['today_cost_gbp_per_year'])} a year."
    )
    section.tables = {"tariffs": table, "core_check": core}
    shown = [c for c in ("per_capita", "activity_based", "shapley", "nucleolus", "stand_alone") if c in members]
    section.figures = {
        "tariffs": plots.grouped_bars(
            members,
            "member",
            shown,
            labels=[TARIFF_COLUMNS[c] for c in shown],
            title="Annual charge per member under each tariff",
        )
    }
    section.notes.extend(result.notes)
    if host_risk_premium(briefing) is None:
        section.notes.append(
            "No host risk premium is included: the risk model is not available (see the risk section)."
        )
    section.data.update({"result": result})
    return section


def tariff_detail_section(briefing: Briefing) -> Section:
    """For commissioners: every group's own cost c(S) against its members' stand-alone costs, and the charge per
    member and service under the per-capita and Shapley tariffs (``model.fairness.tariffs``)."""
    section = Section(key="tariff_detail", title=SECTION_TITLES["tariff_detail"])
    module, reason = find_module("model.fairness.tariffs", ["tariff_table"])
    if module is None:
        section.missing.append(not_yet("coalition costs and charges by service", reason))
        return section
    result = tariff_result(briefing)
    groups = result.coalition_costs
    section.tables["groups"] = pd.DataFrame(
        {
            "Group of members": [str(key).replace("+", " + ") for key in groups["coalition"]],
            "Members": groups["size"],
            "Cost on its own (GBP per year)": groups["cost_gbp_per_year"],
            "Sum of stand-alone costs (GBP per year)": groups["stand_alone_sum_gbp_per_year"],
            "Saving from sharing (GBP per year)": groups["saving_gbp_per_year"],
        }
    )
    for method in ("per_capita", "shapley"):
        if method in set(result.by_member_service["method"]):
            section.tables[f"by_service_{method}"] = money_table(result.service_matrix(method))
    section.text = (
        f"{len(groups)} groups of members, each costed as if it ran the service on its own (the efficient catalogue "
        "for that group). A fair tariff charges every group no more than its own cost. The two tables after it "
        "split each member's charge by service: per-capita and the Shapley value (whose member totals are spread "
        "over services in proportion to activity)."
    )
    return section
