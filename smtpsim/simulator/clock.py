"""The simulated clock's lean parts: timers that are only a callback, and a run loop.

Most of what a run schedules is not waited for by any process: a packet's arrival, the
delayed-ACK timer, the retransmission and SYN timers, a read's deadline. For those a SimPy
``Timeout`` (an ``Event`` with its environment, delay, value and callback list) is more than
needed: ``call_later`` puts a ``Call`` (the two fields SimPy's ``Environment.step`` reads of
an event, ``callbacks`` and ``_ok``, and the ``value`` the callback is given) on the
environment's queue under the key a ``Timeout`` made at the same moment would have had
(``simpy.core.Environment.schedule``: ``(now + delay, NORMAL, next event id)``), so the order
of everything that happens, ties included, is exactly SimPy's. It works on any
``simpy.Environment``.

The order of the queue is that of its keys alone, so an entry may also be queued *later*
than it is made, under the key it took when made (``next(env._eid)`` then): it runs exactly
where it would have run. A timer that is armed far more often than it fires (the delayed
ACK, a read's deadline) takes its key when armed, and is queued only if it can still matter
when an earlier timer of its owner fires (``tcp.delayed_ack``, ``tcp.socket``); one never
queued would have done nothing.

``Clock`` is a ``simpy.Environment`` whose ``run(until=t)`` is one loop that does what
``Environment.step`` does per event, without a method call and an exception handler per
event (``until`` as SimPy has it: events before ``t`` run, the clock then reads ``t``).
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import SimTime
from simpy.events import NORMAL

__all__ = ["Call", "Clock", "call_later"]


class Call:
    """A queue entry that only calls back: ``callbacks(self)`` when its time comes, once.
    (Its ``callbacks`` is a tuple, SimPy's are lists: the run loop tells them apart so.) A
    subclass may be its own ``value`` (a packet that is its own arrival, ``wire``)."""

    __slots__ = ("callbacks", "value")
    _ok = True  # SimPy's step: a failed event that nobody defused crashes the run

    def __init__(self, callback: Callable[[Call], None], value: Any = None) -> None:
        self.callbacks: tuple[Callable[[Any], None], ...] | None = (callback,)
        self.value = value


def call_later(
    env: simpy.Environment, delay: float, callback: Callable[[Call], None], value: Any = None
) -> None:
    """Call ``callback(entry)`` ``delay`` from now (``entry.value`` is ``value``), ordered as
    ``env.timeout(delay, value)`` made now would be."""
    queue: list[Any] = env._queue  # SimPy types it as holding Events only
    heappush(queue, (env._now + delay, NORMAL, next(env._eid), Call(callback, value)))


class Clock(simpy.Environment):
    """A ``simpy.Environment`` with a leaner ``run(until=time)``."""

    def run(self, until: SimTime | simpy.Event | None = None) -> Any:
        if until is None or isinstance(until, simpy.Event):
            return super().run(until)
        at = float(until)
        if at <= self._now:
            raise ValueError(f"until ({at}) must be greater than the current simulation time")
        queue: list[Any] = self._queue
        event: Any
        while queue:
            entry = heappop(queue)
            when = entry[0]
            if when >= at:
                heappush(queue, entry)
                break
            self._now = when
            event = entry[3]
            callbacks = event.callbacks
            if callbacks.__class__ is tuple:
                # a ``Call`` (or a packet queued as one): one callback, never fails, and
                # nobody reads it after
                callbacks[0](event)
                continue
            event.callbacks = None
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
        self._now = at
        return None
