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

A timer that will certainly do nothing when its time comes (a delayed ACK that a segment
sent since carried, a read's deadline once the item arrived) is taken off the queue with
``cancel`` rather than left to be popped: the order of every other entry is that of their
keys, which stay as they were, and the queue stays short (a session keeps a few entries
instead of a few dozen ``recv_within`` deadlines minutes away).

``Clock`` is a ``simpy.Environment`` whose ``run(until=t)`` is one loop that does what
``Environment.step`` does per event, without a method call and an exception handler per
event (``until`` as SimPy has it: events before ``t`` run, the clock then reads ``t``).
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heapify, heappop, heappush
from typing import Any

import simpy
from simpy.core import SimTime
from simpy.events import NORMAL, Event, Process, ProcessGenerator, Timeout

__all__ = ["Call", "Clock", "Entry", "call_later", "cancel"]

#: A queue entry as SimPy keys it: (time, priority, event id, event).
Entry = tuple[float, int, int, Any]


class Call:
    """A queue entry that only calls back: ``callbacks(self)`` when its time comes, once.
    (Its ``callbacks`` is a tuple, SimPy's are lists: the run loop tells them apart so.) A
    subclass may be its own ``value`` (a packet that is its own arrival, ``wire``)."""

    __slots__ = ("callbacks", "value")
    _ok = True  # SimPy's step: a failed event that nobody defused crashes the run

    def __init__(self, callback: Callable[[Call], None], value: Any = None) -> None:
        self.callbacks: tuple[Callable[[Call], None], ...] | None = (callback,)
        self.value = value


def call_later(
    env: simpy.Environment, delay: float, callback: Callable[[Call], None], value: Any = None
) -> Entry:
    """Call ``callback(entry)`` ``delay`` from now (``entry.value`` is ``value``), ordered as
    ``env.timeout(delay, value)`` made now would be. Returns the queue entry (for
    ``cancel``)."""
    queue: list[Any] = env._queue  # SimPy types it as holding Events only
    entry = (env._now + delay, NORMAL, next(env._eid), Call(callback, value))
    heappush(queue, entry)
    return entry


def cancel(env: simpy.Environment, entry: Entry) -> None:
    """Take ``entry`` (a ``call_later`` timer not yet due: its time is after now) off the
    queue. Only for a timer whose callback would do nothing: the others keep their keys, so
    their order is the same with or without it."""
    queue: list[Any] = env._queue
    if queue[-1] is entry:
        queue.pop()  # the last leaf: the heap stays a heap
    else:
        queue.remove(entry)
        heapify(queue)


class Clock(simpy.Environment):
    """A ``simpy.Environment`` with a leaner ``run(until=time)``, and ``event``, ``timeout``
    and ``process`` as plain methods (SimPy's are ``BoundClass`` descriptors, which make a
    bound method object at every use) making the same objects."""

    def event(self) -> simpy.Event:  # type: ignore[override]
        return Event(self)

    def timeout(self, delay: SimTime = 0, value: Any = None) -> Timeout:  # type: ignore[override]
        return Timeout(self, delay, value)

    def process(self, generator: ProcessGenerator) -> Process:  # type: ignore[override]
        return Process(self, generator)

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
