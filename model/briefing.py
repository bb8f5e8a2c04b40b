"""The board briefing: one pure function per section, each turning a scenario (and model results) into plain tables
and labelled figures that the notebooks display and ``sharedhr brief`` renders to HTML.

Sections (in board order) and the modules they rest on:

==================  =================================================================  ===========================
section             what the board sees                                                 computed by
==================  =================================================================  ===========================
``headline``        members, host team, annual cost, contributions, surplus             ``model.summary``
``demand``          expected work against host capacity per skill                       ``model.summary``
``catalogue``       recommended service catalogue; savings against going alone          ``model.catalogue``
``tariffs``         per-capita against fair allocations; the core check                 ``model.tariffs``
``tariff_detail``   every group's own cost; charges by member and service              ``model.tariffs``
``kpis``            KPI attainment by member per bi-monthly review, with 95% bands      ``model.replications``
``risk``            host risk, stress tests and the premium that covers it             ``model.risk``
``staffing``        the host team size needed to meet the KPIs                          ``model.staffing``
``sensitivity``     tornado of the inputs that move the result most                     ``model.sensitivity``
``assumptions``     every input with its source                                         the scenario file
==================  =================================================================  ===========================

The board briefing shows ``BOARD_SECTIONS``; the analysts' notebooks add ``demand``, ``staffing``,
``tariff_detail`` and the what-if comparison (``what_if_section``, ``what_if_kpi_section``: ``model.whatif``).
Results are shared through ``Briefing.cache``: the risk model's premium is charged in the tariff table, and the
catalogue's per-member savings use the tariff model's per-capita split, so the sections agree with each other.

A section whose module is not installed (or not importable) is still returned, with ``missing`` set to plain lines
``"Not yet available: <what>"``: the briefing says so instead of showing invented numbers. Units: money in pounds per
year, time in working days, KPI attainment as a fraction of cases (shown as a percentage).

Nothing here executes notebooks or writes HTML; see ``model.commands.brief``. ``show`` is the only function that
talks to IPython (it is what a notebook cell calls to display a section). Every string shown goes through
``model.safety.html_text`` (titles, text, notes, lines) or the Styler's ``escape="html"`` (table cells, headers,
captions), so nothing in a scenario or a result can add an element, attribute or link to the page.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from model import figure_text, plots, summary
from model.accessible import ACCESSIBLE_CSS, figure_html, mark_header_cells, table_caption
from model.demand import expected_annual_demand
from model.safety import html_text, write_csv
from model.scenario import Mode, Scenario, apply_overrides, load_scenario

NOT_YET = "Not yet available"

# Board tables carry the unit in each column name, e.g. "Charge (GBP per year)", "Cases within KPI (%)" (values are
# fractions), "Host team (FTE)"; ``style_table`` formats each column by it.
PCT = "(%)"


# ---------------------------------------------------------------------------------------------------------------------
# Sections and the briefing context


@dataclass
class Section:
    """One part of the briefing: a title, plain-words text, tables (board-ready, units in column names) and figures.

    ``missing`` lists what could not be shown, each line starting "Not yet available: "; a section with nothing to
    show at all has no tables or figures, only those lines.
    """

    key: str
    title: str
    text: str = ""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        """True when nothing in the section is missing."""
        return not self.missing


def not_yet(what: str, reason: str = "") -> str:
    """The line a section shows for something it cannot compute yet: ``Not yet available: <what> (<reason>)``."""
    return f"{NOT_YET}: {what}" + (f" ({reason})" if reason else "")


def failure_reason(error: BaseException) -> str:
    """``the model failed: ValueError: <first line of the message>``, for a "Not yet available" line."""
    message = str(error).splitlines()[0] if str(error) else ""
    return f"the model failed: {type(error).__name__}: {message}"


def optional_module(name: str, required: Sequence[str] = ()) -> tuple[ModuleType | None, str]:
    """Import ``name`` if it exists and exposes every attribute in ``required``; else ``(None, reason)``.

    The model is built in stages: a section whose module has not landed yet (or is unfinished) must say so rather
    than stop the whole briefing, so any import failure is turned into a reason.
    """
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name == name:
            return None, f"{name} is not part of this version of the model"
        return None, f"{name} could not be imported: {error}"
    except Exception as error:  # noqa: BLE001 - an unfinished module must not stop the briefing
        return None, f"{name} could not be imported: {type(error).__name__}: {error}"
    absent = [attribute for attribute in required if not hasattr(module, attribute)]
    if absent:
        return None, f"{name} does not yet provide {', '.join(absent)}"
    return module, ""


@dataclass
class Briefing:
    """What every section needs: the scenario and the run settings. Expensive model results (the replications, the
    catalogue optimisation, the tariffs) are computed once, on first use, and shared by the sections.

    ``replications`` and ``seed`` default to the scenario's ``simulation`` settings; ``workers`` is the number of
    processes for the replications (1 = serial).
    """

    scenario: Scenario
    scenario_path: Path | None = None
    replications: int | None = None
    seed: int | None = None
    workers: int = 1
    output_dir: Path | None = None
    progress: bool = False
    explain: bool = True
    strict: bool = False
    cache: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.replications is None:
            self.replications = self.scenario.simulation.replications
        if self.seed is None:
            self.seed = self.scenario.simulation.seed

    @property
    def n_replications(self) -> int:
        """Replications actually used (the argument, or the scenario's default)."""
        assert self.replications is not None
        return int(self.replications)

    @property
    def run_seed(self) -> int:
        """Seed actually used (the argument, or the scenario's default)."""
        assert self.seed is not None
        return int(self.seed)

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per briefing, under ``key``."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def model_result(self, key: str, compute: Callable[[], Any]) -> Any:
        """Like ``cached`` for a model run, but a failure is remembered too and raised again on every later call,
        so a model that fails is not run again by each section that needs it."""

        def attempt() -> Any:
            try:
                return compute()
            except Exception as error:  # noqa: BLE001 - stored, raised again below
                return _Failure(error)

        result = self.cached(key, attempt)
        if isinstance(result, _Failure):
            raise result.error
        return result


@dataclass(frozen=True)
class _Failure:
    """A model run that raised ``error`` (stored in ``Briefing.cache``)."""

    error: Exception


def open_briefing(
    scenario_path: str | Path | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    output_dir: str | Path | None = None,
    overrides: Sequence[str] = (),
    results_cache: str | Path | None = None,
) -> Briefing:
    """Load the scenario (the default one when ``scenario_path`` is empty), apply ``PATH=VALUE`` overrides, and
    return the briefing context. This is the first call of every notebook.

    ``results_cache``: a pickle written by ``save_results_cache`` holding model results already computed for the
    same scenario, replications and seed (e.g. by ``sharedhr run`` before it renders the briefing), so they are not
    computed twice. It is refused if it was made for another scenario or other settings."""
    path = Path(scenario_path) if scenario_path else None
    scenario = load_scenario(path)
    if overrides:
        scenario = apply_overrides(scenario, list(overrides))
    out = Path(output_dir) if output_dir else None
    briefing = Briefing(scenario, path, replications, seed, max(1, int(workers)), out)
    if results_cache:
        load_results_cache(briefing, results_cache)
    return briefing


CACHE_KEYS = (
    "experiment",  # model.replications.multiple_replications(..., keep_cases=True)
    "verified_catalogue",  # model.verification.verified_optimise(..., explain=True)
    "catalogue_result",  # model.catalogue.optimise(..., explain=True); the verified catalogue's result when known
    "tariff_result",  # model.tariffs.tariff_table(..., host_risk_premium_gbp_per_year=risk premium)
    "risk_result",  # model.risk.run_stress_tests(...)
    "sensitivity_result",  # model.sensitivity.tornado(...)
    "staffing_result",  # model.staffing.size_staffing(...)
)
"""Results a caller may hand over to the briefing (see ``save_results_cache``), under these names."""


def _cache_identity(briefing: Briefing) -> dict[str, Any]:
    return {
        "scenario_sha256": briefing.scenario.content_hash(),
        "replications": briefing.n_replications,
        "seed": briefing.run_seed,
    }


def save_results_cache(
    path: str | Path, scenario: Scenario, replications: int, seed: int, results: dict[str, Any]
) -> Path:
    """Pickle model results (keys from ``CACHE_KEYS``) computed for ``scenario`` with ``replications`` and ``seed``,
    for ``open_briefing(results_cache=path)``. Pass only results computed with the briefing's own settings.

    Written with cloudpickle (installed with dask), because some results hold closures (the risk model's stress
    tests); the file is read back with the standard ``pickle``."""
    try:
        import cloudpickle as pickle
    except ImportError:  # pragma: no cover - cloudpickle comes with dask, a dependency
        import pickle  # type: ignore[no-redef]

    unknown = set(results) - set(CACHE_KEYS)
    if unknown:
        raise ValueError(f"unknown result names {sorted(unknown)}; known: {', '.join(CACHE_KEYS)}")
    identity = {"scenario_sha256": scenario.content_hash(), "replications": int(replications), "seed": int(seed)}
    target = Path(path)
    target.write_bytes(pickle.dumps({"identity": identity, "results": results}))
    return target


def load_results_cache(briefing: Briefing, path: str | Path) -> list[str]:
    """Put the results of a ``save_results_cache`` file into ``briefing.cache``; returns the names loaded. Raises
    ValueError when the file was made for another scenario, number of replications or seed."""
    import pickle

    payload = pickle.loads(Path(path).read_bytes())
    if payload.get("identity") != _cache_identity(briefing):
        raise ValueError(
            f"results cache {path} was made for {payload.get('identity')}, not {_cache_identity(briefing)}"
        )
    results = {k: v for k, v in payload["results"].items() if k in CACHE_KEYS}
    briefing.cache.update(results)
    return list(results)


# ---------------------------------------------------------------------------------------------------------------------
# Helpers shared by sections


ACRONYMS = {"hr": "HR", "od": "OD", "eap": "EAP", "esr": "ESR", "ccg": "CCG", "oh": "OH", "fte": "FTE", "er": "ER"}


def pretty(name: str) -> str:
    """``employee_relations`` -> ``Employee relations``, ``od_learning`` -> ``OD learning`` (a label for the board)."""
    words = [ACRONYMS.get(word.lower(), word) for word in str(name).replace("_", " ").split(" ")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def contribution_rate(scenario: Scenario) -> float:
    """Per-capita contribution in pounds per head per year: the scenario's agreed rate, or break-even (total cost
    divided by the full-membership headcount) when the scenario sets none."""
    rate = scenario.tariff.per_capita_rate_gbp_per_head
    if rate is not None:
        return float(rate)
    costs = summary.cost_summary(scenario)
    return costs["total_cost_gbp_per_year"] / costs["member_headcount"]


def style_table(table: pd.DataFrame, caption: str | None = None) -> Any:
    """A pandas Styler with number formats chosen from the unit in each column name: pounds for ``(GBP ...)``,
    percentages for ``(%)`` (values are fractions), one decimal for ``(working days)`` and ``FTE``; no index."""
    formats: dict[str, Any] = {}
    for column in table.columns:
        name = str(column)
        if "(GBP" in name:
            formats[column] = _money
        elif PCT in name:
            formats[column] = _percent
        elif "working days" in name or "FTE" in name:
            formats[column] = "{:,.1f}"
        elif "(hours" in name or "headcount" in name.lower() or "(cases" in name:
            formats[column] = "{:,.0f}"
    # escape="html": text cells and column headers are shown as text, never as markup (model.safety.html_text)
    styler = table.style.format(formats, na_rep="–", escape="html").format_index(escape="html", axis=1)
    styler = styler.hide(axis="index")
    numeric = [c for c in table.columns if c in formats or pd.api.types.is_numeric_dtype(table[c])]
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
    styler = styler.set_table_attributes('class="briefing-table"')
    if caption:
        styler = styler.set_caption(html_text(caption))
    return styler


def _money(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = float(value)
    if number <= -0.5:
        return f"-£{-number:,.0f}"
    return f"£{number if number > 0 else 0.0:,.0f}"  # no "-£0"


def _signed_money(value: float) -> str:
    """Money in words for text: '£1,234', or 'a saving of £1,234' when negative."""
    return _money(value) if value > -0.5 else f"a saving of {_money(-value)}"


def _percent(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = float(value)
    if abs(number) < 5e-4:
        number = 0.0  # no "-0.0%"
    return f"{number:.0%}" if abs(number) >= 0.1 else f"{number:.1%}"


def table_html(table: pd.DataFrame, caption: str | None = None) -> str:
    """HTML of a board table (``style_table``), header cells marked with their scope (``model.accessible``); a
    table whose first column is text (member, measure, service) has that column as row headers."""
    row_headers = len(table.columns) > 1 and not pd.api.types.is_numeric_dtype(table[table.columns[0]])
    return mark_header_cells(str(style_table(table, caption).to_html()), row_headers=row_headers)


def figure_png(figure: Figure) -> bytes:
    """PNG bytes of a figure (as saved to the run folder)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------------------------
# Sections available from the scenario alone


def headline_section(briefing: Briefing) -> Section:
    """At a glance: who is in, the host team, what the service costs a year and what members pay (full membership,
    expected values from ``model.summary``; no simulation)."""
    scenario = briefing.scenario
    costs = summary.cost_summary(scenario)
    rate = contribution_rate(scenario)
    contributions = rate * costs["member_headcount"]
    surplus = contributions - costs["total_cost_gbp_per_year"]
    headline = pd.DataFrame(
        [
            ("Members", f"{len(scenario.members)} (host: {scenario.host.member})"),
            ("Staff covered (headcount)", f"{costs['member_headcount']:,.0f}"),
            ("Host HR team (FTE)", f"{costs['host_fte']:.1f} ({costs['host_fte_per_100_staff']:.2f} per 100 staff)"),
            (
                "Cost today, expected from the inputs (GBP per year; see the note on figures)",
                _money(costs["total_cost_gbp_per_year"]),
            ),
            ("Cost per member employee (GBP per head per year)", _money(costs["cost_per_head_gbp_per_year"])),
            ("Per-capita contribution rate (GBP per head per year)", _money(rate)),
            ("Contributions from members (GBP per year)", _money(contributions)),
            ("Surplus (+) or deficit (-) (GBP per year)", _money(surplus)),
            ("Expected use of host case-work time (%)", _percent(costs["expected_utilisation"])),
        ],
        columns=["Measure", "Value"],
    )
    members = pd.DataFrame(
        [
            {
                "Member": member.name,
                "Headcount": member.headcount,
                "Joins (month from start)": member.join_month,
                "Contribution (GBP per year)": rate * member.headcount,
            }
            for member in scenario.members
        ]
    )
    breakdown = pd.Series(
        {
            "Host staff pay and on-costs": costs["host_pay_gbp_per_year"],
            "Systems, licences and purchases": costs["non_pay_gbp_per_year"],
            "Host overheads": costs["host_overhead_gbp_per_year"],
        }
    )
    surplus_words = "a surplus" if surplus >= 0 else "a deficit"
    text = (
        f"**{scenario.name}**: {len(scenario.members)} organisations with {costs['member_headcount']:,.0f} staff share "
        f"one HR service hosted by {scenario.host.member}. At full membership it costs about "
        f"**{_money(costs['total_cost_gbp_per_year'])} a year** ({_money(costs['cost_per_head_gbp_per_year'])} per "
        f"member employee). Members pay {_money(rate)} per head, {_money(contributions)} in all: "
        f"{surplus_words} of {_money(abs(surplus))} a year. These are expected values from the scenario's inputs; "
        "the sections below add the simulated variability."
    )
    tables = {"headline": headline, "members": members}
    notes = []
    verified = verified_headline(briefing)
    if verified is not None:
        text = f"{verified[0]}\n\n{text}"
        tables = {"recommendation": verified[1], **tables}
        notes.append(
            "Figures: the recommended catalogue's cost and saving are simulated for the membership as it settles "
            "(vacancies, agency backfill and per-case charges as they happen). Today's expected cost above is the "
            "same service priced from its inputs without simulation; the catalogue section's planning figure is "
            "the optimiser's (whole posts at full pay); the tariffs split that planning figure, c(N), computed on "
            "the same simulator-verified team sizes."
        )
    return Section(
        key="headline",
        title=SECTION_TITLES["headline"],
        text=text,
        notes=notes,
        tables=tables,
        figures={"cost_breakdown": plots.cost_breakdown(breakdown)},
        data={"costs": costs, "rate": rate, "breakdown": breakdown},
    )


def workload_by_skill(scenario: Scenario) -> pd.DataFrame:
    """Expected shared work hours a year against host case-work hours a year, per skill (own skills only: a role
    with several skills counts its hours under each, so capacity here is an upper bound per skill)."""
    demand = expected_annual_demand(scenario)
    shared = demand[demand["mode"] == Mode.SHARED.value]
    days = summary.available_days_per_fte(scenario)
    rows = []
    skills = list(dict.fromkeys(scenario.service(s).skill for s in scenario.service_names))
    for skill in skills:
        services = [s.name for s in scenario.services if s.skill == skill]
        hours = float(shared.loc[shared["service"].isin(services), "work_hours_per_year"].sum())
        capacity = sum(r.fte * r.productive_hours_per_day * days for r in scenario.roles if skill in r.skills)
        rows.append({"skill": skill, "demand_hours_per_year": hours, "capacity_hours_per_year": capacity})
    return pd.DataFrame(rows)


def demand_section(briefing: Briefing) -> Section:
    """Expected cases and staff hours per service at full membership, and work against host capacity per skill."""
    scenario = briefing.scenario
    demand = summary.demand_summary(scenario)
    table = pd.DataFrame(
        {
            "Service": [pretty(s) for s in demand["service"]],
            "Cases (cases per year)": demand["cases_per_year"],
            "Staff time (hours per year)": demand["work_hours_per_year"],
            "KPI": demand["kpi"],
        }
    )
    workload = workload_by_skill(scenario)
    staff = summary.host_staff_cost(scenario)
    team = pd.DataFrame(
        {
            "Role": [pretty(r) for r in staff["role"]],
            "Band": staff["band"],
            "FTE": staff["fte"],
            "Cost (GBP per year)": staff["cost_gbp_per_year"],
            "Case-work time (hours per year)": staff["casework_hours_per_year"],
        }
    )
    costs = summary.cost_summary(scenario)
    text = (
        f"At full membership the members generate about {demand['cases_per_year'].sum():,.0f} cases a year needing "
        f"{costs['shared_work_hours_per_year']:,.0f} hours of host staff time, against "
        f"{costs['host_casework_hours_per_year']:,.0f} hours of case-work time from {costs['host_fte']:.1f} FTE "
        f"(after leave and sickness): the team is expected to be {costs['expected_utilisation']:.0%} busy on cases."
    )
    return Section(
        key="demand",
        title=SECTION_TITLES["demand"],
        text=text,
        tables={"demand": table, "team": team},
        figures={"workload": plots.workload_vs_capacity(workload.assign(skill=[pretty(k) for k in workload["skill"]]))},
        data={"workload": workload},
    )


def assumptions_table(scenario: Scenario) -> pd.DataFrame:
    """Every input a board may question, with its value and the source recorded in the scenario file.

    Columns: Area, Item, Value, Source ("not stated" where the scenario gives none)."""
    rows: list[tuple[str, str, str, str]] = []

    def add(area: str, item: str, value: str, source: str) -> None:
        rows.append((area, item, value, source or "not stated"))

    for member in scenario.members:
        add(
            "Members",
            member.name,
            f"{member.headcount:,} staff ({member.fte:,.0f} FTE), joins month {member.join_month}"
            + (f", leaves month {member.leave_month}" if member.leave_month is not None else "")
            + "".join(
                f", {pretty(service).lower()} from month {month}"
                for service, month in member.service_start_month.items()
            ),
            member.source,
        )
    host = scenario.host
    overheads = ", ".join(f"{_lower(pretty(k))} {_money(v)}" for k, v in host.overheads_gbp_per_year.items())
    add("Host", f"{host.member} overheads (GBP per year)", overheads or "none", host.source)
    for role in scenario.roles:
        add(
            "Host staff",
            pretty(role.name),
            f"band {role.band}, {role.fte:g} FTE, salary {_money(role.salary_gbp_per_year)} + "
            f"{role.on_cost_rate:.0%} on-costs, agency {_money(role.agency_day_rate_gbp)} per day",
            role.source,
        )
    absence = scenario.absence
    add(
        "Absence",
        "Host staff leave, sickness, turnover",
        f"{absence.planned_leave_days:g} planned leave days a year, sickness {absence.sickness_rate:.1%}, "
        f"turnover {absence.turnover_rate_per_year:.0%} a year, {absence.vacancy_refill_days:g} working days to refill",
        absence.source,
    )
    for service in scenario.services:
        add(
            "Services",
            pretty(service.name),
            f"{service.demand_per_1000_headcount_per_year:g} cases per 1,000 staff a year, "
            f"{service.work_hours_mean:g} hour{'' if service.work_hours_mean == 1 else 's'} of work per case; "
            f"KPI: {service.kpi.description}",
            service.source,
        )
        if service.delivery.external is not None:
            tier = service.delivery.external.tiers[0]
            parts = []
            if tier.price_gbp_per_head_per_year:
                parts.append(f"{_money(tier.price_gbp_per_head_per_year)} per head per year")
            if tier.price_gbp_per_case or not parts:
                parts.append(f"{_money(tier.price_gbp_per_case)} per case")
            cheaper = len(service.delivery.external.tiers) > 1
            price = " + ".join(parts) + (" for the smallest buyers, less at larger volumes" if cheaper else "")
            add("External prices", pretty(service.name), price, service.delivery.external.source)
    tariff = scenario.tariff
    rate = "break-even" if tariff.per_capita_rate_gbp_per_head is None else _money(tariff.per_capita_rate_gbp_per_head)
    add("Tariff", f"method {tariff.method}", f"{rate} per head per year; surplus: {tariff.surplus_rule}", tariff.source)
    sim = scenario.simulation
    add(
        "Simulation",
        "Horizon and KPI reviews",
        f"{sim.horizon_months} months from {sim.start}, KPIs reviewed every {sim.kpi_review_months} months",
        "scenario settings",
    )
    return pd.DataFrame(rows, columns=["Area", "Item", "Value", "Source"])


def assumptions_section(briefing: Briefing) -> Section:
    """The inputs behind every number, with the source the scenario records for each."""
    table = assumptions_table(briefing.scenario)
    stated = int((table["Source"] != "not stated").sum())
    text = (
        f"{stated} of {len(table)} inputs name a source in the scenario file. Figures marked ESTIMATE or 'estimate' "
        "are judgements to be replaced with local data when available; the sensitivity section shows which matter."
    )
    return Section(key="assumptions", title=SECTION_TITLES["assumptions"], text=text, tables={"assumptions": table})


# ---------------------------------------------------------------------------------------------------------------------
# Sections resting on modules built in later stages


def verified_catalogue(briefing: Briefing) -> Any:
    """The recommended catalogue sized on simulator-calibrated capacity and verified by simulation, with its paired
    saving against today (``model.verification.verified_optimise``), computed once per briefing; None when the
    verification module is not available."""
    module, _reason = optional_module("model.verification", ["verified_optimise"])
    if module is None:
        return None
    return briefing.model_result(
        "verified_catalogue",
        lambda: module.verified_optimise(briefing.scenario, workers=briefing.workers, explain=briefing.explain),
    )


def catalogue_result(briefing: Briefing) -> Any:
    """The catalogue optimiser's answer: the verified catalogue's (``verified_catalogue``), else the plain optimiser's
    (``model.catalogue.optimise``); None when neither is available."""
    verified = verified_catalogue(briefing)
    if verified is not None:
        return verified.result
    module, _reason = optional_module("model.catalogue", ["optimise"])
    if module is None:
        return None
    return briefing.model_result(
        "catalogue_result", lambda: module.optimise(briefing.scenario, explain=briefing.explain)
    )


def _interval_money(values: dict[str, float]) -> str:
    return f"{_money(values['mean'])} (95% CI {_money(values['ci_low'])} to {_money(values['ci_high'])})"


def verified_headline(briefing: Briefing) -> tuple[str, pd.DataFrame] | None:
    """The one headline the briefing leads with (text and table): the recommended catalogue's simulated annual cost,
    its saving against today, both with intervals, and the KPI reliability it achieves; None when unavailable."""
    try:
        verified = verified_catalogue(briefing)
    except Exception:  # noqa: BLE001 - the catalogue section reports the failure
        return None
    if verified is None or verified.saving is None:
        return None
    head = verified.headline()
    cost, saving, today = (
        head["recommended_cost_gbp_per_year"],
        head["saving_gbp_per_year"],
        head["today_cost_gbp_per_year"],
    )
    reliability = head["reliability_by_service"]
    meeting = sum(1 for r in reliability.values() if r["reliability"] >= r["target"])
    lowest = min(reliability.items(), key=lambda kv: kv[1]["reliability"]) if reliability else None
    from model.verification import saving_in_words

    is_saving, amount, low, high = saving_in_words(saving)
    change = "saves" if is_saving else "costs"
    versus = "against today's service" if is_saving else "more than today's service"
    text = (
        f"**Recommended catalogue: {_money(cost['mean'])} a year** (95% CI {_money(cost['ci_low'])} to "
        f"{_money(cost['ci_high'])}), which {change} **{_money(amount)} a year {versus}** "
        f"(95% CI {_money(low)} to {_money(high)}). "
        f"It meets the KPI reliability of {meeting} of {len(reliability)} services"
        + (
            f"; the lowest is {_lower(pretty(lowest[0]))} at {lowest[1]['reliability']:.0%} of review periods "
            f"against a required {lowest[1]['target']:.0%}. "
            if lowest
            else ". "
        )
        + f"Both figures are simulated ({head['replications']} paired replications of the membership as it settles, "
        "same random numbers for today and the recommendation); every other cost in this briefing is explained "
        "against them."
    )
    rows = [
        ("Recommended catalogue, simulated (GBP per year)", _interval_money(cost)),
        ("Today's service, simulated on the same replications (GBP per year)", _interval_money(today)),
        ("Saving against today (GBP per year; negative = extra cost)", _interval_money(saving)),
        ("Verified by simulation", f"{'yes' if verified.verified else 'NO'} ({verified.rounds} round(s))"),
    ]
    for service, r in reliability.items():
        rows.append(
            (
                f"KPI reliability: {pretty(service)} ({r['team']})",
                f"{r['reliability']:.0%} (95% CI {r['ci_low']:.0%} to {r['ci_high']:.0%}; required {r['target']:.0%})",
            )
        )
    return text, pd.DataFrame(rows, columns=["Measure", "Value"])


MODE_LABELS = {"shared": "Shared", "in_house": "In house", "external": "External", "": "–"}


def catalogue_section(briefing: Briefing) -> Section:
    """The recommended service catalogue (how each member should receive each service: shared by the host team, in
    house or bought externally) and the saving against every member going alone, from ``model.catalogue``."""
    section = Section(key="catalogue", title=SECTION_TITLES["catalogue"])
    module, reason = optional_module("model.catalogue", ["optimise"])
    if module is None:
        section.missing.append(not_yet("the recommended service catalogue and savings against going alone", reason))
        return section
    scenario = briefing.scenario
    result = catalogue_result(briefing)
    modes = result.decision_table()
    staffing = result.staffing
    host = staffing[staffing["team"] == module.HOST_TEAM]
    rows = []
    for service in modes.index:
        team = host[host["service"] == service]
        row: dict[str, Any] = {"Service": pretty(service)}
        for member in modes.columns:
            row[member] = MODE_LABELS.get(str(modes.loc[service, member]), str(modes.loc[service, member]))
        row["Host team"] = (
            ", ".join(
                f"{fte:g} FTE {_lower(pretty(role))}" for role, fte in zip(team["role"], team["fte"], strict=True)
            )
            or "–"
        )
        decided = result.decisions[result.decisions["service"] == service]
        extra = decided["next_best_extra_gbp_per_year"].dropna()
        row["Next best choice costs more by (GBP per year)"] = float(extra.min()) if len(extra) else math.nan
        rows.append(row)
    catalogue = pd.DataFrame(rows)
    if not briefing.explain:
        catalogue = catalogue.drop(columns=["Next best choice costs more by (GBP per year)"])

    heads = {member.name: member.headcount for member in scenario.members}
    served = set(result.decisions["member"])  # members with demand in the steady-state month
    alone = {member: cost for member, cost in result.standalone_gbp_per_year.items() if member in served}
    inactive = [member for member in scenario.member_names if member not in served]
    total = result.total_cost_gbp_per_year
    share_column = "Per-capita share of the shared catalogue (GBP per year)"
    try:
        tariffs = tariff_result(briefing)
    except Exception:  # noqa: BLE001 - the tariff section reports it; here fall back to a plain per-head split
        tariffs = None
    if tariffs is not None:  # the tariff model's per-capita split, so this table agrees with the tariff section
        by_member = tariffs.by_member.set_index("member")
        shares = {member: float(by_member.loc[member, "per_capita"]) for member in alone if member in by_member.index}
        split_words = "per-capita (each service's cost by headcount among its users, as in the tariff section)"
    else:
        total_heads = float(sum(heads[m] for m in alone))
        shares = {member: total * heads[member] / total_heads for member in alone}
        split_words = "per head"
    savings = pd.DataFrame(
        [
            {
                "Member": member,
                "Headcount": heads[member],
                "Cost going alone (GBP per year)": alone[member],
                share_column: shares.get(member, math.nan),
            }
            for member in alone
        ]
    )
    savings["Saving (GBP per year)"] = savings["Cost going alone (GBP per year)"] - savings[share_column]
    totals = pd.DataFrame(
        [
            ("Every member going alone (GBP per year)", result.standalone_total_gbp_per_year),
            ("Recommended shared catalogue (GBP per year)", total),
            ("Saving (GBP per year)", result.saving_gbp_per_year),
        ],
        columns=["Measure", "Value (GBP per year)"],
    )
    share = (
        result.saving_gbp_per_year / result.standalone_total_gbp_per_year if result.standalone_total_gbp_per_year else 0
    )
    shared_services = [_lower(pretty(s)) for s in modes.index if (modes.loc[s] == "shared").any()]
    external = [_lower(pretty(s)) for s in modes.index if (modes.loc[s] == "external").all()]
    verified = verified_catalogue(briefing)
    relation = ""
    if verified is not None and verified.saving is not None:
        simulated = verified.saving.recommended_cost[0]
        relation = (
            f"This is the optimiser's planning figure (whole posts at full pay); simulated, the same catalogue "
            f"costs {_money(simulated)} a year (the headline), {_money(abs(total - simulated))} "
            f"{'less' if simulated < total else 'more'} because posts fall vacant, agency cover is bought and "
            "per-case charges follow the cases that arrive. "
        )
    text = (
        f"The cheapest way to deliver every service within its KPI reliability costs **{_money(total)} a year**, "
        f"against "
        f"{_money(result.standalone_total_gbp_per_year)} if every member ran its own HR service: a saving of "
        f"**{_money(result.saving_gbp_per_year)} a year ({share:.0%})**. "
        + (f"The host team should deliver {_join(shared_services)}. " if shared_services else "")
        + (f"It is cheaper for every member to buy {_join(external)} from outside providers. " if external else "")
        + relation
        + "Costs include host staff sized on pool capacity calibrated by the simulator and verified by simulating "
        f"the recommendation, systems, licences and purchases; the saving per member assumes the shared cost is "
        f"split {split_words}."
    )
    section.text = text
    section.tables = {"totals": totals, "catalogue": catalogue, "savings": savings}
    section.figures = {
        "savings": plots.grouped_bars(
            savings.assign(Member=savings["Member"]),
            "Member",
            ["Cost going alone (GBP per year)", share_column],
            labels=["going alone", "per-capita share of the shared catalogue"],
            title="Annual cost per member: going alone against sharing",
        )
    }
    if inactive:
        section.notes.append(
            "Not in the catalogue (no demand in the last simulated month, when membership is as it will stay): "
            + ", ".join(inactive)
            + "."
        )
    if len(result.unavailable):
        section.notes.append(
            "Options ruled out: "
            + "; ".join(
                f"{pretty(r.service)} {r.mode} for {r.member}: {r.reason}" for r in result.unavailable.itertuples()
            )
        )
    section.data = {"result": result}
    return section


def _lower(text: str) -> str:
    """Lower-case except acronyms: ``HR administrator`` stays, ``Training`` -> ``training``."""
    return " ".join(word if word in ACRONYMS.values() else word.lower() for word in text.split(" "))


def _join(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def tariff_result(briefing: Briefing) -> Any:
    """The tariff model's answer (``model.tariffs.tariff_table``: per-capita, activity-based, Shapley, nucleolus and
    closest-core allocations of the efficient cost c(N), with core checks), computed once per briefing, with the
    host risk premium when the risk model provides one; None when ``model.tariffs`` is not available."""
    module, _reason = optional_module("model.tariffs", ["tariff_table"])
    if module is None:
        return None
    premium = host_risk_premium(briefing)

    def compute() -> Any:
        try:
            verified = verified_catalogue(briefing)
        except Exception:  # noqa: BLE001 - reported by the catalogue section; tariffs fall back to Erlang C
            verified = None
        return module.tariff_table(
            briefing.scenario,
            host_risk_premium_gbp_per_year=premium or 0.0,
            workers=briefing.workers,
            catalogue_options=verified.options if verified is not None else None,
        )

    return briefing.model_result("tariff_result", compute)


TARIFF_COLUMNS = {
    "stand_alone": "Cost going alone",
    "net_today": "Today's net payment",
    "per_capita": "Per-capita",
    "activity_based": "Activity-based",
    "shapley": "Shapley value",
    "nucleolus": "Nucleolus",
    "closest_core": "Closest fair to per-capita",
    "risk_premium": "Host risk premium",
}


def tariff_section(briefing: Briefing) -> Section:
    """Per-capita charges against fair allocations, and the core check: would any group of members be better off
    leaving? (``model.tariffs``, which splits the efficient cost of the recommended catalogue c(N) using the cost of
    every group of members on its own.)"""
    scenario = briefing.scenario
    rate = contribution_rate(scenario)
    section = Section(key="tariffs", title=SECTION_TITLES["tariffs"], data={"rate": rate})
    module, reason = optional_module("model.tariffs", ["tariff_table"])
    if module is None:
        section.text = (
            f"Today every member pays the same {_money(rate)} per member employee a year (per-capita). "
            "A fair tariff charges each member no more than it would pay on its own or in any smaller group."
        )
        section.tables = {
            "tariffs": pd.DataFrame(
                [
                    {"Member": m.name, "Headcount": m.headcount, "Per-capita (GBP per year)": rate * m.headcount}
                    for m in scenario.members
                ]
            )
        }
        section.missing.append(not_yet("fair tariff allocations and the core check", reason))
        return section
    result = tariff_result(briefing)
    members = result.member_table()
    if not (members["risk_premium"] > 0).any():
        members = members.drop(columns=["risk_premium"])
    table = pd.DataFrame({"Member": members["member"], "Headcount": members["headcount"]})
    for column in members.columns[2:]:
        table[f"{TARIFF_COLUMNS.get(column, pretty(column))} (GBP per year)"] = members[column].to_numpy()
    methods = result.core["methods"]
    core = pd.DataFrame(
        [
            {
                "Tariff": TARIFF_COLUMNS.get(method, pretty(method)),
                "Fair (no group would leave)": "yes" if check["in_core"] else "no",
                "Verdict": check["verdict"],
            }
            for method, check in methods.items()
        ]
    )
    if "today" in result.core:
        core.loc[len(core)] = ["Today's net payment", "–", result.core["today"]["verdict"]]
    adopted = "per_capita" if "per_capita" in methods else next(iter(methods))
    check = methods[adopted]
    worst = " + ".join(check["worst_coalition"])
    if check["in_core"]:
        verdict = (
            "**No group of members would be better off leaving** under the per-capita split of the efficient cost: "
            f"the group closest to leaving ({worst}) still saves {_money(-check['excess_gbp_per_year'])} a year by "
            "staying."
        )
    else:
        verdict = (
            f"**The per-capita split is not stable**: {worst} would save {_money(check['excess_gbp_per_year'])} a "
            "year by leaving. The Shapley value, nucleolus and closest fair split below are the alternatives."
        )
    totals = result.totals
    section.text = (
        f"Every column splits the same efficient annual cost, {_money(totals['grand_coalition_cost_gbp_per_year'])} "
        "(the recommended catalogue's planning figure, c(N), on the simulator-verified team sizes), "
        f"against {_money(totals['stand_alone_total_gbp_per_year'])} if every member went alone. Per-capita shares "
        "each service's cost by headcount among the members that use it; activity-based by the work each member "
        "generates; the Shapley value charges each member its average extra cost of joining; the nucleolus keeps the "
        "least contented group as far from leaving as possible. "
        f"{verdict} Today members pay {_money(rate)} per head, {_money(totals['today_contributions_gbp_per_year'])} "
        f"in all, for today's host team, which costs {_money(totals['today_cost_gbp_per_year'])} a year."
    )
    section.tables = {"tariffs": table, "core_check": core}
    shown = [c for c in ("per_capita", "activity_based", "shapley", "nucleolus", "stand_alone") if c in members]
    section.figures = {
        "tariffs": plots.grouped_bars(
            members,
            "member",
            shown,
            labels=[TARIFF_COLUMNS[c] for c in shown],
            title="Annual charge per member under each tariff",
        )
    }
    section.notes.extend(result.notes)
    if host_risk_premium(briefing) is None:
        section.notes.append(
            "No host risk premium is included: the risk model is not available (see the risk section)."
        )
    section.data.update({"result": result})
    return section


def tariff_detail_section(briefing: Briefing) -> Section:
    """For commissioners: every group's own cost c(S) against its members' stand-alone costs, and the charge per
    member and service under the per-capita and Shapley tariffs (``model.tariffs``)."""
    section = Section(key="tariff_detail", title=SECTION_TITLES["tariff_detail"])
    module, reason = optional_module("model.tariffs", ["tariff_table"])
    if module is None:
        section.missing.append(not_yet("coalition costs and charges by service", reason))
        return section
    result = tariff_result(briefing)
    groups = result.coalition_costs
    section.tables["groups"] = pd.DataFrame(
        {
            "Group of members": [str(key).replace("+", " + ") for key in groups["coalition"]],
            "Members": groups["size"],
            "Cost on its own (GBP per year)": groups["cost_gbp_per_year"],
            "Sum of stand-alone costs (GBP per year)": groups["stand_alone_sum_gbp_per_year"],
            "Saving from sharing (GBP per year)": groups["saving_gbp_per_year"],
        }
    )
    for method in ("per_capita", "shapley"):
        if method in set(result.by_member_service["method"]):
            section.tables[f"by_service_{method}"] = money_table(result.service_matrix(method))
    section.text = (
        f"{len(groups)} groups of members, each costed as if it ran the service on its own (the efficient catalogue "
        "for that group). A fair tariff charges every group no more than its own cost. The two tables after it "
        "split each member's charge by service: per-capita and the Shapley value (whose member totals are spread "
        "over services in proportion to activity)."
    )
    return section


def experiment(briefing: Briefing) -> Any:
    """The simulation replications (``model.replications.multiple_replications``, case records kept), computed once
    per briefing; None when the replication runner is not available."""
    module, _reason = optional_module("model.replications", ["multiple_replications"])
    if module is None:
        return None
    return briefing.model_result(
        "experiment",
        lambda: module.multiple_replications(
            briefing.scenario,
            briefing.n_replications,
            workers=briefing.workers,
            progress=briefing.progress,
            keep_cases=True,
            seed=briefing.run_seed,
        ),
    )


def _period_start(label: str) -> pd.Timestamp:
    return pd.Timestamp(f"{label}-01")


def member_period_attainment(briefing: Briefing) -> pd.DataFrame:
    """SLA attainment (fraction of cases within the KPI target) per member x service x bi-monthly review period, one
    row per replication (``KPI_COLUMNS``: replication, metric, service, member, role, period, value).

    Taken from the KPI table when ``model.kpis`` reports member x period rows; otherwise ``model.kpis`` is applied
    to each member's cases alone, so the definition (review period in which the outcome became known, open cases
    older than the target count as misses) is exactly the KPI module's.
    """
    result = experiment(briefing)
    table = result.kpis
    rows = table[(table["metric"] == "sla_attainment") & (table["period"] != "all") & (table["member"] != "all")]
    if len(rows):
        return rows.reset_index(drop=True)
    kpis = importlib.import_module("model.kpis")
    simulation = importlib.import_module("model.simulation")
    frames = []
    cases, staff, backlog = result.cases, result.staff, result.backlog
    for replication in sorted(set(cases["replication"])):
        own = cases[cases["replication"] == replication].drop(columns="replication")
        own_staff = staff[staff["replication"] == replication].drop(columns="replication")
        own_backlog = backlog[backlog["replication"] == replication].drop(columns="replication")
        for member in briefing.scenario.member_names:
            output = simulation.SimulationOutput(
                int(replication),
                own[own["member"] == member],
                own_staff,
                own_backlog,
                result.horizon_days,
                result.warm_up_days,
            )
            part = kpis.replication_kpis(briefing.scenario, output)
            part = part[(part["metric"] == "sla_attainment") & (part["period"] != "all") & (part["member"] == "all")]
            frames.append(part.assign(member=member))
    return pd.concat(frames, ignore_index=True)


def kpi_section(briefing: Briefing) -> Section:
    """KPI attainment by member per bi-monthly review (mean over replications with 95% confidence bands) and over
    the whole horizon, from the simulation (``model.replications`` and ``model.kpis``)."""
    section = Section(key="kpis", title=SECTION_TITLES["kpis"])
    module, reason = optional_module("model.replications", ["multiple_replications"])
    if module is None:
        section.missing.append(not_yet("simulated KPI attainment by member and review period", reason))
        return section
    statistics = importlib.import_module("model.statistics")
    scenario = briefing.scenario
    result = experiment(briefing)
    targets = {service.name: service.kpi.target_fraction for service in scenario.services}

    periods = member_period_attainment(briefing)
    summary_rows = statistics.summarise(periods, ["service", "member", "period"])
    summary_rows = summary_rows[summary_rows["n"] > 0].copy()
    summary_rows["period"] = [_period_start(label) for label in summary_rows["period"]]
    figure_rows = summary_rows[summary_rows["service"] != "all"]

    kpis = result.kpis
    overall = kpis[(kpis["metric"] == "sla_attainment") & (kpis["period"] == "all") & (kpis["member"] != "all")]
    overall = statistics.summarise(overall[overall["service"] != "all"], ["service", "member"])
    table_rows = []
    for service in scenario.services:
        part = overall[overall["service"] == service.name]
        if part.empty:
            continue
        row: dict[str, Any] = {"Service": pretty(service.name), "Target (%)": service.kpi.target_fraction}
        for member in scenario.member_names:
            cell = part[part["member"] == member]
            row[member] = _interval_text(cell) if len(cell) else "–"
        table_rows.append(row)
    attainment = pd.DataFrame(table_rows)

    met = kpis[(kpis["metric"] == "sla_target_met") & (kpis["member"] == "all") & (kpis["period"] == "all")]
    met_share = met.groupby("service", sort=False)["value"].mean()
    below = [_lower(pretty(s)) for s, share in met_share.items() if share < 0.5]
    n = briefing.n_replications
    first, last = scenario.simulation.start, _last_month_label(scenario)
    section.text = (
        f"Share of cases completed within each service's target time, from {n} simulated runs of {first} to {last} "
        "(each a different but equally likely sequence of cases, leave and sickness). The table gives each member's "
        "attainment over the whole period with its 95% confidence interval; the chart shows it per bi-monthly KPI "
        "review, with shaded 95% bands and the target as a dashed line. "
        + (
            f"Services below target in most runs: {_join(below)}."
            if below
            else "Every service meets its target in most runs."
        )
    )
    section.tables = {"attainment": attainment}
    if n < 2:
        section.notes.append("With one replication there are no confidence intervals; run at least 2.")
    section.figures = {
        "kpi_attainment": plots.kpi_attainment(
            figure_rows.rename(columns={})[["service", "member", "period", "mean", "ci_low", "ci_high"]].assign(
                service=lambda f: [pretty(s) for s in f["service"]]
            ),
            targets={pretty(name): value for name, value in targets.items()},
            period_label="Bi-monthly review period (start month)",
        )
    }
    section.data = {"periods": summary_rows, "overall": overall}
    return section


def _interval_text(cell: pd.DataFrame) -> str:
    """'93% (91–95%)' from one summarise row (fractions); the mean alone when there is no interval."""
    row = cell.iloc[0]
    if row["n"] == 0 or pd.isna(row["mean"]):
        return "–"
    if pd.isna(row["ci_low"]):
        return f"{row['mean']:.0%}"
    low, high = max(0.0, float(row["ci_low"])), min(1.0, float(row["ci_high"]))
    if f"{low:.0%}" == f"{high:.0%}":
        return f"{row['mean']:.0%}"  # no spread at this precision: "100%", not "100% (100%–100%)"
    return f"{row['mean']:.0%} ({low:.0%}–{high:.0%})"


def _last_month_label(scenario: Scenario) -> str:
    """Label YYYY-MM of the last simulated month."""
    sim = scenario.simulation
    index = sim.start_year * 12 + sim.start_calendar_month - 1 + sim.horizon_months - 1
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def risk_result(briefing: Briefing) -> Any:
    """The stress tests and host risk premium (``model.risk.run_stress_tests`` on the briefing's replications and
    seed, common random numbers), computed once per briefing; None when ``model.risk`` is not available."""
    module, _reason = optional_module("model.risk", ["run_stress_tests"])
    if module is None:
        return None
    return briefing.model_result(
        "risk_result",
        lambda: module.run_stress_tests(
            briefing.scenario, n=briefing.n_replications, seed=briefing.run_seed, workers=briefing.workers
        ),
    )


def host_risk_premium(briefing: Briefing) -> float | None:
    """The host risk premium charged in the tariffs, pounds per year (``model.risk``: expected extra host cost of
    unplanned leave, floored at 0), or None without the risk model or when it fails (the risk section then says
    why, and the tariffs are shown without a premium)."""
    try:
        result = risk_result(briefing)
    except Exception:  # noqa: BLE001 - reported by the risk section
        return None
    return None if result is None else float(result.premium.tariff_premium_gbp_per_year)


def risk_section(briefing: Briefing) -> Section:
    """The host's financial risk from unplanned staff leave (agency cover less pay saved on vacancies), a bad year,
    the premium that makes hosting cost-neutral, and the stress tests (``model.risk``)."""
    section = Section(key="risk", title=SECTION_TITLES["risk"])
    module, reason = optional_module("model.risk", ["run_stress_tests"])
    if module is None:
        section.missing.append(not_yet("host risk and the risk premium", reason))
        return section
    scenario = briefing.scenario
    result = risk_result(briefing)
    premium = result.premium
    summary_table = result.summary
    stresses = pd.DataFrame(
        {
            "Stress test": [pretty(s) for s in summary_table["stress"]],
            "What happens": summary_table["description"],
            "Cases within KPI (%)": summary_table["attainment_mean"],
            "Chance some KPI is missed (%)": summary_table["p_any_kpi_breach"],
            "Host cost, average year (GBP per year)": summary_table["host_cost_mean_gbp_per_year"],
            "Host cost, bad year (1 in 20) (GBP per year)": summary_table["host_cost_p95_gbp_per_year"],
            "Extra host cost against normal (GBP per year)": summary_table["extra_vs_base_gbp_per_year"],
        }
    )
    charged = premium.tariff_premium_gbp_per_year
    scale = charged / premium.premium_gbp_per_year if premium.premium_gbp_per_year > 0 else 0.0
    rows = [
        ("Host risk premium (GBP per year)", _money(charged)),
        (
            "Expected extra host cost of unplanned leave, 95% interval (GBP per year)",
            f"{_money(premium.premium_gbp_per_year)} ({_money(premium.ci_low)} to {_money(premium.ci_high)})",
        ),
        ("Host cost in a bad year, 1 in 20 (GBP per year)", _money(premium.p95_gbp_per_year)),
        (
            "Premium per head of the other members (GBP per head per year)",
            _money(premium.per_head_gbp_per_year * scale),
        ),
    ]
    rows += [
        (f"Premium paid by {name} (GBP per year)", _money(value * scale)) for name, value in premium.per_member.items()
    ]
    premium_table = pd.DataFrame(rows, columns=["Measure", "Value"])
    host = scenario.host.member
    section.text = (
        f"{host} hosts the team and carries the cost of unplanned staff leave: agency cover for long sickness and "
        f"vacancies, less the pay it saves while posts are empty. Over {premium.replications} simulated runs the "
        f"net effect on the host averages {_signed_money(premium.premium_gbp_per_year)} a year against a year "
        f"without unplanned leave; its net cost in a bad year (1 in 20) is "
        f"{_signed_money(premium.p95_gbp_per_year)}. "
        + (
            f"A premium of **{_money(charged)} a year**, paid by the other members in proportion to headcount "
            f"({_money(premium.per_head_gbp_per_year * scale)} per head), makes hosting cost-neutral on average; the "
            "tariff table includes it. "
            if charged > 0
            else "On average the pay saved on empty posts covers the agency cost, so **no premium is needed**. "
        )
        + "The stress tests show what each shock would do to the service and to the host."
    )
    section.tables = {"premium": premium_table, "stress_tests": stresses}
    figure_function = getattr(module, "risk_figure", None)
    if figure_function is not None:
        section.figures = {"stress_tests": figure_function(result)}
    section.notes.extend(result.notes)
    section.data = {"result": result}
    return section


def staffing_result(briefing: Briefing) -> Any:
    """The host team sized by simulation (``model.staffing.size_staffing``: smallest FTE per role meeting every KPI
    in 90% of runs), computed once per briefing with replication batches of the briefing's size; None without
    ``model.staffing``."""
    module, _reason = optional_module("model.staffing", ["size_staffing"])
    if module is None:
        return None
    n = briefing.n_replications
    return briefing.model_result(
        "staffing_result",
        lambda: module.size_staffing(
            briefing.scenario,
            initial=n,
            batch=n,
            max_replications=3 * n,
            max_evaluations=8,
            seed=briefing.run_seed,
            workers=briefing.workers,
        ),
    )


def staffing_section(briefing: Briefing) -> Section:
    """The host team size needed to meet every KPI in 90% of simulated years, against today's team and against
    every member staffing its own HR team (``model.staffing``)."""
    section = Section(key="staffing", title=SECTION_TITLES["staffing"])
    module, reason = optional_module("model.staffing", ["size_staffing"])
    if module is None:
        section.missing.append(not_yet("the host team size needed to meet the KPIs", reason))
        return section
    result = staffing_result(briefing)
    roles = result.roles
    team = pd.DataFrame(
        {
            "Role": [pretty(r) for r in roles["role"]],
            "Services": [str(s).replace("_", " ") for s in roles["services"]],
            "Today (FTE)": roles["today_fte"],
            "Queueing estimate (FTE)": roles["erlang_fte"],
            "Needed by simulation (FTE)": roles["simulated_fte"],
            "People": roles["people"],
            "Cost (GBP per year)": roles["cost_gbp_per_year"],
        }
    )
    services = result.services
    verdicts = pd.DataFrame(
        {
            "Service": [pretty(s) for s in services["service"]],
            "Runs": services["replications"],
            "Chance the KPI is met (%)": services["p_met"],
            "95% interval": [
                f"{low:.0%} to {high:.0%}" for low, high in zip(services["p_low"], services["p_high"], strict=True)
            ],
            "Verdict": services["verdict"],
        }
    )
    alone = result.standalone
    standalone = pd.DataFrame(
        {
            "Team": alone["team"],
            "FTE": alone["fte"],
            "People": alone["people"],
            "Cost (GBP per year)": alone["cost_gbp_per_year"],
        }
    )
    today = float(roles["today_fte"].sum())
    needed = float(roles["simulated_fte"].sum())
    section.text = (
        f"The smallest host team that meets every KPI in at least {result.probability:.0%} of simulated years has "
        f"{needed:.1f} FTE, against {today:.1f} FTE today. The last table compares it with the staff each member "
        "would need to do the same work on its own."
    )
    section.tables = {"team": team, "kpis": verdicts, "standalone": standalone}
    section.notes.extend(result.notes)
    section.data = {"result": result}
    return section


def sensitivity_result(briefing: Briefing) -> Any:
    """The one-at-a-time tornado (``model.sensitivity.tornado``: inputs -/+20%, paired runs), with at most 5
    replications per point (11 points), computed once per briefing; None without ``model.sensitivity``."""
    module, _reason = optional_module("model.sensitivity", ["tornado"])
    if module is None:
        return None
    return briefing.model_result(
        "sensitivity_result",
        lambda: module.tornado(
            briefing.scenario,
            n=max(2, min(briefing.n_replications, 5)),
            seed=briefing.run_seed,
            workers=briefing.workers,
        ),
    )


def sensitivity_section(briefing: Briefing) -> Section:
    """Tornado charts: how much the annual cost and the share of cases within KPI move when each main input is 20%
    lower or higher (``model.sensitivity``)."""
    section = Section(key="sensitivity", title=SECTION_TITLES["sensitivity"])
    module, reason = optional_module("model.sensitivity", ["tornado", "tornado_figures"])
    if module is None:
        section.missing.append(not_yet("the sensitivity tornado", reason))
        return section
    result = sensitivity_result(briefing)
    table = result.table
    cost = table[table["output"] == "total_cost_gbp_per_year"]
    attainment = table[table["output"] == "sla_attainment"]
    rows = []
    for row in cost.itertuples(index=False):
        match = attainment[attainment["parameter"] == row.parameter]
        rows.append(
            {
                "Input": str(row.label)[:1].upper() + str(row.label)[1:],
                f"Cost, input x{result.low:g} (GBP per year)": row.low,
                f"Cost, input x{result.high:g} (GBP per year)": row.high,
                "Cost swing (GBP per year)": row.swing,
                f"Cases within KPI, input x{result.low:g} (%)": float(match["low"].iloc[0]) if len(match) else math.nan,
                f"Cases within KPI, input x{result.high:g} (%)": float(match["high"].iloc[0])
                if len(match)
                else math.nan,
            }
        )
    top = cost.iloc[0] if len(cost) else None
    section.text = (
        f"Each main input was set {1 - result.low:.0%} lower and {result.high - 1:.0%} higher in turn, the others "
        f"unchanged, on the same {result.replications} simulated runs, with today's host team. "
        + (
            f"The annual cost (base {_money(result.base['total_cost_gbp_per_year'])}) is most sensitive to "
            f"{top['label']}: {_money(top['low'])} to {_money(top['high'])}. "
            if top is not None
            else ""
        )
        + "Inputs at the top of the charts are the estimates most worth firming up."
    )
    section.tables = {"tornado": pd.DataFrame(rows)}
    section.figures = dict(module.tornado_figures(result))
    section.data = {"result": result}
    return section


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


SECTION_TITLES = {
    "headline": "At a glance",
    "demand": "Demand and host capacity",
    "catalogue": "Recommended service catalogue and savings",
    "tariffs": "Tariffs: who pays what, and is it fair?",
    "tariff_detail": "Tariff detail: groups of members and charges by service",
    "kpis": "Service standards: KPI attainment by member",
    "risk": "Host risk and the premium",
    "staffing": "Host team sizing",
    "sensitivity": "Sensitivity: what moves the result most",
    "assumptions": "Assumptions and their sources",
    "what_if": "What if: expected figures",
    "what_if_simulated": "What if: simulated cost and service standards",
}


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


# ---------------------------------------------------------------------------------------------------------------------
# What-if comparison


def what_if_table(base: Scenario, changed: Scenario) -> pd.DataFrame:
    """Headline expected figures of ``base`` and ``changed`` side by side, with the difference (``model.summary``)."""
    left, right = summary.cost_summary(base), summary.cost_summary(changed)
    rate_left, rate_right = contribution_rate(base), contribution_rate(changed)
    measures = [
        ("Staff covered (headcount)", "member_headcount"),
        ("Host HR team (FTE)", "host_fte"),
        ("Annual cost (GBP per year)", "total_cost_gbp_per_year"),
        ("Cost per member employee (GBP per head per year)", "cost_per_head_gbp_per_year"),
        ("Expected use of host case-work time (%)", "expected_utilisation"),
    ]
    rows = [(label, left[key], right[key]) for label, key in measures]
    rows.append(("Contribution rate (GBP per head per year)", rate_left, rate_right))
    surplus_left = rate_left * left["member_headcount"] - left["total_cost_gbp_per_year"]
    surplus_right = rate_right * right["member_headcount"] - right["total_cost_gbp_per_year"]
    rows.append(("Surplus (+) or deficit (-) (GBP per year)", surplus_left, surplus_right))
    table = pd.DataFrame(rows, columns=["Measure", "Base", "What if"])
    table["Change"] = table["What if"] - table["Base"]
    return table


def what_if_section(briefing: Briefing, overrides: Sequence[str]) -> Section:
    """Compare the scenario with a copy changed by ``PATH=VALUE`` overrides (``--set`` syntax)."""
    changed = apply_overrides(briefing.scenario, list(overrides)) if overrides else briefing.scenario
    table = what_if_table(briefing.scenario, changed)
    display = pd.DataFrame({"Measure": table["Measure"]})
    for column in ("Base", "What if", "Change"):
        display[column] = [
            _format_by_label(label, value) for label, value in zip(table["Measure"], table[column], strict=True)
        ]
    changes = "; ".join(f"`{item}`" for item in overrides) or "no changes"
    return Section(
        key="what_if",
        title=SECTION_TITLES["what_if"],
        text=f"Changes tested: {changes}. Expected values at full membership (no simulation).",
        tables={"what_if": display},
        data={"values": table, "changed": changed},
    )


def _format_by_label(label: str, value: float) -> str:
    if "(GBP" in label:
        return _money(value)
    if PCT in label:
        return _percent(value)
    if "FTE" in label:
        return f"{value:,.1f}"
    return f"{value:,.0f}"


# ---------------------------------------------------------------------------------------------------------------------
# Display (the only IPython-facing part) and run-folder output


def show(section: Section, plots_dir: str | Path | None = None, heading_level: int = 2) -> None:
    """Display a section in a notebook: heading, text, "Not yet available" lines, tables (with captions) and figures.
    Each figure is shown with alt text written from its data and the table of its numbers one click away
    (``model.figure_text``, ``model.accessible``); it is also written as ``<plots_dir>/<section>_<name>.png`` when
    ``plots_dir`` is given, then closed."""
    from IPython.display import HTML, Markdown, display

    display(Markdown(f"{'#' * heading_level} {html_text(section.title)}"))
    if section.text:
        display(Markdown(html_text(section.text)))
    for line in section.missing:
        display(HTML(f'<p class="not-yet"><strong>{html_text(line)}</strong></p>'))
    for table_name, table in section.tables.items():
        display(HTML(table_html(table, caption=table_caption(section.key, table_name, section.title))))
    described = figure_text.describe(section)
    for name, figure in section.figures.items():
        text = described[name]
        png = figure_png(figure)
        if plots_dir is not None:
            target = Path(plots_dir) / f"{section.key}_{name}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(png)
        data = table_html(text.table, caption=text.caption) if len(text.table) else ""
        display(HTML(figure_html(png, text.alt, table_html=data, figure_id=f"figure-{section.key}-{name}")))
        plots.close(figure)
    for note in section.notes:
        display(Markdown(f"*{html_text(note)}*"))


def write_section_tables(section: Section, output_dir: str | Path) -> list[Path]:
    """Write a section's tables as CSV files ``<output_dir>/tables/<section>_<name>.csv`` (text cells neutralised
    against formula injection by ``model.safety.write_csv``)."""
    written = []
    folder = Path(output_dir) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in section.tables.items():
        target = folder / f"{section.key}_{name}.csv"
        written.append(write_csv(table, target))
    return written


def missing_report(sections: Sequence[Section]) -> list[str]:
    """Every "Not yet available" line of ``sections``, in order."""
    return [line for section in sections for line in section.missing]


UNIT_MARKERS = ("GBP", "working days", "fraction of cases", "hours per year", "(%)", "month", "per year", "FTE")


def figure_labels(figure: Figure) -> list[dict[str, str]]:
    """Title, x label and y label of every visible axis of ``figure`` (what the reader sees as units)."""
    return [
        {"title": axis.get_title(), "xlabel": axis.get_xlabel(), "ylabel": axis.get_ylabel()}
        for axis in figure.axes
        if axis.get_visible() and axis.has_data()
    ]


def unlabelled_axes(figure: Figure) -> list[str]:
    """Axes of ``figure`` whose x and y labels name no unit (``UNIT_MARKERS``); empty when every axis is labelled."""
    bad = []
    for label in figure_labels(figure):
        text = f"{label['xlabel']} {label['ylabel']}"
        if not any(marker in text for marker in UNIT_MARKERS):
            bad.append(label["title"] or "(untitled axis)")
    return bad


def write_status(sections: Sequence[Section], output_dir: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write ``briefing_status.json``: which sections are complete, what is not yet available, and the axis labels
    of every figure (so a test can check the units without re-running the model)."""
    status = {
        **(extra or {}),
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "available": s.available,
                "missing": s.missing,
                "figures": {name: figure_labels(figure) for name, figure in s.figures.items()},
                "unlabelled_axes": {name: unlabelled_axes(f) for name, f in s.figures.items() if unlabelled_axes(f)},
            }
            for s in sections
        ],
        "missing": missing_report(sections),
    }
    target = Path(output_dir) / "briefing_status.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(status, indent=2) + "\n", encoding="utf-8")
    return target


