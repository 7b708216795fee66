"""RACK loss detection (RFC 8985 §6), as Linux runs it with SACK (net/ipv4/tcp_recovery.c).

* Every segment in flight keeps its latest send time. Each ACK that newly delivers a segment,
  cumulatively or by SACK, moves ``RACK.xmit_ts``/``RACK.end_seq`` to it when it was sent
  later (ties broken by sequence), and ``RACK.rtt`` to its RTT (RFC 8985 §6.2 steps 1-2;
  Linux ``tcp_rack_advance``); a retransmitted segment delivered sooner than the minimum RTT
  is ambiguous (the original may have arrived) and is skipped (§6.2 step 2).
* A segment is lost when a segment sent after it has been delivered and ``RACK.rtt +
  RACK.reo_wnd`` has passed since it was sent (§6.2 step 5, ``RACK_detect_loss``; Linux
  ``tcp_rack_detect_loss``); for the others the longest wait left arms the RACK reordering
  timer (§6.3), plus Linux's ``TCP_TIMEOUT_MIN`` (``tcp_rack_mark_lost``). The walk goes
  over the flight in send-time order and stops at the first segment sent after
  ``RACK.xmit_ts``, as Linux's over its ``tsorted_sent_queue`` (a resent segment moves to its
  end, a SACKed or acknowledged one leaves it: ``tcp_update_skb_after_send``,
  ``tcp_sacktag_one``); so a segment resent late does not hide older ones behind it, and the
  walk does not pass over the SACKed part of a long flight on every ACK. The order is built
  at a flight's first walk (``tsorted``) and kept until the flight is acknowledged.
* ``RACK.reo_wnd`` (§6.2 step 4, Linux ``tcp_rack_reo_wnd``): until reordering has been seen,
  0 during a recovery and once ``DupThresh`` segments are SACKed (the classic rule, kept
  inside RACK), else ``min_RTT / 4``, at most SRTT. Reordering is seen when a segment never
  resent is delivered below the highest SACKed one (Linux ``tcp_check_sack_reordering``);
  without D-SACK the window never grows beyond one step.
* With RACK on, RACK replaces RFC 6675's ``IsLost`` and the partial-ACK rule (Linux
  ``tcp_identify_packet_loss`` calls ``tcp_rack_mark_lost``; ``tcp_update_scoreboard`` runs
  only ``!tcp_is_rack``). Without SACK there is no RACK (Linux needs SACK for it).
* The reordering timer's expiry runs the walk again; if it marks segments lost outside a
  recovery, one starts (Linux ``tcp_rack_reo_timeout``).
"""

from __future__ import annotations

from typing import Any

from smtpsim.model.tcp import TIMEOUT_MIN_S
from smtpsim.simulator.tcp.tcb import LOST, REORDER, RETRANS, RTO, SACKED, ControlBlock

__all__ = ["Rack", "tsorted_resent"]

#: Floating-point slack on "RACK.rtt + reo_wnd has passed" (the walk's ``remaining <= 0``)
_EPS = 1e-9


def _sent(entry: list[Any]) -> float:
    return entry[1]


def tsorted_resent(tsorted: dict[int, list[Any]] | None, entry: list[Any]) -> None:
    """``entry`` was just sent again: it moves to the end of the send-time order (Linux
    ``tcp_update_skb_after_send``: ``list_move_tail`` onto ``tsorted_sent_queue``)."""
    if tsorted is not None:
        tsorted.pop(entry[0], None)
        tsorted[entry[0]] = entry


