"""The ladder view on a small hand-made Trace."""

from __future__ import annotations

import pytest

from smtpsim.analysis.ladder import ladder_lines, ladder_rows, render_ladder
from smtpsim.model.trace import PacketEvent, Trace


def _trace() -> Trace:
    p = PacketEvent
    packets = [
        p("up", 0.0, 0.050, 52, 0, "S", 0, 0, ""),
        p("down", 0.050, 0.100, 52, 0, "SA", 0, 1, ""),
        # deliberately out of order: the ladder sorts by send time
        p("up", 0.1505, 0.2005, 73, 21, "PA", 1, 39, "EHLO client.example\r\n"),
        p("down", 0.1002, 0.1502, 90, 38, "PA", 1, 1, "220 mx.example ESMTP\r\n"),
        p(
            "up",
            0.2500,
            None,
            120,
            68,
            "PA",
            22,
            120,
            "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n",
        ),
        p(
            "up",
            0.4500,
            0.5000,
            120,
            68,
            "PA",
            22,
            120,
            "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n",
            True,
        ),
    ]
    return Trace(packets=packets, rtt_s=0.1, profile="lte", variant="pipelining")


def test_rows_are_in_send_time_order_with_ms_times() -> None:
    rows = ladder_rows(_trace())
    assert [r["sent_ms"] for r in rows] == pytest.approx([0.0, 50.0, 100.2, 150.5, 250.0, 450.0])
    assert [r["index"] for r in rows] == list(range(6))
    assert rows[3]["label"].startswith("EHLO")
    assert rows[4]["lost"] is True and rows[4]["arrived_ms"] is None
    assert rows[5]["retransmit"] is True and rows[5]["lost"] is False
    assert rows[5]["arrived_ms"] == pytest.approx(500.0)


def test_header_names_profile_variant_and_rtt() -> None:
    first = render_ladder(_trace()).splitlines()[0]
    assert "lte" in first and "pipelining" in first and "100.0 ms" in first
    assert "1 lost" in first and "1 retransmitted" in first


def test_arrows_point_the_right_way_and_marks() -> None:
    lines = render_ladder(_trace()).splitlines()[2:]
    assert len(lines) == 6
    syn, synack, greeting, ehlo, lost, retx = lines
    assert "▶|" in syn and "[SYN]" in syn
    assert "|◀" in synack and "[SYN, ACK]" in synack
    assert "|◀" in greeting and "220 mx.example ESMTP" in greeting and "38 B" in greeting
    assert "▶|" in ehlo and "EHLO client.example" in ehlo and "150.500" in ehlo
    assert "✗ lost" in lost and "▶" not in lost and "—" in lost
    assert "↻ retx" in retx and "✗" not in retx and "▶|" in retx
    # the send time starts the line and the arrival time follows it
    assert ehlo.split()[:2] == ["150.500", "200.500"]


def test_lines_fit_the_width_and_long_labels_are_truncated() -> None:
    trace = _trace()
    trace.packets.append(PacketEvent("up", 0.6, 0.65, 1512, 1460, "PA", 90, 120, "X" * 500))
    for width in (80, 100, 160):
        text = render_ladder(trace, width=width)
        assert max(len(line) for line in text.splitlines()) <= width
    assert "…" in render_ladder(trace, width=80).splitlines()[-1]


def test_multi_line_labels_become_one_line() -> None:
    text = render_ladder(_trace(), width=160)
    assert "MAIL FROM:<a@x> · RCPT TO:<b@y> · DATA" in text
    assert "\r" not in text


def test_ladder_lines_pair_lines_with_rows() -> None:
    pairs = ladder_lines(_trace())
    assert [row is None for _, row in pairs[:2]] == [True, True]
    assert [row["index"] for _, row in pairs[2:]] == list(range(6))


def test_empty_trace_and_too_narrow_width() -> None:
    assert "(no packets)" in render_ladder(Trace())
    with pytest.raises(ValueError, match="width"):
        render_ladder(_trace(), width=40)


def test_imap_packets_are_marked() -> None:
    """Send-and-save and BURL put the client's IMAP session on the same links: its packets
    carry ``connection="imap"`` and the ladder marks them; SMTP packets are not marked."""
    trace = _trace()
    trace.packets.append(PacketEvent("up", 0.3, 0.35, 100, 48, "PA", 1, 1,
                                     "a1 APPEND Sent {3000}\r\n", False, "imap"))
    rows = ladder_rows(trace)
    assert [r["connection"] for r in rows].count("imap") == 1
    lines = render_ladder(trace).splitlines()[2:]
    (append,) = [line for line in lines if "APPEND" in line]
    assert append.rstrip().endswith("IMAP")
    assert not any("IMAP" in line for line in lines if "APPEND" not in line)
