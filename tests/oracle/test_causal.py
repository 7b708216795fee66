"""The causal computation: packets, bytes and timers, each anchor derived by hand.

Serialization sums on slow links, slow-start rounds (RFC 5681 §3.1) and the receive window,
Nagle (RFC 896, Linux's Minshall variant) and delayed-ACK (RFC 1122 §4.2.3.2) stalls, the SYN
and SYN-ACK timers (RFC 6298 §5.5), the RTO flag, Fast Open's options and SYN data (RFC 7413),
and the IMAP side's timing (RFC 3501, RFC 4467, RFC 4468; NOOP keep-alives, RFC 5321
§4.1.1.9).
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from cases import NO_CPU, ideal_case, with_features

from smtpsim.model import (
    Case,
    LinkConfig,
    PathConfig,
    ServerTiming,
    TcpConfig,
    text,
)
from smtpsim.oracle import (
    oracle,
    slow_start_rounds,
)
from smtpsim.oracle.agenda import Agenda
from smtpsim.oracle.causes import ORIGIN
from smtpsim.oracle.connection import Connection
from smtpsim.oracle.records import Part, Rec
from smtpsim.oracle.session import Session
from smtpsim.oracle.wire import Link
from smtpsim.simulator.run import run_session

MSS = TcpConfig().mss  # 1448
HDR = TcpConfig().header_bytes  # 52
DELACK = TcpConfig().delack_s  # 40 ms
TOL = 1e-6  # seconds, on a 1 s RTT with 1 Tbit/s links
HALF = 0.5  # RTT of these anchors: below the 1 s SYN / SYN-ACK / initial RTO timers
BURL_RTT = 0.5
DC_RTT = 0.001

def _session(case: Case) -> Session:
    """The oracle's computation itself, for the packets it sent."""
    s = Session(case)
    s.start()
    s.agenda.run()
    return s


def test_greeting_costs_two_rtt_plus_four_packets_and_the_banner_time() -> None:
    """SYN 60 B up, SYN-ACK 60 B down, handshake ACK 52 B up (the server is established when
    it arrives), ``greeting`` of processing, then the 220 (38 B + 52) down: every packet costs
    its serialization plus a one-way delay."""
    bw, rtt = 64_000.0, 0.3
    case = ideal_case("pipelining", rtt=rtt, bandwidth=bw, timing=ServerTiming.typical())
    wire = 60 + 60 + 52 + (text.line_bytes(text.reply_line(220, text.GREETING)) + HDR)
    expected = rtt + rtt + wire * 8 / bw + ServerTiming.typical().greeting
    assert oracle(case).greeting_s == pytest.approx(expected, rel=1e-12)


def test_lock_step_exchanges_add_one_rtt_plus_both_packets_each() -> None:
    """RFC 5321 lock-step on a 64 kbit/s link with an ideal server: each command and its
    reply are one segment each; the reply carries the ACK of the command and the next command
    the ACK of the reply (no pure ACK, no queueing), so every step costs exactly
    ``RTT + 8 (command + reply) / B`` after the greeting."""
    bw, rtt, size, r = 64_000.0, 0.3, 1000, 2
    case = ideal_case("rfc5321", rtt=rtt, bandwidth=bw, size=size, recipients=r)
    steps = [  # (command, reply) payload bytes
        (25, sum(map(text.line_bytes, text.capability_lines(250, text.SERVER_DOMAIN, True)))),
        (text.line_bytes(text.mail_from(size, True)), 14),
        *[(text.line_bytes(text.rcpt_to(i)), 14) for i in range(r)],
        (6, 37),  # DATA, 354
        (size + 3, 36),  # content + CRLF.CRLF, 250 queued
    ]
    result = oracle(case)
    accept = result.greeting_s + sum(rtt + (c + s + 2 * HDR) * 8 / bw for c, s in steps)
    assert result.accept_s == pytest.approx(accept, rel=1e-12)
    quit_step = rtt + (6 + 15 + 2 * HDR) * 8 / bw  # QUIT, 221
    assert result.close_s == pytest.approx(accept + quit_step, rel=1e-12)


