"""SMTP commands, replies and message content as the client and server exchange them.

Sizes come from the real text (each line ends in CRLF); the body is a byte count. The text is
what RFC 5321 §4.1, RFC 2920, RFC 3030, RFC 3207 and RFC 4954 show in their examples, with
the domains of RFC 2606.
"""

from __future__ import annotations

import base64

__all__ = [
    "BurlCommand",
    "Command",
    "Reply",
    "Content",
    "TlsMessage",
    "CLIENT_DOMAIN",
    "SERVER_DOMAIN",
    "greeting",
    "ehlo_reply",
    "auth_plain_ir",
    "mail_from",
    "rcpt_to",
    "reply",
]

CLIENT_DOMAIN = "client.example.org"
SERVER_DOMAIN = "submit.example.net"
SENDER = "alice@example.org"
PASSWORD = "correct-horse-battery"


class Command:
    """A command line: ``verb`` (upper case) and the full ``text`` without CRLF."""

    __slots__ = ("verb", "text", "nbytes")

    def __init__(self, verb: str, text: str) -> None:
        self.verb = verb
        self.text = text
        self.nbytes = len(text) + 2

    def __repr__(self) -> str:
        return f"C: {self.text}"


class BurlCommand(Command):
    """``BURL <url> LAST`` (RFC 4468 §3.2). ``size`` is the referenced message's size: the
    model hands it to the server's fetch instead of making it discover it."""

    __slots__ = ("size",)

    def __init__(self, url: str, size: int) -> None:
        super().__init__("BURL", f"BURL {url} LAST")
        self.size = size


class Reply:
    """A (possibly multi-line) reply: ``code`` and its ``lines`` without CRLF."""

    __slots__ = ("code", "lines", "nbytes")

    def __init__(self, code: int, lines: list[str]) -> None:
        self.code = code
        self.lines = lines
        self.nbytes = sum(len(line) + 2 for line in lines)

    @property
    def text(self) -> str:
        first = self.lines[0]
        return first if len(self.lines) == 1 else f"{first} (+{len(self.lines) - 1} lines)"

    def __repr__(self) -> str:
        return f"S: {self.text}"


class Content:
    """Message content of ``nbytes`` bytes. ``last`` marks the piece that ends the message
    (for DATA, the one holding the ``CRLF.CRLF`` terminator; for BDAT, the LAST chunk)."""

    __slots__ = ("nbytes", "label", "last")

    def __init__(self, nbytes: int, label: str, last: bool = True) -> None:
        self.nbytes = nbytes
        self.label = label
        self.last = last

    @property
    def text(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return self.label


class TlsMessage:
    """A TLS handshake flight or part of one (``name`` as in RFC 5246 / RFC 8446).

    ``ticket``: the session ticket a ClientHello offers, or a NewSessionTicket carries;
    ``resumed``: on the server's first flight, whether it accepted the offered ticket;
    ``early``: on a ClientHello, whether 0-RTT data follows it (RFC 8446 §4.2.10)."""

    __slots__ = ("name", "nbytes", "ticket", "resumed", "early")

    def __init__(
        self, name: str, nbytes: int, ticket: object = None, resumed: bool = False
    ) -> None:
        self.name = name
        self.nbytes = nbytes
        self.ticket = ticket
        self.resumed = resumed
        self.early = False

    def __repr__(self) -> str:
        return f"TLS {self.name}"


def reply(code: int, text: str) -> Reply:
    return Reply(code, [f"{code} {text}"])


def greeting() -> Reply:
    """RFC 5321 §4.2 / §3.1: the 220 service-ready greeting."""
    return reply(220, f"{SERVER_DOMAIN} ESMTP Postfix")


def capability_reply(
    code: int,
    first: str,
    tls_offered: bool,
    auth_offered: bool = True,
    extra: tuple[str, ...] = (),
) -> Reply:
    """A multi-line reply listing a submission server's extensions (RFC 5321 §4.1.1.1 EHLO
    reply shape), used for the EHLO reply, QUICKSTART's extended greeting and the QHLO
    replies that carry the list. ``extra`` keywords (QUICKSTART, PIPE_CONNECT) come first.
    STARTTLS is listed before TLS only."""
    keywords = [*extra, "PIPELINING", "SIZE 52428800", "ETRN"]
    if tls_offered:
        keywords.append("STARTTLS")
    if auth_offered:
        keywords.append("AUTH PLAIN LOGIN SCRAM-SHA-256")
    keywords += ["ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"]
    lines = [f"{code}-{first}"] + [f"{code}-{k}" for k in keywords[:-1]]
    lines.append(f"{code} {keywords[-1]}")
    return Reply(code, lines)


def ehlo_reply(tls_offered: bool, auth_offered: bool, extra: tuple[str, ...] = ()) -> Reply:
    """The EHLO reply of a submission server (RFC 6409) with the extensions it offers."""
    return capability_reply(250, SERVER_DOMAIN, tls_offered, auth_offered, extra)


def auth_plain_ir() -> str:
    """RFC 4616 PLAIN message ``authzid NUL authcid NUL passwd``, base64 (RFC 4954 §4)."""
    raw = f"\0{SENDER}\0{PASSWORD}".encode()
    return base64.b64encode(raw).decode()


def b64len(n: int) -> int:
    """Length of the base64 encoding of ``n`` bytes (RFC 4648 §4)."""
    return 4 * ((n + 2) // 3)


def mail_from(size: int, esmtp: bool) -> Command:
    """RFC 5321 §4.1.1.2, with the SIZE parameter of RFC 1870 when ESMTP is in use."""
    text = f"MAIL FROM:<{SENDER}>" + (f" SIZE={size}" if esmtp else "")
    return Command("MAIL", text)


def rcpt_to(i: int) -> Command:
    """RFC 5321 §4.1.1.3."""
    return Command("RCPT", f"RCPT TO:<rcpt{i}@example.com>")
