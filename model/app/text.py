"""Showing text that came from input (scenario names, sources, error messages) safely: Streamlit escapes HTML in
markdown, and :func:`plain` also escapes markdown syntax, so a name like ``[x](javascript:...)`` or ``*bold*`` is
shown as typed. ``st.table`` renders its cells as markdown too, so tables go through :func:`table`; ``st.code``
shows text as text. Nothing is ever shown with ``unsafe_allow_html``."""

from __future__ import annotations

import re

import pandas as pd

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(value: object) -> str:
    """``value`` as markdown that renders exactly as the text (every markdown character backslash-escaped)."""
    return _MARKDOWN.sub(r"\\\1", str(value))


def money(value: float) -> str:
    """Whole pounds with thousands separators and a sign for differences, or '-' when missing."""
    return "-" if value is None or pd.isna(value) else f"{value:+,.0f}"


def pounds(value: float) -> str:
    """Whole pounds with thousands separators, or '-' when missing."""
    return "-" if value is None or pd.isna(value) else f"{value:,.0f}"


def percent(value: float, signed: bool = False) -> str:
    """A fraction as a percentage with one decimal."""
    if value is None or pd.isna(value):
        return "-"
    return f"{value:+.1%}" if signed else f"{value:.1%}"


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for ``st.table``: every text cell and column name escaped with :func:`plain`."""
    shown = frame.copy()
    for column in shown.columns:
        if shown[column].dtype == object or pd.api.types.is_string_dtype(shown[column]):
            shown[column] = [plain(v) if isinstance(v, str) else v for v in shown[column]]
    shown.columns = [plain(c) for c in shown.columns]
    return shown


def show_table(frame: pd.DataFrame) -> None:
    """``st.table`` of ``frame`` with its text escaped (:func:`table`)."""
    import streamlit as st

    st.table(table(frame))
