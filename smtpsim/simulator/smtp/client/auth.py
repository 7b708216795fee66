"""SASL authentication (RFC 4954): PLAIN with an initial response (RFC 4616), LOGIN
(draft-murchison-sasl-login) and SCRAM-SHA-256 (RFC 5802, RFC 7677)."""

from __future__ import annotations

from smtpsim.model import text
from smtpsim.simulator.smtp.client.base import Proc
from smtpsim.simulator.smtp.client.dialogue import Dialogue
from smtpsim.simulator.smtp.messages import Command

__all__ = ["Auth"]


class Auth(Dialogue):
    """Authentication of ``SmtpClient``."""

    def _auth_plain(self) -> Command:
        return Command("AUTH", text.auth_plain())

    def _auth(self) -> Proc:
        mech = self.f.auth
        if mech == "plain":
            yield from self._exchange([Command("AUTH", text.auth_plain())], [235])
        elif mech == "login":
            # draft-murchison-sasl-login: Username/Password challenges, one line each
            yield from self._exchange([Command("AUTH", "AUTH LOGIN")], [334])
            yield from self._exchange([Command("", text.LOGIN_USER)], [334])
            yield from self._exchange([Command("", text.LOGIN_PASSWORD)], [235])
        else:
            # RFC 5802 / RFC 7677: client-first as initial response; client-final; then the
            # empty line answering the 334 that carries server-final (RFC 4954 §4).
            yield from self._exchange([Command("AUTH", text.SCRAM_CLIENT_FIRST)], [334])
            yield from self._exchange([Command("", text.SCRAM_CLIENT_FINAL)], [334])
            yield from self._exchange([Command("", text.SCRAM_CLIENT_EMPTY)], [235])
