"""Timers armed far more often than they fire take a queue key when armed and are queued
only when they can still matter (``smtpsim.simulator.clock``, ``tcp.socket``,
``tcp.delayed_ack``): the run is the same, the queue holds fewer entries.

SimPy (``simpy/core.py``, ``Environment.schedule``) orders its queue by ``(time, priority,
event id)`` alone, the id taken when the event is scheduled; so an entry queued later under
the key it took when armed runs exactly where it would have run had it been queued at once.
A read's deadline (``recv_within``) whose item arrives first, and a delayed ACK (RFC 1122
§4.2.3.2, Linux ``TCP_DELACK_MIN`` 40 ms) whose ACK a reply carries first, would do nothing:
an owner's earliest queued timer stands for the later ones and queues the latest one only if
it is still pending when it fires.

The paths: 100 ms round trip (50 ms each way), serialization under a nanosecond, so a
segment sent at t arrives at t + 0.05; the handshake is over by t = 0.15.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import pytest
import simpy

from smtpsim.model import PathConfig, TcpConfig
from smtpsim.simulator.clock import Clock
from smtpsim.simulator.tcp import TIMEOUT, Record, TcpConnection
from smtpsim.simulator.tcp.segment import Segment
from smtpsim.simulator.wire import Path

RTT = 0.1
FAST = 1e12
TOL = 1e-9


def _connection(env: simpy.Environment) -> TcpConnection:
    path = Path(env, PathConfig.symmetric_rtt(RTT, FAST, FAST), np.random.default_rng(0),
                np.random.default_rng(1))
    conn = TcpConnection(env, path, TcpConfig(), TcpConfig(), client_nagle=False)
    conn.connect()
    return conn


def _timers_between(env: simpy.Environment, start: float, end: float) -> int:
    """Queued entries due in ``(start, end)`` that are not a packet's arrival."""
    return sum(1 for at, _p, _id, ev in env._queue
               if start < at < end and not isinstance(getattr(ev, "value", None), Segment))


def test_reads_that_get_their_items_in_time_queue_one_deadline_and_a_late_one_fires() -> None:
    """The server reads with a 300 s deadline from t = 0; the client writes one record at
    t = 1, 2, 3, 4, 5, each read at k + 0.05. Read 1's deadline (300) is queued; reads 2-5
    (deadlines 301.05 .. 304.05) and read 6, begun at 5.05 with nothing to come (305.05),
    only take their keys: at t = 10 one deadline is queued, not six. At 300 the queued one
    finds read 6 still waiting and queues its deadline, which fires at 305.05: ``TIMEOUT``
    then (nothing arrived for 300 s). Read 7 (20 s, begun then) is due before any other
    deadline, so it is queued at once: ``TIMEOUT`` at 325.05."""
    env = Clock()
    conn = _connection(env)
    got: list[tuple[Any, float]] = []

    def server() -> Generator[simpy.Event, Any, None]:
        sock = conn.server_socket
        for timeout in (300.0,) * 6 + (20.0,):
            item = yield from sock.recv_within(timeout)
            got.append((item, env.now))

    def client() -> Generator[simpy.Event, Any, None]:
        for k in range(1, 6):
            yield env.timeout(k - env.now)
            conn.client_socket.write([Record(10, f"r{k}", (k,))])

    env.process(server())
    env.process(client())
    env.run(until=10.0)
    assert [item for item, _t in got] == [1, 2, 3, 4, 5]
    assert [t for _i, t in got] == pytest.approx([1.05, 2.05, 3.05, 4.05, 5.05], abs=TOL)
    assert _timers_between(env, 10.0, 1e9) == 1
    env.run(until=400.0)
    assert [item for item, _t in got[5:]] == [TIMEOUT, TIMEOUT]
    assert [t for _i, t in got[5:]] == pytest.approx([305.05, 325.05], abs=TOL)


def test_delayed_acks_that_replies_carry_are_not_queued() -> None:
    """The client sends a command at t = 1.00, 1.01, 1.02, 1.03 (no Nagle); each reaches
    the server 50 ms later, which arms its delayed-ACK timer (40 ms) and answers at once,
    the reply carrying the ACK. The first timer (due 1.09) is queued; the three armed within
    its 40 ms (due 1.10, 1.11, 1.12) only take their keys and are dropped, their ACKs sent:
    at t = 1.085 one timer is due in (1.085, 1.125), not four. Nothing else is due then
    (both retransmission timers are due after 1.3: RTO = 0.1 + max(4 x 0.05, 0.2))."""
    env = Clock()
    conn = _connection(env)

    def server() -> Generator[simpy.Event, Any, None]:
        sock = conn.server_socket
        for k in range(4):
            yield from sock.recv_within(300.0)
            sock.write([Record(30, f"reply {k}", (k,))])

    def client() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(1.0)
        for k in range(4):
            if k:
                yield env.timeout(0.01)
            conn.client_socket.write([Record(20, f"command {k}", (k,))])

    env.process(server())
    env.process(client())
    env.run(until=1.085)
    assert conn.server.last_ack_sent == conn.server.rcv_nxt == 80  # every command ACKed
    assert _timers_between(env, 1.085, 1.125) == 1


@pytest.mark.parametrize(("after_ns", "acked"), [(1.5, 40), (2.5, 20)])
def test_a_delayed_ack_due_as_a_segment_arrives_fires_behind_it(after_ns: float,
                                                                acked: int) -> None:
    """The client writes 20 B at t = 1 and 20 B more ``after_ns`` nanoseconds after
    t = 1.04; both segments (72 B on the wire) take the same serialization and 50 ms, so
    they reach the server 40 ms + ``after_ns`` ns apart. The first, one sub-MSS segment,
    arms the server's delayed-ACK timer: due 40 ms + 1 ns (``DELACK_TIE_S``) after it
    arrived. So the second arrives ``after_ns`` - 1 ns after the timer falls due. Half a
    nanosecond is within ``DELACK_TIE_S``: the timer fires right behind the arrival and its
    ACK covers both segments (40 B, not more than one MSS: the arrival alone sends none).
    One and a half is not: the timer ACKs the first 20 B, and the second arms a timer of its
    own (due 40 ms on). Looked at 4 ns after the second write's 50 ms."""
    env = Clock()
    conn = _connection(env)

    def client() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(1.0)
        conn.client_socket.write([Record(20, "first", (0,))])
        yield env.timeout(0.04 + after_ns * 1e-9)
        conn.client_socket.write([Record(20, "second", (1,))])

    env.process(client())
    env.run(until=1.09 + (after_ns + 4) * 1e-9)
    assert conn.server.rcv_nxt == 40
    assert conn.server.last_ack_sent == acked
