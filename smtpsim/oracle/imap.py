"""The IMAP side: send-and-save, BURL's URL, and the submission server's fetch.

The client's IMAP connection is a second TCP connection on the same access links (the same
FIFO queues, so its packets and the SMTP ones delay each other), with the client's own stack
(``client_tcp``, Nagle as its SMTP socket) and the IMAP server's (the provider's
``server_tcp`` and ``server_nagle``). An open session (``imap_cold`` False) is established,
authenticated and selected, TLS 1.3 records up (none with ``imap_tls`` "plain"); a cold one
first connects (three-way handshake with the SYN timers), then as ``imap_tls`` says
(``connect_steps``): implicit TLS 1.3 (RFC 8314 §3: ClientHello, flight after
``server_cpu_s``, Finished after ``client_cpu_s``, the greeting when the server reads it,
behind ``imap_tickets_13`` TLS 1.3 session tickets, one write each, which no step waits
for); or the cleartext greeting written at the accept, and with STARTTLS (RFC 3501
§6.2.1) STARTTLS and its OK, the handshake, CAPABILITY with the Finished and its answer
(cached capabilities are discarded); then ``AUTHENTICATE PLAIN`` with an initial response
(RFC 4959; ``imap_auth``). Then APPEND to Sent (RFC 3501 §6.3.11) with a synchronizing
literal (§7.5: the "+" first, then the literal; 2 round trips) or LITERAL+ (RFC 7888:
command and literal in one write; 1 round trip); ``imap_append`` after the literal; the
tagged OK with APPENDUID (RFC 4315) is ``saved_s``. With ``imap_pipelined`` (and LITERAL+)
AUTHENTICATE goes in the APPEND's write instead of its own round trip (RFC 3501 §5.5), and
the server answers each in turn. With BURL, GENURLAUTH (RFC 4467 §7.2; ``imap_genurlauth``)
follows APPEND's OK (its URL names the UID the OK gives), one round trip, and its answer is
the URL.

* ``save`` "parallel": both connections start at 0; "first": the SMTP connection starts when
  the IMAP work is done (the OK, or with BURL the URL): ``save_phase_s``.
* BURL (RFC 4468): the MAIL group is ``[AUTH] MAIL RCPT x R BURL <url> LAST [QUIT]``
  (lock-step without PIPELINING), no DATA, no content; the step that writes it waits for the
  URL; the server spends, on BURL, its fetch (URLFETCH, RFC 4467 §7.3, over ``dc_path``: on
  the pooled connection one exchange, ``imap_urlfetch``, the message in the answer; on a new
  one first TCP, TLS, greeting, AUTHENTICATE as above: about 5 data-centre round trips)
  plus ``end_of_data``, then answers 250.
* ``done_s = max(accept_s, saved_s)``. While the MAIL group waits for the URL the client sends
  NOOP (RFC 5321 §4.1.1.9) ``NOOP_INTERVAL_S`` after the group was due and after each NOOP's
  answer (``smtpsim.oracle.session``).
"""

from __future__ import annotations

from collections.abc import Callable

from smtpsim.model import Case, TlsConfig, text
from smtpsim.model.features import ImapTls
from smtpsim.oracle.agenda import Agenda
from smtpsim.oracle.causes import ORIGIN, Cause
from smtpsim.oracle.connection import Connection
from smtpsim.oracle.domain import Timing
from smtpsim.oracle.records import Part, Rec
from smtpsim.oracle.server import Replier
from smtpsim.oracle.steps import Step
from smtpsim.oracle.tcp import Tcp
from smtpsim.oracle.wire import Link

__all__ = ["URL", "Dialog", "connect_steps", "fetch_time", "greeting", "open_steps",
           "save_steps"]

URL = text.burl_url(text.FIRST_UID)
"""The URLAUTH URL of the saved message (RFC 4467 §3): the first APPEND of a run gets
``FIRST_UID``."""


