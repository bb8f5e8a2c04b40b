"""Faults leave nothing half-done behind: one cleanup rule for stopped runs, and worker processes tied to their parent.

* SIGTERM is handled like Ctrl-C (:func:`handle_termination`): it raises :class:`Terminated`, a KeyboardInterrupt, so
  every ``with`` block (run folders, process pools, scratch folders) unwinds and removes what it created; the CLI
  then exits with 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM).
* A process killed outright (SIGKILL, power cut) cannot clean up, so every temporary folder carries its owner's
  process id (and, for run folders, which may sit on a shared drive, its host) in its name; :func:`remove_stale`
  removes those whose owner is gone, at the next start.
* Worker processes call :func:`exit_with_parent` in their initializer: they exit as soon as the process that
  started the pool has gone, instead of computing for minutes for nobody.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by a signal other than Ctrl-C (SIGTERM, SIGHUP); ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated(signum)


@contextmanager
def handle_termination() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread (as SIGINT raises
    KeyboardInterrupt); the previous handlers are restored afterwards. Does nothing outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {signum: signal.signal(signum, _raise_terminated) for signum in wanted}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def interrupt_exit_code(error: KeyboardInterrupt) -> int:
    """Exit code for a stop request: 128 + signal number (130 for Ctrl-C, 143 for SIGTERM)."""
    return 128 + (error.signum if isinstance(error, Terminated) else signal.SIGINT)


# --- stale temporary folders ------------------------------------------------------------------------------------------

# model.results.RunFolder: .tmp-<stamp>-<seed>-<host>-<pid>; model.commands.brief: sharedhr-brief-<pid>-<random>
RUN_TEMP_PATTERN = re.compile(r"^\.tmp-.*-(?P<host>[A-Za-z0-9.]+)-(?P<pid>\d+)$")
BRIEF_SCRATCH_PREFIX = "sharedhr-brief-"
BRIEF_SCRATCH_PATTERN = re.compile(rf"^{BRIEF_SCRATCH_PREFIX}(?P<pid>\d+)-")


def owner_tag() -> str:
    """``<host>-<pid>``: ends the name of a run's temporary folder, so that only this machine judges whether its
    owner is still running (a results folder on a shared drive is written from several machines)."""
    host = re.sub(r"[^A-Za-z0-9.]", "", socket.gethostname())[:60] or "host"
    return f"{host}-{os.getpid()}"


def pid_alive(pid: int) -> bool:
    """True if a process with this id exists (owned by anyone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


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


# --- workers ----------------------------------------------------------------------------------------------------------

PARENT_POLL_SECONDS = 0.5


def exit_with_parent(parent_pid: int) -> None:
    """Make this worker process exit when ``parent_pid`` (the process that created the pool) has gone.

    On Linux the kernel sends SIGTERM when the direct parent dies (``PR_SET_PDEATHSIG``); a daemon thread also
    checks ``parent_pid`` twice a second, which covers pools whose workers are started by a fork server. A forked
    worker must not inherit the parent's SIGTERM handler (:func:`handle_termination`): SIGTERM simply ends it. Ctrl-C
    reaches every process of the terminal's group: workers ignore it (no traceback per worker) and the parent, which
    handles it, terminates them (:func:`terminate_pool`)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux") and os.getppid() == parent_pid:
        with suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1

    def watch() -> None:
        while pid_alive(parent_pid):
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="sharedhr-parent-watch", daemon=True).start()


def terminate_pool(pool: object) -> None:
    """Terminate the worker processes of a ``concurrent.futures.ProcessPoolExecutor`` now (on an error or a stop
    request), instead of letting them finish queued work."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        with suppress(Exception):
            process.terminate()
