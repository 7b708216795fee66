"""The drop-tail buffer of a link (``smtpsim.simulator.queue``), held to hand arithmetic.

Mahimahi's ``DropTailPacketQueue::enqueue`` admits a packet when the bytes waiting plus its
own are within the byte limit; the packet being sent has left the queue
(``LinkQueue::rationalize`` dequeues it first)."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from smtpsim.model import LinkConfig
from smtpsim.simulator.wire import Link


def _link(config: LinkConfig) -> tuple[simpy.Environment, Link, list[tuple[int, float]]]:
    env = simpy.Environment()
    link = Link(env, config, np.random.default_rng(0), "up")
    arrivals: list[tuple[int, float]] = []
    return env, link, arrivals


def _send_at(env: simpy.Environment, link: Link, arrivals: list[tuple[int, float]],
             at: float, packets: list[tuple[int, int]]) -> None:
    """Hand ``(id, bytes)`` packets to ``link`` at ``at``."""
    def send(_ev: simpy.Event) -> None:
        for ident, size in packets:
            link.send(ident, size, lambda ev: arrivals.append((ev.value, env.now)))

    env.timeout(at).callbacks.append(send)


def test_a_flight_overflows_the_buffer_at_the_packet_the_arithmetic_predicts() -> None:
    """Rate 8000 bit/s (1000 B/s), buffer 3000 B, delay 0.1 s; six 1000-B packets at 0.

    Packet 0 starts at once (not waiting); 1, 2, 3 wait: 1000, 2000, 3000 B <= 3000, kept;
    packet 4: 3000 + 1000 > 3000, dropped, and 5 too. The kept ones leave at 1, 2, 3, 4 s and
    arrive 0.1 s later. At 1.5 s packet 1 has started (left the buffer): 2000 B wait, so a
    packet then fits (3000), starts when packet 3 is done (4 s), arrives 5.1 s; one more at
    1.6 s finds 3000 B waiting and is dropped."""
    env, link, arrivals = _link(LinkConfig(0.1, 8000.0, queue_bytes=3000))
    _send_at(env, link, arrivals, 0.0, [(i, 1000) for i in range(6)])
    _send_at(env, link, arrivals, 1.5, [(6, 1000)])
    _send_at(env, link, arrivals, 1.6, [(7, 1000)])
    env.run()
    assert [i for i, _ in arrivals] == [0, 1, 2, 3, 6]
    assert [t for _, t in arrivals] == pytest.approx([1.1, 2.1, 3.1, 4.1, 5.1])
    assert link.queue_drops == 3 and link.dropped == 3 and link.packets == 8


def test_a_small_exchange_behind_a_full_buffer_waits_the_buffer_over_the_rate() -> None:
    """Rate 12000 bit/s (1500 B/s), buffer 15000 B (ten 1500-B packets), no delay. A bulk
    sender puts 20 packets on the link at 0: one is sent, ten wait, nine are dropped. At 1 s
    the first is done and the second starts (13500 B wait): a 100-B command fits and waits
    for the ten packets of the buffer, 10 x 1 s = 15000 B / 1500 B/s = 10 s; it leaves at
    11 s and has arrived 100 x 8 / 12000 s later."""
    env, link, arrivals = _link(LinkConfig(0.0, 12000.0, queue_bytes=15000))
    _send_at(env, link, arrivals, 0.0, [(i, 1500) for i in range(20)])
    _send_at(env, link, arrivals, 1.0, [(99, 100)])
    env.run()
    assert link.queue_drops == 9
    assert dict(arrivals)[99] == pytest.approx(11.0 + 100 * 8 / 12000)
    assert link.queue_peak == pytest.approx(15000 / 1500)


def test_an_unbounded_link_keeps_every_packet_and_counts_its_waits() -> None:
    """Without a buffer limit nothing is dropped; the waits of three 1000-B packets at
    8000 bit/s sent together are 0, 1 and 2 s: sum 3 s, peak 2 s."""
    env, link, arrivals = _link(LinkConfig(0.0, 8000.0))
    _send_at(env, link, arrivals, 0.0, [(i, 1000) for i in range(3)])
    env.run()
    assert len(arrivals) == 3 and link.queue is None and link.queue_drops == 0
    assert (link.queue_sum, link.queue_peak) == pytest.approx((3.0, 2.0))


def test_a_large_buffer_that_never_fills_changes_nothing() -> None:
    """The same flight through an unbounded link and through a 1 MB buffer: the same
    arrival times, bit for bit (a buffer only acts when it is full)."""
    times = []
    for limit in (None, 1_000_000):
        env, link, arrivals = _link(LinkConfig(0.01, 1e6, queue_bytes=limit))
        _send_at(env, link, arrivals, 0.0, [(i, 1500) for i in range(100)])
        _send_at(env, link, arrivals, 0.05, [(100, 60)])
        env.run()
        times.append(arrivals)
    assert times[0] == times[1]
