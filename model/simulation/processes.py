"""Processes stop cleanly: SIGTERM unwinds like Ctrl-C, and worker processes are tied to their parent.

* SIGTERM is handled like Ctrl-C (:func:`handle_termination`): it raises :class:`Terminated`, a KeyboardInterrupt, so
  every ``with`` block (run folders, process pools, scratch folders) unwinds and removes what it created; the CLI
  then exits with 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM).
* Worker processes (replications, coalition costs) call :func:`exit_with_parent` in their initializer: they exit as
  soon as the process that started the pool has gone, instead of computing for minutes for nobody;
  :func:`terminate_pool` stops a pool's workers at once on an error or a stop request.

A process killed outright (SIGKILL, power cut) cannot clean up: ``model.reporting.stale`` removes what it left at the
next start.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress


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
