"""``--dry-run``: a run's size and an estimate of its time from a short calibration, without
running it.

The calibration simulates a sample of the plan's runs spread evenly over it (so that costly
and cheap variants, profiles and sweep points are all represented) for about
``CALIBRATION_S`` seconds, and scales the measured time per session to the whole run,
divided among the workers. A run that drew no random number stands for its chunk's later
replications, which cost nothing (``smtpsim.simulator.run.run_replications``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from smtpsim.execution.plan import Totals, chunk_size, chunks, session_count, totals
from smtpsim.scenarios.schema import Scenario
from smtpsim.simulator.run import run_drawing

__all__ = ["CALIBRATION_S", "Estimate", "estimate"]

#: About how long the calibration runs, in seconds.
CALIBRATION_S = 1.0
_SAMPLES = 200


@dataclass(frozen=True, slots=True)
class Estimate:
    """A run's size, the calibration (sessions simulated, seconds) and the estimated wall
    time on ``workers`` workers."""

    totals: Totals
    calibration_sessions: int
    calibration_s: float
    workers: int

    @property
    def seconds_per_session(self) -> float:
        return self.calibration_s / max(1, self.calibration_sessions)

    @property
    def estimated_s(self) -> float:
        return self.totals.sessions * self.seconds_per_session / self.workers


def estimate(scenario: Scenario, workers: int, chunk_sessions: int | None = None
             ) -> Estimate:
    """Count ``scenario``'s run and time a sample of it."""
    if chunk_sessions is None:
        chunk_sessions = chunk_size(session_count(scenario))
    size = totals(scenario, chunk_sessions)
    stride = max(1, size.runs // _SAMPLES)
    sessions, spent, k = 0, 0.0, 0
    seed = scenario.scenario.seed
    for chunk in chunks(scenario, chunk_sessions):
        for run in chunk.runs:
            for r in range(run.first, run.stop):
                if k % stride == 0 and spent < CALIBRATION_S:
                    started = time.perf_counter()
                    _records, _trace, drew = run_drawing(run.case, seed, r)
                    spent += time.perf_counter() - started
                    if not drew:  # the run's later replications cost nothing
                        sessions += run.sessions * (run.stop - r)
                        k += run.stop - r
                        break
                    sessions += run.sessions
                k += 1
        if spent >= CALIBRATION_S:
            break
    return Estimate(size, sessions, spent, min(workers, size.chunks))
