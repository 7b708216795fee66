"""QUICKSTART: draft-fanf-smtp-quickstart-01 with the -a (basic) and -b (full) profiles.

The capability list comes in an extended 220 greeting; QHLO replaces EHLO, QTLS replaces
STARTTLS (the ClientHello follows it in the same write, no reply before the handshake), AUTH
PLAIN is pipelined. The basic server re-greets with the list after TLS; with the full profile
the client caches the list's qhlo-id and, holding one, sends QTLS and its ClientHello at once,
and ``QHLO <domain> <id>`` with the following commands without waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smtpsim.model import text
from smtpsim.simulator.smtp.client.auth import Auth
from smtpsim.simulator.smtp.client.base import Proc
from smtpsim.simulator.smtp.client.speculative import Speculative
from smtpsim.simulator.smtp.client.tls import TlsStart
from smtpsim.simulator.smtp.messages import Command

__all__ = ["Quickstart"]


class Quickstart(Speculative, TlsStart, Auth):
    """The QUICKSTART start of ``SmtpClient``."""

    def _quickstart(self) -> Proc:
        """QUICKSTART: draft-fanf-smtp-quickstart-01 with the -a (basic) and -b (full)
        profiles. Every wait this path makes, and the table of its Appendix A that it
        reproduces, is in the module docstring of ``tests/simulator/smtp/test_quickstart.py``."""
        f, rec = self.f, self.record
        full = f.quickstart == "full"
        auth: list[Any] = [self._auth_plain()] if f.auth_in_group else []
        auth_codes = [235] if auth else []
        if f.tls is None:
            token = self._cached_token("plain") if full else None
            if token is None:
                yield from self._token_greeting()
            self._enter("envelope")
            qhlo = Command("QHLO", text.qhlo(token))
            yield from self._speculative_group(
                "plain", [qhlo, *auth], [250, *auth_codes], token is not None,
                greeting_first=token is not None,
            )
            return
        token_plain = self._cached_token("plain") if full else None
        if token_plain is None:  # without a cache, the client learns of QTLS from the greeting
            yield from self._token_greeting()
        self._enter("tls")
        token_tls = self._cached_token("tls") if full else None
        built: list[Any] = []
        cached_qhlo = Command("QHLO", text.qhlo(token_tls))
        early: list[Any] | Callable[[], list[Any]] = []
        if full and token_tls is not None:
            early = self._speculative_plan([cached_qhlo, *auth], [250, *auth_codes], built)
        elif full:
            early = [Command("QHLO", text.qhlo())]
        stash: list[tuple[float, Any]] = []
        sent_early = yield from self._tls(early, [Command("QTLS", "QTLS")], stash)
        group = built[0] if built else None
        for arrived, reply in stash:  # the greeting the client did not wait for
            rec.greeting_s = arrived - self.start_s
            yield from self._token_greeting(reply)
        if sent_early and group is not None:
            rec.mail_s = self._early_at
        self._enter("envelope")
        if not full:
            # the basic server re-greets with the list after TLS: behind its Finished after
            # a full TLS 1.2 handshake, else one more wait
            r = yield from self._expect(220)
            yield from self._speculative_group(
                "tls", [Command("QHLO", text.qhlo()), *auth], [250, *auth_codes], False
            )
            return
        if group is not None:
            yield from self._speculative_group(
                "tls", group[0][: 1 + len(auth)], [250, *auth_codes], True, sent=sent_early
            )
            return
        if token_tls is not None:  # the group waits for the URL
            yield from self._speculative_group(
                "tls", [cached_qhlo, *auth], [250, *auth_codes], True
            )
            return
        assert isinstance(early, list)
        qhlo = early[0]
        if sent_early:
            r = yield from self._expect(250)
        else:
            (r,) = yield from self._exchange([qhlo], [250])
        self._learn_token(r, "tls")
        yield from self._speculative_group("tls", auth, auth_codes, False)
