"""Showing text that came from input (scenario names, sources, error messages) safely: Streamlit escapes HTML in
markdown, and :func:`plain` also escapes markdown syntax, so a name like ``[x](javascript:...)`` or ``*bold*`` is
shown as typed. Tables (``st.table``, ``st.dataframe``) and ``st.code`` show text as text."""

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
