"""A small two-member, two-service partnership used by the risk, staffing, what-if and sensitivity tests (no tests
here): cheap to simulate (about 1,500 cases a year) yet with a real sole specialist and a tight advice KPI."""

from __future__ import annotations

from typing import Any

from model.scenario import Scenario, scenario_from_dict


def toy_dict(
    horizon_months: int = 12,
    seed: int = 7,
    advisor_fte: float = 2.0,
    specialist_fte: float = 1.0,
    sickness_rate: float = 0.03,
) -> dict[str, Any]:
    """The toy scenario as a dict (edit it, then ``scenario_from_dict``)."""
    return {
        "name": "Toy partnership",
        "members": [
            {"name": "Host Trust", "headcount": 600, "fte": 540.0},
            {"name": "Partner CCG", "headcount": 400, "fte": 360.0},
        ],
        "host": {"member": "Host Trust", "overheads_gbp_per_year": {"line_management": 5000.0}},
        "services": [
            {
                "name": "advice",
                "skill": "advice",
                "demand_per_1000_headcount_per_year": 1500.0,
                "steps": [{"name": "advise", "kind": "work", "duration": {"mean": 1.0, "cv": 0.6}}],
                "kpi": {"description": "95% within 2 days", "target_days": 2.0, "target_fraction": 0.95},
                "delivery": {
                    "shared": {"fixed_cost_gbp_per_year": 2000.0},
                    "external": {
                        "tiers": [{"min_headcount": 0, "price_gbp_per_head_per_year": 40.0}],
                        "lead_time_days": {"mean": 1.0, "cv": 0.5},
                        "kpi_attainment_fraction": 0.95,
                    },
                },
            },
            {
                "name": "casework",
                "skill": "casework",
                "demand_per_1000_headcount_per_year": 30.0,
                "priority": 1,
                "steps": [
                    {"name": "open", "kind": "work", "duration": {"mean": 10.0, "cv": 0.5}},
                    {"name": "hearing_date", "kind": "wait", "duration": {"mean": 10.0, "cv": 0.3}},
                    {"name": "close", "kind": "work", "duration": {"mean": 5.0, "cv": 0.5}},
                ],
                "kpi": {"description": "80% within 40 days", "target_days": 40.0, "target_fraction": 0.80},
                "delivery": {
                    "shared": {},
                    "external": {
                        "tiers": [{"min_headcount": 0, "price_gbp_per_case": 2000.0}],
                        "lead_time_days": {"mean": 10.0, "cv": 0.5},
                        "kpi_attainment_fraction": 0.80,
                    },
                },
            },
        ],
        "roles": [
            {
                "name": "advisor",
                "band": "6",
                "salary_gbp_per_year": 33800.0,
                "fte": advisor_fte,
                "skills": ["advice"],
                "cross_skills": {"casework": 0.5},
                "agency_day_rate_gbp": 300.0,
            },
            {
                "name": "specialist",
                "band": "7",
                "salary_gbp_per_year": 40700.0,
                "fte": specialist_fte,
                "skills": ["casework", "advice"],
                "agency_day_rate_gbp": 400.0,
            },
        ],
        "absence": {"sickness_rate": sickness_rate},
        "tariff": {"per_capita_rate_gbp_per_head": 150.0},
        "simulation": {"start": "2020-04", "horizon_months": horizon_months, "replications": 5, "seed": seed},
    }


def toy_scenario(**kwargs: Any) -> Scenario:
    """The validated toy scenario (keyword arguments as for :func:`toy_dict`)."""
    return scenario_from_dict(toy_dict(**kwargs), origin="toy")
