"""tools/mutation.py survives a mutant that kills its process.

A tiny fake module: ``guarded(x, limit=0)`` aborts the process (``os.abort``, as HiGHS does on a fatal error) when
``x < limit`` and returns ``x + 1`` otherwise; its test checks ``guarded(0) == 1`` and ``guarded(2) == 3``. Its five
mutants, by hand: ``Lt -> LtE`` in the guard and ``0 -> 1`` in the default make ``guarded(0)`` abort (two crashes;
the default's mutant is applied through ``__defaults__``, not ``__code__``); ``Add -> Sub``,
``1 -> 2`` and ``return None`` give wrong values (three plain kills). The tool must report exactly that and go on
to the second function after the crashes: a tool that ran every mutant in one process would lose the run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FAKE = """
import os


def guarded(x, limit=0):
    if x < limit:
        os.abort()
    return x + 1


def exits(x):
    if x == 0:
        return 5
    os._exit(os.EX_SOFTWARE)
"""

FAKE_TEST = """
from fake_target import exits, guarded


def test_guarded():
    assert guarded(0) == 1
    assert guarded(2) == 3


def test_exits():
    assert exits(0) == 5
"""

DRIVER = """
import sys
sys.path[:0] = [{tools!r}, {here!r}]
import mutation
mutation.TARGETS["fake"] = mutation.Target("fake_target", ("guarded", "exits"), ({test!r},))
sys.exit(mutation.main(["--child", "fake", "--timeout", "20", "--verbose"]))
"""


def test_a_mutant_that_kills_its_process_is_a_crash_and_the_run_goes_on(tmp_path: Path) -> None:
    """Counts derived by hand (module docstring); ``exits`` has ``Eq -> NotEq`` (``os._exit(70)`` at x = 0: a
    crash), ``0 -> 1`` (the same) and ``5 -> 6``, ``return None`` (plain kills): 9 mutants, 9 killed, 4 by a crash."""
    (tmp_path / "fake_target.py").write_text(FAKE)
    test = tmp_path / "test_fake_target.py"
    test.write_text(FAKE_TEST)
    driver = DRIVER.format(tools=str(ROOT / "tools"), here=str(tmp_path), test=str(test))
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(driver)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["total"] == 9
    assert result["killed"] == 9
    assert result["crashes"] == 4
    assert result["survived"] == result["skipped"] == result["timeouts"] == 0
    crashed = sorted(line.split(None, 1)[1] for line in lines if "crash:" in line)
    assert crashed == sorted(
        [
            "exits line +1:7 Eq -> NotEq (crash: the child process died)",
            "exits line +1:12 0 -> 1 (crash: the child process died)",
            "guarded line +1:7 Lt -> LtE (crash: the child process died)",
            "guarded line +0:21 0 -> 1 (crash: the child process died)",
        ]
    )
    assert "-- exits: 4 mutants: 4 killed" in run.stdout  # the second function ran after the first one's crashes
