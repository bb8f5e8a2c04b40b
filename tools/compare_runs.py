"""Compare two run folders file by file: the same model must give byte-identical results.

Usage: ``python tools/compare_runs.py BEFORE AFTER`` (each a run folder with a ``manifest.json``, or a results folder
holding exactly one run). Exit 0 when they match, 1 when anything differs (each difference is printed), 2 on bad
arguments.

What is compared, and what is left out because it differs from run to run by design:

* every ``.csv``, ``.json``, ``.toml`` and ``.md`` file, as text, exactly, after removing what is not a model result:
  timings (keys and CSV columns named ``seconds``, ``*_seconds``), the calibration cache's ``cached`` flag (whether a
  capacity was computed or read from ``~/.cache/sharedhr``), the manifest's creation time, command line and git state,
  the run folder's own name (``<timestamp>-<seed>``) and the absolute path of either run folder;
* every ``.parquet`` file, by its table (columns, types and values), since the file also stores writer metadata;
* the other files (notebook, HTML, PNG, XLSX: they embed execution times or renderer metadata) must exist on both
  sides; their content is not compared. The manifest's checksums of them are therefore not compared either.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

TEXT_SUFFIXES = (".csv", ".json", ".toml", ".md")
TABLE_SUFFIXES = (".parquet",)
VOLATILE_KEY = re.compile(r"^(seconds|.*_seconds|created_utc|argv|git|cached)$")
RUN_NAME = re.compile(r"\d{8}T\d{6}Z-\d+")


def run_folder(path: Path) -> Path:
    """``path`` itself when it holds a ``manifest.json``, else the single run folder below it."""
    if (path / "manifest.json").is_file():
        return path
    found = sorted(p.parent for p in path.glob("**/manifest.json") if p.parent.parent != p.parent)
    runs = [p for p in found if not any(q != p and q in p.parents for q in found)]
    if len(runs) != 1:
        raise SystemExit(f"error: {path}: expected one run folder (with manifest.json), found {len(runs)}")
    return runs[0]


def _scrub_text(text: str, roots: tuple[Path, ...]) -> str:
    for root in roots:
        text = text.replace(str(root.resolve()), "<run>").replace(str(root), "<run>")
    return RUN_NAME.sub("<run-name>", text)


def _scrub_json(value: Any, roots: tuple[Path, ...], name: str) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if VOLATILE_KEY.match(str(key)):
                continue
            if name == "manifest.json" and key == "files" and isinstance(item, dict):
                out[key] = sorted(item)  # the checksums are compared file by file instead
                continue
            out[key] = _scrub_json(item, roots, name)
        return out
    if isinstance(value, list):
        return [_scrub_json(item, roots, name) for item in value]
    if isinstance(value, str):
        return _scrub_text(value, roots)
    return value


def _scrub_csv(text: str, roots: tuple[Path, ...]) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return ""
    keep = [i for i, column in enumerate(rows[0]) if not VOLATILE_KEY.match(column)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([row[i] for i in keep if i < len(row)])
    return _scrub_text(buffer.getvalue(), roots)


def normalised(path: Path, roots: tuple[Path, ...]) -> str:
    """The file's text with the run-specific parts removed (see the module docstring)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.dumps(_scrub_json(json.loads(text), roots, path.name), indent=1, sort_keys=True)
    if path.suffix == ".csv":
        return _scrub_csv(text, roots)
    return _scrub_text(text, roots)


def _first_difference(a: str, b: str) -> str:
    for number, (left, right) in enumerate(zip(a.splitlines(), b.splitlines(), strict=False), start=1):
        if left != right:
            return f"line {number}: {left[:160]!r} != {right[:160]!r}"
    return f"{len(a.splitlines())} lines != {len(b.splitlines())} lines"


def _tables_differ(a: Path, b: Path) -> str | None:
    import pyarrow.parquet as pq

    left, right = pq.read_table(a), pq.read_table(b)
    if left.schema.remove_metadata() != right.schema.remove_metadata():
        return f"schema {left.schema.remove_metadata()} != {right.schema.remove_metadata()}"
    if not left.equals(right):
        return f"values differ ({left.num_rows} and {right.num_rows} rows)"
    return None


def compare(before: Path, after: Path) -> list[str]:
    """Differences between two run folders, one line each (empty when they match)."""
    roots = (before, after)
    files = {p.relative_to(before).as_posix() for p in before.rglob("*") if p.is_file()}
    other = {p.relative_to(after).as_posix() for p in after.rglob("*") if p.is_file()}
    problems = [f"only in {before}: {name}" for name in sorted(files - other)]
    problems += [f"only in {after}: {name}" for name in sorted(other - files)]
    for name in sorted(files & other):
        a, b = before / name, after / name
        if a.suffix in TEXT_SUFFIXES:
            left, right = normalised(a, roots), normalised(b, roots)
            if left != right:
                problems.append(f"differs: {name}: {_first_difference(left, right)}")
        elif a.suffix in TABLE_SUFFIXES:
            reason = _tables_differ(a, b)
            if reason:
                problems.append(f"differs: {name}: {reason}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="run folder (or results folder holding one run)")
    parser.add_argument("after", type=Path, help="run folder (or results folder holding one run)")
    args = parser.parse_args(argv)
    for path in (args.before, args.after):
        if not path.is_dir():
            parser.error(f"{path}: not a folder")
    before, after = run_folder(args.before), run_folder(args.after)
    problems = compare(before, after)
    compared = sum(1 for p in before.rglob("*") if p.suffix in TEXT_SUFFIXES + TABLE_SUFFIXES)
    for line in problems:
        print(line)
    if problems:
        print(f"DIFFERENT: {len(problems)} difference(s) between {before} and {after}")
        return 1
    print(f"IDENTICAL: {compared} CSV/JSON/TOML/Markdown/Parquet files of {before} and {after} match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
