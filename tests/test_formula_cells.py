"""Formula injection: text beginning with ``=``, ``+``, ``-``, ``@``, tab or CR is never written as a formula, in the
workbook, any CSV file or a Markdown table; numbers stay numbers (OWASP CSV-injection rule, ``model.scenario.escaping``)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from model.fairness import markdown_table
from model.reporting import RunFolder, write_tariff_schedule
from model.scenario import Scenario, neutralise_cell
from model.scenario.escaping import FORMULA_TRIGGERS, neutralise_frame

HOSTILE = ['=HYPERLINK("http://evil.example","click")', "=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(1)", "\t=1", "\r=1"]


def _workbook_problems(path: Path) -> list[str]:
    """Cells stored as formulas, or text starting with a trigger character."""
    problems = []
    for sheet in load_workbook(path):
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append(f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}")
                elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
                    problems.append(f"{sheet.title}!{cell.coordinate} starts with a trigger: {cell.value!r}")
    return problems


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _csv_problems(path: Path) -> list[str]:
    """Text fields (not numbers such as -3.5) starting with a trigger character."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            f"{path.name}: {field!r}"
            for row in csv.reader(handle)
            for field in row
            if field.startswith(FORMULA_TRIGGERS) and not _is_number(field)
        ]


def test_neutralise_cell_quotes_triggers_and_keeps_numbers() -> None:
    assert [neutralise_cell(text) for text in HOSTILE] == ["'" + text for text in HOSTILE]
    assert neutralise_cell(-5) == -5 and neutralise_cell(-2.5) == -2.5 and neutralise_cell(None) is None
    assert neutralise_cell("Luton CCG") == "Luton CCG"


def test_workbook_holds_no_formula_from_text(tmp_path: Path) -> None:
    schedule = pd.DataFrame({"recruitment": [100.0, -20.0]}, index=pd.Index(["=A1", "Beta"], name="member"))
    summary = pd.DataFrame({"Member": ["=A1", "Beta"], "Headcount": [10, 20], "Per-capita (GBP per year)": [1.0, 2.0]})
    notes = [("=Scenario", HOSTILE[0]), ("Source", HOSTILE[1])]
    assumptions = pd.DataFrame({"Area": ["@x"], "Item": ["+1"], "Value": ["-1"], "Source": [HOSTILE[1]]})
    path = write_tariff_schedule(tmp_path / "t.xlsx", schedule, summary, notes, assumptions)
    assert _workbook_problems(path) == []
    sheet = load_workbook(path)["Tariff schedule"]
    assert sheet["A2"].value == "'=A1" and sheet["B3"].value == -20.0  # text quoted, the number still a number


def test_run_folder_csv_and_markdown_are_neutralised(tmp_path: Path, default_scenario: Scenario) -> None:
    # (a CR inside a field would also break the CSV's rows: scenarios refuse control characters at validation)
    texts = [text for text in HOSTILE if "\r" not in text]
    frame = pd.DataFrame({"text": texts, "amount": range(-3, 3), "=head": [1.5] * len(texts)})
    with RunFolder(default_scenario, command="test", root=tmp_path) as run:
        run.write_csv("t.csv", frame)
    assert run.path is not None
    assert _csv_problems(run.path / "t.csv") == []
    back = pd.read_csv(run.path / "t.csv")
    assert list(back["amount"]) == list(range(-3, 3))  # negative numbers are not quoted
    table = markdown_table(frame)
    for text in HOSTILE[:5]:
        assert f"| '{text.replace('|', chr(92) + '|')} |" in table, text
    assert "| -3 |" in table  # a negative number stays a number
    assert "| '=head |" in table  # column names too


def test_neutralise_frame_leaves_numeric_columns_alone() -> None:
    frame = pd.DataFrame({"n": [-1.0, 2.0], "s": ["-x", "y"], "b": [True, False]})
    out = neutralise_frame(frame)
    assert out["n"].tolist() == [-1.0, 2.0] and out["s"].tolist() == ["'-x", "y"] and out["b"].tolist() == [True, False]
    assert frame["s"].tolist() == ["-x", "y"]  # the caller's table is not changed


@pytest.mark.xdist_group("brief_cli")
@pytest.mark.slow
def test_briefing_outputs_hold_no_formula(briefing_run: dict[str, object]) -> None:
    """The suite's briefing run carries =HYPERLINK, =cmd|, @, + and - in its sources (conftest.HOSTILE_TEXT)."""
    run = briefing_run["run"]
    assert isinstance(run, Path)
    assert _workbook_problems(run / "tariffs.xlsx") == []
    sources = [
        row[3] for row in load_workbook(run / "tariffs.xlsx")["Notes"].iter_rows(values_only=True) if row and row[3]
    ]
    assert '\'=HYPERLINK("http://evil.example","click")' in sources and "'=cmd|' /C calc'!A0" in sources
    tables = sorted((run / "tables").glob("*.csv"))
    assert tables
    assert [problem for table in tables for problem in _csv_problems(table)] == []
