"""The closed-form oracle: the latency of one submission on a lossless, jitter-free path.

An independent computation, written from the RFCs and the modelling rules below (the values in
``config``, the text in ``messages``), not from the simulator's code, so the tests can hold the
simulator to it. It answers for every variant ``Features`` can express (EHLO/HELO, PIPELINING,
CHUNKING, STARTTLS with TLS 1.2 or 1.3, AUTH PLAIN/LOGIN/SCRAM-SHA-256 waited for or PLAIN
pipelined, coalesced or per-command writes, Nagle on or off), any initial window, server
timing and asymmetric path.

Structure of the result
=======================

On an ideal path (no serialization, no processing) every wait of the client is one round
trip, so ``accept = round_trips(features, R) x RTT`` (:func:`round_trips`)::

    connect 1 + greeting 1 + EHLO 1                                RFC 793 §3.4, RFC 5321 §3.1
    + STARTTLS 1 + TLS handshake (1.2: 2, 1.3: 1) + EHLO again    RFC 3207 §4.2, RFC 5246 §7.3,
      (1.2: 1; 1.3: 1, EHLO rides with the client Finished)        RFC 8446 §2
    + AUTH waited for (PLAIN 1, LOGIN 3, SCRAM 3; PLAIN pipelined 0) RFC 4954 §4
    + envelope: PIPELINING 1 (the group ends with DATA or BDAT),   RFC 2920 §3.1, RFC 3030 §2
      lock-step 1 + R + 1
    + content after 354: 1 (no 354 with BDAT: the body rides in the group)  RFC 5321 §4.1.1.4
    + the slow-start rounds of the body beyond the first, and of the server's certificate
      flight when it exceeds the initial window                   RFC 5681 §3.1
    close = accept + 1 (QUIT sent after the 250, "wait" / "async")   RFC 5321 §4.1.1.10
          = accept (QUIT in the content's write, "pipelined")       RFC 2920 §3.1
          = accept (no QUIT, "drop": the client closes at the 250)

On a real path each of those steps costs, instead of exactly one RTT, the times of the packets
that carry it, and that is what :func:`oracle` computes, exactly:

* **Wire** (every packet, max-plus): a packet of ``b`` bytes handed to a direction at ``t``
  departs at ``max(t, free)``, the link is then busy for ``8 b / bandwidth`` (``free`` moves
  on), and it arrives one one-way delay after its last bit left. The two directions are
  independent FIFOs.
* **Server** (max-plus over commands, RFC 2920 §3.2): command ``i`` delivered at ``a_i`` is
  processed from ``s_i = max(a_i, e_{i-1})`` to ``e_i = s_i + p_i`` (``ServerTiming``); its reply
  is buffered, and the buffer is written as one write at ``e_i`` when no further command has
  been delivered by then. The greeting is written ``greeting`` after the handshake ACK
  arrives. A BDAT line is answered only with its chunk (RFC 3030 §2), so no flush between
  them. TLS handshake messages are written at once: the server flight ``server_cpu_s`` after
  the ClientHello, CCS+Finished (1.2) or the NewSessionTickets (1.3) when the client Finished
  is read.
* **Client**: writes the next step the moment the last reply it waits for is delivered
  (``client_cpu_s`` later after the server's TLS flight). QUIT (``Features.quit``) follows
  the 250 ("wait", "async"), is written with the content or the BDAT chunk ("pipelined",
  RFC 2920 §3.1), or is not sent ("drop"); the server closes (a FIN) after writing the 221.
  Records are delivered when their last byte has arrived in order; TLS wraps each
  application write into records of at most ``max_record`` plaintext bytes plus
  ``record_overhead`` (RFC 5246 §6.2, RFC 8446 §5.2).
* **TCP** (both endpoints, RFC 793, RFC 5681, Linux):

  - three-way handshake at t = 0 with the 1 s SYN and SYN-ACK timers doubling (RFC 6298 §5.5;
    spurious on paths with RTT > 1 s, and the packets they send occupy the links), a
    duplicate SYN answered at once, an extra SYN-ACK answered with a pure ACK;
  - a byte stream cut into segments of ``min(MSS, unsent)`` the moment a write or an ACK allows
    it (52 B header each, SYN/SYN-ACK 60 B);
  - a segment is sent while packets in flight < ``cwnd`` and the whole segment fits the
    peer's receive window (``rwnd_bytes``, RFC 793 §3.7; it binds for large bodies once the
    flight passes 6 MiB); ``cwnd`` starts at IW (RFC 6928, RFC 3390) and grows by the packets
    each ACK acknowledges (slow start, RFC 5681 §3.1 with RFC 3465 counting) while the sender
    is cwnd-limited (Linux ``tcp_is_cwnd_limited``: blocked by cwnd in the current window, or
    ``cwnd < 2 max_packets_out``, RFC 7661);
  - Nagle as Linux does it (RFC 896, Minshall): a sub-MSS segment waits while the last
    sub-MSS segment sent is unacknowledged;
  - receiver (RFC 1122 §4.2.3.2, RFC 5681 §4.2, Linux ``__tcp_ack_snd_check``): after in-order
    data, ACK at once when more than one MSS is unacknowledged, else start the ``delack_s``
    timer if none runs; every segment sent carries the current ACK and stops the timer;
  - on a segment's arrival: its ACK is processed, then its data, then any data the ACK allowed
    is sent (carrying the new ACK: Linux ``tcp_rcv_established`` calls ``tcp_ack``,
    ``tcp_data_queue``, ``tcp_data_snd_check`` in that order), then the ACK rule, then the
    completed records go to the application;
  - a FIN (52 B) follows the last data byte of the side that closes (RFC 793 §3.5).

Because the client's and server's packets interact (an ACK releases a Nagle-held command or
the next slow-start flight; a reply carries the ACK that a delayed-ACK timer would otherwise
send; a partial flush of pipelined replies travels while the client is still sending), the
equations above are evaluated in causal order: every packet, timer and processing end is an
entry in a time-ordered agenda, and each is computed by the max-plus formulas from entries
already known. This is the per-segment recurrence the bulk transfers need; for command/reply
exchanges it reduces to the straight-line sums above.

Domain
======

Lossless (``loss == 0``, no Gilbert-Elliott burst, no forced drops) and jitter-free paths, a
cold client (no cached capabilities or session tickets, so ``resumption`` offers nothing),
STARTTLS rather than implicit TLS, no QUICKSTART; otherwise ``ValueError``, as for feature
combinations that cannot be negotiated (HELO with extensions, a pipelined AUTH or QUIT without
PIPELINING). The retransmission timer (RFC 6298) is not part of the closed form: on slow links
a segment can wait for its ACK longer than the RTO, and a real stack (and the simulator) then
retransmits spuriously. The result says when that cannot be excluded: ``rto_possible`` is set
when some data segment waited from its transmission to its ACK at least ``min(rto_initial, RTT
+ rto_min)``, a lower bound of every RTO RFC 6298 (with Linux's floor) can produce, since every
RTT sample, and so SRTT, is at least the path's RTT.
"""

