"""``sharedhr brief [SCENARIO]``: execute the board briefing notebook for a scenario into a new run folder and render
it as HTML without code, with its PNG figures, the finance tariff schedule (``tariffs.xlsx``) and, when Chromium is
installed, ``briefing.pdf`` printed from the same HTML (``model.reporting.printing``).

Run folder contents (``results/<scenario>/<timestamp>-<seed>/``): ``board_briefing.ipynb`` (the executed notebook,
with outputs), ``briefing.html`` (no code, no prompts), ``briefing.pdf``, ``plots/*.png``, ``tariffs.xlsx``, ``tables/*.csv``,
``briefing_status.json`` (which sections are complete, and what is not yet available) and ``manifest.json``.

The notebook runs in a Jupyter kernel started from THIS Python interpreter (``sys.executable``), whatever kernels
are registered elsewhere on the machine, so it sees the same installed ``model`` package as the command.

A failed briefing keeps its partly executed notebook under a fresh ``tempfile.mkstemp`` name (never a fixed name in
the shared temporary folder, where another user could plant a symlink). Scratch folders are named
``sharedhr-brief-<pid>-...``; those of stopped runs are removed at the next start (``model.simulation.processes``). Ctrl-C or
SIGTERM during the briefing stops the kernel and prints one line (exit 130 or 143).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.commands._common import (
    add_scenario_arguments,
    add_shared_options,
    check_workers,
    recorded_argv,
    scenario_from_args,
    show_progress,
    shown_path,
)
from model.reporting import (
    BRIEF_SCRATCH_PATTERN,
    BRIEF_SCRATCH_PREFIX,
    RunFolder,
    RunSubfolder,
    printing,
    remove_stale,
    report_removed,
)
from model.scenario import DEFAULT_SCENARIO, UserError

#: The sub-folder of a run folder that holds the briefing, for ``brief`` and ``run`` alike.
BRIEFING_FOLDER = "briefing"
NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
BOARD_NOTEBOOK = NOTEBOOK_DIR / "board_briefing.ipynb"
REMOVE_TAG = "remove_cell"  # cells with this tag are dropped from the HTML entirely (set-up, file writing)
EXECUTED_NAME = "board_briefing.ipynb"
HTML_NAME = "briefing.html"
EXCEL_NAME = "tariffs.xlsx"
PLOTS_DIR = "plots"
STATUS_NAME = "briefing_status.json"
PDF_NAME = printing.PDF_NAME


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "brief",
        help="render the board briefing (HTML without code, PDF, PNG figures, tariffs.xlsx)",
        description=(
            "Execute notebooks/board_briefing.ipynb for a scenario into a new run folder, render briefing.html "
            "without code, print it to briefing.pdf with headless Chromium (skipped, with a message, when Chromium "
            "is not installed: make browser), and write the figures (plots/*.png) and the finance tariff schedule "
            "(tariffs.xlsx). Money in pounds per year, time in working days."
        ),
    )
    add_scenario_arguments(parser)
    add_shared_options(
        parser,
        "brief",
        replications="simulation replications (default: the scenario's simulation.replications)",
        workers="processes for the replications",
        quiet="no progress bar",
    )
    parser.set_defaults(handler=run_brief)


def kernel_manager_class(kernel_log: Path | None = None) -> type:
    """A Jupyter kernel manager that always starts ``sys.executable -m ipykernel_launcher``.

    Registered kernel specs named ``python3`` may point at another Python (a user-level install, a system
    Jupyter); pinning the interpreter makes the notebook import exactly the ``model`` this command runs.
    ``kernel_log``: file for the kernel process's own stderr (its start-up and shutdown messages, not the cells'
    output, which the notebook records), so that stopping a run does not print the kernel's shutdown noise.
    """
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class CurrentInterpreterKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self) -> KernelSpec:
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    # --log-level=ERROR: no start-up warnings on the user's terminal; errors still show.
                    argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}", "--log-level=ERROR"],
                    display_name="Python 3 (ipykernel)",
                    language="python",
                    name="python3",
                    resource_dir="",
                )
            return self._kernel_spec

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            if kernel_log is None:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            with kernel_log.open("ab") as log:  # the kernel process keeps its own copy of the descriptor
                return await super()._async_launch_kernel(kernel_cmd, **{**kw, "stderr": log})

    return CurrentInterpreterKernelManager


def execute_notebook(
    notebook: str | Path,
    output: str | Path,
    parameters: dict[str, Any],
    cwd: str | Path | None = None,
    progress: bool = False,
    timeout_s: float = 1800.0,
    kernel_log: Path | None = None,
) -> Path:
    """Execute ``notebook`` with papermill ``parameters`` (injected after its ``parameters`` cell) into ``output``.

    Raises UserError, naming the failing cell's error, when a cell fails; the partly executed notebook is still
    written to ``output`` for inspection. ``kernel_log``: where the kernel process's stderr goes (default: ours).
    """
    import papermill
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    source = Path(notebook)
    if not source.exists():
        raise UserError(f"{source}: notebook not found (the notebooks/ folder of the project is needed)")
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with client_logs_to(kernel_log):
            papermill.execute_notebook(
                str(source),
                str(target),
                parameters=parameters,
                kernel_name="python3",
                progress_bar=progress,
                cwd=str(cwd) if cwd is not None else None,
                execution_timeout=timeout_s,
                kernel_manager_class=kernel_manager_class(kernel_log),
            )
    except PapermillExecutionError as error:
        if error.ename == "KeyboardInterrupt":  # Ctrl-C reached the kernel too: the run was stopped, not failed
            raise KeyboardInterrupt from None
        raise UserError(f"{source.name}: cell {error.exec_count} failed: {error.ename}: {error.evalue}") from None
    except DeadKernelError:
        raise UserError(f"{source.name}: the notebook's kernel stopped unexpectedly (out of memory?)") from None
    except KeyboardInterrupt:
        # The kernel client may still log while shutting down after the notebook returned: the CLI says one line.
        for name in NOTEBOOK_CLIENT_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        raise
    return target


NOTEBOOK_CLIENT_LOGGERS = ("papermill", "nbclient", "traitlets", "asyncio")


@contextlib.contextmanager
def client_logs_to(log_file: Path | None) -> Iterator[None]:
    """Send what papermill and the notebook client log (``Kernel died while waiting for execute reply.`` when Ctrl-C
    reaches the kernel first, for example) to ``log_file`` instead of the user's terminal while a notebook runs.

    Every way a notebook run ends already has its own one-line message from this command (a failed cell, a stopped
    kernel, an interruption), so the client's messages are kept for diagnosis, not shown. Without a file, nothing
    changes. The loggers' handlers and propagation are restored afterwards.
    """
    if log_file is None:
        yield
        return
    handler = logging.FileHandler(log_file, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(name) for name in NOTEBOOK_CLIENT_LOGGERS]
    saved = [(logger.handlers[:], logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.handlers = [handler]
        logger.propagate = False
    try:
        yield
    finally:
        for logger, (handlers, propagate) in zip(loggers, saved, strict=True):
            logger.handlers = handlers
            logger.propagate = propagate
        handler.close()


def keep_failed_notebook(executed: Path) -> Path | None:
    """Copy a partly executed notebook to a new private file (``tempfile.mkstemp``: created exclusively, mode 0600,
    so a symlink planted in the shared temporary folder is never followed); None when there is nothing to keep."""
    try:
        content = executed.read_bytes()
    except OSError:
        return None
    descriptor, name = tempfile.mkstemp(prefix="sharedhr-failed-", suffix=".ipynb")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    return Path(name)


def forget_local_paths(executed: Path, replacements: dict[str, str]) -> None:
    """Replace absolute paths in the executed notebook (papermill records its parameters and input and output paths
    in it) by short names: the run folder records the scenario's name and hash, not where files lived on this disk."""
    text = executed.read_text(encoding="utf-8")
    for long, short in sorted(replacements.items(), key=lambda item: -len(item[0])):
        text = text.replace(json.dumps(long)[1:-1], json.dumps(short)[1:-1])
    executed.write_text(text, encoding="utf-8")


