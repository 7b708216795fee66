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

from collections.abc import Callable, Generator, Sequence
from typing import Any

import simpy

from smtpsim.model import Features, TcpConfig, TlsConfig
from smtpsim.model.records import SessionRecord
from smtpsim.model.text import CLIENT_DOMAIN, auth_plain_ir
from smtpsim.model.timers import (
    CAPABILITY_MAX_AGE_S,
    COOKIE_LIFETIME_S,
    NOOP_INTERVAL_S,
    REPLY_TIMEOUT_S,
    TICKET_LIFETIME_S,
)
from smtpsim.model.trace import Trace
from smtpsim.simulator.client_state import CacheEntry, ClientState
from smtpsim.simulator.frontend import FrontEnd
from smtpsim.simulator.messages import (
    BurlCommand,
    Command,
    Content,
    Reply,
    mail_from,
    rcpt_to,
)
from smtpsim.simulator.smtp_server import ServerStats
from smtpsim.simulator.tcp import TIMEOUT, TcpConnection
from smtpsim.simulator.tls import Channel, TlsMessage, client_handshake
from smtpsim.simulator.wire import Path

__all__ = ["SmtpClient"]

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
        middlebox: Callable[[], bool] | None = None,
        capability_max_age_s: float = CAPABILITY_MAX_AGE_S,
    ) -> None:
        self.path = path
        self.client_tcp = client_tcp or TcpConfig()
        self.server_tcp = server_tcp or TcpConfig()  # the provider's stack (IMAP too)
        self.server_nagle = server_nagle
        #: the client's IMAP connections (send-and-save, BURL), one per message saved
        self.imap_connections: list[TcpConnection] = []
        self.capability_max_age_s = capability_max_age_s
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
            env, path, self.client_tcp, self.server_tcp, features.nagle, server_nagle,
            trace is not None,
        )
        self.trace = trace
        if trace is not None:
            self.connection.client.record_log = trace.records
            self.connection.server.record_log = trace.records
        self.socket = self.connection.client.socket
        self.channel = Channel(self.socket)
        self.server_stats = ServerStats()
        self._prepare_fast_open(middlebox)
        #: With BURL: triggered with the URL once GENURLAUTH has answered.
        self.burl_url: simpy.Event = env.event()
        env.process(
            frontend.serve(
                self.connection.server.socket, features.tls or "1.2", features.implicit_tls,
                features.banner_half_rtt, self.server_stats,
            )
        )
        self.phase = "connect"
        self.phase_start = 0.0
        self._greeting_reply: Reply | None = None
        self._early_at = 0.0
        record.frontend = frontend.name

    def _prepare_fast_open(self, middlebox: Callable[[], bool] | None) -> None:
        """Arm both endpoints for TFO, T/TCP or the SYN-ACK banner (``Features.fast_open``):
        the client presents its cached cookie (or asks for one), the server checks it."""
        kind = self.f.fast_open
        if kind is None:
            return
        server = self.connection.server_socket
        if kind == "synack-banner":
            server.banner_on_synack()
            return
        state, host, rec, env = self.state, self.frontend.host, self.record, self.env
        cache = state.tfo_cookies if kind == "tfo" else state.ttcp_cc
        disabled = kind == "tfo" and state.tfo_disabled_until.get(host, -1.0) > env.now
        cookie = state.get(cache, host, env.now, COOKIE_LIFETIME_S)
        rec.tfo_offered = rec.tfo_hit = cookie is not None

        def on_cookie(value: Any) -> None:  # a fresh cookie: ours was missing or refused
            cache[host] = CacheEntry(value, env.now)
            rec.tfo_hit = False

        def on_established() -> None:  # a used cookie stays cached: Linux's TCP metrics
            if rec.tfo_hit:  # entry (which holds it) expires an hour after its last use
                cache[host] = CacheEntry(cookie, env.now)

        self.socket.offer_fast_open(
            cookie, self.f.syn_data and not disabled, middlebox, on_cookie, on_established,
            lambda: state.note_syn_data_lost(host, env.now),
        )
        server.accept_fast_open(self.frontend.fast_open_check(kind))

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

    def _expect(self, code: int) -> Proc:
        """The next reply, which must have ``code``; anything else ends the session."""
        r = yield from self._read()
        if r.code != code:
            raise _Abort("rejected")
        return r

    def _next(self, timeout: float) -> Proc:
        """The next item from the socket, or abort with ``timeout`` after ``timeout`` s."""
        item = yield from self.socket.recv_within(timeout, sending=True)
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
        replies of the group follow. The reply timeout counts from the connection's last
        progress, so it does not run while a long body is still being acknowledged."""
        self._send(items)
        self.record.waits += 1
        replies = []
        for i, code in enumerate(expect):
            r = yield from self._read(timeout)
            if r.code != code:
                raise _Abort("rejected")
            if i == accept_index:
                self.record.accept_s = self.socket.arrived_s - self.start_s
            replies.append(r)
        return replies

    # ------------------------------------------------------------------ the session
    def run(self) -> Proc:
        rec = self.record
        f = self.f
        saving = None
        if f.save is not None or f.burl:
            saving = self.env.process(self._save())
            if f.save == "first":
                self._enter("save")
                yield saving
                self._enter("connect")
        try:
            yield from self._session()
        except _Abort as abort:
            self._stop(abort)
        self._enter(self.phase)
        if saving is not None:
            yield saving
            if rec.outcome == "accepted" and rec.saved_s != rec.saved_s:  # NaN: not saved
                rec.outcome = "failed"
                rec.failed_in = "save"
        rec.done_s = max(rec.accept_s, rec.saved_s) if saving is not None else rec.accept_s

    def retransmits(self) -> int:
        """Segments sent again so far on the client's connections to the provider: the SMTP
        connection and the IMAP ones, both ends (not the submission server's fetch)."""
        return sum(c.retransmits() for c in (self.connection, *self.imap_connections))

    def _save(self) -> Proc:
        """Send-and-save: APPEND to Sent over the client's IMAP session (on the same access
        links as SMTP); with BURL, then GENURLAUTH for the URL the MAIL group will carry."""
        from smtpsim.simulator.imap import ImapSession

        f, rec = self.f, self.record
        imap = ImapSession(
            self.env, self.path, self.frontend.timing, self.tls, not f.imap_cold,
            self.client_tcp, self.server_tcp, f.nagle, self.server_nagle,
            rng=self.frontend.rng, trace=self.trace,
        )
        self.imap_connections.append(imap.connection)
        try:
            uid = yield from imap.append(self.size, f.literal_plus)
            rec.saved_s = self.now()
            if f.burl:
                url = yield from imap.genurlauth(uid)
                self.burl_url.succeed(url)
        except ConnectionError:
            if not self.burl_url.triggered:
                self.burl_url.succeed(None)

    def _await_url(self, greeting_unread: bool = False) -> Generator[Any, Any, Reply | None]:
        """BURL needs the URL before the MAIL group can go (RFC 4468 §3.4). While a long
        APPEND uploads, the open session would hit the server's idle timeout (RFC 5321
        §4.5.3.2.7: 5 min), so the client keeps it alive with NOOP (§4.1.1.9)
        ``NOOP_INTERVAL_S`` after the group was due and after each NOOP's answer.

        ``greeting_unread``: the group was to go before the greeting (a cached token or
        qhlo-id); a NOOP may only follow the greeting, so the client reads it first (it
        came long before) and returns it; otherwise None."""
        greeting = None
        if not self.f.burl:
            return greeting
        while not self.burl_url.triggered:
            yield self.burl_url | self.env.timeout(NOOP_INTERVAL_S)
            if not self.burl_url.triggered and self.socket.is_established():
                if greeting_unread and greeting is None:
                    greeting = yield from self._read()
                    self.record.greeting_s = self.socket.arrived_s - self.start_s
                yield from self._exchange([Command("NOOP", "NOOP")], [250])
        if self.burl_url.value is None:
            raise _Abort("failed")
        return greeting

    def _session(self) -> Proc:
        f, rec = self.f, self.record
        self.connection.connect()
        if not self.socket.established.triggered:  # (not with data in the SYN: no wait)
            rec.waits += 1
        ok = yield self.socket.established
        if not ok:
            raise _Abort("failed")
        if f.quickstart is not None:
            yield from self._quickstart()
        elif f.early_pipelining:
            yield from self._early_pipe()
        else:
            prefix, codes = yield from self._setup()
            self._enter("envelope")
            yield from self._envelope(prefix, codes)
        rec.outcome = "accepted"
        self._enter("quit")
        quit = f.quit
        if f.reuse:  # keep the session for the next message: no QUIT
            rec.user_s = self.now()
            return
        if quit in ("async", "drop"):
            rec.user_s = self.now()
        if quit in ("wait", "async"):
            yield from self._exchange([Command("QUIT", "QUIT")], [221])
        self.socket.close()
        rec.close_s = self.now()
        if quit in ("wait", "pipelined"):
            rec.user_s = self.now()

    # ------------------------------------------------------------------ reuse
    def alive(self) -> bool:
        """Whether the connection can carry another message: established, neither side has
        closed it, nothing unread (a 421 from the server's idle timeout would be)."""
        socket = self.socket
        return (
            self.record.outcome == "accepted"
            and socket.is_established()
            and not socket.peer_closed()
            and not socket.closing()
            and not socket.pending()
        )

    def submit_again(self, record: SessionRecord) -> Proc:
        """The next message on this open session: straight to MAIL (RFC 5321 §4.1.4: a new
        transaction after the previous one ended), nothing else to set up."""
        self.record = record
        record.reused = True
        record.frontend = self.frontend.name
        self.start_s = self.env.now
        self.phase = "envelope"
        self.phase_start = 0.0
        try:
            yield from self._envelope([], [])
            record.outcome = "accepted"
            record.user_s = record.done_s = self.now()
        except _Abort as abort:
            self._stop(abort)
        self._enter(self.phase)

    def _stop(self, abort: _Abort) -> None:
        """The session cannot go on: record why and where, and drop the connection."""
        self.record.outcome = abort.outcome
        self.record.failed_in = self.phase
        if abort.outcome == "failed":
            self.connection.client.fail()
        else:
            self.socket.close()

    def discard(self) -> None:
        """Drop every connection of this session, SMTP and IMAP, without a packet: what a
        warm start's earlier connection left is only the caches, its connections closed long
        ago (their closing exchanges must not fall into the measured message)."""
        for conn in (self.connection, *self.imap_connections):
            conn.discard()

    def close(self) -> None:
        """Leave an idle session (the client's own idle limit): QUIT and close, unanswered."""
        if self.alive():
            self.channel.send([Command("QUIT", "QUIT")])
        self.socket.close()

    def _setup(self) -> Proc:
        """Greeting, EHLO, STARTTLS or implicit TLS, EHLO again, AUTH: everything before the
        envelope. Returns the commands (and their codes) that open the envelope's group:
        a pipelined AUTH PLAIN, or nothing."""
        f, rec = self.f, self.record
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
        yield from self._expect(220)
        rec.greeting_s = self.now()
        self._enter("ehlo")
        if half_rtt:  # EHLO went with the Finished
            rec.waits += 1
            yield from self._expect(250)
        else:
            yield from self._ehlo()
        if f.tls is not None and not f.implicit_tls:
            self._enter("tls")
            yield from self._exchange([Command("STARTTLS", "STARTTLS")], [220])
            sent_early = yield from self._tls(early=[self._hello()])
            self._enter("ehlo")
            if sent_early:  # EHLO already went with the client's Finished
                rec.waits += 1
                yield from self._expect(250)
            else:
                yield from self._ehlo()
        if f.auth is not None:
            if f.auth_pipelined and f.pipelining:
                return [self._auth_plain()], [235]
            self._enter("auth")
            yield from self._auth()
            rec.auth_s = self.now()
        return [], []

    def _auth_plain(self) -> Command:
        return Command("AUTH", f"AUTH PLAIN {auth_plain_ir()}")

    # ------------------------------------------------------------------ QUICKSTART
    def _cached_token(self, context: str) -> str | None:
        token = self.state.get(
            self.state.capabilities, (self.frontend.address, context), self.env.now,
            self.capability_max_age_s,
        )
        return token if isinstance(token, str) else None

    def _learn_token(self, reply: Reply, context: str) -> None:
        """Cache the token a list carries: a qhlo-id (quickstart-b §4) or an early-pipelining
        configuration token, keyed by server address and security context."""
        for line in reply.lines:
            for mark in ("QHLO=", "PIPE_CONNECT "):
                if mark in line:
                    token = line.split(mark, 1)[1].split()[0]
                    key = (self.frontend.address, context)
                    self.state.capabilities[key] = CacheEntry(token, self.env.now)

    def _note_token(self, hit: bool) -> None:
        """Record one presentation of a cached token: ``token_hit`` holds if all hit."""
        rec = self.record
        rec.token_hit = hit if not rec.token_offered else rec.token_hit and hit
        rec.token_offered = True

    def _quickstart_greeting(self, reply: Reply | None = None) -> Proc:
        """Wait for the extended greeting (unless it already came) and learn its id."""
        rec = self.record
        if reply is None:
            self._enter("greeting")
            rec.waits += 1
            reply = yield from self._read()
            rec.greeting_s = self.now()
        if reply.code != 220:
            raise _Abort("rejected")
        self._greeting_reply = reply
        self._learn_token(reply, "plain")

    def _speculative_plan(
        self, prefix: list[Any], codes: list[int], built: list[Any]
    ) -> list[Any] | Callable[[], list[Any]]:
        """What rides with the client's TLS Finished on a cached token or qhlo-id: the group
        opened by ``prefix``, built now (it may then even go as 0-RTT data) unless it needs
        BURL's URL, which has not come; then a function the TLS layer calls when its Finished
        goes, which builds the group if the URL has come by then, else returns nothing (the
        Finished goes alone and the group follows when the URL comes). A group built is
        appended to ``built``."""

        def group_if_ready() -> list[Any]:
            if self.f.burl and not self.burl_url.triggered:
                return []
            built.append(self._group(prefix, codes, False))
            return built[0][0]

        return group_if_ready() if not self.f.burl or self.burl_url.triggered else group_if_ready

    def _quickstart(self) -> Proc:
        """QUICKSTART: draft-fanf-smtp-quickstart-01 with the -a (basic) and -b (full)
        profiles. Every wait this path makes, and the table of its Appendix A that it
        reproduces, is in the module docstring of ``tests/simulator/test_quickstart.py``."""
        f, rec = self.f, self.record
        full = f.quickstart == "full"
        domain = CLIENT_DOMAIN
        auth: list[Any] = [self._auth_plain()] if f.auth == "plain" else []
        auth_codes = [235] if auth else []
        if f.tls is None:
            token = self._cached_token("plain") if full else None
            if token is None:
                yield from self._quickstart_greeting()
            self._enter("envelope")
            qhlo = Command("QHLO", f"QHLO {domain} {token}" if token else f"QHLO {domain}")
            yield from self._quickstart_group(
                "plain", [qhlo, *auth], [250, *auth_codes], token is not None,
                greeting_first=token is not None,
            )
            return
        token_plain = self._cached_token("plain") if full else None
        if token_plain is None:  # without a cache, the client learns of QTLS from the greeting
            yield from self._quickstart_greeting()
        self._enter("tls")
        token_tls = self._cached_token("tls") if full else None
        built: list[Any] = []
        cached_qhlo = Command("QHLO", f"QHLO {domain} {token_tls}")
        early: list[Any] | Callable[[], list[Any]] = []
        if full and token_tls is not None:
            early = self._speculative_plan([cached_qhlo, *auth], [250, *auth_codes], built)
        elif full:
            early = [Command("QHLO", f"QHLO {domain}")]
        stash: list[tuple[float, Any]] = []
        sent_early = yield from self._tls(early, [Command("QTLS", "QTLS")], stash)
        group = built[0] if built else None
        for arrived, reply in stash:  # the greeting the client did not wait for
            rec.greeting_s = arrived - self.start_s
            yield from self._quickstart_greeting(reply)
        if sent_early and group is not None:
            rec.mail_s = self._early_at
        self._enter("envelope")
        if not full:
            # the basic server re-greets with the list after TLS: behind its Finished after
            # a full TLS 1.2 handshake, else one more wait
            if not (f.tls == "1.2" and not rec.tls_resumed):
                rec.waits += 1
            r = yield from self._expect(220)
            yield from self._quickstart_group(
                "tls", [Command("QHLO", f"QHLO {domain}"), *auth], [250, *auth_codes], False
            )
            return
        if group is not None:
            yield from self._quickstart_group(
                "tls", group[0][: 1 + len(auth)], [250, *auth_codes], True, sent=sent_early
            )
            return
        if token_tls is not None:  # the group waits for the URL
            yield from self._quickstart_group(
                "tls", [cached_qhlo, *auth], [250, *auth_codes], True
            )
            return
        assert isinstance(early, list)
        qhlo = early[0]
        if sent_early:
            rec.waits += 1
            r = yield from self._expect(250)
        else:
            (r,) = yield from self._exchange([qhlo], [250])
        self._learn_token(r, "tls")
        yield from self._quickstart_group("tls", auth, auth_codes, False)

    # ------------------------------------------------------------------ early pipelining
    def _early_pipe(self) -> Proc:
        """Early pipelining with a configuration token (``Features.early_pipelining``).

        Holding a token for the plain context, the client sends ``EHLO <domain> TOKEN=<id>``
        and STARTTLS (or, in cleartext, the whole envelope group) with the handshake ACK;
        holding one for the TLS context, it sends EHLO + AUTH + MAIL ... with its TLS
        Finished (draft-harris-early-pipe §3: after STARTTLS or on implicit TLS, EHLO +
        AUTH or EHLO + MAIL may follow at once). Without a token it runs the standard
        dialogue and learns the tokens from the greeting and the EHLO replies."""
        f, rec = self.f, self.record

        def ehlo(token: str) -> Command:
            return Command("EHLO", f"EHLO {CLIENT_DOMAIN} TOKEN={token}")

        auth: list[Any] = [self._auth_plain()] if f.auth == "plain" else []
        auth_codes = [235] if auth else []
        if f.tls is None:
            token = self._cached_token("plain")
            if token is None:
                yield from self._plain_start()
                self._enter("envelope")
                yield from self._envelope(auth, auth_codes)
                return
            self._enter("envelope")
            yield from self._quickstart_group(
                "plain", [ehlo(token), *auth], [250, *auth_codes], True,
                greeting_first=True, hello=ehlo,
            )
            return
        if not f.implicit_tls:
            token = self._cached_token("plain")
            self._enter("ehlo")
            if token is None:
                yield from self._plain_start()
                self._enter("tls")
                yield from self._exchange([Command("STARTTLS", "STARTTLS")], [220])
            else:
                yield from self._early_starttls(token, ehlo)
        self._enter("tls")
        token_tls = self._cached_token("tls")
        half_rtt = f.implicit_tls and f.banner_half_rtt and f.tls == "1.3"
        built: list[Any] = []
        plan: list[Any] | Callable[[], list[Any]] = []
        if token_tls is not None:
            plan = self._speculative_plan([ehlo(token_tls), *auth], [250, *auth_codes], built)
        elif not f.implicit_tls or half_rtt:  # (the 0.5-RTT banner came with the flight)
            plan = [self._hello()]
        sent_early = yield from self._tls(plan)
        group = built[0] if built else None
        deferred = token_tls is not None and group is None
        if group is not None and sent_early:
            rec.mail_s = self._early_at
        if f.implicit_tls:  # the banner: after the handshake (it is not waited for early)
            banner_rides = (f.tls == "1.2" and not rec.tls_resumed) or half_rtt
            if deferred and not banner_rides:
                # the group goes when BURL's URL comes, without waiting for the banner,
                # which is read before the group's replies
                self._enter("envelope")
                assert token_tls is not None
                yield from self._quickstart_group(
                    "tls", [ehlo(token_tls), *auth], [250, *auth_codes], True,
                    greeting_first=True, hello=ehlo,
                )
                return
            if group is None and not banner_rides:
                rec.waits += 1
            r = yield from self._expect(220)
            rec.greeting_s = self.now()
            self._learn_token(r, "plain")
        self._enter("envelope")
        if group is not None or deferred:
            assert token_tls is not None
            yield from self._quickstart_group(
                "tls", [ehlo(token_tls), *auth], [250, *auth_codes], True,
                sent=sent_early and group is not None, hello=ehlo,
            )
            return
        self._enter("ehlo")
        if sent_early:
            rec.waits += 1
            r = yield from self._expect(250)
        else:
            (r,) = yield from self._exchange([self._hello()], [250])
        self._learn_token(r, "tls")
        self._enter("envelope")
        yield from self._envelope(auth, auth_codes)

    def _plain_start(self) -> Proc:
        """Greeting and EHLO the standard way, learning the tokens they carry."""
        rec = self.record
        self._enter("greeting")
        rec.waits += 1
        r = yield from self._expect(220)
        rec.greeting_s = self.now()
        self._learn_token(r, "plain")
        self._enter("ehlo")
        (r,) = yield from self._exchange([self._hello()], [250])
        self._learn_token(r, "plain")

    def _early_starttls(self, token: str, ehlo: Callable[[str], Command]) -> Proc:
        """EHLO <token> + STARTTLS with the handshake ACK, before the greeting. A stale token
        is refused (504, 503 for STARTTLS); the greeting carries the current one, so the
        client sends the pair again at once."""
        rec = self.record
        self._send([ehlo(token), Command("STARTTLS", "STARTTLS")])
        rec.waits += 1
        greeting = yield from self._read()
        rec.greeting_s = self.now()
        if greeting.code != 220:
            raise _Abort("rejected")
        first = yield from self._read()
        second = yield from self._read()
        hit = first.code == 250 and second.code == 220
        self._note_token(hit)
        if hit:
            return
        self.state.flush_server(self.frontend.address)
        self._learn_token(greeting, "plain")
        token = self._cached_token("plain")
        if token is None:
            raise _Abort("rejected")
        yield from self._exchange([ehlo(token), Command("STARTTLS", "STARTTLS")], [250, 220])

    def _quit_after_speculation(self) -> Proc:
        """A pipelined QUIT held back from a speculative group that ended the message (BDAT
        or BURL): it goes now that the group was accepted."""
        f = self.f
        if f.quit == "pipelined" and (f.chunking or f.burl) and not f.reuse:
            yield from self._exchange([Command("QUIT", "QUIT")], [221])

    def _quickstart_group(
        self,
        context: str,
        prefix: list[Any],
        prefix_codes: list[int],
        speculative: bool,
        sent: bool = False,
        greeting_first: bool = False,
        hello: Callable[[str], Command] | None = None,
    ) -> Proc:
        """Run the envelope group opened by ``prefix``. A speculative group starts with
        ``QHLO <domain> <cached id>``: if the server refuses the id (504 before TLS, 520 with
        the list after it, 503 for the rest: quickstart-01 §8), the client flushes every list
        cached for the server (quickstart-b §4), learns the new id and sends the group
        again. ``greeting_first``: the group went before the greeting, which arrives first."""
        rec = self.record
        greeting = yield from self._await_url(greeting_first)
        if greeting_first:
            # a group the server may refuse carries no QUIT: QUIT is never refused, and the
            # session must survive the refusal (quickstart-01 §8)
            items, codes, accept, timeout = self._group(prefix, prefix_codes, not speculative)
            self._send(items)
            rec.mail_s = self.now()
            if greeting is None:
                greeting = yield from self._read()
                # its arrival: it may have waited in the socket while the group waited for
                # BURL's URL
                rec.greeting_s = self.socket.arrived_s - self.start_s
            yield from self._quickstart_greeting(greeting)
            sent = True
        items, codes, accept, timeout = self._group(prefix, prefix_codes, not speculative)
        if speculative:
            replies = yield from self._run_group(items, codes, accept, timeout, sent, False)
            hit = replies[0].code == 250
            self._note_token(hit)
            if hit:
                self._learn_token(replies[0], context)
                if [r.code for r in replies] != codes:
                    raise _Abort("rejected")
                yield from self._after_group()
                yield from self._quit_after_speculation()
                return
            self.state.flush_server(self.frontend.address)
            if replies[0].code == 520:  # after TLS: the list comes with the refusal
                self._learn_token(replies[0], context)
            elif replies[0].code == 504 and self._greeting_reply is not None:
                self._learn_token(self._greeting_reply, context)  # the greeting had the list
            else:
                raise _Abort("rejected")
            token = self._cached_token(context)
            if token is None:
                raise _Abort("rejected")
            make = hello or (lambda t: Command("QHLO", f"QHLO {CLIENT_DOMAIN} {t}"))
            prefix = [make(token), *prefix[1:]]
            items, codes, accept, timeout = self._group(prefix, prefix_codes)
            sent = False
        yield from self._run_group(items, codes, accept, timeout, sent)
        yield from self._after_group()

    def _tls(
        self,
        early: list[Any] | Callable[[], list[Any]],
        lead: Sequence[Any] = (),
        stash: list[tuple[float, Any]] | None = None,
    ) -> Proc:
        """The TLS handshake, offering a cached ticket when resumption is on. ``early`` items
        ride with the client's last flight where it may carry data; returns whether they
        were sent. ``lead`` and ``stash``: see ``client_handshake``."""
        f, rec = self.f, self.record
        assert f.tls is not None
        ticket = None
        if f.resumption:
            ticket = self.state.get(
                self.state.tickets, self.frontend.host, self.env.now, TICKET_LIFETIME_S
            )
        rec.ticket_offered = ticket is not None
        hello_at = self.now()
        result = yield from client_handshake(
            self.env, self.channel, self.tls, f.tls, f.writes == "per-command",
            early, REPLY_TIMEOUT_S["default"], ticket, lead, stash, f.early_data,
        )
        if result.outcome:
            raise _Abort(result.outcome)
        sent_early = result.resumed or f.tls == "1.3"
        zero_rtt = (
            f.early_data and result.resumed and f.tls == "1.3" and not callable(early)
            and bool(early)
        )
        #: when the early items went: with the ClientHello (accepted 0-RTT data) or with
        #: the client's Finished
        self._early_at = hello_at if zero_rtt else self.now()
        # with accepted 0-RTT data, waiting for the flight is waiting for the early replies
        rec.waits += 0 if zero_rtt else 1 if sent_early else 2
        rec.tls_resumed = result.resumed
        if result.ticket is not None and not result.resumed:
            self._store_ticket(result.ticket)
        rec.tls_s = self.now()
        return result.sent_early

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

    def _group(
        self, prefix: list[Any], prefix_codes: list[int], with_quit: bool = True
    ) -> tuple[list[Any], list[int], int, float]:
        """The pipelined group that carries the envelope: ``prefix`` + MAIL + RCPT x R + DATA,
        or + BDAT <n> LAST + the chunk (+ QUIT when it is pipelined too, unless
        ``with_quit`` is off). Returns the items, the reply codes expected, the index of the
        message's final 250 (-1 with DATA: the message comes after the 354) and the reply
        timeout."""
        f = self.f
        pipelined_quit = f.quit == "pipelined" and with_quit and not f.reuse
        items: list[Any] = [*prefix, mail_from(self.size, f.ehlo)]
        items += [rcpt_to(i) for i in range(self.recipients)]
        codes = [*prefix_codes] + [250] * (1 + self.recipients)
        if f.burl:  # RFC 4468 §3.4: MAIL + RCPT + BURL <url> LAST in one group
            items.append(BurlCommand(self.burl_url.value, self.size))
        elif not f.chunking:
            return [*items, Command("DATA", "DATA")], [*codes, 354], -1, REPLY_TIMEOUT_S["DATA"]
        else:
            items += [Command("BDAT", f"BDAT {self.size} LAST"), *self._content(False)]
        codes.append(250)
        accept = len(codes) - 1
        if pipelined_quit:
            items.append(Command("QUIT", "QUIT"))
            codes.append(221)
        return items, codes, accept, REPLY_TIMEOUT_S["end"]

    def _run_group(
        self,
        items: list[Any],
        codes: list[int],
        accept: int,
        timeout: float,
        sent: bool = False,
        strict: bool = True,
    ) -> Proc:
        """Write the envelope group (unless it already went with the client's TLS Finished)
        and read one reply per code. ``strict``: abort on an unexpected code; else return
        the replies for the caller to judge (a speculative group)."""
        rec = self.record
        if not sent:
            self._send(items)
            rec.mail_s = self.now()
        rec.waits += 1
        replies = []
        for i, code in enumerate(codes):
            r = yield from self._read(timeout)
            if r.code != code and strict:
                raise _Abort("rejected")
            if i == accept and r.code == code:
                rec.accept_s = self.socket.arrived_s - self.start_s  # arrival, not read
            replies.append(r)
        return replies

    def _after_group(self) -> Proc:
        """After the envelope's group: with DATA, the content and its 250."""
        self._enter("data")
        if not self.f.chunking and not self.f.burl:
            pipelined = self.f.quit == "pipelined" and not self.f.reuse
            quit = [Command("QUIT", "QUIT")] if pipelined else []
            yield from self._last_exchange(self._content(True) + quit, [250], [221] if quit else [])

    def _envelope(self, prefix: list[Any], prefix_codes: list[int]) -> Proc:
        f = self.f
        yield from self._await_url()
        if f.pipelining:
            yield from self._run_group(*self._group(prefix, prefix_codes))
            yield from self._after_group()
            return
        commands: list[Any] = [*prefix, mail_from(self.size, f.ehlo)]
        commands += [rcpt_to(i) for i in range(self.recipients)]
        codes = [*prefix_codes] + [250] * (1 + self.recipients)
        for i, (command, code) in enumerate(zip(commands, codes, strict=True)):
            if i == len(prefix):
                self.record.mail_s = self.now()
            yield from self._exchange([command], [code])
        quit: list[Any] = (
            [Command("QUIT", "QUIT")] if f.quit == "pipelined" and not f.reuse else []
        )
        if f.burl:
            self._enter("data")
            burl = [BurlCommand(self.burl_url.value, self.size)]
            yield from self._last_exchange(burl + quit, [250], [221] if quit else [])
            return
        if f.chunking:
            self._enter("data")
            final = [Command("BDAT", f"BDAT {self.size} LAST"), *self._content(False)]
            yield from self._last_exchange(final + quit, [250], [221] if quit else [])
            return
        yield from self._exchange([Command("DATA", "DATA")], [354], REPLY_TIMEOUT_S["DATA"])
        yield from self._after_group()

    def _last_exchange(self, items: list[Any], expect: list[int], quit_code: list[int]) -> Proc:
        """The exchange that ends the message: the last code of ``expect`` is its final 250;
        ``quit_code`` follows when QUIT is pipelined behind it."""
        yield from self._exchange(
            items, expect + quit_code, REPLY_TIMEOUT_S["end"], accept_index=len(expect) - 1
        )
