"""A speculative group: commands sent on a cached capability token (a qhlo-id or an early
pipelining token) before the server has confirmed it is still valid.

If the server refuses the token (504 before TLS, 520 with the list after it, 503 for the rest
of the group: quickstart-b §6, §7), the client flushes every list cached for the server
(quickstart-b §5), learns the new token (and again the cleartext list this connection's
greeting carried, which is current) and sends the group again. A group the server accepts
confirms the token it was sent on, whose age restarts (``Caches._note_token``). A group the
server may refuse carries no QUIT: QUIT is never refused (RFC 5321 §4.1.1.10), and the session must
survive the refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smtpsim.model import text
from smtpsim.simulator.smtp.client.base import Abort, Proc
from smtpsim.simulator.smtp.client.envelope import Envelope
from smtpsim.simulator.smtp.messages import Command, Reply

__all__ = ["Speculative"]


class Speculative(Envelope):
    """Groups sent on a cached token, for ``SmtpClient``'s QUICKSTART and early
    pipelining starts."""

    def _token_greeting(self, reply: Reply | None = None) -> Proc:
        """Wait for the extended greeting (unless it already came) and learn its id."""
        rec = self.record
        if reply is None:
            self._enter("greeting")
            reply = yield from self._read()
            rec.greeting_s = self.now()
        if reply.code != 220:
            raise Abort("rejected")
        self._greeting_reply = reply
        self._learn_token(reply, "plain")

    def _speculative_plan(
        self, prefix: list[Any], codes: list[int], built: list[Any]
    ) -> list[Any] | Callable[[], list[Any]]:
        """What follows the client's TLS Finished on a cached token or qhlo-id: the group
        opened by ``prefix``, built now (it may then even go as 0-RTT data) unless it needs
        BURL's URL, which has not come; then a function the TLS layer calls when its Finished
        goes, which builds the group if the URL has come by then, else returns nothing (nothing
        follows the Finished at once; the group goes when the URL comes). A group built is
        appended to ``built``."""

        def group_if_ready() -> list[Any]:
            if self.f.burl and not self.burl_url.triggered:
                return []
            built.append(self._group(prefix, codes, False))
            return built[0][0]

        return group_if_ready() if not self.f.burl or self.burl_url.triggered else group_if_ready

    def _speculative_group(
        self,
        context: str,
        prefix: list[Any],
        prefix_codes: list[int],
        speculative: bool,
        sent: bool = False,
        greeting_first: bool = False,
        hello: Callable[[str], Command] | None = None,
    ) -> Proc:
        """Run the envelope group opened by ``prefix``. A speculative group starts with
        ``QHLO <domain> <cached id>``: if the server refuses the id (504 before TLS, 520 with
        the list after it, 503 for the rest: quickstart-b §6, §7), the client flushes every list
        cached for the server (quickstart-b §5), learns the new id and sends the group
        again. ``greeting_first``: the group went before the greeting, which arrives first."""
        rec = self.record
        greeting = yield from self._await_url(greeting_first)
        if greeting_first:
            # a group the server may refuse carries no QUIT: QUIT is never refused, and the
            # session must survive the refusal (quickstart-b §6, §7)
            items, codes, accept, timeout = self._group(prefix, prefix_codes, not speculative)
            self._send(items)
            rec.mail_s = self.now()
            if greeting is None:
                greeting = yield from self._read()
                # its arrival: it may have waited in the socket while the group waited for
                # BURL's URL
                rec.greeting_s = self.socket.arrived_s - self.start_s
            yield from self._token_greeting(greeting)
            sent = True
        items, codes, accept, timeout = self._group(prefix, prefix_codes, not speculative)
        if speculative:
            replies = yield from self._run_group(items, codes, accept, timeout, sent, False)
            hit = replies[0].code == 250
            self._note_token(hit, context)
            if hit:
                self._learn_token(replies[0], context)
                if [r.code for r in replies] != codes:
                    raise Abort("rejected")
                yield from self._after_group()
                yield from self._quit_after_speculation()
                return
            self.state.flush_server(self.server.address)
            if self._greeting_reply is not None:
                # this connection's greeting carried the current cleartext list: learnt again
                self._learn_token(self._greeting_reply, "plain")
            if replies[0].code == 520:  # after TLS: the list comes with the refusal
                self._learn_token(replies[0], context)
            elif replies[0].code != 504 or self._greeting_reply is None:
                raise Abort("rejected")
            token = self._cached_token(context)
            if token is None:
                raise Abort("rejected")
            make = hello or (lambda t: Command("QHLO", text.qhlo(t)))
            prefix = [make(token), *prefix[1:]]
            items, codes, accept, timeout = self._group(prefix, prefix_codes)
            sent = False
        yield from self._run_group(items, codes, accept, timeout, sent)
        yield from self._after_group()
