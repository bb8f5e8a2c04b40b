"""``sharedhr app [SCENARIO] [--port N]``: the what-if workbench, a local web app over the model (``model.app``,
Streamlit). Serves on 127.0.0.1 (this machine only) and prints the address; works offline: Streamlit serves its
front end from the installed package, and usage statistics are off.

The shared options mean what they mean elsewhere, as the app's starting point: ``--set`` edits the scenario the app
opens with, ``-n``/``-w``/``--seed`` are the pages' starting replications, workers and seed, ``--results-dir`` is
where every run folder goes, and ``-q`` keeps Streamlit's own log quiet."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from model.commands._common import add_shared_options, check_workers
from model.scenario import UserError

SCENARIO_ENV = "SHAREDHR_APP_SCENARIO"  # the scenario the app opens with (read by model.app.actions)
OPTIONS_ENV = "SHAREDHR_APP_OPTIONS"  # JSON of the shared options the app starts from (read by model.app.actions)
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
    add_shared_options(
        parser,
        "app",
        replications="replications the What-if and Board pack pages start with (default: 20 paired; the scenario's)",
        workers="worker processes the What-if page starts with",
        seed="seed the pages start with (default: the scenario's simulation.seed)",
        set_help="PATH=VALUE edits of the scenario the app opens with (repeatable), as for every command",
        quiet="Streamlit logs errors only",
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


def app_environment(args: argparse.Namespace) -> dict[str, str]:
    """The environment the Streamlit process starts with: the scenario to open and the shared options (checked here,
    so a bad file or a bad ``--set`` is one clear error at the terminal, not a broken page)."""
    from model.scenario import DEFAULT_SCENARIO, apply_overrides, load_scenario

    if not 0 < args.port < 65536:
        raise UserError(f"--port must be between 1 and 65535, got {args.port}")
    check_workers(args)
    if args.replications is not None and args.replications < 2:
        raise UserError(f"--replications must be at least 2 for paired comparisons, got {args.replications}")
    scenario_path = Path(args.scenario) if args.scenario is not None else DEFAULT_SCENARIO
    scenario = load_scenario(scenario_path)
    if args.overrides:
        apply_overrides(scenario, args.overrides)
    env = dict(os.environ)
    env[SCENARIO_ENV] = str(scenario_path.resolve())
    options = {"replications": args.replications, "workers": args.workers, "seed": args.seed}
    env[OPTIONS_ENV] = json.dumps({**options, "overrides": list(args.overrides)})
    if args.results_dir is not None:
        env["SHAREDHR_RESULTS_DIR"] = str(Path(args.results_dir).resolve())
    return env


def run_app(args: argparse.Namespace) -> int:
    env = app_environment(args)
    print(f"sharedhr workbench: http://{args.address}:{args.port}  (Ctrl-C to stop)", flush=True)
    command = streamlit_command(args.port, args.address)
    if args.quiet:
        command += ["--logger.level", "error"]
    process = subprocess.Popen(command, env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        raise
