"""``inf`` and ``nan`` anywhere numeric are refused with the field path, and every number has a sensible upper limit
(``model.scenario.MAX_*``): nothing runs on an infinite salary, a NaN coefficient of variation or 10 million staff."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from model.commands.cli import main
from model.scenario import (
    DEFAULT_SCENARIO,
    Scenario,
    ScenarioError,
    apply_overrides,
    format_location,
    scenario_from_dict,
)
from model.scenario.schema import MAX_HEADCOUNT


def _numeric_leaves(node: Any, location: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Locations of every number (not bool) in a dumped scenario."""
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _numeric_leaves(value, (*location, key))]
    if isinstance(node, list):
        return [leaf for index, value in enumerate(node) for leaf in _numeric_leaves(value, (*location, index))]
    return [location] if isinstance(node, int | float) and not isinstance(node, bool) else []


def _set(data: Any, location: tuple[Any, ...], value: Any) -> None:
    for part in location[:-1]:
        data = data[part]
    data[location[-1]] = value


def _dumped(scenario: Scenario) -> dict[str, Any]:
    return scenario.model_dump(mode="json", exclude_none=True)


def test_every_numeric_field_refuses_inf_and_nan(default_scenario: Scenario) -> None:
    leaves = _numeric_leaves(_dumped(default_scenario))
    assert len(leaves) > 100  # every member, role, service, step, tier, absence and simulation number
    for value in (math.inf, -math.inf, math.nan):
        for location in leaves:
            data = _dumped(default_scenario)
            _set(data, location, value)
            with pytest.raises(ScenarioError) as caught:
                scenario_from_dict(data, origin="s")
            path = format_location(location)
            assert any(line.startswith(f"s: {path}") for line in caught.value.problems), (path, caught.value.problems)


def test_nan_message_is_in_words() -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict_with("members.Luton CCG.fte=nan")
    assert "members[2].fte: must be a finite number, got nan" in str(caught.value)
    assert "greater than" not in str(caught.value)


def scenario_from_dict_with(assignment: str) -> Scenario:
    from model.scenario import load_scenario

    return apply_overrides(load_scenario(), [assignment])


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        (
            f"members.Luton CCG.headcount={MAX_HEADCOUNT + 1}",
            "members[2].headcount: Input should be less than or equal",
        ),
        ("members.Luton CCG.headcount=10000000", "got 10000000"),
        ("roles.hr_advisor.fte=1e7", "fte: Input should be less than or equal to 1000"),
        ("services.recruitment.demand_per_1000_headcount_per_year=1e9", "less than or equal to 10000"),
        ("roles.hr_advisor.salary_gbp_per_year=1e300", "less than or equal to 1000000000"),
        ("services.recruitment.steps.0.duration.cv=1e6", "cv: Input should be less than or equal to 10"),
        ("simulation.initial_backlog.recruitment=100000000", "less than or equal to 100000"),
    ],
)
def test_numbers_have_sensible_upper_limits(assignment: str, expected: str) -> None:
    with pytest.raises(ScenarioError, match=expected.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        scenario_from_dict_with(assignment)


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "+inf"])
def test_validate_exits_two_on_non_finite_numbers(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = DEFAULT_SCENARIO.read_text(encoding="utf-8")
    path = tmp_path / "s.toml"
    path.write_text(source.replace("sickness_rate = 0.03", f"sickness_rate = {text}", 1), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "absence.sickness_rate: must be a finite number" in err[0]
