"""A stand-in for ``smtpsim.simulator.tcp.Socket``, to test the protocol layers above TCP (TLS,
the SMTP server, IMAP) without TCP's own timing in the way.

``Pipe`` joins two ``FakeSocket``s (``client`` and ``server``) in a SimPy ``Environment``:
each ``write()`` of records reaches the peer ``delay_s`` later, all at once, with the items
its records complete, in order; ``close()`` reaches it as ``CLOSED`` after the data written
before it. Nothing is lost, segmented, delayed by Nagle or by the delayed-ACK timer, so every
time in a test is the sum of the pipe's delays and the processing the code under test spends.

Every write is kept (``Pipe.writes``, and each socket's ``writes``) with its time, side and
records, and every item delivered with its arrival time (``FakeSocket.received``), for the
tests' assertions. The interface is ``Socket``'s: ``recv``, ``recv_within`` (the same idle
rule: data arriving restarts the wait), ``pending``, ``write``, ``close``, ``established``,
``closed``, ``arrived_s``, ``is_established``, ``is_failed``, ``peer_closed``, ``closing``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import simpy

from smtpsim.simulator.tcp import CLOSED, FAILED, TIMEOUT, Record

__all__ = ["FakeConnection", "FakeSocket", "Pipe", "Write"]


@dataclass(frozen=True)
class Write:
    """One ``write()``: when, by which side, and its records."""

    time_s: float
    side: str
    records: tuple[Record, ...]

    @property
    def sizes(self) -> list[int]:
        """The size of each record, headers and TLS overhead included."""
        return [r.nbytes for r in self.records]

    @property
    def nbytes(self) -> int:
        return sum(r.nbytes for r in self.records)

    @property
    def items(self) -> list[Any]:
        """The application items the write's records complete, in order."""
        return [item for r in self.records for item in r.items]


class FakeSocket:
    """One end of a ``Pipe``, with ``Socket``'s interface."""

    def __init__(self, env: simpy.Environment, pipe: Pipe, side: str) -> None:
        self.env = env
        self.pipe = pipe
        self.side = side
        self.established = env.event()
        self.closed = env.event()
        self.arrived_s = 0.0
        #: when data last arrived here / when data written here last reached the peer
        self.last_data_s = 0.0
        self.last_acked_s = 0.0
        self.writes: list[Write] = []
        #: every item delivered here, with its arrival time, read or not
        self.received: list[tuple[float, Any]] = []
        self.closed_s: float | None = None
        self._items: deque[tuple[float, Any]] = deque()
        self._waiter: simpy.Event | None = None
        self._failed = False
        self._peer_fin = False

    @property
    def peer(self) -> FakeSocket:
        return self.pipe.server if self is self.pipe.client else self.pipe.client

    # ------------------------------------------------------------------ reading
    def recv(self) -> simpy.Event:
        ev = self.env.event()
        if self._items:
            self.arrived_s, item = self._items.popleft()
            ev.succeed(item)
        else:
            self._waiter = ev
        return ev

    def recv_within(
        self, timeout: float, sending: bool = False
    ) -> Generator[simpy.Event, Any, Any]:
        """The next item, or ``TIMEOUT`` once nothing arrived (nor, with ``sending``, got
        through) for ``timeout`` s: ``Socket.recv_within``'s rule."""
        ev = self.recv()
        if ev.triggered:
            return ev.value
        env = self.env
        deadline = env.now + timeout
        while True:
            yield ev | env.timeout(deadline - env.now)
            if ev.triggered:
                return ev.value
            last = max(self.last_data_s, self.last_acked_s) if sending else self.last_data_s
            idle_until = last + timeout
            if idle_until <= env.now + 1e-12:
                if self._waiter is ev:
                    self._waiter = None
                return TIMEOUT
            deadline = idle_until

    def pending(self) -> bool:
        return bool(self._items)

    def _deliver(self, item: Any) -> None:
        now = self.env.now
        self.received.append((now, item))
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            self.arrived_s = now
            waiter.succeed(item)
        else:
            self._items.append((now, item))

    def _arrive(self, items: list[Any], sender: FakeSocket) -> None:
        if self._failed:
            return
        self.last_data_s = sender.last_acked_s = self.env.now
        for item in items:
            self._deliver(item)

    # ------------------------------------------------------------------ writing, closing
    def write(self, records: Sequence[Record]) -> None:
        """Kept in ``writes``; delivered unless the connection has failed (then, as on a
        dead TCP connection, it goes nowhere). Writing after ``close`` is a test error."""
        assert self.closed_s is None, f"{self.side} wrote after closing"
        write = Write(self.env.now, self.side, tuple(records))
        self.writes.append(write)
        self.pipe.writes.append(write)
        if self._failed:
            return
        peer = self.peer
        self.env.timeout(self.pipe.delay_s).callbacks.append(
            lambda _ev: peer._arrive(write.items, self))

    def close(self) -> None:
        if self.closed_s is not None:
            return
        self.closed_s = self.env.now
        peer = self.peer
        self.env.timeout(self.pipe.delay_s).callbacks.append(lambda _ev: peer._fin())

    def _fin(self) -> None:
        if self._failed:
            return
        self._peer_fin = True
        self._deliver(CLOSED)
        if self.closed_s is not None and not self.closed.triggered:
            self.closed.succeed()
            self.peer.closed.succeed()

    def fail(self) -> None:
        """The connection fails at both ends: each reads ``FAILED`` and nothing more."""
        for sock in (self, self.peer):
            if not sock._failed:
                sock._deliver(FAILED)
                sock._failed = True
                if not sock.closed.triggered:
                    sock.closed.succeed()

    # ------------------------------------------------------------------ what the application knows
    def is_established(self) -> bool:
        return self.established.triggered and bool(self.established.value) and not self._failed

    def is_failed(self) -> bool:
        return self._failed

    def peer_closed(self) -> bool:
        return self._peer_fin

    def closing(self) -> bool:
        return self.closed_s is not None


class Pipe:
    """Two ``FakeSocket``s whose writes reach each other ``delay_s`` later."""

    def __init__(self, env: simpy.Environment, delay_s: float) -> None:
        self.env = env
        self.delay_s = delay_s
        self.writes: list[Write] = []
        self.client = FakeSocket(env, self, "client")
        self.server = FakeSocket(env, self, "server")

    def establish(self) -> None:
        """Both ends are connected now (the application's ``established`` event)."""
        for sock in (self.client, self.server):
            if not sock.established.triggered:
                sock.established.succeed(True)

    def by(self, side: str) -> list[Write]:
        return [w for w in self.writes if w.side == side]


class FakeConnection:
    """What ``ImapSession`` needs of a ``TcpConnection``: its client socket, ``connect``
    (here: established at once) and ``preopen`` (an existing connection)."""

    def __init__(self, pipe: Pipe) -> None:
        self.pipe = pipe
        self.client_socket = pipe.client
        self.server_socket = pipe.server
        self.connects = 0

    def connect(self) -> None:
        self.connects += 1
        self.pipe.establish()

    def preopen(self, rtt_s: float) -> None:
        self.pipe.establish()
