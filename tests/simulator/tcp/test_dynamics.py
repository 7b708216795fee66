"""TCP dynamics beyond the closed form, each expectation derived by hand (see docstrings)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cases import ideal_case, with_features

from smtpsim.model import PathConfig, TcpConfig
from smtpsim.simulator.run import run_session

MSS = TcpConfig().mss  # 1448
TOL = 1e-6


def _body_size(segments: int, data: bool = True) -> int:
    """A message whose content (plus the 3-byte DATA terminator) fills exactly
    ``segments`` full segments."""
    return segments * MSS - (3 if data else 0)


# ---------------------------------------------------------------- handshake losses
def test_lost_syn_costs_exactly_the_initial_rto() -> None:
    """RFC 6298 §2.1: the SYN is resent after 1 s; nothing else changes (RTT 0.5 s)."""
    clean, _ = run_session(ideal_case("pipelining", rtt=0.5), seed=1)
    lost, _ = run_session(ideal_case("pipelining", rtt=0.5, drop_up=frozenset({0})), seed=1)
    assert clean.retransmits == 0
    assert lost.accept_s - clean.accept_s == pytest.approx(1.0, abs=TOL)
    assert lost.phase_connect_s == pytest.approx(1.0 + 0.5, abs=TOL)
    assert lost.retransmits == 1


def test_syn_ack_timer_fires_on_paths_slower_than_one_second() -> None:
    """With RTT 1.2 s both 1 s handshake timers expire early (as on GPRS with Linux): the
    client resends its SYN at 1.0 s, the server answers that SYN with another SYN-ACK, and
    its own SYN-ACK timer fires at 0.6 + 1.0 s, before the ACK arrives at 1.8 s. Three
    spurious retransmissions and no delay.

    Without an RTT sample from the handshake the loss probe waits ``TCP_TIMEOUT_INIT``, 1 s
    (Linux ``tcp_schedule_loss_probe``, RFC 8985 §7.2): each end's first data segment (the
    banner, the EHLO) waits 1.2 s for its ACK, so each is probed once, 1 s after it left,
    spuriously; the probe's ACK gives the first sample (from the timestamp echo), and
    2 SRTT is then longer than the RTT. Five retransmissions with RACK-TLP, three
    without, and no delay either way."""
    record, _ = run_session(ideal_case("pipelining", rtt=1.2), seed=1)
    assert record.retransmits == 3 + 2
    assert record.accept_s == pytest.approx(5 * 1.2, abs=TOL)
    tcp = TcpConfig(rack=False)
    record, _ = run_session(ideal_case("pipelining", rtt=1.2, client_tcp=tcp,
                                       server_tcp=tcp), seed=1)
    assert record.retransmits == 3
    assert record.accept_s == pytest.approx(5 * 1.2, abs=TOL)


def test_two_lost_syns_cost_one_plus_two_seconds() -> None:
    """RFC 6298 §5.5: the timer doubles, so the third SYN leaves at 1 + 2 = 3 s."""
    lost, _ = run_session(ideal_case("pipelining", rtt=0.5, drop_up=frozenset({0, 1})), seed=1)
    assert lost.phase_connect_s == pytest.approx(3.0 + 0.5, abs=TOL)


def test_lost_syn_ack_costs_one_second() -> None:
    """The client's SYN timer (1 s) fires; the server answers the repeated SYN at once, so
    the handshake completes 1 s + 1 RTT after the start."""
    lost, _ = run_session(ideal_case("pipelining", rtt=0.5, drop_down=frozenset({0})), seed=1)
    assert lost.phase_connect_s == pytest.approx(1.5, abs=TOL)
    assert lost.outcome == "accepted"


def test_total_loss_fails_in_bounded_time() -> None:
    """Linux tcp_syn_retries = 6: SYNs at 0, 1, 3, 7, 15, 31, 63 s, failure at 127 s."""
    case = ideal_case("baseline", path=PathConfig.symmetric_rtt(0.1, 1e6, 1e6, loss=1.0))
    record, _ = run_session(case, seed=3)
    assert record.outcome == "failed"
    assert record.failed_in == "connect"
    assert record.phase_connect_s == pytest.approx(127.0, abs=TOL)
    assert record.retransmits == 6
    assert record.accept_s != record.accept_s  # NaN: never accepted


def _dead_uplink(**kw: object):
    """RTT 0.5 s; every client packet after the handshake ACK (SYN 0, ACK 1) is lost, so
    the greeting arrives at 1.0 s and EHLO leaves then, never to arrive."""
    case = ideal_case("pipelining", rtt=0.5, drop_up=frozenset(range(2, 10**6)), **kw)
    record, tr = run_session(case, seed=1, trace=True)
    total = sum(getattr(record, f"phase_{p}_s") for p in ("connect", "greeting", "ehlo"))
    assert tr is not None
    client_resends = sum(p.retransmit for p in tr.packets if p.direction == "up")
    return record, total, client_resends


def test_dead_uplink_ends_at_the_rfc5321_reply_timeout() -> None:
    """EHLO's retransmissions back off (RTO 1.5 s from SRTT 0.5 + 4 x RTTVAR 0.25, then 3, 6,
    ...) but TCP would try for many minutes (tcp_retries2 = 15); the client's 5-minute reply
    timeout (RFC 5321 §4.5.3.2) ends the session first, 300 s after EHLO left."""
    record, total, _ = _dead_uplink()
    assert record.outcome == "timeout"
    assert record.failed_in == "ehlo"
    assert total == pytest.approx(1.0 + 300.0, abs=TOL)


def test_dead_uplink_fails_when_tcp_gives_up_first() -> None:
    """With data_retries = 3, TCP gives up at the 4th expiry. With RACK-TLP the first timer
    is the loss probe (RFC 8985 §7.2, Linux ``tcp_schedule_loss_probe``): one segment in
    flight, so PTO = 2 SRTT + TCP_RTO_MIN = 2 x 0.5 + 0.2 = 1.2 s, below the RTO of 1.5 s;
    it resends EHLO (no new data, §7.3) at 1.0 + 1.2 s and restarts the RTO from then:
    expiries 1.5 + 3 + 6 + 12 = 22.5 s later, 4 resends. Without it (``rack`` off) the
    expiries run from EHLO's send: 1.0 + 22.5 s, 3 resends."""
    tcp = TcpConfig(data_retries=3)
    record, total, client_resends = _dead_uplink(client_tcp=tcp, server_tcp=tcp)
    assert record.outcome == "failed"
    assert record.failed_in == "ehlo"
    assert total == pytest.approx(1.0 + 1.2 + 22.5, abs=TOL)
    assert client_resends == 1 + 3
    tcp = TcpConfig(data_retries=3, rack=False)
    record, total, client_resends = _dead_uplink(client_tcp=tcp, server_tcp=tcp)
    assert record.outcome == "failed"
    assert total == pytest.approx(1.0 + 22.5, abs=TOL)
    assert client_resends == 3


