"""The picture ladder (``smtpsim.plots.ladder``) against the trace and the text ladder.

The times are derived by hand for an ideal 100 ms path (``ideal_case(variant, rtt=0.1)``:
one-way delay 50 ms, 1 Tbit/s links so serialization is negligible, an ideal server that
answers at once, no TLS). Plain RFC 5321 (``rfc5321``: no PIPELINING, DATA, no TLS, no AUTH)
goes in lock step, each packet taking 50 ms:

* RFC 793 §3.4 three-way handshake: SYN 0 -> 50, SYN-ACK 50 -> 100, ACK 100 -> 150 (the
  client is established at 100, the server at 150, when it accepts and writes its banner);
* RFC 5321 §3.1: the client waits for the greeting: 220 150 -> 200, EHLO 200 -> 250,
  its 250 250 -> 300;
* RFC 5321 §4.1.1 without PIPELINING (RFC 2920) each command waits for the previous reply:
  MAIL 300 -> 350, 250 350 -> 400, RCPT 400 -> 450, 250 450 -> 500, DATA 500 -> 550,
  354 550 -> 600, the body and "." 600 -> 650, 250 650 -> 700, QUIT 700 -> 750;
* RFC 5321 §4.1.1.10 the server replies 221 and closes: 221 and its FIN 750 -> 800; the
  client's FIN and its ACK of the server's FIN 800 -> 850 (RFC 793 §3.5), the server's
  ACK of the client's FIN 850 -> 900.

20 packets; the whole session ends at 900 ms < 2 s, so the axis is in ms.
"""

from __future__ import annotations

import io
import subprocess
import sys
from typing import Any

import pytest
from cases import ideal_case
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from smtpsim.analysis.ladder import label_text, ladder_rows, render_ladder
from smtpsim.analysis.timeline import record_phases, waits
from smtpsim.model.records import SessionRecord
from smtpsim.model.trace import PacketEvent, Trace
from smtpsim.plots.ladder import COLOURS, LIGHT_ALPHA, ladder
from smtpsim.simulator.run import run_session

RTT = 0.1
#: (sent ms, direction) of the 20 packets of rfc5321 on the ideal 100 ms path (module doc)
PLAIN = [(0, "up"), (50, "down"), (100, "up"), (150, "down"), (200, "up"), (250, "down"),
         (300, "up"), (350, "down"), (400, "up"), (450, "down"), (500, "up"), (550, "down"),
         (600, "up"), (650, "down"), (700, "up"), (750, "down"), (750, "down"), (800, "up"),
         (800, "up"), (850, "down")]


def _session(variant: str, **changes: Any) -> tuple[SessionRecord, Trace]:
    record, trace = run_session(ideal_case(variant, rtt=RTT, **changes), seed=1, trace=True)
    assert trace is not None
    return record, trace


def _by_gid(fig: Figure, prefix: str) -> dict[int, Any]:
    """The artists of the figure's axes whose gid is ``prefix-N``, by N."""
    ax = fig.axes[0]
    artists = [*ax.texts, *ax.lines, *ax.patches, *ax.get_children()]
    found = {}
    for a in artists:
        gid = a.get_gid()
        if isinstance(gid, str) and gid.startswith(prefix + "-"):
            found[int(gid.removeprefix(prefix + "-"))] = a
    return dict(sorted(found.items()))


def _arrows(fig: Figure) -> list[Annotation]:
    arrows = list(_by_gid(fig, "packet").values())
    assert all(isinstance(a, Annotation) for a in arrows)
    return arrows


def _save(fig: Figure) -> None:
    """Renders ``fig`` with the Agg backend."""
    out = io.BytesIO()
    FigureCanvasAgg(fig).print_png(out)
    assert out.getvalue().startswith(b"\x89PNG")


def test_arrows_are_at_the_hand_derived_times_in_ms() -> None:
    """One arrow per packet, from the sender's timeline (client x=0, server x=1) at its send
    time to the receiver's at its arrival, in ms (module docstring), each 50 ms long."""
    _, trace = _session("rfc5321")
    fig = ladder(trace)
    arrows = _arrows(fig)
    assert len(arrows) == len(PLAIN) == len(trace.packets)
    for arrow, (sent_ms, direction) in zip(arrows, PLAIN, strict=True):
        (x0, y0), (x1, y1) = arrow.xyann, arrow.xy
        assert (x0, x1) == ((0.0, 1.0) if direction == "up" else (1.0, 0.0))
        assert y0 == pytest.approx(sent_ms, abs=1e-3)
        assert y1 == pytest.approx(sent_ms + 50, abs=1e-3)
    assert "(ms)" in fig.axes[0].get_ylabel()
    # and exactly at the trace's own times, in the text ladder's order
    for arrow, row in zip(arrows, ladder_rows(trace), strict=True):
        assert arrow.xyann[1] == row["sent_ms"] and arrow.xy[1] == row["arrived_ms"]
    _save(fig)


