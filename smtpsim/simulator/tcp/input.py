"""What an endpoint does with an arriving segment: the ACK it carries, then its data, then the
data the ACK released (carrying the new ACK), then the ACK rule for what arrived (Linux's
order in ``tcp_rcv_established``: ``tcp_ack``, ``tcp_data_queue``, ``tcp_data_snd_check``,
``tcp_ack_snd_check``).

* ACK processing: the RTT sample of the oldest segment the ACK covers (``rto``), and of the
  newest for CUBIC (its ``delay_min`` and HyStart: Linux ``ca_rtt_us``), slow start or
  congestion avoidance (``congestion``, ``cubic``), the timer restarted or stopped. With SACK
  (``sack``) the blocks update the scoreboard and RFC 6675 decides what is lost and resent;
  without, fast retransmit on ``dupack_threshold`` duplicate ACKs with NewReno recovery
  (RFC 5681 §3.2, RFC 6582): a partial ACK resends the next hole at once.
* Data: in-order bytes complete records, which go to the application; out-of-order data is
  kept and acknowledged at once (a duplicate ACK, with SACK blocks when SACK is agreed), as is
  a duplicate (RFC 5681 §4.2); the timestamp of a segment starting at or before the last
  ACK sent, pure ACKs included (Linux ``tcp_rcv_established``: "Bulk data transfer: sender",
  ``tcp_store_ts_recent``), becomes TS.Recent (RFC 7323 §4.3); the SYN's and SYN-ACK's do
  not (a simplification). A FIN segment gives the peer's FIN sequence number; the FIN
  counts once every byte before it has arrived (RFC 793 §3.5): the application then reads
  ``CLOSED``.
* The ACK rule after data is ``delayed_ack``'s; every ACK's window updates the peer's
  (``receive_window``), and in-order data feeds the receive-buffer autotuning.
"""

from __future__ import annotations

from smtpsim.model import RecordEvent
from smtpsim.simulator.tcp.segment import ACK, FIN, SYN, Segment
from smtpsim.simulator.tcp.socket import CLOSED
from smtpsim.simulator.tcp.states import DEAD, ESTABLISHED, SYN_RECV
from smtpsim.simulator.tcp.tcb import LOST, RETRANS, RTO, SACKED, ControlBlock

__all__ = ["Input"]


