"""Absence timelines of HR staff posts, drawn up front for a whole simulation (time in WORKING DAYS).

A *post* is one person of a role in a team (the host team or a member's in-house team): a role with FTE F gives
floor(F) full-time posts and one part-time post for the fraction. Absence is counted in whole working days of the
person's calendar whatever their fraction (a 0.6 FTE person takes the same 37 days of leave; the capacity lost is
0.6 of a full-timer's), so the rules below are the same for every post.

Planned leave (``annual_leave_days + bank_holidays_days + other_leave_days`` per year):

* bank holidays are the SAME days for every post: up to 8 single days per 261-day year at fixed points of the
  calendar (Christmas, Boxing Day, New Year, Good Friday, Easter Monday, early May, spring and summer bank holidays);
  whole bank-holiday days beyond 8 and any fraction are added to the annual-leave pool;
* the pool ``annual_leave_days + other_leave_days`` (+ that remainder) is taken in 5-day blocks (the remainder as a
  shorter block) starting on whole days placed uniformly at random in each 261-day leave year from the simulation
  start, not overlapping each other or the bank holidays. Expected planned days lost per year are exact.

Turnover: a person in post resigns after an exponential time with mean 261 / ``turnover_rate_per_year`` working
days; the post is then vacant for exactly ``vacancy_refill_days`` and refilled (the new person inherits the post's
leave plan). During a vacancy there is no leave and no sickness.

Sickness: ``sickness_rate`` s is the fraction of SCHEDULED days (days neither on planned leave nor vacant) lost to
sickness, matching ``model.simulation.summary.available_days_per_fte`` = (261 - planned) x (1 - s). Episodes start as Poisson
processes on scheduled time, short ones at rate r_short and long ones at rate r_long per scheduled day, with gamma
lengths (cv 0.5) of means m_short = ``short_episode_mean_days`` and m_long = ``long_episode_mean_days``. Episodes
may overlap: a person is sick on a day covered by at least one episode, and LONG-TERM sick on a day covered by at
least one long episode (a short episode inside a long one adds nothing). The number of episodes under way is then
Poisson (an M/G/infinity queue): in the steady state a day is sick with probability 1 - exp(-(r_s m_s + r_l m_l))
and long-term sick with probability 1 - exp(-r_l m_l). Both equal their targets, s and q s with q =
``long_term_share``, when

    r_long = -ln(1 - q s) / m_long,   r_short = ln((1 - q s) / (1 - s)) / m_short   episodes per scheduled day

(x 261 for per year; e.g. s = 0.03, q = 0.55, m_s = 2.5, m_l = 40: 1.44 short and 0.11 long episodes a year, the
same to two digits as the rates (1 - q) s / ((1 - s) m_s) and q s / ((1 - s) m_l) of an alternating renewal process
with the same s and q). Each person in post (a TENURE: from the start, or from the end of a vacancy, to the next
vacancy or the horizon) has their own episodes on the tenure's scheduled clock. The person in post at day 0 is in
the steady state (episodes start from ``BURN_IN_MEANS`` x m_long scheduled days before day 0, so some may be under
way at day 0); a new hire starts well. An episode is laid on the real timeline by skipping the planned leave that
falls inside it (leave is taken as planned, the sickness resumes after it), and stops at the end of the tenure (the
person leaves while sick: the episode ends with the job).

Common random numbers across sickness rates (a coupling by thinning). Tenure i of a post draws from its own
sub-stream ``random_streams.child_sequence(<the post's sickness stream>, i)``, read in fixed blocks of
``SICKNESS_BLOCK`` rows of 4 uniforms (U, V, W, X), row j for CANDIDATE j. Candidates arrive as a Poisson process at
the fixed rate R = R_s + R_l with R_s = ln 2 / m_s and R_l = ln 2 / m_l, which no sickness rate allowed by the
schema (s < 0.5) exceeds:

    onset_j = onset_(j-1) - ln(1 - U_j) / R,   long_j = (V_j < R_l / R),
    kept_j = (W_j < r_type / R_type),   length_j = m_type x G^-1(X_j) / 4

(G^-1 the inverse CDF of the gamma distribution with shape 4; r_type / R_type = -ln(1 - q s) / ln 2 for long
candidates and ln((1 - q s) / (1 - s)) / ln 2 for short ones). Kept candidates are the episodes: thinning a Poisson
process gives a Poisson process of the kept rate. Only the keep thresholds depend on s, and both rise with s.

GUARANTEE. Two scenarios that differ only in ``sickness_rate`` (s1 < s2), run with the same seed and replication,
give every post the same leave, vacancies and tenures, and every episode at s1 is also an episode at s2 (same
onset, type and length); s2 only adds episodes. Hence, post by post and day by day: every day sick at s1 is sick at
s2, and every day long-term sick at s1 is long-term sick at s2 (set inclusion). So the days lost to sickness
(``sickness_short + sickness_long``) and to ``sickness_long`` in ANY window (the KPI window after a warm-up too) are
at least as many at s2, and so is the agency backfill of long-term sickness (each continuous long absence at s1 lies
inside one at s2 that starts no later, so its cover lies inside the s2 cover). NOT guaranteed: ``sickness_short``
alone (a short day can become long), the days the person is away (more backfill can cover leave inside a longer
absence), service KPIs (dispatch and queues are not monotone, though strongly positively correlated), and posts with
a forced absence (below). A higher ``long_term_share`` keeps the same candidates too (more long ones kept, fewer
short ones); the guarantee is only claimed for s.

Planned leave and turnover come from their own streams (``leave|...`` and ``turnover|...``) and their draws never
depend on the sickness parameters.

Backfill (``absence.backfill``): a continuous absence of a covered kind (a long sickness episode, leave inside it
included, or a vacancy) longer than ``after_days + lead_time_days`` gets an agency worker from ``after_days +
lead_time_days`` after its start until its end. The agency worker does the post's work at the post's capacity and
costs ``agency_day_rate_gbp`` x fraction per working day.

Forced absences (``scenario.forced_absences``, passed as ``forced`` windows [start, end) in working days): laid over
the drawn timeline, which is otherwise left exactly as drawn (so outside the window the post's absences are
bit-for-bit those of the same scenario without the forced absence):

* ``kind="sickness"``: the window is one long-term sickness absence of the post (joined with any drawn long episode
  it overlaps or touches into one continuous absence). Planned leave inside it is still taken as planned (as in a
  drawn long episode) and a vacancy inside it stays a vacancy; every other day of the window counts as
  ``sickness_long`` (drawn short sickness inside it is absorbed). Pay continues. Backfilled as long-term sickness.
* ``kind="vacancy"``: the window is vacant (joined with any drawn vacancy it overlaps or touches): no leave and no
  sickness inside it, every day counts as ``vacancy``, pay is saved. Backfilled as a vacancy. The drawn resignation
  times are not changed (the post keeps its drawn turnover and sickness outside the window).

Either way nobody works the post during the window except an agency worker sent by the backfill rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaincinv

from model.scenario.schema import Absence
from model.scenario.units import MONTHS_PER_YEAR, WORKING_DAYS_PER_MONTH, WORKING_DAYS_PER_YEAR
from model.simulation.random_streams import child_sequence

CAUSES = ("annual_leave", "sickness_short", "sickness_long", "vacancy")
"""Causes of days lost; ``annual_leave`` covers ALL planned leave (annual, bank holidays and other leave)."""

# (calendar month 1-12, working-day offset in that month), most important first.
BANK_HOLIDAYS: tuple[tuple[int, int], ...] = (
    (12, 17),  # Christmas Day
    (12, 18),  # Boxing Day
    (1, 0),  # New Year's Day
    (4, 2),  # Good Friday (Easter taken as early April)
    (4, 3),  # Easter Monday
    (5, 0),  # early May bank holiday
    (5, 20),  # spring bank holiday
    (8, 20),  # summer bank holiday
)
LEAVE_BLOCK_DAYS = 5.0
EPISODE_SHAPE = 4.0  # gamma shape of sickness episode lengths: cv = 1 / sqrt(4) = 0.5
SICKNESS_BLOCK = 256  # candidate rows (4 uniforms each) drawn at a time: fixed, so row j never moves
BURN_IN_MEANS = 5.0  # the first tenure's candidates start 5 x m_long before day 0 (P(longer episode) ~ 3e-6)
FORCED_KINDS = ("sickness", "vacancy")

Intervals = list[tuple[float, float]]
Forced = tuple[float, float, str]
"""A forced absence window of a post: (start day, end day, kind "sickness" or "vacancy")."""


@dataclass
class PostTimeline:
    """Absence of one post over [0, horizon): disjoint intervals by cause, agency cover, and time away from work.

    ``lost[cause]``: sorted disjoint [start, end) intervals in working days, disjoint across causes too.
    ``backfill``: intervals with an agency worker in post. ``away``: when nobody works the post (the union of all
    absences minus backfill), merged, sorted.
    """

    lost: dict[str, Intervals] = field(default_factory=dict)
    backfill: Intervals = field(default_factory=list)
    away: Intervals = field(default_factory=list)

    def days(self, cause: str, start: float, end: float) -> float:
        """Working days lost to ``cause`` within [start, end)."""
        return overlap(self.lost.get(cause, []), start, end)


# --- interval helpers ------------------------------------------------------------------------------------------------


def merge(intervals: Intervals) -> Intervals:
    """Sorted union of [start, end) intervals; touching intervals are joined; empty ones dropped."""
    merged: Intervals = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(intervals: Intervals, remove: Intervals) -> Intervals:
    """``intervals`` minus ``remove`` (both sorted and disjoint); result sorted and disjoint."""
    result: Intervals = []
    j = 0
    for start, end in intervals:
        while j < len(remove) and remove[j][1] <= start:
            j += 1
        k = j
        current = start
        while k < len(remove) and remove[k][0] < end:
            if remove[k][0] > current:
                result.append((current, remove[k][0]))
            current = max(current, remove[k][1])
            k += 1
        if current < end:
            result.append((current, end))
    return result


def clip(intervals: Intervals, start: float, end: float) -> Intervals:
    """Intervals cut to [start, end)."""
    return [(max(a, start), min(b, end)) for a, b in intervals if b > start and a < end]


def overlap(intervals: Intervals, start: float, end: float) -> float:
    """Total length of ``intervals`` (disjoint) inside [start, end)."""
    return sum(max(0.0, min(b, end) - max(a, start)) for a, b in intervals)


# --- the pieces ------------------------------------------------------------------------------------------------------


def sickness_episode_rates(absence: Absence) -> tuple[float, float]:
    """(short, long) episode rates per SCHEDULED working day giving ``sickness_rate`` s and ``long_term_share`` q
    with overlapping episodes: r_long = -ln(1 - q s) / m_long, r_short = ln((1 - q s) / (1 - s)) / m_short."""
    s, q = absence.sickness_rate, absence.long_term_share
    if s <= 0.0:
        return 0.0, 0.0
    long_load = -math.log1p(-q * s)
    short_load = math.log1p(-q * s) - math.log1p(-s)
    return short_load / absence.short_episode_mean_days, long_load / absence.long_episode_mean_days


def bank_holiday_days(absence: Absence, horizon_days: float, start_calendar_month: int) -> tuple[list[float], float]:
    """Start days of the common bank holidays in [0, horizon) and the leftover bank-holiday days per year
    (added to the annual-leave pool)."""
    used = BANK_HOLIDAYS[: min(len(BANK_HOLIDAYS), math.floor(absence.bank_holidays_days))]
    leftover = absence.bank_holidays_days - len(used)
    days: list[float] = []
    months = math.ceil(horizon_days / WORKING_DAYS_PER_MONTH) + 1
    for month in range(months):
        calendar = (start_calendar_month - 1 + month) % MONTHS_PER_YEAR + 1
        first = math.floor(month * WORKING_DAYS_PER_MONTH)
        for holiday_month, offset in used:
            if holiday_month == calendar and first + offset < horizon_days:
                days.append(float(first + offset))
    return sorted(days), leftover


def leave_blocks(
    pool_days_per_year: float, holidays: list[float], horizon_days: float, rng: np.random.Generator
) -> Intervals:
    """Annual-leave blocks: 5-day blocks (remainder shorter) per 261-day leave year at random whole-day starts."""
    if pool_days_per_year <= 0.0:
        return []
    whole = math.floor(pool_days_per_year / LEAVE_BLOCK_DAYS + 1e-9)
    lengths = [LEAVE_BLOCK_DAYS] * whole
    rest = pool_days_per_year - whole * LEAVE_BLOCK_DAYS
    if rest > 1e-9:
        lengths.append(rest)
    year = WORKING_DAYS_PER_YEAR
    blocks: Intervals = []
    for y in range(math.ceil(horizon_days / year)):
        y0 = y * year
        taken: Intervals = [(d, d + 1.0) for d in holidays if y0 <= d < y0 + year]
        for length in lengths:
            span = max(1, math.floor(year - length) + 1)
            for _attempt in range(64):
                begin = y0 + float(rng.integers(span))
                end = begin + length
                if all(end <= a or begin >= b for a, b in taken):
                    break
            taken.append((begin, end))
            blocks.append((begin, end))
    return merge(clip(blocks, 0.0, horizon_days))


def vacancies(absence: Absence, horizon_days: float, rng: np.random.Generator) -> Intervals:
    """Vacancy intervals: exponential time in post (mean 261 / turnover rate), then ``vacancy_refill_days`` vacant."""
    rate = absence.turnover_rate_per_year / WORKING_DAYS_PER_YEAR
    if rate <= 0.0:
        return []
    out: Intervals = []
    t = 0.0
    while True:
        t += rng.exponential(1.0 / rate)
        if t >= horizon_days:
            return out
        end = t + absence.vacancy_refill_days
        if end > t:
            out.append((t, min(end, horizon_days)))
        t = end


def sickness_spans(
    absence: Absence, scheduled_days: float, seed: np.random.SeedSequence, burn_in_days: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Episodes of ONE tenure on its SCHEDULED clock: (starts, ends, is_long) arrays, in onset order, for the
    episodes under way in [0, scheduled_days) (ends cut at ``scheduled_days``; starts may be negative when
    ``burn_in_days`` > 0: candidates then start at -burn_in_days).

    ``seed`` is the tenure's SeedSequence, read in fixed blocks of ``SICKNESS_BLOCK`` candidate rows of 4 uniforms
    and thinned (module docstring), so candidate j uses the same uniforms whatever the sickness rate.
    """
    r_short, r_long = sickness_episode_rates(absence)
    if r_short + r_long <= 0.0 or scheduled_days <= 0.0:
        empty = np.empty(0)
        return empty, empty, np.empty(0, dtype=bool)
    m_short, m_long = absence.short_episode_mean_days, absence.long_episode_mean_days
    cap_short, cap_long = math.log(2.0) / m_short, math.log(2.0) / m_long
    cap = cap_short + cap_long
    rng = np.random.Generator(np.random.PCG64(seed))
    starts_list, lengths_list, long_list = [], [], []
    t = -burn_in_days
    while t < scheduled_days:
        u = rng.random((SICKNESS_BLOCK, 4))
        onsets = t + np.cumsum(-np.log1p(-u[:, 0]) / cap)
        is_long = u[:, 1] < cap_long / cap
        kept = u[:, 2] < np.where(is_long, r_long / cap_long, r_short / cap_short)
        kept &= onsets < scheduled_days
        t = float(onsets[-1])
        long_kept = is_long[kept]
        unit = gammaincinv(EPISODE_SHAPE, u[kept, 3]) / EPISODE_SHAPE
        starts_list.append(onsets[kept])
        lengths_list.append(unit * np.where(long_kept, m_long, m_short))
        long_list.append(long_kept)
    starts = np.concatenate(starts_list)
    ends = starts + np.concatenate(lengths_list)
    is_long = np.concatenate(long_list)
    keep = ends > 0.0
    return starts[keep], np.minimum(ends[keep], scheduled_days), is_long[keep]


