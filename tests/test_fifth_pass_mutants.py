"""Tests added when the games' non-LP functions, the tariffs and the rest of the absence timeline were re-measured by
``make mutation`` (issue 12, fifth pass; scores in docs/testing.md).

Each test kills one or more mutants that survived a complete run of its function group. The expected values come
from an oracle that does not repeat the code under test: numbers worked out by hand in the docstring, a brute force
over every case, or the documented rule applied to the same random draws (the draws reproduced from the same seed,
the rule applied by the test). Each docstring names the mutants it kills and how its expected values were derived.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_whole_module_mutants import timeline_with_only_forced

from model.fairness import games, solutions, tariffs
from model.scenario import Absence, Backfill, UserError
from model.simulation.absence import (
    clip,
    complement,
    leave_blocks,
    merge,
    post_timeline,
    subtract,
    tenure_sickness,
    vacancies,
)
from model.simulation.random_streams import child_sequence

# --------------------------------------------------------------------------------------------------------------------
# absence: where a leave block may sit next to a bank holiday; which tenure starts in the sickness steady state


def _first_start(seed: int, span: int) -> int:
    """The first whole-day start ``leave_blocks`` draws from ``default_rng(seed)``: the generator's first integer
    below ``span`` (reproduced from a fresh generator with the same seed, not by calling the code under test)."""
    return int(np.random.default_rng(seed).integers(span))


def test_a_leave_block_may_touch_a_bank_holiday_but_not_overlap_it() -> None:
    """Kills ``absence:leave_blocks:line +21:23 LtE -> Lt``, ``+21:35 GtE -> Gt`` and ``+15:36 1.0 -> 1.5``.

    One 5-day block in a 261-day year has 261 - 5 + 1 = 257 whole-day starts; seed 7's first draw below 257 is r
    (reproduced from a fresh generator). The rule (module docstring): a block is placed at its first draw unless it
    overlaps a bank holiday [d, d + 1). So with a holiday on day r + 5 (the block [r, r + 5) ends where it starts)
    or on day r - 1 (it ends where the block starts) the block stays at [r, r + 5): touching is not overlapping.
    With a holiday on day r + 2 (inside the block) it must move to a start that does not overlap day r + 2.
    The mutants treat a touching holiday as a clash (``end < a``, ``begin > b``) or a holiday as 1.5 days long, and
    redraw."""
    seed = 7
    r = _first_start(seed, 257)
    assert 1 <= r <= 250  # room for a holiday on either side inside the year
    for holiday in (float(r + 5), float(r - 1)):
        assert leave_blocks(5.0, [holiday], 261.0, np.random.default_rng(seed)) == [(float(r), float(r + 5))]
    (moved,) = leave_blocks(5.0, [float(r + 2)], 261.0, np.random.default_rng(seed))
    assert moved != (float(r), float(r + 5))
    assert moved[1] <= r + 2 or moved[0] >= r + 3


def test_a_bank_holiday_on_the_first_day_of_a_leave_year_blocks_leave() -> None:
    """Kills ``absence:leave_blocks:line +15:62 LtE -> Lt`` (a holiday on day y0, the first day of leave year y0,
    left out of that year's taken days).

    Seed 27's first draw below 257 is 0 (reproduced from a fresh generator): with no holiday the 5-day block is
    [0, 5). With a bank holiday on day 0 (inside leave year 0, which is [0, 261)) that start overlaps it, so the
    block must move to a start of at least 1: whatever the later draws, it does not cover day 0."""
    assert _first_start(27, 257) == 0
    assert leave_blocks(5.0, [], 261.0, np.random.default_rng(27)) == [(0.0, 5.0)]
    (block,) = leave_blocks(5.0, [0.0], 261.0, np.random.default_rng(27))
    assert block[0] >= 1.0 and block[1] - block[0] == 5.0


def test_a_leave_remainder_of_at_most_a_billionth_of_a_day_is_dropped() -> None:
    """Kills ``absence:leave_blocks:line +9:7 Gt -> GtE`` (listed as equivalent, "exact float equality of the
    remainder with 1e-9"; it can be built).

    The rule: a remainder (pool minus whole 5-day blocks) is a block only if it exceeds 1e-9 days, a guard against
    rounding. A pool of exactly 1e-9 days: no whole block (1e-9 / 5 + 1e-9 floors to 0), remainder 1e-9 - 0 = 1e-9
    exactly, not above the guard: no leave at all. A pool of 2e-9 days: one block 2e-9 days long."""
    assert leave_blocks(1e-9, [], 261.0, np.random.default_rng(0)) == []
    (tiny,) = leave_blocks(2e-9, [], 261.0, np.random.default_rng(0))
    assert tiny[1] - tiny[0] == pytest.approx(2e-9, rel=1e-6)


def test_no_vacancy_starts_at_the_horizon() -> None:
    """Kills ``absence:vacancies:line +9:11 GtE -> Gt`` (listed as equivalent, "exact float equality of a
    continuous draw with the horizon"; it can be built by choosing the horizon).

    Turnover 1 a year: time in post is exponential with mean 261 / 1 = 261 days, so seed 5's first vacancy starts
    at the generator's first exponential draw t (reproduced from a fresh generator; 518.5 days). Over a horizon of
    t + 1 days that vacancy is [t, t + 1) (cut at the horizon); over a horizon of exactly t the run ends as the
    person leaves: [0, t) has no vacancy, not even an empty one at t."""
    absence = Absence(turnover_rate_per_year=1.0, vacancy_refill_days=10.0)
    t = float(np.random.default_rng(5).exponential(261.0))
    assert vacancies(absence, t + 1.0, np.random.default_rng(5)) == [(t, t + 1.0)]
    assert vacancies(absence, t, np.random.default_rng(5)) == []


def test_a_post_refilled_at_once_is_never_vacant() -> None:
    """Kills ``absence:vacancies:line +12:11 Gt -> GtE`` (an empty vacancy [t, t) listed for every leaver).

    A refill time of 0 days (allowed: the field is non-negative) means the leaver's successor starts the same day:
    at turnover 2 a year over 10 years about 20 people leave, and the post is never vacant, so no interval at all."""
    absence = Absence(turnover_rate_per_year=2.0, vacancy_refill_days=0.0)
    assert vacancies(absence, 2610.0, np.random.default_rng(3)) == []


def test_only_the_tenure_starting_on_day_0_starts_in_the_sickness_steady_state() -> None:
    """Kills ``absence:post_timeline:line +25:92 0.0 -> 1.0`` and ``+25:101 0.0 -> 1.0``.

    The documented rule (module docstring): the person in post at day 0 starts in the sickness steady state (a
    burn-in of 5 x m_long scheduled days before day 0); a new hire starts well (no burn-in), drawing from the i-th
    child of the post's sickness stream. Turnover 2 a year with a half-day refill, seed 53: the only vacancy is
    [0.396, 0.896) (asserted), so the second person starts on day 0.896, inside the first day. With no leave, the
    long-term sickness lost in the second tenure is that tenure's long episodes drawn from child 1 with no burn-in
    (``tenure_sickness`` on the same draws), and its short sickness their short episodes less the long ones. The
    mutants give the second person the burn-in (a tenure starting by day 1 counted as the first) or one day of it
    (every episode one day earlier), so the episodes differ. 30% sickness over a year: dozens of episodes."""
    absence = Absence(
        sickness_rate=0.3,
        long_term_share=0.5,
        turnover_rate_per_year=2.0,
        vacancy_refill_days=0.5,
        annual_leave_days=0.0,
        other_leave_days=0.0,
        bank_holidays_days=0.0,
        backfill=Backfill(enabled=False),
    )
    horizon, seed = 261.0, np.random.SeedSequence(11)
    timeline = post_timeline(absence, horizon, 4, np.random.default_rng(1), seed, np.random.default_rng(53))
    vacant = timeline.lost["vacancy"]
    assert len(vacant) == 1 and 0.0 < vacant[0][1] <= 1.0
    tenures = complement(vacant, 0.0, horizon)
    assert len(tenures) == 2 and tenures[1][0] == vacant[0][1]
    short, long = tenure_sickness(absence, tenures[1], [], child_sequence(seed, 1), 0.0)
    assert len(short) + len(long) > 10
    start, end = tenures[1]
    assert clip(timeline.lost["sickness_long"], start, end) == pytest.approx(merge(long), abs=1e-12)
    expected_short = subtract(merge(short), merge(long))
    assert clip(timeline.lost["sickness_short"], start, end) == pytest.approx(expected_short, abs=1e-12)
    # a new hire starts well: no episode of the second person is under way when they start
    drawn = timeline.lost["sickness_long"] + timeline.lost["sickness_short"]
    assert all(a > start for a, _ in clip(drawn, start, end))


def test_a_tenure_has_no_burn_in_unless_asked() -> None:
    """Kills ``absence:tenure_sickness:line +5:26 0.0 -> 1.0`` (listed as equivalent: "default never used"; but the
    default is part of the documented signature, ``burn_in_days`` of :func:`sickness_spans`, whose default is 0).

    Called without ``burn_in_days``, a tenure starts well: its episodes are those drawn with a burn-in of 0 (the
    documented default), and for this seed (30% sickness, candidates about 0.29 a day) they differ from those drawn
    with one day of burn-in, which shifts every onset a day earlier (asserted, so the comparison can tell)."""
    absence = Absence(sickness_rate=0.3, long_term_share=0.5)
    tenure, seed = (0.0, 261.0), np.random.SeedSequence(4)
    default = tenure_sickness(absence, tenure, [], seed)
    assert default == tenure_sickness(absence, tenure, [], seed, burn_in_days=0.0)
    assert default != tenure_sickness(absence, tenure, [], seed, burn_in_days=1.0)


def test_leave_at_the_end_of_a_later_tenure_is_off_its_scheduled_clock() -> None:
    """Kills ``absence:tenure_sickness:line +12:16 Sub -> Add`` and ``+12:17 Sub -> Add`` (the scheduled length of
    a tenure [a, b) taken as (b - a) + leave or (b + a) - leave instead of (b - a) - leave).

    The scheduled clock skips planned leave, so a tenure [100, 200) whose last 5 days are leave has 95 scheduled
    days, exactly like a tenure [100, 195) with no leave: from the same seed both have the same episodes. Seed 1
    at 30% sickness, all of it long-term: one long episode is still under way when the scheduled clock ends (at
    day 195, where the leave starts), so it stops there in both. With a longer scheduled length the episode would
    run on through the leave to day 200."""
    absence = Absence(sickness_rate=0.3, long_term_share=1.0)
    seed = np.random.SeedSequence(1)
    with_leave = tenure_sickness(absence, (100.0, 200.0), [(195.0, 200.0)], seed)
    assert with_leave == tenure_sickness(absence, (100.0, 195.0), [], seed)
    short, long = with_leave
    assert short == [] and long[-1][1] == 195.0


def test_a_forced_vacancy_from_day_0_is_a_vacancy_from_day_0() -> None:
    """Kills ``absence:post_timeline:line +33:87 0.0 -> 1.0`` (forced vacancies clipped to [1, horizon)).

    A forced vacancy window [0, 10) on a post with no drawn absence at all (no sickness, turnover or leave) is a
    vacancy [0, 10) and nothing else: forced windows are cut only to the run [0, horizon)."""
    timeline = timeline_with_only_forced([(0.0, 10.0, "vacancy")])
    assert timeline.lost["vacancy"] == [(0.0, 10.0)]
    assert timeline.lost["annual_leave"] == [] and timeline.lost["sickness_long"] == []


# --------------------------------------------------------------------------------------------------------------------
# games and solutions: the tolerance boundaries, built so that a value lands EXACTLY on the boundary
#
# The tolerance is REL_TOL x the largest |c(S)| with REL_TOL = 1e-9. With the largest cost 1.0 it is the double 1e-9
# itself, and with the largest cost 1e9 it is exactly 1.0 (1e-9 x 1e9 rounds to 1.0; asserted), so sums of small
# dyadic numbers can equal it exactly. The documented rules are inclusive: "no coalition has excess ABOVE the
# tolerance", coalitions "WITHIN the tolerance of the largest excess count as tied", subadditive "to the tolerance".


def test_core_check_counts_an_excess_equal_to_the_tolerance_as_in_the_core() -> None:
    """Kills ``solutions:core_check:line +25:26 Gt -> GtE``, ``+14:25 LtE -> Lt``, ``+26:21 LtE -> Lt`` and
    ``+26:38 LtE -> Lt`` (the first two were listed as equivalent "exact float ties"; they can be built).

    Two players, c(A) = 0, c(B) = 1, c(AB) = 1: the tolerance is 1e-9 x 1 = 1e-9. Paying A 1e-9 and B 1 - 1e-9,
    coalition {A} has excess exactly 1e-9 - 0 = 1e-9: not above the tolerance, so the allocation is in the core and
    no coalition would walk away (n_blocking 0). One player with cost 0 (largest |c| 0, so the unit is 1 and the
    tolerance 1e-9) paying 1e-9: a budget gap of exactly the tolerance is balanced, in the core."""
    game = games.CostGame.from_table({"A": 0.0, "B": 1.0, "A+B": 1.0})
    check = solutions.core_check(game, {"A": 1e-9, "B": 1.0 - 1e-9})
    assert check.tolerance == 1e-9 and check.max_excess == 1e-9
    assert check.in_core and check.n_blocking == 0
    # a budget gap of exactly the tolerance: c(A) = 0, c(B) = c(AB) = 1e9, tolerance 1e-9 x 1e9 = 1.0; paying
    # (0, 1e9 + 1) overshoots c(N) by exactly 1.0 and gives B an excess of exactly 1.0: still in the core
    big = games.CostGame.from_table({"A": 0.0, "B": 1e9, "A+B": 1e9})
    edge = solutions.core_check(big, {"A": 0.0, "B": 1e9 + 1.0})
    assert edge.tolerance == 1.0 and edge.budget_gap == 1.0 and edge.max_excess == 1.0 and edge.in_core
    lonely = games.CostGame.from_table({"A": 0.0})
    one = solutions.core_check(lonely, {"A": 1e-9})
    assert one.tolerance == 1e-9 and one.budget_gap == 1e-9 and one.in_core


def test_a_coalition_exactly_the_tolerance_below_the_worst_is_tied_with_it() -> None:
    """Kills ``tariffs:core_check:line +8:47 GtE -> Gt`` and ``solutions:core_check:line +17:26 GtE -> Gt`` (the
    latter listed as equivalent: "the largest excess is tied with itself" -- but a coalition exactly the tolerance
    below it is tied too, and can win the tie-break).

    Three players; c(A) = 0, c(B) = c(C) = 10, c(AB) = 12, c(AC) = 10, c(BC) = 20, c(ABC) = 22: the tolerance is
    1e-9 x 22. Paying B 11 and C 0, B's excess is exactly 1 (the largest: AB's is 12 - tol - 12 < 0, the others
    negative by hand); paying A exactly 1 - tol, A's excess is exactly 1 - tol, the largest less the tolerance, so A
    is tied with B and, being first in member order at the same size, is the group named (by both core checks)."""
    table = {"A": 0.0, "B": 10.0, "C": 10.0, "A+B": 12.0, "A+C": 10.0, "B+C": 20.0, "A+B+C": 22.0}
    game = games.CostGame.from_table(table)
    tol = 1e-9 * 22.0
    allocation = {"A": 1.0 - tol, "B": 11.0, "C": 0.0}
    for check in (solutions.core_check(game, allocation), tariffs.core_check(game, allocation)):
        assert check.tolerance == tol and check.max_excess == 1.0
        assert check.worst_coalition == frozenset({"A"})


def test_subadditivity_holds_with_a_saving_of_exactly_the_tolerance_missed() -> None:
    """Kills ``games:CostGame.is_subadditive:line +10:15 Gt -> GtE`` (listed as equivalent: "exact float equality
    with the tolerance"; it can be built).

    c(A) = 1, c(B) = c(C) = 0, c(BC) = 1e-9, c(AB) = c(AC) = c(ABC) = 1: the tolerance is 1e-9 x 1 = 1e-9, and
    c(BC) = c(B) + c(C) + 1e-9 exactly (0 + 0 + 1e-9), every other split by hand within it (1 <= 1 + 0 + 1e-9,
    1 <= 1 + 1e-9 + 1e-9). Subadditive to the tolerance: True. Exceed it by a hair (c(BC) = 2e-9): False."""
    table = {"A": 1.0, "B": 0.0, "C": 0.0, "A+B": 1.0, "A+C": 1.0, "B+C": 1e-9, "A+B+C": 1.0}
    assert games.CostGame.from_table(table).is_subadditive()
    assert not games.CostGame.from_table({**table, "B+C": 2e-9}).is_subadditive()


def test_scrb_splits_equally_when_remaining_benefits_sum_to_exactly_the_tolerance() -> None:
    """Kills ``solutions:scrb:line +19:7 LtE -> Lt`` and ``+19:45 1.0 -> 1.5`` (both listed as equivalent: an exact
    tie, and "only games whose every cost is below GBP 1.5"; both can be built).

    c(A) = 5e8 + 0.5, c(B) = 5e8, c(AB) = 1e9: the tolerance is 1e-9 x max(1, 1e9) = 1.0 exactly. Separable costs
    m_A = 1e9 - 5e8 = 5e8, m_B = 1e9 - (5e8 + 0.5) = 5e8 - 0.5; remaining benefits r_A = r_B = 0.5, summing to
    exactly 1.0: "to the tolerance" zero, so the non-separable 1e9 - (1e9 - 0.5) = 0.5 is split equally (0.25 each:
    5e8 + 0.25 and 5e8 - 0.25) and the note says so. A game whose costs are all at most 1: c(A) = c(B) = 0.5,
    c(AB) = 1 - 6e-10 (rounded to a double g): r_A = r_B = 0.5 - (g - 0.5) (exact, Sterbenz), summing to about
    1.2e-9 (asserted between 1e-9 and 1.5e-9): above the tolerance 1e-9 x max(1, 1) = 1e-9, so no note and the
    shares are proportional to the equal r: g / 2 each (a floor of 1.5 would make the tolerance 1.5e-9 and split
    equally WITH the note)."""
    big = solutions.scrb(games.CostGame.from_table({"A": 5e8 + 0.5, "B": 5e8, "A+B": 1e9}))
    assert 1e-9 * 1e9 == 1.0
    assert big.to_dict() == {"A": 5e8 + 0.25, "B": 5e8 - 0.25}
    assert any("sum to zero" in note for note in big.notes)
    grand = 1.0 - 6e-10
    remaining = 2 * (0.5 - (grand - 0.5))
    assert 1e-9 < remaining <= 1.5e-9
    small = solutions.scrb(games.CostGame.from_table({"A": 0.5, "B": 0.5, "A+B": grand}))
    assert not small.notes
    assert small.to_dict() == pytest.approx({"A": grand / 2, "B": grand / 2}, abs=1e-15)


# --------------------------------------------------------------------------------------------------------------------
# tariffs: the message of a cost line naming nobody


def test_a_cost_line_naming_nobody_says_none() -> None:
    """Kills ``tariffs:_check_lines:line +17:65 Or -> And`` (the message then lists an empty member list as "").

    A cost line with an empty member list is rejected, and the message says which members it names: "(none)"."""
    line = pd.DataFrame(
        [{"service": "svc", "item": "x", "mode": "shared", "members": (), "driver": "cases", "gbp_per_year": 1.0}]
    )
    with pytest.raises(UserError, match=r"cost line svc/x: members \(none\) must be players \(A, B\)"):
        tariffs._check_lines(line, ["A", "B"], pd.DataFrame())


# --------------------------------------------------------------------------------------------------------------------
# tariffs: which path tariff_table takes, its notes and its "core non-empty" tolerance, on the hand-made partnership of
# test_tariffs_hand (three members, c(N) = 56,000, cost lines LINES; per capita 16,500, 16,500, 23,000 by hand)


def _stand_in_default_costs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default cost function (the catalogue optimiser) replaced by the hand-made table and lines."""
    from test_tariffs_hand import COSTS, LINES

    monkeypatch.setattr(tariffs, "_default_costs", lambda *args: (COSTS, LINES, "service catalogue optimiser"))


def test_a_small_partnership_with_the_default_costs_takes_the_exact_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kills ``tariffs:tariff_table:line +33:15 And -> Or`` (any default-cost tariff sent down the at-scale path),
    ``+33:41 Gt -> GtE`` (a partnership of exactly the limit sent there), ``+105:7 And -> Or``, ``+105:7 IsNot ->
    Is`` and ``+105:37 NotEq -> Eq`` (the "every coalition costed by the optimiser" note on a supplied cost function
    or missing from the default one) and ``+107:48 Sub -> Add``, ``Pow -> Mult``, ``2 -> 3``, ``+107:68 1 -> 2``
    (the number of coalitions in that note).

    Three members with the exact limit set to 3 (the module constant, read at each call; 12 by default): with the
    default cost function (here a stand-in returning the hand-made table) every one of the 2**3 - 1 = 7 coalitions
    is costed and the exact path is taken (the at-scale path is made to fail the test), and the notes say so; with
    a supplied cost function there is no such note."""
    from test_tariffs_hand import COSTS, LINES, toy_scenario

    from model.fairness import tariffs_at_scale

    def at_scale(*args: object, **kwargs: object) -> None:
        raise AssertionError("a three-member tariff took the at-scale path")

    _stand_in_default_costs(monkeypatch)
    monkeypatch.setattr(tariffs_at_scale, "EXACT_MAX_MEMBERS", 3)  # exactly at the limit: still exact
    monkeypatch.setattr(tariffs_at_scale, "result_at_scale", at_scale)
    monkeypatch.setattr(tariffs, "catalogue_cost_lines", lambda *args: LINES)
    exact = tariffs.tariff_table(toy_scenario())
    assert len(exact.coalition_costs) == 7
    note = "Methods: exact, every one of the 7 coalitions costed by the catalogue optimiser."
    assert note in exact.notes
    supplied = tariffs.tariff_table(toy_scenario(), COSTS, cost_lines=LINES)
    assert not any(n.startswith("Methods:") for n in supplied.notes)


def test_beyond_the_exact_limit_tariff_table_returns_the_at_scale_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kills ``tariffs:tariff_table:line +89:8 return None`` (the at-scale result dropped), ``+51:11 Is -> IsNot``
    (the catalogue's lines used although lines were given, and not when none were) and ``+33:15 Is -> IsNot`` (the
    at-scale path only for a supplied cost function).

    With the exact limit lowered to 2 members (the module constant, read at each call), the three-member partnership
    with the default cost function takes the at-scale path: ``tariff_table`` returns exactly what ``result_at_scale``
    returns (a stand-in recording its arguments). Given the hand-made lines, c(N) is their own total 40,000 +
    10,000 + 6,000 = 56,000, split per capita as by hand: 16,500, 16,500, 23,000. Given no lines, the catalogue's
    lines are used (a stand-in: the same lines at twice the amounts, c(N) = 112,000, per capita doubled)."""
    from test_tariffs_hand import LINES, toy_scenario

    from model.fairness import tariffs_at_scale

    seen: list[dict[str, object]] = []
    sentinel = object()

    def at_scale(*args: Any, **kwargs: Any) -> object:
        # result_at_scale(scenario, players, usage, lines, per_service, allocations, premium, notes, source, grand)
        players, allocations, grand = args[1], args[5], args[9]
        seen.append({"players": list(players), "grand": grand, "per_capita": dict(allocations["per_capita"])})
        return sentinel

    doubled = LINES.assign(gbp_per_year=LINES["gbp_per_year"] * 2)
    _stand_in_default_costs(monkeypatch)
    monkeypatch.setattr(tariffs_at_scale, "EXACT_MAX_MEMBERS", 2)
    monkeypatch.setattr(tariffs_at_scale, "result_at_scale", at_scale)
    monkeypatch.setattr(tariffs, "catalogue_cost_lines", lambda *args: doubled)
    assert tariffs.tariff_table(toy_scenario(), cost_lines=LINES) is sentinel
    assert tariffs.tariff_table(toy_scenario()) is sentinel
    given, catalogue = seen
    assert given["players"] == ["A", "B", "C"] and given["grand"] == 56_000.0
    assert given["per_capita"] == pytest.approx({"A": 16_500.0, "B": 16_500.0, "C": 23_000.0}, abs=1e-6)
    assert catalogue["grand"] == 112_000.0
    assert catalogue["per_capita"] == pytest.approx({"A": 33_000.0, "B": 33_000.0, "C": 46_000.0}, abs=1e-6)


def test_a_partnership_costing_under_a_pound_is_split_like_any_other() -> None:
    """Kills ``tariffs:tariff_table:line +72:22 0 -> 1`` (cost lines summing to GBP 1 or less rejected as "zero").

    The hand-made partnership with every cost and line scaled by 1e-5 (c(N) = 0.56): tariffs scale with the costs,
    so per capita is 16,500 x 1e-5 = 0.165, 0.165 and 0.23 (by hand, test_tariffs_hand), not an error."""
    from test_tariffs_hand import COSTS, LINES, toy_scenario

    scale = 1e-5
    costs = {coalition: cost * scale for coalition, cost in COSTS.items()}
    lines = LINES.assign(gbp_per_year=LINES["gbp_per_year"] * scale)
    result = tariffs.tariff_table(toy_scenario(), costs, cost_lines=lines)
    per_capita = dict(zip(result.by_member["member"], result.by_member["per_capita"], strict=True))
    assert per_capita == pytest.approx({"A": 0.165, "B": 0.165, "C": 0.23}, abs=1e-12)


def test_a_core_empty_by_less_than_the_tolerance_counts_as_non_empty() -> None:
    """Kills ``tariffs:tariff_table:line +125:16 Mult -> Div`` and ``+125:32 max -> min`` (the "core non-empty"
    tolerance divided by the largest cost, or scaled by the smallest |c(S)|, which is c(empty) = 0).

    The hand-made partnership with c(AC) = 40,000 and c(BC) = 40,000 - 3e-5 (c(AB) = 32,000, c(N) = 56,000): the
    three pair constraints x(S) - c(S) <= e summed give 2 c(N) - (112,000 - 3e-5) = 3e-5 <= 3e, so the least-core
    epsilon is 1e-5 (reached: x = (16,000 + 2e-5, 16,000 - 1e-5, 24,000 - 1e-5), singletons far below their
    stand-alone costs). The core is empty by 1e-5 pounds, less than the tolerance 1e-9 x 56,000 = 5.6e-5: reported
    non-empty. Divided (1.8e-14) or from the smallest |c(S)| (0), the tolerance is below 1e-5: "empty"."""
    from test_tariffs_hand import COSTS, LINES, toy_scenario

    costs = {**COSTS, frozenset({"A", "C"}): 40_000.0, frozenset({"B", "C"}): 40_000.0 - 3e-5}
    result = tariffs.tariff_table(toy_scenario(), costs, cost_lines=LINES)
    assert result.core["least_core_epsilon_gbp_per_year"] == pytest.approx(1e-5, abs=2e-6)
    assert result.core["core_nonempty"] is True


def test_a_member_without_demand_is_named_as_left_out_of_the_tariff() -> None:
    """Kills ``tariffs:tariff_table:line +40:52 NotIn -> In`` (the players named as left out) and ``+43:12 Add ->
    Sub`` (the note built by subtracting strings: an error).

    The hand-made partnership plus a member D joining in month 100, long after the 12-month run: D has no demand in
    the steady-state month, so the players are A, B, C (the hand-made costs apply unchanged) and the notes name D
    alone as not in the tariff."""
    from test_tariffs_hand import COSTS, LINES, toy_scenario

    from model.scenario import Scenario

    data = toy_scenario().model_dump(mode="json")
    data["members"].append({"name": "D", "headcount": 50, "fte": 45.0, "join_month": 100})
    result = tariffs.tariff_table(Scenario.model_validate(data), COSTS, cost_lines=LINES)
    assert list(result.players) == ["A", "B", "C"]
    (note,) = [n for n in result.notes if n.startswith("Not in the tariff")]
    assert re.fullmatch(r"Not in the tariff \(no demand in month \d+, the steady-state month\): D\.", note), note


def test_the_member_limit_of_a_supplied_cost_function(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kills ``tariffs:tariff_table:line +34:7 IsNot -> Is`` (the limit applied to the default cost function instead
    of a supplied one) and ``+34:37 Gt -> GtE`` (a partnership of exactly the limit refused).

    With a supplied cost function the nucleolus and core checks handle at most ``games.MAX_LP_PLAYERS`` members (18;
    set here to 2 and then 3, read at each call): the three-member partnership is refused at 2 with a message
    naming both numbers, and accepted at exactly 3."""
    from test_tariffs_hand import COSTS, LINES, toy_scenario

    monkeypatch.setattr(games, "MAX_LP_PLAYERS", 2)
    with pytest.raises(UserError, match="3 members: with a supplied cost function .* at most 2"):
        tariffs.tariff_table(toy_scenario(), COSTS, cost_lines=LINES)
    monkeypatch.setattr(games, "MAX_LP_PLAYERS", 3)
    assert len(tariffs.tariff_table(toy_scenario(), COSTS, cost_lines=LINES).coalition_costs) == 7


def test_cost_lines_off_c_n_by_more_than_the_tolerance_are_scaled_with_a_note() -> None:
    """Kills ``tariffs:tariff_table:line +74:52 1e-09 -> 1.5000000000000002e-09`` and ``+74:66 1e-06 -> 1.5e-06``
    (the closeness test of the lines' total to c(N), relative 1e-9 or absolute GBP 1e-6, whichever is larger).

    Hand-made lines of 56,000 + 7e-5 (off by 1.25e-9 of c(N) = 56,000: more than 1e-9, less than 1.5e-9) are
    scaled to c(N), and a note says so; so are lines of 0.56 + 1.2e-6 for the partnership scaled by 1e-5 (c(N) =
    0.56: relative 1e-9 is 5.6e-10, so the absolute 1e-6 decides; 1.2e-6 is above it and below 1.5e-6). Lines off
    by less than the tolerance (56,000 + 1e-5) are used as they are, without a note."""
    from test_tariffs_hand import COSTS, LINES, toy_scenario

    def scaled_note(costs: dict[frozenset[str], float], lines: pd.DataFrame) -> bool:
        result = tariffs.tariff_table(toy_scenario(), costs, cost_lines=lines)
        return any(note.startswith("The cost lines (GBP") for note in result.notes)

    def plus(lines: pd.DataFrame, amount: float) -> pd.DataFrame:
        amounts = lines["gbp_per_year"].to_numpy().copy()
        amounts[0] += amount
        return lines.assign(gbp_per_year=amounts)

    assert scaled_note(COSTS, plus(LINES, 7e-5))
    assert not scaled_note(COSTS, plus(LINES, 1e-5))
    small_costs = {coalition: cost * 1e-5 for coalition, cost in COSTS.items()}
    small_lines = LINES.assign(gbp_per_year=LINES["gbp_per_year"] * 1e-5)
    assert scaled_note(small_costs, plus(small_lines, 1.2e-6))


def test_a_partnership_costing_nothing_has_a_non_empty_core() -> None:
    """Kills ``tariffs:tariff_table:line +130:30 LtE -> Lt`` (the core "non-empty" only when the least-core epsilon
    is strictly below the tolerance).

    Every coalition costs 0: x = 0 is in the core (every excess 0), the least-core epsilon is 0 (x(N) = 0 forces
    some share >= 0) and the tolerance 1e-9 x 0 = 0, so epsilon <= tolerance: non-empty, as it is."""
    from test_tariffs_hand import COSTS, LINES, toy_scenario

    result = tariffs.tariff_table(toy_scenario(), dict.fromkeys(COSTS, 0.0), cost_lines=LINES)
    assert result.core["least_core_epsilon_gbp_per_year"] == 0.0
    assert result.core["core_nonempty"] is True


def test_a_pool_of_exactly_a_tiers_headcount_buys_at_that_tier(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kills ``cost_lines:catalogue_cost_lines:line +65:49 GtE -> Gt`` (a joint purchase at a pooled headcount
    exactly at a tier's threshold priced at the tier below).

    A volume tier applies "when the purchasing group covers AT LEAST min_headcount staff" (``VolumeTier``). The
    catalogue's optimum is replaced by a stand-in (no MILP): members A (200 staff) and B (300 staff) both take
    service S from the host, which buys it jointly at tiers GBP 60 a head from 0 staff and GBP 50 a head from 500;
    the shared system costs GBP 1,000 and the host overhead GBP 6,000. The pool covers 200 + 300 = 500 staff,
    exactly the second threshold: the joint purchase is 500 x 50 = GBP 25,000 a year (not 500 x 60 = 30,000), and
    the lines sum to the optimum's 1,000 + 25,000 + 6,000 = GBP 32,000."""
    from types import SimpleNamespace

    from model.fairness import cost_lines
    from model.optimisation import catalogue, catalogue_instance

    shared = catalogue_instance.SHARED
    result = SimpleNamespace(
        decisions=pd.DataFrame({"service": ["S", "S"], "member": ["A", "B"], "mode": [shared, shared]}),
        staffing=pd.DataFrame(columns=["role", "fte", "team", "service", "cost_gbp_per_year"]),
        total_cost_gbp_per_year=32_000.0,
    )
    pairs = [
        SimpleNamespace(
            service="S",
            member=member,
            headcount=heads,
            cases_per_year=10.0,
            external_cost_gbp=0.0,
            in_house_cost_gbp=0.0,
            shared_per_head_cost_gbp=0.0,
        )
        for member, heads in (("A", 200), ("B", 300))
    ]
    pool = SimpleNamespace(fixed_cost_gbp=1_000.0, tiers=[(0, 60.0, 0.0), (500, 50.0, 0.0)])
    instance = SimpleNamespace(pairs=pairs, shared={"S": pool}, overhead_gbp=6_000.0)
    monkeypatch.setattr(catalogue, "optimise", lambda *args, **kwargs: result)
    monkeypatch.setattr(catalogue_instance, "build_instance", lambda *args, **kwargs: instance)
    lines = cost_lines.catalogue_cost_lines(SimpleNamespace(member_names=["A", "B"]))
    amounts = dict(zip(lines["item"], lines["gbp_per_year"], strict=True))
    assert amounts["joint purchase (per head)"] == 25_000.0
    assert math.fsum(lines["gbp_per_year"]) == 32_000.0
