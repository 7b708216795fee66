"""RACK-TLP (RFC 8985) against the RTO and RFC 6675's three-segment rule, each expectation
derived by hand (see docstrings)."""

from __future__ import annotations

import pytest
import simpy
from cases import ideal_case

from smtpsim.model import TcpConfig
from smtpsim.model.tcp import TIMEOUT_MIN_S
from smtpsim.oracle.timers import timer_floor
from smtpsim.simulator.run import run_session

MSS = TcpConfig().mss  # 1448
TOL = 1e-6
#: uplink packets of the pipelining variant: SYN, ACK, EHLO, the MAIL group, then the body:
#: body segment k is packet 4 + k (as in ``test_sack``)
BODY = 4


def _run(rtt: float, segments: int, drop: frozenset[int], rack: bool):
    """A body of ``segments`` full segments on the ideal path (1 Tbit/s: a flight leaves and
    arrives in one instant; an ideal server replies at once, its reply carrying the ACK),
    with the body segments ``drop`` lost; both ends run RACK-TLP when ``rack``."""
    tcp = TcpConfig(rack=rack)
    case = ideal_case("pipelining", rtt=rtt, size=segments * MSS - 3, client_tcp=tcp,
                      server_tcp=tcp, drop_up=frozenset(BODY + k for k in drop))
    record, tr = run_session(case, seed=1, trace=True)
    assert record.outcome == "accepted"
    assert tr is not None
    ups = [p for p in tr.packets if p.direction == "up"]
    dropped = [p for p in ups if p.arrived_s is None]
    resent = [p for p in ups if p.retransmit]
    return record, dropped, resent, [p for p in ups if p.probe]


def test_a_tail_loss_is_repaired_by_the_loss_probe() -> None:
    """RTT 20 ms, a body of two segments, the last one lost. Every RTT sample before is
    exactly 20 ms (the ideal server's replies carry the ACKs), so SRTT = 20 ms; RTTVAR has
    decayed below 50 ms, so the RTO is SRTT + rto_min = 220 ms (Linux's floor).

    With RACK-TLP: both body segments leave at T; two are in flight, so the probe timeout is
    PTO = 2 SRTT + TCP_TIMEOUT_MIN = 42 ms (RFC 8985 §7.2, Linux tcp_schedule_loss_probe),
    below the RTO. The server holds the first segment's ACK for the delayed-ACK timer
    (one MSS received, not more), due at T + 10 + 40 = T + 50 ms, back at T + 60 ms: the probe
    fires first, at T + 42 ms; there is no new data, so it resends the last segment (§7.3),
    which arrives at T + 52 ms and completes the body: the 250 is at the client 10 ms later.
    The body costs PTO = 42 ms more than without loss.

    Without (``rack`` off, RFC 6675 and the RTO): nothing happens until the delayed ACK at
    T + 60 ms, which restarts the RTO (RFC 6298 §5.3) after its sample of 60 ms made
    SRTT = 7/8 x 20 + 1/8 x 60 = 25 ms: RTO = 25 + 200 = 225 ms, so the last segment is
    resent at T + 285 ms. The loss costs 285 ms; the probe saves 285 - 42 = 243 ms."""
    rtt = 0.020
    lossless, _, _, _ = _run(rtt, 2, frozenset(), rack=True)
    tlp, dropped, resent, probes = _run(rtt, 2, frozenset({1}), rack=True)
    rto, dropped_rto, resent_rto, _ = _run(rtt, 2, frozenset({1}), rack=False)
    pto = 2 * rtt + TIMEOUT_MIN_S
    assert pto == pytest.approx(0.042)
    assert len(dropped) == 1 and [p.seq for p in resent] == [dropped[0].seq]
    assert probes == resent  # the probe is the retransmission
    assert resent[0].sent_s - dropped[0].sent_s == pytest.approx(pto, abs=TOL)
    assert tlp.accept_s - lossless.accept_s == pytest.approx(pto, abs=TOL)
    srtt = 7 / 8 * rtt + 1 / 8 * (rtt + 0.040)
    timeout = (rtt + 0.040) + srtt + TcpConfig().rto_min_s
    assert timeout == pytest.approx(0.285)
    assert [p.seq for p in resent_rto] == [dropped_rto[0].seq]
    assert resent_rto[0].sent_s - dropped_rto[0].sent_s == pytest.approx(timeout, abs=TOL)
    assert rto.accept_s - lossless.accept_s == pytest.approx(timeout, abs=TOL)
    assert rto.accept_s - tlp.accept_s == pytest.approx(timeout - pto, abs=TOL)


