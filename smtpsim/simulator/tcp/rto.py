"""Retransmission timeouts: the RTO estimate, the retransmission timer, and the undo of a
spurious timeout.

* RTO estimation (RFC 6298 §2) from every ACK of new data: the oldest segment it covers
  (Linux ``seq_rtt``), or, if it covers a retransmitted one (Karn's rule), its timestamp echo
  (RFC 7323 §4.1, Linux ``tcp_ack_update_rtt``); and from the handshake (none after a
  retransmitted SYN or SYN-ACK, which carry no echo here: the RTO is then 3 s, RFC 6298
  §5.7). Linux's floor on the variance term: ``RTO = SRTT + max(4*RTTVAR, rto_min)``, never
  less than ``rto_min`` (200 ms).
* On expiry (RFC 6298 §5.4-5.7): back off (×2, at most ``rto_max``), collapse the window
  (``congestion``) and resend from the first unacknowledged byte (go-back-N, as a stack
  without SACK does; with SACK every segment not SACKed is marked lost and only those are
  resent, ``sack``); after ``data_retries`` expiries the connection fails.
* Spurious timeouts (a slow link where a queued flight outlasts an RTO learnt from small
  packets: GPRS is the classic case) are detected with timestamps: if the first ACK after a
  timeout echoes a TSval older than the retransmission, the original was only delayed (Eifel
  detection, RFC 3522 §3.2) and the sender restores cwnd, ssthresh and its send position
  (Eifel response, RFC 4015; Linux ``tcp_try_undo_loss``).
* What a timeout resends is caused by the first unacknowledged segment's transmission, the
  time since then a stall (``causes``).

The same timer serves RACK's reordering timeout (``rack``) and the tail loss probe (``tlp``),
as Linux's one ``icsk_retransmit_timer`` does (``icsk_pending``): ``timer_kind`` says which.
One SimPy timeout stays scheduled; moving the deadline later costs nothing until it fires,
and only a deadline moved earlier schedules a new one.
"""

from __future__ import annotations

from collections import deque

from smtpsim.simulator.clock import Call, call_later
from smtpsim.simulator.tcp.segment import Segment
from smtpsim.simulator.tcp.states import DEAD
from smtpsim.simulator.tcp.tcb import PROBE, REORDER, RTO, ControlBlock

__all__ = ["Retransmission"]


class Retransmission(ControlBlock):
    """The RTO estimate and timer of ``TcpEndpoint``."""

    __slots__ = ()

    def _rtt_sample(self, r: float) -> None:
        """RFC 6298 §2.2-2.3, with Linux's floor on the variance term."""
        if self.srtt is None:
            self.srtt = r
            self.rttvar = r / 2.0
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - r)
            self.srtt = 0.875 * self.srtt + 0.125 * r
        if r < self.min_rtt or self.min_rtt == 0.0:
            self.min_rtt = r
        cfg = self.cfg
        var = 4.0 * self.rttvar
        self.rto = min(self.srtt + (var if var > cfg.rto_min_s else cfg.rto_min_s), cfg.rto_max_s)

    def _arm_rto(self) -> None:
        """(Re)start the retransmission timer (RFC 6298 §5.1, §5.3)."""
        deadline = self.env._now + self.rto
        self.rto_deadline = deadline
        self.timer_kind = RTO
        at = self.rto_timer_at
        if at is None or deadline < at - 1e-12:
            self._schedule_rto(deadline)

    def _schedule_rto(self, deadline: float) -> None:
        self.rto_timer_gen += 1
        self.rto_timer_at = deadline
        call_later(self.env, deadline - self.env._now, self._rto_check, self.rto_timer_gen)

    def _rto_check(self, entry: Call) -> None:
        if entry.value != self.rto_timer_gen:
            return
        self.rto_timer_at = None
        deadline = self.rto_deadline
        if deadline is None or self.state == DEAD:
            return
        if deadline - self.env._now > 1e-12:
            self._schedule_rto(deadline)
            return
        kind = self.timer_kind
        if kind == PROBE:
            self._send_loss_probe()  # (``tlp``)
        elif kind == REORDER:
            self._rack_reo_timeout()  # (``rack``)
        else:
            self._on_rto()

    def _on_rto(self) -> None:
        self.expiries += 1
        if self.expiries > self.cfg.data_retries:
            self.fail()
            return
        cc = self.cc
        if self.inflight:  # the timer guards the oldest segment in flight (``causes``)
            head = self.inflight[0]
            sent, seg = head[1], head[3]
            self.cause_legs, self.cause_stall = seg.legs, seg.stall + (self.env._now - sent)
        if self.undo is None:
            self.undo = (cc.cwnd, cc.ssthresh, self.snd_nxt, list(self.inflight))
        self.undo_ts = self.env._now
        cc.on_timeout(len(self.inflight), self.env._now, self.snd_max)
        self.rto = min(self.rto * 2.0, self.cfg.rto_max_s)
        self.dupacks = 0
        self.rto_deadline = None
        if self.sack_ok and self.inflight:  # the scoreboard is kept (``sack``)
            self._sack_timeout()
        else:
            self.inflight.clear()
            self.tsorted = None
            self.snd_nxt = self.snd_una
            self.recover = None
        self.output()
        if self.rto_deadline is None and self.snd_una < self.snd_max:
            self._arm_rto()

    def _check_spurious_rto(self, seg: Segment) -> None:
        """Eifel detection (RFC 3522 §3.2) on the first ACK after a timeout, and the undo of
        RFC 4015 when it shows the timeout was spurious."""
        undo = self.undo
        self.undo = None
        if undo is None or seg.tsecr >= self.undo_ts:
            return  # the ACK answers the retransmission: the segment really was lost
        cwnd, ssthresh, snd_nxt, inflight = undo
        self.spurious_rtos += 1
        self.cc.cwnd = cwnd
        self.cc.ssthresh = ssthresh
        if self.in_loss:  # SACK: nothing was forgotten, only marked lost (``sack``)
            self._sack_undo()
            return
        self.inflight = deque(inflight)
        self.tsorted = None  # (``rack``: rebuilt by its next walk)
        if snd_nxt > self.snd_nxt:
            self.snd_nxt = snd_nxt