def finance_tables(briefing: Briefing) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The finance workbook's tables: (member x service schedule of the adopted tariff, per-member summary of every
    tariff, name of the adopted method), pounds per year.

    The schedule is the scenario's ``tariff.method`` when the tariff model computes it (per-capita by default),
    else today's contributions spread over services (``assessed_share``). Without the tariff model the schedule
    holds each member's per-capita contribution as a single ``Total`` column."""
    scenario = briefing.scenario
    try:
        result = tariff_result(briefing)
    except Exception:  # noqa: BLE001 - the tariff section says why; finance still gets today's charges
        result = None
    if result is None:
        rate = contribution_rate(scenario)
        schedule = pd.DataFrame(
            {"Total": [rate * m.headcount for m in scenario.members]},
            index=pd.Index(scenario.member_names, name="member"),
        )
        summary_table = pd.DataFrame(
            [
                {"Member": m.name, "Headcount": m.headcount, "Per-capita (GBP per year)": rate * m.headcount}
                for m in scenario.members
            ]
        )
        return schedule, summary_table, "per_capita (today's rate; the tariff model is not available)"
    method = scenario.tariff.method
    methods = set(result.by_member_service["method"])
    adopted = method if method in methods else "today"
    schedule = result.service_matrix(adopted)
    schedule.columns = [str(c) if str(c) == "Total" else pretty(str(c)) for c in schedule.columns]
    summary_table = section(briefing, "tariffs").tables["tariffs"].copy()
    return schedule, summary_table, adopted


