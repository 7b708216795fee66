"""Implementation profiles: ``data/software.toml`` -> ``ClientSoftware`` and
``ServerSoftware`` (``smtpsim.model.software``).

A client profile replaces the variant's socket behaviour (write pattern, Nagle), adds the
CPU its TLS library spends and its habits (``smtpsim.model.habits``: Exim's FIN behind a
pipelined QUIT, its wait for the server's FIN, its header chunk); a server profile sets the server's
reply writing, Nagle, TLS tickets and flight, its measured processing times (a
``data/servers.toml`` preset of the same name) and, for Dovecot, BURL's local fetch. Each
lists the features it can do; a variant outside them is refused in one line naming the
program and the feature (:func:`software_refusals`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from pydantic import model_validator

from smtpsim.model import Features, Habits
from smtpsim.model.software import Allowed, ClientSoftware, ServerSoftware, refusals
from smtpsim.model.text import EHLO_KEYWORDS
from smtpsim.scenarios.documents import data_file
from smtpsim.scenarios.errors import UnknownNameError
from smtpsim.scenarios.fields import Line, Ms, Spec, fail
from smtpsim.scenarios.servers import SERVER_TIMINGS

__all__ = [
    "CLIENT_HABITS", "CLIENT_SOFTWARE", "SERVER_SOFTWARE", "client_software", "server_software",
    "software_refusals",
]

_FEATURES = Features.__dataclass_fields__


class _Figure(Spec):
    ms: Ms
    source: Line


class _Allowed(Spec):
    values: list[Any]
    why: Line


def _check_fields(table: dict[str, _Allowed]) -> None:
    """Every key of an ``allowed`` table names a ``Features`` field."""
    for name in table:
        if name not in _FEATURES:
            raise fail("a Features field", key=("allowed", name), value=name)


def _allowed(table: dict[str, _Allowed]) -> tuple[Allowed, ...]:
    return tuple(Allowed(name, tuple(None if v == "none" else v for v in a.values), a.why)
                 for name, a in table.items())


class _Bool(Spec):
    value: bool
    why: Line


class _Int(Spec):
    value: int
    why: Line


class _Float(Spec):
    value: float
    why: Line


class _EarlyGroup(Spec):
    value: Literal["token", "exim"]
    why: Line


class _Client(Spec):
    description: Line
    source: Line
    nagle: bool | None = None
    writes: Literal["coalesced", "per-command"] | None = None
    tls_setup_ms: _Figure | None = None
    tls_cpu_ms: _Figure | None = None
    shutdown_after_quit: _Bool | None = None
    fin_wait_ms: _Float | None = None
    header_chunk_above: _Int | None = None
    early_group: _EarlyGroup | None = None
    allowed: dict[str, _Allowed] = {}

    @model_validator(mode="after")
    def _fields(self) -> _Client:
        _check_fields(self.allowed)
        return self

    def habits(self) -> Habits:
        """The program's ``Habits`` (the defaults where the file says nothing)."""
        out = Habits()
        if self.shutdown_after_quit is not None:
            out = replace(out, shutdown_after_quit=self.shutdown_after_quit.value)
        if self.fin_wait_ms is not None:
            out = replace(out, fin_wait_s=self.fin_wait_ms.value / 1e3)
        if self.header_chunk_above is not None:
            out = replace(out, header_chunk_above=self.header_chunk_above.value)
        if self.early_group is not None:
            out = replace(out, early_group=self.early_group.value)
        return out

    def whys(self) -> dict[str, str]:
        """Each habit's value and source, for ``smtpsim clients``."""
        return {k: f"{getattr(self, k).value}: {getattr(self, k).why}"
                for k in _HABITS if getattr(self, k) is not None}

    def build(self, name: str) -> ClientSoftware:
        return ClientSoftware(
            name, self.description, self.source, self.nagle, self.writes,
            self.tls_setup_ms.ms / 1e3 if self.tls_setup_ms else 0.0,
            self.tls_cpu_ms.ms / 1e3 if self.tls_cpu_ms else None,
            _allowed(self.allowed), self.habits(),
        )


_HABITS = ("shutdown_after_quit", "fin_wait_ms", "header_chunk_above", "early_group")


class _Writes(Spec):
    value: Literal["group", "line"]
    why: Line


