"""Scale of a run: parallel efficiency, memory while streaming, and a 10^6-session sweep,
through the real execution layer (``smtpsim.execution.run.run``).

    python benchmarks/scale.py [--sessions N] [--rounds R] [--memory] [--million]

The sessions are ``baseline`` 10 kB on ``dsl`` with a loss probability of 0.001, so every
session draws (a loss draw per packet) and every one is simulated: a run that draws no
random number stands for all its replications (``smtpsim.simulator.run.run_replications``),
and ``dsl`` as built in (no loss, no jitter) draws none.

* parallel: run in this process (1 worker) and on a pool of 2 processes, interleaved
  ``--rounds`` times; prints each rate and the ratio of the medians (2 workers over 1: the
  target is at least 1.8).
* ``--memory``: the parent's peak RSS for 10^4 and 10^5 sessions streamed to a dataset
  directory, each in a fresh interpreter, one worker (so the RSS is the whole run's), and
  their ratio (target: at most 1.5).
* ``--million``: 10^6 sessions on every core, streamed to a dataset directory; prints the
  wall time (target: under 5 minutes on a 2-core machine); then the same with ``dsl`` as
  built in, whose replications are one simulated run each chunk.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from smtpsim.execution.executors import default_workers  # noqa: E402
from smtpsim.execution.run import run  # noqa: E402
from smtpsim.scenarios.loader import loads  # noqa: E402

SCENARIO = """
[scenario]
name = "scale"
seed = 1
replications = {reps}

[[profile]]
preset = "dsl"
{loss}

[[variant]]
preset = "baseline"

[workload]
size_bytes = 10000
"""

#: every session draws: a loss draw per packet
DRAWING = "loss = 0.001"


def scenario_text(sessions: int, loss: str = DRAWING) -> str:
    return SCENARIO.format(reps=sessions, loss=loss)


_PEAK = r"""
import resource, sys
sys.path.insert(0, sys.argv[3])
from smtpsim.execution.run import run
from smtpsim.scenarios.loader import loads
run(loads(sys.argv[1]), executor="serial", out=sys.argv[2])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def rate(sessions: int, workers: int) -> float:
    """Sessions per second of one run of ``sessions`` sessions on ``workers`` workers."""
    scenario = loads(scenario_text(sessions))
    started = time.perf_counter()
    result = run(scenario, workers=workers)
    elapsed = time.perf_counter() - started
    assert len(result.records) == sessions
    return sessions / elapsed


def parallel(sessions: int, rounds: int) -> None:
    one, two = [], []
    for _ in range(rounds):
        one.append(rate(sessions, 1))
        two.append(rate(sessions, 2))
    a, b = statistics.median(one), statistics.median(two)
    print(f"parallel: {sessions} sessions, medians of {rounds} interleaved rounds")
    print(f"  1 worker   {a:8,.0f} sessions/s")
    print(f"  2 workers  {b:8,.0f} sessions/s")
    print(f"  2 over 1   {b / a:8.2f}x  (target >= 1.8)")


def peak_kb(sessions: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [sys.executable, "-c", _PEAK, scenario_text(sessions),
             str(Path(tmp) / "ds"), str(HERE.parent)],
            capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1])


def memory() -> None:
    small, large = peak_kb(10_000), peak_kb(100_000)
    print("memory: peak RSS streaming to a dataset, one process")
    print(f"  10^4 sessions  {small / 1024:7.1f} MiB")
    print(f"  10^5 sessions  {large / 1024:7.1f} MiB")
    print(f"  ratio          {large / small:7.2f}x  (target <= 1.5)")


def million() -> None:
    workers = default_workers()
    for what, loss in (("every session simulated", DRAWING),
                       ("dsl as built in, no draw", "")):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            result = run(loads(scenario_text(1_000_000, loss)), workers=workers,
                         out=Path(tmp) / "ds", progress=True)
            elapsed = time.perf_counter() - started
        print(f"million ({what}): {len(result.records):,} sessions on {workers} workers in "
              f"{elapsed:,.0f} s ({elapsed / 60:.1f} min; target < 5 min), "
              f"{len(result.records) / elapsed:,.0f} sessions/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--million", action="store_true")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    parallel(args.sessions, args.rounds)
    if args.memory:
        memory()
    if args.million:
        million()


if __name__ == "__main__":
    main()
