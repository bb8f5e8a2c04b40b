"""Alt text and data tables for the briefing's figures, written from the numbers each figure plots.

A reader who cannot see a chart (a screen-reader user, a board member reading a text-only copy) gets the same
message as a sighted reader: what the chart shows and its main finding, in one or two sentences (``FigureText.alt``),
and the table of the numbers it plots (``FigureText.table``, units in the column names, ``FigureText.caption``).

Every writer is a pure function of plain data (pandas tables, dicts of numbers): the same data the plotting function
in ``model.reporting.plots`` (or ``model.reporting.risk_plots``: ``risk_figure``, ``tornado_figures``) is given. ``describe``
picks the writer for each figure of a briefing section from that section's data, and ``fallback_text`` describes a
figure no writer knows from its title and axis labels, so no image is ever left without a description.

Money in pounds per year, KPI attainment as fractions (shown as percentages). The text returned is plain text: the
caller escapes it for HTML (``model.reporting.accessible.figure_html`` does).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

PCT = "(%)"  # as model.reporting.briefing.PCT: values are fractions, shown as percentages


@dataclass(frozen=True)
class FigureText:
    """What a figure says in words: ``alt`` (what it shows and its main message), and the ``table`` of the numbers
    it plots with its ``caption`` (units in the column names, as the briefing's other tables)."""

    alt: str
    caption: str
    table: pd.DataFrame


def money(value: float) -> str:
    """``£12,345`` (whole pounds; negative as ``-£12,345``)."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    rounded = round(float(value))
    return f"-£{abs(rounded):,.0f}" if rounded < 0 else f"£{rounded:,.0f}"


def percent(value: float) -> str:
    """A fraction as a percentage: 0.934 -> ``93%``; one decimal below 10% and where it matters (0.995 -> 99.5%)."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    number = float(value)
    whole = f"{number:.0%}"
    if abs(number) < 0.1 or (whole == "100%" and number < 1.0) or (whole == "0%" and number > 0.0):
        return f"{number:.1%}"
    return whole


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# ---------------------------------------------------------------------------------------------------------------------
# Writers, one per kind of figure


def cost_breakdown_text(costs: Mapping[str, float] | pd.Series, what: str = "the shared service") -> FigureText:
    """Horizontal bars of annual cost components (``model.reporting.plots.cost_breakdown``): total, largest and smallest."""
    series = pd.Series(costs, dtype=float)
    total = float(series.sum())
    ordered = series.sort_values(ascending=False)
    largest, smallest = ordered.index[0], ordered.index[-1]
    share = ordered.iloc[0] / total if total else math.nan
    alt = (
        f"Bar chart of what {what} costs a year, {money(total)} in all, in {_count(len(series), 'component')}. "
        f"The largest is {str(largest).lower()} at {money(ordered.iloc[0])} ({percent(share)} of the total)"
        + (f"; the smallest is {str(smallest).lower()} at {money(ordered.iloc[-1])}." if len(series) > 1 else ".")
    )
    table = pd.DataFrame(
        {
            "Cost component": list(series.index),
            "Cost (GBP per year)": series.to_numpy(),
            f"Share of the total {PCT}": series.to_numpy() / total if total else np.nan,
        }
    )
    return FigureText(alt, "Annual cost by component (the numbers in the bar chart)", table)


def grouped_bars_text(
    table: pd.DataFrame,
    category: str,
    series: Sequence[str],
    labels: Sequence[str],
    title: str,
    unit: str = "GBP per year",
) -> FigureText:
    """Grouped bars, one group per row of ``table[category]`` and one bar per column of ``series``
    (``model.reporting.plots.grouped_bars``).

    With two series (e.g. going alone against sharing) the message is for how many groups the second is below the
    first, and the largest gap; with more (tariffs) it is, for each group, where its bar is lowest and highest."""
    names = [str(name) for name in table[category]]
    values = table[list(series)].to_numpy(dtype=float)
    labels = list(labels)
    groups = _count(len(names), category.lower())
    what = f"Grouped bar chart: {title.rstrip('.')}, one group of {_count(len(series), 'bar')} for each of {groups}"
    if len(series) == 2:
        first, second = labels
        lower = [name for name, row in zip(names, values, strict=True) if row[1] < row[0]]
        gaps = values[:, 0] - values[:, 1]
        biggest = int(np.nanargmax(np.abs(gaps)))
        gap = gaps[biggest]
        message = (
            f"{second[:1].upper() + second[1:]} is lower than {first} for {len(lower)} of {len(names)} "
            f"{category.lower()}s"
            + (f" ({_join(lower)})" if lower and len(lower) < len(names) else "")
            + f". The largest difference is for {names[biggest]}: {money(abs(gap))} "
            + ("less" if gap > 0 else "more")
            + f" than {first} ({money(values[biggest, 1])} against {money(values[biggest, 0])})."
        )
    else:
        parts = []
        for name, row in zip(names, values, strict=True):
            low, high = np.nanmin(row), np.nanmax(row)
            lowest = [label for label, v in zip(labels, row, strict=True) if abs(v - low) < 0.5]
            highest = [label for label, v in zip(labels, row, strict=True) if abs(v - high) < 0.5]
            parts.append(f"{name}: lowest {_join(lowest)} ({money(low)}), highest {_join(highest)} ({money(high)})")
        message = "; ".join(parts) + "."
    data = pd.DataFrame({category: names})
    for column, label in zip(series, labels, strict=True):
        data[f"{label[:1].upper() + label[1:]} ({unit})"] = table[column].to_numpy(dtype=float)
    return FigureText(f"{what}. {message}", f"{title.rstrip('.')} (the numbers in the bar chart)", data)


def _period_words(period: Any, months: int) -> str:
    """A review period for the reader: a start month of 2018-08 over two months -> ``Aug-Sep 2018``."""
    if isinstance(period, pd.Timestamp | np.datetime64) or hasattr(period, "strftime"):
        start = pd.Timestamp(period)
        end = start + pd.DateOffset(months=max(months, 1) - 1)
        if months <= 1:
            return start.strftime("%b %Y")
        if start.year == end.year:
            return f"{start:%b}–{end:%b %Y}"
        return f"{start:%b %Y}–{end:%b %Y}"
    return str(period)


def kpi_attainment_text(
    table: pd.DataFrame, targets: Mapping[str, float] | None = None, months_per_period: int = 2
) -> FigureText:
    """KPI attainment per review period, one panel per service and one line per member (``model.reporting.plots.kpi_attainment``).

    ``table`` columns: ``service``, ``member``, ``period``, ``mean``, ``ci_low``, ``ci_high`` (fractions). The message
    for each service: in how many member review periods the mean attainment met the target, and the lowest point
    (value, member, period)."""
    targets = dict(targets or {})
    frame = table.dropna(subset=["mean"])
    services = list(dict.fromkeys(frame["service"]))
    members = list(dict.fromkeys(frame["member"]))
    sentences = []
    for service in services:
        part = frame[frame["service"] == service]
        worst = part.loc[part["mean"].astype(float).idxmin()]
        lowest = (
            f"the lowest was {percent(worst['mean'])} for {worst['member']} in "
            f"{_period_words(worst['period'], months_per_period)}"
        )
        if service in targets:
            met = int((part["mean"].astype(float) >= targets[service] - 1e-12).sum())
            sentences.append(
                f"{service} met its {percent(targets[service])} target in {met} of "
                f"{_count(len(part), 'member review period')}; {lowest}."
            )
        else:
            sentences.append(f"{service}: {lowest}.")
    alt = (
        f"Line charts of the share of cases completed within the KPI, one panel for each of "
        f"{_count(len(services), 'service')}, one line for each of {_count(len(members), 'member')}, per review "
        f"period, with 95% confidence bands and each service's target. " + " ".join(sentences)
    )
    data = pd.DataFrame(
        {
            "Service": frame["service"].to_numpy(),
            "Member": frame["member"].to_numpy(),
            "Review period": [_period_words(p, months_per_period) for p in frame["period"]],
            f"Cases within KPI, mean {PCT}": frame["mean"].to_numpy(dtype=float),
            f"95% interval, low {PCT}": frame["ci_low"].to_numpy(dtype=float),
            f"95% interval, high {PCT}": frame["ci_high"].to_numpy(dtype=float),
            f"Target {PCT}": [targets.get(s, math.nan) for s in frame["service"]],
        }
    )
    return FigureText(alt, "KPI attainment by service, member and review period (the numbers in the charts)", data)


def tornado_text(
    table: pd.DataFrame, base: float, output: str, low: float = 0.8, high: float = 1.2, unit: str = "GBP per year"
) -> FigureText:
    """A tornado chart (``model.reporting.plots.tornado``): the output with each input at ``low`` and ``high`` times its value.

    ``table`` columns: ``label`` (or ``parameter``), ``low``, ``high`` (output values). ``unit``: ``GBP per year``
    or ``fraction`` (shown as percentages). The message: the input that moves the output most, its range around the
    base, and how many inputs leave it unchanged."""
    show = money if "GBP" in unit else percent
    names = [str(n) for n in (table["label"] if "label" in table else table["parameter"])]
    frame = pd.DataFrame({"Input": names, "low": table["low"].to_numpy(float), "high": table["high"].to_numpy(float)})
    frame["swing"] = (frame["high"] - frame["low"]).abs()
    frame = frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    tolerance = 0.5 if "GBP" in unit else 5e-4
    flat = int((frame["swing"] < tolerance).sum())
    top = frame.iloc[0]
    if top["swing"] < tolerance:
        message = f"None of the {len(frame)} inputs moves it noticeably from {show(base)}."
    else:
        message = (
            f"{top['Input'][:1].upper() + top['Input'][1:]} moves it most: from {show(top['low'])} to "
            f"{show(top['high'])} around the base of {show(base)}"
            + (
                f"; the next, {frame.iloc[1]['Input']}, from {show(frame.iloc[1]['low'])} to "
                f"{show(frame.iloc[1]['high'])}"
                if len(frame) > 1 and frame.iloc[1]["swing"] >= tolerance
                else ""
            )
            + "."
            + (f" {flat} of the {len(frame)} inputs leave it unchanged." if flat else "")
        )
    alt = (
        f"Tornado chart of {output[:1].lower() + output[1:]} with each of {_count(len(frame), 'input')} set to "
        f"{low:g} and {high:g} times its value, the others unchanged, largest swing on top. {message}"
    )
    suffix = "GBP per year" if "GBP" in unit else "%"
    data = pd.DataFrame(
        {
            "Input": frame["Input"],
            f"Input x{low:g} ({suffix})": frame["low"],
            f"Input x{high:g} ({suffix})": frame["high"],
            f"Swing ({suffix})": frame["swing"],
        }
    )
    return FigureText(alt, f"{output}: the numbers in the tornado chart (base {show(base)})", data)


def stress_test_text(attainment: Mapping[str, Sequence[float]], host_cost: Mapping[str, Sequence[float]]) -> FigureText:
    """Box plots per scenario of overall KPI attainment and host cost, one value per replication
    (``model.reporting.risk_plots.risk_figure``). Scenario names as in the figure, the first is the base case. The message: the
    scenario with the lowest median attainment and the one with the highest median host cost, against the base."""
    names = list(attainment)
    rows = []
    for name in names:
        a = np.asarray(attainment[name], dtype=float)
        c = np.asarray(host_cost.get(name, []), dtype=float)
        rows.append(
            {
                "Scenario": name,
                f"Cases within KPI, median {PCT}": np.median(a) if a.size else math.nan,
                f"Cases within KPI, lowest run {PCT}": a.min() if a.size else math.nan,
                "Host cost, median (GBP per year)": np.median(c) if c.size else math.nan,
                "Host cost, highest run (GBP per year)": c.max() if c.size else math.nan,
            }
        )
    data = pd.DataFrame(rows)
    base = data.iloc[0]
    attain, cost = data.columns[1], data.columns[3]
    worst = data.loc[data[attain].idxmin()] if data[attain].notna().any() else base
    dearest = data.loc[data[cost].idxmax()] if data[cost].notna().any() else base
    runs = max((len(v) for v in attainment.values()), default=0)
    alt = (
        f"Box plots of the share of cases within KPI and of the cost to the host, over {_count(runs, 'simulated run')}"
        f" of each of {_count(len(names), 'scenario')} ({names[0]} and {_count(len(names) - 1, 'stress test')}). "
        + (
            f"Attainment is lowest under {worst['Scenario']}: median {percent(worst[attain])} against "
            f"{percent(base[attain])} in {base['Scenario']}. "
            if worst["Scenario"] != base["Scenario"] and worst[attain] < base[attain] - 5e-4
            else f"No stress test lowers the median attainment below {percent(base[attain])}. "
        )
        + (
            f"The host's cost is highest under {dearest['Scenario']}: median {money(dearest[cost])} a year against "
            f"{money(base[cost])} in {base['Scenario']}."
            if dearest["Scenario"] != base["Scenario"] and dearest[cost] > base[cost] + 0.5
            else f"No stress test raises the host's median cost above {money(base[cost])} a year."
        )
    )
    return FigureText(alt, "Stress tests: the numbers behind the box plots (per simulated run)", data)


def workload_text(table: pd.DataFrame) -> FigureText:
    """Paired bars per skill of expected work against host case-work capacity, hours per year
    (``model.reporting.plots.workload_vs_capacity``): which skills are over capacity and the busiest one."""
    frame = table.reset_index(drop=True)
    demand = frame["demand_hours_per_year"].to_numpy(dtype=float)
    capacity = frame["capacity_hours_per_year"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        use = np.where(capacity > 0, demand / capacity, np.inf)
    skills = [str(s) for s in frame["skill"]]
    over = [s for s, u in zip(skills, use, strict=True) if u > 1]
    busiest = int(np.argmax(use))
    alt = (
        f"Paired bar chart of expected work against host case-work capacity, hours per year, for each of "
        f"{_count(len(skills), 'skill')}. "
        + (
            f"Work exceeds capacity for {_join(over)}. "
            if over
            else "Capacity exceeds the expected work for every skill. "
        )
        + (f"The busiest is {skills[busiest]}: {demand[busiest]:,.0f} hours of work against {capacity[busiest]:,.0f}.")
    )
    data = pd.DataFrame(
        {
            "Skill": skills,
            "Expected work (hours per year)": demand,
            "Host case-work capacity (hours per year)": capacity,
            f"Work as a share of capacity {PCT}": use,
        }
    )
    return FigureText(alt, "Expected work against host capacity by skill (the numbers in the bar chart)", data)


def fallback_text(figure: Any) -> FigureText:
    """For a figure no writer knows: its title and axis labels (never an empty or placeholder description)."""
    title = ""
    if getattr(figure, "_suptitle", None) is not None:
        title = figure._suptitle.get_text()
    parts = []
    for axis in figure.axes:
        if not (axis.get_visible() and axis.has_data()):
            continue
        title = title or axis.get_title()
        labels = [label for label in (axis.get_xlabel(), axis.get_ylabel()) if label]
        if labels:
            parts.append(" against ".join(reversed(labels)))
    described = f"Chart: {title or 'untitled'}" + (f", showing {_join(list(dict.fromkeys(parts)))}" if parts else "")
    return FigureText(described + ".", "", pd.DataFrame())


# ---------------------------------------------------------------------------------------------------------------------
# The briefing's figures


def describe(section: Any) -> dict[str, FigureText]:
    """``FigureText`` for every figure of a briefing section (``model.reporting.briefing.Section``), from the data the section
    plotted; a figure without a writer gets ``fallback_text``."""
    texts: dict[str, FigureText] = {}
    for name, figure in section.figures.items():
        try:
            text = _describe_one(section, name)
        except Exception:  # noqa: BLE001 - data not as expected: describe the axes rather than stop the briefing
            text = None
        texts[name] = text if text is not None else fallback_text(figure)
    return texts


def _describe_one(section: Any, name: str) -> FigureText | None:
    key, data, tables = section.key, section.data, section.tables
    if key == "headline" and name == "cost_breakdown":
        return cost_breakdown_text(data["breakdown"])
    if key == "demand" and name == "workload":
        from model.reporting.briefing import pretty

        return workload_text(data["workload"].assign(skill=lambda f: [pretty(k) for k in f["skill"]]))
    if key == "catalogue" and name == "savings":
        savings = tables["savings"]
        share = [c for c in savings.columns if c.startswith("Per-capita share")][0]
        return grouped_bars_text(
            savings,
            "Member",
            ["Cost going alone (GBP per year)", share],
            ["going alone", "per-capita share of the shared catalogue"],
            "Annual cost per member: going alone against sharing",
        )
    if key == "tariffs" and name == "tariffs":
        from model.reporting.briefing import TARIFF_COLUMNS

        members = data["result"].member_table()
        shown = [c for c in ("per_capita", "activity_based", "shapley", "nucleolus", "stand_alone") if c in members]
        return grouped_bars_text(
            members.rename(columns={"member": "Member"}),
            "Member",
            shown,
            [TARIFF_COLUMNS[c] for c in shown],
            "Annual charge per member under each tariff",
        )
    if key == "kpis" and name == "kpi_attainment":
        from model.reporting.briefing import PCT as _pct
        from model.reporting.briefing import pretty

        periods = data["periods"]
        rows = periods[periods["service"] != "all"].assign(service=lambda f: [pretty(s) for s in f["service"]])
        attainment = tables["attainment"]
        targets = dict(zip(attainment["Service"], attainment[f"Target {_pct}"], strict=True))
        return kpi_attainment_text(rows, targets)
    if key == "risk" and name == "stress_tests":
        from model.risk.stress import HOST_COST
        from model.risk.whatif import ALL

        measures = data["result"].measures
        overall = measures[(measures["service"] == ALL) & (measures["member"] == ALL)]
        names = list(dict.fromkeys(measures["stress"]))

        def values(measure: str) -> dict[str, list[float]]:
            part = overall[overall["measure"] == measure]
            return {n.replace("_", " "): part[part["stress"] == n]["value"].dropna().tolist() for n in names}

        return stress_test_text(values("sla_attainment"), values(HOST_COST))
    if key == "sensitivity":
        from model.risk.sensitivity import OUTPUT_LABELS

        result = data["result"]
        rows = result.table[result.table["output"] == name]
        label = OUTPUT_LABELS[name]
        return tornado_text(
            rows,
            result.base[name],
            label.split(" (")[0],
            result.low,
            result.high,
            unit="GBP per year" if "GBP" in label else "fraction",
        )
    return None