def scheduled_to_real(off: Intervals, scheduled: np.ndarray, side: str) -> np.ndarray:
    """Map times on the scheduled clock (real time minus the ``off`` intervals) to real time.

    ``side="right"`` puts a time that falls at the start of an off interval after it (for episode starts);
    ``side="left"`` before it (for episode ends).
    """
    if not off:
        return scheduled.copy()
    a = np.array([i[0] for i in off])
    length = np.array([i[1] - i[0] for i in off])
    before = np.concatenate(([0.0], np.cumsum(length)))
    scheduled_start = a - before[:-1]
    count = np.searchsorted(scheduled_start, scheduled, side=side)
    return scheduled + before[count]


def complement(intervals: Intervals, start: float, end: float) -> Intervals:
    """The parts of [start, end) not covered by ``intervals`` (sorted, disjoint)."""
    return subtract([(start, end)], merge(clip(intervals, start, end))) if end > start else []


def tenure_sickness(
    absence: Absence,
    tenure: tuple[float, float],
    leave: Intervals,
    seed: np.random.SeedSequence,
    burn_in_days: float = 0.0,
) -> tuple[Intervals, Intervals]:
    """(short, long) sickness episodes of one tenure [a, b) on the real timeline (leave inside an episode included,
    episodes cut to [a, b), possibly overlapping). ``leave``: the post's planned leave (sorted, disjoint), skipped by
    the scheduled clock. ``burn_in_days``: see :func:`sickness_spans`."""
    a, b = tenure
    off = [(x - a, y - a) for x, y in clip(leave, a, b)]
    scheduled = (b - a) - sum(y - x for x, y in off)
    starts, ends, is_long = sickness_spans(absence, scheduled, seed, burn_in_days)
    real_starts = a + scheduled_to_real(off, starts, "right")
    real_ends = a + scheduled_to_real(off, ends, "left")
    short: Intervals = []
    long: Intervals = []
    for begin, end, long_episode in zip(real_starts.tolist(), real_ends.tolist(), is_long.tolist(), strict=True):
        begin, end = max(begin, a), min(end, b)
        if end > begin:
            (long if long_episode else short).append((begin, end))
    return short, long


