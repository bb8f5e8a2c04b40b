"""Hostile and careless input files: ``sharedhr validate`` (and ``game``) answer with one ``error:`` line and exit 2,
never a traceback, a hang or a memory blow-up: binary, Latin-1 and UTF-16 files, nesting bombs, over-long integers,
files over the size limit and files that are not regular (a FIFO, ``/dev/zero``). A UTF-8 byte-order mark is fine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from model.commands.cli import main
from model.scenario import DEFAULT_SCENARIO
from model.scenario.files import MAX_SCENARIO_BYTES

TEXT = DEFAULT_SCENARIO.read_text(encoding="utf-8")


def _one_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, captured
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "Traceback" not in captured.err and captured.out == ""
    return lines[0]


HOSTILE_FILES = {
    "binary": (lambda: os.urandom(2000) + b"\x00", "binary, not text"),
    "latin1": (lambda: TEXT.replace("Herts", "Hérts").encode("latin-1"), "not UTF-8 text (byte 0xe9 on line"),
    "utf16": (lambda: TEXT.encode("utf-16"), "saved as UTF-16; save it as UTF-8"),
    "nested_arrays": (lambda: ("x = " + "[" * 50_000 + "]" * 50_000).encode(), "nested too deeply"),
    "nested_tables": (lambda: ("x = " + "{a = " * 100 + "1" + "}" * 100).encode(), "nested too deeply"),
    "digits": (lambda: TEXT.replace("headcount = 250", "headcount = " + "9" * 5000).encode(), "a number is too long"),
    "long_int": (lambda: TEXT.replace("headcount = 250", "headcount = " + "9" * 40).encode(), "too long"),
    "huge": (lambda: b"# " + b"x" * (MAX_SCENARIO_BYTES + 10), "the limit is 2,097,152"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_FILES))
def test_validate_refuses_hostile_file(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make, expected = HOSTILE_FILES[kind]
    path = tmp_path / f"{kind}.toml"
    path.write_bytes(make())
    line = _one_error(capsys, ["validate", str(path)])
    assert expected in line and str(path) in line


def test_validate_refuses_non_regular_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # nobody writes to it: reading it would block forever
    assert "is not a regular file" in _one_error(capsys, ["validate", str(fifo)])
    assert "is not a regular file" in _one_error(capsys, ["validate", "/dev/zero"])
    assert "is a folder" in _one_error(capsys, ["validate", str(tmp_path)])


def test_validate_in_a_fresh_process_prints_one_line(tmp_path: Path) -> None:
    """The installed entry point, as a user runs it: exit 2, one line, no traceback, even on /dev/zero."""
    done = subprocess.run(
        [sys.executable, "-m", "model", "validate", "/dev/zero"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_byte_order_mark_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT.encode())
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith("ok: Herts Beds Luton")


GAME = {"players": ["A", "B"], "costs": {"A": 10, "B": 20, "A+B": 25}}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xff\xfe{\x00}\x00", "UTF-16"),
        (b'{"players": ["Caf\xe9"], "costs": {"Caf\xe9": 1}}', "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"players": ["A"], "costs": {"A": 1' + b"0" * 5000 + b"}}", "a number is too long"),
        (b'{"players": ["A"], "costs": {"A": 1, "A": 2}}', "the key 'A' appears twice"),
        (b'{"players": ["A"], "costs": {"A": NaN}}', "NaN is not a number"),
        (b'{"players": ["A"], "costs": {"A": Infinity}}', "Infinity is not a number"),
        (b'{"players": ["A\\u001b[2J"], "costs": {"A": 1}}', "players[0]: holds the control character U+001B"),
    ],
)
def test_game_refuses_hostile_file(
    content: bytes, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "game.json"
    path.write_bytes(content)
    assert expected in _one_error(capsys, ["game", str(path)])


def test_game_refuses_non_regular_weights(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "game.json"
    path.write_text(json.dumps(GAME))
    assert "is not a regular file" in _one_error(capsys, ["game", str(path), "--weights", "/dev/zero"])
