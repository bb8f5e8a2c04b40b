"""Run folders are written atomically, carry a manifest, and never overwrite an earlier run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from model.reporting import RunFolder, slug


def test_slug() -> None:
    assert slug("Herts, Beds & Luton") == "herts-beds-luton"
    assert slug("!!!") == "scenario"


def test_files_appear_only_on_success(tmp_path: Path, default_scenario) -> None:
    with RunFolder(default_scenario, command="test", root=tmp_path) as run:
        run.write_csv("table.csv", pd.DataFrame({"a": [1, 2]}))
        run.write_json("data.json", {"x": 1})
        scenario_dir = tmp_path / "herts-beds-luton"
        # while writing, only a hidden temporary folder exists
        assert [p.name.startswith(".tmp-") for p in scenario_dir.iterdir()] == [True]
    assert run.path is not None and run.path.parent == scenario_dir
    assert sorted(p.name for p in run.path.iterdir()) == ["data.json", "manifest.json", "table.csv"]
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert manifest["scenario_sha256"] == default_scenario.content_hash()
    assert manifest["seed"] == default_scenario.simulation.seed
    assert manifest["packages"]["pandas"] == pd.__version__
    assert manifest["files"]["table.csv"]["bytes"] == (run.path / "table.csv").stat().st_size
    assert not any(p.name.startswith(".tmp-") for p in scenario_dir.iterdir())


def test_failure_leaves_nothing(tmp_path: Path, default_scenario) -> None:
    with pytest.raises(RuntimeError), RunFolder(default_scenario, command="test", root=tmp_path) as run:
        run.write_text("partial.txt", "half")
        raise RuntimeError("boom")
    assert run.path is None
    assert list((tmp_path / "herts-beds-luton").iterdir()) == []


def test_same_second_same_seed_gets_a_new_name(tmp_path: Path, default_scenario) -> None:
    paths = []
    for _ in range(3):
        with RunFolder(default_scenario, command="test", root=tmp_path, seed=7) as run:
            run.write_text("n.txt", "x")
        paths.append(run.path)
    assert len(set(paths)) == 3
    # force a clash: two runs created in the same instant
    first = RunFolder(default_scenario, command="test", root=tmp_path, seed=9)
    second = RunFolder(default_scenario, command="test", root=tmp_path, seed=9)
    second.created = first.created
    for folder in (first, second):
        with folder as run:
            run.write_text("n.txt", "x")
    assert first.path != second.path and second.path.name.endswith("-2")
    assert (first.path / "n.txt").exists() and (second.path / "n.txt").exists()


def test_refuses_to_overwrite_within_a_run(tmp_path: Path, default_scenario) -> None:
    with RunFolder(default_scenario, command="test", root=tmp_path) as run:
        run.write_text("a.txt", "1")
        with pytest.raises(FileExistsError):
            run.write_text("a.txt", "2")


def test_use_outside_with_block_is_an_error(tmp_path: Path, default_scenario) -> None:
    with pytest.raises(RuntimeError, match="outside its 'with' block"):
        RunFolder(default_scenario, command="test", root=tmp_path).file("x")


def test_subfolders_write_inside_the_same_atomic_run(tmp_path: Path, default_scenario) -> None:
    with RunFolder(default_scenario, command="run", root=tmp_path) as run:
        simulation = run.subfolder("simulation")
        simulation.write_text("summary.csv", "a\n")
        run.subfolder("tariffs").write_text("summary.csv", "b\n")  # same name, different step: no clash
        assert simulation.scenario is default_scenario and simulation.working_dir.name == "simulation"
        with pytest.raises(FileExistsError):
            simulation.write_text("summary.csv", "again")
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert {"simulation/summary.csv", "tariffs/summary.csv"} <= set(manifest["files"])
    assert (run.path / "tariffs" / "summary.csv").read_text() == "b\n"


def test_manifest_records_no_local_paths(tmp_path: Path, default_scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line is recorded with absolute paths cut to their last part: the scenario is identified by its name
    and SHA-256, not by where it lived on someone's disk."""
    argv = [
        "/home/alice/.venv/bin/sharedhr",
        "run",
        "/home/alice/secret/plan.toml",
        "--results-dir=/srv/out",
        "-n",
        "5",
    ]
    monkeypatch.setattr("sys.argv", argv)
    with RunFolder(default_scenario, command="run", root=tmp_path) as run:
        run.write_text("a.txt", "a")
    assert run.path is not None
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert manifest["argv"] == ["sharedhr", "run", "plan.toml", "--results-dir=out", "-n", "5"]
    assert manifest["scenario"] == default_scenario.name
    assert manifest["scenario_sha256"] == default_scenario.content_hash()


def test_large_tables_are_parquet_and_exact(tmp_path: Path, default_scenario) -> None:
    frame = pd.DataFrame({"x": [0.1, 1 / 3, -2.5e-300], "name": ["=a", "b", "c"]})
    with RunFolder(default_scenario, command="t", root=tmp_path) as run:
        run.write_parquet("big.parquet", frame)
    assert run.path is not None
    back = pd.read_parquet(run.path / "big.parquet")
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)  # bit-exact floats, text as written
