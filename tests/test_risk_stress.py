"""Stress tests as pure scenario transformations, and the analytic pieces of the host cost (no simulation)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from test_risk_toy import toy_dict, toy_scenario

from model.commands.cli import main
from model.risk import stress as risk
from model.risk import whatif
from model.scenario import DEFAULT_SCENARIO, WORKING_DAYS_PER_MONTH, UserError, scenario_from_dict
from model.simulation import wilson_interval


def test_transforms_are_pure_and_change_only_their_fields() -> None:
    base = toy_scenario()
    before = base.model_dump()
    cases = {
        "sickness": (risk.sickness(0.065), {"absence.sickness_rate"}),
        "freeze": (risk.vacancy_freeze(), {"absence.vacancy_refill_days", "absence.backfill.covers"}),
        "surge": (risk.er_surge(2.0, service="casework"), {"services.casework.demand_per_1000_headcount_per_year"}),
        "leave": (risk.member_leaves("Partner CCG", 6), {"members.Partner CCG.leave_month"}),
        "specialist": (risk.lose_specialist("specialist"), {"forced_absences"}),
        "reference": (
            risk.no_unplanned_leave(),
            {"absence.sickness_rate", "absence.turnover_rate_per_year"},
        ),
    }
    for name, (test, paths) in cases.items():
        stressed = test(base)
        changed = set(whatif.scenario_changes(base, stressed)["path"])
        assert changed == paths, name
    assert base.model_dump() == before  # the base scenario is never modified
    freeze = risk.vacancy_freeze()(base)
    assert freeze.absence.vacancy_refill_days > 12 * WORKING_DAYS_PER_MONTH
    assert "vacancy" not in freeze.absence.backfill.covers
    assert risk.er_surge(2.0, service="casework")(base).service("casework").demand_per_1000_headcount_per_year == 60.0


def test_member_joins_adds_a_member_with_the_per_capita_rate() -> None:
    base = toy_scenario()
    joined = risk.member_joins("New CCG", 200, month=6)(base)
    assert joined.member("New CCG").join_month == 6
    assert joined.member("New CCG").fte == 180.0
    # Contributions: 150 a head from month 6 of 12, i.e. half a year's worth annualised.
    assert whatif.member_charges(joined)["New CCG"] == pytest.approx(150.0 * 200 * 6 / 12)


def test_stress_errors_are_user_errors() -> None:
    base = toy_scenario()
    with pytest.raises(UserError, match="unknown member"):
        risk.member_leaves("Nobody", 3)(base)
    with pytest.raises(UserError, match="host cannot leave"):
        risk.member_leaves("Host Trust", 3)(base)
    with pytest.raises(UserError, match="unknown role"):
        risk.lose_specialist("nobody")(base)
    with pytest.raises(UserError, match="outside the KPI window"):
        risk.lose_specialist("specialist", start_month=12)(base)
    # A role with no one in it has no person to take out.
    with pytest.raises(UserError, match="role 'specialist' has no people"):
        risk.lose_specialist("specialist")(toy_scenario(specialist_fte=0.0, advisor_fte=2.0))


def test_sole_specialist_is_the_one_person_role_holding_most_of_a_skill() -> None:
    table = risk.specialist_shares(toy_scenario())
    # casework: specialist 5.5 h/day, advisors 2 x 5.5 x 0.5 = 5.5 h/day -> share 0.5; advice share 5.5 / 16.5.
    row = table[(table["role"] == "specialist") & (table["skill"] == "casework")]
    assert float(row["share_of_capacity"].iloc[0]) == pytest.approx(0.5)
    assert risk.sole_specialist(toy_scenario()) == "specialist"


def test_lose_specialist_forces_an_absence_of_person_0() -> None:
    base = toy_scenario()  # 12-month window: the middle month is 6
    stressed = risk.lose_specialist("specialist", months=3)(base)
    assert [f.model_dump() for f in stressed.forced_absences] == [
        {"role": "specialist", "person": 0, "start_month": 6, "months": 3.0, "kind": "sickness"}
    ]
    assert stressed.role("specialist").fte == base.role("specialist").fte  # the team itself is unchanged
    vacancy = risk.lose_specialist(None, months=1.5, start_month=2, kind="vacancy")(stressed)
    assert [(f.person, f.start_month, f.months, f.kind) for f in vacancy.forced_absences] == [
        (0, 6, 3.0, "sickness"),
        (0, 2, 1.5, "vacancy"),
    ]
    # A sole skill-holder with no cross-skilled backup can be taken out too: its work waits.
    data = toy_dict()
    data["roles"][0]["cross_skills"] = {}
    assert len(risk.lose_specialist("specialist")(scenario_from_dict(data)).forced_absences) == 1


def test_specialist_gap_by_hand() -> None:
    """The analytic gap: what the simulation gives when no drawn absence of the post touches the window
    (checked against the simulator in tests/test_forced_absence.py)."""
    base = toy_scenario()  # backfill after 20 + 10 days
    gap = risk.specialist_gap(base, "specialist", 3)
    assert gap["absence_days"] == pytest.approx(3 * 21.75)
    assert gap["unfilled_days"] == pytest.approx(30.0)
    assert gap["agency_days"] == pytest.approx(3 * 21.75 - 30.0)
    short = risk.specialist_gap(base, "specialist", 1)  # 21.75 days: over before any agency worker arrives
    assert (short["unfilled_days"], short["agency_days"]) == (pytest.approx(21.75), 0.0)


def test_stranded_cost_of_a_leaver_by_hand() -> None:
    base = toy_scenario()
    stressed = risk.member_leaves("Partner CCG", 6)(base)
    margin_base = sum(whatif.member_charges(base).values()) - whatif.host_variable_costs(base)
    margin = sum(whatif.member_charges(stressed).values()) - whatif.host_variable_costs(stressed)
    # Partner pays 150 x 400 = 60,000 a year; no per-head shared costs in the toy; it stops for 6 of 12 months.
    assert margin_base - margin == pytest.approx(60000.0 * 6 / 12)
    notice = risk.member_leaves("Partner CCG", 6, notice_months=2)
    assert notice.margin_credit is not None
    assert notice.margin_credit(base) == pytest.approx(60000.0 * 2 / 12)


def test_default_stress_set_and_wilson() -> None:
    tests = risk.default_stress_tests(toy_scenario())
    assert [t.kind for t in tests] == ["sickness", "specialist", "freeze", "leave", "join"]  # no ER skill: no surge
    low, high = wilson_interval(10, 10)
    assert high == pytest.approx(1.0) and low == pytest.approx(0.7225, abs=1e-3)  # Wilson 95% for 10/10
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


@pytest.mark.slow
def test_risk_cli_writes_premium_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "risk",
            str(DEFAULT_SCENARIO),
            "--set",
            "simulation.horizon_months=2",
            "-n",
            "2",
            "--only",
            "sickness",
            "--quiet",
            "--results-dir",
            str(tmp_path),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "Host risk premium: GBP" in out and "sickness_0.065" in out
    folder = next((tmp_path / "herts-beds-luton").iterdir())
    premium = json.loads((folder / "premium.json").read_text())
    # The documented arithmetic of the premium, rather than ">= 0" (which the floor makes always true): the
    # expected extra cost is the base part plus the stress loadings, the invoice figure is that floored at 0, and
    # the non-host members active in a 2-month run (Bedfordshire 165 and Luton 90 heads; the host, Herts Valleys,
    # pays none) share it by head.
    expected = premium["expected_extra_host_cost_gbp_per_year"]
    loadings = math.fsum(premium["stress_loadings_gbp_per_year"].values())
    assert expected == pytest.approx(premium["base_part_gbp_per_year"] + loadings, rel=1e-12, abs=1e-9)
    assert premium["host_risk_premium_gbp_per_year"] == max(0.0, expected)
    low, high = premium["base_part_ci95"]
    assert low <= premium["base_part_gbp_per_year"] <= high
    shares = premium["per_member_gbp_per_year"]
    assert shares["Herts Valleys CCG"] == 0.0
    assert shares["Luton CCG"] == pytest.approx(expected * 90 / 255, rel=1e-12, abs=1e-9)
    assert shares["Bedfordshire CCG"] == pytest.approx(expected * 165 / 255, rel=1e-12, abs=1e-9)
    assert premium["per_head_gbp_per_year"] == pytest.approx(expected / 255, rel=1e-12, abs=1e-12)
    assert f"Host risk premium: GBP {premium['host_risk_premium_gbp_per_year']:,.0f}" in out
    assert (folder / "risk.png").stat().st_size > 1000
    assert main(["risk", "--probability", "nonsense=2"]) == 2
