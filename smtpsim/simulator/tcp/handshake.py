"""The three-way handshake (RFC 793 §3.4), with Fast Open (``fastopen``).

SYN and SYN-ACK are retransmitted on a timer starting at ``rto_initial_s`` (1 s, RFC 6298
§2.1) and doubling (§5.5), ``syn_retries`` / ``synack_retries`` times (Linux
``tcp_syn_retries`` 6, ``tcp_synack_retries`` 5); then the connection fails. Both are 60 B on
the wire (options: MSS, SACK permitted, timestamps, window scale, as Linux sends them), plus
the Fast Open option. The client's first data may ride on its handshake ACK. The handshake
gives each side an RTT sample unless its SYN or SYN-ACK was retransmitted (``rto``).

A SYN that arrives again while the server is in SYN-RECEIVED is answered with its SYN-ACK
again at once (Linux ``tcp_check_req``: ``inet_rtx_syn_ack``), its timer keeping its
schedule; a SYN-ACK held for the server's first write (the banner on the SYN-ACK) answers
every SYN that came meanwhile when it leaves. A SYN-ACK sent again carries the data the first
one carried (RFC 793 §3.4: a retransmission repeats the segment's text), and the client takes
data from whichever copy reaches it, once (RFC 793 §3.9: text below RCV.NXT is a duplicate,
acknowledged at once, RFC 5681 §4.2). So the client's handshake ACK always acknowledges a
SYN-ACK's data, which the SYN-ACK timer covers until then.

On the critical path (``causes``): the SYN is caused by the application's ``connect()``, a
timer's SYN or SYN-ACK by the transmission the timer guarded (its wait a stall), a SYN-ACK
that answers a repeated SYN by that SYN's arrival, and each side's application, which waits
for the connection, by the arrival that made it: the SYN-ACK (or the copy of it that came
first) at the client, the handshake ACK at the server (the SYN, with Fast Open or the banner
on the SYN-ACK).
"""

from __future__ import annotations

from typing import Any

from smtpsim.model.tcp import (
    COOKIE_OPTION_BYTES,
    COOKIE_REQUEST_BYTES,
    RTO_FALLBACK_S,
    SYN_WIRE_BYTES,
    syn_data_space,
)
from smtpsim.simulator.clock import Call, call_later
from smtpsim.simulator.tcp.fastopen import COOKIE_REQUEST
from smtpsim.simulator.tcp.output import labels_in
from smtpsim.simulator.tcp.segment import ACK, SYN, Segment
from smtpsim.simulator.tcp.states import ESTABLISHED, LISTEN, SYN_RECV, SYN_SENT
from smtpsim.simulator.tcp.tcb import ControlBlock

__all__ = ["Handshake"]


