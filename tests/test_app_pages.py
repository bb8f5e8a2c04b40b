"""Headless tests of every page of the workbench (``sharedhr app``) with Streamlit's AppTest: each widget changes what
it should, bad input shows its field-path message next to the input and loses nothing, downloads validate, a what-if
run writes the run folder the CLI writes and is reproduced by the command the page shows, sessions stay apart.
Runs on the small test scenario (three members, eight months) with a few replications."""

from __future__ import annotations

import io
import json
import re
import shlex
import time
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from model.app import actions
from model.commands.brief import BriefOutcome
from model.commands.cli import main
from model.reporting import portable_argv
from model.scenario import DEFAULT_SCENARIO, UserError, apply_overrides, load_scenario

ROOT = Path(__file__).resolve().parent.parent
MAIN = ROOT / "model" / "app" / "main.py"
SMALL = ROOT / "tests" / "data" / "brief_small.toml"
TIMEOUT = 180  # seconds for one script run (a what-if simulates; the machine is shared)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The workbench opened on the small scenario (results go to the test's own folder, conftest)."""
    monkeypatch.setenv(actions.SCENARIO_ENV, str(SMALL))
    return AppTest.from_file(str(MAIN), default_timeout=TIMEOUT).run()


def unescaped(markdown: str) -> str:
    """Text of a markdown body written by ``model.app.text.plain`` (backslash escapes removed)."""
    return markdown.replace("\\", "")


def shown_table(at: AppTest, index: int) -> pd.DataFrame:
    """The ``index``-th ``st.table`` of the page as the reader sees it (markdown escapes removed)."""
    frame = at.table[index].value.copy()
    frame.columns = [unescaped(str(c)) for c in frame.columns]
    for column in frame.columns:
        frame[column] = [unescaped(v) if isinstance(v, str) else v for v in frame[column]]
    return frame


def errors(at: AppTest) -> list[str]:
    return [unescaped(e.value) for e in at.error]


def walk(block: Any) -> Iterator[Any]:
    """Every element of the page in document order."""
    for child in getattr(block, "children", {}).values():
        yield child
        yield from walk(child)


def order_of(at: AppTest, predicate: Any) -> int:
    for index, element in enumerate(walk(at.main)):
        if predicate(element):
            return index
    raise AssertionError("element not found")


def widget(at: AppTest, key: str) -> Any:
    """The widget whose user key ends with ``key`` (the Scenario page prefixes keys with the draft's version)."""
    for element in walk(at.main):
        if getattr(element, "key", None) and str(element.key).endswith(key):
            return element
    raise AssertionError(f"no widget with key ...{key}")