from __future__ import annotations

import base64
import heapq
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from smtpsim.simulator import messages as msg
from smtpsim.simulator.config import Features, LinkConfig, TcpConfig
from smtpsim.simulator.session import Case

__all__ = ["OracleResult", "oracle", "round_trips", "client_waits", "slow_start_rounds"]

SYN_BYTES = 60
"""SYN and SYN-ACK on the wire: 20 B IPv4 + 20 B TCP + 20 B options (MSS, SACK permitted,
timestamps, window scale)."""

NAN = float("nan")

_TRANSMIT_BEFORE_DATA = False
"""Diagnostic switch, off: True sends the data an arriving ACK releases *before* the same
segment's payload is taken in, so that data carries the previous ACK value. That is the
order the simulator used when this oracle was written (see tests/simulator/
test_closed_form.py, "simulator issues"); Linux and RFC 793 §3.9 take the payload in first."""

# ------------------------------------------------------------------ the protocol text
# Replies and commands whose text messages.py does not build. Sizes are len(text) + CRLF.
REPLY_STARTTLS = msg.reply(220, "2.0.0 Ready to start TLS")  # RFC 3207 §4
REPLY_AUTH_OK = msg.reply(235, "2.7.0 Authentication successful")  # RFC 4954 §6
REPLY_MAIL = msg.reply(250, "2.1.0 Ok")  # RFC 5321 §4.1.1.2, RFC 3463 codes
REPLY_RCPT = msg.reply(250, "2.1.5 Ok")  # RFC 5321 §4.1.1.3
REPLY_DATA = msg.reply(354, "End data with <CR><LF>.<CR><LF>")  # RFC 5321 §4.1.1.4
REPLY_QUEUED = msg.reply(250, "2.0.0 Ok: queued as 4F2C81B3A9")  # end of data
REPLY_QUIT = msg.reply(221, "2.0.0 Bye")  # RFC 5321 §4.1.1.10
REPLY_HELO = msg.reply(250, msg.SERVER_DOMAIN)  # RFC 5321 §4.1.1.1
REPLY_LOGIN_USER = msg.reply(334, "VXNlcm5hbWU6")  # base64 "Username:"
REPLY_LOGIN_PASS = msg.reply(334, "UGFzc3dvcmQ6")  # base64 "Password:"


def _reply_bdat(n: int) -> msg.Reply:
    return msg.reply(250, f"2.0.0 Ok: {n} octets, queued")  # RFC 3030 §2


def _line(text: str) -> int:
    return len(text) + 2


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# SCRAM-SHA-256 (RFC 5802 §5, RFC 7677) as the server and client of this project spell it: the
# base64 of the GS2 header and user name followed by a 32-character client nonce; the server's
# first message (combined nonce, 24-character salt, i=4096); the client-final message (channel
# binding, nonce, 60-character proof); the server-final verifier; and the client's empty
# response to it (RFC 4954 §4: additional data with success sent as a 334 challenge).
SCRAM_CLIENT_FIRST = ("AUTH SCRAM-SHA-256 " + _b64(f"n,,n={msg.SENDER},r=").rstrip("=")
                      + "a" * 32)
