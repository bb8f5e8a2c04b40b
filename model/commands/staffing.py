"""``sharedhr staffing [SCENARIO] --kpi-probability 0.9``: the smallest host staff per role that meets every KPI
with the given probability (Erlang-C start, simulator confirmation on common random numbers), and the people each
member would need on its own (see ``model.risk.staffing``)."""

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


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "staffing",
        help="size the host team per role for the KPIs, and compare with every member alone",
        description=(
            "Smallest host FTE per role such that every KPI is met with the given probability over the last "
            "--window-months of the horizon: Erlang-C start per role pool, then simulation up and down in FTE steps "
            "on the same replications until the answer is statistically clear (Wilson interval) or a cap is hit. "
            "Also the FTE and people each member would need on its own (analytic)."
        ),
    )
    add_scenario_arguments(parser)
    parser.add_argument(
        "--kpi-probability", type=float, default=0.9, help="required P(KPI met over the window), per KPI (0.9)"
    )
    parser.add_argument("--fte-step", type=float, default=0.5, help="staffing step in FTE (default 0.5)")
    parser.add_argument(
        "--window-months", type=int, default=12, help="KPI window = last N months of the horizon (default 12)"
    )
    parser.add_argument("--initial", type=int, default=10, help="replications per candidate before checking (10)")
    parser.add_argument("--batch", type=int, default=10, help="replications added while unclear (10)")
    parser.add_argument("--max-replications", type=int, default=60, help="cap per candidate (60)")
    parser.add_argument("--max-evaluations", type=int, default=40, help="cap on candidates simulated (40)")
    parser.add_argument("--analytic-only", action="store_true", help="Erlang-C sizing only, no simulation")
    add_shared_options(
        parser,
        "staffing",
        workers="local worker processes for replications",
        seed="seed (default: the scenario's simulation.seed)",
        quiet="no progress lines on stderr",
        unused={
            "replications": "each candidate gets --initial replications, then --batch more until the answer is "
            "clear, up to --max-replications"
        },
    )
    parser.set_defaults(handler=run_staffing)


def run_staffing(args: argparse.Namespace) -> int:
    from model.risk import staffing

    check_workers(args)
    scenario = scenario_from_args(args)
    sized = staffing.sizing_scenario(scenario, args.window_months)
    pools = staffing.analytic_staffing(sized, fte_step=args.fte_step)
    result = None
    if not args.analytic_only:
        result = staffing.size_staffing(
            scenario,
            args.kpi_probability,
            fte_step=args.fte_step,
            kpi_window_months=args.window_months,
            initial=args.initial,
            batch=args.batch,
            max_replications=args.max_replications,
            max_evaluations=args.max_evaluations,
            seed=args.seed,
            workers=args.workers,
            progress=stderr_progress(show_progress(args)),
        )
    standalone = result.standalone if result is not None else staffing.standalone_staffing(sized, args.fte_step)
    with RunFolder(scenario, command="staffing", seed=args.seed, root=args.results_dir) as run:
        run.write_csv("analytic_pools.csv", pools)
        run.write_csv("standalone.csv", standalone)
        if result is not None:
            run.write_csv("roles.csv", result.roles)
            run.write_csv("services.csv", result.services)
            run.write_csv("history.csv", result.history)
            run.write_json(
                "staffing.json",
                {
                    "kpi_probability": result.probability,
                    "fte": result.fte,
                    "replications_final": result.final.replications,
                    "statistically_clear": result.final.clear,
                    "notes": result.notes,
                },
            )
    print(
        f"Scenario: {scenario.name}; KPI window: months {sized.simulation.warm_up_months}-{sized.simulation.horizon_months - 1}"
    )
    print()
    print_table(
        "Erlang-C start per role pool (demand at the steady-state month; FTE meeting every KPI in the long run)",
        pools[["role", "services", "cases_per_year", "offered_load_fte", "sqrt_staffing_people", "erlang_fte"]],
        {"cases_per_year": "{:,.0f}", "offered_load_fte": "{:.2f}"},
    )
    if result is not None:
        print_table(
            f"Staffing meeting every KPI with probability {result.probability:.0%} (simulated)",
            result.roles[["role", "today_fte", "erlang_fte", "simulated_fte", "people", "cost_gbp_per_year"]],
            {"cost_gbp_per_year": money},
        )
        print_table(
            f"P(KPI met over the window) at that staffing ({result.final.replications} replications, Wilson 95%)",
            result.services[["service", "p_met", "p_low", "p_high", "verdict", "clear"]],
            {"p_met": fraction, "p_low": fraction, "p_high": fraction},
        )
    print_table(
        "Economies of scale: FTE and people each member would need on its own (analytic) vs pooled",
        standalone[["team", "fte", "people", "people_generalists", "cost_gbp_per_year"]],
        {"fte": "{:.1f}", "cost_gbp_per_year": money},
    )
    for note in result.notes if result is not None else []:
        print(f"note: {note}")
    print(f"Results written to {shown_path(run.path)}")
    return 0
