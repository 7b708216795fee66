"""TLS in the session: implicit TLS (RFC 8314 §3), resumption with a session ticket (RFC 5077,
RFC 8446 §2.2) and TLS 1.3 0-RTT data (RFC 8446 §2.3), on an ideal path, in RTT from the first
SYN, against counts worked out by hand (see each case). The handshakes alone, message by
message, are in ``test_handshake.py``.
"""

from __future__ import annotations

import pytest
from cases import ideal_case

from smtpsim.model import TcpConfig, TlsConfig
from smtpsim.oracle import oracle
from smtpsim.simulator.run import run_session

TOL = 1e-6  # seconds, on a 1 s RTT
DELACK = TcpConfig().delack_s  # 40 ms, Linux TCP_DELACK_MIN


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
        # 0.5-RTT banner: it rides behind the server's first flight, at 2. The client's
        # Finished goes alone at 2 and EHLO is the next write; with Nagle on it waits for
        # the Finished's ACK, which the first ticket carries (written at 2.5, at the client
        # at 3): EHLO 3->4, group 4->5, content 5->6, as late as with the banner after the
        # Finished (the hold is the round trip of the ticket's ACK)
        ("implicit-tls+tls1.3+banner-0.5rtt+pipelining+auth-pipelined", 2, 6),
        # ... with TCP_NODELAY EHLO leaves with the Finished at 2: 2->3, 3->4, 250 at 5
        ("implicit-tls+tls1.3+banner-0.5rtt+pipelining+auth-pipelined+nodelay", 2, 5),
        # AUTH waited for: one more round trip
        ("implicit-tls+tls1.3+pipelining+auth-plain", 3, 7),
    ],
)
def test_implicit_tls(variant: str, greeting: float, accept: float) -> None:
    record, _ = run_session(ideal_case(variant), seed=1)
    assert record.outcome == "accepted"
    assert record.greeting_s == pytest.approx(greeting, abs=TOL)
    assert record.accept_s == pytest.approx(accept, abs=TOL)
    # the round trips on the critical path are the accept's RTTs (no stall: the first
    # ticket or the banner carries the ACK a held EHLO waits for); QUIT waited for: +1
    assert (record.rtt_accept, record.rtt_user) == (accept, accept + 1)
    assert record.stall_accept_s == 0.0


