"""The wire alone: serialization FIFO, propagation, jitter without reordering, loss."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from smtpsim.model import GilbertElliott, LinkConfig
from smtpsim.simulator.wire import Link


def _run(config: LinkConfig, sizes: list[int], seed: int = 0, at: float = 0.0) -> list:
    env = simpy.Environment()
    link = Link(env, config, np.random.default_rng(seed), "up")
    arrivals: list[tuple[int, float]] = []

    def send_all(_ev: simpy.Event) -> None:
        for i, size in enumerate(sizes):
            link.send(i, size, lambda ev: arrivals.append((ev.value, env.now)))

    env.timeout(at).callbacks.append(send_all)
    env.run()
    return arrivals, link


def test_a_flight_queues_behind_itself() -> None:
    """1000 B at 8 kbit/s takes 1 s; three packets sent together leave at 0, 1, 2 s and
    arrive 0.1 s after their last bit left."""
    arrivals, link = _run(LinkConfig(0.1, 8000.0), [1000, 1000, 1000])
    assert [t for _, t in arrivals] == pytest.approx([1.1, 2.1, 3.1])
    assert link.packets == 3 and link.wire_bytes == 3000


def test_serialization_starts_when_the_link_is_free() -> None:
    arrivals, _ = _run(LinkConfig(0.0, 8000.0), [500], at=5.0)
    assert arrivals[0][1] == pytest.approx(5.5)


def test_jitter_never_reorders() -> None:
    arrivals, _ = _run(LinkConfig(0.05, 1e9, jitter_s=0.02), [100] * 2000, seed=7)
    order = [i for i, _ in arrivals]
    times = [t for _, t in arrivals]
    assert order == sorted(order)
    assert all(b >= a for a, b in zip(times, times[1:], strict=False))
    # jitter is really there: not every packet arrives at the bare delay
    assert max(times) - 0.05 > 0.02


def test_independent_loss_rate() -> None:
    """Binomial(20000, 0.1): the count lies within 5 standard deviations (sd = 42)."""
    arrivals, link = _run(LinkConfig(0.0, 1e12, loss=0.1), [100] * 20000, seed=3)
    assert abs(link.dropped - 2000) < 5 * 42.4
    assert len(arrivals) == 20000 - link.dropped


def test_total_loss_delivers_nothing() -> None:
    arrivals, link = _run(LinkConfig(0.0, 1e6, loss=1.0), [100] * 50)
    assert arrivals == [] and link.dropped == 50


def test_gilbert_elliott_loss_is_bursty_with_the_stationary_mean() -> None:
    """p_gb 0.01, p_bg 0.25, lossless Good, lossy Bad: mean loss 0.01/0.26 = 3.85 %;
    after a loss the next packet is lost with probability 1 - p_bg = 0.75."""
    ge = GilbertElliott(p_gb=0.01, p_bg=0.25)
    assert ge.mean_loss == pytest.approx(0.01 / 0.26)
    n = 100_000
    arrivals, link = _run(LinkConfig(0.0, 1e12, burst=ge), [100] * n, seed=11)
    got = {i for i, _ in arrivals}
    lost = [i not in got for i in range(n)]
    assert link.dropped / n == pytest.approx(ge.mean_loss, rel=0.15)
    after_loss = [b for a, b in zip(lost, lost[1:], strict=False) if a]
    assert np.mean(after_loss) == pytest.approx(0.75, abs=0.05)


def test_scripted_drops() -> None:
    env = simpy.Environment()
    link = Link(env, LinkConfig(0.0, 1e9), np.random.default_rng(0), "up")
    link.drop_indices = {1, 3}
    got: list[int] = []
    for i in range(5):
        link.send(i, 100, lambda ev: got.append(ev.value))
    env.run()
    assert got == [0, 2, 4]