def test_scenario_edits_reach_the_downloaded_toml_which_validates(app: AppTest, tmp_path: Path) -> None:
    assert not app.exception
    widget(app, ":m1.headcount").set_value(200).run()
    widget(app, ":m1.fte").set_value(180.0).run()
    widget(app, ":m2.leave").set_value(6).run()
    widget(app, ":m1.services").set_value(["recruitment", "payroll_operational"]).run()
    widget(app, ":absence.sickness").set_value(0.05).run()
    widget(app, ":absence.turnover").set_value(0.2).run()
    widget(app, ":s0.demand").set_value(99.0).run()
    widget(app, ":s2.days").set_value(33.0).run()
    widget(app, ":s2.fraction").set_value(0.75).run()
    widget(app, ":s0.t0.case").set_value(1234.0).run()
    assert not app.exception and not errors(app)

    downloaded = tmp_path / "edited.toml"
    downloaded.write_text(app.session_state["download_toml"], encoding="utf-8")
    with redirect_stdout(io.StringIO()) as out:
        assert main(["validate", str(downloaded)]) == 0
    assert out.getvalue().startswith("ok: Small test partnership")
    edited = load_scenario(downloaded)
    beta, gamma = edited.member("Beta CCG"), edited.member("Gamma CCG")
    assert (beta.headcount, beta.fte, beta.services) == (200, 180.0, ["recruitment", "payroll_operational"])
    assert gamma.leave_month == 6 and gamma.join_month == 2
    assert (edited.absence.sickness_rate, edited.absence.turnover_rate_per_year) == (0.05, 0.2)
    assert edited.service("recruitment").demand_per_1000_headcount_per_year == 99.0
    assert edited.service("employee_relations").kpi.target_days == 33.0
    assert edited.service("employee_relations").kpi.target_fraction == 0.75
    assert edited.service("recruitment").delivery.external.tiers[0].price_gbp_per_case == 1234.0
    # Nothing else moved: the original with the same overrides is the same scenario.
    expected = apply_overrides(
        load_scenario(SMALL),
        [
            "members.Beta CCG.headcount=200",
            "members.Beta CCG.fte=180.0",
            "members.Gamma CCG.leave_month=6",
            'members.Beta CCG.services=["recruitment", "payroll_operational"]',
            "absence.sickness_rate=0.05",
            "absence.turnover_rate_per_year=0.2",
            "services.recruitment.demand_per_1000_headcount_per_year=99.0",
            "services.employee_relations.kpi.target_days=33.0",
            "services.employee_relations.kpi.target_fraction=0.75",
        ],
    )
    expected_data = expected.model_dump(mode="json")
    expected_data["services"][0]["delivery"]["external"]["tiers"][0]["price_gbp_per_case"] = 1234.0
    assert edited.model_dump(mode="json") == expected_data


def test_bad_input_shows_its_field_path_next_to_the_input_and_nothing_is_lost(app: AppTest) -> None:
    widget(app, ":m1.headcount").set_value(200).run()
    widget(app, ":m1.fte").set_value(500.0).run()
    widget(app, ":absence.sickness").set_value(0.7).run()
    found = errors(app)
    assert "members[1]: fte (500.0) cannot exceed headcount (200)" in found
    assert any(line.startswith("absence.sickness_rate: Input should be less than 0.5") for line in found)
    assert "download_toml" not in app.session_state  # no download of an invalid scenario

    # Each message sits under its own inputs: Beta's below Beta's FTE box and above the absence section.
    fte_at = order_of(app, lambda e: getattr(e, "key", "") and str(e.key).endswith(":m1.fte"))
    member_error = order_of(app, lambda e: e.type == "error" and "members\\[1\\]" in str(getattr(e, "value", "")))
    absence_header = order_of(app, lambda e: getattr(e, "value", None) == "Absence of host staff")
    absence_error = order_of(app, lambda e: e.type == "error" and "absence\\.sickness" in str(getattr(e, "value", "")))
    demand_header = order_of(app, lambda e: getattr(e, "value", None) == "Demand and KPI targets per service")
    assert fte_at < member_error < absence_header < absence_error < demand_header

    # Nothing typed is lost, and correcting one field clears only its message.
    assert widget(app, ":m1.headcount").value == 200 and widget(app, ":absence.sickness").value == 0.7
    widget(app, ":m1.fte").set_value(150.0).run()
    found = errors(app)
    assert not [line for line in found if line.startswith("members[1]")]
    assert any(line.startswith("absence.sickness_rate") for line in found)
    widget(app, ":absence.sickness").set_value(0.04).run()
    assert not errors(app) and "download_toml" in app.session_state
    assert app.session_state["draft"]["members"][1]["headcount"] == 200


