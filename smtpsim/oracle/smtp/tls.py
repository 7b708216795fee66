"""The TLS handshake in the client's script (STARTTLS, RFC 3207; implicit TLS, RFC 8314 §3;
QTLS, quickstart-01 §6), with what follows it.

* ClientHello (after ``prefix`` in the same write: QTLS; after STARTTLS's 220, ``setup``
  later: ``Client.tls_setup_s``, a client building its TLS context then), the server's flight
  ``server_cpu_s`` after it (``resumed_cpu_s`` with a ticket: no certificate, RFC 5077 §3.1,
  RFC 8446 §2.2), the client's Finished ``client_cpu_s`` (or ``resumed_cpu_s``) after the
  flight. TLS handshake messages are written as OpenSSL writes them: a flight is buffered and
  flushed once (ssl/statem/statem.c ``state_machine`` pushes the buffering BIO,
  ssl/statem/statem_clnt.c ``ossl_statem_client_post_work`` flushes after the Finished), so
  the TLS 1.2 client flight (ClientKeyExchange, ChangeCipherSpec, Finished) is one write,
  also for a per-command client. On the client's Finished the server writes the TLS 1.2
  server Finished (full handshake, RFC 5246 §7.3), or the TLS 1.3 NewSessionTickets
  (RFC 8446 §4.6.1), ``tickets_13`` writes of ``ticket_bytes`` (ssl/statem/statem_srvr.c
  ``ossl_statem_server_post_work`` flushes after each), then the implicit-TLS banner or
  QUICKSTART basic's re-greeting as a write of its own (``after_fin``; one write per line,
  as the 0.5-RTT banner, from a server with ``Server.reply_writes`` "line").
* What the client sends as soon as its Finished is out (``ride``: EHLO, or the MAIL group on
  a cached token) follows it with TLS 1.3 and the abbreviated TLS 1.2 handshake (RFC 5246
  §7.3 Fig. 2: the server's Finished came first), as another write: ``SSL_do_handshake``
  flushes the Finished and returns before the application's ``SSL_write``
  (``tls_finish_handshake`` pops the buffer). With Nagle that write waits for the ACK of the
  Finished (Minshall: the Finished is a small segment), which rides on the first ticket or
  ``after_fin``, or else comes with the server's delayed ACK. After a full TLS 1.2 handshake
  it waits for the server Finished. The 0.5-RTT banner (RFC 8446 §2) rides right behind the
  server's flight.
* 0-RTT (RFC 8446 §2.3), with a TLS 1.3 ticket: what would follow the Finished rides with the
  ClientHello instead, in the same write (``SSL_write_early_data`` flushes the buffer that
  still holds the ClientHello), and the client's TLS layer writes its Finished alone; nobody
  waits for the tickets that answer it. The replies behind the flight reach the application
  once that Finished is written (``smtpsim.oracle.session``): what they release (the rest of
  the message after a header chunk, QUIT) follows the Finished in the stream.
* With BURL the MAIL group needs GENURLAUTH's URL. If it has not come when the Finished is
  due, the Finished goes alone and the group follows when the URL comes (``Step.split``);
  0-RTT data is only sent when the URL is known at the ClientHello (``Step.fallback``:
  otherwise the handshake without it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smtpsim.oracle.records import Part, Rec, Reply, reply_writes
from smtpsim.oracle.smtp.script import Script
from smtpsim.oracle.steps import Group, Marks, merge, shift

__all__ = ["handshake"]

@dataclass(frozen=True, slots=True)
class _Handshake:
    """What a handshake carries besides itself (see :func:`handshake`)."""

    prefix: tuple[Rec, ...]
    before: int
    before_marks: Marks
    ride: Callable[[], Group] | None
    after_fin: Reply | None
    after_fin_mark: str
    half_rtt_banner: bool
    setup: float


def handshake(s: Script, *, prefix: tuple[Rec, ...] = (), before: int = 0,
              before_marks: Marks | None = None, ride: Callable[[], Group] | None = None,
              after_fin: Reply | None = None, after_fin_mark: str = "",
              half_rtt_banner: bool = False, setup: float = 0.0) -> None:
    """The handshake's steps: ClientHello (after ``prefix`` in the same write; ``before``
    records, such as the greeting, arrive ahead of the server's flight), the server's flight
    (with the banner as 0.5-RTT data when ``half_rtt_banner``), the client's Finished with
    what can ride with it (``ride``, built once TLS is up), and ``after_fin``, a record the
    server writes on its own when it reads that Finished (marked ``after_fin_mark``). A
    resumed TLS 1.3 handshake with ``early_data`` carries ``ride`` as 0-RTT data. ``setup``:
    the client's CPU time before its ClientHello, once what it waits for has come (after
    STARTTLS's 220: ``Client.tls_setup_s``)."""
    h = _Handshake(prefix, before, before_marks or {}, ride, after_fin, after_fin_mark,
                   half_rtt_banner, setup)
    f, st = s.f, s.st
    if f.early_data and st.ticket and f.tls == "1.3" and ride is not None:
        first = len(s.steps)
        _handshake(s, h)  # without 0-RTT data: the fallback
        full = s.steps[first:]
        del s.steps[first:]
        _early_data(s, h)
        if s.steps[-1].gate:  # no URL at the ClientHello: no 0-RTT data
            s.steps[-1].fallback = full
        return
    _handshake(s, h)


