"""What the workbench does, without Streamlit: turn a scenario draft into a validated scenario, plain what-if choices
into ``--set PATH=VALUE`` overrides, and every run into a ``sharedhr`` command line that the app executes with the
CLI's own parser and functions (``model.commands.*.*_from_args``). Nothing here models anything: the figures come
from the commands, and every run writes the run folder the CLI would write, with the equivalent command line in its
manifest.

Scenario drafts are plain dicts (``Scenario.model_dump(mode="json")``): the Scenario page edits them field by field
and keeps whatever the user typed, valid or not; :func:`validate` checks them with the same schema as
``sharedhr validate`` and returns its field-path messages (``members[1].headcount: ...``).
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.commands.app import OPTIONS_ENV, SCENARIO_ENV
from model.scenario import (
    DEFAULT_SCENARIO,
    WORKING_DAYS_PER_MONTH,
    Scenario,
    ScenarioError,
    UserError,
    apply_overrides,
    load_scenario,
    scenario_from_dict,
    write_text_atomically,
)
from model.scenario.files import MAX_SCENARIO_BYTES, decode_text, parse_toml

INPUTS_FOLDER = "_app_scenarios"  # under the results root; a scenario's slug never starts with "_"
ORIGIN = "scenario"


# --- scenarios -------------------------------------------------------------------------------------------------------


def initial_scenario_path() -> Path:
    """The scenario the app opens with: ``$SHAREDHR_APP_SCENARIO`` (set by ``sharedhr app SCENARIO``) or the
    default."""
    value = os.environ.get(SCENARIO_ENV, "").strip()
    return Path(value) if value else DEFAULT_SCENARIO


def start_options() -> dict[str, Any]:
    """The shared options ``sharedhr app`` was started with (``$SHAREDHR_APP_OPTIONS``): ``replications``,
    ``workers``, ``seed`` (None when not given) and ``overrides`` (``--set`` edits of the opening scenario)."""
    options: dict[str, Any] = {"replications": None, "workers": None, "seed": None, "overrides": []}
    text = os.environ.get(OPTIONS_ENV, "").strip()
    if text:
        options.update(json.loads(text))
    return options


def initial_draft() -> dict[str, Any]:
    """The draft the app opens with: the initial scenario with the ``--set`` edits it was started with."""
    scenario = load_scenario(initial_scenario_path())
    overrides = start_options()["overrides"]
    return draft_of(apply_overrides(scenario, overrides) if overrides else scenario)


def draft_of(scenario: Scenario) -> dict[str, Any]:
    """An editable copy of ``scenario`` as plain data."""
    return scenario.model_dump(mode="json")


def load_draft(path: str | Path) -> dict[str, Any]:
    """Read and validate a scenario file and return it as a draft (ScenarioError with field paths if invalid)."""
    return draft_of(load_scenario(path))


def draft_from_upload(name: str, data: bytes) -> dict[str, Any]:
    """A draft from an uploaded TOML file, checked exactly like a file given to the CLI (size, UTF-8, TOML syntax,
    nesting, schema). UserError/ScenarioError with one line per problem when it is not a valid scenario."""
    if len(data) > MAX_SCENARIO_BYTES:
        raise UserError(f"{name}: the scenario file is {len(data):,} bytes; the limit is {MAX_SCENARIO_BYTES:,}")
    text = decode_text(data, name, "scenario file")
    parsed = parse_toml(text, name)
    return draft_of(scenario_from_dict(parsed, origin=name))


def validate(draft: dict[str, Any]) -> tuple[Scenario | None, list[str]]:
    """The validated scenario, or None and one ``field.path: reason`` line per problem (same schema and messages
    as ``sharedhr validate``)."""
    try:
        return scenario_from_dict(copy.deepcopy(draft), origin=ORIGIN), []
    except ScenarioError as error:
        prefix = f"{ORIGIN}: "
        return None, [line.removeprefix(prefix) for line in error.problems]


def new_member(name: str, headcount: int, fte: float, join_month: int, leave_month: int) -> dict[str, Any]:
    """A member for a draft, taking every service (``services`` unset), shared; leave month 0 means it stays. The
    draft's validation judges it like any other member (a bad name or an FTE above headcount is a field error)."""
    return {
        "name": name.strip(),
        "headcount": int(headcount),
        "fte": float(fte),
        "join_month": int(join_month),
        "leave_month": int(leave_month) or None,
        "services": None,
        "service_start_month": {},
        "provision": {},
        "in_house_fte": {},
        "source": "added in the sharedhr workbench",
    }


