"""``sharedhr validate SCENARIO``: check a scenario file and report every problem with its field path."""

from __future__ import annotations

import argparse

from model.commands._common import add_shared_options
from model.scenario import apply_overrides, load_scenario


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a scenario file",
        description=(
            "Validate a scenario TOML file, with any --set overrides, -n and --seed applied as the other commands "
            "would apply them. Exit code 0 if valid, 2 with one line per problem if not."
        ),
    )
    parser.add_argument("scenario", help="path to a scenario .toml file")
    add_shared_options(
        parser,
        "validate",
        replications="check the scenario with simulation.replications = N",
        seed="check the scenario with simulation.seed = S",
        unused={"workers": "it runs nothing", "results-dir": "it writes nothing", "quiet": "it shows no progress"},
    )
    parser.set_defaults(handler=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    overrides = list(args.overrides)
    if args.replications is not None:
        overrides.append(f"simulation.replications={args.replications}")
    if args.seed is not None:
        overrides.append(f"simulation.seed={args.seed}")
    if overrides:
        scenario = apply_overrides(scenario, overrides)
    print(
        f"ok: {scenario.name}: {len(scenario.members)} members, {len(scenario.services)} services, "
        f"{len(scenario.roles)} roles, host {scenario.host.member}"
    )
    return 0
