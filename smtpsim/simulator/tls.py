"""TLS over TCP: the handshakes and the record layer.

Handshakes, as flights of records (sizes in ``TlsConfig``):

* TLS 1.2 full handshake, RFC 5246 §7.3 (2 RTT)::

      C: ClientHello
      S: ServerHello, Certificate, ServerKeyExchange, ServerHelloDone
      C: ClientKeyExchange, ChangeCipherSpec, Finished
      S: ChangeCipherSpec, Finished            -> client may send application data

* TLS 1.3 full handshake, RFC 8446 §2 (1 RTT)::

      C: ClientHello (+key_share)
      S: ServerHello, {EncryptedExtensions, Certificate, CertificateVerify, Finished}
      C: {Finished}                             -> application data may follow at once
      S: NewSessionTicket x2                    (after the client's Finished, OpenSSL default)

CPU: the server spends ``server_cpu_s`` before its first flight (signature), the client
``client_cpu_s`` after the server's flight (chain verification, key exchange).

Writes: the server writes each flight at once (OpenSSL buffers a flight). The client does the
same unless it writes ``per-command``, in which case each handshake message of its second
flight is its own write, as the brief's ``nagle-per-command`` client does.

After the handshake, ``Channel`` frames each application write into TLS records of at most
``max_record`` plaintext bytes, each with ``record_overhead`` bytes of header, nonce and tag;
a record is delivered (decrypted) only when all of it has arrived.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any

import simpy

from smtpsim.model import TlsConfig
from smtpsim.simulator.tcp import TIMEOUT, Record, Socket

__all__ = [
    "Channel", "TlsMessage", "TlsResult", "accept_finished", "client_handshake",
    "server_handshake",
]


class TlsMessage:
    """A TLS handshake flight or part of one (``name`` as in RFC 5246 / RFC 8446).

    ``ticket``: the session ticket a ClientHello offers, or a NewSessionTicket carries;
    ``resumed``: on the server's first flight, whether it accepted the offered ticket;
    ``early``: on a ClientHello, whether 0-RTT data follows it (RFC 8446 §4.2.10)."""

    __slots__ = ("name", "nbytes", "ticket", "resumed", "early")

    def __init__(
        self, name: str, nbytes: int, ticket: object = None, resumed: bool = False
    ) -> None:
        self.name = name
        self.nbytes = nbytes
        self.ticket = ticket
        self.resumed = resumed
        self.early = False

    def __repr__(self) -> str:
        return f"TLS {self.name}"


class Channel:
    """One side's application channel: cleartext or TLS records over a ``Socket``."""

    __slots__ = ("socket", "overhead", "max_record")

    def __init__(self, socket: Socket) -> None:
        self.socket = socket
        self.overhead = 0
        self.max_record = 0

    @property
    def tls(self) -> bool:
        return self.overhead > 0

    def start_tls(self, cfg: TlsConfig, version: str) -> None:
        self.overhead = cfg.record_overhead_13 if version == "1.3" else cfg.record_overhead_12
        self.max_record = cfg.max_record

    def send(self, items: Sequence[Any]) -> None:
        """One ``write()`` of application items (commands, replies, content)."""
        self.socket.write(self.frame(items))

    def frame(self, items: Sequence[Any]) -> list[Record]:
        if not self.overhead:
            return [Record(item.nbytes, _label(item), (item,)) for item in items]
        # TLS: fill records of up to max_record plaintext bytes, in order.
        records: list[Record] = []
        room = self.max_record
        fill = 0
        done: list[Any] = []
        labels: list[str] = []
        for item in items:
            left = item.nbytes
            labels.append(_label(item))
            while left > 0:
                take = left if left < room - fill else room - fill
                fill += take
                left -= take
                if fill == room:
                    if left == 0:
                        done.append(item)
                    records.append(self._record(fill, labels, done))
                    fill, done, labels = 0, [], []
            if left == 0 and fill > 0:
                done.append(item)
        if fill:
            records.append(self._record(fill, labels, done))
        return records

    def _record(self, plaintext: int, labels: list[str], items: list[Any]) -> Record:
        label = "TLS[" + " | ".join(labels) + "]" if labels else "TLS[…]"
        return Record(plaintext + self.overhead, label, tuple(items))


def _label(item: Any) -> str:
    text = getattr(item, "text", None)
    return text if text is not None else repr(item)


