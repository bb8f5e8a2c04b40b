"""Shared fixtures: the default scenarios, a temporary results root, headless Chromium and the one briefing run."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Callable
from contextlib import chdir, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import settings

from model.scenario import DEFAULT_SCENARIO, Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent

# Property tests draw the same examples on every run (CI must not depend on luck) and keep no example database.
settings.register_profile("sharedhr", derandomize=True, database=None, deadline=None)
settings.load_profile("sharedhr")


@pytest.fixture(scope="session")
def default_scenario() -> Scenario:
    """The embedded default scenario (Herts, Beds & Luton)."""
    return load_scenario(DEFAULT_SCENARIO)


@pytest.fixture(scope="session")
def capacity_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One calibration cache for the whole test session, shared by the xdist workers (the folder above each
    worker's base temp is common to them; cache files are written atomically, so concurrent writers are safe).
    Nothing from the developer's own cache (~/.cache/sharedhr) is ever read: every test run calibrates from cold."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "sharedhr-cache"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def _isolated_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capacity_cache: Path) -> None:
    """Never write run folders into the repository's results/ during tests, nor read a calibration cache that the
    tests did not write."""
    monkeypatch.setenv("SHAREDHR_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("SHAREDHR_CACHE_DIR", str(capacity_cache))


# --- Chromium (installed by `make browser`, which `make test` runs first; never installed by a test) ----------------

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of a headless-capable Chromium; the test is skipped, with the reason, when there is none."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium is not installed: run `make browser` (apt-get install -y chromium) to run the browser tests")


@pytest.fixture(scope="session")
def run_chromium(chromium: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_chromium(profile_dir, *arguments)``: run headless Chromium with a private profile."""

    def run(profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *arguments],
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


# --- the one briefing run of the test suite ------------------------------------------------------------------------

SMALL = ROOT / "tests" / "data" / "brief_small.toml"

# Hostile free text, as an attacker or a careless user would type it, in fields that reach the HTML briefing, the
# workbook and the CSV tables. Every briefing test runs on this scenario: what must stay true, stays true with it.
HOSTILE_TEXT = {
    "description": "<script>document.title='XSS-description'</script> partnership",
    "members.Alpha CCG.source": "<script>document.title='XSS-SCRIPT'</script>",
    "members.Beta CCG.source": '"><img src=x onerror="document.title=\'XSS-IMG\'">',
    "members.Gamma CCG.source": (
        "javascript:alert(document.domain) [click](javascript:alert(1)) <a href='javascript:x'>a</a>"
    ),
    "services.recruitment.kpi.description": '<b id="xss-b">bold</b> 90% of vacancies in 50 days',
    "services.payroll_operational.source": '=HYPERLINK("http://evil.example","click")',
    "services.employee_relations.source": "=cmd|' /C calc'!A0",
    "host.source": "@SUM(1+1)",
    "tariff.source": "-2+3 a rate",
    "absence.source": "+1 defaults",
}


def hostile_overrides() -> list[str]:
    """``--set`` assignments putting HOSTILE_TEXT into the small scenario (TOML basic strings)."""
    return [f"{path}={json_string(text)}" for path, text in HOSTILE_TEXT.items()]


def json_string(text: str) -> str:
    """A TOML basic string for ``text`` (JSON string syntax is valid TOML for these characters)."""
    import json

    return json.dumps(text)


@pytest.fixture(scope="session")
def briefing_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Run ``sharedhr brief`` once on the small scenario with hostile free text; returns the briefing folder, the run
    folder, the working directory and what the command printed. Tests using it are in the ``brief_cli`` xdist group, so this runs once.

    The results folder is given as a RELATIVE path (as ``./results`` is by default) from a temporary working
    directory: the notebook kernel runs inside the run folder, so the command must hand it absolute paths."""
    from model.commands.cli import main

    base = tmp_path_factory.mktemp("brief-cwd")
    results = base / "results"
    buffer = io.StringIO()
    argv = ["brief", str(SMALL), "--replications", "2", "--seed", "11", "--workers", "1", "--no-progress"]
    argv += ["--set", "simulation.horizon_months=6", "--results-dir", "results"]
    for assignment in hostile_overrides():
        argv += ["--set", assignment]
    with chdir(base), redirect_stdout(buffer):
        code = main(argv)
    assert code == 0
    runs = [p for p in (results / "small-test-partnership").iterdir() if not p.name.startswith(".")]
    assert len(runs) == 1, runs
    # "run": the briefing's folder (briefing/ of the run folder, as `sharedhr run` writes it); "folder": the run folder
    return {"run": runs[0] / "briefing", "folder": runs[0], "cwd": base, "stdout": buffer.getvalue()}
