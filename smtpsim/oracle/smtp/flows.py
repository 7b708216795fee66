"""The ways a session starts: the standard dialogue, implicit TLS, QUICKSTART and early
pipelining on a cached token, the model's or Exim's (``smtpsim.oracle.smtp.pipe_connect``)
(see ``smtpsim.oracle.closed_form`` for their round trips).

Each flow adds its steps to a ``Script`` and ends with the envelope, the content and QUIT
(``smtpsim.oracle.smtp.envelope``).
"""

from __future__ import annotations

from collections.abc import Callable

from smtpsim.model import Case, text
from smtpsim.oracle.client_state import Start
from smtpsim.oracle.domain import Timing
from smtpsim.oracle.records import Rec, Reply
from smtpsim.oracle.smtp import lines
from smtpsim.oracle.smtp.envelope import auth_and_envelope, finish, group
from smtpsim.oracle.smtp.pipe_connect import pipe_connect, pipe_connect_tls
from smtpsim.oracle.smtp.script import Script
from smtpsim.oracle.smtp.tls import handshake
from smtpsim.oracle.steps import Group, merge, shift

__all__ = ["build"]


def build(case: Case, st: Start, timing: Timing,
          fetch: Callable[[float], float] | None = None) -> Script:
    """The client's script for ``case`` (its ``steps``), for a client holding ``st``."""
    s = Script(case, st, timing, fetch)
    f = s.f
    if s.habits.pipe_connect(f) and st.cached:
        if f.implicit_tls:
            pipe_connect_tls(s, banner=True)
        else:
            pipe_connect(s)
    elif f.implicit_tls:
        _implicit(s)
    elif f.quickstart is not None:
        _quickstart(s)
    elif f.early_pipelining and st.cached:
        _early_pipelining(s)
    else:
        _standard(s)
    return s


def _ehlo_after_tls(s: Script) -> Group:
    """EHLO (or HELO) in the TLS context, answered with the list."""
    return Group([s.cmd(s.ehlo_text, s.tm.ehlo, s.tls_list())], 1)


def _standard(s: Script) -> None:
    """RFC 5321 with the extensions of RFC 2920, 3030, 3207, 4954; early pipelining with
    nothing cached (its EHLO replies carry the tokens)."""
    f, tm = s.f, s.tm
    s.step([], 1, marks={1: ("greeting",)})
    first = s.plain_list() if f.ehlo else lines.HELO_OK
    s.exchange(s.cmd(s.ehlo_text, tm.ehlo, first))
    if f.tls is not None:
        s.exchange(s.cmd(lines.STARTTLS, tm.starttls, lines.STARTTLS_READY))
        handshake(s, ride=lambda: _ehlo_after_tls(s), setup=s.case.client.tls_setup_s)
    auth_and_envelope(s)


def _implicit(s: Script) -> None:
    """RFC 8314 §3: TLS first, the banner when the handshake is done (or as 0.5-RTT data);
    early pipelining's group follows the client Finished."""
    f, tm, st = s.f, s.tm, s.st
    half = f.banner_half_rtt
    banner = None if half else s.greeting
    if f.early_pipelining and st.cached:
        def ride() -> Group:
            refuse = s.tls_list(520, text.STALE_TOKEN) if st.stale else None
            ehlo = s.cmd(text.ehlo_with_token(lines.token("tls", 1)), tm.ehlo, s.tls_list())
            return group(s, [ehlo], refuse, speculative=True)

        handshake(s, ride=ride, after_fin=banner, after_fin_mark="greeting",
                  half_rtt_banner=half)
        if st.stale:
            s.send(group(s, [s.cmd(text.ehlo_with_token(lines.token("tls", st.version)),
                                   tm.ehlo, s.tls_list())]))
        finish(s)
        return
    if half:
        handshake(s, ride=lambda: _ehlo_after_tls(s), half_rtt_banner=True)
    else:
        handshake(s, after_fin=banner, after_fin_mark="greeting")
        s.exchange(s.cmd(s.ehlo_text, tm.ehlo, s.tls_list()))
    auth_and_envelope(s)


def _qhlo(s: Script, context: str | None, version: int = 1, reply: Reply = lines.QHLO_OK
          ) -> Rec:
    """QHLO, with the cached qhlo-id of ``context`` or (``context`` None) without one."""
    token = lines.token(context, version) if context is not None else None
    return s.cmd(text.qhlo(token), s.tm.ehlo, reply)


