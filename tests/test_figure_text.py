"""The alt-text writers (model.figure_text) against hand-made data whose message is known, the accessible figure and
table HTML (model.reporting.accessible), the print-only title page (model.reporting.printing) and the colour-safe plots (model.reporting.plots).

No briefing run, no browser: the end-to-end checks (axe-core, the PDF) are in tests/test_briefing_accessibility.py.
"""

from __future__ import annotations

import base64
from pathlib import Path

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest

from model.reporting import accessible, figure_text, plots, printing
from model.reporting.accessible import PLACEHOLDER_ALT, figure_html, mark_header_cells
from model.reporting.briefing import table_html

# --- writers -----------------------------------------------------------------------------------------------------


def test_kpi_attainment_counts_periods_meeting_target_and_names_the_lowest() -> None:
    periods = pd.to_datetime(["2018-04-01", "2018-06-01", "2018-08-01"])
    rows = []
    for member, values in (("Alpha", [0.90, 0.85, 0.74]), ("Beta", [0.95, 0.80, 0.90])):
        for period, value in zip(periods, values, strict=True):
            rows.append(("Employee relations", member, period, value, value - 0.05, min(1.0, value + 0.05)))
    for member in ("Alpha", "Beta"):
        for period in periods:
            rows.append(("Recruitment", member, period, 1.0, 1.0, 1.0))
    table = pd.DataFrame(rows, columns=["service", "member", "period", "mean", "ci_low", "ci_high"])
    text = figure_text.kpi_attainment_text(table, {"Employee relations": 0.8, "Recruitment": 0.9})
    # 0.80 counts as meeting an 80% target; 0.74 does not
    assert (
        "Employee relations met its 80% target in 5 of 6 member review periods; the lowest was 74% for Alpha in "
        "Aug–Sep 2018." in text.alt
    )
    assert "Recruitment met its 90% target in 6 of 6 member review periods; the lowest was 100%" in text.alt
    assert "one panel for each of 2 services, one line for each of 2 members" in text.alt
    assert len(text.table) == 12
    assert list(text.table.columns[:3]) == ["Service", "Member", "Review period"]
    assert text.table["Review period"].iloc[0] == "Apr–May 2018"
    assert text.table["Target (%)"].iloc[0] == 0.8
    assert text.caption


def test_kpi_period_across_a_year_end_and_a_missing_target() -> None:
    table = pd.DataFrame(
        {
            "service": ["Payroll"],
            "member": ["Alpha"],
            "period": [pd.Timestamp("2018-12-01")],
            "mean": [0.97],
            "ci_low": [np.nan],
            "ci_high": [np.nan],
        }
    )
    text = figure_text.kpi_attainment_text(table, {})
    assert "Payroll: the lowest was 97% for Alpha in Dec 2018–Jan 2019." in text.alt


def test_two_series_bars_count_members_cheaper_sharing_and_the_largest_gap() -> None:
    table = pd.DataFrame({"Member": ["A", "B", "C"], "alone": [100.0, 200.0, 50.0], "shared": [120.0, 150.0, 40.0]})
    text = figure_text.grouped_bars_text(table, "Member", ["alone", "shared"], ["going alone", "sharing"], "Cost")
    assert "one group of 2 bars for each of 3 members" in text.alt
    assert "Sharing is lower than going alone for 2 of 3 members (B and C)." in text.alt
    assert "The largest difference is for B: £50 less than going alone (£150 against £200)." in text.alt
    assert list(text.table.columns) == ["Member", "Going alone (GBP per year)", "Sharing (GBP per year)"]
    assert text.table["Sharing (GBP per year)"].tolist() == [120.0, 150.0, 40.0]


def test_two_series_bars_when_the_largest_gap_is_an_extra_cost() -> None:
    table = pd.DataFrame({"Member": ["A", "B"], "alone": [100.0, 200.0], "shared": [190.0, 190.0]})
    text = figure_text.grouped_bars_text(table, "Member", ["alone", "shared"], ["going alone", "sharing"], "Cost")
    assert "lower than going alone for 1 of 2 members (B)" in text.alt
    assert "The largest difference is for A: £90 more than going alone (£190 against £100)." in text.alt


def test_many_series_bars_name_each_members_lowest_and_highest_with_ties() -> None:
    table = pd.DataFrame(
        {"m": ["Alpha", "Beta"], "pc": [55.0, 37.0], "ab": [55.2, 37.0], "sh": [49.0, 41.0], "nu": [50.0, 42.0]}
    )
    text = figure_text.grouped_bars_text(
        table, "m", ["pc", "ab", "sh", "nu"], ["Per-capita", "Activity-based", "Shapley value", "Nucleolus"], "Charge"
    )
    assert "Alpha: lowest Shapley value (£49), highest Per-capita and Activity-based (£55)" in text.alt
    assert "Beta: lowest Per-capita and Activity-based (£37), highest Nucleolus (£42)." in text.alt


