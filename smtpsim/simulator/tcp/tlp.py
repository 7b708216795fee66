"""Tail loss probes (RFC 8985 §7), as Linux sends them (net/ipv4/tcp_output.c
``tcp_schedule_loss_probe``, ``tcp_send_loss_probe``; net/ipv4/tcp_input.c
``tcp_process_tlp_ack``).

* When to arm (§7.2, Linux ``tcp_schedule_loss_probe``): SACK agreed, data in flight, no
  recovery under way (``TCP_CA_Open`` or ``CWR``), the handshake complete; after every send of
  new data and every ACK that acknowledges some, in place of the RTO (one timer: Linux's
  ``ICSK_TIME_LOSS_PROBE``).
* The probe timeout (§7.2: ``PTO = 2 SRTT``, plus ``WCDelAckT`` when one segment is in
  flight, at most the RTO): Linux takes ``2 SRTT + TCP_RTO_MIN`` (200 ms,
  ``TcpConfig.rto_min_s``) with one segment in flight, else ``2 SRTT + TCP_TIMEOUT_MIN_US``
  (2 ms), ``TCP_TIMEOUT_INIT`` (1 s, ``rto_initial_s``) before an RTT sample, and no later
  than the RTO would fire (after an ACK the whole RTO, after a send what is left of the RTO
  counted from the first segment's send, ``tcp_rto_delta_us``).
* On expiry (§7.3, ``tcp_send_loss_probe``): at most one probe per episode (while
  ``tlp_high_seq`` is set the RTO is armed instead); new data if the peer's window allows one
  segment (sent beyond cwnd and Nagle: ``tcp_write_xmit`` with ``push_one`` 2), else the last
  segment in flight again; then ``TLP.end_seq = SND.NXT`` and the RTO restarted.
* The probe's ACK (§7.4, ``tcp_process_tlp_ack``): an ACK above ``tlp_high_seq`` after a
  retransmitted probe means the probe repaired a loss: the window is reduced once (CWR: the
  congestion control's ssthresh, ``cwnd = ssthresh``); a duplicate ACK at ``tlp_high_seq``
  says both copies arrived (D-SACK, which would say so too, is not modelled); a probe of new
  data ends the episode when acknowledged. The segments the probe's SACK shows missing are
  RACK's (``rack``).
"""

from __future__ import annotations

from smtpsim.model.tcp import TIMEOUT_MIN_S
from smtpsim.simulator.tcp.rack import tsorted_resent
from smtpsim.simulator.tcp.segment import PROBE, SYN, Segment
from smtpsim.simulator.tcp.states import ESTABLISHED
from smtpsim.simulator.tcp.tcb import PROBE as PROBE_TIMER
from smtpsim.simulator.tcp.tcb import RTO, ControlBlock

__all__ = ["LossProbe"]


class LossProbe(ControlBlock):
    """The tail loss probe of ``TcpEndpoint``."""

    __slots__ = ()

    def _schedule_loss_probe(self, advancing: bool) -> bool:
        """Arm the probe timer if RFC 8985 §7.2 allows (``advancing``: after an ACK that
        acknowledged data, else after a send); whether it did."""
        inflight = self.inflight
        if not inflight or self.recover is not None or self.state != ESTABLISHED:
            return False
        cfg = self.cfg
        srtt = self.srtt
        if srtt is None:
            timeout = cfg.rto_initial_s  # Linux TCP_TIMEOUT_INIT
        else:
            timeout = 2.0 * srtt + (cfg.rto_min_s if len(inflight) == 1 else TIMEOUT_MIN_S)
        now = self.env._now
        rto_left = self.rto if advancing else inflight[0][1] + self.rto - now
        if 0.0 < rto_left < timeout:
            timeout = rto_left
        # ``rack._arm_timer(PROBE, timeout)``, inlined
        deadline = self.rto_deadline = now + timeout
        self.timer_kind = PROBE_TIMER
        at = self.rto_timer_at
        if at is None or deadline < at - 1e-12:
            self._schedule_rto(deadline)
        return True

    def _send_loss_probe(self) -> None:
        """The probe timer expired (RFC 8985 §7.3, Linux ``tcp_send_loss_probe``)."""
        inflight = self.inflight
        if inflight:  # the probe guards the last segment sent (``causes``, as ``rto``)
            _end, sent, _r, seg, _m = inflight[-1]
            self.cause_legs, self.cause_stall = seg.legs, seg.stall + (self.env._now - sent)
        if self.tlp_high_seq < 0 and self._probe():
            self.probes += 1
            self.tlp_high_seq = self.snd_nxt
            self.timer_kind = RTO  # Linux: icsk_pending = 0, the RTO restarts from now
        self._rearm_rto()

    def _probe(self) -> bool:
        """Send one new segment, else the last one in flight again; whether one was sent."""
        self.tlp_retrans = False
        if self._send_probe_data():
            return True
        if not self.inflight:
            return False
        entry = self.inflight[-1]
        old: Segment = entry[3]
        now = self.env._now
        seg = Segment(old.seq, old.length, self.rcv_nxt, (old.flags & ~SYN) | PROBE, True, now,
                      self.ts_recent, self.cause_legs | self.up_bit, self.cause_stall)
        seg.wnd = self._select_window()
        seg.label = old.label
        # Linux __tcp_retransmit_skb: a retransmission (Karn, TCPCB_EVER_RETRANS) with a new
        # send time, not counted in retrans_out (not TCPCB_SACKED_RETRANS)
        entry[1] = now
        entry[2] = True
        entry[3] = seg
        tsorted_resent(self.tsorted, entry)
        self.retransmits += 1
        self.tlp_retrans = True
        self.last_send_s = now
        self.last_ack_sent = self.rcv_nxt
        self.delack_pending = False
        wire = old.length + self.cfg.header_bytes
        if self.ooo:
            wire += self._sack_option(seg)
        self.link.send(seg, wire, self.peer.receive)
        return True

    def _process_tlp_ack(self, ack: int, advanced: bool) -> None:
        """An ACK during a probe episode (RFC 8985 §7.4, Linux ``tcp_process_tlp_ack``);
        ``advanced``: it acknowledged new data or SACKed some."""
        high = self.tlp_high_seq
        if ack < high:
            return
        if not self.tlp_retrans:
            self.tlp_high_seq = -1
        elif ack > high:  # the probe repaired a loss: reduce the window once (CWR)
            self.tlp_high_seq = -1
            cc = self.cc
            cc.enter_sack_recovery(len(self.inflight) - self.sacked_out)
            cc.exit_recovery()
        elif not advanced:  # a duplicate ACK: original and probe both arrived
            self.tlp_high_seq = -1
