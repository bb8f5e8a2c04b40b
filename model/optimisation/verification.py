"""One model, one answer: the recommended catalogue sized on simulator-calibrated capacity, then verified by the
simulator until it meets every KPI's reliability, with its saving against today as a paired simulation result.

``verified_optimise(scenario)``:

1. Calibrate the pool capacity table (``model.optimisation.calibration``; cached on disk) unless one is given.
2. Solve the catalogue MILP (``model.optimisation.catalogue``) on that table.
3. Apply the answer to the scenario's settled service (``model.simulation.steady_state``: the membership the optimiser sized
   for, present from month 0, 3 months' warm-up and 36 scored months) with ``apply_catalogue`` (modes, host team,
   in-house teams): that is the ``recommended`` scenario (``recommended.toml``). Simulate it on replications
   ``VERIFICATION_REPLICATIONS`` onwards, never used by the calibration.
4. Score each team x service (``model.simulation.reliability``). An unclear verdict (point estimate short of the target,
   interval still reaching it) gets more replications (doubling, up to ``max_replications``). A pool whose
   reliability is then CLEARLY below its target (the upper end of its 95% Wilson interval over the pooled review
   periods is below ``kpi.reliability``) gets a cut: its (service, role, FTE) capacity is lowered below the load it
   failed at, so the MILP must staff it more, use another role, or choose another mode; an external provider clearly
   below has its mode excluded for the service. Re-solve and repeat (at most ``max_iterations``), reporting each round.
5. Simulate today's settled service (``today``, ``today.toml``) on the same replications (common random numbers) and
   report the paired saving:
   the recommended catalogue's simulated annual cost with its interval, today's, the difference with its paired t
   interval, and each service's reliability in both.

Review periods are treated as independent trials in the Wilson interval. Consecutive periods of one replication are
positively correlated (a long absence spans two of them), so the interval is somewhat narrow; the verdicts the
tests check use fresh seeds, and the docs say so.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from model.optimisation.calibration import CalibrationSettings, CapacityTable, calibrate
from model.optimisation.catalogue import CatalogueResult, optimise
from model.optimisation.catalogue_instance import HOST_TEAM, CatalogueOptions
from model.scenario.errors import InfeasibleError
from model.scenario.schema import Mode, Scenario, scenario_from_dict
from model.scenario.units import WORKING_DAYS_PER_YEAR
from model.simulation.reliability import EXTERNAL, HOST
from model.simulation.replications import multiple_replications
from model.simulation.statistics import t_confidence_interval, wilson_interval
from model.simulation.steady_state import steady_state_scenario

VERIFICATION_REPLICATIONS = 2_000_000
"""First replication number of the verification runs (calibration uses 1,000,000 onwards, ordinary runs 0 up)."""

VERDICT_COLUMNS = [
    "iteration",
    "service",
    "team",
    "role",
    "fte",
    "load_cases_per_year",
    "periods_scored",
    "periods_met",
    "reliability",
    "ci_low",
    "ci_high",
    "target",
    "verdict",
    "action",
]


# --- applying a catalogue to a scenario ------------------------------------------------------------------------------


def apply_catalogue(scenario: Scenario, result: CatalogueResult) -> Scenario:
    """``scenario`` with a catalogue optimiser result applied: each member's ``provision`` per service from
    ``result.decisions``, host role FTEs = the optimal host team's FTE per role (roles it does not use at 0), each
    member's ``in_house_fte`` per role from its in-house pools. Members that have left by the settled month keep
    their provision, except that services they took shared which the recommended host team cannot do are bought
    externally (their months lie outside the settled window the verification scores). Every delivery option stays
    on offer and everything else (timeline, prices, absence) is unchanged, so the result pairs with ``scenario``
    under common random numbers and its coalition costs c(S) (which depend on the options, not on today's
    provision) are the scenario's."""
    data = scenario.model_dump(mode="json")
    staffing = result.staffing
    host = staffing[staffing["team"] == HOST_TEAM].groupby("role")["fte"].sum()
    for role in data["roles"]:
        role["fte"] = float(host.get(role["name"], 0.0))
    modes = {(row.member, row.service): row.mode for row in result.decisions.itertuples()}
    decided = {member for member, _service in modes}
    able = {
        service.name
        for service in scenario.services
        for role in data["roles"]
        if role["fte"] > 0
        and scenario.role(role["name"]).productivity_for(service.skill, scenario.simulation.allow_cross_skilling) > 0
    }
    for member in data["members"]:
        if member["name"] not in decided:
            # Not a member at the settled month (it left earlier): the recommendation has no team for it. Services
            # it took shared that the recommended host team cannot do are bought externally in its months.
            for service in scenario.subscribed(scenario.member(member["name"])):
                shared = member["provision"].get(service, Mode.SHARED.value) == Mode.SHARED.value
                if shared and service not in able and scenario.service(service).delivery.external is not None:
                    member["provision"][service] = Mode.EXTERNAL.value
            continue
        provision = {service: mode for (name, service), mode in modes.items() if name == member["name"]}
        kept = {s: m for s, m in member["provision"].items() if s not in provision}
        kept.update({s: m for s, m in provision.items() if m != Mode.SHARED.value})
        member["provision"] = kept
        own = staffing[staffing["team"] == member["name"]].groupby("role")["fte"].sum()
        member["in_house_fte"] = {str(r): float(v) for r, v in own.items()}
    return scenario_from_dict(data, origin="recommended catalogue")


