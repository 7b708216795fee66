"""A TCP connection between two endpoints on a pair of links: the three-way handshake with its
timers, and TCP Fast Open.

* Three-way handshake (RFC 793 §3.4) at ``connect``, with the 1 s SYN and SYN-ACK timers
  doubling (RFC 6298 §5.5, Linux ``tcp_syn_retries`` / ``tcp_synack_retries``; spurious on
  paths with RTT > 1 s, and the packets they send occupy the links); a duplicate SYN is
  answered with a SYN-ACK at once (Linux ``tcp_check_req``: ``inet_rtx_syn_ack``), an extra
  SYN-ACK with a pure ACK. A retransmitted SYN carries no data (RFC 7413 §4.2.1), a
  retransmitted SYN-ACK no option but the data the first one carried (RFC 793 §3.4): the
  client takes it from the first copy that arrives, a later copy's is a duplicate.
* Fast Open (RFC 7413; T/TCP, RFC 1644, has the same latency semantics): the SYN carries an
  option with a cookie or an empty one asking for one (``smtpsim.model.tcp``:
  ``COOKIE_OPTION_BYTES``, ``COOKIE_REQUEST_BYTES``), the SYN-ACK returns a cookie to a SYN
  without a valid one. A SYN with a valid cookie may carry the start of the first write made
  at ``connect()`` (TCP_FASTOPEN_CONNECT; how much: ``session``); the server delivers it at
  once and its SYN-ACK acknowledges it; the rest leaves when the SYN-ACK arrives, the first
  segment carrying the handshake ACK. With a valid cookie the server's socket exists at the
  SYN (``early``), so it can write its banner at once.
* The banner on the SYN-ACK (``synack_data``, an idealised case): the server holds its
  SYN-ACK until its first write and sends that write in it (``send_held_synack``); a SYN
  repeated meanwhile is answered by that SYN-ACK when it leaves. Its data is in flight until
  the handshake ACK acknowledges it: one packet of the server's window.
* The critical path (``causes``): the first SYN is caused by ``connect()``, a SYN or SYN-ACK
  that a timer sends again by the first one (the timer's wait a stall), an answer to a
  duplicate SYN or SYN-ACK by its arrival, a held SYN-ACK by the write it waited for;
  ``on_connect`` and ``on_accept`` are told in the event of the arrival that made the
  connection (the endpoint's ``cause``).
"""

from __future__ import annotations

from collections.abc import Callable

from smtpsim.model import TcpConfig
from smtpsim.model.tcp import SYN_WIRE_BYTES
from smtpsim.oracle.agenda import Agenda
from smtpsim.oracle.causes import ORIGIN, Cause
from smtpsim.oracle.tcp import Seg, Tcp
from smtpsim.oracle.timers import timer_floor
from smtpsim.oracle.wire import Link

__all__ = ["Connection"]


