"""The submission server's side of one SMTP session (RFC 5321, RFC 6409).

It reads commands in order, spends ``ServerTiming`` on each, and buffers replies. Replies are
flushed as one write whenever no further input is waiting: RFC 2920 §3.2 lets a server defer
responses while the client keeps sending, but it must never wait for input with responses
still unsent (Postfix's ``smtpd_chat`` flushes exactly when its input buffer is empty). So a
pipelined group that arrives together is answered together, and a lone command at once.

Supported: EHLO/HELO, STARTTLS (RFC 3207: 220, handshake, state reset), AUTH PLAIN with or
without initial response, LOGIN and SCRAM-SHA-256 (RFC 4954 §4; SCRAM's server-final message
is sent as a 334 challenge that the client answers with an empty line, then 235), MAIL, RCPT,
DATA/354/content (RFC 5321 §4.1.1.4), BDAT (RFC 3030 §2), QUIT/221 (RFC 5321 §4.1.1.10).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from smtpsim.model import Distribution, ServerTiming, TlsConfig, cost
from smtpsim.model.text import SERVER_DOMAIN
from smtpsim.model.timers import SERVER_IDLE_TIMEOUT_S
from smtpsim.simulator.messages import (
    Command,
    Content,
    Reply,
    capability_reply,
    ehlo_reply,
    greeting,
    reply,
)
from smtpsim.simulator.tcp import TIMEOUT, Socket
from smtpsim.simulator.tls import Channel, TlsMessage, accept_finished, server_handshake

if TYPE_CHECKING:
    from smtpsim.simulator.frontend import FrontEnd

__all__ = ["ServerStats", "smtp_server"]



class ServerStats:
    """What the server side observed: when the kernel accepted the connection, when a
    worker took it (after waiting in the listen queue if all were busy), when it closed."""

    __slots__ = ("accepted_s", "worker_s", "closed_s", "messages")

    def __init__(self) -> None:
        self.accepted_s: float | None = None
        self.worker_s: float | None = None
        self.closed_s: float | None = None
        self.messages = 0


def smtp_server(
    env: simpy.Environment,
    socket: Socket,
    timing: ServerTiming,
    tls: TlsConfig,
    tls_version: str,
    stats: ServerStats,
    frontend: FrontEnd | None = None,
    implicit_tls: bool = False,
    banner_half_rtt: bool = False,
) -> Generator[simpy.Event, Any, None]:
    """The server process for one connection. ``tls_version`` is what STARTTLS (or implicit
    TLS, RFC 8314 §3) negotiates; ``frontend`` validates and issues session tickets."""
    ok = yield socket.established
    if not ok:
        return
    stats.accepted_s = env.now
    workers = frontend.workers if frontend is not None else None
    if workers is None:
        stats.worker_s = env.now
        yield from _serve(env, socket, timing, tls, tls_version, stats, frontend, implicit_tls,
                          banner_half_rtt)
        return
    with workers.request() as request:  # all busy: wait in the listen queue
        yield request
        stats.worker_s = env.now
        yield from _serve(env, socket, timing, tls, tls_version, stats, frontend, implicit_tls,
                          banner_half_rtt)


def _serve(
    env: simpy.Environment,
    socket: Socket,
    timing: ServerTiming,
    tls: TlsConfig,
    tls_version: str,
    stats: ServerStats,
    frontend: FrontEnd | None,
    implicit_tls: bool,
    banner_half_rtt: bool,
) -> Generator[simpy.Event, Any, None]:
    """One worker's handling of one connection, greeting to close."""
    idle_timeout = frontend.idle_timeout_s if frontend is not None else SERVER_IDLE_TIMEOUT_S
    rng = frontend.rng if frontend is not None else None
    channel = Channel(socket)
    pending: list[Reply] = []
    accepts = frontend.ticket_valid if frontend is not None else None
    issue = frontend.ticket_key if frontend is not None else None

    def flush() -> None:
        if pending:
            channel.send(list(pending))
            pending.clear()

    quickstart = frontend.quickstart if frontend is not None else None

    early_pipe = frontend is not None and frontend.early_pipe

    def quickstart_keyword(context: str) -> tuple[str, ...]:
        """The extra EHLO keywords this server offers: early pipelining with the configuration
        token of this security context, QUICKSTART with its parameters (quickstart-01 §4),
        and BURL for a submission server with an IMAP server behind it (RFC 4468 §3.3)."""
        if frontend is None:
            return ()
        keywords: list[str] = []
        if early_pipe:
            keywords.append(f"PIPE_CONNECT {frontend.token(context)}")
        elif quickstart is not None:
            qhlo = f" QHLO={frontend.token(context)}" if quickstart == "full" else ""
            keywords.append(f"QUICKSTART QTLS AUTH{qhlo}")
        if frontend.fetcher is not None:
            keywords.append("BURL imap")
        return tuple(keywords)

    def start_tls() -> Generator[simpy.Event, Any, bool]:
        """Flush what is pending, then the server's TLS handshake (after STARTTLS's 220, or
        at once after QTLS); False if the session cannot go on."""
        flush()
        stopped = yield from server_handshake(
            env, channel, tls, tls_version, idle_timeout, accepts, issue
        )
        return not stopped or stopped == "early"

    def refuse_stale(context: str, why: str) -> None:
        """A stale token or qhlo-id (quickstart-01 §8): 504 where the greeting already gave
        the list, else 520 with the list; the rest of the group then gets 503."""
        if context == "plain":
            pending.append(reply(504, f"5.5.1 {why}"))
        else:
            pending.append(capability_reply(520, why, False, extra=quickstart_keyword(context)))

    def banner() -> Reply:
        """The 220 greeting; with QUICKSTART, extended with the capabilities (§3); with
        early pipelining, carrying the configuration token (the thread's "server
        configuration indicator")."""
        if early_pipe and frontend is not None:
            return Reply(220, [f"220-{SERVER_DOMAIN} ESMTP Postfix",
                               f"220 PIPE_CONNECT {frontend.token('plain')}"])
        if quickstart is None:
            return greeting()
        context = "tls" if channel.tls else "plain"
        return capability_reply(220, f"{SERVER_DOMAIN} ESMTP Postfix", not channel.tls,
                                extra=quickstart_keyword(context))

    yield from _spend(env, timing.greeting, rng)
    if implicit_tls:
        # RFC 8314 §3: TLS first; the banner follows the handshake, or (TLS 1.3) rides
        # behind the server's flight as 0.5-RTT data.
        early = [banner()] if banner_half_rtt and tls_version == "1.3" else []
        stopped = yield from server_handshake(
            env, channel, tls, tls_version, idle_timeout, accepts, issue, early
        )
        if stopped and stopped != "early":
            socket.close()
            stats.closed_s = env.now
            return
        if not early:
            pending.append(banner())
    else:
        pending.append(banner())
    flush()
    #: After a rejected QHLO, the rest of its pipelined group is refused with 503 until the
    #: next QHLO/EHLO (quickstart-01 §8).
    refusing = False
    auth_steps: list[tuple[float, Reply]] = []  # queued challenges of a multi-step SASL exchange
    while True:
        item = yield from socket.recv_within(idle_timeout)
        if item is TIMEOUT:  # Postfix: "421 4.4.2 <host> Error: timeout exceeded", close
            pending.append(reply(421, f"4.4.2 {SERVER_DOMAIN} Error: timeout exceeded"))
            break
        if isinstance(item, TlsMessage):  # the client's Finished after 0-RTT data
            accept_finished(channel, tls, issue)
            if not socket.pending():
                flush()
            continue
        if not isinstance(item, Command | Content):
            break  # CLOSED, FAILED, or stray TLS data
        if isinstance(item, Content):
            if not item.last:  # DATA body before its terminator: nothing to answer yet
                continue
            yield from _spend(env, timing.end_of_data, rng)
            stats.messages += 1
            pending.append(reply(250, "2.0.0 Ok: queued as 4F2C81B3A9"))
        elif refusing and item.verb not in ("QHLO", "EHLO", "QUIT", "QTLS"):
            if item.verb == "BDAT":  # the chunk follows and is read and discarded
                yield from socket.recv_within(idle_timeout)
            pending.append(reply(503, "5.5.1 Error: send QHLO first"))
        elif auth_steps:  # a SASL continuation line
            delay, answer = auth_steps.pop(0)
            yield from _spend(env, delay, rng)
            pending.append(answer)
        else:
            verb = item.verb
            if verb in ("EHLO", "HELO"):
                yield from _spend(env, timing.ehlo, rng)
                refusing = False
                context = "tls" if channel.tls else "plain"
                words = item.text.split()
                stale = (
                    frontend is not None
                    and len(words) > 2
                    and words[2] != f"TOKEN={frontend.token(context)}"
                )
                if stale:  # an early EHLO sent on a stale cached configuration
                    refusing = True
                    refuse_stale(context, "Configuration token is stale")
                elif verb == "EHLO":
                    pending.append(
                        ehlo_reply(not channel.tls, True, quickstart_keyword(context))
                    )
                else:
                    pending.append(reply(250, SERVER_DOMAIN))
            elif verb == "QHLO":
                yield from _spend(env, timing.ehlo, rng)
                assert frontend is not None
                refusing = False
                context = "tls" if channel.tls else "plain"
                words = item.text.split()
                if len(words) > 2 and words[2] != frontend.token(context):
                    refusing = True
                    refuse_stale(context, "Please use the correct QHLO ID")
                elif len(words) > 2 or (quickstart == "basic"):
                    pending.append(reply(250, SERVER_DOMAIN))  # the list is known already
                else:  # a full-profile QHLO without id: the list, with the id to cache
                    pending.append(capability_reply(250, SERVER_DOMAIN, not channel.tls,
                                                    extra=quickstart_keyword(context)))
            elif verb == "QTLS":
                # quickstart-01 §5: no reply; the handshake starts at once. The basic
                # profile then re-greets with the list (-a); the full one waits for QHLO (-b).
                if not (yield from start_tls()):
                    break
                if quickstart == "basic":
                    pending.append(banner())
            elif verb == "STARTTLS":
                yield from _spend(env, timing.starttls, rng)
                pending.append(reply(220, "2.0.0 Ready to start TLS"))
                if not (yield from start_tls()):
                    break
            elif verb == "AUTH":
                mechanism = item.text.split()[1]
                has_ir = len(item.text.split()) > 2
                if mechanism == "PLAIN" and has_ir:
                    yield from _spend(env, timing.auth, rng)
                    pending.append(reply(235, "2.7.0 Authentication successful"))
                elif mechanism == "PLAIN":
                    pending.append(Reply(334, ["334 "]))
                    auth_steps = [(timing.auth, reply(235, "2.7.0 Authentication successful"))]
                elif mechanism == "LOGIN":
                    pending.append(reply(334, "VXNlcm5hbWU6"))  # "Username:"
                    auth_steps = [
                        (0.0, reply(334, "UGFzc3dvcmQ6")),  # "Password:"
                        (timing.auth, reply(235, "2.7.0 Authentication successful")),
                    ]
                else:  # SCRAM-SHA-256 (RFC 5802 §5, RFC 7677): server-first, then server-final
                    server_first = "cj1" + "x" * 80 + "LHM9" + "y" * 24 + "LGk9NDA5Ng=="
                    pending.append(reply(334, server_first))
                    auth_steps = [
                        (timing.auth, reply(334, "dj1" + "z" * 41)),  # v=ServerSignature
                        (0.0, reply(235, "2.7.0 Authentication successful")),
                    ]
            elif verb == "MAIL":
                yield from _spend(env, timing.mail, rng)
                pending.append(reply(250, "2.1.0 Ok"))
            elif verb == "RCPT":
                yield from _spend(env, timing.rcpt, rng)
                pending.append(reply(250, "2.1.5 Ok"))
            elif verb == "DATA":
                yield from _spend(env, timing.data, rng)
                pending.append(reply(354, "End data with <CR><LF>.<CR><LF>"))
            elif verb == "BDAT":
                # RFC 3030 §2: the chunk follows its command
                chunk = yield from socket.recv_within(idle_timeout)
                if not isinstance(chunk, Content):
                    break
                yield from _spend(env, timing.end_of_data, rng)
                stats.messages += 1
                pending.append(reply(250, f"2.0.0 Ok: {chunk.nbytes} octets, queued"))
            elif verb == "BURL":
                # RFC 4468 §3.4/§5: resolve the URL (URLFETCH from the IMAP server) before
                # replying; the final 250 includes the fetch
                if frontend is None or frontend.fetcher is None:
                    pending.append(reply(502, "5.5.1 BURL not available"))
                else:
                    try:
                        yield from frontend.fetcher.fetch(item.text.split()[1], item.size)
                    except ConnectionError:  # RFC 4468 §6
                        pending.append(reply(554, "5.6.6 IMAP URL resolution failed"))
                    else:
                        yield from _spend(env, timing.end_of_data, rng)
                        stats.messages += 1
                        pending.append(reply(250, "2.0.0 Ok: queued as 4F2C81B3AB"))
            elif verb == "NOOP":  # RFC 5321 §4.1.1.9
                pending.append(reply(250, "2.0.0 Ok"))
            elif verb == "QUIT":
                yield from _spend(env, timing.quit, rng)
                pending.append(reply(221, "2.0.0 Bye"))
                flush()
                break
            else:
                pending.append(reply(502, "5.5.2 Error: command not recognized"))
        if not socket.pending():
            flush()
    flush()
    socket.close()
    stats.closed_s = env.now


def _spend(
    env: simpy.Environment, value: float | Distribution, rng: Any = None
) -> Generator[simpy.Event, Any, None]:
    seconds = cost(value, rng)
    if seconds > 0.0:
        yield env.timeout(seconds)