class Input(ControlBlock):
    """The receiving half of ``TcpEndpoint``."""

    __slots__ = ()

    def receive(self, seg: Segment) -> None:
        """Link delivery callback: the segment is its own arrival (``wire``)."""
        state = self.state
        if state == DEAD:
            return
        # what this arrival causes carries its stamp; at the client (up_bit 1) it completes
        # a turn when an up leg is pending (odd legs: ``causes``)
        legs = seg.legs
        self.cause_legs = legs + (legs & self.up_bit)
        self.cause_stall = seg.stall
        flags = seg.flags
        if flags & SYN:
            self._receive_syn(seg)
            return
        if state == SYN_RECV:
            self._established()
        elif state != ESTABLISHED:
            return
        # Linux's order (tcp_rcv_established): the ACK, then the payload, then the data the
        # ACK released (carrying the new ACK), then the ACK rule for what arrived.
        if seg.length or flags & FIN:
            if flags & ACK:
                self._on_ack(seg)
            self._on_data(seg)
        else:
            if seg.seq <= self.last_ack_sent:  # a pure ACK's timestamp (RFC 7323 §4.3)
                self.ts_recent = seg.tsval
            if flags & ACK:
                self._on_ack(seg)
            if self._has_to_send():
                self.output()

    def _on_ack(self, seg: Segment) -> None:
        ack = seg.ack
        cc = self.cc
        # the peer's window (``receive_window``; Linux tcp_ack_update_window with
        # tcp_may_update_window): an ACK of new data brings it, else a newer segment, or the
        # same one with a larger or zero window; ``changed``: no duplicate ACK (RFC 5681 §2)
        advanced = ack > self.snd_una
        changed = False
        if advanced:
            self.snd_wnd = seg.wnd
            self.snd_wl1 = seg.seq
        else:
            wnd, seq, wl1 = seg.wnd, seg.seq, self.snd_wl1
            if seq > wl1 or (seq == wl1 and (wnd > self.snd_wnd or not wnd)):
                changed = wnd != self.snd_wnd
                self.snd_wnd = wnd
                self.snd_wl1 = seq
        if advanced:
            if self.undo is not None:
                self._check_spurious_rto(seg)
            inflight = self.inflight
            now = self.env._now
            acked = 0
            # Linux tcp_clean_rtx_queue: the RTT of the oldest segment acknowledged (seq_rtt);
            # if a retransmitted one is among them, Karn's rule (RFC 6298 §3) forbids it and
            # Linux's tcp_ack_update_rtt takes the timestamp echo instead (RFC 7323 §4.1); so
            # for a SACKed one, delivered earlier
            sample = -1.0
            newest_sent = 0.0
            karn = False
            rack = self.rack_on
            # RACK's newest delivered segment (``rack._rack_advance``, inlined for a run of
            # segments never resent: the last one acknowledged is the newest of them)
            newest = None
            tsorted = self.tsorted
            while inflight and inflight[0][0] <= ack:
                entry = inflight.popleft()
                if tsorted is not None:  # (``rack``)
                    tsorted.pop(entry[0], None)
                end, sent, retransmitted, _seg, marks = entry
                acked += 1
                if rack:
                    if not (marks or retransmitted):
                        if newest is None and _seg.seq < self.fack:
                            self.reord_seen = True  # delivered below a SACKed segment
                        newest = entry
                    elif not marks & SACKED:
                        if newest is not None:  # in Linux's order
                            self._rack_advance(newest, now)
                            newest = None
                        self._rack_advance(entry, now, seg.tsecr)
                if marks:  # the scoreboard's (``sack``)
                    karn = True
                    if marks & SACKED:
                        self.sacked_out -= 1
                        if end <= self.lost_hint:
                            self.lost_cnt -= 1
                    if marks & LOST:
                        self.lost_out -= 1
                    if marks & RETRANS:
                        self.retrans_out -= 1
                elif retransmitted:
                    karn = True
                else:
                    if sample < 0.0:
                        sample = now - sent
                    newest_sent = sent  # Linux last_ackt (CUBIC's sample, ca_rtt_us)
            if tsorted is not None and not inflight:
                self.tsorted = None
            if newest is not None:
                self.rack_advanced = True
                self.rack_rtt = now - newest[1]
                if newest[1] > self.rack_xmit or (newest[1] == self.rack_xmit
                                                  and newest[0] > self.rack_end):
                    self.rack_xmit, self.rack_end = newest[1], newest[0]
            if karn:  # the echo serves both samples (Linux tcp_ack_update_rtt)
                sample = now - seg.tsecr if seg.tsecr > 0.0 else -1.0
                ca_rtt = sample
            else:
                ca_rtt = now - newest_sent if sample >= 0.0 else -1.0
            prior_srtt = self.srtt
            self.snd_una = ack
            self.last_acked_s = now  # our data is getting through
            if self.snd_nxt < ack:
                self.snd_nxt = ack
            if sample >= 0.0:  # ``rto._rtt_sample``, inlined
                srtt = self.srtt
                if srtt is None:
                    self.srtt = srtt = sample
                    self.rttvar = rttvar = sample / 2.0
                else:
                    self.rttvar = rttvar = 0.75 * self.rttvar + 0.25 * abs(srtt - sample)
                    self.srtt = srtt = 0.875 * srtt + 0.125 * sample
                if sample < self.min_rtt or self.min_rtt == 0.0:
                    self.min_rtt = sample
                cfg = self.cfg
                var = 4.0 * rttvar
                rto_min = cfg.rto_min_s
                self.rto = min(srtt + (var if var > rto_min else rto_min), cfg.rto_max_s)
            cubic = self.cubic
            if cubic is not None and ca_rtt >= 0.0:  # Linux cubictcp_acked (``cubic``)
                cubic.rtt(ca_rtt, now, ack, self.snd_max,
                          prior_srtt if prior_srtt is not None else 0.0)
            self.expiries = 0
            self.dupacks = 0
            recover = self.recover
            if self.sack_ok:
                sacked = self._sack_tag(seg.sack) if seg.sack is not None else 0
                if self.tlp_high_seq >= 0:
                    self._process_tlp_ack(ack, True)
                self._sack_recovery(ack, acked, sacked, recover is not None)
            elif recover is not None:
                if ack >= recover:
                    self.recover = None
                    cc.exit_recovery()
                else:  # NewReno partial ACK: resend the next hole at once
                    self._retransmit_head()
            elif acked:
                cc.grow(acked, now, self.min_rtt)
            rack_armed = self.rack_armed  # RACK armed its reordering timer (``rack``)
            self.rack_armed = False
            if ack >= self.snd_max:
                self.rto_deadline = None
            elif rack_armed:
                pass
            elif not (self.rack_on and self._schedule_loss_probe(True)):  # (``tlp``)
                # ``rto._arm_rto``, inlined (Linux tcp_rearm_rto: from the first segment's
                # send when the reordering or probe timer held the place)
                rto = self.rto
                if self.timer_kind != RTO:
                    self.timer_kind = RTO
                    rto = max(inflight[0][1] + rto - now, 1e-6)
                deadline = self.rto_deadline = now + rto
                at = self.rto_timer_at
                if at is None or deadline < at - 1e-12:
                    self._schedule_rto(deadline)
        elif self.sack_ok:
            # RFC 6675: a duplicate ACK counts by what it SACKs (``sack``)
            blocks = seg.sack
            if blocks is not None and ack == self.snd_una:
                sacked = self._sack_tag(blocks)
                if self.tlp_high_seq >= 0:
                    self._process_tlp_ack(ack, sacked > 0 or bool(seg.length))
                if sacked:
                    self._sack_recovery(ack, 0, sacked, False)
                    self.rack_armed = False
            elif self.tlp_high_seq >= 0 and ack == self.snd_una:
                self._process_tlp_ack(ack, bool(seg.length or seg.flags & FIN))
        elif (
            ack == self.snd_una
            and seg.length == 0
            and not seg.flags & FIN
            and self.snd_una < self.snd_max
            and not changed  # the same window, else a window update
        ):
            self.dupacks += 1
            if self.recover is None and self.dupacks == self.cfg.dupack_threshold:
                cc.enter_recovery(len(self.inflight), self.cfg.dupack_threshold)
                self.recover = self.snd_max
                self._retransmit_head()
            elif self.recover is not None:
                cc.inflate()

    def _on_data(self, seg: Segment) -> None:
        start = seg.seq
        if start <= self.last_ack_sent:
            self.ts_recent = seg.tsval  # RFC 7323 §4.3
        end = start + seg.length
        rcv_nxt = self.rcv_nxt
        fin = bool(seg.flags & FIN)
        if fin:
            self.peer_fin_seq = end  # the FIN's sequence number, in order or not
        if end <= rcv_nxt and not (fin and end == rcv_nxt and not self.peer_fin):
            self.output()
            self._send_ack()  # duplicate: ACK at once (RFC 5681 §4.2)
            return
        if start > rcv_nxt:
            self.sack_last = start
            self._insert_ooo(start, end if not fin else end + 1)
            self.output()
            self._send_ack()  # out of order: duplicate ACK at once
            return
        filled = bool(self.ooo)
        if end > rcv_nxt:
            rcv_nxt = end
        if fin:
            rcv_nxt += 1
        ooo = self.ooo
        while ooo and ooo[0][0] <= rcv_nxt:
            if ooo[0][1] > rcv_nxt:
                rcv_nxt = ooo[0][1]
            ooo.pop(0)
        self.rcv_nxt = rcv_nxt
        if seg.length and not seg.flags & SYN:  # (``receive_window``; read at once)
            self._rcv_data(seg.length, seg.tsecr)
        self.last_data_s = self.env._now  # new in-order data: what completes a read()
        incoming = self.incoming
        deliver = self.socket._deliver
        log = self.record_log
        while incoming and incoming[0][0] <= rcv_nxt:
            record = incoming.popleft()[1]
            legs, stall = self.cause_legs, self.cause_stall
            if log is not None:
                log.append(
                    RecordEvent(
                        self.env._now, self.side, "read", record.nbytes, record.label, self.conn
                    )
                )
            for item in record.items:
                deliver(item, legs, stall)
        if self._has_to_send():
            self.output()  # data released by this segment's ACK carries the new ACK
        fin_seen = self.peer_fin_seq >= 0 and rcv_nxt > self.peer_fin_seq
        if fin_seen and not self.peer_fin:
            self.peer_fin = True
            deliver(CLOSED, self.cause_legs, self.cause_stall)
            if self.last_ack_sent < rcv_nxt:
                self._send_ack()
            self._check_closed()
            return
        if self.last_ack_sent < rcv_nxt:  # (else the data just sent carried the ACK)
            self._ack_after_data(filled)

    def _insert_ooo(self, start: int, end: int) -> None:
        ooo = self.ooo
        ooo.append((start, end))
        ooo.sort()
        merged: list[tuple[int, int]] = []
        for s, e in ooo:
            if merged and s <= merged[-1][1]:
                if e > merged[-1][1]:
                    merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        self.ooo = merged

    def _check_closed(self) -> None:
        if self.peer_fin and self.fin_queued and not self.socket.closed.triggered:
            self.socket.closed.succeed(True)


