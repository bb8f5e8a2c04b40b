"""Worker processes are tied to the process that started them: when it is killed outright (SIGKILL: no handler
runs), its replication workers exit within seconds instead of computing for minutes for nobody; when it is stopped
politely (SIGTERM), it terminates them itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model.simulation import pid_alive

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "brief_small.toml"

pytestmark = pytest.mark.slow


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children, grandchildren: a fork server's workers), read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def running(pids: set[int]) -> set[int]:
    """The pids still running (zombies, already exited, do not count)."""
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def start_workers(tmp_path: Path) -> tuple[subprocess.Popen[str], set[int]]:
    """A simulation on two worker processes with chunks of minutes; returns the parent and its workers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "model", "simulate", str(SMALL), "-n", "20000", "-w", "2", "--no-progress"]
        + ["--results-dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.2)
        workers = running(descendants(process.pid))
    assert len(workers) >= 2, "the worker processes did not start"
    time.sleep(1.0)  # the workers are inside their first chunk
    return process, workers


def gone_within(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and running(pids):
        time.sleep(0.1)
    return running(pids)


def test_workers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    process, workers = start_workers(tmp_path)
    process.kill()
    process.communicate(timeout=30)
    try:
        assert gone_within(workers, 5.0) == set()
    finally:
        for pid in running(workers):
            os.kill(pid, signal.SIGKILL)


def test_workers_are_terminated_on_sigterm(tmp_path: Path) -> None:
    process, workers = start_workers(tmp_path)
    process.terminate()
    _out, err = process.communicate(timeout=30)
    try:
        assert process.returncode == 143, err
        assert gone_within(workers, 5.0) == set()
        assert not pid_alive(process.pid) or running({process.pid}) == set()
    finally:
        for pid in running(workers):
            os.kill(pid, signal.SIGKILL)
