"""Temporary folders left by a run that was killed outright are removed at the next start.

A process killed outright (SIGKILL, power cut) cannot clean up, so every temporary folder carries its owner's process
id (and, for run folders, which may sit on a shared drive, its host) in its name; :func:`remove_stale` removes those
whose owner is gone (``model.simulation.processes.pid_alive``).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sys
from pathlib import Path

from model.simulation.processes import pid_alive

# model.reporting.results.RunFolder: .tmp-<stamp>-<seed>-<host>-<pid>; model.commands.brief: sharedhr-brief-<pid>-<random>
RUN_TEMP_PATTERN = re.compile(r"^\.tmp-.*-(?P<host>[A-Za-z0-9.]+)-(?P<pid>\d+)$")


BRIEF_SCRATCH_PREFIX = "sharedhr-brief-"


BRIEF_SCRATCH_PATTERN = re.compile(rf"^{BRIEF_SCRATCH_PREFIX}(?P<pid>\d+)-")


def owner_tag() -> str:
    """``<host>-<pid>``: ends the name of a run's temporary folder, so that only this machine judges whether its
    owner is still running (a results folder on a shared drive is written from several machines)."""
    host = re.sub(r"[^A-Za-z0-9.]", "", socket.gethostname())[:60] or "host"
    return f"{host}-{os.getpid()}"


def remove_stale(folder: Path, pattern: re.Pattern[str]) -> list[Path]:
    """Remove the folders in ``folder`` whose name matches ``pattern`` (group ``pid``: the owning process id; group
    ``host``, if the pattern has one: the machine it ran on, which must be this one) and whose owner is no longer
    running. Only real folders (not symlinks) owned by this user are touched. Returns what was removed; a folder that
    cannot be listed or removed is left alone."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    me = os.getuid() if hasattr(os, "getuid") else None
    host = owner_tag().rsplit("-", 1)[0]
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None or match.groupdict().get("host", host) != host:
            continue
        pid = int(match.group("pid"))
        if pid == os.getpid() or pid_alive(pid):
            continue
        try:
            info = entry.lstat()
        except OSError:
            continue
        if not entry.is_dir() or entry.is_symlink() or (me is not None and info.st_uid != me):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if not entry.exists():
            removed.append(entry)
    return removed


def report_removed(removed: list[Path]) -> None:
    """Say on stderr which stale folders were removed (nothing when none)."""
    for path in removed:
        print(f"note: removed {path}, left by a run that was stopped", file=sys.stderr)
