"""The application's end of a TCP connection: a ``Socket`` that reads and writes whole
records, and tells the application what it may know of the connection.

Applications write and read whole *records* (``Record``: an SMTP line, a TLS flight, a body
of N bytes): the reader receives a record when all its bytes have arrived in order. Record
boundaries travel out of band (the sender appends ``(end offset, record)`` to the reader's
queue), which is all TCP itself needs to know of them.

A socket also carries its application's place on the critical path (``causes``): the stamp of
the last item the application waited for, which its writes are caused by.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Sequence
from heapq import heappush
from typing import TYPE_CHECKING, Any

import simpy
from simpy.events import NORMAL, PENDING, Event

from smtpsim.simulator.clock import Call
from smtpsim.simulator.tcp.causes import TIE_S, Cause
from smtpsim.simulator.tcp.fastopen import COOKIE_REQUEST, CookieCheck
from smtpsim.simulator.tcp.states import DEAD, ESTABLISHED

if TYPE_CHECKING:
    from smtpsim.simulator.tcp.tcb import ControlBlock

__all__ = ["CLOSED", "FAILED", "Record", "Socket", "TIMEOUT"]


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: What ``Socket.recv()`` yields after the peer's FIN, and after the connection failed;
#: ``Socket.recv_within`` returns TIMEOUT when nothing came in time.
CLOSED = _Sentinel("CLOSED")
FAILED = _Sentinel("FAILED")
TIMEOUT = _Sentinel("TIMEOUT")


class Record:
    """An application record: ``nbytes`` on the stream, a ``label`` for the trace, and the
    application ``items`` it completes (a TLS record may carry several SMTP lines, or a chunk
    of a body that completes nothing)."""

    __slots__ = ("nbytes", "label", "items")

    def __init__(self, nbytes: int, label: str, items: tuple[Any, ...] = ()) -> None:
        self.nbytes = nbytes
        self.label = label
        self.items = items

    def __repr__(self) -> str:
        return f"Record({self.nbytes}, {self.label!r})"


class _Read(Call):
    """A ``recv_within`` waiting: the event its process waits on (``wake``), and the item
    once one arrived (``done``). It is its own queue entry for the hop (``_hop``)."""

    __slots__ = ("wake", "item", "done")

    def __init__(self) -> None:
        self.callbacks = (_hop,)
        self.wake: simpy.Event | None = None
        self.item: Any = None
        self.done = False


def _hop(read: _Read) -> None:
    """The item arrived: wake the process (one queue entry later, where the event of
    ``recv()`` would have triggered the condition it was or'ed into).

    When nothing else is queued for this instant, ``wake`` would be the very next entry
    taken off the queue: its callbacks then run here, as the run loop would run them, and
    nothing is queued (the event ids after it are one lower, their order the same)."""
    wake = read.wake
    if wake is not None and wake._value is PENDING:  # (not ``wake.triggered``)
        env = wake.env
        queue: list[Any] = env._queue
        if queue and queue[0][0] <= env._now:
            wake.succeed()
            return
        wake._ok = True
        wake._value = None
        callbacks, wake.callbacks = wake.callbacks, None  # type: ignore[assignment]
        for callback in callbacks:
            callback(wake)


#: A deadline whose queue entry is not made yet: (time, event id, the read's ``wake``).
_Reserved = tuple[float, int, simpy.Event]


class Socket:
    """The application's end: ``recv()`` returns an event whose value is the next item
    (an application item, ``CLOSED`` or ``FAILED``); ``write()`` sends records."""

    __slots__ = ("env", "endpoint", "_items", "_waiter", "_read", "established", "closed",
                 "_armed", "_carrier_at", "_carrier_eid", "arrived_s",
                 "arrived_legs", "arrived_stall", "legs", "stall", "at")

    def __init__(self, env: simpy.Environment, endpoint: ControlBlock) -> None:
        self.env = env
        self.endpoint = endpoint
        #: (arrival time, item, legs, stall): items not read yet, with their stamps
        self._items: deque[tuple[float, Any, int, float]] = deque()
        self._waiter: simpy.Event | None = None
        #: the ``recv_within`` waiting for the next item, if any
        self._read: _Read | None = None
        #: read deadlines (``_arm_deadline``): the latest one, reserved but not queued, and
        #: the earliest queued one, which queues the reserved one when it fires
        self._armed: _Reserved | None = None
        self._carrier_at = float("inf")
        self._carrier_eid = -1
        #: When the item the last ``recv()`` returned had arrived (it may be read later), and
        #: that arrival's stamp (``causes``).
        self.arrived_s = 0.0
        self.arrived_legs = 0
        self.arrived_stall = 0.0
        #: The application's stamp (``causes``): ``legs`` and ``stall`` of the event ``at``
        #: which its current step began; at first the origin, the socket's creation.
        self.legs = 0
        self.stall = 0.0
        self.at = env._now
        #: Triggered when the handshake completes (value True) or fails (value False).
        self.established = env.event()
        #: Triggered when the connection is fully closed or failed.
        self.closed = env.event()

    # ------------------------------------------------------------------ reading
    def recv(self) -> simpy.Event:
        """The next item (``causes``: an item that had arrived before this call was not
        waited for, unless in the same instant; the application's stamp stays its own)."""
        ev = Event(self.env)
        if self._items:
            arrived, item, legs, stall = self._items.popleft()
            self.arrived_s, self.arrived_legs, self.arrived_stall = arrived, legs, stall
            if arrived >= self.env._now - TIE_S:
                self.legs, self.stall, self.at = legs, stall, arrived
            ev.succeed(item)
        else:
            self._waiter = ev
        return ev

    def recv_within(
        self, timeout: float, sending: bool = False
    ) -> Generator[simpy.Event, Any, Any]:
        """Process step: the next item, or ``TIMEOUT`` once nothing has happened for
        ``timeout`` s. Like a read timeout applied to each ``read()`` call (Postfix's
        ``smtpd_timeout``), new data arriving restarts it, so a long body that keeps
        arriving never times out. ``sending``: our own data being acknowledged restarts it
        too (RFC 5321 §4.5.3.2: the client's data-block timer runs while its body is on its
        way, the wait for the reply starts when it has arrived).

        An item already there is returned without an event. Otherwise the process waits for
        one event (``_Read.wake``), which an arriving item or the deadline's timer (a
        ``clock.Call``, no event, ``_arm_deadline``) triggers, in the order that ``recv()``'s
        event or'ed with a ``Timeout`` would have resumed it."""
        items = self._items
        if items:
            arrived, item, legs, stall = items.popleft()
            self.arrived_s, self.arrived_legs, self.arrived_stall = arrived, legs, stall
            if arrived >= self.env._now - TIE_S:
                self.legs, self.stall, self.at = legs, stall, arrived
            return item
        env = self.env
        read = self._read = _Read()
        deadline = env._now + timeout
        while True:
            wake = read.wake = Event(env)
            self._arm_deadline(deadline - env._now, wake)
            yield wake
            if read.done:
                return read.item
            ep = self.endpoint
            last = max(ep.last_data_s, ep.last_acked_s) if sending else ep.last_data_s
            idle_until = last + timeout
            if idle_until <= env._now + 1e-12:
                if self._read is read:
                    self._read = None
                return TIMEOUT
            deadline = idle_until

    def _arm_deadline(self, delay: float, wake: simpy.Event) -> None:
        """A read's deadline: ``wake`` succeeds ``delay`` from now unless it has by then,
        ordered as a ``Timeout`` made now would be.

        Its queue key (time, event id) is taken now, but the entry is queued only when the
        deadline can still matter: most reads end long before theirs (a server's 300 s),
        so one queued deadline per socket (the *carrier*, the earliest queued) stands for the
        latest, which it queues under its reserved key when it fires, if that read is still
        waiting. Queued later under the same key, an entry runs where it would have run had
        it been queued at once (``clock``); one never queued would have done nothing."""
        env = self.env
        at = env._now + delay
        eid = next(env._eid)
        armed = self._armed
        if armed is not None:
            self._armed = None
            if armed[2]._value is PENDING:  # still waited for: it must be queued
                self._queue_deadline(armed)
        if at >= self._carrier_at:  # the carrier fires first (it has the lower key)
            self._armed = (at, eid, wake)
        else:
            self._queue_deadline((at, eid, wake))

    def _queue_deadline(self, deadline: _Reserved) -> None:
        at, eid, _wake = deadline
        queue: list[Any] = self.env._queue
        heappush(queue, (at, NORMAL, eid, Call(self._expire, deadline)))
        if at < self._carrier_at:
            self._carrier_at, self._carrier_eid = at, eid

    def _expire(self, entry: Call) -> None:
        """A read's deadline: wake its process, unless an item did; the carrier then queues
        the reserved deadline, if its read still waits."""
        _at, eid, wake = entry.value
        if wake._value is PENDING:  # (not ``wake.triggered``)
            wake.succeed()
        if eid == self._carrier_eid:
            self._carrier_at, self._carrier_eid = float("inf"), -1
            armed = self._armed
            if armed is not None:
                self._armed = None
                if armed[2]._value is PENDING:
                    self._queue_deadline(armed)

    def forget(self, ev: simpy.Event) -> None:
        """The application stopped waiting for ``ev`` (a ``recv()`` it gave up on): what
        arrives later stays queued for the next ``recv()``."""
        if self._waiter is ev:
            self._waiter = None

    def pending(self) -> bool:
        """True if items have arrived that the application has not read yet."""
        return bool(self._items)

    def _deliver(self, item: Any, legs: int = 0, stall: float = 0.0) -> None:
        """``item`` arrived now, caused by the stamp ``legs``, ``stall``; an application
        waiting for it takes that stamp."""
        now = self.env._now
        read = self._read
        if read is not None:  # a ``recv_within`` waits
            self._read = None
            self.arrived_s = self.at = now
            self.arrived_legs = self.legs = legs
            self.arrived_stall = self.stall = stall
            read.item = item
            read.done = True
            env = self.env  # ``_hop`` at once, queued as ``clock.call_later(env, 0, ...)``
            queue: list[Any] = env._queue
            heappush(queue, (now + 0, NORMAL, next(env._eid), read))
            return
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            self.arrived_s = self.at = now
            self.arrived_legs = self.legs = legs
            self.arrived_stall = self.stall = stall
            waiter.succeed(item)
        else:
            self._items.append((now, item, legs, stall))

    # ------------------------------------------------------------------ the critical path
    def cause(self) -> Cause:
        """The application's stamp (``causes``): ``(legs, stall, at)``."""
        return self.legs, self.stall, self.at

    def caused_by(self, cause: Cause) -> None:
        """The application's next step waited for ``cause`` last (an event of another
        connection: BURL's URL, the save that comes first)."""
        self.legs, self.stall, self.at = cause

    def origin(self) -> None:
        """The user pressed "send" now: the application's critical path starts here."""
        self.legs, self.stall, self.at = 0, 0.0, self.env._now

    def _caused_now(self, legs: int, stall: float) -> None:
        """The application waited for what happens now (the connection being made)."""
        self.legs, self.stall, self.at = legs, stall, self.env._now

    # ------------------------------------------------------------------ writing, closing
    def write(self, records: Sequence[Record], shutdown: bool = False) -> None:
        """One ``write()`` system call carrying ``records``; ``shutdown``: followed at once
        by ``shutdown(SHUT_WR)``, the write corked until then, so the FIN rides on its last
        segment."""
        self.endpoint.write(records, shutdown)

    def close(self) -> None:
        self.endpoint.close()

    def connect(self) -> None:
        """Client: open the connection (the SYN leaves)."""
        self.endpoint.connect()

    def abort(self) -> None:
        """Give the connection up at once, after TCP itself failed: nothing more is sent,
        and the peer is not told."""
        self.endpoint.fail()

    # ------------------------------------------------------------------ what the application knows
    def is_established(self) -> bool:
        """The handshake completed and the connection has not failed."""
        return self.endpoint.state == ESTABLISHED

    def is_failed(self) -> bool:
        """The connection failed (or was discarded): nothing more is sent or received."""
        return self.endpoint.state == DEAD

    def peer_closed(self) -> bool:
        """The peer's FIN has arrived (``recv`` yields or yielded ``CLOSED``)."""
        return self.endpoint.peer_fin

    def closing(self) -> bool:
        """This end has closed (its FIN is queued or sent)."""
        return self.endpoint.fin_queued

    # ------------------------------------------------------------------ Fast Open
    def offer_fast_open(
        self,
        cookie: Any,
        syn_data: bool,
        middlebox: Callable[[], bool] | None,
        on_cookie: Callable[[Any], None],
        on_established: Callable[[], None],
        on_syn_data_lost: Callable[[], None],
    ) -> None:
        """Client, before ``connect``: present ``cookie`` in the SYN (None: ask for one with
        ``COOKIE_REQUEST``), with ``syn_data`` the SYN carries the first write made at once
        (as much of it as ``smtpsim.model.tcp.syn_data_space`` allows);
        ``middlebox`` may drop such a SYN. ``on_cookie`` gets a cookie a SYN-ACK returns;
        ``on_established`` and ``on_syn_data_lost`` are told of those events."""
        ep = self.endpoint
        ep.fo_cookie = cookie if cookie is not None else COOKIE_REQUEST
        ep.fo_data = syn_data
        ep.fo_blackhole = middlebox
        ep.on_cookie = on_cookie
        ep.on_established = on_established
        ep.on_syn_data_lost = on_syn_data_lost

    def accept_fast_open(self, check: CookieCheck) -> None:
        """Server, before the SYN: check a SYN's Fast Open option with ``check``."""
        self.endpoint.fo_accept = check

    def banner_on_synack(self) -> None:
        """Server, before the SYN: hold the SYN-ACK for the first write and send it in it."""
        self.endpoint.synack_data = True
