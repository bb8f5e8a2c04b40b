"""``sharedhr validate SCENARIO``: check a scenario file and report every problem with its field path."""

from __future__ import annotations

import argparse

from model.scenario import load_scenario


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a scenario file",
        description="Validate a scenario TOML file. Exit code 0 if valid, 2 with one line per problem if not.",
    )
    parser.add_argument("scenario", help="path to a scenario .toml file")
    parser.set_defaults(handler=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    print(
        f"ok: {scenario.name}: {len(scenario.members)} members, {len(scenario.services)} services, "
        f"{len(scenario.roles)} roles, host {scenario.host.member}"
    )
    return 0
