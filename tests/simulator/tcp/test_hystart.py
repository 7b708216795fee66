"""CUBIC's HyStart as Linux runs it (``net/ipv4/tcp_cubic.c``, kernels since 5.6:
``cubictcp_acked``, ``hystart_update``, ``bictcp_hystart_reset``, ``hystart_ack_delay``),
each expectation derived by hand (see docstrings).

The constants: ``hystart_low_window`` 16, ``hystart_ack_delta_us`` 2000,
``HYSTART_MIN_SAMPLES`` 8, ``HYSTART_DELAY_THRESH(delay_min >> 3)`` clamped to [4, 16] ms;
the ACK train's threshold is ``(delay_min + hystart_ack_delay) >> 1`` without pacing."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from smtpsim.model import LinkConfig, PathConfig, TcpConfig
from smtpsim.simulator.tcp import Record, TcpConnection
from smtpsim.simulator.tcp.congestion import NewReno
from smtpsim.simulator.tcp.cubic import Cubic
from smtpsim.simulator.tcp.hystart import HyStart, ack_delay
from smtpsim.simulator.wire import Path

MSS = TcpConfig().mss  # 1448: a full segment is a 1500 B packet
TOL = 1e-9


# ---------------------------------------------------------------- the detectors alone
def test_delay_increase_fires_on_the_ninth_sample_of_a_round() -> None:
    """``delay_min`` 100 ms: the threshold is ``clamp(100 / 8, 4, 16)`` = 12.5 ms, so a
    round fires once its smallest sample is above 112.5 ms, checked only after
    ``HYSTART_MIN_SAMPLES`` = 8 samples (``sample_cnt < 8`` counts, the ninth compares).
    Samples 10 ms apart (no ACK train: more than 2 ms apart) of 113 ms: the first eight
    count, the ninth fires. One sample of 112 ms in the round keeps its minimum below the
    threshold: it never fires."""
    h = HyStart()
    fired = [h.update(0.113, 1.0 + 0.01 * i, 1000 + i, 5000, 0.100, 0.0, 20) for i in range(9)]
    assert fired == [False] * 8 + [True]
    assert h.exit_by == "delay" and h.exit_s == pytest.approx(1.08)
    low = HyStart()
    delays = [0.113] * 3 + [0.112] + [0.113] * 12
    assert not any(low.update(d, 1.0 + 0.01 * i, 1000 + i, 5000, 0.100, 0.0, 20)
                   for i, d in enumerate(delays))


@pytest.mark.parametrize(("delay_min", "thresh"), [(0.020, 0.004), (0.200, 0.016),
                                                   (0.064, 0.008)])
def test_delay_threshold_is_an_eighth_of_delay_min_clamped(delay_min: float,
                                                           thresh: float) -> None:
    """``HYSTART_DELAY_THRESH(delay_min >> 3)``: 20 ms / 8 = 2.5 ms is raised to 4 ms,
    200 ms / 8 = 25 ms lowered to 16 ms, 64 ms / 8 = 8 ms kept. Nine samples 0.1 ms above
    ``delay_min + thresh`` fire; nine 0.1 ms below do not."""
    for above, expected in ((0.0001, True), (-0.0001, False)):
        h = HyStart()
        for i in range(9):
            h.update(delay_min + thresh + above, 1.0 + 0.01 * i, 1000 + i, 5000, delay_min,
                     0.0, 20)
        assert h.found is expected


def test_ack_train_fires_past_half_delay_min_plus_the_cushion() -> None:
    """``delay_min`` 20 ms and the 1 ms cushion: the train fires on the first ACK more than
    (20 + 1) / 2 = 10.5 ms after the round's start, if every ACK came at most 2 ms after the
    one before. ACKs every 1 ms from the round's first (at 1.000 s): the one at 1.011 s (the
    twelfth) fires, not the one at 1.010 s. A 3 ms gap after 1.004 s breaks the train: the
    later ACKs are compared with the last one of the train (``last_ack`` stays), none is
    within 2 ms of it, and nothing fires (their RTT, 20 ms, is no delay increase)."""
    h = HyStart()
    times = [1.0 + 0.001 * i for i in range(13)]
    fired = [h.update(0.020, t, 1000 + i, 5000, 0.020, 0.001, 20) for i, t in enumerate(times)]
    assert fired.index(True) == 11 and h.exit_by == "ack-train"
    assert h.exit_s == pytest.approx(1.011)
    gap = HyStart()
    times = [1.0 + 0.001 * i for i in range(5)] + [1.007 + 0.001 * i for i in range(10)]
    assert not any(gap.update(0.020, t, 1000 + i, 5000, 0.020, 0.001, 20)
                   for i, t in enumerate(times))


def test_a_round_begins_when_snd_una_passes_end_seq() -> None:
    """``after(snd_una, end_seq)`` resets the round (``bictcp_hystart_reset``): the first
    call (``end_seq`` 0 from ``cubictcp_init``) starts a round ending at ``snd_nxt`` 5000;
    ``snd_una`` 5000 is not after it, 5001 is: the round's start moves there and its
    samples are forgotten."""
    h = HyStart()
    h.update(0.2, 1.0, 1448, 5000, 0.1, 0.0, 20)
    assert (h.round_start, h.end_seq, h.sample_cnt) == (1.0, 5000, 1)
    h.update(0.2, 1.1, 5000, 9000, 0.1, 0.0, 20)
    assert (h.round_start, h.end_seq, h.sample_cnt) == (1.0, 5000, 2)
    h.update(0.2, 1.2, 5001, 9000, 0.1, 0.0, 20)
    assert (h.round_start, h.end_seq, h.sample_cnt) == (1.2, 9000, 1)


def test_ack_delay_is_the_gso_cushion_at_most_1_ms() -> None:
    """``hystart_ack_delay``: ``4 * 65536 B / rate`` with the slow-start pacing rate
    ``2 * mss * cwnd / srtt``: MSS 1448, cwnd 100, SRTT 100 µs: 289 600 B in 100 µs, 2.896 GB/s,
    so 262 144 / 2.896e9 = 90.5 µs; with SRTT 20 ms it would be 18.1 ms, so 1 ms."""
    assert ack_delay(1448, 100, 100e-6) == pytest.approx(4 * 65536 / (2 * 1448 * 100 / 100e-6))
    assert ack_delay(1448, 100, 0.020) == 0.001


def test_below_cwnd_16_hystart_does_not_run() -> None:
    """``cubictcp_acked`` calls ``hystart_update`` only when ``tcp_snd_cwnd(tp) >=
    hystart_low_window`` (16): at cwnd 15, nine samples far above ``delay_min`` leave
    slow start alone and open no round (``end_seq`` stays 0); at cwnd 16 the first sample
    (10 ms, ``snd_nxt`` 1448) opens a round, the next passes its end and opens another
    (ending at 50 000), whose ninth sample ends slow start: ``ssthresh = cwnd`` = 16.
    ``delay_min`` (10 ms, the first sample) is kept at any cwnd."""
    for cwnd, ssthresh in ((15, 1 << 30), (16, 16)):
        cc = Cubic(10, hystart=True)
        cc.cwnd = cwnd
        cc.rtt(0.010, 0.5, 1448, 1448, 0.010)
        for i in range(9):
            cc.rtt(0.050, 1.0 + 0.01 * i, 2896 + i, 50_000, 0.010)
        assert cc.delay_min == 0.010
        assert cc.ssthresh == ssthresh
        assert cc.hystart is not None
        assert cc.hystart.end_seq == (0 if cwnd == 15 else 50_000)


# ---------------------------------------------------------------- on a path
def _bulk(up_bps: float, down_bps: float, one_way_s: float, segments: int, hystart: bool,
          queue_bytes: int | None = None) -> tuple[TcpConnection, Path]:
    """The client writes ``segments`` full segments as soon as it is established, over a
    path of ``one_way_s`` each way; the uplink's buffer ``queue_bytes`` (None: unlimited)."""
    env = simpy.Environment()
    up = LinkConfig(one_way_s, up_bps, queue_bytes=queue_bytes)
    path = Path(env, PathConfig(up, LinkConfig(one_way_s, down_bps)),
                np.random.default_rng(0), np.random.default_rng(1))
    tcp = TcpConfig(hystart=hystart)
    conn = TcpConnection(env, path, tcp, tcp, client_nagle=False)
    conn.connect()

    def writer():  # type: ignore[no-untyped-def]
        yield conn.client.socket.established
        conn.client.socket.write([Record(segments * MSS, "body")])

    env.process(writer())
    env.run(until=60)
    assert conn.client.snd_una >= segments * MSS
    return conn, path


