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
from tests.execution.scenarios import TEXT, scenario


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
