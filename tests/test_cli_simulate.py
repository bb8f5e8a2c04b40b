"""``sharedhr simulate``: the run folder's files, the printed summary, identical files for 1 and 2 workers, automatic
replications, and exit code 2 with a one-line message on bad input. Two-month horizons keep each run short."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from model.commands.cli import main
from model.commands.simulate import expected_case_rows, simulate_into, warm_up_note
from model.reporting import RunFolder
from model.scenario import Scenario, apply_overrides
from model.simulation import ExperimentResult, multiple_replications

pytestmark = pytest.mark.xdist_group("cli_simulate")

SHORT = ["--set", "simulation.horizon_months=2", "--no-progress"]


def run_folders(root: Path) -> list[Path]:
    return sorted(path for path in root.glob("*/*") if path.is_dir() and not path.name.startswith("."))


def test_simulate_writes_tables_and_prints_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], default_scenario: Scenario
) -> None:
    code = main(["simulate", *SHORT, "-n", "3", "-w", "1", "--seed", "5", "--results-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "Herts Beds Luton: 3 replications of 44 working days (warm-up 0), seed 5, in-process" in out
    assert "SLA attainment by service" in out and "Employee relations" in out and "employee_relations" not in out
    assert "Utilisation by role" in out and "HR advisor" in out and "hr_advisor" not in out
    assert "Total cost GBP" in out and "95% CI" in out
    (folder,) = run_folders(tmp_path)
    assert folder.name.endswith("-5")
    names = {path.name for path in folder.iterdir()}
    assert {
        "kpis.parquet",
        "summary.csv",
        "backlog.csv",
        "staff.parquet",
        "cases.parquet",
        "scenario.json",
        "manifest.json",
    } <= names
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"] == "simulate"
    assert manifest["seed"] == 5
    assert manifest["simulation"]["replications"] == 3
    assert manifest["simulation"]["backend"] == "in-process"
    # kpis.parquet holds exactly the API's numbers (Parquet keeps the float64 values bit for bit).
    expected = multiple_replications(apply_overrides(default_scenario, ["simulation.horizon_months=2"]), n=3, seed=5)
    written = pd.read_parquet(folder / "kpis.parquet")
    assert written["value"].equals(expected.kpis["value"].astype(float))
    assert list(written["metric"]) == list(expected.kpis["metric"])
    summary = pd.read_csv(folder / "summary.csv")
    assert set(summary["n"]) <= {0, 1, 2, 3} and (summary["n"] == 3).any()


def test_one_and_two_workers_write_identical_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digests = []
    for workers in ("1", "2"):
        root = tmp_path / workers
        assert main(["simulate", *SHORT, "-n", "4", "-w", workers, "--results-dir", str(root)]) == 0
        (folder,) = run_folders(root)
        files = json.loads((folder / "manifest.json").read_text())["files"]
        digests.append(
            {name: files[name]["sha256"] for name in ("kpis.parquet", "summary.csv", "backlog.csv", "staff.parquet")}
        )
    assert digests[0] == digests[1]
    assert "2 local processes" in capsys.readouterr().out


def test_auto_replications_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", *SHORT, "-w", "1", "--results-dir", str(tmp_path), "--auto", "utilisation"]
    argv += ["--auto-member", "host", "--precision", "0.2", "--initial", "3", "--batch", "2", "--max-replications", "9"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "utilisation (member=host):" in out
    (folder,) = run_folders(tmp_path)
    history = pd.read_csv(folder / "auto_replications.csv")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["auto_replications"]["replications"] == history["replications"].iloc[-1]
    assert manifest["simulation"]["replications"] == history["replications"].iloc[-1]
    # The precision was REACHED (not merely reported consistently): the stopping figure recomputed from the run's
    # own per-replication utilisation (t interval, n - 1 degrees of freedom) is at most 20%, and no earlier batch was.
    kpis = pd.read_parquet(folder / "kpis.parquet")
    values = kpis[
        (kpis["metric"] == "utilisation")
        & (kpis["member"] == "host")
        & (kpis["role"] == "all")
        & (kpis["period"] == "all")
    ]["value"].to_numpy()
    n = len(values)
    assert n == history["replications"].iloc[-1]
    relative = stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n) / values.mean()
    assert history["relative_half_width"].iloc[-1] == pytest.approx(relative, rel=1e-9)
    assert manifest["auto_replications"]["reached"] is True and relative <= 0.2
    assert (history["relative_half_width"].iloc[:-1] > 0.2).all()


def test_auto_hitting_the_maximum_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", *SHORT, "-w", "1", "--results-dir", str(tmp_path), "--auto", "cases_arrived"]
    argv += ["--precision", "0.0001", "--initial", "2", "--max-replications", "2"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "warning: cases_arrived: stopped at the maximum of 2 replications WITHOUT reaching" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-n", "0"], "--replications must be at least 1"),
        (["-n", "2", "--workers", "0"], "--workers must be at least 1"),
        (["-n", "2", "--seed", "-3"], "--seed must be a non-negative integer"),
        (["-n", "2", "--confidence", "95"], "--confidence must be between 0 and 1"),
        (["--auto", "utilization", "--initial", "2", "--max-replications", "2"], "unknown KPI metric 'utilization'"),
        (["--auto", "utilisation", "--precision", "5"], "relative precision must be between 0 and 1"),
        (["-n", "1", "--set", "simulation.horizon_months=-1"], "horizon_months"),
        (["-n", "2", "--auto-member", "host"], "need --auto METRIC"),
    ],
)
def test_bad_input_exits_two_without_a_run_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(["simulate", *SHORT, "-w", "1", "--results-dir", str(tmp_path), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert run_folders(tmp_path) == []


def test_replications_and_auto_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", "-n", "3", "--auto", "utilisation"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_simulate_into_for_other_commands(tmp_path: Path, default_scenario: Scenario) -> None:
    scenario = apply_overrides(default_scenario, ["simulation.horizon_months=1"])
    with RunFolder(scenario, command="run", root=tmp_path) as run:
        result = simulate_into(run, scenario, replications=2, keep_cases=False)
    assert result.replications == 2 and result.seed == scenario.simulation.seed and result.cases is None
    assert run.path is not None
    assert {"kpis.parquet", "summary.csv", "backlog.csv", "staff.parquet"} <= {p.name for p in run.path.iterdir()}
    assert not (run.path / "cases.parquet").exists()
    # Case records are kept by default only when small: the default scenario's five years x 20 is not.
    assert expected_case_rows(scenario, 2) < 100_000 < expected_case_rows(default_scenario, 20)


def test_warm_up_note_compares_configured_and_suggested() -> None:
    days = np.arange(100, dtype=float)
    level = 10.0 + 20.0 * np.clip(1 - days / 30.0, 0, None) + np.random.default_rng(2).normal(0, 0.5, days.size)
    backlog = pd.DataFrame({"replication": 0, "day": days, "service": "a", "open_cases": level})

    def result(warm_up_days: float) -> ExperimentResult:
        empty = pd.DataFrame()
        return ExperimentResult("toy", 1, 1, empty, backlog, empty, None, 100.0, warm_up_days)

    assert warm_up_note(result(0.0)) == ""
    assert "SHORTER than suggested" in warm_up_note(result(5.0))
    assert "long enough" in warm_up_note(result(90.0))
