"""Forced absences (``scenario.forced_absences``): one host post taken out over a window of months, as long-term
sickness or a vacancy, laid over its drawn absences and backfilled like any other long absence. Times in working
days (21.75 a month)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_risk_toy import toy_dict

from model.scenario import WORKING_DAYS_PER_MONTH, WORKING_DAYS_PER_YEAR, Absence, ScenarioError, scenario_from_dict
from model.simulation import post_fractions, simulate
from model.simulation.absence import CAUSES, clip, complement, overlap, post_timeline, subtract
from model.simulation.random_streams import generator, seed_sequence, stream_name

MONTH = WORKING_DAYS_PER_MONTH
NO_NATURAL_ABSENCE = {
    "annual_leave_days": 0.0,
    "bank_holidays_days": 0.0,
    "other_leave_days": 0.0,
    "sickness_rate": 0.0,
    "turnover_rate_per_year": 0.0,
}


def toy(forced: list[dict], absence: dict | None = None, sole_holder: bool = False, **kwargs) -> object:
    """The risk toy (12 months; advisors 2 FTE, specialist 1 FTE) with forced absences and absence settings."""
    data = toy_dict(**kwargs)
    data["forced_absences"] = forced
    data["absence"].update(absence or {})
    if sole_holder:  # the specialist alone can do casework
        data["roles"][0]["cross_skills"] = {}
    return scenario_from_dict(data, origin="toy")


def staff_row(output, role: str, person: int):
    staff = output.staff
    return staff[(staff["team"] == "host") & (staff["role"] == role) & (staff["person"] == person)].iloc[0]


# --- schema ----------------------------------------------------------------------------------------------------------


def test_schema_checks_role_and_person_index() -> None:
    good = toy([{"role": "advisor", "person": 1, "start_month": 2, "months": 1.5}], advisor_fte=1.6)
    assert good.forced_absences[0].kind == "sickness"  # the default
    with pytest.raises(ScenarioError) as error:
        toy(
            [
                {"role": "advisor", "person": 2, "start_month": 0, "months": 1},
                {"role": "nobody", "person": 0, "start_month": 0, "months": 1},
                {"role": "specialist", "person": 1, "start_month": 0, "months": 1},
            ],
            advisor_fte=1.6,
        )
    assert error.value.problems == [
        "toy: forced_absences[0].person: role 'advisor' has 2 people (0-1)",
        "toy: forced_absences[1].role: unknown role 'nobody'; known: advisor, specialist",
        "toy: forced_absences[2].person: role 'specialist' has 1 person (0)",
    ]
    for bad, field in (
        ({"months": 0}, "months"),
        ({"start_month": -1}, "start_month"),
        ({"person": -1}, "person"),
        ({"kind": "holiday"}, "kind"),
        ({"extra": 1}, "extra"),
    ):
        item = {"role": "advisor", "person": 0, "start_month": 0, "months": 1, **bad}
        with pytest.raises(ScenarioError, match=rf"forced_absences\[0\]\.{field}"):
            toy([item])


@pytest.mark.parametrize("fte", [0.0, 0.4, 1.0, 1.6, 2.0, 2.5, 3.0000000001])
def test_schema_counts_people_as_the_simulator_does(fte: float) -> None:
    people = len(post_fractions(fte))
    if people:
        toy([{"role": "advisor", "person": people - 1, "start_month": 0, "months": 1}], advisor_fte=fte)
    with pytest.raises(ScenarioError, match="forced_absences\\[0\\].person"):
        toy([{"role": "advisor", "person": people, "start_month": 0, "months": 1}], advisor_fte=fte)


# --- the timeline of one post ----------------------------------------------------------------------------------------


def post(absence: Absence, horizon: float, index: int, forced=()):
    return post_timeline(
        absence,
        horizon,
        4,
        generator(5, 0, "leave", "host", "x", index),
        seed_sequence(5, 0, stream_name("sickness", "host", "x", index)),
        generator(5, 0, "turnover", "host", "x", index),
        forced,
    )


def test_forced_window_on_a_post_without_other_absence_by_hand() -> None:
    absence = Absence(**NO_NATURAL_ABSENCE, backfill={"after_days": 20.0, "lead_time_days": 10.0})
    w0, w1 = 4 * MONTH, 7 * MONTH  # months 4-6: 65.25 working days
    sick = post(absence, 261.0, 0, [(w0, w1, "sickness")])
    assert sick.lost["sickness_long"] == [(w0, w1)]
    assert sick.backfill == [(w0 + 30.0, w1)]  # agency worker after 20 + 10 working days
    assert sick.away == [(w0, w0 + 30.0)]
    vacant = post(absence, 261.0, 0, [(w0, w1, "vacancy")])
    assert vacant.lost["vacancy"] == [(w0, w1)] and vacant.lost["sickness_long"] == []
    assert vacant.backfill == [(w0 + 30.0, w1)]
    # Not covered by the policy: away for the whole window. Windows past the horizon are cut.
    uncovered = Absence(**NO_NATURAL_ABSENCE, backfill={"covers": ["vacancy"]})
    assert post(uncovered, 261.0, 0, [(w0, w1, "sickness")]).away == [(w0, w1)]
    assert post(absence, 200.0, 0, [(w0, 300.0, "vacancy")]).lost["vacancy"] == [(w0, 200.0)]
    # Two overlapping windows are one continuous absence (one backfill delay).
    both = post(absence, 261.0, 0, [(w0, w0 + 20.0, "sickness"), (w0 + 10.0, w1, "sickness")])
    assert both.lost["sickness_long"] == [(w0, w1)] and both.backfill == [(w0 + 30.0, w1)]


@pytest.mark.parametrize("kind", ["sickness", "vacancy"])
def test_forced_window_is_laid_over_the_drawn_timeline(kind: str) -> None:
    """With leave, sickness and turnover drawn: outside the window every cause is exactly as without the forced
    absence; inside it, days lost add up to the window (sickness: planned leave and drawn vacancy inside it keep
    their cause, everything else is long-term sickness; vacancy: every day is vacant); nobody works the post in the
    window except the agency worker; and an absence not cut by a vacancy is covered from 30 days into the window."""
    absence = Absence(sickness_rate=0.06, turnover_rate_per_year=0.5, vacancy_refill_days=40.0)
    horizon = 3 * WORKING_DAYS_PER_YEAR
    w0, w1 = 10 * MONTH, 13.5 * MONTH
    window = [(w0, w1)]
    outside = complement(window, 0.0, horizon)
    covered_from_30 = 0
    for index in range(60):
        base = post(absence, horizon, index)
        forced = post(absence, horizon, index, [(w0, w1, kind)])
        for cause in CAUSES:
            for a, b in outside:
                assert clip(forced.lost[cause], a, b) == clip(base.lost[cause], a, b), (index, cause)
        inside = {cause: forced.days(cause, w0, w1) for cause in CAUSES}
        assert sum(inside.values()) == pytest.approx(w1 - w0)
        if kind == "sickness":
            assert inside["annual_leave"] == pytest.approx(base.days("annual_leave", w0, w1))
            assert inside["vacancy"] == pytest.approx(base.days("vacancy", w0, w1))
            assert inside["sickness_short"] == 0.0
        else:
            assert inside["vacancy"] == pytest.approx(w1 - w0)
        assert overlap(forced.away, w0, w1) + overlap(forced.backfill, w0, w1) == pytest.approx(w1 - w0)
        if base.days("vacancy", w0 - 30.0, w1) == 0.0:  # no drawn vacancy cuts the absence
            assert sum(b - a for a, b in subtract([(w0 + 30.0, w1)], forced.backfill)) < 1e-9
            covered_from_30 += 1
    assert covered_from_30 > 30


# --- the simulator ---------------------------------------------------------------------------------------------------


def test_staff_table_counts_the_window_and_its_pay_and_backfill() -> None:
    """Specialist away months 4-6 (65.25 days) in a 12-month run with no other absence: 65.25 days lost, agency
    from day 30 (35.25 days at 400 a day); sick pay continues, a vacancy saves 65.25 days of pay."""
    forced = {"role": "specialist", "person": 0, "start_month": 4, "months": 3}
    base = simulate(toy([], NO_NATURAL_ABSENCE), 0)
    loaded = 40700.0 * 1.27
    for kind in ("sickness", "vacancy"):
        out = simulate(toy([{**forced, "kind": kind}], NO_NATURAL_ABSENCE), 0)
        row = staff_row(out, "specialist", 0)
        cause = "sickness_long" if kind == "sickness" else "vacancy"
        assert row[cause] == pytest.approx(65.25)
        assert sum(row[c] for c in CAUSES) == pytest.approx(65.25)
        assert row["backfill_days"] == pytest.approx(35.25)
        assert row["backfill_cost_gbp"] == pytest.approx(35.25 * 400.0)
        assert row["available_days"] == pytest.approx(261.0 - 30.0)
        saved = 65.25 * loaded / WORKING_DAYS_PER_YEAR if kind == "vacancy" else 0.0
        assert row["pay_gbp"] == pytest.approx(loaded - saved)
        # the advisors' rows are untouched
        columns = [*CAUSES, "backfill_days", "pay_gbp"]
        np.testing.assert_array_equal(
            out.staff[out.staff["role"] == "advisor"][columns].to_numpy(),
            base.staff[base.staff["role"] == "advisor"][columns].to_numpy(),
        )


def casework(out):
    cases = out.cases
    return cases[cases["service"] == "casework"]


def test_sole_holder_does_no_work_in_the_window_without_backfill() -> None:
    """The specialist alone can do casework. Away months 4-6 with backfill off (sickness, leave and turnover as
    drawn): no casework step starts and no casework case completes inside the window; the step in progress at its
    start is handed back; casework that arrived in the window starts only after it. The run is identical to the
    base before the window."""
    w0, w1 = 4 * MONTH, 7 * MONTH
    forced = [{"role": "specialist", "person": 0, "start_month": 4, "months": 3}]
    settings = {"backfill": {"enabled": False}}
    base = casework(simulate(toy([], settings, sole_holder=True), 3))
    out = casework(simulate(toy(forced, settings, sole_holder=True), 3))
    starts = out["first_start_day"].to_numpy()
    ends = out["end_day"].to_numpy()
    assert not ((starts >= w0) & (starts < w1)).any()
    assert not ((ends > w0) & (ends <= w1)).any()
    arrived_inside = out[(out["arrival_day"] >= w0) & (out["arrival_day"] < w1)]
    assert len(arrived_inside) >= 2
    assert (arrived_inside["first_start_day"] >= w1).all()
    # The base run did casework inside the window; both runs agree on every case that ended before it.
    base_starts = base["first_start_day"].to_numpy()
    assert ((base_starts >= w0) & (base_starts < w1)).any()
    before = base["end_day"].to_numpy() < w0
    np.testing.assert_array_equal(out["end_day"].to_numpy()[before], base["end_day"].to_numpy()[before])


def test_a_post_away_for_the_whole_run_does_no_work() -> None:
    """Advisor 1 forced off for the whole horizon (backfill off): it is never available and never busy, while
    advisor 0 and the specialist carry the advice work."""
    forced = [{"role": "advisor", "person": 1, "start_month": 0, "months": 12}]
    out = simulate(toy(forced, {"backfill": {"enabled": False}}), 0)
    row = staff_row(out, "advisor", 1)
    assert row["available_days"] == 0.0 and row["busy_days"] == 0.0
    assert staff_row(out, "advisor", 0)["busy_days"] > 0.0
    assert out.cases["completed"].mean() > 0.9


def test_backfill_arrives_after_the_delay() -> None:
    """Sole holder away months 4-6 with agency cover after 20 + 10 days (no other absence): no casework starts in
    the first 30 days of the window, the agency worker starts casework from day 30, and the post's busy time
    inside the window is at most the agency days."""
    w0, w1 = 4 * MONTH, 7 * MONTH
    forced = [{"role": "specialist", "person": 0, "start_month": 4, "months": 3}]
    settings = {**NO_NATURAL_ABSENCE, "backfill": {"after_days": 20.0, "lead_time_days": 10.0}}
    out = simulate(toy(forced, settings, sole_holder=True), 1)
    starts = casework(out)["first_start_day"].to_numpy()
    assert not ((starts >= w0) & (starts < w0 + 30.0)).any()
    assert ((starts >= w0 + 30.0) & (starts < w1)).any()
    row = staff_row(out, "specialist", 0)
    assert row["backfill_days"] == pytest.approx(w1 - w0 - 30.0)
    assert row["busy_days"] <= 261.0 - 30.0 + 1e-9
    # A longer delay (policy after 40 days): still nothing before the agency worker arrives.
    slow = {**settings, "backfill": {"after_days": 40.0, "lead_time_days": 10.0}}
    late = casework(simulate(toy(forced, slow, sole_holder=True), 1))["first_start_day"].to_numpy()
    assert not ((late >= w0) & (late < w0 + 50.0)).any()
    assert math.isclose(staff_row(simulate(toy(forced, slow), 1), "specialist", 0)["backfill_days"], w1 - w0 - 50.0)
