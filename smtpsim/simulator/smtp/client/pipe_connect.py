"""Early pipelining as Exim 4.96 does it (PIPE_CONNECT; ``Habits.early_group`` "exim").

Holding a cached EHLO response for the server (here: a token cached for the security
context), Exim's smtp transport (``src/src/transports/smtp.c smtp_setup_conn``) buffers a plain
EHLO without connecting (``sx->early_pipe_active ? SCMD_BUFFER``); the next flush
(``src/src/smtp_out.c flush_buffer``) opens the connection with the buffer as its early data
(``smtp_connect(outblock->conn_args, &early_data)``: with a Fast Open cookie in the SYN, "TFO,
with data", else written once connected). That flush comes with

* AUTH (``auths/get_data.c auth_client_item``: ``SCMD_FLUSH``, then ``smtp_read_response``,
  which first reaps the banner and the EHLO reply, ``smtp_reap_early_pipe``): EHLO + AUTH,
  and the 235 is waited for before the MAIL group;
* STARTTLS (``SCMD_FLUSH``; ``sync_responses(sx, 2, 0)`` reaps banner and EHLO, then its 220);
* else the first BDAT (``smtp_chunk_cmd_callback``: ``SCMD_MORE``, which the connecting flush
  ignores: "We ignore the more-flag if we're doing a connect with early-data, which means we
  won't get BDAT+data"): EHLO + MAIL + RCPT + ``BDAT n LAST`` (or the header chunk's ``BDAT
  h``) is the first write, commands only, and the body (with a pipelined QUIT) a second one,
  sent once the connection is up; or DATA (``SCMD_FLUSH``), whose 354 is waited for.

After STARTTLS the cached TLS-context response is used only if the cleartext one was ("For
STARTTLS allow for cleartext early-pipe but no crypted early-pipe, but not the reverse"; on
implicit TLS the TLS-context one alone): EHLO is buffered again and EHLO + MAIL + RCPT +
BDAT + body + QUIT go as one TLS write behind the client's Finished (``tls_write`` corks
what is written with "more" until the flush), or EHLO + AUTH with the 235 waited for.

Nothing is refused: the server checks no token, and an EHLO reply that differs from the cache
only rewrites it (``smtp_reap_early_pipe``: "EHLO ... extensions changed", then
``write_ehlo_cache_entry``, "just carry on"). A reply as cached does not rewrite the entry,
whose age therefore runs from the connection that last wrote it. Without a cached response
the client runs the standard dialogue, AUTH waited for (``Habits.auth_in_group``).
"""

from __future__ import annotations

from typing import Any

from smtpsim.model import text
from smtpsim.simulator.content import Content
from smtpsim.simulator.smtp.client.base import Proc
from smtpsim.simulator.smtp.client.standard import Standard
from smtpsim.simulator.smtp.messages import Command, Reply

__all__ = ["PipeConnect"]


