"""One TCP endpoint, sender and receiver, as RFC 793, RFC 5681, RFC 6298 and RFC 1122 describe
them and Linux implements them.

* A byte stream cut into segments of ``min(MSS, unsent)`` the moment a write or an ACK allows
  it (``header_bytes`` each; SYN and SYN-ACK are ``connection``'s).
* A segment is sent while packets in flight < ``cwnd`` and the whole segment fits the peer's
  receive window (RFC 793 §3.7: ``snd_una + snd_wnd``, the window of the latest acceptable
  segment, Linux ``tcp_ack_update_window``; what each end offers is ``window``'s); ``cwnd``
  starts at IW (RFC 6928, RFC 3390) and grows by the packets each ACK acknowledges (slow
  start, RFC 5681 §3.1 with RFC 3465 counting) while the sender is
  cwnd-limited (Linux ``tcp_is_cwnd_limited``: blocked by cwnd in the current window, or
  ``cwnd < 2 max_packets_out``, RFC 7661).
* Slow start after idle (RFC 5681 §4.1, Linux ``tcp_slow_start_after_idle_check`` and
  ``tcp_cwnd_restart``): a write that finds nothing in flight and no data sent for longer than
  the RTO halves cwnd once per RTO elapsed, down to ``min(IW, cwnd)``. (Linux first sets
  ``ssthresh = max(ssthresh, 3/4 cwnd)``, ``tcp_current_ssthresh``; in the domain ssthresh is
  never set, no loss and no HyStart exit, ``SlowStartEnds``, so it stays infinite and slow
  start is not bounded by it: nothing to model.) The RTO is RFC 6298's
  from one sample per ACK that acknowledges new data (the oldest segment it acknowledges,
  Linux ``seq_rtt``) and one from the handshake (the SYN acknowledged by the SYN-ACK, the
  SYN-ACK by the ACK; none after a retransmitted one, the RTO then 3 s, RFC 6298 §5.7), with
  Linux's floor ``SRTT + max(4 RTTVAR, rto_min)``.
* Nagle as Linux does it (RFC 896, Minshall's variant): a sub-MSS segment waits while the last
  sub-MSS segment sent is unacknowledged, unless it ends the stream before a FIN (Linux
  ``tcp_send_fin`` tacks the FIN onto the last queued segment, and ``tcp_nagle_test`` lets a
  segment carrying a FIN go).
* Receiver (RFC 1122 §4.2.3.2, RFC 5681 §4.2, Linux ``__tcp_ack_snd_check``): after in-order
  data, ACK at once when more than one MSS is unacknowledged, else start the ``delack_s``
  timer if none runs (``+ DELACK_TIE_S``: it loses a tie with a write, and fires behind a
  segment arriving for this endpoint within ``DELACK_TIE_S`` of it); every segment sent
  carries the current ACK and stops the timer.
* On a segment's arrival: its ACK is processed, then its data, then any data the ACK allowed
  is sent (carrying the new ACK: Linux ``tcp_rcv_established`` calls ``tcp_ack``,
  ``tcp_data_queue``, ``tcp_data_snd_check`` in that order; RFC 793 §3.9 takes the segment
  text after the ACK field too), then the ACK rule, then the completed records go to the
  application.
* A FIN (``header_bytes``) follows the last data byte of the side that closes (RFC 793 §3.5),
  once cwnd has room (Linux ``tcp_write_xmit``), or rides on the segment with that byte when
  the application shut down right behind a corked write (``write``'s ``shutdown``); it takes
  one sequence number, is timed like a data segment, and its receiver ACKs it at once (Linux
  ``tcp_fin`` via ``tcp_send_ack``) and tells the application (``on_fin``). Closing matters
  after the message: the FIN exchange of the SMTP connection shares the access links with an
  IMAP upload still under way.

CUBIC's HyStart, which may end slow start without a loss, is ``hystart``'s: the oracle
stops where it does (:class:`SlowStartEnds`).

The retransmission timer (RFC 6298) and the tail loss probe (RFC 8985 §7) are not part of
the closed form: each endpoint keeps the longest a data segment waited for its ACK
(``max_ack_wait``), which the result compares with a lower bound of every timer
(``timers.timer_floor``), and the earliest moment a timer cannot be excluded
(``timer_from``: the send of the first segment that waited that long, plus the bound).

Every segment carries the critical path of the event that sent it (``causes``): ``cause`` is
the event the endpoint is handling (an arrival, a write, the delayed-ACK timer).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from smtpsim.model import TcpConfig
from smtpsim.model.tcp import DELACK_TIE_S, RTO_FALLBACK_S
from smtpsim.oracle.agenda import Agenda
from smtpsim.oracle.causes import ORIGIN, Cause
from smtpsim.oracle.hystart import HyStart
from smtpsim.oracle.records import Part, Rec, frame
from smtpsim.oracle.window import ReceiveBuffer
from smtpsim.oracle.wire import Link

__all__ = ["Seg", "Tcp"]


@dataclass(slots=True)
class Seg:
    """A segment: sequence numbers ``seq`` to ``end`` (no payload when equal) and the ACK it
    carries; ``syn`` for a SYN or SYN-ACK; ``cause`` the critical path it was sent on."""

    seq: int
    end: int
    ack: int
    syn: bool = False  # SYN or SYN-ACK (60 B on the wire, plus options and data)
    fin: bool = False  # a FIN: one sequence number after ``end``
    cause: Cause = ORIGIN
    tsval: float = 0.0  # the timestamp option (RFC 7323): its send time
    tsecr: float = 0.0  # and the echoed TS.Recent
    wnd: int = 0  # the receive window it offers, in bytes (``window``)


class Tcp:
    """One endpoint: sender (cwnd, Nagle, rwnd) and receiver (delayed ACK) of RFC 5681/1122 as
    Linux does them (see the module docstring). ``open``: the endpoint may send data (the
    client once the SYN-ACK arrived; the server from the SYN on). ``on_handshake`` sees every
    segment first and takes the ones the three-way handshake consumes. ``client``: the
    client's end (its segments open up legs, arrivals close round trips)."""

    def __init__(self, agenda: Agenda, cfg: TcpConfig, nagle: bool, link: Link, *,
                 client: bool = False) -> None:
        self.agenda = agenda
        self.client = client
        self.cause = ORIGIN  # the event being handled (``causes``)
        self.cfg = cfg
        self.mss = cfg.mss
        self.nagle = nagle
        self.link = link
        self.peer: Tcp
        # the peer's window (Linux snd_wnd, snd_wl1: the segment it came on), and ours
        self.snd_wnd = 0
        self.snd_wl1 = 0
        self.window = ReceiveBuffer(cfg, client)
        self.ts_recent = 0.0  # RFC 7323 §4.3, from every segment but a SYN without data
        self.app: Callable[[float, list[Rec], Cause], None] = lambda t, r, c: None
        self.on_fin: Callable[[float], None] = lambda t: None
        self.on_handshake: Callable[[float, Seg], bool] = lambda t, s: False
        self.open = False
        # sender
        self.written = 0
        self.first_write_end = 0  # where the first write() ends in the stream (0: none yet)
        self.snd_nxt = 0
        self.snd_una = 0
        self.snd_sml = 0  # end of the last sub-MSS segment sent (Minshall)
        self.inflight: deque[tuple[int, float]] = deque()  # (end, sent at)
        self.cwnd = cfg.iw
        self.cwnd_limited = False
        self.max_packets_out = 0
        self.cwnd_usage_seq = 0
        self.max_ack_wait = 0.0
        self.timer_floor = cfg.rto_initial_s  # set by ``connection`` (``timers.timer_floor``)
        self.timer_from = math.inf
        self.fin_pending = False
        self.fin_rides = False  # the FIN rides on the segment with the last byte (``write``)
        self.closed = False  # close() was called
        # RTO estimate (RFC 6298 §2 with Linux's floor) and the last data sent, for slow start
        # after idle (RFC 5681 §4.1)
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.rto = cfg.rto_initial_s
        self.lsndtime: float | None = None
        #: CUBIC's HyStart (``hystart``), None without it
        self.hystart = HyStart() if cfg.congestion == "cubic" and cfg.hystart else None
        # receiver
        self.rcv_nxt = 0
        self.acked_to = 0  # the last ACK sent
        self.delack_gen = 0
        self.delack_running = False
        self.delack_cause = ORIGIN  # the arrival that started the delayed-ACK timer
        self.incoming: deque[tuple[int, Rec]] = deque()

    # ---- application side
    def write(self, t: float, parts: list[Part], max_record: int, cause: Cause,
              shutdown: bool = False) -> None:
        """One write() by an application whose step was caused by ``cause`` (``ORIGIN`` for
        one that waited for nothing): the records' bytes join the stream; the peer will
        deliver each record when its last byte arrives. ``shutdown``: the application shuts
        its side down right behind the write, which it corked until then (``MSG_MORE``), so
        the FIN rides on the segment that carries the write's last byte (Linux
        ``tcp_send_fin``: FIN set on the unsent tail of the write queue)."""
        self.cause = cause.until(t)
        self._restart_after_idle(t)
        for part in parts:
            nbytes, ends = frame(part, max_record)
            for end, rec in ends:
                self.peer.incoming.append((self.written + end, rec))
            self.written += nbytes
        if not self.first_write_end:
            self.first_write_end = self.written
        if shutdown and not self.closed:
            self.closed = self.fin_pending = self.fin_rides = True
        self.try_send(t)

    def close(self, t: float, cause: Cause) -> None:
        """RFC 793 CLOSE: a FIN segment (no payload) follows the last data byte."""
        if self.closed:
            return
        self.cause = cause.until(t)
        self.closed = self.fin_pending = True
        self.try_send(t)

    # ---- sender
    def _restart_after_idle(self, t: float) -> None:
        """RFC 5681 §4.1 as Linux does it (``tcp_slow_start_after_idle_check`` when a write
        queues new data, ``tcp_cwnd_restart``): nothing in flight and no data sent for longer
        than the RTO: halve cwnd once per RTO elapsed, down to ``min(IW, cwnd)``."""
        if self.lsndtime is None or self.inflight or self.snd_nxt < self.written:
            return
        delta = t - self.lsndtime
        if delta <= self.rto:
            return
        restart = min(self.cfg.iw, self.cwnd)
        cwnd = self.cwnd
        while True:
            delta -= self.rto
            if delta <= 0 or cwnd <= restart:
                break
            cwnd //= 2
        self.cwnd = max(cwnd, restart)

    def handshake_done(self, t: float, sent: float, retransmitted: bool) -> None:
        """The handshake's RTT sample (Linux: the client's SYN acknowledged by the SYN-ACK,
        the server's SYN-ACK by the ACK), none after a retransmitted SYN or SYN-ACK (Karn):
        the RTO is then 3 s (RFC 6298 §5.7, Linux ``TCP_TIMEOUT_FALLBACK``)."""
        if retransmitted:
            self.rto = RTO_FALLBACK_S
        else:
            self.rtt_sample(t - sent)

    def rtt_sample(self, r: float) -> None:
        """RFC 6298 §2.2-2.3, ``RTO = SRTT + max(4 RTTVAR, rto_min)`` (Linux's floor)."""
        if self.srtt is None:
            self.srtt, self.rttvar = r, r / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - r)
            self.srtt = 0.875 * self.srtt + 0.125 * r
        self.rto = min(self.cfg.rto_max_s, self.srtt + max(4 * self.rttvar, self.cfg.rto_min_s))

    def _is_cwnd_limited(self) -> bool:
        return self.cwnd_limited or self.cwnd < 2 * self.max_packets_out

    def try_send(self, t: float) -> int:
        """Send what cwnd, rwnd and Nagle allow; the number of segments sent."""
        if not self.open:
            return 0
        sent = 0
        blocked = False
        while True:
            if self.snd_nxt >= self.written:
                if self.fin_pending and len(self.inflight) < self.cwnd:
                    self.fin_pending = False
                    self._emit(t, 0, fin=True)
                    sent += 1
                break
            if len(self.inflight) >= self.cwnd:
                blocked = True
                break
            n = min(self.mss, self.written - self.snd_nxt)
            if self.snd_nxt + n - self.snd_una > self.snd_wnd:
                break
            last = self.fin_pending and self.snd_nxt + n == self.written
            if self.nagle and n < self.mss and self.snd_sml > self.snd_una and not last:
                break
            if last and self.fin_rides:
                self.fin_pending = False
                self._emit(t, n, fin=True)
                sent += 1
                break
            self._emit(t, n)
            sent += 1
        # Linux tcp_cwnd_validate: remember how the current window is used
        if (sent or blocked) and (
            self.snd_una >= self.cwnd_usage_seq or blocked
            or (not self.cwnd_limited and len(self.inflight) > self.max_packets_out)
        ):
            self.cwnd_limited = blocked
            self.max_packets_out = len(self.inflight)
            self.cwnd_usage_seq = self.snd_nxt
        return sent

    def _emit(self, t: float, n: int, fin: bool = False) -> None:
        seq = self.snd_nxt
        self.snd_nxt += n
        if 0 < n < self.mss:
            self.snd_sml = self.snd_nxt
        seg = Seg(seq, self.snd_nxt, self.rcv_nxt, fin=fin, cause=self.cause.sent(self.client),
                  tsval=t, tsecr=self.ts_recent, wnd=self.window.select(self.rcv_nxt))
        if fin:
            self.snd_nxt += 1
        self.inflight.append((self.snd_nxt, t))
        self.lsndtime = t
        self._ack_sent()
        self.link.send(t, n + self.cfg.header_bytes, self.peer.receive, seg)

    def emit_syn(self, t: float, nbytes: int, data: int, in_flight: bool = False) -> None:
        """A SYN or SYN-ACK of ``nbytes`` on the wire (options included) carrying the first
        ``data`` bytes of the stream; they are acknowledged with the handshake, not timed by
        the retransmission timer (a lost SYN is the SYN timer's business). ``in_flight``
        (the banner on the SYN-ACK): its data is a packet in flight until acknowledged, as a
        data segment's (it counts against cwnd, and its ACK gives an RTT sample)."""
        seq = self.snd_nxt
        self.snd_nxt += data
        if in_flight and data:
            self.inflight.append((self.snd_nxt, t))
        seg = Seg(seq, self.snd_nxt, self.rcv_nxt, syn=True, cause=self.cause.sent(self.client),
                  tsval=t, tsecr=self.ts_recent, wnd=self.window.initial)
        self._ack_sent()
        self.link.send(t, nbytes + data, self.peer.receive, seg)

    def _window_update(self, seg: Seg) -> None:
        """Linux ``tcp_ack_update_window``: the window of a segment that acknowledges new
        data, or is newer than the one the window came on, or is that one with a larger or
        zero window, becomes ``snd_wnd`` (from ``snd_una``)."""
        if (seg.ack > self.snd_una or seg.seq > self.snd_wl1
                or (seg.seq == self.snd_wl1 and (seg.wnd > self.snd_wnd or seg.wnd == 0))):
            self.snd_wnd, self.snd_wl1 = seg.wnd, seg.seq

    def _on_ack(self, t: float, ack: int) -> None:
        if ack <= self.snd_una:
            return
        k = 0
        first = None
        sent = 0.0
        while self.inflight and self.inflight[0][0] <= ack:
            _end, sent = self.inflight.popleft()
            wait = t - sent
            if wait > self.max_ack_wait:
                self.max_ack_wait = wait
            if wait >= self.timer_floor and sent + self.timer_floor < self.timer_from:
                self.timer_from = sent + self.timer_floor
            first = sent if first is None else first
            k += 1
        srtt = self.srtt
        if first is not None:  # the oldest segment it acknowledges (Linux seq_rtt)
            self.rtt_sample(t - first)
        self.snd_una = ack
        if first is not None and self.hystart is not None:  # the newest (Linux ca_rtt_us)
            self.hystart.ack(t, t - sent, srtt or 0.0, self.cwnd, self.snd_una, self.snd_nxt,
                             self.mss)
        if self._is_cwnd_limited():
            self.cwnd += k

    # ---- receiver
    def _ack_sent(self) -> None:
        self.acked_to = self.rcv_nxt
        self.delack_running = False
        self.delack_gen += 1

    def pure_ack(self, t: float) -> None:
        """A segment without payload, carrying the current ACK."""
        seg = Seg(self.snd_nxt, self.snd_nxt, self.rcv_nxt, cause=self.cause.sent(self.client),
                  tsval=t, tsecr=self.ts_recent, wnd=self.window.select(self.rcv_nxt))
        self._ack_sent()
        self.link.send(t, self.cfg.header_bytes, self.peer.receive, seg)

    def _delack_fire(self, gen: int) -> None:
        if gen == self.delack_gen and self.delack_running:
            now = self.agenda.now
            due = self.agenda.latest(now + DELACK_TIE_S, self.receive)
            if due is not None:  # a segment arriving then goes first (``DELACK_TIE_S``)
                self.agenda.at(due, self._delack_fire, gen)
                return
            self.delack_running = False
            if self.rcv_nxt > self.acked_to:
                self.cause = self.delack_cause.until(self.agenda.now)
                self.pure_ack(self.agenda.now)

    def take(self, end: int) -> None:
        """In-order data up to ``end`` has arrived (with a SYN or SYN-ACK: acknowledged by the
        handshake itself)."""
        self.rcv_nxt = max(self.rcv_nxt, end)

    def deliver(self, t: float) -> None:
        """Hand the records completed so far to the application, all at once and in order."""
        done: list[Rec] = []
        while self.incoming and self.incoming[0][0] <= self.rcv_nxt:
            done.append(self.incoming.popleft()[1])
        if done:
            self.app(t, done, self.cause)

    def receive(self, seg: Seg) -> None:
        """A segment arrives (see the module docstring for the order of what follows)."""
        t = self.agenda.now
        self.cause = seg.cause.arrived(t, self.client)
        data = seg.end > seg.seq
        if (data or seg.fin or not seg.syn) and seg.seq <= self.acked_to:
            self.ts_recent = seg.tsval  # RFC 7323 §4.3
        if self.on_handshake(t, seg):
            return
        self._window_update(seg)
        self._on_ack(t, seg.ack)
        if data:
            self.rcv_nxt = seg.end
            self.window.data(t, seg.end - seg.seq, seg.tsecr, self.rcv_nxt)
        if seg.fin:
            self.rcv_nxt = seg.end + 1
        self.try_send(t)
        if seg.fin:
            if self.rcv_nxt > self.acked_to:
                self.pure_ack(t)
            self.deliver(t)
            self.on_fin(t)
            return
        if data and self.rcv_nxt > self.acked_to:
            if self.rcv_nxt - self.acked_to > self.mss:
                self.pure_ack(t)
            elif not self.delack_running:
                self.delack_running = True
                self.delack_cause = self.cause
                self.agenda.at(t + self.cfg.delack_s + DELACK_TIE_S, self._delack_fire,
                               self.delack_gen)
        self.deliver(t)
