"""Speed of the what-if workbench (``sharedhr app``), each figure beside a reference measured in the same run:

1. Start-up: ``sharedhr app`` in a subprocess until the server answers its health check and, with Playwright and
   Chromium installed, until the Scenario page has rendered in a headless browser already running (target:
   under 5 s). Reference:
   ``sharedhr validate`` of the same scenario in a subprocess (the CLI's own start-up).
2. A what-if on the default scenario with 20 paired replications and 2 worker processes, through the What-if page
   (Streamlit's AppTest runs the page script as the server does; target: under 20 s). Reference: the same
   ``sharedhr compare`` command line run directly (``model.cli.main``), in this process.
3. Revisiting the computed result (another page, then the What-if page again; target: instant). Reference: the
   first what-if run on the page.

Run: ``.venv/bin/python benchmarks/app_speed.py [--replications N] [--no-browser]``. Wall-clock figures depend on
other load on the machine: the load average is printed with them. Run folders go to a temporary folder.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAIN = ROOT / "model" / "app" / "main.py"
START_TARGET_S = 5.0
WHATIF_TARGET_S = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_up(results: Path, browser: bool) -> tuple[float, float | None]:
    """Seconds from starting ``sharedhr app`` until the health check answers, and until the Scenario page has
    rendered in a browser that was already running (None without Playwright or Chromium)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not (browser and chromium):
        return _start_up(results, None), None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return _start_up(results, None), None
    with sync_playwright() as playwright:
        engine = playwright.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        try:
            page = engine.new_page()
            timings: dict[str, float] = {}
            _start_up(results, page, timings)
            return timings["healthy"], timings["rendered"]
        finally:
            engine.close()


def _start_up(results: Path, page: object | None, timings: dict[str, float] | None = None) -> float:
    port = free_port()
    env = {**os.environ, "SHAREDHR_RESULTS_DIR": str(results)}
    timings = {} if timings is None else timings
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "model", "app", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
            if process.poll() is not None or time.perf_counter() - started > 120:
                raise RuntimeError("the app did not start")
        timings["healthy"] = time.perf_counter() - started
        if page is not None:
            page.goto(url)  # type: ignore[attr-defined]
            page.get_by_text("Members", exact=True).wait_for(timeout=120_000)  # type: ignore[attr-defined]
            timings["rendered"] = time.perf_counter() - started
        return timings["healthy"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def cli_start_up() -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "model", "validate", str(ROOT / "scenarios" / "herts_beds_luton.toml")],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--no-browser", action="store_true", help="measure start-up without Playwright/Chromium")
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")

    with tempfile.TemporaryDirectory(prefix="sharedhr-bench-app-") as scratch:
        results = Path(scratch) / "results"
        os.environ["SHAREDHR_RESULTS_DIR"] = str(results)

        reference = cli_start_up()
        healthy, rendered = start_up(results, browser=not args.no_browser)
        print(f"start-up: server answering after {healthy:.2f} s (`sharedhr validate` {reference:.2f} s)")
        if rendered is not None:
            verdict = "meets" if rendered < START_TARGET_S else "MISSES"
            print(
                f"start-up: Scenario page rendered in Chromium after {rendered:.2f} s, "
                f"{rendered / reference:.1f} x the CLI's start-up; {verdict} the {START_TARGET_S:.0f} s target"
            )

        os.environ["STREAMLIT_LOGGER_LEVEL"] = "error"  # AppTest's "bare mode" warnings are not results
        from streamlit.testing.v1 import AppTest

        from model.app import actions
        from model.commands.cli import main as cli

        app = AppTest.from_file(str(MAIN), default_timeout=600).run()
        app.switch_page("pages/whatif.py").run()
        app.selectbox(key="change_kind").set_value(actions.CHANGE_KINDS["sickness"]).run()
        next(w for w in app.number_input if w.key == "change_rate").set_value(0.05).run()
        app.button(key="add_change").click().run()
        next(w for w in app.number_input if w.label == "Paired replications").set_value(args.replications).run()
        next(w for w in app.number_input if w.label == "Worker processes").set_value(2).run()
        command = app.code[0].value
        argv = command.split(" ", 1)[1]

        import shlex

        cli_argv = shlex.split(argv)
        started = time.perf_counter()
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            assert cli(cli_argv) == 0
        direct = time.perf_counter() - started

        started = time.perf_counter()
        app.button(key="run_whatif").click().run()
        on_page = time.perf_counter() - started
        assert not app.exception and len(app.table) >= 2, "the what-if did not show its results"
        verdict = "meets" if on_page < WHATIF_TARGET_S else "MISSES"
        print(
            f"what-if, default scenario, {args.replications} paired replications, 2 workers: page {on_page:.1f} s, "
            f"`sharedhr compare` {direct:.1f} s (ratio {on_page / direct:.2f}); {verdict} the "
            f"{WHATIF_TARGET_S:.0f} s target"
        )

        app.switch_page("pages/scenario.py").run()
        app.switch_page("pages/whatif.py")
        started = time.perf_counter()
        app.run()
        revisit = time.perf_counter() - started
        assert len(app.table) >= 2, "the revisit did not show the result"
        print(f"revisit: {revisit:.2f} s ({revisit / on_page:.1%} of the first run)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
