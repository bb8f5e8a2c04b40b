"""Stage 4, fairness: cooperative cost games (``games``: the game; ``solutions``: Shapley value, nucleolus, least core,
core checks) and the tariffs each member pays under per-capita, activity-based and game allocations
(``cost_lines``, ``tariffs``). Imports the stages below it.

The names below are the stage's public API (what the notebooks and the CLI import); each is imported from its
module on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from model._lazy import lazy_api

_API: dict[str, str] = {
    "Allocation": "solutions",
    "CoreCheck": "solutions",
    "CostGame": "games",
    "EmptyImputationSetError": "games",
    "GameError": "games",
    "InvalidValueError": "games",
    "METHOD_LABELS": "cost_lines",
    "MissingCoalitionError": "games",
    "TariffResult": "tariffs",
    "TooManyPlayersError": "games",
    "UnknownPlayerError": "games",
    "airport_game": "games",
    "closest_core_allocation": "solutions",
    "coalition_key": "games",
    "core_is_nonempty": "solutions",
    "equal_split": "solutions",
    "excesses": "solutions",
    "format_gbp": "tariffs",
    "least_core": "solutions",
    "least_core_epsilon": "solutions",
    "markdown_table": "tariffs",
    "nucleolus": "solutions",
    "parse_coalition": "games",
    "parse_weights": "games",
    "per_capita_nucleolus": "solutions",
    "prenucleolus": "solutions",
    "proportional": "solutions",
    "random_subadditive_game": "games",
    "risk_premium_shares": "tariffs",
    "scrb": "solutions",
    "shapley": "solutions",
    "shapley_sampled": "solutions",
    "tariff_table": "tariffs",
    "today_contributions": "tariffs",
    "today_verdict": "tariffs",
    "verdict": "tariffs",
}

__all__ = [
    "Allocation",
    "CoreCheck",
    "CostGame",
    "EmptyImputationSetError",
    "GameError",
    "InvalidValueError",
    "METHOD_LABELS",
    "MissingCoalitionError",
    "TariffResult",
    "TooManyPlayersError",
    "UnknownPlayerError",
    "airport_game",
    "closest_core_allocation",
    "coalition_key",
    "core_is_nonempty",
    "equal_split",
    "excesses",
    "format_gbp",
    "least_core",
    "least_core_epsilon",
    "markdown_table",
    "nucleolus",
    "parse_coalition",
    "parse_weights",
    "per_capita_nucleolus",
    "prenucleolus",
    "proportional",
    "random_subadditive_game",
    "risk_premium_shares",
    "scrb",
    "shapley",
    "shapley_sampled",
    "tariff_table",
    "today_contributions",
    "today_verdict",
    "verdict",
]
__getattr__, __dir__ = lazy_api(__name__, _API)

if TYPE_CHECKING:
    from model.fairness.cost_lines import METHOD_LABELS
    from model.fairness.games import (
        CostGame,
        EmptyImputationSetError,
        GameError,
        InvalidValueError,
        MissingCoalitionError,
        TooManyPlayersError,
        UnknownPlayerError,
        airport_game,
        coalition_key,
        parse_coalition,
        parse_weights,
        random_subadditive_game,
    )
    from model.fairness.solutions import (
        Allocation,
        CoreCheck,
        closest_core_allocation,
        core_is_nonempty,
        equal_split,
        excesses,
        least_core,
        least_core_epsilon,
        nucleolus,
        per_capita_nucleolus,
        prenucleolus,
        proportional,
        scrb,
        shapley,
        shapley_sampled,
    )
    from model.fairness.tariffs import (
        TariffResult,
        format_gbp,
        markdown_table,
        risk_premium_shares,
        tariff_table,
        today_contributions,
        today_verdict,
        verdict,
    )
