"""The plan: runs in the scenario's order cut into chunks of about ``chunk_sessions``
sessions, the same whatever runs them; chunk sizes from the run's size alone."""

from __future__ import annotations

import pytest

from smtpsim.execution.plan import (
    CHUNKS_PER_RUN,
    DEFAULT_CHUNK_SESSIONS,
    chunk_size,
    chunks,
    session_count,
    totals,
)

from .scenarios import TEXT, scenario


def test_chunks_cover_every_run_once_in_order() -> None:
    """8 cases x 6 replications, 5 sessions a chunk: 48 sessions in 9 chunks of 5 and one
    of 3; each case's replications 0..5 appear once, in order, case after case."""
    plan = list(chunks(scenario(), 5))
    assert [c.sessions for c in plan] == [5] * 9 + [3]
    assert [c.index for c in plan] == list(range(10))
    seen = [(r.point, r.case.network.profile, r.case.client.variant, rep)
            for c in plan for r in c.runs for rep in range(r.first, r.stop)]
    assert len(seen) == len(set(seen)) == 48
    assert [rep for *_, rep in seen[:12]] == list(range(6)) * 2
    assert [pt for pt, *_ in seen] == [0] * 24 + [1] * 24


def test_a_run_bigger_than_a_chunk_is_a_chunk_of_its_own() -> None:
    """A run of 4 clients x 3 messages (12 sessions) with 5 sessions a chunk: one run per
    chunk, never split."""
    text = TEXT.replace("size_bytes = 3000", "size_bytes = 3000\nclients = 4\nmessages = 3")
    plan = list(chunks(scenario(text), 5))
    assert {c.sessions for c in plan} == {12}
    assert all(len(c.runs) == 1 and c.runs[0].stop - c.runs[0].first == 1 for c in plan)
    assert len(plan) == 48


def test_totals_count_without_simulating() -> None:
    t = totals(scenario(), 5)
    assert (t.points, t.runs, t.sessions, t.chunks) == (2, 48, 48, 10)
    assert session_count(scenario()) == 48


@pytest.mark.parametrize("sessions, size", [
    (1, 1), (64, 1), (65, 2), (48, 1), (4200, 66),
    (CHUNKS_PER_RUN * DEFAULT_CHUNK_SESSIONS * 10, DEFAULT_CHUNK_SESSIONS),
])
def test_chunk_size_makes_about_64_chunks_up_to_the_cap(sessions: int, size: int) -> None:
    assert chunk_size(sessions) == size


def test_chunk_sessions_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(chunks(scenario(), 0))


@pytest.mark.parametrize("chunk", [1, 2, 5, 7, 48, 1000])
def test_totals_by_arithmetic_match_the_plan(chunk: int) -> None:
    """With the same sessions in every run, the totals come from point 0 and arithmetic;
    they must equal those of the plan itself, chunk by chunk."""
    plan = list(chunks(scenario(), chunk))
    t = totals(scenario(), chunk)
    assert t.sizes == tuple(c.sessions for c in plan)
    assert (t.chunks, t.sessions, t.runs) == (len(plan), 48, 48)


def test_totals_follow_an_axis_that_changes_the_sessions() -> None:
    """An axis over clients makes runs of 1 and of 3 sessions: the plan is counted."""
    text = TEXT.replace('"workload.recipients" = [1, 3]', '"workload.clients" = [1, 3]')
    t = totals(scenario(text), 5)
    plan = list(chunks(scenario(text), 5))
    assert t.sessions == 2 * 2 * 6 * (1 + 3) == sum(c.sessions for c in plan)
    assert t.sizes == tuple(c.sessions for c in plan)
    assert session_count(scenario(text)) == 96


def test_a_million_point_sweep_is_counted_from_point_0() -> None:
    """10^6 points (100 x 100 x 100 server timings) are counted from point 0 alone: making
    every point (about 1 ms each) would take many minutes."""
    axes = "\n".join(f'"server.timing_ms.{step}" = {list(range(100))}'
                     for step in ("rcpt", "mail", "data"))
    text = TEXT.replace('"workload.recipients" = [1, 3]', axes)
    t = totals(scenario(text.replace("replications = 6", "replications = 1")), 2000)
    assert t.points == 10**6 and t.sessions == 4 * 10**6 and t.chunks == 2000
