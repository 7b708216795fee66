"""Filling a ``Trace`` while a run goes: every packet the access links carry, seen by an
observer on each link (off, and free, when not tracing: the links hold None)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smtpsim.model import PacketEvent, Trace
from smtpsim.simulator.tcp import ACK, FIN, PROBE, SYN, Segment
from smtpsim.simulator.wire import Path

__all__ = ["observe_path"]


def observe_path(trace: Trace, path: Path, t0: float) -> None:
    """Log every packet of ``path`` from now on into ``trace``, times from ``t0``."""
    path.up.on_send = _link_observer(trace, "up", t0)
    path.down.on_send = _link_observer(trace, "down", t0)


def _link_observer(trace: Trace, direction: str, t0: float) -> Callable[..., None]:
    packets = trace.packets

    def observe(
        seg: Segment, wire_bytes: int, handed: float, sent: float | None,
        arrived: float | None, deliver: Any,
    ) -> None:
        # the receiving endpoint names the connection (SMTP, or the client's IMAP session)
        conn = getattr(getattr(deliver, "__self__", None), "conn", "smtp")
        flags = seg.flags
        text = ("S" if flags & SYN else "") + ("F" if flags & FIN else "")
        text += "A" if flags & ACK else ""
        text += "P" if seg.length else ""
        queued = sent is None  # dropped by the link's queue: never sent
        packets.append(
            PacketEvent(
                direction, (handed if sent is None else sent) - t0,
                None if arrived is None else arrived - t0, wire_bytes, seg.length, text,
                seg.seq, seg.ack, seg.label, seg.retransmit, conn,
                0.0 if sent is None else sent - handed, queued, bool(flags & PROBE),
            )
        )

    return observe
