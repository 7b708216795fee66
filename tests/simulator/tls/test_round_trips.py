"""TLS in the session: implicit TLS (RFC 8314 §3), resumption with a session ticket (RFC 5077,
RFC 8446 §2.2) and TLS 1.3 0-RTT data (RFC 8446 §2.3), on an ideal path, in RTT from the first
SYN, against counts worked out by hand (see each case). The handshakes alone, message by
message, are in ``test_handshake.py``.
"""

from __future__ import annotations

import pytest
from cases import ideal_case

from smtpsim.simulator.run import run_session

TOL = 1e-6  # seconds, on a 1 s RTT


@pytest.mark.parametrize(
    ("variant", "greeting", "accept"),
    [
        # RFC 8314 §3: ClientHello right after the handshake (1); server flight at 2; the
        # client's Finished at 2; a TLS 1.3 server writes its banner when the Finished
        # arrives (2.5), so it reaches the client at 3. EHLO 3->4, AUTH+MAIL+RCPT+DATA 4->5,
        # content 5->6 (5 with BDAT, RFC 3030: no 354).
        ("implicit-tls+tls1.3+pipelining+auth-pipelined", 3, 6),
        ("implicit-tls+tls1.3+chunking+auth-pipelined", 3, 5),
        # TLS 1.2 full: the banner rides behind the server's Finished, also at 3
        ("implicit-tls+tls1.2+pipelining+auth-pipelined", 3, 6),
        # 0.5-RTT banner: it rides behind the server's first flight, at 2
        ("implicit-tls+tls1.3+banner-0.5rtt+pipelining+auth-pipelined", 2, 5),
        # AUTH waited for: one more round trip
        ("implicit-tls+tls1.3+pipelining+auth-plain", 3, 7),
    ],
)
def test_implicit_tls(variant: str, greeting: float, accept: float) -> None:
    record, _ = run_session(ideal_case(variant), seed=1)
    assert record.outcome == "accepted"
    assert record.greeting_s == pytest.approx(greeting, abs=TOL)
    assert record.accept_s == pytest.approx(accept, abs=TOL)
    assert record.waits == accept + 1  # QUIT waited


@pytest.mark.parametrize(
    ("variant", "cold", "warm"),
    [
        # TLS 1.2 abbreviated handshake (RFC 5246 §7.3 Fig. 2): the server's Finished comes
        # first (at 5), EHLO rides with the client's Finished: 1 RTT instead of 2.
        ("baseline+resumption", 10, 9),
        # TLS 1.3 is 1 RTT with or without a ticket (RFC 8446 §2.2)
        ("baseline+tls1.3+resumption", 9, 9),
        # implicit TLS 1.2: the resumed server waits for the client's Finished before its
        # banner (RFC 5246 §7.3 Fig. 2: the abbreviated handshake ends with the client's
        # Finished), so the banner comes at 3 RTT, as after a full handshake
        ("implicit-tls+tls1.2+pipelining+auth-pipelined+resumption", 6, 6),
    ],
)
def test_resumption_cold_and_warm(variant: str, cold: float, warm: float) -> None:
    c, _ = run_session(ideal_case(variant), seed=1)
    w, _ = run_session(ideal_case(variant, state="warm"), seed=1)
    assert not c.ticket_offered and not c.tls_resumed
    assert w.ticket_offered and w.tls_resumed
    assert c.accept_s == pytest.approx(cold, abs=TOL)
    assert w.accept_s == pytest.approx(warm, abs=TOL)
    # a resumed handshake sends no certificate: fewer bytes down
    assert w.bytes_down < c.bytes_down - 3000


def test_warm_state_without_resumption_changes_nothing() -> None:
    c, _ = run_session(ideal_case("baseline"), seed=1)
    w, _ = run_session(ideal_case("baseline", state="warm"), seed=1)
    assert not w.ticket_offered
    assert w.accept_s == pytest.approx(c.accept_s, abs=TOL)
    assert (w.packets_up, w.packets_down, w.bytes_up) == (c.packets_up, c.packets_down, c.bytes_up)


@pytest.mark.parametrize(("variant", "accept"), [
    # 0-RTT (RFC 8446 §2.3): EHLO rides with the ClientHello at 4; the server answers it behind
    # its flight at 5. The TLS library writes its Finished at 5; AUTH is the application's next
    # write: with Nagle on it waits for the Finished's ACK (the server's tickets, at 6), which
    # eats the saving; without Nagle AUTH 5 -> 6, MAIL group 6 -> 7, 250 at 8.
    ("baseline+tls1.3+resumption+early-data", 9),
    ("baseline+tls1.3+resumption+early-data+nodelay", 8),
    ("baseline+tls1.3+resumption+nodelay", 9),
])
def test_zero_rtt_early_data(variant: str, accept: int) -> None:
    record, _ = run_session(ideal_case(variant, rtt=0.5, state="warm"), seed=1)
    assert record.tls_resumed
    assert record.accept_s == pytest.approx(accept * 0.5, abs=TOL)


def test_zero_rtt_refused_with_an_unknown_ticket_is_resent_with_the_finished() -> None:
    """A cold client has no ticket, so no early data: the full 1-RTT handshake."""
    record, _ = run_session(ideal_case("baseline+tls1.3+resumption+early-data", rtt=0.5), seed=1)
    assert not record.tls_resumed
    assert record.accept_s == pytest.approx(9 * 0.5, abs=TOL)
