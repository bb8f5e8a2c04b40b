"""Replication runner: identical tables on every backend, seeds and common random numbers, summaries, automatic
replications and clear errors. A six-month horizon keeps each replication near 0.1 s."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from model.scenario import Scenario, UserError, apply_overrides
from model.simulation import (
    auto_replications,
    multiple_replications,
    select_kpi,
    single_run,
    t_confidence_interval,
    warm_up_diagnostic,
)
from model.simulation.kpis import KPI_COLUMNS

pytestmark = pytest.mark.xdist_group("replications")  # share the module fixtures on one worker

SEED = 1234


@pytest.fixture(scope="module")
def short(default_scenario: Scenario) -> Scenario:
    """The default scenario over six months with four replications."""
    return apply_overrides(default_scenario, ["simulation.horizon_months=6", "simulation.replications=4"])


@pytest.fixture(scope="module")
def serial(short: Scenario):
    """Reference: six replications in this process, case records kept."""
    return multiple_replications(short, n=6, workers=1, keep_cases=True, seed=SEED)


def assert_same_experiment(a, b) -> None:
    """Bit-identical tables (check_exact: no tolerance at all)."""
    for name in ("kpis", "backlog", "staff", "cases"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert (a.replications, a.seed, a.horizon_days, a.warm_up_days) == (
        b.replications,
        b.seed,
        b.horizon_days,
        b.warm_up_days,
    )


def test_tables_are_tidy_and_sorted_by_replication(serial) -> None:
    assert list(serial.kpis.columns) == KPI_COLUMNS
    for table in (serial.kpis, serial.backlog, serial.staff, serial.cases):
        assert table["replication"].is_monotonic_increasing
        assert sorted(set(table["replication"])) == list(range(6))
    assert serial.backend == "in-process"
    assert serial.horizon_days == pytest.approx(6 * 21.75)


def test_two_processes_give_identical_tables(short: Scenario, serial) -> None:
    parallel = multiple_replications(short, n=6, workers=2, keep_cases=True, seed=SEED)
    assert parallel.backend == "2 local processes"
    assert_same_experiment(serial, parallel)


def test_replication_depends_only_on_its_index(short: Scenario, serial) -> None:
    # Replications 3..5 run alone (and single_run of replication 4) equal the same replications of a 0..5 run.
    tail = multiple_replications(short, n=3, first=3, workers=1, seed=SEED)
    expected = serial.kpis[serial.kpis["replication"] >= 3].reset_index(drop=True)
    pd.testing.assert_frame_equal(tail.kpis, expected, check_exact=True)
    one = single_run(short, 4, seed=SEED)
    pd.testing.assert_frame_equal(
        one.kpis, serial.kpis[serial.kpis["replication"] == 4].reset_index(drop=True), check_exact=True
    )
    pd.testing.assert_frame_equal(
        one.cases, serial.cases[serial.cases["replication"] == 4].reset_index(drop=True), check_exact=True
    )


def test_same_seed_same_results_other_seed_differs(short: Scenario, serial) -> None:
    again = multiple_replications(short, n=2, seed=SEED)
    pd.testing.assert_frame_equal(again.kpis, serial.kpis[serial.kpis["replication"] < 2], check_exact=True)
    other = multiple_replications(short, n=2, seed=SEED + 1)
    assert not np.array_equal(other.kpis["value"].to_numpy(), again.kpis["value"].to_numpy())
    # The scenario's own seed is the default.
    default = multiple_replications(short, n=1)
    assert default.seed == short.simulation.seed
    assert default.replications == 1


def test_default_number_of_replications_is_the_scenarios(short: Scenario) -> None:
    tiny = apply_overrides(short, ["simulation.horizon_months=1", "simulation.replications=3"])
    assert multiple_replications(tiny).replications == 3


def test_common_random_numbers_across_staffing_options(short: Scenario) -> None:
    # More host staff changes waits, not demand: with the same seed every replication sees the same arrivals.
    richer = apply_overrides(short, ["roles.hr_advisor.fte=4"])
    base = multiple_replications(short, n=3, seed=SEED)
    more = multiple_replications(richer, n=3, seed=SEED)
    arrived = [select_kpi(run.kpis, "cases_arrived", service="recruitment") for run in (base, more)]
    pd.testing.assert_series_equal(arrived[0], arrived[1], check_exact=True)
    assert not select_kpi(base.kpis, "utilisation", member="host").equals(
        select_kpi(more.kpis, "utilisation", member="host")
    )


def test_summary_is_the_t_interval_per_kpi(serial) -> None:
    summary = serial.summary()
    assert list(summary.columns[:5]) == ["metric", "service", "member", "role", "period"]
    assert len(summary) == len(serial.kpis) // 6
    row = summary[
        (summary["metric"] == "utilisation") & (summary["member"] == "host") & (summary["role"] == "all")
    ].iloc[0]
    values = serial.values("utilisation", member="host")
    assert list(values.index) == list(range(6))
    ci = t_confidence_interval(values)
    assert row["n"] == 6
    assert row["mean"] == pytest.approx(values.mean(), rel=1e-14)
    assert row["half_width"] == pytest.approx(ci.half_width, rel=1e-12)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-12)
    narrow = serial.interval("utilisation", member="host", confidence=0.8)
    assert narrow.half_width < ci.half_width


def test_select_kpi_errors_name_the_choices(serial) -> None:
    with pytest.raises(UserError, match="unknown KPI metric 'utilization'; known: .*utilisation"):
        serial.values("utilization")
    with pytest.raises(UserError, match="no service 'payrol'"):
        serial.values("sla_attainment", service="payrol")
    with pytest.raises(UserError, match="no period 'all'; its period values: 2014-04"):
        serial.values("backlog_open_cases")


def test_auto_replications_stops_when_precise_enough(short: Scenario, serial) -> None:
    auto = auto_replications(
        short, "utilisation", member="host", relative_precision=0.04, initial=5, batch=3, max_replications=60, seed=SEED
    )
    assert auto.reached
    history = auto.history
    assert history["replications"].iloc[0] == 5
    assert history["replications"].is_monotonic_increasing
    # Never more than doubling per round, at least `batch` more.
    steps = history["replications"].diff().dropna()
    assert (steps >= 3).all() and (steps <= history["replications"].iloc[:-1].to_numpy()).all()
    assert history["relative_half_width"].iloc[-1] <= 0.04
    assert (history["relative_half_width"].iloc[:-1] > 0.04).all()
    assert auto.replications == history["replications"].iloc[-1] == auto.experiment.replications
    assert auto.achieved_precision == pytest.approx(auto.interval.half_width / auto.interval.mean)
    assert "replications give a 95% CI half-width" in auto.message
    # Batches do not change any replication: the first six equal a plain run of six.
    first_six = auto.experiment.kpis[auto.experiment.kpis["replication"] < 6]
    pd.testing.assert_frame_equal(first_six, serial.kpis, check_exact=True)


def test_auto_replications_reports_when_the_maximum_is_hit(short: Scenario) -> None:
    auto = auto_replications(
        short, "sickness_absence_rate", relative_precision=0.001, initial=3, batch=2, max_replications=5, seed=SEED
    )
    assert not auto.reached
    assert auto.replications == 5
    assert list(auto.history["replications"]) == [3, 5]
    assert auto.achieved_precision > 0.001
    assert "WITHOUT reaching the target precision" in auto.message
    assert "maximum of 5 replications" in auto.message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"relative_precision": 0.0}, "relative precision"),
        ({"initial": 1}, "at least 2"),
        ({"batch": 0}, "batch"),
        ({"initial": 10, "max_replications": 5}, "max replications"),
        ({"workers": 0}, "workers"),
    ],
)
def test_auto_replications_bad_arguments(short: Scenario, kwargs: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        auto_replications(short, "utilisation", **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n": 0}, "positive integer"), ({"workers": 0}, "workers"), ({"seed": -1}, "seed"), ({"first": -2}, "first")],
)
def test_bad_arguments_are_user_errors(short: Scenario, kwargs: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        multiple_replications(short, **kwargs)


def test_unreachable_dask_scheduler_is_a_clear_error(short: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    address = "tcp://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(UserError) as error:
        multiple_replications(short, n=2, dask_address=address, dask_timeout=0.5)
    text = str(error.value)
    assert f"cannot reach the Dask scheduler at {address}" in text
    assert "dask scheduler" in text and f"dask worker {address}" in text
    # The environment variable is used when no address is given, and an empty value means "run locally".
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", address)
    with pytest.raises(UserError, match="cannot reach the Dask scheduler"):
        multiple_replications(short, n=2, dask_timeout=0.5)
    assert multiple_replications(short, n=1, dask_address="").backend == "in-process"
    with pytest.raises(UserError, match="'scheduler' is not a Dask scheduler address .*tcp://10.0.0.5:8786"):
        multiple_replications(short, n=2, dask_address="scheduler")


def test_progress_bar_goes_to_stderr(short: Scenario, capsys: pytest.CaptureFixture[str]) -> None:
    tiny = apply_overrides(short, ["simulation.horizon_months=1"])
    multiple_replications(tiny, n=2, progress=True)
    captured = capsys.readouterr()
    assert "replications" in captured.err and "2/2" in captured.err
    assert captured.out == ""


def test_warm_up_diagnostic_finds_the_transient() -> None:
    # Synthetic backlog: 3 replications, 200 time points, a transient decaying to a stationary level by t = 40.
    rng = np.random.default_rng(9)
    days = np.arange(200, dtype=float)
    rows = []
    for replication in range(3):
        level = 20.0 + 30.0 * np.clip(1 - days / 40.0, 0, None) + rng.normal(0, 1.0, days.size)
        for service, share in (("a", 0.25), ("b", 0.75)):
            rows += [(replication, day, service, share * value) for day, value in zip(days, level, strict=True)]
    backlog = pd.DataFrame(rows, columns=["replication", "day", "service", "open_cases"])
    cut = warm_up_diagnostic(backlog, "day", "open_cases")
    assert 30 <= cut <= 80  # MSER-5 is a heuristic: it may keep deleting a little past the transient
    trend = backlog.assign(open_cases=backlog["day"])
    assert math.isinf(warm_up_diagnostic(trend, "day", "open_cases"))
