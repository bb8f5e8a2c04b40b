"""``sharedhr run [SCENARIO]``: the whole model end to end into one new run folder.

Steps, each writing into its own sub-folder of ``results/<scenario>/<timestamp>-<seed>/``:

1. ``static/``: expected demand, host capacity and cost before simulating (deterministic);
2. ``simulation/``: replications of the discrete-event simulation (KPIs with confidence intervals);
3. ``catalogue/``: the optimal service catalogue (in-house, shared or external) and its staffing, sized on
   simulator-calibrated capacity and verified by simulation, with ``recommended.toml`` and the paired saving;
4. ``risk/``: stress tests on common random numbers and the host risk premium;
5. ``tariffs/``: per-capita, activity-based and cooperative-game tariffs, with the risk premium (c(S) on the same
   verified capacity as the catalogue);
6. ``briefing/``: the board briefing (HTML without code, PNG plots, Excel tariff schedule), reusing 2-5.

Every step's results are computed once and handed to the briefing, so the notebook does not redo them.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from model.commands._common import (
    add_scenario_arguments,
    add_shared_options,
    check_workers,
    scenario_from_args,
    show_progress,
    shown_path,
    with_seed,
)
from model.commands.brief import BRIEFING_FOLDER, print_briefing_paths
from model.commands.optimise import add_verification_arguments
from model.reporting import RunFolder, format_table

STEPS = ("static", "simulation", "catalogue", "risk", "tariffs", "briefing")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run a scenario end to end (default scenario when omitted)",
        description=(
            "Run a scenario end to end: simulate, optimise the catalogue, stress-test the host's risk, set tariffs "
            "and render the board briefing, all into one new folder results/<scenario>/<timestamp>-<seed>/. "
            "Time is in working days, money in pounds per year."
        ),
    )
    add_scenario_arguments(parser)
    add_shared_options(
        parser,
        "run",
        replications="replications of the simulation, the stress tests and the briefing (default: the scenario's "
        "simulation.replications)",
        workers="processes for replications and coalitions",
        quiet="no progress lines or bars on stderr",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=[step for step in STEPS if step != "static"],
        help="leave out a step (repeatable); the briefing then computes what it needs itself or says it is missing",
    )
    parser.add_argument(
        "--keep-cases",
        action="store_true",
        help="write simulation/cases.parquet even when large (by default only up to 100,000 case records; the "
        "same `sharedhr simulate --keep-cases` reproduces them exactly)",
    )
    add_verification_arguments(parser)
    parser.set_defaults(handler=run_scenario)


class _Steps:
    """Prints ``[k/N] step ... done in s`` lines on stderr: the run's progress at a glance."""

    def __init__(self, names: list[str], quiet: bool) -> None:
        self.names = names
        self.quiet = quiet
        self.done = 0

    def start(self, description: str) -> float:
        self.done += 1
        if not self.quiet:
            print(f"[{self.done}/{len(self.names)}] {description} ...", file=sys.stderr, flush=True)
        return time.perf_counter()

    def finish(self, started: float) -> None:
        if not self.quiet:
            print(f"      done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)


def run_scenario(args: argparse.Namespace) -> int:
    from model.scenario import UserError
    from model.simulation import summary

    if args.replications is not None and args.replications < 2:
        raise UserError("--replications must be at least 2 (confidence intervals need two)")
    check_workers(args)
    scenario = with_seed(scenario_from_args(args), args.seed)
    replications = args.replications or scenario.simulation.replications
    steps = [step for step in STEPS if step not in args.skip]
    quiet = not show_progress(args)
    progress = _Steps(steps, quiet)
    show_bars = not quiet and sys.stderr.isatty()
    results: dict[str, Any] = {}
    headline = summary.cost_summary(scenario)
    outputs: dict[str, str] = {}

    with RunFolder(scenario, command="run", root=args.results_dir) as run:
        run.write_json("scenario.json", scenario.model_dump(mode="json"))
        started = progress.start("Demand, capacity and cost before simulating")
        static = run.subfolder("static")
        static.write_json("summary.json", headline)
        static.write_csv("demand.csv", summary.demand_summary(scenario))
        static.write_csv("host_staff.csv", summary.host_staff_cost(scenario))
        static.write_csv("non_pay_costs.csv", summary.non_pay_cost(scenario))
        progress.finish(started)

        if "simulation" in steps:
            from model.commands.simulate import CASES_AUTO_MAX_ROWS, write_experiment
            from model.simulation import multiple_replications

            started = progress.start(f"Simulating {replications} replications on {args.workers} worker(s)")
            experiment = multiple_replications(
                scenario, replications, workers=args.workers, progress=show_bars, keep_cases=True
            )
            # The briefing needs the case records in memory; on disk they are kept when small or asked for (a
            # default run's 190,000 cases are 11 MB even as Parquet: their times are random doubles).
            rows = 0 if experiment.cases is None else len(experiment.cases)
            keep = args.keep_cases or rows <= CASES_AUTO_MAX_ROWS
            write_experiment(run.subfolder("simulation"), experiment, cases=keep)
            if not keep:
                run.extra_manifest["cases_not_written"] = (
                    f"{rows:,} case records; `sharedhr run --keep-cases` (or `sharedhr simulate -n {replications} "
                    f"--seed {scenario.simulation.seed} --keep-cases` with the same scenario) writes them, identical"
                )
            results["experiment"] = experiment
            progress.finish(started)

        catalogue_options = None
        if "catalogue" in steps:
            from model.commands.optimise import verification_choice, verified_catalogue, write_verified

            choice = verification_choice(scenario, args)
            check = " and verifying it by simulation" if choice.verify else " (not verified by simulation)"
            started = progress.start(f"Optimising the service catalogue on {choice.capacity} capacity{check}")
            verified = verified_catalogue(scenario, args, explain=True, choice=choice)
            write_verified(run.subfolder("catalogue"), verified, scenario)
            results["verified_catalogue"] = verified
            results["catalogue_result"] = verified.result
            catalogue_options = verified.options
            progress.finish(started)

        premium = 0.0
        if "risk" in steps:
            from model.commands.risk import write_risk
            from model.risk import run_stress_tests

            started = progress.start(f"Stress tests and host risk premium ({replications} paired replications)")
            risk_result = run_stress_tests(scenario, n=replications, workers=args.workers)
            write_risk(run.subfolder("risk"), risk_result)
            results["risk_result"] = risk_result
            premium = float(risk_result.premium.tariff_premium_gbp_per_year)
            progress.finish(started)

        if "tariffs" in steps:
            from model.fairness import tariff_table

            started = progress.start("Tariffs: per capita, activity, Shapley, nucleolus, closest core")
            tariff_result = tariff_table(
                scenario,
                host_risk_premium_gbp_per_year=premium,
                workers=args.workers,
                catalogue_options=catalogue_options,
            )
            tariff_result.write(run.subfolder("tariffs"))
            results["tariff_result"] = tariff_result
            progress.finish(started)

        if "briefing" in steps:
            from model.commands.brief import brief_into

            started = progress.start("Rendering the board briefing (notebook, HTML, plots, Excel)")
            # --seed reaches the notebook as an override too, so that its scenario is the one simulated here (the
            # precomputed results are only used for the same scenario content).
            seeded = [*args.overrides, f"simulation.seed={args.seed}"] if args.seed is not None else args.overrides
            paths = brief_into(
                run.subfolder(BRIEFING_FOLDER),
                args.scenario,
                replications=replications,
                seed=scenario.simulation.seed,
                workers=args.workers,
                overrides=seeded,
                progress=False,
                precomputed=results,
            )
            outputs = dict(paths)
            progress.finish(started)

    assert run.path is not None
    _print_summary(scenario, headline, results)
    if outputs:
        print_briefing_paths(run.path, outputs, heading="Board briefing")
    else:
        print(f"\nResults written to {shown_path(run.path)}")
    return 0


def _print_summary(scenario: Any, headline: dict[str, float], results: dict[str, Any]) -> None:
    """The few numbers a reader wants on screen, led by the verified recommendation; the rest is in the run folder."""
    verified = results.get("verified_catalogue")
    if verified is not None:
        from model.commands.optimise import print_headline

        print_headline(verified)
        print()
    print(f"Scenario: {scenario.name} (full membership: {headline['member_headcount']:.0f} staff)")
    print(
        f"Today: host team {headline['host_fte']:.1f} FTE, expected cost from the inputs GBP "
        f"{headline['total_cost_gbp_per_year']:,.0f} a year "
        f"(GBP {headline['cost_per_head_gbp_per_year']:,.0f} per head), surplus GBP {headline['surplus_gbp_per_year']:,.0f}"
    )
    experiment = results.get("experiment")
    if experiment is not None:
        summary = experiment.summary()
        overall = summary[(summary["metric"] == "sla_attainment") & (summary["service"] == "all")]
        overall = overall[(overall["member"] == "all") & (overall["period"] == "all")]
        if len(overall):
            row = overall.iloc[0]
            print(
                f"Simulated SLA attainment (all services): {row['mean']:.1%} "
                f"(95% CI {row['ci_low']:.1%} to {row['ci_high']:.1%}, {int(row['n'])} replications)"
            )
    catalogue = results.get("catalogue_result")
    if catalogue is not None:
        print(
            f"Optimiser's planning figure for the recommended catalogue: GBP {catalogue.total_cost_gbp_per_year:,.0f} "
            f"a year, GBP {catalogue.saving_gbp_per_year:,.0f} less than every member going alone"
        )
    risk_result = results.get("risk_result")
    if risk_result is not None:
        premium = risk_result.premium
        print(f"Host risk premium: GBP {premium.tariff_premium_gbp_per_year:,.0f} a year")
    tariff_result = results.get("tariff_result")
    if tariff_result is not None:
        table = tariff_result.member_table()
        print("\nTariffs per member (GBP per year)")
        money_columns = [column for column in table.columns if column not in ("member", "headcount")]
        print(format_table(table, dict.fromkeys(money_columns, "{:,.0f}")))
