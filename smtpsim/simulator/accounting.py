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

    __slots__ = ("record", "session", "stats", "start", "counters", "reused", "retx0", "counts")

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
        self.counts: list[int] | None = None

    def end(self, path: Path) -> None:
        if self.counts is None:
            self.counts = [b - a for a, b in zip(self.counters, _counters(path), strict=True)]

    def settle(self, run_end: float, handover: float | None) -> None:
        """Fill the record's counts. ``handover``: when the next message took this
        connection over (None if it did not): the server's occupancy for this message runs
        from its accept (or this message's start on a reused connection) to then, or to the
        server's close."""
        rec = self.record
        assert self.counts is not None
        rec.bytes_up, rec.bytes_down, rec.packets_up, rec.packets_down = self.counts
        rec.retransmits = self.session.retransmits() - self.retx0
        stats = self.stats
        begin = self.start if self.reused else stats.worker_s
        if not self.reused and stats.accepted_s is not None and stats.worker_s is not None:
            rec.server_queue_s = stats.worker_s - stats.accepted_s
        if begin is not None:
            closed = stats.closed_s if stats.closed_s is not None else run_end
            rec.occupancy_s = (closed if handover is None else min(closed, handover)) - begin


def _counters(path: Path) -> list[int]:
    return [path.up.wire_bytes, path.down.wire_bytes, path.up.packets, path.down.packets]
