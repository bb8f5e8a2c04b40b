"""Tariffs on the default scenario end to end, with the service catalogue optimiser's coalition costs c(S)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from types import SimpleNamespace

import pytest

from model.commands.cli import main
from model.fairness import cost_lines, tariffs
from model.optimisation import coalitions
from model.scenario import Scenario, apply_overrides
from model.simulation import summary

# One group of tests (xdist): the coalition costs are computed once per process and cached by the catalogue.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("tariffs_default")]

PREMIUM = 12_000.0
TOL = 1e-6


@pytest.fixture(scope="module")
def costs(default_scenario: Scenario) -> dict[frozenset[str], float]:
    return coalitions.coalition_costs(default_scenario, workers=1)


@pytest.fixture(scope="module")
def result(default_scenario: Scenario) -> tariffs.TariffResult:
    return tariffs.tariff_table(default_scenario, host_risk_premium_gbp_per_year=PREMIUM, workers=1)


def _column(result: tariffs.TariffResult, column: str) -> dict[str, float]:
    return dict(zip(result.by_member["member"], result.by_member[column], strict=True))


def test_columns_share_the_optimal_cost_of_serving_everyone(
    result: tariffs.TariffResult, costs: dict[frozenset[str], float], default_scenario: Scenario
) -> None:
    members = default_scenario.member_names
    assert list(result.players) == members
    grand = costs[frozenset(members)]
    assert result.totals["grand_coalition_cost_gbp_per_year"] == pytest.approx(grand, abs=TOL)
    assert math.fsum(result.cost_lines["gbp_per_year"]) == pytest.approx(grand, abs=1e-3)
    for method in cost_lines.METHODS:
        assert math.fsum(result.by_member[method]) == pytest.approx(grand, abs=TOL), method
    stand_alone = _column(result, "stand_alone")
    for member in members:
        assert stand_alone[member] == pytest.approx(costs[frozenset({member})], abs=TOL)
    assert len(result.coalition_costs) == 31


def test_reported_core_verdicts_match_brute_force(
    result: tariffs.TariffResult, costs: dict[frozenset[str], float], default_scenario: Scenario
) -> None:
    members = default_scenario.member_names
    for method in cost_lines.METHODS:
        share = _column(result, method)
        excess = {
            frozenset(combo): math.fsum(share[m] for m in combo) - costs[frozenset(combo)]
            for size in range(1, len(members))
            for combo in itertools.combinations(members, size)
        }
        largest = max(excess.values())
        reported = result.core["methods"][method]
        assert reported["excess_gbp_per_year"] == pytest.approx(largest, abs=1e-3), method
        assert reported["in_core"] == (largest <= 1e-3), method
        # The named coalition has the largest excess (several may tie, e.g. under the nucleolus).
        assert excess[frozenset(reported["worst_coalition"])] == pytest.approx(largest, abs=1e-3), method
        assert reported["coalitions_that_would_leave"] == sum(v > 1e-3 for v in excess.values()), method
    # The core of this partnership is not empty, so the nucleolus and the closest core allocation are in it.
    assert result.core["core_nonempty"]
    assert result.core["methods"]["nucleolus"]["in_core"]
    assert result.core["methods"]["closest_core"]["in_core"]
    # Not just consistent with the brute force: on this partnership EVERY method is in the core (the brute-force
    # largest excess above is below 0 for each: per capita -5,163, Shapley -10,691, nucleolus -12,966 GBP a year).
    for method in cost_lines.METHODS:
        assert result.core["methods"][method]["in_core"] is True, method


def test_services_not_taken_from_the_host_cost_only_the_members_own_delivery(result: tariffs.TariffResult) -> None:
    """A member pays a share of a service's host costs only if it takes that service from the host; for any other
    service it pays exactly its own external or in-house cost (partial membership, chosen by the optimiser)."""
    lines = result.cost_lines
    schedule = result.by_member_service
    checked = 0
    for member in result.players:
        for service in set(lines["service"]) - {cost_lines.HOST_OVERHEAD}:
            mine = lines[(lines["service"] == service) & lines["members"].map(lambda m, who=member: who in m)]
            if mine.empty or (mine["mode"] == "shared").any():
                continue
            own = math.fsum(mine["gbp_per_year"])
            for method in ("per_capita", "activity_based"):
                rows = schedule[
                    (schedule["member"] == member) & (schedule["service"] == service) & (schedule["method"] == method)
                ]
                assert math.fsum(rows["gbp_per_year"]) == pytest.approx(own, abs=TOL)
            checked += 1
    assert checked > 0


def test_premium_and_surplus(result: tariffs.TariffResult, default_scenario: Scenario) -> None:
    premium = _column(result, "risk_premium")
    assert premium[default_scenario.host.member] == 0.0
    assert math.fsum(premium.values()) == pytest.approx(PREMIUM, abs=TOL)
    # Non-host members pay in proportion to headcount: 12,000 x 90 / (165 + 90 + 240 + 115) for Luton.
    assert premium["Luton CCG"] == pytest.approx(PREMIUM * 90 / 610, abs=TOL)
    today = summary.cost_summary(default_scenario)
    assert result.totals["surplus_gbp_per_year"] == pytest.approx(today["surplus_gbp_per_year"], abs=TOL)
    assert math.fsum(result.by_member["surplus_refund"]) == pytest.approx(today["surplus_gbp_per_year"], abs=TOL)
    assert _column(result, "today_contribution")["Luton CCG"] == pytest.approx(640.0 * 90)


def test_a_member_refusing_a_service_pays_nothing_for_it(default_scenario: Scenario) -> None:
    services = [s for s in default_scenario.service_names if s != "od_learning"]
    scenario = apply_overrides(default_scenario, [f"members.West Essex CCG.services={services!r}".replace("'", '"')])
    result = tariffs.tariff_table(scenario, workers=1)
    schedule = result.by_member_service
    refused = schedule[(schedule["member"] == "West Essex CCG") & (schedule["service"] == "od_learning")]
    assert refused.empty
    assert "od_learning" not in result.by_member.set_index("member").loc["West Essex CCG", "services_from_host"]
    for method in cost_lines.METHODS:
        assert math.fsum(result.by_member[method]) == pytest.approx(
            result.totals["grand_coalition_cost_gbp_per_year"], abs=TOL
        )


def test_cli_prints_the_table_and_writes_the_run_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tariffs", "--risk-premium", "12000", "--workers", "2", "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Would any group of members do better alone?" in out
    assert "Nucleolus: In the core" in out
    runs = list((tmp_path / "herts-beds-luton").iterdir())
    assert len(runs) == 1
    names = {p.name for p in runs[0].iterdir()}
    assert {"tariffs.csv", "tariffs_by_service.csv", "core_check.json", "tariffs.md", "manifest.json"} <= names
    assert main(["tariffs", "--risk-premium", "-5", "--results-dir", str(tmp_path)]) == 2
    assert "error: host risk premium" in capsys.readouterr().err


def test_cli_auto_risk_premium_comes_from_the_risk_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd

    from model.risk import stress as risk

    calls: list[int | None] = []

    def fake_premium(scenario: Scenario, n: int | None = None, **_: object) -> SimpleNamespace:
        calls.append(n)
        return SimpleNamespace(
            tariff_premium_gbp_per_year=6_100.0,
            premium_gbp_per_year=6_100.0,
            replications=n,
            ci_low=5_000.0,
            ci_high=7_200.0,
        )

    monkeypatch.setattr(risk, "host_risk_premium", fake_premium)
    argv = ["tariffs", "--risk-premium", "auto", "--risk-replications", "7", "--workers", "1"]
    argv += ["--capacity", "analytic", "--no-verify"]
    assert main([*argv, "--results-dir", str(tmp_path)]) == 0
    assert calls == [7]
    assert "estimated by simulation over 7 paired replications" in capsys.readouterr().out
    (run,) = (tmp_path / "herts-beds-luton").iterdir()
    table = pd.read_csv(run / "tariffs.csv")
    assert table["risk_premium"].sum() == pytest.approx(6_100.0)
    # Non-host members pay by headcount: West Essex 115 of 610 non-host staff.
    assert table.set_index("member").loc["West Essex CCG", "risk_premium"] == pytest.approx(6_100.0 * 115 / 610)
    assert main(["tariffs", "--risk-premium", "lots", "--results-dir", str(tmp_path)]) == 2
    assert "expected pounds per year or 'auto'" in capsys.readouterr().err
