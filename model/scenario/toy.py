"""Small synthetic scenarios for validating and benchmarking the simulator against queueing theory.

``mmc_scenario`` builds an M/M/c queue as a scenario: one member, one service with one exponential work step, one
role with c FTE, no absence of any kind, so the simulator should reproduce Erlang C (``model.optimisation.queueing``).
"""

from __future__ import annotations

import copy
import math
from typing import Any

from model.scenario.schema import Scenario, scenario_from_dict
from model.scenario.units import WORKING_DAYS_PER_MONTH, WORKING_DAYS_PER_YEAR

NO_ABSENCE: dict[str, Any] = {
    "annual_leave_days": 0.0,
    "bank_holidays_days": 0.0,
    "other_leave_days": 0.0,
    "sickness_rate": 0.0,
    "turnover_rate_per_year": 0.0,
    "backfill": {"enabled": False},
}


def mmc_scenario(
    servers: int,
    arrival_rate: float,
    service_rate: float,
    customers: float,
    warm_up_customers: float = 0.0,
    seed: int = 1,
    productive_hours_per_day: float = 5.5,
) -> Scenario:
    """M/M/c as a scenario: ``arrival_rate`` and ``service_rate`` per working day, ``servers`` = c full-time people.

    The horizon (whole months) is long enough for about ``customers`` arrivals after a warm-up of about
    ``warm_up_customers`` arrivals. The work step is exponential with mean productive_hours_per_day / service_rate
    hours, so one person serves ``service_rate`` cases per working day.
    """
    warm_up_months = math.ceil(warm_up_customers / arrival_rate / WORKING_DAYS_PER_MONTH)
    months = warm_up_months + max(1, math.ceil(customers / arrival_rate / WORKING_DAYS_PER_MONTH))
    return scenario_from_dict(
        {
            "name": f"M-M-{servers}",
            "members": [{"name": "member", "headcount": 1000, "fte": 1000.0}],
            "host": {"member": "member"},
            "services": [
                {
                    "name": "service",
                    "skill": "skill",
                    "demand_per_1000_headcount_per_year": arrival_rate * WORKING_DAYS_PER_YEAR,
                    "steps": [
                        {
                            "name": "work",
                            "kind": "work",
                            "duration": {
                                "distribution": "exponential",
                                "mean": productive_hours_per_day / service_rate,
                            },
                        }
                    ],
                    "kpi": {"description": "all within 1 day", "target_days": 1.0, "target_fraction": 0.9},
                    "delivery": {"shared": {}},
                }
            ],
            "roles": [
                {
                    "name": "server",
                    "band": "5",
                    "salary_gbp_per_year": 30000.0,
                    "fte": float(servers),
                    "skills": ["skill"],
                    "productive_hours_per_day": productive_hours_per_day,
                    "agency_day_rate_gbp": 200.0,
                }
            ],
            "absence": copy.deepcopy(NO_ABSENCE),
            "simulation": {"horizon_months": months, "warm_up_months": warm_up_months, "seed": seed},
        }
    )


def toy_scenario_dict(
    steps: list[dict[str, Any]] | None = None,
    demand_per_1000: float = 0.0,
    backlog: int = 0,
    fte: float = 1.0,
    horizon_months: int = 12,
    productive_hours_per_day: float = 5.5,
) -> dict[str, Any]:
    """A minimal scenario as a plain dict (edit it, then ``scenario_from_dict``): one member "A" (headcount 1000),
    one service "svc" (skill "skill", shared, external option with a fixed 4-day lead time), one role "worker" with
    ``fte``, no absence. Default steps: fixed 11 hours of work (2 days at 5.5 productive hours), a fixed 3-day wait,
    fixed 5.5 hours of work (1 day)."""
    if steps is None:
        steps = [
            {"name": "first", "kind": "work", "duration": {"distribution": "fixed", "mean": 11.0}},
            {"name": "pause", "kind": "wait", "duration": {"distribution": "fixed", "mean": 3.0}},
            {"name": "second", "kind": "work", "duration": {"distribution": "fixed", "mean": 5.5}},
        ]
    return {
        "name": "toy",
        "members": [{"name": "A", "headcount": 1000, "fte": 900.0}],
        "host": {"member": "A"},
        "services": [
            {
                "name": "svc",
                "skill": "skill",
                "demand_per_1000_headcount_per_year": demand_per_1000,
                "steps": steps,
                "kpi": {"description": "within 10 days", "target_days": 10.0, "target_fraction": 0.9},
                "delivery": {
                    "shared": {},
                    "in_house": {},
                    "external": {
                        "tiers": [{"min_headcount": 0, "price_gbp_per_case": 100.0}],
                        "lead_time_days": {"distribution": "fixed", "mean": 4.0},
                    },
                },
            }
        ],
        "roles": [
            {
                "name": "worker",
                "band": "5",
                "salary_gbp_per_year": 30000.0,
                "fte": fte,
                "skills": ["skill"],
                "productive_hours_per_day": productive_hours_per_day,
                "agency_day_rate_gbp": 200.0,
            }
        ],
        "absence": copy.deepcopy(NO_ABSENCE),
        "simulation": {
            "horizon_months": horizon_months,
            "seed": 5,
            "initial_backlog": {"svc": backlog} if backlog else {},
        },
    }
