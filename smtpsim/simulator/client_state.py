"""What a client remembers between connections.

Entries are keyed as real clients key them:

* TLS session tickets by server *host name* (RFC 5077 §3.3 / RFC 8446 §4.6.1: the client
  offers a ticket to the server it got it from; OpenSSL/NSS caches are per host and port);
* TCP Fast Open cookies by server *host* (RFC 7413 §4.1.1: cached per server IP);
* EHLO capabilities with the server's configuration token, by server address and security
  context (draft-harris-early-pipe §3.1, draft-fanf-smtp-quickstart-b §5).

The client cannot tell a valid entry from a stale one: it presents what it has and the
server decides (a ticket encrypted under a key it no longer holds, a cookie made with another
secret, a token for another configuration). Every presentation is counted as a hit or miss.

An entry's age counts from when it was last stored or confirmed: a token the server accepts
(``refresh``) or a list the client learns again, a cookie a SYN-ACK returns or a connection
uses, a ticket the server issues (TLS 1.3 issues new ones on every connection; TLS 1.2 only
with a full handshake, so a resumed TLS 1.2 session leaves its entry's age as it was).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CacheEntry", "ClientState"]


@dataclass(slots=True)
class CacheEntry:
    """A cached ``value`` and when it was stored (simulated seconds)."""

    value: Any
    stored_s: float


@dataclass(slots=True)
class ClientState:
    """The caches of one client, persisting across its connections and messages."""

    tickets: dict[str, CacheEntry] = field(default_factory=dict)
    tfo_cookies: dict[str, CacheEntry] = field(default_factory=dict)
    #: T/TCP's cached connection counts (RFC 1644 TAO), per server host.
    ttcp_cc: dict[str, CacheEntry] = field(default_factory=dict)
    capabilities: dict[tuple[str, str], CacheEntry] = field(default_factory=dict)
    #: TFO switched off per server host until this time, after SYN-with-data was dropped,
    #: and the number of such drops seen (Linux ``tcp_fastopen_cache_set``'s syn_loss).
    tfo_disabled_until: dict[str, float] = field(default_factory=dict)
    tfo_syn_losses: dict[str, int] = field(default_factory=dict)

    def note_syn_data_lost(self, host: str, now: float) -> None:
        """A SYN with data to ``host`` timed out. After the second such loss Linux stops
        sending data in SYNs to that destination for 2^n minutes (``tcp_fastopen_cookie_check``:
        ``syn_loss > 1`` and ``60 s << syn_loss``; kernel commit aab48743), capped here at 2^11 min
        (about 1.4 days)."""
        n = self.tfo_syn_losses.get(host, 0) + 1
        self.tfo_syn_losses[host] = n
        if n > 1:
            self.tfo_disabled_until[host] = now + 60.0 * 2 ** min(n, 11)

    def get(self, cache: dict[Any, CacheEntry], key: Any, now: float, max_age: float) -> Any:
        """The value cached under ``key`` if younger than ``max_age`` s, else None (and the
        expired entry is dropped)."""
        entry = cache.get(key)
        if entry is None:
            return None
        if now - entry.stored_s > max_age:
            del cache[key]
            return None
        return entry.value

    def refresh(self, cache: dict[Any, CacheEntry], key: Any, now: float) -> None:
        """The server confirmed the value cached under ``key``: its age restarts at ``now``
        (as a Linux client's Fast Open cookie entry is rewritten by every SYN-ACK of a Fast
        Open connection, ``tcp_fastopen_cache_set`` in net/ipv4/tcp_metrics.c)."""
        entry = cache.get(key)
        if entry is not None:
            entry.stored_s = now

    def flush_server(self, address: str) -> None:
        """Forget every capability list cached for a server (quickstart-b §5: after any
        rejection of a cached id the client flushes all lists for that server)."""
        for key in [k for k in self.capabilities if k[0] == address]:
            del self.capabilities[key]
