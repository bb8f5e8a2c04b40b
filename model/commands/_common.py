"""Arguments and helpers shared by subcommands (this module registers no command itself).

One grammar for every command (``add_shared_options``): ``-n/--replications``, ``-w/--workers``, ``--seed``,
``--set PATH=VALUE`` (repeatable), ``--results-dir`` and ``-q/--quiet``. A command that has no use for one of them
still accepts it, and its help says why it does not use it, so a command line can be moved from one command to
another. Old spellings kept as hidden, deprecated aliases: ``--no-progress`` (= ``-q``) and ``--progress``
(progress on).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path

from model.scenario import DEFAULT_SCENARIO, Scenario, apply_overrides, load_scenario

#: Worker processes when ``-w`` is not given, the same for every command: two, or one on a one-CPU machine. Results
#: are identical whatever the number of workers (one seed sequence per run), so the default only sets the speed: two
#: processes nearly halve the time of replications and coalition costs on the 2-core reference machine and in CI,
#: and leave the rest of a shared server to others. ``-w N`` uses more.
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)

#: The shared options, as ``--help`` lists them (tests check every command has them all).
SHARED_OPTIONS = ("-n", "--replications", "-w", "--workers", "--seed", "--set", "--results-dir", "-q", "--quiet")

SET_HELP = "override a field, e.g. --set members.Luton CCG.headcount=300 --set absence.sickness_rate=0.065"
RESULTS_HELP = "where run folders are written (default: $SHAREDHR_RESULTS_DIR or ./results)"


def add_scenario_arguments(parser: argparse.ArgumentParser, optional: bool = True) -> None:
    """Add the SCENARIO positional (the default scenario when omitted)."""
    if optional:
        parser.add_argument(
            "scenario",
            nargs="?",
            default=None,
            help=f"scenario .toml file (default: {DEFAULT_SCENARIO.relative_to(DEFAULT_SCENARIO.parents[1])})",
        )
    else:
        parser.add_argument("scenario", help="scenario .toml file")


def add_shared_options(
    parser: argparse.ArgumentParser,
    command: str,
    *,
    replications: str = "replications (default: the scenario's simulation.replications)",
    replications_default: int | None = None,
    replications_group: argparse._ActionsContainer | None = None,
    workers: str = "worker processes",
    seed: str = "random seed (default: the scenario's simulation.seed)",
    set_help: str = SET_HELP,
    quiet: str = "no progress output on stderr",
    unused: Mapping[str, str] | None = None,
) -> None:
    """Add the options every command accepts (``SHARED_OPTIONS``), with the command's own help texts.

    ``unused`` maps an option (``replications``, ``workers``, ``seed``, ``set``, ``results-dir``, ``quiet``) that the
    command has no use for to the reason, shown in its help. Destinations: ``replications``, ``workers``, ``seed``,
    ``overrides``, ``results_dir``, ``quiet`` (None unless ``-q``, ``--no-progress`` or ``--progress`` is given).
    """
    reasons = dict(unused or {})

    def text(option: str, normal: str) -> str:
        return (
            f"accepted by every command; {command} does not use it: {reasons[option]}" if option in reasons else normal
        )

    (replications_group or parser).add_argument(
        "-n",
        "--replications",
        type=int,
        default=replications_default,
        metavar="N",
        help=text("replications", replications),
    )
    parser.add_argument(
        "-w",
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        metavar="W",
        help=text("workers", f"{workers} (default {DEFAULT_WORKERS}, the same for every command; 1 = in this process)"),
    )
    parser.add_argument("--seed", type=int, default=None, metavar="S", help=text("seed", seed))
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE", help=text("set", set_help)
    )
    parser.add_argument("--results-dir", type=Path, default=None, metavar="DIR", help=text("results-dir", RESULTS_HELP))
    parser.add_argument("-q", "--quiet", action="store_true", default=None, help=text("quiet", quiet))
    # Deprecated spellings, hidden from --help: --no-progress (risk, brief, run, simulate) and --progress (simulate).
    parser.add_argument("--no-progress", dest="quiet", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--progress", dest="quiet", action="store_false", help=argparse.SUPPRESS)


def show_progress(args: argparse.Namespace, default: bool = True) -> bool:
    """Whether to show progress: off with ``-q``, on with the deprecated ``--progress``, else ``default``."""
    quiet = getattr(args, "quiet", None)
    return default if quiet is None else not quiet


def add_overrides_argument(parser: argparse.ArgumentParser, help: str = SET_HELP) -> None:
    """Add the repeatable ``--set PATH=VALUE`` option (stored in ``args.overrides``) alone."""
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE", help=help)


def check_workers(args: argparse.Namespace) -> None:
    """``-w`` must be at least 1 (every command)."""
    from model.scenario import UserError

    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}")


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """Load the scenario named on the command line and apply its ``--set`` overrides."""
    scenario = load_scenario(args.scenario)
    overrides = getattr(args, "overrides", None) or []
    return apply_overrides(scenario, overrides) if overrides else scenario


def with_seed(scenario: Scenario, seed: int | None) -> Scenario:
    """``scenario`` with ``simulation.seed`` set to ``seed`` (unchanged when None): ``--seed`` for the commands whose
    simulations read the seed from the scenario (optimise's and tariffs' verification, validate)."""
    if seed is None:
        return scenario
    return scenario.model_copy(update={"simulation": scenario.simulation.model_copy(update={"seed": seed})})


def shown_path(path: Path | str) -> str:
    """A path as commands print it: relative to the current folder when inside it, else absolute."""
    full = Path(path).resolve()
    try:
        return str(full.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(full)
