"""Control characters in scenario text (an ANSI escape in a ``source``, a NUL in a description) are refused at
validation with the field path, instead of reaching the terminal raw and stopping a run at its Excel step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from model.commands.cli import main
from model.scenario import DEFAULT_SCENARIO, Scenario, ScenarioError, format_location, scenario_from_dict
from model.scenario.files import control_character


def _text_leaves(node: Any, location: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _text_leaves(value, (*location, key))]
    if isinstance(node, list):
        return [leaf for index, value in enumerate(node) for leaf in _text_leaves(value, (*location, index))]
    return [location] if isinstance(node, str) else []


@pytest.mark.parametrize("character", ["\x1b", "\x00", "\x07", "\r", "\x7f", "\x9b", "\u202e"])
def test_every_text_field_refuses_control_characters(character: str, default_scenario: Scenario) -> None:
    dumped = default_scenario.model_dump(mode="json", exclude_none=True)
    leaves = _text_leaves(dumped)
    assert len(leaves) > 50
    for location in leaves:
        data = default_scenario.model_dump(mode="json", exclude_none=True)
        node = data
        for part in location[:-1]:
            node = node[part]
        node[location[-1]] = f"ok{character}[31m"
        with pytest.raises(ScenarioError) as caught:
            scenario_from_dict(data, origin="s")
        expected = f"s: {format_location(location)}: holds the control character U+{ord(character):04X}; remove it"
        assert caught.value.problems == [expected]


def test_control_characters_in_keys_are_refused(default_scenario: Scenario) -> None:
    data = default_scenario.model_dump(mode="json", exclude_none=True)
    data["host"]["overheads_gbp_per_year"]["rent\x1b[2J"] = 1.0
    with pytest.raises(ScenarioError, match=r"host\.overheads_gbp_per_year\.rent\\x1b\[2J: holds the control"):
        scenario_from_dict(data, origin="s")


def test_tab_and_line_feed_are_text() -> None:
    assert control_character("two\tcolumns\nand lines") is None
    assert control_character("bell\x07") == "U+0007"


def test_validate_prints_one_line_without_the_raw_character(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = DEFAULT_SCENARIO.read_text(encoding="utf-8")
    path = tmp_path / "s.toml"
    # a TOML escape: the file is plain ASCII, the parsed text holds ESC
    path.write_text(source.replace('source = "', 'source = "\\u001b[2J\\u001b[31m', 1), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "source: holds the control character U+001B; remove it" in lines[0]
    assert "\x1b" not in captured.err


def test_set_refuses_control_characters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["optimise", "--set", 'description="a\\u001b[2Jb"', "--results-dir", str(tmp_path)]
    assert main(argv) == 2
    assert "description: holds the control character U+001B" in capsys.readouterr().err
