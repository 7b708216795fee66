"""The closed forms on an ideal path, and the causal computation held to them.

Anchors: the oracle's times on ideal paths (no serialization, no processing, every wait one
round trip) against the round trips worked out by hand from RFC 5321, 2920, 3030, 3207, 4954,
8314, 7413, 8446 and the drafts' Appendix A packet diagrams (draft-fanf-smtp-quickstart-01,
-a, -b; draft-harris-early-pipe), and the closed forms :func:`round_trips` /
:func:`user_round_trips` against the oracle's causal computation (its times and the round
trips on the critical paths to the 250 and to the user) on ideal paths drawn at random: two
derivations of the same tables, so the oracle itself is pinned before it judges anything.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from cases import NO_CPU, ideal_case
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import token_variants

from smtpsim.model import (
    PathConfig,
    TcpConfig,
)
from smtpsim.oracle import (
    delayed_acks,
    oracle,
    round_trips,
    user_round_trips,
)
from smtpsim.simulator.run import run_session

MSS = TcpConfig().mss  # 1448
DELACK = TcpConfig().delack_s  # 40 ms, Linux TCP_DELACK_MIN
TOL = 1e-6  # seconds, on a 1 s RTT with 1 Tbit/s links
HALF = 0.5  # RTT of these anchors: below the 1 s SYN / SYN-ACK / initial RTO timers
BURL_RTT = 0.5
DC_RTT = 0.001


ROUND_TRIPS = [
    # variant, recipients, accept in RTT (from RFC 5321/2920/3030/3207/4954 and the Appendix A
    # diagrams of draft-fanf-smtp-quickstart-01): the round trips on the critical path to
    # the 250 too (a write Nagle holds is on the path of the ACK that lets it go)
    ("rfc5321", 1, 7),  # TCP 1, banner 2, EHLO 3, MAIL 4, RCPT 5, DATA 6 (354), content 7
    ("rfc5321", 5, 11),  # (6 + R)
    ("rfc5321+helo", 3, 9),
    ("pipelining", 1, 5),  # EHLO 3, MAIL+RCPT+DATA 4, content 5
    ("pipelining", 30, 5),  # independent of R
    ("chunking", 1, 4),  # EHLO 3, MAIL+RCPT+BDAT LAST+content 4
    ("chunking+no-pipelining", 2, 7),  # lock-step BDAT: EHLO 3, MAIL 4, RCPT 5, 6, BDAT 7
    ("baseline", 1, 10),  # EHLO 3, STARTTLS 4, TLS 5-6, EHLO 7, AUTH 8, group 9, content 10
    ("baseline", 7, 10),
    # TLS 1.3 (RFC 8446 §2): flight at 5, the client's Finished alone at 5 (the TLS library
    # flushes it before the application writes), EHLO the next write: Nagle holds it for the
    # Finished's ACK, on the first NewSessionTicket at 6; EHLO 6->7 and on as with TLS 1.2:
    # 10. With TCP_NODELAY EHLO leaves at 5: 9.
    ("baseline+tls1.3", 1, 10),
    ("baseline+tls1.3+nodelay", 1, 9),
    ("baseline+tls1.3+auth-pipelined", 1, 9),
    ("baseline+tls1.3+auth-pipelined+nodelay", 1, 8),
    ("baseline+tls1.3+auth-pipelined+chunking", 1, 8),
    ("baseline+tls1.3+auth-pipelined+chunking+nodelay", 1, 7),
    ("baseline+auth-pipelined", 1, 9),
    ("baseline+auth-pipelined+chunking", 1, 8),
    ("baseline+auth-login", 1, 12),  # 334 Username, 334 Password, 235: 3 RTT
    ("baseline+auth-scram", 1, 12),  # server-first, server-final (334), 235: 3 RTT
    ("rfc5321+starttls+auth-plain", 1, 12),  # (11 + R)
    ("rfc5321+starttls+auth-plain", 4, 15),
    ("rfc5321+tls1.3+auth-plain", 2, 13),  # TLS 1.3 with Nagle: 11 + R, as TLS 1.2
    ("rfc5321+tls1.3+auth-plain+nodelay", 2, 12),
]


@pytest.mark.parametrize(("variant", "recipients", "rtts"), ROUND_TRIPS)
def test_round_trips_on_an_ideal_path(variant: str, recipients: int, rtts: int) -> None:
    case = ideal_case(variant, recipients=recipients)
    result = oracle(case)
    assert round_trips(case.client.features, recipients) == rtts
    assert result.round_trips == rtts
    assert result.accept_s == pytest.approx(rtts, abs=TOL)
    assert result.close_s == pytest.approx(rtts + 1, abs=TOL)
    # every wait a round trip on the critical path (a write Nagle holds is on the path of
    # the ACK that lets it go), nothing stalls; QUIT waited for: +1
    assert (result.rtt_accept, result.rtt_done) == (rtts, rtts)
    assert result.rtt_user == user_round_trips(case.client.features, recipients) == rtts + 1
    assert result.stall_accept_s == result.stall_user_s == 0.0
    assert result.greeting_s == pytest.approx(2, abs=TOL)


@pytest.mark.parametrize(
    ("quit", "close", "user"),
    [
        ("wait", 11, 11),  # QUIT after the 250, the user is told at the 221
        ("async", 11, 10),  # the user is told at the 250; QUIT and 221 in the background
        ("pipelined", 10, 10),  # QUIT in the content's write: 250 and 221 together
        ("drop", 10, 10),  # no QUIT: the client closes at the 250
    ],
)
def test_quit_variants_on_an_ideal_path(quit: str, close: int, user: int) -> None:
    """The round trips to the user are the user's time in RTT: the QUIT's round trip counts
    only where the user waits for the 221 (async: it runs after the user was told)."""
    case = ideal_case(f"baseline+quit-{quit}")
    result = oracle(case)
    assert result.accept_s == pytest.approx(10, abs=TOL)
    assert result.close_s == pytest.approx(close, abs=TOL)
    assert result.user_s == pytest.approx(user, abs=TOL)
    assert (result.rtt_accept, result.rtt_done, result.rtt_user) == (10, 10, user)
    assert user_round_trips(case.client.features, 1) == user


def test_pipelined_quit_that_misses_the_window_arrives_a_round_trip_after_the_250() -> None:
    """Content + CRLF.CRLF = 14480 B fill IW 10 exactly; QUIT (6 B) is an 11th segment that
    waits for the first ACK (5 RTT). The server reads the terminator at 4.5 with nothing else
    waiting and flushes the 250 (RFC 2920 §3.2): accept at 5; QUIT arrives at 5.5, 221 at 6."""
    result = oracle(ideal_case("pipelining+quit-pipelined", size=10 * MSS - 3))
    assert result.accept_s == pytest.approx(5, abs=TOL)
    assert result.close_s == pytest.approx(6, abs=TOL)
    assert result.user_s == pytest.approx(6, abs=TOL)


@pytest.mark.parametrize("rtt", [0.0001, 0.05, 0.9])
def test_baseline_is_ten_round_trips_at_any_rtt(rtt: float) -> None:
    """draft-fanf-smtp-quickstart-01 Appendix A (the standard submission: MAIL in the client's
    9th packet, at 8 RTT): the final 250 at 10. RTT < 1 s, so the handshake timers never
    fire."""
    result = oracle(ideal_case("baseline", rtt=rtt))
    assert result.accept_s == pytest.approx(10 * rtt, rel=1e-6, abs=2e-7)
    assert result.handshake_retransmits == 0


def test_certificate_flight_larger_than_iw3_costs_one_more_round_trip() -> None:
    """4600 B = 4 segments; IW 3 sends 3, the 4th leaves when the ACK of the first two returns
    (RFC 5681 §3.1), one RTT later."""
    iw10 = oracle(ideal_case("baseline", iw=10))
    iw3 = oracle(ideal_case("baseline", iw=3))
    assert iw3.accept_s - iw10.accept_s == pytest.approx(1.0, abs=TOL)
    assert iw3.round_trips == 11


# ---- the features beyond STARTTLS (drafts, RFC 8314, RFC 7413, RFC 8446 §2.2-2.3)
IMPLICIT = "baseline+implicit-tls+tls1.3+auth-pipelined"
START_ROUND_TRIPS = [
    # variant, state, configuration changed, accept (RTT), greeting (RTT), MAIL sent (RTT)
    # implicit TLS (RFC 8314 §3): ClientHello 1, flight 2, Finished 2, banner when the server
    # reads it at 3 (0.5-RTT banner: with the flight, 2), EHLO 3->4, group 4->5, content 6
    ("implicit-tls+tls1.3+pipelining+auth-pipelined", "cold", False, 6, 3, 4),
    ("implicit-tls+tls1.3+chunking+auth-pipelined", "cold", False, 5, 3, 4),
    ("implicit-tls+tls1.2+pipelining+auth-pipelined", "cold", False, 6, 3, 4),
    # 0.5-RTT banner with the flight at 2; EHLO written behind the Finished at 2 waits under
    # Nagle for its ACK on the first ticket (3): EHLO 3->4, group 4->5 (MAIL at 4), 250 at 6;
    # with TCP_NODELAY EHLO leaves at 2: 3, group 3->4, 250 at 5
    ("implicit-tls+tls1.3+banner-0.5rtt+pipelining+auth-pipelined", "cold", False, 6, 2, 4),
    ("implicit-tls+tls1.3+banner-0.5rtt+pipelining+auth-pipelined+nodelay", "cold", False, 5, 2,
     3),
    ("implicit-tls+tls1.3+pipelining+auth-plain", "cold", False, 7, 3, 5),
    # resumption: TLS 1.2 abbreviated (server Finished first at 5, EHLO right behind the
    # client Finished): one RTT less with TCP_NODELAY (with Nagle EHLO waits for the delayed
    # ACK of the Finished: test_a_resumed_tls12_finished_is_acked_by_the_delayed_ack_timer);
    # TLS 1.3 is 1 RTT either way, and with Nagle EHLO waits for the first ticket at 6;
    # implicit TLS 1.2 waits for the banner, written when the server reads the Finished
    ("baseline+resumption", "cold", False, 10, 2, 8),
    ("baseline+resumption+nodelay", "warm", False, 9, 2, 7),
    ("baseline+resumption+nodelay", "warm", True, 9, 2, 7),  # the ticket key did not change
    ("baseline+tls1.3+resumption", "warm", False, 10, 2, 8),
    ("baseline+tls1.3+resumption+nodelay", "warm", False, 9, 2, 7),
    ("implicit-tls+tls1.2+pipelining+auth-pipelined+resumption", "warm", False, 6, 3, 4),
    ("baseline", "warm", False, 10, 2, 8),  # nothing offered without ``resumption``
    # QUICKSTART (the drafts' Appendix A table; tests/simulator/smtp/test_quickstart.py)
    ("quickstart-basic", "cold", False, 6, 2, 4),
    ("quickstart-basic", "warm", False, 6, 2, 4),  # nothing to cache
    ("quickstart-full", "warm", False, 4, 2, 2),
    ("quickstart-full", "cold", False, 7, 2, 5),
    ("quickstart-full+no-resumption", "warm", False, 5, 2, 3),
    ("quickstart-full", "warm", True, 5, 2, 3),  # 520 with the list at 3, the group again
    ("quickstart-full+tls1.3", "cold", False, 6, 2, 4),  # QHLO rides with the Finished
    ("pipelining+qs-full", "warm", False, 3, 2, 1),
    ("pipelining+qs-full", "warm", True, 4, 2, 2),
    ("pipelining+qs-full", "cold", False, 4, 2, 2),
    # early pipelining on a configuration token (tests/simulator/smtp/test_early_pipelining.py)
    ("config-token", "cold", False, 9, 2, 7),
    ("config-token", "warm", False, 6, 2, 4),
    # TLS 1.3: the group written behind the Finished at 3 waits under Nagle for the first
    # ticket at 4: 354 at 5, 250 at 6; with TCP_NODELAY it leaves at 3: 5
    ("baseline+config-token+tls1.3", "warm", False, 6, 2, 3),
    ("baseline+config-token+tls1.3+nodelay", "warm", False, 5, 2, 3),
    ("config-token", "warm", True, 8, 2, 6),
    # implicit TLS 1.3: the group written behind the Finished at 2 waits under Nagle for its
    # ACK, on the tickets and banner the server writes when it reads the Finished (3): 354
    # at 4, 250 at 5 (4 with BDAT); with TCP_NODELAY 4 (3). Stale: refused at 4, again
    # at 4 (MAIL), 250 at 6; with TCP_NODELAY refused at 3, 250 at 5.
    ("baseline+config-token+implicit-tls+tls1.3", "warm", False, 5, 3, 2),
    ("baseline+config-token+implicit-tls+tls1.3+nodelay", "warm", False, 4, 3, 2),
    ("baseline+config-token+implicit-tls+tls1.3+chunking", "warm", False, 4, 3, 2),
    ("baseline+config-token+implicit-tls+tls1.3+chunking+nodelay", "warm", False, 3, 3, 2),
    ("baseline+config-token+implicit-tls+tls1.3", "cold", False, 6, 3, 4),
    ("baseline+config-token+implicit-tls+tls1.3", "warm", True, 6, 3, 4),
    ("baseline+config-token+implicit-tls+tls1.3+nodelay", "warm", True, 5, 3, 3),
    ("pipelining+config-token", "warm", False, 3, 2, 1),
    ("pipelining+config-token", "warm", True, 4, 2, 2),
    ("pipelining+config-token", "cold", False, 5, 2, 3),
    # BDAT with a pipelined QUIT on a cached token: the speculative group carries no QUIT
    # (the server never refuses one); refused: 504 and 503s (BDAT's once its chunk is read)
    # at 2, the group again with QUIT, 250 and 221 at 3; accepted: 250 at 2, QUIT 2 -> 3
    ("pipelining+config-token+chunking+quit-pipelined", "warm", True, 3, 2, 2),
    ("pipelining+config-token+chunking+quit-pipelined", "warm", False, 2, 2, 1),
    # Fast Open (tests/simulator/tcp/test_fast_open.py): the banner with the SYN-ACK at 1
    # with a cookie
    ("baseline+tfo", "cold", False, 10, 2, 8),
    ("baseline+tfo", "warm", False, 9, 1, 7),
    ("baseline+ttcp", "warm", False, 9, 1, 7),
    ("baseline+synack-banner", "cold", False, 9, 1, 7),
    (f"{IMPLICIT}+tfo+syn-data", "warm", False, 5, 2, 3),
    (f"{IMPLICIT}+tfo+syn-data", "cold", False, 6, 3, 4),
    # ... the group behind the Finished at 2, held by Nagle until the first ticket at 3
    ("baseline+config-token+tls1.3+tfo+syn-data", "warm", False, 5, 1, 2),
    ("baseline+config-token+tls1.3+tfo+syn-data+nodelay", "warm", False, 4, 1, 2),
    # the composite presets (tests/simulator/test_presets.py; TCP_NODELAY, so the group
    # leaves right behind the Finished)
    ("streamlined", "warm", False, 2, 2, 1),  # banner when the Finished is read
    ("streamlined", "cold", False, 5, 3, 4),
    ("streamlined-2006", "warm", False, 2, 1, 1),
    ("streamlined-2006", "cold", False, 6, 2, 5),
    # 0-RTT (tests/simulator/tls/test_round_trips.py): EHLO with the ClientHello at 4, its
    # reply behind the flight at 5; AUTH waits under Nagle for the tickets that ACK the Finished (6)
    ("baseline+tls1.3+resumption+early-data", "warm", False, 9, 2, 7),
    ("baseline+tls1.3+resumption+early-data+nodelay", "warm", False, 8, 2, 6),
    ("baseline+tls1.3+resumption+nodelay", "warm", False, 9, 2, 7),
    # no ticket, no 0-RTT: EHLO behind the Finished at 5, held by Nagle until the ticket at 6
    ("baseline+tls1.3+resumption+early-data", "cold", False, 10, 2, 8),
    # the group and the chunk ride with the ClientHello: the 250 comes behind the flight
    ("rfc5321+config-token+implicit-tls+resumption+early-data+chunking", "warm", False, 2, 2, 1),
]


@pytest.mark.parametrize(("variant", "state", "changed", "accept", "greeting", "mail"),
                         START_ROUND_TRIPS)
def test_session_starts_on_an_ideal_path(variant: str, state: str, changed: bool, accept: int,
                                         greeting: int, mail: int) -> None:
    case = ideal_case(variant, rtt=HALF, state=state, config_changed=changed)
    result = oracle(case)
    f = case.client.features
    assert result.accept_s == pytest.approx(accept * HALF, abs=TOL)
    assert result.greeting_s == pytest.approx(greeting * HALF, abs=TOL)
    assert result.mail_s == pytest.approx(mail * HALF, abs=TOL)
    assert round_trips(f, 1, state=state, config_changed=changed) == accept == result.round_trips
    assert result.rtt_accept == accept and result.stall_accept_s == 0.0
    assert result.rtt_user == user_round_trips(f, 1, state=state, config_changed=changed)
    assert result.handshake_retransmits == 0 and not result.rto_possible


DELAYED_ACK = [
    # variant, state, MAIL written (RTT, + delayed-ACK timers), final 250 (RTT, + timers).
    # A resumed TLS 1.2 handshake ends with the client's Finished (RFC 5246 §7.3 Fig. 2);
    # the server writes nothing when it reads it, so with Nagle the write behind the
    # Finished waits a round trip and the server's delayed-ACK timer (40 ms) for its ACK.
    # baseline: the Finished at 5, EHLO 6 + d -> 7 + d, AUTH -> 8 + d (MAIL), 250 at 10 + d.
    ("baseline+resumption", "warm", (8, 1), (10, 1)),
    # QUICKSTART full, the drafts' client with Nagle: the group written at 2 behind the
    # Finished, released at 3 + d: 354 at 4 + d, 250 at 5 + d
    ("quickstart-full+nagle", "warm", (2, 0), (5, 1)),
    # early pipelining, TLS 1.2 resumed: the group written at 3, released at 4 + d: 250 at
    # 6 + d
    ("baseline+config-token+resumption", "warm", (3, 0), (6, 1)),
    # streamlined-2006 with Nagle: T/TCP, the group written at 1, released at 2 + d
    ("streamlined-2006+nagle", "warm", (1, 0), (3, 1)),
]


@pytest.mark.parametrize(("variant", "state", "mail", "accept"), DELAYED_ACK)
def test_a_resumed_tls12_finished_is_acked_by_the_delayed_ack_timer(
    variant: str, state: str, mail: tuple[int, int], accept: tuple[int, int]
) -> None:
    case = ideal_case(variant, rtt=HALF, state=state)
    result = oracle(case)
    f = case.client.features
    assert result.mail_s == pytest.approx(mail[0] * HALF + mail[1] * DELACK, abs=TOL)
    assert result.accept_s == pytest.approx(accept[0] * HALF + accept[1] * DELACK, abs=TOL)
    assert round_trips(f, 1, state=state) == accept[0]
    assert delayed_acks(f, 1, state=state) == accept[1]


@pytest.mark.parametrize(("tickets", "accept", "delayed"), [(2, 10, 0), (1, 10, 0), (0, 10, 1)])
def test_tls13_tickets_carry_the_ack_of_the_finished(tickets: int, accept: int,
                                                     delayed: int) -> None:
    """``baseline+tls1.3``, Nagle on, the server TCP_NODELAY: the first NewSessionTicket,
    written when the server reads the client's Finished (5.5 on the 1 s path), carries the
    Finished's ACK to the client at 6, where it releases EHLO; a second ticket is a second
    write (OpenSSL flushes after each, ``ossl_statem_server_post_work``) right behind it and
    changes nothing: 250 at 10 with one or two. Without tickets (``tickets_13`` 0) the ACK
    waits for the server's delayed-ACK timer: 6 + 40 ms, the 250 at 10 + 40 ms."""
    tls = replace(NO_CPU, tickets_13=tickets)
    case = ideal_case("baseline+tls1.3", tls=tls)
    result = oracle(case)
    assert result.accept_s == pytest.approx(accept + delayed * DELACK, abs=TOL)
    f = case.client.features
    assert round_trips(f, 1) == accept
    assert delayed_acks(f, 1, tickets=tickets) == delayed


