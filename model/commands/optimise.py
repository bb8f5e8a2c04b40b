"""``sharedhr optimise [SCENARIO]``: the cheapest service catalogue (shared, in-house or external for every service and
member) with its staffing, sized on simulator-calibrated pool capacity and verified by simulation
(``model.optimisation.verification``), written to a new run folder under results/ with ``recommended.toml``."""

from __future__ import annotations

import argparse
from typing import Any

from model.commands._common import (
    add_scenario_arguments,
    add_shared_options,
    check_workers,
    scenario_from_args,
    shown_path,
    with_seed,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "optimise",
        help="optimise the service catalogue: shared, in-house or external per service and member",
        description=(
            "Choose for every service and member the cheapest delivery mode (shared by the host team, in house or "
            "external) and the staff of every team, so that every service meets its KPI reliability. Pool capacity "
            "is calibrated by the simulator (cached), the recommendation is simulated and re-solved until it meets "
            "every KPI, and its saving against today is a paired simulation result. Writes decisions.csv, "
            "staffing.csv, teams.csv, costs.csv, why.csv (the cost of each next-best choice), capacity.csv, "
            "verification.csv, reliability.csv, recommended.toml (the recommendation as an editable scenario) and "
            "summary.json to results/<scenario>/<timestamp>-<seed>/. Money in pounds per year."
        ),
    )
    add_scenario_arguments(parser)
    parser.add_argument(
        "--no-why",
        dest="explain",
        action="store_false",
        help="skip the re-solves that cost each decision's next-best choice (faster)",
    )
    parser.add_argument(
        "--force",
        action="append",
        default=[],
        metavar="SERVICE:MEMBER=MODE",
        help="force a decision, e.g. --force 'od_learning:East and North Hertfordshire CCG=external' (repeatable)",
    )
    parser.add_argument(
        "--coalitions",
        action="store_true",
        help="also compute c(S) for every coalition of members (coalition_costs.csv, for the tariff game)",
    )
    parser.add_argument(
        "--seasonal-peak", action="store_true", help="size teams for the busiest month instead of the annual mean"
    )
    parser.add_argument(
        "--fte-step", type=float, default=0.5, help="staffing step in FTE (0.5: half-time pools allowed; 1: whole)"
    )
    parser.add_argument(
        "--measure",
        choices=["sojourn", "wait"],
        default="sojourn",
        help="KPI clock for the queueing capacity: queue + work time (sojourn, default) or queue only (wait)",
    )
    add_verification_arguments(parser)
    add_shared_options(
        parser,
        "optimise",
        workers="processes for the verification's replications and --coalitions",
        seed="random seed of the verification's simulations (default: the scenario's simulation.seed)",
        unused={
            "replications": "the verification's replications are --verification-replications, as in run",
            "quiet": "it shows no progress",
        },
    )
    parser.set_defaults(handler=run_optimise)


AUTO_VERIFY_MAX_MEMBERS = 12
"""``model.optimisation.verification.AUTO_MAX_MEMBERS`` for the help text, without importing the optimiser to build
the parser (a test checks they agree)."""


