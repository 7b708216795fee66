"""A stand-in for ``smtpsim.simulator.tcp.Socket``, to test the protocol layers above TCP (TLS,
the SMTP server, IMAP) without TCP's own timing in the way.

``Pipe`` joins two ``FakeSocket``s (``client`` and ``server``) in a SimPy ``Environment``:
each ``write()`` of records reaches the peer ``delay_s`` later, all at once, with the items
its records complete, in order; ``close()`` reaches it as ``CLOSED`` after the data written
before it. Nothing is lost, segmented, delayed by Nagle or by the delayed-ACK timer, so every
time in a test is the sum of the pipe's delays and the processing the code under test spends.

Every write is kept (``Pipe.writes``, and each socket's ``writes``) with its time, side and
records, and every item delivered with its arrival time (``FakeSocket.received``), for the
tests' assertions. Each end is the real ``Socket`` (its reads, read timeouts and what it
tells the application are the ones under test too) over a fake TCP endpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import simpy

from smtpsim.simulator.tcp import CLOSED, FAILED, Record, Socket
from smtpsim.simulator.tcp.states import DEAD, ESTABLISHED, LISTEN

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


class _PipeEnd:
    """What a real ``Socket`` needs of the TCP endpoint under it (``write``, ``close``,
    ``connect``, ``fail``, ``state``, ``peer_fin``, ``fin_queued`` and the times a read
    timeout restarts from), here one end of a ``Pipe``: no segments, no windows, no timers."""

    def __init__(self, env: simpy.Environment, pipe: Pipe, side: str) -> None:
        self.env = env
        self.pipe = pipe
        self.side = side
        self.state = LISTEN
        self.peer_fin = False
        self.fin_queued = False
        #: when data last arrived here / when data written here last reached the peer
        self.last_data_s = 0.0
        self.last_acked_s = 0.0
        self.closed_s: float | None = None
        self.socket: FakeSocket

    @property
    def peer(self) -> _PipeEnd:
        return self.pipe.server.endpoint if self is self.pipe.client.endpoint else (
            self.pipe.client.endpoint)

    def write(self, records: Sequence[Record], shutdown: bool = False) -> None:
        """Kept in ``writes``; delivered unless the connection has failed (then, as on a
        dead TCP connection, it goes nowhere). Writing after ``close`` is a test error;
        ``shutdown`` is not modelled by the pipe."""
        assert self.closed_s is None, f"{self.side} wrote after closing"
        write = Write(self.env.now, self.side, tuple(records))
        self.socket.writes.append(write)
        self.pipe.writes.append(write)
        if self.state == DEAD:
            return
        peer = self.peer
        self.env.timeout(self.pipe.delay_s).callbacks.append(
            lambda _ev: peer._arrive(write.items, self))

    def _arrive(self, items: list[Any], sender: _PipeEnd) -> None:
        if self.state == DEAD:
            return
        self.last_data_s = sender.last_acked_s = self.env.now
        for item in items:
            self.socket._deliver(item)

    def close(self) -> None:
        if self.closed_s is not None:
            return
        self.closed_s = self.env.now
        self.fin_queued = True
        peer = self.peer
        self.env.timeout(self.pipe.delay_s).callbacks.append(lambda _ev: peer._fin())

    def _fin(self) -> None:
        if self.state == DEAD:
            return
        self.peer_fin = True
        self.socket._deliver(CLOSED)
        if self.closed_s is not None and not self.socket.closed.triggered:
            self.socket.closed.succeed()
            self.peer.socket.closed.succeed()

    def connect(self) -> None:
        self.pipe.establish()

    def fail(self) -> None:
        """The connection fails at both ends: each reads ``FAILED`` and nothing more."""
        for end in (self, self.peer):
            if end.state != DEAD:
                end.socket._deliver(FAILED)
                end.state = DEAD
                if not end.socket.closed.triggered:
                    end.socket.closed.succeed()


class FakeSocket(Socket):
    """One end of a ``Pipe``: the real ``Socket`` (so ``recv``, ``recv_within``, ``pending``
    and the rest are the real ones) over a ``_PipeEnd``, keeping every write (``writes``)
    and every item delivered, read or not, with its arrival time (``received``)."""

    def __init__(self, env: simpy.Environment, pipe: Pipe, side: str) -> None:
        end = _PipeEnd(env, pipe, side)
        super().__init__(env, end)  # type: ignore[arg-type]
        end.socket = self
        self.pipe = pipe
        self.side = side
        self.writes: list[Write] = []
        self.received: list[tuple[float, Any]] = []

    @property
    def closed_s(self) -> float | None:
        """When this end closed (None: it has not)."""
        return self.endpoint.closed_s  # type: ignore[attr-defined, no-any-return]

    def _deliver(self, item: Any) -> None:
        self.received.append((self.env.now, item))
        super()._deliver(item)

    def fail(self) -> None:
        """The connection fails at both ends: each reads ``FAILED`` and nothing more."""
        self.endpoint.fail()


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
                sock.endpoint.state = ESTABLISHED
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
