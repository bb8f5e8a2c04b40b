"""Sensitivity of cost and KPI attainment to the main inputs: a one-at-a-time tornado on the simulated service and a
Morris screening (SALib) of the recommended service catalogue.

Inputs (multipliers applied by :func:`scale_inputs`, 1 = the scenario as given):

* ``demand``: every service's ``demand_per_1000_headcount_per_year``;
* ``effort``: the mean hours of every ``work`` step (wait steps unchanged);
* ``sickness``: ``absence.sickness_rate`` (capped below 0.5);
* ``salaries``: every role's ``salary_gbp_per_year`` (agency day rates unchanged);
* ``external_prices``: every external price tier, per case and per head (including joint purchases).

Tornado (:func:`tornado`): each input at ``low`` and ``high`` (default -/+20%) with the others at 1, on the SAME
replications and seed as the base (common random numbers, so the bars are differences of paired runs, not of noise).
Outputs: ``total_cost_gbp_per_year`` (``model.simulation.kpis``: the team as staffed, agency, non-pay, overhead) and overall
``sla_attainment``, means over replications, each bar with the paired t interval of its difference from the base.
The team is NOT re-sized: the tornado answers "what happens to this service if the input is off by 20%".

Morris (:func:`morris_screening`, SALib 1.6 ``sample.morris`` / ``analyze.morris``): ``trajectories`` r one-at-a-time
paths through a ``levels``-level grid on [low, high]^5, r x 6 points. At each point:

* cost = the catalogue optimiser's annual cost (``model.optimisation.catalogue.optimise``) with the RECOMMENDED modes (the
  base optimum) held fixed and the staff re-sized to meet every KPI at that point's inputs: what the recommended
  catalogue would cost to run at KPI if the inputs were so;
* attainment = overall SLA attainment of a short simulation of the scenario with the recommended catalogue and its
  staffing APPLIED (:func:`apply_catalogue`) and held fixed, mean of ``replications`` replications scored over the
  last ``window_months`` months (common random numbers across points).

mu* (the mean absolute elementary effect) is, in the output's unit, how much the output moves when the input goes
across its whole range (``low`` to ``high``; SALib scales each step by the range): it ranks the inputs. sigma large
against mu* flags interactions or non-linearity. Morris
rather than Sobol: 60 points instead of the 512 x 12 Sobol would need for stable total indices (tooling notes:
N = 64 leaves +/-0.2 on the indices), and screening is what a planner needs to know which estimate to firm up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from model.optimisation.verification import apply_catalogue
from model.risk.choices import SENSITIVITY_INPUTS
from model.risk.whatif import measure_values, run_measures
from model.scenario.errors import InfeasibleError, UserError
from model.scenario.schema import Scenario, scenario_from_dict
from model.simulation.statistics import t_confidence_interval

INPUTS: dict[str, str] = SENSITIVITY_INPUTS  # name -> label; defined in model.risk.choices for the CLI parser


OUTPUT_LABELS = {
    "total_cost_gbp_per_year": "Total annual cost (GBP per year)",
    "sla_attainment": "Overall SLA attainment (fraction of cases within KPI)",
}


def scale_inputs(scenario: Scenario, factors: Mapping[str, float]) -> Scenario:
    """``scenario`` with the inputs of :data:`INPUTS` multiplied by ``factors`` (missing inputs unchanged)."""
    unknown = set(factors) - set(INPUTS)
    if unknown:
        raise UserError(f"unknown sensitivity inputs: {', '.join(sorted(unknown))}; known: {', '.join(INPUTS)}")
    for name, value in factors.items():
        if not value > 0:
            raise UserError(f"multiplier for {name} must be positive, got {value}")
    data = scenario.model_dump(mode="json")
    f = {name: float(factors.get(name, 1.0)) for name in INPUTS}
    for service in data["services"]:
        service["demand_per_1000_headcount_per_year"] *= f["demand"]
        for step in service["steps"]:
            if step["kind"] == "work":
                step["duration"]["mean"] *= f["effort"]
        external = service["delivery"].get("external")
        if external:
            for tier in external["tiers"]:
                tier["price_gbp_per_case"] *= f["external_prices"]
                tier["price_gbp_per_head_per_year"] *= f["external_prices"]
    for role in data["roles"]:
        role["salary_gbp_per_year"] *= f["salaries"]
    data["absence"]["sickness_rate"] = min(0.49, data["absence"]["sickness_rate"] * f["sickness"])
    return scenario_from_dict(data, origin="sensitivity")


@dataclass
class TornadoResult:
    """One row per input and output: the output's mean at the input's ``low`` and ``high`` multiplier, the base mean,
    the swing (|high - low|) and the paired 95% t intervals of (low - base) and (high - base)."""

    scenario_name: str
    replications: int
    low: float
    high: float
    table: pd.DataFrame
    base: dict[str, float]


def tornado(
    scenario: Scenario,
    inputs: Sequence[str] | None = None,
    low: float = 0.8,
    high: float = 1.2,
    n: int = 5,
    *,
    seed: int | None = None,
    first: int = 0,
    workers: int = 1,
    confidence: float = 0.95,
    progress: Callable[[str], object] | None = None,
) -> TornadoResult:
    """One-at-a-time sensitivity of total cost and overall attainment (module docstring), ``n`` paired replications
    per point, 1 + 2 x inputs points."""
    names = list(inputs) if inputs is not None else list(INPUTS)
    if not 0 < low < 1 < high:
        raise UserError(f"need 0 < low < 1 < high, got low={low}, high={high}")
    say = progress or (lambda _text: None)
    common: dict[str, Any] = dict(first=first, seed=seed, workers=workers)
    outputs = list(OUTPUT_LABELS)
    say("base")
    base = run_measures(scenario, n, **common)
    base_values = {o: measure_values(base, o) for o in outputs}
    rows = []
    for name in names:
        point: dict[str, dict[str, pd.Series]] = {}
        for label, factor in (("low", low), ("high", high)):
            say(f"{name} x{factor:g}")
            measures = run_measures(scale_inputs(scenario, {name: factor}), n, **common)
            point[label] = {o: measure_values(measures, o) for o in outputs}
        for output in outputs:
            b = base_values[output]
            lo = t_confidence_interval((point["low"][output] - b).dropna(), confidence)
            hi = t_confidence_interval((point["high"][output] - b).dropna(), confidence)
            rows.append(
                {
                    "parameter": name,
                    "label": INPUTS[name],
                    "output": output,
                    "base": float(b.mean()),
                    "low": float(point["low"][output].mean()),
                    "high": float(point["high"][output].mean()),
                    "low_diff_ci_low": lo.low,
                    "low_diff_ci_high": lo.high,
                    "high_diff_ci_low": hi.low,
                    "high_diff_ci_high": hi.high,
                }
            )
    table = pd.DataFrame(rows)
    table["swing"] = (table["high"] - table["low"]).abs()
    table = table.sort_values(["output", "swing"], ascending=[True, False], kind="stable").reset_index(drop=True)
    return TornadoResult(
        scenario_name=scenario.name,
        replications=n,
        low=low,
        high=high,
        table=table,
        base={o: float(base_values[o].mean()) for o in outputs},
    )


@dataclass
class MorrisResult:
    """Morris screening (module docstring): ``indices`` has one row per input and output with mu, mu*, its
    confidence half-width and sigma; ``points`` the design (multipliers) with both outputs at every point."""

    scenario_name: str
    trajectories: int
    levels: int
    low: float
    high: float
    replications: int
    window_months: int
    indices: pd.DataFrame
    points: pd.DataFrame
    recommended_cost_gbp_per_year: float
    notes: list[str] = field(default_factory=list)


def morris_screening(
    scenario: Scenario,
    trajectories: int = 10,
    levels: int = 4,
    low: float = 0.8,
    high: float = 1.2,
    replications: int = 2,
    window_months: int = 12,
    *,
    seed: int | None = None,
    first: int = 0,
    inputs: Sequence[str] | None = None,
    progress: Callable[[str], object] | None = None,
) -> MorrisResult:
    """Morris elementary effects of :data:`INPUTS` on the recommended catalogue's cost and on its simulated overall
    attainment (module docstring). Cost: ``trajectories x (inputs + 1)`` optimiser solves with fixed modes;
    attainment: as many short simulations x ``replications``."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    from model.optimisation import catalogue
    from model.risk.staffing import sizing_scenario

    names = list(inputs) if inputs is not None else list(INPUTS)
    if trajectories < 2:
        raise UserError(f"Morris needs at least 2 trajectories, got {trajectories}")
    say = progress or (lambda _text: None)
    chosen_seed = scenario.simulation.seed if seed is None else seed
    problem = {"num_vars": len(names), "names": names, "bounds": [[low, high]] * len(names)}
    design = morris_sample.sample(problem, trajectories, num_levels=levels, seed=chosen_seed)
    say("recommended catalogue")
    recommended = catalogue.optimise(scenario, explain=False)
    fixed = {(row.service, row.member): row.mode for row in recommended.decisions.itertuples()}
    applied = sizing_scenario(apply_catalogue(scenario, recommended), window_months)
    notes: list[str] = []
    costs, attainments = [], []
    for index, row in enumerate(design):
        factors = dict(zip(names, row.tolist(), strict=True))
        say(f"point {index + 1}/{len(design)}")
        perturbed = scale_inputs(scenario, factors)
        try:
            cost = catalogue.optimise(perturbed, fixed=fixed, explain=False).total_cost_gbp_per_year
        except (InfeasibleError, RuntimeError) as error:
            # InfeasibleError: the recommended modes cannot meet every KPI at these inputs. RuntimeError: the
            # optimiser's own cost cross-check failed with forced modes (reported upstream). Either way the point
            # is costed with its modes re-optimised, and a note says so.
            if isinstance(error, RuntimeError) and "internal check failed" not in str(error):
                raise
            cost = catalogue.optimise(perturbed, explain=False).total_cost_gbp_per_year
            reason = "cannot meet every KPI" if isinstance(error, InfeasibleError) else "failed the optimiser's check"
            notes.append(f"point {index + 1}: the recommended modes {reason} there; costed with modes re-optimised")
        measures = run_measures(scale_inputs(applied, factors), replications, first=first, seed=chosen_seed)
        costs.append(cost)
        attainments.append(float(measure_values(measures, "sla_attainment").mean()))
    rows = []
    for output, values in (("catalogue_cost_gbp_per_year", costs), ("sla_attainment", attainments)):
        y = np.asarray(values, dtype=float)
        analysis = morris_analyze.analyze(problem, design, y, num_levels=levels, seed=chosen_seed)
        for k, name in enumerate(names):
            rows.append(
                {
                    "output": output,
                    "parameter": name,
                    "label": INPUTS[name],
                    "mu": float(analysis["mu"][k]),
                    "mu_star": float(analysis["mu_star"][k]),
                    "mu_star_conf": float(analysis["mu_star_conf"][k]),
                    "sigma": float(analysis["sigma"][k]),
                }
            )
    indices = pd.DataFrame(rows).sort_values(["output", "mu_star"], ascending=[True, False], kind="stable")
    points = pd.DataFrame(design, columns=names)
    points["catalogue_cost_gbp_per_year"] = costs
    points["sla_attainment"] = attainments
    return MorrisResult(
        scenario_name=scenario.name,
        trajectories=trajectories,
        levels=levels,
        low=low,
        high=high,
        replications=replications,
        window_months=window_months,
        indices=indices.reset_index(drop=True),
        points=points,
        recommended_cost_gbp_per_year=recommended.total_cost_gbp_per_year,
        notes=list(dict.fromkeys(notes)),
    )