@pytest.mark.parametrize(
    ("variant", "cold", "warm"),
    [
        # TLS 1.2 abbreviated handshake (RFC 5246 §7.3 Fig. 2): the server's Finished comes
        # first (at 5) and the client's Finished goes alone at 5, EHLO as the next write.
        # With Nagle on EHLO waits for the Finished's ACK; the server, whose handshake ends
        # with that Finished, writes nothing, so the ACK waits for its delayed-ACK timer:
        # at the server at 5.5, ACK at 5.5 + 40 ms, at the client at 6 + 40 ms. EHLO -> 7,
        # AUTH -> 8, group -> 9, content -> 10, all 40 ms later: resumption saves nothing
        # (cold: 10) and costs the timer. With TCP_NODELAY EHLO leaves at 5: 1 RTT instead
        # of 2, 250 at 9.
        ("baseline+resumption", 10, 10 + DELACK),
        ("baseline+resumption+nodelay", 10, 9),
        # TLS 1.3 is 1 RTT with or without a ticket (RFC 8446 §2.2): the Finished at 5, EHLO
        # held by Nagle until the first ticket (written when the server reads the Finished)
        # brings its ACK at 6: 250 at 10, cold or warm; 9 with TCP_NODELAY
        ("baseline+tls1.3+resumption", 10, 10),
        ("baseline+tls1.3+resumption+nodelay", 9, 9),
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
    """A cold client has no ticket, so no early data: the full 1-RTT handshake, EHLO written
    behind the Finished at 5 and held by Nagle until the first ticket brings the Finished's
    ACK at 6: 250 at 10."""
    record, _ = run_session(ideal_case("baseline+tls1.3+resumption+early-data", rtt=0.5), seed=1)
    assert not record.tls_resumed
    assert record.accept_s == pytest.approx(10 * 0.5, abs=TOL)


# ---- the client's Finished, a write of its own (issue 9 §3). OpenSSL buffers a handshake
# flight and flushes it after the Finished (ssl/statem/statem_clnt.c
# ``ossl_statem_client_post_work``, ``TLS_ST_CW_FINISHED``); ``SSL_do_handshake`` then
# returns, and the application's first command is the next write(). Linux's Nagle
# (Minshall's variant) holds a small segment while an earlier small one is unacknowledged.
def _segments_up(variant: str, **kw: object) -> list[tuple[float, int, str]]:
    """(sent, payload, label) of the client's data segments, on the ideal 1 s path."""
    _, tr = run_session(ideal_case(variant, **kw), seed=1, trace=True)
    assert tr is not None
    return [(p.sent_s, p.payload_bytes, p.label) for p in tr.packets
            if p.direction == "up" and p.payload_bytes]


def _after_the_flight(segments: list[tuple[float, int, str]]) -> list[tuple[float, int, str]]:
    """The client's last flight and the EHLO after it (the flight arrives at 5)."""
    return [s for s in segments
            if s[0] > 5.0 - TOL and ("Finished" in s[2] or "EHLO" in s[2])]


@pytest.mark.parametrize(("nagle", "tls13", "ehlo_leaves"), [("", 10, 6), ("+nodelay", 9, 5)])
def test_starttls_tls13_saves_a_round_trip_only_with_nodelay(
    nagle: str, tls13: int, ehlo_leaves: int
) -> None:
    """STARTTLS (RFC 3207): EHLO 2->3, STARTTLS 3->4, ClientHello 4, the server's flight at 5.

    * TLS 1.2 (RFC 5246 §7.3): the client's flight (126 B, one write) at 5, the server's
      Finished at 6, EHLO 6->7, AUTH 7->8, MAIL group 8->9, content 9->10, Nagle or not.
    * TLS 1.3 (RFC 8446 §2): the Finished (80 B) alone at 5; EHLO (25 B + 22 B of record
      overhead) is written at 5 but is small, and the Finished, small too, is not yet
      acknowledged: Nagle holds EHLO until the ACK, which rides on the first
      NewSessionTicket the server writes when it reads the Finished (5.5), at 6. EHLO 6->7
      and on as with TLS 1.2: 10, the same count.
    * With TCP_NODELAY, EHLO leaves at 5 right behind the Finished, in a segment of its own:
      EHLO 5->6, AUTH 7, group 8, content 9: one round trip fewer than TLS 1.2."""
    for version, accept, finished, ehlo, leaves in (
            ("", 10, 126, 25 + 29, 6),  # TlsConfig.client_finished_12; a TLS 1.2 record
            ("+tls1.3", tls13, 80, 25 + 22, ehlo_leaves)):  # client_finished_13
        variant = "baseline" + version + nagle
        record, _ = run_session(ideal_case(variant), seed=1)
        assert record.accept_s == pytest.approx(accept, abs=TOL)
        after = _after_the_flight(_segments_up(variant))
        assert [(round(t, 6), n) for t, n, _ in after] == [(5.0, finished), (leaves, ehlo)]
        assert "EHLO" in after[1][2]


def test_the_finished_and_ehlo_are_two_segments_not_one() -> None:
    """The ``nodelay`` client above sends 80 B and 47 B at 5, not one 127 B segment: the
    Finished is flushed by the TLS library before the application's EHLO is written."""
    after = _after_the_flight(_segments_up("baseline+tls1.3+nodelay"))
    assert [n for _, n, _ in after] == [80, 47]


@pytest.mark.parametrize(("tickets", "server_nagle", "accept", "ehlo_leaves"), [
    # The server (TCP_NODELAY, the default) reads the Finished at 5.5 and writes its first
    # NewSessionTicket at once (RFC 8446 §4.6.1); that segment carries the ACK of the
    # Finished. OpenSSL flushes after each ticket (ssl/statem/statem_srvr.c
    # ``ossl_statem_server_post_work``), so a second ticket is a second write, right behind
    # the first and not held: the ACK comes at 6 with one ticket or two, EHLO leaves at 6,
    # the 250 at 10 either way.
    (2, False, 10, 6),
    (1, False, 10, 6),
    # No ticket: the server writes nothing when it reads the Finished, so its ACK waits for
    # the delayed-ACK timer: sent at 5.5 + 40 ms, at the client at 6 + 40 ms; EHLO leaves
    # then and every later step is 40 ms late: 10 + 40 ms.
    (0, False, 10 + DELACK, 6 + DELACK),
    # A server with Nagle on: one ticket leaves at 5.5 (the client's Finished acknowledged
    # the flight's last small segment) and carries the ACK: EHLO at 6, whose segment
    # acknowledges the ticket, so the server's 250 to EHLO (6.5) is not held: 10.
    (1, True, 10, 6),
    # Two tickets: the second is held while the first (small) is unacknowledged. The first
    # carries the Finished's ACK, so EHLO still leaves at 6; its segment acknowledges the
    # first ticket at 6.5, which releases the second, and the server's 250 to EHLO, written
    # at 6.5, is held behind it until the client ACKs it: the client, waiting for that 250
    # with nothing to send, ACKs on its delayed-ACK timer at 7 + 40 ms, at the server at
    # 7.5 + 40 ms; the 250 arrives at 8 + 40 ms instead of 7: 11 + 40 ms.
    (2, True, 11 + DELACK, 6),
])
def test_one_or_two_tickets_and_the_ack_of_the_finished(
    tickets: int, server_nagle: bool, accept: float, ehlo_leaves: float
) -> None:
    tls = TlsConfig(server_cpu_s=0.0, client_cpu_s=0.0, resumed_cpu_s=0.0, tickets_13=tickets)
    kw = {"tls": tls, "server_nagle": server_nagle}
    record, _ = run_session(ideal_case("baseline+tls1.3", **kw), seed=1)
    assert record.accept_s == pytest.approx(accept, abs=TOL)
    segments = _segments_up("baseline+tls1.3", **kw)
    (ehlo,) = [t for t, _, label in segments if "EHLO" in label and t > 5.0 - TOL]
    assert ehlo == pytest.approx(ehlo_leaves, abs=TOL)
    assert oracle(ideal_case("baseline+tls1.3", **kw)).accept_s == pytest.approx(accept, abs=TOL)
