"""Stage 2, the simulation: the SimPy model of the shared HR service and what is measured on it.

Modules: ``demand`` (case arrivals), ``absence`` (leave, sickness, vacancies), ``engine`` (the discrete-event
simulation), ``kpis`` (per-replication KPIs and costs), ``reliability`` (KPI verdicts per review period),
``steady_state`` (the settled month), ``replications`` (parallel replications and their confidence intervals),
``random_streams`` (one seed sequence per run), ``statistics``, ``summary`` (the scenario's expected demand and cost,
by hand) and ``processes`` (worker processes that stop with their parent). Imports only ``model.scenario``.

The names below are the stage's public API (what the notebooks and the CLI import); each is imported from its
module on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from model._lazy import lazy_api

_API: dict[str, str] = {
    "AutoReplicationResult": "replications",
    "EXTERNAL": "reliability",
    "ExperimentResult": "replications",
    "HOST": "reliability",
    "HOST_TEAM": "engine",
    "ReliabilityRules": "reliability",
    "ReplicationResult": "replications",
    "SimulationOutput": "engine",
    "auto_replications": "replications",
    "available_days_per_fte": "summary",
    "cost_summary": "summary",
    "counted_cases": "kpis",
    "dask_address_from": "replications",
    "connect_dask": "replications",
    "decided_days": "reliability",
    "demand_summary": "summary",
    "exit_with_parent": "processes",
    "expected_annual_demand": "demand",
    "forced_windows": "engine",
    "handle_termination": "processes",
    "host_staff_cost": "summary",
    "interrupt_exit_code": "processes",
    "member_active_months": "kpis",
    "multiple_replications": "replications",
    "non_pay_cost": "summary",
    "pid_alive": "processes",
    "post_fractions": "engine",
    "review_points": "engine",
    "select_kpi": "replications",
    "settled_calendar": "steady_state",
    "shifted_forced_absences": "steady_state",
    "simulate": "engine",
    "single_run": "replications",
    "steady_state_month": "demand",
    "steady_state_scenario": "steady_state",
    "summarise": "statistics",
    "t_confidence_interval": "statistics",
    "terminate_pool": "processes",
    "warm_up_diagnostic": "replications",
    "wilson_interval": "statistics",
}

__all__ = [
    "AutoReplicationResult",
    "EXTERNAL",
    "ExperimentResult",
    "HOST",
    "HOST_TEAM",
    "ReliabilityRules",
    "ReplicationResult",
    "SimulationOutput",
    "auto_replications",
    "available_days_per_fte",
    "cost_summary",
    "counted_cases",
    "dask_address_from",
    "connect_dask",
    "decided_days",
    "demand_summary",
    "exit_with_parent",
    "expected_annual_demand",
    "forced_windows",
    "handle_termination",
    "host_staff_cost",
    "interrupt_exit_code",
    "member_active_months",
    "multiple_replications",
    "non_pay_cost",
    "pid_alive",
    "post_fractions",
    "review_points",
    "select_kpi",
    "settled_calendar",
    "shifted_forced_absences",
    "simulate",
    "single_run",
    "steady_state_month",
    "steady_state_scenario",
    "summarise",
    "t_confidence_interval",
    "terminate_pool",
    "warm_up_diagnostic",
    "wilson_interval",
]
__getattr__, __dir__ = lazy_api(__name__, _API)

if TYPE_CHECKING:
    from model.simulation.demand import expected_annual_demand, steady_state_month
    from model.simulation.engine import (
        HOST_TEAM,
        SimulationOutput,
        forced_windows,
        post_fractions,
        review_points,
        simulate,
    )
    from model.simulation.kpis import counted_cases, member_active_months
    from model.simulation.processes import (
        exit_with_parent,
        handle_termination,
        interrupt_exit_code,
        pid_alive,
        terminate_pool,
    )
    from model.simulation.reliability import EXTERNAL, HOST, ReliabilityRules, decided_days
    from model.simulation.replications import (
        AutoReplicationResult,
        ExperimentResult,
        ReplicationResult,
        auto_replications,
        connect_dask,
        dask_address_from,
        multiple_replications,
        select_kpi,
        single_run,
        warm_up_diagnostic,
    )
    from model.simulation.statistics import summarise, t_confidence_interval, wilson_interval
    from model.simulation.steady_state import settled_calendar, shifted_forced_absences, steady_state_scenario
    from model.simulation.summary import (
        available_days_per_fte,
        cost_summary,
        demand_summary,
        host_staff_cost,
        non_pay_cost,
    )
