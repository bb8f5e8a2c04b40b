"""model.excel: the finance tariff workbook read back with openpyxl: values, totals, currency formats, frozen header,
notes with sources."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from model.reporting import excel


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    schedule = pd.DataFrame(
        {"recruitment": [1000.25, 500.5, 0.0], "payroll": [200.0, 300.0, 400.0]},
        index=pd.Index(["Alpha", "Beta", "Gamma"], name="member"),
    )
    summary = pd.DataFrame(
        {
            "Member": ["Alpha", "Beta", "Gamma"],
            "Headcount": [240, 160, 90],
            "Per-capita (GBP per year)": [1200.25, 800.5, 400.0],
            "Shapley value (GBP per year)": [1100.0, 900.75, 400.0],
        }
    )
    notes = [("Scenario", "Test"), ("Units", "GBP per year")]
    assumptions = pd.DataFrame(
        {"Area": ["Members"], "Item": ["Alpha"], "Value": ["240 staff"], "Source": ["case study"]}
    )
    return excel.write_tariff_schedule(tmp_path / "t.xlsx", schedule, summary, notes, assumptions)


def test_schedule_values_totals_and_formats(workbook: Path) -> None:
    book = load_workbook(workbook)
    assert book.sheetnames == ["Tariff schedule", "Summary", "Notes"]
    sheet = book["Tariff schedule"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Member", "Recruitment (GBP per year)", "Payroll (GBP per year)", "Total (GBP per year)")
    assert rows[1] == ("Alpha", 1000.25, 200.0, 1200.25)
    assert rows[3] == ("Gamma", 0.0, 400.0, 400.0)
    assert rows[4] == ("Total", 1500.75, 900.0, 2400.75)  # column totals, and the grand total
    assert sheet.freeze_panes == "B2"
    assert sheet["B2"].number_format == excel.POUNDS_FORMAT == '"£"#,##0;[Red]-"£"#,##0'
    assert sheet["D5"].number_format == excel.POUNDS_FORMAT and sheet["D5"].font.bold
    assert sheet["A1"].font.bold


def test_summary_and_notes(workbook: Path) -> None:
    book = load_workbook(workbook)
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert summary[0] == ("Member", "Headcount", "Per-capita (GBP per year)", "Shapley value (GBP per year)")
    assert summary[-1] == ("Total", 490, 2400.75, 2400.75)
    assert book["Summary"]["B2"].number_format == excel.INTEGER_FORMAT
    assert book["Summary"]["C2"].number_format == excel.POUNDS_FORMAT
    notes = list(book["Notes"].iter_rows(values_only=True))
    assert notes[1][:2] == ("Scenario", "Test") and notes[2][:2] == ("Units", "GBP per year")
    assert ("Members", "Alpha", "240 staff", "case study") in notes


def test_readable_by_pandas(workbook: Path) -> None:
    frame = pd.read_excel(workbook, sheet_name="Tariff schedule")
    assert frame["Total (GBP per year)"].iloc[:-1].sum() == pytest.approx(frame["Total (GBP per year)"].iloc[-1])