def test_a_tls13_server_without_tickets_leaves_nothing_to_resume() -> None:
    """``baseline+tls1.3+resumption``, the server sends no NewSessionTicket (``tickets_13``
    0; RFC 8446 §4.6.1 lets it): the earlier connection left the warm client no ticket, so
    its ClientHello offers none (RFC 8446 §4.2.11) and the server sends its whole flight, as
    to a cold client. With no ticket to carry it, the ACK of the client's Finished (5.5 at
    the server) waits for the delayed-ACK timer, so EHLO leaves at 6 + 40 ms: 250 at
    10 + 40 ms, warm as cold, in the oracle and the simulator alike."""
    tls = replace(NO_CPU, tickets_13=0)
    cold = ideal_case("baseline+tls1.3+resumption", tls=tls)
    warm = ideal_case("baseline+tls1.3+resumption", tls=tls, state="warm")
    for case in (cold, warm):
        result = oracle(case)
        assert result.accept_s == pytest.approx(10 + DELACK, abs=TOL)
        record, _ = run_session(case, seed=1)
        assert not record.ticket_offered and not record.tls_resumed
        assert record.accept_s == pytest.approx(10 + DELACK, abs=TOL)
    assert oracle(warm).bytes_down == oracle(cold).bytes_down


def test_a_kept_session_has_no_quit_and_no_close() -> None:
    """``reuse``: no QUIT at all (not even pipelined): the user is told at the 250, the
    connection stays open for the next message."""
    for variant in ("pipelining+reuse", "pipelining+reuse+quit-pipelined"):
        result = oracle(ideal_case(variant))
        assert result.accept_s == result.user_s == pytest.approx(5, abs=TOL)
        assert math.isnan(result.close_s)
        assert result.rtt_accept == result.rtt_user == 5