@pytest.mark.parametrize(
    ("segments", "iw", "rounds", "late"),
    [
        # IW 10: flights 10, 20, 40, 80, 160, 320 (630 in 6 rounds), 640: 691 is in round 7.
        (600, 10, 6, False),
        (691, 10, 7, False),
        # IW 3: the odd third segment of the first flight is ACKed by the 40 ms timer, so each
        # round has a main burst and a late one 40 ms behind; round 8 = 382..637 (main) +
        # 638..765 (late): 600 is in the main burst, 691 in the late one.
        (600, 3, 8, False),
        (691, 3, 8, True),
    ],
)
def test_body_costs_its_slow_start_rounds(segments: int, iw: int, rounds: int,
                                          late: bool) -> None:
    """RFC 5681 §3.1 slow start with an ACK for every second segment (§4.2): pipelining takes
    4 RTT to the 354's arrival plus one RTT per round of the body."""
    size = segments * MSS - 3  # content + terminator fill ``segments`` full segments
    result = oracle(ideal_case("pipelining", size=size, iw=iw))
    assert result.accept_s == pytest.approx(4 + rounds + (DELACK if late else 0), abs=1e-4)
    if iw == 10:
        assert slow_start_rounds(segments, iw) == rounds


def test_receive_window_caps_the_flight_of_a_20_mb_body() -> None:
    """Chunking, 20 MB, IW 10, RTT 1 s: N = ceil((46 + 29 + 20 + 20e6) / 1448) = 13813
    segments. Slow start sends 10, 20, ..., 2560 (5110 in 9 rounds); then a fixed receive
    window of ``rmem[2]`` = 6 MiB (``rmem_autotune`` False) holds floor(6 MiB / 1448) = 4344
    segments, so 3 more rounds: 12 rounds after the EHLO reply at 3 RTT -> 15 RTT. Without
    the window, 11 rounds."""
    size = 20_000_000
    group = (text.line_bytes(text.mail_from(size, True)) + text.line_bytes(text.rcpt_to(0))
             + len(f"BDAT {size} LAST\r\n"))
    n = math.ceil((group + size) / MSS)
    fixed = TcpConfig(rmem_autotune=False)
    per_round = fixed.rmem[2] // MSS
    rounds = 9 + math.ceil((n - 10 * (2**9 - 1)) / per_round)
    assert (n, per_round, rounds) == (13813, 4344, 12)
    capped = oracle(ideal_case("chunking", size=size, client_tcp=fixed, server_tcp=fixed))
    assert capped.accept_s == pytest.approx(3 + rounds, abs=1e-3)
    wide = TcpConfig(rmem=(4096, 131072, 10**9), rmem_autotune=False)
    unlimited = oracle(ideal_case("chunking", size=size, client_tcp=wide, server_tcp=wide))
    assert unlimited.accept_s == pytest.approx(3 + slow_start_rounds(n, 10), abs=1e-3)
    assert slow_start_rounds(n, 10) == 11


@pytest.mark.parametrize(
    ("variant", "extra"),
    [
        # MAIL leaves alone; RCPT and DATA wait under Nagle for its ACK, which the 250 carries
        # (the server flushes at once: nothing else is waiting, RFC 2920 §3.2): +1 RTT. Body
        # and terminator are one write (CPython smtplib.SMTP.data): nothing more.
        ("pipelining", 1),
        # + TLS 1.2: the client's flight (ClientKeyExchange, ChangeCipherSpec, Finished) is
        # one write whatever the application does (OpenSSL buffers the flight and flushes
        # it after the Finished), acknowledged by the server's Finished: no stall more.
        ("baseline", 1),
        # + TLS 1.3: EHLO waits for the ACK of the client Finished, carried by the first
        # ticket the server writes as soon as it reads Finished, a round trip later; but the
        # Finished is a write of its own with coalesced writes too, so that round trip is in
        # the base as well: no stall more.
        ("baseline+tls1.3", 1),
        # chunking: RCPT, BDAT and the chunk wait for the ACK that the 250 to MAIL carries.
        ("chunking", 1),
    ],
)
def test_per_command_writes_stall_under_nagle(variant: str, extra: float) -> None:
    """RFC 896 Nagle as Linux does it (Minshall's variant, ``tcp_nagle_check``) and RFC 1122
    §4.2.3.2 delayed ACK (Linux ``TCP_DELACK_MIN``, 40 ms): what one write per command costs
    over coalesced writes, Nagle on in both; with TCP_NODELAY the two cost the same."""
    coalesced = ideal_case(variant)
    per_command = with_features(coalesced, writes="per-command", nagle=True)
    base = oracle(coalesced).accept_s
    assert oracle(per_command).accept_s - base == pytest.approx(extra, abs=TOL)
    nodelay = oracle(with_features(coalesced, nagle=False)).accept_s
    assert oracle(with_features(per_command, nagle=False)).accept_s == pytest.approx(
        nodelay, abs=TOL)


