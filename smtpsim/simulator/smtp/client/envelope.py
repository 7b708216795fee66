"""The envelope and the message: MAIL, RCPT, then DATA and the content, BDAT <n> LAST with the
chunk (RFC 3030), or BURL <url> LAST (RFC 4468); pipelined as one group (RFC 2920 §3.1: DATA,
BDAT LAST, BURL LAST or QUIT may only end a group) or lock-step (RFC 5321 §4.1); and a
pipelined QUIT.

A client with ``Habits.header_chunk_above`` sends a larger message as two chunks (RFC 3030
§2): ``BDAT <h>`` with the header section (``text.HEADER_BYTES``) ends the group (or is an
exchange of its own in lock-step), its replies are waited for, then ``BDAT <rest> LAST``
with the rest (and a pipelined QUIT) follows (Exim ``transport.c
internal_transport_write_message``: "sending small initial BDAT", ``chunk_cb(tctx, 0,
tc_reap_prev)``)."""

from __future__ import annotations

from typing import Any

from smtpsim.model import text
from smtpsim.model.timers import REPLY_TIMEOUT_S
from smtpsim.simulator.content import Content
from smtpsim.simulator.smtp.client.base import Proc
from smtpsim.simulator.smtp.client.burl import Burl
from smtpsim.simulator.smtp.messages import BurlCommand, Command, mail_from, rcpt_to

__all__ = ["Envelope"]


class Envelope(Burl):
    """The message transaction of ``SmtpClient``."""

    def _content(self, data: bool) -> list[Content]:
        """The message as written: DATA adds the ``CRLF.CRLF`` terminator (3 bytes after a
        body ending in CRLF, RFC 5321 §4.1.1.4), in the body's write whatever the write mode:
        real clients append it (CPython ``smtplib.SMTP.data``: ``q = q + b"." + bCRLF;
        self.send(q)``; swaks and Exim likewise)."""
        size = self.size
        if not data:
            if self._header_chunk():
                return [Content(size - text.HEADER_BYTES, text.body(size - text.HEADER_BYTES))]
            return [Content(size, text.body(size))]
        return [Content(size + text.TERMINATOR_BYTES, text.body(size, terminator=True))]

    def _header_chunk(self) -> bool:
        """The message goes as a header chunk, then the rest (``Habits.header_chunk``)."""
        return self.habits.header_chunk(self.size, self.f.chunking and not self.f.burl)

    def _first_chunk(self) -> list[Any]:
        """``BDAT <h>`` and the header section (RFC 3030 §2: not the last chunk)."""
        h = text.HEADER_BYTES
        return [Command("BDAT", text.bdat(h)), Content(h, text.body(h), last=False)]

    def _last_chunk(self) -> list[Any]:
        """``BDAT <n> LAST`` and the message, or what follows the header chunk."""
        n = self.size - (text.HEADER_BYTES if self._header_chunk() else 0)
        return [Command("BDAT", text.bdat_last(n)), *self._content(False)]

    def _group(
        self, prefix: list[Any], prefix_codes: list[int], with_quit: bool = True
    ) -> tuple[list[Any], list[int], int, float]:
        """The pipelined group that carries the envelope: ``prefix`` + MAIL + RCPT x R + DATA,
        or + BDAT <n> LAST + the chunk (+ QUIT when it is pipelined too, unless
        ``with_quit`` is off). Returns the items, the reply codes expected, the index of the
        message's final 250 (-1 with DATA: the message comes after the 354) and the reply
        timeout."""
        f = self.f
        pipelined_quit = f.quit_in_group and with_quit
        items: list[Any] = [*prefix, mail_from(self.size, f.ehlo)]
        items += [rcpt_to(i) for i in range(self.recipients)]
        codes = [*prefix_codes] + [250] * (1 + self.recipients)
        if f.burl:  # RFC 4468 §3.4: MAIL + RCPT + BURL <url> LAST in one group
            items.append(BurlCommand(self._url(), self.size))
        elif not f.chunking:
            return [*items, Command("DATA", "DATA")], [*codes, 354], -1, REPLY_TIMEOUT_S["DATA"]
        elif self._header_chunk():  # the rest follows the replies (``_after_group``)
            return [*items, *self._first_chunk()], [*codes, 250], -1, REPLY_TIMEOUT_S["default"]
        else:
            items += self._last_chunk()
        codes.append(250)
        accept = len(codes) - 1
        if pipelined_quit:
            items.append(Command("QUIT", "QUIT"))
            codes.append(221)
        return items, codes, accept, REPLY_TIMEOUT_S["end"]

    def _after_group(self) -> Proc:
        """After the envelope's group: with DATA, the content and its 250; after a header
        chunk, the rest (with a pipelined QUIT)."""
        self._enter("data")
        if self._header_chunk():
            quit = [Command("QUIT", "QUIT")] if self.f.quit_in_group else []
            yield from self._last_exchange(self._last_chunk() + quit, [250],
                                           [221] if quit else [])
            return
        if not self.f.chunking and not self.f.burl:
            pipelined = self.f.quit_in_group
            quit = [Command("QUIT", "QUIT")] if pipelined else []
            yield from self._last_exchange(self._content(True) + quit, [250], [221] if quit else [])

    def _envelope(self, prefix: list[Any], prefix_codes: list[int]) -> Proc:
        f = self.f
        yield from self._await_url()
        if f.pipelining:
            yield from self._run_group(*self._group(prefix, prefix_codes))
            yield from self._after_group()
            return
        commands: list[Any] = [*prefix, mail_from(self.size, f.ehlo)]
        commands += [rcpt_to(i) for i in range(self.recipients)]
        codes = [*prefix_codes] + [250] * (1 + self.recipients)
        for i, (command, code) in enumerate(zip(commands, codes, strict=True)):
            if i == len(prefix):
                self.record.mail_s = self.now()
            yield from self._exchange([command], [code])
        quit: list[Any] = (
            [Command("QUIT", "QUIT")] if f.quit_in_group else []
        )
        if f.burl:
            self._enter("data")
            burl = [BurlCommand(self._url(), self.size)]
            yield from self._last_exchange(burl + quit, [250], [221] if quit else [])
            return
        if f.chunking:
            self._enter("data")
            if self._header_chunk():
                yield from self._exchange(self._first_chunk(), [250])
            yield from self._last_exchange(self._last_chunk() + quit, [250],
                                           [221] if quit else [])
            return
        yield from self._exchange([Command("DATA", "DATA")], [354], REPLY_TIMEOUT_S["DATA"])
        yield from self._after_group()

    def _quit_after_speculation(self) -> Proc:
        """A pipelined QUIT held back from a speculative group that ended the message (BDAT
        or BURL): it goes now that the group was accepted."""
        f = self.f
        if f.quit_in_group and (f.chunking or f.burl) and not self._header_chunk():
            yield from self._exchange([Command("QUIT", "QUIT")], [221])