# ----------------------------------------------------------------- the IMAP side (anchors)
# tests/simulator/smtp/test_burl.py's derivations: client RTT 0.5 s, data-centre RTT 1 ms, an open
# IMAP session unless said. Synchronizing literal: APPEND 0, "+" 1, literal 1, OK 2 (saved),
# GENURLAUTH 2, URL 3; LITERAL+: OK 1, URL 2; a cold session first: TCP 1, TLS flight 2,
# greeting 3, AUTHENTICATE 4 (saved 6, URL 7). BURL: the MAIL group at 8 (baseline), the 250
# at 9 RTT + the fetch (one data-centre round trip); save-first: the submission starts at the
# URL (3), 250 at 12 RTT + 1 ms; plain send-and-save: baseline's 10, or 2 + 10 saved first.
BURL_ANCHORS = [
    # variant, saved, accept (in client RTTs), fetch (data-centre RTTs), start of SMTP
    ("burl", 2, 9, 1, 0),
    ("baseline+burl+literal-plus", 1, 9, 1, 0),
    ("baseline+burl+imap-cold", 6, 9, 1, 0),
    ("baseline+burl+save-first", 2, 12, 1, 3),
    ("baseline+burl+save-first+literal-plus+imap-cold", 5, 15, 1, 6),
    ("baseline+save", 2, 10, 0, 0),
    ("baseline+save-first", 2, 12, 0, 2),
    ("baseline+save+literal-plus+imap-cold", 5, 10, 0, 0),
    ("baseline+burl+no-pipelining", 2, 11, 1, 0),  # MAIL 8, RCPT 9, BURL 10: 250 at 11
]


