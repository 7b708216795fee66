"""One worker's handling of one SMTP connection, greeting to close (RFC 5321, RFC 6409).

It reads commands in order, spends ``ServerTiming`` on each, and answers each as the server's
``reply_writes`` says (``say``):

* ``"group"`` (Postfix, Exim): replies are buffered and flushed as one write whenever no
  further input is waiting: RFC 2920 §3.2 lets a server defer responses while the client
  keeps sending, but it must never wait for input with responses still unsent (Postfix's
  ``smtpd_chat`` flushes exactly when its input buffer is empty). So a pipelined group that
  arrives together is answered together, and a lone command at once.
* ``"line"`` (aiosmtpd 1.4.3): every reply line is a write of its own, made as soon as the
  command is processed (``SMTP.push`` writes ``response + b"\r\n"`` and drains, and
  ``smtp_EHLO`` pushes each line of the EHLO reply), so nothing is buffered: under TLS each
  line is a TLS record of its own, and with TCP_NODELAY a segment of its own.

What each command does is in ``commands``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy
from simpy.events import Timeout

from smtpsim.model import Distribution, cost, text
from smtpsim.simulator.content import Content
from smtpsim.simulator.smtp.messages import (
    Command,
    Reply,
    capability_reply,
    greeting,
    reply,
    reply_lines,
)
from smtpsim.simulator.smtp.server.commands import COMMANDS, unknown
from smtpsim.simulator.tcp import TIMEOUT, Socket
from smtpsim.simulator.tls import Channel, TlsMessage, accept_finished, server_handshake

if TYPE_CHECKING:
    from smtpsim.simulator.frontend import FrontEnd

__all__ = ["ServerSession", "ServerStats"]

Proc = Generator[simpy.Event, Any, Any]

#: Commands a server still answers after refusing a stale token or qhlo-id; the rest of the
#: refused group gets 503 (quickstart-b §6, §7).
_AFTER_REFUSAL = ("QHLO", "EHLO", "QUIT", "QTLS")

#: What a client sends that the session answers (anything else ends it)
_SMTP_ITEMS = (Command, Content)


class ServerStats:
    """What the server side observed: when the kernel accepted the connection, when a
    worker took it (after waiting in the listen queue if all were busy), when it closed."""

    __slots__ = ("accepted_s", "worker_s", "closed_s", "messages")

    def __init__(self) -> None:
        self.accepted_s: float | None = None
        self.worker_s: float | None = None
        self.closed_s: float | None = None
        self.messages = 0


class ServerSession:
    """The server's state for one connection: what it has buffered to say, whether it is
    refusing the rest of a group, the steps of a SASL exchange under way."""

    def __init__(self, frontend: FrontEnd, socket: Socket, stats: ServerStats) -> None:
        self.frontend = frontend
        self.env = frontend.env
        self.socket = socket
        self.stats = stats
        self.timing = frontend.timing
        self.tls = frontend.tls
        self.offer = frontend.offer
        self.idle_timeout = frontend.idle_timeout_s
        self.channel = Channel(socket)
        #: every reply line a write of its own (``Server.reply_writes`` "line")
        self.per_line = frontend.reply_writes == "line"
        self.pending: list[Reply] = []
        #: After a refused QHLO or early EHLO, the rest of its pipelined group is refused
        #: with 503 until the next QHLO/EHLO (quickstart-b §6, §7).
        self.refusing = False
        #: Queued (processing time, reply) steps of a multi-step SASL exchange.
        self.auth_steps: list[tuple[float | Distribution, Reply]] = []
        #: Bytes of the message's BDAT chunks so far, before its LAST one (RFC 3030 §2).
        self.chunked = 0

    # ------------------------------------------------------------------ helpers
    def say(self, answer: Reply) -> None:
        """Answer: buffer the reply until the next ``flush`` ("group"), or write each of its
        lines at once, one write each ("line")."""
        if self.per_line:
            for line in reply_lines(answer):
                self.channel.send([line])
        else:
            self.pending.append(answer)

    def flush(self) -> None:
        """Write every buffered reply as one write."""
        if self.pending:
            self.channel.send(list(self.pending))
            self.pending.clear()

    def spend(self, value: float | Distribution) -> Proc:
        """Processing time: ``value`` seconds, or a draw from the servers' own stream."""
        seconds = cost(value, self.frontend.rng)
        if seconds > 0.0:
            yield Timeout(self.env, seconds)  # (``env.timeout``, without its binding)

    def context(self) -> str:
        """The security context: ``"tls"`` once TLS is up, else ``"plain"``."""
        return "tls" if self.channel.tls else "plain"

    def keywords(self, context: str) -> tuple[str, ...]:
        """The extra EHLO keywords this server offers: early pipelining with the
        configuration token of this security context, QUICKSTART with its parameters
        (quickstart-01 §4), and BURL for a submission server with an IMAP server behind it
        (RFC 4468 §3.3)."""
        fe, offer = self.frontend, self.offer
        keywords: list[str] = []
        if offer.early_pipelining:
            keywords.append(text.pipe_connect_keyword(fe.token(context)))
        elif offer.quickstart is not None:
            keywords.append(text.quickstart_keyword(offer.quickstart == "full",
                                                    fe.token(context)))
        if fe.fetcher is not None:
            keywords.append(text.BURL_KEYWORD)
        return tuple(keywords)

    def banner(self) -> Reply:
        """The 220 greeting; with QUICKSTART, extended with the capabilities (§3); with
        early pipelining, carrying the configuration token (the thread's "server
        configuration indicator")."""
        if self.offer.early_pipelining:
            return Reply(220, text.early_pipelining_greeting(self.frontend.token("plain")))
        if self.offer.quickstart is None:
            return greeting()
        return capability_reply(220, text.GREETING, not self.channel.tls,
                                extra=self.keywords(self.context()), server=self.frontend.ehlo)

    def refuse_stale(self, context: str, why: str) -> None:
        """A stale token or qhlo-id (quickstart-b §6, §7): 504 where the greeting already gave
        the list, else 520 with the list; the rest of the group then gets 503."""
        self.refusing = True
        if context == "plain":
            self.say(reply(504, text.stale(why)))
        else:
            self.say(capability_reply(520, why, False, extra=self.keywords(context),
                                      server=self.frontend.ehlo))

    def start_tls(self, half_rtt: Reply | None = None) -> Generator[Any, Any, str]:
        """Flush what is pending, then the server's TLS handshake, with ``half_rtt`` (the
        banner) as 0.5-RTT data behind the flight: in the flight's write, or its lines one
        write each ("line"); returns ``server_handshake``'s verdict (``""`` done,
        ``"early"`` 0-RTT data accepted)."""
        self.flush()
        fe = self.frontend
        items: list[Any] = []
        if half_rtt is not None:
            items = list(reply_lines(half_rtt)) if self.per_line else [half_rtt]
        return (yield from server_handshake(
            self.env, self.channel, self.tls, self.offer.tls_version, self.idle_timeout,
            fe.ticket_valid, fe.ticket_key, items, self.per_line,
        ))

    # ------------------------------------------------------------------ the session
    def run(self) -> Proc:
        """Greeting to close."""
        if not (yield from self._greet()):
            self.socket.close()
            self.stats.closed_s = self.env.now
            return
        socket = self.socket
        while True:
            item = yield from socket.recv_within(self.idle_timeout)
            if item is TIMEOUT:  # Postfix: "421 4.4.2 <host> Error: timeout exceeded", close
                self.say(reply(421, text.TIMED_OUT))
                break
            if isinstance(item, TlsMessage):  # the client's Finished after 0-RTT data
                accept_finished(self.channel, self.tls, self.frontend.ticket_key)
                if not socket.pending():
                    self.flush()
                continue
            if not isinstance(item, _SMTP_ITEMS):
                break  # CLOSED, FAILED, or stray TLS data
            if isinstance(item, Content):
                if not item.last:  # DATA body before its terminator: nothing to answer yet
                    continue
                yield from self.end_of_data(text.QUEUED_DATA)
            elif self.refusing and item.verb not in _AFTER_REFUSAL:
                if item.verb == "BDAT":  # the chunk follows and is read and discarded
                    yield from socket.recv_within(self.idle_timeout)
                self.say(reply(503, text.REFUSED))
            elif self.auth_steps:  # a SASL continuation line
                delay, answer = self.auth_steps.pop(0)
                yield from self.spend(delay)
                self.say(answer)
            elif not (yield from COMMANDS.get(item.verb, unknown)(self, item)):
                break
            if not socket.pending():
                self.flush()
        self.flush()
        socket.close()
        self.stats.closed_s = self.env.now

    def _greet(self) -> Generator[Any, Any, bool]:
        """The greeting; with implicit TLS (RFC 8314 §3) the handshake first, and the banner
        after it or, TLS 1.3 with ``banner_half_rtt``, behind the server's flight as 0.5-RTT
        data. False if the session cannot go on."""
        yield from self.spend(self.timing.greeting)
        offer = self.offer
        if offer.implicit_tls:
            early = offer.banner_half_rtt and offer.tls_version == "1.3"
            stopped = yield from self.start_tls(self.banner() if early else None)
            if stopped and stopped != "early":
                return False
            if not early:
                self.say(self.banner())
        else:
            self.say(self.banner())
        self.flush()
        return True

    def end_of_data(self, queued: str) -> Proc:
        """The message is complete: queue it (``end_of_data`` processing) and answer 250."""
        yield from self.spend(self.timing.end_of_data)
        self.stats.messages += 1
        self.say(reply(250, queued))