def test_a_member_added_on_the_page_is_validated_and_reaches_the_download(app: AppTest, tmp_path: Path) -> None:
    app.text_input[0].input("Delta CCG")
    inputs = {w.label: w for w in app.number_input if not (w.key or "").startswith("v")}
    inputs["Headcount (people)"].set_value(120)
    inputs["Staff FTE"].set_value(200.0)  # more FTE than people: a field error on the new member
    inputs["Leaves in month (0 = stays)"].set_value(6)
    next(b for b in app.button if b.label == "Add member").click().run()
    assert [m["name"] for m in app.session_state["draft"]["members"]][-1] == "Delta CCG"
    assert "members[3]: fte (200.0) cannot exceed headcount (120)" in errors(app)
    widget(app, ":m3.fte").set_value(100.0).run()
    assert not errors(app)
    downloaded = tmp_path / "with_delta.toml"
    downloaded.write_text(app.session_state["download_toml"], encoding="utf-8")
    delta = load_scenario(downloaded).member("Delta CCG")
    assert (delta.headcount, delta.fte, delta.join_month, delta.leave_month) == (120, 100.0, 0, 6)


def test_upload_of_malformed_toml_says_why_and_keeps_the_draft_then_a_valid_upload_replaces_it(app: AppTest) -> None:
    widget(app, ":m1.headcount").set_value(210).run()
    app.file_uploader(key="upload").upload("broken.toml", b'name = "x"\nmembers = [\n', "application/toml").run()
    found = errors(app)
    assert any(line.startswith("broken.toml: not valid TOML") for line in found), found
    assert app.session_state["draft"]["members"][1]["headcount"] == 210

    app.file_uploader(key="upload").set_value(None).run()
    app.file_uploader(key="upload").upload("bad.toml", b'name = "x"\n', "application/toml").run()
    assert any(line.startswith("bad.toml: members: Field required") for line in errors(app)), errors(app)

    app.file_uploader(key="upload").set_value(None).run()
    app.file_uploader(key="upload").upload("herts.toml", DEFAULT_SCENARIO.read_bytes(), "application/toml").run()
    assert not app.exception and not errors(app)
    assert [m["name"] for m in app.session_state["draft"]["members"]] == load_scenario().member_names


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (actions.Change("leave", member="Gamma CCG", month=5), {"Gamma CCG.leave_month": 5}),
        (actions.Change("join", member="Beta CCG", month=3), {"Beta CCG.join_month": 3}),
        (actions.Change("headcount", member="Beta CCG", value=300), {"Beta CCG.headcount": 300}),
        (actions.Change("sickness", value=0.06), {"absence.sickness_rate": 0.06}),
        (actions.Change("vacancy_freeze", months=2), {"absence.vacancy_refill_days": None}),
        (actions.Change("demand_surge", service="recruitment", value=50), {"recruitment.demand": 1.5}),
        (
            actions.Change("provision", service="employee_relations", value="external"),
            {"provision": "external"},
        ),
        (
            actions.Change("lose_specialist", role="senior_hr_advisor", month=2, months=3, value="vacancy"),
            {"forced": ("senior_hr_advisor", 2, 3.0, "vacancy")},
        ),
    ],
)
def test_each_whatif_choice_becomes_the_overrides_that_make_it(change: actions.Change, expected: dict) -> None:
    base = load_scenario(SMALL)
    variant = apply_overrides(base, actions.whatif_overrides(base, [change]))
    for what, value in expected.items():
        if what == "Gamma CCG.leave_month":
            assert variant.member("Gamma CCG").leave_month == value
        elif what == "Beta CCG.join_month":
            assert variant.member("Beta CCG").join_month == value
        elif what == "Beta CCG.headcount":
            assert variant.member("Beta CCG").headcount == value
        elif what == "absence.sickness_rate":
            assert variant.absence.sickness_rate == value
        elif what == "absence.vacancy_refill_days":
            assert variant.absence.vacancy_refill_days == pytest.approx(base.absence.vacancy_refill_days + 2 * 21.75)
        elif what == "recruitment.demand":
            rate = base.service("recruitment").demand_per_1000_headcount_per_year
            assert variant.service("recruitment").demand_per_1000_headcount_per_year == pytest.approx(rate * value)
        elif what == "provision":
            taking = [m for m in variant.members if "employee_relations" in variant.subscribed(m)]
            assert taking and all(m.provision["employee_relations"] == value for m in taking)
        elif what == "forced":
            (forced,) = variant.forced_absences
            assert (forced.role, forced.start_month, forced.months, forced.kind) == value
    assert variant.content_hash() != base.content_hash()  # every choice changes something