def render_html(executed: str | Path, output: str | Path, title: str | None = None) -> Path:
    """Render an executed notebook to a self-contained HTML page with no code and no prompts.

    Input areas are excluded (``exclude_input``), cells tagged ``remove_cell`` are dropped whole, warnings printed
    on stderr are left out (they stay in the executed notebook), and figures are embedded as base64 PNG images, so
    the file can be e-mailed on its own; it loads no script from another address.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    notebook = nbformat.read(str(executed), as_version=4)
    if title:
        notebook.metadata["title"] = title
    for cell in notebook.cells:  # warnings on stderr are for analysts (kept in the .ipynb), not for the board
        if cell.get("cell_type") == "code":
            cell.outputs = [
                o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    # No MathJax or require.js from a CDN (the briefing has no formulae or widgets): the page opens offline and
    # fetches nothing, wherever it is e-mailed.
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, mathjax_url="", require_js_url=""
    )
    remover = TagRemovePreprocessor(remove_cell_tags={REMOVE_TAG}, enabled=True)
    exporter.register_preprocessor(remover, enabled=True)
    body, _resources = exporter.from_notebook_node(notebook)
    body = re.sub(r'<script src="">\s*</script>', "", body)
    target = Path(output)
    target.write_text(body, encoding="utf-8")
    return target


def brief_into(
    run: RunFolder | RunSubfolder,
    scenario_path: str | Path | None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    overrides: Sequence[str] = (),
    progress: bool = False,
    notebook: str | Path = BOARD_NOTEBOOK,
    precomputed: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Execute the briefing inside an open ``RunFolder`` (or a ``RunSubfolder`` of one) and return the files written,
    as paths RELATIVE to that folder (join them with ``run.path``, plus the sub-folder name, once the ``with`` block
    has published it): keys ``notebook``, ``html``, ``excel``, ``plots`` (folder), ``status``, and ``pdf`` when
    headless Chromium printed ``briefing.pdf`` (``model.reporting.printing``; without Chromium the PDF is skipped).

    ``replications``/``seed`` default to the scenario's settings; ``overrides`` are ``--set PATH=VALUE`` strings.
    ``precomputed``: model results the caller already has for the same scenario, replications and seed, by the
    names of ``model.reporting.briefing.context.CACHE_KEYS`` (e.g. ``{"experiment": ..., "tariff_result": ...}``); the notebook uses
    them instead of computing them again.
    """
    from model.reporting import briefing

    folder = run.working_dir.resolve()  # absolute: the kernel runs with the run folder as its working directory
    path = Path(scenario_path).resolve() if scenario_path else DEFAULT_SCENARIO
    parameters = {
        "scenario_path": str(path),
        "replications": int(replications) if replications else 0,
        "seed": int(seed) if seed is not None else -1,
        "workers": int(workers),
        "output_dir": str(folder),
        "overrides": list(overrides),
    }
    report_removed(remove_stale(Path(tempfile.gettempdir()), BRIEF_SCRATCH_PATTERN))
    with tempfile.TemporaryDirectory(prefix=f"{BRIEF_SCRATCH_PREFIX}{os.getpid()}-") as scratch:
        if precomputed:
            chosen_replications = int(replications) if replications else run.scenario.simulation.replications
            chosen_seed = int(seed) if seed is not None else run.scenario.simulation.seed
            parameters["results_cache"] = str(
                briefing.save_results_cache(
                    Path(scratch) / "results.pickle", run.scenario, chosen_replications, chosen_seed, precomputed
                )
            )
        try:
            execute_notebook(
                notebook,
                folder / EXECUTED_NAME,
                parameters,
                cwd=folder,
                progress=progress,
                kernel_log=Path(scratch) / "kernel.log",
            )
        except UserError as error:
            # The run folder is discarded on failure: keep the partly executed notebook for inspection.
            kept = keep_failed_notebook(folder / EXECUTED_NAME)
            if kept is not None:
                raise UserError([*error.problems, f"the partly executed notebook is in {kept}"]) from None
            raise
        forget_local_paths(
            folder / EXECUTED_NAME,
            {
                str(folder): ".",
                str(path): path.name,
                str(scratch): "(scratch folder)",
                str(Path(notebook)): EXECUTED_NAME,
            },
        )
    render_html(folder / EXECUTED_NAME, folder / HTML_NAME, title=f"Board briefing: {run.scenario.name}")
    created = run.created if isinstance(run, RunFolder) else run.parent.created
    pdf = printing.write_briefing_pdf(folder, HTML_NAME, "Board briefing", run.scenario.name, created, run.seed)
    files = {
        "notebook": Path(EXECUTED_NAME),
        "html": Path(HTML_NAME),
        "excel": Path(EXCEL_NAME),
        "plots": Path(PLOTS_DIR),
        "status": Path(STATUS_NAME),
    }
    absent = [str(name) for name in files.values() if not (folder / name).exists()]
    if absent:
        raise UserError(f"the briefing notebook did not write {', '.join(absent)}")
    if pdf is not None:
        files["pdf"] = Path(PDF_NAME)
    return files


