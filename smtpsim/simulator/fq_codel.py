"""FQ-CoDel (RFC 8290): per-flow queues, deficit round robin, new flows first, CoDel each.

* **Flows** (RFC 8290 §4.1.1): packets are classified into flow queues by a hash of their
  5-tuple (Linux: 1024 buckets). Here a flow is one TCP connection, named by the caller
  (the link: the receiving endpoint, ``wire``); the few connections of a session never
  collide, so the "hash" is exact.
* **Enqueue** (§4.1): the packet gets its timestamp and joins its flow's queue; "if the
  queue is empty ... it is added to the end of the list of new queues" with a fresh
  ``deficit`` of one quantum (Linux ``fq_codel_enqueue``: ``list_add_tail(&flow->flowchain,
  &q->new_flows); flow->deficit = q->quantum;``).
* **Overflow** (§4.1, §5.1 memory limit; Linux ``fq_codel_drop``): when the packets held
  exceed the shared limit, the flow with the largest backlog in bytes loses packets from its
  head, "drop half of its backlog with a 64 packets limit" (``threshold = maxbacklog >> 1``;
  ``do { ... } while (++i < max_packets && len < threshold)``, ``drop_batch_size`` 64), once
  per enqueue. The limit here is the link's buffer in bytes; without one, Linux's defaults:
  10240 packets or 32 MiB (``fq_codel_init``: ``sch->limit = 10*1024``, ``q->memory_limit =
  32 << 20``; ``tc qdisc show`` of a default fq_codel: "limit 10240p flows 1024 quantum 1514
  target 5ms interval 100ms memory_limit 32Mb ecn drop_batch 64", the kernel's tc-testing
  ``fq_codel.json``; ``tc-fq_codel(8)``: "The lower of the packet limit of the limit
  parameter and the memory limit will be enforced"). Linux counts an skb's truesize against
  the memory limit; here a packet's wire bytes.
* **Dequeue** (§4.2; Linux ``fq_codel_dequeue``): take the first flow of ``new_flows``, else
  of ``old_flows``; a flow whose deficit is used up (``<= 0``) gets another quantum and moves
  to the end of ``old_flows``, and the choice starts again; otherwise CoDel dequeues from it
  (``codel``); a flow found empty leaves the lists, except that an empty *new* flow moves to
  the end of ``old_flows`` when that list is not empty ("to prevent starvation", §4.2: it
  must not come back as new at once); the packet's bytes come off the flow's deficit.
* **Quantum** 1514 B (§4.2, Linux default ``psched_mtu``: one MTU with its Ethernet header).

So a sparse flow (one small packet now and then) goes ahead of a bulk flow's standing queue:
it waits for the packet being sent and at most about one quantum of the bulk flow.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from smtpsim.simulator.codel import CoDel, Entry

__all__ = ["DROP_BATCH", "MEMORY_LIMIT", "PACKET_LIMIT", "QUANTUM_BYTES", "FqCodel"]

#: RFC 8290 §4.2 / Linux ``fq_codel_init``: ``q->quantum = psched_mtu(qdisc_dev(sch))``
QUANTUM_BYTES = 1514
#: Linux ``fq_codel_init``: ``q->drop_batch_size = 64``
DROP_BATCH = 64
#: Linux ``fq_codel_init``'s limits when none is given: packets, and bytes (``memory_limit``)
PACKET_LIMIT = 10 * 1024
MEMORY_LIMIT = 32 << 20


class _Flow(CoDel):
    """One flow queue: its CoDel state and queue, and its DRR deficit."""

    __slots__ = ("deficit", "listed")

    def __init__(self) -> None:
        super().__init__()
        self.deficit = 0
        self.listed = False  # in new_flows or old_flows


class FqCodel:
    """The queues of one link direction; ``limit`` bytes held at most (None: Linux's
    default limits, ``PACKET_LIMIT`` packets or ``MEMORY_LIMIT`` bytes)."""

    __slots__ = ("limit", "packet_limit", "flows", "new_flows", "old_flows", "held", "count")

    def __init__(self, limit: int | None) -> None:
        self.limit = MEMORY_LIMIT if limit is None else limit
        self.packet_limit = PACKET_LIMIT if limit is None else None
        self.flows: dict[Any, _Flow] = {}
        self.new_flows: deque[_Flow] = deque()
        self.old_flows: deque[_Flow] = deque()
        self.held = 0  # bytes in all the flow queues
        self.count = 0  # packets in all the flow queues

    def __bool__(self) -> bool:
        return self.held > 0

    def enqueue(self, flow_id: Any, now: float, wire_bytes: int, item: Any,
                dropped: list[Entry]) -> None:
        """Queue ``item`` (``wire_bytes``) of flow ``flow_id`` at ``now``; the packets the
        overflow drops (possibly this one) are appended to ``dropped``."""
        flow = self.flows.get(flow_id)
        if flow is None:
            flow = self.flows[flow_id] = _Flow()
        flow.queue.append((now, wire_bytes, item))
        flow.backlog += wire_bytes
        self.held += wire_bytes
        self.count += 1
        if not flow.listed:
            flow.listed = True
            flow.deficit = QUANTUM_BYTES
            self.new_flows.append(flow)
        if self.held > self.limit or (self.packet_limit is not None
                                      and self.count > self.packet_limit):
            self._drop_fattest(dropped)

    def _drop_fattest(self, dropped: list[Entry]) -> None:
        """Linux ``fq_codel_drop``: half the fattest flow's backlog from its head, at most
        ``DROP_BATCH`` packets."""
        fat = max(self.flows.values(), key=lambda f: f.backlog)
        threshold = fat.backlog >> 1
        length = 0
        for _ in range(DROP_BATCH):
            entry = fat.queue.popleft()
            fat.backlog -= entry[1]
            self.held -= entry[1]
            self.count -= 1
            length += entry[1]
            dropped.append(entry)
            if length >= threshold or not fat.queue:
                break

    def dequeue(self, now: float, dropped: list[Entry]) -> Entry | None:
        """The packet to send at ``now`` (RFC 8290 §4.2), or None when every queue is
        empty; CoDel's drops on the way are appended to ``dropped``."""
        new_flows, old_flows = self.new_flows, self.old_flows
        while True:
            head = new_flows if new_flows else old_flows
            if not head:
                return None
            flow = head[0]
            if flow.deficit <= 0:
                flow.deficit += QUANTUM_BYTES
                head.popleft()
                old_flows.append(flow)
                continue
            before = len(dropped)
            entry = flow.dequeue(now, dropped)
            for gone in dropped[before:]:
                self.held -= gone[1]
                self.count -= 1
            if entry is None:
                head.popleft()
                if head is new_flows and old_flows:
                    old_flows.append(flow)
                else:
                    flow.listed = False
                continue
            self.held -= entry[1]
            self.count -= 1
            flow.deficit -= entry[1]
            return entry