def problems_at(problems: list[str], *prefixes: str) -> list[str]:
    """The problems whose field path is one of ``prefixes`` or lies inside one (``members[1]`` matches
    ``members[1].headcount: ...`` and ``members[1]: ...``, not ``members[10]...``)."""
    chosen = []
    for line in problems:
        for prefix in prefixes:
            if line.startswith(prefix) and line[len(prefix) : len(prefix) + 1] in (".", "[", ":"):
                chosen.append(line)
                break
    return chosen


def toml_text(scenario: Scenario) -> str:
    """``scenario`` as a TOML file that ``sharedhr validate`` accepts."""
    from model.optimisation.verification import scenario_toml

    return scenario_toml(
        scenario,
        [f"Scenario '{scenario.name}' saved by the sharedhr workbench (sharedhr app).", "Validate: sharedhr validate"],
    )


def save_input(scenario: Scenario, results_dir: Path) -> Path:
    """Write ``scenario`` as TOML where the commands can read it: ``<results>/_app_scenarios/<sha256[:16]>.toml``.
    The name is the content hash, so two sessions writing the same scenario write the same bytes (atomically) and
    never clash; the file stays, so the command line shown in the app reproduces the run."""
    folder = results_dir / INPUTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{scenario.content_hash()[:16]}.toml"
    if not target.exists():
        write_text_atomically(target, toml_text(scenario))
    return target


# --- what-if choices ----------------------------------------------------------------------------------------------

CHANGE_KINDS = {
    "leave": "A member leaves in month m",
    "join": "A member joins in month m",
    "headcount": "A member's headcount changes",
    "sickness": "Sickness shock (host staff sickness rate)",
    "vacancy_freeze": "Vacancy freeze for k months",
    "demand_surge": "Demand surge for a service",
    "provision": "Outsource or bring in-house a service",
    "lose_specialist": "Lose a specialist for k months",
}