@pytest.mark.parametrize("nagle", [True, False])
def test_tls12_client_flight_is_one_segment_per_command(nagle: bool) -> None:
    """A per-command client (one write per command, Python's smtplib over ssl) still lets
    OpenSSL write its TLS 1.2 flight, which it buffers and flushes once after the Finished
    (ssl/statem/statem_clnt.c ``ossl_statem_client_post_work``, ``TLS_ST_CW_FINISHED``):
    ClientKeyExchange, ChangeCipherSpec and Finished, 126 B, are one segment of 126 + 52 B,
    leaving when the server's flight has arrived (5 on the 1 s path: STARTTLS 3 -> 4,
    ClientHello 4 -> 5), Nagle or not; the client's next data (EHLO) only after the
    server's Finished at 6."""
    case = with_features(ideal_case("baseline"), writes="per-command", nagle=nagle)
    s = _session(case)
    data = [(round(dep, 6), b) for dep, _arr, b in s.up.log if b > HDR and 5 <= dep < 6]
    assert data == [(5.0, 126 + HDR)]


@pytest.mark.parametrize(("variant", "ehlo_leaves"), [("baseline+tls1.3", 6),
                                                      ("baseline+tls1.3+nodelay", 5)])
def test_tls13_finished_and_ehlo_are_two_segments(variant: str, ehlo_leaves: int) -> None:
    """TLS 1.3 (RFC 8446 §2): the client's Finished (80 B) is flushed by the TLS library
    before ``SSL_do_handshake`` returns, so it leaves alone at 5 (80 + 52 B); EHLO (25 B in
    a TLS 1.3 record, 47 + 52 B) is the application's next write. Nagle holds it while the
    small Finished is unacknowledged: until the first ticket, which the server writes when it
    reads the Finished (5.5), brings the ACK at 6. With TCP_NODELAY it leaves at 5 too, as a
    second segment."""
    s = _session(ideal_case(variant))
    data = [(round(dep, 6), b) for dep, _arr, b in s.up.log if b > HDR and 5 <= dep < 6.5]
    assert data[:2] == [(5.0, 80 + HDR), (ehlo_leaves, 47 + HDR)]


@pytest.mark.parametrize("close", [False, True])
def test_the_segment_before_a_fin_is_not_held_by_nagle(close: bool) -> None:
    """A server with Nagle on (``Server.nagle``) on an open connection, RTT 1 s: a 100 B
    record at 0 leaves at once; a 50 B record written at 0.1 finds that small segment
    unacknowledged, so Nagle (Minshall) holds it until the client's ACK, which the client,
    with nothing to send, delays: sent at 0.5 + 40 ms, at the server at 1.04. But when the
    server closes right after that write, Linux's ``tcp_send_fin`` tacks the FIN onto the
    last queued segment and ``tcp_nagle_test`` lets a segment with a FIN go: it leaves at
    0.1. (Found by the property that draws server Nagle settings: the oracle held the 221
    before a server's FIN, the simulator did not.)"""
    ag = Agenda()
    path = PathConfig.symmetric_rtt(1.0, 1e12, 1e12)
    conn = Connection(ag, Link(ag, path.up), Link(ag, path.down), TcpConfig(), TcpConfig(),
                      False, True)
    conn.established()
    server = conn.server

    def second() -> None:
        server.write(0.1, [Part([Rec(50, "221")])], 16384, ORIGIN)
        if close:
            server.close(0.1, ORIGIN)

    server.write(0.0, [Part([Rec(100, "250")])], 16384, ORIGIN)
    ag.at(0.1, second)
    ag.run()
    data = [round(dep, 6) for dep, _arr, b in conn.down.log if b > HDR]
    assert data == [0.0, 0.1 if close else 1.04]