def _hello(s: Script) -> tuple[int, float, int, float]:
    """The ClientHello's bytes, the server's CPU time on it, the server's flight's bytes and
    the client's CPU time on that flight (with a ticket: RFC 5077 §3.2, RFC 8446 §4.2.11)."""
    tls, v13 = s.tls, s.f.tls == "1.3"
    if s.st.ticket:
        flight = tls.server_resumed_13 if v13 else tls.server_resumed_12
        return tls.client_hello + tls.hello_ticket_bytes, tls.resumed_cpu_s, flight, \
            tls.resumed_cpu_s
    return tls.client_hello, tls.server_cpu_s, tls.server_flight, tls.client_cpu_s


def _handshake(s: Script, h: _Handshake) -> None:
    """The handshake without 0-RTT data: the ClientHello's step, then the Finished's."""
    tls = s.tls
    oh = tls.record_overhead_13 if s.f.tls == "1.3" else tls.record_overhead_12
    hello_n, cpu, flight, client_cpu = _hello(s)
    fl: tuple[tuple[Part, ...], ...] = ((Part([Rec(flight, "server flight")]),),)
    if h.half_rtt_banner:  # RFC 8446 §2: 0.5-RTT data right behind the server's flight
        fl = _behind_flight(s, fl[0], oh)
    hello = Rec(hello_n, "ClientHello", cpu, writes=fl)
    # the client's TLS library answers the flight as soon as it has read it, whether or not
    # a 0.5-RTT banner behind it has arrived (the Finished's step waits for that banner)
    s.step([[Part([*h.prefix, hello])]], h.before + 1, delay=h.setup,
           marks=dict(h.before_marks))
    s.oh = oh
    after: tuple[tuple[Part, ...], ...] = ()
    if h.after_fin is not None:
        after = tuple(tuple(w) for w in reply_writes(h.after_fin, oh, s.per_line))
    if s.f.tls == "1.2" and not s.st.ticket:
        _full_12(s, h, after, client_cpu)
    else:
        _finished(s, h, after, client_cpu)


def _behind_flight(s: Script, flight: tuple[Part, ...], oh: int
                   ) -> tuple[tuple[Part, ...], ...]:
    """The server's TLS 1.3 flight with the banner as 0.5-RTT data behind it (RFC 8446 §2):
    in the flight's write, or its lines one write each after it (``reply_writes`` "line")."""
    if not s.per_line:
        return (flight + (Part([Rec(s.greeting.nbytes, "banner")], oh),),)
    return (flight, *(tuple(w) for w in reply_writes(s.greeting, oh, True)))


def _full_12(s: Script, h: _Handshake, after: tuple[tuple[Part, ...], ...],
             client_cpu: float) -> None:
    """RFC 5246 §7.3: 2 RTT, nothing follows the client's flight; what would waits for the
    server's Finished, which carries the flight's ACK. The flight (ClientKeyExchange,
    ChangeCipherSpec, Finished) is one write, per-command writes or not (OpenSSL flushes it
    once, after the Finished). ``after``: the writes of a record the server writes on the
    Finished (one record the client waits for, in one write or one per line)."""
    tls = s.tls
    fin = Rec(tls.client_finished_12, "ClientKeyExchange, ChangeCipherSpec, Finished",
              writes=((Part([Rec(tls.server_finished_12, "tls")]),),) + after)
    writes = [[Part([fin])]]
    fin_marks: Marks = {1: ("tls",)}
    if h.after_fin_mark:
        fin_marks = merge(fin_marks, {2: (h.after_fin_mark,)})
    s.step(writes, 1 + (1 if after else 0), delay=client_cpu, marks=fin_marks)
    if h.ride is not None:
        s.send(h.ride())


