"""A submission server host (a front-end): its name, its keys, and the connections it serves.

The keys decide which of a client's cached items this host honours: a session ticket is
valid if it was encrypted under this host's ticket key (RFC 5077 §4: the server encrypts the
state under a key of its own). A farm of front-ends that share the key honour each other's
tickets; front-ends that do not, do not.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from smtpsim.simulator.config import ServerTiming, TlsConfig
from smtpsim.simulator.smtp_server import ServerStats, smtp_server
from smtpsim.simulator.tcp import Socket

__all__ = ["FrontEnd"]


class FrontEnd:
    """One server host. ``host`` is its name (what tickets are cached under)."""

    def __init__(
        self,
        env: simpy.Environment,
        host: str,
        timing: ServerTiming,
        tls: TlsConfig,
        ticket_key: str | None = None,
    ) -> None:
        self.env = env
        self.host = host
        self.timing = timing
        self.tls = tls
        #: The key session tickets are encrypted under; None issues no tickets.
        self.ticket_key = ticket_key if ticket_key is not None else f"{host}/ticket-key-1"

    def ticket_valid(self, ticket: Any) -> bool:
        return ticket is not None and ticket == self.ticket_key

    def serve(
        self,
        socket: Socket,
        tls_version: str,
        implicit_tls: bool,
        banner_half_rtt: bool,
        stats: ServerStats,
    ) -> Generator[simpy.Event, Any, None]:
        """The server process for one accepted connection."""
        yield from smtp_server(
            self.env, socket, self.timing, self.tls, tls_version, stats, self,
            implicit_tls, banner_half_rtt,
        )
