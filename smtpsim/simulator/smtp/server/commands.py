"""What the submission server does with each command: a table from verb to handler.

Supported: EHLO/HELO (RFC 5321 §4.1.1.1), QHLO and QTLS (draft-fanf-smtp-quickstart-01 §5, §6),
STARTTLS (RFC 3207: 220, handshake, state reset), AUTH PLAIN with or without initial
response, LOGIN and SCRAM-SHA-256 (RFC 4954 §4; SCRAM's server-final message is sent as a 334
challenge that the client answers with an empty line, then 235), MAIL, RCPT, DATA (RFC 5321
§4.1.1.2-4), BDAT (RFC 3030 §2), BURL (RFC 4468), NOOP (§4.1.1.9), QUIT (§4.1.1.10).

Each handler answers through the session (``ServerSession.say``: buffered for the group's
write, or written line by line) and returns whether the session goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from smtpsim.model import text
from smtpsim.simulator.content import Content
from smtpsim.simulator.smtp.messages import BurlCommand, Command, Reply, capability_reply, reply
from smtpsim.simulator.smtp.messages import ehlo_reply as _ehlo_reply

if TYPE_CHECKING:
    from smtpsim.simulator.smtp.server.session import ServerSession

__all__ = ["COMMANDS", "unknown"]

Handler = Callable[["ServerSession", Command], Generator[Any, Any, bool]]


def ehlo(s: ServerSession, cmd: Command) -> Generator[Any, Any, bool]:
    """EHLO (the capability list) or HELO; an early EHLO presenting a stale configuration
    token is refused (the modelling device of ``Features.early_pipelining``)."""
    yield from s.spend(s.timing.ehlo)
    s.refusing = False
    context = s.context()
    words = cmd.text.split()
    if len(words) > 2 and words[2] != f"TOKEN={s.frontend.token(context)}":
        s.refuse_stale(context, text.STALE_TOKEN)  # sent on a stale cached configuration
    elif cmd.verb == "EHLO":
        s.say(_ehlo_reply(not s.channel.tls, True, s.keywords(context), s.frontend.ehlo))
    else:
        s.say(reply(250, text.HELO_OK))
    return True


def qhlo(s: ServerSession, cmd: Command) -> Generator[Any, Any, bool]:
    """QHLO (quickstart-01 §5): with a valid qhlo-id, or with the basic profile, a bare 250
    (the list is known already); without an id, the list with the id to cache; a stale id
    is refused (§8)."""
    yield from s.spend(s.timing.ehlo)
    s.refusing = False
    context = s.context()
    words = cmd.text.split()
    if len(words) > 2 and words[2] != s.frontend.token(context):
        s.refuse_stale(context, text.STALE_QHLO)
    elif len(words) > 2 or s.offer.quickstart == "basic":
        s.say(reply(250, text.SERVER_DOMAIN))
    else:
        s.say(capability_reply(250, text.ehlo_domain(s.frontend.ehlo), not s.channel.tls,
                               extra=s.keywords(context), server=s.frontend.ehlo))
    return True


def qtls(s: ServerSession, cmd: Command) -> Generator[Any, Any, bool]:
    """QTLS (quickstart-01 §6): no reply; the handshake starts at once. The basic profile
    then re-greets with the list (-a); the full one waits for QHLO (-b)."""
    if (yield from s.start_tls()) not in ("", "early"):
        return False
    if s.offer.quickstart == "basic":
        s.say(s.banner())
    return True


def starttls(s: ServerSession, cmd: Command) -> Generator[Any, Any, bool]:
    """STARTTLS (RFC 3207 §4): 220, then the handshake."""
    yield from s.spend(s.timing.starttls)
    s.say(reply(220, text.STARTTLS_READY))
    return (yield from s.start_tls()) in ("", "early")


def auth(s: ServerSession, cmd: Command) -> Generator[Any, Any, bool]:
    """AUTH (RFC 4954 §4): PLAIN with an initial response answers at once; PLAIN without
    one, LOGIN and SCRAM-SHA-256 queue the steps their continuation lines answer."""
    words = cmd.text.split()
    mechanism, has_ir = words[1], len(words) > 2
    ok = reply(235, text.AUTH_OK)
    timing = s.timing
    if mechanism == "PLAIN" and has_ir:
        yield from s.spend(timing.auth)
        s.say(ok)
    elif mechanism == "PLAIN":
        s.say(Reply(334, [text.reply_line(334, text.PLAIN_CHALLENGE)]))
        s.auth_steps = [(timing.auth, ok)]
    elif mechanism == "LOGIN":  # draft-murchison-sasl-login: Username, Password
        s.say(reply(334, text.LOGIN_USER_PROMPT))
        s.auth_steps = [(0.0, reply(334, text.LOGIN_PASSWORD_PROMPT)), (timing.auth, ok)]
    else:  # SCRAM-SHA-256 (RFC 5802 §5, RFC 7677): server-first, then server-final
        s.say(reply(334, text.SCRAM_SERVER_FIRST))
        s.auth_steps = [(timing.auth, reply(334, text.SCRAM_SERVER_FINAL)), (0.0, ok)]
    return True


def mail(s: ServerSession, cmd: Command) -> Generator[Any, Any, bool]:
    yield from s.spend(s.timing.mail)
    s.say(reply(250, text.MAIL_OK))
    return True


def rcpt(s: ServerSession, cmd: Command) -> Generator[Any, Any, bool]:
    yield from s.spend(s.timing.rcpt)
    s.say(reply(250, text.RCPT_OK))
    return True


def data(s: ServerSession, cmd: Command) -> Generator[Any, Any, bool]:
    """DATA: 354; the content follows, answered at its terminator (``ServerSession.run``)."""
    yield from s.spend(s.timing.data)
    s.say(reply(354, text.DATA_GO))
    return True


def bdat(s: ServerSession, cmd: Command) -> Generator[Any, Any, bool]:
    """BDAT <n> [LAST] (RFC 3030 §2): the chunk follows its command; the 250 answers both. A
    chunk that is not the last is kept at no cost ("250 <n> octets received"); the LAST one
    completes the message (``end_of_data``), whose 250 counts every chunk's bytes."""
    chunk = yield from s.socket.recv_within(s.idle_timeout)
    if not isinstance(chunk, Content):
        return False
    s.chunked += chunk.nbytes
    if not cmd.text.endswith(" LAST"):
        s.say(reply(250, text.bdat_received(chunk.nbytes)))
        return True
    total, s.chunked = s.chunked, 0
    yield from s.end_of_data(text.bdat_queued(total))
    return True