def _flight(name: str, nbytes: int, ticket: Any = None, resumed: bool = False) -> Record:
    return Record(nbytes, f"TLS {name}", (TlsMessage(name, nbytes, ticket, resumed),))


def _outcome(item: Any) -> str:
    """Why a handshake stopped: ``timeout`` or ``failed`` (closed, failed, or not TLS)."""
    return "timeout" if item is TIMEOUT else "failed"


class TlsResult:
    """How a handshake ended: ``outcome`` ``""`` on success (else ``timeout``/``failed``),
    whether the session was ``resumed``, and a ``ticket`` the server issued in the handshake
    (TLS 1.2; TLS 1.3 tickets come afterwards as NewSessionTicket messages)."""

    __slots__ = ("outcome", "resumed", "ticket", "sent_early")

    def __init__(
        self, outcome: str, resumed: bool = False, ticket: Any = None, sent_early: bool = False
    ) -> None:
        self.outcome = outcome
        self.resumed = resumed
        self.ticket = ticket
        #: whether the early items went (with the ClientHello or the Finished)
        self.sent_early = sent_early


ClientGen = Generator[simpy.Event, Any, TlsResult]


def client_handshake(
    env: simpy.Environment,
    channel: Channel,
    cfg: TlsConfig,
    version: str,
    per_record_writes: bool,
    early_items: Sequence[Any] | Callable[[], Sequence[Any]] = (),
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
    (QUICKSTART's QTLS, quickstart-01 §5). ``stash``: where cleartext items that arrive
    before the server's flight go, with their arrival time (a greeting the client did not
    wait for); without it such an item ends the handshake as ``failed``.

    ``early_items`` may be a function, called when the Finished is about to be written, for
    items that depend on something still on its way (BURL's URL).

    ``zero_rtt`` (TLS 1.3 with a ticket; hypothetical for SMTP, protocol.md §1.4): the
    ``early_items`` go as 0-RTT data right behind the ClientHello (RFC 8446 §2.3). If the
    server refuses the ticket it discards them (§4.2.10) and they go again with the
    Finished.
    """
    sock = channel.socket
    hello = cfg.client_hello + (cfg.hello_ticket_bytes if ticket is not None else 0)
    first = _flight("ClientHello", hello, ticket)
    zero_rtt = (
        zero_rtt and ticket is not None and version == "1.3" and not callable(early_items)
        and bool(early_items)
    )
    if zero_rtt:
        first.items[0].early = True
        cleartext = channel.frame(lead)
        channel.start_tls(cfg, version)  # early data has record overhead (early traffic keys)
        sock.write([*cleartext, first, *channel.frame(early_items)])
        channel.overhead = 0
    else:
        sock.write([*channel.frame(lead), first])
    item = yield from sock.recv_within(timeout)
    while stash is not None and not isinstance(item, TlsMessage) and hasattr(item, "code"):
        stash.append((env.now, item))
        item = yield from sock.recv_within(timeout)
    if not isinstance(item, TlsMessage):
        return TlsResult(_outcome(item))
    resumed = item.resumed
    cpu = cfg.resumed_cpu_s if resumed else cfg.client_cpu_s
    if cpu > 0.0:
        yield env.timeout(cpu)
    if version == "1.3" or resumed:
        if version == "1.3":
            finished = _flight("Finished", cfg.client_finished_13)
        else:
            finished = _flight("ChangeCipherSpec, Finished", cfg.client_resumed_12)
        channel.start_tls(cfg, version)
        if zero_rtt and resumed:
            # The server took the early data. The TLS library writes its Finished at once;
            # the application's next command is another write (Nagle may hold it).
            sock.write([finished])
            return TlsResult("", resumed, None, True)
        if callable(early_items):
            early_items = early_items()
        if per_record_writes:
            sock.write([finished])
            for it in early_items:
                channel.send([it])
        else:
            sock.write([finished, *channel.frame(early_items)])
        return TlsResult("", resumed, item.ticket if resumed else None, bool(early_items))
    total = cfg.client_finished_12
    if per_record_writes:
        cke = 75  # 5 B header + 4 B handshake header + 66 B ECDHE P-256 point (RFC 8422)
        ccs = 6  # RFC 5246 §7.1
        sock.write([_flight("ClientKeyExchange", cke)])
        sock.write([_flight("ChangeCipherSpec", ccs)])
        sock.write([_flight("Finished", total - cke - ccs)])
    else:
        sock.write([_flight("ClientKeyExchange, ChangeCipherSpec, Finished", total)])
    # wait for the server's [NewSessionTicket,] ChangeCipherSpec, Finished
    item = yield from sock.recv_within(timeout)
    if not isinstance(item, TlsMessage):
        return TlsResult(_outcome(item))
    channel.start_tls(cfg, version)
    return TlsResult("", False, item.ticket)


def accept_finished(channel: Channel, cfg: TlsConfig, issue: Any) -> None:
    """The client's Finished after accepted 0-RTT data: the server issues its tickets."""
    if cfg.tickets_13 and issue is not None:
        name = f"NewSessionTicket x{cfg.tickets_13}"
        channel.socket.write([_flight(name, cfg.tickets_13 * cfg.ticket_bytes, issue)])


def server_handshake(
    env: simpy.Environment,
    channel: Channel,
    cfg: TlsConfig,
    version: str,
    timeout: float = 300.0,
    accepts: Callable[[Any], bool] | None = None,
    issue: Any = None,
    half_rtt_items: Sequence[Any] = (),
) -> Generator[simpy.Event, Any, str]:
    """Run the server's side; returns ``""`` once the handshake is complete, ``"early"``
    when it accepted 0-RTT data (the caller reads it, then the client's Finished, and calls
    ``accept_finished``), else why it stopped.

    ``accepts(ticket)`` says whether an offered ticket is still valid here (its key is
    known); ``issue`` is the ticket this server hands out (None: no tickets).
    ``half_rtt_items``: application items written right behind the server's TLS 1.3 flight,
    before the client's Finished arrives (0.5-RTT data, RFC 8446 §2 and §E.5).
    """
    sock = channel.socket
    item = yield from sock.recv_within(timeout)  # ClientHello
    if not isinstance(item, TlsMessage):
        return _outcome(item)
    resumed = item.ticket is not None and accepts is not None and accepts(item.ticket)
    cpu = cfg.resumed_cpu_s if resumed else cfg.server_cpu_s
    if cpu > 0.0:
        yield env.timeout(cpu)
    if version == "1.3":
        if resumed:
            flight = _flight("ServerHello, EncryptedExtensions, Finished (PSK)",
                             cfg.server_resumed_13, None, True)
        else:
            name = "ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished"
            flight = _flight(name, cfg.server_flight)
        channel.start_tls(cfg, version)
        sock.write([flight, *channel.frame(half_rtt_items)])
        if resumed and item.early:
            # RFC 8446 §2.3: with the ticket accepted, the 0-RTT data is processed at once;
            # the application reads it now and the client's Finished later
            # (``accept_finished``).
            return "early"
        early_refused = item.early
        item = yield from sock.recv_within(timeout)  # client Finished
        while early_refused and not isinstance(item, TlsMessage) and hasattr(item, "nbytes"):
            item = yield from sock.recv_within(timeout)  # §4.2.10: refused 0-RTT data skipped
        if not isinstance(item, TlsMessage):
            return _outcome(item)
        if cfg.tickets_13 and issue is not None:
            name = f"NewSessionTicket x{cfg.tickets_13}"
            sock.write([_flight(name, cfg.tickets_13 * cfg.ticket_bytes, issue)])
        return ""
    if resumed:
        # abbreviated handshake: the server's Finished goes first (RFC 5246 §7.3 Fig. 2)
        sock.write([_flight("ServerHello, ChangeCipherSpec, Finished", cfg.server_resumed_12,
                            item.ticket, True)])
        item = yield from sock.recv_within(timeout)  # client ChangeCipherSpec, Finished
        if not isinstance(item, TlsMessage):
            return _outcome(item)
        channel.start_tls(cfg, version)
        return ""
    sock.write(
        [_flight("ServerHello, Certificate, ServerKeyExchange, ServerHelloDone", cfg.server_flight)]
    )
    while True:  # the client's flight may come as one write or one write per message
        item = yield from sock.recv_within(timeout)
        if not isinstance(item, TlsMessage):
            return _outcome(item)
        if item.name.endswith("Finished"):
            break
    channel.start_tls(cfg, version)
    sock.write([_flight("NewSessionTicket, ChangeCipherSpec, Finished", cfg.server_finished_12,
                        issue)])
    return ""
