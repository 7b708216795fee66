"""Exim 4.96's early pipelining (PIPE_CONNECT; ``Habits.early_group`` "exim") with a cached
EHLO response, in the client's script (see ``smtpsim.oracle.closed_form`` for its round
trips).

Exim's smtp transport (``src/src/transports/smtp.c smtp_setup_conn``) buffers a plain EHLO
(no token: the server checks none and refuses nothing) and the next flush
(``src/src/smtp_out.c flush_buffer``) opens the connection with the buffer as its data: in
the SYN with a Fast Open cookie ("TFO, with data"), else once connected. That flush is AUTH's
(``auths/get_data.c auth_client_item``, whose 235 is read after the banner and the EHLO reply:
``smtp_reap_early_pipe``), STARTTLS's, DATA's, or the first BDAT's, whose more-flag the
connecting flush ignores ("We ignore the more-flag if we're doing a connect with early-data,
which means we won't get BDAT+data"): the commands are the first write and the body (with a
pipelined QUIT) a second one. Behind the TLS Finished (STARTTLS after an early cleartext
start, or implicit TLS) EHLO + MAIL + RCPT + BDAT + body + QUIT is one TLS write
(``tls_write`` corks what comes with "more"), or EHLO + AUTH, waited for. A stale cache costs
nothing: an EHLO reply other than the cached one only rewrites the cache ("just carry on").
"""

from __future__ import annotations

from smtpsim.model import text
from smtpsim.oracle.records import Part
from smtpsim.oracle.smtp import lines
from smtpsim.oracle.smtp.envelope import auth_and_envelope, finish, group
from smtpsim.oracle.smtp.script import Script
from smtpsim.oracle.smtp.tls import handshake
from smtpsim.oracle.steps import Group, merge, shift

__all__ = ["pipe_connect", "pipe_connect_tls"]


def pipe_connect(s: Script) -> None:
    """STARTTLS or cleartext on a cached response (implicit TLS: :func:`pipe_connect_tls`)."""
    f, tm = s.f, s.tm
    ehlo = s.cmd(s.ehlo_text, tm.ehlo, s.plain_list())
    if f.tls is not None:  # EHLO + STARTTLS opens the connection; banner, 250, 220
        recs = [ehlo, s.cmd(lines.STARTTLS, tm.starttls, lines.STARTTLS_READY)]
        s.step(s.parts(recs), 3, marks={1: ("greeting",)})
        pipe_connect_tls(s)
        return
    if f.auth is not None:  # EHLO + AUTH; banner, 250, 235; then the MAIL group
        auth = s.cmd(text.auth_plain(), tm.auth, lines.AUTH_OK)
        s.step(s.parts([ehlo, auth]), 3, marks={1: ("greeting",), 3: ("auth",)})
        auth_and_envelope(s, auth=False)
        return
    g = group(s, [ehlo])
    s.step(_commands_first(s, g), 1 + g.expect,
           marks=merge({1: ("greeting",)}, shift(g.marks, 1)), on_write=g.on_write)
    finish(s)


def pipe_connect_tls(s: Script, *, banner: bool = False) -> None:
    """The handshake (after STARTTLS's 220, ``Client.tls_setup_s`` later; or, ``banner``,
    implicit TLS, whose banner the server writes when it reads the Finished), and behind the
    client's Finished EHLO + MAIL ... + body + QUIT, or EHLO + AUTH with the 235 waited for,
    then the MAIL group."""
    f, tm = s.f, s.tm

    def ride() -> Group:
        ehlo = s.cmd(s.ehlo_text, tm.ehlo, s.tls_list())
        if f.auth is None:
            return group(s, [ehlo])
        auth = s.cmd(text.auth_plain(), tm.auth, lines.AUTH_OK)
        return Group([ehlo, auth], 2, {2: ("auth",)})

    if banner:
        half = f.banner_half_rtt
        handshake(s, ride=ride, after_fin=None if half else s.greeting,
                  after_fin_mark="greeting", half_rtt_banner=half)
    else:
        handshake(s, ride=ride, setup=s.case.client.tls_setup_s)
    if f.auth is not None:
        auth_and_envelope(s, auth=False)
    else:
        finish(s)


def _commands_first(s: Script, g: Group) -> list[list[Part]]:
    """The group's commands as the connecting write, the BDAT chunk (and what follows it: a
    pipelined QUIT) as a second write; with DATA the group is commands only, one write."""
    cut = next((i + 1 for i, r in enumerate(g.recs) if r.hold), len(g.recs))
    writes = [[Part(g.recs[:cut], s.oh)]]
    if cut < len(g.recs):
        writes.append([Part(g.recs[cut:], s.oh)])
    return writes
