"""The server's side of a TLS handshake."""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any

import simpy

from smtpsim.model import TlsConfig
from smtpsim.simulator.tcp import Socket
from smtpsim.simulator.tls.channel import Channel
from smtpsim.simulator.tls.messages import TlsMessage, flight, outcome

__all__ = ["accept_finished", "server_handshake"]

ServerGen = Generator[simpy.Event, Any, str]


def server_handshake(
    env: simpy.Environment,
    channel: Channel,
    cfg: TlsConfig,
    version: str,
    timeout: float = 300.0,
    accepts: Callable[[Any], bool] | None = None,
    issue: Any = None,
    half_rtt_items: Sequence[Any] = (),
    half_rtt_apart: bool = False,
) -> ServerGen:
    """Run the server's side; returns ``""`` once the handshake is complete, ``"early"``
    when it accepted 0-RTT data (the caller reads it, then the client's Finished, and calls
    ``accept_finished``), else why it stopped.

    ``accepts(ticket)`` says whether an offered ticket is still valid here (its key is
    known); ``issue`` is the ticket this server hands out (None: no tickets).
    ``half_rtt_items``: application items written right behind the server's TLS 1.3 flight,
    before the client's Finished arrives (0.5-RTT data, RFC 8446 §2 and §4.4.4): in the
    flight's write, or with ``half_rtt_apart`` each a write of its own after it.
    """
    sock = channel.socket
    item = yield from sock.recv_within(timeout)  # ClientHello
    if not isinstance(item, TlsMessage):
        return outcome(item)
    resumed = item.ticket is not None and accepts is not None and accepts(item.ticket)
    cpu = cfg.resumed_cpu_s if resumed else cfg.server_cpu_s
    if cpu > 0.0:
        yield env.timeout(cpu)
    if version == "1.3":
        return (yield from _server_13(channel, cfg, item, resumed, timeout, issue,
                                      half_rtt_items, half_rtt_apart))
    if resumed:
        # abbreviated handshake: the server's Finished goes first (RFC 5246 §7.3 Fig. 2)
        sock.write([flight("ServerHello, ChangeCipherSpec, Finished", cfg.server_resumed_12,
                           item.ticket, True)])
        item = yield from sock.recv_within(timeout)  # client ChangeCipherSpec, Finished
        if not isinstance(item, TlsMessage):
            return outcome(item)
        channel.start_tls(cfg, version)
        return ""
    return (yield from _server_12_full(channel, cfg, timeout, issue))


def _server_13(
    channel: Channel, cfg: TlsConfig, hello: TlsMessage, resumed: bool, timeout: float,
    issue: Any, half_rtt_items: Sequence[Any], half_rtt_apart: bool,
) -> ServerGen:
    """TLS 1.3 (RFC 8446 §2): the flight (a PSK one when resumed), 0.5-RTT data behind it,
    the client's Finished, then the NewSessionTickets."""
    sock = channel.socket
    if resumed:
        first = flight("ServerHello, EncryptedExtensions, Finished (PSK)",
                       cfg.server_resumed_13, None, True)
    else:
        name = "ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished"
        first = flight(name, cfg.server_flight)
    channel.start_tls(cfg, "1.3")
    if half_rtt_apart:
        sock.write([first])
        for it in half_rtt_items:
            channel.send([it])
    else:
        sock.write([first, *channel.frame(half_rtt_items)])
    if resumed and hello.early:
        # RFC 8446 §2.3: with the ticket accepted, the 0-RTT data is processed at once;
        # the application reads it now and the client's Finished later
        # (``accept_finished``).
        return "early"
    early_refused = hello.early
    item = yield from sock.recv_within(timeout)  # client Finished
    while early_refused and not isinstance(item, TlsMessage) and hasattr(item, "nbytes"):
        item = yield from sock.recv_within(timeout)  # §4.2.10: refused 0-RTT data skipped
    if not isinstance(item, TlsMessage):
        return outcome(item)
    _tickets(sock, cfg, issue)
    return ""


def _server_12_full(channel: Channel, cfg: TlsConfig, timeout: float, issue: Any) -> ServerGen:
    """A full TLS 1.2 handshake (RFC 5246 §7.3) after the ClientHello: the server's flight,
    the client's flight (one write or one per message), the server's Finished with its
    ticket."""
    sock = channel.socket
    sock.write(
        [flight("ServerHello, Certificate, ServerKeyExchange, ServerHelloDone", cfg.server_flight)]
    )
    while True:  # the client's flight may come as one write or one write per message
        item = yield from sock.recv_within(timeout)
        if not isinstance(item, TlsMessage):
            return outcome(item)
        if item.name.endswith("Finished"):
            break
    channel.start_tls(cfg, "1.2")
    sock.write([flight("NewSessionTicket, ChangeCipherSpec, Finished", cfg.server_finished_12,
                       issue)])
    return ""


def _tickets(sock: Socket, cfg: TlsConfig, issue: Any) -> None:
    """TLS 1.3 NewSessionTickets, after the client's Finished (RFC 8446 §4.6.1; OpenSSL: 2 by
    default, ``SSL_CTX_set_num_tickets``), ``tickets_13`` writes of ``ticket_bytes``:
    OpenSSL flushes its write buffer after each (``ossl_statem_server_post_work``,
    ssl/statem/statem_srvr.c: ``case TLS_ST_SW_SESSION_TICKET: ... statem_flush(s)``)."""
    if issue is None:
        return
    for _ in range(cfg.tickets_13):
        sock.write([flight("NewSessionTicket", cfg.ticket_bytes, issue)])


def accept_finished(channel: Channel, cfg: TlsConfig, issue: Any) -> None:
    """The client's Finished after accepted 0-RTT data: the server issues its tickets."""
    _tickets(channel.socket, cfg, issue)