def add_change(at: AppTest, kind: str, **inputs: Any) -> None:
    at.selectbox(key="change_kind").set_value(actions.CHANGE_KINDS[kind]).run()
    for key, value in inputs.items():
        next(w for w in walk(at.main) if getattr(w, "key", None) == key).set_value(value).run()
    at.button(key="add_change").click().run()


def set_label(at: AppTest, label: str, value: Any) -> None:
    next(w for w in at.number_input if w.label == label).set_value(value).run()


def test_whatif_runs_the_cli_comparison_writes_its_run_folder_and_the_command_reproduces_it(
    app: AppTest, tmp_path: Path
) -> None:
    widget(app, ":m1.headcount").set_value(200).run()
    app.switch_page("pages/whatif.py").run()
    assert not app.exception
    assert app.info and "No change yet" in app.info[0].value
    add_change(app, "leave", change_member="Gamma CCG", change_month=5)
    add_change(app, "sickness", change_rate=0.06)
    assert [unescaped(m.value) for m in app.markdown if m.value.startswith(("1.", "2."))] == [
        "1. Gamma CCG leaves in month 5",
        "2. host sickness rate 6.0% of working days",
    ]
    set_label(app, "Paired replications", 3)
    set_label(app, "Worker processes", 1)
    command = app.code[0].value
    assert command.startswith("sharedhr compare ") and "--set 'members.Gamma CCG.leave_month=5'" in command
    assert "--set absence.sickness_rate=0.06 -n 3 --seed 7 --workers 1 --capacity analytic" in command, command

    app.button(key="run_whatif").click().run()
    assert not app.exception and not errors(app)
    differences = shown_table(app, 0)
    assert list(differences.columns[:3]) == ["measure", "service", "member"]
    assert {"sla_attainment", "total_cost_gbp_per_year", "invoice_gbp_per_year"} <= set(differences["measure"])
    before_after = shown_table(app, 1)
    assert list(before_after["member"]) == ["Alpha CCG", "Beta CCG", "Gamma CCG"]
    who = dict(zip(before_after["member"], before_after["gains or loses"], strict=True))
    assert who["Gamma CCG"] == "not a member in the what-if"  # it left in month 5 of 8
    assert {who["Alpha CCG"], who["Beta CCG"]} <= {"gains: pays less", "loses: pays more", "no change"}
    charts = app.get("vega_lite_chart")  # invoices, and attainment per service; values shown on hover
    assert len(charts) == 2 and all('"tooltip"' in chart.proto.spec for chart in charts)
    core_lines = [unescaped(x.value) for x in [*app.success, *app.warning] if "core" in x.value]
    methods = {"Per-capita", "Activity-based", "Shapley", "Nucleolus", "Closest core"}
    assert sorted(line.split(":")[0] for line in core_lines) == sorted(methods)

    # The run folder is the CLI's: same files, manifest records the command shown.
    runs = [p for p in (tmp_path / "results" / "small-test-partnership").iterdir() if not p.name.startswith(".")]
    assert len(runs) == 1
    folder = runs[0]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"] == "compare" and manifest["argv"] == portable_argv(shlex.split(command))
    assert {"differences.csv", "pairs.csv", "static.csv", "changes.csv", "tariffs.csv", "comparison.json"} <= set(
        manifest["files"]
    )
    shown_differences = pd.read_csv(folder / "differences.csv")

    # The command the page shows reproduces the result from the command line.
    cli = shlex.split(command)[1:]
    at = cli.index("--results-dir")
    cli[at + 1] = str(tmp_path / "cli")
    with redirect_stdout(io.StringIO()):
        assert main(cli) == 0
    (cli_run,) = [p for p in (tmp_path / "cli").glob("*/*") if p.is_dir()]
    pd.testing.assert_frame_equal(pd.read_csv(cli_run / "differences.csv"), shown_differences)

    # Revisiting is instant: the result comes from this session's cache.
    app.switch_page("pages/scenario.py").run()
    app.switch_page("pages/whatif.py").run()
    started = time.perf_counter()
    app.run()
    assert time.perf_counter() - started < 3.0
    assert len(app.table) >= 2 and not app.button(key="run_whatif").value


