"""What a ladder diagram marks besides the packets: the waits at the ends of one session
(from its ``Trace``) and the spans of its phases (from its ``SessionRecord``).

Read by the picture ladder (``smtpsim.plots.ladder``); standard library only, nothing
simulated here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from smtpsim.model.records import PHASES
from smtpsim.model.trace import Trace

__all__ = ["Wait", "record_phases", "waits"]


@dataclass(frozen=True, slots=True)
class Wait:
    """Time one end spent on one connection between a packet arriving and its next packet
    leaving (or, before a retransmission, since its previous packet): ``side`` is
    ``"client"`` or ``"server"``, ``connection`` as in ``PacketEvent``."""

    side: str
    connection: str
    start_s: float
    end_s: float


def waits(trace: Trace, min_s: float = 1e-4) -> list[Wait]:
    """The waits at the ends of ``trace`` of at least ``min_s``, by start time.

    Per end and connection: a packet that leaves after one arrived, with nothing sent in
    between, waited since that arrival (the server's processing, TLS CPU, the delayed-ACK
    timer, an idle timer); a retransmission with nothing arrived since the end's previous
    packet waited since that packet (the retransmission timer, RFC 6298 §5). A packet that
    leaves behind another of the same flight did not wait (its gap is serialization).
    """
    events: dict[tuple[str, str], list[tuple[float, int, bool]]] = {}
    for p in trace.packets:
        sender, receiver = ("client", "server") if p.direction == "up" else ("server", "client")
        events.setdefault((sender, p.connection), []).append((p.sent_s, 1, p.retransmit))
        if p.arrived_s is not None:
            events.setdefault((receiver, p.connection), []).append((p.arrived_s, 0, False))
    found: list[Wait] = []
    for (side, connection), timeline in events.items():
        arrival: float | None = None
        previous: float | None = None
        for at, is_send, retransmit in sorted(timeline):
            if not is_send:
                arrival = at
            else:
                start = arrival if arrival is not None else previous if retransmit else None
                if start is not None and at - start >= min_s:
                    found.append(Wait(side, connection, start, at))
                arrival = None
            previous = at
    return sorted(found, key=lambda w: (w.start_s, w.side))


def record_phases(record: Any) -> list[tuple[str, float, float]]:
    """The phases of a session's record (a ``SessionRecord`` or a row of the records'
    DataFrame) as ``(name, start_s, end_s)`` spans, or ``[]`` when the record cannot place them.

    The record keeps each phase's total time, not when it began: the spans lay them end to
    end in ``PHASES`` order from 0 (empty phases left out), which is when they happened only
    if the client went through them in that order once each. Checked against the record's
    own times: the greeting ends at ``greeting_s``, TLS at ``tls_s``, AUTH at ``auth_s`` and
    the envelope starts at ``mail_s`` (``Dialogue._enter`` in the simulator). With STARTTLS
    (EHLO again after TLS, RFC 3207 §4.2) or implicit TLS (TLS before the greeting, RFC 8314
    §3) they disagree, and no phases are returned.
    """
    spans: list[tuple[str, float, float]] = []
    t = 0.0
    for name in PHASES:
        length = float(_value(record, f"phase_{name}_s"))
        if length > 0:
            spans.append((name, t, t + length))
        t += length
    where = {name: (start, end) for name, start, end in spans}
    marks = (("greeting", 1, "greeting_s"), ("tls", 1, "tls_s"), ("auth", 1, "auth_s"),
             ("envelope", 0, "mail_s"))
    for name, edge, column in marks:
        mark = float(_value(record, column))
        if name in where and not math.isnan(mark) and abs(where[name][edge] - mark) > 1e-6:
            return []
    return spans


def _value(record: Any, column: str) -> Any:
    return record[column] if isinstance(record, Mapping) else getattr(record, column)
