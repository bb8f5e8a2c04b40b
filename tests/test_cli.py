"""CLI exit codes and messages: 0 on success, 2 with one line per problem and no traceback on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from model.commands.cli import main
from model.scenario import DEFAULT_SCENARIO

ROOT = Path(__file__).resolve().parent.parent


def test_validate_default_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DEFAULT_SCENARIO)]) == 0
    assert "ok: Herts Beds Luton: 5 members, 8 services" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ("headcount = 90 ", "headcuont = 90 ", "members[2].headcuont"),
        ("headcount = 90 ", "headcount = -90 ", "members[2].headcount"),
        ('member = "Herts Valleys CCG"', 'member = "Nobody CCG"', "host.member"),
        ("{ od_learning = 48 }", "{ od_learn = 48 }", "members[3].service_start_month.od_learn"),
    ],
)
def test_validate_bad_file_exits_two_with_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, path: str
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(DEFAULT_SCENARIO.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"error: {bad}: {path}:" in err
    assert "Traceback" not in err


def test_missing_file_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "no/such/file.toml"]) == 2
    assert "no such scenario file" in capsys.readouterr().err


def test_help_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for command in ("validate", "run"):
        assert command in out
        with pytest.raises(SystemExit) as done:
            main([command, "--help"])
        assert done.value.code == 0


def test_no_command_prints_help_and_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: sharedhr" in capsys.readouterr().out


def test_run_writes_a_new_folder_each_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "out"
    args = [
        "run",
        "--results-dir",
        str(root),
        "--set",
        "simulation.replications=2",
        "--set",
        "simulation.horizon_months=6",
    ]
    assert main(args) == 0  # calibrated capacity, verified catalogue
    # the same command again on the fast path, with a seed other than the scenario's (the briefing once refused it)
    assert main([*args, "--capacity", "analytic", "--no-verify", "--seed", "5"]) == 0
    runs = sorted((root / "herts-beds-luton").iterdir())
    assert len(runs) == 2, runs
    for run, seed in zip(runs, (20140401, 5), strict=True):
        manifest = json.loads((run / "manifest.json").read_text())
        assert manifest["command"] == "run"
        assert manifest["seed"] == seed
        assert "scenario.json" in manifest["files"]
        assert (run / "briefing" / "briefing.html").is_file()
    assert "Results written to" in capsys.readouterr().out


def test_bad_override_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--set", "members.Luton CCG.headcount=-5"]) == 2
    assert "members[2].headcount: Input should be greater than 0" in capsys.readouterr().err


def test_console_entry_point_runs_as_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "model", "validate", str(DEFAULT_SCENARIO)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "model", "validate", "missing.toml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: missing.toml: no such scenario file")
