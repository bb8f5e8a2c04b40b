"""Figures for the board briefing (matplotlib, Agg backend: no screen needed).

Every function takes plain tables (pandas DataFrames with the columns named in its docstring), returns a
``matplotlib.figure.Figure`` and labels every axis with its unit ("working days", "GBP per year", "fraction of cases
within KPI"), because boards read pictures without the code that made them. ``save_figure`` writes a PNG.
Colours come from one fixed palette so a member keeps its colour from figure to figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on servers, CI or inside the notebook kernel

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402

GBP_PER_YEAR = "GBP per year"
WORKING_DAYS = "working days"
KPI_FRACTION = "fraction of cases within KPI"
HOURS_PER_YEAR = "hours per year"

PALETTE = [
    "#005EB8",  # NHS blue
    "#DA291C",  # NHS emergency red
    "#009639",  # NHS green
    "#ED8B00",  # NHS orange
    "#7C2855",  # NHS plum
    "#00A499",  # NHS aqua green
    "#425563",  # NHS dark grey
    "#FFB81C",  # NHS warm yellow
    "#330072",  # NHS purple
    "#41B6E6",  # NHS light blue
]


def colour_for(index: int) -> str:
    """The palette colour for the ``index``-th member or series (cycles after ten)."""
    return PALETTE[index % len(PALETTE)]


def _pounds(value: float, _position: object = None) -> str:
    """Tick label in pounds: 12,345 -> "£12k"; 1,234,567 -> "£1.23m"."""
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    if magnitude >= 1e6:
        return f"{sign}£{magnitude / 1e6:,.2f}m"
    if magnitude >= 1e3:
        return f"{sign}£{magnitude / 1e3:,.0f}k"
    return f"{sign}£{magnitude:,.0f}"


POUNDS = FuncFormatter(_pounds)


def save_figure(figure: Figure, path: str | Path, dpi: int = 120) -> Path:
    """Write ``figure`` as a PNG at ``path`` (parent folders created) and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, dpi=dpi, bbox_inches="tight", facecolor="white")
    return target


def close(figure: Figure) -> None:
    """Release a figure's memory (pyplot keeps every open figure alive otherwise)."""
    plt.close(figure)


def cost_breakdown(costs: pd.Series, title: str = "What the shared service costs a year") -> Figure:
    """Horizontal bars of the annual cost components; ``costs`` maps component name -> pounds per year."""
    figure, axis = plt.subplots(figsize=(7.5, 0.55 * len(costs) + 1.4))
    labels = list(costs.index)[::-1]
    values = np.asarray(costs.to_numpy(dtype=float))[::-1]
    bars = axis.barh(labels, values, color=PALETTE[0])
    axis.bar_label(bars, labels=[_pounds(v) for v in values], padding=3, fontsize=9)
    axis.set_xlabel(f"Cost ({GBP_PER_YEAR})")
    axis.set_ylabel("Cost component")
    axis.xaxis.set_major_formatter(POUNDS)
    axis.set_xlim(0, max(values.max(), 1.0) * 1.2)
    axis.set_title(title)
    axis.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure


def workload_vs_capacity(table: pd.DataFrame, title: str = "Expected workload against host capacity") -> Figure:
    """Paired bars per skill: ``demand_hours_per_year`` against ``capacity_hours_per_year`` (hours per year).

    ``table`` has columns ``skill``, ``demand_hours_per_year``, ``capacity_hours_per_year``.
    """
    figure, axis = plt.subplots(figsize=(8, 4.2))
    positions = np.arange(len(table))
    width = 0.38
    axis.bar(positions - width / 2, table["demand_hours_per_year"], width, label="expected work", color=PALETTE[3])
    axis.bar(
        positions + width / 2,
        table["capacity_hours_per_year"],
        width,
        label="host case-work capacity",
        color=PALETTE[0],
    )
    axis.set_xticks(positions, [str(s).replace("_", " ") for s in table["skill"]], rotation=20, ha="right")
    axis.set_xlabel("Skill")
    axis.set_ylabel(f"Staff time ({HOURS_PER_YEAR})")
    axis.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    axis.legend(frameon=False)
    axis.set_title(title)
    axis.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure


