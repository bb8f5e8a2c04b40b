"""Shared fixtures: the default scenarios and a temporary results root."""

from __future__ import annotations

import os
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
