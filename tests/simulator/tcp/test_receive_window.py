"""The receive window and Linux's receive-buffer autotuning (``smtpsim.simulator.tcp.
receive_window``), each expectation derived by hand from the kernel's formulas
(net/ipv4/tcp_output.c ``tcp_select_initial_window``, ``__tcp_select_window``;
net/ipv4/tcp_input.c ``tcp_init_buffer_space``, ``tcp_rcv_space_adjust``; Linux 6.7+,
``scaling_ratio`` at its default 128/256, i.e. half the buffer is window).

The path: RTT 100 ms (50 ms each way), serialization negligible (10^12 bit/s), so every round
of segments arrives at once, 50 ms after it left; the handshake ends at the client at 0.1 s,
its first data arrives at 0.15 s, round k at 0.15 + (k - 1) 0.1 s.

A slow reader is not modelled (every application in the model reads what arrives at once),
so the window never closes and a zero-window probe cannot be reached.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import pytest
import simpy

from smtpsim.model import PathConfig, TcpConfig
from smtpsim.simulator.clock import Clock
from smtpsim.simulator.tcp import Record, TcpConnection
from smtpsim.simulator.tcp.receive_window import initial_window
from smtpsim.simulator.tcp.segment import Segment
from smtpsim.simulator.wire import Path

RTT = 0.1
FAST = 1e12
MSS = 1448
TOL = 1e-4


class _Spy:
    """A link that notes every segment sent on it."""

    def __init__(self, link: Any, sent: list[Segment]) -> None:
        self.link, self.sent = link, sent

    def send(self, seg: Segment, *args: Any, **kw: Any) -> Any:
        self.sent.append(seg)
        return self.link.send(seg, *args, **kw)


def _transfer(nbytes: int, cfg: TcpConfig) -> tuple[float, TcpConnection, list[Segment]]:
    """The client writes ``nbytes`` as one record once connected; when the server has it,
    the connection, and every segment the server sent (in order)."""
    env = Clock()
    path = Path(env, PathConfig.symmetric_rtt(RTT, FAST, FAST), np.random.default_rng(0),
                np.random.default_rng(1))
    conn = TcpConnection(env, path, cfg, cfg, client_nagle=False)
    sent: list[Segment] = []
    conn.server.link = _Spy(path.down, sent)  # type: ignore[assignment]
    conn.connect()
    done: list[float] = []

    def client() -> Generator[simpy.Event, Any, None]:
        yield conn.client_socket.established
        conn.client_socket.write([Record(nbytes, "body", ("end",))])

    def server() -> Generator[simpy.Event, Any, None]:
        yield conn.server_socket.recv()
        done.append(env.now)

    env.process(client())
    env.process(server())
    env.run(until=1000.0)
    return done[0], conn, sent


def test_initial_window_from_tcp_rmem_default() -> None:
    """``tcp_select_initial_window``: the space is ``tcp_full_space`` = 131072 / 2 = 65536
    (``tcp_rmem[1]`` at half), rounded down to the MSS: the client's SYN uses ``advmss``
    1460 (``tcp_connect_init``): 44 x 1460 = 64240; the server's SYN-ACK 1460 - 12 = 1448
    (``tcp_openreq_init_rwin``, timestamps on): 45 x 1448 = 65160. The scale is sized for
    max(65536, tcp_rmem[2] 6291456, rmem_max 212992) = 6291456: ilog2 = 22, 22 - 15 = 7;
    the clamp 65535 << 7 = 8388480."""
    assert initial_window(131072, 6291456, 1460) == (64240, 7, 8388480)
    assert initial_window(131072, 6291456, 1448) == (65160, 7, 8388480)


def test_windows_on_the_wire_after_the_handshake() -> None:
    """The SYN carries 64240, the SYN-ACK 65160 (above). At establishment
    ``tcp_init_buffer_space``: maxwin 65536, "Force reservation of one segment":
    window_clamp = 65536 - 1460 = 64076, rcv_ssthresh = min(initial, 64076) = 64076, the
    first measure's base min(64076, initial, 10 x 1460) = 14600. The first window after
    it: min(free 65536, rcv_ssthresh 64076) = 64076, aligned up to 128: 64128, smaller than
    what is left of the SYN's offer, so "never shrink": the client's first segment (its
    data, rcv_nxt 0) offers ALIGN(64240, 128) = 64256 (``win 502`` x 128, as in a Linux
    client's handshake ACK), the server's delayed ACK of the 10 bytes ALIGN(65160 - 10,
    128) = 65152."""
    _t, conn, sent = _transfer(10, TcpConfig())
    client, server = conn.client, conn.server
    assert (client.syn_wnd, server.syn_wnd) == (64240, 65160)
    assert server.snd_wnd == 64256 and sent[0].wnd == 65160  # the SYN-ACK
    assert (sent[1].ack, sent[1].wnd) == (10, 65152)
    assert (server.window_clamp, server.rcvq_space) == (64076, 14600)
    assert client.window_clamp == 64076


def test_the_first_flight_stops_at_the_syn_acks_window() -> None:
    """IW 64 segments: the SYN-ACK's 65160 B = 45 x 1448 hold the first flight to 45
    segments, so a body of 45 segments arrives in round 1 (0.15 s) and one of 46 waits a
    round (0.25 s). With the old fixed 6 MiB window (``rmem_autotune`` False) 46 go at
    once."""
    auto = TcpConfig(iw=64)
    assert _transfer(45 * MSS, auto)[0] == pytest.approx(0.15, abs=TOL)
    assert _transfer(46 * MSS, auto)[0] == pytest.approx(0.25, abs=TOL)
    fixed = TcpConfig(iw=64, rmem_autotune=False)
    assert _transfer(46 * MSS, fixed)[0] == pytest.approx(0.15, abs=TOL)


def test_a_20_mb_transfer_is_capped_at_half_of_tcp_rmem_max() -> None:
    """20 MB = 13813 segments (ceil(20e6 / 1448)). The buffer grows to ``tcp_rmem[2]``
    = 6291456 and the window to half of it, 3145728 B = 2172 segments (2172 x 1448 =
    3145056; 2173 would not fit). Slow start from IW 10 sends 10, 20, ..., 1280 in 8
    rounds (2550); round 9 would be 2560 > 2172, so from there 2172 a round:
    ceil((13813 - 2550) / 2172) = 6 more, 14 rounds, the last at 0.15 + 13 x 0.1 = 1.45 s.
    The fixed 6 MiB window (``rmem_autotune`` False, the model before autotuning) holds
    4344 segments: 9 rounds of slow start (5110), then ceil(8703 / 4344) = 3: 12 rounds,
    1.25 s (the same rounds as ``tests/oracle/test_causal.py``'s 20 MB case)."""
    t, conn, sent = _transfer(20_000_000, TcpConfig())
    assert t == pytest.approx(0.15 + 13 * RTT, abs=TOL)
    server = conn.server
    assert (server.rcvbuf, server.window_clamp) == (6291456, 3145728)
    assert max(seg.wnd for seg in sent) == 3145728
    t_fixed, _c, sent_fixed = _transfer(20_000_000, TcpConfig(rmem_autotune=False))
    assert t_fixed == pytest.approx(0.15 + 11 * RTT, abs=TOL)
    assert {seg.wnd for seg in sent_fixed} == {6291456}


def test_the_window_grows_per_receiver_rtt_from_what_was_read() -> None:
    """The client (IW 10, no Nagle) sends rounds of 10, 20, 40, 80 and 50 segments (the
    server's window, 64128 B and growing, never binds them). The server is established by
    the first segment of round 1 (it carries the handshake ACK): its first measure starts
    there (``rcvq_space.seq`` 0, ``.time`` 0.15 s, ``.space`` 14600). Round 1 echoes no
    timestamp (the client has had no data or ACK yet), so no receiver RTT sample; the
    server's ACKs of it leave at 0.15 and their timestamps become the client's TS.Recent
    (RFC 7323 §4.3, a pure ACK too: Linux ``tcp_rcv_established`` stores it for a bulk
    sender), so round 2's first segment echoes 0.15 and gives the first sample, 0.1 s
    (``tcp_rcv_rtt_measure_ts``), and every later round's the same again. The first segment
    of each round then finds the last measure one RTT old, the estimate
    (``RCV_SPACE_TIE_S``: the nanoseconds of serialization at 10^12 bit/s do not count),
    and ``tcp_rcv_space_adjust`` runs with ``copied`` = the previous round plus that first
    segment already read, i.e. the segments since the last measure:

    * 0.25: copied 11 x 1448 = 15928 > 14600; rcvwin = 2 x 15928 + 16 x 1460 = 55216,
      plus 2 x (55216 x 1328 // 14600) = 2 x 5022: 65260; the buffer 2 x 65260 = 130520
      is below ``rmem[1]`` 131072, so it stays; space 15928.
    * 0.35: copied 20 x 1448 = 28960; rcvwin = 57920 + 23360 = 81280, plus
      2 x (81280 x 13032 // 15928) = 2 x 66501: 214282; buffer 428564.
    * 0.45: copied 40 x 1448 = 57920 = 2 x 28960; rcvwin = 115840 + 23360 = 139200, plus
      2 x 139200: 417600; buffer 835200.
    * 0.55: copied 80 x 1448 = 115840 = 2 x 57920; rcvwin = 231680 + 23360 = 255040,
      plus 2 x 255040: 765120; buffer 1530240 (under ``tcp_rmem[2]``), the clamp
      following at half of it: 765120. Nothing is read a round later."""
    _t, conn, _sent = _transfer(200 * MSS, TcpConfig())
    server = conn.server
    assert (server.rcvbuf, server.window_clamp) == (1530240, 765120)
