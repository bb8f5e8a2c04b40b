"""The briefing's catalogue section: the recommended (simulator-verified) service catalogue and each member's saving
against going alone (``model.optimisation``). Money in pounds per year.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from model.reporting import plots
from model.reporting.briefing.context import (
    SECTION_TITLES,
    Briefing,
    Section,
    _join,
    _lower,
    _money,
    find_module,
    not_yet,
    pretty,
)
from model.reporting.briefing.results import catalogue_result, tariff_result, verified_catalogue


def _interval_money(values: dict[str, float]) -> str:
    return f"{_money(values['mean'])} (95% CI {_money(values['ci_low'])} to {_money(values['ci_high'])})"


def verified_headline(briefing: Briefing) -> tuple[str, pd.DataFrame] | None:
    """The one headline the briefing leads with (text and table): the recommended catalogue's simulated annual cost,
    its saving against today, both with intervals, and the KPI reliability it achieves; None when unavailable."""
    try:
        verified = verified_catalogue(briefing)
    except Exception:  # noqa: BLE001 - the catalogue section reports the failure
        return None
    if verified is None or verified.saving is None:
        return None
    head = verified.headline()
    cost, saving, today = (
        head["recommended_cost_gbp_per_year"],
        head["saving_gbp_per_year"],
        head["today_cost_gbp_per_year"],
    )
    reliability = head["reliability_by_service"]
    meeting = sum(1 for r in reliability.values() if r["reliability"] >= r["target"])
    lowest = min(reliability.items(), key=lambda kv: kv[1]["reliability"]) if reliability else None
    from model.optimisation.verification import saving_in_words

    is_saving, amount, low, high = saving_in_words(saving)
    change = "saves" if is_saving else "costs"
    versus = "against today's service" if is_saving else "more than today's service"
    text = (
        f"**Recommended catalogue: {_money(cost['mean'])} a year** (95% CI {_money(cost['ci_low'])} to "
        f"{_money(cost['ci_high'])}), which {change} **{_money(amount)} a year {versus}** "
        f"(95% CI {_money(low)} to {_money(high)}). "
        f"It meets the KPI reliability of {meeting} of {len(reliability)} services"
        + (
            f"; the lowest is {_lower(pretty(lowest[0]))} at {lowest[1]['reliability']:.0%} of review periods "
            f"against a required {lowest[1]['target']:.0%}. "
            if lowest
            else ". "
        )
        + f"Both figures are simulated ({head['replications']} paired replications of the membership as it settles, "
        "same random numbers for today and the recommendation); every other cost in this briefing is explained "
        "against them."
    )
    rows = [
        ("Recommended catalogue, simulated (GBP per year)", _interval_money(cost)),
        ("Today's service, simulated on the same replications (GBP per year)", _interval_money(today)),
        ("Saving against today (GBP per year; negative = extra cost)", _interval_money(saving)),
        ("Verified by simulation", f"{'yes' if verified.verified else 'NO'} ({verified.rounds} round(s))"),
    ]
    for service, r in reliability.items():
        rows.append(
            (
                f"KPI reliability: {pretty(service)} ({r['team']})",
                f"{r['reliability']:.0%} (95% CI {r['ci_low']:.0%} to {r['ci_high']:.0%}; required {r['target']:.0%})",
            )
        )
    return text, pd.DataFrame(rows, columns=["Measure", "Value"])


MODE_LABELS = {"shared": "Shared", "in_house": "In house", "external": "External", "": "–"}


def catalogue_section(briefing: Briefing) -> Section:
    """The recommended service catalogue (how each member should receive each service: shared by the host team, in
    house or bought externally) and the saving against every member going alone, from ``model.optimisation.catalogue``."""
    section = Section(key="catalogue", title=SECTION_TITLES["catalogue"])
    module, reason = find_module("model.optimisation.catalogue", ["optimise"])
    if module is None:
        section.missing.append(not_yet("the recommended service catalogue and savings against going alone", reason))
        return section
    scenario = briefing.scenario
    result = catalogue_result(briefing)
    modes = result.decision_table()
    staffing = result.staffing
    host = staffing[staffing["team"] == module.HOST_TEAM]
    rows = []
    for service in modes.index:
        team = host[host["service"] == service]
        row: dict[str, Any] = {"Service": pretty(service)}
        for member in modes.columns:
            row[member] = MODE_LABELS.get(str(modes.loc[service, member]), str(modes.loc[service, member]))
        row["Host team"] = (
            ", ".join(
                f"{fte:g} FTE {_lower(pretty(role))}" for role, fte in zip(team["role"], team["fte"], strict=True)
            )
            or "–"
        )
        decided = result.decisions[result.decisions["service"] == service]
        extra = decided["next_best_extra_gbp_per_year"].dropna()
        row["Next best choice costs more by (GBP per year)"] = float(extra.min()) if len(extra) else math.nan
        rows.append(row)
    catalogue = pd.DataFrame(rows)
    if not briefing.explain:
        catalogue = catalogue.drop(columns=["Next best choice costs more by (GBP per year)"])

    heads = {member.name: member.headcount for member in scenario.members}
    served = set(result.decisions["member"])  # members with demand in the steady-state month
    alone = {member: cost for member, cost in result.standalone_gbp_per_year.items() if member in served}
    inactive = [member for member in scenario.member_names if member not in served]
    total = result.total_cost_gbp_per_year
    share_column = "Per-capita share of the shared catalogue (GBP per year)"
    try:
        tariffs = tariff_result(briefing)
    except Exception:  # noqa: BLE001 - the tariff section reports it; here fall back to a plain per-head split
        tariffs = None
    if tariffs is not None:  # the tariff model's per-capita split, so this table agrees with the tariff section
        by_member = tariffs.by_member.set_index("member")
        shares = {member: float(by_member.loc[member, "per_capita"]) for member in alone if member in by_member.index}
        split_words = "per-capita (each service's cost by headcount among its users, as in the tariff section)"
    else:
        total_heads = float(sum(heads[m] for m in alone))
        shares = {member: total * heads[member] / total_heads for member in alone}
        split_words = "per head"
    savings = pd.DataFrame(
        [
            {
                "Member": member,
                "Headcount": heads[member],
                "Cost going alone (GBP per year)": alone[member],
                share_column: shares.get(member, math.nan),
            }
            for member in alone
        ]
    )
    savings["Saving (GBP per year)"] = savings["Cost going alone (GBP per year)"] - savings[share_column]
    totals = pd.DataFrame(
        [
            ("Every member going alone (GBP per year)", result.standalone_total_gbp_per_year),
            ("Recommended shared catalogue (GBP per year)", total),
            ("Saving (GBP per year)", result.saving_gbp_per_year),
        ],
        columns=["Measure", "Value (GBP per year)"],
    )
    share = (
        result.saving_gbp_per_year / result.standalone_total_gbp_per_year if result.standalone_total_gbp_per_year else 0
    )
    shared_services = [_lower(pretty(s)) for s in modes.index if (modes.loc[s] == "shared").any()]
    external = [_lower(pretty(s)) for s in modes.index if (modes.loc[s] == "external").all()]
    verified = verified_catalogue(briefing)
    relation = ""
    if verified is not None and verified.saving is not None:
        simulated = verified.saving.recommended_cost[0]
        relation = (
            f"This is the optimiser's planning figure (whole posts at full pay); simulated, the same catalogue "
            f"costs {_money(simulated)} a year (the headline), {_money(abs(total - simulated))} "
            f"{'less' if simulated < total else 'more'} because posts fall vacant, agency cover is bought and "
            "per-case charges follow the cases that arrive. "
        )
    text = (
        f"The cheapest way to deliver every service within its KPI reliability costs **{_money(total)} a year**, "
        f"against "
        f"{_money(result.standalone_total_gbp_per_year)} if every member ran its own HR service: a saving of "
        f"**{_money(result.saving_gbp_per_year)} a year ({share:.0%})**. "
        + (f"The host team should deliver {_join(shared_services)}. " if shared_services else "")
        + (f"It is cheaper for every member to buy {_join(external)} from outside providers. " if external else "")
        + relation
        + sizing_words(verified)
        + f"systems, licences and purchases; the saving per member assumes the shared cost is split {split_words}."
    )
    section.text = text
    if verified is not None and verified.note:
        section.notes.append(verified.note)
    section.tables = {"totals": totals, "catalogue": catalogue, "savings": savings}
    section.figures = {
        "savings": plots.grouped_bars(
            savings.assign(Member=savings["Member"]),
            "Member",
            ["Cost going alone (GBP per year)", share_column],
            labels=["going alone", "per-capita share of the shared catalogue"],
            title="Annual cost per member: going alone against sharing",
        )
    }
    if inactive:
        section.notes.append(
            "Not in the catalogue (no demand in the last simulated month, when membership is as it will stay): "
            + ", ".join(inactive)
            + "."
        )
    if len(result.unavailable):
        section.notes.append(
            "Options ruled out: "
            + "; ".join(
                f"{pretty(r.service)} {r.mode} for {r.member}: {r.reason}" for r in result.unavailable.itertuples()
            )
        )
    section.data = {"result": result}
    return section


def sizing_words(verified: Any) -> str:
    """How the host staff in the costs were sized: calibrated and verified (the default up to 12 members), or on
    Erlang C capacity without simulation (a regional service; its ``note`` says why)."""
    if verified is None:
        return "Costs include host staff sized on Erlang C pool capacity, "
    capacity = "calibrated by the simulator" if verified.calibrated else "from Erlang C"
    if verified.verified:
        check = "verified by simulating the recommendation"
    elif verified.rounds:
        check = "simulated, with some KPI reliability still short after the verification rounds"
    else:
        check = "NOT verified by simulation"
    return f"Costs include host staff sized on pool capacity {capacity} and {check}, "
