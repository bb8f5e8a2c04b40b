"""Plain-text tables for people: the CLI prints every table through :func:`format_table`, which shows display names
(``employee_relations`` -> ``Employee relations``, ``hr_advisor`` -> ``HR advisor``) in the id columns. Files meant
for programs (CSV, JSON, Parquet) keep the ids."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the CLI imports this module while building its parser, pandas stays unloaded
    import pandas as pd

#: Words shown in capitals in display names.
ACRONYMS = {"hr": "HR", "od": "OD", "eap": "EAP", "esr": "ESR", "ccg": "CCG", "oh": "OH", "fte": "FTE", "er": "ER"}

#: Columns of printed tables whose values are ids (service, role, team and delivery mode), shown as display names.
ID_COLUMNS = ("service", "role", "team", "mode")
#: What an id looks like (``employee_relations``, ``hr_advisor``, ``in_house``); other text is shown as it is.
ID_PATTERN = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")


def display_name(name: object) -> str:
    """``employee_relations`` -> ``Employee relations``, ``od_learning`` -> ``OD learning``: an id as a person reads
    it (names that are already display names, such as ``Luton CCG``, are unchanged)."""
    words = [ACRONYMS.get(word.lower(), word) for word in str(name).replace("_", " ").split(" ")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def format_table(frame: pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    """Render a DataFrame as an aligned plain-text table; ``formats`` maps column -> format string. Text in the
    ``ID_COLUMNS`` that is an id (``ID_PATTERN``) is shown as its display name (:func:`display_name`)."""
    formats = formats or {}
    shown = frame.copy()
    for column, pattern in formats.items():
        if column in shown:
            shown[column] = [pattern.format(value) for value in shown[column]]
    for column in ID_COLUMNS:
        if column in shown:
            shown[column] = [
                display_name(value) if isinstance(value, str) and ID_PATTERN.fullmatch(value) else value
                for value in shown[column]
            ]
    return shown.to_string(index=False)