def test_the_finished_does_not_wait_for_a_half_rtt_banner_in_a_later_segment() -> None:
    """Implicit TLS 1.3 with the 0.5-RTT banner (RFC 8446 §2), a 1400 B server flight, RTT
    0.8 s (below the 1 s SYN timer), the downlink at 96 kbit/s, no CPU: the server writes
    its flight and the banner (``banner`` B in a TLS record) as one write when the
    ClientHello arrives (1.2 + the 60 B SYN-ACK's 5 ms on the downlink), two segments:
    1448 B, which ends the flight, and the rest. The client's TLS library answers the
    flight when it has it, at the first segment's arrival (its 1500 B take 0.125 s): that
    is when the Finished is written (``tls_s``), not when the banner's segment has followed
    it (``greeting_s``, its serialization later). (Found by the property that draws server
    flights: the oracle waited for the banner.)"""
    bw = 96_000.0
    tls = replace(NO_CPU, server_flight=1400)
    case = ideal_case("pipelining+implicit-tls+tls1.3+banner-0.5rtt", tls=tls,
                      path=PathConfig(LinkConfig(0.4, 1e12), LinkConfig(0.4, bw)))
    banner = text.line_bytes(text.reply_line(220, text.GREETING)) + 22
    hello_arrives = 0.4 + 60 * 8 / bw + 0.4 + 0.4  # SYN, SYN-ACK, ACK + ClientHello
    flight = hello_arrives + (MSS + HDR) * 8 / bw + 0.4
    greeting = flight + (1400 + banner - MSS + HDR) * 8 / bw
    for result in (oracle(case), run_session(case, seed=1)[0]):
        assert result.tls_s == pytest.approx(flight, abs=TOL)
        assert result.greeting_s == pytest.approx(greeting, abs=TOL)


def test_handshake_timers_fire_spuriously_above_one_second() -> None:
    """RTT 1.2 s: the client resends its SYN at 1 s, the server answers that SYN with another
    SYN-ACK and its own timer fires at 0.6 + 1 s, before the ACK arrives at 1.8 s: three
    spurious packets, no delay on a fast path. At RTT 0.9 s no timer fires."""
    slow = oracle(ideal_case("pipelining", rtt=1.2))
    assert slow.handshake_retransmits == 3
    assert slow.accept_s == pytest.approx(5 * 1.2, abs=TOL)
    assert oracle(ideal_case("pipelining", rtt=0.9)).handshake_retransmits == 0


def test_a_held_synack_answers_a_repeated_syn_and_every_synack_carries_the_banner() -> None:
    """The banner on the SYN-ACK with the SYN timer firing (RFC 6298 §2.1: 1 s), both models.

    Greeting 1.5 s, RTT 0.5 s (``ServerTiming`` constant, so in the oracle's domain): the SYN
    arrives at 0.25 and the SYN-ACK is held for the banner, ready at 1.75; the SYN timer
    sends the SYN again at 1.0, which arrives at 1.25 and finds the SYN-ACK still held: the
    SYN-ACK that leaves with the banner at 1.75 answers both. It arrives at 2.0 (connect()
    and the greeting); the ACK reaches the server at 2.25, before its SYN-ACK timer (2.75).
    Then ``baseline+synack-banner``'s 8 round trips: 250 at 6.0. One retransmission, one
    SYN-ACK of 60 + 38 B.

    Greeting 0.5 ms, RTT 1.5 s: the SYN-ACK leaves with the banner at 0.7505 and arrives at
    1.5005; the SYN timer has fired at 1.0, that SYN arrives at 1.75 while the server, whose
    ACK is still on its way (2.2505), is in SYN-RECEIVED: it answers with the SYN-ACK again,
    and its own SYN-ACK timer fires at 1.7505 too; each copy carries the banner again (RFC
    793 §3.4), a duplicate the client acknowledges. 250 at 1.5005 + 8 x 1.5 = 13.5005; three
    retransmissions, three SYN-ACKs of 98 B. The simulator also probes the client's EHLO once
    (RFC 8985 §7): the handshake gave no RTT sample, so the probe timeout is
    TCP_TIMEOUT_INIT, 1 s, shorter than the 1.5 s the EHLO waits for its ACK; the probe's
    copy changes no time."""
    ideal = ServerTiming.ideal()
    synack = 60 + text.line_bytes("220 submit.example.net ESMTP Postfix")  # 98 B
    for rtt, greeting, accept, synacks in ((HALF, 1.5, 6.0, 1), (1.5, 0.0005, 13.5005, 3)):
        case = ideal_case("baseline+synack-banner", rtt=rtt,
                          timing=replace(ideal, greeting=greeting))
        expected = oracle(case)
        assert expected.accept_s == pytest.approx(accept, abs=TOL)
        assert expected.handshake_retransmits == synacks
        assert [b for _dep, _arr, b in _session(case).down.log[:synacks]] == [synack] * synacks
        record, trace = run_session(case, seed=0, trace=True)
        assert trace is not None
        assert record.accept_s == pytest.approx(accept, abs=TOL)
        assert record.retransmits == synacks + (1 if rtt > 1.0 else 0)
        assert [p.wire_bytes for p in trace.packets if p.direction == "down"][:synacks] == [
            synack] * synacks


