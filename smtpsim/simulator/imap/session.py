"""An IMAP client session: the mail client's own (send-and-save, BURL), or the submission
server's for BURL's fetch."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from smtpsim.model import TcpConfig, TlsConfig, Trace, text
from smtpsim.model.features import ImapTls
from smtpsim.model.timers import IMAP_AUTOLOGOUT_S
from smtpsim.simulator.content import Content
from smtpsim.simulator.imap.lines import ImapLine
from smtpsim.simulator.imap.server import ImapServer
from smtpsim.simulator.tcp import TIMEOUT, TcpConnection
from smtpsim.simulator.tls import Channel, TlsMessage, client_handshake
from smtpsim.simulator.wire import Path

__all__ = ["ImapSession", "open_session"]

Proc = Generator[simpy.Event, Any, Any]


class ImapSession:
    """The client end of an IMAP connection: open, or opened on demand.

    ``warm``: the session already exists, authenticated and with TLS up (none with ``mode``
    "plain"), as a mail client or a submission server's connection pool keeps it (no packets
    before the first command): the connection is made one that was opened before the run,
    its RTT estimate seeded with ``rtt_s``. ``mode``: how a cold session secures itself
    (``Features.imap_tls``)."""

    def __init__(
        self, env: simpy.Environment, connection: TcpConnection, tls: TlsConfig, warm: bool,
        rtt_s: float, mode: ImapTls = "implicit",
    ) -> None:
        self.env = env
        self.tls = tls
        self.warm = warm
        self.mode = mode
        self.connection = connection
        self.socket = connection.client_socket
        self.channel = Channel(self.socket)
        self.tag = 0
        if warm:
            connection.preopen(rtt_s)
            if mode != "plain":
                self.channel.start_tls(tls, "1.3")
        self.ready = warm

    def usable(self) -> bool:
        """Whether the connection is still open (the server has not logged it out)."""
        socket = self.socket
        return not socket.peer_closed() and not socket.pending() and not socket.is_failed()

    def _tag(self) -> str:
        self.tag += 1
        return text.imap_tag(self.tag)

    def _next(self) -> Proc:
        """The next IMAP line or literal; TLS 1.3 session tickets are taken by the TLS layer
        (OpenSSL reads post-handshake messages inside ``SSL_read``) and not kept: the model's
        IMAP sessions do not resume."""
        # the client's wait restarts while its own literal is still being acknowledged
        item = yield from self.socket.recv_within(IMAP_AUTOLOGOUT_S, sending=True)
        while isinstance(item, TlsMessage):
            item = yield from self.socket.recv_within(IMAP_AUTOLOGOUT_S, sending=True)
        if item is TIMEOUT or not isinstance(item, ImapLine | Content):
            raise ConnectionError("IMAP session lost")
        return item

    def _until_tagged(self, tag: str) -> Proc:
        lines = []
        while True:
            item = yield from self._next()
            lines.append(item)
            if isinstance(item, ImapLine) and item.tag == tag:
                return lines

    def _connect(self) -> Proc:
        """A cold session up to where it may authenticate: TCP, then as ``mode`` says
        implicit TLS 1.3 and the greeting (RFC 8314 §3), or the cleartext greeting, and with
        "starttls" STARTTLS, its OK, the TLS handshake (nothing may be sent in between,
        RFC 3501 §6.2.1), and CAPABILITY sent with the client Finished (TLS 1.3 lets
        application data follow it, RFC 8446 §2) and waited for: the client "MUST discard
        cached information about server capabilities" (§6.2.1), so it knows LITERAL+ and
        SASL-IR again only from the answer."""
        self.connection.connect()
        ok = yield self.socket.established
        if not ok:
            raise ConnectionError("IMAP connect failed")
        if self.mode == "implicit":
            yield from self._handshake()
        yield from self._next()  # * OK greeting
        if self.mode == "starttls":
            tag = self._tag()
            self.channel.send([ImapLine(text.imap_starttls(tag), tag)])
            yield from self._until_tagged(tag)
            tag = self._tag()
            yield from self._handshake([ImapLine(text.imap_capability(tag), tag)])
            yield from self._until_tagged(tag)

    def _handshake(self, with_finished: list[ImapLine] | None = None) -> Proc:
        result = yield from client_handshake(self.env, self.channel, self.tls, "1.3", False,
                                             with_finished or ())
        if result.outcome:
            raise ConnectionError("IMAP TLS failed")

    def _authenticate(self) -> ImapLine:
        """``AUTHENTICATE PLAIN`` with its initial response (RFC 4959): one round trip."""
        tag = self._tag()
        return ImapLine(text.imap_authenticate(tag), tag)

    def open(self) -> Proc:
        """A cold session: connect (``_connect``), then AUTHENTICATE and its OK."""
        if self.ready:
            return
        yield from self._connect()
        auth = self._authenticate()
        self.channel.send([auth])
        yield from self._until_tagged(auth.tag)
        self.ready = True

    def append(self, size: int, literal_plus: bool, pipelined: bool = False) -> Proc:
        """APPEND ``size`` bytes to Sent; returns the new UID (RFC 4315 APPENDUID).

        ``pipelined`` (with ``literal_plus``; ``Features.imap_pipelined``): a cold session
        writes AUTHENTICATE, the APPEND line and its literal at once, without waiting for
        the authentication's tagged OK (RFC 3501 §5.5), then reads both answers."""
        auth = None
        if pipelined and literal_plus and not self.ready:
            yield from self._connect()
            auth = self._authenticate()
        else:
            yield from self.open()
        tag = self._tag()
        command = ImapLine(text.imap_append(tag, size, literal_plus), tag)
        literal = Content(size, text.body(size))
        if literal_plus:  # RFC 7888: the literal follows without waiting
            self.channel.send([command, literal] if auth is None else [auth, command, literal])
        else:
            self.channel.send([command])
            yield from self._next()  # + Ready for literal data
            self.channel.send([literal])
        if auth is not None:
            yield from self._until_tagged(auth.tag)
            self.ready = True
        lines = yield from self._until_tagged(tag)
        return int(lines[-1].text.split("APPENDUID 1 ")[1].split("]")[0])

    def genurlauth(self, uid: int) -> Proc:
        """GENURLAUTH for the message: returns the URL BURL will carry (RFC 4467 §7.2). It
        is sent only after APPEND's tagged OK: the URL names the UID that OK gives."""
        tag = self._tag()
        self.channel.send([ImapLine(text.imap_genurlauth(tag, uid), tag)])
        lines = yield from self._until_tagged(tag)
        return lines[0].text.split('"')[1]

    def urlfetch(self, url: str, size: int) -> Proc:
        """URLFETCH the message (RFC 4467 §7.3), as the submission server does for BURL."""
        yield from self.open()
        tag = self._tag()
        self.channel.send([ImapLine(text.imap_urlfetch(tag, url, size), tag)])
        yield from self._until_tagged(tag)


def open_session(
    env: simpy.Environment,
    path: Path,
    server: ImapServer,
    tls: TlsConfig,
    warm: bool,
    client_tcp: TcpConfig,
    server_tcp: TcpConfig,
    client_nagle: bool,
    server_nagle: bool,
    trace: Trace | None = None,
    mode: ImapTls = "implicit",
) -> ImapSession:
    """A new IMAP connection over ``path`` to ``server``, and the session on it (``warm``: one
    that already exists). ``client_tcp`` / ``server_tcp`` and the Nagle flags are each end's
    stack: the mail client's own for its session, the provider's for the submission server's
    fetch. ``trace``: records go to it, labelled ``imap``. ``mode``: implicit TLS,
    STARTTLS or cleartext (``Features.imap_tls``; the submission server's fetch uses
    implicit TLS)."""
    connection = TcpConnection(env, path, client_tcp, server_tcp, client_nagle, server_nagle,
                               trace is not None, "imap")
    if trace is not None:
        connection.log_records(trace.records)
    session = ImapSession(env, connection, tls, warm, path.config.rtt_s, mode)
    server.accept(connection.server_socket, fresh=not warm, mode=mode)
    return session
