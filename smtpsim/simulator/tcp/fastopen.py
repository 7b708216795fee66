"""TCP Fast Open (RFC 7413) and its relatives: the cookie a client presents, and the server's
check of it.

A client SYN may carry a Fast Open option: a cached cookie, or ``COOKIE_REQUEST`` (the empty
option, 4 B; a cookie is 12 B with its option header, ``smtpsim.model.tcp``) and, with data
allowed, the first write made in the instant of ``connect()``, as much of it as Linux puts in
a SYN (``smtpsim.model.tcp.syn_data_space``; ``TCP_FASTOPEN_CONNECT`` / ``MSG_FASTOPEN``: the
SYN leaves at the end of that instant, and the client's socket counts as connected at once).
The server's check says whether the cookie is valid and which cookie to return
(``cookie_check``): a valid one creates the server socket at the SYN (Linux
``tcp_try_fastopen`` does so even for a SYN without data), so the server may write before the
handshake completes, and the SYN's data is delivered and acknowledged by the SYN-ACK (§4.2.2).
Data the server did not accept is sent again after the handshake (§4.2.1); a retransmitted SYN
carries no data. With the banner on the SYN-ACK the server holds its SYN-ACK for its first
write and sends that data in it (the idealised "banner on the SYN-ACK"; §4.2.2 allows SYN-ACK
data); a SYN-ACK sent again carries the same data. How the handshake carries all this is in
``handshake``.

T/TCP (RFC 1644) is modelled with the same mechanism and a key of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["COOKIE_REQUEST", "CookieCheck", "cookie_check"]


class _CookieRequest:
    __slots__ = ()

    def __repr__(self) -> str:
        return "COOKIE_REQUEST"


#: The empty Fast Open option: "send me a cookie" (RFC 7413 §4.1.2).
COOKIE_REQUEST = _CookieRequest()

#: A server's check of a SYN's option: ``check(option) -> (valid, cookie to send or None)``.
CookieCheck = Callable[[Any], tuple[bool, Any]]


def cookie_check(key: str) -> CookieCheck:
    """The server's test of a SYN's Fast Open option against its ``key`` (RFC 7413 §4.1.2:
    a cookie is a MAC of the client's address under a server key; here the key itself): a
    missing option is not Fast Open; a request or an invalid cookie gets a fresh cookie
    (§4.2.2)."""

    def check(option: Any) -> tuple[bool, Any]:
        if option is None:
            return False, None
        if option == key:
            return True, None
        return False, key

    return check
