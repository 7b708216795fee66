"""The retransmission timer's RTT samples (RFC 6298 §2-§3, §5.7; Linux ``tcp_clean_rtx_queue``).

Derived from RFC 6298 §2.2-2.3: the first sample R gives SRTT = R, RTTVAR = R/2; later ones
RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8 SRTT + 1/8 R; RTO = SRTT + max(4 RTTVAR,
rto_min) (Linux's floor on the variance term, 200 ms). Each end takes one sample from the
handshake (the client from its SYN to the SYN-ACK, the server from its SYN-ACK to the ACK),
none after a retransmitted SYN or SYN-ACK, whose RTO is then 3 s (§5.7). An ACK that covers
several segments gives the RTT of the oldest (Linux's ``seq_rtt``); one that covers a
retransmitted segment, the timestamp echo (RFC 7323 §4.1). The closed-form oracle
needed the first two for slow start after idle (RFC 5681 §4.1), which compares the idle time
with the RTO: a case with IW 3 and a large body differed by a round trip before."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from smtpsim.model import PathConfig, TcpConfig
from smtpsim.simulator.tcp import Record, TcpConnection
from smtpsim.simulator.wire import Path

RTT = 0.3
FAST = 1e12  # serialization under a nanosecond
TOL = 1e-6


def _connection(drop_up: set[int] | None = None) -> tuple[simpy.Environment, TcpConnection]:
    env = simpy.Environment()
    path = Path(env, PathConfig.symmetric_rtt(RTT, FAST, FAST), np.random.default_rng(0),
                np.random.default_rng(1))
    if drop_up is not None:
        path.up.drop_indices = drop_up
    conn = TcpConnection(env, path, TcpConfig(), TcpConfig())
    conn.connect()
    return env, conn


def test_each_end_samples_the_handshake() -> None:
    env, conn = _connection()
    env.run(until=10)
    for end in (conn.client, conn.server):
        assert end.srtt == pytest.approx(RTT, abs=TOL)
        assert end.rto == pytest.approx(RTT + 4 * RTT / 2, abs=TOL)  # 0.9 s


def test_no_sample_after_a_retransmitted_syn_and_a_3s_rto() -> None:
    """The first SYN is lost: the second leaves at 1 s (the initial RTO). The client has no
    sample (which SYN did the SYN-ACK answer?): RTO 3 s. The server's SYN-ACK was sent once:
    it samples RTT."""
    env, conn = _connection(drop_up={0})
    env.run(until=10)
    assert conn.client.srtt is None
    assert conn.client.rto == 3.0
    assert conn.server.srtt == pytest.approx(RTT, abs=TOL)


def test_an_ack_of_several_segments_samples_the_oldest() -> None:
    """After the handshake (client SRTT 0.3, RTTVAR 0.15) the client writes one full segment
    at 1.0 and another at 1.02. The first arrives at 1.15 and starts the server's 40 ms
    delayed-ACK timer; the second arrives at 1.17, before it fires, and with more than one MSS
    unacknowledged the server ACKs at once (RFC 5681 §4.2): one ACK for both, at the client at
    1.32. The sample is the oldest segment's, 0.32 s (the newest's would be 0.30):
    RTTVAR = 3/4 0.15 + 1/4 0.02 = 0.1175, SRTT = 7/8 0.3 + 1/8 0.32 = 0.3025."""
    env, conn = _connection()
    mss = conn.client.cfg.mss

    def writer():
        yield env.timeout(1.0)
        conn.client.socket.write([Record(mss, "first")])
        yield env.timeout(0.02)
        conn.client.socket.write([Record(mss, "second")])

    env.process(writer())
    env.run(until=10)
    c = conn.client
    assert c.rttvar == pytest.approx(0.75 * 0.15 + 0.25 * 0.02, abs=TOL)
    assert c.srtt == pytest.approx(0.875 * 0.3 + 0.125 * 0.32, abs=TOL)


def test_after_a_timeout_the_timestamp_echo_gives_the_sample() -> None:
    """The client writes one segment at 1.0 and it is lost (uplink packets: SYN 0, ACK 1,
    data 2). Its RTO, 0.9 s from the handshake sample, fires at 1.9 and backs off to 1.8 s;
    the copy arrives at 2.05, the server's delayed ACK (40 ms) leaves at 2.09 and arrives at
    2.24. Karn's rule forbids timing the retransmitted segment, but the ACK echoes the copy's
    timestamp (RFC 7323 §4.3: it filled the window's left edge), so Linux samples 2.24 - 1.9
    = 0.34 s (tcp_ack_update_rtt): RTTVAR = 3/4 0.15 + 1/4 0.04 = 0.1225, SRTT = 7/8 0.3 +
    1/8 0.34 = 0.305, and the RTO drops its back-off: 0.305 + 4 x 0.1225 = 0.795 s."""
    env, conn = _connection(drop_up={2})
    mss = conn.client.cfg.mss

    def writer():
        yield env.timeout(1.0)
        conn.client.socket.write([Record(mss, "lost once")])

    env.process(writer())
    env.run(until=10)
    c = conn.client
    assert c.retransmits == 1
    assert c.rttvar == pytest.approx(0.75 * 0.15 + 0.25 * 0.04, abs=TOL)
    assert c.srtt == pytest.approx(0.875 * 0.3 + 0.125 * 0.34, abs=TOL)
    assert c.rto == pytest.approx(0.305 + 4 * 0.1225, abs=TOL)