class Dialog:
    """An IMAP client: its steps (``Step``) written in turn, each after the records it waits
    for; ``hook(name, t, cause)`` is told of every mark. ``cause``: what its current step
    waited for last (``smtpsim.oracle.causes``; at first the user's "send")."""

    def __init__(self, agenda: Agenda, tcp: Tcp, max_record: int, steps: list[Step],
                 hook: Callable[[str, float, Cause], None]) -> None:
        self.agenda, self.tcp, self.max_record = agenda, tcp, max_record
        self.steps, self.hook = steps, hook
        self.step = 0
        self.got = 0
        self.cause = ORIGIN
        tcp.app = self.read

    def connected(self, t: float) -> None:
        """connect() returned (the SYN-ACK's arrival): the first step."""
        self.cause = self.tcp.cause
        self.write()

    def write(self) -> None:
        """Write the current step."""
        step = self.steps[self.step]
        for parts in step.writes:
            self.tcp.write(self.agenda.now, parts, self.max_record, self.cause)

    def read(self, t: float, recs: list[Rec], cause: Cause) -> None:
        """Records delivered: marks, and the next step once the current one has its own
        (session tickets, ``wait`` False, are the TLS layer's)."""
        for rec in recs:
            if self.step == len(self.steps):
                return
            if not rec.wait:
                continue
            step = self.steps[self.step]
            self.got += 1
            for name in step.marks.get(self.got, ()):
                self.hook(name, t, cause)
            if self.got < step.expect:
                continue
            self.got = 0
            self.cause = cause
            self.step += 1
            if self.step == len(self.steps):
                return
            delay = self.steps[self.step].delay
            if delay > 0:
                self.agenda.at(t + delay, self.write)
            else:
                self.write()


def _line(line: str, oh: int | None) -> Part:
    """One IMAP line, written alone as a TLS 1.3 record (``oh`` its overhead; None:
    cleartext)."""
    return Part([Rec(text.line_bytes(line), line)], oh)


def _lines(lines: list[str], label: str, oh: int | None) -> Part:
    """Lines the server writes together (an untagged answer and its tagged OK)."""
    return Part([Rec(sum(text.line_bytes(line) for line in lines), label)], oh)


def greeting(mode: ImapTls) -> str | None:
    """The greeting a cleartext session's server writes when it accepts the connection (it
    comes after the TLS handshake with implicit TLS: None)."""
    if mode == "implicit":
        return None
    return text.IMAP_STARTTLS_GREETING if mode == "starttls" else text.IMAP_GREETING


def _tickets(tls: TlsConfig, tickets: int) -> tuple[tuple[Part, ...], ...]:
    """The server's TLS 1.3 NewSessionTickets on the client's Finished (RFC 8446 §4.6.1),
    ``tickets`` writes of ``ticket_bytes`` (OpenSSL ``ossl_statem_server_post_work`` flushes
    after each); the client's TLS layer takes them, no step waits for them."""
    return tuple((Part([Rec(tls.ticket_bytes, "ticket", wait=False)]),)
                 for _ in range(tickets))


