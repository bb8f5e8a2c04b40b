"""One CLI grammar: every subcommand accepts the same shared options (``-n/--replications``, ``-w/--workers`` with one
default, ``--seed``, ``--set``, ``--results-dir``, ``-q/--quiet``), the old progress spellings still work as hidden
aliases, and the tables a person reads show display names while files for programs keep the ids."""

from __future__ import annotations

import argparse

import pandas as pd
import pytest

from model.commands._common import DEFAULT_WORKERS, SHARED_OPTIONS, show_progress, shown_path
from model.commands.cli import build_parser, main
from model.reporting import display_name, format_table

COMMANDS = ("validate", "simulate", "optimise", "tariffs", "game", "risk", "staffing", "sensitivity", "compare")
COMMANDS += ("brief", "run")
# the positional arguments each command needs to parse at all
POSITIONAL = {"game": ["game.json"], "compare": ["base.toml"], "validate": ["scenario.toml"]}


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_is_covered() -> None:
    assert set(_subparsers(build_parser())) == set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_lists_the_shared_options(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    for option in SHARED_OPTIONS:
        assert f" {option}" in text, f"{command} --help does not list {option}"
    # the deprecated spellings are accepted but not advertised
    assert "--no-progress" not in text and "--progress" not in text


@pytest.mark.parametrize("command", COMMANDS)
def test_shared_options_parse_the_same_way(command: str) -> None:
    parser = _subparsers(build_parser())[command]
    argv = [*POSITIONAL.get(command, []), "-n", "3", "-w", "1", "--seed", "7", "--set", "a.b=1", "--results-dir", "out"]
    args = parser.parse_args([*argv, "-q"])
    assert (args.replications, args.workers, args.seed, args.overrides) == (3, 1, 7, ["a.b=1"])
    assert str(args.results_dir) == "out" and args.quiet is True and not show_progress(args)
    long = parser.parse_args([*POSITIONAL.get(command, []), "--replications", "4", "--workers", "2", "--quiet"])
    assert (long.replications, long.workers, long.quiet) == (4, 2, True)
    default = parser.parse_args(POSITIONAL.get(command, []))
    assert default.workers == DEFAULT_WORKERS  # one default for every command
    assert default.quiet is None and show_progress(default) and not show_progress(default, default=False)
    # deprecated spellings, hidden from --help
    assert parser.parse_args([*POSITIONAL.get(command, []), "--no-progress"]).quiet is True
    assert show_progress(parser.parse_args([*POSITIONAL.get(command, []), "--progress"]), default=False)


def test_default_workers_is_two_or_the_cpus() -> None:
    import os

    assert min(2, os.cpu_count() or 1) == DEFAULT_WORKERS


def test_validate_applies_set_replications_and_seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "scenarios/herts_beds_luton.toml", "-n", "3", "--seed", "5", "-q", "-w", "1"]) == 0
    assert capsys.readouterr().out.startswith("ok: Herts Beds Luton")
    assert main(["validate", "scenarios/herts_beds_luton.toml", "--set", "members.Luton CCG.headcount=-1"]) == 2
    assert "headcount" in capsys.readouterr().err
    assert main(["validate", "scenarios/herts_beds_luton.toml", "--seed", "-3"]) == 2
    assert "simulation.seed" in capsys.readouterr().err


def test_game_refuses_set(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    game = tmp_path / "g.json"
    game.write_text('{"players": ["A", "B"], "costs": {"A": 10, "B": 10, "A+B": 15}}', encoding="utf-8")
    assert main(["game", str(game), "-n", "5", "-w", "1", "--seed", "3", "-q"]) == 0
    assert '"shapley"' in capsys.readouterr().out
    assert main(["game", str(game), "--set", "a=1"]) == 2
    assert "--set does not apply" in capsys.readouterr().err


def test_display_names_in_printed_tables_and_ids_in_files(tmp_path) -> None:  # noqa: ANN001
    frame = pd.DataFrame(
        {
            "service": ["employee_relations", "od_learning", "payroll_operational"],
            "role": ["hr_advisor", "hr_business_partner", "payroll_officer"],
            "mode": ["in_house", "shared", "external"],
            "member": ["Luton CCG", "West Essex CCG", "all"],
            "team": ["shared", "all members alone", "Luton CCG"],
            "value": [1.0, 2.0, 3.0],
        }
    )
    text = format_table(frame)
    for shown in ("Employee relations", "OD learning", "Payroll operational", "HR advisor", "HR business partner"):
        assert shown in text
    assert "In house" in text and "Luton CCG" in text
    assert "Shared" in text and "all members alone" in text  # a phrase, not an id, is shown as it is
    assert "employee_relations" not in text and "hr_advisor" not in text and "in_house" not in text
    assert display_name("occupational_health_eap") == "Occupational health EAP"
    assert display_name("East and North Hertfordshire CCG") == "East and North Hertfordshire CCG"
    # the frame itself (what goes to CSV/Parquet) is untouched
    assert frame["service"].tolist() == ["employee_relations", "od_learning", "payroll_operational"]


def test_paths_are_shown_relative_inside_the_working_directory(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    inside = tmp_path / "results" / "x" / "run"
    assert shown_path(inside) == "results/x/run"
    assert shown_path("/") == "/"
