"""One session's trace as a pcap file, for Wireshark's flow graphs and TCP analysis.

**Vantage point: a capture on the client host** (as ``tcpdump`` on the phone or laptop
would take it). An uplink packet is captured when its first bit leaves (``sent_s``), lost or
not; a downlink packet when its last bit arrives (``arrived_s``), and a lost downlink packet
not at all. Timestamps are the trace's seconds counted from the Unix epoch (the capture
begins on 1970-01-01, so Wireshark's absolute times are the trace's times), at nanosecond
resolution (pcap's nanosecond magic, ``dpkt.pcap.Writer(nano=True)``).

**Headers.** Ethernet II, IPv4 (RFC 791: TTL 64, DF, an ID counting per sender) and TCP
(RFC 9293). The client is ``192.0.2.1`` (RFC 5737, ``text.CLIENT_ADDRESS``), the submission
server ``198.51.100.25`` and the IMAP server ``198.51.100.143``, each connection from its own
ephemeral port. The server port is the submission port 587 (RFC 6409 §3.1) and IMAP's 143, or
465 / 993 when the client's first bytes are TLS (implicit TLS, RFC 8314 §3.3). The trace's
sequence and acknowledgement numbers are relative (the first data byte is 0, the SYN takes
no number, a FIN takes one); here they become absolute from a fixed initial sequence number
per side: a segment's ``seq`` is ``ISN + 1 + seq`` (``ISN`` on the SYN), its ``ack`` is the
peer's ``ISN + 1 + ack`` when it carries ACK. Options fill the bytes the trace counts
between the headers and the payload (``wire_bytes - payload_bytes - 40``), in Linux's order
(``tcp_output.c tcp_options_write``): on a SYN MSS, SACK permitted, timestamps, NOP, window
scale (20 bytes); on other segments NOP, NOP, timestamps (12 bytes) (RFC 7323 §3: TSval is
the sender's clock in ms, TSecr the last TSval it received); any other length is NOPs.

**Payload.** Each connection's byte stream in one direction is rebuilt from the trace's
records (``RecordEvent`` writes, in order) and each segment carries its slice
``[seq, seq + payload_bytes)``: SMTP and IMAP lines as their text with CRLF; a reply the
trace abbreviates (``250-host (+10 lines)``) as its first line and filler continuation lines
with the same code; a message body (``<N bytes of message>``) as lines of filler, DATA's
terminator as ``.`` CRLF. A TLS application-data write (``TLS[...]``) becomes opaque records
(RFC 8446 §5.1 / RFC 5246 §6.2: type 0x17, version 0x0303, length, filler bytes) of the
write's size; a handshake flight (``TLS ClientHello`` ...) one handshake record (type 0x16) of
the flight's size with filler content (Wireshark may call its inside malformed: only its size
is modelled). Every record is exactly as long as the trace says.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import dpkt

from smtpsim.model.trace import PacketEvent, RecordEvent, Trace

__all__ = ["CLIENT_IP", "SERVER_IPS", "pcap_bytes", "pcap_packets", "write_pcap"]

CLIENT_IP = "192.0.2.1"
SERVER_IPS = {"smtp": "198.51.100.25", "imap": "198.51.100.143"}
_PORTS = {("smtp", False): 587, ("smtp", True): 465, ("imap", False): 143, ("imap", True): 993}
_CLIENT_PORTS = {"smtp": 50000, "imap": 50001}
_ISN = {"up": 0x1000_0000, "down": 0x5000_0000}
_MSS = 1460  # a 1500-byte Ethernet MTU less 40 bytes of IPv4 and TCP headers (RFC 9293 §3.7.1)
_WINDOW = 65535  # on the SYN unscaled (RFC 7323 §2.2), after it shifted by _WSCALE
_WSCALE = 7  # Linux's shift for its default 6 MB receive buffer limit
_MAX_TLS_BODY = 16384 + 256  # RFC 8446 §5.2: TLSCiphertext.length at most 2^14 + 256
_MORE_LINES = re.compile(r"^(.*) \(\+(\d+) lines\)$")
_BODY = re.compile(r"^<(\d+) bytes of message>( \.)?$")
_FLAG_BITS = {"S": dpkt.tcp.TH_SYN, "F": dpkt.tcp.TH_FIN, "A": dpkt.tcp.TH_ACK,
              "P": dpkt.tcp.TH_PUSH, "R": dpkt.tcp.TH_RST}


def write_pcap(trace: Trace, path: str | os.PathLike[str]) -> None:
    """Write ``trace`` to ``path`` as a pcap file (see the module docstring), atomically: to a
    temporary name in the same directory, then ``os.replace``."""
    data = pcap_bytes(trace)
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:  # a new file, with the umask's permissions
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def pcap_bytes(trace: Trace) -> bytes:
    """The pcap file of ``trace`` as bytes."""
    import io

    buf = io.BytesIO()
    writer = dpkt.pcap.Writer(buf, linktype=dpkt.pcap.DLT_EN10MB, nano=True)
    for ts, frame in pcap_packets(trace):
        writer.writepkt(frame, ts=ts)
    return buf.getvalue()


def pcap_packets(trace: Trace) -> list[tuple[float, bytes]]:
    """``(capture time s, Ethernet frame)`` of every packet the client host sees, in capture
    order (stable for ties, in the trace's order)."""
    streams = _streams(trace.records)
    implicit = {conn: _first_is_tls(trace.records, conn) for conn in SERVER_IPS}
    seen = [(p.sent_s if p.direction == "up" else p.arrived_s, i, p)
            for i, p in enumerate(trace.packets)]
    captured = sorted((t, i, p) for t, i, p in seen if t is not None)
    tsecr = _echoes(trace.packets)
    ip_ids: dict[tuple[str, str], int] = {}
    out = []
    for t, i, p in captured:
        key = (p.connection, p.direction)
        ip_ids[key] = ip_ids.get(key, 0) + 1
        payload = streams.get(key, b"")[p.seq:p.seq + p.payload_bytes]
        payload += b"\0" * (p.payload_bytes - len(payload))
        frame = _frame(p, payload, implicit.get(p.connection, False), ip_ids[key], tsecr[i])
        out.append((t, frame))
    return out


def _frame(p: PacketEvent, payload: bytes, implicit_tls: bool, ip_id: int, tsecr: int) -> bytes:
    up = p.direction == "up"
    peer = "down" if up else "up"
    syn = "S" in p.flags
    seq = _ISN[p.direction] + (0 if syn else 1 + p.seq)
    ack = _ISN[peer] + 1 + p.ack if "A" in p.flags else 0
    flags = 0
    for letter in p.flags:
        flags |= _FLAG_BITS.get(letter, 0)
    server_port = _PORTS[(p.connection, implicit_tls)]
    client_port = _CLIENT_PORTS.get(p.connection, 50002)
    opts = _options(p.wire_bytes - p.payload_bytes - 40, syn, _ms(p.sent_s), tsecr)
    tcp = dpkt.tcp.TCP(
        sport=client_port if up else server_port, dport=server_port if up else client_port,
        seq=seq, ack=ack, flags=flags, win=_WINDOW if syn else _WINDOW >> _WSCALE, opts=opts,
        data=payload,
    )
    tcp.off = (20 + len(opts)) // 4
    server = _ip(SERVER_IPS.get(p.connection, SERVER_IPS["smtp"]))
    client = _ip(CLIENT_IP)
    ip = dpkt.ip.IP(src=client if up else server, dst=server if up else client,
                    p=dpkt.ip.IP_PROTO_TCP, ttl=64, id=ip_id & 0xFFFF, df=1,
                    data=tcp)
    ip.len = 20 + len(bytes(tcp))
    eth = dpkt.ethernet.Ethernet(
        src=b"\x02\x00\x00\x00\x00\x01" if up else b"\x02\x00\x00\x00\x00\x02",
        dst=b"\x02\x00\x00\x00\x00\x02" if up else b"\x02\x00\x00\x00\x00\x01",
        type=dpkt.ethernet.ETH_TYPE_IP, data=ip,
    )
    return bytes(eth)


def _ip(address: str) -> bytes:
    return bytes(int(part) for part in address.split("."))


def _ms(t: float) -> int:
    return int(t * 1e3) & 0xFFFF_FFFF


def _options(length: int, syn: bool, tsval: int, tsecr: int) -> bytes:
    """``length`` bytes of TCP options in Linux's layout (see the module docstring)."""
    ts = bytes([dpkt.tcp.TCP_OPT_TIMESTAMP, 10]) + tsval.to_bytes(4, "big") + (
        (0 if syn and tsecr < 0 else max(tsecr, 0)).to_bytes(4, "big"))
    if syn and length == 20:
        return (bytes([dpkt.tcp.TCP_OPT_MSS, 4]) + _MSS.to_bytes(2, "big")
                + bytes([dpkt.tcp.TCP_OPT_SACKOK, 2]) + ts
                + bytes([dpkt.tcp.TCP_OPT_NOP, dpkt.tcp.TCP_OPT_WSCALE, 3, _WSCALE]))
    if syn and length >= 4:
        mss = bytes([dpkt.tcp.TCP_OPT_MSS, 4]) + _MSS.to_bytes(2, "big")
        return mss + bytes([dpkt.tcp.TCP_OPT_NOP]) * (length - 4)
    if length == 12:
        return bytes([dpkt.tcp.TCP_OPT_NOP, dpkt.tcp.TCP_OPT_NOP]) + ts
    return bytes([dpkt.tcp.TCP_OPT_NOP]) * max(length, 0)


def _echoes(packets: list[PacketEvent]) -> list[int]:
    """Per packet, the TSecr its sender puts in it: the TSval of the latest packet of the same
    connection that reached the sender before it sent this one (-1 if none)."""
    out = []
    for p in packets:
        best: tuple[float, int] = (-1.0, -1)
        for q in packets:
            if (q.connection == p.connection and q.direction != p.direction
                    and q.arrived_s is not None and q.arrived_s <= p.sent_s
                    and q.arrived_s >= best[0]):
                best = (q.arrived_s, _ms(q.sent_s))
        out.append(best[1])
    return out


def _first_is_tls(records: list[RecordEvent], connection: str) -> bool:
    for r in records:
        if r.connection == connection and r.side == "client" and r.action == "write":
            return r.label.startswith("TLS")
    return False


def _streams(records: list[RecordEvent]) -> dict[tuple[str, str], bytes]:
    """Each (connection, direction)'s byte stream, from the writes in order."""
    parts: dict[tuple[str, str], list[bytes]] = {}
    for r in records:
        if r.action != "write":
            continue
        key = (r.connection, "up" if r.side == "client" else "down")
        parts.setdefault(key, []).append(_record_bytes(r.label, r.nbytes))
    return {key: b"".join(chunks) for key, chunks in parts.items()}


def _record_bytes(label: str, nbytes: int) -> bytes:
    """``nbytes`` bytes standing for a write labelled ``label`` (see the module docstring)."""
    if label.startswith("TLS["):
        return _tls_records(0x17, nbytes)
    if label.startswith("TLS "):
        return _tls_records(0x16, nbytes)
    fixed: list[bytes] = []
    fillers: list[tuple[int, str, int]] = []  # (index in fixed, kind, arg)
    for part in label.split(" | "):
        more = _MORE_LINES.match(part)
        body = _BODY.match(part)
        if more:
            fixed.append(more.group(1).encode() + b"\r\n")
            fillers.append((len(fixed), "lines", int(more.group(2))))
            fixed.append(b"")
        elif body:
            fillers.append((len(fixed), "body", int(body.group(1))))
            fixed.append(b"")
            if body.group(2):
                fixed.append(b".\r\n")
        else:
            fixed.append(part.encode() + b"\r\n")
    room = nbytes - sum(len(b) for b in fixed)
    for index, kind, arg in fillers:  # a body is as long as its label says
        if kind == "body":
            fixed[index] = _body_lines(max(min(arg, room), 0))
            room -= len(fixed[index])
    lines = [(index, arg) for index, kind, arg in fillers if kind == "lines"]
    code = label[:3] if label[:3].isdigit() else ""
    for n, (index, count) in enumerate(lines):  # abbreviated lines share what is left
        share = max(room // (len(lines) - n), 0)
        fixed[index] = _filler_lines(share, count, code)
        room -= len(fixed[index])
    data = b"".join(fixed)
    return data[:nbytes] + b" " * (nbytes - len(data))


def _tls_records(content_type: int, nbytes: int) -> bytes:
    """Records of ``content_type`` (RFC 8446 §5.1 header: type, 0x0303, length) totalling
    ``nbytes`` bytes, each body at most 2^14 + 256 bytes, filled with 0x2a."""
    out = bytearray()
    left = nbytes
    while left > 5:
        body = min(left - 5, _MAX_TLS_BODY)
        out += bytes([content_type, 3, 3]) + body.to_bytes(2, "big") + b"\x2a" * body
        left -= 5 + body
    out += b"\x2a" * left
    return bytes(out)


def _filler_lines(nbytes: int, count: int, code: str) -> bytes:
    """``count`` reply lines of ``nbytes`` bytes in all: ``code-X-FILLER...`` and the last
    with ``code`` and a space (RFC 5321 §4.2.1)."""
    lines = []
    for i in range(count):
        size = nbytes // count + (1 if i < nbytes % count else 0)
        sep = " " if i == count - 1 else "-"
        head = f"{code}{sep}X" if code else "X"
        text = (head + "x" * max(size - 2 - len(head), 0))[: max(size - 2, 0)]
        lines.append(text.encode() + b"\r\n"[: size - len(text)])
    return b"".join(lines)


def _body_lines(nbytes: int) -> bytes:
    """``nbytes`` bytes of message: lines of 76 ``x`` with CRLF (RFC 5322 §2.1.1's 78)."""
    line = b"x" * 76 + b"\r\n"
    whole, rest = divmod(nbytes, len(line))
    tail = (b"x" * max(rest - 2, 0) + b"\r\n")[-rest:] if rest else b""
    return line * whole + tail