@pytest.mark.parametrize(("variant", "saved", "accept", "fetch", "start"), BURL_ANCHORS)
def test_send_and_save_and_burl_on_an_ideal_path(variant: str, saved: int, accept: int,
                                                  fetch: int, start: int) -> None:
    case = ideal_case(variant, rtt=BURL_RTT)
    r = oracle(case)
    assert r.saved_s == pytest.approx(saved * BURL_RTT, abs=1e-6)
    assert r.accept_s == pytest.approx(accept * BURL_RTT + fetch * DC_RTT, abs=1e-5)
    assert r.done_s == max(r.saved_s, r.accept_s)
    assert r.save_phase_s == pytest.approx(start * BURL_RTT, abs=1e-6)
    assert round_trips(case.client.features, 1) == accept
    # the 250 comes last (done = accept); the fetch is the server's processing: a stall
    assert r.rtt_accept == r.rtt_done == accept
    assert r.stall_accept_s == pytest.approx(fetch * DC_RTT, abs=1e-5)
    if case.client.features.burl:
        assert r.url_s == pytest.approx((saved + 1) * BURL_RTT, abs=1e-6)


# ------------------------------------------------ the IMAP side: TLS modes and pipelining
# A cold IMAP session, RTT 1 s, IMAP and SMTP both from 0; times in RTT (the 1 s SYN and
# SYN-ACK timers fire in the instant the answers to the first ones arrive: the copies they
# send move no time here). The session is ready to authenticate (R):
#   imap-tls (RFC 8314 §3): SYN-ACK 1, ClientHello 1 -> server flight 2, client Finished 2,
#     read at 2.5, the greeting written then: R = 3.
#   imap-plain: the greeting is written at the accept (the handshake ACK at 1.5): R = 2.
#   imap-starttls: greeting 2; STARTTLS 2 -> OK 3 (nothing else may be sent, RFC 3501
#     §6.2.1); ClientHello 3 -> flight 4; the Finished 4, a write of its own (OpenSSL), then
#     CAPABILITY (cached capabilities are discarded, §6.2.1), which Nagle holds for the
#     Finished's ACK: the IMAP server writes nothing when it reads the Finished (no ticket),
#     so it ACKs on its delayed-ACK timer, 4.5 + 40 ms; CAPABILITY leaves at 5 + 40 ms, the
#     answer comes at 6 + 40 ms: R = 6 + D (5 with TCP_NODELAY).
# imap-lockstep: AUTHENTICATE R -> OK R + 1; APPEND {n+} with its literal R + 1 -> OK R + 2
# (saved); literal-sync: "+" R + 2, OK R + 3. imap-pipelined: AUTHENTICATE, APPEND and the
# literal at R, both OKs at R + 1 (saved). GENURLAUTH after APPEND's OK (its URL names the
# UID the OK gives, RFC 4315, RFC 4467 §7.2): the URL at saved + 1.
# SMTP (MODERN: implicit TLS 1.3, PIPELINING, BDAT, AUTH PLAIN): banner 3, EHLO 3 -> 4,
# AUTH 4 -> 235 at 5 (ready for the group), send-and-save's MAIL+RCPT+BDAT 5 -> 250 at 6;
# BURL's MAIL+RCPT+BURL waits for the URL: 250 at max(5, URL) + 1 RTT + the fetch (one 1 ms
# data-centre round trip on the pooled connection).
MODERN = "pipelining+chunking+tls1.3+auth-plain+implicit-tls"
IMAP_MODES = [
    # IMAP tokens, saved, URL, BURL's 250 (RTT)
    ("imap-tls+imap-lockstep+literal-plus", 5, 6, 7),
    ("imap-tls+imap-pipelined", 4, 5, 6),
    ("imap-tls+literal-sync", 6, 7, 8),
    ("imap-starttls+imap-lockstep+literal-plus", 8 + DELACK, 9 + DELACK, 10 + DELACK),
    ("imap-starttls+imap-pipelined", 7 + DELACK, 8 + DELACK, 9 + DELACK),
    ("imap-starttls+literal-sync", 9 + DELACK, 10 + DELACK, 11 + DELACK),
    ("imap-starttls+imap-pipelined+nodelay", 6, 7, 8),
    ("imap-plain+imap-lockstep+literal-plus", 4, 5, 6),
    ("imap-plain+imap-pipelined", 3, 4, 6),
    ("imap-plain+literal-sync", 5, 6, 7),
]