def finance_notes(briefing: Briefing, adopted: str) -> list[tuple[str, str]]:
    """The Notes sheet's first rows: units, method, scenario identity (its SHA-256 is the one in manifest.json)."""
    scenario = briefing.scenario
    rate = contribution_rate(scenario)
    tariffs = section(briefing, "tariffs")
    notes = [
        ("Scenario", scenario.name),
        ("Scenario SHA-256", f"{scenario.content_hash()} (as scenario_sha256 in the run's manifest.json)"),
        # the file's name only: where it lived on someone's disk is no part of the record (name and hash are)
        ("Scenario file", Path(briefing.scenario_path).name if briefing.scenario_path else "the default scenario"),
        ("Units", "Pounds sterling per year (GBP per year) at full membership (the last simulated month)."),
        (
            "Tariff schedule",
            f"Method '{adopted}' (scenario tariff method '{scenario.tariff.method}', today's rate {_money(rate)} per "
            f"head, surplus rule '{scenario.tariff.surplus_rule}'). Rows: members; columns: services, "
            "host overhead and, when charged, the host risk premium.",
        ),
        (
            "Summary",
            "Each member's annual charge under every tariff the model computes, all splitting the same efficient "
            "cost of the recommended service catalogue, beside its cost going alone and today's net payment.",
        ),
        ("Totals", "Totals are sums of the unrounded amounts; cells show whole pounds."),
    ]
    notes += [("Model note", note) for note in tariffs.notes]
    notes += [("Not yet available", line.split(": ", 1)[1]) for line in tariffs.missing]
    return notes


