"""The client's side of a TLS handshake, until it may send application data."""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any

import simpy

from smtpsim.model import TlsConfig
from smtpsim.simulator.tcp import Socket
from smtpsim.simulator.tls.channel import Channel
from smtpsim.simulator.tls.messages import TlsMessage, TlsResult, flight, outcome

__all__ = ["client_handshake"]

ClientGen = Generator[simpy.Event, Any, TlsResult]
EarlyItems = Sequence[Any] | Callable[[], Sequence[Any]]

#: TLS 1.2 ClientKeyExchange written alone: 5 B record header + 4 B handshake header + 66 B
#: ECDHE P-256 point (RFC 8422); ChangeCipherSpec 6 B (RFC 5246 §7.1).
CLIENT_KEY_EXCHANGE_BYTES = 75
CHANGE_CIPHER_SPEC_BYTES = 6


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
    application items written together with the client's last flight when that flight may
    carry them: the TLS 1.3 Finished (RFC 8446 §2) and the TLS 1.2 abbreviated handshake's
    Finished (RFC 5246 §7.3 Fig. 2); after a TLS 1.2 full handshake the caller sends them.
    Returns a ``TlsResult``; ``early_items`` were sent if and only if the result says
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
    _full_12_flight(sock, cfg, per_record_writes)
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
    """The client's Finished of TLS 1.3 or of the abbreviated TLS 1.2 handshake, with the
    application data that may ride with it."""
    sock = channel.socket
    resumed = server_flight.resumed
    if version == "1.3":
        finished = flight("Finished", cfg.client_finished_13)
    else:
        finished = flight("ChangeCipherSpec, Finished", cfg.client_resumed_12)
    channel.start_tls(cfg, version)
    if zero_rtt and resumed:
        # The server took the early data. The TLS library writes its Finished at once;
        # the application's next command is another write (Nagle may hold it).
        sock.write([finished])
        return TlsResult("", resumed, None, True)
    items = early_items() if callable(early_items) else early_items
    if per_record_writes:
        sock.write([finished])
        for it in items:
            channel.send([it])
    else:
        sock.write([finished, *channel.frame(items)])
    return TlsResult("", resumed, server_flight.ticket if resumed else None, bool(items))


def _full_12_flight(sock: Socket, cfg: TlsConfig, per_record_writes: bool) -> None:
    """ClientKeyExchange, ChangeCipherSpec, Finished of a full TLS 1.2 handshake: one write
    (OpenSSL buffers a flight), or one write per message."""
    total = cfg.client_finished_12
    if per_record_writes:
        cke, ccs = CLIENT_KEY_EXCHANGE_BYTES, CHANGE_CIPHER_SPEC_BYTES
        sock.write([flight("ClientKeyExchange", cke)])
        sock.write([flight("ChangeCipherSpec", ccs)])
        sock.write([flight("Finished", total - cke - ccs)])
    else:
        sock.write([flight("ClientKeyExchange, ChangeCipherSpec, Finished", total)])
