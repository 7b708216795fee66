"""The lean timers of ``smtpsim.simulator.clock`` keep SimPy's order exactly, and ``Clock``
runs as ``simpy.Environment.run(until=...)`` does.

SimPy (``simpy/core.py``, ``Environment.schedule``) queues an event under the key ``(now +
delay, priority, next event id)``, a ``Timeout`` with priority ``NORMAL`` (1); ``step`` pops
the smallest key. So of two timeouts due at the same time the one made first runs first,
whatever their delays were, and ``run(until=t)`` queues an ``URGENT`` (0) stop event at ``t``:
events due before ``t`` run, none due at ``t`` or later, and ``now`` is then ``t``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import simpy

from smtpsim.simulator.clock import Call, Clock, call_later


def _interleaved(env: simpy.Environment) -> list[str]:
    """Timeouts and lean timers made alternately, all due at t = 2 (some by a delay of 2 at
    t = 0, some by a delay of 1 at t = 1), plus one due at 1.5 made last."""
    order: list[str] = []

    def note(name: str) -> Callable[[object], None]:
        return lambda _ev: order.append(name)

    env.timeout(2.0).callbacks.append(note("timeout A"))
    call_later(env, 2.0, note("call B"))

    def at_one(_ev: object) -> None:
        call_later(env, 1.0, note("call C"))
        env.timeout(1.0).callbacks.append(note("timeout D"))
        call_later(env, 0.5, note("call E"))

    env.timeout(1.0).callbacks.append(at_one)
    env.run(until=10.0)
    return order


def test_a_lean_timer_runs_where_a_timeout_made_at_that_moment_would() -> None:
    """Due at 2: A, B (made at 0, in that order), then C, D (made at 1); E is due at 1.5 so
    it runs first. The same order on a plain SimPy environment and on ``Clock``."""
    expected = ["call E", "timeout A", "call B", "call C", "timeout D"]
    assert _interleaved(simpy.Environment()) == expected
    assert _interleaved(Clock()) == expected


def test_the_callback_gets_the_value() -> None:
    env = Clock()
    got: list[object] = []
    call_later(env, 1.0, lambda entry: got.append((entry.value, env.now)), "packet")
    env.run(until=5.0)
    assert got == [("packet", 1.0)]


def test_run_until_stops_before_events_due_then_and_reads_until() -> None:
    """An event due exactly at ``until`` does not run (SimPy's stop event is URGENT), one due
    just before does; the clock then reads ``until``, as SimPy's does."""
    for env in (simpy.Environment(), Clock()):
        ran: list[float] = []
        env.timeout(3.0).callbacks.append(lambda _ev, e=env, r=ran: r.append(e.now))
        env.timeout(4.0).callbacks.append(lambda _ev, e=env, r=ran: r.append(e.now))
        env.run(until=4.0)
        assert ran == [3.0] and env.now == 4.0


def test_a_failed_process_crashes_the_run_as_in_simpy() -> None:
    env = Clock()

    def broken() -> simpy.events.ProcessGenerator:
        yield env.timeout(1.0)
        raise KeyError("boom")

    env.process(broken())
    with pytest.raises(KeyError):
        env.run(until=5.0)


def test_a_call_is_what_simpy_step_needs() -> None:
    """SimPy's own ``step`` runs a ``Call``: it reads ``callbacks`` and ``_ok`` only."""
    env = simpy.Environment()
    got: list[object] = []
    call_later(env, 0.5, lambda entry: got.append(entry.value), 7)
    env.step()
    assert got == [7] and env.now == 0.5
    assert isinstance(Call(print), Call)
