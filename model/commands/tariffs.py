"""``sharedhr tariffs [SCENARIO]``: fair tariffs per member (per-capita, activity-based, Shapley, nucleolus, closest
core to per-capita) with the core check -- would any group of members do better alone? -- written to a new run folder
(tariffs.csv, tariffs_by_service.csv, coalition_costs.csv, cost_lines.csv, core_check.json, tariffs.md)."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.commands._common import (
    add_scenario_arguments,
    add_shared_options,
    check_workers,
    recorded_argv,
    scenario_from_args,
    shown_path,
    with_seed,
)
from model.commands.optimise import add_verification_arguments, verified_catalogue
from model.reporting import RunFolder, format_table
from model.scenario import Scenario, UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tariffs",
        help="fair tariffs per member and the core check (would any group do better alone?)",
        description=(
            "Split the efficient annual cost of serving every member (the service catalogue optimiser's c(N)) by "
            "per-capita, activity-based, Shapley, nucleolus and closest-core-to-per-capita rules, compare with "
            "today's contributions and each member's stand-alone cost, and check every split against the core. "
            "Money in pounds per year. Writes results/<scenario>/<timestamp>-<seed>/."
        ),
    )
    add_scenario_arguments(parser)
    parser.add_argument(
        "--risk-premium",
        default="0",
        metavar="GBP|auto",
        help=(
            "host risk premium in pounds per year, charged to the non-host members by headcount (default 0); "
            "'auto' estimates it by simulation (model.risk.host_risk_premium: expected extra host cost of "
            "unplanned leave, paired replications with and without it)"
        ),
    )
    add_verification_arguments(parser)
    add_shared_options(
        parser,
        "tariffs",
        replications="replications for --risk-premium auto (default: the scenario's simulation.replications)",
        workers="processes for the coalition costs, the verification and --risk-premium auto",
        seed="random seed of the verification and --risk-premium auto (default: the scenario's simulation.seed)",
        unused={"quiet": "it shows no progress"},
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="Dask scheduler address for the coalition costs of a partnership too big for the coalition table (more "
        "than 12 members); default: $DASK_SCHEDULER_ADDRESS, else local processes. Same seed, same tariffs",
    )
    # Deprecated spelling of -n, hidden from --help.
    parser.add_argument("--risk-replications", dest="replications", type=int, help=argparse.SUPPRESS)
    parser.set_defaults(handler=run_tariffs)


def risk_premium_from_args(args: argparse.Namespace, scenario: Scenario) -> tuple[float, str]:
    """The premium in pounds per year and a line saying where it comes from (``--risk-premium GBP|auto``)."""
    from model.fairness import format_gbp

    text = str(args.risk_premium).strip()
    if text.lower() == "auto":
        from model.risk import stress as risk

        replications = args.replications
        if replications is not None and replications < 2:
            raise UserError("--replications must be at least 2 (the premium comes with a confidence interval)")
        estimate = risk.host_risk_premium(scenario, replications, workers=max(1, args.workers))
        premium = float(estimate.tariff_premium_gbp_per_year)
        return premium, (
            f"Host risk premium GBP {format_gbp(premium)} a year, estimated by simulation over "
            f"{estimate.replications} paired replications (expected extra host cost of unplanned leave "
            f"GBP {format_gbp(estimate.premium_gbp_per_year)}, 95% interval GBP {format_gbp(estimate.ci_low)} to "
            f"{format_gbp(estimate.ci_high)}; floored at 0)"
        )
    try:
        premium = float(text)
    except ValueError:
        raise UserError(f"--risk-premium: expected pounds per year or 'auto', got '{text}'") from None
    return premium, f"Host risk premium GBP {format_gbp(premium)} a year (given)" if premium else ""


@dataclass
class TariffsOutcome:
    """What ``sharedhr tariffs`` computed (``model.fairness.tariffs.TariffResult``), the premium and where it was written."""

    scenario: Scenario
    result: Any
    verified: Any
    premium: float
    premium_line: str
    run_path: Path


def tariffs_from_args(args: argparse.Namespace) -> TariffsOutcome:
    """Compute the tariffs the parsed command line asks for and write the run folder (shared by the CLI and the web
    app)."""
    from model.fairness import tariff_table

    check_workers(args)
    scenario = with_seed(scenario_from_args(args), args.seed)
    premium, premium_line = risk_premium_from_args(args, scenario)
    with coalition_client(getattr(args, "dask", None)) as client:  # first: a scheduler out of reach fails at once
        verified = verified_catalogue(scenario, args, explain=False)
        result = tariff_table(
            scenario,
            host_risk_premium_gbp_per_year=premium,
            workers=max(1, args.workers),
            catalogue_options=verified.options,
            scale_options={"client": client} if client is not None else None,
        )
    if verified.note:
        result.notes.insert(0, verified.note)
    with RunFolder(
        scenario,
        command="tariffs",
        root=args.results_dir,
        extra_manifest={"host_risk_premium_gbp_per_year": premium, "risk_premium_source": str(args.risk_premium)},
        argv=recorded_argv(args),
    ) as run:
        result.write(run)
    assert run.path is not None
    return TariffsOutcome(scenario, result, verified, premium, premium_line, run.path)


@contextlib.contextmanager
def coalition_client(address: str | None) -> Iterator[Any]:
    """A Dask client for the at-scale coalition oracle when ``--dask`` (or ``$DASK_SCHEDULER_ADDRESS``) names a
    scheduler, else None (local processes); closed afterwards. A scheduler that cannot be used is a one-line error
    (``model.simulation.connect_dask``)."""
    from model.simulation import connect_dask, dask_address_from

    chosen = dask_address_from(address)
    if chosen is None:
        yield None
        return
    client = connect_dask(chosen)
    try:
        yield client
    finally:
        client.close()


def run_tariffs(args: argparse.Namespace) -> int:
    from model.fairness import METHOD_LABELS, format_gbp
    from model.fairness.cost_lines import METHODS

    outcome = tariffs_from_args(args)
    scenario, result, verified, premium_line = outcome.scenario, outcome.result, outcome.verified, outcome.premium_line
    totals = result.totals
    print(f"Scenario: {scenario.name} ({len(result.players)} members, host {result.host})")
    print(
        f"Cost to share c(N) GBP {format_gbp(totals['grand_coalition_cost_gbp_per_year'])} a year; members alone "
        f"GBP {format_gbp(totals['stand_alone_total_gbp_per_year'])}; sharing saves "
        f"GBP {format_gbp(totals['sharing_saving_gbp_per_year'])}"
    )
    check = "verified by simulation" if verified.verified else "not verified by simulation"
    print(
        f"Coalition costs on {verified.capacity} pool capacity, the recommended team {check} ({verified.rounds} round(s))"
    )
    if premium_line:
        print(premium_line)
    print()
    table = result.member_table()
    table = table.rename(
        columns={
            "member": "member",
            "stand_alone": "stand-alone",
            "net_today": "today (net)",
            "risk_premium": "risk premium",
            **{m: METHOD_LABELS[m].lower() for m in METHODS},
        }
    )
    for column in table.columns:
        if column not in ("member", "headcount"):
            table[column] = [format_gbp(value) for value in table[column]]
    print("Annual charge per member (GBP per year; invoice = column + risk premium)")
    print(format_table(table))
    print()
    if "methods_used" in result.core:  # beyond the exact size: say how each column was made
        print("Methods (too many members for the coalition table):")
        for column, how in result.core["methods_used"].items():
            print(f"  {column}: {how}")
        widths = result.core["shapley_half_width_gbp_per_year"]
        print("  Shapley 95% intervals: +/- " + ", ".join(f"{m} GBP {format_gbp(w)}" for m, w in widths.items()))
        print()
    print("Would any group of members do better alone?")
    for method in METHODS:
        print(f"  {METHOD_LABELS[method]}: {result.core['methods'][method]['verdict']}")
    if "today" in result.core:
        print(f"  Today: {result.core['today']['verdict']}")
    print()
    print(
        f"Surplus today GBP {format_gbp(totals['surplus_gbp_per_year'])} ({result.surplus_rule}): refunded "
        f"GBP {format_gbp(totals['surplus_refunded_gbp_per_year'])}, "
        f"invested GBP {format_gbp(totals['surplus_invested_gbp_per_year'])}"
    )
    for note in result.notes:
        print(f"Note: {note}")
    print(f"\nResults written to {shown_path(outcome.run_path)}")
    return 0
