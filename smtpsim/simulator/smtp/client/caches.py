"""What the client caches for later connections, and what it presents from them.

Entries are keyed as real clients key them (``ClientState``): session tickets and TFO
cookies by server host, capability tokens by server address and security context. The client
cannot tell a valid entry from a stale one: it presents what it has, the server decides, and
every presentation is counted in the record as a hit (the server accepted it) or a miss.

What restarts an entry's age (``CAPABILITY_MAX_AGE_S``, ``COOKIE_LIFETIME_S``,
``TICKET_LIFETIME_S`` count from it):

* a token or qhlo-id: the server accepting it (``_note_token``), or a reply that carries it
  (``_learn_token``: a greeting, an EHLO/QHLO list, a 520 refusal). Refreshing on an accepted
  use is as Linux treats Fast Open cookies (below); Exim's PIPE_CONNECT client, by contrast,
  rewrites its cached EHLO response only after a normal EHLO or when the response it reaps
  differs from the cache (transports/smtp.c: ``write_ehlo_cache_entry``), so its entry ages
  out ``retry_data_expire`` after that and one connection then runs the normal dialogue;
* a TFO cookie or T/TCP state: a SYN-ACK that returns one, or a connection that used it
  (Linux ``tcp_fastopen_cache_set``, called for every SYN-ACK of a Fast Open connection);
* a session ticket: the server issuing one (``_store_ticket``): TLS 1.3 servers send new
  tickets after every handshake, resumed or not; a TLS 1.2 server only in a full handshake
  (RFC 5077 §3.3 lets it renew a ticket, OpenSSL does only when its ticket-key callback asks),
  and a TLS 1.2 client stores only new sessions (OpenSSL ``ssl_update_cache``: ``!s->hit ||
  TLS 1.3``, which Postfix's ``new_client_session_cb`` saves), so a resumed TLS 1.2 session
  leaves the entry's age as it was.
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

    def _note_token(self, hit: bool, context: str) -> None:
        """Record one presentation of the token cached for ``context``: ``token_hit`` holds
        if the server accepted every one presented. An accepted token is confirmed current:
        its age restarts."""
        rec = self.record
        rec.token_hit = hit if not rec.token_offered else rec.token_hit and hit
        rec.token_offered = True
        if hit:
            self.state.refresh(self.state.capabilities, (self.server.address, context),
                               self.env.now)
