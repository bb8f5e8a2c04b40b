"""Stage 1, the scenario: what the partnership is (members, services, roles, the host team, tariffs and their sources),
read from a TOML file, validated, and changed by ``--set PATH=VALUE`` overrides; units (working days, months, years);
small toy scenarios for tests; the errors every stage raises; and the rules for reading input files and escaping text
written for people.

Modules: ``schema`` (the validated scenario, loading and overrides), ``units``, ``toy``, ``errors``, ``files``
(input reading rule, atomic writes), ``escaping`` (output escaping rule). Imports no other stage.

The names below are the stage's public API (what the notebooks and the CLI import); each is imported from its
module on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from model._lazy import lazy_api

_API: dict[str, str] = {
    "Absence": "schema",
    "Backfill": "schema",
    "DEFAULT_SCENARIO": "schema",
    "DeliveryOptions": "schema",
    "Distribution": "schema",
    "ExternalOption": "schema",
    "ForcedAbsence": "schema",
    "Host": "schema",
    "InHouseOption": "schema",
    "InfeasibleError": "errors",
    "Kpi": "schema",
    "MAX_GAME_BYTES": "files",
    "MONTHS_PER_YEAR": "units",
    "Member": "schema",
    "Mode": "schema",
    "Role": "schema",
    "Scenario": "schema",
    "ScenarioError": "errors",
    "Service": "schema",
    "SharedOption": "schema",
    "Simulation": "schema",
    "SolverUnavailableError": "errors",
    "Step": "schema",
    "Strict": "schema",
    "Tariff": "schema",
    "UserError": "errors",
    "VolumeTier": "schema",
    "WORKING_DAYS_PER_MONTH": "units",
    "WORKING_DAYS_PER_YEAR": "units",
    "apply_overrides": "schema",
    "control_characters": "files",
    "days_to_months": "units",
    "format_location": "schema",
    "html_text": "escaping",
    "load_scenario": "schema",
    "mmc_scenario": "toy",
    "months_to_days": "units",
    "neutralise_cell": "escaping",
    "parse_json": "files",
    "per_year_to_per_day": "units",
    "read_input_file": "files",
    "scenario_from_dict": "schema",
    "toy_scenario_dict": "toy",
    "validation_problems": "schema",
    "write_csv": "escaping",
    "write_text_atomically": "files",
}

__all__ = [
    "Absence",
    "Backfill",
    "DEFAULT_SCENARIO",
    "DeliveryOptions",
    "Distribution",
    "ExternalOption",
    "ForcedAbsence",
    "Host",
    "InHouseOption",
    "InfeasibleError",
    "Kpi",
    "MAX_GAME_BYTES",
    "MONTHS_PER_YEAR",
    "Member",
    "Mode",
    "Role",
    "Scenario",
    "ScenarioError",
    "Service",
    "SharedOption",
    "Simulation",
    "SolverUnavailableError",
    "Step",
    "Strict",
    "Tariff",
    "UserError",
    "VolumeTier",
    "WORKING_DAYS_PER_MONTH",
    "WORKING_DAYS_PER_YEAR",
    "apply_overrides",
    "control_characters",
    "days_to_months",
    "format_location",
    "html_text",
    "load_scenario",
    "mmc_scenario",
    "months_to_days",
    "neutralise_cell",
    "parse_json",
    "per_year_to_per_day",
    "read_input_file",
    "scenario_from_dict",
    "toy_scenario_dict",
    "validation_problems",
    "write_csv",
    "write_text_atomically",
]
__getattr__, __dir__ = lazy_api(__name__, _API)

if TYPE_CHECKING:
    from model.scenario.errors import InfeasibleError, ScenarioError, SolverUnavailableError, UserError
    from model.scenario.escaping import html_text, neutralise_cell, write_csv
    from model.scenario.files import (
        MAX_GAME_BYTES,
        control_characters,
        parse_json,
        read_input_file,
        write_text_atomically,
    )
    from model.scenario.schema import (
        DEFAULT_SCENARIO,
        Absence,
        Backfill,
        DeliveryOptions,
        Distribution,
        ExternalOption,
        ForcedAbsence,
        Host,
        InHouseOption,
        Kpi,
        Member,
        Mode,
        Role,
        Scenario,
        Service,
        SharedOption,
        Simulation,
        Step,
        Strict,
        Tariff,
        VolumeTier,
        apply_overrides,
        format_location,
        load_scenario,
        scenario_from_dict,
        validation_problems,
    )
    from model.scenario.toy import mmc_scenario, toy_scenario_dict
    from model.scenario.units import (
        MONTHS_PER_YEAR,
        WORKING_DAYS_PER_MONTH,
        WORKING_DAYS_PER_YEAR,
        days_to_months,
        months_to_days,
        per_year_to_per_day,
    )
