"""The board briefing: one pure function per section, each turning a scenario (and model results) into plain tables
and labelled figures that the notebooks display and ``sharedhr brief`` renders to HTML.

Sections (in board order) and the modules they rest on:

=================  ==============================================================  ============================
section            what the board sees                                             computed by
=================  ==============================================================  ============================
``headline``       members, host team, annual cost, contributions, surplus         ``model.simulation.summary``
``demand``         expected work against host capacity per skill                   ``model.simulation.summary``
``catalogue``      recommended service catalogue; savings against going alone      ``model.optimisation``
``tariffs``        per-capita against fair allocations; the core check             ``model.fairness``
``tariff_detail``  every group's own cost; charges by member and service           ``model.fairness``
``kpis``           KPI attainment by member per bi-monthly review, with 95% bands  ``model.simulation``
``risk``           host risk, stress tests and the premium that covers it          ``model.risk.stress``
``staffing``       the host team size needed to meet the KPIs                      ``model.risk.staffing``
``sensitivity``    tornado of the inputs that move the result most                 ``model.risk.sensitivity``
``assumptions``    every input with its source                                     the scenario file
=================  ==============================================================  ============================

The board briefing shows ``BOARD_SECTIONS``; the analysts' notebooks add ``demand``, ``staffing``,
``tariff_detail`` and the what-if comparison (``what_if_section``, ``what_if_kpi_section``: ``model.risk.whatif``).
Results are shared through ``Briefing.cache``: the risk model's premium is charged in the tariff table, and the
catalogue's per-member savings use the tariff model's per-capita split, so the sections agree with each other.

A section whose module is not installed (or not importable) is still returned, with ``missing`` set to plain lines
``"Not yet available: <what>"``: the briefing says so instead of showing invented numbers. Units: money in pounds per
year, time in working days, KPI attainment as a fraction of cases (shown as a percentage).

Nothing here executes notebooks or writes HTML; see ``model.commands.brief``. ``show`` is the only function that
talks to IPython (it is what a notebook cell calls to display a section). Every string shown goes through
``model.scenario.escaping.html_text`` (titles, text, notes, lines) or the Styler's ``escape="html"`` (table cells, headers,
captions), so nothing in a scenario or a result can add an element, attribute or link to the page.

Modules: ``context`` (Section, Briefing, optional_module, formats), ``results`` (model results shared by the
sections), one module per group of sections (``scenario_sections``, ``catalogue``, ``tariffs``, ``kpis``, ``risk``,
``whatif``), ``sections`` (the sections by key, in board order) and ``outputs`` (display and run-folder output).
Everything is imported here: ``from model.reporting import briefing`` then ``briefing.show(...)``.
"""

from model.reporting.briefing.catalogue import MODE_LABELS, catalogue_section, verified_headline
from model.reporting.briefing.context import (
    ACRONYMS,
    CACHE_KEYS,
    NOT_YET,
    PCT,
    SECTION_TITLES,
    Briefing,
    Section,
    contribution_rate,
    failure_reason,
    figure_png,
    find_module,
    load_results_cache,
    money_table,
    not_yet,
    open_briefing,
    optional_module,
    pretty,
    save_results_cache,
    style_table,
    table_html,
)
from model.reporting.briefing.context import (
    _money as _money,  # noqa: PLC0414 - re-exported for the tests of number formats
)
from model.reporting.briefing.context import (
    _percent as _percent,
)
from model.reporting.briefing.kpis import kpi_section, member_period_attainment
from model.reporting.briefing.outputs import (
    BRIEFING_CSS,
    UNIT_MARKERS,
    display_section,
    figure_labels,
    finance_notes,
    finance_tables,
    missing_report,
    plots_dir,
    show,
    show_missing,
    show_style,
    show_title,
    unlabelled_axes,
    write_finance_workbook,
    write_outputs,
    write_section_tables,
    write_status,
)
from model.reporting.briefing.results import (
    catalogue_result,
    experiment,
    host_risk_premium,
    risk_result,
    sensitivity_result,
    staffing_result,
    tariff_result,
    verified_catalogue,
)
from model.reporting.briefing.risk import risk_section, sensitivity_section, staffing_section
from model.reporting.briefing.scenario_sections import (
    assumptions_section,
    assumptions_table,
    demand_section,
    headline_section,
    workload_by_skill,
)
from model.reporting.briefing.sections import BOARD_SECTIONS, SECTIONS, computed_sections, section
from model.reporting.briefing.tariffs import TARIFF_COLUMNS, tariff_detail_section, tariff_section
from model.reporting.briefing.whatif import (
    MEASURE_LABELS,
    as_overrides,
    what_if_kpi_section,
    what_if_section,
    what_if_table,
)

__all__ = [
    "ACRONYMS",
    "BOARD_SECTIONS",
    "BRIEFING_CSS",
    "Briefing",
    "CACHE_KEYS",
    "MEASURE_LABELS",
    "MODE_LABELS",
    "NOT_YET",
    "PCT",
    "SECTIONS",
    "SECTION_TITLES",
    "Section",
    "TARIFF_COLUMNS",
    "UNIT_MARKERS",
    "as_overrides",
    "assumptions_section",
    "assumptions_table",
    "catalogue_result",
    "catalogue_section",
    "computed_sections",
    "contribution_rate",
    "demand_section",
    "display_section",
    "experiment",
    "failure_reason",
    "figure_labels",
    "figure_png",
    "finance_notes",
    "finance_tables",
    "find_module",
    "headline_section",
    "host_risk_premium",
    "kpi_section",
    "load_results_cache",
    "member_period_attainment",
    "missing_report",
    "money_table",
    "not_yet",
    "open_briefing",
    "optional_module",
    "plots_dir",
    "pretty",
    "risk_result",
    "risk_section",
    "save_results_cache",
    "section",
    "sensitivity_result",
    "sensitivity_section",
    "show",
    "show_missing",
    "show_style",
    "show_title",
    "staffing_result",
    "staffing_section",
    "style_table",
    "table_html",
    "tariff_detail_section",
    "tariff_result",
    "tariff_section",
    "unlabelled_axes",
    "verified_catalogue",
    "verified_headline",
    "what_if_kpi_section",
    "what_if_section",
    "what_if_table",
    "workload_by_skill",
    "write_finance_workbook",
    "write_outputs",
    "write_section_tables",
    "write_status",
]
