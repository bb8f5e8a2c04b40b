"""``sharedhr app [SCENARIO] [--port N]``: the what-if workbench, a local web app over the model (``model.app``,
Streamlit). Serves on 127.0.0.1 (this machine only) and prints the address; works offline: Streamlit serves its
front end from the installed package, and usage statistics are off."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from model.scenario import UserError

SCENARIO_ENV = "SHAREDHR_APP_SCENARIO"  # the scenario the app opens with (read by model.app.actions)
APP_SCRIPT = Path(__file__).resolve().parents[1] / "app" / "main.py"
DEFAULT_PORT = 8501


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "app",
        help="the what-if workbench in a web browser (local Streamlit app)",
        description=(
            "Serve the what-if workbench on http://127.0.0.1:PORT: edit a scenario, run what-ifs (paired "
            "replications), staffing, tariffs and the board pack. Every run writes the run folder the matching "
            "command would write, and the page shows that command. Stop with Ctrl-C."
        ),
    )
    parser.add_argument("scenario", nargs="?", default=None, help="scenario .toml to open (default: the default one)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default {DEFAULT_PORT})")
    parser.add_argument(
        "--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    parser.set_defaults(handler=run_app)


def streamlit_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """The ``streamlit run`` command line of the workbench (headless, no usage statistics, no file watcher)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_SCRIPT),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--server.maxUploadSize",
        "2",  # megabytes: the scenario file limit (model.scenario.files.MAX_SCENARIO_BYTES)
    ]


def run_app(args: argparse.Namespace) -> int:
    from model.scenario import load_scenario

    if not 0 < args.port < 65536:
        raise UserError(f"--port must be between 1 and 65535, got {args.port}")
    env = dict(os.environ)
    if args.scenario is not None:
        load_scenario(args.scenario)  # a bad file is one clear error here, not a broken page
        env[SCENARIO_ENV] = str(Path(args.scenario).resolve())
    print(f"sharedhr workbench: http://{args.address}:{args.port}  (Ctrl-C to stop)", flush=True)
    process = subprocess.Popen(streamlit_command(args.port, args.address), env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        raise
