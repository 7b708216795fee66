"""The client's side of a TLS handshake, until it may send application data.

Writes as OpenSSL makes them (and so Python's ``ssl``, Postfix, swaks, Exim): while the
handshake runs, ``state_machine`` (ssl/statem/statem.c) pushes a buffering BIO onto the write
BIO (``ssl_init_wbio_buffer``), so every message of a flight is buffered, and
``ossl_statem_client_post_work`` (ssl/statem/statem_clnt.c) flushes it once after the
ClientHello and once after the Finished (``case TLS_ST_CW_FINISHED: statem_flush(s)``). So
the TLS 1.2 client flight, ClientKeyExchange, ChangeCipherSpec and Finished, is one write()
whatever the application does, and so is the TLS 1.3 (or resumed TLS 1.2) ChangeCipherSpec +
Finished. ``tls_finish_handshake`` (ssl/statem/statem_lib.c) then pops the buffer, and
``SSL_do_handshake`` returns before the application's first ``SSL_write``: application data
after the Finished is always a write of its own, which Nagle (Minshall's variant) holds
while the small Finished is unacknowledged. 0-RTT data is the exception: the buffer is still
in place when ``SSL_write_early_data`` writes it, and the ClientHello and the early data are
flushed together.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any

import simpy

from smtpsim.model import TlsConfig
from smtpsim.simulator.tls.channel import Channel
from smtpsim.simulator.tls.messages import TlsMessage, TlsResult, flight, outcome

__all__ = ["client_handshake"]

ClientGen = Generator[simpy.Event, Any, TlsResult]
EarlyItems = Sequence[Any] | Callable[[], Sequence[Any]]


def client_handshake(
    env: simpy.Environment,
    channel: Channel,
    cfg: TlsConfig,
    version: str,
    per_record_writes: bool,
    early_items: EarlyItems = (),
    timeout: float = 300.0,
    ticket: Any = None,
    lead: Sequence[Any] = (),
    stash: list[tuple[float, Any]] | None = None,
    zero_rtt: bool = False,
) -> ClientGen:
    """Run the client's side until it may send application data.

    ``ticket``: a session ticket to offer (resumption), or None. ``early_items`` are
    application items the client writes right after its last flight when the handshake lets
    it send data then: after the TLS 1.3 Finished (RFC 8446 §2) and the TLS 1.2 abbreviated
    handshake's Finished (RFC 5246 §7.3 Fig. 2); after a TLS 1.2 full handshake the caller
    sends them. The Finished is a write of its own (the module docstring); the items follow
    it at once, as one write or, with ``per_record_writes`` (``per-command``), one write
    each. Returns a ``TlsResult``; ``early_items`` were sent if and only if the result says
    ``resumed`` or the version is 1.3.

    ``lead``: cleartext application items written in the same write before the ClientHello
    (QUICKSTART's QTLS, quickstart-01 §6). ``stash``: where cleartext items that arrive
    before the server's flight go, with their arrival time (a greeting the client did not
    wait for); without it such an item ends the handshake as ``failed``.

    ``early_items`` may be a function, called when the Finished is about to be written, for
    items that depend on something still on its way (BURL's URL).

    ``zero_rtt`` (TLS 1.3 with a ticket): the ``early_items`` go as 0-RTT data right behind
    the ClientHello (RFC 8446 §2.3). If the server refuses the ticket it discards them
    (§4.2.10) and they go again with the Finished. No SMTP specification defines 0-RTT data,
    which can be replayed (RFC 8446 §8): a hypothetical option.
    """
    sock = channel.socket
    zero_rtt = (
        zero_rtt and ticket is not None and version == "1.3" and not callable(early_items)
        and bool(early_items)
    )
    _hello(channel, cfg, version, ticket, lead, early_items if zero_rtt else None)
    item = yield from sock.recv_within(timeout)
    while stash is not None and not isinstance(item, TlsMessage) and hasattr(item, "code"):
        stash.append((env.now, item))
        item = yield from sock.recv_within(timeout)
    if not isinstance(item, TlsMessage):
        return TlsResult(outcome(item))
    resumed = item.resumed
    cpu = cfg.resumed_cpu_s if resumed else cfg.client_cpu_s
    if cpu > 0.0:
        yield env.timeout(cpu)
    if version == "1.3" or resumed:
        return _finished_with_data(channel, cfg, version, item, per_record_writes,
                                   early_items, zero_rtt)
    # ClientKeyExchange, ChangeCipherSpec, Finished: one flight, one write (the module
    # docstring), whatever the application's own writes
    sock.write([flight("ClientKeyExchange, ChangeCipherSpec, Finished", cfg.client_finished_12)])
    # wait for the server's [NewSessionTicket,] ChangeCipherSpec, Finished
    item = yield from sock.recv_within(timeout)
    if not isinstance(item, TlsMessage):
        return TlsResult(outcome(item))
    channel.start_tls(cfg, version)
    return TlsResult("", False, item.ticket)


def _hello(
    channel: Channel, cfg: TlsConfig, version: str, ticket: Any, lead: Sequence[Any],
    early_data: EarlyItems | None,
) -> None:
    """The ClientHello (with the ticket it offers), after ``lead`` in the same write, and with
    ``early_data`` behind it as 0-RTT data (early traffic keys: it has record overhead)."""
    hello = cfg.client_hello + (cfg.hello_ticket_bytes if ticket is not None else 0)
    first = flight("ClientHello", hello, ticket)
    if early_data is not None:
        assert not callable(early_data)
        first.items[0].early = True
        cleartext = channel.frame(lead)
        channel.start_tls(cfg, version)
        channel.socket.write([*cleartext, first, *channel.frame(early_data)])
        channel.overhead = 0
    else:
        channel.socket.write([*channel.frame(lead), first])


def _finished_with_data(
    channel: Channel, cfg: TlsConfig, version: str, server_flight: TlsMessage,
    per_record_writes: bool, early_items: EarlyItems, zero_rtt: bool,
) -> TlsResult:
    """The client's Finished of TLS 1.3 or of the abbreviated TLS 1.2 handshake, a write of
    its own (``statem_flush`` after ``TLS_ST_CW_FINISHED``), then the application data that
    may follow it at once: another write (or one per item with ``per_record_writes``)."""
    sock = channel.socket
    resumed = server_flight.resumed
    if version == "1.3":
        finished = flight("Finished", cfg.client_finished_13)
    else:
        finished = flight("ChangeCipherSpec, Finished", cfg.client_resumed_12)
    channel.start_tls(cfg, version)
    sock.write([finished])
    if zero_rtt and resumed:  # the server took the early data
        return TlsResult("", resumed, None, True)
    items = early_items() if callable(early_items) else early_items
    if per_record_writes:
        for it in items:
            channel.send([it])
    elif items:
        channel.send(items)
    return TlsResult("", resumed, server_flight.ticket if resumed else None, bool(items))
