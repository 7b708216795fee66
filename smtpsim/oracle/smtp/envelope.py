"""The envelope, the content and QUIT: the MAIL group, AUTH waited for, lock-step, and the end
of the session.

* The MAIL group (RFC 2920 §3.1): ``[head] [AUTH PLAIN] MAIL RCPT x R`` and DATA, or
  ``BDAT <n> LAST`` + the chunk (RFC 3030 §2), or ``BURL <url> LAST`` (RFC 4468 §3.2), and a
  pipelined QUIT unless the group is speculative. A group that rides on a cached token or
  qhlo-id (which the server may refuse) carries no pipelined QUIT: the server never refuses
  QUIT (RFC 5321 §4.1.1.10), so a refused group would close the session. QUIT then follows
  the 250 (with BDAT), or rides with the content after the 354 as usual (with DATA); a group
  sent again after a refusal is not speculative.
* The server (RFC 2920 §3.2, ``smtpsim.oracle.server``) answers a BDAT line only with its
  chunk, and BURL once it has fetched the message (``Script.fetch``, from when it starts
  processing BURL) and spent ``end_of_data``.
* A client with ``Habits.header_chunk_above`` sends a larger message as ``BDAT <h>`` with
  its header section (``text.HEADER_BYTES``), which ends the group (or is an exchange of
  its own in lock-step) and is waited for, then ``BDAT <rest> LAST`` with the rest and a
  pipelined QUIT (Exim ``transport.c internal_transport_write_message``).
* Content after the 354 with the ``CRLF.CRLF`` terminator (RFC 5321 §4.1.1.4), in one write
  whatever the write mode (CPython ``smtplib.SMTP.data`` appends it and sends once); QUIT
  after the 250
  ("wait", "async"), in the content's write ("pipelined"), or none ("drop", ``reuse``).
"""

from __future__ import annotations

from typing import Any

from smtpsim.model import text
from smtpsim.oracle.imap import URL
from smtpsim.oracle.records import Part, Rec, Reply
from smtpsim.oracle.smtp import lines
from smtpsim.oracle.smtp.script import Script
from smtpsim.oracle.steps import Group, Marks

__all__ = ["auth_and_envelope", "finish", "group"]


def group(s: Script, head: list[Rec], refused: Reply | None = None, *,
          speculative: bool = False) -> Group:
    """``head`` (EHLO <token>, QHLO, or nothing) + AUTH PLAIN (in the group) + MAIL +
    RCPT x R + DATA, or BDAT <n> LAST + the chunk, or BURL <url> LAST (+ a pipelined QUIT,
    unless the group is ``speculative``). ``refused``: the server answers the head with it
    (spending ``ehlo``) and every other command with 503 at no cost; a refused BDAT is
    answered, like an accepted one, once its chunk has been read (and dropped; RFC 3030 §2:
    a reply to each chunk)."""
    f, tm, case = s.f, s.tm, s.case
    if refused is not None:
        head = [Rec(r.nbytes, r.label, tm.ehlo, (refused,), reply_overhead=s.oh) for r in head]

    def c(line: str | int, proc: float, reply: Reply, **kw: Any) -> Rec:
        if refused is not None:
            return s.cmd(line, 0.0, lines.REFUSED)
        return s.cmd(line, proc, reply, **kw)

    recs = list(head)
    if s.auth_in_group:
        recs.append(c(text.auth_plain(), tm.auth, lines.AUTH_OK))
    size = case.workload.size
    recs.append(c(text.mail_from(size, f.ehlo), tm.mail, lines.MAIL_OK))
    recs += [c(text.rcpt_to(i), tm.rcpt, lines.RCPT_OK) for i in range(case.workload.recipients)]
    marks: Marks = {}
    if not (f.burl or f.chunking):
        recs.append(c(lines.DATA, tm.data, lines.DATA_GO))
        return Group(recs, sum(len(r.replies) for r in recs), marks, ("mail",))
    if f.burl:  # RFC 4468 §3.2: answered once the server has fetched the message
        recs.append(c(text.burl_last(URL), tm.end_of_data, lines.QUEUED_BURL, fetch=s.fetch))
    elif s.header_chunk:  # the header chunk ends the group; the rest follows (``finish``)
        h = text.HEADER_BYTES
        recs += [s.cmd(text.bdat(h), 0.0, hold=True),
                 s.cmd(h, 0.0, lines.REFUSED if refused is not None else lines.bdat_received(h))]
        return Group(recs, sum(len(r.replies) for r in recs), marks, ("mail",))
    elif refused is not None:  # answered once its chunk is read, like an accepted one
        recs += [s.cmd(text.bdat_last(size), 0.0, hold=True),
                 s.cmd(size, 0.0, lines.REFUSED)]
    else:
        recs += [s.cmd(text.bdat_last(size), 0.0, hold=True),
                 s.cmd(size, tm.end_of_data, lines.bdat_queued(size))]
    expect = sum(len(r.replies) for r in recs)
    if refused is None:
        marks[expect] = ("accept",)
    if f.quit_in_group and not speculative:
        recs.append(c(lines.QUIT, tm.quit, lines.BYE, closes=True))
        expect += 1
        marks[expect] = ("close",)
        s.quit_sent = True
    return Group(recs, expect, marks, ("mail",))


