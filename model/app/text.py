"""Showing text that came from input (scenario names, sources, error messages) safely: Streamlit escapes HTML in
markdown, and :func:`plain` also escapes markdown syntax, so a name like ``[x](javascript:...)`` or ``*bold*`` is
shown as typed. ``st.table`` renders its cells as markdown too, so tables go through :func:`table`; ``st.code``
shows text as text. Nothing is ever shown with ``unsafe_allow_html``."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is not imported for the Scenario page: the first page renders sooner
    import pandas as pd

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(value: object) -> str:
    """``value`` as markdown that renders exactly as the text (every markdown character backslash-escaped)."""
    return _MARKDOWN.sub(r"\\\1", str(value))


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: float) -> str:
    """Whole pounds with thousands separators and a sign for differences, or '-' when missing."""
    return "-" if _missing(value) else f"{value:+,.0f}"


def pounds(value: float) -> str:
    """Whole pounds with thousands separators, or '-' when missing."""
    return "-" if _missing(value) else f"{value:,.0f}"


def percent(value: float, signed: bool = False) -> str:
    """A fraction as a percentage with one decimal."""
    if _missing(value):
        return "-"
    return f"{value:+.1%}" if signed else f"{value:.1%}"


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for ``st.table``: every text cell and column name escaped with :func:`plain`."""
    shown = frame.copy()
    for column in shown.columns:
        if any(isinstance(v, str) for v in shown[column]):
            shown[column] = [plain(v) if isinstance(v, str) else v for v in shown[column]]
    shown.columns = [plain(c) for c in shown.columns]
    return shown


def show_table(frame: pd.DataFrame) -> None:
    """``st.table`` of ``frame`` with its text escaped (:func:`table`)."""
    import streamlit as st

    st.table(table(frame))
