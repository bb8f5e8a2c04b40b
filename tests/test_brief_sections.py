"""model.reporting.briefing and model.reporting.plots without a notebook kernel: headline numbers against the hand-computable summary,
"Not yet available" for missing modules, assumptions with their sources, number formats, and units on every axis."""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.reporting import briefing, plots
from model.scenario import Scenario
from model.simulation import summary


@pytest.fixture
def brief(default_scenario: Scenario) -> briefing.Briefing:
    return briefing.Briefing(default_scenario)


def test_headline_matches_the_summary_by_hand(brief: briefing.Briefing) -> None:
    """Default scenario: 860 staff at GBP 640 a head = GBP 550,400 of contributions; cost from model.summary."""
    section = briefing.headline_section(brief)
    values = dict(zip(section.tables["headline"]["Measure"], section.tables["headline"]["Value"], strict=True))
    costs = summary.cost_summary(brief.scenario)
    assert costs["member_headcount"] == 860
    assert values["Staff covered (headcount)"] == "860"
    assert values["Contributions from members (GBP per year)"] == "£550,400"
    assert (
        values["Cost today, expected from the inputs (GBP per year; see the note on figures)"]
        == f"£{costs['total_cost_gbp_per_year']:,.0f}"
    )
    surplus = 550_400 - costs["total_cost_gbp_per_year"]
    assert values["Surplus (+) or deficit (-) (GBP per year)"] == f"£{surplus:,.0f}"
    members = section.tables["members"]
    assert members["Contribution (GBP per year)"].sum() == pytest.approx(550_400)
    assert section.available and "£550,400" in section.text
    plots.close(section.figures["cost_breakdown"])


def test_break_even_rate_when_the_scenario_sets_none(default_scenario: Scenario) -> None:
    from model.scenario import apply_overrides

    data = default_scenario.model_dump(mode="json")
    data["tariff"]["per_capita_rate_gbp_per_head"] = None
    changed = Scenario.model_validate(data)
    costs = summary.cost_summary(changed)
    assert briefing.contribution_rate(changed) == pytest.approx(costs["total_cost_gbp_per_year"] / 860)
    assert (
        briefing.contribution_rate(apply_overrides(default_scenario, ["tariff.per_capita_rate_gbp_per_head=700"]))
        == 700
    )


def test_optional_module_reasons() -> None:
    module, reason = briefing.optional_module("model.no_such_module_here")
    assert module is None and reason == "model.no_such_module_here is not part of this version of the model"
    module, reason = briefing.optional_module("model.simulation.summary", ["cost_summary", "not_a_function"])
    assert module is None and reason == "model.simulation.summary does not yet provide not_a_function"
    module, reason = briefing.optional_module("model.simulation.summary", ["cost_summary"])
    assert module is summary and reason == ""


