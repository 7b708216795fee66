"""Round trips per variant on an ideal path, against counts worked out by hand from the RFCs.

Expected values (in RTT from the first SYN, message accepted / connection closed) are derived
from RFC 5321 (lock-step), RFC 2920 §3.1 (what may only end a group), RFC 3030 (no 354 with
BDAT), RFC 3207 (220 before the ClientHello, EHLO again after TLS), RFC 4954 §4 (AUTH PLAIN
pipelined) and RFC 5246 / RFC 8446 (2- and 1-RTT handshakes), and from the drafts' Appendix A
packet diagrams (normal submission: MAIL leaves at 8 RTT, final 250 at 10). QUIT is waited
for: +1 RTT. Implicit TLS, resumption and 0-RTT data are in ``tls/test_round_trips.py``.
"""

from __future__ import annotations

import pytest
from cases import ideal_case

from smtpsim.simulator.run import run_session

TOL = 1e-6  # seconds, on a 1 s RTT

CASES = [
    # variant, recipients, accept (RTT): the round trips on the critical path to the 250
    ("rfc5321", 1, 7),  # TCP 1, banner 2, EHLO 3, MAIL 4, RCPT 5, DATA 6 (354), content 7
    ("rfc5321", 5, 11),  # (6 + R)
    ("rfc5321", 20, 26),
    ("pipelining", 1, 5),  # EHLO 3, MAIL+RCPT+DATA 4, content 5
    ("pipelining", 30, 5),  # independent of R
    ("chunking", 1, 4),  # EHLO 3, MAIL+RCPT+BDAT LAST+content 4
    ("baseline", 1, 10),  # EHLO 3, STARTTLS 4, TLS 5-6, EHLO 7, AUTH 8, group 9, content 10
    ("baseline", 7, 10),
    # TLS 1.3: flight at 5; the Finished goes alone at 5 (OpenSSL flushes it before
    # SSL_do_handshake returns) and EHLO, written behind it, waits under Nagle for its ACK,
    # which the first NewSessionTicket brings at 6: EHLO 6->7, then as baseline: 10 (the
    # hold is the round trip of that ACK). With TCP_NODELAY EHLO leaves at 5: one fewer.
    ("baseline+tls1.3", 1, 10),
    ("baseline+tls1.3+nodelay", 1, 9),
    ("baseline+tls1.3+auth-pipelined", 1, 9),  # AUTH in the group: 1 fewer
    ("baseline+tls1.3+auth-pipelined+nodelay", 1, 8),
    ("baseline+tls1.3+auth-pipelined+chunking", 1, 8),  # no 354: 1 fewer
    ("baseline+tls1.3+auth-pipelined+chunking+nodelay", 1, 7),
    ("baseline+auth-pipelined", 1, 9),
    ("baseline+auth-pipelined+chunking", 1, 8),
    ("baseline+auth-login", 1, 12),  # LOGIN: 334 Username, 334 Password, 235 = 3 RTT
    ("baseline+auth-scram", 1, 12),  # SCRAM: server-first, server-final (334), 235 = 3 RTT
    ("rfc5321+starttls+auth-plain", 1, 12),  # (11 + R): lock-step, TLS 1.2 and AUTH
    ("rfc5321+starttls+auth-plain", 4, 15),
    ("rfc5321+tls1.3+auth-plain", 2, 13),  # TLS 1.3 + Nagle: as TLS 1.2, 11 + R
    ("rfc5321+tls1.3+auth-plain+nodelay", 2, 12),  # one RTT less with TCP_NODELAY
]


@pytest.mark.parametrize(("variant", "recipients", "accept_rtt"), CASES)
def test_accept_and_close_round_trips(variant: str, recipients: int, accept_rtt: int) -> None:
    record, _ = run_session(ideal_case(variant, recipients=recipients), seed=1)
    assert record.outcome == "accepted"
    assert record.accept_s == pytest.approx(accept_rtt, abs=TOL)
    assert record.close_s == pytest.approx(accept_rtt + 1, abs=TOL)  # QUIT waited: +1 RTT
    # every wait is one round trip on the critical path here, and nothing stalls (a write
    # Nagle holds is on the path of the ACK that lets it go); QUIT waited for: +1 to the user
    assert (record.rtt_accept, record.rtt_user) == (accept_rtt, accept_rtt + 1)
    assert record.stall_accept_s == record.stall_user_s == 0.0


@pytest.mark.parametrize("rtt", [0.0001, 0.05, 2.0])
def test_round_trips_scale_with_rtt(rtt: float) -> None:
    record, _ = run_session(ideal_case("baseline", rtt=rtt), seed=1)
    # abs: about 7.6 kB cross the path on the critical path, 61 ns at 1 Tbit/s
    assert record.accept_s == pytest.approx(10 * rtt, rel=1e-6, abs=2e-7)


def test_greeting_arrives_at_two_rtt() -> None:
    """SYN 0 -> SYN-ACK 1 RTT (handshake ACK sent), banner sent on the ACK's arrival."""
    record, _ = run_session(ideal_case("baseline", rtt=0.3), seed=1)
    # the server accepts when the handshake ACK arrives at 1.5 RTT, the banner takes 0.5 RTT
    assert record.greeting_s == pytest.approx(0.6, abs=1e-8)


def test_phases_add_up_to_close_time() -> None:
    record, _ = run_session(ideal_case("baseline", recipients=3), seed=1)
    phases = [getattr(record, f"phase_{p}_s") for p in (
        "connect", "greeting", "tls", "ehlo", "auth", "envelope", "data", "quit"
    )]
    assert sum(phases) == pytest.approx(record.close_s, abs=1e-9)
    # baseline: connect 1, greeting 1, ehlo 1 + 1, tls 3 (STARTTLS + 2), auth 1,
    # envelope 1 (MAIL group to 354), data 1, quit 1
    assert phases == pytest.approx([1, 1, 3, 2, 1, 1, 1, 1], abs=TOL)


@pytest.mark.parametrize(
    ("quit", "accept", "user", "close", "occupancy"),
    [
        # 250 at 10 RTT; QUIT sent then, 221 at 11. The server accepted the connection when
        # the handshake ACK arrived (1.5 RTT) and closes when QUIT (or the FIN) arrives.
        ("wait", 10, 11, 11, 10.5 - 1.5),
        ("async", 10, 10, 11, 10.5 - 1.5),
        # QUIT rides with the content (sent at 9): 250 and 221 both at 10; server done at 9.5
        ("pipelined", 10, 10, 10, 9.5 - 1.5),
        # no QUIT: the client closes at 10, the server sees the FIN at 10.5
        ("drop", 10, 10, 10, 10.5 - 1.5),
    ],
)
def test_quit_variants(quit: str, accept: float, user: float, close: float, occupancy: float):
    record, _ = run_session(ideal_case(f"baseline+quit-{quit}"), seed=1)
    assert record.outcome == "accepted"
    assert record.accept_s == pytest.approx(accept, abs=TOL)
    assert record.user_s == pytest.approx(user, abs=TOL)
    assert record.close_s == pytest.approx(close, abs=TOL)
    assert record.occupancy_s == pytest.approx(occupancy, abs=TOL)


def test_pipelined_quit_with_bdat() -> None:
    record, _ = run_session(ideal_case("chunking+quit-pipelined"), seed=1)
    assert record.accept_s == pytest.approx(4, abs=TOL)
    assert record.close_s == pytest.approx(4, abs=TOL)
    assert record.rtt_accept == record.rtt_user == 4  # the 221 comes with the 250
