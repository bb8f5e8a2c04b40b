"""Display (the only IPython-facing part) and run-folder output of the briefing: ``show`` a section in a notebook, its
tables as CSV, the status file, and the finance workbook.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from model.reporting import plots
from model.reporting.briefing.context import (
    Briefing,
    Section,
    _money,
    contribution_rate,
    figure_png,
    pretty,
    table_html,
)
from model.reporting.briefing.results import tariff_result
from model.reporting.briefing.scenario_sections import assumptions_table
from model.reporting.briefing.sections import computed_sections, section
from model.scenario.escaping import html_text, write_csv


def show(section: Section, plots_dir: str | Path | None = None, heading_level: int = 2) -> None:
    """Display a section in a notebook: heading, text, "Not yet available" lines, tables and figures. Figures are
    also written as ``<plots_dir>/<section>_<name>.png`` when ``plots_dir`` is given, then closed."""
    from IPython.display import HTML, Image, Markdown, display

    display(Markdown(f"{'#' * heading_level} {html_text(section.title)}"))
    if section.text:
        display(Markdown(html_text(section.text)))
    for line in section.missing:
        display(HTML(f'<p class="not-yet"><strong>{html_text(line)}</strong></p>'))
    for table in section.tables.values():
        display(HTML(table_html(table)))
    for name, figure in section.figures.items():
        png = figure_png(figure)
        if plots_dir is not None:
            target = Path(plots_dir) / f"{section.key}_{name}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(png)
        display(Image(data=png, format="png"))
        plots.close(figure)
    for note in section.notes:
        display(Markdown(f"*{html_text(note)}*"))


def write_section_tables(section: Section, output_dir: str | Path) -> list[Path]:
    """Write a section's tables as CSV files ``<output_dir>/tables/<section>_<name>.csv`` (text cells neutralised
    against formula injection by ``model.scenario.escaping.write_csv``)."""
    written = []
    folder = Path(output_dir) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in section.tables.items():
        target = folder / f"{section.key}_{name}.csv"
        written.append(write_csv(table, target))
    return written


def missing_report(sections: Sequence[Section]) -> list[str]:
    """Every "Not yet available" line of ``sections``, in order."""
    return [line for section in sections for line in section.missing]


UNIT_MARKERS = ("GBP", "working days", "fraction of cases", "hours per year", "(%)", "month", "per year", "FTE")


def figure_labels(figure: Figure) -> list[dict[str, str]]:
    """Title, x label and y label of every visible axis of ``figure`` (what the reader sees as units)."""
    return [
        {"title": axis.get_title(), "xlabel": axis.get_xlabel(), "ylabel": axis.get_ylabel()}
        for axis in figure.axes
        if axis.get_visible() and axis.has_data()
    ]


def unlabelled_axes(figure: Figure) -> list[str]:
    """Axes of ``figure`` whose x and y labels name no unit (``UNIT_MARKERS``); empty when every axis is labelled."""
    bad = []
    for label in figure_labels(figure):
        text = f"{label['xlabel']} {label['ylabel']}"
        if not any(marker in text for marker in UNIT_MARKERS):
            bad.append(label["title"] or "(untitled axis)")
    return bad


def write_status(sections: Sequence[Section], output_dir: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write ``briefing_status.json``: which sections are complete, what is not yet available, and the axis labels
    of every figure (so a test can check the units without re-running the model)."""
    status = {
        **(extra or {}),
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "available": s.available,
                "missing": s.missing,
                "figures": {name: figure_labels(figure) for name, figure in s.figures.items()},
                "unlabelled_axes": {name: unlabelled_axes(f) for name, f in s.figures.items() if unlabelled_axes(f)},
            }
            for s in sections
        ],
        "missing": missing_report(sections),
    }
    target = Path(output_dir) / "briefing_status.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(status, indent=2) + "\n", encoding="utf-8")
    return target


def finance_tables(briefing: Briefing) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The finance workbook's tables: (member x service schedule of the adopted tariff, per-member summary of every
    tariff, name of the adopted method), pounds per year.

    The schedule is the scenario's ``tariff.method`` when the tariff model computes it (per-capita by default),
    else today's contributions spread over services (``assessed_share``). Without the tariff model the schedule
    holds each member's per-capita contribution as a single ``Total`` column."""
    scenario = briefing.scenario
    try:
        result = tariff_result(briefing)
    except Exception:  # noqa: BLE001 - the tariff section says why; finance still gets today's charges
        result = None
    if result is None:
        rate = contribution_rate(scenario)
        schedule = pd.DataFrame(
            {"Total": [rate * m.headcount for m in scenario.members]},
            index=pd.Index(scenario.member_names, name="member"),
        )
        summary_table = pd.DataFrame(
            [
                {"Member": m.name, "Headcount": m.headcount, "Per-capita (GBP per year)": rate * m.headcount}
                for m in scenario.members
            ]
        )
        return schedule, summary_table, "per_capita (today's rate; the tariff model is not available)"
    method = scenario.tariff.method
    methods = set(result.by_member_service["method"])
    adopted = method if method in methods else "today"
    schedule = result.service_matrix(adopted)
    schedule.columns = [str(c) if str(c) == "Total" else pretty(str(c)) for c in schedule.columns]
    summary_table = section(briefing, "tariffs").tables["tariffs"].copy()
    return schedule, summary_table, adopted