def test_two_sessions_keep_their_own_drafts_and_results(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(actions.SCENARIO_ENV, str(SMALL))
    one = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT).run()
    two = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT).run()
    widget(one, ":m1.headcount").set_value(222).run()
    two.run()
    assert two.session_state["draft"]["members"][1]["headcount"] == 160
    assert one.session_state["session_id"] != two.session_state["session_id"]
    one.session_state["results"][("marker",)] = "one's result"
    two.run()
    assert ("marker",) not in two.session_state["results"]


def test_tariffs_page_shows_every_method_the_core_check_and_a_workbook(app: AppTest) -> None:
    import openpyxl

    app.switch_page("pages/tariffs.py").run()
    assert "--capacity analytic --no-verify" in app.code[0].value
    app.button(key="run_tariffs").click().run()
    assert not app.exception and not errors(app)
    members = shown_table(app, 0)
    assert list(members["member"]) == ["Alpha CCG", "Beta CCG", "Gamma CCG"]
    assert {"Per-capita", "Activity-based", "Shapley", "Nucleolus", "Closest core"} <= set(members.columns)
    per_capita = shown_table(app, 1)
    app.selectbox(key="tariffs_method").set_value("shapley").run()
    shapley = shown_table(app, 1)
    assert list(per_capita.columns) == list(shapley.columns) and not per_capita.equals(shapley)
    assert len([x for x in [*app.success, *app.warning] if "core" in x.value]) == 5
    assert [m.label for m in app.metric][3] == "Per-capita rate (GBP per head per year)"
    book = openpyxl.load_workbook(io.BytesIO(app.session_state["download_tariffs_xlsx"]))
    assert book.sheetnames == ["Tariff schedule", "Summary", "Notes"]
    names = [row[0].value for row in book["Tariff schedule"].iter_rows(min_row=2)]
    assert names[:3] == ["Alpha CCG", "Beta CCG", "Gamma CCG"]


def test_staffing_page_sizes_the_team_and_compares_each_member_alone(app: AppTest) -> None:
    app.switch_page("pages/staffing.py").run()
    assert "--analytic-only" in app.code[0].value
    app.number_input[0].set_value(0.8).run()
    assert "--kpi-probability 0.8" in app.code[0].value
    app.button(key="run_staffing").click().run()
    assert not app.exception and not errors(app)
    pools, alone = shown_table(app, 0), shown_table(app, 1)
    assert set(pools["role"]) <= {"senior_hr_advisor", "recruitment_officer", "hr_administrator"}
    assert {"Alpha CCG", "Beta CCG", "Gamma CCG", "all members alone", "pooled (analytic)"} <= set(alone["team"])
    people = dict(zip(alone["team"], alone["people"], strict=True))
    assert people["all members alone"] > people["pooled (analytic)"]  # pooling saves posts
    app.checkbox(key="w:staffing.simulate").check().run()
    assert "--analytic-only" not in app.code[0].value


