"""The briefing's shared parts: a :class:`Section`, the :class:`Briefing` context that computes model results once and
shares them between sections (and caches them for the notebooks), ``optional_module`` (a section whose model is
missing says so instead of stopping the briefing) and the number formats and table styling of every section.
"""

from __future__ import annotations

import importlib
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from model.reporting.tables import ACRONYMS, display_name
from model.scenario.escaping import html_text
from model.scenario.schema import Scenario, apply_overrides, load_scenario
from model.simulation import summary

NOT_YET = "Not yet available"


# Board tables carry the unit in each column name, e.g. "Charge (GBP per year)", "Cases within KPI (%)" (values are
# fractions), "Host team (FTE)"; ``style_table`` formats each column by it.
PCT = "(%)"


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


def find_module(name: str, required: Sequence[str] = ()) -> tuple[ModuleType | None, str]:
    """:func:`optional_module` as the package ``model.reporting.briefing`` holds it when called. Every section looks
    its model up through this, so a notebook or a test can replace ``briefing.optional_module`` once for all
    sections (e.g. to see each "Not yet available" line)."""
    from model.reporting import briefing

    return briefing.optional_module(name, required)


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
    "experiment",  # model.simulation.replications.multiple_replications(..., keep_cases=True)
    "verified_catalogue",  # model.optimisation.verification.verified_optimise(..., explain=True)
    "catalogue_result",  # model.optimisation.catalogue.optimise(..., explain=True); the verified catalogue's result when known
    "tariff_result",  # model.fairness.tariffs.tariff_table(..., host_risk_premium_gbp_per_year=risk premium)
    "risk_result",  # model.risk.run_stress_tests(...)
    "sensitivity_result",  # model.risk.sensitivity.tornado(...)
    "staffing_result",  # model.risk.staffing.size_staffing(...)
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


def pretty(name: str) -> str:
    """``employee_relations`` -> ``Employee relations``, ``od_learning`` -> ``OD learning`` (a label for the board;
    the same display names as the CLI's tables, ``model.reporting.tables.display_name``)."""
    return display_name(name)


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
    # escape="html": text cells and column headers are shown as text, never as markup (model.scenario.escaping.html_text)
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
    """HTML of a board table (``style_table``)."""
    return str(style_table(table, caption).to_html())


def figure_png(figure: Figure) -> bytes:
    """PNG bytes of a figure (as saved to the run folder)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


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


def _format_by_label(label: str, value: float) -> str:
    if "(GBP" in label:
        return _money(value)
    if PCT in label:
        return _percent(value)
    if "FTE" in label:
        return f"{value:,.1f}"
    return f"{value:,.0f}"


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


def _lower(text: str) -> str:
    """Lower-case except acronyms: ``HR administrator`` stays, ``Training`` -> ``training``."""
    return " ".join(word if word in ACRONYMS.values() else word.lower() for word in text.split(" "))


def _join(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