@pytest.mark.parametrize(("imap", "saved", "url", "burl_accept"), IMAP_MODES)
def test_imap_tls_modes_and_pipelining_on_an_ideal_path(imap: str, saved: float, url: float,
                                                        burl_accept: float) -> None:
    """``saved_s`` of send-and-save and the URL and 250 of BURL for each IMAP TLS mode,
    pipelined and not (the derivation above); send-and-save is accepted at 6 whatever the
    IMAP side does, done at the later of 6 and ``saved``."""
    save = ideal_case(f"{MODERN}+save+imap-cold+{imap}")
    burl = ideal_case(f"{MODERN}+burl+imap-cold+{imap}")
    r, b = oracle(save), oracle(burl)
    assert r.saved_s == pytest.approx(saved, abs=TOL)
    assert r.accept_s == pytest.approx(6, abs=TOL)
    assert r.done_s == pytest.approx(max(6, saved), abs=TOL)
    assert b.saved_s == pytest.approx(saved, abs=TOL)
    assert b.url_s == pytest.approx(url, abs=TOL)
    assert b.accept_s == pytest.approx(burl_accept + DC_RTT, abs=1e-5)
    assert round_trips(save.client.features, 1) == 6
    assert round_trips(burl.client.features, 1) == int(burl_accept)
    timers = delayed_acks(burl.client.features, 1)
    assert round_trips(burl.client.features, 1) + timers * DELACK == pytest.approx(burl_accept)


