"""CLI start-up stays fast: building the ``sharedhr`` parser (which imports every module in ``model/commands/``) must
not import the heavy libraries (pandas, scipy, matplotlib, the solvers, SimPy, Dask). Commands import them inside
their handlers. Each check runs in a fresh interpreter, since this test process has loaded everything already."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HEAVY = ("pandas", "scipy", "matplotlib", "pyomo", "simpy", "dask", "distributed", "highspy")

# Imports every command module in turn, then builds the parser; prints {module: [heavy modules it added]} as JSON.
PER_MODULE_SCRIPT = f"""
import importlib, json, pkgutil, sys
import model.commands
heavy = {HEAVY!r}
loaded = lambda: {{m for m in heavy if m in sys.modules}}
names = sorted(info.name for info in pkgutil.iter_modules(model.commands.__path__))
found = {{}}
for name in names:
    before = loaded()
    importlib.import_module("model.commands." + name)
    found[name] = sorted(loaded() - before)
before = loaded()
from model.commands.cli import build_parser
build_parser()
found["(cli.build_parser)"] = sorted(loaded() - before)
print(json.dumps(found))
"""

# The check as the task states it: the heavy modules loaded after building the parser.
BUILD_PARSER_SCRIPT = (
    "import sys; from model.commands.cli import build_parser; build_parser(); "
    f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
)


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_building_the_parser_imports_no_heavy_module() -> None:
    loaded = ast.literal_eval(_python(BUILD_PARSER_SCRIPT))
    assert loaded == [], f"heavy modules imported while building the parser: {loaded}"


def test_each_command_module_imports_no_heavy_module() -> None:
    found = json.loads(_python(PER_MODULE_SCRIPT))
    assert "validate" in found and "simulate" in found  # discovery worked
    offenders = {name: modules for name, modules in found.items() if modules}
    assert not offenders, f"import these inside the handler (or under TYPE_CHECKING): {offenders}"


def test_console_script_validates_the_default_scenario() -> None:
    script = Path(sys.executable).with_name("sharedhr")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "model"]
    done = subprocess.run(
        [*command, "validate", "scenarios/herts_beds_luton.toml"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: Herts Beds Luton: 5 members, 8 services")