def _auth(s: Script) -> None:
    """AUTH waited for (RFC 4954 §4): PLAIN with its initial response, LOGIN
    (draft-murchison-sasl-login: user name, password) or SCRAM-SHA-256 (RFC 5802 §5:
    client-first, client-final, and the empty response to the server-final message)."""
    f, tm = s.f, s.tm
    if f.auth == "plain":
        s.exchange(s.cmd(text.auth_plain(), tm.auth, lines.AUTH_OK), mark="auth")
    elif f.auth == "login":
        s.exchange(s.cmd(lines.AUTH_LOGIN, 0.0, lines.LOGIN_USER))
        s.exchange(s.cmd(text.LOGIN_USER, 0.0, lines.LOGIN_PASSWORD))
        s.exchange(s.cmd(text.LOGIN_PASSWORD, tm.auth, lines.AUTH_OK), mark="auth")
    else:
        s.exchange(s.cmd(text.SCRAM_CLIENT_FIRST, 0.0, lines.SCRAM_SERVER_FIRST))
        s.exchange(s.cmd(text.SCRAM_CLIENT_FINAL, tm.auth, lines.SCRAM_SERVER_FINAL))
        s.exchange(s.cmd(text.SCRAM_CLIENT_EMPTY, 0.0, lines.AUTH_OK), mark="auth")


def _lock_step(s: Script) -> None:
    """RFC 5321 §4.1 without PIPELINING: every command waits for its reply; BURL and BDAT
    too (BDAT's line and chunk are answered once, RFC 3030 §2)."""
    f, tm, case = s.f, s.tm, s.case
    mail = s.cmd(text.mail_from(case.workload.size, f.ehlo), tm.mail, lines.MAIL_OK)
    s.step([[Part([mail], s.oh)]], 1, on_write=("mail",))
    for i in range(case.workload.recipients):
        s.exchange(s.cmd(text.rcpt_to(i), tm.rcpt, lines.RCPT_OK))
    if f.burl:  # BURL <url> LAST (RFC 4468 §3.2)
        s.exchange(s.cmd(text.burl_last(URL), tm.end_of_data, lines.QUEUED_BURL, fetch=s.fetch),
                   mark="accept")
    elif f.chunking:
        if s.header_chunk:  # BDAT <h> with the header section, waited for
            h = text.HEADER_BYTES
            s.step(s.parts([s.cmd(text.bdat(h), 0.0, hold=True),
                            s.cmd(h, 0.0, lines.bdat_received(h))]), 1)
        _last_chunk(s)
    else:
        s.exchange(s.cmd(lines.DATA, tm.data, lines.DATA_GO))


def _last_chunk(s: Script) -> None:
    """``BDAT <n> LAST`` and the message, or what follows a header chunk (RFC 3030 §2; the
    250 counts every chunk), and a pipelined QUIT."""
    f, tm, size = s.f, s.tm, s.case.workload.size
    n = size - (text.HEADER_BYTES if s.header_chunk else 0)
    last = [s.cmd(text.bdat_last(n), 0.0, hold=True),
            s.cmd(n, tm.end_of_data, lines.bdat_queued(size))]
    marks: Marks = {1: ("accept",)}
    if f.quit_in_group:
        last.append(s.cmd(lines.QUIT, tm.quit, lines.BYE, closes=True))
        marks[2] = ("close",)
        s.quit_sent = True
    s.step(s.parts(last), len(marks), marks=marks)


def auth_and_envelope(s: Script, *, auth: bool = True) -> None:
    """AUTH waited for (unless ``auth`` is off: it was, already), then the envelope: one
    group (RFC 2920) or lock-step (RFC 5321 §4.1), then the content and QUIT."""
    if auth and s.f.auth is not None and not s.auth_in_group:
        _auth(s)
    if s.f.pipelining:  # one group, DATA or the BDAT chunk last (RFC 2920 §3.1)
        s.send(group(s, []))
    else:
        _lock_step(s)
    finish(s)


def finish(s: Script) -> None:
    """The content after the 354 (none with BDAT or BURL) and QUIT (RFC 5321 §4.1.1.10; in
    the content's write when pipelined, RFC 2920 §3.1; none with "drop" or ``reuse``)."""
    f, tm, case = s.f, s.tm, s.case
    quit = s.cmd(lines.QUIT, tm.quit, lines.BYE, closes=True)
    if s.header_chunk and f.pipelining:  # the rest of the message after the header chunk
        _last_chunk(s)
    if not (f.chunking or f.burl):
        content = [s.cmd(case.workload.size + text.TERMINATOR_BYTES, tm.end_of_data,
                         lines.QUEUED)]
        marks: Marks = {1: ("accept",)}
        if f.quit_in_group:
            content.append(quit)
            marks[2] = ("close",)
            s.quit_sent = True
        s.step(s.parts(content), len(marks), marks=marks)
    if (f.quit in ("wait", "async") or f.quit_in_group) and not s.quit_sent \
            and not f.reuse:  # (a pipelined QUIT kept out of a speculative group)
        s.exchange(quit, mark="close")
