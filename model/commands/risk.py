"""``sharedhr risk [SCENARIO]``: stress tests against the base on common random numbers, the cost each puts on the
host, and the host risk premium that makes hosting cost-neutral in expectation (see ``model.risk``)."""

from __future__ import annotations

import argparse
from typing import Any

from model.commands._common import add_scenario_arguments, check_workers, scenario_from_args, show_progress, shown_path
from model.commands._paired import add_replication_arguments, fraction, money, print_table, stderr_progress
from model.reporting import RunFolder
from model.risk import COVID_SICKNESS_RATE, STRESS_KINDS
from model.scenario import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "risk",
        help="stress tests, host cost and the host risk premium",
        description=(
            "Run the scenario and its stress tests (Covid-era sickness, loss of the sole specialist, vacancy freeze, "
            "ER surge, a member leaving, a member joining) on the same random numbers, and price the host's risk of "
            "unplanned staff leave. Money in pounds per year, attainment as a fraction of cases within KPI."
        ),
    )
    add_scenario_arguments(parser)
    add_replication_arguments(parser, "risk")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=STRESS_KINDS,
        default=None,
        help="run only these stress families (default: all)",
    )
    parser.add_argument(
        "--sickness-rate", type=float, default=COVID_SICKNESS_RATE, help="stressed sickness rate (default 0.065)"
    )
    parser.add_argument("--specialist", default=None, help="role that loses its one person (default: most exposed)")
    parser.add_argument("--specialist-months", type=float, default=3.0, help="months the specialist is away (3)")
    parser.add_argument("--surge-factor", type=float, default=1.5, help="ER demand multiplier (default 1.5)")
    parser.add_argument("--leaver", default=None, help="member that leaves (default: largest non-host member)")
    parser.add_argument("--leave-month", type=int, default=None, help="month it leaves (default: mid KPI window)")
    parser.add_argument(
        "--breach-cost",
        type=float,
        default=0.0,
        metavar="GBP",
        help="price of a case that misses its KPI target, pounds (default 0: the SLA has no service credits)",
    )
    parser.add_argument(
        "--no-vacancy-offset",
        action="store_true",
        help="do not credit pay saved on vacant posts against agency cost (underspends refunded to members)",
    )
    parser.add_argument(
        "--probability",
        action="append",
        default=[],
        metavar="STRESS=P",
        help="annual probability of a stress (its name as printed); adds P x its extra cost to the premium",
    )
    parser.set_defaults(handler=run_risk)


def _probabilities(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            p = float(value)
        except ValueError:
            raise UserError(f"--probability {item}: expected STRESS=P with P a number") from None
        if not 0 <= p <= 1:
            raise UserError(f"--probability {item}: P must be between 0 and 1")
        out[name.strip()] = p
    return out


def write_risk(run: Any, result: Any) -> None:
    """Write a ``model.risk.RiskResult`` into a run folder (or sub-folder): summary, KPIs, paired differences,
    per-replication measures, the premium with its interval, and the risk plot."""
    from model.reporting import plots, risk_plots

    run.write_csv("risk_summary.csv", result.summary)
    run.write_csv("risk_kpis.csv", result.kpi)
    run.write_csv("risk_differences.csv", result.differences)
    run.write_csv("risk_replications.csv", result.measures)
    run.write_json(
        "premium.json",
        {
            **result.premium.as_dict(),
            "stress_tests": [{"name": t.name, "description": t.description} for t in result.tests],
            "notes": result.notes,
        },
    )
    figure = risk_plots.risk_figure(result)
    try:
        plots.save_figure(figure, run.file("risk.png"))
    finally:
        plots.close(figure)


def run_risk(args: argparse.Namespace) -> int:
    from model.risk import stress as risk

    check_workers(args)
    scenario = scenario_from_args(args)
    tests = risk.default_stress_tests(
        scenario,
        sickness_rate=args.sickness_rate,
        specialist=args.specialist,
        specialist_months=args.specialist_months,
        surge_factor=args.surge_factor,
        leaver=args.leaver,
        leave_month=args.leave_month,
    )
    if args.only:
        tests = [t for t in tests if t.kind in args.only]
    result = risk.run_stress_tests(
        scenario,
        tests,
        args.replications,
        seed=args.seed,
        workers=args.workers,
        dask_address=args.dask,
        breach_cost_gbp_per_case=args.breach_cost,
        stress_probabilities=_probabilities(args.probability),
        vacancy_offset=not args.no_vacancy_offset,
        progress=stderr_progress(show_progress(args)),
    )
    premium = result.premium
    with RunFolder(scenario, command="risk", seed=result.seed, root=args.results_dir) as run:
        write_risk(run, result)

    print(f"Scenario: {scenario.name}; {result.replications} paired replications, seed {result.seed}")
    print()
    summary = result.summary[
        [
            "stress",
            "attainment_mean",
            "attainment_p05",
            "p_any_kpi_breach",
            "worst_service",
            "agency_mean_gbp_per_year",
            "host_cost_mean_gbp_per_year",
            "host_cost_p95_gbp_per_year",
            "extra_vs_base_gbp_per_year",
            "extra_ci_low",
            "extra_ci_high",
        ]
    ].rename(
        columns={
            "attainment_mean": "SLA mean",
            "attainment_p05": "SLA P5",
            "p_any_kpi_breach": "P(any KPI missed)",
            "worst_service": "worst hit",
            "agency_mean_gbp_per_year": "agency",
            "host_cost_mean_gbp_per_year": "host cost",
            "host_cost_p95_gbp_per_year": "host P95",
            "extra_vs_base_gbp_per_year": "extra vs base",
            "extra_ci_low": "CI low",
            "extra_ci_high": "CI high",
        }
    )
    print_table(
        "Stress tests (GBP per year; SLA = share of cases within KPI over the KPI window)",
        summary,
        {
            "SLA mean": fraction,
            "SLA P5": fraction,
            "P(any KPI missed)": fraction,
            "agency": money,
            "host cost": money,
            "host P95": money,
            "extra vs base": money,
            "CI low": money,
            "CI high": money,
        },
    )
    breaches = result.kpi[
        (result.kpi["service"] != "all") & (result.kpi["stress"].isin(["base", *[t.name for t in tests]]))
    ]
    pivot = breaches.pivot_table(index="service", columns="stress", values="p_breach", sort=False)
    pivot = pivot.reset_index()
    print_table(
        "P(KPI missed over the window) by service",
        pivot,
        {column: fraction for column in pivot.columns if column != "service"},
    )
    print(
        f"Host risk premium: GBP {premium.tariff_premium_gbp_per_year:,.0f} a year "
        f"(expected extra host cost of unplanned leave GBP {premium.base_part_gbp_per_year:,.0f}, 95% CI "
        f"{premium.ci_low:,.0f} to {premium.ci_high:,.0f}; 95th percentile over replications GBP "
        f"{premium.p95_gbp_per_year:,.0f})"
    )
    if premium.loadings:
        print("  stress loadings: " + ", ".join(f"{k} GBP {v:,.0f}" for k, v in premium.loadings.items()))
    shares = ", ".join(f"{m} GBP {v:,.0f}" for m, v in premium.per_member.items() if v)
    if shares:
        print(
            f"  paid by the non-host members by headcount (GBP {premium.per_head_gbp_per_year:,.2f} a head): {shares}"
        )
    for note in result.notes:
        print(f"note: {note}")
    print(f"\nResults written to {shown_path(run.path)}")
    return 0