class _Ehlo(Spec):
    value: str
    why: Line


class _Server(Spec):
    description: Line
    source: Line
    timing: str
    nagle: _Bool
    reply_writes: _Writes
    tickets_13: _Int
    server_flight: _Int
    server_cpu_ms: _Float
    ehlo: _Ehlo
    quit_linger_ms: _Float
    imap_tickets_13: _Int
    burl_local: _Bool | None = None
    allowed: dict[str, _Allowed] = {}

    @model_validator(mode="after")
    def _fields(self) -> _Server:
        if self.timing not in SERVER_TIMINGS:
            raise fail("a server timing preset of data/servers.toml", key=("timing",),
                       value=self.timing)
        if self.ehlo.value not in EHLO_KEYWORDS:
            raise fail(f"an EHLO reply of smtpsim.model.text ({', '.join(EHLO_KEYWORDS)})",
                       key=("ehlo", "value"), value=self.ehlo.value)
        _check_fields(self.allowed)
        return self

    def build(self, name: str) -> ServerSoftware:
        return ServerSoftware(
            name, self.description, self.source, self.timing, self.nagle.value,
            self.reply_writes.value, self.tickets_13.value, self.server_flight.value,
            self.server_cpu_ms.value / 1e3,
            self.burl_local.value if self.burl_local else False, _allowed(self.allowed),
            ehlo=self.ehlo.value, quit_linger_s=self.quit_linger_ms.value / 1e3,
            imap_tickets_13=self.imap_tickets_13.value,
        )

    def whys(self) -> dict[str, str]:
        """Each behaviour's value and source, for ``smtpsim servers``."""
        out = {k: f"{getattr(self, k).value}: {getattr(self, k).why}"
               for k in ("nagle", "reply_writes", "tickets_13", "server_flight",
                         "server_cpu_ms", "ehlo", "quit_linger_ms", "imap_tickets_13")}
        if self.burl_local is not None:
            out["burl_local"] = f"{self.burl_local.value}: {self.burl_local.why}"
        return out


class _SoftwareFile(Spec):
    clients: dict[str, _Client]
    servers: dict[str, _Server]


_FILE = data_file("software.toml", _SoftwareFile)

CLIENT_SOFTWARE: dict[str, ClientSoftware] = {n: c.build(n) for n, c in _FILE.clients.items()}
"""Client programs by name (``generic`` first: the variant's own behaviour)."""

SERVER_SOFTWARE: dict[str, ServerSoftware] = {n: s.build(n) for n, s in _FILE.servers.items()}
"""Server programs by name."""

CLIENT_SOURCES: dict[str, dict[str, str]] = {
    n: {k: f"{getattr(c, k).ms} ms: {getattr(c, k).source}"
        for k in ("tls_setup_ms", "tls_cpu_ms") if getattr(c, k) is not None}
    for n, c in _FILE.clients.items()
}
"""Per client program, its measured figures with their sources."""

CLIENT_HABITS: dict[str, dict[str, str]] = {n: c.whys() for n, c in _FILE.clients.items()}
"""Per client program, its habits (``smtpsim.model.habits``) with their sources."""

SERVER_SOURCES: dict[str, dict[str, str]] = {n: s.whys() for n, s in _FILE.servers.items()}
"""Per server program, each behaviour with its source."""


def client_software(name: str) -> ClientSoftware:
    """The client program ``name``; :class:`UnknownNameError` otherwise."""
    key = name.strip().lower()
    if key not in CLIENT_SOFTWARE:
        raise UnknownNameError("client software", name, CLIENT_SOFTWARE)
    return CLIENT_SOFTWARE[key]


def server_software(name: str) -> ServerSoftware:
    """The server program ``name``; :class:`UnknownNameError` otherwise."""
    key = name.strip().lower()
    if key not in SERVER_SOFTWARE:
        raise UnknownNameError("server software", name, SERVER_SOFTWARE)
    return SERVER_SOFTWARE[key]


def software_refusals(features: Features, client: str = "generic",
                      server: str | None = None) -> list[str]:
    """Why the client program ``client`` (with the server program ``server``) cannot run a
    variant with ``features``: one line each (empty: it can)."""
    programs: list[ClientSoftware | ServerSoftware] = [client_software(client)]
    if server is not None:
        programs.append(server_software(server))
    return refusals(features, *programs)
