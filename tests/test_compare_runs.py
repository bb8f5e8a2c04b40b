"""tools/compare_runs.py: two runs of the same scenario with the same seed are identical file by file (timestamps,
timings and paths aside), and a planted difference in any compared file is found."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from model.commands.cli import main

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "brief_small.toml"


def _tool():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("compare_runs", ROOT / "tools" / "compare_runs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same small simulation twice (same seed and options) into two results folders."""
    folders = []
    for attempt in ("first", "second"):
        root = tmp_path_factory.mktemp(f"runs-{attempt}")
        argv = ["simulate", str(SMALL), "-n", "3", "--seed", "5", "-w", "1", "-q", "--results-dir", str(root)]
        with redirect_stdout(io.StringIO()):
            assert main([*argv, "--set", "simulation.horizon_months=4"]) == 0
        folders.append(root)
    return folders[0], folders[1]


def _copy(run: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(run, target)
    return target


def test_same_seed_runs_are_identical(two_runs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    tool = _tool()
    assert tool.main([str(two_runs[0]), str(two_runs[1])]) == 0
    out = capsys.readouterr().out
    assert out.startswith("IDENTICAL: ")
    # the two manifests really differ in time and folder name: the comparison looked past them
    first, second = (tool.run_folder(p) for p in two_runs)
    assert first.name != second.name or first.parent != second.parent
    manifests = [json.loads((p / "manifest.json").read_text()) for p in (first, second)]
    assert manifests[0]["created_utc"] != manifests[1]["created_utc"]


@pytest.mark.parametrize("target", ["summary.csv", "manifest.json", "kpis.parquet", "extra.csv"])
def test_a_planted_difference_is_found(
    two_runs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    tool = _tool()
    before = tool.run_folder(two_runs[0])
    after = _copy(tool.run_folder(two_runs[1]), tmp_path)
    if target == "summary.csv":
        rows = list(csv.reader((after / target).open(encoding="utf-8")))
        rows[1][-1] = rows[1][-1] + "1"  # one digit more in one number
        with (after / target).open("w", encoding="utf-8", newline="") as stream:
            csv.writer(stream, lineterminator="\n").writerows(rows)
    elif target == "manifest.json":
        manifest = json.loads((after / target).read_text())
        manifest["seed"] += 1
        (after / target).write_text(json.dumps(manifest), encoding="utf-8")
    elif target == "kpis.parquet":
        table = pd.read_parquet(after / target)
        table.loc[table.index[0], "value"] = float(table["value"].iloc[0]) + 1e-12
        table.to_parquet(after / target)
    else:
        (after / target).write_text("a\n1\n", encoding="utf-8")
    assert tool.main([str(before), str(after)]) == 1
    out = capsys.readouterr().out
    assert target in out and "DIFFERENT: 1 difference(s)" in out


def test_timings_and_paths_are_ignored(two_runs: tuple[Path, Path], tmp_path: Path) -> None:
    tool = _tool()
    before = tool.run_folder(two_runs[0])
    after = _copy(tool.run_folder(two_runs[1]), tmp_path)
    manifest = json.loads((after / "manifest.json").read_text())
    manifest["created_utc"] = "1999-01-01T00:00:00+00:00"
    manifest["argv"] = ["somewhere", "else"]
    (after / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert tool.compare(before, after) == []
