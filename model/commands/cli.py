"""Command-line interface (``sharedhr`` / ``python -m model``).

Subcommands live one per module in ``model/commands/``; each exposes ``register(subparsers)``, which adds its parser
and sets ``handler`` to a function ``(args) -> exit code``. They are discovered automatically, so adding a command
touches no shared file. Bad input raises ``UserError``: printed as ``error: ...`` lines on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

import model.commands
from model import __version__
from model.scenario import UserError
from model.simulation import handle_termination, interrupt_exit_code

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every discovered subcommand."""
    parser = argparse.ArgumentParser(
        prog="sharedhr",
        description=(
            "Simulate, optimise and price an HR service shared by NHS organisations. "
            "Time is in working days, money in pounds per year."
        ),
    )
    parser.add_argument("--version", action="version", version=f"sharedhr {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(model.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"model.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        with handle_termination():
            return int(handler(args) or EXIT_OK)
    except UserError as error:
        for line in error.problems:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_USAGE
    except (
        KeyboardInterrupt
    ) as error:  # Ctrl-C, or SIGTERM (model.simulation.processes.Terminated): what was started is removed
        print(f"interrupted ({error.args[0] if error.args else 'SIGINT'}); nothing was kept", file=sys.stderr)
        return interrupt_exit_code(error)
    except BrokenPipeError:
        # The reader went away (``sharedhr game ... | head``): stop quietly, as a killed pipeline member would.
        _silence_stdout()
        return EXIT_PIPE
    except OSError as error:  # a fault of the machine (disk full, permissions) outside a run folder: one line
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURE


EXIT_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a pipeline member stopped by a closed pipe


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not raise BrokenPipeError again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
