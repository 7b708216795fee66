"""What the client caches for later connections, and what it presents from them.

Entries are keyed as real clients key them (``ClientState``): session tickets and TFO
cookies by server host, capability tokens by server address and security context. The client
cannot tell a valid entry from a stale one: it presents what it has, the server decides, and
every presentation is counted in the record as a hit or a miss.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smtpsim.model.timers import COOKIE_LIFETIME_S
from smtpsim.simulator.client_state import CacheEntry
from smtpsim.simulator.smtp.client.base import ClientBase
from smtpsim.simulator.smtp.messages import Reply

__all__ = ["Caches"]


class Caches(ClientBase):
    """Tickets, TFO cookies and capability tokens of ``SmtpClient``."""

    def _arm_fast_open(self, middlebox: Callable[[], bool] | None) -> None:
        """TCP Fast Open or T/TCP (``Features.fast_open``): the client presents its cached
        cookie (or asks for one) in its SYN, and keeps what the server returns (the banner on
        the SYN-ACK needs nothing from the client)."""
        kind = self.f.fast_open
        if kind is None or kind == "synack-banner":
            return
        state, host, rec, env = self.state, self.server.host, self.record, self.env
        cache = state.tfo_cookies if kind == "tfo" else state.ttcp_cc
        disabled = kind == "tfo" and state.tfo_disabled_until.get(host, -1.0) > env.now
        cookie = state.get(cache, host, env.now, COOKIE_LIFETIME_S)
        rec.tfo_offered = rec.tfo_hit = cookie is not None

        def on_cookie(value: Any) -> None:  # a fresh cookie: ours was missing or refused
            cache[host] = CacheEntry(value, env.now)
            rec.tfo_hit = False

        def on_established() -> None:  # a used cookie stays cached: Linux's TCP metrics
            if rec.tfo_hit:  # entry (which holds it) expires an hour after its last use
                cache[host] = CacheEntry(cookie, env.now)

        self.socket.offer_fast_open(
            cookie, self.f.syn_data and not disabled, middlebox, on_cookie, on_established,
            lambda: state.note_syn_data_lost(host, env.now),
        )

    def _store_ticket(self, ticket: Any) -> None:
        self.state.tickets[self.server.host] = CacheEntry(ticket, self.env.now)

    def _cached_token(self, context: str) -> str | None:
        token = self.state.get(
            self.state.capabilities, (self.server.address, context), self.env.now,
            self.capability_max_age_s,
        )
        return token if isinstance(token, str) else None

    def _learn_token(self, reply: Reply, context: str) -> None:
        """Cache the token a list carries: a qhlo-id (quickstart-b §5) or an early-pipelining
        configuration token, keyed by server address and security context."""
        for line in reply.lines:
            for mark in ("QHLO=", "PIPE_CONNECT "):
                if mark in line:
                    token = line.split(mark, 1)[1].split()[0]
                    key = (self.server.address, context)
                    self.state.capabilities[key] = CacheEntry(token, self.env.now)

    def _note_token(self, hit: bool) -> None:
        """Record one presentation of a cached token: ``token_hit`` holds if all hit."""
        rec = self.record
        rec.token_hit = hit if not rec.token_offered else rec.token_hit and hit
        rec.token_offered = True