# ---------------------------------------------------------------- slow start
@pytest.mark.parametrize(
    ("segments", "iw", "rounds", "late"),
    [
        # IW 10: flights 10, 20, 40, 80, 160, 320 (cumulative 630), 640: 691 is in round 7
        (691, 10, 7, False),
        (600, 10, 6, False),
        # IW 3: the receiver ACKs every second segment at once (RFC 5681 §4.2), so the odd
        # third segment of the first flight waits for the delayed-ACK timer. Each round then
        # has a main burst of 2^k segments and a late one of 2^(k-1), 40 ms behind:
        # round 8 = 382..637 (main) + 638..765 (late). Segment 691 is late, 600 is not.
        (691, 3, 8, True),
        (600, 3, 8, False),
    ],
)
def test_body_costs_its_slow_start_rounds(segments: int, iw: int, rounds: int, late: bool) -> None:
    """Data phase = rounds x RTT (+ the delayed-ACK timer for a late segment), measured
    from the 354 to the final 250 on an ideal 1 s path."""
    record, _ = run_session(ideal_case("pipelining", size=_body_size(segments), iw=iw), seed=1)
    delack = TcpConfig().delack_s
    assert record.phase_data_s == pytest.approx(rounds + (delack if late else 0.0), abs=1e-4)


