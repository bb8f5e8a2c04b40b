"""``sharedhr sensitivity [SCENARIO]``: one-at-a-time tornado of total cost and SLA attainment, and a Morris
screening of the recommended catalogue's cost and attainment, with plots (see ``model.risk.sensitivity``)."""

from __future__ import annotations

import argparse

from model.commands._common import (
    add_scenario_arguments,
    add_shared_options,
    check_workers,
    scenario_from_args,
    show_progress,
    shown_path,
)
from model.commands._paired import fraction, money, print_table, stderr_progress
from model.reporting import RunFolder
from model.risk import SENSITIVITY_INPUTS
from model.scenario import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sensitivity",
        help="tornado and Morris sensitivity of cost and KPI attainment to the main inputs",
        description=(
            "Tornado: demand, effort, sickness, salaries and external prices one at a time at --low/--high "
            "multipliers, paired with the base (common random numbers), on total cost and SLA attainment. Morris "
            "(SALib): elementary effects of the same inputs on the recommended catalogue's cost (re-sized at fixed "
            "modes) and on its simulated attainment. Plots are written to the run folder."
        ),
    )
    add_scenario_arguments(parser)
    parser.add_argument("--low", type=float, default=0.8, help="low multiplier (default 0.8)")
    parser.add_argument("--high", type=float, default=1.2, help="high multiplier (default 1.2)")
    parser.add_argument(
        "--inputs", nargs="+", choices=list(SENSITIVITY_INPUTS), default=None, help="inputs to vary (default: all)"
    )
    parser.add_argument("--trajectories", type=int, default=10, help="Morris trajectories (10: 60 points)")
    parser.add_argument("--levels", type=int, default=4, help="Morris grid levels (4)")
    parser.add_argument("--morris-replications", type=int, default=2, help="replications per Morris point (2)")
    parser.add_argument("--window-months", type=int, default=12, help="Morris KPI window: last N months (12)")
    parser.add_argument("--no-tornado", action="store_true", help="skip the tornado")
    parser.add_argument("--no-morris", action="store_true", help="skip the Morris screening")
    add_shared_options(
        parser,
        "sensitivity",
        replications="replications per tornado point (default 5)",
        replications_default=5,
        workers="local worker processes for tornado replications",
        seed="seed (default: the scenario's simulation.seed)",
        quiet="no progress lines on stderr",
    )
    parser.set_defaults(handler=run_sensitivity)


def run_sensitivity(args: argparse.Namespace) -> int:
    from model.reporting import plots, risk_plots
    from model.risk import sensitivity

    if args.no_tornado and args.no_morris:
        raise UserError("nothing to do: --no-tornado and --no-morris together")
    check_workers(args)
    scenario = scenario_from_args(args)
    say = stderr_progress(show_progress(args))
    tornado = morris = None
    if not args.no_tornado:
        tornado = sensitivity.tornado(
            scenario,
            args.inputs,
            args.low,
            args.high,
            args.replications,
            seed=args.seed,
            workers=args.workers,
            progress=say,
        )
    if not args.no_morris:
        morris = sensitivity.morris_screening(
            scenario,
            args.trajectories,
            args.levels,
            args.low,
            args.high,
            args.morris_replications,
            args.window_months,
            seed=args.seed,
            inputs=args.inputs,
            progress=say,
        )
    with RunFolder(scenario, command="sensitivity", seed=args.seed, root=args.results_dir) as run:
        summary: dict[str, object] = {"low": args.low, "high": args.high}
        if tornado is not None:
            run.write_csv("tornado.csv", tornado.table)
            for output, figure in risk_plots.tornado_figures(tornado).items():
                plots.save_figure(figure, run.file(f"tornado_{output}.png"))
                plots.close(figure)
            summary["tornado_base"] = tornado.base
            summary["tornado_replications"] = tornado.replications
        if morris is not None:
            run.write_csv("morris_indices.csv", morris.indices)
            run.write_csv("morris_points.csv", morris.points)
            figure = risk_plots.morris_figure(morris)
            plots.save_figure(figure, run.file("morris.png"))
            plots.close(figure)
            summary["morris"] = {
                "trajectories": morris.trajectories,
                "levels": morris.levels,
                "replications_per_point": morris.replications,
                "window_months": morris.window_months,
                "recommended_cost_gbp_per_year": morris.recommended_cost_gbp_per_year,
                "notes": morris.notes,
            }
        run.write_json("sensitivity.json", summary)

    print(f"Scenario: {scenario.name}; inputs x{args.low:g} / x{args.high:g}")
    print()
    if tornado is not None:
        for output, label in sensitivity.OUTPUT_LABELS.items():
            rows = tornado.table[tornado.table["output"] == output]
            formatter = money if "GBP" in label else fraction
            print_table(
                f"Tornado: {label}; base {formatter(tornado.base[output])}; {tornado.replications} paired replications",
                rows[["parameter", "low", "high", "swing"]],
                {"low": formatter, "high": formatter, "swing": formatter},
            )
    if morris is not None:
        for output in ("catalogue_cost_gbp_per_year", "sla_attainment"):
            rows = morris.indices[morris.indices["output"] == output]
            formatter = money if "gbp" in output else (lambda v: f"{v:.4f}")
            print_table(
                f"Morris ({morris.trajectories} trajectories): {output} (effect of each input across its range)",
                rows[["parameter", "mu_star", "mu_star_conf", "sigma", "mu"]],
                {"mu_star": formatter, "mu_star_conf": formatter, "sigma": formatter, "mu": formatter},
            )
        for note in morris.notes:
            print(f"note: {note}")
    print(f"Results written to {shown_path(run.path)}")
    return 0
