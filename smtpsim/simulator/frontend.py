"""A submission server host (a front-end): its name, its keys, and the connections it serves.

The keys decide which of a client's cached items this host honours: a session ticket is
valid if it was encrypted under this host's ticket key (RFC 5077 §4: the server encrypts the
state under a key of its own); a QUICKSTART qhlo-id is valid if it names this host's current
configuration in that security context (draft-fanf-smtp-quickstart-01 §8; quickstart-b §12
derives it from the extension list and a secret). A farm of front-ends that share the keys
honour each other's items; front-ends that do not, do not.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from smtpsim.model import ServerTiming, TlsConfig
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
        quickstart: str | None = None,
        token_secret: str | None = None,
        early_pipe: bool = False,
        name: str | None = None,
    ) -> None:
        self.env = env
        #: The host name and address clients see (what they cache things under); in a farm
        #: every front-end has the same. ``name`` tells the front-ends apart.
        self.host = host
        self.address = host
        self.name = name if name is not None else host
        self.timing = timing
        self.tls = tls
        #: The key session tickets are encrypted under.
        self.ticket_key = ticket_key if ticket_key is not None else f"{self.name}/ticket-key-1"
        #: None, or the QUICKSTART profile offered: "basic" (draft-fanf-smtp-quickstart-a)
        #: or "full" (quickstart-b, with qhlo-ids).
        self.quickstart = quickstart
        self.token_secret = token_secret if token_secret is not None else self.name
        #: Whether the host offers early pipelining with a configuration token
        #: (draft-harris-early-pipe's PIPE_CONNECT, the thread's "config token").
        self.early_pipe = early_pipe
        #: Bumped by each configuration change (a rolling upgrade invalidates tokens).
        self.config_version = 1
        #: The secret TFO cookies are made with (RFC 7413 §4.1.2: a MAC of the client's
        #: address under a server key) and the T/TCP connection-count state (RFC 1644 TAO).
        self.tfo_key = f"{self.name}/tfo-key-1"
        self.ttcp_key = f"{self.name}/tao-1"
        #: For BURL: fetches referenced messages from the IMAP server (None: no BURL).
        self.fetcher: Any = None
        #: The worker pool (Postfix smtpd processes), None for unlimited; and how long a
        #: worker waits for the next command before it closes (RFC 5321 §4.5.3.2.7).
        self.workers: simpy.Resource | None = None
        self.idle_timeout_s = 300.0
        #: The stream processing-time distributions are drawn from (set by the farm).
        self.rng: Any = None

    def fast_open_check(self, kind: str) -> Callable[[Any], tuple[bool, Any]]:
        """The server's test of a SYN's Fast Open option for ``kind`` ("tfo" or "ttcp"):
        returns (valid, cookie to send back or None). A missing option is not Fast Open; a
        request or an invalid cookie gets a fresh cookie (RFC 7413 §4.1.2, §4.2.2)."""
        key = self.tfo_key if kind == "tfo" else self.ttcp_key

        def check(option: Any) -> tuple[bool, Any]:
            if option is None:
                return False, None
            if option == key:
                return True, None
            return False, key

        return check

    def ticket_valid(self, ticket: Any) -> bool:
        return ticket is not None and ticket == self.ticket_key

    def token(self, context: str) -> str:
        """The configuration token (qhlo-id) for security context ``"plain"`` or ``"tls"``."""
        return f"{self.token_secret}.v{self.config_version}.{context}"

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
