"""AUTH at the submission server (RFC 4954 §4), over a fake socket: PLAIN with an initial
response (RFC 4616) in one exchange, PLAIN without one, LOGIN (draft-murchison-sasl-login)
and SCRAM-SHA-256 (RFC 5802 §5, RFC 7677) in steps the client answers line by line.

The server spends its AUTH time (4 ms, ``serving.TIMING``) once, where it checks the
credentials: at PLAIN's response, at LOGIN's password, at SCRAM's client-final message. The
other challenges cost nothing. SCRAM's server-final message goes in a 334 that the client
answers with an empty line before the 235 (RFC 4954 §4: additional data with success).
"""

from __future__ import annotations

import pytest

from smtpsim.model import text
from smtpsim.simulator.smtp.messages import Command

from .serving import TIMING, D, command, lines, serve

TOL = 1e-9


def _exchange(steps: list[tuple[float, Command]]) -> list[tuple[float, list[str]]]:
    """Write each step's line at its time; the server's writes after the banner, with the
    lines of their replies."""
    s = serve()
    for at, line in steps:
        s.send(at, [line])
    s.run(until=10.0)
    return [(w.time_s, [line for reply in lines(w) for line in reply]) for w in s.writes[1:]]


def _approx(expected: list[tuple[float, list[str]]]) -> list[object]:
    return [(pytest.approx(t, abs=TOL), ls) for t, ls in expected]


def _sasl(data: str) -> Command:
    """A SASL response line: base64, no verb."""
    return Command("", data)


def test_plain_with_an_initial_response_is_one_exchange() -> None:
    # RFC 4616: base64 of NUL "alice@example.org" NUL "correct-horse-battery"
    response = "AGFsaWNlQGV4YW1wbGUub3JnAGNvcnJlY3QtaG9yc2UtYmF0dGVyeQ=="
    assert text.auth_plain() == f"AUTH PLAIN {response}"
    assert _exchange([(1.0, command(text.auth_plain()))]) == _approx([
        (1.0 + D + TIMING.auth, ["235 2.7.0 Authentication successful"]),
    ])


def test_plain_without_an_initial_response_gets_an_empty_challenge_first() -> None:
    assert _exchange([
        (1.0, command("AUTH PLAIN")),
        (2.0, _sasl(text.auth_plain_ir())),
    ]) == _approx([
        (1.0 + D, ["334 "]),
        (2.0 + D + TIMING.auth, [f"235 {text.AUTH_OK}"]),
    ])


def test_login_asks_for_the_user_then_the_password() -> None:
    """The prompts are base64 "Username:" and "Password:"."""
    assert _exchange([
        (1.0, command("AUTH LOGIN")),
        (2.0, _sasl(text.LOGIN_USER)),
        (3.0, _sasl(text.LOGIN_PASSWORD)),
    ]) == _approx([
        (1.0 + D, ["334 VXNlcm5hbWU6"]),
        (2.0 + D, ["334 UGFzc3dvcmQ6"]),
        (3.0 + D + TIMING.auth, [f"235 {text.AUTH_OK}"]),
    ])


def test_scram_takes_three_exchanges() -> None:
    assert _exchange([
        (1.0, command(text.SCRAM_CLIENT_FIRST)),
        (2.0, _sasl(text.SCRAM_CLIENT_FINAL)),
        (3.0, _sasl(text.SCRAM_CLIENT_EMPTY)),
    ]) == _approx([
        (1.0 + D, [f"334 {text.SCRAM_SERVER_FIRST}"]),
        (2.0 + D + TIMING.auth, [f"334 {text.SCRAM_SERVER_FINAL}"]),
        (3.0 + D, [f"235 {text.AUTH_OK}"]),
    ])


def test_the_sasl_line_sizes() -> None:
    """What crosses the wire: each line and CRLF (an empty SCRAM response is 2 bytes)."""
    assert _sasl(text.SCRAM_CLIENT_EMPTY).nbytes == 2
    assert _sasl(text.LOGIN_USER).nbytes == len("YWxpY2VAZXhhbXBsZS5vcmc=") + 2
    s = serve()
    s.send(1.0, [command(text.SCRAM_CLIENT_FIRST)])
    s.run(until=2.0)
    assert s.writes[1].sizes == [4 + len(text.SCRAM_SERVER_FIRST) + 2]


def test_plain_pipelined_with_the_envelope_is_answered_with_it() -> None:
    """RFC 4954 §4: AUTH PLAIN with its response may ride in the MAIL group; the replies
    come back together once all are processed."""
    s = serve()
    s.send(1.0, [command(text.auth_plain()), command(text.mail_from(100, True)),
                 command(text.rcpt_to(0))])
    s.run(until=2.0)
    done = 1.0 + D + TIMING.auth + TIMING.mail + TIMING.rcpt
    assert s.replies()[1:] == [(pytest.approx(done, abs=TOL), [235, 250, 250])]
