"""CUBIC (RFC 9438) against the RFC's formulas, each expectation derived by hand (see
docstrings)."""

from __future__ import annotations

import pytest

from smtpsim.model import TcpConfig
from smtpsim.simulator.tcp.congestion import NewReno
from smtpsim.simulator.tcp.cubic import Cubic


def _limited(cc: NewReno) -> None:
    """The sender fills its window (Linux ``tcp_cwnd_validate``: cwnd-limited)."""
    cc.validate(cc.cwnd, True, 0, 0)


def _after_loss_at(w_max: int) -> Cubic:
    """A CUBIC sender whose window was ``w_max`` when a SACK recovery began and which has
    just left it (cwnd = ssthresh)."""
    cc = Cubic(10)
    cc.cwnd = w_max
    cc.ssthresh = w_max  # out of slow start
    cc.enter_sack_recovery(w_max)
    cc.exit_recovery()
    return cc


def _grow(cc: Cubic, rtt: float, seconds: float) -> list[tuple[float, int]]:
    """Every packet of each window acknowledged, the ACKs spread evenly over one RTT; the
    window after each round, with the time since the first ACK (the epoch's start). CUBIC's
    ``delay_min`` (Linux ``ca->delay_min``, the curve's ``t + RTT``) is ``rtt``."""
    cc.delay_min = rtt
    now = 0.0
    first = None
    rounds = []
    while now < seconds:
        window = cc.cwnd
        _limited(cc)
        for i in range(window):
            t = now + rtt * (i + 1) / window
            first = t if first is None else first
            cc.grow(1, t, rtt)
        now += rtt
        assert first is not None
        rounds.append((now - first, cc.cwnd))
    return rounds


def test_cubic_is_the_default() -> None:
    """Linux's ``tcp_congestion_control`` default is cubic (since 2.6.19), with SACK on."""
    assert TcpConfig().congestion == "cubic"
    assert TcpConfig().sack is True


def test_window_after_a_loss_is_beta_times_the_window() -> None:
    """RFC 9438 §4.6: ``ssthresh = cwnd * β_cubic``, β = 0.7: 100 -> 70. Without SACK the
    window is then inflated by the 3 duplicate ACKs (RFC 5681 §3.2 step 3: 73); after a
    timeout it is 1 (RFC 5681 §3.1) with the same ssthresh; NewReno halves (50)."""
    cc = _after_loss_at(100)
    assert (cc.cwnd, cc.ssthresh) == (70, 70)
    dup = Cubic(10)
    dup.cwnd = 100
    dup.enter_recovery(100, 3)
    assert (dup.cwnd, dup.ssthresh) == (73, 70)
    rto = Cubic(10)
    rto.cwnd = 100
    rto.on_timeout(100)
    assert (rto.cwnd, rto.ssthresh) == (1, 70)
    reno = NewReno(10)
    reno.cwnd = 100
    reno.enter_sack_recovery(100)
    reno.exit_recovery()
    assert reno.cwnd == 50


def test_fast_convergence_lowers_w_max() -> None:
    """RFC 9438 §4.7: a loss at cwnd 80 below the previous W_max 100 sets W_max =
    80 * (1 + 0.7) / 2 = 68 (and ssthresh = 0.7 * 80 = 56): the curve then plateaus at 68,
    K = cbrt((68 - 56) / 0.4) = cbrt(30) = 3.107 s after the epoch began."""
    cc = _after_loss_at(100)
    cc.cwnd = 80
    cc.enter_sack_recovery(80)
    cc.exit_recovery()
    assert cc.ssthresh == 56
    assert cc.w_max == pytest.approx(68.0)
    rounds = _grow(cc, 0.2, 3.2)
    t, cwnd = rounds[-1]
    assert t >= 3.107 and cwnd == pytest.approx(68, abs=1)


def test_growth_follows_w_cubic() -> None:
    """RFC 9438 §4.2: after a loss at W_max = 100 (cwnd 70), ``W_cubic(t) = 0.4 (t - K)^3 +
    100`` with ``K = cbrt(100 * (1 - 0.7) / 0.4) = cbrt(75) = 4.217 s``. Each ACK moves cwnd
    towards ``W_cubic(t + RTT)``, so after every round cwnd lies between ``W_cubic(t)`` and
    ``W_cubic(t + RTT)`` (± 1 for a window counted in whole packets): concave up to
    W_max at K, flat around it, convex beyond. With RTT 200 ms the Reno-friendly window
    (§4.3, ``70 + α t / RTT``, α = 3 (1 - 0.7) / (1 + 0.7) = 0.529: 91 at 8 s) stays below
    the curve (121.6 at 8 s), so the curve alone decides."""
    rtt = 0.2
    k = (100 * (1 - 0.7) / 0.4) ** (1 / 3)
    assert k == pytest.approx(4.217, abs=1e-3)

    def w_cubic(t: float) -> float:
        return 0.4 * (t - k) ** 3 + 100

    rounds = _grow(_after_loss_at(100), rtt, 8.0)
    for t, cwnd in rounds:
        assert w_cubic(t) - 1 <= cwnd <= w_cubic(t + rtt) + 1, (t, cwnd)
    # the plateau: within a round trip of K the window is W_max
    assert [c for t, c in rounds if abs(t - k) < rtt] == [100] * len(
        [c for t, c in rounds if abs(t - k) < rtt])
    assert rounds[-1][1] >= 121


def test_reno_friendly_region_on_a_short_path() -> None:
    """RFC 9438 §4.3: on a 10 ms path the Reno-friendly window ``W_est = 70 + α t / RTT``
    (α = 0.529 per RTT) outgrows the curve at once (at t = 1 s, W_est = 122.9 while
    W_cubic(1 + 0.01) = 0.4 (1.01 - 4.217)^3 + 100 = 86.8), and cwnd follows W_est (within a
    packet or two: the window counts whole packets and is updated per ACK)."""
    rtt = 0.01
    alpha = 3 * (1 - 0.7) / (1 + 0.7)
    rounds = _grow(_after_loss_at(100), rtt, 1.0)
    for t, cwnd in rounds[10:]:
        assert cwnd == pytest.approx(70 + alpha * t / rtt, abs=2.0), (t, cwnd)
