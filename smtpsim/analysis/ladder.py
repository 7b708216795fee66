"""The ladder (flow) diagram of one session, as plain text.

One line per packet in send-time order, like a protocol analyser's flow graph: the client is
the left bar, the server the right bar; an ``up`` packet is an arrow from left to right, a
``down`` packet from right to left. Each line shows the send and arrival times in ms (from
the moment the user pressed send), the label (SMTP/TLS text) inside the arrow, the TCP flags
and the payload bytes. A lost packet's arrow stops short at ``✗`` and has no arrival time;
a retransmission is marked ``↻ retx``; a packet of the client's IMAP session (send-and-save,
BURL: the same access links, the IMAP server at the right bar) is marked ``IMAP``.

Only the ``Trace`` is read; nothing is simulated here. The CLI may colour the lines
(``ladder_lines`` pairs each line with its row for that).
"""

from __future__ import annotations

from typing import Any

from smtpsim.model.trace import PacketEvent, Trace

__all__ = ["ladder_lines", "ladder_rows", "ladder_title", "label_text", "render_ladder"]

# Wireshark's order and names for the TCP flags the simulator emits.
_FLAG_NAMES = (("F", "FIN"), ("S", "SYN"), ("R", "RST"), ("P", "PSH"), ("A", "ACK"))
_NOTE_WIDTH = len("IMAP ↻ retx ✗ lost")
_MIN_ARROW = 12


def ladder_rows(trace: Trace) -> list[dict[str, Any]]:
    """The packets of ``trace`` as plain dicts, sorted by send time (stable for ties).

    Keys: ``index`` (position in this order), ``direction`` (``"up"``/``"down"``),
    ``sent_ms``, ``arrived_ms`` (``None`` if lost), ``flags`` (the simulator's letters),
    ``payload_bytes``, ``wire_bytes``, ``seq``, ``ack``, ``label`` (as recorded),
    ``lost``, ``retransmit`` and ``connection`` (``"smtp"`` or ``"imap"``).
    """
    packets = sorted(trace.packets, key=lambda p: p.sent_s)
    return [_row(i, p) for i, p in enumerate(packets)]


def ladder_lines(trace: Trace, width: int = 100) -> list[tuple[str, dict[str, Any] | None]]:
    """The lines of ``render_ladder`` each paired with its row (``None`` for header lines).

    Every line is at most ``width`` characters. Raises ``ValueError`` if ``width`` leaves
    fewer than 12 columns for the arrows.
    """
    rows = ladder_rows(trace)
    times = [_ms(r["sent_ms"]) for r in rows] + [_ms(r["arrived_ms"]) for r in rows]
    time_w = max(len(t) for t in ["sent ms", *times])
    flags_w = max(len(t) for t in ["[FIN, PSH, ACK]", *(_flag_text(r["flags"]) for r in rows)])
    bytes_w = max(len(t) for t in ["payload", *(f"{r['payload_bytes']} B" for r in rows)])
    fixed = 2 * time_w + 1 + 2 + 2 + 2 + flags_w + 1 + bytes_w + 2 + _NOTE_WIDTH
    arrow_w = width - fixed
    if arrow_w < _MIN_ARROW:
        raise ValueError(f"ladder width must be at least {fixed + _MIN_ARROW}, got {width}")

    title = ladder_title(trace)
    ends = "client".ljust(arrow_w + 2 - len("server")) + "server"
    heading = (
        f"{'sent ms':>{time_w}} {'arr ms':>{time_w}}  {ends}  "
        f"{'flags':<{flags_w}} {'payload':>{bytes_w}}  note"
    )
    lines: list[tuple[str, dict[str, Any] | None]] = [
        (_fit(title, width), None),
        (_fit(heading, width), None),
    ]
    for r in rows:
        arrival = "—" if r["lost"] else _ms(r["arrived_ms"])
        arrow = _arrow(label_text(r["label"]), arrow_w, r["direction"] == "up", r["lost"])
        line = (
            f"{_ms(r['sent_ms']):>{time_w}} {arrival:>{time_w}}  |{arrow}|  "
            f"{_flag_text(r['flags']):<{flags_w}} {str(r['payload_bytes']) + ' B':>{bytes_w}}"
            f"  {_note(r)}"
        )
        lines.append((line.rstrip(), r))
    if not rows:
        lines.append(("(no packets)", None))
    return lines


def ladder_title(trace: Trace) -> str:
    """The ladder's title line: profile, variant, RTT and the packet counts."""
    lost = sum(p.arrived_s is None for p in trace.packets)
    retx = sum(p.retransmit for p in trace.packets)
    return (
        f"profile {trace.profile or '?'} · variant {trace.variant or '?'} · "
        f"RTT {trace.rtt_s * 1e3:.1f} ms · {len(trace.packets)} packets, {lost} lost, "
        f"{retx} retransmitted"
    )


def render_ladder(trace: Trace, width: int = 100) -> str:
    """The ladder diagram of ``trace`` as plain text: a title line (profile, variant, RTT,
    packet counts), a column heading, then one line per packet (see the module docstring).
    Lines are at most ``width`` characters; see ``ladder_lines``."""
    return "\n".join(line for line, _ in ladder_lines(trace, width))


def _row(index: int, p: PacketEvent) -> dict[str, Any]:
    return {
        "index": index,
        "direction": p.direction,
        "sent_ms": p.sent_s * 1e3,
        "arrived_ms": None if p.arrived_s is None else p.arrived_s * 1e3,
        "flags": p.flags,
        "payload_bytes": p.payload_bytes,
        "wire_bytes": p.wire_bytes,
        "seq": p.seq,
        "ack": p.ack,
        "label": p.label,
        "lost": p.arrived_s is None,
        "retransmit": p.retransmit,
        "connection": p.connection,
    }


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _flag_text(flags: str) -> str:
    names = [name for letter, name in _FLAG_NAMES if letter in flags]
    names += [c for c in flags if c not in dict(_FLAG_NAMES)]
    return "[" + ", ".join(names) + "]" if names else ""


def _note(row: dict[str, Any]) -> str:
    marks = ["IMAP"] if row["connection"] == "imap" else []
    marks += (["↻ retx"] if row["retransmit"] else []) + (["✗ lost"] if row["lost"] else [])
    return " ".join(marks)


def label_text(label: str) -> str:
    """A packet's label as the ladder shows it (before it is cut to the arrow's width):
    protocol text on one line, record/line breaks become `` · ``, control chars ``?``.
    The picture ladder (``smtpsim.plots.ladder``) labels its arrows with the same text."""
    parts = [" ".join(part.split()) for part in label.splitlines()]
    text = " · ".join(p for p in parts if p)
    return "".join(c if c.isprintable() else "?" for c in text)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _arrow(label: str, width: int, up: bool, lost: bool) -> str:
    """An arrow of ``width`` cells with ``label`` centred on its shaft. A lost packet's arrow
    covers three quarters of the way from its sender and ends in ``✗``."""
    span = max(3, width * 3 // 4) if lost else width
    shaft_w = span - 1
    room = shaft_w - 4  # at least "─ " and " ─" around the label
    text = f" {_fit(label, room)} " if label and room >= 1 else ""
    left = (shaft_w - len(text)) // 2
    shaft = "─" * left + text + "─" * (shaft_w - len(text) - left)
    head = "✗" if lost else ("▶" if up else "◀")
    return (shaft + head).ljust(width) if up else (head + shaft).rjust(width)
