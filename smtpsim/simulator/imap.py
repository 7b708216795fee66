"""IMAP for send-and-save and BURL: the server, the client's steps, the submit server's fetch.

What is modelled (RFC 3501 unless named):

* **APPEND** of the message to Sent (§6.3.11) with a synchronizing literal: the command line
  ends in ``{M}``, the server answers ``+ Ready for literal data``, then the client sends the
  literal and gets ``OK [APPENDUID v uid]`` (RFC 4315 UIDPLUS): 2 round trips plus the
  upload. With LITERAL+ (RFC 7888) the literal follows the command at once (``{M+}``): 1 round
  trip plus the upload.
* **GENURLAUTH** (RFC 4467 §7.1) for the appended message with ``urlauth=submit+<user>``
  and the INTERNAL mechanism: one round trip; it needs the UID from APPEND's reply.
* **URLFETCH** (RFC 4467 §7.3) by the submission server over its data-centre path: on a
  pooled, authenticated connection one round trip plus the message; on a new connection
  first TCP, implicit TLS (RFC 8314 §3), the greeting and ``AUTHENTICATE PLAIN`` with an
  initial response (RFC 4959): about 5 data-centre round trips (protocol.md §1.6).
* A **cold** client IMAP session first connects the same way (TCP, TLS, greeting,
  AUTHENTICATE); a warm one is already open, authenticated and selected, as mobile clients
  keep it (protocol.md §1.6).

Server processing per command: ``ServerTiming.imap_append`` (mailbox write and fsync),
``imap_genurlauth``, ``imap_urlfetch``, ``imap_auth``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from smtpsim.model import Distribution, ServerTiming, TlsConfig, cost
from smtpsim.model.text import auth_plain_ir
from smtpsim.model.timers import IMAP_AUTOLOGOUT_S
from smtpsim.simulator.messages import Content
from smtpsim.simulator.tcp import TIMEOUT, Socket, TcpConnection
from smtpsim.simulator.tls import Channel, client_handshake, server_handshake
from smtpsim.simulator.wire import Path

__all__ = ["ImapLine", "imap_server", "ImapSession", "ImapFetcher", "IMAP_HOST", "burl_url"]

IMAP_HOST = "imap.example.net"
USER = "alice@example.org"

Proc = Generator[simpy.Event, Any, Any]


class ImapLine:
    """One IMAP protocol line (command, continuation request, untagged or tagged
    response), ``text`` without CRLF. ``tag`` is set on tagged lines."""

    __slots__ = ("text", "nbytes", "tag")

    def __init__(self, text: str, tag: str = "") -> None:
        self.text = text
        self.nbytes = len(text) + 2
        self.tag = tag

    def __repr__(self) -> str:
        return self.text


def burl_url(uid: int) -> str:
    """The URLAUTH-authorized URL of the saved message (RFC 4467 §3, RFC 4468 §3.3)."""
    return (
        f"imap://{USER.replace('@', '%40')}@{IMAP_HOST}/Sent;UIDVALIDITY=1/;UID={uid}"
        f";urlauth=submit+{USER.split('@')[0]}:internal:91354a473744909de610943775f92038"
    )


def imap_server(
    env: simpy.Environment,
    socket: Socket,
    timing: ServerTiming,
    tls: TlsConfig,
    implicit_tls: bool,
    rng: Any = None,
) -> Proc:
    """The IMAP server process for one connection (greeting first for a new one)."""
    ok = yield socket.established
    if not ok:
        return
    channel = Channel(socket)
    if implicit_tls:
        stopped = yield from server_handshake(env, channel, tls, "1.3", IMAP_AUTOLOGOUT_S)
        if stopped:
            socket.close()
            return
        channel.send([ImapLine(f"* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS URLAUTH "
                               f"AUTH=PLAIN SASL-IR] {IMAP_HOST} ready")])
    else:  # an already open, authenticated session: TLS is up
        channel.start_tls(tls, "1.3")
    uid = 41
    while True:
        item = yield from socket.recv_within(IMAP_AUTOLOGOUT_S)
        if not isinstance(item, ImapLine):
            break
        words = item.text.split()
        tag, verb = words[0], words[1].upper()
        if verb == "APPEND":
            size = int(words[-1].strip("{}+"))
            if not words[-1].endswith("+}"):  # synchronizing literal: ask for it
                channel.send([ImapLine("+ Ready for literal data")])
            literal = yield from socket.recv_within(IMAP_AUTOLOGOUT_S)
            if not isinstance(literal, Content) or literal.nbytes < size:
                break
            yield from _spend(env, timing.imap_append, rng)
            uid += 1
            channel.send([ImapLine(f"{tag} OK [APPENDUID 1 {uid}] APPEND completed", tag)])
        elif verb == "GENURLAUTH":
            yield from _spend(env, timing.imap_genurlauth, rng)
            channel.send([ImapLine(f'* GENURLAUTH "{burl_url(uid)}"'),
                          ImapLine(f"{tag} OK GENURLAUTH completed", tag)])
        elif verb == "URLFETCH":
            yield from _spend(env, timing.imap_urlfetch, rng)
            size = int(words[-1])  # the model passes the size along with the URL
            channel.send([ImapLine(f'* URLFETCH "{words[2]}" {{{size}}}'),
                          Content(size, f"<{size} bytes of message>"),
                          ImapLine(f"{tag} OK URLFETCH completed", tag)])
        elif verb == "AUTHENTICATE":
            yield from _spend(env, timing.imap_auth, rng)
            channel.send([ImapLine(f"{tag} OK AUTHENTICATE completed", tag)])
        elif verb == "LOGOUT":
            channel.send([ImapLine("* BYE"), ImapLine(f"{tag} OK LOGOUT completed", tag)])
            break
        else:
            channel.send([ImapLine(f"{tag} BAD unknown command", tag)])
    socket.close()


def _spend(env: simpy.Environment, value: float | Distribution, rng: Any) -> Proc:
    seconds = cost(value, rng)
    if seconds > 0.0:
        yield env.timeout(seconds)


class ImapSession:
    """An IMAP connection between two hosts over ``path``: open, or opened on demand.

    ``client_tcp`` / ``server_tcp`` and the Nagle flags: each end's stack (the mail
    client's own for its session; the provider's ``server_tcp`` for the IMAP server and for
    the submission server fetching from it). ``trace``: the session's ``Trace``, if traced
    (the client's session only; the fetch runs on the data-centre path).

    ``warm``: the session already exists, authenticated and with TLS up, as a mail client
    or a submit server's connection pool keeps it (no packets before the first command).
    """

    def __init__(
        self,
        env: simpy.Environment,
        path: Path,
        timing: ServerTiming,
        tls: TlsConfig,
        warm: bool,
        client_tcp: Any = None,
        server_tcp: Any = None,
        client_nagle: bool = False,
        server_nagle: bool = False,
        rng: Any = None,
        trace: Any = None,
    ) -> None:
        from smtpsim.model import TcpConfig

        self.env = env
        self.tls = tls
        self.warm = warm
        self.connection = TcpConnection(
            env, path, client_tcp or TcpConfig(), server_tcp or TcpConfig(), client_nagle,
            server_nagle, trace is not None, "imap",
        )
        if trace is not None:  # a ``Trace``: its records, labelled with the connection
            self.connection.client.record_log = trace.records
            self.connection.server.record_log = trace.records
        self.channel = Channel(self.connection.client.socket)
        self.socket = self.connection.client.socket
        self.tag = 0
        if warm:
            self.connection.preopen(path.config.rtt_s)
            self.channel.start_tls(tls, "1.3")
        env.process(
            imap_server(env, self.connection.server.socket, timing, tls, not warm, rng)
        )
        self.ready = warm

    def usable(self) -> bool:
        """Whether the connection is still open (the server has not logged it out)."""
        socket = self.socket
        return not socket.peer_closed() and not socket.pending() and not socket.is_failed()

    def _tag(self) -> str:
        self.tag += 1
        return f"a{self.tag}"

    def _next(self) -> Proc:
        # the client's wait restarts while its own literal is still being acknowledged
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

    def open(self) -> Proc:
        """A cold session: TCP, implicit TLS, the greeting, AUTHENTICATE PLAIN (SASL-IR)."""
        if self.ready:
            return
        self.connection.connect()
        ok = yield self.socket.established
        if not ok:
            raise ConnectionError("IMAP connect failed")
        result = yield from client_handshake(self.env, self.channel, self.tls, "1.3", False)
        if result.outcome:
            raise ConnectionError("IMAP TLS failed")
        yield from self._next()  # * OK greeting
        tag = self._tag()
        self.channel.send([ImapLine(f"{tag} AUTHENTICATE PLAIN {auth_plain_ir()}", tag)])
        yield from self._until_tagged(tag)
        self.ready = True

    def append(self, size: int, literal_plus: bool) -> Proc:
        """APPEND ``size`` bytes to Sent; returns the new UID (RFC 4315 APPENDUID)."""
        yield from self.open()
        tag = self._tag()
        plus = "+" if literal_plus else ""
        command = ImapLine(f"{tag} APPEND Sent (\\Seen) {{{size}{plus}}}", tag)
        literal = Content(size, f"<{size} bytes of message>")
        if literal_plus:  # RFC 7888: the literal follows without waiting
            self.channel.send([command, literal])
        else:
            self.channel.send([command])
            yield from self._next()  # + Ready for literal data
            self.channel.send([literal])
        lines = yield from self._until_tagged(tag)
        return int(lines[-1].text.split("APPENDUID 1 ")[1].split("]")[0])

    def genurlauth(self, uid: int) -> Proc:
        """GENURLAUTH for the message: returns the URL BURL will carry (RFC 4467 §7.1)."""
        tag = self._tag()
        url = burl_url(uid).split(":internal:")[0]
        self.channel.send([ImapLine(f'{tag} GENURLAUTH "{url}" INTERNAL', tag)])
        lines = yield from self._until_tagged(tag)
        return lines[0].text.split('"')[1]

    def urlfetch(self, url: str, size: int) -> Proc:
        """URLFETCH the message (RFC 4467 §7.3), as the submission server does for BURL."""
        yield from self.open()
        tag = self._tag()
        self.channel.send([ImapLine(f"{tag} URLFETCH {url} {size}", tag)])
        yield from self._until_tagged(tag)


class ImapFetcher:
    """The submission server's side of BURL: URLFETCH over its data-centre path, on one
    pooled authenticated connection (Dovecot's submission service keeps one to its
    imap-urlauth service) or a new connection per fetch."""

    def __init__(
        self,
        env: simpy.Environment,
        path: Path,
        timing: ServerTiming,
        tls: TlsConfig,
        pooled: bool,
        rng: Any = None,
        tcp: Any = None,
        nagle: bool = False,
    ) -> None:
        self.env = env
        self.path = path
        self.timing = timing
        self.tls = tls
        self.pooled = pooled
        self.rng = rng
        self.tcp = tcp  # the provider's stack, on both ends
        self.nagle = nagle
        self.pool = self._open(True) if pooled else None

    def _open(self, warm: bool) -> ImapSession:
        return ImapSession(self.env, self.path, self.timing, self.tls, warm, self.tcp,
                           self.tcp, self.nagle, self.nagle, rng=self.rng)

    def fetch(self, url: str, size: int) -> Proc:
        """URLFETCH on the pooled connection, opening a new one first if the server logged
        the old one out (RFC 3501 §5.4: after 30 idle minutes), or on a new connection."""
        session = self.pool
        if session is None or not session.usable():
            session = self._open(False)
            if self.pooled:
                self.pool = session
        yield from session.urlfetch(url, size)