def post_timeline(
    absence: Absence,
    horizon_days: float,
    start_calendar_month: int,
    rng_leave: np.random.Generator,
    sickness_seed: np.random.SeedSequence,
    rng_turnover: np.random.Generator,
    forced: list[Forced] | tuple[Forced, ...] = (),
) -> PostTimeline:
    """Draw the absence timeline of one post over [0, horizon_days) (see the module docstring for the rules).

    ``sickness_seed``: the post's sickness stream; tenure i (the i-th person in post) draws from its child i.
    ``forced``: forced absence windows (start day, end day, kind) laid over the drawn timeline.
    """
    drawn_vacant = merge(vacancies(absence, horizon_days, rng_turnover))
    holidays, leftover = bank_holiday_days(absence, horizon_days, start_calendar_month)
    pool = absence.annual_leave_days + absence.other_leave_days + leftover
    blocks = leave_blocks(pool, holidays, horizon_days, rng_leave)
    leave = subtract(merge(blocks + [(d, min(d + 1.0, horizon_days)) for d in holidays]), drawn_vacant)

    short_spans: Intervals = []
    long_spans: Intervals = []
    burn_in = BURN_IN_MEANS * absence.long_episode_mean_days
    for index, tenure in enumerate(complement(drawn_vacant, 0.0, horizon_days)):
        seed = child_sequence(sickness_seed, index)
        short, long = tenure_sickness(absence, tenure, leave, seed, burn_in if tenure[0] <= 0.0 else 0.0)
        short_spans += short
        long_spans += long

    for _start, _end, kind in forced:
        if kind not in FORCED_KINDS:
            raise ValueError(f"forced absence kind must be one of {FORCED_KINDS}, got {kind!r}")
    forced_sick = merge(clip([(a, b) for a, b, kind in forced if kind == "sickness"], 0.0, horizon_days))
    forced_vacant = merge(clip([(a, b) for a, b, kind in forced if kind == "vacancy"], 0.0, horizon_days))
    vacant = merge(drawn_vacant + forced_vacant)
    leave = subtract(leave, forced_vacant)
    off = merge(leave + vacant)
    # Long absences on the real timeline (leave inside them included), cut by vacancies: what backfill covers.
    long_absences = subtract(merge(long_spans + forced_sick), vacant)
    short_absences = subtract(merge(short_spans), merge(long_absences + vacant))
    lost = {
        "annual_leave": leave,
        "sickness_short": subtract(short_absences, off),
        "sickness_long": subtract(long_absences, off),
        "vacancy": vacant,
    }

    backfill: Intervals = []
    rule = absence.backfill
    if rule.enabled:
        delay = rule.after_days + rule.lead_time_days
        covered: Intervals = []
        if "long_term_sickness" in rule.covers:
            covered += long_absences
        if "vacancy" in rule.covers:
            covered += vacant
        backfill = merge([(a + delay, b) for a, b in covered if b > a + delay])
    away = subtract(merge([i for spans in lost.values() for i in spans]), backfill)
    return PostTimeline(lost=lost, backfill=backfill, away=away)