@dataclass(frozen=True)
class Change:
    """One plain what-if choice. Which fields matter depends on ``kind`` (see :func:`overrides_for`): ``member``,
    ``service``, ``role`` are names; ``month`` counts calendar months from the simulation start; ``months`` is a
    duration in months; ``value`` is a number (a rate, a percentage or a headcount) or a mode."""

    kind: str
    member: str = ""
    service: str = ""
    role: str = ""
    month: int = 0
    months: float = 0.0
    value: Any = None


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string for names (letters, digits, spaces and & ' ( ) - . _)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_toml_value(item)}" for key, item in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return repr(value)


def overrides_for(scenario: Scenario, change: Change) -> list[str]:
    """The ``--set PATH=VALUE`` assignments that make ``change`` on top of ``scenario`` (the same strings
    ``sharedhr compare BASE --set ...`` takes). Raises UserError for a choice that cannot be expressed."""
    kind = change.kind
    if kind == "leave":
        return [f"members.{change.member}.leave_month={int(change.month)}"]
    if kind == "join":
        return [f"members.{change.member}.join_month={int(change.month)}"]
    if kind == "headcount":
        return [f"members.{change.member}.headcount={int(change.value)}"]
    if kind == "sickness":
        return [f"absence.sickness_rate={float(change.value)}"]
    if kind == "vacancy_freeze":
        days = scenario.absence.vacancy_refill_days + float(change.months) * WORKING_DAYS_PER_MONTH
        return [f"absence.vacancy_refill_days={round(days, 2)}"]
    if kind == "demand_surge":
        rate = scenario.service(change.service).demand_per_1000_headcount_per_year * (1 + float(change.value) / 100)
        return [f"services.{change.service}.demand_per_1000_headcount_per_year={round(rate, 4)}"]
    if kind == "provision":
        members = [change.member] if change.member else [m.name for m in scenario.members]
        chosen = [m for m in members if change.service in scenario.subscribed(scenario.member(m))]
        if not chosen:
            raise UserError(f"no member takes '{change.service}'")
        return [f"members.{m}.provision.{change.service}={change.value}" for m in chosen]
    if kind == "lose_specialist":
        forced = [f.model_dump(mode="json") for f in scenario.forced_absences]
        forced.append(
            {
                "role": change.role,
                "person": 0,
                "start_month": int(change.month),
                "months": float(change.months),
                "kind": str(change.value or "sickness"),
            }
        )
        return [f"forced_absences={_toml_value(forced)}"]
    raise UserError(f"unknown what-if choice '{kind}'")


def describe(change: Change) -> str:
    """The change in one line of plain words."""
    kind = change.kind
    if kind == "leave":
        return f"{change.member} leaves in month {change.month}"
    if kind == "join":
        return f"{change.member} joins in month {change.month}"
    if kind == "headcount":
        return f"{change.member} headcount becomes {int(change.value)}"
    if kind == "sickness":
        return f"host sickness rate {float(change.value):.1%} of working days"
    if kind == "vacancy_freeze":
        return f"vacancies left unfilled {change.months:g} months longer"
    if kind == "demand_surge":
        return f"{change.service} demand {float(change.value):+g}%"
    if kind == "provision":
        who = change.member or "every member taking it"
        return f"{change.service} delivered {change.value} for {who}"
    if kind == "lose_specialist":
        return f"{change.role} (first post) away from month {change.month} for {change.months:g} months"
    return kind


def whatif_overrides(scenario: Scenario, changes: list[Change]) -> list[str]:
    """All overrides of ``changes`` in order (a later change to the same field wins, as with repeated ``--set``);
    forced absences accumulate."""
    out: list[str] = []
    current = scenario
    for change in changes:
        assignments = overrides_for(current, change)
        out.extend(assignments)
        if change.kind == "lose_specialist":
            from model.scenario import apply_overrides

            current = apply_overrides(current, assignments)
    return out


def adopted_tariff_column(scenario: Scenario) -> str:
    """The ``method`` value in a comparison's tariff table that is the scenario's own tariff method."""
    from model.risk.whatif import TARIFF_COLUMN

    return TARIFF_COLUMN[scenario.tariff.method]


def gain_or_loss(before: float, after: float, tolerance_gbp: float = 0.5) -> str:
    """Who gains and who loses from a member's tariff before and after (pounds per year; NaN when it is not a member
    of the partnership at the steady-state month of that scenario)."""
    import math

    if math.isnan(after) and not math.isnan(before):
        return "not a member in the what-if"
    if math.isnan(before) and not math.isnan(after):
        return "new member in the what-if"
    difference = after - before
    if math.isnan(difference):
        return "not a member"
    if difference < -tolerance_gbp:
        return "gains: pays less"
    if difference > tolerance_gbp:
        return "loses: pays more"
    return "no change"


def method_label(method: str) -> str:
    """The readable name of a tariff method (``model.fairness.cost_lines.METHOD_LABELS``)."""
    from model.fairness.cost_lines import METHOD_LABELS

    return METHOD_LABELS.get(method, method.replace("_", " "))


def per_capita_rates(scenario: Scenario, result: Any) -> dict[str, float]:
    """Pounds per head per year: ``efficient`` = the per-capita method's total (c(N)) over the members' headcount,
    ``today`` = the total of today's contributions over the same headcount (``model.fairness.tariffs.TariffResult``)."""
    table = result.by_member
    heads = float(table["headcount"].sum())
    if not heads:
        return {"efficient": 0.0, "today": 0.0}
    return {
        "efficient": float(table["per_capita"].sum()) / heads,
        "today": float(table["today_contribution"].sum()) / heads,
    }


def tariffs_workbook(scenario: Scenario, result: Any) -> bytes:
    """The finance workbook (``model.reporting.excel``: schedule by member and service of the scenario's tariff method,
    summary of every method, notes) of a ``TariffResult``, as bytes to download."""
    import tempfile

    from model.fairness.cost_lines import METHODS
    from model.reporting import write_tariff_schedule

    method = scenario.tariff.method if scenario.tariff.method in set(result.by_member_service["method"]) else "today"
    schedule = result.service_matrix(method)
    summary = result.by_member[["member", "headcount", *METHODS]].rename(
        columns={
            "member": "Member",
            "headcount": "Headcount",
            **{m: f"{method_label(m)} (GBP per year)" for m in METHODS},
        }
    )
    notes = [
        ("Scenario", scenario.name),
        ("Scenario SHA-256", scenario.content_hash()),
        ("Units", "Pounds per year."),
        ("Schedule", f"What each member pays for each service under the scenario's method ({method})."),
        ("Cost source", result.cost_source),
    ]
    with tempfile.TemporaryDirectory(prefix="sharedhr-app-") as scratch:
        path = write_tariff_schedule(Path(scratch) / "tariffs.xlsx", schedule, summary, notes)
        return path.read_bytes()


_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>", re.IGNORECASE)


def offline_html(html: str) -> str:
    """The briefing HTML as the app shows it: without scripts loaded from other sites (nbconvert's page links
    MathJax and require.js on a CDN; the briefing needs neither), so showing it fetches nothing from outside this
    machine. The downloaded file is the run folder's, unchanged."""
    return _REMOTE_SCRIPT.sub("", html)


# --- commands ---------------------------------------------------------------------------------------------------


def compare_argv(
    scenario_file: Path,
    overrides: list[str],
    replications: int,
    seed: int,
    workers: int,
    results_dir: Path,
    calibrated: bool = False,
) -> list[str]:
    """The ``sharedhr compare`` command line of an app what-if (without the leading ``sharedhr``). Coalition costs
    for the tariffs use Erlang-C capacity unless ``calibrated`` (the CLI's default, slower: simulator-calibrated
    capacity and verification)."""
    argv = ["compare", str(scenario_file)]
    for assignment in overrides:
        argv += ["--set", assignment]
    argv += ["-n", str(int(replications)), "--seed", str(int(seed)), "--workers", str(int(workers))]
    if not calibrated:
        argv += ["--capacity", "analytic", "--no-verify"]
    return [*argv, "--results-dir", str(results_dir)]


def tariffs_argv(scenario_file: Path, results_dir: Path, workers: int = 2, calibrated: bool = False) -> list[str]:
    """The ``sharedhr tariffs`` command line of the Tariffs page."""
    argv = ["tariffs", str(scenario_file), "--workers", str(int(workers))]
    if not calibrated:
        argv += ["--capacity", "analytic", "--no-verify"]
    return [*argv, "--results-dir", str(results_dir)]


def staffing_argv(
    scenario_file: Path,
    results_dir: Path,
    kpi_probability: float,
    simulate: bool,
    workers: int = 2,
    max_evaluations: int = 40,
) -> list[str]:
    """The ``sharedhr staffing`` command line of the Staffing page."""
    argv = ["staffing", str(scenario_file), "--kpi-probability", str(kpi_probability), "--workers", str(int(workers))]
    argv += ["--max-evaluations", str(int(max_evaluations))]
    if not simulate:
        argv.append("--analytic-only")
    return [*argv, "--results-dir", str(results_dir)]


def brief_argv(scenario_file: Path, results_dir: Path, replications: int | None, seed: int | None) -> list[str]:
    """The ``sharedhr brief`` command line of the Board pack page."""
    argv = ["brief", str(scenario_file), "--quiet"]
    if replications:
        argv += ["--replications", str(int(replications))]
    if seed is not None:
        argv += ["--seed", str(int(seed))]
    return [*argv, "--results-dir", str(results_dir)]


def command_line(argv: list[str]) -> str:
    """The command a user types to reproduce a run (``sharedhr`` + shell-quoted arguments)."""
    return shlex.join(["sharedhr", *argv])


def cache_key(argv: list[str]) -> tuple[str, ...]:
    """What identifies a result: the command line without ``--results-dir`` (the scenario file's name is its
    content hash, and seed, replications and settings are arguments)."""
    key = list(argv)
    if "--results-dir" in key:
        at = key.index("--results-dir")
        del key[at : at + 2]
    return tuple(key)


def run_command(argv: list[str], progress: Callable[..., object] | None = None) -> Any:
    """Parse ``argv`` with the CLI's own parser and run the command's ``*_from_args`` function, recording
    ``sharedhr`` + ``argv`` in the manifest. Returns the command's outcome (run folder path and results)."""
    from model.commands.cli import build_parser

    args = build_parser().parse_args(argv)
    args.argv = ["sharedhr", *argv]
    command = argv[0]
    if command == "compare":
        from model.commands.compare import compare_from_args

        return compare_from_args(args, progress=progress)
    if command == "tariffs":
        from model.commands.tariffs import tariffs_from_args

        return tariffs_from_args(args)
    if command == "staffing":
        from model.commands.staffing import staffing_from_args

        return staffing_from_args(args, progress=progress)
    if command == "brief":
        from model.commands.brief import brief_from_args

        return brief_from_args(args)
    raise UserError(f"the app does not run '{command}'")
