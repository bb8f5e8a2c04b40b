"""Stopping a run leaves nothing half-done: SIGTERM is handled like Ctrl-C (one line, the hidden run folder removed,
exit 143); after SIGKILL, which cannot be handled, the next run removes the stale folder (its owner's pid is in its
name) and says so; Ctrl-C during the briefing is one line and exit 130 with no kernel left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model.reporting import BRIEF_SCRATCH_PATTERN, RunFolder, remove_stale
from model.reporting.stale import RUN_TEMP_PATTERN, owner_tag
from model.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "brief_small.toml"

pytestmark = pytest.mark.slow


def start(command: list[str], results: Path) -> subprocess.Popen[str]:
    """``python -m model`` in its own session (so a signal reaches only it and what it starts), with Ctrl-C handled
    as in a terminal even when the tests themselves run where SIGINT is ignored (a background job)."""
    return subprocess.Popen(
        [sys.executable, "-m", "model", *command, "--results-dir", str(results)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_for(pattern: str, results: Path, timeout: float = 90.0) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(results.glob(pattern))
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"nothing matched {pattern} under {results} within {timeout} s")


def dead_pid() -> int:
    """The pid of a process that has just exited."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_sigterm_removes_the_run_folder_and_says_one_line(tmp_path: Path) -> None:
    process = start(["simulate", str(SMALL), "-n", "5000", "-w", "1", "--no-progress"], tmp_path)
    wait_for("*/.tmp-*/scenario.json", tmp_path)
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 143
    assert err.strip().splitlines() == ["interrupted (SIGTERM); nothing was kept"]
    assert list(tmp_path.glob("*/.tmp-*")) == [] and list(tmp_path.glob("*/*")) == []


def test_sigkill_leftovers_are_removed_at_the_next_start(
    tmp_path: Path, default_scenario: Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    process = start(["simulate", str(SMALL), "-n", "5000", "-w", "1", "--no-progress"], tmp_path)
    stale = wait_for("*/.tmp-*/scenario.json", tmp_path).parent
    process.kill()
    process.communicate(timeout=60)
    assert stale.is_dir()  # SIGKILL cannot be handled: the hidden folder is left behind
    host = owner_tag().rsplit("-", 1)[0]
    other = tmp_path / "another-scenario" / f".tmp-20200101T000000000000Z-1-{host}-{dead_pid()}"
    other.mkdir(parents=True)
    alive = tmp_path / "another-scenario" / f".tmp-20200101T000000000000Z-1-{owner_tag()}"
    alive.mkdir()  # a run still going (this process) is left alone
    remote = tmp_path / "another-scenario" / f".tmp-20200101T000000000000Z-1-othermachine.nhs.uk-{dead_pid()}"
    remote.mkdir()  # a run on another machine sharing the results drive: this machine cannot judge it
    with RunFolder(default_scenario, command="t", root=tmp_path) as run:
        run.write_text("a.txt", "a")
    err = capsys.readouterr().err
    assert not stale.exists() and not other.exists() and alive.exists() and remote.exists()
    assert f"note: removed {stale}, left by a run that was stopped" in err
    assert f"note: removed {other}" in err


def test_stale_scratch_folders_owned_by_dead_processes_are_removed(tmp_path: Path) -> None:
    gone = tmp_path / f"sharedhr-brief-{dead_pid()}-abc"
    running = tmp_path / f"sharedhr-brief-{os.getpid()}-def"
    unrelated = tmp_path / "sharedhr-brief-notapid"
    for folder in (gone, running, unrelated):
        folder.mkdir()
    (gone / "results.pickle").write_bytes(b"x")
    link = tmp_path / f"sharedhr-brief-{dead_pid()}-link"
    link.symlink_to(running)  # a planted symlink is never followed nor removed
    assert remove_stale(tmp_path, BRIEF_SCRATCH_PATTERN) == [gone]
    assert running.exists() and unrelated.exists() and link.is_symlink()
    assert remove_stale(tmp_path, RUN_TEMP_PATTERN) == []


@pytest.mark.xdist_group("brief_cli")
def test_ctrl_c_during_the_briefing_is_one_line(tmp_path: Path) -> None:
    process = start(["brief", str(SMALL), "--replications", "5000", "--workers", "1", "--no-progress"], tmp_path)
    wait_for("*/.tmp-*/briefing/board_briefing.ipynb", tmp_path)  # brief writes into briefing/, as run does
    time.sleep(2)  # the kernel is running cells
    os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole foreground group
    _out, err = process.communicate(timeout=90)
    assert process.returncode == 130, err[-3000:]
    assert err.strip().splitlines() == ["interrupted (SIGINT); nothing was kept"]
    assert list(tmp_path.glob("*/*")) == []
