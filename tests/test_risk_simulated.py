"""The issue's risk claims, checked with paired simulations on common random numbers (small toy scenario)."""

from __future__ import annotations

import pandas as pd
import pytest
from test_risk_toy import toy_dict, toy_scenario

from model.risk import stress as risk
from model.risk import whatif
from model.scenario import apply_overrides, scenario_from_dict
from model.simulation import t_confidence_interval

N = 10


@pytest.mark.slow
def test_raising_sickness_never_improves_sla_attainment() -> None:
    """Paired over the same replications, each step up the sickness ladder leaves overall attainment no better:
    the 95% interval of the paired difference never lies above 0, and the whole climb is a clear loss."""
    base = toy_scenario()
    rates = [0.0, 0.05, 0.10, 0.20]
    measures = [whatif.run_measures(apply_overrides(base, [f"absence.sickness_rate={r}"]), N) for r in rates]
    for lower, higher in zip(measures, measures[1:], strict=False):
        diff = whatif.paired_differences(lower, higher)
        for service in ("all", "advice", "casework"):
            row = diff[(diff["measure"] == "sla_attainment") & (diff["service"] == service)].iloc[0]
            assert row["ci_low"] <= 1e-12, (service, row.to_dict())
    climb = whatif.paired_differences(measures[0], measures[-1])
    overall = climb[(climb["measure"] == "sla_attainment") & (climb["service"] == "all")].iloc[0]
    assert overall["ci_high"] < 0


def _specialist_falls(base) -> tuple[pd.Series, pd.Series]:
    """(paired attainment change by service, summary row) of a 3-month forced absence of the specialist."""
    result = risk.run_stress_tests(base, [risk.lose_specialist("specialist", months=3)], N)
    name = result.tests[0].name
    row = result.summary[result.summary["stress"] == name].iloc[0]
    diffs = result.differences[
        (result.differences["stress"] == name) & (result.differences["measure"] == "sla_attainment")
    ]
    return diffs.set_index("service")["difference"], row


@pytest.mark.slow
def test_losing_the_sole_specialist_hurts_its_service_most() -> None:
    """Simulated exactly (a forced absence of the post, months 6-9 of 12). The specialist is the ONLY holder of the
    casework skill here: casework waits for the agency worker (30 days in) and loses most."""
    data = toy_dict()
    data["roles"][0]["cross_skills"] = {}
    fall, row = _specialist_falls(scenario_from_dict(data))
    assert row["worst_service"] == "casework"
    assert fall["casework"] < fall["advice"] <= 0
    assert fall["casework"] < -0.02
    # Agency from day 30 of the 65.25-day absence at 400 a day, on a one-year window; the sick pay is unchanged.
    # Exact when no drawn long sickness or vacancy of the post touches the window (so in these replications).
    assert row["extra_vs_base_gbp_per_year"] == pytest.approx(35.25 * 400.0)


@pytest.mark.slow
def test_cross_skilled_cover_moves_the_loss_to_the_covering_service() -> None:
    """With advisors cross-skilled for casework (at half speed, casework first: priority 1) the specialist's
    casework is covered and it is ADVICE, the advisors' own service, that loses most: the exact simulation shows
    what the old whole-horizon scaling could not."""
    fall, row = _specialist_falls(toy_scenario())
    assert row["worst_service"] == "advice"
    assert fall["advice"] < fall["casework"] <= 0
    assert fall["advice"] < -0.01


@pytest.mark.slow
def test_premium_makes_the_host_cost_neutral_in_expectation() -> None:
    """Premium from replications 0..11; on FRESH replications 100..111 the host's extra cost of unplanned leave is
    significantly positive, and after charging the premium its mean is zero within the 95% interval."""
    data = toy_dict(sickness_rate=0.06)
    data["absence"]["turnover_rate_per_year"] = 0.3
    scenario = scenario_from_dict(data)
    premium = risk.host_risk_premium(scenario, 12, vacancy_offset=False)
    assert premium.ci_low > 0  # there is a real cost to price
    assert premium.per_member["Host Trust"] == 0.0  # the host does not pay its own premium
    assert premium.per_member["Partner CCG"] == pytest.approx(premium.premium_gbp_per_year)
    base = whatif.run_measures(scenario, 12, first=100)
    reference = whatif.run_measures(risk.no_unplanned_leave()(scenario), 12, first=100)
    extra = risk.host_cost_series(base, False) - risk.host_cost_series(reference, False)
    assert t_confidence_interval(extra).low > 0
    net = t_confidence_interval(extra - premium.premium_gbp_per_year)
    assert net.low <= 0 <= net.high


def test_member_leaving_charges_the_stranded_cost_to_the_host() -> None:
    scenario = toy_scenario(horizon_months=4)
    result = risk.run_stress_tests(scenario, [risk.member_leaves("Partner CCG", 2)], 2)
    row = result.summary[result.summary["stress"] != "base"].iloc[-1]
    # 60,000 a year stops for 2 of the 4 window months: 30,000 a year over the window.
    assert row["stranded_cost_gbp_per_year"] == pytest.approx(30000.0)
    assert result.premium.replications == 2


def test_premium_from_an_experiment_equals_the_direct_premium() -> None:
    """``sharedhr run`` already has the base replications: reusing them gives the same premium."""
    from model.simulation import multiple_replications

    scenario = toy_scenario(horizon_months=3)
    direct = risk.host_risk_premium(scenario, 3)
    reused = risk.premium_from_experiment(scenario, multiple_replications(scenario, 3))
    assert reused.premium_gbp_per_year == pytest.approx(direct.premium_gbp_per_year)
    assert reused.ci_low == pytest.approx(direct.ci_low) and reused.replications == 3