def test_labels_are_the_text_ladders_in_order() -> None:
    """The labels are the text ladder's: the same text (``label_text``) packet for packet, each
    one found on its line of ``render_ladder``; the greeting is the 4th packet, EHLO the
    5th, QUIT the 15th (module docstring)."""
    _, trace = _session("rfc5321")
    labels = [t.get_text() for t in _by_gid(ladder(trace), "label").values()]
    assert labels == [label_text(r["label"]) for r in ladder_rows(trace)]
    assert labels[3].startswith("220 ") and labels[4].startswith("EHLO ")
    assert labels[14] == "QUIT" and labels[:3] == ["", "", ""]
    lines = render_ladder(trace, width=160).splitlines()[2:]
    assert all(label in line for label, line in zip(labels, lines, strict=True))


def test_packets_without_payload_are_light() -> None:
    """SYN, SYN-ACK, the handshake's ACK and the four closing packets after the 221 carry no
    payload and are drawn light; the 13 packets of SMTP text in full SMTP blue."""
    _, trace = _session("rfc5321")
    arrows = _arrows(ladder(trace))
    light = [i for i, a in enumerate(arrows) if a.arrow_patch.get_alpha() == LIGHT_ALPHA]
    assert light == [0, 1, 2, 16, 17, 18, 19]
    for a in arrows[3:16]:
        assert a.arrow_patch.get_alpha() == 1.0
        assert a.arrow_patch.get_edgecolor()[:3] == pytest.approx(to_rgba(COLOURS["smtp"])[:3])


def test_phases_are_shaded_from_the_record() -> None:
    """The record's phases laid end to end (module docstring): connect until the client is
    established (0-100), greeting until the 220 (100-200), EHLO (200-300), the envelope from
    MAIL to the 354 (300-600), the body to its 250 (600-700), QUIT to the 221 (700-800)."""
    record, trace = _session("rfc5321")
    fig = ladder(trace, record=record)
    found = {a.get_gid(): (a.get_y(), a.get_y() + a.get_height())
             for a in fig.axes[0].patches if str(a.get_gid()).startswith("phase-")}
    expected = {"connect": (0, 100), "greeting": (100, 200), "ehlo": (200, 300),
                "envelope": (300, 600), "data": (600, 700), "quit": (700, 800)}
    assert list(found) == [f"phase-{n}" for n in expected]
    for name, (start, end) in expected.items():
        assert found[f"phase-{name}"] == pytest.approx((start, end), abs=1e-3)


def test_phases_the_record_cannot_place_come_from_the_trace() -> None:
    """With STARTTLS the client says EHLO before and after TLS (RFC 3207 §4.2): the record's
    totals cannot say where each phase was (``record_phases`` gives nothing), but the trace
    keeps the spans as the client went through them, each wait one round trip of 100 ms on
    the ideal path: connect (SYN, SYN-ACK) 0-100, greeting (the 220) 100-200, EHLO 200-300,
    TLS 300-600 (STARTTLS and its 220, then TLS 1.2's two round trips, RFC 5246 §7.3), EHLO
    again 600-700, AUTH PLAIN to its 235 700-800 (RFC 4954 §4), the pipelined MAIL, RCPT,
    DATA to the 354 800-900 (RFC 2920 §3.1), the body to its 250 900-1000, QUIT to the 221
    1000-1100; one band each, in that order, EHLO twice."""
    record, trace = _session("baseline")
    assert record_phases(record) == []
    bands = [(str(a.get_gid()), a.get_y(), a.get_y() + a.get_height())
             for a in ladder(trace, record=record).axes[0].patches
             if str(a.get_gid()).startswith("phase-")]
    names = ["connect", "greeting", "ehlo", "tls", "ehlo", "auth", "envelope", "data", "quit"]
    edges = [0, 100, 200, 300, 600, 700, 800, 900, 1000, 1100]
    assert [b[0] for b in bands] == [f"phase-{n}" for n in names]
    for (_, start, end), low, high in zip(bands, edges, edges[1:], strict=False):
        assert (start, end) == pytest.approx((low, high), abs=1e-3)


def test_a_lost_packet_ends_in_a_cross_and_its_retransmission_is_marked() -> None:
    """The client's third uplink packet, EHLO at 200 ms, is lost: its arrow stops halfway
    across (x 0.5) a quarter RTT after it left (225 ms) at a cross. Both ends time out
    (RFC 6298 §2.2: RTO = SRTT + 4 RTTVAR = 100 + 4 * 50 ms from the handshake's sample):
    the server sends its 220 again at 150 + 300 = 450 ms, the client EHLO at 200 + 300 =
    500 ms; the retransmissions are dashed and marked ``retx``."""
    _, trace = _session("rfc5321", drop_up=frozenset({2}))
    fig = ladder(trace)
    arrows, crosses, retx = _arrows(fig), _by_gid(fig, "lost"), _by_gid(fig, "retx")
    assert list(crosses) == [4]
    assert arrows[4].xyann == pytest.approx((0.0, 200.0), abs=1e-3)
    assert arrows[4].xy == pytest.approx((0.5, 225.0), abs=1e-3)
    assert list(crosses[4].get_xdata()) == [0.5]
    assert crosses[4].get_ydata()[0] == pytest.approx(225.0, abs=1e-3)
    assert crosses[4].get_marker() == "x"
    sent = {i: arrows[i].xyann[1] for i in retx}
    assert list(sent.values()) == pytest.approx([450.0, 500.0], abs=1e-3)
    assert all(arrows[i].arrow_patch.get_linestyle() == "--" for i in retx)
    assert all(a.arrow_patch.get_linestyle() == "-" for i, a in enumerate(arrows)
               if i not in retx)