@dataclass
class BriefOutcome:
    """Where ``sharedhr brief`` wrote the briefing: the run folder, its files (relative paths) and the status."""

    scenario: Any
    run_path: Path
    files: dict[str, Path]
    status: dict[str, Any]


def brief_from_args(args: argparse.Namespace) -> BriefOutcome:
    """Execute the briefing the parsed command line asks for into a new run folder (shared by the CLI and the web
    app)."""
    scenario = scenario_from_args(args)
    if args.replications is not None and args.replications < 1:
        raise UserError(f"--replications must be at least 1, got {args.replications}")
    check_workers(args)
    seed = args.seed if args.seed is not None else scenario.simulation.seed
    with RunFolder(scenario, command="brief", seed=seed, root=args.results_dir, argv=recorded_argv(args)) as run:
        files = brief_into(
            run.subfolder(BRIEFING_FOLDER),
            args.scenario,
            replications=args.replications,
            seed=args.seed,
            workers=args.workers,
            overrides=args.overrides,
            progress=show_progress(args),
        )
        status = json.loads((run.working_dir / BRIEFING_FOLDER / files["status"]).read_text(encoding="utf-8"))
    assert run.path is not None
    return BriefOutcome(scenario, run.path, files, status)


def run_brief(args: argparse.Namespace) -> int:
    outcome = brief_from_args(args)
    scenario, files, status = outcome.scenario, outcome.files, outcome.status
    print_briefing_paths(outcome.run_path, files, heading=f"Briefing for {scenario.name}")
    for line in status.get("missing", []):
        print(f"  {line}")
    return 0


def print_briefing_paths(run_path: Path, files: dict[str, Path], heading: str) -> None:
    """The run folder and the briefing's files in it, as ``brief`` and ``run`` print them (relative to the current
    folder when inside it; the briefing is in the run folder's ``briefing/``)."""
    folder = run_path / BRIEFING_FOLDER
    print(f"\nResults written to {shown_path(run_path)}")
    print(heading)
    print(f"  HTML briefing:         {shown_path(folder / files['html'])}")
    if "pdf" in files:
        print(f"  PDF briefing:          {shown_path(folder / files['pdf'])}")
    else:
        print(f"  {printing.pdf_skipped_line()}")
    print(f"  Excel tariff schedule: {shown_path(folder / files['excel'])}")
    print(f"  Figures:               {shown_path(folder / files['plots'])}/")
    print(f"  Executed notebook:     {shown_path(folder / files['notebook'])}")
