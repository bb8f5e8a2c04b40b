"""Arguments and helpers shared by subcommands (this module registers no command itself)."""

from __future__ import annotations

import argparse
from pathlib import Path

from model.scenario import DEFAULT_SCENARIO, Scenario, apply_overrides, load_scenario


def add_scenario_arguments(parser: argparse.ArgumentParser, optional: bool = True) -> None:
    """Add the SCENARIO positional (the default scenario when omitted) and repeatable ``--set PATH=VALUE``."""
    if optional:
        parser.add_argument(
            "scenario",
            nargs="?",
            default=None,
            help=f"scenario .toml file (default: {DEFAULT_SCENARIO.relative_to(DEFAULT_SCENARIO.parents[1])})",
        )
    else:
        parser.add_argument("scenario", help="scenario .toml file")
    add_overrides_argument(parser)


def add_overrides_argument(
    parser: argparse.ArgumentParser,
    help: str = "override a field, e.g. --set members.Luton CCG.headcount=300 --set absence.sickness_rate=0.065",
) -> None:
    """Add the repeatable ``--set PATH=VALUE`` option (stored in ``args.overrides``)."""
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE", help=help)


def add_results_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--results-dir`` (default: $SHAREDHR_RESULTS_DIR or ./results)."""
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=None,
        help="where run folders are written (default: $SHAREDHR_RESULTS_DIR or ./results)",
    )


def recorded_argv(args: argparse.Namespace) -> list[str] | None:
    """The command line a run folder's manifest records: ``args.argv`` when a caller other than the shell (the web
    app) parsed an equivalent ``sharedhr`` command line, else None (``sys.argv``)."""
    return getattr(args, "argv", None)


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """Load the scenario named on the command line and apply its ``--set`` overrides."""
    scenario = load_scenario(args.scenario)
    overrides = getattr(args, "overrides", None) or []
    return apply_overrides(scenario, overrides) if overrides else scenario