SCRAM_SERVER_FIRST = "334 cj1" + "x" * 80 + "LHM9" + "y" * 24 + "LGk9NDA5Ng=="
SCRAM_CLIENT_FINAL = "Yz1iaXdzLHI9" + "b" * 96 + "LHA9" + "c" * 60
SCRAM_SERVER_FINAL = "334 dj1" + "z" * 41


# ------------------------------------------------------------------ result
@dataclass(frozen=True, slots=True)
class OracleResult:
    """Times in seconds from the first SYN, as in ``SessionRecord``.

    ``greeting_s`` the 220 greeting is delivered to the client; ``tls_s`` the client may send
    application data (TLS 1.2: the server Finished is delivered; TLS 1.3: the client Finished is
    written); ``auth_s`` the 235 is delivered (NaN when AUTH is pipelined or absent);
    ``accept_s`` the final 250 for the message; ``user_s`` when the user is told (the 221 with
    ``quit`` "wait" and "pipelined", the 250 with "async" and "drop"); ``close_s`` the 221
    (the 250 with "drop": the client closes then). ``waits`` the times the
    client stopped for the peer (the TCP handshake included); ``round_trips`` what
    :func:`round_trips` counts for the variant (the ideal-path latency in RTT, the body's
    slow-start rounds excluded). ``handshake_retransmits`` SYNs and SYN-ACKs sent again on
    timers or for duplicate SYNs. ``rto_possible``: some data segment waited for its ACK long
    enough that a retransmission timeout cannot be excluded (see the module docstring);
    ``max_ack_wait_s`` that longest wait and ``rto_floor_s`` the bound it is held to.
    ``packets_up``/``packets_down``/``bytes_up``/``bytes_down``: the packets (and their wire
    bytes) whose first bit left before ``accept_s``, pure ACKs and handshake included.
    """

    accept_s: float
    user_s: float
    close_s: float
    greeting_s: float
    tls_s: float
    auth_s: float
    waits: int
    round_trips: int
    handshake_retransmits: int
    rto_possible: bool
    max_ack_wait_s: float
    rto_floor_s: float
    packets_up: int
    packets_down: int
    bytes_up: int
    bytes_down: int


# ------------------------------------------------------------------ closed forms
def _auth_round_trips(f: Features) -> int:
    if f.auth is None or (f.auth_pipelined and f.pipelining):
        return 0
    return {"plain": 1, "login": 3, "scram": 3}[f.auth]


def round_trips(f: Features, recipients: int, *, iw: int = 10, flight: int = 4600,
                mss: int = 1448) -> int:
    """Latency of an accepted message in RTTs on an ideal path (see the module docstring),
    for a body that fits in the client's window. ``iw``/``flight``/``mss`` decide whether the
    server's TLS flight needs a second slow-start round (RFC 5681 §3.1: the segments beyond
    IW leave when the first ACK returns)."""
    n = 3  # connect, greeting, EHLO/HELO
    if f.tls is not None:
        n += 1 + (2 if f.tls == "1.2" else 1) + 1  # STARTTLS, handshake, EHLO again
        if math.ceil(flight / mss) > iw:
            n += 1
    n += _auth_round_trips(f)
    n += 1 if f.pipelining else 2 + recipients  # the group, or MAIL, RCPT x R, DATA
    n += 0 if f.chunking else 1  # the content after the 354
    return n


def client_waits(f: Features, recipients: int) -> int:
    """How many times the client stops for the peer, the TCP handshake and a QUIT sent after
    the 250 included: each wait costs one RTT on an ideal path, so this is ``round_trips``
    without the extra TLS-flight round, plus one for QUIT with ``quit`` "wait" or "async"."""
    return round_trips(f, recipients, iw=10**9) + (1 if f.quit in ("wait", "async") else 0)


def slow_start_rounds(segments: int, iw: int) -> int:
    """Rounds for ``segments`` in slow start with an ACK per segment pair: flights of IW,
    2 IW, 4 IW ... (RFC 5681 §3.1): ``ceil(log2(segments / IW + 1))``, protocol.md §0."""
    rounds, sent, flight = 0, 0, iw
    while sent < segments:
        sent += flight
        flight *= 2
        rounds += 1
    return rounds


# ------------------------------------------------------------------ records
@dataclass(slots=True)
class _Rec:
    """An application record (an SMTP line, a TLS flight, a body) and what the server does
    when it reads it: process for ``proc`` seconds, then buffer ``replies`` (or write them at
    once when ``immediate``, as TLS handshake messages are); ``hold`` keeps the buffer
    (a BDAT line: its answer comes with the chunk)."""

    nbytes: int
    label: str
    proc: float = 0.0
    replies: tuple[int, ...] = ()
    immediate: bool = False
    hold: bool = False
    reply_overhead: int | None = None  # TLS record overhead of the replies, None = cleartext
    reply_labels: tuple[str, ...] = ()
    closes: bool = False  # QUIT: the server closes (FIN) once its reply is written