def connect_steps(tls: TlsConfig, mode: ImapTls, tickets: int = 0) -> tuple[list[Step], int]:
    """A new IMAP session up to where it may authenticate, and the tags it used. On the
    client's Finished the server writes ``tickets`` session tickets (``_tickets``) first.

    * "implicit" (RFC 8314 §3, TLS 1.3): the ClientHello at connect, the client Finished
      ``client_cpu_s`` after the server's flight (``server_cpu_s`` after the hello), the
      greeting (RFC 3501 §7.1.1) written when the Finished is read, after the tickets.
    * "plain": the greeting, written when the server accepts (``greeting``).
    * "starttls": the cleartext greeting, STARTTLS and its OK (RFC 3501 §6.2.1: nothing
      else may be sent before the handshake is over), the handshake as above, CAPABILITY the
      write after the client Finished (the TLS library writes the Finished alone: with Nagle
      CAPABILITY waits for its ACK, which the first ticket carries, or, with none, the
      server's delayed ACK) and its answer waited for (§6.2.1: cached capabilities
      discarded, CAPABILITY re-issued)."""
    oh = tls.record_overhead_13
    hello = Rec(tls.client_hello, "ClientHello", tls.server_cpu_s,
                writes=((Part([Rec(tls.server_flight, "server flight")]),),))
    if mode == "implicit":
        fin = Rec(tls.client_finished_13, "Finished",
                  writes=(*_tickets(tls, tickets), (_line(text.IMAP_GREETING, oh),)))
        return [Step([[Part([hello])]], 1),
                Step([[Part([fin])]], 1, delay=tls.client_cpu_s)], 0
    steps = [Step([], 1)]  # connect: nothing to write, the greeting comes
    if mode == "plain":
        return steps, 0
    starttls, cap = text.imap_tag(1), text.imap_tag(2)
    cmd = text.imap_starttls(starttls)
    steps.append(Step([[Part([Rec(text.line_bytes(cmd), cmd,
                                  writes=((_line(text.imap_starttls_ok(starttls), None),),))])]],
                      1))
    steps.append(Step([[Part([hello])]], 1))
    fin = Rec(tls.client_finished_13, "Finished", writes=_tickets(tls, tickets))
    cmd = text.imap_capability(cap)
    answer = _lines(text.imap_capability_answer(cap), "capabilities", oh)
    capability = Rec(text.line_bytes(cmd), cmd, writes=((answer,),))
    steps.append(Step([[Part([fin])], [Part([capability], oh)]], 1, delay=tls.client_cpu_s))
    return steps, 2


def _authenticate(tag: str, timing: Timing, oh: int | None) -> Rec:
    """``AUTHENTICATE PLAIN`` with an initial response (RFC 4959), answered with its OK."""
    line = text.imap_authenticate(tag)
    return Rec(text.line_bytes(line), line, timing.imap_auth,
               writes=((_line(text.imap_ok(tag, "AUTHENTICATE"), oh),),))


def open_steps(tls: TlsConfig, timing: Timing, tickets: int = 0) -> list[Step]:
    """A new implicit-TLS IMAP session (``connect_steps``, the server sending ``tickets``
    session tickets), then AUTHENTICATE and its OK: the submission server's fetch
    connection."""
    steps, n = connect_steps(tls, "implicit", tickets)
    oh = tls.record_overhead_13
    return [*steps, Step([[Part([_authenticate(text.imap_tag(n + 1), timing, oh)], oh)]], 1)]


def save_steps(case: Case, timing: Timing) -> list[Step]:
    """The client's IMAP work: [open the session,] APPEND the message to Sent with a
    synchronizing literal (RFC 3501 §7.5: the "+" first) or LITERAL+ (RFC 7888: command and
    literal in one write), its tagged OK with APPENDUID (RFC 4315) marks ``saved``; with BURL
    then GENURLAUTH (RFC 4467 §7.2), whose answer (the URL and the tagged OK, one write)
    marks ``url``: it waits for APPEND's OK, whose UID its URL names. The session is warm
    (open, authenticated, selected) or opened first (``connect_steps``, then AUTHENTICATE
    and its OK; with ``imap_pipelined`` AUTHENTICATE goes in the APPEND's write instead, and
    the step waits for both OKs, RFC 3501 §5.5)."""
    f, tls = case.client.features, case.server.tls
    oh = None if f.imap_tls == "plain" else tls.record_overhead_13
    size = case.workload.size
    steps, n = (connect_steps(tls, f.imap_tls, case.server.imap_tickets_13) if f.imap_cold
                else ([], 0))
    auth = [_authenticate(text.imap_tag(n + 1), timing, oh)] if f.imap_cold else []
    pipelined = bool(auth) and f.imap_pipelined and f.literal_plus
    if auth and not pipelined:
        steps.append(Step([[Part(auth, oh)]], 1))
    n += len(auth)  # tags used so far
    append_tag, url_tag = text.imap_tag(n + 1), text.imap_tag(n + 2)
    ok = (_line(text.imap_appended(append_tag, text.FIRST_UID), oh),)
    literal = Rec(size, "literal", timing.imap_append, writes=(ok,))
    cmd = text.imap_append(append_tag, size, f.literal_plus)
    if pipelined:  # AUTHENTICATE, APPEND and the literal: one write, two OKs
        steps.append(Step([[Part([*auth, Rec(text.line_bytes(cmd), cmd), literal], oh)]], 2,
                          marks={2: ("saved",)}))
    elif f.literal_plus:
        steps.append(Step([[Part([Rec(text.line_bytes(cmd), cmd), literal], oh)]], 1,
                          marks={1: ("saved",)}))
    else:
        cont = (_line(text.IMAP_CONTINUE, oh),)
        steps.append(Step([[Part([Rec(text.line_bytes(cmd), cmd, writes=(cont,))], oh)]], 1))
        steps.append(Step([[Part([literal], oh)]], 1, marks={1: ("saved",)}))
    if f.burl:
        answer = _lines(text.imap_genurlauth_answer(url_tag, text.FIRST_UID), "url", oh)
        gen = text.imap_genurlauth(url_tag, text.FIRST_UID)
        steps.append(Step([[Part([Rec(text.line_bytes(gen), gen, timing.imap_genurlauth,
                                      writes=((answer,),))],
                                 oh)]], 1, marks={1: ("url",)}))
    return steps