@pytest.mark.xdist_group("brief_cli")
def test_board_pack_page_shows_the_briefing_and_offers_both_downloads(
    app: AppTest, briefing_run: dict[str, object]
) -> None:
    app.switch_page("pages/board_pack.py").run()
    command = app.code[0].value
    assert command.startswith("sharedhr brief ") and "--replications 2" in command
    # The briefing itself is rendered once per test session (conftest.briefing_run); hand it to this session's cache
    # under the page's command line, as if the button had run it.
    run = Path(str(briefing_run["run"]))
    argv = shlex.split(command)[1:]
    outcome = BriefOutcome(
        load_scenario(SMALL),
        run,
        {"html": Path("briefing.html"), "excel": Path("tariffs.xlsx")},
        json.loads((run / "briefing_status.json").read_text()),
    )
    app.session_state["results"][actions.cache_key(argv)] = outcome
    app.run()
    assert not app.exception
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["Download briefing.html", "Download tariffs.xlsx"]
    frames = app.get("iframe")
    assert frames and "Board briefing" in frames[0].proto.srcdoc
    assert "<script" in (run / "briefing.html").read_text() and "cdnjs" in (run / "briefing.html").read_text()
    assert "https://" not in "".join(re.findall(r"<script[^>]*>", frames[0].proto.srcdoc))  # nothing from outside


def test_app_command_serves_locally_headless_without_usage_statistics(capsys: pytest.CaptureFixture[str]) -> None:
    from model.commands.app import streamlit_command

    command = streamlit_command(8599)
    pairs = dict(zip(command[5::2], command[6::2], strict=True))
    assert pairs["--server.address"] == "127.0.0.1" and pairs["--server.port"] == "8599"
    assert pairs["--server.headless"] == "true" and pairs["--browser.gatherUsageStats"] == "false"
    assert main(["app", "--port", "0"]) == 2
    assert main(["app", str(SMALL.parent / "missing.toml")]) == 2
    assert "missing.toml: no such scenario file" in capsys.readouterr().err


def test_input_text_is_shown_as_typed_never_as_markdown_or_html(app: AppTest) -> None:
    from model.app.text import plain

    hostile = "[click](javascript:alert(1)) *bold* <img src=x onerror=alert(2)> `code` # title"
    escaped = plain(hostile)
    assert unescaped(escaped) == hostile
    assert re.search(r"(?<!\\)[\[\]()*`<>#]", escaped) is None  # every markdown character escaped
    # A rejected upload echoes the bad value in its message: shown escaped.
    data = SMALL.read_text().replace('name = "Gamma CCG"', 'name = "[x](javascript:alert(1))"')
    app.file_uploader(key="upload").upload("hostile.toml", data.encode(), "application/toml").run()
    shown = [e.value for e in app.error if "javascript" in e.value]
    assert shown and all("\\[x\\]\\(javascript\\:alert\\(1\\)\\)" in line for line in shown)


def test_app_command_passes_the_shared_options_to_the_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``sharedhr app --set ... -n 7 -w 1 --seed 5 --results-dir D`` opens the scenario with the edit applied and the
    What-if page starting from those settings; a bad ``--set`` is one clear error before anything is served."""
    from model.commands.app import OPTIONS_ENV, SCENARIO_ENV, app_environment
    from model.commands.cli import build_parser

    parser = build_parser()
    argv = ["app", str(SMALL), "--set", "members.Alpha CCG.headcount=321", "-n", "7", "-w", "1", "--seed", "5"]
    env = app_environment(parser.parse_args([*argv, "--results-dir", str(tmp_path / "out")]))
    assert env["SHAREDHR_RESULTS_DIR"] == str((tmp_path / "out").resolve())
    for name in (SCENARIO_ENV, OPTIONS_ENV, "SHAREDHR_RESULTS_DIR"):
        monkeypatch.setenv(name, env[name])
    assert actions.start_options() == {"replications": 7, "workers": 1, "seed": 5, "overrides": argv[3:4]}
    members = {m["name"]: m["headcount"] for m in actions.initial_draft()["members"]}
    assert members["Alpha CCG"] == 321
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT).run()
    at.switch_page("pages/whatif.py").run()
    assert not at.exception
    assert [n.value for n in at.number_input if n.label in ("Paired replications", "Seed", "Worker processes")] == [
        7,
        5,
        1,
    ]
    with pytest.raises(UserError, match="Nobody"):
        app_environment(parser.parse_args(["app", str(SMALL), "--set", "members.Nobody.headcount=3"]))