def test_iw3_and_iw10_differ_by_the_flights_for_1mb() -> None:
    """1 MB (691 segments): 8 rounds plus a delayed-ACK timer at IW 3, 7 rounds at IW 10."""
    iw3, _ = run_session(ideal_case("pipelining", size=1_000_000, iw=3), seed=1)
    iw10, _ = run_session(ideal_case("pipelining", size=1_000_000, iw=10), seed=1)
    assert iw3.accept_s - iw10.accept_s == pytest.approx(1.0 + 0.040, abs=1e-4)


def test_without_delayed_ack_the_difference_is_whole_flights() -> None:
    tcp = TcpConfig(iw=3, delack_s=1e-9)
    iw3, _ = run_session(
        ideal_case("pipelining", size=1_000_000, client_tcp=tcp, server_tcp=tcp), seed=1
    )
    tcp10 = replace(tcp, iw=10)
    iw10, _ = run_session(
        ideal_case("pipelining", size=1_000_000, client_tcp=tcp10, server_tcp=tcp10), seed=1
    )
    assert iw3.accept_s - iw10.accept_s == pytest.approx(1.0, abs=1e-4)


def test_certificate_flight_larger_than_iw3_costs_one_more_round_trip() -> None:
    """The 4600 B server flight is 4 segments of 1448 B: IW 3 sends 3, the 4th waits for
    the client's ACK of the first two (RFC 5681 §3.1), one RTT later."""
    iw10, _ = run_session(ideal_case("baseline", iw=10), seed=1)
    iw3, _ = run_session(ideal_case("baseline", iw=3), seed=1)
    assert iw3.accept_s - iw10.accept_s == pytest.approx(1.0, abs=TOL)
    assert iw3.phase_tls_s - iw10.phase_tls_s == pytest.approx(1.0, abs=TOL)



# ---------------------------------------------------------------- Nagle and delayed ACK
def _per_command(variant: str, **kw: object):
    coalesced = ideal_case(variant, **kw)
    per_command = with_features(coalesced, writes="per-command", nagle=True)
    a, _ = run_session(coalesced, seed=1)
    b, _ = run_session(per_command, seed=1)
    return a, b


def test_pipelined_group_one_write_per_command_costs_a_round_trip() -> None:
    """MAIL leaves alone; RCPT and DATA wait under Nagle (MAIL is an unacknowledged small
    segment). The server answers MAIL at once, since no more input is waiting (RFC 2920
    §3.2), and that 250 carries the ACK that releases the rest: +1 RTT."""
    a, b = _per_command("pipelining")
    assert b.phase_envelope_s - a.phase_envelope_s == pytest.approx(1.0, abs=TOL)


def test_a_per_command_writer_writes_body_and_terminator_at_once() -> None:
    """CPython ``smtplib.SMTP.data`` appends ``.CRLF`` to the body and calls ``send`` once:
    the content after the 354 is one write in either mode, so the data phase costs the same
    (on main the terminator was a write of its own, held by Nagle for the body's ACK, which
    the server sent only after its delayed-ACK timer: + 1 RTT + 40 ms)."""
    a, b = _per_command("pipelining")
    assert b.phase_data_s == pytest.approx(a.phase_data_s, abs=TOL)


