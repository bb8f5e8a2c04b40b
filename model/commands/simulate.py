"""``sharedhr simulate [SCENARIO]``: run replications of the simulation (locally in parallel or on a Dask cluster),
write summary.csv / backlog.csv (small tables, for spreadsheets) and kpis.parquet / staff.parquet (cases.parquet when
asked or small) (large per-replication, per-staff and per-case tables, zstd-compressed Parquet: read them with
``pandas.read_parquet``) to a new run folder, and print SLA attainment by service, utilisation by role and total cost
per year with 95% confidence intervals."""

from __future__ import annotations

import argparse
import math
import sys
from typing import TYPE_CHECKING

from model.commands._common import (
    add_scenario_arguments,
    add_shared_options,
    check_workers,
    scenario_from_args,
    show_progress,
    shown_path,
)
from model.reporting import RunFolder, format_table
from model.scenario import MONTHS_PER_YEAR, UserError

if TYPE_CHECKING:  # pandas, the simulator and scipy load only when a simulation runs (keeps every CLI start fast)
    import pandas as pd

    from model.scenario import Scenario
    from model.simulation import AutoReplicationResult, ExperimentResult

DASK_ENV = "DASK_SCHEDULER_ADDRESS"  # same as model.simulation.replications.DASK_ENV

CASES_AUTO_MAX_ROWS = 100_000  # cases.parquet is written without --keep-cases when it has at most this many rows


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="run simulation replications and summarise KPIs with confidence intervals",
        description=(
            "Run replications of the discrete-event simulation and write results/<scenario>/<timestamp>-<seed>/ "
            "with kpis.parquet (every replication), summary.csv (mean and t-based confidence interval), backlog.csv "
            "and staff.parquet (Parquet: pandas.read_parquet). Results are identical for any number of workers and on Dask. Time is in working days, "
            "money in pounds per year."
        ),
    )
    add_scenario_arguments(parser)
    how_many = parser.add_mutually_exclusive_group()
    how_many.add_argument(
        "--auto",
        metavar="METRIC",
        default=None,
        help="add replications until METRIC's CI half-width is within --precision of its mean "
        "(e.g. sla_attainment, utilisation, total_cost_gbp_per_year)",
    )
    parser.add_argument(
        "--precision", type=float, default=0.05, metavar="P", help="relative precision for --auto (default 0.05)"
    )
    parser.add_argument("--auto-service", default="all", metavar="NAME", help="service of the --auto KPI (all)")
    parser.add_argument("--auto-member", default="all", metavar="NAME", help="member/team of the --auto KPI (all)")
    parser.add_argument("--auto-role", default="all", metavar="NAME", help="role of the --auto KPI (all)")
    parser.add_argument(
        "--initial", type=int, default=10, metavar="N", help="first replications for --auto (default 10)"
    )
    parser.add_argument(
        "--batch", type=int, default=5, metavar="N", help="minimum replications added per --auto round (5)"
    )
    parser.add_argument(
        "--max-replications", type=int, default=500, metavar="N", help="upper limit for --auto (default 500)"
    )
    parser.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help=f"run on the Dask scheduler at ADDRESS, e.g. tcp://10.0.0.5:8786 (default: ${DASK_ENV} if set)",
    )
    parser.add_argument(
        "--confidence", type=float, default=0.95, metavar="C", help="confidence level of intervals (0.95)"
    )
    parser.add_argument(
        "--keep-cases",
        action="store_true",
        help=f"write cases.parquet (one row per case per replication; written anyway up to {CASES_AUTO_MAX_ROWS:,} rows)",
    )
    add_shared_options(
        parser,
        "simulate",
        replications="replications (default: the scenario's simulation.replications)",
        replications_group=how_many,
        workers="local worker processes",
        quiet="no progress bar (default: a progress bar when stderr is a terminal)",
    )
    parser.set_defaults(handler=run_simulate)


# --- reusable pieces (also for the `run` command) ----------------------------------------------------------------


def expected_case_rows(scenario: Scenario, replications: int) -> float:
    """Upper estimate of case records: full-membership cases a year x simulated years x replications."""
    from model.simulation import demand_summary

    per_year = float(demand_summary(scenario)["cases_per_year"].sum())
    backlog = sum(scenario.simulation.initial_backlog.values())
    return (per_year * scenario.simulation.horizon_months / MONTHS_PER_YEAR + backlog) * replications