INSTANT = PathConfig.symmetric_rtt(0.0, 1e12, 1e12)  # a data-centre fetch that takes no time

_IDEAL_PROPERTY = dict(max_examples=300, deadline=None, database=None,
                       suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@settings(**_IDEAL_PROPERTY)
@given(token_variants(), st.sampled_from(["cold", "warm"]), st.booleans(), st.integers(1, 5))
def test_closed_forms_agree_with_the_causal_computation(variant: str, state: str,
                                                        changed: bool, recipients: int) -> None:
    """On an ideal path with coalesced writes and IW 10, every wait costs one round trip
    (0-RTT's saving is eaten by Nagle unless the 250 came with it; with Nagle the write
    behind the client's TLS Finished waits a round trip for its ACK, and a delayed-ACK timer
    more when nothing the server writes carries that ACK), so the oracle's accept time is
    :func:`round_trips` RTTs plus :func:`delayed_acks` timers; and those are the round trips
    and the stall on its critical path to the 250; the round trips to the user are
    :func:`user_round_trips`: two derivations, one causal and one closed, of the same
    tables."""
    case = ideal_case(variant + "+coalesced", rtt=HALF, state=state, recipients=recipients,
                      config_changed=changed and state == "warm", dc_path=INSTANT)
    # round_trips' BURL term (the group waits for the URL) assumes the group is not 0-RTT data
    assume(not (case.client.features.burl and case.client.features.early_data))
    kw = dict(state=case.client.state, config_changed=case.server.config_changed)
    result = oracle(case)
    rtts = round_trips(case.client.features, recipients, **kw)
    timers = delayed_acks(case.client.features, recipients, **kw)
    assert result.accept_s == pytest.approx(rtts * HALF + timers * DELACK, abs=TOL)
    assert result.rtt_accept == rtts
    assert result.stall_accept_s == pytest.approx(timers * DELACK, abs=TOL)
    assert result.rtt_user == user_round_trips(case.client.features, recipients, **kw)
