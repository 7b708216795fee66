"""The servers' applications: the SMTP server and the IMAP servers, max-plus over what they
read.

* Sequential processing (RFC 2920 §3.2 for SMTP; RFC 3501 §5.5 allows an IMAP server more,
  one command at a time is modelled): record ``i`` delivered at ``a_i`` is processed from
  ``s_i = max(a_i, e_{i-1})`` to ``e_i = s_i + p_i`` (``Rec.proc``, plus BURL's fetch from
  ``s_i`` on, ``Rec.fetch``: the ``ServerTiming`` of
  the command; QHLO costs ``ehlo``, QTLS nothing, a command refused with 503 nothing).
* The SMTP server accepts the connection when the handshake ACK arrives (at the SYN with a
  valid Fast Open cookie or with the banner on the SYN-ACK), spends ``greeting`` preparing
  its banner, writes it (implicit TLS: when the handshake is done, as a record of the
  script), and only then reads. With ``reply_writes`` "group" a reply is buffered, and the
  buffer is written as one write at ``e_i`` when no further command has been delivered by
  then (RFC 2920 §3.2); a BDAT line is answered only with its chunk (RFC 3030 §2), so no
  flush between them. With "line" (aiosmtpd's ``SMTP.push``: write and drain each line)
  every line of every reply is a write of its own at ``e_i``, the banner's lines too
  (``records.reply_writes``). TLS handshake messages and banners (``Rec.writes``) are
  written at once, each its own write. The server closes (a FIN) after writing the 221, or
  once it has answered what it read before the client's FIN (a client that drops the
  session after the 250). With ``linger`` (``Server.quit_linger_s``, Exim 4.96
  ``smtp_quit_handler``: the socket corked with ``EXIM_TCP_CORK``, the 221 written, then
  ``poll_one_fd(fileno(smtp_in), POLLIN, 200)`` "hoping client will FIN first") it waits
  after QUIT for the client's FIN, at most ``linger`` seconds, then closes: in cleartext the
  221 and the replies buffered with it are held (corked) until then; under TLS the 221 is
  written at once and only the FIN waits. A FIN that came before QUIT was processed ends
  the wait at once.
* An IMAP server answers each record with its ``writes`` once it has processed it.
* The critical path (``causes``): a record's processing starts because it was delivered, or,
  when it was delivered before, because the previous one's ended (a tie goes to the
  delivery); the SMTP server's banner because the connection was accepted. What the server
  writes carries that cause, its processing time since a stall.
"""

from __future__ import annotations

from collections import deque

from smtpsim.oracle.agenda import Agenda
from smtpsim.oracle.causes import ORIGIN, TIE_S, Cause
from smtpsim.oracle.connection import Connection
from smtpsim.oracle.records import Part, Rec, Reply, reply_writes
from smtpsim.oracle.tcp import Tcp

__all__ = ["Replier", "Sequential", "SmtpServer"]


class Sequential:
    """A server that processes what it reads one record after another: each record takes
    ``rec.proc`` seconds, then ``_answer`` handles it. ``cause``: what its current step
    waited for last (``causes``)."""

    def __init__(self, agenda: Agenda) -> None:
        self.agenda = agenda
        self.queue: deque[tuple[Rec, Cause]] = deque()
        self.busy = False
        self.cause = ORIGIN

    def _answer(self, t: float, rec: Rec) -> None:
        raise NotImplementedError

    def _queue(self, recs: list[Rec], cause: Cause) -> None:
        self.queue.extend((rec, cause) for rec in recs)

    def _serve(self, t: float) -> None:
        while self.queue:
            rec, delivered = self.queue.popleft()
            if delivered.at >= t - TIE_S:  # it came last (else the server was busy)
                self.cause = delivered
            proc = rec.proc if rec.fetch is None else rec.fetch(t) + rec.proc
            if proc > 0:
                self.busy = True
                self.agenda.at(t + proc, self._served, rec)
                return
            self._answer(t, rec)
        self.busy = False

    def _served(self, rec: Rec) -> None:
        t = self.agenda.now
        self._answer(t, rec)
        self.busy = False
        self._serve(t)


