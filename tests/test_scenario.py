"""Scenario schema: the default scenarios validate, and every kind of bad input is refused with its field path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from model.scenario import DEFAULT_SCENARIO, Mode, ScenarioError, apply_overrides, load_scenario
from model.scenario.schema import SCENARIO_DIR

DEFAULT_TEXT = DEFAULT_SCENARIO.read_text(encoding="utf-8")


def write_variant(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    """The default scenario with ``old`` replaced by ``new`` (which must occur)."""
    assert old in DEFAULT_TEXT, old
    path = tmp_path / "variant.toml"
    path.write_text(DEFAULT_TEXT.replace(old, new, count), encoding="utf-8")
    return path


def problems_for(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value.problems


@pytest.mark.parametrize("path", sorted(SCENARIO_DIR.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_scenario_validates(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.members and scenario.services and scenario.roles


def test_default_scenario_reflects_case_study(default_scenario) -> None:
    assert default_scenario.host.member == "Herts Valleys CCG"
    enh = default_scenario.member("East and North Hertfordshire CCG")
    assert enh.join_month == 24 and enh.service_start_month == {"od_learning": 48}
    assert default_scenario.member("West Essex CCG").join_month == 48
    assert default_scenario.tariff.method == "per_capita"
    assert default_scenario.simulation.kpi_review_months == 2
    assert default_scenario.service_window_months(enh, "od_learning") == (48, None)
    assert default_scenario.service_window_months(enh, "recruitment") == (24, None)
    assert all(default_scenario.provision_of(m, "recruitment") is Mode.SHARED for m in default_scenario.members)


def test_misspelt_key_is_refused_with_path(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "headcount = 90 ", "headcuont = 90 ")
    problems = problems_for(path)
    assert any(re.search(r"members\[2\]\.headcuont: Extra inputs are not permitted", line) for line in problems)
    assert any("members[2].headcount: Field required" in line for line in problems)


def test_negative_headcount_is_refused_with_path(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "headcount = 90 ", "headcount = -90 ")
    assert any("members[2].headcount: Input should be greater than 0" in line for line in problems_for(path))


def test_host_must_be_a_member(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'member = "Herts Valleys CCG"', 'member = "Milton Keynes CCG"')
    assert any(
        line.endswith(
            "host.member: 'Milton Keynes CCG' is not a member; members: Herts Valleys CCG, "
            "Bedfordshire CCG, Luton CCG, East and North Hertfordshire CCG, West Essex CCG"
        )
        for line in problems_for(path)
    )


def test_unknown_service_name_is_refused_with_path(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path, "service_start_month = { od_learning = 48 }", "service_start_month = { od_learnin = 48 }"
    )
    assert any(
        "members[3].service_start_month.od_learnin: unknown service 'od_learnin'" in line for line in problems_for(path)
    )


def test_unknown_subscribed_service(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "join_month = 48 ", 'join_month = 48 \nservices = ["recruitment", "payrol"]\n')
    assert any("members[4].services[1]: unknown service 'payrol'" in line for line in problems_for(path))


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    text = DEFAULT_TEXT.replace("headcount = 90 ", "headcount = -90 ").replace("fte = 1.6\n", "fte = -1\n", 1)
    path = tmp_path / "two.toml"
    path.write_text(text, encoding="utf-8")
    problems = problems_for(path)
    assert any("members[2].headcount" in line for line in problems)
    assert any("roles[3].fte: Input should be greater than or equal to 0" in line for line in problems)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("fte = 81.0", "fte = 95.0", "members[2]: fte (95.0) cannot exceed headcount (90)"),
        (
            "warm_up_months = 0 ",
            "warm_up_months = 60 ",
            "simulation: warm_up_months (60) must be less than horizon_months (60)",
        ),
        ('band = "6"', 'band = "9z"', "roles[3].band: an Agenda for Change band is 1 to 9 or 8a to 8d, got '9z'"),
        ("sickness_rate = 0.03 ", "sickness_rate = 0.7 ", "absence.sickness_rate: Input should be less than 0.5"),
        (
            'start = "2014-04"',
            'start = "2014-13"',
            "simulation.start: a month is written YYYY-MM, e.g. 2018-04, got '2014-13'",
        ),
        (
            "initial_backlog = { recruitment = 8,",
            "initial_backlog = { recruitmnt = 8,",
            "simulation.initial_backlog.recruitmnt: unknown service",
        ),
        (
            'method = "per_capita" ',
            'method = "assessed_share" ',
            "tariff.shares: required when tariff.method is 'assessed_share'",
        ),
        ('skills = ["recruitment", "hr_admin"]', 'skills = ["hr_admin"]', None),
    ],
)
def test_field_and_cross_field_errors(tmp_path: Path, old: str, new: str, expected: str | None) -> None:
    path = write_variant(tmp_path, old, new)
    if expected is None:  # the administrators' cross-skill still covers recruitment: valid
        assert load_scenario(path).role("recruitment_officer").skills == ["hr_admin"]
        return
    assert any(expected in line for line in problems_for(path)), problems_for(path)


def test_service_nobody_can_do_is_refused(tmp_path: Path) -> None:
    text = DEFAULT_TEXT.replace('skill = "strategic_hr"', 'skill = "clairvoyance"')
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    assert any("services[7].skill: no role has skill 'clairvoyance'" in line for line in problems_for(path))


def test_seasonality_needs_twelve_values(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "seasonality = [1.1, 1.0, 1.25,", "seasonality = [1.0, 1.25,")
    assert any("services[0]: seasonality must have 12 values" in line for line in problems_for(path))


def test_seasonality_is_normalised(default_scenario) -> None:
    profile = default_scenario.service("recruitment").monthly_profile
    assert sum(profile) == pytest.approx(12.0)
    assert default_scenario.service("employee_relations").monthly_profile == [1.0] * 12


def test_in_house_provision_needs_staff(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "join_month = 48 ", 'join_month = 48 \nprovision = { training = "in_house" }\n')
    assert any("members[4].provision.training: in_house needs in_house_fte" in line for line in problems_for(path))
    ok = write_variant(
        tmp_path,
        "join_month = 48 ",
        'join_month = 48 \nprovision = { training = "in_house" }\nin_house_fte = { hr_administrator = 0.5 }\n',
    )
    scenario = load_scenario(ok)
    assert scenario.provision_of(scenario.member("West Essex CCG"), "training") is Mode.IN_HOUSE


def test_mode_not_offered_is_refused(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path, "join_month = 48 ", 'join_month = 48 \nprovision = { occupational_health_eap = "in_house" }\n'
    )
    assert any(
        "members[4].provision.occupational_health_eap: mode 'in_house' is not offered" in line
        for line in problems_for(path)
    )


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    assert "no such scenario file" in problems_for(tmp_path / "absent.toml")[0]
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n", encoding="utf-8")
    assert "not valid TOML" in problems_for(bad)[0]


def test_overrides_apply_and_revalidate(default_scenario) -> None:
    changed = apply_overrides(
        default_scenario, ["members.Luton CCG.headcount=300", "absence.sickness_rate=0.065", "roles.hr_advisor.fte=3"]
    )
    assert changed.member("Luton CCG").headcount == 300
    assert changed.absence.sickness_rate == 0.065
    assert changed.role("hr_advisor").fte == 3
    assert default_scenario.member("Luton CCG").headcount == 90  # the original is untouched
    with pytest.raises(ScenarioError, match="no item named 'Lutton'"):
        apply_overrides(default_scenario, ["members.Lutton.headcount=300"])
    with pytest.raises(ScenarioError, match=r"members\[2\]\.headcount: Input should be greater than 0"):
        apply_overrides(default_scenario, ["members.Luton CCG.headcount=-1"])
    with pytest.raises(ScenarioError, match="expected PATH=VALUE"):
        apply_overrides(default_scenario, ["members.Luton CCG.headcount"])


def test_content_hash_ignores_formatting(tmp_path: Path, default_scenario) -> None:
    reformatted = tmp_path / "same.toml"
    reformatted.write_text("# a comment\n" + DEFAULT_TEXT, encoding="utf-8")
    assert load_scenario(reformatted).content_hash() == default_scenario.content_hash()
    assert apply_overrides(default_scenario, ["simulation.seed=1"]).content_hash() != default_scenario.content_hash()
