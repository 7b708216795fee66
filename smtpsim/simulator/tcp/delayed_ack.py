"""Delayed ACK (RFC 1122 §4.2.3.2, RFC 5681 §4.2) as Linux runs it.

After in-order data, an ACK is sent at once when more than one MSS of data is unacknowledged
(Linux ``__tcp_ack_snd_check``: every second full-sized segment) or when the data filled a
hole; otherwise after ``delack_s`` (Linux ``TCP_DELACK_MIN``, 40 ms; the timer loses a tie
with an application write, and with a segment arriving for the endpoint within a nanosecond
of it, ``smtpsim.model.tcp.DELACK_TIE_S``), unless data going the
other way carries it first (every segment sent carries the current ACK and clears the pending
one). Out-of-order and duplicate data are acknowledged at once (``input``). Linux's quick-ACK
mode at connection start is not modelled: an SMTP session is interactive, which is exactly
when Linux leaves it (``pingpong``). A delayed ACK is caused by the arrival that started its
timer, the timer's wait a stall (``causes``).

The timer is armed far more often than it fires (a reply or the next segment carries the ACK
first), so arming it only takes its queue key (time, event id): one queued timer per endpoint
(the *carrier*, the earliest queued) stands for the latest armed one, which it queues under
that key when it fires, if that one is still pending. Queued later under the same key, an
entry runs exactly where it would have run had it been queued at once (``clock``); one that
is never queued would have found its ACK sent and done nothing.
"""

from __future__ import annotations

from heapq import heappush
from typing import Any

from simpy.events import NORMAL

from smtpsim.model.tcp import DELACK_TIE_S
from smtpsim.simulator.clock import Call
from smtpsim.simulator.tcp.segment import Segment
from smtpsim.simulator.tcp.states import DEAD
from smtpsim.simulator.tcp.tcb import ControlBlock, DelackTimer

__all__ = ["DelayedAck"]


class DelayedAck(ControlBlock):
    """The ACK rule of ``TcpEndpoint`` after in-order data."""

    __slots__ = ()

    def _ack_after_data(self, filled: bool) -> None:
        """In-order data up to ``rcv_nxt`` arrived (``filled``: it filled a hole)."""
        rcv_nxt = self.rcv_nxt
        if self.last_ack_sent >= rcv_nxt:
            return  # the data just sent carried the ACK
        if filled or rcv_nxt - self.last_ack_sent > self.cfg.mss:
            self._send_ack()
        elif not self.delack_pending and rcv_nxt > self.last_ack_sent:
            self.delack_pending = True
            self.delack_gen += 1
            delay = self.cfg.delack_s + DELACK_TIE_S
            env = self.env
            timer = (env._now + delay, next(env._eid), self.delack_gen, self.cause_legs,
                     self.cause_stall + delay)
            at = timer[0]
            if at >= self.delack_carrier_at:  # the carrier fires first (lower key)
                self.delack_armed = timer  # an older armed one is dead: its gen is old
            else:  # the new carrier (``_queue_delack``, inlined)
                self.delack_armed = None
                queue: list[Any] = env._queue
                heappush(queue, (at, NORMAL, timer[1], Call(self._delack_timer, timer)))
                self.delack_carrier_at, self.delack_carrier_eid = at, timer[1]

    def _queue_delack(self, timer: DelackTimer) -> None:
        at = timer[0]
        queue: list[Any] = self.env._queue
        heappush(queue, (at, NORMAL, timer[1], Call(self._delack_timer, timer)))
        if at < self.delack_carrier_at:
            self.delack_carrier_at, self.delack_carrier_eid = at, timer[1]

    def _delack_timer(self, entry: Call) -> None:
        at, eid, gen, legs, stall = entry.value
        deferred = None
        if gen == self.delack_gen and self.delack_pending and self.state != DEAD:
            due = self._segment_due(at + DELACK_TIE_S)
            if due is None:
                self.cause_legs, self.cause_stall = legs, stall
                self._send_ack()
            else:  # the arrival goes first; the timer fires right behind it
                deferred = (due, next(self.env._eid), gen, legs, stall + (due - at))
        if eid == self.delack_carrier_eid:
            self.delack_carrier_at, self.delack_carrier_eid = float("inf"), -1
            armed = self.delack_armed
            if armed is not None:
                self.delack_armed = None
                if armed[2] == self.delack_gen and self.delack_pending:
                    self._queue_delack(armed)
        if deferred is not None:
            self._queue_delack(deferred)

    def _segment_due(self, until: float) -> float | None:
        """The latest time, up to ``until``, at which a segment queued for this endpoint
        arrives (None if none does): a timer falling due then loses the tie
        (``smtpsim.model.tcp.DELACK_TIE_S``)."""
        due = None
        for at, _priority, _eid, entry in self.env._queue:
            if (at <= until and entry.__class__ is Segment and entry.callbacks
                    and getattr(entry.callbacks[0], "__self__", None) is self
                    and (due is None or at > due)):
                due = at
        return due
