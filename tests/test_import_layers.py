"""The folders are the architecture: each stage package imports only the stages below it (scenario < simulation <
optimisation < fairness < risk < reporting < commands), checked by import-linter's layers contract in pyproject.toml,
and each stage's public API (``__all__`` in its ``__init__``) resolves to real objects."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("scenario", "simulation", "optimisation", "fairness", "risk", "reporting")


def _lint_imports() -> str:
    script = Path(sys.executable).with_name("lint-imports")
    if not script.exists():
        found = shutil.which("lint-imports")
        if found is None:
            pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
        script = Path(found)
    return str(script)


def _run(config_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_lint_imports(), "--config", str(config_dir / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_the_layers_contract_is_kept() -> None:
    done = _run(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    """The contract can fail: the same layers over a copy of the package with one upward import planted
    (``model.scenario`` importing ``model.reporting``) are reported broken."""
    copy = tmp_path / "model"
    shutil.copytree(ROOT / "model", copy, ignore=shutil.ignore_patterns("__pycache__"))
    planted = copy / "scenario" / "units.py"
    planted.write_text(planted.read_text() + "\nimport model.reporting.tables  # noqa: E402, F401\n")
    config = textwrap.dedent(
        """
        [tool.importlinter]
        root_package = "model"

        [[tool.importlinter.contracts]]
        name = "layers"
        type = "layers"
        layers = ["model.commands", "model.reporting", "model.risk", "model.fairness", "model.optimisation",
                  "model.simulation", "model.scenario"]
        """
    )
    (tmp_path / "pyproject.toml").write_text(config)
    done = subprocess.run(
        [_lint_imports(), "--config", str(tmp_path / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
    )
    assert done.returncode != 0, done.stdout
    assert "model.scenario.units -> model.reporting.tables" in done.stdout


@pytest.mark.parametrize("stage", STAGES)
def test_every_public_name_resolves(stage: str) -> None:
    package = importlib.import_module(f"model.{stage}")
    assert package.__all__, stage
    for name in package.__all__:
        assert getattr(package, name) is not None, f"model.{stage}.{name}"
