"""What the client holds when the connection starts, and how that decides the start.

A warm client holds what one earlier, identical connection to the same server left: a session
ticket (with ``resumption``), a Fast Open cookie or T/TCP state, and the configuration tokens /
qhlo-ids of each security context that connection used, each for its lifetime (tickets
``TICKET_LIFETIME_S``, cookies ``COOKIE_LIFETIME_S``, tokens the client's
``capability_max_age_s``) counted from when that connection got it; the connection closed
``gap_s`` before this one starts. With ``config_changed`` the tokens and ids are stale;
tickets and cookies (keyed by other secrets) stay valid. A cold client holds nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from smtpsim.model import Case, Features, updated
from smtpsim.model.timers import COOKIE_LIFETIME_S, TICKET_LIFETIME_S
from smtpsim.oracle.domain import WarmStateUnknown
from smtpsim.oracle.result import OracleResult

__all__ = ["ALL_ALIVE", "SLOWER", "Alive", "Start", "alive", "start"]

Alive = tuple[bool, bool, bool]
"""Whether the ticket, the Fast Open cookie and the tokens a warm client got are still cached."""
ALL_ALIVE: Alive = (True, True, True)

SLOWER = 1.1
"""A bound on how much longer than the closed form a transfer lasts when spurious timeouts
(outside the closed form) occur: an assumption, resting on the Eifel response (RFC 4015),
which undoes the congestion response to a spurious timeout so that only the resent segments
and the time until the undo are lost."""


@dataclass(frozen=True, slots=True)
class Start:
    """What the client holds and how the connection starts."""

    cookie: bool  # a valid Fast Open cookie / T/TCP state
    early: bool  # the server's socket exists at the SYN (its banner can leave at once)
    synack_data: bool  # the server's first write rides in its SYN-ACK
    syn_connect: bool  # TCP_FASTOPEN_CONNECT with a cookie: the first write leaves in the SYN
    ticket: bool  # a session ticket to offer
    cached: bool  # configuration tokens / qhlo-ids cached (early pipelining, QUICKSTART full)
    stale: bool  # ... and the server's configuration changed since
    version: int  # the server's configuration version


def start(f: Features, state: str, config_changed: bool, alive: Alive = ALL_ALIVE) -> Start:
    """How a connection of ``f`` starts for a ``state`` ("cold" or "warm") client;
    ``alive``: whether the ticket, the cookie and the tokens a warm client got are still
    cached (see :func:`alive`)."""
    warm = state == "warm"
    ticket_alive, cookie_alive, tokens_alive = alive
    cookie = warm and cookie_alive and f.fast_open in ("tfo", "ttcp")
    synack_data = f.fast_open == "synack-banner"
    cached = warm and tokens_alive and f.caches_capabilities
    return Start(
        cookie=cookie,
        early=cookie or synack_data,
        synack_data=synack_data,
        syn_connect=f.syn_data and cookie,
        ticket=warm and ticket_alive and f.resumption and f.tls is not None,
        cached=cached,
        stale=cached and config_changed,
        version=2 if config_changed else 1,
    )


def alive(case: Case, earlier: Callable[[Case], OracleResult]) -> Alive:
    """Whether the ticket, the Fast Open cookie and the configuration tokens a warm client got
    from its earlier connection are still cached when they are used: each expires (see the
    module docstring) counted from when that connection got it. The earlier connection is this
    case run cold (``earlier``, the oracle itself), closed ``gap_s`` before this one starts;
    every item is got before its MAIL and used before this connection's MAIL, so an age lies
    within ``gap + D -/+ mail`` (``D`` its duration, ``SLOWER`` times more when a spurious
    timeout may have slowed it, and the server's idle timeout more when the session was kept).
    :class:`WarmStateUnknown` when that interval straddles a lifetime: what the client holds
    is then not known. A TLS 1.3 server that sends no ticket (``TlsConfig.tickets_13`` 0)
    leaves the client none."""
    f = case.client.features
    # a TLS 1.3 server that sends no NewSessionTicket (RFC 8446 §4.6.1: it "MAY" send one;
    # ``tickets_13`` 0) leaves nothing to resume; a TLS 1.2 one sends its ticket in its
    # Finished flight
    issued = not (f.tls == "1.3" and case.server.tls.tickets_13 == 0)
    wanted = (f.resumption and f.tls is not None and issued, f.fast_open in ("tfo", "ttcp"),
              f.caches_capabilities)
    if case.client.state != "warm" or not any(wanted):
        return issued, True, True
    before = earlier(updated(case, client={"state": "cold"}, server={"config_changed": False}))
    d = before.accept_s if math.isnan(before.close_s) else before.close_s
    gap = case.workload.gap_s
    lo = gap + d - before.mail_s
    hi = gap + (SLOWER * d if before.rto_possible else d) + before.mail_s
    if f.reuse:
        hi += case.server.idle_s
    out = []
    for want, max_age in zip(wanted, (TICKET_LIFETIME_S, COOKIE_LIFETIME_S,
                                      case.client.capability_max_age_s),
                             strict=True):
        if not want or hi < max_age:
            out.append(True)
        elif lo > max_age:
            out.append(False)
        else:
            raise WarmStateUnknown(
                f"closed form: the earlier connection lasted about as long as a cached item"
                f" lives ({lo:.0f}-{hi:.0f} s for {max_age:.0f} s)")
    return out[0] and issued, out[1], out[2]
