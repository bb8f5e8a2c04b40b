"""The documentation's examples are tests, as Ciw's documentation is (docs/testing.md says how to write them).

* Every fenced ``python`` block of README.md and docs/**/*.md runs. The blocks of one page run in order in one
  namespace; each page starts with a fresh one. A block preceded by the line ``<!-- example: skip -->`` is not run.
* In ``console``, ``bash``, ``sh`` and ``shell`` blocks, every ``sharedhr ...`` command (``$ sharedhr ...`` in a
  console transcript) is split as a shell would and parsed by the CLI's own parser without running it, so a renamed
  subcommand or option fails here.

A small extractor rather than pytest-examples: it needs no extra dependency (pytest-examples brings black and its
own ruff), it gives the page-wide namespace the pages are written for, and a failure points at the Markdown line.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP_MARKER = "<!-- example: skip -->"
SHELL_LANGUAGES = {"console", "bash", "sh", "shell"}
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")


@dataclass(frozen=True)
class Block:
    """One fenced code block: its language (first word of the info string), first line of code (1-based), code."""

    path: Path
    language: str
    line: int
    code: str
    skip: bool


def documentation_pages() -> list[Path]:
    """README.md and every Markdown page under docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def code_blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file, in order, with indentation (list items) removed."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        info = opening["info"].strip()
        language = info.split()[0].lower() if info else ""
        previous = next((lines[k].strip() for k in range(index - 1, -1, -1) if lines[k].strip()), "")
        body: list[str] = []
        end = index + 1
        while end < len(lines):
            closing = FENCE.match(lines[end])
            if closing and closing["fence"].startswith(fence) and not closing["info"].strip():
                break
            body.append(lines[end][indent:] if lines[end][:indent].strip() == "" else lines[end])
            end += 1
        else:
            raise AssertionError(f"{path.relative_to(ROOT)}:{index + 1}: code block never closed")
        blocks.append(Block(path, language, index + 2, "\n".join(body) + "\n", previous == SKIP_MARKER))
        index = end + 1
    return blocks


def pages_with(languages: set[str]) -> list[Path]:
    return [page for page in documentation_pages() if any(b.language in languages for b in code_blocks(page))]


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("page", pages_with({"python"}), ids=page_id)
def test_python_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the page's python blocks in order in one namespace; results and caches go to a temporary folder."""
    monkeypatch.chdir(ROOT)  # examples may name repository files (scenarios/, tests/data/)
    monkeypatch.setenv("SHAREDHR_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("SHAREDHR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": "__main__"}
    ran = 0
    for block in code_blocks(page):
        if block.language != "python" or block.skip:
            continue
        # Pad with blank lines so that a traceback names the line of the Markdown file.
        code = compile("\n" * (block.line - 1) + block.code, str(page), "exec")
        with contextlib.redirect_stdout(io.StringIO()):
            exec(code, namespace)
        ran += 1
    assert ran, f"{page_id(page)}: every python block is marked skip"


def shell_commands(block: Block) -> list[tuple[int, str]]:
    """The ``sharedhr`` command lines of a shell block (continuation lines joined), with their line numbers."""
    commands = []
    pending, start = "", 0
    for offset, raw in enumerate(block.code.splitlines()):
        line = raw.strip()
        if not pending:
            start = block.line + offset
            if block.language == "console":
                if not line.startswith("$ "):
                    continue  # output
                line = line[2:].strip()
        if pending or line.startswith("sharedhr ") or line == "sharedhr":
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            commands.append((start, pending + line))
            pending = ""
    return commands


SHELL_COMMANDS = [
    pytest.param(command, id=f"{page_id(block.path)}:{line}")
    for page in pages_with(SHELL_LANGUAGES)
    for block in code_blocks(page)
    if block.language in SHELL_LANGUAGES
    for line, command in shell_commands(block)
]


def hidden_options(parser: argparse.ArgumentParser, command: str) -> set[str]:
    """The options of a subcommand that its --help hides (deprecated spellings kept for old scripts)."""
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        option
        for action in subparsers.choices[command]._actions
        if action.help == argparse.SUPPRESS
        for option in action.option_strings
    }


@pytest.mark.parametrize("command", SHELL_COMMANDS)
def test_shell_examples_parse(command: str) -> None:
    """The CLI's parser accepts the command as written (nothing is run), in today's spelling: no option that
    --help hides."""
    from model.commands.cli import build_parser

    words = shlex.split(command, comments=True)
    assert words[0] == "sharedhr"
    parser = build_parser()
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
            args = parser.parse_args(words[1:])
    except SystemExit as stop:
        pytest.fail(f"`{command}` does not parse (exit {stop.code}): {errors.getvalue().strip()}")
    assert getattr(args, "handler", None) is not None, f"`{command}` names no subcommand"
    deprecated = {word.split("=", 1)[0] for word in words} & hidden_options(parser, args.command)
    assert not deprecated, f"`{command}` uses the deprecated option(s) {sorted(deprecated)}; use what --help shows"


def test_the_extractor_finds_the_examples() -> None:
    """A guard against an extractor that silently finds nothing: the pages hold python blocks and commands."""
    assert len(pages_with({"python"})) >= 5
    assert len(SHELL_COMMANDS) >= 15
    marked = [b for page in documentation_pages() for b in code_blocks(page) if b.skip]
    assert all(b.language == "python" for b in marked), "the skip marker only applies to python blocks"
