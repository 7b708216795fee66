"""Per-message accounting of a run: what the access links carried and how long the server
held the connection, from one message's start to the next one's (or the run's end)."""

from __future__ import annotations

from smtpsim.model import SessionRecord
from smtpsim.simulator.smtp.client import SmtpClient
from smtpsim.simulator.smtp.server import ServerStats
from smtpsim.simulator.wire import Path

__all__ = ["MessageMark"]


class MessageMark:
    """The counters at one message's start; ``end`` takes them at its end, ``settle`` fills
    the record. ``session`` is the client session that carried the message, ``stats`` what
    its server side observed, ``reused`` whether it rode a kept session."""

    __slots__ = ("record", "session", "stats", "start", "counters", "reused", "retx0", "counts",
                 "peak")

    def __init__(
        self, record: SessionRecord, session: SmtpClient, stats: ServerStats, now: float,
        path: Path, reused: bool,
    ) -> None:
        self.record = record
        self.session = session
        self.stats = stats
        self.start = now
        self.reused = reused
        self.counters = _counters(path)
        self.retx0 = session.retransmits()
        self.counts: list[float] | None = None
        self.peak = 0.0

    def end(self, path: Path) -> None:
        if self.counts is None:
            self.counts = [b - a for a, b in zip(self.counters, _counters(path), strict=True)]
            self.peak = _take_peak(path)

    def settle(self, run_end: float, handover: float | None) -> None:
        """Fill the record's counts. ``handover``: when the next message took this
        connection over (None if it did not): the server's occupancy for this message runs
        from its accept (or this message's start on a reused connection) to then, or to the
        server's close."""
        rec = self.record
        assert self.counts is not None
        bytes_up, bytes_down, packets_up, packets_down, drops, queued = self.counts
        rec.bytes_up, rec.bytes_down, rec.packets_up, rec.packets_down = (
            int(bytes_up), int(bytes_down), int(packets_up), int(packets_down))
        rec.queue_drops = int(drops)
        admitted = packets_up + packets_down - drops
        rec.queue_max_s = self.peak
        rec.queue_mean_s = queued / admitted if admitted > 0 else 0.0
        rec.retransmits = self.session.retransmits() - self.retx0
        stats = self.stats
        begin = self.start if self.reused else stats.worker_s
        if not self.reused and stats.accepted_s is not None and stats.worker_s is not None:
            rec.server_queue_s = stats.worker_s - stats.accepted_s
        if begin is not None:
            closed = stats.closed_s if stats.closed_s is not None else run_end
            rec.occupancy_s = (closed if handover is None else min(closed, handover)) - begin


def _counters(path: Path) -> list[float]:
    up, down = path.up, path.down
    return [up.wire_bytes, down.wire_bytes, up.packets, down.packets,
            up.queue_drops + down.queue_drops, up.queue_sum + down.queue_sum]


def _take_peak(path: Path) -> float:
    """The longest wait on either link since the last call (the peaks start again at 0)."""
    peak = max(path.up.queue_peak, path.down.queue_peak)
    path.up.queue_peak = path.down.queue_peak = 0.0
    return peak