def write_finance_workbook(briefing: Briefing, path: str | Path) -> Path:
    """Write ``tariffs.xlsx`` (see ``model.excel``): schedule by member and service, summary, notes with sources."""
    from model import excel

    schedule, summary_table, adopted = finance_tables(briefing)
    return excel.write_tariff_schedule(
        path,
        schedule=schedule,
        summary=summary_table,
        notes=finance_notes(briefing, adopted),
        assumptions=assumptions_table(briefing.scenario),
        title=f"Tariff schedule: {briefing.scenario.name}",
    )


def write_outputs(briefing: Briefing, excel_name: str | None = "tariffs.xlsx") -> dict[str, Path]:
    """Write what the run folder keeps besides the notebook, into ``briefing.output_dir``: the tables of every section
    computed so far (CSV), ``briefing_status.json`` and (unless ``excel_name`` is None) the finance workbook.
    Returns the paths (empty when no output folder is set)."""
    if briefing.output_dir is None:
        return {}
    folder = Path(briefing.output_dir)
    if excel_name:
        section(briefing, "tariffs")
    sections = computed_sections(briefing)
    for computed in sections:
        write_section_tables(computed, folder)
    status = write_status(
        sections,
        folder,
        extra={
            "scenario": briefing.scenario.name,
            "scenario_sha256": briefing.scenario.content_hash(),
            "replications": briefing.n_replications,
            "seed": briefing.run_seed,
            # Which interpreter ran the notebook, without recording where it lives on this disk: its version and
            # a SHA-256 of its resolved path (a test compares it with the caller's).
            "kernel_python": f"Python {sys.version.split()[0]}",
            "kernel_interpreter_sha256": hashlib.sha256(str(Path(sys.executable).resolve()).encode()).hexdigest(),
        },
    )
    written = {"status": status, "tables": folder / "tables"}
    if excel_name:
        written["excel"] = write_finance_workbook(briefing, folder / excel_name)
    return written


