"""The IMAP side: send-and-save, BURL's URL, and the submission server's fetch.

The client's IMAP connection is a second TCP connection on the same access links (the same
FIFO queues, so its packets and the SMTP ones delay each other), with the client's own stack
(``client_tcp``, Nagle as its SMTP socket) and the IMAP server's (the provider's
``server_tcp`` and ``server_nagle``). An open session (``imap_cold`` False) is established,
authenticated and selected, TLS 1.3 records up; a cold one first connects (three-way
handshake with the SYN timers), implicit TLS 1.3 (RFC 8314 §3: ClientHello, flight after
``server_cpu_s``, Finished after ``client_cpu_s``, the greeting when the server reads it, no
tickets), ``AUTHENTICATE PLAIN`` with an initial response (RFC 4959; ``imap_auth``). Then
APPEND to Sent (RFC 3501 §6.3.11) with a synchronizing literal (§7.5: the "+" first, then
the literal; 2 round trips) or LITERAL+ (RFC 7888: command and literal in one write; 1 round
trip); ``imap_append`` after the literal; the tagged OK with APPENDUID (RFC 4315) is
``saved_s``. With BURL, GENURLAUTH (RFC 4467 §7.2; ``imap_genurlauth``) follows, one round
trip, and its answer is the URL. Every IMAP command is answered on its own (no pipelining of
the client's IMAP commands: each needs the previous answer).

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
from smtpsim.oracle.agenda import Agenda
from smtpsim.oracle.connection import Connection
from smtpsim.oracle.domain import Timing
from smtpsim.oracle.records import Part, Rec
from smtpsim.oracle.server import Replier
from smtpsim.oracle.steps import Step
from smtpsim.oracle.tcp import Tcp
from smtpsim.oracle.wire import Link

__all__ = ["URL", "Dialog", "fetch_time", "open_steps", "save_steps"]

URL = text.burl_url(text.FIRST_UID)
"""The URLAUTH URL of the saved message (RFC 4467 §3): the first APPEND of a run gets
``FIRST_UID``."""


class Dialog:
    """An IMAP client: its steps (``Step``) written in turn, each after the records it waits
    for; ``hook(name, t)`` is told of every mark."""

    def __init__(self, agenda: Agenda, tcp: Tcp, max_record: int, steps: list[Step],
                 hook: Callable[[str, float], None]) -> None:
        self.agenda, self.tcp, self.max_record = agenda, tcp, max_record
        self.steps, self.hook = steps, hook
        self.step = 0
        self.got = 0
        tcp.app = self.read

    def write(self) -> None:
        """Write the current step."""
        step = self.steps[self.step]
        for parts in step.writes:
            self.tcp.write(self.agenda.now, parts, self.max_record)

    def read(self, t: float, recs: list[Rec]) -> None:
        """Records delivered: marks, and the next step once the current one has its own."""
        for _rec in recs:
            if self.step == len(self.steps):
                return
            step = self.steps[self.step]
            self.got += 1
            for name in step.marks.get(self.got, ()):
                self.hook(name, t)
            if self.got < step.expect:
                continue
            self.got = 0
            self.step += 1
            if self.step == len(self.steps):
                return
            delay = self.steps[self.step].delay
            if delay > 0:
                self.agenda.at(t + delay, self.write)
            else:
                self.write()


def _line(line: str, oh: int) -> Part:
    """One IMAP line, written alone as a TLS 1.3 record."""
    return Part([Rec(text.line_bytes(line), line)], oh)


def open_steps(tls: TlsConfig, timing: Timing) -> list[Step]:
    """A new IMAP session (RFC 8314 §3 implicit TLS 1.3, RFC 3501 §7.1.1 greeting, RFC 4959
    ``AUTHENTICATE PLAIN`` with an initial response): the ClientHello at connect, the client
    Finished ``client_cpu_s`` after the server's flight (``server_cpu_s`` after the hello),
    the greeting written when the Finished is read (no tickets), AUTHENTICATE, its OK."""
    oh = tls.record_overhead_13
    tag = text.imap_tag(1)
    hello = Rec(tls.client_hello, "ClientHello", tls.server_cpu_s,
                writes=((Part([Rec(tls.server_flight, "server flight")]),),))
    fin = Rec(tls.client_finished_13, "Finished", writes=((_line(text.IMAP_GREETING, oh),),))
    authenticate = text.imap_authenticate(tag)
    auth = Rec(text.line_bytes(authenticate), authenticate, timing.imap_auth,
               writes=((_line(text.imap_ok(tag, "AUTHENTICATE"), oh),),))
    return [Step([[Part([hello])]], 1), Step([[Part([fin])]], 1, delay=tls.client_cpu_s),
            Step([[Part([auth], oh)]], 1)]


def save_steps(case: Case, timing: Timing) -> list[Step]:
    """The client's IMAP work: [open the session,] APPEND the message to Sent with a
    synchronizing literal (RFC 3501 §7.5: the "+" first) or LITERAL+ (RFC 7888: command and
    literal in one write), its tagged OK with APPENDUID (RFC 4315) marks ``saved``; with BURL
    then GENURLAUTH (RFC 4467 §7.2), whose answer (the URL and the tagged OK, one write)
    marks ``url``. The session is warm (open, authenticated, selected) or opened first."""
    f, tls = case.client.features, case.server.tls
    oh = tls.record_overhead_13
    size = case.workload.size
    steps = open_steps(tls, timing) if f.imap_cold else []
    n = 1 if f.imap_cold else 0  # tags used so far (AUTHENTICATE)
    append_tag, url_tag = text.imap_tag(n + 1), text.imap_tag(n + 2)
    ok = (_line(text.imap_appended(append_tag, text.FIRST_UID), oh),)
    literal = Rec(size, "literal", timing.imap_append, writes=(ok,))
    cmd = text.imap_append(append_tag, size, f.literal_plus)
    if f.literal_plus:
        steps.append(Step([[Part([Rec(text.line_bytes(cmd), cmd), literal], oh)]], 1,
                          marks={1: ("saved",)}))
    else:
        cont = (_line(text.IMAP_CONTINUE, oh),)
        steps.append(Step([[Part([Rec(text.line_bytes(cmd), cmd, writes=(cont,))], oh)]], 1))
        steps.append(Step([[Part([literal], oh)]], 1, marks={1: ("saved",)}))
    if f.burl:
        answer = sum(text.line_bytes(line)
                     for line in text.imap_genurlauth_answer(url_tag, text.FIRST_UID))
        gen = text.imap_genurlauth(url_tag, text.FIRST_UID)
        steps.append(Step([[Part([Rec(text.line_bytes(gen), gen, timing.imap_genurlauth,
                                      writes=((Part([Rec(answer, "url")], oh),),))],
                                 oh)]], 1, marks={1: ("url",)}))
    return steps


def fetch_time(case: Case, timing: Timing) -> float:
    """How long the submission server's URLFETCH (RFC 4467 §7.3) of the message takes on its
    data-centre path (``Case.dc_path``; both ends are the provider's hosts: ``server_tcp`` and
    ``server_nagle``): on its pooled connection (open, authenticated) one exchange; on a new
    one first TCP, implicit TLS 1.3, the greeting and AUTHENTICATE, as the client's cold
    session. The answer (the untagged URLFETCH line, the message, the tagged OK) is one
    write, the fetch done when it has arrived. The path carries nothing else, so the time
    does not depend on when the fetch starts."""
    tls, srv, size = case.server.tls, case.server, case.workload.size
    oh = tls.record_overhead_13
    ag = Agenda()
    conn = Connection(ag, Link(ag, srv.dc_path.up), Link(ag, srv.dc_path.down), srv.tcp,
                      srv.tcp, srv.nagle, srv.nagle)
    steps = [] if srv.burl_pooled else open_steps(tls, timing)
    tag = text.imap_tag(1 if srv.burl_pooled else 2)  # after AUTHENTICATE
    untagged, tagged = text.imap_urlfetch_answer(tag, URL, size)
    answer = text.line_bytes(untagged) + size + text.line_bytes(tagged)
    fetch = text.imap_urlfetch(tag, URL, size)
    steps.append(Step([[Part([Rec(text.line_bytes(fetch), fetch, timing.imap_urlfetch,
                                  writes=((Part([Rec(answer, "message")], oh),),))],
                             oh)]], 1, marks={1: ("fetched",)}))
    done: dict[str, float] = {}
    dialog = Dialog(ag, conn.client, tls.max_record, steps, done.__setitem__)
    Replier(ag, conn.server, tls.max_record)
    if srv.burl_pooled:
        conn.established()
        ag.at(0.0, dialog.write)
    else:
        conn.on_connect = lambda t: dialog.write()
        conn.connect(0.0)
    ag.run()
    return done["fetched"]