class PipeConnect(Standard):
    """Exim's early pipelining start of ``SmtpClient``."""

    def _pipe_connect(self) -> Proc:
        """Exim's PIPE_CONNECT (see the module docstring)."""
        f = self.f
        if f.implicit_tls:
            yield from self._pipe_connect_tls(self._cached_token("tls") is not None)
            return
        early = self._cached_token("plain") is not None
        if not early:
            yield from self._plain_start()
        elif f.tls is None:
            yield from self._pipe_connect_cleartext()
            return
        else:
            self._enter("ehlo")
            yield from self._early_hello([Command("STARTTLS", "STARTTLS")], [220], "plain")
        if f.tls is None:
            yield from self._auth_waited()
            self._enter("envelope")
            yield from self._envelope([], [])
            return
        if not early:
            self._enter("tls")
            yield from self._exchange([Command("STARTTLS", "STARTTLS")], [220])
        yield from self._pipe_connect_tls(early and self._cached_token("tls") is not None)

    def _early_hello(self, rest: list[Any], codes: list[int], context: str) -> Proc:
        """EHLO + ``rest`` as the write that opens the connection; the banner, the EHLO reply
        (compared with the cache) and one reply per code of ``codes``."""
        rec = self.record
        self._send([self._hello(), *rest])
        self._enter("greeting")
        yield from self._expect(220)
        rec.greeting_s = self.now()
        self._enter("ehlo")
        yield from self._reap_ehlo(context)
        for code in codes:
            yield from self._expect(code)

    def _reap_ehlo(self, context: str) -> Proc:
        """The reply to an early EHLO: a list other than the cached one rewrites the cache
        and the session carries on (``smtp_reap_early_pipe``)."""
        r = yield from self._expect(250)
        self._carry_on(r, context)

    def _carry_on(self, reply: Reply, context: str) -> None:
        """Record the cached response's use (``token_hit``: the reply is as cached) and, on a
        difference, rewrite the cache (``write_ehlo_cache_entry``); an unchanged reply leaves
        the entry's age as it was."""
        rec, cached = self.record, self._cached_token(context)
        hit = cached is not None and any(text.pipe_connect_keyword(cached) in line
                                         for line in reply.lines)
        rec.token_hit = hit if not rec.token_offered else rec.token_hit and hit
        rec.token_offered = True
        if not hit:
            self._learn_token(reply, context)

    def _auth_waited(self) -> Proc:
        """AUTH and its 235 before the MAIL group (``auth_client_item``), if the variant
        authenticates."""
        if self.f.auth is not None:
            self._enter("auth")
            yield from self._auth()
            self.record.auth_s = self.now()

    def _pipe_connect_cleartext(self) -> Proc:
        """Cleartext on a cached response: EHLO + AUTH, the 235 waited for, then the MAIL
        group; or EHLO + MAIL + RCPT + BDAT (commands only: the connecting write), the body
        and a pipelined QUIT as a second write (with DATA: EHLO + MAIL + RCPT + DATA)."""
        rec = self.record
        if self.f.auth is not None:
            self._enter("ehlo")
            yield from self._early_hello([self._auth_plain()], [235], "plain")
            rec.auth_s = self.now()
            self._enter("envelope")
            yield from self._envelope([], [])
            return
        self._enter("envelope")
        items, codes, accept, timeout = self._group([self._hello()], [250])
        cut = next((i for i, item in enumerate(items) if isinstance(item, Content)),
                   len(items))
        self._send(items[:cut])
        if cut < len(items):
            self._send(items[cut:])
        rec.mail_s = self.now()
        yield from self._expect(220)
        rec.greeting_s = self.now()
        replies = yield from self._run_group(items, codes, accept, timeout, sent=True)
        self._carry_on(replies[0], "plain")
        yield from self._after_group()

    def _pipe_connect_tls(self, early: bool) -> Proc:
        """The TLS handshake and what follows it. ``early``: on a cached TLS-context response,
        EHLO + MAIL + RCPT + BDAT + body + QUIT behind the client's Finished (or EHLO +
        AUTH, the 235 waited for, then the MAIL group); else EHLO behind the Finished where
        data may follow it, and its reply waited for. With implicit TLS the banner comes
        after the handshake (read first; not waited for before the early write)."""
        f, rec = self.f, self.record
        self._enter("tls")
        group: tuple[list[Any], list[int], int, float] | None = None
        if not early:
            plan = [self._hello()] if not f.implicit_tls or f.half_rtt_banner else []
        elif f.auth is not None:
            plan = [self._hello(), self._auth_plain()]
        else:
            group = self._group([self._hello()], [250])
            plan = group[0]
        sent = yield from self._tls(plan)
        written = self._early_at
        if plan and not sent and not f.implicit_tls:  # after a full TLS 1.2 handshake
            self._send(plan)
            written = self.now()
        if f.implicit_tls:
            # after a full TLS 1.2 handshake the banner came with the server's Finished, and
            # the early write follows it (the model's implicit-TLS assumption, as the
            # generic schedule's: ``Features.banner_rides_last_flight``)
            self._enter("greeting")
            yield from self._expect(220)
            rec.greeting_s = self.now()
            if plan and not sent:
                self._send(plan)
                written = self.now()
        if group is not None:
            rec.mail_s = written
            self._enter("envelope")
            replies = yield from self._run_group(*group, sent=True)
            self._carry_on(replies[0], "tls")
            yield from self._after_group()
            return
        self._enter("ehlo")
        if early:
            yield from self._reap_ehlo("tls")
            self._enter("auth")
            yield from self._expect(235)
            rec.auth_s = self.now()
        else:
            if plan:  # EHLO went behind the Finished
                r = yield from self._expect(250)
            else:
                (r,) = yield from self._exchange([self._hello()], [250])
            self._learn_token(r, "tls")
            yield from self._auth_waited()
        self._enter("envelope")
        yield from self._envelope([], [])
