"""A submission server host (a front-end): its name, its keys, what it offers, and the
connections it accepts.

The keys decide which of a client's cached items this host honours: a session ticket is
valid if it was encrypted under this host's ticket key (RFC 5077 §4: the server encrypts the
state under a key of its own); a TFO cookie if it was made with this host's key (RFC 7413
§4.1.2); a qhlo-id or configuration token if it names this host's current configuration in
that security context (draft-fanf-smtp-quickstart-b §6, §7; quickstart-b §12 derives it from
the extension list and a secret). A farm of front-ends that share the keys honour each
other's items; front-ends that do not, do not.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import simpy

from smtpsim.model import Features, ServerTiming, TlsConfig, text
from smtpsim.simulator.smtp.server import ServerSession, ServerStats
from smtpsim.simulator.tcp import Socket, cookie_check
from smtpsim.simulator.tcp.fastopen import CookieCheck

if TYPE_CHECKING:
    from smtpsim.simulator.imap import ImapFetcher

__all__ = ["FrontEnd", "ServerOffer"]


@dataclass(frozen=True, slots=True)
class ServerOffer:
    """What the submission servers offer in a run: what the variant of its clients needs
    (every front-end runs the same software).

    ``tls_version`` is what STARTTLS or implicit TLS negotiates; ``implicit_tls``: clients
    connect to the submissions port (RFC 8314 §3); ``banner_half_rtt``: the implicit-TLS
    banner goes as 0.5-RTT data; ``quickstart``: the QUICKSTART profile offered;
    ``early_pipelining``: PIPE_CONNECT with configuration tokens; ``fast_open``: TCP Fast
    Open, T/TCP, or the banner on every SYN-ACK.
    """

    tls_version: Literal["1.2", "1.3"] = "1.2"
    implicit_tls: bool = False
    banner_half_rtt: bool = False
    quickstart: Literal["basic", "full"] | None = None
    early_pipelining: bool = False
    fast_open: Literal["tfo", "ttcp", "synack-banner"] | None = None

    @classmethod
    def for_client(cls, f: Features) -> ServerOffer:
        """What a server must offer for clients with features ``f``."""
        return cls(f.tls or "1.2", f.implicit_tls, f.banner_half_rtt, f.quickstart,
                   f.early_pipelining, f.fast_open)


class FrontEnd:
    """One server host. ``host`` and ``address`` are what clients see (what they cache things
    under; in a farm every front-end has the same); ``name`` tells the front-ends apart.

    ``rng`` is the stream its processing times are drawn from; ``workers`` its worker pool
    (Postfix smtpd processes: a connection holds one from accept to close, and with all
    busy new connections wait in the listen queue; None: unlimited); ``idle_timeout_s`` how
    long a worker waits for the next command (RFC 5321 §4.5.3.2.7); ``fetcher`` resolves
    BURL's URLs (None: no BURL); ``reply_writes`` how its sessions write their replies
    (``Server.reply_writes``: "group" or "line"); ``ehlo`` the server program whose EHLO reply
    it sends (``Server.ehlo``); ``quit_linger_s`` how long it waits for the client's FIN
    after QUIT (``Server.quit_linger_s``). The keys default to ones of its own; a farm
    passes shared ones."""

    def __init__(
        self,
        env: simpy.Environment,
        host: str,
        timing: ServerTiming,
        tls: TlsConfig,
        offer: ServerOffer,
        rng: Any,
        *,
        name: str | None = None,
        workers: int | None = None,
        idle_timeout_s: float = 300.0,
        fetcher: ImapFetcher | None = None,
        reply_writes: Literal["group", "line"] = "group",
        ehlo: str = "generic",
        quit_linger_s: float = 0.0,
        ticket_key: str | None = None,
        token_secret: str | None = None,
        tfo_key: str | None = None,
        ttcp_key: str | None = None,
    ) -> None:
        self.env = env
        self.host = host
        self.address = host
        self.name = name if name is not None else host
        self.timing = timing
        self.tls = tls
        self.offer = offer
        self.rng = rng
        self.workers = simpy.Resource(env, capacity=workers) if workers is not None else None
        self.idle_timeout_s = idle_timeout_s
        self.fetcher = fetcher
        self.reply_writes = reply_writes
        self.ehlo = ehlo
        self.quit_linger_s = quit_linger_s
        #: The key session tickets are encrypted under.
        self.ticket_key = ticket_key if ticket_key is not None else f"{self.name}/ticket-key-1"
        self.token_secret = token_secret if token_secret is not None else self.name
        #: The secret TFO cookies are made with (RFC 7413 §4.1.2: a MAC of the client's
        #: address under a server key) and the T/TCP connection-count state (RFC 1644 TAO).
        self.tfo_key = tfo_key if tfo_key is not None else f"{self.name}/tfo-key-1"
        self.ttcp_key = ttcp_key if ttcp_key is not None else f"{self.name}/tao-1"
        #: Bumped by each configuration change (a rolling upgrade invalidates tokens).
        self.config_version = 1

    def ticket_valid(self, ticket: Any) -> bool:
        return ticket is not None and ticket == self.ticket_key

    def token(self, context: str) -> str:
        """The configuration token (qhlo-id) for security context ``"plain"`` or ``"tls"``."""
        return text.config_token(self.token_secret, self.config_version, context)

    def fast_open_check(self, kind: str) -> CookieCheck:
        """This host's check of a SYN's Fast Open option for ``kind`` ("tfo" or "ttcp")."""
        return cookie_check(self.tfo_key if kind == "tfo" else self.ttcp_key)

    def accept(self, socket: Socket) -> ServerStats:
        """Take a connection whose server end is ``socket`` (armed for what the offer's Fast
        Open needs before its SYN arrives) and serve it; returns what the server side will
        observe of it."""
        kind = self.offer.fast_open
        if kind == "synack-banner":
            socket.banner_on_synack()
        elif kind is not None:
            socket.accept_fast_open(self.fast_open_check(kind))
        stats = ServerStats()
        self.env.process(self._serve(socket, stats))
        return stats

    def _serve(self, socket: Socket, stats: ServerStats) -> Generator[simpy.Event, Any, None]:
        """The server process for one connection: accept, take a worker, run the session."""
        ok = yield socket.established
        if not ok:
            return
        stats.accepted_s = self.env.now
        if self.workers is None:
            stats.worker_s = self.env.now
            yield from ServerSession(self, socket, stats).run()
            return
        with self.workers.request() as request:  # all busy: wait in the listen queue
            yield request
            stats.worker_s = self.env.now
            yield from ServerSession(self, socket, stats).run()
