"""Throughput of the simulator, measured side by side in one run (these machines are noisy,
so compare the ratios, not the absolute numbers).

    python benchmarks/run.py [--repeat N]

Prints sessions per second for a few representative cases, the cost of tracing, and how the
run time of one session grows with the message size (the per-segment hot path).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from smtpsim.api import build_cases
from smtpsim.model import Case
from smtpsim.simulator.run import run_session


def _rate(case: Case, sessions: int, trace: bool = False) -> float:
    start = time.perf_counter()
    for seed in range(sessions):
        run_session(case, seed, trace=trace)
    return sessions / (time.perf_counter() - start)


def _best(fn: Callable[[], float], repeat: int) -> float:
    return max(fn() for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="take the best of N timings")
    args = parser.parse_args()
    rows = []
    cases = {
        "baseline 10 kB dsl": build_cases("dsl", variant="baseline", size=10_000)[0],
        "chunking 10 kB lte": build_cases("lte", variant="chunking", size=10_000)[0],
        "baseline 1 MB lte": build_cases("lte", variant="baseline", size=1_000_000)[0],
        "baseline 1 MB 3g (lossy)": build_cases("3g", variant="baseline", size=1_000_000)[0],
    }
    for name, case in cases.items():
        n = 200 if case.workload.size < 100_000 else 20
        plain = _best(lambda c=case, n=n: _rate(c, n), args.repeat)
        traced = _best(lambda c=case, n=n: _rate(c, n, trace=True), args.repeat)
        rows.append((name, plain, traced))
    print(f"{'case':28} {'sessions/s':>11} {'traced/s':>10} {'trace cost':>11}")
    for name, plain, traced in rows:
        print(f"{name:28} {plain:11.1f} {traced:10.1f} {plain / traced:10.2f}x")
    print()
    print("time per session against message size (lte, pipelining):")
    base = None
    for size in (1_000, 100_000, 1_000_000, 10_000_000):
        case = build_cases("lte", variant="pipelining", size=size, server="ideal")[0]
        n = max(2, int(2e6 // max(size, 1e4)))
        per = statistics.median(1 / _rate(case, n) for _ in range(args.repeat))
        base = base or per
        print(f"  {size:>10,} B  {per * 1e3:9.2f} ms  ({per / base:6.1f}x the 1 kB session)")


if __name__ == "__main__":
    main()
