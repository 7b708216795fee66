"""An fq_codel bottleneck (``smtpsim.simulator.fq_link``, ``fq_codel``, ``codel``) held to
hand arithmetic from RFC 8289 §5 (CoDel) and RFC 8290 §4 / Linux ``sch_fq_codel.c``.

Flows are told apart by the receiving endpoint of ``deliver`` (a TCP connection's peer), so
each test's flows are endpoints of their own."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import simpy

from smtpsim.model import LinkConfig
from smtpsim.simulator.fq_link import FqCodelLink
from smtpsim.simulator.fq_link import new_link as link
from smtpsim.simulator.wire import Link

TAU = 1 / 128  # s: a 1500-B packet at 1.536 Mbit/s (dyadic, so no rounding in the sums)


class Endpoint:
    """A receiver: one flow."""

    def __init__(self, name: str, env: simpy.Environment, log: list[tuple[Any, float]]) -> None:
        self.name, self.env, self.log = name, env, log

    def receive(self, ev: Any) -> None:
        self.log.append((ev.value, self.env.now))


def _setup(config: LinkConfig) -> tuple[simpy.Environment, Link, list[tuple[Any, float]],
                                        list[tuple[Any, float]]]:
    env = simpy.Environment()
    wire = link(env, config, np.random.default_rng(0), "up")
    arrivals: list[tuple[Any, float]] = []
    drops: list[tuple[Any, float]] = []

    def observe(packet: Any, _b: int, handed: float, sent: float | None, *_: Any) -> None:
        if sent is None:
            drops.append((packet, handed))

    wire.on_send = observe
    return env, wire, arrivals, drops


def _at(env: simpy.Environment, t: float, sends: list[tuple[Any, int, Endpoint]],
        wire: Link) -> None:
    def go(_ev: Any) -> None:
        for ident, size, peer in sends:
            wire.send(ident, size, peer.receive)

    env.timeout(t).callbacks.append(go)


def test_the_scenario_key_builds_an_fq_codel_link() -> None:
    """``queue = "fq_codel"`` makes ``FqCodelLink``; the default stays the FIFO ``Link``,
    which refuses an fq_codel config (a path made without ``new_link``)."""
    env = simpy.Environment()
    assert type(link(env, LinkConfig(0.0, 1e6), np.random.default_rng(0), "up")) is Link
    fq = link(env, LinkConfig(0.0, 1e6, queue="fq_codel"), np.random.default_rng(0), "up")
    assert isinstance(fq, FqCodelLink)
    with pytest.raises(ValueError, match="a fq_codel bottleneck is a link of its own"):
        Link(env, LinkConfig(0.0, 1e6, queue="fq_codel"), np.random.default_rng(0), "up")


def test_codel_drops_after_an_interval_above_target_then_at_interval_over_sqrt_count() -> None:
    """One flow, 100 packets of 1500 B handed over at 0, no buffer limit, a packet taking
    tau = 7.8125 ms. Dequeues happen at k x tau while nothing is dropped; the sojourn of the
    packet dequeued at t is t.

    RFC 8289 §5.4 ``dodequeue``: p0 at 0 has sojourn 0 < 5 ms; p1 at tau = 7.8125 ms is
    above TARGET with a backlog > one MTU: ``first_above_time = 107.8125 ms``. The first
    dequeue at or after it is k = 14 (109.375 ms): p14 is ok to drop, so (§5.5, entering
    the dropping state) p14 is dropped, p15 sent, count = 1, ``drop_next = 109.375 + 100 =
    209.375 ms``. Sends then go on at 109.375 + j tau (p15+j); the first at or after 209.375
    is j = 13, 210.9375 ms: p28 dropped, count 2, p29 sent, ``drop_next = 209.375 +
    100/sqrt(2) = 280.0857``. From 210.9375: j = 9 gives 281.25 ms (>= 280.0857): p38
    dropped (29 + 9), count 3, ``drop_next = 280.0857 + 100/sqrt(3) = 337.8207``. From
    281.25: j = 8 gives 343.75 ms: p47 (39 + 8) dropped, count 4, ``drop_next = 387.8207``
    (spacing 100/sqrt(4) = 50 ms). From 343.75 (p48 sent): j = 6 gives 390.625: p54."""
    env, wire, arrivals, drops = _setup(LinkConfig(0.0, 1500 * 8 / TAU, queue="fq_codel"))
    peer = Endpoint("bulk", env, arrivals)
    _at(env, 0.0, [(i, 1500, peer) for i in range(100)], wire)
    env.run()
    assert drops[:5] == [(14, pytest.approx(0.109375)), (28, pytest.approx(0.2109375)),
                         (38, pytest.approx(0.28125)), (47, pytest.approx(0.34375)),
                         (54, pytest.approx(0.390625))]
    assert arrivals[13:16] == [(13, pytest.approx(14 * TAU)), (15, pytest.approx(15 * TAU)),
                               (16, pytest.approx(16 * TAU))]


def test_two_backlogged_flows_alternate_under_deficit_round_robin() -> None:
    """Flows A and B, ten 1500-B packets each, handed over at 0 (A's first), 1 ms per
    packet (12 Mbit/s), no limit; all is sent within 20 ms, so CoDel (100 ms) never drops.

    RFC 8290 §4.1–4.2 with quantum 1514: A arrives to an idle link, joins ``new_flows`` with
    deficit 1514, A0 goes at once (deficit 14); B joins ``new_flows`` behind A. At 1 ms A is
    still first with deficit 14 > 0: A1 (deficit -1486). At 2 ms A's deficit is used up: +1514
    = 28, A moves to ``old_flows``; B (new) sends B0 (14), and B1 at 3 ms (-1486); at 4 ms B
    gets 28 and moves behind A in ``old_flows``, A (28) sends A2 (-1472); then B (28) B2, and
    so on, one packet each in turn (each round adds 14 B of credit; a second packet in one
    turn would need 107 rounds)."""
    env, wire, arrivals, drops = _setup(LinkConfig(0.0, 12e6, queue="fq_codel"))
    a, b = Endpoint("a", env, arrivals), Endpoint("b", env, arrivals)
    _at(env, 0.0, [(f"A{i}", 1500, a) for i in range(10)]
        + [(f"B{i}", 1500, b) for i in range(10)], wire)
    env.run()
    order = [p for p, _ in arrivals]
    assert order == ["A0", "A1", "B0", "B1"] + [f"{f}{i}" for i in range(2, 10) for f in "AB"]
    assert [t for _, t in arrivals] == pytest.approx([0.001 * (k + 1) for k in range(20)])
    assert drops == []


def test_a_sparse_flow_behind_a_standing_queue_waits_one_packet_not_the_buffer() -> None:
    """The drop-tail test's setting (``test_queue``): 1500 B/s, a 15000-B buffer, no delay; a
    bulk flow hands over twenty 1500-B packets at 0; a new flow's 100-B command comes at 1.5 s.

    Drop-tail: the command waits behind the ten packets of the full buffer and leaves at 11 s.

    fq_codel: p0 goes at once. p1..p10 fill the limit (15000 B); p11 makes 16500 > 15000, so
    (``fq_codel_drop``) the fattest flow, the bulk one (16500 B), loses half its backlog
    from the head: p1..p6 (9000 B >= 8250); p12..p16 fill it again and p17 drops p7..p12. Held:
    p13..p19. At 1 s p13 is dequeued (sojourn 1 s: ``first_above = 1.1``), done at 2 s. The
    command arrives at 1.5 s as a new flow and, at 2 s, goes first (the bulk flow's deficit
    14 - 1500 < 0 sends it to ``old_flows``): it leaves at 2 s, done 2 + 800/12000 s; it waited
    0.5 s, the rest of the packet being sent. At 2.0667 the bulk flow's CoDel enters the
    dropping state (p14 dropped, sojourn above target since 1.1), p15 sent, ``drop_next =
    2.1667``; at 3.0667 p16 is dropped, count 2, p17 too (``drop_next`` 2.2374 <= now), count 3;
    p18 leaves only 1500 B <= one MTU behind it: not dropped, dropping ends; p19 at 4.0667."""
    for queue, expected in (("droptail", [("cmd", 11.0 + 1 / 15)]),
                            ("fq_codel", [("cmd", 2.0 + 1 / 15)])):
        env, wire, arrivals, drops = _setup(LinkConfig(0.0, 12000.0, queue_bytes=15000,
                                                       queue=queue))
        bulk, sparse = Endpoint("bulk", env, arrivals), Endpoint("sparse", env, arrivals)
        _at(env, 0.0, [(i, 1500, bulk) for i in range(20)], wire)
        _at(env, 1.5, [("cmd", 100, sparse)], wire)
        env.run()
        assert [(p, t) for p, t in arrivals if p == "cmd"] == [
            (p, pytest.approx(t)) for p, t in expected]
    assert arrivals == [(0, 1.0), (13, 2.0), ("cmd", pytest.approx(2 + 1 / 15)),
                        (15, pytest.approx(3 + 1 / 15)), (18, pytest.approx(4 + 1 / 15)),
                        (19, pytest.approx(5 + 1 / 15))]
    assert [p for p, _ in drops] == [*range(1, 13), 14, 16, 17]
    assert [t for p, t in drops if p in (14, 16, 17)] == pytest.approx(
        [2 + 1 / 15, 3 + 1 / 15, 3 + 1 / 15])
    assert wire.queue_drops == 15 and wire.packets == 21


def test_an_outage_holds_the_dequeue_so_the_new_flow_still_goes_first() -> None:
    """12 Mbit/s (1 ms per 1500 B), an outage from 0 for 1 s; bulk packets b0..b4 at 0, a
    new flow's 100-B packet at 0.5 s. Nothing leaves before 1 s; the link dequeues then,
    with both flows waiting: the bulk flow arrived first and is first in ``new_flows`` with
    a whole quantum, so b0 goes at 1 s (done 1.001), b1 too (deficit 14 > 0, done 1.002);
    then the bulk flow's deficit is spent and the new flow's packet goes (done 1.002 +
    800/12e6). A FIFO would send it after b4."""
    from smtpsim.model import Outage

    env, wire, arrivals, drops = _setup(
        LinkConfig(0.0, 12e6, outages=(Outage(0.0, 1.0),), queue="fq_codel"))
    bulk, sparse = Endpoint("bulk", env, arrivals), Endpoint("sparse", env, arrivals)
    _at(env, 0.0, [(f"b{i}", 1500, bulk) for i in range(5)], wire)
    _at(env, 0.5, [("cmd", 100, sparse)], wire)
    env.run()
    assert [p for p, _ in arrivals][:3] == ["b0", "b1", "cmd"]
    assert arrivals[2][1] == pytest.approx(1.002 + 800 / 12e6)