def test_rack_marks_a_loss_followed_by_two_sacked_segments() -> None:
    """RTT 100 ms, a body of four segments sent at T, the second lost. At T + 50 ms the
    server receives segment 0 (held for the delayed ACK), then 2 and 3 out of order: each
    is acknowledged at once with SACK blocks (RFC 2018 §4), the first ACK covering segment
    0. Back at T + 100 ms: RACK.xmit_ts = T (segments 2 and 3 were sent at T, after 1 in
    sequence), RACK.rtt = 100 ms. Only two segments are SACKed, below DupThresh, so
    reo_wnd = min_RTT / 4 = 25 ms (RFC 8985 §6.2 step 4, Linux tcp_rack_reo_wnd), and
    segment 1 is not lost yet: it has waited 100 ms of RACK.rtt + reo_wnd = 125 ms. The
    reordering timer is armed for the 25 ms left plus TCP_TIMEOUT_MIN, 2 ms (§6.3, Linux
    tcp_rack_mark_lost); at T + 127 ms segment 1 is lost, a recovery starts and resends it
    at once: 127 ms after it first left.

    RFC 6675 alone (``rack`` off) needs three SACKed segments above it (IsLost, §4): with two
    it waits for the RTO, restarted by the ACK of segment 0 at T + 100 ms: SRTT 100 ms +
    rto_min 200 ms, so the resend leaves at T + 400 ms."""
    rtt = 0.100
    _rec, dropped, resent, probes = _run(rtt, 4, frozenset({1}), rack=True)
    assert len(dropped) == 1
    assert [p.seq for p in resent] == [dropped[0].seq]
    assert not probes
    rack_wait = rtt + rtt / 4 + TIMEOUT_MIN_S
    assert resent[0].sent_s - dropped[0].sent_s == pytest.approx(rack_wait, abs=TOL)
    _rec, dropped, resent, _ = _run(rtt, 4, frozenset({1}), rack=False)
    assert [p.seq for p in resent] == [dropped[0].seq]
    rto_wait = rtt + rtt + TcpConfig().rto_min_s
    assert resent[0].sent_s - dropped[0].sent_s == pytest.approx(rto_wait, abs=TOL)


@pytest.mark.parametrize(
    ("rtt", "sack", "rack", "floor"),
    [
        # RTO floor min(1, RTT + 0.2) = 0.25; probe floor 2 RTT + 2 ms = 0.102
        (0.05, True, True, 0.102),
        (0.05, False, True, 0.25),  # no SACK: no RACK-TLP (Linux needs SACK)
        (0.05, True, False, 0.25),
        # a longer path: min(1, RTT + 0.2 = 0.8, 2 RTT + 2 ms = 1.202) = 0.8
        (0.6, True, True, 0.8),
        (2.0, True, True, 1.0),  # rto_initial bounds both (TCP_TIMEOUT_INIT before a sample)
    ],
)
def test_the_oracle_floor_covers_the_probe_timeout(
    rtt: float, sack: bool, rack: bool, floor: float
) -> None:
    """The oracle's bound below every timer (``timer_floor``): the least RTO,
    min(rto_initial, RTT + rto_min), and with RACK-TLP the least probe timeout,
    2 RTT + 2 ms (every SRTT is at least the path's RTT)."""
    assert timer_floor(TcpConfig(rack=rack), rtt, sack) == pytest.approx(floor)


def test_the_loss_walk_takes_every_segment_sent_before_rack_xmit_ts_whatever_its_place() -> None:
    """RFC 8985 §6.2 step 5: *every* segment in flight sent before ``RACK.xmit_ts`` (and not
    SACKed, nor lost and not yet resent) whose ``RACK.rtt + reo_wnd`` has passed is lost;
    Linux walks them in send-time order (``tsorted_sent_queue``), not sequence order.

    The flight, in sequence order: the head, resent at t = 10 s (a retransmission no longer
    counted in ``retrans_out``, as after a loss probe or an undone timeout); segment B sent
    at t = 1.0 s; segment C sent at 1.1 s and SACKed, which set RACK.xmit_ts = 1.1 s and
    RACK.end_seq = C's end. Now t = 10.5 s, RACK.rtt = 0.5 s, min_RTT 0.4 s, SRTT 0.5 s,
    one SACKed segment (below DupThresh, no recovery): reo_wnd = min(0.4 / 4, 0.5) = 0.1 s.
    B: sent before RACK.xmit_ts, and 1.0 + 0.5 + 0.1 = 1.6 s <= 10.5 s: lost. The head was
    sent after RACK.xmit_ts: not lost, and it must not hide B (a walk in sequence order that
    stops at the first segment sent after RACK.xmit_ts never reaches B)."""
    from collections import deque
    from types import SimpleNamespace

    from smtpsim.simulator.tcp.endpoint import TcpEndpoint
    from smtpsim.simulator.tcp.tcb import LOST, SACKED

    env = simpy.Environment(initial_time=10.5)
    tcb = TcpEndpoint(env, TcpConfig(), "client", None, False)  # type: ignore[arg-type]
    head = [1 * MSS, 10.0, True, SimpleNamespace(seq=0), 0]
    b = [2 * MSS, 1.0, False, SimpleNamespace(seq=1 * MSS), 0]
    c = [3 * MSS, 1.1, False, SimpleNamespace(seq=2 * MSS), SACKED]
    tcb.inflight = deque([head, b, c])
    tcb.rack_xmit, tcb.rack_end, tcb.rack_rtt = 1.1, c[0], 0.5
    tcb.min_rtt, tcb.srtt = 0.4, 0.5
    tcb.reord_seen = False
    tcb.recover = None
    tcb.sacked_out, tcb.lost_out, tcb.retrans_out = 1, 0, 0
    tcb.rexmit_hint = 10 * MSS
    newly, wait = tcb._rack_detect_loss()
    assert newly == 1
    assert b[4] == LOST and head[4] == 0 and c[4] == SACKED
    assert tcb.lost_out == 1
    assert wait == 0.0
    assert tcb.rexmit_hint == 1 * MSS  # the resend starts at B (tcp_verify_retransmit_hint)
