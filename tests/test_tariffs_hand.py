"""Tariffs on a hand-made three-member partnership: every column derived by hand (pounds per year).

The partnership (``toy_scenario``): members A (host, 100 staff), B (100 staff) and C (200 staff). Two services, each
one work step of fixed effort:

* ``advice``: 1,000 cases per 1,000 staff a year, 1 hour each -> work hours A 100, B 100, C 200;
* ``training``: 500 cases per 1,000 staff a year, 2 hours each -> A 100, B 100; C does NOT take training (partial
  membership).

Cost lines of c(N) = 56,000 (``LINES``): advice host staff 40,000 (A, B, C; by work hours), training host staff 10,000
(A, B; by work hours), host overhead 6,000 (A, B, C; by work hours on shared services).

Coalition costs (``COSTS``): c(A) = c(B) = 20,000, c(C) = 28,000, c(AB) = 32,000, c(AC) = c(BC) = 42,000,
c(ABC) = 56,000.

Hand derivations:

* Per-capita (each line by headcount among its members): advice 40,000 x (1, 1, 2)/4 = 10,000, 10,000, 20,000;
  training 10,000 x (1, 1)/2 = 5,000 each for A and B (C nothing); overhead 6,000 x (1, 1, 2)/4 = 1,500, 1,500, 3,000.
  A = B = 16,500, C = 23,000.
* Activity-based: advice by hours 100:100:200 = 10,000, 10,000, 20,000; training by hours 100:100 = 5,000 each;
  overhead by shared work hours A 200, B 200, C 200 = 2,000 each. A = B = 17,000, C = 22,000.
* Shapley: A's marginal costs over the 6 orders: first (x2) 20,000; after B 32,000 - 20,000 = 12,000; after C
  42,000 - 28,000 = 14,000; last (x2) 56,000 - 42,000 = 14,000. (40,000 + 12,000 + 14,000 + 28,000) / 6 = 15,666.67;
  B the same by symmetry; C = 56,000 - 2 x 15,666.67 = 24,666.67.
* Nucleolus: the pair excesses x(S) - c(S) of AB, AC, BC sum to 2 x 56,000 - 116,000 = -4,000, so the largest is at
  least -1,333.33, reached when all three are equal: x_A + x_B = 30,666.67, x_A + x_C = x_B + x_C = 40,666.67, i.e.
  A = B = 15,333.33, C = 25,333.33 (singletons then have excess -4,666.67 and -2,666.67: lower, and C <= 28,000).
* Core check of per-capita: x(AB) = 33,000 > c(AB) = 32,000: A + B would save 1,000 by leaving (the only blocking
  coalition: x(AC) = 39,500 <= 42,000, singles are below stand-alone). Activity-based: x(AB) = 34,000: excess 2,000.
* Closest core to per-capita (16,500, 16,500, 23,000): A + B must drop to 32,000 so C rises to at least 24,000
  (deviation 1,000 at least, and exactly 1,000 is possible); then A and B split the 1,000 cut equally:
  (16,000, 16,000, 24,000). Check: x(AC) = 40,000 <= 42,000.
* Today: 150 a head -> 15,000, 15,000, 30,000 = 60,000; today's cost = host pay 1 FTE x 40,000 x 1.25 = 50,000 +
  overhead 6,000 = 56,000; surplus 4,000, refunded pro rata to contributions: 1,000, 1,000, 2,000; net 14,000,
  14,000, 28,000.
* Risk premium 3,000 on the non-host members by headcount: B 1,000, C 2,000, A (host) 0.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from model.fairness import cost_lines, tariffs
from model.scenario import Scenario, UserError

A, B, C = "A", "B", "C"
COSTS: dict[frozenset[str], float] = {
    frozenset({A}): 20_000.0,
    frozenset({B}): 20_000.0,
    frozenset({C}): 28_000.0,
    frozenset({A, B}): 32_000.0,
    frozenset({A, C}): 42_000.0,
    frozenset({B, C}): 42_000.0,
    frozenset({A, B, C}): 56_000.0,
}
LINES = pd.DataFrame(
    [
        ("advice", "host staff", "shared", (A, B, C), "work_hours", 40_000.0),
        ("training", "host staff", "shared", (A, B), "work_hours", 10_000.0),
        (cost_lines.HOST_OVERHEAD, "host overhead", "host", (A, B, C), "work_hours", 6_000.0),
    ],
    columns=cost_lines.LINE_COLUMNS,
)
TOL = 1e-6


def _service(name: str, per_1000: float, hours: float) -> dict[str, Any]:
    return {
        "name": name,
        "skill": "hr",
        "demand_per_1000_headcount_per_year": per_1000,
        "steps": [{"name": "work", "kind": "work", "duration": {"distribution": "fixed", "mean": hours}}],
        "kpi": {"description": "all within 20 days", "target_days": 20.0, "target_fraction": 0.8},
        "delivery": {"shared": {}, "in_house": {}},
    }


def toy_scenario(**tariff: Any) -> Scenario:
    data = {
        "name": "Toy",
        "members": [
            {"name": A, "headcount": 100, "fte": 90.0},
            {"name": B, "headcount": 100, "fte": 90.0},
            {"name": C, "headcount": 200, "fte": 180.0, "services": ["advice"]},
        ],
        "host": {"member": A, "overheads_gbp_per_year": {"admin": 6_000.0}},
        "services": [_service("advice", 1000.0, 1.0), _service("training", 500.0, 2.0)],
        "roles": [
            {
                "name": "advisor",
                "band": "6",
                "salary_gbp_per_year": 40_000.0,
                "on_cost_rate": 0.25,
                "fte": 1.0,
                "skills": ["hr"],
                "agency_day_rate_gbp": 300.0,
            }
        ],
        "tariff": {"per_capita_rate_gbp_per_head": 150.0, **tariff},
        "simulation": {"horizon_months": 12, "replications": 2},
    }
    return Scenario.model_validate(data)


@pytest.fixture(scope="module")
def result() -> tariffs.TariffResult:
    return tariffs.tariff_table(toy_scenario(), COSTS, host_risk_premium_gbp_per_year=3_000.0, cost_lines=LINES)


def _column(result: tariffs.TariffResult, column: str) -> dict[str, float]:
    return dict(zip(result.by_member["member"], result.by_member[column], strict=True))


def _approx(actual: dict[str, float], expected: dict[str, float]) -> None:
    assert actual.keys() == expected.keys()
    for name, value in expected.items():
        assert actual[name] == pytest.approx(value, abs=TOL), name


EXPECTED = {
    "per_capita": {A: 16_500.0, B: 16_500.0, C: 23_000.0},
    "activity_based": {A: 17_000.0, B: 17_000.0, C: 22_000.0},
    "shapley": {A: 47_000.0 / 3, B: 47_000.0 / 3, C: 74_000.0 / 3},
    "nucleolus": {A: 46_000.0 / 3, B: 46_000.0 / 3, C: 76_000.0 / 3},
    "closest_core": {A: 16_000.0, B: 16_000.0, C: 24_000.0},
}


@pytest.mark.parametrize("method", cost_lines.METHODS)
def test_every_method_matches_the_hand_derivation(result: tariffs.TariffResult, method: str) -> None:
    _approx(_column(result, method), EXPECTED[method])


def test_every_column_sums_to_the_grand_coalition_cost(result: tariffs.TariffResult) -> None:
    assert result.totals["grand_coalition_cost_gbp_per_year"] == 56_000.0
    for method in cost_lines.METHODS:
        assert math.fsum(result.by_member[method]) == pytest.approx(56_000.0, abs=TOL), method
    # Per method, the service schedule sums to c(N) + premium, and each member's rows to its column + premium.
    schedule = result.by_member_service
    for method in cost_lines.METHODS:
        rows = schedule[schedule["method"] == method]
        assert math.fsum(rows["gbp_per_year"]) == pytest.approx(59_000.0, abs=TOL), method
        by_member = rows.groupby("member")["gbp_per_year"].sum()
        column = _column(result, method)
        premium = _column(result, "risk_premium")
        for member in (A, B, C):
            assert by_member[member] == pytest.approx(column[member] + premium[member], abs=TOL)


def test_stand_alone_and_savings(result: tariffs.TariffResult) -> None:
    _approx(_column(result, "stand_alone"), {A: 20_000.0, B: 20_000.0, C: 28_000.0})
    _approx(_column(result, "saving_per_capita"), {A: 3_500.0, B: 3_500.0, C: 5_000.0})
    assert result.totals["sharing_saving_gbp_per_year"] == pytest.approx(12_000.0)


def test_member_that_does_not_take_a_service_pays_nothing_for_it(result: tariffs.TariffResult) -> None:
    schedule = result.by_member_service
    c_rows = schedule[(schedule["member"] == C) & (schedule["method"] != cost_lines.TODAY)]
    assert "training" not in set(c_rows["service"])
    c_rows = c_rows[c_rows["service"] != cost_lines.HOST_RISK_PREMIUM]
    # Exactly: C's per-capita charge is its headcount share of advice and of the overhead, nothing else.
    per_capita = c_rows[c_rows["method"] == "per_capita"].set_index("service")["gbp_per_year"]
    assert per_capita.to_dict() == pytest.approx({"advice": 20_000.0, cost_lines.HOST_OVERHEAD: 3_000.0}, abs=TOL)
    activity = c_rows[c_rows["method"] == "activity_based"].set_index("service")["gbp_per_year"]
    assert activity.to_dict() == pytest.approx({"advice": 20_000.0, cost_lines.HOST_OVERHEAD: 2_000.0}, abs=TOL)
    a_rows = schedule[(schedule["member"] == A) & (schedule["method"] == "per_capita")]
    assert a_rows.set_index("service")["gbp_per_year"]["training"] == pytest.approx(5_000.0, abs=TOL)
    row = result.by_member.set_index("member").loc[C]
    assert row["services_from_host"] == "advice"
    _approx(_column(result, "host_overhead"), {A: 1_500.0, B: 1_500.0, C: 3_000.0})
    assert result.totals["host_overhead_gbp_per_year"] == pytest.approx(6_000.0)


def test_game_columns_are_spread_over_services_in_proportion_to_activity(result: tariffs.TariffResult) -> None:
    schedule = result.by_member_service
    rows = schedule[(schedule["member"] == A) & (schedule["method"] == "shapley")].set_index("service")
    # A's activity charges: advice 10,000, training 5,000, overhead 2,000 (of 17,000).
    shapley_a = 47_000.0 / 3
    assert rows.loc["advice", "gbp_per_year"] == pytest.approx(shapley_a * 10 / 17, abs=TOL)
    assert rows.loc["training", "gbp_per_year"] == pytest.approx(shapley_a * 5 / 17, abs=TOL)


def test_per_capita_outside_the_core_names_the_coalition_and_the_excess(result: tariffs.TariffResult) -> None:
    per_capita = result.core["methods"]["per_capita"]
    assert per_capita["in_core"] is False
    assert per_capita["worst_coalition"] == [A, B]
    assert per_capita["excess_gbp_per_year"] == pytest.approx(1_000.0, abs=TOL)
    assert per_capita["coalitions_that_would_leave"] == 1
    assert "A + B would save GBP 1,000 a year" in per_capita["verdict"]
    activity = result.core["methods"]["activity_based"]
    assert activity["worst_coalition"] == [A, B]
    assert activity["excess_gbp_per_year"] == pytest.approx(2_000.0, abs=TOL)
    for method in ("shapley", "nucleolus", "closest_core"):
        assert result.core["methods"][method]["in_core"] is True, method
    # Nucleolus: the three pairs tie at the least-core level -4,000 / 3.
    assert result.core["least_core_epsilon_gbp_per_year"] == pytest.approx(-4_000.0 / 3, abs=1e-3)
    assert result.core["methods"]["nucleolus"]["excess_gbp_per_year"] == pytest.approx(-4_000.0 / 3, abs=1e-3)
    assert result.core["core_nonempty"] is True


def test_today_contributions_surplus_refund_and_walk_away(result: tariffs.TariffResult) -> None:
    _approx(_column(result, "today_contribution"), {A: 15_000.0, B: 15_000.0, C: 30_000.0})
    _approx(_column(result, "surplus_refund"), {A: 1_000.0, B: 1_000.0, C: 2_000.0})
    _approx(_column(result, "net_today"), {A: 14_000.0, B: 14_000.0, C: 28_000.0})
    totals = result.totals
    assert totals["today_cost_gbp_per_year"] == pytest.approx(56_000.0)
    assert totals["surplus_gbp_per_year"] == pytest.approx(4_000.0)
    assert math.fsum(result.by_member["surplus_refund"]) == pytest.approx(totals["surplus_gbp_per_year"], abs=TOL)
    assert totals["surplus_invested_gbp_per_year"] == 0.0
    # Today's net payments (14k, 14k, 28k): pairs AC, BC pay 42,000 = c: excess 0; C alone pays 28,000 = c(C).
    today = result.core["today"]
    assert today["excess_gbp_per_year"] == pytest.approx(0.0, abs=1e-3)
    assert today["coalitions_that_would_leave"] == 0


def test_invest_rule_keeps_the_surplus_and_a_deficit_is_recovered_pro_rata() -> None:
    invest = tariffs.tariff_table(toy_scenario(surplus_rule="invest"), COSTS, cost_lines=LINES)
    _approx(_column(invest, "surplus_refund"), {A: 0.0, B: 0.0, C: 0.0})
    _approx(_column(invest, "net_today"), {A: 15_000.0, B: 15_000.0, C: 30_000.0})
    assert invest.totals["surplus_invested_gbp_per_year"] == pytest.approx(4_000.0)
    # 100 a head: contributions 40,000 against a cost of 56,000: deficit 16,000 recovered 1:1:2 under either rule.
    for rule in ("invest", "refund_pro_rata"):
        deficit = tariffs.tariff_table(
            toy_scenario(surplus_rule=rule, per_capita_rate_gbp_per_head=100.0), COSTS, cost_lines=LINES
        )
        _approx(_column(deficit, "surplus_refund"), {A: -4_000.0, B: -4_000.0, C: -8_000.0})
        _approx(_column(deficit, "net_today"), {A: 14_000.0, B: 14_000.0, C: 28_000.0})
        assert deficit.totals["surplus_invested_gbp_per_year"] == 0.0


def test_break_even_rate_when_the_scenario_sets_none() -> None:
    result = tariffs.tariff_table(toy_scenario(per_capita_rate_gbp_per_head=None), COSTS, cost_lines=LINES)
    # 56,000 over 400 staff = 140 a head.
    _approx(_column(result, "today_contribution"), {A: 14_000.0, B: 14_000.0, C: 28_000.0})
    assert result.totals["surplus_gbp_per_year"] == pytest.approx(0.0, abs=TOL)


def test_risk_premium_is_borne_by_non_host_members_by_headcount(result: tariffs.TariffResult) -> None:
    premium = _column(result, "risk_premium")
    _approx(premium, {A: 0.0, B: 1_000.0, C: 2_000.0})
    assert math.fsum(premium.values()) == pytest.approx(3_000.0, abs=TOL)
    assert result.totals["charged_total_gbp_per_year"] == pytest.approx(59_000.0)
    # The premium does not move the cost shares.
    no_premium = tariffs.tariff_table(toy_scenario(), COSTS, cost_lines=LINES)
    for method in cost_lines.METHODS:
        assert _column(no_premium, method) == pytest.approx(_column(result, method), abs=TOL)


def test_callable_and_string_keyed_costs_give_the_same_tariffs(result: tariffs.TariffResult) -> None:
    def cost(coalition: frozenset[str]) -> float:
        return COSTS[coalition]

    by_callable = tariffs.tariff_table(toy_scenario(), cost, 3_000.0, cost_lines=LINES)
    by_strings = tariffs.tariff_table(
        toy_scenario(), {"+".join(sorted(k)): v for k, v in COSTS.items()}, 3_000.0, cost_lines=LINES
    )
    for other in (by_callable, by_strings):
        pd.testing.assert_frame_equal(other.by_member, result.by_member)


def test_without_cost_lines_today_provision_is_split() -> None:
    # Today's lines: host pay 50,000 split by shared work hours (advice 400 h, training 200 h): 33,333.33 and
    # 16,666.67, plus overhead 6,000 = 56,000 = c(N), so no scaling. Per-capita: advice 8,333.33 / 8,333.33 /
    # 16,666.67; training 8,333.33 each for A, B; overhead 1,500 / 1,500 / 3,000.
    result = tariffs.tariff_table(toy_scenario(), COSTS)
    _approx(_column(result, "per_capita"), {A: 18_166.0 + 2 / 3, B: 18_166.0 + 2 / 3, C: 19_666.0 + 2 / 3})
    assert any("no breakdown" in note for note in result.notes)
    # Doubling c(N)'s lines scales them back to c(N).
    doubled = LINES.assign(gbp_per_year=LINES["gbp_per_year"] * 2)
    scaled = tariffs.tariff_table(toy_scenario(), COSTS, cost_lines=doubled)
    _approx(_column(scaled, "per_capita"), EXPECTED["per_capita"])
    assert any("scaled" in note for note in scaled.notes)


def test_bad_inputs_are_user_errors() -> None:
    scenario = toy_scenario()
    with pytest.raises(UserError, match="risk premium"):
        tariffs.tariff_table(scenario, COSTS, -1.0, cost_lines=LINES)
    missing = {k: v for k, v in COSTS.items() if k != frozenset({A, C})}
    with pytest.raises(UserError, match="A\\+C"):
        tariffs.tariff_table(scenario, missing, cost_lines=LINES)
    bad = LINES.assign(driver=["work_hours", "minutes", "work_hours"])
    with pytest.raises(UserError, match="unknown driver 'minutes'"):
        tariffs.tariff_table(scenario, COSTS, cost_lines=bad)
    stranger = LINES.assign(members=[(A, B, C), (A, "Z"), (A, B, C)])
    with pytest.raises(UserError, match="must be players"):
        tariffs.tariff_table(scenario, COSTS, cost_lines=stranger)


def test_write_produces_the_run_files(result: tariffs.TariffResult, tmp_path: Any) -> None:
    import json

    from model.reporting import RunFolder

    with RunFolder(toy_scenario(), command="tariffs", root=tmp_path) as run:
        result.write(run)
    assert run.path is not None
    names = {p.name for p in run.path.iterdir()}
    assert {"tariffs.csv", "tariffs_by_service.csv", "core_check.json", "tariffs.md", "coalition_costs.csv"} <= names
    table = pd.read_csv(run.path / "tariffs.csv")
    assert table["shapley"].sum() == pytest.approx(56_000.0, abs=TOL)
    core = json.loads((run.path / "core_check.json").read_text())
    assert core["methods"]["per_capita"]["worst_coalition"] == [A, B]
    text = (run.path / "tariffs.md").read_text()
    assert "| A | 100 |" in text and "A + B would save GBP 1,000 a year" in text
    coalitions = pd.read_csv(run.path / "coalition_costs.csv")
    assert len(coalitions) == 7
    assert coalitions.set_index("coalition").loc["A+B", "saving_gbp_per_year"] == pytest.approx(8_000.0)
