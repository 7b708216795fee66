"""TCP between a client and a server over a ``Path``.

What is modelled, and the source of each behaviour:

* Three-way handshake (RFC 793 §3.4). SYN and SYN-ACK are retransmitted on a timer starting
  at ``rto_initial_s`` (1 s, RFC 6298 §2.1) and doubling (§5.5), ``syn_retries`` /
  ``synack_retries`` times (Linux ``tcp_syn_retries`` 6, ``tcp_synack_retries`` 5); then the
  connection fails. The client's first data may ride on its handshake ACK.
* Segmentation into at most ``mss`` payload bytes; every segment costs ``header_bytes`` more
  on the wire; SYN and SYN-ACK are 60 B (20 B IPv4 + 20 B TCP + 20 B of options: MSS, SACK
  permitted, timestamps, window scale, as Linux sends them).
* Congestion window counted in packets, as Linux does: initial window ``iw`` (RFC 6928 /
  RFC 3390), slow start adding one packet per packet acknowledged (RFC 5681 §3.1 with
  RFC 3465 byte counting) and congestion avoidance adding one packet per window. As in Linux
  (``tcp_is_cwnd_limited``, RFC 7661), the window grows only while the sender uses it: in
  slow start while ``cwnd < 2 * max_packets_out``.
* Delayed ACK (RFC 1122 §4.2.3.2, RFC 5681 §4.2): an ACK is sent at once when more than one
  MSS of data is unacknowledged (Linux ``__tcp_ack_snd_check``), for out-of-order data and for
  data that fills a hole; otherwise after ``delack_s``, unless data going the other way
  carries it first. Linux's quick-ACK mode at connection start is not modelled: an SMTP
  session is interactive, which is exactly when Linux leaves it (``pingpong``).
* Nagle (RFC 896, RFC 1122 §4.2.3.4) as Linux implements it (Minshall's variant,
  ``tcp_nagle_check``): a segment shorter than the MSS is held while an earlier short
  segment is unacknowledged.
* RTO estimation (RFC 6298 §2) from every ACK of new data: the oldest segment it covers
  (Linux ``seq_rtt``), or, if it covers a retransmitted one (Karn's rule), its timestamp
  echo (RFC 7323 §4.1, Linux ``tcp_ack_update_rtt``); and from the handshake (none after a
  retransmitted SYN or SYN-ACK, which carry no echo here: the RTO is then 3 s, RFC 6298
  §5.7),
  with Linux's floor on the variance term: ``RTO = SRTT + max(4*RTTVAR, rto_min)``, which is
  never less than ``rto_min`` (200 ms). On expiry: back off (×2, at most ``rto_max``),
  ``ssthresh = max(flight/2, 2)``, ``cwnd = 1`` and resend from the first unacknowledged byte
  (go-back-N, as a stack without SACK does); after ``data_retries`` expiries the connection
  fails. Fast retransmit on ``dupack_threshold`` duplicate ACKs with NewReno recovery
  (RFC 5681 §3.2, RFC 6582).
* Spurious timeouts (a slow link where a queued flight outlasts an RTO learnt from small
  packets: GPRS is the classic case) are detected with timestamps (RFC 7323, which the 52 B
  header already carries): every segment carries its send time (TSval) and echoes
  ``TS.Recent`` (TSecr), updated from segments that start at or before the last ACK sent
  (RFC 7323 §4.3, so a delayed ACK echoes the earliest segment it covers). If the first ACK
  after a timeout echoes a TSval older than the retransmission, the original was only
  delayed (Eifel detection, RFC 3522 §3.2) and the sender restores cwnd, ssthresh and its
  send position (Eifel response, RFC 4015; Linux ``tcp_try_undo_loss``).
* FIN close (RFC 793): a FIN follows the last data byte and takes one sequence number.
* Slow start after idle (RFC 5681 §4.1; Linux ``tcp_slow_start_after_idle=1``,
  ``tcp_cwnd_restart``): a sender that has sent nothing for longer than its RTO halves cwnd
  once per RTO elapsed, down to the restart window ``min(IW, cwnd)``.
* TCP Fast Open (RFC 7413) and its relatives. A client SYN may carry a cookie option
  (``fo_cookie``: a cached cookie, or ``COOKIE_REQUEST``, 4 B; a cookie is 12 B with its
  option header) and, with ``fo_data``, the data written in the instant of ``connect()``
  (``TCP_FASTOPEN_CONNECT``/``MSG_FASTOPEN``: the SYN leaves at the end of that instant,
  and the client's socket counts as connected at once). The server's ``fo_accept(option)``
  says whether the cookie is valid and which cookie to return: a valid one creates the
  server socket at the SYN (Linux ``tcp_try_fastopen`` does so even for a SYN without data),
  so the server may write before the handshake completes, and the SYN's data is delivered
  and acknowledged by the SYN-ACK (§4.2.2). Data the server did not accept is sent again
  after the handshake (§4.2.1); a retransmitted SYN carries no data. With
  ``synack_data`` the server holds its SYN-ACK for its first write and sends that data in
  it (the idealised "banner on the SYN-ACK"; §4.2.2 allows SYN-ACK data).

Applications write and read whole *records* (``Record``): the reader receives a record when
all its bytes have arrived in order. Record boundaries travel out of band (the sender appends
``(end offset, record)`` to the reader's queue), which is all TCP itself needs to know.
Sequence numbers are data-byte offsets from 0; the SYN takes none.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Generator, Sequence
from typing import Any

import simpy

from smtpsim.model import TcpConfig
from smtpsim.model.trace import RecordEvent
from smtpsim.simulator.wire import Link, Path

__all__ = [
    "Record", "Segment", "Socket", "TcpEndpoint", "TcpConnection", "CLOSED", "FAILED", "TIMEOUT",
]

SYN = 1
ACK = 2
FIN = 4
SYN_WIRE_BYTES = 60
RTO_FALLBACK_S = 3.0
"""RFC 6298 §5.7: the RTO once established when the handshake gave no RTT sample (its SYN or
SYN-ACK was retransmitted); Linux ``TCP_TIMEOUT_FALLBACK``."""
#: RFC 7413 §4.1.1: the Fast Open option is kind 34, length 2 + cookie (8 B here), padded
#: to 4-byte words: 12 B with a cookie, 4 B for an empty one (a cookie request).
COOKIE_OPTION_BYTES = 12
COOKIE_REQUEST_BYTES = 4

# endpoint states
LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED, DEAD = range(5)


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


class _CookieRequest:
    __slots__ = ()

    def __repr__(self) -> str:
        return "COOKIE_REQUEST"


#: The empty Fast Open option: "send me a cookie" (RFC 7413 §4.1.2).
COOKIE_REQUEST = _CookieRequest()

#: What ``Socket.recv()`` yields after the peer's FIN, and after the connection failed;
#: ``Socket.recv_within`` returns TIMEOUT when nothing came in time.
CLOSED = _Sentinel("CLOSED")
FAILED = _Sentinel("FAILED")
TIMEOUT = _Sentinel("TIMEOUT")


class Record:
    """An application record: ``nbytes`` on the stream, a ``label`` for the trace, and the
    application ``items`` it completes (a TLS record may carry several SMTP lines, or a chunk
    of a body that completes nothing)."""

    __slots__ = ("nbytes", "label", "items")

    def __init__(self, nbytes: int, label: str, items: tuple[Any, ...] = ()) -> None:
        self.nbytes = nbytes
        self.label = label
        self.items = items

    def __repr__(self) -> str:
        return f"Record({self.nbytes}, {self.label!r})"


class Segment:
    """A TCP segment: ``seq`` and ``length`` in data-byte offsets, ``ack``, ``flags``, and the
    timestamp option: ``tsval`` (send time) and ``tsecr`` (the echoed TS.Recent)."""

    __slots__ = (
        "seq", "length", "ack", "flags", "retransmit", "label", "tsval", "tsecr", "option",
    )

    def __init__(
        self,
        seq: int,
        length: int,
        ack: int,
        flags: int,
        retransmit: bool = False,
        tsval: float = 0.0,
        tsecr: float = 0.0,
    ) -> None:
        self.seq = seq
        self.length = length
        self.ack = ack
        self.flags = flags
        self.retransmit = retransmit
        self.label = ""
        self.tsval = tsval
        self.tsecr = tsecr
        #: The Fast Open option of a SYN or SYN-ACK (a cookie, COOKIE_REQUEST or None).
        self.option: Any = None


class Socket:
    """The application's end: ``recv()`` returns an event whose value is the next item
    (an application item, ``CLOSED`` or ``FAILED``); ``write()`` sends records."""

    __slots__ = ("env", "endpoint", "_items", "_waiter", "established", "closed", "arrived_s")

    def __init__(self, env: simpy.Environment, endpoint: TcpEndpoint) -> None:
        self.env = env
        self.endpoint = endpoint
        self._items: deque[tuple[float, Any]] = deque()
        self._waiter: simpy.Event | None = None
        #: When the item the last ``recv()`` returned had arrived (it may be read later).
        self.arrived_s = 0.0
        #: Triggered when the handshake completes (value True) or fails (value False).
        self.established = env.event()
        #: Triggered when the connection is fully closed or failed.
        self.closed = env.event()

    def recv(self) -> simpy.Event:
        ev = self.env.event()
        if self._items:
            self.arrived_s, item = self._items.popleft()
            ev.succeed(item)
        else:
            self._waiter = ev
        return ev

    def recv_within(
        self, timeout: float, sending: bool = False
    ) -> Generator[simpy.Event, Any, Any]:
        """Process step: the next item, or ``TIMEOUT`` once nothing has happened for
        ``timeout`` s. Like a read timeout applied to each ``read()`` call (Postfix's
        ``smtpd_timeout``), new data arriving restarts it, so a long body that keeps
        arriving never times out. ``sending``: our own data being acknowledged restarts it
        too (RFC 5321 §4.5.3.2: the client's data-block timer runs while its body is on its
        way, the wait for the reply starts when it has arrived)."""
        ev = self.recv()
        if ev.triggered:
            return ev.value
        env = self.env
        deadline = env.now + timeout
        while True:
            yield ev | env.timeout(deadline - env.now)
            if ev.triggered:
                return ev.value
            ep = self.endpoint
            last = max(ep.last_data_s, ep.last_acked_s) if sending else ep.last_data_s
            idle_until = last + timeout
            if idle_until <= env.now + 1e-12:
                if self._waiter is ev:
                    self._waiter = None
                return TIMEOUT
            deadline = idle_until

    def pending(self) -> bool:
        """True if items have arrived that the application has not read yet."""
        return bool(self._items)

    def _deliver(self, item: Any) -> None:
        waiter = self._waiter
        now = self.env.now
        if waiter is not None:
            self._waiter = None
            self.arrived_s = now
            waiter.succeed(item)
        else:
            self._items.append((now, item))

    def write(self, records: Sequence[Record]) -> None:
        """One ``write()`` system call carrying ``records``."""
        self.endpoint.write(records)

    def close(self) -> None:
        self.endpoint.close()


class TcpEndpoint:
    """One side of a TCP connection."""

    __slots__ = (
        "env", "cfg", "side", "conn", "link", "peer", "trace_labels", "socket", "state",
        "nagle",
        # sender
        "snd_una", "snd_nxt", "snd_max", "write_end", "fin_queued", "fin_seq", "cwnd",
        "ssthresh", "ca_count", "inflight", "sml_end", "srtt", "rttvar", "rto", "rto_deadline",
        "rto_timer_at", "rto_timer_gen", "expiries", "dupacks", "recover", "max_packets_out",
        "cwnd_usage_seq",
        "is_cwnd_limited", "retransmits", "handshake_sent", "handshake_tries",
        "handshake_retransmitted", "timer_gen",
        # receiver
        "rcv_nxt", "ooo", "last_ack_sent", "delack_gen", "delack_pending", "incoming",
        "peer_fin", "on_established", "record_log", "last_data_s", "last_acked_s",
        "ts_recent", "undo", "undo_ts", "spurious_rtos",
        # Fast Open
        "fo_cookie", "fo_data", "fo_blackhole", "fo_accept", "fo_child", "on_cookie",
        "on_syn_data_lost", "synack_data", "synack_pending", "syn_data_len", "last_send_s",
    )

    def __init__(
        self,
        env: simpy.Environment,
        cfg: TcpConfig,
        side: str,
        link: Link,
        nagle: bool,
        trace_labels: bool = False,
    ) -> None:
        self.env = env
        self.cfg = cfg
        self.side = side
        #: the connection's name in a trace (``"smtp"`` or ``"imap"``)
        self.conn = "smtp"
        self.link = link
        self.peer: TcpEndpoint = self
        self.nagle = nagle
        self.trace_labels: list[tuple[int, str]] | None = [] if trace_labels else None
        self.socket = Socket(env, self)
        self.state = LISTEN
        self.snd_una = self.snd_nxt = self.snd_max = self.write_end = 0
        self.fin_queued = False
        self.fin_seq = -1
        self.cwnd = cfg.iw
        self.ssthresh = 1 << 30
        self.ca_count = 0
        self.inflight: deque[list[Any]] = deque()  # [end, sent_s, retransmitted]
        self.sml_end = -1
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.rto = cfg.rto_initial_s
        self.rto_deadline: float | None = None
        self.rto_timer_at: float | None = None
        self.rto_timer_gen = 0
        self.expiries = 0
        self.dupacks = 0
        self.recover: int | None = None
        self.max_packets_out = 0
        self.cwnd_usage_seq = 0
        self.is_cwnd_limited = False
        self.retransmits = 0
        self.handshake_sent = 0.0
        self.handshake_tries = 0
        self.handshake_retransmitted = False
        self.timer_gen = 0
        self.rcv_nxt = 0
        self.ooo: list[tuple[int, int]] = []
        self.last_ack_sent = 0
        self.delack_gen = 0
        self.delack_pending = False
        self.incoming: deque[tuple[int, Record]] = deque()
        self.peer_fin = False
        self.on_established: Callable[[], None] | None = None
        #: The trace's record list when tracing, else None.
        self.record_log: list[RecordEvent] | None = None
        #: When new in-order data last arrived, and when new data of ours was last
        #: acknowledged (these restart application read timeouts).
        self.last_data_s = 0.0
        self.last_acked_s = 0.0
        self.ts_recent = 0.0
        #: What a timeout changed, kept until the first ACK after it shows whether the timeout
        #: was spurious: (cwnd, ssthresh, snd_nxt, in-flight list); and when it retransmitted.
        self.undo: tuple[int, int, int, list[list[Any]]] | None = None
        self.undo_ts = 0.0
        self.spurious_rtos = 0
        #: Client: the Fast Open option to send (None: no TFO), whether the SYN may carry
        #: data, and a middlebox that may drop a SYN with data (called per such SYN).
        self.fo_cookie: Any = None
        self.fo_data = False
        self.fo_blackhole: Callable[[], bool] | None = None
        #: Client callbacks: a cookie arrived in a SYN-ACK; a SYN with data timed out.
        self.on_cookie: Callable[[Any], None] | None = None
        self.on_syn_data_lost: Callable[[], None] | None = None
        #: Server: ``fo_accept(option) -> (valid, cookie to send or None)``.
        self.fo_accept: Callable[[Any], tuple[bool, Any]] | None = None
        #: Server: created by a Fast Open SYN, so it may send before the handshake ACK.
        self.fo_child = False
        self.synack_data = False
        self.synack_pending = False
        self.syn_data_len = 0
        #: When data was last sent (Linux ``lsndtime``), for slow start after idle.
        self.last_send_s = 0.0

    # ------------------------------------------------------------------ application side
    def write(self, records: Sequence[Record]) -> None:
        peer_incoming = self.peer.incoming
        labels = self.trace_labels
        end = self.write_end
        for record in records:
            if labels is not None:
                labels.append((end, record.label))
            end += record.nbytes
            peer_incoming.append((end, record))
        self.write_end = end
        log = self.record_log
        if log is not None:
            now = self.env.now
            log.extend(
                RecordEvent(now, self.side, "write", r.nbytes, r.label, self.conn)
                for r in records
            )
        self.output()

    def close(self) -> None:
        if self.fin_queued or self.state == DEAD:
            return
        self.fin_queued = True
        self.fin_seq = self.write_end
        self.output()
        self._check_closed()

    # ------------------------------------------------------------------ handshake
    def connect(self) -> None:
        """Client: send the SYN and start the SYN timer. With ``fo_data`` and a cookie, the
        socket counts as connected at once and the SYN leaves at the end of this instant
        with what was written meanwhile (TCP_FASTOPEN_CONNECT)."""
        self.state = SYN_SENT
        if self.fo_data and self.fo_cookie is not None and self.fo_cookie is not COOKIE_REQUEST:
            self.socket.established.succeed(True)
            self.env.timeout(0).callbacks.append(lambda _ev: self._send_handshake(SYN))
        else:
            self._send_handshake(SYN)

    def _send_handshake(self, flags: int, option: Any = None, data: int = 0) -> None:
        self.handshake_tries += 1
        first = self.handshake_tries == 1
        if not first:
            self.handshake_retransmitted = True
            self.retransmits += 1
        self.handshake_sent = self.env.now
        wire = SYN_WIRE_BYTES
        if flags == SYN and self.fo_cookie is not None:
            option = self.fo_cookie
            if first and self.fo_data and option is not COOKIE_REQUEST:
                data = min(self.cfg.mss, self.write_end)
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
                    seg.label = _labels_in(labels, 0, data)
                lost = self.fo_blackhole is not None and self.fo_blackhole()
        elif data:  # a SYN-ACK carrying the server's first write
            self.snd_nxt = self.snd_max = data
            self.inflight.append([data, self.env.now, False])
            self.last_ack_sent = self.rcv_nxt
        if not lost:
            self._transmit(seg, wire + data)
        else:  # a middlebox drops SYNs that carry data: the packet still left the host
            seg.tsval, seg.tsecr = self.env.now, self.ts_recent
            self.link.send(seg, wire + data, self.peer.receive, lose=True)
        self.timer_gen += 1
        gen = self.timer_gen
        timeout = min(self.cfg.rto_initial_s * 2 ** (self.handshake_tries - 1), self.cfg.rto_max_s)
        self.env.timeout(timeout).callbacks.append(
            lambda _ev, gen=gen, flags=flags: self._handshake_timer(gen, flags)
        )

    def _handshake_timer(self, gen: int, flags: int) -> None:
        if gen != self.timer_gen or self.state not in (SYN_SENT, SYN_RECV):
            return
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
        self.timer_gen += 1
        if not self.handshake_retransmitted:
            self._rtt_sample(self.env.now - self.handshake_sent)
        else:
            # RFC 6298 §5.7: no sample after a retransmitted SYN or SYN-ACK; the RTO is 3 s
            # once established (Linux tcp_init_metrics, TCP_TIMEOUT_FALLBACK)
            self.rto = RTO_FALLBACK_S
        if not self.socket.established.triggered:
            self.socket.established.succeed(True)
        if self.on_established is not None:
            self.on_established()

    def fail(self) -> None:
        """Give up: the application reads ``FAILED``; nothing more is sent."""
        if self.state == DEAD:
            return
        self.state = DEAD
        self.timer_gen += 1
        self.rto_deadline = None
        self.delack_pending = False
        if not self.socket.established.triggered:
            self.socket.established.succeed(False)
        self.socket._deliver(FAILED)
        if not self.socket.closed.triggered:
            self.socket.closed.succeed(False)

    # ------------------------------------------------------------------ sending
    def _transmit(self, seg: Segment, wire_bytes: int) -> None:
        seg.tsval = self.env.now
        seg.tsecr = self.ts_recent
        labels = self.trace_labels
        if labels is not None and seg.length:
            seg.label = _labels_in(labels, seg.seq, seg.seq + seg.length)
        self.link.send(seg, wire_bytes, self.peer.receive)

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
        cfg = self.cfg
        mss = cfg.mss
        inflight = self.inflight
        if not inflight and self.write_end > self.snd_nxt:
            idle = self.env.now - self.last_send_s
            if idle > self.rto and self.last_send_s > 0.0:
                self._restart_window(idle)
        limited = False
        sent = False
        while True:
            seq = self.snd_nxt
            avail = self.write_end - seq
            if avail <= 0:
                if self.fin_queued and seq == self.fin_seq and len(inflight) < self.cwnd:
                    self._send_segment(seq, 0, FIN | ACK, seq < self.snd_max)
                    self.snd_nxt = seq + 1
                    sent = True
                break
            if len(inflight) >= self.cwnd:
                limited = True
                break
            size = mss if avail > mss else avail
            retransmit = seq < self.snd_max
            if (
                size < mss
                and not retransmit
                and self.nagle
                and inflight
                and self.sml_end > self.snd_una
                and not (self.fin_queued and seq + size == self.fin_seq)
            ):
                break
            if seq + size - self.snd_una > cfg.rwnd_bytes:
                break
            self._send_segment(seq, size, ACK, retransmit)
            self.snd_nxt = seq + size
            sent = True
        if sent or limited:
            out = len(inflight)
            if self.snd_una >= self.cwnd_usage_seq or limited or out > self.max_packets_out:
                self.max_packets_out = out
                self.cwnd_usage_seq = self.snd_nxt
                self.is_cwnd_limited = limited

    def _restart_window(self, idle: float) -> None:
        """Linux ``tcp_cwnd_restart``: halve cwnd per RTO of idleness, not below
        ``min(IW, cwnd)``."""
        restart = min(self.cfg.iw, self.cwnd)
        cwnd = self.cwnd
        idle -= self.rto
        while idle > 0 and cwnd > restart:
            cwnd >>= 1
            idle -= self.rto
        self.cwnd = max(cwnd, restart)

    def _send_segment(self, seq: int, size: int, flags: int, retransmit: bool = False) -> None:
        now = self.env.now
        self.last_send_s = now
        seg = Segment(seq, size, self.rcv_nxt, flags, retransmit)
        end = seq + size + (1 if flags & FIN else 0)
        self.inflight.append([end, now, retransmit])
        if end > self.snd_max:
            self.snd_max = end
        if retransmit:
            self.retransmits += 1
        if 0 < size < self.cfg.mss:
            self.sml_end = end
        self.last_ack_sent = self.rcv_nxt
        self.delack_pending = False
        if self.rto_deadline is None:
            self._arm_rto()
        self._transmit(seg, size + self.cfg.header_bytes)

    def _send_ack(self) -> None:
        self.last_ack_sent = self.rcv_nxt
        self.delack_pending = False
        self._transmit(Segment(self.snd_nxt, 0, self.rcv_nxt, ACK), self.cfg.header_bytes)

    # ------------------------------------------------------------------ timers
    def _arm_rto(self) -> None:
        """(Re)start the retransmission timer (RFC 6298 §5.1, §5.3).

        One SimPy timeout stays scheduled; moving the deadline later costs nothing until it
        fires, and only a deadline moved earlier schedules a new one.
        """
        deadline = self.env.now + self.rto
        self.rto_deadline = deadline
        at = self.rto_timer_at
        if at is None or deadline < at - 1e-12:
            self._schedule_rto(deadline)

    def _schedule_rto(self, deadline: float) -> None:
        self.rto_timer_gen += 1
        self.rto_timer_at = deadline
        gen = self.rto_timer_gen
        self.env.timeout(deadline - self.env.now).callbacks.append(
            lambda _ev, gen=gen: self._rto_check(gen)
        )

    def _rto_check(self, gen: int) -> None:
        if gen != self.rto_timer_gen:
            return
        self.rto_timer_at = None
        deadline = self.rto_deadline
        if deadline is None or self.state == DEAD:
            return
        if deadline - self.env.now > 1e-12:
            self._schedule_rto(deadline)
            return
        self._on_rto()

    def _on_rto(self) -> None:
        self.expiries += 1
        if self.expiries > self.cfg.data_retries:
            self.fail()
            return
        if self.undo is None:
            self.undo = (self.cwnd, self.ssthresh, self.snd_nxt, list(self.inflight))
        self.undo_ts = self.env.now
        flight = len(self.inflight)
        self.ssthresh = max(flight // 2, 2)
        self.cwnd = 1
        self.ca_count = 0
        self.rto = min(self.rto * 2.0, self.cfg.rto_max_s)
        self.inflight.clear()
        self.snd_nxt = self.snd_una
        self.dupacks = 0
        self.recover = None
        self.rto_deadline = None
        self.output()
        if self.rto_deadline is None and self.snd_una < self.snd_max:
            self._arm_rto()

    def _delack_fire(self, gen: int) -> None:
        if gen == self.delack_gen and self.delack_pending and self.state != DEAD:
            self._send_ack()

    def _rtt_sample(self, r: float) -> None:
        """RFC 6298 §2.2-2.3, with Linux's floor on the variance term."""
        if self.srtt is None:
            self.srtt = r
            self.rttvar = r / 2.0
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - r)
            self.srtt = 0.875 * self.srtt + 0.125 * r
        cfg = self.cfg
        var = 4.0 * self.rttvar
        self.rto = min(self.srtt + (var if var > cfg.rto_min_s else cfg.rto_min_s), cfg.rto_max_s)

    # ------------------------------------------------------------------ receiving
    def receive(self, ev: simpy.Event) -> None:
        """Link delivery callback."""
        seg: Segment = ev.value
        state = self.state
        if state == DEAD:
            return
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
        if flags & ACK:
            self._on_ack(seg)
        if seg.length or flags & FIN:
            self._on_data(seg)
        else:
            self.output()

    def _receive_syn(self, seg: Segment) -> None:
        if seg.flags & ACK:  # SYN-ACK at the client
            if self.state == SYN_SENT:
                if seg.option is not None and self.on_cookie is not None:
                    self.on_cookie(seg.option)
                if self.syn_data_len:
                    if seg.ack >= self.syn_data_len:  # the server took the SYN's data
                        self.snd_una = seg.ack
                    else:  # RFC 7413 §4.2.1: send it again after the handshake
                        self.snd_nxt = 0
                self._established()
                if seg.length:  # data on the SYN-ACK
                    self._on_data(seg)
                    if self.write_end > self.snd_nxt:
                        self.output()
                    elif self.last_ack_sent < self.rcv_nxt:
                        self._send_ack()
                elif self.write_end > self.snd_nxt:
                    self.output()  # the first data carries the handshake ACK
                else:
                    self._send_ack()
            elif self.state == ESTABLISHED:
                self._send_ack()  # our handshake ACK was lost
        elif self.state == LISTEN:
            self.state = SYN_RECV
            valid, cookie = (False, None)
            if self.fo_accept is not None:
                valid, cookie = self.fo_accept(seg.option)
            if valid or self.synack_data:
                # RFC 7413 §4.2.2: the server socket exists from the SYN; its data is in
                if valid and seg.length:
                    self._on_data(seg)
                    self.delack_pending = False  # the SYN-ACK acknowledges it
                self.fo_child = True
                self.socket.established.succeed(True)
                if self.on_established is not None:
                    self.on_established()
            if self.synack_data and self.write_end == 0:
                self.synack_pending = True  # wait for the first write to ride along
                self.handshake_sent = self.env.now
            else:
                self._send_handshake(SYN | ACK, cookie)
        elif self.state == SYN_RECV:
            # a retransmitted SYN: answer it with a SYN-ACK (the timer keeps its schedule)
            self._transmit(Segment(0, 0, 0, SYN | ACK, True), SYN_WIRE_BYTES)
            self.retransmits += 1
            self.handshake_retransmitted = True  # Karn: the RTT sample would be ambiguous

    def _on_ack(self, seg: Segment) -> None:
        ack = seg.ack
        if ack > self.snd_una:
            if self.undo is not None:
                self._check_spurious_rto(seg)
            inflight = self.inflight
            now = self.env.now
            acked = 0
            # Linux tcp_clean_rtx_queue: the RTT of the oldest segment acknowledged (seq_rtt);
            # if a retransmitted one is among them, Karn's rule (RFC 6298 §3) forbids it and
            # Linux's tcp_ack_update_rtt takes the timestamp echo instead (RFC 7323 §4.1)
            sample = -1.0
            karn = False
            while inflight and inflight[0][0] <= ack:
                end, sent, retransmitted = inflight.popleft()
                acked += 1
                if retransmitted:
                    karn = True
                elif sample < 0.0:
                    sample = now - sent
            if karn:
                sample = now - seg.tsecr if seg.tsecr > 0.0 else -1.0
            self.snd_una = ack
            self.last_acked_s = now  # our data is getting through
            if self.snd_nxt < ack:
                self.snd_nxt = ack
            if sample >= 0.0:
                self._rtt_sample(sample)
            self.expiries = 0
            self.dupacks = 0
            recover = self.recover
            if recover is not None:
                if ack >= recover:
                    self.recover = None
                    self.cwnd = self.ssthresh
                else:  # NewReno partial ACK: resend the next hole at once
                    self._retransmit_head()
            elif acked:
                self._grow(acked)
            if self.snd_una < self.snd_max:
                self._arm_rto()
            else:
                self.rto_deadline = None
        elif (
            ack == self.snd_una
            and seg.length == 0
            and not seg.flags & FIN
            and self.snd_una < self.snd_max
        ):
            self.dupacks += 1
            if self.recover is None and self.dupacks == self.cfg.dupack_threshold:
                self.ssthresh = max(len(self.inflight) // 2, 2)
                self.cwnd = self.ssthresh + self.cfg.dupack_threshold
                self.recover = self.snd_max
                self._retransmit_head()
            elif self.recover is not None:
                self.cwnd += 1

    def _check_spurious_rto(self, seg: Segment) -> None:
        """Eifel detection (RFC 3522 §3.2) on the first ACK after a timeout, and the undo of
        RFC 4015 when it shows the timeout was spurious."""
        undo = self.undo
        self.undo = None
        if undo is None or seg.tsecr >= self.undo_ts:
            return  # the ACK answers the retransmission: the segment really was lost
        cwnd, ssthresh, snd_nxt, inflight = undo
        self.spurious_rtos += 1
        self.cwnd = cwnd
        self.ssthresh = ssthresh
        self.inflight = deque(inflight)
        if snd_nxt > self.snd_nxt:
            self.snd_nxt = snd_nxt

    def _retransmit_head(self) -> None:
        seq = self.snd_una
        if self.fin_queued and seq == self.fin_seq:
            size, flags = 0, FIN | ACK
        else:
            size, flags = min(self.cfg.mss, self.snd_max - seq, self.write_end - seq), ACK
        if self.inflight:
            self.inflight[0][2] = True
        self.retransmits += 1
        seg = Segment(seq, size, self.rcv_nxt, flags, True)
        self.last_ack_sent = self.rcv_nxt
        self.delack_pending = False
        self._arm_rto()
        self._transmit(seg, size + self.cfg.header_bytes)

    def _grow(self, acked: int) -> None:
        """Slow start / congestion avoidance (RFC 5681 §3.1), only while cwnd-limited."""
        cwnd = self.cwnd
        if cwnd < self.ssthresh:
            if not (self.is_cwnd_limited or cwnd < 2 * self.max_packets_out):
                return
            grown = cwnd + acked
            if grown > self.ssthresh:
                acked = grown - self.ssthresh
                grown = self.ssthresh
            else:
                acked = 0
            self.cwnd = grown
            if not acked:
                return
        if not self.is_cwnd_limited:
            return
        self.ca_count += acked
        if self.ca_count >= self.cwnd:
            self.ca_count -= self.cwnd
            self.cwnd += 1

    def _on_data(self, seg: Segment) -> None:
        start = seg.seq
        if start <= self.last_ack_sent:
            self.ts_recent = seg.tsval  # RFC 7323 §4.3
        end = start + seg.length
        rcv_nxt = self.rcv_nxt
        fin = bool(seg.flags & FIN)
        if end <= rcv_nxt and not (fin and end == rcv_nxt and not self.peer_fin):
            self.output()
            self._send_ack()  # duplicate: ACK at once (RFC 5681 §4.2)
            return
        if start > rcv_nxt:
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
        self.last_data_s = self.env.now  # new in-order data: what completes a read()
        incoming = self.incoming
        deliver = self.socket._deliver
        log = self.record_log
        while incoming and incoming[0][0] <= rcv_nxt:
            record = incoming.popleft()[1]
            if log is not None:
                log.append(
                    RecordEvent(
                        self.env.now, self.side, "read", record.nbytes, record.label, self.conn
                    )
                )
            for item in record.items:
                deliver(item)
        self.output()  # data released by this segment's ACK carries the new ACK
        fin_seen = self.peer.fin_queued and rcv_nxt > self.peer.fin_seq
        if fin_seen and not self.peer_fin:
            self.peer_fin = True
            deliver(CLOSED)
            if self.last_ack_sent < rcv_nxt:
                self._send_ack()
            self._check_closed()
            return
        if self.last_ack_sent >= rcv_nxt:
            return  # the data just sent carried the ACK
        if filled or rcv_nxt - self.last_ack_sent > self.cfg.mss:
            self._send_ack()
        elif not self.delack_pending and rcv_nxt > self.last_ack_sent:
            self.delack_pending = True
            self.delack_gen += 1
            gen = self.delack_gen
            self.env.timeout(self.cfg.delack_s).callbacks.append(
                lambda _ev, gen=gen: self._delack_fire(gen)
            )

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


def _labels_in(labels: list[tuple[int, str]], start: int, end: int) -> str:
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


class TcpConnection:
    """A client and a server endpoint joined by a ``Path``."""

    __slots__ = ("client", "server")

    def __init__(
        self,
        env: simpy.Environment,
        path: Path,
        client_cfg: TcpConfig,
        server_cfg: TcpConfig,
        client_nagle: bool = True,
        server_nagle: bool = False,
        trace: bool = False,
        name: str = "smtp",
    ) -> None:
        self.client = TcpEndpoint(env, client_cfg, "client", path.up, client_nagle, trace)
        self.server = TcpEndpoint(env, server_cfg, "server", path.down, server_nagle, trace)
        self.client.peer = self.server
        self.server.peer = self.client
        self.client.conn = self.server.conn = name

    def connect(self) -> None:
        self.client.connect()

    def discard(self) -> None:
        """End both sides at once without a packet: a connection closed long before the
        modelled time (a warm start's earlier connection). Each application reads
        ``FAILED`` and nothing more is sent."""
        self.client.fail()
        self.server.fail()

    def preopen(self, rtt_s: float) -> None:
        """Make the connection one that already exists (opened before the run, idle since):
        both ends established, the RTT estimator seeded with the path's RTT, nothing sent."""
        for ep in (self.client, self.server):
            ep.state = ESTABLISHED
            ep._rtt_sample(rtt_s)
            ep.socket.established.succeed(True)
