"""Arguments and printing shared by the paired-simulation commands (risk, staffing, compare, sensitivity); this
module registers no command itself."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from model.commands._common import add_shared_options
from model.reporting import format_table

if TYPE_CHECKING:
    import pandas as pd


def add_replication_arguments(
    parser: argparse.ArgumentParser, command: str, default_help: str = "the scenario's", **shared: Any
) -> None:
    """The shared options (``model.commands._common.add_shared_options``; common random numbers need one seed for
    every scenario) and ``--dask``."""
    add_shared_options(
        parser,
        command,
        replications=f"replications per scenario (default: {default_help} simulation.replications)",
        workers="local worker processes for replications",
        seed=f"seed shared by every scenario (default: {default_help})",
        quiet="no progress lines on stderr",
        **shared,
    )
    parser.add_argument(
        "--dask", metavar="ADDRESS", default=None, help="Dask scheduler address (default: $DASK_SCHEDULER_ADDRESS)"
    )


def stderr_progress(enabled: bool = True) -> Callable[[str], None]:
    """A progress callback printing one line per step to stderr (quiet when ``enabled`` is False)."""

    def say(text: str) -> None:
        if enabled:
            print(f"  ... {text}", file=sys.stderr, flush=True)

    return say


def money(value: float) -> str:
    """GBP with thousands separators, or '-' for NaN."""
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:,.0f}"


def fraction(value: float) -> str:
    """A percentage with one decimal, or '-' for NaN."""
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.1%}"


def print_table(title: str, frame: pd.DataFrame, formats: dict[str, object] | None = None) -> None:
    """Print ``title`` and ``frame`` with per-column formatting (a format string or a callable)."""
    shown = frame.copy()
    for column, how in (formats or {}).items():
        if column in shown:
            shown[column] = [how(v) if callable(how) else str(how).format(v) for v in shown[column]]
    print(title)
    print(format_table(shown) if len(shown) else "(none)")
    print()
