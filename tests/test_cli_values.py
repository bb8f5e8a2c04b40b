"""Values given on the command line and in the environment: ``--set`` (booleans are not numbers, one value on one
line, a field named before ``=``), ``SHAREDHR_RESULTS_DIR``, ``--results-dir`` that cannot take results, a full disk,
and the ``game`` command's limits and pipes. Each is one clear line and exit 2 (141 for a closed pipe)."""

from __future__ import annotations

import errno
import io
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from model.commands.cli import main
from model.commands.game import analyse
from model.fairness import CostGame
from model.reporting import RunFolder
from model.scenario import Scenario


def _error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, captured
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in captured.err, lines
    return lines[0]


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("simulation.replications=true", "simulation.replications: expected a number, got true"),
        ("members.Luton CCG.headcount=false", "members[2].headcount: expected a number, got false"),
        ("simulation.replications=5\nsimulation.seed=1", "holds a line break or control character"),
        ("=5", "name the field before '='"),
        ("absence..sickness_rate=0.1", "has an empty part"),
        ("simulation.replications", "expected PATH=VALUE"),
        ("simulation.seed=" + "9" * 30, "too long"),
        ("simulation.initial_backlog=" + "[" * 100 + "]" * 100, "nested too deeply"),
    ],
)
def test_set_values_are_checked(
    assignment: str, expected: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert expected in _error(capsys, ["optimise", "--set", assignment, "--results-dir", str(tmp_path)])
    assert not any(tmp_path.rglob("manifest.json"))


def test_empty_results_dir_variable_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHAREDHR_RESULTS_DIR", "")
    monkeypatch.chdir(tmp_path)
    assert "SHAREDHR_RESULTS_DIR is set but empty" in _error(capsys, ["optimise"])
    assert list(tmp_path.iterdir()) == []  # nothing written into the current folder


def test_results_dir_that_cannot_take_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clash = tmp_path / "a-file"
    clash.write_text("not a folder")
    line = _error(capsys, ["optimise", "--results-dir", str(clash)])
    assert line.startswith(f"error: cannot write results in {clash}/herts-beds-luton: ")
    assert "part of the path is a file" in line
    nested = tmp_path / "a-file" / "deeper"
    assert "cannot write results in" in _error(capsys, ["optimise", "--results-dir", str(nested)])
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert "permission denied" in _error(capsys, ["optimise", "--results-dir", str(locked)])


def test_missing_results_dir_is_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "new" / "results"
    assert main(["optimise", "--results-dir", str(target)]) == 0
    assert len(list((target / "herts-beds-luton").iterdir())) == 1


def test_full_disk_leaves_nothing_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default_scenario: Scenario
) -> None:
    from model.reporting import results

    def full(self: object, name: str, text: str) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device", name)

    monkeypatch.setattr(results._Writer, "write_text", full)
    with (
        pytest.raises(results.UserError, match="the disk is full; nothing was kept"),
        RunFolder(default_scenario, command="t", root=tmp_path) as run,
    ):
        run.write_json("x.json", {})
    assert list((tmp_path / "herts-beds-luton").iterdir()) == []


def test_manifest_write_failure_leaves_nothing_half_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default_scenario: Scenario
) -> None:
    from model.reporting import results

    def half_written(self: RunFolder) -> None:
        (self.working_dir / "manifest.json").write_text("")  # 0 bytes, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(results.RunFolder, "_write_manifest", half_written)
    with (
        pytest.raises(results.UserError, match=f"cannot write results in {tmp_path}"),
        RunFolder(default_scenario, command="t", root=tmp_path) as run,
    ):
        run.write_text("a.txt", "a")
    assert list((tmp_path / "herts-beds-luton").iterdir()) == []


def _game_file(tmp_path: Path, data: object) -> str:
    path = tmp_path / "game.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_game_keys_and_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    game = {"players": ["A", "B"], "costs": {"A": 1, "B": 2, "A+B": 2.5}}
    line = _error(capsys, ["game", _game_file(tmp_path, {**game, "wieghts": {"A": 1, "B": 1}})])
    assert "unknown key 'wieghts'" in line
    line = _error(capsys, ["game", _game_file(tmp_path, {**game, "costs": {"A": 1e308, "B": 1e308, "A+B": 1e308}})])
    assert "too large" in line
    players = [f"P{i}" for i in range(25)]
    line = _error(capsys, ["game", _game_file(tmp_path, {"players": players, "costs": {"P0": 1}})])
    assert "25 players" in line and "at most 20" in line and "from_vectorized" not in line and "Python" not in line


def test_nineteen_player_shapley_is_not_refused_by_the_core_check() -> None:
    rng = np.random.default_rng(3)
    n = 19
    weights = rng.uniform(1, 10, n)
    masks = np.arange(1 << n)
    members = (masks[:, None] >> np.arange(n)) & 1
    table = np.sqrt(members @ weights)  # concave in size: a subadditive game
    result = analyse(CostGame([f"P{i}" for i in range(n)], table), None, "shapley")
    assert sum(result["shapley"].values()) == pytest.approx(table[-1])
    assert result["core"]["nonempty"] is None and "shapley" in result["core"]["checks"]
    assert any("19 players" in note for note in result["notes"])


def test_game_into_a_closed_pipe_is_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``sharedhr game ... | head``: the reader has gone; stop quietly with 141, as a shell pipeline member would."""

    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    path = _game_file(tmp_path, {"players": ["A", "B"], "costs": {"A": 1, "B": 2, "A+B": 2.5}})
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["game", path]) == 141
    assert capsys.readouterr().err == ""
