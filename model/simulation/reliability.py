"""KPI reliability in the SLA's own terms: how often a review period's attainment meets the target.

Members do not see a long-run attainment; they see one figure per review period (``simulation.kpi_review_months``,
bi-monthly in the Herts SLA) and judge the service by how often it is green. ``kpi.reliability`` is the required
share of review periods whose attainment meets ``kpi.target_fraction``; this module scores it from simulated cases.

Rules (all in working days, 21.75 a month; review periods start at month 0):

* A case counts in the review period in which its KPI outcome became known: the earlier of its completion and its
  deadline (arrival + target). Cases still open and within target at the horizon are unknown and left out, as in
  ``model.simulation.kpis``.
* Scoring window: only review periods that start at or after ``scoring_start_month`` (the end of the warm-up and the
  month from which membership no longer changes, ``settled_month``) and end by the horizon are scored. The optimiser
  sizes teams for that membership, so a verdict on earlier months would judge a different service.
* Low volumes (DECISION): attainment over four cases jumps in steps of 25% and would fail an 80% target on one late
  case. A period is therefore scored over the rolling window of review periods ending with it that holds at least
  ``simulation.kpi_min_cases`` cases (20 by default: the attainment's standard error is then at most 0.09 at an 80%
  target), never reaching back more than ``simulation.kpi_max_window_months`` (12: the rolling-year figure NHS
  reports use for small numbers) and never before the scoring window. A window of the full 12 months is scored on
  whatever cases it holds (at least one); a shorter window that cannot reach the minimum (the first periods of the
  scoring window) is not scored. High-volume services are scored period by period, as their reports are.
* Teams: a case is scored with the team that served it, ``"host"`` (shared mode), the member's own name (its
  in-house team) or ``"external"`` (commissioned), so a mixed-mode service's verdict never mixes teams.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.scenario.schema import Scenario
from model.scenario.units import WORKING_DAYS_PER_MONTH
from model.simulation.demand import active_in_month
from model.simulation.steady_state import settled_month

HOST = "host"
EXTERNAL = "external"
_TOLERANCE = 1e-9


def scoring_start_month(scenario: Scenario) -> int:
    """First month of the reliability scoring window: the later of the warm-up's end and ``settled_month``, rounded up
    to the start of a review period."""
    sim = scenario.simulation
    start = max(sim.warm_up_months, settled_month(scenario))
    return math.ceil(start / sim.kpi_review_months) * sim.kpi_review_months


def window_periods(scenario: Scenario) -> int:
    """Longest rolling window in review periods (``kpi_max_window_months`` / ``kpi_review_months``, at least 1)."""
    sim = scenario.simulation
    return max(1, sim.kpi_max_window_months // sim.kpi_review_months)


def period_counts(
    decided_day: np.ndarray, hits: np.ndarray, review_days: float, first_period: int, n_periods: int
) -> tuple[np.ndarray, np.ndarray]:
    """(cases, hits) per review period ``first_period .. first_period + n_periods - 1`` (global period index =
    floor(decided day / review days)); cases decided outside those periods are ignored."""
    index = np.floor(np.asarray(decided_day, dtype=float) / review_days).astype(np.int64) - first_period
    inside = (index >= 0) & (index < n_periods)
    counts = np.bincount(index[inside], minlength=n_periods).astype(float)
    sums = np.bincount(index[inside], weights=np.asarray(hits, dtype=float)[inside], minlength=n_periods)
    return counts, sums


def rolling_verdicts(
    counts: np.ndarray, sums: np.ndarray, target: float, min_cases: int, max_periods: int
) -> tuple[np.ndarray, np.ndarray]:
    """(scored, met) per period: the rolling-window rule of the module docstring. ``met`` is False where not scored."""
    n = len(counts)
    scored = np.zeros(n, dtype=bool)
    met = np.zeros(n, dtype=bool)
    for p in range(n):
        cases = hits = 0.0
        length = 0
        for q in range(p, max(-1, p - max_periods), -1):
            cases += counts[q]
            hits += sums[q]
            length += 1
            if cases >= min_cases:
                break
        if cases >= min_cases or (length == max_periods and cases > 0):
            scored[p] = True
            met[p] = hits / cases >= target - _TOLERANCE
    return scored, met


@dataclass(frozen=True)
class ReliabilityRules:
    """Everything the rolling-window rule needs about a scenario's review calendar (plain numbers)."""

    review_days: float
    first_period: int
    n_periods: int
    min_cases: int
    max_periods: int

    @classmethod
    def of(cls, scenario: Scenario, start_month: int | None = None) -> ReliabilityRules:
        """The rules of ``scenario`` scored from ``start_month`` (default ``scoring_start_month``) to the horizon."""
        sim = scenario.simulation
        start = scoring_start_month(scenario) if start_month is None else start_month
        first = start // sim.kpi_review_months
        last = sim.horizon_months // sim.kpi_review_months  # periods that end by the horizon
        return cls(
            review_days=sim.kpi_review_months * WORKING_DAYS_PER_MONTH,
            first_period=first,
            n_periods=max(0, last - first),
            min_cases=sim.kpi_min_cases,
            max_periods=window_periods(scenario),
        )

    def verdicts(self, decided_day: np.ndarray, hits: np.ndarray, target: float) -> tuple[np.ndarray, np.ndarray]:
        """(scored, met) per review period of the scoring window for cases with these outcomes."""
        counts, sums = period_counts(decided_day, hits, self.review_days, self.first_period, self.n_periods)
        return rolling_verdicts(counts, sums, target, self.min_cases, self.max_periods)


