"""Send-and-save and BURL on the client's side: the message APPENDed to Sent over the client's
IMAP session (RFC 3501 §6.3.11), and, for BURL (RFC 4468), the URLAUTH URL the MAIL group
carries (GENURLAUTH, RFC 4467 §7.2), with NOOP keep-alives while the group waits for it."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from smtpsim.model.timers import NOOP_INTERVAL_S
from smtpsim.simulator.smtp.client.base import Abort, Proc
from smtpsim.simulator.smtp.client.dialogue import Dialogue
from smtpsim.simulator.smtp.messages import Command, Reply

__all__ = ["Burl"]


class Burl(Dialogue):
    """The IMAP side of ``SmtpClient``."""

    def _save(self) -> Proc:
        """Send-and-save: APPEND to Sent over the client's IMAP session (on the same access
        links as SMTP; a cold one pipelines its AUTHENTICATE with the APPEND when
        ``imap_pipelined``); with BURL, then GENURLAUTH for the URL the MAIL group will
        carry, once APPEND's OK has given the UID it names."""
        f, rec = self.f, self.record
        imap = self.open_imap()
        self.imap_connections.append(imap.connection)
        try:
            uid = yield from imap.append(self.size, f.literal_plus, f.imap_pipelined)
            rec.saved_s = self.now()
            self._saved_path = self._path_now(imap.socket)
            if f.burl:
                url = yield from imap.genurlauth(uid)
                self._imap_cause = imap.socket.cause()
                self.burl_url.succeed(url)
            else:
                self._imap_cause = imap.socket.cause()
        except ConnectionError:
            self._imap_cause = imap.socket.cause()
            if not self.burl_url.triggered:
                self.burl_url.succeed(None)

    def _await_url(self, greeting_unread: bool = False) -> Generator[Any, Any, Reply | None]:
        """BURL needs the URL before the MAIL group can go (RFC 4468 §3.4). While a long
        APPEND uploads, the open session would hit the server's idle timeout (RFC 5321
        §4.5.3.2.7: 5 min), so the client keeps it alive with NOOP (§4.1.1.9)
        ``NOOP_INTERVAL_S`` after the group was due and after each NOOP's answer.

        ``greeting_unread``: the group was to go before the greeting (a cached token or
        qhlo-id); a NOOP may only follow the greeting, so the client reads it first (it
        came long before) and returns it; otherwise None.

        A URL the group waited for is its cause (``smtpsim.simulator.tcp.causes``); one
        that came during a NOOP's exchange is not: the NOOP's answer came later."""
        greeting = None
        if not self.f.burl:
            return greeting
        while not self.burl_url.triggered:
            yield self.burl_url | self.env.timeout(NOOP_INTERVAL_S)
            if self.burl_url.triggered:
                if self._imap_cause is not None:
                    self.socket.caused_by(self._imap_cause)
            elif self.socket.is_established():
                if greeting_unread and greeting is None:
                    greeting = yield from self._read()
                    self.record.greeting_s = self.socket.arrived_s - self.start_s
                yield from self._exchange([Command("NOOP", "NOOP")], [250])
        if self.burl_url.value is None:
            raise Abort("failed")
        return greeting

    def _url(self) -> str:
        """BURL's URL, once GENURLAUTH has answered (``_await_url``). A group built on a
        cached token when the save had already failed names no message (``"None"``); the
        server's fetch does not check it. Known gap, kept as it was."""
        return str(self.burl_url.value)
