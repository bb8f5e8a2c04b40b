"""The finance tariff schedule as an Excel workbook (openpyxl): what each member pays for each service, in pounds.

Sheets:

* ``Tariff schedule`` -- one row per member, one column per service, pounds per year, a ``Total`` column and a
  ``Total`` row; header row and member column frozen; currency format ``£#,##0``.
* ``Summary`` -- one row per member: headcount and the annual charge under each tariff (per-capita and, when the
  tariff model provides them, the fair allocations), with a ``Total`` row.
* ``Notes`` -- what the numbers mean (units, method, scenario and its SHA-256 as in the run's ``manifest.json``) and
  every assumption with its source.

Totals are written as numbers (not formulas) so that any reader, including pandas, sees the values; they equal the
sums of the cells above/left to the penny because they are computed from the same floats. The workbook holds no
formula at all: every text cell goes through ``_plain``, which neutralises text a spreadsheet would read as a formula
(``model.scenario.escaping.neutralise_cell``: a leading ``= + - @``, tab or CR gets a single quote in front).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from model.scenario.escaping import neutralise_cell

POUNDS_FORMAT = '"£"#,##0;[Red]-"£"#,##0'
INTEGER_FORMAT = "#,##0"
HEADER_FILL = PatternFill("solid", fgColor="005EB8")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TOTAL_FONT = Font(bold=True)
TOTAL_BORDER = Border(top=Side(style="thin"), bottom=Side(style="double"))

SCHEDULE_SHEET = "Tariff schedule"
SUMMARY_SHEET = "Summary"
NOTES_SHEET = "Notes"


def _header(sheet: Worksheet, headers: Sequence[str]) -> None:
    for column, title in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column, value=_plain(title))
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.row_dimensions[1].height = 32


def _widths(sheet: Worksheet, widths: Sequence[float]) -> None:
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _write_money_table(sheet: Worksheet, table: pd.DataFrame, money_columns: Sequence[str]) -> None:
    """Rows of ``table`` below the header, then a bold Total row summing the money columns."""
    columns = list(table.columns)
    for row_index, row in enumerate(table.itertuples(index=False), start=2):
        for column_index, value in enumerate(row, start=1):
            name = columns[column_index - 1]
            cell = sheet.cell(row=row_index, column=column_index, value=_plain(value))
            if name in money_columns:
                cell.number_format = POUNDS_FORMAT
            elif isinstance(cell.value, int | float):
                cell.number_format = INTEGER_FORMAT
    total_row = len(table) + 2
    for column_index, name in enumerate(columns, start=1):
        if column_index == 1:
            value: object = "Total"
        elif name in money_columns or name == "Headcount":
            value = float(table[name].sum()) if name in money_columns else int(table[name].sum())
        else:
            value = None
        cell = sheet.cell(row=total_row, column=column_index, value=value)
        cell.font = TOTAL_FONT
        cell.border = TOTAL_BORDER
        if name in money_columns:
            cell.number_format = POUNDS_FORMAT
        elif name == "Headcount":
            cell.number_format = INTEGER_FORMAT


def _plain(value: object) -> object:
    """The value of one cell: numpy scalars -> Python numbers (openpyxl writes only plain types); text that a
    spreadsheet would read as a formula is neutralised (openpyxl stores any text starting with ``=`` as a formula)."""
    if hasattr(value, "item"):
        return value.item()  # type: ignore[no-any-return,union-attr]
    return neutralise_cell(value)


def write_tariff_schedule(
    path: str | Path,
    schedule: pd.DataFrame,
    summary: pd.DataFrame,
    notes: Sequence[tuple[str, str]],
    assumptions: pd.DataFrame | None = None,
) -> Path:
    """Write the finance workbook and return its path.

    ``schedule``: member x service table of pounds per year, members as the index, services as columns (a ``Total``
    column is added if absent). ``summary``: one row per member with a ``Member`` column, an optional
    ``Headcount`` column and money columns whose names contain "(GBP"; a Total row is added. ``notes``: (item,
    text) pairs shown first on the Notes sheet; ``assumptions``: a table (Area, Item, Value, Source) shown below.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()

    # --- Tariff schedule ------------------------------------------------------------------------------------------
    sheet = book.active
    assert sheet is not None
    sheet.title = SCHEDULE_SHEET
    matrix = schedule.copy()
    if "Total" not in matrix.columns:
        matrix["Total"] = matrix.sum(axis=1)
    table = matrix.reset_index()
    first = str(table.columns[0])
    table = table.rename(columns={first: "Member"})
    services = [str(c) for c in table.columns[1:]]
    headers = ["Member"] + [_label(s) + ("" if s == "Total" else " (GBP per year)") for s in services]
    headers[-1] = "Total (GBP per year)"
    _header(sheet, headers)
    table.columns = headers
    _write_money_table(sheet, table, headers[1:])
    _widths(sheet, [36] + [16] * len(services))
    sheet.freeze_panes = "B2"

    # --- Summary --------------------------------------------------------------------------------------------------
    sheet = book.create_sheet(SUMMARY_SHEET)
    summary_table = summary.reset_index(drop=True)
    money = [str(c) for c in summary_table.columns if "(GBP" in str(c)]
    _header(sheet, [str(c) for c in summary_table.columns])
    _write_money_table(sheet, summary_table, money)
    _widths(sheet, [36] + [20] * (len(summary_table.columns) - 1))
    sheet.freeze_panes = "B2"

    # --- Notes ----------------------------------------------------------------------------------------------------
    sheet = book.create_sheet(NOTES_SHEET)
    _header(sheet, ["Item", "Note", "", ""])
    row = 2
    for item, text in notes:
        sheet.cell(row=row, column=1, value=_plain(item)).font = TOTAL_FONT
        sheet.cell(row=row, column=2, value=_plain(text)).alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    if assumptions is not None and len(assumptions):
        row += 1
        sheet.cell(row=row, column=1, value="Assumptions and sources").font = Font(bold=True, size=12)
        row += 1
        for column_index, title in enumerate(assumptions.columns, start=1):
            cell = sheet.cell(row=row, column=column_index, value=_plain(str(title)))
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
        for values in assumptions.itertuples(index=False):
            row += 1
            for column_index, value in enumerate(values, start=1):
                cell = sheet.cell(row=row, column=column_index, value=_plain(value))
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    _widths(sheet, [30, 60, 60, 60])
    sheet.freeze_panes = "A2"

    book.save(target)
    return target


def _label(name: str) -> str:
    text = str(name).replace("_", " ")
    return text[:1].upper() + text[1:]
