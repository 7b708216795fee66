"""SACK (RFC 2018) and RFC 6675 loss recovery against NewReno's, each expectation derived by
hand (see docstrings)."""

from __future__ import annotations

import pytest
from cases import ideal_case

from smtpsim.model import TcpConfig
from smtpsim.simulator.run import run_session
from smtpsim.simulator.tcp.sack import sack_blocks, sack_option_bytes

MSS = TcpConfig().mss  # 1448
RTT = 0.5
TOL = 1e-6


def _two_losses(sack: bool):
    """A 200-segment body on the ideal 0.5 s path (1 Tbit/s: a flight leaves and arrives in
    one instant) with body segments 50 and 53 dropped; both ends ``sack``."""
    size = 200 * MSS - 3  # content + ".CRLF" fill 200 full segments
    tcp = TcpConfig(sack=sack)
    # uplink packets: SYN, ACK, EHLO, the MAIL group, then the body: body segment k is 4 + k
    case = ideal_case("pipelining", rtt=RTT, size=size, client_tcp=tcp, server_tcp=tcp,
                      drop_up=frozenset({4 + 50, 4 + 53}))
    record, tr = run_session(case, seed=1, trace=True)
    assert record.outcome == "accepted"
    assert tr is not None
    ups = [p for p in tr.packets if p.direction == "up"]
    dropped = [p for p in ups if p.arrived_s is None]
    resent = [p for p in ups if p.retransmit]
    return record, dropped, resent


def test_two_losses_in_one_window_take_one_round_trip_with_sack() -> None:
    """Slow start from IW 10 with an ACK for every second segment sends the body in flights
    of 10, 20, 40 (segments 30-69, one instant T), so 50 and 53 are lost from one flight.

    At T + RTT the flight's ACKs come back in order: the cumulative ACKs of 30-49 grow cwnd
    from 40 to 60 and release 40 new segments (70-109); then each segment after a hole is
    answered at once with SACK blocks (RFC 2018 §4). Once 51, 52 and 54 are SACKed,
    ``IsLost(50)`` holds (3 SACKed segments above it, RFC 6675 §4): recovery starts, cwnd =
    ssthresh = 0.7 x 60 = 42 (CUBIC, RFC 9438 §4.6) and 50 is resent at once (§5 step 4.3).
    After 56, 53 is lost too, but pipe = 60 out - 5 SACKed - 2 lost + 1 resent = 54 > 42;
    every further SACK (57-69, 13 of them) takes one off pipe, and the last one brings it
    to 41 < 42, so NextSeg resends 53 (rule 1) on the ACK of 69: still at T + RTT. Both
    repairs arrive at T + 1.5 RTT, one round trip for both losses."""
    _record, dropped, resent = _two_losses(sack=True)
    assert len(dropped) == 2 and dropped[1].seq - dropped[0].seq == 3 * MSS
    assert dropped[0].sent_s == pytest.approx(dropped[1].sent_s, abs=TOL)  # one flight
    assert [p.seq for p in resent] == [p.seq for p in dropped]
    for p in resent:
        assert p.sent_s - dropped[0].sent_s == pytest.approx(RTT, abs=TOL)
        assert p.arrived_s is not None


def test_two_losses_in_one_window_take_two_round_trips_without_sack() -> None:
    """The same losses without SACK (NewReno, RFC 6582): the third duplicate ACK at T + RTT
    resends 50 (RFC 5681 §3.2); its ACK, at T + 2 RTT, acknowledges up to 53 only (a partial
    ACK), which resends 53 then (RFC 6582 §3.2 step 3): one round trip per loss."""
    _record, dropped, resent = _two_losses(sack=False)
    assert [p.seq for p in resent] == [p.seq for p in dropped]
    assert resent[0].sent_s - dropped[0].sent_s == pytest.approx(RTT, abs=TOL)
    assert resent[1].sent_s - dropped[0].sent_s == pytest.approx(2 * RTT, abs=TOL)


def test_two_losses_with_sack_cost_the_body_one_round_trip() -> None:
    """Without loss the 200 segments go in flights of 10, 20, 40, 80 and 50: the 250
    arrives 5 RTT after the 354 (flights at T0..T4, the last segment at T4 + RTT/2).

    With SACK (see above; T = T2 the flight with the losses): at T3 = T + RTT the flight's
    ACKs send 70-109, one new segment on each of the first two SACKs (pipe = out - SACKed,
    RFC 6675), then PRR (RFC 6937) 50, one new segment, 53, and about 0.7 new segment per
    further SACK (13 SACKs: 9 more), so by T3 everything up to 121 is sent. At T4 the two
    repairs' ACKs fill the holes and the flight's ACKs end the recovery (RecoveryPoint = the
    end of 111, the highest segment sent when it began) with cwnd = ssthresh = 42, and
    acknowledge everything up to 121: at least 42 segments leave at T4, the rest (at most
    199 - 121 - 42 = 36 < cwnd) at T5, and the 250 arrives at T6: 6 RTT, one more than
    without loss, for both losses."""
    lossless, _ = run_session(ideal_case("pipelining", rtt=RTT, size=200 * MSS - 3), seed=1)
    with_sack, _, _ = _two_losses(sack=True)
    assert lossless.phase_data_s == pytest.approx(5 * RTT, abs=1e-5)
    assert with_sack.phase_data_s == pytest.approx(6 * RTT, abs=1e-5)


def test_sack_blocks_put_the_latest_segment_first_and_keep_three() -> None:
    """RFC 2018 §4: the first block holds the segment that arrived last; at most 3 blocks fit
    beside the timestamp option (§3: 40 - 12 = 28 B, and 2 + 8 x 3 = 26), each 8 B, plus
    2 B of kind and length and 2 NOPs of padding."""
    ooo = [(10, 20), (30, 40), (50, 60), (70, 80)]
    assert sack_blocks(ooo, 30) == ((30, 40), (70, 80), (50, 60))
    assert sack_blocks(ooo, 75) == ((70, 80), (50, 60), (30, 40))
    assert sack_option_bytes(sack_blocks(ooo, 75)) == 28
    assert sack_option_bytes(((1, 2),)) == 12
