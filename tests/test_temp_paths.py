"""Predictable temporary paths: a failed briefing keeps its partly executed notebook under a fresh ``mkstemp`` name,
never at a fixed name in the shared temporary folder, where another user could plant a symlink to a victim file."""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from model.commands.brief import brief_into
from model.reporting import RunFolder
from model.scenario import Scenario, UserError

pytestmark = pytest.mark.slow


def _failing_notebook(path: Path) -> Path:
    parameters = new_code_cell("scenario_path = ''", metadata={"tags": ["parameters"]})
    kernel = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    nbformat.write(new_notebook(cells=[parameters, new_code_cell("raise ValueError('boom')")], metadata=kernel), path)
    return path


def test_failed_briefing_never_follows_a_planted_symlink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default_scenario: Scenario
) -> None:
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    notebook = _failing_notebook(tmp_path / "fails.ipynb")
    with pytest.raises(UserError) as caught, RunFolder(default_scenario, command="brief", root=tmp_path / "r") as run:
        # the name the old code copied to, predictable from the run folder's name: an attacker plants it first
        planted = shared / f"sharedhr-failed-{run.working_dir.name.lstrip('.')}.ipynb"
        planted.symlink_to(victim)
        brief_into(run, None, notebook=notebook)
    assert victim.read_text() == "precious" and planted.is_symlink()
    message = caught.value.problems
    assert any("ValueError: boom" in line for line in message)
    kept = Path(message[-1].split("the partly executed notebook is in ", 1)[1])
    assert kept.parent == shared and kept != planted and not kept.is_symlink()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and "boom" in kept.read_text()


def test_keep_failed_notebook_makes_a_new_private_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from model.commands.brief import keep_failed_notebook

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    source = tmp_path / "run.ipynb"
    source.write_text("{}")
    first, second = keep_failed_notebook(source), keep_failed_notebook(source)
    assert first is not None and second is not None and first != second
    assert keep_failed_notebook(tmp_path / "missing.ipynb") is None
