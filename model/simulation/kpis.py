"""Per-replication KPIs from one simulation output, as a long (tidy) table with columns ``KPI_COLUMNS``.

Each row is one number: ``metric`` (below) for one ``service``, ``member``, ``role`` and ``period``; "all" where a
dimension does not apply or is aggregated over. For staff metrics the ``member`` column holds the TEAM ("host", or the
member whose in-house team it is). ``period`` is "all", or the label "YYYY-MM" of a calendar month (see each metric).

Case metrics use the cases that ARRIVED AFTER THE WARM-UP from the demand process (``origin == "arrival"``): warm-up
cases and the initial backlog (inherited, with an unknown true arrival date) are simulated, use staff time and count in
the backlog, but are excluded from the case KPIs. Staff and cost metrics cover the KPI window [warm-up, horizon).

SLA rule (unfinished cases): a case completed within its service's ``kpi.target_days`` (arrival to end of the last
step, waits included) is a hit; completed later, or still open at the horizon when already older than the target, a
miss; still open and younger than the target, unknown and left out of the attainment. A case's KPI outcome becomes
known at the earlier of its completion and its deadline (arrival + target): the period metrics put each case in the
review period (``simulation.kpi_review_months`` long, starting at month 0) in which its outcome became known, as a
bi-monthly KPI report would.

Metrics (unit):

* ``cases_arrived`` (cases), ``cases_completed`` (of those, completed by the horizon), ``cases_open_end`` (still open):
  by all / service / member / service x member.
* ``sla_attainment`` (fraction 0-1 of cases with a known outcome that met the target; NaN if none) and ``sla_cases``
  (cases with a known outcome): by all / service / member / service x member, both over the whole KPI window
  (period "all") and per review period (period = the review period in which the outcome became known; every period
  after the warm-up is listed, with NaN attainment when it has no case).
* ``sla_target_met`` (1 if the service met its ``kpi.target_fraction``, else 0): by service, judged per team that
  served it (host, each in-house team, external): 1 only if every team's own attainment meets the target.
* KPI reliability in the SLA's terms (``model.simulation.reliability``), by service x TEAM (the ``member`` column holds the team
  that served the cases: "host", the member's name for its in-house team, or "external"), so a mixed-mode service's
  verdict never mixes teams: ``kpi_periods_scored`` (review periods of the scoring window that could be scored),
  ``kpi_periods_met`` (of those, periods whose rolling attainment met the target) and ``kpi_reliability`` (met /
  scored, NaN if none). ``all_kpis_periods_scored`` / ``all_kpis_periods_met`` (all x all): periods in which every
  staffed team (host and in-house) of every service was scored, and of those the periods in which all were met.
  Pool the counts over replications (sum met / sum scored) for the run's reliability.
* ``queue_wait_mean_days``, ``queue_wait_p50_days``, ``queue_wait_p90_days``, ``queue_wait_p95_days`` (working
  days a completed case's work steps waited for staff, summed over its steps) and ``queue_wait_prob_positive``
  (fraction of completed cases that waited at all): by all / service, completed cases only.
* ``completion_mean_days``, ``completion_p50_days``, ``completion_p90_days`` (working days from arrival to the end of
  the last step): by all / service, completed cases only.
* ``backlog_open_cases`` (cases open: arrived, not completed, warm-up and backlog cases included): by service and all,
  at every review point; period = "YYYY-MM", the month at whose START the count is taken (the last point, the
  horizon, is labelled with the month after the last simulated month).
* ``utilisation`` (fraction: busy days / available days, weighted by each person's FTE; available = days someone,
  the person or an agency worker, worked the post): by team x role, team x all and all x all.
* ``days_lost_annual_leave`` (all planned leave), ``days_lost_sickness_short``, ``days_lost_sickness_long``,
  ``days_lost_vacancy`` (FTE working days per year), ``sickness_absence_rate`` (fraction of scheduled FTE-days, i.e.
  not on leave and not vacant, lost to sickness), ``backfill_days`` (agency FTE-days per year),
  ``backfill_cost_gbp_per_year`` (pounds per year): by team x role, team x all and all x all.
* ``host_pay_gbp_per_year`` (host posts' salary + on-costs while filled), ``in_house_pay_gbp_per_year`` (members'
  in-house teams, pro rata to the share of the window in which the member belongs to the group),
  ``non_pay_gbp_per_year`` (systems, licences and external purchases by month of membership and mode, per-case
  prices on the cases that arrived, by service and all), ``host_overhead_gbp_per_year`` (``host.overheads``),
  ``total_cost_gbp_per_year`` = host pay + in-house pay + backfill + non-pay + host overhead. All in pounds per year:
  totals over the KPI window x 261 / window days (x 12 / window months for the monthly non-pay).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.scenario.schema import Mode, Scenario
from model.scenario.units import MONTHS_PER_YEAR, WORKING_DAYS_PER_MONTH, WORKING_DAYS_PER_YEAR
from model.simulation.absence import CAUSES
from model.simulation.engine import HOST_TEAM, SimulationOutput
from model.simulation.reliability import EXTERNAL, team_of, team_verdicts

KPI_COLUMNS = ["replication", "metric", "service", "member", "role", "period", "value"]
ALL = "all"


def month_label(scenario: Scenario, month: int) -> str:
    """Calendar label "YYYY-MM" of simulation month ``month`` (0 = ``simulation.start``)."""
    sim = scenario.simulation
    index = sim.start_year * MONTHS_PER_YEAR + sim.start_calendar_month - 1 + month
    return f"{index // MONTHS_PER_YEAR:04d}-{index % MONTHS_PER_YEAR + 1:02d}"


class _Rows:
    def __init__(self, replication: int) -> None:
        self.replication = replication
        self.rows: list[tuple] = []

    def add(
        self, metric: str, value: float, service: str = ALL, member: str = ALL, role: str = ALL, period: str = ALL
    ) -> None:
        self.rows.append((self.replication, metric, service, member, role, period, float(value)))


def counted_cases(output: SimulationOutput) -> pd.DataFrame:
    """The cases the KPIs count: arrivals after the warm-up (not warm-up cases, not the inherited backlog)."""
    cases = output.cases
    return cases[(~cases["warm_up"].astype(bool)) & (cases["origin"] == "arrival")]


_WAIT_STATS = (
    "queue_wait_mean_days",
    "queue_wait_p50_days",
    "queue_wait_p90_days",
    "queue_wait_p95_days",
    "queue_wait_prob_positive",
    "completion_mean_days",
    "completion_p50_days",
    "completion_p90_days",
)


def _wait_stats(wait: np.ndarray, completion: np.ndarray) -> dict[str, float]:
    if not len(wait):
        return dict.fromkeys(_WAIT_STATS, np.nan)
    p50, p90, p95 = np.percentile(wait, [50, 90, 95])
    c50, c90 = np.percentile(completion, [50, 90])
    values = (wait.mean(), p50, p90, p95, float((wait > 0).mean()), completion.mean(), c50, c90)
    return dict(zip(_WAIT_STATS, values, strict=True))


def _case_metrics(scenario: Scenario, cases: pd.DataFrame, rows: _Rows) -> None:
    services = [s for s in scenario.service_names if any(s in scenario.subscribed(m) for m in scenario.members)]
    service_code = {name: i for i, name in enumerate(scenario.service_names)}
    member_code = {name: i for i, name in enumerate(scenario.member_names)}
    s_of = np.array([service_code[v] for v in cases["service"].tolist()], dtype=np.int64)
    m_of = np.array([member_code[v] for v in cases["member"].tolist()], dtype=np.int64)
    completed = cases["completed"].to_numpy(dtype=bool)
    met = cases["met_target"].to_numpy(dtype=float)
    known = ~np.isnan(met)
    wait = cases["queue_wait_days"].to_numpy(dtype=float)
    completion = cases["completion_days"].to_numpy(dtype=float)
    everything = np.ones(len(cases), dtype=bool)
    teams = team_of(cases)

    groups: list[tuple[str, str, np.ndarray]] = [(ALL, ALL, everything)]
    groups += [(service, ALL, s_of == service_code[service]) for service in services]
    groups += [(ALL, member, m_of == member_code[member]) for member in scenario.member_names]
    for member in scenario.members:
        in_member = m_of == member_code[member.name]
        groups += [(s, member.name, in_member & (s_of == service_code[s])) for s in scenario.subscribed(member)]

    for service, member, mask in groups:
        done = mask & completed
        rows.add("cases_arrived", int(mask.sum()), service, member)
        rows.add("cases_completed", int(done.sum()), service, member)
        rows.add("cases_open_end", int((mask & ~completed).sum()), service, member)
        outcomes = met[mask & known]
        attainment = outcomes.mean() if len(outcomes) else np.nan
        rows.add("sla_cases", len(outcomes), service, member)
        rows.add("sla_attainment", attainment, service, member)
        if member == ALL and service != ALL:
            # The verdict is per TEAM (host, each in-house team, external): met only if every team that served the
            # service met the target with its own cases, so a mixed-mode service never averages a failing team away.
            target = scenario.service(service).kpi.target_fraction
            verdicts = [met[mask & known & (teams == team)].mean() >= target for team in set(teams[mask & known])]
            rows.add("sla_target_met", float(all(verdicts)) if verdicts else np.nan, service)
        if member == ALL:
            for metric, value in _wait_stats(wait[done], completion[done]).items():
                rows.add(metric, value, service)

    # SLA by review period in which the outcome became known, per service x member (with "all" for either)
    sim = scenario.simulation
    review = sim.kpi_review_months
    first = (sim.warm_up_months // review) * review
    period_months = list(range(first, sim.horizon_months, review))
    labels = [month_label(scenario, month) for month in period_months]
    deadline = cases["arrival_day"].to_numpy(dtype=float) + cases["target_days"].to_numpy(dtype=float)
    decided = np.fmin(cases["end_day"].to_numpy(dtype=float), deadline)[known]
    position = (np.floor(decided / (review * WORKING_DAYS_PER_MONTH)).astype(np.int64) * review - first) // review
    n_periods, n_services, n_members = len(period_months), len(service_code) + 1, len(member_code) + 1
    all_s, all_m = n_services - 1, n_members - 1  # the "all" codes
    s_known, m_known, hits = s_of[known], m_of[known], met[known]
    size = n_periods * n_services * n_members
    counts = np.zeros(size)
    sums = np.zeros(size)
    for s_code, m_code in ((s_known, m_known), (s_known, all_m), (all_s, m_known), (all_s, all_m)):
        index = (position * n_services + s_code) * n_members + m_code
        counts += np.bincount(index, minlength=size)
        sums += np.bincount(index, weights=hits, minlength=size)
    combos = [(ALL, all_s, ALL, all_m)]
    combos += [(service, service_code[service], ALL, all_m) for service in services]
    combos += [(ALL, all_s, member, member_code[member]) for member in scenario.member_names]
    combos += [
        (service, service_code[service], member.name, member_code[member.name])
        for member in scenario.members
        for service in scenario.subscribed(member)
    ]
    for p, label in enumerate(labels):
        for service, s_code, member, m_code in combos:
            k = (p * n_services + s_code) * n_members + m_code
            count = counts[k]
            rows.add("sla_cases", count, service, member, period=label)
            rows.add("sla_attainment", sums[k] / count if count else np.nan, service, member, period=label)


def _reliability_metrics(scenario: Scenario, cases: pd.DataFrame, rows: _Rows) -> None:
    verdicts = team_verdicts(scenario, cases)
    if verdicts.empty:
        return
    for (service, team), group in verdicts.groupby(["service", "team"], sort=False):
        scored = int(group["scored"].sum())
        met = int(group["met"].sum())
        rows.add("kpi_periods_scored", scored, str(service), str(team))
        rows.add("kpi_periods_met", met, str(service), str(team))
        rows.add("kpi_reliability", met / scored if scored else np.nan, str(service), str(team))
    staffed = verdicts[verdicts["team"] != EXTERNAL]
    if staffed.empty:
        return
    by_period = staffed.groupby("period", sort=True)
    all_scored = by_period["scored"].all()
    all_met = by_period["met"].all() & all_scored
    rows.add("all_kpis_periods_scored", int(all_scored.sum()))
    rows.add("all_kpis_periods_met", int(all_met.sum()))


def _backlog_metrics(scenario: Scenario, output: SimulationOutput, rows: _Rows) -> None:
    backlog = output.backlog
    if backlog.empty:
        return
    by_service = backlog.groupby(["month", "service"], sort=False)["open_cases"].sum()
    totals = backlog.groupby("month", sort=False)["open_cases"].sum()
    for month, value in totals.items():
        rows.add("backlog_open_cases", value, period=month_label(scenario, int(month)))
    for (month, service), value in by_service.items():
        rows.add("backlog_open_cases", value, str(service), period=month_label(scenario, int(month)))


def _staff_metrics(output: SimulationOutput, rows: _Rows) -> None:
    staff = output.staff
    if staff.empty:
        return
    window = float(staff["window_days"].iloc[0])
    per_year = WORKING_DAYS_PER_YEAR / window if window > 0 else np.nan
    fte = staff["fte"].to_numpy(dtype=float)
    groups: list[tuple[str, str, np.ndarray]] = [(ALL, ALL, np.ones(len(staff), dtype=bool))]
    team = staff["team"].to_numpy()
    role = staff["role"].to_numpy()
    for team_name in dict.fromkeys(team):
        in_team = team == team_name
        groups.append((str(team_name), ALL, in_team))
        for role_name in dict.fromkeys(role[in_team]):
            groups.append((str(team_name), str(role_name), in_team & (role == role_name)))
    values = {name: staff[name].to_numpy(dtype=float) * fte for name in ("available_days", "busy_days", *CAUSES)}
    backfill = staff["backfill_days"].to_numpy(dtype=float) * fte
    backfill_cost = staff["backfill_cost_gbp"].to_numpy(dtype=float)
    for team_name, role_name, mask in groups:
        available = values["available_days"][mask].sum()
        busy = values["busy_days"][mask].sum()
        rows.add("utilisation", busy / available if available > 0 else np.nan, member=team_name, role=role_name)
        for cause in CAUSES:
            rows.add(f"days_lost_{cause}", values[cause][mask].sum() * per_year, member=team_name, role=role_name)
        scheduled = (window * fte[mask]).sum() - values["annual_leave"][mask].sum() - values["vacancy"][mask].sum()
        sick = values["sickness_short"][mask].sum() + values["sickness_long"][mask].sum()
        rows.add(
            "sickness_absence_rate", sick / scheduled if scheduled > 0 else np.nan, member=team_name, role=role_name
        )
        rows.add("backfill_days", backfill[mask].sum() * per_year, member=team_name, role=role_name)
        rows.add("backfill_cost_gbp_per_year", backfill_cost[mask].sum() * per_year, member=team_name, role=role_name)


def member_active_months(scenario: Scenario, member_name: str, months: range) -> int:
    """Months of ``months`` in which ``member_name`` belongs to the group (join_month <= m < leave_month)."""
    member = scenario.member(member_name)
    return sum(1 for m in months if m >= member.join_month and (member.leave_month is None or m < member.leave_month))


def non_pay_by_service(scenario: Scenario, output: SimulationOutput) -> dict[str, float]:
    """Non-pay cost per service over the KPI window, pounds per year (see the module docstring)."""
    sim = scenario.simulation
    months = range(sim.warm_up_months, sim.horizon_months)
    cases = output.cases
    counts: dict[tuple[str, str, int], int] = {}
    if len(cases):
        keys = zip(cases["member"].tolist(), cases["service"].tolist(), cases["arrival_month"].tolist(), strict=True)
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    totals: dict[str, float] = {}
    for service in scenario.services:
        options = service.delivery
        takers = []
        for member in scenario.members:
            window = scenario.service_window_months(member, service.name)
            if window is not None:
                takers.append((member, window[0], window[1], scenario.provision_of(member, service.name)))
        total = 0.0
        for month in months:
            users: dict[Mode, list] = {mode: [] for mode in Mode}
            for member, first, stop, mode in takers:
                if first <= month and (stop is None or month < stop):
                    users[mode].append(member)
            shared = users[Mode.SHARED]
            if shared and options.shared is not None:
                heads = sum(m.headcount for m in shared)
                cost = options.shared.fixed_cost_gbp_per_year + options.shared.per_head_cost_gbp_per_year * heads
                if options.shared.buys_externally and options.external is not None:
                    tier = options.external.tier_for(heads)
                    cost += tier.price_gbp_per_head_per_year * heads
                    n = sum(counts.get((m.name, service.name, month), 0) for m in shared)
                    total += tier.price_gbp_per_case * n
                total += cost / MONTHS_PER_YEAR
            if options.in_house is not None:
                option = options.in_house
                for member in users[Mode.IN_HOUSE]:
                    cost = option.fixed_cost_gbp_per_year + option.per_head_cost_gbp_per_year * member.headcount
                    total += cost / MONTHS_PER_YEAR
            if options.external is not None:
                for member in users[Mode.EXTERNAL]:
                    tier = options.external.tier_for(member.headcount)
                    total += tier.price_gbp_per_head_per_year * member.headcount / MONTHS_PER_YEAR
                    total += tier.price_gbp_per_case * counts.get((member.name, service.name, month), 0)
        totals[service.name] = total * MONTHS_PER_YEAR / len(months)
    return totals


def _cost_metrics(scenario: Scenario, output: SimulationOutput, rows: _Rows) -> None:
    staff = output.staff
    sim = scenario.simulation
    window = output.horizon_days - output.warm_up_days
    per_year = WORKING_DAYS_PER_YEAR / window
    host = staff[staff["team"] == HOST_TEAM]
    host_pay = float(host["pay_gbp"].sum()) * per_year
    in_house_pay = 0.0
    months = range(sim.warm_up_months, sim.horizon_months)
    for team_name, team in staff[staff["team"] != HOST_TEAM].groupby("team", sort=False):
        share = member_active_months(scenario, str(team_name), months) / len(months)
        in_house_pay += float(team["pay_gbp"].sum()) * per_year * share
    backfill = float(staff["backfill_cost_gbp"].sum()) * per_year
    non_pay = non_pay_by_service(scenario, output)
    overhead = scenario.host.overhead_gbp_per_year
    rows.add("host_pay_gbp_per_year", host_pay)
    rows.add("in_house_pay_gbp_per_year", in_house_pay)
    for service, value in non_pay.items():
        rows.add("non_pay_gbp_per_year", value, service)
    rows.add("non_pay_gbp_per_year", sum(non_pay.values()))
    rows.add("host_overhead_gbp_per_year", overhead)
    rows.add("total_cost_gbp_per_year", host_pay + in_house_pay + backfill + sum(non_pay.values()) + overhead)


def replication_kpis(scenario: Scenario, output: SimulationOutput) -> pd.DataFrame:
    """All KPIs of one replication as a long table (``KPI_COLUMNS``); metrics and units in the module docstring."""
    rows = _Rows(output.replication)
    counted = counted_cases(output)
    _case_metrics(scenario, counted, rows)
    _reliability_metrics(scenario, counted, rows)
    _backlog_metrics(scenario, output, rows)
    _staff_metrics(output, rows)
    _cost_metrics(scenario, output, rows)
    return pd.DataFrame(rows.rows, columns=KPI_COLUMNS)