def add_verification_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the calibrated, verified catalogue (shared by ``optimise``, ``run`` and ``tariffs``)."""
    parser.add_argument(
        "--capacity",
        choices=["auto", "calibrated", "analytic"],
        default="auto",
        help="pool capacity: calibrated by the simulator (cached on disk) or Erlang C (analytic start; the "
        f"verification still cuts what the simulator rejects); auto (default): calibrated up to {AUTO_VERIFY_MAX_MEMBERS} "
        "members, Erlang C above (a regional service takes hours to simulate; the output says so)",
    )
    verify = parser.add_mutually_exclusive_group()
    verify.add_argument(
        "--verify",
        dest="verify",
        action="store_true",
        default=None,
        help=f"simulate the recommendation and cut what fails (default up to {AUTO_VERIFY_MAX_MEMBERS} members)",
    )
    verify.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="solve once on the capacity table and skip the simulation of the recommendation (figures unconfirmed; "
        f"the default above {AUTO_VERIFY_MAX_MEMBERS} members)",
    )
    parser.add_argument(
        "--verification-replications",
        type=int,
        default=20,
        metavar="N",
        help="replications of the settled service per verification round and for the paired saving (default 20)",
    )


def _forced(values: list[str]) -> dict[tuple[str, str], str]:
    from model.scenario import UserError

    forced: dict[tuple[str, str], str] = {}
    for value in values:
        head, sep, mode = value.rpartition("=")
        service, colon, member = head.partition(":")
        if not sep or not colon or not service or not member or not mode:
            raise UserError(f"--force {value}: expected SERVICE:MEMBER=MODE")
        forced[(service.strip(), member.strip())] = mode.strip()
    return forced


def write_catalogue(run: Any, result: Any, extra: dict[str, Any] | None = None) -> None:
    """Write a ``model.optimisation.catalogue.CatalogueResult`` into a run folder (or sub-folder): ``summary.json`` (totals,
    stand-alone costs, solve times, plus ``extra``), ``decisions.csv``, ``staffing.csv``, ``teams.csv``,
    ``costs.csv``, ``why.csv`` and, when some modes were ruled out before solving, ``unavailable.csv``."""
    summary = {
        "status": result.status,
        "total_cost_gbp_per_year": result.total_cost_gbp_per_year,
        "standalone_total_gbp_per_year": result.standalone_total_gbp_per_year,
        "saving_gbp_per_year": result.saving_gbp_per_year,
        "standalone_gbp_per_year": result.standalone_gbp_per_year,
        "solve_seconds": result.solve_seconds,
        "why_seconds": result.why_seconds,
        **(extra or {}),
    }
    run.write_json("summary.json", summary)
    run.write_csv("decisions.csv", result.decisions)
    run.write_csv("staffing.csv", result.staffing)
    run.write_csv("teams.csv", result.teams)
    run.write_csv("costs.csv", result.costs)
    run.write_csv("why.csv", result.why)
    if len(result.unavailable):
        run.write_csv("unavailable.csv", result.unavailable)


def verified_catalogue(
    scenario: Any,
    args: argparse.Namespace,
    options: Any = None,
    fixed: Any = None,
    explain: bool = True,
    choice: Any = None,
) -> Any:
    """The ``model.optimisation.verification.VerifiedCatalogue`` the command-line options ask for (``--capacity``,
    ``--verify``/``--no-verify``, ``--verification-replications``, ``--workers``); ``choice``: their
    ``verification_choice`` when the caller has it already."""
    from model.optimisation import CatalogueOptions, verified_optimise
    from model.scenario import UserError

    if args.verification_replications < 2:
        raise UserError("--verification-replications must be at least 2 (intervals need two)")
    choice = choice or verification_choice(scenario, args)
    return verified_optimise(
        scenario,
        options or CatalogueOptions(),
        fixed=fixed,
        calibrated=choice.calibrated,
        verify=choice.verify,
        replications=args.verification_replications,
        workers=max(1, getattr(args, "workers", 2)),
        explain=explain,
        note=choice.reason,
    )


def verification_choice(scenario: Any, args: argparse.Namespace) -> Any:
    """``model.optimisation.choose_verification`` for the parsed ``--capacity`` and ``--verify``/``--no-verify``."""
    from model.optimisation import choose_verification

    return choose_verification(scenario, getattr(args, "capacity", "auto"), getattr(args, "verify", None))


def write_verified(run: Any, verified: Any, scenario: Any) -> None:
    """Write a ``VerifiedCatalogue``: the catalogue files (``write_catalogue``) with the headline in summary.json,
    capacity.csv, verification.csv, reliability.csv and recommended.toml."""
    from model.optimisation import scenario_toml

    write_catalogue(run, verified.result, {"headline": verified.headline(), "seconds": verified.seconds})
    run.write_csv("capacity.csv", verified.table.frame())
    run.write_csv("verification.csv", verified.iterations)
    if verified.saving is not None:
        run.write_csv("reliability.csv", verified.saving.reliability)
    settled = verified.today.simulation
    window = (
        f"The settled service of scenario '{scenario.name}' (content SHA-256 {scenario.content_hash()}): the members "
        f"of its last month present from month 0 ({settled.start}), {settled.warm_up_months} months' warm-up, "
        f"{settled.horizon_months - settled.warm_up_months} months scored."
    )
    header = [
        "Recommended service catalogue, written by sharedhr optimise: each member's provision, the host team and",
        "the in-house teams as the optimiser recommends, verified by simulation: "
        + ("yes" if verified.verified else "NO (see verification.csv)")
        + f" ({verified.rounds} round(s)).",
        window,
        "Validate, simulate, edit or compare it like any scenario; today's team on the same service is today.toml:",
        "  sharedhr compare today.toml recommended.toml",
    ]
    run.write_text("recommended.toml", scenario_toml(verified.recommended, header))
    run.write_text(
        "today.toml", scenario_toml(verified.today, ["Today's team and provision on the same settled service.", window])
    )


def print_headline(verified: Any) -> None:
    """The one headline: recommended cost (CI), saving against today (CI), reliability per service."""
    from model.optimisation import reliability_summary, saving_in_words
    from model.reporting import format_table

    headline = verified.headline()
    if verified.note:
        print(f"Note: {verified.note}")
    if verified.saving is None:
        why = "" if verified.note else ": --no-verify"
        print(
            f"Recommended catalogue: GBP {verified.result.total_cost_gbp_per_year:,.0f} a year (optimiser's planning "
            f"figure, NOT confirmed by simulation{why})"
        )
        return
    cost = headline["recommended_cost_gbp_per_year"]
    saving = headline["saving_gbp_per_year"]
    today = headline["today_cost_gbp_per_year"]
    level = f"{headline['confidence']:.0%}"
    print(
        f"Recommended catalogue: GBP {cost['mean']:,.0f} a year ({level} CI {cost['ci_low']:,.0f} to "
        f"{cost['ci_high']:,.0f}), simulated with {headline['replications']} replications of the settled service"
    )
    is_saving, amount, low, high = saving_in_words(saving)
    print(
        f"Against today (GBP {today['mean']:,.0f} a year, same replications): "
        f"{'saving' if is_saving else 'extra cost'} GBP {amount:,.0f} a year ({level} CI {low:,.0f} to {high:,.0f})"
    )
    state = "verified" if verified.verified else "NOT verified"
    print(
        f"KPI reliability ({state} in {verified.rounds} round(s); share of review periods meeting the target, "
        "lowest team per service):"
    )
    table = reliability_summary(verified.verdicts)
    table = table.assign(
        reliability=[
            f"{r:.0%} ({lo:.0%}-{hi:.0%})"
            for r, lo, hi in zip(table.reliability, table.ci_low, table.ci_high, strict=True)
        ],
        target=[f"{t:.0%}" for t in table.target],
    )
    print(format_table(table[["service", "team", "reliability", "target", "verdict"]]))
    print(
        f"The optimiser's planning figure for the same catalogue is GBP {verified.result.total_cost_gbp_per_year:,.0f} "
        "(whole posts at full pay; the simulation adds vacancies, backfill and per-case charges as they happen)."
    )


def run_optimise(args: argparse.Namespace) -> int:
    import pandas as pd

    from model.optimisation import CatalogueOptions
    from model.reporting import RunFolder, format_table

    check_workers(args)
    scenario = with_seed(scenario_from_args(args), args.seed)
    options = CatalogueOptions(fte_step=args.fte_step, measure=args.measure, seasonal_peak=args.seasonal_peak)
    verified = verified_catalogue(scenario, args, options, fixed=_forced(args.force), explain=args.explain)
    result = verified.result
    options = verified.options
    coalitions = None
    if args.coalitions:
        from model.optimisation import coalition_costs, subadditivity_violations

        table = coalition_costs(scenario, workers=args.workers, options=options)
        coalitions = pd.DataFrame(
            [
                {
                    "coalition": " + ".join(m for m in scenario.member_names if m in members),
                    "size": len(members),
                    "cost_gbp_per_year": cost,
                    "standalone_sum_gbp_per_year": sum(table[frozenset([m])] for m in members),
                }
                for members, cost in sorted(table.items(), key=lambda kv: (len(kv[0]), sorted(kv[0])))
            ]
        )
        violations = subadditivity_violations(table)

    extra = {
        "options": {
            "fte_step": options.fte_step,
            "measure": options.measure,
            "seasonal_peak": options.seasonal_peak,
            "capacity": args.capacity,
            "capacity_used": "calibrated" if verified.calibrated else "analytic",
            "verified": verified.verified,
            "verify_requested": args.verify,
            "verification_note": verified.note,
        },
        "forced": [f"{s}:{m}={o}" for (s, m), o in _forced(args.force).items()],
    }
    with RunFolder(scenario, command="optimise", root=args.results_dir) as run:
        run.write_json("scenario.json", scenario.model_dump(mode="json"))
        write_verified(run, verified, scenario)
        run.write_json("options.json", extra)
        if coalitions is not None:
            run.write_csv("coalition_costs.csv", coalitions)

    print(f"Scenario: {scenario.name}: optimal service catalogue ({result.status})")
    print()
    print_headline(verified)
    print()
    table = result.decision_table().reset_index()
    print(format_table(table))
    print()
    host = result.teams[result.teams["team"] == "shared (host team)"]
    if len(host):
        staff = ", ".join(f"{row.people} {row.role}" for row in host.itertuples(index=False))
        print(f"Host team: {int(host['people'].sum())} people ({staff})")
    in_house = result.teams[result.teams["team"] != "shared (host team)"]
    for team, rows in in_house.groupby("team", sort=False):
        staff = ", ".join(f"{row.people} {row.role}" for row in rows.itertuples(index=False))
        print(f"In-house team of {team}: {staff}")
    print()
    costs = result.cost_table().reset_index()
    money = {column: "{:,.0f}" for column in costs.columns if column != "component"}
    print("Annual cost by payer and component, GBP")
    print(format_table(costs, money))
    print()
    print(
        f"Optimiser's planning total GBP {result.total_cost_gbp_per_year:,.0f} a year against GBP "
        f"{result.standalone_total_gbp_per_year:,.0f} if every member went alone: saving GBP "
        f"{result.saving_gbp_per_year:,.0f} ({result.saving_gbp_per_year / result.standalone_total_gbp_per_year:.0%})"
        if result.standalone_total_gbp_per_year
        else f"Total GBP {result.total_cost_gbp_per_year:,.0f} a year"
    )
    if len(result.unavailable):
        print(f"{len(result.unavailable)} delivery options ruled out before solving: see unavailable.csv")
    if coalitions is not None:
        verdict = "subadditive" if not violations else f"NOT subadditive ({len(violations)} pairs of coalitions)"
        print(f"Coalition costs: {len(coalitions)} coalitions, c(S) is {verdict}")
    print(f"\nResults written to {shown_path(run.path)} (the recommendation as a scenario: recommended.toml)")
    return 0