def test_ack_train_ends_slow_start_on_a_short_fast_path() -> None:
    """1 Gbit/s both ways, 1 ms each way, IW 10: a 1500 B packet takes 12 µs, a 60 B SYN
    0.48 µs, a 52 B ACK 0.416 µs. The client is established at t0 = 2 x 1.00048 ms =
    2.00096 ms; its ACK of the SYN-ACK goes first, then the 10 segments back to back
    (segment k done at t0 + 0.416 + 12 k µs). The server ACKs every second segment at once,
    so ACK j (segments 2j-1, 2j) is back at a1 + 24 (j - 1) µs, a1 = t0 + 24.416 + 1000 +
    0.416 + 1000 µs = 4.025792 ms. Each ACK acknowledges 2 packets: cwnd 12, 14, 16, 18, 20
    after ACKs 1-5. HyStart runs from the first ACK that finds cwnd >= 16: ACK 4, at
    a1 + 72 µs, which opens the round (``end_seq`` 0 is passed). ACK 1 let segments 11-14
    go at a1 (segment 12 done at a1 + 24 µs, as segment 2 at t0 + 24.416 µs after the
    SYN-ACK's ACK): their first ACK, ACK 6, comes at a1 + 2024.416 µs, the smallest RTT so
    far, so ``delay_min`` = 2.024416 ms; 1.928 ms after ACK 5 (within 2 ms: the train goes
    on) and 1.952416 ms after the round's start, above (2.024416 + 1) / 2 = 1.512208 ms (the
    cushion is 1 ms: 2 x 65536 x 2 ms / (1448 x 20) = 9 ms is more). Slow start ends there,
    at 6.050208 ms, with ``ssthresh`` = cwnd = 20."""
    conn, _ = _bulk(1e9, 1e9, 0.001, 400, hystart=True)
    cc = conn.client.cc
    assert isinstance(cc, Cubic) and cc.hystart is not None
    h = cc.hystart
    assert h.exit_by == "ack-train"
    assert h.exit_cwnd == 20 and cc.ssthresh == 20
    a1 = 2 * 1.00048e-3 + (24.416 + 1000 + 0.416 + 1000) * 1e-6
    assert a1 == pytest.approx(4.025792e-3, abs=TOL)
    assert h.exit_s == pytest.approx(a1 + 2024.416e-6, abs=TOL)
    assert h.round_start == pytest.approx(a1 + 72e-6, abs=TOL)
    assert cc.delay_min == pytest.approx(2.024416e-3, abs=TOL)


