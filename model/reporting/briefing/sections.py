"""The briefing's sections by key, in board order, and how one is computed (a failing model gives a "Not yet
available" line, not a stopped briefing).
"""

from __future__ import annotations

from collections.abc import Callable

from model.reporting.briefing.catalogue import catalogue_section
from model.reporting.briefing.context import SECTION_TITLES, Briefing, Section, failure_reason, not_yet, pretty
from model.reporting.briefing.kpis import kpi_section
from model.reporting.briefing.risk import risk_section, sensitivity_section, staffing_section
from model.reporting.briefing.scenario_sections import assumptions_section, demand_section, headline_section
from model.reporting.briefing.tariffs import tariff_detail_section, tariff_section

SECTIONS: dict[str, Callable[[Briefing], Section]] = {
    "headline": headline_section,
    "demand": demand_section,
    "catalogue": catalogue_section,
    "tariffs": tariff_section,
    "tariff_detail": tariff_detail_section,
    "kpis": kpi_section,
    "risk": risk_section,
    "staffing": staffing_section,
    "sensitivity": sensitivity_section,
    "assumptions": assumptions_section,
}


BOARD_SECTIONS: tuple[str, ...] = ("headline", "catalogue", "tariffs", "kpis", "risk", "sensitivity", "assumptions")


def section(briefing: Briefing, key: str, strict: bool | None = None) -> Section:
    """The section ``key`` of ``SECTIONS``, computed once per briefing (sections share results through the cache).

    If the model behind a section fails (an error in a module still being built, an infeasible scenario), the
    section is returned empty with the line "Not yet available: <title> (<error>)", so one failing model does not
    stop the whole briefing; ``strict=True`` (or ``briefing.strict``) raises instead.
    """
    if key not in SECTIONS:
        raise KeyError(f"unknown briefing section '{key}'; known: {', '.join(SECTIONS)}")

    def compute() -> Section:
        try:
            return SECTIONS[key](briefing)
        except Exception as error:
            if strict if strict is not None else briefing.strict:
                raise
            title = SECTION_TITLES.get(key, pretty(key))
            return Section(key=key, title=title, missing=[not_yet(title.split(":")[0].lower(), failure_reason(error))])

    return briefing.cached(f"section:{key}", compute)


def computed_sections(briefing: Briefing) -> list[Section]:
    """Every section computed so far in this briefing, in ``SECTIONS`` order."""
    return [briefing.cache[f"section:{key}"] for key in SECTIONS if f"section:{key}" in briefing.cache]
