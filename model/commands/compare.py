"""``sharedhr compare BASE.toml [WHATIF.toml] [--set PATH=VALUE ...]``: paired differences (common random numbers)
with t confidence intervals for cost, KPIs and each member's invoice (see ``model.risk.whatif``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from model.commands._common import check_workers, shown_path
from model.commands._paired import add_replication_arguments, fraction, money, print_table
from model.commands.optimise import add_verification_arguments
from model.reporting import RunFolder
from model.scenario import UserError, apply_overrides, load_scenario


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="what-if: paired differences between two scenarios, or a scenario and --set overrides",
        description=(
            "Simulate BASE and WHATIF on the same replications with the same seed (BASE's) and report what-if minus "
            "base per replication, with t confidence intervals: total and unplanned cost, SLA attainment and "
            "P(KPI met) per service, and each member's invoice. Without WHATIF, the what-if is BASE with the --set "
            "overrides; with both, --set applies to WHATIF."
        ),
    )
    parser.add_argument("base", help="base scenario .toml")
    parser.add_argument("whatif", nargs="?", default=None, help="what-if scenario .toml (default: BASE + --set)")
    parser.add_argument(
        "--set-both",
        dest="both",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a field of BOTH scenarios first (e.g. --set-both simulation.horizon_months=12)",
    )
    add_replication_arguments(
        parser,
        "compare",
        default_help="BASE's",
        set_help='override a field of the what-if, e.g. --set "members.Luton CCG.headcount=300"',
        unused={"quiet": "it shows no progress"},
    )
    parser.add_argument("--confidence", type=float, default=0.95, help="two-sided confidence level (0.95)")
    parser.add_argument(
        "--breach-cost", type=float, default=0.0, metavar="GBP", help="price of a case that misses its KPI (0)"
    )
    parser.add_argument("--no-tariffs", action="store_true", help="skip the tariff table (it solves every coalition)")
    parser.add_argument("--all", action="store_true", help="print every measure, not only the headline ones")
    add_verification_arguments(parser)
    parser.set_defaults(handler=run_compare)


def run_compare(args: argparse.Namespace) -> int:
    from model.commands.optimise import verified_catalogue
    from model.risk import whatif

    check_workers(args)
    if not 0 < args.confidence < 1:
        raise UserError(f"--confidence must be between 0 and 1, got {args.confidence}")
    base = load_scenario(args.base)
    if args.whatif is None and not args.overrides:
        raise UserError("nothing to compare: give a WHATIF scenario or at least one --set PATH=VALUE")
    whatif_scenario = load_scenario(args.whatif) if args.whatif else base
    if args.both:
        base = apply_overrides(base, args.both)
        whatif_scenario = apply_overrides(whatif_scenario, args.both)
    if args.overrides:
        whatif_scenario = apply_overrides(whatif_scenario, args.overrides)

    def verified_options(scenario: Any) -> Any:
        return verified_catalogue(scenario, args, explain=False).options

    comparison = whatif.compare(
        base,
        whatif_scenario,
        args.replications,
        seed=args.seed,
        workers=args.workers,
        dask_address=args.dask,
        confidence=args.confidence,
        breach_cost_gbp_per_case=args.breach_cost,
        tariffs=not args.no_tariffs,
        catalogue_options=verified_options,
    )
    label = args.whatif or f"{Path(args.base).name} + " + " ".join(f"--set {o}" for o in args.overrides)
    if args.both:
        label += " (both: " + " ".join(f"--set-both {o}" for o in args.both) + ")"
    extra = {"whatif": {"scenario": whatif_scenario.name, "sha256": whatif_scenario.content_hash(), "source": label}}
    with RunFolder(base, command="compare", seed=comparison.seed, root=args.results_dir, extra_manifest=extra) as run:
        run.write_csv("differences.csv", comparison.differences)
        run.write_csv("pairs.csv", comparison.pairs)
        run.write_csv("static.csv", comparison.static)
        run.write_csv("changes.csv", comparison.changes)
        run.write_csv("tariffs.csv", comparison.tariffs)
        run.write_json("comparison.json", {"whatif": label, "notes": comparison.notes})

    print(f"Base: {base.name}; what-if: {label}; {comparison.replications} paired replications, seed {comparison.seed}")
    print()
    print_table("What changed", comparison.changes.head(30))
    shown = comparison.differences if args.all else comparison.headline()
    shown = shown.copy()
    shown["sig"] = ["*" if s else "" for s in shown["significant"]]
    level = f"{comparison.confidence:.0%}"
    columns = ["measure", "service", "member", "base_mean", "whatif_mean", "difference", "ci_low", "ci_high", "sig"]
    is_fraction = shown["measure"].isin(["sla_attainment", "kpi_met", "review_breach_share", "kpi_reliability"])
    for label_, mask in (("fractions (0-1)", is_fraction), ("pounds per year and other units", ~is_fraction)):
        part = shown[mask][columns]
        formatter = fraction if "fractions" in label_ else money
        print_table(
            f"What-if minus base, {label_}; {level} paired t interval; * = interval excludes 0",
            part,
            {c: formatter for c in ("base_mean", "whatif_mean", "difference", "ci_low", "ci_high")},
        )
    if len(comparison.tariffs):
        table = comparison.tariffs.pivot_table(index="member", columns="method", values="difference", sort=False)
        table = table.reset_index()
        print_table(
            "Tariff per member, what-if minus base (model.fairness.tariffs, pounds per year; no risk premium)",
            table,
            {c: money for c in table.columns if c != "member"},
        )
    for note in comparison.notes:
        print(f"note: {note}")
    print(f"Results written to {shown_path(run.path)}")
    return 0
