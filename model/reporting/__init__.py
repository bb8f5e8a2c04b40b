"""Stage 6, reporting: the board briefing (``briefing``), plots, the Excel tariff schedule, text tables, and the run
folders every command writes into (``results``, with ``stale`` removing what a killed run left). Imports the stages
below it; only ``model.commands`` imports it.

The names below are the stage's public API (what the notebooks and the CLI import); each is imported from its
module on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from model._lazy import lazy_api

_API: dict[str, str] = {
    "BRIEF_SCRATCH_PATTERN": "stale",
    "BRIEF_SCRATCH_PREFIX": "stale",
    "RunFolder": "results",
    "RunSubfolder": "results",
    "display_name": "tables",
    "format_table": "tables",
    "git_commit": "results",
    "morris_figure": "risk_plots",
    "package_versions": "results",
    "portable_argv": "results",
    "remove_stale": "stale",
    "report_removed": "stale",
    "results_root": "results",
    "risk_figure": "risk_plots",
    "slug": "results",
    "storage_error": "results",
    "tornado_figures": "risk_plots",
    "write_tariff_schedule": "excel",
}

__all__ = [
    "BRIEF_SCRATCH_PATTERN",
    "BRIEF_SCRATCH_PREFIX",
    "RunFolder",
    "RunSubfolder",
    "display_name",
    "format_table",
    "git_commit",
    "morris_figure",
    "package_versions",
    "portable_argv",
    "remove_stale",
    "report_removed",
    "results_root",
    "risk_figure",
    "slug",
    "storage_error",
    "tornado_figures",
    "write_tariff_schedule",
]
__getattr__, __dir__ = lazy_api(__name__, _API)

if TYPE_CHECKING:
    from model.reporting.excel import write_tariff_schedule
    from model.reporting.results import (
        RunFolder,
        RunSubfolder,
        git_commit,
        package_versions,
        portable_argv,
        results_root,
        slug,
        storage_error,
    )
    from model.reporting.risk_plots import morris_figure, risk_figure, tornado_figures
    from model.reporting.stale import BRIEF_SCRATCH_PATTERN, BRIEF_SCRATCH_PREFIX, remove_stale, report_removed
    from model.reporting.tables import display_name, format_table
