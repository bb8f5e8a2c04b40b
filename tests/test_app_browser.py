"""The workbench end to end in a real headless browser: ``sharedhr app`` in a subprocess on a free port, Playwright
driving the system Chromium (no browser download). Change a member's headcount, add a leaving member, run the
what-if with a few replications, read the differences table and a chart's hover values from the page, then upload a
malformed TOML and read the error. Screenshots of every page go to the test's temporary folder, or to the folder in
``$SHAREDHR_SCREENSHOTS`` (``make screenshots`` retakes docs/images/app/, which the docs show), so a test run never
changes the working tree. Skipped, with the reason, when Chromium or Playwright is missing."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "brief_small.toml"
SCREENSHOTS_ENV = "SHAREDHR_SCREENSHOTS"
START_LIMIT_S = 60.0  # generous on a loaded machine; benchmarks/app_speed.py measures the real start-up


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served_app(tmp_path: Path) -> Iterator[str]:
    """``sharedhr app`` on the small scenario, on a free port of 127.0.0.1; stopped (with its children) afterwards."""
    port = free_port()
    env = {**os.environ, "SHAREDHR_RESULTS_DIR": str(tmp_path / "results")}
    log = (tmp_path / "app.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "model", "app", str(SMALL), "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # one process group: the CLI and the Streamlit server it starts stop together
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_LIMIT_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the app did not start: {(tmp_path / 'app.log').read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    assert f"sharedhr workbench: {url}" in (tmp_path / "app.log").read_text()


def idle(page: object) -> None:
    """Wait until no script run is in progress (Streamlit's running indicator has gone)."""
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=120_000)  # type: ignore[attr-defined]


@pytest.mark.slow
def test_workbench_in_a_real_browser(chromium: str, served_app: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])")
    shots = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on(
                "request",
                lambda r: outside.append(r.url) if not r.url.startswith((served_app, "data:", "blob:")) else None,
            )
            page.set_default_timeout(60_000)
            page.goto(served_app)

            # Scenario page: change Beta CCG's headcount.
            page.get_by_text("Members", exact=True).wait_for()
            headcount = page.get_by_label("Beta CCG: headcount (people)")
            assert headcount.input_value() == "160"
            headcount.fill("200")
            headcount.press("Enter")
            page.get_by_label("Beta CCG: staff FTE (whole-time equivalents)").click()  # leave the field: committed
            page.wait_for_timeout(500)
            page.screenshot(path=str(shots / "scenario.png"))

            # What-if page: Gamma CCG leaves in month 5; three paired replications.
            page.get_by_role("link", name="What-if").click()
            page.get_by_text("Change to add").wait_for()
            month = page.get_by_label("Month (months from the simulation start)")
            month.fill("5")
            month.press("Enter")
            page.get_by_role("button", name="Add this change").click()
            page.get_by_text("Gamma CCG leaves in month 5").wait_for()  # item 1 of a numbered list
            replications = page.get_by_label("Paired replications")
            replications.fill("3")
            replications.press("Enter")
            command = page.locator("[data-testid='stCode']").first
            command.get_by_text("-n 3").wait_for()
            page.get_by_role("button", name="Run the paired comparison").click()
            page.get_by_text("Differences, what-if minus base").wait_for(timeout=180_000)

            # The base scenario is the edited one: the file the command names holds Beta CCG at 200.
            text = command.inner_text()
            scenario_file = re.search(r"compare (\S+\.toml)", text).group(1)
            members = tomllib.loads(Path(scenario_file).read_text(encoding="utf-8"))["members"]
            assert {m["name"]: m["headcount"] for m in members} == {"Alpha CCG": 240, "Beta CCG": 200, "Gamma CCG": 90}
            assert "--set 'members.Gamma CCG.leave_month=5'" in text

            # The differences table, read from the page.
            table = page.locator("[data-testid='stTable']").first
            rows = table.locator("tbody tr")
            rows.first.wait_for()
            assert rows.count() >= 5
            header = table.locator("thead").inner_text()
            assert "difference" in header and "ci_low" in header
            body = table.inner_text()
            assert "total_cost_gbp_per_year" in body and "invoice_gbp_per_year" in body
            total_row = table.locator("tbody tr", has_text="total_cost_gbp_per_year").inner_text()
            assert re.search(r"[+-]\d[\d,]*", total_row), total_row

            # A chart: hover a bar and read its values in the tooltip.
            chart = page.locator("[data-testid='stVegaLiteChart']").first
            chart.scroll_into_view_if_needed()
            chart.locator("canvas, svg").first.wait_for()
            box = chart.locator("canvas, svg").first.bounding_box()
            assert box is not None
            found = ""
            for fraction_x in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
                for fraction_y in (0.15, 0.45, 0.75):
                    page.mouse.move(box["x"] + box["width"] * fraction_x, box["y"] + box["height"] * fraction_y)
                    page.wait_for_timeout(150)
                    tooltip = page.locator("#vg-tooltip-element")
                    if tooltip.count() and tooltip.is_visible() and "Member" in tooltip.inner_text():
                        found = tooltip.inner_text()
                        break
                if found:
                    break
            assert "Change (GBP/yr)" in found and re.search(r"(Alpha|Beta|Gamma) CCG", found), found
            page.screenshot(path=str(shots / "whatif.png"), full_page=True)

            # Staffing page (Erlang C, instant) and Tariffs page.
            page.get_by_role("link", name="Staffing").click()
            page.get_by_role("button", name="Size the team").click()
            page.get_by_text("Economies of scale").wait_for()
            page.screenshot(path=str(shots / "staffing.png"), full_page=True)
            page.get_by_role("link", name="Tariffs").click()
            page.get_by_role("button", name="Compute the tariffs").click()
            page.get_by_text("Would any group of members do better alone?").wait_for(timeout=120_000)
            page.screenshot(path=str(shots / "tariffs.png"), full_page=True)
            page.get_by_role("link", name="Board pack").click()
            page.get_by_role("button", name="Render the board briefing").wait_for()
            page.screenshot(path=str(shots / "board_pack.png"))

            # A malformed upload: the error is shown and the edited scenario is kept.
            page.mouse.move(0, 0)
            page.get_by_role("link", name="Scenario").click()
            page.get_by_label("Beta CCG: headcount (people)").first.wait_for()
            page.locator("input[type=file]").set_input_files(
                files=[{"name": "broken.toml", "mimeType": "application/toml", "buffer": b'name = "x"\nmembers = [\n'}]
            )
            error = page.get_by_text(re.compile(r"broken\.toml: not valid TOML"))
            error.wait_for(timeout=120_000)
            assert "Invalid value" in error.inner_text()  # tomllib says what is wrong
            idle(page)  # while a script runs Streamlit keeps the previous run's elements beside the new ones
            assert page.get_by_label("Beta CCG: headcount (people)").first.input_value() == "200"
            page.screenshot(path=str(shots / "upload_error.png"))
        except Exception:
            # Keep what the page showed for the failure report (pytest prints the path).
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            body = page.locator("body").inner_text()
            print(f"page at failure ({page.url}): {tmp_path / 'failure.png'}\n{body[:2500]}\n...\n{body[-500:]}")
            raise
        finally:
            browser.close()
    assert outside == [], f"the page fetched from outside this machine: {outside}"
