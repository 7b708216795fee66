"""CoDel, the Controlled Delay AQM of one queue (RFC 8289), as fq_codel runs it per flow.

RFC 8289 §5 (pseudocode), with Linux's ``include/net/codel_impl.h`` where they differ in
detail (noted):

* ``dodequeue``: a packet's sojourn time is ``now - its enqueue time``; "if (sojourn_time <
  TARGET || bytes() <= MAXPACKET) { first_above_time_ = 0; }" else the first time it is
  above, ``first_above_time_ = now + INTERVAL``, and once ``now >= first_above_time_`` the
  packet is ``ok_to_drop``. ``bytes()`` is the queue's backlog after this packet left
  (Linux ``codel_should_drop``: ``*backlog <= params->mtu``, the flow's backlog with the
  packet already dequeued); MAXPACKET is one MTU;
* ``dequeue`` in the dropping state: leave it when a packet is not ``ok_to_drop``; else
  "while (now >= drop_next_ && dropping_) { drop(r.p); ++count_; r = dodequeue(now); ...
  drop_next_ = control_law(drop_next_, count_);" ;
* entering the dropping state: drop this packet, take the next, "delta = count_ -
  lastcount_; count_ = 1; if ((delta > 1) && (now - drop_next_ < 16 * INTERVAL)) count_ =
  delta; drop_next_ = control_law(now, count_); lastcount_ = count_;" ;
* ``control_law(t, count) = t + INTERVAL / sqrt(count)`` (RFC 8289 §5.5 / §3.3: the drop
  spacing shrinks as 1/sqrt of the drops so far; Linux approximates 1/sqrt by Newton steps,
  here it is exact).

TARGET 5 ms and INTERVAL 100 ms are RFC 8289 §4.2–4.3's recommended values (Linux
``codel_params_init``: ``MS2TIME(5)``, ``MS2TIME(100)``). Only the dropping decision is
here; the queue itself is the caller's (a deque of ``(enqueue time, bytes, item)``).
"""

from __future__ import annotations

from collections import deque
from math import sqrt
from typing import Any

__all__ = ["INTERVAL_S", "MAXPACKET_BYTES", "TARGET_S", "CoDel"]

#: RFC 8289 §4.2: "a TARGET of 5 ms"
TARGET_S = 0.005
#: RFC 8289 §4.3: "an INTERVAL of 100 ms"
INTERVAL_S = 0.1
#: One Ethernet frame (Linux ``psched_mtu``: the device MTU plus its 14-byte header).
MAXPACKET_BYTES = 1514

#: A queued packet: (enqueue time, wire bytes, whatever the caller keeps)
Entry = tuple[float, int, Any]


class CoDel:
    """The CoDel state of one queue (RFC 8289 §5's ``first_above_time_``, ``drop_next_``,
    ``count_``, ``lastcount_``, ``dropping_``) and its queue's backlog in bytes."""

    __slots__ = ("queue", "backlog", "first_above", "drop_next", "count", "lastcount",
                 "dropping")

    def __init__(self) -> None:
        self.queue: deque[Entry] = deque()
        self.backlog = 0
        self.first_above = 0.0
        self.drop_next = 0.0
        self.count = 0
        self.lastcount = 0
        self.dropping = False

    def _dodequeue(self, now: float) -> tuple[Entry | None, bool]:
        """RFC 8289 §5.4 ``dodequeue``: the head packet and whether it is ``ok_to_drop``."""
        if not self.queue:
            self.first_above = 0.0
            return None, False
        entry = self.queue.popleft()
        self.backlog -= entry[1]
        if now - entry[0] < TARGET_S or self.backlog <= MAXPACKET_BYTES:
            self.first_above = 0.0
            return entry, False
        if self.first_above == 0.0:
            self.first_above = now + INTERVAL_S
            return entry, False
        return entry, now >= self.first_above

    def dequeue(self, now: float, dropped: list[Entry]) -> Entry | None:
        """RFC 8289 §5.5 ``dequeue``: the packet to send at ``now``, or None (queue empty);
        the packets CoDel drops on the way are appended to ``dropped``."""
        entry, ok_to_drop = self._dodequeue(now)
        if self.dropping:
            if not ok_to_drop:
                self.dropping = False  # sojourn below TARGET: leave the dropping state
            while self.dropping and now >= self.drop_next:
                assert entry is not None
                dropped.append(entry)
                self.count += 1
                entry, ok_to_drop = self._dodequeue(now)
                if not ok_to_drop:
                    self.dropping = False
                else:
                    self.drop_next += INTERVAL_S / sqrt(self.count)
        elif ok_to_drop:
            assert entry is not None
            dropped.append(entry)
            entry, _ = self._dodequeue(now)
            self.dropping = True
            delta = self.count - self.lastcount
            self.count = 1
            if delta > 1 and now - self.drop_next < 16 * INTERVAL_S:
                self.count = delta
            self.drop_next = now + INTERVAL_S / sqrt(self.count)
            self.lastcount = self.count
        return entry
