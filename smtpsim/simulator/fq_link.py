"""A link whose bottleneck is FQ-CoDel (``fq_codel``) instead of a FIFO.

A FIFO link knows each packet's start when it arrives (``wire.Link``); with FQ-CoDel a
packet arriving later may go first (a new flow's), so the link serves its queues as a
Linux qdisc is served: when it is free and able to send, it dequeues one packet
(``FqCodel.dequeue``, CoDel deciding its drops then, at dequeue, RFC 8289 §5), serializes it
and asks again when that packet's last bit has left. "Able to send": a cellular radio
being promoted, or an outage, holds the dequeue until it ends, so the choice is made when a
packet can really leave.

The flow of a packet is its TCP connection: the link is handed the receiving endpoint's
``receive`` as ``deliver`` (``tcp.output``), and that endpoint is one per connection and
direction (the trace names the connection the same way, ``tracing``). Loss, propagation
delay, jitter and the observer are those of ``wire.Link``; loss is drawn when a packet is
sent, in the order packets are sent. A packet dropped by the queue (overflow, or CoDel) is
reported to the observer with no send time, as a drop-tail drop is, at the time it was
dropped (CoDel's: when it came to the head of its queue).
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL

from smtpsim.model import LinkConfig
from smtpsim.simulator.clock import Call
from smtpsim.simulator.codel import Entry
from smtpsim.simulator.fq_codel import FqCodel
from smtpsim.simulator.wire import Link

__all__ = ["FqCodelLink", "new_link"]


class _Held:
    """What the link keeps of a queued packet."""

    __slots__ = ("packet", "deliver", "lose", "index", "handed")

    def __init__(self, packet: Any, deliver: Callable[[Any], None], lose: bool, index: int,
                 handed: float) -> None:
        self.packet = packet
        self.deliver = deliver
        self.lose = lose
        self.index = index
        self.handed = handed


class FqCodelLink(Link):
    """``wire.Link`` with an FQ-CoDel bottleneck (``LinkConfig.queue == "fq_codel"``), its
    byte limit ``queue_bytes`` (None: Linux's defaults, ``fq_codel``). ``queue_drops``
    counts the overflow's and CoDel's drops."""

    __slots__ = ("fq", "engaged")

    def __init__(
        self, env: simpy.Environment, config: LinkConfig, rng: np.random.Generator, name: str
    ) -> None:
        super().__init__(env, config, rng, name)
        self.queue = None  # no drop-tail buffer: the FQ-CoDel limit instead
        self.fq = FqCodel(config.queue_bytes)
        #: the link is sending, or will ask the queues again (a wake-up is scheduled)
        self.engaged = False

    def _at(self, t: float, callback: Callable[[Any], None]) -> None:
        queue: list[Any] = self.env._queue
        heappush(queue, (t, NORMAL, next(self.env._eid), Call(callback)))

    def _dropped(self, entries: list[Entry], now: float) -> None:
        """Count the packets dropped at ``now`` (reported to the observer as handed over
        then, the time of the drop, with no send time)."""
        for _, wire_bytes, held in entries:
            self.queue_drops += 1
            self.dropped += 1
            if self.on_send is not None:
                self.on_send(held.packet, wire_bytes, now, None, None, held.deliver)

    def send(
        self,
        packet: Any,
        wire_bytes: int,
        deliver: Callable[[Any], None],
        lose: bool = False,
    ) -> None:
        """Queue ``packet`` in its connection's flow (``wire.Link.send``'s contract)."""
        now = self.env._now
        index = self.packets
        self.packets = index + 1
        self.wire_bytes += wire_bytes
        flow = getattr(deliver, "__self__", deliver)
        dropped: list[Entry] = []
        self.fq.enqueue(flow, now, wire_bytes, _Held(packet, deliver, lose, index, now),
                        dropped)
        if dropped:
            self._dropped(dropped, now)
        if not self.engaged and self.fq:
            self.engaged = True
            if self.busy_until > now:
                self._at(self.busy_until, self._ready)
            else:
                self._ready(None)

    def _ready(self, _call: Any) -> None:
        """The link is free: send now, or when the radio and the capacity let it."""
        now = self.env._now
        t = now
        radio = self.radio
        if radio is not None:
            t = max(t, radio.earliest(t))
        if self.capacity is not None:
            t = self.capacity.ready(t)
        if t > now:
            self._at(t, self._transmit)
        else:
            self._transmit(None)

    def _transmit(self, _call: Any) -> None:
        """Dequeue one packet and put it on the wire at ``now``."""
        env = self.env
        now = env._now
        dropped: list[Entry] = []
        entry = self.fq.dequeue(now, dropped)
        if dropped:
            self._dropped(dropped, now)
        if entry is None:
            self.engaged = False
            return
        _, wire_bytes, held = entry
        capacity = self.capacity
        if capacity is None:
            done = now + wire_bytes * 8.0 / self.bits_per_s
        else:
            done = capacity.serve(now, wire_bytes)[1]
        self.busy_until = done
        waited = now - held.handed
        if waited > 0.0:
            self.queue_sum += waited
            if waited > self.queue_peak:
                self.queue_peak = waited
        if self.fq:
            self._at(done, self._ready)
        else:
            self.engaged = False
        packet, deliver = held.packet, held.deliver
        lost = (self.loss > 0.0 or self.burst is not None) and self._is_lost()
        drop = self.drop_indices
        radio = self.radio
        if lost or held.lose or (drop is not None and held.index in drop):
            self.dropped += 1
            if radio is not None:
                radio.touch(done)
            if self.on_send is not None:
                self.on_send(packet, wire_bytes, held.handed, now, None, deliver)
            return
        arrive = done + self.delay_s
        if self.jitter_s > 0.0:
            arrive += self.rng.exponential(self.jitter_s)
            if arrive < self.last_arrival:
                arrive = self.last_arrival
        self.last_arrival = arrive
        if radio is not None:
            radio.touch(arrive)
        if self.on_send is not None:
            self.on_send(packet, wire_bytes, held.handed, now, arrive, deliver)
        if isinstance(packet, Call):
            packet.callbacks = (deliver,)
            entry_call = packet
        else:
            entry_call = Call(deliver, packet)
        queue: list[Any] = env._queue
        heappush(queue, (arrive, NORMAL, next(env._eid), entry_call))


def new_link(env: simpy.Environment, config: LinkConfig, rng: np.random.Generator, name: str
             ) -> Link:
    """The link of ``config``: ``wire.Link`` (a FIFO), or an ``FqCodelLink`` for ``queue =
    "fq_codel"`` (``wire.Path``'s ``make_link``)."""
    if config.queue == "fq_codel":
        return FqCodelLink(env, config, rng, name)
    return Link(env, config, rng, name)