BRIEFING_CSS = (
    """
<style>
  table.briefing-table { border-collapse: collapse; margin: 0.5em 0 1.2em; font-size: 0.95em; }
  .jp-RenderedHTMLCommon table.briefing-table th, table.briefing-table th {
    background: #005EB8; color: white; padding: 4px 10px; text-align: left; vertical-align: bottom; }
  .jp-RenderedHTMLCommon table.briefing-table td, table.briefing-table td {
    padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: left; }
  .not-yet { color: #8a1c1c; background: #fbeaea; padding: 6px 10px; border-left: 4px solid #DA291C; }
</style>
"""
    + ACCESSIBLE_CSS
)


def show_style() -> None:
    """Display the briefing's table and notice styles (once per notebook; ``show_title`` includes it)."""
    from IPython.display import HTML, display

    display(HTML(BRIEFING_CSS))


def show_title(briefing: Briefing, title: str = "Board briefing") -> None:
    """Display the briefing's title block: scenario, run settings and the page style (notebook only)."""
    from IPython.display import HTML, Markdown, display

    scenario = briefing.scenario
    display(HTML(BRIEFING_CSS))
    display(Markdown(f"# {html_text(title)}: {html_text(scenario.name)}"))
    display(
        Markdown(
            f"*Scenario {html_text(scenario.name)}, simulated from {scenario.simulation.start} for "
            f"{scenario.simulation.horizon_months} months; {briefing.n_replications} replications, seed "
            f"{briefing.run_seed}. Money in pounds per year, time in working days.*"
        )
    )


