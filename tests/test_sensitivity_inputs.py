"""Sensitivity: input scaling by hand, a tornado whose salary bar is exact, Morris effects of linear costs, the
recommended catalogue applied to a scenario, and the CLI's plots."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from test_risk_toy import toy_scenario

from model.commands.cli import main
from model.optimisation import apply_catalogue, catalogue, catalogue_instance
from model.reporting import plots, risk_plots
from model.risk import sensitivity, whatif
from model.scenario import DEFAULT_SCENARIO, UserError, load_scenario


def test_scale_inputs_multiplies_the_right_fields() -> None:
    base = toy_scenario()
    scaled = sensitivity.scale_inputs(
        base, {"demand": 1.2, "effort": 0.5, "sickness": 2.0, "salaries": 1.1, "external_prices": 0.8}
    )
    casework, base_case = scaled.service("casework"), base.service("casework")
    assert casework.demand_per_1000_headcount_per_year == pytest.approx(36.0)
    assert [s.duration.mean for s in casework.steps] == pytest.approx([5.0, 10.0, 2.5])  # wait step unchanged
    assert scaled.absence.sickness_rate == pytest.approx(0.06)
    assert scaled.role("advisor").salary_gbp_per_year == pytest.approx(33800.0 * 1.1)
    assert scaled.role("advisor").agency_day_rate_gbp == base.role("advisor").agency_day_rate_gbp
    assert casework.delivery.external.tiers[0].price_gbp_per_case == pytest.approx(1600.0)
    assert base_case.demand_per_1000_headcount_per_year == 30.0  # pure
    with pytest.raises(UserError, match="unknown sensitivity inputs"):
        sensitivity.scale_inputs(base, {"weather": 1.1})


@pytest.mark.slow
def test_tornado_salary_bar_is_exactly_a_fifth_of_host_pay() -> None:
    scenario = toy_scenario(horizon_months=3)
    result = sensitivity.tornado(scenario, ["salaries", "effort"], n=2)
    pay = whatif.measure_values(whatif.run_measures(scenario, 2), "host_pay_gbp_per_year").mean()
    cost = result.table[(result.table["output"] == "total_cost_gbp_per_year")].set_index("parameter")
    assert cost.loc["salaries", "high"] - cost.loc["salaries", "base"] == pytest.approx(0.2 * pay)
    assert cost.loc["salaries", "low"] - cost.loc["salaries", "base"] == pytest.approx(-0.2 * pay)
    assert cost.loc["salaries", "swing"] == pytest.approx(0.4 * pay)
    # The team is not re-sized: effort moves no pounds, salaries move no attainment.
    assert cost.loc["effort", "swing"] == pytest.approx(0.0, abs=1e-6)
    attainment = result.table[result.table["output"] == "sla_attainment"].set_index("parameter")
    assert attainment.loc["salaries", "swing"] == pytest.approx(0.0, abs=1e-12)
    figures = risk_plots.tornado_figures(result)
    assert "GBP per year" in figures["total_cost_gbp_per_year"].axes[0].get_xlabel()
    for figure in figures.values():
        plots.close(figure)


def test_apply_catalogue_sets_provision_and_staff() -> None:
    scenario = toy_scenario()
    result = catalogue.optimise(scenario, explain=False)
    applied = apply_catalogue(scenario, result)
    host = result.staffing[result.staffing["team"] == catalogue_instance.HOST_TEAM].groupby("role")["fte"].sum()
    for role in applied.roles:
        assert role.fte == pytest.approx(float(host.get(role.name, 0.0)))
    for row in result.decisions.itertuples():
        assert applied.provision_of(applied.member(row.member), row.service).value == row.mode
    # Every delivery option stays on offer, so the applied scenario's coalition costs are the scenario's own.
    assert applied.services == scenario.services
    assert catalogue.optimise(applied, explain=False).total_cost_gbp_per_year == pytest.approx(
        result.total_cost_gbp_per_year, rel=1e-9
    )


@pytest.mark.slow
def test_morris_effects_of_linear_costs_are_exact() -> None:
    """With the modes fixed, the catalogue's cost is linear in salaries (staff pay) and in external prices, so every
    elementary effect equals slope x range: mu* = 0.4 x the cost item, sigma = 0."""
    scenario = toy_scenario(horizon_months=3)
    result = sensitivity.morris_screening(
        scenario, trajectories=2, replications=1, window_months=3, inputs=["salaries", "external_prices"]
    )
    assert len(result.points) == 2 * 3
    recommended = catalogue.optimise(scenario, explain=False)
    staff = float(recommended.staffing["cost_gbp_per_year"].sum())
    bought = recommended.costs[recommended.costs["component"].str.contains("external|joint")]
    external = float(bought["gbp_per_year"].sum())
    cost = result.indices[result.indices["output"] == "catalogue_cost_gbp_per_year"].set_index("parameter")
    assert cost.loc["salaries", "mu_star"] == pytest.approx(0.4 * staff, rel=1e-6)
    assert cost.loc["external_prices", "mu_star"] == pytest.approx(0.4 * external, rel=1e-6, abs=1e-6)
    assert cost["sigma"].abs().max() == pytest.approx(0.0, abs=1e-6)
    figure = risk_plots.morris_figure(result)
    assert "GBP per year" in figure.axes[0].get_xlabel()
    plots.close(figure)


def test_sensitivity_cli_writes_plots(tmp_path: Path) -> None:
    code = main(
        [
            "sensitivity",
            str(DEFAULT_SCENARIO),
            "--set",
            "simulation.horizon_months=2",
            "--inputs",
            "salaries",
            "-n",
            "1",
            "--no-morris",
            "--quiet",
            "--results-dir",
            str(tmp_path),
        ]
    )
    assert code == 0
    folder = next((tmp_path / "herts-beds-luton").iterdir())
    assert (folder / "tornado_total_cost_gbp_per_year.png").stat().st_size > 1000
    # Salaries +-20% move the total by +-20% of the host pay and nothing else: with every post filled throughout
    # the two simulated months (as in this seed) that pay is the establishment, sum of FTE x salary x (1 + on-cost)
    # from the scenario (GBP 401,167.60), so the bar is +-80,233.52; salaries move no attainment.
    scenario = load_scenario(DEFAULT_SCENARIO)
    pay = math.fsum(role.fte * role.salary_gbp_per_year * (1 + role.on_cost_rate) for role in scenario.roles)
    table = pd.read_csv(folder / "tornado.csv").set_index(["parameter", "output"])
    cost = table.loc[("salaries", "total_cost_gbp_per_year")]
    assert cost["high"] - cost["base"] == pytest.approx(0.2 * pay, rel=1e-9)
    assert cost["base"] - cost["low"] == pytest.approx(0.2 * pay, rel=1e-9)
    assert cost["swing"] == pytest.approx(0.4 * pay, rel=1e-9)
    assert table.loc[("salaries", "sla_attainment"), "swing"] == 0.0
