"""The regional scenario (issue 15) loads and has the organisations the docs describe; tariffs for it take the
at-scale path (the 40-member run itself is a benchmark figure, docs/regional_scale.md, not a test)."""

from __future__ import annotations

from pathlib import Path

from model.fairness.tariffs_at_scale import EXACT_MAX_MEMBERS, ScaleBudget
from model.scenario import load_scenario

REGION = Path(__file__).resolve().parent.parent / "scenarios" / "region.toml"


def test_region_loads_with_40_sourced_members() -> None:
    scenario = load_scenario(REGION)
    assert len(scenario.members) == 40
    assert sum(m.headcount for m in scenario.members) == 204_080
    assert all(m.source for m in scenario.members)
    kinds = {m.source.split(";")[0] for m in scenario.members}
    assert {
        "integrated care board",
        "acute trust",
        "mental health trust",
        "community trust",
        "ambulance trust",
    } <= kinds
    assert scenario.host.member == "ICB North (host)"


def test_forty_members_take_the_at_scale_path_with_a_counted_budget() -> None:
    assert EXACT_MAX_MEMBERS < 40
    budget = ScaleBudget().sized_for(40)
    assert budget.rotations == 1 and budget.shapley_max_coalitions == 240 and budget.max_rounds == 8
    small = ScaleBudget().sized_for(13)
    assert small.rotations == 13 and small.shapley_max_coalitions == 4000