def _quickstart(s: Script) -> None:
    """draft-fanf-smtp-quickstart-01 (-a basic, -b full)."""
    f, st = s.f, s.st
    qtls = Rec(text.line_bytes(lines.QTLS), lines.QTLS)  # no reply: the ClientHello follows
    if f.tls is None:
        _quickstart_cleartext(s)
    elif st.cached:  # full profile: QTLS + ClientHello without waiting for the greeting
        def ride() -> Group:
            refuse = s.tls_list(520, text.STALE_QHLO) if st.stale else None
            return group(s, [_qhlo(s, "tls")], refuse, speculative=True)

        handshake(s, prefix=(qtls,), before=1, before_marks={1: ("greeting",)}, ride=ride)
        if st.stale:  # the 520 carried the current list and id
            s.send(group(s, [_qhlo(s, "tls", st.version)]))
    elif f.quickstart == "basic":
        s.step([], 1, marks={1: ("greeting",)})
        handshake(s, prefix=(qtls,), after_fin=s.tls_list(220, text.GREETING))
        s.send(group(s, [_qhlo(s, None)]))
    else:  # full profile, nothing cached: QHLO alone after TLS, for the list and its id
        s.step([], 1, marks={1: ("greeting",)})
        handshake(s, prefix=(qtls,),
                  ride=lambda: Group([_qhlo(s, None, reply=s.tls_list())], 1))
        s.send(group(s, []))
    finish(s)


def _quickstart_cleartext(s: Script) -> None:
    """QUICKSTART without TLS: QHLO <id> + the group at connection start with a cached id,
    else QHLO + the group after the greeting."""
    f, st = s.f, s.st
    if st.cached:
        g = group(s, [_qhlo(s, "plain")], lines.STALE_QHLO if st.stale else None,
                  speculative=True)
        s.step(s.parts(g.recs), 1 + g.expect, marks=merge({1: ("greeting",)}, shift(g.marks, 1)),
               on_write=g.on_write)
        if st.stale:  # the greeting named the current id
            s.send(group(s, [_qhlo(s, "plain", st.version)]))
    else:
        s.step([], 1, marks={1: ("greeting",)})
        reply = lines.QHLO_OK if f.quickstart == "basic" else s.plain_list()
        s.send(group(s, [_qhlo(s, None, reply=reply)]))


def _early_pipelining(s: Script) -> None:
    """draft-harris-early-pipe with a cached token (``Features.early_pipelining``)."""
    f, tm, st = s.f, s.tm, s.st

    def ehlo_tok(context: str, version: int, reply: Reply) -> Rec:
        return s.cmd(text.ehlo_with_token(lines.token(context, version)), tm.ehlo, reply)

    if f.tls is None:
        g = group(s, [ehlo_tok("plain", 1, s.plain_list())],
                  lines.STALE_TOKEN if st.stale else None, speculative=True)
        s.step(s.parts(g.recs), 1 + g.expect, marks=merge({1: ("greeting",)}, shift(g.marks, 1)),
               on_write=g.on_write)
        if st.stale:  # the greeting named the current token
            s.send(group(s, [ehlo_tok("plain", st.version, s.plain_list())]))
    elif st.stale:
        recs = [ehlo_tok("plain", 1, lines.STALE_TOKEN),
                s.cmd(lines.STARTTLS, 0.0, lines.REFUSED)]
        s.step(s.parts(recs), 3, marks={1: ("greeting",)})
        recs = [ehlo_tok("plain", st.version, s.plain_list()),
                s.cmd(lines.STARTTLS, tm.starttls, lines.STARTTLS_READY)]
        s.step(s.parts(recs), 2)
        # the refusal flushed the cache: no TLS-context token, EHLO waited for
        handshake(s, ride=lambda: _ehlo_after_tls(s), setup=s.case.client.tls_setup_s)
        s.send(group(s, []))
    else:
        recs = [ehlo_tok("plain", 1, s.plain_list()),
                s.cmd(lines.STARTTLS, tm.starttls, lines.STARTTLS_READY)]
        s.step(s.parts(recs), 3, marks={1: ("greeting",)})
        handshake(s, ride=lambda: group(s, [ehlo_tok("tls", 1, s.tls_list())],
                                        speculative=True), setup=s.case.client.tls_setup_s)
    finish(s)
