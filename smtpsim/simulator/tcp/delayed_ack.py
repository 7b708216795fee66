"""Delayed ACK (RFC 1122 §4.2.3.2, RFC 5681 §4.2) as Linux runs it.

After in-order data, an ACK is sent at once when more than one MSS of data is unacknowledged
(Linux ``__tcp_ack_snd_check``: every second full-sized segment) or when the data filled a
hole; otherwise after ``delack_s`` (Linux ``TCP_DELACK_MIN``, 40 ms; the timer loses a tie
with an application write, ``smtpsim.model.tcp.DELACK_TIE_S``), unless data going the
other way carries it first (every segment sent carries the current ACK and clears the pending
one). Out-of-order and duplicate data are acknowledged at once (``input``). Linux's quick-ACK
mode at connection start is not modelled: an SMTP session is interactive, which is exactly
when Linux leaves it (``pingpong``). A delayed ACK is caused by the arrival that started its
timer, the timer's wait a stall (``causes``).
"""

from __future__ import annotations

from smtpsim.model.tcp import DELACK_TIE_S
from smtpsim.simulator.clock import Call, call_later, cancel
from smtpsim.simulator.tcp.states import DEAD
from smtpsim.simulator.tcp.tcb import ControlBlock

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
            self.delack_entry = call_later(
                self.env, delay, self._delack_timer,
                (self.delack_gen, self.cause_legs, self.cause_stall + delay),
            )

    def _delack_timer(self, entry: Call) -> None:
        self._delack_fire(*entry.value)

    def _stop_delack(self) -> None:
        """The pending delayed ACK is not needed (a segment sent carried the ACK, or the
        connection died): its timer would do nothing, so it leaves the queue (``clock``)."""
        self.delack_pending = False
        entry = self.delack_entry
        if entry is not None:
            self.delack_entry = None
            cancel(self.env, entry)

    def _delack_fire(self, gen: int, legs: int, stall: float) -> None:
        self.delack_entry = None
        if gen == self.delack_gen and self.delack_pending and self.state != DEAD:
            self.cause_legs, self.cause_stall = legs, stall
            self._send_ack()