class SmtpServer(Sequential):
    """The submission server on ``conn``: ``accept`` when its socket exists, its banner
    ``greeting`` (None with implicit TLS: the script's handshake carries it) ready
    ``prepare`` seconds later; ``hold_synack``: the SYN-ACK waits for the banner's first
    write and carries it; ``per_line``: every reply line a write of its own; ``linger``:
    how long it waits for the client's FIN after QUIT (the module docstring)."""

    def __init__(self, agenda: Agenda, conn: Connection, greeting: Reply | None,
                 prepare: float, max_record: int, hold_synack: bool,
                 per_line: bool = False, linger: float = 0.0) -> None:
        super().__init__(agenda)
        self.conn = conn
        self.tcp: Tcp = conn.server
        self.greeting = greeting
        self.per_line = per_line
        self.prepare = prepare
        self.max_record = max_record
        self.hold_synack = hold_synack
        self.ready = False  # the banner is prepared (written, with implicit TLS: deferred)
        self.buffer: list[Rec] = []
        self.peer_closed = False
        self.linger = linger
        self.lingering = False  # after QUIT, waiting for the client's FIN
        self.tcp.app = self.read
        self.tcp.on_fin = self._peer_fin

    def accept(self, t: float) -> None:
        """The socket exists (the arrival being handled made it): the banner is
        prepared."""
        self.cause = self.tcp.cause
        self.agenda.at(t + self.prepare, self._greet)

    def _greet(self) -> None:
        """The banner is ready: written (the SYN-ACK carries its first write when held for
        it), then the commands that arrived meanwhile are read."""
        t = self.agenda.now
        self.ready = True
        writes: list[list[Part]] = []
        if self.greeting is not None:
            writes = reply_writes(self.greeting, None, self.per_line)
            self.tcp.write(t, writes[0], self.max_record, self.cause)
        if self.hold_synack:
            self.conn.send_held_synack(t)
        for parts in writes[1:]:
            self.tcp.write(t, parts, self.max_record, self.cause)
        self._serve(t)

    def _peer_fin(self, t: float) -> None:
        """The client's FIN: once what it sent is answered, the server closes too."""
        self.peer_closed = True
        if self.lingering:  # the wait after QUIT ends: caused by this FIN
            self._release(t, self.tcp.cause)
        elif self.ready and not self.busy and not self.queue:
            self.tcp.close(t, self.cause)

    def _serve(self, t: float) -> None:
        super()._serve(t)
        if self.peer_closed and not self.busy:
            self.tcp.close(t, self.cause)

    def read(self, t: float, recs: list[Rec], cause: Cause) -> None:
        """Records delivered: queued, and read once the banner is out."""
        self._queue(recs, cause)
        if self.ready and not self.busy:
            self._serve(t)

    def _answer(self, t: float, rec: Rec) -> None:
        for parts in rec.writes:
            self.tcp.write(t, list(parts), self.max_record, self.cause)
        linger = rec.closes and self.linger > 0 and not self.peer_closed
        corked = linger and rec.reply_overhead is None  # cleartext: the 221 waits too
        if self.per_line and not corked:  # every line at once, a write of its own
            for reply in rec.replies:
                for line in reply_writes(reply, rec.reply_overhead, True):
                    self.tcp.write(t, line, self.max_record, self.cause)
        else:
            self.buffer += [Rec(r.nbytes, r.label, reply_overhead=rec.reply_overhead)
                            for r in rec.replies]
        if not rec.hold and not self.queue and self.buffer and not corked:
            self._flush(t, self.cause)
        if linger:
            self.lingering = True
            self.agenda.at(t + self.linger, self._linger_end)
        elif rec.closes:
            self.tcp.close(t, self.cause)

    def _flush(self, t: float, cause: Cause) -> None:
        """Write the buffered replies as one write."""
        overhead = self.buffer[0].reply_overhead
        self.tcp.write(t, [Part(self.buffer, overhead)], self.max_record, cause)
        self.buffer = []

    def _linger_end(self) -> None:
        """No FIN within ``linger`` after QUIT: the wait ends, caused by QUIT's processing
        (the wait is a stall)."""
        if self.lingering:
            self._release(self.agenda.now, self.cause)

    def _release(self, t: float, cause: Cause) -> None:
        """The wait after QUIT is over: what it held is written (uncorked), then the FIN."""
        self.lingering = False
        if self.buffer:
            self._flush(t, cause)
        self.tcp.close(t, cause)


class Replier(Sequential):
    """An IMAP server on ``tcp``: each record it reads is processed for ``proc`` seconds, then
    its ``writes`` are made, each one write."""

    def __init__(self, agenda: Agenda, tcp: Tcp, max_record: int) -> None:
        super().__init__(agenda)
        self.tcp, self.max_record = tcp, max_record
        tcp.app = self.read

    def read(self, t: float, recs: list[Rec], cause: Cause) -> None:
        """Records delivered: queued, and read at once."""
        self._queue(recs, cause)
        if not self.busy:
            self._serve(t)

    def _answer(self, t: float, rec: Rec) -> None:
        for parts in rec.writes:
            self.tcp.write(t, list(parts), self.max_record, self.cause)