def finance_notes(briefing: Briefing, adopted: str) -> list[tuple[str, str]]:
    """The Notes sheet's first rows: units, method, scenario identity (its SHA-256 is the one in manifest.json)."""
    scenario = briefing.scenario
    rate = contribution_rate(scenario)
    tariffs = section(briefing, "tariffs")
    notes = [
        ("Scenario", scenario.name),
        ("Scenario SHA-256", f"{scenario.content_hash()} (as scenario_sha256 in the run's manifest.json)"),
        # the file's name only: where it lived on someone's disk is no part of the record (name and hash are)
        ("Scenario file", Path(briefing.scenario_path).name if briefing.scenario_path else "the default scenario"),
        ("Units", "Pounds sterling per year (GBP per year) at full membership (the last simulated month)."),
        (
            "Tariff schedule",
            f"Method '{adopted}' (scenario tariff method '{scenario.tariff.method}', today's rate {_money(rate)} per "
            f"head, surplus rule '{scenario.tariff.surplus_rule}'). Rows: members; columns: services, "
            "host overhead and, when charged, the host risk premium.",
        ),
        (
            "Summary",
            "Each member's annual charge under every tariff the model computes, all splitting the same efficient "
            "cost of the recommended service catalogue, beside its cost going alone and today's net payment.",
        ),
        ("Totals", "Totals are sums of the unrounded amounts; cells show whole pounds."),
    ]
    notes += [("Model note", note) for note in tariffs.notes]
    notes += [("Not yet available", line.split(": ", 1)[1]) for line in tariffs.missing]
    return notes


def write_finance_workbook(briefing: Briefing, path: str | Path) -> Path:
    """Write ``tariffs.xlsx`` (see ``model.reporting.excel``): schedule by member and service, summary, notes with sources."""
    from model.reporting import excel

    schedule, summary_table, adopted = finance_tables(briefing)
    return excel.write_tariff_schedule(
        path,
        schedule=schedule,
        summary=summary_table,
        notes=finance_notes(briefing, adopted),
        assumptions=assumptions_table(briefing.scenario),
    )


def write_outputs(briefing: Briefing, excel_name: str | None = "tariffs.xlsx") -> dict[str, Path]:
    """Write what the run folder keeps besides the notebook, into ``briefing.output_dir``: the tables of every section
    computed so far (CSV), ``briefing_status.json`` and (unless ``excel_name`` is None) the finance workbook.
    Returns the paths (empty when no output folder is set)."""
    if briefing.output_dir is None:
        return {}
    folder = Path(briefing.output_dir)
    if excel_name:
        section(briefing, "tariffs")
    sections = computed_sections(briefing)
    for computed in sections:
        write_section_tables(computed, folder)
    status = write_status(
        sections,
        folder,
        extra={
            "scenario": briefing.scenario.name,
            "scenario_sha256": briefing.scenario.content_hash(),
            "replications": briefing.n_replications,
            "seed": briefing.run_seed,
            # Which interpreter ran the notebook, without recording where it lives on this disk: its version and
            # a SHA-256 of its resolved path (a test compares it with the caller's).
            "kernel_python": f"Python {sys.version.split()[0]}",
            "kernel_interpreter_sha256": hashlib.sha256(str(Path(sys.executable).resolve()).encode()).hexdigest(),
        },
    )
    written = {"status": status, "tables": folder / "tables"}
    if excel_name:
        written["excel"] = write_finance_workbook(briefing, folder / excel_name)
    return written


BRIEFING_CSS = """
<style>
  table.briefing-table { border-collapse: collapse; margin: 0.5em 0 1.2em; font-size: 0.95em; }
  .jp-RenderedHTMLCommon table.briefing-table th, table.briefing-table th {
    background: #005EB8; color: white; padding: 4px 10px; text-align: left; vertical-align: bottom; }
  .jp-RenderedHTMLCommon table.briefing-table td, table.briefing-table td {
    padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: left; }
  .not-yet { color: #8a1c1c; background: #fbeaea; padding: 6px 10px; border-left: 4px solid #DA291C; }
</style>
"""


def show_style() -> None:
    """Display the briefing's table and notice styles (once per notebook; ``show_title`` includes it)."""
    from IPython.display import HTML, display

    display(HTML(BRIEFING_CSS))


def show_title(briefing: Briefing, title: str = "Board briefing") -> None:
    """Display the briefing's title block: scenario, run settings and the page style (notebook only)."""
    from IPython.display import HTML, Markdown, display

    scenario = briefing.scenario
    display(HTML(BRIEFING_CSS))
    display(Markdown(f"# {html_text(title)}: {html_text(scenario.name)}"))
    display(
        Markdown(
            f"*Scenario {html_text(scenario.name)}, simulated from {scenario.simulation.start} for "
            f"{scenario.simulation.horizon_months} months; {briefing.n_replications} replications, seed "
            f"{briefing.run_seed}. Money in pounds per year, time in working days.*"
        )
    )


def plots_dir(briefing: Briefing) -> Path | None:
    """Where figures are written: ``<output_dir>/plots`` (None when the briefing has no output folder)."""
    return Path(briefing.output_dir) / "plots" if briefing.output_dir is not None else None


def display_section(briefing: Briefing, key: str, heading_level: int = 2) -> Section:
    """Compute (once) and display section ``key``, saving its figures to ``plots_dir``. What a notebook cell calls."""
    computed = section(briefing, key)
    show(computed, plots_dir(briefing), heading_level=heading_level)
    return computed


def show_missing(briefing: Briefing) -> None:
    """Display what this briefing could not show yet (every "Not yet available" line), or say that it is complete."""
    from IPython.display import HTML, Markdown, display

    lines = missing_report(computed_sections(briefing))
    display(Markdown("## What is not in this briefing yet"))
    if not lines:
        display(Markdown("Every section of this briefing is complete."))
        return
    items = "".join(f"<li>{html_text(line)}</li>" for line in lines)
    display(HTML(f'<ul class="not-yet-list">{items}</ul>'))