class Rack(ControlBlock):
    """RACK loss detection of ``TcpEndpoint``."""

    __slots__ = ()

    def _rack_advance(self, entry: list[Any], now: float, tsecr: float = 0.0) -> None:
        """``entry`` newly delivered at ``now``, before its marks change, by an ACK echoing
        ``tsecr`` (0: by SACK) (RFC 8985 §6.2 steps 1-2, Linux ``tcp_rack_advance``; and
        ``tcp_check_sack_reordering``)."""
        sent = entry[1]
        rtt = now - sent
        resent = entry[2] or entry[4] & RETRANS
        if not resent and entry[3].seq < self.fack:
            self.reord_seen = True  # never resent, yet delivered below a SACKed segment
        if resent and (rtt < self.min_rtt or 0.0 < tsecr < sent):
            # ambiguous: the original may have been delivered; or the ACK's timestamp echo
            # shows it was (Linux tcp_skb_spurious_retrans)
            return
        self.rack_advanced = True
        self.rack_rtt = rtt
        if sent > self.rack_xmit or (sent == self.rack_xmit and entry[0] > self.rack_end):
            self.rack_xmit = sent
            self.rack_end = entry[0]

    def _reo_wnd(self) -> float:
        """RFC 8985 §6.2 step 4, as Linux ``tcp_rack_reo_wnd``."""
        if not self.reord_seen and (
            self.recover is not None or self.sacked_out >= self.cfg.dupack_threshold
        ):
            return 0.0
        srtt = self.srtt if self.srtt is not None else 0.0
        return min(self.min_rtt / 4.0, srtt)

    def _rack_detect_loss(self) -> tuple[int, float]:
        """RFC 8985 §6.2 step 5 (Linux ``tcp_rack_detect_loss``): mark lost every segment in
        flight sent before ``RACK.xmit_ts`` whose ``RACK.rtt + reo_wnd`` has passed; how many
        were newly lost, and the longest wait left for the others (0 if none)."""
        now = self.env._now
        deadline = self.rack_rtt + self._reo_wnd() - now  # remaining = deadline + sent
        rack_xmit, rack_end = self.rack_xmit, self.rack_end
        tsorted = self.tsorted
        if tsorted is None:
            # Linux walks its send-time-ordered list (``tsorted_sent_queue``): built here
            # from the flight, sorted by send time (stable: sequence order among equal times)
            self.tsorted = tsorted = {
                entry[0]: entry
                for entry in sorted(self.inflight, key=_sent) if not entry[4] & SACKED
            }
        newly = 0
        wait = 0.0
        for entry in tsorted.values():
            marks = entry[4]
            if marks & LOST and not marks & RETRANS:
                continue
            sent = entry[1]
            if sent >= rack_xmit:
                if sent > rack_xmit:
                    break  # this one and all after it were sent after RACK.xmit_ts
                if entry[0] >= rack_end:
                    continue
            remaining = deadline + sent
            if remaining <= _EPS:
                newly += self._mark_skb_lost(entry)
            elif remaining > wait:
                wait = remaining
        return newly, wait

    def _mark_skb_lost(self, entry: list[Any]) -> int:
        """Linux ``tcp_mark_skb_lost``: mark ``entry`` lost, or, if it was lost and resent, its
        retransmission lost too (it is resent again); 1 if newly lost."""
        marks = entry[4]
        start = entry[3].seq
        if start < self.rexmit_hint:
            self.rexmit_hint = start  # Linux tcp_verify_retransmit_hint
        if marks & LOST:
            entry[4] = marks & ~RETRANS
            self.retrans_out -= 1
            return 0
        entry[4] = marks | LOST
        self.lost_out += 1
        return 1

    def _rack_mark_lost(self) -> int:
        """Linux ``tcp_rack_mark_lost``: after an ACK that moved RACK, the loss walk; arms the
        reordering timer for what is not lost yet (RFC 8985 §6.3). How many newly lost."""
        self.rack_advanced = False
        inflight = self.inflight
        if not inflight or (
            not (self.sacked_out or self.lost_out or self.retrans_out)
            and inflight[0][1] > self.rack_xmit
        ):
            return 0  # everything in flight was sent after RACK.xmit_ts: nothing to walk
        newly, wait = self._rack_detect_loss()
        if wait > 0.0:
            self._arm_timer(REORDER, wait + TIMEOUT_MIN_S)
            self.rack_armed = True
        return newly

    def _arm_timer(self, kind: int, timeout: float) -> None:
        """(Re)start the one retransmission timer for ``kind``, ``timeout`` from now (Linux
        ``inet_csk_reset_xmit_timer``)."""
        deadline = self.env._now + timeout
        self.rto_deadline = deadline
        self.timer_kind = kind
        at = self.rto_timer_at
        if at is None or deadline < at - 1e-12:
            self._schedule_rto(deadline)

    def _rearm_rto(self) -> None:
        """Linux ``tcp_rearm_rto``: the RTO again, counted from the first segment's send when
        a reordering timer or probe timer held its place."""
        if not self.inflight:
            self.rto_deadline = None
            return
        rto = self.rto
        if self.timer_kind != RTO:
            rto = max(self.inflight[0][1] + rto - self.env._now, 1e-6)
        self._arm_timer(RTO, rto)

    def _rack_reo_timeout(self) -> None:
        """The reordering timer expired (RFC 8985 §6.3, Linux ``tcp_rack_reo_timeout``)."""
        newly, _wait = self._rack_detect_loss()
        if newly:
            if self.recover is None:
                self._enter_recovery()
                self._prr(1, newly, False)
            self.output()  # Linux tcp_xmit_retransmit_queue
        if self.timer_kind != RTO:
            self._rearm_rto()