def write_experiment(
    run: RunFolder, result: ExperimentResult, confidence: float = 0.95, cases: bool = True
) -> pd.DataFrame:
    """Write summary.csv and backlog.csv (small, for spreadsheets), kpis.parquet and staff.parquet (large: every KPI
    of every replication, every member of staff) and, if kept and ``cases``, cases.parquet into ``run``; record the
    replication count, seed and backend in the manifest. Returns the summary table."""
    summary = result.summary(confidence)
    run.write_parquet("kpis.parquet", result.kpis)
    run.write_csv("summary.csv", summary)
    run.write_csv("backlog.csv", result.backlog)
    run.write_parquet("staff.parquet", result.staff)
    if result.cases is not None and cases:
        run.write_parquet("cases.parquet", result.cases)
    run.extra_manifest["simulation"] = {
        "replications": result.replications,
        "seed": result.seed,
        "confidence": confidence,
        "horizon_days": result.horizon_days,
        "warm_up_days": result.warm_up_days,
        "backend": result.backend,
        "elapsed_seconds": round(result.elapsed_seconds, 3),
    }
    return summary


def simulate_into(
    run: RunFolder,
    scenario: Scenario,
    replications: int | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    progress: bool = False,
    *,
    seed: int | None = None,
    keep_cases: bool | None = None,
    confidence: float = 0.95,
) -> ExperimentResult:
    """Run ``replications`` (default: the scenario's) and write the tables into the open RunFolder ``run``.

    ``keep_cases=None`` keeps case records only when they are small (CASES_AUTO_MAX_ROWS). ``seed`` defaults to the
    run folder's seed. Used by ``simulate`` and by ``run``."""
    from model.simulation import multiple_replications

    count = scenario.simulation.replications if replications is None else replications
    keep = keep_cases if keep_cases is not None else expected_case_rows(scenario, count) <= CASES_AUTO_MAX_ROWS
    result = multiple_replications(
        scenario,
        n=count,
        workers=workers,
        dask_address=dask_address,
        progress=progress,
        keep_cases=keep,
        seed=run.seed if seed is None else seed,
    )
    write_experiment(run, result, confidence)
    return result


def _pick(summary: pd.DataFrame, metric: str, **dims: str) -> pd.DataFrame:
    rows = summary[summary["metric"] == metric]
    for column, value in dims.items():
        rows = rows[rows[column] == value] if not value.startswith("!") else rows[rows[column] != value[1:]]
    return rows


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1%}"


def _ci(low: float, high: float, fmt: str, fraction: bool = False) -> str:
    """``[low, high]``; a fraction's interval is shown clipped to 0-100% (summary.csv keeps the raw t interval)."""
    if math.isnan(low) or math.isnan(high):
        return "n/a"
    if fraction:
        low, high = max(low, 0.0), min(high, 1.0)
    return f"[{fmt.format(low)}, {fmt.format(high)}]"


def format_simulation_summary(scenario: Scenario, result: ExperimentResult, confidence: float = 0.95) -> str:
    """The compact console report: SLA attainment by service and utilisation by role with confidence intervals,
    and the total cost per year (pounds)."""
    import pandas as pd

    summary = result.summary(confidence)
    level = f"{confidence:.0%} CI"
    lines = [
        f"{scenario.name}: {result.replications} replications of {result.horizon_days:.0f} working days "
        f"(warm-up {result.warm_up_days:.0f}), seed {result.seed}, {result.backend}, {result.elapsed_seconds:.1f} s",
        "",
    ]
    sla = _pick(summary, "sla_attainment", member="all", role="all", period="all")
    if not sla.empty:
        table = pd.DataFrame(
            {
                "service": sla["service"],
                "attainment": [_pct(v) for v in sla["mean"]],
                level: [
                    _ci(lo, hi, "{:.1%}", fraction=True) for lo, hi in zip(sla["ci_low"], sla["ci_high"], strict=True)
                ],
                "target": [
                    "" if name == "all" else f"{scenario.service(name).kpi.target_fraction:.0%}"
                    for name in sla["service"]
                ],
            }
        )
        lines += ["SLA attainment by service (cases with a known outcome)", format_table(table), ""]
    utilisation = _pick(summary, "utilisation", member="!all", period="all")
    if not utilisation.empty:
        table = pd.DataFrame(
            {
                "team": utilisation["member"],
                "role": utilisation["role"],
                "utilisation": [_pct(v) for v in utilisation["mean"]],
                level: [
                    _ci(lo, hi, "{:.1%}", fraction=True)
                    for lo, hi in zip(utilisation["ci_low"], utilisation["ci_high"], strict=True)
                ],
            }
        )
        lines += ["Utilisation by role (busy / available days)", format_table(table), ""]
    cost = _pick(summary, "total_cost_gbp_per_year", service="all", member="all", role="all", period="all")
    if not cost.empty:
        row = cost.iloc[0]
        lines.append(
            f"Total cost GBP {row['mean']:,.0f} per year, {level} "
            f"{_ci(float(row['ci_low']), float(row['ci_high']), 'GBP {:,.0f}')}"
        )
    warm_up = warm_up_note(result)
    if warm_up:
        lines += ["", warm_up]
    return "\n".join(lines).rstrip()


