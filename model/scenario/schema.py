"""Scenario schema: the single, validated description of a shared HR service that every other module reads.

A scenario is a TOML file validated by the pydantic models below. Every model refuses unknown fields (a misspelt key is
an error, not silently ignored) and every quantity carries its unit in its name or docstring:

* money in pounds per year (``_gbp_per_year``), or pounds per case / per head / per day where the name says so;
* simulation time in working days (``_days``, 261 per year) and calendar months (``_month``/``_months``) counted from
  the simulation start (month 0 is the first month simulated);
* effort in hours of staff time (``_hours``);
* rates and fractions as numbers between 0 and 1 (``_rate``, ``_fraction``, ``_share``).

Every number must be finite (``inf`` and ``nan`` are refused) and physically sensible: at most ``MAX_AMOUNT`` for any
amount, time or count, and tighter limits where memory or meaning demand (``MAX_HEADCOUNT`` staff per member,
``MAX_FTE`` per role, ``MAX_CASES_PER_1000`` cases per 1,000 staff, ``MAX_BACKLOG`` cases waiting, ``MAX_CV``).
``true``/``false`` are not numbers, and text may not hold control characters (``model.scenario.files``).

Cross-field checks (the host is a member, subscribed services exist, every shared service has a role with its skill,
...) run after the single-field checks and report the full field path of each problem, for example
``members[2].services[0]: unknown service 'payrol'; known: recruitment, payroll_operational, ...``.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from model.scenario.errors import ScenarioError, UserError
from model.scenario.files import (
    MAX_SCENARIO_BYTES,
    check_structure,
    control_character,
    control_characters,
    parse_toml,
    read_input_file,
)
from model.scenario.units import MONTHS_PER_YEAR

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
DEFAULT_SCENARIO = SCENARIO_DIR / "herts_beds_luton.toml"

# Upper limits (README "Safe input and output", docs/hardening.md): generous for any real partnership, small enough
# that the simulation's memory stays bounded.
MAX_AMOUNT = 1e9  # any amount of money (GBP 1bn a year), time or quantity not limited more tightly below
MAX_HEADCOUNT = 200_000  # staff of one member (the largest NHS employers have about 20,000)
MAX_FTE = 1_000  # host FTE in one role, or a member's in-house FTE in one role
MAX_CASES_PER_1000 = 10_000  # cases per year per 1,000 staff: ten per person
MAX_BACKLOG = 100_000  # cases of one service waiting at the start
MAX_CV = 10.0  # coefficient of variation of a duration

NonNegative = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]
Positive = Annotated[float, Field(gt=0, le=MAX_AMOUNT)]
Fraction = Annotated[float, Field(ge=0, le=1)]
NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_ &'()\-.]*$"
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=NAME_PATTERN)]
BAND_PATTERN = r"^([1-9]|8[a-d])$"
START_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
PATTERN_WORDS = {  # what each pattern means, for error messages (never the raw regular expression)
    NAME_PATTERN: "a name may hold only letters, digits, spaces and _ & ' ( ) - . and must start with a letter, "
    "digit or _",
    BAND_PATTERN: "an Agenda for Change band is 1 to 9 or 8a to 8d",
    START_PATTERN: "a month is written YYYY-MM, e.g. 2018-04",
}


class Strict(BaseModel):
    """Base for all scenario models: unknown fields are refused, values are re-validated on assignment, numbers must
    be finite, and ``true``/``false`` are refused where a number is expected (pydantic would read them as 1/0)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_number(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name is not None:
            annotation = cls.model_fields[info.field_name].annotation
            if {annotation, *getattr(annotation, "__args__", ())} & {int, float}:
                raise ValueError(f"expected a number, got {str(value).lower()}")
        return value


class Mode(StrEnum):
    """How one member receives one service."""

    SHARED = "shared"  # delivered by the host team
    IN_HOUSE = "in_house"  # delivered by the member's own HR staff
    EXTERNAL = "external"  # commissioned from an external provider


class Distribution(Strict):
    """A positive random quantity given by its mean and coefficient of variation (standard deviation / mean).

    ``exponential`` ignores ``cv`` (it is 1 by definition); ``fixed`` ignores ``cv`` (it is 0). ``lognormal`` and
    ``gamma`` use ``cv`` as given. The unit is set by the field that holds the distribution (hours or working days).
    """

    distribution: Literal["exponential", "lognormal", "gamma", "fixed"] = "lognormal"
    mean: Positive
    cv: Annotated[float, Field(ge=0, le=MAX_CV)] = 0.5

    @property
    def effective_cv(self) -> float:
        """Coefficient of variation actually used (1 for exponential, 0 for fixed)."""
        return {"exponential": 1.0, "fixed": 0.0}.get(self.distribution, self.cv)


class Step(Strict):
    """One step of a case. ``work`` steps need a member of staff for ``duration.mean`` hours of effort; ``wait``
    steps take ``duration.mean`` working days of elapsed time waiting on others (pre-employment checks, a hearing
    date, the manager's investigation) and use no HR staff time."""

    name: Name
    kind: Literal["work", "wait"]
    duration: Distribution


DEFAULT_KPI_RELIABILITY = 0.8
"""Default ``kpi.reliability``: the SLA is reviewed bi-monthly (six reviews a year, Herts case study) and each review
goes to the members' boards; a KPI that is met in four reviews of five (at most about one red review a year) is the
standard a board would accept without remedial action. Today's Herts team meets it for every service (docs)."""


class Kpi(Strict):
    """A service-level target: at least ``target_fraction`` of cases completed within ``target_days`` working days
    of arrival (arrival to the end of the last step, waits included).

    ``reliability`` is how the SLA is judged by the members: the required probability that a review period's
    attainment (``simulation.kpi_review_months`` long, scored over a rolling window of at least
    ``simulation.kpi_min_cases`` cases, ``model.simulation.reliability``) meets ``target_fraction``."""

    description: str
    target_days: Positive
    target_fraction: Fraction
    reliability: Annotated[float, Field(gt=0, le=1)] = DEFAULT_KPI_RELIABILITY


class VolumeTier(Strict):
    """An external price that applies when the purchasing group covers at least ``min_headcount`` staff."""

    min_headcount: Annotated[int, Field(ge=0)]
    price_gbp_per_case: NonNegative = 0.0
    price_gbp_per_head_per_year: NonNegative = 0.0


class SharedOption(Strict):
    """Delivery by the host team. Staff time comes from the host roles; these are the extra costs of the mode.

    ``fixed_cost_gbp_per_year`` is paid once if any member uses the shared mode (systems such as TRAC or the HR
    intranet). ``per_head_cost_gbp_per_year`` is paid per member employee covered (licences such as MindTools).
    ``buys_externally``: the host commissions the service for the pool (joint purchasing, e.g. the EAP) at the
    external option's volume tier for the pooled headcount; host staff still do the ``work`` steps (contract admin).
    """

    fixed_cost_gbp_per_year: NonNegative = 0.0
    per_head_cost_gbp_per_year: NonNegative = 0.0
    buys_externally: bool = False


class InHouseOption(Strict):
    """Delivery by a member's own HR staff (roles from the catalogue, FTE set per member or by the optimiser).

    ``fixed_cost_gbp_per_year`` is paid by each member that keeps the service in house (its own system licence).
    """

    fixed_cost_gbp_per_year: NonNegative = 0.0
    per_head_cost_gbp_per_year: NonNegative = 0.0


class ExternalOption(Strict):
    """Commissioning from an external provider: no host capacity is used; the case takes ``lead_time_days`` working
    days (plus the service's wait steps) and costs the tier price. ``tiers`` must start at ``min_headcount = 0`` and
    rise; the tier is chosen by the headcount of the purchasing group (one member, or the pool when shared).
    ``kpi_attainment_fraction`` is the contracted share of cases meeting the KPI."""

    tiers: list[VolumeTier] = Field(min_length=1)
    lead_time_days: Distribution
    kpi_attainment_fraction: Fraction = 0.95
    source: str = ""

    @model_validator(mode="after")
    def _tiers_rise(self) -> ExternalOption:
        mins = [tier.min_headcount for tier in self.tiers]
        if mins[0] != 0:
            raise ValueError("tiers[0].min_headcount must be 0 so every volume has a price")
        if any(b <= a for a, b in zip(mins, mins[1:], strict=False)):
            raise ValueError("tiers must have strictly rising min_headcount")
        return self

    def tier_for(self, headcount: float) -> VolumeTier:
        """The price tier for a purchasing group of ``headcount`` staff."""
        chosen = self.tiers[0]
        for tier in self.tiers:
            if headcount >= tier.min_headcount:
                chosen = tier
        return chosen


class DeliveryOptions(Strict):
    """Which delivery modes exist for a service, with their costs; a missing mode is not available."""

    shared: SharedOption | None = None
    in_house: InHouseOption | None = None
    external: ExternalOption | None = None

    def available(self) -> list[Mode]:
        """The modes this service can be delivered in."""
        return [mode for mode in Mode if getattr(self, mode.value) is not None]


class Service(Strict):
    """One service in the catalogue, with its demand, effort, KPI and delivery options."""

    name: Name
    description: str = ""
    skill: Name = Field(description="skill a member of staff needs to do the work steps")
    demand_per_1000_headcount_per_year: Annotated[float, Field(ge=0, le=MAX_CASES_PER_1000)] = Field(
        description="cases per year arising from every 1,000 staff (headcount) of a member"
    )
    seasonality: list[Positive] | None = Field(
        default=None,
        description="12 relative monthly multipliers, January first; normalised to mean 1",
    )
    steps: list[Step] = Field(min_length=1)
    priority: Annotated[int, Field(ge=0, le=9)] = Field(
        default=5, description="0 = most urgent; staff take the most urgent waiting case first"
    )
    kpi: Kpi
    delivery: DeliveryOptions
    source: str = Field(default="", description="where the figures come from, or 'estimate' and why")

    @model_validator(mode="after")
    def _check(self) -> Service:
        if self.seasonality is not None and len(self.seasonality) != MONTHS_PER_YEAR:
            raise ValueError(f"seasonality must have 12 values (January to December), got {len(self.seasonality)}")
        if not any(step.kind == "work" for step in self.steps):
            raise ValueError("steps must include at least one 'work' step")
        if not self.delivery.available():
            raise ValueError("delivery must offer at least one of shared, in_house, external")
        return self

    @property
    def monthly_profile(self) -> list[float]:
        """Seasonality multipliers normalised to mean 1 (all ones when no profile is given), January first."""
        if self.seasonality is None:
            return [1.0] * MONTHS_PER_YEAR
        mean = sum(self.seasonality) / MONTHS_PER_YEAR
        return [value / mean for value in self.seasonality]

    @property
    def work_hours_mean(self) -> float:
        """Mean staff effort per case in hours (sum of the work steps)."""
        return sum(step.duration.mean for step in self.steps if step.kind == "work")

    @property
    def wait_days_mean(self) -> float:
        """Mean elapsed waiting time per case in working days (sum of the wait steps)."""
        return sum(step.duration.mean for step in self.steps if step.kind == "wait")


class Role(Strict):
    """A host staff role (also used for members' in-house teams) with its pay and skills.

    ``salary_gbp_per_year`` is basic full-time pay; the loaded cost per FTE is salary x (1 + on_cost_rate).
    ``productive_hours_per_day`` is case-work time per working day present (the rest of a 7.5-hour day goes to
    meetings, management and projects). ``cross_skills`` lists extra skills the role can do at reduced productivity
    (e.g. ``{employee_relations = 0.7}``: 0.7 of normal speed), used when ``simulation.allow_cross_skilling``.
    """

    name: Name
    band: Annotated[str, Field(pattern=BAND_PATTERN)] = Field(description="Agenda for Change band")
    salary_gbp_per_year: Positive
    on_cost_rate: Annotated[float, Field(ge=0, le=1)] = 0.27
    fte: Annotated[float, Field(ge=0, le=MAX_FTE)] = Field(description="host FTE in this role")
    skills: list[Name] = Field(min_length=1)
    cross_skills: dict[str, Annotated[float, Field(gt=0, le=1)]] = Field(default_factory=dict)
    productive_hours_per_day: Annotated[float, Field(gt=0, le=12)] = 5.5
    agency_day_rate_gbp: Positive = Field(description="agency or interim backfill cost per working day, pounds")
    source: str = ""

    @property
    def loaded_cost_gbp_per_year(self) -> float:
        """Employer cost of one FTE per year: salary plus on-costs."""
        return self.salary_gbp_per_year * (1.0 + self.on_cost_rate)

    def productivity_for(self, skill: str, allow_cross_skilling: bool) -> float:
        """Relative speed on work needing ``skill``: 1 for own skills, the cross-skill factor, or 0 (cannot)."""
        if skill in self.skills:
            return 1.0
        if allow_cross_skilling:
            return self.cross_skills.get(skill, 0.0)
        return 0.0


class Member(Strict):
    """A member organisation (CCG or trust) and what it takes from the shared service.

    ``services`` lists the subscribed services (omit for the whole catalogue). A subscribed service starts at
    ``join_month`` unless ``service_start_month`` says later (partial membership, e.g. a member that takes OD and
    learning only from month 48). ``provision`` says how each subscribed service is delivered today (default: shared);
    ``in_house_fte`` is the member's own HR staff by role, used where provision is in_house.
    """

    name: Name
    headcount: Annotated[int, Field(gt=0, le=MAX_HEADCOUNT)] = Field(description="staff headcount (people)")
    fte: Positive = Field(description="staff whole-time equivalents")
    join_month: Annotated[int, Field(ge=0)] = 0
    leave_month: Annotated[int, Field(gt=0)] | None = None
    services: list[Name] | None = None
    service_start_month: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    provision: dict[str, Mode] = Field(default_factory=dict)
    in_house_fte: dict[str, Annotated[float, Field(ge=0, le=MAX_FTE)]] = Field(default_factory=dict)
    source: str = ""

    @model_validator(mode="after")
    def _check(self) -> Member:
        if self.fte > self.headcount:
            raise ValueError(f"fte ({self.fte}) cannot exceed headcount ({self.headcount})")
        if self.leave_month is not None and self.leave_month <= self.join_month:
            raise ValueError(f"leave_month ({self.leave_month}) must be after join_month ({self.join_month})")
        return self


class Host(Strict):
    """The hosting member and the overheads it charges (line management, accommodation, finance admin)."""

    member: Name
    overheads_gbp_per_year: dict[str, NonNegative] = Field(default_factory=dict)
    source: str = ""

    @property
    def overhead_gbp_per_year(self) -> float:
        """Total host overhead, pounds per year."""
        return float(sum(self.overheads_gbp_per_year.values()))


class Backfill(Strict):
    """Agency backfill of host staff absence: after ``after_days`` working days of a continuous absence (long-term
    sickness or a vacancy) an agency worker is sought, arriving ``lead_time_days`` later, at the role's
    ``agency_day_rate_gbp``."""

    enabled: bool = True
    after_days: NonNegative = 20.0
    lead_time_days: NonNegative = 10.0
    covers: list[Literal["long_term_sickness", "vacancy"]] = Field(
        default_factory=lambda: ["long_term_sickness", "vacancy"]
    )


class Absence(Strict):
    """Planned and unplanned absence of host (and in-house) HR staff.

    Planned: annual leave, bank holidays and other leave (study, special), in days per FTE per year, spread over the
    year. Unplanned: ``sickness_rate`` is the fraction of working days lost; ``long_term_share`` of those days come
    from long episodes (mean ``long_episode_mean_days``), the rest from short ones. Turnover: each person leaves at
    ``turnover_rate_per_year``; the post is vacant for ``vacancy_refill_days`` (time to hire).
    """

    annual_leave_days: NonNegative = 29.0
    bank_holidays_days: NonNegative = 8.0
    other_leave_days: NonNegative = 3.0
    sickness_rate: Annotated[float, Field(ge=0, lt=0.5)] = 0.03
    long_term_share: Fraction = 0.55
    short_episode_mean_days: Positive = 2.5
    long_episode_mean_days: Positive = 40.0
    turnover_rate_per_year: Annotated[float, Field(ge=0, le=2)] = 0.12
    vacancy_refill_days: NonNegative = 50.0
    backfill: Backfill = Field(default_factory=Backfill)
    source: str = ""

    @property
    def planned_leave_days(self) -> float:
        """All planned leave per FTE per year, working days."""
        return self.annual_leave_days + self.bank_holidays_days + self.other_leave_days


class ForcedAbsence(Strict):
    """A forced absence of one HOST post over a window (a stress test: "the only specialist away for 3 months").

    ``role`` names a host role; ``person`` is the 0-based index of the person within it (a role with FTE F has
    floor(F) full-time people, indices 0 to floor(F) - 1, then one part-time person for the rest). The post is away
    from the start of calendar month ``start_month`` (counted from the simulation start, month 0 first; working day
    ``start_month x 21.75``) for ``months`` months (``months x 21.75`` working days; fractions allowed), cut at the
    horizon. ``kind="sickness"``: long-term sickness, pay continues (planned leave inside it is still taken as
    planned); ``kind="vacancy"``: the post is vacant, pay saved. Either way it is backfilled by ``absence.backfill``
    exactly like any other long-term sickness or vacancy, and the post's drawn absences outside the window are
    unchanged (``model.simulation.absence``)."""

    role: Name
    person: Annotated[int, Field(ge=0)]
    start_month: Annotated[int, Field(ge=0)]
    months: Positive
    kind: Literal["sickness", "vacancy"] = "sickness"


class Tariff(Strict):
    """How members pay. ``per_capita_rate_gbp_per_head`` is today's agreed contribution per member employee per year
    (omit to set it at break-even). ``shares`` is needed only for ``assessed_share`` and must sum to 1."""

    method: Literal["per_capita", "activity", "shapley", "nucleolus", "closest_core", "assessed_share"] = "per_capita"
    surplus_rule: Literal["refund_pro_rata", "invest"] = "refund_pro_rata"
    per_capita_rate_gbp_per_head: NonNegative | None = None
    shares: dict[str, Fraction] = Field(default_factory=dict)
    source: str = ""


class Simulation(Strict):
    """Run settings. ``start`` labels month 0 (YYYY-MM) for seasonality and reports; the horizon and warm-up are
    in calendar months; ``initial_backlog`` is cases per service waiting at time 0. ``kpi_review_months``,
    ``kpi_min_cases`` and ``kpi_max_window_months`` say how KPI reliability is scored (``model.simulation.reliability``)."""

    start: Annotated[str, Field(pattern=START_PATTERN)] = "2018-04"
    horizon_months: Annotated[int, Field(gt=0, le=600)] = 12
    warm_up_months: Annotated[int, Field(ge=0)] = 0
    replications: Annotated[int, Field(gt=0, le=100_000)] = 30
    seed: Annotated[int, Field(ge=0)] = 20140401
    initial_backlog: dict[str, Annotated[int, Field(ge=0, le=MAX_BACKLOG)]] = Field(default_factory=dict)
    kpi_review_months: Annotated[int, Field(gt=0)] = 2
    kpi_min_cases: Annotated[int, Field(ge=1, le=1000)] = Field(
        default=20,
        description="a review period is scored over the rolling window of review periods ending with it that holds "
        "at least this many cases (low-volume services), see model.simulation.reliability",
    )
    kpi_max_window_months: Annotated[int, Field(ge=1, le=120)] = Field(
        default=12,
        description="the rolling window never reaches back more than this many months; a window this long is "
        "scored whatever its number of cases",
    )
    allow_cross_skilling: bool = True

    @property
    def start_calendar_month(self) -> int:
        """Calendar month (1-12) of simulation month 0."""
        return int(self.start[5:7])

    @property
    def start_year(self) -> int:
        """Calendar year of simulation month 0."""
        return int(self.start[:4])

    @model_validator(mode="after")
    def _check(self) -> Simulation:
        if self.warm_up_months >= self.horizon_months:
            raise ValueError(
                f"warm_up_months ({self.warm_up_months}) must be less than horizon_months ({self.horizon_months})"
            )
        return self


class Scenario(Strict):
    """A complete shared-HR-service scenario. See the module docstring for units."""

    name: Name
    description: str = ""
    members: list[Member] = Field(min_length=1)
    host: Host
    services: list[Service] = Field(min_length=1)
    roles: list[Role] = Field(min_length=1)
    absence: Absence = Field(default_factory=Absence)
    tariff: Tariff = Field(default_factory=Tariff)
    simulation: Simulation = Field(default_factory=Simulation)
    min_shared_staff_per_service: Annotated[int, Field(ge=0)] = Field(
        default=0,
        description="resilience: at least this many host staff able to do each shared service",
    )
    forced_absences: list[ForcedAbsence] = Field(
        default_factory=list,
        description="host posts forced away over a window of months (stress tests); see ForcedAbsence",
    )

    @model_validator(mode="after")
    def _cross_field_checks(self) -> Scenario:
        problems = _cross_field_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    # --- convenient look-ups -------------------------------------------------------------------------------------
    def member(self, name: str) -> Member:
        """The member called ``name`` (KeyError if none)."""
        for member in self.members:
            if member.name == name:
                return member
        raise KeyError(name)

    def service(self, name: str) -> Service:
        """The service called ``name`` (KeyError if none)."""
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    def role(self, name: str) -> Role:
        """The role called ``name`` (KeyError if none)."""
        for role in self.roles:
            if role.name == name:
                return role
        raise KeyError(name)

    @property
    def member_names(self) -> list[str]:
        """Member names in file order."""
        return [member.name for member in self.members]

    @property
    def service_names(self) -> list[str]:
        """Service names in file order."""
        return [service.name for service in self.services]

    def subscribed(self, member: Member) -> list[str]:
        """Services ``member`` subscribes to (all services when it lists none)."""
        return list(member.services) if member.services is not None else self.service_names

    def provision_of(self, member: Member, service: str) -> Mode:
        """How ``member`` receives ``service`` today (shared unless its ``provision`` says otherwise)."""
        return member.provision.get(service, Mode.SHARED)

    def service_window_months(self, member: Member, service: str) -> tuple[int, int | None] | None:
        """(first month, month after the last) in which ``member`` generates ``service`` demand; None if never."""
        if service not in self.subscribed(member):
            return None
        start = max(member.join_month, member.service_start_month.get(service, member.join_month))
        return start, member.leave_month

    def content_hash(self) -> str:
        """SHA-256 of the validated scenario content (stable across key order and formatting of the file)."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()


def _cross_field_problems(scenario: Scenario) -> list[str]:
    """Consistency checks across fields; each problem names its field path."""
    problems: list[str] = []
    service_names = scenario.service_names
    role_names = [role.name for role in scenario.roles]
    member_names = scenario.member_names
    known_services = ", ".join(service_names)

    for label, names in (
        ("members", member_names),
        ("services", service_names),
        ("roles", role_names),
    ):
        seen: set[str] = set()
        for index, name in enumerate(names):
            if name in seen:
                problems.append(f"{label}[{index}].name: duplicate name '{name}'")
            seen.add(name)

    if scenario.host.member not in member_names:
        problems.append(f"host.member: '{scenario.host.member}' is not a member; members: {', '.join(member_names)}")

    allow_cross = scenario.simulation.allow_cross_skilling
    for s_index, service in enumerate(scenario.services):
        if service.delivery.shared is not None or service.delivery.in_house is not None:
            able = [r.name for r in scenario.roles if r.productivity_for(service.skill, allow_cross) > 0]
            if not able:
                problems.append(
                    f"services[{s_index}].skill: no role has skill '{service.skill}' "
                    f"(needed for shared or in-house delivery of '{service.name}')"
                )
            elif (
                service.delivery.shared is not None
                and any(
                    service.name in scenario.subscribed(m) and scenario.provision_of(m, service.name) == Mode.SHARED
                    for m in scenario.members
                )
                and not any(scenario.role(name).fte > 0 for name in able)
            ):
                problems.append(
                    f"services[{s_index}].skill: no host staff (role fte > 0) has skill '{service.skill}' "
                    f"for shared service '{service.name}'"
                )

    for m_index, member in enumerate(scenario.members):
        path = f"members[{m_index}]"
        if member.services is not None:
            for index, name in enumerate(member.services):
                if name not in service_names:
                    problems.append(f"{path}.services[{index}]: unknown service '{name}'; known: {known_services}")
        subscribed = set(scenario.subscribed(member))
        for field in ("service_start_month", "provision"):
            for name in getattr(member, field):
                if name not in service_names:
                    problems.append(f"{path}.{field}.{name}: unknown service '{name}'; known: {known_services}")
                elif name not in subscribed:
                    problems.append(f"{path}.{field}.{name}: service '{name}' is not in this member's services")
        for name in member.in_house_fte:
            if name not in role_names:
                problems.append(f"{path}.in_house_fte.{name}: unknown role '{name}'; known: {', '.join(role_names)}")
        for name, mode in member.provision.items():
            if name not in service_names:
                continue
            service = scenario.service(name)
            if getattr(service.delivery, mode.value) is None:
                problems.append(
                    f"{path}.provision.{name}: mode '{mode.value}' is not offered for this service; "
                    f"offered: {', '.join(m.value for m in service.delivery.available())}"
                )
            if mode is Mode.IN_HOUSE and not any(
                fte > 0 and scenario.role(role).productivity_for(service.skill, allow_cross) > 0
                for role, fte in member.in_house_fte.items()
                if role in role_names
            ):
                problems.append(
                    f"{path}.provision.{name}: in_house needs in_house_fte in a role with skill '{service.skill}'"
                )

    for f_index, forced in enumerate(scenario.forced_absences):
        path = f"forced_absences[{f_index}]"
        if forced.role not in role_names:
            problems.append(f"{path}.role: unknown role '{forced.role}'; known: {', '.join(role_names)}")
            continue
        fte = scenario.role(forced.role).fte
        whole = math.floor(fte + 1e-9)  # the simulator's people: floor(fte) full-timers, then the part-timer
        people = whole + (1 if round(fte - whole, 9) > 0 else 0)
        if forced.person >= people:
            have = f"{people} people (0-{people - 1})" if people > 1 else ("1 person (0)" if people else "no people")
            problems.append(f"{path}.person: role '{forced.role}' has {have}")

    for name in scenario.simulation.initial_backlog:
        if name not in service_names:
            problems.append(f"simulation.initial_backlog.{name}: unknown service '{name}'; known: {known_services}")

    tariff = scenario.tariff
    if tariff.method == "assessed_share" and not tariff.shares:
        problems.append("tariff.shares: required when tariff.method is 'assessed_share'")
    if tariff.shares:
        for name in tariff.shares:
            if name not in member_names:
                problems.append(f"tariff.shares.{name}: '{name}' is not a member")
        total = sum(tariff.shares.values())
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            problems.append(f"tariff.shares: shares must sum to 1, they sum to {total:.6g}")
    return problems


# --- loading ---------------------------------------------------------------------------------------------------------


def format_location(location: tuple[Any, ...]) -> str:
    """Render a pydantic error location as a field path: ``('members', 1, 'headcount')`` -> ``members[1].headcount``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _in_words(item: Any) -> str:
    """A pydantic error message in the user's words: what is wrong and the value given, never a raw pattern."""
    kind, given, context = item["type"], item.get("input"), item.get("ctx") or {}
    if kind == "finite_number":
        return f"must be a finite number, got {given}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{item['msg']}, got {given}"
    if kind == "string_pattern_mismatch":
        return f"{PATTERN_WORDS.get(context.get('pattern'), 'the text is not in the expected form')}, got {given!r}"
    if kind == "extra_forbidden":
        return f"{item['msg']}: unknown field (check its spelling and where it is placed)"
    return str(item["msg"]).removeprefix("Value error, ")


def validation_problems(error: ValidationError) -> list[str]:
    """One line per problem, ``field.path: reason``, from a pydantic ValidationError."""
    lines: list[str] = []
    for item in error.errors():
        # Tagged-union and function-validator parts of the location are not field names; drop them.
        location = tuple(part for part in item["loc"] if not (isinstance(part, str) and "[" in part))
        message = _in_words(item)
        path = format_location(location)
        for line in message.split("\n"):
            if path and not line.startswith(path):
                lines.append(f"{path}: {line}")
            else:
                lines.append(line)
    return lines


def scenario_from_dict(data: dict[str, Any], origin: str = "<scenario>") -> Scenario:
    """Validate a plain dict as a Scenario, raising ScenarioError with one line per problem.

    Text holding control characters is refused first, with its field path: such text reaches terminals raw and
    stops the Excel writer at the end of a run."""
    controls = [
        f"{origin}: {format_location(location)}: holds the control character {code}; remove it"
        for location, code in control_characters(data)
    ]
    if controls:
        raise ScenarioError(controls)
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError([f"{origin}: {line}" for line in validation_problems(error)]) from None


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Read and validate a scenario TOML file (the embedded default when ``path`` is None); the file is read by
    ``model.scenario.files.read_input_file`` (regular UTF-8 files up to 2 MB, no deep nesting, no over-long numbers)."""
    file = Path(path) if path is not None else DEFAULT_SCENARIO
    try:
        data = parse_toml(read_input_file(file, "scenario file", MAX_SCENARIO_BYTES), str(file))
    except ScenarioError:
        raise
    except UserError as error:
        raise ScenarioError(error.problems) from None
    return scenario_from_dict(data, origin=str(file))


def apply_overrides(scenario: Scenario, assignments: list[str]) -> Scenario:
    """Return a copy of ``scenario`` with ``path=value`` overrides applied and re-validated.

    Paths use field names and, in lists of named items, the item's name:
    ``members.Luton.headcount=300``, ``absence.sickness_rate=0.065``, ``roles.hr_advisor.fte=3``,
    ``services.employee_relations.demand_per_1000_headcount_per_year=40``. Values are parsed as TOML values
    (numbers, true/false, "strings", [lists]); a bare word is taken as a string.
    """
    data = scenario.model_dump(mode="json", exclude_unset=False)
    for assignment in assignments:
        shown = assignment.encode("unicode_escape").decode()
        if "=" not in assignment:
            raise ScenarioError(f"--set {shown}: expected PATH=VALUE")
        if "\n" in assignment or "\r" in assignment or control_character(assignment):
            raise ScenarioError(f"--set {shown}: holds a line break or control character; give one value on one line")
        path, raw = assignment.split("=", 1)
        parts = [part.strip() for part in path.split(".")]
        if not all(parts):
            raise ScenarioError(
                f"--set {shown}: name the field before '=', e.g. --set absence.sickness_rate=0.065"
                if not path.strip()
                else f"--set {shown}: the field path '{path.strip()}' has an empty part"
            )
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        except (RecursionError, ValueError):
            raise ScenarioError(f"--set {shown}: the value is nested too deeply or a number is too long") from None
        try:
            check_structure(value, f"--set {shown}")
        except UserError as error:
            raise ScenarioError(error.problems) from None
        _assign(data, parts, value, assignment)
    return scenario_from_dict(data, origin="--set")


def _assign(node: Any, parts: list[str], value: Any, assignment: str) -> None:
    """Set ``value`` at ``parts`` inside nested dicts/lists of named dicts; errors name the bad part."""
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            matches = [item for item in node if isinstance(item, dict) and item.get("name") == part]
            if not matches and part.isdigit() and int(part) < len(node):
                matches = [node[int(part)]]
            if not matches:
                names = ", ".join(str(item.get("name")) for item in node if isinstance(item, dict))
                raise ScenarioError(f"--set {assignment}: no item named '{part}' (have: {names})")
            if last:
                raise ScenarioError(f"--set {assignment}: cannot replace a whole list item")
            node = matches[0]
        elif isinstance(node, dict):
            if last:
                node[part] = value
                return
            if part not in node or node[part] is None:
                node[part] = {}
            node = node[part]
        else:
            raise ScenarioError(f"--set {assignment}: '{'.'.join(parts[:depth])}' is not a table")