def _finished(s: Script, h: _Handshake, after: tuple[tuple[Part, ...], ...],
              client_cpu: float) -> None:
    """TLS 1.3 (RFC 8446 §2: NewSessionTickets when the Finished is read) or the TLS 1.2
    abbreviated handshake (RFC 5246 §7.3 Fig. 2: the server's Finished came first): the
    client's Finished is a write of its own, and what rides follows it at once as the
    application's next write (or writes, per command)."""
    tls = s.tls
    banner = 1 if h.half_rtt_banner else 0  # the 0.5-RTT banner arrives before the answers
    if s.f.tls == "1.3":
        fin = Rec(tls.client_finished_13, "Finished", writes=_tickets(s) + after)
        n_first = banner + tls.tickets_13 + (1 if after else 0)
    else:
        fin = Rec(tls.client_resumed_12, "Finished", writes=after)
        n_first = banner + (1 if after else 0)
    fin_marks: Marks = {1: ("greeting",)} if banner else {}
    if h.after_fin_mark:
        fin_marks = merge(fin_marks, {n_first: (h.after_fin_mark,)})
    g = h.ride() if h.ride is not None else Group([], 0)
    group_writes = s.parts(g.recs) if g.recs else []
    writes = [[Part([fin])], *group_writes]
    s.step(writes, n_first + g.expect, delay=client_cpu,
           marks=merge(fin_marks, shift(g.marks, n_first)), on_write=("tls",) + g.on_write)
    if s.steps[-1].gate:  # the Finished goes alone if the URL has not come
        s.steps[-1].split = ([[Part([fin])]], group_writes)


def _early_data(s: Script, h: _Handshake) -> None:
    """TLS 1.3 0-RTT (RFC 8446 §2.3), with a ticket: what would follow the Finished
    rides with the ClientHello instead, as early data in the same write; the server answers
    it right behind its flight, after its banner (implicit TLS: the banner leaves behind the
    flight, as 0.5-RTT data). The client's TLS layer writes its Finished, alone,
    ``client_cpu`` after the flight; the NewSessionTickets that answer it are waited for by
    nobody."""
    assert h.ride is not None
    tls = s.tls
    oh = tls.record_overhead_13
    s.oh = oh
    hello_n, cpu, flight, client_cpu = _hello(s)
    g = h.ride()
    fin = Rec(tls.client_finished_13, "Finished", writes=_tickets(s, wait=False))
    fl: tuple[tuple[Part, ...], ...] = ((Part([Rec(flight, "server flight",
                                                   react=(client_cpu, [Part([fin])]))]),),)
    writes: tuple[tuple[Part, ...], ...] = ()
    marks = dict(h.before_marks)
    expect = h.before + 1
    if h.half_rtt_banner:  # behind the flight
        fl = _behind_flight(s, fl[0], oh)
        expect += 1
        marks = merge(marks, {expect: ("greeting",)})
    elif h.after_fin is not None:  # the banner must precede the answers: its own write(s)
        writes = tuple(tuple(w) for w in reply_writes(h.after_fin, oh, s.per_line))
        expect += 1
        if h.after_fin_mark:
            marks = merge(marks, {expect: (h.after_fin_mark,)})
    hello = Rec(hello_n, "ClientHello", cpu, writes=(*fl, *writes))
    s.step([[Part([*h.prefix, hello]), Part(g.recs, oh)]], expect + g.expect, delay=h.setup,
           marks=merge(marks, shift(g.marks, expect)), on_write=g.on_write)


def _tickets(s: Script, wait: bool = True) -> tuple[tuple[Part, ...], ...]:
    """The server's TLS 1.3 NewSessionTickets on the client's Finished (RFC 8446 §4.6.1):
    ``tickets_13`` writes of ``ticket_bytes`` (OpenSSL flushes after each ticket); ``wait``
    False when no step of the client waits for them (after 0-RTT data)."""
    tls = s.tls
    return tuple((Part([Rec(tls.ticket_bytes, "tls", wait=wait)]),)
                 for _ in range(tls.tickets_13))
