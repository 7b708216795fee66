"""The provider's IMAP server: it accepts connections and answers APPEND, GENURLAUTH,
URLFETCH, AUTHENTICATE, STARTTLS, CAPABILITY and LOGOUT, one command at a time in the order
they came (RFC 3501 §5.5), so pipelined commands are answered each with its own write.
STARTTLS and CAPABILITY take no processing time. After the client's TLS Finished it sends
``tickets`` TLS 1.3 session tickets, one write each (``Server.imap_tickets_13``; Dovecot keeps
OpenSSL's default of two: ``ssl/ssl_lib.c SSL_CTX_new``, ``ret->num_tickets = 2``), which no
client of the model uses again."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any

import simpy

from smtpsim.model import Distribution, ServerTiming, TlsConfig, cost, text
from smtpsim.model.features import ImapTls
from smtpsim.model.timers import IMAP_AUTOLOGOUT_S
from smtpsim.simulator.content import Content
from smtpsim.simulator.imap.lines import ImapLine
from smtpsim.simulator.tcp import Socket
from smtpsim.simulator.tls import Channel, server_handshake

__all__ = ["ImapServer"]

Proc = Generator[simpy.Event, Any, Any]


class ImapServer:
    """The IMAP server host: ``timing`` per command, drawn from ``rng`` when random;
    ``tickets`` TLS 1.3 session tickets after each handshake."""

    def __init__(
        self, env: simpy.Environment, timing: ServerTiming, tls: TlsConfig, rng: Any,
        tickets: int = 0,
    ) -> None:
        self.env = env
        self.timing = timing
        self.tls = tls
        self.rng = rng
        #: the handshake's configuration with this server's ticket count, and the ticket it
        #: hands out (None: none)
        self.handshake_tls = replace(tls, tickets_13=tickets)
        self.ticket = "imap/ticket-key-1" if tickets > 0 else None

    def accept(self, socket: Socket, fresh: bool, mode: ImapTls = "implicit") -> None:
        """Serve the connection whose server end is ``socket``: a ``fresh`` one starts with
        the greeting, after implicit TLS (``mode`` "implicit", port 993, RFC 8314 §3) or at
        once in cleartext ("starttls": listing STARTTLS, port 143; "plain"); an existing one
        (opened before the run) has its user authenticated and TLS up (none with "plain")."""
        self.env.process(self._serve(socket, fresh, mode))

    def _spend(self, value: float | Distribution) -> Proc:
        seconds = cost(value, self.rng)
        if seconds > 0.0:
            yield self.env.timeout(seconds)

    def _serve(self, socket: Socket, fresh: bool, mode: ImapTls) -> Proc:
        ok = yield socket.established
        if not ok:
            return
        channel = Channel(socket)
        if fresh:
            if mode == "implicit":
                stopped = yield from server_handshake(self.env, channel, self.handshake_tls,
                                                      "1.3", IMAP_AUTOLOGOUT_S,
                                                      issue=self.ticket)
                if stopped:
                    socket.close()
                    return
            greeting = text.IMAP_STARTTLS_GREETING if mode == "starttls" else text.IMAP_GREETING
            channel.send([ImapLine(greeting)])
        elif mode != "plain":  # an already open, authenticated session: TLS is up
            channel.start_tls(self.tls, "1.3")
        uid = text.FIRST_UID - 1
        while True:
            item = yield from socket.recv_within(IMAP_AUTOLOGOUT_S)
            if not isinstance(item, ImapLine):
                break
            words = item.text.split()
            tag, verb = words[0], words[1].upper()
            if verb == "APPEND":
                size = int(words[-1].strip("{}+"))
                if not words[-1].endswith("+}"):  # synchronizing literal: ask for it
                    channel.send([ImapLine(text.IMAP_CONTINUE)])
                literal = yield from socket.recv_within(IMAP_AUTOLOGOUT_S)
                if not isinstance(literal, Content) or literal.nbytes < size:
                    break
                yield from self._spend(self.timing.imap_append)
                uid += 1
                channel.send([ImapLine(text.imap_appended(tag, uid), tag)])
            elif verb == "GENURLAUTH":
                yield from self._spend(self.timing.imap_genurlauth)
                url_line, ok_line = text.imap_genurlauth_answer(tag, uid)
                channel.send([ImapLine(url_line), ImapLine(ok_line, tag)])
            elif verb == "URLFETCH":
                yield from self._spend(self.timing.imap_urlfetch)
                size = int(words[-1])  # the model passes the size along with the URL
                head, ok_line = text.imap_urlfetch_answer(tag, words[2], size)
                channel.send([ImapLine(head), Content(size, text.body(size)),
                              ImapLine(ok_line, tag)])
            elif verb == "AUTHENTICATE":
                yield from self._spend(self.timing.imap_auth)
                channel.send([ImapLine(text.imap_ok(tag, "AUTHENTICATE"), tag)])
            elif verb == "STARTTLS":  # RFC 3501 §6.2.1: TLS begins after the OK's CRLF
                channel.send([ImapLine(text.imap_starttls_ok(tag), tag)])
                stopped = yield from server_handshake(self.env, channel, self.handshake_tls,
                                                      "1.3", IMAP_AUTOLOGOUT_S,
                                                      issue=self.ticket)
                if stopped:
                    break
            elif verb == "CAPABILITY":
                untagged, ok_line = text.imap_capability_answer(tag)
                channel.send([ImapLine(untagged), ImapLine(ok_line, tag)])
            elif verb == "LOGOUT":
                channel.send([ImapLine(text.IMAP_BYE),
                              ImapLine(text.imap_ok(tag, "LOGOUT"), tag)])
                break
            else:
                channel.send([ImapLine(text.imap_bad(tag), tag)])
        socket.close()
