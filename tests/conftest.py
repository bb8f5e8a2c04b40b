"""Shared fixtures: the default scenarios and a temporary results root."""

from __future__ import annotations

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


@pytest.fixture(autouse=True)
def _isolated_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never write run folders into the repository's results/ during tests."""
    monkeypatch.setenv("SHAREDHR_RESULTS_DIR", str(tmp_path / "results"))
