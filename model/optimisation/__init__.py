"""Stage 3, the optimisation: how many staff a pooled team needs (Erlang C and the simulator-calibrated capacity), the
service catalogue MILP (shared, in-house or external per service and member), every coalition's cost, and the
verification loop that confirms the recommendation by simulation.

Modules: ``queueing``, ``pooling``, ``calibration``, ``catalogue_instance``, ``catalogue_milp``, ``catalogue``,
``coalitions``, ``verification``. Imports ``model.scenario`` and ``model.simulation``.

The names below are the stage's public API (what the notebooks and the CLI import); each is imported from its
module on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from model._lazy import lazy_api

_API: dict[str, str] = {
    "CatalogueOptions": "catalogue_instance",
    "CatalogueResult": "catalogue",
    "PairedSaving": "verification",
    "VerifiedCatalogue": "verification",
    "all_masks": "coalitions",
    "apply_catalogue": "verification",
    "clear_cache": "coalitions",
    "coalition_cost": "coalitions",
    "coalition_costs": "coalitions",
    "erlang_b": "queueing",
    "erlang_c": "queueing",
    "max_arrival_rate": "queueing",
    "min_servers_for_wait": "queueing",
    "mm1_mean_wait": "queueing",
    "mmc_mean_queue_length": "queueing",
    "mmc_mean_sojourn": "queueing",
    "mmc_mean_wait": "queueing",
    "mmc_prob_wait": "queueing",
    "mmc_sojourn_tail": "queueing",
    "mmc_wait_tail": "queueing",
    "optimise": "catalogue",
    "paired_saving": "verification",
    "reliability_summary": "verification",
    "saving_in_words": "verification",
    "scenario_toml": "verification",
    "solution_tables": "catalogue",
    "solve_masks": "coalitions",
    "square_root_staffing": "queueing",
    "subadditivity_violations": "coalitions",
    "synthetic_partnership": "coalitions",
    "team_reliability": "verification",
    "utilisation": "queueing",
    "verified_optimise": "verification",
    "choose_verification": "verification",
    "VerificationChoice": "verification",
}

__all__ = [
    "CatalogueOptions",
    "CatalogueResult",
    "PairedSaving",
    "VerifiedCatalogue",
    "all_masks",
    "apply_catalogue",
    "clear_cache",
    "coalition_cost",
    "coalition_costs",
    "erlang_b",
    "erlang_c",
    "max_arrival_rate",
    "min_servers_for_wait",
    "mm1_mean_wait",
    "mmc_mean_queue_length",
    "mmc_mean_sojourn",
    "mmc_mean_wait",
    "mmc_prob_wait",
    "mmc_sojourn_tail",
    "mmc_wait_tail",
    "optimise",
    "paired_saving",
    "reliability_summary",
    "saving_in_words",
    "scenario_toml",
    "solution_tables",
    "solve_masks",
    "square_root_staffing",
    "subadditivity_violations",
    "synthetic_partnership",
    "team_reliability",
    "utilisation",
    "verified_optimise",
    "choose_verification",
    "VerificationChoice",
]
__getattr__, __dir__ = lazy_api(__name__, _API)

if TYPE_CHECKING:
    from model.optimisation.catalogue import CatalogueResult, optimise, solution_tables
    from model.optimisation.catalogue_instance import CatalogueOptions
    from model.optimisation.coalitions import (
        all_masks,
        clear_cache,
        coalition_cost,
        coalition_costs,
        solve_masks,
        subadditivity_violations,
        synthetic_partnership,
    )
    from model.optimisation.queueing import (
        erlang_b,
        erlang_c,
        max_arrival_rate,
        min_servers_for_wait,
        mm1_mean_wait,
        mmc_mean_queue_length,
        mmc_mean_sojourn,
        mmc_mean_wait,
        mmc_prob_wait,
        mmc_sojourn_tail,
        mmc_wait_tail,
        square_root_staffing,
        utilisation,
    )
    from model.optimisation.verification import (
        PairedSaving,
        VerificationChoice,
        VerifiedCatalogue,
        apply_catalogue,
        choose_verification,
        paired_saving,
        reliability_summary,
        saving_in_words,
        scenario_toml,
        team_reliability,
        verified_optimise,
    )
