"""Per-replication KPIs: hand-built outputs with hand-derived values, and invariants on a real simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from model.scenario import apply_overrides, load_scenario, scenario_from_dict, toy_scenario_dict
from model.simulation import SimulationOutput, simulate
from model.simulation.engine import BACKLOG_COLUMNS, CASE_COLUMNS, STAFF_COLUMNS
from model.simulation.kpis import KPI_COLUMNS, month_label, replication_kpis

NAN = math.nan


def toy():
    data = toy_scenario_dict(horizon_months=4)
    data["members"].append({"name": "B", "headcount": 500, "fte": 450.0})
    data["services"][0]["delivery"]["shared"] = {"fixed_cost_gbp_per_year": 1200.0}
    data["simulation"].update({"warm_up_months": 1, "kpi_review_months": 2, "start": "2018-04"})
    return scenario_from_dict(data)


def case(member, origin, arrival, end, wait=0.0):
    horizon = 4 * 21.75
    completed = not math.isnan(end)
    completion = end - arrival
    met = float(completion <= 10) if completed else (0.0 if horizon - arrival > 10 else NAN)
    return {
        "case_id": 0,
        "member": member,
        "service": "svc",
        "mode": "shared",
        "origin": origin,
        "arrival_day": arrival,
        "arrival_month": int(arrival // 21.75),
        "warm_up": arrival < 21.75,
        "work_hours": 1.0,
        "wait_days": 0.0,
        "external_days": 0.0,
        "first_start_day": arrival,
        "end_day": end,
        "completed": completed,
        "queue_wait_days": wait,
        "completion_days": completion,
        "target_days": 10.0,
        "met_target": met,
        "handoffs": 0,
    }


@pytest.fixture
def hand_built():
    scenario = toy()
    cases = pd.DataFrame(
        [
            case("A", "arrival", 5.0, 8.0),  # warm-up: excluded
            case("A", "backlog", 0.0, 60.0),  # initial backlog: excluded
            case("A", "arrival", 30.0, 35.0),  # met, known at day 35 -> period of month 0
            case("A", "arrival", 40.0, 60.0, wait=4.0),  # late: a miss known at its deadline, day 50 -> month 2
            case("A", "arrival", 80.0, NAN),  # open at day 87, 7 days old: unknown, left out of the SLA
            case("A", "arrival", 50.0, NAN),  # open and 37 days old: a miss known at day 60 -> month 2
            case("B", "arrival", 45.0, 46.0),  # met at day 46 -> month 2
        ],
        columns=CASE_COLUMNS,
    )
    staff = pd.DataFrame(
        [
            ["host", "worker", 0, 1.0, 65.25, 60.0, 30.0, 5.25, 0.0, 0.0, 0.0, 0.0, 100.0, 1000.0],
            ["host", "worker", 1, 0.5, 65.25, 40.0, 40.0, 5.25, 20.0, 0.0, 0.0, 0.0, 0.0, 500.0],
        ],
        columns=STAFF_COLUMNS,
    )
    backlog = pd.DataFrame([[0.0, 0, "svc", "shared", 1], [87.0, 4, "svc", "shared", 2]], columns=BACKLOG_COLUMNS)
    output = SimulationOutput(7, cases, staff, backlog, horizon_days=87.0, warm_up_days=21.75)
    kpis = replication_kpis(scenario, output)
    return kpis.set_index(["metric", "service", "member", "role", "period"])["value"]


def test_case_counts_and_sla_rules(hand_built):
    k = hand_built
    assert k[("cases_arrived", "all", "all", "all", "all")] == 5
    assert k[("cases_completed", "all", "all", "all", "all")] == 3
    assert k[("cases_open_end", "all", "all", "all", "all")] == 2
    assert k[("sla_cases", "all", "all", "all", "all")] == 4
    assert k[("sla_attainment", "all", "all", "all", "all")] == 0.5
    assert k[("sla_attainment", "svc", "A", "all", "all")] == pytest.approx(1 / 3)
    assert k[("sla_attainment", "all", "B", "all", "all")] == 1.0
    assert k[("sla_target_met", "svc", "all", "all", "all")] == 0.0  # 0.5 < 0.9
    assert month_label(toy(), 2) == "2018-06"
    assert k[("sla_attainment", "svc", "all", "all", "2018-04")] == 1.0
    assert k[("sla_cases", "svc", "all", "all", "2018-06")] == 3
    assert k[("sla_attainment", "svc", "all", "all", "2018-06")] == pytest.approx(1 / 3)


def test_wait_and_completion_statistics_use_completed_cases(hand_built):
    k = hand_built
    assert k[("queue_wait_mean_days", "all", "all", "all", "all")] == pytest.approx(4 / 3)
    assert k[("queue_wait_prob_positive", "svc", "all", "all", "all")] == pytest.approx(1 / 3)
    assert k[("queue_wait_p50_days", "all", "all", "all", "all")] == 0.0
    assert k[("completion_p50_days", "all", "all", "all", "all")] == 5.0
    assert k[("completion_mean_days", "all", "all", "all", "all")] == pytest.approx((5 + 20 + 1) / 3)


def test_staff_and_cost_metrics(hand_built):
    k = hand_built
    # FTE-weighted: (1 x 30 + 0.5 x 40) / (1 x 60 + 0.5 x 40)
    assert k[("utilisation", "all", "host", "worker", "all")] == pytest.approx(50 / 80)
    per_year = 261 / 65.25  # = 4
    assert k[("days_lost_sickness_short", "all", "host", "all", "all")] == pytest.approx(0.5 * 20 * per_year)
    assert k[("days_lost_annual_leave", "all", "all", "all", "all")] == pytest.approx(1.5 * 5.25 * per_year)
    scheduled = 1.5 * 65.25 - 1.5 * 5.25
    assert k[("sickness_absence_rate", "all", "all", "all", "all")] == pytest.approx(0.5 * 20 / scheduled)
    assert k[("host_pay_gbp_per_year", "all", "all", "all", "all")] == pytest.approx(1500 * per_year)
    assert k[("backfill_cost_gbp_per_year", "all", "all", "all", "all")] == pytest.approx(100 * per_year)
    assert k[("non_pay_gbp_per_year", "svc", "all", "all", "all")] == pytest.approx(1200.0)
    assert k[("total_cost_gbp_per_year", "all", "all", "all", "all")] == pytest.approx(6000 + 400 + 1200)
    assert k[("backlog_open_cases", "svc", "all", "all", "2018-08")] == 2


def test_kpis_of_a_real_run_are_consistent():
    scenario = apply_overrides(load_scenario(), ["simulation.horizon_months=24", "simulation.warm_up_months=3"])
    out = simulate(scenario, 0)
    kpis = replication_kpis(scenario, out)
    assert list(kpis.columns) == KPI_COLUMNS
    assert not kpis.duplicated(["metric", "service", "member", "role", "period"]).any()
    assert (kpis["replication"] == 0).all()
    k = kpis.set_index(["metric", "service", "member", "role", "period"])["value"]
    counted = out.cases[~out.cases["warm_up"] & (out.cases["origin"] == "arrival")]
    assert k[("cases_arrived", "all", "all", "all", "all")] == len(counted)
    services = [s for s in scenario.service_names]
    assert sum(k[("cases_arrived", s, "all", "all", "all")] for s in services) == len(counted)
    # every known SLA outcome falls in exactly one review period after the warm-up
    sla_cases = kpis[(kpis["metric"] == "sla_cases") & (kpis["period"] != "all")]
    periods = sla_cases[(sla_cases["service"] == "all") & (sla_cases["member"] == "all")]
    assert periods["value"].sum() == k[("sla_cases", "all", "all", "all", "all")]
    # ... and per member x service the period counts add up to the same total
    pairs = sla_cases[(sla_cases["service"] != "all") & (sla_cases["member"] != "all")]
    assert pairs["value"].sum() == periods["value"].sum()
    by_member = pairs.groupby("member")["value"].sum()
    for member, total in by_member.items():
        assert total == k[("sla_cases", "all", member, "all", "all")]
    assert periods["period"].iloc[0] == "2014-06"  # the review period containing the end of the warm-up
    # overall attainment is the case-weighted mean of the services'
    weights = np.array([k[("sla_cases", s, "all", "all", "all")] for s in services])
    values = np.array([k[("sla_attainment", s, "all", "all", "all")] for s in services])
    assert np.nansum(weights * values) / weights.sum() == pytest.approx(
        k[("sla_attainment", "all", "all", "all", "all")]
    )
    backlog = kpis[(kpis["metric"] == "backlog_open_cases") & (kpis["service"] == "all")]
    assert len(backlog) == 24 // 2 + 1
    # the total is the sum of its published terms, each counted once with a plus sign
    terms = ("host_pay", "in_house_pay", "backfill_cost", "non_pay", "host_overhead")
    parts = [k[(f"{term}_gbp_per_year", "all", "all", "all", "all")] for term in terms]
    assert all(part > 0 for part in parts[:1] + parts[2:])
    assert parts[-1] == 9500.0 + 18000.0 + 4000.0  # the scenario's host overheads
    assert k[("total_cost_gbp_per_year", "all", "all", "all", "all")] == pytest.approx(sum(parts), rel=1e-12)
