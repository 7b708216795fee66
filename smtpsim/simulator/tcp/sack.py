"""Selective acknowledgments (RFC 2018) and the sender's scoreboard with RFC 6675 loss
recovery, as Linux runs them when both ends offer SACK (``tcp_sack`` 1, the default).

* The receiver (RFC 2018 §4): while out-of-order data is queued, every segment it sends
  carries SACK blocks, at most 3 beside the timestamp option (RFC 2018 §3: 40 B of option
  space, 12 B taken by timestamps); the first block holds the segment that arrived last, the
  others follow highest first (the most recently reported in a flight that arrives in order;
  Linux ``tcp_sack_new_ofo_skb`` keeps them most recent first). The option takes
  ``4 + 8 n`` bytes on the wire (two NOPs, kind, length, ``n`` blocks: Linux
  ``TCPOLEN_SACK_BASE_ALIGNED`` + ``TCPOLEN_SACK_PERBLOCK``).
* The sender keeps, per segment in flight, whether it was SACKed, is deemed lost, or was
  retransmitted since (Linux ``TCPCB_SACKED_ACKED``, ``TCPCB_LOST``,
  ``TCPCB_SACKED_RETRANS``), and the counts of each (``sacked_out``, ``lost_out``,
  ``retrans_out``); what is in the network is RFC 6675's ``pipe``, counted as Linux's
  ``tcp_packets_in_flight``: packets out - (SACKed + lost) + retransmitted.
* ``IsLost`` (RFC 6675 §4): a segment is lost once ``DupThresh`` (3) segments above it are
  SACKed. A loss starts the recovery (§5 step 4): RecoveryPoint = HighData, ssthresh from
  the congestion control, the first lost segment resent at once; then, as in Linux, the
  window follows proportional rate reduction (RFC 6937, ``tcp_cwnd_reduction``) down to
  ssthresh instead of dropping to it at once, and while ``pipe < cwnd`` ``NextSeg`` (§4)
  sends the lowest lost segment not yet resent (rule 1), else new data (rule 2). A
  cumulative ACK at or above RecoveryPoint ends the recovery. A partial ACK marks the first
  unacknowledged segment lost (rule 3's effect for the last hole of a flight, Linux
  ``tcp_mark_head_lost``), so a recovery never does worse than NewReno's.
* With RACK-TLP on (``rack``, ``TcpConfig.rack``, the default) RACK decides what is lost in
  place of ``IsLost`` and the partial-ACK rule, as in Linux (``tcp_identify_packet_loss``;
  ``tcp_update_scoreboard`` only ``!tcp_is_rack``); the rest of the recovery is the same.
* A retransmission timeout with SACK (RFC 6675 §5.1, Linux ``tcp_enter_loss``) keeps the
  scoreboard: every segment not SACKed is marked lost and resent as the window opens again
  (slow start from cwnd 1), SACKed ones are not sent again.
"""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import Any

from smtpsim.simulator.tcp.output import labels_in
from smtpsim.simulator.tcp.rack import tsorted_resent
from smtpsim.simulator.tcp.segment import PROBE, SYN, Segment
from smtpsim.simulator.tcp.tcb import LOST, REORDER, RETRANS, SACKED, ControlBlock

__all__ = ["MAX_BLOCKS", "Scoreboard", "index_after", "sack_blocks", "sack_option_bytes"]

#: RFC 2018 §3: at most 3 blocks beside the timestamp option (10 B + 2 B of padding).
MAX_BLOCKS = 3


def sack_blocks(ooo: list[tuple[int, int]], last: int) -> tuple[tuple[int, int], ...]:
    """The SACK blocks for the out-of-order queue ``ooo`` (sorted, merged ranges) when the
    latest out-of-order segment began at ``last``: its block first, then the others highest
    first, at most ``MAX_BLOCKS`` (RFC 2018 §4)."""
    first: list[tuple[int, int]] = []
    rest: list[tuple[int, int]] = []
    for block in reversed(ooo):
        if not first and block[0] <= last < block[1]:
            first.append(block)
        else:
            rest.append(block)
    return tuple((first + rest)[:MAX_BLOCKS])


def index_after(inflight: deque[list[Any]], seq: int) -> int:
    """The index of the first segment in flight that ends after ``seq`` (binary search)."""
    lo, hi = 0, len(inflight)
    while lo < hi:
        mid = (lo + hi) >> 1
        if inflight[mid][0] <= seq:
            lo = mid + 1
        else:
            hi = mid
    return lo


def sack_option_bytes(blocks: tuple[tuple[int, int], ...]) -> int:
    """The option's bytes on the wire: 2 NOPs, kind and length, 8 per block (RFC 2018 §3)."""
    return 4 + 8 * len(blocks)