def burl(s: ServerSession, cmd: Command) -> Generator[Any, Any, bool]:
    """BURL <url> LAST (RFC 4468 §3.4, §5): resolve the URL (URLFETCH from the IMAP server)
    before replying; the final 250 includes the fetch. A failed fetch is 554 (§6)."""
    fetcher = s.frontend.fetcher
    if fetcher is None:
        s.say(reply(502, text.BURL_UNAVAILABLE))
        return True
    assert isinstance(cmd, BurlCommand)
    try:
        yield from fetcher.fetch(cmd.text.split()[1], cmd.size)
    except ConnectionError:
        s.say(reply(554, text.BURL_FAILED))
    else:
        yield from s.end_of_data(text.QUEUED_BURL)
    return True


def noop(s: ServerSession, cmd: Command) -> Generator[Any, Any, bool]:
    """NOOP (RFC 5321 §4.1.1.9)."""
    s.say(reply(250, text.NOOP_OK))
    return True
    yield  # a handler is a generator


def quit_(s: ServerSession, cmd: Command) -> Generator[Any, Any, bool]:
    """QUIT (RFC 5321 §4.1.1.10): 221, then the server closes.

    With ``quit_linger_s`` (``Server.quit_linger_s``) the server first waits for the client's
    FIN, as Exim 4.96 ``smtp_quit_handler`` does: ``setsockopt(..., EXIM_TCP_CORK, &on ...)``,
    the 221, ``tls_close(NULL, TLS_SHUTDOWN_WAIT)``, then "Pause, hoping client will FIN
    first so that they get the TIME_WAIT": ``poll_one_fd(fileno(smtp_in), POLLIN, 200)``, and
    the close. In cleartext the corked socket holds the 221 and what was buffered with it (the
    250 of a pipelined end of data) until the close uncorks it: when the FIN (or any input)
    arrives, or the wait ends. Under TLS the 221 leaves at once (measured: 160 us) and only
    the server's FIN waits. A FIN that came before is read at once."""
    yield from s.spend(s.timing.quit)
    bye = reply(221, text.BYE)
    linger = s.frontend.quit_linger_s
    if linger <= 0.0 or s.socket.peer_closed():
        s.say(bye)
        s.flush()
        return False
    if s.channel.tls:
        s.say(bye)
        s.flush()
    else:  # corked: the 221 joins what is buffered, written at the close
        s.pending.append(bye)
    yield from s.socket.recv_within(linger)
    s.flush()
    return False


def unknown(s: ServerSession, cmd: Command) -> Generator[Any, Any, bool]:
    s.say(reply(502, text.UNKNOWN_COMMAND))
    return True
    yield  # a handler is a generator


COMMANDS: dict[str, Handler] = {
    "EHLO": ehlo, "HELO": ehlo, "QHLO": qhlo, "QTLS": qtls, "STARTTLS": starttls,
    "AUTH": auth, "MAIL": mail, "RCPT": rcpt, "DATA": data, "BDAT": bdat, "BURL": burl,
    "NOOP": noop, "QUIT": quit_,
}
"""The verbs the server knows; any other gets 502 (``unknown``)."""
