"""``sharedhr run [SCENARIO]``: run the scenario end to end and write a new run folder under results/."""

from __future__ import annotations

import argparse

from model import summary
from model.commands._common import add_results_argument, add_scenario_arguments, scenario_from_args
from model.report import format_table
from model.results import RunFolder


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run a scenario end to end (default scenario when omitted)",
        description=(
            "Run a scenario end to end and write results/<scenario>/<timestamp>-<seed>/. "
            "Time is in working days, money in pounds per year."
        ),
    )
    add_scenario_arguments(parser)
    add_results_argument(parser)
    parser.set_defaults(handler=run_scenario)


def run_scenario(args: argparse.Namespace) -> int:
    scenario = scenario_from_args(args)
    headline = summary.cost_summary(scenario)
    demand = summary.demand_summary(scenario)
    staff = summary.host_staff_cost(scenario)
    non_pay = summary.non_pay_cost(scenario)
    with RunFolder(scenario, command="run", root=args.results_dir) as run:
        run.write_json("scenario.json", scenario.model_dump(mode="json"))
        run.write_json("summary.json", headline)
        run.write_csv("demand.csv", demand)
        run.write_csv("host_staff.csv", staff)
        run.write_csv("non_pay_costs.csv", non_pay)
    print(f"Scenario: {scenario.name} (full membership: {headline['member_headcount']:.0f} staff)")
    print()
    print("Expected demand per year at full membership")
    print(format_table(demand, {"cases_per_year": "{:,.0f}", "work_hours_per_year": "{:,.0f}"}))
    print()
    print(
        f"Host team {headline['host_fte']:.1f} FTE ({headline['host_fte_per_100_staff']:.2f} per 100 staff), "
        f"expected utilisation {headline['expected_utilisation']:.0%}"
    )
    print(
        f"Annual cost GBP {headline['total_cost_gbp_per_year']:,.0f} "
        f"(GBP {headline['cost_per_head_gbp_per_year']:,.0f} per head); "
        f"contributions GBP {headline['contributions_gbp_per_year']:,.0f}; "
        f"surplus GBP {headline['surplus_gbp_per_year']:,.0f}"
    )
    print(f"\nResults written to {run.path}")
    return 0
