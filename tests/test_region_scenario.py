"""The regional scenario (issue 15) loads and has the organisations the docs describe; tariffs for it take the
at-scale path (the 40-member run itself is a benchmark figure, docs/regional_scale.md, not a test)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from model.fairness.tariffs_at_scale import EXACT_MAX_MEMBERS, ScaleBudget
from model.optimisation.verification import VerificationChoice
from model.scenario import DEFAULT_SCENARIO, load_scenario

REGION = Path(__file__).resolve().parent.parent / "scenarios" / "region.toml"
DEFAULT = DEFAULT_SCENARIO


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


def test_regional_runs_use_erlang_c_and_say_so_small_ones_stay_verified() -> None:
    """``choose_verification`` by size: the 5-member default is calibrated and verified (one model, one answer); the
    40-member region is sized on Erlang C without simulation (hours on 2 cores), with a reason naming both; explicit
    options always win."""
    from model.commands.optimise import AUTO_VERIFY_MAX_MEMBERS
    from model.optimisation.verification import AUTO_MAX_MEMBERS, choose_verification

    assert AUTO_VERIFY_MAX_MEMBERS == AUTO_MAX_MEMBERS == EXACT_MAX_MEMBERS
    region = load_scenario(REGION)
    small = load_scenario(DEFAULT)
    assert choose_verification(small) == VerificationChoice(calibrated=True, verify=True, reason="")
    auto = choose_verification(region)
    assert (auto.calibrated, auto.verify) == (False, False)
    assert "40 members" in auto.reason and "Erlang C" in auto.reason and "NOT verified" in auto.reason
    assert "--capacity calibrated --verify" in auto.reason
    asked = choose_verification(region, "calibrated", True)
    assert asked == VerificationChoice(calibrated=True, verify=True, reason="")
    only_capacity = choose_verification(region, "analytic", None)
    assert (only_capacity.calibrated, only_capacity.verify) == (False, False)
    assert "NOT verified" in only_capacity.reason and "Erlang C pool" not in only_capacity.reason
    assert choose_verification(small, "analytic", False) == VerificationChoice(False, False, "")
    with pytest.raises(ValueError, match="auto, calibrated or analytic"):
        choose_verification(small, "erlang")


def test_verify_and_no_verify_cannot_both_be_given(capsys: pytest.CaptureFixture[str]) -> None:
    from model.commands.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["tariffs", str(REGION), "--verify", "--no-verify"])
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.slow  # waits out the 30 s connection timeout (idle, no CPU)
def test_a_dask_scheduler_out_of_reach_is_one_line_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from model.commands.cli import main

    started = time.perf_counter()
    code = main(["tariffs", str(DEFAULT), "--dask", "tcp://127.0.0.1:9", "--results-dir", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err[0], err
    assert time.perf_counter() - started < 60  # the 30 s connection timeout at most: no verification ran first
    assert not list(tmp_path.iterdir())  # nothing written
    code = main(["tariffs", str(DEFAULT), "--dask", "not an address", "--results-dir", str(tmp_path)])
    assert code == 2 and "is not a Dask scheduler address" in capsys.readouterr().err
