"""The model results a briefing's sections share, computed once per briefing on first use and kept in
``Briefing.cache``: the verified catalogue, the tariffs, the replications, the host risk, the staffing and the
sensitivity. Each getter returns None when its model is missing or fails (the section then says why).
"""

from __future__ import annotations

from typing import Any

from model.reporting.briefing.context import Briefing, find_module


def verified_catalogue(briefing: Briefing) -> Any:
    """The recommended catalogue sized on simulator-calibrated capacity and verified by simulation, with its paired
    saving against today (``model.optimisation.verification.verified_optimise``), computed once per briefing; None when the
    verification module is not available. Capacity and verification are chosen by size as the CLI's default
    (``choose_verification``: Erlang C and unverified above 12 members, with the reason in ``note``)."""
    module, _reason = find_module("model.optimisation.verification", ["verified_optimise", "choose_verification"])
    if module is None:
        return None

    def compute() -> Any:
        choice = module.choose_verification(briefing.scenario)
        return module.verified_optimise(
            briefing.scenario,
            calibrated=choice.calibrated,
            verify=choice.verify,
            workers=briefing.workers,
            explain=briefing.explain,
            note=choice.reason,
        )

    return briefing.model_result("verified_catalogue", compute)


def catalogue_result(briefing: Briefing) -> Any:
    """The catalogue optimiser's answer: the verified catalogue's (``verified_catalogue``), else the plain optimiser's
    (``model.optimisation.catalogue.optimise``); None when neither is available."""
    verified = verified_catalogue(briefing)
    if verified is not None:
        return verified.result
    module, _reason = find_module("model.optimisation.catalogue", ["optimise"])
    if module is None:
        return None
    return briefing.model_result(
        "catalogue_result", lambda: module.optimise(briefing.scenario, explain=briefing.explain)
    )


def tariff_result(briefing: Briefing) -> Any:
    """The tariff model's answer (``model.fairness.tariffs.tariff_table``: per-capita, activity-based, Shapley, nucleolus and
    closest-core allocations of the efficient cost c(N), with core checks), computed once per briefing, with the
    host risk premium when the risk model provides one; None when ``model.fairness.tariffs`` is not available."""
    module, _reason = find_module("model.fairness.tariffs", ["tariff_table"])
    if module is None:
        return None
    premium = host_risk_premium(briefing)

    def compute() -> Any:
        try:
            verified = verified_catalogue(briefing)
        except Exception:  # noqa: BLE001 - reported by the catalogue section; tariffs fall back to Erlang C
            verified = None
        return module.tariff_table(
            briefing.scenario,
            host_risk_premium_gbp_per_year=premium or 0.0,
            workers=briefing.workers,
            catalogue_options=verified.options if verified is not None else None,
        )

    return briefing.model_result("tariff_result", compute)


def experiment(briefing: Briefing) -> Any:
    """The simulation replications (``model.simulation.replications.multiple_replications``, case records kept), computed once
    per briefing; None when the replication runner is not available."""
    module, _reason = find_module("model.simulation.replications", ["multiple_replications"])
    if module is None:
        return None
    return briefing.model_result(
        "experiment",
        lambda: module.multiple_replications(
            briefing.scenario,
            briefing.n_replications,
            workers=briefing.workers,
            progress=briefing.progress,
            keep_cases=True,
            seed=briefing.run_seed,
        ),
    )


def risk_result(briefing: Briefing) -> Any:
    """The stress tests and host risk premium (``model.risk.run_stress_tests`` on the briefing's replications and
    seed, common random numbers), computed once per briefing; None when ``model.risk`` is not available."""
    module, _reason = find_module("model.risk.stress", ["run_stress_tests"])
    if module is None:
        return None
    return briefing.model_result(
        "risk_result",
        lambda: module.run_stress_tests(
            briefing.scenario, n=briefing.n_replications, seed=briefing.run_seed, workers=briefing.workers
        ),
    )


def host_risk_premium(briefing: Briefing) -> float | None:
    """The host risk premium charged in the tariffs, pounds per year (``model.risk``: expected extra host cost of
    unplanned leave, floored at 0), or None without the risk model or when it fails (the risk section then says
    why, and the tariffs are shown without a premium)."""
    try:
        result = risk_result(briefing)
    except Exception:  # noqa: BLE001 - reported by the risk section
        return None
    return None if result is None else float(result.premium.tariff_premium_gbp_per_year)


def staffing_result(briefing: Briefing) -> Any:
    """The host team sized by simulation (``model.risk.staffing.size_staffing``: smallest FTE per role meeting every KPI
    in 90% of runs), computed once per briefing with replication batches of the briefing's size; None without
    ``model.risk.staffing``."""
    module, _reason = find_module("model.risk.staffing", ["size_staffing"])
    if module is None:
        return None
    n = briefing.n_replications
    return briefing.model_result(
        "staffing_result",
        lambda: module.size_staffing(
            briefing.scenario,
            initial=n,
            batch=n,
            max_replications=3 * n,
            max_evaluations=8,
            seed=briefing.run_seed,
            workers=briefing.workers,
        ),
    )


def sensitivity_result(briefing: Briefing) -> Any:
    """The one-at-a-time tornado (``model.risk.sensitivity.tornado``: inputs -/+20%, paired runs), with at most 5
    replications per point (11 points), computed once per briefing; None without ``model.risk.sensitivity``."""
    module, _reason = find_module("model.risk.sensitivity", ["tornado"])
    if module is None:
        return None
    return briefing.model_result(
        "sensitivity_result",
        lambda: module.tornado(
            briefing.scenario,
            n=max(2, min(briefing.n_replications, 5)),
            seed=briefing.run_seed,
            workers=briefing.workers,
        ),
    )
