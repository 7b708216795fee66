"""Throughput of the simulator as ratios measured side by side in one process (the machines
this runs on are shared and noisy: absolute numbers drift, ratios of interleaved timings do
not).

    python benchmarks/run.py [--rounds N] [--save-baseline] [--scaling]
                             [--parallel-sessions N]

For each case it prints, medians over ``--rounds`` rounds in which every measurement of every
case runs once, in rotating order:

* ``sim/s``: sessions per second of ``run_session`` on one core; ``floor/s`` the floor model
  (``floor.py``: one bare SimPy event per packet of the same exchange); ``x floor`` how many
  times slower than the floor the simulator is (target: at most 3);
* ``trace x``: the time of a traced session over a plain one;
* ``ev/pkt``: SimPy events (``Timeout``, triggered ``Event``, ``Condition``, process start and
  end) per packet the run's links carry (target: at most 1.5); ``q/pkt``: all entries of the
  event queue (those and the lean ``clock.Call`` timers) per packet; the floor has 1 of each;
* ``vs base``: the floor-normalised speed against ``baseline.json`` (a run of an earlier
  commit stored with ``--save-baseline``): its ``x floor`` over this one's, so above 1 is
  faster, whatever machine each ran on.

``sessions_per_second(run_k, k)`` is the one hook for other ways of running sessions: give it
a callable that runs ``k`` sessions (one core, a pool of workers, a cluster) and it returns
their rate, to set beside ``simulator_runner``'s. ``--scaling`` adds the time of one session
against message size (the per-segment hot path).

Then N workers against 1 (``scale.py``): ``--parallel-sessions`` ``baseline`` 10 kB sessions
through the execution layer in this process and on a pool of 2 processes, interleaved, and
the ratio of the rates (target: at least 1.8). ``python benchmarks/scale.py --memory
--million`` adds the peak memory of 10^4 against 10^5 streamed sessions and the time of a
10^6-session sweep.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from heapq import heappop
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from floor import exchange, floor_session  # noqa: E402
from scale import parallel  # noqa: E402

from smtpsim.api import build_cases  # noqa: E402
from smtpsim.model import Case  # noqa: E402
from smtpsim.simulator.clock import Clock  # noqa: E402
from smtpsim.simulator.run import _Run, run_session  # noqa: E402

BASELINE = HERE / "baseline.json"

#: name, profile, variant, size, sessions per measurement
CASES = [
    ("baseline 10 kB dsl", "dsl", "baseline", 10_000, 300),
    ("chunking 10 kB lte", "lte", "chunking", 10_000, 300),
    ("baseline 1 MB lte", "lte", "baseline", 1_000_000, 10),
    ("baseline 1 MB 3g (lossy)", "3g", "baseline", 1_000_000, 10),
]


def sessions_per_second(run_k: Callable[[int], object], k: int) -> float:
    """The rate of ``run_k(k)``, a callable that runs ``k`` sessions however it likes."""
    start = time.perf_counter()
    run_k(k)
    return k / (time.perf_counter() - start)


def simulator_runner(case: Case, trace: bool = False) -> Callable[[int], None]:
    """Runs ``k`` sessions of ``case`` (seeds 0..k-1) on this core."""

    def run_k(k: int) -> None:
        for seed in range(k):
            run_session(case, seed, trace=trace)

    return run_k


def floor_runner(case: Case) -> Callable[[int], None]:
    """Runs ``k`` floor sessions of ``case``'s exchange (seed 0's packets)."""
    flights = exchange(case)
    up, down = case.network.path.up, case.network.path.down

    def run_k(k: int) -> None:
        for _ in range(k):
            floor_session(flights, up, down)

    return run_k


class _CountingClock(Clock):
    """``Clock`` counting the entries its queue held: each one taken off, plus what is
    left at the end (a timer whose key was taken but that was never queued counts not)."""

    entries = 0

    def run(self, until: Any = None) -> Any:
        at = float(until)
        queue: list[Any] = self._queue
        while queue and queue[0][0] < at:
            self.entries += 1
            self._now, _, _, event = heappop(queue)
            callbacks = event.callbacks
            if callbacks.__class__ is not tuple:
                event.callbacks = None
            for callback in callbacks:
                callback(event)
        self.entries += len(queue)
        self._now = at
        return None


def events_per_packet(case: Case, seed: int = 0) -> tuple[float, float]:
    """SimPy events (what goes through ``Environment.schedule``) and all event-queue entries
    (SimPy events and ``clock.Call`` timers, segments, reads' hops) of one run, per packet
    its client paths carried."""
    import simpy

    import smtpsim.simulator.run as run_module

    counted = [0]
    schedule = simpy.Environment.schedule

    def counting(self: simpy.Environment, *args: Any, **kw: Any) -> None:
        counted[0] += 1
        schedule(self, *args, **kw)

    simpy.Environment.schedule = counting  # type: ignore[method-assign]
    run_module.Clock = _CountingClock  # type: ignore[misc]
    try:
        run = _Run(case, seed, 0, False)
        run.run()
    finally:
        simpy.Environment.schedule = schedule  # type: ignore[method-assign]
        run_module.Clock = Clock  # type: ignore[misc]
    entries = run.env.entries  # type: ignore[attr-defined]
    packets = sum(p.up.packets + p.down.packets for p in run.paths)
    return counted[0] / packets, entries / packets


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE,
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="take medians over N rounds")
    parser.add_argument("--save-baseline", action="store_true",
                        help=f"store this run's figures in {BASELINE.name}")
    parser.add_argument("--scaling", action="store_true",
                        help="also time one session against message size")
    parser.add_argument("--parallel-sessions", type=int, default=10_000,
                        help="sessions of the N-workers-against-1 measurement (0: skip it)")
    args = parser.parse_args()
    cases = {name: build_cases(profile, variant=variant, size=size)[0]
             for name, profile, variant, size, _n in CASES}
    sizes = {name: n for name, _p, _v, _s, n in CASES}
    kinds: dict[str, dict[str, Callable[[int], None]]] = {
        name: {"sim": simulator_runner(case), "floor": floor_runner(case),
               "traced": simulator_runner(case, trace=True)}
        for name, case in cases.items()
    }
    rates: dict[tuple[str, str], list[float]] = {}
    for runners in kinds.values():
        for run_k in runners.values():
            run_k(2)  # warm the interpreter's caches
    for r in range(args.rounds):
        for name, runners in kinds.items():
            order = list(runners.items())
            order = order[r % len(order):] + order[:r % len(order)]
            for kind, run_k in order:
                rates.setdefault((name, kind), []).append(sessions_per_second(run_k, sizes[name]))
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    base = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    rows: dict[str, dict[str, float]] = {}
    print(f"{'case':26} {'sim/s':>8} {'floor/s':>8} {'x floor':>8} {'trace x':>8} "
          f"{'ev/pkt':>7} {'q/pkt':>6} {'vs base':>8}")
    for name, case in cases.items():
        sim, flo, traced = (statistics.median(rates[(name, k)]) for k in ("sim", "floor", "traced"))
        events, entries = events_per_packet(case)
        row = {"sim_per_s": sim, "floor_per_s": flo, "x_floor": flo / sim,
               "trace_cost": sim / traced, "events_per_packet": events,
               "entries_per_packet": entries}
        rows[name] = row
        old = base.get("cases", {}).get(name)
        vs = f"{old['x_floor'] / row['x_floor']:7.2f}x" if old else "      -"
        print(f"{name:26} {sim:8.0f} {flo:8.0f} {row['x_floor']:7.2f}x {row['trace_cost']:7.2f}x "
              f"{events:7.2f} {entries:6.2f} {vs:>8}")
    if base:
        print(f"(vs base: against {base.get('commit', '?')}, {base.get('machine', '?')})")
    if args.scaling:
        print("\ntime per session against message size (lte, pipelining):")
        first = None
        for size in (1_000, 100_000, 1_000_000, 10_000_000):
            case = build_cases("lte", variant="pipelining", size=size, server="ideal")[0]
            n = max(2, int(2e6 // max(size, 1e4)))
            per = statistics.median(1 / sessions_per_second(simulator_runner(case), n)
                                    for _ in range(args.rounds))
            first = first or per
            print(f"  {size:>10,} B  {per * 1e3:9.2f} ms  ({per / first:6.1f}x the 1 kB session)")
    if args.parallel_sessions:
        print()
        parallel(args.parallel_sessions, max(2, args.rounds // 2))
    if args.save_baseline:
        cpu = platform.processor() or platform.machine()
        machine = f"{cpu}, Python {platform.python_version()}"
        BASELINE.write_text(json.dumps({"commit": _commit(), "machine": machine, "cases": rows},
                                       indent=1) + "\n")
        print(f"stored in {BASELINE}")


if __name__ == "__main__":
    main()
