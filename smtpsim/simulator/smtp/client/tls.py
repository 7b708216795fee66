"""The TLS handshake of an SMTP session (STARTTLS, QTLS or implicit TLS): which ticket the
client offers, what follows its last flight.

After STARTTLS's 220 the client spends ``tls_setup_s`` (``Client.tls_setup_s``) before its
ClientHello: a client that builds its TLS context only then (swaks's ``start_tls_build_ctx``
calls Net::SSLeay ``CTX_new`` and ``CTX_set_default_verify_paths``, loading the CA bundle,
after reading the 220; CPython's ``smtplib.SMTP.starttls`` creates its default context after
the 220 too). Not with implicit TLS or QTLS, whose ClientHello is written at once (after the
connection is up, or with QTLS before any reply). On the critical path that time is the
client's own: a stall (``smtpsim.simulator.tcp.causes``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from smtpsim.model.timers import REPLY_TIMEOUT_S, TICKET_LIFETIME_S
from smtpsim.simulator.smtp.client.base import Abort, Proc
from smtpsim.simulator.smtp.client.dialogue import Dialogue
from smtpsim.simulator.tls import client_handshake

__all__ = ["TlsStart"]


class TlsStart(Dialogue):
    """The TLS step of ``SmtpClient``."""

    def _tls(
        self,
        early: list[Any] | Callable[[], list[Any]],
        lead: Sequence[Any] = (),
        stash: list[tuple[float, Any]] | None = None,
    ) -> Proc:
        """The TLS handshake, offering a cached ticket when resumption is on. ``early`` items
        are written right behind the client's last flight where data may follow it (after
        the TLS 1.3 or resumed TLS 1.2 Finished, a write of its own: Nagle may hold them
        for its ACK); returns whether they were sent. ``lead`` and ``stash``: see
        ``client_handshake``."""
        f, rec = self.f, self.record
        assert f.tls is not None
        ticket = None
        if f.resumption:
            ticket = self.state.get(
                self.state.tickets, self.server.host, self.env.now, TICKET_LIFETIME_S
            )
        rec.ticket_offered = ticket is not None
        if self.tls_setup_s > 0.0 and not f.implicit_tls and f.quickstart is None:
            yield self.env.timeout(self.tls_setup_s)  # after STARTTLS's 220
        hello_at = self.now()
        result = yield from client_handshake(
            self.env, self.channel, self.tls, f.tls, f.writes == "per-command",
            early, REPLY_TIMEOUT_S["default"], ticket, lead, stash, f.early_data,
        )
        if result.outcome:
            raise Abort(result.outcome)
        zero_rtt = (
            f.early_data and result.resumed and f.tls == "1.3" and not callable(early)
            and bool(early)
        )
        #: when the early items went: with the ClientHello (accepted 0-RTT data) or with
        #: the client's Finished
        self._early_at = hello_at if zero_rtt else self.now()
        rec.tls_resumed = result.resumed
        if result.ticket is not None and not result.resumed:
            self._store_ticket(result.ticket)
        rec.tls_s = self.now()
        return result.sent_early