class Scoreboard(ControlBlock):
    """The SACK scoreboard and RFC 6675 recovery of ``TcpEndpoint``."""

    __slots__ = ()

    def _sack_tag(self, blocks: tuple[tuple[int, int], ...]) -> int:
        """Mark the segments ``blocks`` cover as SACKed (Linux ``tcp_sacktag_write_queue``);
        how many were newly SACKed. What the previous ACK's blocks covered is skipped (Linux
        ``recv_sack_cache``): a receiver repeats its blocks on every ACK."""
        inflight = self.inflight
        cache = self.sack_cache
        self.sack_cache = blocks
        hint = self.lost_hint
        rack = self.rack_on
        tsorted = self.tsorted
        now = self.env._now
        newly = 0
        for start, end in blocks:
            for old_start, old_end in cache:
                if old_start <= start < old_end:
                    start = old_end
                elif start < old_start < end <= old_end:
                    end = old_start
            if start >= end:
                continue
            for entry in islice(inflight, index_after(inflight, start), None):
                if entry[0] > end:
                    break
                marks = entry[4]
                if marks & SACKED or entry[3].seq < start:
                    continue
                if marks & LOST:
                    self.lost_out -= 1
                if marks & RETRANS:
                    self.retrans_out -= 1
                if entry[0] <= hint:
                    self.lost_cnt += 1
                if rack:  # (``rack``)
                    self._rack_advance(entry, now)
                    if entry[0] > self.fack:
                        self.fack = entry[0]
                entry[4] = SACKED
                if tsorted is not None:  # (``rack``)
                    tsorted.pop(entry[0], None)
                newly += 1
        self.sacked_out += newly
        return newly

    def _mark_lost(self) -> int:
        """RFC 6675 ``IsLost``: a segment is lost once ``DupThresh`` SACKed segments lie
        above it, that is while at most ``sacked_out - DupThresh`` lie below it. Walked up
        from the first segment, resuming where the last walk stopped (Linux
        ``tcp_mark_head_lost`` with ``lost_skb_hint`` and ``lost_cnt_hint``). How many were
        newly marked."""
        packets = self.sacked_out - self.cfg.dupack_threshold
        if packets < 0:
            return 0
        inflight = self.inflight
        hint = self.lost_hint
        if hint <= self.snd_una:
            hint, self.lost_cnt = self.snd_una, 0
        cnt = self.lost_cnt
        newly = 0
        for entry in islice(inflight, index_after(inflight, hint), None):
            marks = entry[4]
            if marks & SACKED:
                if cnt >= packets:
                    break
                cnt += 1
            elif not marks & LOST:
                entry[4] = marks | LOST
                newly += 1
            hint = entry[0]
        self.lost_hint, self.lost_cnt = hint, cnt
        self.lost_out += newly
        return newly

    def _sack_recovery(self, ack: int, acked: int, sacked: int, partial: bool) -> None:
        """After an ACK's scoreboard update (``acked`` packets newly cumulatively
        acknowledged, ``sacked`` newly SACKed; ``partial``: it advanced, in a recovery): end,
        start or continue a recovery, or grow the window (RFC 6675 §5; Linux
        ``tcp_fastretrans_alert``)."""
        cc = self.cc
        recover = self.recover
        if recover is not None and ack >= recover:
            self.recover = None
            if not self.in_loss:
                cc.exit_recovery()  # Linux tcp_end_cwnd_reduction: cwnd = ssthresh
            self.in_loss = False
            recover = None
            partial = False
        if self.rack_on:  # RACK in place of IsLost (``rack``)
            newly_lost = self._rack_mark_lost() if self.rack_advanced else 0
        else:
            newly_lost = self._mark_lost() if self.sacked_out else 0
        if recover is None:
            if self.lost_out:
                self._enter_recovery()
                self._prr(acked + sacked, newly_lost, acked > 0)
            elif acked:
                cc.grow(acked, self.env._now, self.min_rtt)
            return
        if partial and not self.rack_on:
            head = self.inflight[0] if self.inflight else None
            if head is not None and not head[4] & (SACKED | LOST):
                head[4] |= LOST
                self.lost_out += 1
                self.rexmit_hint = 0
                newly_lost += 1
        if self.in_loss:
            if acked:  # after a timeout: slow start (Linux TCP_CA_Loss)
                cc.grow(acked, self.env._now, self.min_rtt)
        else:
            self._prr(acked + sacked, newly_lost, acked > 0)

    def _enter_recovery(self) -> None:
        """RFC 6675 §5 step 4: RecoveryPoint = HighData and ssthresh from the congestion
        control; PRR starts (RFC 6937 §3: ``RecoverFS``, Linux ``prior_cwnd``)."""
        self.recover = self.snd_max
        self.in_loss = False
        self.prior_cwnd = self.cc.cwnd
        self.prr_delivered = self.prr_out = 0
        self.cc.enter_sack_recovery(len(self.inflight) - self.sacked_out)

    def _prr(self, delivered: int, newly_lost: int, advanced: bool) -> None:
        """Proportional rate reduction (RFC 6937 §3, with slow-start reduction bound; Linux
        ``tcp_cwnd_reduction``): while ``pipe`` is above ssthresh, send ``ssthresh /
        RecoverFS`` of what is delivered; below, grow back to ssthresh by at most what is
        delivered (+1); the first ACK always sends one (the fast retransmit)."""
        if delivered <= 0:
            return
        cc = self.cc
        pipe = len(self.inflight) - self.sacked_out - self.lost_out + self.retrans_out
        ssthresh = cc.ssthresh
        self.prr_delivered += delivered
        delta = ssthresh - pipe
        if delta < 0:
            sndcnt = -(-ssthresh * self.prr_delivered // max(self.prior_cwnd, 1)) - self.prr_out
        else:
            sndcnt = max(self.prr_delivered - self.prr_out, delivered)
            if advanced and not newly_lost:
                sndcnt += 1
            sndcnt = min(delta, sndcnt)
        if sndcnt < 1 and not self.prr_out:
            sndcnt = 1
        cc.cwnd = pipe + (sndcnt if sndcnt > 0 else 0)

    def _send_lost(self) -> None:
        """NextSeg rule 1 (RFC 6675 §4): resend the lowest lost segment not yet resent, while
        ``pipe < cwnd``; from where the last call stopped (Linux ``retransmit_skb_hint``:
        below it every lost segment has been resent)."""
        cwnd = self.cc.cwnd
        inflight = self.inflight
        hint = self.rexmit_hint
        for entry in islice(inflight, index_after(inflight, hint), None):
            if self.lost_out <= self.retrans_out:
                break
            if len(inflight) - self.sacked_out - self.lost_out + self.retrans_out >= cwnd:
                break
            marks = entry[4]
            if marks & LOST and not marks & RETRANS:
                self._resend(entry)
            hint = entry[0]
        self.rexmit_hint = hint

    def _resend(self, entry: list[Any]) -> None:
        """Send the segment of ``entry`` again, now."""
        old: Segment = entry[3]
        now = self.env._now
        flags = old.flags & ~(SYN | PROBE)
        seg = Segment(old.seq, old.length, self.rcv_nxt, flags, True, now, self.ts_recent,
                      self.cause_legs | self.up_bit, self.cause_stall)
        seg.wnd = self._select_window()
        entry[1] = now
        entry[2] = True
        entry[3] = seg
        entry[4] |= RETRANS
        tsorted_resent(self.tsorted, entry)
        self.retrans_out += 1
        self.prr_out += 1
        self.retransmits += 1
        self.last_send_s = now
        self.last_ack_sent = self.rcv_nxt
        self.delack_pending = False
        if self.rto_deadline is None or (entry is self.inflight[0]
                                         and self.timer_kind != REORDER):
            self._arm_rto()  # Linux tcp_xmit_retransmit_queue: restarted by the head's resend
        wire = old.length + self.cfg.header_bytes
        if self.ooo:
            wire += self._sack_option(seg)
        labels = self.trace_labels
        if labels is not None and old.length:
            seg.label = labels_in(labels, old.seq, old.seq + old.length)
        self.link.send(seg, wire, self.peer.receive)

    def _sack_option(self, seg: Segment) -> int:
        """Receiver, out-of-order data queued: ``seg`` carries SACK blocks (if SACK was
        agreed); the option's bytes on the wire."""
        if not self.sack_ok:
            return 0
        seg.sack = blocks = sack_blocks(self.ooo, self.sack_last)
        return sack_option_bytes(blocks)

    def _sack_timeout(self) -> None:
        """A retransmission timeout with SACK (Linux ``tcp_timeout_mark_lost``): every segment
        not SACKed is lost, none counts as resent; the recovery lasts to HighData."""
        lost = 0
        for entry in self.inflight:
            if not entry[4] & SACKED:
                entry[4] = LOST
                lost += 1
        self.lost_out = lost
        self.retrans_out = 0
        self.recover = self.snd_max
        self.in_loss = True
        self.lost_hint, self.lost_cnt = self.inflight[-1][0], self.sacked_out
        self.rexmit_hint = 0
        self.tlp_high_seq = -1  # the probe episode ends in the timeout's recovery (``tlp``)

    def _sack_undo(self) -> None:
        """A spurious timeout undone (Linux ``tcp_undo_cwnd_reduction``): the loss marks go;
        what was resent meanwhile stays counted as in flight."""
        lost = 0
        for entry in self.inflight:
            if entry[4] & LOST:
                entry[4] &= ~LOST
                lost += 1
        self.lost_out -= lost
        self.recover = None
        self.in_loss = False
        self.lost_hint = self.lost_cnt = self.rexmit_hint = 0