def plots_dir(briefing: Briefing) -> Path | None:
    """Where figures are written: ``<output_dir>/plots`` (None when the briefing has no output folder)."""
    return Path(briefing.output_dir) / "plots" if briefing.output_dir is not None else None


def display_section(briefing: Briefing, key: str, heading_level: int = 2) -> Section:
    """Compute (once) and display section ``key``, saving its figures to ``plots_dir``. What a notebook cell calls."""
    computed = section(briefing, key)
    show(computed, plots_dir(briefing), heading_level=heading_level)
    return computed


def money_table(matrix: pd.DataFrame) -> pd.DataFrame:
    """A member x service matrix (pounds per year) as a board table: member column first, service names made
    readable and marked ``(GBP per year)``, plus a Total row."""
    table = matrix.copy()
    table.loc["Total"] = table.sum(axis=0)
    table = table.reset_index()
    first = table.columns[0]
    table = table.rename(columns={first: "Member"})
    table.columns = ["Member"] + [f"{pretty(str(c))} (GBP per year)" for c in table.columns[1:]]
    return table


def show_missing(briefing: Briefing) -> None:
    """Display what this briefing could not show yet (every "Not yet available" line), or say that it is complete."""
    from IPython.display import HTML, Markdown, display

    lines = missing_report(computed_sections(briefing))
    display(Markdown("## What is not in this briefing yet"))
    if not lines:
        display(Markdown("Every section of this briefing is complete."))
        return
    items = "".join(f"<li>{html_text(line)}</li>" for line in lines)
    display(HTML(f'<ul class="not-yet-list">{items}</ul>'))