def decided_days(cases: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(day the KPI outcome became known, hit 1/0) of the cases with a known outcome, in the order of ``cases``."""
    met = cases["met_target"].to_numpy(dtype=float)
    known = ~np.isnan(met)
    deadline = cases["arrival_day"].to_numpy(dtype=float) + cases["target_days"].to_numpy(dtype=float)
    decided = np.fmin(cases["end_day"].to_numpy(dtype=float), deadline)
    return decided[known], met[known]


def team_of(cases: pd.DataFrame) -> np.ndarray:
    """The team that served each case: ``"host"``, the member's name (in-house) or ``"external"``."""
    mode = cases["mode"].to_numpy()
    member = cases["member"].to_numpy()
    return np.where(mode == "shared", HOST, np.where(mode == "external", EXTERNAL, member)).astype(object)


def team_verdicts(scenario: Scenario, cases: pd.DataFrame, rules: ReliabilityRules | None = None) -> pd.DataFrame:
    """Per service x team and review period of the scoring window: ``scored`` and ``met`` (booleans), with the
    period's first month. Only members' use of services that is still active in the last simulated month counts (a
    member that has left is not part of the settled service). ``cases`` is a simulator case table, normally the cases
    ``model.simulation.kpis`` counts (arrivals after the warm-up, not the inherited backlog)."""
    rules = rules or ReliabilityRules.of(scenario)
    columns = ["service", "team", "period", "month", "scored", "met"]
    if rules.n_periods == 0 or cases.empty:
        return pd.DataFrame(columns=columns)
    review_months = scenario.simulation.kpi_review_months
    last = scenario.simulation.horizon_months - 1
    settled = {
        (m.name, s)
        for m in scenario.members
        for s in scenario.service_names
        if active_in_month(scenario, m.name, s, last)
    }
    keep = np.fromiter(
        ((m, s) in settled for m, s in zip(cases["member"].tolist(), cases["service"].tolist(), strict=True)),
        dtype=bool,
        count=len(cases),
    )
    cases = cases[keep]
    if cases.empty:
        return pd.DataFrame(columns=columns)
    teams = team_of(cases)
    frames = []
    for (service, team), index in pd.Series(range(len(cases))).groupby([cases["service"].to_numpy(), teams]):
        subset = cases.iloc[index.to_numpy()]
        decided, hits = decided_days(subset)
        target = scenario.service(str(service)).kpi.target_fraction
        scored, met = rules.verdicts(decided, hits, target)
        periods = np.arange(rules.n_periods)
        frames.append(
            pd.DataFrame(
                {
                    "service": service,
                    "team": team,
                    "period": periods,
                    "month": (rules.first_period + periods) * review_months,
                    "scored": scored,
                    "met": met,
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
