"""Round trips per variant on an ideal path, against counts worked out by hand from the RFCs.

Expected values (in RTT from the first SYN, message accepted / connection closed) follow the
step tables of ``shared/reference/protocol.md`` §1, which derive them from RFC 5321 (lock-step),
RFC 2920 §3.1 (what may only end a group), RFC 3030 (no 354 with BDAT), RFC 3207 (220 before
the ClientHello, EHLO again after TLS), RFC 4954 §4 (AUTH PLAIN pipelined) and RFC 5246 /
RFC 8446 (2- and 1-RTT handshakes), and from the drafts' Appendix A packet diagrams
(normal submission: MAIL leaves at 8 RTT, final 250 at 10). QUIT is waited for: +1 RTT.
"""

from __future__ import annotations

import pytest
from cases import ideal_case

from smtpsim.simulator.run import run_session

TOL = 1e-6  # seconds, on a 1 s RTT

CASES = [
    # variant, recipients, accept (RTT)
    ("rfc5321", 1, 7),  # TCP 1, banner 2, EHLO 3, MAIL 4, RCPT 5, DATA 6 (354), content 7
    ("rfc5321", 5, 11),  # (6 + R)
    ("rfc5321", 20, 26),
    ("pipelining", 1, 5),  # EHLO 3, MAIL+RCPT+DATA 4, content 5
    ("pipelining", 30, 5),  # independent of R
    ("chunking", 1, 4),  # EHLO 3, MAIL+RCPT+BDAT LAST+content 4
    ("baseline", 1, 10),  # EHLO 3, STARTTLS 4, TLS 5-6, EHLO 7, AUTH 8, group 9, content 10
    ("baseline", 7, 10),
    ("baseline+tls1.3", 1, 9),
    ("baseline+tls1.3+auth-pipelined", 1, 8),
    ("baseline+tls1.3+auth-pipelined+chunking", 1, 7),
    ("baseline+auth-pipelined", 1, 9),
    ("baseline+auth-pipelined+chunking", 1, 8),
    ("baseline+auth-login", 1, 12),  # LOGIN: 334 Username, 334 Password, 235 = 3 RTT
    ("baseline+auth-scram", 1, 12),  # SCRAM: server-first, server-final (334), 235 = 3 RTT
    ("rfc5321+starttls+auth-plain", 1, 12),  # (11 + R): lock-step with TLS 1.2 and AUTH
    ("rfc5321+starttls+auth-plain", 4, 15),
    ("rfc5321+tls1.3+auth-plain", 2, 12),  # one RTT less for TLS 1.3
]


@pytest.mark.parametrize(("variant", "recipients", "accept_rtt"), CASES)
def test_accept_and_close_round_trips(variant: str, recipients: int, accept_rtt: int) -> None:
    record, _ = run_session(ideal_case(variant, recipients=recipients), seed=1)
    assert record.outcome == "accepted"
    assert record.accept_s == pytest.approx(accept_rtt, abs=TOL)
    assert record.close_s == pytest.approx(accept_rtt + 1, abs=TOL)  # QUIT waited: +1 RTT
    assert record.waits == accept_rtt + 1  # each wait is one round trip here


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


def test_certificate_flight_larger_than_iw3_costs_one_more_round_trip() -> None:
    """The 4600 B server flight is 4 segments of 1448 B: IW 3 sends 3, the 4th waits for
    the client's ACK of the first two (RFC 5681 §3.1), one RTT later."""
    iw10, _ = run_session(ideal_case("baseline", iw=10), seed=1)
    iw3, _ = run_session(ideal_case("baseline", iw=3), seed=1)
    assert iw3.accept_s - iw10.accept_s == pytest.approx(1.0, abs=TOL)
    assert iw3.phase_tls_s - iw10.phase_tls_s == pytest.approx(1.0, abs=TOL)


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
    assert record.waits == 4


# ------------------------------------------------------------------ implicit TLS, resumption
@pytest.mark.parametrize(
    ("variant", "greeting", "accept"),
    [
        # RFC 8314 §3: ClientHello right after the handshake (1); server flight at 2; the
        # client's Finished at 2; a TLS 1.3 server writes its banner when the Finished
        # arrives (2.5), so it reaches the client at 3. EHLO 3->4, AUTH+MAIL+RCPT+DATA 4->5,
        # content 5->6 (protocol.md §1.9: (a) = 6 RTT with DATA, 5 with BDAT).
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
        # banner (protocol.md §1.9: resumption ≈ 3 RTT to the banner, like a full handshake)
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