class Handshake(ControlBlock):
    """Connection set-up of ``TcpEndpoint``."""

    __slots__ = ()

    def connect(self) -> None:
        """Client: send the SYN and start the SYN timer. With ``fo_data`` and a cookie, the
        socket counts as connected at once and the SYN leaves at the end of this instant
        carrying the first write made meanwhile, up to ``syn_data_space`` bytes of it
        (TCP_FASTOPEN_CONNECT: Linux ``tcp_send_syn_data`` puts ``min(space, fo->size)`` of
        the first ``sendmsg`` in the SYN); the rest follows the handshake."""
        self.state = SYN_SENT
        self._from_application()
        if self.fo_data and self.fo_cookie is not None and self.fo_cookie is not COOKIE_REQUEST:
            self.socket.established.succeed(True)

            def syn(_ev: Call) -> None:  # after the writes of this instant
                self._from_application()
                self._send_handshake(SYN)

            call_later(self.env, 0, syn)
        else:
            self._send_handshake(SYN)

    def _send_handshake(self, flags: int, option: Any = None, data: int = 0) -> None:
        self.handshake_tries += 1
        first = self.handshake_tries == 1
        if not first:
            self.handshake_retransmitted = True
            self.retransmits += 1
        self.handshake_sent = self.env._now
        wire = SYN_WIRE_BYTES
        if flags == SYN and self.fo_cookie is not None:
            option = self.fo_cookie
            if first and self.fo_data and option is not COOKIE_REQUEST:
                data = min(syn_data_space(self.cfg), max(self.first_write_end, 0))
        elif flags != SYN:
            if first:
                self.synack_data_len = data
            else:  # sent again: with the data the first one carried
                data = self.synack_data_len
        if option is not None:
            wire += COOKIE_REQUEST_BYTES if option is COOKIE_REQUEST else COOKIE_OPTION_BYTES
        seg = Segment(0, data, self.rcv_nxt, flags, not first)
        seg.option = option
        lost = False
        if flags == SYN:
            self.syn_data_len = data
            if data:
                self.snd_nxt = self.snd_max = data
                labels = self.trace_labels
                if labels is not None:
                    seg.label = labels_in(labels, 0, data)
                lost = self.fo_blackhole is not None and self.fo_blackhole()
        elif data:  # a SYN-ACK carrying the server's first write
            if first:
                self.snd_nxt = self.snd_max = data
                self.inflight.append([data, self.env._now, False, seg, 0])
                self.tsorted = None  # (``rack``: rebuilt by its next walk)
            else:
                self._synack_data_resent()
            self.last_ack_sent = self.rcv_nxt
        if not lost:
            self._transmit(seg, wire + data)
        else:  # a middlebox drops SYNs that carry data: the packet still left the host
            seg.tsval, seg.tsecr = self.env._now, self.ts_recent
            seg.wnd = self.syn_wnd
            seg.legs, seg.stall = self.cause_legs | self.up_bit, self.cause_stall
            self.link.send(seg, wire + data, self.peer.receive, lose=True)
        self.timer_gen += 1
        gen = self.timer_gen
        timeout = min(self.cfg.rto_initial_s * 2 ** (self.handshake_tries - 1), self.cfg.rto_max_s)
        legs, stall = self.cause_legs, self.cause_stall + timeout

        def expire(_ev: Call) -> None:
            self._handshake_timer(gen, flags, legs, stall)

        call_later(self.env, timeout, expire)

    def _handshake_timer(self, gen: int, flags: int, legs: int, stall: float) -> None:
        if gen != self.timer_gen or self.state not in (SYN_SENT, SYN_RECV):
            return
        self.cause_legs, self.cause_stall = legs, stall
        retries = self.cfg.syn_retries if flags == SYN else self.cfg.synack_retries
        if self.handshake_tries > retries:
            self.fail()
            return
        if flags == SYN and self.syn_data_len:
            # the SYN's data goes again after the handshake, not in a SYN (RFC 7413 §4.2.1)
            self.snd_nxt = 0
            self.syn_data_len = 0
            if self.on_syn_data_lost is not None:
                self.on_syn_data_lost()
        self._send_handshake(flags)

    def _established(self) -> None:
        self.state = ESTABLISHED
        self._rcv_established()
        self.timer_gen += 1
        if not self.handshake_retransmitted:
            self._rtt_sample(self.env._now - self.handshake_sent)
        else:
            # RFC 6298 §5.7: no sample after a retransmitted SYN or SYN-ACK; the RTO is 3 s
            # once established (Linux tcp_init_metrics, TCP_TIMEOUT_FALLBACK)
            self.rto = RTO_FALLBACK_S
        if not self.socket.established.triggered:
            self.socket._caused_now(self.cause_legs, self.cause_stall)
            self.socket.established.succeed(True)
        if self.on_established is not None:
            self.on_established()

    def _receive_syn(self, seg: Segment) -> None:
        if seg.flags & ACK:  # SYN-ACK at the client
            if self.state == SYN_SENT:
                self.snd_wnd, self.snd_wl1 = seg.wnd, seg.seq  # unscaled (RFC 7323 §2.2)
                if seg.option is not None and self.on_cookie is not None:
                    self.on_cookie(seg.option)
                if self.syn_data_len:
                    if seg.ack >= self.syn_data_len:  # the server took the SYN's data
                        self.snd_una = seg.ack
                    else:  # RFC 7413 §4.2.1: send it again after the handshake
                        self.snd_nxt = 0
                self._established()
                if seg.length:  # data on the SYN-ACK
                    self._synack_data(seg)
                elif self.write_end > self.snd_nxt:
                    self.output()  # the first data carries the handshake ACK
                else:
                    self._send_ack()
            elif self.state == ESTABLISHED:
                if seg.length:  # another copy: its data is taken once (a duplicate: ACKed)
                    self._synack_data(seg)
                else:
                    self._send_ack()  # our handshake ACK was lost
        elif self.state == LISTEN:
            self.state = SYN_RECV
            self.snd_wnd, self.snd_wl1 = seg.wnd, seg.seq
            valid, cookie = (False, None)
            if self.fo_accept is not None:
                valid, cookie = self.fo_accept(seg.option)
            if valid or self.synack_data:
                # RFC 7413 §4.2.2: the server socket exists from the SYN; its data is in
                if valid and seg.length:
                    self._on_data(seg)
                    self.delack_pending = False  # the SYN-ACK acknowledges it
                self.fo_child = True
                self.socket._caused_now(self.cause_legs, self.cause_stall)
                self.socket.established.succeed(True)
                if self.on_established is not None:
                    self.on_established()
            if self.synack_data and self.write_end == 0:
                self.synack_pending = True  # wait for the first write to ride along
                self.handshake_sent = self.env._now
            else:
                self._send_handshake(SYN | ACK, cookie)
        elif self.state == SYN_RECV and not self.synack_pending:
            # a retransmitted SYN: answer it with the SYN-ACK again, the data it carried
            # included (the timer keeps its schedule); a held SYN-ACK answers it when it goes
            data = self.synack_data_len
            if data:
                self._synack_data_resent()
            self._transmit(Segment(0, data, self.rcv_nxt, SYN | ACK, True),
                           SYN_WIRE_BYTES + data)
            self.retransmits += 1
            self.handshake_retransmitted = True  # Karn: the RTT sample would be ambiguous

    def _synack_data(self, seg: Segment) -> None:
        """Client: the data a SYN-ACK carries (the server's first write), taken once from
        whichever copy brings it; the first data we send carries the ACK, else a pure ACK
        goes at once (the handshake's ACK, or a duplicate's)."""
        self._on_data(seg)
        if self.write_end > self.snd_nxt:
            self.output()
        elif self.last_ack_sent < self.rcv_nxt:
            self._send_ack()

    def _synack_data_resent(self) -> None:
        """Server: the SYN-ACK's data goes again; Karn's rule then takes its RTT from the
        timestamp echo (``input``)."""
        inflight = self.inflight
        if inflight and inflight[0][0] == self.synack_data_len:
            inflight[0][2] = True
