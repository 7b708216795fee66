"""The units of a scenario run: runs (one ``Case``, a range of replications) packed into
chunks of about ``chunk_sessions`` sessions, the unit of work a worker gets.

The plan depends on the scenario and the chunk size alone, never on the number of workers or
the order in which chunks finish: the runs are taken in the scenario's order (sweep point,
then profile, then variant — ``smtpsim.scenarios.cases.build_cases`` — then replication) and
cut into consecutive chunks, so chunk ``i`` is the same chunk on every run of the same
scenario (what ``--resume`` relies on). A run's randomness comes from the scenario's seed and
the replication (``SeedSequence([seed, replication])``, ``smtpsim.simulator.run``): every
variant, profile and sweep point of one replication sees the same network randomness (common
random numbers, so comparisons are paired), and no result depends on which worker ran it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from smtpsim.model import Case
from smtpsim.scenarios import sweep
from smtpsim.scenarios.cases import build_cases
from smtpsim.scenarios.schema import Scenario
from smtpsim.scenarios.sweep import iter_points, point_count

__all__ = ["CHUNKS_PER_RUN", "DEFAULT_CHUNK_SESSIONS", "Chunk", "Run", "Totals",
           "case_sessions", "chunk_size", "chunks", "session_count", "totals"]

#: The most sessions in a chunk: about a second of work for ``baseline`` on one core, so that
#: a chunk's cost (pickling its cases and its result, one Parquet part file) stays near 1 % of
#: its work.
DEFAULT_CHUNK_SESSIONS = 2000
#: A smaller run is cut into about this many chunks, so that every worker of a large machine
#: gets work and the last chunks do not leave most workers idle.
CHUNKS_PER_RUN = 64


@dataclass(frozen=True, slots=True)
class Run:
    """One ``Case`` of sweep point ``point`` (its axis ``values``), replications ``first`` to
    ``stop - 1``; ``sessions`` each."""

    point: int
    values: tuple[tuple[str, Any], ...]
    case: Case
    first: int
    stop: int
    sessions: int


@dataclass(frozen=True, slots=True)
class Chunk:
    """Chunk ``index`` of the plan: its runs, the scenario's name and base seed, and whether
    packet traces are kept."""

    index: int
    scenario: str
    seed: int
    traces: bool
    runs: tuple[Run, ...]

    @property
    def sessions(self) -> int:
        return sum((r.stop - r.first) * r.sessions for r in self.runs)


@dataclass(frozen=True, slots=True)
class Totals:
    """The size of a plan: sweep points, runs (case × replication), sessions and chunks,
    and each chunk's sessions."""

    points: int
    runs: int
    sessions: int
    chunks: int
    sizes: tuple[int, ...] = ()


def case_sessions(case: Case) -> int:
    """The sessions (messages) one run of ``case`` records: open-loop arrivals, or every
    client's messages."""
    w = case.workload
    return w.arrival_sessions if w.arrival_rate is not None else w.clients * w.messages


def _point_cases(scenario: Scenario) -> Iterator[tuple[int, tuple[tuple[str, Any], ...],
                                                      list[Case]]]:
    for point in iter_points(scenario):  # one at a time: a large sweep is never held
        yield point.index, tuple(point.values.items()), build_cases(point.scenario)


def chunks(scenario: Scenario, chunk_sessions: int = DEFAULT_CHUNK_SESSIONS
           ) -> Iterator[Chunk]:
    """The chunks of ``scenario``'s run, in order, made lazily (a sweep point's cases are
    built when its first chunk is)."""
    if chunk_sessions < 1:
        raise ValueError(f"chunk_sessions must be at least 1, not {chunk_sessions}")
    meta = scenario.scenario
    reps, traces = meta.replications, scenario.output.traces
    index, runs, filled = 0, [], 0
    for point, values, cases in _point_cases(scenario):
        for case in cases:
            each = max(1, case_sessions(case))
            first = 0
            while first < reps:
                take = min(reps - first, max(1, -(-(chunk_sessions - filled) // each)))
                runs.append(Run(point, values, case, first, first + take, each))
                filled += take * each
                first += take
                if filled >= chunk_sessions:
                    yield Chunk(index, meta.name, meta.seed, traces, tuple(runs))
                    index, runs, filled = index + 1, [], 0
    if runs:
        yield Chunk(index, meta.name, meta.seed, traces, tuple(runs))


#: Sweep key paths that change how many sessions a run records.
_SESSION_KEYS = ("workload.clients", "workload.messages", "workload.arrival")


def _uniform_sessions(scenario: Scenario) -> list[int] | None:
    """Each case's sessions per run, the same at every sweep point (no axis changes the
    workload's size): read from point 0 alone. None when an axis does change it."""
    if any(a.path.startswith(_SESSION_KEYS) for a in scenario.sweep.axes):
        return None
    return [max(1, case_sessions(c)) for c in build_cases(sweep.point(scenario, 0).scenario)]


def session_count(scenario: Scenario) -> int:
    """The sessions ``scenario``'s run records, counted without running (from the first
    point's cases when no axis changes the workload's size, else from every point's)."""
    reps = scenario.scenario.replications
    uniform = _uniform_sessions(scenario)
    if uniform is not None:
        return point_count(scenario) * reps * sum(uniform)
    return sum(reps * max(1, case_sessions(case))
               for _, _, cases in _point_cases(scenario) for case in cases)


def chunk_size(sessions: int) -> int:
    """The chunk size for a run of ``sessions``: ``DEFAULT_CHUNK_SESSIONS``, or less so that
    there are about ``CHUNKS_PER_RUN`` chunks. It depends on the run alone, never on the
    workers, so the plan (and ``--resume``) is the same on any machine."""
    return max(1, min(DEFAULT_CHUNK_SESSIONS, -(-sessions // CHUNKS_PER_RUN)))


def totals(scenario: Scenario, chunk_sessions: int = DEFAULT_CHUNK_SESSIONS) -> Totals:
    """How big ``scenario``'s run is, counted without simulating: by arithmetic when every
    run records the same number of sessions (the chunks are then ``k`` runs each, ``k`` the
    runs that fill ``chunk_sessions``), else by making the plan."""
    if chunk_sessions < 1:
        raise ValueError(f"chunk_sessions must be at least 1, not {chunk_sessions}")
    uniform = _uniform_sessions(scenario)
    if uniform is not None and len(set(uniform)) == 1:
        each, n_points = uniform[0], point_count(scenario)
        runs = n_points * len(uniform) * scenario.scenario.replications
        k = -(-chunk_sessions // each)
        full, rest = divmod(runs, k)
        shares = (k * each,) * full + ((rest * each,) if rest else ())
        return Totals(n_points, runs, runs * each, len(shares), shares)
    n_runs = 0
    sizes = []
    seen_points: set[int] = set()
    for chunk in chunks(scenario, chunk_sessions):
        sizes.append(chunk.sessions)
        for run in chunk.runs:
            n_runs += run.stop - run.first
            seen_points.add(run.point)
    return Totals(len(seen_points), n_runs, sum(sizes), len(sizes), tuple(sizes))
