"""The wire, max-plus: one direction of a path as a FIFO link.

A packet of ``b`` bytes handed to a direction at ``t`` departs at ``max(t, free)``; the link is
then busy for ``8 b / bandwidth`` (``free`` moves on), and the packet arrives one one-way delay
after its last bit left. The two directions of a path are independent FIFOs; every connection
on the same path (the client's SMTP and IMAP connections on its access links) shares them.

A direction with a finite buffer (``LinkConfig.queue_bytes``) is in the domain as long as it
never fills: the bytes still waiting when a packet comes (those of the packets that depart
after ``t``; the one being serialized has left the buffer) plus the packet's must stay within
it, otherwise :class:`QueueMayOverflow` (the packet would be dropped: a loss).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smtpsim.model import LinkConfig
from smtpsim.oracle.agenda import Agenda
from smtpsim.oracle.domain import QueueMayOverflow

__all__ = ["Link"]


class Link:
    """One direction: departs at max(t, free), busy for 8 b / bandwidth, arrives a one-way
    delay after the last bit left. ``log`` keeps (departs, arrives, bytes) of every packet."""

    def __init__(self, agenda: Agenda, cfg: LinkConfig) -> None:
        self.agenda = agenda
        self.delay = cfg.delay_s
        self.bw = cfg.bandwidth_bps
        self.free = 0.0
        self.limit = cfg.queue_bytes
        self.log: list[tuple[float, float, int]] = []  # (departs, arrives, bytes)

    def send(self, t: float, nbytes: int, deliver: Callable[..., None], *args: Any) -> None:
        """Hand ``nbytes`` to the link at ``t``; ``deliver(*args)`` when it has arrived."""
        if self.limit is not None:
            self._check_room(t, nbytes, self.limit)
        start = max(t, self.free)
        self.free = start + nbytes * 8 / self.bw
        self.log.append((start, self.free + self.delay, nbytes))
        self.agenda.at(self.free + self.delay, deliver, *args)

    def _check_room(self, t: float, nbytes: int, limit: int) -> None:
        """:class:`QueueMayOverflow` unless the bytes waiting at ``t`` plus ``nbytes`` fit
        in ``limit`` (departures never decrease: the waiting packets are the log's tail)."""
        waiting = 0
        for departs, _arrives, size in reversed(self.log):
            if departs <= t:
                break
            waiting += size
        if waiting + nbytes > limit:
            raise QueueMayOverflow(
                f"closed form: the link's buffer of {limit} B overflows at {t:.6g} s"
                f" ({waiting} B waiting, {nbytes} B more): a drop is a loss (lossless paths"
                " only)")
