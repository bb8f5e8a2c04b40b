"""Mutation testing of the money and KPI paths: plant one small bug at a time and check the fast tests catch it.

Why a project script rather than mutmut or cosmic-ray: those tools run the whole mapped suite in a fresh process per
mutant (each start pays the pandas/Pyomo/SciPy imports) and mutate every line of a module, most of it I/O and
messages. This script mutates only the functions that compute money and KPIs (``TARGETS``) and runs, IN ONE PROCESS,
only the fast tests that exercise them, so a mutant costs about a second.

How a mutant is applied: the target function's source is parsed, ONE node is changed (operators ``+ - * /`` swapped,
comparisons flipped, ``and``/``or`` swapped, a unary minus dropped, ``min``/``max`` swapped, a number tweaked, an
augmented assignment reversed, a returned value replaced by ``None``), the function is recompiled at its original
line numbers and its ``__code__`` replaced, so every caller sees the mutant (including ``from module import f``).
Caches (``functools`` ``cache_clear``) of the model modules are cleared before each run. A mutant is KILLED when the
mapped tests fail (an exception or a timeout counts), SURVIVES when they pass; a mutant that cannot be compiled onto
the function (changed closure variables) is skipped and reported. A mutant of a default argument value is applied
to ``__defaults__``/``__kwdefaults__`` (a default is not part of ``__code__``: before the third pass such mutants
were silently not applied, so they always "survived").

Each mutant's tests run in a FORKED child of the module's process (``_run_forked``): the child inherits the imported
modules (a fork costs milliseconds, not the seconds of a fresh interpreter), applies the mutant, runs the tests and
exits with their verdict. A mutant that kills its process (HiGHS aborting on a malformed LP, a segfault,
``os._exit``) therefore ends only that child: it is counted as killed ("crash" column) and the run resumes with the
next mutant. The module's process never runs the tests itself, so it never starts HiGHS's worker threads before a
fork; it stays single-threaded (checked). ``EQUIVALENT`` lists survivors that cannot change
any result, with the reason; the score is killed / (mutants - equivalent).

Usage: ``python tools/mutation.py [--module kpis ...] [--function f ...] [--mutant KEY ...] [--list] [--timeout S]``
(``make mutation``; keys as printed by ``--list``).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import gc
import importlib
import inspect
import io
import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FunctionType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Target:
    """The functions of one module to mutate (``Class.method`` for methods) and the pytest arguments that test them."""

    module: str
    functions: tuple[str, ...]
    tests: tuple[str, ...]
    # functions whose own fast tests differ from ``tests``: name -> pytest arguments (each function runs only the tests
    # that cover it, so whole modules stay affordable)
    own_tests: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def tests_for(self, qualname: str) -> tuple[str, ...]:
        return dict(self.own_tests).get(qualname, self.tests)


_WHOLE = "tests/test_whole_module_mutants.py::test_"
_FIFTH = "tests/test_fifth_pass_mutants.py::test_"
_TARIFF_TESTS = (
    "tests/test_tariffs_hand.py",
    "tests/test_mutation_survivors.py",
    *(
        _WHOLE + name
        for name in (
            "today_cost_lines_of_every_mode_by_hand",
            "today_cost_lines_without_joint_purchasing_or_sharers",
            "active_members_are_those_with_demand_in_scenario_order",
            "today_cost_lines_split_pay_by_hours_even_under_an_hour_of_work",
            "today_cost_lines_without_demand",
            "core_check_of_a_one_player_game",
            "cost_lines_naming_a_non_player_or_nobody_are_rejected",
            "tariff_table_without_a_premium_has_no_premium_rows",
            "core_check_names_the_worst_group_and_breaks_ties_by_size_then_order",
            "own_delivery_counts_only_a_members_own_external_and_in_house_lines",
        )
    ),
    _FIFTH + "a_coalition_exactly_the_tolerance_below_the_worst_is_tied_with_it",
    _FIFTH + "a_cost_line_naming_nobody_says_none",
)
_CATALOGUE_LINES_TESTS = (*_TARIFF_TESTS, _WHOLE + "catalogue_cost_lines_follow_the_options_they_are_given")
_TARIFF_TABLE_TESTS = (
    *_TARIFF_TESTS,
    *(
        _FIFTH + name
        for name in (
            "a_small_partnership_with_the_default_costs_takes_the_exact_path",
            "beyond_the_exact_limit_tariff_table_returns_the_at_scale_result",
            "a_partnership_costing_under_a_pound_is_split_like_any_other",
            "a_member_without_demand_is_named_as_left_out_of_the_tariff",
            "the_member_limit_of_a_supplied_cost_function",
            "cost_lines_off_c_n_by_more_than_the_tolerance_are_scaled_with_a_note",
            "a_partnership_costing_nothing_has_a_non_empty_core",
            "a_core_empty_by_less_than_the_tolerance_counts_as_non_empty",
        )
    ),
    "tests/test_tariffs_default.py",
    "-k",
    "not cli_prints",
)
_GAMES_TESTS = (
    "tests/test_games_hand.py",
    "tests/test_mutation_survivors.py",
    "tests/test_whole_module_mutants.py::test_subadditivity_against_every_pair_of_disjoint_coalitions",
    "tests/test_whole_module_mutants.py::test_completion_by_cheapest_partition_against_brute_force",
    "tests/test_whole_module_mutants.py::test_scrb_by_hand",
    "tests/test_whole_module_mutants.py::test_an_allocation_missing_a_player_names_it",
    "tests/test_whole_module_mutants.py::test_core_tolerance_is_relative_to_the_largest_cost",
    "tests/test_whole_module_mutants.py::test_core_check_of_a_one_player_game",
    *(
        _FIFTH + name
        for name in (
            "core_check_counts_an_excess_equal_to_the_tolerance_as_in_the_core",
            "a_coalition_exactly_the_tolerance_below_the_worst_is_tied_with_it",
            "subadditivity_holds_with_a_saving_of_exactly_the_tolerance_missed",
            "scrb_splits_equally_when_remaining_benefits_sum_to_exactly_the_tolerance",
        )
    ),
)
_GAMES_LP_TESTS = (
    *_GAMES_TESTS,
    "tests/test_games_properties.py",
    "tests/test_games_errors.py::test_one_player_game",
    "tests/test_measured_mutants.py",
    "tests/test_games_nucleolus_generation.py",
)
_ABSENCE_TESTS = (
    "tests/test_forced_absence.py",
    "tests/test_mutation_survivors.py",
    "tests/test_whole_module_mutants.py::test_bank_holidays_by_hand",
    "tests/test_whole_module_mutants.py::test_leave_blocks_of_a_small_and_a_split_pool",
    "tests/test_whole_module_mutants.py::test_a_leave_block_can_start_on_any_whole_day_of_its_year",
    "tests/test_whole_module_mutants.py::test_vacancies_are_the_renewal_process_of_the_same_draws",
    "tests/test_whole_module_mutants.py::test_a_later_tenure_is_the_same_tenure_shifted",
    "tests/test_whole_module_mutants.py::test_leftover_bank_holidays_join_the_leave_pool",
    "tests/test_whole_module_mutants.py::test_the_first_person_in_post_starts_in_the_sickness_steady_state",
    "tests/test_whole_module_mutants.py::test_a_forced_sickness_from_day_0_is_long_term_sickness_from_day_0",
    _FIFTH + "a_leave_block_may_touch_a_bank_holiday_but_not_overlap_it",
    _FIFTH + "only_the_tenure_starting_on_day_0_starts_in_the_sickness_steady_state",
    _FIFTH + "a_bank_holiday_on_the_first_day_of_a_leave_year_blocks_leave",
    _FIFTH + "a_leave_remainder_of_at_most_a_billionth_of_a_day_is_dropped",
    _FIFTH + "no_vacancy_starts_at_the_horizon",
    _FIFTH + "a_post_refilled_at_once_is_never_vacant",
    _FIFTH + "a_tenure_has_no_burn_in_unless_asked",
    _FIFTH + "leave_at_the_end_of_a_later_tenure_is_off_its_scheduled_clock",
    _FIFTH + "a_forced_vacancy_from_day_0_is_a_vacancy_from_day_0",
)
_TIMELINE_TESTS = (
    *_ABSENCE_TESTS,
    "tests/test_measured_mutants.py",
    "tests/test_simulation_absence.py",
    "-m",
    "not slow",
)
_DEMAND_TESTS = (
    "tests/test_demand_arrivals.py",
    "tests/test_mutation_survivors.py",
    *(
        _WHOLE + name
        for name in (
            "backlog_ties_go_to_the_larger_member_then_by_name",
            "arrival_rate_window_and_calendar_by_hand",
            "thinned_arrivals_follow_the_documented_recipe",
            "quantiles_by_their_closed_forms",
            "case_attributes_follow_the_documented_recipe",
            "thinned_arrivals_over_many_chunks_and_a_tiny_expected_count",
        )
    ),
    "tests/test_fourth_pass_mutants.py::test_case_batches_default_to_replication_0_the_scenario_seed_and_horizon",
)
_KPI_TESTS = (
    "tests/test_money_terms.py",
    "tests/test_mutation_survivors.py",
    "tests/test_kpis.py",
    _WHOLE + "wait_statistics_by_hand",
    _WHOLE + "month_labels_cross_the_year_end",
    _WHOLE + "sla_by_review_period_after_a_warm_up_longer_than_a_period",
    _WHOLE + "backlog_counts_by_month_and_service",
    "tests/test_fourth_pass_mutants.py::test_reliability_counts_by_service_and_team_and_over_staffed_teams",
    "-k",
    "not real_run",
)

TARGETS: dict[str, Target] = {
    "kpis": Target(
        "model.simulation.kpis",
        (
            "_cost_metrics",
            "non_pay_by_service",
            "member_active_months",
            "_staff_metrics",
            "counted_cases",
            "_wait_stats",
            "_case_metrics",
            "_reliability_metrics",
            "_backlog_metrics",
            "replication_kpis",
            "month_label",
        ),
        _KPI_TESTS,
    ),
    "summary": Target(
        "model.simulation.summary",
        ("available_days_per_fte", "host_staff_cost", "non_pay_cost", "cost_summary"),
        ("tests/test_money_terms.py",),
    ),
    "tariffs": Target(
        "model.fairness.tariffs",
        ("today_contributions", "risk_premium_shares", "core_check", "_check_lines", "tariff_table"),
        _TARIFF_TESTS,
        tuple((name, _TARIFF_TABLE_TESTS) for name in ("core_check", "_check_lines", "tariff_table")),
    ),
    "cost_lines": Target(
        "model.fairness.cost_lines",
        (
            "_weights",
            "_spread",
            "_member_totals",
            "member_usage",
            "active_members",
            "allocate_lines",
            "build_game",
            "today_cost_lines",
            "catalogue_cost_lines",
        ),
        _TARIFF_TESTS,
        (
            ("today_cost_lines", _TARIFF_TABLE_TESTS),
            (
                "catalogue_cost_lines",
                (
                    *_TARIFF_TABLE_TESTS[:-2],
                    *_CATALOGUE_LINES_TESTS[-1:],
                    _FIFTH + "a_pool_of_exactly_a_tiers_headcount_buys_at_that_tier",
                    "-k",
                    "not cli_prints",
                ),
            ),
        ),
    ),
    "games": Target(
        "model.fairness.games",
        ("_subset_sums", "_popcount", "airport_game", "CostGame.is_subadditive", "_cheapest_partition"),
        _GAMES_TESTS,
        (("_cheapest_partition", _GAMES_LP_TESTS),),
    ),
    "solutions": Target(
        "model.fairness.solutions",
        (
            "_balance_exactly",
            "_shapley_weights",
            "_shapley_exact",
            "_allocation",
            "_vector",
            "shapley",
            "_equal_costs",
            "equal_split",
            "proportional",
            "scrb",
            "excesses",
            "core_check",
            "_pass_lp",
            "_solve",
            "_row_space",
            "_sequential_nucleolus",
            "_enumerated_nucleolus",
            "nucleolus",
            "prenucleolus",
            "per_capita_nucleolus",
            "least_core_epsilon",
            "core_is_nonempty",
            "_lexicographic_closest",
            "least_core",
            "closest_core_allocation",
        ),
        _GAMES_TESTS,
        tuple(
            (name, _GAMES_LP_TESTS)
            for name in (
                "core_check",
                "_pass_lp",
                "_solve",
                "_row_space",
                "_sequential_nucleolus",
                "_enumerated_nucleolus",
                "nucleolus",
                "prenucleolus",
                "per_capita_nucleolus",
                "least_core_epsilon",
                "core_is_nonempty",
                "_lexicographic_closest",
                "least_core",
                "closest_core_allocation",
            )
        ),
    ),
    "pooling": Target(
        "model.optimisation.pooling",
        (
            "availability",
            "service_rate_per_fte",
            "queueing_budget_days",
            "pool_capacity",
            "unreachable_reason",
            "staffing_options",
            "capacity_table",
        ),
        (
            "tests/test_pooling.py",
            "tests/test_mutation_survivors.py",
            *(
                "tests/test_measured_mutants.py::test_" + name
                for name in (
                    "unreachable_reason_names_each_cause_by_hand",
                    "staffing_menu_of_one_server_pools_by_hand",
                    "staffing_menu_from_a_measured_table_by_hand",
                    "staffing_menu_stops_at_the_largest_pool",
                )
            ),
        ),
    ),
    "queueing": Target(
        "model.optimisation.queueing",
        (
            "_check",
            "erlang_b",
            "erlang_c",
            "utilisation",
            "mmc_prob_wait",
            "mmc_mean_wait",
            "mmc_mean_sojourn",
            "mmc_mean_queue_length",
            "mmc_wait_tail",
            "mmc_sojourn_tail",
            "mm1_mean_wait",
            "square_root_staffing",
            "min_servers_for_wait",
            "max_arrival_rate",
        ),
        (
            "tests/test_queueing.py",
            "tests/test_mutation_survivors.py",
            "tests/test_measured_mutants.py::test_queue_inputs_are_checked_at_their_boundaries",
        ),
    ),
    "calibration": Target(
        "model.optimisation.calibration",
        ("search_capacity",),
        ("tests/test_calibration.py", "tests/test_mutation_survivors.py", "-k", "search"),
    ),
    "absence": Target(
        "model.simulation.absence",
        (
            "merge",
            "subtract",
            "clip",
            "overlap",
            "sickness_episode_rates",
            "complement",
            "PostTimeline.days",
            "bank_holiday_days",
            "leave_blocks",
            "vacancies",
            "sickness_spans",
            "scheduled_to_real",
            "tenure_sickness",
            "post_timeline",
        ),
        _ABSENCE_TESTS,
        tuple(
            (name, _TIMELINE_TESTS)
            for name in (
                "bank_holiday_days",
                "leave_blocks",
                "vacancies",
                "sickness_spans",
                "scheduled_to_real",
                "tenure_sickness",
                "post_timeline",
            )
        ),
    ),
    "demand": Target(
        "model.simulation.demand",
        (
            "active_in_month",
            "expected_annual_demand",
            "base_rate_per_day",
            "window_days",
            "arrival_rate_per_day",
            "steady_state_month",
            "quantile",
            "calendar_month_index",
            "expected_monthly_arrivals",
            "thinned_arrivals",
            "backlog_allocation",
            "draw_attributes",
            "case_batches",
        ),
        _DEMAND_TESTS,
    ),
}

# Survivors that cannot change any result, "module:function:description" -> reason (see docs/testing.md).
EQUIVALENT: dict[str, str] = {
    "kpis:_staff_metrics:line +4:45 0 -> 1": "every post of the staff table has the same window_days",
    "kpis:_staff_metrics:line +5:49 Gt -> GtE": "the KPI window is at least a month (warm-up < horizon)",
    "kpis:_staff_metrics:line +5:58 0 -> 1": "the KPI window is at least a month (warm-up < horizon)",
    "kpis:_staff_metrics:line +21:52 Gt -> GtE": "no available days means no busy days: numpy 0/0 is NaN either way",
    "kpis:_staff_metrics:line +27:57 Gt -> GtE": "no scheduled days means no sick days: numpy 0/0 is NaN either way",
    "solutions:_shapley_exact:line +8:52 0.0 -> 1.0": "the weight of size n is never indexed (coalitions without i)",
    "solutions:_balance_exactly:line +18:23 8 -> 9": "a 9th nudge: the sum is exact within the first two neighbours",
    "solutions:_balance_exactly:line +24:58 Gt -> GtE": "error == 0 has already returned: the branch never sees 0",
    "pooling:service_rate_per_fte:line +6:7 LtE -> Lt": "productivity 0 gives a rate of 0.0 through the formula too",
    "pooling:pool_capacity:line +10:30 1e-09 -> 1.5000000000000002e-09": "float guard of ceil: FTEs are 0.5 steps",
    "absence:merge:line +5:15 Gt -> GtE": "an equal end replaces the last interval with the same interval",
    "absence:subtract:line +5:34 LtE -> Lt": "a removal ending at the start cuts nothing: current stays at start",
    "absence:subtract:line +9:34 Lt -> LtE": "a removal starting at the end cuts nothing: the piece is the same",
    "demand:active_in_month:line +4:8 return None": "None and False are both false wherever the flag is used",
    "absence:sickness_episode_rates:line +4:7 LtE -> Lt": "s = 0 gives log1p(0) = 0: rates (0.0, -0.0) == (0, 0)",
    "absence:complement:line +2:75 Gt -> GtE": "an empty [start, start) window has no uncovered part either way",
    "cost_lines:catalogue_cost_lines:line +82:71 1e-06 -> 1.5e-06": "tolerance of an internal check a correct run never trips",
    "cost_lines:catalogue_cost_lines:line +82:85 0.01 -> 0.015": "tolerance of an internal check a correct run never trips",
    "absence:leave_blocks:line +4:7 LtE -> Lt": "a pool of 0 days gives no block through the loop too",
    "absence:bank_holiday_days:line +6:64 1 -> 2": "one more month past the horizon: its holidays are all cut",
    "cost_lines:today_cost_lines:line +87:11 Or -> And": "no in-house team or no in-house service: zero lines are dropped",
    "cost_lines:today_cost_lines:line +87:11 LtE -> Lt": "a team costing 0 gives lines of 0, which are dropped",
    "cost_lines:build_game:line +8:48 1 -> 2": "coalitions larger than the player set do not exist",
    "tariffs:tariff_table:line +6:19 2 -> 3": "the number of workers never changes a result (same seed, same answer)",
    "absence:leave_blocks:line +6:63 1e-09 -> 1.5000000000000002e-09": "in practice: float guard of floor; only a pool "
    "5e-9 to 7.5e-9 days short of a multiple of 5 changes (a block 6e-9 days longer)",
    "absence:leave_blocks:line +9:14 1e-09 -> 1.5000000000000002e-09": "in practice: float guard of the remainder "
    "(a remainder of 1e-9 to 1.5e-9 days dropped)",
    "absence:leave_blocks:line +17:23 1 -> 2": "blocks are at most 5 days long, so span is at least 257, never 1",
    "cost_lines:today_cost_lines:line +87:19 0 -> 1": "in practice: skips only an in-house team costing GBP 0-1 a year",
    "absence:leave_blocks:line +18:34 64 -> 65": "a 65th placement attempt: only after 64 collisions (never here)",
    "absence:tenure_sickness:line +20:11 Gt -> GtE": "an empty episode [t, t) adds no day to any measure",
    "solutions:core_check:line +12:10 Mult -> Div": "the sign is +1 or -1: x * s == x / s",
    "games:CostGame.is_subadditive:line +7:19 1 -> 2": "coalition 1 is a single player: it has no pair to check",
    "games:CostGame.is_subadditive:line +8:19 1 -> 2": "every pair is visited twice (S, T and T, S): skipping one is not",
    "absence:post_timeline:line +56:64 Gt -> GtE": "an empty backfill interval [t, t) covers no day",
    "calibration:search_capacity:line +25:14 Gt -> GtE": "exact float equality of a step down with the floor",
    "calibration:search_capacity:line +26:30 Lt -> LtE": "exact float equality with a ten-thousandth of the ceiling",
    "calibration:search_capacity:line +34:10 Gt -> GtE": "the bisection starts only after a pass: low > 0",
    "calibration:search_capacity:line +34:22 Gt -> GtE": "exact float equality with the precision",
    "queueing:mmc_wait_tail:line +4:7 LtE -> Lt": "at c mu = lambda the formula gives C e^0 = 1, the same answer",
    "queueing:mmc_sojourn_tail:line +10:7 LtE -> Lt": "at theta = 0 the formula gives 1, the same answer",
    "queueing:mmc_sojourn_tail:line +15:39 1e-09 -> 1.5000000000000002e-09": "both branches agree near theta = mu",
    "queueing:min_servers_for_wait:line +5:23 10000 -> 10001": "the default search bound; no caller nears it",
    "queueing:min_servers_for_wait:line +14:11 GtE -> Gt": "exact float equality with the target fraction",
    "queueing:max_arrival_rate:line +6:23 1e-10 -> 1.5e-10": "bisection tolerance: moves the answer < 2e-10",
    "queueing:max_arrival_rate:line +18:15 GtE -> Gt": "exact float equality with the target fraction",
    "queueing:max_arrival_rate:line +21:17 Mult -> Div": "an idle probe either way (1e-12 x mu or 1e-12 / mu)",
    "queueing:max_arrival_rate:line +21:17 1e-12 -> 1.5e-12": "an idle probe either way",
    "queueing:max_arrival_rate:line +23:10 Gt -> GtE": "bisection stopping rule: one more halving at most",
    "queueing:max_arrival_rate:line +23:23 Mult -> Div": "bisection tolerance: a tighter stop, same answer",
    "queueing:max_arrival_rate:line +23:35 max -> min": "bisection tolerance: a tighter stop, same answer",
    "queueing:max_arrival_rate:line +23:39 1.0 -> 1.5": "bisection tolerance: moves the answer < 2e-10",
    # fourth pass: pooling's staffing menu, demand's arrivals and the KPIs' case metrics
    "pooling:unreachable_reason:line +21:32 Lt -> LtE": "exact float equality of 1 - exp(-mu budget) with the target",
    "pooling:staffing_options:line +4:22 0 -> 1": "default min_people 0 or 1: top = max(1, min_people) is 1 either way",
    "pooling:staffing_options:line +18:24 Gt -> GtE": "exact float equality of the step's rounding error with 1e-9",
    "pooling:staffing_options:line +18:70 1e-09 -> 1.5000000000000002e-09": "in practice: float guard of the step check",
    "pooling:staffing_options:line +38:33 LtE -> Lt": "L(top) >= load, 0 only if load <= 0: every option is 0, skipped",
    "pooling:staffing_options:line +49:43 1e-09 -> 1.5000000000000002e-09": "float guard of ceil: FTEs are k / steps",
    "demand:expected_monthly_arrivals:line +3:74 0.5 -> 0.75": "windows are whole months: 1/2 and 3/4 in one month",
    "demand:thinned_arrivals:line +9:7 LtE -> Lt": "max_rate 0: infinite gaps, no candidate in the horizon: same empty",
    "demand:thinned_arrivals:line +11:15 Mult -> Div": "chunk size only: the draws are the same whatever the chunk size",
    "demand:thinned_arrivals:line +12:16 Add -> Sub #2": "chunk size only (E - 6 sqrt E + 16 >= 7, still positive)",
    "demand:thinned_arrivals:line +12:27 Mult -> Div": "chunk size only (as above)",
    "demand:thinned_arrivals:line +12:27 6.0 -> 9.0": "chunk size only (as above)",
    "demand:thinned_arrivals:line +12:55 16 -> 17": "chunk size only (as above)",
    "demand:thinned_arrivals:line +16:10 Lt -> LtE": "exact float equality of a candidate with the horizon",
    "demand:thinned_arrivals:line +22:20 16 -> 17": "chunk size only (later chunks, at least 17 instead of 16)",
    "demand:thinned_arrivals:line +22:33 4 -> 5": "chunk size only (later chunks a fifth instead of a quarter)",
    "demand:thinned_arrivals:line +25:13 Lt -> LtE": "exact float equality of a candidate with the horizon",
    "demand:thinned_arrivals:line +27:11 Lt -> LtE": "exact float equality of uniform x max_rate with the rate",
    "demand:backlog_allocation:line +10:11 Or -> And": "a 0 backlog lists nobody (zero counts), no members: nothing",
    "demand:backlog_allocation:line +10:11 LtE -> Lt": "a backlog of 0 gives everyone 0, and zero counts are not listed",
    "demand:case_batches:line +22:15 Or -> And": "a shortcut: no rate or no window gives no arrival through thinning",
    "demand:case_batches:line +22:15 LtE -> Lt": "a shortcut: a rate of 0 gives no arrival through thinning too",
    "kpis:_case_metrics:line +49:79 1 -> 2": "a larger index space: the 'all' code stays apart from every real code",
    "kpis:_case_metrics:line +49:101 1 -> 2": "a larger index space (as above)",
    # third pass: the games' LP solvers and the sickness clock, measured once the tool survived a crashing mutant
    "solutions:_pass_lp:line +43:25 0 -> 1": "every caller's t column is -weight, weight >= 1: no entry is 0 or 1",
    "solutions:_row_space:line +3:22 Gt -> GtE": "exact float equality of a singular value with the rank tolerance",
    "solutions:_row_space:line +3:33 Mult -> Div": "in practice: rank tolerance (0/1 rows: rounding-level or O(1) values)",
    "solutions:_row_space:line +3:33 1e-09 -> 1.5000000000000002e-09": "in practice: rank tolerance (as above)",
    "solutions:_row_space:line +3:40 max -> min": "in practice: rank tolerance (as above; s_max >= sqrt(2))",
    "solutions:_row_space:line +3:44 1.0 -> 1.5": "in practice: rank tolerance (as above)",
    "solutions:_sequential_nucleolus:line +10:41 2 -> 3": "costs[1:3] of a one-player game (2 entries) is costs[1:2]",
    "solutions:_enumerated_nucleolus:line +13:14 1.0 -> 1.5": "in practice: objective x 1.5 scales every dual x 1.5",
    "solutions:_enumerated_nucleolus:line +22:10 Lt -> LtE": "the loop ends through the break at rank n; rank < n before",
    "solutions:_enumerated_nucleolus:line +27:32 Gt -> GtE": "exact float equality of a dual with DUAL_TOL",
    "solutions:_enumerated_nucleolus:line +28:26 0 -> 1": "one dual above DUAL_TOL: argmax picks that same row",
    "solutions:_enumerated_nucleolus:line +38:11 GtE -> Gt": "at rank n every free row is determined and the loop ends",
    "solutions:_enumerated_nucleolus:line +44:32 Lt -> LtE": "exact float equality of a residual with 1e-9",
    "solutions:_enumerated_nucleolus:line +44:67 1e-09 -> 1.5000000000000002e-09": "in practice: span tolerance",
    "solutions:least_core_epsilon:line +14:14 1.0 -> 1.5": "the value returned is t, not the objective: same optimum",
    "solutions:core_is_nonempty:line +2:11 LtE -> Lt": "exact float equality of the LP's epsilon with the tolerance",
    "solutions:_lexicographic_closest:line +21:14 1.0 -> 1.5": "in practice: objective x 1.5 scales every dual x 1.5",
    "solutions:_lexicographic_closest:line +27:19 Add -> Sub": "n - 1 stages suffice: each fixes >= 1, stop at 1 free",
    "solutions:_lexicographic_closest:line +36:11 LtE -> Lt": "level = max(t, 0) is 0.0 when the reference is feasible",
    "solutions:_lexicographic_closest:line +27:23 1 -> 2": "a stage more allowed: n - 1 are always enough (as above)",
    "solutions:_lexicographic_closest:line +36:20 1e-12 -> 1.5e-12": "in practice: the zero test of a level >= 0",
    "solutions:_lexicographic_closest:line +45:36 GtE -> Gt": "at a level > 0 a player's up and down duals never tie",
    "solutions:_lexicographic_closest:line +41:37 Gt -> GtE": "exact float equality of a dual with DUAL_TOL",
    "solutions:_lexicographic_closest:line +41:57 Gt -> GtE": "exact float equality of a dual with DUAL_TOL",
    "solutions:_lexicographic_closest:line +40:63 2 -> 3": "a slice past the end of the duals stops at their end",
    "solutions:least_core:line +10:49 2 -> 3": "costs[1:3] of a one-player game (2 entries) is costs[1:2]",
    "solutions:closest_core_allocation:line +12:12 Gt -> GtE": "exact float equality of the LP's epsilon with the tolerance",
    "solutions:closest_core_allocation:line +21:40 2 -> 3": "costs[1:3] of a one-player game (2 entries) is costs[1:2]",
    "absence:sickness_spans:line +11:7 LtE -> Lt": "zero rates: thinning keeps no candidate (W < 0 never): same empty",
    "absence:sickness_spans:line +20:10 Lt -> LtE": "exact float equality of a continuous onset with the horizon",
    "absence:sickness_spans:line +23:18 Lt -> LtE": "exact float equality of a uniform draw with a threshold",
    "absence:sickness_spans:line +24:15 Lt -> LtE": "exact float equality of a uniform draw with a threshold",
    "absence:sickness_spans:line +25:16 Lt -> LtE": "exact float equality of a continuous onset with the horizon",
    "absence:sickness_spans:line +35:11 Gt -> GtE": "exact float equality of a continuous end with day 0",
    # fifth pass: the games' non-LP functions, the tariffs and the rest of the absence timeline re-measured
    "games:CostGame.is_subadditive:line +12:25 1 -> 2": "(sub - 2) & s lists the submasks without s's lowest bit: "
    "one of each pair {S, T} (all 2**10 coalitions checked)",
    "solutions:core_check:line +23:47 Sub -> Add #2": "every reversed mask shifted 2 bits further: same order, "
    "same argmax (n + 1 < 63 bits)",
    "solutions:core_check:line +23:56 1 -> 2": "the last player's bit is lost (numpy shifts by -1 to 0): two "
    "coalitions of one size never differ in that bit alone, so the order is kept (all pairs, n <= 8, checked)",
    "absence:post_timeline:line +56:68 Add -> Sub": "also keeps intervals (a + delay, b) with b <= a + delay: "
    "empty or reversed, which merge drops",
    "games:_cheapest_partition:line +9:19 Sub -> Add": "pieces are masks below 2**n: bits n and n + 1 are never set",
    "games:_cheapest_partition:line +9:27 1 -> 2": "numpy shifts by -1 (>= 64 as unsigned) to 0: no bit matches",
    "games:_cheapest_partition:line +12:19 1 -> 2": "mask 1 ({first player}) is given or has no partition (inf): "
    "no other mask reads it (every piece of a group holding player 0 holds player 0)",
    "absence:leave_blocks:line +15:62 Lt -> LtE": "a holiday on day y0 + 261 cannot overlap a block of year y0 "
    "(blocks end by day y0 + 261)",
}

_SWAPS: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
}
_COMPARE: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}


def _mutations(tree: ast.Module) -> Iterator[tuple[str, Callable[[ast.AST], None], int]]:
    """(description, apply(node), node index) for every mutation of the tree, in source order.

    A description names the line RELATIVE to the function's ``def`` line ("line +12:30 Gt -> GtE", column 30), so
    the keys of ``EQUIVALENT`` survive code moving elsewhere in the module or into another module. Nested operations
    that start at the same column (``a + b + 16``: two additions at one position) would share a description: the
    second and later get " #2", " #3" (in ``ast.walk`` order, the outer one first), so every key names one mutant."""
    seen: dict[str, int] = {}
    for description, apply, index in _raw_mutations(tree):
        seen[description] = seen.get(description, 0) + 1
        yield (description if seen[description] == 1 else f"{description} #{seen[description]}"), apply, index


def _raw_mutations(tree: ast.Module) -> Iterator[tuple[str, Callable[[ast.AST], None], int]]:
    first = tree.body[0].lineno

    def _describe(node: ast.AST, what: str) -> str:
        return f"line +{getattr(node, 'lineno', first) - first}:{getattr(node, 'col_offset', '?')} {what}"

    nodes = list(ast.walk(tree))
    for index, node in enumerate(nodes):
        if isinstance(node, ast.BinOp) and type(node.op) in _SWAPS:
            new = _SWAPS[type(node.op)]
            yield _describe(node, f"{type(node.op).__name__} -> {new.__name__}"), _setter("op", new), index
        elif isinstance(node, ast.AugAssign) and type(node.op) in _SWAPS:
            new = _SWAPS[type(node.op)]
            yield _describe(node, f"{type(node.op).__name__}= -> {new.__name__}="), _setter("op", new), index
        elif isinstance(node, ast.Compare):
            for position, op in enumerate(node.ops):
                if type(op) in _COMPARE:
                    new = _COMPARE[type(op)]
                    yield (
                        _describe(node, f"{type(op).__name__} -> {new.__name__}"),
                        _compare_setter(position, new),
                        index,
                    )
        elif isinstance(node, ast.BoolOp):
            new = ast.Or if isinstance(node.op, ast.And) else ast.And
            yield _describe(node, f"{type(node.op).__name__} -> {new.__name__}"), _setter("op", new), index
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
            yield _describe(node, f"drop {type(node.op).__name__}"), _unwrap_unary, index
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max"):
            new_name = "max" if node.func.id == "min" else "min"
            yield _describe(node, f"{node.func.id} -> {new_name}"), _rename_call(new_name), index
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool)
        ):
            value = node.value
            new_value = value + 1 if isinstance(value, int) else (value * 1.5 if value else 1.0)
            yield _describe(node, f"{value!r} -> {new_value!r}"), _setter("value", new_value, call=False), index
        elif isinstance(node, ast.Return) and node.value is not None and not _is_none(node.value):
            yield _describe(node, "return None"), _setter("value", ast.Constant(None), call=False), index


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _setter(field: str, value: Any, call: bool = True) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        setattr(node, field, value() if call else copy.deepcopy(value))

    return apply


def _compare_setter(position: int, new: type) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Compare)
        node.ops[position] = new()

    return apply


def _unwrap_unary(node: ast.AST) -> None:
    assert isinstance(node, ast.UnaryOp)
    # a unary node cannot replace itself in place; turn it into "+operand" (no-op for numbers) or "not not x"
    node.op = ast.UAdd() if isinstance(node.op, ast.USub) else ast.Not()
    if isinstance(node.op, ast.Not):
        node.operand = ast.UnaryOp(op=ast.Not(), operand=node.operand)


def _rename_call(name: str) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        node.func = ast.Name(id=name, ctx=ast.Load())

    return apply


def _resolve(module: Any, qualname: str) -> FunctionType:
    obj: Any = module
    for part in qualname.split("."):
        obj = getattr(obj, part)
    function = inspect.unwrap(obj)
    assert isinstance(function, FunctionType), f"{qualname} is not a function"
    return function


def _function_tree(function: FunctionType) -> ast.Module:
    lines, first = inspect.getsourcelines(function)
    tree = ast.parse(textwrap.dedent("".join(lines)))
    ast.increment_lineno(tree, first - 1)
    definition = tree.body[0]
    assert isinstance(definition, ast.FunctionDef)
    definition.decorator_list = []
    return tree


def _compile(tree: ast.Module, function: FunctionType) -> CodeType:
    code = compile(ast.fix_missing_locations(tree), function.__code__.co_filename, "exec")
    for constant in code.co_consts:
        if isinstance(constant, CodeType) and constant.co_name == function.__name__:
            return constant
    raise LookupError(function.__name__)


def _clear_caches() -> None:
    for name, module in list(sys.modules.items()):
        if not name.startswith("model") or module is None:
            continue
        for value in vars(module).values():
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


TIMEOUTS = [0]  # mutants killed by the timeout (reported: a kill, but one worth a look)
CRASHES = [0]  # mutants killed by ending their process (abort, segfault, os._exit): a kill

# exit codes of a forked child (any other code, or a signal, is a crash)
_PASSED, _FAILED, _TIMED_OUT = 0, 1, 3


def _tests_pass(tests: tuple[str, ...], timeout: float) -> bool | None:
    """Run the tests in this process, quietly; True if all passed in time, False if one failed, None on a timeout.

    The timeout is in CPU seconds of this process (``ITIMER_PROF``), not wall-clock seconds, so a machine busy with
    other work does not turn a slow but passing test run into a kill."""
    _clear_caches()
    signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, timeout)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = pytest.main([*tests, "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-W", "ignore"])
    except _Timeout:
        return None
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    return code == 0


def _defaults(tree: ast.Module, function: FunctionType) -> tuple[tuple[Any, ...] | None, dict[str, Any] | None]:
    """The (mutated) tree's default argument values, evaluated in the function's module: a default lives in
    ``__defaults__``/``__kwdefaults__``, not in ``__code__``, so a mutant of a default must be applied there."""
    definition = tree.body[0]
    assert isinstance(definition, ast.FunctionDef)

    def value(node: ast.expr) -> Any:
        expression = ast.fix_missing_locations(ast.Expression(copy.deepcopy(node)))
        return eval(compile(expression, function.__code__.co_filename, "eval"), function.__globals__)  # noqa: S307

    positional = tuple(value(node) for node in definition.args.defaults)
    keyword = {
        arg.arg: value(node)
        for arg, node in zip(definition.args.kwonlyargs, definition.args.kw_defaults, strict=True)
        if node is not None
    }
    return positional or None, keyword or None


def _run_forked(
    tests: tuple[str, ...],
    timeout: float,
    function: FunctionType | None = None,
    code: CodeType | None = None,
    defaults: tuple[tuple[Any, ...] | None, dict[str, Any] | None] | None = None,
) -> str:
    """Run ``tests`` in a forked child (with ``function.__code__ = code`` and its ``defaults`` there only):
    "passed", "failed", "timeout" or "crash" (the child died by a signal or exited with an unexpected code).

    The child's CPU timeout is ``timeout``; a child that neither finishes nor uses CPU (a deadlock) is killed after
    ``10 x timeout`` wall-clock seconds and counted as a timeout."""
    if not _single_threaded():
        raise SystemExit("mutation: this process runs threads; forking it could deadlock (run the tool as a script)")
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns, whatever happens
        verdict = _FAILED
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort leaves no core file behind
            if function is not None and code is not None:
                function.__code__ = code
                if defaults is not None:
                    function.__defaults__, function.__kwdefaults__ = defaults
            passed = _tests_pass(tests, timeout)
            verdict = _TIMED_OUT if passed is None else (_PASSED if passed else _FAILED)
        except BaseException:  # noqa: BLE001 - any escape from the tests is a failure of the tests
            verdict = _FAILED
        finally:
            os._exit(verdict)
    # the deadline moves on whenever the child uses CPU: on a machine busy with other work a child may get a few
    # per cent of a core, and a wall-clock limit alone would count its slow but passing tests as a kill
    cpu, deadline = _cpu_ticks(pid), time.monotonic() + 10 * timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            now = _cpu_ticks(pid)
            if now == cpu:  # no CPU used for 10 x timeout of wall-clock time: a deadlock
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return "timeout"
            cpu, deadline = now, time.monotonic() + 10 * timeout
        time.sleep(0.02)
    if os.WIFEXITED(status):
        return {_PASSED: "passed", _FAILED: "failed", _TIMED_OUT: "timeout"}.get(os.WEXITSTATUS(status), "crash")
    return "crash"


def _cpu_ticks(pid: int) -> int:
    """User + system CPU clock ticks used so far by process ``pid`` (``/proc/<pid>/stat``; -1 if unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1
    return int(fields[11]) + int(fields[12])  # utime and stime: fields 14 and 15 of stat(5)


def _single_threaded() -> bool:
    """True when only this Python thread runs. Native threads are not counted: numpy's BLAS pool is fork-safe (and
    ``main`` starts the module's process with one BLAS thread); HiGHS's pool is not, and this process never solves."""
    return threading.active_count() == 1


@dataclass
class Outcome:
    module: str
    function: str
    description: str
    status: str  # "killed", "survived", "equivalent", "skipped"


def run_target(
    name: str,
    target: Target,
    timeout: float,
    verbose: bool,
    only: list[str] | None = None,
    mutants: list[str] | None = None,
) -> list[Outcome]:
    """Every mutant of every function of ``target`` (or of the functions ``only``), one at a time; the original code
    restored after each."""
    module = importlib.import_module(target.module)
    outcomes: list[Outcome] = []
    functions = [f for f in target.functions if not only or f in only]
    known = {
        f"{name}:{qualname}:{description}"
        for qualname in target.functions
        for description, _, _ in _mutations(_function_tree(_resolve(module, qualname)))
    }
    for key in EQUIVALENT:
        if key.startswith(f"{name}:") and key not in known:
            print(f"  STALE equivalent key (no such mutant any more; re-check it): {key}", flush=True)
    for key in mutants or ():
        if key.startswith(f"{name}:") and key not in known:  # a key gone stale after an edit would run nothing
            print(f"  UNKNOWN --mutant key (no such mutant; see --list): {key}", flush=True)
    for tests in dict.fromkeys(target.tests_for(f) for f in functions):
        if _run_forked(tests, timeout * 5) != "passed":
            raise SystemExit(f"{name}: the mapped tests fail WITHOUT any mutant: {' '.join(tests)}")
    for qualname in functions:
        function = _resolve(module, qualname)
        original = function.__code__
        pristine = _function_tree(function)
        count = sum(1 for _ in _mutations(pristine))
        for number in range(count):
            tree = copy.deepcopy(pristine)
            description, apply, index = list(_mutations(tree))[number]
            apply(list(ast.walk(tree))[index])
            key = f"{name}:{qualname}:{description}"
            if mutants and key not in mutants:
                continue
            try:
                code = _compile(tree, function)
                function.__code__ = code  # only to check it fits (closure variables); the child applies it
                defaults = _defaults(tree, function)
            except (ValueError, SyntaxError, LookupError, TypeError, NameError):
                outcomes.append(Outcome(name, qualname, description, "skipped"))
                continue
            finally:
                function.__code__ = original
            result = _run_forked(target.tests_for(qualname), timeout, function, code, defaults)
            gc.collect()
            TIMEOUTS[0] += result == "timeout"
            CRASHES[0] += result == "crash"
            passed = result == "passed"
            status = "equivalent" if passed and key in EQUIVALENT else ("survived" if passed else "killed")
            outcomes.append(Outcome(name, qualname, description, status))
            if verbose or status == "survived" or result == "crash":
                note = " (crash: the child process died)" if result == "crash" else ""
                print(f"  {status:10s} {qualname} {description}{note}", flush=True)
        mine = [o.status for o in outcomes if o.function == qualname]
        counts = ", ".join(f"{mine.count(s)} {s}" for s in ("killed", "survived", "equivalent", "skipped"))
        print(f"  -- {qualname}: {len(mine)} mutants: {counts}", flush=True)  # a partial run still tells something
    return outcomes


MEMORY_LIMIT_BYTES = 6 * 1024**3


def _child(
    name: str, timeout: float, verbose: bool, only: list[str] | None = None, mutants: list[str] | None = None
) -> int:
    """Run one module's mutants in this process and print its counts as the last line (JSON).

    The address space is capped (``MEMORY_LIMIT_BYTES``): a mutated rate can ask for billions of arrivals, and on a
    shared machine the MemoryError it then raises (a kill) is far better than the kernel's out-of-memory killer."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    start = time.perf_counter()
    outcomes = run_target(name, TARGETS[name], timeout, verbose, only, mutants)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("killed", "survived", "equivalent", "skipped")}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "total": len(outcomes),
                **counts,
                "timeouts": TIMEOUTS[0],
                "crashes": CRASHES[0],
                "seconds": seconds,
                "peak_mb": peak_mb,
            }
        )
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", choices=sorted(TARGETS), help="only these (repeatable)")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per mutant before it counts as killed")
    parser.add_argument("--list", action="store_true", help="list the mutants without running them")
    parser.add_argument("--verbose", action="store_true", help="print every mutant's outcome")
    parser.add_argument("--function", action="append", help="only these functions of the module(s) (repeatable)")
    parser.add_argument(
        "--mutant", action="append", help="only these mutants, keyed as in --list (repeatable; re-checks survivors)"
    )
    parser.add_argument("--child", choices=sorted(TARGETS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.child:
        return _child(args.child, args.timeout, args.verbose, args.function, args.mutant)
    names = args.module or list(TARGETS)
    if args.list:
        for name in names:
            module = importlib.import_module(TARGETS[name].module)
            for qualname in TARGETS[name].functions:
                if args.function and qualname not in args.function:
                    continue
                for description, _, _ in _mutations(_function_tree(_resolve(module, qualname))):
                    print(f"{name}:{qualname}:{description}")
        return 0
    rows = []
    for name in names:
        # one process per module: repeated in-process pytest sessions hold on to memory, a fresh process frees it
        print(f"== {name}: {', '.join(TARGETS[name].functions)}", flush=True)
        command = [sys.executable, __file__, "--child", name, "--timeout", str(args.timeout)]
        command += [f"--function={f}" for f in args.function or ()]
        command += [f"--mutant={m}" for m in args.mutant or ()]
        # one BLAS thread: no oversubscription of a shared machine, and nothing but this thread when forking
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        child = subprocess.Popen(
            command + ["--verbose"] * args.verbose,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        assert child.stdout is not None and child.stderr is not None
        lines = []
        for line in child.stdout:  # survivors as they are found
            lines.append(line.rstrip("\n"))
            if not line.startswith("{"):
                print(lines[-1], flush=True)
        error = child.stderr.read()
        if child.wait() != 0 or not lines:
            print(error[-2000:], flush=True)
            return 1
        result = json.loads(lines[-1])
        scored = result["killed"] + result["survived"]
        score = result["killed"] / scored if scored else float("nan")
        rows.append((name, result, score))
    print()
    header = f"{'module':12s} {'mutants':>7s} {'killed':>6s} {'(by timeout)':>12s} {'(crash)':>7s} {'surv.':>5s}"
    print(f"{header} {'equiv.':>6s} {'skip':>4s} {'score':>6s} time")
    for name, r, score in rows:
        print(
            f"{name:12s} {r['total']:7d} {r['killed']:6d} {r['timeouts']:12d} {r.get('crashes', 0):7d} "
            f"{r['survived']:5d} {r['equivalent']:6d} {r['skipped']:4d} {score:6.1%} {r['seconds']:.0f}s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