def test_imap_arrows_in_the_imap_colour_on_burl() -> None:
    """BURL (RFC 4468) saves the message with IMAP APPEND and GENURLAUTH over the client's
    IMAP connection: those packets are orange, every SMTP one is not."""
    _, trace = _session("burl")
    rows = ladder_rows(trace)
    arrows = _arrows(ladder(trace))
    imap = to_rgba(COLOURS["imap"])[:3]
    colours = [tuple(a.arrow_patch.get_edgecolor()[:3]) for a in arrows]
    is_imap = [c == pytest.approx(imap) for c in colours]
    assert is_imap == [r["connection"] == "imap" for r in rows]
    assert sum(is_imap) > 0 and not all(is_imap)
    assert any("APPEND" in label_text(r["label"]) for r, i in zip(rows, is_imap, strict=True)
               if i)


def test_waits_mark_the_delayed_ack() -> None:
    """On BURL the client sends GENURLAUTH (RFC 4467 §7) at 200 ms, when the APPEND's OK
    arrives; its reply leaves the IMAP server at 250 and arrives at 300. The client has
    nothing more to send on IMAP then: it ACKs when the delayed-ACK timer fires, 40 ms later
    (Linux ``TCP_DELACK_MIN``, HZ/25): a wait of the client on IMAP, 300-340 ms, drawn as a
    bar beside the client's timeline (ms, as the axis ends at ``until_s`` 1.2 s)."""
    _, trace = _session("burl")
    found = [w for w in waits(trace) if w.side == "client" and w.connection == "imap"]
    assert [(w.start_s, w.end_s) for w in found] == [pytest.approx((0.3, 0.34), abs=1e-6)]
    bars = _by_gid(ladder(trace, until_s=1.2), "wait")
    assert any(list(b.get_xdata()) == [-0.035, -0.035]
               and list(b.get_ydata()) == pytest.approx([300.0, 340.0], abs=1e-3)
               for b in bars.values())


def test_a_failed_connection_in_seconds() -> None:
    """Every SYN lost: the client sends it at 0 and again after 1, 2, 4, 8, 16, 32 s (RFC 6298
    §2.1 initial RTO 1 s, §5.5 doubled each time; Linux ``tcp_syn_retries`` 6), at 0, 1, 3,
    7, 15, 31 and 63 s. The axis is in s; seven lost arrows, each ending in a cross 25 ms
    (a quarter RTT) after it left; six RTO waits between them."""
    record, trace = _session("rfc5321", drop_up=frozenset(range(10**6)))
    assert record.outcome == "failed"
    fig = ladder(trace, record=record)
    arrows, crosses = _arrows(fig), _by_gid(fig, "lost")
    assert "(s)" in fig.axes[0].get_ylabel()
    assert [a.xyann[1] for a in arrows] == pytest.approx([0, 1, 3, 7, 15, 31, 63], abs=1e-6)
    assert list(crosses) == list(range(7))
    assert [c.get_ydata()[0] for c in crosses.values()] == pytest.approx(
        [0.025, 1.025, 3.025, 7.025, 15.025, 31.025, 63.025], abs=1e-6)
    assert [w.end_s - w.start_s for w in waits(trace)] == pytest.approx([1, 2, 4, 8, 16, 32])
    _save(fig)


def test_one_packet_and_no_packet() -> None:
    """A trace of one packet has one arrow (no label: a bare SYN); an empty one none."""
    one = Trace(packets=[PacketEvent("up", 0.0, 0.05, 52, 0, "S", 0, 0, "")], rtt_s=0.1)
    fig = ladder(one)
    assert [(a.xyann, a.xy) for a in _arrows(fig)] == [((0.0, 0.0), (1.0, 50.0))]
    _save(fig)
    fig = ladder(Trace())
    assert _arrows(fig) == []
    _save(fig)


def test_draws_on_given_axes() -> None:
    _, trace = _session("rfc5321")
    fig = Figure()
    ax = fig.add_subplot()
    assert ladder(trace, ax) is fig
    assert len(_arrows(fig)) == len(trace.packets)


def test_cli_help_and_the_light_modules_load_no_matplotlib() -> None:
    """matplotlib is imported by ``smtpsim.plots`` only: not by ``smtpsim --help`` or the
    analysis modules the picture reads."""
    code = ("import sys; import smtpsim.analysis.ladder, "
            "smtpsim.analysis.timeline; from smtpsim.cli import main; sys.argv = ['smtpsim', "
            "'--help']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('matplotlib' in sys.modules, file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stderr.strip().splitlines()[-1] == "False", out.stderr
