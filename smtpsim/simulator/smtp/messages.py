"""SMTP commands and replies as the client and server exchange them (the message itself is
``smtpsim.simulator.content.Content``).

Each carries its wire text (``smtpsim.model.text``) and its size (the text and CRLF).
"""

from __future__ import annotations

from smtpsim.model import text

__all__ = [
    "BurlCommand",
    "Command",
    "Reply",
    "ReplyLine",
    "capability_reply",
    "ehlo_reply",
    "greeting",
    "mail_from",
    "rcpt_to",
    "reply",
    "reply_lines",
]


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
        super().__init__("BURL", text.burl_last(url))
        self.size = size


class Reply:
    """A (possibly multi-line) reply: ``code`` and its ``lines`` without CRLF."""

    __slots__ = ("code", "lines", "nbytes")

    def __init__(self, code: int, lines: list[str]) -> None:
        self.code = code
        self.lines = lines
        self.nbytes = sum(map(len, lines)) + 2 * len(lines)  # each line and its CRLF

    @property
    def text(self) -> str:
        first = self.lines[0]
        return first if len(self.lines) == 1 else f"{first} (+{len(self.lines) - 1} lines)"

    def __repr__(self) -> str:
        return f"S: {self.text}"


class ReplyLine:
    """One line of a reply written on its own (``Server.reply_writes`` "line"): its bytes on
    the wire, and what the reader gets once it has arrived (``completes``: nothing, or, for
    the reply's last line, the whole reply, as a client reading a multi-line reply has it
    at the line whose code is followed by a space, RFC 5321 §4.2.1)."""

    __slots__ = ("text", "nbytes", "completes")

    def __init__(self, line: str, completes: tuple[Reply, ...]) -> None:
        self.text = line
        self.nbytes = len(line) + 2
        self.completes = completes

    def __repr__(self) -> str:
        return f"S: {self.text}"


def reply_lines(r: Reply) -> list[ReplyLine]:
    """``r`` as its lines, each to be written on its own; the last one completes ``r``."""
    last = len(r.lines) - 1
    return [ReplyLine(line, (r,) if i == last else ()) for i, line in enumerate(r.lines)]


def reply(code: int, line: str) -> Reply:
    """A one-line reply."""
    return Reply(code, [text.reply_line(code, line)])


def greeting() -> Reply:
    """RFC 5321 §4.2 / §3.1: the 220 service-ready greeting."""
    return reply(220, text.GREETING)


def capability_reply(
    code: int,
    first: str,
    tls_offered: bool,
    auth_offered: bool = True,
    extra: tuple[str, ...] = (),
    server: str = "generic",
) -> Reply:
    """A reply listing the extensions of the server program ``server``
    (``text.capability_lines``)."""
    return Reply(code, text.capability_lines(code, first, tls_offered, auth_offered, extra,
                                             server))


def ehlo_reply(tls_offered: bool, auth_offered: bool, extra: tuple[str, ...] = (),
               server: str = "generic") -> Reply:
    """The EHLO reply of a submission server (RFC 6409) with the extensions it offers, as the
    server program ``server`` words it (``Server.ehlo``)."""
    return capability_reply(250, text.ehlo_domain(server), tls_offered, auth_offered, extra,
                            server)


def mail_from(size: int, esmtp: bool) -> Command:
    """RFC 5321 §4.1.1.2, with SIZE (RFC 1870) when ESMTP is in use."""
    return Command("MAIL", text.mail_from(size, esmtp))


def rcpt_to(i: int) -> Command:
    """RFC 5321 §4.1.1.3."""
    return Command("RCPT", text.rcpt_to(i))