def test_rto_flag_marks_slow_links() -> None:
    """A 1500 B segment takes 1.25 s at 9.6 kbit/s, longer than any RTO of a 10 ms path
    (at least min(1 s, RTT + 200 ms)) and any loss probe timeout (RACK-TLP, at least
    2 RTT + 2 ms = 22 ms); on a fast path every ACK comes within one RTT and a bit (the
    delayed ACKs of the body are not waited for: the next segments' arrivals send them).
    HyStart is held off so the oracle can follow: the queue building on the slow link ends
    CUBIC's slow start by the delay test (``SlowStartEnds``)."""
    slow = oracle(ideal_case("pipelining", rtt=0.01, bandwidth=9600, size=100_000,
                             hystart=False))
    assert slow.rto_possible
    assert slow.max_ack_wait_s > slow.rto_floor_s == pytest.approx(0.022)
    tcp = TcpConfig(rack=False, hystart=False)
    slow = oracle(ideal_case("pipelining", rtt=0.01, bandwidth=9600, size=100_000,
                             client_tcp=tcp, server_tcp=tcp))
    assert slow.rto_floor_s == pytest.approx(0.21)
    assert not oracle(ideal_case("pipelining", rtt=0.01, bandwidth=1e9, size=100_000,
                                 hystart=False)).rto_possible


def test_syn_data_is_what_linux_puts_in_a_syn_and_the_rest_carries_the_handshake_ack() -> None:
    """RFC 7413 §4.2.1: a SYN with a cookie (12 B option) carries the start of the group
    written at connect(), as much as Linux's ``tcp_send_syn_data`` allows: the MSS of the
    1500 B path MTU without options (1500 - 20 IPv4 - 20 TCP = 1460) less the whole option
    space it reserves (``MAX_TCP_OPTION_SPACE``, 40): 1420 B, not a full 1448 B segment. The
    SYN-ACK acknowledges it; the remainder leaves when the SYN-ACK arrives, its first segment
    carrying the handshake ACK (no pure ACK). On the critical path that remainder is caused
    by the SYN-ACK's arrival (1 round trip); the group's replies come at 2, the content's 250
    at 3 (50 recipients do not fit in the SYN: 3, not 2)."""
    case = ideal_case("pipelining+config-token+tfo+syn-data", rtt=HALF, state="warm",
                      recipients=50)
    s = _session(case)
    up = [b for _dep, _arr, b in s.up.log]
    assert up[0] == 60 + 12 + 1420  # SYN + cookie + 1420 B of data
    group = (text.line_bytes(f"EHLO {text.CLIENT_DOMAIN} TOKEN=submit.example.net.v1.plain")
             + text.line_bytes(text.mail_from(100, True))
             + sum(text.line_bytes(text.rcpt_to(i)) for i in range(50)) + 6)
    assert up[1] == HDR + group - 1420  # the rest, with the handshake ACK
    result = oracle(case)
    assert result.rtt_accept == 3
    assert result.accept_s == pytest.approx(3 * HALF, abs=1e-6)


def test_fast_open_option_sizes() -> None:
    """SYN 60 B + 4 B cookie request without a cookie, + 12 B with one; the SYN-ACK returns
    a 12 B cookie to a request, nothing to a valid cookie."""
    for state, syn, synack in (("cold", 64, 72), ("warm", 72, 60)):
        s = _session(ideal_case("baseline+tfo", rtt=HALF, state=state))
        assert s.up.log[0][2] == syn and s.down.log[0][2] == synack


def test_a_late_url_holds_the_mail_group() -> None:
    """Cold IMAP session, 200 kB over a 1 Mbit/s path (RTT 0.5 s): the literal alone takes
    1.6 s of uplink, so the URL comes after the SMTP client is ready for the MAIL group (8);
    the group leaves when it arrives and the 250 follows one round trip (+ the fetch) later.
    HyStart is held off so the oracle can follow: the URLFETCH's 200 kB on the 1 ms
    data-centre connection end slow start by its ACK train (``SlowStartEnds``)."""
    case = ideal_case("baseline+burl+imap-cold", rtt=BURL_RTT, size=200_000, bandwidth=1e6,
                      hystart=False)
    r = oracle(case)
    assert r.url_s > r.auth_s  # the group waited for it
    assert r.mail_s == pytest.approx(r.url_s, abs=1e-9)
    # (+ the group's and the replies' 3.5 ms of serialization at 1 Mbit/s)
    assert r.accept_s == pytest.approx(r.url_s + BURL_RTT + r.fetch_s + 0.0035, abs=1e-3)


