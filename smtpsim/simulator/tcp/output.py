"""What an endpoint sends: application writes become segments of at most ``mss`` payload
bytes, each with ``header_bytes`` more on the wire, sent as the congestion window
(``congestion``), the peer's receive window (``receive_window``) and Nagle (``nagle``) allow (Linux
``tcp_write_xmit``); the pure ACK; the retransmission of the first unacknowledged segment; and
the FIN that follows the last data byte (RFC 793 §3.5, one sequence number).

Every segment sent carries the current ACK and so stops a pending delayed ACK, and the stamp
of the event that sent it (``causes``): a write's is its application's.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from smtpsim.model import RecordEvent
from smtpsim.simulator.tcp.nagle import nagle_holds
from smtpsim.simulator.tcp.segment import ACK, FIN, PROBE, SYN, Segment
from smtpsim.simulator.tcp.socket import Record
from smtpsim.simulator.tcp.states import DEAD, ESTABLISHED, SYN_RECV
from smtpsim.simulator.tcp.tcb import ControlBlock

__all__ = ["Output"]


class Output(ControlBlock):
    """The sending half of ``TcpEndpoint``."""

    __slots__ = ()

    # ------------------------------------------------------------------ application side
    def write(self, records: Sequence[Record], shutdown: bool = False) -> None:
        """One write() of ``records``; ``shutdown``: the application shuts its side down
        right behind it, the write corked until then (``MSG_MORE``, ``TCP_CORK``), so the
        FIN rides on the segment that carries the write's last byte (Linux ``tcp_send_fin``
        sets FIN on the unsent tail of the write queue)."""
        sock = self.socket  # ``_from_application``, inlined
        self.cause_legs = sock.legs
        self.cause_stall = sock.stall + (self.env._now - sock.at)
        peer_incoming = self.peer.incoming
        labels = self.trace_labels
        end = start = self.write_end
        for record in records:
            if labels is not None:
                labels.append((end, record.label))
            end += record.nbytes
            peer_incoming.append((end, record))
        self.write_end = end
        if self.first_write_end < 0 and end > start:
            self.first_write_end = end
        log = self.record_log
        if log is not None:
            now = self.env._now
            log.extend(
                RecordEvent(now, self.side, "write", r.nbytes, r.label, self.conn)
                for r in records
            )
        if shutdown and not self.fin_queued and self.state != DEAD:
            self.fin_queued = self.fin_rides = True
            self.fin_seq = end
            self.output()
            self._check_closed()
            return
        self.output()

    def close(self) -> None:
        if self.fin_queued or self.state == DEAD:
            return
        self._from_application()
        self.fin_queued = True
        self.fin_seq = self.write_end
        self.output()
        self._check_closed()

    def _from_application(self) -> None:
        """What is sent now is caused by the application's step (``causes``): its stamp,
        plus its own time since that step began as stall."""
        sock = self.socket
        self.cause_legs = sock.legs
        self.cause_stall = sock.stall + (self.env._now - sock.at)

    # ------------------------------------------------------------------ sending
    def _transmit(self, seg: Segment, wire_bytes: int) -> None:
        seg.tsval = self.env._now
        seg.tsecr = self.ts_recent
        seg.wnd = self.syn_wnd if seg.flags & SYN else self._select_window()
        seg.legs = self.cause_legs | self.up_bit
        seg.stall = self.cause_stall
        labels = self.trace_labels
        if labels is not None and seg.length:
            seg.label = labels_in(labels, seg.seq, seg.seq + seg.length)
        self.link.send(seg, wire_bytes, self.peer.receive)

    def _has_to_send(self) -> bool:
        """Whether ``output`` may send anything: unsent data, a FIN, or lost segments not
        yet resent (else it would return at once)."""
        return (self.write_end > self.snd_nxt or self.fin_queued
                or self.lost_out > self.retrans_out)

    def output(self) -> None:
        """Send what the window, Nagle and the data allow (Linux ``tcp_write_xmit``)."""
        if self.state != ESTABLISHED:
            if self.state == SYN_RECV and self.fo_child:
                if self.synack_pending:  # the first write rides in the SYN-ACK
                    self.synack_pending = False
                    self._send_handshake(SYN | ACK, data=min(self.cfg.mss, self.write_end))
                    return
            else:
                return
        if self.lost_out > self.retrans_out:
            self._send_lost()  # SACK recovery: lost segments go first (``sack``)
        if self.write_end <= self.snd_nxt and not (self.fin_queued
                                                   and self.snd_nxt == self.fin_seq):
            return  # nothing to send (the loop below would send nothing either)
        cfg = self.cfg
        mss = cfg.mss
        cc = self.cc
        inflight = self.inflight
        if not inflight and self.write_end > self.snd_nxt and self.last_send_s > 0.0:
            idle = self.env._now - self.last_send_s
            cc.on_tx_start(idle)
            if idle > self.rto:
                cc.restart_after_idle(idle, self.rto, self.recover is not None)
        # what is in flight but not in the network (SACKed, or lost and not resent): RFC 6675
        # ``pipe`` = packets out - adj (Linux ``tcp_packets_in_flight``); 0 without SACK
        adj = self.sacked_out + self.lost_out - self.retrans_out
        limited = False
        sent = False
        while True:
            seq = self.snd_nxt
            avail = self.write_end - seq
            if avail <= 0:
                if self.fin_queued and seq == self.fin_seq and len(inflight) - adj < cc.cwnd:
                    self._send_segment(seq, 0, FIN | ACK, seq < self.snd_max)
                    self.snd_nxt = seq + 1
                    sent = True
                break
            if len(inflight) - adj >= cc.cwnd:
                limited = True
                break
            size = mss if avail > mss else avail
            retransmit = seq < self.snd_max
            if size < mss and self.nagle and not retransmit and nagle_holds(self, seq, size):
                break
            if seq + size - self.snd_una > self.snd_wnd:  # (``receive_window``)
                break
            if self.fin_rides and self.fin_queued and seq + size == self.fin_seq:
                self._send_segment(seq, size, FIN | ACK, retransmit)
                self.snd_nxt = seq + size + 1
                sent = True
                break
            self._send_segment(seq, size, ACK, retransmit)
            self.snd_nxt = seq + size
            sent = True
        if sent or limited:
            cc.validate(len(inflight), limited, self.snd_una, self.snd_nxt)
        if sent and self.rack_on:  # Linux tcp_write_xmit: one loss probe per tail (``tlp``)
            self._schedule_loss_probe(False)

    def _send_probe_data(self) -> bool:
        """A loss probe of new data (``tlp``): one segment if the peer's window allows it,
        beyond cwnd and Nagle (Linux ``tcp_write_xmit`` with ``push_one`` 2); whether sent."""
        seq = self.snd_nxt
        avail = self.write_end - seq
        if avail <= 0:
            if not (self.fin_queued and seq == self.fin_seq):
                return False
            self._send_segment(seq, 0, FIN | ACK | PROBE, seq < self.snd_max)
            self.snd_nxt = seq + 1
            return True
        size = self.cfg.mss if avail > self.cfg.mss else avail
        if seq + size - self.snd_una > self.snd_wnd:
            return False
        if self.fin_rides and self.fin_queued and seq + size == self.fin_seq:
            self._send_segment(seq, size, FIN | ACK | PROBE, seq < self.snd_max)
            self.snd_nxt = seq + size + 1
        else:
            self._send_segment(seq, size, ACK | PROBE, seq < self.snd_max)
            self.snd_nxt = seq + size
        self.cc.validate(len(self.inflight), False, self.snd_una, self.snd_nxt)
        return True

    def _send_segment(self, seq: int, size: int, flags: int, retransmit: bool = False) -> None:
        now = self.env._now
        self.last_send_s = now
        rcv_nxt = self.rcv_nxt
        # ``_transmit`` inlined: the segment made whole at once
        seg = Segment(seq, size, rcv_nxt, flags, retransmit, now, self.ts_recent,
                      self.cause_legs | self.up_bit, self.cause_stall)
        seg.wnd = self._select_window()
        end = seq + size + (1 if flags & FIN else 0)
        entry = [end, now, retransmit, seg, 0]
        self.inflight.append(entry)
        tsorted = self.tsorted
        if tsorted is not None:  # (``rack``)
            tsorted.pop(end, None)
            tsorted[end] = entry
        if end > self.snd_max:
            self.snd_max = end
        if retransmit:
            self.retransmits += 1
        if self.recover is not None:
            self.prr_out += 1  # sent in a recovery (``sack``: RFC 6937 ``prr_out``)
        cfg = self.cfg
        if 0 < size < cfg.mss:
            self.sml_end = end
        self.last_ack_sent = rcv_nxt
        self.delack_pending = False
        if self.rto_deadline is None:
            self._arm_rto()
        labels = self.trace_labels
        if labels is not None and size:
            seg.label = labels_in(labels, seq, seq + size)
        wire = size + cfg.header_bytes
        if self.ooo:
            wire += self._sack_option(seg)
        self.link.send(seg, wire, self.peer.receive)

    def _send_ack(self) -> None:
        rcv_nxt = self.last_ack_sent = self.rcv_nxt
        self.delack_pending = False
        # ``_transmit`` inlined (a pure ACK carries no label)
        seg = Segment(self.snd_nxt, 0, rcv_nxt, ACK, False, self.env._now, self.ts_recent,
                      self.cause_legs | self.up_bit, self.cause_stall)
        seg.wnd = self._select_window()
        wire = self.cfg.header_bytes
        if self.ooo:
            wire += self._sack_option(seg)
        self.link.send(seg, wire, self.peer.receive)

    def _retransmit_head(self) -> None:
        """Send the first unacknowledged segment again, at once (a timeout's go-back-N
        restart goes through ``output`` instead)."""
        seq = self.snd_una
        if self.fin_queued and seq == self.fin_seq:
            size, flags = 0, FIN | ACK
        else:
            size, flags = min(self.cfg.mss, self.snd_max - seq, self.write_end - seq), ACK
            if self.fin_rides and self.fin_queued and seq + size == self.fin_seq:
                flags = FIN | ACK
        if self.inflight:
            self.inflight[0][2] = True
        self.retransmits += 1
        seg = Segment(seq, size, self.rcv_nxt, flags, True)
        self.last_ack_sent = self.rcv_nxt
        self.delack_pending = False
        self._arm_rto()
        self._transmit(seg, size + self.cfg.header_bytes)  # (no SACK: NewReno's recovery)



def labels_in(labels: list[tuple[int, str]], start: int, end: int) -> str:
    """Labels of the records whose first byte lies in ``[start, end)``; a continuation
    segment is labelled ``…`` plus the record it belongs to."""
    i = bisect_right(labels, (start, "\uffff")) - 1
    out = []
    if i >= 0 and labels[i][0] < start:
        out.append("… " + labels[i][1])
        i += 1
    i = max(i, 0)
    while i < len(labels) and labels[i][0] < end:
        out.append(labels[i][1])
        i += 1
    return " | ".join(out)
