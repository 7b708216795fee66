"""Two versions of the simulator timed side by side in one run: the ratio of their session
rates, case by case (these machines are noisy; alternating the versions round by round puts
both under the same noise).

    python benchmarks/compare.py OTHER_SOURCE_TREE [--rounds N]

OTHER_SOURCE_TREE is a checkout of another commit (``git worktree add /tmp/before <rev>``);
this tree is "this". Each round runs every case once in each version, in a fresh interpreter
per version and round, and the report gives the median rate of each and "this / other".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

#: Timed in the child interpreter: it must run against old and new package layouts alike.
CHILD = r"""
import json, sys, time
from smtpsim.api import build_cases
try:
    from smtpsim.simulator.run import run_session
except ImportError:  # the layout before the restructure of issue 8
    from smtpsim.simulator.session import run_session
cases = [
    ("baseline 10 kB dsl", "dsl", "baseline", 10_000, 300),
    ("chunking 10 kB lte", "lte", "chunking", 10_000, 300),
    ("streamlined 10 kB lte warm", "lte", "streamlined", 10_000, 300),
    ("burl 100 kB 3g", "3g", "burl", 100_000, 60),
    ("baseline 1 MB lte", "lte", "baseline", 1_000_000, 30),
    ("baseline 1 MB 3g (lossy)", "3g", "baseline", 1_000_000, 30),
]
out = {}
for name, profile, variant, size, n in cases:
    state = "warm" if "warm" in name else "cold"
    case = build_cases(profile, variant=variant, size=size, state=state)[0]
    run_session(case, 0)  # warm the caches of the interpreter
    start = time.perf_counter()
    for seed in range(n):
        run_session(case, seed)
    out[name] = n / (time.perf_counter() - start)
print(json.dumps(out))
"""


def _run(tree: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, check=True,
                          capture_output=True, text=True, cwd=tree)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("other", type=Path, help="source tree of the other version")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    this: dict[str, list[float]] = {}
    other: dict[str, list[float]] = {}
    for r in range(args.rounds):
        first, second = (HERE, args.other) if r % 2 == 0 else (args.other, HERE)
        for tree in (first, second):
            rates = _run(tree)
            into = this if tree == HERE else other
            for name, rate in rates.items():
                into.setdefault(name, []).append(rate)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    print(f"{'case':30} {'this/s':>9} {'other/s':>9} {'this/other':>11}")
    for name in this:
        a, b = statistics.median(this[name]), statistics.median(other[name])
        print(f"{name:30} {a:9.1f} {b:9.1f} {a / b:10.3f}x")


if __name__ == "__main__":
    main()
