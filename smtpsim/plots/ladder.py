"""The ladder (flow) diagram of one session as a picture: the text ladder of
``smtpsim.analysis.ladder`` drawn with matplotlib, packet for packet.

The same packets in the same order (``ladder_rows``: by send time) with the same labels
(``label_text``). The client is the left timeline and the server the right one (the IMAP
server of send-and-save and BURL too, as in the text ladder); time runs down from the moment
the user pressed send, in ms, or in s when the session lasts 2 s or more. Each packet is one
slanted arrow from its sender at ``sent_s`` to its receiver at ``arrived_s``, as in the
time-sequence diagrams of RFC 793 §3.4 and Wireshark's Flow Graph:

* SMTP in blue, TLS handshake records in green, the client's IMAP connection in orange;
  packets without payload (SYN, SYN-ACK, FIN, bare ACKs) drawn light;
* a lost packet's arrow stops halfway across at a cross; a retransmission is dashed and
  marked ``retx`` at its sender;
* the phases shaded across: the trace's (``Trace.phases``), or those given, or those of the
  session's record (``smtpsim.analysis.timeline.record_phases``);
* the waits at the ends (``smtpsim.analysis.timeline.waits``: processing, delayed-ACK and
  other timers) as bars beside the timelines.

Colours are Okabe and Ito's colour-blind-safe set. Only the ``Trace`` (and the record, for
the phases) is read; nothing is simulated here. A session whose last packet comes long after
the rest (the IMAP server's idle close) stretches the axis; ``ax.set_ylim`` narrows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from smtpsim.analysis.ladder import label_text, ladder_rows, ladder_title
from smtpsim.analysis.timeline import Wait, record_phases, waits
from smtpsim.model.trace import Trace

__all__ = ["COLOURS", "OKABE_ITO", "ladder", "packet_kind", "time_unit"]

#: Okabe and Ito, "Color Universal Design" (2008): eight colours that stay apart under the
#: common colour-vision deficiencies.
OKABE_ITO: dict[str, str] = {
    "black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9",
    "bluish green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
    "vermillion": "#D55E00", "reddish purple": "#CC79A7",
}

#: The colour of each packet kind (``packet_kind``) and of the marks.
COLOURS: dict[str, str] = {
    "smtp": OKABE_ITO["blue"], "tls": OKABE_ITO["bluish green"],
    "imap": OKABE_ITO["orange"], "control": OKABE_ITO["black"],
    "lost": OKABE_ITO["vermillion"], "retransmit": OKABE_ITO["reddish purple"],
    "wait": OKABE_ITO["sky blue"],
}
_PHASE_FILLS = (OKABE_ITO["sky blue"], OKABE_ITO["yellow"])
#: opacity of the packets without payload, and of every other arrow
LIGHT_ALPHA = 0.35
FULL_ALPHA = 1.0
_X = {"client": 0.0, "server": 1.0}
_LEGEND = {"smtp": "SMTP", "tls": "TLS handshake", "imap": "IMAP",
           "control": "no payload (SYN, FIN, ACK)"}


def packet_kind(row: Mapping[str, Any]) -> str:
    """A ladder row's kind, which sets its colour: ``"imap"`` (the client's IMAP connection),
    ``"control"`` (no payload: SYN, SYN-ACK, FIN, bare ACK), ``"tls"`` (TLS handshake
    records: the label starts ``TLS `` (``TLS[...]`` is application data) or continues one,
    ``… TLS ``), else ``"smtp"``."""
    if row["connection"] == "imap":
        return "imap"
    if row["payload_bytes"] == 0:
        return "control"
    return "tls" if label_text(row["label"]).removeprefix("… ").startswith("TLS ") else "smtp"


def time_unit(trace: Trace, until_s: float | None = None) -> tuple[str, float]:
    """The time axis' unit and its factor from seconds: ms, or s when the axis ends at 2 s
    or later (at ``until_s``, else at the last send or arrival)."""
    times = [p.sent_s for p in trace.packets]
    times += [p.arrived_s for p in trace.packets if p.arrived_s is not None]
    end = max(times, default=0.0) if until_s is None else until_s
    return ("s", 1.0) if end >= 2.0 else ("ms", 1e3)


def ladder(
    trace: Trace,
    ax: Axes | None = None,
    *,
    record: Any = None,
    phases: Sequence[tuple[str, float, float]] | None = None,
    unit: str | None = None,
    label_chars: int = 60,
    min_wait_s: float = 1e-4,
    until_s: float | None = None,
) -> Figure:
    """Draw the ladder diagram of ``trace`` (see the module docstring) on ``ax``, or on a new
    figure, and return the figure.

    ``phases`` are ``(name, start_s, end_s)`` spans to shade; without them, the trace's own
    (``Trace.phases``, as the client went through them), else those of ``record``
    (``record_phases``), if given. ``until_s`` ends the time axis there (what comes
    later is still drawn, outside the view). ``unit`` is ``"ms"`` or ``"s"`` (default:
    ``time_unit``, which follows ``until_s``). Labels longer than ``label_chars`` are cut with
    ``…``. Waits shorter than ``min_wait_s`` are not marked. Every arrow, label and mark
    carries a gid (``packet-N``, ``label-N``, ``lost-N``, ``retx-N`` for the row of index N;
    ``phase-NAME``; ``wait-K``).
    """
    name, scale = (time_unit(trace, until_s) if unit is None
                   else (unit, {"ms": 1e3, "s": 1.0}[unit]))
    rows = ladder_rows(trace)
    if ax is None:
        fig = Figure(figsize=(9.0, min(40.0, max(4.0, 1.5 + 0.3 * len(rows)))),
                     layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = _root_figure(ax)
    if phases is not None:
        spans = list(phases)
    elif trace.phases:
        spans = [(p.name, p.start_s, p.end_s) for p in trace.phases]
    else:
        spans = record_phases(record) if record is not None else []
    _draw_phases(ax, spans, scale)
    for row in rows:
        _draw_packet(ax, row, scale, trace.rtt_s, label_chars)
    found = waits(trace, min_wait_s)
    for k, wait in enumerate(found):
        _draw_wait(ax, k, wait, scale)
    _frame(ax, trace, rows, spans, scale, name, until_s)
    _legend(ax, rows, bool(found))
    return fig


def _root_figure(ax: Axes) -> Figure:
    fig: Any = ax.get_figure()
    while fig is not None and not isinstance(fig, Figure):
        fig = fig.get_figure()
    if fig is None:
        raise ValueError("the axes belong to no figure")
    return fig


def _draw_packet(ax: Axes, row: dict[str, Any], scale: float, rtt_s: float,
                 label_chars: int) -> None:
    """One arrow from sender to receiver; a lost one stops halfway across, at the time it
    would have been halfway (a quarter of the RTT after it left), at a cross."""
    i, kind = row["index"], packet_kind(row)
    x0, x1 = (0.0, 1.0) if row["direction"] == "up" else (1.0, 0.0)
    y0 = row["sent_ms"] / 1e3 * scale
    if row["lost"]:
        x1, y1 = (x0 + x1) / 2, y0 + rtt_s / 4 * scale
    else:
        y1 = row["arrived_ms"] / 1e3 * scale
    style = {
        "arrowstyle": "-" if row["lost"] else "-|>", "color": COLOURS[kind],
        "alpha": LIGHT_ALPHA if row["payload_bytes"] == 0 else FULL_ALPHA,
        "linestyle": "--" if row["retransmit"] else "-", "linewidth": 1.2,
        "shrinkA": 0.0, "shrinkB": 0.0,
    }
    arrow = ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=style, zorder=3)
    arrow.set_gid(f"packet-{i}")
    text = label_text(row["label"])
    if len(text) > label_chars:
        text = text[: label_chars - 1] + "…"
    label = ax.text((x0 + x1) / 2, (y0 + y1) / 2, text, ha="center", va="center", fontsize=6,
                    color=COLOURS[kind], zorder=4,
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": "white",
                          "edgecolor": "none", "alpha": 0.8} if text else None)
    label.set_gid(f"label-{i}")
    if row["lost"]:
        (cross,) = ax.plot([x1], [y1], marker="x", markersize=8, markeredgewidth=2,
                           color=COLOURS["lost"], linestyle="none", zorder=5)
        cross.set_gid(f"lost-{i}")
    if row["retransmit"]:
        mark = ax.text(x0 + (0.02 if x0 == 0.0 else -0.02), y0, "retx", fontsize=6,
                       ha="left" if x0 == 0.0 else "right", va="bottom",
                       color=COLOURS["retransmit"], zorder=4)
        mark.set_gid(f"retx-{i}")


def _draw_phases(ax: Axes, spans: Sequence[tuple[str, float, float]], scale: float) -> None:
    for k, (name, start, end) in enumerate(spans):
        band = Rectangle((0.0, start * scale), 1.0, (end - start) * scale,
                         transform=ax.get_yaxis_transform(), facecolor=_PHASE_FILLS[k % 2],
                         alpha=0.15, edgecolor="none", zorder=0, gid=f"phase-{name}")
        ax.add_patch(band)
        ax.text(-0.22, (start + end) / 2 * scale, name, fontsize=7, style="italic",
                ha="left", va="center", color="0.3", zorder=1)


def _draw_wait(ax: Axes, k: int, wait: Wait, scale: float) -> None:
    x = -0.035 if wait.side == "client" else 1.035
    (bar,) = ax.plot([x, x], [wait.start_s * scale, wait.end_s * scale], linewidth=4,
                     color=COLOURS["wait"], solid_capstyle="butt", zorder=2)
    bar.set_gid(f"wait-{k}")
    length = wait.end_s - wait.start_s
    text = f"{length * 1e3:.3g} ms" if length < 1.0 else f"{length:.4g} s"
    ax.text(x + (-0.015 if wait.side == "client" else 0.015),
            (wait.start_s + wait.end_s) / 2 * scale, text, fontsize=6, color="0.25",
            ha="right" if wait.side == "client" else "left", va="center", zorder=2)


def _frame(ax: Axes, trace: Trace, rows: list[dict[str, Any]],
           spans: Sequence[tuple[str, float, float]], scale: float, unit: str,
           until_s: float | None) -> None:
    """Timelines, limits (time going down), axis labels and title."""
    times = [r["sent_ms"] / 1e3 for r in rows] + [
        r["arrived_ms"] / 1e3 for r in rows if r["arrived_ms"] is not None]
    times += [end for _, _, end in spans]
    last = (max([*times, 0.0]) if until_s is None else until_s) * scale or 1.0
    pad = 0.03 * last
    for side, x in _X.items():
        ax.axvline(x, color="0.2", linewidth=1.5, zorder=1).set_gid(f"timeline-{side}")
        ax.text(x, -pad, side, ha="center", va="bottom", fontsize=9, weight="bold")
    ax.set_xlim(-0.25, 1.25)
    ax.set_ylim(last + pad, -pad)
    ax.set_xticks([])
    ax.set_ylabel(f"time since the user pressed send ({unit})")
    for spine in ("top", "right", "bottom"):
        ax.spines[spine].set_visible(False)
    ax.set_title(ladder_title(trace), fontsize=9, pad=18)


def _legend(ax: Axes, rows: list[dict[str, Any]], has_waits: bool) -> None:
    """A legend of what the picture holds: packet kinds, lost, retransmitted, waits."""
    kinds = [k for k in _LEGEND if any(packet_kind(r) == k for r in rows)]
    handles = [Line2D([], [], color=COLOURS[k], label=_LEGEND[k],
                      alpha=LIGHT_ALPHA if k == "control" else FULL_ALPHA) for k in kinds]
    marks = (
        (any(r["lost"] for r in rows), {"color": COLOURS["lost"], "marker": "x",
                                        "linestyle": "none", "label": "lost"}),
        (any(r["retransmit"] for r in rows), {"color": "0.3", "linestyle": "--",
                                              "label": "retransmitted"}),
        (has_waits, {"color": COLOURS["wait"], "linewidth": 4, "label": "wait at an end"}),
    )
    handles += [Line2D([], [], **style) for shown, style in marks if shown]
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=4,
                  fontsize=7, frameon=False)
