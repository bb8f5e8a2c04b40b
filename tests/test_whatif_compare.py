"""What-if comparison: paired statistics against hand computation, common random numbers, and the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_risk_toy import toy_scenario

from model.commands.cli import main
from model.risk import whatif
from model.scenario import DEFAULT_SCENARIO, apply_overrides


def _table(values: list[float], measure: str = "x", service: str = "all") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "replication": range(len(values)),
            "measure": measure,
            "service": service,
            "member": "all",
            "value": values,
        }
    )


def test_paired_differences_match_a_hand_t_interval() -> None:
    base = [10.0, 12.0, 9.0, 11.0, 13.0]
    what = [11.0, 14.5, 9.5, 12.0, 15.0]
    diff = np.array(what) - np.array(base)
    row = whatif.paired_differences(_table(base), _table(what)).iloc[0]
    half = stats.t.ppf(0.975, 4) * diff.std(ddof=1) / math.sqrt(5)
    assert row["n"] == 5
    assert row["difference"] == pytest.approx(diff.mean())
    assert row["ci_low"] == pytest.approx(diff.mean() - half)
    assert row["ci_high"] == pytest.approx(diff.mean() + half)
    assert row["base_mean"] == pytest.approx(11.0) and row["whatif_mean"] == pytest.approx(12.4)
    assert bool(row["significant"])
    # Pairing matters: the unpaired (Welch) interval of the same data includes 0.
    assert stats.ttest_ind(what, base, equal_var=False).pvalue > 0.05


def test_pairs_with_a_missing_value_are_dropped() -> None:
    rows = whatif.paired_table(_table([1.0, float("nan"), 3.0]), _table([2.0, 5.0, 3.0]))
    assert list(rows["replication"]) == [0, 2]
    assert list(rows["difference"]) == [1.0, 0.0]


def test_identical_scenarios_differ_by_exactly_zero() -> None:
    """Common random numbers: the same scenario run twice gives the same value in every replication."""
    scenario = toy_scenario(horizon_months=3)
    comparison = whatif.compare(scenario, scenario, 3, tariffs=False)
    numeric = comparison.differences
    assert len(numeric) > 20
    assert (numeric["difference"].abs() < 1e-9).all()
    assert not numeric["significant"].any()
    assert comparison.changes.empty


def test_more_headcount_costs_more_and_the_change_is_listed() -> None:
    base = toy_scenario(horizon_months=3)
    bigger = apply_overrides(base, ["members.Partner CCG.headcount=800", "members.Partner CCG.fte=700"])
    comparison = whatif.compare(base, bigger, 3, tariffs=False)
    d = comparison.differences.set_index(["measure", "service", "member"])
    # Contributions at 150 a head: 400 more staff = 60,000 a year more from the Partner.
    assert d.loc[("contribution_gbp_per_year", "all", "Partner CCG"), "difference"] == pytest.approx(60000.0)
    assert set(comparison.changes["path"]) == {"members.Partner CCG.headcount", "members.Partner CCG.fte"}
    static = comparison.static.set_index("quantity")
    assert static.loc["member_headcount", "difference"] == 400


def test_invoices_add_each_members_premium_share_per_replication() -> None:
    measures = _table([100.0, 300.0], measure="host_unplanned_cost_gbp_per_year")
    part = {"charge": {"Host": 1000.0, "Other": 500.0}, "premium_share": {"Host": 0.0, "Other": 1.0}}
    rows = whatif.invoice_measures(measures, part)
    other = rows[rows["member"] == "Other"]["value"].tolist()
    host = rows[rows["member"] == "Host"]["value"].tolist()
    assert other == [600.0, 800.0] and host == [1000.0, 1000.0]


def test_compare_cli_with_set_writes_a_run_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "compare",
            str(DEFAULT_SCENARIO),
            "--set",
            "members.Luton CCG.headcount=300",
            "--set",
            "members.Luton CCG.fte=270",
            "--set-both",
            "simulation.horizon_months=2",
            "-n",
            "2",
            "--no-tariffs",
            "--results-dir",
            str(tmp_path),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "members.Luton CCG.headcount" in out and "paired t interval" in out
    folders = list((tmp_path / "herts-beds-luton").iterdir())
    assert len(folders) == 1
    manifest = json.loads((folders[0] / "manifest.json").read_text())
    assert manifest["command"] == "compare" and "whatif" in manifest
    assert (folders[0] / "differences.csv").exists()


def test_compare_cli_needs_something_to_compare(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(DEFAULT_SCENARIO)]) == 2
    assert "nothing to compare" in capsys.readouterr().err
