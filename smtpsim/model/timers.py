"""The protocol timers of clients and servers, each with its source.

TCP's own timers (SYN, RTO, delayed ACK) are ``TcpConfig`` fields; these are the
application's: how long a client waits for a reply, how long a server waits for a command,
how long a client trusts what it cached.
"""

from __future__ import annotations

__all__ = [
    "CAPABILITY_MAX_AGE_S",
    "COOKIE_LIFETIME_S",
    "IMAP_AUTOLOGOUT_S",
    "NOOP_INTERVAL_S",
    "REPLY_TIMEOUT_S",
    "SERVER_IDLE_TIMEOUT_S",
    "TICKET_LIFETIME_S",
]

REPLY_TIMEOUT_S = {"default": 300.0, "DATA": 120.0, "end": 600.0}
"""Client timeouts of RFC 5321 §4.5.3.2: 5 min for the greeting, MAIL, RCPT (and, by the same
rule, EHLO, STARTTLS, AUTH, QUIT and the TLS handshake), 2 min for the 354 after DATA, 10 min
for the reply to the end of data (§4.5.3.2.6: the time the server may spend on the message
once it has it). Each counts from the connection's last progress, so the wait for the
end-of-data reply starts when the body has been acknowledged."""

SERVER_IDLE_TIMEOUT_S = 300.0
"""RFC 5321 §4.5.3.2.7: the server waits at least 5 minutes for the next command, then closes
(Postfix ``smtpd_timeout`` = 300 s)."""

NOOP_INTERVAL_S = 240.0
"""How often a client keeps an idle session alive with NOOP (RFC 5321 §4.1.1.9): under the
5-minute server timeout of §4.5.3.2.7."""

CAPABILITY_MAX_AGE_S = 86400.0
"""How long a client keeps a cached capability list and its token (qhlo-id, early-pipelining
token): draft-harris-early-pipe §3.1 recommends a limited time without a figure; one day is an
assumption."""

COOKIE_LIFETIME_S = 3600.0
"""How long a client keeps a TFO cookie or T/TCP state unused: RFC 7413 §4.1.2 leaves it to the
server's key rotation; Linux keeps cookies in its per-destination TCP metrics, which expire an
hour after the last use (``TCP_METRICS_TIMEOUT``)."""

TICKET_LIFETIME_S = 3600.0
"""How long a client keeps a TLS session ticket: Postfix's ``smtp_tls_session_cache_timeout``
default (3600 s); RFC 8446 §4.6.1 caps ticket lifetimes at 7 days."""

IMAP_AUTOLOGOUT_S = 1800.0
"""RFC 3501 §5.4: an idle IMAP session may be logged out after at least 30 minutes."""