@dataclass(slots=True)
class _Part:
    """Records written together, framed as TLS application records (``overhead`` bytes each,
    at most ``max_record`` plaintext bytes) unless ``overhead`` is None (cleartext, or TLS
    handshake messages, whose sizes already include their record headers)."""

    records: list[_Rec]
    overhead: int | None = None


def _frame(part: _Part, max_record: int) -> tuple[int, list[tuple[int, _Rec]]]:
    """Wire bytes of a part and the offset (relative) at which each record is complete."""
    if part.overhead is None:
        out, off = [], 0
        for r in part.records:
            off += r.nbytes
            out.append((off, r))
        return off, out
    plain = sum(r.nbytes for r in part.records)
    n_tls = max(1, math.ceil(plain / max_record))

    def tls_end(j: int) -> int:  # wire offset at the end of TLS record j (0-based)
        full = min(plain, (j + 1) * max_record)
        return full + (j + 1) * part.overhead  # type: ignore[operator]

    out, cum = [], 0
    for r in part.records:
        cum += r.nbytes
        out.append((tls_end((cum - 1) // max_record), r))
    return tls_end(n_tls - 1), out


# ------------------------------------------------------------------ the agenda
class _Agenda:
    """Entries in time order (ties in the order they were made)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self._n = 0
        self.now = 0.0
        self.stopped = False

    def at(self, t: float, fn: Callable[..., None], *args: Any) -> None:
        heapq.heappush(self._heap, (t, self._n, fn, args))
        self._n += 1

    def run(self) -> None:
        while self._heap and not self.stopped:
            t, _, fn, args = heapq.heappop(self._heap)
            self.now = t
            fn(*args)


class _Link:
    """One direction: departs at max(t, free), busy for 8 b / bandwidth, arrives a one-way
    delay after the last bit left."""

    def __init__(self, agenda: _Agenda, cfg: LinkConfig) -> None:
        self.agenda = agenda
        self.delay = cfg.delay_s
        self.bw = cfg.bandwidth_bps
        self.free = 0.0
        self.log: list[tuple[float, float, int]] = []  # (departs, arrives, bytes)

    def send(self, t: float, nbytes: int, deliver: Callable[..., None], *args: Any) -> None:
        start = max(t, self.free)
        self.free = start + nbytes * 8 / self.bw
        self.log.append((start, self.free + self.delay, nbytes))
        self.agenda.at(self.free + self.delay, deliver, *args)


@dataclass(slots=True)
class _Seg:
    seq: int
    end: int
    ack: int
    syn: bool = False  # SYN or SYN-ACK (60 B on the wire)


class _Tcp:
    """One endpoint: sender (cwnd, Nagle, rwnd) and receiver (delayed ACK) of RFC 5681/1122 as
    Linux does them; see the module docstring."""

    def __init__(self, agenda: _Agenda, cfg: TcpConfig, nagle: bool, link: _Link,
                 peer_rwnd: int) -> None:
        self.agenda = agenda
        self.cfg = cfg
        self.mss = cfg.mss
        self.nagle = nagle
        self.link = link
        self.peer: _Tcp
        self.peer_rwnd = peer_rwnd
        self.app: Callable[[float, list[_Rec]], None] = lambda t, r: None
        self.on_handshake: Callable[[float, _Seg], bool] = lambda t, s: False
        # sender
        self.written = 0
        self.snd_nxt = 0
        self.snd_una = 0
        self.snd_sml = 0  # end of the last sub-MSS segment sent (Minshall)
        self.inflight: deque[tuple[int, float]] = deque()  # (end, sent at)
        self.cwnd = cfg.iw
        self.cwnd_limited = False
        self.max_packets_out = 0
        self.cwnd_usage_seq = 0
        self.max_ack_wait = 0.0
        self.fin_pending = False
        # receiver
        self.rcv_nxt = 0
        self.acked_to = 0  # the last ACK sent
        self.delack_gen = 0
        self.delack_running = False
        self.incoming: deque[tuple[int, _Rec]] = deque()

    # ---- application side
    def write(self, t: float, parts: list[_Part], max_record: int) -> None:
        """One write(): the records' bytes join the stream; the peer will deliver each record
        when its last byte arrives."""
        for part in parts:
            nbytes, ends = _frame(part, max_record)
            for end, rec in ends:
                self.peer.incoming.append((self.written + end, rec))
            self.written += nbytes
        self.try_send(t)

    # ---- sender
    def _is_cwnd_limited(self) -> bool:
        return self.cwnd_limited or self.cwnd < 2 * self.max_packets_out

    def try_send(self, t: float) -> None:
        sent = 0
        blocked = False
        while self.snd_nxt < self.written:
            if len(self.inflight) >= self.cwnd:
                blocked = True
                break
            n = min(self.mss, self.written - self.snd_nxt)
            if self.snd_nxt + n - self.snd_una > self.peer_rwnd:
                break
            if self.nagle and n < self.mss and self.snd_sml > self.snd_una:
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
        if self.fin_pending and self.snd_nxt == self.written:
            self.fin_pending = False
            seg = _Seg(self.snd_nxt, self.snd_nxt, self.rcv_nxt)
            self._ack_sent()
            self.link.send(t, self.cfg.header_bytes, self.peer.receive, seg)

    def close(self, t: float) -> None:
        """RFC 793 CLOSE: a FIN segment (no payload) follows the last data byte."""
        self.fin_pending = True
        self.try_send(t)

    def _emit(self, t: float, n: int) -> None:
        seq = self.snd_nxt
        self.snd_nxt += n
        if n < self.mss:
            self.snd_sml = self.snd_nxt
        self.inflight.append((self.snd_nxt, t))
        seg = _Seg(seq, self.snd_nxt, self.rcv_nxt)
        self._ack_sent()
        self.link.send(t, n + self.cfg.header_bytes, self.peer.receive, seg)

    def _on_ack(self, t: float, ack: int) -> None:
        if ack <= self.snd_una:
            return
        k = 0
        while self.inflight and self.inflight[0][0] <= ack:
            _end, sent = self.inflight.popleft()
            self.max_ack_wait = max(self.max_ack_wait, t - sent)
            k += 1
        self.snd_una = ack
        if self._is_cwnd_limited():
            self.cwnd += k

    # ---- receiver
    def _ack_sent(self) -> None:
        self.acked_to = self.rcv_nxt
        self.delack_running = False
        self.delack_gen += 1

    def pure_ack(self, t: float) -> None:
        seg = _Seg(self.snd_nxt, self.snd_nxt, self.rcv_nxt)
        self._ack_sent()
        self.link.send(t, self.cfg.header_bytes, self.peer.receive, seg)

    def _delack_fire(self, gen: int) -> None:
        if gen == self.delack_gen and self.delack_running:
            self.delack_running = False
            if self.rcv_nxt > self.acked_to:
                self.pure_ack(self.agenda.now)

    def receive(self, seg: _Seg) -> None:
        t = self.agenda.now
        if self.on_handshake(t, seg):
            return
        self._on_ack(t, seg.ack)
        if _TRANSMIT_BEFORE_DATA:
            self.try_send(t)
        data = seg.end > seg.seq
        if data:
            self.rcv_nxt = seg.end
        self.try_send(t)
        if data and self.rcv_nxt > self.acked_to:
            if self.rcv_nxt - self.acked_to > self.mss:
                self.pure_ack(t)
            elif not self.delack_running:
                self.delack_running = True
                self.agenda.at(t + self.cfg.delack_s, self._delack_fire, self.delack_gen)
        done: list[_Rec] = []
        while self.incoming and self.incoming[0][0] <= self.rcv_nxt:
            done.append(self.incoming.popleft()[1])
        if done:  # all records this segment completed, at once and in order
            self.app(t, done)


# ------------------------------------------------------------------ the session
@dataclass(slots=True)
class _Step:
    """A client step: after ``delay``, write ``writes`` (each one write()), then wait until
    ``expect`` more records have been delivered; ``mark`` names the time that wait ends,
    ``early`` the times the n-th of those records is delivered."""

    writes: list[list[_Part]]
    expect: int
    delay: float = 0.0
    mark: str = ""
    early: dict[int, str] = field(default_factory=dict)  # marks before the wait ends


def _check_domain(case: Case) -> None:
    for name, link in (("up", case.path.up), ("down", case.path.down)):
        if link.loss > 0 or link.burst is not None:
            raise ValueError(f"closed form: the {name}link loses packets (lossless paths only)")
        if link.jitter_s > 0:
            raise ValueError(f"closed form: the {name}link has jitter (jitter-free paths only)")
        if link.delay_s < 0 or link.bandwidth_bps <= 0:
            raise ValueError(f"closed form: the {name}link needs delay >= 0 and bandwidth > 0")
    if case.drop_up or case.drop_down:
        raise ValueError("closed form: forced drops are losses (lossless paths only)")
    f = case.features
    if f.auth_pipelined and f.pipelining and f.auth != "plain":
        raise ValueError("closed form: only AUTH PLAIN with an initial response can be"
                         " pipelined (RFC 4954 §4)")
    if not f.ehlo and (f.pipelining or f.chunking or f.tls or f.auth):
        raise ValueError("closed form: HELO negotiates no extension (RFC 5321 §4.1.1.1)")
    if f.quit == "pipelined" and not f.pipelining:
        raise ValueError("closed form: QUIT can end a group only with PIPELINING (RFC 2920 §3.1)")
    for name in ("implicit_tls", "banner_half_rtt", "quickstart"):
        if getattr(f, name, None):
            raise ValueError(f"closed form: {name} is not modelled")
    if getattr(case, "state", "cold") != "cold":
        # a cold client holds no session ticket, so ``resumption`` changes nothing
        raise ValueError("closed form: a cold client only (no cached state)")
    if case.size < 1 or case.recipients < 1:
        raise ValueError("closed form: size and recipients must be >= 1")


def _script(case: Case) -> list[_Step]:
    """The client's steps and what the server does with each record (RFC 5321, 2920, 3030,
    3207, 4954; see the module docstring)."""
    f, tm, tls = case.features, case.timing, case.tls
    per_cmd = f.writes == "per-command"
    steps: list[_Step] = [_Step([], 1, mark="greeting")]
    oh: int | None = None  # TLS record overhead of application writes once TLS is up

    def cmd(text: str | int, proc: float, *replies: msg.Reply, **kw: Any) -> _Rec:
        n = text if isinstance(text, int) else _line(text)
        return _Rec(n, str(text), proc, tuple(r.nbytes for r in replies), reply_overhead=oh,
                    reply_labels=tuple(r.text for r in replies), **kw)

    def group(recs: list[_Rec]) -> list[list[_Part]]:
        """One write for everything sent together, or one per record (per-command)."""
        if per_cmd:
            return [[_Part([r], oh)] for r in recs]
        return [[_Part(recs, oh)]]

    def exchange(rec: _Rec, expect: int = 1, mark: str = "") -> None:
        steps.append(_Step([[_Part([rec], oh)]], expect, mark=mark))

    ehlo_text = f"{'EHLO' if f.ehlo else 'HELO'} {msg.CLIENT_DOMAIN}"
    first_reply = msg.ehlo_reply(True, True) if f.ehlo else REPLY_HELO
    exchange(cmd(ehlo_text, tm.ehlo, first_reply))

    if f.tls is not None:
        exchange(cmd("STARTTLS", tm.starttls, REPLY_STARTTLS))
        hello = _Rec(tls.client_hello, "ClientHello", tls.server_cpu_s, (tls.server_flight,),
                     immediate=True)
        steps.append(_Step([[_Part([hello])]], 1))
        ehlo2 = msg.ehlo_reply(False, True)
        if f.tls == "1.2":
            oh = tls.record_overhead_12
            fin = _Rec(45, "Finished", 0.0, (tls.server_finished_12,), immediate=True)
            if per_cmd:  # ClientKeyExchange, ChangeCipherSpec, Finished: three writes
                cke = tls.client_finished_12 - 6 - 45
                writes = [[_Part([_Rec(cke, "ClientKeyExchange")])],
                          [_Part([_Rec(6, "ChangeCipherSpec")])], [_Part([fin])]]
            else:
                fin.nbytes = tls.client_finished_12
                writes = [[_Part([fin])]]
            steps.append(_Step(writes, 1, delay=tls.client_cpu_s, mark="tls"))
            exchange(cmd(ehlo_text, tm.ehlo, ehlo2))
        else:
            oh = tls.record_overhead_13
            fin = _Rec(tls.client_finished_13, "Finished", 0.0,
                       (tls.tickets_13 * tls.ticket_bytes,), immediate=True)
            ehlo = cmd(ehlo_text, tm.ehlo, ehlo2)
            writes = ([[_Part([fin])], [_Part([ehlo], oh)]] if per_cmd
                      else [[_Part([fin]), _Part([ehlo], oh)]])
            steps.append(_Step(writes, 2, delay=tls.client_cpu_s, mark="tls_written"))

    auth_in_group = f.auth is not None and f.auth_pipelined and f.pipelining
    plain = f"AUTH PLAIN {msg.auth_plain_ir()}"
    if f.auth is not None and not auth_in_group:
        if f.auth == "plain":
            exchange(cmd(plain, tm.auth, REPLY_AUTH_OK), mark="auth")
        elif f.auth == "login":
            exchange(cmd("AUTH LOGIN", 0.0, REPLY_LOGIN_USER))
            exchange(cmd(_b64(msg.SENDER), 0.0, REPLY_LOGIN_PASS))
            exchange(cmd(_b64(msg.PASSWORD), tm.auth, REPLY_AUTH_OK), mark="auth")
        else:
            server_first = msg.Reply(334, [SCRAM_SERVER_FIRST])
            server_final = msg.Reply(334, [SCRAM_SERVER_FINAL])
            exchange(cmd(SCRAM_CLIENT_FIRST, 0.0, server_first))
            exchange(cmd(SCRAM_CLIENT_FINAL, tm.auth, server_final))
            exchange(cmd("", 0.0, REPLY_AUTH_OK), mark="auth")

    mail = cmd(msg.mail_from(case.size, f.ehlo).text, tm.mail, REPLY_MAIL)
    rcpts = [cmd(msg.rcpt_to(i).text, tm.rcpt, REPLY_RCPT) for i in range(case.recipients)]
    data_cmd = cmd("DATA", tm.data, REPLY_DATA)
    # BDAT <n> LAST and its chunk (RFC 3030 §2): answered once, after the chunk
    bdat = [cmd(f"BDAT {case.size} LAST", 0.0, hold=True),
            cmd(case.size, tm.end_of_data, _reply_bdat(case.size))]
    last = bdat if f.chunking else [data_cmd]
    quit = cmd("QUIT", tm.quit, REPLY_QUIT, closes=True)
    # QUIT may end the group that the content begins (RFC 2920 §3.1): same write
    with_quit = [quit] if f.quit == "pipelined" else []

    def ending(step: _Step) -> _Step:
        """The step whose replies end the message: the final 250 is ``accept``; a pipelined
        QUIT's 221 right behind it is ``close``."""
        if with_quit:
            step.early = {step.expect: "accept"}
            step.expect += 1
            step.mark = "close"
        else:
            step.mark = "accept"
        return step

    if f.pipelining:  # one group, DATA or the BDAT chunk last (RFC 2920 §3.1)
        recs = ([cmd(plain, tm.auth, REPLY_AUTH_OK)] if auth_in_group else []) + [mail] + rcpts
        recs += last
        if f.chunking:
            steps.append(ending(_Step(group(recs + with_quit), len(recs) - 1)))
        else:
            steps.append(_Step(group(recs), len(recs)))
    else:  # lock-step (RFC 5321 §4.1): every command waits for its reply
        for r in [mail, *rcpts]:
            exchange(r)
        if f.chunking:
            steps.append(ending(_Step(group(last + with_quit), 1)))
        else:
            steps.append(_Step(group(last), 1))
    if not f.chunking:
        if per_cmd:
            content = [cmd(case.size, 0.0), cmd(3, tm.end_of_data, REPLY_QUEUED)]
        else:
            content = [cmd(case.size + 3, tm.end_of_data, REPLY_QUEUED)]
        steps.append(ending(_Step(group(content + with_quit), 1)))
    if f.quit in ("wait", "async"):  # QUIT after the 250 (RFC 5321 §4.1.1.10)
        exchange(quit, mark="close")
    return steps


class _Session:
    def __init__(self, case: Case) -> None:
        self.case = case
        self.agenda = _Agenda()
        ag = self.agenda
        self.up = _Link(ag, case.path.up)
        self.down = _Link(ag, case.path.down)
        ctcp, stcp = case.client_tcp, case.server_tcp
        self.client = _Tcp(ag, ctcp, case.features.nagle, self.up, stcp.rwnd_bytes)
        self.server = _Tcp(ag, stcp, case.server_nagle, self.down, ctcp.rwnd_bytes)
        self.client.peer, self.server.peer = self.server, self.client
        self.client.on_handshake = self._client_handshake
        self.server.on_handshake = self._server_handshake
        self.client.app = self._client_read
        self.server.app = self._server_read
        self.max_record = case.tls.max_record
        self.marks: dict[str, float] = {}
        self.retransmits = 0
        # handshake state
        self.client_est = False
        self.server_state = "listen"
        # client script
        self.steps = _script(case)
        self.step = 0
        self.got = 0
        # server application
        self.queue: deque[_Rec] = deque()
        self.busy = False
        self.buffer: list[_Rec] = []

    # ---- handshake (RFC 793 §3.4; timers RFC 6298 §5.5 as Linux: 1 s, doubling)
    def start(self) -> None:
        self._send_syn(0.0)
        self.agenda.at(self.case.client_tcp.rto_initial_s, self._syn_timer,
                       self.case.client_tcp.rto_initial_s, 0)

    def _send_syn(self, t: float) -> None:
        self.up.send(t, SYN_BYTES, self.server.receive, _Seg(0, 0, 0, syn=True))

    def _send_synack(self, t: float) -> None:
        self.down.send(t, SYN_BYTES, self.client.receive, _Seg(0, 0, 0, syn=True))

    def _syn_timer(self, rto: float, n: int) -> None:
        if self.client_est or n >= self.case.client_tcp.syn_retries:
            return
        self.retransmits += 1
        self._send_syn(self.agenda.now)
        self.agenda.at(self.agenda.now + 2 * rto, self._syn_timer, 2 * rto, n + 1)

    def _synack_timer(self, rto: float, n: int) -> None:
        if self.server_state != "syn_rcvd" or n >= self.case.server_tcp.synack_retries:
            return
        self.retransmits += 1
        self._send_synack(self.agenda.now)
        self.agenda.at(self.agenda.now + 2 * rto, self._synack_timer, 2 * rto, n + 1)

    def _client_handshake(self, t: float, seg: _Seg) -> bool:
        if not seg.syn:
            return False
        if not self.client_est:  # SYN-ACK: established, the handshake ACK (no data yet)
            self.client_est = True
            self.marks["connect"] = t
        self.client.pure_ack(t)  # (a repeated SYN-ACK is answered with a pure ACK too)
        return True

    def _server_handshake(self, t: float, seg: _Seg) -> bool:
        if seg.syn:
            if self.server_state == "listen":
                self.server_state = "syn_rcvd"
                self._send_synack(t)
                rto = self.case.server_tcp.rto_initial_s
                self.agenda.at(t + rto, self._synack_timer, rto, 0)
            elif self.server_state == "syn_rcvd":  # a duplicate SYN: SYN-ACK at once
                self.retransmits += 1
                self._send_synack(t)
            return True
        if self.server_state == "syn_rcvd":  # the handshake ACK (or any later segment)
            self.server_state = "established"
            self.agenda.at(t + self.case.timing.greeting, self._greet)
        return False

    def _greet(self) -> None:
        g = msg.greeting()
        self.server.write(self.agenda.now, [_Part([_Rec(g.nbytes, g.text)])], self.max_record)

    # ---- client application
    def _client_read(self, t: float, recs: list[_Rec]) -> None:
        step = self.steps[self.step]
        for n, name in step.early.items():
            if self.got < n <= self.got + len(recs):
                self.marks[name] = t
        self.got += len(recs)
        if self.got < step.expect:
            return
        if step.mark:
            self.marks[step.mark] = t
        self.got = 0
        self.step += 1
        if self.step == len(self.steps):
            self.agenda.stopped = True
            return
        nxt = self.steps[self.step]
        if nxt.delay > 0:
            self.agenda.at(t + nxt.delay, self._client_write)
        else:
            self._client_write()

    def _client_write(self) -> None:
        step = self.steps[self.step]
        t = self.agenda.now
        if step.mark == "tls_written":  # TLS 1.3: application data may follow the Finished
            self.marks["tls"] = t
        for parts in step.writes:
            self.client.write(t, parts, self.max_record)

    # ---- server application (RFC 2920 §3.2)
    def _server_read(self, t: float, recs: list[_Rec]) -> None:
        self.queue.extend(recs)
        if not self.busy:
            self._serve(t)

    def _serve(self, t: float) -> None:
        while self.queue:
            rec = self.queue.popleft()
            if rec.proc > 0:
                self.busy = True
                self.agenda.at(t + rec.proc, self._served, rec)
                return
            self._answer(t, rec)
        self.busy = False

    def _served(self, rec: _Rec) -> None:
        t = self.agenda.now
        self._answer(t, rec)
        self.busy = False
        self._serve(t)

    def _answer(self, t: float, rec: _Rec) -> None:
        if rec.immediate:
            out = [_Rec(n, "tls") for n in rec.replies]
            self.server.write(t, [_Part(out)], self.max_record)
        else:
            self.buffer += [_Rec(n, lab, reply_overhead=rec.reply_overhead)
                            for n, lab in zip(rec.replies, rec.reply_labels, strict=True)]
        if not rec.hold and not self.queue and self.buffer:
            overhead = self.buffer[0].reply_overhead
            self.server.write(t, [_Part(self.buffer, overhead)], self.max_record)
            self.buffer = []
        if rec.closes:
            self.server.close(t)


def oracle(case: Case) -> OracleResult:
    """The closed-form latency of ``case`` (see the module docstring); ``ValueError`` outside
    its domain (loss, jitter, forced drops, or a feature combination that cannot be
    negotiated)."""
    _check_domain(case)
    s = _Session(case)
    s.start()
    s.agenda.run()
    if "accept" not in s.marks:  # pragma: no cover - the script always ends with a 250
        raise RuntimeError("closed form: the session did not finish")
    f = case.features
    rtt = case.path.up.delay_s + case.path.down.delay_s
    floors = [min(c.rto_initial_s, rtt + c.rto_min_s) for c in (case.client_tcp, case.server_tcp)]
    waits = [s.client.max_ack_wait, s.server.max_ack_wait]
    accept = s.marks["accept"]
    close = s.marks.get("close", accept)  # quit="drop": the client closes at the 250
    user = accept if f.quit in ("async", "drop") else close
    up = [b for dep, _arr, b in s.up.log if dep < accept]
    down = [b for dep, _arr, b in s.down.log if dep < accept]
    return OracleResult(
        accept_s=accept,
        user_s=user,
        close_s=close,
        greeting_s=s.marks["greeting"],
        tls_s=s.marks.get("tls", NAN),
        auth_s=s.marks.get("auth", NAN),
        waits=client_waits(f, case.recipients),
        round_trips=round_trips(f, case.recipients, iw=case.server_tcp.iw,
                                flight=case.tls.server_flight, mss=case.server_tcp.mss),
        handshake_retransmits=s.retransmits,
        rto_possible=any(w >= fl for w, fl in zip(waits, floors, strict=True)),
        max_ack_wait_s=max(waits),
        rto_floor_s=min(floors),
        packets_up=len(up),
        packets_down=len(down),
        bytes_up=sum(up),
        bytes_down=sum(down),
    )