def test_delay_increase_ends_slow_start_at_a_bottleneck() -> None:
    """2 Mbit/s up (a 1500 B packet takes 6 ms, a 52 B ACK 0.208 ms, a 60 B SYN 0.24 ms),
    1 Gbit/s down (a 52 B ACK 0.416 µs, a SYN-ACK 0.48 µs), 50 ms each way, IW 10, 400
    segments; the server ACKs every second segment at once, so data ACK j covers segments
    2j-1 and 2j, and each ACK in slow start grows cwnd by 2 and lets 4 segments go.

    * The client is established at t0 = 50.24 + 50.00048 = 100.24048 ms and sends the
      handshake's ACK and segments 1-10 (done at t0 + 0.208 + 6k ms, the last at
      160.44848 ms). ACK 1 arrives at a1 = t0 + 12.208 + 50 + 0.000416 + 50 = 212.448896 ms
      (sample 112.208416 ms), ACKs 2-5 12 ms apart: a_j = a1 + 12 (j - 1) ms, j <= 5.
    * ACK i lets segments 10 + 4i - 3 ... 10 + 4i go at a_i. The uplink is idle at a1, so
      segment 10 + k is done at a1 + 6k ms, and the uplink never idles again in slow
      start: ACKs come 12 ms apart and each brings 24 ms of work. So ACK j >= 6 (segment
      2j done at a1 + 6 (2j - 10) ms) arrives at a_j = a1 + 100.000416 + 12 (j - 5) ms.
    * CUBIC's sample (``ca_rtt_us``) is the newest segment's, 2j, sent at a_i with
      i = ceil((j - 5) / 2): for j <= 15 (i <= 5) a_j - a_i = 100.000416 + 12 (j - i - 4)
      ms, for j >= 16 (i >= 6) 12 (j - i) = 12 floor((j + 5) / 2) ms, growing with j.
      The least: ACK 6 (i = 1), 112.000416 ms = ``delay_min``; the threshold adds
      112.000416 / 8 = 14.000052 ms (within 4-16): 126.000468 ms.
    * HyStart runs from the first ACK that finds cwnd = 10 + 2 (j - 1) >= 16: ACK 4, which
      opens a round (``end_seq`` 0 is passed) with ``end_seq`` = ``snd_nxt`` = segment
      10 + 4 x 3 = 22 (before ACK 4's own sends). A round opened at ACK j ends at segment
      10 + 4 (j - 1), so the next opens at ACK 2j + 4 (``snd_una`` 2j past it): rounds at
      ACKs 4, 12, 28, 60.
    * Round 1 (ACKs 4-11, 8 samples): counted only, no ninth. Round 2 (ACKs 12-27):
      samples 148.000416, 160.000416, 160.000416, 172.000416, then ACK 16's 120 ms: its
      least, below 126.000468, compared from its ninth (ACK 20) on: no exit. Round 3
      opens at ACK 28, ``end_seq`` segment 118: its samples grow from 12 x 16 = 192 ms,
      the least; ACKs 28-35 are counted, the ninth, ACK 36, compares 192 > 126.000468 and
      fires, at a1 + 100.000416 + 12 x 31 ms = 684.449312 ms, with cwnd 10 + 2 x 35 = 80
      (before ACK 36 grows it: ``cubictcp_acked`` runs before ``cong_avoid``).

    No ACK train: the ACKs are 12 ms apart, more than 2 ms. After the exit the window
    grows by CUBIC's rule (less than half of it per RTT, ``cnt`` >= 2)."""
    conn, path = _bulk(2e6, 1e9, 0.050, 400, hystart=True)
    cc = conn.client.cc
    assert isinstance(cc, Cubic) and cc.hystart is not None
    h = cc.hystart
    a1 = 0.212448896
    assert cc.delay_min == pytest.approx(0.112000416, abs=TOL)
    assert h.exit_by == "delay" and h.sample_cnt == 8
    assert h.round_start == pytest.approx(a1 + 0.100000416 + 0.012 * 23, abs=TOL)
    assert h.end_seq == 118 * MSS
    assert h.curr_rtt == pytest.approx(0.192, abs=TOL)
    assert h.exit_s == pytest.approx(a1 + 0.100000416 + 0.012 * 31, abs=TOL)
    assert cc.ssthresh == h.exit_cwnd == 80
    assert conn.client.retransmits == 0 and path.up.queue_drops == 0
    assert h.exit_cwnd <= cc.cwnd < 1.5 * h.exit_cwnd