def fetch_time(case: Case, timing: Timing, start: float) -> float:
    """How long the submission server's URLFETCH (RFC 4467 §7.3) of the message takes on its
    data-centre path (``Case.dc_path``; both ends are the provider's hosts: ``server_tcp`` and
    ``server_nagle``) when it starts at ``start``: on its pooled connection (open,
    authenticated, idle since the run began at 0) one exchange; on a new one first TCP,
    implicit TLS 1.3, the greeting and AUTHENTICATE, as the client's cold session. The answer
    (the untagged URLFETCH line, the message, the tagged OK) is one write, the fetch done when
    it has arrived. The path carries nothing else, but the time still depends on when the
    fetch starts, through the pooled connection's receive window (``window``): its first
    per-RTT measure (Linux ``tcp_rcv_space_adjust``) runs from the connection's establishment
    at 0 to the first read, and its timestamps are the run's clock (the URLFETCH line's,
    echoed on the answer, gives the first receiver RTT sample, ``tcp_rcv_rtt_measure_ts``),
    so the fetch is run on the run's clock from ``start``, as the simulator runs it."""
    tls, srv, size = case.server.tls, case.server, case.workload.size
    oh = tls.record_overhead_13
    ag = Agenda()
    conn = Connection(ag, Link(ag, srv.dc_path.up), Link(ag, srv.dc_path.down), srv.tcp,
                      srv.tcp, srv.nagle, srv.nagle)
    steps = [] if srv.burl_pooled else open_steps(tls, timing, srv.imap_tickets_13)
    tag = text.imap_tag(1 if srv.burl_pooled else 2)  # after AUTHENTICATE
    untagged, tagged = text.imap_urlfetch_answer(tag, URL, size)
    answer = text.line_bytes(untagged) + size + text.line_bytes(tagged)
    fetch = text.imap_urlfetch(tag, URL, size)
    steps.append(Step([[Part([Rec(text.line_bytes(fetch), fetch, timing.imap_urlfetch,
                                  writes=((Part([Rec(answer, "message")], oh),),))],
                             oh)]], 1, marks={1: ("fetched",)}))
    done: dict[str, float] = {}
    dialog = Dialog(ag, conn.client, tls.max_record, steps,
                    lambda name, t, _cause: done.__setitem__(name, t))
    Replier(ag, conn.server, tls.max_record)
    if srv.burl_pooled:
        conn.established()  # at 0, when the run began
        ag.at(start, dialog.write)
    else:
        conn.on_connect = dialog.connected
        ag.at(start, conn.connect, start, ORIGIN)
    ag.run()
    return done["fetched"] - start
