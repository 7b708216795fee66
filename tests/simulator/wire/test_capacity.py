"""A link's capacity over time (``smtpsim.simulator.capacity``): Mahimahi traces and
outages, held to hand arithmetic; a constant trace is the constant-rate link."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import simpy
from cases import ideal_case

from smtpsim.model import CapacityTrace, LinkConfig, Outage, PathConfig, SessionRecord, updated
from smtpsim.simulator.capacity import segments
from smtpsim.simulator.run import run_session
from smtpsim.simulator.wire import Link, Radio


def _arrivals(config: LinkConfig, sends: list[tuple[float, int]],
              radio: Radio | None = None) -> list[float]:
    """Arrival times of packets of the given sizes handed over at the given times (over a
    cellular ``radio`` when given)."""
    env = simpy.Environment()
    link = Link(env, config, np.random.default_rng(0), "up")
    link.radio = radio
    got: list[tuple[int, float]] = []
    for i, (at, size) in enumerate(sends):
        def send(_ev: simpy.Event, i: int = i, size: int = size) -> None:
            link.send(i, size, lambda ev: got.append((ev.value, env.now)))
        env.timeout(at).callbacks.append(send)
    env.run()
    return [t for _, t in sorted(got)]


def _trace(*stamps: int) -> CapacityTrace:
    return CapacityTrace("test", stamps)


def test_segments_read_opportunities_per_millisecond() -> None:
    """Stamps 2, 2, 5 (period 5 ms): the millisecond (1, 2] carries two opportunities
    (24 Mbit/s), (4, 5] one (12 Mbit/s), the others none."""
    ends, rates = segments(_trace(2, 2, 5))
    assert ends == [1, 2, 4, 5]
    assert rates == [0.0, 24e6, 0.0, 12e6]


def test_a_trace_with_one_opportunity_in_its_last_millisecond() -> None:
    """Stamp 5 repeating: 1500 B in (4, 5] ms of every 5 ms. A 1500-B packet at 0 leaves
    from 4 to 5 ms; a 3000-B one needs the next period's opportunity too: done at 10 ms (as
    in Mahimahi, whose opportunities at 5 and 10 ms carry it). No delay."""
    link = LinkConfig(0.0, 1.0, trace=_trace(5))
    assert _arrivals(link, [(0.0, 1500)]) == pytest.approx([0.005])
    assert _arrivals(link, [(0.0, 3000)]) == pytest.approx([0.010])


def test_a_stall_in_the_trace_holds_the_packet() -> None:
    """Stamps 1..3 then none until 3000 (period 3 s): a packet handed over at 10 ms waits
    for the opportunity stamped 3000, the last millisecond of the period: 1500 B at
    12 Mbit/s from 2.999 s, done at 3.000 s."""
    link = LinkConfig(0.0, 1.0, trace=_trace(1, 2, 3, 3000))
    assert _arrivals(link, [(0.010, 1500)]) == pytest.approx([3.000])


def test_an_outage_delays_a_packet_by_what_is_left_of_it() -> None:
    """8000 bit/s, 0.1 s delay, outage from 1.5 s for 2.5 s. A 500-B packet at 2.0 s would
    arrive at 2.6 s; it waits for the outage's end (4.0 s): 2.0 s later, 4.6 s. One sent at
    1.0 s is being serialized when the outage begins: 0.5 s done before, 0.5 s after 4.0 s:
    its last bit leaves at 4.5 s, arrives 4.6 s."""
    plain = LinkConfig(0.1, 8000.0)
    out = replace(plain, outages=(Outage(1.5, 2.5),))
    assert _arrivals(plain, [(2.0, 500)]) == pytest.approx([2.6])
    assert _arrivals(out, [(2.0, 500)]) == pytest.approx([2.6 + 2.0])
    assert _arrivals(out, [(1.0, 1000)]) == pytest.approx([4.6])


def test_outages_with_a_trace() -> None:
    """A 12 Mbit/s trace (one opportunity a millisecond) and an outage over [0, 1) s: a
    1500-B packet at 0 starts at 1 s and takes 1 ms."""
    link = LinkConfig(0.0, 1.0, trace=_trace(1), outages=(Outage(0.0, 1.0),))
    assert _arrivals(link, [(0.0, 1500)]) == pytest.approx([1.001])


def test_the_radio_promotes_before_a_traced_link_serves() -> None:
    """A radio idle at first (promotion 2 s, tail 5 s) over a 12 Mbit/s trace (one 1500-B
    opportunity a millisecond), no delay. A 1500-B packet handed over at 0 waits for the
    promotion (to 2 s), then for the next opportunity: (2.000, 2.001] s, arriving at
    2.001 s. A second one at 8.001 s finds the radio idle again (6 s > the 5 s tail since
    the first arrived): promoted until 10.001 s, served in (10.001, 10.002]: 10.002 s.
    One at 9.0 s instead is 6.999 s after the first: promoted to 11.0 s, done 11.001 s."""
    link = LinkConfig(0.0, 1.0, trace=_trace(1))
    assert _arrivals(link, [(0.0, 1500)], Radio(2.0, 5.0)) == pytest.approx([2.001])
    assert _arrivals(link, [(0.0, 1500), (8.001, 1500)], Radio(2.0, 5.0)) == pytest.approx(
        [2.001, 10.002])
    assert _arrivals(link, [(0.0, 1500), (9.0, 1500)], Radio(2.0, 5.0)) == pytest.approx(
        [2.001, 11.001])


def test_an_outage_outlasting_the_promotion_holds_the_packet_to_its_end() -> None:
    """The same radio and trace, and an outage over [1, 3) s: the promotion ends at 2 s,
    inside the outage, so the packet handed over at 0 starts at 3 s and arrives at 3.001 s;
    an outage over [0.5, 1.5) s ends before the promotion does: 2.001 s as without it. A
    packet at 4.0 s (the radio connected: 0.999 s since the last activity) is served at
    once: (4.000, 4.001]."""
    long = LinkConfig(0.0, 1.0, trace=_trace(1), outages=(Outage(1.0, 2.0),))
    short = LinkConfig(0.0, 1.0, trace=_trace(1), outages=(Outage(0.5, 1.0),))
    assert _arrivals(long, [(0.0, 1500)], Radio(2.0, 5.0)) == pytest.approx([3.001])
    assert _arrivals(short, [(0.0, 1500)], Radio(2.0, 5.0)) == pytest.approx([2.001])
    assert _arrivals(long, [(0.0, 1500), (4.0, 1500)], Radio(2.0, 5.0)) == pytest.approx(
        [3.001, 4.001])


def _same(a: SessionRecord, b: SessionRecord) -> bool:
    ra, rb = a.as_row(), b.as_row()
    return all(ra[k] == rb[k] or (isinstance(ra[k], float) and math.isnan(ra[k])
                                  and math.isnan(rb[k])) for k in ra)


@pytest.mark.parametrize("per_ms", [1, 2])
def test_a_trace_of_one_constant_rate_is_the_constant_rate_link(per_ms: int) -> None:
    """``per_ms`` opportunities every millisecond for 7 ms, repeating, is
    ``per_ms`` x 12 Mbit/s throughout: a session over it gives the records of a session over
    a constant-rate link of that rate, field for field (the uplink only, then both ways)."""
    rate = per_ms * 12e6
    stamps = tuple(ms for ms in range(1, 8) for _ in range(per_ms))
    base = ideal_case("rfc5321", rtt=0.05)
    base = updated(base, workload={"size": 200_000})
    constant = updated(base, network={"path": PathConfig(LinkConfig(0.025, rate),
                                                         LinkConfig(0.025, rate))})
    traced = updated(base, network={"path": PathConfig(
        LinkConfig(0.025, rate, trace=_trace(*stamps)),
        LinkConfig(0.025, rate, trace=_trace(*stamps)))})
    a, _ = run_session(constant, seed=0)
    b, _ = run_session(traced, seed=0)
    assert a.outcome == "accepted"
    assert _same(a, b)