def test_without_hystart_slow_start_runs_to_the_first_loss() -> None:
    """``hystart = false`` (Linux ``tcp_cubic`` ``hystart=0``) keeps slow start going until a
    loss: on the path above the ACKs of a round keep coming, no ACK train nor delay ends
    it, and ``ssthresh`` stays unset while no packet is lost (an unlimited buffer: 400
    segments, never a drop); with HyStart on, the same transfer leaves slow start."""
    off, _ = _bulk(2e6, 1e9, 0.050, 400, hystart=False)
    on, _ = _bulk(2e6, 1e9, 0.050, 400, hystart=True)
    assert off.client.retransmits == 0
    assert off.client.cc.ssthresh == 1 << 30
    assert on.client.cc.ssthresh < 1 << 30


def test_hystart_spares_a_drop_tail_buffer() -> None:
    """The same 2 Mbit/s uplink with a 256 KiB drop-tail buffer (174.8 packets, 1.049 s):
    without HyStart, slow start doubles cwnd each round until the flight exceeds what the
    pipe (100 ms / 6 ms = 16.7 packets) and the buffer hold, about 192 packets, so the
    buffer overflows before 400 segments are sent (slow start from 10 reaches 192 within
    10 + 20 + ... < 400 packets sent), drops packets and fills the queue to its 1.049 s
    limit. With HyStart the delay test ends slow start while the queue is short (a few
    packets at a round's start) and CUBIC grows the window slowly from there: no drop, and
    a lower longest wait."""
    off, off_path = _bulk(2e6, 1e9, 0.050, 400, hystart=False, queue_bytes=262_144)
    on, on_path = _bulk(2e6, 1e9, 0.050, 400, hystart=True, queue_bytes=262_144)
    assert off_path.up.queue_drops > 0 and off.client.retransmits > 0
    assert off_path.up.queue_peak == pytest.approx(262_144 * 8 / 2e6, abs=0.01)
    assert on_path.up.queue_drops == 0 and on.client.retransmits == 0
    assert on_path.up.queue_peak < off_path.up.queue_peak