def test_the_fetch_on_a_new_connection_costs_five_data_centre_round_trips() -> None:
    """TCP 1, TLS 1.3 flight 2, greeting 3, AUTHENTICATE 4, URLFETCH 5 (imap.py)."""
    pooled = oracle(ideal_case("burl", rtt=BURL_RTT))
    fresh = oracle(ideal_case("burl", rtt=BURL_RTT, burl_pooled=False))
    assert pooled.fetch_s == pytest.approx(DC_RTT, rel=0.02)
    assert fresh.fetch_s == pytest.approx(5 * DC_RTT, rel=0.02)
    assert fresh.accept_s - pooled.accept_s == pytest.approx(4 * DC_RTT, rel=0.02)


def test_burl_carries_the_body_once_and_plain_save_twice() -> None:
    """HyStart is held off so the oracle can follow: BURL's URLFETCH of the 200 kB on the
    1 ms data-centre connection ends slow start by its ACK train (``SlowStartEnds``)."""
    size = 200_000
    saved = oracle(ideal_case("baseline+save", size=size, hystart=False))
    burl = oracle(ideal_case("burl", size=size, hystart=False))
    assert saved.bytes_up > 2 * size > burl.bytes_up > size


@pytest.mark.parametrize(
    ("variant", "state", "genurlauth", "mail", "rtt", "stall"),
    [
        # RTT 1 s. The URL: APPEND 0, "+" 1, OK 2, GENURLAUTH 2, the IMAP server takes 600 s,
        # the URL at 603. Baseline's MAIL group is due at 8: NOOP at 248 (answered 249), at
        # 489 (answered 490), the next would be at 730; the group goes at 603, its 250 at 604
        # + the fetch. Its critical path runs through the URL: APPEND's "+" 1, its OK 2, the
        # URL 3 (after 600 s of GENURLAUTH), the 250 4, stalled 600 s + the 1 ms fetch.
        ("baseline+burl", "cold", 600.0, 603, 4, 600.001),
        # GENURLAUTH 245.5 s: the URL at 248.5, while the first NOOP is out; the client reads
        # its answer at 249, then sends the group: 250 at 250. The NOOP's answer came last:
        # AUTH's 235 at 8, the NOOP 240 s later (the keep-alive timer), its answer 9, the
        # 250 10, stalled 240 s + the fetch.
        ("baseline+burl", "cold", 245.5, 249, 10, 240.001),
        # Cleartext early pipelining, warm: EHLO <token> + the group were due at 1 (with the
        # handshake ACK); the greeting came at 2. At 241 the client reads it, then NOOP
        # (answered 242), NOOP at 482 (483); the group at 603, after the URL (3 round trips,
        # 600 s): the 250 at 4, stalled 600 s + the fetch.
        ("pipelining+data+no-tls+auth-plain+burl+config-token", "warm", 600.0, 603, 4, 600.001),
    ],
)
def test_noop_keeps_the_session_alive_while_the_group_waits_for_the_url(
    variant: str, state: str, genurlauth: float, mail: float, rtt: int, stall: float
) -> None:
    """RFC 5321 §4.1.1.9 NOOP, 240 s after the group was due and after each answer, below the
    server's 5 min idle limit (§4.5.3.2.7; without them the server would close at 308 with
    421). Hand-derived, then both models."""
    case = ideal_case(variant, state=state,
                      timing=replace(ServerTiming.ideal(), imap_genurlauth=genurlauth))
    expected = oracle(case)
    record, _ = run_session(case, seed=0)
    for result in (expected, record):
        assert result.mail_s == pytest.approx(mail, abs=1e-6)
        assert result.accept_s == pytest.approx(mail + 1.001, abs=1e-4)
        assert result.greeting_s == pytest.approx(2.0, abs=1e-6)
        assert result.rtt_accept == rtt
        assert result.stall_accept_s == pytest.approx(stall, abs=1e-4)