class Connection:
    """Two endpoints (``client``, ``server``) on ``up`` and ``down``. ``established`` opens it
    at once (a session kept open); ``connect`` starts the three-way handshake.

    ``on_connect(t)``: the client's ``connect()`` returned (the SYN-ACK arrived);
    ``on_accept(t)``: the server's socket exists (at the SYN when ``early``, else at the
    handshake ACK). ``syn_bytes``/``synack_bytes``: the first SYN and SYN-ACK on the wire,
    Fast Open options included. ``retransmits`` counts SYNs and SYN-ACKs sent again;
    ``syn_data_timeout`` whether a SYN that carried data timed out."""

    def __init__(self, agenda: Agenda, up: Link, down: Link, ccfg: TcpConfig,
                 scfg: TcpConfig, cnagle: bool, snagle: bool, *,
                 syn_bytes: int = SYN_WIRE_BYTES, synack_bytes: int = SYN_WIRE_BYTES,
                 early: bool = False, synack_data: bool = False) -> None:
        self.agenda = agenda
        self.ccfg, self.scfg = ccfg, scfg
        self.client = Tcp(agenda, ccfg, cnagle, up, client=True)
        self.server = Tcp(agenda, scfg, snagle, down)
        self.client.peer, self.server.peer = self.server, self.client
        rtt, sack = up.delay + down.delay, ccfg.sack and scfg.sack
        self.client.timer_floor = timer_floor(ccfg, rtt, sack)
        self.server.timer_floor = timer_floor(scfg, rtt, sack)
        self.client.on_handshake = self._client_handshake
        self.server.on_handshake = self._server_handshake
        self.up, self.down = up, down
        self.syn_bytes, self.synack_bytes = syn_bytes, synack_bytes
        self.early, self.synack_data = early, synack_data
        self.client_est = False
        self.server_state = "listen"
        self.retransmits = 0
        self.syn_data = 0
        self.syn_data_timeout = False
        self.syn_at = self.synack_at = 0.0  # when the first SYN / SYN-ACK left
        self.synack_len: int | None = None  # the data the first SYN-ACK carried (None: unsent)
        self.syn_retx = self.synack_retx = False  # whether one was sent again (Karn)
        self.syn_cause = self.synack_cause = ORIGIN  # what the first SYN / SYN-ACK left on
        self.on_connect: Callable[[float], None] = lambda t: None
        self.on_accept: Callable[[float], None] = lambda t: None

    def established(self) -> None:
        """Opened before the run and idle since: the RTT estimators seeded with one sample of
        the path's RTT (an assumption: the connection's earlier exchanges measured it)."""
        self.client.open = self.server.open = True
        self.client_est = True
        self.server_state = "established"
        rtt = self.up.delay + self.down.delay
        self.client.rtt_sample(rtt)
        self.server.rtt_sample(rtt)
        for end in (self.client, self.server):  # the windows as the handshake left them
            end.window.established(self.agenda.now, end.rcv_nxt)
        for end in (self.client, self.server):
            end.snd_wnd = end.peer.window.select(end.peer.rcv_nxt)

    def connect(self, t: float, cause: Cause, data: int = 0) -> None:
        """The first SYN, carrying the first ``data`` bytes of the client's stream, sent by
        a ``connect()`` caused by ``cause`` (``ORIGIN``: the user's "send")."""
        self.syn_data = data
        self.client.cause = self.syn_cause = cause.until(t)
        self.client.emit_syn(t, self.syn_bytes, data)
        self.syn_at = t
        rto = self.ccfg.rto_initial_s
        self.agenda.at(t + rto, self._syn_timer, rto, 0)

    def send_held_synack(self, t: float) -> None:
        """The server's first write is made: the held SYN-ACK carries up to one MSS of it
        (what later writes add follows in data segments)."""
        s = self.server
        self._first_synack(t, min(s.mss, s.written))
        s.open = True
        s.try_send(t)

    # ---- timers (RFC 6298 §5.5 as Linux: 1 s, doubling)
    def _syn_timer(self, rto: float, n: int) -> None:
        if self.client_est or n >= self.ccfg.syn_retries:
            return
        self.retransmits += 1
        self.syn_retx = True
        self.syn_data_timeout |= self.syn_data > 0  # RFC 7413 §4.2.1: resent without data
        cause = self.syn_cause.until(self.agenda.now).sent(by_client=True)
        self.up.send(self.agenda.now, self.syn_bytes, self.server.receive,
                     Seg(0, 0, 0, syn=True, cause=cause, tsval=self.agenda.now,
                         tsecr=self.client.ts_recent, wnd=self.client.window.initial))
        self.agenda.at(self.agenda.now + 2 * rto, self._syn_timer, 2 * rto, n + 1)

    def _synack_timer(self, rto: float, n: int) -> None:
        if self.server_state != "syn_rcvd" or n >= self.scfg.synack_retries:
            return
        self.retransmits += 1
        self.synack_retx = True
        self._send_synack(self.agenda.now, self.synack_cause.until(self.agenda.now))
        self.agenda.at(self.agenda.now + 2 * rto, self._synack_timer, 2 * rto, n + 1)

    def _send_synack(self, t: float, cause: Cause) -> None:
        """A SYN-ACK sent again (caused by ``cause``): no option, the data the first one
        carried."""
        data = self.synack_len or 0
        self.down.send(t, SYN_WIRE_BYTES + data, self.client.receive,
                       Seg(0, data, self.server.rcv_nxt, syn=True, cause=cause, tsval=t,
                           tsecr=self.server.ts_recent, wnd=self.server.window.initial))

    def _first_synack(self, t: float, data: int) -> None:
        self.synack_cause = self.server.cause
        self.server.emit_syn(t, self.synack_bytes, data, in_flight=True)
        self.synack_len = data
        self.synack_at = t
        rto = self.scfg.rto_initial_s
        self.agenda.at(t + rto, self._synack_timer, rto, 0)

    # ---- the segments the handshake consumes
    def _client_handshake(self, t: float, seg: Seg) -> bool:
        if not seg.syn:
            return False
        c = self.client
        if self.client_est:
            # a repeated SYN-ACK is answered with a pure ACK: its data, the same in every
            # copy, came with the first one (a duplicate)
            c.pure_ack(t)
            return True
        self.client_est = True
        c.handshake_done(t, self.syn_at, self.syn_retx)
        c.snd_wnd, c.snd_wl1 = seg.wnd, seg.seq  # a SYN's window is unscaled (RFC 7323 §2.2)
        c.window.established(t, c.rcv_nxt)
        c.open = True
        c.snd_una = max(c.snd_una, seg.ack)  # the SYN's data, acknowledged (RFC 7413 §4.2.2)
        c.take(seg.end)  # the SYN-ACK's data
        if not c.try_send(t):  # data queued at connect() carries the handshake ACK
            c.pure_ack(t)
        self.on_connect(t)
        c.deliver(t)
        return True

    def _server_handshake(self, t: float, seg: Seg) -> bool:
        if seg.syn:
            if self.server_state == "listen":
                self.server_state = "syn_rcvd"
                s = self.server
                s.snd_wnd, s.snd_wl1 = seg.wnd, seg.seq
                s.take(seg.end)  # data in a SYN with a valid cookie (RFC 7413 §4.2.2)
                s.acked_to = s.rcv_nxt
                if self.early:  # the socket exists at the SYN
                    self.on_accept(t)
                if not self.synack_data:  # (else: with the first write, send_held_synack)
                    s.open = True
                    self._first_synack(t, 0)
                s.deliver(t)
            elif self.server_state == "syn_rcvd" and self.synack_len is not None:
                # a duplicate SYN: the SYN-ACK again at once (a held one answers it later)
                self.retransmits += 1
                self.synack_retx = True  # Karn: the sample would be ambiguous
                self._send_synack(t, self.server.cause)
            return True
        if self.server_state == "syn_rcvd":  # the handshake ACK (or any later segment)
            self.server_state = "established"
            self.server.handshake_done(t, self.synack_at, self.synack_retx)
            self.server.window.established(t, self.server.rcv_nxt)
            if not self.early:
                self.on_accept(t)
        return False
