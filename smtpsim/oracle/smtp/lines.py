"""The SMTP lines of the script and their sizes on the wire, from ``smtpsim.model.text``.

A reply is its bytes (every line with its CRLF, ``text.line_bytes``), a label and the bytes
of each line (``records.Reply``). The capability lists are the submission server's
(``text.capability_lines``) with the keywords of the variant: ``PIPE_CONNECT <token>`` for
early pipelining, ``QUICKSTART QTLS AUTH [QHLO=<id>]`` for QUICKSTART
(draft-fanf-smtp-quickstart-01 §4), ``BURL imap`` for a BURL server (RFC 4468 §3.3).
"""

from __future__ import annotations

from smtpsim.model import Features, text
from smtpsim.oracle.records import Reply

__all__ = [
    "AUTH_LOGIN", "AUTH_OK", "BYE", "DATA", "DATA_GO", "HELO_OK", "LOGIN_PASSWORD",
    "LOGIN_USER", "MAIL_OK", "NOOP", "NOOP_OK", "QHLO_OK", "QTLS", "QUEUED", "QUEUED_BURL",
    "QUIT", "RCPT_OK", "REFUSED", "SCRAM_SERVER_FINAL", "SCRAM_SERVER_FIRST", "STALE_QHLO",
    "STALE_TOKEN", "STARTTLS", "STARTTLS_READY", "bdat_queued", "bdat_received", "capability_list",
    "greeting", "lines_reply", "reply", "token",
]


def reply(code: int, line: str) -> Reply:
    """A one-line reply."""
    full = text.reply_line(code, line)
    n = text.line_bytes(full)
    return Reply(n, full, (n,))


def lines_reply(lines: list[str]) -> Reply:
    """A reply of several lines (labelled by its first)."""
    label = lines[0] if len(lines) == 1 else f"{lines[0]} (+{len(lines) - 1} lines)"
    sizes = tuple(text.line_bytes(line) for line in lines)
    return Reply(sum(sizes), label, sizes)


# ---- commands without arguments (RFC 5321 §4.1.1, RFC 3207 §4, RFC 4954 §4, quickstart-01 §5)
STARTTLS = "STARTTLS"
DATA = "DATA"
QUIT = "QUIT"
NOOP = "NOOP"
QTLS = "QTLS"  # no reply: the ClientHello follows it in the same write
AUTH_LOGIN = "AUTH LOGIN"

# ---- replies
STARTTLS_READY = reply(220, text.STARTTLS_READY)
AUTH_OK = reply(235, text.AUTH_OK)
MAIL_OK = reply(250, text.MAIL_OK)
RCPT_OK = reply(250, text.RCPT_OK)
DATA_GO = reply(354, text.DATA_GO)
QUEUED = reply(250, text.QUEUED_DATA)
QUEUED_BURL = reply(250, text.QUEUED_BURL)
BYE = reply(221, text.BYE)
NOOP_OK = reply(250, text.NOOP_OK)
HELO_OK = reply(250, text.HELO_OK)
QHLO_OK = reply(250, text.SERVER_DOMAIN)  # QHLO with a valid id, or QUICKSTART basic
LOGIN_USER = reply(334, text.LOGIN_USER_PROMPT)
LOGIN_PASSWORD = reply(334, text.LOGIN_PASSWORD_PROMPT)
SCRAM_SERVER_FIRST = reply(334, text.SCRAM_SERVER_FIRST)
SCRAM_SERVER_FINAL = reply(334, text.SCRAM_SERVER_FINAL)
# A refused cached token or qhlo-id (quickstart-b §5, ``Features.early_pipelining``): 504
# before TLS, 503 for the rest of the group; after TLS a 520 with the list.
STALE_TOKEN = reply(504, text.stale(text.STALE_TOKEN))
STALE_QHLO = reply(504, text.stale(text.STALE_QHLO))
REFUSED = reply(503, text.REFUSED)


def bdat_received(nbytes: int) -> Reply:
    """The 250 to a ``BDAT <n>`` that is not the last (RFC 3030 §2)."""
    return reply(250, text.bdat_received(nbytes))


def bdat_queued(nbytes: int) -> Reply:
    """The 250 to ``BDAT <n> LAST`` (RFC 3030 §2)."""
    return reply(250, text.bdat_queued(nbytes))


def token(context: str, version: int) -> str:
    """The server's configuration token / qhlo-id for a security context ("plain" or "tls")
    and configuration version (1, or 2 after ``config_changed``). Its secret is taken to be
    the server's host name (an assumption: only the token's length matters here)."""
    return text.config_token(text.SERVER_DOMAIN, version, context)


def capability_list(code: int, first: str, tls_offered: bool, f: Features, context: str,
                    version: int, server: str = "generic") -> Reply:
    """A capability list (EHLO reply, QUICKSTART greeting or QHLO/520 reply, early-pipelining
    EHLO reply) as the server of ``f``'s variant builds it for a security context, with the
    keywords of the server program ``server`` (``Server.ehlo``)."""
    extra: list[str] = []
    if f.early_pipelining:
        extra.append(text.pipe_connect_keyword(token(context, version)))
    elif f.quickstart is not None:
        extra.append(text.quickstart_keyword(f.quickstart == "full", token(context, version)))
    if f.burl:
        extra.append(text.BURL_KEYWORD)
    return lines_reply(text.capability_lines(code, first, tls_offered, True, tuple(extra),
                                             server))


def greeting(f: Features, version: int, server: str = "generic") -> Reply:
    """The 220 banner: plain (RFC 5321 §4.2), with the capability list (QUICKSTART), or with the
    cleartext configuration token on a second line (early pipelining; under implicit TLS
    too, an assumption: the server's banner does not depend on the port)."""
    if f.quickstart is not None:
        return capability_list(220, text.GREETING, True, f, "plain", version, server)
    if f.early_pipelining:
        return lines_reply(text.early_pipelining_greeting(token("plain", version)))
    return reply(220, text.GREETING)
