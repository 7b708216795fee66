"""``benchmarks/`` stays runnable: the floor model replays exactly the packets a run puts on
the client's access path (the speed figures of ``benchmarks/run.py`` divide by it)."""

from __future__ import annotations

import sys
from pathlib import Path

from smtpsim.api import build_cases

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import floor  # noqa: E402


def test_the_floor_replays_the_runs_packets() -> None:
    """baseline 10 kB on dsl, seed 0: the flights hold as many packets as the run's two
    access links carried (the warm-up connection included), alternate in direction, and the
    replay ends after the last of them has arrived (no earlier than the record's close)."""
    case = build_cases("dsl", variant="baseline", size=10_000)[0]
    flights = floor.exchange(case)
    from smtpsim.simulator.run import _Run

    run = _Run(case, 0, 0, False)
    run.run()
    carried = run.first_path.up.packets + run.first_path.down.packets
    assert sum(len(sizes) for _, sizes in flights) == carried > 40
    assert all(a[0] != b[0] for a, b in zip(flights, flights[1:], strict=False))
    end = floor.floor_session(flights, case.network.path.up, case.network.path.down)
    assert 0.0 < end < run.env.now
