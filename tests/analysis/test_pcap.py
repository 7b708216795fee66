"""The session as a pcap, read back by tshark and by dpkt.

The cases are ideal paths (tests/cases.py: every wait one round trip of 0.1 s) with a
scripted loss: uplink packets are counted from 0, so on a cleartext baseline session
(``tls=None``) they are SYN (0), the handshake's ACK (1), EHLO (2) and AUTH PLAIN (3);
``drop_up={3}`` loses AUTH, which the client sends again after its retransmission timeout
(RFC 6298 §5.4). A capture on the client host saw the lost copy leave, so Wireshark's TCP
analysis calls the second copy a retransmission (``packet-tcp.c``
``tcp_analyze_sequence_number``: a segment with data whose sequence number is below the next
expected one, that is no keep-alive, is ``tcp.analysis.retransmission``).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import dpkt
import pytest
from cases import ideal_case, with_features

from smtpsim.analysis.pcap import write_pcap
from smtpsim.model.trace import PacketEvent, Trace
from smtpsim.simulator.run import run_session


def _trace(variant: str = "baseline", tls: bool = False, **changes: object) -> Trace:
    case = ideal_case(variant, rtt=0.1, **changes)
    if not tls:
        case = with_features(case, tls=None)
    _, tr = run_session(case, 0, 0, trace=True)
    assert tr is not None
    return tr


def _captured(tr: Trace) -> list[tuple[float, PacketEvent]]:
    """The client-host vantage: uplink packets at sent_s (lost or not), downlink at
    arrived_s (lost ones not at all), in time order."""
    seen = [(p.sent_s if p.direction == "up" else p.arrived_s, i, p)
            for i, p in enumerate(tr.packets)]
    return [(t, p) for t, i, p in sorted((t, i, p) for t, i, p in seen if t is not None)]


def _tshark(path: Path, *args: str) -> list[list[str]]:
    tshark = shutil.which("tshark")
    assert tshark, "tshark is not installed (.ci/run installs the Debian package)"
    out = subprocess.run([tshark, "-r", str(path), *args], check=True, capture_output=True,
                         text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


@pytest.mark.debian_tools
def test_tshark_reads_the_dialogue_timestamps_and_retransmission(tmp_path: Path) -> None:
    """The cleartext baseline's commands are, by RFC 5321 §3 and RFC 4954 §4, EHLO, AUTH,
    MAIL, RCPT, DATA (the last three in one pipelined segment, RFC 2920 §3.1), QUIT; tshark's
    SMTP dissector reports them in that order from the payload alone. Every frame's epoch time
    is the trace's time at the client (to pcap's nanosecond). Exactly the frames of
    packets the trace marks ``retransmit`` are analysed as retransmissions, among them the
    second AUTH (uplink index 3 dropped, see the module docstring)."""
    tr = _trace(drop_up=frozenset({3}))
    path = tmp_path / "s.pcap"
    write_pcap(tr, path)
    expected = _captured(tr)

    commands = [c for row in _tshark(path, "-Y", "smtp.req.command", "-T", "fields",
                                     "-e", "smtp.req.command") for c in row[0].split(",")]
    assert commands == ["EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"]

    times = [float(row[0]) for row in _tshark(path, "-T", "fields", "-e", "frame.time_epoch")]
    assert len(times) == len(expected)
    for got, (want, _) in zip(times, expected, strict=True):
        assert abs(got - want) < 1.5e-9

    retx = [int(row[0]) for row in _tshark(path, "-Y", "tcp.analysis.retransmission", "-T",
                                           "fields", "-e", "frame.number")]
    marked = [n for n, (_, p) in enumerate(expected, start=1) if p.retransmit]
    assert retx == marked
    auth = [n for n, (_, p) in enumerate(expected, start=1)
            if p.label.startswith("AUTH")]
    assert len(auth) == 2 and auth[1] in retx


def _frames(data: bytes) -> list[tuple[float, dpkt.ip.IP, dpkt.tcp.TCP]]:
    out = []
    for ts, buf in dpkt.pcap.Reader(io.BytesIO(data)):
        ip = dpkt.ethernet.Ethernet(buf).data
        out.append((float(ts), ip, ip.data))
    return out


def test_dpkt_reads_back_headers_payload_and_tls_records(tmp_path: Path) -> None:
    """Read back with dpkt, a STARTTLS baseline (RFC 3207) with the same loss:

    * timestamps are the trace's at the client, frame for frame;
    * the SYN carries MSS 1460 (1500-byte MTU less 40, RFC 9293 §3.7.1) and the header
      length the trace counts (60 - 20 IP = 40 bytes of TCP: 20 of options);
    * no segment acknowledges a byte its peer has not yet been seen sending (a capture at
      the client sees the server's segments when they arrive, after the client's data they
      acknowledge, and the client's ACKs after the server data they cover), and every
      acknowledgement number is one past the peer's SYN or further (RFC 9293 §3.4);
    * the client's byte stream, rebuilt by sequence number, reads ``EHLO ...`` CRLF then
      ``STARTTLS`` CRLF (RFC 3207 §4) and after it only TLS records: type 0x16 (handshake) or
      0x17 (application data), version 0x0303, lengths that tile the rest of the stream
      exactly, their sizes the trace's writes (a write is one record below 2^14 bytes).
    """
    tr = _trace(tls=True, drop_up=frozenset({3}))
    path = tmp_path / "s.pcap"
    write_pcap(tr, path)
    frames = _frames(path.read_bytes())
    expected = _captured(tr)
    assert [round(ts, 9) for ts, _, _ in frames] == [round(t, 9) for t, _ in expected]

    syn = frames[0][2]
    assert syn.flags & dpkt.tcp.TH_SYN and syn.off * 4 == 40
    opts = dict(dpkt.tcp.parse_opts(syn.opts))
    assert int.from_bytes(opts[dpkt.tcp.TCP_OPT_MSS], "big") == 1460

    isn: dict[int, int] = {}
    sent_to: dict[int, int] = {}  # highest sequence number + 1 seen from each port
    client_port = syn.sport
    stream: dict[int, bytes] = {}
    for _, _, tcp in frames:
        if tcp.flags & dpkt.tcp.TH_SYN:
            isn[tcp.sport] = tcp.seq
        end = tcp.seq + len(tcp.data) + bool(tcp.flags & (dpkt.tcp.TH_SYN | dpkt.tcp.TH_FIN))
        if tcp.flags & dpkt.tcp.TH_ACK:
            assert isn[tcp.dport] + 1 <= tcp.ack <= sent_to[tcp.dport]
        sent_to[tcp.sport] = max(sent_to.get(tcp.sport, 0), end)
        if tcp.sport == client_port and tcp.data:
            stream[tcp.seq - isn[client_port] - 1] = bytes(tcp.data)
    data = b"".join(stream[k] for k in sorted(stream))
    head = b"EHLO client.example.org\r\nSTARTTLS\r\n"
    assert data.startswith(head)

    sizes, rest = [], data[len(head):]
    while rest:
        assert rest[0] in (0x16, 0x17) and rest[1:3] == b"\x03\x03"
        length = int.from_bytes(rest[3:5], "big")
        sizes.append(5 + length)
        rest = rest[5 + length:]
    writes = [r.nbytes for r in tr.records
              if r.action == "write" and r.side == "client" and r.label.startswith("TLS")]
    assert sizes == writes
