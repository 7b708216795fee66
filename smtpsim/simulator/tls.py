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

from collections.abc import Generator, Sequence
from typing import Any

import simpy

from smtpsim.simulator.config import TlsConfig
from smtpsim.simulator.messages import TlsMessage
from smtpsim.simulator.tcp import TIMEOUT, Record, Socket

__all__ = ["Channel", "client_handshake", "server_handshake"]


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


def _flight(name: str, nbytes: int) -> Record:
    return Record(nbytes, f"TLS {name}", (TlsMessage(name, nbytes),))


ProcessGen = Generator[simpy.Event, Any, str]


def _outcome(item: Any) -> str:
    """Why a handshake stopped: ``timeout`` or ``failed`` (closed, failed, or not TLS)."""
    return "timeout" if item is TIMEOUT else "failed"


def client_handshake(
    env: simpy.Environment,
    channel: Channel,
    cfg: TlsConfig,
    version: str,
    per_record_writes: bool,
    early_items: Sequence[Any] = (),
    timeout: float = 300.0,
) -> ProcessGen:
    """Run the client's side; returns ``""`` when it may send application data, else the
    outcome that stopped it (``"timeout"`` after ``timeout`` s without the server's flight,
    ``"failed"``).

    ``early_items`` (TLS 1.3 only) are application items written together with the client
    Finished, as a client that coalesces its writes does (RFC 8446 §2: application data may
    follow the Finished).
    """
    sock = channel.socket
    sock.write([_flight("ClientHello", cfg.client_hello)])
    item = yield from sock.recv_within(timeout)
    if not isinstance(item, TlsMessage):
        return _outcome(item)
    if cfg.client_cpu_s > 0.0:
        yield env.timeout(cfg.client_cpu_s)
    if version == "1.3":
        finished = _flight("Finished", cfg.client_finished_13)
        channel.start_tls(cfg, version)
        if per_record_writes:
            sock.write([finished])
            for it in early_items:
                channel.send([it])
        else:
            sock.write([finished, *channel.frame(early_items)])
        return ""
    total = cfg.client_finished_12
    if per_record_writes:
        cke = 75  # 5 B header + 4 B handshake header + 66 B ECDHE P-256 point (RFC 8422)
        ccs = 6  # RFC 5246 §7.1
        sock.write([_flight("ClientKeyExchange", cke)])
        sock.write([_flight("ChangeCipherSpec", ccs)])
        sock.write([_flight("Finished", total - cke - ccs)])
    else:
        sock.write([_flight("ClientKeyExchange, ChangeCipherSpec, Finished", total)])
    # wait for the server's ChangeCipherSpec + Finished
    item = yield from sock.recv_within(timeout)
    if not isinstance(item, TlsMessage):
        return _outcome(item)
    channel.start_tls(cfg, version)
    return ""


def server_handshake(
    env: simpy.Environment, channel: Channel, cfg: TlsConfig, version: str,
    timeout: float = 300.0,
) -> ProcessGen:
    """Run the server's side; returns ``""`` once the handshake is complete, else why not."""
    sock = channel.socket
    item = yield from sock.recv_within(timeout)  # ClientHello
    if not isinstance(item, TlsMessage):
        return _outcome(item)
    if cfg.server_cpu_s > 0.0:
        yield env.timeout(cfg.server_cpu_s)
    if version == "1.3":
        name = "ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished"
        sock.write([_flight(name, cfg.server_flight)])
        item = yield from sock.recv_within(timeout)  # client Finished
        if not isinstance(item, TlsMessage):
            return _outcome(item)
        channel.start_tls(cfg, version)
        if cfg.tickets_13:
            sock.write(
                [_flight(f"NewSessionTicket x{cfg.tickets_13}", cfg.tickets_13 * cfg.ticket_bytes)]
            )
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
    sock.write([_flight("ChangeCipherSpec, Finished", cfg.server_finished_12)])
    channel.start_tls(cfg, version)
    return ""
