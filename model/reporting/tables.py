"""Plain-text and file reporting helpers shared by the CLI commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the CLI imports this module while building its parser, pandas stays unloaded
    import pandas as pd


def format_table(frame: pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    """Render a DataFrame as an aligned plain-text table; ``formats`` maps column -> format string."""
    formats = formats or {}
    shown = frame.copy()
    for column, pattern in formats.items():
        if column in shown:
            shown[column] = [pattern.format(value) for value in shown[column]]
    return shown.to_string(index=False)