def grouped_bars(
    table: pd.DataFrame,
    category: str,
    series: Sequence[str],
    labels: Sequence[str] | None = None,
    title: str = "",
    xlabel: str = "Member",
    ylabel: str = f"Annual charge ({GBP_PER_YEAR})",
) -> Figure:
    """Grouped bars: one group per row of ``table[category]``, one bar per column in ``series`` (pounds per year).

    Used for per-capita against fair tariffs, and for stand-alone against shared costs per member.
    """
    labels = list(labels) if labels is not None else [s.replace("_", " ") for s in series]
    figure, axis = plt.subplots(figsize=(max(7.0, 1.6 * len(table) + 2), 4.8))
    positions = np.arange(len(table))
    width = 0.8 / max(len(series), 1)
    for index, (column, label) in enumerate(zip(series, labels, strict=True)):
        offset = (index - (len(series) - 1) / 2) * width
        axis.bar(positions + offset, table[column].to_numpy(dtype=float), width, label=label, color=colour_for(index))
    axis.set_xticks(positions, [_wrap(str(name)) for name in table[category]])
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.yaxis.set_major_formatter(POUNDS)
    axis.legend(frameon=False, fontsize=9, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(len(series), 5))
    axis.set_title(title, pad=26)
    axis.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure


def _wrap(text: str, width: int = 14) -> str:
    """Break a long label onto two or more lines at spaces."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def kpi_attainment(
    table: pd.DataFrame,
    targets: dict[str, float] | None = None,
    title: str = "KPI attainment by member, per bi-monthly review",
    period_label: str = "Review period (months from start)",
) -> Figure:
    """One panel per service: mean fraction of cases within the KPI per review period, one line per member, with
    its confidence band (``ci_low`` to ``ci_high``) shaded and the service's target as a dashed line.

    ``table`` columns: ``service``, ``member``, ``period`` (number, months from start, or label), ``mean``,
    ``ci_low``, ``ci_high`` (fractions 0-1). ``targets`` maps service -> target fraction.
    """
    services = list(dict.fromkeys(table["service"]))
    members = list(dict.fromkeys(table["member"]))
    columns = 2 if len(services) > 1 else 1
    rows = math.ceil(len(services) / columns) or 1
    figure, axes = plt.subplots(
        rows, columns, figsize=(6.2 * columns, 3.0 * rows + 1.0), squeeze=False, sharey=True, layout="constrained"
    )
    lowest = [float(np.nanmin(table["ci_low"])) if table["ci_low"].notna().any() else 1.0]
    lowest += [float(np.nanmin(table["mean"]))] + list((targets or {}).values())
    floor = max(0.0, math.floor((min(lowest) - 0.05) * 10) / 10)  # start the axis near the data, not always at 0
    for index, service in enumerate(services):
        axis = axes[index // columns][index % columns]
        part = table[table["service"] == service]
        for m_index, member in enumerate(members):
            line = part[part["member"] == member].sort_values("period")
            if line.empty:
                continue
            x = line["period"].to_numpy()
            colour = colour_for(m_index)
            axis.plot(x, line["mean"], marker="o", markersize=3, color=colour, label=member)
            low, high = line["ci_low"].to_numpy(dtype=float), line["ci_high"].to_numpy(dtype=float)
            if np.isfinite(low).any():
                axis.fill_between(x, np.clip(low, 0, 1), np.clip(high, 0, 1), color=colour, alpha=0.15, linewidth=0)
        if targets and service in targets:
            axis.axhline(targets[service], color="black", linestyle="--", linewidth=1, label="target")
        axis.set_title(str(service).replace("_", " "), fontsize=10)
        if pd.api.types.is_datetime64_any_dtype(part["period"]):
            locator = mdates.AutoDateLocator()
            axis.xaxis.set_major_locator(locator)
            axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        axis.set_ylim(floor, 1.02)
        axis.yaxis.set_major_formatter(PercentFormatter(1.0))
        axis.set_xlabel(period_label, fontsize=9)
        axis.set_ylabel(KPI_FRACTION, fontsize=9)
        axis.grid(alpha=0.3)
    for index in range(len(services), rows * columns):
        axes[index // columns][index % columns].set_visible(False)
    seen: dict[str, object] = {}
    for axis in axes.flat:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    figure.suptitle(title)
    if seen:
        figure.legend(
            list(seen.values()),
            list(seen.keys()),
            loc="outside lower center",
            ncol=min(len(seen), 6),
            frameon=False,
            fontsize=9,
        )
    return figure


def tornado(
    table: pd.DataFrame,
    base: float,
    xlabel: str,
    title: str = "What moves the result most",
) -> Figure:
    """Tornado chart: for each input (``parameter``), the output at its ``low`` and ``high`` setting, as bars from
    the ``base`` value, largest swing on top. ``xlabel`` must name the output and its unit."""
    frame = table.copy()
    frame["swing"] = (frame["high"] - frame["low"]).abs()
    frame = frame.sort_values("swing")
    figure, axis = plt.subplots(figsize=(8, 0.45 * len(frame) + 1.6))
    positions = np.arange(len(frame))
    low = frame["low"].to_numpy(dtype=float)
    high = frame["high"].to_numpy(dtype=float)
    axis.barh(positions, low - base, left=base, color=PALETTE[0], label="input at its low value")
    axis.barh(positions, high - base, left=base, color=PALETTE[3], label="input at its high value")
    axis.axvline(base, color="black", linewidth=1)
    labels = [str(p).replace("_", " ") for p in frame.get("label", frame["parameter"])]
    axis.set_yticks(positions, labels, fontsize=9)
    axis.set_ylabel("Input varied")
    axis.set_xlabel(xlabel)
    if "GBP" in xlabel:
        axis.xaxis.set_major_formatter(POUNDS)
    elif "fraction" in xlabel:
        axis.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    axis.legend(frameon=False, fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    axis.set_title(title)
    axis.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure


def distribution(
    values: Sequence[float] | np.ndarray,
    xlabel: str,
    title: str,
    markers: dict[str, float] | None = None,
) -> Figure:
    """Histogram of simulated outcomes (one per replication) with labelled vertical markers (e.g. mean, P95)."""
    data = np.asarray(values, dtype=float)
    figure, axis = plt.subplots(figsize=(7.5, 3.8))
    axis.hist(data, bins=max(5, min(30, int(math.sqrt(max(len(data), 1))) * 2)), color=PALETTE[0], alpha=0.8)
    for index, (label, value) in enumerate((markers or {}).items()):
        axis.axvline(value, color=colour_for(index + 1), linestyle="--", label=label)
    axis.set_xlabel(xlabel)
    axis.set_ylabel("Number of replications")
    if "GBP" in xlabel:
        axis.xaxis.set_major_formatter(POUNDS)
    if markers:
        axis.legend(frameon=False, fontsize=9)
    axis.set_title(title)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def line_chart(
    table: pd.DataFrame,
    x: str,
    series: Sequence[str],
    xlabel: str,
    ylabel: str,
    title: str,
    labels: Sequence[str] | None = None,
    bands: dict[str, tuple[str, str]] | None = None,
) -> Figure:
    """Lines of ``series`` columns against ``x``, optional shaded bands ``{series: (low column, high column)}``."""
    labels = list(labels) if labels is not None else [s.replace("_", " ") for s in series]
    figure, axis = plt.subplots(figsize=(7.5, 4))
    for index, (column, label) in enumerate(zip(series, labels, strict=True)):
        axis.plot(table[x], table[column], marker="o", markersize=3, color=colour_for(index), label=label)
        if bands and column in bands:
            low, high = bands[column]
            axis.fill_between(table[x], table[low], table[high], color=colour_for(index), alpha=0.15, linewidth=0)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    if "GBP" in ylabel:
        axis.yaxis.set_major_formatter(POUNDS)
    if "fraction" in ylabel:
        axis.yaxis.set_major_formatter(PercentFormatter(1.0))
    axis.legend(frameon=False, fontsize=9)
    axis.set_title(title)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure
