"""Nucleolus of a table game by constraint generation (issue 15), against references measured in the same run.

For random subadditive cost games (``model.fairness.random_subadditive_game``) of 15 and 18 players, prints this
model's nucleolus time (constraint generation, the default), coopgame-py 0.3's ``cost_nucleolus`` (a Rust
implementation by constraint generation; optional, skipped with a message if not installed, never a dependency of
the model) and the enumerating solver's (every coalition in every LP: the model's previous default), the ratios and
the largest absolute difference between the answers.

Target: no slower than coopgame-py at 15 and 18 players, answers within 1e-10 (relative to max |c(S)|).
Times are medians over ``--repeat`` runs of each solver on the same, already tabulated game (tabulating is not
timed for either). The machine's load average is printed: on a shared machine compare the ratios, not the seconds.

Run: .venv/bin/python benchmarks/nucleolus_speed.py [--seeds 3] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import highspy
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.fairness import CostGame, nucleolus, random_subadditive_game  # noqa: E402

try:
    import coopgame
except ImportError:  # optional reference
    coopgame = None


def timed(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time (s) over ``repeat`` runs and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def car_sharing_game(n: int) -> CostGame:
    """A degenerate game (as in games_speed.py): 10 per car of 4 plus 0.5 per member among the first three; empty
    core and whole families of coalitions tied at every excess level (many stages)."""
    costs = [10 * -(-bin(m).count("1") // 4) + 0.5 * bin(m & 0b111).count("1") for m in range(1 << n)]
    return CostGame([f"P{i + 1}" for i in range(n)], costs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[15, 18])
    parser.add_argument("--seeds", type=int, default=3, help="random games per size (seeds 0..seeds-1)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per solver (median); enumeration runs once")
    args = parser.parse_args()
    print(
        f"nucleolus benchmark: Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"numpy {np.__version__}, HiGHS {highspy.Highs().version()}, "
        f"coopgame-py {getattr(coopgame, '__version__', 'installed') if coopgame else 'NOT installed'}; "
        f"load average {os.getloadavg()[0]:.1f} (1 min)"
    )
    if coopgame is None:
        print("  coopgame-py is not installed: its column is skipped (pip install coopgame-py==0.3.0 to compare)")
    failures = 0
    for n in args.sizes:
        games = [(f"seed={seed}", random_subadditive_game(n, seed=seed)) for seed in range(args.seeds)]
        games.append(("car-sharing", car_sharing_game(n)))
        for label, game in games:
            game._costs()  # tabulate once, outside every timing
            scale = game._scale()
            t_gen, ours = timed(lambda game=game: nucleolus(game), args.repeat)
            t_enum, old = timed(lambda game=game: nucleolus(game, algorithm="enumeration"), 1)
            diff_old = float(np.max(np.abs(ours.as_array() - old.as_array())))
            line = (
                f"  n={n} {label}: generation {t_gen * 1e3:7.1f} ms ({ours.info['coalition_rows']} of "
                f"{(1 << n) - 2:,} coalition rows, {ours.info['lp_solves']} LPs, {ours.info['stages']} stage(s)); "
                f"enumeration {t_enum * 1e3:7.0f} ms = {t_enum / t_gen:5.1f}x slower, max |diff| {diff_old:.1e}"
            )
            ok = diff_old <= 1e-10 * scale
            if coopgame is not None:
                values = list(game.table[1:])
                reference_game = coopgame.Game(values)
                t_coop, theirs = timed(lambda g=reference_game: coopgame.cost_nucleolus(g), args.repeat)
                diff_coop = float(np.max(np.abs(ours.as_array() - np.asarray(theirs, dtype=np.float64))))
                line += (
                    f"; coopgame-py {t_coop * 1e3:7.1f} ms = {t_coop / t_gen:5.1f}x ours, max |diff| {diff_coop:.1e}"
                )
                ok = ok and diff_coop <= 1e-10 * scale and t_gen <= t_coop
            print(line + f"  [{'PASS' if ok else 'FAIL'}] (1e-10 x max|c| = {1e-10 * scale:.1e})")
            failures += not ok
    print(f"load average at the end {os.getloadavg()[0]:.1f}; {'all targets met' if not failures else 'FAILED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
