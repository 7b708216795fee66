"""The wire: one direction of a path (``Link``) and a pair of them (``Path``).

A ``Link`` carries packets with, in this order (Mahimahi's composition of ``mm-link`` and
``mm-delay``):

1. serialization at the link's bandwidth through a FIFO: a packet starts when the one before
   it has left, so a flight queues behind itself. The FIFO is a drop-tail buffer of
   ``queue_bytes`` (``queue``): a packet that does not fit is dropped there and never uses
   the link. The rate may vary over time (a capacity trace) and stop (outages):
   ``capacity``. (With ``LinkConfig.queue = "fq_codel"`` the link is a
   ``fq_link.FqCodelLink`` instead: per-connection queues served in turn);
2. loss, decided once per packet (independent, or Gilbert–Elliott bursts); a lost packet has
   still used the bottleneck;
3. propagation delay plus optional jitter. Jitter never reorders: a packet never arrives
   before the packet sent ahead of it on the same link (netem's behaviour with ``rate``).

Delivery is a ``clock.Call`` carrying the packet, with the receiver's handler as its callback,
queued as a SimPy ``Timeout`` would be: no process and no event object per packet (a packet
that is itself a ``Call``, as a TCP segment is, is queued as it is: no object at all).
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL

from smtpsim.model import LinkConfig, PathConfig
from smtpsim.simulator.capacity import Capacity
from smtpsim.simulator.clock import Call
from smtpsim.simulator.queue import DropTail
from smtpsim.simulator.streams import materialize

__all__ = ["Link", "Path", "Radio"]


class Radio:
    """A cellular radio's RRC state, shared by both directions of a path.

    After ``tail_s`` without traffic the radio drops to idle; the next packet, either way,
    first waits ``promotion_s`` while it is promoted back (LTE RRC_IDLE -> CONNECTED 0.26 s
    with a 10.12 s tail, 3G IDLE -> DCH 2 s with a 5 + 12 s tail: AT&T's ARO profiles, after
    Huang et al., MobiSys 2012 and Qian et al., IMC 2010). The radio starts idle, so the
    first SYN pays the promotion too.
    """

    __slots__ = ("promotion_s", "tail_s", "last_activity", "ready_at", "promotions")

    def __init__(self, promotion_s: float, tail_s: float) -> None:
        self.promotion_s = promotion_s
        self.tail_s = tail_s
        self.last_activity = -float("inf")
        self.ready_at = 0.0
        self.promotions = 0

    def earliest(self, now: float) -> float:
        """When a packet handed over at ``now`` can start: at once while the radio is
        connected (or being promoted), else after a promotion."""
        if now - self.last_activity > self.tail_s and now >= self.ready_at:
            self.ready_at = now + self.promotion_s
            self.promotions += 1
        return max(now, self.ready_at)

    def touch(self, t: float) -> None:
        if t > self.last_activity:
            self.last_activity = t


class Link:
    """One direction: serialization FIFO (drop-tail), loss, propagation delay, jitter.

    ``queue_drops`` counts the packets the buffer dropped (``dropped`` every packet lost,
    these included); ``queue_sum`` and ``queue_peak`` add up and keep the largest wait of an
    admitted packet for the link (its queueing delay: from being handed over to its first
    bit leaving, radio promotions and outages included)."""

    __slots__ = (
        "env",
        "name",
        "delay_s",
        "bits_per_s",
        "jitter_s",
        "loss",
        "burst",
        "rng",
        "draws",
        "busy_until",
        "last_arrival",
        "bad_state",
        "packets",
        "wire_bytes",
        "dropped",
        "on_send",
        "drop_indices",
        "radio",
        "queue",
        "capacity",
        "queue_drops",
        "queue_sum",
        "queue_peak",
        "lossy",
    )

    def __init__(
        self, env: simpy.Environment, config: LinkConfig, rng: np.random.Generator, name: str
    ) -> None:
        self.env = env
        self.name = name
        self.delay_s = config.delay_s
        self.bits_per_s = config.bandwidth_bps
        self.jitter_s = config.jitter_s
        self.loss = config.loss
        self.burst = config.burst
        #: loss is drawn for every packet (``_is_lost``): only with a loss rate or bursts
        self.lossy = config.loss > 0.0 or config.burst is not None
        #: drawn from only with loss or jitter: made only then (``streams``)
        self.draws = self.lossy or config.jitter_s > 0.0
        self.rng = materialize(rng) if self.draws else rng
        self.busy_until = 0.0
        self.last_arrival = 0.0
        self.bad_state = False
        self.packets = 0
        self.wire_bytes = 0
        self.dropped = 0
        #: Optional observer ``f(packet, wire_bytes, handed_s, sent_s_or_None,
        #: arrived_s_or_None, deliver)`` (the trace; ``sent_s`` None: dropped by the queue;
        #: ``deliver`` says whose packet it is); None when tracing is off.
        self.on_send: Callable[[Any, int, float, float | None, float | None, Any], None] | None
        self.on_send = None
        #: Scripted loss (as ns-3's ``ReceiveListErrorModel``): the 0-based indices of the
        #: packets on this link to drop, in addition to random loss. None when unused.
        self.drop_indices: frozenset[int] | set[int] | None = None
        #: The path's radio (cellular RRC state), or None.
        self.radio: Radio | None = None
        if config.queue != "droptail" and type(self) is Link:
            raise ValueError(f"a {config.queue} bottleneck is a link of its own"
                             " (fq_link.new_link)")
        #: the drop-tail buffer, None when unbounded
        self.queue = None if config.queue_bytes is None else DropTail(config.queue_bytes)
        #: the rate over time, None for a constant rate without outages
        self.capacity = Capacity.for_link(config)
        self.queue_drops = 0
        self.queue_sum = 0.0
        self.queue_peak = 0.0

    def swap_randomness(
        self, rng: np.random.Generator, bad_state: bool = False
    ) -> tuple[np.random.Generator, bool]:
        """Draw from ``rng`` (Gilbert-Elliott state ``bad_state``) from now on; returns what
        was used so far, to be swapped back (a warm client's unmeasured warm-up draws from
        streams of its own)."""
        old = self.rng, self.bad_state
        self.rng, self.bad_state = materialize(rng) if self.draws else rng, bad_state
        return old

    def _is_lost(self) -> bool:
        burst = self.burst
        if burst is not None:
            rng = self.rng
            if self.bad_state:
                if rng.random() < burst.p_bg:
                    self.bad_state = False
            elif rng.random() < burst.p_gb:
                self.bad_state = True
            p = burst.loss_bad if self.bad_state else burst.loss_good
            return p > 0.0 and rng.random() < p
        loss = self.loss
        return loss > 0.0 and (loss >= 1.0 or self.rng.random() < loss)

    def send(
        self,
        packet: Any,
        wire_bytes: int,
        deliver: Callable[[Any], None],
        lose: bool = False,
    ) -> None:
        """Put ``packet`` (``wire_bytes`` long, headers included) on the link.

        ``deliver`` is called with a triggered event whose ``value`` is the packet, when its
        last bit arrives; it is not called if the packet is lost. ``lose``: a middlebox on
        the path drops this packet whatever the link's own loss.
        """
        env = self.env
        now = env._now
        index = self.packets
        self.packets = index + 1
        self.wire_bytes += wire_bytes
        buffer = self.queue
        # an empty buffer (no packet waiting, so no bytes: ``queue``) admits what fits in it
        # without a look at it
        if (buffer is not None and (buffer.waiting or wire_bytes > buffer.limit)
                and not buffer.admits(now, wire_bytes)):  # tail drop
            self.queue_drops += 1
            self.dropped += 1
            if self.on_send is not None:
                self.on_send(packet, wire_bytes, now, None, None, deliver)
            return
        busy = self.busy_until
        start = now if now > busy else busy
        radio = self.radio
        if radio is not None:
            start = max(start, radio.earliest(start))
        capacity = self.capacity
        if capacity is None:
            done = start + wire_bytes * 8.0 / self.bits_per_s
        else:
            start, done = capacity.serve(start, wire_bytes)
        self.busy_until = done
        waited = start - now
        if waited > 0.0:
            self.queue_sum += waited
            if waited > self.queue_peak:
                self.queue_peak = waited
            if buffer is not None:
                buffer.wait(start, wire_bytes)
        # drawn for every packet, so scripted loss keeps streams aligned
        lost = self.lossy and self._is_lost()
        drop = self.drop_indices
        if lost or lose or (drop is not None and index in drop):
            self.dropped += 1
            if radio is not None:
                radio.touch(done)
            if self.on_send is not None:
                self.on_send(packet, wire_bytes, now, start, None, deliver)
            return
        arrive = done + self.delay_s
        jitter = self.jitter_s
        if jitter > 0.0:
            arrive += self.rng.exponential(jitter)
            if arrive < self.last_arrival:
                arrive = self.last_arrival
        self.last_arrival = arrive
        if radio is not None:
            radio.touch(arrive)
        on_send = self.on_send
        if on_send is not None:
            on_send(packet, wire_bytes, now, start, arrive, deliver)
        # a Timeout's key and order, without the Timeout (``clock``); a packet that is a
        # ``Call`` (a TCP segment) is its own arrival
        if isinstance(packet, Call):
            packet.callbacks = (deliver,)
            entry = packet
        else:
            entry = Call(deliver, packet)
        queue: list[Any] = env._queue
        heappush(queue, (now + (arrive - now), NORMAL, next(env._eid), entry))


class Path:
    """An uplink (client to server) and a downlink (server to client), each made by
    ``make_link`` (``fq_link.new_link`` for one that may be fq_codel)."""

    __slots__ = ("up", "down", "config", "radio")

    def __init__(
        self,
        env: simpy.Environment,
        config: PathConfig,
        up_rng: np.random.Generator,
        down_rng: np.random.Generator,
        radio: Radio | None = None,
        make_link: Callable[[simpy.Environment, LinkConfig, np.random.Generator, str], Link]
        = Link,
    ) -> None:
        self.config = config
        self.up = make_link(env, config.up, up_rng, "up")
        self.down = make_link(env, config.down, down_rng, "down")
        self.radio = radio
        self.up.radio = self.down.radio = radio
