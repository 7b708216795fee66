"""A link's bottleneck buffer: drop-tail, limited in bytes.

Mahimahi's ``DropTailPacketQueue::enqueue`` (``src/packet/drop_tail_packet_queue.hh``)
accepts a packet when ``good_with( size_bytes() + p.contents.size(), ...)``, i.e. when the
bytes waiting plus the packet's are within ``byte_limit_``; otherwise the packet is dropped.
The packet being serialized has left the queue (``LinkQueue::rationalize`` dequeues it into
``packet_in_transit_``), so the waiting bytes are those of the packets whose first bit has
not left yet. The link is a FIFO whose schedule is known when a packet arrives, so each
admitted packet's start is known then, and the queue is the starts still ahead of ``now``.
"""

from __future__ import annotations

from collections import deque

__all__ = ["DropTail"]


class DropTail:
    """The packets waiting for the link, with their starts; ``limit`` bytes at most."""

    __slots__ = ("limit", "waiting", "bytes")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        #: (start, bytes) of every admitted packet that had not started when it arrived
        self.waiting: deque[tuple[float, int]] = deque()
        self.bytes = 0

    def admits(self, now: float, wire_bytes: int) -> bool:
        """Whether a packet of ``wire_bytes`` arriving at ``now`` fits (tail drop if not)."""
        waiting = self.waiting
        while waiting and waiting[0][0] <= now:
            self.bytes -= waiting.popleft()[1]
        return self.bytes + wire_bytes <= self.limit

    def wait(self, start: float, wire_bytes: int) -> None:
        """An admitted packet waits until ``start``."""
        self.waiting.append((start, wire_bytes))
        self.bytes += wire_bytes
