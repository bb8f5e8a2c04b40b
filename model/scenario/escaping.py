"""One escaping rule for outputs: every writer of text for people or spreadsheets goes through one of these.

* :func:`html_text` for any string from a scenario or a result that reaches an HTML page (also Markdown that is
  rendered to HTML): ``<``, ``>``, ``&``, quotes and Markdown link brackets become character references;
* :func:`neutralise_cell` for any text cell of a CSV file, workbook or Markdown table: text beginning with ``=``,
  ``+``, ``-``, ``@``, tab or carriage return gets a leading single quote (the OWASP CSV-injection rule), so no
  spreadsheet reads it as a formula; numbers stay numbers. :func:`neutralise_frame` applies it to a table and
  :func:`write_csv` is the one CSV writer.

The reading rule for input files is ``model.scenario.files``. Both rules sit in the bottom stage because every
stage that writes text uses this one (the fairness stage writes ``tariffs.md``, the reporting stage the rest).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def html_text(value: object) -> str:
    """``value`` as text safe inside HTML (element content or a quoted attribute) and inside Markdown rendered to
    HTML: ``& < > " '`` and the link brackets ``[ ]`` become character references, so no tag, attribute or link can
    be created by the text."""
    return html.escape(str(value), quote=True).replace("[", "&#91;").replace("]", "&#93;")


def neutralise_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula (starting with ``= + - @``, tab or CR) gets a leading
    single quote; every other value, numbers included, is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame, index: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`neutralise_cell` applied to every text cell and column name (and the index
    when it is written); numeric columns are not touched."""
    import pandas as pd

    shown = frame.copy()
    for position, dtype in enumerate(shown.dtypes):
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            column = shown.iloc[:, position]
            shown.isetitem(position, column.map(neutralise_cell, na_action="ignore"))
    shown.columns = _neutral_index(shown.columns)
    if index:
        shown.index = _neutral_index(shown.index)
    return shown


def _neutral_index(labels: pd.Index) -> pd.Index:
    if labels.nlevels > 1 or labels.dtype.kind in "iufcbmM":
        return labels
    return labels.map(neutralise_cell)


def write_csv(frame: pd.DataFrame, target: str | Path, index: bool = False) -> Path:
    """Write ``frame`` as CSV with every text cell neutralised (:func:`neutralise_frame`); the one CSV writer."""
    path = Path(target)
    neutralise_frame(frame, index=index).to_csv(path, index=index)
    return path