@pytest.mark.parametrize("delack", [0.040, 0.200])
def test_tls12_client_flight_is_one_segment_also_per_command(delack: float) -> None:
    """A client that writes each command on its own (Python's smtplib over ssl) still hands
    the TLS 1.2 handshake to OpenSSL, which buffers ClientKeyExchange, ChangeCipherSpec and
    Finished and flushes them as one write (ssl/statem/statem_clnt.c
    ``ossl_statem_client_post_work``, ``TLS_ST_CW_FINISHED``: ``statem_flush``). On the
    ideal 1 s path the server's flight arrives at 5 (STARTTLS 3 -> 4, ClientHello 4 -> 5):
    one segment of 126 B (178 B with headers) leaves at 5 and no other data until the
    server's Finished brings its ACK at 6 (only pure ACKs of the flight), so no segment is
    held by Nagle and the delayed-ACK timer (40 ms Linux, 200 ms Windows) plays no part: the
    TLS phase costs what it costs with coalesced writes."""
    tcp = TcpConfig(delack_s=delack)
    coalesced = ideal_case("baseline", client_tcp=tcp, server_tcp=tcp)
    per_command = with_features(coalesced, writes="per-command", nagle=True)
    a, _ = run_session(coalesced, seed=1)
    b, tr = run_session(per_command, seed=1, trace=True)
    assert b.phase_tls_s == pytest.approx(a.phase_tls_s, abs=TOL)
    assert tr is not None
    flight = [(p.payload_bytes, p.wire_bytes) for p in tr.packets
              if p.direction == "up" and p.payload_bytes and 5.0 - TOL < p.sent_s < 6.0 - TOL]
    assert flight == [(126, 126 + 52)]


def test_nodelay_removes_the_stalls() -> None:
    coalesced = ideal_case("baseline")
    nodelay = with_features(coalesced, writes="per-command", nagle=False)
    a, _ = run_session(coalesced, seed=1)
    b, _ = run_session(nodelay, seed=1)
    assert b.accept_s == pytest.approx(a.accept_s, abs=TOL)


# ---------------------------------------------------------------- loss recovery
def test_one_lost_segment_is_repaired_by_fast_retransmit() -> None:
    """One segment lost in a 200-segment body. The segments sent with it arrive out of
    order, each answered at once by a duplicate ACK (RFC 5681 §4.2); the third reaches the
    client one RTT after the loss and the segment is resent then (§3.2), with no RTO."""
    size = _body_size(200)
    # uplink packets: SYN, ACK, EHLO, the MAIL group, then the body; drop body segment 50
    case = ideal_case("pipelining", rtt=0.5, size=size, drop_up=frozenset({4 + 50}))
    lost, tr = run_session(case, seed=1, trace=True)
    assert lost.outcome == "accepted"
    assert lost.retransmits == 1
    assert tr is not None
    ups = [p for p in tr.packets if p.direction == "up"]
    dropped = [p for p in ups if p.arrived_s is None]
    resent = [p for p in ups if p.retransmit]
    assert len(dropped) == 1 and len(resent) == 1
    assert resent[0].seq == dropped[0].seq
    assert resent[0].sent_s - dropped[0].sent_s == pytest.approx(0.5, abs=1e-6)


# ---------------------------------------------------------------- spurious timeouts
def test_spurious_timeout_on_a_slow_link_is_undone() -> None:
    """9.6 kbit/s, 100 ms RTT: a 1500 B packet takes 1.25 s to send, so ACKs (one per two
    segments) come 2.5 s apart, while the RTO learnt from small command packets is about
    1 s; the RTO restarts on each ACK (RFC 6298 §5.3) but still expires between two. The
    next ACK echoes the original's timestamp, so the sender undoes the timeout (RFC 3522,
    RFC 4015): the link stays busy and the body costs its serialization time plus about a
    round trip, instead of a restart from cwnd 1 with queued segments sent twice (each
    duplicate would cost another 1.25 s)."""
    size = 50_000
    segments = -(-(size + 3) // MSS)  # 35
    wire = size + 3 + segments * TcpConfig().header_bytes
    serialization = wire * 8 / 9_600  # 43.8 s
    case = ideal_case("pipelining", rtt=0.1, size=size, bandwidth=9_600)
    record, tr = run_session(case, seed=1, trace=True)
    assert record.outcome == "accepted"
    assert tr is not None
    resent = [p for p in tr.packets if p.retransmit and p.direction == "up"]
    assert 1 <= len(resent) <= 3  # one retransmission per spurious timeout, no go-back-N
    # from the 354 to the 250: the whole body serialized, plus each retransmitted segment
    # (1500 B, 1.25 s: it crossed the bottleneck too), then the last packet's delay and the
    # 250's serialization (about 0.1 s) and delay
    duplicate = 1500 * 8 / 9_600
    assert serialization < record.phase_data_s < serialization + len(resent) * duplicate + 0.5