def warm_up_note(result: ExperimentResult) -> str:
    """One line comparing the configured warm-up with the MSER-5 truncation of the mean total backlog; empty when
    the scenario has no warm-up (a terminating study) or the backlog series is too short to judge."""
    from model.simulation import warm_up_diagnostic

    if not result.warm_up_days > 0 or result.backlog.empty:
        return ""
    try:
        suggested = warm_up_diagnostic(result.backlog, "day", "open_cases")
    except ValueError:  # fewer than 20 review points
        return ""
    if math.isinf(suggested):
        return "Warm-up: the mean backlog is still trending at the horizon; the run may be too short for steady state"
    verdict = "long enough" if suggested <= result.warm_up_days else "SHORTER than suggested"
    return (
        f"Warm-up: {result.warm_up_days:.0f} working days configured, MSER-5 on the mean backlog suggests "
        f"{suggested:.0f}: {verdict}"
    )


# --- the command ---------------------------------------------------------------------------------------------------


def run_simulate(args: argparse.Namespace) -> int:
    from model.simulation import auto_replications, dask_address_from

    scenario = scenario_from_args(args)
    if not 0 < args.confidence < 1:
        raise UserError(f"--confidence must be between 0 and 1, got {args.confidence}")
    if args.seed is not None and args.seed < 0:
        raise UserError(f"--seed must be a non-negative integer, got {args.seed}")
    check_workers(args)
    workers = args.workers
    if args.replications is not None and args.replications < 1:
        raise UserError(f"--replications must be at least 1, got {args.replications}")
    if args.auto is None and (args.auto_service, args.auto_member, args.auto_role) != ("all", "all", "all"):
        raise UserError("--auto-service, --auto-member and --auto-role need --auto METRIC")
    progress = show_progress(args, default=sys.stderr.isatty())
    dask_address = dask_address_from(args.dask)
    seed = scenario.simulation.seed if args.seed is None else args.seed
    auto: AutoReplicationResult | None = None
    with RunFolder(scenario, command="simulate", seed=seed, root=args.results_dir) as run:
        run.write_json("scenario.json", scenario.model_dump(mode="json"))
        if args.auto is None:
            result = simulate_into(
                run,
                scenario,
                replications=args.replications,
                workers=workers,
                dask_address=dask_address,
                progress=progress,
                seed=seed,
                keep_cases=True if args.keep_cases else None,
                confidence=args.confidence,
            )
        else:
            keep = args.keep_cases or expected_case_rows(scenario, args.max_replications) <= CASES_AUTO_MAX_ROWS
            auto = auto_replications(
                scenario,
                args.auto,
                service=args.auto_service,
                member=args.auto_member,
                role=args.auto_role,
                relative_precision=args.precision,
                initial=args.initial,
                batch=args.batch,
                max_replications=args.max_replications,
                workers=workers,
                dask_address=dask_address,
                progress=progress,
                keep_cases=keep,
                seed=seed,
                confidence=args.confidence,
            )
            result = auto.experiment
            write_experiment(run, result, args.confidence)
            run.write_csv("auto_replications.csv", auto.history)
            run.extra_manifest["auto_replications"] = {
                "metric": args.auto,
                "service": args.auto_service,
                "member": args.auto_member,
                "role": args.auto_role,
                "relative_precision": args.precision,
                "achieved": auto.achieved_precision if math.isfinite(auto.achieved_precision) else None,
                "reached": auto.reached,
                "replications": auto.replications,
            }
    print(format_simulation_summary(scenario, result, args.confidence))
    if auto is not None:
        print()
        print(auto.message)
        if not auto.reached:
            print(f"warning: {auto.message}", file=sys.stderr)
    print(f"\nResults written to {shown_path(run.path)}")
    return 0