def test_cost_breakdown_total_largest_share_and_smallest() -> None:
    text = figure_text.cost_breakdown_text({"Pay": 80_000.0, "Systems": 5_000.0, "Overheads": 15_000.0})
    assert "£100,000 in all, in 3 components" in text.alt
    assert "The largest is pay at £80,000 (80% of the total); the smallest is systems at £5,000." in text.alt
    assert text.table["Share of the total (%)"].sum() == pytest.approx(1.0)


def test_tornado_names_the_input_with_the_largest_swing_and_the_flat_ones() -> None:
    table = pd.DataFrame(
        {
            "label": ["sickness", "salaries", "demand", "prices"],
            "low": [100.0, 80.0, 100.0, 99.0],
            "high": [100.0, 120.0, 100.0, 102.0],
        }
    )
    text = figure_text.tornado_text(table, 100.0, "Total annual cost")
    assert "with each of 4 inputs set to 0.8 and 1.2 times its value" in text.alt
    assert "Salaries moves it most: from £80 to £120 around the base of £100; the next, prices, from £99 to £102." in (
        text.alt
    )
    assert "2 of the 4 inputs leave it unchanged." in text.alt
    assert text.table["Input"].tolist()[:2] == ["salaries", "prices"]  # largest swing first, as on the chart
    flat = figure_text.tornado_text(table.assign(low=1.0, high=1.0), 1.0, "Attainment", unit="fraction")
    assert "None of the 4 inputs moves it noticeably from 100%." in flat.alt


def test_stress_tests_name_the_worst_attainment_and_the_dearest_scenario() -> None:
    attainment = {"base": [0.99, 0.98], "sickness": [0.90, 0.92], "leaver": [0.99, 0.99]}
    cost = {"base": [100.0, 300.0], "sickness": [500.0, 700.0], "leaver": [9_000.0, 11_000.0]}
    text = figure_text.stress_test_text(attainment, cost)
    assert "over 2 simulated runs of each of 3 scenarios (base and 2 stress tests)" in text.alt
    assert "Attainment is lowest under sickness: median 91% against 98% in base." in text.alt
    assert "The host's cost is highest under leaver: median £10,000 a year against £200 in base." in text.alt
    calm = figure_text.stress_test_text({"base": [1.0], "x": [1.0]}, {"base": [5.0], "x": [5.0]})
    assert "No stress test lowers the median attainment below 100%." in calm.alt
    assert "No stress test raises the host's median cost above £5 a year." in calm.alt


def test_workload_names_skills_over_capacity_and_the_busiest() -> None:
    table = pd.DataFrame(
        {"skill": ["Payroll", "ER"], "demand_hours_per_year": [900.0, 1200.0], "capacity_hours_per_year": [1000, 1000]}
    )
    text = figure_text.workload_text(table)
    assert "Work exceeds capacity for ER. The busiest is ER: 1,200 hours of work against 1,000." in text.alt


def test_fallback_describes_title_and_axes_never_the_placeholder() -> None:
    figure = plots.line_chart(
        pd.DataFrame({"x": [1, 2], "y": [3, 4]}), "x", ["y"], "Month", "Cost (GBP per year)", "Cost by month"
    )
    text = figure_text.fallback_text(figure)
    plots.close(figure)
    assert text.alt == "Chart: Cost by month, showing Cost (GBP per year) against Month."


def test_percent_keeps_a_decimal_where_rounding_would_hide_a_change() -> None:
    assert figure_text.percent(0.998) == "99.8%"
    assert figure_text.percent(1.0) == "100%"
    assert figure_text.percent(0.934) == "93%"
    assert figure_text.money(-1234.4) == "-£1,234"


# --- HTML --------------------------------------------------------------------------------------------------------


def test_figure_html_escapes_alt_and_puts_the_table_one_click_away() -> None:
    page = figure_html(b"\x89PNG", 'Cost "<script>x()</script>" & more', table_html="<table></table>", figure_id="f1")
    assert 'alt="Cost &quot;&lt;script&gt;x()&lt;/script&gt;&quot; &amp; more"' in page
    assert "<script>" not in page
    encoded = base64.b64encode(b"\x89PNG").decode()
    assert f'src="data:image/png;base64,{encoded}"' in page
    assert page.index("<details") < page.index("<table></table>") < page.index("</details>")
    for bad in ("", "   ", PLACEHOLDER_ALT):
        with pytest.raises(ValueError):
            figure_html(b"x", bad)