def scenario_toml(scenario: Scenario, header: list[str]) -> str:
    """``scenario`` as a TOML file that ``sharedhr validate`` accepts, with ``header`` lines as comments on top
    (None values, which TOML cannot hold, are left out: they are the schema's defaults)."""
    import tomli_w

    def clean(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: clean(v) for k, v in node.items() if v is not None}
        if isinstance(node, list):
            return [clean(v) for v in node]
        return node

    body = tomli_w.dumps(clean(scenario.model_dump(mode="json")))
    comments = "".join(f"# {line}\n" for line in header)
    return f"{comments}\n{body}"


# --- scoring a simulated catalogue ---------------------------------------------------------------------------------


def _pooled(kpis: pd.DataFrame, metric: str) -> pd.Series:
    rows = kpis[kpis["metric"] == metric]
    return rows.groupby(["service", "member"], sort=False)["value"].sum()


def team_reliability(scenario: Scenario, kpis: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per service x team (``team`` = "host", a member's name, or "external"): review periods scored and met
    pooled over the replications of ``kpis``, the reliability with its Wilson interval, the target and the verdict:
    "meets" (point estimate at or above the target), "clearly below" (upper end of the interval below the target)
    or "below" (point estimate short, interval still reaching the target)."""
    scored = _pooled(kpis, "kpi_periods_scored")
    met = _pooled(kpis, "kpi_periods_met")
    rows = []
    for (service, team), n in scored.items():
        hits = float(met.get((service, team), 0.0))
        target = scenario.service(str(service)).kpi.reliability
        low, high = wilson_interval(hits, n, confidence)
        estimate = hits / n if n else math.nan
        if n == 0:
            verdict = "not scored"
        elif estimate >= target:
            verdict = "meets"
        elif high < target:
            verdict = "clearly below"
        else:
            verdict = "below"
        rows.append(
            {
                "service": service,
                "team": team,
                "periods_scored": int(n),
                "periods_met": int(hits),
                "reliability": estimate,
                "ci_low": low,
                "ci_high": high,
                "target": target,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


# --- the loop ------------------------------------------------------------------------------------------------------


@dataclass
class PairedSaving:
    """Today's settled service against the recommended one, same replications (common random numbers). Money in
    pounds per year; intervals are two-sided at ``confidence``."""

    replications: int
    confidence: float
    today_cost: tuple[float, float, float]
    recommended_cost: tuple[float, float, float]
    saving: tuple[float, float, float]
    reliability: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """The headline numbers as plain data (for summary.json and the briefing)."""

        def triple(values: tuple[float, float, float]) -> dict[str, float]:
            return {"mean": values[0], "ci_low": values[1], "ci_high": values[2]}

        return {
            "replications": self.replications,
            "confidence": self.confidence,
            "today_cost_gbp_per_year": triple(self.today_cost),
            "recommended_cost_gbp_per_year": triple(self.recommended_cost),
            "saving_gbp_per_year": triple(self.saving),
        }


@dataclass
class VerifiedCatalogue:
    """The verified recommendation: the final MILP ``result`` on the (cut) capacity ``table``, the catalogue
    ``options`` that give it (the table and any mode the verification excluded: pass them to ``model.optimisation.coalitions``
    and ``model.fairness.tariffs`` so every c(S) rests on the same verified capacity), the ``recommended`` scenario and
    ``today``'s (both the settled service, ``model.simulation.steady_state``: simulate or compare them directly), every round's
    verdicts (``iterations``), the final verdict per service x team (``verdicts``), the paired ``saving`` against today,
    and timings."""

    result: CatalogueResult
    options: CatalogueOptions
    recommended: Scenario
    today: Scenario
    iterations: pd.DataFrame
    verdicts: pd.DataFrame
    saving: PairedSaving | None
    verified: bool
    rounds: int
    seconds: dict[str, float] = field(default_factory=dict)
    calibrated: bool = True
    """Whether the capacity table was calibrated by the simulator (False: Erlang C, ``calibrated=False``)."""
    note: str = ""
    """Why the capacity and the verification are what they are, when chosen by size (``choose_verification``)."""

    @property
    def capacity(self) -> str:
        """``capacity_label`` of the table the result was solved on."""
        return capacity_label(self.calibrated)

    @property
    def table(self) -> CapacityTable:
        """The capacity table (with its cuts) the final result was solved on: ``options.capacity``."""
        assert isinstance(self.options.capacity, CapacityTable)
        return self.options.capacity

    def headline(self) -> dict[str, Any]:
        """The one headline every report leads with: the recommended catalogue's simulated annual cost, its saving
        against today (both with intervals), the reliability it achieves per service, and how the optimiser's own
        planning figure relates to it."""
        worst = reliability_summary(self.verdicts)
        return {
            **(self.saving.summary() if self.saving is not None else {}),
            "verified": self.verified,
            "verification_rounds": self.rounds,
            "capacity": capacity_label(self.calibrated),
            **({"verification_note": self.note} if self.note else {}),
            "optimiser_planning_cost_gbp_per_year": self.result.total_cost_gbp_per_year,
            "reliability_by_service": {
                str(row.service): {
                    "reliability": row.reliability,
                    "ci_low": row.ci_low,
                    "ci_high": row.ci_high,
                    "target": row.target,
                    "team": row.team,
                }
                for row in worst.itertuples()
            },
        }


def _team_name(team: str) -> str:
    return HOST if team == HOST_TEAM else team


def _simulate(
    scenario: Scenario, replications: int, seed: int | None, workers: int, first: int = VERIFICATION_REPLICATIONS
) -> pd.DataFrame:
    return multiple_replications(scenario, replications, workers=workers, seed=seed, first=first).kpis


def paired_saving(
    today: pd.DataFrame,
    recommended: pd.DataFrame,
    scenario: Scenario,
    recommended_scenario: Scenario,
    confidence: float = 0.95,
) -> PairedSaving:
    """Paired comparison of two KPI tables from the same replications (see ``PairedSaving``)."""

    def costs(kpis: pd.DataFrame) -> pd.Series:
        rows = kpis[(kpis["metric"] == "total_cost_gbp_per_year") & (kpis["service"] == "all")]
        return rows.set_index("replication")["value"]

    a, b = costs(today), costs(recommended)
    common = a.index.intersection(b.index)
    a, b = a.loc[common], b.loc[common]

    def interval(values: pd.Series) -> tuple[float, float, float]:
        ci = t_confidence_interval(values.to_numpy(), confidence)
        return ci.mean, ci.mean - ci.half_width, ci.mean + ci.half_width

    before = team_reliability(scenario, today, confidence).assign(catalogue="today")
    after = team_reliability(recommended_scenario, recommended, confidence).assign(catalogue="recommended")
    return PairedSaving(
        replications=len(common),
        confidence=confidence,
        today_cost=interval(a),
        recommended_cost=interval(b),
        saving=interval(a - b),
        reliability=pd.concat([before, after], ignore_index=True),
    )


def verified_optimise(
    scenario: Scenario,
    options: CatalogueOptions | None = None,
    *,
    fixed: dict[tuple[str, str], str] | None = None,
    table: CapacityTable | None = None,
    calibrated: bool = True,
    verify: bool = True,
    settings: CalibrationSettings | None = None,
    replications: int = 20,
    max_replications: int = 80,
    months: int = 36,
    max_iterations: int = 8,
    seed: int | None = None,
    workers: int = 2,
    explain: bool = True,
    use_cache: bool = True,
    note: str = "",
) -> VerifiedCatalogue:
    """The verified recommended catalogue of ``scenario`` (module docstring). ``table`` skips calibration;
    ``calibrated=False`` starts from Erlang C's capacities instead (``calibrate(analytic=True)``; the loop still
    cuts what the simulator rejects).
    ``verify=False`` solves once on the table and simulates nothing (no verdicts, no saving: the figures are the
    optimiser's planning figures only). ``fixed`` forces decisions as in ``model.optimisation.catalogue.optimise``. ``seed`` defaults
    to the scenario's; verification uses replications ``VERIFICATION_REPLICATIONS`` onwards. ``note`` is kept on the
    result (``choose_verification``'s reason, for the reports)."""
    options = options or CatalogueOptions()
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    def measured(known: CapacityTable | None) -> CapacityTable:
        return calibrate(
            scenario,
            fte_step=options.fte_step,
            measure=options.measure,
            seasonal_peak=options.seasonal_peak,
            settings=settings,
            workers=workers,
            use_cache=use_cache,
            analytic=not calibrated,
            known=known,
        )

    table = measured(None) if table is None else table
    seconds["calibration"] = time.perf_counter() - started

    rounds: list[pd.DataFrame] = []
    verified = False
    result: CatalogueResult | None = None
    recommended = scenario
    rec_kpis = pd.DataFrame()
    verdicts = pd.DataFrame()
    started = time.perf_counter()
    solved = replace(options, capacity=table)
    today_settled = steady_state_scenario(scenario, months=months)
    if not verify:
        result = optimise(scenario, options=solved, fixed=fixed, explain=explain)
        return VerifiedCatalogue(
            result=result,
            options=solved,
            recommended=apply_catalogue(today_settled, result),
            today=today_settled,
            iterations=pd.DataFrame(columns=VERDICT_COLUMNS),
            verdicts=pd.DataFrame(columns=VERDICT_COLUMNS[:-1]),
            saving=None,
            verified=False,
            rounds=0,
            seconds=seconds,
            calibrated=calibrated,
            note=note,
        )
    for iteration in range(1, max_iterations + 1):
        solved = replace(options, capacity=table)
        try:
            result = optimise(scenario, options=solved, fixed=fixed, explain=False)
        except InfeasibleError as error:
            raise InfeasibleError(
                f"{error} (after {iteration - 1} verification round(s) in which the simulator rejected the "
                f"staffing the optimiser chose; see the cuts in the capacity table)"
            ) from None
        recommended = apply_catalogue(today_settled, result)
        settled = recommended
        rec_kpis = _simulate(settled, replications, seed, workers)
        verdicts = team_reliability(settled, rec_kpis)
        done = replications
        while (verdicts["verdict"] == "below").any() and done < max_replications:
            # Sequential stopping: an unclear verdict (point estimate short, interval reaching the target) gets
            # more replications, up to ``max_replications``, before it is accepted as not clearly below.
            more = min(done, max_replications - done)
            extra = _simulate(settled, more, seed, workers, first=VERIFICATION_REPLICATIONS + done)
            rec_kpis = pd.concat([rec_kpis, extra], ignore_index=True)
            done += more
            verdicts = team_reliability(settled, rec_kpis)
        pools = result.staffing.assign(team=result.staffing["team"].map(_team_name))
        merged = verdicts.merge(pools, on=["service", "team"], how="left")
        failing = merged[merged["verdict"] == "clearly below"]
        actions = []
        for row in merged.itertuples():
            action = ""
            if row.verdict == "clearly below" and row.team == EXTERNAL:
                reason = (
                    f"excluded by verification: the provider's simulated cases met the KPI in {row.reliability:.0%} "
                    f"of review periods, below the required {row.target:.0%}"
                )
                options = replace(
                    options, excluded_modes=(*options.excluded_modes, (str(row.service), EXTERNAL, reason))
                )
                action = "external mode excluded"
            elif row.verdict == "clearly below" and isinstance(row.role, str):
                load = float(row.load_cases_per_year) / WORKING_DAYS_PER_YEAR
                table = table.with_cut(str(row.service), row.role, float(row.fte), load)
                action = f"cut: {row.fte:g} FTE {row.role} takes less than {row.load_cases_per_year:.1f} cases a year"
            actions.append(action)
        merged["action"] = actions
        merged["iteration"] = iteration
        rounds.append(merged.reindex(columns=VERDICT_COLUMNS))
        if failing.empty:
            verified = True
            break
        table = measured(table)  # chains whose top pool was cut are measured further up
    seconds["verification"] = time.perf_counter() - started
    assert result is not None
    if explain:  # the same solve again, with every decision's next-best alternative costed
        result = optimise(scenario, options=solved, fixed=fixed, explain=True)

    started = time.perf_counter()
    paired = int(rec_kpis["replication"].nunique())
    today_kpis = _simulate(today_settled, paired, seed, workers)
    saving = paired_saving(today_kpis, rec_kpis, today_settled, recommended)
    seconds["paired_saving"] = time.perf_counter() - started
    iterations = pd.concat(rounds, ignore_index=True)
    final = iterations[iterations["iteration"] == iterations["iteration"].max()].drop(columns=["action"])
    return VerifiedCatalogue(
        result=result,
        options=solved,
        recommended=recommended,
        today=today_settled,
        iterations=iterations,
        verdicts=final.reset_index(drop=True),
        saving=saving,
        verified=verified,
        rounds=len(rounds),
        seconds=seconds,
        calibrated=calibrated,
        note=note,
    )


AUTO_MAX_MEMBERS = 12
"""Largest partnership whose recommendation ``choose_verification`` calibrates and verifies by simulation by default.
Above it (a regional service of 30-45 members: about 1.4 million cases a simulated year) each calibration probe and
verification round simulates the whole region, hours in all on 2 cores, so Erlang C sizes the teams instead."""


@dataclass(frozen=True)
class VerificationChoice:
    """How the recommended catalogue is sized and checked: ``calibrated`` (simulator-calibrated capacity, else Erlang
    C), ``verify`` (simulate the recommendation) and ``reason`` (empty when both are the defaults)."""

    calibrated: bool
    verify: bool
    reason: str = ""

    @property
    def capacity(self) -> str:
        """``capacity_label`` of this choice."""
        return capacity_label(self.calibrated)


def capacity_label(calibrated: bool) -> str:
    """The words every output uses for the pool capacity: "simulator-calibrated" or "Erlang C"."""
    return "simulator-calibrated" if calibrated else "Erlang C"


def choose_verification(scenario: Scenario, capacity: str = "auto", verify: bool | None = None) -> VerificationChoice:
    """Capacity ("auto", "calibrated" or "analytic") and verification (None: by size) for ``scenario``.

    Up to ``AUTO_MAX_MEMBERS`` members "auto" means calibrated and verified (one model, one answer). Above it, "auto"
    means Erlang C capacity and no simulation of the recommendation, with a reason saying so and how to ask for
    the simulation; anything the caller states explicitly is kept."""
    if capacity not in ("auto", "calibrated", "analytic"):
        raise ValueError(f"capacity must be auto, calibrated or analytic, not {capacity!r}")
    members = len(scenario.members)
    small = members <= AUTO_MAX_MEMBERS
    calibrated = capacity == "calibrated" or (capacity == "auto" and small)
    verified = small if verify is None else verify
    if small or (capacity != "auto" and verify is not None):
        return VerificationChoice(calibrated, verified)
    chosen = []
    if capacity == "auto":
        chosen.append("Erlang C pool capacity (not simulator-calibrated)")
    if verify is None:
        chosen.append("the recommendation is NOT verified by simulation, so its figures are the optimiser's")
    reason = (
        f"{members} members (more than {AUTO_MAX_MEMBERS}): {'; '.join(chosen)}. Simulating a service this size "
        "takes hours on 2 cores; ask for it with --capacity calibrated --verify."
    )
    return VerificationChoice(calibrated, verified, reason)


def saving_in_words(saving: dict[str, float]) -> tuple[bool, float, float, float]:
    """(is it a saving?, amount, interval low, interval high) with the amounts positive in the direction of the
    word: a saving of X (CI a to b), or an extra cost of X (CI a to b). ``saving`` is a headline triple."""
    sign = 1.0 if saving["mean"] >= 0 else -1.0
    low, high = sorted((sign * saving["ci_low"], sign * saving["ci_high"]))
    return sign > 0, sign * saving["mean"], low, high


def reliability_summary(verdicts: pd.DataFrame) -> pd.DataFrame:
    """One row per service: the lowest reliability over the teams that deliver it (host, in-house, external) with
    its interval and target (what a board needs: does every team that delivers the service meet the SLA?)."""
    if verdicts.empty:
        return pd.DataFrame(columns=["service", "team", "reliability", "ci_low", "ci_high", "target", "verdict"])
    worst = verdicts.sort_values("reliability", kind="stable").groupby("service", sort=False).head(1)
    return worst[["service", "team", "reliability", "ci_low", "ci_high", "target", "verdict"]].reset_index(drop=True)


__all__ = [
    "VERIFICATION_REPLICATIONS",
    "PairedSaving",
    "VerifiedCatalogue",
    "apply_catalogue",
    "paired_saving",
    "reliability_summary",
    "saving_in_words",
    "scenario_toml",
    "team_reliability",
    "verified_optimise",
    "choose_verification",
    "VerificationChoice",
    "AUTO_MAX_MEMBERS",
]
