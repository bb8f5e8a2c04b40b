"""Mutation testing of the money and KPI paths: plant one small bug at a time and check the fast tests catch it.

Why a project script rather than mutmut or cosmic-ray: those tools run the whole mapped suite in a fresh process per
mutant (each start pays the pandas/Pyomo/SciPy imports) and mutate every line of a module, most of it I/O and
messages. This script mutates only the functions that compute money and KPIs (``TARGETS``) and runs, IN ONE PROCESS,
only the fast tests that exercise them, so a mutant costs about a second.

How a mutant is applied: the target function's source is parsed, ONE node is changed (operators ``+ - * /`` swapped,
comparisons flipped, ``and``/``or`` swapped, a unary minus dropped, ``min``/``max`` swapped, a number tweaked, an
augmented assignment reversed, a returned value replaced by ``None``), the function is recompiled at its original
line numbers and its ``__code__`` replaced, so every caller sees the mutant (including ``from module import f``).
Caches (``functools`` ``cache_clear``) of the model modules are cleared before each run. A mutant is KILLED when the
mapped tests fail (an exception or a timeout counts), SURVIVES when they pass; a mutant that cannot be compiled onto
the function (changed closure variables) is skipped and reported. ``EQUIVALENT`` lists survivors that cannot change
any result, with the reason; the score is killed / (mutants - equivalent).

Usage: ``python tools/mutation.py [--module kpis ...] [--list] [--timeout SECONDS]`` (``make mutation``).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import gc
import importlib
import inspect
import io
import json
import resource
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FunctionType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Target:
    """The functions of one module to mutate (``Class.method`` for methods) and the pytest arguments that test them."""

    module: str
    functions: tuple[str, ...]
    tests: tuple[str, ...]


TARGETS: dict[str, Target] = {
    "kpis": Target(
        "model.simulation.kpis",
        ("_cost_metrics", "non_pay_by_service", "member_active_months", "_staff_metrics"),
        ("tests/test_money_terms.py", "tests/test_mutation_survivors.py", "tests/test_kpis.py", "-k", "not real_run"),
    ),
    "summary": Target(
        "model.simulation.summary",
        ("available_days_per_fte", "host_staff_cost", "non_pay_cost", "cost_summary"),
        ("tests/test_money_terms.py",),
    ),
    "tariffs": Target(
        "model.fairness.tariffs",
        ("today_contributions", "risk_premium_shares"),
        ("tests/test_tariffs_hand.py", "tests/test_mutation_survivors.py"),
    ),
    "cost_lines": Target(
        "model.fairness.cost_lines",
        ("_weights", "_spread", "_member_totals"),
        ("tests/test_tariffs_hand.py", "tests/test_mutation_survivors.py"),
    ),
    "games": Target(
        "model.fairness.games",
        ("_subset_sums", "_popcount"),
        ("tests/test_games_hand.py", "tests/test_mutation_survivors.py"),
    ),
    "solutions": Target(
        "model.fairness.solutions",
        ("_balance_exactly", "_shapley_weights", "_shapley_exact"),
        ("tests/test_games_hand.py", "tests/test_mutation_survivors.py"),
    ),
    "pooling": Target(
        "model.optimisation.pooling",
        ("availability", "service_rate_per_fte", "queueing_budget_days", "pool_capacity"),
        ("tests/test_pooling.py", "tests/test_mutation_survivors.py"),
    ),
    "queueing": Target(
        "model.optimisation.queueing",
        (
            "erlang_b",
            "erlang_c",
            "utilisation",
            "mmc_prob_wait",
            "mmc_mean_wait",
            "mmc_mean_sojourn",
            "mmc_mean_queue_length",
            "mmc_wait_tail",
            "mmc_sojourn_tail",
            "mm1_mean_wait",
            "min_servers_for_wait",
            "max_arrival_rate",
        ),
        ("tests/test_queueing.py", "tests/test_mutation_survivors.py"),
    ),
    "calibration": Target(
        "model.optimisation.calibration",
        ("search_capacity",),
        ("tests/test_calibration.py", "tests/test_mutation_survivors.py", "-k", "search"),
    ),
    "absence": Target(
        "model.simulation.absence",
        ("merge", "subtract", "clip", "overlap", "sickness_episode_rates", "complement"),
        ("tests/test_forced_absence.py", "tests/test_mutation_survivors.py"),
    ),
    "demand": Target(
        "model.simulation.demand",
        ("active_in_month", "expected_annual_demand", "base_rate_per_day", "window_days", "arrival_rate_per_day"),
        ("tests/test_demand_arrivals.py", "tests/test_mutation_survivors.py"),
    ),
}

# Survivors that cannot change any result, "module:function:description" -> reason (see docs/testing.md).
EQUIVALENT: dict[str, str] = {
    "kpis:_staff_metrics:line 223:45 0 -> 1": "every post of the staff table has the same window_days",
    "kpis:_staff_metrics:line 224:49 Gt -> GtE": "the KPI window is at least a month (warm-up < horizon)",
    "kpis:_staff_metrics:line 224:58 0 -> 1": "the KPI window is at least a month (warm-up < horizon)",
    "kpis:_staff_metrics:line 240:52 Gt -> GtE": "no available days means no busy days: numpy 0/0 is NaN either way",
    "kpis:_staff_metrics:line 246:57 Gt -> GtE": "no scheduled days means no sick days: numpy 0/0 is NaN either way",
    "solutions:_shapley_exact:line 124:52 0.0 -> 1.0": "the weight of size n is never indexed (coalitions without i)",
    "solutions:_balance_exactly:line 73:23 8 -> 9": "a 9th nudge: the sum is exact within the first two neighbours",
    "solutions:_balance_exactly:line 79:58 Gt -> GtE": "error == 0 has already returned: the branch never sees 0",
    "pooling:service_rate_per_fte:line 92:7 LtE -> Lt": "productivity 0 gives a rate of 0.0 through the formula too",
    "pooling:pool_capacity:line 113:30 1e-09 -> 1.5000000000000002e-09": "float guard of ceil: FTEs are 0.5 steps",
    "absence:merge:line 153:15 Gt -> GtE": "an equal end replaces the last interval with the same interval",
    "absence:subtract:line 165:34 LtE -> Lt": "a removal ending at the start cuts nothing: current stays at start",
    "absence:subtract:line 169:34 Lt -> LtE": "a removal starting at the end cuts nothing: the piece is the same",
    "demand:active_in_month:line 40:8 return None": "None and False are both false wherever the flag is used",
    "absence:sickness_episode_rates:line 196:7 LtE -> Lt": "s = 0 gives log1p(0) = 0: rates (0.0, -0.0) == (0, 0)",
    "absence:complement:line 321:75 Gt -> GtE": "an empty [start, start) window has no uncovered part either way",
    "calibration:search_capacity:line 299:14 Gt -> GtE": "exact float equality of a step down with the floor",
    "calibration:search_capacity:line 300:30 Lt -> LtE": "exact float equality with a ten-thousandth of the ceiling",
    "calibration:search_capacity:line 308:10 Gt -> GtE": "the bisection starts only after a pass: low > 0",
    "calibration:search_capacity:line 308:22 Gt -> GtE": "exact float equality with the precision",
    "queueing:mmc_wait_tail:line 83:7 LtE -> Lt": "at c mu = lambda the formula gives C e^0 = 1, the same answer",
    "queueing:mmc_sojourn_tail:line 98:7 LtE -> Lt": "at theta = 0 the formula gives 1, the same answer",
    "queueing:mmc_sojourn_tail:line 103:39 1e-09 -> 1.5000000000000002e-09": "both branches agree near theta = mu",
    "queueing:min_servers_for_wait:line 130:23 10000 -> 10001": "the default search bound; no caller nears it",
    "queueing:min_servers_for_wait:line 139:11 GtE -> Gt": "exact float equality with the target fraction",
    "queueing:max_arrival_rate:line 151:23 1e-10 -> 1.5e-10": "bisection tolerance: moves the answer < 2e-10",
    "queueing:max_arrival_rate:line 163:15 GtE -> Gt": "exact float equality with the target fraction",
    "queueing:max_arrival_rate:line 166:17 Mult -> Div": "an idle probe either way (1e-12 x mu or 1e-12 / mu)",
    "queueing:max_arrival_rate:line 166:17 1e-12 -> 1.5e-12": "an idle probe either way",
    "queueing:max_arrival_rate:line 168:10 Gt -> GtE": "bisection stopping rule: one more halving at most",
    "queueing:max_arrival_rate:line 168:23 Mult -> Div": "bisection tolerance: a tighter stop, same answer",
    "queueing:max_arrival_rate:line 168:35 max -> min": "bisection tolerance: a tighter stop, same answer",
    "queueing:max_arrival_rate:line 168:39 1.0 -> 1.5": "bisection tolerance: moves the answer < 2e-10",
}

_SWAPS: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
}
_COMPARE: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}


def _describe(node: ast.AST, what: str) -> str:
    return f"line {getattr(node, 'lineno', '?')}:{getattr(node, 'col_offset', '?')} {what}"


def _mutations(tree: ast.AST) -> Iterator[tuple[str, Callable[[ast.AST], None], int]]:
    """(description, apply(node), node index) for every mutation of the tree, in source order."""
    nodes = list(ast.walk(tree))
    for index, node in enumerate(nodes):
        if isinstance(node, ast.BinOp) and type(node.op) in _SWAPS:
            new = _SWAPS[type(node.op)]
            yield _describe(node, f"{type(node.op).__name__} -> {new.__name__}"), _setter("op", new), index
        elif isinstance(node, ast.AugAssign) and type(node.op) in _SWAPS:
            new = _SWAPS[type(node.op)]
            yield _describe(node, f"{type(node.op).__name__}= -> {new.__name__}="), _setter("op", new), index
        elif isinstance(node, ast.Compare):
            for position, op in enumerate(node.ops):
                if type(op) in _COMPARE:
                    new = _COMPARE[type(op)]
                    yield (
                        _describe(node, f"{type(op).__name__} -> {new.__name__}"),
                        _compare_setter(position, new),
                        index,
                    )
        elif isinstance(node, ast.BoolOp):
            new = ast.Or if isinstance(node.op, ast.And) else ast.And
            yield _describe(node, f"{type(node.op).__name__} -> {new.__name__}"), _setter("op", new), index
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
            yield _describe(node, f"drop {type(node.op).__name__}"), _unwrap_unary, index
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max"):
            new_name = "max" if node.func.id == "min" else "min"
            yield _describe(node, f"{node.func.id} -> {new_name}"), _rename_call(new_name), index
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool)
        ):
            value = node.value
            new_value = value + 1 if isinstance(value, int) else (value * 1.5 if value else 1.0)
            yield _describe(node, f"{value!r} -> {new_value!r}"), _setter("value", new_value, call=False), index
        elif isinstance(node, ast.Return) and node.value is not None and not _is_none(node.value):
            yield _describe(node, "return None"), _setter("value", ast.Constant(None), call=False), index


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _setter(field: str, value: Any, call: bool = True) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        setattr(node, field, value() if call else copy.deepcopy(value))

    return apply


def _compare_setter(position: int, new: type) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Compare)
        node.ops[position] = new()

    return apply


def _unwrap_unary(node: ast.AST) -> None:
    assert isinstance(node, ast.UnaryOp)
    # a unary node cannot replace itself in place; turn it into "+operand" (no-op for numbers) or "not not x"
    node.op = ast.UAdd() if isinstance(node.op, ast.USub) else ast.Not()
    if isinstance(node.op, ast.Not):
        node.operand = ast.UnaryOp(op=ast.Not(), operand=node.operand)


def _rename_call(name: str) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        node.func = ast.Name(id=name, ctx=ast.Load())

    return apply


def _resolve(module: Any, qualname: str) -> FunctionType:
    obj: Any = module
    for part in qualname.split("."):
        obj = getattr(obj, part)
    function = inspect.unwrap(obj)
    assert isinstance(function, FunctionType), f"{qualname} is not a function"
    return function


def _function_tree(function: FunctionType) -> ast.Module:
    lines, first = inspect.getsourcelines(function)
    tree = ast.parse(textwrap.dedent("".join(lines)))
    ast.increment_lineno(tree, first - 1)
    definition = tree.body[0]
    assert isinstance(definition, ast.FunctionDef)
    definition.decorator_list = []
    return tree


def _compile(tree: ast.Module, function: FunctionType) -> CodeType:
    code = compile(ast.fix_missing_locations(tree), function.__code__.co_filename, "exec")
    for constant in code.co_consts:
        if isinstance(constant, CodeType) and constant.co_name == function.__name__:
            return constant
    raise LookupError(function.__name__)


def _clear_caches() -> None:
    for name, module in list(sys.modules.items()):
        if not name.startswith("model") or module is None:
            continue
        for value in vars(module).values():
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def _tests_pass(tests: tuple[str, ...], timeout: float) -> bool:
    """Run the tests in this process, quietly; True if all passed in time."""
    _clear_caches()
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = pytest.main([*tests, "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-W", "ignore"])
    except _Timeout:
        return False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return code == 0


@dataclass
class Outcome:
    module: str
    function: str
    description: str
    status: str  # "killed", "survived", "equivalent", "skipped"


def run_target(name: str, target: Target, timeout: float, verbose: bool) -> list[Outcome]:
    """Every mutant of every function of ``target``, one at a time; the original code restored after each."""
    module = importlib.import_module(target.module)
    outcomes: list[Outcome] = []
    if not _tests_pass(target.tests, timeout * 5):
        raise SystemExit(f"{name}: the mapped tests fail WITHOUT any mutant: {' '.join(target.tests)}")
    for qualname in target.functions:
        function = _resolve(module, qualname)
        original = function.__code__
        pristine = _function_tree(function)
        count = sum(1 for _ in _mutations(pristine))
        for number in range(count):
            tree = copy.deepcopy(pristine)
            description, apply, index = list(_mutations(tree))[number]
            apply(list(ast.walk(tree))[index])
            key = f"{name}:{qualname}:{description}"
            try:
                function.__code__ = _compile(tree, function)
            except (ValueError, SyntaxError, LookupError, TypeError):
                outcomes.append(Outcome(name, qualname, description, "skipped"))
                continue
            try:
                passed = _tests_pass(target.tests, timeout)
            finally:
                function.__code__ = original
                gc.collect()
            status = "equivalent" if passed and key in EQUIVALENT else ("survived" if passed else "killed")
            outcomes.append(Outcome(name, qualname, description, status))
            if verbose or status == "survived":
                print(f"  {status:10s} {qualname} {description}", flush=True)
    return outcomes


MEMORY_LIMIT_BYTES = 6 * 1024**3


def _child(name: str, timeout: float, verbose: bool) -> int:
    """Run one module's mutants in this process and print its counts as the last line (JSON).

    The address space is capped (``MEMORY_LIMIT_BYTES``): a mutated rate can ask for billions of arrivals, and on a
    shared machine the MemoryError it then raises (a kill) is far better than the kernel's out-of-memory killer."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    start = time.perf_counter()
    outcomes = run_target(name, TARGETS[name], timeout, verbose)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("killed", "survived", "equivalent", "skipped")}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"total": len(outcomes), **counts, "seconds": time.perf_counter() - start, "peak_mb": peak_mb}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", choices=sorted(TARGETS), help="only these (repeatable)")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per mutant before it counts as killed")
    parser.add_argument("--list", action="store_true", help="list the mutants without running them")
    parser.add_argument("--verbose", action="store_true", help="print every mutant's outcome")
    parser.add_argument("--child", choices=sorted(TARGETS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.child:
        return _child(args.child, args.timeout, args.verbose)
    names = args.module or list(TARGETS)
    if args.list:
        for name in names:
            module = importlib.import_module(TARGETS[name].module)
            for qualname in TARGETS[name].functions:
                for description, _, _ in _mutations(_function_tree(_resolve(module, qualname))):
                    print(f"{name}:{qualname}:{description}")
        return 0
    rows = []
    for name in names:
        # one process per module: repeated in-process pytest sessions hold on to memory, a fresh process frees it
        print(f"== {name}: {', '.join(TARGETS[name].functions)}", flush=True)
        command = [sys.executable, __file__, "--child", name, "--timeout", str(args.timeout)]
        child = subprocess.run(command + ["--verbose"] * args.verbose, capture_output=True, text=True, cwd=ROOT)
        lines = child.stdout.rstrip().splitlines()
        for line in lines[:-1]:
            print(line, flush=True)
        if child.returncode != 0 or not lines:
            print(child.stderr[-2000:], flush=True)
            return 1
        result = json.loads(lines[-1])
        scored = result["killed"] + result["survived"]
        score = result["killed"] / scored if scored else float("nan")
        rows.append((name, result, score))
    print()
    print(f"{'module':12s} {'mutants':>7s} {'killed':>6s} {'surv.':>5s} {'equiv.':>6s} {'skip':>4s} {'score':>6s} time")
    for name, r, score in rows:
        print(
            f"{name:12s} {r['total']:7d} {r['killed']:6d} {r['survived']:5d} {r['equivalent']:6d} {r['skipped']:4d} "
            f"{score:6.1%} {r['seconds']:.0f}s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