def test_board_tables_have_captions_and_scoped_header_cells() -> None:
    table = pd.DataFrame({"Member": ["<b>A</b>", "B"], "Charge (GBP per year)": [1.0, 2.0]})
    page = table_html(table, caption="Charges <i>")
    assert "<caption>Charges &lt;i&gt;</caption>" in page
    assert page.count('<th scope="col"') == 2
    assert page.count('<th scope="row"') == 2 and ">&lt;b&gt;A&lt;/b&gt;</th>" in page
    numeric_first = mark_header_cells(str(pd.DataFrame({"x": [1]}).style.to_html()), row_headers=False)
    assert '<th scope="row"' not in numeric_first


def test_every_board_table_has_a_caption() -> None:
    from model.reporting.briefing import BOARD_SECTIONS

    keys = {key for key, _name in accessible.TABLE_CAPTIONS}
    assert set(BOARD_SECTIONS) <= keys
    assert accessible.table_caption("other", "some_table", "Section") == "Section: some table"


def test_title_page_is_escaped_print_only_and_first_in_the_body() -> None:
    from datetime import UTC, datetime

    created = datetime(2026, 12, 2, 15, 38, 2, tzinfo=UTC)
    page = printing.add_title_page(
        '<html><body class="x"><h1>T</h1></body></html>', "Board briefing", "<img src=x>", created, "r-1"
    )
    assert page.startswith('<html><body class="x"><div class="print-only title-page">')
    assert "Scenario: &lt;img src=x&gt;" in page and "Date: 02 December 2026" in page and "Run id: r-1" in page
    assert "<h1>" not in page.split("<h1>T")[0]  # the title page adds no heading: one h1 per page
    assert printing.run_id(created, 11) == "20261202T153802Z-11"


def test_no_pdf_and_a_clear_reason_without_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(printing, "find_chromium", lambda: None)
    page = tmp_path / "b.html"
    page.write_text("<html><body></body></html>", encoding="utf-8")
    assert printing.print_pdf(page, tmp_path / "b.pdf") is None
    assert not (tmp_path / "b.pdf").exists()
    assert "make browser" in printing.pdf_skipped_line() and "not installed" in printing.pdf_skipped_line()


# --- colour-safe plots -------------------------------------------------------------------------------------------

OKABE_ITO = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"}


def test_palette_is_okabe_ito() -> None:
    assert set(plots.PALETTE) == OKABE_ITO and len(plots.PALETTE) == 8


def test_bar_series_differ_by_hatch_not_only_by_colour() -> None:
    table = pd.DataFrame({"m": ["A", "B"], "x": [1.0, 2.0], "y": [2.0, 1.0], "z": [3.0, 1.0]})
    figure = plots.grouped_bars(table, "m", ["x", "y", "z"])
    hatches, colours = {}, {}
    for patch in figure.axes[0].patches:
        label = patch.get_label() if not patch.get_label().startswith("_") else None
        colours.setdefault(mcolors.to_hex(patch.get_facecolor()).upper(), patch.get_hatch())
        hatches.setdefault(patch.get_hatch(), label)
    plots.close(figure)
    assert len(colours) == 3 and len(set(colours.values())) == 3  # three colours, three different hatches
    assert set(colours) <= OKABE_ITO


def test_kpi_lines_differ_by_marker_and_style_and_the_target_is_dashed() -> None:
    periods = [1, 2, 3]
    rows = [("S", m, p, 0.9, 0.85, 0.95) for m in ("A", "B", "C") for p in periods]
    table = pd.DataFrame(rows, columns=["service", "member", "period", "mean", "ci_low", "ci_high"])
    figure = plots.kpi_attainment(table, {"S": 0.8})
    lines = [line for line in figure.axes[0].get_lines() if not line.get_label().startswith("_")]
    plots.close(figure)
    members = [line for line in lines if line.get_label() != "target"]
    assert len({line.get_marker() for line in members}) == 3
    assert len({str(line.get_linestyle()) for line in members}) == 3
    target = next(line for line in lines if line.get_label() == "target")
    assert target.get_linestyle() == "--" and all(line.get_linestyle() != "--" for line in members)


def test_the_demand_sections_figure_is_described_from_its_data() -> None:
    """A section figure the board notebook does not show (the analysts' staffing notebook does) still gets its own
    writer, not the fallback: the table holds the plotted hours."""
    from model.reporting.briefing import open_briefing, section

    demand = section(open_briefing(Path(__file__).parent / "data" / "brief_small.toml"), "demand")
    text = figure_text.describe(demand)["workload"]
    workload = demand.data["workload"]
    assert text.alt.startswith("Paired bar chart of expected work against host case-work capacity")
    assert len(text.table) == len(workload)
    assert text.table["Expected work (hours per year)"].tolist() == workload["demand_hours_per_year"].tolist()
    busiest = text.table.loc[text.table["Work as a share of capacity (%)"].idxmax(), "Skill"]
    assert f"The busiest is {busiest}:" in text.alt
    for figure in demand.figures.values():
        plots.close(figure)
