"""The submission client's side of one SMTP session, driven by its ``Features``.

The client asks its features at each decision point. What it must wait for, and why:

* the greeting (RFC 5321 §3.1: the client waits for the 220);
* the EHLO reply (RFC 2920 §3.1: EHLO may only end a group; PIPELINING is known only from
  its reply);
* STARTTLS's 220 before the ClientHello, and EHLO again after TLS (RFC 3207 §4.2); with
  implicit TLS (RFC 8314 §3) the handshake comes first and the greeting after it;
* AUTH's 235 unless AUTH PLAIN with an initial response is pipelined (RFC 4954 §4);
* the 354 after DATA (RFC 2920 §3.1: DATA may only end a group); none with BDAT (RFC 3030);
* the final 250 (the message is accepted) and, with ``quit="wait"``, the 221.

Without PIPELINING every command is a synchronisation point (RFC 5321 lock-step).

``waits`` counts the times the client stopped for the peer (the TCP handshake included): on
a lossless path with no processing time, each costs one round trip. ``user_s`` is when the
user is told the message is sent: after the 221 for ``quit`` "wait" and "pipelined", at the
250 for "async" and "drop". All times are seconds since the client started (``start_s``).

The client opens its own connection over the ``Path`` and asks the ``FrontEnd`` to serve it;
what it learns (session tickets) goes into its ``ClientState`` for later connections.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import simpy

from smtpsim.simulator.client_state import CacheEntry, ClientState
from smtpsim.simulator.config import Features, TcpConfig, TlsConfig
from smtpsim.simulator.frontend import FrontEnd
from smtpsim.simulator.messages import (
    CLIENT_DOMAIN,
    Command,
    Content,
    Reply,
    TlsMessage,
    auth_plain_ir,
    mail_from,
    rcpt_to,
)
from smtpsim.simulator.records import SessionRecord
from smtpsim.simulator.smtp_server import ServerStats
from smtpsim.simulator.tcp import TIMEOUT, TcpConnection
from smtpsim.simulator.tls import Channel, client_handshake
from smtpsim.simulator.trace import Trace
from smtpsim.simulator.wire import Path

__all__ = ["SmtpClient", "REPLY_TIMEOUT_S", "TICKET_LIFETIME_S"]

#: Client timeouts of RFC 5321 §4.5.3.2: 5 min for the greeting, MAIL, RCPT (and, by the same
#: rule, EHLO, STARTTLS, AUTH, QUIT and the TLS handshake), 2 min for the 354 after DATA, 10
#: min for the reply to the end of data (§4.5.3.2.6: the time the server may spend on the
#: message once it has it), counted here from when the peer has acknowledged the whole
#: content. While the body drains, TCP's own retransmission limit bounds the wait.
REPLY_TIMEOUT_S = {"default": 300.0, "DATA": 120.0, "end": 600.0}

#: How long the client keeps a session ticket: Postfix's ``smtp_tls_session_cache_timeout``
#: default (3600 s); RFC 8446 §4.6.1 caps ticket lifetimes at 7 days.
TICKET_LIFETIME_S = 3600.0

Proc = Generator[simpy.Event, Any, Any]


class _Abort(Exception):
    """The session cannot go on; ``outcome`` says why."""

    def __init__(self, outcome: str) -> None:
        self.outcome = outcome


class SmtpClient:
    """Submits one message of ``size`` bytes to ``recipients`` recipients over a new
    connection to ``frontend``."""

    def __init__(
        self,
        env: simpy.Environment,
        path: Path,
        frontend: FrontEnd,
        state: ClientState,
        features: Features,
        size: int,
        recipients: int,
        record: SessionRecord,
        tls: TlsConfig | None = None,
        client_tcp: TcpConfig | None = None,
        server_tcp: TcpConfig | None = None,
        server_nagle: bool = False,
        trace: Trace | None = None,
    ) -> None:
        self.env = env
        self.frontend = frontend
        self.state = state
        self.f = features
        self.tls = tls if tls is not None else frontend.tls
        self.size = size
        self.recipients = recipients
        self.record = record
        self.start_s = env.now
        self.connection = TcpConnection(
            env, path, client_tcp or TcpConfig(), server_tcp or TcpConfig(), features.nagle,
            server_nagle, trace is not None,
        )
        if trace is not None:
            self.connection.client.record_log = trace.records
            self.connection.server.record_log = trace.records
        self.socket = self.connection.client.socket
        self.channel = Channel(self.socket)
        self.server_stats = ServerStats()
        env.process(
            frontend.serve(
                self.connection.server.socket, features.tls or "1.2", features.implicit_tls,
                features.banner_half_rtt, self.server_stats,
            )
        )
        self.phase = "connect"
        self.phase_start = 0.0

    # ------------------------------------------------------------------ bookkeeping
    def now(self) -> float:
        """Seconds since this client started (the user pressed send)."""
        return self.env.now - self.start_s

    def _enter(self, phase: str) -> None:
        now = self.now()
        attr = f"phase_{self.phase}_s"
        setattr(self.record, attr, getattr(self.record, attr) + now - self.phase_start)
        self.phase = phase
        self.phase_start = now

    def _send(self, items: Sequence[Any]) -> None:
        if self.f.writes == "per-command":
            for item in items:
                self.channel.send([item])
        else:
            self.channel.send(items)

    def _read(self, timeout: float = REPLY_TIMEOUT_S["default"]) -> Proc:
        """The next SMTP reply; TLS messages after the handshake (TLS 1.3 session tickets)
        are taken by the TLS layer: a ticket is stored for later connections."""
        while True:
            item = yield from self._next(timeout)
            if isinstance(item, Reply):
                return item
            if not isinstance(item, TlsMessage):
                raise _Abort("failed")
            if item.ticket is not None:
                self._store_ticket(item.ticket)

    def _next(self, timeout: float) -> Proc:
        """The next item from the socket, or abort with ``timeout`` after ``timeout`` s."""
        item = yield from self.socket.recv_within(timeout)
        if item is TIMEOUT:
            raise _Abort("timeout")
        return item

    def _store_ticket(self, ticket: Any) -> None:
        self.state.tickets[self.frontend.host] = CacheEntry(ticket, self.env.now)

    def _exchange(
        self,
        items: Sequence[Any],
        expect: Sequence[int],
        timeout: float = REPLY_TIMEOUT_S["default"],
        accept_index: int = -1,
    ) -> Proc:
        """Send ``items`` as one group and wait for one reply per code in ``expect``.

        ``accept_index``: the position in ``expect`` of the message's final 2xx (250 to the
        end of data or BDAT LAST), which sets ``accept_s`` when it arrives even if more
        replies of the group follow. Content in the group makes the reply timeout start
        once the peer has acknowledged all of it."""
        self._send(items)
        self.record.waits += 1
        if any(isinstance(item, Content) for item in items):
            yield self.connection.client.drained()
        replies = []
        for i, code in enumerate(expect):
            r = yield from self._read(timeout)
            if r.code != code:
                raise _Abort("rejected")
            if i == accept_index:
                self.record.accept_s = self.now()
            replies.append(r)
        return replies

    # ------------------------------------------------------------------ the session
    def run(self) -> Proc:
        rec = self.record
        try:
            yield from self._session()
        except _Abort as abort:
            rec.outcome = abort.outcome
            rec.failed_in = self.phase
            if abort.outcome == "failed":
                self.connection.client.fail()
            else:
                self.socket.close()
        self._enter(self.phase)

    def _session(self) -> Proc:
        f, rec = self.f, self.record
        self.connection.connect()
        rec.waits += 1
        ok = yield self.socket.established
        if not ok:
            raise _Abort("failed")
        banner_rides = half_rtt = False
        if f.implicit_tls:
            self._enter("tls")
            # With a 0.5-RTT banner, the banner arrives with the server's flight, so the
            # client's Finished can carry EHLO (one write for what is sent together).
            half_rtt = f.banner_half_rtt and f.tls == "1.3"
            yield from self._tls(early=[self._hello()] if half_rtt else [])
            # the banner rides behind the server's last flight: its Finished after a TLS 1.2
            # full handshake, or its first flight as 0.5-RTT data; else it costs a wait
            banner_rides = (f.tls == "1.2" and not rec.tls_resumed) or half_rtt
        self._enter("greeting")
        if not banner_rides:
            rec.waits += 1
        r = yield from self._read()
        if r.code != 220:
            raise _Abort("rejected")
        rec.greeting_s = self.now()
        self._enter("ehlo")
        if half_rtt:  # EHLO went with the Finished
            rec.waits += 1
            r = yield from self._read()
            if r.code != 250:
                raise _Abort("rejected")
        else:
            yield from self._ehlo()
        if f.tls is not None and not f.implicit_tls:
            self._enter("tls")
            yield from self._exchange([Command("STARTTLS", "STARTTLS")], [220])
            sent_early = yield from self._tls(early=[self._hello()])
            self._enter("ehlo")
            if sent_early:  # EHLO already went with the client's Finished
                rec.waits += 1
                r = yield from self._read()
                if r.code != 250:
                    raise _Abort("rejected")
            else:
                yield from self._ehlo()
        group: list[Any] = []
        expect: list[int] = []
        if f.auth is not None:
            if f.auth_pipelined and f.pipelining:
                group.append(Command("AUTH", f"AUTH PLAIN {auth_plain_ir()}"))
                expect.append(235)
            else:
                self._enter("auth")
                yield from self._auth()
                rec.auth_s = self.now()
        self._enter("envelope")
        yield from self._envelope(group, expect)
        rec.outcome = "accepted"
        self._enter("quit")
        quit = f.quit
        if quit in ("async", "drop"):
            rec.user_s = self.now()
        if quit in ("wait", "async"):
            yield from self._exchange([Command("QUIT", "QUIT")], [221])
        self.socket.close()
        rec.close_s = self.now()
        if quit in ("wait", "pipelined"):
            rec.user_s = self.now()

    def _tls(self, early: list[Any]) -> Proc:
        """The TLS handshake, offering a cached ticket when resumption is on. ``early`` items
        ride with the client's last flight where it may carry data; returns whether they
        were sent."""
        f, rec = self.f, self.record
        assert f.tls is not None
        ticket = None
        if f.resumption:
            ticket = self.state.get(
                self.state.tickets, self.frontend.host, self.env.now, TICKET_LIFETIME_S
            )
        rec.ticket_offered = ticket is not None
        result = yield from client_handshake(
            self.env, self.channel, self.tls, f.tls, f.writes == "per-command",
            early, REPLY_TIMEOUT_S["default"], ticket,
        )
        if result.outcome:
            raise _Abort(result.outcome)
        sent_early = result.resumed or f.tls == "1.3"
        rec.waits += 1 if sent_early else 2
        rec.tls_resumed = result.resumed
        if result.ticket is not None and not result.resumed:
            self._store_ticket(result.ticket)
        rec.tls_s = self.now()
        return sent_early and bool(early)

    def _hello(self) -> Command:
        verb = "EHLO" if self.f.ehlo else "HELO"
        return Command(verb, f"{verb} {CLIENT_DOMAIN}")

    def _ehlo(self) -> Proc:
        yield from self._exchange([self._hello()], [250])

    def _auth(self) -> Proc:
        mech = self.f.auth
        if mech == "plain":
            yield from self._exchange([Command("AUTH", f"AUTH PLAIN {auth_plain_ir()}")], [235])
        elif mech == "login":
            # draft-murchison-sasl-login: Username/Password challenges, one line each
            yield from self._exchange([Command("AUTH", "AUTH LOGIN")], [334])
            yield from self._exchange([Command("", "YWxpY2VAZXhhbXBsZS5vcmc=")], [334])
            yield from self._exchange([Command("", "Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5")], [235])
        else:
            # RFC 5802 / RFC 7677: client-first as initial response; client-final; then the
            # empty line answering the 334 that carries server-final (RFC 4954 §4).
            first = "biwsbj1hbGljZUBleGFtcGxlLm9yZyxyPQ" + "a" * 32
            yield from self._exchange([Command("AUTH", f"AUTH SCRAM-SHA-256 {first}")], [334])
            final = "Yz1iaXdzLHI9" + "b" * 96 + "LHA9" + "c" * 60
            yield from self._exchange([Command("", final)], [334])
            yield from self._exchange([Command("", "")], [235])

    def _content(self, data: bool) -> list[Content]:
        """The message as written: DATA adds the ``CRLF.CRLF`` terminator (3 bytes after a
        body ending in CRLF, RFC 5321 §4.1.1.4); a per-command writer writes the terminator
        separately, as smtplib-style code that sends body and ``.`` apart does."""
        size = self.size
        if not data:
            return [Content(size, f"<{size} bytes of message>")]
        if self.f.writes == "per-command":
            return [Content(size, f"<{size} bytes of message>", last=False), Content(3, ".")]
        return [Content(size + 3, f"<{size} bytes of message> .")]

    def _envelope(self, group: list[Any], expect: list[int]) -> Proc:
        f = self.f
        esmtp = f.ehlo
        commands: list[Any] = [mail_from(self.size, esmtp)]
        commands += [rcpt_to(i) for i in range(self.recipients)]
        codes = [250] * len(commands)
        if f.chunking:
            final: list[Any] = [Command("BDAT", f"BDAT {self.size} LAST"), *self._content(False)]
        else:
            final = [Command("DATA", "DATA")]
        quit: list[Any] = [Command("QUIT", "QUIT")] if f.quit == "pipelined" else []
        quit_code = [221] if quit else []
        if f.pipelining:
            if f.chunking:
                expect = expect + codes + [250]
                yield from self._last_exchange(group + commands + final + quit, expect, quit_code)
                self._enter("data")
                return
            yield from self._exchange(
                group + commands + final, expect + codes + [354], REPLY_TIMEOUT_S["DATA"]
            )
        else:
            for command, code in zip(group + commands, expect + codes, strict=True):
                yield from self._exchange([command], [code])
            if f.chunking:
                self._enter("data")
                yield from self._last_exchange(final + quit, [250], quit_code)
                return
            yield from self._exchange(final, [354], REPLY_TIMEOUT_S["DATA"])
        self._enter("data")
        yield from self._last_exchange(self._content(True) + quit, [250], quit_code)

    def _last_exchange(self, items: list[Any], expect: list[int], quit_code: list[int]) -> Proc:
        """The exchange that ends the message: the last code of ``expect`` is its final 250;
        ``quit_code`` follows when QUIT is pipelined behind it."""
        yield from self._exchange(
            items, expect + quit_code, REPLY_TIMEOUT_S["end"], accept_index=len(expect) - 1
        )
