"""TLS handshake messages as records on the stream, and how a handshake ended."""

from __future__ import annotations

from typing import Any

from smtpsim.simulator.tcp import TIMEOUT, Record

__all__ = ["TlsMessage", "TlsResult", "flight", "outcome"]


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


def flight(name: str, nbytes: int, ticket: Any = None, resumed: bool = False) -> Record:
    """A handshake flight as one record (its size includes its record headers)."""
    return Record(nbytes, f"TLS {name}", (TlsMessage(name, nbytes, ticket, resumed),))


def outcome(item: Any) -> str:
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
