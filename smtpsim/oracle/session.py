"""One session: the client's SMTP connection, its script, the server, and the IMAP side,
evaluated on one agenda.

Because the client's and server's packets interact (an ACK releases a Nagle-held command or
the next slow-start flight; a reply carries the ACK that a delayed-ACK timer would otherwise
send; a partial flush of pipelined replies travels while the client is still sending), the
max-plus equations of the wire (``wire``), the endpoints (``tcp``), the server (``server``)
and the client are evaluated in causal order: every packet, timer and processing end is an
entry in a time-ordered agenda (``agenda``), and each is computed from entries already
known. This is the per-segment recurrence the bulk transfers need; for command/reply
exchanges it reduces to the straight-line sums of ``closed_form``.

The client writes the next step of its script the moment the last record it waits for is
delivered (``client_cpu_s``, or ``resumed_cpu_s``, later after the server's TLS flight;
``tls_setup_s`` later after STARTTLS's 220). After 0-RTT data the client's TLS layer
answers the server's flight first (its Finished, ``resumed_cpu_s`` later), and the replies
that came behind the flight are read only then, so the command they release follows the
Finished (the message is still accepted when its 250 arrived). With ``save`` the client's
IMAP connection runs beside it on the same links (``imap``); while the MAIL group waits for
BURL's URL the client keeps the session alive with NOOP (RFC 5321 §4.1.1.9)
``NOOP_INTERVAL_S`` after the group was due and after each NOOP's answer, below the
server's 5-minute idle limit (§4.5.3.2.7), and waits for that answer (a greeting it has not
read yet, it reads first); the server answers it at once.

Every mark keeps the critical path that led to it (``causes``): the client's ``cause`` is
what its current step waited for last: the delivery that completed the previous step, the
SYN-ACK's arrival for the first, BURL's URL for a group that waited for it, the keep-alive
timer for a NOOP, the end of the IMAP work for a submission that comes after the save.
"""

from __future__ import annotations

from smtpsim.model import Case, text
from smtpsim.model.tcp import (
    COOKIE_OPTION_BYTES,
    COOKIE_REQUEST_BYTES,
    SYN_WIRE_BYTES,
    syn_data_space,
)
from smtpsim.model.timers import NOOP_INTERVAL_S
from smtpsim.oracle.agenda import Agenda
from smtpsim.oracle.causes import ORIGIN, Cause
from smtpsim.oracle.client_state import ALL_ALIVE, Alive, start
from smtpsim.oracle.connection import Connection
from smtpsim.oracle.domain import constant_timing
from smtpsim.oracle.imap import Dialog, fetch_time, greeting, save_steps
from smtpsim.oracle.records import Part, Rec
from smtpsim.oracle.result import NAN
from smtpsim.oracle.server import Replier, SmtpServer
from smtpsim.oracle.smtp import lines
from smtpsim.oracle.smtp.flows import build
from smtpsim.oracle.steps import Step
from smtpsim.oracle.wire import Link

__all__ = ["Session"]


