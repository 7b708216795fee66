"""The floor model: the least a SimPy program can do to move the packets of one session.

The packets come from the simulator itself (``exchange``): every packet one run puts on its
client's access path, warm-up connection included, in the order they leave, grouped into
*flights* (consecutive packets in one direction). The floor replays them with no protocol at
all: one ``simpy.Environment`` per session, one ``Timeout`` per packet (its arrival),
serialization and queueing computed arithmetically (a packet starts when the one before it on
the same link has left), and the next flight sent from the arrival callback of the last packet
of the one before. Nothing else is scheduled: no timers, no processes, no application.

The simulator can never be faster than this; how far it stays from it is the overhead of
modelling TCP, TLS and SMTP (the issue's target: within 3x).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy

from smtpsim.model import Case, LinkConfig

__all__ = ["Flight", "exchange", "floor_session"]

#: One flight: the direction (0 up, 1 down) and the wire size of each of its packets.
Flight = tuple[int, list[int]]


def exchange(case: Case, seed: int = 0) -> list[Flight]:
    """The packets that ``run_session(case, seed)`` puts on the client's access path, as
    flights in the order they leave."""
    from smtpsim.simulator.run import _Run

    run = _Run(case, seed, 0, False)
    sent: list[tuple[float, int, int, int]] = []

    def observer(direction: int) -> Callable[..., None]:
        def observe(_p: Any, wire: int, _handed: float, start: float, _arr: Any,
                    _deliver: Any) -> None:
            if start is not None:  # None: dropped by the buffer, never on the wire
                sent.append((start, len(sent), direction, wire))

        return observe

    run.first_path.up.on_send = observer(0)
    run.first_path.down.on_send = observer(1)
    run.run()
    flights: list[Flight] = []
    for _start, _n, direction, wire in sorted(sent):
        if flights and flights[-1][0] == direction:
            flights[-1][1].append(wire)
        else:
            flights.append((direction, [wire]))
    return flights


def floor_session(flights: list[Flight], up: LinkConfig, down: LinkConfig) -> float:
    """Replay ``flights`` over a path of ``up`` and ``down``: one event per packet. Returns
    the time the last packet arrived."""
    env = simpy.Environment()
    links = ((up.delay_s, 8.0 / up.bandwidth_bps), (down.delay_s, 8.0 / down.bandwidth_bps))
    busy = [0.0, 0.0]
    count = len(flights)

    def send(k: int) -> None:
        direction, sizes = flights[k]
        delay, per_byte = links[direction]
        now = env.now
        free = busy[direction]
        last = None
        for wire in sizes:
            start = now if now > free else free
            free = start + wire * per_byte
            last = env.timeout(free + delay - now)
        busy[direction] = free
        if k + 1 < count and last is not None:
            last.callbacks.append(lambda _ev: send(k + 1))

    send(0)
    env.run()
    return env.now