@pytest.mark.parametrize("key", ["catalogue", "tariffs", "tariff_detail", "kpis", "risk", "staffing", "sensitivity"])
def test_missing_module_is_said_plainly(brief: briefing.Briefing, monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    """A section whose model is absent shows "Not yet available: ..." and no invented numbers."""
    monkeypatch.setattr(briefing, "optional_module", lambda name, required=(): (None, f"{name} is not here"))
    section = briefing.SECTIONS[key](brief)
    assert section.missing and all(line.startswith("Not yet available: ") for line in section.missing)
    assert " is not here)" in section.missing[0]
    assert not section.figures
    if key == "tariffs":  # today's per-capita charges come from the scenario alone
        table = section.tables["tariffs"]
        assert table["Per-capita (GBP per year)"].sum() == pytest.approx(640 * 860)
    else:
        assert not section.tables


def test_missing_lines_are_collected_for_the_status(brief: briefing.Briefing, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(briefing, "optional_module", lambda name, required=(): (None, "absent"))
    for key in ("headline", "risk", "assumptions"):
        briefing.section(brief, key)
    assert briefing.missing_report(briefing.computed_sections(brief)) == [
        "Not yet available: host risk and the risk premium (absent)"
    ]


def test_assumptions_list_every_input_with_its_source(default_scenario: Scenario) -> None:
    table = briefing.assumptions_table(default_scenario)
    items = set(table["Item"])
    assert set(default_scenario.member_names) <= items
    assert {"Head of HR", "HR business partner", "OD learning lead"} <= items
    luton = table[table["Item"] == "Luton CCG"].iloc[0]
    assert luton["Source"] == default_scenario.member("Luton CCG").source
    assert "90 staff" in luton["Value"]
    assert (table["Area"] == "Services").sum() == len(default_scenario.services)
    assert (table["Area"] == "External prices").sum() == len(default_scenario.services)
    assert (table["Source"] == "not stated").sum() == 0


def test_table_formats_follow_the_units_in_column_names() -> None:
    table = pd.DataFrame(
        {
            "Member": ["A", "B"],
            "Charge (GBP per year)": [1234.4, -56.6],
            "Within KPI (%)": [0.934, 0.05],
            "Host team (FTE)": [2.25, 1.0],
        }
    )
    html = briefing.table_html(table)
    for text in ("£1,234", "-£57", "93%", "5.0%", "2.2", "1.0"):
        assert text in html
    assert briefing._money(-0.2) == "£0" and briefing._money(float("nan")) == "–"
    assert briefing._percent(-0.0001) == "0.0%"


def test_pretty_labels_keep_acronyms() -> None:
    assert briefing.pretty("od_learning") == "OD learning"
    assert briefing.pretty("occupational_health_eap") == "Occupational health EAP"
    assert briefing.pretty("hr_business_partner") == "HR business partner"


def test_what_if_table_by_hand(default_scenario: Scenario) -> None:
    table = briefing.what_if_table(default_scenario, default_scenario.model_copy())
    assert (table["Change"].abs() < 1e-9).all()
    changed = briefing.what_if_section(briefing.Briefing(default_scenario), ["members.Luton CCG.headcount=120"])
    values = changed.data["values"].set_index("Measure")
    assert values.loc["Staff covered (headcount)", "Change"] == pytest.approx(30)
    assert values.loc["Contribution rate (GBP per head per year)", "Change"] == pytest.approx(0)
    surplus = values.loc["Surplus (+) or deficit (-) (GBP per year)"]
    cost_change = values.loc["Annual cost (GBP per year)", "Change"]
    assert surplus["Change"] == pytest.approx(30 * 640 - cost_change)


def test_as_overrides() -> None:
    assert briefing.as_overrides({"absence.sickness_rate": 0.06, "simulation.allow_cross_skilling": False}) == [
        "absence.sickness_rate=0.06",
        "simulation.allow_cross_skilling=false",
    ]
    assert briefing.as_overrides({"tariff.method": "shapley"}) == ['tariff.method="shapley"']
    assert briefing.as_overrides(["a.b=1"]) == ["a.b=1"]


# --- figures ----------------------------------------------------------------------------------------------------------


def _axes_text(figure: plots.Figure) -> list[str]:
    return [f"{axis.get_xlabel()} | {axis.get_ylabel()}" for axis in figure.axes if axis.get_visible()]


def test_every_plot_names_its_units() -> None:
    members = pd.DataFrame({"member": ["A", "B"], "alone": [10_000.0, 20_000.0], "shared": [8_000.0, 15_000.0]})
    kpi = pd.DataFrame(
        {
            "service": ["s1"] * 4 + ["s2"] * 4,
            "member": ["A", "A", "B", "B"] * 2,
            "period": pd.to_datetime(["2018-04-01", "2018-06-01"] * 4),
            "mean": [0.9, 0.95, 0.8, 0.85] * 2,
            "ci_low": [0.85, 0.9, 0.7, 0.8] * 2,
            "ci_high": [0.95, 1.0, 0.9, 0.9] * 2,
        }
    )
    tornado = pd.DataFrame({"parameter": ["demand", "salaries"], "low": [90.0, 80.0], "high": [110.0, 125.0]})
    figures = {
        "cost": plots.cost_breakdown(pd.Series({"pay": 100_000.0, "non-pay": 20_000.0})),
        "workload": plots.workload_vs_capacity(
            pd.DataFrame({"skill": ["a"], "demand_hours_per_year": [100.0], "capacity_hours_per_year": [200.0]})
        ),
        "bars": plots.grouped_bars(members, "member", ["alone", "shared"]),
        "kpi": plots.kpi_attainment(kpi, targets={"s1": 0.9}),
        "tornado": plots.tornado(tornado, 100.0, xlabel="Total annual cost (GBP per year)"),
        "histogram": plots.distribution(np.arange(20.0), "Host cost (GBP per year)", "Spread", {"mean": 9.5}),
        "lines": plots.line_chart(
            pd.DataFrame({"month": [0, 1], "wait": [1.0, 2.0]}),
            "month",
            ["wait"],
            "Month from start",
            "Queue wait (working days)",
            "Waits",
        ),
    }
    for name, figure in figures.items():
        assert not briefing.unlabelled_axes(figure), (name, _axes_text(figure))
        assert all(text != " | " for text in _axes_text(figure)), name
        plots.close(figure)
    kpi_axes = plots.kpi_attainment(kpi).axes
    assert kpi_axes[0].get_ylabel() == plots.KPI_FRACTION
    assert plots._pounds(-40_000) == "-£40k" and plots._pounds(1_234_567) == "£1.23m"


def test_unlabelled_axes_are_detected() -> None:
    figure = plots.plt.figure()
    axis = figure.add_subplot()
    axis.plot([0, 1], [0, 1])
    axis.set_title("bare")
    assert briefing.unlabelled_axes(figure) == ["bare"]
    axis.set_ylabel("Cost (GBP per year)")
    assert briefing.unlabelled_axes(figure) == []
    plots.close(figure)


def test_show_writes_png_files(tmp_path: Path, brief: briefing.Briefing) -> None:
    pytest.importorskip("IPython")
    section = briefing.headline_section(brief)
    briefing.show(section, tmp_path)
    png = tmp_path / "headline_cost_breakdown.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sections_registry_is_complete() -> None:
    assert set(briefing.BOARD_SECTIONS) <= set(briefing.SECTIONS)
    assert briefing.BOARD_SECTIONS[0] == "headline" and briefing.BOARD_SECTIONS[-1] == "assumptions"
    assert isinstance(briefing.SECTIONS["headline"], types.FunctionType)


def test_a_failing_model_does_not_stop_the_briefing(brief: briefing.Briefing, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_briefing: briefing.Briefing) -> briefing.Section:
        raise ValueError("solver exploded\nsecond line")

    monkeypatch.setitem(briefing.SECTIONS, "risk", broken)
    section = briefing.section(brief, "risk")
    assert section.title == "Host risk and the premium" and not section.tables
    assert section.missing == [
        "Not yet available: host risk and the premium (the model failed: ValueError: solver exploded)"
    ]
    with pytest.raises(ValueError, match="solver exploded"):
        briefing.section(briefing.Briefing(brief.scenario), "risk", strict=True)


def test_results_cache_round_trip_and_identity(tmp_path: Path, default_scenario: Scenario) -> None:
    """Results computed by a caller are reused only for the same scenario, replications and seed."""
    path = briefing.save_results_cache(tmp_path / "r.pickle", default_scenario, 3, 9, {"catalogue_result": {"x": 1}})
    same = briefing.Briefing(default_scenario, replications=3, seed=9)
    assert briefing.load_results_cache(same, path) == ["catalogue_result"]
    assert same.cached("catalogue_result", lambda: pytest.fail("recomputed")) == {"x": 1}
    with pytest.raises(ValueError, match="was made for"):
        briefing.load_results_cache(briefing.Briefing(default_scenario, replications=3, seed=10), path)
    with pytest.raises(ValueError, match="unknown result names"):
        briefing.save_results_cache(tmp_path / "bad.pickle", default_scenario, 3, 9, {"nonsense": 1})