class Session:
    """The session of ``case`` for a client holding what ``alive`` says. ``start`` then
    ``agenda.run()``; ``marks`` holds the times the result reports."""

    def __init__(self, case: Case, alive: Alive = ALL_ALIVE) -> None:
        self.case = case
        f = case.client.features
        st = self.st = start(f, case.client.state, case.server.config_changed, alive)
        timing = constant_timing(case.server.timing)
        self.agenda = ag = Agenda()
        self.up = Link(ag, case.network.path.up)
        self.down = Link(ag, case.network.path.down)
        ctcp, stcp = case.client.tcp, case.server.tcp
        fo = f.fast_open in ("tfo", "ttcp")  # RFC 7413 §4.1.1-4.1.2: the options
        option = (COOKIE_OPTION_BYTES if st.cookie else COOKIE_REQUEST_BYTES) if fo else 0
        cookie_back = COOKIE_OPTION_BYTES if fo and not st.cookie else 0
        self.conn = Connection(ag, self.up, self.down, ctcp, stcp, f.nagle, case.server.nagle,
                               syn_bytes=SYN_WIRE_BYTES + option,
                               synack_bytes=SYN_WIRE_BYTES + cookie_back,
                               early=st.early, synack_data=st.synack_data)
        self.client = self.conn.client
        self.max_record = case.server.tls.max_record
        self.marks: dict[str, float] = {}
        self.causes: dict[str, Cause] = {}  # the critical path to each mark
        self.cause = ORIGIN  # what the client's current step waited for last
        self.timing = timing
        self.fetch_s = NAN  # BURL's fetch, once the server has made it (``_fetch``)
        self.script = build(case, st, timing, self._fetch if f.burl else None)
        self.steps = self.script.steps
        self.server = SmtpServer(ag, self.conn, None if f.implicit_tls else self.script.greeting,
                                 timing.greeting, self.max_record, st.synack_data,
                                 self.script.per_line, case.server.quit_linger_s)
        self.conn.on_connect = self._connected
        self.conn.on_accept = self.server.accept
        self.client.app = self._client_read
        self.client.on_fin = self._server_fin
        self.server_fin = False  # the server's FIN has come
        self.draining = False  # the client waits for it before closing
        self.step = 0
        self.got = 0
        self.started = False  # the first step was written
        # the IMAP side (send-and-save, BURL): a second connection on the same access links
        self.smtp_done = False
        self.imap_done = f.save is None
        self.url: float | None = None  # when the BURL URL is known
        self.held: float | None = None  # since when the MAIL group waits for it
        self.split_done = False  # the held step's Finished is written (``Step.split``)
        self.hold_gen = 0  # which hold a keep-alive timer belongs to
        self.held_got = 0  # what the held step had received when a NOOP was put in
        self.written_at = 0.0  # when the current SMTP step was written
        self.max_wait = 0.0  # the longest the SMTP client waited for a reply
        #: what arrived while the TLS layer works on the server's flight (``_client_read``)
        self.tls_busy: list[tuple[list[Rec], float, Cause]] | None = None
        if f.save is not None:
            # the client's own stack; the IMAP server's is the provider's (``server_tcp``)
            self.imap_conn = Connection(ag, self.up, self.down, ctcp, stcp, f.nagle,
                                        case.server.nagle)
            self.imap = Dialog(ag, self.imap_conn.client, self.max_record,
                               save_steps(case, timing), self._imap_mark)
            Replier(ag, self.imap_conn.server, self.max_record)

    # ---- the start, and the IMAP side
    def start(self) -> None:
        """Both connections start at 0, or SMTP once the IMAP work is done (``save``
        "first"). At 0 the SMTP SYN is queued on the uplink first, unless
        TCP_FASTOPEN_CONNECT defers it to the first write (a tie at one instant that the RFCs
        do not order; the order is an assumption)."""
        f = self.case.client.features
        if f.save is None:
            self._start_smtp()
            return
        if f.save == "parallel" and not self.st.syn_connect:
            self._start_smtp()
        if f.imap_cold:
            self.imap_conn.on_connect = self.imap.connected
            hello = greeting(f.imap_tls)
            if hello is not None:  # a cleartext greeting, written at the accept
                part = Part([Rec(text.line_bytes(hello), hello)])
                server = self.imap_conn.server
                self.imap_conn.on_accept = lambda t: server.write(t, [part], self.max_record,
                                                                  server.cause)
            self.imap_conn.connect(self.agenda.now, self.imap.cause)
        else:  # the session is open, authenticated and selected
            self.imap_conn.established()
            self.imap.write()
        if f.save == "parallel" and self.st.syn_connect:
            self._start_smtp()

    def _imap_mark(self, name: str, t: float, cause: Cause) -> None:
        f = self.case.client.features
        self.marks[name] = t
        self.causes[name] = cause
        if name == "url":
            self.url = t
            if self.held is not None:  # the MAIL group waited for it (not during a NOOP)
                self.held = None
                self.cause = cause
                self._client_write()
        if name == ("url" if f.burl else "saved"):  # the IMAP work is done
            self.imap_done = True
            self.marks["save_phase"] = t
            if f.save == "first":
                self.cause = cause  # the submission waited for it
                self._start_smtp()
            elif self.smtp_done and not self.draining:  # (a draining client: at its close)
                self.agenda.stopped = True

    def _start_smtp(self) -> None:
        """connect(): the SYN, with the first write when TCP_FASTOPEN_CONNECT has a cookie:
        as much of that one write (``send()``) as ``syn_data_space`` allows (Linux
        ``tcp_send_syn_data``: ``min(space, fo->size)``); the rest of the step's writes
        follows the SYN-ACK."""
        t = self.agenda.now
        self.marks["smtp_start"] = t
        data = 0
        if self.st.syn_connect:  # the first write joins the SYN
            self._client_write()
            data = min(syn_data_space(self.case.client.tcp), self.client.first_write_end)
        self.conn.connect(t, self.cause, data)

    def _fetch(self, t: float) -> float:
        """The server starts BURL's fetch at ``t``: how long it takes (``imap.fetch_time``)."""
        self.fetch_s = fetch_time(self.case, self.timing, t)
        return self.fetch_s

    def _connected(self, t: float) -> None:
        """connect() returns (the SYN-ACK's arrival): the first step, unless it left with
        the SYN."""
        self.marks["connect"] = t
        if not self.started:
            self.cause = self.client.cause
            self._client_write()

    # ---- the client application
    def _mark(self, name: str, t: float, cause: Cause) -> None:
        if name == "mail" or name not in self.marks:  # the MAIL that is accepted is the last
            self.marks[name] = t
            self.causes[name] = cause

    def _client_read(self, t: float, recs: list[Rec], cause: Cause) -> None:
        """The client reads ``recs``. A record its TLS layer answers (``Rec.react``: the
        server's flight after 0-RTT data) is answered first: what arrived behind it, and
        what arrives while the TLS layer spends its CPU time on it, the application reads
        once the TLS layer's answer is written (``_answered``): OpenSSL's ``SSL_read``
        processes the server's flight, writes EndOfEarlyData and the Finished
        (ssl/statem/statem_clnt.c ``ossl_statem_client_post_work``: ``statem_flush`` after
        ``TLS_ST_CW_FINISHED``) and only then returns application data, which the server
        protects with its application traffic keys, derived from its Finished (RFC 8446
        §7.1), so no SMTP command answering it can precede the Finished in the stream."""
        if self.tls_busy is not None:
            self.tls_busy.append((recs, t, cause))
            return
        for i, rec in enumerate(recs):
            if rec.react is not None:
                delay, parts = rec.react
                if delay > 0:
                    self.tls_busy = [(recs[i:], t, cause)]
                    self.agenda.at(t + delay, self._answered, parts, cause)
                    return
                self._react(parts, cause)
            if not self._take(t, rec, cause):
                return

    def _answered(self, parts: list[Part], cause: Cause) -> None:
        """The TLS layer has answered the server's flight (``_react``), ``resumed_cpu_s``
        after it came: the application reads what waited behind it."""
        self._react(parts, cause)
        pending, self.tls_busy = self.tls_busy or [], None
        t = self.agenda.now
        for recs, arrived, c in pending:  # (the flight first: its ``react`` is done)
            for rec in recs:
                if not self._take(t, rec, c.until(t), (arrived, c)):
                    return

    def _take(self, t: float, rec: Rec, cause: Cause,
              arrived: tuple[float, Cause] | None = None) -> bool:
        """The application reads ``rec`` (which ``arrived`` earlier, if it waited behind the
        server's flight): a reply the current step waits for counts (with its marks), the
        last one moves the script on. False once the session is over. The message is
        accepted when its final 2xx arrives, not when it is read (RFC 5321 §6.1: the server
        took responsibility when it sent it)."""
        if not rec.wait:
            return True
        step = self.steps[self.step]
        self.got += 1
        self.max_wait = max(self.max_wait, (arrived[0] if arrived else t) - self.written_at)
        for name in step.marks.get(self.got, ()):
            if name == "accept" and arrived is not None:
                self._mark(name, *arrived)
            else:
                self._mark(name, t, cause)
        if self.got < step.expect:
            return True
        self.got = 0
        self.step += 1
        self.cause = cause
        if step.noop:  # back to the step that waits for the URL
            self.got = self.held_got
        if self.step == len(self.steps):
            self.smtp_done = True
            if not self.case.client.features.reuse:  # the client closes (a FIN)
                self._leave(t, cause)
            self.agenda.stopped = self.imap_done and not self.draining
            return False
        nxt = self.steps[self.step]
        if nxt.delay > 0:
            self.agenda.at(t + nxt.delay, self._client_write)
        else:
            self._client_write()
        return True

    def _leave(self, t: float, cause: Cause) -> None:
        """The session is over: the client closes, at once or, after a 221, once the
        server's FIN has come or ``Habits.fin_wait_s`` has passed (Exim ``smtp_deliver``:
        ``poll_one_fd(sx->cctx.sock, POLLIN, 20)`` before ``close``)."""
        wait = self.case.client.habits.fin_wait_s
        if wait > 0 and self.case.client.features.quit != "drop" and not self.server_fin:
            self.draining = True
            self.agenda.at(t + wait, self._close, cause)
            return
        self._close(cause, t)

    def _server_fin(self, t: float) -> None:
        """The server's FIN has come: a client that waits for it closes now."""
        self.server_fin = True
        if self.draining:
            self._close(self.client.cause, t)

    def _close(self, cause: Cause, t: float | None = None) -> None:
        if t is None:
            t = self.agenda.now
        if "closed" in self.marks:
            return
        self.marks["closed"] = t
        self.client.close(t, cause)
        if self.draining:
            self.draining = False
            self.agenda.stopped = self.imap_done

    def _react(self, parts: list[Part], cause: Cause) -> None:
        """The client's TLS layer writes on its own (its Finished after 0-RTT data), caused
        by the record it answers (``cause``)."""
        now = self.agenda.now
        self._mark("tls", now, cause.until(now))
        self.client.write(now, parts, self.max_record, cause)

    def _client_write(self) -> None:
        self.started = True
        step = self.steps[self.step]
        t = self.agenda.now
        writes = step.writes
        if step.gate and self.url is None:  # BURL: the group needs the URL
            if step.fallback is not None:  # no 0-RTT data: the full handshake
                self.steps[self.step:self.step + 1] = step.fallback
                self._client_write()
                return
            if step.split is not None and not self.split_done:  # the Finished goes alone
                self.split_done = True
                self._mark("tls", t, self.cause.until(t))
                for parts in step.split[0]:
                    self.client.write(t, parts, self.max_record, self.cause)
            self.held = t
            self.hold_gen += 1
            self.agenda.at(t + NOOP_INTERVAL_S, self._keepalive, self.hold_gen)
            return
        if self.split_done:
            assert step.split is not None
            self.split_done = False
            writes = step.split[1]
        self.written_at = t
        for name in step.on_write:
            self._mark(name, t, self.cause.until(t))
        for i, parts in enumerate(writes):
            self.client.write(t, parts, self.max_record, self.cause,
                              step.shutdown and i == len(writes) - 1)

    def _keepalive(self, gen: int) -> None:
        """RFC 5321 §4.1.1.9: ``NOOP_INTERVAL_S`` after the group was due, or after the last
        NOOP's answer, without the URL, a NOOP goes alone and is waited for (its answer may
        come after the URL: the group then follows it)."""
        if gen != self.hold_gen or self.held is None:
            return
        t = self.agenda.now
        self.held = None
        self.held_got, self.got = self.got, 0
        oh = self.script.oh
        noop = Rec(text.line_bytes(lines.NOOP), lines.NOOP, 0.0, (lines.NOOP_OK,),
                   reply_overhead=oh)
        self.steps.insert(self.step, Step([[Part([noop], oh)]], 1, noop=True))
        self.written_at = t
        self.client.write(t, [Part([noop], oh)], self.max_record, self.cause)