MEASURE_LABELS = {
    "total_cost_gbp_per_year": "Total cost (GBP per year)",
    "host_unplanned_cost_gbp_per_year": "Host unplanned cost (GBP per year)",
    "agency_cost_gbp_per_year": "Agency backfill (GBP per year)",
    "sla_attainment": "Cases within KPI (%)",
    "kpi_met": "Chance the KPI is met (%)",
    "invoice_gbp_per_year": "Member invoice (GBP per year)",
}


def what_if_kpi_section(briefing: Briefing, overrides: Sequence[str]) -> Section:
    """Simulated comparison of the scenario with its changed copy on the same random numbers (``model.whatif``):
    cost, KPI attainment, the chance each KPI is met and member invoices, with 95% intervals of the difference."""
    section = Section(key="what_if_simulated", title=SECTION_TITLES["what_if_simulated"])
    module, reason = optional_module("model.whatif", ["compare"])
    if module is None:
        section.missing.append(not_yet("the simulated what-if comparison", reason))
        return section
    changed = apply_overrides(briefing.scenario, list(overrides)) if overrides else briefing.scenario
    try:
        comparison = briefing.model_result(
            "what_if:" + "|".join(overrides),
            lambda: module.compare(
                briefing.scenario,
                changed,
                briefing.n_replications,
                seed=briefing.run_seed,
                workers=briefing.workers,
            ),
        )
    except Exception as error:
        if briefing.strict:
            raise
        section.missing.append(not_yet("the simulated what-if comparison", failure_reason(error)))
        return section
    headline = comparison.headline()
    rows = []
    for row in headline.itertuples(index=False):
        label = MEASURE_LABELS.get(row.measure, pretty(row.measure))
        show = _money if "(GBP" in label else _percent
        interval = "–" if pd.isna(row.ci_low) else f"{show(row.ci_low)} to {show(row.ci_high)}"
        rows.append(
            {
                "Measure": label,
                "Service": "all" if row.service == "all" else pretty(row.service),
                "Member": row.member,
                "Base": show(row.base_mean),
                "What if": show(row.whatif_mean),
                "Change": show(row.difference),
                "95% interval of the change": interval,
                "Clear difference": "yes" if bool(row.significant) else "no",
            }
        )
    section.tables = {"what_if_simulated": pd.DataFrame(rows)}
    section.text = (
        f"{comparison.replications} simulated runs of each version on the same random numbers (seed "
        f"{comparison.seed}), so the change is measured run by run. 'Clear difference' means the 95% interval of "
        "the change excludes zero."
    )
    section.notes.extend(comparison.notes)
    section.data = {"comparison": comparison}
    return section


def as_overrides(changes: dict[str, Any] | Sequence[str]) -> list[str]:
    """``{"absence.sickness_rate": 0.06}`` -> ``["absence.sickness_rate=0.06"]`` (``--set`` syntax); strings pass
    through. Text values are quoted so that they stay text."""
    if isinstance(changes, dict):
        return [
            f"{path}={json.dumps(value) if isinstance(value, str) else _toml_value(value)}"
            for path, value in changes.items()
        ]
    return [str(item) for item in changes]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)
