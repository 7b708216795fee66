"""Early pipelining on a configuration token (``Features.early_pipelining``; the 2006
thread's config token, Exim's PIPE_CONNECT, draft-harris-early-pipe).

Holding a token for the plain context, the client sends ``EHLO <domain> TOKEN=<id>`` and
STARTTLS (or, in cleartext, the whole envelope group) with the handshake ACK; holding one for
the TLS context, it sends EHLO + AUTH + MAIL ... with its TLS Finished (draft-harris-early-pipe
§3: after STARTTLS or on implicit TLS, EHLO + AUTH or EHLO + MAIL may follow at once).
Without a token it runs the standard dialogue and learns the tokens from the greeting and the
EHLO replies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smtpsim.model import text
from smtpsim.simulator.smtp.client.base import Abort, Proc
from smtpsim.simulator.smtp.client.speculative import Speculative
from smtpsim.simulator.smtp.client.standard import Standard
from smtpsim.simulator.smtp.messages import Command

__all__ = ["EarlyPipelining"]


class EarlyPipelining(Speculative, Standard):
    """The early-pipelining start of ``SmtpClient``."""

    def _early_pipelining(self) -> Proc:
        """Early pipelining with a configuration token (``Features.early_pipelining``): the
        cleartext session, or STARTTLS (early on a plain-context token) and then the TLS
        part; see the module docstring."""
        if self.f.tls is None:
            yield from self._early_cleartext()
            return
        if not self.f.implicit_tls:
            token = self._cached_token("plain")
            self._enter("ehlo")
            if token is None:
                yield from self._plain_start()
                self._enter("tls")
                yield from self._exchange([Command("STARTTLS", "STARTTLS")], [220])
            else:
                yield from self._early_starttls(token, _ehlo)
        yield from self._early_tls()

    def _early_auth(self) -> tuple[list[Any], list[int]]:
        """AUTH PLAIN, which rides in the early group, and its code."""
        auth: list[Any] = [self._auth_plain()] if self.f.auth_in_group else []
        return auth, [235] if auth else []

    def _early_cleartext(self) -> Proc:
        """Cleartext: on a cached token, EHLO <token> and the whole group at once; without
        one, the standard dialogue (which learns the token)."""
        auth, auth_codes = self._early_auth()
        token = self._cached_token("plain")
        if token is None:
            yield from self._plain_start()
            self._enter("envelope")
            yield from self._envelope(auth, auth_codes)
            return
        self._enter("envelope")
        yield from self._speculative_group(
            "plain", [_ehlo(token), *auth], [250, *auth_codes], True,
            greeting_first=True, hello=_ehlo,
        )

    def _early_tls(self) -> Proc:
        """The TLS handshake and what follows it: on a TLS-context token, EHLO <token> + AUTH
        + MAIL ... right behind the client's Finished (or when BURL's URL comes); without
        one, EHLO behind the Finished where data may follow it. With implicit TLS the banner
        comes after the handshake."""
        f, rec = self.f, self.record
        auth, auth_codes = self._early_auth()
        self._enter("tls")
        token_tls = self._cached_token("tls")
        built: list[Any] = []
        plan: list[Any] | Callable[[], list[Any]] = []
        if token_tls is not None:
            plan = self._speculative_plan([_ehlo(token_tls), *auth], [250, *auth_codes], built)
        elif not f.implicit_tls or f.half_rtt_banner:  # (the 0.5-RTT banner came with it)
            plan = [self._hello()]
        sent_early = yield from self._tls(plan)
        group = built[0] if built else None
        deferred = token_tls is not None and group is None
        if group is not None and sent_early:
            rec.mail_s = self._early_at
        if f.implicit_tls:  # the banner: after the handshake (it is not waited for early)
            banner_rides = f.banner_rides_last_flight(rec.tls_resumed)
            if deferred and not banner_rides:
                # the group goes when BURL's URL comes, without waiting for the banner,
                # which is read before the group's replies
                self._enter("envelope")
                assert token_tls is not None
                yield from self._speculative_group(
                    "tls", [_ehlo(token_tls), *auth], [250, *auth_codes], True,
                    greeting_first=True, hello=_ehlo,
                )
                return
            r = yield from self._expect(220)
            rec.greeting_s = self.now()
            self._learn_token(r, "plain")
        self._enter("envelope")
        if group is not None or deferred:
            assert token_tls is not None
            yield from self._speculative_group(
                "tls", [_ehlo(token_tls), *auth], [250, *auth_codes], True,
                sent=sent_early and group is not None, hello=_ehlo,
            )
            return
        self._enter("ehlo")
        if sent_early:
            r = yield from self._expect(250)
        else:
            (r,) = yield from self._exchange([self._hello()], [250])
        self._learn_token(r, "tls")
        self._enter("envelope")
        yield from self._envelope(auth, auth_codes)

    def _early_starttls(self, token: str, ehlo: Callable[[str], Command]) -> Proc:
        """EHLO <token> + STARTTLS with the handshake ACK, before the greeting. A stale token
        is refused (504, 503 for STARTTLS); the greeting carries the current one, so the
        client sends the pair again at once."""
        rec = self.record
        self._send([ehlo(token), Command("STARTTLS", "STARTTLS")])
        greeting = yield from self._read()
        rec.greeting_s = self.now()
        if greeting.code != 220:
            raise Abort("rejected")
        first = yield from self._read()
        second = yield from self._read()
        hit = first.code == 250 and second.code == 220
        self._note_token(hit, "plain")
        if hit:
            return
        self.state.flush_server(self.server.address)
        self._learn_token(greeting, "plain")
        fresh = self._cached_token("plain")
        if fresh is None:
            raise Abort("rejected")
        yield from self._exchange([ehlo(fresh), Command("STARTTLS", "STARTTLS")], [250, 220])


def _ehlo(token: str) -> Command:
    """The early EHLO that presents a cached token."""
    return Command("EHLO", text.ehlo_with_token(token))
