"""The standard start of a submission (RFC 5321, RFC 3207, RFC 8314, RFC 4954): the greeting,
EHLO, STARTTLS or implicit TLS, EHLO again, AUTH. What the client must wait for, and why:

* the greeting (RFC 5321 §3.1: the client waits for the 220);
* the EHLO reply (RFC 2920 §3.1: EHLO may only end a group; PIPELINING is known only from
  its reply);
* STARTTLS's 220 before the ClientHello, and EHLO again after TLS (RFC 3207 §4.2); with
  implicit TLS (RFC 8314 §3) the handshake comes first and the greeting after it;
* AUTH's 235 unless AUTH PLAIN with an initial response is pipelined (RFC 4954 §4).
"""

from __future__ import annotations

from smtpsim.simulator.smtp.client.auth import Auth
from smtpsim.simulator.smtp.client.base import Proc
from smtpsim.simulator.smtp.client.envelope import Envelope
from smtpsim.simulator.smtp.client.tls import TlsStart
from smtpsim.simulator.smtp.messages import Command

__all__ = ["Standard"]


class Standard(Envelope, TlsStart, Auth):
    """The standard start of ``SmtpClient``."""

    def _setup(self) -> Proc:
        """Greeting, EHLO, STARTTLS or implicit TLS, EHLO again, AUTH: everything before the
        envelope. Returns the commands (and their codes) that open the envelope's group:
        a pipelined AUTH PLAIN, or nothing."""
        f, rec = self.f, self.record
        half_rtt = False
        if f.implicit_tls:
            self._enter("tls")
            # With a 0.5-RTT banner, the banner arrives with the server's flight, so the
            # client's Finished can carry EHLO (one write for what is sent together).
            half_rtt = f.half_rtt_banner
            yield from self._tls(early=[self._hello()] if half_rtt else [])
        self._enter("greeting")
        yield from self._expect(220)
        rec.greeting_s = self.now()
        self._enter("ehlo")
        if half_rtt:  # EHLO went with the Finished
            yield from self._expect(250)
        else:
            yield from self._ehlo()
        if f.tls is not None and not f.implicit_tls:
            self._enter("tls")
            yield from self._exchange([Command("STARTTLS", "STARTTLS")], [220])
            sent_early = yield from self._tls(early=[self._hello()])
            self._enter("ehlo")
            if sent_early:  # EHLO already went with the client's Finished
                yield from self._expect(250)
            else:
                yield from self._ehlo()
        if f.auth is not None:
            if f.auth_in_group:
                return [self._auth_plain()], [235]
            self._enter("auth")
            yield from self._auth()
            rec.auth_s = self.now()
        return [], []

    def _plain_start(self) -> Proc:
        """Greeting and EHLO the standard way, learning the tokens they carry."""
        rec = self.record
        self._enter("greeting")
        r = yield from self._expect(220)
        rec.greeting_s = self.now()
        self._learn_token(r, "plain")
        self._enter("ehlo")
        (r,) = yield from self._exchange([self._hello()], [250])
        self._learn_token(r, "plain")

    def _ehlo(self) -> Proc:
        yield from self._exchange([self._hello()], [250])
