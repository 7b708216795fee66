"""Implementation profiles: how a real client or server program behaves, beyond the protocol
features of a variant.

A client program decides how it writes (one write per command, or what it sends together in
one write), whether it sets TCP_NODELAY, what CPU it spends before its ClientHello, and which
protocol features it can use at all (Python's smtplib never pipelines). A server program
decides how it writes its replies (buffered per pipelined group, or one write per line),
whether it sets TCP_NODELAY, how many TLS 1.3 tickets it sends, how big its first TLS flight
is, and which extensions it offers (aiosmtpd offers no PIPELINING). The figures and their
sources live in ``smtpsim/scenarios/data/software.toml``; this module holds the values and the
check a variant must pass to be run by a program.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from smtpsim.model.features import Features, WriteMode
from smtpsim.model.habits import Habits

__all__ = ["Allowed", "ClientSoftware", "ServerSoftware", "refusals"]

_FIELDS = frozenset(f.name for f in fields(Features))


@dataclass(frozen=True, slots=True)
class Allowed:
    """The values a program allows for one ``Features`` field, and why (with its source)."""

    field: str
    values: tuple[Any, ...]
    why: str

    def __post_init__(self) -> None:
        if self.field not in _FIELDS:
            raise ValueError(f"no Features field {self.field!r}")

    def refuses(self, features: Features) -> bool:
        """Whether ``features`` sets the field to a value the program cannot produce."""
        return getattr(features, self.field) not in self.values


@dataclass(frozen=True, slots=True)
class ClientSoftware:
    """A client program. ``nagle`` and ``writes`` replace the variant's socket behaviour
    (None: the variant's own, as the ``generic`` client); ``tls_setup_s``: CPU between the
    220 to STARTTLS and the ClientHello; ``tls_cpu_s``: CPU between the server's flight and
    the client's Finished (None: the server's ``TlsConfig`` default); ``habits``: how it
    ends the session and chunks a message, and its early-pipelining schedule
    (``Client.habits``); ``allowed``: the features it can use."""

    name: str
    description: str
    source: str
    nagle: bool | None = None
    writes: WriteMode | None = None
    tls_setup_s: float = 0.0
    tls_cpu_s: float | None = None
    allowed: tuple[Allowed, ...] = ()
    habits: Habits = Habits()

    def apply(self, features: Features) -> Features:
        """``features`` with this program's socket behaviour."""
        changes: dict[str, Any] = {}
        if self.nagle is not None:
            changes["nagle"] = self.nagle
        if self.writes is not None:
            changes["writes"] = self.writes
        return replace(features, **changes) if changes else features


@dataclass(frozen=True, slots=True)
class ServerSoftware:
    """A server program: its replies (``reply_writes``: ``"group"`` or ``"line"``), its
    socket (``nagle``), its TLS (``tickets_13`` TLS 1.3 tickets after the handshake,
    ``server_flight`` bytes of ServerHello to Finished, ``server_cpu_s`` before the flight),
    ``timing``, the name of its processing-time preset (``data/servers.toml``), whether BURL
    fetches a URL of the submitting user inside the submission process (``burl_local``: no
    IMAP connection, Dovecot), and the features its offer allows. ``ehlo``: whose EHLO reply
    it sends (``Server.ehlo``); ``quit_linger_s``: how long it waits for the client's FIN
    after QUIT (``Server.quit_linger_s``); ``imap_tickets_13``: the TLS 1.3 tickets its IMAP
    server sends (``Server.imap_tickets_13``)."""

    name: str
    description: str
    source: str
    timing: str
    nagle: bool = False
    reply_writes: str = "group"
    tickets_13: int = 2
    server_flight: int = 4600
    server_cpu_s: float = 0.001
    burl_local: bool = False
    allowed: tuple[Allowed, ...] = ()
    ehlo: str = "generic"
    quit_linger_s: float = 0.0
    imap_tickets_13: int = 0


def refusals(features: Features, *programs: ClientSoftware | ServerSoftware) -> list[str]:
    """Why ``features`` cannot be run by ``programs``: one line per refusing rule, naming the
    program and the feature (empty: it can)."""
    out = []
    for program in programs:
        for rule in program.allowed:
            if rule.refuses(features):
                value = getattr(features, rule.field)
                out.append(f"{program.name} cannot do {rule.field}={value!r}: {rule.why}")
    return out
