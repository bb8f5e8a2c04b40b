"""``sharedhr brief``: the board briefing executed into a run folder, rendered to HTML without code, checked in headless
Chromium, with its PNG figures and the finance workbook.

One briefing of the small test scenario (tests/data/brief_small.toml, 2 replications) is rendered once per session
and shared by the tests (``xdist_group`` keeps them on one worker; see ``briefing_run`` in conftest.py). Chromium is
Debian's ``chromium`` package, installed by ``make browser`` (which ``make test`` runs first); the browser tests skip,
with the reason, when it is absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from model.commands.brief import HTML_NAME, render_html
from model.commands.cli import main
from model.reporting.excel import NOTES_SHEET, POUNDS_FORMAT, SCHEDULE_SHEET, SUMMARY_SHEET

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "brief_small.toml"

pytestmark = [pytest.mark.xdist_group("brief_cli"), pytest.mark.slow]


# The Chromium fixtures and the one briefing run (``briefing_run``, on the small scenario carrying hostile free text
# for tests/test_briefing_xss.py and tests/test_formula_cells.py) live in conftest.py.


def test_brief_writes_every_file_and_prints_paths(briefing_run: dict[str, object]) -> None:
    run = briefing_run["run"]
    assert isinstance(run, Path)
    stdout = str(briefing_run["stdout"])
    folder = briefing_run["folder"]
    assert isinstance(folder, Path) and run == folder / "briefing"  # the same layout as `sharedhr run`
    for name in ("briefing.html", "tariffs.xlsx", "board_briefing.ipynb", "briefing_status.json"):
        assert (run / name).is_file(), name
    assert (folder / "manifest.json").is_file()
    # paths are printed relative to the working directory (the run folder is inside it)
    shown = run.relative_to(briefing_run["cwd"])
    assert f"Results written to {folder.relative_to(briefing_run['cwd'])}" in stdout
    assert f"HTML briefing:         {shown / 'briefing.html'}" in stdout
    assert f"Excel tariff schedule: {shown / 'tariffs.xlsx'}" in stdout
    plots = sorted(p.name for p in (run / "plots").glob("*.png"))
    assert {"headline_cost_breakdown.png", "catalogue_savings.png", "tariffs_tariffs.png"} <= set(plots)
    assert "kpis_kpi_attainment.png" in plots
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"] == "brief"
    assert manifest["seed"] == 11
    assert "briefing/briefing.html" in manifest["files"]
    assert "briefing/plots/headline_cost_breakdown.png" in manifest["files"]


def test_notebook_ran_in_this_interpreter(briefing_run: dict[str, object]) -> None:
    """The kernel is started from sys.executable, whatever 'python3' kernel specs exist elsewhere."""
    run = briefing_run["run"]
    assert isinstance(run, Path)
    status = json.loads((run / "briefing_status.json").read_text())
    mine = hashlib.sha256(str(Path(sys.executable).resolve()).encode()).hexdigest()
    assert status["kernel_interpreter_sha256"] == mine
    assert status["kernel_python"] == f"Python {sys.version.split()[0]}"
    assert "/" not in json.dumps(status["kernel_python"])  # no local path in the status file
    assert status["replications"] == 2 and status["seed"] == 11
    # the kernel applied the same --set override as the command: same scenario content as the manifest records
    manifest = json.loads((run.parent / "manifest.json").read_text())
    assert status["scenario_sha256"] == manifest["scenario_sha256"]
    assert "simulated from 2018-04 for 6 months" in (run / HTML_NAME).read_text(encoding="utf-8")
    keys = [s["key"] for s in status["sections"]]
    assert keys[:2] == ["headline", "catalogue"] and "assumptions" in keys
    # every figure has at least one axis and every axis names its unit
    figures = {f"{s['key']}/{name}": axes for s in status["sections"] for name, axes in s["figures"].items()}
    assert len(figures) >= 5 and all(figures.values())
    assert all(not s["unlabelled_axes"] for s in status["sections"]), status["sections"]
    # every model has landed: nothing is missing (a failing model would show up here as a "Not yet available" line)
    assert status["missing"] == []
    # every missing line is phrased for the board and listed in the HTML
    html = (run / HTML_NAME).read_text(encoding="utf-8")
    for line in status["missing"]:
        assert line.startswith("Not yet available: ")
        assert line.split(" (")[0] in html


def test_html_has_no_code_and_embeds_figures(briefing_run: dict[str, object]) -> None:
    run = briefing_run["run"]
    assert isinstance(run, Path)
    html = (run / HTML_NAME).read_text(encoding="utf-8")
    # no code: no highlighted source, no prompts, none of the notebook's statements
    assert 'class="highlight' not in html
    assert 'class="jp-InputPrompt' not in html and "In&nbsp;[" not in html
    for statement in ("import ", "display_section", "open_briefing", "write_outputs", "scenario_path ="):
        assert statement not in html, statement
    # every code cell kept has its input hidden
    code_cells = re.findall(r'class="jp-Cell jp-CodeCell[^"]*"', html)
    assert code_cells and all("jp-mod-noInput" in cell for cell in code_cells)
    assert html.count("data:image/png;base64,") >= 4
    assert "Board briefing: Small test partnership" in html
    assert (
        "At a glance" in html and "Cost today, expected from the inputs (GBP per year; see the note on figures)" in html
    )
    # The briefing leads with the verified headline: the recommended catalogue's simulated cost and saving.
    assert html.index("Recommended catalogue:") < html.index("Cost today, expected from the inputs")
    assert "Saving against today (GBP per year; negative = extra cost)" in html
    assert "No group of members would be better off leaving" in html or "is not stable" in html


def test_render_html_drops_tagged_cells_and_warnings(tmp_path: Path) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    cell = new_code_cell("secret_setup()", metadata={"tags": ["remove_cell"]})
    cell.outputs = [new_output("stream", name="stdout", text="SETUP OUTPUT\n")]
    shown = new_code_cell("x = 1")
    shown.outputs = [
        new_output("stream", name="stdout", text="VISIBLE OUTPUT\n"),
        new_output("stream", name="stderr", text="UserWarning: noise\n"),
    ]
    notebook = new_notebook(cells=[cell, shown])
    path = tmp_path / "n.ipynb"
    nbformat.write(notebook, path)
    html = render_html(path, tmp_path / "n.html").read_text(encoding="utf-8")
    assert "VISIBLE OUTPUT" in html
    assert "SETUP OUTPUT" not in html and "secret_setup" not in html and "x = 1" not in html
    assert "UserWarning" not in html
    # no script is loaded from anywhere: neither nbconvert's default MathJax and require.js from a CDN nor the empty
    # tags left in their place (the page's only remote import, mermaid, runs only for mermaid diagrams: none here)
    assert not re.findall(r"<script[^>]*\bsrc=", html)


def test_excel_schedule_from_the_run(briefing_run: dict[str, object]) -> None:
    run = briefing_run["run"]
    assert isinstance(run, Path)
    book = load_workbook(run / "tariffs.xlsx")
    assert book.sheetnames == [SCHEDULE_SHEET, SUMMARY_SHEET, NOTES_SHEET]
    sheet = book[SCHEDULE_SHEET]
    assert sheet.freeze_panes == "B2"
    header = [c.value for c in sheet[1]]
    assert header[0] == "Member" and header[-1] == "Total (GBP per year)"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    members, total = rows[:-1], rows[-1]
    assert [r[0] for r in members] == ["Alpha CCG", "Beta CCG", "Gamma CCG"]
    assert total[0] == "Total"
    for row in members:
        assert row[-1] == pytest.approx(sum(row[1:-1]), abs=1e-6)
    for column in range(1, len(header)):
        assert total[column] == pytest.approx(sum(r[column] for r in members), abs=1e-6)
    # per-capita schedule: each member's total is its share of the efficient cost by headcount, all adding up
    assert all(c.number_format == POUNDS_FORMAT for c in sheet[2][1:])
    summary = book[SUMMARY_SHEET]
    names = [c.value for c in summary[1]]
    assert names[:2] == ["Member", "Headcount"]
    assert "Per-capita (GBP per year)" in names and "Shapley value (GBP per year)" in names
    summary_rows = list(summary.iter_rows(min_row=2, values_only=True))
    per_capita = names.index("Per-capita (GBP per year)")
    premium = (
        summary_rows[-1][names.index("Host risk premium (GBP per year)")]
        if "Host risk premium (GBP per year)" in names
        else 0.0
    )
    # the schedule's grand total is what members are invoiced: the per-capita split of c(N) plus the risk premium
    assert total[-1] == pytest.approx(summary_rows[-1][per_capita] + premium, rel=1e-9)
    notes = {row[0]: row[1] for row in book[NOTES_SHEET].iter_rows(min_row=2, values_only=True) if row[0]}
    manifest = json.loads((run.parent / "manifest.json").read_text())
    assert manifest["scenario_sha256"] in notes["Scenario SHA-256"]
    assert notes["Scenario file"] == "brief_small.toml"  # its name, not where it lived on this disk
    assert "GBP per year" in notes["Units"]
    sources = [row[3] for row in book[NOTES_SHEET].iter_rows(values_only=True) if row and row[3]]
    assert any("AfC 2019/20" in str(s) for s in sources)


def test_chromium_renders_headline_table_and_images(
    briefing_run: dict[str, object], chromium: str, run_chromium: Callable[..., Any], tmp_path: Path
) -> None:
    run = briefing_run["run"]
    assert isinstance(run, Path)
    page = (run / HTML_NAME).resolve().as_uri()
    dom = run_chromium(tmp_path / "profile-dom", "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    assert 'class="briefing-table"' in text or "briefing-table" in text
    assert "Cost today, expected from the inputs (GBP per year; see the note on figures)" in text
    assert len(re.findall(r"<img[^>]+src=\"data:image/png;base64,", text)) >= 4
    assert 'class="highlight' not in text and "import " not in text
    shot = tmp_path / "briefing.png"
    picture = run_chromium(tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1280,2400", page)
    assert picture.returncode == 0, picture.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 20_000  # a real page, not a blank one
    keep = os.environ.get("SHAREDHR_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)


def test_brief_bad_arguments_exit_two(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["brief", str(SMALL), "--replications", "0", "--results-dir", str(tmp_path)]) == 2
    assert "error: --replications must be at least 1" in capsys.readouterr().err
    assert main(["brief", str(tmp_path / "missing.toml"), "--results-dir", str(tmp_path)]) == 2
    assert "no such scenario file" in capsys.readouterr().err
    assert not any(tmp_path.rglob("manifest.json"))


def test_the_notebook_clients_messages_go_to_the_kernel_log_not_the_terminal(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """What nbclient logs when Ctrl-C reaches the kernel first ("Kernel died while waiting for execute reply.") once
    reached the terminal before the CLI's one line (a flaky CI failure of test_stop_cleanup): while a notebook runs,
    those loggers write to the kernel log, and afterwards they are as they were."""
    import logging

    from model.commands.brief import NOTEBOOK_CLIENT_LOGGERS, client_logs_to

    log = tmp_path / "kernel.log"
    before = {
        name: (logging.getLogger(name).handlers[:], logging.getLogger(name).propagate)
        for name in NOTEBOOK_CLIENT_LOGGERS
    }
    with client_logs_to(log):
        logging.getLogger("papermill").error("Kernel died while waiting for execute reply.")
        logging.getLogger("nbclient").warning("a client warning")
    assert capfd.readouterr().err == ""
    text = log.read_text(encoding="utf-8")
    assert "papermill ERROR Kernel died while waiting for execute reply." in text and "a client warning" in text
    after = {
        name: (logging.getLogger(name).handlers[:], logging.getLogger(name).propagate)
        for name in NOTEBOOK_CLIENT_LOGGERS
    }
    assert after == before
