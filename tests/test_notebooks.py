"""The analysts' notebooks (notebooks/*.ipynb): stored without outputs, parameterised for papermill, and executed here on
the small test scenario (tests/data/brief_small.toml, 2 replications) without error. The board briefing itself is
executed by tests/test_brief_cli.py through ``sharedhr brief``."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from model.commands.brief import BOARD_NOTEBOOK, NOTEBOOK_DIR, REMOVE_TAG, execute_notebook

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "brief_small.toml"
NOTEBOOKS = ["board_briefing", "staffing_sizing", "tariff_fairness", "what_if"]
PARAMETERS = {"scenario_path", "replications", "seed", "workers", "output_dir", "overrides", "results_cache"}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_stripped_with_parameters_cell(name: str) -> None:
    """Commit-friendly: no outputs or execution counts; one papermill 'parameters' cell naming every parameter."""
    path = NOTEBOOK_DIR / f"{name}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    tagged = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1
    assigned = {line.split("=")[0].strip() for line in tagged[0].source.splitlines() if "=" in line}
    assert assigned >= PARAMETERS
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    # the notebooks call model.reporting.briefing, they do not carry their own logic
    assert all(len(cell.source.splitlines()) <= 12 for cell in code)


def test_board_notebook_hides_set_up_cells() -> None:
    notebook = nbformat.read(BOARD_NOTEBOOK, as_version=4)
    hidden = [cell for cell in notebook.cells if REMOVE_TAG in cell.metadata.get("tags", [])]
    sources = "\n".join(cell.source for cell in hidden)
    assert "open_briefing" in sources and "write_outputs" in sources


def _execute(name: str, tmp_path: Path, **extra: object) -> tuple[nbformat.NotebookNode, Path]:
    out = tmp_path / "out"
    parameters = {
        "scenario_path": str(SMALL),
        "replications": 2,
        "seed": 5,
        "workers": 1,
        "output_dir": str(out),
        **extra,
    }
    executed = execute_notebook(NOTEBOOK_DIR / f"{name}.ipynb", tmp_path / f"{name}.ipynb", parameters, cwd=tmp_path)
    return nbformat.read(executed, as_version=4), out


def _text(notebook: nbformat.NotebookNode) -> str:
    """Every text/HTML/markdown output of the notebook, joined."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
            parts.append(output.get("text", ""))
            for mime in ("text/html", "text/markdown", "text/plain"):
                parts.append(str(output.get("data", {}).get(mime, "")))
    return "\n".join(parts)


@pytest.mark.slow
def test_staffing_sizing_executes(tmp_path: Path) -> None:
    notebook, out = _execute("staffing_sizing", tmp_path)
    text = _text(notebook)
    assert "Demand and host capacity" in text and "Staff time (hours per year)" in text
    assert "KPI attainment by member" in text
    status = json.loads((out / "briefing_status.json").read_text())
    assert [s["key"] for s in status["sections"]] == ["demand", "kpis", "staffing"]
    assert (out / "plots" / "demand_workload.png").is_file()


@pytest.mark.slow
def test_tariff_fairness_executes(tmp_path: Path) -> None:
    notebook, out = _execute("tariff_fairness", tmp_path)
    text = _text(notebook)
    assert "Tariffs: who pays what" in text and "Shapley value (GBP per year)" in text
    assert "Alpha CCG + Beta CCG + Gamma CCG" in text  # the grand coalition's row of the group table
    assert (out / "tariffs.xlsx").is_file()


@pytest.mark.slow
def test_what_if_executes(tmp_path: Path) -> None:
    notebook, _out = _execute("what_if", tmp_path, changes={"roles.hr_administrator.fte": 2.0})
    text = _text(notebook)
    assert "Changes tested: `roles.hr_administrator.fte=2.0`" in text
    assert "Host HR team (FTE)" in text and "3.0" in text and "4.0" in text
    assert "What if: simulated cost and service standards" in text
