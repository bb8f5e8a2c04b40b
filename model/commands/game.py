"""``sharedhr game GAME.json``: fair cost shares of a cooperative cost game, and who would walk away.

Input (JSON): ``{"players": ["A", "B", ...], "costs": {"A": 10, "A+B": 15, ...}}`` with coalition keys as player
names joined by ``+`` in any order (the empty coalition may be omitted), optional ``"weights": {"A": 220, ...}``
(headcounts, for the proportional / per-capita split) and ``"type": "cost"`` (default) or ``"profit"`` (values are
gains, allocations are shares of the gain). Output (JSON on stdout): one ``{player: share}`` object per method, a
``core`` section (is the core non-empty, least-core epsilon, and for each allocation whether it is in the core and
which coalition would gain most by leaving), and ``details``. Bad input: ``error: ...`` on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from model.commands._common import add_shared_options
from model.scenario import MAX_GAME_BYTES, UserError, control_characters, parse_json, read_input_file

if TYPE_CHECKING:  # model.fairness.games loads numpy and HiGHS: imported by the handler, not while building the parser
    from model.fairness import games, solutions

METHOD_CHOICES = [
    "all",
    "shapley",
    "nucleolus",
    "prenucleolus",
    "least_core",
    "per_capita_nucleolus",
    "scrb",
    "proportional",
    "equal_split",
    "closest_core",
]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "game",
        help="fair shares of a cooperative cost game (Shapley, nucleolus, core, ...)",
        description=(
            "Allocate the grand coalition's cost (or gain) among players by cooperative game theory and check each "
            "allocation against the core: would any group do better alone? Writes JSON to stdout."
        ),
    )
    parser.add_argument("game", help='game JSON: {"players": [...], "costs": {"A": 10, "A+B": 15, ...}}')
    parser.add_argument(
        "--method",
        choices=METHOD_CHOICES,
        default="all",
        help="allocation to compute (default: all; proportional needs weights)",
    )
    parser.add_argument(
        "--weights",
        metavar="W.json",
        help='weights (e.g. headcounts) {"A": 220, ...}; overrides "weights" in the game file',
    )
    parser.add_argument(
        "--complete",
        choices=["subadditive"],
        help="fill missing coalitions with the cost of their cheapest partition into given coalitions",
    )
    add_shared_options(
        parser,
        "game",
        set_help="refused: a game file has no scenario fields to override (edit the file instead)",
        unused={
            "replications": "every method is exact, nothing is simulated or sampled",
            "workers": "one process computes every allocation",
            "seed": "every method is exact, nothing is random",
            "results-dir": "the result is JSON on stdout",
            "quiet": "it shows no progress",
        },
    )
    parser.set_defaults(handler=run_game)


def _read_json(path: str, what: str) -> Any:
    """A game or weights file through the one reading rule (``model.scenario.files``): regular UTF-8 files up to 64 MB,
    no duplicate keys, no NaN/Infinity, no deep nesting; player names may not hold control characters."""
    data = parse_json(read_input_file(path, what, MAX_GAME_BYTES), f"{what} {path}")
    found = control_characters(data)
    if found:
        from model.scenario import format_location

        location, code = found[0]
        raise UserError(f"{what} {path}: {format_location(location)}: holds the control character {code}; remove it")
    return data


def analyse(game: games.CostGame, weights: dict[str, float] | None, method: str = "all") -> dict[str, Any]:
    """The CLI's result as a JSON-ready dict (also usable from Python)."""
    from model.fairness import games, solutions

    wanted = METHOD_CHOICES[1:] if method == "all" else [method]
    notes: list[str] = []
    if weights is None and "proportional" in wanted:
        if method == "proportional":
            raise UserError('proportional needs weights: add "weights" to the game file or pass --weights W.json')
        wanted.remove("proportional")
        notes.append("no weights given: proportional (per-capita) split skipped; closest_core is to the equal split")
    reference_name = "proportional" if weights is not None else "equal_split"
    reference = solutions.proportional(game, weights) if weights is not None else solutions.equal_split(game)

    allocations: dict[str, solutions.Allocation] = {}
    for name in wanted:
        if name == "proportional":
            allocations[name] = solutions.proportional(game, weights or {})
        elif name == "closest_core":
            allocations[name] = solutions.closest_core_allocation(game, reference)
        else:
            allocations[name] = solutions.METHODS[name](game)

    # The least core is an LP over every coalition: beyond MAX_LP_PLAYERS it is not computed, and the core checks
    # of the allocations asked for (which need only the table) still are.
    epsilon: float | None = None
    if game.n <= games.MAX_LP_PLAYERS:
        epsilon = solutions.least_core_epsilon(game)
    else:
        notes.append(
            f"{game.n} players: whether the core is empty (the least-core LP) is computed only up to "
            f"{games.MAX_LP_PLAYERS} players; each allocation's core check below is exact"
        )
    tolerance = games.REL_TOL * (max(abs(v) for v in game.table) or 1.0)  # as solutions.core_is_nonempty
    checks = {}
    for name, allocation in allocations.items():
        check = solutions.core_check(game, allocation)
        checks[name] = {
            "in_core": check.in_core,
            "max_excess": check.max_excess,
            "worst_coalition": games.coalition_key(check.worst_coalition, game.players),
            "n_blocking": check.n_blocking,
            "summary": check.describe(game.players),
        }
    details: dict[str, Any] = {}
    for name, allocation in allocations.items():
        info = {k: v for k, v in allocation.info.items() if k != "deviations"}
        if name == "closest_core":
            info["reference"] = reference_name
        if info:
            details[name] = info
        notes.extend(allocation.notes)

    result: dict[str, Any] = {"players": list(game.players), "type": game.kind, "grand_value": game.grand_value}
    result.update({name: allocation.to_dict() for name, allocation in allocations.items()})
    result["core"] = {
        "nonempty": None if epsilon is None else bool(epsilon <= tolerance),
        "least_core_epsilon": epsilon,
        "excess_meaning": (
            "x(S) - c(S): how much more coalition S pays than alone"
            if game.kind == "cost"
            else "v(S) - x(S): how much more coalition S could gain alone"
        ),
        "checks": checks,
    }
    result["details"] = details
    result["notes"] = notes
    return result


def run_game(args: argparse.Namespace) -> int:
    from model.fairness import games

    if args.overrides:
        raise UserError("game reads a game file, which has no scenario fields: --set does not apply (edit the file)")
    data = _read_json(args.game, "game file")
    try:
        game = games.CostGame.from_json(data, complete=args.complete)
        raw_weights = _read_json(args.weights, "weights file") if args.weights else data.get("weights")
        weights = games.parse_weights(raw_weights, game.players) if raw_weights is not None else None
        result = analyse(game, weights, args.method)
    except games.GameError as error:
        raise UserError(str(error)) from None
    print(json.dumps(result, indent=2))
    return 0