# ---------------------------------------------------------------- restart after idle
@pytest.mark.parametrize(("ssthresh", "in_recovery", "expected"), [
    (20, False, 22),       # HyStart's 20 below 3/4 of 30: raised
    (40, False, 40),       # above it: kept
    (20, True, 20),        # during a window reduction: kept
    (1 << 30, False, 1 << 30),  # never set: stays (no bound on slow start)
])
def test_restart_after_idle_keeps_three_quarters_of_the_window_in_ssthresh(
        ssthresh: int, in_recovery: bool, expected: int) -> None:
    """Linux ``tcp_cwnd_restart`` (``net/ipv4/tcp_output.c``) sets ``snd_ssthresh =
    tcp_current_ssthresh(sk)`` before reducing cwnd: ``max(ssthresh, (cwnd >> 1) + (cwnd >>
    2))``, or ssthresh itself while ``tcp_in_cwnd_reduction`` (CWR or Recovery). cwnd 30:
    15 + 7 = 22. Then the window: the restart window ``min(IW 10, 30)`` = 10; idle 3.5 s at
    RTO 1 s: ``delta -= rto`` leaves 2.5 > 0, 30 >> 1 = 15; 1.5 > 0, 15 >> 1 = 7; 0.5 > 0 but
    7 is not above 10: ``max(7, 10)`` = 10."""
    cc = Cubic(10, hystart=True)
    cc.cwnd, cc.ssthresh = 30, ssthresh
    cc.restart_after_idle(3.5, 1.0, in_recovery)
    assert (cc.cwnd, cc.ssthresh) == (10, expected)


def test_restart_after_idle_rounds_three_quarters_down_as_linux_shifts() -> None:
    """cwnd 27: ``(27 >> 1) + (27 >> 2)`` = 13 + 6 = 19 (not 20.25 rounded): ssthresh 18 is
    raised to 19, from the window before it is reduced. NewReno takes the same path
    (``tcp_cwnd_restart`` is generic); idle 1.5 RTO: ``delta -= rto`` leaves 0.5 > 0, one
    halving, 27 >> 1 = 13, then -0.5 ends the loop: cwnd 13."""
    cc = NewReno(10)
    cc.cwnd, cc.ssthresh = 27, 18
    cc.restart_after_idle(1.5, 1.0)
    assert (cc.cwnd, cc.ssthresh) == (13, 19)


def test_after_idle_the_next_slow_start_goes_on_past_hystarts_ssthresh() -> None:
    """The 2 Mbit/s bulk upload above, 1000 segments: HyStart's delay test sets ssthresh to
    the exit cwnd, and CUBIC's congestion avoidance grows cwnd to more than 4/3 of it before
    they are all acknowledged. At least 10 RTOs later (so cwnd restarts at ``min(IW, cwnd)``
    = 10: halved at least 9 times) the client writes again: Linux's ``tcp_cwnd_restart``
    first sets ssthresh to ``(cwnd >> 1) + (cwnd >> 2)`` of the window it had, which is
    more than HyStart's value, so the new slow start runs past the old exit point."""
    conn, _ = _bulk(2e6, 1e9, 0.050, 1000, hystart=True)
    client = conn.client
    cc = client.cc
    assert isinstance(cc, Cubic) and cc.hystart is not None
    before_cwnd, before_ssthresh = cc.cwnd, cc.ssthresh
    assert before_ssthresh == cc.hystart.exit_cwnd
    three_quarters = (before_cwnd >> 1) + (before_cwnd >> 2)
    assert three_quarters > before_ssthresh
    assert client.env.now - client.last_send_s > 10 * client.rto
    client.socket.write([Record(100 * MSS, "more")])
    assert cc.cwnd == 10
    assert cc.ssthresh == three_quarters
