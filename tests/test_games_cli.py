"""``sharedhr game``: JSON in, JSON out, exit code 2 with one line for bad input."""

from __future__ import annotations

import json

import pytest

from model.commands.cli import main

# the hand-derived three-player game of tests/test_games_hand.py, with headcounts 100/200/300
GAME = {
    "players": ["Herts", "Beds", "Luton"],
    "costs": {
        "Herts": 10,
        "Beds": 20,
        "Luton": 30,
        "Beds+Herts": 28,
        "Herts+Luton": 36,
        "Luton+Beds": 44,
        "Herts+Beds+Luton": 51,
    },
    "weights": {"Herts": 100, "Beds": 200, "Luton": 300},
}


def write(tmp_path, data, name="game.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def run(capsys, *argv):
    code = main(["game", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_all_methods_and_core_section(tmp_path, capsys):
    code, out, err = run(capsys, write(tmp_path, GAME))
    assert code == 0, err
    result = json.loads(out)
    assert result["shapley"] == pytest.approx({"Herts": 8, "Beds": 17, "Luton": 26})
    assert result["nucleolus"] == pytest.approx({"Herts": 8.5, "Beds": 17.25, "Luton": 25.25})
    assert result["per_capita_nucleolus"] == pytest.approx({"Herts": 9, "Beds": 17, "Luton": 25})
    assert result["scrb"] == pytest.approx({"Herts": 8.2, "Beds": 17, "Luton": 25.8})
    assert result["proportional"] == pytest.approx({"Herts": 8.5, "Beds": 17, "Luton": 25.5})
    # the per-capita split is already in the core, so the closest core allocation is the per-capita split
    assert result["closest_core"] == pytest.approx(result["proportional"])
    assert result["details"]["closest_core"]["reference"] == "proportional"
    core = result["core"]
    assert core["nonempty"] is True
    assert core["least_core_epsilon"] == pytest.approx(-1.5)
    assert core["checks"]["equal_split"]["in_core"] is False
    assert core["checks"]["equal_split"]["worst_coalition"] == "Herts"
    assert core["checks"]["equal_split"]["max_excess"] == pytest.approx(7.0)
    assert all(core["checks"][m]["in_core"] for m in ("shapley", "nucleolus", "scrb", "closest_core"))


def test_single_method_and_weights_file(tmp_path, capsys):
    weights = write(tmp_path, {"Herts": 1, "Beds": 1, "Luton": 1}, "w.json")
    code, out, _ = run(capsys, write(tmp_path, GAME), "--method", "proportional", "--weights", weights)
    assert code == 0
    result = json.loads(out)
    assert result["proportional"] == pytest.approx({"Herts": 17, "Beds": 17, "Luton": 17})
    assert "shapley" not in result
    assert result["core"]["checks"]["proportional"]["in_core"] is False


def test_closest_core_defaults_to_the_equal_split_without_weights(tmp_path, capsys):
    game = {k: v for k, v in GAME.items() if k != "weights"}
    code, out, _ = run(capsys, write(tmp_path, game))
    assert code == 0
    result = json.loads(out)
    assert "proportional" not in result
    assert result["closest_core"] == pytest.approx({"Herts": 10, "Beds": 18, "Luton": 23})
    assert any("no weights" in note for note in result["notes"])


def test_profit_game(tmp_path, capsys):
    savings = {"players": ["1", "2", "3"], "type": "profit", "costs": {"1+2": 2, "1+3": 4, "2+3": 6, "1+2+3": 9}}
    savings["costs"].update({"1": 0, "2": 0, "3": 0})
    code, out, _ = run(capsys, write(tmp_path, savings), "--method", "nucleolus")
    assert code == 0
    result = json.loads(out)
    assert result["type"] == "profit"
    assert result["nucleolus"] == pytest.approx({"1": 1.5, "2": 2.75, "3": 4.75})


def test_complete_subadditive(tmp_path, capsys):
    sparse = {"players": ["A", "B", "C"], "costs": {"A": 4, "B": 5, "C": 6, "A+B+C": 12}}
    path = write(tmp_path, sparse)
    code, _, err = run(capsys, path)
    assert code == 2
    assert err.strip() == (
        "error: coalition 'A+B' is missing (3 missing in all); give every coalition or complete the table by "
        "cheapest partition (complete='subadditive', CLI --complete subadditive)"
    )
    code, out, _ = run(capsys, path, "--complete", "subadditive", "--method", "shapley")
    assert code == 0
    # completed pairs cost the sum of singles: everyone pays c_i - (15 - 12)/3 = c_i - 1
    assert json.loads(out)["shapley"] == pytest.approx({"A": 3, "B": 4, "C": 5})


@pytest.mark.parametrize(
    ("costs", "message"),
    [
        ({"Herts": 10, "Beds": 20, "Herts+Kent": 5, "Herts+Beds": 25}, "unknown player 'Kent'"),
        ({"Herts": 10, "Beds": "twenty", "Herts+Beds": 25}, "must be a number, got 'twenty'"),
        ({"Herts": 10, "Beds": 20}, "grand coalition 'Herts+Beds' is missing"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, costs, message):
    code, out, err = run(capsys, write(tmp_path, {"players": ["Herts", "Beds"], "costs": costs}))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_unreadable_files_and_missing_weights(tmp_path, capsys):
    code, _, err = run(capsys, str(tmp_path / "nope.json"))
    assert code == 2 and "no such game file" in err
    code, _, err = run(capsys, write(tmp_path, "{not json"))
    assert code == 2 and "not valid JSON" in err
    game = {k: v for k, v in GAME.items() if k != "weights"}
    code, _, err = run(capsys, write(tmp_path, game), "--method", "proportional")
    assert code == 2 and "proportional needs weights" in err
    code, _, err = run(capsys, write(tmp_path, GAME), "--weights", write(tmp_path, {"Herts": 1}, "w.json"))
    assert code == 2 and "weights missing for player 'Beds'" in err
