"""``sharedhr optimise``: run folder contents, summary output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import model.optimisation.catalogue_milp as catalogue
from model.commands.cli import main

INFEASIBLE = """
name = "Impossible"
[[members]]
name = "A"
headcount = 100
fte = 90.0
[[members]]
name = "B"
headcount = 200
fte = 180.0
[host]
member = "A"
[[roles]]
name = "advisor"
band = "6"
salary_gbp_per_year = 30000.0
fte = 1.0
skills = ["casework"]
agency_day_rate_gbp = 300.0
[[services]]
name = "casework"
skill = "casework"
demand_per_1000_headcount_per_year = 40.0
kpi = { description = "80% within 20 working days", target_days = 20.0, target_fraction = 0.8 }
steps = [
  { name = "work", kind = "work", duration = { mean = 6.0 } },
  { name = "hearing", kind = "wait", duration = { mean = 25.0 } },
]
[services.delivery.shared]
[services.delivery.in_house]
[simulation]
horizon_months = 12
"""


def run_folder(root: Path) -> Path:
    folders = [p for p in (root / "herts-beds-luton").iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(folders) == 1
    return folders[0]


def test_optimise_writes_the_run_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Erlang C capacity without verification (the model before calibration, kept as an option): the published
    figures of that model. The calibrated, verified path is tested in test_verification.py."""
    assert main(["optimise", "--capacity", "analytic", "--no-verify", "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "optimal service catalogue" in out and "saving GBP 92,062 (19%)" in out
    assert "Host team: 6 people" in out
    folder = run_folder(tmp_path)
    for name in ("decisions.csv", "staffing.csv", "teams.csv", "costs.csv", "why.csv", "summary.json"):
        assert (folder / name).exists(), name
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"] == "optimise"
    assert {"decisions.csv", "why.csv", "costs.csv"} <= set(manifest["files"])
    decisions = pd.read_csv(folder / "decisions.csv")
    assert len(decisions) == 40 and set(decisions["mode"]) == {"shared", "external"}
    why = pd.read_csv(folder / "why.csv")
    assert len(why) == 75 and (why["extra_cost_gbp_per_year"] >= -1e-6).all()
    costs = pd.read_csv(folder / "costs.csv")
    summary = json.loads((folder / "summary.json").read_text())
    assert costs["gbp_per_year"].sum() == pytest.approx(summary["total_cost_gbp_per_year"])


def test_forced_choice_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["optimise", "--no-why", "--no-verify", "--capacity", "analytic", "--results-dir", str(tmp_path)]
    argv += ["--force", "strategic_hr:Luton CCG=shared"]
    assert main(argv) == 0
    decisions = pd.read_csv(run_folder(tmp_path) / "decisions.csv").set_index(["service", "member"])
    assert decisions.loc[("strategic_hr", "Luton CCG"), "mode"] == "shared"
    assert main(["optimise", "--no-why", "--force", "strategic_hr=shared"]) == 2
    assert "expected SERVICE:MEMBER=MODE" in capsys.readouterr().err
    assert main(["optimise", "--no-why", "--force", "strategic_hr:Luton CCG=outsourced"]) == 2
    assert "'outsourced' is not a valid Mode" in capsys.readouterr().err


def test_bad_scenario_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["optimise", str(tmp_path / "missing.toml")]) == 2
    assert "no such scenario file" in capsys.readouterr().err
    impossible = tmp_path / "impossible.toml"
    impossible.write_text(INFEASIBLE, encoding="utf-8")
    assert main(["optimise", str(impossible), "--results-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: services[0] casework: no delivery mode can serve A: ")
    assert "the wait steps alone take 25 working days on average" in err
    assert not (tmp_path / "out" / "impossible").exists()


def test_missing_solver_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(catalogue, "solver_available", lambda: False)
    assert main(["optimise", "--no-why", "--capacity", "analytic", "--no-verify"]) == 2
    assert capsys.readouterr().err.strip() == "error: HiGHS solver not available: pip install highspy==1.15.1"
