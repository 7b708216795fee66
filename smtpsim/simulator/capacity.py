"""A link direction's capacity over time: a capacity trace's rate, and outages.

A link at a constant rate without outages needs none of this (``wire.Link`` serializes at
``bandwidth_bps`` itself); a ``Capacity`` answers, for a packet whose first bit may leave at
``t``, when its first bit does leave and when its last bit has left.

**Traces.** Mahimahi's ``mm-link`` reads a trace as delivery opportunities: "one line per
1500-byte delivery opportunity", each a millisecond timestamp, non-decreasing, the last one
> 0, the file repeating at its end (``src/frontend/link_queue.cc``, ``LinkQueue::LinkQueue``:
"timestamps must be monotonically nondecreasing", "trace must last for a nonzero amount of
time"; ``use_a_delivery_opportunity``: "if ( repeat_ ) { base_timestamp_ +=
schedule_.back();"). In ``rationalize`` each opportunity carries up to ``PACKET_SIZE`` bytes
of the packets waiting, a packet spanning opportunities when it is longer than what is left,
several short packets sharing one; an opportunity with nothing waiting is lost.

Here the opportunities are read as a rate at their millisecond resolution: the ``k``
opportunities stamped ``T`` carry ``k x 1500`` bytes during the millisecond ``(T-1, T]``, at
``k x 12`` Mbit/s; a millisecond without any carries nothing (a stall). Mahimahi hands a
packet over at the instant of the opportunity that carries its last byte; here it leaves
within that millisecond, as its bytes are served (at most 1 ms earlier). Capacity unused
while nothing waits is lost, as in Mahimahi. A stamp 0 is the end of the previous period
(the same instant once the trace repeats). Runs of milliseconds with the same count are one
segment, and a trace of one rate throughout (one opportunity every millisecond: 12 Mbit/s)
is that constant rate, served exactly as a constant-rate link serves it.

**Outages** (times without any delivery) hold every packet until they end: one that would
start inside waits for the end, one being serialized when it starts finishes after it.
"""

from __future__ import annotations

from collections.abc import Sequence

from smtpsim.model import LinkConfig
from smtpsim.model.network import MTU_BYTES, CapacityTrace, Outage

__all__ = ["Capacity", "segments"]

INF = float("inf")


def segments(trace: CapacityTrace) -> tuple[list[int], list[float]]:
    """The trace as constant-rate segments over one period: (segment end in ms from the
    period's start, rate in bit/s), the ``j``-th segment running from the ``j-1``-th end (0
    for the first) to its own."""
    period = trace.period_ms
    counts = [0] * (period + 1)
    for stamp in trace.stamps_ms:
        counts[stamp if stamp > 0 else period] += 1
    ends: list[int] = []
    rates: list[float] = []
    for ms in range(1, period + 1):
        rate = float(counts[ms] * MTU_BYTES * 8 * 1000)
        if rates and rates[-1] == rate:
            ends[-1] = ms
        else:
            ends.append(ms)
            rates.append(rate)
    return ends, rates


class Capacity:
    """The rate of one direction over time (a trace's, or a constant one) with outages.

    ``serve`` must be asked in time order (the link is a FIFO, each packet starting no
    earlier than the one before it ended): the cursors into the trace and the outages only
    move forward.
    """

    __slots__ = ("rate", "ends", "rates", "period", "cycle", "index", "outages", "next")

    def __init__(self, rate_bps: float, trace: CapacityTrace | None,
                 outages: Sequence[Outage]) -> None:
        self.rate = rate_bps
        self.ends: list[int] | None = None
        self.rates: list[float] = []
        self.period = 0
        if trace is not None:
            ends, rates = segments(trace)
            if len(rates) == 1:  # one rate throughout: a constant-rate link
                self.rate = rates[0]
            else:
                self.ends, self.rates, self.period = ends, rates, trace.period_ms
        self.cycle = 0
        self.index = 0
        self.outages = [(o.at_s, o.at_s + o.for_s) for o in outages]
        self.next = 0

    @classmethod
    def for_link(cls, config: LinkConfig) -> Capacity | None:
        """The capacity of ``config``'s link, or None for a constant rate without outages."""
        if config.trace is None and not config.outages:
            return None
        return cls(config.bandwidth_bps, config.trace, config.outages)

    def _rate_at(self, t: float) -> tuple[float, float]:
        """(rate in bit/s from ``t`` on, until when it holds)."""
        outages, i = self.outages, self.next
        while i < len(outages) and outages[i][1] <= t:
            i += 1
        self.next = i
        until = INF
        if i < len(outages):
            begin, end = outages[i]
            if begin <= t:
                return 0.0, end
            until = begin
        ends = self.ends
        if ends is None:
            return self.rate, until
        j, period = self.index, self.period
        while (self.cycle * period + ends[j]) / 1000.0 <= t:
            j += 1
            if j == len(ends):
                j = 0
                self.cycle += 1
        self.index = j
        end = (self.cycle * period + ends[j]) / 1000.0
        return self.rates[j], end if end < until else until

    def ready(self, t: float) -> float:
        """When a packet that may start at ``t`` can start: ``t``, or the end of the outage or
        stall ``t`` falls in (``serve``'s first bit; the same cursors, in time order)."""
        while True:
            rate, until = self._rate_at(t)
            if rate > 0.0:
                return t
            t = until

    def serve(self, t: float, wire_bytes: int) -> tuple[float, float]:
        """(when the first bit leaves, when the last bit has left) for a packet of
        ``wire_bytes`` that may start at ``t``."""
        bits = wire_bytes * 8.0
        first = -1.0
        while True:
            rate, until = self._rate_at(t)
            if rate <= 0.0:
                t = until
                continue
            if first < 0.0:
                first = t
            done = t + bits / rate
            if done <= until:
                return first, done
            bits -= (until - t) * rate
            t = until
